// Compression codecs: round trips, exact framing, bombs, corruption, and data from the gzip, lz4
// and zstd command-line tools (an independent implementation of each format).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "kafka/protocol/compression.h"
#include "kafka/protocol/wire.h"

namespace {

using kafka::Compression;
using kafka::compress;
using kafka::decompress;
using kafka::proto::ProtocolError;
using Buf = std::vector<uint8_t>;

constexpr Compression kAll[] = {Compression::None, Compression::Gzip, Compression::Snappy,
                                Compression::Lz4, Compression::Zstd};
constexpr Compression kCodecs[] = {Compression::Gzip, Compression::Snappy, Compression::Lz4,
                                   Compression::Zstd};

Buf random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Buf b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

Buf compressible(size_t n) {
  Buf b;
  b.reserve(n);
  std::mt19937 rng(3);
  static const char* words[] = {"kafka ", "record ", "batch ", "offset ", "topic ", "0123 "};
  while (b.size() < n) {
    const char* w = words[rng() % 6];
    for (const char* p = w; *p && b.size() < n; ++p) b.push_back(static_cast<uint8_t>(*p));
  }
  return b;
}

Buf bytes_of(std::string_view s) { return Buf(s.begin(), s.end()); }

Buf roundtrip(Compression c, const Buf& in, int level = -1) {
  Buf z;
  compress(c, in, z, level);
  Buf out;
  decompress(c, z, out, in.size());
  return out;
}

std::string name(Compression c) { return std::string(kafka::compression_name(c)); }

TEST(Compression, Names) {
  for (auto c : kAll) EXPECT_EQ(kafka::parse_compression(kafka::compression_name(c)), c);
  EXPECT_EQ(kafka::parse_compression("ZSTD"), Compression::Zstd);
  EXPECT_EQ(kafka::parse_compression("lz4hc"), std::nullopt);
  EXPECT_EQ(kafka::compression_name(static_cast<Compression>(6)), "unknown");
  EXPECT_TRUE(kafka::is_known_compression(4));
  EXPECT_FALSE(kafka::is_known_compression(5));
}

TEST(Compression, RoundTripEmpty) {
  for (auto c : kAll) EXPECT_TRUE(roundtrip(c, {}).empty()) << name(c);
}

TEST(Compression, RoundTripSmall) {
  for (auto c : kAll) {
    Buf in = bytes_of("hello, kafka");
    EXPECT_EQ(roundtrip(c, in), in) << name(c);
    Buf one{0x42};
    EXPECT_EQ(roundtrip(c, one), one) << name(c);
  }
}

TEST(Compression, RoundTripRandomMiB) {
  Buf in = random_bytes(1 << 20, 11);
  for (auto c : kAll) EXPECT_EQ(roundtrip(c, in), in) << name(c);
}

TEST(Compression, RoundTripCompressibleAndLevels) {
  Buf in = compressible((1 << 20) + 12345);
  for (auto c : kCodecs) {
    Buf z;
    compress(c, in, z);
    EXPECT_LT(z.size(), in.size() / 2) << name(c);
    Buf out;
    decompress(c, z, out, in.size());
    EXPECT_EQ(out, in) << name(c);
  }
  in.resize(256 * 1024);
  for (int level : {0, 1, 9, 12, 19, 100, -5}) {
    EXPECT_EQ(roundtrip(Compression::Gzip, in, level), in) << level;
    EXPECT_EQ(roundtrip(Compression::Lz4, in, level), in) << level;
    EXPECT_EQ(roundtrip(Compression::Zstd, in, level), in) << level;
  }
}

TEST(Compression, AppendsToExistingOutput) {
  Buf in = compressible(5000);
  for (auto c : kAll) {
    Buf z{1, 2, 3};
    compress(c, in, z);
    ASSERT_EQ(z[0], 1);
    Buf out{9};
    decompress(c, std::span<const uint8_t>(z).subspan(3), out, in.size());
    ASSERT_EQ(out.size(), in.size() + 1) << name(c);
    EXPECT_EQ(out[0], 9);
    EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin() + 1)) << name(c);
  }
}

TEST(Compression, GzipHeader) {
  Buf z;
  compress(Compression::Gzip, bytes_of("x"), z);
  ASSERT_GE(z.size(), 18u);
  EXPECT_EQ(z[0], 0x1f);
  EXPECT_EQ(z[1], 0x8b);
  EXPECT_EQ(z[2], 8);  // deflate
}

TEST(Compression, SnappyUsesXerialFraming) {
  Buf in = compressible(100000);  // 4 blocks of 32 KiB
  Buf z;
  compress(Compression::Snappy, in, z);
  const uint8_t hdr[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  ASSERT_GE(z.size(), 16u);
  EXPECT_TRUE(std::equal(hdr, hdr + 16, z.begin()));
  size_t pos = 16, chunks = 0;
  while (pos < z.size()) {
    uint32_t len = (uint32_t{z[pos]} << 24) | (z[pos + 1] << 16) | (z[pos + 2] << 8) | z[pos + 3];
    pos += 4 + len;
    ++chunks;
  }
  EXPECT_EQ(pos, z.size());
  EXPECT_EQ(chunks, 4u);
  // Empty input still gets one chunk, so librdkafka recognizes the framing.
  Buf e;
  compress(Compression::Snappy, {}, e);
  EXPECT_EQ(e.size(), 16u + 4 + 1);
}

TEST(Compression, SnappyHandMadeVectors) {
  // Raw snappy of "hello": varint length 5, literal tag (5-1)<<2, bytes.
  Buf raw = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
  Buf out;
  decompress(Compression::Snappy, raw, out, 100);
  EXPECT_EQ(out, bytes_of("hello"));
  // The same block in snappy-java framing, twice.
  Buf framed = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
  for (int i = 0; i < 2; ++i) {
    for (uint8_t b : {0, 0, 0, 7}) framed.push_back(b);
    framed.insert(framed.end(), raw.begin(), raw.end());
  }
  out.clear();
  decompress(Compression::Snappy, framed, out, 100);
  EXPECT_EQ(out, bytes_of("hellohello"));
  // Header only: empty.
  out.clear();
  decompress(Compression::Snappy, std::span<const uint8_t>(framed).first(16), out, 100);
  EXPECT_TRUE(out.empty());
}

TEST(Compression, Lz4FrameHeaderIsKafkaCompatible) {
  Buf z;
  compress(Compression::Lz4, compressible(200000), z);
  ASSERT_GE(z.size(), 7u);
  EXPECT_EQ(z[0], 0x04);
  EXPECT_EQ(z[1], 0x22);
  EXPECT_EQ(z[2], 0x4d);
  EXPECT_EQ(z[3], 0x18);
  // FLG: version 01, block independence, no block checksum, no content size/checksum.
  EXPECT_EQ(z[4], 0x60);
  // BD: 64 KiB blocks.
  EXPECT_EQ(z[5], 0x40);
}

TEST(Compression, BombIsRejectedWithoutHugeAllocation) {
  Buf zeros(64 << 20, 0);
  for (auto c : kCodecs) {
    Buf z;
    compress(c, zeros, z);
    Buf out;
    try {
      decompress(c, z, out, 1 << 20);
      FAIL() << name(c) << " accepted output over the limit";
    } catch (const ProtocolError& e) {
      EXPECT_NE(std::string(e.what()).find("exceeds the limit"), std::string::npos)
          << name(c) << ": " << e.what();
    }
    EXPECT_TRUE(out.empty()) << name(c);
    EXPECT_LE(out.capacity(), size_t{4} << 20) << name(c);
  }
}

TEST(Compression, ExactLimitIsAccepted) {
  Buf in = compressible(100000);
  for (auto c : kAll) {
    Buf z, out;
    compress(c, in, z);
    decompress(c, z, out, in.size());
    EXPECT_EQ(out, in);
    out.clear();
    EXPECT_THROW(decompress(c, z, out, in.size() - 1), ProtocolError) << name(c);
  }
}

TEST(Compression, SnappyLyingLengthIsRejected) {
  // Declares 2^31 bytes of output in a 7-byte block.
  Buf raw = {0x80, 0x80, 0x80, 0x80, 0x08, 0x10, 'h'};
  Buf out;
  EXPECT_THROW(decompress(Compression::Snappy, raw, out, SIZE_MAX), ProtocolError);
  EXPECT_LT(out.capacity(), 1u << 20);
}

TEST(Compression, CorruptInputThrows) {
  Buf in = compressible(50000);
  for (auto c : kCodecs) {
    Buf z;
    compress(c, in, z);
    // Truncations.
    for (size_t cut : {size_t{0}, size_t{1}, z.size() / 2, z.size() - 1}) {
      Buf out{7};
      EXPECT_THROW(decompress(c, std::span<const uint8_t>(z).first(cut), out, 1 << 20),
                   ProtocolError)
          << name(c) << " cut " << cut;
      EXPECT_EQ(out, Buf{7}) << "output restored on error";
    }
    // Garbage.
    Buf junk = random_bytes(1000, 5);
    Buf out;
    EXPECT_THROW(decompress(c, junk, out, 1 << 20), ProtocolError) << name(c);
  }
  // Bit flips inside gzip data are caught by its CRC/length trailer or the inflater.
  Buf z;
  compress(Compression::Gzip, in, z);
  z[z.size() / 2] ^= 0x55;
  Buf out;
  EXPECT_THROW(decompress(Compression::Gzip, z, out, 1 << 20), ProtocolError);
}

TEST(Compression, TrailingGarbageThrows) {
  Buf in = compressible(1000);
  for (auto c : {Compression::Gzip, Compression::Lz4, Compression::Zstd}) {
    Buf z;
    compress(c, in, z);
    z.push_back(0x00);
    z.push_back(0x42);
    Buf out;
    EXPECT_THROW(decompress(c, z, out, 1 << 20), ProtocolError) << name(c);
  }
}

TEST(Compression, ConcatenatedStreams) {
  for (auto c : {Compression::Gzip, Compression::Lz4, Compression::Zstd}) {
    Buf z;
    compress(c, bytes_of("first "), z);
    compress(c, bytes_of("second"), z);
    Buf out;
    decompress(c, z, out, 100);
    EXPECT_EQ(out, bytes_of("first second")) << name(c);
  }
}

TEST(Compression, UnknownCodecThrows) {
  Buf out;
  EXPECT_THROW(compress(static_cast<Compression>(5), bytes_of("x"), out), ProtocolError);
  EXPECT_THROW(decompress(static_cast<Compression>(7), bytes_of("x"), out, 10), ProtocolError);
}

// ---- Vectors from the command-line tools ------------------------------------------------------

class CliTools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kafkaplus_codec_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static bool have(const char* tool) {
    return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
  }
  std::string path(const std::string& f) const { return (dir_ / f).string(); }
  void write(const std::string& f, const Buf& b) const {
    std::ofstream(path(f), std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
  }
  Buf read(const std::string& f) const {
    std::ifstream in(path(f), std::ios::binary);
    return Buf(std::istreambuf_iterator<char>(in), {});
  }
  // Runs a shell command in the temp directory.
  void run(const std::string& cmd) const {
    std::string full = "cd '" + dir_.string() + "' && " + cmd;
    ASSERT_EQ(std::system(full.c_str()), 0) << full;
  }

  std::filesystem::path dir_;
};

TEST_F(CliTools, Gzip) {
  if (!have("gzip")) GTEST_SKIP() << "gzip not installed";
  Buf a = compressible(300000), b = random_bytes(70000, 9);
  write("a", a);
  write("b", b);
  run("gzip -c -9 a > a.gz && gzip -c -1 b > b.gz && cat a.gz b.gz > ab.gz");
  Buf out;
  decompress(Compression::Gzip, read("a.gz"), out, a.size());
  EXPECT_EQ(out, a);
  // Concatenated members (`cat x.gz y.gz`).
  out.clear();
  decompress(Compression::Gzip, read("ab.gz"), out, a.size() + b.size());
  Buf ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  EXPECT_EQ(out, ab);
  // And the tool reads ours.
  Buf z;
  compress(Compression::Gzip, a, z);
  write("ours.gz", z);
  run("gzip -dc ours.gz > ours && cmp ours a");
}

TEST_F(CliTools, Lz4) {
  if (!have("lz4")) GTEST_SKIP() << "lz4 not installed";
  Buf a = compressible(5 << 20);
  write("a", a);
  // Defaults (4 MiB blocks, content checksum), linked blocks with block checksums, content size.
  run("lz4 -q -c a > d.lz4 && lz4 -q -c -BD -BX -B4 a > linked.lz4 && "
      "lz4 -q -c --content-size a > sized.lz4 && cat a | lz4 -q -c > piped.lz4");
  for (const char* f : {"d.lz4", "linked.lz4", "sized.lz4", "piped.lz4"}) {
    Buf out;
    decompress(Compression::Lz4, read(f), out, a.size());
    EXPECT_EQ(out, a) << f;
  }
  Buf z;
  compress(Compression::Lz4, a, z);
  write("ours.lz4", z);
  run("lz4 -q -d -c ours.lz4 > ours && cmp ours a");
}

TEST_F(CliTools, Zstd) {
  if (!have("zstd")) GTEST_SKIP() << "zstd not installed";
  Buf a = compressible(3 << 20);
  a.resize((1 << 20) + 333);
  write("a", a);
  // From a file the frame has a content size; from a pipe it has none.
  run("zstd -q -c a > file.zst && cat a | zstd -q -c -15 > piped.zst && "
      "cat file.zst piped.zst > two.zst");
  for (const char* f : {"file.zst", "piped.zst"}) {
    Buf out;
    decompress(Compression::Zstd, read(f), out, a.size());
    EXPECT_EQ(out, a) << f;
  }
  Buf out;
  decompress(Compression::Zstd, read("two.zst"), out, 2 * a.size());
  EXPECT_EQ(out.size(), 2 * a.size());
  // A frame without a content size can't be pre-checked: the limit applies while streaming.
  out.clear();
  EXPECT_THROW(decompress(Compression::Zstd, read("piped.zst"), out, a.size() - 1), ProtocolError);
  Buf z;
  compress(Compression::Zstd, a, z);
  write("ours.zst", z);
  run("zstd -q -d -c ours.zst > ours && cmp ours a");
}

}  // namespace
