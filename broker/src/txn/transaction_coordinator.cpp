#include "txn/transaction_coordinator.h"

#include <csignal>
#include <sstream>

#include "storage/io.h"
#include "text_records.h"

namespace refbroker::txn {

using kafka::Error;
using text_records::parse_int;
using text_records::tok;
using text_records::untok;

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
constexpr int16_t kMaxEpoch = 32767;
}  // namespace

const char* txn_state_name(TxnState s) {
  switch (s) {
    case TxnState::Empty: return "Empty";
    case TxnState::Ongoing: return "Ongoing";
    case TxnState::PrepareCommit: return "PrepareCommit";
    case TxnState::PrepareAbort: return "PrepareAbort";
    case TxnState::CompleteCommit: return "CompleteCommit";
    case TxnState::CompleteAbort: return "CompleteAbort";
    case TxnState::Dead: return "Dead";
  }
  return "Unknown";
}

TransactionCoordinator::TransactionCoordinator(std::filesystem::path data_dir, TxnConfig config, TxnHooks hooks)
    : file_(data_dir / "__transaction_state" / "transactions.log"), config_(config), hooks_(std::move(hooks)) {
  std::filesystem::create_directories(file_.parent_path());
  load();
  next_check_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.abort_check_interval_ms);
  next_expiration_check_ =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.id_expiration_check_interval_ms);
}

// ---- requests

TransactionCoordinator::InitResult TransactionCoordinator::init_producer_id(const std::string& txn_id, int32_t timeout_ms,
                                                                            int64_t expected_id, int16_t expected_epoch) {
  InitResult r;
  if (timeout_ms <= 0 || timeout_ms > config_.max_timeout_ms) {
    r.error = Error::INVALID_TRANSACTION_TIMEOUT;
    return r;
  }
  std::lock_guard lock(mu_);
  auto [it, created] = txns_.try_emplace(txn_id);
  Txn& t = it->second;
  if (created) {
    t.id = txn_id;
    t.producer_id = hooks_.allocate_producer_id();
    t.epoch = 0;
  } else {
    // KIP-360: only the current instance may ask to bump its own epoch.
    if (expected_id >= 0 && !(expected_id == t.producer_id && expected_epoch == t.epoch)) {
      r.error = Error::PRODUCER_FENCED;
      return r;
    }
    if (t.state == TxnState::PrepareCommit || t.state == TxnState::PrepareAbort) {
      r.error = Error::CONCURRENT_TRANSACTIONS;
      return r;
    }
    if (t.state == TxnState::Ongoing) {
      // The previous instance left a transaction open: fence it and abort (markers carry the new epoch).
      bump_epoch_locked(t);
      end_locked(t, false);
    }
    bump_epoch_locked(t);
  }
  t.timeout_ms = timeout_ms;
  t.state = TxnState::Empty;
  t.partitions.clear();
  t.groups.clear();
  persist_locked(t);
  r.producer_id = t.producer_id;
  r.producer_epoch = t.epoch;
  return r;
}

Error TransactionCoordinator::validate_locked(const Txn* t, int64_t producer_id, int16_t epoch) const {
  if (!t || t->producer_id != producer_id) return Error::INVALID_PRODUCER_ID_MAPPING;
  if (epoch != t->epoch) return Error::PRODUCER_FENCED;
  return Error::NONE;
}

Error TransactionCoordinator::add_partitions(const std::string& txn_id, int64_t producer_id, int16_t epoch,
                                             const std::vector<std::pair<std::string, int32_t>>& partitions) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(txn_id);
  Txn* t = it == txns_.end() ? nullptr : &it->second;
  if (Error e = validate_locked(t, producer_id, epoch); e != Error::NONE) return e;
  if (t->state == TxnState::PrepareCommit || t->state == TxnState::PrepareAbort) return Error::CONCURRENT_TRANSACTIONS;
  bool changed = t->state != TxnState::Ongoing;
  if (changed) {
    t->state = TxnState::Ongoing;
    t->start_ms = wall_ms();
  }
  for (auto& p : partitions) changed |= t->partitions.insert(p).second;
  if (changed) persist_locked(*t);
  return Error::NONE;
}

Error TransactionCoordinator::add_offsets(const std::string& txn_id, int64_t producer_id, int16_t epoch,
                                          const std::string& group) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(txn_id);
  Txn* t = it == txns_.end() ? nullptr : &it->second;
  if (Error e = validate_locked(t, producer_id, epoch); e != Error::NONE) return e;
  if (t->state == TxnState::PrepareCommit || t->state == TxnState::PrepareAbort) return Error::CONCURRENT_TRANSACTIONS;
  bool changed = t->state != TxnState::Ongoing;
  if (changed) {
    t->state = TxnState::Ongoing;
    t->start_ms = wall_ms();
  }
  changed |= t->groups.insert(group).second;
  if (changed) persist_locked(*t);
  return Error::NONE;
}

Error TransactionCoordinator::end_txn(const std::string& txn_id, int64_t producer_id, int16_t epoch, bool commit) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(txn_id);
  Txn* t = it == txns_.end() ? nullptr : &it->second;
  if (Error e = validate_locked(t, producer_id, epoch); e != Error::NONE) return e;
  switch (t->state) {
    case TxnState::Ongoing:
      end_locked(*t, commit);
      return Error::NONE;
    case TxnState::CompleteCommit:  // a retried EndTxn whose answer was lost
      return commit ? Error::NONE : Error::INVALID_TXN_STATE;
    case TxnState::CompleteAbort:
      return commit ? Error::INVALID_TXN_STATE : Error::NONE;
    case TxnState::PrepareCommit:
    case TxnState::PrepareAbort:
      return Error::CONCURRENT_TRANSACTIONS;
    case TxnState::Empty:
    case TxnState::Dead:
      break;
  }
  return Error::INVALID_TXN_STATE;
}

void TransactionCoordinator::tick() {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  int64_t now_ms = wall_ms();
  if (now >= next_check_) {
    next_check_ = now + std::chrono::milliseconds(config_.abort_check_interval_ms);
    for (auto& [id, t] : txns_)
      if (t.state == TxnState::Ongoing && now_ms - t.start_ms > t.timeout_ms) {
        // As Kafka: the epoch is bumped so the producer that let it time out is fenced.
        bump_epoch_locked(t);
        end_locked(t, false);
      }
  }
  if (now >= next_expiration_check_) {
    next_expiration_check_ = now + std::chrono::milliseconds(config_.id_expiration_check_interval_ms);
    for (auto it = txns_.begin(); it != txns_.end();) {
      Txn& t = it->second;
      bool idle = t.state == TxnState::Empty || t.state == TxnState::CompleteCommit || t.state == TxnState::CompleteAbort;
      if (idle && now_ms - t.update_ms > config_.id_expiration_ms) {
        t.state = TxnState::Dead;  // the tombstone: a Dead record is dropped on load
        persist_locked(t);
        it = txns_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

TxnState TransactionCoordinator::state(const std::string& txn_id) {
  std::lock_guard lock(mu_);
  auto it = txns_.find(txn_id);
  return it == txns_.end() ? TxnState::Dead : it->second.state;
}

// ---- state changes

void TransactionCoordinator::bump_epoch_locked(Txn& t) {
  if (t.epoch >= kMaxEpoch - 1) {
    t.producer_id = hooks_.allocate_producer_id();
    t.epoch = 0;
  } else {
    ++t.epoch;
  }
}

void TransactionCoordinator::end_locked(Txn& t, bool commit) {
  t.state = commit ? TxnState::PrepareCommit : TxnState::PrepareAbort;
  persist_locked(t);
  if (config_.crash_after_prepare) ::raise(SIGKILL);  // test hook: a crash between prepare and markers
  finish_locked(t, commit);
}

void TransactionCoordinator::finish_locked(Txn& t, bool commit) {
  for (auto& [topic, partition] : t.partitions) hooks_.write_marker(topic, partition, t.producer_id, t.epoch, commit);
  for (auto& group : t.groups) hooks_.complete_offsets(group, t.producer_id, commit);
  t.state = commit ? TxnState::CompleteCommit : TxnState::CompleteAbort;
  t.partitions.clear();
  t.groups.clear();
  persist_locked(t);
}

// ---- the transaction log
//
//   T <transactional id> <producer id> <epoch> <timeout ms> <state> <start ms> <n> n*(<topic> <partition>)
//     <m> m*(<group>) <update ms> x
// (records written before <update ms> existed are read with the load time instead.)

std::string TransactionCoordinator::record(const Txn& t) {
  std::ostringstream line;
  line << "T " << tok(std::string_view(t.id)) << ' ' << t.producer_id << ' ' << t.epoch << ' ' << t.timeout_ms << ' '
       << static_cast<int>(t.state) << ' ' << t.start_ms << ' ' << t.partitions.size();
  for (auto& [topic, partition] : t.partitions) line << ' ' << tok(std::string_view(topic)) << ' ' << partition;
  line << ' ' << t.groups.size();
  for (auto& g : t.groups) line << ' ' << tok(std::string_view(g));
  line << ' ' << t.update_ms << " x\n";
  return line.str();
}

void TransactionCoordinator::persist_locked(Txn& t) {
  t.update_ms = wall_ms();
  text_records::append(file_, record(t));
}

void TransactionCoordinator::load() {
  const int64_t load_ms = wall_ms();
  size_t records = text_records::replay(file_, [&](const std::vector<std::string>& f) {
    if (f[0] != "T" || f.size() < 9) return false;
    Txn t;
    int state = 0;
    size_t n = 0, m = 0;
    if (!(untok(f[1], t.id) && parse_int(f[2], t.producer_id) && parse_int(f[3], t.epoch) &&
          parse_int(f[4], t.timeout_ms) && parse_int(f[5], state) && parse_int(f[6], t.start_ms) && parse_int(f[7], n)))
      return false;
    if (state < 0 || state > static_cast<int>(TxnState::Dead) || f.size() < 9 + 2 * n) return false;
    t.state = static_cast<TxnState>(state);
    size_t at = 8;
    for (size_t i = 0; i < n; ++i, at += 2) {
      std::string topic;
      int32_t partition = 0;
      if (!(untok(f[at], topic) && parse_int(f[at + 1], partition))) return false;
      t.partitions.insert({topic, partition});
    }
    if (!parse_int(f[at], m) || (f.size() != at + 2 + m && f.size() != at + 3 + m)) return false;
    for (size_t i = 0; i < m; ++i) {
      std::string g;
      if (!untok(f[at + 1 + i], g)) return false;
      t.groups.insert(g);
    }
    t.update_ms = load_ms;
    if (f.size() == at + 3 + m && !parse_int(f[at + 1 + m], t.update_ms)) return false;
    std::string id = t.id;
    if (t.state == TxnState::Dead) txns_.erase(id);  // expired
    else txns_[id] = std::move(t);
    return true;
  });
  // A transaction caught between prepare and complete by a crash is finished now.
  for (auto& [id, t] : txns_)
    if (t.state == TxnState::PrepareCommit || t.state == TxnState::PrepareAbort)
      finish_locked(t, t.state == TxnState::PrepareCommit);
  if (records > txns_.size() * 2 + 64) {
    std::string content;
    for (auto& [id, t] : txns_) content += record(t);
    storage::io::write_file_atomic(file_, content, true);
  }
}

}  // namespace refbroker::txn
