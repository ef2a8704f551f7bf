// A consumer group of separate member processes (client_group_member*: one member each, so one
// can be killed with SIGKILL) on a 6-partition topic of an in-process refbroker. For range,
// roundrobin and cooperative-sticky:
//   3 members -> a 4th joins -> it leaves (close) -> one of the first three is killed (kill -9)
// and after each change:
//   * steady state: every partition has exactly one owner and the assignment is balanced;
//   * nothing is lost: every produced offset was consumed by some member (the committed offsets
//     each new owner starts from never skip a message); duplicates only where the killed member
//     had consumed without committing; the final committed offsets are the log end;
//   * no partition is assigned to a member before its previous owner's revoke callback finished
//     (timestamps from CLOCK_MONOTONIC, shared by all processes);
//   * cooperative-sticky revokes only what must move: one partition when the 4th member joins,
//     none when a member leaves or dies.
// Each variant runs with our ConsumerCore member, with the member program written against
// librdkafka's C API linked to our facade, and with the same program linked to Debian's
// librdkafka (the reference the expectations are checked against) when available, and in mixed
// groups where our core or librdkafka leads (runs the assignor for the others). A member that reports "unsupported" (a consumer without group
// support) skips the test. On failure the members' event transcript is printed (always with
// GROUP_TEST_TRANSCRIPT=1; GROUP_TEST_TRANSCRIPT_MSGS=1 adds every consumed message).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client_group_member_io.h"
#include "client_test_util.h"
#include "producer.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int32_t kPartitions = 6;
const std::string kTopic = "orders";

struct Event {
  std::string member;
  std::string kind;
  int64_t ns = 0;
  std::set<int32_t> parts;
  std::string text;
};

std::set<int32_t> parse_parts(const std::string& s) {
  std::set<int32_t> out;
  if (s == "-" || s.empty()) return out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.insert(std::stoi(item));
  return out;
}

// "0=12,3=7" -> {0: 12, 3: 7}
std::map<int32_t, int64_t> parse_offsets(const std::string& s) {
  std::map<int32_t, int64_t> out;
  if (s == "-" || s.empty()) return out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    out[std::stoi(item.substr(0, item.find('=')))] = std::stoll(item.substr(item.find('=') + 1));
  return out;
}

// Everything the members reported, and the state derived from it, under one lock.
class GroupLog {
 public:
  void add(const std::string& member, const std::string& line) {
    std::istringstream in(line);
    Event e;
    e.member = member;
    in >> e.kind;
    std::lock_guard lock(mu_);
    transcript_.push_back(member + ": " + line);
    if (e.kind == "msg") {
      int32_t p;
      int64_t o;
      in >> p >> o;
      consumed_[p].push_back(o);
      consumed_by_[member][p].push_back(o);
    } else if (e.kind == "assign" || e.kind == "revoke" || e.kind == "revoked" || e.kind == "owned") {
      std::string parts;
      in >> e.ns >> parts;
      e.parts = parse_parts(parts);
      if (e.kind == "owned") owned_[member] = e.parts;
      events_.push_back(e);
    } else if (e.kind == "commit" || e.kind == "commitfail" || e.kind == "closed") {
      in >> e.ns;
      std::getline(in, e.text);
      std::istringstream rest(e.text);
      std::string offsets;
      rest >> offsets;
      if (e.kind == "commitfail") {
        for (auto& part : parse_offsets(offsets)) failed_commit_partitions_.insert(part.first);
      } else if (e.kind == "commit") {
        for (auto& [p, o] : parse_offsets(offsets)) committed_[p] = std::max(committed_[p], o);
      }
      events_.push_back(e);
    } else {
      std::getline(in, e.text);
      if (e.kind == "unsupported") unsupported_[member] = e.text;
      if (e.kind == "error") errors_.push_back(member + ": " + e.text);
      if (e.kind == "ready") ready_.insert(member);
      events_.push_back(e);
    }
    cv_.notify_all();
  }
  void exited(const std::string& member) {
    std::lock_guard lock(mu_);
    exited_.insert(member);
    owned_.erase(member);
    cv_.notify_all();
  }
  void killed(const std::string& member, int64_t ns) {
    std::lock_guard lock(mu_);
    events_.push_back(Event{member, "killed", ns, {}, {}});
  }

  // Waits until pred(*this) holds (evaluated under the lock at every report).
  template <class Pred> bool wait(Pred pred, Clock::duration timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(*this); });
  }

  // Every live member owns a disjoint, balanced share and together they own all partitions.
  bool steady(const std::vector<std::string>& live) const {
    const size_t n = live.size(), lo = kPartitions / n, hi = (kPartitions + n - 1) / n;
    std::set<int32_t> all;
    for (const auto& m : live) {
      auto it = owned_.find(m);
      if (it == owned_.end() || it->second.size() < lo || it->second.size() > hi) return false;
      for (int32_t p : it->second)
        if (!all.insert(p).second) return false;
    }
    return all.size() == static_cast<size_t>(kPartitions);
  }
  bool consumed_all(const std::map<int32_t, int64_t>& produced) const {
    for (auto& [p, end] : produced) {
      auto it = consumed_.find(p);
      if (it == consumed_.end()) return end == 0;
      std::set<int64_t> distinct(it->second.begin(), it->second.end());
      for (int64_t o = 0; o < end; ++o)
        if (!distinct.count(o)) return false;
    }
    return true;
  }
  // Some member reported committing the end of every partition.
  bool committed_all(const std::map<int32_t, int64_t>& produced) const {
    for (auto& [p, end] : produced) {
      auto it = committed_.find(p);
      if (end > 0 && (it == committed_.end() || it->second < end)) return false;
    }
    return true;
  }
  bool has_exited(const std::string& m) const { return exited_.count(m) > 0; }
  bool is_ready(const std::string& m) const { return ready_.count(m) > 0; }
  std::optional<std::string> unsupported(const std::string& m) const {
    auto it = unsupported_.find(m);
    return it == unsupported_.end() ? std::nullopt : std::optional(it->second);
  }

  // Snapshots (lock held by the caller's copy).
  std::vector<Event> events() const { std::lock_guard lock(mu_); return events_; }
  size_t event_count() const { std::lock_guard lock(mu_); return events_.size(); }
  std::map<int32_t, std::vector<int64_t>> consumed() const { std::lock_guard lock(mu_); return consumed_; }
  std::map<std::string, std::set<int32_t>> owned() const { std::lock_guard lock(mu_); return owned_; }
  std::vector<std::string> errors() const { std::lock_guard lock(mu_); return errors_; }
  std::set<int32_t> failed_commit_partitions() const { std::lock_guard lock(mu_); return failed_commit_partitions_; }
  std::vector<std::string> transcript() const { std::lock_guard lock(mu_); return transcript_; }
  std::string describe() const {
    std::lock_guard lock(mu_);
    std::string s;
    for (auto& [m, parts] : owned_) s += m + "=" + member_io::format_parts(parts) + " ";
    return s;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::map<std::string, std::set<int32_t>> owned_;
  std::map<int32_t, std::vector<int64_t>> consumed_;
  std::map<std::string, std::map<int32_t, std::vector<int64_t>>> consumed_by_;
  std::set<std::string> exited_, ready_;
  std::map<std::string, std::string> unsupported_;
  std::vector<std::string> errors_;
  std::set<int32_t> failed_commit_partitions_;
  std::map<int32_t, int64_t> committed_;  // highest commit reported per partition
  std::vector<std::string> transcript_;  // every line, for diagnosing a failure
};

// One member process: stdin to ask it to close, stdout read line by line into the GroupLog.
class MemberProcess {
 public:
  MemberProcess(std::string name, const std::string& exe, const std::vector<std::string>& args, GroupLog& log)
      : name_(std::move(name)), log_(log) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("posix_spawn " + exe);
    stdin_ = in[1];
    reader_ = std::thread([this, fd = out[0]] {
      FILE* f = ::fdopen(fd, "r");
      char* line = nullptr;
      size_t cap = 0;
      ssize_t n;
      while ((n = ::getline(&line, &cap, f)) > 0) {
        std::string l(line, static_cast<size_t>(n));
        while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
        log_.add(name_, l);
      }
      std::free(line);
      std::fclose(f);
      log_.exited(name_);
    });
  }
  ~MemberProcess() {
    if (pid_ > 0) kill9();
    if (stdin_ >= 0) ::close(stdin_);
    if (reader_.joinable()) reader_.join();
  }
  const std::string& name() const { return name_; }

  void request_close() {
    static const char kClose[] = "close\n";
    if (stdin_ >= 0) (void)!::write(stdin_, kClose, sizeof kClose - 1);
  }
  // Waits for the process to finish after request_close(); true if it exited with status 0.
  bool wait_exit(Clock::duration timeout) {
    if (!log_.wait([&](const GroupLog& l) { return l.has_exited(name_); }, timeout)) return false;
    int status = 0;
    ::waitpid(pid_, &status, 0);  // stdout closed: the process is exiting
    pid_ = -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    log_.killed(name_, member_io::monotonic_ns());
  }

 private:
  std::string name_;
  GroupLog& log_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::thread reader_;
};

struct Variant {
  std::string implementation;  // "ours", "facade", "librdkafka", or a mix
  std::vector<std::string> member_exes;  // member A runs the first, B the second, ... (cycling)
  std::string strategy;
};

std::string variant_name(const testing::TestParamInfo<Variant>& info) {
  std::string s = info.param.implementation + "_" + info.param.strategy;
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

class GroupTest : public client_test::BrokerTest, public testing::WithParamInterface<Variant> {
 protected:
  std::map<std::string, std::string> broker_config() override {
    return {{"refbroker.log.fsync", "false"}, {"group.min.session.timeout.ms", "1000"}};
  }

  void SetUp() override {
    // A member that goes away (killed, or closing) must not take the test down with SIGPIPE when
    // the test or the in-process broker writes to it.
    ::signal(SIGPIPE, SIG_IGN);
    client_test::BrokerTest::SetUp();
    client_test::create_topic(bootstrap(), kTopic, kPartitions);
    std::string errstr;
    producer_ = kafka::client::ProducerCore::create({{"bootstrap.servers", bootstrap()}, {"linger.ms", "1"}}, {}, errstr);
    ASSERT_TRUE(producer_) << errstr;
    for (int32_t p = 0; p < kPartitions; ++p) produced_[p] = 0;
  }
  void TearDown() override {
    members_.clear();
    if (HasFailure() || std::getenv("GROUP_TEST_TRANSCRIPT")) {
      std::string lines;
      for (const auto& l : log_.transcript())
        if (l.find(": msg ") == std::string::npos || std::getenv("GROUP_TEST_TRANSCRIPT_MSGS")) lines += l + "\n";
      std::fprintf(stderr, "member transcript (msg lines left out):\n%s", lines.c_str());
    }
    producer_.reset();
    client_test::BrokerTest::TearDown();
  }

  // n messages to every partition.
  void produce(int n) {
    for (int32_t p = 0; p < kPartitions; ++p) {
      for (int i = 0; i < n; ++i) {
        std::string value = "p" + std::to_string(p) + "-" + std::to_string(produced_[p] + i);
        kafka::client::Message m;
        m.topic = kTopic;
        m.partition = p;
        m.value = kafka::as_bytes(value);
        ASSERT_EQ(producer_->produce(m), 0);
      }
      produced_[p] += n;
    }
    ASSERT_EQ(producer_->flush(20000), 0);
  }

  MemberProcess& start(const std::string& name) {
    const auto& v = GetParam();
    members_[name] = std::make_unique<MemberProcess>(
        name, v.member_exes[static_cast<size_t>(name[0] - 'A') % v.member_exes.size()],
        std::vector<std::string>{"--broker", bootstrap(), "--group", "g-" + v.strategy, "--topic", kTopic,
                                 "--strategy", v.strategy, "--session-timeout-ms", "3000"},
        log_);
    return *members_[name];
  }
  // False (and the test skips) if the member cannot run a group.
  bool started(const std::string& name) {
    bool answered = log_.wait(
        [&](const GroupLog& l) { return l.is_ready(name) || l.unsupported(name) || l.has_exited(name); }, 30s);
    EXPECT_TRUE(answered) << name << " did not start";
    return answered && log_.is_ready(name);
  }
  void wait_steady(const std::vector<std::string>& live, const char* what) {
    bool ok = log_.wait([&](const GroupLog& l) { return l.steady(live); }, 60s);
    ASSERT_TRUE(ok) << what << ": no steady state; owned: " << log_.describe();
  }
  void wait_consumed(const char* what) {
    bool ok = log_.wait([&](const GroupLog& l) { return l.consumed_all(produced_); }, 60s);
    ASSERT_TRUE(ok) << what << ": not every produced message was consumed";
  }
  // After a change settles: every partition has one owner, every message was consumed, and the
  // group's committed offsets (read back with OffsetFetch, not through a client) are the log end.
  void expect_settled(const std::vector<std::string>& live, const char* what) {
    wait_steady(live, what);
    wait_consumed(what);
    bool ok = log_.wait([&](const GroupLog& l) { return l.committed_all(produced_); }, 60s);
    ASSERT_TRUE(ok) << what << ": the members did not commit everything";
    auto committed = committed_offsets();
    for (int32_t p = 0; p < kPartitions; ++p)
      EXPECT_EQ(committed[p], produced_[p]) << what << ": committed offset of partition " << p;
  }
  std::map<int32_t, int64_t> committed_offsets() {
    client_test::RawClient raw(bootstrap());
    kafka::proto::OffsetFetchRequest req;
    req.group_id = "g-" + GetParam().strategy;
    kafka::proto::OffsetFetchRequest::OffsetFetchRequestTopic t;
    t.name = kTopic;
    for (int32_t p = 0; p < kPartitions; ++p) t.partition_indexes.push_back(p);
    req.topics->push_back(t);
    auto resp = raw.call(req, 5);
    std::map<int32_t, int64_t> out;
    EXPECT_EQ(resp.topics.size(), 1u);
    for (auto& topic : resp.topics)
      for (auto& part : topic.partitions) {
        EXPECT_EQ(part.error_code, 0);
        out[part.partition_index] = part.committed_offset;
      }
    return out;
  }
  // Partitions the given members revoked in events since `from`.
  size_t revoked_since(size_t from, const std::set<std::string>& members) {
    auto events = log_.events();
    size_t n = 0;
    for (size_t i = from; i < events.size(); ++i)
      if (events[i].kind == "revoke" && members.count(events[i].member)) n += events[i].parts.size();
    return n;
  }
  bool cooperative() const { return GetParam().strategy == "cooperative-sticky"; }

  std::unique_ptr<kafka::client::ProducerCore> producer_;
  std::map<int32_t, int64_t> produced_;
  GroupLog log_;
  std::map<std::string, std::unique_ptr<MemberProcess>> members_;
};

// In CLOCK_MONOTONIC order: a partition is given to a member ("assign") only once its previous
// owner finished revoking it ("revoked") or was killed. Returns the number of hand-overs checked.
size_t expect_revoke_before_reassign(std::vector<Event> events) {
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.ns < b.ns; });
  std::map<int32_t, std::string> owner, previous_owner;
  size_t handovers = 0;
  for (const auto& e : events) {
    if (e.kind == "assign") {
      for (int32_t p : e.parts) {
        auto it = owner.find(p);
        if (it != owner.end() && it->second != e.member) {
          ADD_FAILURE() << "partition " << p << " assigned to " << e.member << " at " << e.ns << " while "
                        << it->second << " had not finished revoking it";
        }
        if (previous_owner.count(p) && previous_owner[p] != e.member) ++handovers;
        owner[p] = e.member;
      }
    } else if (e.kind == "revoked") {
      for (int32_t p : e.parts)
        if (owner.count(p) && owner[p] == e.member) {
          owner.erase(p);
          previous_owner[p] = e.member;
        }
    } else if (e.kind == "killed") {
      for (auto it = owner.begin(); it != owner.end();) {
        if (it->second == e.member) {
          previous_owner[it->first] = e.member;
          it = owner.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  return handovers;
}

TEST_P(GroupTest, JoinLeaveAndCrashKeepOneOwnerAndLoseNothing) {
  produce(20);
  start("A");
  if (!started("A")) GTEST_SKIP() << "member cannot run a group: " << log_.unsupported("A").value_or("exited");
  start("B");
  start("C");
  ASSERT_TRUE(started("B") && started("C"));
  expect_settled({"A", "B", "C"}, "3 members");

  // A fourth member joins.
  size_t mark = log_.event_count();
  start("D");
  ASSERT_TRUE(started("D"));
  produce(20);
  expect_settled({"A", "B", "C", "D"}, "D joined");
  if (cooperative()) {
    // 6 partitions over 4 members: 2,2,1,1, so exactly one partition leaves its owner.
    EXPECT_EQ(revoked_since(mark, {"A", "B", "C"}), 1u);
  }

  // It leaves cleanly.
  mark = log_.event_count();
  members_["D"]->request_close();
  ASSERT_TRUE(members_["D"]->wait_exit(30s)) << "D did not close cleanly";
  produce(20);
  expect_settled({"A", "B", "C"}, "D left");
  if (cooperative()) {
    EXPECT_EQ(revoked_since(mark, {"A", "B", "C"}), 0u);
  }

  // C dies without a word: its partitions move after the session timeout.
  auto owned_by_c = log_.owned()["C"];
  mark = log_.event_count();
  members_["C"]->kill9();
  produce(20);
  expect_settled({"A", "B"}, "C killed");
  if (cooperative()) {
    EXPECT_EQ(revoked_since(mark, {"A", "B"}), 0u);
  }

  for (const char* m : {"A", "B"}) members_[m]->request_close();
  for (const char* m : {"A", "B"}) EXPECT_TRUE(members_[m]->wait_exit(30s)) << m << " did not close cleanly";

  // Nothing lost; duplicates only where C consumed past its last commit, or where a commit was
  // rejected.
  auto consumed = log_.consumed();
  auto may_repeat = log_.failed_commit_partitions();
  may_repeat.insert(owned_by_c.begin(), owned_by_c.end());
  for (int32_t p = 0; p < kPartitions; ++p) {
    std::map<int64_t, int> times;
    for (int64_t o : consumed[p]) ++times[o];
    for (int64_t o = 0; o < produced_[p]; ++o) {
      EXPECT_GE(times[o], 1) << "partition " << p << " offset " << o << " lost";
    }
    for (auto& [o, n] : times) {
      EXPECT_LT(o, produced_[p]);
      if (n > 1) {
        EXPECT_TRUE(may_repeat.count(p)) << "partition " << p << " offset " << o << " consumed " << n
                                         << " times without a crash or a failed commit";
      }
    }
  }

  // Closing commits nothing new: the committed offsets are still the log end.
  auto committed = committed_offsets();
  for (int32_t p = 0; p < kPartitions; ++p) EXPECT_EQ(committed[p], produced_[p]) << "partition " << p;

  // Revocation always finished before the partition was assigned elsewhere.
  size_t handovers = expect_revoke_before_reassign(log_.events());
  EXPECT_GT(handovers, 0u);
  for (const auto& e : log_.errors()) ADD_FAILURE() << "member error: " << e;
}

std::vector<Variant> variants() {
  std::vector<Variant> out;
  for (const char* strategy : {"range", "roundrobin", "cooperative-sticky"}) {
    out.push_back({"ours", {GROUP_MEMBER_OURS}, strategy});
    out.push_back({"facade", {GROUP_MEMBER_FACADE}, strategy});
#ifdef GROUP_MEMBER_RDKAFKA
    out.push_back({"librdkafka", {GROUP_MEMBER_RDKAFKA}, strategy});
    // Mixed groups: the first member to join (A) is the leader that runs the assignor (Kafka and
    // refbroker keep the first joiner as leader), so each side's assignor serves the other's
    // members and each reads the other's ConsumerProtocol bytes.
    out.push_back({"mixed_ours_leads", {GROUP_MEMBER_OURS, GROUP_MEMBER_RDKAFKA, GROUP_MEMBER_FACADE}, strategy});
    out.push_back({"mixed_librdkafka_leads", {GROUP_MEMBER_RDKAFKA, GROUP_MEMBER_OURS, GROUP_MEMBER_FACADE}, strategy});
#endif
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Members, GroupTest, testing::ValuesIn(variants()), variant_name);

}  // namespace
