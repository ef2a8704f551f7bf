// ListOffsets (2): v1-v7. Timestamp -1 = latest (log end), -2 = earliest (log start),
// -3 = max timestamp (v7, KIP-734), otherwise the first offset with a timestamp >= the given one.
// read_committed (isolation level 1, v2+): latest is the last stable offset.
#include "handlers/registry.h"
#include "producer_state.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_list_offsets(RequestContext& ctx);
extern const HandlerInfo kListOffsetsHandler{proto::ApiKey::ListOffsets, 1, 7, &handle_list_offsets};

boost::asio::awaitable<void> handle_list_offsets(RequestContext& ctx) {
  auto req = ctx.decode<proto::ListOffsetsRequest>();
  proto::ListOffsetsResponse resp;
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      if (!ctx.authorized(AclOperation::Describe, ResourceType::Topic, t.name)) {
        rp.error_code = kafka::code(Error::TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      auto tp = ctx.broker.partition(t.name, p.partition_index);
      if (!tp.log) {
        rp.error_code = kafka::code(tp.error);
        continue;
      }
      rp.leader_epoch = 0;
      if (p.timestamp == -1 && req.isolation_level == 1) {
        // read_committed: the latest offset is the last stable offset.
        auto txns = ctx.broker.producers().partition(t.name, p.partition_index);
        std::lock_guard lock(txns->mutex());
        txns->ensure_loaded(*tp.log);
        rp.offset = txns->last_stable_offset(tp.log->log_end_offset());
      } else if (p.timestamp == -1) {
        rp.offset = tp.log->log_end_offset();
      } else if (p.timestamp == -2) {
        rp.offset = tp.log->log_start_offset();
      } else if (p.timestamp == -3 && ctx.version() >= 7) {
        auto r = tp.log->max_timestamp();
        if (!r) { rp.error_code = kafka::code(r.error()); continue; }
        rp.timestamp = r->timestamp;
        rp.offset = r->offset;
      } else if (p.timestamp < 0) {
        rp.error_code = kafka::code(Error::INVALID_REQUEST);
      } else {
        auto r = tp.log->offset_for_timestamp(p.timestamp);
        if (!r) { rp.error_code = kafka::code(r.error()); continue; }
        rp.timestamp = r->timestamp;
        rp.offset = r->offset;
      }
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
