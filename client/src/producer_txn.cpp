// ProducerCore: transactions — the application-side API (blocking, one call at a time) and the
// I/O thread's coordinator requests (FindCoordinator, InitProducerId, AddPartitionsToTxn,
// AddOffsetsToTxn, TxnOffsetCommit, EndTxn).
//
// An API call that needs the broker starts an "operation" (txn_op_seq) on the I/O thread and
// waits for it until its timeout. A timed-out call leaves the operation running; calling the
// same method again waits for it (or returns its result), as librdkafka does. Results that
// arrive after the caller gave up move the state to a *NotAcked state, which the retried call
// acknowledges.
#include <algorithm>

#include "kafka/protocol/messages/add_offsets_to_txn.h"
#include "kafka/protocol/messages/add_partitions_to_txn.h"
#include "kafka/protocol/messages/end_txn.h"
#include "kafka/protocol/messages/find_coordinator.h"
#include "kafka/protocol/messages/init_producer_id.h"
#include "kafka/protocol/messages/txn_offset_commit.h"
#include "producer_impl.h"

namespace kafka::client {

// One request to a coordinator, re-sent until `done` says it is finished.
struct CoordCall {
  int8_t key_type = 1;  // 1: transaction coordinator, 0: group coordinator
  std::string key;
  proto::ApiKey api{};
  int16_t min_version = 0;
  int16_t max_version = 0;
  int op = 0;  // the API operation it serves (0: none); dropped once a newer one started
  std::function<void(Frame&, int16_t)> encode;
  // Returns kCallDone, kCallRetry (after a backoff) or kCallRefind (the coordinator moved).
  std::function<int(int err, std::span<const uint8_t> frame, int16_t v)> done;
};

namespace {

constexpr int kCallDone = 0;
constexpr int kCallRetry = 1;
constexpr int kCallRefind = 2;
constexpr int32_t kTxnCoordConnIdBase = -2'000'000;
constexpr int64_t kRetryUs = 100'000;

bool fencing_error(int e) {
  switch (static_cast<Error>(e)) {
    case Error::PRODUCER_FENCED:
    case Error::INVALID_PRODUCER_EPOCH:
      return true;
    default:
      return false;
  }
}

// Errors that make the producer unusable (librdkafka treats these as fatal in every txn request).
bool txn_fatal_error(int e) {
  if (fencing_error(e)) return true;
  switch (static_cast<Error>(e)) {
    case Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case Error::INVALID_PRODUCER_ID_MAPPING:
    case Error::INVALID_TXN_STATE:
    case Error::CLUSTER_AUTHORIZATION_FAILED:
    case Error::UNSUPPORTED_VERSION:
    case Error::UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case Error::INVALID_TRANSACTION_TIMEOUT:
      return true;
    default:
      return false;
  }
}

bool coordinator_moved(int e) {
  return e == static_cast<int>(Error::NOT_COORDINATOR) || e == static_cast<int>(Error::COORDINATOR_NOT_AVAILABLE);
}

bool txn_retry_error(int e) {
  if (e < 0) return e == err(LocalErr::TIMED_OUT) || is_connection_error(e);
  Error ke = static_cast<Error>(e);
  return ke == Error::CONCURRENT_TRANSACTIONS || ke == Error::COORDINATOR_LOAD_IN_PROGRESS ||
         ke == Error::UNKNOWN_TOPIC_OR_PARTITION || ke == Error::OPERATION_NOT_ATTEMPTED ||
         ke == Error::REQUEST_TIMED_OUT || is_retriable(ke);
}

// How a coordinator call that failed with error `e` ends: kCallRefind when the coordinator moved,
// kCallRetry for a retriable error, else kCallDone after failing the producer (a fatal error) or the
// transaction and its operation `op` (abortable). `what` starts the reason, err_str(e) ends it.
int txn_call_failed(ProducerCore::Impl& I, int op, int e, const std::string& what) {
  if (coordinator_moved(e)) return kCallRefind;
  if (txn_retry_error(e)) return kCallRetry;
  std::string why = what + err_str(e);
  if (txn_fatal_error(e)) {
    I.txn_set_fatal(e, why);
    return kCallDone;
  }
  I.txn_set_abortable(e, why, false);
  I.txn_finish_op(op, {e, why, false, false, true});
  return kCallDone;
}

// librdkafka reports every fencing error as _FENCED.
int normalize(int e) { return fencing_error(e) ? err(LocalErr::FENCED) : e; }

TxnError state_error(TxnState s, const char* call) {
  return {err(LocalErr::STATE), std::string("Operation not valid in state ") + txn_state_name(s) + " (" + call + ")",
          false, false, false};
}

TxnError timeout_error(const std::string& what) {
  return {err(LocalErr::TIMED_OUT), what + " timed out", false, true, false};
}

int64_t deadline_of(int timeout_ms) { return timeout_ms < 0 ? INT64_MAX : mono_us() + int64_t{timeout_ms} * 1000; }

// Starts a coordinator operation on the I/O thread as the newest generation (a newer one
// supersedes it); txn_mu is held. Returns the operation's number for txn_wait_op.
template <class Run>
int start_txn_op(ProducerCore::Impl& I, Run run) {
  int op = ++I.txn_op_seq;
  I.txn_op_done = false;
  asio::post(I.io, [op, run = std::move(run)]() mutable { run(op); });
  return op;
}

int remaining_ms(int64_t deadline_us) {
  if (deadline_us == INT64_MAX) return -1;
  return static_cast<int>(std::max<int64_t>(0, (deadline_us - mono_us() + 999) / 1000));
}

template <class F>
void after(asio::io_context& io, int64_t delay_us, F&& fn) {
  auto t = std::make_shared<asio::steady_timer>(io, std::chrono::microseconds(delay_us));
  t->async_wait([t, fn = std::forward<F>(fn)](const boost::system::error_code& ec) mutable {
    if (!ec) fn();
  });
}

}  // namespace

const char* txn_state_name(TxnState s) {
  switch (s) {
    case TxnState::Init: return "Init";
    case TxnState::WaitPid: return "WaitPID";
    case TxnState::ReadyNotAcked: return "ReadyNotAcked";
    case TxnState::Ready: return "Ready";
    case TxnState::InTransaction: return "InTransaction";
    case TxnState::BeginCommit: return "BeginCommit";
    case TxnState::CommittingTransaction: return "CommittingTransaction";
    case TxnState::CommitNotAcked: return "CommitNotAcked";
    case TxnState::BeginAbort: return "BeginAbort";
    case TxnState::AbortingTransaction: return "AbortingTransaction";
    case TxnState::AbortedNotAcked: return "AbortedNotAcked";
    case TxnState::AbortableError: return "AbortableError";
    case TxnState::FatalError: return "FatalError";
  }
  return "?";
}

// ---- error states (any thread) --------------------------------------------------------------------

void ProducerCore::Impl::txn_set_abortable(int code, const std::string& reason, bool bump) {
  {
    std::lock_guard lk(txn_mu);
    if (bump) txn_bump_required = true;
    if (txn_state == TxnState::InTransaction || txn_state == TxnState::BeginCommit ||
        txn_state == TxnState::CommittingTransaction) {
      log(4, "TXNERR", "Current transaction failed: " + reason + " (" + err_name(code) + ")");
      txn_state = TxnState::AbortableError;
      txn_error = {code, reason, false, false, true};
      txn_open.store(false);
    }
  }
  if (bump) txn_bump_required_io = true;  // callers are on the I/O thread
  txn_cv.notify_all();
}

void ProducerCore::Impl::txn_set_fatal(int code, const std::string& reason) {
  int ncode = normalize(code);
  {
    std::lock_guard lk(txn_mu);
    if (txn_state != TxnState::FatalError) {
      txn_state = TxnState::FatalError;
      txn_error = {ncode, reason, true, false, false};
      txn_open.store(false);
    }
  }
  set_fatal(ncode, reason);
  txn_cv.notify_all();
}

void ProducerCore::Impl::txn_batch_failed(int e, const std::string& reason) {
  if (e == 0) return;
  txn_set_abortable(e, "Failed to deliver a message: " + (reason.empty() ? err_str(e) : reason), false);
}

void ProducerCore::Impl::txn_finish_op(int op, TxnError result) {
  {
    std::lock_guard lk(txn_mu);
    if (op != txn_op_seq) return;
    txn_op_done = true;
    txn_op_result = std::move(result);
  }
  txn_cv.notify_all();
}

TxnError ProducerCore::Impl::txn_wait_op(std::unique_lock<std::mutex>& lk, int op, int64_t deadline_us) {
  auto ready = [&] { return txn_op_seq != op || txn_op_done || txn_state == TxnState::FatalError; };
  if (deadline_us == INT64_MAX) {
    txn_cv.wait(lk, ready);
  } else {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(std::max<int64_t>(0, deadline_us - mono_us()));
    txn_cv.wait_until(lk, until, ready);
  }
  if (txn_state == TxnState::FatalError) return txn_error;
  if (txn_op_seq == op && txn_op_done) return txn_op_result;
  return timeout_error("Transactional operation");
}

// ---- coordinator requests (I/O thread) ------------------------------------------------------------

void ProducerCore::Impl::txn_retry_later(const std::shared_ptr<CoordCall>& call, int64_t delay_us) {
  after(io, delay_us, [this, call] {
    if (!closing.load()) txn_run(call);
  });
}

void ProducerCore::Impl::txn_run(const std::shared_ptr<CoordCall>& call) {
  if (closing.load()) return;
  if (int fe = fatal_err.load()) {
    // Raised outside the transaction manager (a fenced Produce): wake the waiting API call.
    std::string reason;
    {
      std::lock_guard lk(fatal_mu);
      reason = fatal_reason;
    }
    txn_set_fatal(fe, reason);
    return;
  }
  if (call->op) {
    std::lock_guard lk(txn_mu);
    if (call->op != txn_op_seq) return;  // superseded
  }
  std::string ckey = std::to_string(call->key_type) + "/" + call->key;
  TxnCoordinator& co = txn_coords[ckey];
  if (!co.conn) {
    co.waiting.push_back(call);
    if (!co.finding) txn_find_coordinator(ckey, call->key_type, call->key);
    return;
  }
  auto r = std::make_unique<Request>();
  r->api = call->api;
  r->min_version = call->min_version;
  r->max_version = call->max_version;
  r->timeout_us = cfg.socket_timeout_ms * 1000;
  r->encode = call->encode;
  r->done = [this, call, ckey](int e, std::span<const uint8_t> frame, int16_t v) {
    if (closing.load()) return;
    int next;
    if (e && e != err(LocalErr::UNSUPPORTED_FEATURE)) {
      log(7, "TXN", std::string(proto::api_name(call->api)) + " failed: " + err_name(e) + ": retrying");
      next = kCallRefind;
    } else {
      next = call->done(e, frame, v);
    }
    if (next == kCallDone) return;
    if (next == kCallRefind) {
      TxnCoordinator& c = txn_coords[ckey];
      if (c.conn) {
        c.conn->close(err(LocalErr::TRANSPORT), "coordinator lost");
        retired_conns.push_back(std::move(c.conn));
      }
    }
    txn_retry_later(call, kRetryUs);
  };
  co.conn->send(std::move(r));
}

void ProducerCore::Impl::txn_find_coordinator(const std::string& ckey, int8_t key_type, const std::string& key) {
  TxnCoordinator& co = txn_coords[ckey];
  BrokerConn* c = any_conn(true);
  if (!c) {
    after(io, kRetryUs, [this, ckey, key_type, key] {
      if (!closing.load()) txn_find_coordinator(ckey, key_type, key);
    });
    co.finding = true;
    return;
  }
  co.finding = true;
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::FindCoordinator;
  r->min_version = key_type == 0 ? 0 : 1;  // key types need v1+
  r->max_version = 3;
  r->timeout_us = cfg.socket_timeout_ms * 1000;
  r->encode = [key_type, key](Frame& f, int16_t v) {
    proto::FindCoordinatorRequest m;
    m.key = key;
    m.key_type = key_type;
    proto::encode_body(f.w(), m, v);
  };
  r->done = [this, ckey, key_type, key](int e, std::span<const uint8_t> frame, int16_t v) {
    if (closing.load()) return;
    proto::FindCoordinatorResponse resp;
    if (!e) {
      try {
        resp = proto::decode_response<proto::FindCoordinatorResponse>(frame, v);
        e = resp.error_code;
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    TxnCoordinator& co = txn_coords[ckey];
    if (e == static_cast<int>(Error::TRANSACTIONAL_ID_AUTHORIZATION_FAILED) ||
        e == static_cast<int>(Error::GROUP_AUTHORIZATION_FAILED) || e == err(LocalErr::UNSUPPORTED_FEATURE)) {
      co.finding = false;
      co.waiting.clear();
      if (key_type == 1 || e == err(LocalErr::UNSUPPORTED_FEATURE))
        txn_set_fatal(e, "Failed to find the coordinator: " + err_str(e));
      else
        txn_set_abortable(e, "Failed to find the group coordinator: " + err_str(e), false);
      return;
    }
    if (e || resp.node_id < 0) {
      log(7, "TXNCOORD", "FindCoordinator failed: " + err_name(e) + ": retrying");
      after(io, kRetryUs, [this, ckey, key_type, key] {
        if (!closing.load()) txn_find_coordinator(ckey, key_type, key);
      });
      return;
    }
    co.finding = false;
    co.node = resp.node_id;
    co.conn = std::make_unique<BrokerConn>(io, *this, conn_settings, kTxnCoordConnIdBase - resp.node_id, resp.host,
                                           static_cast<uint16_t>(resp.port));
    log(7, "TXNCOORD", std::string(key_type == 1 ? "Transaction" : "Group") + " coordinator for \"" + key +
                           "\" is broker " + co.conn->name());
    auto waiting = std::move(co.waiting);
    co.waiting.clear();
    for (auto& call : waiting) txn_run(call);
  };
  c->send(std::move(r));
}

void ProducerCore::Impl::txn_init_pid(int op, bool bump) {
  auto call = std::make_shared<CoordCall>();
  call->key = cfg.transactional_id;
  call->api = proto::ApiKey::InitProducerId;
  call->min_version = 0;
  call->max_version = 4;
  call->op = op;
  std::string tid = cfg.transactional_id;
  int32_t tmo = cfg.transaction_timeout_ms;
  int64_t cur_pid = pid;
  int16_t cur_epoch = epoch;
  call->encode = [tid, tmo, bump, cur_pid, cur_epoch](Frame& f, int16_t v) {
    proto::InitProducerIdRequest req;
    req.transactional_id = tid;
    req.transaction_timeout_ms = tmo;
    if (bump && cur_pid >= 0 && v >= 3) {  // KIP-360: bump our own epoch
      req.producer_id = cur_pid;
      req.producer_epoch = cur_epoch;
    }
    proto::encode_body(f.w(), req, v);
  };
  call->done = [this, op, bump](int e, std::span<const uint8_t> frame, int16_t v) {
    if (!e) {
      try {
        auto resp = proto::decode_response<proto::InitProducerIdResponse>(frame, v);
        e = resp.error_code;
        if (!e) {
          pid = resp.producer_id;
          epoch = resp.producer_epoch;
          id_state = IdState::Assigned;
          renumber_after_bump();  // a new producer id or epoch starts every sequence at 0
          txn_bump_required_io = false;
          log(7, "TXNPID", "Transactional producer id " + std::to_string(pid) + " epoch " + std::to_string(epoch));
          {
            std::lock_guard lk(txn_mu);
            txn_bump_required = false;
            txn_state = bump ? TxnState::AbortedNotAcked : TxnState::ReadyNotAcked;
          }
          txn_finish_op(op, {});
          schedule_sender();
          return kCallDone;
        }
      } catch (const std::exception&) {
        return kCallRetry;
      }
    }
    if (coordinator_moved(e)) return kCallRefind;
    if (txn_retry_error(e)) return kCallRetry;
    txn_set_fatal(e, "Failed to acquire transactional producer id: " + err_str(e));
    return kCallDone;
  };
  txn_run(call);
}

void ProducerCore::Impl::txn_add_partitions() {
  if (txn_add_inflight || txn_to_add.empty() || fatal_err.load()) return;
  int64_t now = mono_us();
  if (now < txn_add_retry_at_us) return;  // a timer runs the sender again
  txn_add_inflight = true;
  auto parts = std::make_shared<std::vector<PartitionState*>>(std::move(txn_to_add));
  txn_to_add.clear();
  std::sort(parts->begin(), parts->end(), [](PartitionState* a, PartitionState* b) {
    return a->topic->name != b->topic->name ? a->topic->name < b->topic->name : a->id < b->id;
  });
  uint64_t gen = txn_gen;
  auto call = std::make_shared<CoordCall>();
  call->key = cfg.transactional_id;
  call->api = proto::ApiKey::AddPartitionsToTxn;
  call->min_version = 0;
  call->max_version = 3;  // v4+ are broker-to-broker
  std::string tid = cfg.transactional_id;
  int64_t cur_pid = pid;
  int16_t cur_epoch = epoch;
  call->encode = [tid, cur_pid, cur_epoch, parts](Frame& f, int16_t v) {
    proto::AddPartitionsToTxnRequest req;
    req.v3_and_below_transactional_id = tid;
    req.v3_and_below_producer_id = cur_pid;
    req.v3_and_below_producer_epoch = cur_epoch;
    for (PartitionState* p : *parts) {
      if (req.v3_and_below_topics.empty() || req.v3_and_below_topics.back().name != p->topic->name)
        req.v3_and_below_topics.push_back({p->topic->name, {}});
      req.v3_and_below_topics.back().partitions.push_back(p->id);
    }
    proto::encode_body(f.w(), req, v);
  };
  call->done = [this, parts, gen](int e, std::span<const uint8_t> frame, int16_t v) {
    if (gen != txn_gen) {  // the transaction ended meanwhile
      txn_add_inflight = false;
      return kCallDone;
    }
    std::map<std::pair<std::string, int32_t>, int> results;
    if (!e) {
      try {
        auto resp = proto::decode_response<proto::AddPartitionsToTxnResponse>(frame, v);
        for (auto& t : resp.results_by_topic_v3_and_below)
          for (auto& pr : t.results_by_partition) results[{t.name, pr.partition_index}] = pr.partition_error_code;
      } catch (const std::exception&) {
        e = err(LocalErr::BAD_MSG);
      }
    }
    if (e == err(LocalErr::BAD_MSG)) return kCallRetry;
    if (e) {
      txn_add_inflight = false;
      txn_set_fatal(e, "AddPartitionsToTxn failed: " + err_str(e));
      return kCallDone;
    }
    bool retry = false, refind = false;
    int abortable = 0;
    for (PartitionState* p : *parts) {
      auto it = results.find({p->topic->name, p->id});
      int pe = it == results.end() ? static_cast<int>(Error::OPERATION_NOT_ATTEMPTED) : it->second;
      if (pe == 0) {
        p->txn_added = true;
        p->txn_pending = false;
        txn_added_list.push_back(p);
        std::lock_guard lk(txn_mu);
        txn_partitions_used = true;
        continue;
      }
      if (txn_fatal_error(pe)) {
        txn_add_inflight = false;
        txn_set_fatal(pe, "Failed to add partition " + p->topic->name + " [" + std::to_string(p->id) +
                              "] to the transaction: " + err_str(pe));
        return kCallDone;
      }
      if (coordinator_moved(pe)) refind = true;
      else if (txn_retry_error(pe)) retry = true;
      else abortable = pe;
      txn_to_add.push_back(p);  // still pending
    }
    txn_add_inflight = false;
    if (abortable) {
      for (PartitionState* p : txn_to_add) p->txn_pending = false;
      txn_to_add.clear();
      txn_set_abortable(abortable, "Failed to add partitions to the transaction: " + err_str(abortable), false);
      return kCallDone;
    }
    if (refind) {
      for (auto& [key, co] : txn_coords)
        if (key == "1/" + cfg.transactional_id && co.conn) {
          co.conn->close(err(LocalErr::TRANSPORT), "transaction coordinator moved");
          retired_conns.push_back(std::move(co.conn));
        }
    }
    if (retry || refind) {
      // CONCURRENT_TRANSACTIONS is usual right after the previous EndTxn: retry soon.
      txn_add_retry_at_us = mono_us() + 20'000;
      after(io, 20'000, [this] { schedule_sender(); });
    }
    schedule_sender();
    return kCallDone;
  };
  txn_run(call);
}

void ProducerCore::Impl::txn_add_offsets(int op, std::vector<TopicPartitionOffset> offsets, TxnGroupMetadata group) {
  auto call = std::make_shared<CoordCall>();
  call->key = cfg.transactional_id;
  call->api = proto::ApiKey::AddOffsetsToTxn;
  call->min_version = 0;
  call->max_version = 3;
  call->op = op;
  std::string tid = cfg.transactional_id;
  int64_t cur_pid = pid;
  int16_t cur_epoch = epoch;
  std::string gid = group.group_id;
  call->encode = [tid, cur_pid, cur_epoch, gid](Frame& f, int16_t v) {
    proto::AddOffsetsToTxnRequest req;
    req.transactional_id = tid;
    req.producer_id = cur_pid;
    req.producer_epoch = cur_epoch;
    req.group_id = gid;
    proto::encode_body(f.w(), req, v);
  };
  call->done = [this, op, offsets = std::move(offsets), group = std::move(group)](int e, std::span<const uint8_t> frame,
                                                                                 int16_t v) mutable {
    if (!e) {
      try {
        e = proto::decode_response<proto::AddOffsetsToTxnResponse>(frame, v).error_code;
      } catch (const std::exception&) {
        return kCallRetry;
      }
    }
    if (!e) {
      {
        std::lock_guard lk(txn_mu);
        txn_offsets_added = true;
      }
      txn_offset_commit(op, std::move(offsets), std::move(group));
      return kCallDone;
    }
    return txn_call_failed(*this, op, e, "Failed to add offsets to the transaction: ");
  };
  txn_run(call);
}

void ProducerCore::Impl::txn_offset_commit(int op, std::vector<TopicPartitionOffset> offsets, TxnGroupMetadata group) {
  auto call = std::make_shared<CoordCall>();
  call->key_type = 0;
  call->key = group.group_id;
  call->api = proto::ApiKey::TxnOffsetCommit;
  call->min_version = 0;
  call->max_version = 3;  // v3: generation, member id and instance id (KIP-447)
  call->op = op;
  std::sort(offsets.begin(), offsets.end(), [](const auto& a, const auto& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  });
  proto::TxnOffsetCommitRequest req;
  req.transactional_id = cfg.transactional_id;
  req.group_id = group.group_id;
  req.producer_id = pid;
  req.producer_epoch = epoch;
  req.generation_id = group.generation_id;
  req.member_id = group.member_id;
  req.group_instance_id = group.group_instance_id;
  for (auto& o : offsets) {
    if (req.topics.empty() || req.topics.back().name != o.topic) req.topics.push_back({o.topic, {}});
    proto::TxnOffsetCommitRequest::TxnOffsetCommitRequestPartition p;
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.committed_leader_epoch = o.leader_epoch;
    p.committed_metadata = o.metadata;
    req.topics.back().partitions.push_back(std::move(p));
  }
  call->encode = [req = std::move(req)](Frame& f, int16_t v) { proto::encode_body(f.w(), req, v); };
  call->done = [this, op](int e, std::span<const uint8_t> frame, int16_t v) {
    int first = 0;
    if (!e) {
      try {
        auto resp = proto::decode_response<proto::TxnOffsetCommitResponse>(frame, v);
        for (auto& t : resp.topics)
          for (auto& p : t.partitions)
            if (p.error_code && !first) first = p.error_code;
      } catch (const std::exception&) {
        return kCallRetry;
      }
    } else {
      first = e;
    }
    if (!first) {
      txn_finish_op(op, {});
      return kCallDone;
    }
    // UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, authorization: abort.
    return txn_call_failed(*this, op, first, "Failed to commit offsets to the transaction: ");
  };
  txn_run(call);
}

void ProducerCore::Impl::txn_reset_partitions() {
  for (PartitionState* p : txn_added_list) p->txn_added = p->txn_pending = false;
  for (PartitionState* p : txn_to_add) p->txn_pending = false;
  txn_added_list.clear();
  txn_to_add.clear();
  txn_add_retry_at_us = 0;
  ++txn_gen;
  std::lock_guard lk(txn_mu);
  txn_partitions_used = false;
  txn_offsets_added = false;
}

void ProducerCore::Impl::txn_end(int op, bool commit, bool bump_after) {
  if (txn_add_inflight) {  // the broker may be adding partitions: learn the outcome first
    after(io, 5'000, [this, op, commit, bump_after] {
      if (!closing.load()) txn_end(op, commit, bump_after);
    });
    return;
  }
  bool needed;
  {
    std::lock_guard lk(txn_mu);
    needed = txn_partitions_used || txn_offsets_added;
  }
  auto finished = [this, op, commit, bump_after] {
    txn_reset_partitions();
    if (bump_after) {
      txn_init_pid(op, true);
      return;
    }
    {
      std::lock_guard lk(txn_mu);
      txn_state = commit ? TxnState::CommitNotAcked : TxnState::AbortedNotAcked;
    }
    txn_finish_op(op, {});
  };
  if (!needed) {
    finished();
    return;
  }
  auto call = std::make_shared<CoordCall>();
  call->key = cfg.transactional_id;
  call->api = proto::ApiKey::EndTxn;
  call->min_version = 0;
  call->max_version = 3;
  call->op = op;
  std::string tid = cfg.transactional_id;
  int64_t cur_pid = pid;
  int16_t cur_epoch = epoch;
  call->encode = [tid, cur_pid, cur_epoch, commit](Frame& f, int16_t v) {
    proto::EndTxnRequest req;
    req.transactional_id = tid;
    req.producer_id = cur_pid;
    req.producer_epoch = cur_epoch;
    req.committed = commit;
    proto::encode_body(f.w(), req, v);
  };
  call->done = [this, op, commit, finished](int e, std::span<const uint8_t> frame, int16_t v) {
    if (!e) {
      try {
        e = proto::decode_response<proto::EndTxnResponse>(frame, v).error_code;
      } catch (const std::exception&) {
        return kCallRetry;
      }
    }
    if (!e) {
      finished();
      return kCallDone;
    }
    return txn_call_failed(*this, op, e, std::string("Failed to ") + (commit ? "commit" : "abort") + " transaction: ");
  };
  txn_run(call);
}

// ---- application side ---------------------------------------------------------------------------------

namespace {

TxnError not_configured() {
  return {err(LocalErr::NOT_CONFIGURED), "The Transactional API requires transactional.id to be configured", false,
          false, false};
}

}  // namespace

// Turns a fatal error raised elsewhere (Produce fenced, ...) into the FatalError state.
static bool txn_check_fatal(ProducerCore::Impl& I) {
  if (I.txn_state == TxnState::FatalError) return true;
  int fe = I.fatal_err.load();
  if (!fe) return false;
  std::string reason;
  {
    std::lock_guard flk(I.fatal_mu);
    reason = I.fatal_reason;
  }
  I.txn_state = TxnState::FatalError;
  I.txn_error = {normalize(fe), reason, true, false, false};
  I.txn_open.store(false);
  return true;
}

TxnError ProducerCore::init_transactions(int timeout_ms) {
  Impl& I = *impl_;
  if (!I.transactional()) return not_configured();
  int64_t deadline = deadline_of(timeout_ms);
  std::lock_guard api(I.txn_api_mu);
  std::unique_lock lk(I.txn_mu);
  if (txn_check_fatal(I)) return I.txn_error;
  int op;
  switch (I.txn_state) {
    case TxnState::Init:
      I.txn_state = TxnState::WaitPid;
      op = start_txn_op(I, [&I](int n) { I.txn_init_pid(n, false); });
      break;
    case TxnState::WaitPid:
      op = I.txn_op_seq;  // resume the call that timed out
      break;
    case TxnState::ReadyNotAcked:
      I.txn_state = TxnState::Ready;
      return {};
    default:
      return state_error(I.txn_state, "init_transactions");
  }
  TxnError r = I.txn_wait_op(lk, op, deadline);
  if (!r && I.txn_state == TxnState::ReadyNotAcked) I.txn_state = TxnState::Ready;
  if (r.retriable) r.reason = "Failed to initialize the transactional producer within the timeout";
  return r;
}

TxnError ProducerCore::begin_transaction() {
  Impl& I = *impl_;
  if (!I.transactional()) return not_configured();
  std::lock_guard api(I.txn_api_mu);
  std::lock_guard lk(I.txn_mu);
  if (txn_check_fatal(I)) return I.txn_error;
  if (I.txn_state != TxnState::Ready) return state_error(I.txn_state, "begin_transaction");
  I.txn_state = TxnState::InTransaction;
  I.txn_error = {};
  I.txn_open.store(true, std::memory_order_release);
  return {};
}

TxnError ProducerCore::send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                                   const TxnGroupMetadata& group, int timeout_ms) {
  Impl& I = *impl_;
  if (!I.transactional()) return not_configured();
  if (group.group_id.empty()) return {err(LocalErr::INVALID_ARG), "Empty consumer group id", false, false, false};
  std::vector<TopicPartitionOffset> valid;
  for (auto& o : offsets)
    if (o.offset >= 0) valid.push_back(o);
  int64_t deadline = deadline_of(timeout_ms);
  std::lock_guard api(I.txn_api_mu);
  std::unique_lock lk(I.txn_mu);
  if (txn_check_fatal(I)) return I.txn_error;
  if (I.txn_state == TxnState::AbortableError) return I.txn_error;
  if (I.txn_state != TxnState::InTransaction) return state_error(I.txn_state, "send_offsets_to_transaction");
  if (valid.empty()) return {};  // nothing to commit (as librdkafka)
  int op = start_txn_op(I, [&I, valid = std::move(valid), group](int n) mutable {
    I.txn_add_offsets(n, std::move(valid), std::move(group));
  });
  TxnError r = I.txn_wait_op(lk, op, deadline);
  if (r.retriable) r.reason = "Failed to send offsets to the transaction within the timeout";
  return r;
}

TxnError ProducerCore::commit_transaction(int timeout_ms) {
  Impl& I = *impl_;
  if (!I.transactional()) return not_configured();
  int64_t deadline = deadline_of(timeout_ms);
  std::lock_guard api(I.txn_api_mu);
  std::unique_lock lk(I.txn_mu);
  if (txn_check_fatal(I)) return I.txn_error;
  int op = 0;
  switch (I.txn_state) {
    case TxnState::InTransaction:
      I.txn_state = TxnState::BeginCommit;
      [[fallthrough]];
    case TxnState::BeginCommit: {
      lk.unlock();
      int fe = flush(remaining_ms(deadline));
      lk.lock();
      if (txn_check_fatal(I)) return I.txn_error;
      if (I.txn_state == TxnState::AbortableError) return I.txn_error;
      if (fe) {
        return {err(LocalErr::TIMED_OUT),
                "Failed to flush all outstanding messages within the timeout: " + std::to_string(outq_len()) +
                    " message(s) remaining",
                false, true, false};
      }
      I.txn_state = TxnState::CommittingTransaction;
      I.txn_open.store(false);
      op = start_txn_op(I, [&I](int n) { I.txn_end(n, true, false); });
      break;
    }
    case TxnState::CommittingTransaction:
      op = I.txn_op_seq;
      break;
    case TxnState::CommitNotAcked:
      I.txn_state = TxnState::Ready;
      return {};
    case TxnState::AbortableError:
      return I.txn_error;
    default:
      return state_error(I.txn_state, "commit_transaction");
  }
  TxnError r = I.txn_wait_op(lk, op, deadline);
  if (!r && I.txn_state == TxnState::CommitNotAcked) I.txn_state = TxnState::Ready;
  if (r.retriable) r.reason = "Failed to commit the transaction within the timeout";
  return r;
}

TxnError ProducerCore::abort_transaction(int timeout_ms) {
  Impl& I = *impl_;
  if (!I.transactional()) return not_configured();
  int64_t deadline = deadline_of(timeout_ms);
  std::lock_guard api(I.txn_api_mu);
  std::unique_lock lk(I.txn_mu);
  if (txn_check_fatal(I)) return I.txn_error;
  int op = 0;
  switch (I.txn_state) {
    case TxnState::InTransaction:
    case TxnState::BeginCommit:
    case TxnState::AbortableError:
      I.txn_state = TxnState::BeginAbort;
      I.txn_open.store(false);
      [[fallthrough]];
    case TxnState::BeginAbort: {
      lk.unlock();
      purge(kPurgeQueue);
      int fe = flush(remaining_ms(deadline));  // waits for in-flight requests, serves DRs
      lk.lock();
      if (txn_check_fatal(I)) return I.txn_error;
      if (fe) return timeout_error("Waiting for outstanding messages before aborting");
      I.txn_state = TxnState::AbortingTransaction;
      bool bump = I.txn_bump_required;
      op = start_txn_op(I, [&I, bump](int n) { I.txn_end(n, false, bump); });
      break;
    }
    case TxnState::AbortingTransaction:
      op = I.txn_op_seq;
      break;
    case TxnState::AbortedNotAcked:
      I.txn_state = TxnState::Ready;
      return {};
    default:
      return state_error(I.txn_state, "abort_transaction");
  }
  TxnError r = I.txn_wait_op(lk, op, deadline);
  if (!r && I.txn_state == TxnState::AbortedNotAcked) I.txn_state = TxnState::Ready;
  if (r.retriable) r.reason = "Failed to abort the transaction within the timeout";
  return r;
}

}  // namespace kafka::client
