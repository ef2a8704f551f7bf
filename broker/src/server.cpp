// The network side of the broker: an acceptor and one coroutine per connection on its own strand.
// Each connection reads frames into a buffer, handles complete requests one at a time (as Kafka
// does, so responses leave in request order) and batches the responses of pipelined requests into
// one gathered write; fetch data leaves the log by sendfile() (over TLS: read and written through
// the stream). Each listener has its own acceptor; TLS listeners wrap the socket in an OpenSSL
// stream (Asio SSL stays in this file), SASL listeners gate requests through SaslSession.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <csignal>

#include "asio.h"
#include <boost/asio/ssl.hpp>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <list>
#include <thread>

#include "broker.h"
#include "handler.h"
#include "state.h"

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
namespace ssl = asio::ssl;
namespace proto = kafka::proto;

namespace refbroker {

namespace {

int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]);
}

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Kafka's default principal for a TLS client certificate: User:<subject DN in RFC 2253 form>.
std::string certificate_principal(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return "User:ANONYMOUS";
  std::string dn;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) dn.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return "User:" + dn;
}

class Connection {
 public:
  Connection(BrokerState& state, tcp::socket socket, const ListenerSpec& listener, ssl::context* tls)
      : state_(state),
        socket_(std::move(socket)),
        executor_(socket_.get_executor()),
        listener_(listener),
        tls_context_(tls) {}

  awaitable<void> run() {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) peer_ = "/" + remote.address().to_string();
    try {
      std::string principal = "User:ANONYMOUS";
      if (tls_context_) {
        tls_.emplace(std::move(socket_), *tls_context_);
        co_await tls_->async_handshake(ssl::stream_base::server, use_awaitable);
        if (listener_.protocol == SecurityProtocol::Ssl) principal = certificate_principal(tls_->native_handle());
      } else {
        socket_.native_non_blocking(true, ec);  // for sendfile
      }
      session_.emplace(listener_, state_.sasl_config(listener_.name), principal);
      co_await serve();
    } catch (const std::exception& e) {
      if (state_.verbose()) std::cerr << "refbroker: connection closed: " << e.what() << "\n";
    }
    sock().close(ec);
  }

  // Fixed at construction: other threads ask for it while run() may be wrapping the socket in TLS.
  tcp::socket::executor_type executor() { return executor_; }

  void close() {
    boost::system::error_code ec;
    sock().shutdown(tcp::socket::shutdown_both, ec);
    sock().close(ec);
  }

 private:
  awaitable<void> serve() {
    const size_t max_request = static_cast<size_t>(state_.socket_request_max_bytes());
    in_.resize(64 * 1024);
    size_t begin = 0, end = 0;  // unread bytes are in_[begin, end)
    for (;;) {
      // Handle every complete frame already buffered before reading more.
      while (end - begin >= 4) {
        int32_t size = read_be32(&in_[begin]);
        if (size < 0 || static_cast<size_t>(size) > max_request) {
          if (state_.verbose())
            std::cerr << "refbroker: closing connection: frame size " << size << " outside [0, " << max_request
                      << "]\n";
          co_return;
        }
        if (end - begin < 4 + static_cast<size_t>(size)) break;
        bool keep_open = co_await handle_frame(std::span<const uint8_t>(&in_[begin + 4], static_cast<size_t>(size)));
        begin += 4 + static_cast<size_t>(size);
        if (!keep_open) {
          co_await flush();
          co_return;
        }
      }
      co_await flush();
      // Compact and make room for the next frame.
      if (begin == end) {
        begin = end = 0;
      } else if (begin > 0) {
        std::memmove(in_.data(), in_.data() + begin, end - begin);
        end -= begin;
        begin = 0;
      }
      if (end >= 4) {
        size_t want = 4 + static_cast<size_t>(read_be32(in_.data()));
        if (want > in_.size()) in_.resize(want);
      }
      if (end == in_.size()) in_.resize(in_.size() * 2);
      auto room = asio::buffer(in_.data() + end, in_.size() - end);
      size_t n = tls_ ? co_await tls_->async_read_some(room, use_awaitable)
                      : co_await socket_.async_read_some(room, use_awaitable);
      end += n;
    }
  }

  // After a v0 SaslHandshake the client sends raw SASL tokens, each with only a size prefix.
  awaitable<bool> handle_raw_token(std::span<const uint8_t> frame) {
    auto r = session_->sasl.authenticate(
        std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()), steady_now_ms());
    if (r.error != kafka::Error::NONE) {
      // v0 has no way to carry an error: Kafka closes the connection.
      if (state_.verbose()) std::cerr << "refbroker: SASL authentication failed: " << r.message << "\n";
      co_return false;
    }
    out_.emplace_back();
    auto& out = out_.back();
    out.i32(0);
    out.raw(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(r.response.data()), r.response.size()));
    proto::finish_frame(out);
    co_return true;
  }

  // Returns false when the connection must close.
  awaitable<bool> handle_frame(std::span<const uint8_t> frame) {
    if (session_->sasl.raw_tokens()) co_return co_await handle_raw_token(frame);
    proto::Reader reader(frame);
    proto::RequestHeader header;
    try {
      header = proto::decode_request_header(reader);
    } catch (const proto::ProtocolError& e) {
      if (state_.verbose()) std::cerr << "refbroker: malformed request header: " << e.what() << "\n";
      co_return false;
    }
    if (!session_->sasl.admits(header.api_key, steady_now_ms())) {
      // Kafka closes a connection sending anything but the handshake before authenticating, and
      // one whose session expired (KIP-368) on its next request.
      if (state_.verbose())
        std::cerr << "refbroker: closing connection: " << proto::api_name(header.api_key) << " on listener "
                  << listener_.name << (session_->sasl.authenticated() ? " after the session expired" : " before authentication")
                  << "\n";
      co_return false;
    }
    const HandlerInfo* handler = find_handler(header.api_key);
    // A long poll must not hold back the answers to requests before it.
    if (handler && handler->may_wait) co_await flush();
    out_.emplace_back();
    proto::Writer& out = out_.back();  // stable: out_ does not change until this request is done
    bool unsupported = !handler || header.api_version < handler->min_version || header.api_version > handler->max_version;
    if (unsupported && header.api_key != proto::ApiKey::ApiVersions) {
      // No schema to answer in: a v0 header and the error code, like the ApiVersions fallback.
      out.i32(0);
      out.i32(header.correlation_id);
      out.i16(kafka::code(kafka::Error::UNSUPPORTED_VERSION));
      proto::finish_frame(out);
      if (state_.verbose())
        std::cerr << "refbroker: unsupported " << proto::api_name(header.api_key) << " v" << header.api_version << "\n";
      co_return true;
    }
    RequestContext ctx{state_, header, reader.rest(), out, state_.faults().next(header.api_key)};
    ctx.client_host = peer_;
    ctx.session = &*session_;
    if (ctx.fault_is(FaultAction::DropConnection)) co_return false;
    if (ctx.fault_is(FaultAction::Error) && state_.answer_error(ctx)) co_return true;
    if (ctx.fault_is(FaultAction::Delay)) {
      asio::steady_timer t(socket_.get_executor(), std::chrono::milliseconds(ctx.fault->delay_ms));
      co_await t.async_wait(use_awaitable);
    }
    try {
      co_await handler->fn(ctx);
    } catch (const proto::ProtocolError& e) {
      if (state_.verbose())
        std::cerr << "refbroker: malformed " << proto::api_name(header.api_key) << " v" << header.api_version
                  << " request: " << e.what() << "\n";
      co_return false;
    }
    if (ctx.fault_is(FaultAction::DropAfterWork)) {
      out_.pop_back();
      co_return false;
    }
    if (ctx.fault_is(FaultAction::ErrorAfterWork)) {
      out.buffer().clear();
      out.splices().clear();
      state_.answer_error(ctx);
    }
    if (!ctx.respond) out_.pop_back();
    co_return !ctx.close_after;
  }

  // Writes all pending responses: memory parts gathered into one write, file slices by sendfile.
  awaitable<void> flush() {
    if (tls_) co_return co_await flush_tls();
    std::vector<asio::const_buffer> parts;
    for (auto& w : out_) {
      size_t pos = 0;
      for (auto& sp : w.splices()) {
        if (sp.at > pos) parts.emplace_back(w.buffer().data() + pos, sp.at - pos);
        pos = sp.at;
        co_await write_parts(parts);
        co_await send_file(sp.slice);
      }
      if (w.size() > pos) parts.emplace_back(w.buffer().data() + pos, w.size() - pos);
    }
    co_await write_parts(parts);
    out_.clear();
  }

  awaitable<void> write_parts(std::vector<asio::const_buffer>& parts) {
    if (parts.empty()) co_return;
    co_await asio::async_write(socket_, parts, use_awaitable);
    parts.clear();
  }

  // TLS encrypts in user space: responses and file slices are copied into one buffer and written
  // through the stream in one go (gathered writes would become one TLS record per part).
  awaitable<void> flush_tls() {
    tls_out_.clear();
    for (auto& w : out_) {
      size_t pos = 0;
      for (auto& sp : w.splices()) {
        tls_out_.insert(tls_out_.end(), w.buffer().data() + pos, w.buffer().data() + sp.at);
        pos = sp.at;
        size_t at = tls_out_.size();
        tls_out_.resize(at + sp.slice.length);
        size_t done = 0;
        while (done < sp.slice.length) {
          ssize_t n = ::pread(*sp.slice.fd, tls_out_.data() + at + done, sp.slice.length - done,
                              static_cast<off_t>(sp.slice.offset + done));
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) throw std::runtime_error(n == 0 ? "log file truncated during fetch" : std::strerror(errno));
          done += static_cast<size_t>(n);
        }
      }
      tls_out_.insert(tls_out_.end(), w.buffer().data() + pos, w.buffer().data() + w.size());
    }
    out_.clear();
    if (!tls_out_.empty()) co_await asio::async_write(*tls_, asio::buffer(tls_out_), use_awaitable);
    if (tls_out_.capacity() > (4u << 20)) std::vector<uint8_t>().swap(tls_out_);  // don't pin big fetches
  }

  awaitable<void> send_file(const proto::FileSlice& slice) {
    off_t offset = static_cast<off_t>(slice.offset);
    size_t left = slice.length;
    while (left > 0) {
      ssize_t n = ::sendfile(socket_.native_handle(), *slice.fd, &offset, left);
      if (n > 0) {
        left -= static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        co_await socket_.async_wait(tcp::socket::wait_write, use_awaitable);
      } else {
        // The file shrank underneath us (truncation) or the socket broke: the frame is already
        // announced with its size, so the connection cannot continue.
        throw std::runtime_error(n == 0 ? "log file truncated during sendfile" : std::strerror(errno));
      }
    }
  }

  tcp::socket& sock() { return tls_ ? tls_->next_layer() : socket_; }

  BrokerState& state_;
  tcp::socket socket_;  // moved into tls_ on TLS listeners
  tcp::socket::executor_type executor_;
  const ListenerSpec& listener_;
  ssl::context* tls_context_;
  std::optional<ssl::stream<tcp::socket>> tls_;
  std::optional<ClientSession> session_;
  std::vector<uint8_t> in_;
  std::vector<proto::Writer> out_;
  std::vector<uint8_t> tls_out_;
  std::string peer_;
};

// The server side of a TLS listener from Kafka's ssl.* keys (listener.name.<l>.ssl.* first).
std::unique_ptr<ssl::context> make_tls_context(const BrokerConfig& config, const ListenerSpec& l) {
  auto get = [&](const std::string& key) { return listener_config(config, l, key, ""); };
  auto where = " (listener " + l.name + ")";
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  auto type = get("ssl.keystore.type");
  if (!type.empty() && type != "PEM")
    throw ConfigError("ssl.keystore.type=" + type + where + ": refbroker reads PEM files only (ssl.keystore.type=PEM)");
  if (auto password = get("ssl.key.password"); !password.empty())
    ctx->set_password_callback([password](size_t, ssl::context::password_purpose) { return password; });
  auto keystore = get("ssl.keystore.location");
  auto cert = get("ssl.certificate.location"), key = get("ssl.key.location");
  if (cert.empty()) cert = keystore;
  if (key.empty()) key = keystore;
  auto inline_chain = get("ssl.keystore.certificate.chain"), inline_key = get("ssl.keystore.key");
  auto step = [&](const std::string& what, auto fn) {
    try {
      fn();
    } catch (const boost::system::system_error& e) {
      throw ConfigError("cannot load " + what + where + ": " + e.code().message());
    }
  };
  if (!inline_chain.empty()) {
    step("ssl.keystore.certificate.chain", [&] { ctx->use_certificate_chain(asio::buffer(inline_chain)); });
    step("ssl.keystore.key", [&] { ctx->use_private_key(asio::buffer(inline_key), ssl::context::pem); });
  } else {
    if (cert.empty())
      throw ConfigError("a TLS listener needs a certificate and key" + where +
                        ": set ssl.keystore.location (PEM with both) or ssl.certificate.location and ssl.key.location");
    step("certificate " + cert, [&] { ctx->use_certificate_chain_file(cert); });
    step("private key " + key, [&] { ctx->use_private_key_file(key, ssl::context::pem); });
  }
  auto truststore = get("ssl.truststore.location");
  if (!truststore.empty()) step("truststore " + truststore, [&] { ctx->load_verify_file(truststore); });
  auto client_auth = get("ssl.client.auth");
  if (client_auth.empty() || client_auth == "none") {
    ctx->set_verify_mode(ssl::verify_none);
  } else if (client_auth == "required" || client_auth == "requested") {
    if (truststore.empty())
      throw ConfigError("ssl.client.auth=" + client_auth + where + " needs ssl.truststore.location (the client CAs)");
    ctx->set_verify_mode(client_auth == "required" ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                                   : ssl::verify_peer);
  } else {
    throw ConfigError("Invalid value " + client_auth + " for configuration ssl.client.auth: must be required, "
                      "requested or none");
  }
  return ctx;
}

}  // namespace

struct Broker::Impl {
  BrokerOptions options;
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<BrokerState> state;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;  // one per listener, in state->listeners() order
  std::vector<std::unique_ptr<ssl::context>> tls;         // null for listeners without TLS
  std::vector<std::thread> threads;
  std::mutex mu;
  std::list<std::weak_ptr<Connection>> connections;
  std::condition_variable stopped_cv;
  bool running = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  std::string host;
  std::vector<Broker::Listener> listeners;
  std::unique_ptr<asio::steady_timer> housekeeping;

  awaitable<void> accept_loop(size_t index) {
    tcp::acceptor& acceptor = *acceptors[index];
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(asio::make_strand(*io));
      co_await acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      auto conn = std::make_shared<Connection>(*state, std::move(socket), state->listeners()[index], tls[index].get());
      {
        std::lock_guard lock(mu);
        connections.remove_if([](auto& w) { return w.expired(); });
        connections.push_back(conn);
      }
      auto executor = conn->executor();
      asio::co_spawn(executor, run_connection(std::move(conn)), asio::detached);
    }
  }

  static awaitable<void> run_connection(std::shared_ptr<Connection> conn) { co_await conn->run(); }

  // Session expiry and rebalance deadlines of consumer groups.
  awaitable<void> group_tick_loop() {
    asio::steady_timer timer(*io);
    for (;;) {
      timer.expires_after(std::chrono::milliseconds(100));
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec || stopping) co_return;
      state->groups().tick();
      state->transactions().tick();
    }
  }

  awaitable<void> housekeeping_loop() {
    for (;;) {
      housekeeping->expires_after(std::chrono::milliseconds(state->housekeeping_interval_ms()));
      boost::system::error_code ec;
      co_await housekeeping->async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      state->housekeeping();
    }
  }
};

Broker::Broker(BrokerOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = std::move(options); }

Broker::~Broker() { stop(); }

void Broker::start() {
  auto& d = *impl_;
  std::lock_guard lock(d.mu);
  if (d.running) return;
  d.state = std::make_unique<BrokerState>(d.options);  // loads config and logs; throws on errors
  d.io = std::make_unique<asio::io_context>();
  tcp::resolver resolver(*d.io);
  d.acceptors.clear();
  d.tls.clear();
  const auto& listeners = d.state->listeners();
  for (size_t i = 0; i < listeners.size(); ++i) {
    const ListenerSpec& l = listeners[i];
    d.tls.push_back(uses_tls(l.protocol) ? make_tls_context(d.state->config(), l) : nullptr);
    auto endpoints = resolver.resolve(l.host, std::to_string(l.port));
    auto endpoint = endpoints.begin()->endpoint();
    auto acceptor = std::make_unique<tcp::acceptor>(*d.io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    try {
      acceptor->bind(endpoint);
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error("cannot bind listener " + l.name + " to " + l.host + ":" + std::to_string(l.port) +
                               ": " + e.code().message());
    }
    acceptor->listen(asio::socket_base::max_listen_connections);
    d.state->set_bound_port(i, acceptor->local_endpoint().port());
    d.acceptors.push_back(std::move(acceptor));
  }
  d.port = listeners.front().port;
  d.host = listeners.front().host == "0.0.0.0" ? d.options.host : listeners.front().host;
  d.listeners.clear();
  for (auto& l : listeners) d.listeners.push_back({l.name, security_protocol_name(l.protocol), l.host, l.port});
  for (size_t i = 0; i < listeners.size(); ++i) asio::co_spawn(*d.io, d.accept_loop(i), asio::detached);
  d.housekeeping = std::make_unique<asio::steady_timer>(*d.io);
  asio::co_spawn(*d.io, d.housekeeping_loop(), asio::detached);
  d.stopping = false;
  asio::co_spawn(*d.io, d.group_tick_loop(), asio::detached);
  int n = d.state->network_threads();
  for (int i = 0; i < n; ++i)
    d.threads.emplace_back([&d] {
      // sendfile() has no MSG_NOSIGNAL: a peer closing mid-response would raise SIGPIPE and kill
      // an application embedding the broker. The signal is thread-directed, so blocking it in
      // the broker's own threads is enough (the write fails with EPIPE instead).
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);
      d.io->run();
    });
  d.running = true;
  d.stopped = false;
}

void Broker::stop() {
  auto& d = *impl_;
  std::unique_lock lock(d.mu);
  if (!d.running) return;
  d.stopping = true;
  asio::post(*d.io, [&d] {
    boost::system::error_code ec;
    for (auto& a : d.acceptors) a->close(ec);
    d.housekeeping->cancel();
  });
  for (auto& w : d.connections)
    if (auto c = w.lock()) asio::post(c->executor(), [c] { c->close(); });
  d.connections.clear();
  lock.unlock();
  // Let connections finish their close, then stop the loop.
  asio::post(*d.io, [&d] { d.io->stop(); });
  for (auto& t : d.threads) t.join();
  lock.lock();
  d.threads.clear();
  d.acceptors.clear();
  d.housekeeping.reset();
  d.io.reset();  // destroys the suspended connection coroutines and their sockets
  d.state->shutdown();
  d.state.reset();
  d.running = false;
  d.stopped = true;
  d.stopped_cv.notify_all();
}

void Broker::wait() {
  std::unique_lock lock(impl_->mu);
  impl_->stopped_cv.wait(lock, [&] { return impl_->stopped || !impl_->running; });
}

uint16_t Broker::port() const { return impl_->port; }
std::string Broker::host() const { return impl_->host; }

std::vector<Broker::Listener> Broker::listeners() const {
  std::lock_guard lock(impl_->mu);
  return impl_->listeners;
}

uint16_t Broker::port(const std::string& listener) const {
  std::string wanted = listener;
  for (auto& c : wanted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto& l : listeners())
    if (l.name == wanted) return l.port;
  throw std::out_of_range("refbroker has no listener named " + listener);
}

std::string Broker::bootstrap(const std::string& listener) const {
  std::string wanted = listener;
  for (auto& c : wanted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto& l : listeners())
    if (l.name == wanted) return (l.host == "0.0.0.0" ? std::string("127.0.0.1") : l.host) + ":" + std::to_string(l.port);
  throw std::out_of_range("refbroker has no listener named " + listener);
}
FaultInjector& Broker::faults() { return impl_->state->faults(); }

}  // namespace refbroker
