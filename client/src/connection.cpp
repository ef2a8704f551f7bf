#include "connection.h"

#include <random>

#include "kafka/protocol/messages/api_versions.h"

namespace kafka::client {

using boost::system::error_code;

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
      backoff_timer_(io) {
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

void BrokerConn::on_connected() {
  error_code ec;
  if (settings_.nodelay) socket_.set_option(tcp::no_delay(true), ec);
  if (settings_.send_buffer > 0) socket_.set_option(asio::socket_base::send_buffer_size(settings_.send_buffer), ec);
  if (settings_.receive_buffer > 0)
    socket_.set_option(asio::socket_base::receive_buffer_size(settings_.receive_buffer), ec);
  start_read();
  if (!settings_.api_version_request) {
    versions_.set_fallback();
    become_up();
    return;
  }
  state_ = State::Handshake;
  connect_timer_.cancel();
  // The handshake is bounded by api.version.request.timeout.ms.
  uint64_t gen = gen_;
  connect_timer_.expires_after(std::chrono::microseconds(settings_.api_version_timeout_us));
  connect_timer_.async_wait([this, gen](const error_code& e) {
    if (e || gen != gen_ || state_ != State::Handshake) return;
    fail(err(LocalErr::TIMED_OUT), "ApiVersionRequest timed out");
  });
  send_api_versions(3);
}

void BrokerConn::send_api_versions(int16_t version) {
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::ApiVersions;
  r->version = version;
  r->corr = next_corr_++;
  r->deadline_us = mono_us() + settings_.api_version_timeout_us;
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) { on_api_versions(e, frame, v); };
  auto& w = r->frame.w();
  w.i32(0);
  proto::encode_request_header(w, proto::RequestHeader{r->api, version, r->corr, settings_.client_id});
  proto::ApiVersionsRequest body;
  body.client_software_name = "kafkaplus";
  body.client_software_version = "0.1.0";
  proto::encode_body(w, body, version);
  r->frame.finish();
  // Written directly (the pending queue is held until the handshake completes).
  Request* raw = r.get();
  inflight_.push_back(std::move(r));
  auto bufs = std::make_shared<std::vector<asio::const_buffer>>();
  raw->frame.gather(*bufs);
  uint64_t gen = gen_;
  asio::async_write(socket_, *bufs, [this, gen, bufs](const error_code& ec, size_t) {
    if (gen != gen_) return;
    if (ec) fail(err(LocalErr::TRANSPORT), "Send failed: " + ec.message());
  });
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
  become_up();
}

void BrokerConn::become_up() {
  connect_timer_.cancel();
  state_ = State::Up;
  failures_ = 0;
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
  resolver_.cancel();
  connect_timer_.cancel();
  state_ = State::Down;
  writing_ = false;
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
  inflight_.clear();
  pending_.clear();
  writing_noresp_.clear();
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
  if (writing_ || state_ != State::Up || pending_.empty()) return;
  gather_.clear();
  size_t total = 0;
  int64_t now = mono_us();
  // Coalesce queued requests into one gathered write (bounded so one write stays reasonable).
  while (!pending_.empty() && (total == 0 || total < (8u << 20))) {
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
    r->corr = next_corr_++;
    r->frame.clear();
    auto& w = r->frame.w();
    w.i32(0);
    proto::encode_request_header(w, proto::RequestHeader{r->api, v, r->corr, settings_.client_id});
    r->encode(r->frame, v);
    r->frame.finish();
    r->frame.gather(gather_);
    total += r->frame.size();
    ++requests_sent_;
    r->deadline_us = now + r->timeout_us;
    if (r->expect_response) inflight_.push_back(std::move(r));
    else writing_noresp_.push_back(std::move(r));
  }
  if (gather_.empty()) return;
  bytes_sent_ += static_cast<int64_t>(total);
  writing_ = true;
  uint64_t gen = gen_;
  asio::async_write(socket_, gather_, [this, gen](const error_code& ec, size_t) {
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
  });
}

void BrokerConn::start_read() {
  uint64_t gen = gen_;
  asio::async_read(socket_, asio::buffer(size_buf_, 4), [this, gen](const error_code& ec, size_t) {
    if (gen != gen_) return;
    on_header(ec);
  });
}

void BrokerConn::on_header(const error_code& ec) {
  if (ec) {
    fail(err(LocalErr::TRANSPORT),
         ec == asio::error::eof ? "Disconnected" : "Receive failed: " + ec.message());
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
  asio::async_read(socket_, asio::buffer(rbuf_.data(), n), [this, gen](const error_code& e, size_t) {
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
  if (state_ == State::Up) start_write();
}

}  // namespace kafka::client
