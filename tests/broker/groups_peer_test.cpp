// refbroker's group coordinator exercised by Debian's librdkafka consumers (subscribe, rebalance,
// commit, committed offsets across a restart).
#include <librdkafka/rdkafka.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/broker_fixture.h"

namespace {

using testing_support::BrokerFixture;

class GroupsPeerTest : public BrokerFixture {
 protected:
  rd_kafka_t* consumer(const std::string& group) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const char* k, const char* v) { EXPECT_EQ(rd_kafka_conf_set(conf, k, v, err, sizeof err), RD_KAFKA_CONF_OK) << err; };
    set("bootstrap.servers", bootstrap().c_str());
    set("group.id", group.c_str());
    set("auto.offset.reset", "earliest");
    set("enable.auto.commit", "false");
    set("session.timeout.ms", "6000");
    set("heartbeat.interval.ms", "200");
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    EXPECT_NE(rk, nullptr) << err;
    rd_kafka_poll_set_consumer(rk);
    return rk;
  }
  void subscribe(rd_kafka_t* rk, const char* topic) {
    auto* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
    ASSERT_EQ(rd_kafka_subscribe(rk, l), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(l);
  }
  void produce(const char* topic, int partitions, int n) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    for (int i = 0; i < n; ++i) {
      std::string v = std::to_string(i);
      ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(i % partitions),
                                  RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(p, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
  }
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"}, {"num.partitions", "4"}};
  }
};

TEST_F(GroupsPeerTest, SubscribeConsumeCommitAndResume) {
  produce("gt", 4, 400);
  rd_kafka_t* c = consumer("g-resume");
  subscribe(c, "gt");
  std::set<std::string> seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (seen.size() < 400 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
    if (!m) continue;
    if (!m->err) seen.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  ASSERT_EQ(seen.size(), 400u);
  ASSERT_EQ(rd_kafka_commit(c, nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);

  restart_broker();  // committed offsets are durable
  c = consumer("g-resume");
  auto* parts = rd_kafka_topic_partition_list_new(4);
  for (int p = 0; p < 4; ++p) rd_kafka_topic_partition_list_add(parts, "gt", p);
  ASSERT_EQ(rd_kafka_committed(c, parts, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int p = 0; p < 4; ++p) {
    EXPECT_EQ(parts->elems[p].err, RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(parts->elems[p].offset, 100) << "partition " << p;
  }
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy_flags(c, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

TEST_F(GroupsPeerTest, TwoMembersSplitThePartitions) {
  produce("split", 4, 40);
  rd_kafka_t* a = consumer("g-split");
  rd_kafka_t* b = consumer("g-split");
  subscribe(a, "split");
  subscribe(b, "split");
  auto assigned = [](rd_kafka_t* rk) {
    rd_kafka_topic_partition_list_t* l = nullptr;
    rd_kafka_assignment(rk, &l);
    std::set<int> out;
    for (int i = 0; l && i < l->cnt; ++i) out.insert(l->elems[i].partition);
    if (l) rd_kafka_topic_partition_list_destroy(l);
    return out;
  };
  std::set<int> pa, pb;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    for (rd_kafka_t* rk : {a, b})
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);
    pa = assigned(a);
    pb = assigned(b);
    if (pa.size() + pb.size() == 4 && !pa.empty() && !pb.empty()) break;
  }
  EXPECT_EQ(pa.size(), 2u);
  EXPECT_EQ(pb.size(), 2u);
  for (int p : pa) EXPECT_FALSE(pb.count(p)) << "partition " << p << " assigned twice";
  rd_kafka_consumer_close(a);
  rd_kafka_consumer_close(b);
  rd_kafka_destroy(a);
  rd_kafka_destroy(b);
}

}  // namespace
