#!/usr/bin/env bash
# Builds refbroker and refbroker_bench, then runs the end-to-end throughput benchmark:
# librdkafka produces BENCH_MESSAGES (default 3,000,000) 100-byte messages to a fresh refbroker and
# consumes them back; prints msgs/s and MB/s for both directions and the broker's peak RSS.
#   bash tests/bench/refbroker_bench.sh [--messages N] [--size B] [--partitions P] [--compression C]
# Environment: BUILD_DIR (default build), BENCH_MESSAGES, BENCH_MSG_SIZE, BENCH_PARTITIONS, BENCH_COMPRESSION.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build}
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKAFKAPLUS_BUILD_BENCHMARKS=ON >/dev/null
fi
cmake --build "$build" -j2 --target refbroker refbroker_bench >/dev/null
exec "$build/tests/refbroker_bench" --refbroker "$build/broker/refbroker" "$@"
