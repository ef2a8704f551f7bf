// CRC-32C: published vectors, chaining, and agreement of the SSE4.2 and table paths.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kafka/protocol/crc32c.h"

namespace kafka::detail {
// Defined in crc32c.cpp.
uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc);
uint32_t crc32c_hw(const void* data, size_t n, uint32_t crc);
bool crc32c_hw_available();
}  // namespace kafka::detail

namespace {

using kafka::crc32c;
using kafka::detail::crc32c_hw;
using kafka::detail::crc32c_portable;

// Bit-at-a-time reference, independent of both table and instruction paths.
uint32_t crc32c_bitwise(const uint8_t* p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32c, CheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(crc32c(s, 9), 0xE3069283u);
  EXPECT_EQ(crc32c_portable(s, 9, 0), 0xE3069283u);
  EXPECT_EQ(crc32c_hw(s, 9, 0), 0xE3069283u);
}

TEST(Crc32c, Rfc3720Vectors) {
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xff), inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = static_cast<uint8_t>(i);
    dec[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec.data(), 32), 0x113FDB5Cu);
}

TEST(Crc32c, EmptyIsIdentity) {
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
  EXPECT_EQ(crc32c("x", 0, 0x12345678u), 0x12345678u);
}

TEST(Crc32c, Chaining) {
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(100000);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  const uint32_t whole = crc32c(buf.data(), buf.size());
  EXPECT_EQ(whole, crc32c_bitwise(buf.data(), buf.size()));
  for (size_t split : {0ul, 1ul, 7ul, 8ul, 767ul, 768ul, 12287ul, 12288ul, 50001ul, 100000ul}) {
    uint32_t a = crc32c(buf.data(), split);
    EXPECT_EQ(crc32c(buf.data() + split, buf.size() - split, a), whole) << split;
  }
}

TEST(Crc32c, PathsAgreeOnAllLengthsAndAlignments) {
  if (!kafka::detail::crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2";
  std::mt19937 rng(42);
  std::vector<uint8_t> buf(1024 + 16);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t align = 0; align < 8; ++align) {
    for (size_t len = 0; len <= 1024; ++len) {
      const uint8_t* p = buf.data() + align;
      uint32_t ref = crc32c_bitwise(p, len);
      ASSERT_EQ(crc32c_portable(p, len, 0), ref) << "len " << len << " align " << align;
      ASSERT_EQ(crc32c_hw(p, len, 0), ref) << "len " << len << " align " << align;
      ASSERT_EQ(crc32c_hw(p, len, 0xdeadbeef), crc32c_portable(p, len, 0xdeadbeef));
    }
  }
}

TEST(Crc32c, PathsAgreeOnLongBuffers) {
  // Lengths around the three-way block boundaries (3 x 256 and 3 x 4096 bytes).
  std::mt19937 rng(1);
  std::vector<uint8_t> buf(200003);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len : {767ul, 768ul, 769ul, 1536ul, 12287ul, 12288ul, 12289ul, 24576ul + 771ul,
                     65536ul, 200000ul}) {
    for (size_t align : {0ul, 1ul, 3ul}) {
      uint32_t ref = crc32c_bitwise(buf.data() + align, len);
      EXPECT_EQ(crc32c_portable(buf.data() + align, len, 0), ref) << len;
      EXPECT_EQ(crc32c_hw(buf.data() + align, len, 0), ref) << len;
      EXPECT_EQ(crc32c(buf.data() + align, len), ref) << len;
    }
  }
}

}  // namespace
