// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
//
// Two implementations, chosen once at first use:
//  - x86 SSE4.2: the `crc32` instruction, 8 bytes per step. Long inputs are split into three
//    interleaved streams (the instruction has a latency of 3 cycles but a throughput of 1 per
//    cycle), whose partial CRCs are combined with precomputed "shift by N zero bytes" tables.
//  - portable slicing-by-8 tables, built at compile time.
//
// Internally both work on the raw CRC register; the public function does the usual pre- and
// post-inversion, so crc32c(b, crc32c(a)) == crc32c(a + b).
#include "kafka/protocol/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define KAFKA_CRC32C_X86 1
#endif

namespace kafka {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

using Table = std::array<std::array<uint32_t, 256>, 8>;

// t[0] is the classic byte table; t[k][b] is the register after byte b followed by k zero bytes.
constexpr Table make_tables() {
  Table t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t c = b;
    for (int i = 0; i < 8; ++i) c = (c >> 1) ^ (kPoly & (0u - (c & 1u)));
    t[0][b] = c;
  }
  for (uint32_t b = 0; b < 256; ++b)
    for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  return t;
}

constexpr Table kTable = make_tables();

inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

uint32_t sw_raw(uint32_t crc, const uint8_t* p, size_t n) {
  if constexpr (std::endian::native == std::endian::little) {
    while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
      crc = kTable[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
      --n;
    }
    while (n >= 8) {
      uint64_t w = load64(p) ^ crc;
      crc = kTable[7][w & 0xff] ^ kTable[6][(w >> 8) & 0xff] ^ kTable[5][(w >> 16) & 0xff] ^
            kTable[4][(w >> 24) & 0xff] ^ kTable[3][(w >> 32) & 0xff] ^ kTable[2][(w >> 40) & 0xff] ^
            kTable[1][(w >> 48) & 0xff] ^ kTable[0][w >> 56];
      p += 8;
      n -= 8;
    }
  }
  while (n--) crc = kTable[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#ifdef KAFKA_CRC32C_X86

// Block lengths (per stream) of the three-way interleaved loops.
constexpr size_t kLong = 4096;
constexpr size_t kShort = 256;

// A linear operator "append n zero bytes to the register", as four byte-indexed tables.
struct ShiftTable {
  uint32_t t[4][256];
  uint32_t operator()(uint32_t crc) const {
    return t[0][crc & 0xff] ^ t[1][(crc >> 8) & 0xff] ^ t[2][(crc >> 16) & 0xff] ^ t[3][crc >> 24];
  }
};

void build_shift(ShiftTable& st, size_t zeros) {
  uint32_t basis[32];
  for (int i = 0; i < 32; ++i) {
    uint32_t c = 1u << i;
    for (size_t k = 0; k < zeros; ++k) c = kTable[0][c & 0xff] ^ (c >> 8);
    basis[i] = c;
  }
  for (int k = 0; k < 4; ++k)
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t v = 0;
      for (int j = 0; j < 8; ++j)
        if (b & (1u << j)) v ^= basis[8 * k + j];
      st.t[k][b] = v;
    }
}

struct Shifts {
  ShiftTable long_, short_;
  Shifts() {
    build_shift(long_, kLong);
    build_shift(short_, kShort);
  }
};

const Shifts& shifts() {
  static const Shifts s;
  return s;
}

template <size_t L>
__attribute__((target("sse4.2"))) inline uint32_t hw_three_way(uint32_t crc, const uint8_t*& p,
                                                                size_t& n, const ShiftTable& shift) {
  while (n >= 3 * L) {
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    const uint8_t* end = p + L;
    do {
      c0 = _mm_crc32_u64(c0, load64(p));
      c1 = _mm_crc32_u64(c1, load64(p + L));
      c2 = _mm_crc32_u64(c2, load64(p + 2 * L));
      p += 8;
    } while (p < end);
    crc = shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
    crc = shift(crc) ^ static_cast<uint32_t>(c2);
    p += 2 * L;
    n -= 3 * L;
  }
  return crc;
}

__attribute__((target("sse4.2"))) uint32_t hw_raw(uint32_t crc, const uint8_t* p, size_t n) {
  while (n && (reinterpret_cast<uintptr_t>(p) & 7)) {
    crc = _mm_crc32_u8(crc, *p++);
    --n;
  }
  if (n >= 3 * kShort) {
    const Shifts& s = shifts();
    crc = hw_three_way<kLong>(crc, p, n, s.long_);
    crc = hw_three_way<kShort>(crc, p, n, s.short_);
  }
  uint64_t c = crc;
  while (n >= 8) {
    c = _mm_crc32_u64(c, load64(p));
    p += 8;
    n -= 8;
  }
  crc = static_cast<uint32_t>(c);
  while (n--) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}

bool have_sse42() { return __builtin_cpu_supports("sse4.2"); }

#endif  // KAFKA_CRC32C_X86

using RawFn = uint32_t (*)(uint32_t, const uint8_t*, size_t);

RawFn pick() {
#ifdef KAFKA_CRC32C_X86
  if (have_sse42()) {
    shifts();  // build the tables now, not inside a hot loop later
    return hw_raw;
  }
#endif
  return sw_raw;
}

}  // namespace

uint32_t crc32c(const void* data, size_t n, uint32_t crc) {
  static const RawFn impl = pick();
  return ~impl(~crc, static_cast<const uint8_t*>(data), n);
}

// Both paths by name, for tests and benchmarks (declared where used).
namespace detail {

uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc) {
  return ~sw_raw(~crc, static_cast<const uint8_t*>(data), n);
}

bool crc32c_hw_available() {
#ifdef KAFKA_CRC32C_X86
  return have_sse42();
#else
  return false;
#endif
}

// Falls back to the portable path when the CPU lacks SSE4.2.
uint32_t crc32c_hw(const void* data, size_t n, uint32_t crc) {
#ifdef KAFKA_CRC32C_X86
  if (have_sse42()) return ~hw_raw(~crc, static_cast<const uint8_t*>(data), n);
#endif
  return crc32c_portable(data, n, crc);
}

}  // namespace detail
}  // namespace kafka
