#include "producer_state.h"

#include <algorithm>
#include <fstream>

#include "storage/io.h"
#include "text_records.h"

namespace refbroker {

using kafka::Error;

namespace {
// Sequence numbers wrap from INT32_MAX to 0 (Kafka's DefaultRecordBatch.incrementSequence).
int32_t next_seq(int32_t seq) { return seq == INT32_MAX ? 0 : seq + 1; }
int32_t last_seq_of(const kafka::BatchHeader& h) {
  int64_t last = static_cast<int64_t>(h.base_sequence) + h.last_offset_delta;
  return static_cast<int32_t>(last > INT32_MAX ? last - INT32_MAX - 1 : last);
}
}  // namespace

PartitionProducerState::Check PartitionProducerState::check(const kafka::BatchHeader& h) const {
  Check c;
  auto it = producers_.find(h.producer_id);
  if (it == producers_.end()) {
    if (h.base_sequence != 0) {
      c.error = Error::UNKNOWN_PRODUCER_ID;
      c.message = "Unknown producer " + std::to_string(h.producer_id) + " with sequence " + std::to_string(h.base_sequence);
    }
    return c;
  }
  const ProducerEntry& e = it->second;
  if (h.producer_epoch < e.epoch) {
    c.error = Error::INVALID_PRODUCER_EPOCH;
    c.message = "Epoch " + std::to_string(h.producer_epoch) + " is older than the current epoch " + std::to_string(e.epoch);
    return c;
  }
  if (h.producer_epoch > e.epoch) {
    if (h.base_sequence != 0) {
      c.error = Error::OUT_OF_ORDER_SEQUENCE_NUMBER;
      c.message = "Invalid sequence number for new epoch: " + std::to_string(h.base_sequence);
    }
    return c;
  }
  int32_t last = last_seq_of(h);
  for (const auto& b : e.batches)
    if (b.first_seq == h.base_sequence && b.last_seq == last) {
      c.duplicate = &b;
      return c;
    }
  if (!e.batches.empty() && h.base_sequence != next_seq(e.batches.back().last_seq)) {
    c.error = Error::OUT_OF_ORDER_SEQUENCE_NUMBER;
    c.message = "Out of order sequence number for producer " + std::to_string(h.producer_id) + ": " +
                std::to_string(h.base_sequence) + " (expected " + std::to_string(next_seq(e.batches.back().last_seq)) + ")";
  }
  return c;
}

void PartitionProducerState::record(const kafka::BatchHeader& h, int64_t base_offset) {
  if (h.producer_id < 0) return;
  if (h.is_transactional()) {
    if (h.is_control()) open_txns_.erase(h.producer_id);
    else open_txns_.try_emplace(h.producer_id, base_offset);
  }
  ProducerEntry& e = producers_[h.producer_id];
  if (h.producer_epoch != e.epoch) {
    e.epoch = h.producer_epoch;
    e.batches.clear();
  }
  if (h.base_sequence < 0) return;  // control batches carry no sequence
  e.batches.push_back({h.base_sequence, last_seq_of(h), base_offset, base_offset + h.last_offset_delta, h.max_timestamp});
  if (e.batches.size() > kMaxCachedBatches) e.batches.pop_front();
}

void PartitionProducerState::ensure_loaded(storage::PartitionLog& log) {
  if (loaded_) return;
  loaded_ = true;
  txn_index_ = log.dir() / "partition.txnindex";
  if (auto bytes = storage::io::read_small_file(txn_index_)) {
    // Entries of 34 bytes; a torn last one (crash mid-write) is ignored.
    auto be = [&](size_t at, int n) {
      uint64_t v = 0;
      for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>((*bytes)[at + i]);
      return static_cast<int64_t>(v);
    };
    for (size_t at = 0; at + 34 <= bytes->size(); at += 34)
      aborted_.push_back({be(at + 2, 8), be(at + 10, 8), be(at + 18, 8)});
  }
  (void)log.visit_batches(log.log_start_offset(), [this](const kafka::BatchHeader& h) {
    if (h.producer_id >= 0) record(h, h.base_offset);
    return true;
  });
}

int64_t PartitionProducerState::last_stable_offset(int64_t log_end) const {
  int64_t lso = log_end;
  for (auto& [pid, first] : open_txns_) lso = std::min(lso, first);
  return lso;
}

std::vector<AbortedTxn> PartitionProducerState::aborted_between(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  for (auto& a : aborted_)
    if (a.last_offset >= from && a.first_offset < to) out.push_back(a);
  return out;
}

void PartitionProducerState::record_abort(int64_t producer_id, int64_t marker_offset, int64_t log_end) {
  auto it = open_txns_.find(producer_id);
  if (it == open_txns_.end()) return;
  for (auto& a : aborted_)
    if (a.producer_id == producer_id && a.first_offset == it->second) return;  // a marker written again
  AbortedTxn a{producer_id, it->second, marker_offset};
  std::string entry;
  auto put = [&](int64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) entry += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  };
  put(0, 2);
  put(a.producer_id, 8);
  put(a.first_offset, 8);
  put(a.last_offset, 8);
  put(last_stable_offset(log_end), 8);
  text_records::append(txn_index_, entry);
  aborted_.push_back(a);
}

ProducerStates::ProducerStates(std::string data_dir) : id_file_(std::move(data_dir) + "/producer-id-block") {
  std::ifstream in(id_file_);
  int64_t end = 0;
  if (in >> end) next_id_ = block_end_ = end;
}

std::shared_ptr<PartitionProducerState> ProducerStates::partition(const std::string& topic, int32_t partition) {
  std::lock_guard lock(mu_);
  auto& p = partitions_[{topic, partition}];
  if (!p) p = std::make_shared<PartitionProducerState>();
  return p;
}

void ProducerStates::forget_topic(const std::string& topic) {
  std::lock_guard lock(mu_);
  for (auto it = partitions_.begin(); it != partitions_.end();)
    it = it->first.first == topic ? partitions_.erase(it) : std::next(it);
}

int64_t ProducerStates::allocate_producer_id() {
  std::lock_guard lock(mu_);
  if (next_id_ >= block_end_) {
    // Persist the end of the new block before handing out ids from it.
    block_end_ = next_id_ + kBlockSize;
    std::string tmp = id_file_ + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << block_end_ << "\n";
      out.flush();
    }
    std::rename(tmp.c_str(), id_file_.c_str());
  }
  return next_id_++;
}

}  // namespace refbroker
