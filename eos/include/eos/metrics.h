// Counters the user can read while the sink runs (from any thread).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace eos {

struct MetricsSnapshot {
  std::chrono::steady_clock::time_point taken_at;
  std::uint64_t records = 0;           // input records whose effect was committed
  std::uint64_t rows = 0;              // rows written through bulk inserts, committed
  std::uint64_t batches = 0;           // committed transactions
  std::uint64_t transient_retries = 0; // deadlock / lock wait / busy: batch rolled back and retried
  std::uint64_t reconnects = 0;
  std::uint64_t commit_unknown = 0;    // COMMIT lost its connection; resolved by re-reading offsets
  std::uint64_t fenced = 0;            // batches (or partitions of one) refused as a zombie's
  std::uint64_t dead_letters = 0;
  std::uint64_t handler_failures = 0;  // handler threw; batch rolled back
  double commit_latency_p50_ms = 0;    // begin..COMMIT of a batch
  double commit_latency_p99_ms = 0;
  double commit_latency_max_ms = 0;
  std::map<std::string, std::int64_t> lag;  // "topic[partition]" -> high watermark - next offset
};

// Rates between two snapshots.
struct MetricsRates {
  double records_per_second = 0;
  double rows_per_second = 0;
  double batches_per_second = 0;
};
MetricsRates rates_between(const MetricsSnapshot& earlier, const MetricsSnapshot& later);

class Metrics {
 public:
  void add_committed(std::uint64_t records, std::uint64_t rows, std::chrono::nanoseconds latency);
  void add_transient_retry() { transient_retries_.fetch_add(1, std::memory_order_relaxed); }
  void add_reconnect() { reconnects_.fetch_add(1, std::memory_order_relaxed); }
  void add_commit_unknown() { commit_unknown_.fetch_add(1, std::memory_order_relaxed); }
  void add_fenced() { fenced_.fetch_add(1, std::memory_order_relaxed); }
  void add_dead_letter() { dead_letters_.fetch_add(1, std::memory_order_relaxed); }
  void add_handler_failure() { handler_failures_.fetch_add(1, std::memory_order_relaxed); }
  void set_lag(const std::string& partition, std::int64_t lag);
  void erase_lag(const std::string& partition);

  MetricsSnapshot snapshot() const;

 private:
  // Latency histogram: bucket i holds latencies in [2^i, 2^(i+1)) microseconds.
  static constexpr std::size_t kBuckets = 40;
  std::array<std::atomic<std::uint64_t>, kBuckets> latency_buckets_{};
  std::atomic<std::uint64_t> latency_max_ns_{0};
  std::atomic<std::uint64_t> records_{0}, rows_{0}, batches_{0}, transient_retries_{0}, reconnects_{0},
      commit_unknown_{0}, fenced_{0}, dead_letters_{0}, handler_failures_{0};
  mutable std::mutex lag_mutex_;
  std::map<std::string, std::int64_t> lag_;
};

}  // namespace eos
