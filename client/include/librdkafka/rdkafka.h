/*
 * kafkaplus: C client API, source-compatible with librdkafka's <librdkafka/rdkafka.h>.
 *
 * Programs written against librdkafka's C API for producing and for high-level (group)
 * consuming compile unchanged against this header and link against libkafkaplus.  Names,
 * signatures, struct layouts and numeric values follow librdkafka 2.0.2 (plus the 2.1 leader
 * epoch accessors); the implementation is kafkaplus' own client (no librdkafka inside).
 *
 * Covered: version, error codes and their strings, configuration objects (global and topic
 * level, librdkafka property names, aliases, defaults and validation), the producer handle
 * (rd_kafka_new/produce/producev/produceva/produce_batch/poll/flush/purge/outq_len),
 * topics, headers, delivery-report and consumed messages, topic partition lists, the
 * high-level consumer (subscribe/assign/consumer_poll/commit/committed/position/seek/
 * offsets_store/pause/resume/close, rebalance and offset-commit callbacks, group metadata),
 * the legacy simple consumer (consume_start/consume/consume_batch/consume_callback/
 * consume_stop), metadata, watermark offsets, offsets for times, fatal errors and the built-in
 * partitioner functions, and the transactional producer.  Admin and queue/event APIs are not declared here:
 * kafkaplus does not implement them yet.
 */
#ifndef KAFKAPLUS_LIBRDKAFKA_RDKAFKA_H
#define KAFKAPLUS_LIBRDKAFKA_RDKAFKA_H
/* librdkafka's own include guard, so code that tests for it keeps working. */
#ifndef _RDKAFKA_H_
#define _RDKAFKA_H_
#endif

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define RD_UNUSED __attribute__((unused))
#define RD_DEPRECATED __attribute__((deprecated))
#define RD_FORMAT(...) __attribute__((format(__VA_ARGS__)))
#define RD_EXPORT __attribute__((visibility("default")))
#else
#define RD_UNUSED
#define RD_DEPRECATED
#define RD_FORMAT(...)
#define RD_EXPORT
#endif
#define RD_INLINE inline

/* ------------------------------------------------------------------------------------------
 * Version
 * ------------------------------------------------------------------------------------------ */

/* 0xMMmmrrxx: major, minor, revision, pre-release (0xff = final).  The API level this header
 * provides; rd_kafka_version() returns the same value at run time. */
#define RD_KAFKA_VERSION 0x020002ff

RD_EXPORT int rd_kafka_version(void);
RD_EXPORT const char *rd_kafka_version_str(void);

/* ------------------------------------------------------------------------------------------
 * Types and constants
 * ------------------------------------------------------------------------------------------ */

typedef enum rd_kafka_type_t {
  RD_KAFKA_PRODUCER = 0,
  RD_KAFKA_CONSUMER = 1
} rd_kafka_type_t;

typedef enum rd_kafka_timestamp_type_t {
  RD_KAFKA_TIMESTAMP_NOT_AVAILABLE = 0,
  RD_KAFKA_TIMESTAMP_CREATE_TIME = 1,
  RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME = 2
} rd_kafka_timestamp_type_t;

/* Debug contexts accepted by the "debug" property. */
#define RD_KAFKA_DEBUG_CONTEXTS                                                              \
  "all,generic,broker,topic,metadata,feature,queue,msg,protocol,cgrp,security,fetch,"        \
  "interceptor,plugin,consumer,admin,eos,mock,assignor,conf"
RD_EXPORT const char *rd_kafka_get_debug_contexts(void);

/* Opaque handles. */
typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_topic_s rd_kafka_topic_t;
typedef struct rd_kafka_conf_s rd_kafka_conf_t;
typedef struct rd_kafka_topic_conf_s rd_kafka_topic_conf_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;
typedef struct rd_kafka_headers_s rd_kafka_headers_t;
typedef struct rd_kafka_consumer_group_metadata_s rd_kafka_consumer_group_metadata_t;

/* Error codes.  Negative values below RD_KAFKA_RESP_ERR__END are client-side ("Local: ...")
 * errors; values from -1 up are the Kafka protocol's error codes ("Broker: ..."). */
typedef enum {
  RD_KAFKA_RESP_ERR__BEGIN = -200,
  RD_KAFKA_RESP_ERR__BAD_MSG = -199,
  RD_KAFKA_RESP_ERR__BAD_COMPRESSION = -198,
  RD_KAFKA_RESP_ERR__DESTROY = -197,
  RD_KAFKA_RESP_ERR__FAIL = -196,
  RD_KAFKA_RESP_ERR__TRANSPORT = -195,
  RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE = -194,
  RD_KAFKA_RESP_ERR__RESOLVE = -193,
  RD_KAFKA_RESP_ERR__MSG_TIMED_OUT = -192,
  RD_KAFKA_RESP_ERR__PARTITION_EOF = -191,
  RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION = -190,
  RD_KAFKA_RESP_ERR__FS = -189,
  RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC = -188,
  RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN = -187,
  RD_KAFKA_RESP_ERR__INVALID_ARG = -186,
  RD_KAFKA_RESP_ERR__TIMED_OUT = -185,
  RD_KAFKA_RESP_ERR__QUEUE_FULL = -184,
  RD_KAFKA_RESP_ERR__ISR_INSUFF = -183,
  RD_KAFKA_RESP_ERR__NODE_UPDATE = -182,
  RD_KAFKA_RESP_ERR__SSL = -181,
  RD_KAFKA_RESP_ERR__WAIT_COORD = -180,
  RD_KAFKA_RESP_ERR__UNKNOWN_GROUP = -179,
  RD_KAFKA_RESP_ERR__IN_PROGRESS = -178,
  RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS = -177,
  RD_KAFKA_RESP_ERR__EXISTING_SUBSCRIPTION = -176,
  RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS = -175,
  RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS = -174,
  RD_KAFKA_RESP_ERR__CONFLICT = -173,
  RD_KAFKA_RESP_ERR__STATE = -172,
  RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL = -171,
  RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED = -170,
  RD_KAFKA_RESP_ERR__AUTHENTICATION = -169,
  RD_KAFKA_RESP_ERR__NO_OFFSET = -168,
  RD_KAFKA_RESP_ERR__OUTDATED = -167,
  RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE = -166,
  RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE = -165,
  RD_KAFKA_RESP_ERR__WAIT_CACHE = -164,
  RD_KAFKA_RESP_ERR__INTR = -163,
  RD_KAFKA_RESP_ERR__KEY_SERIALIZATION = -162,
  RD_KAFKA_RESP_ERR__VALUE_SERIALIZATION = -161,
  RD_KAFKA_RESP_ERR__KEY_DESERIALIZATION = -160,
  RD_KAFKA_RESP_ERR__VALUE_DESERIALIZATION = -159,
  RD_KAFKA_RESP_ERR__PARTIAL = -158,
  RD_KAFKA_RESP_ERR__READ_ONLY = -157,
  RD_KAFKA_RESP_ERR__NOENT = -156,
  RD_KAFKA_RESP_ERR__UNDERFLOW = -155,
  RD_KAFKA_RESP_ERR__INVALID_TYPE = -154,
  RD_KAFKA_RESP_ERR__RETRY = -153,
  RD_KAFKA_RESP_ERR__PURGE_QUEUE = -152,
  RD_KAFKA_RESP_ERR__PURGE_INFLIGHT = -151,
  RD_KAFKA_RESP_ERR__FATAL = -150,
  RD_KAFKA_RESP_ERR__INCONSISTENT = -149,
  RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE = -148,
  RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED = -147,
  RD_KAFKA_RESP_ERR__UNKNOWN_BROKER = -146,
  RD_KAFKA_RESP_ERR__NOT_CONFIGURED = -145,
  RD_KAFKA_RESP_ERR__FENCED = -144,
  RD_KAFKA_RESP_ERR__APPLICATION = -143,
  RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST = -142,
  RD_KAFKA_RESP_ERR__NOOP = -141,
  RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET = -140,
  RD_KAFKA_RESP_ERR__END = -100,

  /* Errors reported by the broker (Kafka protocol error codes). */
  RD_KAFKA_RESP_ERR_UNKNOWN = -1,
  RD_KAFKA_RESP_ERR_NO_ERROR = 0,
  RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE = 1,
  RD_KAFKA_RESP_ERR_INVALID_MSG = 2,
  RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART = 3,
  RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE = 4,
  RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE = 5,
  RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION = 6,
  RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT = 7,
  RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE = 8,
  RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE = 9,
  RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE = 10,
  RD_KAFKA_RESP_ERR_STALE_CTRL_EPOCH = 11,
  RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE = 12,
  RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION = 13,
  RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
  RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE = 15,
  RD_KAFKA_RESP_ERR_NOT_COORDINATOR = 16,
  RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION = 17,
  RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE = 18,
  RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS = 19,
  RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
  RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS = 21,
  RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION = 22,
  RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL = 23,
  RD_KAFKA_RESP_ERR_INVALID_GROUP_ID = 24,
  RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID = 25,
  RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT = 26,
  RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS = 27,
  RD_KAFKA_RESP_ERR_INVALID_COMMIT_OFFSET_SIZE = 28,
  RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED = 29,
  RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED = 30,
  RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED = 31,
  RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP = 32,
  RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM = 33,
  RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE = 34,
  RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION = 35,
  RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS = 36,
  RD_KAFKA_RESP_ERR_INVALID_PARTITIONS = 37,
  RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR = 38,
  RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT = 39,
  RD_KAFKA_RESP_ERR_INVALID_CONFIG = 40,
  RD_KAFKA_RESP_ERR_NOT_CONTROLLER = 41,
  RD_KAFKA_RESP_ERR_INVALID_REQUEST = 42,
  RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
  RD_KAFKA_RESP_ERR_POLICY_VIOLATION = 44,
  RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
  RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER = 46,
  RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH = 47,
  RD_KAFKA_RESP_ERR_INVALID_TXN_STATE = 48,
  RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING = 49,
  RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT = 50,
  RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS = 51,
  RD_KAFKA_RESP_ERR_TRANSACTION_COORDINATOR_FENCED = 52,
  RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
  RD_KAFKA_RESP_ERR_SECURITY_DISABLED = 54,
  RD_KAFKA_RESP_ERR_OPERATION_NOT_ATTEMPTED = 55,
  RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR = 56,
  RD_KAFKA_RESP_ERR_LOG_DIR_NOT_FOUND = 57,
  RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED = 58,
  RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID = 59,
  RD_KAFKA_RESP_ERR_REASSIGNMENT_IN_PROGRESS = 60,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTH_DISABLED = 61,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_NOT_FOUND = 62,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_OWNER_MISMATCH = 63,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED = 64,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED = 65,
  RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_EXPIRED = 66,
  RD_KAFKA_RESP_ERR_INVALID_PRINCIPAL_TYPE = 67,
  RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP = 68,
  RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND = 69,
  RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND = 70,
  RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH = 71,
  RD_KAFKA_RESP_ERR_LISTENER_NOT_FOUND = 72,
  RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED = 73,
  RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH = 74,
  RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH = 75,
  RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
  RD_KAFKA_RESP_ERR_STALE_BROKER_EPOCH = 77,
  RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE = 78,
  RD_KAFKA_RESP_ERR_MEMBER_ID_REQUIRED = 79,
  RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE = 80,
  RD_KAFKA_RESP_ERR_GROUP_MAX_SIZE_REACHED = 81,
  RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID = 82,
  RD_KAFKA_RESP_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE = 83,
  RD_KAFKA_RESP_ERR_ELECTION_NOT_NEEDED = 84,
  RD_KAFKA_RESP_ERR_NO_REASSIGNMENT_IN_PROGRESS = 85,
  RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86,
  RD_KAFKA_RESP_ERR_INVALID_RECORD = 87,
  RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT = 88,
  RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED = 89,
  RD_KAFKA_RESP_ERR_PRODUCER_FENCED = 90,
  RD_KAFKA_RESP_ERR_RESOURCE_NOT_FOUND = 91,
  RD_KAFKA_RESP_ERR_DUPLICATE_RESOURCE = 92,
  RD_KAFKA_RESP_ERR_UNACCEPTABLE_CREDENTIAL = 93,
  RD_KAFKA_RESP_ERR_INCONSISTENT_VOTER_SET = 94,
  RD_KAFKA_RESP_ERR_INVALID_UPDATE_VERSION = 95,
  RD_KAFKA_RESP_ERR_FEATURE_UPDATE_FAILED = 96,
  RD_KAFKA_RESP_ERR_PRINCIPAL_DESERIALIZATION_FAILURE = 97,

  RD_KAFKA_RESP_ERR_END_ALL
} rd_kafka_resp_err_t;

/* Older names kept by librdkafka for three coordinator errors. */
#define RD_KAFKA_RESP_ERR_GROUP_LOAD_IN_PROGRESS RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS
#define RD_KAFKA_RESP_ERR_GROUP_COORDINATOR_NOT_AVAILABLE RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE
#define RD_KAFKA_RESP_ERR_NOT_COORDINATOR_FOR_GROUP RD_KAFKA_RESP_ERR_NOT_COORDINATOR

struct rd_kafka_err_desc {
  rd_kafka_resp_err_t code;
  const char *name; /* enum name without the RD_KAFKA_RESP_ERR prefix, e.g. "_TIMED_OUT" */
  const char *desc; /* same text as rd_kafka_err2str() */
};

/* The whole table, indexed by (code - RD_KAFKA_RESP_ERR__BEGIN); unused slots have NULL
 * name and desc. */
RD_EXPORT void rd_kafka_get_err_descs(const struct rd_kafka_err_desc **errdescs, size_t *cntp);
RD_EXPORT const char *rd_kafka_err2str(rd_kafka_resp_err_t err);
RD_EXPORT const char *rd_kafka_err2name(rd_kafka_resp_err_t err);
/* Error of the last failed legacy call (rd_kafka_topic_new, rd_kafka_produce) in this thread. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_last_error(void);
RD_EXPORT RD_DEPRECATED rd_kafka_resp_err_t rd_kafka_errno2err(int errnox);
RD_EXPORT RD_DEPRECATED int rd_kafka_errno(void);

/* The fatal error raised on this instance, if any (RD_KAFKA_RESP_ERR_NO_ERROR otherwise);
 * the reason is copied into errstr. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_fatal_error(rd_kafka_t *rk, char *errstr,
                                                   size_t errstr_size);

/* Rich error objects (returned by rd_kafka_produceva()). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_error_code(const rd_kafka_error_t *error);
RD_EXPORT const char *rd_kafka_error_name(const rd_kafka_error_t *error);
RD_EXPORT const char *rd_kafka_error_string(const rd_kafka_error_t *error);
RD_EXPORT int rd_kafka_error_is_fatal(const rd_kafka_error_t *error);
RD_EXPORT int rd_kafka_error_is_retriable(const rd_kafka_error_t *error);
RD_EXPORT int rd_kafka_error_txn_requires_abort(const rd_kafka_error_t *error);
RD_EXPORT void rd_kafka_error_destroy(rd_kafka_error_t *error);
RD_EXPORT rd_kafka_error_t *rd_kafka_error_new(rd_kafka_resp_err_t code, const char *fmt, ...)
    RD_FORMAT(printf, 2, 3);

/* ------------------------------------------------------------------------------------------
 * Variable-argument message description (rd_kafka_producev / rd_kafka_produceva)
 * ------------------------------------------------------------------------------------------ */

typedef enum rd_kafka_vtype_t {
  RD_KAFKA_VTYPE_END,       /* terminates the list */
  RD_KAFKA_VTYPE_TOPIC,     /* const char *topic */
  RD_KAFKA_VTYPE_RKT,       /* rd_kafka_topic_t *rkt */
  RD_KAFKA_VTYPE_PARTITION, /* int32_t partition */
  RD_KAFKA_VTYPE_VALUE,     /* void *payload, size_t len */
  RD_KAFKA_VTYPE_KEY,       /* const void *key, size_t len */
  RD_KAFKA_VTYPE_OPAQUE,    /* void *msg_opaque */
  RD_KAFKA_VTYPE_MSGFLAGS,  /* int RD_KAFKA_MSG_F_* */
  RD_KAFKA_VTYPE_TIMESTAMP, /* int64_t milliseconds since the epoch */
  RD_KAFKA_VTYPE_HEADER,    /* const char *name, const void *value, ssize_t size */
  RD_KAFKA_VTYPE_HEADERS    /* rd_kafka_headers_t *: ownership moves to the message */
} rd_kafka_vtype_t;

/* One element of an rd_kafka_produceva() array; which union member is read depends on vtype
 * (the same field the matching RD_KAFKA_V_*() macro passes). */
typedef struct rd_kafka_vu_s {
  rd_kafka_vtype_t vtype;
  union {
    const char *cstr;
    rd_kafka_topic_t *rkt;
    int i;
    int32_t i32;
    int64_t i64;
    struct {
      void *ptr;
      size_t size;
    } mem;
    struct {
      const char *name;
      const void *val;
      ssize_t size;
    } header;
    rd_kafka_headers_t *headers;
    void *ptr;
    char _pad[64];
  } u;
} rd_kafka_vu_t;

/* Each macro expands to the vtype tag followed by its argument(s), cast to the exact types
 * rd_kafka_producev() reads back with va_arg. */
#define RD_KAFKA_V_END RD_KAFKA_VTYPE_END
#define RD_KAFKA_V_TOPIC(topic) RD_KAFKA_VTYPE_TOPIC, (const char *)(topic)
#define RD_KAFKA_V_RKT(rkt) RD_KAFKA_VTYPE_RKT, (rd_kafka_topic_t *)(rkt)
#define RD_KAFKA_V_PARTITION(partition) RD_KAFKA_VTYPE_PARTITION, (int32_t)(partition)
#define RD_KAFKA_V_VALUE(VALUE, LEN) RD_KAFKA_VTYPE_VALUE, (void *)(VALUE), (size_t)(LEN)
#define RD_KAFKA_V_KEY(KEY, LEN) RD_KAFKA_VTYPE_KEY, (void *)(KEY), (size_t)(LEN)
#define RD_KAFKA_V_OPAQUE(msg_opaque) RD_KAFKA_VTYPE_OPAQUE, (void *)(msg_opaque)
#define RD_KAFKA_V_MSGFLAGS(msgflags) RD_KAFKA_VTYPE_MSGFLAGS, (int)(msgflags)
#define RD_KAFKA_V_TIMESTAMP(timestamp) RD_KAFKA_VTYPE_TIMESTAMP, (int64_t)(timestamp)
#define RD_KAFKA_V_HEADER(NAME, VALUE, LEN)                                                  \
  RD_KAFKA_VTYPE_HEADER, (const char *)(NAME), (const void *)(VALUE), (ssize_t)(LEN)
#define RD_KAFKA_V_HEADERS(HDRS) RD_KAFKA_VTYPE_HEADERS, (rd_kafka_headers_t *)(HDRS)

/* ------------------------------------------------------------------------------------------
 * Headers
 * ------------------------------------------------------------------------------------------ */

RD_EXPORT rd_kafka_headers_t *rd_kafka_headers_new(size_t initial_count);
RD_EXPORT void rd_kafka_headers_destroy(rd_kafka_headers_t *hdrs);
RD_EXPORT rd_kafka_headers_t *rd_kafka_headers_copy(const rd_kafka_headers_t *src);
/* name_size / value_size -1: NUL-terminated.  A NULL value is a null header value. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_header_add(rd_kafka_headers_t *hdrs, const char *name,
                                                  ssize_t name_size, const void *value,
                                                  ssize_t value_size);
/* Removes every header called name; RD_KAFKA_RESP_ERR__NOENT if there was none. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_header_remove(rd_kafka_headers_t *hdrs,
                                                     const char *name);
RD_EXPORT rd_kafka_resp_err_t rd_kafka_header_get_last(const rd_kafka_headers_t *hdrs,
                                                       const char *name, const void **valuep,
                                                       size_t *sizep);
/* The idx'th header called name (0-based among those with that name). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_header_get(const rd_kafka_headers_t *hdrs, size_t idx,
                                                  const char *name, const void **valuep,
                                                  size_t *sizep);
/* The idx'th header of the list, whatever its name. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_header_get_all(const rd_kafka_headers_t *hdrs,
                                                      size_t idx, const char **namep,
                                                      const void **valuep, size_t *sizep);
RD_EXPORT size_t rd_kafka_header_cnt(const rd_kafka_headers_t *hdrs);

/* ------------------------------------------------------------------------------------------
 * Topic partition lists
 * ------------------------------------------------------------------------------------------ */

typedef struct rd_kafka_topic_partition_s {
  char *topic;
  int32_t partition;
  int64_t offset;
  void *metadata; /* commit metadata, owned by the list (copied by the library) */
  size_t metadata_size;
  void *opaque;            /* the application's; the library never touches it */
  rd_kafka_resp_err_t err; /* per-partition result of the call that filled the list */
  void *_private;          /* library use (leader epoch): zero it, don't touch it */
} rd_kafka_topic_partition_t;

/* Frees a single partition that is not part of a list. */
RD_EXPORT void rd_kafka_topic_partition_destroy(rd_kafka_topic_partition_t *rktpar);

/* Leader epoch of the partition's offset, -1 if unknown (librdkafka 2.1 API). */
RD_EXPORT void rd_kafka_topic_partition_set_leader_epoch(rd_kafka_topic_partition_t *rktpar,
                                                         int32_t leader_epoch);
RD_EXPORT int32_t
rd_kafka_topic_partition_get_leader_epoch(const rd_kafka_topic_partition_t *rktpar);

typedef struct rd_kafka_topic_partition_list_s {
  int cnt;  /* elements in use */
  int size; /* elements allocated */
  rd_kafka_topic_partition_t *elems;
} rd_kafka_topic_partition_list_t;

/* size: the expected number of elements (the list grows as needed). */
RD_EXPORT rd_kafka_topic_partition_list_t *rd_kafka_topic_partition_list_new(int size);
RD_EXPORT void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t *rkparlist);
/* Appends topic/partition (offset RD_KAFKA_OFFSET_INVALID) and returns the new element, which
 * stays valid until the list is changed again. */
RD_EXPORT rd_kafka_topic_partition_t *
rd_kafka_topic_partition_list_add(rd_kafka_topic_partition_list_t *rktparlist, const char *topic,
                                  int32_t partition);
/* Appends partitions start..stop (inclusive). */
RD_EXPORT void rd_kafka_topic_partition_list_add_range(rd_kafka_topic_partition_list_t *rktparlist,
                                                       const char *topic, int32_t start,
                                                       int32_t stop);
/* Removes the first matching element: 1 if one was removed, else 0. */
RD_EXPORT int rd_kafka_topic_partition_list_del(rd_kafka_topic_partition_list_t *rktparlist,
                                                const char *topic, int32_t partition);
RD_EXPORT int rd_kafka_topic_partition_list_del_by_idx(rd_kafka_topic_partition_list_t *rktparlist,
                                                       int idx);
RD_EXPORT rd_kafka_topic_partition_list_t *
rd_kafka_topic_partition_list_copy(const rd_kafka_topic_partition_list_t *src);
/* RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION if the list has no such element. */
RD_EXPORT rd_kafka_resp_err_t
rd_kafka_topic_partition_list_set_offset(rd_kafka_topic_partition_list_t *rktparlist,
                                         const char *topic, int32_t partition, int64_t offset);
/* The first matching element or NULL. */
RD_EXPORT rd_kafka_topic_partition_t *
rd_kafka_topic_partition_list_find(const rd_kafka_topic_partition_list_t *rktparlist,
                                   const char *topic, int32_t partition);
/* cmp NULL: by topic name, then partition. */
RD_EXPORT void rd_kafka_topic_partition_list_sort(rd_kafka_topic_partition_list_t *rktparlist,
                                                  int (*cmp)(const void *a, const void *b,
                                                             void *cmp_opaque),
                                                  void *cmp_opaque);

/* ------------------------------------------------------------------------------------------
 * Messages: delivery reports (producer) and consumed messages (consumer)
 * ------------------------------------------------------------------------------------------ */

typedef struct rd_kafka_message_s {
  rd_kafka_resp_err_t err; /* producer: delivery result; consumer: error event if non-zero */
  rd_kafka_topic_t *rkt;   /* topic handle (valid as long as the rd_kafka_t) */
  int32_t partition;
  void *payload; /* producer: the application's payload (or the library's copy);
                  * consumer: the value (NULL for a null value), or the error text */
  size_t len;
  void *key; /* NULL for a null key */
  size_t key_len;
  int64_t offset; /* the message's offset, or RD_KAFKA_OFFSET_INVALID */
  void *_private; /* producer: the per-message opaque given to produce(); consumer: library's */
} rd_kafka_message_t;

/* Frees a message returned by rd_kafka_consumer_poll() (payload and key go with it). */
RD_EXPORT void rd_kafka_message_destroy(rd_kafka_message_t *rkmessage);

typedef enum {
  RD_KAFKA_MSG_STATUS_NOT_PERSISTED = 0,
  RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED = 1,
  RD_KAFKA_MSG_STATUS_PERSISTED = 2
} rd_kafka_msg_status_t;

/* Error string of a failed message (NULL when err is 0). */
RD_EXPORT const char *rd_kafka_message_errstr(const rd_kafka_message_t *rkmessage);
RD_EXPORT int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *rkmessage,
                                             rd_kafka_timestamp_type_t *tstype);
/* Microseconds from produce() to the delivery report, or -1. */
RD_EXPORT int64_t rd_kafka_message_latency(const rd_kafka_message_t *rkmessage);
RD_EXPORT int32_t rd_kafka_message_broker_id(const rd_kafka_message_t *rkmessage);
/* The message's headers (owned by the message); RD_KAFKA_RESP_ERR__NOENT if it has none. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t *rkmessage,
                                                       rd_kafka_headers_t **hdrsp);
RD_EXPORT rd_kafka_resp_err_t rd_kafka_message_detach_headers(rd_kafka_message_t *rkmessage,
                                                              rd_kafka_headers_t **hdrsp);
RD_EXPORT rd_kafka_msg_status_t rd_kafka_message_status(const rd_kafka_message_t *rkmessage);
/* Leader epoch of a consumed message, -1 if unknown (librdkafka 2.1 API). */
RD_EXPORT int32_t rd_kafka_message_leader_epoch(const rd_kafka_message_t *rkmessage);

/* ------------------------------------------------------------------------------------------
 * Configuration
 * ------------------------------------------------------------------------------------------ */

typedef enum {
  RD_KAFKA_CONF_UNKNOWN = -2, /* no such property */
  RD_KAFKA_CONF_INVALID = -1, /* bad value */
  RD_KAFKA_CONF_OK = 0
} rd_kafka_conf_res_t;

RD_EXPORT rd_kafka_conf_t *rd_kafka_conf_new(void);
RD_EXPORT void rd_kafka_conf_destroy(rd_kafka_conf_t *conf);
RD_EXPORT rd_kafka_conf_t *rd_kafka_conf_dup(const rd_kafka_conf_t *conf);
/* Copy that leaves out every property whose name starts with one of the filter prefixes. */
RD_EXPORT rd_kafka_conf_t *rd_kafka_conf_dup_filter(const rd_kafka_conf_t *conf,
                                                    size_t filter_cnt, const char **filter);
/* Sets a global property; names that are only topic-level properties are applied to the
 * default topic configuration (which is created on demand). */
RD_EXPORT rd_kafka_conf_res_t rd_kafka_conf_set(rd_kafka_conf_t *conf, const char *name,
                                                const char *value, char *errstr,
                                                size_t errstr_size);
RD_EXPORT void rd_kafka_conf_set_dr_cb(rd_kafka_conf_t *conf,
                                       void (*dr_cb)(rd_kafka_t *rk, void *payload,
                                                     size_t len, rd_kafka_resp_err_t err,
                                                     void *opaque, void *msg_opaque));
RD_EXPORT void rd_kafka_conf_set_dr_msg_cb(rd_kafka_conf_t *conf,
                                           void (*dr_msg_cb)(rd_kafka_t *rk,
                                                             const rd_kafka_message_t *rkmessage,
                                                             void *opaque));
RD_EXPORT void rd_kafka_conf_set_error_cb(rd_kafka_conf_t *conf,
                                          void (*error_cb)(rd_kafka_t *rk, int err,
                                                           const char *reason, void *opaque));
/* Log lines are delivered from the library's threads as they happen. */
RD_EXPORT void rd_kafka_conf_set_log_cb(rd_kafka_conf_t *conf,
                                        void (*log_cb)(const rd_kafka_t *rk, int level,
                                                       const char *fac, const char *buf));
/* Statistics JSON every statistics.interval.ms, served by rd_kafka_poll().  Return 0 to let
 * the library free json, 1 to keep it (then free it with rd_kafka_mem_free()). */
RD_EXPORT void rd_kafka_conf_set_stats_cb(rd_kafka_conf_t *conf,
                                          int (*stats_cb)(rd_kafka_t *rk, char *json,
                                                          size_t json_len, void *opaque));
/* Consumer: messages served by rd_kafka_poll() after rd_kafka_poll_set_consumer(); the
 * library frees each message after the callback. */
RD_EXPORT void rd_kafka_conf_set_consume_cb(rd_kafka_conf_t *conf,
                                            void (*consume_cb)(rd_kafka_message_t *rkmessage,
                                                               void *opaque));
/* Consumer group rebalances: err is RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS or
 * RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS; the callback must call rd_kafka_assign() (eager
 * protocols) or rd_kafka_incremental_assign()/_unassign() (cooperative) with partitions. */
RD_EXPORT void rd_kafka_conf_set_rebalance_cb(
    rd_kafka_conf_t *conf,
    void (*rebalance_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *partitions, void *opaque));
/* Result of every offset commit (automatic, rd_kafka_commit() async or sync). */
RD_EXPORT void rd_kafka_conf_set_offset_commit_cb(
    rd_kafka_conf_t *conf,
    void (*offset_commit_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque));
RD_EXPORT void rd_kafka_conf_set_opaque(rd_kafka_conf_t *conf, void *opaque);
RD_EXPORT void *rd_kafka_opaque(const rd_kafka_t *rk);
/* Takes ownership of tconf. */
RD_EXPORT void rd_kafka_conf_set_default_topic_conf(rd_kafka_conf_t *conf,
                                                    rd_kafka_topic_conf_t *tconf);
/* Reads a property as a string.  With dest NULL only *dest_size (length + 1) is set. */
RD_EXPORT rd_kafka_conf_res_t rd_kafka_conf_get(const rd_kafka_conf_t *conf, const char *name,
                                                char *dest, size_t *dest_size);
RD_EXPORT rd_kafka_conf_res_t rd_kafka_topic_conf_get(const rd_kafka_topic_conf_t *conf,
                                                      const char *name, char *dest,
                                                      size_t *dest_size);
/* name, value, name, value, ...: *cntp is the number of strings (twice the properties). */
RD_EXPORT const char **rd_kafka_conf_dump(rd_kafka_conf_t *conf, size_t *cntp);
RD_EXPORT const char **rd_kafka_topic_conf_dump(rd_kafka_topic_conf_t *conf, size_t *cntp);
RD_EXPORT void rd_kafka_conf_dump_free(const char **arr, size_t cnt);
/* Prints the table of supported properties. */
RD_EXPORT void rd_kafka_conf_properties_show(FILE *fp);

RD_EXPORT rd_kafka_topic_conf_t *rd_kafka_topic_conf_new(void);
RD_EXPORT rd_kafka_topic_conf_t *rd_kafka_topic_conf_dup(const rd_kafka_topic_conf_t *conf);
RD_EXPORT rd_kafka_topic_conf_t *rd_kafka_default_topic_conf_dup(rd_kafka_t *rk);
RD_EXPORT void rd_kafka_topic_conf_destroy(rd_kafka_topic_conf_t *topic_conf);
RD_EXPORT rd_kafka_conf_res_t rd_kafka_topic_conf_set(rd_kafka_topic_conf_t *conf,
                                                      const char *name, const char *value,
                                                      char *errstr, size_t errstr_size);
RD_EXPORT void rd_kafka_topic_conf_set_opaque(rd_kafka_topic_conf_t *conf, void *rkt_opaque);
/* A custom partitioner.  It is called from the thread that produces and must return a
 * partition in [0, partition_cnt) or RD_KAFKA_PARTITION_UA when none fits. */
RD_EXPORT void rd_kafka_topic_conf_set_partitioner_cb(
    rd_kafka_topic_conf_t *topic_conf,
    int32_t (*partitioner)(const rd_kafka_topic_t *rkt, const void *keydata, size_t keylen,
                           int32_t partition_cnt, void *rkt_opaque, void *msg_opaque));

/* Only valid inside a partitioner callback: does the partition have a leader? */
RD_EXPORT int rd_kafka_topic_partition_available(const rd_kafka_topic_t *rkt,
                                                 int32_t partition);

/* The built-in partitioners, usable from a custom partitioner. */
#define KAFKAPLUS_DECLARE_PARTITIONER(NAME)                                                  \
  RD_EXPORT int32_t NAME(const rd_kafka_topic_t *rkt, const void *key, size_t keylen,       \
                         int32_t partition_cnt, void *rkt_opaque, void *msg_opaque)
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_random);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_consistent);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_consistent_random);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_murmur2);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_murmur2_random);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_fnv1a);
KAFKAPLUS_DECLARE_PARTITIONER(rd_kafka_msg_partitioner_fnv1a_random);
#undef KAFKAPLUS_DECLARE_PARTITIONER

/* ------------------------------------------------------------------------------------------
 * Client instance
 * ------------------------------------------------------------------------------------------ */

/* Creates a producer or a consumer.  On success conf is owned by the instance; on failure
 * (NULL returned, reason in errstr) it still belongs to the caller. */
RD_EXPORT rd_kafka_t *rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, char *errstr,
                                   size_t errstr_size);
/* Stops the instance; messages still queued fail with RD_KAFKA_RESP_ERR__DESTROY (call
 * rd_kafka_flush() first to deliver them).  A consumer is closed first (as by
 * rd_kafka_consumer_close()) unless RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE is given.  Consumed
 * messages must be destroyed before their instance. */
RD_EXPORT void rd_kafka_destroy(rd_kafka_t *rk);
#define RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE 0x8
RD_EXPORT void rd_kafka_destroy_flags(rd_kafka_t *rk, int flags);
RD_EXPORT const char *rd_kafka_name(const rd_kafka_t *rk);
RD_EXPORT rd_kafka_type_t rd_kafka_type(const rd_kafka_t *rk);
/* Consumer group member id (free with rd_kafka_mem_free()); NULL for a producer. */
RD_EXPORT char *rd_kafka_memberid(const rd_kafka_t *rk);
/* The library's allocator: for memory handed to or received from the library. */
RD_EXPORT void *rd_kafka_mem_calloc(rd_kafka_t *rk, size_t num, size_t size);
RD_EXPORT void *rd_kafka_mem_malloc(rd_kafka_t *rk, size_t size);
RD_EXPORT void rd_kafka_mem_free(rd_kafka_t *rk, void *ptr);
/* Cluster id (free with rd_kafka_mem_free()) and controller broker id from metadata; NULL / -1
 * if not known within timeout_ms. */
RD_EXPORT char *rd_kafka_clusterid(rd_kafka_t *rk, int timeout_ms);
RD_EXPORT int32_t rd_kafka_controllerid(rd_kafka_t *rk, int timeout_ms);
/* Waits until every rd_kafka_t has been destroyed: 0, or -1 on timeout. */
RD_EXPORT int rd_kafka_wait_destroyed(int timeout_ms);
/* Serves queued callbacks (delivery reports, errors, statistics, rebalances, commits);
 * returns how many. */
RD_EXPORT int rd_kafka_poll(rd_kafka_t *rk, int timeout_ms);
RD_EXPORT int rd_kafka_outq_len(rd_kafka_t *rk);
RD_EXPORT void rd_kafka_set_log_level(rd_kafka_t *rk, int level);
/* Ready-made log callbacks: stderr (the default) and syslog(3). */
RD_EXPORT void rd_kafka_log_print(const rd_kafka_t *rk, int level, const char *fac,
                                  const char *buf);
RD_EXPORT void rd_kafka_log_syslog(const rd_kafka_t *rk, int level, const char *fac,
                                   const char *buf);

/* Topics.  conf (may be NULL) is owned by the topic from then on. */
RD_EXPORT rd_kafka_topic_t *rd_kafka_topic_new(rd_kafka_t *rk, const char *topic,
                                               rd_kafka_topic_conf_t *conf);
RD_EXPORT void rd_kafka_topic_destroy(rd_kafka_topic_t *rkt);
RD_EXPORT const char *rd_kafka_topic_name(const rd_kafka_topic_t *rkt);
RD_EXPORT void *rd_kafka_topic_opaque(const rd_kafka_topic_t *rkt);

/* ------------------------------------------------------------------------------------------
 * Producing
 * ------------------------------------------------------------------------------------------ */

#define RD_KAFKA_PARTITION_UA ((int32_t)-1) /* let the partitioner choose */

#define RD_KAFKA_OFFSET_BEGINNING -2
#define RD_KAFKA_OFFSET_END -1
#define RD_KAFKA_OFFSET_STORED -1000
#define RD_KAFKA_OFFSET_INVALID -1001
#define RD_KAFKA_OFFSET_TAIL_BASE -2000
#define RD_KAFKA_OFFSET_TAIL(CNT) (RD_KAFKA_OFFSET_TAIL_BASE - (CNT))

#define RD_KAFKA_MSG_F_FREE 0x1      /* library free(3)s the payload when done */
#define RD_KAFKA_MSG_F_COPY 0x2      /* library copies the payload */
#define RD_KAFKA_MSG_F_BLOCK 0x4     /* block instead of failing when the queue is full */
#define RD_KAFKA_MSG_F_PARTITION 0x8 /* produce_batch(): use each message's partition */

/* Returns 0, or -1 with the reason in rd_kafka_last_error() (and errno). */
RD_EXPORT int rd_kafka_produce(rd_kafka_topic_t *rkt, int32_t partition, int msgflags,
                               void *payload, size_t len, const void *key, size_t keylen,
                               void *msg_opaque);
/* Message described by RD_KAFKA_V_*() pairs ending with RD_KAFKA_V_END. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_producev(rd_kafka_t *rk, ...);
RD_EXPORT rd_kafka_error_t *rd_kafka_produceva(rd_kafka_t *rk, const rd_kafka_vu_t *vus,
                                               size_t cnt);
/* Returns the number of messages enqueued; failed ones get their err field set. */
RD_EXPORT int rd_kafka_produce_batch(rd_kafka_topic_t *rkt, int32_t partition, int msgflags,
                                     rd_kafka_message_t *rkmessages, int message_cnt);
/* Waits for every outstanding message, serving callbacks meanwhile.
 * RD_KAFKA_RESP_ERR__TIMED_OUT if some are still outstanding at timeout_ms. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_flush(rd_kafka_t *rk, int timeout_ms);

#define RD_KAFKA_PURGE_F_QUEUE 0x1        /* messages not yet sent */
#define RD_KAFKA_PURGE_F_INFLIGHT 0x2     /* messages sent, response outstanding */
#define RD_KAFKA_PURGE_F_NON_BLOCKING 0x4 /* don't wait for the purge to complete */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_purge(rd_kafka_t *rk, int purge_flags);

/* ------------------------------------------------------------------------------------------
 * Metadata and offsets
 * ------------------------------------------------------------------------------------------ */

typedef struct rd_kafka_metadata_broker {
  int32_t id;
  char *host;
  int port;
} rd_kafka_metadata_broker_t;

typedef struct rd_kafka_metadata_partition {
  int32_t id;
  rd_kafka_resp_err_t err;
  int32_t leader;
  int replica_cnt;
  int32_t *replicas;
  int isr_cnt;
  int32_t *isrs;
} rd_kafka_metadata_partition_t;

typedef struct rd_kafka_metadata_topic {
  char *topic;
  int partition_cnt;
  struct rd_kafka_metadata_partition *partitions;
  rd_kafka_resp_err_t err;
} rd_kafka_metadata_topic_t;

typedef struct rd_kafka_metadata {
  int broker_cnt;
  struct rd_kafka_metadata_broker *brokers;
  int topic_cnt;
  struct rd_kafka_metadata_topic *topics;
  int32_t orig_broker_id;
  char *orig_broker_name;
} rd_kafka_metadata_t;

/* all_topics != 0: every topic in the cluster; otherwise only_rkt, or (NULL) the topics this
 * instance knows.  Free the result with rd_kafka_metadata_destroy(). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_metadata(rd_kafka_t *rk, int all_topics,
                                                rd_kafka_topic_t *only_rkt,
                                                const struct rd_kafka_metadata **metadatap,
                                                int timeout_ms);
RD_EXPORT void rd_kafka_metadata_destroy(const struct rd_kafka_metadata *metadata);

/* Low (log start) and high (next offset) watermarks, asked of the partition's leader. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_query_watermark_offsets(rd_kafka_t *rk,
                                                               const char *topic,
                                                               int32_t partition,
                                                               int64_t *low, int64_t *high,
                                                               int timeout_ms);

/* Low and high watermarks as last seen by the consumer's fetches (no request); offsets are
 * RD_KAFKA_OFFSET_INVALID when not known yet. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_get_watermark_offsets(rd_kafka_t *rk, const char *topic,
                                                             int32_t partition, int64_t *low,
                                                             int64_t *high);
/* offsets: each element's offset is a timestamp (ms) on input; on output the earliest offset
 * whose timestamp is >= it (RD_KAFKA_OFFSET_END if none), per-partition errors in err. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_offsets_for_times(rd_kafka_t *rk,
                                                         rd_kafka_topic_partition_list_t *offsets,
                                                         int timeout_ms);

/* ------------------------------------------------------------------------------------------
 * High-level consumer (consumer groups, manual assignment)
 * ------------------------------------------------------------------------------------------ */

/* Group operations on an instance without a consumer group return
 * RD_KAFKA_RESP_ERR__UNKNOWN_GROUP (as on a producer). */

/* Replaces the subscription: topic names, or "^regex" patterns (partitions are ignored). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_subscribe(rd_kafka_t *rk,
                                                 const rd_kafka_topic_partition_list_t *topics);
RD_EXPORT rd_kafka_resp_err_t rd_kafka_unsubscribe(rd_kafka_t *rk);
/* A new list (destroy it) of the subscribed topics with partition RD_KAFKA_PARTITION_UA. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_subscription(rd_kafka_t *rk,
                                                    rd_kafka_topic_partition_list_t **topics);
/* The next message or event (err set), or NULL on timeout.  Serves rebalance and commit
 * callbacks meanwhile.  Destroy the message with rd_kafka_message_destroy(). */
RD_EXPORT rd_kafka_message_t *rd_kafka_consumer_poll(rd_kafka_t *rk, int timeout_ms);
/* Revokes the assignment (rebalance callback), commits (enable.auto.commit) and leaves the
 * group.  rd_kafka_destroy() is still required. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_consumer_close(rd_kafka_t *rk);
RD_EXPORT int rd_kafka_consumer_closed(rd_kafka_t *rk);
/* Serves the consumer's callbacks from rd_kafka_poll() too (rd_kafka_consumer_poll() does
 * anyway); RD_KAFKA_RESP_ERR__UNKNOWN_GROUP without group.id. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_poll_set_consumer(rd_kafka_t *rk);

/* Replaces the assignment; partitions NULL (or empty) unassigns.  Offsets may be absolute or
 * logical (RD_KAFKA_OFFSET_*). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_assign(rd_kafka_t *rk,
                                              const rd_kafka_topic_partition_list_t *partitions);
/* Adds to / removes from the assignment (cooperative rebalancing).  NULL or an error object. */
RD_EXPORT rd_kafka_error_t *
rd_kafka_incremental_assign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions);
RD_EXPORT rd_kafka_error_t *
rd_kafka_incremental_unassign(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *partitions);
/* A new list (destroy it) of the current assignment. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_assignment(rd_kafka_t *rk,
                                                  rd_kafka_topic_partition_list_t **partitions);
/* Non-zero while the assignment being revoked was lost (commits would fail). */
RD_EXPORT int rd_kafka_assignment_lost(rd_kafka_t *rk);
/* "NONE", "EAGER" or "COOPERATIVE"; NULL without a consumer group. */
RD_EXPORT const char *rd_kafka_rebalance_protocol(rd_kafka_t *rk);

/* offsets NULL: the stored offsets of the current assignment.  async: the result goes to the
 * offset commit callback only. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_commit(rd_kafka_t *rk,
                                              const rd_kafka_topic_partition_list_t *offsets,
                                              int async);
/* Commits rkmessage's offset + 1 for its partition. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_commit_message(rd_kafka_t *rk,
                                                      const rd_kafka_message_t *rkmessage,
                                                      int async);
/* Committed offsets from the group coordinator (offset, metadata, err per element). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_committed(rd_kafka_t *rk,
                                                 rd_kafka_topic_partition_list_t *partitions,
                                                 int timeout_ms);
/* The next offset the application will see per partition, RD_KAFKA_OFFSET_INVALID if none. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_position(rd_kafka_t *rk,
                                                rd_kafka_topic_partition_list_t *partitions);
/* Stores offsets for the next commit (the offset to resume from: last processed + 1). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_offsets_store(rd_kafka_t *rk,
                                                     rd_kafka_topic_partition_list_t *offsets);
/* Legacy: stores offset + 1 for the partition. */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_offset_store(rd_kafka_topic_t *rkt, int32_t partition,
                                                    int64_t offset);
/* Moves the fetch position of an assigned partition (queued messages are dropped). */
RD_EXPORT rd_kafka_resp_err_t rd_kafka_seek(rd_kafka_topic_t *rkt, int32_t partition,
                                            int64_t offset, int timeout_ms);
RD_EXPORT rd_kafka_error_t *rd_kafka_seek_partitions(rd_kafka_t *rk,
                                                     rd_kafka_topic_partition_list_t *partitions,
                                                     int timeout_ms);
/* Stops / restarts fetching (positions are kept); per-partition errors in err. */
RD_EXPORT rd_kafka_resp_err_t
rd_kafka_pause_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions);
RD_EXPORT rd_kafka_resp_err_t
rd_kafka_resume_partitions(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *partitions);

/* The consumer's group identity (KIP-447), for rd_kafka_send_offsets_to_transaction(). */
RD_EXPORT rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata(rd_kafka_t *rk);
RD_EXPORT rd_kafka_consumer_group_metadata_t *
rd_kafka_consumer_group_metadata_new(const char *group_id);
RD_EXPORT rd_kafka_consumer_group_metadata_t *rd_kafka_consumer_group_metadata_new_with_genid(
    const char *group_id, int32_t generation_id, const char *member_id,
    const char *group_instance_id);
RD_EXPORT void rd_kafka_consumer_group_metadata_destroy(rd_kafka_consumer_group_metadata_t *);
/* Serialized form (free *bufferp with rd_kafka_mem_free()) and back. */
RD_EXPORT rd_kafka_error_t *
rd_kafka_consumer_group_metadata_write(const rd_kafka_consumer_group_metadata_t *cgmd,
                                       void **bufferp, size_t *sizep);
RD_EXPORT rd_kafka_error_t *
rd_kafka_consumer_group_metadata_read(rd_kafka_consumer_group_metadata_t **cgmdp,
                                      const void *buffer, size_t size);

/* ------------------------------------------------------------------------------------------
 * Transactional producer (transactional.id). Each call blocks up to timeout_ms (-1: forever)
 * and returns NULL or an error object (free with rd_kafka_error_destroy()) telling whether it
 * is fatal, retriable (call again) or requires rd_kafka_abort_transaction().
 * ------------------------------------------------------------------------------------------ */
RD_EXPORT rd_kafka_error_t *rd_kafka_init_transactions(rd_kafka_t *rk, int timeout_ms);
RD_EXPORT rd_kafka_error_t *rd_kafka_begin_transaction(rd_kafka_t *rk);
/* offsets: the next offsets to consume, committed for cgmetadata's group with the transaction. */
RD_EXPORT rd_kafka_error_t *rd_kafka_send_offsets_to_transaction(
    rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *offsets,
    const rd_kafka_consumer_group_metadata_t *cgmetadata, int timeout_ms);
/* Flushes (serving delivery reports), then commits. */
RD_EXPORT rd_kafka_error_t *rd_kafka_commit_transaction(rd_kafka_t *rk, int timeout_ms);
/* Purges queued messages, waits for in-flight ones, then aborts. */
RD_EXPORT rd_kafka_error_t *rd_kafka_abort_transaction(rd_kafka_t *rk, int timeout_ms);

/* ------------------------------------------------------------------------------------------
 * Legacy simple consumer: partitions started one by one, consumed per partition
 * ------------------------------------------------------------------------------------------ */

/* Starts fetching partition at offset (absolute or RD_KAFKA_OFFSET_*).  0, or -1 with the
 * reason in rd_kafka_last_error() and errno. */
RD_EXPORT int rd_kafka_consume_start(rd_kafka_topic_t *rkt, int32_t partition, int64_t offset);
/* Stops fetching partition; its messages not yet consumed are dropped. */
RD_EXPORT int rd_kafka_consume_stop(rd_kafka_topic_t *rkt, int32_t partition);
/* The partition's next message (or error event), or NULL when timeout_ms passed
 * (rd_kafka_last_error() RD_KAFKA_RESP_ERR__TIMED_OUT, errno ETIMEDOUT). */
RD_EXPORT rd_kafka_message_t *rd_kafka_consume(rd_kafka_topic_t *rkt, int32_t partition,
                                               int timeout_ms);
/* Up to rkmessages_size messages within timeout_ms; returns how many (or -1). */
RD_EXPORT ssize_t rd_kafka_consume_batch(rd_kafka_topic_t *rkt, int32_t partition,
                                         int timeout_ms, rd_kafka_message_t **rkmessages,
                                         size_t rkmessages_size);
/* Calls consume_cb for each message: waits up to timeout_ms for the first, then serves what has
 * arrived.  The library frees each message after the callback.  Returns how many (or -1). */
RD_EXPORT int rd_kafka_consume_callback(rd_kafka_topic_t *rkt, int32_t partition, int timeout_ms,
                                        void (*consume_cb)(rd_kafka_message_t *rkmessage,
                                                           void *commit_opaque),
                                        void *commit_opaque);

#ifdef __cplusplus
}
#endif
#endif /* KAFKAPLUS_LIBRDKAFKA_RDKAFKA_H */
