// Kafka's compression codecs on top of zlib, snappy, liblz4 (frame API) and libzstd.
// Codec contexts are cached per thread, so compressing many small batches costs no allocations.
#include "kafka/protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <new>
#include <string>

#include "kafka/protocol/wire.h"

namespace kafka {

using proto::ProtocolError;

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::None: return "none";
    case Compression::Gzip: return "gzip";
    case Compression::Snappy: return "snappy";
    case Compression::Lz4: return "lz4";
    case Compression::Zstd: return "zstd";
  }
  return "unknown";
}

std::optional<Compression> parse_compression(std::string_view name) {
  auto eq = [&](std::string_view k) {
    return name.size() == k.size() &&
           std::equal(name.begin(), name.end(), k.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
           });
  };
  for (auto c : {Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4,
                 Compression::Zstd})
    if (eq(compression_name(c))) return c;
  return std::nullopt;
}

namespace {

[[noreturn]] void fail(std::string_view codec, std::string_view what) {
  std::string m;
  m.reserve(codec.size() + what.size() + 2);
  m.append(codec).append(": ").append(what);
  throw ProtocolError(m);
}

[[noreturn]] void unknown_codec(Compression c) {
  throw ProtocolError("unsupported compression type " + std::to_string(static_cast<int>(c)));
}

// Output region appended to a vector, grown geometrically but never past limit + 1 bytes (one
// extra byte lets a decoder prove the output would exceed the limit). On unwinding it restores
// the vector to its original size.
class BoundedOutput {
 public:
  BoundedOutput(std::vector<uint8_t>& out, size_t limit, size_t initial, std::string_view codec)
      : out_(out), base_(out.size()), limit_(limit), codec_(codec) {
    hard_cap_ = limit == SIZE_MAX ? SIZE_MAX : limit + 1;
    cap_ = std::min(std::max<size_t>(initial, 1), hard_cap_);
    out_.resize(base_ + cap_);
  }
  ~BoundedOutput() {
    if (!done_) out_.resize(base_);
  }
  BoundedOutput(const BoundedOutput&) = delete;
  BoundedOutput& operator=(const BoundedOutput&) = delete;

  uint8_t* ptr() { return out_.data() + base_ + produced_; }
  size_t room() const { return cap_ - produced_; }
  size_t produced() const { return produced_; }
  void ensure_room() {
    if (room() > 0) return;
    if (cap_ >= hard_cap_) too_big();
    size_t grow = std::max<size_t>(cap_, 64 * 1024);
    cap_ = cap_ > hard_cap_ - grow ? hard_cap_ : cap_ + grow;
    out_.resize(base_ + cap_);
  }
  void advance(size_t n) {
    produced_ += n;
    if (produced_ > limit_) too_big();
  }
  void finish() {
    out_.resize(base_ + produced_);
    done_ = true;
  }

 private:
  [[noreturn]] void too_big() const {
    fail(codec_, "decompressed size exceeds the limit of " + std::to_string(limit_) + " bytes");
  }
  std::vector<uint8_t>& out_;
  size_t base_, limit_, hard_cap_, cap_;
  size_t produced_ = 0;
  std::string_view codec_;
  bool done_ = false;
};

// A first guess at the decompressed size: typical ratios, but never a large allocation up front.
size_t initial_guess(size_t in) { return std::min<size_t>(std::max<size_t>(in * 4, 4096), 4 << 20); }

// ---------------------------------------------------------------------------------------------
// gzip

struct Deflater {
  z_stream s{};
  bool ready = false;
  int level = 0;
  ~Deflater() {
    if (ready) deflateEnd(&s);
  }
};

struct Inflater {
  z_stream s{};
  bool ready = false;
  ~Inflater() {
    if (ready) inflateEnd(&s);
  }
};

void gzip_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
  int lvl = level == -1 ? Z_DEFAULT_COMPRESSION : std::clamp(level, 0, 9);
  thread_local Deflater d;
  if (!d.ready) {
    if (deflateInit2(&d.s, lvl, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::bad_alloc();
    d.ready = true;
    d.level = lvl;
  } else {
    deflateReset(&d.s);
    if (d.level != lvl) {
      if (deflateParams(&d.s, lvl, Z_DEFAULT_STRATEGY) != Z_OK) fail("gzip", "deflateParams failed");
      d.level = lvl;
    }
  }
  z_stream& s = d.s;
  const size_t base = out.size();
  size_t cap = in.size() <= UINT_MAX ? deflateBound(&s, static_cast<uLong>(in.size())) : in.size() + in.size() / 8 + 1024;
  out.resize(base + cap);
  size_t produced = 0;
  const uint8_t* src = in.data();
  size_t left = in.size();
  for (;;) {
    if (produced == cap) {
      cap += std::max<size_t>(cap / 2, 4096);
      out.resize(base + cap);
    }
    uInt chunk_in = static_cast<uInt>(std::min<size_t>(left, UINT_MAX));
    uInt chunk_out = static_cast<uInt>(std::min<size_t>(cap - produced, UINT_MAX));
    s.next_in = const_cast<Bytef*>(src);
    s.avail_in = chunk_in;
    s.next_out = out.data() + base + produced;
    s.avail_out = chunk_out;
    int r = deflate(&s, chunk_in == left ? Z_FINISH : Z_NO_FLUSH);
    src += chunk_in - s.avail_in;
    left -= chunk_in - s.avail_in;
    produced += chunk_out - s.avail_out;
    if (r == Z_STREAM_END) break;
    if (r != Z_OK && r != Z_BUF_ERROR) {
      out.resize(base);
      fail("gzip", s.msg ? s.msg : "deflate failed");
    }
  }
  out.resize(base + produced);
}

void gzip_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_output) {
  thread_local Inflater inf;
  if (!inf.ready) {
    if (inflateInit2(&inf.s, 15 + 16) != Z_OK) throw std::bad_alloc();
    inf.ready = true;
  } else {
    inflateReset(&inf.s);
  }
  z_stream& s = inf.s;
  BoundedOutput o(out, max_output, initial_guess(in.size()), "gzip");
  const uint8_t* src = in.data();
  size_t left = in.size();
  for (;;) {
    o.ensure_room();
    uInt chunk_in = static_cast<uInt>(std::min<size_t>(left, UINT_MAX));
    uInt chunk_out = static_cast<uInt>(std::min<size_t>(o.room(), UINT_MAX));
    s.next_in = const_cast<Bytef*>(src);
    s.avail_in = chunk_in;
    s.next_out = o.ptr();
    s.avail_out = chunk_out;
    int r = inflate(&s, Z_NO_FLUSH);
    src += chunk_in - s.avail_in;
    left -= chunk_in - s.avail_in;
    o.advance(chunk_out - s.avail_out);
    if (r == Z_STREAM_END) {
      if (left == 0) break;
      // Another gzip member may follow (RFC 1952 2.2); anything else is garbage.
      if (left >= 2 && src[0] == 0x1f && src[1] == 0x8b) {
        inflateReset(&s);
        continue;
      }
      fail("gzip", std::to_string(left) + " trailing bytes after the gzip stream");
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR) {
      if (left == 0 && s.avail_out > 0) fail("gzip", "truncated input");
      continue;  // output full: grow
    }
    if (r == Z_MEM_ERROR) throw std::bad_alloc();
    fail("gzip", std::string("corrupt input: ") + (s.msg ? s.msg : "inflate failed"));
  }
  o.finish();
}

// ---------------------------------------------------------------------------------------------
// snappy

constexpr uint8_t kXerialMagic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t kXerialHeader = 16;         // magic + int32 version + int32 compatible version
constexpr size_t kXerialBlock = 32 * 1024;   // snappy-java's default block size

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

uint32_t get_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void snappy_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  const size_t base = out.size();
  const size_t blocks = std::max<size_t>(1, (in.size() + kXerialBlock - 1) / kXerialBlock);
  out.resize(base + kXerialHeader + blocks * (4 + snappy::MaxCompressedLength(kXerialBlock)));
  uint8_t* p = out.data() + base;
  std::memcpy(p, kXerialMagic, 8);
  put_be32(p + 8, 1);   // version
  put_be32(p + 12, 1);  // minimum compatible version
  p += kXerialHeader;
  // Always at least one block: readers such as librdkafka only detect the framing when a chunk
  // follows the header.
  size_t pos = 0;
  do {
    size_t n = std::min(kXerialBlock, in.size() - pos);
    size_t clen = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                        reinterpret_cast<char*>(p + 4), &clen);
    put_be32(p, static_cast<uint32_t>(clen));
    p += 4 + clen;
    pos += n;
  } while (pos < in.size());
  out.resize(static_cast<size_t>(p - out.data()));
}

// ---------------------------------------------------------------------------------------------
// lz4

struct Lz4Ctx {
  LZ4F_cctx* c = nullptr;
  LZ4F_dctx* d = nullptr;
  ~Lz4Ctx() {
    if (c) LZ4F_freeCompressionContext(c);
    if (d) LZ4F_freeDecompressionContext(d);
  }
};
thread_local Lz4Ctx tl_lz4;

void lz4_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
  if (!tl_lz4.c && LZ4F_isError(LZ4F_createCompressionContext(&tl_lz4.c, LZ4F_VERSION)))
    throw std::bad_alloc();
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof prefs);
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // required by Kafka's Java reader
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.compressionLevel = level == -1 ? 0 : std::clamp(level, 0, 12);
  const size_t base = out.size();
  const size_t cap = LZ4F_compressFrameBound(in.size(), &prefs);
  out.resize(base + cap);
  uint8_t* dst = out.data() + base;
  size_t pos = 0;
  auto check = [&](size_t r) {
    if (LZ4F_isError(r)) {
      out.resize(base);
      fail("lz4", LZ4F_getErrorName(r));
    }
    pos += r;
  };
  check(LZ4F_compressBegin(tl_lz4.c, dst, cap, &prefs));
  check(LZ4F_compressUpdate(tl_lz4.c, dst + pos, cap - pos, in.data(), in.size(), nullptr));
  check(LZ4F_compressEnd(tl_lz4.c, dst + pos, cap - pos, nullptr));
  out.resize(base + pos);
}

void lz4_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_output) {
  if (!tl_lz4.d && LZ4F_isError(LZ4F_createDecompressionContext(&tl_lz4.d, LZ4F_VERSION)))
    throw std::bad_alloc();
  LZ4F_dctx* d = tl_lz4.d;
  LZ4F_resetDecompressionContext(d);
  BoundedOutput o(out, max_output, initial_guess(in.size()), "lz4");
  const uint8_t* src = in.data();
  size_t left = in.size();
  for (;;) {
    o.ensure_room();
    size_t dst_size = o.room();
    size_t src_size = left;
    size_t r = LZ4F_decompress(d, o.ptr(), &dst_size, src, &src_size, nullptr);
    if (LZ4F_isError(r)) {
      LZ4F_resetDecompressionContext(d);
      fail("lz4", std::string("corrupt input: ") + LZ4F_getErrorName(r));
    }
    src += src_size;
    left -= src_size;
    o.advance(dst_size);
    if (r == 0) {  // a frame ended; another may follow
      if (left == 0) break;
      continue;
    }
    if (src_size == 0 && dst_size == 0 && o.room() > 0) {
      LZ4F_resetDecompressionContext(d);
      fail("lz4", "truncated input");
    }
  }
  o.finish();
}

// ---------------------------------------------------------------------------------------------
// zstd

struct ZstdCtx {
  ZSTD_CCtx* c = nullptr;
  ZSTD_DCtx* d = nullptr;
  ~ZstdCtx() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
thread_local ZstdCtx tl_zstd;

void zstd_compress(std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
  if (!tl_zstd.c && !(tl_zstd.c = ZSTD_createCCtx())) throw std::bad_alloc();
  ZSTD_CCtx* c = tl_zstd.c;
  int lvl = level == -1 ? ZSTD_CLEVEL_DEFAULT : std::clamp(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, lvl);
  const size_t base = out.size();
  const size_t cap = ZSTD_compressBound(in.size());
  out.resize(base + cap);
  size_t r = ZSTD_compress2(c, out.data() + base, cap, in.data(), in.size());
  if (ZSTD_isError(r)) {
    out.resize(base);
    fail("zstd", ZSTD_getErrorName(r));
  }
  out.resize(base + r);
}

int ceil_log2(size_t v) {
  int l = 0;
  while (l < 63 && (size_t{1} << l) < v) ++l;
  return l;
}

void zstd_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_output) {
  if (!tl_zstd.d && !(tl_zstd.d = ZSTD_createDCtx())) throw std::bad_alloc();
  ZSTD_DCtx* d = tl_zstd.d;
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  // The window buffer a frame makes the decoder allocate is bounded too: no larger than needed
  // for the output limit, but never below 8 MiB so frames written without a content size at
  // high levels still decode.
  int wlog = std::clamp(ceil_log2(max_output), 23, sizeof(size_t) == 8 ? 31 : 30);
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, wlog);

  size_t initial = initial_guess(in.size());
  unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR) {
    if (declared > max_output)
      fail("zstd", "decompressed size exceeds the limit of " + std::to_string(max_output) + " bytes");
    initial = static_cast<size_t>(declared);  // lets zstd decode the frame in one pass
  }
  BoundedOutput o(out, max_output, initial, "zstd");
  ZSTD_inBuffer ib{in.data(), in.size(), 0};
  for (;;) {
    o.ensure_room();
    ZSTD_outBuffer ob{o.ptr(), o.room(), 0};
    size_t r = ZSTD_decompressStream(d, &ob, &ib);
    if (ZSTD_isError(r)) {
      ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
      fail("zstd", std::string("corrupt input: ") + ZSTD_getErrorName(r));
    }
    o.advance(ob.pos);
    if (ib.pos == ib.size) {
      if (r == 0) break;                 // last frame complete and flushed
      if (ob.pos < ob.size) {            // wants more input, none left
        ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
        fail("zstd", "truncated input");
      }
    }
  }
  o.finish();
}

}  // namespace

// Raw or xerial-framed snappy.
namespace {

void snappy_block_into(const uint8_t* data, size_t n, std::vector<uint8_t>& out, size_t& produced,
                       size_t base, size_t max_output) {
  size_t ulen = 0;
  if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(data), n, &ulen))
    fail("snappy", "corrupt input: bad uncompressed length");
  // A snappy element expands at most ~21x (a 3-byte copy of 64 bytes): a larger declared size is
  // a lie, rejected before allocating for it.
  if (ulen / 32 > n + 2) fail("snappy", "corrupt input: implausible uncompressed length");
  if (ulen > max_output - produced)
    fail("snappy", "decompressed size exceeds the limit of " + std::to_string(max_output) + " bytes");
  out.resize(base + produced + ulen);
  if (!snappy::RawUncompress(reinterpret_cast<const char*>(data), n,
                             reinterpret_cast<char*>(out.data() + base + produced)))
    fail("snappy", "corrupt input");
  produced += ulen;
}

void snappy_decompress(std::span<const uint8_t> in, std::vector<uint8_t>& out, size_t max_output) {
  const size_t base = out.size();
  size_t produced = 0;
  try {
    if (in.size() >= 8 && std::memcmp(in.data(), kXerialMagic, 8) == 0) {
      if (in.size() < kXerialHeader) fail("snappy", "truncated snappy-java header");
      size_t pos = kXerialHeader;
      while (pos < in.size()) {
        if (in.size() - pos < 4) fail("snappy", "truncated snappy-java chunk length");
        size_t clen = get_be32(in.data() + pos);
        pos += 4;
        if (clen > in.size() - pos)
          fail("snappy", "snappy-java chunk of " + std::to_string(clen) + " bytes exceeds the " +
                             std::to_string(in.size() - pos) + " bytes left");
        snappy_block_into(in.data() + pos, clen, out, produced, base, max_output);
        pos += clen;
      }
    } else {
      snappy_block_into(in.data(), in.size(), out, produced, base, max_output);
    }
  } catch (...) {
    out.resize(base);
    throw;
  }
}

}  // namespace

void compress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>& out, int level) {
  switch (c) {
    case Compression::None: out.insert(out.end(), in.begin(), in.end()); return;
    case Compression::Gzip: return gzip_compress(in, out, level);
    case Compression::Snappy: return snappy_compress(in, out);
    case Compression::Lz4: return lz4_compress(in, out, level);
    case Compression::Zstd: return zstd_compress(in, out, level);
  }
  unknown_codec(c);
}

void decompress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                size_t max_output) {
  switch (c) {
    case Compression::None:
      if (in.size() > max_output)
        fail("none", "size exceeds the limit of " + std::to_string(max_output) + " bytes");
      out.insert(out.end(), in.begin(), in.end());
      return;
    case Compression::Gzip: return gzip_decompress(in, out, max_output);
    case Compression::Snappy: return snappy_decompress(in, out, max_output);
    case Compression::Lz4: return lz4_decompress(in, out, max_output);
    case Compression::Zstd: return zstd_decompress(in, out, max_output);
  }
  unknown_codec(c);
}

}  // namespace kafka
