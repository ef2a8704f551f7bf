#include "groups.h"

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>

#include "storage/io.h"
#include "text_records.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

namespace {

// Kafka's GroupCoordinator.NewMemberJoinTimeoutMs: a new member's JoinGroup cannot heartbeat, so
// it is dropped after this long if the rebalance has still not completed.
constexpr auto kNewMemberJoinTimeout = std::chrono::minutes(5);

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string tok(const proto::Bytes& b) { return text_records::tok(b.str()); }
using text_records::parse_int;
using text_records::tok;
using text_records::unhex;
using text_records::untok;
using text_records::hex;

std::string new_member_id(const std::string& prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string uuid;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) uuid += '-';
    uuid += digits[rng() & 15];
  }
  return prefix + "-" + uuid;
}

bool same_protocols(const std::vector<proto::JoinGroupRequest::JoinGroupRequestProtocol>& a,
                    const std::vector<proto::JoinGroupRequest::JoinGroupRequestProtocol>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].metadata.data != b[i].metadata.data) return false;
  return true;
}

}  // namespace

GroupCoordinator::GroupCoordinator(std::filesystem::path data_dir, GroupConfig config)
    : dir_(std::move(data_dir) / "__consumer_offsets"), config_(config) {
  std::filesystem::create_directories(dir_);
  load();
  next_retention_check_ = Clock::now() + std::chrono::milliseconds(config_.offsets_retention_check_interval_ms);
}

const char* GroupCoordinator::state_name(State s) {
  switch (s) {
    case State::Empty: return "Empty";
    case State::PreparingRebalance: return "PreparingRebalance";
    case State::CompletingRebalance: return "CompletingRebalance";
    case State::Stable: return "Stable";
    case State::Dead: return "Dead";
  }
  return "Unknown";
}

void GroupCoordinator::transition_locked(Group& g, State s) {
  g.state = s;
  g.state_timestamp_ms = wall_ms();
}

GroupCoordinator::Group* GroupCoordinator::find_locked(const std::string& id) {
  auto it = groups_.find(id);
  return it == groups_.end() ? nullptr : &it->second;
}

GroupCoordinator::Group& GroupCoordinator::get_or_create_locked(const std::string& id) {
  auto [it, created] = groups_.try_emplace(id);
  if (created) {
    it->second.id = id;
    it->second.state_timestamp_ms = wall_ms();
  }
  return it->second;
}

void GroupCoordinator::wake(const std::shared_ptr<Pending>& p) {
  p->done = true;
  boost::asio::post(p->timer.get_executor(), [p] { p->timer.cancel(); });
}

boost::asio::awaitable<void> GroupCoordinator::wait(std::shared_ptr<Pending> p) {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (p->done) co_return;
    }
    // Woken by wake(); the long expiry is only a backstop, tick() enforces the real deadlines.
    p->timer.expires_after(std::chrono::seconds(30));
    boost::system::error_code ec;
    co_await p->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

int32_t GroupCoordinator::rebalance_timeout_locked(const Group& g) const {
  int32_t timeout = 0;
  for (auto& [id, m] : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

bool GroupCoordinator::supports_protocols_locked(const Group& g, const std::string& type, const Protocols& protocols) const {
  if (type.empty() || protocols.empty()) return false;
  if (g.members.empty()) return true;
  if (g.protocol_type != type) return false;
  // At least one of the joiner's protocols must be supported by every other member.
  for (auto& p : protocols) {
    bool everyone = std::all_of(g.members.begin(), g.members.end(), [&](auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(), [&](auto& q) { return q.name == p.name; });
    });
    if (everyone) return true;
  }
  return false;
}

std::string GroupCoordinator::select_protocol_locked(const Group& g) const {
  // Kafka: among the protocols every member supports, each member votes for its most preferred.
  if (g.members.empty()) return {};
  auto supported_by_all = [&](const std::string& name) {
    return std::all_of(g.members.begin(), g.members.end(), [&](auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(), [&](auto& q) { return q.name == name; });
    });
  };
  std::map<std::string, int> votes;
  for (auto& [id, m] : g.members)
    for (auto& p : m.protocols)
      if (supported_by_all(p.name)) {
        ++votes[p.name];
        break;
      }
  std::string best;
  int most = 0;
  // Ties go to the protocol the leader (or first member) prefers.
  auto lead = g.members.count(g.leader) ? g.members.find(g.leader) : g.members.begin();
  for (auto& p : lead->second.protocols)
    if (votes.count(p.name) && votes[p.name] > most) {
      best = p.name;
      most = votes[p.name];
    }
  for (auto& [name, n] : votes)
    if (n > most) {
      best = name;
      most = n;
    }
  return best;
}

bool GroupCoordinator::is_fenced_locked(const Group& g, const std::optional<std::string>& instance_id,
                                        const std::string& member) const {
  if (!instance_id) return false;
  auto it = g.static_members.find(*instance_id);
  return it != g.static_members.end() && it->second != member;
}

void GroupCoordinator::heartbeat_locked(Member& m) {
  m.session_deadline = Clock::now() + std::chrono::milliseconds(m.session_timeout_ms);
}

void GroupCoordinator::fill_join_answer_locked(const Group& g, const std::string& member_id, proto::JoinGroupResponse& r,
                                               const std::string& leader_shown) const {
  r.error_code = 0;
  r.generation_id = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol;
  r.leader = leader_shown;
  r.member_id = member_id;
  r.members.clear();
  if (member_id != leader_shown) return;
  // The leader gets every member's subscription for the chosen protocol, also of static members
  // that have not rejoined (they keep their share of the assignment).
  for (auto& [oid, om] : g.members) {
    proto::JoinGroupResponse::JoinGroupResponseMember jm;
    jm.member_id = oid;
    jm.group_instance_id = om.instance_id;
    for (auto& p : om.protocols)
      if (p.name == g.protocol) jm.metadata = p.metadata;
    r.members.push_back(std::move(jm));
  }
}

std::shared_ptr<GroupCoordinator::Pending> GroupCoordinator::join(const proto::JoinGroupRequest& req, int16_t version,
                                                                  const std::string& client_id,
                                                                  const std::string& client_host,
                                                                  boost::asio::any_io_executor ex,
                                                                  proto::JoinGroupResponse& now) {
  std::lock_guard lock(mu_);
  auto fail = [&](Error e, const std::string& member_id) -> std::shared_ptr<Pending> {
    now.error_code = kafka::code(e);
    now.member_id = member_id;
    now.generation_id = -1;
    now.protocol_name.reset();
    now.leader.clear();
    now.members.clear();
    return nullptr;
  };
  if (req.group_id.empty()) return fail(Error::INVALID_GROUP_ID, req.member_id);
  if (req.session_timeout_ms < config_.min_session_timeout_ms || req.session_timeout_ms > config_.max_session_timeout_ms)
    return fail(Error::INVALID_SESSION_TIMEOUT, req.member_id);
  const bool unknown_member = req.member_id.empty();
  Group* found = find_locked(req.group_id);
  if (!found && !unknown_member) return fail(Error::UNKNOWN_MEMBER_ID, req.member_id);
  Group& g = found ? *found : get_or_create_locked(req.group_id);
  if (unknown_member && g.members.size() >= static_cast<size_t>(config_.max_size))
    return fail(Error::GROUP_MAX_SIZE_REACHED, "");
  if (!supports_protocols_locked(g, req.protocol_type, req.protocols))
    return fail(Error::INCONSISTENT_GROUP_PROTOCOL, req.member_id);

  auto make_member = [&](const std::string& id) {
    Member m;
    m.id = id;
    m.instance_id = req.group_instance_id;
    m.client_id = client_id;
    m.client_host = client_host;
    m.session_timeout_ms = req.session_timeout_ms;
    m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
    m.protocols = req.protocols;
    return m;
  };
  std::shared_ptr<Pending> waiter;
  auto park = [&](Member& m) {
    if (m.join_waiter) {  // a duplicate join (from another connection) replaces the old one
      m.join_waiter->join.error_code = kafka::code(Error::UNKNOWN_MEMBER_ID);
      wake(m.join_waiter);
    }
    m.join_waiter = std::make_shared<Pending>(ex);
    m.join_waiter->join.member_id = m.id;
    waiter = m.join_waiter;
  };

  if (unknown_member) {
    std::string member_id = new_member_id(req.group_instance_id ? *req.group_instance_id
                                                                : (client_id.empty() ? std::string("member") : client_id));
    auto known = req.group_instance_id ? g.static_members.find(*req.group_instance_id) : g.static_members.end();
    if (known != g.static_members.end() && g.members.count(known->second)) {
      // A static member restarted: its new member id replaces the old one, which is fenced.
      std::string old_id = known->second;
      std::string leader_before = g.leader;
      Member m = std::move(g.members.at(old_id));
      g.members.erase(old_id);
      for (auto* w : {&m.join_waiter, &m.sync_waiter})
        if (*w) {
          (*w)->join.error_code = (*w)->sync.error_code = kafka::code(Error::FENCED_INSTANCE_ID);
          wake(*w);
          w->reset();
        }
      m.id = member_id;
      m.client_id = client_id;
      m.client_host = client_host;
      m.session_timeout_ms = req.session_timeout_ms;
      m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
      m.protocols = req.protocols;
      heartbeat_locked(m);
      if (g.leader == old_id) g.leader = member_id;
      if (g.pending_sync.erase(old_id)) g.pending_sync.insert(member_id);
      known->second = member_id;
      Member& placed = g.members.emplace(member_id, std::move(m)).first->second;
      if (g.state == State::Stable && select_protocol_locked(g) == g.protocol) {
        // Nothing the assignment depends on changed: no rebalance. The member gets its
        // assignment back through SyncGroup. The old leader id is shown so that a restarted
        // leader does not compute an assignment a Stable group would never hand out.
        persist_group_locked(g);
        fill_join_answer_locked(g, member_id, now, leader_before);
        return nullptr;
      }
      park(placed);
      if (g.state != State::PreparingRebalance) maybe_prepare_rebalance_locked(g);
      else maybe_complete_join_locked(g, false);
      return waiter;
    }
    if (version >= 4 && !req.group_instance_id) {
      // KIP-394: hand out the id and make the client rejoin with it; until then it is pending.
      g.pending_members[member_id] = Clock::now() + std::chrono::milliseconds(req.session_timeout_ms);
      now.error_code = kafka::code(Error::MEMBER_ID_REQUIRED);
      now.member_id = member_id;
      now.generation_id = -1;
      now.protocol_name.reset();
      return nullptr;
    }
    Member m = make_member(member_id);
    park(m);
    add_member_and_rebalance_locked(g, std::move(m), req.protocol_type);
    return waiter;
  }

  if (g.pending_members.count(req.member_id)) {
    g.pending_members.erase(req.member_id);
    Member m = make_member(req.member_id);
    park(m);
    add_member_and_rebalance_locked(g, std::move(m), req.protocol_type);
    return waiter;
  }
  if (is_fenced_locked(g, req.group_instance_id, req.member_id)) return fail(Error::FENCED_INSTANCE_ID, req.member_id);
  if (!g.members.count(req.member_id) || (req.group_instance_id && !g.static_members.count(*req.group_instance_id)))
    return fail(Error::UNKNOWN_MEMBER_ID, req.member_id);
  Member& m = g.members.at(req.member_id);
  switch (g.state) {
    case State::PreparingRebalance:
      park(m);
      update_member_and_rebalance_locked(g, m, req);
      return waiter;
    case State::CompletingRebalance:
      if (same_protocols(m.protocols, req.protocols)) {
        // It probably lost the JoinGroup answer: repeat it.
        fill_join_answer_locked(g, m.id, now, g.leader);
        return nullptr;
      }
      park(m);
      update_member_and_rebalance_locked(g, m, req);
      return waiter;
    case State::Stable:
      if (g.leader == m.id || !same_protocols(m.protocols, req.protocols)) {
        // The leader may rejoin to rebalance for changes its metadata does not show (new partitions).
        park(m);
        update_member_and_rebalance_locked(g, m, req);
        return waiter;
      }
      fill_join_answer_locked(g, m.id, now, g.leader);
      return nullptr;
    case State::Empty:
    case State::Dead:
      break;
  }
  return fail(Error::UNKNOWN_MEMBER_ID, req.member_id);
}

void GroupCoordinator::add_member_and_rebalance_locked(Group& g, Member m, const std::string& protocol_type) {
  m.is_new = true;
  m.session_deadline = Clock::now() + kNewMemberJoinTimeout;
  if (g.state == State::PreparingRebalance && g.generation == 0) g.new_member_added = true;
  if (g.members.empty()) g.protocol_type = protocol_type;
  if (m.instance_id) g.static_members[*m.instance_id] = m.id;
  if (g.leader.empty() || !g.members.count(g.leader)) g.leader = m.id;
  g.members.emplace(m.id, std::move(m));
  if (g.state == State::PreparingRebalance) maybe_complete_join_locked(g, false);
  else maybe_prepare_rebalance_locked(g);
}

void GroupCoordinator::update_member_and_rebalance_locked(Group& g, Member& m, const proto::JoinGroupRequest& req) {
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  if (g.state == State::PreparingRebalance) maybe_complete_join_locked(g, false);
  else maybe_prepare_rebalance_locked(g);
}

void GroupCoordinator::maybe_prepare_rebalance_locked(Group& g) {
  if (g.state == State::Stable || g.state == State::CompletingRebalance || g.state == State::Empty)
    prepare_rebalance_locked(g);
}

void GroupCoordinator::prepare_rebalance_locked(Group& g) {
  // Members waiting for their assignment learn that a new round started.
  if (g.state == State::CompletingRebalance)
    for (auto& [id, m] : g.members) {
      m.assignment = {};
      if (m.sync_waiter) {
        m.sync_waiter->sync.error_code = kafka::code(Error::REBALANCE_IN_PROGRESS);
        wake(m.sync_waiter);
        m.sync_waiter.reset();
      }
    }
  g.pending_sync.clear();
  auto now = Clock::now();
  int32_t timeout = rebalance_timeout_locked(g);
  if (g.state == State::Empty) {
    g.initial_join = true;
    g.new_member_added = false;
    g.initial_remaining_ms = std::max<int64_t>(timeout - config_.initial_rebalance_delay_ms, 0);
    g.join_deadline = now + std::chrono::milliseconds(config_.initial_rebalance_delay_ms);
  } else {
    g.initial_join = false;
    g.join_deadline = now + std::chrono::milliseconds(timeout);
  }
  transition_locked(g, State::PreparingRebalance);
  maybe_complete_join_locked(g, false);
}

void GroupCoordinator::maybe_complete_join_locked(Group& g, bool deadline_passed) {
  if (g.state != State::PreparingRebalance) return;
  auto now = Clock::now();
  deadline_passed |= now >= g.join_deadline;
  if (g.initial_join) {
    // group.initial.rebalance.delay.ms: wait it out even if everyone is there; new members in
    // generation 0 extend it (by at most the delay each time) up to the rebalance timeout.
    if (!deadline_passed) return;
    if (g.new_member_added && g.initial_remaining_ms > 0) {
      g.new_member_added = false;
      int64_t delay = std::min<int64_t>(config_.initial_rebalance_delay_ms, g.initial_remaining_ms);
      g.initial_remaining_ms = std::max<int64_t>(g.initial_remaining_ms - delay, 0);
      g.join_deadline = now + std::chrono::milliseconds(delay);
      return;
    }
  } else {
    bool all_joined = g.pending_members.empty() &&
                      std::all_of(g.members.begin(), g.members.end(), [](auto& m) { return m.second.join_waiter != nullptr; });
    if (!all_joined && !deadline_passed) return;
  }
  // Dynamic members that did not rejoin in time are dropped; static members stay (their
  // session timeout decides).
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (!it->second.join_waiter && !it->second.instance_id) {
      it = g.members.erase(it);
    } else {
      ++it;
    }
  }
  bool anyone_joined =
      std::any_of(g.members.begin(), g.members.end(), [](auto& m) { return m.second.join_waiter != nullptr; });
  if (!g.members.empty() && !anyone_joined) {
    // Only static members that did not rejoin: wait another round for them (or their session).
    g.initial_join = false;
    g.join_deadline = now + std::chrono::milliseconds(rebalance_timeout_locked(g));
    return;
  }
  if (!g.members.empty() && (!g.members.count(g.leader) || !g.members.at(g.leader).join_waiter))
    for (auto& [id, m] : g.members)
      if (m.join_waiter) {
        g.leader = id;
        break;
      }
  complete_join_locked(g);
}

void GroupCoordinator::complete_join_locked(Group& g) {
  ++g.generation;
  g.initial_join = false;
  if (g.members.empty()) {
    g.protocol.clear();
    g.leader.clear();
    transition_locked(g, State::Empty);
    persist_group_locked(g);
    return;
  }
  g.protocol = select_protocol_locked(g);
  transition_locked(g, State::CompletingRebalance);
  int32_t sync_timeout = 0;
  for (auto& [id, m] : g.members) {
    if (m.join_waiter) {
      fill_join_answer_locked(g, id, m.join_waiter->join, g.leader);
      wake(m.join_waiter);
      m.join_waiter.reset();
    }
    m.assignment = {};
    m.is_new = false;
    heartbeat_locked(m);
    g.pending_sync.insert(id);
    sync_timeout = std::max(sync_timeout, m.rebalance_timeout_ms);
  }
  // Members that never send SyncGroup are removed after the rebalance timeout.
  g.pending_sync_deadline = Clock::now() + std::chrono::milliseconds(sync_timeout);
}

std::shared_ptr<GroupCoordinator::Pending> GroupCoordinator::sync(const proto::SyncGroupRequest& req,
                                                                  boost::asio::any_io_executor ex,
                                                                  proto::SyncGroupResponse& now) {
  std::lock_guard lock(mu_);
  auto fail = [&](Error e) {
    now.error_code = kafka::code(e);
    now.assignment = {};
    return nullptr;
  };
  if (req.group_id.empty()) return fail(Error::INVALID_GROUP_ID);
  Group* gp = find_locked(req.group_id);
  if (!gp) return fail(Error::UNKNOWN_MEMBER_ID);
  Group& g = *gp;
  if (is_fenced_locked(g, req.group_instance_id, req.member_id)) return fail(Error::FENCED_INSTANCE_ID);
  if (!g.members.count(req.member_id)) return fail(Error::UNKNOWN_MEMBER_ID);
  if (req.generation_id != g.generation) return fail(Error::ILLEGAL_GENERATION);
  if ((req.protocol_type && *req.protocol_type != g.protocol_type) || (req.protocol_name && *req.protocol_name != g.protocol))
    return fail(Error::INCONSISTENT_GROUP_PROTOCOL);
  Member& m = g.members.at(req.member_id);
  now.protocol_type = g.protocol_type;
  now.protocol_name = g.protocol;
  switch (g.state) {
    case State::Empty:
    case State::Dead:
      return fail(Error::UNKNOWN_MEMBER_ID);
    case State::PreparingRebalance:
      return fail(Error::REBALANCE_IN_PROGRESS);
    case State::Stable:
      g.pending_sync.erase(m.id);
      heartbeat_locked(m);
      now.assignment = m.assignment;
      return nullptr;
    case State::CompletingRebalance:
      break;
  }
  g.pending_sync.erase(m.id);
  if (m.id != g.leader) {
    heartbeat_locked(m);
    if (m.sync_waiter) {
      m.sync_waiter->sync.error_code = kafka::code(Error::UNKNOWN_MEMBER_ID);
      wake(m.sync_waiter);
    }
    m.sync_waiter = std::make_shared<Pending>(std::move(ex));
    return m.sync_waiter;
  }
  // The leader brings everyone's assignment (members it left out get an empty one).
  for (auto& [id, om] : g.members) om.assignment = {};
  for (auto& a : req.assignments)
    if (auto mi = g.members.find(a.member_id); mi != g.members.end()) mi->second.assignment = a.assignment;
  transition_locked(g, State::Stable);
  persist_group_locked(g);
  for (auto& [id, om] : g.members)
    if (om.sync_waiter) {
      om.sync_waiter->sync.error_code = 0;
      om.sync_waiter->sync.protocol_type = g.protocol_type;
      om.sync_waiter->sync.protocol_name = g.protocol;
      om.sync_waiter->sync.assignment = om.assignment;
      wake(om.sync_waiter);
      om.sync_waiter.reset();
      heartbeat_locked(om);
    }
  heartbeat_locked(m);
  now.assignment = m.assignment;
  return nullptr;
}

Error GroupCoordinator::heartbeat(const std::string& group, int32_t generation, const std::string& member,
                                  const std::optional<std::string>& instance_id) {
  std::lock_guard lock(mu_);
  if (group.empty()) return Error::INVALID_GROUP_ID;
  Group* g = find_locked(group);
  if (!g) return Error::UNKNOWN_MEMBER_ID;
  if (is_fenced_locked(*g, instance_id, member)) return Error::FENCED_INSTANCE_ID;
  auto it = g->members.find(member);
  if (it == g->members.end()) return Error::UNKNOWN_MEMBER_ID;
  if (generation != g->generation) return Error::ILLEGAL_GENERATION;
  switch (g->state) {
    case State::Empty:
    case State::Dead:
      return Error::UNKNOWN_MEMBER_ID;
    case State::PreparingRebalance:
      heartbeat_locked(it->second);
      return Error::REBALANCE_IN_PROGRESS;
    case State::CompletingRebalance:  // members may heartbeat between their JoinGroup and SyncGroup
    case State::Stable:
      heartbeat_locked(it->second);
      return Error::NONE;
  }
  return Error::NONE;
}

void GroupCoordinator::remove_member_locked(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  for (auto* w : {&it->second.join_waiter, &it->second.sync_waiter})
    if (*w) {
      (*w)->join.error_code = (*w)->sync.error_code = kafka::code(Error::UNKNOWN_MEMBER_ID);
      (*w)->join.member_id = member_id;
      (*w)->join.generation_id = -1;
      wake(*w);
    }
  if (it->second.instance_id) {
    auto s = g.static_members.find(*it->second.instance_id);
    if (s != g.static_members.end() && s->second == member_id) g.static_members.erase(s);
  }
  g.members.erase(it);
  g.pending_sync.erase(member_id);
  if (g.leader == member_id) g.leader = g.members.empty() ? std::string() : g.members.begin()->first;
  switch (g.state) {
    case State::Stable:
    case State::CompletingRebalance:
      maybe_prepare_rebalance_locked(g);
      break;
    case State::PreparingRebalance:
      maybe_complete_join_locked(g, false);
      break;
    case State::Empty:
    case State::Dead:
      break;
  }
}

Error GroupCoordinator::leave(const std::string& group, const std::string& member,
                              const std::optional<std::string>& instance_id) {
  std::lock_guard lock(mu_);
  if (group.empty()) return Error::INVALID_GROUP_ID;
  Group* g = find_locked(group);
  if (!g) return Error::UNKNOWN_MEMBER_ID;
  if (member.empty()) {
    // KIP-345 admin removal of a static member by its instance id.
    if (!instance_id) return Error::UNKNOWN_MEMBER_ID;
    auto s = g->static_members.find(*instance_id);
    if (s == g->static_members.end()) return Error::UNKNOWN_MEMBER_ID;
    remove_member_locked(*g, std::string(s->second));
    return Error::NONE;
  }
  if (g->pending_members.erase(member)) {
    maybe_complete_join_locked(*g, false);
    return Error::NONE;
  }
  if (is_fenced_locked(*g, instance_id, member)) return Error::FENCED_INSTANCE_ID;
  if (!g->members.count(member)) return Error::UNKNOWN_MEMBER_ID;
  remove_member_locked(*g, member);
  return Error::NONE;
}

void GroupCoordinator::tick() {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  for (auto& [gid, g] : groups_) {
    // KIP-394 pending members that never came back.
    bool pending_expired = false;
    for (auto it = g.pending_members.begin(); it != g.pending_members.end();) {
      if (now >= it->second) {
        it = g.pending_members.erase(it);
        pending_expired = true;
      } else {
        ++it;
      }
    }
    if (pending_expired) maybe_complete_join_locked(g, false);
    // Sessions. Members waiting in JoinGroup/SyncGroup count as alive, except new members, whose
    // JoinGroup is bounded by kNewMemberJoinTimeout.
    std::vector<std::string> expired;
    for (auto& [mid, m] : g.members) {
      bool waiting = (m.join_waiter || m.sync_waiter) && !m.is_new;
      if (!waiting && now >= m.session_deadline) expired.push_back(mid);
    }
    for (auto& mid : expired) remove_member_locked(g, mid);
    // Members that did not send SyncGroup within the rebalance timeout after the join.
    if ((g.state == State::CompletingRebalance || g.state == State::Stable) && !g.pending_sync.empty() &&
        now >= g.pending_sync_deadline) {
      std::vector<std::string> late(g.pending_sync.begin(), g.pending_sync.end());
      for (auto& mid : late) remove_member_locked(g, mid);
    }
    if (g.state == State::PreparingRebalance) maybe_complete_join_locked(g, false);
  }
  if (now >= next_retention_check_) {
    next_retention_check_ = now + std::chrono::milliseconds(config_.offsets_retention_check_interval_ms);
    std::vector<std::string> dead;
    int64_t now_ms = wall_ms();
    for (auto& [gid, g] : groups_) {
      // KIP-211: which offsets may expire, and from when.
      std::optional<std::set<std::string>> keep_topics;
      bool by_state_time = false;
      if (!g.protocol_type.empty()) {
        if (g.state == State::Empty) {
          by_state_time = true;
        } else if (g.state == State::Stable && (keep_topics = subscribed_topics(g))) {
          // offsets of topics the group no longer subscribes to expire after their commit
        } else {
          continue;
        }
      }
      std::string records;
      for (auto it = g.offsets.begin(); it != g.offsets.end();) {
        const CommittedOffset& o = it->second;
        bool expire = false;
        if (keep_topics && keep_topics->count(it->first.first)) {
          expire = false;
        } else if (o.expire_timestamp_ms >= 0) {
          expire = now_ms >= o.expire_timestamp_ms;
        } else {
          int64_t base = by_state_time && g.state_timestamp_ms > 0 ? g.state_timestamp_ms : o.commit_timestamp_ms;
          expire = now_ms - base >= config_.offsets_retention_ms;
        }
        if (expire) {
          records += "D " + tok(std::string_view(it->first.first)) + " " + std::to_string(it->first.second) + " x\n";
          it = g.offsets.erase(it);
        } else {
          ++it;
        }
      }
      if (g.state == State::Empty && g.offsets.empty() && g.pending_txn.empty() && g.members.empty() &&
          g.pending_members.empty()) {
        dead.push_back(gid);
      } else if (!records.empty()) {
        append_locked(gid, records);
      }
    }
    for (auto& gid : dead) {
      std::error_code ec;
      std::filesystem::remove(group_file(gid), ec);
      groups_.erase(gid);
    }
  }
}

void GroupCoordinator::expire_offsets() {
  {
    std::lock_guard lock(mu_);
    next_retention_check_ = Clock::now();
  }
  tick();
}

Error GroupCoordinator::commit(const std::string& group, int32_t generation, const std::string& member,
                               const std::optional<std::string>& instance_id, const std::vector<OffsetToCommit>& offsets) {
  std::lock_guard lock(mu_);
  if (group.empty()) return Error::INVALID_GROUP_ID;
  Group* gp = find_locked(group);
  if (!gp) {
    // No group: only a group that does not use group management (generation -1) may commit.
    if (generation >= 0) return Error::ILLEGAL_GENERATION;
    gp = &get_or_create_locked(group);
  }
  Group& g = *gp;
  if (generation < 0 && g.state == State::Empty) {
    // A group that only stores offsets (assign() users): no membership to check.
  } else {
    if (is_fenced_locked(g, instance_id, member)) return Error::FENCED_INSTANCE_ID;
    if (g.state == State::CompletingRebalance && g.members.count(member)) return Error::REBALANCE_IN_PROGRESS;
    auto it = g.members.find(member);
    if (it == g.members.end()) return Error::UNKNOWN_MEMBER_ID;
    if (generation != g.generation) return Error::ILLEGAL_GENERATION;
    // Stable or PreparingRebalance: commits during a rebalance (before revoking) are fine.
    heartbeat_locked(it->second);
  }
  if (offsets.empty()) return Error::NONE;
  int64_t now_ms = wall_ms();
  std::string records;
  std::vector<std::pair<std::pair<std::string, int32_t>, CommittedOffset>> staged;
  for (auto& o : offsets) {
    CommittedOffset v = o.value;
    v.commit_timestamp_ms = now_ms;
    v.expire_timestamp_ms = o.retention_ms >= 0 ? now_ms + o.retention_ms : -1;
    records += offset_record(o.topic, o.partition, v);
    staged.push_back({{o.topic, o.partition}, std::move(v)});
  }
  // Durable before acknowledged.
  append_locked(group, records);
  for (auto& [key, v] : staged) g.offsets[key] = std::move(v);
  g.file_records += staged.size();
  if (g.file_records > 1000 && g.file_records > 4 * (g.offsets.size() + 1)) rewrite_locked(g);
  return Error::NONE;
}

Error GroupCoordinator::txn_commit(const std::string& group, int64_t producer_id, int32_t generation,
                                   const std::string& member, const std::optional<std::string>& instance_id,
                                   const std::vector<OffsetToCommit>& offsets) {
  std::lock_guard lock(mu_);
  if (group.empty()) return Error::INVALID_GROUP_ID;
  Group& g = get_or_create_locked(group);
  if (!(generation < 0 && g.state == State::Empty)) {
    if (is_fenced_locked(g, instance_id, member)) return Error::FENCED_INSTANCE_ID;
    if (!member.empty() && !g.members.count(member)) return Error::UNKNOWN_MEMBER_ID;
    if (generation >= 0 && generation != g.generation) return Error::ILLEGAL_GENERATION;
  }
  int64_t now_ms = wall_ms();
  std::string records;
  for (auto& o : offsets) {
    CommittedOffset v = o.value;
    v.commit_timestamp_ms = now_ms;
    records += "P " + std::to_string(producer_id) + " " + tok(std::string_view(o.topic)) + " " +
               std::to_string(o.partition) + " " + std::to_string(v.offset) + " " + std::to_string(v.leader_epoch) + " " +
               tok(std::string_view(v.metadata)) + " " + std::to_string(now_ms) + " x\n";
    g.pending_txn[producer_id][{o.topic, o.partition}] = std::move(v);
  }
  if (!records.empty()) append_locked(group, records);
  g.file_records += offsets.size();
  return Error::NONE;
}

void GroupCoordinator::complete_txn(const std::string& group, int64_t producer_id, bool commit) {
  std::lock_guard lock(mu_);
  Group& g = get_or_create_locked(group);
  append_locked(group, "C " + std::to_string(producer_id) + " " + (commit ? "1" : "0") + " x\n");
  g.file_records += 1;
  auto it = g.pending_txn.find(producer_id);
  if (it == g.pending_txn.end()) return;
  if (commit) {
    int64_t now_ms = wall_ms();
    for (auto& [key, o] : it->second) {
      g.offsets[key] = o;
      g.offsets[key].commit_timestamp_ms = now_ms;
    }
  }
  g.pending_txn.erase(it);
}

bool GroupCoordinator::has_pending_txn_offset(const std::string& group, const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  Group* g = find_locked(group);
  if (!g) return false;
  for (auto& [pid, offsets] : g->pending_txn)
    if (offsets.count({topic, partition})) return true;
  return false;
}

std::map<std::pair<std::string, int32_t>, CommittedOffset> GroupCoordinator::offsets(const std::string& group) {
  std::lock_guard lock(mu_);
  Group* g = find_locked(group);
  if (!g) return {};
  return g->offsets;
}

void GroupCoordinator::forget_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto& [gid, g] : groups_) {
    std::string records;
    for (auto it = g.offsets.begin(); it != g.offsets.end();) {
      if (it->first.first == topic) {
        records += "D " + tok(std::string_view(topic)) + " " + std::to_string(it->first.second) + " x\n";
        it = g.offsets.erase(it);
      } else {
        ++it;
      }
    }
    if (!records.empty()) append_locked(gid, records);
  }
}

proto::DescribeGroupsResponse::DescribedGroup GroupCoordinator::describe(const std::string& group) {
  std::lock_guard lock(mu_);
  proto::DescribeGroupsResponse::DescribedGroup d;
  d.group_id = group;
  Group* g = find_locked(group);
  if (!g) {
    d.group_state = "Dead";
    return d;
  }
  d.group_state = state_name(g->state);
  d.protocol_type = g->protocol_type;
  // As Kafka: the protocol, subscriptions and assignments only for a Stable group.
  bool stable = g->state == State::Stable;
  d.protocol_data = stable ? g->protocol : "";
  for (auto& [id, m] : g->members) {
    proto::DescribeGroupsResponse::DescribedGroupMember dm;
    dm.member_id = id;
    dm.group_instance_id = m.instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    if (stable) {
      for (auto& p : m.protocols)
        if (p.name == g->protocol) dm.member_metadata = p.metadata;
      dm.member_assignment = m.assignment;
    }
    d.members.push_back(std::move(dm));
  }
  return d;
}

std::vector<proto::ListGroupsResponse::ListedGroup> GroupCoordinator::list() {
  std::lock_guard lock(mu_);
  std::vector<proto::ListGroupsResponse::ListedGroup> out;
  for (auto& [id, g] : groups_) {
    if (g.state == State::Dead) continue;
    proto::ListGroupsResponse::ListedGroup l;
    l.group_id = id;
    l.protocol_type = g.protocol_type;
    l.group_state = state_name(g.state);
    l.group_type = "classic";
    out.push_back(std::move(l));
  }
  return out;
}

Error GroupCoordinator::remove(const std::string& group) {
  std::lock_guard lock(mu_);
  Group* g = find_locked(group);
  if (!g || g->state == State::Dead) return Error::GROUP_ID_NOT_FOUND;
  if (g->state != State::Empty) return Error::NON_EMPTY_GROUP;
  groups_.erase(group);
  std::error_code ec;
  std::filesystem::remove(group_file(group), ec);
  return Error::NONE;
}

std::optional<std::set<std::string>> GroupCoordinator::subscribed_topics(const Group& g) {
  // ConsumerProtocolSubscription v0+: version int16, topics [string], ... (non-flexible).
  if (g.protocol_type != "consumer") return std::nullopt;
  std::set<std::string> topics;
  for (auto& [id, m] : g.members) {
    const proto::Bytes* md = nullptr;
    for (auto& p : m.protocols)
      if (p.name == g.protocol) md = &p.metadata;
    if (!md) return std::nullopt;
    auto& b = md->data;
    size_t pos = 0;
    auto need = [&](size_t n) { return pos + n <= b.size(); };
    auto be = [&](size_t n) {
      uint64_t v = 0;
      for (size_t i = 0; i < n; ++i) v = (v << 8) | b[pos + i];
      pos += n;
      return v;
    };
    if (!need(2 + 4)) return std::nullopt;
    be(2);
    auto count = static_cast<int32_t>(be(4));
    if (count < 0) return std::nullopt;
    for (int32_t i = 0; i < count; ++i) {
      if (!need(2)) return std::nullopt;
      auto len = static_cast<int16_t>(be(2));
      if (len < 0 || !need(static_cast<size_t>(len))) return std::nullopt;
      topics.emplace(reinterpret_cast<const char*>(b.data() + pos), static_cast<size_t>(len));
      pos += static_cast<size_t>(len);
    }
  }
  return topics;
}

// ---- the durable store -------------------------------------------------------------------------
//
// One text file per group, <hex(group)>.log, one record per line, each ending in " x" so a line
// torn by a crash is recognised (and cut off on load):
//   O <topic> <partition> <offset> <leader epoch> <metadata> <commit ms> <expire ms> x   offset commit
//   D <topic> <partition> x                                                               offset expired
//   P <producer id> <topic> <partition> <offset> <leader epoch> <metadata> <commit ms> x   transactional offset
//   C <producer id> <1 commit | 0 abort> x                                                end of that transaction
//   G <protocol type> <protocol> <generation> <leader> <state ms> <n> n*(<member id>
//     <instance id> <client id> <client host> <rebalance timeout> <session timeout>
//     <subscription> <assignment>) x                                                      group metadata
// Strings are "_" + hex, null is "-". Files from before these records held lines
// "<hex topic> <partition> <offset> <epoch> <hex metadata>x", still read.

std::filesystem::path GroupCoordinator::group_file(const std::string& group) const { return dir_ / (hex(group) + ".log"); }

std::string GroupCoordinator::offset_record(const std::string& topic, int32_t partition, const CommittedOffset& o) {
  std::ostringstream line;
  line << "O " << tok(std::string_view(topic)) << ' ' << partition << ' ' << o.offset << ' ' << o.leader_epoch << ' '
       << tok(std::string_view(o.metadata)) << ' ' << o.commit_timestamp_ms << ' ' << o.expire_timestamp_ms << " x\n";
  return line.str();
}

std::string GroupCoordinator::group_record(const Group& g) {
  std::ostringstream line;
  line << "G " << tok(std::string_view(g.protocol_type)) << ' ' << tok(std::string_view(g.protocol)) << ' '
       << g.generation << ' ' << tok(std::string_view(g.leader)) << ' ' << g.state_timestamp_ms << ' '
       << g.members.size();
  for (auto& [id, m] : g.members) {
    proto::Bytes subscription;
    for (auto& p : m.protocols)
      if (p.name == g.protocol) subscription = p.metadata;
    line << ' ' << tok(std::string_view(id)) << ' ' << tok(m.instance_id) << ' ' << tok(std::string_view(m.client_id))
         << ' ' << tok(std::string_view(m.client_host)) << ' ' << m.rebalance_timeout_ms << ' ' << m.session_timeout_ms
         << ' ' << tok(subscription) << ' ' << tok(m.assignment);
  }
  line << " x\n";
  return line.str();
}

void GroupCoordinator::append_locked(const std::string& group, const std::string& records) {
  // In the OS before the request is answered: survives kill -9 (not a power cut, like Kafka
  // without flush.messages).
  text_records::append(group_file(group), records);
}

void GroupCoordinator::persist_group_locked(Group& g) {
  append_locked(g.id, group_record(g));
  g.file_records += 1;
}

void GroupCoordinator::rewrite_locked(Group& g) {
  std::string content;
  if (!g.protocol_type.empty() || g.generation > 0) content += group_record(g);
  for (auto& [key, o] : g.offsets) content += offset_record(key.first, key.second, o);
  for (auto& [pid, offsets] : g.pending_txn)
    for (auto& [key, o] : offsets)
      content += "P " + std::to_string(pid) + " " + tok(std::string_view(key.first)) + " " + std::to_string(key.second) +
                 " " + std::to_string(o.offset) + " " + std::to_string(o.leader_epoch) + " " +
                 tok(std::string_view(o.metadata)) + " " + std::to_string(o.commit_timestamp_ms) + " x\n";
  storage::io::write_file_atomic(group_file(g.id), content, true);
  g.file_records = g.offsets.size() + 1;
}

bool GroupCoordinator::load_group_file(const std::filesystem::path& path, Group& g, size_t& records) {
  records = text_records::replay(path, [&](const std::vector<std::string>& t) {
    if (t[0] == "O" && t.size() == 9) {
      std::string topic;
      int32_t partition = 0;
      CommittedOffset o;
      if (!(untok(t[1], topic) && parse_int(t[2], partition) && parse_int(t[3], o.offset) &&
            parse_int(t[4], o.leader_epoch) && untok(t[5], o.metadata) && parse_int(t[6], o.commit_timestamp_ms) &&
            parse_int(t[7], o.expire_timestamp_ms)))
        return false;
      g.offsets[{topic, partition}] = std::move(o);
      return true;
    }
    if (t[0] == "D" && t.size() == 4) {
      std::string topic;
      int32_t partition = 0;
      if (!(untok(t[1], topic) && parse_int(t[2], partition))) return false;
      g.offsets.erase({topic, partition});
      return true;
    }
    if (t[0] == "P" && t.size() == 9) {  // a transactional offset, pending until its transaction ends
      int64_t pid = 0;
      std::string topic;
      int32_t partition = 0;
      CommittedOffset o;
      if (!(parse_int(t[1], pid) && untok(t[2], topic) && parse_int(t[3], partition) && parse_int(t[4], o.offset) &&
            parse_int(t[5], o.leader_epoch) && untok(t[6], o.metadata) && parse_int(t[7], o.commit_timestamp_ms)))
        return false;
      g.pending_txn[pid][{topic, partition}] = std::move(o);
      return true;
    }
    if (t[0] == "C" && t.size() == 4) {  // the end of a transaction: its offsets count or are dropped
      int64_t pid = 0;
      int committed = 0;
      if (!(parse_int(t[1], pid) && parse_int(t[2], committed))) return false;
      if (committed)
        for (auto& [key, o] : g.pending_txn[pid]) g.offsets[key] = o;
      g.pending_txn.erase(pid);
      return true;
    }
    if (t[0] == "G" && t.size() >= 8) {
      Group loaded;
      size_t n = 0;
      bool ok = untok(t[1], loaded.protocol_type) && untok(t[2], loaded.protocol) && parse_int(t[3], loaded.generation) &&
                untok(t[4], loaded.leader) && parse_int(t[5], loaded.state_timestamp_ms) && parse_int(t[6], n) &&
                t.size() == 8 + 8 * n;
      for (size_t i = 0; ok && i < n; ++i) {
        const std::string* f = &t[7 + 8 * i];
        Member m;
        std::string subscription, assignment;
        ok = untok(f[0], m.id) && untok(f[1], m.instance_id) && untok(f[2], m.client_id) && untok(f[3], m.client_host) &&
             parse_int(f[4], m.rebalance_timeout_ms) && parse_int(f[5], m.session_timeout_ms) &&
             untok(f[6], subscription) && untok(f[7], assignment);
        if (!ok) break;
        m.protocols.push_back({loaded.protocol, proto::Bytes(subscription)});
        m.assignment = proto::Bytes(assignment);
        std::string id = m.id;
        loaded.members.emplace(id, std::move(m));
      }
      if (!ok) return false;
      g.protocol_type = loaded.protocol_type;
      g.protocol = loaded.protocol;
      g.generation = loaded.generation;
      g.leader = loaded.leader;
      g.state_timestamp_ms = loaded.state_timestamp_ms;
      g.members = std::move(loaded.members);
      return true;
    }
    if (t.size() == 5 && t[0] != "O" && t[0] != "D" && t[0] != "G") {
      // The original format: "<hex topic> <partition> <offset> <epoch> <hex metadata>x".
      std::string topic, meta_hex = t[4].substr(0, t[4].size() - 1);
      CommittedOffset o;
      int32_t partition = 0;
      if (!(unhex(t[0], topic) && parse_int(t[1], partition) && parse_int(t[2], o.offset) &&
            parse_int(t[3], o.leader_epoch) && unhex(meta_hex, o.metadata)))
        return false;
      g.offsets[{topic, partition}] = std::move(o);
      return true;
    }
    return false;
  });
  return true;
}

void GroupCoordinator::load() {
  auto now = Clock::now();
  int64_t now_ms = wall_ms();
  for (auto& entry : std::filesystem::directory_iterator(dir_)) {
    auto name = entry.path().filename().string();
    if (entry.path().extension() != ".log" || name.size() < 4) continue;
    std::string id;
    if (!unhex(name.substr(0, name.size() - 4), id)) continue;
    Group& g = get_or_create_locked(id);
    size_t records = 0;
    // A record torn by a crash (the tail of the file) is cut off, so later appends start clean.
    load_group_file(entry.path(), g, records);
    // As after a coordinator failover in Kafka: a group with members is Stable in its last
    // persisted generation and the members' sessions start now; otherwise it is Empty.
    g.state = g.members.empty() ? State::Empty : State::Stable;
    if (g.state_timestamp_ms == 0) g.state_timestamp_ms = now_ms;
    for (auto& [mid, m] : g.members) {
      m.session_deadline = now + std::chrono::milliseconds(m.session_timeout_ms);
      if (m.instance_id) g.static_members[*m.instance_id] = mid;
    }
    if (!g.members.empty() && !g.members.count(g.leader)) g.leader = g.members.begin()->first;
    g.file_records = records;
    if (records > 64 && records > 2 * (g.offsets.size() + 1)) rewrite_locked(g);
  }
}

}  // namespace refbroker
