// A blocking Kafka connection for broker tests: encodes requests with kafka::protocol, reads the
// whole response frame and decodes it. One request at a time; use one client per simulated member
// when requests block (JoinGroup, SyncGroup).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka/protocol/messages.h"

namespace testing_support {

class RawClient {
 public:
  explicit RawClient(const std::string& bootstrap, std::string client_id = "raw-client")
      : client_id_(std::move(client_id)) {
    auto colon = bootstrap.rfind(':');
    std::string host = bootstrap.substr(0, colon);
    auto port = static_cast<uint16_t>(std::stoi(bootstrap.substr(colon + 1)));
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{60, 0};  // a hung broker fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  template <class Req> typename Req::Response call(const Req& req, int16_t version) {
    auto frame = kafka::proto::encode_request(req, version, ++corr_, client_id_);
    write_all(frame.data(), frame.size());
    uint8_t sz[4];
    read_all(sz, 4);
    uint32_t n = (uint32_t{sz[0]} << 24) | (uint32_t{sz[1]} << 16) | (uint32_t{sz[2]} << 8) | sz[3];
    buf_.resize(n);
    read_all(buf_.data(), n);
    return kafka::proto::decode_response<typename Req::Response>(buf_, version);
  }

 private:
  void write_all(const uint8_t* p, size_t n) {
    while (n) {
      ssize_t w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w <= 0) throw std::runtime_error("send failed");
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void read_all(uint8_t* p, size_t n) {
    while (n) {
      ssize_t r = ::recv(fd_, p, n, 0);
      if (r <= 0) throw std::runtime_error("recv failed or timed out");
      p += r;
      n -= static_cast<size_t>(r);
    }
  }
  int fd_ = -1;
  int32_t corr_ = 0;
  std::string client_id_;
  std::vector<uint8_t> buf_;
};

}  // namespace testing_support
