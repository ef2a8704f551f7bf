#include "eos/metrics.h"

#include <bit>

namespace eos {

void Metrics::add_committed(std::uint64_t records, std::uint64_t rows, std::chrono::nanoseconds latency) {
  records_.fetch_add(records, std::memory_order_relaxed);
  rows_.fetch_add(rows, std::memory_order_relaxed);
  batches_.fetch_add(1, std::memory_order_relaxed);
  auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
  std::uint64_t micros = ns / 1000;
  std::size_t bucket = micros == 0 ? 0 : std::min<std::size_t>(std::bit_width(micros) - 1, kBuckets - 1);
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  std::uint64_t max = latency_max_ns_.load(std::memory_order_relaxed);
  while (ns > max && !latency_max_ns_.compare_exchange_weak(max, ns, std::memory_order_relaxed)) {
  }
}

void Metrics::set_lag(const std::string& partition, std::int64_t lag) {
  std::lock_guard lock(lag_mutex_);
  lag_[partition] = lag;
}

void Metrics::erase_lag(const std::string& partition) {
  std::lock_guard lock(lag_mutex_);
  lag_.erase(partition);
}

MetricsSnapshot Metrics::snapshot() const {
  MetricsSnapshot s;
  s.taken_at = std::chrono::steady_clock::now();
  s.records = records_.load(std::memory_order_relaxed);
  s.rows = rows_.load(std::memory_order_relaxed);
  s.batches = batches_.load(std::memory_order_relaxed);
  s.transient_retries = transient_retries_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.commit_unknown = commit_unknown_.load(std::memory_order_relaxed);
  s.fenced = fenced_.load(std::memory_order_relaxed);
  s.dead_letters = dead_letters_.load(std::memory_order_relaxed);
  s.handler_failures = handler_failures_.load(std::memory_order_relaxed);
  s.commit_latency_max_ms = static_cast<double>(latency_max_ns_.load(std::memory_order_relaxed)) / 1e6;
  std::array<std::uint64_t, kBuckets> counts{};
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) total += counts[i] = latency_buckets_[i].load(std::memory_order_relaxed);
  // A quantile is reported as the upper bound of its power-of-two bucket.
  auto quantile = [&](double q) {
    if (total == 0) return 0.0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts[i];
      if (seen >= rank) return static_cast<double>(std::uint64_t{2} << i) / 1000.0;
    }
    return s.commit_latency_max_ms;
  };
  s.commit_latency_p50_ms = std::min(quantile(0.50), s.commit_latency_max_ms);
  s.commit_latency_p99_ms = std::min(quantile(0.99), s.commit_latency_max_ms);
  {
    std::lock_guard lock(lag_mutex_);
    s.lag = lag_;
  }
  return s;
}

MetricsRates rates_between(const MetricsSnapshot& earlier, const MetricsSnapshot& later) {
  MetricsRates r;
  double seconds = std::chrono::duration<double>(later.taken_at - earlier.taken_at).count();
  if (seconds <= 0) return r;
  r.records_per_second = static_cast<double>(later.records - earlier.records) / seconds;
  r.rows_per_second = static_cast<double>(later.rows - earlier.rows) / seconds;
  r.batches_per_second = static_cast<double>(later.batches - earlier.batches) / seconds;
  return r;
}

}  // namespace eos
