// DescribeAcls (29): v0-v1 (advertising v2 would make kafka-python 2.0.2 take us for Kafka 2.5).
// Needs Describe on the cluster; bindings matching the filter, grouped by resource pattern.
#include <map>
#include <tuple>

#include "handlers/acl_wire.h"
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_describe_acls(RequestContext& ctx);
extern const HandlerInfo kDescribeAclsHandler{proto::ApiKey::DescribeAcls, 0, 1, &handle_describe_acls};

boost::asio::awaitable<void> handle_describe_acls(RequestContext& ctx) {
  auto req = ctx.decode<proto::DescribeAclsRequest>();
  proto::DescribeAclsResponse resp;
  const Authorizer& authorizer = ctx.broker.authorizer();
  std::string why;
  auto filter = filter_from_wire(req.resource_type_filter, req.resource_name_filter, req.pattern_type_filter,
                                 req.principal_filter, req.host_filter, req.operation, req.permission_type, why);
  auto refused = acl_api_refusal(authorizer.enabled(), [&] {
    return ctx.authorized(AclOperation::Describe, ResourceType::Cluster, kClusterName);
  });
  if (refused) {
    resp.error_code = kafka::code(refused->error);
    resp.error_message = refused->message;
  } else if (!filter) {
    resp.error_code = kafka::code(Error::INVALID_REQUEST);
    resp.error_message = why;
  } else {
    std::map<std::tuple<int8_t, std::string, int8_t>, size_t> index;
    for (auto& b : authorizer.describe(*filter)) {
      auto key = std::make_tuple(int8_t(b.resource_type), b.resource_name, int8_t(b.pattern_type));
      auto it = index.find(key);
      if (it == index.end()) {
        it = index.emplace(key, resp.resources.size()).first;
        auto& res = resp.resources.emplace_back();
        res.resource_type = int8_t(b.resource_type);
        res.name = b.resource_name;
        res.pattern_type = int8_t(b.pattern_type);
      }
      resp.resources[it->second].acls.push_back({b.principal, b.host, int8_t(b.operation), int8_t(b.permission)});
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
