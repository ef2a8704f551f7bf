// The log of one partition: a directory <data-dir>/<topic>-<partition> of segments, each a .log of
// RecordBatch v2 batches plus a sparse .index and a .timeindex, as in Apache Kafka. Internally
// synchronized: appends, reads and maintenance may come from different threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <span>
#include <vector>

#include "kafka/protocol/batch_header.h"
#include "kafka/protocol/wire.h"
#include "storage/log_config.h"
#include "storage/result.h"
#include "storage/types.h"

namespace refbroker::storage {

namespace detail {
class Segment;
}

struct AppendResult {
  int64_t base_offset = -1;       // offset assigned to the first record
  int64_t last_offset = -1;       // offset of the last record
  int64_t log_append_time = -1;   // now_ms when the topic uses LogAppendTime, else -1
  int64_t log_start_offset = 0;
  int32_t batch_count = 0;
};

struct ReadResult {
  // Whole batches; length 0 when there is nothing to return. For read_into(), fd is null and the
  // bytes were appended to the caller's vector instead.
  kafka::proto::FileSlice slice;
  int64_t first_offset = -1;      // base offset of the first batch returned (may be < fetch offset)
  int64_t next_offset = -1;       // last offset of the last batch returned + 1
  int64_t log_start_offset = 0;   // both taken at the same moment as the data
  int64_t log_end_offset = 0;
};

struct RecoveryStats {
  bool clean_shutdown = false;      // the marker was present: nothing was scanned
  int segments_recovered = 0;       // segments re-validated batch by batch (CRC)
  int indexes_rebuilt = 0;          // segments whose missing/invalid indexes were rebuilt
  uint64_t bytes_truncated = 0;     // torn or corrupt bytes cut off
  int segments_dropped = 0;         // segments after a corrupt one, deleted
  double open_ms = 0;
};

int64_t wall_clock_ms();

class PartitionLog {
 public:
  // Files in the partition directory besides the segments.
  static constexpr const char* kCheckpointFile = "partition.checkpoint";  // log start, recovery point
  static constexpr const char* kCleanShutdownFile = ".clean_shutdown";

  // Opens (creating if needed) the partition directory, recovering after an unclean shutdown.
  static Result<std::shared_ptr<PartitionLog>> open(std::filesystem::path dir, LogConfig cfg,
                                                    int64_t now_ms = wall_clock_ms());
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Appends one or more validated RecordBatch v2 batches. Assigns offsets by patching each batch's
  // BaseOffset in place (and, for LogAppendTime topics, MaxTimestamp/Attributes and the CRC).
  // Errors: MESSAGE_TOO_LARGE (a batch > max.message.bytes), RECORD_LIST_TOO_LARGE (> segment.bytes),
  // CORRUPT_MESSAGE (not a sequence of v2 batches), KAFKA_STORAGE_ERROR, UNKNOWN_TOPIC_OR_PARTITION
  // (removed). An empty span appends nothing and returns offsets -1.
  Result<AppendResult> append(std::span<uint8_t> batches, int64_t now_ms = wall_clock_ms());

  // Whole batches starting with the one holding fetch_offset, up to max_bytes (but at least one
  // batch when min_one_batch, KIP-74), never a batch reaching max_offset_exclusive (the high
  // watermark / LSO). OFFSET_OUT_OF_RANGE unless log_start <= fetch_offset <= log_end.
  Result<ReadResult> read(int64_t fetch_offset, size_t max_bytes,
                          int64_t max_offset_exclusive = std::numeric_limits<int64_t>::max(),
                          bool min_one_batch = true) const;
  // Same, copying the bytes into `out` (appended) for transports that cannot sendfile.
  Result<ReadResult> read_into(int64_t fetch_offset, size_t max_bytes, int64_t max_offset_exclusive,
                               std::vector<uint8_t>& out, bool min_one_batch = true) const;

  // ListOffsets by timestamp: the first offset (>= log start) whose record timestamp >= ts, and
  // that timestamp; {-1, -1} if none. Exact per record for uncompressed batches; for compressed
  // batches the batch's first offset and max timestamp.
  Result<TimestampOffset> offset_for_timestamp(int64_t ts) const;
  // ListOffsets MAX_TIMESTAMP (-3): the largest timestamp and the offset of the record holding it
  // (for compressed batches, the batch's last offset); {-1, -1} if the log is empty.
  Result<TimestampOffset> max_timestamp() const;

  int64_t log_start_offset() const;
  int64_t log_end_offset() const;
  uint64_t size_bytes() const;
  size_t segment_count() const;

  // DeleteRecords: raises the log start offset (durably) and deletes segments wholly below it.
  // OFFSET_OUT_OF_RANGE if offset > log end. Returns the new log start offset.
  Result<int64_t> delete_records_before(int64_t offset);
  // Deletes whole segments past retention.ms / retention.bytes (cleanup.policy=delete) and below
  // the log start offset; rolls first if the active segment itself must go. Also applies flush.ms.
  // Returns the number of segments deleted.
  Result<int> apply_retention(int64_t now_ms = wall_clock_ms());
  // Drops everything at and after `offset` (whole batches: a batch containing it goes too).
  Status truncate_to(int64_t offset);
  // Removes all data and restarts the log at `offset` (log start = log end = offset).
  Status truncate_fully_and_start_at(int64_t offset);

  // Writes everything appended so far to disk and advances the recovery point.
  Status flush();
  // Flushes, seals the active segment and writes the clean-shutdown marker. Further calls fail.
  void close();
  // Two-phase close, for closing many logs at once (LogManager): prepare_close() flushes nothing
  // but seals the active segment and writes the checkpoint; after the caller has synced the file
  // system (syncfs), finish_close() writes the clean-shutdown marker, and the caller syncs again.
  void prepare_close();
  void finish_close();
  // Closes and deletes the directory. Readers holding FileSlices keep their data.
  Status remove();

  // Calls fn for each batch header from the batch holding from_offset to the end, in order, until fn
  // returns false (e.g. to rebuild producer state after a restart).
  Status visit_batches(int64_t from_offset, const std::function<bool(const kafka::BatchHeader&)>& fn) const;

  // Rolled segments are fsynced by a background thread; this waits for the pending ones (tests).
  static void wait_for_background_flushes();

  void set_config(const LogConfig& cfg);
  LogConfig config() const;
  const std::filesystem::path& dir() const { return dir_; }
  const RecoveryStats& recovery_stats() const { return recovery_; }

 private:
  struct SegmentSnapshot;
  PartitionLog(std::filesystem::path dir, LogConfig cfg);

  void load(int64_t now_ms);
  Status check_open_locked() const;
  void mark_dirty_locked();
  std::shared_ptr<detail::Segment> roll_locked(int64_t now_ms);
  void delete_segments_locked(size_t count);
  void ensure_indexes_locked(detail::Segment& s) const;
  size_t floor_segment_locked(int64_t offset) const;
  SegmentSnapshot snapshot_locked(size_t i) const;
  void write_checkpoint();
  Status flush_segments(int64_t up_to);
  Result<ReadResult> read_impl(int64_t fetch_offset, size_t max_bytes, int64_t max_offset_exclusive,
                               bool min_one_batch, std::vector<uint8_t>* out) const;

  const std::filesystem::path dir_;
  mutable std::mutex mu_;
  LogConfig cfg_;
  std::vector<std::shared_ptr<detail::Segment>> segments_;  // sorted by base offset; last is active
  int64_t log_start_ = 0;
  int64_t log_end_ = 0;
  int64_t recovery_point_ = 0;
  int64_t unflushed_messages_ = 0;
  int64_t last_flush_ms_ = 0;
  bool clean_marker_present_ = false;
  bool closed_ = false;
  bool close_prepared_ = false;
  bool removed_ = false;
  RecoveryStats recovery_;

  std::mutex checkpoint_mu_;  // serializes checkpoint writes and flushes (never held with mu_ first)

  // Background flushes of rolled segments still queued or running; close() cancels and waits.
  void stop_background_flushes();
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  int bg_pending_ = 0;
  bool bg_cancelled_ = false;
};

}  // namespace refbroker::storage
