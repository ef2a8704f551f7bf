// The consumer core against an in-process refbroker: known data produced by the producer core
// (keys, values, headers, timestamps, every codec) read back through assign(); logical offsets,
// seek/position/committed/offsets_for_times; commits (sync, async, auto) and resuming from
// them; auto.offset.reset; partition EOF; pause/resume; groups of one and of three members in
// one process (each partition owned exactly once, nothing lost across a member leaving),
// cooperative-sticky, regex subscriptions picking up a new topic, max.poll.interval.ms; bad config.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "client_test_util.h"
#include "consumer.h"
#include "producer.h"

using namespace kafka::client;

namespace {

constexpr int64_t kTs0 = 1700000000000;

// The in-process refbroker sends Fetch data with sendfile(), which raises SIGPIPE when a consumer
// closes its connection mid-response; refbroker's own main() ignores SIGPIPE, so do we.
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

TopicPartitionOffset tpo(const std::string& topic, int32_t partition, int64_t offset) {
  TopicPartitionOffset t;
  t.topic = topic;
  t.partition = partition;
  t.offset = offset;
  return t;
}

std::string str(const kafka::NullableBytes& b) { return b ? std::string(kafka::as_string(*b)) : std::string("<null>"); }

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Produced {
  std::string key, value;
  int64_t ts;
};

// Produces n messages to topic/partition with known keys/values/headers/timestamps.
void produce(const std::string& bootstrap, const std::string& topic, int32_t partition, int n, int first = 0,
             const std::string& codec = "none") {
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap}, {"compression.type", codec}, {"linger.ms", "5"}},
                                {}, errstr);
  ASSERT_TRUE(p) << errstr;
  for (int i = first; i < first + n; ++i) {
    std::string key = "key-" + std::to_string(i), value = "value-" + std::to_string(i);
    Message m;
    m.topic = topic;
    m.partition = partition;
    m.key = kafka::as_bytes(key);
    m.value = kafka::as_bytes(value);
    m.timestamp = kTs0 + i;
    std::string hv = "h" + std::to_string(i);
    kafka::RecordHeader hs[1] = {{"idx", kafka::as_bytes(hv)}};
    m.headers = hs;
    ASSERT_EQ(p->produce(m, true), 0);
  }
  ASSERT_EQ(p->flush(15000), 0);
}

std::unique_ptr<ConsumerCore> make(Properties props, ConsumerCallbacks cb = {}) {
  std::string errstr;
  auto c = ConsumerCore::create(props, std::move(cb), errstr);
  EXPECT_TRUE(c) << errstr;
  return c;
}

// Consumes until `n` messages (no errors) arrived or the deadline passes; error messages go to
// `errors` when given.
std::vector<ConsumerMessagePtr> consume_n(ConsumerCore& c, size_t n, int timeout_ms = 15000,
                                          std::vector<int>* errors = nullptr) {
  std::vector<ConsumerMessagePtr> out;
  int64_t deadline = now_ms() + timeout_ms;
  while (out.size() < n && now_ms() < deadline) {
    auto m = c.consume(100);
    if (!m) continue;
    if (m->error()) {
      if (errors) errors->push_back(m->error());
      continue;
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Waits for an error message with code `code`; returns it or nullptr.
ConsumerMessagePtr wait_error(ConsumerCore& c, int code, int timeout_ms = 15000,
                              std::vector<ConsumerMessagePtr>* msgs = nullptr) {
  int64_t deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    auto m = c.consume(100);
    if (!m) continue;
    if (m->error() == code) return m;
    if (!m->error() && msgs) msgs->push_back(std::move(m));
  }
  return nullptr;
}

TopicPartitionList tpl(const std::string& topic, std::vector<int32_t> parts, int64_t offset = kOffsetInvalid) {
  TopicPartitionList l;
  for (int32_t p : parts) l.push_back(tpo(topic, p, offset));
  return l;
}

class ConsumerTest : public client_test::BrokerTest {
 protected:
  std::map<std::string, std::string> broker_config() override {
    // Short sessions so liveness tests run in seconds.
    return {{"refbroker.log.fsync", "false"}, {"group.min.session.timeout.ms", "100"}};
  }
  Properties base(const std::string& group = {}) {
    Properties p{{"bootstrap.servers", bootstrap()}, {"auto.offset.reset", "earliest"}};
    if (!group.empty()) p["group.id"] = group;
    return p;
  }
};

void expect_known(const ConsumerMessage& m, const std::string& topic, int32_t partition, int64_t offset, int idx) {
  EXPECT_EQ(m.error(), 0);
  EXPECT_EQ(m.topic(), topic);
  EXPECT_EQ(m.partition(), partition);
  EXPECT_EQ(m.offset(), offset);
  EXPECT_EQ(str(m.key()), "key-" + std::to_string(idx));
  EXPECT_EQ(str(m.value()), "value-" + std::to_string(idx));
  EXPECT_EQ(m.timestamp(), kTs0 + idx);
  EXPECT_EQ(m.timestamp_type(), TimestampType::CreateTime);
  auto hs = m.headers().to_owned();
  ASSERT_EQ(hs.size(), 1u);
  EXPECT_EQ(hs[0].key, "idx");
  ASSERT_TRUE(hs[0].value);
  EXPECT_EQ(std::string(hs[0].value->begin(), hs[0].value->end()), "h" + std::to_string(idx));
}

}  // namespace

TEST(ConsumerConfigTest, BadValuesAreRejectedWithThePropertyName) {
  struct Case {
    Properties props;
    const char* needle;
  };
  std::vector<Case> cases = {
      {{{"auto.offset.reset", "sometimes"}}, "auto.offset.reset"},
      {{{"session.timeout.ms", "abc"}}, "session.timeout.ms"},
      {{{"partition.assignment.strategy", "sticky-ish"}}, "partition.assignment.strategy"},
      {{{"partition.assignment.strategy", "range,cooperative-sticky"}}, "partition.assignment.strategy"},
      {{{"enable.auto.commit", "maybe"}}, "enable.auto.commit"},
      {{{"isolation.level", "dirty"}}, "isolation.level"},
      {{{"heartbeat.interval.ms", "50000"}}, "heartbeat.interval.ms"},
      {{{"session.timeout.ms", "60000"}, {"max.poll.interval.ms", "10000"}}, "max.poll.interval.ms"},
      {{{"fetch.wait.max.ms", "-5"}}, "fetch.wait.max.ms"},
      {{{"queued.min.messages", "0"}}, "queued.min.messages"},
  };
  for (auto& c : cases) {
    std::string errstr;
    auto consumer = ConsumerCore::create(c.props, {}, errstr);
    EXPECT_FALSE(consumer) << c.needle;
    EXPECT_NE(errstr.find(c.needle), std::string::npos) << errstr;
  }
  std::string errstr;
  auto ok = ConsumerCore::create({{"group.id", "g"}, {"client.id", "me"}, {"auto.offset.reset", "smallest"}}, {}, errstr);
  ASSERT_TRUE(ok) << errstr;
  EXPECT_EQ(ok->name().rfind("me#consumer-", 0), 0u) << ok->name();
  EXPECT_EQ(ok->subscription().size(), 0u);
  EXPECT_EQ(ok->close(), 0);
  EXPECT_TRUE(ok->closed());
  EXPECT_FALSE(ok->consume(0));
}

TEST_F(ConsumerTest, AssignConsumesKnownDataWithEveryCodec) {
  for (std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    std::string topic = "known-" + codec;
    client_test::create_topic(bootstrap(), topic, 2);
    produce(bootstrap(), topic, 0, 300, 0, codec);
    produce(bootstrap(), topic, 1, 200, 1000, codec);
    auto c = make(base());
    ASSERT_EQ(c->assign(tpl(topic, {0, 1}, kOffsetBeginning)), 0);
    EXPECT_EQ(c->assignment().size(), 2u);
    auto msgs = consume_n(*c, 500);
    ASSERT_EQ(msgs.size(), 500u);
    int64_t next[2] = {0, 0};
    for (auto& m : msgs) {
      int32_t p = m->partition();
      ASSERT_TRUE(p == 0 || p == 1);
      expect_known(*m, topic, p, next[p], static_cast<int>(next[p] + (p == 1 ? 1000 : 0)));
      ++next[p];
    }
    EXPECT_EQ(next[0], 300);
    EXPECT_EQ(next[1], 200);
    EXPECT_FALSE(c->consume(200)) << "no more messages";
    int64_t low = -5, high = -5;
    ASSERT_EQ(c->get_watermark_offsets(topic, 0, low, high), 0);
    EXPECT_EQ(low, 0);
    EXPECT_EQ(high, 300);
    ASSERT_EQ(c->close(), 0);
  }
}

TEST_F(ConsumerTest, LogicalOffsetsBeginningEndTailAndStored) {
  const std::string topic = "logical";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 50);
  {
    auto c = make(base());
    ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetTail(5))), 0);
    auto msgs = consume_n(*c, 5);
    ASSERT_EQ(msgs.size(), 5u);
    for (int i = 0; i < 5; ++i) expect_known(*msgs[i], topic, 0, 45 + i, 45 + i);
    EXPECT_FALSE(c->consume(300));
  }
  {
    auto c = make(base());
    ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetEnd)), 0);
    // Only what is produced after the end offset was resolved comes back.
    int64_t deadline = now_ms() + 10000;
    TopicPartitionList pos = tpl(topic, {0});
    while (now_ms() < deadline) {
      c->consume(50);
      pos = tpl(topic, {0});
      c->position(pos);
      if (pos[0].offset == 50) break;
    }
    ASSERT_EQ(pos[0].offset, 50);
    produce(bootstrap(), topic, 0, 3, 50);
    auto msgs = consume_n(*c, 3);
    ASSERT_EQ(msgs.size(), 3u);
    expect_known(*msgs[0], topic, 0, 50, 50);
  }
  {
    auto c = make(base());  // no group: stored = auto.offset.reset (earliest)
    ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetStored)), 0);
    auto msgs = consume_n(*c, 1);
    ASSERT_EQ(msgs.size(), 1u);
    expect_known(*msgs[0], topic, 0, 0, 0);
  }
  {
    auto c = make(base());
    ASSERT_EQ(c->assign(tpl(topic, {0}, 20)), 0);
    auto msgs = consume_n(*c, 1);
    ASSERT_EQ(msgs.size(), 1u);
    expect_known(*msgs[0], topic, 0, 20, 20);
  }
}

TEST_F(ConsumerTest, SeekPositionOffsetsForTimesAndWatermarks) {
  const std::string topic = "seek";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 100);
  auto c = make(base());
  ASSERT_EQ(c->assign(tpl(topic, {0}, 0)), 0);
  auto first = consume_n(*c, 10);
  ASSERT_EQ(first.size(), 10u);
  TopicPartitionList pos = tpl(topic, {0});
  ASSERT_EQ(c->position(pos), 0);
  EXPECT_EQ(pos[0].offset, 10);
  TopicPartitionList other = tpl(topic, {7});
  c->position(other);
  EXPECT_NE(other[0].err, 0);

  ASSERT_EQ(c->seek(topic, 0, 70, 1000), 0);
  auto after = consume_n(*c, 1);
  ASSERT_EQ(after.size(), 1u);
  expect_known(*after[0], topic, 0, 70, 70);
  ASSERT_EQ(c->seek(topic, 0, kOffsetBeginning, 1000), 0);
  after = consume_n(*c, 1);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]->offset(), 0);
  EXPECT_EQ(c->seek(topic, 3, 0, 1000), err(LocalErr::UNKNOWN_PARTITION));

  TopicPartitionList times{tpo(topic, 0, kTs0 + 42)};
  ASSERT_EQ(c->offsets_for_times(times, 5000), 0);
  EXPECT_EQ(times[0].err, 0);
  EXPECT_EQ(times[0].offset, 42);
  int64_t low = -1, high = -1;
  ASSERT_EQ(c->query_watermark_offsets(topic, 0, low, high, 5000), 0);
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 100);
  ClusterMetadata md;
  ASSERT_EQ(c->metadata(true, nullptr, md, 5000), 0);
  bool found = false;
  for (auto& t : md.topics) found |= t.topic == topic;
  EXPECT_TRUE(found);
}

TEST_F(ConsumerTest, CommitSyncAsyncAutoAndResumeAfterRecreate) {
  const std::string topic = "commits";
  client_test::create_topic(bootstrap(), topic, 2);
  produce(bootstrap(), topic, 0, 40);
  produce(bootstrap(), topic, 1, 40, 100);
  std::mutex mu;
  std::vector<std::pair<int, TopicPartitionList>> results;
  ConsumerCallbacks cb;
  cb.offset_commit = [&](int e, const TopicPartitionList& offs) {
    std::lock_guard lk(mu);
    results.emplace_back(e, offs);
  };
  {
    Properties p = base("commit-group");
    p["enable.auto.commit"] = "false";
    auto c = make(p, cb);
    EXPECT_EQ(c->commit(nullptr, false), err(LocalErr::NO_OFFSET));
    ASSERT_EQ(c->assign(tpl(topic, {0, 1}, kOffsetStored)), 0);
    auto msgs = consume_n(*c, 20);
    ASSERT_EQ(msgs.size(), 20u);
    // Sync commit of the stored positions.
    ASSERT_EQ(c->commit(nullptr, false), 0);
    int64_t next[2] = {kOffsetInvalid, kOffsetInvalid};  // what was consumed: committed
    for (auto& m : msgs) next[m->partition()] = m->offset() + 1;
    TopicPartitionList com = tpl(topic, {0, 1});
    ASSERT_EQ(c->committed(com, 5000), 0);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(com[i].err, 0);
      EXPECT_EQ(com[i].offset, next[i]);
    }
    // Explicit offsets with metadata, async: the callback reports them.
    TopicPartitionList explicit_offs{tpo(topic, 0, 7), tpo(topic, 1, 9)};
    explicit_offs[0].metadata = "meta-0";
    ASSERT_EQ(c->commit(&explicit_offs, true), 0);
    int64_t deadline = now_ms() + 5000;
    for (;;) {
      c->poll(100);
      std::lock_guard lk(mu);
      if (results.size() >= 2 || now_ms() > deadline) break;
    }
    {
      std::lock_guard lk(mu);
      ASSERT_GE(results.size(), 2u);
      EXPECT_EQ(results.back().first, 0);
      ASSERT_EQ(results.back().second.size(), 2u);
      EXPECT_EQ(results.back().second[0].offset, 7);
    }
    com = tpl(topic, {0, 1});
    ASSERT_EQ(c->committed(com, 5000), 0);
    EXPECT_EQ(com[0].offset, 7);
    EXPECT_EQ(com[0].metadata, "meta-0");
    EXPECT_EQ(com[1].offset, 9);
    c->close();
  }
  {
    // Resume from the committed offsets (auto commit on), then close commits the final positions.
    Properties p = base("commit-group");
    p["auto.commit.interval.ms"] = "100";
    auto c = make(p);
    ASSERT_EQ(c->assign(tpl(topic, {0, 1}, kOffsetStored)), 0);
    auto msgs = consume_n(*c, 5);
    ASSERT_EQ(msgs.size(), 5u);
    for (auto& m : msgs) EXPECT_GE(m->offset(), m->partition() == 0 ? 7 : 9);
    int64_t first0 = -1, first1 = -1;
    for (auto& m : msgs) {
      if (m->partition() == 0 && first0 < 0) first0 = m->offset();
      if (m->partition() == 1 && first1 < 0) first1 = m->offset();
    }
    if (first0 >= 0) EXPECT_EQ(first0, 7);
    if (first1 >= 0) EXPECT_EQ(first1, 9);
    // Consume everything; the auto commit timer stores it.
    auto rest = consume_n(*c, 80 - 16 - 5, 15000);
    EXPECT_EQ(rest.size(), static_cast<size_t>(80 - 16 - 5));
    TopicPartitionList com = tpl(topic, {0, 1});
    int64_t deadline = now_ms() + 5000;
    while (now_ms() < deadline) {
      com = tpl(topic, {0, 1});
      ASSERT_EQ(c->committed(com, 5000), 0);
      if (com[0].offset == 40 && com[1].offset == 40) break;
      c->consume(50);
    }
    EXPECT_EQ(com[0].offset, 40);
    EXPECT_EQ(com[1].offset, 40);
    ASSERT_EQ(c->close(), 0);
  }
}

TEST_F(ConsumerTest, OffsetsStoreAndFinalCommitOnClose) {
  const std::string topic = "store";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 30);
  {
    Properties p = base("store-group");
    p["enable.auto.offset.store"] = "false";
    p["auto.commit.interval.ms"] = "600000";  // only the final commit on close
    auto c = make(p);
    TopicPartitionList not_assigned{tpo(topic, 0, 5)};
    EXPECT_EQ(c->offsets_store(not_assigned), err(LocalErr::STATE));
    ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetBeginning)), 0);
    ASSERT_EQ(consume_n(*c, 30).size(), 30u);
    TopicPartitionList st{tpo(topic, 0, 12)};
    ASSERT_EQ(c->offsets_store(st), 0);
    ASSERT_EQ(c->close(), 0);
  }
  auto c = make(base("store-group"));
  ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetStored)), 0);
  auto msgs = consume_n(*c, 1);
  ASSERT_EQ(msgs.size(), 1u);
  expect_known(*msgs[0], topic, 0, 12, 12);
}

TEST_F(ConsumerTest, AutoOffsetResetErrorEarliestLatest) {
  const std::string topic = "reset";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 10);
  {
    Properties p = base();
    p["auto.offset.reset"] = "error";
    auto c = make(p);
    ASSERT_EQ(c->assign(tpl(topic, {0}, 500)), 0);  // out of range
    auto e = wait_error(*c, err(LocalErr::AUTO_OFFSET_RESET));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->topic(), topic);
    EXPECT_EQ(e->partition(), 0);
  }
  {
    Properties p = base();
    p["auto.offset.reset"] = "earliest";
    auto c = make(p);
    ASSERT_EQ(c->assign(tpl(topic, {0}, 500)), 0);
    auto msgs = consume_n(*c, 1);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0]->offset(), 0);
  }
  {
    Properties p = base();
    p["auto.offset.reset"] = "latest";
    p["enable.partition.eof"] = "true";
    auto c = make(p);
    ASSERT_EQ(c->assign(tpl(topic, {0}, 500)), 0);
    std::vector<ConsumerMessagePtr> before;
    auto eof = wait_error(*c, err(LocalErr::PARTITION_EOF), 10000, &before);
    ASSERT_TRUE(eof);
    EXPECT_EQ(eof->offset(), 10);
    EXPECT_TRUE(before.empty());
  }
}

TEST_F(ConsumerTest, PartitionEofOncePerReachingTheEnd) {
  const std::string topic = "eof";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 5);
  Properties p = base();
  p["enable.partition.eof"] = "true";
  p["fetch.wait.max.ms"] = "50";
  auto c = make(p);
  ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetBeginning)), 0);
  std::vector<ConsumerMessagePtr> msgs;
  auto eof = wait_error(*c, err(LocalErr::PARTITION_EOF), 10000, &msgs);
  ASSERT_TRUE(eof);
  EXPECT_EQ(msgs.size(), 5u);
  EXPECT_EQ(eof->offset(), 5);
  // No second EOF while nothing new arrives.
  EXPECT_FALSE(wait_error(*c, err(LocalErr::PARTITION_EOF), 600));
  produce(bootstrap(), topic, 0, 2, 5);
  msgs.clear();
  eof = wait_error(*c, err(LocalErr::PARTITION_EOF), 10000, &msgs);
  ASSERT_TRUE(eof);
  EXPECT_EQ(msgs.size(), 2u);
  EXPECT_EQ(eof->offset(), 7);
}

TEST_F(ConsumerTest, PauseStopsAndResumeContinuesFromThePosition) {
  const std::string topic = "pause";
  client_test::create_topic(bootstrap(), topic, 2);
  produce(bootstrap(), topic, 0, 20);
  produce(bootstrap(), topic, 1, 20, 100);
  Properties p = base();
  p["fetch.wait.max.ms"] = "50";
  auto c = make(p);
  ASSERT_EQ(c->assign(tpl(topic, {0, 1}, kOffsetBeginning)), 0);
  // Read a few from partition 0, then pause it.
  std::vector<ConsumerMessagePtr> seen;
  int64_t deadline = now_ms() + 10000;
  int p0 = 0;
  while (p0 < 3 && now_ms() < deadline) {
    auto m = c->consume(100);
    if (m && !m->error()) {
      if (m->partition() == 0) ++p0;
      seen.push_back(std::move(m));
    }
  }
  ASSERT_EQ(p0, 3);
  TopicPartitionList pp = tpl(topic, {0});
  ASSERT_EQ(c->pause(pp), 0);
  TopicPartitionList pos = tpl(topic, {0});
  c->position(pos);
  ASSERT_EQ(pos[0].offset, 3);
  auto more = consume_n(*c, 100, 1500);
  for (auto& m : more) EXPECT_EQ(m->partition(), 1) << "paused partition delivered offset " << m->offset();
  ASSERT_EQ(c->resume(pp), 0);
  auto rest = consume_n(*c, 17, 10000);
  ASSERT_EQ(rest.size(), 17u);
  for (size_t i = 0; i < rest.size(); ++i) {
    EXPECT_EQ(rest[i]->partition(), 0);
    EXPECT_EQ(rest[i]->offset(), static_cast<int64_t>(3 + i));
  }
}

namespace {

// A consumer in a group, driven by its own thread: consume() loop with a rebalance callback
// recording the assignment; messages kept per partition.
struct Member {
  std::unique_ptr<ConsumerCore> c;
  std::mutex mu;
  std::set<std::pair<std::string, int32_t>> owned;
  std::vector<std::tuple<std::string, int32_t, int64_t>> got;
  std::atomic<bool> stop{false};
  std::atomic<int> assigns{0}, revokes{0};
  std::thread th;
  bool cooperative = false;

  Member(Properties p, const std::vector<std::string>& topics, bool coop = false) : cooperative(coop) {
    ConsumerCallbacks cb;
    cb.rebalance = [this](int e, TopicPartitionList& parts) {
      std::lock_guard lk(mu);
      if (e == err(LocalErr::ASSIGN_PARTITIONS)) {
        ++assigns;
        for (auto& t : parts) owned.emplace(t.topic, t.partition);
        if (cooperative) EXPECT_EQ(c->incremental_assign(parts), 0);
        else EXPECT_EQ(c->assign(parts), 0);
      } else {
        ++revokes;
        for (auto& t : parts) owned.erase({t.topic, t.partition});
        if (cooperative) EXPECT_EQ(c->incremental_unassign(parts), 0);
        else EXPECT_EQ(c->assign({}), 0);
      }
    };
    std::string errstr;
    c = ConsumerCore::create(p, std::move(cb), errstr);
    EXPECT_TRUE(c) << errstr;
    EXPECT_EQ(c->subscribe(topics), 0);
    th = std::thread([this] {
      while (!stop.load()) {
        auto m = c->consume(50);
        if (m && !m->error()) {
          std::lock_guard lk(mu);
          got.emplace_back(m->topic(), m->partition(), m->offset());
        }
      }
    });
  }
  void close() {
    stop.store(true);
    if (th.joinable()) th.join();
    if (c) c->close();
  }
  ~Member() { close(); }  // before the members the rebalance callback uses go away
  std::set<std::pair<std::string, int32_t>> owned_now() {
    std::lock_guard lk(mu);
    return owned;
  }
  size_t count() {
    std::lock_guard lk(mu);
    return got.size();
  }
};

// Waits until the members' assignments partition `expected` exactly (each owned once).
bool wait_balanced(std::vector<Member*> ms, const std::set<std::pair<std::string, int32_t>>& expected,
                   int timeout_ms = 30000) {
  int64_t deadline = now_ms() + timeout_ms;
  while (now_ms() < deadline) {
    std::multiset<std::pair<std::string, int32_t>> all;
    bool each_has = true;
    for (Member* m : ms) {
      auto o = m->owned_now();
      auto a = m->c->assignment();
      if (o.size() != a.size()) each_has = false;
      if (o.empty() && ms.size() <= expected.size()) each_has = false;
      all.insert(o.begin(), o.end());
    }
    std::set<std::pair<std::string, int32_t>> uniq(all.begin(), all.end());
    if (each_has && all.size() == expected.size() && uniq == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_F(ConsumerTest, GroupOfOneGetsEveryPartition) {
  const std::string topic = "group1";
  client_test::create_topic(bootstrap(), topic, 3);
  for (int p = 0; p < 3; ++p) produce(bootstrap(), topic, p, 10, p * 100);
  Properties props = base("g1");
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "3000";
  Member m(props, {topic});
  ASSERT_TRUE(wait_balanced({&m}, {{topic, 0}, {topic, 1}, {topic, 2}}));
  int64_t deadline = now_ms() + 10000;
  while (m.count() < 30 && now_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(m.count(), 30u);
  EXPECT_EQ(m.c->rebalance_protocol(), RebalanceProtocol::Eager);
  GroupMetadata gm = m.c->group_metadata();
  EXPECT_EQ(gm.group_id, "g1");
  EXPECT_GE(gm.generation_id, 1);
  EXPECT_FALSE(gm.member_id.empty());
  EXPECT_EQ(m.c->subscription(), std::vector<std::string>{topic});
  m.close();
  EXPECT_GE(m.revokes.load(), 1);  // close() revokes through the callback
}

void run_group_of_three(ConsumerTest* t, const std::string& bootstrap, const std::string& strategy) {
  const std::string topic = "group3-" + strategy;
  client_test::create_topic(bootstrap, topic, 6);
  std::set<std::pair<std::string, int32_t>> all;
  for (int p = 0; p < 6; ++p) all.emplace(topic, p);
  for (int p = 0; p < 6; ++p) produce(bootstrap, topic, p, 20, p * 1000);
  bool coop = strategy == "cooperative-sticky";
  Properties props{{"bootstrap.servers", bootstrap},
                   {"group.id", "g3-" + strategy},
                   {"auto.offset.reset", "earliest"},
                   {"partition.assignment.strategy", strategy},
                   {"heartbeat.interval.ms", "100"},
                   {"session.timeout.ms", "3000"},
                   {"auto.commit.interval.ms", "100"}};
  auto a = std::make_unique<Member>(props, std::vector<std::string>{topic}, coop);
  ASSERT_TRUE(wait_balanced({a.get()}, all));
  auto b = std::make_unique<Member>(props, std::vector<std::string>{topic}, coop);
  auto c = std::make_unique<Member>(props, std::vector<std::string>{topic}, coop);
  ASSERT_TRUE(wait_balanced({a.get(), b.get(), c.get()}, all)) << "three members";
  for (Member* m : {a.get(), b.get(), c.get()}) EXPECT_EQ(m->owned_now().size(), 2u);
  // All 120 messages consumed by someone.
  int64_t deadline = now_ms() + 15000;
  auto distinct = [&] {
    std::set<std::tuple<std::string, int32_t, int64_t>> s;
    for (Member* m : {a.get(), b.get(), c.get()}) {
      std::lock_guard lk(m->mu);
      s.insert(m->got.begin(), m->got.end());
    }
    return s;
  };
  while (distinct().size() < 120 && now_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(distinct().size(), 120u);
  // One member leaves; the others take over its partitions; more data arrives and none is lost.
  b->close();
  ASSERT_TRUE(wait_balanced({a.get(), c.get()}, all)) << "after a member left";
  for (int p = 0; p < 6; ++p) produce(bootstrap, topic, p, 10, p * 1000 + 20);
  deadline = now_ms() + 20000;
  while (distinct().size() < 180 && now_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto seen = distinct();
  EXPECT_EQ(seen.size(), 180u);
  for (int p = 0; p < 6; ++p)
    for (int64_t o = 0; o < 30; ++o) EXPECT_TRUE(seen.count({topic, p, o})) << "lost " << p << "/" << o;
  EXPECT_EQ(a->c->rebalance_protocol(), coop ? RebalanceProtocol::Cooperative : RebalanceProtocol::Eager);
  a->close();
  c->close();
  (void)t;
}

TEST_F(ConsumerTest, GroupOfThreeRangeEveryPartitionOnceNothingLost) {
  run_group_of_three(this, bootstrap(), "range");
}

TEST_F(ConsumerTest, GroupOfThreeRoundRobin) { run_group_of_three(this, bootstrap(), "roundrobin"); }

TEST_F(ConsumerTest, GroupOfThreeCooperativeSticky) { run_group_of_three(this, bootstrap(), "cooperative-sticky"); }

TEST_F(ConsumerTest, SubscribedTopicMissingIsReportedOnce) {
  Properties props = base("g-missing");
  auto c = make(props);
  ASSERT_EQ(c->subscribe({"does-not-exist"}), 0);
  auto e = wait_error(*c, static_cast<int>(kafka::Error::UNKNOWN_TOPIC_OR_PARTITION), 10000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->topic(), "does-not-exist");
  EXPECT_FALSE(wait_error(*c, static_cast<int>(kafka::Error::UNKNOWN_TOPIC_OR_PARTITION), 1500));
  std::string errstr;
  auto no_group = ConsumerCore::create({{"bootstrap.servers", bootstrap()}}, {}, errstr);
  ASSERT_TRUE(no_group) << errstr;
  EXPECT_EQ(no_group->subscribe({"x"}), err(LocalErr::INVALID_ARG)) << "subscribe needs group.id";
}

TEST_F(ConsumerTest, RegexSubscriptionPicksUpNewTopic) {
  client_test::create_topic(bootstrap(), "rx-one", 1);
  client_test::create_topic(bootstrap(), "other", 1);
  produce(bootstrap(), "rx-one", 0, 5);
  produce(bootstrap(), "other", 0, 5);
  Properties props = base("g-regex");
  props["topic.metadata.refresh.interval.ms"] = "200";
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "3000";
  Member m(props, {"^rx-.*"});
  ASSERT_TRUE(wait_balanced({&m}, {{"rx-one", 0}}));
  client_test::create_topic(bootstrap(), "rx-two", 2);
  produce(bootstrap(), "rx-two", 1, 4);
  ASSERT_TRUE(wait_balanced({&m}, {{"rx-one", 0}, {"rx-two", 0}, {"rx-two", 1}}));
  int64_t deadline = now_ms() + 10000;
  while (m.count() < 9 && now_ms() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::lock_guard lk(m.mu);
  EXPECT_EQ(m.got.size(), 9u);
  for (auto& [t, p, o] : m.got) EXPECT_NE(t, "other");
}

TEST_F(ConsumerTest, MaxPollIntervalExceededLosesTheAssignment) {
  const std::string topic = "maxpoll";
  client_test::create_topic(bootstrap(), topic, 2);
  Properties props = base("g-maxpoll");
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "1000";
  props["max.poll.interval.ms"] = "1500";
  std::vector<std::pair<int, bool>> calls;  // (err, lost)
  ConsumerCore* self = nullptr;
  ConsumerCallbacks cb;
  cb.rebalance = [&](int e, TopicPartitionList& parts) {
    calls.emplace_back(e, self->assignment_lost());
    if (e == err(LocalErr::ASSIGN_PARTITIONS)) self->assign(parts);
    else self->assign({});
  };
  auto c = make(props, cb);
  self = c.get();
  ASSERT_EQ(c->subscribe({topic}), 0);
  int64_t deadline = now_ms() + 10000;
  while (c->assignment().size() != 2 && now_ms() < deadline) c->consume(50);
  ASSERT_EQ(c->assignment().size(), 2u);
  std::string before = c->member_id();
  EXPECT_FALSE(before.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the application stalls
  auto m = c->consume(1000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->error(), err(LocalErr::MAX_POLL_EXCEEDED)) << err_name(m->error());
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls.back().first, err(LocalErr::REVOKE_PARTITIONS));
  EXPECT_TRUE(calls.back().second) << "revoke served as lost";
  EXPECT_TRUE(c->assignment().empty());
  // Consuming again rejoins and gets the partitions back.
  deadline = now_ms() + 10000;
  while (c->assignment().size() != 2 && now_ms() < deadline) c->consume(50);
  EXPECT_EQ(c->assignment().size(), 2u);
  EXPECT_FALSE(c->assignment_lost());
}

TEST_F(ConsumerTest, StaticMemberRestartsWithoutRebalanceAndADuplicateIsFenced) {
  const std::string topic = "static";
  client_test::create_topic(bootstrap(), topic, 2);
  Properties props = base("g-static");
  props["group.instance.id"] = "instance-1";
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "6000";
  auto wait_assigned = [](ConsumerCore& c) {
    int64_t deadline = now_ms() + 10000;
    while (c.assignment().size() != 2 && now_ms() < deadline) c.consume(50);
    return c.assignment().size() == 2;
  };
  int32_t first_generation = -1;
  {
    auto c = make(props);
    ASSERT_EQ(c->subscribe({topic}), 0);
    ASSERT_TRUE(wait_assigned(*c));
    first_generation = c->group_metadata().generation_id;
    EXPECT_EQ(c->group_metadata().group_instance_id, std::optional<std::string>("instance-1"));
    ASSERT_EQ(c->close(), 0);  // no LeaveGroup for a static member
  }
  // The restarted instance takes its place without a rebalance (no LeaveGroup was sent).
  auto c = make(props);
  ASSERT_EQ(c->subscribe({topic}), 0);
  ASSERT_TRUE(wait_assigned(*c));
  EXPECT_EQ(c->group_metadata().generation_id, first_generation) << "a LeaveGroup would have forced a rebalance";
  // A second live consumer with the same instance id fences the first: fatal for it.
  auto dup = make(props);
  ASSERT_EQ(dup->subscribe({topic}), 0);
  std::thread dup_poll([&] {
    int64_t deadline = now_ms() + 8000;
    while (now_ms() < deadline && dup->assignment().size() != 2) dup->consume(50);
  });
  auto fatal = wait_error(*c, err(LocalErr::FATAL), 10000);
  dup_poll.join();
  ASSERT_TRUE(fatal);
  std::string reason;
  EXPECT_EQ(c->fatal_error(reason), static_cast<int>(kafka::Error::FENCED_INSTANCE_ID));
  EXPECT_FALSE(reason.empty());
  EXPECT_EQ(dup->assignment().size(), 2u);
}

TEST_F(ConsumerTest, StatisticsCallbackServedByPoll) {
  Properties props = base();
  props["statistics.interval.ms"] = "100";
  std::vector<std::string> docs;
  ConsumerCallbacks cb;
  cb.stats = [&](const std::string& js) { docs.push_back(js); };
  auto c = make(props, cb);
  int64_t deadline = now_ms() + 5000;
  while (docs.empty() && now_ms() < deadline) c->poll(100);
  ASSERT_FALSE(docs.empty());
  EXPECT_NE(docs[0].find("\"type\":\"consumer\""), std::string::npos) << docs[0];
  EXPECT_NE(docs[0].find(c->name()), std::string::npos) << docs[0];
}

TEST_F(ConsumerTest, UnsubscribeRevokesCommitsInTheCallbackThenLeaves) {
  const std::string topic = "unsub";
  client_test::create_topic(bootstrap(), topic, 2);
  produce(bootstrap(), topic, 0, 10);
  produce(bootstrap(), topic, 1, 10, 100);
  Properties props = base("g-unsub");
  props["enable.auto.commit"] = "false";
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "3000";
  ConsumerCore* self = nullptr;
  int revoke_commit_rc = 1;
  int revokes = 0;
  ConsumerCallbacks cb;
  cb.rebalance = [&](int e, TopicPartitionList& parts) {
    if (e == err(LocalErr::ASSIGN_PARTITIONS)) {
      self->assign(parts);
    } else {
      ++revokes;
      revoke_commit_rc = self->commit(nullptr, false);  // still a member of the generation
      self->assign({});
    }
  };
  auto c = make(props, cb);
  self = c.get();
  ASSERT_EQ(c->subscribe({topic}), 0);
  auto msgs = consume_n(*c, 20);
  ASSERT_EQ(msgs.size(), 20u);
  ASSERT_EQ(c->unsubscribe(), 0);
  EXPECT_TRUE(c->subscription().empty());
  int64_t deadline = now_ms() + 5000;
  while (revokes == 0 && now_ms() < deadline) c->consume(50);
  ASSERT_EQ(revokes, 1);
  EXPECT_EQ(revoke_commit_rc, 0) << err_name(revoke_commit_rc);
  EXPECT_TRUE(c->assignment().empty());
  deadline = now_ms() + 5000;
  while (!c->member_id().empty() && now_ms() < deadline) c->consume(50);
  EXPECT_TRUE(c->member_id().empty()) << "left the group";
  TopicPartitionList com = tpl(topic, {0, 1});
  ASSERT_EQ(c->committed(com, 5000), 0);
  EXPECT_EQ(com[0].offset, 10);
  EXPECT_EQ(com[1].offset, 10);
}

TEST_F(ConsumerTest, SeekIntoTheMiddleOfACompressedBatch) {
  const std::string topic = "seek-zstd";
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 300, 0, "zstd");  // a few large compressed batches
  auto c = make(base());
  ASSERT_EQ(c->assign(tpl(topic, {0}, 137)), 0);
  auto msgs = consume_n(*c, 3);
  ASSERT_EQ(msgs.size(), 3u);
  for (int i = 0; i < 3; ++i) expect_known(*msgs[i], topic, 0, 137 + i, 137 + i);
  ASSERT_EQ(c->seek(topic, 0, 5, 1000), 0);
  msgs = consume_n(*c, 1);
  ASSERT_EQ(msgs.size(), 1u);
  expect_known(*msgs[0], topic, 0, 5, 5);
}

TEST_F(ConsumerTest, GroupMemberSurvivesABrokerRestart) {
  const std::string topic = "restart";
  client_test::create_topic(bootstrap(), topic, 2);
  produce(bootstrap(), topic, 0, 50);
  produce(bootstrap(), topic, 1, 50, 100);
  Properties props = base("g-restart");
  props["heartbeat.interval.ms"] = "100";
  props["session.timeout.ms"] = "6000";
  props["auto.commit.interval.ms"] = "100";
  props["reconnect.backoff.max.ms"] = "200";
  auto c = make(props);
  ASSERT_EQ(c->subscribe({topic}), 0);
  std::set<std::pair<int32_t, int64_t>> seen;
  auto consume_until = [&](size_t n, int timeout_ms) {
    int64_t deadline = now_ms() + timeout_ms;
    while (seen.size() < n && now_ms() < deadline) {
      auto m = c->consume(100);
      if (m && !m->error()) seen.emplace(m->partition(), m->offset());
    }
  };
  consume_until(100, 15000);
  ASSERT_EQ(seen.size(), 100u);
  // Same port, same data directory: the consumer reconnects, rediscovers the coordinator and
  // continues where it was.
  uint16_t port = broker_->port();
  broker_->stop();
  broker_.reset();
  refbroker::BrokerOptions o;
  o.data_dir = dir_;
  o.port = port;
  o.config = broker_config();
  broker_ = std::make_unique<refbroker::Broker>(o);
  broker_->start();
  produce(bootstrap(), topic, 0, 20, 50);
  produce(bootstrap(), topic, 1, 20, 150);
  consume_until(140, 30000);
  EXPECT_EQ(seen.size(), 140u);
  for (int32_t p = 0; p < 2; ++p)
    for (int64_t off = 0; off < 70; ++off) EXPECT_TRUE(seen.count({p, off})) << p << "/" << off;
  EXPECT_EQ(c->assignment().size(), 2u);
}

namespace {

// One transaction written with raw requests (our producer core has no transactions yet):
// AddPartitionsToTxn, a transactional batch, EndTxn (commit or abort).
void raw_transaction(client_test::RawClient& rc, const std::string& txn_id, int64_t pid, int16_t epoch, int32_t& seq,
                     const std::string& topic, const std::vector<std::string>& values, bool commit) {
  namespace proto = kafka::proto;
  for (int attempt = 0;; ++attempt) {
    proto::AddPartitionsToTxnRequest add;
    add.v3_and_below_transactional_id = txn_id;
    add.v3_and_below_producer_id = pid;
    add.v3_and_below_producer_epoch = epoch;
    proto::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic t;
    t.name = topic;
    t.partitions = {0};
    add.v3_and_below_topics.push_back(t);
    auto resp = rc.call(add, 1);
    ASSERT_EQ(resp.results_by_topic_v3_and_below.size(), 1u);
    int16_t e = resp.results_by_topic_v3_and_below[0].results_by_partition.at(0).partition_error_code;
    if (e == static_cast<int16_t>(kafka::Error::CONCURRENT_TRANSACTIONS) && attempt < 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the previous markers are being written
      continue;
    }
    ASSERT_EQ(e, 0) << "AddPartitionsToTxn";
    break;
  }
  kafka::RecordBatchBuilder b;
  for (auto& v : values) b.append(kTs0, std::nullopt, kafka::as_bytes(v));
  auto bytes = b.finish(kafka::Compression::None, pid, epoch, seq, /*transactional=*/true);
  seq += static_cast<int32_t>(values.size());
  proto::ProduceRequest pr;
  pr.transactional_id = txn_id;
  pr.acks = -1;
  pr.timeout_ms = 10000;
  proto::ProduceRequest::TopicProduceData td;
  td.name = topic;
  proto::ProduceRequest::PartitionProduceData pd;
  pd.index = 0;
  pd.records = kafka::proto::Records::copy_of(bytes);
  td.partition_data.push_back(std::move(pd));
  pr.topic_data.push_back(std::move(td));
  auto presp = rc.call(pr, 7);
  ASSERT_EQ(presp.responses.at(0).partition_responses.at(0).error_code, 0) << "transactional Produce";
  proto::EndTxnRequest end;
  end.transactional_id = txn_id;
  end.producer_id = pid;
  end.producer_epoch = epoch;
  end.committed = commit;
  ASSERT_EQ(rc.call(end, 1).error_code, 0) << "EndTxn";
}

}  // namespace

TEST_F(ConsumerTest, ReadCommittedSkipsAbortedTransactions) {
  const std::string topic = "txn";
  client_test::create_topic(bootstrap(), topic, 1);
  client_test::RawClient rc(bootstrap());
  kafka::proto::InitProducerIdRequest ip;
  ip.transactional_id = "txn-1";
  ip.transaction_timeout_ms = 60000;
  auto ipr = rc.call(ip, 1);
  for (int i = 0; i < 200 && ipr.error_code == static_cast<int16_t>(kafka::Error::COORDINATOR_NOT_AVAILABLE); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the transaction coordinator is loading
    ipr = rc.call(ip, 1);
  }
  ASSERT_EQ(ipr.error_code, 0);
  int32_t seq = 0;
  raw_transaction(rc, "txn-1", ipr.producer_id, ipr.producer_epoch, seq, topic, {"a0", "a1", "a2"}, false);
  raw_transaction(rc, "txn-1", ipr.producer_id, ipr.producer_epoch, seq, topic, {"c0", "c1"}, true);
  raw_transaction(rc, "txn-1", ipr.producer_id, ipr.producer_epoch, seq, topic, {"a3"}, false);
  auto read = [&](const char* isolation, size_t expect) {
    Properties p = base();
    p["isolation.level"] = isolation;
    p["enable.partition.eof"] = "true";
    auto c = make(p);
    EXPECT_EQ(c->assign(tpl(topic, {0}, kOffsetBeginning)), 0);
    std::vector<ConsumerMessagePtr> msgs;
    int64_t deadline = now_ms() + 10000;
    while (msgs.size() < expect && now_ms() < deadline) {
      auto m = c->consume(100);
      if (m && !m->error()) msgs.push_back(std::move(m));
    }
    wait_error(*c, -1, 500, &msgs);  // collects anything that would still come
    std::vector<std::string> values;
    for (auto& m : msgs) values.push_back(str(m->value()));
    return values;
  };
  EXPECT_EQ(read("read_committed", 2), (std::vector<std::string>{"c0", "c1"}));
  EXPECT_EQ(read("read_uncommitted", 6), (std::vector<std::string>{"a0", "a1", "a2", "c0", "c1", "a3"}));
}

TEST_F(ConsumerTest, ConsumeBatchAndIncrementalManualAssignment) {
  const std::string topic = "batch";
  client_test::create_topic(bootstrap(), topic, 2);
  produce(bootstrap(), topic, 0, 100);
  produce(bootstrap(), topic, 1, 100, 1000);
  auto c = make(base());
  ASSERT_EQ(c->incremental_assign(tpl(topic, {0}, kOffsetBeginning)), 0);
  EXPECT_EQ(c->incremental_assign(tpl(topic, {0}, kOffsetBeginning)), err(LocalErr::CONFLICT));
  std::vector<ConsumerMessagePtr> out;
  int64_t deadline = now_ms() + 10000;
  while (out.size() < 100 && now_ms() < deadline) {
    size_t before = out.size();
    size_t n = c->consume_batch(200, 64, out);
    EXPECT_EQ(n, out.size() - before);
    EXPECT_LE(n, 64u);
  }
  ASSERT_EQ(out.size(), 100u);
  for (size_t i = 0; i < out.size(); ++i) expect_known(*out[i], topic, 0, static_cast<int64_t>(i), static_cast<int>(i));
  ASSERT_EQ(c->incremental_assign(tpl(topic, {1}, 95)), 0);
  EXPECT_EQ(c->assignment().size(), 2u);
  auto more = consume_n(*c, 5);
  ASSERT_EQ(more.size(), 5u);
  for (int i = 0; i < 5; ++i) expect_known(*more[i], topic, 1, 95 + i, 1095 + i);
  ASSERT_EQ(c->incremental_unassign(tpl(topic, {0})), 0);
  auto left = c->assignment();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].partition, 1);
  ASSERT_EQ(c->assign({}), 0);
  EXPECT_TRUE(c->assignment().empty());
  EXPECT_EQ(c->consume_batch(100, 10, out), 0u);
  ConsumerStats st = c->stats();
  EXPECT_EQ(st.msgs_consumed, 105);
  EXPECT_GT(st.fetch_requests, 0);
}

TEST(ConsumerNoBroker, CloseWithoutAReachableBrokerIsQuick) {
  std::string errstr;
  auto c = ConsumerCore::create({{"bootstrap.servers", "127.0.0.1:1"}, {"group.id", "g"}}, {}, errstr);
  ASSERT_TRUE(c) << errstr;
  ASSERT_EQ(c->subscribe({"t"}), 0);
  TopicPartitionList l = tpl("t", {0}, 5);
  EXPECT_EQ(c->committed(l, 300), err(LocalErr::TIMED_OUT));
  auto m = c->consume(300);  // transport errors come back as error messages (no error callback)
  if (m) EXPECT_NE(m->error(), 0);
  int64_t t0 = now_ms();
  EXPECT_EQ(c->close(), 0);
  EXPECT_LT(now_ms() - t0, 2000);
  EXPECT_FALSE(c->consume(0));
}

TEST_F(ConsumerTest, AssignedMissingTopicIsReportedAndPickedUpWhenCreated) {
  const std::string topic = "appears-later";
  auto c = make(base());
  ASSERT_EQ(c->assign(tpl(topic, {0}, kOffsetBeginning)), 0);
  auto e = wait_error(*c, static_cast<int>(kafka::Error::UNKNOWN_TOPIC_OR_PARTITION), 10000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->topic(), topic);
  EXPECT_EQ(e->partition(), 0);
  client_test::create_topic(bootstrap(), topic, 1);
  produce(bootstrap(), topic, 0, 3);
  auto msgs = consume_n(*c, 3, 15000);
  ASSERT_EQ(msgs.size(), 3u);
  expect_known(*msgs[0], topic, 0, 0, 0);
}
