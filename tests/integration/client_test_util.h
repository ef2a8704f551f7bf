// Helpers for the client core's integration tests: an in-process refbroker fixture, and a tiny
// blocking Kafka client built on kafka::protocol to check what the producer wrote (CreateTopics,
// Fetch everything back, ListOffsets) independently of the code under test.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "broker.h"
#include "support/broker_fixture.h"
#include "kafka/protocol/messages.h"
#include "kafka/protocol/record_batch.h"

namespace client_test {

inline std::filesystem::path temp_dir(const std::string& prefix) { return testing_support::fresh_temp_dir(prefix); }

// A blocking connection speaking whole request/response frames.
class RawClient {
 public:
  RawClient(const std::string& host, uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  explicit RawClient(const std::string& bootstrap)
      : RawClient(bootstrap.substr(0, bootstrap.rfind(':')),
                  static_cast<uint16_t>(std::stoi(bootstrap.substr(bootstrap.rfind(':') + 1)))) {}
  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  template <class Req> typename Req::Response call(const Req& req, int16_t version) {
    auto frame = kafka::proto::encode_request(req, version, ++corr_, std::string("client-test"));
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
      if (r <= 0) throw std::runtime_error("recv failed");
      p += r;
      n -= static_cast<size_t>(r);
    }
  }
  int fd_ = -1;
  int32_t corr_ = 0;
  std::vector<uint8_t> buf_;
};

inline void create_topic(const std::string& bootstrap, const std::string& topic, int32_t partitions) {
  RawClient c(bootstrap);
  kafka::proto::CreateTopicsRequest req;
  kafka::proto::CreateTopicsRequest::CreatableTopic t;
  t.name = topic;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  req.topics.push_back(t);
  auto resp = c.call(req, 4);
  ASSERT_EQ(resp.topics.size(), 1u);
  ASSERT_EQ(resp.topics[0].error_code, 0) << "CreateTopics " << topic;
}

// Every record of a partition, read with Fetch v11 from offset 0 up to the high watermark.
inline std::vector<kafka::OwnedRecord> fetch_all(const std::string& bootstrap, const std::string& topic,
                                                 int32_t partition, std::vector<kafka::BatchHeader>* headers = nullptr) {
  RawClient c(bootstrap);
  std::vector<kafka::OwnedRecord> out;
  int64_t offset = 0;
  for (int rounds = 0; rounds < 100000; ++rounds) {
    kafka::proto::FetchRequest req;
    req.max_wait_ms = 0;
    req.min_bytes = 0;
    req.max_bytes = 64 << 20;
    req.isolation_level = 0;
    kafka::proto::FetchRequest::FetchTopic ft;
    ft.topic = topic;
    kafka::proto::FetchRequest::FetchPartition fp;
    fp.partition = partition;
    fp.fetch_offset = offset;
    fp.partition_max_bytes = 16 << 20;
    ft.partitions.push_back(fp);
    req.topics.push_back(ft);
    auto resp = c.call(req, 11);
    if (resp.responses.empty() || resp.responses[0].partitions.empty()) throw std::runtime_error("empty fetch");
    auto& pd = resp.responses[0].partitions[0];
    if (pd.error_code != 0) throw std::runtime_error("fetch error " + std::to_string(pd.error_code));
    if (offset >= pd.high_watermark) break;
    kafka::BatchSplitter split(pd.records.bytes());
    bool any = false;
    for (auto bytes : split) {
      kafka::RecordBatchView v(bytes);
      if (headers) headers->push_back(v.header());
      for (auto& r : v.to_owned()) {
        if (r.offset < offset) continue;
        out.push_back(r);
        offset = r.offset + 1;
        any = true;
      }
      if (v.last_offset() + 1 > offset) offset = v.last_offset() + 1;
    }
    if (!any && offset < pd.high_watermark && split.truncated()) throw std::runtime_error("batch larger than fetch");
  }
  return out;
}

inline int64_t end_offset(const std::string& bootstrap, const std::string& topic, int32_t partition) {
  RawClient c(bootstrap);
  kafka::proto::ListOffsetsRequest req;
  req.replica_id = -1;
  kafka::proto::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  kafka::proto::ListOffsetsRequest::ListOffsetsPartition p;
  p.partition_index = partition;
  p.timestamp = -1;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  auto resp = c.call(req, 2);
  return resp.topics.at(0).partitions.at(0).offset;
}

// refbroker in-process on an ephemeral port in a fresh directory: the shared fixture.
using BrokerTest = testing_support::BrokerFixture;

}  // namespace client_test
