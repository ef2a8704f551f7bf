#include "partitioner.h"

#include <zlib.h>

#include <chrono>
#include <thread>

namespace kafka::client {

uint32_t crc32_ieee(const void* data, size_t len) {
  uLong c = ::crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(data);
  while (len > 0) {  // zlib takes uInt lengths
    uInt chunk = len > (1u << 30) ? (1u << 30) : static_cast<uInt>(len);
    c = ::crc32(c, p, chunk);
    p += chunk;
    len -= chunk;
  }
  return static_cast<uint32_t>(c);
}

// MurmurHash2 as in Kafka's Utils.murmur2: little-endian 4-byte words, seed 0x9747b28c.
uint32_t murmur2(const void* data, size_t len) {
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = 0x9747b28c ^ static_cast<uint32_t>(len);
  const auto* p = static_cast<const unsigned char*>(data);
  while (len >= 4) {
    uint32_t k = uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
    p += 4;
    len -= 4;
  }
  switch (len) {
    case 3: h ^= uint32_t{p[2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{p[1]} << 8; [[fallthrough]];
    case 1:
      h ^= p[0];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

// 32-bit FNV-1a, then the absolute value of its int32 reading (Sarama); INT32_MIN stays.
uint32_t fnv1a(const void* data, size_t len) {
  uint32_t h = 0x811C9DC5u;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 0x01000193u;
  }
  if (static_cast<int32_t>(h) < 0) h = 0u - h;
  return h;
}

std::optional<PartitionerKind> parse_partitioner(std::string_view name) {
  if (name == "random") return PartitionerKind::Random;
  if (name == "consistent") return PartitionerKind::Consistent;
  if (name == "consistent_random") return PartitionerKind::ConsistentRandom;
  if (name == "murmur2") return PartitionerKind::Murmur2;
  if (name == "murmur2_random") return PartitionerKind::Murmur2Random;
  if (name == "fnv1a") return PartitionerKind::Fnv1a;
  if (name == "fnv1a_random") return PartitionerKind::Fnv1aRandom;
  return std::nullopt;
}

int32_t random_partition(int32_t n) {
  if (n <= 1) return 0;
  // xorshift64*, seeded per thread.
  thread_local uint64_t state = [] {
    uint64_t s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    s ^= std::hash<std::thread::id>{}(std::this_thread::get_id()) * 0x9E3779B97F4A7C15ull;
    return s ? s : 0x2545F4914F6CDD1Dull;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  uint64_t v = state * 0x2545F4914F6CDD1Dull;
  return static_cast<int32_t>((v >> 32) % static_cast<uint64_t>(n));
}

}  // namespace kafka::client
