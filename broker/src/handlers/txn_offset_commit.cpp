// TxnOffsetCommit (28): v0-v3 (v3 carries generation/member for KIP-447 fencing). The offsets stay
// pending in the group until the transaction's EndTxn; OffsetFetch with require_stable reports
// UNSTABLE_OFFSET_COMMIT for them meanwhile.
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_txn_offset_commit(RequestContext& ctx);
extern const HandlerInfo kTxnOffsetCommitHandler{proto::ApiKey::TxnOffsetCommit, 0, 3, &handle_txn_offset_commit};

boost::asio::awaitable<void> handle_txn_offset_commit(RequestContext& ctx) {
  auto req = ctx.decode<proto::TxnOffsetCommitRequest>();
  auto& groups = ctx.broker.groups();
  proto::TxnOffsetCommitResponse resp;
  std::vector<OffsetToCommit> valid;
  std::vector<proto::TxnOffsetCommitResponse::TxnOffsetCommitResponsePartition*> for_group;
  std::vector<bool> too_large;
  // ACLs: Write on the transactional id, Read on the group, Read on each topic.
  Error denied = !ctx.authorized(AclOperation::Write, ResourceType::TransactionalId, req.transactional_id)
                     ? Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                 : !ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id) ? Error::GROUP_AUTHORIZATION_FAILED
                                                                                          : Error::NONE;
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    rt.partitions.reserve(t.partitions.size());
    auto count = ctx.broker.partition_count(t.name);
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (denied != Error::NONE || !ctx.authorized(AclOperation::Read, ResourceType::Topic, t.name)) {
        rp.error_code = kafka::code(denied != Error::NONE ? denied : Error::TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      if (!count || p.partition_index < 0 || p.partition_index >= *count) {
        rp.error_code = kafka::code(Error::UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      std::string metadata = p.committed_metadata.value_or("");
      bool large = metadata.size() > static_cast<size_t>(groups.config().max_metadata_bytes);
      for_group.push_back(&rp);
      too_large.push_back(large);
      if (!large) valid.push_back({t.name, p.partition_index, {p.committed_offset, p.committed_leader_epoch, metadata}});
    }
  }
  if (!for_group.empty()) {
    Error e = groups.txn_commit(req.group_id, req.producer_id, req.generation_id, req.member_id, req.group_instance_id,
                                valid);
    for (size_t i = 0; i < for_group.size(); ++i)
      for_group[i]->error_code =
          kafka::code(e != Error::NONE ? e : too_large[i] ? Error::OFFSET_METADATA_TOO_LARGE : Error::NONE);
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
