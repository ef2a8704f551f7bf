// Fetch (1): v4-v12 (record batches v2; capped at 12 since we have no topic IDs). Long poll: the
// response waits until min_bytes are available or max_wait_ms passes, woken by appends. Log data
// is not copied: each partition's records go out by sendfile() from the segment file.
// No fetch sessions: session id 0 tells clients to keep sending full fetch requests.
// Transactions: every partition reports its last stable offset (LSO); read_committed fetches
// (isolation level 1) stop at the LSO and list the aborted transactions in the returned range.
#include "asio.h"
#include <chrono>

#include "handlers/registry.h"
#include "producer_state.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_fetch(RequestContext& ctx);
extern const HandlerInfo kFetchHandler{proto::ApiKey::Fetch, 4, 12, &handle_fetch, /*may_wait=*/true};

namespace {

// Builds the response from the logs as they are now; returns the record bytes included.
size_t read_partitions(RequestContext& ctx, const proto::FetchRequest& req, proto::FetchResponse& resp, bool& errors) {
  resp = proto::FetchResponse{};
  size_t total = 0;
  size_t budget = req.max_bytes > 0 ? static_cast<size_t>(req.max_bytes) : 0;
  errors = false;
  for (auto& ft : req.topics) {
    auto& rt = resp.responses.emplace_back();
    rt.topic = ft.topic;
    for (auto& fp : ft.partitions) {
      auto& rp = rt.partitions.emplace_back();
      rp.partition_index = fp.partition;
      if (!ctx.authorized(AclOperation::Read, ResourceType::Topic, ft.topic)) {
        rp.error_code = kafka::code(kafka::Error::TOPIC_AUTHORIZATION_FAILED);
        rp.high_watermark = rp.last_stable_offset = rp.log_start_offset = -1;
        errors = true;
        continue;
      }
      auto tp = ctx.broker.partition(ft.topic, fp.partition);
      if (!tp.log) {
        rp.error_code = kafka::code(tp.error);
        rp.high_watermark = rp.last_stable_offset = rp.log_start_offset = -1;
        errors = true;
        continue;
      }
      size_t limit = std::min<size_t>(fp.partition_max_bytes > 0 ? static_cast<size_t>(fp.partition_max_bytes) : 0,
                                      budget > total ? budget - total : 0);
      auto txns = ctx.broker.producers().partition(ft.topic, fp.partition);
      int64_t lso = 0;
      {
        std::lock_guard lock(txns->mutex());
        txns->ensure_loaded(*tp.log);
        lso = txns->last_stable_offset(tp.log->log_end_offset());
      }
      const bool read_committed = req.isolation_level == 1;
      // KIP-74: the first non-empty partition returns at least one whole batch.
      auto r = tp.log->read(fp.fetch_offset, limit, read_committed ? lso : INT64_MAX, total == 0);
      if (!r) {
        rp.error_code = kafka::code(r.error());
        rp.high_watermark = tp.log->log_end_offset();
        rp.last_stable_offset = lso;
        rp.log_start_offset = tp.log->log_start_offset();
        errors = true;
        continue;
      }
      rp.high_watermark = r->log_end_offset;
      rp.last_stable_offset = lso;
      rp.log_start_offset = r->log_start_offset;
      if (read_committed) {
        rp.aborted_transactions.emplace();
        if (r->slice.length > 0) {
          std::lock_guard lock(txns->mutex());
          for (auto& a : txns->aborted_between(fp.fetch_offset, r->next_offset))
            rp.aborted_transactions->push_back({a.producer_id, a.first_offset});
        }
      } else {
        rp.aborted_transactions.reset();
      }
      if (r->slice.length > 0) {
        rp.records.file = r->slice;
        total += r->slice.length;
      }
    }
  }
  return total;
}

}  // namespace

boost::asio::awaitable<void> handle_fetch(RequestContext& ctx) {
  auto req = ctx.decode<proto::FetchRequest>();
  proto::FetchResponse resp;
  bool errors = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.max_wait_ms));
  const size_t min_bytes = static_cast<size_t>(std::max(0, req.min_bytes));
  size_t bytes = read_partitions(ctx, req, resp, errors);
  if (bytes < min_bytes && !errors && req.max_wait_ms > 0) {
    auto executor = co_await boost::asio::this_coro::executor;
    auto waiter = ctx.broker.notifier().subscribe(executor);
    struct Unsubscribe {
      AppendNotifier& n;
      std::shared_ptr<AppendNotifier::Waiter>& w;
      ~Unsubscribe() { n.unsubscribe(w); }
    } guard{ctx.broker.notifier(), waiter};
    // Re-read after subscribing: an append between the first read and subscribe is not missed.
    bytes = read_partitions(ctx, req, resp, errors);
    while (bytes < min_bytes && !errors &&
           std::chrono::steady_clock::now() < deadline) {
      waiter->timer.expires_at(deadline);
      boost::system::error_code ec;
      co_await waiter->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      bytes = read_partitions(ctx, req, resp, errors);
    }
  }
  resp.session_id = 0;
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
