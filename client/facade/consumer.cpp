// The C consumer: rd_kafka_t of type RD_KAFKA_CONSUMER on kafka::client::ConsumerCore —
// subscribe/assign, consumer_poll, consumed messages, commits, positions, rebalance and
// offset-commit callbacks, group metadata.
#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include "consumer.h"
#include "internal.h"

namespace kc = kafka::client;

struct rd_kafka_consumer_group_metadata_s {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

namespace kafkaplus::facade {
namespace {

constexpr uint32_t kConsumedMagic = 0x4b50434d;  // "KPCM"

// A consumed message: the public struct first (the application holds a pointer to it), then
// the core's message that payload and key point into (no copy).
struct ConsumedMessage {
  rd_kafka_message_t msg{};
  uint32_t magic = kConsumedMagic;  // at the same place as the delivery-report magic
  kc::ConsumerMessagePtr core;      // null for errors made up by the facade
  rd_kafka_headers_t* headers = nullptr;
  bool headers_detached = false;
  std::string errstr;
};

ConsumedMessage* as_consumed(const rd_kafka_message_t* m) {
  if (!m) return nullptr;
  auto* c = reinterpret_cast<ConsumedMessage*>(const_cast<rd_kafka_message_t*>(m));
  return c->magic == kConsumedMagic ? c : nullptr;
}

rd_kafka_message_t* error_message(rd_kafka_resp_err_t err) {
  auto* c = new ConsumedMessage();
  c->msg.err = err;
  c->msg.partition = RD_KAFKA_PARTITION_UA;
  c->msg.offset = RD_KAFKA_OFFSET_INVALID;
  c->errstr = rd_kafka_err2str(err);
  c->msg.payload = c->errstr.data();
  c->msg.len = c->errstr.size();
  return &c->msg;
}

rd_kafka_message_t* wrap(rd_kafka_t* rk, kc::ConsumerMessagePtr core) {
  auto* c = new ConsumedMessage();
  const kc::ConsumerMessage& m = *core;
  c->msg.err = static_cast<rd_kafka_resp_err_t>(m.error());
  if (!m.topic().empty()) {
    rd_kafka_topic_t* rkt = rk->last_consumed_topic.load(std::memory_order_acquire);
    if (!rkt || rkt->name != m.topic()) {
      rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
      rkt = topic_get(rk, m.topic().c_str(), nullptr, &err, nullptr);
      rk->last_consumed_topic.store(rkt, std::memory_order_release);
    }
    c->msg.rkt = rkt;
  }
  c->msg.partition = m.partition();
  c->msg.offset = m.offset();
  if (m.error()) {
    // librdkafka hands consumer errors out with the reason as the payload.
    c->errstr = m.error_string().empty() ? rd_kafka_err2str(c->msg.err) : m.error_string();
    c->msg.payload = c->errstr.data();
    c->msg.len = c->errstr.size();
  } else {
    kafka::NullableBytes value = m.value(), key = m.key();
    c->msg.payload = value ? const_cast<uint8_t*>(value->data()) : nullptr;
    c->msg.len = value ? value->size() : 0;
    c->msg.key = key ? const_cast<uint8_t*>(key->data()) : nullptr;
    c->msg.key_len = key ? key->size() : 0;
  }
  c->core = std::move(core);
  return &c->msg;
}

kc::ConsumerCore* consumer_of(rd_kafka_t* rk) { return rk ? rk->consumer.get() : nullptr; }

// Group operations need a consumer with group.id, as librdkafka's need its cgrp.
kc::ConsumerCore* group_consumer(rd_kafka_t* rk) {
  kc::ConsumerCore* c = consumer_of(rk);
  return c && rk->has_group ? c : nullptr;
}

rd_kafka_error_t* error_object(int err) {
  if (!err) return nullptr;
  return rd_kafka_error_new(static_cast<rd_kafka_resp_err_t>(err), "%s",
                            rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)));
}

void log_line(rd_kafka_t* rk, int level, const char* fac, const char* msg) {
  if (level > rk->log_level.load(std::memory_order_relaxed)) return;
  if (rk->conf.log_cb) rk->conf.log_cb(rk, level, fac, msg);
}

}  // namespace

void warn_other_role_properties(rd_kafka_t* rk) {
  bool consumer = rk->type == RD_KAFKA_CONSUMER;
  int other = consumer ? kProducer : kConsumer;
  const char* other_name = consumer ? "producer" : "consumer";
  const char* self_name = consumer ? "consumer" : "producer";
  const auto& tab = properties();
  auto check = [&](const ConfValues& values) {
    for (size_t i = 0; i < tab.size(); i++) {
      const PropDef& p = tab[i];
      if (!(p.scope & values.scope) || !(p.scope & other) || !values.v[i].modified) continue;
      std::string text = std::string("Configuration property ") + p.name + " is a " + other_name +
                         " property and will be ignored by this " + self_name + " instance";
      log_line(rk, 4, "CONFWARN", text.c_str());
    }
  };
  check(rk->conf.values);
  if (rk->conf.topic_conf) check(rk->conf.topic_conf->values);
}

bool is_consumed(const rd_kafka_message_t* m) { return as_consumed(m) != nullptr; }

bool consumed_errstr(const rd_kafka_message_t* m, const char** out) {
  ConsumedMessage* c = as_consumed(m);
  if (!c) return false;
  *out = m->err ? c->errstr.c_str() : nullptr;
  return true;
}

bool consumed_timestamp(const rd_kafka_message_t* m, int64_t* ts, rd_kafka_timestamp_type_t* type) {
  ConsumedMessage* c = as_consumed(m);
  if (!c) return false;
  if (!c->core || c->core->timestamp_type() == kc::TimestampType::NotAvailable) {
    *type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    *ts = -1;
  } else {
    *type = static_cast<rd_kafka_timestamp_type_t>(c->core->timestamp_type());
    *ts = c->core->timestamp();
  }
  return true;
}

bool consumed_headers(const rd_kafka_message_t* m, rd_kafka_headers_t** hdrsp, bool detach,
                      rd_kafka_resp_err_t* err) {
  ConsumedMessage* c = as_consumed(m);
  if (!c) return false;
  *err = RD_KAFKA_RESP_ERR__NOENT;
  if (!c->core || c->headers_detached) return true;
  if (!c->headers) {
    kafka::RecordHeaders hs = c->core->headers();
    if (hs.empty()) return true;
    c->headers = rd_kafka_headers_new(hs.size());
    for (const kafka::RecordHeader& h : hs)
      rd_kafka_header_add(c->headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr, h.value ? static_cast<ssize_t>(h.value->size()) : 0);
  }
  *hdrsp = c->headers;
  if (detach) c->headers_detached = true;
  *err = RD_KAFKA_RESP_ERR_NO_ERROR;
  return true;
}

bool consumed_leader_epoch(const rd_kafka_message_t* m, int32_t* epoch) {
  ConsumedMessage* c = as_consumed(m);
  if (!c) return false;
  *epoch = c->core ? c->core->leader_epoch() : -1;
  return true;
}

const char* finalize_consumer_conf(const rd_kafka_conf_s& conf) {
  const ConfValues& g = conf.values;
  int message_max = g.int_value("message.max.bytes");
  int fetch_max = g.int_value("fetch.max.bytes");
  if (g.is_modified("fetch.max.bytes")) {
    if (fetch_max < message_max) return "`fetch.max.bytes` must be >= `message.max.bytes`";
  } else {
    // librdkafka's automatic adjustment, needed for the receive.message.max.bytes check.
    int64_t queued = static_cast<int64_t>(g.int_value("queued.max.messages.kbytes")) * 1024;
    fetch_max = static_cast<int>(std::max<int64_t>(std::min<int64_t>(fetch_max, queued), message_max));
  }
  if (g.is_modified("receive.message.max.bytes") &&
      static_cast<int64_t>(fetch_max) + 512 > g.int_value("receive.message.max.bytes"))
    return "`receive.message.max.bytes` must be >= `fetch.max.bytes` + 512";
  if (g.int_value("max.poll.interval.ms") < g.int_value("session.timeout.ms"))
    return "`max.poll.interval.ms`must be >= `session.timeout.ms`";
  return nullptr;
}

// Creates the consumer engine of a new consumer instance; false with the reason in why.
bool start_consumer(rd_kafka_t* rk, std::string& why) {
  rd_kafka_t* self = rk;
  rk->type = RD_KAFKA_CONSUMER;
  int gidx = find_property(kGlobal, "group.id");
  rk->has_group = gidx >= 0 && rk->conf.values.v[gidx].has && !rk->conf.values.v[gidx].str.empty();
  warn_other_role_properties(rk);

  kc::Properties props;
  rk->conf.values.modified_properties(props);
  if (rk->conf.topic_conf) rk->conf.topic_conf->values.modified_properties(props);

  kc::ConsumerCallbacks cb;
  if (rk->conf.rebalance_cb) {
    cb.rebalance = [self](int err, kc::TopicPartitionList& partitions) {
      if (self->destroying) {  // the application is gone: do what the callback would have done
        if (!self->consumer) return;
        bool cooperative = self->consumer->rebalance_protocol() == kc::RebalanceProtocol::Cooperative;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
          if (cooperative) self->consumer->incremental_assign(partitions);
          else self->consumer->assign(partitions);
        } else if (cooperative) {
          self->consumer->incremental_unassign(partitions);
        } else {
          self->consumer->assign({});
        }
        return;
      }
      rd_kafka_topic_partition_list_t* list = from_core(partitions);
      self->conf.rebalance_cb(self, static_cast<rd_kafka_resp_err_t>(err), list, self->conf.opaque);
      rd_kafka_topic_partition_list_destroy(list);
    };
  }
  if (rk->conf.offset_commit_cb) {
    cb.offset_commit = [self](int err, const kc::TopicPartitionList& offsets) {
      if (self->destroying) return;
      rd_kafka_topic_partition_list_t* list = from_core(offsets);
      self->conf.offset_commit_cb(self, static_cast<rd_kafka_resp_err_t>(err), list, self->conf.opaque);
      rd_kafka_topic_partition_list_destroy(list);
    };
  }
  cb.error = [self](int err, const std::string& reason) {
    if (self->destroying) return;
    if (self->conf.error_cb) self->conf.error_cb(self, err, reason.c_str(), self->conf.opaque);
    else log_line(self, 3, "ERROR", reason.c_str());
  };
  cb.log = [self](int level, const std::string& fac, const std::string& msg) {
    log_line(self, level, fac.c_str(), msg.c_str());
  };
  if (rk->conf.stats_cb) {
    cb.stats = [self](const std::string& json) {
      if (self->destroying) return;
      char* copy = static_cast<char*>(std::malloc(json.size() + 1));
      std::memcpy(copy, json.c_str(), json.size() + 1);
      if (self->conf.stats_cb(self, copy, json.size(), self->conf.opaque) == 0) std::free(copy);
    };
  }
  rk->consumer = kc::ConsumerCore::create(props, std::move(cb), why);
  if (!rk->consumer) return false;
  rk->name = rk->consumer->name();
  return true;
}

}  // namespace kafkaplus::facade

using namespace kafkaplus::facade;

extern "C" {

// ---- consumed messages ----

void rd_kafka_message_destroy(rd_kafka_message_t* rkmessage) {
  ConsumedMessage* c = as_consumed(rkmessage);
  if (!c) return;  // not ours to free (delivery reports belong to the library)
  if (c->headers && !c->headers_detached) rd_kafka_headers_destroy(c->headers);
  c->magic = 0;
  delete c;
}

int32_t rd_kafka_message_leader_epoch(const rd_kafka_message_t* rkmessage) {
  int32_t epoch = -1;
  consumed_leader_epoch(rkmessage, &epoch);
  return epoch;
}

// ---- subscription ----

rd_kafka_resp_err_t rd_kafka_subscribe(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* topics) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!topics) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  std::vector<std::string> names;
  for (int i = 0; i < topics->cnt; i++) {
    const char* t = topics->elems[i].topic;
    if (!t || !*t) return RD_KAFKA_RESP_ERR__INVALID_ARG;
    names.emplace_back(t);
  }
  return static_cast<rd_kafka_resp_err_t>(c->subscribe(names));
}

rd_kafka_resp_err_t rd_kafka_unsubscribe(rd_kafka_t* rk) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  return static_cast<rd_kafka_resp_err_t>(c->unsubscribe());
}

rd_kafka_resp_err_t rd_kafka_subscription(rd_kafka_t* rk, rd_kafka_topic_partition_list_t** topics) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  std::vector<std::string> names = c->subscription();
  *topics = rd_kafka_topic_partition_list_new(static_cast<int>(names.size()));
  for (const auto& n : names) rd_kafka_topic_partition_list_add(*topics, n.c_str(), RD_KAFKA_PARTITION_UA);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// ---- consuming ----

rd_kafka_message_t* rd_kafka_consumer_poll(rd_kafka_t* rk, int timeout_ms) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return error_message(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  kc::ConsumerMessagePtr m = c->consume(timeout_ms);
  return m ? wrap(rk, std::move(m)) : nullptr;
}

rd_kafka_resp_err_t rd_kafka_consumer_close(rd_kafka_t* rk) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  return static_cast<rd_kafka_resp_err_t>(c->close());
}

int rd_kafka_consumer_closed(rd_kafka_t* rk) {
  kc::ConsumerCore* c = consumer_of(rk);
  return c && c->closed() ? 1 : 0;
}

rd_kafka_resp_err_t rd_kafka_poll_set_consumer(rd_kafka_t* rk) {
  if (!group_consumer(rk)) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  rk->poll_set_consumer = true;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// ---- assignment ----

rd_kafka_resp_err_t rd_kafka_assign(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  return static_cast<rd_kafka_resp_err_t>(c->assign(to_core(partitions)));
}

rd_kafka_error_t* rd_kafka_incremental_assign(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return error_object(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  if (!partitions) return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "partitions must not be NULL");
  return error_object(c->incremental_assign(to_core(partitions)));
}

rd_kafka_error_t* rd_kafka_incremental_unassign(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return error_object(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  if (!partitions) return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "partitions must not be NULL");
  return error_object(c->incremental_unassign(to_core(partitions)));
}

rd_kafka_resp_err_t rd_kafka_assignment(rd_kafka_t* rk, rd_kafka_topic_partition_list_t** partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  *partitions = from_core(c->assignment());
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

int rd_kafka_assignment_lost(rd_kafka_t* rk) {
  kc::ConsumerCore* c = consumer_of(rk);
  return c && c->assignment_lost() ? 1 : 0;
}

const char* rd_kafka_rebalance_protocol(rd_kafka_t* rk) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return nullptr;
  switch (c->rebalance_protocol()) {
    case kc::RebalanceProtocol::Eager: return "EAGER";
    case kc::RebalanceProtocol::Cooperative: return "COOPERATIVE";
    default: return "NONE";
  }
}

// ---- offsets ----

rd_kafka_resp_err_t rd_kafka_commit(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* offsets, int async) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!offsets) return static_cast<rd_kafka_resp_err_t>(c->commit(nullptr, async != 0));
  CoreTopicPartitions list = to_core(offsets);
  return static_cast<rd_kafka_resp_err_t>(c->commit(&list, async != 0));
}

rd_kafka_resp_err_t rd_kafka_commit_message(rd_kafka_t* rk, const rd_kafka_message_t* rkmessage, int async) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!rkmessage || rkmessage->err || !rkmessage->rkt) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list(1);
  list[0].topic = rkmessage->rkt->name;
  list[0].partition = rkmessage->partition;
  list[0].offset = rkmessage->offset + 1;
  list[0].leader_epoch = rd_kafka_message_leader_epoch(rkmessage);
  return static_cast<rd_kafka_resp_err_t>(c->commit(&list, async != 0));
}

rd_kafka_resp_err_t rd_kafka_committed(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions, int timeout_ms) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!partitions) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(partitions);
  int err = c->committed(list, timeout_ms);
  update_from_core(partitions, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_position(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!partitions) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(partitions);
  int err = c->position(list);
  update_from_core(partitions, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_offsets_store(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* offsets) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (!offsets) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  // librdkafka refuses explicit stores while it stores automatically.
  if (rk->conf.values.int_value("enable.auto.offset.store")) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(offsets);
  int err = c->offsets_store(list);
  update_from_core(offsets, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_offset_store(rd_kafka_topic_t* rkt, int32_t partition, int64_t offset) {
  kc::ConsumerCore* c = rkt ? consumer_of(rkt->rk) : nullptr;
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_GROUP;
  if (rkt->rk->conf.values.int_value("enable.auto.offset.store")) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list(1);
  list[0].topic = rkt->name;
  list[0].partition = partition;
  list[0].offset = offset + 1;
  int err = c->offsets_store(list);
  if (!err) err = list[0].err;
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_seek(rd_kafka_topic_t* rkt, int32_t partition, int64_t offset, int timeout_ms) {
  kc::ConsumerCore* c = rkt ? consumer_of(rkt->rk) : nullptr;
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
  return static_cast<rd_kafka_resp_err_t>(c->seek(rkt->name, partition, offset, timeout_ms));
}

rd_kafka_error_t* rd_kafka_seek_partitions(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions,
                                           int timeout_ms) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return error_object(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  if (!partitions) return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "partitions must not be NULL");
  CoreTopicPartitions list = to_core(partitions);
  int err = c->seek_partitions(list, timeout_ms);
  update_from_core(partitions, list);
  return error_object(err);
}

rd_kafka_resp_err_t rd_kafka_pause_partitions(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
  if (!partitions) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(partitions);
  int err = c->pause(list);
  update_from_core(partitions, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_resume_partitions(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
  if (!partitions) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(partitions);
  int err = c->resume(list);
  update_from_core(partitions, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_get_watermark_offsets(rd_kafka_t* rk, const char* topic, int32_t partition,
                                                   int64_t* low, int64_t* high) {
  kc::ConsumerCore* c = consumer_of(rk);
  if (!c) return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
  int64_t lo = RD_KAFKA_OFFSET_INVALID, hi = RD_KAFKA_OFFSET_INVALID;
  int err = c->get_watermark_offsets(topic ? topic : "", partition, lo, hi);
  if (!err) {
    if (low) *low = lo;
    if (high) *high = hi;
  }
  return static_cast<rd_kafka_resp_err_t>(err);
}

// ---- group metadata ----

rd_kafka_consumer_group_metadata_t* rd_kafka_consumer_group_metadata(rd_kafka_t* rk) {
  kc::ConsumerCore* c = group_consumer(rk);
  if (!c) return nullptr;
  kc::GroupMetadata g = c->group_metadata();
  auto* md = new rd_kafka_consumer_group_metadata_t();
  md->group_id = g.group_id;
  md->generation_id = g.generation_id;
  md->member_id = g.member_id;
  md->group_instance_id = g.group_instance_id;
  return md;
}

rd_kafka_consumer_group_metadata_t* rd_kafka_consumer_group_metadata_new(const char* group_id) {
  return rd_kafka_consumer_group_metadata_new_with_genid(group_id, -1, "", nullptr);
}

rd_kafka_consumer_group_metadata_t* rd_kafka_consumer_group_metadata_new_with_genid(const char* group_id,
                                                                                    int32_t generation_id,
                                                                                    const char* member_id,
                                                                                    const char* group_instance_id) {
  if (!group_id || !member_id) return nullptr;
  auto* md = new rd_kafka_consumer_group_metadata_t();
  md->group_id = group_id;
  md->generation_id = generation_id;
  md->member_id = member_id;
  if (group_instance_id) md->group_instance_id = group_instance_id;
  return md;
}

void rd_kafka_consumer_group_metadata_destroy(rd_kafka_consumer_group_metadata_t* cgmd) { delete cgmd; }

}  // extern "C"

namespace {
// Serialized group metadata: a magic, then generation id, then group id, member id and (flag
// + value) instance id as length-prefixed strings, little endian.
constexpr char kCgmdMagic[8] = {'K', 'P', 'C', 'G', 'M', 'D', '1', '\0'};

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; i++) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out += s;
}
bool get_u32(const unsigned char*& p, const unsigned char* end, uint32_t& v) {
  if (end - p < 4) return false;
  v = 0;
  for (int i = 0; i < 4; i++) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  p += 4;
  return true;
}
bool get_str(const unsigned char*& p, const unsigned char* end, std::string& s) {
  uint32_t n;
  if (!get_u32(p, end, n) || static_cast<size_t>(end - p) < n) return false;
  s.assign(reinterpret_cast<const char*>(p), n);
  p += n;
  return true;
}
}  // namespace

extern "C" {

rd_kafka_error_t* rd_kafka_consumer_group_metadata_write(const rd_kafka_consumer_group_metadata_t* cgmd,
                                                         void** bufferp, size_t* sizep) {
  std::string out(kCgmdMagic, sizeof kCgmdMagic);
  put_u32(out, static_cast<uint32_t>(cgmd->generation_id));
  put_str(out, cgmd->group_id);
  put_str(out, cgmd->member_id);
  out.push_back(cgmd->group_instance_id ? 1 : 0);
  if (cgmd->group_instance_id) put_str(out, *cgmd->group_instance_id);
  *bufferp = std::malloc(out.size());
  std::memcpy(*bufferp, out.data(), out.size());
  *sizep = out.size();
  return nullptr;
}

rd_kafka_error_t* rd_kafka_consumer_group_metadata_read(rd_kafka_consumer_group_metadata_t** cgmdp,
                                                        const void* buffer, size_t size) {
  const auto* p = static_cast<const unsigned char*>(buffer);
  const unsigned char* end = p + size;
  auto bad = [] {
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__BAD_MSG, "Input buffer is not a serialized consumer group metadata object");
  };
  if (size < sizeof kCgmdMagic || std::memcmp(p, kCgmdMagic, sizeof kCgmdMagic) != 0) return bad();
  p += sizeof kCgmdMagic;
  auto md = std::make_unique<rd_kafka_consumer_group_metadata_t>();
  uint32_t gen;
  if (!get_u32(p, end, gen) || !get_str(p, end, md->group_id) || !get_str(p, end, md->member_id) || p >= end)
    return bad();
  md->generation_id = static_cast<int32_t>(gen);
  if (*p++) {
    std::string inst;
    if (!get_str(p, end, inst)) return bad();
    md->group_instance_id = std::move(inst);
  }
  if (p != end) return bad();
  *cgmdp = md.release();
  return nullptr;
}

}  // extern "C"

namespace kafkaplus::facade {
// rd_kafka_poll() on a consumer: messages go to consume_cb once rd_kafka_poll_set_consumer()
// was called (librdkafka serves the consumer queue then); otherwise callbacks only.
int consumer_poll_callbacks(rd_kafka_t* rk, int timeout_ms) {
  if (rk->conf.consume_cb && rk->poll_set_consumer.load()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, timeout_ms);
    if (!m) return 0;
    rk->conf.consume_cb(m, rk->conf.opaque);
    rd_kafka_message_destroy(m);
    return 1;
  }
  return rk->consumer->poll(timeout_ms);
}
}  // namespace kafkaplus::facade

// ---- the legacy simple consumer: per-partition consuming on the same engine ----

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

Clock::time_point deadline_after(int timeout_ms) {
  // Negative: wait "forever" (a day at a time is plenty for a loop that re-checks).
  return Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 24 * 3600 * 1000 : timeout_ms);
}

// The next message of rkt/partition within the deadline: from the stash, else from the engine,
// stashing the other partitions' messages. Errors not tied to a partition come back at once.
rd_kafka_message_t* legacy_next(rd_kafka_topic_t* rkt, int32_t partition, Clock::time_point deadline) {
  rd_kafka_t* rk = rkt->rk;
  auto key = std::make_pair(rkt->name, partition);
  for (;;) {
    {
      std::lock_guard lk(rk->legacy_mu);
      auto it = rk->legacy_stash.find(key);
      if (it != rk->legacy_stash.end() && !it->second.empty()) {
        rd_kafka_message_t* m = it->second.front();
        it->second.pop_front();
        return m;
      }
    }
    kc::ConsumerMessagePtr core = rk->consumer->consume(remaining_ms(deadline));
    if (!core) {
      if (Clock::now() >= deadline || rk->consumer->closed()) return nullptr;
      continue;
    }
    rd_kafka_message_t* m = wrap(rk, std::move(core));
    if (!m->rkt || (m->rkt == rkt && m->partition == partition)) return m;
    std::lock_guard lk(rk->legacy_mu);
    rk->legacy_stash[{m->rkt->name, m->partition}].push_back(m);
  }
}

}  // namespace

extern "C" {

int rd_kafka_consume_start(rd_kafka_topic_t* rkt, int32_t partition, int64_t offset) {
  kc::ConsumerCore* c = rkt ? consumer_of(rkt->rk) : nullptr;
  if (!c || partition < 0) {
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return -1;
  }
  kc::TopicPartitionList list(1);
  list[0].topic = rkt->name;
  list[0].partition = partition;
  list[0].offset = offset;
  int err = c->incremental_assign(list);
  set_last_error(static_cast<rd_kafka_resp_err_t>(err));
  return err ? -1 : 0;
}

int rd_kafka_consume_stop(rd_kafka_topic_t* rkt, int32_t partition) {
  kc::ConsumerCore* c = rkt ? consumer_of(rkt->rk) : nullptr;
  if (!c) {
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return -1;
  }
  kc::TopicPartitionList list(1);
  list[0].topic = rkt->name;
  list[0].partition = partition;
  int err = c->incremental_unassign(list);
  std::deque<rd_kafka_message_t*> dropped;
  {
    std::lock_guard lk(rkt->rk->legacy_mu);
    auto it = rkt->rk->legacy_stash.find({rkt->name, partition});
    if (it != rkt->rk->legacy_stash.end()) {
      dropped.swap(it->second);
      rkt->rk->legacy_stash.erase(it);
    }
  }
  for (rd_kafka_message_t* m : dropped) rd_kafka_message_destroy(m);
  set_last_error(static_cast<rd_kafka_resp_err_t>(err));
  return err ? -1 : 0;
}

rd_kafka_message_t* rd_kafka_consume(rd_kafka_topic_t* rkt, int32_t partition, int timeout_ms) {
  if (!rkt || !consumer_of(rkt->rk)) {
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return nullptr;
  }
  rd_kafka_message_t* m = legacy_next(rkt, partition, deadline_after(timeout_ms));
  set_last_error(m ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__TIMED_OUT);
  return m;
}

ssize_t rd_kafka_consume_batch(rd_kafka_topic_t* rkt, int32_t partition, int timeout_ms,
                               rd_kafka_message_t** rkmessages, size_t rkmessages_size) {
  if (!rkt || !consumer_of(rkt->rk)) {
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return -1;
  }
  auto deadline = deadline_after(timeout_ms);
  size_t n = 0;
  while (n < rkmessages_size) {
    rd_kafka_message_t* m = legacy_next(rkt, partition, deadline);
    if (!m) break;
    rkmessages[n++] = m;
  }
  set_last_error(RD_KAFKA_RESP_ERR_NO_ERROR);
  return static_cast<ssize_t>(n);
}

int rd_kafka_consume_callback(rd_kafka_topic_t* rkt, int32_t partition, int timeout_ms,
                              void (*consume_cb)(rd_kafka_message_t* rkmessage, void* commit_opaque),
                              void* commit_opaque) {
  if (!rkt || !consumer_of(rkt->rk) || !consume_cb) {
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return -1;
  }
  // Waits up to timeout_ms for the first message, then serves what is there without waiting
  // (the library frees each message after the callback).
  auto deadline = deadline_after(timeout_ms);
  int served = 0;
  while (rd_kafka_message_t* m = legacy_next(rkt, partition, deadline)) {
    consume_cb(m, commit_opaque);
    rd_kafka_message_destroy(m);
    served++;
    deadline = Clock::now();
  }
  set_last_error(RD_KAFKA_RESP_ERR_NO_ERROR);
  return served;
}

}  // extern "C"

kafka::client::TxnGroupMetadata kafkaplus::facade::group_metadata_to_core(const rd_kafka_consumer_group_metadata_t* md) {
  return {md->group_id, md->generation_id, md->member_id, md->group_instance_id};
}
