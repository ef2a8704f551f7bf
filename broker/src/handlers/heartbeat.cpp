// Heartbeat (12): v0-v4 (v3+ carries the group instance id: a replaced static member is fenced).
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_heartbeat(RequestContext& ctx);
extern const HandlerInfo kHeartbeatHandler{proto::ApiKey::Heartbeat, 0, 4, &handle_heartbeat};

boost::asio::awaitable<void> handle_heartbeat(RequestContext& ctx) {
  auto req = ctx.decode<proto::HeartbeatRequest>();
  proto::HeartbeatResponse resp;
  resp.error_code =
      ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id)
          ? kafka::code(ctx.broker.groups().heartbeat(req.group_id, req.generation_id, req.member_id, req.group_instance_id))
          : kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
