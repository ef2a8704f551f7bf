// Metadata (3): v0-v12. One broker leads every partition. Unknown topics are created when both
// auto.create.topics.enable and the request allow it (v4+ has the flag; older versions always ask).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_metadata(RequestContext& ctx);
extern const HandlerInfo kMetadataHandler{proto::ApiKey::Metadata, 0, 12, &handle_metadata};

static void describe_topic(BrokerState& b, const std::string& name, proto::MetadataResponse::MetadataResponseTopic& t) {
  t.name = name;
  auto count = b.partition_count(name);
  if (!count) {
    t.error_code = kafka::code(kafka::Error::UNKNOWN_TOPIC_OR_PARTITION);
    return;
  }
  // v10+: the id kept in the topic's metadata file (Fetch stays below v13, so clients still
  // fetch by name).
  if (auto id = b.topic_id(name)) t.topic_id = *id;
  for (int32_t p = 0; p < *count; ++p) {
    proto::MetadataResponse::MetadataResponsePartition part;
    part.partition_index = p;
    part.leader_id = b.node_id();
    part.leader_epoch = 0;
    part.replica_nodes = {b.node_id()};
    part.isr_nodes = {b.node_id()};
    t.partitions.push_back(std::move(part));
  }
}

boost::asio::awaitable<void> handle_metadata(RequestContext& ctx) {
  auto req = ctx.decode<proto::MetadataRequest>();
  BrokerState& b = ctx.broker;
  proto::MetadataResponse resp;
  resp.brokers.push_back({b.node_id(), ctx.advertised_host(), ctx.advertised_port(), std::nullopt});
  resp.cluster_id = b.cluster_id();
  resp.controller_id = b.node_id();

  // v0: an empty list means all topics; v1+: null means all, empty means none.
  bool all = !req.topics || (ctx.version() == 0 && req.topics->empty());
  if (all) {
    for (auto& name : b.topic_names()) {
      // Topics the principal may not describe are left out, as Kafka does.
      if (!ctx.authorized(AclOperation::Describe, ResourceType::Topic, name)) continue;
      resp.topics.emplace_back();
      describe_topic(b, name, resp.topics.back());
    }
  } else {
    bool may_create = b.auto_create_topics() && (ctx.version() < 4 || req.allow_auto_topic_creation);
    for (auto& rt : *req.topics) {
      resp.topics.emplace_back();
      auto& t = resp.topics.back();
      if (!rt.name) {  // lookups by topic id (v10+) are not supported
        t.name.reset();
        t.topic_id = rt.topic_id;
        t.error_code = kafka::code(kafka::Error::UNKNOWN_TOPIC_ID);
        continue;
      }
      if (!ctx.authorized(AclOperation::Describe, ResourceType::Topic, *rt.name)) {
        t.name = *rt.name;
        t.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      if (may_create && !b.partition_count(*rt.name)) {
        // Auto-creation needs Create on the cluster or the topic.
        if (!ctx.authorized(AclOperation::Create, ResourceType::Cluster, kClusterName) &&
            !ctx.authorized(AclOperation::Create, ResourceType::Topic, *rt.name)) {
          t.name = *rt.name;
          t.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
          continue;
        }
        auto r = b.create_topic(*rt.name, -1, -1, {}, false);
        if (r.error != kafka::Error::NONE && r.error != kafka::Error::TOPIC_ALREADY_EXISTS) {
          t.name = *rt.name;
          t.error_code = kafka::code(r.error);
          continue;
        }
      }
      describe_topic(b, *rt.name, t);
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
