#include "storage/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "kafka/protocol/crc32c.h"

namespace refbroker::storage::detail {

using kafka::BatchHeader;

std::string segment_name(int64_t base_offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(base_offset));
  return buf;
}

namespace {
// Structural checks that every batch we store passes.
bool plausible(const BatchHeader& h, uint64_t pos, uint64_t end) {
  return h.magic == 2 && h.length >= static_cast<int32_t>(BatchHeader::kSize - BatchHeader::kLogOverhead) &&
         h.last_offset_delta >= 0 && pos + h.total_size() <= end;
}
}  // namespace

bool HeaderScanner::at(uint64_t pos, BatchHeader& h) {
  if (pos + BatchHeader::kSize > end_) return false;
  if (pos < buf_pos_ || pos + BatchHeader::kSize > buf_pos_ + buf_len_) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf_, end_ - pos));
    buf_len_ = io::pread_full(fd_, buf_, want, pos);
    buf_pos_ = pos;
    if (buf_len_ < BatchHeader::kSize) return false;
  }
  BatchHeader::parse({buf_ + (pos - buf_pos_), BatchHeader::kSize}, h);
  return plausible(h, pos, end_);
}

bool HeaderScanner::find(uint64_t from, int64_t offset, uint64_t& pos, BatchHeader& h) {
  for (uint64_t p = from; at(p, h); p += h.total_size()) {
    if (h.last_offset() >= offset) {
      pos = p;
      return true;
    }
  }
  return false;
}

Segment::Segment(const std::filesystem::path& dir, int64_t b)
    : base(b),
      log_path(dir / (segment_name(b) + ".log")),
      index(dir / (segment_name(b) + ".index"), b),
      time_index(dir / (segment_name(b) + ".timeindex"), b) {}

std::shared_ptr<Segment> Segment::create(const std::filesystem::path& dir, int64_t base, const LogConfig& cfg, int64_t now_ms) {
  auto s = std::make_shared<Segment>(dir, base);
  s->fd = io::share_fd(io::open_file(s->log_path, O_RDWR | O_CREAT | O_TRUNC));
  s->index.reset(static_cast<size_t>(cfg.segment_index_bytes));
  s->time_index.reset(static_cast<size_t>(cfg.segment_index_bytes));
  s->indexes_loaded = true;
  s->max_ts_known = true;
  s->next_offset = base;
  if (cfg.segment_jitter_ms > 0) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    int64_t bound = std::min(cfg.segment_jitter_ms, cfg.segment_ms);
    s->roll_jitter_ms = static_cast<int64_t>(rng() % static_cast<uint64_t>(bound));
  }
  (void)now_ms;
  return s;
}

std::shared_ptr<Segment> Segment::open(const std::filesystem::path& dir, int64_t base) {
  auto s = std::make_shared<Segment>(dir, base);
  s->fd = io::share_fd(io::open_file(s->log_path, O_RDWR));
  s->size = io::file_size(*s->fd);
  s->flushed_size = s->size;
  return s;
}

SegmentRecovery Segment::recover(const LogConfig& cfg, bool active) {
  SegmentRecovery r;
  uint64_t file_bytes = io::file_size(*fd);
  index.reset(static_cast<size_t>(cfg.segment_index_bytes));
  time_index.reset(static_cast<size_t>(cfg.segment_index_bytes));
  indexes_loaded = true;
  max_ts = {};
  max_ts_known = true;
  bytes_since_index = 0;
  next_offset = base;

  uint64_t pos = 0;
  if (file_bytes > 0) {
    auto map = io::map_file(*fd, file_bytes, false);
    ::madvise(map->data, file_bytes, MADV_SEQUENTIAL);
    const uint8_t* data = map->data;
    BatchHeader h;
    while (pos + BatchHeader::kSize <= file_bytes) {
      BatchHeader::parse({data + pos, BatchHeader::kSize}, h);
      if (!plausible(h, pos, file_bytes) || h.base_offset < next_offset || overflows(h.last_offset())) break;
      size_t covered = h.total_size() - BatchHeader::kAttributesOffset;
      if (kafka::crc32c(data + pos + BatchHeader::kAttributesOffset, covered) != h.crc) break;
      on_batch(h, pos, cfg.index_interval_bytes);
      pos += h.total_size();
    }
  }
  if (pos < file_bytes) {
    r.truncated_bytes = file_bytes - pos;
    io::truncate_fd(*fd, pos);
  }
  size = pos;
  flushed_size = std::min(flushed_size, size);
  if (!active) seal();
  return r;
}

bool Segment::load_indexes() {
  if (!index.exists() || !time_index.exists()) return false;
  if (!index.load() || !time_index.load()) return false;
  if (!index.sane(size) || !time_index.sane()) return false;
  indexes_loaded = true;
  return true;
}

bool Segment::scan_tail() {
  auto iv = index.view();
  uint64_t pos = iv.size() ? iv.entry(iv.size() - 1).position : 0;
  if (!max_ts_known) {
    max_ts = time_index.last();
    max_ts_known = true;
  }
  next_offset = iv.size() ? -1 : base;
  HeaderScanner scan(*fd, size);
  BatchHeader h;
  while (scan.at(pos, h)) {
    if (h.max_timestamp > max_ts.timestamp) max_ts = {h.max_timestamp, h.last_offset()};
    next_offset = h.last_offset() + 1;
    pos += h.total_size();
  }
  bytes_since_index = 0;
  return pos == size && next_offset >= base;
}

void Segment::on_batch(const BatchHeader& h, uint64_t position, int32_t index_interval_bytes) {
  if (h.max_timestamp > max_ts.timestamp) max_ts = {h.max_timestamp, h.last_offset()};
  if (bytes_since_index > static_cast<uint64_t>(index_interval_bytes)) {
    if (!index.full()) index.append(h.last_offset(), position);
    if (!time_index.full()) time_index.maybe_append(max_ts.timestamp, max_ts.offset);
    bytes_since_index = 0;
  }
  bytes_since_index += h.total_size();
  next_offset = h.last_offset() + 1;
}

void Segment::seal() {
  if (!indexes_loaded) return;
  if (time_index.writable() && max_ts.timestamp >= 0) time_index.maybe_append(max_ts.timestamp, max_ts.offset);
  if (index.writable() || time_index.writable()) index_dirty = true;
  index.trim();
  time_index.trim();
}

void Segment::truncate_bytes(uint64_t bytes, int64_t new_next_offset) {
  io::truncate_fd(*fd, bytes);
  size = bytes;
  flushed_size = std::min(flushed_size, bytes);
  auto iv = index.view();
  size_t n = iv.size();
  while (n > 0 && iv.entry(n - 1).position >= bytes) --n;
  index.truncate_entries(n);
  auto tv = time_index.view();
  size_t m = tv.size();
  while (m > 0 && tv.entry(m - 1).offset >= new_next_offset) --m;
  time_index.truncate_entries(m);
  max_ts_known = false;
  scan_tail();
}

void Segment::flush(bool indexes) {
  io::fdatasync_fd(*fd);
  if (indexes && indexes_loaded) {
    index.flush();
    time_index.flush();
  }
}

void Segment::delete_files() {
  deleted = true;
  io::unlink_if_exists(log_path);
  index.remove_file();
  time_index.remove_file();
}

TimestampOffset Segment::max_timestamp() {
  if (!max_ts_known) {
    max_ts = time_index.last();
    max_ts_known = true;
  }
  return max_ts;
}

}  // namespace refbroker::storage::detail
