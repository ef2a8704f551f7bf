#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and builds the examples the way a
# librdkafka user would: with pkg-config (rdkafka++ / rdkafka) and with a CMake project using
# find_package(kafkaplus). Checks that they use our headers and link libkafkaplus (not
# librdkafka), then runs them against a refbroker.
#   install_test.sh BUILD_DIR SOURCE_DIR REFBROKER CMAKE
set -euo pipefail
build=$1
src=$2
refbroker=$3
cmake=$4
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kafkaplus-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log" >&2; fail "cmake --install"; }
libdir=$(dirname "$(find "$prefix" -name 'libkafkaplus.so' | head -n1)")
[[ -n "$libdir" && -f "$libdir/libkafkaplus.so" ]] || fail "libkafkaplus.so not installed"
for f in include/librdkafka/rdkafka.h include/librdkafka/rdkafkacpp.h; do
  [[ -f "$prefix/$f" ]] || fail "$f not installed"
done
export PKG_CONFIG_PATH=$libdir/pkgconfig
export LD_LIBRARY_PATH=$libdir

# 1. pkg-config picks up our files.
libs_cpp=$(pkg-config --libs rdkafka++)
cflags_cpp=$(pkg-config --cflags rdkafka++)
echo "pkg-config rdkafka++: $cflags_cpp $libs_cpp"
[[ "$libs_cpp" == *-lkafkaplus* ]] || fail "rdkafka++.pc does not link -lkafkaplus: $libs_cpp"
[[ "$libs_cpp" != *-lrdkafka* ]] || fail "rdkafka++.pc links librdkafka: $libs_cpp"
[[ "$(cd "$(echo "$cflags_cpp" | sed 's/^-I//; s/ .*//')" && pwd -P)" == "$(cd "$prefix/include" && pwd -P)" ]] ||
  fail "rdkafka++.pc include dir is not the install prefix: $cflags_cpp"

# Our headers win over the system's /usr/include/librdkafka.
cat >"$work/probe.cpp" <<'PROBE'
#include <librdkafka/rdkafkacpp.h>
#include <librdkafka/rdkafka.h>
#if !defined(KAFKAPLUS_LIBRDKAFKA_RDKAFKA_H) || !defined(KAFKAPLUS_LIBRDKAFKA_RDKAFKACPP_H)
#error "not kafkaplus headers"
#endif
int main() { return RdKafka::version() == RD_KAFKA_VERSION ? 0 : 1; }
PROBE
c++ -std=c++11 "$work/probe.cpp" $cflags_cpp $libs_cpp -o "$work/probe" || fail "probe build"
"$work/probe" || fail "probe run"

# 2. The examples, built with pkg-config.
c++ -std=c++11 -Wall "$src/examples/producer_cpp/producer.cpp" $(pkg-config --cflags --libs rdkafka++) \
  -o "$work/producer_cpp" || fail "building producer_cpp with pkg-config rdkafka++"
cc -std=c99 -Wall "$src/examples/producer_c/producer.c" $(pkg-config --cflags --libs rdkafka) \
  -o "$work/producer_c" || fail "building producer_c with pkg-config rdkafka"
c++ -std=c++11 -Wall "$src/examples/consumer_offsets_store/consumer.cpp" $(pkg-config --cflags --libs rdkafka++) \
  -o "$work/consumer_offsets_store" || fail "building consumer_offsets_store with pkg-config rdkafka++"

check_links() {
  local bin=$1
  ldd "$bin" >"$work/ldd.txt"
  grep -q "libkafkaplus.so" "$work/ldd.txt" || { cat "$work/ldd.txt" >&2; fail "$bin does not link libkafkaplus"; }
  grep -q "$libdir/libkafkaplus.so" "$work/ldd.txt" || { cat "$work/ldd.txt" >&2; fail "$bin resolves another libkafkaplus"; }
  if grep -q "librdkafka" "$work/ldd.txt"; then cat "$work/ldd.txt" >&2; fail "$bin links librdkafka"; fi
  nm -D --undefined-only "$bin" | grep -q "rd_kafka_\|RdKafka" || fail "$bin uses no rd_kafka symbols"
  echo "$bin: links $(grep -o '[^ ]*libkafkaplus.so[^ ]*' "$work/ldd.txt" | head -n1), no librdkafka"
}
check_links "$work/producer_cpp"
check_links "$work/producer_c"
check_links "$work/consumer_offsets_store"

# 3. A CMake project using find_package(kafkaplus).
mkdir -p "$work/proj"
cp "$src/examples/producer_cpp/producer.cpp" "$work/proj/"
cat >"$work/proj/CMakeLists.txt" <<'PROJ'
cmake_minimum_required(VERSION 3.16)
project(kafkaplus_consumer_project CXX)
find_package(kafkaplus 0.1 REQUIRED)
add_executable(producer producer.cpp)
target_link_libraries(producer PRIVATE kafkaplus::kafkaplus)
PROJ
"$cmake" -S "$work/proj" -B "$work/proj/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/proj.log" 2>&1 ||
  { cat "$work/proj.log" >&2; fail "find_package(kafkaplus) project configure"; }
"$cmake" --build "$work/proj/build" >>"$work/proj.log" 2>&1 || { cat "$work/proj.log" >&2; fail "find_package project build"; }
check_links "$work/proj/build/producer"

# 4. They run against a broker.
"$here/with_refbroker.sh" "$refbroker" "$work/producer_cpp" "hello" "from" "c++" || fail "producer_cpp run"
"$here/with_refbroker.sh" "$refbroker" "$work/producer_c" "hello" "from" "c" || fail "producer_c run"
"$here/with_refbroker.sh" "$refbroker" "$work/proj/build/producer" "hello" || fail "find_package producer run"
echo "install test passed"
