// CreatePartitions (37): v0-v3. Grow only; shrinking or keeping the count is INVALID_PARTITIONS.
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_create_partitions(RequestContext& ctx);
extern const HandlerInfo kCreatePartitionsHandler{proto::ApiKey::CreatePartitions, 0, 3, &handle_create_partitions};

boost::asio::awaitable<void> handle_create_partitions(RequestContext& ctx) {
  auto req = ctx.decode<proto::CreatePartitionsRequest>();
  proto::CreatePartitionsResponse resp;
  for (auto& t : req.topics) {
    auto& r = resp.results.emplace_back();
    r.name = t.name;
    if (!ctx.authorized(AclOperation::Alter, ResourceType::Topic, t.name)) {
      r.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
      continue;
    }
    auto result = ctx.broker.create_partitions(t.name, t.count, req.validate_only);
    r.error_code = kafka::code(result.error);
    if (!result.message.empty()) r.error_message = result.message;
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
