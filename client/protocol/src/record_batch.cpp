// RecordBatch v2 codec. Hot paths (append, record parsing, validation) work on raw pointers
// with precomputed sizes and no allocations; errors on the validation path are static strings.
#include "kafka/protocol/record_batch.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "kafka/protocol/crc32c.h"

namespace kafka {
namespace {

constexpr size_t kHeader = BatchHeader::kSize;
constexpr size_t kMinLength = kHeader - BatchHeader::kLogOverhead;  // smallest Length of a v2 batch
constexpr size_t kMinLegacyLength = 14;  // smallest Length of a magic 0 message

// ---- varints ----

inline uint32_t zz32(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
inline uint64_t zz64(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline size_t uvar_size(uint64_t v) { return (static_cast<size_t>(std::bit_width(v | 1)) + 6) / 7; }

inline uint8_t* put_uvar(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<uint8_t>(v);
  return p;
}

inline size_t nullable_size(const NullableBytes& b) {
  return b ? uvar_size(zz32(static_cast<int32_t>(b->size()))) + b->size() : 1;
}

inline uint8_t* put_nullable(uint8_t* p, const NullableBytes& b) {
  if (!b) {
    *p++ = 1;  // zigzag(-1)
    return p;
  }
  p = put_uvar(p, zz32(static_cast<int32_t>(b->size())));
  if (!b->empty()) std::memcpy(p, b->data(), b->size());
  return p + b->size();
}

// Java's ByteUtils.readVarint/readVarlong: at most 5/10 bytes, excess high bits ignored.
inline bool get_varint(const uint8_t*& p, const uint8_t* end, int32_t& out) {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (p == end) return false;
    uint8_t b = *p++;
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      out = static_cast<int32_t>((v >> 1) ^ (0u - (v & 1)));
      return true;
    }
  }
  return false;
}

inline bool get_varlong(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  uint64_t v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (p == end) return false;
    uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      out = static_cast<int64_t>((v >> 1) ^ (0ull - (v & 1)));
      return true;
    }
  }
  return false;
}

// For bytes already validated by parse_record.
inline int32_t get_varint_unchecked(const uint8_t*& p) {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    uint8_t b = *p++;
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return static_cast<int32_t>((v >> 1) ^ (0u - (v & 1)));
}

inline int64_t wrap_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

inline uint32_t get_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline int16_t get_be16(const uint8_t* p) {
  return static_cast<int16_t>((uint16_t{p[0]} << 8) | p[1]);
}
inline void put_be16(uint8_t* p, int16_t v) {
  p[0] = static_cast<uint8_t>(static_cast<uint16_t>(v) >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// ---- record parsing ----

struct RawRecord {
  int8_t attributes;
  int64_t ts_delta;
  int32_t offset_delta;
  NullableBytes key, value;
  const uint8_t* headers;
  size_t headers_len;
  int32_t header_count;
  size_t encoded_size;
};

// Parses one record at p (advancing p past it). Returns nullptr, or why the record is invalid.
const char* parse_record(const uint8_t*& p, const uint8_t* end, RawRecord& r) {
  const uint8_t* start = p;
  int32_t len;
  if (!get_varint(p, end, len)) return "truncated record length";
  if (len < 0) return "negative record length";
  if (static_cast<size_t>(end - p) < static_cast<size_t>(len)) return "record length exceeds the batch";
  const uint8_t* rend = p + len;
  if (p == rend) return "record shorter than its fixed fields";
  r.attributes = static_cast<int8_t>(*p++);
  if (!get_varlong(p, rend, r.ts_delta)) return "truncated record timestamp delta";
  if (!get_varint(p, rend, r.offset_delta)) return "truncated record offset delta";
  int32_t n;
  if (!get_varint(p, rend, n)) return "truncated record key length";
  if (n < -1) return "invalid record key length";
  if (n >= 0) {
    if (rend - p < n) return "record key exceeds the record";
    r.key = ByteView(p, static_cast<size_t>(n));
    p += n;
  } else {
    r.key.reset();
  }
  if (!get_varint(p, rend, n)) return "truncated record value length";
  if (n < -1) return "invalid record value length";
  if (n >= 0) {
    if (rend - p < n) return "record value exceeds the record";
    r.value = ByteView(p, static_cast<size_t>(n));
    p += n;
  } else {
    r.value.reset();
  }
  int32_t hc;
  if (!get_varint(p, rend, hc)) return "truncated record header count";
  if (hc < 0) return "negative record header count";
  r.headers = p;
  for (int32_t i = 0; i < hc; ++i) {
    if (!get_varint(p, rend, n)) return "truncated header key length";
    if (n < 0) return "null or negative header key length";
    if (rend - p < n) return "header key exceeds the record";
    p += n;
    if (!get_varint(p, rend, n)) return "truncated header value length";
    if (n < -1) return "invalid header value length";
    if (n > 0) {
      if (rend - p < n) return "header value exceeds the record";
      p += n;
    }
  }
  if (p != rend) return "record length does not match its fields";
  r.headers_len = static_cast<size_t>(p - r.headers);
  r.header_count = hc;
  r.encoded_size = static_cast<size_t>(rend - start);
  return nullptr;
}

// ---- header checks shared by the view and validate_batch ----

struct HeaderCheck {
  Error error = Error::NONE;
  const char* reason = "";
};

HeaderCheck check_header(ByteView b, BatchHeader& h, bool verify_crc) {
  if (b.size() > BatchHeader::kMagicOffset) {
    int8_t magic = static_cast<int8_t>(b[BatchHeader::kMagicOffset]);
    if (magic == 0 || magic == 1) return {Error::INVALID_RECORD, "record batch magic 0/1 is not supported (v2 only)"};
    if (magic != kMagicV2) return {Error::CORRUPT_MESSAGE, "unknown record batch magic"};
  }
  if (!BatchHeader::parse(b, h)) return {Error::CORRUPT_MESSAGE, "record batch shorter than its 61-byte header"};
  if (h.length < static_cast<int32_t>(kMinLength) ||
      static_cast<size_t>(h.length) + BatchHeader::kLogOverhead != b.size())
    return {Error::CORRUPT_MESSAGE, "record batch Length field does not match its size"};
  if (verify_crc &&
      crc32c(b.data() + BatchHeader::kAttributesOffset, b.size() - BatchHeader::kAttributesOffset) != h.crc)
    return {Error::CORRUPT_MESSAGE, "record batch CRC mismatch"};
  if (!is_known_compression(h.compression()))
    return {Error::UNSUPPORTED_COMPRESSION_TYPE, "unknown compression codec in record batch"};
  if (h.records_count < 0) return {Error::INVALID_RECORD, "negative RecordsCount"};
  return {};
}

std::string hex32(uint32_t v) {
  static const char* d = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 0; i < 8; ++i) s[9 - i] = d[(v >> (4 * i)) & 0xf];
  return s;
}

}  // namespace

// ---- headers and owned copies ---------------------------------------------------------------

void RecordHeaders::iterator::load() {
  if (left_ <= 0) {
    left_ = 0;
    return;
  }
  // Validated when the record was parsed: no bounds to check.
  int32_t n = get_varint_unchecked(p_);
  cur_.key = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
  p_ += n;
  n = get_varint_unchecked(p_);
  if (n < 0) {
    cur_.value.reset();
  } else {
    cur_.value = ByteView(p_, static_cast<size_t>(n));
    p_ += n;
  }
}

std::vector<OwnedRecordHeader> RecordHeaders::to_owned() const {
  std::vector<OwnedRecordHeader> v;
  v.reserve(size());
  for (const auto& h : *this) {
    OwnedRecordHeader o;
    o.key = std::string(h.key);
    if (h.value) o.value.emplace(h.value->begin(), h.value->end());
    v.push_back(std::move(o));
  }
  return v;
}

OwnedRecord to_owned(const Record& r) {
  OwnedRecord o;
  o.offset = r.offset;
  o.timestamp = r.timestamp;
  if (r.key) o.key.emplace(r.key->begin(), r.key->end());
  if (r.value) o.value.emplace(r.value->begin(), r.value->end());
  o.headers = r.headers.to_owned();
  return o;
}

// ---- builder --------------------------------------------------------------------------------

RecordBatchBuilder::RecordBatchBuilder(size_t initial_capacity)
    : buf_(new uint8_t[std::max(initial_capacity, kHeader + 64)]),
      cap_(std::max(initial_capacity, kHeader + 64)) {
  reset();
}

RecordBatchBuilder::~RecordBatchBuilder() = default;
RecordBatchBuilder::RecordBatchBuilder(RecordBatchBuilder&&) noexcept = default;
RecordBatchBuilder& RecordBatchBuilder::operator=(RecordBatchBuilder&&) noexcept = default;

void RecordBatchBuilder::reset() {
  if (!buf_) {  // moved-from
    cap_ = kHeader + 64;
    buf_.reset(new uint8_t[cap_]);
  }
  size_ = kHeader;
  use_compressed_ = false;
  finished_ = false;
  count_ = 0;
  last_offset_delta_ = -1;
  base_ts_ = 0;
  max_ts_ = kNoTimestamp;
  base_offset_ = 0;
  leader_epoch_ = kNoPartitionLeaderEpoch;
}

uint8_t* RecordBatchBuilder::grow(size_t n) {
  if (cap_ - size_ < n) {
    size_t ncap = std::max(cap_ * 2, size_ + n);
    std::unique_ptr<uint8_t[]> nb(new uint8_t[ncap]);
    std::memcpy(nb.get(), buf_.get(), size_);
    buf_ = std::move(nb);
    cap_ = ncap;
  }
  return buf_.get() + size_;
}

namespace {

inline size_t headers_size(std::span<const RecordHeader> headers) {
  size_t n = uvar_size(zz32(static_cast<int32_t>(headers.size())));
  for (const auto& h : headers)
    n += uvar_size(zz32(static_cast<int32_t>(h.key.size()))) + h.key.size() + nullable_size(h.value);
  return n;
}

inline size_t record_body_size(int64_t ts_delta, int32_t offset_delta, const NullableBytes& key,
                               const NullableBytes& value, std::span<const RecordHeader> headers) {
  return 1 + uvar_size(zz64(ts_delta)) + uvar_size(zz32(offset_delta)) + nullable_size(key) +
         nullable_size(value) + headers_size(headers);
}

void check_lengths(const NullableBytes& key, const NullableBytes& value,
                   std::span<const RecordHeader> headers) {
  constexpr size_t kMax = static_cast<size_t>(INT32_MAX);
  if ((key && key->size() > kMax) || (value && value->size() > kMax) || headers.size() > kMax)
    throw std::length_error("record field longer than 2^31-1 bytes");
}

}  // namespace

size_t RecordBatchBuilder::next_record_size(int64_t timestamp, NullableBytes key, NullableBytes value,
                                            std::span<const RecordHeader> headers) const {
  int64_t ts_delta = count_ ? wrap_add(timestamp, -base_ts_) : 0;
  size_t body = record_body_size(ts_delta, last_offset_delta_ + 1, key, value, headers);
  return uvar_size(zz32(static_cast<int32_t>(body))) + body;
}

void RecordBatchBuilder::append(int64_t timestamp, NullableBytes key, NullableBytes value,
                                std::span<const RecordHeader> headers) {
  append_impl(last_offset_delta_ + 1, timestamp, key, value, headers);
}

void RecordBatchBuilder::append_with_offset_delta(int32_t offset_delta, int64_t timestamp,
                                                  NullableBytes key, NullableBytes value,
                                                  std::span<const RecordHeader> headers) {
  if (offset_delta < 0 || (count_ && offset_delta <= last_offset_delta_))
    throw std::invalid_argument("record offset deltas must be non-negative and increasing");
  append_impl(offset_delta, timestamp, key, value, headers);
}

void RecordBatchBuilder::append_impl(int32_t offset_delta, int64_t timestamp, NullableBytes key,
                                     NullableBytes value, std::span<const RecordHeader> headers) {
  if (finished_) throw std::logic_error("RecordBatchBuilder: append after finish() without reset()");
  check_lengths(key, value, headers);
  if (count_ == 0) base_ts_ = timestamp;
  const int64_t ts_delta = wrap_add(timestamp, -base_ts_);
  const size_t body = record_body_size(ts_delta, offset_delta, key, value, headers);
  if (body > static_cast<size_t>(INT32_MAX)) throw std::length_error("record longer than 2^31-1 bytes");
  const size_t total = uvar_size(zz32(static_cast<int32_t>(body))) + body;
  uint8_t* p = grow(total);
  p = put_uvar(p, zz32(static_cast<int32_t>(body)));
  *p++ = 0;  // record attributes (unused)
  p = put_uvar(p, zz64(ts_delta));
  p = put_uvar(p, zz32(offset_delta));
  p = put_nullable(p, key);
  p = put_nullable(p, value);
  p = put_uvar(p, zz32(static_cast<int32_t>(headers.size())));
  for (const auto& h : headers) {
    p = put_uvar(p, zz32(static_cast<int32_t>(h.key.size())));
    if (!h.key.empty()) std::memcpy(p, h.key.data(), h.key.size());
    p += h.key.size();
    p = put_nullable(p, h.value);
  }
  size_ += total;
  ++count_;
  last_offset_delta_ = offset_delta;
  if (timestamp > max_ts_) max_ts_ = timestamp;
}

ByteView RecordBatchBuilder::finish(Compression compression, int64_t producer_id,
                                    int16_t producer_epoch, int32_t base_sequence,
                                    bool transactional, int16_t extra_attributes) {
  if (finished_) return batch();
  if (!is_known_compression(static_cast<int>(compression)))
    throw proto::ProtocolError("unsupported compression type " +
                               std::to_string(static_cast<int>(compression)));
  int16_t attrs = static_cast<int16_t>((static_cast<int16_t>(compression) & kAttrCompressionMask) |
                                       (extra_attributes & ~kAttrCompressionMask) |
                                       (transactional ? kAttrTransactional : 0));
  uint8_t* h = buf_.get();
  BatchHeader::write_i64(h, base_offset_);
  BatchHeader::write_i32(h + 12, leader_epoch_);
  h[BatchHeader::kMagicOffset] = kMagicV2;
  put_be16(h + BatchHeader::kAttributesOffset, attrs);
  BatchHeader::write_i32(h + 23, count_ ? last_offset_delta_ : 0);
  BatchHeader::write_i64(h + 27, count_ ? base_ts_ : kNoTimestamp);
  BatchHeader::write_i64(h + 35, max_ts_);
  BatchHeader::write_i64(h + 43, producer_id);
  put_be16(h + 51, producer_epoch);
  BatchHeader::write_i32(h + 53, base_sequence);
  BatchHeader::write_i32(h + 57, count_);

  uint8_t* out = h;
  size_t size = size_;
  if (compression != Compression::None) {
    compressed_.resize(kHeader);
    std::memcpy(compressed_.data(), h, kHeader);
    compress(compression, ByteView(h + kHeader, size_ - kHeader), compressed_, level_);
    use_compressed_ = true;
    out = compressed_.data();
    size = compressed_.size();
  }
  if (size - BatchHeader::kLogOverhead > static_cast<size_t>(INT32_MAX))
    throw std::length_error("record batch longer than 2^31-1 bytes");
  BatchHeader::write_i32(out + BatchHeader::kLengthOffset,
                         static_cast<int32_t>(size - BatchHeader::kLogOverhead));
  uint32_t crc = crc32c(out + BatchHeader::kAttributesOffset, size - BatchHeader::kAttributesOffset);
  BatchHeader::write_i32(out + BatchHeader::kCrcOffset, static_cast<int32_t>(crc));
  finished_ = true;
  return {out, size};
}

ByteView RecordBatchBuilder::batch() const {
  if (!finished_) return {};
  if (use_compressed_) return compressed_;
  return {buf_.get(), size_};
}

// ---- view -----------------------------------------------------------------------------------

void RecordBatchView::reset(ByteView batch, bool verify_crc) {
  bytes_ = batch;
  inflated_valid_ = false;
  h_ = BatchHeader{};
  HeaderCheck c = check_header(batch, h_, verify_crc);
  if (c.error == Error::NONE) return;
  std::string msg = c.reason;
  if (c.error == Error::CORRUPT_MESSAGE && h_.magic == kMagicV2) {
    if (batch.size() >= kHeader && static_cast<size_t>(h_.length) + BatchHeader::kLogOverhead != batch.size())
      msg += " (Length " + std::to_string(h_.length) + ", " + std::to_string(batch.size()) + " bytes)";
    else if (batch.size() >= kHeader)
      msg += " (header " + hex32(h_.crc) + ", computed " +
             hex32(crc32c(batch.data() + BatchHeader::kAttributesOffset,
                          batch.size() - BatchHeader::kAttributesOffset)) + ")";
    else
      msg += " (" + std::to_string(batch.size()) + " bytes)";
  } else if (c.error == Error::UNSUPPORTED_COMPRESSION_TYPE) {
    msg += " (" + std::to_string(h_.compression()) + ")";
  }
  bytes_ = {};
  throw BatchError(c.error, msg);
}

ByteView RecordBatchView::records_data() {
  ByteView raw = bytes_.size() >= kHeader ? bytes_.subspan(kHeader) : ByteView{};
  if (compression() == Compression::None) return raw;
  if (!inflated_valid_) {
    inflated_.clear();
    try {
      decompress(compression(), raw, inflated_, max_uncompressed_);
    } catch (const BatchError&) {
      throw;
    } catch (const proto::ProtocolError& e) {
      throw BatchError(Error::CORRUPT_MESSAGE, std::string("record batch records: ") + e.what());
    }
    inflated_valid_ = true;
  }
  return inflated_;
}

RecordBatchView::iterator RecordBatchView::begin() {
  ByteView d = records_data();
  return iterator(d.data(), d.data() + d.size(), h_.records_count, h_);
}

RecordBatchView::iterator::iterator(const uint8_t* p, const uint8_t* end, int32_t count,
                                    const BatchHeader& h)
    : p_(p), end_(end), left_(count), base_offset_(h.base_offset), base_ts_(h.base_timestamp),
      done_(false) {
  if (h.log_append_time()) append_time_ = h.max_timestamp;
  advance();
}

void RecordBatchView::iterator::advance() {
  if (done_) return;
  if (left_ == 0) {
    done_ = true;
    if (p_ != end_)
      throw BatchError(Error::INVALID_RECORD,
                       std::to_string(end_ - p_) + " bytes left after the batch's last record");
    return;
  }
  if (p_ == end_) {
    done_ = true;
    throw BatchError(Error::INVALID_RECORD,
                     "record batch ends " + std::to_string(left_) + " records short of RecordsCount");
  }
  RawRecord r;
  if (const char* err = parse_record(p_, end_, r)) {
    done_ = true;
    throw BatchError(Error::INVALID_RECORD, err);
  }
  --left_;
  rec_.offset = wrap_add(base_offset_, r.offset_delta);
  rec_.timestamp = append_time_ ? *append_time_ : wrap_add(base_ts_, r.ts_delta);
  rec_.offset_delta = r.offset_delta;
  rec_.timestamp_delta = r.ts_delta;
  rec_.attributes = r.attributes;
  rec_.key = r.key;
  rec_.value = r.value;
  rec_.headers = RecordHeaders(ByteView(r.headers, r.headers_len), r.header_count);
  rec_.encoded_size = r.encoded_size;
}

std::vector<OwnedRecord> RecordBatchView::to_owned() {
  std::vector<OwnedRecord> v;
  v.reserve(static_cast<size_t>(std::min(h_.records_count, 1 << 16)));
  for (auto it = begin(); it != end(); ++it) v.push_back(kafka::to_owned(*it));
  return v;
}

// ---- validation -----------------------------------------------------------------------------

BatchValidation validate_batch(ByteView batch, const ValidateOptions& opt) {
  BatchValidation v;
  auto fail = [&v](Error e, const char* why) {
    v.error = e;
    v.reason = why;
    return v;
  };
  BatchHeader h;
  HeaderCheck c = check_header(batch, h, opt.verify_crc);
  if (c.error != Error::NONE) return fail(c.error, c.reason);
  if (opt.client_origin) {
    if (h.records_count <= 0) return fail(Error::INVALID_RECORD, "RecordsCount must be positive");
    if (static_cast<int64_t>(h.last_offset_delta) + 1 != h.records_count)
      return fail(Error::INVALID_RECORD, "LastOffsetDelta does not match RecordsCount");
    if (h.is_control()) return fail(Error::INVALID_RECORD, "clients may not write control batches");
    if (h.producer_id >= 0 && h.base_sequence < 0)
      return fail(Error::INVALID_RECORD, "BaseSequence missing in a batch with a producer id");
  }

  ByteView recs = batch.subspan(kHeader);
  thread_local std::vector<uint8_t> tl_scratch;
  std::vector<uint8_t>* scratch = nullptr;
  if (h.compression() != 0) {
    scratch = opt.scratch ? opt.scratch : &tl_scratch;
    scratch->clear();
    try {
      decompress(static_cast<Compression>(h.compression()), recs, *scratch, opt.max_uncompressed);
    } catch (const proto::ProtocolError&) {
      return fail(Error::CORRUPT_MESSAGE,
                  "compressed records are corrupt or exceed the uncompressed size limit");
    }
    recs = *scratch;
  }
  // Keep the thread-local buffer from pinning a huge allocation after an unusual batch.
  struct Trim {
    std::vector<uint8_t>* s;
    ~Trim() {
      if (s == &tl_scratch && s->capacity() > (size_t{8} << 20)) std::vector<uint8_t>().swap(*s);
    }
  } trim{scratch};

  const uint8_t* p = recs.data();
  const uint8_t* end = p + recs.size();
  int64_t min_ts = std::numeric_limits<int64_t>::max(), max_ts = kNoTimestamp;
  RawRecord r;
  for (int32_t i = 0; i < h.records_count; ++i) {
    if (p == end) return fail(Error::INVALID_RECORD, "fewer records than RecordsCount");
    if (const char* err = parse_record(p, end, r)) return fail(Error::INVALID_RECORD, err);
    if (r.offset_delta != i) v.sequential_offsets = false;
    int64_t ts = wrap_add(h.base_timestamp, r.ts_delta);
    min_ts = std::min(min_ts, ts);
    max_ts = std::max(max_ts, ts);
    if (!r.key) v.all_keys_present = false;
  }
  if (p != end) return fail(Error::INVALID_RECORD, "bytes left after RecordsCount records");
  v.records = h.records_count;
  v.min_timestamp = h.records_count ? min_ts : kNoTimestamp;
  v.max_timestamp = max_ts;
  v.uncompressed_size = recs.size();
  return v;
}

// ---- splitter -------------------------------------------------------------------------------

std::optional<ByteView> BatchSplitter::next() {
  if (error_ != Error::NONE || truncated_ || rest_.empty()) return std::nullopt;
  if (rest_.size() < BatchHeader::kLogOverhead) {
    truncated_ = true;
    return std::nullopt;
  }
  int32_t len = static_cast<int32_t>(get_be32(rest_.data() + BatchHeader::kLengthOffset));
  bool v2 = rest_.size() > BatchHeader::kMagicOffset && rest_[BatchHeader::kMagicOffset] == kMagicV2;
  if (len < static_cast<int32_t>(kMinLegacyLength) || (v2 && len < static_cast<int32_t>(kMinLength))) {
    error_ = Error::CORRUPT_MESSAGE;
    return std::nullopt;
  }
  size_t total = static_cast<size_t>(len) + BatchHeader::kLogOverhead;
  if (rest_.size() < total) {
    truncated_ = true;
    return std::nullopt;
  }
  ByteView b = rest_.first(total);
  rest_ = rest_.subspan(total);
  return b;
}

// ---- control records ------------------------------------------------------------------------

ByteView build_control_batch(RecordBatchBuilder& b, ControlType type, int64_t producer_id,
                             int16_t producer_epoch, int32_t coordinator_epoch, int64_t timestamp,
                             int64_t base_offset) {
  uint8_t key[4] = {0, 0, 0, 0};  // version 0, type
  put_be16(key + 2, static_cast<int16_t>(type));
  uint8_t value[6] = {0, 0, 0, 0, 0, 0};  // version 0, coordinator epoch
  BatchHeader::write_i32(value + 2, coordinator_epoch);
  b.reset();
  b.set_base_offset(base_offset);
  b.append(timestamp, ByteView(key), ByteView(value));
  return b.finish(Compression::None, producer_id, producer_epoch, kNoSequence, true, kAttrControl);
}

std::vector<uint8_t> make_control_batch(ControlType type, int64_t producer_id,
                                        int16_t producer_epoch, int32_t coordinator_epoch,
                                        int64_t timestamp, int64_t base_offset) {
  RecordBatchBuilder b(128);
  ByteView v = build_control_batch(b, type, producer_id, producer_epoch, coordinator_epoch,
                                   timestamp, base_offset);
  return {v.begin(), v.end()};
}

ControlType control_record_type(NullableBytes key) {
  if (!key || key->size() < 4)
    throw BatchError(Error::INVALID_RECORD, "control record key shorter than 4 bytes");
  if (get_be16(key->data()) < 0)
    throw BatchError(Error::INVALID_RECORD, "negative control record key version");
  return static_cast<ControlType>(get_be16(key->data() + 2));
}

std::optional<EndTxnMarker> parse_end_txn_marker(const Record& r) {
  ControlType t = control_record_type(r.key);
  if (t != ControlType::Abort && t != ControlType::Commit) return std::nullopt;
  if (!r.value || r.value->size() < 6)
    throw BatchError(Error::INVALID_RECORD, "end transaction marker value shorter than 6 bytes");
  if (get_be16(r.value->data()) < 0)
    throw BatchError(Error::INVALID_RECORD, "negative end transaction marker version");
  return EndTxnMarker{t, static_cast<int32_t>(get_be32(r.value->data() + 2))};
}

}  // namespace kafka
