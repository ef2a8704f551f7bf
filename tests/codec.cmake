# CRC-32C, compression codecs and the RecordBatch v2 codec (client/protocol).
foreach(t codec_crc32c_test codec_compression_test codec_record_batch_test codec_interop_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::protocol)
endforeach()

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
