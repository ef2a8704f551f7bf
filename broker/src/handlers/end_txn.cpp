// EndTxn (26): v0-v3 (v5 is KIP-890's, not advertised). Commits or aborts: markers to every
// partition of the transaction, then its offsets made visible (commit) or dropped (abort).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_end_txn(RequestContext& ctx);
extern const HandlerInfo kEndTxnHandler{proto::ApiKey::EndTxn, 0, 3, &handle_end_txn};

boost::asio::awaitable<void> handle_end_txn(RequestContext& ctx) {
  auto req = ctx.decode<proto::EndTxnRequest>();
  proto::EndTxnResponse resp;
  Error e = ctx.authorized(AclOperation::Write, ResourceType::TransactionalId, req.transactional_id)
                ? ctx.broker.transactions().end_txn(req.transactional_id, req.producer_id, req.producer_epoch, req.committed)
                : Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  // PRODUCER_FENCED exists from v2; older clients know it as INVALID_PRODUCER_EPOCH.
  if (e == Error::PRODUCER_FENCED && ctx.version() < 2) e = Error::INVALID_PRODUCER_EPOCH;
  resp.error_code = kafka::code(e);
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
