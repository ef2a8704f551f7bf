// Exactly-once under kill -9: a consume-transform-produce child (client_txn_transformer) is
// killed with SIGKILL at random points many times and restarted; a read_committed reader of its
// output must then find every input record exactly once, and the group's committed offsets must
// cover the whole input. KAFKAPLUS_TXN_KILLS sets the number of kills (default 20; the `soak`
// test runs more).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client_test_util.h"
#include "consumer.h"
#include "producer.h"

extern char** environ;

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

pid_t spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

class TxnKillTest : public client_test::BrokerTest {};

TEST_F(TxnKillTest, TransformerKilledAtRandomPointsIsExactlyOnce) {
  const int kPartitions = 3;
  const int kInput = 3000;
  const char* env = std::getenv("KAFKAPLUS_TXN_KILLS");
  const int kills = env ? std::atoi(env) : 20;
  client_test::create_topic(bootstrap(), "in", kPartitions);
  client_test::create_topic(bootstrap(), "out", 2);
  // The input arrives while the transformer runs (and dies): half now, half during the kills.
  std::string errstr;
  auto input = ProducerCore::create({{"bootstrap.servers", bootstrap()}, {"linger.ms", "5"}}, {}, errstr);
  ASSERT_TRUE(input) << errstr;
  int produced = 0;
  auto produce_input = [&](int n) {
    for (int i = 0; i < n; ++i, ++produced) {
      std::string v = "in-" + std::to_string(produced);
      Message m;
      m.topic = "in";
      m.partition = produced % kPartitions;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(input->produce(m, true), 0);
    }
    ASSERT_EQ(input->flush(10000), 0);
  };
  produce_input(kInput / 2);

  std::vector<std::string> args{TXN_TRANSFORMER, bootstrap(), "in", std::to_string(kPartitions), "out",
                                "transformer-group", "transformer-txn", "50"};
  std::mt19937 rng(std::random_device{}());
  for (int k = 0; k < kills; ++k) {
    pid_t child = spawn(args);
    ASSERT_GT(child, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 900)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the transformer exited by itself (status " << status << ")";
    if (k == kills / 2) produce_input(kInput - produced);
  }
  if (produced < kInput) produce_input(kInput - produced);

  // A last instance finishes the work: wait until the group's committed offsets reach the end.
  pid_t child = spawn(args);
  ASSERT_GT(child, 0);
  auto checker = ConsumerCore::create({{"bootstrap.servers", bootstrap()}, {"group.id", "transformer-group"}}, {},
                                      errstr);
  ASSERT_TRUE(checker) << errstr;
  int64_t deadline = now_ms() + 120000;
  int64_t total = 0;
  while (now_ms() < deadline) {
    TopicPartitionList l;
    for (int32_t p = 0; p < kPartitions; ++p) {
      TopicPartitionOffset t;
      t.topic = "in";
      t.partition = p;
      l.push_back(t);
    }
    total = 0;
    if (checker->committed(l, 10000) == 0)
      for (auto& t : l) total += t.offset > 0 ? t.offset : 0;
    if (total == kInput) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ASSERT_EQ(total, kInput) << "committed input offsets";

  // The oracle: every input record exactly once in the committed output.
  auto reader = ConsumerCore::create({{"bootstrap.servers", bootstrap()}, {"isolation.level", "read_committed"}}, {},
                                     errstr);
  ASSERT_TRUE(reader) << errstr;
  TopicPartitionList l;
  for (int32_t p = 0; p < 2; ++p) {
    TopicPartitionOffset t;
    t.topic = "out";
    t.partition = p;
    t.offset = -2;
    l.push_back(t);
  }
  ASSERT_EQ(reader->assign(l), 0);
  std::vector<int> seen(kInput, 0);
  int total_seen = 0, bad = 0;
  deadline = now_ms() + 30000;
  int64_t idle_since = 0;
  while (now_ms() < deadline) {
    auto m = reader->consume(100);
    if (m && !m->error()) {
      std::string v = m->value() ? std::string(kafka::as_string(*m->value())) : "";
      int n = v.rfind("out-in-", 0) == 0 ? std::atoi(v.c_str() + 7) : -1;
      if (n < 0 || n >= kInput) ++bad;
      else ++seen[n];
      ++total_seen;
      idle_since = 0;
      continue;
    }
    if (total_seen >= kInput) {
      if (!idle_since) idle_since = now_ms();
      if (now_ms() - idle_since > 1000) break;
    }
  }
  int missing = 0, dup = 0;
  for (int c : seen) {
    if (c == 0) ++missing;
    if (c > 1) dup += c - 1;
  }
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(dup, 0);
  EXPECT_EQ(total_seen, kInput);
  // The uncommitted output of the killed instances is on the log too, hidden from read_committed.
  auto all = client_test::end_offset(bootstrap(), "out", 0) + client_test::end_offset(bootstrap(), "out", 1);
  RecordProperty("output_log_records_including_aborted_and_markers", std::to_string(all));
}

}  // namespace
