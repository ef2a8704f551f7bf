// ProducerCore: the I/O thread's side — sending, responses, retries, metadata, idempotence.
#include <algorithm>
#include <cstring>

#include "kafka/protocol/crc32c.h"
#include "kafka/protocol/messages/init_producer_id.h"
#include "kafka/protocol/messages/produce.h"
#include "partitioner.h"
#include "producer_impl.h"
#include "queries.h"

namespace kafka::client {

using boost::system::error_code;

namespace {

constexpr int16_t kProduceMin = 3;   // v2 record batches
constexpr int16_t kProduceMax = 11;
constexpr int32_t kSeqMask = 0x7fffffff;
constexpr size_t kMaxRequestBytes = 16u << 20;  // well under brokers' socket.request.max.bytes

// a comes after b in the (wrapping) sequence space.
bool seq_after(int32_t a, int32_t b) { return a != b && ((a - b) & kSeqMask) < 0x40000000; }

bool split_host_port(const std::string& s, std::string& host, uint16_t& port) {
  port = 9092;
  if (!s.empty() && s[0] == '[') {  // [ipv6]:port
    auto close = s.find(']');
    if (close == std::string::npos) return false;
    host = s.substr(1, close - 1);
    if (close + 1 < s.size() && s[close + 1] == ':') port = static_cast<uint16_t>(std::stoi(s.substr(close + 2)));
    return true;
  }
  auto colon = s.rfind(':');
  if (colon == std::string::npos) {
    host = s;
    return !host.empty();
  }
  host = s.substr(0, colon);
  try {
    port = static_cast<uint16_t>(std::stoi(s.substr(colon + 1)));
  } catch (...) {
    return false;
  }
  return !host.empty();
}

bool leader_error(int e) {
  switch (static_cast<Error>(e)) {
    case Error::NOT_LEADER_OR_FOLLOWER:
    case Error::LEADER_NOT_AVAILABLE:
    case Error::UNKNOWN_TOPIC_OR_PARTITION:
    case Error::FENCED_LEADER_EPOCH:
    case Error::UNKNOWN_LEADER_EPOCH:
    case Error::KAFKA_STORAGE_ERROR:
    case Error::NETWORK_EXCEPTION:
    case Error::REPLICA_NOT_AVAILABLE:
    case Error::BROKER_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

// Rewrites producer id, epoch and base sequence of a finished batch and recomputes its CRC.
void restamp(Batch* b, int64_t pid, int16_t epoch, int32_t seq) {
  ByteView v = b->builder.batch();
  auto* p = const_cast<uint8_t*>(v.data());  // the builder owns this memory; no request holds it now
  BatchHeader::write_i64(p + 43, pid);
  p[51] = static_cast<uint8_t>(static_cast<uint16_t>(epoch) >> 8);
  p[52] = static_cast<uint8_t>(epoch);
  BatchHeader::write_i32(p + 53, seq);
  uint32_t crc = crc32c(p + BatchHeader::kAttributesOffset, v.size() - BatchHeader::kAttributesOffset);
  BatchHeader::write_i32(p + BatchHeader::kCrcOffset, static_cast<int32_t>(crc));
}

void encode_produce(Frame& f, int16_t v, const ProduceCtx& ctx, int32_t timeout_ms, const std::string& txn_id) {
  const bool flex = v >= 9;
  auto& w = f.w();
  if (txn_id.empty()) w.nullable_string(std::nullopt, flex);
  else w.string(txn_id, flex);  // a non-null nullable string is encoded as a string
  w.i16(ctx.acks);
  w.i32(timeout_ms);
  size_t ntopics = 0;
  for (size_t i = 0; i < ctx.batches.size(); ++i)
    if (i == 0 || ctx.batches[i]->topic != ctx.batches[i - 1]->topic) ++ntopics;
  w.array_len(ntopics, flex);
  for (size_t i = 0; i < ctx.batches.size();) {
    TopicState* t = ctx.batches[i]->topic;
    size_t j = i;
    while (j < ctx.batches.size() && ctx.batches[j]->topic == t) ++j;
    w.string(t->name, flex);
    w.array_len(j - i, flex);
    for (; i < j; ++i) {
      Batch* b = ctx.batches[i];
      w.i32(b->partition);
      ByteView bytes = b->builder.batch();
      if (flex) w.uvarint(static_cast<uint32_t>(bytes.size() + 1));
      else w.i32(static_cast<int32_t>(bytes.size()));
      f.external(bytes);
      if (flex) w.uvarint(0);
    }
    if (flex) w.uvarint(0);
  }
  if (flex) w.uvarint(0);
}

}  // namespace

// ---- lifecycle ----------------------------------------------------------------------------------

void ProducerCore::Impl::start() {
  int32_t id = -1;
  for (auto& hp : cfg.bootstrap) {
    std::string host;
    uint16_t port;
    if (!split_host_port(hp, host, port)) {
      log(3, "BROKER", "Invalid broker address \"" + hp + "\"");
      continue;
    }
    bootstrap.push_back(std::make_unique<BrokerConn>(io, *this, conn_settings, id--, host, port));
  }
  thread = std::thread([this] {
    auto guard = asio::make_work_guard(io);
    on_scan();
    if (!bootstrap.empty()) request_metadata("bootstrap");
    io.run();
  });
}

void ProducerCore::Impl::stop() {
  if (!thread.joinable()) return;
  closing.store(true);
  {
    std::lock_guard lk(space_mu);
    space_cv.notify_all();
  }
  ev_cv.notify_all();
  io.stop();
  thread.join();
}

void ProducerCore::Impl::post_wake() {
  if (!wake_pending.exchange(true, std::memory_order_acq_rel)) {
    asio::post(io, [this] {
      wake_pending.store(false, std::memory_order_release);
      run_sender();
    });
  }
}

void ProducerCore::Impl::schedule_sender() {
  if (sender_scheduled) return;
  sender_scheduled = true;
  asio::post(io, [this] {
    sender_scheduled = false;
    run_sender();
  });
}

void ProducerCore::Impl::arm_sender_timer(int64_t at) {
  if (at == INT64_MAX) return;
  if (sender_timer_at <= at && sender_timer_at > mono_us()) return;  // an earlier wake-up is armed
  sender_timer_at = at;
  sender_timer.expires_at(to_tp(at));
  sender_timer.async_wait([this](const error_code& ec) {
    if (ec) return;
    sender_timer_at = INT64_MAX;
    run_sender();
  });
}

void ProducerCore::Impl::sync_topics() {
  int g = topics_gen.load(std::memory_order_acquire);
  if (g == known_topics_gen) return;
  size_t before = known_topics.size();
  {
    std::lock_guard lk(topics_mu);
    known_topics_gen = topics_gen.load(std::memory_order_acquire);
    known_topics.clear();
    for (auto& [n, t] : topics) known_topics.push_back(t.get());
  }
  if (known_topics.size() != before) request_metadata("new topic", true);
}

// ---- periodic scan ------------------------------------------------------------------------------

void ProducerCore::Impl::on_scan() {
  if (closing.load()) return;
  int64_t now = mono_us();
  refresh_wall_offset();
  sync_topics();
  expire(now);
  for (auto& c : bootstrap) c->check_timeouts(now);
  for (auto& [id, c] : brokers) c->check_timeouts(now);
  for (auto& [key, co] : txn_coords)
    if (co.conn) co.conn->check_timeouts(now);

  // Metadata: retries, fast refresh while topics lack partitions or leaders, periodic refresh.
  bool want_fast = false;
  for (TopicState* t : known_topics) {
    int st = t->status.load(std::memory_order_relaxed);
    if (st == static_cast<int>(TopicStatus::Unknown)) want_fast = true;
    if (t->needs_leader) want_fast = true;
  }
  int64_t refresh = cfg.metadata_refresh_interval_ms > 0 ? cfg.metadata_refresh_interval_ms : cfg.metadata_max_age_ms;
  refresh = std::min(refresh, cfg.metadata_max_age_ms);
  if (!md_inflight && now >= md_retry_at_us) {
    if (md_again || (want_fast && now >= md_fast_until_us) || now - md_last_full_us >= refresh * 1000) {
      if (want_fast) md_fast_until_us = now + 250'000;
      send_metadata_request();
    }
  }
  if (id_state == IdState::NeedPid) maybe_init_pid();
  step_queries();

  if (cfg.statistics_interval_ms > 0 && cb.stats && now - last_stats_us >= cfg.statistics_interval_ms * 1000) {
    last_stats_us = now;
    int64_t tx = 0, txbytes = 0;
    for (auto& c : bootstrap) tx += c->requests_sent(), txbytes += c->bytes_sent();
    for (auto& [id, c] : brokers) tx += c->requests_sent(), txbytes += c->bytes_sent();
    std::string js = "{\"name\":\"" + name + "\",\"client_id\":\"" + cfg.client_id + "\",\"type\":\"producer\"" +
                     ",\"ts\":" + std::to_string(now) + ",\"time\":" + std::to_string(wall_ms() / 1000) +
                     ",\"msg_cnt\":" + std::to_string(outq_msgs.load()) +
                     ",\"msg_size\":" + std::to_string(outq_bytes.load()) +
                     ",\"msg_max\":" + std::to_string(max_msgs) + ",\"msg_size_max\":" + std::to_string(max_bytes) +
                     ",\"tx\":" + std::to_string(tx) + ",\"tx_bytes\":" + std::to_string(txbytes) +
                     ",\"txmsgs\":" + std::to_string(st_delivered.load()) + "}";
    push_event({Event::Stats, nullptr, 0, std::move(js)});
  }

  scan_timer.expires_after(std::chrono::milliseconds(100));
  scan_timer.async_wait([this](const error_code& ec) {
    if (!ec) on_scan();
  });
}

void ProducerCore::Impl::expire(int64_t now) {
  bool bump = false;
  for (TopicState* t : known_topics) {
    int64_t tmo = t->conf.message_timeout_ms * 1000;
    if (tmo <= 0) continue;
    std::vector<Batch*> expired;
    {
      std::lock_guard lk(t->ua_mu);
      while (!t->ua.empty() && now >= t->ua.front()->created_us + tmo) {
        expired.push_back(t->ua.front());
        t->ua.pop_front();
      }
    }
    for (Batch* b : expired) fail_batch(b, err(LocalErr::MSG_TIMED_OUT), MsgStatus::NotPersisted);
    for (auto& up : t->storage) {
      PartitionState* p = up.get();
      // In flight past message.timeout.ms: fail now (possibly persisted) and ignore the response,
      // as librdkafka bounds a Produce request by its first message's timeout.
      if (p->inflight > 0) {
        std::vector<Batch*> late;
        for (Batch* b : p->outstanding)
          if (b->in_request && !b->resolved && now >= b->created_us + tmo) late.push_back(b);
        for (Batch* b : late) {
          b->purged = true;
          if (cfg.idempotence) bump = true;
          fail_batch(b, err(LocalErr::MSG_TIMED_OUT), MsgStatus::PossiblyPersisted);
        }
      }
      if (p->sendq.empty()) continue;
      for (auto it = p->sendq.begin(); it != p->sendq.end();) {
        Batch* b = *it;
        if (now >= b->created_us + tmo) {
          it = p->sendq.erase(it);
          if (cfg.idempotence && b->finished) bump = true;
          fail_batch(b, err(LocalErr::MSG_TIMED_OUT), b->sent ? MsgStatus::PossiblyPersisted : MsgStatus::NotPersisted);
        } else {
          ++it;
        }
      }
    }
  }
  if (bump) begin_bump("messages with sequence numbers timed out");
}

// ---- sending ------------------------------------------------------------------------------------

bool ProducerCore::Impl::sendable(PartitionState* p, int64_t now, int64_t& next_wake) {
  if (p->leader < 0) {
    p->topic->needs_leader = true;
    return false;
  }
  Batch* b = p->sendq.front();
  if (b->retry_at_us > now) {
    next_wake = std::min(next_wake, b->retry_at_us);
    return false;
  }
  if (cfg.idempotence) {
    if (id_state != IdState::Assigned) return false;
    if (p->drain) {
      if (p->inflight > 0) return false;
      p->drain = false;
    }
    if (p->inflight >= 5) return false;
    // Resends go one at a time, and nothing new follows them until they are acknowledged (as
    // the Java client): pipelining new batches behind a resend that fails again would move the
    // broker's de-duplication window (last 5 batches) past it.
    if (p->inflight_resends > 0) return false;
    if (b->order != 0 && p->inflight > 0) return false;
  }
  if (transactional()) {
    // Nothing is sent while an epoch bump is owed (the abort does it), and a partition's first
    // batch waits until AddPartitionsToTxn has added the partition to the transaction.
    if (txn_bump_required_io) return false;
    if (!p->txn_added) {
      if (!p->txn_pending) {
        p->txn_pending = true;
        txn_to_add.push_back(p);
      }
      return false;
    }
  }
  return true;
}

void ProducerCore::Impl::run_sender() {
  if (closing.load(std::memory_order_relaxed)) return;
  int64_t now = mono_us();
  sync_topics();
  {
    std::vector<PartitionState*> d;
    {
      std::lock_guard lk(dirty_mu);
      d.swap(dirty);
    }
    for (PartitionState* p : d)
      if (!p->active) {
        p->active = true;
        active.push_back(p);
      }
  }
  const bool flush = flushing.load(std::memory_order_relaxed) > 0;
  int64_t next_wake = INT64_MAX;
  for (PartitionState* p : active) {
    std::lock_guard lk(p->mu);
    if (p->open && (flush || now >= p->open->linger_deadline_us)) {
      p->ready.push_back(p->open);
      p->open = nullptr;
    }
    for (Batch* b : p->ready) p->sendq.push_back(b);
    p->ready.clear();
    if (p->open) next_wake = std::min(next_wake, p->open->linger_deadline_us);
  }

  if (cfg.idempotence && id_state != IdState::Assigned) {
    maybe_init_pid();
  } else {
    struct Build {
      BrokerConn* conn;
      int16_t acks;
      int32_t timeout;
      std::vector<Batch*> batches;
      size_t bytes;
    };
    std::vector<Build> builds;
    for (bool progress = true; progress;) {
      progress = false;
      builds.clear();
      for (PartitionState* p : active) {
        if (p->sendq.empty() || !sendable(p, now, next_wake)) continue;
        BrokerConn* c = conn_for(p->leader);
        if (!c) {
          p->topic->needs_leader = true;
          continue;
        }
        if (!c->up()) {
          c->connect();
          continue;
        }
        if (c->in_flight() + c->queued() >= static_cast<size_t>(cfg.max_in_flight)) continue;
        Batch* b = p->sendq.front();
        p->sendq.pop_front();
        if (!b->finished) {
          int32_t seq = -1;
          if (cfg.idempotence) {
            seq = p->next_seq;
            p->next_seq = static_cast<int32_t>((static_cast<int64_t>(seq) + b->count()) & kSeqMask);
            b->base_seq = seq;
          }
          try {
            b->builder.set_compression_level(b->topic->conf.compression_level);
            b->builder.finish(b->topic->codec, cfg.idempotence ? pid : kNoProducerId,
                              cfg.idempotence ? epoch : kNoProducerEpoch, seq, transactional());
          } catch (const std::exception& e) {
            fail_batch(b, err(LocalErr::BAD_COMPRESSION), MsgStatus::NotPersisted, e.what());
            progress = true;
            continue;
          }
          b->finished = true;
        }
        b->resend = b->in_outstanding;
        if (!b->in_outstanding) {
          p->outstanding.push_back(b);
          b->in_outstanding = true;
          b->order = p->next_order++;
        }
        if (b->resend) ++p->inflight_resends;
        ++b->attempts;
        b->sent = true;
        b->in_request = true;
        b->refs.fetch_add(1, std::memory_order_relaxed);
        ++p->inflight;
        ++total_inflight;
        const TopicConfig& tc = b->topic->conf;
        // One request per (leader, acks, timeout), bounded in size.
        size_t bytes = b->builder.batch().size();
        Build* target = nullptr;
        for (auto& bd : builds)
          if (bd.conn == c && bd.acks == tc.acks && bd.timeout == tc.request_timeout_ms &&
              (bd.bytes == 0 || bd.bytes + bytes <= kMaxRequestBytes))
            target = &bd;
        if (!target) {
          builds.push_back({c, tc.acks, tc.request_timeout_ms, {}, 0});
          target = &builds.back();
        }
        target->batches.push_back(b);
        target->bytes += bytes;
        progress = true;
      }
      for (auto& bd : builds) send_produce(bd.conn, std::move(bd.batches), bd.acks, bd.timeout);
    }
    if (transactional() && !txn_to_add.empty()) txn_add_partitions();
  }

  // Forget idle partitions.
  size_t keep = 0;
  for (size_t i = 0; i < active.size(); ++i) {
    PartitionState* p = active[i];
    bool idle = false;
    if (p->sendq.empty() && p->outstanding.empty() && p->inflight == 0) {
      std::lock_guard lk(p->mu);
      if (!p->open && p->ready.empty()) {
        p->listed = false;
        p->active = false;
        idle = true;
      }
    }
    if (!idle) active[keep++] = p;
  }
  active.resize(keep);
  arm_sender_timer(next_wake);
}

void ProducerCore::Impl::send_produce(BrokerConn* conn, std::vector<Batch*> batches, int16_t acks,
                                      int32_t timeout_ms) {
  std::stable_sort(batches.begin(), batches.end(),
                   [](const Batch* a, const Batch* b) { return a->topic < b->topic; });
  auto ctx = std::make_shared<ProduceCtx>();
  ctx->batches = std::move(batches);
  ctx->broker = conn->id();
  ctx->acks = acks;
  live_ctxs.insert(ctx.get());
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::Produce;
  r->min_version = kProduceMin;
  r->max_version = kProduceMax;
  r->expect_response = acks != 0;
  r->timeout_us = (int64_t{timeout_ms} + 1000) * 1000;
  r->encode = [ctx, timeout_ms, this](Frame& f, int16_t v) {
    encode_produce(f, v, *ctx, timeout_ms, cfg.transactional_id);
  };
  r->done = [this, ctx](int e, std::span<const uint8_t> frame, int16_t v) { on_produce_response(ctx, e, frame, v); };
  conn->send(std::move(r));
}

void ProducerCore::Impl::on_produce_response(const std::shared_ptr<ProduceCtx>& ctx, int e,
                                             std::span<const uint8_t> frame, int16_t version) {
  if (closing.load(std::memory_order_relaxed)) return;  // the destructor frees what is left
  live_ctxs.erase(ctx.get());
  std::optional<proto::ProduceResponse> resp;
  std::string decode_error;
  if (e == 0 && ctx->acks != 0) {
    try {
      resp = proto::decode_response<proto::ProduceResponse>(frame, version);
    } catch (const std::exception& ex) {
      decode_error = ex.what();
    }
  }
  for (Batch* b : ctx->batches) {
    b->in_request = false;
    --b->part->inflight;
    if (b->resend) --b->part->inflight_resends;
    --total_inflight;
    if (b->purged || b->resolved) {
      unref(b);
      continue;
    }
    if (e == err(LocalErr::UNSUPPORTED_FEATURE)) {
      // The leader cannot take v2 record batches (Produce < v3): permanent.
      fail_batch(b, e, MsgStatus::NotPersisted, "Broker does not support Produce v3+ (message format v2)");
    } else if (e != 0) {
      batch_failed(b, e, err_str(e), true);
    } else if (ctx->acks == 0) {
      batch_succeeded(b, kOffsetInvalid, -1, ctx->broker);
    } else if (!resp) {
      batch_failed(b, err(LocalErr::BAD_MSG), "Malformed Produce response: " + decode_error, true);
    } else {
      const proto::ProduceResponse::PartitionProduceResponse* pr = nullptr;
      for (auto& tr : resp->responses) {
        if (tr.name != b->topic->name) continue;
        for (auto& x : tr.partition_responses)
          if (x.index == b->partition) pr = &x;
      }
      if (!pr) batch_failed(b, err(LocalErr::BAD_MSG), "Partition missing from Produce response", true);
      else if (pr->error_code == 0) batch_succeeded(b, pr->base_offset, pr->log_append_time_ms, ctx->broker);
      else batch_failed(b, pr->error_code, pr->error_message ? *pr->error_message : err_str(pr->error_code), false);
    }
    unref(b);
  }
  check_bump_progress();
  schedule_sender();
}

// ---- batch outcomes -----------------------------------------------------------------------------

void ProducerCore::Impl::batch_succeeded(Batch* b, int64_t base_offset, int64_t log_append_time, int32_t broker) {
  b->err = 0;
  b->status = MsgStatus::Persisted;
  b->base_offset = base_offset;
  b->log_append_time = log_append_time;
  b->broker_id = broker;
  resolve(b);
}

void ProducerCore::Impl::fail_batch(Batch* b, int e, MsgStatus status, const std::string& reason) {
  if (transactional()) txn_batch_failed(e, reason);
  b->err = e;
  b->status = status;
  b->errstr = reason;
  b->base_offset = kOffsetInvalid;
  resolve(b);
}

void ProducerCore::Impl::resolve(Batch* b) {
  b->resolved = true;
  if (b->in_outstanding && b->part) release_in_order(b->part);
  else deliver(b);
}

void ProducerCore::Impl::release_in_order(PartitionState* p) {
  while (!p->outstanding.empty() && p->outstanding.front()->resolved) {
    Batch* b = p->outstanding.front();
    p->outstanding.pop_front();
    b->in_outstanding = false;
    deliver(b);
  }
}

void ProducerCore::Impl::deliver(Batch* b) {
  if (cb.delivery) {
    push_event({Event::Dr, b, 0, {}});
  } else {
    finalize_batch(b);
    if (flushing.load(std::memory_order_relaxed) > 0) ev_cv.notify_all();
  }
}

int32_t ProducerCore::Impl::first_unresolved_seq(PartitionState* p) {
  for (Batch* b : p->outstanding)
    if (!b->resolved) return b->base_seq;
  return p->next_seq;
}

void ProducerCore::Impl::requeue(Batch* b, bool count_retry) {
  PartitionState* p = b->part;
  if (count_retry) {
    st_retries.fetch_add(1, std::memory_order_relaxed);
    b->retry_at_us = mono_us() + cfg.retry_backoff_ms * 1000;
  } else {
    --b->attempts;
    b->retry_at_us = 0;
  }
  // Resent batches go back in first-send order (= sequence order with idempotence), ahead of
  // batches never sent.
  auto it = p->sendq.begin();
  while (it != p->sendq.end() && (*it)->order != 0 && (*it)->order < b->order) ++it;
  p->sendq.insert(it, b);
  if (!p->active) {
    std::lock_guard lk(p->mu);
    p->active = true;
    p->listed = true;
    active.push_back(p);
  }
}

void ProducerCore::Impl::batch_failed(Batch* b, int e, const std::string& reason, bool transport) {
  PartitionState* p = b->part;
  int64_t now = mono_us();
  if (transport || leader_error(e)) request_metadata("produce error", true);
  if (cfg.idempotence) {
    switch (static_cast<Error>(e)) {
      case Error::DUPLICATE_SEQUENCE_NUMBER:
        // An earlier attempt was written but its ack was lost: delivered (offset unknown).
        batch_succeeded(b, kOffsetInvalid, -1, -1);
        return;
      case Error::OUT_OF_ORDER_SEQUENCE_NUMBER: {
        int32_t first = first_unresolved_seq(p);
        if (b->base_seq == first) {
          // The broker has no record of the batches before this one: bump the epoch and
          // resend everything unacknowledged with fresh sequence numbers.
          log(4, "ERRSEQ", b->topic->name + " [" + std::to_string(b->partition) +
                               "]: out of order sequence " + std::to_string(b->base_seq) + ": bumping epoch");
          requeue(b, false);
          begin_bump("out of order sequence number");
          return;
        }
        if (seq_after(b->base_seq, first)) {
          // Caused by an earlier batch that failed: resend in order once in-flight drains.
          requeue(b, false);
          p->drain = true;
          return;
        }
        set_fatal(e, b->topic->name + " [" + std::to_string(b->partition) + "]: sequence " +
                         std::to_string(b->base_seq) + " rewound below the next expected " + std::to_string(first));
        fail_batch(b, e, MsgStatus::PossiblyPersisted, reason);
        return;
      }
      case Error::UNKNOWN_PRODUCER_ID:
        if (b->attempts == 1 && b->base_seq == first_unresolved_seq(p)) {
          requeue(b, false);
          begin_bump("unknown producer id");
          return;
        }
        set_fatal(e, b->topic->name + " [" + std::to_string(b->partition) +
                         "]: unknown producer id after retries: unable to retry without risking duplication");
        fail_batch(b, e, MsgStatus::PossiblyPersisted, reason);
        return;
      case Error::INVALID_PRODUCER_EPOCH:
      case Error::PRODUCER_FENCED:
        set_fatal(e, "Producer fenced: " + reason);
        fail_batch(b, e, MsgStatus::NotPersisted, reason);
        return;
      default:
        break;
    }
  }
  bool retriable = transport || e == err(LocalErr::TIMED_OUT) || is_connection_error(e) ||
                   (e > 0 && is_retriable(static_cast<Error>(e)));
  int64_t tmo = b->topic->conf.message_timeout_ms * 1000;
  bool expired = tmo > 0 && now >= b->created_us + tmo;
  bool possibly = transport || e == err(LocalErr::TIMED_OUT) ||
                  e == static_cast<int>(Error::NOT_ENOUGH_REPLICAS_AFTER_APPEND) ||
                  e == static_cast<int>(Error::REQUEST_TIMED_OUT);
  if (retriable && !expired && b->attempts <= cfg.retries && !fatal_err.load()) {
    log(7, "RETRY", b->topic->name + " [" + std::to_string(b->partition) + "]: retrying batch of " +
                        std::to_string(b->count()) + " message(s) after " + err_name(e));
    requeue(b, true);
    if (cfg.idempotence) p->drain = true;
    return;
  }
  int final_err = (retriable && expired) ? err(LocalErr::MSG_TIMED_OUT) : e;
  fail_batch(b, final_err, possibly ? MsgStatus::PossiblyPersisted : MsgStatus::NotPersisted, reason);
  // A sent batch failing for good leaves a gap in the sequence numbers: start a new epoch.
  if (cfg.idempotence && !fatal_err.load()) begin_bump("batch failed permanently: " + err_name(final_err));
}

// ---- purge --------------------------------------------------------------------------------------

void ProducerCore::Impl::purge_io(int flags) {
  bool bump = false;
  sync_topics();
  if (flags & kPurgeQueue) {
    for (TopicState* t : known_topics) {
      std::deque<Batch*> ua;
      {
        std::lock_guard lk(t->ua_mu);
        ua.swap(t->ua);
      }
      for (Batch* b : ua) fail_batch(b, err(LocalErr::PURGE_QUEUE), MsgStatus::NotPersisted);
      for (auto& up : t->storage) {
        PartitionState* p = up.get();
        std::vector<Batch*> q;
        {
          std::lock_guard lk(p->mu);
          if (p->open) q.push_back(p->open);
          p->open = nullptr;
          for (Batch* b : p->ready) q.push_back(b);
          p->ready.clear();
        }
        for (Batch* b : p->sendq) {
          if (b->finished) bump = true;
          q.push_back(b);
        }
        p->sendq.clear();
        for (Batch* b : q) fail_batch(b, err(LocalErr::PURGE_QUEUE), MsgStatus::NotPersisted);
      }
    }
  }
  if (flags & kPurgeInFlight) {
    for (TopicState* t : known_topics)
      for (auto& up : t->storage) {
        PartitionState* p = up.get();
        std::vector<Batch*> inflight;
        for (Batch* b : p->outstanding)
          if (b->in_request && !b->resolved) inflight.push_back(b);
        for (Batch* b : inflight) {
          b->purged = true;
          bump = true;
          fail_batch(b, err(LocalErr::PURGE_INFLIGHT), MsgStatus::PossiblyPersisted);
        }
      }
  }
  if (bump && cfg.idempotence && !fatal_err.load()) begin_bump("purged messages with sequence numbers");
  schedule_sender();
}

// ---- idempotence --------------------------------------------------------------------------------

void ProducerCore::Impl::maybe_init_pid() {
  if (id_state != IdState::NeedPid || fatal_err.load()) return;
  if (transactional()) return;  // init_transactions() asks the transaction coordinator
  if (mono_us() < pid_retry_at_us) return;  // the periodic scan retries
  send_init_pid();
}

void ProducerCore::Impl::send_init_pid() {
  BrokerConn* c = any_conn(true);
  if (!c) {
    pid_retry_at_us = mono_us() + cfg.retry_backoff_ms * 1000;
    return;
  }
  id_state = IdState::WaitPid;
  bool bump = bump_pending && pid >= 0;
  int64_t cur_pid = pid;
  int16_t cur_epoch = epoch;
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::InitProducerId;
  r->min_version = 0;
  r->max_version = 4;
  r->timeout_us = cfg.socket_timeout_ms * 1000;
  r->encode = [bump, cur_pid, cur_epoch](Frame& f, int16_t v) {
    proto::InitProducerIdRequest req;
    req.transactional_id.reset();
    req.transaction_timeout_ms = 60000;
    if (bump && v >= 3) {  // KIP-360: bump the epoch of the current producer id
      req.producer_id = cur_pid;
      req.producer_epoch = cur_epoch;
    }
    proto::encode_body(f.w(), req, v);
  };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) {
    if (closing.load()) return;
    auto retry = [&](const std::string& why) {
      log(4, "IDEMPOTENCE", "InitProducerId failed: " + why + ": retrying");
      id_state = IdState::NeedPid;
      pid_retry_at_us = mono_us() + cfg.retry_backoff_ms * 1000;
    };
    if (e == err(LocalErr::UNSUPPORTED_FEATURE)) {
      id_state = IdState::Fatal;
      set_fatal(e, "The broker does not support InitProducerId: idempotence is not available");
      purge_io(kPurgeQueue);
      return;
    }
    if (e) return retry(err_name(e));
    proto::InitProducerIdResponse resp;
    try {
      resp = proto::decode_response<proto::InitProducerIdResponse>(frame, v);
    } catch (const std::exception& ex) {
      return retry(ex.what());
    }
    int ec = resp.error_code;
    if (ec == 0) {
      bool was_bump = bump_pending;
      pid = resp.producer_id;
      epoch = resp.producer_epoch;
      id_state = IdState::Assigned;
      bump_pending = false;
      log(6, "IDEMPOTENCE", "Assigned producer id " + std::to_string(pid) + " epoch " + std::to_string(epoch));
      if (was_bump) renumber_after_bump();
      schedule_sender();
      return;
    }
    Error ke = static_cast<Error>(ec);
    if (is_retriable(ke) || ke == Error::CONCURRENT_TRANSACTIONS) return retry(err_name(ec));
    id_state = IdState::Fatal;
    set_fatal(ec, "Failed to acquire producer id: " + err_str(ec));
    purge_io(kPurgeQueue);
  };
  c->send(std::move(r));
}

void ProducerCore::Impl::begin_bump(const std::string& reason) {
  if (!cfg.idempotence || id_state == IdState::Fatal) return;
  if (transactional()) {
    // As librdkafka: the transaction must be aborted, and the abort bumps the epoch.
    txn_set_abortable(err(LocalErr::INCONSISTENT), "Unable to continue the transaction: " + reason, true);
    return;
  }
  bump_pending = true;
  if (id_state != IdState::Assigned) return;  // one already under way (or the first pid pending)
  log(5, "IDEMPOTENCE", "Bumping producer epoch: " + reason);
  id_state = IdState::DrainBump;
  check_bump_progress();
}

void ProducerCore::Impl::check_bump_progress() {
  if (id_state == IdState::DrainBump && total_inflight == 0) {
    id_state = IdState::NeedPid;
    maybe_init_pid();
  }
}

void ProducerCore::Impl::renumber_after_bump() {
  for (TopicState* t : known_topics)
    for (auto& up : t->storage) {
      PartitionState* p = up.get();
      p->next_seq = 0;
      p->drain = false;
      for (Batch* b : p->sendq) {
        if (!b->finished) break;  // unsent batches get sequences when first sent
        b->base_seq = p->next_seq;
        restamp(b, pid, epoch, b->base_seq);
        p->next_seq = static_cast<int32_t>((static_cast<int64_t>(p->next_seq) + b->count()) & kSeqMask);
      }
    }
}

// ---- connections --------------------------------------------------------------------------------

BrokerConn* ProducerCore::Impl::conn_for(int32_t node) {
  auto it = brokers.find(node);
  return it == brokers.end() ? nullptr : it->second.get();
}

BrokerConn* ProducerCore::Impl::any_conn(bool) {
  std::vector<BrokerConn*> all;
  for (auto& [id, c] : brokers) all.push_back(c.get());
  for (auto& c : bootstrap) all.push_back(c.get());
  if (all.empty()) return nullptr;
  BrokerConn* best = nullptr;
  for (BrokerConn* c : all)
    if (c->up() && (!best || c->in_flight() < best->in_flight())) best = c;
  if (best) return best;
  for (BrokerConn* c : all)
    if (c->state() != BrokerConn::State::Down) return c;
  int64_t now = mono_us();
  for (size_t i = 0; i < all.size(); ++i) {
    BrokerConn* c = all[(rr + i) % all.size()];
    if (c->next_attempt_us() <= now) {
      rr = (rr + i + 1) % all.size();
      return c;
    }
  }
  for (BrokerConn* c : all)
    if (!best || c->next_attempt_us() < best->next_attempt_us()) best = c;
  return best;
}

void ProducerCore::Impl::on_conn_up(BrokerConn& c) {
  all_down_reported = false;
  if (md_last_full_us == 0 && !md_inflight) request_metadata("connected");
  if (id_state == IdState::NeedPid) maybe_init_pid();
  step_queries();
  schedule_sender();
}

void ProducerCore::Impl::on_conn_down(BrokerConn& c, int e, const std::string& reason) {
  if (closing.load()) return;
  log(3, "FAIL", c.name() + ": " + reason);
  push_event({Event::Err, nullptr, e, c.name() + ": " + reason});
  size_t down = 0, total = 0;
  auto count = [&](BrokerConn& x) {
    ++total;
    if (x.state() == BrokerConn::State::Down) ++down;
  };
  for (auto& x : bootstrap) count(*x);
  for (auto& [id, x] : brokers) count(*x);
  if (down == total && !all_down_reported) {
    all_down_reported = true;
    push_event({Event::Err, nullptr, err(LocalErr::ALL_BROKERS_DOWN),
                std::to_string(down) + "/" + std::to_string(total) + " brokers are down"});
  }
  if (c.id() >= 0) request_metadata("broker down", true);
  schedule_sender();
}

// ---- metadata -----------------------------------------------------------------------------------

void ProducerCore::Impl::request_metadata(const char* reason, bool) {
  if (md_inflight || mono_us() < md_retry_at_us) {
    md_again = true;
    return;
  }
  (void)reason;
  send_metadata_request();
}

void ProducerCore::Impl::send_metadata_request() {
  BrokerConn* c = any_conn(true);
  int64_t now = mono_us();
  if (!c) {
    md_retry_at_us = now + cfg.retry_backoff_ms * 1000;
    md_again = true;
    return;
  }
  md_again = false;
  md_inflight = true;
  std::vector<std::string> names;
  for (TopicState* t : known_topics) names.push_back(t->name);
  const bool all = md_all_topics;
  auto r = make_metadata_request(all ? nullptr : &names, cfg.allow_auto_create_topics,
                                 cfg.socket_timeout_ms * 1000);
  r->done = [this, all](int e, std::span<const uint8_t> frame, int16_t v) {
    if (closing.load()) return;
    md_inflight = false;
    int64_t now = mono_us();
    md_retry_at_us = now + cfg.retry_backoff_ms * 1000;
    if (e) {
      md_again = true;
      return;
    }
    try {
      MetadataView md = parse_metadata(frame, v);
      md.all_topics = all;
      md_last_full_us = now;
      apply_metadata(md);
    } catch (const std::exception& ex) {
      log(3, "METADATA", std::string("Malformed Metadata response: ") + ex.what());
      md_again = true;
    }
  };
  c->send(std::move(r));
}

void ProducerCore::Impl::apply_metadata(const MetadataView& md) {
  int64_t now = mono_us();
  if (!md.cluster_id.empty()) cluster_id = md.cluster_id;
  controller_id = md.controller_id;
  for (auto& b : md.brokers) {
    auto it = brokers.find(b.id);
    if (it == brokers.end()) {
      brokers.emplace(b.id, std::make_unique<BrokerConn>(io, *this, conn_settings, b.id, b.host,
                                                          static_cast<uint16_t>(b.port)));
      log(7, "BROKER", "Added broker " + b.host + ":" + std::to_string(b.port) + "/" + std::to_string(b.id));
    } else {
      it->second->set_address(b.host, static_cast<uint16_t>(b.port));
    }
  }
  std::unordered_map<std::string_view, TopicState*> by_name;
  for (TopicState* t : known_topics) by_name.emplace(t->name, t);
  for (auto& mt : md.topics) {
    auto it = by_name.find(mt.name);
    if (it == by_name.end()) continue;
    TopicState* t = it->second;
    t->metadata_seen = true;
    if (mt.err == 0 && !mt.partitions.empty()) {
      int32_t cnt = 0;
      for (auto& p : mt.partitions) cnt = std::max(cnt, p.id + 1);
      while (static_cast<int32_t>(t->storage.size()) < cnt) {
        auto p = std::make_unique<PartitionState>();
        p->topic = t;
        p->id = static_cast<int32_t>(t->storage.size());
        t->storage.push_back(std::move(p));
      }
      bool needs_leader = false;
      for (auto& mp : mt.partitions) {
        PartitionState* p = t->storage[mp.id].get();
        int32_t leader = (mp.err == 0 || mp.err == static_cast<int>(Error::REPLICA_NOT_AVAILABLE) ||
                          mp.leader >= 0)
                             ? mp.leader
                             : -1;
        if (leader >= 0 && !brokers.count(leader)) leader = -1;
        if (leader < 0) needs_leader = true;
        if (leader != p->leader) {
          log(7, "METADATA", t->name + " [" + std::to_string(mp.id) + "]: leader " + std::to_string(p->leader) +
                                 " -> " + std::to_string(leader));
          p->leader = leader;
          p->leader_pub.store(leader, std::memory_order_relaxed);
        }
        p->leader_epoch = mp.leader_epoch;
      }
      t->needs_leader = needs_leader;
      t->status.store(static_cast<int>(TopicStatus::Exists), std::memory_order_release);
      if (cnt > t->part_cnt.load(std::memory_order_relaxed)) set_partition_count(t, cnt);
    } else if (mt.err == 0 || mt.err == static_cast<int>(Error::LEADER_NOT_AVAILABLE)) {
      t->needs_leader = true;  // being created
    } else if (mt.err == static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION)) {
      if (now - t->created_us >= cfg.metadata_propagation_max_ms * 1000) {
        if (t->status.load() != static_cast<int>(TopicStatus::NotExists))
          log(5, "TOPICERR", "Topic " + t->name + " does not exist");
        t->status.store(static_cast<int>(TopicStatus::NotExists), std::memory_order_release);
        t->needs_leader = false;
        for (auto& up : t->storage) {
          up->leader = -1;
          up->leader_pub.store(-1, std::memory_order_relaxed);
        }
        drain_ua(t, mt.err);
      } else {
        t->needs_leader = true;
      }
    } else if (mt.err == static_cast<int>(Error::TOPIC_AUTHORIZATION_FAILED) ||
               mt.err == static_cast<int>(Error::INVALID_TOPIC_EXCEPTION)) {
      t->error.store(mt.err);
      t->status.store(static_cast<int>(TopicStatus::Error), std::memory_order_release);
      t->needs_leader = false;
      drain_ua(t, mt.err);
    } else {
      log(4, "METADATA", "Topic " + t->name + " metadata error: " + err_name(mt.err));
      t->needs_leader = true;
    }
  }
  if (metadata_hook) metadata_hook(md);
  step_queries();
  schedule_sender();
}

void ProducerCore::Impl::set_partition_count(TopicState* t, int32_t cnt) {
  auto arr = std::make_unique<PartitionState*[]>(static_cast<size_t>(cnt));
  for (int32_t i = 0; i < cnt; ++i) arr[i] = t->storage[i].get();
  std::unique_lock lk(t->ua_mu);
  t->parts.store(arr.get(), std::memory_order_release);
  t->arrays.push_back(std::move(arr));
  int32_t old = t->part_cnt.load(std::memory_order_relaxed);
  std::deque<Batch*> ua;
  ua.swap(t->ua);
  // Partition what waited for metadata before new messages can take the fast path, so
  // per-partition order follows produce() order.
  Batch* failed = nullptr;
  for (Batch* b : ua) {
    for (size_t i = 0; i < b->msgs.size(); ++i) {
      const MsgMeta& meta = b->msgs[i];
      NullableBytes key, value;
      RecordHeaders rh;
      if (!b->record(i, key, value, rh)) continue;  // cannot happen: we wrote these records
      int32_t part = meta.partition;
      if (part == kPartitionUA) {
        Message m;
        m.key = key;
        m.opaque = meta.opaque;
        part = pick_partition(t, m, cnt, meta.enq_us);
      }
      std::vector<RecordHeader> hs;
      if (!rh.empty()) hs.assign(rh.begin(), rh.end());
      if (part < 0 || part >= cnt) {
        if (!failed) {
          failed = new_batch();
          failed->topic = t;
          failed->created_us = meta.enq_us;
        }
        failed->msgs.push_back(meta);
        failed->msgs.back().rec_off = static_cast<uint32_t>(failed->builder.size_estimate());
        failed->builder.append(meta.timestamp, key, value, hs);
        continue;
      }
      append(t->storage[part].get(), meta.enq_us, meta.timestamp, key, value, hs, meta);
    }
    // The messages live on in partition batches: retire the queue batch without accounting.
    b->msgs.clear();
    unref(b);
  }
  t->part_cnt.store(cnt, std::memory_order_release);
  lk.unlock();
  (void)old;
  if (failed) fail_batch(failed, err(LocalErr::UNKNOWN_PARTITION), MsgStatus::NotPersisted);
}

void ProducerCore::Impl::drain_ua(TopicState* t, int fail_err) {
  std::deque<Batch*> ua;
  {
    std::lock_guard lk(t->ua_mu);
    ua.swap(t->ua);
  }
  for (Batch* b : ua) fail_batch(b, fail_err, MsgStatus::NotPersisted);
}

void ProducerCore::Impl::step_queries() {
  if (queries.empty()) return;
  int64_t now = mono_us();
  auto qs = queries;  // steps may add queries
  for (auto& q : qs)
    if (!q->finished) q->step(*this, now);
  queries.erase(std::remove_if(queries.begin(), queries.end(), [](auto& q) { return q->finished; }), queries.end());
}

}  // namespace kafka::client
