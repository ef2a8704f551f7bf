// ProducerCore: the application-facing side (produce path, delivery reports, queries).
// The I/O thread's side is in producer_io.cpp.
#include <cstdlib>
#include <cstring>

#include "partitioner.h"
#include "producer_impl.h"
#include "queries.h"

namespace kafka::client {

namespace {
std::atomic<int> g_instance{0};
std::atomic<uint64_t> g_instance_id{0};
// Wire overhead bound of one v2 record beyond key/value/headers (librdkafka's
// RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD): length, attributes, timestamp delta, offset delta,
// key length, value length, header count varints.
constexpr size_t kRecordMaxOverhead = 5 + 1 + 10 + 5 + 5 + 5 + 5;
}  // namespace

// ---- DeliveryReport ---------------------------------------------------------------------------

bool Batch::decode() {
  if (decoded) return !decode_failed;
  decoded = true;
  try {
    if (!builder.finished()) builder.finish();  // never sent: finish uncompressed to read it back
    view.reset(builder.batch(), false);
    records.clear();
    records.reserve(msgs.size());
    for (auto it = view.begin(); it != view.end(); ++it) records.push_back(*it);
  } catch (const std::exception&) {
    decode_failed = true;
  }
  if (records.size() != msgs.size()) decode_failed = true;
  return !decode_failed;
}

const std::string& DeliveryReport::error_string() const {
  if (errstr_.empty()) errstr_ = err_str(err_);
  return errstr_;
}

namespace {

// Zigzag varint readers over validated batch memory (our own builder wrote it).
bool read_varint(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  uint64_t v = 0;
  for (int shift = 0; shift <= 63 && p < end; shift += 7) {
    uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      out = static_cast<int64_t>((v >> 1) ^ (0ull - (v & 1)));
      return true;
    }
  }
  return false;
}

bool read_nullable(const uint8_t*& p, const uint8_t* end, NullableBytes& out) {
  int64_t n;
  if (!read_varint(p, end, n) || n < -1 || n > end - p) return false;
  if (n < 0) {
    out.reset();
    return true;
  }
  out = ByteView(p, static_cast<size_t>(n));
  p += n;
  return true;
}

}  // namespace

bool Batch::record(size_t i, NullableBytes& key, NullableBytes& value, RecordHeaders& headers) {
  if (!builder.finished()) {
    try {
      builder.finish();  // never sent: finish uncompressed to read it back
    } catch (const std::exception&) {
      return false;
    }
  }
  ByteView all = builder.batch();
  if (all.size() > 22 && (all[22] & 0x07) == 0) {
    // Uncompressed: the record sits where it was appended.
    const uint8_t* p = all.data() + msgs[i].rec_off;
    const uint8_t* end = all.data() + all.size();
    int64_t len, skip, hc;
    if (p < end && read_varint(p, end, len) && len <= end - p) {
      end = p + len;
      ++p;  // attributes
      if (read_varint(p, end, skip) && read_varint(p, end, skip) && read_nullable(p, end, key) &&
          read_nullable(p, end, value) && read_varint(p, end, hc) && hc >= 0) {
        headers = RecordHeaders(ByteView(p, static_cast<size_t>(end - p)), static_cast<int32_t>(hc));
        return true;
      }
    }
  }
  if (!decode()) return false;
  key = records[i].key;
  value = records[i].value;
  headers = records[i].headers;
  return true;
}

NullableBytes DeliveryReport::key() const {
  auto* b = static_cast<Batch*>(src_);
  NullableBytes k, v;
  RecordHeaders h;
  if (!b || !b->record(index_, k, v, h)) return std::nullopt;
  return k;
}

NullableBytes DeliveryReport::value() const {
  auto* b = static_cast<Batch*>(src_);
  if (!b) return std::nullopt;
  const MsgMeta& m = b->msgs[index_];
  if (m.own != Ownership::Copy) {
    if (!m.orig_value) return std::nullopt;
    return ByteView(static_cast<const uint8_t*>(m.orig_value), m.value_len);
  }
  NullableBytes k, v;
  RecordHeaders h;
  if (!b->record(index_, k, v, h)) return std::nullopt;
  return v;
}

RecordHeaders DeliveryReport::headers() const {
  auto* b = static_cast<Batch*>(src_);
  NullableBytes k, v;
  RecordHeaders h;
  if (!b || !b->record(index_, k, v, h)) return {};
  return h;
}

int Waiter::wait(int timeout_ms) {
  std::unique_lock lk(mu);
  if (timeout_ms < 0) {
    cv.wait(lk, [&] { return done; });
  } else if (!cv.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] { return done; })) {
    return client::err(LocalErr::TIMED_OUT);
  }
  return err;
}

// ---- Impl: construction -----------------------------------------------------------------------

ProducerCore::Impl::Impl(ProducerConfig c, ProducerCallbacks callbacks, const char* kind)
    : cfg(std::move(c)), cb(std::move(callbacks)) {
  name = cfg.client_id + "#" + kind + "-" + std::to_string(++g_instance);
  instance_id = ++g_instance_id;
  refresh_wall_offset();
  conn_settings.client_id = cfg.client_id;
  conn_settings.api_version_request = cfg.api_version_request;
  conn_settings.api_version_timeout_us = cfg.api_version_request_timeout_ms * 1000;
  conn_settings.backoff_us = cfg.reconnect_backoff_ms * 1000;
  conn_settings.backoff_max_us = std::max(cfg.reconnect_backoff_max_ms, cfg.reconnect_backoff_ms) * 1000;
  conn_settings.send_buffer = cfg.socket_send_buffer;
  conn_settings.receive_buffer = cfg.socket_receive_buffer;
  // TCP_NODELAY always: we coalesce requests ourselves, and Nagle only adds latency to
  // pipelined requests (socket.nagle.disable=false is accepted and treated the same).
  conn_settings.nodelay = true;
  conn_settings.tls = cfg.security.tls;
  conn_settings.sasl = cfg.security.uses_sasl();
  conn_settings.sasl_mechanism = cfg.security.sasl_mechanism;
  conn_settings.sasl_username = cfg.security.sasl_username;
  conn_settings.sasl_password = cfg.security.sasl_password;
  linger_us = static_cast<int64_t>(cfg.linger_ms * 1000.0);
  max_msgs = cfg.queue_max_messages;
  max_bytes = cfg.queue_max_kbytes * 1024;
  if (cfg.idempotence) id_state = IdState::NeedPid;
}

ProducerCore::Impl::~Impl() {
  stop();
  // Everything left is dropped without delivery reports (librdkafka's destroy without flush).
  auto drop = [&](Batch* b) {
    if (!b) return;
    for (auto& m : b->msgs)
      if (m.own == Ownership::Free && m.orig_value) std::free(const_cast<void*>(m.orig_value));
    delete b;
  };
  std::vector<Batch*> all;
  for (auto& e : events)
    if (e.batch) all.push_back(e.batch);
  events.clear();
  for (auto& [n, t] : topics) {
    for (Batch* b : t->ua) all.push_back(b);
    for (auto& p : t->storage) {
      if (p->open) all.push_back(p->open);
      for (Batch* b : p->ready) all.push_back(b);
      for (Batch* b : p->sendq) all.push_back(b);
      for (Batch* b : p->outstanding) all.push_back(b);
    }
  }
  // Batches of requests that never completed (e.g. purged while in flight, then reported).
  for (ProduceCtx* ctx : live_ctxs)
    for (Batch* b : ctx->batches) all.push_back(b);
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  for (Batch* b : all) drop(b);
  for (Batch* b : pool) delete b;
}

void ProducerCore::Impl::log(int level, const std::string& fac, const std::string& msg) {
  if (level > cfg.log_level) return;
  if (level >= 7 && !debug_enabled()) return;
  if (cb.log) cb.log(level, fac, "[thrd:main]: " + msg);
}

// ---- topics -----------------------------------------------------------------------------------

TopicState* ProducerCore::Impl::get_topic(std::string_view tname, const Properties* props, std::string* errstr,
                                          PartitionerFn partitioner, void* opaque, bool* created) {
  std::lock_guard lk(topics_mu);
  auto it = topics.find(std::string(tname));
  if (it != topics.end()) return it->second.get();
  auto t = std::make_unique<TopicState>();
  t->name = std::string(tname);
  t->conf = cfg.topic;
  if (props) {
    std::string e;
    if (!parse_topic_config(*props, t->conf, e)) {
      if (errstr) *errstr = e;
      return nullptr;
    }
  }
  t->codec = t->conf.compression ? *t->conf.compression : cfg.compression;
  t->partitioner = partitioner ? std::move(partitioner) : cb.partitioner;
  t->opaque = opaque ? opaque : cb.opaque;
  t->created_us = mono_us();
  TopicState* raw = t.get();
  topics.emplace(t->name, std::move(t));
  topics_gen.fetch_add(1, std::memory_order_release);
  if (created) *created = true;
  return raw;
}

// ---- queue accounting -------------------------------------------------------------------------

int ProducerCore::Impl::reserve_space(uint32_t size, bool block) {
  for (;;) {
    int64_t n = outq_msgs.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t b = outq_bytes.fetch_add(size, std::memory_order_relaxed) + size;
    if (n <= max_msgs && b <= max_bytes) return 0;
    outq_msgs.fetch_sub(1, std::memory_order_relaxed);
    outq_bytes.fetch_sub(size, std::memory_order_relaxed);
    if (!block) return err(LocalErr::QUEUE_FULL);
    std::unique_lock lk(space_mu);
    space_waiters.fetch_add(1);
    space_cv.wait_for(lk, std::chrono::milliseconds(100), [&] {
      return closing.load() || (outq_msgs.load() + 1 <= max_msgs && outq_bytes.load() + size <= max_bytes);
    });
    space_waiters.fetch_sub(1);
    if (closing.load()) return err(LocalErr::STATE);
  }
}

void ProducerCore::Impl::release_space(int64_t msgs, int64_t bytes) {
  outq_msgs.fetch_sub(msgs, std::memory_order_relaxed);
  outq_bytes.fetch_sub(bytes, std::memory_order_relaxed);
  if (space_waiters.load(std::memory_order_relaxed) > 0) {
    std::lock_guard lk(space_mu);
    space_cv.notify_all();
  }
}

// ---- batches ----------------------------------------------------------------------------------

Batch* ProducerCore::Impl::new_batch() {
  {
    std::lock_guard lk(pool_mu);
    if (!pool.empty()) {
      Batch* b = pool.back();
      pool.pop_back();
      b->refs.store(1, std::memory_order_relaxed);
      return b;
    }
  }
  Batch* b = new Batch();
  b->refs.store(1, std::memory_order_relaxed);  // the pipeline's reference
  return b;
}

void ProducerCore::Impl::recycle(Batch* b) {
  b->reset();
  {
    std::lock_guard lk(pool_mu);
    if (pool.size() < 32) {
      pool.push_back(b);
      return;
    }
  }
  delete b;
}

void ProducerCore::Impl::finalize_batch(Batch* b) {
  int64_t bytes = 0;
  for (auto& m : b->msgs) {
    bytes += m.size;
    if (m.own == Ownership::Free && m.orig_value) std::free(const_cast<void*>(m.orig_value));
  }
  int64_t n = static_cast<int64_t>(b->msgs.size());
  if (b->err) st_failed.fetch_add(n, std::memory_order_relaxed);
  else st_delivered.fetch_add(n, std::memory_order_relaxed);
  release_space(n, bytes);
  b->msgs.clear();
  unref(b);
}

void ProducerCore::Impl::unref(Batch* b) {
  if (b->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) recycle(b);
}

// ---- produce ----------------------------------------------------------------------------------

int32_t ProducerCore::Impl::random_available(TopicState* t, int32_t cnt) {
  int32_t p = random_partition(cnt);
  PartitionState** parts = t->parts.load(std::memory_order_acquire);
  if (parts && parts[p]->leader_pub.load(std::memory_order_relaxed) < 0) p = random_partition(cnt);
  return p;
}

int32_t ProducerCore::Impl::pick_partition(TopicState* t, const Message& m, int32_t cnt, int64_t now) {
  const void* key = m.key ? static_cast<const void*>(m.key->data()) : nullptr;
  size_t keylen = m.key ? m.key->size() : 0;
  if (m.key && !key) key = "";  // empty non-null key
  bool random_kind = t->conf.partitioner == PartitionerKind::Random && !t->partitioner;
  // librdkafka: null keys (and empty keys with consistent_random) use the sticky partitioner,
  // except with the random partitioner.
  if (!random_kind &&
      (!key || (keylen == 0 && !t->partitioner && t->conf.partitioner == PartitionerKind::ConsistentRandom))) {
    int32_t s = t->sticky.load(std::memory_order_relaxed);
    PartitionState** parts = t->parts.load(std::memory_order_acquire);
    bool avail = s >= 0 && s < cnt && parts && parts[s]->leader_pub.load(std::memory_order_relaxed) >= 0;
    if (!avail || now >= t->sticky_until_us.load(std::memory_order_relaxed)) {
      s = random_available(t, cnt);
      t->sticky.store(s, std::memory_order_relaxed);
      t->sticky_until_us.store(now + cfg.sticky_linger_ms * 1000, std::memory_order_relaxed);
    }
    return s;
  }
  if (t->partitioner) return t->partitioner(t->name, key, keylen, cnt, t->opaque, m.opaque);
  return partition_for(t->conf.partitioner, key, keylen, cnt, [&] { return random_available(t, cnt); });
}

void ProducerCore::Impl::notify_io(PartitionState* p, bool list) {
  if (list) {
    std::lock_guard lk(dirty_mu);
    dirty.push_back(p);
  }
  post_wake();
}

void ProducerCore::Impl::append(PartitionState* p, int64_t now, int64_t ts, const NullableBytes& key,
                                const NullableBytes& value, std::span<const RecordHeader> headers,
                                const MsgMeta& meta) {
  bool wake = false, list = false;
  {
    std::lock_guard lk(p->mu);
    Batch* b = p->open;
    if (b && (b->count() >= cfg.batch_num_messages ||
              b->builder.size_estimate() + b->builder.next_record_size(ts, key, value, headers) >
                  static_cast<size_t>(cfg.batch_size))) {
      p->ready.push_back(b);
      p->open = b = nullptr;
      wake = true;
    }
    if (!b) {
      b = new_batch();
      b->topic = p->topic;
      b->part = p;
      b->partition = p->id;
      b->created_us = now;
      b->linger_deadline_us = now + linger_us;
      p->open = b;
      wake = true;
      if (!p->listed) {
        p->listed = true;
        list = true;
      }
    }
    b->msgs.push_back(meta);
    b->msgs.back().rec_off = static_cast<uint32_t>(b->builder.size_estimate());
    b->builder.append(ts, key, value, headers);
    b->bytes += meta.size;
    if (b->count() >= cfg.batch_num_messages || b->builder.size_estimate() >= static_cast<size_t>(cfg.batch_size)) {
      p->ready.push_back(b);
      p->open = nullptr;
      wake = true;
    }
  }
  if (wake) notify_io(p, list);
}

int ProducerCore::Impl::produce(const Message& m, bool block) {
  if (fatal_err.load(std::memory_order_relaxed)) return err(LocalErr::FATAL);
  if (closing.load(std::memory_order_relaxed)) return err(LocalErr::STATE);
  if (transactional() && !txn_open.load(std::memory_order_acquire)) return err(LocalErr::STATE);
  TopicState* t = reinterpret_cast<TopicState*>(m.topic_handle);
  if (!t) {
    if (m.topic.empty()) return err(LocalErr::INVALID_ARG);
    // One-entry per-thread cache in front of the topic map.
    // Keyed by instance id, not address: a new producer may reuse a destroyed one's address.
    thread_local uint64_t c_instance = 0;
    thread_local TopicState* c_topic = nullptr;
    if (c_instance == instance_id && c_topic && c_topic->name == m.topic) {
      t = c_topic;
    } else {
      bool created = false;
      t = get_topic(m.topic, nullptr, nullptr, {}, nullptr, &created);
      if (!t) return err(LocalErr::INVALID_ARG);
      if (created) post_wake();
      c_instance = instance_id;
      c_topic = t;
    }
  }

  size_t hdr_bytes = 0;
  for (const auto& h : m.headers) hdr_bytes += h.key.size() + (h.value ? h.value->size() : 0) + 10;
  size_t payload = (m.key ? m.key->size() : 0) + (m.value ? m.value->size() : 0) + hdr_bytes;
  if (payload + kRecordMaxOverhead > static_cast<size_t>(cfg.message_max_bytes))
    return err(Error::MESSAGE_TOO_LARGE);

  int status = t->status.load(std::memory_order_acquire);
  if (status == static_cast<int>(TopicStatus::NotExists)) return err(LocalErr::UNKNOWN_TOPIC);
  if (status == static_cast<int>(TopicStatus::Error)) return t->error.load();

  uint32_t size = static_cast<uint32_t>(payload);
  if (int e = reserve_space(size, block)) return e;

  int64_t now = mono_us();
  MsgMeta meta;
  meta.opaque = m.opaque;
  meta.enq_us = now;
  // One clock read per message: wall time derives from the monotonic clock and an offset the
  // I/O thread refreshes every 100 ms.
  meta.timestamp = m.timestamp ? m.timestamp : (now + wall_offset_us.load(std::memory_order_relaxed)) / 1000;
  meta.size = size;
  meta.own = m.value_ownership;
  if (m.value_ownership != Ownership::Copy && m.value) {
    meta.orig_value = m.value->data();
    meta.value_len = static_cast<uint32_t>(m.value->size());
  }
  meta.partition = m.partition;

  int32_t cnt = t->part_cnt.load(std::memory_order_acquire);
  if (cnt <= 0) {
    std::unique_lock lk(t->ua_mu);
    cnt = t->part_cnt.load(std::memory_order_acquire);
    if (cnt <= 0) {
      // Metadata not known yet: the unassigned queue, partitioned when it arrives.
      Batch* b = t->ua.empty() ? nullptr : t->ua.back();
      if (!b || b->count() >= 10000 || now - b->created_us > 100'000) {
        b = new_batch();
        b->topic = t;
        b->created_us = now;
        t->ua.push_back(b);
      }
      b->msgs.push_back(meta);
      b->msgs.back().rec_off = static_cast<uint32_t>(b->builder.size_estimate());
      b->builder.append(meta.timestamp, m.key, m.value, m.headers);
      b->bytes += size;
      bool first = t->ua.size() == 1 && b->count() == 1;
      lk.unlock();
      st_produced.fetch_add(1, std::memory_order_relaxed);
      if (first) post_wake();
      return 0;
    }
  }

  int32_t part = m.partition;
  if (part == kPartitionUA) part = pick_partition(t, m, cnt, now);
  if (part < 0 || part >= cnt) {
    release_space(1, size);
    return err(LocalErr::UNKNOWN_PARTITION);
  }
  PartitionState* p = t->parts.load(std::memory_order_acquire)[part];
  append(p, now, meta.timestamp, m.key, m.value, m.headers, meta);
  st_produced.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

// ---- events -----------------------------------------------------------------------------------

void ProducerCore::Impl::push_event(Event e) {
  {
    std::lock_guard lk(ev_mu);
    if (e.kind != Event::Dr) ev_other.fetch_add(1, std::memory_order_relaxed);
    events.push_back(std::move(e));
  }
  ev_cv.notify_all();
}

void ProducerCore::Impl::serve_dr(Batch* b) {
  DeliveryReport dr;
  dr.topic_ = &b->topic->name;
  dr.topic_handle_ = reinterpret_cast<Topic*>(b->topic);
  dr.err_ = b->err;
  dr.status_ = b->status;
  dr.broker_id_ = b->broker_id;
  dr.src_ = b;
  int64_t now = mono_us();
  bool lat = b->log_append_time >= 0;
  for (size_t i = 0; i < b->msgs.size(); ++i) {
    const MsgMeta& m = b->msgs[i];
    if (cfg.dr_only_error && b->err == 0) break;
    dr.partition_ = b->partition >= 0 ? b->partition : m.partition;
    dr.offset_ = (b->err == 0 && b->base_offset >= 0) ? b->base_offset + static_cast<int64_t>(i) : kOffsetInvalid;
    dr.timestamp_ = lat ? b->log_append_time : m.timestamp;
    dr.ts_type_ = lat ? TimestampType::LogAppendTime : TimestampType::CreateTime;
    dr.opaque_ = m.opaque;
    dr.latency_us_ = now - m.enq_us;
    dr.index_ = i;
    dr.errstr_.clear();
    if (b->err && !b->errstr.empty()) dr.errstr_ = b->errstr;
    cb.delivery(dr);
  }
}

int ProducerCore::Impl::poll(int timeout_ms) {
  std::deque<Event> batch;
  {
    std::unique_lock lk(ev_mu);
    if (events.empty() && timeout_ms != 0) {
      if (timeout_ms < 0) ev_cv.wait(lk, [&] { return !events.empty() || closing.load(); });
      else ev_cv.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] { return !events.empty(); });
    }
    batch.swap(events);
  }
  int served = 0;
  for (auto& e : batch) {
    switch (e.kind) {
      case Event::Dr:
        if (cb.delivery) serve_dr(e.batch);
        served += e.batch->count();
        finalize_batch(e.batch);
        break;
      case Event::Err:
        ev_other.fetch_sub(1, std::memory_order_relaxed);
        if (cb.error) cb.error(e.err, e.text);
        ++served;
        break;
      case Event::Stats:
        ev_other.fetch_sub(1, std::memory_order_relaxed);
        if (cb.stats) cb.stats(e.text);
        ++served;
        break;
    }
  }
  return served;
}

void ProducerCore::Impl::set_fatal(int e, const std::string& reason) {
  {
    std::lock_guard lk(fatal_mu);
    if (fatal_err.load()) return;
    fatal_reason = reason;
    fatal_err.store(e);
  }
  log(0, "FATAL", "Fatal error: " + err_name(e) + ": " + reason);
  push_event({Event::Err, nullptr, err(LocalErr::FATAL), reason});
}

// ---- ProducerCore -----------------------------------------------------------------------------

std::unique_ptr<ProducerCore> ProducerCore::create(const Properties& props, ProducerCallbacks callbacks,
                                                   std::string& errstr) {
  ProducerConfig cfg;
  if (!parse_producer_config(props, cfg, errstr)) return nullptr;
  auto impl = std::make_unique<Impl>(std::move(cfg), std::move(callbacks));
  impl->start();
  return std::unique_ptr<ProducerCore>(new ProducerCore(std::move(impl)));
}

ProducerCore::ProducerCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProducerCore::~ProducerCore() = default;

const std::string& ProducerCore::name() const { return impl_->name; }

Topic* ProducerCore::topic(const std::string& name, const Properties* topic_props, std::string& errstr,
                           PartitionerFn partitioner, void* topic_opaque) {
  if (name.empty()) {
    errstr = "Invalid topic name";
    return nullptr;
  }
  bool created = false;
  TopicState* t = impl_->get_topic(name, topic_props, &errstr, std::move(partitioner), topic_opaque, &created);
  if (created) impl_->post_wake();
  return reinterpret_cast<Topic*>(t);
}

const std::string& ProducerCore::topic_name(const Topic* t) { return reinterpret_cast<const TopicState*>(t)->name; }

int ProducerCore::produce(const Message& m, bool block) { return impl_->produce(m, block); }

int ProducerCore::poll(int timeout_ms) { return impl_->poll(timeout_ms); }

int ProducerCore::flush(int timeout_ms) {
  Impl& I = *impl_;
  I.flushing.fetch_add(1);
  I.post_wake();
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : mono_us() + int64_t{timeout_ms} * 1000;
  int rc = 0;
  for (;;) {
    I.poll(0);
    if (outq_len() == 0) break;
    int64_t now = mono_us();
    if (now >= deadline) {
      rc = err(LocalErr::TIMED_OUT);
      break;
    }
    int wait_ms = static_cast<int>(std::min<int64_t>((deadline - now + 999) / 1000, 100));
    I.poll(wait_ms);
  }
  I.flushing.fetch_sub(1);
  return rc;
}

int ProducerCore::purge(int flags) {
  if (flags & ~(kPurgeQueue | kPurgeInFlight | kPurgeNonBlocking)) return err(LocalErr::INVALID_ARG);
  auto w = std::make_shared<Waiter>();
  asio::post(impl_->io, [impl = impl_.get(), flags, w] {
    impl->purge_io(flags);
    w->complete(0);
  });
  if (!(flags & kPurgeNonBlocking)) w->wait(-1);
  return 0;
}

int ProducerCore::outq_len() const {
  return static_cast<int>(impl_->outq_msgs.load(std::memory_order_relaxed) +
                          impl_->ev_other.load(std::memory_order_relaxed));
}

int ProducerCore::fatal_error(std::string& reason) const {
  std::lock_guard lk(impl_->fatal_mu);
  int e = impl_->fatal_err.load();
  if (e) reason = impl_->fatal_reason;
  return e;
}

int32_t ProducerCore::partition_count(const std::string& topic) const {
  std::lock_guard lk(impl_->topics_mu);
  auto it = impl_->topics.find(topic);
  if (it == impl_->topics.end()) return -1;
  return it->second->part_cnt.load(std::memory_order_acquire);
}

bool ProducerCore::partition_available(const std::string& topic, int32_t partition) const {
  TopicState* t;
  {
    std::lock_guard lk(impl_->topics_mu);
    auto it = impl_->topics.find(topic);
    if (it == impl_->topics.end()) return false;
    t = it->second.get();
  }
  int32_t cnt = t->part_cnt.load(std::memory_order_acquire);
  if (partition < 0 || partition >= cnt) return false;
  return t->parts.load(std::memory_order_acquire)[partition]->leader_pub.load(std::memory_order_relaxed) >= 0;
}

ProducerStats ProducerCore::stats() const {
  ProducerStats s;
  s.msgs_produced = impl_->st_produced.load();
  s.msgs_delivered = impl_->st_delivered.load();
  s.msgs_failed = impl_->st_failed.load();
  s.retries = impl_->st_retries.load();
  s.outq_msgs = impl_->outq_msgs.load();
  s.outq_bytes = impl_->outq_bytes.load();
  auto w = std::make_shared<Waiter>();
  auto sent = std::make_shared<std::pair<int64_t, int64_t>>();
  asio::post(impl_->io, [impl = impl_.get(), w, sent] {
    auto add = [&](BrokerConn& c) {
      sent->first += c.requests_sent();
      sent->second += c.bytes_sent();
    };
    for (auto& c : impl->bootstrap) add(*c);
    for (auto& [id, c] : impl->brokers) add(*c);
    for (auto& c : impl->retired_conns) add(*c);
    w->complete(0);
  });
  if (w->wait(1000) == 0) {
    s.requests_sent = sent->first;
    s.bytes_sent = sent->second;
  }
  return s;
}

int32_t ProducerCore::builtin_partition(std::string_view name, const void* key, size_t keylen, int32_t n) {
  auto k = parse_partitioner(name);
  if (!k || n <= 0) return -1;
  return partition_for(*k, key, keylen, n);
}

// ---- queries ----------------------------------------------------------------------------------

int ProducerCore::metadata(bool all_topics, const std::string* only_topic, ClusterMetadata& out, int timeout_ms) {
  return query_metadata(*impl_, all_topics, only_topic, out, timeout_ms);
}
int ProducerCore::query_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low, int64_t& high,
                                          int timeout_ms) {
  return client::query_watermark_offsets(*impl_, topic, partition, low, high, timeout_ms);
}
int ProducerCore::offsets_for_times(std::vector<TopicPartitionOffset>& offsets, int timeout_ms) {
  return query_offsets_for_times(*impl_, offsets, timeout_ms);
}
int32_t ProducerCore::controller_id(int timeout_ms) { return query_controller_id(*impl_, timeout_ms); }
std::string ProducerCore::cluster_id(int timeout_ms) { return query_cluster_id(*impl_, timeout_ms); }

}  // namespace kafka::client
