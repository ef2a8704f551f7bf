// The transactional producer core against an in-process refbroker: commit and abort seen through
// read_committed / read_uncommitted consumers (our ConsumerCore), the transactional state
// machine's errors (_STATE, _NOT_CONFIGURED), fencing by a second instance with the same
// transactional.id (fatal _FENCED), a transaction aborted by the broker after
// transaction.timeout.ms, and send_offsets_to_transaction committing a group's offsets only
// when the transaction commits.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "client_test_util.h"
#include "consumer.h"
#include "producer.h"

using namespace kafka::client;

namespace {

[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string str(const kafka::NullableBytes& b) { return b ? std::string(kafka::as_string(*b)) : std::string("<null>"); }

class TxnTest : public client_test::BrokerTest {
 protected:
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"},
            {"transaction.abort.timed.out.transaction.cleanup.interval.ms", "200"}};
  }
  std::unique_ptr<ProducerCore> producer(const std::string& txn_id, Properties extra = {}) {
    Properties p{{"bootstrap.servers", bootstrap()}, {"transactional.id", txn_id}, {"linger.ms", "5"}};
    for (auto& [k, v] : extra) p[k] = v;
    std::string errstr;
    auto prod = ProducerCore::create(p, {}, errstr);
    EXPECT_TRUE(prod) << errstr;
    return prod;
  }
  int produce(ProducerCore& p, const std::string& topic, int32_t partition, const std::string& value) {
    Message m;
    m.topic = topic;
    m.partition = partition;
    m.value = kafka::as_bytes(value);
    return p.produce(m, true);
  }
  // Everything a consumer with `isolation` reads from the topic's partitions (until idle).
  std::vector<std::string> read_all(const std::string& topic, int32_t partitions, const char* isolation,
                                    size_t expect) {
    std::string errstr;
    auto c = ConsumerCore::create({{"bootstrap.servers", bootstrap()}, {"isolation.level", isolation}}, {}, errstr);
    EXPECT_TRUE(c) << errstr;
    TopicPartitionList l;
    for (int32_t i = 0; i < partitions; ++i) {
      TopicPartitionOffset t;
      t.topic = topic;
      t.partition = i;
      t.offset = -2;  // beginning
      l.push_back(t);
    }
    EXPECT_EQ(c->assign(l), 0);
    std::vector<std::string> out;
    int64_t deadline = now_ms() + 10000, idle_until = 0;
    while (now_ms() < deadline) {
      auto m = c->consume(100);
      if (m && !m->error()) {
        out.push_back(str(m->value()));
        continue;
      }
      if (out.size() >= expect) {
        if (!idle_until) idle_until = now_ms() + 500;  // anything more would be a bug
        if (now_ms() >= idle_until) break;
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(TxnTest, CommitIsVisibleAbortIsNot) {
  client_test::create_topic(bootstrap(), "t", 2);
  auto p = producer("txn-basic");
  ASSERT_FALSE(p->init_transactions(30000)) ;
  ASSERT_FALSE(p->begin_transaction());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(produce(*p, "t", i % 2, "c" + std::to_string(i)), 0);
  auto e = p->commit_transaction(30000);
  ASSERT_FALSE(e) << e.reason;
  ASSERT_FALSE(p->begin_transaction());
  for (int i = 0; i < 5; ++i) ASSERT_EQ(produce(*p, "t", i % 2, "a" + std::to_string(i)), 0);
  ASSERT_EQ(p->flush(10000), 0);  // on the broker, uncommitted
  e = p->abort_transaction(30000);
  ASSERT_FALSE(e) << e.reason;
  ASSERT_FALSE(p->begin_transaction());
  ASSERT_EQ(produce(*p, "t", 0, "z"), 0);
  e = p->commit_transaction(30000);
  ASSERT_FALSE(e) << e.reason;

  auto committed = read_all("t", 2, "read_committed", 11);
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back("c" + std::to_string(i));
  want.push_back("z");
  std::sort(want.begin(), want.end());
  EXPECT_EQ(committed, want);
  auto all = read_all("t", 2, "read_uncommitted", 16);
  EXPECT_EQ(all.size(), 16u);
}

TEST_F(TxnTest, StateErrors) {
  client_test::create_topic(bootstrap(), "t", 1);
  std::string errstr;
  auto plain = ProducerCore::create({{"bootstrap.servers", bootstrap()}}, {}, errstr);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->init_transactions(1000).code, err(LocalErr::NOT_CONFIGURED));

  // A message must not outlive its transaction (librdkafka's rule).
  EXPECT_FALSE(ProducerCore::create({{"bootstrap.servers", bootstrap()},
                                     {"transactional.id", "x"},
                                     {"transaction.timeout.ms", "10000"},
                                     {"message.timeout.ms", "20000"}},
                                    {}, errstr));
  EXPECT_NE(errstr.find("transaction.timeout.ms"), std::string::npos) << errstr;

  auto p = producer("txn-state");
  EXPECT_EQ(produce(*p, "t", 0, "x"), err(LocalErr::STATE));  // before init
  auto e = p->begin_transaction();
  EXPECT_EQ(e.code, err(LocalErr::STATE));
  EXPECT_FALSE(e.fatal || e.retriable || e.txn_requires_abort);
  ASSERT_FALSE(p->init_transactions(30000));
  EXPECT_EQ(p->init_transactions(1000).code, err(LocalErr::STATE));
  EXPECT_EQ(produce(*p, "t", 0, "x"), err(LocalErr::STATE));  // outside a transaction
  EXPECT_EQ(p->commit_transaction(1000).code, err(LocalErr::STATE));
  ASSERT_FALSE(p->begin_transaction());
  EXPECT_EQ(p->begin_transaction().code, err(LocalErr::STATE));
  // An empty transaction commits without the broker.
  EXPECT_FALSE(p->commit_transaction(1000));
  ASSERT_FALSE(p->begin_transaction());
  EXPECT_FALSE(p->abort_transaction(1000));
}

TEST_F(TxnTest, SecondInstanceFencesTheFirst) {
  client_test::create_topic(bootstrap(), "t", 1);
  auto a = producer("txn-fence");
  ASSERT_FALSE(a->init_transactions(30000));
  ASSERT_FALSE(a->begin_transaction());
  ASSERT_EQ(produce(*a, "t", 0, "from-a"), 0);
  ASSERT_EQ(a->flush(10000), 0);

  auto b = producer("txn-fence");
  ASSERT_FALSE(b->init_transactions(30000));  // aborts a's open transaction
  ASSERT_FALSE(b->begin_transaction());
  ASSERT_EQ(produce(*b, "t", 0, "from-b"), 0);
  ASSERT_FALSE(b->commit_transaction(30000));

  auto e = a->commit_transaction(30000);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e.fatal) << e.code << " " << e.reason;
  EXPECT_EQ(e.code, err(LocalErr::FENCED)) << e.reason;
  EXPECT_EQ(a->begin_transaction().code, err(LocalErr::FENCED));
  std::string reason;
  EXPECT_NE(a->fatal_error(reason), 0);
  EXPECT_EQ(read_all("t", 1, "read_committed", 1), std::vector<std::string>{"from-b"});
}

TEST_F(TxnTest, BrokerAbortsATransactionPastItsTimeout) {
  client_test::create_topic(bootstrap(), "t", 1);
  auto p = producer("txn-timeout", {{"transaction.timeout.ms", "1000"}});
  ASSERT_FALSE(p->init_transactions(30000));
  ASSERT_FALSE(p->begin_transaction());
  ASSERT_EQ(produce(*p, "t", 0, "late"), 0);
  ASSERT_EQ(p->flush(10000), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto e = p->commit_transaction(30000);
  EXPECT_TRUE(e) << "the broker aborted the transaction; committing it must fail";
  EXPECT_TRUE(e.fatal || e.txn_requires_abort) << e.reason;
  EXPECT_TRUE(read_all("t", 1, "read_committed", 0).empty());
  EXPECT_EQ(read_all("t", 1, "read_uncommitted", 1).size(), 1u);
}

TEST_F(TxnTest, SendOffsetsCommitsGroupOffsetsOnlyOnCommit) {
  client_test::create_topic(bootstrap(), "out", 1);
  client_test::create_topic(bootstrap(), "in", 2);
  auto p = producer("txn-offsets");
  ASSERT_FALSE(p->init_transactions(30000));
  TxnGroupMetadata gm;
  gm.group_id = "g-offsets";
  std::vector<TopicPartitionOffset> offs(2);
  offs[0].topic = offs[1].topic = "in";
  offs[0].partition = 0;
  offs[0].offset = 7;
  offs[1].partition = 1;
  offs[1].offset = 3;

  ASSERT_FALSE(p->begin_transaction());
  ASSERT_EQ(produce(*p, "out", 0, "aborted"), 0);
  auto e = p->send_offsets_to_transaction(offs, gm, 30000);
  ASSERT_FALSE(e) << e.reason;
  ASSERT_FALSE(p->abort_transaction(30000));

  auto committed = [&] {
    std::string errstr;
    auto c = ConsumerCore::create({{"bootstrap.servers", bootstrap()}, {"group.id", gm.group_id}}, {}, errstr);
    TopicPartitionList l(2);
    l[0].topic = l[1].topic = "in";
    l[0].partition = 0;
    l[1].partition = 1;
    EXPECT_EQ(c->committed(l, 10000), 0);
    return std::make_pair(l[0].offset, l[1].offset);
  };
  EXPECT_EQ(committed(), std::make_pair(kOffsetInvalid, kOffsetInvalid));

  ASSERT_FALSE(p->begin_transaction());
  ASSERT_EQ(produce(*p, "out", 0, "committed"), 0);
  e = p->send_offsets_to_transaction(offs, gm, 30000);
  ASSERT_FALSE(e) << e.reason;
  e = p->commit_transaction(30000);
  ASSERT_FALSE(e) << e.reason;
  EXPECT_EQ(committed(), std::make_pair(int64_t{7}, int64_t{3}));
  EXPECT_EQ(read_all("out", 1, "read_committed", 1), std::vector<std::string>{"committed"});
}

}  // namespace
