// DeleteRecords (21): v0-v2. Offset -1 means the high watermark (delete everything).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_delete_records(RequestContext& ctx);
extern const HandlerInfo kDeleteRecordsHandler{proto::ApiKey::DeleteRecords, 0, 2, &handle_delete_records};

boost::asio::awaitable<void> handle_delete_records(RequestContext& ctx) {
  auto req = ctx.decode<proto::DeleteRecordsRequest>();
  proto::DeleteRecordsResponse resp;
  for (auto& t : req.topics) {
    auto& rt = resp.topics.emplace_back();
    rt.name = t.name;
    for (auto& p : t.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = p.partition_index;
      rp.low_watermark = -1;
      if (!ctx.authorized(AclOperation::Delete, ResourceType::Topic, t.name)) {
        rp.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
        continue;
      }
      auto tp = ctx.broker.partition(t.name, p.partition_index);
      if (!tp.log) {
        rp.error_code = kafka::code(tp.error);
        continue;
      }
      int64_t offset = p.offset == -1 ? tp.log->log_end_offset() : p.offset;
      if (offset < 0) {
        rp.error_code = kafka::code(kafka::Error::OFFSET_OUT_OF_RANGE);
        continue;
      }
      auto r = tp.log->delete_records_before(offset);
      if (!r) rp.error_code = kafka::code(r.error());
      else rp.low_watermark = *r;
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
