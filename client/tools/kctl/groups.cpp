// kctl groups: list, describe (offsets and lag, members, state), reset offsets and delete consumer
// groups, printing what kafka-consumer-groups.sh prints.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <set>

#include "cluster.h"

namespace kctl {
namespace {

using kafka::client::AdminClient;
using kafka::client::AdminGroup;
using kafka::client::AdminResult;
using kafka::client::TopicPartitionOffset;
using TP = std::pair<std::string, int32_t>;

constexpr int kUnknownTopic = 3;

// printf-style left-aligned columns: widths[i] < 0 means the last, unpadded column.
std::string row(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    std::string c = cells[i];
    if (i + 1 < cells.size() && c.size() < widths[i]) c.resize(widths[i], ' ');
    out += (i ? " " : "") + c;
  }
  return out;
}

std::string dash(int64_t v) { return v >= 0 ? std::to_string(v) : "-"; }

AdminGroup describe_one(AdminClient& admin, const std::string& group, const Deadline& d) {
  std::vector<AdminGroup> out;
  if (AdminResult r = admin.describe_groups({group}, out, d.left_ms())) fail("cannot describe group " + group, r);
  if (out[0].result) fail("cannot describe group " + group, out[0].result);
  return out[0];
}

std::map<TP, int64_t> committed_offsets(AdminClient& admin, const std::string& group, const Deadline& d) {
  std::vector<TopicPartitionOffset> offs;
  if (AdminResult r = admin.list_group_offsets(group, offs, d.left_ms()))
    fail("cannot fetch the offsets of group " + group, r);
  std::map<TP, int64_t> out;
  for (auto& o : offs)
    if (!o.err && o.offset >= 0) out[{o.topic, o.partition}] = o.offset;
  return out;
}

// ListOffsets for each partition at `spec` (-2, -1 or a timestamp); missing answers are -1.
std::map<TP, int64_t> offsets_at(AdminClient& admin, const std::set<TP>& parts, int64_t spec, const Deadline& d) {
  std::map<TP, int64_t> out;
  if (parts.empty()) return out;
  std::vector<TopicPartitionOffset> asked;
  for (auto& [t, p] : parts) {
    TopicPartitionOffset o;
    o.topic = t;
    o.partition = p;
    o.offset = spec;
    asked.push_back(o);
  }
  if (AdminResult r = admin.list_offsets(asked, 0, d.left_ms())) fail("cannot list offsets", r);
  for (auto& o : asked) out[{o.topic, o.partition}] = o.err ? -1 : o.offset;
  return out;
}

// "does not exist" / "has no active members" / "is rebalancing", as kafka-consumer-groups says
// before (or instead of) a table. Returns false when there is nothing more to print.
bool print_state_note(const AdminGroup& g, bool members_view) {
  if (g.state == "Dead") throw CommandError("Consumer group '" + g.group_id + "' does not exist.");
  if (g.state == "Empty") {
    std::cerr << "\nConsumer group '" << g.group_id << "' has no active members.\n";
    return !members_view;
  }
  if (g.state == "PreparingRebalance" || g.state == "CompletingRebalance")
    std::cerr << "\nWarning: Consumer group '" << g.group_id << "' is rebalancing.\n";
  return true;
}

void describe_offsets(AdminClient& admin, const AdminGroup& g, const Deadline& d) {
  if (!print_state_note(g, false)) {
    // Empty groups still show their committed offsets.
  }
  auto committed = committed_offsets(admin, g.group_id, d);
  struct Row {
    TP tp;
    const kafka::client::AdminGroupMember* member;
  };
  std::vector<Row> rows;
  std::set<TP> all, assigned;
  for (auto& m : g.members)
    for (auto& tp : m.assignment) {
      rows.push_back({tp, &m});
      assigned.insert(tp);
      all.insert(tp);
    }
  for (auto& [tp, off] : committed)
    if (!assigned.count(tp)) {
      rows.push_back({tp, nullptr});
      all.insert(tp);
    }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.tp < b.tp; });
  auto leo = offsets_at(admin, all, -1, d);
  std::vector<std::vector<std::string>> cells;
  for (auto& r : rows) {
    auto c = committed.find(r.tp);
    int64_t cur = c == committed.end() ? -1 : c->second;
    int64_t end = leo.count(r.tp) ? leo[r.tp] : -1;
    int64_t lag = cur >= 0 && end >= 0 ? std::max<int64_t>(0, end - cur) : -1;
    cells.push_back({g.group_id, r.tp.first, std::to_string(r.tp.second), dash(cur), dash(end), dash(lag),
                     r.member ? r.member->member_id : "-", r.member ? r.member->client_host : "-",
                     r.member ? r.member->client_id : "-"});
  }
  for (auto& m : g.members)
    if (m.assignment.empty())
      cells.push_back({g.group_id, "-", "-", "-", "-", "-", m.member_id, m.client_host, m.client_id});
  // Column widths as kafka-consumer-groups: at least 15 for group, topic, consumer id and host.
  std::vector<size_t> w{15, 15, 10, 15, 15, 15, 15, 15, 0};
  for (auto& c : cells)
    for (size_t i : {0, 1, 6, 7}) w[i] = std::max(w[i], c[i].size());
  std::cout << "\n"
            << row({"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST",
                    "CLIENT-ID"},
                   w)
            << "\n";
  for (auto& c : cells) std::cout << row(c, w) << "\n";
}

void describe_members(const AdminGroup& g) {
  if (!print_state_note(g, true)) return;
  std::vector<size_t> w{15, 15, 15, 15, 0};
  for (auto& m : g.members) {
    w[1] = std::max(w[1], m.member_id.size());
    w[2] = std::max(w[2], m.client_host.size());
    w[3] = std::max(w[3], m.client_id.size());
  }
  w[0] = std::max(w[0], g.group_id.size());
  std::cout << "\n" << row({"GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"}, w) << "\n";
  for (auto& m : g.members)
    std::cout << row({g.group_id, m.member_id, m.client_host, m.client_id, std::to_string(m.assignment.size())}, w)
              << "\n";
}

void describe_state(AdminClient& admin, const AdminGroup& g, const Deadline& d) {
  if (g.state == "Dead") throw CommandError("Consumer group '" + g.group_id + "' does not exist.");
  kafka::client::AdminMetadata md;
  std::vector<std::string> none;
  if (AdminResult r = admin.metadata(&none, md, d.left_ms())) fail("cannot read the metadata", r);
  std::string coord = "(" + std::to_string(g.coordinator) + ")";
  for (auto& b : md.brokers)
    if (b.id == g.coordinator) coord = b.host + ":" + std::to_string(b.port) + "  " + coord;
  std::vector<size_t> w{std::max<size_t>(15, g.group_id.size()), 25, 20, 15, 0};
  std::cout << "\n" << row({"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"}, w) << "\n";
  std::cout << row({g.group_id, coord, g.protocol, g.state, std::to_string(g.members.size())}, w) << "\n";
}

// YYYY-MM-DDTHH:mm:SS[.sss][Z|+hh:mm|-hh:mm]; no zone means local time, as Kafka's tools.
int64_t parse_datetime(const std::string& s) {
  int Y, M, D, h, m, sec, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &used) != 6 || used != 19)
    throw UsageError("--to-datetime expects YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm], got '" + s + "'");
  size_t i = 19;
  int ms = 0;
  if (i < s.size() && s[i] == '.') {
    size_t j = i + 1;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j - i - 1 != 3) throw UsageError("--to-datetime: milliseconds need 3 digits in '" + s + "'");
    ms = std::stoi(s.substr(i + 1, 3));
    i = j;
  }
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
    throw UsageError("--to-datetime: '" + s + "' is not a valid date and time");
  int64_t epoch;
  if (i == s.size()) {
    tm.tm_isdst = -1;
    epoch = static_cast<int64_t>(std::mktime(&tm));
  } else {
    int64_t off = 0;
    if (s.substr(i) == "Z") {
      off = 0;
    } else {
      int oh, om;
      char sign = s[i];
      if ((sign != '+' && sign != '-') || s.size() != i + 6 || s[i + 3] != ':' ||
          std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) != 2)
        throw UsageError("--to-datetime: bad time zone in '" + s + "' (Z, +hh:mm or -hh:mm)");
      off = (oh * 3600 + om * 60) * (sign == '+' ? 1 : -1);
    }
    epoch = static_cast<int64_t>(timegm(&tm)) - off;
  }
  return epoch * 1000 + ms;
}

int reset_offsets(AdminClient& admin, const Args& args, const std::string& group, const Deadline& d) {
  const char* scenarios[] = {"to-earliest", "to-latest", "to-offset", "to-datetime", "shift-by"};
  std::string scenario;
  for (const char* s : scenarios)
    if (args.has(s)) {
      if (!scenario.empty()) throw UsageError("--" + scenario + " and --" + s + " cannot be combined");
      scenario = s;
    }
  if (scenario.empty())
    throw UsageError("--reset-offsets needs one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by");
  auto topics = args.all("topic");
  if (topics.empty() == !args.has("all-topics")) throw UsageError("--reset-offsets needs --topic or --all-topics (one of them)");
  if (args.has("execute") && args.has("dry-run")) throw UsageError("--execute and --dry-run cannot be combined");
  int64_t to_offset = scenario == "to-offset" ? args.get_int("to-offset", 0, 0) : 0;
  int64_t shift = scenario == "shift-by" ? args.get_int("shift-by", 0) : 0;
  int64_t when = scenario == "to-datetime" ? parse_datetime(*args.get("to-datetime")) : 0;
  // Topic specs: T (every partition) or T:P,P.
  std::vector<std::pair<std::string, std::vector<int32_t>>> specs;
  for (auto& t : topics) {
    auto colon = t.find(':');
    if (colon == 0) throw UsageError("--topic expects T or T:P,P, got '" + t + "'");
    if (colon == std::string::npos) specs.push_back({t, {}});
    else specs.push_back({t.substr(0, colon), parse_partitions(t.substr(colon + 1), "topic")});
  }
  if (!args.has("execute") && !args.has("dry-run"))
    std::cerr << "WARN: No action will be performed as the --execute option is missing. In a future major release, "
                 "the default behavior of this command will be to prompt the user before executing the reset "
                 "rather than doing a dry run. You should add the --dry-run option explicitly if you are "
                 "scripting this command and want to keep the current default behavior without prompting.\n";

  AdminGroup g = describe_one(admin, group, d);
  if (g.state != "Empty" && g.state != "Dead")
    throw CommandError("Assignments can only be reset if the group '" + group +
                       "' is inactive, but the current state is " + g.state + ".");
  auto committed = committed_offsets(admin, group, d);
  std::set<TP> parts;
  if (args.has("all-topics")) {
    for (auto& [tp, off] : committed) parts.insert(tp);
  } else {
    std::vector<std::string> names;
    for (auto& s : specs) names.push_back(s.first);
    kafka::client::AdminMetadata md;
    if (AdminResult r = admin.metadata(&names, md, d.left_ms())) fail("cannot read the metadata", r);
    for (auto& [name, only] : specs) {
      const kafka::client::AdminTopic* t = nullptr;
      for (auto& x : md.topics)
        if (x.name == name && x.err != kUnknownTopic) t = &x;
      if (!t) throw CommandError("Topic '" + name + "' does not exist");
      for (auto& p : t->partitions)
        if (only.empty() || std::find(only.begin(), only.end(), p.id) != only.end()) parts.insert({name, p.id});
      for (int32_t p : only)
        if (!parts.count({name, p})) throw CommandError("Topic '" + name + "' has no partition " + std::to_string(p));
    }
  }
  auto earliest = offsets_at(admin, parts, -2, d);
  auto latest = offsets_at(admin, parts, -1, d);
  std::map<TP, int64_t> target;
  if (scenario == "to-datetime") {
    auto at = offsets_at(admin, parts, when, d);
    for (auto& tp : parts) target[tp] = at[tp] >= 0 ? at[tp] : latest[tp];
  }
  for (auto& tp : parts) {
    int64_t lo = earliest[tp], hi = latest[tp], v = 0;
    if (scenario == "to-earliest") v = lo;
    else if (scenario == "to-latest") v = hi;
    else if (scenario == "to-offset") v = to_offset;
    else if (scenario == "to-datetime") v = target[tp];
    else {
      auto c = committed.find(tp);
      if (c == committed.end())
        throw CommandError("Cannot shift the offset of " + tp.first + "-" + std::to_string(tp.second) +
                           ": the group has no committed offset there");
      v = c->second + shift;
    }
    // As Kafka: offsets outside the log are moved to its nearest end.
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    target[tp] = v;
  }
  if (args.has("execute")) {
    std::vector<TopicPartitionOffset> commit;
    for (auto& [tp, v] : target) {
      TopicPartitionOffset o;
      o.topic = tp.first;
      o.partition = tp.second;
      o.offset = v;
      commit.push_back(o);
    }
    if (AdminResult r = admin.alter_group_offsets(group, commit, d.left_ms()))
      fail("cannot commit the offsets of group " + group, r);
    for (auto& o : commit)
      if (o.err)
        fail("cannot commit the offset of " + o.topic + "-" + std::to_string(o.partition), AdminResult{o.err, ""});
  }
  std::vector<size_t> w{30, 30, 10, 15};
  std::cout << "\n" << row({"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"}, w) << "\n";
  for (auto& [tp, v] : target) std::cout << row({group, tp.first, std::to_string(tp.second), std::to_string(v)}, w) << "\n";
  return 0;
}

int run_groups(const Args& args) {
  const char* actions[] = {"list", "describe", "reset-offsets", "delete"};
  std::string action;
  for (const char* a : actions)
    if (args.has(a)) {
      if (!action.empty()) throw UsageError("--" + action + " and --" + a + " cannot be combined");
      action = a;
    }
  if (action.empty()) throw UsageError("one of --list, --describe, --reset-offsets, --delete is required");
  auto groups = args.all("group");
  if (action != "list" && groups.empty()) throw UsageError("--" + action + " needs --group");
  if (action == "reset-offsets" && groups.size() != 1) throw UsageError("--reset-offsets takes one --group");
  if (args.has("members") + args.has("state") + args.has("offsets") > 1)
    throw UsageError("--members, --state and --offsets cannot be combined");
  if ((args.has("members") || args.has("offsets")) && action != "describe")
    throw UsageError("--members and --offsets go with --describe");
  if (args.has("state") && action != "describe" && action != "list")
    throw UsageError("--state goes with --describe or --list");
  for (const char* o : {"topic", "all-topics", "to-earliest", "to-latest", "to-offset", "to-datetime", "shift-by",
                        "execute", "dry-run"})
    if (args.has(o) && action != "reset-offsets") throw UsageError(std::string("--") + o + " goes with --reset-offsets");

  Deadline d(args.timeout_ms());
  auto admin = connect_admin(args);
  if (action == "list") {
    std::vector<kafka::client::AdminGroupListing> out;
    if (AdminResult r = admin->list_groups(out, d.left_ms())) fail("cannot list groups", r);
    if (!args.has("state")) {
      for (auto& g : out) std::cout << g.group_id << "\n";
      return 0;
    }
    std::vector<size_t> w{15, 0};
    for (auto& g : out) w[0] = std::max(w[0], g.group_id.size());
    std::cout << row({"GROUP", "STATE"}, w) << "\n";
    for (auto& g : out) std::cout << row({g.group_id, g.state.empty() ? "-" : g.state}, w) << "\n";
    return 0;
  }
  if (action == "reset-offsets") return reset_offsets(*admin, args, groups[0], d);
  if (action == "delete") {
    std::vector<AdminResult> results;
    if (AdminResult r = admin->delete_groups(groups, results, d.left_ms())) fail("cannot delete groups", r);
    std::string ok, failed;
    for (size_t i = 0; i < groups.size(); ++i) {
      if (results[i]) failed += "* Group '" + groups[i] + "' could not be deleted due to: " + results[i].describe() + "\n";
      else ok += (ok.empty() ? "'" : ", '") + groups[i] + "'";
    }
    if (!ok.empty()) std::cout << "Deletion of requested consumer groups (" << ok << ") was successful.\n";
    if (!failed.empty()) {
      std::cerr << "Deletion of some consumer groups failed:\n" << failed;
      return 1;
    }
    return 0;
  }
  for (auto& group : groups) {
    AdminGroup g = describe_one(*admin, group, d);
    if (args.has("members")) describe_members(g);
    else if (args.has("state")) describe_state(*admin, g, d);
    else describe_offsets(*admin, g, d);
  }
  return 0;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "groups",
    "list, describe, reset offsets of and delete consumer groups (kafka-consumer-groups)",
    "--list [--state] | --describe --group G [--members|--state] | --reset-offsets --group G SCOPE SCENARIO "
    "[--execute] | --delete --group G",
    {
        {"list", "", "list the groups of every broker"},
        {"describe", "", "offsets and lag per partition (default), or --members, or --state"},
        {"reset-offsets", "", "compute new committed offsets (dry run unless --execute); the group must be empty"},
        {"delete", "", "delete the group (it must be empty)"},
        {"group", "G", "the group", true},
        {"members", "", "--describe: the members and their partition counts"},
        {"state", "", "--describe: coordinator, assignor, state, member count; --list: each group's state"},
        {"offsets", "", "--describe: the offsets table (the default)"},
        {"topic", "T[:P,P]", "--reset-offsets: a topic, or some of its partitions", true},
        {"all-topics", "", "--reset-offsets: every topic the group has offsets for"},
        {"to-earliest", "", "reset to the log start"},
        {"to-latest", "", "reset to the log end"},
        {"to-offset", "N", "reset to offset N (kept within the log)"},
        {"to-datetime", "DATETIME", "reset to the first offset at or after YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]"},
        {"shift-by", "N", "move the committed offsets by N (may be negative; kept within the log)"},
        {"execute", "", "commit the new offsets"},
        {"dry-run", "", "only print the new offsets (the default)"},
    },
    true,
    &run_groups,
});

}  // namespace kctl
