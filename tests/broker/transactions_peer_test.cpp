// refbroker's transaction coordinator with Debian's librdkafka as the peer: a transactional
// producer committing and aborting (with offsets sent to the transaction), read_committed and
// read_uncommitted consumers, and a second instance fencing the first.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <set>
#include <string>

#include "support/broker_fixture.h"

namespace {

using testing_support::BrokerFixture;

class TransactionsPeerTest : public BrokerFixture {
 protected:
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"}, {"num.partitions", "2"}};
  }
  rd_kafka_conf_t* conf(std::initializer_list<std::pair<const char*, const char*>> extra) {
    char err[512];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    auto set = [&](const char* k, const char* v) {
      EXPECT_EQ(rd_kafka_conf_set(c, k, v, err, sizeof err), RD_KAFKA_CONF_OK) << k << ": " << err;
    };
    set("bootstrap.servers", bootstrap().c_str());
    for (auto& [k, v] : extra) set(k, v);
    return c;
  }
  rd_kafka_t* producer(const char* txn_id) {
    char err[512];
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf({{"transactional.id", txn_id}, {"linger.ms", "5"}}), err, sizeof err);
    EXPECT_NE(p, nullptr) << err;
    check(rd_kafka_init_transactions(p, 20000));
    return p;
  }
  static void check(rd_kafka_error_t* e) {
    if (e) {
      ADD_FAILURE() << rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
    }
  }
  void produce(rd_kafka_t* p, const std::string& tag, int n) {
    for (int i = 0; i < n; ++i) {
      std::string v = tag + "-" + std::to_string(i);
      ASSERT_EQ(rd_kafka_producev(p, RD_KAFKA_V_TOPIC("tx"), RD_KAFKA_V_PARTITION(i % 2),
                                  RD_KAFKA_V_VALUE(v.data(), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(p, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // Every value from the beginning of both partitions up to EOF.
  std::multiset<std::string> read(const char* isolation) {
    char err[512];
    rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER,
                                 conf({{"group.id", "tx-reader"}, {"isolation.level", isolation},
                                       {"enable.partition.eof", "true"}, {"enable.auto.commit", "false"}}),
                                 err, sizeof err);
    auto* parts = rd_kafka_topic_partition_list_new(2);
    for (int p = 0; p < 2; ++p) rd_kafka_topic_partition_list_add(parts, "tx", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    EXPECT_EQ(rd_kafka_assign(c, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(parts);
    std::multiset<std::string> out;
    std::set<int> eof;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (eof.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 200);
      if (!m) continue;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) eof.insert(m->partition);
      else if (!m->err) out.emplace(static_cast<const char*>(m->payload), m->len);
      rd_kafka_message_destroy(m);
    }
    EXPECT_EQ(eof.size(), 2u);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return out;
  }
};

TEST_F(TransactionsPeerTest, CommitAbortAndOffsets) {
  rd_kafka_t* p = producer("peer-tx");
  check(rd_kafka_begin_transaction(p));
  produce(p, "committed", 10);
  // Offsets for a consumer group, committed with the transaction.
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata_new("tx-group");
  auto* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "tx", 0)->offset = 42;
  check(rd_kafka_send_offsets_to_transaction(p, offsets, group, 20000));
  check(rd_kafka_commit_transaction(p, 20000));
  check(rd_kafka_begin_transaction(p));
  produce(p, "aborted", 5);
  rd_kafka_topic_partition_list_t* more = rd_kafka_topic_partition_list_copy(offsets);
  more->elems[0].offset = 99;
  check(rd_kafka_send_offsets_to_transaction(p, more, group, 20000));
  check(rd_kafka_abort_transaction(p, 20000));
  rd_kafka_topic_partition_list_destroy(more);
  rd_kafka_topic_partition_list_destroy(offsets);
  rd_kafka_consumer_group_metadata_destroy(group);
  rd_kafka_destroy(p);

  auto committed = read("read_committed");
  EXPECT_EQ(committed.size(), 10u);
  for (auto& v : committed) EXPECT_EQ(v.rfind("committed-", 0), 0u) << v;
  EXPECT_EQ(read("read_uncommitted").size(), 15u);

  char err[512];
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf({{"group.id", "tx-group"}}), err, sizeof err);
  auto* q = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(q, "tx", 0);
  ASSERT_EQ(rd_kafka_committed(c, q, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(q->elems[0].offset, 42);
  rd_kafka_topic_partition_list_destroy(q);
  rd_kafka_destroy(c);
}

TEST_F(TransactionsPeerTest, SecondInstanceFencesTheFirst) {
  rd_kafka_t* first = producer("peer-fence");
  check(rd_kafka_begin_transaction(first));
  produce(first, "zombie", 4);
  rd_kafka_t* second = producer("peer-fence");
  rd_kafka_error_t* e = rd_kafka_commit_transaction(first, 10000);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(rd_kafka_error_is_fatal(e)) << rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  check(rd_kafka_begin_transaction(second));
  produce(second, "live", 4);
  check(rd_kafka_commit_transaction(second, 20000));
  auto committed = read("read_committed");
  EXPECT_EQ(committed, (std::multiset<std::string>{"live-0", "live-1", "live-2", "live-3"}));
  rd_kafka_destroy(first);
  rd_kafka_destroy(second);
}

}  // namespace
