// LeaveGroup (13): v0-v5. v3+ leaves several members at once and may name static members by
// instance id alone (KIP-345); a replaced static member is fenced (FENCED_INSTANCE_ID).
#include "groups.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_leave_group(RequestContext& ctx);
extern const HandlerInfo kLeaveGroupHandler{proto::ApiKey::LeaveGroup, 0, 5, &handle_leave_group};

boost::asio::awaitable<void> handle_leave_group(RequestContext& ctx) {
  auto req = ctx.decode<proto::LeaveGroupRequest>();
  proto::LeaveGroupResponse resp;
  auto& groups = ctx.broker.groups();
  if (!ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id)) {
    resp.error_code = kafka::code(kafka::Error::GROUP_AUTHORIZATION_FAILED);
  } else if (ctx.version() < 3) {
    resp.error_code = kafka::code(groups.leave(req.group_id, req.member_id, std::nullopt));
  } else if (req.group_id.empty()) {
    resp.error_code = kafka::code(kafka::Error::INVALID_GROUP_ID);
  } else {
    for (auto& m : req.members) {
      auto& r = resp.members.emplace_back();
      r.member_id = m.member_id;
      r.group_instance_id = m.group_instance_id;
      r.error_code = kafka::code(groups.leave(req.group_id, m.member_id, m.group_instance_id));
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
