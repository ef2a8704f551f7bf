// Error codes, their names and descriptions (librdkafka's texts), rich error objects, the
// per-thread "last error" of the legacy APIs, and the library version.
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "internal.h"

namespace kafkaplus::facade {
namespace {

struct ErrEntry {
  int code;
  const char* name;
  const char* desc;
};

// Every code that has a description, in ascending order.
constexpr ErrEntry kErrors[] = {
    {-199, "_BAD_MSG", "Local: Bad message format"},
    {-198, "_BAD_COMPRESSION", "Local: Invalid compressed data"},
    {-197, "_DESTROY", "Local: Broker handle destroyed"},
    {-196, "_FAIL", "Local: Communication failure with broker"},
    {-195, "_TRANSPORT", "Local: Broker transport failure"},
    {-194, "_CRIT_SYS_RESOURCE", "Local: Critical system resource failure"},
    {-193, "_RESOLVE", "Local: Host resolution failure"},
    {-192, "_MSG_TIMED_OUT", "Local: Message timed out"},
    {-191, "_PARTITION_EOF", "Broker: No more messages"},
    {-190, "_UNKNOWN_PARTITION", "Local: Unknown partition"},
    {-189, "_FS", "Local: File or filesystem error"},
    {-188, "_UNKNOWN_TOPIC", "Local: Unknown topic"},
    {-187, "_ALL_BROKERS_DOWN", "Local: All broker connections are down"},
    {-186, "_INVALID_ARG", "Local: Invalid argument or configuration"},
    {-185, "_TIMED_OUT", "Local: Timed out"},
    {-184, "_QUEUE_FULL", "Local: Queue full"},
    {-183, "_ISR_INSUFF", "Local: ISR count insufficient"},
    {-182, "_NODE_UPDATE", "Local: Broker node update"},
    {-181, "_SSL", "Local: SSL error"},
    {-180, "_WAIT_COORD", "Local: Waiting for coordinator"},
    {-179, "_UNKNOWN_GROUP", "Local: Unknown group"},
    {-178, "_IN_PROGRESS", "Local: Operation in progress"},
    {-177, "_PREV_IN_PROGRESS", "Local: Previous operation in progress"},
    {-176, "_EXISTING_SUBSCRIPTION", "Local: Existing subscription"},
    {-175, "_ASSIGN_PARTITIONS", "Local: Assign partitions"},
    {-174, "_REVOKE_PARTITIONS", "Local: Revoke partitions"},
    {-173, "_CONFLICT", "Local: Conflicting use"},
    {-172, "_STATE", "Local: Erroneous state"},
    {-171, "_UNKNOWN_PROTOCOL", "Local: Unknown protocol"},
    {-170, "_NOT_IMPLEMENTED", "Local: Not implemented"},
    {-169, "_AUTHENTICATION", "Local: Authentication failure"},
    {-168, "_NO_OFFSET", "Local: No offset stored"},
    {-167, "_OUTDATED", "Local: Outdated"},
    {-166, "_TIMED_OUT_QUEUE", "Local: Timed out in queue"},
    {-165, "_UNSUPPORTED_FEATURE", "Local: Required feature not supported by broker"},
    {-164, "_WAIT_CACHE", "Local: Awaiting cache update"},
    {-163, "_INTR", "Local: Operation interrupted"},
    {-162, "_KEY_SERIALIZATION", "Local: Key serialization error"},
    {-161, "_VALUE_SERIALIZATION", "Local: Value serialization error"},
    {-160, "_KEY_DESERIALIZATION", "Local: Key deserialization error"},
    {-159, "_VALUE_DESERIALIZATION", "Local: Value deserialization error"},
    {-158, "_PARTIAL", "Local: Partial response"},
    {-157, "_READ_ONLY", "Local: Read-only object"},
    {-156, "_NOENT", "Local: No such entry"},
    {-155, "_UNDERFLOW", "Local: Read underflow"},
    {-154, "_INVALID_TYPE", "Local: Invalid type"},
    {-153, "_RETRY", "Local: Retry operation"},
    {-152, "_PURGE_QUEUE", "Local: Purged in queue"},
    {-151, "_PURGE_INFLIGHT", "Local: Purged in flight"},
    {-150, "_FATAL", "Local: Fatal error"},
    {-149, "_INCONSISTENT", "Local: Inconsistent state"},
    {-148, "_GAPLESS_GUARANTEE", "Local: Gap-less ordering would not be guaranteed if proceeding"},
    {-147, "_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded"},
    {-146, "_UNKNOWN_BROKER", "Local: Unknown broker"},
    {-145, "_NOT_CONFIGURED", "Local: Functionality not configured"},
    {-144, "_FENCED", "Local: This instance has been fenced by a newer instance"},
    {-143, "_APPLICATION", "Local: Application generated error"},
    {-142, "_ASSIGNMENT_LOST", "Local: Group partition assignment lost"},
    {-141, "_NOOP", "Local: No operation performed"},
    {-140, "_AUTO_OFFSET_RESET", "Local: No offset to automatically reset to"},
    {-1, "UNKNOWN", "Unknown broker error"},
    {0, "NO_ERROR", "Success"},
    {1, "OFFSET_OUT_OF_RANGE", "Broker: Offset out of range"},
    {2, "INVALID_MSG", "Broker: Invalid message"},
    {3, "UNKNOWN_TOPIC_OR_PART", "Broker: Unknown topic or partition"},
    {4, "INVALID_MSG_SIZE", "Broker: Invalid message size"},
    {5, "LEADER_NOT_AVAILABLE", "Broker: Leader not available"},
    {6, "NOT_LEADER_FOR_PARTITION", "Broker: Not leader for partition"},
    {7, "REQUEST_TIMED_OUT", "Broker: Request timed out"},
    {8, "BROKER_NOT_AVAILABLE", "Broker: Broker not available"},
    {9, "REPLICA_NOT_AVAILABLE", "Broker: Replica not available"},
    {10, "MSG_SIZE_TOO_LARGE", "Broker: Message size too large"},
    {11, "STALE_CTRL_EPOCH", "Broker: StaleControllerEpochCode"},
    {12, "OFFSET_METADATA_TOO_LARGE", "Broker: Offset metadata string too large"},
    {13, "NETWORK_EXCEPTION", "Broker: Broker disconnected before response received"},
    {14, "COORDINATOR_LOAD_IN_PROGRESS", "Broker: Coordinator load in progress"},
    {15, "COORDINATOR_NOT_AVAILABLE", "Broker: Coordinator not available"},
    {16, "NOT_COORDINATOR", "Broker: Not coordinator"},
    {17, "TOPIC_EXCEPTION", "Broker: Invalid topic"},
    {18, "RECORD_LIST_TOO_LARGE", "Broker: Message batch larger than configured server segment size"},
    {19, "NOT_ENOUGH_REPLICAS", "Broker: Not enough in-sync replicas"},
    {20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "Broker: Message(s) written to insufficient number of in-sync replicas"},
    {21, "INVALID_REQUIRED_ACKS", "Broker: Invalid required acks value"},
    {22, "ILLEGAL_GENERATION", "Broker: Specified group generation id is not valid"},
    {23, "INCONSISTENT_GROUP_PROTOCOL", "Broker: Inconsistent group protocol"},
    {24, "INVALID_GROUP_ID", "Broker: Invalid group.id"},
    {25, "UNKNOWN_MEMBER_ID", "Broker: Unknown member"},
    {26, "INVALID_SESSION_TIMEOUT", "Broker: Invalid session timeout"},
    {27, "REBALANCE_IN_PROGRESS", "Broker: Group rebalance in progress"},
    {28, "INVALID_COMMIT_OFFSET_SIZE", "Broker: Commit offset data size is not valid"},
    {29, "TOPIC_AUTHORIZATION_FAILED", "Broker: Topic authorization failed"},
    {30, "GROUP_AUTHORIZATION_FAILED", "Broker: Group authorization failed"},
    {31, "CLUSTER_AUTHORIZATION_FAILED", "Broker: Cluster authorization failed"},
    {32, "INVALID_TIMESTAMP", "Broker: Invalid timestamp"},
    {33, "UNSUPPORTED_SASL_MECHANISM", "Broker: Unsupported SASL mechanism"},
    {34, "ILLEGAL_SASL_STATE", "Broker: Request not valid in current SASL state"},
    {35, "UNSUPPORTED_VERSION", "Broker: API version not supported"},
    {36, "TOPIC_ALREADY_EXISTS", "Broker: Topic already exists"},
    {37, "INVALID_PARTITIONS", "Broker: Invalid number of partitions"},
    {38, "INVALID_REPLICATION_FACTOR", "Broker: Invalid replication factor"},
    {39, "INVALID_REPLICA_ASSIGNMENT", "Broker: Invalid replica assignment"},
    {40, "INVALID_CONFIG", "Broker: Configuration is invalid"},
    {41, "NOT_CONTROLLER", "Broker: Not controller for cluster"},
    {42, "INVALID_REQUEST", "Broker: Invalid request"},
    {43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", "Broker: Message format on broker does not support request"},
    {44, "POLICY_VIOLATION", "Broker: Policy violation"},
    {45, "OUT_OF_ORDER_SEQUENCE_NUMBER", "Broker: Broker received an out of order sequence number"},
    {46, "DUPLICATE_SEQUENCE_NUMBER", "Broker: Broker received a duplicate sequence number"},
    {47, "INVALID_PRODUCER_EPOCH", "Broker: Producer attempted an operation with an old epoch"},
    {48, "INVALID_TXN_STATE", "Broker: Producer attempted a transactional operation in an invalid state"},
    {49, "INVALID_PRODUCER_ID_MAPPING", "Broker: Producer attempted to use a producer id which is not currently assigned to its transactional id"},
    {50, "INVALID_TRANSACTION_TIMEOUT", "Broker: Transaction timeout is larger than the maximum value allowed by the broker's max.transaction.timeout.ms"},
    {51, "CONCURRENT_TRANSACTIONS", "Broker: Producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing"},
    {52, "TRANSACTION_COORDINATOR_FENCED", "Broker: Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer"},
    {53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "Broker: Transactional Id authorization failed"},
    {54, "SECURITY_DISABLED", "Broker: Security features are disabled"},
    {55, "OPERATION_NOT_ATTEMPTED", "Broker: Operation not attempted"},
    {56, "KAFKA_STORAGE_ERROR", "Broker: Disk error when trying to access log file on disk"},
    {57, "LOG_DIR_NOT_FOUND", "Broker: The user-specified log directory is not found in the broker config"},
    {58, "SASL_AUTHENTICATION_FAILED", "Broker: SASL Authentication failed"},
    {59, "UNKNOWN_PRODUCER_ID", "Broker: Unknown Producer Id"},
    {60, "REASSIGNMENT_IN_PROGRESS", "Broker: Partition reassignment is in progress"},
    {61, "DELEGATION_TOKEN_AUTH_DISABLED", "Broker: Delegation Token feature is not enabled"},
    {62, "DELEGATION_TOKEN_NOT_FOUND", "Broker: Delegation Token is not found on server"},
    {63, "DELEGATION_TOKEN_OWNER_MISMATCH", "Broker: Specified Principal is not valid Owner/Renewer"},
    {64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", "Broker: Delegation Token requests are not allowed on this connection"},
    {65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "Broker: Delegation Token authorization failed"},
    {66, "DELEGATION_TOKEN_EXPIRED", "Broker: Delegation Token is expired"},
    {67, "INVALID_PRINCIPAL_TYPE", "Broker: Supplied principalType is not supported"},
    {68, "NON_EMPTY_GROUP", "Broker: The group is not empty"},
    {69, "GROUP_ID_NOT_FOUND", "Broker: The group id does not exist"},
    {70, "FETCH_SESSION_ID_NOT_FOUND", "Broker: The fetch session ID was not found"},
    {71, "INVALID_FETCH_SESSION_EPOCH", "Broker: The fetch session epoch is invalid"},
    {72, "LISTENER_NOT_FOUND", "Broker: No matching listener"},
    {73, "TOPIC_DELETION_DISABLED", "Broker: Topic deletion is disabled"},
    {74, "FENCED_LEADER_EPOCH", "Broker: Leader epoch is older than broker epoch"},
    {75, "UNKNOWN_LEADER_EPOCH", "Broker: Leader epoch is newer than broker epoch"},
    {76, "UNSUPPORTED_COMPRESSION_TYPE", "Broker: Unsupported compression type"},
    {77, "STALE_BROKER_EPOCH", "Broker: Broker epoch has changed"},
    {78, "OFFSET_NOT_AVAILABLE", "Broker: Leader high watermark is not caught up"},
    {79, "MEMBER_ID_REQUIRED", "Broker: Group member needs a valid member ID"},
    {80, "PREFERRED_LEADER_NOT_AVAILABLE", "Broker: Preferred leader was not available"},
    {81, "GROUP_MAX_SIZE_REACHED", "Broker: Consumer group has reached maximum size"},
    {82, "FENCED_INSTANCE_ID", "Broker: Static consumer fenced by other consumer with same group.instance.id"},
    {83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", "Broker: Eligible partition leaders are not available"},
    {84, "ELECTION_NOT_NEEDED", "Broker: Leader election not needed for topic partition"},
    {85, "NO_REASSIGNMENT_IN_PROGRESS", "Broker: No partition reassignment is in progress"},
    {86, "GROUP_SUBSCRIBED_TO_TOPIC", "Broker: Deleting offsets of a topic while the consumer group is subscribed to it"},
    {87, "INVALID_RECORD", "Broker: Broker failed to validate record"},
    {88, "UNSTABLE_OFFSET_COMMIT", "Broker: There are unstable offsets that need to be cleared"},
    {89, "THROTTLING_QUOTA_EXCEEDED", "Broker: Throttling quota has been exceeded"},
    {90, "PRODUCER_FENCED", "Broker: There is a newer producer with the same transactionalId which fences the current one"},
    {91, "RESOURCE_NOT_FOUND", "Broker: Request illegally referred to resource that does not exist"},
    {92, "DUPLICATE_RESOURCE", "Broker: Request illegally referred to the same resource twice"},
    {93, "UNACCEPTABLE_CREDENTIAL", "Broker: Requested credential would not meet criteria for acceptability"},
    {94, "INCONSISTENT_VOTER_SET", "Broker: Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters"},
    {95, "INVALID_UPDATE_VERSION", "Broker: Invalid update version"},
    {96, "FEATURE_UPDATE_FAILED", "Broker: Unable to update finalized features due to server error"},
    {97, "PRINCIPAL_DESERIALIZATION_FAILURE", "Broker: Request principal deserialization failed during forwarding"},
};

constexpr int kBegin = RD_KAFKA_RESP_ERR__BEGIN;
constexpr int kSlots = RD_KAFKA_RESP_ERR_END_ALL - RD_KAFKA_RESP_ERR__BEGIN;

// librdkafka's layout: one slot per code from __BEGIN to END_ALL-1, unused slots zeroed.
struct DescTable {
  rd_kafka_err_desc slots[kSlots];
  DescTable() {
    for (int i = 0; i < kSlots; i++) slots[i] = {static_cast<rd_kafka_resp_err_t>(kBegin + i), nullptr, nullptr};
    for (const auto& e : kErrors) slots[e.code - kBegin] = {static_cast<rd_kafka_resp_err_t>(e.code), e.name, e.desc};
  }
};

const DescTable& desc_table() {
  static const DescTable t;
  return t;
}

const rd_kafka_err_desc* lookup(int code) {
  if (code <= kBegin || code >= RD_KAFKA_RESP_ERR_END_ALL) return nullptr;
  const rd_kafka_err_desc* d = &desc_table().slots[code - kBegin];
  return d->desc ? d : nullptr;
}

thread_local rd_kafka_resp_err_t tls_last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
thread_local char tls_unknown[32];

}  // namespace

const char* err_desc(int code) {
  const rd_kafka_err_desc* d = lookup(code);
  if (d) return d->desc;
  std::snprintf(tls_unknown, sizeof tls_unknown, "Err-%i?", code);
  return tls_unknown;
}

void set_last_error(rd_kafka_resp_err_t err) {
  tls_last_error = err;
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR: break;
    case RD_KAFKA_RESP_ERR__INVALID_ARG: errno = EINVAL; break;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL: errno = ENOBUFS; break;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: errno = EMSGSIZE; break;
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC: errno = ESRCH; break;
    case RD_KAFKA_RESP_ERR__FATAL: errno = ECANCELED; break;
    default: errno = EINVAL; break;
  }
}

}  // namespace kafkaplus::facade

using namespace kafkaplus::facade;

extern "C" {

int rd_kafka_version(void) { return RD_KAFKA_VERSION; }

const char* rd_kafka_version_str(void) {
  static const std::string s = [] {
    int v = RD_KAFKA_VERSION;
    return std::to_string((v >> 24) & 0xff) + "." + std::to_string((v >> 16) & 0xff) + "." +
           std::to_string((v >> 8) & 0xff);
  }();
  return s.c_str();
}

const char* rd_kafka_get_debug_contexts(void) { return RD_KAFKA_DEBUG_CONTEXTS; }

void rd_kafka_get_err_descs(const struct rd_kafka_err_desc** errdescs, size_t* cntp) {
  *errdescs = desc_table().slots;
  *cntp = kSlots;
}

const char* rd_kafka_err2str(rd_kafka_resp_err_t err) { return err_desc(err); }

const char* rd_kafka_err2name(rd_kafka_resp_err_t err) {
  const rd_kafka_err_desc* d = lookup(err);
  if (d) return d->name;
  std::snprintf(tls_unknown, sizeof tls_unknown, "ERR_%i?", static_cast<int>(err));
  return tls_unknown;
}

rd_kafka_resp_err_t rd_kafka_last_error(void) { return tls_last_error; }

rd_kafka_resp_err_t rd_kafka_errno2err(int errnox) {
  switch (errnox) {
    case EINVAL: return RD_KAFKA_RESP_ERR__INVALID_ARG;
    case EBUSY: return RD_KAFKA_RESP_ERR__CONFLICT;
    case ENOENT: return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    case ESRCH: return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
    case ETIMEDOUT: return RD_KAFKA_RESP_ERR__TIMED_OUT;
    case EMSGSIZE: return RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE;
    case ENOBUFS: return RD_KAFKA_RESP_ERR__QUEUE_FULL;
    case ECANCELED: return RD_KAFKA_RESP_ERR__FATAL;
    default: return RD_KAFKA_RESP_ERR__FAIL;
  }
}

int rd_kafka_errno(void) { return errno; }

rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t* error) {
  return error ? error->code : RD_KAFKA_RESP_ERR_NO_ERROR;
}

const char* rd_kafka_error_name(const rd_kafka_error_t* error) {
  return rd_kafka_err2name(error ? error->code : RD_KAFKA_RESP_ERR_NO_ERROR);
}

const char* rd_kafka_error_string(const rd_kafka_error_t* error) {
  if (!error) return "";
  return error->str.c_str();
}

int rd_kafka_error_is_fatal(const rd_kafka_error_t* error) { return error && error->fatal; }
int rd_kafka_error_is_retriable(const rd_kafka_error_t* error) { return error && error->retriable; }
int rd_kafka_error_txn_requires_abort(const rd_kafka_error_t* error) { return error && error->txn_requires_abort; }

void rd_kafka_error_destroy(rd_kafka_error_t* error) { delete error; }

rd_kafka_error_t* rd_kafka_error_new(rd_kafka_resp_err_t code, const char* fmt, ...) {
  auto* e = new rd_kafka_error_s();
  e->code = code;
  if (fmt && *fmt) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    e->str = buf;
  } else {
    e->str = rd_kafka_err2str(code);
  }
  return e;
}

}  // extern "C"
