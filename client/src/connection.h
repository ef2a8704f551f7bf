// One connection to a broker, driven by the client's single I/O thread (no locking): connect
// with a timeout, TLS handshake (security.protocol ssl/sasl_ssl: SNI, certificate and host name
// verification), negotiate ApiVersions (v3 first; on UNSUPPORTED_VERSION retry with the broker's
// ApiVersions max, KIP-511), SASL (sasl_*: SaslHandshake v1, then SaslAuthenticate exchanges for
// PLAIN or SCRAM-SHA-256/512), then pipeline requests: every queued request is encoded at the
// negotiated version and written with one gathered write (batch payloads are referenced, not
// copied; over TLS small pieces are coalesced so that they do not each become a TLS record);
// responses are matched in order by correlation id.
//
// KIP-368: when SaslAuthenticate returns a session lifetime, the connection re-authenticates at
// 85-95% of it on the same socket: new requests wait, requests already in flight complete in
// order, and writing resumes after the exchange.
//
// A failed or closed connection fails everything queued and in flight with a local error
// (_TRANSPORT, _TIMED_OUT, _SSL for TLS handshake/verification failures, _AUTHENTICATION for
// SASL failures, with the broker's or OpenSSL's reason); the owner decides what to retry.
// Reconnects are up to the owner too (connect() honours the exponential backoff computed here).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "errors_local.h"
#include "io.h"
#include "kafka/protocol/protocol.h"
#include "kafka/protocol/wire.h"

namespace kafka::sasl {
class ScramClient;
}

namespace kafka::client {

class TlsContext;

// Broker version ranges from ApiVersions; versions < 0 mean unsupported.
class ApiVersionTable {
 public:
  static constexpr size_t kMaxKey = 128;
  struct Range {
    int16_t min = -1, max = -1;
  };
  void clear() { r_.fill({}); }
  void set(int16_t key, int16_t min, int16_t max) {
    if (key >= 0 && static_cast<size_t>(key) < kMaxKey) r_[key] = {min, max};
  }
  Range get(proto::ApiKey k) const {
    auto i = static_cast<size_t>(k);
    return i < kMaxKey ? r_[i] : Range{};
  }
  // Highest version in both [our_min, our_max] and the broker's range; -1 if none.
  int16_t pick(proto::ApiKey k, int16_t our_min, int16_t our_max) const {
    Range b = get(k);
    if (b.max < 0) return -1;
    int16_t hi = std::min(our_max, b.max), lo = std::max(our_min, b.min);
    return hi >= lo ? hi : -1;
  }
  // Versions assumed when api.version.request=false (a Kafka 0.11-era feature set).
  void set_fallback();

 private:
  std::array<Range, kMaxKey> r_{};
};

// A request frame under construction: owned bytes plus references to external memory (record
// batches) spliced in at recorded positions, sent as one gathered write.
class Frame {
 public:
  proto::Writer& w() { return w_; }
  // Splices `bytes` in at the current end of the owned bytes. The memory must outlive the write.
  void external(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return;
    ext_.push_back({w_.size(), bytes});
    ext_bytes_ += bytes.size();
  }
  size_t size() const { return w_.size() + ext_bytes_; }
  // Writes the 4-byte size prefix (the frame must start with a placeholder int32).
  void finish() { w_.patch_i32(0, static_cast<int32_t>(size() - 4)); }
  void gather(std::vector<asio::const_buffer>& out) const;
  void clear() {
    w_.buffer().clear();
    ext_.clear();
    ext_bytes_ = 0;
  }

 private:
  struct Ext {
    size_t at;
    std::span<const uint8_t> bytes;
  };
  proto::Writer w_;
  std::vector<Ext> ext_;
  size_t ext_bytes_ = 0;
};

struct Request {
  proto::ApiKey api{};
  int16_t min_version = 0, max_version = 0;  // what we can encode
  // Encodes the body (after the request header) at `version`.
  std::function<void(Frame&, int16_t version)> encode;
  bool expect_response = true;
  int64_t timeout_us = 30'000'000;  // from the time it is written
  // Called exactly once: err 0 with the response frame (correlation id first, no size prefix)
  // and the version used, or a local error with an empty frame. For requests without a
  // response, called with err 0 once written.
  std::function<void(int err, std::span<const uint8_t> frame, int16_t version)> done;

  // Filled by the connection.
  int16_t version = -1;
  int32_t corr = 0;
  int64_t deadline_us = 0;
  Frame frame;
};

class BrokerConn;

// Implemented by the client core.
class ConnOwner {
 public:
  virtual ~ConnOwner() = default;
  virtual void on_conn_up(BrokerConn& c) = 0;
  virtual void on_conn_down(BrokerConn& c, int err, const std::string& reason) = 0;
  virtual void conn_log(int level, const std::string& fac, const std::string& msg) = 0;
};

struct ConnSettings {
  std::string client_id;
  int64_t connect_timeout_us = 30'000'000;
  int64_t api_version_timeout_us = 10'000'000;
  bool api_version_request = true;
  int64_t backoff_us = 100'000;
  int64_t backoff_max_us = 10'000'000;
  int send_buffer = 0, receive_buffer = 0;
  bool nodelay = true;
  std::shared_ptr<TlsContext> tls;  // non-null: TLS (ssl, sasl_ssl)
  bool sasl = false;                // sasl_plaintext, sasl_ssl
  std::string sasl_mechanism, sasl_username, sasl_password;
};

// Errors that end a connection (rather than a request): worth retrying on another connection.
inline bool is_connection_error(int e) {
  return e == err(LocalErr::TRANSPORT) || e == err(LocalErr::AUTHENTICATION) || e == err(LocalErr::SSL);
}
// Errors a new connection attempt will most likely hit again (credentials, certificates).
inline bool is_security_error(int e) { return e == err(LocalErr::AUTHENTICATION) || e == err(LocalErr::SSL); }

class BrokerConn {
 public:
  enum class State { Down, Connecting, Handshake, Up };

  BrokerConn(asio::io_context& io, ConnOwner& owner, const ConnSettings& settings, int32_t id, std::string host,
             uint16_t port);
  ~BrokerConn();
  BrokerConn(const BrokerConn&) = delete;
  BrokerConn& operator=(const BrokerConn&) = delete;

  int32_t id() const { return id_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  // "host:port/id" or "host:port/bootstrap", as librdkafka names brokers.
  const std::string& name() const { return name_; }
  State state() const { return state_; }
  bool up() const { return state_ == State::Up; }
  const ApiVersionTable& versions() const { return versions_; }
  // Requests written and awaiting a response.
  size_t in_flight() const { return inflight_.size(); }
  size_t queued() const { return pending_.size(); }
  // Earliest time the next connection attempt may start.
  int64_t next_attempt_us() const { return next_attempt_us_; }
  int failures() const { return failures_; }
  // The error that last took the connection down (0 once it is up again) and its reason.
  int last_error() const { return last_err_; }
  const std::string& last_error_reason() const { return last_reason_; }
  // SASL re-authentications completed on live connections (KIP-368).
  int64_t reauthentications() const { return reauths_; }

  // Queues a request, connecting first if needed (after the backoff).
  void send(std::unique_ptr<Request> r);
  // Starts connecting if down (respecting the backoff: schedules the attempt).
  void connect();
  // Fails in-flight/queued requests with `err` and closes the socket; stays down until the
  // next connect()/send().
  void close(int err, const std::string& reason);
  // Fails requests whose deadline passed: queued ones individually, in-flight ones by closing
  // the connection (_TIMED_OUT), like the Java client.
  void check_timeouts(int64_t now_us);
  // Changes the address (metadata moved the broker): closes the current connection.
  void set_address(const std::string& host, uint16_t port);

  // Inside a Request::done callback only: takes ownership of the response frame's buffer (the
  // span passed to done points into it), so a Fetch response can be kept without copying.
  std::vector<uint8_t> take_response_buffer() { return std::exchange(rbuf_, {}); }

  int64_t bytes_sent() const { return bytes_sent_; }
  int64_t requests_sent() const { return requests_sent_; }

 private:
  struct Tls;  // the asio::ssl::stream over socket_ (connection.cpp)

  void start_connect();
  void on_connected();
  void on_transport_ready();
  void arm_setup_timer(int64_t timeout_us, int err, const char* what);
  void send_control(std::unique_ptr<Request> r);
  void send_api_versions(int16_t version);
  void on_api_versions(int err, std::span<const uint8_t> frame, int16_t version);
  void start_sasl();
  void on_sasl_handshake(int err, std::span<const uint8_t> frame, int16_t version);
  void send_sasl_authenticate(std::string bytes);
  void on_sasl_authenticate(int err, std::span<const uint8_t> frame, int16_t version);
  void sasl_done(int64_t session_lifetime_ms);
  void start_reauth();
  void become_up();
  void fail(int err, const std::string& reason);
  void start_write();
  void start_read();
  void on_header(const boost::system::error_code& ec);
  void on_body(const boost::system::error_code& ec);
  void update_name();
  const std::vector<asio::const_buffer>& tls_coalesce();
  template <class Buffers, class Handler>
  void stream_write(const Buffers& bufs, Handler&& h);
  template <class Buffers, class Handler>
  void stream_read(const Buffers& bufs, Handler&& h);

  asio::io_context& io_;
  ConnOwner& owner_;
  const ConnSettings& settings_;
  int32_t id_;
  std::string host_;
  uint16_t port_;
  std::string name_;
  State state_ = State::Down;
  uint64_t gen_ = 0;  // bumped on every close: stale completions are ignored

  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_;
  asio::steady_timer backoff_timer_;
  bool backoff_armed_ = false;
  bool want_connect_ = false;
  int64_t next_attempt_us_ = 0;
  int failures_ = 0;

  std::shared_ptr<Tls> tls_;  // per connection attempt; handlers hold it while they run
  bool transport_ready_ = false;  // TCP connected and (with TLS) handshake done

  // SASL (first authentication and KIP-368 re-authentication).
  std::unique_ptr<sasl::ScramClient> scram_;
  int sasl_step_ = 0;
  int16_t sasl_auth_version_ = 0;
  bool reauth_ = false;           // re-authenticating a live connection: new requests wait
  asio::steady_timer reauth_timer_;
  int64_t reauths_ = 0;
  int last_err_ = 0;
  std::string last_reason_;

  ApiVersionTable versions_;
  std::deque<std::unique_ptr<Request>> control_;   // ApiVersions/SASL: written first, even before Up
  std::deque<std::unique_ptr<Request>> pending_;   // waiting to be written
  std::deque<std::unique_ptr<Request>> inflight_;  // written, awaiting a response (in order)
  std::vector<std::unique_ptr<Request>> writing_noresp_;  // being written, no response expected
  bool writing_ = false;
  std::vector<asio::const_buffer> gather_;
  std::vector<asio::const_buffer> tls_gather_;
  std::vector<uint8_t> tls_stage_;  // small pieces copied together for TLS
  int32_t next_corr_ = 1;

  uint8_t size_buf_[4];
  std::vector<uint8_t> rbuf_;

  int64_t bytes_sent_ = 0;
  int64_t requests_sent_ = 0;
};

}  // namespace kafka::client
