// DescribeConfigs (32): v1-v4 (Kafka 4 removed v0). Topics (resource type 2) report their effective
// log configs; the broker (type 4) reports its server properties.
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_describe_configs(RequestContext& ctx);
extern const HandlerInfo kDescribeConfigsHandler{proto::ApiKey::DescribeConfigs, 1, 4, &handle_describe_configs};

namespace {
constexpr int8_t kTopic = 2, kBroker = 4;
constexpr int8_t kSourceTopic = 1, kSourceStaticBroker = 4, kSourceDefault = 5;

void add_entry(proto::DescribeConfigsResponse::DescribeConfigsResult& r, const std::optional<std::vector<std::string>>& keys,
               const std::string& name, const std::string& value, int8_t source, int16_t version) {
  if (keys && std::find(keys->begin(), keys->end(), name) == keys->end()) return;
  auto& c = r.configs.emplace_back();
  c.name = name;
  c.value = value;
  c.config_source = source;
  c.is_default = source == kSourceDefault;
  c.read_only = r.resource_type == kBroker;
  c.documentation.reset();
  (void)version;
}
}  // namespace

boost::asio::awaitable<void> handle_describe_configs(RequestContext& ctx) {
  auto req = ctx.decode<proto::DescribeConfigsRequest>();
  proto::DescribeConfigsResponse resp;
  for (auto& res : req.resources) {
    auto& r = resp.results.emplace_back();
    r.resource_type = res.resource_type;
    r.resource_name = res.resource_name;
    r.error_message.reset();
    if (res.resource_type == kTopic && !ctx.authorized(AclOperation::DescribeConfigs, ResourceType::Topic, res.resource_name)) {
      r.error_code = kafka::code(Error::TOPIC_AUTHORIZATION_FAILED);
      continue;
    }
    if (res.resource_type == kBroker && !ctx.authorized(AclOperation::DescribeConfigs, ResourceType::Cluster, kClusterName)) {
      r.error_code = kafka::code(Error::CLUSTER_AUTHORIZATION_FAILED);
      continue;
    }
    if (res.resource_type == kTopic) {
      auto cfg = ctx.broker.topic_config(res.resource_name);
      if (!cfg) {
        r.error_code = kafka::code(Error::UNKNOWN_TOPIC_OR_PARTITION);
        r.error_message = "Topic " + res.resource_name + " does not exist";
        continue;
      }
      auto defaults = ctx.broker.default_log_config().to_topic_configs();
      for (auto& [k, v] : cfg->to_topic_configs()) {
        auto d = defaults.find(k);
        add_entry(r, res.configuration_keys, k, v, d != defaults.end() && d->second == v ? kSourceDefault : kSourceTopic,
                  ctx.version());
      }
    } else if (res.resource_type == kBroker) {
      if (res.resource_name != std::to_string(ctx.broker.node_id()) && !res.resource_name.empty()) {
        r.error_code = kafka::code(Error::INVALID_REQUEST);
        r.error_message = "Unexpected broker id, expected " + std::to_string(ctx.broker.node_id());
        continue;
      }
      for (auto& [k, v] : ctx.broker.config().values())
        add_entry(r, res.configuration_keys, k, v, kSourceStaticBroker, ctx.version());
    } else {
      r.error_code = kafka::code(Error::INVALID_REQUEST);
      r.error_message = "Unsupported resource type " + std::to_string(res.resource_type);
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
