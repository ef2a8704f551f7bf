// refbroker's idempotent-producer support exercised by Debian's librdkafka (a client nobody here
// wrote): faults that lose acknowledgements make the producer retry batches the log already has;
// the broker must answer them as duplicates so every message lands exactly once, in order.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "kafka/protocol/record_batch.h"
#include "support/broker_fixture.h"

namespace {

using testing_support::BrokerFixture;

struct DeliveryCounts {
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* c = static_cast<DeliveryCounts*>(opaque);
  (m->err ? c->failed : c->ok)++;
}

rd_kafka_t* make_producer(const std::string& bootstrap, bool idempotent, DeliveryCounts* counts) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const char* v) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof err), RD_KAFKA_CONF_OK) << err;
  };
  set("bootstrap.servers", bootstrap.c_str());
  set("enable.idempotence", idempotent ? "true" : "false");
  set("linger.ms", "2");
  set("batch.num.messages", "500");
  set("retry.backoff.ms", "10");
  set("message.timeout.ms", "60000");
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, counts);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  EXPECT_NE(rk, nullptr) << err;
  return rk;
}

// Reads every record of the partition back with librdkafka's consumer: value -> count, in order.
std::vector<std::string> read_all(const std::string& bootstrap, const std::string& topic, int32_t partition, int64_t expected) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "verify", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::string> values;
  for (int idle = 0; idle < 100;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) { ++idle; continue; }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      rd_kafka_message_destroy(m);
      if (static_cast<int64_t>(values.size()) >= expected) break;
      continue;
    }
    EXPECT_EQ(m->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_message_errstr(m);
    if (!m->err) values.emplace_back(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  // No group coordinator is involved (manual assignment): skip the consumer-group close.
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  return values;
}

class IdempotencePeerTest : public BrokerFixture {};

TEST_F(IdempotencePeerTest, LostAcksAreDeduplicated) {
  constexpr int kMessages = 20000;
  // Every 5th Produce is appended but answered with a retriable error, and every 11th is appended
  // with its connection dropped before the answer: the client must retry both.
  broker().faults().add({.api = kafka::proto::ApiKey::Produce, .action = refbroker::FaultAction::ErrorAfterWork,
                         .error = kafka::Error::NOT_LEADER_OR_FOLLOWER, .skip = 2, .every = 5, .times = -1});
  broker().faults().add({.api = kafka::proto::ApiKey::Produce, .action = refbroker::FaultAction::DropAfterWork,
                         .skip = 3, .every = 11, .times = 20});
  DeliveryCounts counts;
  rd_kafka_t* rk = make_producer(bootstrap(), true, &counts);
  for (int i = 0; i < kMessages; ++i) {
    std::string v = "m" + std::to_string(i);
    ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("idem"), RD_KAFKA_V_PARTITION(0),
                                RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_poll(rk, 0);
  }
  ASSERT_EQ(rd_kafka_flush(rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  EXPECT_EQ(counts.ok, kMessages);
  EXPECT_EQ(counts.failed, 0);
  EXPECT_GT(broker().faults().injected(), 10);

  auto values = read_all(bootstrap(), "idem", 0, kMessages);
  ASSERT_EQ(values.size(), static_cast<size_t>(kMessages)) << "duplicates or losses in the log";
  for (int i = 0; i < kMessages; ++i) ASSERT_EQ(values[i], "m" + std::to_string(i)) << "at offset " << i;
}

TEST_F(IdempotencePeerTest, ProducerStateSurvivesRestart) {
  DeliveryCounts counts;
  rd_kafka_t* rk = make_producer(bootstrap(), true, &counts);
  for (int i = 0; i < 100; ++i)
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("idem2"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(const_cast<char*>("x"), 1),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  ASSERT_EQ(counts.ok, 100);
  restart_broker();
  // A new producer after the restart gets a producer id never handed out before, so its
  // sequence 0 is accepted, and the old data is intact.
  DeliveryCounts counts2;
  rk = make_producer(bootstrap(), true, &counts2);
  rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("idem2"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(const_cast<char*>("y"), 1),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  ASSERT_EQ(rd_kafka_flush(rk, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  EXPECT_EQ(counts2.ok, 1);
  EXPECT_EQ(read_all(bootstrap(), "idem2", 0, 101).size(), 101u);
}

TEST_F(IdempotencePeerTest, WithoutIdempotenceNothingIsLost) {
  constexpr int kMessages = 5000;
  broker().faults().add({.api = kafka::proto::ApiKey::Produce, .action = refbroker::FaultAction::ErrorAfterWork,
                         .error = kafka::Error::REQUEST_TIMED_OUT, .skip = 1, .every = 4, .times = -1});
  DeliveryCounts counts;
  rd_kafka_t* rk = make_producer(bootstrap(), false, &counts);
  for (int i = 0; i < kMessages; ++i) {
    std::string v = std::to_string(i);
    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("plain"), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE(v.data(), v.size()),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    rd_kafka_poll(rk, 0);
  }
  ASSERT_EQ(rd_kafka_flush(rk, 60000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  EXPECT_EQ(counts.ok, kMessages);
  auto values = read_all(bootstrap(), "plain", 0, kMessages);
  std::map<std::string, int> seen;
  for (auto& v : values) seen[v]++;
  EXPECT_EQ(seen.size(), static_cast<size_t>(kMessages)) << "a message was lost";
  EXPECT_GT(values.size(), static_cast<size_t>(kMessages)) << "the faults should have caused duplicates";
}

}  // namespace
