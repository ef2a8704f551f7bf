#include "connection.h"

#include <random>

#include "kafka/protocol/messages/api_versions.h"
#include "kafka/protocol/messages/sasl_authenticate.h"
#include "kafka/protocol/messages/sasl_handshake.h"
#include "kafka/sasl/scram.h"
#include "tls.h"

namespace kafka::client {

using boost::system::error_code;

struct BrokerConn::Tls {
  asio::ssl::stream<tcp::socket&> stream;
  Tls(tcp::socket& socket, TlsContext& ctx) : stream(socket, ctx.ctx()) {}
};

namespace {
// Pieces smaller than this are copied together before going through TLS: the SSL stream writes
// one buffer per record, and a request header alone should not cost a record and a syscall.
constexpr size_t kTlsCopyBelow = 16384;

std::mt19937_64& rng() {
  static thread_local std::mt19937_64 r(std::random_device{}());
  return r;
}
}  // namespace

template <class Buffers, class Handler>
void BrokerConn::stream_write(const Buffers& bufs, Handler&& h) {
  if (tls_) {
    asio::async_write(tls_->stream, bufs, [keep = tls_, h = std::forward<Handler>(h)](const error_code& ec,
                                                                                    size_t n) mutable { h(ec, n); });
  } else {
    asio::async_write(socket_, bufs, std::forward<Handler>(h));
  }
}

template <class Buffers, class Handler>
void BrokerConn::stream_read(const Buffers& bufs, Handler&& h) {
  if (tls_) {
    asio::async_read(tls_->stream, bufs, [keep = tls_, h = std::forward<Handler>(h)](const error_code& ec,
                                                                                   size_t n) mutable { h(ec, n); });
  } else {
    asio::async_read(socket_, bufs, std::forward<Handler>(h));
  }
}

void ApiVersionTable::set_fallback() {
  clear();
  set(static_cast<int16_t>(proto::ApiKey::Produce), 0, 3);
  set(static_cast<int16_t>(proto::ApiKey::Fetch), 0, 4);
  set(static_cast<int16_t>(proto::ApiKey::ListOffsets), 0, 1);
  set(static_cast<int16_t>(proto::ApiKey::Metadata), 0, 1);
  set(static_cast<int16_t>(proto::ApiKey::InitProducerId), 0, 0);
  set(static_cast<int16_t>(proto::ApiKey::ApiVersions), 0, 0);
}

void Frame::gather(std::vector<asio::const_buffer>& out) const {
  const auto& buf = w_.buffer();
  size_t pos = 0;
  for (const auto& e : ext_) {
    if (e.at > pos) out.emplace_back(buf.data() + pos, e.at - pos);
    out.emplace_back(e.bytes.data(), e.bytes.size());
    pos = e.at;
  }
  if (buf.size() > pos) out.emplace_back(buf.data() + pos, buf.size() - pos);
}

BrokerConn::BrokerConn(asio::io_context& io, ConnOwner& owner, const ConnSettings& settings, int32_t id,
                       std::string host, uint16_t port)
    : io_(io),
      owner_(owner),
      settings_(settings),
      id_(id),
      host_(std::move(host)),
      port_(port),
      socket_(io),
      resolver_(io),
      connect_timer_(io),
      backoff_timer_(io),
      reauth_timer_(io) {
  update_name();
}

BrokerConn::~BrokerConn() {
  error_code ec;
  socket_.close(ec);
}

void BrokerConn::update_name() {
  name_ = host_ + ":" + std::to_string(port_) + "/" + (id_ < 0 ? std::string("bootstrap") : std::to_string(id_));
}

void BrokerConn::set_address(const std::string& host, uint16_t port) {
  if (host == host_ && port == port_) return;
  close(err(LocalErr::TRANSPORT), "broker address changed");
  host_ = host;
  port_ = port;
  update_name();
}

void BrokerConn::send(std::unique_ptr<Request> r) {
  pending_.push_back(std::move(r));
  if (state_ == State::Up) start_write();
  else connect();
}

void BrokerConn::connect() {
  if (state_ != State::Down) return;
  want_connect_ = true;
  int64_t now = mono_us();
  if (now >= next_attempt_us_) {
    start_connect();
    return;
  }
  if (backoff_armed_) return;
  backoff_armed_ = true;
  backoff_timer_.expires_at(to_tp(next_attempt_us_));
  backoff_timer_.async_wait([this](const error_code& ec) {
    backoff_armed_ = false;
    if (ec) return;
    if (state_ == State::Down && (want_connect_ || !pending_.empty())) start_connect();
  });
}

void BrokerConn::start_connect() {
  state_ = State::Connecting;
  want_connect_ = false;
  uint64_t gen = ++gen_;
  owner_.conn_log(7, "CONNECT", name_ + ": Connecting");
  connect_timer_.expires_after(std::chrono::microseconds(settings_.connect_timeout_us));
  connect_timer_.async_wait([this, gen](const error_code& ec) {
    if (ec || gen != gen_ || state_ != State::Connecting) return;
    fail(err(LocalErr::TRANSPORT), "Connection setup timed out in state CONNECT");
  });
  resolver_.async_resolve(host_, std::to_string(port_), [this, gen](const error_code& ec, tcp::resolver::results_type res) {
    if (gen != gen_) return;
    if (ec) {
      fail(err(LocalErr::RESOLVE), "Failed to resolve '" + host_ + ":" + std::to_string(port_) + "': " + ec.message());
      return;
    }
    asio::async_connect(socket_, res, [this, gen](const error_code& ec2, const tcp::endpoint&) {
      if (gen != gen_) return;
      if (ec2) {
        fail(err(LocalErr::TRANSPORT), "Connect to " + host_ + ":" + std::to_string(port_) + " failed: " + ec2.message());
        return;
      }
      on_connected();
    });
  });
}

void BrokerConn::arm_setup_timer(int64_t timeout_us, int e, const char* what) {
  connect_timer_.cancel();
  uint64_t gen = gen_;
  std::string reason = what;
  connect_timer_.expires_after(std::chrono::microseconds(timeout_us));
  connect_timer_.async_wait([this, gen, e, reason](const error_code& ec) {
    if (ec || gen != gen_ || state_ == State::Up || state_ == State::Down) return;
    fail(e, reason);
  });
}

void BrokerConn::on_connected() {
  error_code ec;
  if (settings_.nodelay) socket_.set_option(tcp::no_delay(true), ec);
  if (settings_.send_buffer > 0) socket_.set_option(asio::socket_base::send_buffer_size(settings_.send_buffer), ec);
  if (settings_.receive_buffer > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(settings_.receive_buffer), ec);
  if (!settings_.tls) {
    on_transport_ready();
    return;
  }
  // TLS handshake, still bounded by the connection setup timeout.
  state_ = State::Handshake;
  arm_setup_timer(settings_.connect_timeout_us, err(LocalErr::TRANSPORT),
                  "Connection setup timed out in state SSL_HANDSHAKE");
  tls_ = std::make_shared<Tls>(socket_, *settings_.tls);
  SSL* ssl = tls_->stream.native_handle();
  tls_prepare_connection(*settings_.tls, ssl, host_);
  owner_.conn_log(7, "SSL", name_ + ": Starting SSL handshake");
  uint64_t gen = gen_;
  tls_->stream.async_handshake(asio::ssl::stream_base::client, [this, gen, keep = tls_](const error_code& e) {
    if (gen != gen_) return;
    if (e) {
      if (e == asio::error::eof || e == asio::error::connection_reset || e == asio::ssl::error::stream_truncated)
        fail(err(LocalErr::TRANSPORT), "SSL handshake failed: Disconnected: connecting to a PLAINTEXT broker listener?");
      else
        fail(err(LocalErr::SSL), tls_handshake_error(e, keep->stream.native_handle()));
      return;
    }
    owner_.conn_log(7, "SSLVERIFY", name_ + ": Broker SSL certificate verified");
    on_transport_ready();
  });
}

void BrokerConn::on_transport_ready() {
  transport_ready_ = true;
  start_read();
  if (!settings_.api_version_request) {
    versions_.set_fallback();
    if (settings_.sasl) {
      // The fallback table knows no SASL APIs: assume Kafka >= 1.0's SaslHandshake v1 and
      // SaslAuthenticate v0 (what librdkafka assumes with broker.version.fallback >= 1.0).
      versions_.set(static_cast<int16_t>(proto::ApiKey::SaslHandshake), 0, 1);
      versions_.set(static_cast<int16_t>(proto::ApiKey::SaslAuthenticate), 0, 0);
      state_ = State::Handshake;
      start_sasl();
      return;
    }
    become_up();
    return;
  }
  state_ = State::Handshake;
  // The ApiVersions exchange is bounded by api.version.request.timeout.ms.
  arm_setup_timer(settings_.api_version_timeout_us, err(LocalErr::TIMED_OUT), "ApiVersionRequest timed out");
  send_api_versions(3);
}

// Writes a handshake/authentication request ahead of anything queued (its version is preset).
void BrokerConn::send_control(std::unique_ptr<Request> r) {
  control_.push_back(std::move(r));
  start_write();
}

void BrokerConn::send_api_versions(int16_t version) {
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::ApiVersions;
  r->version = version;
  r->timeout_us = settings_.api_version_timeout_us;
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) { on_api_versions(e, frame, v); };
  r->encode = [](Frame& f, int16_t v) {
    proto::ApiVersionsRequest body;
    body.client_software_name = "kafkaplus";
    body.client_software_version = "0.1.0";
    proto::encode_body(f.w(), body, v);
  };
  send_control(std::move(r));
}

void BrokerConn::on_api_versions(int e, std::span<const uint8_t> frame, int16_t version) {
  if (e) return;  // the connection failed; fail() already ran
  proto::ApiVersionsResponse resp;
  bool decoded = false;
  try {
    resp = proto::decode_response<proto::ApiVersionsResponse>(frame, version);
    decoded = true;
  } catch (const std::exception&) {
  }
  if (!decoded || resp.error_code == static_cast<int16_t>(Error::UNSUPPORTED_VERSION)) {
    // KIP-511: the broker answers an unsupported version in v0 format with its own ranges.
    try {
      resp = proto::decode_response<proto::ApiVersionsResponse>(frame, 0);
      decoded = true;
    } catch (const std::exception&) {
      decoded = false;
    }
    if (!decoded) {
      if (version > 0) {
        send_api_versions(0);
        return;
      }
      fail(err(LocalErr::BAD_MSG), "Malformed ApiVersions response");
      return;
    }
    if (resp.error_code != 0) {
      int16_t retry = -1;
      for (auto& k : resp.api_keys)
        if (k.api_key == static_cast<int16_t>(proto::ApiKey::ApiVersions)) retry = std::min<int16_t>(k.max_version, 3);
      if (retry < 0) retry = 0;
      if (retry >= version) retry = version - 1;
      if (retry < 0) {
        fail(err(LocalErr::UNSUPPORTED_FEATURE), "ApiVersions not supported by broker");
        return;
      }
      owner_.conn_log(7, "APIVERSION", name_ + ": ApiVersions v" + std::to_string(version) +
                                           " not supported, retrying with v" + std::to_string(retry));
      send_api_versions(retry);
      return;
    }
  }
  if (resp.error_code != 0) {
    fail(err(LocalErr::TRANSPORT),
         "ApiVersions failed: " + err_name(resp.error_code));
    return;
  }
  versions_.clear();
  for (auto& k : resp.api_keys) versions_.set(k.api_key, k.min_version, k.max_version);
  if (settings_.sasl) {
    start_sasl();
    return;
  }
  become_up();
}

// ---- SASL ---------------------------------------------------------------------------------------

void BrokerConn::start_sasl() {
  if (!reauth_) arm_setup_timer(settings_.connect_timeout_us, err(LocalErr::TRANSPORT),
                                "Connection setup timed out in state AUTH_HANDSHAKE");
  if (versions_.pick(proto::ApiKey::SaslHandshake, 1, 1) < 0) {
    fail(err(LocalErr::AUTHENTICATION), "SASL authentication error: the broker does not support SaslHandshake v1 "
                                        "(Kafka >= 1.0 is required)");
    return;
  }
  sasl_auth_version_ = versions_.pick(proto::ApiKey::SaslAuthenticate, 0, 2);
  if (sasl_auth_version_ < 0) {
    fail(err(LocalErr::AUTHENTICATION), "SASL authentication error: the broker does not support SaslAuthenticate");
    return;
  }
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::SaslHandshake;
  r->version = 1;
  r->timeout_us = settings_.connect_timeout_us;
  r->encode = [mech = settings_.sasl_mechanism](Frame& f, int16_t v) {
    proto::SaslHandshakeRequest req;
    req.mechanism = mech;
    proto::encode_body(f.w(), req, v);
  };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) { on_sasl_handshake(e, frame, v); };
  owner_.conn_log(7, "SASL", name_ + ": " + (reauth_ ? "Re-authenticating" : "Authenticating") + " with SASL " +
                                 settings_.sasl_mechanism);
  send_control(std::move(r));
}

void BrokerConn::on_sasl_handshake(int e, std::span<const uint8_t> frame, int16_t version) {
  if (e) return;  // the connection failed; fail() already ran
  proto::SaslHandshakeResponse resp;
  try {
    resp = proto::decode_response<proto::SaslHandshakeResponse>(frame, version);
  } catch (const std::exception& ex) {
    fail(err(LocalErr::AUTHENTICATION), std::string("SASL handshake failed: malformed response: ") + ex.what());
    return;
  }
  if (resp.error_code != 0) {
    std::string mechs;
    for (auto& m : resp.mechanisms) mechs += (mechs.empty() ? "" : ",") + m;
    fail(err(LocalErr::AUTHENTICATION), "SASL " + settings_.sasl_mechanism + " mechanism handshake failed: " +
                                            err_str(resp.error_code) + ": broker's supported mechanisms: " + mechs);
    return;
  }
  sasl_step_ = 0;
  if (settings_.sasl_mechanism == "PLAIN") {
    // authzid (empty) NUL authcid NUL password (RFC 4616).
    std::string msg;
    msg.push_back('\0');
    msg += settings_.sasl_username;
    msg.push_back('\0');
    msg += settings_.sasl_password;
    send_sasl_authenticate(std::move(msg));
    return;
  }
  auto mech = sasl::scram_mechanism_from_name(settings_.sasl_mechanism);
  if (!mech) {
    fail(err(LocalErr::AUTHENTICATION), "SASL mechanism " + settings_.sasl_mechanism + " is not supported");
    return;
  }
  scram_ = std::make_unique<sasl::ScramClient>(*mech, settings_.sasl_username, settings_.sasl_password);
  send_sasl_authenticate(scram_->client_first());
}

void BrokerConn::send_sasl_authenticate(std::string bytes) {
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::SaslAuthenticate;
  r->version = sasl_auth_version_;
  r->timeout_us = settings_.connect_timeout_us;
  r->encode = [bytes = std::move(bytes)](Frame& f, int16_t v) {
    proto::SaslAuthenticateRequest req;
    req.auth_bytes = proto::Bytes(std::string_view(bytes));
    proto::encode_body(f.w(), req, v);
  };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) { on_sasl_authenticate(e, frame, v); };
  send_control(std::move(r));
}

void BrokerConn::on_sasl_authenticate(int e, std::span<const uint8_t> frame, int16_t version) {
  if (e) return;
  proto::SaslAuthenticateResponse resp;
  try {
    resp = proto::decode_response<proto::SaslAuthenticateResponse>(frame, version);
  } catch (const std::exception& ex) {
    fail(err(LocalErr::AUTHENTICATION),
         std::string("SASL authentication error: SaslAuthenticateResponse parsing failed: ") + ex.what());
    return;
  }
  if (resp.error_code != 0) {
    // As librdkafka: the broker's message, and SASL_AUTHENTICATION_FAILED becomes _AUTHENTICATION.
    int code = resp.error_code == static_cast<int16_t>(Error::SASL_AUTHENTICATION_FAILED) ? err(LocalErr::AUTHENTICATION)
                                                                                          : resp.error_code;
    std::string msg = resp.error_message && !resp.error_message->empty() ? *resp.error_message : err_str(resp.error_code);
    scram_.reset();
    fail(code, "SASL authentication error: " + msg);
    return;
  }
  if (!scram_) {  // PLAIN: one round
    sasl_done(resp.session_lifetime_ms);
    return;
  }
  std::string why;
  if (sasl_step_ == 0) {
    std::string client_final;
    if (!scram_->client_final(resp.auth_bytes.str(), client_final, why)) {
      scram_.reset();
      fail(err(LocalErr::AUTHENTICATION), "SASL authentication error: " + why);
      return;
    }
    sasl_step_ = 1;
    send_sasl_authenticate(std::move(client_final));
    return;
  }
  bool ok = scram_->verify_server_final(resp.auth_bytes.str(), why);
  scram_.reset();
  if (!ok) {
    fail(err(LocalErr::AUTHENTICATION), "SASL authentication error: " + why);
    return;
  }
  sasl_done(resp.session_lifetime_ms);
}

void BrokerConn::sasl_done(int64_t session_lifetime_ms) {
  bool was_reauth = reauth_;
  reauth_ = false;
  if (session_lifetime_ms > 0) {
    // KIP-368: re-authenticate at 85-95% of the session lifetime (as the Java client).
    std::uniform_int_distribution<int64_t> pct(850, 950);
    int64_t at_us = session_lifetime_ms * pct(rng());  // lifetime_ms * 1000 * pct/1000
    owner_.conn_log(7, "REAUTH", name_ + ": SASL session lifetime " + std::to_string(session_lifetime_ms) +
                                     " ms: re-authenticating in " + std::to_string(at_us / 1000) + " ms");
    uint64_t gen = gen_;
    reauth_timer_.expires_after(std::chrono::microseconds(at_us));
    reauth_timer_.async_wait([this, gen](const error_code& ec) {
      if (ec || gen != gen_ || state_ != State::Up) return;
      start_reauth();
    });
  }
  if (was_reauth) {
    ++reauths_;
    owner_.conn_log(7, "REAUTH", name_ + ": re-authenticated");
    start_write();  // resume the requests that waited
    return;
  }
  become_up();
}

void BrokerConn::start_reauth() {
  reauth_ = true;  // start_write() now only writes the SASL requests
  start_sasl();
}

void BrokerConn::become_up() {
  connect_timer_.cancel();
  state_ = State::Up;
  failures_ = 0;
  last_err_ = 0;
  last_reason_.clear();
  auto range = [&](proto::ApiKey k) {
    auto r = versions_.get(k);
    return std::to_string(r.min) + ".." + std::to_string(r.max);
  };
  owner_.conn_log(7, "STATE", name_ + ": Broker changed state to UP (Produce " + range(proto::ApiKey::Produce) +
                                  ", Metadata " + range(proto::ApiKey::Metadata) + ", InitProducerId " +
                                  range(proto::ApiKey::InitProducerId) + ")");
  owner_.on_conn_up(*this);
  start_write();
}

void BrokerConn::fail(int e, const std::string& reason) {
  bool was_up = state_ == State::Up;
  ++gen_;
  error_code ec;
  socket_.close(ec);
  tls_.reset();  // pending handlers keep the stream alive until they run
  transport_ready_ = false;
  reauth_ = false;
  scram_.reset();
  resolver_.cancel();
  connect_timer_.cancel();
  reauth_timer_.cancel();
  state_ = State::Down;
  writing_ = false;
  last_err_ = e;
  last_reason_ = reason;
  // Exponential backoff with jitter (-25%..+50%), as librdkafka.
  if (was_up) failures_ = 0;
  ++failures_;
  int64_t b = settings_.backoff_us;
  for (int i = 1; i < failures_ && b < settings_.backoff_max_us; ++i) b *= 2;
  if (b > settings_.backoff_max_us) b = settings_.backoff_max_us;
  static thread_local std::minstd_rand rng(std::random_device{}());
  int64_t jitter = b > 0 ? static_cast<int64_t>(rng() % static_cast<uint64_t>(b * 3 / 4 + 1)) - b / 4 : 0;
  next_attempt_us_ = mono_us() + std::max<int64_t>(0, b + jitter);

  auto inflight = std::move(inflight_);
  auto pending = std::move(pending_);
  auto noresp = std::move(writing_noresp_);
  auto control = std::move(control_);
  inflight_.clear();
  pending_.clear();
  writing_noresp_.clear();
  control_.clear();
  for (auto& r : control)
    if (r->done) r->done(e, {}, r->version);
  // Not-yet-written requests fail as plain transport errors too: the owner re-plans them.
  for (auto& r : inflight)
    if (r->done) r->done(e, {}, r->version);
  for (auto& r : noresp)
    if (r->done) r->done(e, {}, r->version);
  for (auto& r : pending)
    if (r->done) r->done(e, {}, r->version);
  owner_.on_conn_down(*this, e, reason);
}

void BrokerConn::close(int e, const std::string& reason) {
  if (state_ == State::Down && pending_.empty()) return;
  fail(e, reason);
}

void BrokerConn::check_timeouts(int64_t now) {
  if (!inflight_.empty() && state_ != State::Down) {
    for (auto& r : inflight_) {
      if (r->deadline_us && now >= r->deadline_us) {
        fail(err(LocalErr::TIMED_OUT), std::string(proto::api_name(r->api)) + " request timed out after " +
                                           std::to_string(r->timeout_us / 1000) + "ms");
        return;
      }
    }
  }
  if (state_ != State::Up && !pending_.empty()) {
    // Queued requests time out individually while the connection is not up.
    std::deque<std::unique_ptr<Request>> keep;
    std::vector<std::unique_ptr<Request>> expired;
    for (auto& r : pending_) {
      if (r->deadline_us == 0) r->deadline_us = now + r->timeout_us;
      if (now >= r->deadline_us) expired.push_back(std::move(r));
      else keep.push_back(std::move(r));
    }
    pending_ = std::move(keep);
    for (auto& r : expired) r->done(err(LocalErr::TIMED_OUT), {}, -1);
  }
}

void BrokerConn::start_write() {
  if (writing_ || !transport_ready_ || state_ == State::Down) return;
  gather_.clear();
  size_t total = 0;
  int64_t now = mono_us();
  auto add = [&](std::unique_ptr<Request> r) {
    r->corr = next_corr_++;
    r->frame.clear();
    auto& w = r->frame.w();
    w.i32(0);
    proto::encode_request_header(w, proto::RequestHeader{r->api, r->version, r->corr, settings_.client_id});
    r->encode(r->frame, r->version);
    r->frame.finish();
    r->frame.gather(gather_);
    total += r->frame.size();
    ++requests_sent_;
    r->deadline_us = now + r->timeout_us;
    if (r->expect_response) inflight_.push_back(std::move(r));
    else writing_noresp_.push_back(std::move(r));
  };
  // Handshake and authentication requests go first, also before the connection is up.
  while (!control_.empty()) {
    add(std::move(control_.front()));
    control_.pop_front();
  }
  // Coalesce queued requests into one gathered write (bounded so one write stays reasonable);
  // nothing new while re-authenticating.
  while (state_ == State::Up && !reauth_ && !pending_.empty() && (total == 0 || total < (8u << 20))) {
    std::unique_ptr<Request> r = std::move(pending_.front());
    pending_.pop_front();
    int16_t v = versions_.pick(r->api, r->min_version, r->max_version);
    if (v < 0) {
      owner_.conn_log(4, "PROTOERR", name_ + ": broker does not support " + std::string(proto::api_name(r->api)) +
                                         " in our version range");
      if (r->done) r->done(err(LocalErr::UNSUPPORTED_FEATURE), {}, -1);
      continue;
    }
    r->version = v;
    add(std::move(r));
  }
  if (gather_.empty()) return;
  bytes_sent_ += static_cast<int64_t>(total);
  writing_ = true;
  uint64_t gen = gen_;
  auto on_written = [this, gen](const error_code& ec, size_t) {
    if (gen != gen_) return;
    writing_ = false;
    if (ec) {
      fail(err(LocalErr::TRANSPORT), "Send failed: " + ec.message());
      return;
    }
    if (!writing_noresp_.empty()) {
      auto done = std::move(writing_noresp_);
      writing_noresp_.clear();
      for (auto& r : done) {
        if (r->done) r->done(0, {}, r->version);
        if (gen != gen_) return;  // a callback closed us
      }
    }
    start_write();
  };
  if (tls_) stream_write(tls_coalesce(), std::move(on_written));
  else stream_write(gather_, std::move(on_written));
}

const std::vector<asio::const_buffer>& BrokerConn::tls_coalesce() {
  size_t small = 0;
  for (const auto& b : gather_)
    if (b.size() < kTlsCopyBelow) small += b.size();
  tls_stage_.clear();
  tls_stage_.reserve(small);  // no reallocation below: the staged pointers stay valid
  tls_gather_.clear();
  size_t run_start = 0, run_len = 0;
  for (const auto& b : gather_) {
    if (b.size() < kTlsCopyBelow) {
      if (run_len == 0) run_start = tls_stage_.size();
      auto* p = static_cast<const uint8_t*>(b.data());
      tls_stage_.insert(tls_stage_.end(), p, p + b.size());
      run_len += b.size();
      continue;
    }
    if (run_len) tls_gather_.emplace_back(tls_stage_.data() + run_start, run_len);
    run_len = 0;
    tls_gather_.push_back(b);
  }
  if (run_len) tls_gather_.emplace_back(tls_stage_.data() + run_start, run_len);
  return tls_gather_;
}

void BrokerConn::start_read() {
  uint64_t gen = gen_;
  stream_read(asio::buffer(size_buf_, 4), [this, gen](const error_code& ec, size_t) {
    if (gen != gen_) return;
    on_header(ec);
  });
}

void BrokerConn::on_header(const error_code& ec) {
  if (ec) {
    bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    std::string reason = closed ? "Disconnected" : "Receive failed: " + ec.message();
    if (closed && state_ == State::Handshake && settings_.sasl)
      reason += " while authenticating (wrong credentials or security.protocol?)";
    fail(err(LocalErr::TRANSPORT), reason);
    return;
  }
  uint32_t n = (uint32_t{size_buf_[0]} << 24) | (uint32_t{size_buf_[1]} << 16) | (uint32_t{size_buf_[2]} << 8) |
               size_buf_[3];
  if (n < 4 || n > (1u << 30)) {
    fail(err(LocalErr::BAD_MSG), "Invalid response size " + std::to_string(n));
    return;
  }
  rbuf_.resize(n);
  uint64_t gen = gen_;
  stream_read(asio::buffer(rbuf_.data(), n), [this, gen](const error_code& e, size_t) {
    if (gen != gen_) return;
    on_body(e);
  });
}

void BrokerConn::on_body(const error_code& ec) {
  if (ec) {
    fail(err(LocalErr::TRANSPORT), "Receive failed: " + ec.message());
    return;
  }
  int32_t corr = static_cast<int32_t>((uint32_t{rbuf_[0]} << 24) | (uint32_t{rbuf_[1]} << 16) |
                                      (uint32_t{rbuf_[2]} << 8) | rbuf_[3]);
  if (inflight_.empty() || inflight_.front()->corr != corr) {
    fail(err(LocalErr::BAD_MSG), "Response with unexpected correlation id " + std::to_string(corr));
    return;
  }
  std::unique_ptr<Request> r = std::move(inflight_.front());
  inflight_.pop_front();
  uint64_t gen = gen_;
  // rbuf_ may be reused by the next read only after the callback returns.
  if (r->done) r->done(0, std::span<const uint8_t>(rbuf_.data(), rbuf_.size()), r->version);
  if (gen != gen_) return;  // the callback closed the connection
  start_read();
  start_write();
}

}  // namespace kafka::client
