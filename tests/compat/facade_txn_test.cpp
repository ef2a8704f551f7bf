// The transactional producer through the C++ API (RdKafka::Producer::*_transaction,
// RdKafka::Error) against an in-process refbroker. The same source is built against Debian's
// librdkafka (facade_txn_test_librdkafka), so the error codes and the is_fatal / is_retriable /
// txn_requires_abort classification asserted here are librdkafka's.
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker.h"

namespace {

[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

class TxnFacadeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kafkaplus-facade-txn-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    refbroker::BrokerOptions o;
    o.data_dir = dir_;
    o.config["num.partitions"] = "2";
    o.config["refbroker.log.fsync"] = "false";
    broker_ = std::make_unique<refbroker::Broker>(o);
    broker_->start();
  }
  void TearDown() override {
    broker_->stop();
    broker_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string bootstrap() const { return broker_->bootstrap(); }

  std::unique_ptr<RdKafka::Producer> producer(const std::string& txn_id) {
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", bootstrap(), err);
    if (!txn_id.empty()) EXPECT_EQ(conf->set("transactional.id", txn_id, err), RdKafka::Conf::CONF_OK) << err;
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
    EXPECT_TRUE(p) << err;
    return p;
  }
  static RdKafka::ErrorCode produce(RdKafka::Producer& p, const std::string& topic, const std::string& value) {
    return p.produce(topic, 0, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(), nullptr,
                     0, 0, nullptr);
  }
  // Values on partition 0 of topic as a consumer with `isolation` reads them.
  std::vector<std::string> read(const std::string& topic, const char* isolation, size_t expect) {
    std::string err;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", bootstrap(), err);
    conf->set("group.id", "reader", err);
    conf->set("isolation.level", isolation, err);
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
    EXPECT_TRUE(c) << err;
    std::vector<RdKafka::TopicPartition*> parts{
        RdKafka::TopicPartition::create(topic, 0, RdKafka::Topic::OFFSET_BEGINNING)};
    c->assign(parts);
    RdKafka::TopicPartition::destroy(parts);
    std::vector<std::string> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    auto idle_until = std::chrono::steady_clock::time_point::max();
    while (std::chrono::steady_clock::now() < std::min(deadline, idle_until)) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m->err() == RdKafka::ERR_NO_ERROR) {
        out.emplace_back(static_cast<const char*>(m->payload()), m->len());
      } else if (out.size() >= expect && idle_until == std::chrono::steady_clock::time_point::max()) {
        idle_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      }
    }
    c->close();
    return out;
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<refbroker::Broker> broker_;
};

TEST_F(TxnFacadeTest, NotConfiguredAndStateErrors) {
  auto plain = producer("");
  std::unique_ptr<RdKafka::Error> e(plain->init_transactions(5000));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), RdKafka::ERR__NOT_CONFIGURED);
  EXPECT_FALSE(e->is_fatal() || e->is_retriable() || e->txn_requires_abort());

  auto p = producer("facade-txn-state");
  e.reset(p->begin_transaction());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), RdKafka::ERR__STATE);
  EXPECT_FALSE(e->is_fatal() || e->is_retriable() || e->txn_requires_abort());
  e.reset(p->init_transactions(30000));
  ASSERT_FALSE(e) << e->str();
  e.reset(p->commit_transaction(5000));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code(), RdKafka::ERR__STATE);
}

TEST_F(TxnFacadeTest, CommitVisibleAbortInvisible) {
  auto p = producer("facade-txn-basic");
  std::unique_ptr<RdKafka::Error> e(p->init_transactions(30000));
  ASSERT_FALSE(e) << e->str();
  e.reset(p->begin_transaction());
  ASSERT_FALSE(e) << e->str();
  ASSERT_EQ(produce(*p, "t", "aborted"), RdKafka::ERR_NO_ERROR);
  p->flush(10000);
  e.reset(p->abort_transaction(30000));
  ASSERT_FALSE(e) << e->str();
  e.reset(p->begin_transaction());
  ASSERT_FALSE(e) << e->str();
  ASSERT_EQ(produce(*p, "t", "committed"), RdKafka::ERR_NO_ERROR);
  e.reset(p->commit_transaction(30000));
  ASSERT_FALSE(e) << e->str();
  EXPECT_EQ(read("t", "read_committed", 1), std::vector<std::string>{"committed"});
  EXPECT_EQ(read("t", "read_uncommitted", 2), (std::vector<std::string>{"aborted", "committed"}));
}

TEST_F(TxnFacadeTest, FencedProducerGetsAFatalError) {
  auto a = producer("facade-txn-fence");
  std::unique_ptr<RdKafka::Error> e(a->init_transactions(30000));
  ASSERT_FALSE(e) << e->str();
  e.reset(a->begin_transaction());
  ASSERT_FALSE(e);
  ASSERT_EQ(produce(*a, "t", "from-a"), RdKafka::ERR_NO_ERROR);
  a->flush(10000);

  auto b = producer("facade-txn-fence");
  e.reset(b->init_transactions(30000));
  ASSERT_FALSE(e) << e->str();

  e.reset(a->commit_transaction(30000));
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->is_fatal()) << e->str();
  EXPECT_FALSE(e->is_retriable());
  EXPECT_EQ(e->code(), RdKafka::ERR__FENCED) << RdKafka::err2str(e->code()) << ": " << e->str();
  std::string reason;
  EXPECT_NE(a->fatal_error(reason), RdKafka::ERR_NO_ERROR);
}

}  // namespace
