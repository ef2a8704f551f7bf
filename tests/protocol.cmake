kafkaplus_unit_test(protocol_schema_test unit/protocol_schema_test.cpp)
target_link_libraries(protocol_schema_test PRIVATE kafka::protocol)

kafkaplus_unit_test(protocol_roundtrip_test unit/protocol_roundtrip_test.cpp)
target_link_libraries(protocol_roundtrip_test PRIVATE kafka::protocol)

kafkaplus_unit_test(protocol_golden_test unit/protocol_golden_test.cpp)
target_link_libraries(protocol_golden_test PRIVATE kafka::protocol)

# libFuzzer target for the request decoder (see the build/run comment at the top of the file).
# protocol.cpp is compiled in rather than linked from kafka_protocol so that all of the decoding
# path carries the fuzzer and sanitizer instrumentation.
if(KAFKAPLUS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KAFKAPLUS_FUZZ needs clang: CC=clang CXX=clang++ cmake ...")
  endif()
  add_executable(request_decoder_fuzz fuzz/request_decoder_fuzz.cpp
                 ${CMAKE_CURRENT_LIST_DIR}/../client/protocol/src/protocol.cpp)
  target_include_directories(request_decoder_fuzz PRIVATE
                             $<TARGET_PROPERTY:kafka_protocol,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_features(request_decoder_fuzz PRIVATE cxx_std_20)
  target_compile_options(request_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(request_decoder_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
endif()

kafkaplus_unit_test(sasl_scram_test unit/sasl_scram_test.cpp)
target_link_libraries(sasl_scram_test PRIVATE kafka::sasl)
