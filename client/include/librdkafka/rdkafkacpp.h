/*
 * kafkaplus: C++ client API, source-compatible with librdkafka's <librdkafka/rdkafkacpp.h>.
 *
 * Producer and KafkaConsumer programs written for librdkafka's C++ API compile unchanged
 * against this header and link against libkafkaplus.  Class, method and enum names, signatures
 * and numeric values follow librdkafka 2.0.2 (plus TopicPartition's 2.1 leader epoch
 * accessors).  Not declared (kafkaplus does not implement them yet): Queue (and the methods
 * taking or returning one), SASL/SSL/socket/open callbacks and admin.
 *
 * Threading: delivery reports and error/stats events run in the thread that calls
 * poll()/flush(); rebalance, offset-commit and consume callbacks run in the thread that calls
 * KafkaConsumer::consume()/poll()/close(); partitioner callbacks run in the thread that calls
 * produce() (or the library's I/O thread for messages that waited for topic metadata); log
 * events may come from the library's internal threads.
 */
#ifndef KAFKAPLUS_LIBRDKAFKA_RDKAFKACPP_H
#define KAFKAPLUS_LIBRDKAFKA_RDKAFKACPP_H
#ifndef _RDKAFKACPP_H_
#define _RDKAFKACPP_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <list>
#include <string>
#include <vector>

#if defined(__GNUC__) || defined(__clang__)
#define KAFKAPLUS_CPP_EXPORT __attribute__((visibility("default")))
#else
#define KAFKAPLUS_CPP_EXPORT
#endif

/* The C handles behind the C++ objects (see the c_ptr() accessors). */
extern "C" {
struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_conf_s;
struct rd_kafka_topic_conf_s;
struct rd_kafka_message_s;
struct rd_kafka_headers_s;
}

namespace RdKafka {

/* ---------------------------------------------------------------------------------------- */
/* Version and miscellany                                                                    */
/* ---------------------------------------------------------------------------------------- */

#ifndef RD_KAFKA_VERSION
#define RD_KAFKA_VERSION 0x020002ff
#endif

KAFKAPLUS_CPP_EXPORT int version();
KAFKAPLUS_CPP_EXPORT std::string version_str();
KAFKAPLUS_CPP_EXPORT std::string get_debug_contexts();
/* Waits until every client instance has been destroyed; 0 on success, -1 on timeout. */
KAFKAPLUS_CPP_EXPORT int wait_destroyed(int timeout_ms);
/* The allocator used for memory the library hands out or takes over. */
KAFKAPLUS_CPP_EXPORT void *mem_malloc(size_t size);
KAFKAPLUS_CPP_EXPORT void mem_free(void *ptr);

/* Error codes: the same values as rd_kafka_resp_err_t (ERR_x == RD_KAFKA_RESP_ERR_x). */
enum ErrorCode {
  ERR__BEGIN = -200,
  ERR__BAD_MSG = -199,
  ERR__BAD_COMPRESSION = -198,
  ERR__DESTROY = -197,
  ERR__FAIL = -196,
  ERR__TRANSPORT = -195,
  ERR__CRIT_SYS_RESOURCE = -194,
  ERR__RESOLVE = -193,
  ERR__MSG_TIMED_OUT = -192,
  ERR__PARTITION_EOF = -191,
  ERR__UNKNOWN_PARTITION = -190,
  ERR__FS = -189,
  ERR__UNKNOWN_TOPIC = -188,
  ERR__ALL_BROKERS_DOWN = -187,
  ERR__INVALID_ARG = -186,
  ERR__TIMED_OUT = -185,
  ERR__QUEUE_FULL = -184,
  ERR__ISR_INSUFF = -183,
  ERR__NODE_UPDATE = -182,
  ERR__SSL = -181,
  ERR__WAIT_COORD = -180,
  ERR__UNKNOWN_GROUP = -179,
  ERR__IN_PROGRESS = -178,
  ERR__PREV_IN_PROGRESS = -177,
  ERR__EXISTING_SUBSCRIPTION = -176,
  ERR__ASSIGN_PARTITIONS = -175,
  ERR__REVOKE_PARTITIONS = -174,
  ERR__CONFLICT = -173,
  ERR__STATE = -172,
  ERR__UNKNOWN_PROTOCOL = -171,
  ERR__NOT_IMPLEMENTED = -170,
  ERR__AUTHENTICATION = -169,
  ERR__NO_OFFSET = -168,
  ERR__OUTDATED = -167,
  ERR__TIMED_OUT_QUEUE = -166,
  ERR__UNSUPPORTED_FEATURE = -165,
  ERR__WAIT_CACHE = -164,
  ERR__INTR = -163,
  ERR__KEY_SERIALIZATION = -162,
  ERR__VALUE_SERIALIZATION = -161,
  ERR__KEY_DESERIALIZATION = -160,
  ERR__VALUE_DESERIALIZATION = -159,
  ERR__PARTIAL = -158,
  ERR__READ_ONLY = -157,
  ERR__NOENT = -156,
  ERR__UNDERFLOW = -155,
  ERR__INVALID_TYPE = -154,
  ERR__RETRY = -153,
  ERR__PURGE_QUEUE = -152,
  ERR__PURGE_INFLIGHT = -151,
  ERR__FATAL = -150,
  ERR__INCONSISTENT = -149,
  ERR__GAPLESS_GUARANTEE = -148,
  ERR__MAX_POLL_EXCEEDED = -147,
  ERR__UNKNOWN_BROKER = -146,
  ERR__NOT_CONFIGURED = -145,
  ERR__FENCED = -144,
  ERR__APPLICATION = -143,
  ERR__ASSIGNMENT_LOST = -142,
  ERR__NOOP = -141,
  ERR__AUTO_OFFSET_RESET = -140,
  ERR__END = -100,

  /* Errors reported by the broker (Kafka protocol error codes). */
  ERR_UNKNOWN = -1,
  ERR_NO_ERROR = 0,
  ERR_OFFSET_OUT_OF_RANGE = 1,
  ERR_INVALID_MSG = 2,
  ERR_UNKNOWN_TOPIC_OR_PART = 3,
  ERR_INVALID_MSG_SIZE = 4,
  ERR_LEADER_NOT_AVAILABLE = 5,
  ERR_NOT_LEADER_FOR_PARTITION = 6,
  ERR_REQUEST_TIMED_OUT = 7,
  ERR_BROKER_NOT_AVAILABLE = 8,
  ERR_REPLICA_NOT_AVAILABLE = 9,
  ERR_MSG_SIZE_TOO_LARGE = 10,
  ERR_STALE_CTRL_EPOCH = 11,
  ERR_OFFSET_METADATA_TOO_LARGE = 12,
  ERR_NETWORK_EXCEPTION = 13,
  ERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
  ERR_COORDINATOR_NOT_AVAILABLE = 15,
  ERR_NOT_COORDINATOR = 16,
  ERR_TOPIC_EXCEPTION = 17,
  ERR_RECORD_LIST_TOO_LARGE = 18,
  ERR_NOT_ENOUGH_REPLICAS = 19,
  ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20,
  ERR_INVALID_REQUIRED_ACKS = 21,
  ERR_ILLEGAL_GENERATION = 22,
  ERR_INCONSISTENT_GROUP_PROTOCOL = 23,
  ERR_INVALID_GROUP_ID = 24,
  ERR_UNKNOWN_MEMBER_ID = 25,
  ERR_INVALID_SESSION_TIMEOUT = 26,
  ERR_REBALANCE_IN_PROGRESS = 27,
  ERR_INVALID_COMMIT_OFFSET_SIZE = 28,
  ERR_TOPIC_AUTHORIZATION_FAILED = 29,
  ERR_GROUP_AUTHORIZATION_FAILED = 30,
  ERR_CLUSTER_AUTHORIZATION_FAILED = 31,
  ERR_INVALID_TIMESTAMP = 32,
  ERR_UNSUPPORTED_SASL_MECHANISM = 33,
  ERR_ILLEGAL_SASL_STATE = 34,
  ERR_UNSUPPORTED_VERSION = 35,
  ERR_TOPIC_ALREADY_EXISTS = 36,
  ERR_INVALID_PARTITIONS = 37,
  ERR_INVALID_REPLICATION_FACTOR = 38,
  ERR_INVALID_REPLICA_ASSIGNMENT = 39,
  ERR_INVALID_CONFIG = 40,
  ERR_NOT_CONTROLLER = 41,
  ERR_INVALID_REQUEST = 42,
  ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
  ERR_POLICY_VIOLATION = 44,
  ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45,
  ERR_DUPLICATE_SEQUENCE_NUMBER = 46,
  ERR_INVALID_PRODUCER_EPOCH = 47,
  ERR_INVALID_TXN_STATE = 48,
  ERR_INVALID_PRODUCER_ID_MAPPING = 49,
  ERR_INVALID_TRANSACTION_TIMEOUT = 50,
  ERR_CONCURRENT_TRANSACTIONS = 51,
  ERR_TRANSACTION_COORDINATOR_FENCED = 52,
  ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED = 53,
  ERR_SECURITY_DISABLED = 54,
  ERR_OPERATION_NOT_ATTEMPTED = 55,
  ERR_KAFKA_STORAGE_ERROR = 56,
  ERR_LOG_DIR_NOT_FOUND = 57,
  ERR_SASL_AUTHENTICATION_FAILED = 58,
  ERR_UNKNOWN_PRODUCER_ID = 59,
  ERR_REASSIGNMENT_IN_PROGRESS = 60,
  ERR_DELEGATION_TOKEN_AUTH_DISABLED = 61,
  ERR_DELEGATION_TOKEN_NOT_FOUND = 62,
  ERR_DELEGATION_TOKEN_OWNER_MISMATCH = 63,
  ERR_DELEGATION_TOKEN_REQUEST_NOT_ALLOWED = 64,
  ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED = 65,
  ERR_DELEGATION_TOKEN_EXPIRED = 66,
  ERR_INVALID_PRINCIPAL_TYPE = 67,
  ERR_NON_EMPTY_GROUP = 68,
  ERR_GROUP_ID_NOT_FOUND = 69,
  ERR_FETCH_SESSION_ID_NOT_FOUND = 70,
  ERR_INVALID_FETCH_SESSION_EPOCH = 71,
  ERR_LISTENER_NOT_FOUND = 72,
  ERR_TOPIC_DELETION_DISABLED = 73,
  ERR_FENCED_LEADER_EPOCH = 74,
  ERR_UNKNOWN_LEADER_EPOCH = 75,
  ERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
  ERR_STALE_BROKER_EPOCH = 77,
  ERR_OFFSET_NOT_AVAILABLE = 78,
  ERR_MEMBER_ID_REQUIRED = 79,
  ERR_PREFERRED_LEADER_NOT_AVAILABLE = 80,
  ERR_GROUP_MAX_SIZE_REACHED = 81,
  ERR_FENCED_INSTANCE_ID = 82,
  ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE = 83,
  ERR_ELECTION_NOT_NEEDED = 84,
  ERR_NO_REASSIGNMENT_IN_PROGRESS = 85,
  ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86,
  ERR_INVALID_RECORD = 87,
  ERR_UNSTABLE_OFFSET_COMMIT = 88,
  ERR_THROTTLING_QUOTA_EXCEEDED = 89,
  ERR_PRODUCER_FENCED = 90,
  ERR_RESOURCE_NOT_FOUND = 91,
  ERR_DUPLICATE_RESOURCE = 92,
  ERR_UNACCEPTABLE_CREDENTIAL = 93,
  ERR_INCONSISTENT_VOTER_SET = 94,
  ERR_INVALID_UPDATE_VERSION = 95,
  ERR_FEATURE_UPDATE_FAILED = 96,
  ERR_PRINCIPAL_DESERIALIZATION_FAILURE = 97
};

/* Human-readable description, identical to rd_kafka_err2str(). */
KAFKAPLUS_CPP_EXPORT std::string err2str(RdKafka::ErrorCode err);

class Handle;
class Producer;
class KafkaConsumer;
class ConsumerGroupMetadata;
class Message;
class Headers;
class Event;
class Topic;
class TopicPartition;
class Metadata;
class Conf;

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* A returned error: code, name and description plus its classification. */
class KAFKAPLUS_CPP_EXPORT Error {
 public:
  /* errstr NULL: use err2str(code). */
  static Error *create(ErrorCode code, const std::string *errstr);
  virtual ~Error() {}
  virtual ErrorCode code() const = 0;
  virtual std::string name() const = 0;
  virtual std::string str() const = 0;
  virtual bool is_fatal() const = 0;
  virtual bool is_retriable() const = 0;
  virtual bool txn_requires_abort() const = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Callback interfaces                                                                       */
/* ---------------------------------------------------------------------------------------- */

/* Called once per produced message from poll()/flush(), successful or not. */
class KAFKAPLUS_CPP_EXPORT DeliveryReportCb {
 public:
  virtual void dr_cb(Message &message) = 0;
  virtual ~DeliveryReportCb() {}
};

/* Custom partitioner: return a partition in [0, partition_cnt), or PARTITION_UA.  key is
 * NULL for messages without a key. */
class KAFKAPLUS_CPP_EXPORT PartitionerCb {
 public:
  virtual int32_t partitioner_cb(const Topic *topic, const std::string *key,
                                 int32_t partition_cnt, void *msg_opaque) = 0;
  virtual ~PartitionerCb() {}
};

/* Same as PartitionerCb but with the raw key bytes (keys need not be text). */
class KAFKAPLUS_CPP_EXPORT PartitionerKeyPointerCb {
 public:
  virtual int32_t partitioner_cb(const Topic *topic, const void *key, size_t key_len,
                                 int32_t partition_cnt, void *msg_opaque) = 0;
  virtual ~PartitionerKeyPointerCb() {}
};

/* Consumer group rebalances, served by KafkaConsumer::consume()/close().  err is
 * ERR__ASSIGN_PARTITIONS or ERR__REVOKE_PARTITIONS; the callback must call assign()/unassign()
 * (rebalance_protocol() "EAGER") or incremental_assign()/incremental_unassign()
 * ("COOPERATIVE") with partitions.  The partitions are freed after the callback. */
class KAFKAPLUS_CPP_EXPORT RebalanceCb {
 public:
  virtual void rebalance_cb(RdKafka::KafkaConsumer *consumer, RdKafka::ErrorCode err,
                            std::vector<TopicPartition *> &partitions) = 0;
  virtual ~RebalanceCb() {}
};

/* Result of offset commits (automatic, commitAsync() and commitSync()): err is the overall
 * result, each partition's err() its own. */
class KAFKAPLUS_CPP_EXPORT OffsetCommitCb {
 public:
  virtual void offset_commit_cb(RdKafka::ErrorCode err, std::vector<TopicPartition *> &offsets) = 0;
  virtual ~OffsetCommitCb() {}
};

/* Consumed messages served by KafkaConsumer::poll() (instead of consume()). */
class KAFKAPLUS_CPP_EXPORT ConsumeCb {
 public:
  virtual void consume_cb(Message &message, void *opaque) = 0;
  virtual ~ConsumeCb() {}
};

/* Errors, statistics, logs and throttle notices. */
class KAFKAPLUS_CPP_EXPORT EventCb {
 public:
  virtual void event_cb(Event &event) = 0;
  virtual ~EventCb() {}
};

class KAFKAPLUS_CPP_EXPORT Event {
 public:
  enum Type { EVENT_ERROR, EVENT_STATS, EVENT_LOG, EVENT_THROTTLE };

  /* syslog(3) levels. */
  enum Severity {
    EVENT_SEVERITY_EMERG = 0,
    EVENT_SEVERITY_ALERT = 1,
    EVENT_SEVERITY_CRITICAL = 2,
    EVENT_SEVERITY_ERROR = 3,
    EVENT_SEVERITY_WARNING = 4,
    EVENT_SEVERITY_NOTICE = 5,
    EVENT_SEVERITY_INFO = 6,
    EVENT_SEVERITY_DEBUG = 7
  };

  virtual ~Event() {}
  virtual Type type() const = 0;
  /* EVENT_ERROR: the error code. */
  virtual ErrorCode err() const = 0;
  /* EVENT_LOG: the level. */
  virtual Severity severity() const = 0;
  /* EVENT_LOG: the facility (a short subsystem tag). */
  virtual std::string fac() const = 0;
  /* The error reason, the log line, or the statistics JSON document. */
  virtual std::string str() const = 0;
  /* EVENT_THROTTLE only. */
  virtual int throttle_time() const = 0;
  virtual std::string broker_name() const = 0;
  virtual int broker_id() const = 0;
  /* EVENT_ERROR: is this a fatal error (see Handle::fatal_error())? */
  virtual bool fatal() const = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Configuration                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* Global (client) or topic configuration.  Property names, aliases, defaults and validation
 * are librdkafka's.  Setting a topic-level property on a global Conf applies it to the
 * default topic configuration. */
class KAFKAPLUS_CPP_EXPORT Conf {
 public:
  enum ConfType { CONF_GLOBAL, CONF_TOPIC };
  enum ConfResult { CONF_UNKNOWN = -2, CONF_INVALID = -1, CONF_OK = 0 };

  static Conf *create(ConfType type);
  virtual ~Conf() {}

  virtual Conf::ConfResult set(const std::string &name, const std::string &value,
                               std::string &errstr) = 0;
  /* name "dr_cb", global. */
  virtual Conf::ConfResult set(const std::string &name, DeliveryReportCb *dr_cb,
                               std::string &errstr) = 0;
  /* name "event_cb", global. */
  virtual Conf::ConfResult set(const std::string &name, EventCb *event_cb,
                               std::string &errstr) = 0;
  /* name "default_topic_conf", global; topic_conf (a CONF_TOPIC) is copied. */
  virtual Conf::ConfResult set(const std::string &name, const Conf *topic_conf,
                               std::string &errstr) = 0;
  /* name "partitioner_cb", topic. */
  virtual Conf::ConfResult set(const std::string &name, PartitionerCb *partitioner_cb,
                               std::string &errstr) = 0;
  /* name "partitioner_key_pointer_cb", topic. */
  virtual Conf::ConfResult set(const std::string &name,
                               PartitionerKeyPointerCb *partitioner_kp_cb,
                               std::string &errstr) = 0;
  /* name "rebalance_cb", global. */
  virtual Conf::ConfResult set(const std::string &name, RebalanceCb *rebalance_cb,
                               std::string &errstr) = 0;
  /* name "offset_commit_cb", global. */
  virtual Conf::ConfResult set(const std::string &name, OffsetCommitCb *offset_commit_cb,
                               std::string &errstr) = 0;
  /* name "consume_cb", global. */
  virtual Conf::ConfResult set(const std::string &name, ConsumeCb *consume_cb,
                               std::string &errstr) = 0;

  virtual Conf::ConfResult get(const std::string &name, std::string &value) const = 0;
  virtual Conf::ConfResult get(DeliveryReportCb *&dr_cb) const = 0;
  virtual Conf::ConfResult get(EventCb *&event_cb) const = 0;
  virtual Conf::ConfResult get(PartitionerCb *&partitioner_cb) const = 0;
  virtual Conf::ConfResult get(PartitionerKeyPointerCb *&partitioner_kp_cb) const = 0;
  virtual Conf::ConfResult get(RebalanceCb *&rebalance_cb) const = 0;
  virtual Conf::ConfResult get(OffsetCommitCb *&offset_commit_cb) const = 0;

  /* name, value, name, value, ...  The caller deletes the list. */
  virtual std::list<std::string> *dump() = 0;

  /* The C configuration object (NULL for the other ConfType). */
  virtual struct rd_kafka_conf_s *c_ptr_global() = 0;
  virtual struct rd_kafka_topic_conf_s *c_ptr_topic() = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Client handle                                                                             */
/* ---------------------------------------------------------------------------------------- */

class KAFKAPLUS_CPP_EXPORT Handle {
 public:
  virtual ~Handle() {}
  /* Instance name: client.id plus a unique suffix, e.g. "rdkafka#producer-1". */
  virtual std::string name() const = 0;
  /* Consumer group member id: empty for a producer. */
  virtual std::string memberid() const = 0;
  /* Serves delivery reports and events (a consumer: rebalance/commit callbacks, and messages
   * to a ConsumeCb); returns the number served. */
  virtual int poll(int timeout_ms) = 0;
  /* Messages not yet delivered (queued or in flight) plus reports not yet served. */
  virtual int outq_len() = 0;
  virtual ErrorCode metadata(bool all_topics, const Topic *only_rkt, Metadata **metadatap,
                             int timeout_ms) = 0;
  /* Consumer: stop / restart fetching the partitions (per-partition err()). */
  virtual ErrorCode pause(std::vector<TopicPartition *> &partitions) = 0;
  virtual ErrorCode resume(std::vector<TopicPartition *> &partitions) = 0;
  virtual ErrorCode query_watermark_offsets(const std::string &topic, int32_t partition,
                                            int64_t *low, int64_t *high, int timeout_ms) = 0;
  /* Consumer: the watermarks seen by the last fetch (no request). */
  virtual ErrorCode get_watermark_offsets(const std::string &topic, int32_t partition,
                                          int64_t *low, int64_t *high) = 0;
  /* For each partition, the earliest offset whose timestamp is >= the partition's offset()
   * (a timestamp in milliseconds on input); per-partition errors in err(). */
  virtual ErrorCode offsetsForTimes(std::vector<TopicPartition *> &offsets, int timeout_ms) = 0;
  /* Cluster id and controller broker id from metadata ("" / -1 if unknown within timeout). */
  virtual std::string clusterid(int timeout_ms) = 0;
  virtual int32_t controllerid(int timeout_ms) = 0;
  virtual struct rd_kafka_s *c_ptr() = 0;
  /* ERR_NO_ERROR, or the fatal error that stopped this instance (reason in errstr). */
  virtual ErrorCode fatal_error(std::string &errstr) const = 0;
  virtual void *mem_malloc(size_t size) = 0;
  virtual void mem_free(void *ptr) = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Topics and partitions                                                                     */
/* ---------------------------------------------------------------------------------------- */

class KAFKAPLUS_CPP_EXPORT TopicPartition {
 public:
  static TopicPartition *create(const std::string &topic, int partition);
  static TopicPartition *create(const std::string &topic, int partition, int64_t offset);
  virtual ~TopicPartition() = 0;
  /* Deletes every element and clears the vector. */
  static void destroy(std::vector<TopicPartition *> &partitions);
  virtual const std::string &topic() const = 0;
  virtual int partition() const = 0;
  virtual int64_t offset() const = 0;
  virtual void set_offset(int64_t offset) = 0;
  virtual ErrorCode err() const = 0;
  /* Leader epoch of offset(), -1 if unknown (librdkafka 2.1 API). */
  virtual int32_t get_leader_epoch() = 0;
  virtual void set_leader_epoch(int32_t leader_epoch) = 0;
};

class KAFKAPLUS_CPP_EXPORT Topic {
 public:
  static const int32_t PARTITION_UA;      /* -1: let the partitioner choose */
  static const int64_t OFFSET_BEGINNING;  /* -2 */
  static const int64_t OFFSET_END;        /* -1 */
  static const int64_t OFFSET_STORED;     /* -1000 */
  static const int64_t OFFSET_INVALID;    /* -1001 */

  /* conf: a CONF_TOPIC object or NULL (the default topic configuration). */
  static Topic *create(Handle *base, const std::string &topic_str, const Conf *conf,
                       std::string &errstr);
  virtual ~Topic() = 0;
  virtual std::string name() const = 0;
  /* Only meaningful inside a partitioner callback. */
  virtual bool partition_available(int32_t partition) const = 0;
  virtual struct rd_kafka_topic_s *c_ptr() = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Messages and headers                                                                      */
/* ---------------------------------------------------------------------------------------- */

class KAFKAPLUS_CPP_EXPORT MessageTimestamp {
 public:
  enum MessageTimestampType {
    MSG_TIMESTAMP_NOT_AVAILABLE,
    MSG_TIMESTAMP_CREATE_TIME,
    MSG_TIMESTAMP_LOG_APPEND_TIME
  };
  MessageTimestampType type;
  int64_t timestamp; /* milliseconds since the epoch */
};

class KAFKAPLUS_CPP_EXPORT Headers {
 public:
  virtual ~Headers() = 0;

  /* One header: a key and a value that may be null.  The value is kept NUL-terminated so
   * value_string() can be used for text values. */
  class Header {
   public:
    Header(const std::string &key, const void *value, size_t value_size)
        : key_(key), err_(ERR_NO_ERROR) {
      assign(value, value_size);
    }
    Header(const std::string &key, const void *value, size_t value_size,
           const RdKafka::ErrorCode err)
        : key_(key), err_(err) {
      if (err == ERR_NO_ERROR) assign(value, value_size);
      else size_ = value_size;
    }
    Header(const Header &other) : key_(other.key_), err_(other.err_) {
      assign(other.value_, other.size_);
    }
    Header &operator=(const Header &other) {
      if (this != &other) {
        key_ = other.key_;
        err_ = other.err_;
        release();
        assign(other.value_, other.size_);
      }
      return *this;
    }
    ~Header() { release(); }

    std::string key() const { return key_; }
    const void *value() const { return value_; }
    const char *value_string() const { return value_; }
    size_t value_size() const { return size_; }
    RdKafka::ErrorCode err() const { return err_; }

   private:
    void assign(const void *value, size_t size) {
      size_ = size;
      value_ = nullptr;
      if (value == nullptr) return;
      value_ = static_cast<char *>(RdKafka::mem_malloc(size + 1));
      if (size) std::memcpy(value_, value, size);
      value_[size] = '\0';
    }
    void release() {
      if (value_) RdKafka::mem_free(value_);
      value_ = nullptr;
    }
    void *operator new(size_t); /* Header lives by value only */

    std::string key_;
    RdKafka::ErrorCode err_;
    char *value_ = nullptr;
    size_t size_ = 0;
  };

  static Headers *create();
  static Headers *create(const std::vector<Header> &headers);

  virtual ErrorCode add(const std::string &key, const void *value, size_t value_size) = 0;
  virtual ErrorCode add(const std::string &key, const std::string &value) = 0;
  virtual ErrorCode add(const Header &header) = 0;
  /* Removes every header with this key (ERR__NOENT if none). */
  virtual ErrorCode remove(const std::string &key) = 0;
  /* Every header with this key, in order. */
  virtual std::vector<Header> get(const std::string &key) const = 0;
  /* The last header with this key; its err() is ERR__NOENT if there is none. */
  virtual Header get_last(const std::string &key) const = 0;
  virtual std::vector<Header> get_all() const = 0;
  virtual size_t size() const = 0;
};

/* A produced message as seen by the delivery-report callback, or a consumed message. */
class KAFKAPLUS_CPP_EXPORT Message {
 public:
  enum Status {
    MSG_STATUS_NOT_PERSISTED = 0,
    MSG_STATUS_POSSIBLY_PERSISTED = 1,
    MSG_STATUS_PERSISTED = 2
  };

  virtual ~Message() = 0;
  /* err2str(err()) or a more precise reason. */
  virtual std::string errstr() const = 0;
  virtual ErrorCode err() const = 0;
  /* The Topic object the message was produced with, or NULL if it was produced by name. */
  virtual Topic *topic() const = 0;
  virtual std::string topic_name() const = 0;
  virtual int32_t partition() const = 0;
  virtual void *payload() const = 0;
  virtual size_t len() const = 0;
  /* The key as a string, or NULL for a message without key. */
  virtual const std::string *key() const = 0;
  virtual const void *key_pointer() const = 0;
  virtual size_t key_len() const = 0;
  virtual int64_t offset() const = 0;
  virtual MessageTimestamp timestamp() const = 0;
  virtual void *msg_opaque() const = 0;
  /* Microseconds from produce() to delivery, or -1. */
  virtual int64_t latency() const = 0;
  virtual struct rd_kafka_message_s *c_ptr() = 0;
  virtual Status status() const = 0;
  /* The message's headers (owned by the message), or NULL. */
  virtual RdKafka::Headers *headers() = 0;
  virtual RdKafka::Headers *headers(RdKafka::ErrorCode *err) = 0;
  virtual int32_t broker_id() const = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* Producer                                                                                  */
/* ---------------------------------------------------------------------------------------- */

class KAFKAPLUS_CPP_EXPORT Producer : public virtual Handle {
 public:
  /* conf: a CONF_GLOBAL object; it is copied, so it may be deleted afterwards. */
  static Producer *create(const Conf *conf, std::string &errstr);
  virtual ~Producer() = 0;

  enum {
    RK_MSG_FREE = 0x1,  /* the library free(3)s the payload once delivered */
    RK_MSG_COPY = 0x2,  /* the library copies the payload */
    RK_MSG_BLOCK = 0x4  /* block while the queue is full instead of ERR__QUEUE_FULL */
#ifndef MSG_COPY        /* <sys/msg.h> defines these names as macros */
    ,
    MSG_FREE = RK_MSG_FREE,
    MSG_COPY = RK_MSG_COPY
#endif
  };

  virtual ErrorCode produce(Topic *topic, int32_t partition, int msgflags, void *payload,
                            size_t len, const std::string *key, void *msg_opaque) = 0;
  virtual ErrorCode produce(Topic *topic, int32_t partition, int msgflags, void *payload,
                            size_t len, const void *key, size_t key_len,
                            void *msg_opaque) = 0;
  /* timestamp 0: now. */
  virtual ErrorCode produce(const std::string topic_name, int32_t partition, int msgflags,
                            void *payload, size_t len, const void *key, size_t key_len,
                            int64_t timestamp, void *msg_opaque) = 0;
  /* On success the producer takes ownership of headers (may be NULL). */
  virtual ErrorCode produce(const std::string topic_name, int32_t partition, int msgflags,
                            void *payload, size_t len, const void *key, size_t key_len,
                            int64_t timestamp, RdKafka::Headers *headers,
                            void *msg_opaque) = 0;
  /* Payload and key are copied. */
  virtual ErrorCode produce(Topic *topic, int32_t partition, const std::vector<char> *payload,
                            const std::vector<char> *key, void *msg_opaque) = 0;

  /* Waits until every message is delivered (serving callbacks); ERR__TIMED_OUT otherwise. */
  virtual ErrorCode flush(int timeout_ms) = 0;

  /* Transactions (transactional.id); NULL or an Error the caller deletes. See rdkafka.h. */
  virtual Error *init_transactions(int timeout_ms) = 0;
  virtual Error *begin_transaction() = 0;
  virtual Error *send_offsets_to_transaction(const std::vector<TopicPartition *> &offsets,
                                             const ConsumerGroupMetadata *group_metadata,
                                             int timeout_ms) = 0;
  virtual Error *commit_transaction(int timeout_ms) = 0;
  virtual Error *abort_transaction(int timeout_ms) = 0;

  enum {
    PURGE_QUEUE = 0x1,        /* messages not yet sent */
    PURGE_INFLIGHT = 0x2,     /* messages waiting for a response */
    PURGE_NON_BLOCKING = 0x4  /* don't wait for the purge to complete */
  };
  /* Purged messages get ERR__PURGE_QUEUE / ERR__PURGE_INFLIGHT delivery reports. */
  virtual ErrorCode purge(int purge_flags) = 0;
};

/* ---------------------------------------------------------------------------------------- */
/* High-level consumer                                                                       */
/* ---------------------------------------------------------------------------------------- */

/* The consumer's group identity (for transactional producers' send_offsets_to_transaction). */
class KAFKAPLUS_CPP_EXPORT ConsumerGroupMetadata {
 public:
  virtual ~ConsumerGroupMetadata() = 0;
};

class KAFKAPLUS_CPP_EXPORT KafkaConsumer : public virtual Handle {
 public:
  /* conf: a CONF_GLOBAL object with group.id set; it is copied. */
  static KafkaConsumer *create(const Conf *conf, std::string &errstr);
  virtual ~KafkaConsumer() = 0;

  /* The current assignment (new TopicPartition objects: free with TopicPartition::destroy). */
  virtual ErrorCode assignment(std::vector<RdKafka::TopicPartition *> &partitions) = 0;
  virtual ErrorCode subscription(std::vector<std::string> &topics) = 0;
  /* Topic names or "^regex" patterns; replaces the subscription. */
  virtual ErrorCode subscribe(const std::vector<std::string> &topics) = 0;
  virtual ErrorCode unsubscribe() = 0;
  /* Replaces the assignment (offsets may be logical, e.g. Topic::OFFSET_BEGINNING). */
  virtual ErrorCode assign(const std::vector<TopicPartition *> &partitions) = 0;
  virtual ErrorCode unassign() = 0;

  /* The next message, or an event / error as a message with err() set: ERR__TIMED_OUT when
   * nothing came within timeout_ms, ERR__PARTITION_EOF (enable.partition.eof), ... Delete it. */
  virtual Message *consume(int timeout_ms) = 0;

  /* Commit the stored offsets of the assignment, a message's offset + 1, or the given
   * offsets.  Sync: waits and returns the result (per-partition err() in offsets); async: the
   * result goes to the OffsetCommitCb. */
  virtual ErrorCode commitSync() = 0;
  virtual ErrorCode commitAsync() = 0;
  virtual ErrorCode commitSync(Message *message) = 0;
  virtual ErrorCode commitAsync(Message *message) = 0;
  virtual ErrorCode commitSync(std::vector<TopicPartition *> &offsets) = 0;
  virtual ErrorCode commitAsync(const std::vector<TopicPartition *> &offsets) = 0;
  /* As commitSync(), and offset_commit_cb is called with the result before returning. */
  virtual ErrorCode commitSync(OffsetCommitCb *offset_commit_cb) = 0;
  virtual ErrorCode commitSync(std::vector<TopicPartition *> &offsets,
                               OffsetCommitCb *offset_commit_cb) = 0;

  /* Committed offsets from the group coordinator (offset() and err() per partition). */
  virtual ErrorCode committed(std::vector<TopicPartition *> &partitions, int timeout_ms) = 0;
  /* The next offset to be consumed per partition (Topic::OFFSET_INVALID if none yet). */
  virtual ErrorCode position(std::vector<TopicPartition *> &partitions) = 0;

  /* Revokes the assignment (RebalanceCb), commits (enable.auto.commit) and leaves the group.
   * The object must still be deleted. */
  virtual ErrorCode close() = 0;

  /* Moves the fetch position of an assigned partition. */
  virtual ErrorCode seek(const TopicPartition &partition, int timeout_ms) = 0;
  /* Stores offsets (the next offset to consume) for the next commit; requires
   * enable.auto.offset.store=false. */
  virtual ErrorCode offsets_store(std::vector<TopicPartition *> &offsets) = 0;

  /* NULL if unknown; delete it. */
  virtual ConsumerGroupMetadata *groupMetadata() = 0;
  /* Inside a revoke: were the partitions lost (commits fail) rather than revoked? */
  virtual bool assignment_lost() = 0;
  /* "NONE", "EAGER" or "COOPERATIVE". */
  virtual std::string rebalance_protocol() = 0;
  /* NULL on success; otherwise an Error to delete. */
  virtual Error *incremental_assign(const std::vector<TopicPartition *> &partitions) = 0;
  virtual Error *incremental_unassign(const std::vector<TopicPartition *> &partitions) = 0;
  virtual bool closed() = 0;
};

/* The legacy simple consumer: partitions are started one by one and consumed per partition
 * (no consumer group needed). */
class KAFKAPLUS_CPP_EXPORT Consumer : public virtual Handle {
 public:
  /* conf: a CONF_GLOBAL object; it is copied. */
  static Consumer *create(const Conf *conf, std::string &errstr);
  virtual ~Consumer() = 0;

  /* offset: absolute, Topic::OFFSET_* or OffsetTail(n). */
  virtual ErrorCode start(Topic *topic, int32_t partition, int64_t offset) = 0;
  /* Stops fetching; the partition's messages not yet consumed are dropped. */
  virtual ErrorCode stop(Topic *topic, int32_t partition) = 0;
  virtual ErrorCode seek(Topic *topic, int32_t partition, int64_t offset, int timeout_ms) = 0;
  /* The partition's next message, or a message with err() ERR__TIMED_OUT.  Delete it. */
  virtual Message *consume(Topic *topic, int32_t partition, int timeout_ms) = 0;
  /* consume_cb for each message: waits up to timeout_ms for the first, then serves what has
   * arrived; returns how many (or -1). */
  virtual int consume_callback(Topic *topic, int32_t partition, int timeout_ms,
                               ConsumeCb *consume_cb, void *opaque) = 0;
  /* The logical offset "offset messages before the end". */
  static int64_t OffsetTail(int64_t offset);
};

/* ---------------------------------------------------------------------------------------- */
/* Metadata                                                                                  */
/* ---------------------------------------------------------------------------------------- */

class KAFKAPLUS_CPP_EXPORT BrokerMetadata {
 public:
  virtual int32_t id() const = 0;
  virtual std::string host() const = 0;
  virtual int port() const = 0;
  virtual ~BrokerMetadata() = 0;
};

class KAFKAPLUS_CPP_EXPORT PartitionMetadata {
 public:
  typedef std::vector<int32_t> ReplicasVector;
  typedef std::vector<int32_t> ISRSVector;
  typedef ReplicasVector::const_iterator ReplicasIterator;
  typedef ISRSVector::const_iterator ISRSIterator;

  virtual int32_t id() const = 0;
  virtual ErrorCode err() const = 0;
  virtual int32_t leader() const = 0;
  virtual const std::vector<int32_t> *replicas() const = 0;
  virtual const std::vector<int32_t> *isrs() const = 0;
  virtual ~PartitionMetadata() = 0;
};

class KAFKAPLUS_CPP_EXPORT TopicMetadata {
 public:
  typedef std::vector<const PartitionMetadata *> PartitionMetadataVector;
  typedef PartitionMetadataVector::const_iterator PartitionMetadataIterator;

  virtual std::string topic() const = 0;
  virtual const PartitionMetadataVector *partitions() const = 0;
  virtual ErrorCode err() const = 0;
  virtual ~TopicMetadata() = 0;
};

class KAFKAPLUS_CPP_EXPORT Metadata {
 public:
  typedef std::vector<const BrokerMetadata *> BrokerMetadataVector;
  typedef std::vector<const TopicMetadata *> TopicMetadataVector;
  typedef BrokerMetadataVector::const_iterator BrokerMetadataIterator;
  typedef TopicMetadataVector::const_iterator TopicMetadataIterator;

  virtual const BrokerMetadataVector *brokers() const = 0;
  virtual const TopicMetadataVector *topics() const = 0;
  virtual int32_t orig_broker_id() const = 0;
  virtual std::string orig_broker_name() const = 0;
  virtual ~Metadata() = 0;
};

}  // namespace RdKafka

#endif /* KAFKAPLUS_LIBRDKAFKA_RDKAFKACPP_H */
