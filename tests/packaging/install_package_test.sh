#!/usr/bin/env bash
# The installed package, used the way a user would: cmake --install into a temporary directory,
# moved elsewhere (relocatable), then
#   1. the installed headers: no Boost/Asio; libkafkaplus-refbroker.so exports no Boost symbols;
#   2. an outside CMake project (consumer/) with find_package(kafkaplus COMPONENTS client eos
#      refbroker kctl) builds package_user (C API, C++ API, eos::Sink into SQLite, in-process
#      refbroker) and runs it;
#   3. the same program built with pkg-config (rdkafka++ kafkaplus-eos kafkaplus-refbroker) runs
#      against the installed refbroker executable (kafkaplus::refbroker_server), and kctl runs;
#   4. conan/test_package's CMake project (find_package + kafkaplus::* as Conan's CMakeDeps
#      makes them) builds against the prefix and runs;
#   5. every binary resolves libkafkaplus from the prefix and no librdkafka (ldd).
#   install_package_test.sh BUILD_DIR SOURCE_DIR CMAKE
set -euo pipefail
build=$1
src=$2
cmake=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kafkaplus-package.XXXXXX")
bpid=""
cleanup() {
  if [[ -n "$bpid" ]]; then kill "$bpid" 2>/dev/null; wait "$bpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
prefix=$work/prefix

# Installed into one directory and used from another: the CMake package and the .pc files must
# find everything relative to themselves.
"$cmake" --install "$build" --prefix "$work/staging" >"$work/install.log" || { cat "$work/install.log" >&2; fail "cmake --install"; }
mv "$work/staging" "$prefix"
if grep -rl "$work/staging" "$prefix/lib" --include='*.cmake' --include='*.pc'; then fail "package files name the install-time prefix"; fi
libdir=$(dirname "$(find "$prefix" -name 'libkafkaplus.so' | head -n1)")
[[ -f "$libdir/libkafkaplus.so" ]] || fail "libkafkaplus.so not installed"
for f in bin/refbroker bin/kctl include/librdkafka/rdkafkacpp.h include/eos/sink.h include/kafkaplus/refbroker/broker.h; do
  [[ -e "$prefix/$f" ]] || fail "$f not installed"
done
for f in libkafkaplus-refbroker.so libkafkaplus-eos.a libkafkaplus-eos-sink.a cmake/kafkaplus/kafkaplus-config.cmake \
         cmake/kafkaplus/kafkaplus-config-version.cmake pkgconfig/kafkaplus.pc pkgconfig/kafkaplus-eos.pc \
         pkgconfig/kafkaplus-refbroker.pc pkgconfig/rdkafka++.pc; do
  [[ -e "$libdir/$f" ]] || fail "$libdir/$f not installed"
done
# The in-tree static archive of the client is not part of the package (client/README.md).
[[ ! -e "$libdir/libkafkaplus.a" ]] || fail "libkafkaplus.a is installed"

# 1. No Boost or Asio behind the public headers or in the broker library's interface.
if grep -rlE '#\s*include\s*[<"](boost|asio)' "$prefix/include"; then fail "installed headers include Boost/Asio"; fi
nm -D --defined-only "$libdir/libkafkaplus-refbroker.so" | c++filt >"$work/refbroker-exports.txt"
if grep -q 'boost::' "$work/refbroker-exports.txt"; then fail "libkafkaplus-refbroker.so exports Boost symbols"; fi
grep -q 'refbroker::Broker::start()' "$work/refbroker-exports.txt" ||
  fail "libkafkaplus-refbroker.so does not export refbroker::Broker::start()"
echo "headers: $(find "$prefix/include" -name '*.h' | wc -l) installed, none includes Boost/Asio"

check_links() {
  local bin=$1
  ldd "$bin" >"$work/ldd.txt"
  for lib in libkafkaplus.so libkafkaplus-refbroker.so; do
    grep -q "$libdir/$lib" "$work/ldd.txt" || { cat "$work/ldd.txt" >&2; fail "$bin does not resolve $lib from the prefix"; }
  done
  if grep -q "librdkafka" "$work/ldd.txt"; then cat "$work/ldd.txt" >&2; fail "$bin links librdkafka"; fi
  echo "$(basename "$(dirname "$bin")")/$(basename "$bin"): libkafkaplus and libkafkaplus-refbroker from the prefix, no librdkafka"
}

# 2. find_package(kafkaplus) in an outside project.
"$cmake" -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; fail "find_package(kafkaplus) project: configure"; }
"$cmake" --build "$work/cmake-build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; fail "find_package project: build"; }
check_links "$work/cmake-build/package_user"
# A component the prefix lacks fails find_package with a message that names it.
mkdir -p "$work/missing"
printf 'cmake_minimum_required(VERSION 3.16)\nproject(missing CXX)\nfind_package(kafkaplus REQUIRED COMPONENTS client nosuchpart)\n' \
  >"$work/missing/CMakeLists.txt"
if "$cmake" -S "$work/missing" -B "$work/missing/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/missing.log" 2>&1; then
  fail "find_package(kafkaplus COMPONENTS nosuchpart) succeeded"
fi
grep -q "nosuchpart (not installed)" "$work/missing.log" || { cat "$work/missing.log" >&2; fail "no message naming the missing component"; }
"$work/cmake-build/package_user" --data-dir "$work/run-cmake" --records 1000 || fail "find_package build: run"

# 3. pkg-config, against the installed refbroker executable (as the package imports it).
export PKG_CONFIG_PATH=$libdir/pkgconfig
for pc in rdkafka++ kafkaplus-eos kafkaplus-eos-core kafkaplus-refbroker; do
  echo "pkg-config $pc: $(pkg-config --cflags --libs "$pc")"
done
[[ "$(pkg-config --libs rdkafka++)" != *-lrdkafka* ]] || fail "rdkafka++.pc links librdkafka"
mkdir -p "$work/pc-build"
cc -std=c99 -Wall -c "$here/consumer/produce_c.c" $(pkg-config --cflags rdkafka) -o "$work/pc-build/produce_c.o" ||
  fail "pkg-config rdkafka: compile produce_c.c"
c++ -std=c++20 -Wall "$here/consumer/package_user.cpp" "$work/pc-build/produce_c.o" -I"$here/consumer" \
  $(pkg-config --cflags --libs kafkaplus-refbroker kafkaplus-eos rdkafka++) -o "$work/pc-build/package_user" ||
  fail "pkg-config rdkafka++ kafkaplus-eos kafkaplus-refbroker: build"
export LD_LIBRARY_PATH=$libdir
check_links "$work/pc-build/package_user"

source <(sed 's/^/imported_/' "$work/cmake-build/imported_executables.txt")
[[ "$imported_refbroker_server" == "$prefix/bin/refbroker" ]] || fail "kafkaplus::refbroker_server is $imported_refbroker_server"
[[ "$imported_kctl" == "$prefix/bin/kctl" ]] || fail "kafkaplus::kctl is $imported_kctl"
"$imported_kctl" help >"$work/kctl.out" 2>&1 || { cat "$work/kctl.out" >&2; fail "kctl help"; }
[[ -s "$work/kctl.out" ]] || fail "kctl help printed nothing"
# The broker's "listening on HOST:PORT" line is read as it comes (no polling).
exec {broker_out}< <(exec "$imported_refbroker_server" --listen 127.0.0.1:0 --data-dir "$work/broker-data" 2>"$work/broker.err")
bpid=$!
read -r -t 30 line <&"$broker_out" || { cat "$work/broker.err" >&2; fail "installed refbroker did not start"; }
addr=${line#listening on }
"$work/pc-build/package_user" --data-dir "$work/run-pc" --bootstrap "$addr" --records 1000 || fail "pkg-config build: run"
kill -TERM "$bpid"
wait "$bpid" || fail "installed refbroker exited with status $?"
bpid=""

# 4. The Conan test_package's consumer, built against the CMake package.
unset LD_LIBRARY_PATH
"$cmake" -S "$src/conan/test_package" -B "$work/test_package" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$work/test_package.log" 2>&1 || { cat "$work/test_package.log" >&2; fail "conan/test_package: configure"; }
"$cmake" --build "$work/test_package" >>"$work/test_package.log" 2>&1 || { cat "$work/test_package.log" >&2; fail "conan/test_package: build"; }
check_links "$work/test_package/test_package"
"$work/test_package/test_package" || fail "conan/test_package: run"
echo "package install test passed"
