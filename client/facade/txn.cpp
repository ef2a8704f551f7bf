// The transactional producer's C API (rd_kafka_init_transactions ... rd_kafka_abort_transaction)
// over ProducerCore's transactions; errors become rd_kafka_error_t objects with librdkafka's
// classification (fatal / retriable / txn_requires_abort).
#include "internal.h"
#include "producer.h"

namespace kc = kafka::client;

namespace {

rd_kafka_error_t* to_c(const kc::TxnError& e) {
  if (!e) return nullptr;
  auto* out = new rd_kafka_error_s();
  out->code = static_cast<rd_kafka_resp_err_t>(e.code);
  out->str = e.reason.empty() ? kc::err_str(e.code) : e.reason;
  out->fatal = e.fatal;
  out->retriable = e.retriable;
  out->txn_requires_abort = e.txn_requires_abort;
  return out;
}

rd_kafka_error_t* not_a_producer() {
  return rd_kafka_error_new(RD_KAFKA_RESP_ERR__NOT_CONFIGURED,
                            "The Transactional API requires a producer with transactional.id configured");
}

}  // namespace

extern "C" {

rd_kafka_error_t* rd_kafka_init_transactions(rd_kafka_t* rk, int timeout_ms) {
  if (!rk || !rk->core) return not_a_producer();
  return to_c(rk->core->init_transactions(timeout_ms));
}

rd_kafka_error_t* rd_kafka_begin_transaction(rd_kafka_t* rk) {
  if (!rk || !rk->core) return not_a_producer();
  return to_c(rk->core->begin_transaction());
}

rd_kafka_error_t* rd_kafka_send_offsets_to_transaction(rd_kafka_t* rk, const rd_kafka_topic_partition_list_t* offsets,
                                                       const rd_kafka_consumer_group_metadata_t* cgmetadata,
                                                       int timeout_ms) {
  if (!rk || !rk->core) return not_a_producer();
  if (!offsets || !cgmetadata)
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "offsets and cgmetadata must not be NULL");
  return to_c(rk->core->send_offsets_to_transaction(kafkaplus::facade::to_core(offsets),
                                                    kafkaplus::facade::group_metadata_to_core(cgmetadata),
                                                    timeout_ms));
}

rd_kafka_error_t* rd_kafka_commit_transaction(rd_kafka_t* rk, int timeout_ms) {
  if (!rk || !rk->core) return not_a_producer();
  return to_c(rk->core->commit_transaction(timeout_ms));
}

rd_kafka_error_t* rd_kafka_abort_transaction(rd_kafka_t* rk, int timeout_ms) {
  if (!rk || !rk->core) return not_a_producer();
  return to_c(rk->core->abort_transaction(timeout_ms));
}

}  // extern "C"
