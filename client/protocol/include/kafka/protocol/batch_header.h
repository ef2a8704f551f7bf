// The fixed 61-byte RecordBatch v2 header, readable without decoding the records. Used by the
// broker's log (recovery, indexing, fetch) and by the record-batch codec.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace kafka {

struct BatchHeader {
  static constexpr size_t kSize = 61;
  static constexpr size_t kLengthOffset = 8;     // int32 Length: bytes after this field
  static constexpr size_t kLogOverhead = 12;     // BaseOffset + Length
  static constexpr size_t kMagicOffset = 16;
  static constexpr size_t kCrcOffset = 17;
  static constexpr size_t kAttributesOffset = 21; // CRC covers from here to the end

  int64_t base_offset = 0;
  int32_t length = 0;  // batch size minus kLogOverhead
  int32_t partition_leader_epoch = 0;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  int64_t last_offset() const { return base_offset + last_offset_delta; }
  size_t total_size() const { return static_cast<size_t>(length) + kLogOverhead; }
  int compression() const { return attributes & 0x07; }
  bool log_append_time() const { return attributes & 0x08; }
  bool is_transactional() const { return attributes & 0x10; }
  bool is_control() const { return attributes & 0x20; }

  // Parses the header from at least kSize bytes; returns false if too short.
  static bool parse(std::span<const uint8_t> b, BatchHeader& h) {
    if (b.size() < kSize) return false;
    auto u = [&](size_t at, size_t n) {
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v = (v << 8) | b[at + i];
      return v;
    };
    h.base_offset = static_cast<int64_t>(u(0, 8));
    h.length = static_cast<int32_t>(u(8, 4));
    h.partition_leader_epoch = static_cast<int32_t>(u(12, 4));
    h.magic = static_cast<int8_t>(b[16]);
    h.crc = static_cast<uint32_t>(u(17, 4));
    h.attributes = static_cast<int16_t>(u(21, 2));
    h.last_offset_delta = static_cast<int32_t>(u(23, 4));
    h.base_timestamp = static_cast<int64_t>(u(27, 8));
    h.max_timestamp = static_cast<int64_t>(u(35, 8));
    h.producer_id = static_cast<int64_t>(u(43, 8));
    h.producer_epoch = static_cast<int16_t>(u(51, 2));
    h.base_sequence = static_cast<int32_t>(u(53, 4));
    h.records_count = static_cast<int32_t>(u(57, 4));
    return true;
  }

  // Big-endian field patching in an encoded batch (the broker assigns offsets and epochs).
  static void write_i64(uint8_t* p, int64_t v) {
    for (int i = 7; i >= 0; --i) { p[i] = static_cast<uint8_t>(v); v >>= 8; }
  }
  static void write_i32(uint8_t* p, int32_t v) {
    for (int i = 3; i >= 0; --i) { p[i] = static_cast<uint8_t>(v); v >>= 8; }
  }
};

}  // namespace kafka
