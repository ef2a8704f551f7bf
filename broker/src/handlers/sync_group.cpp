// SyncGroup (14): v0-v5. Followers wait for the leader's assignment.
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_sync_group(RequestContext& ctx);
extern const HandlerInfo kSyncGroupHandler{proto::ApiKey::SyncGroup, 0, 5, &handle_sync_group, /*may_wait=*/true};

boost::asio::awaitable<void> handle_sync_group(RequestContext& ctx) {
  auto req = ctx.decode<proto::SyncGroupRequest>();
  proto::SyncGroupResponse now;
  if (!ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id)) {
    now.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
    ctx.reply(now);
    co_return;
  }
  auto executor = co_await boost::asio::this_coro::executor;
  auto pending = ctx.broker.groups().sync(req, executor, now);
  if (pending) {
    co_await ctx.broker.groups().wait(pending);
    ctx.reply(pending->sync);
  } else {
    ctx.reply(now);
  }
}

}  // namespace refbroker
