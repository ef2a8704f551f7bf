// OffsetCommit (8): v2-v8 (Kafka 4 removed v0-1). Generation -1 commits to a group that is Empty
// (or does not exist yet) without membership checks: consumers using assign(). Otherwise member,
// instance id and generation must match the group (see GroupCoordinator::commit).
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_offset_commit(RequestContext& ctx);
extern const HandlerInfo kOffsetCommitHandler{proto::ApiKey::OffsetCommit, 2, 8, &handle_offset_commit};

boost::asio::awaitable<void> handle_offset_commit(RequestContext& ctx) {
  auto req = ctx.decode<proto::OffsetCommitRequest>();
  auto& groups = ctx.broker.groups();
  proto::OffsetCommitResponse resp;
  // Unknown partitions fail on their own; the rest go to the coordinator together.
  std::vector<OffsetToCommit> valid;
  std::vector<proto::OffsetCommitResponse::OffsetCommitResponsePartition*> for_group;
  std::vector<bool> too_large;
  bool any = false;
  const bool group_ok = ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id);
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    rt.partitions.reserve(t.partitions.size());
    auto count = ctx.broker.partition_count(t.name);
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (!group_ok || !ctx.authorized(AclOperation::Read, ResourceType::Topic, t.name)) {
        rp.error_code = kafka::code(group_ok ? Error::TOPIC_AUTHORIZATION_FAILED : Error::GROUP_AUTHORIZATION_FAILED);
        continue;
      }
      if (!count || p.partition_index < 0 || p.partition_index >= *count) {
        rp.error_code = kafka::code(Error::UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      any = true;
      std::string metadata = p.committed_metadata.value_or("");
      bool large = metadata.size() > static_cast<size_t>(groups.config().max_metadata_bytes);
      for_group.push_back(&rp);
      too_large.push_back(large);
      if (large) continue;
      OffsetToCommit o{t.name, p.partition_index, {p.committed_offset, p.committed_leader_epoch, std::move(metadata)}};
      // v2-v4 could ask for a retention of their own (KIP-211 dropped it in v5).
      if (ctx.version() <= 4) o.retention_ms = req.retention_time_ms;
      valid.push_back(std::move(o));
    }
  }
  if (any) {
    Error e = groups.commit(req.group_id, req.generation_id_or_member_epoch, req.member_id, req.group_instance_id, valid);
    for (size_t i = 0; i < for_group.size(); ++i)
      for_group[i]->error_code = kafka::code(e != Error::NONE ? e : too_large[i] ? Error::OFFSET_METADATA_TOO_LARGE : Error::NONE);
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
