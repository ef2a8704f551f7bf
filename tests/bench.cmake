# refbroker_bench: end-to-end produce/fetch throughput of refbroker driven by the system librdkafka.
# Not a ctest test: run it with `bash tests/bench/refbroker_bench.sh` (see tests/bench/README.md).
if(NOT KAFKAPLUS_BUILD_BENCHMARKS OR NOT TARGET refbroker)
  return()
endif()
pkg_check_modules(BENCH_RDKAFKA QUIET IMPORTED_TARGET rdkafka)
if(NOT BENCH_RDKAFKA_FOUND)
  message(STATUS "librdkafka not found: refbroker_bench not built")
  return()
endif()
add_executable(refbroker_bench bench/refbroker_bench.cpp)
target_link_libraries(refbroker_bench PRIVATE PkgConfig::BENCH_RDKAFKA)
target_compile_definitions(refbroker_bench PRIVATE REFBROKER_PATH="$<TARGET_FILE:refbroker>")
add_dependencies(refbroker_bench refbroker)
