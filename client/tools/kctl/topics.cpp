// kctl topics: create, list, describe, alter (grow partitions) and delete topics, printing what
// kafka-topics.sh prints.
#include <iostream>

#include "cluster.h"

namespace kctl {
namespace {

using kafka::client::AdminClient;
using kafka::client::AdminMetadata;
using kafka::client::AdminResult;
using kafka::client::AdminTopic;

constexpr int kUnknownTopic = 3;       // UNKNOWN_TOPIC_OR_PARTITION
constexpr int kInvalidPartitions = 37;  // INVALID_PARTITIONS

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
  return s;
}

// Metadata of one topic; nullptr when it does not exist.
const AdminTopic* find_topic(const AdminMetadata& md, const std::string& name) {
  for (auto& t : md.topics)
    if (t.name == name && t.err != kUnknownTopic) return &t;
  return nullptr;
}

AdminMetadata topic_metadata(AdminClient& admin, const std::vector<std::string>* names, const Deadline& d) {
  AdminMetadata md;
  if (AdminResult r = admin.metadata(names, md, d.left_ms())) fail("cannot read the cluster's metadata", r);
  return md;
}

void print_description(AdminClient& admin, const AdminTopic& t, const Deadline& d) {
  std::vector<kafka::client::AdminConfigResource> res(1);
  res[0].name = t.name;
  std::string configs;
  AdminResult r = admin.describe_configs(res, d.left_ms());
  if (r) fail("cannot describe the configs of " + t.name, r);
  if (!res[0].result) {
    // As kafka-topics: the configs set on the topic itself (DYNAMIC_TOPIC_CONFIG).
    for (auto& e : res[0].entries)
      if (e.source == 1) configs += (configs.empty() ? "" : ",") + e.name + "=" + (e.sensitive ? "" : e.value.value_or(""));
  }
  size_t rf = t.partitions.empty() ? 0 : t.partitions[0].replicas.size();
  std::cout << "Topic: " << t.name << "\tTopicId: " << (t.topic_id.empty() ? "-" : t.topic_id)
            << "\tPartitionCount: " << t.partitions.size() << "\tReplicationFactor: " << rf << "\tConfigs: " << configs
            << "\n";
  for (auto& p : t.partitions) {
    std::cout << "\tTopic: " << t.name << "\tPartition: " << p.id
              << "\tLeader: " << (p.leader >= 0 ? std::to_string(p.leader) : "none")
              << "\tReplicas: " << join_ids(p.replicas) << "\tIsr: " << join_ids(p.isrs) << "\n";
  }
}

int run_topics(const Args& args) {
  const char* actions[] = {"create", "list", "describe", "alter", "delete"};
  std::string action;
  for (const char* a : actions)
    if (args.has(a)) {
      if (!action.empty()) throw UsageError("--" + action + " and --" + a + " cannot be combined");
      action = a;
    }
  if (action.empty()) throw UsageError("one of --create, --list, --describe, --alter, --delete is required");
  auto topic = args.get("topic");
  if ((action == "create" || action == "alter" || action == "delete") && !topic)
    throw UsageError("--" + action + " needs --topic");
  if (args.has("if-not-exists") && action != "create") throw UsageError("--if-not-exists goes with --create");
  if (args.has("if-exists") && action != "alter" && action != "delete" && action != "describe")
    throw UsageError("--if-exists goes with --alter, --delete or --describe");
  if (args.has("replication-factor") && action != "create")
    throw UsageError("--replication-factor goes with --create");
  if (!args.all("config").empty() && action != "create") throw UsageError("--config goes with --create");
  if (args.has("partitions") && action != "create" && action != "alter")
    throw UsageError("--partitions goes with --create or --alter");
  if (action == "alter" && !args.has("partitions")) throw UsageError("--alter needs --partitions");
  int64_t partitions = args.get_int("partitions", -1, 1, INT32_MAX);
  int64_t rf = args.get_int("replication-factor", -1, 1, INT16_MAX);
  std::vector<std::pair<std::string, std::string>> configs;
  for (auto& c : args.all("config")) configs.push_back(split_kv(c, "config"));

  Deadline d(args.timeout_ms());
  auto admin = connect_admin(args);

  if (action == "list") {
    AdminMetadata md = topic_metadata(*admin, nullptr, d);
    for (auto& t : md.topics)
      if (!t.err && (!topic || t.name == *topic)) std::cout << t.name << "\n";
    return 0;
  }
  if (action == "describe") {
    std::vector<std::string> one;
    if (topic) one.push_back(*topic);
    AdminMetadata md = topic_metadata(*admin, topic ? &one : nullptr, d);
    if (topic && !find_topic(md, *topic)) {
      if (args.has("if-exists")) return 0;
      throw CommandError("Topic '" + *topic + "' does not exist as expected");
    }
    for (auto& t : md.topics) {
      if (t.err == kUnknownTopic) continue;
      if (t.err) throw CommandError("topic " + t.name + ": " + AdminResult{t.err, ""}.describe());
      print_description(*admin, t, d);
    }
    return 0;
  }
  if (action == "create") {
    kafka::client::AdminNewTopic nt{*topic, static_cast<int32_t>(partitions), static_cast<int16_t>(rf), configs};
    std::vector<AdminResult> results;
    if (AdminResult r = admin->create_topics({nt}, results, d.left_ms())) fail("cannot create topic " + *topic, r);
    if (results[0]) {
      if (results[0].code == 36 && args.has("if-not-exists")) return 0;  // TOPIC_ALREADY_EXISTS
      fail("cannot create topic " + *topic, results[0]);
    }
    std::cout << "Created topic " << *topic << ".\n";
    return 0;
  }
  // alter, delete: the topic must exist.
  std::vector<std::string> one{*topic};
  AdminMetadata md = topic_metadata(*admin, &one, d);
  const AdminTopic* t = find_topic(md, *topic);
  if (!t) {
    if (args.has("if-exists")) return 0;
    throw CommandError("Topic '" + *topic + "' does not exist as expected");
  }
  if (action == "alter") {
    size_t current = t->partitions.size();
    if (partitions <= static_cast<int64_t>(current))
      throw UsageError("The number of partitions for a topic can only be increased. Topic " + *topic +
                       " currently has " + std::to_string(current) + " partitions, " + std::to_string(partitions) +
                       " would not be an increase.");
    std::vector<AdminResult> results;
    if (AdminResult r = admin->create_partitions({{*topic, static_cast<int32_t>(partitions)}}, results, d.left_ms()))
      fail("cannot add partitions to " + *topic, r);
    if (results[0].code == kInvalidPartitions) throw UsageError(results[0].describe());
    if (results[0]) fail("cannot add partitions to " + *topic, results[0]);
    return 0;
  }
  std::vector<AdminResult> results;
  if (AdminResult r = admin->delete_topics({*topic}, results, d.left_ms())) fail("cannot delete topic " + *topic, r);
  if (results[0]) {
    if (results[0].code == kUnknownTopic && args.has("if-exists")) return 0;
    fail("cannot delete topic " + *topic, results[0]);
  }
  return 0;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "topics",
    "create, list, describe, alter and delete topics (kafka-topics)",
    "--create|--list|--describe|--alter|--delete [--topic T] [options]",
    {
        {"create", "", "create --topic"},
        {"list", "", "list topic names"},
        {"describe", "", "partitions, leaders, replicas, ISR and configs (of --topic, else every topic)"},
        {"alter", "", "grow --topic to --partitions (partitions can only be added)"},
        {"delete", "", "delete --topic"},
        {"topic", "T", "the topic"},
        {"partitions", "N", "partition count (--create: default the broker's num.partitions)"},
        {"replication-factor", "R", "replicas per partition (--create: default the broker's)"},
        {"config", "KEY=VALUE", "topic config for --create", true},
        {"if-exists", "", "--alter/--delete/--describe: do nothing when the topic does not exist"},
        {"if-not-exists", "", "--create: do nothing when the topic exists"},
    },
    true,
    &run_topics,
});

}  // namespace kctl
