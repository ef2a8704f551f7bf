// The network side of the broker: an acceptor and one coroutine per connection on its own strand.
// Each connection reads frames into a buffer, handles complete requests one at a time (as Kafka
// does, so responses leave in request order) and batches the responses of pipelined requests into
// one gathered write; fetch data leaves the log by sendfile().
#include <pthread.h>
#include <sys/sendfile.h>

#include <csignal>

#include "asio.h"
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
namespace proto = kafka::proto;

namespace refbroker {

namespace {

int32_t read_be32(const uint8_t* p) {
  return static_cast<int32_t>((uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]);
}

class Connection {
 public:
  Connection(BrokerState& state, tcp::socket socket) : state_(state), socket_(std::move(socket)) {}

  awaitable<void> run() {
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.native_non_blocking(true, ec);
    auto remote = socket_.remote_endpoint(ec);
    if (!ec) peer_ = "/" + remote.address().to_string();
    try {
      co_await serve();
    } catch (const std::exception& e) {
      if (state_.verbose()) std::cerr << "refbroker: connection closed: " << e.what() << "\n";
    }
    socket_.close(ec);
  }

  tcp::socket::executor_type executor() { return socket_.get_executor(); }

  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
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
      size_t n = co_await socket_.async_read_some(asio::buffer(in_.data() + end, in_.size() - end), use_awaitable);
      end += n;
    }
  }

  // Returns false when the connection must close.
  awaitable<bool> handle_frame(std::span<const uint8_t> frame) {
    proto::Reader reader(frame);
    proto::RequestHeader header;
    try {
      header = proto::decode_request_header(reader);
    } catch (const proto::ProtocolError& e) {
      if (state_.verbose()) std::cerr << "refbroker: malformed request header: " << e.what() << "\n";
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

  BrokerState& state_;
  tcp::socket socket_;
  std::vector<uint8_t> in_;
  std::vector<proto::Writer> out_;
  std::string peer_;
};

}  // namespace

struct Broker::Impl {
  BrokerOptions options;
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<BrokerState> state;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::list<std::weak_ptr<Connection>> connections;
  std::condition_variable stopped_cv;
  bool running = false;
  bool stopped = false;
  std::atomic<bool> stopping{false};
  uint16_t port = 0;
  std::unique_ptr<asio::steady_timer> housekeeping;

  awaitable<void> accept_loop() {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket(asio::make_strand(*io));
      co_await acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
      auto conn = std::make_shared<Connection>(*state, std::move(socket));
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
  auto endpoints = resolver.resolve(d.options.host, std::to_string(d.options.port));
  auto endpoint = endpoints.begin()->endpoint();
  d.acceptor = std::make_unique<tcp::acceptor>(*d.io);
  d.acceptor->open(endpoint.protocol());
  d.acceptor->set_option(tcp::acceptor::reuse_address(true));
  d.acceptor->bind(endpoint);
  d.acceptor->listen(asio::socket_base::max_listen_connections);
  d.port = d.acceptor->local_endpoint().port();
  d.state->set_advertised(d.options.host, d.port);
  asio::co_spawn(*d.io, d.accept_loop(), asio::detached);
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
    d.acceptor->close(ec);
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
  d.acceptor.reset();
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
std::string Broker::host() const { return impl_->options.host; }
FaultInjector& Broker::faults() { return impl_->state->faults(); }

}  // namespace refbroker
