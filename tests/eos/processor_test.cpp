// eos::TransactionalProcessor against an in-process refbroker: N input records are transformed
// (upper-cased) exactly once into the output topic as seen by a read_committed consumer, and a
// second instance with the same transactional.id fences the first (its run() returns a fatal
// error).
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eos/processor.h"
#include "integration/client_test_util.h"

namespace {

[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

using Clock = std::chrono::steady_clock;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

class ProcessorTest : public testing_support::BrokerFixture {
 protected:
  void produce_input(const std::string& topic, int32_t partitions, int from, int n) {
    std::string errstr;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    ASSERT_EQ(conf->set("bootstrap.servers", bootstrap(), errstr), RdKafka::Conf::CONF_OK);
    std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), errstr));
    ASSERT_TRUE(p) << errstr;
    for (int i = from; i < from + n; ++i) {
      std::string v = "record-" + std::to_string(i);
      std::string k = "k" + std::to_string(i);
      ASSERT_EQ(p->produce(topic, i % partitions, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), k.data(),
                           k.size(), 0, nullptr),
                RdKafka::ERR_NO_ERROR);
    }
    ASSERT_EQ(p->flush(10000), RdKafka::ERR_NO_ERROR);
  }

  // Values a read_committed consumer sees in the topic: waits for `expect`, then 500 ms more.
  std::vector<std::string> read_committed(const std::string& topic, int32_t partitions, size_t expect) {
    std::string errstr;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    conf->set("bootstrap.servers", bootstrap(), errstr);
    conf->set("group.id", "reader", errstr);
    conf->set("isolation.level", "read_committed", errstr);
    conf->set("enable.auto.commit", "false", errstr);
    std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), errstr));
    EXPECT_TRUE(c) << errstr;
    std::vector<RdKafka::TopicPartition*> parts;
    for (int32_t i = 0; i < partitions; ++i)
      parts.push_back(RdKafka::TopicPartition::create(topic, i, RdKafka::Topic::OFFSET_BEGINNING));
    EXPECT_EQ(c->assign(parts), RdKafka::ERR_NO_ERROR);
    RdKafka::TopicPartition::destroy(parts);
    std::vector<std::string> out;
    auto deadline = Clock::now() + std::chrono::seconds(60);
    Clock::time_point idle_until{};
    while (Clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m && m->err() == RdKafka::ERR_NO_ERROR) {
        out.emplace_back(static_cast<const char*>(m->payload()), m->len());
        continue;
      }
      if (out.size() >= expect) {
        if (idle_until == Clock::time_point{}) idle_until = Clock::now() + std::chrono::milliseconds(500);
        if (Clock::now() >= idle_until) break;
      }
    }
    c->close();
    std::sort(out.begin(), out.end());
    return out;
  }

  eos::ProcessorConfig config(const std::string& txn_id) {
    eos::ProcessorConfig cfg;
    cfg.brokers = bootstrap();
    cfg.input_topics = {"in"};
    cfg.group_id = "proc";
    cfg.transactional_id = txn_id;
    cfg.batch_max_records = 37;
    cfg.batch_max_time = std::chrono::milliseconds(50);
    cfg.log = [](const std::string&) {};
    return cfg;
  }

  static eos::Transform uppercase() {
    return [](const RdKafka::Message& in, eos::Emit& out) {
      std::string v(static_cast<const char*>(in.payload()), in.len());
      out("out", -1, in.key() ? std::optional<std::string>(*in.key()) : std::nullopt, upper(v),
          {{"from", std::to_string(in.partition()) + ":" + std::to_string(in.offset())}});
    };
  }
};

TEST_F(ProcessorTest, EachInputExactlyOnceInTheCommittedOutput) {
  const int n = 500;
  client_test::create_topic(bootstrap(), "in", 2);
  client_test::create_topic(bootstrap(), "out", 3);
  produce_input("in", 2, 0, n);

  eos::TransactionalProcessor proc(config("proc-txn"), uppercase());
  auto done = std::async(std::launch::async, [&] { return proc.run(); });
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (proc.metrics().records_in < static_cast<uint64_t>(n) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto out = read_committed("out", 3, n);
  proc.stop();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(done.get(), "");

  std::vector<std::string> want;
  for (int i = 0; i < n; ++i) want.push_back(upper("record-" + std::to_string(i)));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(out.size(), static_cast<size_t>(n));
  EXPECT_EQ(out, want);
  auto m = proc.metrics();
  EXPECT_EQ(m.records_in, static_cast<uint64_t>(n));
  EXPECT_EQ(m.records_out, static_cast<uint64_t>(n));
  EXPECT_GE(m.transactions_committed, 2u);
  EXPECT_EQ(m.transactions_aborted, 0u);
}

TEST_F(ProcessorTest, SecondInstanceFencesTheFirst) {
  client_test::create_topic(bootstrap(), "in", 2);
  client_test::create_topic(bootstrap(), "out", 1);
  produce_input("in", 2, 0, 50);

  eos::TransactionalProcessor first(config("shared-txn"), uppercase());
  auto first_done = std::async(std::launch::async, [&] { return first.run(); });
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (first.metrics().records_in < 50 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(first.metrics().records_in, 50u);

  // The second instance's init_transactions bumps the epoch: the first's next transaction fails.
  eos::TransactionalProcessor second(config("shared-txn"), uppercase());
  auto second_done = std::async(std::launch::async, [&] { return second.run(); });
  std::string first_error;
  deadline = Clock::now() + std::chrono::seconds(60);
  int next = 50;
  while (Clock::now() < deadline) {
    // New input on both partitions, so the first gets some whatever the assignment.
    produce_input("in", 2, next, 10);
    next += 10;
    if (first_done.wait_for(std::chrono::milliseconds(500)) == std::future_status::ready) {
      first_error = first_done.get();
      break;
    }
  }
  EXPECT_FALSE(first_error.empty()) << "the first instance was not fenced";
  EXPECT_NE(first_error.find("fatal"), std::string::npos) << first_error;

  // The second one goes on, exactly once: every input in the committed output once.
  deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    auto m = second.metrics();
    if (m.records_in > 0 && m.transactions_committed > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto out = read_committed("out", 1, static_cast<size_t>(next));
  second.stop();
  ASSERT_EQ(second_done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(second_done.get(), "");
  std::vector<std::string> want;
  for (int i = 0; i < next; ++i) want.push_back(upper("record-" + std::to_string(i)));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(out, want);
}

}  // namespace
