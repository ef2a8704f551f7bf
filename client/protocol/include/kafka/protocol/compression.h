// Record-batch compression codecs, in the exact byte formats Kafka clients and brokers use.
//
//  gzip   RFC 1952 stream (zlib, windowBits 15+16). Decoding accepts concatenated members.
//  snappy Encodes the snappy-java ("xerial") framing the Java client and broker write:
//         magic 82 'S' 'N' 'A' 'P' 'P' 'Y' 00, int32 BE version 1, int32 BE compatible 1, then
//         [int32 BE length + raw snappy block] per 32 KiB of input. Decoding also accepts a plain
//         raw snappy block, which is what librdkafka writes (the Java client reads both).
//  lz4    LZ4 frame format (independent 64 KiB blocks, correct header checksum, no content size
//         or checksums: what librdkafka and the Java client write). Decoding accepts any valid frame
//         and concatenated frames.
//  zstd   Standard zstd frame. Decoding streams, so frames without a content size work, and
//         accepts concatenated frames.
//
// Decoding never produces (or allocates for) more than `max_output` bytes; input that would
// exceed it, and any corrupt or truncated input, throws kafka::proto::ProtocolError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kafka {

// Values are the RecordBatch attribute bits 0-2.
enum class Compression : int8_t { None = 0, Gzip = 1, Snappy = 2, Lz4 = 3, Zstd = 4 };

// Whether `id` (attribute bits 0-2) names a codec this library implements (0..4).
constexpr bool is_known_compression(int id) { return id >= 0 && id <= 4; }

// Kafka's names: "none", "gzip", "snappy", "lz4", "zstd"; "unknown" for other values.
std::string_view compression_name(Compression c);
// Parses a Kafka name (case-insensitive); nullopt if unknown.
std::optional<Compression> parse_compression(std::string_view name);

// Codec default levels, used when `level` is -1: gzip 6 (Z_DEFAULT_COMPRESSION), lz4 0 (fast mode,
// like librdkafka; 3..12 select LZ4-HC), zstd 3. Snappy has no levels. Out-of-range levels are
// clamped to the codec's range (for zstd, negative levels other than -1 select its fast modes).
inline constexpr int kDefaultCompressionLevel = -1;

// Appends the compressed form of `in` to `out`. Throws ProtocolError for an unknown codec.
void compress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>& out,
              int level = kDefaultCompressionLevel);

// Appends the decompressed form of `in` to `out`; at most `max_output` bytes are appended.
// Throws ProtocolError on corrupt/truncated input, an unknown codec, or oversize output.
void decompress(Compression c, std::span<const uint8_t> in, std::vector<uint8_t>& out,
                size_t max_output);

}  // namespace kafka
