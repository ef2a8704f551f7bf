// An application embedding refbroker must survive consumers that hang up in the middle of a large
// Fetch response: the data leaves by sendfile(), which cannot pass MSG_NOSIGNAL, so without care
// the broker thread's write raises SIGPIPE and kills the whole process. This test does not ignore
// SIGPIPE itself, on purpose.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "kafka/protocol/messages.h"
#include "kafka/protocol/record_batch.h"
#include "support/broker_fixture.h"
#include "support/raw_client.h"

namespace {

using namespace kafka;
using testing_support::BrokerFixture;
using testing_support::RawClient;

constexpr const char* kTopic = "big";

class ServerSigpipeTest : public BrokerFixture {
 protected:
  // Appends `batches` batches of 1 MiB (uncompressed) to partition 0.
  void fill(RawClient& client, int batches) {
    proto::CreateTopicsRequest create;
    auto& t = create.topics.emplace_back();
    t.name = kTopic;
    t.num_partitions = 1;
    t.replication_factor = 1;
    ASSERT_EQ(client.call(create, 4).topics.at(0).error_code, 0);
    std::string value(1000, 'v');
    for (int b = 0; b < batches; ++b) {
      RecordBatchBuilder builder(1 << 20);
      for (int i = 0; i < 1000; ++i) builder.append(1700000000000, std::nullopt, as_bytes(value));
      proto::ProduceRequest req;
      req.acks = 1;
      req.timeout_ms = 10000;
      auto& topic = req.topic_data.emplace_back();
      topic.name = kTopic;
      auto& part = topic.partition_data.emplace_back();
      part.index = 0;
      part.records = proto::Records::copy_of(builder.finish());
      auto resp = client.call(req, 7);
      ASSERT_EQ(resp.responses.at(0).partition_responses.at(0).error_code, 0);
    }
  }

  // Sends a Fetch for everything from offset 0 and resets the connection without reading.
  void fetch_and_hang_up(int how) {
    proto::FetchRequest req;
    req.max_wait_ms = 0;
    req.min_bytes = 1;
    req.max_bytes = 64 << 20;
    auto& topic = req.topics.emplace_back();
    topic.topic = kTopic;
    auto& part = topic.partitions.emplace_back();
    part.partition = 0;
    part.fetch_offset = 0;
    part.partition_max_bytes = 64 << 20;
    auto frame = proto::encode_request(req, 11, 1, "hang-up");

    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    auto colon = bootstrap().rfind(':');
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(bootstrap().substr(colon + 1))));
    ::inet_pton(AF_INET, bootstrap().substr(0, colon).c_str(), &addr.sin_addr);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    // A small receive buffer makes the broker block in the middle of the response.
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ASSERT_EQ(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL), static_cast<ssize_t>(frame.size()));
    // Hang up in different ways and moments: right away, after the response started, with a
    // reset or a plain close (which also resets, as unread data is pending).
    if (how != 0) {
      uint8_t first[64];
      ASSERT_GT(::recv(fd, first, sizeof first, 0), 0);
    }
    if (how == 2) {
      linger reset{1, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
    ::close(fd);
  }
};

TEST_F(ServerSigpipeTest, ConsumersHangingUpMidResponseDoNotKillTheProcess) {
  RawClient client(bootstrap());
  fill(client, 24);
  for (int i = 0; i < 60; ++i) fetch_and_hang_up(i % 3);

  // Still alive, and still serving: a complete fetch of the first batch works.
  proto::FetchRequest req;
  req.max_wait_ms = 0;
  req.min_bytes = 1;
  req.max_bytes = 2 << 20;
  auto& topic = req.topics.emplace_back();
  topic.topic = kTopic;
  auto& part = topic.partitions.emplace_back();
  part.partition = 0;
  part.partition_max_bytes = 2 << 20;
  auto resp = client.call(req, 11);
  ASSERT_EQ(resp.responses.at(0).partitions.at(0).error_code, 0);
  EXPECT_EQ(resp.responses.at(0).partitions.at(0).high_watermark, 24 * 1000);
}

}  // namespace
