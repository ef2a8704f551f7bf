// RecordBatch v2 (magic 2) codec, shared by the producer, the consumer and the broker.
//
//  RecordBatchBuilder  producer side: appends records straight into one buffer in wire layout,
//                      then finish() writes the 61-byte header, compresses, and sets the CRC.
//  RecordBatchView     consumer side: checks one batch (length, magic, CRC) and iterates its
//                      records, decompressing once into a reusable buffer.
//  validate_batch      broker side: full validation of a produced batch, compressed contents
//                      included, without per-record allocations.
//  BatchSplitter       walks the batches of a Produce/Fetch "records" field.
//  Control records     COMMIT/ABORT transaction markers.
//
// Layout (big-endian; see BatchHeader for the offsets):
//   BaseOffset i64 | Length i32 | PartitionLeaderEpoch i32 | Magic i8 | CRC u32 | Attributes i16 |
//   LastOffsetDelta i32 | BaseTimestamp i64 | MaxTimestamp i64 | ProducerId i64 |
//   ProducerEpoch i16 | BaseSequence i32 | RecordsCount i32 | Records...
// CRC-32C covers Attributes..end. Each record: Length varint | Attributes i8 |
// TimestampDelta varlong | OffsetDelta varint | KeyLen varint | Key | ValueLen varint | Value |
// HeadersCount varint | (HeaderKeyLen varint | HeaderKey | HeaderValueLen varint | Value)*.
// Varints are zigzag-encoded; length -1 means null.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/batch_header.h"
#include "kafka/protocol/compression.h"
#include "kafka/protocol/errors.h"
#include "kafka/protocol/wire.h"

namespace kafka {

using ByteView = std::span<const uint8_t>;
using NullableBytes = std::optional<ByteView>;  // nullopt = null on the wire

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Batch attribute bits.
inline constexpr int16_t kAttrCompressionMask = 0x07;
inline constexpr int16_t kAttrLogAppendTime = 0x08;
inline constexpr int16_t kAttrTransactional = 0x10;
inline constexpr int16_t kAttrControl = 0x20;
inline constexpr int16_t kAttrDeleteHorizon = 0x40;

inline constexpr int8_t kMagicV2 = 2;
inline constexpr int64_t kNoTimestamp = -1;
inline constexpr int64_t kNoProducerId = -1;
inline constexpr int16_t kNoProducerEpoch = -1;
inline constexpr int32_t kNoSequence = -1;
inline constexpr int32_t kNoPartitionLeaderEpoch = -1;

// Default bound on a batch's decompressed records section (decompression-bomb guard).
inline constexpr size_t kDefaultMaxUncompressedBatch = size_t{64} << 20;

// A malformed batch; code() is the Kafka error a broker would answer with
// (CORRUPT_MESSAGE, INVALID_RECORD or UNSUPPORTED_COMPRESSION_TYPE).
class BatchError : public proto::ProtocolError {
 public:
  BatchError(Error code, const std::string& what) : proto::ProtocolError(what), code_(code) {}
  Error code() const { return code_; }

 private:
  Error code_;
};

// ---- Records and headers --------------------------------------------------------------------

// A header as a view into the batch (or caller) memory. Header keys are never null.
struct RecordHeader {
  std::string_view key;
  NullableBytes value;
};

struct OwnedRecordHeader {
  std::string key;
  std::optional<std::vector<uint8_t>> value;
  RecordHeader view() const {
    return {key, value ? NullableBytes(ByteView(*value)) : std::nullopt};
  }
  bool operator==(const OwnedRecordHeader&) const = default;
};

// The encoded headers of one decoded record, decoded lazily. They were validated when the record
// was parsed, so iterating cannot fail.
class RecordHeaders {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = RecordHeader;
    using difference_type = std::ptrdiff_t;
    using pointer = const RecordHeader*;
    using reference = const RecordHeader&;
    iterator() = default;
    iterator(const uint8_t* p, int32_t left) : p_(p), left_(left) { load(); }
    const RecordHeader& operator*() const { return cur_; }
    const RecordHeader* operator->() const { return &cur_; }
    iterator& operator++() {
      --left_;
      load();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const iterator& o) const { return left_ == o.left_; }

   private:
    void load();
    const uint8_t* p_ = nullptr;
    int32_t left_ = 0;
    RecordHeader cur_;
  };

  RecordHeaders() = default;
  RecordHeaders(ByteView raw, int32_t count) : raw_(raw), count_(count) {}
  size_t size() const { return static_cast<size_t>(count_); }
  bool empty() const { return count_ == 0; }
  iterator begin() const { return {raw_.data(), count_}; }
  iterator end() const { return {nullptr, 0}; }
  ByteView raw() const { return raw_; }
  std::vector<OwnedRecordHeader> to_owned() const;

 private:
  ByteView raw_;
  int32_t count_ = 0;
};

// One decoded record; spans point into the batch (or the view's decompression buffer).
struct Record {
  int64_t offset = 0;     // base offset + offset delta
  int64_t timestamp = 0;  // base timestamp + delta, or MaxTimestamp for LogAppendTime batches
  int32_t offset_delta = 0;
  int64_t timestamp_delta = 0;
  int8_t attributes = 0;
  NullableBytes key;
  NullableBytes value;
  RecordHeaders headers;
  size_t encoded_size = 0;  // bytes on the wire, length varint included
};

struct OwnedRecord {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::vector<uint8_t>> key;
  std::optional<std::vector<uint8_t>> value;
  std::vector<OwnedRecordHeader> headers;
  bool operator==(const OwnedRecord&) const = default;
};
OwnedRecord to_owned(const Record& r);

// ---- Building -------------------------------------------------------------------------------

// Builds one batch in its final wire layout. Typical producer loop:
//   b.reset();
//   while (have records && b.size_estimate() + b.next_record_size(...) <= batch_size) b.append(...);
//   auto bytes = b.finish(Compression::Lz4, pid, epoch, seq);
// The returned span stays valid until the next reset() or destruction; reset() keeps the buffers.
class RecordBatchBuilder {
 public:
  explicit RecordBatchBuilder(size_t initial_capacity = 16 * 1024);
  ~RecordBatchBuilder();
  RecordBatchBuilder(RecordBatchBuilder&&) noexcept;
  RecordBatchBuilder& operator=(RecordBatchBuilder&&) noexcept;

  // Starts a new batch; keeps allocated memory. Base offset 0 and leader epoch -1 unless set.
  void reset();
  void set_base_offset(int64_t v) { base_offset_ = v; }
  void set_partition_leader_epoch(int32_t v) { leader_epoch_ = v; }
  void set_compression_level(int level) { level_ = level; }

  // Appends a record with the next offset delta (0, 1, 2, ...). Timestamp deltas are taken
  // against the first record's timestamp.
  void append(int64_t timestamp, NullableBytes key, NullableBytes value,
              std::span<const RecordHeader> headers = {});
  // Appends with an explicit offset delta (e.g. rewriting a compacted batch); deltas must increase.
  void append_with_offset_delta(int32_t offset_delta, int64_t timestamp, NullableBytes key,
                                NullableBytes value, std::span<const RecordHeader> headers = {});

  // Bytes the next append() with these arguments would add.
  size_t next_record_size(int64_t timestamp, NullableBytes key, NullableBytes value,
                          std::span<const RecordHeader> headers = {}) const;

  int32_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Size of the batch if finished uncompressed (header + records so far). Compressed batches are
  // usually smaller; this is what producers compare against batch.size.
  size_t size_estimate() const { return size_; }
  int64_t base_timestamp() const { return count_ ? base_ts_ : kNoTimestamp; }
  int64_t max_timestamp() const { return max_ts_; }

  // Writes the header (attributes = codec | transactional bit | extra_attributes, whose bits 0-2
  // are ignored), compresses the records when asked, computes the CRC. Returns the whole batch.
  // Appending after finish() requires reset().
  ByteView finish(Compression compression = Compression::None, int64_t producer_id = kNoProducerId,
                  int16_t producer_epoch = kNoProducerEpoch, int32_t base_sequence = kNoSequence,
                  bool transactional = false, int16_t extra_attributes = 0);
  // The finished batch (empty before finish()).
  ByteView batch() const;
  bool finished() const { return finished_; }

 private:
  uint8_t* grow(size_t n);  // makes room for n more bytes; returns the write position
  void append_impl(int32_t offset_delta, int64_t timestamp, NullableBytes key, NullableBytes value,
                   std::span<const RecordHeader> headers);

  std::unique_ptr<uint8_t[]> buf_;  // header placeholder + records, uninitialized growth
  size_t size_ = 0, cap_ = 0;
  std::vector<uint8_t> compressed_;  // header + compressed records, when compression is used
  bool use_compressed_ = false;
  bool finished_ = false;
  int32_t count_ = 0;
  int32_t last_offset_delta_ = -1;
  int64_t base_ts_ = 0;
  int64_t max_ts_ = kNoTimestamp;
  int64_t base_offset_ = 0;
  int32_t leader_epoch_ = kNoPartitionLeaderEpoch;
  int level_ = kDefaultCompressionLevel;
};

// ---- Reading --------------------------------------------------------------------------------

// A view over one batch. reset()/the constructor check the header (size, Length, magic 2, CRC,
// known codec) and throw BatchError; records are parsed while iterating, and a malformed record
// throws BatchError(INVALID_RECORD) from the iterator. Compressed records are decompressed on the
// first iteration into a buffer the view keeps across reset() calls.
class RecordBatchView {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using pointer = const Record*;
    using reference = const Record&;
    iterator() = default;
    const Record& operator*() const { return rec_; }
    const Record* operator->() const { return &rec_; }
    iterator& operator++() {
      advance();
      return *this;
    }
    void operator++(int) { advance(); }
    bool operator==(std::default_sentinel_t) const { return done_; }

   private:
    friend class RecordBatchView;
    iterator(const uint8_t* p, const uint8_t* end, int32_t count, const BatchHeader& h);
    void advance();
    const uint8_t* p_ = nullptr;
    const uint8_t* end_ = nullptr;
    int32_t left_ = 0;
    int64_t base_offset_ = 0, base_ts_ = 0;
    std::optional<int64_t> append_time_;
    bool done_ = true;
    Record rec_;
  };

  RecordBatchView() = default;
  explicit RecordBatchView(ByteView batch, bool verify_crc = true) { reset(batch, verify_crc); }

  void reset(ByteView batch, bool verify_crc = true);
  void set_max_uncompressed(size_t n) { max_uncompressed_ = n; }

  const BatchHeader& header() const { return h_; }
  ByteView bytes() const { return bytes_; }
  int64_t base_offset() const { return h_.base_offset; }
  int64_t last_offset() const { return h_.last_offset(); }
  int32_t record_count() const { return h_.records_count; }
  Compression compression() const { return static_cast<Compression>(h_.compression()); }
  bool is_control() const { return h_.is_control(); }
  bool is_transactional() const { return h_.is_transactional(); }
  bool log_append_time() const { return h_.log_append_time(); }

  // The records section, uncompressed (decompresses on first use; throws BatchError).
  ByteView records_data();
  iterator begin();
  std::default_sentinel_t end() const { return {}; }
  // Convenience: all records, copied.
  std::vector<OwnedRecord> to_owned();

 private:
  ByteView bytes_;
  BatchHeader h_;
  std::vector<uint8_t> inflated_;
  bool inflated_valid_ = false;
  size_t max_uncompressed_ = kDefaultMaxUncompressedBatch;
};

// ---- Validation (broker) --------------------------------------------------------------------

struct ValidateOptions {
  bool verify_crc = true;
  // Checks the Java broker applies to batches from clients (AppendOrigin.CLIENT): RecordsCount
  // > 0 and equal to LastOffsetDelta + 1, no control batches, BaseSequence >= 0 when a producer
  // id is set. Off for replicated/fetched data (compaction leaves gaps, even empty batches).
  bool client_origin = true;
  size_t max_uncompressed = kDefaultMaxUncompressedBatch;
  // Decompression buffer to reuse; a thread-local one is used when null.
  std::vector<uint8_t>* scratch = nullptr;
};

struct BatchValidation {
  Error error = Error::NONE;
  const char* reason = "";        // static text explaining `error`
  int32_t records = 0;            // records found (== RecordsCount when valid)
  int64_t min_timestamp = 0;      // over record timestamps (create time); kNoTimestamp if none
  int64_t max_timestamp = kNoTimestamp;
  bool sequential_offsets = true;  // offset deltas are 0, 1, 2, ... (else Java rewrites the batch)
  bool all_keys_present = true;    // no null keys (compacted topics require keys)
  size_t uncompressed_size = 0;    // size of the records section after decompression
  explicit operator bool() const { return error == Error::NONE; }
};

// Validates exactly one batch (`batch` must be exactly BaseOffset..end of that batch):
//  CORRUPT_MESSAGE              short/inconsistent Length, unknown magic, bad CRC, undecodable
//                               compressed data (or data over max_uncompressed)
//  INVALID_RECORD               magic 0/1, records whose count/lengths/fields don't add up, and
//                               the client_origin checks
//  UNSUPPORTED_COMPRESSION_TYPE codec 5-7
BatchValidation validate_batch(ByteView batch, const ValidateOptions& options = {});

// ---- Splitting a records field ----------------------------------------------------------------

// Iterates the batches of a concatenation by their Length fields. A partial batch at the end (as
// fetch responses may have) stops iteration with truncated() set, not an error. A Length field
// too small for any batch stops it with error() == CORRUPT_MESSAGE. Magic is not checked here.
class BatchSplitter {
 public:
  explicit BatchSplitter(ByteView records) : rest_(records) {}
  std::optional<ByteView> next();
  bool truncated() const { return truncated_; }
  Error error() const { return error_; }
  ByteView rest() const { return rest_; }  // unconsumed bytes

  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = ByteView;
    using difference_type = std::ptrdiff_t;
    explicit iterator(BatchSplitter* s) : s_(s) { ++*this; }
    ByteView operator*() const { return cur_; }
    iterator& operator++() {
      auto n = s_->next();
      done_ = !n;
      if (n) cur_ = *n;
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return done_; }

   private:
    BatchSplitter* s_;
    ByteView cur_;
    bool done_ = false;
  };
  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() const { return {}; }

 private:
  ByteView rest_;
  bool truncated_ = false;
  Error error_ = Error::NONE;
};

// ---- Control records ------------------------------------------------------------------------

// Control record key types (ControlRecordType.java). Transaction markers are Abort and Commit.
enum class ControlType : int16_t {
  Abort = 0,
  Commit = 1,
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KRaftVersion = 5,
  KRaftVoters = 6,
};

struct EndTxnMarker {
  ControlType type = ControlType::Commit;
  int32_t coordinator_epoch = 0;
  bool operator==(const EndTxnMarker&) const = default;
};

// Builds a COMMIT/ABORT marker batch in `b` (which is reset first): one record (key: version 0,
// type; value: version 0, coordinator epoch), attributes transactional|control, base sequence -1,
// uncompressed. The bytes are valid until `b` is reset.
ByteView build_control_batch(RecordBatchBuilder& b, ControlType type, int64_t producer_id,
                             int16_t producer_epoch, int32_t coordinator_epoch, int64_t timestamp,
                             int64_t base_offset = 0);
std::vector<uint8_t> make_control_batch(ControlType type, int64_t producer_id,
                                        int16_t producer_epoch, int32_t coordinator_epoch,
                                        int64_t timestamp, int64_t base_offset = 0);

// The type in a control record key (any version >= 0; newer versions extend the key). Throws
// BatchError(INVALID_RECORD) if the key is null, shorter than 4 bytes or has a negative version.
ControlType control_record_type(NullableBytes key);
// Parses a control record as a transaction marker; nullopt if its type is not Abort/Commit.
// Throws BatchError(INVALID_RECORD) for a malformed key or value.
std::optional<EndTxnMarker> parse_end_txn_marker(const Record& r);

}  // namespace kafka
