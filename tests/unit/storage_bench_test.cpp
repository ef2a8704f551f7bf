// Append/read throughput of PartitionLog (a tool, not part of the suite):
//   storage_bench [total MiB = 1024] [message bytes = 100] [messages per batch = 100] [dir]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "storage/partition_log.h"
#include "storage_test_util.h"

using namespace refbroker::storage;

int main(int argc, char** argv) {
  size_t total_mb = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  size_t msg = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100;
  int per_batch = argc > 3 ? std::atoi(argv[3]) : 100;
  storage_test::TempDir tmp;
  auto dir = argc > 4 ? std::filesystem::path(argv[4]) : tmp.path / "bench-0";
  LogConfig cfg;  // Kafka defaults: 1 GiB segments, fsync on roll
  auto log = PartitionLog::open(dir, cfg);
  if (!log.ok()) { std::fprintf(stderr, "%s\n", log.message().c_str()); return 1; }
  auto proto = storage_test::make_batch({.records = per_batch, .value_size = msg});
  std::vector<uint8_t> b = proto;
  size_t batches = total_mb * 1024 * 1024 / proto.size();
  auto t0 = std::chrono::steady_clock::now();
  double worst_us = 0;
  for (size_t i = 0; i < batches; ++i) {
    b = proto;  // a produce request buffer (the copy is counted; it is what a broker gets)
    auto a0 = std::chrono::steady_clock::now();
    auto r = (*log)->append(b);
    worst_us = std::max(worst_us, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a0).count());
    if (!r.ok()) { std::fprintf(stderr, "append: %s\n", r.message().c_str()); return 1; }
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double mb = static_cast<double>(batches * proto.size()) / (1024.0 * 1024.0);
  std::printf("append: %zu batches x %d msgs x %zu B: %.0f MiB in %.2f s = %.0f MiB/s, %.2f M msgs/s, "
              "%.2f us/append (worst %.0f us), %zu segments\n",
              batches, per_batch, msg, mb, s, mb / s, static_cast<double>(batches) * per_batch / s / 1e6,
              s * 1e6 / static_cast<double>(batches), worst_us, (*log)->segment_count());

  t0 = std::chrono::steady_clock::now();
  int64_t next = 0, reads = 0;
  std::vector<uint8_t> buf;
  while (next < (*log)->log_end_offset()) {
    auto r = (*log)->read(next, 1 << 20);
    if (!r.ok() || r->slice.length == 0) { std::fprintf(stderr, "read failed at %lld\n", (long long)next); return 1; }
    next = r->next_offset;
    ++reads;
  }
  s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("read (slices of 1 MiB, no copy): %lld reads in %.3f s = %.1f us/read\n", (long long)reads, s, s * 1e6 / reads);

  (*log)->close();
  t0 = std::chrono::steady_clock::now();
  auto again = PartitionLog::open(dir, cfg);
  s = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("reopen after clean shutdown: %.2f ms (leo %lld)\n", s, (long long)(*again)->log_end_offset());
  (*again)->close();
  std::filesystem::remove(dir / PartitionLog::kCleanShutdownFile);
  t0 = std::chrono::steady_clock::now();
  again = PartitionLog::open(dir, cfg);
  s = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("reopen with recovery of the active segment: %.2f ms\n", s);
  return 0;
}
