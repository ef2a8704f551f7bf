// Internal definitions shared by the librdkafka-compatible facades (client/facade/*.cpp).
//
// Layering: the C API (rd_kafka_*) is implemented directly on kafka::client::ProducerCore (a
// producer rd_kafka_t) and kafka::client::ConsumerCore (a consumer rd_kafka_t); the C++ API
// (RdKafka::*) is implemented on the C API, so both behave identically and a C++ object can hand
// out its C handle (c_ptr()).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kafka::client {
class ProducerCore;
class ConsumerCore;
class Topic;
class DeliveryReport;
struct TopicPartitionOffset;
struct TxnGroupMetadata;
}  // namespace kafka::client

namespace kafkaplus::facade {

// ---- configuration property table ---------------------------------------------------------

enum Scope : int {
  kGlobal = 0x1,
  kTopic = 0x2,
  kProducer = 0x4,
  kConsumer = 0x8,
  kCgrp = 0x10,
  kHidden = 0x20,
  kSensitive = 0x40,
  kDeprecated = 0x80,
  kExperimental = 0x100,
};

enum class PType { Str, KStr, Int, Dbl, S2I, S2F, Bool, Ptr, PatList, Alias, Internal, Invalid };

struct S2IEntry {
  int val;
  const char* str;
  const char* unsupported = nullptr;  // reason this value can't be used in this library
};

struct PropDef {
  int scope;
  const char* name;
  PType type;
  int vmin = 0, vmax = 0, vdef = 0;
  // Str/KStr: default; Alias: the target name; Invalid: the error text.
  const char* sdef = nullptr;
  double dmin = 0, dmax = 0, ddef = 0;
  std::vector<S2IEntry> s2i = {};
  const char* unsupported = nullptr;
  bool (*validate)(const char* value) = nullptr;
};

const std::vector<PropDef>& properties();
// Index of the property called name in scope (aliases are resolved), or -1.
int find_property(int scope, std::string_view name);

struct PropValue {
  bool has = false;       // Str/KStr/PatList/Ptr: value present (unset strings read as absent)
  bool modified = false;  // set by the application (not a default)
  std::string str;
  int ival = 0;
  double dval = 0;
  void* ptr = nullptr;
};

// The values of every property of one scope, parallel to properties().
struct ConfValues {
  int scope = 0;
  std::vector<PropValue> v;
  explicit ConfValues(int scope);

  rd_kafka_conf_res_t set(std::string_view name, const char* value, char* errstr, size_t errstr_size);
  rd_kafka_conf_res_t get(std::string_view name, char* dest, size_t* dest_size) const;
  // Canonical string form; nullopt when the property has no readable value.
  std::optional<std::string> get_string(int idx) const;
  void set_ptr(const char* name, void* p);  // dedicated setters (callbacks, opaque)
  void* ptr(const char* name) const;
  int int_value(const char* name) const;
  double dbl_value(const char* name) const;
  bool is_modified(const char* name) const;
  void dump(std::vector<std::string>& out) const;
  // Every modified (application-set) property under its canonical name and its aliases.
  void modified_properties(std::map<std::string, std::string>& out) const;
};

using CppPartitioner =
    std::function<int32_t(const rd_kafka_topic_t* rkt, const void* key, size_t keylen, int32_t partition_cnt,
                          void* msg_opaque)>;

// Formats like snprintf into a caller buffer that may be NULL or empty.
void set_errstr(char* errstr, size_t size, const std::string& msg);

// Thread-local "last error" for the legacy APIs (rd_kafka_last_error()).
void set_last_error(rd_kafka_resp_err_t err);

// librdkafka's description / name for an error code.
const char* err_desc(int code);

}  // namespace kafkaplus::facade

// ---- C handle structs ----------------------------------------------------------------------

struct rd_kafka_topic_conf_s {
  kafkaplus::facade::ConfValues values{kafkaplus::facade::kTopic};
  int32_t (*partitioner)(const rd_kafka_topic_t*, const void*, size_t, int32_t, void*, void*) = nullptr;
  void* opaque = nullptr;
  // Set by RdKafka::Conf::set("partitioner_cb"/"partitioner_key_pointer_cb"); wins over partitioner.
  kafkaplus::facade::CppPartitioner cpp_partitioner;
  void* cpp_partitioner_obj = nullptr;     // RdKafka::PartitionerCb*, for Conf::get()
  void* cpp_partitioner_kp_obj = nullptr;  // RdKafka::PartitionerKeyPointerCb*
};

struct rd_kafka_conf_s {
  kafkaplus::facade::ConfValues values{kafkaplus::facade::kGlobal};
  rd_kafka_topic_conf_s* topic_conf = nullptr;  // default topic configuration, owned
  void (*dr_cb)(rd_kafka_t*, void*, size_t, rd_kafka_resp_err_t, void*, void*) = nullptr;
  void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr;
  void (*error_cb)(rd_kafka_t*, int, const char*, void*) = nullptr;
  void (*log_cb)(const rd_kafka_t*, int, const char*, const char*) = rd_kafka_log_print;
  int (*stats_cb)(rd_kafka_t*, char*, size_t, void*) = nullptr;
  void (*consume_cb)(rd_kafka_message_t*, void*) = nullptr;
  void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*) = nullptr;
  void (*offset_commit_cb)(rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*) = nullptr;
  void* opaque = nullptr;

  rd_kafka_conf_s() = default;
  rd_kafka_conf_s(const rd_kafka_conf_s& o);
  rd_kafka_conf_s& operator=(const rd_kafka_conf_s&) = delete;
  ~rd_kafka_conf_s();
};

struct rd_kafka_headers_s {
  struct Header {
    std::string name;
    bool null = false;
    std::string value;  // kept NUL-terminated by std::string
  };
  std::vector<Header> list;
};

struct rd_kafka_error_s {
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string str;
  bool fatal = false;
  bool retriable = false;
  bool txn_requires_abort = false;
};

struct rd_kafka_topic_s {
  rd_kafka_t* rk = nullptr;
  std::string name;
  rd_kafka_topic_conf_s conf;
  kafka::client::Topic* core = nullptr;
  std::atomic<int> app_refs{0};
  // The RdKafka::Topic the application created for this topic (Message::topic()), and the
  // library's own wrapper handed to C++ partitioners when the application has none.
  std::atomic<void*> cpp_topic{nullptr};
  std::mutex cpp_mu;
  void* cpp_internal = nullptr;
  void (*cpp_internal_free)(void*) = nullptr;
  ~rd_kafka_topic_s() {
    if (cpp_internal && cpp_internal_free) cpp_internal_free(cpp_internal);
  }
};

struct rd_kafka_s {
  rd_kafka_conf_s conf;
  rd_kafka_type_t type = RD_KAFKA_PRODUCER;
  std::unique_ptr<kafka::client::ProducerCore> core;       // producer instances
  std::unique_ptr<kafka::client::ConsumerCore> consumer;   // consumer instances
  bool has_group = false;                                  // consumer with group.id
  std::atomic<bool> poll_set_consumer{false};
  // Set once the application no longer gets callbacks (destroy without consumer close).
  std::atomic<bool> destroying{false};
  // The topic of the last consumed message: consecutive messages mostly share it, and topic
  // objects live as long as the instance, so a hit needs no lock.
  std::atomic<rd_kafka_topic_t*> last_consumed_topic{nullptr};
  // Legacy simple consumer (rd_kafka_consume(rkt, partition)): consumed messages of partitions
  // other than the one asked for wait here for their turn.
  std::mutex legacy_mu;
  std::map<std::pair<std::string, int32_t>, std::deque<rd_kafka_message_t*>> legacy_stash;
  std::string name;
  std::atomic<int> log_level{6};
  bool dr_only_error = false;
  std::mutex topics_mu;
  std::map<std::string, std::unique_ptr<rd_kafka_topic_s>, std::less<>> topics;
  std::unordered_map<const kafka::client::Topic*, rd_kafka_topic_s*> by_core;

  explicit rd_kafka_s(const rd_kafka_conf_s& c);
  ~rd_kafka_s();
};

namespace kafkaplus::facade {
// Looks up or creates the topic object for name (conf: NULL = the default topic conf; it is
// consumed either way). Returns NULL with *err set on failure.
rd_kafka_topic_t* topic_get(rd_kafka_t* rk, const char* name, rd_kafka_topic_conf_t* conf,
                            rd_kafka_resp_err_t* err, std::string* errstr);

// ---- topic partition lists <-> the core's lists (partition_list.cpp) ----
using CoreTopicPartitions = std::vector<kafka::client::TopicPartitionOffset>;
CoreTopicPartitions to_core(const rd_kafka_topic_partition_list_t* list);
// Copies offsets, errors, metadata and leader epochs back into list: element i of core
// describes element i of list when the sizes match, else elements are matched by topic and
// partition.
void update_from_core(rd_kafka_topic_partition_list_t* list, const CoreTopicPartitions& core);
rd_kafka_topic_partition_list_t* from_core(const CoreTopicPartitions& core);

// The group identity in a rd_kafka_consumer_group_metadata_t (consumer.cpp), for
// rd_kafka_send_offsets_to_transaction (txn.cpp).
kafka::client::TxnGroupMetadata group_metadata_to_core(const rd_kafka_consumer_group_metadata_t* md);

// ---- consumed messages (consumer.cpp) ----
// Accessors for rd_kafka_message_t objects that came from rd_kafka_consumer_poll(); each
// returns false when the message is not a consumed one (the caller then tries the others).
bool consumed_errstr(const rd_kafka_message_t* m, const char** out);
bool consumed_timestamp(const rd_kafka_message_t* m, int64_t* ts, rd_kafka_timestamp_type_t* type);
bool consumed_headers(const rd_kafka_message_t* m, rd_kafka_headers_t** hdrsp, bool detach,
                      rd_kafka_resp_err_t* err);
bool consumed_leader_epoch(const rd_kafka_message_t* m, int32_t* epoch);
bool is_consumed(const rd_kafka_message_t* m);

// Consumer-side checks made when a consumer instance is created (NULL = fine).
const char* finalize_consumer_conf(const rd_kafka_conf_s& conf);
// Creates rk->consumer for a new consumer instance; false with the reason in why.
bool start_consumer(rd_kafka_t* rk, std::string& why);
// Logs librdkafka's CONFWARN line for each property of the other client type that was set.
void warn_other_role_properties(rd_kafka_t* rk);
// rd_kafka_poll() on a consumer instance.
int consumer_poll_callbacks(rd_kafka_t* rk, int timeout_ms);
}  // namespace kafkaplus::facade
