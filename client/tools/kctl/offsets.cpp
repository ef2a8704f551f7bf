// kctl offsets: earliest, latest or by-timestamp offsets per partition, printed as
// kafka-get-offsets.sh (GetOffsetShell) does: "topic:partition:offset", one line each.
#include <iostream>

#include "cluster.h"

namespace kctl {
namespace {

using kafka::client::AdminMetadata;
using kafka::client::AdminResult;

int run_offsets(const Args& args) {
  std::string time = args.get_or("time", "-1");
  int64_t ts;
  if (time == "latest") ts = -1;
  else if (time == "earliest") ts = -2;
  else if (auto v = parse_int(time); v && (*v == -1 || *v == -2 || *v >= 0)) ts = *v;
  else throw UsageError("--time expects -1 (latest), -2 (earliest) or a timestamp in ms, got '" + time + "'");
  std::string iso = args.get_or("isolation-level", "read_uncommitted");
  if (iso != "read_uncommitted" && iso != "read_committed")
    throw UsageError("--isolation-level expects read_uncommitted or read_committed");
  std::vector<int32_t> only;
  if (auto p = args.get("partitions")) only = parse_partitions(*p, "partitions");
  auto topic = args.get("topic");

  Deadline d(args.timeout_ms());
  auto admin = connect_admin(args);
  std::vector<std::string> one;
  if (topic) one.push_back(*topic);
  AdminMetadata md;
  if (AdminResult r = admin->metadata(topic ? &one : nullptr, md, d.left_ms())) fail("cannot read the metadata", r);
  std::vector<kafka::client::TopicPartitionOffset> asked;
  for (auto& t : md.topics) {
    if (t.err == 3 && topic) throw CommandError("Topic '" + t.name + "' does not exist");
    if (t.err) continue;
    if (t.internal && !topic) continue;
    for (auto& p : t.partitions)
      if (only.empty() || std::find(only.begin(), only.end(), p.id) != only.end()) {
        kafka::client::TopicPartitionOffset o;
        o.topic = t.name;
        o.partition = p.id;
        o.offset = ts;
        asked.push_back(o);
      }
  }
  if (asked.empty()) {
    if (topic) throw CommandError("no partition of " + *topic + " matches --partitions");
    return 0;
  }
  if (AdminResult r = admin->list_offsets(asked, iso == "read_committed" ? 1 : 0, d.left_ms()))
    fail("cannot list offsets", r);
  int rc = 0;
  for (auto& o : asked) {
    if (o.err) {
      std::cerr << "kctl offsets: " << o.topic << ":" << o.partition << ": " << AdminResult{o.err, ""}.describe() << "\n";
      rc = 1;
      continue;
    }
    // No record at or after the timestamp: GetOffsetShell prints nothing after the colon.
    std::cout << o.topic << ":" << o.partition << ":" << (o.offset >= 0 ? std::to_string(o.offset) : "") << "\n";
  }
  return rc;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "offsets",
    "earliest, latest or by-time offsets per partition (kafka-get-offsets)",
    "[--topic T] [--partitions P,P] [--time -1|-2|MS]",
    {
        {"topic", "T", "the topic (default: every non-internal topic)"},
        {"partitions", "P[,P...]", "only these partitions"},
        {"time", "-1|-2|MS", "-1 or latest (default), -2 or earliest, or a timestamp: the first offset at or after it"},
        {"isolation-level", "LEVEL", "read_uncommitted (default) or read_committed (latest = last stable offset)"},
    },
    true,
    &run_offsets,
});

}  // namespace kctl
