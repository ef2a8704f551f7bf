# librdkafka-compatible facades (client/include/librdkafka, client/facade).

# Unit tests: in-process, no broker.
foreach(t facade_conf_test facade_errors_test facade_headers_test facade_producev_test
          facade_consumer_api_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::client)
endforeach()

# The consumer-side C++ signatures: this file compiles only if they are librdkafka's.
add_executable(facade_cpp_signatures compat/cpp_consumer_signatures.cpp)
target_link_libraries(facade_cpp_signatures PRIVATE kafkaplus::kafkaplus)
add_test(NAME facade_cpp_signatures COMMAND facade_cpp_signatures)
set_tests_properties(facade_cpp_signatures PROPERTIES LABELS unit)

# Compile-unchanged tests: typical librdkafka producer programs (C++ and C) built against our
# headers and libkafkaplus.so, run against a refbroker started on an ephemeral port.
add_executable(compat_producer_cpp compat/producer_cpp.cpp)
target_link_libraries(compat_producer_cpp PRIVATE kafkaplus::kafkaplus)
add_executable(compat_producer_c compat/producer_c.c)
target_link_libraries(compat_producer_c PRIVATE kafkaplus::kafkaplus)
set_target_properties(compat_producer_c PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)

foreach(prog compat_producer_cpp compat_producer_c)
  add_test(NAME ${prog}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                   $<TARGET_FILE:${prog}> 200)
  set_tests_properties(${prog} PROPERTIES LABELS integration TIMEOUT 120)
endforeach()

# Compile-unchanged consumers (C++ with EventCb/RebalanceCb/commitSync, C with
# subscribe/consumer_poll/commit/close): each produces its data first, then consumes and checks
# it, once with an eager and once with the cooperative assignor.
add_executable(compat_consumer_cpp compat/consumer_cpp.cpp)
target_link_libraries(compat_consumer_cpp PRIVATE kafkaplus::kafkaplus)
add_executable(compat_consumer_c compat/consumer_c.c)
target_link_libraries(compat_consumer_c PRIVATE kafkaplus::kafkaplus)
set_target_properties(compat_consumer_c PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)

function(kafkaplus_compat_consumer_tests prog)
  foreach(strategy range cooperative-sticky)
    add_test(NAME ${prog}_${strategy}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                     $<TARGET_FILE:${prog}> 300 ${strategy})
    set_tests_properties(${prog}_${strategy} PROPERTIES LABELS integration TIMEOUT 180)
  endforeach()
endfunction()
# The consumer_offsets_store example, run twice: the second run resumes from its offset files.
function(kafkaplus_offsets_store_test name producer example)
  add_test(NAME ${name}
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                   ${CMAKE_CURRENT_SOURCE_DIR}/compat/offsets_store_test.sh ${producer} ${example})
  set_tests_properties(${name} PROPERTIES LABELS integration TIMEOUT 180)
endfunction()

# The transactional C++ API (the same source runs against librdkafka below).
add_executable(facade_txn_test compat/facade_txn_test.cpp)
target_link_libraries(facade_txn_test PRIVATE kafkaplus::kafkaplus refbroker::core GTest::gtest_main Threads::Threads)
gtest_discover_tests(facade_txn_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)

# A compile-unchanged consume-transform-produce loop with the transactional C API.
add_executable(compat_transactions_c compat/transactions_c.c)
target_link_libraries(compat_transactions_c PRIVATE kafkaplus::kafkaplus)
set_target_properties(compat_transactions_c PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
add_test(NAME compat_transactions_c
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                 $<TARGET_FILE:compat_transactions_c> 500)
set_tests_properties(compat_transactions_c PROPERTIES LABELS integration TIMEOUT 180)

# The consumer API end to end against an in-process refbroker (same source as the librdkafka
# reference run below).
add_executable(facade_consumer_test compat/facade_consumer_test.cpp)
target_link_libraries(facade_consumer_test PRIVATE kafkaplus::kafkaplus refbroker::core GTest::gtest_main
                      Threads::Threads)

gtest_discover_tests(facade_consumer_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
kafkaplus_compat_consumer_tests(compat_consumer_cpp)
kafkaplus_compat_consumer_tests(compat_consumer_c)
if(KAFKAPLUS_BUILD_EXAMPLES)
  add_test(NAME example_transform_cpp
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                   ${CMAKE_CURRENT_SOURCE_DIR}/compat/transform_example_test.sh $<TARGET_FILE:compat_producer_c>
                   $<TARGET_FILE:transform_cpp>)
  set_tests_properties(example_transform_cpp PROPERTIES LABELS integration TIMEOUT 180)
  kafkaplus_offsets_store_test(example_consumer_offsets_store $<TARGET_FILE:compat_producer_c>
                               $<TARGET_FILE:consumer_offsets_store>)
endif()

# Install test: cmake --install into a temporary prefix, build the examples with pkg-config
# (rdkafka++ / rdkafka) and with find_package(kafkaplus), check they link libkafkaplus and not
# librdkafka, and run them against a refbroker.
add_test(NAME facade_install
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/install_test.sh ${CMAKE_BINARY_DIR} ${CMAKE_SOURCE_DIR}
                 $<TARGET_FILE:refbroker> ${CMAKE_COMMAND})
set_tests_properties(facade_install PROPERTIES LABELS integration TIMEOUT 600)

# The API end to end against an in-process refbroker, linked to libkafkaplus.so like an application.
add_executable(facade_api_test compat/facade_api_test.cpp)
target_link_libraries(facade_api_test PRIVATE kafkaplus::kafkaplus refbroker::core GTest::gtest_main Threads::Threads)
gtest_discover_tests(facade_api_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)

# The compat programs are genuine librdkafka programs: the same sources, built against the real
# librdkafka (when librdkafka-dev is installed) and run against refbroker, pass the same checks.
pkg_check_modules(FACADE_REF_RDKAFKA QUIET IMPORTED_TARGET rdkafka)
pkg_check_modules(FACADE_REF_RDKAFKAXX QUIET IMPORTED_TARGET rdkafka++)
if(FACADE_REF_RDKAFKA_FOUND AND FACADE_REF_RDKAFKAXX_FOUND)
  add_executable(compat_producer_cpp_librdkafka compat/producer_cpp.cpp)
  target_link_libraries(compat_producer_cpp_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX)
  add_executable(compat_producer_c_librdkafka compat/producer_c.c)
  target_link_libraries(compat_producer_c_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKA)
  foreach(prog compat_producer_cpp_librdkafka compat_producer_c_librdkafka)
    add_test(NAME ${prog}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                     $<TARGET_FILE:${prog}> 200)
    set_tests_properties(${prog} PROPERTIES LABELS integration TIMEOUT 120)
  endforeach()
  add_executable(compat_consumer_cpp_librdkafka compat/consumer_cpp.cpp)
  target_link_libraries(compat_consumer_cpp_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX)
  add_executable(compat_consumer_c_librdkafka compat/consumer_c.c)
  target_link_libraries(compat_consumer_c_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKA)
  set_target_properties(compat_consumer_c_librdkafka PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
  add_executable(facade_txn_test_librdkafka compat/facade_txn_test.cpp)
  target_link_libraries(facade_txn_test_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX refbroker::core
                        GTest::gtest_main Threads::Threads)
  gtest_discover_tests(facade_txn_test_librdkafka TEST_SUFFIX .librdkafka
                       PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
  add_executable(compat_transactions_c_librdkafka compat/transactions_c.c)
  target_link_libraries(compat_transactions_c_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKA)
  set_target_properties(compat_transactions_c_librdkafka PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF)
  add_test(NAME compat_transactions_c_librdkafka
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/compat/with_refbroker.sh $<TARGET_FILE:refbroker>
                   $<TARGET_FILE:compat_transactions_c_librdkafka> 500)
  set_tests_properties(compat_transactions_c_librdkafka PROPERTIES LABELS integration TIMEOUT 180)
  kafkaplus_compat_consumer_tests(compat_consumer_cpp_librdkafka)
  kafkaplus_compat_consumer_tests(compat_consumer_c_librdkafka)
  add_executable(consumer_offsets_store_librdkafka ${PROJECT_SOURCE_DIR}/examples/consumer_offsets_store/consumer.cpp)
  target_link_libraries(consumer_offsets_store_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX)
  # Our rdkafka.h against the installed librdkafka's: prototypes (gcc -aux-info), struct
  # layouts, constants.
  if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
    add_test(NAME facade_header_conformance
             COMMAND /usr/bin/python3 -B ${CMAKE_CURRENT_SOURCE_DIR}/compat/header_conformance.py
                     ${PROJECT_SOURCE_DIR}/client/include ${FACADE_REF_RDKAFKA_INCLUDEDIR} ${CMAKE_C_COMPILER})
    set_tests_properties(facade_header_conformance PROPERTIES LABELS unit)
  endif()
  add_executable(facade_cpp_signatures_librdkafka compat/cpp_consumer_signatures.cpp)
  target_link_libraries(facade_cpp_signatures_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX)
  add_executable(facade_consumer_test_librdkafka compat/facade_consumer_test.cpp)
  target_link_libraries(facade_consumer_test_librdkafka PRIVATE PkgConfig::FACADE_REF_RDKAFKAXX
                        PkgConfig::FACADE_REF_RDKAFKA refbroker::core
                        GTest::gtest_main Threads::Threads)
  gtest_discover_tests(facade_consumer_test_librdkafka TEST_SUFFIX .librdkafka
                       PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
  kafkaplus_offsets_store_test(example_consumer_offsets_store_librdkafka
                               $<TARGET_FILE:compat_producer_c_librdkafka>
                               $<TARGET_FILE:consumer_offsets_store_librdkafka>)
endif()
