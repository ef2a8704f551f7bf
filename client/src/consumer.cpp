// ConsumerCore: the application-facing side (assignment, consume, offsets, commits, close).
// The I/O thread's side is in consumer_io.cpp (fetcher, offsets, commits) and
// consumer_group.cpp (group membership).
#include <algorithm>

#include "consumer_impl.h"
#include "queries.h"

namespace kafka::client {

// ---- ConsumerMessage ------------------------------------------------------------------------

ConsumerMessage::~ConsumerMessage() = default;

const std::string& ConsumerMessage::error_string() const {
  if (errstr_.empty() && err_ != 0) const_cast<ConsumerMessage*>(this)->errstr_ = err_str(err_);
  return errstr_;
}

const std::string& ConsumerMessage::topic() const {
  static const std::string empty;
  return topic_ ? *topic_ : empty;
}

// ---- Impl ---------------------------------------------------------------------------------------

ConsumerCore::Impl::Impl(ConsumerConfig c, ConsumerCallbacks callbacks) : cfg(std::move(c)), cb(std::move(callbacks)) {}

ConsumerCore::Impl::~Impl() {
  do_close();
  if (engine) engine->stop();
  tick_timer.reset();
}

PartState* ConsumerCore::Impl::part(const std::string& topic, int32_t partition, bool create) {
  auto key = std::make_pair(topic, partition);
  auto it = parts.find(key);
  if (it != parts.end()) return it->second.get();
  if (!create) return nullptr;
  auto p = std::make_unique<PartState>();
  p->topic = topic;
  p->partition = partition;
  PartState* raw = p.get();
  parts.emplace(std::move(key), std::move(p));
  return raw;
}

void ConsumerCore::Impl::register_topic(const std::string& topic) {
  bool created = false;
  engine->get_topic(topic, nullptr, nullptr, {}, nullptr, &created);
  if (created) engine->post_wake();  // the engine notices new topics and asks for their metadata
}

void ConsumerCore::Impl::push_error_message(PartState* p, int e, int64_t offset, std::string text) {
  auto s = std::make_unique<FetchedSet>();
  s->part = p;
  s->version = p ? p->version : 0;
  s->err = e;
  s->err_offset = offset;
  s->errstr = std::move(text);
  queue.push_back(std::move(s));
  cv.notify_all();
}

void ConsumerCore::Impl::push_event(ConsumerEvent ev) {
  events.push_back(std::move(ev));
  cv.notify_all();
}

void ConsumerCore::Impl::kick() {
  if (fetch_kick_pending.exchange(true)) return;
  asio::post(engine->io, [this] {
    fetch_kick_pending.store(false);
    std::lock_guard lk(mu);
    int64_t now = mono_us();
    resolve_offsets(now);
    run_fetcher(now);
  });
}

// Accounting for a set leaving the queue: its messages not served, and its chunk's bytes once no
// queued set refers to it any more (messages the application still holds keep the chunk alive, as
// librdkafka's dequeued messages keep their fetch buffer, but no longer count).
void ConsumerCore::Impl::release_set(FetchedSet& s) {
  int64_t left = s.msgs.empty() ? 0 : static_cast<int64_t>(s.msgs.size() - s.next);
  queued_msgs -= left;
  if (s.part) {
    s.part->queued_msgs -= left;
    s.part->queued_bytes -= s.bytes;
  }
  if (s.chunk && !s.msgs.empty() && --s.chunk->queued_sets == 0) queued_bytes -= s.chunk->charged;
}

void ConsumerCore::Impl::drop_queued(PartState* p) {
  for (auto it = queue.begin(); it != queue.end();) {
    if ((*it)->part == p) {
      release_set(**it);
      it = queue.erase(it);
    } else {
      ++it;
    }
  }
}

void ConsumerCore::Impl::add_partition(const TopicPartitionOffset& tp) {
  PartState* p = part(tp.topic, tp.partition, true);
  drop_queued(p);
  p->assigned = true;
  p->paused = false;
  ++p->version;
  p->eof_sent = false;
  p->backoff_until_us = 0;
  p->app_epoch = -1;
  p->stored = kOffsetInvalid;
  p->stored_metadata.clear();
  p->committed = kOffsetInvalid;
  p->leader = -1;
  if (tp.offset >= 0) {
    p->fetch = PartFetch::Active;
    p->fetch_pos = tp.offset;
    p->app_pos = tp.offset;
  } else {
    p->fetch = PartFetch::NeedOffset;
    p->start = tp.offset == kOffsetInvalid ? kOffsetStored : tp.offset;
    p->fetch_pos = kOffsetInvalid;
    p->app_pos = kOffsetInvalid;
  }
  register_topic(tp.topic);
}

void ConsumerCore::Impl::remove_partition(PartState* p) {
  drop_queued(p);
  p->assigned = false;
  p->paused = false;
  ++p->version;
  p->fetch = PartFetch::Idle;
  p->fetch_pos = kOffsetInvalid;
  p->app_pos = kOffsetInvalid;
}

TopicPartitionList ConsumerCore::Impl::stored_offsets(const std::vector<PartState*>* only) {
  TopicPartitionList out;
  auto add = [&](PartState* p) {
    if (!p->assigned || p->stored < 0 || p->stored == p->committed) return;
    TopicPartitionOffset t;
    t.topic = p->topic;
    t.partition = p->partition;
    t.offset = p->stored;
    t.metadata = p->stored_metadata;
    t.leader_epoch = p->stored_epoch;
    out.push_back(std::move(t));
  };
  if (only) {
    for (PartState* p : *only) add(p);
  } else {
    for (auto& [k, p] : parts) add(p.get());
  }
  return out;
}

int ConsumerCore::Impl::apply_assign(const TopicPartitionList& list, bool incremental) {
  if (!incremental) {
    // Replacing: partitions not in the new list go (with their final auto commit).
    std::set<std::pair<std::string, int32_t>> keep;
    for (auto& tp : list) keep.emplace(tp.topic, tp.partition);
    TopicPartitionList gone;
    for (auto& [k, p] : parts)
      if (p->assigned && !keep.count(k)) gone.push_back({p->topic, p->partition});
    if (!gone.empty()) apply_unassign(gone, true);
  }
  for (auto& tp : list) {
    if (tp.topic.empty() || tp.partition < 0) return err(LocalErr::INVALID_ARG);
  }
  for (auto& tp : list) {
    PartState* p = part(tp.topic, tp.partition, false);
    if (incremental && p && p->assigned) return err(LocalErr::CONFLICT);
  }
  for (auto& tp : list) add_partition(tp);
  kick();
  return 0;
}

int ConsumerCore::Impl::apply_unassign(const TopicPartitionList& list, bool) {
  std::vector<PartState*> ps;
  for (auto& tp : list) {
    PartState* p = part(tp.topic, tp.partition, false);
    if (p && p->assigned) ps.push_back(p);
  }
  // Final commit of what the application consumed (enable.auto.commit), unless the assignment
  // was lost (the offsets may belong to another member by now).
  if (cfg.enable_auto_commit && !cfg.group_id.empty() && !assignment_lost_flag) {
    TopicPartitionList offs = stored_offsets(&ps);
    if (!offs.empty()) {
      auto ctx = std::make_shared<CommitCtx>();
      ctx->offsets = std::move(offs);
      ++commits_inflight;
      asio::post(engine->io, [this, ctx] {
        std::lock_guard lk(mu);
        send_commit(ctx);
      });
    }
  }
  for (PartState* p : ps) remove_partition(p);
  return 0;
}

TopicPartitionList ConsumerCore::Impl::current_assignment() const {
  TopicPartitionList out;
  for (auto& [k, p] : parts)
    if (p->assigned) {
      TopicPartitionOffset t;
      t.topic = p->topic;
      t.partition = p->partition;
      t.offset = kOffsetInvalid;
      out.push_back(std::move(t));
    }
  return out;
}

ConsumerMessagePtr ConsumerCore::Impl::materialize(FetchedSet& s) {
  ConsumerMessagePtr m(ConsumerMessageAccess::make());
  PartState* p = s.part;
  if (s.msgs.empty()) {
    ConsumerMessageAccess::set(*m, s.err, p ? &p->topic : nullptr, p ? p->partition : -1, s.err_offset);
    if (!s.errstr.empty()) ConsumerMessageAccess::set_errstr(*m, std::move(s.errstr));
    return m;
  }
  const RawMsg& r = s.msgs[s.next++];
  ConsumerMessageAccess::set(*m, 0, &p->topic, p->partition, r.offset);
  ConsumerMessageAccess::set_record(*m, r.timestamp, r.ts_type, r.leader_epoch, r.key, r.value,
                                    RecordHeaders(ByteView(r.hdr, r.hdr_len), r.hdr_count), s.chunk);
  p->app_pos = r.offset + 1;
  p->app_epoch = r.leader_epoch;
  if (cfg.enable_auto_offset_store) {
    p->stored = r.offset + 1;
    p->stored_epoch = r.leader_epoch;
    p->stored_metadata.clear();
  }
  --p->queued_msgs;
  --queued_msgs;
  st_consumed.fetch_add(1, std::memory_order_relaxed);
  st_bytes.fetch_add(static_cast<int64_t>((r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0)),
                     std::memory_order_relaxed);
  return m;
}

// Pops the next message (or error message) under mu; nullptr if none.
ConsumerMessagePtr ConsumerCore::Impl::next_message(bool&) {
  while (!queue.empty()) {
    FetchedSet& s = *queue.front();
    PartState* p = s.part;
    bool stale = p && (s.version != p->version || (!p->assigned && p->partition >= 0));
    bool done = stale || s.msgs.empty() || s.next >= s.msgs.size();
    ConsumerMessagePtr m;
    if (!stale && (s.msgs.empty() || s.next < s.msgs.size())) m = materialize(s);
    if (!stale && !s.msgs.empty()) done = s.next >= s.msgs.size();
    if (done) {
      release_set(s);
      if (p) kick();  // room for more (coalesced: at most one kick posted at a time)
      queue.pop_front();
    }
    if (m) return m;
  }
  return nullptr;
}

void ConsumerCore::Impl::serve_event(ConsumerEvent& ev) {
  switch (ev.kind) {
    case ConsumerEvent::Rebalance:
      if (ev.err == err(LocalErr::ASSIGN_PARTITIONS)) {
        // Superseded by a later rebalance (revoke-all or lost membership) before it was served.
        std::lock_guard lk(mu);
        if (ev.token != assign_token) break;
      }
      if (cb.rebalance) {
        {
          std::lock_guard lk(mu);
          serving_lost = ev.lost;
        }
        cb.rebalance(ev.err, ev.parts);
        std::lock_guard lk(mu);
        serving_lost = false;
        assignment_lost_flag = false;
      }
      {
        std::lock_guard lk(mu);
        rebalance_served(ev.token);
      }
      break;
    case ConsumerEvent::Commit:
      if (cb.offset_commit) cb.offset_commit(ev.err, ev.parts);
      break;
    case ConsumerEvent::Error:
      if (cb.error) cb.error(ev.err, ev.text);
      break;
    case ConsumerEvent::Stats:
      if (cb.stats) cb.stats(ev.text);
      break;
  }
}

// Serves up to `max` events (callbacks). Error events without an error callback that should
// come back as messages are turned into queued error messages instead.
int ConsumerCore::Impl::serve_events(int max) {
  if (engine->ev_other.load(std::memory_order_relaxed) > 0) engine->poll(0);
  int served = 0;
  while (served < max) {
    ConsumerEvent ev;
    {
      std::lock_guard lk(mu);
      if (events.empty()) break;
      ev = std::move(events.front());
      events.pop_front();
      if (ev.kind == ConsumerEvent::Error && !cb.error) {
        if (ev.as_message) push_error_message(nullptr, ev.err, kOffsetInvalid, ev.text);
        continue;
      }
    }
    serve_event(ev);
    ++served;
  }
  return served;
}

int ConsumerCore::Impl::commit(const TopicPartitionList* offsets, bool async, TopicPartitionList* out) {
  if (cfg.group_id.empty()) return err(LocalErr::UNKNOWN_GROUP);
  auto ctx = std::make_shared<CommitCtx>();
  {
    std::lock_guard lk(mu);
    // The partitions may already belong to another member: the coordinator would refuse anyway.
    if (serving_lost) return err(LocalErr::ASSIGNMENT_LOST);
    if (offsets) {
      ctx->offsets = *offsets;
    } else {
      ctx->offsets = stored_offsets(nullptr);
    }
    if (ctx->offsets.empty()) {
      if (async && cb.offset_commit) push_event({ConsumerEvent::Commit, err(LocalErr::NO_OFFSET), {}, false, 0, {}});
      return err(LocalErr::NO_OFFSET);
    }
    ++commits_inflight;
  }
  if (!async) ctx->waiter = std::make_shared<Waiter>();
  asio::post(engine->io, [this, ctx] {
    std::lock_guard lk(mu);
    send_commit(ctx);
  });
  if (async) return 0;
  // Bounded: without a coordinator the commit waits for one (FindCoordinator retries).
  int rc = ctx->waiter->wait(static_cast<int>(std::min<int64_t>(INT32_MAX, engine->cfg.socket_timeout_ms * 2)));
  if (out) *out = ctx->offsets;
  return rc;
}

int ConsumerCore::Impl::do_close() {
  if (closed.load()) return 0;
  if (!engine) {
    closed.store(true);
    return 0;
  }
  int rc = 0;
  TopicPartitionList revoke;
  bool group_member;
  {
    std::lock_guard lk(mu);
    closing = true;
    assign_token = 0;
    group_member = subscribed;
    revoke = current_assignment();
  }
  if (!revoke.empty()) {
    if (group_member && cb.rebalance && !fatal) {
      cb.rebalance(err(LocalErr::REVOKE_PARTITIONS), revoke);  // calls unassign()/incremental_unassign()
    }
    std::lock_guard lk(mu);
    TopicPartitionList left = current_assignment();
    if (!left.empty()) apply_unassign(left, false);
  }
  // Wait (bounded) for the final commits.
  int64_t deadline = mono_us() + 10'000'000;
  {
    std::unique_lock lk(mu);
    while ((commits_inflight > 0) && mono_us() < deadline)
      cv.wait_for(lk, std::chrono::milliseconds(50));
  }
  // Leave the group (not for static members: their partitions wait for them up to the session timeout).
  std::shared_ptr<Waiter> left = std::make_shared<Waiter>();
  asio::post(engine->io, [this, left] {
    std::lock_guard lk(mu);
    if (subscribed && !member_id.empty() && !cfg.group_instance_id && coordinator()) {
      send_leave("consumer closing");
      // send_leave completes `leave_waiter` when answered.
      leave_waiter = left;
    } else {
      left->complete(0);
    }
    subscribed = false;
    gstate = GroupState::Idle;
  });
  left->wait(5000);
  {
    std::lock_guard lk(mu);
    queue.clear();
    queued_msgs = queued_bytes = 0;
    for (auto& [k, p] : parts) p->queued_msgs = p->queued_bytes = 0;
    closed.store(true);
    cv.notify_all();
  }
  return rc;
}

// ---- ConsumerCore ---------------------------------------------------------------------------

std::unique_ptr<ConsumerCore> ConsumerCore::create(const Properties& props, ConsumerCallbacks callbacks,
                                                   std::string& errstr) {
  ConsumerConfig cfg;
  if (!parse_consumer_config(props, cfg, errstr)) return nullptr;
  ProducerConfig pcfg;
  if (!parse_producer_config(props, pcfg, errstr)) return nullptr;
  pcfg.allow_auto_create_topics = cfg.allow_auto_create_topics;
  pcfg.isolation_level = cfg.isolation_level;
  pcfg.metadata_refresh_interval_ms = cfg.metadata_refresh_interval_ms;
  std::vector<std::unique_ptr<Assignor>> assignors;
  for (auto& n : cfg.assignment_strategies) {
    auto a = make_assignor(n);
    if (!a) {
      errstr = "Configuration property \"partition.assignment.strategy\": unsupported assignor \"" + n + "\"";
      return nullptr;
    }
    assignors.push_back(std::move(a));
  }
  auto impl = std::make_unique<Impl>(std::move(cfg), std::move(callbacks));
  impl->assignors = std::move(assignors);
  ProducerCallbacks pcb;
  Impl* raw = impl.get();
  pcb.log = impl->cb.log;
  // Engine errors (connection failures, ...) are consumer errors not tied to a partition.
  pcb.error = [raw](int e, const std::string& reason) {
    std::lock_guard lk(raw->mu);
    raw->push_event({ConsumerEvent::Error, e, {}, false, 0, reason, true});
  };
  impl->engine = std::make_unique<ProducerCore::Impl>(std::move(pcfg), std::move(pcb), "consumer");
  impl->engine->metadata_hook = [raw](const MetadataView& md) { raw->on_metadata(md); };
  impl->engine->start();
  impl->start();
  return std::unique_ptr<ConsumerCore>(new ConsumerCore(std::move(impl)));
}

ConsumerCore::ConsumerCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConsumerCore::~ConsumerCore() = default;

const std::string& ConsumerCore::name() const { return impl_->engine->name; }

int ConsumerCore::subscribe(const std::vector<std::string>& topics) {
  Impl& I = *impl_;
  if (I.cfg.group_id.empty()) return err(LocalErr::INVALID_ARG);
  if (topics.empty()) return err(LocalErr::INVALID_ARG);
  for (auto& t : topics) {
    if (t.empty()) return err(LocalErr::INVALID_ARG);
    if (t[0] == '^') {
      try {
        std::regex re(t, std::regex::extended);
      } catch (const std::regex_error&) {
        return err(LocalErr::INVALID_ARG);
      }
    }
  }
  std::lock_guard lk(I.mu);
  if (I.closed.load() || I.closing) return err(LocalErr::STATE);
  if (I.fatal) return err(LocalErr::FATAL);
  I.subscription = topics;
  I.subscribed = true;
  I.reported_missing.clear();
  I.last_poll_us.store(mono_us());
  bool regex = false;
  for (auto& t : topics) regex |= t[0] == '^';
  asio::post(I.engine->io, [&I, regex] {
    std::lock_guard lk(I.mu);
    I.engine->md_all_topics = regex;
    I.update_regex_subscription();
    I.start_rejoin("subscription changed");
    I.engine->request_metadata("subscribe", true);
    I.group_step(mono_us());
  });
  return 0;
}

int ConsumerCore::unsubscribe() {
  Impl& I = *impl_;
  std::lock_guard lk(I.mu);
  if (!I.subscribed) return 0;
  I.subscribed = false;
  I.subscription.clear();
  I.sub_topics.clear();
  TopicPartitionList all = I.current_assignment();
  I.rejoin_needed = false;
  I.assign_token = 0;  // an assignment not served yet is void
  if (!all.empty() && I.cb.rebalance) {
    // The group is left once the application has revoked (and possibly committed) with the
    // current generation.
    uint64_t token = ++I.rebalance_token;
    I.awaiting_token = token;
    I.leave_after_revoke = true;
    I.gstate = GroupState::WaitRevoke;
    I.push_event({ConsumerEvent::Rebalance, err(LocalErr::REVOKE_PARTITIONS), all, false, token, {}});
    return 0;
  }
  if (!all.empty()) I.apply_unassign(all, false);  // its final commit is posted before the leave
  asio::post(I.engine->io, [&I] {
    std::lock_guard lk(I.mu);
    I.leave_now("unsubscribe");
  });
  return 0;
}

std::vector<std::string> ConsumerCore::subscription() const {
  std::lock_guard lk(impl_->mu);
  return impl_->subscribed ? impl_->subscription : std::vector<std::string>{};
}

int ConsumerCore::assign(const TopicPartitionList& partitions) {
  std::lock_guard lk(impl_->mu);
  if (impl_->closed.load()) return err(LocalErr::STATE);
  if (partitions.empty()) return impl_->apply_unassign(impl_->current_assignment(), false);
  return impl_->apply_assign(partitions, false);
}

int ConsumerCore::incremental_assign(const TopicPartitionList& partitions) {
  std::lock_guard lk(impl_->mu);
  if (impl_->closed.load()) return err(LocalErr::STATE);
  return impl_->apply_assign(partitions, true);
}

int ConsumerCore::incremental_unassign(const TopicPartitionList& partitions) {
  std::lock_guard lk(impl_->mu);
  if (impl_->closed.load()) return err(LocalErr::STATE);
  return impl_->apply_unassign(partitions, true);
}

TopicPartitionList ConsumerCore::assignment() const {
  std::lock_guard lk(impl_->mu);
  return impl_->current_assignment();
}

bool ConsumerCore::assignment_lost() const {
  std::lock_guard lk(impl_->mu);
  return impl_->serving_lost;
}

RebalanceProtocol ConsumerCore::rebalance_protocol() const {
  std::lock_guard lk(impl_->mu);
  return impl_->proto;
}

ConsumerMessagePtr ConsumerCore::consume(int timeout_ms) {
  Impl& I = *impl_;
  if (I.closed.load()) return nullptr;
  const int64_t start = mono_us();  // one clock read per call on the fast path
  I.last_poll_us.store(start, std::memory_order_relaxed);
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : start + int64_t{timeout_ms} * 1000;
  for (;;) {
    bool have_events;
    {
      std::lock_guard lk(I.mu);
      if (I.max_poll_exceeded && I.events.empty()) {
        // The application is back: rejoin once the lost revoke has been served.
        I.max_poll_exceeded = false;
        if (I.subscribed) {
          I.rejoin_needed = true;
          asio::post(I.engine->io, [&I] {
            std::lock_guard lk2(I.mu);
            I.group_step(mono_us());
          });
        }
      }
      have_events = !I.events.empty() || I.engine->ev_other.load(std::memory_order_relaxed) > 0;
      // Fast path: no callbacks to serve, a message ready (one lock per message).
      if (!have_events) {
        bool ev = false;
        if (auto m = I.next_message(ev)) return m;
      }
    }
    if (have_events) I.serve_events(INT32_MAX);
    {
      std::unique_lock lk(I.mu);
      bool ev = false;
      if (auto m = I.next_message(ev)) return m;
      if (!I.events.empty()) continue;
      if (I.closed.load()) return nullptr;
      int64_t now = mono_us();
      if (now >= deadline) return nullptr;
      int64_t wait_us = std::min<int64_t>(deadline - now, 100'000);  // also serves engine events
      I.cv.wait_for(lk, std::chrono::microseconds(wait_us),
                    [&] { return !I.queue.empty() || !I.events.empty() || I.closed.load(); });
      // Waiting inside consume() counts as polling (max.poll.interval.ms), as in librdkafka.
      I.last_poll_us.store(mono_us(), std::memory_order_relaxed);
    }
  }
}

size_t ConsumerCore::consume_batch(int timeout_ms, size_t max, std::vector<ConsumerMessagePtr>& out) {
  size_t n = 0;
  if (max == 0) return 0;
  if (auto m = consume(timeout_ms)) {
    out.push_back(std::move(m));
    ++n;
  } else {
    return 0;
  }
  Impl& I = *impl_;
  std::lock_guard lk(I.mu);
  while (n < max && I.events.empty()) {
    bool ev = false;
    auto m = I.next_message(ev);
    if (!m) break;
    out.push_back(std::move(m));
    ++n;
  }
  return n;
}

int ConsumerCore::poll(int timeout_ms) {
  Impl& I = *impl_;
  int64_t deadline = timeout_ms < 0 ? INT64_MAX : mono_us() + int64_t{timeout_ms} * 1000;
  for (;;) {
    int n = I.serve_events(INT32_MAX);
    if (n > 0) return n;
    std::unique_lock lk(I.mu);
    int64_t now = mono_us();
    if (now >= deadline || I.closed.load()) return 0;
    I.cv.wait_for(lk, std::chrono::microseconds(std::min<int64_t>(deadline - now, 100'000)),
                  [&] { return !I.events.empty(); });
  }
}

int ConsumerCore::seek(const std::string& topic, int32_t partition, int64_t offset, int timeout_ms) {
  TopicPartitionList l(1);
  l[0].topic = topic;
  l[0].partition = partition;
  l[0].offset = offset;
  int rc = seek_partitions(l, timeout_ms);
  return rc ? rc : l[0].err;
}

int ConsumerCore::seek_partitions(TopicPartitionList& partitions, int) {
  Impl& I = *impl_;
  std::lock_guard lk(I.mu);
  for (auto& tp : partitions) {
    PartState* p = I.part(tp.topic, tp.partition, false);
    if (!p || !p->assigned) {
      tp.err = err(LocalErr::UNKNOWN_PARTITION);
      continue;
    }
    tp.err = 0;
    I.drop_queued(p);
    ++p->version;
    p->eof_sent = false;
    p->backoff_until_us = 0;
    if (tp.offset >= 0) {
      p->fetch = PartFetch::Active;
      p->fetch_pos = tp.offset;
      p->app_pos = tp.offset;
    } else {
      p->fetch = PartFetch::NeedOffset;
      p->start = tp.offset == kOffsetInvalid ? kOffsetStored : tp.offset;
      p->app_pos = kOffsetInvalid;
    }
  }
  I.kick();
  return 0;
}

int ConsumerCore::position(TopicPartitionList& partitions) const {
  std::lock_guard lk(impl_->mu);
  for (auto& tp : partitions) {
    PartState* p = impl_->part(tp.topic, tp.partition, false);
    if (!p || !p->assigned) {
      tp.offset = kOffsetInvalid;
      tp.err = err(LocalErr::UNKNOWN_PARTITION);
      continue;
    }
    tp.offset = p->app_pos;
    tp.leader_epoch = p->app_epoch;
    tp.err = 0;
  }
  return 0;
}

int ConsumerCore::committed(TopicPartitionList& partitions, int timeout_ms) {
  Impl& I = *impl_;
  if (I.cfg.group_id.empty()) return err(LocalErr::UNKNOWN_GROUP);
  if (partitions.empty()) return 0;
  auto w = std::make_shared<Waiter>();
  auto results = std::make_shared<std::vector<TopicPartitionOffset>>();
  Impl::OffsetFetchReq req;
  for (auto& tp : partitions) req.parts.emplace_back(tp.topic, tp.partition);
  req.done = [w, results](int e, const std::vector<TopicPartitionOffset>& r) {
    if (!e) *results = r;
    w->complete(e);
  };
  asio::post(I.engine->io, [&I, req = std::move(req)]() mutable {
    std::lock_guard lk(I.mu);
    I.send_offset_fetch(std::move(req));
  });
  int rc = w->wait(timeout_ms < 0 ? -1 : timeout_ms);
  if (rc) return rc;
  for (auto& tp : partitions) {
    tp.offset = kOffsetInvalid;
    tp.err = 0;
    for (auto& r : *results)
      if (r.topic == tp.topic && r.partition == tp.partition) {
        tp.offset = r.offset;
        tp.metadata = r.metadata;
        tp.leader_epoch = r.leader_epoch;
        tp.err = r.err;
      }
  }
  return 0;
}

int ConsumerCore::commit(const TopicPartitionList* offsets, bool async) {
  return impl_->commit(offsets, async, nullptr);
}

int ConsumerCore::offsets_store(TopicPartitionList& offsets) {
  std::lock_guard lk(impl_->mu);
  int rc = 0;
  for (auto& tp : offsets) {
    PartState* p = impl_->part(tp.topic, tp.partition, false);
    if (!p || !p->assigned) {
      tp.err = err(LocalErr::STATE);
      rc = tp.err;
      continue;
    }
    tp.err = 0;
    p->stored = tp.offset;
    p->stored_metadata = tp.metadata;
    p->stored_epoch = tp.leader_epoch;
  }
  return rc;
}

int ConsumerCore::pause(TopicPartitionList& partitions) {
  std::lock_guard lk(impl_->mu);
  for (auto& tp : partitions) {
    PartState* p = impl_->part(tp.topic, tp.partition, false);
    if (!p || !p->assigned) {
      tp.err = err(LocalErr::UNKNOWN_PARTITION);
      continue;
    }
    tp.err = 0;
    if (p->paused) continue;
    p->paused = true;
    // Prefetched messages are dropped; fetching restarts from the application's position.
    impl_->drop_queued(p);
    ++p->version;
    if (p->fetch == PartFetch::Active && p->app_pos >= 0) p->fetch_pos = p->app_pos;
  }
  return 0;
}

int ConsumerCore::resume(TopicPartitionList& partitions) {
  std::lock_guard lk(impl_->mu);
  for (auto& tp : partitions) {
    PartState* p = impl_->part(tp.topic, tp.partition, false);
    if (!p || !p->assigned) {
      tp.err = err(LocalErr::UNKNOWN_PARTITION);
      continue;
    }
    tp.err = 0;
    p->paused = false;
  }
  impl_->kick();
  return 0;
}

int ConsumerCore::get_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low,
                                        int64_t& high) const {
  std::lock_guard lk(impl_->mu);
  PartState* p = impl_->part(topic, partition, false);
  if (!p) {
    low = high = kOffsetInvalid;
    return err(LocalErr::UNKNOWN_PARTITION);
  }
  low = p->log_start;
  high = p->hwm;
  return 0;
}

GroupMetadata ConsumerCore::group_metadata() const {
  std::lock_guard lk(impl_->mu);
  return {impl_->cfg.group_id, impl_->generation, impl_->member_id, impl_->cfg.group_instance_id};
}

std::string ConsumerCore::member_id() const {
  std::lock_guard lk(impl_->mu);
  return impl_->member_id;
}

int ConsumerCore::metadata(bool all_topics, const std::string* only_topic, ClusterMetadata& out, int timeout_ms) {
  return query_metadata(*impl_->engine, all_topics, only_topic, out, timeout_ms);
}
int ConsumerCore::query_watermark_offsets(const std::string& topic, int32_t partition, int64_t& low, int64_t& high,
                                          int timeout_ms) {
  return client::query_watermark_offsets(*impl_->engine, topic, partition, low, high, timeout_ms);
}
int ConsumerCore::offsets_for_times(TopicPartitionList& offsets, int timeout_ms) {
  return query_offsets_for_times(*impl_->engine, offsets, timeout_ms);
}
int32_t ConsumerCore::controller_id(int timeout_ms) { return query_controller_id(*impl_->engine, timeout_ms); }
std::string ConsumerCore::cluster_id(int timeout_ms) { return query_cluster_id(*impl_->engine, timeout_ms); }

int ConsumerCore::close() { return impl_->do_close(); }

bool ConsumerCore::closed() const { return impl_->closed.load(); }

int ConsumerCore::fatal_error(std::string& reason) const {
  std::lock_guard lk(impl_->mu);
  if (impl_->fatal) reason = impl_->fatal_reason;
  return impl_->fatal;
}

ConsumerStats ConsumerCore::stats() const {
  ConsumerStats s;
  s.msgs_consumed = impl_->st_consumed.load();
  s.bytes_consumed = impl_->st_bytes.load();
  s.fetch_requests = impl_->st_fetches.load();
  s.rebalances = impl_->st_rebalances.load();
  s.commits = impl_->st_commits.load();
  std::lock_guard lk(impl_->mu);
  s.queued_msgs = impl_->queued_msgs;
  return s;
}

}  // namespace kafka::client
