// kctl dump-log: decodes a partition's segment files as Kafka's kafka-dump-log.sh
// (DumpLogSegments) does, in its output format:
//   .log        one line per batch; with --print-data-log / --deep-iteration one "| " line per
//               record (control records decoded as endTxnMarker: COMMIT/ABORT)
//   .index      "offset: O position: P", each entry checked against the segment's .log
//   .timeindex  "timestamp: T offset: O", each entry checked against the .log
//   .txnindex   the aborted transactions (refbroker keeps one partition.txnindex per partition)
// Damaged input is reported with the file position and the problem, never trusted: any problem
// (truncated or corrupt batch, bad CRC, an index entry that does not point at its batch, ...)
// makes the exit status 1, after everything readable has been printed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/protocol/batch_header.h"
#include "kafka/protocol/compression.h"
#include "kafka/protocol/crc32c.h"
#include "kafka/protocol/record_batch.h"
#include "kctl.h"

namespace kctl {
namespace {

using Bytes = std::span<const uint8_t>;

// A whole file mapped read-only (segments can be large; nothing is copied).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw CommandError("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) throw CommandError("cannot stat " + path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) throw CommandError(path + " is not a regular file");
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) throw CommandError("cannot map " + path + ": " + std::strerror(errno));
    data_ = static_cast<const uint8_t*>(p);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  Bytes bytes() const { return {data_, size_}; }

 private:
  int fd_ = -1;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

uint64_t load_be(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

struct DumpOptions {
  bool print_data = false;
  bool deep = false;
  bool verify_only = false;
  bool sanity_only = false;
  bool skip_record_metadata = false;
  uint64_t max_bytes = UINT64_MAX;
};

// Problems found in all files; main's exit status.
struct Problems {
  int count = 0;
  // Kafka prints index mismatches and non-consecutive offsets after all files, on stderr.
  std::vector<std::string> deferred;
  void add() { ++count; }
};

// The base offset a segment file is named after (20 digits), if the name is one.
std::optional<int64_t> base_offset_of(const std::filesystem::path& p) {
  std::string stem = p.stem().string();
  if (stem.empty() || stem.size() > 20 || !std::all_of(stem.begin(), stem.end(), ::isdigit)) return std::nullopt;
  try {
    return std::stoll(stem);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Kafka's sequence arithmetic: sequences wrap from INT32_MAX to 0.
int32_t add_sequence(int32_t base, int32_t delta) {
  if (base < 0) return base;
  if (base > INT32_MAX - delta) return delta - (INT32_MAX - base) - 1;
  return base + delta;
}

const char* control_type_name(kafka::ControlType t) {
  switch (t) {
    case kafka::ControlType::Abort: return "ABORT";
    case kafka::ControlType::Commit: return "COMMIT";
    case kafka::ControlType::LeaderChange: return "LEADER_CHANGE";
    case kafka::ControlType::SnapshotHeader: return "SNAPSHOT_HEADER";
    case kafka::ControlType::SnapshotFooter: return "SNAPSHOT_FOOTER";
    case kafka::ControlType::KRaftVersion: return "KRAFT_VERSION";
    case kafka::ControlType::KRaftVoters: return "KRAFT_VOTERS";
  }
  return "UNKNOWN";
}

// Keys and values are printed as text (Kafka's StringDecoder); control characters are escaped so
// that a record stays on one line.
std::string printable(kafka::ByteView b) {
  std::string out;
  out.reserve(b.size());
  for (uint8_t c : b) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// One batch boundary of a .log, as the index checks need it.
struct BatchSpan {
  uint64_t position = 0;
  int64_t base_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = 0;
};

// Walks the batch headers of a .log from the start; stops at the first thing that is not a
// whole batch (`stopped_at` < file size then). Only lengths are trusted here, not CRCs.
struct LogScan {
  std::vector<BatchSpan> batches;
  uint64_t stopped_at = 0;
};

LogScan scan_log(Bytes log) {
  LogScan s;
  uint64_t pos = 0;
  kafka::BatchHeader h;
  while (pos + kafka::BatchHeader::kSize <= log.size()) {
    kafka::BatchHeader::parse(log.subspan(pos, kafka::BatchHeader::kSize), h);
    if (h.length < static_cast<int32_t>(kafka::BatchHeader::kSize - kafka::BatchHeader::kLogOverhead) ||
        pos + h.total_size() > log.size())
      break;
    s.batches.push_back({pos, h.base_offset, h.last_offset(), h.max_timestamp});
    pos += h.total_size();
  }
  s.stopped_at = pos;
  return s;
}

// ---- .log -------------------------------------------------------------------------------------

void dump_records(kafka::RecordBatchView& view, const kafka::BatchHeader& h, uint64_t position,
                  const DumpOptions& opt, Problems& problems, int64_t& last_record_offset,
                  std::vector<std::pair<int64_t, int64_t>>& gaps) {
  const char* ts_type = h.log_append_time() ? "LogAppendTime" : "CreateTime";
  int32_t seen = 0;
  try {
    for (auto it = view.begin(); it != view.end(); ++it) {
      const kafka::Record& r = *it;
      ++seen;
      if (last_record_offset >= 0 && r.offset != last_record_offset + 1) gaps.emplace_back(last_record_offset, r.offset);
      last_record_offset = r.offset;
      std::ostringstream line;
      const char* sep = "| ";
      if (!opt.skip_record_metadata) {
        line << sep << "offset: " << r.offset << " " << ts_type << ": " << r.timestamp
             << " keySize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
             << " valueSize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1)
             << " sequence: " << add_sequence(h.base_sequence, r.offset_delta) << " headerKeys: [";
        bool first = true;
        for (const auto& hdr : r.headers) {
          line << (first ? "" : ",") << hdr.key;
          first = false;
        }
        line << "]";
        sep = " ";
        if (h.is_control()) {
          try {
            auto type = kafka::control_record_type(r.key);
            if (auto marker = kafka::parse_end_txn_marker(r))
              line << " endTxnMarker: " << control_type_name(marker->type)
                   << " coordinatorEpoch: " << marker->coordinator_epoch;
            else
              line << " controlType: " << control_type_name(type) << "(" << static_cast<int16_t>(type) << ")";
          } catch (const kafka::BatchError& e) {
            line << " controlType: invalid (" << e.what() << ")";
            problems.add();
          }
        }
      }
      if (opt.print_data && !h.is_control()) {
        if (r.key) {
          line << sep << "key: " << printable(*r.key);
          sep = " ";
        }
        if (r.value) line << sep << "payload: " << printable(*r.value);
      }
      std::cout << line.str() << "\n";
    }
  } catch (const kafka::proto::ProtocolError& e) {
    std::cout << "| position: " << position << " error: record " << seen << " of the batch at offset "
              << h.base_offset << " cannot be decoded: " << e.what() << "\n";
    problems.add();
  }
}

void dump_log_file(const std::string& path, Bytes log, const DumpOptions& opt, Problems& problems) {
  if (auto base = base_offset_of(path)) std::cout << "Log starting offset: " << *base << "\n";
  const uint64_t limit = std::min<uint64_t>(log.size(), opt.max_bytes);
  uint64_t pos = 0;
  int64_t prev_last = -1;
  int64_t last_record_offset = -1;
  std::vector<std::pair<int64_t, int64_t>> gaps;
  kafka::RecordBatchView view;
  std::string stop_reason;
  constexpr int32_t kMinLength = kafka::BatchHeader::kSize - kafka::BatchHeader::kLogOverhead;
  while (pos < log.size()) {
    const uint64_t left = log.size() - pos;
    if (left < kafka::BatchHeader::kLogOverhead) {
      stop_reason = "a partial batch: " + std::to_string(left) + " bytes, less than the 12-byte offset and length";
      break;
    }
    const int32_t length = static_cast<int32_t>(load_be(log.data() + pos + 8, 4));
    if (length < kMinLength) {
      stop_reason = "batch length " + std::to_string(length) + " is smaller than a batch header (" +
                    std::to_string(kMinLength) + ")";
      break;
    }
    const uint64_t size = static_cast<uint64_t>(length) + kafka::BatchHeader::kLogOverhead;
    if (size > left) {
      stop_reason = "a truncated batch: its length says " + std::to_string(size) + " bytes, " +
                    std::to_string(left) + " remain";
      break;
    }
    if (pos + size > limit) break;  // --max-bytes: only whole batches within the limit
    Bytes batch = log.subspan(pos, size);
    kafka::BatchHeader h;
    kafka::BatchHeader::parse(batch, h);
    if (h.magic != kafka::kMagicV2) {
      std::cout << "position: " << pos << " error: magic " << static_cast<int>(h.magic)
                << " (only RecordBatch v2, magic 2, is decoded); " << size << " bytes skipped\n";
      problems.add();
      pos += size;
      continue;
    }
    const uint32_t crc = kafka::crc32c(batch.data() + kafka::BatchHeader::kAttributesOffset,
                                       size - kafka::BatchHeader::kAttributesOffset);
    const bool crc_ok = crc == h.crc;
    const int codec = h.compression();
    std::string codec_name = kafka::is_known_compression(codec)
                                 ? std::string(kafka::compression_name(static_cast<kafka::Compression>(codec)))
                                 : "unknown(" + std::to_string(codec) + ")";
    std::cout << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset()
              << " count: " << h.records_count << " baseSequence: " << h.base_sequence
              << " lastSequence: " << add_sequence(h.base_sequence, h.last_offset_delta)
              << " producerId: " << h.producer_id << " producerEpoch: " << h.producer_epoch
              << " partitionLeaderEpoch: " << h.partition_leader_epoch
              << " isTransactional: " << (h.is_transactional() ? "true" : "false")
              << " isControl: " << (h.is_control() ? "true" : "false") << " deleteHorizonMs: "
              << ((h.attributes & kafka::kAttrDeleteHorizon) ? "OptionalLong[" + std::to_string(h.base_timestamp) + "]"
                                                            : std::string("OptionalLong.empty"))
              << " position: " << pos << " " << (h.log_append_time() ? "LogAppendTime" : "CreateTime") << ": "
              << h.max_timestamp << " size: " << size << " magic: " << static_cast<int>(h.magic)
              << " compresscodec: " << codec_name << " crc: " << h.crc << " isvalid: " << (crc_ok ? "true" : "false")
              << "\n";
    if (!crc_ok) {
      std::cout << "position: " << pos << " error: CRC mismatch (stored " << h.crc << ", computed " << crc << ")\n";
      problems.add();
    }
    if (h.base_offset <= prev_last) {
      std::cout << "position: " << pos << " error: base offset " << h.base_offset
                << " does not follow the previous batch's last offset " << prev_last << "\n";
      problems.add();
    }
    if (!kafka::is_known_compression(codec)) {
      std::cout << "position: " << pos << " error: unknown compression codec " << codec << "\n";
      problems.add();
    } else if (opt.deep && crc_ok) {
      // The codec's full check (record count and lengths, decompression), then the records.
      kafka::ValidateOptions vo;
      vo.client_origin = false;
      auto v = kafka::validate_batch(batch, vo);
      if (!v) {
        std::cout << "position: " << pos << " error: invalid batch: " << v.reason << "\n";
        problems.add();
      }
      try {
        view.reset(batch, false);
        dump_records(view, h, pos, opt, problems, last_record_offset, gaps);
      } catch (const kafka::proto::ProtocolError& e) {
        std::cout << "position: " << pos << " error: " << e.what() << "\n";
        problems.add();
      }
    }
    prev_last = std::max(prev_last, h.last_offset());
    pos += size;
  }
  if (!stop_reason.empty()) {
    std::cout << "position: " << pos << " error: " << stop_reason << "\n";
    std::cout << "Found " << (log.size() - pos) << " invalid bytes at the end of "
              << std::filesystem::path(path).filename().string() << "\n";
    problems.add();
  }
  if (!gaps.empty()) {
    std::ostringstream m;
    m << "Non-consecutive offsets in " << std::filesystem::absolute(path).string() << "\n";
    for (auto& [a, b] : gaps) m << "  " << a << " is followed by " << b << "\n";
    problems.deferred.push_back(m.str());  // legal after compaction: reported, not an error
  }
}

// ---- indexes ----------------------------------------------------------------------------------

// The segment's .log next to an index file, scanned; nullopt (and a problem) if unreadable.
struct SegmentLog {
  std::unique_ptr<MappedFile> file;
  LogScan scan;
};

std::optional<SegmentLog> open_segment_log(const std::filesystem::path& index_path, Problems& problems) {
  auto log_path = index_path;
  log_path.replace_extension(".log");
  try {
    SegmentLog s;
    s.file = std::make_unique<MappedFile>(log_path.string());
    s.scan = scan_log(s.file->bytes());
    return s;
  } catch (const CommandError& e) {
    std::cout << "error: cannot check the entries against the log: " << e.what() << "\n";
    problems.add();
    return std::nullopt;
  }
}

const BatchSpan* batch_at(const LogScan& scan, uint64_t position) {
  auto it = std::lower_bound(scan.batches.begin(), scan.batches.end(), position,
                             [](const BatchSpan& b, uint64_t p) { return b.position < p; });
  return it != scan.batches.end() && it->position == position ? &*it : nullptr;
}

const BatchSpan* first_batch_reaching(const LogScan& scan, int64_t offset) {
  auto it = std::lower_bound(scan.batches.begin(), scan.batches.end(), offset,
                             [](const BatchSpan& b, int64_t o) { return b.last_offset < o; });
  return it != scan.batches.end() ? &*it : nullptr;
}

// Kafka's index sanity check (what a broker checks at startup before trusting an index), plus
// entries in order: returns the failure, empty if sane.
std::string offset_index_insanity(Bytes idx, int64_t base, size_t entries, uint64_t log_size) {
  if (idx.size() % 8 != 0)
    return "size " + std::to_string(idx.size()) + " is not a multiple of the 8-byte entry size";
  int64_t prev_offset = -1;
  uint64_t prev_pos = 0;
  for (size_t i = 0; i < entries; ++i) {
    int32_t rel = static_cast<int32_t>(load_be(idx.data() + i * 8, 4));
    uint32_t pos = static_cast<uint32_t>(load_be(idx.data() + i * 8 + 4, 4));
    int64_t off = base + rel;
    if (rel < 0) return "entry " + std::to_string(i) + " has a negative relative offset " + std::to_string(rel);
    if (i > 0 && (off <= prev_offset || pos <= prev_pos))
      return "entry " + std::to_string(i) + " (offset " + std::to_string(off) + ", position " + std::to_string(pos) +
             ") does not follow entry " + std::to_string(i - 1) + " (offset " + std::to_string(prev_offset) +
             ", position " + std::to_string(prev_pos) + ")";
    if (pos >= std::max<uint64_t>(log_size, 1))
      return "entry " + std::to_string(i) + " points at position " + std::to_string(pos) + ", past the log's " +
             std::to_string(log_size) + " bytes";
    prev_offset = off;
    prev_pos = pos;
  }
  return {};
}

// Entries in use: a preallocated (active or crashed) index ends in zero entries; as in Kafka,
// an entry at the base offset after the first one ends the used part.
size_t used_entries(Bytes idx, size_t entry_size, size_t rel_offset_at) {
  size_t n = idx.size() / entry_size;
  for (size_t i = 1; i < n; ++i)
    if (load_be(idx.data() + i * entry_size + rel_offset_at, 4) == 0) return i;
  return n;
}

// An index's base offset, from its file name; a problem when the name has none.
std::optional<int64_t> index_base_offset(const std::string& path, Problems& problems) {
  auto base = base_offset_of(path);
  if (!base) {
    std::cout << "error: " << path << " is not named after a base offset (20 digits)\n";
    problems.add();
  }
  return base;
}

// --index-sanity-check's verdict on one index (`fault` empty: passed).
void report_sanity(const std::string& path, const std::string& fault, Problems& problems) {
  if (fault.empty()) {
    std::cout << path << " passed sanity check.\n";
  } else {
    std::cout << path << " failed sanity check: " << fault << "\n";
    problems.add();
  }
}

void report_partial_entry(Bytes idx, size_t entry_size, Problems& problems) {
  if (idx.size() % entry_size == 0) return;
  std::cout << "error: " << idx.size() % entry_size << " bytes after the last whole entry\n";
  problems.add();
}

void dump_offset_index(const std::string& path, Bytes idx, const DumpOptions& opt, Problems& problems) {
  auto base = index_base_offset(path, problems);
  if (!base) return;
  const size_t entries = used_entries(idx, 8, 0);
  if (entries == 0) {
    std::cout << path << " is empty.\n";
    return;
  }
  auto seg = open_segment_log(path, problems);
  if (opt.sanity_only) {
    std::string bad = offset_index_insanity(idx, *base, entries, seg ? seg->file->bytes().size() : UINT64_MAX);
    report_sanity(path, bad, problems);
    return;
  }
  report_partial_entry(idx, 8, problems);
  std::vector<std::pair<int64_t, int64_t>> mismatches;
  for (size_t i = 0; i < entries; ++i) {
    int64_t off = *base + static_cast<int32_t>(load_be(idx.data() + i * 8, 4));
    uint32_t pos = static_cast<uint32_t>(load_be(idx.data() + i * 8 + 4, 4));
    if (seg) {
      // The entry must point at the start of a batch that holds its offset.
      const BatchSpan* b = batch_at(seg->scan, pos);
      if (!b || off < b->base_offset || off > b->last_offset) mismatches.emplace_back(off, b ? b->last_offset : -1);
    }
    if (!opt.verify_only) std::cout << "offset: " << off << " position: " << pos << "\n";
  }
  if (!mismatches.empty()) {
    std::ostringstream m;
    m << "Mismatches in :" << std::filesystem::absolute(path).string() << "\n";
    for (auto& [index_offset, log_offset] : mismatches)
      m << "  Index offset: " << index_offset << ", log offset: " << log_offset
        << (log_offset < 0 ? " (no batch starts at the indexed position)" : "") << "\n";
    problems.deferred.push_back(m.str());
    problems.count += static_cast<int>(mismatches.size());
  }
}

void dump_time_index(const std::string& path, Bytes idx, const DumpOptions& opt, Problems& problems) {
  auto base = index_base_offset(path, problems);
  if (!base) return;
  const size_t entries = used_entries(idx, 12, 8);
  if (opt.sanity_only) {
    std::string bad;
    if (idx.size() % 12 != 0) bad = "size " + std::to_string(idx.size()) + " is not a multiple of the 12-byte entry size";
    for (size_t i = 0; bad.empty() && i < entries; ++i) {
      int64_t ts = static_cast<int64_t>(load_be(idx.data() + i * 12, 8));
      int32_t rel = static_cast<int32_t>(load_be(idx.data() + i * 12 + 8, 4));
      if (rel < 0) bad = "entry " + std::to_string(i) + " has a negative relative offset";
      if (i > 0) {
        int64_t pts = static_cast<int64_t>(load_be(idx.data() + (i - 1) * 12, 8));
        int32_t prel = static_cast<int32_t>(load_be(idx.data() + (i - 1) * 12 + 8, 4));
        if (ts < pts || rel < prel)
          bad = "entry " + std::to_string(i) + " (timestamp " + std::to_string(ts) + ", offset " +
                std::to_string(*base + rel) + ") goes back from entry " + std::to_string(i - 1);
      }
    }
    report_sanity(path, bad, problems);
    return;
  }
  report_partial_entry(idx, 12, problems);
  auto seg = entries ? open_segment_log(path, problems) : std::nullopt;
  std::ostringstream not_found, mismatch, out_of_order;
  int64_t prev_ts = kafka::kNoTimestamp;
  for (size_t i = 0; i < entries; ++i) {
    int64_t ts = static_cast<int64_t>(load_be(idx.data() + i * 12, 8));
    int64_t off = *base + static_cast<int32_t>(load_be(idx.data() + i * 12 + 8, 4));
    if (seg) {
      // As Kafka checks: the entry's offset is the last offset of a batch whose max timestamp
      // is the entry's timestamp, and timestamps increase.
      const BatchSpan* b = first_batch_reaching(seg->scan, off);
      if (!b || b->last_offset != off) {
        not_found << "Indexed offset: " << off << ", found log offset: " << (b ? b->last_offset : -1) << "\n";
        problems.add();
      } else {
        if (b->max_timestamp != ts) {
          mismatch << "  Index timestamp: " << ts << ", log timestamp: " << b->max_timestamp << "\n";
          problems.add();
        }
        if (prev_ts >= ts) {
          out_of_order << "  Index timestamp: " << ts << ", Previously indexed timestamp: " << prev_ts << "\n";
          problems.add();
        }
      }
    }
    if (!opt.verify_only) std::cout << "timestamp: " << ts << " offset: " << off << "\n";
    prev_ts = ts;
  }
  std::string abs = std::filesystem::absolute(path).string();
  if (!mismatch.str().empty()) problems.deferred.push_back("Found timestamp mismatch in :" + abs + "\n" + mismatch.str());
  if (!out_of_order.str().empty())
    problems.deferred.push_back("Found out of order timestamp in :" + abs + "\n" + out_of_order.str());
  if (!not_found.str().empty())
    problems.deferred.push_back("The following indexed offsets are not found in the log.\n" + not_found.str());
}

// AbortedTxn entries (34 bytes): version i16, producer id i64, first, last and last stable
// offset i64.
void dump_txn_index(Bytes idx, Problems& problems) {
  constexpr size_t kEntry = 34;
  size_t at = 0;
  for (; at + kEntry <= idx.size(); at += kEntry) {
    const uint8_t* p = idx.data() + at;
    std::cout << "version: " << static_cast<int16_t>(load_be(p, 2))
              << " producerId: " << static_cast<int64_t>(load_be(p + 2, 8))
              << " firstOffset: " << static_cast<int64_t>(load_be(p + 10, 8))
              << " lastOffset: " << static_cast<int64_t>(load_be(p + 18, 8))
              << " lastStableOffset: " << static_cast<int64_t>(load_be(p + 26, 8)) << "\n";
  }
  if (at < idx.size()) {
    std::cout << "position: " << at << " error: " << idx.size() - at << " bytes after the last whole "
              << kEntry << "-byte entry\n";
    problems.add();
  }
}

int run_dump_log(const Args& args) {
  std::vector<std::string> files;
  for (const auto& v : args.all("files")) {
    std::stringstream ss(v);
    for (std::string f; std::getline(ss, f, ',');)
      if (!f.empty()) files.push_back(f);
  }
  if (files.empty()) throw UsageError("--files is required");
  for (const auto& w : args.positional()) files.push_back(w);  // --files a b c

  DumpOptions opt;
  opt.print_data = args.has("print-data-log");
  opt.deep = opt.print_data || args.has("deep-iteration");
  opt.verify_only = args.has("verify-index-only");
  opt.sanity_only = args.has("index-sanity-check");
  opt.skip_record_metadata = args.has("skip-record-metadata");
  opt.max_bytes = static_cast<uint64_t>(args.get_int("max-bytes", INT64_MAX, 1));

  Problems problems;
  for (const auto& f : files) {
    std::cout << "Dumping " << f << "\n";
    std::string ext = std::filesystem::path(f).extension().string();
    try {
      if (ext != ".log" && ext != ".index" && ext != ".timeindex" && ext != ".txnindex") {
        std::cerr << "Ignoring unknown file " << f << "\n";
        continue;
      }
      MappedFile file(f);
      if (ext == ".log") dump_log_file(f, file.bytes(), opt, problems);
      else if (ext == ".index") dump_offset_index(f, file.bytes(), opt, problems);
      else if (ext == ".timeindex") dump_time_index(f, file.bytes(), opt, problems);
      else dump_txn_index(file.bytes(), problems);
    } catch (const CommandError& e) {
      std::cout << "error: " << e.what() << "\n";
      problems.add();
    }
  }
  std::cout.flush();
  for (const auto& m : problems.deferred) std::cerr << m;
  if (problems.count > 0) {
    std::cerr << "kctl dump-log: " << problems.count << " problem" << (problems.count == 1 ? "" : "s") << " found\n";
    return 1;
  }
  return 0;
}

KCTL_REGISTER(CommandSpec{
    "dump-log",
    "decode segment files (.log, .index, .timeindex, .txnindex) like kafka-dump-log.sh and check the indexes",
    "--files FILE[,FILE...] [FILE...] [--print-data-log | --deep-iteration] [--verify-index-only | "
    "--index-sanity-check]",
    {{"files", "FILE[,FILE...]", "segment files to decode (also as further arguments)", true},
     {"print-data-log", "", "print each record with its key and payload (implies --deep-iteration)"},
     {"deep-iteration", "", "print each record's metadata (offset, timestamp, sizes, sequence, headers)"},
     {"skip-record-metadata", "", "with --print-data-log: only keys and payloads"},
     {"verify-index-only", "", "check .index/.timeindex entries against the .log without printing them"},
     {"index-sanity-check", "", "the broker's startup check of an index (sizes, order, positions) only"},
     {"max-bytes", "N", "read at most N bytes of batches from each .log"}},
    false,
    run_dump_log});

}  // namespace
}  // namespace kctl
