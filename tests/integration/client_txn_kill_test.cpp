// Exactly-once under kill -9: a consume-transform-produce child (client_txn_transformer) is
// killed with SIGKILL at random points many times and restarted; a read_committed reader of its
// output must then find every input record exactly once, and the group's committed offsets must
// cover the whole input; the same with refbroker killed instead. KAFKAPLUS_TXN_KILLS sets the number of kills (default 20; the `soak`
// test runs more).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
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

// The oracle: every input record ("in-N", N < n) exactly once in the committed output.
void expect_exactly_once(const std::string& bootstrap, int n) {
  std::string errstr;
  auto reader = ConsumerCore::create({{"bootstrap.servers", bootstrap}, {"isolation.level", "read_committed"}}, {},
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
  std::vector<int> seen(n, 0);
  int total_seen = 0, bad = 0;
  int64_t deadline = now_ms() + 30000;
  int64_t idle_since = 0;
  while (now_ms() < deadline) {
    auto m = reader->consume(100);
    if (m && !m->error()) {
      std::string v = m->value() ? std::string(kafka::as_string(*m->value())) : "";
      int k = v.rfind("out-in-", 0) == 0 ? std::atoi(v.c_str() + 7) : -1;
      if (k < 0 || k >= n) ++bad;
      else ++seen[k];
      ++total_seen;
      idle_since = 0;
      continue;
    }
    if (total_seen >= n) {
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
  EXPECT_EQ(total_seen, n);
}

// Sum of the group's committed offsets over the input partitions (0 on error).
int64_t committed_total(ConsumerCore& c, int partitions) {
  TopicPartitionList l;
  for (int32_t p = 0; p < partitions; ++p) {
    TopicPartitionOffset t;
    t.topic = "in";
    t.partition = p;
    l.push_back(t);
  }
  int64_t total = 0;
  if (c.committed(l, 10000) == 0)
    for (auto& t : l) total += t.offset > 0 ? t.offset : 0;
  return total;
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

  expect_exactly_once(bootstrap(), kInput);
  // The uncommitted output of the killed instances is on the log too, hidden from read_committed.
  auto all = client_test::end_offset(bootstrap(), "out", 0) + client_test::end_offset(bootstrap(), "out", 1);
  RecordProperty("output_log_records_including_aborted_and_markers", std::to_string(all));
}

// refbroker itself killed with SIGKILL (its transaction log finishes PrepareCommit/PrepareAbort
// on restart) while the transformer runs, many times, at random points — often during EndTxn,
// which the transformer issues every 50 records. The transformer rides through (retries, or
// aborts and rewinds; if it gives up on a fatal error it is restarted) and the output is still
// exactly once.
TEST(TxnBrokerKillTest, BrokerKilledDuringTransactionsRecoversConsistently) {
  const int kPartitions = 3;
  const int kInput = 3000;
  const char* env = std::getenv("KAFKAPLUS_TXN_BROKER_KILLS");
  const int kills = env ? std::atoi(env) : 6;
  auto dir = testing_support::fresh_temp_dir("txn-broker-kill");
  // A fixed port, so the clients find the restarted broker at the same address.
  int port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    ::close(fd);
  }
  const std::string bootstrap = "127.0.0.1:" + std::to_string(port);
  const auto ready = dir / "ready";
  auto start_broker = [&] {
    std::filesystem::remove(ready);
    pid_t b = spawn({REFBROKER, "--listen", bootstrap, "--data-dir", (dir / "data").string(), "--ready-file",
                     ready.string()});
    for (int i = 0; i < 200 && !std::filesystem::exists(ready); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return b;
  };
  pid_t broker = start_broker();
  ASSERT_GT(broker, 0);
  ASSERT_TRUE(std::filesystem::exists(ready)) << "refbroker did not start";
  client_test::create_topic(bootstrap, "in", kPartitions);
  client_test::create_topic(bootstrap, "out", 2);
  std::string errstr;
  auto input = ProducerCore::create({{"bootstrap.servers", bootstrap}, {"linger.ms", "5"}}, {}, errstr);
  ASSERT_TRUE(input) << errstr;
  int produced = 0;
  // Input trickles in for `ms` (so the transformer is mid-transaction when the broker dies) and
  // is flushed before the kill: a non-idempotent resend across the crash could duplicate input.
  auto trickle = [&](int n, int ms) {
    int64_t end = now_ms() + ms;
    for (int i = 0; i < n && produced < kInput; ++i, ++produced) {
      std::string v = "in-" + std::to_string(produced);
      Message m;
      m.topic = "in";
      m.partition = produced % kPartitions;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(input->produce(m, true), 0);
      if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(0, (end - now_ms()) / ((n - i) / 20 + 1))));
    }
    ASSERT_EQ(input->flush(30000), 0);  // and kill at once: the transformer is busy with it
  };
  std::vector<std::string> args{TXN_TRANSFORMER, bootstrap, "in", std::to_string(kPartitions), "out",
                                "transformer-group", "transformer-txn", "50"};
  pid_t child = spawn(args);
  int restarts = 0;
  auto keep_transformer = [&] {
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      ++restarts;
      child = spawn(args);
    }
  };
  std::mt19937 rng(std::random_device{}());
  const int per_kill = kInput / (kills + 1);
  for (int k = 0; k < kills; ++k) {
    trickle(per_kill, std::uniform_int_distribution<int>(300, 1500)(rng));
    ::kill(broker, SIGKILL);
    ::waitpid(broker, nullptr, 0);
    broker = start_broker();
    ASSERT_TRUE(std::filesystem::exists(ready)) << "refbroker did not restart";
    keep_transformer();
  }
  trickle(kInput - produced, 0);
  input.reset();
  auto checker =
      ConsumerCore::create({{"bootstrap.servers", bootstrap}, {"group.id", "transformer-group"}}, {}, errstr);
  ASSERT_TRUE(checker) << errstr;
  int64_t deadline = now_ms() + 120000, total = 0;
  while (now_ms() < deadline && (total = committed_total(*checker, kPartitions)) != kInput) {
    keep_transformer();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_EQ(total, kInput) << "committed input offsets";
  expect_exactly_once(bootstrap, kInput);
  RecordProperty("transformer_restarts", std::to_string(restarts));
  checker.reset();
  ::kill(broker, SIGKILL);
  ::waitpid(broker, nullptr, 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
