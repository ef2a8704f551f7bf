// Every handler's descriptor; each is defined in its own file next to its code, with the
// version range it implements.
#pragma once

#include "handler.h"

namespace refbroker {

kafka::proto::ApiVersionsResponse api_versions_table();

extern const HandlerInfo kProduceHandler;
extern const HandlerInfo kFetchHandler;
extern const HandlerInfo kListOffsetsHandler;
extern const HandlerInfo kMetadataHandler;
extern const HandlerInfo kApiVersionsHandler;
extern const HandlerInfo kCreateTopicsHandler;
extern const HandlerInfo kDeleteTopicsHandler;
extern const HandlerInfo kDeleteRecordsHandler;
extern const HandlerInfo kDescribeConfigsHandler;
extern const HandlerInfo kCreatePartitionsHandler;
extern const HandlerInfo kInitProducerIdHandler;
extern const HandlerInfo kFindCoordinatorHandler;
extern const HandlerInfo kJoinGroupHandler;
extern const HandlerInfo kSyncGroupHandler;
extern const HandlerInfo kHeartbeatHandler;
extern const HandlerInfo kLeaveGroupHandler;
extern const HandlerInfo kOffsetCommitHandler;
extern const HandlerInfo kOffsetFetchHandler;
extern const HandlerInfo kDescribeGroupsHandler;
extern const HandlerInfo kListGroupsHandler;
extern const HandlerInfo kDeleteGroupsHandler;
extern const HandlerInfo kAddPartitionsToTxnHandler;
extern const HandlerInfo kAddOffsetsToTxnHandler;
extern const HandlerInfo kEndTxnHandler;
extern const HandlerInfo kTxnOffsetCommitHandler;
extern const HandlerInfo kSaslHandshakeHandler;
extern const HandlerInfo kSaslAuthenticateHandler;
extern const HandlerInfo kDescribeAclsHandler;
extern const HandlerInfo kCreateAclsHandler;
extern const HandlerInfo kDeleteAclsHandler;

}  // namespace refbroker
