// PartitionLog: append/read, indexes, KIP-74, timestamps, retention, DeleteRecords, recovery.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "storage/partition_log.h"
#include "storage_test_util.h"

using namespace refbroker::storage;
using namespace storage_test;
using kafka::BatchHeader;
using kafka::Error;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

LogConfig small_config() {
  LogConfig c;
  c.segment_bytes = 16 * 1024;
  c.index_interval_bytes = 512;
  c.segment_index_bytes = 64 * 1024;
  c.retention_ms = -1;
  c.fsync = false;
  return c;
}

std::shared_ptr<PartitionLog> open_log(const fs::path& dir, const LogConfig& cfg, int64_t now = kNow) {
  auto r = PartitionLog::open(dir, cfg, now);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : nullptr;
}

AppendResult append(PartitionLog& log, const BatchSpec& spec = {}, int64_t now = kNow) {
  auto b = make_batch(spec);
  auto r = log.append(b, now);
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? *r : AppendResult{};
}

// Reads everything from `from` to the end with read_into, checking framing, CRCs and contiguity.
std::vector<BatchHeader> read_all(const PartitionLog& log, int64_t from, size_t max_bytes = 4096) {
  std::vector<BatchHeader> all;
  int64_t next = from;
  while (next < log.log_end_offset()) {
    std::vector<uint8_t> buf;
    auto r = log.read_into(next, max_bytes, INT64_MAX, buf);
    EXPECT_TRUE(r.ok()) << r.message();
    if (!r.ok() || buf.empty()) break;
    std::vector<BatchHeader> hs;
    EXPECT_TRUE(split_batches(buf.data(), buf.size(), hs));
    EXPECT_EQ(hs.front().base_offset, r->first_offset);
    EXPECT_EQ(hs.back().last_offset() + 1, r->next_offset);
    for (auto& h : hs) {
      if (!all.empty()) {
        EXPECT_EQ(h.base_offset, all.back().last_offset() + 1);
      }
      all.push_back(h);
    }
    next = hs.back().last_offset() + 1;
  }
  return all;
}

std::vector<uint8_t> slice_bytes(const kafka::proto::FileSlice& s) {
  std::vector<uint8_t> out(s.length);
  EXPECT_EQ(::pread(*s.fd, out.data(), s.length, static_cast<off_t>(s.offset)), static_cast<ssize_t>(s.length));
  return out;
}

fs::path seg_file(const fs::path& dir, int64_t base, const char* ext) {
  char name[64];
  std::snprintf(name, sizeof name, "%020lld.%s", static_cast<long long>(base), ext);
  return dir / name;
}

std::vector<int64_t> segment_bases(const fs::path& dir) {
  std::vector<int64_t> v;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".log") v.push_back(std::stoll(e.path().stem().string()));
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST(PartitionLog, AppendAssignsOffsetsAndReadsBack) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  std::vector<std::vector<uint8_t>> sent;
  for (int i = 0; i < 20; ++i) {
    auto b = make_batch({.records = 3, .value_size = 50, .fill = static_cast<uint8_t>('a' + i)});
    auto r = log->append(b);
    ASSERT_TRUE(r.ok()) << r.message();
    EXPECT_EQ(r->base_offset, i * 3);
    EXPECT_EQ(r->last_offset, i * 3 + 2);
    EXPECT_EQ(r->log_append_time, -1);
    EXPECT_EQ(r->log_start_offset, 0);
    sent.push_back(b);  // patched in place with its offset
    BatchHeader h;
    BatchHeader::parse(b, h);
    EXPECT_EQ(h.base_offset, i * 3);
    EXPECT_TRUE(crc_ok(b.data(), b.size()));  // the CRC does not cover BaseOffset
  }
  EXPECT_EQ(log->log_end_offset(), 60);
  auto r = log->read(0, 1 << 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 0);
  EXPECT_EQ(r->next_offset, 60);
  EXPECT_EQ(r->log_end_offset, 60);
  std::vector<uint8_t> expect;
  for (auto& b : sent) expect.insert(expect.end(), b.begin(), b.end());
  EXPECT_EQ(slice_bytes(r->slice), expect);

  std::vector<uint8_t> copy;
  auto c = log->read_into(0, 1 << 20, INT64_MAX, copy);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(copy, expect);
  EXPECT_EQ(c->slice.fd, nullptr);
}

TEST(PartitionLog, MultiBatchAppendIsOneWrite) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  std::vector<uint8_t> chunk;
  for (int i = 0; i < 4; ++i) {
    auto b = make_batch({.records = 5});
    chunk.insert(chunk.end(), b.begin(), b.end());
  }
  auto r = log->append(chunk);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base_offset, 0);
  EXPECT_EQ(r->last_offset, 19);
  EXPECT_EQ(r->batch_count, 4);
  auto all = read_all(*log, 0);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].base_offset, 15);
}

TEST(PartitionLog, RollsBySizeAndReadsAcrossSegments) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 400; ++i) append(*log, {.records = 2, .value_size = 100});
  EXPECT_GT(log->segment_count(), 5u);
  auto bases = segment_bases(d.path);
  EXPECT_EQ(bases.size(), log->segment_count());
  for (size_t i = 0; i < bases.size(); ++i) {
    auto sz = fs::file_size(seg_file(d.path, bases[i], "log"));
    EXPECT_LE(sz, 16u * 1024);
    if (i + 1 < bases.size()) {
      // Rolled segments have trimmed index files.
      EXPECT_LT(fs::file_size(seg_file(d.path, bases[i], "index")), 1024u);
      EXPECT_EQ(fs::file_size(seg_file(d.path, bases[i], "index")) % 8, 0u);
    }
  }
  auto all = read_all(*log, 0, 3000);
  ASSERT_EQ(all.size(), 400u);
  EXPECT_EQ(all.back().last_offset(), 799);
}

TEST(PartitionLog, SparseIndexLookupLandsOnTheRightBatch) {
  TempDir d;
  auto cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  cfg.index_interval_bytes = 300;
  auto log = open_log(d.path, cfg);
  for (int i = 0; i < 500; ++i)
    append(*log, {.records = 1 + i % 4, .value_size = 20 + static_cast<size_t>(i % 50), .base_timestamp = 10 * i});
  log->close();
  auto idx = seg_file(d.path, 0, "index");
  EXPECT_GT(fs::file_size(idx), 8u * 20);  // many sparse entries
  EXPECT_GT(fs::file_size(seg_file(d.path, 0, "timeindex")), 12u * 20);
  log = open_log(d.path, cfg);
  int64_t leo = log->log_end_offset();
  for (int64_t off = 0; off < leo; off += 7) {
    auto r = log->read(off, 1);  // KIP-74: exactly the batch holding `off`
    ASSERT_TRUE(r.ok()) << off;
    auto bytes = slice_bytes(r->slice);
    std::vector<BatchHeader> hs;
    ASSERT_TRUE(split_batches(bytes.data(), bytes.size(), hs));
    ASSERT_EQ(hs.size(), 1u);
    EXPECT_LE(hs[0].base_offset, off);
    EXPECT_GE(hs[0].last_offset(), off);
    EXPECT_EQ(r->first_offset, hs[0].base_offset);
  }
}

TEST(PartitionLog, MaxBytesKip74AndMaxOffset) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 10; ++i) append(*log, {.records = 2, .value_size = 100});  // 10 equal batches
  auto one = make_batch({.records = 2, .value_size = 100}).size();

  auto r = log->read(0, one * 2 + one / 2);  // 2.5 batches -> 2 whole batches
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, one * 2);
  EXPECT_EQ(r->next_offset, 4);

  r = log->read(0, 10);  // smaller than one batch: still one batch (KIP-74)
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, one);

  r = log->read(0, 10, INT64_MAX, /*min_one_batch=*/false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, 0u);

  r = log->read(3, 1 << 20);  // offset in the middle of batch [2,3]: the whole batch
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 2);
  EXPECT_EQ(r->slice.length, one * 9);

  r = log->read(0, 1 << 20, 6);  // high watermark 6: batches [0..5] only
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, one * 3);
  EXPECT_EQ(r->next_offset, 6);

  r = log->read(0, 1 << 20, 5);  // a batch crossing the bound is left out
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, one * 2);

  r = log->read(6, 1 << 20, 6);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, 0u);
}

TEST(PartitionLog, OffsetOutOfRange) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 5; ++i) append(*log);
  auto r = log->read(6, 100);
  EXPECT_EQ(r.error(), Error::OFFSET_OUT_OF_RANGE);
  EXPECT_NE(r.message().find("range 0 to 5"), std::string::npos) << r.message();
  r = log->read(-1, 100);
  EXPECT_EQ(r.error(), Error::OFFSET_OUT_OF_RANGE);
  r = log->read(5, 100);  // at the log end: empty, not an error
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->slice.length, 0u);
  EXPECT_EQ(r->log_end_offset, 5);
  ASSERT_TRUE(log->delete_records_before(3).ok());
  EXPECT_EQ(log->read(2, 100).error(), Error::OFFSET_OUT_OF_RANGE);
  EXPECT_TRUE(log->read(3, 100).ok());
}

TEST(PartitionLog, OffsetForTimestamp) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  // Batch i: 5 records with timestamps 1000*i + 0, 10, 20, 30, 40 at offsets 5i..5i+4.
  for (int i = 0; i < 200; ++i) append(*log, {.records = 5, .value_size = 30, .base_timestamp = 1000 * i, .timestamp_step = 10});
  ASSERT_GT(log->segment_count(), 2u);
  auto q = [&](int64_t ts) { auto r = log->offset_for_timestamp(ts); EXPECT_TRUE(r.ok()); return *r; };
  EXPECT_EQ(q(0), (TimestampOffset{0, 0}));
  EXPECT_EQ(q(-5), (TimestampOffset{0, 0}));
  EXPECT_EQ(q(1000 * 57), (TimestampOffset{57000, 285}));
  EXPECT_EQ(q(1000 * 57 + 15), (TimestampOffset{57020, 287}));
  EXPECT_EQ(q(1000 * 57 + 41), (TimestampOffset{58000, 290}));
  EXPECT_EQ(q(1000 * 199 + 40), (TimestampOffset{199040, 999}));
  EXPECT_EQ(q(1000 * 199 + 41), (TimestampOffset{-1, -1}));
  auto m = log->max_timestamp();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, (TimestampOffset{199040, 999}));
  // Never below the log start offset.
  ASSERT_TRUE(log->delete_records_before(287).ok());
  EXPECT_EQ(q(0), (TimestampOffset{57020, 287}));
  // Same answers after a restart (time index loaded from disk).
  log->close();
  log = open_log(d.path, small_config());
  EXPECT_EQ(q(1000 * 120 + 5), (TimestampOffset{120010, 601}));
  EXPECT_EQ(q(1000 * 199 + 41), (TimestampOffset{-1, -1}));
}

TEST(PartitionLog, MaxTimestampIsTheRecordHoldingIt) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  EXPECT_EQ(*log->max_timestamp(), (TimestampOffset{-1, -1}));
  append(*log, {.records = 3, .base_timestamp = 100, .timestamp_step = 10});   // 0..2: 100,110,120
  append(*log, {.records = 4, .base_timestamp = 500, .timestamp_step = -100}); // 3..6: 500,400,300,200
  append(*log, {.records = 2, .base_timestamp = 150, .timestamp_step = 10});   // 7..8
  EXPECT_EQ(*log->max_timestamp(), (TimestampOffset{500, 3}));
}

TEST(PartitionLog, OffsetForTimestampCompressedBatchUsesBatchStart) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  append(*log, {.records = 4, .base_timestamp = 100, .timestamp_step = 10, .attributes = 4 /* zstd */});
  auto r = log->offset_for_timestamp(115);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (TimestampOffset{130, 0}));
}

TEST(PartitionLog, LogAppendTimeRewritesTimestampAndCrc) {
  TempDir d;
  auto cfg = small_config();
  cfg.message_timestamp_type = TimestampType::LogAppendTime;
  auto log = open_log(d.path, cfg);
  auto b = make_batch({.records = 3, .base_timestamp = 5});
  auto r = log->append(b, kNow + 123);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->log_append_time, kNow + 123);
  BatchHeader h;
  BatchHeader::parse(b, h);
  EXPECT_TRUE(h.log_append_time());
  EXPECT_EQ(h.max_timestamp, kNow + 123);
  EXPECT_TRUE(crc_ok(b.data(), b.size()));
  auto ts = log->offset_for_timestamp(kNow);
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(*ts, (TimestampOffset{kNow + 123, 0}));
}

TEST(PartitionLog, RejectsBadAppends) {
  TempDir d;
  auto cfg = small_config();
  cfg.max_message_bytes = 1000;
  auto log = open_log(d.path, cfg);
  auto big = make_batch({.value_size = 2000});
  EXPECT_EQ(log->append(big).error(), Error::MESSAGE_TOO_LARGE);
  std::vector<uint8_t> many;
  for (int i = 0; i < 30; ++i) {
    auto b = make_batch({.value_size = 900});
    many.insert(many.end(), b.begin(), b.end());
  }
  EXPECT_EQ(log->append(many).error(), Error::RECORD_LIST_TOO_LARGE);
  auto torn = make_batch();
  torn.resize(torn.size() - 1);
  EXPECT_EQ(log->append(torn).error(), Error::CORRUPT_MESSAGE);
  auto v1 = make_batch();
  v1[16] = 1;
  EXPECT_EQ(log->append(v1).error(), Error::CORRUPT_MESSAGE);
  EXPECT_EQ(log->log_end_offset(), 0);
  auto empty = log->append({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->base_offset, -1);
}

TEST(PartitionLog, RollsByTimeAndByRelativeOffsetOverflow) {
  TempDir d;
  auto cfg = small_config();
  cfg.segment_bytes = 1 << 20;
  cfg.segment_ms = 1000;
  auto log = open_log(d.path, cfg);
  append(*log, {}, kNow);
  append(*log, {}, kNow + 500);
  EXPECT_EQ(log->segment_count(), 1u);
  append(*log, {}, kNow + 1001);
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(segment_bases(d.path), (std::vector<int64_t>{0, 2}));

  // A batch whose last offset does not fit in a relative int32 of the active segment.
  append(*log, {.extra_offset_delta = INT32_MAX - 1}, kNow + 1002);  // relative INT32_MAX - 1: fits
  EXPECT_EQ(log->segment_count(), 2u);
  append(*log, {.extra_offset_delta = 1}, kNow + 1003);  // would be INT32_MAX + 1 relative to 2
  EXPECT_EQ(log->segment_count(), 3u);
  EXPECT_EQ(segment_bases(d.path).back(), 3 + int64_t{INT32_MAX});
  EXPECT_EQ(log->log_end_offset(), 3 + int64_t{INT32_MAX} + 2);
  auto all = read_all(*log, 0);
  EXPECT_EQ(all.size(), 5u);
}

TEST(PartitionLog, RetentionByTime) {
  TempDir d;
  auto cfg = small_config();
  cfg.retention_ms = 60'000;
  auto log = open_log(d.path, cfg);
  // Old data (timestamps 2 hours ago), then new data.
  for (int i = 0; i < 150; ++i) append(*log, {.records = 2, .value_size = 100, .base_timestamp = kNow - 7'200'000});
  size_t old_segments = log->segment_count();
  for (int i = 0; i < 150; ++i) append(*log, {.records = 2, .value_size = 100, .base_timestamp = kNow});
  auto r = log->apply_retention(kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_GE(*r, static_cast<int>(old_segments) - 1);
  EXPECT_GT(log->log_start_offset(), 0);
  EXPECT_EQ(log->log_start_offset(), segment_bases(d.path).front());
  EXPECT_LE(log->log_start_offset(), 300);  // the new data stays
  EXPECT_EQ(read_all(*log, log->log_start_offset()).back().last_offset(), 599);

  // Everything expired: the log keeps an empty active segment at the log end.
  r = log->apply_retention(kNow + 3'600'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_start_offset(), 600);
  EXPECT_EQ(log->log_end_offset(), 600);
  EXPECT_EQ(segment_bases(d.path), (std::vector<int64_t>{600}));
  EXPECT_EQ(append(*log).base_offset, 600);
  log->close();
  log = open_log(d.path, cfg);
  EXPECT_EQ(log->log_start_offset(), 600);
  EXPECT_EQ(log->log_end_offset(), 601);
}

TEST(PartitionLog, RetentionByBytes) {
  TempDir d;
  auto cfg = small_config();
  cfg.retention_bytes = 40 * 1024;
  auto log = open_log(d.path, cfg);
  for (int i = 0; i < 1000; ++i) append(*log, {.records = 1, .value_size = 200});
  uint64_t before = log->size_bytes();
  auto r = log->apply_retention(kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_GT(*r, 0);
  // Kafka deletes the oldest segments as long as the rest still holds retention.bytes, so what
  // remains is at most one segment above it.
  EXPECT_GT(log->size_bytes(), 40u * 1024);
  EXPECT_LT(log->size_bytes(), 40u * 1024 + 16 * 1024);
  EXPECT_LT(log->size_bytes(), before);
  EXPECT_EQ(read_all(*log, log->log_start_offset()).back().last_offset(), 999);
}

TEST(PartitionLog, DeleteRecordsSurvivesRestart) {
  TempDir d;
  auto cfg = small_config();
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
    EXPECT_EQ(log->delete_records_before(601).error(), Error::OFFSET_OUT_OF_RANGE);
    auto r = log->delete_records_before(333);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, 333);
    EXPECT_LE(segment_bases(d.path).front(), 333);
    auto b = segment_bases(d.path);
    if (b.size() > 1) {
      EXPECT_GT(b[1], 333);  // segments wholly below are gone
    }
    EXPECT_EQ(log->delete_records_before(100).value(), 333);  // never moves back
  }
  fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  {
    // Also without a clean shutdown.
    auto log = open_log(d.path, cfg);
    EXPECT_EQ(log->log_start_offset(), 333);
    EXPECT_EQ(log->read(332, 100).error(), Error::OFFSET_OUT_OF_RANGE);
    auto r = log->read(333, 100);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_offset, 332);  // the batch [332,333] holding the start offset
    ASSERT_TRUE(log->delete_records_before(600).ok());  // everything
    log->close();
    fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  }
  auto log = open_log(d.path, cfg);
  EXPECT_EQ(log->log_start_offset(), 600);
  EXPECT_EQ(log->log_end_offset(), 600);
  EXPECT_EQ(log->read(600, 100)->slice.length, 0u);
}

TEST(PartitionLog, RestartRecoversOffsets) {
  TempDir d;
  auto cfg = small_config();
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 250; ++i) append(*log, {.records = 3});
  }
  auto log = open_log(d.path, cfg);
  EXPECT_TRUE(log->recovery_stats().clean_shutdown);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 0);
  EXPECT_EQ(log->log_end_offset(), 750);
  size_t segments = log->segment_count();
  EXPECT_EQ(append(*log).base_offset, 750);
  EXPECT_EQ(log->segment_count(), segments);  // no roll just because the log was reopened
  EXPECT_FALSE(fs::exists(d.path / PartitionLog::kCleanShutdownFile));  // gone at the first write
  EXPECT_EQ(read_all(*log, 0).size(), 251u);
  log->close();
  // Unclean: the marker is missing, so the active segment is re-validated.
  fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  log = open_log(d.path, cfg);
  EXPECT_FALSE(log->recovery_stats().clean_shutdown);
  EXPECT_GE(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->recovery_stats().bytes_truncated, 0u);
  EXPECT_EQ(log->log_end_offset(), 751);
}

TEST(PartitionLog, UncleanOpenRecoversOnlyAfterTheRecoveryPoint) {
  TempDir d;
  auto cfg = small_config();
  cfg.fsync = true;
  auto log = open_log(d.path / "live", cfg);
  for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
  ASSERT_GT(log->segment_count(), 3u);
  PartitionLog::wait_for_background_flushes();  // rolled segments are flushed asynchronously
  // A copy of the files while the log is open is what a crash would leave behind.
  fs::copy(d.path / "live", d.path / "crashed");
  auto crashed = open_log(d.path / "crashed", cfg);
  EXPECT_FALSE(crashed->recovery_stats().clean_shutdown);
  EXPECT_EQ(crashed->recovery_stats().segments_recovered, 1);  // rolled segments were flushed
  EXPECT_EQ(crashed->log_end_offset(), 600);
  EXPECT_EQ(read_all(*crashed, 0).size(), 300u);
}

TEST(PartitionLog, RecoveryTruncatesTornTail) {
  TempDir d;
  auto cfg = small_config();
  uint64_t size_before;
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 100; ++i) append(*log, {.records = 2});
  }
  auto bases = segment_bases(d.path);
  auto active = seg_file(d.path, bases.back(), "log");
  size_before = fs::file_size(active);
  {
    auto half = make_batch({.records = 2});
    BatchHeader::write_i64(half.data(), 200);
    std::ofstream f(active, std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(half.data()), static_cast<std::streamsize>(half.size() / 2));
  }
  fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  auto log = open_log(d.path, cfg);
  EXPECT_EQ(log->recovery_stats().bytes_truncated, make_batch({.records = 2}).size() / 2);
  EXPECT_EQ(fs::file_size(active), size_before);
  EXPECT_EQ(log->log_end_offset(), 200);
  EXPECT_EQ(append(*log).base_offset, 200);
  EXPECT_EQ(read_all(*log, 0).size(), 101u);
}

TEST(PartitionLog, RecoveryTruncatesCorruptBatch) {
  TempDir d;
  auto cfg = small_config();
  size_t one = make_batch({.records = 2}).size();
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 100; ++i) append(*log, {.records = 2});
  }
  auto bases = segment_bases(d.path);
  auto active = seg_file(d.path, bases.back(), "log");
  uint64_t size = fs::file_size(active);
  ASSERT_GE(size, 3 * one);
  // Flip a byte in the value of the third-to-last batch.
  uint64_t victim = size - 3 * one;
  {
    int fd = ::open(active.c_str(), O_RDWR);
    uint8_t c;
    ASSERT_EQ(::pread(fd, &c, 1, static_cast<off_t>(victim + 80)), 1);
    c ^= 0x5a;
    ASSERT_EQ(::pwrite(fd, &c, 1, static_cast<off_t>(victim + 80)), 1);
    ::close(fd);
  }
  fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  auto log = open_log(d.path, cfg);
  EXPECT_EQ(log->recovery_stats().bytes_truncated, 3 * one);
  EXPECT_EQ(log->log_end_offset(), 194);
  auto all = read_all(*log, 0);
  ASSERT_EQ(all.size(), 97u);
  EXPECT_EQ(all.back().last_offset(), 193);
}

TEST(PartitionLog, RecoveryDropsSegmentsAfterCorruptionBeforeTheRecoveryPoint) {
  TempDir d;
  auto cfg = small_config();
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
    ASSERT_GT(log->segment_count(), 3u);
    log->close();
  }
  // Pretend nothing was ever flushed: every segment is re-validated.
  {
    std::ofstream f(d.path / PartitionLog::kCheckpointFile, std::ios::trunc);
    f << "0\nlog_start_offset 0\nrecovery_point 0\n";
  }
  fs::remove(d.path / PartitionLog::kCleanShutdownFile);
  auto bases = segment_bases(d.path);
  {
    std::ofstream f(seg_file(d.path, bases[1], "log"), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(100);
    f.put('\x7f');
  }
  auto log = open_log(d.path, cfg);
  EXPECT_EQ(log->recovery_stats().segments_dropped, static_cast<int>(bases.size()) - 2);
  EXPECT_EQ(segment_bases(d.path).size(), 2u);
  EXPECT_EQ(log->log_end_offset(), bases[1]);  // the first batch of segment 1 was hit
  EXPECT_EQ(read_all(*log, 0).back().last_offset(), bases[1] - 1);
  EXPECT_EQ(append(*log).base_offset, bases[1]);
}

TEST(PartitionLog, RebuildsDeletedIndexes) {
  TempDir d;
  auto cfg = small_config();
  {
    auto log = open_log(d.path, cfg);
    for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
  }
  auto bases = segment_bases(d.path);
  ASSERT_GT(bases.size(), 2u);
  auto old_index = seg_file(d.path, bases[1], "index");
  auto old_size = fs::file_size(old_index);
  ASSERT_GT(old_size, 0u);
  fs::remove(old_index);
  fs::remove(seg_file(d.path, bases.back(), "timeindex"));
  auto log = open_log(d.path, cfg);
  EXPECT_TRUE(log->recovery_stats().clean_shutdown);
  EXPECT_EQ(log->recovery_stats().indexes_rebuilt, 2);
  EXPECT_EQ(fs::file_size(old_index), old_size);
  for (int64_t off = bases[1]; off < bases[2]; off += 3) {
    auto r = log->read(off, 1);
    ASSERT_TRUE(r.ok());
    EXPECT_LE(r->first_offset, off);
    EXPECT_GT(r->next_offset, off);
  }
  EXPECT_EQ(read_all(*log, 0).size(), 300u);
  // A garbage index (wrong size) is rebuilt lazily, on first use.
  log->close();
  {
    std::ofstream f(seg_file(d.path, bases[0], "index"), std::ios::binary | std::ios::app);
    f << "xyz";
  }
  log = open_log(d.path, cfg);
  auto r = log->read(5, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first_offset, 4);
  EXPECT_EQ(fs::file_size(seg_file(d.path, bases[0], "index")) % 8, 0u);
}

TEST(PartitionLog, TruncateTo) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
  ASSERT_TRUE(log->truncate_to(401).ok());  // batch [400,401] goes entirely
  EXPECT_EQ(log->log_end_offset(), 400);
  EXPECT_EQ(read_all(*log, 0).back().last_offset(), 399);
  EXPECT_EQ(append(*log).base_offset, 400);
  ASSERT_TRUE(log->truncate_to(10).ok());
  EXPECT_EQ(log->log_end_offset(), 10);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(append(*log).base_offset, 10);
  log->close();
  log = open_log(d.path, small_config());
  EXPECT_EQ(log->log_end_offset(), 11);
  EXPECT_EQ(read_all(*log, 0).size(), 6u);
}

TEST(PartitionLog, SliceStaysReadableAfterSegmentDeletion) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 300; ++i) append(*log, {.records = 2});
  auto r = log->read(0, 1 << 20);
  ASSERT_TRUE(r.ok());
  auto before = slice_bytes(r->slice);
  ASSERT_TRUE(log->delete_records_before(590).ok());
  EXPECT_FALSE(fs::exists(seg_file(d.path, 0, "log")));
  EXPECT_EQ(slice_bytes(r->slice), before);  // the shared fd keeps the unlinked file
  ASSERT_TRUE(log->remove().ok());
  EXPECT_FALSE(fs::exists(d.path));
  EXPECT_EQ(slice_bytes(r->slice), before);
  auto late = make_batch();
  EXPECT_EQ(log->append(late).error(), Error::UNKNOWN_TOPIC_OR_PARTITION);
}

TEST(PartitionLog, VisitBatches) {
  TempDir d;
  auto log = open_log(d.path, small_config());
  for (int i = 0; i < 100; ++i) append(*log, {.records = 2});
  std::vector<int64_t> bases;
  ASSERT_TRUE(log->visit_batches(51, [&](const BatchHeader& h) { bases.push_back(h.base_offset); return bases.size() < 10; }).ok());
  ASSERT_EQ(bases.size(), 10u);
  EXPECT_EQ(bases.front(), 50);
  EXPECT_EQ(bases.back(), 68);
}

TEST(PartitionLog, ConcurrentAppendsAndReads) {
  TempDir d;
  auto cfg = small_config();
  auto log = open_log(d.path, cfg);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < 1500; ++i) {
        auto b = make_batch({.records = 2, .value_size = 60, .fill = static_cast<uint8_t>('a' + w)});
        if (!log->append(b).ok()) ++failures;
      }
    });
  std::thread reader([&] {
    while (!done) {
      int64_t leo = log->log_end_offset();
      int64_t from = leo > 100 ? leo - 100 : 0;
      std::vector<uint8_t> buf;
      auto r = log->read_into(from, 8192, INT64_MAX, buf);
      if (!r.ok()) { ++failures; continue; }
      std::vector<BatchHeader> hs;
      if (!split_batches(buf.data(), buf.size(), hs)) ++failures;
      for (size_t i = 1; i < hs.size(); ++i)
        if (hs[i].base_offset != hs[i - 1].last_offset() + 1) ++failures;
    }
  });
  std::thread retention([&] {
    while (!done) (void)log->delete_records_before(std::max<int64_t>(0, log->log_end_offset() - 2000));
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  retention.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(log->log_end_offset(), 6000);
  auto all = read_all(*log, log->log_start_offset());
  EXPECT_EQ(all.back().last_offset(), 5999);
}

TEST(PartitionLog, StartupIsFast) {
  TempDir d;
  auto t0 = std::chrono::steady_clock::now();
  auto log = open_log(d.path / "topic-0", LogConfig{});  // default 10 MiB preallocated indexes
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 100.0);
  for (int i = 0; i < 1000; ++i) append(*log, {.records = 5});
  log->close();
  t0 = std::chrono::steady_clock::now();
  log = open_log(d.path / "topic-0", LogConfig{});
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 100.0);
  EXPECT_EQ(log->log_end_offset(), 5000);
  std::printf("open: empty %.2f ms, reopen of 1000 batches %.2f ms\n", log->recovery_stats().open_ms, ms);
}
