// Produce (0): advertised v0-v11, but v0-v2 (message format v0/v1) are rejected on receipt, as
// Kafka 4 does: advertising v0 keeps librdkafka 2.0 from disabling gzip/snappy.
// Each partition's records are validated (magic 2, CRC, record layout) before anything is
// appended, so a bad batch never leaves a partial append behind.
#include "handlers/registry.h"
#include "kafka/protocol/record_batch.h"
#include "producer_state.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_produce(RequestContext& ctx);
extern const HandlerInfo kProduceHandler{proto::ApiKey::Produce, 0, 11, &handle_produce};

namespace {

using PartitionResponse = proto::ProduceResponse::PartitionProduceResponse;

void produce_partition(RequestContext& ctx, const std::string& topic, proto::ProduceRequest::PartitionProduceData& pd,
                       PartitionResponse& out) {
  out.index = pd.index;
  auto fail = [&](Error e, std::string message = {}) {
    out.error_code = kafka::code(e);
    out.base_offset = -1;
    if (!message.empty()) out.error_message = std::move(message);
  };
  if (ctx.version() < 3) return fail(Error::UNSUPPORTED_VERSION, "Produce v0-v2 (message format < 2) is not supported");
  auto tp = ctx.broker.partition(topic, pd.index);
  if (!tp.log) return fail(tp.error);
  auto bytes = pd.records.bytes();
  if (pd.records.is_null || bytes.empty()) return fail(Error::INVALID_RECORD, "Produce request without records");
  // Validate every batch first: all or nothing per partition.
  std::vector<kafka::BatchHeader> headers;
  size_t pos = 0;
  while (pos < bytes.size()) {
    kafka::BatchHeader h;
    if (!kafka::BatchHeader::parse(bytes.subspan(pos), h) || h.length < 49 ||
        pos + h.total_size() > bytes.size())
      return fail(Error::CORRUPT_MESSAGE, "Truncated record batch");
    if (h.magic != 2) return fail(Error::UNSUPPORTED_FOR_MESSAGE_FORMAT, "Only message format v2 is supported");
    auto v = kafka::validate_batch(bytes.subspan(pos, h.total_size()));
    if (!v) return fail(v.error, v.reason);
    headers.push_back(h);
    pos += h.total_size();
  }
  // The request buffer belongs to this connection and is not read again: the log patches the
  // base offsets in place instead of copying.
  std::span<uint8_t> mutable_bytes(const_cast<uint8_t*>(bytes.data()), bytes.size());
  const kafka::BatchHeader& first = headers.front();
  if (first.producer_id < 0) {
    auto r = tp.log->append(mutable_bytes);
    if (!r) return fail(r.error(), r.message());
    out.base_offset = r->base_offset;
    out.log_append_time_ms = r->log_append_time;
    out.log_start_offset = r->log_start_offset;
    return;
  }
  // Idempotent: check sequence numbers and append under the partition's producer-state lock.
  if (headers.size() != 1)
    return fail(Error::INVALID_RECORD, "Idempotent produce requests must carry exactly one batch per partition");
  auto state = ctx.broker.producers().partition(topic, pd.index);
  std::lock_guard lock(state->mutex());
  state->ensure_loaded(*tp.log);
  auto check = state->check(first);
  if (check.error != Error::NONE) return fail(check.error, check.message);
  if (check.duplicate) {
    out.base_offset = check.duplicate->first_offset;
    out.log_start_offset = tp.log->log_start_offset();
    return;
  }
  auto r = tp.log->append(mutable_bytes);
  if (!r) return fail(r.error(), r.message());
  state->record(first, r->base_offset);
  out.base_offset = r->base_offset;
  out.log_append_time_ms = r->log_append_time;
  out.log_start_offset = r->log_start_offset;
}

}  // namespace

boost::asio::awaitable<void> handle_produce(RequestContext& ctx) {
  auto req = ctx.decode<proto::ProduceRequest>();
  proto::ProduceResponse resp;
  bool bad_acks = req.acks != 0 && req.acks != 1 && req.acks != -1;
  // ACLs (Kafka 3.x): transactional records need Write on the transactional id (else the whole
  // request fails), every topic needs Write.
  bool txn_denied = req.transactional_id && !ctx.authorized(AclOperation::Write, ResourceType::TransactionalId,
                                                            *req.transactional_id);
  bool appended = false, failed = false;
  for (auto& td : req.topic_data) {
    auto& tr = resp.responses.emplace_back();
    tr.name = td.name;
    for (auto& pd : td.partition_data) {
      auto& pr = tr.partition_responses.emplace_back();
      Error early = bad_acks ? Error::INVALID_REQUIRED_ACKS
                    : txn_denied ? Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                    : !ctx.authorized(AclOperation::Write, ResourceType::Topic, td.name) ? Error::TOPIC_AUTHORIZATION_FAILED
                                                                                          : Error::NONE;
      if (early != Error::NONE) {
        pr.index = pd.index;
        pr.error_code = kafka::code(early);
        pr.base_offset = -1;
        failed = true;
        continue;
      }
      produce_partition(ctx, td.name, pd, pr);
      appended |= pr.error_code == 0;
      failed |= pr.error_code != 0;
    }
  }
  if (appended) ctx.broker.notifier().notify_all();
  // acks=0 gets no answer; like Kafka, close the connection on an error so the client notices.
  if (req.acks == 0) {
    ctx.respond = false;
    ctx.close_after = failed;
  }
  else ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
