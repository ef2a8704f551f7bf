// Segment index files (internal), in Kafka's on-disk format, big-endian:
//   .index      8-byte entries: offset relative to the segment base (int32) + file position (int32)
//   .timeindex 12-byte entries: timestamp (int64) + relative offset (int32), timestamps increasing
// The active segment's files are preallocated to segment.index.bytes and mmapped read-write; they
// are trimmed to their valid size when the segment is rolled or the log closed. Lookups run on a
// View: a snapshot (mapping + entry count) that stays valid without the partition lock, because
// entries below the count never change and the mapping is reference-counted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>

#include "storage/io.h"
#include "storage/types.h"

namespace refbroker::storage::detail {

inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t load_be64(const uint8_t* p) { return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4); }
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24); p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8); p[3] = static_cast<uint8_t>(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, static_cast<uint32_t>(v >> 32)); store_be32(p + 4, static_cast<uint32_t>(v));
}

struct OffsetPosition {
  int64_t offset = 0;     // absolute offset
  uint64_t position = 0;  // byte position in the .log
};

class OffsetIndexView {
 public:
  static constexpr size_t kEntrySize = 8;
  OffsetIndexView() = default;
  OffsetIndexView(std::shared_ptr<const io::Mapping> m, size_t n, int64_t base) : map_(std::move(m)), n_(n), base_(base) {}
  size_t size() const { return n_; }
  OffsetPosition entry(size_t i) const {
    const uint8_t* p = map_->data + i * kEntrySize;
    return {base_ + static_cast<int32_t>(load_be32(p)), load_be32(p + 4)};
  }
  // The greatest entry whose offset is <= target, or {base, 0} if none.
  OffsetPosition lookup(int64_t target) const;
  // The greatest entry whose position is <= pos, or {base, 0} if none.
  OffsetPosition floor_position(uint64_t pos) const;

 private:
  std::shared_ptr<const io::Mapping> map_;
  size_t n_ = 0;
  int64_t base_ = 0;
};

class TimeIndexView {
 public:
  static constexpr size_t kEntrySize = 12;
  TimeIndexView() = default;
  TimeIndexView(std::shared_ptr<const io::Mapping> m, size_t n, int64_t base) : map_(std::move(m)), n_(n), base_(base) {}
  size_t size() const { return n_; }
  TimestampOffset entry(size_t i) const {
    const uint8_t* p = map_->data + i * kEntrySize;
    return {static_cast<int64_t>(load_be64(p)), base_ + static_cast<int32_t>(load_be32(p + 8))};
  }
  // The greatest entry whose timestamp is <= ts, or {-1, base} if none.
  TimestampOffset lookup(int64_t ts) const;

 private:
  std::shared_ptr<const io::Mapping> map_;
  size_t n_ = 0;
  int64_t base_ = 0;
};

// One index file and its mapping. Not synchronized: the owning PartitionLog holds its lock.
class IndexFile {
 public:
  IndexFile(std::filesystem::path path, size_t entry_size, int64_t base)
      : path_(std::move(path)), entry_size_(entry_size), base_(base) {}

  const std::filesystem::path& path() const { return path_; }
  bool exists() const;
  // Maps the existing file read-only; entries = size / entry size. False if the size is not a
  // multiple of the entry size (the caller then rebuilds).
  bool load();
  // Empties the file and makes it writable with room for max_bytes.
  void reset(size_t max_bytes);
  // Makes the loaded file writable with room for max_bytes, keeping the valid entries.
  void make_writable(size_t max_bytes);
  // Cuts the file to its valid entries (the mapping stays for readers; no more appends).
  void trim();
  void truncate_entries(size_t n) { if (n < entries_) entries_ = n; }
  // msync + fsync of the file.
  void flush();
  void remove_file();

  size_t entries() const { return entries_; }
  size_t capacity() const { return capacity_; }
  bool writable() const { return writable_; }

 protected:
  uint8_t* slot(size_t i) { return map_->data + i * entry_size_; }
  const uint8_t* slot(size_t i) const { return map_->data + i * entry_size_; }
  void remap(size_t file_bytes, bool writable);

  std::filesystem::path path_;
  size_t entry_size_;
  int64_t base_;
  std::shared_ptr<io::Mapping> map_ = std::make_shared<io::Mapping>();
  size_t entries_ = 0;
  size_t capacity_ = 0;  // entries the mapping can hold
  bool writable_ = false;
};

class OffsetIndex : public IndexFile {
 public:
  OffsetIndex(std::filesystem::path path, int64_t base) : IndexFile(std::move(path), OffsetIndexView::kEntrySize, base) {}
  bool full() const { return entries_ >= capacity_; }
  // Appends (offset, position); the caller checks !full() and that both increase.
  void append(int64_t offset, uint64_t position);
  OffsetIndexView view() const { return {map_, entries_, base_}; }
  // Cheap structural check against the .log size (Kafka's sanity check, plus positions in range).
  bool sane(uint64_t log_size) const;
};

class TimeIndex : public IndexFile {
 public:
  TimeIndex(std::filesystem::path path, int64_t base) : IndexFile(std::move(path), TimeIndexView::kEntrySize, base) {}
  // One slot stays reserved for the final entry written when the segment becomes inactive.
  bool full() const { return entries_ + 1 >= capacity_; }
  // Appends if ts is greater than the last entry's timestamp (and there is room).
  void maybe_append(int64_t ts, int64_t offset);
  TimeIndexView view() const { return {map_, entries_, base_}; }
  TimestampOffset last() const;
  bool sane() const;
};

}  // namespace refbroker::storage::detail
