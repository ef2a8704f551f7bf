// Names, messages and retriability of the Kafka error codes (see errors.h).
#include "kafka/protocol/errors.h"

#include <string>

namespace kafka {

std::string_view error_name(Error e) {
  switch (e) {
    case Error::UNKNOWN_SERVER_ERROR: return "UNKNOWN_SERVER_ERROR";
    case Error::NONE: return "NONE";
    case Error::OFFSET_OUT_OF_RANGE: return "OFFSET_OUT_OF_RANGE";
    case Error::CORRUPT_MESSAGE: return "CORRUPT_MESSAGE";
    case Error::UNKNOWN_TOPIC_OR_PARTITION: return "UNKNOWN_TOPIC_OR_PARTITION";
    case Error::INVALID_FETCH_SIZE: return "INVALID_FETCH_SIZE";
    case Error::LEADER_NOT_AVAILABLE: return "LEADER_NOT_AVAILABLE";
    case Error::NOT_LEADER_OR_FOLLOWER: return "NOT_LEADER_OR_FOLLOWER";
    case Error::REQUEST_TIMED_OUT: return "REQUEST_TIMED_OUT";
    case Error::BROKER_NOT_AVAILABLE: return "BROKER_NOT_AVAILABLE";
    case Error::REPLICA_NOT_AVAILABLE: return "REPLICA_NOT_AVAILABLE";
    case Error::MESSAGE_TOO_LARGE: return "MESSAGE_TOO_LARGE";
    case Error::STALE_CONTROLLER_EPOCH: return "STALE_CONTROLLER_EPOCH";
    case Error::OFFSET_METADATA_TOO_LARGE: return "OFFSET_METADATA_TOO_LARGE";
    case Error::NETWORK_EXCEPTION: return "NETWORK_EXCEPTION";
    case Error::COORDINATOR_LOAD_IN_PROGRESS: return "COORDINATOR_LOAD_IN_PROGRESS";
    case Error::COORDINATOR_NOT_AVAILABLE: return "COORDINATOR_NOT_AVAILABLE";
    case Error::NOT_COORDINATOR: return "NOT_COORDINATOR";
    case Error::INVALID_TOPIC_EXCEPTION: return "INVALID_TOPIC_EXCEPTION";
    case Error::RECORD_LIST_TOO_LARGE: return "RECORD_LIST_TOO_LARGE";
    case Error::NOT_ENOUGH_REPLICAS: return "NOT_ENOUGH_REPLICAS";
    case Error::NOT_ENOUGH_REPLICAS_AFTER_APPEND: return "NOT_ENOUGH_REPLICAS_AFTER_APPEND";
    case Error::INVALID_REQUIRED_ACKS: return "INVALID_REQUIRED_ACKS";
    case Error::ILLEGAL_GENERATION: return "ILLEGAL_GENERATION";
    case Error::INCONSISTENT_GROUP_PROTOCOL: return "INCONSISTENT_GROUP_PROTOCOL";
    case Error::INVALID_GROUP_ID: return "INVALID_GROUP_ID";
    case Error::UNKNOWN_MEMBER_ID: return "UNKNOWN_MEMBER_ID";
    case Error::INVALID_SESSION_TIMEOUT: return "INVALID_SESSION_TIMEOUT";
    case Error::REBALANCE_IN_PROGRESS: return "REBALANCE_IN_PROGRESS";
    case Error::INVALID_COMMIT_OFFSET_SIZE: return "INVALID_COMMIT_OFFSET_SIZE";
    case Error::TOPIC_AUTHORIZATION_FAILED: return "TOPIC_AUTHORIZATION_FAILED";
    case Error::GROUP_AUTHORIZATION_FAILED: return "GROUP_AUTHORIZATION_FAILED";
    case Error::CLUSTER_AUTHORIZATION_FAILED: return "CLUSTER_AUTHORIZATION_FAILED";
    case Error::INVALID_TIMESTAMP: return "INVALID_TIMESTAMP";
    case Error::UNSUPPORTED_SASL_MECHANISM: return "UNSUPPORTED_SASL_MECHANISM";
    case Error::ILLEGAL_SASL_STATE: return "ILLEGAL_SASL_STATE";
    case Error::UNSUPPORTED_VERSION: return "UNSUPPORTED_VERSION";
    case Error::TOPIC_ALREADY_EXISTS: return "TOPIC_ALREADY_EXISTS";
    case Error::INVALID_PARTITIONS: return "INVALID_PARTITIONS";
    case Error::INVALID_REPLICATION_FACTOR: return "INVALID_REPLICATION_FACTOR";
    case Error::INVALID_REPLICA_ASSIGNMENT: return "INVALID_REPLICA_ASSIGNMENT";
    case Error::INVALID_CONFIG: return "INVALID_CONFIG";
    case Error::NOT_CONTROLLER: return "NOT_CONTROLLER";
    case Error::INVALID_REQUEST: return "INVALID_REQUEST";
    case Error::UNSUPPORTED_FOR_MESSAGE_FORMAT: return "UNSUPPORTED_FOR_MESSAGE_FORMAT";
    case Error::POLICY_VIOLATION: return "POLICY_VIOLATION";
    case Error::OUT_OF_ORDER_SEQUENCE_NUMBER: return "OUT_OF_ORDER_SEQUENCE_NUMBER";
    case Error::DUPLICATE_SEQUENCE_NUMBER: return "DUPLICATE_SEQUENCE_NUMBER";
    case Error::INVALID_PRODUCER_EPOCH: return "INVALID_PRODUCER_EPOCH";
    case Error::INVALID_TXN_STATE: return "INVALID_TXN_STATE";
    case Error::INVALID_PRODUCER_ID_MAPPING: return "INVALID_PRODUCER_ID_MAPPING";
    case Error::INVALID_TRANSACTION_TIMEOUT: return "INVALID_TRANSACTION_TIMEOUT";
    case Error::CONCURRENT_TRANSACTIONS: return "CONCURRENT_TRANSACTIONS";
    case Error::TRANSACTION_COORDINATOR_FENCED: return "TRANSACTION_COORDINATOR_FENCED";
    case Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED: return "TRANSACTIONAL_ID_AUTHORIZATION_FAILED";
    case Error::SECURITY_DISABLED: return "SECURITY_DISABLED";
    case Error::OPERATION_NOT_ATTEMPTED: return "OPERATION_NOT_ATTEMPTED";
    case Error::KAFKA_STORAGE_ERROR: return "KAFKA_STORAGE_ERROR";
    case Error::LOG_DIR_NOT_FOUND: return "LOG_DIR_NOT_FOUND";
    case Error::SASL_AUTHENTICATION_FAILED: return "SASL_AUTHENTICATION_FAILED";
    case Error::UNKNOWN_PRODUCER_ID: return "UNKNOWN_PRODUCER_ID";
    case Error::REASSIGNMENT_IN_PROGRESS: return "REASSIGNMENT_IN_PROGRESS";
    case Error::DELEGATION_TOKEN_AUTH_DISABLED: return "DELEGATION_TOKEN_AUTH_DISABLED";
    case Error::DELEGATION_TOKEN_NOT_FOUND: return "DELEGATION_TOKEN_NOT_FOUND";
    case Error::DELEGATION_TOKEN_OWNER_MISMATCH: return "DELEGATION_TOKEN_OWNER_MISMATCH";
    case Error::DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: return "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED";
    case Error::DELEGATION_TOKEN_AUTHORIZATION_FAILED: return "DELEGATION_TOKEN_AUTHORIZATION_FAILED";
    case Error::DELEGATION_TOKEN_EXPIRED: return "DELEGATION_TOKEN_EXPIRED";
    case Error::INVALID_PRINCIPAL_TYPE: return "INVALID_PRINCIPAL_TYPE";
    case Error::NON_EMPTY_GROUP: return "NON_EMPTY_GROUP";
    case Error::GROUP_ID_NOT_FOUND: return "GROUP_ID_NOT_FOUND";
    case Error::FETCH_SESSION_ID_NOT_FOUND: return "FETCH_SESSION_ID_NOT_FOUND";
    case Error::INVALID_FETCH_SESSION_EPOCH: return "INVALID_FETCH_SESSION_EPOCH";
    case Error::LISTENER_NOT_FOUND: return "LISTENER_NOT_FOUND";
    case Error::TOPIC_DELETION_DISABLED: return "TOPIC_DELETION_DISABLED";
    case Error::FENCED_LEADER_EPOCH: return "FENCED_LEADER_EPOCH";
    case Error::UNKNOWN_LEADER_EPOCH: return "UNKNOWN_LEADER_EPOCH";
    case Error::UNSUPPORTED_COMPRESSION_TYPE: return "UNSUPPORTED_COMPRESSION_TYPE";
    case Error::STALE_BROKER_EPOCH: return "STALE_BROKER_EPOCH";
    case Error::OFFSET_NOT_AVAILABLE: return "OFFSET_NOT_AVAILABLE";
    case Error::MEMBER_ID_REQUIRED: return "MEMBER_ID_REQUIRED";
    case Error::PREFERRED_LEADER_NOT_AVAILABLE: return "PREFERRED_LEADER_NOT_AVAILABLE";
    case Error::GROUP_MAX_SIZE_REACHED: return "GROUP_MAX_SIZE_REACHED";
    case Error::FENCED_INSTANCE_ID: return "FENCED_INSTANCE_ID";
    case Error::ELIGIBLE_LEADERS_NOT_AVAILABLE: return "ELIGIBLE_LEADERS_NOT_AVAILABLE";
    case Error::ELECTION_NOT_NEEDED: return "ELECTION_NOT_NEEDED";
    case Error::NO_REASSIGNMENT_IN_PROGRESS: return "NO_REASSIGNMENT_IN_PROGRESS";
    case Error::GROUP_SUBSCRIBED_TO_TOPIC: return "GROUP_SUBSCRIBED_TO_TOPIC";
    case Error::INVALID_RECORD: return "INVALID_RECORD";
    case Error::UNSTABLE_OFFSET_COMMIT: return "UNSTABLE_OFFSET_COMMIT";
    case Error::THROTTLING_QUOTA_EXCEEDED: return "THROTTLING_QUOTA_EXCEEDED";
    case Error::PRODUCER_FENCED: return "PRODUCER_FENCED";
    case Error::RESOURCE_NOT_FOUND: return "RESOURCE_NOT_FOUND";
    case Error::DUPLICATE_RESOURCE: return "DUPLICATE_RESOURCE";
    case Error::UNACCEPTABLE_CREDENTIAL: return "UNACCEPTABLE_CREDENTIAL";
    case Error::INCONSISTENT_VOTER_SET: return "INCONSISTENT_VOTER_SET";
    case Error::INVALID_UPDATE_VERSION: return "INVALID_UPDATE_VERSION";
    case Error::FEATURE_UPDATE_FAILED: return "FEATURE_UPDATE_FAILED";
    case Error::PRINCIPAL_DESERIALIZATION_FAILURE: return "PRINCIPAL_DESERIALIZATION_FAILURE";
    case Error::SNAPSHOT_NOT_FOUND: return "SNAPSHOT_NOT_FOUND";
    case Error::POSITION_OUT_OF_RANGE: return "POSITION_OUT_OF_RANGE";
    case Error::UNKNOWN_TOPIC_ID: return "UNKNOWN_TOPIC_ID";
    case Error::DUPLICATE_BROKER_REGISTRATION: return "DUPLICATE_BROKER_REGISTRATION";
    case Error::BROKER_ID_NOT_REGISTERED: return "BROKER_ID_NOT_REGISTERED";
    case Error::INCONSISTENT_TOPIC_ID: return "INCONSISTENT_TOPIC_ID";
    case Error::INCONSISTENT_CLUSTER_ID: return "INCONSISTENT_CLUSTER_ID";
    case Error::TRANSACTIONAL_ID_NOT_FOUND: return "TRANSACTIONAL_ID_NOT_FOUND";
    case Error::FETCH_SESSION_TOPIC_ID_ERROR: return "FETCH_SESSION_TOPIC_ID_ERROR";
    case Error::INELIGIBLE_REPLICA: return "INELIGIBLE_REPLICA";
    case Error::NEW_LEADER_ELECTED: return "NEW_LEADER_ELECTED";
    case Error::OFFSET_MOVED_TO_TIERED_STORAGE: return "OFFSET_MOVED_TO_TIERED_STORAGE";
    case Error::FENCED_MEMBER_EPOCH: return "FENCED_MEMBER_EPOCH";
    case Error::UNRELEASED_INSTANCE_ID: return "UNRELEASED_INSTANCE_ID";
    case Error::UNSUPPORTED_ASSIGNOR: return "UNSUPPORTED_ASSIGNOR";
    case Error::STALE_MEMBER_EPOCH: return "STALE_MEMBER_EPOCH";
    case Error::MISMATCHED_ENDPOINT_TYPE: return "MISMATCHED_ENDPOINT_TYPE";
    case Error::UNSUPPORTED_ENDPOINT_TYPE: return "UNSUPPORTED_ENDPOINT_TYPE";
    case Error::UNKNOWN_CONTROLLER_ID: return "UNKNOWN_CONTROLLER_ID";
    case Error::UNKNOWN_SUBSCRIPTION_ID: return "UNKNOWN_SUBSCRIPTION_ID";
    case Error::TELEMETRY_TOO_LARGE: return "TELEMETRY_TOO_LARGE";
    case Error::INVALID_REGISTRATION: return "INVALID_REGISTRATION";
    case Error::TRANSACTION_ABORTABLE: return "TRANSACTION_ABORTABLE";
  }
  return "UNKNOWN_CODE";
}

std::string_view error_message(Error e) {
  switch (e) {
    case Error::UNKNOWN_SERVER_ERROR: return "The server experienced an unexpected error when processing the request.";
    case Error::NONE: return "Success";
    case Error::OFFSET_OUT_OF_RANGE: return "The requested offset is not within the range of offsets maintained by the server.";
    case Error::CORRUPT_MESSAGE: return "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.";
    case Error::UNKNOWN_TOPIC_OR_PARTITION: return "This server does not host this topic-partition.";
    case Error::NOT_LEADER_OR_FOLLOWER: return "For requests intended only for the leader, this error indicates that the broker is not the current leader.";
    case Error::REQUEST_TIMED_OUT: return "The request timed out.";
    case Error::MESSAGE_TOO_LARGE: return "The request included a message larger than the max message size the server will accept.";
    case Error::COORDINATOR_NOT_AVAILABLE: return "The coordinator is not available.";
    case Error::NOT_COORDINATOR: return "This is not the correct coordinator.";
    case Error::INVALID_TOPIC_EXCEPTION: return "The request attempted to perform an operation on an invalid topic.";
    case Error::RECORD_LIST_TOO_LARGE: return "The request included message batch larger than the configured segment size on the server.";
    case Error::INVALID_REQUIRED_ACKS: return "Produce request specified an invalid value for required acks.";
    case Error::ILLEGAL_GENERATION: return "Specified group generation id is not valid.";
    case Error::UNKNOWN_MEMBER_ID: return "The coordinator is not aware of this member.";
    case Error::REBALANCE_IN_PROGRESS: return "The group is rebalancing, so a rejoin is needed.";
    case Error::UNSUPPORTED_VERSION: return "The version of API is not supported.";
    case Error::TOPIC_ALREADY_EXISTS: return "Topic with this name already exists.";
    case Error::INVALID_PARTITIONS: return "Number of partitions is below 1.";
    case Error::INVALID_REPLICATION_FACTOR: return "Replication factor is below 1 or larger than the number of available brokers.";
    case Error::INVALID_CONFIG: return "Configuration is invalid.";
    case Error::INVALID_REQUEST: return "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker.";
    case Error::POLICY_VIOLATION: return "Request parameters do not satisfy the configured policy.";
    case Error::OUT_OF_ORDER_SEQUENCE_NUMBER: return "The broker received an out of order sequence number.";
    case Error::DUPLICATE_SEQUENCE_NUMBER: return "The broker received a duplicate sequence number.";
    case Error::INVALID_PRODUCER_EPOCH: return "Producer attempted to produce with an old epoch.";
    case Error::INVALID_TXN_STATE: return "The producer attempted a transactional operation in an invalid state.";
    case Error::CONCURRENT_TRANSACTIONS: return "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.";
    case Error::KAFKA_STORAGE_ERROR: return "Disk error when trying to access log file on the disk.";
    case Error::UNKNOWN_PRODUCER_ID: return "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question.";
    case Error::UNSUPPORTED_COMPRESSION_TYPE: return "The requesting client does not support the compression type of given partition.";
    case Error::INVALID_RECORD: return "This record has failed the validation on broker and hence will be rejected.";
    case Error::PRODUCER_FENCED: return "There is a newer producer with the same transactionalId which fences the current one.";
    default: return error_name(e);
  }
}

bool is_retriable(Error e) {
  switch (e) {
    case Error::CONCURRENT_TRANSACTIONS:
    case Error::COORDINATOR_LOAD_IN_PROGRESS:
    case Error::COORDINATOR_NOT_AVAILABLE:
    case Error::CORRUPT_MESSAGE:
    case Error::ELIGIBLE_LEADERS_NOT_AVAILABLE:
    case Error::FENCED_LEADER_EPOCH:
    case Error::FETCH_SESSION_ID_NOT_FOUND:
    case Error::FETCH_SESSION_TOPIC_ID_ERROR:
    case Error::INCONSISTENT_TOPIC_ID:
    case Error::INVALID_FETCH_SESSION_EPOCH:
    case Error::KAFKA_STORAGE_ERROR:
    case Error::LEADER_NOT_AVAILABLE:
    case Error::LISTENER_NOT_FOUND:
    case Error::NETWORK_EXCEPTION:
    case Error::NOT_CONTROLLER:
    case Error::NOT_COORDINATOR:
    case Error::NOT_ENOUGH_REPLICAS:
    case Error::NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case Error::NOT_LEADER_OR_FOLLOWER:
    case Error::OFFSET_NOT_AVAILABLE:
    case Error::PREFERRED_LEADER_NOT_AVAILABLE:
    case Error::REPLICA_NOT_AVAILABLE:
    case Error::REQUEST_TIMED_OUT:
    case Error::THROTTLING_QUOTA_EXCEEDED:
    case Error::UNKNOWN_LEADER_EPOCH:
    case Error::UNKNOWN_TOPIC_ID:
    case Error::UNKNOWN_TOPIC_OR_PARTITION:
    case Error::UNSTABLE_OFFSET_COMMIT:
      return true;
    default:
      return false;
  }
}

namespace {
class KafkaCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kafka"; }
  std::string message(int c) const override {
    auto e = static_cast<Error>(c);
    std::string s(error_name(e));
    if (s == "UNKNOWN_CODE") return "unknown Kafka error code " + std::to_string(c);
    return s + ": " + std::string(error_message(e));
  }
};
}  // namespace

const std::error_category& kafka_category() {
  static const KafkaCategory category;
  return category;
}

}  // namespace kafka
