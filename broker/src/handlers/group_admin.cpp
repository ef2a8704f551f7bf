// DescribeGroups (15): v0-v5, ListGroups (16): v0-v4, DeleteGroups (42): v0-v2.
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_describe_groups(RequestContext& ctx);
boost::asio::awaitable<void> handle_list_groups(RequestContext& ctx);
boost::asio::awaitable<void> handle_delete_groups(RequestContext& ctx);
extern const HandlerInfo kDescribeGroupsHandler{proto::ApiKey::DescribeGroups, 0, 5, &handle_describe_groups};
extern const HandlerInfo kListGroupsHandler{proto::ApiKey::ListGroups, 0, 4, &handle_list_groups};
extern const HandlerInfo kDeleteGroupsHandler{proto::ApiKey::DeleteGroups, 0, 2, &handle_delete_groups};

boost::asio::awaitable<void> handle_describe_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::DescribeGroupsRequest>();
  proto::DescribeGroupsResponse resp;
  for (auto& g : req.groups) resp.groups.push_back(ctx.broker.groups().describe(g));
  ctx.reply(resp);
  co_return;
}

boost::asio::awaitable<void> handle_list_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::ListGroupsRequest>();
  proto::ListGroupsResponse resp;
  for (auto& g : ctx.broker.groups().list()) {
    if (!req.states_filter.empty() &&
        std::find(req.states_filter.begin(), req.states_filter.end(), g.group_state) == req.states_filter.end())
      continue;
    resp.groups.push_back(std::move(g));
  }
  ctx.reply(resp);
  co_return;
}

boost::asio::awaitable<void> handle_delete_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::DeleteGroupsRequest>();
  proto::DeleteGroupsResponse resp;
  for (auto& g : req.groups_names) resp.results.push_back({g, kafka::code(ctx.broker.groups().remove(g))});
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
