// OffsetCommit (8): v2-v8 (Kafka 4 removed v0-1). Generation -1 with no member id is a
// standalone commit (assign() users); otherwise generation and member must match the group.
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
  Error group_error = groups.check_commit(req.group_id, req.generation_id_or_member_epoch, req.member_id);
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    auto count = ctx.broker.partition_count(t.name);
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      Error e = group_error;
      if (e == Error::NONE && (!count || p.partition_index < 0 || p.partition_index >= *count))
        e = Error::UNKNOWN_TOPIC_OR_PARTITION;
      std::string metadata = p.committed_metadata.value_or("");
      if (e == Error::NONE && metadata.size() > static_cast<size_t>(groups.config().max_metadata_bytes))
        e = Error::OFFSET_METADATA_TOO_LARGE;
      if (e == Error::NONE) groups.commit(req.group_id, t.name, p.partition_index, {p.committed_offset, p.committed_leader_epoch, metadata});
      rp.error_code = kafka::code(e);
    }
  }
  if (group_error == Error::NONE) groups.flush_commits(req.group_id);
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
