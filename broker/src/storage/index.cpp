#include "storage/index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

namespace refbroker::storage::detail {

OffsetPosition OffsetIndexView::lookup(int64_t target) const {
  if (n_ == 0 || target < base_) return {base_, 0};
  int64_t rel = target - base_;
  // Greatest i with relative offset(i) <= rel.
  size_t lo = 0, hi = n_;  // invariant: answer in [lo-1, hi)
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (static_cast<int32_t>(load_be32(map_->data + mid * kEntrySize)) <= rel) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? OffsetPosition{base_, 0} : entry(lo - 1);
}

OffsetPosition OffsetIndexView::floor_position(uint64_t pos) const {
  size_t lo = 0, hi = n_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (load_be32(map_->data + mid * kEntrySize + 4) <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? OffsetPosition{base_, 0} : entry(lo - 1);
}

TimestampOffset TimeIndexView::lookup(int64_t ts) const {
  size_t lo = 0, hi = n_;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (static_cast<int64_t>(load_be64(map_->data + mid * kEntrySize)) <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo == 0 ? TimestampOffset{-1, base_} : entry(lo - 1);
}

bool IndexFile::exists() const { return ::access(path_.c_str(), F_OK) == 0; }

void IndexFile::remap(size_t file_bytes, bool writable) {
  int fd = io::open_file(path_, writable ? (O_RDWR | O_CREAT) : O_RDONLY);
  try {
    if (writable) io::truncate_fd(fd, file_bytes);
    map_ = io::map_file(fd, file_bytes, writable);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);  // the mapping keeps the file; reopened by path for trim/flush
  writable_ = writable;
  capacity_ = file_bytes / entry_size_;
}

bool IndexFile::load() {
  int fd = io::open_file(path_, O_RDONLY);
  uint64_t size;
  try {
    size = io::file_size(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (size % entry_size_ != 0) return false;
  remap(size, false);
  entries_ = size / entry_size_;
  return true;
}

void IndexFile::reset(size_t max_bytes) {
  io::unlink_if_exists(path_);  // a fresh sparse file; readers keep the old mapping if they hold it
  entries_ = 0;
  remap(max_bytes / entry_size_ * entry_size_, true);
}

void IndexFile::make_writable(size_t max_bytes) {
  size_t cap = std::max(max_bytes / entry_size_, entries_);
  remap(cap * entry_size_, true);
}

void IndexFile::trim() {
  if (!writable_) return;
  int fd = io::open_file(path_, O_RDWR);
  try {
    io::truncate_fd(fd, entries_ * entry_size_);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  writable_ = false;
  capacity_ = entries_;
}

void IndexFile::flush() {
  if (map_->data && entries_ > 0 && ::msync(map_->data, entries_ * entry_size_, MS_SYNC) != 0)
    io::throw_errno("msync " + path_.string());
  int fd = io::open_file(path_, O_RDONLY);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) io::throw_errno(err, "fsync " + path_.string());
}

void IndexFile::remove_file() { io::unlink_if_exists(path_); }

void OffsetIndex::append(int64_t offset, uint64_t position) {
  uint8_t* p = slot(entries_);
  store_be32(p, static_cast<uint32_t>(static_cast<int32_t>(offset - base_)));
  store_be32(p + 4, static_cast<uint32_t>(position));
  ++entries_;
}

bool OffsetIndex::sane(uint64_t log_size) const {
  if (entries_ == 0) return true;
  auto v = view();
  auto first = v.entry(0), last = v.entry(entries_ - 1);
  return first.offset >= base_ && last.offset >= first.offset && last.position >= first.position &&
         last.position < std::max<uint64_t>(log_size, 1);
}

void TimeIndex::maybe_append(int64_t ts, int64_t offset) {
  if (entries_ >= capacity_) return;
  if (entries_ > 0 && static_cast<int64_t>(load_be64(slot(entries_ - 1))) >= ts) return;
  uint8_t* p = slot(entries_);
  store_be64(p, static_cast<uint64_t>(ts));
  store_be32(p + 8, static_cast<uint32_t>(static_cast<int32_t>(offset - base_)));
  ++entries_;
}

TimestampOffset TimeIndex::last() const {
  if (entries_ == 0) return {-1, -1};
  return view().entry(entries_ - 1);
}

bool TimeIndex::sane() const {
  if (entries_ == 0) return true;
  auto v = view();
  auto first = v.entry(0), last = v.entry(entries_ - 1);
  return first.offset >= base_ && last.offset >= first.offset && last.timestamp >= first.timestamp;
}

}  // namespace refbroker::storage::detail
