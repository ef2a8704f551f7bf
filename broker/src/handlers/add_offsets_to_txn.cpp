// AddOffsetsToTxn (25): v0-v3. Adds a consumer group to the transaction, so EndTxn completes the
// offsets its TxnOffsetCommit stored.
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_add_offsets_to_txn(RequestContext& ctx);
extern const HandlerInfo kAddOffsetsToTxnHandler{proto::ApiKey::AddOffsetsToTxn, 0, 3, &handle_add_offsets_to_txn};

boost::asio::awaitable<void> handle_add_offsets_to_txn(RequestContext& ctx) {
  auto req = ctx.decode<proto::AddOffsetsToTxnRequest>();
  proto::AddOffsetsToTxnResponse resp;
  Error e = !ctx.authorized(AclOperation::Write, ResourceType::TransactionalId, req.transactional_id)
                ? Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
            : !ctx.authorized(AclOperation::Read, ResourceType::Group, req.group_id) ? Error::GROUP_AUTHORIZATION_FAILED
            : req.group_id.empty() ? Error::INVALID_GROUP_ID
                                 : ctx.broker.transactions().add_offsets(req.transactional_id, req.producer_id,
                                                                         req.producer_epoch, req.group_id);
  // PRODUCER_FENCED exists from v2; older clients know it as INVALID_PRODUCER_EPOCH.
  if (e == Error::PRODUCER_FENCED && ctx.version() < 2) e = Error::INVALID_PRODUCER_EPOCH;
  resp.error_code = kafka::code(e);
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
