// CreateAcls (30): v0-v1 (v0 has no pattern type: literal; describe_acls.cpp says why not v2+).
// Needs Alter on the cluster; without an authorizer the answer is SECURITY_DISABLED, as Kafka.
// ACLs live in memory (the config's refbroker.acl.* come back on restart, API-created ones do not).
#include "handlers/acl_wire.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_create_acls(RequestContext& ctx);
extern const HandlerInfo kCreateAclsHandler{proto::ApiKey::CreateAcls, 0, 1, &handle_create_acls};

boost::asio::awaitable<void> handle_create_acls(RequestContext& ctx) {
  auto req = ctx.decode<proto::CreateAclsRequest>();
  proto::CreateAclsResponse resp;
  Authorizer& authorizer = ctx.broker.authorizer();
  auto refused = acl_api_refusal(authorizer.enabled(), [&] {
    return ctx.authorized(AclOperation::Alter, ResourceType::Cluster, kClusterName);
  });
  for (auto& c : req.creations) {
    auto& r = resp.results.emplace_back();
    if (refused) {
      r.error_code = kafka::code(refused->error);
      r.error_message = refused->message;
      continue;
    }
    std::string why;
    auto binding = binding_from_wire(c.resource_type, c.resource_name, c.resource_pattern_type, c.principal, c.host,
                                     c.operation, c.permission_type, why);
    if (!binding) {
      r.error_code = kafka::code(Error::INVALID_REQUEST);
      r.error_message = why;
      continue;
    }
    authorizer.add(*binding);
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
