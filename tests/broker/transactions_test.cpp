// The transaction coordinator at the wire level, with raw requests (our protocol library): epoch
// fencing and its error codes per version, producer-id mapping, the LSO and aborted transactions
// in Fetch read_committed (also after a restart: partition.txnindex), ListOffsets read_committed,
// TxnOffsetCommit offsets pending until EndTxn (OffsetFetch require_stable: UNSTABLE_OFFSET_COMMIT),
// EndTxn retries and invalid states, transactional.id expiration.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "kafka/protocol/messages.h"
#include "kafka/protocol/record_batch.h"
#include "support/broker_fixture.h"
#include "support/raw_client.h"

namespace {

namespace proto = kafka::proto;
using kafka::code;
using kafka::Error;
using testing_support::BrokerFixture;
using testing_support::RawClient;

class TransactionsTest : public BrokerFixture {
 protected:
  void SetUp() override {
    BrokerFixture::SetUp();
    c_ = std::make_unique<RawClient>(bootstrap());
    proto::CreateTopicsRequest req;
    req.topics.push_back({"t", 2, 1, {}, {}});
    ASSERT_EQ(c_->call(req, 4).topics.at(0).error_code, 0);
  }

  proto::InitProducerIdResponse init(const std::string& txn_id, int16_t version = 3, int64_t pid = -1,
                                     int16_t epoch = -1, int32_t timeout_ms = 60000) {
    proto::InitProducerIdRequest r;
    r.transactional_id = txn_id;
    r.transaction_timeout_ms = timeout_ms;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    return c_->call(r, version);
  }
  int16_t add_partition(const std::string& txn_id, int64_t pid, int16_t epoch, int32_t partition, int16_t version = 1) {
    proto::AddPartitionsToTxnRequest r;
    r.v3_and_below_transactional_id = txn_id;
    r.v3_and_below_producer_id = pid;
    r.v3_and_below_producer_epoch = epoch;
    r.v3_and_below_topics.push_back({"t", {partition}});
    return c_->call(r, version).results_by_topic_v3_and_below.at(0).results_by_partition.at(0).partition_error_code;
  }
  int16_t produce(const std::string& txn_id, int64_t pid, int16_t epoch, int32_t partition, int32_t seq, int n) {
    kafka::RecordBatchBuilder b;
    for (int i = 0; i < n; ++i) {
      std::string v = "v" + std::to_string(i);
      b.append(1000 + i, std::nullopt, kafka::ByteView(reinterpret_cast<const uint8_t*>(v.data()), v.size()));
    }
    auto bytes = b.finish(kafka::Compression::None, pid, epoch, seq, /*transactional=*/true);
    proto::ProduceRequest r;
    r.transactional_id = txn_id;
    r.acks = -1;
    r.timeout_ms = 10000;
    auto& td = r.topic_data.emplace_back();
    td.name = "t";
    auto& pd = td.partition_data.emplace_back();
    pd.index = partition;
    pd.records = proto::Records::copy_of(bytes);
    return c_->call(r, 7).responses.at(0).partition_responses.at(0).error_code;
  }
  int16_t end(const std::string& txn_id, int64_t pid, int16_t epoch, bool commit) {
    proto::EndTxnRequest r;
    r.transactional_id = txn_id;
    r.producer_id = pid;
    r.producer_epoch = epoch;
    r.committed = commit;
    return c_->call(r, 1).error_code;
  }
  proto::FetchResponse::PartitionData fetch(RawClient& c, int32_t partition, int8_t isolation) {
    proto::FetchRequest r;
    r.isolation_level = isolation;
    auto& t = r.topics.emplace_back();
    t.topic = "t";
    auto& p = t.partitions.emplace_back();
    p.partition = partition;
    p.fetch_offset = 0;
    p.partition_max_bytes = 1 << 20;
    return c.call(r, 11).responses.at(0).partitions.at(0);
  }
  int64_t latest(int32_t partition, int8_t isolation) {
    proto::ListOffsetsRequest r;
    r.isolation_level = isolation;
    auto& t = r.topics.emplace_back();
    t.name = "t";
    auto& p = t.partitions.emplace_back();
    p.partition_index = partition;
    p.timestamp = -1;
    return c_->call(r, 2).topics.at(0).partitions.at(0).offset;
  }
  proto::OffsetFetchResponse::OffsetFetchResponsePartition offset_fetch(const std::string& group, bool require_stable) {
    proto::OffsetFetchRequest r;
    r.group_id = group;
    r.topics = std::vector<proto::OffsetFetchRequest::OffsetFetchRequestTopic>{{"t", {0}}};
    r.require_stable = require_stable;
    return c_->call(r, 7).topics.at(0).partitions.at(0);
  }

  std::unique_ptr<RawClient> c_;
};

TEST_F(TransactionsTest, EpochFencingAndProducerIdMapping) {
  auto first = init("fence");
  ASSERT_EQ(first.error_code, 0);
  EXPECT_EQ(first.producer_epoch, 0);
  auto second = init("fence");
  ASSERT_EQ(second.error_code, 0);
  EXPECT_EQ(second.producer_id, first.producer_id);
  EXPECT_EQ(second.producer_epoch, 1);
  // KIP-360: the fenced instance may not bump its own epoch.
  EXPECT_EQ(init("fence", 3, first.producer_id, 0).error_code, code(Error::INVALID_PRODUCER_EPOCH));
  EXPECT_EQ(init("fence", 4, first.producer_id, 0).error_code, code(Error::PRODUCER_FENCED));
  auto bumped = init("fence", 4, second.producer_id, second.producer_epoch);
  ASSERT_EQ(bumped.error_code, 0);
  EXPECT_EQ(bumped.producer_epoch, 2);
  EXPECT_EQ(add_partition("fence", first.producer_id, 0, 0, 1), code(Error::INVALID_PRODUCER_EPOCH));
  EXPECT_EQ(add_partition("fence", first.producer_id, 0, 0, 2), code(Error::PRODUCER_FENCED));
  EXPECT_EQ(add_partition("fence", first.producer_id + 1000, 2, 0), code(Error::INVALID_PRODUCER_ID_MAPPING));
  EXPECT_EQ(add_partition("unknown", first.producer_id, 2, 0), code(Error::INVALID_PRODUCER_ID_MAPPING));
  EXPECT_EQ(end("fence", bumped.producer_id, bumped.producer_epoch, true), code(Error::INVALID_TXN_STATE));
  EXPECT_EQ(init("too-long", 3, -1, -1, 3600000).error_code, code(Error::INVALID_TRANSACTION_TIMEOUT));
}

TEST_F(TransactionsTest, AbortedTransactionsAndLastStableOffset) {
  auto p = init("lso");
  ASSERT_EQ(p.error_code, 0);
  ASSERT_EQ(add_partition("lso", p.producer_id, p.producer_epoch, 0), 0);
  ASSERT_EQ(produce("lso", p.producer_id, p.producer_epoch, 0, 0, 3), 0);
  // Open: read_committed sees nothing, the LSO is the transaction's first offset.
  auto committed = fetch(*c_, 0, 1);
  EXPECT_EQ(committed.high_watermark, 3);
  EXPECT_EQ(committed.last_stable_offset, 0);
  EXPECT_EQ(committed.records.size(), 0u);
  auto uncommitted = fetch(*c_, 0, 0);
  EXPECT_EQ(uncommitted.last_stable_offset, 0);
  EXPECT_GT(uncommitted.records.size(), 0u);
  EXPECT_FALSE(uncommitted.aborted_transactions.has_value());
  EXPECT_EQ(latest(0, 1), 0);
  EXPECT_EQ(latest(0, 0), 3);

  ASSERT_EQ(end("lso", p.producer_id, p.producer_epoch, false), 0);
  EXPECT_EQ(end("lso", p.producer_id, p.producer_epoch, false), 0);  // a retry
  EXPECT_EQ(end("lso", p.producer_id, p.producer_epoch, true), code(Error::INVALID_TXN_STATE));
  auto after = fetch(*c_, 0, 1);
  EXPECT_EQ(after.high_watermark, 4);  // the ABORT marker
  EXPECT_EQ(after.last_stable_offset, 4);
  EXPECT_GT(after.records.size(), 0u);
  ASSERT_TRUE(after.aborted_transactions.has_value());
  ASSERT_EQ(after.aborted_transactions->size(), 1u);
  EXPECT_EQ(after.aborted_transactions->at(0).producer_id, p.producer_id);
  EXPECT_EQ(after.aborted_transactions->at(0).first_offset, 0);
  EXPECT_EQ(latest(0, 1), 4);

  // A committed transaction adds no aborted entry; the index survives a restart.
  ASSERT_EQ(add_partition("lso", p.producer_id, p.producer_epoch, 0), 0);
  ASSERT_EQ(produce("lso", p.producer_id, p.producer_epoch, 0, 3, 2), 0);
  ASSERT_EQ(end("lso", p.producer_id, p.producer_epoch, true), 0);
  c_.reset();
  restart_broker();
  c_ = std::make_unique<RawClient>(bootstrap());
  auto reloaded = fetch(*c_, 0, 1);
  EXPECT_EQ(reloaded.high_watermark, 7);
  EXPECT_EQ(reloaded.last_stable_offset, 7);
  ASSERT_TRUE(reloaded.aborted_transactions.has_value());
  ASSERT_EQ(reloaded.aborted_transactions->size(), 1u);
  EXPECT_EQ(reloaded.aborted_transactions->at(0).first_offset, 0);
}

TEST_F(TransactionsTest, TransactionalOffsetsArePendingUntilEndTxn) {
  auto p = init("offsets");
  ASSERT_EQ(p.error_code, 0);
  proto::AddOffsetsToTxnRequest add;
  add.transactional_id = "offsets";
  add.producer_id = p.producer_id;
  add.producer_epoch = p.producer_epoch;
  add.group_id = "txn-group";
  ASSERT_EQ(c_->call(add, 1).error_code, 0);
  auto commit_offset = [&](int64_t offset) {
    proto::TxnOffsetCommitRequest r;
    r.transactional_id = "offsets";
    r.group_id = "txn-group";
    r.producer_id = p.producer_id;
    r.producer_epoch = p.producer_epoch;
    auto& t = r.topics.emplace_back();
    t.name = "t";
    auto& q = t.partitions.emplace_back();
    q.partition_index = 0;
    q.committed_offset = offset;
    q.committed_metadata = "txn";
    return c_->call(r, 3).topics.at(0).partitions.at(0).error_code;
  };
  ASSERT_EQ(commit_offset(17), 0);
  EXPECT_EQ(offset_fetch("txn-group", true).error_code, code(Error::UNSTABLE_OFFSET_COMMIT));
  EXPECT_EQ(offset_fetch("txn-group", false).committed_offset, -1);
  ASSERT_EQ(end("offsets", p.producer_id, p.producer_epoch, true), 0);
  auto visible = offset_fetch("txn-group", true);
  EXPECT_EQ(visible.error_code, 0);
  EXPECT_EQ(visible.committed_offset, 17);
  EXPECT_EQ(visible.metadata, std::optional<std::string>("txn"));
  // Aborted: dropped.
  ASSERT_EQ(c_->call(add, 1).error_code, 0);
  ASSERT_EQ(commit_offset(99), 0);
  ASSERT_EQ(end("offsets", p.producer_id, p.producer_epoch, false), 0);
  EXPECT_EQ(offset_fetch("txn-group", true).committed_offset, 17);
  // And both outcomes are durable.
  c_.reset();
  restart_broker();
  c_ = std::make_unique<RawClient>(bootstrap());
  EXPECT_EQ(offset_fetch("txn-group", true).committed_offset, 17);
}

class TransactionalIdExpirationTest : public TransactionsTest {
 protected:
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"},
            {"transactional.id.expiration.ms", "500"},
            {"transactional.id.expiration.check.interval.ms", "100"}};
  }
};

TEST_F(TransactionalIdExpirationTest, IdleIdsExpireOpenOnesDoNot) {
  auto idle = init("idle");
  auto open = init("open", 3, -1, -1, 30000);
  ASSERT_EQ(idle.error_code, 0);
  ASSERT_EQ(open.error_code, 0);
  ASSERT_EQ(add_partition("open", open.producer_id, open.producer_epoch, 1), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  // The idle id is forgotten: its producer id maps to nothing, the next init starts afresh.
  EXPECT_EQ(add_partition("idle", idle.producer_id, idle.producer_epoch, 0), code(Error::INVALID_PRODUCER_ID_MAPPING));
  EXPECT_EQ(add_partition("open", open.producer_id, open.producer_epoch, 0), 0);
  c_.reset();
  restart_broker();  // and stays forgotten
  c_ = std::make_unique<RawClient>(bootstrap());
  EXPECT_EQ(add_partition("idle", idle.producer_id, idle.producer_epoch, 0), code(Error::INVALID_PRODUCER_ID_MAPPING));
  auto again = init("idle");
  ASSERT_EQ(again.error_code, 0);
  EXPECT_NE(again.producer_id, idle.producer_id);
  EXPECT_EQ(again.producer_epoch, 0);
  EXPECT_EQ(end("open", open.producer_id, open.producer_epoch, true), 0);
}

}  // namespace
