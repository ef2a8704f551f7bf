// librdkafka's error numbering, used by every int error code the client core returns or reports:
//   0           no error
//   > 0 / -1    Kafka broker error codes (kafka::Error), e.g. 10 MSG_SIZE_TOO_LARGE
//   -200..-100  librdkafka's local errors (RD_KAFKA_RESP_ERR__*), below.
// Values are those of librdkafka's rdkafka.h (rd_kafka_resp_err_t); names drop the RD_KAFKA_RESP_ERR_
// prefix. The facades cast them straight to RdKafka::ErrorCode / rd_kafka_resp_err_t.
#pragma once

#include <span>
#include <string>

#include "kafka/protocol/errors.h"

namespace kafka::client {

enum class LocalErr : int {
  BEGIN = -200,
  BAD_MSG = -199,
  BAD_COMPRESSION = -198,
  DESTROY = -197,
  FAIL = -196,
  TRANSPORT = -195,
  CRIT_SYS_RESOURCE = -194,
  RESOLVE = -193,
  MSG_TIMED_OUT = -192,
  PARTITION_EOF = -191,
  UNKNOWN_PARTITION = -190,
  FS = -189,
  UNKNOWN_TOPIC = -188,
  ALL_BROKERS_DOWN = -187,
  INVALID_ARG = -186,
  TIMED_OUT = -185,
  QUEUE_FULL = -184,
  ISR_INSUFF = -183,
  NODE_UPDATE = -182,
  SSL = -181,
  WAIT_COORD = -180,
  UNKNOWN_GROUP = -179,
  IN_PROGRESS = -178,
  PREV_IN_PROGRESS = -177,
  EXISTING_SUBSCRIPTION = -176,
  ASSIGN_PARTITIONS = -175,
  REVOKE_PARTITIONS = -174,
  CONFLICT = -173,
  STATE = -172,
  UNKNOWN_PROTOCOL = -171,
  NOT_IMPLEMENTED = -170,
  AUTHENTICATION = -169,
  NO_OFFSET = -168,
  OUTDATED = -167,
  TIMED_OUT_QUEUE = -166,
  UNSUPPORTED_FEATURE = -165,
  WAIT_CACHE = -164,
  INTR = -163,
  KEY_SERIALIZATION = -162,
  VALUE_SERIALIZATION = -161,
  KEY_DESERIALIZATION = -160,
  VALUE_DESERIALIZATION = -159,
  PARTIAL = -158,
  READ_ONLY = -157,
  NOENT = -156,
  UNDERFLOW = -155,
  INVALID_TYPE = -154,
  RETRY = -153,
  PURGE_QUEUE = -152,
  PURGE_INFLIGHT = -151,
  FATAL = -150,
  INCONSISTENT = -149,
  GAPLESS_GUARANTEE = -148,
  MAX_POLL_EXCEEDED = -147,
  UNKNOWN_BROKER = -146,
  NOT_CONFIGURED = -145,
  FENCED = -144,
  APPLICATION = -143,
  ASSIGNMENT_LOST = -142,
  NOOP = -141,
  AUTO_OFFSET_RESET = -140,
  END = -100,
};

constexpr int err(LocalErr e) { return static_cast<int>(e); }
constexpr int err(kafka::Error e) { return static_cast<int>(e); }

struct ErrorInfo {
  int code;
  const char* name;
  const char* desc;
};
// Every code librdkafka has a description for, ascending (local errors and broker errors).
std::span<const ErrorInfo> error_table();
// nullptr for codes librdkafka does not describe.
const ErrorInfo* find_error(int code);

// librdkafka's error names without the RD_KAFKA_RESP_ERR_ prefix: "_MSG_TIMED_OUT",
// "NOT_LEADER_OR_FOLLOWER" (local errors keep their leading underscore, as rd_kafka_err2name).
std::string err_name(int code);
// A short human description, in the spirit of rd_kafka_err2str.
std::string err_str(int code);

}  // namespace kafka::client
