// Version negotiation against a scripted broker that advertises Kafka 2.1's API ranges and,
// like brokers before KIP-511, rejects ApiVersions v3 with UNSUPPORTED_VERSION in v0 format.
// The producer must fall back, pick the highest common version of each API (Produce v7,
// Metadata v7, InitProducerId v1) and still produce (idempotently too).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "kafka/protocol/messages.h"
#include "kafka/protocol/record_batch.h"
#include "producer.h"

using namespace kafka::client;
namespace proto = kafka::proto;

namespace {

// Kafka 2.1.0's ranges for the APIs a producer touches.
const std::map<proto::ApiKey, std::pair<int16_t, int16_t>> kKafka21 = {
    {proto::ApiKey::Produce, {0, 7}},     {proto::ApiKey::Fetch, {0, 10}},
    {proto::ApiKey::ListOffsets, {0, 4}}, {proto::ApiKey::Metadata, {0, 7}},
    {proto::ApiKey::ApiVersions, {0, 2}}, {proto::ApiKey::InitProducerId, {0, 1}},
};

class OldBroker {
 public:
  OldBroker() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    acceptor_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::lock_guard lk(mu_);
        if (stopping_) {
          ::close(c);
          return;
        }
        conns_.push_back(c);
        workers_.emplace_back([this, c] { serve(c); });
      }
    });
  }
  ~OldBroker() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
      for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    }
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    acceptor_.join();
    for (auto& w : workers_) w.join();
    for (int c : conns_) ::close(c);
  }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  // (api key, version) of every request received, in order.
  std::vector<std::pair<proto::ApiKey, int16_t>> seen() {
    std::lock_guard lk(mu_);
    return seen_;
  }
  int64_t records() {
    std::lock_guard lk(mu_);
    return records_;
  }

 private:
  static bool read_all(int c, uint8_t* p, size_t n) {
    while (n) {
      ssize_t r = ::recv(c, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<size_t>(r);
    }
    return true;
  }
  static void write_all(int c, const std::vector<uint8_t>& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t w = ::send(c, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (w <= 0) return;
      off += static_cast<size_t>(w);
    }
  }
  template <class Resp> static std::vector<uint8_t> respond(const Resp& r, int16_t v, int32_t corr) {
    proto::Writer w;
    proto::encode_response(w, r, v, corr);
    return std::move(w.buffer());
  }

  void serve(int c) {
    std::vector<uint8_t> buf;
    for (;;) {
      uint8_t sz[4];
      if (!read_all(c, sz, 4)) return;
      uint32_t n = (uint32_t{sz[0]} << 24) | (uint32_t{sz[1]} << 16) | (uint32_t{sz[2]} << 8) | sz[3];
      buf.resize(n);
      if (!read_all(c, buf.data(), n)) return;
      proto::Reader r(buf);
      auto h = proto::decode_request_header(r);
      {
        std::lock_guard lk(mu_);
        seen_.emplace_back(h.api_key, h.api_version);
      }
      auto range = kKafka21.find(h.api_key);
      if (h.api_key == proto::ApiKey::ApiVersions) {
        proto::ApiVersionsResponse resp;
        for (auto& [k, v] : kKafka21) resp.api_keys.push_back({static_cast<int16_t>(k), v.first, v.second});
        if (h.api_version > 2) {  // pre-KIP-511 answer: v0 layout, error 35
          resp.error_code = static_cast<int16_t>(kafka::Error::UNSUPPORTED_VERSION);
          write_all(c, respond(resp, 0, h.correlation_id));
        } else {
          write_all(c, respond(resp, h.api_version, h.correlation_id));
        }
        continue;
      }
      if (range == kKafka21.end() || h.api_version < range->second.first || h.api_version > range->second.second) {
        ADD_FAILURE() << "request outside Kafka 2.1's range: " << proto::api_name(h.api_key) << " v" << h.api_version;
        return;
      }
      if (h.api_key == proto::ApiKey::Metadata) {
        auto req = proto::decode_body<proto::MetadataRequest>(r, h.api_version);
        proto::MetadataResponse resp;
        resp.brokers.push_back({1, "127.0.0.1", port_, std::nullopt});
        resp.controller_id = 1;
        resp.cluster_id = "old-cluster";
        if (req.topics)
          for (auto& t : *req.topics) {
            proto::MetadataResponse::MetadataResponseTopic mt;
            mt.name = t.name;
            proto::MetadataResponse::MetadataResponsePartition p;
            p.partition_index = 0;
            p.leader_id = 1;
            p.replica_nodes = {1};
            p.isr_nodes = {1};
            mt.partitions.push_back(p);
            resp.topics.push_back(mt);
          }
        write_all(c, respond(resp, h.api_version, h.correlation_id));
      } else if (h.api_key == proto::ApiKey::InitProducerId) {
        proto::InitProducerIdResponse resp;
        resp.producer_id = 4242;
        resp.producer_epoch = 0;
        write_all(c, respond(resp, h.api_version, h.correlation_id));
      } else if (h.api_key == proto::ApiKey::Produce) {
        auto req = proto::decode_body<proto::ProduceRequest>(r, h.api_version);
        proto::ProduceResponse resp;
        for (auto& td : req.topic_data) {
          auto& tr = resp.responses.emplace_back();
          tr.name = td.name;
          for (auto& pd : td.partition_data) {
            auto& pr = tr.partition_responses.emplace_back();
            pr.index = pd.index;
            kafka::BatchSplitter split(pd.records.bytes());
            std::lock_guard lk(mu_);
            pr.base_offset = records_;
            for (auto b : split) records_ += kafka::RecordBatchView(b).record_count();
          }
        }
        if (req.acks != 0) write_all(c, respond(resp, h.api_version, h.correlation_id));
      } else {
        ADD_FAILURE() << "unexpected " << proto::api_name(h.api_key);
        return;
      }
    }
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  bool stopping_ = false;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
  std::vector<std::pair<proto::ApiKey, int16_t>> seen_;
  int64_t records_ = 0;
};

void produce_to(OldBroker& b, bool idempotent) {
  std::atomic<int> ok{0}, bad{0};
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? bad : ok)++; };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", b.bootstrap()},
                                 {"enable.idempotence", idempotent ? "true" : "false"},
                                 {"compression.type", "zstd"}},
                                cb, errstr);
  ASSERT_TRUE(p) << errstr;
  for (int i = 0; i < 100; ++i) {
    std::string v = "v" + std::to_string(i);
    Message m;
    m.topic = "old";
    m.value = kafka::as_bytes(v);
    ASSERT_EQ(p->produce(m), 0);
  }
  ASSERT_EQ(p->flush(10000), 0);
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(bad.load(), 0);
  ClusterMetadata md;
  ASSERT_EQ(p->metadata(true, nullptr, md, 5000), 0);
  EXPECT_EQ(md.cluster_id, "old-cluster");
}

int16_t max_version(const std::vector<std::pair<proto::ApiKey, int16_t>>& seen, proto::ApiKey k) {
  int16_t v = -1;
  for (auto& [key, ver] : seen)
    if (key == k) v = std::max(v, ver);
  return v;
}

}  // namespace

TEST(ProducerVersions, FallsBackToKafka21Ranges) {
  OldBroker b;
  produce_to(b, false);
  auto seen = b.seen();
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0], std::make_pair(proto::ApiKey::ApiVersions, int16_t{3}));
  EXPECT_EQ(seen[1], std::make_pair(proto::ApiKey::ApiVersions, int16_t{2}));
  EXPECT_EQ(max_version(seen, proto::ApiKey::Produce), 7);
  EXPECT_EQ(max_version(seen, proto::ApiKey::Metadata), 7);
  EXPECT_EQ(b.records(), 100);
}

TEST(ProducerVersions, IdempotentOnKafka21) {
  OldBroker b;
  produce_to(b, true);
  auto seen = b.seen();
  EXPECT_EQ(max_version(seen, proto::ApiKey::InitProducerId), 1);
  EXPECT_EQ(max_version(seen, proto::ApiKey::Produce), 7);
  EXPECT_EQ(b.records(), 100);
}
