// Asio behind one include for the client core (never included by producer.h), plus clocks.
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>, so that comes first.
#pragma once

#include <utility>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>

namespace kafka::client {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Monotonic microseconds.
inline int64_t mono_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
// Wall clock milliseconds since the epoch (message timestamps).
inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
inline std::chrono::steady_clock::time_point to_tp(int64_t us) {
  return std::chrono::steady_clock::time_point(std::chrono::microseconds(us));
}

}  // namespace kafka::client
