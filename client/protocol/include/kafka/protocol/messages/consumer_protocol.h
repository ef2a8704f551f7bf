// The consumer group "consumer" protocol payloads carried opaquely inside JoinGroup metadata and
// SyncGroup assignments (ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json,
// versions 0-3). They are not API messages: each payload is a big-endian int16 version followed
// by the non-flexible body, so they reuse the schema visitors with Context{version, false}.
//
// Subscription: v0 Topics, UserData; v1 +OwnedPartitions; v2 +GenerationId; v3 +RackId.
// Assignment:   v0-v3 AssignedPartitions, UserData (v1-v3 add no fields; the versions only track
//               the subscription's).
// Decoding follows Kafka's forward compatibility rule: a version newer than ours is parsed as our
// newest one and the bytes it appends are ignored (like Java and librdkafka, trailing bytes are
// ignored at every version).
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kafka/protocol/schema.h"

namespace kafka::proto {

struct ConsumerProtocolTopicPartition {
  std::string topic;
  std::vector<int32_t> partitions;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topic", s.topic, versions(0));
    v("Partitions", s.partitions, versions(0));
  }
};

struct ConsumerProtocolSubscription {
  static constexpr int16_t max_version = 3;
  std::vector<std::string> topics;
  std::optional<Bytes> user_data;  // null by default
  std::vector<ConsumerProtocolTopicPartition> owned_partitions;
  int32_t generation_id = -1;
  std::optional<std::string> rack_id;
  template <class V, class S> static void fields(V& v, S& s) {
    v("Topics", s.topics, versions(0));
    v("UserData", s.user_data, versions(0));
    v("OwnedPartitions", s.owned_partitions, versions(1));
    v("GenerationId", s.generation_id, versions(2));
    v("RackId", s.rack_id, versions(3));
  }
};

struct ConsumerProtocolAssignment {
  static constexpr int16_t max_version = 3;
  std::vector<ConsumerProtocolTopicPartition> assigned_partitions;
  std::optional<Bytes> user_data;  // null by default
  template <class V, class S> static void fields(V& v, S& s) {
    v("AssignedPartitions", s.assigned_partitions, versions(0));
    v("UserData", s.user_data, versions(0));
  }
};

// Writes the int16 version prefix and the body at that version (0..M::max_version).
template <class M> std::vector<uint8_t> encode_versioned_payload(const M& m, int16_t version) {
  if (version < 0 || version > M::max_version) throw ProtocolError("unsupported consumer protocol version");
  Writer w;
  w.i16(version);
  encode_struct(w, m, Context{version, false});
  return std::move(w.buffer());
}

// Reads the version prefix and the body (a newer version as our newest; trailing bytes are
// ignored). Sets *version_out to the version on the wire.
template <class M> M decode_versioned_payload(std::span<const uint8_t> bytes, int16_t* version_out = nullptr) {
  Reader r(bytes);
  int16_t version = r.i16();
  if (version < 0) throw ProtocolError("negative consumer protocol version");
  if (version_out) *version_out = version;
  M m;
  decode_struct(r, m, Context{std::min(version, M::max_version), false});
  return m;
}

}  // namespace kafka::proto
