// JoinGroup (11): v0-v7. Waits until the rebalance completes (see groups.h).
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_join_group(RequestContext& ctx);
extern const HandlerInfo kJoinGroupHandler{proto::ApiKey::JoinGroup, 0, 7, &handle_join_group, /*may_wait=*/true};

boost::asio::awaitable<void> handle_join_group(RequestContext& ctx) {
  auto req = ctx.decode<proto::JoinGroupRequest>();
  if (ctx.version() == 0) req.rebalance_timeout_ms = req.session_timeout_ms;
  proto::JoinGroupResponse now;
  if (!ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id)) {
    now.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
    now.generation_id = -1;
    ctx.reply(now);
    co_return;
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto pending = ctx.broker.groups().join(req, ctx.version(), ctx.header.client_id.value_or(""), ctx.client_host, executor, now);
  if (pending) {
    co_await ctx.broker.groups().wait(pending);
    ctx.reply(pending->join);
  } else {
    ctx.reply(now);
  }
}

}  // namespace refbroker
