// Codec throughput: CRC-32C, RecordBatchBuilder with 100-byte values, validation and iteration.
//   ninja -C build codec_bench && build/tests/codec_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kafka/protocol/crc32c.h"
#include "kafka/protocol/record_batch.h"

namespace kafka::detail {
uint32_t crc32c_portable(const void* data, size_t n, uint32_t crc);
}

namespace {

using namespace kafka;

std::vector<uint8_t> random_bytes(size_t n) {
  std::mt19937 rng(1);
  std::vector<uint8_t> b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

void BM_Crc32c(benchmark::State& st) {
  auto buf = random_bytes(static_cast<size_t>(st.range(0)));
  uint32_t c = 0;
  for (auto _ : st) {
    c = crc32c(buf.data(), buf.size(), c);
    benchmark::DoNotOptimize(c);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}
BENCHMARK(BM_Crc32c)->Arg(64)->Arg(1024)->Arg(16 << 10)->Arg(1 << 20);

void BM_Crc32cPortable(benchmark::State& st) {
  auto buf = random_bytes(static_cast<size_t>(st.range(0)));
  uint32_t c = 0;
  for (auto _ : st) {
    c = detail::crc32c_portable(buf.data(), buf.size(), c);
    benchmark::DoNotOptimize(c);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}
BENCHMARK(BM_Crc32cPortable)->Arg(1 << 20);

// Producer path: fill a batch up to 1 MiB with 100-byte values (null keys), then finish().
void BM_Builder100(benchmark::State& st) {
  const auto codec = static_cast<Compression>(st.range(0));
  std::vector<uint8_t> value(100);
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<uint8_t>('a' + i % 26);
  const size_t batch_size = 1 << 20;
  RecordBatchBuilder b(batch_size + 4096);
  int64_t records = 0, bytes = 0;
  int64_t ts = 1700000000000;
  for (auto _ : st) {
    b.reset();
    while (b.size_estimate() + 128 <= batch_size) b.append(ts++, std::nullopt, ByteView(value));
    ByteView out = b.finish(codec, 1, 0, 0);
    benchmark::DoNotOptimize(out.data());
    records += b.count();
    bytes += static_cast<int64_t>(b.size_estimate());
  }
  st.counters["msgs/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  st.SetBytesProcessed(bytes);
  st.SetLabel(std::string(compression_name(codec)));
}
BENCHMARK(BM_Builder100)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond);

std::vector<uint8_t> batch_of_100_byte_values(Compression codec, size_t n) {
  std::vector<uint8_t> value(100, 'v');
  RecordBatchBuilder b;
  for (size_t i = 0; i < n; ++i) b.append(static_cast<int64_t>(i), std::nullopt, ByteView(value));
  ByteView o = b.finish(codec, 1, 0, 0);
  return {o.begin(), o.end()};
}

// Broker path: full validation of a produced batch (CRC, decompression, every record).
void BM_Validate100(benchmark::State& st) {
  const auto codec = static_cast<Compression>(st.range(0));
  const size_t n = 9000;  // ~1 MiB uncompressed
  auto batch = batch_of_100_byte_values(codec, n);
  for (auto _ : st) {
    auto v = validate_batch(batch);
    if (!v) st.SkipWithError(v.reason);
    benchmark::DoNotOptimize(v.records);
  }
  st.counters["msgs/s"] = benchmark::Counter(static_cast<double>(st.iterations() * n),
                                             benchmark::Counter::kIsRate);
  st.SetLabel(std::string(compression_name(codec)));
}
BENCHMARK(BM_Validate100)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond);

// Consumer path: open a view and touch every record's value.
void BM_View100(benchmark::State& st) {
  const auto codec = static_cast<Compression>(st.range(0));
  const size_t n = 9000;
  auto batch = batch_of_100_byte_values(codec, n);
  RecordBatchView view;
  for (auto _ : st) {
    view.reset(batch);
    size_t total = 0;
    for (const Record& r : view) total += r.value->size();
    benchmark::DoNotOptimize(total);
  }
  st.counters["msgs/s"] = benchmark::Counter(static_cast<double>(st.iterations() * n),
                                             benchmark::Counter::kIsRate);
  st.SetLabel(std::string(compression_name(codec)));
}
BENCHMARK(BM_View100)->DenseRange(0, 4)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
