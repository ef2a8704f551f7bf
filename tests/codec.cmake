# CRC-32C, compression codecs and the RecordBatch v2 codec (client/protocol).
foreach(t codec_crc32c_test codec_compression_test codec_record_batch_test codec_interop_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::protocol)
endforeach()

# Interop with librdkafka through its in-process mock cluster (needs librdkafka-dev).
pkg_check_modules(CODEC_RDKAFKA QUIET IMPORTED_TARGET rdkafka)
if(CODEC_RDKAFKA_FOUND)
  kafkaplus_unit_test(codec_rdkafka_test unit/codec_rdkafka_test.cpp)
  target_link_libraries(codec_rdkafka_test PRIVATE kafka::protocol PkgConfig::CODEC_RDKAFKA)
endif()

# Throughput benchmarks (Google Benchmark); built, not registered with ctest.
if(KAFKAPLUS_BUILD_BENCHMARKS)
  find_package(benchmark QUIET)
  if(benchmark_FOUND)
    add_executable(codec_bench bench/codec_bench.cpp)
    target_link_libraries(codec_bench PRIVATE kafka::protocol benchmark::benchmark)
  else()
    message(STATUS "Google Benchmark not found: codec_bench not built")
  endif()
endif()
