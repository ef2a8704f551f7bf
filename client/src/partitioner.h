// librdkafka's built-in partitioners, bit-exact (facts: ../shared/kafka-compat-facts.md):
//   consistent          crc32(key) % n (zlib CRC-32; a null key hashes like an empty one)
//   consistent_random   empty or null key -> random, else consistent
//   murmur2             (murmur2(key) & 0x7fffffff) % n (Java's default partitioner)
//   murmur2_random      null key -> random, else murmur2
//   fnv1a               abs(int32 fnv1a(key)) % n (Sarama's hash partitioner)
//   fnv1a_random        null key -> random, else fnv1a
//   random              uniformly random
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kafka::client {

uint32_t crc32_ieee(const void* data, size_t len);
uint32_t murmur2(const void* data, size_t len);
uint32_t fnv1a(const void* data, size_t len);

enum class PartitionerKind { Random, Consistent, ConsistentRandom, Murmur2, Murmur2Random, Fnv1a, Fnv1aRandom };

std::optional<PartitionerKind> parse_partitioner(std::string_view name);

// Random partition in [0, n) from a fast thread-local generator.
int32_t random_partition(int32_t n);

// The partition for `key` (nullptr = null key); `random` supplies the random choice so the
// producer can prefer partitions with a known leader.
template <class RandomFn>
int32_t partition_for(PartitionerKind kind, const void* key, size_t keylen, int32_t n, RandomFn&& random) {
  switch (kind) {
    case PartitionerKind::Random: return random();
    case PartitionerKind::Consistent: return static_cast<int32_t>(crc32_ieee(key, keylen) % static_cast<uint32_t>(n));
    case PartitionerKind::ConsistentRandom:
      if (keylen == 0) return random();
      return static_cast<int32_t>(crc32_ieee(key, keylen) % static_cast<uint32_t>(n));
    case PartitionerKind::Murmur2: return static_cast<int32_t>((murmur2(key, keylen) & 0x7fffffff) % static_cast<uint32_t>(n));
    case PartitionerKind::Murmur2Random:
      if (!key) return random();
      return static_cast<int32_t>((murmur2(key, keylen) & 0x7fffffff) % static_cast<uint32_t>(n));
    case PartitionerKind::Fnv1a: return static_cast<int32_t>(fnv1a(key, keylen) % static_cast<uint32_t>(n));
    case PartitionerKind::Fnv1aRandom:
      if (!key) return random();
      return static_cast<int32_t>(fnv1a(key, keylen) % static_cast<uint32_t>(n));
  }
  return random();
}

inline int32_t partition_for(PartitionerKind kind, const void* key, size_t keylen, int32_t n) {
  return partition_for(kind, key, keylen, n, [n] { return random_partition(n); });
}

}  // namespace kafka::client
