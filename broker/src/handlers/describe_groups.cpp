// DescribeGroups (15): v0-v5. Unknown groups are reported as Dead with no error, as Kafka 3.x does;
// subscriptions and assignments are only shown for Stable groups.
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_describe_groups(RequestContext& ctx);
extern const HandlerInfo kDescribeGroupsHandler{proto::ApiKey::DescribeGroups, 0, 5, &handle_describe_groups};

boost::asio::awaitable<void> handle_describe_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::DescribeGroupsRequest>();
  proto::DescribeGroupsResponse resp;
  for (auto& g : req.groups) {
    if (!ctx.authorized(AclOperation::Describe, ResourceType::Group, g)) {
      auto& d = resp.groups.emplace_back();
      d.group_id = g;
      d.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
      continue;
    }
    resp.groups.push_back(ctx.broker.groups().describe(g));
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
