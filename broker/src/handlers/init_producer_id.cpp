// InitProducerId (22): v0-v4. Idempotent producers (null transactional id) get a fresh producer id
// with epoch 0, also when they ask for an epoch bump (KIP-360), as Kafka does for non-transactional
// producers. Transactional ids need the transaction coordinator, which refbroker lacks so far.
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
  if (req.transactional_id && !req.transactional_id->empty()) {
    resp.error_code = kafka::code(Error::COORDINATOR_NOT_AVAILABLE);
    resp.producer_epoch = -1;
  } else {
    resp.producer_id = ctx.broker.producers().allocate_producer_id();
    resp.producer_epoch = 0;
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
