// The C client instance: rd_kafka_t and rd_kafka_topic_t on kafka::client::ProducerCore (or
// ConsumerCore for consumers, see consumer.cpp), producing (produce / producev / produceva /
// produce_batch), delivery reports, callbacks, message accessors, metadata and offsets queries.
#include <syslog.h>
#include <sys/time.h>

#include <chrono>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <type_traits>

#include "consumer.h"
#include "internal.h"
#include "producer.h"

namespace kc = kafka::client;

namespace kafkaplus::facade {
namespace {

std::atomic<int> g_live_instances{0};

constexpr uint32_t kDrMagic = 0x4b504452;  // "KPDR"

// A delivery-report message: the public struct first, so an rd_kafka_message_t* handed to the
// application can be mapped back to the report it came from.
struct DrMessage {
  rd_kafka_message_t msg{};
  uint32_t magic = kDrMagic;
  const kc::DeliveryReport* dr = nullptr;
  rd_kafka_headers_t* headers = nullptr;  // built on demand
  bool headers_detached = false;
  std::string errstr;
};

const DrMessage* as_dr(const rd_kafka_message_t* m) {
  if (!m) return nullptr;
  auto* d = reinterpret_cast<const DrMessage*>(m);
  return d->magic == kDrMagic && d->dr ? d : nullptr;
}

void log_line(rd_kafka_t* rk, int level, const char* fac, const char* msg) {
  if (level > rk->log_level.load(std::memory_order_relaxed)) return;
  if (rk->conf.log_cb) rk->conf.log_cb(rk, level, fac, msg);
}

// Runs fn on the instance's engine: the cluster queries have the same signatures on both.
template <class Fn>
auto with_core(rd_kafka_t* rk, Fn&& fn) {
  if (rk->consumer) return fn(*rk->consumer);
  return fn(*rk->core);
}

// Checks across properties that librdkafka makes when the instance is created.
const char* finalize_producer_conf(const rd_kafka_conf_s& conf) {
  const ConfValues& g = conf.values;
  static const rd_kafka_topic_conf_s kDefaultTopic;
  const ConfValues& t = conf.topic_conf ? conf.topic_conf->values : kDefaultTopic.values;
  int idx = find_property(kGlobal, "transactional.id");
  bool transactional = idx >= 0 && g.v[idx].has && !g.v[idx].str.empty();
  bool idempotence = g.int_value("enable.idempotence") != 0;
  if (transactional && !idempotence) {
    if (g.is_modified("enable.idempotence")) return "`transactional.id` requires `enable.idempotence=true`";
    idempotence = true;
  }
  if (idempotence) {
    if (g.is_modified("max.in.flight") && g.int_value("max.in.flight") > 5)
      return "`max.in.flight` must be set <= 5 when `enable.idempotence` is true";
    if (g.is_modified("retries") && g.int_value("retries") < 1)
      return "`retries` must be set >= 1 when `enable.idempotence` is true";
    if (g.is_modified("queue.buffering.backpressure.threshold") &&
        g.int_value("queue.buffering.backpressure.threshold") > 1)
      return "`queue.buffering.backpressure.threshold` must be set to 1 when `enable.idempotence` is true";
    if (t.is_modified("acks") && t.int_value("acks") != -1)
      return "`acks` must be set to `all` when `enable.idempotence` is true";
    if (t.is_modified("queuing.strategy") && t.int_value("queuing.strategy") != 0)
      return "`queuing.strategy` must be set to `fifo` when `enable.idempotence` is true";
    if (transactional && t.is_modified("message.timeout.ms") &&
        t.int_value("message.timeout.ms") > g.int_value("transaction.timeout.ms"))
      return "`message.timeout.ms` must be set <= `transaction.timeout.ms`";
  } else if (g.int_value("enable.gapless.guarantee") && g.is_modified("enable.gapless.guarantee")) {
    return "`enable.gapless.guarantee` requires `enable.idempotence` to be enabled";
  }
  if (g.int_value("reconnect.backoff.max.ms") < g.int_value("reconnect.backoff.ms"))
    return "`reconnect.backoff.max.ms` must be >= `reconnect.max.ms`";
  int mto = t.int_value("message.timeout.ms");
  if (mto != 0 && static_cast<double>(mto) <= g.dbl_value("linger.ms") && g.is_modified("linger.ms"))
    return "`message.timeout.ms` must be greater than `linger.ms`";
  return nullptr;
}

kafka::NullableBytes bytes(const void* p, size_t len) {
  if (!p) return std::nullopt;
  return kafka::ByteView(static_cast<const uint8_t*>(p), len);
}

// Produces one message; the common path of every produce API.
rd_kafka_resp_err_t produce_one(rd_kafka_topic_t* rkt, int32_t partition, int msgflags, void* payload, size_t len,
                                const void* key, size_t keylen, int64_t timestamp, const rd_kafka_headers_t* hdrs,
                                void* msg_opaque) {
  kc::Message m;
  m.topic_handle = rkt->core;
  m.topic = rkt->name;
  m.partition = partition;
  m.key = bytes(key, keylen);
  m.value = bytes(payload, len);
  bool copy_then_free = false;
  if (msgflags & RD_KAFKA_MSG_F_COPY) {
    m.value_ownership = kc::Ownership::Copy;
    copy_then_free = (msgflags & RD_KAFKA_MSG_F_FREE) != 0;
  } else if (msgflags & RD_KAFKA_MSG_F_FREE) {
    m.value_ownership = kc::Ownership::Free;
  } else {
    m.value_ownership = kc::Ownership::Borrow;
  }
  m.timestamp = timestamp;
  m.opaque = msg_opaque;
  kafka::RecordHeader small[8];
  std::vector<kafka::RecordHeader> big;
  if (hdrs && !hdrs->list.empty()) {
    kafka::RecordHeader* out = small;
    if (hdrs->list.size() > 8) {
      big.resize(hdrs->list.size());
      out = big.data();
    }
    for (size_t i = 0; i < hdrs->list.size(); i++) {
      const auto& h = hdrs->list[i];
      out[i].key = h.name;
      out[i].value = h.null ? kafka::NullableBytes() : bytes(h.value.data(), h.value.size());
    }
    m.headers = std::span<const kafka::RecordHeader>(out, hdrs->list.size());
  }
  if (!rkt->rk->core) return RD_KAFKA_RESP_ERR__INVALID_ARG;  // a consumer's topic
  int err = rkt->rk->core->produce(m, (msgflags & RD_KAFKA_MSG_F_BLOCK) != 0);
  if (err == 0 && copy_then_free) std::free(payload);
  return static_cast<rd_kafka_resp_err_t>(err);
}

void deliver(rd_kafka_t* rk, kc::DeliveryReport& dr) {
  const rd_kafka_conf_s& conf = rk->conf;
  if (!conf.dr_msg_cb && !conf.dr_cb) return;
  int err = dr.error();
  if (err == 0 && rk->dr_only_error) return;
  rd_kafka_topic_t* rkt = nullptr;
  {
    std::lock_guard lk(rk->topics_mu);
    auto it = rk->by_core.find(dr.topic_handle());
    if (it != rk->by_core.end()) rkt = it->second;
    else if (auto nt = rk->topics.find(dr.topic()); nt != rk->topics.end()) rkt = nt->second.get();
  }
  DrMessage dm;
  dm.dr = &dr;
  dm.msg.err = static_cast<rd_kafka_resp_err_t>(err);
  dm.msg.rkt = rkt;
  dm.msg.partition = dr.partition();
  kafka::NullableBytes value = dr.value();
  kafka::NullableBytes key = dr.key();
  dm.msg.payload = value ? const_cast<uint8_t*>(value->data()) : nullptr;
  dm.msg.len = value ? value->size() : 0;
  dm.msg.key = key ? const_cast<uint8_t*>(key->data()) : nullptr;
  dm.msg.key_len = key ? key->size() : 0;
  dm.msg.offset = dr.offset();
  dm.msg._private = dr.opaque();
  if (conf.dr_msg_cb) conf.dr_msg_cb(rk, &dm.msg, conf.opaque);
  if (conf.dr_cb) conf.dr_cb(rk, dm.msg.payload, dm.msg.len, dm.msg.err, conf.opaque, dm.msg._private);
  if (dm.headers && !dm.headers_detached) rd_kafka_headers_destroy(dm.headers);
}

}  // namespace

rd_kafka_topic_t* topic_get(rd_kafka_t* rk, const char* name, rd_kafka_topic_conf_t* conf,
                            rd_kafka_resp_err_t* err, std::string* errstr) {
  std::unique_ptr<rd_kafka_topic_conf_s> owned(conf);
  if (!name || !*name) {
    *err = RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (errstr) *errstr = "Invalid topic name";
    return nullptr;
  }
  std::lock_guard lk(rk->topics_mu);
  if (auto it = rk->topics.find(std::string_view(name)); it != rk->topics.end()) return it->second.get();

  auto t = std::make_unique<rd_kafka_topic_s>();
  t->rk = rk;
  t->name = name;
  if (owned) t->conf = *owned;
  else if (rk->conf.topic_conf) t->conf = *rk->conf.topic_conf;
  rd_kafka_topic_t* rkt = t.get();

  kc::Properties props;
  t->conf.values.modified_properties(props);
  kc::PartitionerFn fn;
  if (t->conf.cpp_partitioner) {
    fn = [rkt, f = t->conf.cpp_partitioner](const std::string&, const void* key, size_t keylen, int32_t cnt, void*,
                                            void* msg_opaque) { return f(rkt, key, keylen, cnt, msg_opaque); };
  } else if (t->conf.partitioner) {
    fn = [rkt, p = t->conf.partitioner, o = t->conf.opaque](const std::string&, const void* key, size_t keylen,
                                                             int32_t cnt, void*, void* msg_opaque) {
      return p(rkt, key, keylen, cnt, o, msg_opaque);
    };
  }
  if (rk->core) {  // consumers' topics are names only
    std::string why;
    t->core = rk->core->topic(t->name, &props, why, std::move(fn), t->conf.opaque);
    if (!t->core) {
      *err = RD_KAFKA_RESP_ERR__INVALID_ARG;
      if (errstr) *errstr = why;
      return nullptr;
    }
    rk->by_core[t->core] = rkt;
  }
  rk->topics.emplace(t->name, std::move(t));
  return rkt;
}

}  // namespace kafkaplus::facade

using namespace kafkaplus::facade;

rd_kafka_s::rd_kafka_s(const rd_kafka_conf_s& c) : conf(c) {}

rd_kafka_s::~rd_kafka_s() {
  for (auto& [partition, messages] : legacy_stash)
    for (rd_kafka_message_t* m : messages) rd_kafka_message_destroy(m);
  // Stop the engine (and its threads, which may call partitioners) before the topics go.
  consumer.reset();
  core.reset();
  topics.clear();
}

extern "C" {

rd_kafka_t* rd_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t* conf, char* errstr, size_t errstr_size) {
  if (type != RD_KAFKA_PRODUCER && type != RD_KAFKA_CONSUMER) {
    set_errstr(errstr, errstr_size, "Invalid client type");
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return nullptr;
  }
  rd_kafka_conf_s defaults;
  const rd_kafka_conf_s& c = conf ? *conf : defaults;
  if (type == RD_KAFKA_CONSUMER) {
    if (const char* why = finalize_consumer_conf(c)) {
      set_errstr(errstr, errstr_size, why);
      set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
      return nullptr;
    }
    auto rk = std::make_unique<rd_kafka_s>(c);
    rk->log_level = rk->conf.values.int_value("log_level");
    std::string why;
    if (!start_consumer(rk.get(), why)) {
      set_errstr(errstr, errstr_size, why);
      set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
      return nullptr;
    }
    delete conf;
    g_live_instances.fetch_add(1);
    return rk.release();
  }
  if (const char* why = finalize_producer_conf(c)) {
    set_errstr(errstr, errstr_size, why);
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return nullptr;
  }

  auto rk = std::make_unique<rd_kafka_s>(c);
  rk->log_level = rk->conf.values.int_value("log_level");
  rk->dr_only_error = rk->conf.values.int_value("delivery.report.only.error") != 0;
  rd_kafka_t* self = rk.get();

  kc::Properties props;
  rk->conf.values.modified_properties(props);
  if (rk->conf.topic_conf) rk->conf.topic_conf->values.modified_properties(props);

  kc::ProducerCallbacks cb;
  cb.delivery = [self](kc::DeliveryReport& dr) { deliver(self, dr); };
  cb.error = [self](int err, const std::string& reason) {
    if (self->conf.error_cb) self->conf.error_cb(self, err, reason.c_str(), self->conf.opaque);
    else log_line(self, LOG_ERR, "ERROR", reason.c_str());
  };
  cb.log = [self](int level, const std::string& fac, const std::string& msg) {
    log_line(self, level, fac.c_str(), msg.c_str());
  };
  if (rk->conf.stats_cb) {
    cb.stats = [self](const std::string& json) {
      char* copy = static_cast<char*>(std::malloc(json.size() + 1));
      std::memcpy(copy, json.c_str(), json.size() + 1);
      if (self->conf.stats_cb(self, copy, json.size(), self->conf.opaque) == 0) std::free(copy);
    };
  }
  cb.opaque = rk->conf.topic_conf ? rk->conf.topic_conf->opaque : nullptr;

  std::string why;
  rk->core = kc::ProducerCore::create(props, std::move(cb), why);
  if (!rk->core) {
    set_errstr(errstr, errstr_size, why);
    set_last_error(RD_KAFKA_RESP_ERR__INVALID_ARG);
    return nullptr;
  }
  rk->name = rk->core->name();
  warn_other_role_properties(self);
  delete conf;  // the instance owns the configuration from now on
  g_live_instances.fetch_add(1);
  return rk.release();
}

void rd_kafka_destroy_flags(rd_kafka_t* rk, int flags) {
  if (!rk) return;
  // Close while the instance is whole: the rebalance callback runs in close().
  if (rk->consumer) {
    if (!(flags & RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)) rk->consumer->close();
    // The engine closes in any case; do it here, where rk->consumer is still set, without the
    // application (the callbacks do what an application's rebalance callback would).
    rk->destroying = true;
    rk->consumer->close();
  }
  delete rk;
  g_live_instances.fetch_sub(1);
}

void rd_kafka_destroy(rd_kafka_t* rk) { rd_kafka_destroy_flags(rk, 0); }

int rd_kafka_wait_destroyed(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (g_live_instances.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

const char* rd_kafka_name(const rd_kafka_t* rk) { return rk->name.c_str(); }

rd_kafka_type_t rd_kafka_type(const rd_kafka_t* rk) { return rk->type; }

char* rd_kafka_memberid(const rd_kafka_t* rk) {
  if (!rk->consumer || !rk->has_group) return nullptr;
  return strdup(rk->consumer->member_id().c_str());
}

void rd_kafka_mem_free(rd_kafka_t* rk, void* ptr) { std::free(ptr); }
void* rd_kafka_mem_calloc(rd_kafka_t* rk, size_t num, size_t size) { return std::calloc(num, size); }
void* rd_kafka_mem_malloc(rd_kafka_t* rk, size_t size) { return std::malloc(size); }

char* rd_kafka_clusterid(rd_kafka_t* rk, int timeout_ms) {
  std::string id = with_core(rk, [&](auto& core) { return core.cluster_id(timeout_ms); });
  return id.empty() ? nullptr : strdup(id.c_str());
}

int32_t rd_kafka_controllerid(rd_kafka_t* rk, int timeout_ms) {
  return with_core(rk, [&](auto& core) { return core.controller_id(timeout_ms); });
}

void* rd_kafka_opaque(const rd_kafka_t* rk) { return rk->conf.opaque; }

int rd_kafka_poll(rd_kafka_t* rk, int timeout_ms) {
  if (rk->consumer) return consumer_poll_callbacks(rk, timeout_ms);
  return rk->core->poll(timeout_ms);
}

// A consumer has no messages going out; its callbacks are served by rd_kafka_consumer_poll().
int rd_kafka_outq_len(rd_kafka_t* rk) { return rk->core ? rk->core->outq_len() : 0; }

void rd_kafka_set_log_level(rd_kafka_t* rk, int level) { rk->log_level = level; }

void rd_kafka_log_print(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  std::fprintf(stderr, "%%%i|%u.%03u|%s|%s| %s\n", level, static_cast<unsigned>(tv.tv_sec),
               static_cast<unsigned>(tv.tv_usec / 1000), fac, rk ? rk->name.c_str() : "", buf);
}

void rd_kafka_log_syslog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  syslog(level, "%s: %s", fac, buf);
}

rd_kafka_resp_err_t rd_kafka_fatal_error(rd_kafka_t* rk, char* errstr, size_t errstr_size) {
  std::string reason;
  int err = with_core(rk, [&](auto& core) { return core.fatal_error(reason); });
  if (err) set_errstr(errstr, errstr_size, reason);
  return static_cast<rd_kafka_resp_err_t>(err);
}

// ---- topics ----

rd_kafka_topic_t* rd_kafka_topic_new(rd_kafka_t* rk, const char* topic, rd_kafka_topic_conf_t* conf) {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_topic_t* rkt = topic_get(rk, topic, conf, &err, nullptr);
  if (!rkt) {
    set_last_error(err);
    return nullptr;
  }
  rkt->app_refs.fetch_add(1);
  return rkt;
}

void rd_kafka_topic_destroy(rd_kafka_topic_t* rkt) {
  // Topic objects live as long as their rd_kafka_t (delivery reports may refer to them).
  if (rkt) rkt->app_refs.fetch_sub(1);
}

const char* rd_kafka_topic_name(const rd_kafka_topic_t* rkt) { return rkt->name.c_str(); }

void* rd_kafka_topic_opaque(const rd_kafka_topic_t* rkt) { return rkt->conf.opaque; }

int rd_kafka_topic_partition_available(const rd_kafka_topic_t* rkt, int32_t partition) {
  return rkt->rk->core && rkt->rk->core->partition_available(rkt->name, partition) ? 1 : 0;
}

#define KAFKAPLUS_BUILTIN_PARTITIONER(FN, NAME)                                                            \
  int32_t FN(const rd_kafka_topic_t* rkt, const void* key, size_t keylen, int32_t partition_cnt, void*, \
             void*) {                                                                                      \
    if (partition_cnt <= 0) return RD_KAFKA_PARTITION_UA;                                                 \
    return kc::ProducerCore::builtin_partition(NAME, key, keylen, partition_cnt);                         \
  }
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_random, "random")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_consistent, "consistent")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_consistent_random, "consistent_random")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_murmur2, "murmur2")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_murmur2_random, "murmur2_random")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_fnv1a, "fnv1a")
KAFKAPLUS_BUILTIN_PARTITIONER(rd_kafka_msg_partitioner_fnv1a_random, "fnv1a_random")
#undef KAFKAPLUS_BUILTIN_PARTITIONER

// ---- producing ----

int rd_kafka_produce(rd_kafka_topic_t* rkt, int32_t partition, int msgflags, void* payload, size_t len,
                     const void* key, size_t keylen, void* msg_opaque) {
  rd_kafka_resp_err_t err = produce_one(rkt, partition, msgflags, payload, len, key, keylen, 0, nullptr, msg_opaque);
  set_last_error(err);
  return err ? -1 : 0;
}

}  // extern "C"

// The message described by vus; on failure the reason goes to *why when why is not NULL
// (rd_kafka_producev() only needs the code, so it skips formatting).
// The tag of vu as an int: applications may pass values outside the enum, so the field is not
// read as an rd_kafka_vtype_t.
static int vtype_of(const rd_kafka_vu_t& vu) {
  std::underlying_type_t<rd_kafka_vtype_t> v;
  std::memcpy(&v, &vu.vtype, sizeof v);
  return static_cast<int>(v);
}

static rd_kafka_resp_err_t produce_vus(rd_kafka_t* rk, const rd_kafka_vu_t* vus, size_t cnt, std::string* why) {
  auto fail = [why](rd_kafka_resp_err_t err, std::string msg) {
    if (why) *why = std::move(msg);
    return err;
  };
  rd_kafka_topic_t* rkt = nullptr;
  int32_t partition = RD_KAFKA_PARTITION_UA;
  void* payload = nullptr;
  size_t len = 0;
  const void* key = nullptr;
  size_t keylen = 0;
  void* opaque = nullptr;
  int flags = 0;
  int64_t timestamp = 0;
  std::unique_ptr<rd_kafka_headers_t> own_hdrs;
  rd_kafka_headers_t* app_hdrs = nullptr;

  for (size_t i = 0; i < cnt; i++) {
    const rd_kafka_vu_t& vu = vus[i];
    switch (vtype_of(vu)) {
      case RD_KAFKA_VTYPE_TOPIC: {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        std::string reason;
        rkt = topic_get(rk, vu.u.cstr, nullptr, &err, &reason);
        if (!rkt) return fail(err, reason);
        break;
      }
      case RD_KAFKA_VTYPE_RKT: rkt = vu.u.rkt; break;
      case RD_KAFKA_VTYPE_PARTITION: partition = vu.u.i32; break;
      case RD_KAFKA_VTYPE_VALUE:
        payload = vu.u.mem.ptr;
        len = vu.u.mem.size;
        break;
      case RD_KAFKA_VTYPE_KEY:
        key = vu.u.mem.ptr;
        keylen = vu.u.mem.size;
        break;
      case RD_KAFKA_VTYPE_OPAQUE: opaque = vu.u.ptr; break;
      case RD_KAFKA_VTYPE_MSGFLAGS: flags = vu.u.i; break;
      case RD_KAFKA_VTYPE_TIMESTAMP: timestamp = vu.u.i64; break;
      case RD_KAFKA_VTYPE_HEADER: {
        if (app_hdrs)
          return fail(RD_KAFKA_RESP_ERR__CONFLICT, "VTYPE_HEADER and VTYPE_HEADERS are mutually exclusive");
        if (!own_hdrs) own_hdrs.reset(rd_kafka_headers_new(8));
        rd_kafka_resp_err_t err =
            rd_kafka_header_add(own_hdrs.get(), vu.u.header.name, -1, vu.u.header.val, vu.u.header.size);
        if (err) return fail(err, std::string("Failed to add header: ") + rd_kafka_err2str(err));
        break;
      }
      case RD_KAFKA_VTYPE_HEADERS:
        if (own_hdrs)
          return fail(RD_KAFKA_RESP_ERR__CONFLICT, "VTYPE_HEADERS and VTYPE_HEADER are mutually exclusive");
        app_hdrs = vu.u.headers;
        break;
      default:
        return fail(RD_KAFKA_RESP_ERR__INVALID_ARG, "Unsupported VTYPE " + std::to_string(vtype_of(vu)));
    }
  }
  if (!rkt) return fail(RD_KAFKA_RESP_ERR__INVALID_ARG, "Topic name or object required");
  rd_kafka_resp_err_t err = produce_one(rkt, partition, flags, payload, len, key, keylen, timestamp,
                                        app_hdrs ? app_hdrs : own_hdrs.get(), opaque);
  if (err) return fail(err, why ? std::string("Failed to produce message: ") + rd_kafka_err2str(err) : std::string());
  if (app_hdrs) rd_kafka_headers_destroy(app_hdrs);  // ownership passed to the message (already copied)
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

extern "C" {

rd_kafka_error_t* rd_kafka_produceva(rd_kafka_t* rk, const rd_kafka_vu_t* vus, size_t cnt) {
  std::string why;
  rd_kafka_resp_err_t err = produce_vus(rk, vus, cnt, &why);
  if (!err) return nullptr;
  auto* e = new rd_kafka_error_s();
  e->code = err;
  e->str = why;
  e->fatal = err == RD_KAFKA_RESP_ERR__FATAL;
  return e;
}

rd_kafka_resp_err_t rd_kafka_producev(rd_kafka_t* rk, ...) {
  // Parsed into a stack array (the common case: no allocation per message).
  rd_kafka_vu_t local[16];
  std::vector<rd_kafka_vu_t> more;
  size_t n = 0;
  va_list ap;
  va_start(ap, rk);
  bool bad = false;
  for (;;) {
    rd_kafka_vu_t vu{};
    int vtype = va_arg(ap, int);
    if (vtype == RD_KAFKA_VTYPE_END) break;
    if (vtype < RD_KAFKA_VTYPE_END || vtype > RD_KAFKA_VTYPE_HEADERS) {
      bad = true;  // unknown tag: the rest of the list can't be parsed
      break;
    }
    vu.vtype = static_cast<rd_kafka_vtype_t>(vtype);
    switch (vu.vtype) {
      case RD_KAFKA_VTYPE_TOPIC: vu.u.cstr = va_arg(ap, const char*); break;
      case RD_KAFKA_VTYPE_RKT: vu.u.rkt = va_arg(ap, rd_kafka_topic_t*); break;
      case RD_KAFKA_VTYPE_PARTITION: vu.u.i32 = va_arg(ap, int32_t); break;
      case RD_KAFKA_VTYPE_VALUE:
      case RD_KAFKA_VTYPE_KEY:
        vu.u.mem.ptr = va_arg(ap, void*);
        vu.u.mem.size = va_arg(ap, size_t);
        break;
      case RD_KAFKA_VTYPE_OPAQUE: vu.u.ptr = va_arg(ap, void*); break;
      case RD_KAFKA_VTYPE_MSGFLAGS: vu.u.i = va_arg(ap, int); break;
      case RD_KAFKA_VTYPE_TIMESTAMP: vu.u.i64 = va_arg(ap, int64_t); break;
      case RD_KAFKA_VTYPE_HEADER:
        vu.u.header.name = va_arg(ap, const char*);
        vu.u.header.val = va_arg(ap, const void*);
        vu.u.header.size = va_arg(ap, ssize_t);
        break;
      case RD_KAFKA_VTYPE_HEADERS: vu.u.headers = va_arg(ap, rd_kafka_headers_t*); break;
      default: break;
    }
    if (bad) break;
    if (n < 16) {
      local[n++] = vu;
    } else {
      if (more.empty()) more.assign(local, local + 16);
      more.push_back(vu);
      n++;
    }
  }
  va_end(ap);
  if (bad) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  return produce_vus(rk, more.empty() ? local : more.data(), n, nullptr);
}

int rd_kafka_produce_batch(rd_kafka_topic_t* rkt, int32_t partition, int msgflags, rd_kafka_message_t* rkmessages,
                           int message_cnt) {
  int ok = 0;
  for (int i = 0; i < message_cnt; i++) {
    rd_kafka_message_t& m = rkmessages[i];
    int32_t p = (msgflags & RD_KAFKA_MSG_F_PARTITION) ? m.partition : partition;
    m.err = produce_one(rkt, p, msgflags & ~RD_KAFKA_MSG_F_PARTITION, m.payload, m.len, m.key, m.key_len, 0, nullptr,
                        m._private);
    if (!m.err) ok++;
  }
  return ok;
}

rd_kafka_resp_err_t rd_kafka_flush(rd_kafka_t* rk, int timeout_ms) {
  if (!rk->core) return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;  // as librdkafka on a consumer
  return static_cast<rd_kafka_resp_err_t>(rk->core->flush(timeout_ms));
}

rd_kafka_resp_err_t rd_kafka_purge(rd_kafka_t* rk, int purge_flags) {
  if (!rk->core) return RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
  return static_cast<rd_kafka_resp_err_t>(rk->core->purge(purge_flags));
}

// ---- message accessors: delivery reports here, consumed messages in consumer.cpp ----

const char* rd_kafka_message_errstr(const rd_kafka_message_t* rkmessage) {
  if (!rkmessage->err) return nullptr;
  if (const char* s; consumed_errstr(rkmessage, &s)) return s;
  const DrMessage* d = as_dr(rkmessage);
  if (!d) return rd_kafka_err2str(rkmessage->err);
  auto* dm = const_cast<DrMessage*>(d);
  const std::string& core_text = d->dr->error_string();
  // Prefer a specific reason from the core; otherwise librdkafka's text for the code.
  dm->errstr = core_text.empty() || core_text == kc::err_str(rkmessage->err) ? rd_kafka_err2str(rkmessage->err)
                                                                             : core_text;
  return dm->errstr.c_str();
}

int64_t rd_kafka_message_timestamp(const rd_kafka_message_t* rkmessage, rd_kafka_timestamp_type_t* tstype) {
  int64_t ts;
  rd_kafka_timestamp_type_t type;
  if (consumed_timestamp(rkmessage, &ts, &type)) {
    if (tstype) *tstype = type;
    return ts;
  }
  const DrMessage* d = as_dr(rkmessage);
  if (!d || d->dr->timestamp_type() == kc::TimestampType::NotAvailable) {
    if (tstype) *tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    return -1;
  }
  if (tstype) *tstype = static_cast<rd_kafka_timestamp_type_t>(d->dr->timestamp_type());
  return d->dr->timestamp();
}

int64_t rd_kafka_message_latency(const rd_kafka_message_t* rkmessage) {
  const DrMessage* d = as_dr(rkmessage);
  return d ? d->dr->latency_us() : -1;
}

int32_t rd_kafka_message_broker_id(const rd_kafka_message_t* rkmessage) {
  const DrMessage* d = as_dr(rkmessage);
  return d ? d->dr->broker_id() : -1;
}

rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t* rkmessage, rd_kafka_headers_t** hdrsp) {
  if (rd_kafka_resp_err_t err; consumed_headers(rkmessage, hdrsp, false, &err)) return err;
  const DrMessage* d = as_dr(rkmessage);
  if (!d || d->headers_detached) return RD_KAFKA_RESP_ERR__NOENT;
  auto* dm = const_cast<DrMessage*>(d);
  if (!dm->headers) {
    kafka::RecordHeaders hs = d->dr->headers();
    if (hs.empty()) return RD_KAFKA_RESP_ERR__NOENT;
    dm->headers = rd_kafka_headers_new(hs.size());
    for (const kafka::RecordHeader& h : hs)
      rd_kafka_header_add(dm->headers, h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr, h.value ? static_cast<ssize_t>(h.value->size()) : 0);
  }
  *hdrsp = dm->headers;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t rd_kafka_message_detach_headers(rd_kafka_message_t* rkmessage, rd_kafka_headers_t** hdrsp) {
  if (rd_kafka_resp_err_t err; consumed_headers(rkmessage, hdrsp, true, &err)) return err;
  rd_kafka_resp_err_t err = rd_kafka_message_headers(rkmessage, hdrsp);
  if (err) return err;
  const_cast<DrMessage*>(as_dr(rkmessage))->headers_detached = true;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_msg_status_t rd_kafka_message_status(const rd_kafka_message_t* rkmessage) {
  if (is_consumed(rkmessage)) return RD_KAFKA_MSG_STATUS_PERSISTED;  // read from the log
  const DrMessage* d = as_dr(rkmessage);
  return d ? static_cast<rd_kafka_msg_status_t>(d->dr->status()) : RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
}

// ---- metadata and offsets ----

namespace {
struct MetadataHolder {
  rd_kafka_metadata_t md{};  // first: rd_kafka_metadata_destroy() maps the pointer back
  std::vector<rd_kafka_metadata_broker_t> brokers;
  std::vector<rd_kafka_metadata_topic_t> topics;
  std::vector<std::vector<rd_kafka_metadata_partition_t>> partitions;
  std::vector<std::vector<int32_t>> ids;
  std::vector<std::string> strings;
};
}  // namespace

rd_kafka_resp_err_t rd_kafka_metadata(rd_kafka_t* rk, int all_topics, rd_kafka_topic_t* only_rkt,
                                      const struct rd_kafka_metadata** metadatap, int timeout_ms) {
  kc::ClusterMetadata cm;
  int err = with_core(rk, [&](auto& core) {
    return core.metadata(all_topics != 0, only_rkt ? &only_rkt->name : nullptr, cm, timeout_ms);
  });
  if (err) return static_cast<rd_kafka_resp_err_t>(err);
  auto h = std::make_unique<MetadataHolder>();
  // Reserve everything first: the C structs point into these vectors.
  size_t nstrings = 1 + cm.brokers.size() + cm.topics.size();
  size_t nparts = 0;
  for (const auto& t : cm.topics) nparts += t.partitions.size();
  h->strings.reserve(nstrings);
  h->ids.reserve(2 * nparts);
  h->partitions.reserve(cm.topics.size());
  auto keep = [&](const std::string& s) { return const_cast<char*>(h->strings.emplace_back(s).c_str()); };
  for (const auto& b : cm.brokers) h->brokers.push_back({b.id, keep(b.host), b.port});
  for (const auto& t : cm.topics) {
    auto& parts = h->partitions.emplace_back();
    for (const auto& p : t.partitions) {
      auto& rep = h->ids.emplace_back(p.replicas);
      auto& isr = h->ids.emplace_back(p.isrs);
      parts.push_back({p.id, static_cast<rd_kafka_resp_err_t>(p.err), p.leader, static_cast<int>(rep.size()),
                       rep.data(), static_cast<int>(isr.size()), isr.data()});
    }
    h->topics.push_back(
        {keep(t.topic), static_cast<int>(parts.size()), parts.data(), static_cast<rd_kafka_resp_err_t>(t.err)});
  }
  h->md.broker_cnt = static_cast<int>(h->brokers.size());
  h->md.brokers = h->brokers.data();
  h->md.topic_cnt = static_cast<int>(h->topics.size());
  h->md.topics = h->topics.data();
  h->md.orig_broker_id = cm.orig_broker_id;
  h->md.orig_broker_name = keep(cm.orig_broker_name);
  *metadatap = &h.release()->md;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

void rd_kafka_metadata_destroy(const struct rd_kafka_metadata* metadata) {
  delete reinterpret_cast<const MetadataHolder*>(metadata);
}

rd_kafka_resp_err_t rd_kafka_query_watermark_offsets(rd_kafka_t* rk, const char* topic, int32_t partition,
                                                     int64_t* low, int64_t* high, int timeout_ms) {
  int64_t lo = RD_KAFKA_OFFSET_INVALID, hi = RD_KAFKA_OFFSET_INVALID;
  int err = with_core(rk, [&](auto& core) { return core.query_watermark_offsets(topic, partition, lo, hi, timeout_ms); });
  if (!err) {
    if (low) *low = lo;
    if (high) *high = hi;
  }
  return static_cast<rd_kafka_resp_err_t>(err);
}

rd_kafka_resp_err_t rd_kafka_offsets_for_times(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* offsets,
                                               int timeout_ms) {
  if (!offsets) return RD_KAFKA_RESP_ERR__INVALID_ARG;
  CoreTopicPartitions list = to_core(offsets);
  int err = with_core(rk, [&](auto& core) { return core.offsets_for_times(list, timeout_ms); });
  if (!err) update_from_core(offsets, list);
  return static_cast<rd_kafka_resp_err_t>(err);
}

}  // extern "C"
