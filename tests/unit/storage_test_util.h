// Test helpers for the storage tests: hand-built RecordBatch v2 batches and temp directories.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "kafka/protocol/batch_header.h"
#include "kafka/protocol/crc32c.h"

namespace storage_test {

inline void put_uvarint(std::vector<uint8_t>& b, uint64_t v) {
  while (v >= 0x80) {
    b.push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  b.push_back(static_cast<uint8_t>(v));
}
inline void put_varint(std::vector<uint8_t>& b, int64_t v) {
  put_uvarint(b, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

struct BatchSpec {
  int records = 1;
  size_t value_size = 100;
  int64_t base_timestamp = 1'700'000'000'000;
  int64_t timestamp_step = 1;  // record i has base_timestamp + i * step
  uint8_t fill = 'x';
  int16_t attributes = 0;      // compression bits etc. (records are not compressed for real)
  int32_t extra_offset_delta = 0;  // adds to LastOffsetDelta (offset gaps, overflow tests)
};

// A valid v2 batch with BaseOffset 0 (the log assigns the real one) and a correct CRC-32C.
inline std::vector<uint8_t> make_batch(const BatchSpec& s = {}) {
  std::vector<uint8_t> records;
  for (int i = 0; i < s.records; ++i) {
    std::vector<uint8_t> r;
    r.push_back(0);                                   // attributes
    put_varint(r, i * s.timestamp_step);              // timestamp delta
    put_varint(r, i);                                 // offset delta
    put_varint(r, -1);                                // null key
    put_varint(r, static_cast<int64_t>(s.value_size));
    r.insert(r.end(), s.value_size, s.fill);
    put_varint(r, 0);                                 // no headers
    put_varint(records, static_cast<int64_t>(r.size()));
    records.insert(records.end(), r.begin(), r.end());
  }
  std::vector<uint8_t> b(kafka::BatchHeader::kSize, 0);
  b.insert(b.end(), records.begin(), records.end());
  using H = kafka::BatchHeader;
  H::write_i64(&b[0], 0);
  H::write_i32(&b[8], static_cast<int32_t>(b.size() - H::kLogOverhead));
  H::write_i32(&b[12], 0);  // partition leader epoch
  b[16] = 2;
  b[21] = static_cast<uint8_t>(s.attributes >> 8);
  b[22] = static_cast<uint8_t>(s.attributes);
  H::write_i32(&b[23], s.records - 1 + s.extra_offset_delta);
  H::write_i64(&b[27], s.base_timestamp);
  H::write_i64(&b[35], s.base_timestamp + std::max<int64_t>(0, (s.records - 1) * s.timestamp_step));  // max
  H::write_i64(&b[43], -1);
  b[51] = 0xff;
  b[52] = 0xff;
  H::write_i32(&b[53], -1);
  H::write_i32(&b[57], s.records);
  uint32_t crc = kafka::crc32c(b.data() + H::kAttributesOffset, b.size() - H::kAttributesOffset);
  H::write_i32(&b[17], static_cast<int32_t>(crc));
  return b;
}

inline bool crc_ok(const uint8_t* batch, size_t size) {
  kafka::BatchHeader h;
  kafka::BatchHeader::parse({batch, size}, h);
  return kafka::crc32c(batch + kafka::BatchHeader::kAttributesOffset, size - kafka::BatchHeader::kAttributesOffset) == h.crc;
}

// Splits a byte range of whole batches into headers; false if it is not exactly whole batches.
inline bool split_batches(const uint8_t* p, size_t n, std::vector<kafka::BatchHeader>& out) {
  size_t pos = 0;
  while (pos < n) {
    kafka::BatchHeader h;
    if (!kafka::BatchHeader::parse({p + pos, n - pos}, h) || pos + h.total_size() > n) return false;
    if (!crc_ok(p + pos, h.total_size())) return false;
    out.push_back(h);
    pos += h.total_size();
  }
  return true;
}

// A fresh directory under the temp dir, removed on destruction.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "storage-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace storage_test
