#include "handlers/registry.h"

#include <algorithm>

namespace refbroker {

const std::vector<HandlerInfo>& handlers() {
  static const std::vector<HandlerInfo> table = [] {
    std::vector<HandlerInfo> t{
        kProduceHandler,      kFetchHandler,         kListOffsetsHandler,     kMetadataHandler,
        kApiVersionsHandler,  kCreateTopicsHandler,  kDeleteTopicsHandler,    kDeleteRecordsHandler,
        kDescribeConfigsHandler, kCreatePartitionsHandler, kInitProducerIdHandler,
        kFindCoordinatorHandler, kJoinGroupHandler,  kSyncGroupHandler,       kHeartbeatHandler,
        kLeaveGroupHandler,   kOffsetCommitHandler,  kOffsetFetchHandler,     kDescribeGroupsHandler,
        kListGroupsHandler,   kDeleteGroupsHandler,  kAddPartitionsToTxnHandler, kAddOffsetsToTxnHandler,
        kEndTxnHandler,       kTxnOffsetCommitHandler, kSaslHandshakeHandler, kSaslAuthenticateHandler,
        kDescribeAclsHandler, kCreateAclsHandler,   kDeleteAclsHandler,
    };
    std::sort(t.begin(), t.end(), [](auto& a, auto& b) { return a.key < b.key; });
    return t;
  }();
  return table;
}

const HandlerInfo* find_handler(kafka::proto::ApiKey key) {
  for (const auto& h : handlers())
    if (h.key == key) return &h;
  return nullptr;
}

}  // namespace refbroker
