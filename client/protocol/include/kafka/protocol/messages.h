// Every Kafka API message we speak, declared once (one header per API under messages/), and the
// list of all request types that the ApiVersions tables, header-version lookups and the
// round-trip tests iterate over.
//
// Conventions of the message headers (facts from Apache Kafka's JSON message specs):
//  - XxxResponse is declared first, then XxxRequest with `using Response = XxxResponse;`.
//  - Nested spec types (including commonStructs) are declared flat inside the message struct,
//    under their spec names (ProduceRequest::TopicProduceData, ProduceRequest::PartitionProduceData).
//  - Default member initialisers are the spec "default"s. A nullable field without
//    "default": "null" starts engaged and empty ({std::in_place}), as in Kafka's own generated
//    code, so null (e.g. "all topics" in MetadataRequest) must be asked for explicitly.
//  - Tagged fields are std::optional and written only when engaged.
//  - Engage an optional nested struct with `opt = Type{}` (or engage(opt)), not opt.emplace():
//    clang rejects the latter for these nested types (see engage() in schema.h).
#pragma once

#include "kafka/protocol/protocol.h"
#include "kafka/protocol/messages/acls.h"
#include "kafka/protocol/messages/add_offsets_to_txn.h"
#include "kafka/protocol/messages/add_partitions_to_txn.h"
#include "kafka/protocol/messages/api_versions.h"
#include "kafka/protocol/messages/create_partitions.h"
#include "kafka/protocol/messages/create_topics.h"
#include "kafka/protocol/messages/delete_groups.h"
#include "kafka/protocol/messages/delete_records.h"
#include "kafka/protocol/messages/delete_topics.h"
#include "kafka/protocol/messages/describe_cluster.h"
#include "kafka/protocol/messages/describe_configs.h"
#include "kafka/protocol/messages/describe_groups.h"
#include "kafka/protocol/messages/end_txn.h"
#include "kafka/protocol/messages/fetch.h"
#include "kafka/protocol/messages/find_coordinator.h"
#include "kafka/protocol/messages/heartbeat.h"
#include "kafka/protocol/messages/init_producer_id.h"
#include "kafka/protocol/messages/join_group.h"
#include "kafka/protocol/messages/leave_group.h"
#include "kafka/protocol/messages/list_groups.h"
#include "kafka/protocol/messages/list_offsets.h"
#include "kafka/protocol/messages/metadata.h"
#include "kafka/protocol/messages/offset_commit.h"
#include "kafka/protocol/messages/offset_fetch.h"
#include "kafka/protocol/messages/offset_for_leader_epoch.h"
#include "kafka/protocol/messages/produce.h"
#include "kafka/protocol/messages/sasl_authenticate.h"
#include "kafka/protocol/messages/sasl_handshake.h"
#include "kafka/protocol/messages/sync_group.h"
#include "kafka/protocol/messages/txn_offset_commit.h"
#include "kafka/protocol/messages/write_txn_markers.h"

namespace kafka::proto {

template <class... T> struct TypeList {};

// Keep sorted by API key.
using AllRequests = TypeList<
    ProduceRequest,               // 0
    FetchRequest,                 // 1
    ListOffsetsRequest,           // 2
    MetadataRequest,              // 3
    OffsetCommitRequest,          // 8
    OffsetFetchRequest,           // 9
    FindCoordinatorRequest,       // 10
    JoinGroupRequest,             // 11
    HeartbeatRequest,             // 12
    LeaveGroupRequest,            // 13
    SyncGroupRequest,             // 14
    DescribeGroupsRequest,        // 15
    ListGroupsRequest,            // 16
    SaslHandshakeRequest,         // 17
    ApiVersionsRequest,           // 18
    CreateTopicsRequest,          // 19
    DeleteTopicsRequest,          // 20
    DeleteRecordsRequest,         // 21
    InitProducerIdRequest,        // 22
    OffsetForLeaderEpochRequest,  // 23
    AddPartitionsToTxnRequest,    // 24
    AddOffsetsToTxnRequest,       // 25
    EndTxnRequest,                // 26
    WriteTxnMarkersRequest,       // 27
    TxnOffsetCommitRequest,       // 28
    DescribeAclsRequest,          // 29
    CreateAclsRequest,            // 30
    DeleteAclsRequest,            // 31
    DescribeConfigsRequest,       // 32
    SaslAuthenticateRequest,      // 36
    CreatePartitionsRequest,      // 37
    DeleteGroupsRequest,          // 42
    DescribeClusterRequest>;      // 60

template <class... T> constexpr bool sorted_by_key(TypeList<T...>) {
  const int16_t keys[] = {static_cast<int16_t>(T::api_key)...};
  for (size_t i = 1; i < sizeof...(T); ++i)
    if (keys[i - 1] >= keys[i]) return false;
  return true;
}
static_assert(sorted_by_key(AllRequests{}), "AllRequests must be sorted by API key, no duplicates");

template <class... T, class F> void for_each_type(TypeList<T...>, F&& f) {
  (f(static_cast<T*>(nullptr)), ...);
}

// Calls f(static_cast<Req*>(nullptr)) for the request type whose API key is `key`; returns false
// (without calling f) for keys we do not declare. f is instantiated for every request type.
template <class F> bool visit_request_type(ApiKey key, F&& f) {
  bool found = false;
  for_each_type(AllRequests{}, [&](auto* p) {
    using Req = std::remove_pointer_t<decltype(p)>;
    if (!found && Req::api_key == key) {
      found = true;
      f(p);
    }
  });
  return found;
}

}  // namespace kafka::proto
