// ListGroups (16): v0-v4 (v4 filters by state, KIP-518).
#include <algorithm>

#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_list_groups(RequestContext& ctx);
extern const HandlerInfo kListGroupsHandler{proto::ApiKey::ListGroups, 0, 4, &handle_list_groups};

boost::asio::awaitable<void> handle_list_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::ListGroupsRequest>();
  proto::ListGroupsResponse resp;
  // Without Describe on the cluster, only the groups the principal may describe (Kafka).
  const bool all = ctx.authorized(AclOperation::Describe, ResourceType::Cluster, kClusterName);
  for (auto& g : ctx.broker.groups().list()) {
    if (!all && !ctx.authorized(AclOperation::Describe, ResourceType::Group, g.group_id)) continue;
    if (!req.states_filter.empty() &&
        std::find(req.states_filter.begin(), req.states_filter.end(), g.group_state) == req.states_filter.end())
      continue;
    resp.groups.push_back(std::move(g));
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
