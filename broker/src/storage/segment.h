// One log segment (internal): <base>.log with its .index and .timeindex. All mutable members are
// guarded by the owning PartitionLog's mutex; readers work on snapshots (fd, size, index views).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "kafka/protocol/batch_header.h"
#include "storage/index.h"
#include "storage/log_config.h"
#include "storage/types.h"

namespace refbroker::storage::detail {

// "00000000000000000042" for 42.
std::string segment_name(int64_t base_offset);

// Walks batch headers of a .log with buffered preads (not the records). Bounded by `end`, the
// size that was visible when the caller took its snapshot, so it never sees a partial append.
class HeaderScanner {
 public:
  HeaderScanner(int fd, uint64_t end) : fd_(fd), end_(end) {}
  // Parses the header of the batch starting at pos. False if no complete v2 batch starts there.
  bool at(uint64_t pos, kafka::BatchHeader& h);
  // First batch at or after `from` whose last offset >= offset; false if none.
  bool find(uint64_t from, int64_t offset, uint64_t& pos, kafka::BatchHeader& h);
  uint64_t end() const { return end_; }

 private:
  int fd_;
  uint64_t end_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
  uint8_t buf_[8192];
};

struct SegmentRecovery {
  uint64_t truncated_bytes = 0;
};

class Segment {
 public:
  Segment(const std::filesystem::path& dir, int64_t base);

  // A new, empty segment (files created or emptied), active: indexes writable.
  static std::shared_ptr<Segment> create(const std::filesystem::path& dir, int64_t base, const LogConfig& cfg, int64_t now_ms);
  // Opens an existing .log (size from the file); indexes are not loaded.
  static std::shared_ptr<Segment> open(const std::filesystem::path& dir, int64_t base);

  // Re-validates every batch (structure, CRC over Attributes..end, offsets), truncates the .log at
  // the first invalid byte and rebuilds both indexes. Leaves the indexes writable if `active`.
  SegmentRecovery recover(const LogConfig& cfg, bool active);
  // Loads existing index files; false if missing or not sane (then call recover()).
  bool load_indexes();
  // For a segment loaded after a clean shutdown: scans batch headers after the last index entry to
  // find the next offset and the max timestamp. False if the tail does not end on a batch boundary.
  bool scan_tail();
  // Index maintenance for one appended batch at `position` (also used by recover()).
  void on_batch(const kafka::BatchHeader& h, uint64_t position, int32_t index_interval_bytes);
  // Becomes inactive: final time-index entry, indexes trimmed to their valid size.
  void seal();
  // Truncates the .log to `bytes` (a batch boundary) and drops index entries past it.
  void truncate_bytes(uint64_t bytes, int64_t new_next_offset);
  // fdatasync of the .log (and of the index files when `indexes`).
  void flush(bool indexes);
  // Unlinks the files; open fds and mappings held by readers stay valid.
  void delete_files();

  // The max timestamp so far and the offset of the batch holding it; loads it lazily for old
  // segments from the last time-index entry (Kafka appends it on roll).
  TimestampOffset max_timestamp();
  bool overflows(int64_t last_offset) const { return last_offset - base > INT32_MAX; }

  const int64_t base;
  std::filesystem::path log_path;
  std::shared_ptr<const int> fd;
  uint64_t size = 0;         // bytes of complete batches
  int64_t next_offset = -1;  // last offset + 1 (maintained for the active segment), -1 = unknown
  OffsetIndex index;
  TimeIndex time_index;
  bool indexes_loaded = false;
  TimestampOffset max_ts;     // valid if max_ts_known
  bool max_ts_known = false;
  int64_t roll_base_ms = -1;  // when its first batch was appended (segment.ms); -1 = empty
  int64_t roll_jitter_ms = 0;
  uint64_t bytes_since_index = 0;
  uint64_t flushed_size = 0;  // bytes known to be on disk
  bool index_dirty = false;   // sealed/rebuilt indexes not yet fsynced
  bool deleted = false;
};

}  // namespace refbroker::storage::detail
