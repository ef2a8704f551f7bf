// ConsumerCore: the I/O thread's side — fetcher, start offsets, OffsetFetch/OffsetCommit.
// Group membership is in consumer_group.cpp.
#include <algorithm>

#include "consumer_impl.h"
#include "kafka/protocol/messages/fetch.h"
#include "kafka/protocol/messages/find_coordinator.h"
#include "kafka/protocol/messages/offset_commit.h"
#include "kafka/protocol/messages/offset_fetch.h"
#include "queries.h"

namespace kafka::client {

using boost::system::error_code;

namespace {

constexpr int16_t kFetchMin = 4;    // v2 record batches, LastStableOffset
constexpr int16_t kFetchMax = 12;   // v13+ needs topic ids
constexpr int64_t kTickUs = 25'000;

bool fetch_leader_error(int e) {
  switch (static_cast<Error>(e)) {
    case Error::NOT_LEADER_OR_FOLLOWER:
    case Error::LEADER_NOT_AVAILABLE:
    case Error::UNKNOWN_TOPIC_OR_PARTITION:
    case Error::FENCED_LEADER_EPOCH:
    case Error::UNKNOWN_LEADER_EPOCH:
    case Error::KAFKA_STORAGE_ERROR:
    case Error::REPLICA_NOT_AVAILABLE:
    case Error::OFFSET_NOT_AVAILABLE:
    case Error::NOT_ENOUGH_REPLICAS:
      return true;
    default:
      return false;
  }
}

bool coordinator_error(int e) {
  return e == static_cast<int>(Error::NOT_COORDINATOR) || e == static_cast<int>(Error::COORDINATOR_NOT_AVAILABLE) ||
         is_connection_error(e) || e == err(LocalErr::TIMED_OUT);
}

// Records of one partition parsed off the I/O lock.
struct ParsedPartition {
  size_t idx = 0;  // into the request's partition list
  int err = 0;
  std::string errstr;
  int64_t hwm = -1, lso = -1, log_start = -1;
  int64_t next_pos = -1;  // next fetch offset after the complete batches seen
  std::unique_ptr<FetchedSet> set;
};

}  // namespace


void parse_fetched_records(ByteView records, int64_t fetch_offset, bool check_crcs, ConsumerMessage::Chunk& chunk,
                           FetchedSet& set, AbortedFilter* aborted, ParsedRecords& out, int64_t inflate_budget,
                           int64_t msg_budget) {
  out.next_pos = fetch_offset;
  int64_t inflated = 0;
  BatchSplitter split(records);
  RecordBatchView local;
  try {
    while (auto b = split.next()) {
      BatchHeader h;
      if (!BatchHeader::parse(*b, h)) break;
      int64_t last = h.last_offset();
      if (aborted) aborted->advance(last);
      const bool older = last < fetch_offset;  // compacted/older batch before the position
      if (h.is_control()) {                    // transaction markers are never returned
        if (aborted && aborted->active() && h.is_transactional()) {
          local.reset(*b, check_crcs);
          auto it = local.begin();
          if (it != local.end() && control_record_type(it->key) == ControlType::Abort) aborted->end(h.producer_id);
        }
        out.next_pos = std::max(out.next_pos, last + 1);
        continue;
      }
      if (older) continue;
      if (aborted && h.is_transactional() && aborted->aborted(h.producer_id)) {
        out.next_pos = std::max(out.next_pos, last + 1);  // an aborted transaction's records
        continue;
      }
      RecordBatchView* view = &local;
      if ((h.attributes & kAttrCompressionMask) != 0) {
        if (inflated > 0 && (inflated >= inflate_budget || static_cast<int64_t>(set.msgs.size()) >= msg_budget))
          break;  // the rest is fetched again later
        auto owned = std::make_unique<RecordBatchView>();
        owned->reset(*b, check_crcs);
        const auto inflated_size = static_cast<int64_t>(owned->records_data().size());
        inflated += inflated_size;
        chunk.inflated_bytes += inflated_size;
        set.bytes += inflated_size;  // the inflated copy is memory too
        view = owned.get();
        chunk.views.push_back(std::move(owned));
      } else {
        local.reset(*b, check_crcs);
      }
      TimestampType tt = h.log_append_time() ? TimestampType::LogAppendTime : TimestampType::CreateTime;
      if (set.msgs.capacity() - set.msgs.size() < static_cast<size_t>(std::max(h.records_count, 0)))
        set.msgs.reserve(set.msgs.size() + static_cast<size_t>(std::max(h.records_count, 0)) + 16);
      for (auto it = view->begin(); it != view->end(); ++it) {
        const Record& r = *it;
        if (r.offset < fetch_offset) continue;
        RawMsg m;
        m.offset = r.offset;
        m.timestamp = r.timestamp;
        m.key = r.key;
        m.value = r.value;
        m.hdr = r.headers.raw().data();
        m.hdr_len = static_cast<uint32_t>(r.headers.raw().size());
        m.hdr_count = static_cast<int32_t>(r.headers.size());
        m.leader_epoch = h.partition_leader_epoch;
        m.ts_type = tt;
        set.msgs.push_back(m);
      }
      set.bytes += static_cast<int64_t>(b->size());
      out.next_pos = std::max(out.next_pos, last + 1);
    }
    // queued.max.messages.kbytes bounds what prefetching really holds: the records and their index.
    set.bytes += static_cast<int64_t>(set.msgs.size() * sizeof(RawMsg));
  } catch (const std::exception& e) {
    out.err = err(LocalErr::BAD_MSG);
    out.errstr = std::string("Corrupt message batch: ") + e.what();
  }
}


// ---- lifecycle ----------------------------------------------------------------------------------

void ConsumerCore::Impl::start() {
  tick_timer = std::make_unique<asio::steady_timer>(engine->io);
  asio::post(engine->io, [this] { on_tick(); });
}

void ConsumerCore::Impl::on_tick() {
  if (engine->closing.load()) return;
  int64_t now = mono_us();
  {
    std::lock_guard lk(mu);
    group_step(now);
    resolve_offsets(now);
    run_fetcher(now);
    if (cfg.enable_auto_commit && !cfg.group_id.empty() && cfg.auto_commit_interval_ms > 0 && !closing) {
      if (next_auto_commit_us == 0) next_auto_commit_us = now + int64_t{cfg.auto_commit_interval_ms} * 1000;
      if (now >= next_auto_commit_us) {
        next_auto_commit_us = now + int64_t{cfg.auto_commit_interval_ms} * 1000;
        bool member_ok = !subscribed || gstate == GroupState::Steady;
        TopicPartitionList offs = stored_offsets(nullptr);
        if (member_ok && !offs.empty()) {
          auto ctx = std::make_shared<CommitCtx>();
          ctx->offsets = std::move(offs);
          ++commits_inflight;
          send_commit(ctx);
        }
      }
    }
  }
  if (engine->cfg.statistics_interval_ms > 0 && cb.stats &&
      now - last_stats_us >= engine->cfg.statistics_interval_ms * 1000) {
    last_stats_us = now;
    std::lock_guard lk(mu);
    std::string js = "{\"name\":\"" + engine->name + "\",\"client_id\":\"" + cfg.client_id +
                     "\",\"type\":\"consumer\",\"ts\":" + std::to_string(now) +
                     ",\"time\":" + std::to_string(wall_ms() / 1000) +
                     ",\"rxmsgs\":" + std::to_string(st_consumed.load()) +
                     ",\"rxmsg_bytes\":" + std::to_string(st_bytes.load()) +
                     ",\"replyq\":" + std::to_string(queued_msgs) +
                     ",\"cgrp\":{\"state\":\"" + (gstate == GroupState::Steady ? "up" : "joining") +
                     "\",\"rebalance_cnt\":" + std::to_string(st_rebalances.load()) +
                     ",\"assignment_size\":" + std::to_string(current_assignment().size()) + "}}";
    push_event({ConsumerEvent::Stats, 0, {}, false, 0, std::move(js)});
  }
  tick_timer->expires_after(std::chrono::microseconds(kTickUs));
  tick_timer->async_wait([this](const error_code& ec) {
    if (!ec) on_tick();
  });
}

// ---- metadata -----------------------------------------------------------------------------------

void ConsumerCore::Impl::on_metadata(const MetadataView& md) {
  std::lock_guard lk(mu);
  metadata_seen = true;
  for (auto& t : md.topics) {
    if (t.err == 0 && !t.partitions.empty()) {
      int32_t cnt = 0;
      for (auto& p : t.partitions) cnt = std::max(cnt, p.id + 1);
      std::vector<int32_t> leaders(static_cast<size_t>(cnt), -1);
      for (auto& p : t.partitions) leaders[p.id] = p.leader;
      topic_leaders[t.name] = std::move(leaders);
      topic_errors.erase(t.name);
    } else if (t.err != 0) {
      topic_errors[t.name] = t.err;
      if (t.err == static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION)) topic_leaders.erase(t.name);
    }
  }
  if (md.all_topics) {
    all_topics.clear();
    for (auto& t : md.topics)
      if (t.err == 0) all_topics.push_back(t.name);
  }
  // Manually assigned partitions that do not exist: one error message each (fetching resumes
  // if they appear).
  for (auto& [k, up] : parts) {
    PartState* p = up.get();
    if (!p->assigned || p->partition < 0) continue;
    auto e = topic_errors.find(p->topic);
    bool missing_topic = e != topic_errors.end() && e->second == static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION);
    auto l = topic_leaders.find(p->topic);
    bool missing_part = l != topic_leaders.end() && p->partition >= static_cast<int32_t>(l->second.size());
    if (!missing_topic && !missing_part) {
      p->missing_reported = false;
    } else if (!p->missing_reported) {
      p->missing_reported = true;
      push_error_message(p, missing_topic ? static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION) : err(LocalErr::UNKNOWN_PARTITION),
                         kOffsetInvalid,
                         missing_topic ? "Assigned topic " + p->topic + " does not exist"
                                       : p->topic + " [" + std::to_string(p->partition) + "]: partition does not exist");
    }
  }
  if (subscribed && !closing) {
    bool changed = md.all_topics && update_regex_subscription();
    for (auto& name : subscription) {
      if (name.empty() || name[0] == '^') continue;
      auto e = topic_errors.find(name);
      if (e != topic_errors.end() && e->second == static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION)) {
        if (reported_missing.insert(name).second)
          push_error_message(part(name, -1, true), e->second, kOffsetInvalid,
                             "Subscribed topic not available: " + name + ": Broker: Unknown topic or partition");
      }
    }
    if (generation >= 0 || gstate == GroupState::Steady) {
      for (auto& t : sub_topics) {
        auto l = topic_leaders.find(t);
        if (l == topic_leaders.end()) continue;
        auto j = joined_counts.find(t);
        if (j == joined_counts.end() || j->second != static_cast<int32_t>(l->second.size())) changed = true;
      }
    }
    if (changed && (gstate == GroupState::Steady)) start_rejoin("subscribed topics changed");
  }
  run_fetcher(mono_us());
}

// ---- start offsets ------------------------------------------------------------------------------

void ConsumerCore::Impl::apply_reset(PartState* p, const char* why) {
  switch (cfg.auto_offset_reset) {
    case OffsetReset::Earliest:
      p->fetch = PartFetch::NeedOffset;
      p->start = kOffsetBeginning;
      break;
    case OffsetReset::Latest:
      p->fetch = PartFetch::NeedOffset;
      p->start = kOffsetEnd;
      break;
    case OffsetReset::Error:
      p->fetch = PartFetch::Stopped;
      push_error_message(p, err(LocalErr::AUTO_OFFSET_RESET), p->fetch_pos,
                         std::string("no previously committed offset available: ") + why);
      break;
  }
}

void ConsumerCore::Impl::resolve_offsets(int64_t now) {
  if (closing) return;
  std::vector<PartState*> committed_list, list_list;
  for (auto& [k, up] : parts) {
    PartState* p = up.get();
    if (!p->assigned || p->fetch != PartFetch::NeedOffset || p->backoff_until_us > now) continue;
    if (p->start >= 0) {
      p->fetch = PartFetch::Active;
      p->fetch_pos = p->app_pos = p->start;
      continue;
    }
    if (p->start == kOffsetStored || p->start == kOffsetInvalid) {
      if (!cfg.group_id.empty()) {
        committed_list.push_back(p);
        continue;
      }
      apply_reset(p, "no group.id");
      if (p->fetch != PartFetch::NeedOffset) continue;
    }
    list_list.push_back(p);
  }
  if (!committed_list.empty()) fetch_committed(std::move(committed_list));
  if (!list_list.empty()) list_offsets(std::move(list_list));
}

void ConsumerCore::Impl::fetch_committed(std::vector<PartState*> ps) {
  std::vector<std::pair<PartState*, uint64_t>> sent;
  OffsetFetchReq req;
  for (PartState* p : ps) {
    p->fetch = PartFetch::Resolving;
    sent.emplace_back(p, p->version);
    req.parts.emplace_back(p->topic, p->partition);
  }
  req.done = [this, sent](int e, const std::vector<TopicPartitionOffset>& results) {
    std::lock_guard lk(mu);
    int64_t now = mono_us();
    for (auto& [p, ver] : sent) {
      if (p->version != ver || p->fetch != PartFetch::Resolving) continue;
      const TopicPartitionOffset* r = nullptr;
      for (auto& x : results)
        if (x.topic == p->topic && x.partition == p->partition) r = &x;
      if (e || !r || r->err) {
        p->fetch = PartFetch::NeedOffset;
        p->backoff_until_us = now + int64_t{cfg.fetch_error_backoff_ms} * 1000;
        continue;
      }
      if (r->offset >= 0) {
        p->committed = r->offset;
        p->fetch = PartFetch::Active;
        p->fetch_pos = p->app_pos = r->offset;
      } else {
        apply_reset(p, "no committed offset");
      }
    }
    resolve_offsets(now);
    run_fetcher(now);
  };
  send_offset_fetch(std::move(req));
}

void ConsumerCore::Impl::list_offsets(std::vector<PartState*> ps) {
  auto q = std::make_shared<OffsetsQuery>();
  std::vector<std::pair<PartState*, uint64_t>> sent;
  std::vector<int64_t> starts;
  for (PartState* p : ps) {
    p->fetch = PartFetch::Resolving;
    sent.emplace_back(p, p->version);
    starts.push_back(p->start);
    q->entries.push_back({p->topic, p->partition, p->start == kOffsetBeginning ? -2 : -1});
  }
  int64_t now = mono_us();
  q->deadline_us = now + engine->cfg.socket_timeout_ms * 1000;
  OffsetsQuery* raw = q.get();  // on_done runs from raw->finish(): the query is alive
  q->on_done = [this, raw, sent, starts](int e) {
    std::lock_guard lk(mu);
    int64_t t = mono_us();
    for (size_t i = 0; i < sent.size(); ++i) {
      auto [p, ver] = sent[i];
      if (p->version != ver || p->fetch != PartFetch::Resolving) continue;
      auto& en = raw->entries[i];
      if (e || en.err || !en.done) {
        p->fetch = PartFetch::NeedOffset;
        p->backoff_until_us = t + int64_t{cfg.fetch_error_backoff_ms} * 1000;
        if (!e && en.err && !is_retriable(static_cast<Error>(en.err)))
          push_error_message(p, en.err, kOffsetInvalid, "Failed to query logical offset: " + err_str(en.err));
        continue;
      }
      int64_t off = en.offset;
      if (starts[i] <= kOffsetTailBase) off = std::max<int64_t>(0, off - (kOffsetTailBase - starts[i]));
      p->fetch = PartFetch::Active;
      p->fetch_pos = p->app_pos = off;
    }
    kick();
  };
  engine->queries.push_back(q);
  q->step(*engine, now);
}

// ---- coordinator requests -----------------------------------------------------------------------

BrokerConn* ConsumerCore::Impl::coordinator() { return coord; }

void ConsumerCore::Impl::send_offset_fetch(OffsetFetchReq req) {
  BrokerConn* c = coordinator();
  if (!c) {
    offset_fetch_waiting.push_back(std::move(req));
    return;
  }
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::OffsetFetch;
  r->min_version = 1;
  r->max_version = 7;
  r->timeout_us = engine->cfg.socket_timeout_ms * 1000;
  auto shared = std::make_shared<OffsetFetchReq>(std::move(req));
  std::string group = cfg.group_id;
  r->encode = [shared, group](Frame& f, int16_t v) {
    proto::OffsetFetchRequest m;
    m.group_id = group;
    m.topics.emplace();
    for (auto& [t, p] : shared->parts) {
      proto::OffsetFetchRequest::OffsetFetchRequestTopic* tt = nullptr;
      for (auto& x : *m.topics)
        if (x.name == t) tt = &x;
      if (!tt) {
        m.topics->emplace_back();
        tt = &m.topics->back();
        tt->name = t;
      }
      tt->partition_indexes.push_back(p);
    }
    m.require_stable = true;
    proto::encode_body(f.w(), m, v);
  };
  r->done = [this, shared](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    proto::OffsetFetchResponse resp;
    if (!e) {
      try {
        resp = proto::decode_response<proto::OffsetFetchResponse>(frame, v);
        e = resp.error_code;
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    if (coordinator_error(e) || e == static_cast<int>(Error::COORDINATOR_LOAD_IN_PROGRESS) ||
        e == static_cast<int>(Error::UNSTABLE_OFFSET_COMMIT)) {
      if (e != static_cast<int>(Error::COORDINATOR_LOAD_IN_PROGRESS) && e != static_cast<int>(Error::UNSTABLE_OFFSET_COMMIT))
        coordinator_dead("OffsetFetch failed");
      offset_fetch_waiting.push_back(std::move(*shared));
      return;
    }
    std::vector<TopicPartitionOffset> results;
    bool retry = false;
    if (!e)
      for (auto& t : resp.topics)
        for (auto& p : t.partitions) {
          if (p.error_code == static_cast<int>(Error::UNSTABLE_OFFSET_COMMIT)) retry = true;
          TopicPartitionOffset o;
          o.topic = t.name;
          o.partition = p.partition_index;
          o.offset = p.committed_offset < 0 ? kOffsetInvalid : p.committed_offset;
          o.metadata = p.metadata ? *p.metadata : std::string();
          o.leader_epoch = p.committed_leader_epoch;
          o.err = p.error_code;
          results.push_back(std::move(o));
        }
    if (retry) {  // a transaction is committing offsets: ask again shortly
      offset_fetch_waiting.push_back(std::move(*shared));
      return;
    }
    if (shared->done) shared->done(e, results);
  };
  c->send(std::move(r));
}

void ConsumerCore::Impl::send_commit(std::shared_ptr<CommitCtx> ctx) {
  BrokerConn* c = coordinator();
  if (!c) {
    commits_waiting.push_back(std::move(ctx));
    return;
  }
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::OffsetCommit;
  r->min_version = 2;
  r->max_version = 8;
  r->timeout_us = engine->cfg.socket_timeout_ms * 1000;
  proto::OffsetCommitRequest m;
  m.group_id = cfg.group_id;
  if (generation >= 0 && !member_id.empty()) {  // a member: commits are fenced by generation
    m.generation_id_or_member_epoch = generation;
    m.member_id = member_id;
    m.group_instance_id = cfg.group_instance_id;
  } else {
    m.generation_id_or_member_epoch = -1;  // simple (manually assigned) consumer
  }
  for (auto& o : ctx->offsets) {
    proto::OffsetCommitRequest::OffsetCommitRequestTopic* tt = nullptr;
    for (auto& x : m.topics)
      if (x.name == o.topic) tt = &x;
    if (!tt) {
      m.topics.emplace_back();
      tt = &m.topics.back();
      tt->name = o.topic;
    }
    proto::OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.committed_leader_epoch = o.leader_epoch;
    p.committed_metadata = o.metadata;
    tt->partitions.push_back(std::move(p));
  }
  auto req = std::make_shared<proto::OffsetCommitRequest>(std::move(m));
  r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
  r->done = [this, ctx](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    proto::OffsetCommitResponse resp;
    if (!e) {
      try {
        resp = proto::decode_response<proto::OffsetCommitResponse>(frame, v);
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    int first = e;
    if (!e) {
      for (auto& o : ctx->offsets) {
        o.err = err(LocalErr::BAD_MSG);
        for (auto& t : resp.topics)
          if (t.name == o.topic)
            for (auto& p : t.partitions)
              if (p.partition_index == o.partition) o.err = p.error_code;
        if (o.err && !first) first = o.err;
      }
    } else {
      for (auto& o : ctx->offsets) o.err = e;
    }
    if (coordinator_error(first) && !closing) {
      coordinator_dead("OffsetCommit failed");
    }
    if (first == static_cast<int>(Error::COORDINATOR_LOAD_IN_PROGRESS) || coordinator_error(first)) {
      if (++ctx->attempts < 3) {
        for (auto& o : ctx->offsets) o.err = 0;
        commits_waiting.push_back(ctx);
        return;
      }
    }
    finish_commit(ctx, first);
  };
  c->send(std::move(r));
}

void ConsumerCore::Impl::finish_commit(const std::shared_ptr<CommitCtx>& ctx, int e) {
  --commits_inflight;
  if (e) engine->log(7, "COMMIT", "OffsetCommit of " + std::to_string(ctx->offsets.size()) +
                                      " partition(s) failed: " + err_name(e));
  st_commits.fetch_add(1, std::memory_order_relaxed);
  for (auto& o : ctx->offsets) {
    if (o.err) continue;
    if (PartState* p = part(o.topic, o.partition, false)) p->committed = o.offset;
  }
  ctx->result = e;
  if (ctx->report && cb.offset_commit) push_event({ConsumerEvent::Commit, e, ctx->offsets, false, 0, {}});
  if (ctx->waiter) ctx->waiter->complete(e);
  cv.notify_all();
}

// ---- fetcher ------------------------------------------------------------------------------------

void ConsumerCore::Impl::run_fetcher(int64_t now) {
  if (closing || engine->closing.load()) return;
  std::map<int32_t, std::vector<PartState*>> by_leader;
  bool need_md = false;
  // Both bounds are for the whole queue, as in librdkafka where every partition's fetch queue is
  // forwarded to the consumer queue (rd_kafka_q_len/q_size follow the forwarding). The bytes count
  // what is really held (frames, inflated batches) plus the responses still to come.
  const int64_t max_bytes_total = int64_t{cfg.queued_max_messages_kbytes} * 1024;
  if (queued_msgs >= cfg.queued_min_messages) return;
  int64_t room = max_bytes_total - queued_bytes - fetch_reserved;
  if (room <= 0) return;
  for (auto& [k, up] : parts) {
    PartState* p = up.get();
    if (!p->assigned || p->paused || p->fetch != PartFetch::Active || p->fetch_inflight) continue;
    if (p->backoff_until_us > now) continue;
    auto l = topic_leaders.find(p->topic);
    int32_t leader = -1;
    if (l != topic_leaders.end() && p->partition < static_cast<int32_t>(l->second.size()))
      leader = l->second[p->partition];
    if (leader < 0) {
      // Missing topics are asked about once a second, not on every tick.
      if (!p->missing_reported || now >= missing_md_at_us) need_md = true;
      continue;
    }
    p->leader = leader;
    if (fetch_brokers.count(leader)) continue;
    by_leader[leader].push_back(p);
  }
  if (need_md) {
    engine->request_metadata("consumer: partition leader unknown", true);
    missing_md_at_us = now + 1'000'000;
  }
  for (auto& [leader, ps] : by_leader) {
    if (room <= 0) break;
    BrokerConn* c = engine->conn_for(leader);
    if (!c) {
      engine->request_metadata("consumer: leader not connected", true);
      continue;
    }
    if (!c->up()) {
      c->connect();
      continue;
    }
    auto req = std::make_shared<proto::FetchRequest>();
    req->replica_id = -1;
    req->max_wait_ms = cfg.fetch_wait_max_ms;
    req->min_bytes = cfg.fetch_min_bytes;
    // A response never brings more than the room left (the broker still returns at least one
    // batch, KIP-74); what it holds is charged when it arrives.
    const int64_t reserve = std::min<int64_t>(cfg.fetch_max_bytes, room);
    room -= reserve;
    fetch_reserved += reserve;
    req->max_bytes = static_cast<int32_t>(reserve);
    req->isolation_level = static_cast<int8_t>(cfg.isolation_level);
    req->session_id = 0;
    req->session_epoch = -1;  // sessionless (full) fetch
    std::vector<std::pair<PartState*, uint64_t>> sent;
    std::vector<int64_t> offsets;
    for (PartState* p : ps) {
      proto::FetchRequest::FetchTopic* t = nullptr;
      if (!req->topics.empty() && req->topics.back().topic == p->topic) t = &req->topics.back();
      if (!t) {
        req->topics.emplace_back();
        t = &req->topics.back();
        t->topic = p->topic;
      }
      proto::FetchRequest::FetchPartition fp;
      fp.partition = p->partition;
      fp.fetch_offset = p->fetch_pos;
      fp.partition_max_bytes = static_cast<int32_t>(std::min<int64_t>(cfg.max_partition_fetch_bytes, reserve));
      t->partitions.push_back(fp);
      p->fetch_inflight = true;
      sent.emplace_back(p, p->version);
      offsets.push_back(p->fetch_pos);
    }
    fetch_brokers.insert(leader);
    auto r = std::make_unique<Request>();
    r->api = proto::ApiKey::Fetch;
    r->min_version = kFetchMin;
    r->max_version = kFetchMax;
    r->timeout_us = (int64_t{cfg.fetch_wait_max_ms} + engine->cfg.socket_timeout_ms) * 1000;
    r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
    r->done = [this, c, leader, sent = std::move(sent), offsets = std::move(offsets), reserve](
                  int e, std::span<const uint8_t>, int16_t v) mutable {
      std::vector<uint8_t> buf;
      if (!e) buf = c->take_response_buffer();  // the records stay where they were read
      on_fetch_response(leader, std::move(sent), std::move(offsets), e, std::move(buf), v, reserve);
    };
    st_fetches.fetch_add(1, std::memory_order_relaxed);
    c->send(std::move(r));
  }
}

void ConsumerCore::Impl::on_fetch_response(int32_t broker, std::vector<std::pair<PartState*, uint64_t>> sent,
                                           std::vector<int64_t> offsets, int e, std::vector<uint8_t> frame,
                                           int16_t version, int64_t reserved) {
  if (engine->closing.load()) {
    std::lock_guard lk(mu);
    fetch_reserved -= reserved;
    return;
  }
  auto chunk = std::make_shared<ConsumerMessage::Chunk>();
  chunk->frame = std::move(frame);
  // Inflating is bounded by the room left after this frame, shared by the partitions returned.
  int64_t inflate_room, msg_room;
  {
    std::lock_guard lk(mu);
    inflate_room = int64_t{cfg.queued_max_messages_kbytes} * 1024 - queued_bytes - fetch_reserved + reserved -
                   static_cast<int64_t>(chunk->frame.capacity());
    msg_room = cfg.queued_min_messages - queued_msgs;
  }
  std::vector<ParsedPartition> parsed;
  std::string errstr;
  if (!e) {
    // Decoded without the lock: only the immutable topic/partition of PartState are read.
    try {
      auto resp = proto::decode_response<proto::FetchResponse>(chunk->frame, version);
      if (resp.error_code) e = resp.error_code;
      size_t nparts = 0;
      for (auto& t : resp.responses) nparts += t.partitions.size();
      const auto shares = static_cast<int64_t>(std::max<size_t>(nparts, 1));
      const int64_t inflate_share = std::max<int64_t>(inflate_room, 0) / shares;
      const int64_t msg_share = std::max<int64_t>(msg_room, 0) / shares;
      for (auto& t : resp.responses)
        for (auto& pd : t.partitions) {
          size_t idx = sent.size();
          for (size_t i = 0; i < sent.size(); ++i)
            if (sent[i].first->partition == pd.partition_index && sent[i].first->topic == t.topic) idx = i;
          if (idx == sent.size()) continue;
          ParsedPartition pp;
          pp.idx = idx;
          pp.err = pd.error_code;
          pp.hwm = pd.high_watermark;
          pp.lso = pd.last_stable_offset;
          pp.log_start = pd.log_start_offset;
          pp.set = std::make_unique<FetchedSet>();
          pp.set->part = sent[idx].first;
          pp.set->version = sent[idx].second;
          pp.set->chunk = chunk;
          if (pp.err == 0) {
            AbortedFilter filter;
            const bool read_committed = cfg.isolation_level == 1;
            if (read_committed && pd.aborted_transactions) {
              for (auto& a : *pd.aborted_transactions) filter.pending.emplace_back(a.first_offset, a.producer_id);
              std::sort(filter.pending.begin(), filter.pending.end());
            }
            ParsedRecords pr;
            parse_fetched_records(pd.records.bytes(), offsets[idx], cfg.check_crcs, *chunk, *pp.set,
                                  read_committed ? &filter : nullptr, pr, inflate_share, msg_share);
            pp.err = pr.err;
            pp.errstr = std::move(pr.errstr);
            pp.next_pos = pr.next_pos;
          }
          parsed.push_back(std::move(pp));
        }
    } catch (const std::exception& ex) {
      e = err(LocalErr::BAD_MSG);
      errstr = ex.what();
    }
  }
  std::lock_guard lk(mu);
  int64_t now = mono_us();
  fetch_reserved -= reserved;
  fetch_brokers.erase(broker);
  for (auto& [p, ver] : sent) p->fetch_inflight = false;
  if (e) {
    engine->log(4, "FETCH", "Fetch from broker " + std::to_string(broker) + " failed: " + err_name(e) +
                                (errstr.empty() ? "" : ": " + errstr));
    for (auto& [p, ver] : sent) p->backoff_until_us = now + int64_t{cfg.fetch_error_backoff_ms} * 1000;
    engine->request_metadata("fetch error", true);
  }
  bool pushed = false;
  for (auto& pp : parsed) {
    PartState* p = sent[pp.idx].first;
    if (pp.hwm >= 0) p->hwm = pp.hwm;
    if (pp.lso >= 0) p->lso = pp.lso;
    if (pp.log_start >= 0) p->log_start = pp.log_start;
    if (p->version != sent[pp.idx].second || !p->assigned || p->fetch != PartFetch::Active ||
        p->fetch_pos != offsets[pp.idx])
      continue;  // seek/reassign/pause while in flight: stale
    if (pp.err == static_cast<int>(Error::OFFSET_OUT_OF_RANGE)) {
      engine->log(5, "FETCH", p->topic + " [" + std::to_string(p->partition) + "]: offset " +
                                  std::to_string(p->fetch_pos) + " out of range: resetting");
      apply_reset(p, "fetch offset out of range");
      continue;
    }
    if (pp.err && fetch_leader_error(pp.err)) {
      p->backoff_until_us = now + int64_t{cfg.fetch_error_backoff_ms} * 1000;
      engine->request_metadata("fetch partition error", true);
      continue;
    }
    FetchedSet* set = pp.set.get();
    if (!set->msgs.empty()) {
      p->eof_sent = false;
      int64_t n = static_cast<int64_t>(set->msgs.size());
      p->queued_msgs += n;
      p->queued_bytes += set->bytes;
      queued_msgs += n;
      chunk->charged += static_cast<int64_t>(set->msgs.capacity() * sizeof(RawMsg));
      ++chunk->queued_sets;
      queue.push_back(std::move(pp.set));
      pushed = true;
    }
    if (pp.next_pos > p->fetch_pos) p->fetch_pos = pp.next_pos;
    if (pp.err) {
      push_error_message(p, pp.err, p->fetch_pos, pp.errstr.empty() ? err_str(pp.err) : pp.errstr);
      p->backoff_until_us = now + int64_t{cfg.fetch_error_backoff_ms} * 1000;
      continue;
    }
    if (cfg.enable_partition_eof && !p->eof_sent && p->hwm >= 0 && p->fetch_pos >= p->hwm) {
      p->eof_sent = true;
      push_error_message(p, err(LocalErr::PARTITION_EOF), p->fetch_pos, {});
    }
  }
  if (chunk->queued_sets > 0) {
    // Held until its last set leaves the queue: the whole frame (other partitions' records, stale
    // or skipped batches included) and every inflated batch.
    chunk->charged += static_cast<int64_t>(chunk->frame.capacity()) + chunk->inflated_bytes;
    queued_bytes += chunk->charged;
  }
  if (pushed) cv.notify_all();
  run_fetcher(now);
}

}  // namespace kafka::client
