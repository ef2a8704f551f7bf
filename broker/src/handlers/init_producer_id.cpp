// InitProducerId (22): v0-v4. Idempotent producers (null transactional id) get a fresh producer id
// with epoch 0, also when they ask for an epoch bump (KIP-360), as Kafka does for non-transactional
// producers. Transactional ids go to the transaction coordinator (txn/transaction_coordinator.h):
// a new producer id or an epoch bump that fences the previous instance.
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_init_producer_id(RequestContext& ctx);
extern const HandlerInfo kInitProducerIdHandler{proto::ApiKey::InitProducerId, 0, 4, &handle_init_producer_id};

boost::asio::awaitable<void> handle_init_producer_id(RequestContext& ctx) {
  auto req = ctx.decode<proto::InitProducerIdRequest>();
  proto::InitProducerIdResponse resp;
  if (req.transactional_id && !req.transactional_id->empty() &&
      !ctx.authorized(AclOperation::Write, ResourceType::TransactionalId, *req.transactional_id)) {
    resp.error_code = kafka::code(Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    resp.producer_id = -1;
    resp.producer_epoch = -1;
  } else if ((!req.transactional_id || req.transactional_id->empty()) &&
             !ctx.authorized(AclOperation::IdempotentWrite, ResourceType::Cluster, kClusterName) &&
             !ctx.authorized_any(AclOperation::Write, ResourceType::Topic)) {
    // Kafka 3.x (KIP-679): an idempotent producer needs IdempotentWrite on the cluster or Write
    // on some topic.
    resp.error_code = kafka::code(Error::CLUSTER_AUTHORIZATION_FAILED);
    resp.producer_id = -1;
    resp.producer_epoch = -1;
  } else if (req.transactional_id && !req.transactional_id->empty()) {
    int64_t expected_id = ctx.version() >= 3 ? req.producer_id : -1;
    int16_t expected_epoch = ctx.version() >= 3 ? req.producer_epoch : -1;
    auto r = ctx.broker.transactions().init_producer_id(*req.transactional_id, req.transaction_timeout_ms, expected_id,
                                                        expected_epoch);
    // PRODUCER_FENCED exists from v4; older clients know it as INVALID_PRODUCER_EPOCH.
    if (r.error == Error::PRODUCER_FENCED && ctx.version() < 4) r.error = Error::INVALID_PRODUCER_EPOCH;
    resp.error_code = kafka::code(r.error);
    resp.producer_id = r.producer_id;
    resp.producer_epoch = r.producer_epoch;
  } else {
    resp.producer_id = ctx.broker.producers().allocate_producer_id();
    resp.producer_epoch = 0;
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
