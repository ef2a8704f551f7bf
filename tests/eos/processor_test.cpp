// eos::TransactionalProcessor against an in-process refbroker: N input records are transformed
// (upper-cased) exactly once into the output topic as seen by a read_committed consumer; a
// second instance with the same transactional.id fences the first (its run() returns a fatal
// error); an abortable error mid-transaction (refbroker's fault injection fails a Produce) aborts,
// rewinds to the committed offsets and reprocesses, still exactly once; and (ProcessorCrash, label
// crash) a processor process killed with SIGKILL in the middle of a transaction is replaced by a
// second process with the same transactional.id, which finishes the input exactly once.
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

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

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
  // Short sessions, so that a killed member leaves the group within seconds.
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"}, {"group.min.session.timeout.ms", "1000"},
            {"group.initial.rebalance.delay.ms", "0"}};
  }

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

  // Runs a processor over 300 records while refbroker injects `rule` once (an abortable error)
  // and checks the abort-rewind-reprocess outcome: every input exactly once in the committed
  // output, at least one aborted transaction, committed work counted once.
  void run_through_abortable_fault(const refbroker::FaultRule& rule, const std::string& txn_id,
                                   uint64_t min_commits) {
    const int n = 300;
    client_test::create_topic(bootstrap(), "in", 2);
    client_test::create_topic(bootstrap(), "out", 2);
    produce_input("in", 2, 0, n);
    broker().faults().add(rule);

    eos::TransactionalProcessor proc(config(txn_id), uppercase());
    auto done = std::async(std::launch::async, [&] { return proc.run(); });
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (proc.metrics().records_in < static_cast<uint64_t>(n) && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto out = read_committed("out", 2, n);
    proc.stop();
    ASSERT_EQ(done.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_EQ(done.get(), "");
    EXPECT_EQ(broker().faults().injected(), 1);

    auto m = proc.metrics();
    EXPECT_GE(m.transactions_aborted, 1u) << "the injected error must abort its transaction";
    EXPECT_GE(m.transactions_committed, min_commits);
    EXPECT_EQ(m.records_in, static_cast<uint64_t>(n)) << "committed work only: the aborted batch counts once";
    std::vector<std::string> want;
    for (int i = 0; i < n; ++i) want.push_back(upper("record-" + std::to_string(i)));
    std::sort(want.begin(), want.end());
    EXPECT_EQ(out, want) << "every input once in the committed output (the aborted batch was reprocessed)";
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

TEST_F(ProcessorTest, AbortableErrorMidTransactionAbortsRewindsAndReprocessesExactlyOnce) {
  // The processor's first Produce requests go through (some transactions commit), then one fails
  // with a non-retriable error: the transaction can only be aborted.
  refbroker::FaultRule rule;
  rule.api = kafka::proto::ApiKey::Produce;
  rule.action = refbroker::FaultAction::Error;
  rule.error = kafka::Error::INVALID_RECORD;
  rule.skip = 3;
  rule.times = 1;
  run_through_abortable_fault(rule, "abort-txn", 2);
}

// The coordinator refuses to add the output partitions to a transaction (an abortable error at
// AddPartitionsToTxn, before anything of that transaction is produced): abort, rewind, again.
TEST_F(ProcessorTest, AbortableAddPartitionsToTxnErrorAbortsRewindsAndReprocessesExactlyOnce) {
  refbroker::FaultRule rule;
  rule.api = kafka::proto::ApiKey::AddPartitionsToTxn;
  rule.action = refbroker::FaultAction::Error;
  rule.error = kafka::Error::TOPIC_AUTHORIZATION_FAILED;  // abortable, not fatal (KIP-98)
  rule.skip = 2;
  rule.times = 1;
  run_through_abortable_fault(rule, "apt-txn", 0);
}

// A child process running eos_processor_child; its stdout is read line by line.
class ChildProcessor {
 public:
  ChildProcessor(const std::string& bootstrap, const std::string& txn_id, long hold_after) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::string hold = std::to_string(hold_after);
      ::execl(EOS_PROCESSOR_CHILD, EOS_PROCESSOR_CHILD, bootstrap.c_str(), txn_id.c_str(), hold.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = ::fdopen(fds[0], "r");
  }
  ~ChildProcessor() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_) std::fclose(out_);
  }
  // The next line the child prints (empty at end of file).
  std::string line() {
    char buffer[512];
    if (!std::fgets(buffer, sizeof buffer, out_)) return {};
    std::string s(buffer);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  // Sends the signal and returns the wait status.
  int signal_and_wait(int sig) {
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

using ProcessorCrash = ProcessorTest;

TEST_F(ProcessorCrash, KilledMidTransactionSecondInstanceFinishesExactlyOnce) {
  const int n = 400;
  client_test::create_topic(bootstrap(), "in", 2);
  client_test::create_topic(bootstrap(), "out", 2);
  produce_input("in", 2, 0, n);

  auto output_on_broker = [&] {  // data records in "out", committed or not (control records aside)
    std::size_t count = 0;
    for (int32_t p = 0; p < 2; ++p)
      for (const auto& r : client_test::fetch_all(bootstrap(), "out", p))
        if (r.value && std::string(r.value->begin(), r.value->end()).starts_with("RECORD-")) ++count;
    return count;
  };

  {
    ChildProcessor first(bootstrap(), "crash-txn", 150);
    ASSERT_EQ(first.line(), "holding") << "the first processor never reached its 150th record";
    // Mid-transaction: committed output so far, plus output of the open transaction on the broker.
    auto committed = read_committed("out", 2, 0);
    std::size_t on_broker = output_on_broker();
    EXPECT_GT(committed.size(), 0u) << "some transactions committed before the kill";
    EXPECT_GT(on_broker, committed.size()) << "the open transaction has output on the broker";
    EXPECT_LT(committed.size(), 150u);
    int status = first.signal_and_wait(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  }

  // The second instance fences the dead one's transactional.id (its open transaction is aborted),
  // takes the partitions over from the committed offsets and finishes the input.
  ChildProcessor second(bootstrap(), "crash-txn", 0);
  auto out = read_committed("out", 2, n);
  int status = second.signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  std::vector<std::string> want;
  for (int i = 0; i < n; ++i) want.push_back(upper("record-" + std::to_string(i)));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(out.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(out, want) << "every input exactly once in the committed output";
  EXPECT_GT(output_on_broker(), static_cast<std::size_t>(n)) << "the aborted transaction's output stays hidden";
}

}  // namespace
