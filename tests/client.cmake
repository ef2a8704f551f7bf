# Client core tests. Unit tests need no servers; integration tests start an in-process refbroker
# (or librdkafka's mock cluster through our own launcher) and carry the "integration" label.

kafkaplus_unit_test(client_partitioner_test unit/client_partitioner_test.cpp)
target_link_libraries(client_partitioner_test PRIVATE kafka::client)
kafkaplus_unit_test(client_config_test unit/client_config_test.cpp)
target_link_libraries(client_config_test PRIVATE kafka::client)
kafkaplus_unit_test(client_consumer_config_test unit/client_consumer_config_test.cpp)
target_link_libraries(client_consumer_config_test PRIVATE kafka::client)
kafkaplus_unit_test(client_consumer_records_test unit/client_consumer_records_test.cpp)
target_link_libraries(client_consumer_records_test PRIVATE kafka::client)
kafkaplus_unit_test(client_assignor_test unit/client_assignor_test.cpp)
target_link_libraries(client_assignor_test PRIVATE kafka::client)

# Integration tests: the producer core against an in-process refbroker.
function(kafkaplus_client_integration_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE kafka::client refbroker::core GTest::gtest_main Threads::Threads)
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  gtest_discover_tests(${name} PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
endfunction()

kafkaplus_client_integration_test(client_producer_test integration/client_producer_test.cpp)

kafkaplus_client_integration_test(client_idempotence_test integration/client_idempotence_test.cpp)
kafkaplus_client_integration_test(client_versions_test integration/client_versions_test.cpp)
kafkaplus_client_integration_test(client_consumer_test integration/client_consumer_test.cpp)
kafkaplus_client_integration_test(client_txn_test integration/client_txn_test.cpp)
# The admin layer kctl uses (client/src/admin.h): retries after dropped connections, timeouts.
kafkaplus_client_integration_test(client_admin_test integration/client_admin_test.cpp)
# Exactly-once under kill -9: client_txn_transformer (a consume-transform-produce process) is
# killed at random points and restarted; 20 kills in CI, many more under the `soak` label.
add_executable(client_txn_transformer integration/client_txn_transformer.cpp)
target_link_libraries(client_txn_transformer PRIVATE kafka::client Threads::Threads)
kafkaplus_client_integration_test(client_txn_kill_test integration/client_txn_kill_test.cpp)
add_dependencies(client_txn_kill_test client_txn_transformer)
target_compile_definitions(client_txn_kill_test PRIVATE TXN_TRANSFORMER="$<TARGET_FILE:client_txn_transformer>"
                                                  REFBROKER="$<TARGET_FILE:refbroker>")
add_dependencies(client_txn_kill_test refbroker)
add_test(NAME client_txn_kill_soak COMMAND client_txn_kill_test)
set_tests_properties(client_txn_kill_soak PROPERTIES LABELS soak TIMEOUT 3600 ENVIRONMENT "KAFKAPLUS_TXN_KILLS=300;KAFKAPLUS_TXN_BROKER_KILLS=60")

# Against librdkafka's mock cluster, through our launcher (a child process that links only the
# real librdkafka; our library exports the same rd_kafka_* names).
pkg_check_modules(CLIENT_RDKAFKA IMPORTED_TARGET rdkafka)
if(CLIENT_RDKAFKA_FOUND)
  add_executable(client_mock_cluster integration/client_mock_cluster.cpp)
  target_link_libraries(client_mock_cluster PRIVATE PkgConfig::CLIENT_RDKAFKA)
  add_executable(client_mock_test integration/client_mock_test.cpp)
  target_link_libraries(client_mock_test PRIVATE kafka::client GTest::gtest Threads::Threads)
  add_dependencies(client_mock_test client_mock_cluster)
  gtest_discover_tests(client_mock_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
endif()

# Consumer groups across member processes (so one can be killed): client_group_member runs our
# ConsumerCore; client_group_member_facade and client_group_member_rdkafka are one member program
# on librdkafka's C API, linked to our facade and to Debian's librdkafka (the reference the test's
# expectations are checked against).
add_executable(client_group_member integration/client_group_member.cpp)
target_link_libraries(client_group_member PRIVATE kafka::client Threads::Threads)
kafkaplus_client_integration_test(client_group_test integration/client_group_test.cpp)
add_dependencies(client_group_test client_group_member)
target_compile_definitions(client_group_test PRIVATE GROUP_MEMBER_OURS="$<TARGET_FILE:client_group_member>")
# The same C API member on our facade.
add_executable(client_group_member_facade integration/client_group_member_api.cpp)
target_link_libraries(client_group_member_facade PRIVATE kafka::client Threads::Threads)
add_dependencies(client_group_test client_group_member_facade)
target_compile_definitions(client_group_test PRIVATE GROUP_MEMBER_FACADE="$<TARGET_FILE:client_group_member_facade>")
if(CLIENT_RDKAFKA_FOUND)
  add_executable(client_group_member_rdkafka integration/client_group_member_api.cpp)
  target_link_libraries(client_group_member_rdkafka PRIVATE PkgConfig::CLIENT_RDKAFKA)
  add_dependencies(client_group_test client_group_member_rdkafka)
  target_compile_definitions(client_group_test PRIVATE GROUP_MEMBER_RDKAFKA="$<TARGET_FILE:client_group_member_rdkafka>")
endif()

# Throughput benchmark against librdkafka (not a ctest test): client_producer_bench runs our core
# in-process and the rd_kafka C API program twice as child processes: linked to the real
# librdkafka, and to our facade (never both in one binary: the symbols are the same).
if(KAFKAPLUS_BUILD_BENCHMARKS)
  pkg_check_modules(CLIENT_BENCH_RDKAFKA IMPORTED_TARGET rdkafka)
  if(CLIENT_BENCH_RDKAFKA_FOUND)
    add_executable(client_producer_bench bench/client_producer_bench.cpp)
    target_compile_definitions(client_producer_bench PRIVATE KAFKAPLUS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(client_producer_bench PRIVATE kafka::client refbroker::core Threads::Threads)
    add_executable(client_producer_bench_api_rdkafka bench/client_producer_bench_api.cpp)
    target_link_libraries(client_producer_bench_api_rdkafka PRIVATE PkgConfig::CLIENT_BENCH_RDKAFKA)
    add_executable(client_producer_bench_api_facade bench/client_producer_bench_api.cpp)
    target_link_libraries(client_producer_bench_api_facade PRIVATE kafka::client Threads::Threads)
    add_dependencies(client_producer_bench client_producer_bench_api_rdkafka client_producer_bench_api_facade)
    add_executable(client_consumer_bench bench/client_consumer_bench.cpp)
    target_compile_definitions(client_consumer_bench PRIVATE KAFKAPLUS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(client_consumer_bench PRIVATE kafka::client refbroker::core Threads::Threads)
    add_executable(client_consumer_bench_api_rdkafka bench/client_consumer_bench_api.cpp)
    target_link_libraries(client_consumer_bench_api_rdkafka PRIVATE PkgConfig::CLIENT_BENCH_RDKAFKA)
    add_executable(client_consumer_bench_api_facade bench/client_consumer_bench_api.cpp)
    target_link_libraries(client_consumer_bench_api_facade PRIVATE kafka::client Threads::Threads)
    add_dependencies(client_consumer_bench client_consumer_bench_api_rdkafka client_consumer_bench_api_facade)
    add_executable(client_txn_bench bench/client_txn_bench.cpp)
    target_link_libraries(client_txn_bench PRIVATE refbroker::core Threads::Threads)
    add_executable(client_txn_bench_api_rdkafka bench/client_txn_bench_api.cpp)
    target_link_libraries(client_txn_bench_api_rdkafka PRIVATE PkgConfig::CLIENT_BENCH_RDKAFKA)
    add_executable(client_txn_bench_api_facade bench/client_txn_bench_api.cpp)
    target_link_libraries(client_txn_bench_api_facade PRIVATE kafka::client Threads::Threads)
    add_dependencies(client_txn_bench client_txn_bench_api_rdkafka client_txn_bench_api_facade)
  endif()
endif()

# libFuzzer target for the group leader's view of other members' ConsumerProtocol bytes and the
# assignors (see the build/run comment at the top of the file). assignor.cpp is compiled in so
# that it carries the fuzzer and sanitizer instrumentation.
if(KAFKAPLUS_FUZZ)
  add_executable(consumer_protocol_fuzz fuzz/consumer_protocol_fuzz.cpp
                 ${CMAKE_CURRENT_LIST_DIR}/../client/src/assignor.cpp)
  target_include_directories(consumer_protocol_fuzz PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../client/src
                             $<TARGET_PROPERTY:kafka_protocol,INTERFACE_INCLUDE_DIRECTORIES>)
  target_compile_features(consumer_protocol_fuzz PRIVATE cxx_std_20)
  target_compile_options(consumer_protocol_fuzz PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(consumer_protocol_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
endif()

# Security: TLS and SASL against refbroker's SSL/SASL listeners, certificates from gen_certs.sh.
kafkaplus_client_integration_test(client_security_test integration/client_security_test.cpp)
target_compile_definitions(client_security_test PRIVATE KAFKAPLUS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
                           KAFKAPLUS_CERTS_DIR="${CMAKE_CURRENT_BINARY_DIR}/client_security_certs")
