// The consumer's record parsing (parse_fetched_records): positions inside batches, control
// batches, aborted transactions under read_committed, compressed batches, corrupt data.
#include <gtest/gtest.h>

#include "consumer_impl.h"

using namespace kafka;
using namespace kafka::client;

namespace {

constexpr int64_t kPid = 7;

// Appends a batch of `n` records ("v<offset>") at base_offset to `log`.
void add_batch(std::vector<uint8_t>& log, int64_t base_offset, int n, bool transactional, Compression codec = Compression::None) {
  RecordBatchBuilder b;
  b.set_base_offset(base_offset);
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back("v" + std::to_string(base_offset + i));
  for (auto& v : values) b.append(1000 + base_offset, std::nullopt, as_bytes(v));
  auto bytes = transactional ? b.finish(codec, kPid, 0, 0, true) : b.finish(codec);
  log.insert(log.end(), bytes.begin(), bytes.end());
}

void add_marker(std::vector<uint8_t>& log, int64_t offset, ControlType type) {
  auto bytes = make_control_batch(type, kPid, 0, 0, 2000, offset);
  log.insert(log.end(), bytes.begin(), bytes.end());
}

std::vector<int64_t> parse(const std::vector<uint8_t>& log, int64_t from, AbortedFilter* aborted, ParsedRecords& out) {
  ConsumerMessage::Chunk chunk;
  FetchedSet set;
  parse_fetched_records(log, from, true, chunk, set, aborted, out);
  std::vector<int64_t> offsets;
  for (auto& m : set.msgs) {
    EXPECT_EQ(as_string(*m.value), "v" + std::to_string(m.offset));
    offsets.push_back(m.offset);
  }
  return offsets;
}

// Offsets 0-2 aborted transaction, 3 ABORT marker, 4-5 committed transaction, 6 COMMIT marker,
// 7-9 plain batch.
std::vector<uint8_t> transactional_log() {
  std::vector<uint8_t> log;
  add_batch(log, 0, 3, true);
  add_marker(log, 3, ControlType::Abort);
  add_batch(log, 4, 2, true);
  add_marker(log, 6, ControlType::Commit);
  add_batch(log, 7, 3, false);
  return log;
}

}  // namespace

TEST(ConsumerRecords, ReadCommittedSkipsAbortedTransactionsAndMarkers) {
  auto log = transactional_log();
  AbortedFilter filter;
  filter.pending = {{0, kPid}};
  ParsedRecords out;
  EXPECT_EQ(parse(log, 0, &filter, out), (std::vector<int64_t>{4, 5, 7, 8, 9}));
  EXPECT_EQ(out.err, 0);
  EXPECT_EQ(out.next_pos, 10);
}

TEST(ConsumerRecords, ReadUncommittedSkipsOnlyMarkers) {
  auto log = transactional_log();
  ParsedRecords out;
  EXPECT_EQ(parse(log, 0, nullptr, out), (std::vector<int64_t>{0, 1, 2, 4, 5, 7, 8, 9}));
  EXPECT_EQ(out.next_pos, 10);
}

TEST(ConsumerRecords, StartsInsideABatchAndAfterTrailingMarkers) {
  std::vector<uint8_t> log;
  add_batch(log, 0, 5, false, Compression::Zstd);
  add_batch(log, 5, 5, false, Compression::Lz4);
  ParsedRecords out;
  EXPECT_EQ(parse(log, 7, nullptr, out), (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(out.next_pos, 10);
  // Only a marker past the position: nothing to return, but the position moves past it.
  std::vector<uint8_t> markers;
  add_marker(markers, 10, ControlType::Commit);
  ParsedRecords out2;
  EXPECT_TRUE(parse(markers, 10, nullptr, out2).empty());
  EXPECT_EQ(out2.next_pos, 11);
}

TEST(ConsumerRecords, CorruptBatchIsReportedAfterTheGoodOnes) {
  std::vector<uint8_t> log;
  add_batch(log, 0, 2, false);
  size_t second = log.size();
  add_batch(log, 2, 2, false);
  log[second + 70] ^= 0xff;  // inside the second batch's records: CRC mismatch
  ParsedRecords out;
  EXPECT_EQ(parse(log, 0, nullptr, out), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(out.err, err(LocalErr::BAD_MSG));
  EXPECT_EQ(out.next_pos, 2);
}
