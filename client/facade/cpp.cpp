// The C++ API (namespace RdKafka), implemented on the C API of this library.
#include <librdkafka/rdkafkacpp.h>

#include <cstdlib>
#include <cstring>

#include "internal.h"
#include "producer.h"

namespace RdKafka {
namespace {

// ---- errors -----------------------------------------------------------------------------------

class ErrorImpl : public Error {
 public:
  ErrorImpl(ErrorCode code, std::string str) : code_(code), str_(std::move(str)) {}
  explicit ErrorImpl(rd_kafka_error_t* e)
      : code_(static_cast<ErrorCode>(rd_kafka_error_code(e))),
        str_(rd_kafka_error_string(e)),
        fatal_(rd_kafka_error_is_fatal(e)),
        retriable_(rd_kafka_error_is_retriable(e)),
        abort_(rd_kafka_error_txn_requires_abort(e)) {}
  ErrorCode code() const override { return code_; }
  std::string name() const override { return rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code_)); }
  std::string str() const override { return str_; }
  bool is_fatal() const override { return fatal_; }
  bool is_retriable() const override { return retriable_; }
  bool txn_requires_abort() const override { return abort_; }

 private:
  ErrorCode code_;
  std::string str_;
  bool fatal_ = false, retriable_ = false, abort_ = false;
};

// ---- events -----------------------------------------------------------------------------------

class EventImpl : public Event {
 public:
  EventImpl(Type type, ErrorCode err, Severity sev, const char* fac, const char* str)
      : type_(type), err_(err), severity_(sev), fac_(fac ? fac : ""), str_(str ? str : "") {}
  Type type() const override { return type_; }
  ErrorCode err() const override { return err_; }
  Severity severity() const override { return severity_; }
  std::string fac() const override { return fac_; }
  std::string str() const override { return str_; }
  int throttle_time() const override { return 0; }
  std::string broker_name() const override { return ""; }
  int broker_id() const override { return -1; }
  bool fatal() const override { return fatal_; }
  bool fatal_ = false;

 private:
  Type type_;
  ErrorCode err_;
  Severity severity_;
  std::string fac_;
  std::string str_;
};

// ---- headers ----------------------------------------------------------------------------------

class HeadersImpl : public Headers {
 public:
  HeadersImpl() : h_(rd_kafka_headers_new(8)), owned_(true) {}
  HeadersImpl(rd_kafka_headers_t* h, bool owned) : h_(h), owned_(owned) {}
  ~HeadersImpl() override {
    if (owned_ && h_) rd_kafka_headers_destroy(h_);
  }

  ErrorCode add(const std::string& key, const void* value, size_t value_size) override {
    return static_cast<ErrorCode>(rd_kafka_header_add(h_, key.data(), static_cast<ssize_t>(key.size()), value,
                                                      static_cast<ssize_t>(value_size)));
  }
  ErrorCode add(const std::string& key, const std::string& value) override {
    return add(key, value.data(), value.size());
  }
  ErrorCode add(const Header& header) override { return add(header.key(), header.value(), header.value_size()); }
  ErrorCode remove(const std::string& key) override {
    return static_cast<ErrorCode>(rd_kafka_header_remove(h_, key.c_str()));
  }
  std::vector<Header> get(const std::string& key) const override {
    std::vector<Header> out;
    const void* v;
    size_t sz;
    for (size_t i = 0; rd_kafka_header_get(h_, i, key.c_str(), &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
      out.emplace_back(key, v, sz);
    return out;
  }
  Header get_last(const std::string& key) const override {
    const void* v = nullptr;
    size_t sz = 0;
    rd_kafka_resp_err_t err = rd_kafka_header_get_last(h_, key.c_str(), &v, &sz);
    return Header(key, v, sz, static_cast<ErrorCode>(err));
  }
  std::vector<Header> get_all() const override {
    std::vector<Header> out;
    const char* name;
    const void* v;
    size_t sz;
    for (size_t i = 0; rd_kafka_header_get_all(h_, i, &name, &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
      out.emplace_back(name, v, sz);
    return out;
  }
  size_t size() const override { return rd_kafka_header_cnt(h_); }

  rd_kafka_headers_t* c_headers() const { return h_; }
  // The C list now belongs to someone else (a produced message).
  void release_c_headers() {
    h_ = nullptr;
    owned_ = false;
  }

 private:
  rd_kafka_headers_t* h_;
  bool owned_;
};

// ---- configuration ----------------------------------------------------------------------------

class ConfImpl : public Conf {
 public:
  explicit ConfImpl(ConfType type) : type_(type) {
    if (type == CONF_GLOBAL) rk_conf_ = rd_kafka_conf_new();
    else rkt_conf_ = rd_kafka_topic_conf_new();
  }
  ~ConfImpl() override {
    if (rk_conf_) rd_kafka_conf_destroy(rk_conf_);
    if (rkt_conf_) rd_kafka_topic_conf_destroy(rkt_conf_);
  }

  ConfResult set(const std::string& name, const std::string& value, std::string& errstr) override {
    char buf[512] = "";
    rd_kafka_conf_res_t res = rk_conf_ ? rd_kafka_conf_set(rk_conf_, name.c_str(), value.c_str(), buf, sizeof buf)
                                       : rd_kafka_topic_conf_set(rkt_conf_, name.c_str(), value.c_str(), buf, sizeof buf);
    if (res != RD_KAFKA_CONF_OK) errstr = buf;
    return static_cast<ConfResult>(res);
  }

  ConfResult set(const std::string& name, DeliveryReportCb* dr_cb, std::string& errstr) override {
    if (name != "dr_cb") return fail(errstr, "Invalid value type, expected RdKafka::DeliveryReportCb");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    dr_cb_ = dr_cb;
    return CONF_OK;
  }
  ConfResult set(const std::string& name, EventCb* event_cb, std::string& errstr) override {
    if (name != "event_cb") return fail(errstr, "Invalid value type, expected RdKafka::EventCb");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    event_cb_ = event_cb;
    return CONF_OK;
  }
  ConfResult set(const std::string& name, const Conf* topic_conf, std::string& errstr) override {
    const auto* t = dynamic_cast<const ConfImpl*>(topic_conf);
    if (name != "default_topic_conf" || !t || !t->rkt_conf_)
      return fail(errstr, "Invalid value type, expected RdKafka::Conf");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    rd_kafka_conf_set_default_topic_conf(rk_conf_, rd_kafka_topic_conf_dup(t->rkt_conf_));
    return CONF_OK;
  }
  ConfResult set(const std::string& name, PartitionerCb* cb, std::string& errstr) override {
    if (name != "partitioner_cb") return fail(errstr, "Invalid value type, expected RdKafka::PartitionerCb");
    if (!rkt_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_TOPIC object");
    rkt_conf_->cpp_partitioner_obj = cb;
    rkt_conf_->cpp_partitioner_kp_obj = nullptr;
    rkt_conf_->cpp_partitioner = [cb](const rd_kafka_topic_t* rkt, const void* key, size_t keylen, int32_t cnt,
                                      void* msg_opaque) {
      std::string k;
      if (key) k.assign(static_cast<const char*>(key), keylen);
      return cb->partitioner_cb(topic_for(rkt), key ? &k : nullptr, cnt, msg_opaque);
    };
    rkt_conf_->values.set_ptr("partitioner_cb", cb);
    return CONF_OK;
  }
  ConfResult set(const std::string& name, PartitionerKeyPointerCb* cb, std::string& errstr) override {
    if (name != "partitioner_key_pointer_cb")
      return fail(errstr, "Invalid value type, expected RdKafka::PartitionerKeyPointerCb");
    if (!rkt_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_TOPIC object");
    rkt_conf_->cpp_partitioner_kp_obj = cb;
    rkt_conf_->cpp_partitioner_obj = nullptr;
    rkt_conf_->cpp_partitioner = [cb](const rd_kafka_topic_t* rkt, const void* key, size_t keylen, int32_t cnt,
                                      void* msg_opaque) {
      return cb->partitioner_cb(topic_for(rkt), key, keylen, cnt, msg_opaque);
    };
    rkt_conf_->values.set_ptr("partitioner_cb", cb);
    return CONF_OK;
  }

  ConfResult set(const std::string& name, RebalanceCb* cb, std::string& errstr) override {
    if (name != "rebalance_cb") return fail(errstr, "Invalid value type, expected RdKafka::RebalanceCb");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    rebalance_cb_ = cb;
    return CONF_OK;
  }
  ConfResult set(const std::string& name, OffsetCommitCb* cb, std::string& errstr) override {
    if (name != "offset_commit_cb") return fail(errstr, "Invalid value type, expected RdKafka::OffsetCommitCb");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    offset_commit_cb_ = cb;
    return CONF_OK;
  }
  ConfResult set(const std::string& name, ConsumeCb* cb, std::string& errstr) override {
    if (name != "consume_cb") return fail(errstr, "Invalid value type, expected RdKafka::ConsumeCb");
    if (!rk_conf_) return fail(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
    consume_cb_ = cb;
    return CONF_OK;
  }

  ConfResult get(const std::string& name, std::string& value) const override {
    if (name == "dr_cb" || name == "event_cb" || name == "partitioner_cb" || name == "partitioner_key_pointer_cb" ||
        name == "rebalance_cb" || name == "offset_commit_cb" || name == "consume_cb")
      return CONF_INVALID;
    size_t size = 0;
    rd_kafka_conf_res_t res = rk_conf_ ? rd_kafka_conf_get(rk_conf_, name.c_str(), nullptr, &size)
                                       : rd_kafka_topic_conf_get(rkt_conf_, name.c_str(), nullptr, &size);
    if (res != RD_KAFKA_CONF_OK) return static_cast<ConfResult>(res);
    std::string buf(size, '\0');
    res = rk_conf_ ? rd_kafka_conf_get(rk_conf_, name.c_str(), buf.data(), &size)
                   : rd_kafka_topic_conf_get(rkt_conf_, name.c_str(), buf.data(), &size);
    if (res == RD_KAFKA_CONF_OK) value.assign(buf.c_str());
    return static_cast<ConfResult>(res);
  }
  ConfResult get(DeliveryReportCb*& dr_cb) const override {
    if (!rk_conf_) return CONF_INVALID;
    dr_cb = dr_cb_;
    return CONF_OK;
  }
  ConfResult get(EventCb*& event_cb) const override {
    if (!rk_conf_) return CONF_INVALID;
    event_cb = event_cb_;
    return CONF_OK;
  }
  ConfResult get(PartitionerCb*& cb) const override {
    if (!rkt_conf_) return CONF_INVALID;
    cb = static_cast<PartitionerCb*>(rkt_conf_->cpp_partitioner_obj);
    return CONF_OK;
  }
  ConfResult get(PartitionerKeyPointerCb*& cb) const override {
    if (!rkt_conf_) return CONF_INVALID;
    cb = static_cast<PartitionerKeyPointerCb*>(rkt_conf_->cpp_partitioner_kp_obj);
    return CONF_OK;
  }
  ConfResult get(RebalanceCb*& cb) const override {
    if (!rk_conf_) return CONF_INVALID;
    cb = rebalance_cb_;
    return CONF_OK;
  }
  ConfResult get(OffsetCommitCb*& cb) const override {
    if (!rk_conf_) return CONF_INVALID;
    cb = offset_commit_cb_;
    return CONF_OK;
  }

  std::list<std::string>* dump() override {
    size_t cnt = 0;
    const char** arr = rk_conf_ ? rd_kafka_conf_dump(rk_conf_, &cnt) : rd_kafka_topic_conf_dump(rkt_conf_, &cnt);
    auto* out = new std::list<std::string>();
    for (size_t i = 0; i < cnt; i++) out->push_back(arr[i]);
    rd_kafka_conf_dump_free(arr, cnt);
    return out;
  }

  rd_kafka_conf_s* c_ptr_global() override { return rk_conf_; }
  rd_kafka_topic_conf_s* c_ptr_topic() override { return rkt_conf_; }

  static Topic* topic_for(const rd_kafka_topic_t* rkt);

  ConfType type_;
  rd_kafka_conf_t* rk_conf_ = nullptr;
  rd_kafka_topic_conf_t* rkt_conf_ = nullptr;
  DeliveryReportCb* dr_cb_ = nullptr;
  EventCb* event_cb_ = nullptr;
  RebalanceCb* rebalance_cb_ = nullptr;
  OffsetCommitCb* offset_commit_cb_ = nullptr;
  ConsumeCb* consume_cb_ = nullptr;

 private:
  static ConfResult fail(std::string& errstr, const char* msg) {
    errstr = msg;
    return CONF_INVALID;
  }
};

// ---- topics -----------------------------------------------------------------------------------

class TopicImpl : public Topic {
 public:
  // owner: created by Topic::create (holds an application reference) rather than by the library.
  TopicImpl(rd_kafka_topic_t* rkt, bool owner) : rkt_(rkt), owner_(owner) {}
  ~TopicImpl() override {
    if (!owner_) return;
    void* self = this;
    rkt_->cpp_topic.compare_exchange_strong(self, nullptr);
    rd_kafka_topic_destroy(rkt_);
  }
  std::string name() const override { return rd_kafka_topic_name(rkt_); }
  bool partition_available(int32_t partition) const override {
    return rd_kafka_topic_partition_available(rkt_, partition) != 0;
  }
  rd_kafka_topic_s* c_ptr() override { return rkt_; }

 private:
  rd_kafka_topic_t* rkt_;
  bool owner_;
};

Topic* ConfImpl::topic_for(const rd_kafka_topic_t* crkt) {
  auto* rkt = const_cast<rd_kafka_topic_t*>(crkt);
  if (void* t = rkt->cpp_topic.load()) return static_cast<Topic*>(t);
  std::lock_guard lk(rkt->cpp_mu);
  if (!rkt->cpp_internal) {
    rkt->cpp_internal = new TopicImpl(rkt, false);
    rkt->cpp_internal_free = [](void* p) { delete static_cast<TopicImpl*>(p); };
  }
  return static_cast<TopicImpl*>(rkt->cpp_internal);
}

class TopicPartitionImpl : public TopicPartition {
 public:
  TopicPartitionImpl(const std::string& topic, int partition, int64_t offset)
      : topic_(topic), partition_(partition), offset_(offset) {}
  const std::string& topic() const override { return topic_; }
  int partition() const override { return partition_; }
  int64_t offset() const override { return offset_; }
  void set_offset(int64_t offset) override { offset_ = offset; }
  ErrorCode err() const override { return err_; }
  int32_t get_leader_epoch() override { return leader_epoch_; }
  void set_leader_epoch(int32_t leader_epoch) override { leader_epoch_ = leader_epoch; }
  void set_err(ErrorCode e) { err_ = e; }

 private:
  std::string topic_;
  int partition_;
  int64_t offset_;
  ErrorCode err_ = ERR_NO_ERROR;
  int32_t leader_epoch_ = -1;
};

// ---- vectors of TopicPartition <-> C lists ------------------------------------------------------

rd_kafka_topic_partition_list_t* c_parts(const std::vector<TopicPartition*>& parts) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
  for (TopicPartition* tp : parts) {
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(list, tp->topic().c_str(), tp->partition());
    p->offset = tp->offset();
    int32_t epoch = tp->get_leader_epoch();
    if (epoch >= 0) rd_kafka_topic_partition_set_leader_epoch(p, epoch);
  }
  return list;
}

void update_part(TopicPartition* tp, const rd_kafka_topic_partition_t& p) {
  tp->set_offset(p.offset);
  tp->set_leader_epoch(rd_kafka_topic_partition_get_leader_epoch(&p));
  if (auto* impl = dynamic_cast<TopicPartitionImpl*>(tp)) impl->set_err(static_cast<ErrorCode>(p.err));
}

// Offsets, errors and leader epochs from list into parts: element by element when list is
// parts' own copy (c_parts(), which may name a partition twice), else by topic and partition.
void update_parts(std::vector<TopicPartition*>& parts, const rd_kafka_topic_partition_list_t* list) {
  bool same_order = list->cnt == static_cast<int>(parts.size());
  for (int i = 0; i < list->cnt && same_order; i++)
    same_order = parts[i]->partition() == list->elems[i].partition && parts[i]->topic() == list->elems[i].topic;
  if (same_order) {
    for (int i = 0; i < list->cnt; i++) update_part(parts[i], list->elems[i]);
    return;
  }
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    for (TopicPartition* tp : parts) {
      if (tp->partition() != p.partition || tp->topic() != p.topic) continue;
      update_part(tp, p);
      break;
    }
  }
}

std::vector<TopicPartition*> parts_from_c(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition*> out;
  if (!list) return out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    auto* tp = new TopicPartitionImpl(p.topic, p.partition, p.offset);
    tp->set_err(static_cast<ErrorCode>(p.err));
    tp->set_leader_epoch(rd_kafka_topic_partition_get_leader_epoch(&p));
    out.push_back(tp);
  }
  return out;
}

// ---- delivery-report messages ------------------------------------------------------------------

class MessageImpl : public Message {
 public:
  // owned: a consumed message this object frees (rd_kafka_message_destroy).
  explicit MessageImpl(rd_kafka_message_t* m, bool owned = false) : m_(m), owned_(owned) {}
  // An event without a message (consume() timing out): err only.
  explicit MessageImpl(ErrorCode err) : m_(&local_.msg) {
    local_.msg.err = static_cast<rd_kafka_resp_err_t>(err);
    local_.msg.partition = RD_KAFKA_PARTITION_UA;
    local_.msg.offset = RD_KAFKA_OFFSET_INVALID;
  }
  ~MessageImpl() override {
    delete key_;
    delete headers_;
    if (owned_) rd_kafka_message_destroy(m_);
  }
  std::string errstr() const override {
    const char* s = m_->err ? rd_kafka_message_errstr(m_) : nullptr;
    return s ? s : (m_->err ? rd_kafka_err2str(m_->err) : "");
  }
  ErrorCode err() const override { return static_cast<ErrorCode>(m_->err); }
  Topic* topic() const override { return m_->rkt ? static_cast<Topic*>(m_->rkt->cpp_topic.load()) : nullptr; }
  std::string topic_name() const override { return m_->rkt ? rd_kafka_topic_name(m_->rkt) : ""; }
  int32_t partition() const override { return m_->partition; }
  void* payload() const override { return m_->payload; }
  size_t len() const override { return m_->len; }
  const std::string* key() const override {
    if (!m_->key) return nullptr;
    if (!key_) key_ = new std::string(static_cast<const char*>(m_->key), m_->key_len);
    return key_;
  }
  const void* key_pointer() const override { return m_->key; }
  size_t key_len() const override { return m_->key_len; }
  int64_t offset() const override { return m_->offset; }
  MessageTimestamp timestamp() const override {
    rd_kafka_timestamp_type_t t = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    MessageTimestamp ts;
    ts.timestamp = rd_kafka_message_timestamp(m_, &t);
    ts.type = static_cast<MessageTimestamp::MessageTimestampType>(t);
    return ts;
  }
  void* msg_opaque() const override { return m_->_private; }
  int64_t latency() const override { return rd_kafka_message_latency(m_); }
  rd_kafka_message_s* c_ptr() override { return m_; }
  Status status() const override { return static_cast<Status>(rd_kafka_message_status(m_)); }
  Headers* headers() override { return headers(nullptr); }
  Headers* headers(ErrorCode* err) override {
    if (err) *err = ERR_NO_ERROR;
    if (headers_) return headers_;
    rd_kafka_headers_t* h = nullptr;
    rd_kafka_resp_err_t e = rd_kafka_message_headers(m_, &h);
    if (e) {
      if (err) *err = static_cast<ErrorCode>(e);
      return nullptr;
    }
    headers_ = new HeadersImpl(h, false);
    return headers_;
  }
  int32_t broker_id() const override { return rd_kafka_message_broker_id(m_); }

 private:
  // The message followed by a zero where the library's message kinds keep their magic, so the
  // C accessors see it as a plain message.
  struct LocalMessage {
    rd_kafka_message_t msg{};
    uint32_t magic = 0;
  };
  LocalMessage local_;
  rd_kafka_message_t* m_;
  bool owned_ = false;
  mutable std::string* key_ = nullptr;
  HeadersImpl* headers_ = nullptr;
};

// ---- metadata ---------------------------------------------------------------------------------

class BrokerMetadataImpl : public BrokerMetadata {
 public:
  explicit BrokerMetadataImpl(const rd_kafka_metadata_broker_t* b) : b_(b) {}
  int32_t id() const override { return b_->id; }
  std::string host() const override { return b_->host ? b_->host : ""; }
  int port() const override { return b_->port; }

 private:
  const rd_kafka_metadata_broker_t* b_;
};

class PartitionMetadataImpl : public PartitionMetadata {
 public:
  explicit PartitionMetadataImpl(const rd_kafka_metadata_partition_t* p)
      : p_(p), replicas_(p->replicas, p->replicas + p->replica_cnt), isrs_(p->isrs, p->isrs + p->isr_cnt) {}
  int32_t id() const override { return p_->id; }
  ErrorCode err() const override { return static_cast<ErrorCode>(p_->err); }
  int32_t leader() const override { return p_->leader; }
  const std::vector<int32_t>* replicas() const override { return &replicas_; }
  const std::vector<int32_t>* isrs() const override { return &isrs_; }

 private:
  const rd_kafka_metadata_partition_t* p_;
  std::vector<int32_t> replicas_, isrs_;
};

class TopicMetadataImpl : public TopicMetadata {
 public:
  explicit TopicMetadataImpl(const rd_kafka_metadata_topic_t* t) : t_(t) {
    for (int i = 0; i < t->partition_cnt; i++) parts_.push_back(new PartitionMetadataImpl(&t->partitions[i]));
  }
  ~TopicMetadataImpl() override {
    for (const auto* p : parts_) delete p;
  }
  std::string topic() const override { return t_->topic; }
  const PartitionMetadataVector* partitions() const override { return &parts_; }
  ErrorCode err() const override { return static_cast<ErrorCode>(t_->err); }

 private:
  const rd_kafka_metadata_topic_t* t_;
  PartitionMetadataVector parts_;
};

class MetadataImpl : public Metadata {
 public:
  explicit MetadataImpl(const rd_kafka_metadata_t* md) : md_(md) {
    for (int i = 0; i < md->broker_cnt; i++) brokers_.push_back(new BrokerMetadataImpl(&md->brokers[i]));
    for (int i = 0; i < md->topic_cnt; i++) topics_.push_back(new TopicMetadataImpl(&md->topics[i]));
  }
  ~MetadataImpl() override {
    for (const auto* b : brokers_) delete b;
    for (const auto* t : topics_) delete t;
    rd_kafka_metadata_destroy(md_);
  }
  const BrokerMetadataVector* brokers() const override { return &brokers_; }
  const TopicMetadataVector* topics() const override { return &topics_; }
  int32_t orig_broker_id() const override { return md_->orig_broker_id; }
  std::string orig_broker_name() const override { return md_->orig_broker_name ? md_->orig_broker_name : ""; }

 private:
  const rd_kafka_metadata_t* md_;
  BrokerMetadataVector brokers_;
  TopicMetadataVector topics_;
};

// ---- client handles ------------------------------------------------------------------------------

// The application's C++ callback objects of one handle; the C instance's opaque points here.
struct CppCallbacks {
  DeliveryReportCb* dr_cb = nullptr;
  EventCb* event_cb = nullptr;
  RebalanceCb* rebalance_cb = nullptr;
  OffsetCommitCb* offset_commit_cb = nullptr;
  ConsumeCb* consume_cb = nullptr;
  KafkaConsumer* consumer = nullptr;
};

CppCallbacks* callbacks_of(void* opaque) { return static_cast<CppCallbacks*>(opaque); }

void dr_trampoline(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  MessageImpl msg(const_cast<rd_kafka_message_t*>(m));
  callbacks_of(opaque)->dr_cb->dr_cb(msg);
}

void error_trampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  char buf[512];
  bool fatal = false;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {  // report the underlying error, flagged fatal
    fatal = true;
    int underlying = rd_kafka_fatal_error(rk, buf, sizeof buf);
    if (underlying) {
      err = underlying;
      reason = buf;
    }
  }
  EventImpl ev(Event::EVENT_ERROR, static_cast<ErrorCode>(err), Event::EVENT_SEVERITY_ERROR, nullptr, reason);
  ev.fatal_ = fatal;
  callbacks_of(opaque)->event_cb->event_cb(ev);
}

void log_trampoline(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  CppCallbacks* cbs = rk ? callbacks_of(rd_kafka_opaque(rk)) : nullptr;
  if (!cbs || !cbs->event_cb) {
    rd_kafka_log_print(rk, level, fac, buf);
    return;
  }
  EventImpl ev(Event::EVENT_LOG, ERR_NO_ERROR, static_cast<Event::Severity>(level), fac, buf);
  cbs->event_cb->event_cb(ev);
}

int stats_trampoline(rd_kafka_t*, char* json, size_t, void* opaque) {
  EventImpl ev(Event::EVENT_STATS, ERR_NO_ERROR, Event::EVENT_SEVERITY_INFO, nullptr, json);
  callbacks_of(opaque)->event_cb->event_cb(ev);
  return 0;
}

void rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* c_list,
                          void* opaque) {
  CppCallbacks* cbs = callbacks_of(opaque);
  std::vector<TopicPartition*> partitions = parts_from_c(c_list);
  cbs->rebalance_cb->rebalance_cb(cbs->consumer, static_cast<ErrorCode>(err), partitions);
  TopicPartition::destroy(partitions);
}

void offset_commit_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* c_list,
                              void* opaque) {
  std::vector<TopicPartition*> offsets = parts_from_c(c_list);
  callbacks_of(opaque)->offset_commit_cb->offset_commit_cb(static_cast<ErrorCode>(err), offsets);
  TopicPartition::destroy(offsets);
}

void consume_trampoline(rd_kafka_message_t* m, void* opaque) {
  MessageImpl msg(m);  // the library frees the message after the callback
  callbacks_of(opaque)->consume_cb->consume_cb(msg, opaque);
}

// A copy of conf's C configuration wired to the C++ callbacks in cbs; NULL (errstr set) for a
// configuration object of the wrong type.
rd_kafka_conf_t* c_conf_for(const Conf* conf, CppCallbacks& cbs, std::string& errstr) {
  rd_kafka_conf_t* rk_conf = nullptr;
  if (!conf) {
    rk_conf = rd_kafka_conf_new();
  } else {
    const auto* ci = dynamic_cast<const ConfImpl*>(conf);
    if (!ci || !ci->rk_conf_) {
      errstr = "Requires RdKafka::Conf::CONF_GLOBAL object";
      return nullptr;
    }
    rk_conf = rd_kafka_conf_dup(ci->rk_conf_);
    cbs.dr_cb = ci->dr_cb_;
    cbs.event_cb = ci->event_cb_;
    cbs.rebalance_cb = ci->rebalance_cb_;
    cbs.offset_commit_cb = ci->offset_commit_cb_;
    cbs.consume_cb = ci->consume_cb_;
  }
  rd_kafka_conf_set_opaque(rk_conf, &cbs);
  if (cbs.dr_cb) rd_kafka_conf_set_dr_msg_cb(rk_conf, dr_trampoline);
  if (cbs.event_cb) {
    rd_kafka_conf_set_error_cb(rk_conf, error_trampoline);
    rd_kafka_conf_set_log_cb(rk_conf, log_trampoline);
    rd_kafka_conf_set_stats_cb(rk_conf, stats_trampoline);
  }
  if (cbs.rebalance_cb) rd_kafka_conf_set_rebalance_cb(rk_conf, rebalance_trampoline);
  if (cbs.offset_commit_cb) rd_kafka_conf_set_offset_commit_cb(rk_conf, offset_commit_trampoline);
  if (cbs.consume_cb) rd_kafka_conf_set_consume_cb(rk_conf, consume_trampoline);
  return rk_conf;
}

// The Handle methods, common to producers and consumers.
template <class Base>
class HandleImpl : public Base {
 public:
  ~HandleImpl() override {
    if (rk_) rd_kafka_destroy(rk_);
  }

  std::string name() const override { return rd_kafka_name(rk_); }
  std::string memberid() const override {
    char* id = rd_kafka_memberid(rk_);
    std::string s = id ? id : "";
    rd_kafka_mem_free(rk_, id);
    return s;
  }
  int poll(int timeout_ms) override { return rd_kafka_poll(rk_, timeout_ms); }
  int outq_len() override { return rd_kafka_outq_len(rk_); }
  ErrorCode metadata(bool all_topics, const Topic* only_rkt, Metadata** metadatap, int timeout_ms) override {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = only_rkt ? const_cast<Topic*>(only_rkt)->c_ptr() : nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, all_topics ? 1 : 0, rkt, &md, timeout_ms);
    *metadatap = err ? nullptr : new MetadataImpl(md);
    return static_cast<ErrorCode>(err);
  }
  ErrorCode pause(std::vector<TopicPartition*>& partitions) override {
    return with_c_parts(partitions, rd_kafka_pause_partitions);
  }
  ErrorCode resume(std::vector<TopicPartition*>& partitions) override {
    return with_c_parts(partitions, rd_kafka_resume_partitions);
  }
  ErrorCode query_watermark_offsets(const std::string& topic, int32_t partition, int64_t* low, int64_t* high,
                                    int timeout_ms) override {
    return static_cast<ErrorCode>(
        rd_kafka_query_watermark_offsets(rk_, topic.c_str(), partition, low, high, timeout_ms));
  }
  ErrorCode get_watermark_offsets(const std::string& topic, int32_t partition, int64_t* low,
                                  int64_t* high) override {
    return static_cast<ErrorCode>(rd_kafka_get_watermark_offsets(rk_, topic.c_str(), partition, low, high));
  }
  ErrorCode offsetsForTimes(std::vector<TopicPartition*>& offsets, int timeout_ms) override {
    return with_c_parts(offsets, [timeout_ms](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* list) {
      return rd_kafka_offsets_for_times(rk, list, timeout_ms);
    });
  }
  std::string clusterid(int timeout_ms) override {
    char* id = rd_kafka_clusterid(rk_, timeout_ms);
    std::string s = id ? id : "";
    rd_kafka_mem_free(rk_, id);
    return s;
  }
  int32_t controllerid(int timeout_ms) override { return rd_kafka_controllerid(rk_, timeout_ms); }
  rd_kafka_s* c_ptr() override { return rk_; }
  ErrorCode fatal_error(std::string& errstr) const override {
    char buf[512] = "";
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, buf, sizeof buf);
    if (err) errstr = buf;
    return static_cast<ErrorCode>(err);
  }
  void* mem_malloc(size_t size) override { return RdKafka::mem_malloc(size); }
  void mem_free(void* ptr) override { RdKafka::mem_free(ptr); }

  rd_kafka_t* rk_ = nullptr;
  CppCallbacks cbs_;

 protected:
  // Runs fn(rk, list) on a C copy of parts and copies the results back into parts.
  template <class Fn>
  ErrorCode with_c_parts(std::vector<TopicPartition*>& parts, Fn&& fn) {
    rd_kafka_topic_partition_list_t* list = c_parts(parts);
    rd_kafka_resp_err_t err = fn(rk_, list);
    update_parts(parts, list);
    rd_kafka_topic_partition_list_destroy(list);
    return static_cast<ErrorCode>(err);
  }
};

// ---- producer ---------------------------------------------------------------------------------

class ProducerImpl : public HandleImpl<Producer> {
 public:
  ErrorCode produce(Topic* topic, int32_t partition, int msgflags, void* payload, size_t len, const std::string* key,
                    void* msg_opaque) override {
    return produce(topic, partition, msgflags, payload, len, key ? key->data() : nullptr, key ? key->size() : 0,
                   msg_opaque);
  }
  ErrorCode produce(Topic* topic, int32_t partition, int msgflags, void* payload, size_t len, const void* key,
                    size_t key_len, void* msg_opaque) override {
    if (!topic) return ERR__INVALID_ARG;
    if (rd_kafka_produce(topic->c_ptr(), partition, msgflags, payload, len, key, key_len, msg_opaque) == -1)
      return static_cast<ErrorCode>(rd_kafka_last_error());
    return ERR_NO_ERROR;
  }
  ErrorCode produce(const std::string topic_name, int32_t partition, int msgflags, void* payload, size_t len,
                    const void* key, size_t key_len, int64_t timestamp, void* msg_opaque) override {
    return static_cast<ErrorCode>(rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(msgflags),
        RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_TIMESTAMP(timestamp),
        RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END));
  }
  ErrorCode produce(const std::string topic_name, int32_t partition, int msgflags, void* payload, size_t len,
                    const void* key, size_t key_len, int64_t timestamp, Headers* headers,
                    void* msg_opaque) override {
    auto* hi = dynamic_cast<HeadersImpl*>(headers);
    rd_kafka_headers_t* ch = hi ? hi->c_headers() : nullptr;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(topic_name.c_str()), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(msgflags),
        RD_KAFKA_V_VALUE(payload, len), RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_TIMESTAMP(timestamp),
        RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_HEADERS(ch), RD_KAFKA_V_END);
    if (!err && hi) {
      // The message took the header list; the Headers object goes with it.
      hi->release_c_headers();
      delete hi;
    }
    return static_cast<ErrorCode>(err);
  }
  ErrorCode produce(Topic* topic, int32_t partition, const std::vector<char>* payload, const std::vector<char>* key,
                    void* msg_opaque) override {
    if (!topic) return ERR__INVALID_ARG;
    if (rd_kafka_produce(topic->c_ptr(), partition, RD_KAFKA_MSG_F_COPY,
                         payload ? const_cast<char*>(payload->data()) : nullptr, payload ? payload->size() : 0,
                         key ? key->data() : nullptr, key ? key->size() : 0, msg_opaque) == -1)
      return static_cast<ErrorCode>(rd_kafka_last_error());
    return ERR_NO_ERROR;
  }
  ErrorCode flush(int timeout_ms) override { return static_cast<ErrorCode>(rd_kafka_flush(rk_, timeout_ms)); }
  ErrorCode purge(int purge_flags) override { return static_cast<ErrorCode>(rd_kafka_purge(rk_, purge_flags)); }

  Error* init_transactions(int timeout_ms) override { return txn_error(rd_kafka_init_transactions(rk_, timeout_ms)); }
  Error* begin_transaction() override { return txn_error(rd_kafka_begin_transaction(rk_)); }
  Error* send_offsets_to_transaction(const std::vector<TopicPartition*>& offsets,
                                     const ConsumerGroupMetadata* group_metadata, int timeout_ms) override;
  Error* commit_transaction(int timeout_ms) override {
    return txn_error(rd_kafka_commit_transaction(rk_, timeout_ms));
  }
  Error* abort_transaction(int timeout_ms) override { return txn_error(rd_kafka_abort_transaction(rk_, timeout_ms)); }

 private:
  static Error* txn_error(rd_kafka_error_t* e) {
    if (!e) return nullptr;
    auto* out = new ErrorImpl(e);
    rd_kafka_error_destroy(e);
    return out;
  }
};

// ---- consumer ---------------------------------------------------------------------------------

class ConsumerGroupMetadataImpl : public ConsumerGroupMetadata {
 public:
  explicit ConsumerGroupMetadataImpl(rd_kafka_consumer_group_metadata_t* md) : md_(md) {}
  ~ConsumerGroupMetadataImpl() override { rd_kafka_consumer_group_metadata_destroy(md_); }
  rd_kafka_consumer_group_metadata_t* md_;
};

Error* ProducerImpl::send_offsets_to_transaction(const std::vector<TopicPartition*>& offsets,
                                                 const ConsumerGroupMetadata* group_metadata, int timeout_ms) {
  if (!group_metadata)
    return txn_error(rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "group_metadata must not be NULL"));
  rd_kafka_topic_partition_list_t* list = c_parts(offsets);
  rd_kafka_error_t* e = rd_kafka_send_offsets_to_transaction(
      rk_, list, static_cast<const ConsumerGroupMetadataImpl*>(group_metadata)->md_, timeout_ms);
  rd_kafka_topic_partition_list_destroy(list);
  return txn_error(e);
}

class KafkaConsumerImpl : public HandleImpl<KafkaConsumer> {
 public:
  // As librdkafka: deleting the consumer does not close it (close() first for a clean leave),
  // so no callback reaches this half-destroyed object.
  ~KafkaConsumerImpl() override {
    if (rk_) rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    rk_ = nullptr;
  }
  ErrorCode assignment(std::vector<TopicPartition*>& partitions) override {
    rd_kafka_topic_partition_list_t* list = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_assignment(rk_, &list);
    if (err) return static_cast<ErrorCode>(err);
    std::vector<TopicPartition*> got = parts_from_c(list);
    partitions.insert(partitions.end(), got.begin(), got.end());
    rd_kafka_topic_partition_list_destroy(list);
    return ERR_NO_ERROR;
  }
  ErrorCode subscription(std::vector<std::string>& topics) override {
    rd_kafka_topic_partition_list_t* list = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_subscription(rk_, &list);
    if (err) return static_cast<ErrorCode>(err);
    for (int i = 0; i < list->cnt; i++) topics.push_back(list->elems[i].topic);
    rd_kafka_topic_partition_list_destroy(list);
    return ERR_NO_ERROR;
  }
  ErrorCode subscribe(const std::vector<std::string>& topics) override {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
    for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    return static_cast<ErrorCode>(err);
  }
  ErrorCode unsubscribe() override { return static_cast<ErrorCode>(rd_kafka_unsubscribe(rk_)); }
  ErrorCode assign(const std::vector<TopicPartition*>& partitions) override {
    rd_kafka_topic_partition_list_t* list = c_parts(partitions);
    rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    return static_cast<ErrorCode>(err);
  }
  ErrorCode unassign() override { return static_cast<ErrorCode>(rd_kafka_assign(rk_, nullptr)); }

  Message* consume(int timeout_ms) override {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (!m) return new MessageImpl(ERR__TIMED_OUT);
    return new MessageImpl(m, true);
  }

  ErrorCode commitSync() override { return static_cast<ErrorCode>(rd_kafka_commit(rk_, nullptr, 0)); }
  ErrorCode commitAsync() override { return static_cast<ErrorCode>(rd_kafka_commit(rk_, nullptr, 1)); }
  ErrorCode commitSync(Message* message) override {
    return static_cast<ErrorCode>(rd_kafka_commit_message(rk_, message->c_ptr(), 0));
  }
  ErrorCode commitAsync(Message* message) override {
    return static_cast<ErrorCode>(rd_kafka_commit_message(rk_, message->c_ptr(), 1));
  }
  ErrorCode commitSync(std::vector<TopicPartition*>& offsets) override {
    return with_c_parts(offsets, [](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* list) {
      return rd_kafka_commit(rk, list, 0);
    });
  }
  ErrorCode commitAsync(const std::vector<TopicPartition*>& offsets) override {
    rd_kafka_topic_partition_list_t* list = c_parts(offsets);
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, 1);
    rd_kafka_topic_partition_list_destroy(list);
    return static_cast<ErrorCode>(err);
  }
  ErrorCode commitSync(OffsetCommitCb* offset_commit_cb) override {
    // The offsets a commit of "the current offsets" writes: the assignment's positions (the
    // stored offsets, with the default enable.auto.offset.store).
    std::vector<TopicPartition*> offsets;
    assignment(offsets);
    position(offsets);
    ErrorCode err = commitSync(offsets);
    if (offset_commit_cb) offset_commit_cb->offset_commit_cb(err, offsets);
    TopicPartition::destroy(offsets);
    return err;
  }
  ErrorCode commitSync(std::vector<TopicPartition*>& offsets, OffsetCommitCb* offset_commit_cb) override {
    ErrorCode err = commitSync(offsets);
    if (offset_commit_cb) offset_commit_cb->offset_commit_cb(err, offsets);
    return err;
  }

  ErrorCode committed(std::vector<TopicPartition*>& partitions, int timeout_ms) override {
    return with_c_parts(partitions, [timeout_ms](rd_kafka_t* rk, rd_kafka_topic_partition_list_t* list) {
      return rd_kafka_committed(rk, list, timeout_ms);
    });
  }
  ErrorCode position(std::vector<TopicPartition*>& partitions) override {
    return with_c_parts(partitions, rd_kafka_position);
  }
  ErrorCode close() override { return static_cast<ErrorCode>(rd_kafka_consumer_close(rk_)); }
  ErrorCode seek(const TopicPartition& partition, int timeout_ms) override {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, partition.topic().c_str(), nullptr);
    if (!rkt) return static_cast<ErrorCode>(rd_kafka_last_error());
    rd_kafka_resp_err_t err = rd_kafka_seek(rkt, partition.partition(), partition.offset(), timeout_ms);
    rd_kafka_topic_destroy(rkt);
    return static_cast<ErrorCode>(err);
  }
  ErrorCode offsets_store(std::vector<TopicPartition*>& offsets) override {
    return with_c_parts(offsets, rd_kafka_offsets_store);
  }
  ConsumerGroupMetadata* groupMetadata() override {
    rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk_);
    return md ? new ConsumerGroupMetadataImpl(md) : nullptr;
  }
  bool assignment_lost() override { return rd_kafka_assignment_lost(rk_) != 0; }
  std::string rebalance_protocol() override {
    const char* p = rd_kafka_rebalance_protocol(rk_);
    return p ? p : "";
  }
  Error* incremental_assign(const std::vector<TopicPartition*>& partitions) override {
    return incremental(partitions, rd_kafka_incremental_assign);
  }
  Error* incremental_unassign(const std::vector<TopicPartition*>& partitions) override {
    return incremental(partitions, rd_kafka_incremental_unassign);
  }
  bool closed() override { return rd_kafka_consumer_closed(rk_) != 0; }

 private:
  static Error* error_from(rd_kafka_error_t* e) {
    if (!e) return nullptr;
    auto* out = new ErrorImpl(e);
    rd_kafka_error_destroy(e);
    return out;
  }
  Error* incremental(const std::vector<TopicPartition*>& partitions,
                     rd_kafka_error_t* (*fn)(rd_kafka_t*, const rd_kafka_topic_partition_list_t*)) {
    rd_kafka_topic_partition_list_t* list = c_parts(partitions);
    rd_kafka_error_t* e = fn(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
    return error_from(e);
  }
};

// ---- legacy simple consumer ------------------------------------------------------------------

class LegacyConsumerImpl : public HandleImpl<Consumer> {
 public:
  ErrorCode start(Topic* topic, int32_t partition, int64_t offset) override {
    if (!topic) return ERR__INVALID_ARG;
    if (rd_kafka_consume_start(topic->c_ptr(), partition, offset) == -1)
      return static_cast<ErrorCode>(rd_kafka_last_error());
    return ERR_NO_ERROR;
  }
  ErrorCode stop(Topic* topic, int32_t partition) override {
    if (!topic) return ERR__INVALID_ARG;
    if (rd_kafka_consume_stop(topic->c_ptr(), partition) == -1) return static_cast<ErrorCode>(rd_kafka_last_error());
    return ERR_NO_ERROR;
  }
  ErrorCode seek(Topic* topic, int32_t partition, int64_t offset, int timeout_ms) override {
    if (!topic) return ERR__INVALID_ARG;
    return static_cast<ErrorCode>(rd_kafka_seek(topic->c_ptr(), partition, offset, timeout_ms));
  }
  Message* consume(Topic* topic, int32_t partition, int timeout_ms) override {
    rd_kafka_message_t* m = topic ? rd_kafka_consume(topic->c_ptr(), partition, timeout_ms) : nullptr;
    if (!m) return new MessageImpl(topic ? static_cast<ErrorCode>(rd_kafka_last_error()) : ERR__INVALID_ARG);
    return new MessageImpl(m, true);
  }
  int consume_callback(Topic* topic, int32_t partition, int timeout_ms, ConsumeCb* consume_cb,
                       void* opaque) override {
    if (!topic || !consume_cb) return -1;
    struct Ctx {
      ConsumeCb* cb;
      void* opaque;
    } ctx{consume_cb, opaque};
    return rd_kafka_consume_callback(
        topic->c_ptr(), partition, timeout_ms,
        [](rd_kafka_message_t* m, void* p) {
          auto* c = static_cast<Ctx*>(p);
          MessageImpl msg(m);  // freed by the library after the callback
          c->cb->consume_cb(msg, c->opaque);
        },
        &ctx);
  }
};

}  // namespace

// ---- free functions ----------------------------------------------------------------------------

int version() { return rd_kafka_version(); }
std::string version_str() { return rd_kafka_version_str(); }
std::string get_debug_contexts() { return rd_kafka_get_debug_contexts(); }
int wait_destroyed(int timeout_ms) { return rd_kafka_wait_destroyed(timeout_ms); }
void* mem_malloc(size_t size) { return rd_kafka_mem_malloc(nullptr, size); }
void mem_free(void* ptr) { rd_kafka_mem_free(nullptr, ptr); }
std::string err2str(ErrorCode err) { return rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(err)); }

// ---- factories and out-of-line destructors -------------------------------------------------------

Error* Error::create(ErrorCode code, const std::string* errstr) {
  return new ErrorImpl(code, errstr ? *errstr : err2str(code));
}

Conf* Conf::create(ConfType type) { return new ConfImpl(type); }

Headers::~Headers() {}
Headers* Headers::create() { return new HeadersImpl(); }
Headers* Headers::create(const std::vector<Header>& headers) {
  auto* h = new HeadersImpl();
  for (const auto& x : headers) h->add(x);
  return h;
}

Message::~Message() {}

const int32_t Topic::PARTITION_UA = RD_KAFKA_PARTITION_UA;
const int64_t Topic::OFFSET_BEGINNING = RD_KAFKA_OFFSET_BEGINNING;
const int64_t Topic::OFFSET_END = RD_KAFKA_OFFSET_END;
const int64_t Topic::OFFSET_STORED = RD_KAFKA_OFFSET_STORED;
const int64_t Topic::OFFSET_INVALID = RD_KAFKA_OFFSET_INVALID;

Topic::~Topic() {}
Topic* Topic::create(Handle* base, const std::string& topic_str, const Conf* conf, std::string& errstr) {
  rd_kafka_t* rk = base ? base->c_ptr() : nullptr;
  if (!rk) {
    errstr = "Invalid handle";
    return nullptr;
  }
  rd_kafka_topic_conf_t* tconf = nullptr;
  if (conf) {
    const auto* ci = dynamic_cast<const ConfImpl*>(conf);
    if (!ci || !ci->rkt_conf_) {
      errstr = "Requires RdKafka::Conf::CONF_TOPIC object";
      return nullptr;
    }
    tconf = rd_kafka_topic_conf_dup(ci->rkt_conf_);
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic_str.c_str(), tconf);
  if (!rkt) {
    errstr = rd_kafka_err2str(rd_kafka_last_error());
    return nullptr;
  }
  auto* t = new TopicImpl(rkt, true);
  void* expected = nullptr;
  rkt->cpp_topic.compare_exchange_strong(expected, t);
  return t;
}

TopicPartition::~TopicPartition() {}
TopicPartition* TopicPartition::create(const std::string& topic, int partition) {
  return new TopicPartitionImpl(topic, partition, RD_KAFKA_OFFSET_INVALID);
}
TopicPartition* TopicPartition::create(const std::string& topic, int partition, int64_t offset) {
  return new TopicPartitionImpl(topic, partition, offset);
}
void TopicPartition::destroy(std::vector<TopicPartition*>& partitions) {
  for (auto* p : partitions) delete p;
  partitions.clear();
}

BrokerMetadata::~BrokerMetadata() {}
PartitionMetadata::~PartitionMetadata() {}
TopicMetadata::~TopicMetadata() {}
Metadata::~Metadata() {}

// Creates the C handle under a C++ handle object (Impl has cbs_ and rk_); nullptr + errstr on failure.
template <class Impl> Impl* create_handle(rd_kafka_type_t type, const Conf* conf, std::string& errstr) {
  auto h = std::make_unique<Impl>();
  rd_kafka_conf_t* rk_conf = c_conf_for(conf, h->cbs_, errstr);
  if (!rk_conf) return nullptr;
  char buf[512] = "";
  rd_kafka_t* rk = rd_kafka_new(type, rk_conf, buf, sizeof buf);
  if (!rk) {
    errstr = buf;
    rd_kafka_conf_destroy(rk_conf);
    return nullptr;
  }
  h->rk_ = rk;
  return h.release();
}

Producer::~Producer() {}
Producer* Producer::create(const Conf* conf, std::string& errstr) {
  return create_handle<ProducerImpl>(RD_KAFKA_PRODUCER, conf, errstr);
}

ConsumerGroupMetadata::~ConsumerGroupMetadata() {}

Consumer::~Consumer() {}
Consumer* Consumer::create(const Conf* conf, std::string& errstr) {
  return create_handle<LegacyConsumerImpl>(RD_KAFKA_CONSUMER, conf, errstr);
}
int64_t Consumer::OffsetTail(int64_t offset) { return RD_KAFKA_OFFSET_TAIL(offset); }

KafkaConsumer::~KafkaConsumer() {}
KafkaConsumer* KafkaConsumer::create(const Conf* conf, std::string& errstr) {
  auto c = std::make_unique<KafkaConsumerImpl>();
  c->cbs_.consumer = c.get();
  rd_kafka_conf_t* rk_conf = c_conf_for(conf, c->cbs_, errstr);
  if (!rk_conf) return nullptr;
  size_t group_len = 0;
  if (rd_kafka_conf_get(rk_conf, "group.id", nullptr, &group_len) != RD_KAFKA_CONF_OK || group_len <= 1) {
    errstr = "\"group.id\" must be configured";
    rd_kafka_conf_destroy(rk_conf);
    return nullptr;
  }
  char buf[512] = "";
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, rk_conf, buf, sizeof buf);
  if (!rk) {
    errstr = buf;
    rd_kafka_conf_destroy(rk_conf);
    return nullptr;
  }
  c->rk_ = rk;
  rd_kafka_poll_set_consumer(rk);  // poll() serves the consumer's callbacks (and ConsumeCb)
  return c.release();
}

}  // namespace RdKafka
