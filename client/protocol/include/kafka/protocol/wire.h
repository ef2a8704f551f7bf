// Primitive Kafka wire types: big-endian fixed ints, zigzag varints, unsigned varints,
// (compact) strings and bytes. Writer appends to a growable buffer; Reader walks a span
// and throws ProtocolError on any malformed or truncated input.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kafka::proto {

// Thrown by decoders; the message says what was malformed and where.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using Uuid = std::array<uint8_t, 16>;

// Opaque byte string (the Kafka "bytes" type).
struct Bytes {
  std::vector<uint8_t> data;
  Bytes() = default;
  Bytes(std::vector<uint8_t> d) : data(std::move(d)) {}
  Bytes(std::string_view s) : data(s.begin(), s.end()) {}
  bool operator==(const Bytes&) const = default;
  std::string_view str() const { return {reinterpret_cast<const char*>(data.data()), data.size()}; }
};

// A range of an open file, sent with sendfile() instead of being copied into the frame.
// The handle keeps the file open even if retention deletes the segment meanwhile.
struct FileSlice {
  std::shared_ptr<const int> fd;  // owning file descriptor holder
  uint64_t offset = 0;
  uint32_t length = 0;
};

// The "records" type: a RecordBatch sequence. Decoding yields a view into the request buffer
// (valid while the frame lives) to avoid copying produce payloads; encoding can take owned bytes,
// a view, or a file slice for zero-copy fetch responses.
struct Records {
  bool is_null = false;
  std::vector<uint8_t> owned;
  std::span<const uint8_t> view;  // if non-empty and owned is empty, refers to external memory
  std::optional<FileSlice> file;

  static Records null() { Records r; r.is_null = true; return r; }
  static Records copy_of(std::span<const uint8_t> bytes) {
    Records r; r.owned.assign(bytes.begin(), bytes.end()); return r;
  }
  std::span<const uint8_t> bytes() const {
    return owned.empty() ? view : std::span<const uint8_t>(owned);
  }
  size_t size() const { return file ? file->length : bytes().size(); }
};

class Writer {
 public:
  struct Splice { size_t at; FileSlice slice; };  // file slice inserted at buffer position `at`

  Writer() { buf_.reserve(256); }
  std::vector<uint8_t>& buffer() { return buf_; }
  const std::vector<uint8_t>& buffer() const { return buf_; }
  std::vector<Splice>& splices() { return splices_; }
  size_t size() const { return buf_.size(); }
  // Size on the wire, counting file slices.
  size_t wire_size() const {
    size_t n = buf_.size();
    for (auto& s : splices_) n += s.slice.length;
    return n;
  }

  void i8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
  void i16(int16_t v) { be(static_cast<uint16_t>(v)); }
  void u16(uint16_t v) { be(v); }
  void i32(int32_t v) { be(static_cast<uint32_t>(v)); }
  void u32(uint32_t v) { be(v); }
  void i64(int64_t v) { be(static_cast<uint64_t>(v)); }
  void f64(double v) { uint64_t u; std::memcpy(&u, &v, 8); be(u); }
  void boolean(bool v) { i8(v ? 1 : 0); }
  void uvarint(uint32_t v) {
    while (v >= 0x80) { buf_.push_back(static_cast<uint8_t>(v | 0x80)); v >>= 7; }
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void uvarlong(uint64_t v) {
    while (v >= 0x80) { buf_.push_back(static_cast<uint8_t>(v | 0x80)); v >>= 7; }
    buf_.push_back(static_cast<uint8_t>(v));
  }
  void varint(int32_t v) { uvarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31)); }
  void varlong(int64_t v) { uvarlong((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void raw(const void* p, size_t n) {
    auto b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  void raw(std::span<const uint8_t> s) { raw(s.data(), s.size()); }
  void uuid(const Uuid& u) { raw(u.data(), u.size()); }

  // Length-prefixed string/bytes; `compact` selects the KIP-482 uvarint(len+1) form.
  void string(std::string_view s, bool compact) {
    if (compact) uvarint(static_cast<uint32_t>(s.size() + 1));
    else i16(static_cast<int16_t>(s.size()));
    raw(s.data(), s.size());
  }
  void nullable_string(const std::optional<std::string>& s, bool compact) {
    if (s) return string(*s, compact);
    if (compact) uvarint(0); else i16(-1);
  }
  void bytes(std::span<const uint8_t> b, bool compact) {
    if (compact) uvarint(static_cast<uint32_t>(b.size() + 1));
    else i32(static_cast<int32_t>(b.size()));
    raw(b);
  }
  void null_bytes(bool compact) { if (compact) uvarint(0); else i32(-1); }
  void array_len(size_t n, bool compact) {
    if (compact) uvarint(static_cast<uint32_t>(n + 1)); else i32(static_cast<int32_t>(n));
  }
  void null_array(bool compact) { if (compact) uvarint(0); else i32(-1); }
  void records(const Records& r, bool compact) {
    if (r.is_null) return null_bytes(compact);
    if (r.file) {
      if (compact) uvarint(r.file->length + 1); else i32(static_cast<int32_t>(r.file->length));
      splices_.push_back({buf_.size(), *r.file});
      return;
    }
    bytes(r.bytes(), compact);
  }

  // Patch a big-endian int32 written earlier (frame sizes, CRCs).
  void patch_i32(size_t at, int32_t v) {
    uint32_t u = static_cast<uint32_t>(v);
    buf_[at] = u >> 24; buf_[at + 1] = u >> 16; buf_[at + 2] = u >> 8; buf_[at + 3] = u;
  }

 private:
  template <class U> void be(U v) {
    uint8_t tmp[sizeof(U)];
    for (size_t i = 0; i < sizeof(U); ++i) tmp[i] = static_cast<uint8_t>(v >> (8 * (sizeof(U) - 1 - i)));
    buf_.insert(buf_.end(), tmp, tmp + sizeof(U));
  }
  std::vector<uint8_t> buf_;
  std::vector<Splice> splices_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> data) : data_(data) {}
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool empty() const { return pos_ == data_.size(); }
  std::span<const uint8_t> rest() const { return data_.subspan(pos_); }

  int8_t i8() { need(1); return static_cast<int8_t>(data_[pos_++]); }
  int16_t i16() { return static_cast<int16_t>(be<uint16_t>()); }
  uint16_t u16() { return be<uint16_t>(); }
  int32_t i32() { return static_cast<int32_t>(be<uint32_t>()); }
  uint32_t u32() { return be<uint32_t>(); }
  int64_t i64() { return static_cast<int64_t>(be<uint64_t>()); }
  double f64() { uint64_t u = be<uint64_t>(); double d; std::memcpy(&d, &u, 8); return d; }
  bool boolean() { return i8() != 0; }
  uint32_t uvarint() {
    uint32_t v = 0;
    for (int shift = 0; shift <= 28; shift += 7) {
      need(1);
      uint8_t b = data_[pos_++];
      v |= static_cast<uint32_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw ProtocolError("varint longer than 5 bytes");
  }
  uint64_t uvarlong() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      need(1);
      uint8_t b = data_[pos_++];
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw ProtocolError("varlong longer than 10 bytes");
  }
  int32_t varint() { uint32_t u = uvarint(); return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1)); }
  int64_t varlong() { uint64_t u = uvarlong(); return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1)); }
  Uuid uuid() { Uuid u; need(16); std::memcpy(u.data(), data_.data() + pos_, 16); pos_ += 16; return u; }

  std::span<const uint8_t> take(size_t n) {
    need(n);
    auto s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  void skip(size_t n) { need(n); pos_ += n; }

  // Returns -1 for null.
  int64_t length_prefix(bool compact, bool wide) {
    if (compact) return static_cast<int64_t>(uvarint()) - 1;
    return wide ? i32() : i16();
  }
  std::string string(bool compact) {
    auto n = length_prefix(compact, false);
    if (n < 0) throw ProtocolError("null in non-nullable string");
    auto s = take(static_cast<size_t>(n));
    return {reinterpret_cast<const char*>(s.data()), s.size()};
  }
  std::optional<std::string> nullable_string(bool compact) {
    auto n = length_prefix(compact, false);
    if (n < 0) return std::nullopt;
    auto s = take(static_cast<size_t>(n));
    return std::string(reinterpret_cast<const char*>(s.data()), s.size());
  }
  // Returns nullopt for null bytes.
  std::optional<std::span<const uint8_t>> bytes(bool compact) {
    auto n = length_prefix(compact, true);
    if (n < -1) throw ProtocolError("negative bytes length");
    if (n < 0) return std::nullopt;
    return take(static_cast<size_t>(n));
  }
  // Returns -1 for a null array; bounds the count by the bytes left (each element takes >= 1 byte).
  int64_t array_len(bool compact) {
    int64_t n = compact ? static_cast<int64_t>(uvarint()) - 1 : i32();
    if (n < -1) throw ProtocolError("negative array length");
    if (n > static_cast<int64_t>(remaining())) throw ProtocolError("array length exceeds frame");
    return n;
  }

 private:
  void need(size_t n) const {
    if (data_.size() - pos_ < n) throw ProtocolError("truncated input");
  }
  template <class U> U be() {
    need(sizeof(U));
    U v = 0;
    for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | data_[pos_ + i]);
    pos_ += sizeof(U);
    return v;
  }
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
};

}  // namespace kafka::proto
