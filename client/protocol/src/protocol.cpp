// Header encoding and per-API lookups derived from the message declarations.
#include "kafka/protocol/messages.h"

#include <array>

namespace kafka::proto {

std::string_view api_name(ApiKey key) {
  switch (key) {
    case ApiKey::Produce: return "Produce";
    case ApiKey::Fetch: return "Fetch";
    case ApiKey::ListOffsets: return "ListOffsets";
    case ApiKey::Metadata: return "Metadata";
    case ApiKey::LeaderAndIsr: return "LeaderAndIsr";
    case ApiKey::StopReplica: return "StopReplica";
    case ApiKey::UpdateMetadata: return "UpdateMetadata";
    case ApiKey::ControlledShutdown: return "ControlledShutdown";
    case ApiKey::OffsetCommit: return "OffsetCommit";
    case ApiKey::OffsetFetch: return "OffsetFetch";
    case ApiKey::FindCoordinator: return "FindCoordinator";
    case ApiKey::JoinGroup: return "JoinGroup";
    case ApiKey::Heartbeat: return "Heartbeat";
    case ApiKey::LeaveGroup: return "LeaveGroup";
    case ApiKey::SyncGroup: return "SyncGroup";
    case ApiKey::DescribeGroups: return "DescribeGroups";
    case ApiKey::ListGroups: return "ListGroups";
    case ApiKey::SaslHandshake: return "SaslHandshake";
    case ApiKey::ApiVersions: return "ApiVersions";
    case ApiKey::CreateTopics: return "CreateTopics";
    case ApiKey::DeleteTopics: return "DeleteTopics";
    case ApiKey::DeleteRecords: return "DeleteRecords";
    case ApiKey::InitProducerId: return "InitProducerId";
    case ApiKey::OffsetForLeaderEpoch: return "OffsetForLeaderEpoch";
    case ApiKey::AddPartitionsToTxn: return "AddPartitionsToTxn";
    case ApiKey::AddOffsetsToTxn: return "AddOffsetsToTxn";
    case ApiKey::EndTxn: return "EndTxn";
    case ApiKey::WriteTxnMarkers: return "WriteTxnMarkers";
    case ApiKey::TxnOffsetCommit: return "TxnOffsetCommit";
    case ApiKey::DescribeAcls: return "DescribeAcls";
    case ApiKey::CreateAcls: return "CreateAcls";
    case ApiKey::DeleteAcls: return "DeleteAcls";
    case ApiKey::DescribeConfigs: return "DescribeConfigs";
    case ApiKey::AlterConfigs: return "AlterConfigs";
    case ApiKey::SaslAuthenticate: return "SaslAuthenticate";
    case ApiKey::CreatePartitions: return "CreatePartitions";
    case ApiKey::DeleteGroups: return "DeleteGroups";
    case ApiKey::DescribeCluster: return "DescribeCluster";
  }
  return "Unknown";
}

namespace {
constexpr size_t kMaxKey = 128;
std::array<int16_t, kMaxKey> build_flexible_table() {
  std::array<int16_t, kMaxKey> t{};
  t.fill(kNeverFlexible);
  for_each_type(AllRequests{}, [&](auto* p) {
    using M = std::remove_pointer_t<decltype(p)>;
    t[static_cast<size_t>(M::api_key)] = M::flexible_from;
  });
  return t;
}
const std::array<int16_t, kMaxKey> kFlexibleFrom = build_flexible_table();
}  // namespace

int16_t flexible_from(ApiKey key) {
  auto k = static_cast<uint16_t>(key);
  return k < kMaxKey ? kFlexibleFrom[k] : kNeverFlexible;
}

void encode_request_header(Writer& w, const RequestHeader& h) {
  w.i16(static_cast<int16_t>(h.api_key));
  w.i16(h.api_version);
  w.i32(h.correlation_id);
  w.nullable_string(h.client_id, /*compact=*/false);
  if (request_is_flexible(h.api_key, h.api_version)) w.uvarint(0);
}

RequestHeader decode_request_header(Reader& r) {
  RequestHeader h;
  h.api_key = static_cast<ApiKey>(r.i16());
  h.api_version = r.i16();
  h.correlation_id = r.i32();
  h.client_id = r.nullable_string(/*compact=*/false);
  if (request_is_flexible(h.api_key, h.api_version)) skip_tagged_fields(r);
  return h;
}

}  // namespace kafka::proto
