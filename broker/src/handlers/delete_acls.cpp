// DeleteAcls (31): v0-v1 (describe_acls.cpp says why not v2+). Needs Alter on the cluster; each
// filter reports the bindings it removed.
#include "handlers/acl_wire.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_delete_acls(RequestContext& ctx);
extern const HandlerInfo kDeleteAclsHandler{proto::ApiKey::DeleteAcls, 0, 1, &handle_delete_acls};

boost::asio::awaitable<void> handle_delete_acls(RequestContext& ctx) {
  auto req = ctx.decode<proto::DeleteAclsRequest>();
  proto::DeleteAclsResponse resp;
  Authorizer& authorizer = ctx.broker.authorizer();
  auto refused = acl_api_refusal(authorizer.enabled(), [&] {
    return ctx.authorized(AclOperation::Alter, ResourceType::Cluster, kClusterName);
  });
  for (auto& f : req.filters) {
    auto& r = resp.filter_results.emplace_back();
    if (refused) {
      r.error_code = kafka::code(refused->error);
      r.error_message = refused->message;
      continue;
    }
    std::string why;
    auto filter = filter_from_wire(f.resource_type_filter, f.resource_name_filter, f.pattern_type_filter,
                                   f.principal_filter, f.host_filter, f.operation, f.permission_type, why);
    if (!filter) {
      r.error_code = kafka::code(Error::INVALID_REQUEST);
      r.error_message = why;
      continue;
    }
    for (auto& b : authorizer.remove(*filter)) {
      auto& m = r.matching_acls.emplace_back();
      m.resource_type = int8_t(b.resource_type);
      m.resource_name = b.resource_name;
      m.pattern_type = int8_t(b.pattern_type);
      m.principal = b.principal;
      m.host = b.host;
      m.operation = int8_t(b.operation);
      m.permission_type = int8_t(b.permission);
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
