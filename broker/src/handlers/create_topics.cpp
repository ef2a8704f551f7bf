// CreateTopics (19): v2-v7 (Kafka 4 removed v0-1). One broker: replication factor must be -1 or 1.
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_create_topics(RequestContext& ctx);
extern const HandlerInfo kCreateTopicsHandler{proto::ApiKey::CreateTopics, 2, 7, &handle_create_topics};

boost::asio::awaitable<void> handle_create_topics(RequestContext& ctx) {
  auto req = ctx.decode<proto::CreateTopicsRequest>();
  proto::CreateTopicsResponse resp;
  for (auto& t : req.topics) {
    auto& r = resp.topics.emplace_back();
    r.name = t.name;
    r.error_message.reset();
    storage::ConfigMap configs;
    for (auto& c : t.configs)
      if (c.value) configs[c.name] = *c.value;
    if (!ctx.authorized(AclOperation::Create, ResourceType::Cluster, kClusterName) &&
        !ctx.authorized(AclOperation::Create, ResourceType::Topic, t.name)) {
      r.error_code = kafka::code(Error::TOPIC_AUTHORIZATION_FAILED);
      r.error_message = "Authorization failed.";
      continue;
    }
    if (!t.assignments.empty()) {
      r.error_code = kafka::code(Error::INVALID_REQUEST);
      r.error_message = "Manual replica assignment is not supported by refbroker";
      continue;
    }
    auto result = ctx.broker.create_topic(t.name, t.num_partitions, t.replication_factor, configs, req.validate_only);
    r.error_code = kafka::code(result.error);
    if (!result.message.empty()) r.error_message = result.message;
    if (result.error == Error::NONE) {
      r.num_partitions = t.num_partitions > 0 ? t.num_partitions : ctx.broker.default_partitions();
      r.replication_factor = 1;
      if (auto cfg = ctx.broker.topic_config(t.name); cfg || req.validate_only) {
        auto all = (cfg ? *cfg : ctx.broker.default_log_config()).to_topic_configs();
        r.configs.emplace();
        for (auto& [k, v] : all) {
          proto::CreateTopicsResponse::CreatableTopicConfigs c;
          c.name = k;
          c.value = v;
          c.config_source = configs.count(k) ? 1 : 5;  // TOPIC_CONFIG or DEFAULT_CONFIG
          r.configs->push_back(std::move(c));
        }
      }
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
