// kctl configs: DescribeConfigs for topics and brokers, printed as kafka-configs.sh --describe.
#include <iostream>

#include "cluster.h"

namespace kctl {
namespace {

using kafka::client::AdminConfigResource;
using kafka::client::AdminResult;

const char* source_name(int8_t s) {
  switch (s) {
    case 1: return "DYNAMIC_TOPIC_CONFIG";
    case 2: return "DYNAMIC_BROKER_CONFIG";
    case 3: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case 4: return "STATIC_BROKER_CONFIG";
    case 5: return "DEFAULT_CONFIG";
    case 6: return "DYNAMIC_BROKER_LOGGER_CONFIG";
    case 7: return "CLIENT_METRICS_CONFIG";
    case 8: return "GROUP_CONFIG";
    default: return "UNKNOWN";
  }
}

int run_configs(const Args& args) {
  if (!args.has("describe")) throw UsageError("--describe is required (kctl configs only describes)");
  std::string type = args.required("entity-type");
  if (type != "topics" && type != "brokers") throw UsageError("--entity-type expects topics or brokers, got '" + type + "'");
  auto name = args.get("entity-name");
  if (type == "brokers" && !name) throw UsageError("--entity-type brokers needs --entity-name (a broker id)");
  if (type == "brokers" && !parse_int(*name)) throw UsageError("--entity-name for brokers is a broker id, got '" + *name + "'");
  bool all = args.has("all");

  Deadline d(args.timeout_ms());
  auto admin = connect_admin(args);
  std::vector<AdminConfigResource> res;
  if (name) {
    res.push_back({type == "topics" ? AdminConfigResource::kTopic : AdminConfigResource::kBroker, *name, {}, {}});
  } else {
    kafka::client::AdminMetadata md;
    if (AdminResult r = admin->metadata(nullptr, md, d.left_ms())) fail("cannot read the metadata", r);
    for (auto& t : md.topics)
      if (!t.err) res.push_back({AdminConfigResource::kTopic, t.name, {}, {}});
  }
  if (AdminResult r = admin->describe_configs(res, d.left_ms())) fail("cannot describe configs", r);
  int rc = 0;
  for (auto& r : res) {
    const char* what = r.type == AdminConfigResource::kTopic ? "topic" : "broker";
    if (r.result) {
      std::cerr << "kctl configs: " << what << " " << r.name << ": " << r.result.describe() << "\n";
      rc = 1;
      continue;
    }
    // Without --all, as kafka-configs: only what was set dynamically (topic overrides).
    std::cout << (all ? "All" : "Dynamic") << " configs for " << what << " " << r.name << " are:\n";
    for (auto& e : r.entries) {
      bool dynamic = e.source == 1 || e.source == 2 || e.source == 3 || e.source == 6;
      if (!all && !dynamic) continue;
      std::string value = e.sensitive ? "null" : e.value.value_or("null");
      std::cout << "  " << e.name << "=" << value << " sensitive=" << (e.sensitive ? "true" : "false")
                << " synonyms={" << source_name(e.source) << ":" << e.name << "=" << value << "}\n";
    }
  }
  return rc;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "configs",
    "describe topic and broker configs (kafka-configs --describe)",
    "--describe --entity-type topics|brokers [--entity-name X] [--all]",
    {
        {"describe", "", "describe the configs (the only action)"},
        {"entity-type", "topics|brokers", "what to describe"},
        {"entity-name", "X", "topic name or broker id (topics: default every topic)"},
        {"all", "", "every config, not only the dynamic (overridden) ones"},
    },
    true,
    &run_configs,
});

}  // namespace kctl
