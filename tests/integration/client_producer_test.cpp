// The producer core against an in-process refbroker: round trips with every codec, keys,
// headers and acks 0/1/all checked by fetching the log back; delivery reports; timeouts against
// an unreachable broker; queue limits; purge; metadata and watermark queries.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "client_test_util.h"
#include "producer.h"

using namespace kafka::client;
using client_test::BrokerTest;

namespace {

struct Dr {
  std::string topic;
  int32_t partition;
  int64_t offset;
  int err;
  int64_t timestamp;
  void* opaque;
  std::optional<std::string> key, value;
  std::vector<kafka::OwnedRecordHeader> headers;
  kafka::client::MsgStatus status;
};

struct Collector {
  std::mutex mu;
  std::vector<Dr> drs;
  std::vector<std::pair<int, std::string>> errors;
  ProducerCallbacks callbacks(bool with_payload = true) {
    ProducerCallbacks cb;
    cb.delivery = [this, with_payload](DeliveryReport& r) {
      Dr d{r.topic(), r.partition(), r.offset(), r.error(), r.timestamp(), r.opaque(), {}, {}, {}, r.status()};
      if (with_payload) {
        if (auto k = r.key()) d.key = std::string(kafka::as_string(*k));
        if (auto v = r.value()) d.value = std::string(kafka::as_string(*v));
        d.headers = r.owned_headers();
      }
      std::lock_guard lk(mu);
      drs.push_back(std::move(d));
    };
    cb.error = [this](int e, const std::string& reason) {
      std::lock_guard lk(mu);
      errors.emplace_back(e, reason);
    };
    return cb;
  }
};

std::unique_ptr<ProducerCore> make(Properties props, ProducerCallbacks cb) {
  std::string errstr;
  auto p = ProducerCore::create(props, std::move(cb), errstr);
  EXPECT_TRUE(p) << errstr;
  return p;
}

Message msg(std::string_view topic, const std::string* key, const std::string* value) {
  Message m;
  m.topic = topic;
  if (key) m.key = kafka::as_bytes(*key);
  if (value) m.value = kafka::as_bytes(*value);
  return m;
}

}  // namespace

class ProducerTest : public BrokerTest {};

TEST_F(ProducerTest, RoundTripEveryCodecWithKeysAndHeaders) {
  for (std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    std::string topic = "rt-" + codec;
    Collector col;
    auto p = make({{"bootstrap.servers", bootstrap()}, {"compression.type", codec}, {"linger.ms", "20"}},
                  col.callbacks());
    const int n = 300;
    std::vector<std::string> keys, values;
    for (int i = 0; i < n; ++i) {
      keys.push_back("key-" + std::to_string(i));
      values.push_back("value-" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x'));
    }
    std::string hv = "hv";
    for (int i = 0; i < n; ++i) {
      Message m = msg(topic, i % 10 == 0 ? nullptr : &keys[i], i % 17 == 0 ? nullptr : &values[i]);
      m.partition = 0;
      m.timestamp = 1700000000000 + i;
      m.opaque = reinterpret_cast<void*>(static_cast<intptr_t>(i + 1));
      kafka::RecordHeader hs[2] = {{"h1", kafka::as_bytes(hv)}, {"h-null", std::nullopt}};
      if (i % 3 == 0) m.headers = hs;
      ASSERT_EQ(p->produce(m), 0);
    }
    ASSERT_EQ(p->flush(10000), 0);
    ASSERT_EQ(p->outq_len(), 0);
    ASSERT_EQ(col.drs.size(), static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const Dr& d = col.drs[i];
      ASSERT_EQ(d.err, 0) << err_name(d.err);
      EXPECT_EQ(d.topic, topic);
      EXPECT_EQ(d.partition, 0);
      EXPECT_EQ(d.offset, i);
      EXPECT_EQ(d.timestamp, 1700000000000 + i);
      EXPECT_EQ(d.opaque, reinterpret_cast<void*>(static_cast<intptr_t>(i + 1)));
      EXPECT_EQ(d.status, MsgStatus::Persisted);
      if (i % 10 == 0) EXPECT_FALSE(d.key);
      else EXPECT_EQ(d.key, keys[i]);
      if (i % 17 == 0) EXPECT_FALSE(d.value);
      else EXPECT_EQ(d.value, values[i]);
      EXPECT_EQ(d.headers.size(), i % 3 == 0 ? 2u : 0u);
    }
    std::vector<kafka::BatchHeader> bh;
    auto recs = client_test::fetch_all(bootstrap(), topic, 0, &bh);
    ASSERT_EQ(recs.size(), static_cast<size_t>(n));
    for (auto& h : bh) EXPECT_EQ(kafka::compression_name(static_cast<kafka::Compression>(h.compression())), codec);
    for (int i = 0; i < n; ++i) {
      auto& r = recs[i];
      EXPECT_EQ(r.offset, i);
      EXPECT_EQ(r.timestamp, 1700000000000 + i);
      if (i % 10 == 0) EXPECT_FALSE(r.key);
      else EXPECT_EQ(std::string(r.key->begin(), r.key->end()), keys[i]);
      if (i % 17 == 0) EXPECT_FALSE(r.value);
      else EXPECT_EQ(std::string(r.value->begin(), r.value->end()), values[i]);
      if (i % 3 == 0) {
        ASSERT_EQ(r.headers.size(), 2u);
        EXPECT_EQ(r.headers[0].key, "h1");
        EXPECT_EQ(std::string(r.headers[0].value->begin(), r.headers[0].value->end()), "hv");
        EXPECT_EQ(r.headers[1].key, "h-null");
        EXPECT_FALSE(r.headers[1].value);
      } else {
        EXPECT_TRUE(r.headers.empty());
      }
    }
  }
}

TEST_F(ProducerTest, AcksZeroOneAll) {
  for (std::string acks : {"0", "1", "all"}) {
    SCOPED_TRACE(acks);
    std::string topic = "acks-" + acks;
    Collector col;
    auto p = make({{"bootstrap.servers", bootstrap()}, {"acks", acks}, {"linger.ms", "1"}}, col.callbacks(false));
    std::string v = "payload";
    for (int i = 0; i < 500; ++i) ASSERT_EQ(p->produce(msg(topic, nullptr, &v)), 0);
    ASSERT_EQ(p->flush(10000), 0);
    ASSERT_EQ(col.drs.size(), 500u);
    for (size_t i = 0; i < col.drs.size(); ++i) {
      ASSERT_EQ(col.drs[i].err, 0);
      if (acks == "0") EXPECT_EQ(col.drs[i].offset, kOffsetInvalid);
      else EXPECT_EQ(col.drs[i].offset, static_cast<int64_t>(i));
    }
    // acks=0: nothing confirms the write; wait for the log to catch up.
    for (int i = 0; i < 100 && client_test::end_offset(bootstrap(), topic, 0) < 500; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(client_test::fetch_all(bootstrap(), topic, 0).size(), 500u);
  }
}

TEST_F(ProducerTest, KeyedMessagesFollowThePartitioner) {
  const std::string topic = "keyed";
  client_test::create_topic(bootstrap(), topic, 6);
  for (std::string part : {"consistent_random", "murmur2_random", "fnv1a_random"}) {
    SCOPED_TRACE(part);
    Collector col;
    auto p = make({{"bootstrap.servers", bootstrap()}, {"partitioner", part}}, col.callbacks());
    std::vector<std::string> keys = {"k1", "k2", "k5", "kafka", "hejsan"};
    for (auto& k : keys) ASSERT_EQ(p->produce(msg(topic, &k, &k)), 0);
    ASSERT_EQ(p->flush(10000), 0);
    ASSERT_EQ(col.drs.size(), keys.size());
    for (auto& d : col.drs) {
      ASSERT_EQ(d.err, 0);
      EXPECT_EQ(d.partition, ProducerCore::builtin_partition(part, d.key->data(), d.key->size(), 6)) << *d.key;
    }
    EXPECT_EQ(p->partition_count(topic), 6);
  }
  // kcat's vectors for 6 partitions (consistent_random): k1 -> 1, k2 -> 3, k5 -> 4, kafka -> 5, hejsan -> 0.
  auto at = [&](int32_t part) {
    std::multiset<std::string> s;
    for (auto& r : client_test::fetch_all(bootstrap(), topic, part)) s.insert(std::string(r.key->begin(), r.key->end()));
    return s;
  };
  EXPECT_EQ(at(1).count("k1"), 2u);  // consistent_random and fnv1a_random agree on k1
  EXPECT_EQ(at(3).count("k2"), 2u);  // consistent_random and murmur2_random agree on k2
  EXPECT_EQ(at(0).count("hejsan"), 1u);
}

TEST_F(ProducerTest, NullKeysAreSticky) {
  const std::string topic = "sticky";
  client_test::create_topic(bootstrap(), topic, 8);
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}, {"sticky.partitioning.linger.ms", "100000"}}, col.callbacks(false));
  ClusterMetadata md;
  ASSERT_EQ(p->metadata(false, &topic, md, 5000), 0);  // learn the partitions first
  std::string v = "v";
  for (int i = 0; i < 200; ++i) ASSERT_EQ(p->produce(msg(topic, nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);
  std::set<int32_t> parts;
  for (auto& d : col.drs) parts.insert(d.partition);
  EXPECT_EQ(parts.size(), 1u);
}

TEST_F(ProducerTest, MessageTooLargeAtProduceTime) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}, {"message.max.bytes", "10000"}}, col.callbacks());
  std::string big(20000, 'b');
  EXPECT_EQ(p->produce(msg("big", nullptr, &big)), 10);
  std::string ok(5000, 'o');
  EXPECT_EQ(p->produce(msg("big", nullptr, &ok)), 0);
  EXPECT_EQ(p->flush(10000), 0);
  ASSERT_EQ(col.drs.size(), 1u);
  EXPECT_EQ(col.drs[0].err, 0);
}

TEST_F(ProducerTest, UnknownPartition) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}}, col.callbacks());
  std::string v = "v";
  // Metadata not known yet: queued, then failed when the partition count is learnt.
  Message m = msg("onepart", nullptr, &v);
  m.partition = 5;
  ASSERT_EQ(p->produce(m), 0);
  ASSERT_EQ(p->flush(10000), 0);
  ASSERT_EQ(col.drs.size(), 1u);
  EXPECT_EQ(col.drs[0].err, err(LocalErr::UNKNOWN_PARTITION));
  // Known now: rejected at once.
  EXPECT_EQ(p->produce(m), err(LocalErr::UNKNOWN_PARTITION));
  EXPECT_EQ(p->partition_count("onepart"), 1);
}

TEST_F(ProducerTest, MetadataAndWatermarks) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}}, col.callbacks(false));
  std::string v = "v";
  for (int i = 0; i < 42; ++i) ASSERT_EQ(p->produce(msg("wm", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);
  int64_t lo = -5, hi = -5;
  ASSERT_EQ(p->query_watermark_offsets("wm", 0, lo, hi, 5000), 0);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 42);
  EXPECT_EQ(p->query_watermark_offsets("wm", 3, lo, hi, 5000), err(LocalErr::UNKNOWN_PARTITION));

  ClusterMetadata md;
  ASSERT_EQ(p->metadata(true, nullptr, md, 5000), 0);
  ASSERT_EQ(md.brokers.size(), 1u);
  bool found = false;
  for (auto& t : md.topics) {
    if (t.topic != "wm") continue;
    found = true;
    EXPECT_EQ(t.err, 0);
    ASSERT_EQ(t.partitions.size(), 1u);
    EXPECT_EQ(t.partitions[0].leader, md.brokers[0].id);
    EXPECT_EQ(t.partitions[0].replicas.size(), 1u);
    EXPECT_EQ(t.partitions[0].isrs.size(), 1u);
  }
  EXPECT_TRUE(found);
  EXPECT_GE(md.orig_broker_id, -1);
  std::string only = "wm";
  ClusterMetadata md2;
  ASSERT_EQ(p->metadata(false, &only, md2, 5000), 0);
  ASSERT_EQ(md2.topics.size(), 1u);
  EXPECT_EQ(md2.topics[0].topic, "wm");

  std::vector<TopicPartitionOffset> q = {{"wm", 0, -2, 0}, {"wm", 0, 0, 0}};
  ASSERT_EQ(p->offsets_for_times(q, 5000), 0);
  EXPECT_EQ(q[0].offset, 0);
  EXPECT_EQ(q[1].offset, 0);  // the first message at or after timestamp 0
}

TEST(ProducerNoBroker, MessagesTimeOutWithUnreachableBroker) {
  Collector col;
  auto t0 = std::chrono::steady_clock::now();
  auto p = make({{"bootstrap.servers", "127.0.0.1:1"},
                 {"message.timeout.ms", "1000"},
                 {"reconnect.backoff.ms", "50"},
                 {"reconnect.backoff.max.ms", "200"}},
                col.callbacks());
  std::string v = "v";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(p->produce(msg("t", nullptr, &v)), 0);
  EXPECT_EQ(p->outq_len(), 10);
  int rc = p->flush(5000);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(rc, 0);
  ASSERT_EQ(col.drs.size(), 10u);
  for (auto& d : col.drs) {
    EXPECT_EQ(d.err, err(LocalErr::MSG_TIMED_OUT));
    EXPECT_EQ(d.status, MsgStatus::NotPersisted);
    EXPECT_EQ(d.value, "v");
  }
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2500));
  bool transport = false, all_down = false;
  for (auto& [e, r] : col.errors) {
    transport |= e == err(LocalErr::TRANSPORT);
    all_down |= e == err(LocalErr::ALL_BROKERS_DOWN);
  }
  EXPECT_TRUE(transport);
  EXPECT_TRUE(all_down);
}

TEST(ProducerNoBroker, QueueFullAndBlocking) {
  Collector col;
  auto p = make({{"bootstrap.servers", "127.0.0.1:1"}, {"queue.buffering.max.messages", "10"}}, col.callbacks());
  std::string v = "v";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(p->produce(msg("t", nullptr, &v)), 0);
  EXPECT_EQ(p->produce(msg("t", nullptr, &v)), err(LocalErr::QUEUE_FULL));
  EXPECT_EQ(p->outq_len(), 10);

  std::atomic<int> rc{1};
  std::atomic<bool> returned{false};
  std::thread blocked([&] {
    rc = p->produce(msg("t", nullptr, &v), /*block=*/true);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(returned.load());
  ASSERT_EQ(p->purge(kPurgeQueue), 0);
  // Space comes back once the purged messages' delivery reports are served.
  for (int i = 0; i < 100 && !returned.load(); ++i) p->poll(20);
  blocked.join();
  EXPECT_EQ(rc.load(), 0);
  p->poll(0);
  ASSERT_GE(col.drs.size(), 10u);
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(col.drs[i].err, err(LocalErr::PURGE_QUEUE));
  p->purge(kPurgeQueue);
  p->poll(100);
  EXPECT_EQ(p->outq_len(), 0);
}

TEST_F(ProducerTest, PurgeQueuedMessages) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}, {"linger.ms", "60000"}}, col.callbacks());
  std::string v = "v";
  for (int i = 0; i < 5; ++i) ASSERT_EQ(p->produce(msg("purge", nullptr, &v)), 0);
  ASSERT_EQ(p->purge(kPurgeQueue | kPurgeInFlight), 0);
  ASSERT_EQ(p->flush(5000), 0);
  ASSERT_EQ(col.drs.size(), 5u);
  for (auto& d : col.drs) EXPECT_EQ(d.err, err(LocalErr::PURGE_QUEUE));
}

TEST_F(ProducerTest, BorrowedAndFreedPayloads) {
  Collector col;
  std::vector<const void*> seen;
  ProducerCallbacks cb = col.callbacks();
  auto inner = cb.delivery;
  cb.delivery = [&](DeliveryReport& r) {
    seen.push_back(r.value() ? r.value()->data() : nullptr);
    inner(r);
  };
  auto p = make({{"bootstrap.servers", bootstrap()}}, cb);
  static const char borrowed[] = "borrowed";
  auto* freed = static_cast<char*>(std::malloc(5));
  std::memcpy(freed, "freed", 5);
  Message a;
  a.topic = "own";
  a.value = kafka::ByteView(reinterpret_cast<const uint8_t*>(borrowed), 8);
  a.value_ownership = Ownership::Borrow;
  ASSERT_EQ(p->produce(a), 0);
  Message b;
  b.topic = "own";
  b.value = kafka::ByteView(reinterpret_cast<const uint8_t*>(freed), 5);
  b.value_ownership = Ownership::Free;
  ASSERT_EQ(p->produce(b), 0);
  ASSERT_EQ(p->flush(10000), 0);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], borrowed);  // the caller's own pointer, as librdkafka reports it
  EXPECT_EQ(seen[1], freed);     // freed by the core after the report (ASan would catch a leak)
  EXPECT_EQ(col.drs[0].value, "borrowed");
  EXPECT_EQ(col.drs[1].value, "freed");
  auto recs = client_test::fetch_all(bootstrap(), "own", 0);
  ASSERT_EQ(recs.size(), 2u);
}

TEST_F(ProducerTest, ManyMessagesManyPartitionsFromThreads) {
  const std::string topic = "mt";
  client_test::create_topic(bootstrap(), topic, 4);
  std::atomic<int64_t> ok{0}, bad{0};
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? bad : ok)++; };
  auto p = make({{"bootstrap.servers", bootstrap()}, {"linger.ms", "2"}, {"batch.num.messages", "500"}}, cb);
  const int per_thread = 20000, threads = 3;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      std::string v(100, 'a' + t);
      for (int i = 0; i < per_thread; ++i) {
        std::string k = std::to_string(t) + "-" + std::to_string(i);
        Message m = msg(topic, &k, &v);
        while (p->produce(m) == err(LocalErr::QUEUE_FULL)) std::this_thread::yield();
      }
    });
  for (int i = 0; i < 2000 && ok + bad < per_thread * threads; ++i) p->poll(10);
  for (auto& t : ts) t.join();
  ASSERT_EQ(p->flush(20000), 0);
  EXPECT_EQ(ok.load(), per_thread * threads);
  EXPECT_EQ(bad.load(), 0);
  int64_t total = 0;
  for (int32_t part = 0; part < 4; ++part) total += client_test::end_offset(bootstrap(), topic, part);
  EXPECT_EQ(total, per_thread * threads);
}

// The broker goes away and comes back on the same port with the same data: queued and in-flight
// messages are retried over a new connection (exponential reconnect backoff) and all arrive.
class ProducerRestart : public ::testing::TestWithParam<bool> {};

TEST_P(ProducerRestart, ReconnectsAfterBrokerRestart) {
  const bool idempotent = GetParam();
  auto dir = client_test::temp_dir("client-restart");
  refbroker::BrokerOptions o;
  o.data_dir = dir;
  auto broker = std::make_unique<refbroker::Broker>(o);
  broker->start();
  const std::string bootstrap = broker->bootstrap();
  const uint16_t port = broker->port();

  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap},
                 {"enable.idempotence", idempotent ? "true" : "false"},
                 {"reconnect.backoff.ms", "20"},
                 {"reconnect.backoff.max.ms", "200"},
                 {"retry.backoff.ms", "20"},
                 {"message.timeout.ms", "30000"}},
                col.callbacks(false));
  std::string v = "v";
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p->produce(msg("restart", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);

  broker->stop();
  broker.reset();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p->produce(msg("restart", nullptr, &v)), 0);
  EXPECT_EQ(p->flush(500), err(LocalErr::TIMED_OUT));

  o.port = port;
  broker = std::make_unique<refbroker::Broker>(o);
  broker->start();
  ASSERT_EQ(p->flush(20000), 0);
  ASSERT_EQ(col.drs.size(), 200u);
  for (auto& d : col.drs) EXPECT_EQ(d.err, 0) << err_name(d.err);
  EXPECT_EQ(client_test::end_offset(bootstrap, "restart", 0), 200);
  bool transport = false;
  for (auto& [e, r] : col.errors) transport |= e == err(LocalErr::TRANSPORT);
  EXPECT_TRUE(transport);
  p.reset();
  broker.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Plain, ProducerRestart, ::testing::Values(false));
INSTANTIATE_TEST_SUITE_P(Idempotent, ProducerRestart, ::testing::Values(true));

// Messages in a request the broker is sitting on are failed at once by purge(InFlight); the late
// response is ignored and the producer carries on.
TEST_F(ProducerTest, PurgeInFlight) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}, {"linger.ms", "0"}}, col.callbacks());
  std::string v = "v";
  ASSERT_EQ(p->produce(msg("purge-inflight", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);  // warm: metadata and connection
  broker().faults().add({.api = kafka::proto::ApiKey::Produce,
                         .action = refbroker::FaultAction::Delay,
                         .delay_ms = 1500,
                         .times = 1});
  for (int i = 0; i < 5; ++i) ASSERT_EQ(p->produce(msg("purge-inflight", nullptr, &v)), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // sent, response held back
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(p->purge(kPurgeInFlight), 0);
  ASSERT_EQ(p->flush(1000), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  ASSERT_EQ(col.drs.size(), 6u);
  for (size_t i = 1; i < 6; ++i) {
    EXPECT_EQ(col.drs[i].err, err(LocalErr::PURGE_INFLIGHT));
    EXPECT_EQ(col.drs[i].status, MsgStatus::PossiblyPersisted);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the held response arrives
  ASSERT_EQ(p->produce(msg("purge-inflight", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);
  ASSERT_EQ(col.drs.size(), 7u);
  EXPECT_EQ(col.drs[6].err, 0);
}

// message.timeout.ms also bounds messages whose request the broker is sitting on.
TEST_F(ProducerTest, InFlightMessagesTimeOut) {
  Collector col;
  auto p = make({{"bootstrap.servers", bootstrap()}, {"message.timeout.ms", "500"}, {"linger.ms", "0"}},
                col.callbacks());
  std::string v = "v";
  ASSERT_EQ(p->produce(msg("inflight-timeout", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(10000), 0);
  broker().faults().add({.api = kafka::proto::ApiKey::Produce,
                         .action = refbroker::FaultAction::Delay,
                         .delay_ms = 3000,
                         .times = 1});
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(p->produce(msg("inflight-timeout", nullptr, &v)), 0);
  ASSERT_EQ(p->flush(2500), 0);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(elapsed, std::chrono::milliseconds(450));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  ASSERT_EQ(col.drs.size(), 4u);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(col.drs[i].err, err(LocalErr::MSG_TIMED_OUT));
    EXPECT_EQ(col.drs[i].status, MsgStatus::PossiblyPersisted);
  }
}
