// ConsumerCore: group membership on the I/O thread — FindCoordinator, JoinGroup (KIP-394 member
// id, KIP-345 static members), the leader's assignment, SyncGroup, Heartbeat, LeaveGroup,
// eager and cooperative (KIP-429) rebalances, max.poll.interval.ms.
#include <algorithm>

#include "consumer_impl.h"
#include "kafka/protocol/messages/find_coordinator.h"
#include "kafka/protocol/messages/heartbeat.h"
#include "kafka/protocol/messages/join_group.h"
#include "kafka/protocol/messages/leave_group.h"
#include "kafka/protocol/messages/sync_group.h"
#include "queries.h"

namespace kafka::client {

namespace {

constexpr int64_t kCoordRetryUs = 250'000;
// Connection ids of coordinator connections (negative: not a metadata broker id).
constexpr int32_t kCoordinatorConnIdBase = -1'000'000;
constexpr int16_t kConsumerProtocolVersion = 1;  // subscription with owned partitions (KIP-429)

bool is(int e, Error x) { return e == static_cast<int>(x); }

bool coord_gone(int e) {
  return is(e, Error::NOT_COORDINATOR) || is(e, Error::COORDINATOR_NOT_AVAILABLE) || is_connection_error(e) ||
         e == err(LocalErr::TIMED_OUT);
}

TopicPartitionList to_list(const std::vector<TopicPartitionRef>& refs) {
  TopicPartitionList out;
  for (auto& r : refs) {
    TopicPartitionOffset t;
    t.topic = r.topic;
    t.partition = r.partition;
    t.offset = kOffsetInvalid;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

void ConsumerCore::Impl::group_step(int64_t now) {
  if (cfg.group_id.empty() || fatal) return;
  if (coord) {
    if (!commits_waiting.empty()) {
      auto waiting = std::move(commits_waiting);
      commits_waiting.clear();
      for (auto& c : waiting) send_commit(c);
    }
    if (!offset_fetch_waiting.empty()) {
      auto waiting = std::move(offset_fetch_waiting);
      offset_fetch_waiting.clear();
      for (auto& r : waiting) send_offset_fetch(std::move(r));
    }
  }
  bool need_coord = subscribed || !commits_waiting.empty() || !offset_fetch_waiting.empty();
  if (!coord) {
    if (need_coord && !coord_inflight && now >= coord_retry_at_us) find_coordinator();
    return;
  }
  if (need_coord && !coord_inflight && now - coord_found_us >= int64_t{cfg.coordinator_query_interval_ms} * 1000)
    find_coordinator();  // the coordinator may have moved without telling us
  if (!subscribed || closing) return;

  // Liveness: the application must call consume() within max.poll.interval.ms.
  bool member = generation >= 0 || join_inflight;
  int64_t since_poll = now - last_poll_us.load(std::memory_order_relaxed);
  if (!max_poll_exceeded && member && since_poll > int64_t{cfg.max_poll_interval_ms} * 1000) {
    engine->log(4, "MAXPOLL",
                "Application maximum poll interval (" + std::to_string(cfg.max_poll_interval_ms) +
                    "ms) exceeded by " + std::to_string(since_poll / 1000 - cfg.max_poll_interval_ms) +
                    "ms: leaving group");
    max_poll_exceeded = true;
    if (!member_id.empty() && !cfg.group_instance_id) send_leave("max.poll.interval.ms exceeded");
    lose_membership("max.poll.interval.ms exceeded", true);
    push_error_message(nullptr, err(LocalErr::MAX_POLL_EXCEEDED), kOffsetInvalid,
                       "Application maximum poll interval (" + std::to_string(cfg.max_poll_interval_ms) +
                           "ms) exceeded");
    return;
  }
  if (max_poll_exceeded) return;
  if (gstate == GroupState::Steady && last_heartbeat_ok_us > 0 &&
      now - last_heartbeat_ok_us > int64_t{cfg.session_timeout_ms} * 1000) {
    lose_membership("no successful heartbeat within session.timeout.ms", false);
  }
  if (awaiting_token) return;  // a revoke is being served by the application
  if (rejoin_needed && !join_inflight && gstate != GroupState::Syncing) send_join();
  if ((gstate == GroupState::Steady || gstate == GroupState::WaitRevoke) && generation >= 0 && !heartbeat_inflight &&
      !join_inflight && now >= next_heartbeat_us)
    send_heartbeat();
}

// ---- coordinator --------------------------------------------------------------------------------

void ConsumerCore::Impl::find_coordinator() {
  BrokerConn* c = engine->any_conn(true);
  if (!c) {
    coord_retry_at_us = mono_us() + kCoordRetryUs;
    return;
  }
  coord_inflight = true;
  coord_found_us = mono_us();
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::FindCoordinator;
  r->min_version = 0;
  r->max_version = 3;
  r->timeout_us = engine->cfg.socket_timeout_ms * 1000;
  std::string group = cfg.group_id;
  r->encode = [group](Frame& f, int16_t v) {
    proto::FindCoordinatorRequest m;
    m.key = group;
    m.key_type = 0;
    proto::encode_body(f.w(), m, v);
  };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    coord_inflight = false;
    int64_t now = mono_us();
    proto::FindCoordinatorResponse resp;
    if (!e) {
      try {
        resp = proto::decode_response<proto::FindCoordinatorResponse>(frame, v);
        e = resp.error_code;
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    if (e || resp.node_id < 0) {
      engine->log(7, "CGRPCOORD", "FindCoordinator failed: " + err_name(e) + ": retrying");
      coord_retry_at_us = now + kCoordRetryUs;
      return;
    }
    // A connection of its own, as the Java client and librdkafka: brokers serve one request per
    // connection at a time, so group requests must not queue behind long-polling Fetches.
    BrokerConn* c = coord_conn_storage.get();
    if (!c || c->host() != resp.host || c->port() != static_cast<uint16_t>(resp.port)) {
      if (coord_conn_storage) {
        coord_conn_storage->close(err(LocalErr::TRANSPORT), "group coordinator moved");
        engine->retired_conns.push_back(std::move(coord_conn_storage));
      }
      coord_conn_storage = std::make_unique<BrokerConn>(engine->io, *engine, engine->conn_settings,
                                                        kCoordinatorConnIdBase - resp.node_id, resp.host,
                                                        static_cast<uint16_t>(resp.port));
      c = coord_conn_storage.get();
    }
    coord = c;
    coord_id = resp.node_id;
    engine->log(7, "CGRPCOORD", "Group coordinator is broker " + c->name());
    group_step(now);
  };
  c->send(std::move(r));
}

void ConsumerCore::Impl::coordinator_dead(const char* why) {
  if (coord) engine->log(5, "CGRPCOORD", std::string("Group coordinator lost: ") + why);
  coord = nullptr;
  coord_id = -1;
  coord_retry_at_us = mono_us() + kCoordRetryUs;
}

// ---- join / sync --------------------------------------------------------------------------------

bool ConsumerCore::Impl::update_regex_subscription() {
  std::vector<std::string> names;
  for (auto& s : subscription) {
    if (s.empty()) continue;
    if (s[0] != '^') {
      names.push_back(s);
      continue;
    }
    try {
      std::regex re(s, std::regex::extended);
      for (auto& t : all_topics)
        if (std::regex_search(t, re)) names.push_back(t);
    } catch (const std::regex_error&) {
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  if (names == sub_topics) return false;
  sub_topics = std::move(names);
  for (auto& t : sub_topics) register_topic(t);
  return true;
}

void ConsumerCore::Impl::start_rejoin(const char* why) {
  if (!subscribed) return;
  engine->log(7, "REJOIN", std::string("Rejoining group: ") + why);
  if (proto != RebalanceProtocol::Cooperative) {
    // Eager: everything is revoked before rejoining; an assignment not served yet is void.
    assign_token = 0;
    TopicPartitionList all = current_assignment();
    owned.clear();
    if (!all.empty()) {
      if (cb.rebalance) {
        uint64_t token = ++rebalance_token;
        awaiting_token = token;
        gstate = GroupState::WaitRevoke;
        push_event({ConsumerEvent::Rebalance, err(LocalErr::REVOKE_PARTITIONS), std::move(all), false, token, {}});
      } else {
        apply_unassign(all, false);
      }
    }
  }
  rejoin_needed = true;
}

void ConsumerCore::Impl::lose_membership(const char* why, bool reset_member) {
  engine->log(4, "ASSIGNMENT", std::string("Group membership lost: ") + why);
  generation = -1;
  if (reset_member) member_id.clear();
  owned.clear();
  assign_token = 0;  // an assignment not served yet is void
  TopicPartitionList all = current_assignment();
  if (!all.empty()) {
    assignment_lost_flag = true;
    if (cb.rebalance) {
      uint64_t token = ++rebalance_token;
      awaiting_token = token;
      gstate = GroupState::WaitRevoke;
      push_event({ConsumerEvent::Rebalance, err(LocalErr::REVOKE_PARTITIONS), std::move(all), true, token, {}});
    } else {
      apply_unassign(all, false);
      assignment_lost_flag = false;
      gstate = GroupState::Idle;
    }
  } else {
    gstate = GroupState::Idle;
  }
  rejoin_needed = true;
}

void ConsumerCore::Impl::leave_now(const char* why) {
  if (subscribed) return;  // subscribed again meanwhile: the new subscription rejoins
  engine->md_all_topics = false;
  if (!member_id.empty() && !cfg.group_instance_id && coordinator()) send_leave(why);
  member_id.clear();
  generation = -1;
  gstate = GroupState::Idle;
  owned.clear();
  rejoin_needed = false;
  awaiting_token = 0;
}

void ConsumerCore::Impl::rebalance_served(uint64_t token) {
  if (token == 0 || token != awaiting_token) return;
  awaiting_token = 0;
  assignment_lost_flag = false;
  if (leave_after_revoke) {
    leave_after_revoke = false;
    // Posted: the final commit of the revoked partitions (also posted) goes out first.
    asio::post(engine->io, [this] {
      std::lock_guard lk(mu);
      leave_now("unsubscribe");
    });
    return;
  }
  if (gstate == GroupState::WaitRevoke) gstate = generation >= 0 ? GroupState::Steady : GroupState::Idle;
  if (subscribed && !closing) rejoin_needed = true;
  asio::post(engine->io, [this] {
    std::lock_guard lk(mu);
    group_step(mono_us());
  });
}

void ConsumerCore::Impl::send_join() {
  BrokerConn* c = coordinator();
  if (!c) return;
  joined_counts.clear();
  for (auto& t : sub_topics) {
    auto l = topic_leaders.find(t);
    if (l != topic_leaders.end()) joined_counts[t] = static_cast<int32_t>(l->second.size());
  }
  auto req = std::make_shared<proto::JoinGroupRequest>();
  req->group_id = cfg.group_id;
  req->session_timeout_ms = cfg.session_timeout_ms;
  req->rebalance_timeout_ms = cfg.max_poll_interval_ms;
  req->member_id = member_id;
  req->group_instance_id = cfg.group_instance_id;
  req->protocol_type = cfg.group_protocol_type;
  for (auto& a : assignors) {
    MemberSubscription s;
    s.topics = sub_topics;
    if (a->protocol() == AssignorProtocol::Cooperative) {
      s.owned = owned;
      s.generation = generation;
    }
    proto::JoinGroupRequest::JoinGroupRequestProtocol p;
    p.name = std::string(a->name());
    p.metadata.data = encode_subscription(s, kConsumerProtocolVersion);
    req->protocols.push_back(std::move(p));
  }
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::JoinGroup;
  r->min_version = 0;
  r->max_version = 7;
  // The coordinator holds a JoinGroup until every member rejoined (up to the rebalance timeout).
  r->timeout_us = (int64_t{std::max(cfg.max_poll_interval_ms, cfg.session_timeout_ms)} + 5000) * 1000;
  r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    on_join(e, frame, v);
  };
  join_inflight = true;
  rejoin_needed = false;
  gstate = GroupState::Joining;
  engine->log(7, "JOIN", "Joining group \"" + cfg.group_id + "\" as \"" + member_id + "\"");
  c->send(std::move(r));
}

void ConsumerCore::Impl::on_join(int e, std::span<const uint8_t> frame, int16_t v) {
  join_inflight = false;
  if (closing || !subscribed) return;
  proto::JoinGroupResponse resp;
  if (!e) {
    try {
      resp = proto::decode_response<proto::JoinGroupResponse>(frame, v);
      e = resp.error_code;
    } catch (const std::exception&) {
      e = err(LocalErr::BAD_MSG);
    }
  }
  if (e) {
    engine->log(7, "JOINGROUP", "JoinGroup failed: " + err_name(e));
    gstate = GroupState::Idle;
    rejoin_needed = true;
    if (is(e, Error::MEMBER_ID_REQUIRED)) {
      member_id = resp.member_id;  // KIP-394: rejoin with the id the coordinator gave us
      send_join();
    } else if (is(e, Error::UNKNOWN_MEMBER_ID)) {
      member_id.clear();
      generation = -1;
    } else if (is(e, Error::FENCED_INSTANCE_ID)) {
      fatal = e;
      fatal_reason = "Fatal consumer error: group.instance.id fenced by another member";
      push_event({ConsumerEvent::Error, err(LocalErr::FATAL), {}, false, 0, fatal_reason, true});
      rejoin_needed = false;
    } else if (coord_gone(e)) {
      coordinator_dead("JoinGroup failed");
    } else if (!is(e, Error::REBALANCE_IN_PROGRESS) && !is(e, Error::COORDINATOR_LOAD_IN_PROGRESS) &&
               !is(e, Error::ILLEGAL_GENERATION)) {
      push_event({ConsumerEvent::Error, e, {}, false, 0, "JoinGroup failed: " + err_str(e), true});
      coord_retry_at_us = mono_us() + 1'000'000;
      coordinator_dead("JoinGroup error");
    }
    return;
  }
  member_id = resp.member_id;
  generation = resp.generation_id;
  protocol_name = resp.protocol_name ? *resp.protocol_name : std::string();
  Assignor* chosen = nullptr;
  for (auto& a : assignors)
    if (a->name() == protocol_name) chosen = a.get();
  proto = chosen && chosen->protocol() == AssignorProtocol::Cooperative ? RebalanceProtocol::Cooperative
                                                                         : RebalanceProtocol::Eager;
  is_leader = resp.leader == member_id;
  engine->log(7, "JOINGROUP", "Joined generation " + std::to_string(generation) + " as " + member_id +
                                  (is_leader ? " (leader)" : "") + " with protocol " + protocol_name);
  std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments;
  if (!is_leader || !chosen) {
    send_sync({});
    return;
  }
  auto members = std::make_shared<std::vector<GroupMember>>();
  std::set<std::string> topics;
  for (auto& m : resp.members) {
    GroupMember gm;
    gm.member_id = m.member_id;
    gm.instance_id = m.group_instance_id;
    try {
      gm.subscription = decode_subscription(m.metadata.data);
    } catch (const std::exception&) {
      engine->log(3, "ASSIGN", "Member " + m.member_id + " sent malformed subscription metadata");
    }
    topics.insert(gm.subscription.topics.begin(), gm.subscription.topics.end());
    members->push_back(std::move(gm));
  }
  for (auto& t : topics) register_topic(t);
  // The leader assigns from fresh metadata of every member's topics (as librdkafka): partition
  // counts may have changed since the last refresh.
  int32_t gen = generation;
  auto run = [this, members, gen, chosen] {
    if (gen != generation || gstate != GroupState::Joining || closing || !subscribed) return;
    std::map<std::string, int32_t> counts;
    for (auto& m : *members)
      for (auto& t : m.subscription.topics) {
        auto l = topic_leaders.find(t);
        if (l != topic_leaders.end()) counts[t] = static_cast<int32_t>(l->second.size());
      }
    for (auto& t : sub_topics)  // what this assignment was based on (metadata change detection)
      if (auto it = counts.find(t); it != counts.end()) joined_counts[t] = it->second;
    std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments;
    for (auto& [mid, ma] : chosen->assign(*members, counts))
      assignments.emplace_back(mid, encode_assignment(ma, kConsumerProtocolVersion));
    send_sync(std::move(assignments));
  };
  BrokerConn* mc = engine->any_conn(true);
  if (!mc) {
    run();
    return;
  }
  std::vector<std::string> names(topics.begin(), topics.end());
  auto r = make_metadata_request(&names, false, engine->cfg.socket_timeout_ms * 1000);
  r->done = [this, run](int e, std::span<const uint8_t> frame, int16_t v) {
    if (engine->closing.load()) return;
    if (!e) {
      try {
        MetadataView md = parse_metadata(frame, v);
        engine->apply_metadata(md);  // feeds on_metadata (topic_leaders)
      } catch (const std::exception&) {
      }
    }
    std::lock_guard lk(mu);
    run();
  };
  mc->send(std::move(r));
}

void ConsumerCore::Impl::send_sync(std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments) {
  BrokerConn* c = coordinator();
  if (!c) {
    rejoin_needed = true;
    gstate = GroupState::Idle;
    return;
  }
  auto req = std::make_shared<proto::SyncGroupRequest>();
  req->group_id = cfg.group_id;
  req->generation_id = generation;
  req->member_id = member_id;
  req->group_instance_id = cfg.group_instance_id;
  req->protocol_type = cfg.group_protocol_type;
  req->protocol_name = protocol_name;
  for (auto& [mid, bytes] : assignments) {
    proto::SyncGroupRequest::SyncGroupRequestAssignment a;
    a.member_id = mid;
    a.assignment.data = std::move(bytes);
    req->assignments.push_back(std::move(a));
  }
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::SyncGroup;
  r->min_version = 0;
  r->max_version = 5;
  r->timeout_us = (int64_t{cfg.session_timeout_ms} + 5000) * 1000;
  r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
  r->done = [this](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    on_sync(e, frame, v);
  };
  gstate = GroupState::Syncing;
  c->send(std::move(r));
}

void ConsumerCore::Impl::on_sync(int e, std::span<const uint8_t> frame, int16_t v) {
  if (closing || !subscribed) return;
  // Parsed by hand: some coordinators (librdkafka's mock cluster) send a null Assignment, which
  // the schema's non-nullable Bytes rejects; null means "nothing assigned".
  std::vector<uint8_t> assignment_bytes;
  if (!e) {
    try {
      proto::Reader rd(frame);
      rd.i32();  // correlation id
      const bool flex = proto::SyncGroupResponse::is_flexible(v);
      if (flex) proto::skip_tagged_fields(rd);
      if (v >= 1) rd.i32();  // throttle
      e = rd.i16();
      if (v >= 5) {
        rd.nullable_string(flex);
        rd.nullable_string(flex);
      }
      if (auto b = rd.bytes(flex)) assignment_bytes.assign(b->begin(), b->end());
    } catch (const std::exception&) {
      e = err(LocalErr::BAD_MSG);
    }
  }
  int64_t now = mono_us();
  if (e) {
    engine->log(7, "SYNCGROUP", "SyncGroup failed: " + err_name(e));
    gstate = GroupState::Idle;
    if (is(e, Error::UNKNOWN_MEMBER_ID)) {
      lose_membership("SyncGroup: unknown member", true);
    } else if (is(e, Error::ILLEGAL_GENERATION)) {
      lose_membership("SyncGroup: illegal generation", false);
    } else if (is(e, Error::FENCED_INSTANCE_ID)) {
      fatal = e;
      fatal_reason = "Fatal consumer error: group.instance.id fenced by another member";
      push_event({ConsumerEvent::Error, err(LocalErr::FATAL), {}, false, 0, fatal_reason, true});
      return;
    } else if (coord_gone(e)) {
      coordinator_dead("SyncGroup failed");
    }
    rejoin_needed = true;
    return;
  }
  std::vector<TopicPartitionRef> assigned;
  try {
    assigned = decode_assignment(assignment_bytes).partitions;
  } catch (const std::exception&) {
    engine->log(3, "ASSIGN", "Malformed assignment from the group leader");
  }
  std::sort(assigned.begin(), assigned.end());
  engine->log(7, "ASSIGN", "Generation " + std::to_string(generation) + ": assigned " +
                               std::to_string(assigned.size()) + " partition(s)");
  gstate = GroupState::Steady;
  last_heartbeat_ok_us = now;
  next_heartbeat_us = now + int64_t{cfg.heartbeat_interval_ms} * 1000;
  new_assignment(assigned);
}

void ConsumerCore::Impl::new_assignment(const std::vector<TopicPartitionRef>& assigned) {
  st_rebalances.fetch_add(1, std::memory_order_relaxed);
  if (proto == RebalanceProtocol::Cooperative) {
    std::vector<TopicPartitionRef> cur = owned, revoked, added;
    std::sort(cur.begin(), cur.end());
    std::set_difference(cur.begin(), cur.end(), assigned.begin(), assigned.end(), std::back_inserter(revoked));
    std::set_difference(assigned.begin(), assigned.end(), cur.begin(), cur.end(), std::back_inserter(added));
    owned = assigned;
    if (!revoked.empty()) {
      // KIP-429: give up what moved, then rejoin so the new owner gets it.
      if (cb.rebalance) {
        uint64_t token = ++rebalance_token;
        awaiting_token = token;
        gstate = GroupState::WaitRevoke;
        push_event({ConsumerEvent::Rebalance, err(LocalErr::REVOKE_PARTITIONS), to_list(revoked), false, token, {}});
      } else {
        apply_unassign(to_list(revoked), true);
        rejoin_needed = true;
      }
    }
    if (cb.rebalance) {
      assign_token = ++rebalance_token;
      push_event({ConsumerEvent::Rebalance, err(LocalErr::ASSIGN_PARTITIONS), to_list(added), false, assign_token, {}});
    }
    else if (!added.empty()) apply_assign(to_list(added), true);
    return;
  }
  owned = assigned;
  if (cb.rebalance) {
    assign_token = ++rebalance_token;
    push_event({ConsumerEvent::Rebalance, err(LocalErr::ASSIGN_PARTITIONS), to_list(assigned), false, assign_token, {}});
  }
  else apply_assign(to_list(assigned), false);
}

// ---- heartbeat / leave --------------------------------------------------------------------------

void ConsumerCore::Impl::send_heartbeat() {
  BrokerConn* c = coordinator();
  if (!c) return;
  auto req = std::make_shared<proto::HeartbeatRequest>();
  req->group_id = cfg.group_id;
  req->generation_id = generation;
  req->member_id = member_id;
  req->group_instance_id = cfg.group_instance_id;
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::Heartbeat;
  r->min_version = 0;
  r->max_version = 4;
  r->timeout_us = int64_t{cfg.session_timeout_ms} * 1000;
  r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
  int32_t gen = generation;
  r->done = [this, gen](int e, std::span<const uint8_t> frame, int16_t v) {
    std::lock_guard lk(mu);
    if (engine->closing.load()) return;
    heartbeat_inflight = false;
    int64_t now = mono_us();
    next_heartbeat_us = now + int64_t{cfg.heartbeat_interval_ms} * 1000;
    if (!e) {
      try {
        e = proto::decode_response<proto::HeartbeatResponse>(frame, v).error_code;
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    if (closing || !subscribed || gen != generation) return;  // answered for an older generation
    if (!e) {
      last_heartbeat_ok_us = now;
    } else if (is(e, Error::REBALANCE_IN_PROGRESS)) {
      last_heartbeat_ok_us = now;
      if (gstate == GroupState::Steady && !rejoin_needed && !join_inflight) start_rejoin("group is rebalancing");
    } else if (is(e, Error::UNKNOWN_MEMBER_ID)) {
      lose_membership("heartbeat: unknown member id", true);
    } else if (is(e, Error::ILLEGAL_GENERATION)) {
      lose_membership("heartbeat: illegal generation", false);
    } else if (is(e, Error::FENCED_INSTANCE_ID)) {
      fatal = e;
      fatal_reason = "Fatal consumer error: group.instance.id fenced by another member";
      lose_membership("fenced", true);
      rejoin_needed = false;
      push_event({ConsumerEvent::Error, err(LocalErr::FATAL), {}, false, 0, fatal_reason, true});
    } else if (coord_gone(e)) {
      coordinator_dead("Heartbeat failed");
      next_heartbeat_us = now;  // as soon as the coordinator is back
    }
  };
  heartbeat_inflight = true;
  c->send(std::move(r));
}

void ConsumerCore::Impl::send_leave(const char* why) {
  BrokerConn* c = coordinator();
  if (!c || member_id.empty()) return;
  auto req = std::make_shared<proto::LeaveGroupRequest>();
  req->group_id = cfg.group_id;
  req->member_id = member_id;
  proto::LeaveGroupRequest::MemberIdentity mi;
  mi.member_id = member_id;
  mi.group_instance_id = cfg.group_instance_id;
  mi.reason = why;
  req->members.push_back(std::move(mi));
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::LeaveGroup;
  r->min_version = 0;
  r->max_version = 4;
  r->timeout_us = engine->cfg.socket_timeout_ms * 1000;
  r->encode = [req](Frame& f, int16_t v) { proto::encode_body(f.w(), *req, v); };
  r->done = [this](int, std::span<const uint8_t>, int16_t) {
    std::lock_guard lk(mu);
    if (leave_waiter) {
      leave_waiter->complete(0);
      leave_waiter.reset();
    }
  };
  engine->log(7, "LEAVE", "Leaving group \"" + cfg.group_id + "\": " + why);
  c->send(std::move(r));
  member_id.clear();
  generation = -1;
}

}  // namespace kafka::client
