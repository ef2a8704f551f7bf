#include "groups.h"

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

namespace {

std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(std::string_view s) {
  std::string out;
  auto val = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(val(s[i]) * 16 + val(s[i + 1]));
  return out;
}

}  // namespace

GroupCoordinator::GroupCoordinator(std::filesystem::path dir, GroupConfig config)
    : dir_(std::move(dir) / "__consumer_offsets"), config_(config) {
  std::filesystem::create_directories(dir_);
  load_offsets();
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

GroupCoordinator::Group& GroupCoordinator::group_locked(const std::string& id) { return groups_[id]; }

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

std::shared_ptr<GroupCoordinator::Pending> GroupCoordinator::join(const proto::JoinGroupRequest& req, int16_t version,
                                                                  const std::string& client_id,
                                                                  const std::string& client_host,
                                                                  boost::asio::any_io_executor ex,
                                                                  proto::JoinGroupResponse& now) {
  std::lock_guard lock(mu_);
  now.protocol_name.reset();
  auto fail = [&](Error e) {
    now.error_code = kafka::code(e);
    now.member_id = req.member_id;
    return nullptr;
  };
  if (req.group_id.empty()) return fail(Error::INVALID_GROUP_ID);
  if (req.session_timeout_ms < config_.min_session_timeout_ms || req.session_timeout_ms > config_.max_session_timeout_ms)
    return fail(Error::INVALID_SESSION_TIMEOUT);
  if (req.protocols.empty() || req.protocol_type.empty()) return fail(Error::INCONSISTENT_GROUP_PROTOCOL);
  Group& g = group_locked(req.group_id);
  if (!g.members.empty()) {
    if (g.protocol_type != req.protocol_type) return fail(Error::INCONSISTENT_GROUP_PROTOCOL);
    // Every member must share at least one protocol with the group.
    bool shared = false;
    for (auto& p : req.protocols)
      shared |= std::all_of(g.members.begin(), g.members.end(), [&](auto& m) {
        return m.first == req.member_id ||
               std::any_of(m.second.protocols.begin(), m.second.protocols.end(), [&](auto& q) { return q.name == p.name; });
      });
    if (!shared) return fail(Error::INCONSISTENT_GROUP_PROTOCOL);
  }
  std::string member_id = req.member_id;
  if (member_id.empty()) {
    // Static members keep their id across restarts of the client.
    if (req.group_instance_id)
      for (auto& [id, m] : g.members)
        if (m.instance_id == req.group_instance_id) member_id = id;
    if (member_id.empty()) {
      member_id = (client_id.empty() ? std::string("member") : client_id) + "-" + std::to_string(++member_counter_) + "-" +
                  std::to_string(std::random_device{}());
      if (version >= 4 && !req.group_instance_id) {
        // KIP-394: hand out the id and make the client rejoin with it.
        Member& m = g.members[member_id];
        m.id = member_id;
        m.client_id = client_id;
        m.client_host = client_host;
        m.session_timeout_ms = req.session_timeout_ms;
        m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
        m.protocols = req.protocols;
        m.last_seen = Clock::now();
        if (g.members.size() == 1) g.protocol_type = req.protocol_type;
        now.error_code = kafka::code(Error::MEMBER_ID_REQUIRED);
        now.member_id = member_id;
        return nullptr;
      }
    }
  } else if (!g.members.count(member_id)) {
    return fail(Error::UNKNOWN_MEMBER_ID);
  }
  Member& m = g.members[member_id];
  m.id = member_id;
  m.instance_id = req.group_instance_id;
  m.client_id = client_id;
  m.client_host = client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  m.protocols = req.protocols;
  m.last_seen = Clock::now();
  if (g.members.size() == 1) g.protocol_type = req.protocol_type;
  if (m.join_waiter) {  // a duplicate join from the same member replaces the old one
    m.join_waiter->join.error_code = kafka::code(Error::UNKNOWN_MEMBER_ID);
    wake(m.join_waiter);
  }
  m.join_waiter = std::make_shared<Pending>(std::move(ex));
  m.join_waiter->join.member_id = member_id;
  auto waiter = m.join_waiter;
  if (g.state != State::PreparingRebalance) prepare_rebalance_locked(g);
  maybe_complete_join_locked(g, false);
  return waiter;
}

void GroupCoordinator::prepare_rebalance_locked(Group& g) {
  // Members waiting for their assignment learn that a new round started.
  for (auto& [id, m] : g.members)
    if (m.sync_waiter) {
      m.sync_waiter->sync.error_code = kafka::code(Error::REBALANCE_IN_PROGRESS);
      wake(m.sync_waiter);
      m.sync_waiter.reset();
    }
  int32_t timeout = 0;
  for (auto& [id, m] : g.members) timeout = std::max(timeout, m.rebalance_timeout_ms);
  if (g.state == State::Empty) timeout = config_.initial_rebalance_delay_ms;
  g.state = State::PreparingRebalance;
  g.rebalance_deadline = Clock::now() + std::chrono::milliseconds(timeout);
}

void GroupCoordinator::maybe_complete_join_locked(Group& g, bool deadline_passed) {
  if (g.state != State::PreparingRebalance) return;
  bool all = std::all_of(g.members.begin(), g.members.end(), [](auto& m) { return m.second.join_waiter != nullptr; });
  bool delay_over = Clock::now() >= g.rebalance_deadline;
  if (!(all && (delay_over || g.generation > 0)) && !deadline_passed) return;
  // Drop members that did not rejoin in time.
  for (auto it = g.members.begin(); it != g.members.end();)
    it = it->second.join_waiter ? std::next(it) : g.members.erase(it);
  complete_join_locked(g);
}

void GroupCoordinator::complete_join_locked(Group& g) {
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::Empty;
    g.leader.clear();
    g.protocol.clear();
    return;
  }
  if (!g.members.count(g.leader)) g.leader = g.members.begin()->first;
  // The leader's most preferred protocol that every member supports.
  g.protocol.clear();
  for (auto& p : g.members[g.leader].protocols) {
    bool everyone = std::all_of(g.members.begin(), g.members.end(), [&](auto& m) {
      return std::any_of(m.second.protocols.begin(), m.second.protocols.end(), [&](auto& q) { return q.name == p.name; });
    });
    if (everyone) {
      g.protocol = p.name;
      break;
    }
  }
  g.state = State::CompletingRebalance;
  for (auto& [id, m] : g.members) {
    auto& r = m.join_waiter->join;
    r.error_code = 0;
    r.generation_id = g.generation;
    r.protocol_type = g.protocol_type;
    r.protocol_name = g.protocol;
    r.leader = g.leader;
    r.member_id = id;
    r.members.clear();
    if (id == g.leader)
      for (auto& [oid, om] : g.members) {
        proto::JoinGroupResponse::JoinGroupResponseMember jm;
        jm.member_id = oid;
        jm.group_instance_id = om.instance_id;
        for (auto& p : om.protocols)
          if (p.name == g.protocol) jm.metadata = p.metadata;
        r.members.push_back(std::move(jm));
      }
    m.assignment = {};
    m.last_seen = Clock::now();
    wake(m.join_waiter);
    m.join_waiter.reset();
  }
}

std::shared_ptr<GroupCoordinator::Pending> GroupCoordinator::sync(const proto::SyncGroupRequest& req,
                                                                  boost::asio::any_io_executor ex,
                                                                  proto::SyncGroupResponse& now) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(req.group_id);
  auto fail = [&](Error e) {
    now.error_code = kafka::code(e);
    return nullptr;
  };
  if (it == groups_.end() || !it->second.members.count(req.member_id)) return fail(Error::UNKNOWN_MEMBER_ID);
  Group& g = it->second;
  Member& m = g.members[req.member_id];
  m.last_seen = Clock::now();
  if (req.generation_id != g.generation) return fail(Error::ILLEGAL_GENERATION);
  if (g.state == State::PreparingRebalance) return fail(Error::REBALANCE_IN_PROGRESS);
  now.protocol_type = g.protocol_type;
  now.protocol_name = g.protocol;
  if (g.state == State::Stable) {
    now.assignment = m.assignment;
    return nullptr;
  }
  // CompletingRebalance: the leader brings everyone's assignment; the others wait for it.
  if (req.member_id == g.leader) {
    for (auto& a : req.assignments)
      if (auto mi = g.members.find(a.member_id); mi != g.members.end()) mi->second.assignment = a.assignment;
    g.state = State::Stable;
    for (auto& [id, om] : g.members)
      if (om.sync_waiter) {
        om.sync_waiter->sync.error_code = 0;
        om.sync_waiter->sync.protocol_type = g.protocol_type;
        om.sync_waiter->sync.protocol_name = g.protocol;
        om.sync_waiter->sync.assignment = om.assignment;
        wake(om.sync_waiter);
        om.sync_waiter.reset();
      }
    now.assignment = m.assignment;
    return nullptr;
  }
  m.sync_waiter = std::make_shared<Pending>(std::move(ex));
  return m.sync_waiter;
}

Error GroupCoordinator::heartbeat(const std::string& group, int32_t generation, const std::string& member) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.members.count(member)) return Error::UNKNOWN_MEMBER_ID;
  Group& g = it->second;
  g.members[member].last_seen = Clock::now();
  if (generation != g.generation) return Error::ILLEGAL_GENERATION;
  if (g.state == State::PreparingRebalance) return Error::REBALANCE_IN_PROGRESS;
  return Error::NONE;
}

void GroupCoordinator::remove_member_locked(Group& g, const std::string& member_id) {
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  for (auto* w : {&it->second.join_waiter, &it->second.sync_waiter})
    if (*w) {
      (*w)->join.error_code = (*w)->sync.error_code = kafka::code(Error::UNKNOWN_MEMBER_ID);
      wake(*w);
    }
  g.members.erase(it);
  if (g.members.empty()) {
    g.state = State::Empty;
    g.leader.clear();
    ++g.generation;
    return;
  }
  if (g.state != State::PreparingRebalance) prepare_rebalance_locked(g);
  maybe_complete_join_locked(g, false);
}

Error GroupCoordinator::leave(const std::string& group, const std::string& member) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.members.count(member)) return Error::UNKNOWN_MEMBER_ID;
  remove_member_locked(it->second, member);
  return Error::NONE;
}

void GroupCoordinator::tick() {
  std::lock_guard lock(mu_);
  auto now = Clock::now();
  for (auto& [id, g] : groups_) {
    std::vector<std::string> expired;
    for (auto& [mid, m] : g.members)
      if (!m.join_waiter && !m.sync_waiter && now - m.last_seen > std::chrono::milliseconds(m.session_timeout_ms))
        expired.push_back(mid);
    for (auto& mid : expired) remove_member_locked(g, mid);
    if (g.state == State::PreparingRebalance) maybe_complete_join_locked(g, now >= g.rebalance_deadline);
  }
}

Error GroupCoordinator::check_commit(const std::string& group, int32_t generation, const std::string& member) {
  std::lock_guard lock(mu_);
  if (group.empty()) return Error::INVALID_GROUP_ID;
  auto it = groups_.find(group);
  bool standalone = generation < 0 && member.empty();
  if (it == groups_.end() || it->second.members.empty())
    return standalone || generation < 0 ? Error::NONE : Error::ILLEGAL_GENERATION;
  Group& g = it->second;
  if (standalone) return Error::NONE;  // assign()-style commits beside a live group, as Kafka allows
  if (!g.members.count(member)) return Error::UNKNOWN_MEMBER_ID;
  if (generation != g.generation) return Error::ILLEGAL_GENERATION;
  if (g.state == State::PreparingRebalance) return Error::REBALANCE_IN_PROGRESS;
  g.members[member].last_seen = Clock::now();
  return Error::NONE;
}

void GroupCoordinator::commit(const std::string& group, const std::string& topic, int32_t partition, const CommittedOffset& o) {
  std::lock_guard lock(mu_);
  Group& g = group_locked(group);
  g.offsets[{topic, partition}] = o;
  std::ostringstream line;
  line << hex(topic) << ' ' << partition << ' ' << o.offset << ' ' << o.leader_epoch << ' ' << hex(o.metadata) << 'x' << '\n';
  g.unflushed += line.str();
}

void GroupCoordinator::flush_commits(const std::string& group) {
  std::lock_guard lock(mu_);
  Group& g = group_locked(group);
  if (g.unflushed.empty()) return;
  std::ofstream out(offsets_file(group), std::ios::app | std::ios::binary);
  out << g.unflushed;
  g.unflushed.clear();
}

std::map<std::pair<std::string, int32_t>, CommittedOffset> GroupCoordinator::offsets(const std::string& group) {
  std::lock_guard lock(mu_);
  auto it = groups_.find(group);
  if (it == groups_.end()) return {};
  return it->second.offsets;
}

std::filesystem::path GroupCoordinator::offsets_file(const std::string& group) const { return dir_ / (hex(group) + ".log"); }

void GroupCoordinator::load_offsets() {
  for (auto& entry : std::filesystem::directory_iterator(dir_)) {
    auto name = entry.path().filename().string();
    if (entry.path().extension() != ".log") continue;
    std::string group = unhex(name.substr(0, name.size() - 4));
    Group& g = groups_[group];
    std::ifstream in(entry.path());
    std::string topic_hex, meta_hex;
    int32_t partition, epoch;
    int64_t offset;
    // A torn last line (crash mid-write) fails to parse and is ignored.
    while (in >> topic_hex >> partition >> offset >> epoch >> meta_hex) {
      if (meta_hex.empty() || meta_hex.back() != 'x') break;
      meta_hex.pop_back();
      g.offsets[{unhex(topic_hex), partition}] = {offset, epoch, unhex(meta_hex)};
    }
  }
}

proto::DescribeGroupsResponse::DescribedGroup GroupCoordinator::describe(const std::string& group) {
  std::lock_guard lock(mu_);
  proto::DescribeGroupsResponse::DescribedGroup d;
  d.group_id = group;
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    d.group_state = "Dead";
    return d;
  }
  Group& g = it->second;
  d.group_state = state_name(g.state);
  d.protocol_type = g.protocol_type;
  d.protocol_data = g.state == State::Stable || g.state == State::CompletingRebalance ? g.protocol : "";
  for (auto& [id, m] : g.members) {
    proto::DescribeGroupsResponse::DescribedGroupMember dm;
    dm.member_id = id;
    dm.group_instance_id = m.instance_id;
    dm.client_id = m.client_id;
    dm.client_host = m.client_host;
    for (auto& p : m.protocols)
      if (p.name == g.protocol) dm.member_metadata = p.metadata;
    if (g.state == State::Stable) dm.member_assignment = m.assignment;
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
  auto it = groups_.find(group);
  if (it == groups_.end()) return Error::GROUP_ID_NOT_FOUND;
  if (!it->second.members.empty()) return Error::NON_EMPTY_GROUP;
  groups_.erase(it);
  std::error_code ec;
  std::filesystem::remove(offsets_file(group), ec);
  return Error::NONE;
}

}  // namespace refbroker
