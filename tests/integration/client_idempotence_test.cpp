// The idempotent producer under lost acks: refbroker appends and then answers with an error, or
// appends and drops the connection, while the producer pipelines batches to several partitions.
// Afterwards every partition must hold each message exactly once, in produce order.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <iostream>
#include <thread>

#include "client_test_util.h"
#include "producer.h"

using namespace kafka::client;

namespace {

struct Result {
  std::mutex mu;
  int64_t ok = 0, failed = 0;
  std::map<int32_t, std::vector<int64_t>> offsets;  // per partition, in DR order
  std::vector<std::pair<int, std::string>> errors;
};

void run_with_faults(client_test::BrokerTest& t, refbroker::Broker& broker, const std::string& bootstrap,
                     const std::vector<refbroker::FaultRule>& faults, const std::string& topic, int partitions,
                     int per_partition, int64_t expect_faults_at_least, const std::string& batch_messages = "20",
                     const std::string& idempotence = "true") {
  const bool idempotent = idempotence == "true";
  client_test::create_topic(bootstrap, topic, partitions);
  for (auto& f : faults) broker.faults().add(f);

  Result res;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) {
    std::lock_guard lk(res.mu);
    if (r.error()) {
      ++res.failed;
      return;
    }
    ++res.ok;
    res.offsets[r.partition()].push_back(r.offset());
  };
  cb.error = [&](int e, const std::string& reason) {
    std::lock_guard lk(res.mu);
    res.errors.emplace_back(e, reason);
  };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap},
                                 {"enable.idempotence", idempotence},
                                 {"linger.ms", "1"},
                                 {"batch.num.messages", batch_messages},
                                 {"retry.backoff.ms", "10"},
                                 {"reconnect.backoff.ms", "10"},
                                 {"reconnect.backoff.max.ms", "50"}},
                                cb, errstr);
  ASSERT_TRUE(p) << errstr;
  for (int i = 0; i < per_partition; ++i)
    for (int part = 0; part < partitions; ++part) {
      std::string v = std::to_string(part) + ":" + std::to_string(i);
      Message m;
      m.topic = topic;
      m.partition = part;
      m.value = kafka::as_bytes(v);
      int rc;
      // On a full queue serve delivery reports (which free queue space) and try again, as
      // librdkafka applications do.
      while ((rc = p->produce(m)) == err(LocalErr::QUEUE_FULL)) p->poll(10);
      ASSERT_EQ(rc, 0);
      if (i % 50 == 0) p->poll(0);
    }
  ASSERT_EQ(p->flush(60000), 0) << "outq " << p->outq_len();
  std::string reason;
  EXPECT_EQ(p->fatal_error(reason), 0) << reason;
  EXPECT_EQ(res.failed, 0);
  EXPECT_EQ(res.ok, int64_t{partitions} * per_partition);
  EXPECT_GE(broker.faults().injected(), expect_faults_at_least);
  std::cout << topic << ": " << res.ok << " delivered, " << broker.faults().injected() << " faults injected\n";

  for (int part = 0; part < partitions; ++part) {
    SCOPED_TRACE("partition " + std::to_string(part));
    std::vector<kafka::BatchHeader> hs;
    auto recs = client_test::fetch_all(bootstrap, topic, part, &hs);
    if (!idempotent) {
      // Without idempotence retries may duplicate, but nothing may be lost.
      std::set<std::string> seen;
      for (auto& r : recs)
        if (r.value) seen.emplace(r.value->begin(), r.value->end());
      EXPECT_EQ(seen.size(), static_cast<size_t>(per_partition)) << "messages were lost";
      std::cout << "partition " << part << ": " << recs.size() - static_cast<size_t>(per_partition)
                << " duplicates without idempotence\n";
      continue;
    }
    if (recs.size() != static_cast<size_t>(per_partition)) {
      std::string dump;
      for (auto& h : hs)
        dump += "  offset " + std::to_string(h.base_offset) + " pid " + std::to_string(h.producer_id) + " epoch " +
                std::to_string(h.producer_epoch) + " seq " + std::to_string(h.base_sequence) + " count " +
                std::to_string(h.records_count) + "\n";
      ADD_FAILURE() << "duplicates or losses in the log: " << recs.size() << " records\n" << dump;
      return;
    }
    for (int i = 0; i < per_partition; ++i) {
      std::string want = std::to_string(part) + ":" + std::to_string(i);
      ASSERT_TRUE(recs[i].value);
      ASSERT_EQ(std::string(recs[i].value->begin(), recs[i].value->end()), want) << "at offset " << i;
    }
    // Delivery reports come in produce order per partition; known offsets match the log.
    auto& offs = res.offsets[part];
    ASSERT_EQ(offs.size(), static_cast<size_t>(per_partition));
    for (int i = 0; i < per_partition; ++i)
      if (offs[i] != kOffsetInvalid) {
        EXPECT_EQ(offs[i], i);
      }
  }
  (void)t;
}

class IdempotenceTest : public client_test::BrokerTest {};

}  // namespace

TEST_F(IdempotenceTest, ExactlyOnceWithErrorsAfterAppend) {
  run_with_faults(*this, broker(), bootstrap(),
                  {{.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::ErrorAfterWork,
                    .error = kafka::Error::NOT_LEADER_OR_FOLLOWER,
                    .every = 7,
                    .times = -1}},
                  "idem-error", 3, 2000, 5);
}

TEST_F(IdempotenceTest, ExactlyOnceWithLostAcks) {
  run_with_faults(*this, broker(), bootstrap(),
                  {{.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::DropAfterWork,
                    .skip = 3,
                    .every = 11,
                    .times = 20}},
                  "idem-drop", 3, 2000, 5);
}

TEST_F(IdempotenceTest, ExactlyOnceWithBothFaults) {
  run_with_faults(*this, broker(), bootstrap(),
                  {{.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::ErrorAfterWork,
                    .error = kafka::Error::NOT_LEADER_OR_FOLLOWER,
                    .every = 7,
                    .times = -1},
                   {.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::DropAfterWork,
                    .skip = 2,
                    .every = 13,
                    .times = 15}},
                  "idem-both", 4, 1500, 5);
}

// The fault run: 1,000,000 messages over 4 partitions while the broker answers every 7th
// Produce with a retriable error after appending it and drops 30 connections after appending.
std::vector<refbroker::FaultRule> million_faults() {
  return {{.api = kafka::proto::ApiKey::Produce,
           .action = refbroker::FaultAction::ErrorAfterWork,
           .error = kafka::Error::NOT_LEADER_OR_FOLLOWER,
           .every = 7,
           .times = -1},
          {.api = kafka::proto::ApiKey::Produce,
           .action = refbroker::FaultAction::DropAfterWork,
           .skip = 5,
           .every = 13,
           .times = 30}};
}

TEST_F(IdempotenceTest, MillionMessagesExactlyOnceUnderFaults) {
  run_with_faults(*this, broker(), bootstrap(), million_faults(), "idem-million", 4, 250000, 20, "2000");
}

TEST_F(IdempotenceTest, MillionMessagesWithoutIdempotenceLoseNothing) {
  run_with_faults(*this, broker(), bootstrap(), million_faults(), "plain-million", 4, 250000, 20, "2000", "false");
}

// Broker-side loss of producer state / sequence gaps: the producer bumps its epoch (KIP-360;
// refbroker, like Kafka for idempotent producers, hands out a new producer id) and resends what
// was not acknowledged with fresh sequence numbers.
TEST_F(IdempotenceTest, UnknownProducerIdBumpsEpoch) {
  run_with_faults(*this, broker(), bootstrap(),
                  {{.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::Error,
                    .error = kafka::Error::UNKNOWN_PRODUCER_ID,
                    .skip = 5,
                    .times = 1}},
                  "idem-unknown-pid", 2, 1000, 1);
  std::set<std::pair<int64_t, int16_t>> pids;
  for (int part = 0; part < 2; ++part) {
    std::vector<kafka::BatchHeader> hs;
    client_test::fetch_all(bootstrap(), "idem-unknown-pid", part, &hs);
    for (auto& h : hs) pids.insert({h.producer_id, h.producer_epoch});
  }
  EXPECT_GE(pids.size(), 2u) << "no epoch bump / new producer id seen";
}

TEST_F(IdempotenceTest, OutOfOrderSequenceBumpsEpoch) {
  run_with_faults(*this, broker(), bootstrap(),
                  {{.api = kafka::proto::ApiKey::Produce,
                    .action = refbroker::FaultAction::Error,
                    .error = kafka::Error::OUT_OF_ORDER_SEQUENCE_NUMBER,
                    .skip = 4,
                    .times = 2}},
                  "idem-ooo", 2, 1000, 2);
}

TEST_F(IdempotenceTest, ProducerIdIsUsed) {
  // The batches carry a producer id and consecutive sequence numbers from 0.
  std::string errstr;
  ProducerCallbacks cb;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap()}, {"enable.idempotence", "true"}}, cb, errstr);
  ASSERT_TRUE(p) << errstr;
  for (int i = 0; i < 100; ++i) {
    std::string v = std::to_string(i);
    Message m;
    m.topic = "idem-pid";
    m.value = kafka::as_bytes(v);
    ASSERT_EQ(p->produce(m), 0);
    if (i == 49) {
      ASSERT_EQ(p->flush(10000), 0);
    }
  }
  ASSERT_EQ(p->flush(10000), 0);
  std::vector<kafka::BatchHeader> hs;
  auto recs = client_test::fetch_all(bootstrap(), "idem-pid", 0, &hs);
  ASSERT_EQ(recs.size(), 100u);
  int32_t next = 0;
  for (auto& h : hs) {
    EXPECT_GE(h.producer_id, 0);
    EXPECT_GE(h.producer_epoch, 0);
    EXPECT_EQ(h.base_sequence, next);
    next += h.records_count;
  }
}

TEST(IdempotenceConfig, ConflictingSettingsAreRejected) {
  std::string errstr;
  ProducerCallbacks cb;
  EXPECT_FALSE(ProducerCore::create({{"enable.idempotence", "true"}, {"acks", "1"}}, cb, errstr));
  EXPECT_NE(errstr.find("acks"), std::string::npos);
  EXPECT_FALSE(ProducerCore::create({{"enable.idempotence", "true"}, {"max.in.flight", "6"}}, cb, errstr));
  EXPECT_FALSE(ProducerCore::create({{"enable.idempotence", "true"}, {"retries", "0"}}, cb, errstr));
  EXPECT_TRUE(ProducerCore::create({{"enable.idempotence", "true"}, {"acks", "all"}, {"max.in.flight", "5"}}, cb, errstr));
}

// A fenced epoch is fatal for an idempotent producer: fatal_error() reports the cause, the error
// callback gets _FATAL, what is queued is purged and produce() refuses further messages.
TEST_F(IdempotenceTest, FencedEpochIsFatal) {
  std::mutex mu;
  std::vector<int> errors, drs;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) {
    std::lock_guard lk(mu);
    drs.push_back(r.error());
  };
  cb.error = [&](int e, const std::string&) {
    std::lock_guard lk(mu);
    errors.push_back(e);
  };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap()}, {"enable.idempotence", "true"}}, cb, errstr);
  ASSERT_TRUE(p) << errstr;
  std::string v = "v";
  Message m;
  m.topic = "idem-fenced";
  m.value = kafka::as_bytes(v);
  ASSERT_EQ(p->produce(m), 0);
  ASSERT_EQ(p->flush(10000), 0);
  broker().faults().add({.api = kafka::proto::ApiKey::Produce,
                         .action = refbroker::FaultAction::Error,
                         .error = kafka::Error::INVALID_PRODUCER_EPOCH,
                         .times = 1});
  ASSERT_EQ(p->produce(m), 0);
  p->flush(5000);
  std::string reason;
  EXPECT_EQ(p->fatal_error(reason), static_cast<int>(kafka::Error::INVALID_PRODUCER_EPOCH));
  EXPECT_FALSE(reason.empty());
  EXPECT_EQ(p->produce(m), err(LocalErr::FATAL));
  std::lock_guard lk(mu);
  ASSERT_EQ(drs.size(), 2u);
  EXPECT_EQ(drs[0], 0);
  EXPECT_EQ(drs[1], static_cast<int>(kafka::Error::INVALID_PRODUCER_EPOCH));
  EXPECT_NE(std::find(errors.begin(), errors.end(), err(LocalErr::FATAL)), errors.end());
}

// A Produce request the broker sits on past request.timeout.ms: the connection is dropped, the
// batch is resent on a new one, and the broker's de-duplication keeps the log exactly-once.
TEST_F(IdempotenceTest, RequestTimeoutResendsExactlyOnce) {
  client_test::create_topic(bootstrap(), "idem-timeout", 1);
  std::atomic<int> ok{0}, bad{0};
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? bad : ok)++; };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap()},
                                 {"enable.idempotence", "true"},
                                 {"request.timeout.ms", "300"},
                                 {"retry.backoff.ms", "10"},
                                 {"reconnect.backoff.ms", "10"}},
                                cb, errstr);
  ASSERT_TRUE(p) << errstr;
  std::string v = "first";
  Message m;
  m.topic = "idem-timeout";
  m.value = kafka::as_bytes(v);
  ASSERT_EQ(p->produce(m), 0);
  ASSERT_EQ(p->flush(10000), 0);
  broker().faults().add({.api = kafka::proto::ApiKey::Produce,
                         .action = refbroker::FaultAction::Delay,
                         .delay_ms = 2500,
                         .times = 1});
  for (int i = 0; i < 50; ++i) {
    std::string s = std::to_string(i);
    m.value = kafka::as_bytes(s);
    ASSERT_EQ(p->produce(m), 0);
  }
  ASSERT_EQ(p->flush(20000), 0);
  EXPECT_EQ(ok.load(), 51);
  EXPECT_EQ(bad.load(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));  // the held request completes too
  auto recs = client_test::fetch_all(bootstrap(), "idem-timeout", 0);
  ASSERT_EQ(recs.size(), 51u);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(std::string(recs[i + 1].value->begin(), recs[i + 1].value->end()), std::to_string(i));
}
