// DeleteGroups (42): v0-v2. Only Empty groups can go (NON_EMPTY_GROUP otherwise); their offsets
// and stored metadata are deleted with them.
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_delete_groups(RequestContext& ctx);
extern const HandlerInfo kDeleteGroupsHandler{proto::ApiKey::DeleteGroups, 0, 2, &handle_delete_groups};

boost::asio::awaitable<void> handle_delete_groups(RequestContext& ctx) {
  auto req = ctx.decode<proto::DeleteGroupsRequest>();
  proto::DeleteGroupsResponse resp;
  for (auto& g : req.groups_names)
    resp.results.push_back({g, kafka::code(ctx.authorized(AclOperation::Delete, ResourceType::Group, g)
                                               ? ctx.broker.groups().remove(g)
                                               : kafka::Error::GROUP_AUTHORIZATION_FAILED)});
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
