// OffsetFetch (9): v1-v8 (v8+ fetches for several groups, KIP-709). Null topics (v2+) means every
// committed partition. require_stable (v7+): partitions with offsets of a still-open transaction
// answer UNSTABLE_OFFSET_COMMIT (the client retries).
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_offset_fetch(RequestContext& ctx);
extern const HandlerInfo kOffsetFetchHandler{proto::ApiKey::OffsetFetch, 1, 8, &handle_offset_fetch};

namespace {

// Topics the principal may not describe are left out of an all-topics answer and get
// TOPIC_AUTHORIZATION_FAILED when asked for, as Kafka.
template <class TopicOut, class RequestTopics>
std::vector<TopicOut> fetch_offsets(RequestContext& ctx, GroupCoordinator& groups, const std::string& group,
                                    const RequestTopics& topics, bool require_stable) {
  auto committed = groups.offsets(group);
  std::vector<TopicOut> out;
  auto add = [&](const std::string& topic, int32_t partition) {
    if (out.empty() || out.back().name != topic) out.emplace_back().name = topic;
    auto& p = out.back().partitions.emplace_back();
    p.partition_index = partition;
    if (!ctx.authorized(AclOperation::Describe, ResourceType::Topic, topic)) {
      p.committed_offset = -1;
      p.metadata = "";
      p.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
      return;
    }
    if (require_stable && groups.has_pending_txn_offset(group, topic, partition)) {
      p.committed_offset = -1;
      p.metadata = "";
      p.error_code = kafka::code(kafka::Error::UNSTABLE_OFFSET_COMMIT);
      return;
    }
    auto it = committed.find({topic, partition});
    if (it == committed.end()) {
      p.committed_offset = -1;
      p.metadata = "";
    } else {
      p.committed_offset = it->second.offset;
      p.committed_leader_epoch = it->second.leader_epoch;
      p.metadata = it->second.metadata;
    }
  };
  if (!topics) {
    for (auto& [tp, o] : committed)
      if (ctx.authorized(AclOperation::Describe, ResourceType::Topic, tp.first)) add(tp.first, tp.second);
  } else {
    for (auto& t : *topics)
      for (int32_t p : t.partition_indexes) add(t.name, p);
  }
  return out;
}

}  // namespace

boost::asio::awaitable<void> handle_offset_fetch(RequestContext& ctx) {
  auto req = ctx.decode<proto::OffsetFetchRequest>();
  auto& groups = ctx.broker.groups();
  proto::OffsetFetchResponse resp;
  if (ctx.version() >= 8) {
    for (auto& g : req.groups) {
      auto& rg = resp.groups.emplace_back();
      rg.group_id = g.group_id;
      if (!ctx.authorized(AclOperation::Describe, ResourceType::Group, g.group_id)) {
        rg.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
        continue;
      }
      rg.topics = fetch_offsets<proto::OffsetFetchResponse::OffsetFetchResponseTopics>(ctx, groups, g.group_id, g.topics,
                                                                                   req.require_stable);
    }
  } else if (!ctx.authorized(AclOperation::Describe, ResourceType::Group, req.group_id)) {
    resp.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
    if (ctx.version() < 2 && req.topics)  // no top-level error before v2: on every partition
      for (auto& t : *req.topics) {
        auto& rt = resp.topics.emplace_back();
        rt.name = t.name;
        for (int32_t p : t.partition_indexes) {
          auto& rp = rt.partitions.emplace_back();
          rp.partition_index = p;
          rp.committed_offset = -1;
          rp.error_code = resp.error_code;
        }
      }
  } else {
    resp.topics = fetch_offsets<proto::OffsetFetchResponse::OffsetFetchResponseTopic>(ctx, groups, req.group_id, req.topics,
                                                                                        ctx.version() >= 7 && req.require_stable);
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
