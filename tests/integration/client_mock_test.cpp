// The producer core against librdkafka's mock cluster (a second broker implementation with
// several brokers, old Metadata versions and partition leaders we can move), run through our
// launcher client_mock_cluster as a child process.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "consumer.h"
#include "producer.h"

extern char** environ;

using namespace kafka::client;

namespace {

std::string g_launcher;  // path of client_mock_cluster, next to this test binary

class MockCluster {
 public:
  MockCluster(int brokers, const std::vector<std::string>& topics) {
    int in[2], out[2];
    if (::pipe(in) || ::pipe(out)) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::vector<std::string> args = {g_launcher, std::to_string(brokers)};
    for (auto& t : topics) args.push_back(t);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, g_launcher.c_str(), &fa, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot start " + g_launcher);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    to_ = ::fdopen(in[1], "w");
    from_ = ::fdopen(out[0], "r");
    bootstrap_ = read_line();
  }
  ~MockCluster() {
    if (to_) {
      std::fputs("quit\n", to_);
      std::fclose(to_);
    }
    if (from_) std::fclose(from_);
    int st;
    ::waitpid(pid_, &st, 0);
  }
  const std::string& bootstrap() const { return bootstrap_; }
  // Sends a command; returns the answer ("ok" or "error ...").
  std::string command(const std::string& cmd) {
    std::fputs((cmd + "\n").c_str(), to_);
    std::fflush(to_);
    return read_line();
  }

 private:
  std::string read_line() {
    char buf[1024];
    if (!std::fgets(buf, sizeof buf, from_)) return {};
    std::string s = buf;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  pid_t pid_ = 0;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
  std::string bootstrap_;
};

struct Counts {
  std::mutex mu;
  int64_t ok = 0, failed = 0;
  std::map<int32_t, std::vector<int64_t>> offsets;
  std::vector<int> errors;
};

std::unique_ptr<ProducerCore> make(Properties props, Counts& c) {
  ProducerCallbacks cb;
  cb.delivery = [&c](DeliveryReport& r) {
    std::lock_guard lk(c.mu);
    if (r.error()) {
      ++c.failed;
      c.errors.push_back(r.error());
    } else {
      ++c.ok;
      c.offsets[r.partition()].push_back(r.offset());
    }
  };
  std::string errstr;
  auto p = ProducerCore::create(props, cb, errstr);
  EXPECT_TRUE(p) << errstr;
  return p;
}

}  // namespace

TEST(ProducerMock, RoundTripAcrossBrokers) {
  MockCluster mc(3, {"mock-rt:6"});
  ASSERT_FALSE(mc.bootstrap().empty());
  Counts c;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"linger.ms", "5"}}, c);
  for (int i = 0; i < 3000; ++i) {
    std::string k = "key-" + std::to_string(i), v = "value-" + std::to_string(i);
    Message m;
    m.topic = "mock-rt";
    m.key = kafka::as_bytes(k);
    m.value = kafka::as_bytes(v);
    ASSERT_EQ(p->produce(m), 0);
  }
  ASSERT_EQ(p->flush(20000), 0);
  EXPECT_EQ(c.ok, 3000);
  EXPECT_EQ(c.failed, 0);
  int64_t total = 0;
  for (int32_t part = 0; part < 6; ++part) {
    int64_t lo = -1, hi = -1;
    ASSERT_EQ(p->query_watermark_offsets("mock-rt", part, lo, hi, 10000), 0);
    EXPECT_EQ(lo, 0);
    EXPECT_EQ(hi, static_cast<int64_t>(c.offsets[part].size()));
    for (size_t i = 0; i < c.offsets[part].size(); ++i) EXPECT_EQ(c.offsets[part][i], static_cast<int64_t>(i));
    total += hi;
  }
  EXPECT_EQ(total, 3000);

  ClusterMetadata md;
  ASSERT_EQ(p->metadata(true, nullptr, md, 10000), 0);
  EXPECT_EQ(md.brokers.size(), 3u);
  bool found = false;
  for (auto& t : md.topics)
    if (t.topic == "mock-rt") {
      found = true;
      EXPECT_EQ(t.partitions.size(), 6u);
    }
  EXPECT_TRUE(found);
}

TEST(ProducerMock, EveryCodec) {
  MockCluster mc(1, {"mock-codec:1"});
  for (std::string codec : {"gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    Counts c;
    auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"compression.codec", codec}}, c);
    std::string v(200, 'z');
    for (int i = 0; i < 100; ++i) {
      Message m;
      m.topic = "mock-codec";
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(p->produce(m), 0);
    }
    ASSERT_EQ(p->flush(10000), 0);
    EXPECT_EQ(c.ok, 100);
    EXPECT_EQ(c.failed, 0);
  }
}

TEST(ProducerMock, FollowsLeaderChanges) {
  MockCluster mc(3, {"mock-leader:2"});
  ASSERT_EQ(mc.command("leader mock-leader 0 1"), "ok");
  ASSERT_EQ(mc.command("leader mock-leader 1 2"), "ok");
  Counts c;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"linger.ms", "2"}, {"retry.backoff.ms", "20"}}, c);
  auto produce_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      std::string v = std::to_string(i);
      Message m;
      m.topic = "mock-leader";
      m.partition = i % 2;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(p->produce(m), 0);
    }
  };
  produce_some(200);
  ASSERT_EQ(p->flush(10000), 0);
  // Move both leaders while producing: the old leaders answer NOT_LEADER_OR_FOLLOWER and the
  // producer must refresh metadata and resend to the new ones.
  ASSERT_EQ(mc.command("leader mock-leader 0 3"), "ok");
  ASSERT_EQ(mc.command("leader mock-leader 1 1"), "ok");
  produce_some(200);
  ASSERT_EQ(p->flush(20000), 0);
  EXPECT_EQ(c.ok, 400);
  EXPECT_EQ(c.failed, 0);
  ClusterMetadata md;
  std::string topic = "mock-leader";
  ASSERT_EQ(p->metadata(false, &topic, md, 10000), 0);
  ASSERT_EQ(md.topics.size(), 1u);
  for (auto& part : md.topics[0].partitions) EXPECT_EQ(part.leader, part.id == 0 ? 3 : 1);
}

TEST(ProducerMock, RetriesRequestErrors) {
  MockCluster mc(1, {"mock-retry:1"});
  Counts c;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"retry.backoff.ms", "10"}}, c);
  // Warm up so the next Produce requests hit the pushed errors.
  ClusterMetadata md;
  std::string topic = "mock-retry";
  ASSERT_EQ(p->metadata(false, &topic, md, 10000), 0);
  ASSERT_EQ(mc.command("error 0 7 6 -195 19"), "ok");  // REQUEST_TIMED_OUT, NOT_LEADER, disconnect, NOT_ENOUGH_REPLICAS
  for (int i = 0; i < 50; ++i) {
    std::string v = std::to_string(i);
    Message m;
    m.topic = topic;
    m.value = kafka::as_bytes(v);
    ASSERT_EQ(p->produce(m), 0);
    p->flush(10000);
  }
  EXPECT_EQ(c.ok, 50);
  EXPECT_EQ(c.failed, 0);
  EXPECT_GE(p->stats().retries, 3);
}

TEST(ProducerMock, PermanentErrorReported) {
  MockCluster mc(1, {"mock-perm:1"});
  Counts c;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}}, c);
  ClusterMetadata md;
  std::string topic = "mock-perm";
  ASSERT_EQ(p->metadata(false, &topic, md, 10000), 0);
  ASSERT_EQ(mc.command("error 0 29"), "ok");  // TOPIC_AUTHORIZATION_FAILED
  std::string v = "x";
  Message m;
  m.topic = topic;
  m.value = kafka::as_bytes(v);
  ASSERT_EQ(p->produce(m), 0);
  ASSERT_EQ(p->flush(10000), 0);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0], 29);
}

TEST(ProducerMock, IdempotentProducer) {
  MockCluster mc(3, {"mock-idem:3"});
  Counts c;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"enable.idempotence", "true"}, {"linger.ms", "2"}}, c);
  for (int i = 0; i < 2000; ++i) {
    std::string v = std::to_string(i);
    Message m;
    m.topic = "mock-idem";
    m.partition = i % 3;
    m.value = kafka::as_bytes(v);
    ASSERT_EQ(p->produce(m), 0);
  }
  ASSERT_EQ(p->flush(20000), 0);
  EXPECT_EQ(c.ok, 2000);
  std::string reason;
  EXPECT_EQ(p->fatal_error(reason), 0) << reason;
  for (int32_t part = 0; part < 3; ++part) {
    int64_t lo, hi;
    ASSERT_EQ(p->query_watermark_offsets("mock-idem", part, lo, hi, 10000), 0);
    EXPECT_EQ(hi, 2000 / 3 + (part < 2000 % 3 ? 1 : 0));
  }
}

// A consumer group of two against the mock cluster (its own group coordinator implementation):
// every partition owned once, every message consumed, commits visible through committed().
TEST(ConsumerMock, GroupOfTwoConsumesEverything) {
  MockCluster mc(3, {"mock-grp:4"});
  ASSERT_FALSE(mc.bootstrap().empty());
  Counts pc;
  {
    auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"linger.ms", "5"}}, pc);
    for (int i = 0; i < 400; ++i) {
      std::string v = "value-" + std::to_string(i);
      Message m;
      m.topic = "mock-grp";
      m.partition = i % 4;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(p->produce(m), 0);
    }
    ASSERT_EQ(p->flush(20000), 0);
    ASSERT_EQ(pc.ok, 400);
  }
  Properties props{{"bootstrap.servers", mc.bootstrap()},
                   {"group.id", "mock-group"},
                   {"auto.offset.reset", "earliest"},
                   {"heartbeat.interval.ms", "200"},
                   {"session.timeout.ms", "6000"},
                   {"auto.commit.interval.ms", "200"}};
  std::mutex mu;
  std::set<std::pair<int32_t, int64_t>> seen;
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<ConsumerCore>> cs;
  for (int i = 0; i < 2; ++i) {
    std::string errstr;
    ConsumerCallbacks ccb;
    if (std::getenv("KAFKAPLUS_TEST_DEBUG")) {  // protocol trace on demand
      props["debug"] = "all";
      props["log_level"] = "7";
      ccb.log = [i](int, const std::string& fac, const std::string& msg) {
        std::fprintf(stderr, "[c%d] %s %s\n", i, fac.c_str(), msg.c_str());
      };
    }
    cs.push_back(ConsumerCore::create(props, ccb, errstr));
    ASSERT_TRUE(cs.back()) << errstr;
    ASSERT_EQ(cs.back()->subscribe({"mock-grp"}), 0);
  }
  std::vector<std::thread> ths;
  for (auto& c : cs)
    ths.emplace_back([&, cp = c.get()] {
      while (!stop.load()) {
        auto m = cp->consume(50);
        if (m && !m->error()) {
          std::lock_guard lk(mu);
          seen.emplace(m->partition(), m->offset());
        }
      }
    });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool balanced = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto a = cs[0]->assignment(), b = cs[1]->assignment();
    std::set<int32_t> parts;
    for (auto& t : a) parts.insert(t.partition);
    for (auto& t : b) parts.insert(t.partition);
    size_t n;
    {
      std::lock_guard lk(mu);
      n = seen.size();
    }
    balanced = a.size() == 2 && b.size() == 2 && parts.size() == 4;
    if (balanced && n == 400) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop.store(true);
  for (auto& t : ths) t.join();
  EXPECT_TRUE(balanced);
  EXPECT_EQ(seen.size(), 400u);
  // Commit what each member consumed while the group is stable (a member leaving starts a
  // rebalance, during which the coordinator refuses commits).
  for (auto& c : cs) {
    int rc = c->commit(nullptr, false);
    EXPECT_TRUE(rc == 0 || rc == err(LocalErr::NO_OFFSET)) << err_name(rc);
  }
  for (auto& c : cs) EXPECT_EQ(c->close(), 0);
  std::string errstr;
  auto check = ConsumerCore::create(props, {}, errstr);
  ASSERT_TRUE(check) << errstr;
  TopicPartitionList com;
  for (int32_t p = 0; p < 4; ++p) {
    TopicPartitionOffset t;
    t.topic = "mock-grp";
    t.partition = p;
    com.push_back(t);
  }
  ASSERT_EQ(check->committed(com, 10000), 0);
  for (auto& t : com) {
    EXPECT_EQ(t.err, 0);
    EXPECT_EQ(t.offset, 100) << "partition " << t.partition;
  }
}

// Leaders move while a consumer reads: the old leaders answer NOT_LEADER_OR_FOLLOWER, the
// consumer refreshes metadata and continues at the new leaders without gaps or duplicates.
TEST(ConsumerMock, FollowsLeaderChanges) {
  MockCluster mc(3, {"mock-cl:2"});
  ASSERT_EQ(mc.command("leader mock-cl 0 1"), "ok");
  ASSERT_EQ(mc.command("leader mock-cl 1 2"), "ok");
  Counts pc;
  auto p = make({{"bootstrap.servers", mc.bootstrap()}, {"linger.ms", "5"}}, pc);
  auto produce_n = [&](int first, int n) {
    for (int i = first; i < first + n; ++i) {
      std::string v = "v" + std::to_string(i);
      Message m;
      m.topic = "mock-cl";
      m.partition = i % 2;
      m.value = kafka::as_bytes(v);
      ASSERT_EQ(p->produce(m), 0);
    }
    ASSERT_EQ(p->flush(20000), 0);
  };
  produce_n(0, 200);
  std::string errstr;
  auto c = ConsumerCore::create({{"bootstrap.servers", mc.bootstrap()}, {"fetch.error.backoff.ms", "50"},
                                 {"topic.metadata.refresh.interval.ms", "1000"}},
                                {}, errstr);
  ASSERT_TRUE(c) << errstr;
  TopicPartitionList parts;
  for (int32_t i = 0; i < 2; ++i) {
    TopicPartitionOffset t;
    t.topic = "mock-cl";
    t.partition = i;
    t.offset = kOffsetBeginning;
    parts.push_back(t);
  }
  ASSERT_EQ(c->assign(parts), 0);
  std::map<int32_t, std::vector<int64_t>> got;
  auto consume_until = [&](size_t total) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    size_t n = 0;
    for (auto& [k, v] : got) n += v.size();
    while (n < total && std::chrono::steady_clock::now() < deadline) {
      auto m = c->consume(100);
      if (!m || m->error()) continue;
      got[m->partition()].push_back(m->offset());
      ++n;
    }
    return n;
  };
  EXPECT_EQ(consume_until(200), 200u);
  ASSERT_EQ(mc.command("leader mock-cl 0 3"), "ok");
  ASSERT_EQ(mc.command("leader mock-cl 1 1"), "ok");
  produce_n(200, 200);
  EXPECT_EQ(consume_until(400), 400u);
  for (int32_t part = 0; part < 2; ++part) {
    auto& offs = got[part];
    ASSERT_EQ(offs.size(), 200u) << "partition " << part;
    for (size_t i = 0; i < offs.size(); ++i) EXPECT_EQ(offs[i], static_cast<int64_t>(i));
  }
}

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string self = argv[0];
  g_launcher = self.substr(0, self.rfind('/') + 1) + "client_mock_cluster";
  if (::access(g_launcher.c_str(), X_OK) != 0) {
    std::fprintf(stderr, "launcher %s not found\n", g_launcher.c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}
