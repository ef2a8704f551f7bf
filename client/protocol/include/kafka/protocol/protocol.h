// API keys, the message base, request/response headers and whole-frame encode/decode helpers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/schema.h"

namespace kafka::proto {

enum class ApiKey : int16_t {
  Produce = 0,
  Fetch = 1,
  ListOffsets = 2,
  Metadata = 3,
  LeaderAndIsr = 4,
  StopReplica = 5,
  UpdateMetadata = 6,
  ControlledShutdown = 7,
  OffsetCommit = 8,
  OffsetFetch = 9,
  FindCoordinator = 10,
  JoinGroup = 11,
  Heartbeat = 12,
  LeaveGroup = 13,
  SyncGroup = 14,
  DescribeGroups = 15,
  ListGroups = 16,
  SaslHandshake = 17,
  ApiVersions = 18,
  CreateTopics = 19,
  DeleteTopics = 20,
  DeleteRecords = 21,
  InitProducerId = 22,
  OffsetForLeaderEpoch = 23,
  AddPartitionsToTxn = 24,
  AddOffsetsToTxn = 25,
  EndTxn = 26,
  WriteTxnMarkers = 27,
  TxnOffsetCommit = 28,
  DescribeAcls = 29,
  CreateAcls = 30,
  DeleteAcls = 31,
  DescribeConfigs = 32,
  AlterConfigs = 33,
  SaslAuthenticate = 36,
  CreatePartitions = 37,
  DeleteGroups = 42,
  DescribeCluster = 60,
};

std::string_view api_name(ApiKey key);

// Base of every request/response struct: its API key, the versions our schema declares and the
// first flexible (KIP-482) version.
template <ApiKey Key, int16_t Min, int16_t Max, int16_t FlexibleFrom>
struct ApiMessage {
  static constexpr ApiKey api_key = Key;
  static constexpr int16_t min_version = Min;
  static constexpr int16_t max_version = Max;
  static constexpr int16_t flexible_from = FlexibleFrom;  // 0x7fff: never flexible
  static constexpr bool is_flexible(int16_t v) { return v >= FlexibleFrom; }
};
constexpr int16_t kNeverFlexible = 0x7fff;

template <class M> Context context_for(int16_t version) { return Context{version, M::is_flexible(version)}; }

// Encode a message body (no header) at `version`.
template <class M> void encode_body(Writer& w, const M& m, int16_t version) {
  encode_struct(w, m, context_for<M>(version));
}
template <class M> std::vector<uint8_t> encode_body(const M& m, int16_t version) {
  Writer w;
  encode_body(w, m, version);
  return std::move(w.buffer());
}
// Decode a message body; throws ProtocolError on malformed input. Byte spans inside the result
// (Records views) point into `data`.
template <class M> M decode_body(std::span<const uint8_t> data, int16_t version) {
  Reader r(data);
  M m;
  decode_struct(r, m, context_for<M>(version));
  return m;
}
template <class M> M decode_body(Reader& r, int16_t version) {
  M m;
  decode_struct(r, m, context_for<M>(version));
  return m;
}

// ---- headers -------------------------------------------------------------------------------

struct RequestHeader {
  ApiKey api_key{};
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
};

// First flexible version of a request API we know; kNeverFlexible for unknown keys.
int16_t flexible_from(ApiKey key);
inline bool request_is_flexible(ApiKey key, int16_t version) { return version >= flexible_from(key); }
// Response header v1 (tagged fields) for flexible versions, except ApiVersions which is always v0.
inline bool response_header_has_tags(ApiKey key, int16_t version) {
  return key != ApiKey::ApiVersions && request_is_flexible(key, version);
}

// Request header v1 (non-flexible) or v2 (flexible): ClientId is never compact.
void encode_request_header(Writer& w, const RequestHeader& h);
RequestHeader decode_request_header(Reader& r);

// Builds a complete size-prefixed request frame.
template <class M> std::vector<uint8_t> encode_request(const M& m, int16_t version, int32_t correlation_id,
                                                       const std::optional<std::string>& client_id) {
  Writer w;
  w.i32(0);
  encode_request_header(w, RequestHeader{M::api_key, version, correlation_id, client_id});
  encode_body(w, m, version);
  w.patch_i32(0, static_cast<int32_t>(w.size() - 4));
  return std::move(w.buffer());
}

// Begins a size-prefixed response frame (size patched by finish_frame).
inline void begin_response(Writer& w, ApiKey key, int16_t version, int32_t correlation_id) {
  w.i32(0);
  w.i32(correlation_id);
  if (response_header_has_tags(key, version)) w.uvarint(0);
}
inline void finish_frame(Writer& w) { w.patch_i32(0, static_cast<int32_t>(w.wire_size() - 4)); }

template <class M> void encode_response(Writer& w, const M& m, int16_t version, int32_t correlation_id) {
  begin_response(w, M::api_key, version, correlation_id);
  encode_body(w, m, version);
  finish_frame(w);
}

// Parses a response frame body (without the 4-byte size): header then message.
template <class M> M decode_response(std::span<const uint8_t> frame, int16_t version, int32_t* correlation_id = nullptr) {
  Reader r(frame);
  int32_t corr = r.i32();
  if (correlation_id) *correlation_id = corr;
  if (response_header_has_tags(M::api_key, version)) skip_tagged_fields(r);
  return decode_body<M>(r, version);
}

}  // namespace kafka::proto
