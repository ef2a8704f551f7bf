// FindCoordinator (10): v0-v4. This broker coordinates every group (key type 0) and every
// transactional id (key type 1). v4+ batches several keys (KIP-699).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_find_coordinator(RequestContext& ctx);
extern const HandlerInfo kFindCoordinatorHandler{proto::ApiKey::FindCoordinator, 0, 4, &handle_find_coordinator};

boost::asio::awaitable<void> handle_find_coordinator(RequestContext& ctx) {
  auto req = ctx.decode<proto::FindCoordinatorRequest>();
  BrokerState& b = ctx.broker;
  proto::FindCoordinatorResponse resp;
  auto error_for = [&](int8_t key_type, const std::string& key) {
    if (key_type != 0 && key_type != 1) return kafka::Error::INVALID_REQUEST;
    if (key.empty()) return key_type == 0 ? kafka::Error::INVALID_GROUP_ID : kafka::Error::INVALID_REQUEST;
    if (key_type == 0 && !ctx.authorized(AclOperation::Describe, ResourceType::Group, key))
      return kafka::Error::GROUP_AUTHORIZATION_FAILED;
    if (key_type == 1 && !ctx.authorized(AclOperation::Describe, ResourceType::TransactionalId, key))
      return kafka::Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    return kafka::Error::NONE;
  };
  if (ctx.version() >= 4) {
    for (auto& key : req.coordinator_keys) {
      auto& c = resp.coordinators.emplace_back();
      c.key = key;
      c.error_message.reset();
      c.error_code = kafka::code(error_for(req.key_type, key));
      if (c.error_code == 0) {
        c.node_id = b.node_id();
        c.host = ctx.advertised_host();
        c.port = ctx.advertised_port();
      } else {
        c.node_id = -1;
      }
    }
  } else {
    resp.error_message.reset();
    resp.error_code = kafka::code(error_for(req.key_type, req.key));
    resp.node_id = resp.error_code ? -1 : b.node_id();
    if (!resp.error_code) {
      resp.host = ctx.advertised_host();
      resp.port = ctx.advertised_port();
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
