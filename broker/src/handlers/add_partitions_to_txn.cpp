// AddPartitionsToTxn (24): v0-v3, the client side (v4+ batches transactions for brokers, KIP-890).
// Unknown partitions fail alone (the others get OPERATION_NOT_ATTEMPTED, as Kafka answers).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_add_partitions_to_txn(RequestContext& ctx);
extern const HandlerInfo kAddPartitionsToTxnHandler{proto::ApiKey::AddPartitionsToTxn, 0, 3,
                                                    &handle_add_partitions_to_txn};

boost::asio::awaitable<void> handle_add_partitions_to_txn(RequestContext& ctx) {
  auto req = ctx.decode<proto::AddPartitionsToTxnRequest>();
  std::vector<std::pair<std::string, int32_t>> partitions;
  bool unknown = false;
  for (auto& t : req.v3_and_below_topics) {
    auto count = ctx.broker.partition_count(t.name);
    for (int32_t p : t.partitions) {
      partitions.emplace_back(t.name, p);
      unknown |= !count || p < 0 || p >= *count;
    }
  }
  Error e = Error::OPERATION_NOT_ATTEMPTED;
  // ACLs: Write on the transactional id (else every partition fails with that), Write on each
  // topic (denied ones fail, the others are not attempted).
  const bool txn_ok =
      ctx.authorized(AclOperation::Write, ResourceType::TransactionalId, req.v3_and_below_transactional_id);
  bool topics_ok = true;
  for (auto& t : req.v3_and_below_topics) topics_ok &= ctx.authorized(AclOperation::Write, ResourceType::Topic, t.name);
  if (!txn_ok) e = Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (txn_ok && topics_ok && !unknown) {
    e = ctx.broker.transactions().add_partitions(req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
                                                 req.v3_and_below_producer_epoch, partitions);
    // PRODUCER_FENCED exists from v2; older clients know it as INVALID_PRODUCER_EPOCH.
    if (e == Error::PRODUCER_FENCED && ctx.version() < 2) e = Error::INVALID_PRODUCER_EPOCH;
  }
  proto::AddPartitionsToTxnResponse resp;
  for (auto& t : req.v3_and_below_topics) {
    auto& rt = resp.results_by_topic_v3_and_below.emplace_back();
    rt.name = t.name;
    auto count = ctx.broker.partition_count(t.name);
    for (int32_t p : t.partitions) {
      bool missing = !count || p < 0 || p >= *count;
      Error pe = !txn_ok ? e
                 : !ctx.authorized(AclOperation::Write, ResourceType::Topic, t.name) ? Error::TOPIC_AUTHORIZATION_FAILED
                 : missing ? Error::UNKNOWN_TOPIC_OR_PARTITION
                           : e;
      rt.results_by_partition.push_back({p, kafka::code(pe)});
    }
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
