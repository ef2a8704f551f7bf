#include "storage/partition_log.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <set>
#include <sstream>
#include <system_error>

#include "kafka/protocol/crc32c.h"
#include "storage/flusher.h"
#include "storage/io.h"
#include "storage/segment.h"

namespace refbroker::storage {

using detail::Segment;
using kafka::BatchHeader;
using kafka::Error;
namespace fs = std::filesystem;

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct PartitionLog::SegmentSnapshot {
  std::shared_ptr<Segment> seg;  // keeps the fd and the index mappings alive
  uint64_t size = 0;
  int64_t end_bound = 0;         // every offset in the segment is below this
  detail::OffsetIndexView index;
  detail::TimeIndexView time_index;
};

namespace {

Status storage_error(const std::exception& e) { return Status::fail(Error::KAFKA_STORAGE_ERROR, e.what()); }

std::string checkpoint_text(int64_t log_start, int64_t recovery_point) {
  return "0\nlog_start_offset " + std::to_string(log_start) + "\nrecovery_point " + std::to_string(recovery_point) + "\n";
}

struct Checkpoint {
  std::optional<int64_t> log_start;
  int64_t recovery_point = 0;
};

Checkpoint parse_checkpoint(const std::string& text) {
  Checkpoint cp;
  std::istringstream in(text);
  std::string version;
  if (!std::getline(in, version) || version != "0") return cp;
  std::string key;
  long long v;
  while (in >> key >> v) {
    if (key == "log_start_offset") cp.log_start = v;
    else if (key == "recovery_point") cp.recovery_point = v;
  }
  return cp;
}

// "00000000000000000042.log" -> 42, ext "log".
bool parse_segment_file(const std::string& name, int64_t& base, std::string& ext) {
  if (name.size() < 22 || name[20] != '.') return false;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 20, base);
  if (ec != std::errc() || p != name.data() + 20 || base < 0) return false;
  ext = name.substr(21);
  return true;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t mtime_ms(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Zigzag varint reader over a record batch's records, for the per-record timestamp search.
struct VarReader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;
  uint64_t uvar() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) { ok = false; return 0; }
      uint8_t b = *p++;
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  int64_t var() {
    uint64_t u = uvar();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
};

// The first record of batch h (at pos) with offset >= min_offset and timestamp >= ts. Exact for
// uncompressed CreateTime batches; otherwise (records compressed, or all stamped with the batch's
// LogAppendTime) the batch's first offset and max timestamp.
TimestampOffset search_batch(int fd, uint64_t pos, const BatchHeader& h, int64_t ts, int64_t min_offset) {
  TimestampOffset found{h.max_timestamp, std::max(h.base_offset, min_offset)};
  if (h.compression() != 0 || h.log_append_time()) return found;
  std::vector<uint8_t> batch(h.total_size());
  if (io::pread_full(fd, batch.data(), batch.size(), pos) != batch.size()) return found;
  VarReader r{batch.data() + BatchHeader::kSize, batch.data() + batch.size()};
  for (int32_t n = 0; n < h.records_count && r.ok; ++n) {
    int64_t len = r.var();
    if (!r.ok || len < 1 || len > r.end - r.p) break;
    const uint8_t* next = r.p + len;
    r.p += 1;  // attributes
    int64_t t = h.base_timestamp + r.var();
    int64_t off = h.base_offset + r.var();
    if (!r.ok) break;
    if (off >= min_offset && t >= ts) return {t, off};
    r.p = next;
  }
  return found;
}

}  // namespace

PartitionLog::PartitionLog(fs::path dir, LogConfig cfg) : dir_(std::move(dir)), cfg_(std::move(cfg)) {}

PartitionLog::~PartitionLog() { close(); }

Result<std::shared_ptr<PartitionLog>> PartitionLog::open(fs::path dir, LogConfig cfg, int64_t now_ms) {
  auto t0 = std::chrono::steady_clock::now();
  try {
    std::shared_ptr<PartitionLog> log(new PartitionLog(std::move(dir), std::move(cfg)));
    log->load(now_ms);
    log->recovery_.open_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    return log;
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

void PartitionLog::load(int64_t now_ms) {
  fs::create_directories(dir_);
  std::vector<int64_t> bases;
  std::set<int64_t> with_index, with_time_index, index_files;
  for (auto& entry : fs::directory_iterator(dir_)) {
    std::string name = entry.path().filename().string();
    if (ends_with(name, ".tmp") || ends_with(name, ".deleted") || ends_with(name, ".cleaned") || ends_with(name, ".swap")) {
      io::unlink_if_exists(entry.path());
      continue;
    }
    int64_t base;
    std::string ext;
    if (!parse_segment_file(name, base, ext)) continue;
    if (ext == "log") bases.push_back(base);
    else if (ext == "index") { with_index.insert(base); index_files.insert(base); }
    else if (ext == "timeindex") { with_time_index.insert(base); index_files.insert(base); }
  }
  std::sort(bases.begin(), bases.end());
  for (int64_t b : index_files) {  // indexes whose .log is gone (a crash while deleting)
    if (!std::binary_search(bases.begin(), bases.end(), b)) {
      io::unlink_if_exists(dir_ / (detail::segment_name(b) + ".index"));
      io::unlink_if_exists(dir_ / (detail::segment_name(b) + ".timeindex"));
    }
  }

  Checkpoint cp;
  if (auto text = io::read_small_file(dir_ / kCheckpointFile)) cp = parse_checkpoint(*text);
  bool clean = ::access((dir_ / kCleanShutdownFile).c_str(), F_OK) == 0;
  recovery_.clean_shutdown = clean;
  clean_marker_present_ = clean;
  last_flush_ms_ = now_ms;

  if (bases.empty()) {
    int64_t start = std::max<int64_t>(cp.log_start.value_or(0), 0);
    segments_.push_back(Segment::create(dir_, start, cfg_, now_ms));
    log_start_ = log_end_ = recovery_point_ = start;
    return;
  }

  for (int64_t b : bases) segments_.push_back(Segment::open(dir_, b));
  bool recovered_any = false;
  for (size_t i = 0; i < segments_.size(); ++i) {
    Segment& s = *segments_[i];
    bool last = i + 1 == segments_.size();
    bool unflushed = !clean && (last || segments_[i + 1]->base > cp.recovery_point);
    bool has_index = with_index.count(s.base) && with_time_index.count(s.base);
    if (unflushed) {
      auto r = s.recover(cfg_, last);
      ++recovery_.segments_recovered;
      recovered_any = true;
      recovery_.bytes_truncated += r.truncated_bytes;
      if (r.truncated_bytes > 0 && !last) {  // nothing after a corrupt batch can be trusted
        for (size_t j = i + 1; j < segments_.size(); ++j) {
          segments_[j]->delete_files();
          ++recovery_.segments_dropped;
        }
        segments_.resize(i + 1);
      }
    } else if (!has_index || (last && (!s.load_indexes() || !s.scan_tail()))) {
      auto r = s.recover(cfg_, last);
      ++recovery_.indexes_rebuilt;
      recovered_any = true;
      recovery_.bytes_truncated += r.truncated_bytes;
    }
    // Older segments below the recovery point load their indexes lazily, on first use.
  }

  Segment& active = *segments_.back();
  if (active.next_offset < 0) {  // became last after dropping segments; sealed by recover()
    if (!active.indexes_loaded && !active.load_indexes()) active.recover(cfg_, true);
    active.scan_tail();
  }
  log_end_ = active.next_offset;
  if (active.size > 0) {
    detail::HeaderScanner scan(*active.fd, active.size);
    BatchHeader h;
    active.roll_base_ms = scan.at(0, h) && h.max_timestamp > 0 && h.max_timestamp <= now_ms ? h.max_timestamp : now_ms;
  }

  int64_t start = std::max(cp.log_start.value_or(segments_.front()->base), segments_.front()->base);
  if (log_end_ < start) {  // segments lost (deleted by hand?): start over at the checkpointed start
    for (auto& s : segments_) s->delete_files();
    segments_.clear();
    segments_.push_back(Segment::create(dir_, start, cfg_, now_ms));
    log_end_ = start;
  }
  log_start_ = start;
  recovery_point_ = clean ? log_end_ : std::min(cp.recovery_point, log_end_);
  if (recovered_any && !clean) {
    // The recovered bytes were read back from the page cache: make them durable, then move the
    // recovery point so the next unclean start does not scan them again.
    for (auto& s : segments_) {
      if (cfg_.fsync) s->flush(s.get() != &active);
      s->flushed_size = s->size;
    }
    recovery_point_ = log_end_;
    io::write_file_atomic(dir_ / kCheckpointFile, checkpoint_text(log_start_, recovery_point_), cfg_.fsync);
  }
}

Status PartitionLog::check_open_locked() const {
  if (removed_) return Status::fail(Error::UNKNOWN_TOPIC_OR_PARTITION, "Partition " + dir_.filename().string() + " was deleted");
  if (closed_) return Status::fail(Error::KAFKA_STORAGE_ERROR, "Log " + dir_.filename().string() + " is closed");
  return {};
}

void PartitionLog::mark_dirty_locked() {
  if (!clean_marker_present_) return;
  io::unlink_if_exists(dir_ / kCleanShutdownFile);
  io::fsync_dir(dir_);  // must be durable before any data changes reach the disk
  clean_marker_present_ = false;
}

void PartitionLog::ensure_indexes_locked(Segment& s) const {
  if (s.indexes_loaded) return;
  if (!s.load_indexes()) s.recover(cfg_, false);
}

size_t PartitionLog::floor_segment_locked(int64_t offset) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), offset,
                             [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base; });
  return it == segments_.begin() ? 0 : static_cast<size_t>(it - segments_.begin() - 1);
}

PartitionLog::SegmentSnapshot PartitionLog::snapshot_locked(size_t i) const {
  Segment& s = *segments_[i];
  ensure_indexes_locked(s);
  SegmentSnapshot snap;
  snap.seg = segments_[i];
  snap.size = s.size;
  snap.end_bound = i + 1 < segments_.size() ? segments_[i + 1]->base : log_end_;
  snap.index = s.index.view();
  snap.time_index = s.time_index.view();
  return snap;
}

std::shared_ptr<Segment> PartitionLog::roll_locked(int64_t now_ms) {
  auto old = segments_.back();
  ensure_indexes_locked(*old);
  old->seal();
  segments_.push_back(Segment::create(dir_, log_end_, cfg_, now_ms));
  return old;
}

void PartitionLog::delete_segments_locked(size_t count) {
  for (size_t i = 0; i < count; ++i) segments_[i]->delete_files();
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
}

void PartitionLog::write_checkpoint() {
  std::string text;
  bool durable;
  {
    std::lock_guard lk(mu_);
    if (removed_) return;
    text = checkpoint_text(log_start_, recovery_point_);
    durable = cfg_.fsync;
  }
  io::write_file_atomic(dir_ / kCheckpointFile, text, durable);
}

Status PartitionLog::flush_segments(int64_t up_to) {
  std::lock_guard cl(checkpoint_mu_);
  try {
    struct Item { std::shared_ptr<Segment> seg; uint64_t size; bool indexes; };
    std::vector<Item> items;
    int64_t durable_to;
    bool fsync;
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      durable_to = std::min(up_to, log_end_);
      fsync = cfg_.fsync;
      for (size_t i = 0; i < segments_.size(); ++i) {
        auto& s = segments_[i];
        if (s->base >= durable_to && i > 0) break;
        bool sealed = s != segments_.back();
        if (s->flushed_size < s->size || (sealed && s->index_dirty))
          items.push_back({s, s->size, sealed});
      }
    }
    if (fsync) {
      for (auto& it : items) it.seg->flush(it.indexes);
      io::fsync_dir(dir_);
    }
    {
      std::lock_guard lk(mu_);
      for (auto& it : items) {
        it.seg->flushed_size = std::max(it.seg->flushed_size, it.size);
        if (it.indexes && fsync) it.seg->index_dirty = false;
      }
      recovery_point_ = std::max(recovery_point_, durable_to);
      unflushed_messages_ = 0;
    }
    write_checkpoint();
    return {};
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Result<AppendResult> PartitionLog::append(std::span<uint8_t> data, int64_t now_ms) {
  // Structure check without the lock: a sequence of complete v2 batches.
  size_t max_batch = 0;
  int64_t record_span = 0;  // sum of (last offset delta + 1)
  int32_t batches = 0;
  BatchHeader h;
  for (size_t pos = 0; pos < data.size(); pos += h.total_size(), ++batches) {
    if (!BatchHeader::parse(data.subspan(pos), h) || h.magic != 2 ||
        h.length < static_cast<int32_t>(BatchHeader::kSize - BatchHeader::kLogOverhead) || h.last_offset_delta < 0 ||
        h.total_size() > data.size() - pos)
      return Status::fail(Error::CORRUPT_MESSAGE, "Invalid record batch at byte " + std::to_string(pos) + " of the append");
    max_batch = std::max(max_batch, h.total_size());
    record_span += int64_t{h.last_offset_delta} + 1;
  }

  std::unique_lock lk(mu_);
  if (auto st = check_open_locked(); !st) return st;
  AppendResult res;
  res.log_start_offset = log_start_;
  if (data.empty()) return res;
  if (max_batch > static_cast<size_t>(cfg_.max_message_bytes))
    return Status::fail(Error::MESSAGE_TOO_LARGE, "The record batch is " + std::to_string(max_batch) +
                                                       " bytes, larger than max.message.bytes " +
                                                       std::to_string(cfg_.max_message_bytes));
  if (data.size() > static_cast<size_t>(cfg_.segment_bytes))
    return Status::fail(Error::RECORD_LIST_TOO_LARGE, "Message batch size is " + std::to_string(data.size()) +
                                                           " bytes in append to partition " + dir_.filename().string() +
                                                           " which exceeds the maximum configured segment size of " +
                                                           std::to_string(cfg_.segment_bytes) + ".");
  const bool log_append_time = cfg_.message_timestamp_type == TimestampType::LogAppendTime;
  std::shared_ptr<Segment> rolled;
  try {
    auto active = segments_.back();
    mark_dirty_locked();
    if (!active->index.writable() || !active->time_index.writable()) {  // first append since open
      ensure_indexes_locked(*active);
      if (active->next_offset < 0) active->scan_tail();
      if (!active->index.writable()) active->index.make_writable(static_cast<size_t>(cfg_.segment_index_bytes));
      if (!active->time_index.writable()) active->time_index.make_writable(static_cast<size_t>(cfg_.segment_index_bytes));
    }
    const int64_t first = log_end_;
    const int64_t last = first + record_span - 1;
    if (active->size > 0 &&
        (active->size > static_cast<uint64_t>(cfg_.segment_bytes) - data.size() ||
         (active->roll_base_ms >= 0 && now_ms - active->roll_base_ms > cfg_.segment_ms - active->roll_jitter_ms) ||
         active->index.full() || active->time_index.full() || active->overflows(last))) {
      rolled = roll_locked(now_ms);
      active = segments_.back();
    }

    // Assign offsets (and LogAppendTime) in place.
    int64_t next = first;
    for (size_t pos = 0; pos < data.size(); pos += h.total_size()) {
      uint8_t* b = data.data() + pos;
      BatchHeader::parse({b, BatchHeader::kSize}, h);
      BatchHeader::write_i64(b, next);
      if (log_append_time) {
        uint16_t attrs = static_cast<uint16_t>((b[21] << 8 | b[22]) | 0x08);
        b[21] = static_cast<uint8_t>(attrs >> 8);
        b[22] = static_cast<uint8_t>(attrs);
        BatchHeader::write_i64(b + 35, now_ms);
        uint32_t crc = kafka::crc32c(b + BatchHeader::kAttributesOffset, h.total_size() - BatchHeader::kAttributesOffset);
        BatchHeader::write_i32(b + BatchHeader::kCrcOffset, static_cast<int32_t>(crc));
      }
      next += int64_t{h.last_offset_delta} + 1;
    }

    const uint64_t at = active->size;
    try {
      io::pwrite_full(*active->fd, data.data(), data.size(), at);
    } catch (...) {
      try { io::truncate_fd(*active->fd, at); } catch (...) {}
      throw;
    }
    for (size_t pos = 0; pos < data.size(); pos += h.total_size()) {
      BatchHeader::parse(data.subspan(pos), h);
      active->on_batch(h, at + pos, cfg_.index_interval_bytes);
    }
    active->size = at + data.size();
    if (active->roll_base_ms < 0) active->roll_base_ms = now_ms;
    log_end_ = next;
    unflushed_messages_ += record_span;

    res.base_offset = first;
    res.last_offset = next - 1;
    res.log_append_time = log_append_time ? now_ms : -1;
    res.batch_count = batches;
  } catch (const std::exception& e) {
    return storage_error(e);
  }
  const bool flush_now = unflushed_messages_ >= cfg_.flush_messages || now_ms - last_flush_ms_ >= cfg_.flush_ms;
  if (flush_now) last_flush_ms_ = now_ms;
  const int64_t rolled_to = rolled ? segments_.back()->base : -1;
  lk.unlock();

  if (flush_now) {  // flush.messages / flush.ms: synchronous, as in Kafka
    if (auto st = flush_segments(std::numeric_limits<int64_t>::max()); !st) return st;
  } else if (rolled) {
    // The rolled segment goes to disk in the background, as Kafka's scheduler does it; the
    // recovery point moves when it is done.
    {
      std::lock_guard bl(bg_mu_);
      if (!bg_cancelled_) {
        bool posted = detail::Flusher::instance().post([this, rolled_to] {
          bool skip;
          {
            std::lock_guard l(bg_mu_);
            skip = bg_cancelled_;
          }
          if (!skip) (void)flush_segments(rolled_to);
          std::lock_guard l(bg_mu_);
          --bg_pending_;
          bg_cv_.notify_all();
        });
        if (posted) ++bg_pending_;  // under bg_mu_, so the job cannot decrement first
      }
    }
  }
  return res;
}

Result<ReadResult> PartitionLog::read(int64_t fetch_offset, size_t max_bytes, int64_t max_offset_exclusive,
                                      bool min_one_batch) const {
  return read_impl(fetch_offset, max_bytes, max_offset_exclusive, min_one_batch, nullptr);
}

Result<ReadResult> PartitionLog::read_into(int64_t fetch_offset, size_t max_bytes, int64_t max_offset_exclusive,
                                           std::vector<uint8_t>& out, bool min_one_batch) const {
  return read_impl(fetch_offset, max_bytes, max_offset_exclusive, min_one_batch, &out);
}

Result<ReadResult> PartitionLog::read_impl(int64_t fetch_offset, size_t max_bytes, int64_t max_offset_exclusive,
                                           bool min_one_batch, std::vector<uint8_t>* out) const {
  ReadResult res;
  SegmentSnapshot snap;
  try {
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      res.log_start_offset = log_start_;
      res.log_end_offset = log_end_;
      if (fetch_offset < log_start_ || fetch_offset > log_end_)
        return Status::fail(Error::OFFSET_OUT_OF_RANGE,
                            "Received request for offset " + std::to_string(fetch_offset) + " for partition " +
                                dir_.filename().string() + ", but we only have log segments in the range " +
                                std::to_string(log_start_) + " to " + std::to_string(log_end_) + ".");
      if (fetch_offset == log_end_ || fetch_offset >= max_offset_exclusive) return res;
      snap = snapshot_locked(floor_segment_locked(fetch_offset));
    }
    for (;;) {
      const int fd = *snap.seg->fd;
      detail::HeaderScanner scan(fd, snap.size);
      uint64_t start;
      BatchHeader first;
      if (scan.find(snap.index.lookup(fetch_offset).position, fetch_offset, start, first)) {
        if (first.last_offset() >= max_offset_exclusive) return res;
        uint64_t limit = snap.size;  // where batches reaching max_offset_exclusive begin
        if (max_offset_exclusive < snap.end_bound) {
          uint64_t q;
          BatchHeader hq;
          uint64_t hint = std::max(start, snap.index.lookup(max_offset_exclusive).position);
          if (scan.find(hint, max_offset_exclusive, q, hq)) limit = q;
        }
        size_t budget = min_one_batch ? std::max(max_bytes, first.total_size()) : max_bytes;
        const uint64_t cap = std::min<uint64_t>(limit, start + budget);
        if (start + first.total_size() > cap) return res;
        // The last batch boundary <= cap: jump close with the index, then walk headers.
        uint64_t end = std::max(start + first.total_size(), snap.index.floor_position(cap).position);
        BatchHeader h;
        while (scan.at(end, h) && end + h.total_size() <= cap) end += h.total_size();
        res.next_offset = end < snap.size && scan.at(end, h) ? h.base_offset : snap.end_bound;
        res.first_offset = first.base_offset;
        res.slice.offset = start;
        res.slice.length = static_cast<uint32_t>(end - start);
        if (out) {
          size_t old = out->size();
          out->resize(old + res.slice.length);
          if (io::pread_full(fd, out->data() + old, res.slice.length, start) != res.slice.length) {
            out->resize(old);
            return Status::fail(Error::KAFKA_STORAGE_ERROR, "Short read from " + snap.seg->log_path.string());
          }
        } else {
          res.slice.fd = snap.seg->fd;
        }
        return res;
      }
      // Nothing at or after fetch_offset in this segment: try the next one.
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      int64_t base = snap.seg->base;
      auto it = std::upper_bound(segments_.begin(), segments_.end(), base,
                                 [](int64_t o, const std::shared_ptr<Segment>& s) { return o < s->base; });
      if (it == segments_.end()) return res;
      snap = snapshot_locked(static_cast<size_t>(it - segments_.begin()));
    }
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Result<TimestampOffset> PartitionLog::offset_for_timestamp(int64_t ts) const {
  try {
    SegmentSnapshot snap;
    int64_t log_start;
    size_t i;
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      log_start = log_start_;
      for (i = floor_segment_locked(log_start_); i < segments_.size(); ++i) {
        ensure_indexes_locked(*segments_[i]);
        if (segments_[i]->max_timestamp().timestamp >= ts) break;
      }
      if (i == segments_.size()) return TimestampOffset{};
      snap = snapshot_locked(i);
    }
    for (;;) {
      const int fd = *snap.seg->fd;
      detail::HeaderScanner scan(fd, snap.size);
      auto te = snap.time_index.lookup(ts);
      uint64_t pos = snap.index.lookup(std::max(te.offset, log_start)).position;
      BatchHeader h;
      for (; scan.at(pos, h); pos += h.total_size()) {
        if (h.last_offset() < log_start || h.max_timestamp < ts) continue;
        return search_batch(fd, pos, h, ts, log_start);
      }
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      size_t j = floor_segment_locked(snap.seg->base) + 1;
      for (; j < segments_.size(); ++j) {
        ensure_indexes_locked(*segments_[j]);
        if (segments_[j]->max_timestamp().timestamp >= ts) break;
      }
      if (j >= segments_.size()) return TimestampOffset{};
      snap = snapshot_locked(j);
    }
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Result<TimestampOffset> PartitionLog::max_timestamp() const {
  try {
    TimestampOffset best;
    SegmentSnapshot snap;
    int64_t log_start;
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      log_start = log_start_;
      size_t best_i = 0;
      for (size_t i = 0; i < segments_.size(); ++i) {
        ensure_indexes_locked(*segments_[i]);
        auto m = segments_[i]->max_timestamp();
        if (m.timestamp > best.timestamp && m.offset >= log_start_) {
          best = m;
          best_i = i;
        }
      }
      if (best.offset < 0) return best;
      snap = snapshot_locked(best_i);
    }
    // best.offset is the last offset of the batch holding the max: find the record itself.
    detail::HeaderScanner scan(*snap.seg->fd, snap.size);
    uint64_t pos;
    BatchHeader h;
    if (scan.find(snap.index.lookup(best.offset).position, best.offset, pos, h) && h.max_timestamp == best.timestamp) {
      auto exact = search_batch(*snap.seg->fd, pos, h, best.timestamp, log_start);
      if (exact.timestamp == best.timestamp) return exact;
    }
    return best;
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

int64_t PartitionLog::log_start_offset() const {
  std::lock_guard lk(mu_);
  return log_start_;
}

int64_t PartitionLog::log_end_offset() const {
  std::lock_guard lk(mu_);
  return log_end_;
}

uint64_t PartitionLog::size_bytes() const {
  std::lock_guard lk(mu_);
  uint64_t n = 0;
  for (auto& s : segments_) n += s->size;
  return n;
}

size_t PartitionLog::segment_count() const {
  std::lock_guard lk(mu_);
  return segments_.size();
}

Result<int64_t> PartitionLog::delete_records_before(int64_t offset) {
  std::lock_guard cl(checkpoint_mu_);
  try {
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      if (offset > log_end_ || offset < 0)
        return Status::fail(Error::OFFSET_OUT_OF_RANGE,
                            "Cannot increment the log start offset to " + std::to_string(offset) + " of partition " +
                                dir_.filename().string() + " since it is larger than the log end offset " +
                                std::to_string(log_end_));
      if (offset <= log_start_) return log_start_;
      mark_dirty_locked();
      log_start_ = offset;
    }
    write_checkpoint();  // durable before any segment goes
    std::lock_guard lk(mu_);
    size_t n = 0;
    while (n + 1 < segments_.size() && segments_[n + 1]->base <= log_start_) ++n;
    delete_segments_locked(n);
    return log_start_;
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Result<int> PartitionLog::apply_retention(int64_t now_ms) {
  size_t n = 0;
  bool flush_due;
  try {
    {
      std::lock_guard lk(mu_);
      if (closed_) return 0;
      // Segments wholly below the log start offset.
      while (n + 1 < segments_.size() && segments_[n + 1]->base <= log_start_) ++n;
      auto deletable = [&](size_t k) {
        return !(k + 1 == segments_.size() && segments_[k]->size == 0);  // never the empty active one
      };
      if (cfg_.delete_enabled() && cfg_.retention_ms >= 0) {
        while (n < segments_.size() && deletable(n)) {
          Segment& s = *segments_[n];
          ensure_indexes_locked(s);
          int64_t ts = s.max_timestamp().timestamp;
          if (ts < 0) ts = mtime_ms(*s.fd);
          if (now_ms - ts <= cfg_.retention_ms) break;
          ++n;
        }
      }
      if (cfg_.delete_enabled() && cfg_.retention_bytes >= 0) {
        int64_t diff = -cfg_.retention_bytes;
        for (size_t k = n; k < segments_.size(); ++k) diff += static_cast<int64_t>(segments_[k]->size);
        while (n < segments_.size() && deletable(n) && diff - static_cast<int64_t>(segments_[n]->size) >= 0) {
          diff -= static_cast<int64_t>(segments_[n]->size);
          ++n;
        }
      }
      if (n > 0) {
        mark_dirty_locked();
        if (n == segments_.size()) roll_locked(now_ms);  // keep an (empty) active segment at the log end
        delete_segments_locked(n);
        log_start_ = std::max(log_start_, segments_.front()->base);
      }
      flush_due = now_ms - last_flush_ms_ >= cfg_.flush_ms && unflushed_messages_ > 0;
      if (flush_due) last_flush_ms_ = now_ms;
    }
    if (n > 0) {
      std::lock_guard cl(checkpoint_mu_);
      write_checkpoint();
    }
    if (flush_due) {
      if (auto st = flush_segments(std::numeric_limits<int64_t>::max()); !st) return st;
    }
    return static_cast<int>(n);
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Status PartitionLog::truncate_to(int64_t offset) {
  std::lock_guard cl(checkpoint_mu_);
  try {
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      if (offset >= log_end_) return {};
      mark_dirty_locked();
      if (offset < log_start_ || offset <= segments_.front()->base) {
        for (auto& s : segments_) s->delete_files();
        segments_.clear();
        segments_.push_back(Segment::create(dir_, offset, cfg_, wall_clock_ms()));
        log_start_ = log_end_ = recovery_point_ = offset;
      } else {
        while (segments_.size() > 1 && segments_.back()->base > offset) {
          segments_.back()->delete_files();
          segments_.pop_back();
        }
        Segment& active = *segments_.back();
        ensure_indexes_locked(active);
        detail::HeaderScanner scan(*active.fd, active.size);
        uint64_t pos;
        BatchHeader h;
        if (scan.find(active.index.view().lookup(offset).position, offset, pos, h)) active.truncate_bytes(pos, h.base_offset);
        else if (active.next_offset < 0) active.scan_tail();
        log_end_ = active.next_offset;
        if (active.size == 0) active.roll_base_ms = -1;
        log_start_ = std::min(log_start_, log_end_);
        recovery_point_ = std::min(recovery_point_, log_end_);
      }
    }
    write_checkpoint();
    return {};
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Status PartitionLog::truncate_fully_and_start_at(int64_t offset) {
  std::lock_guard cl(checkpoint_mu_);
  try {
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      mark_dirty_locked();
      for (auto& s : segments_) s->delete_files();
      segments_.clear();
      segments_.push_back(Segment::create(dir_, offset, cfg_, wall_clock_ms()));
      log_start_ = log_end_ = recovery_point_ = offset;
    }
    write_checkpoint();
    return {};
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

Status PartitionLog::flush() {
  {
    std::lock_guard lk(mu_);
    last_flush_ms_ = wall_clock_ms();
  }
  return flush_segments(std::numeric_limits<int64_t>::max());
}

void PartitionLog::stop_background_flushes() {
  std::unique_lock bl(bg_mu_);
  bg_cancelled_ = true;
  bg_cv_.wait(bl, [&] { return bg_pending_ == 0; });
}

void PartitionLog::close() {
  stop_background_flushes();  // close() flushes everything itself
  std::lock_guard cl(checkpoint_mu_);
  std::lock_guard lk(mu_);
  if (closed_) return;
  closed_ = true;
  try {
    auto& active = segments_.back();
    for (auto& s : segments_) {
      if (s == active) s->seal();
      if (cfg_.fsync && (s->flushed_size < s->size || s == active)) s->flush(s == active);
      s->flushed_size = s->size;
    }
    recovery_point_ = log_end_;
    io::write_file_atomic(dir_ / kCheckpointFile, checkpoint_text(log_start_, recovery_point_), cfg_.fsync);
    if (!clean_marker_present_) io::touch(dir_ / kCleanShutdownFile, cfg_.fsync);
    clean_marker_present_ = true;
  } catch (const std::exception&) {
    // No marker: the next open recovers.
  }
  segments_.clear();
}

void PartitionLog::prepare_close() {
  stop_background_flushes();
  std::lock_guard cl(checkpoint_mu_);
  std::lock_guard lk(mu_);
  if (closed_) return;
  closed_ = true;
  try {
    segments_.back()->seal();
    recovery_point_ = log_end_;
    io::write_file_atomic(dir_ / kCheckpointFile, checkpoint_text(log_start_, recovery_point_), false);
    close_prepared_ = true;
  } catch (const std::exception&) {
  }
  segments_.clear();
}

void PartitionLog::finish_close() {
  std::lock_guard lk(mu_);
  if (!close_prepared_ || removed_) return;
  close_prepared_ = false;
  try {
    if (!clean_marker_present_) io::touch(dir_ / kCleanShutdownFile, false);
    clean_marker_present_ = true;
  } catch (const std::exception&) {
  }
}

Status PartitionLog::remove() {
  stop_background_flushes();
  {
    std::lock_guard cl(checkpoint_mu_);
    std::lock_guard lk(mu_);
    if (removed_) return {};
    closed_ = removed_ = true;
    for (auto& s : segments_) s->deleted = true;
    segments_.clear();
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec) return Status::fail(Error::KAFKA_STORAGE_ERROR, "remove " + dir_.string() + ": " + ec.message());
  return {};
}

Status PartitionLog::visit_batches(int64_t from_offset, const std::function<bool(const BatchHeader&)>& fn) const {
  try {
    std::vector<SegmentSnapshot> snaps;
    {
      std::lock_guard lk(mu_);
      if (auto st = check_open_locked(); !st) return st;
      for (size_t i = floor_segment_locked(from_offset); i < segments_.size(); ++i) snaps.push_back(snapshot_locked(i));
    }
    for (auto& snap : snaps) {
      detail::HeaderScanner scan(*snap.seg->fd, snap.size);
      uint64_t pos;
      BatchHeader h;
      if (!scan.find(snap.index.lookup(from_offset).position, from_offset, pos, h)) continue;
      for (; scan.at(pos, h); pos += h.total_size())
        if (!fn(h)) return {};
    }
    return {};
  } catch (const std::exception& e) {
    return storage_error(e);
  }
}

void PartitionLog::wait_for_background_flushes() { detail::Flusher::instance().drain(); }

void PartitionLog::set_config(const LogConfig& cfg) {
  std::lock_guard lk(mu_);
  cfg_ = cfg;
}

LogConfig PartitionLog::config() const {
  std::lock_guard lk(mu_);
  return cfg_;
}

}  // namespace refbroker::storage
