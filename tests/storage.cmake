# Storage engine tests (broker/src/storage).
kafkaplus_unit_test(storage_log_test unit/storage_log_test.cpp)
target_link_libraries(storage_log_test PRIVATE refbroker::storage kafka::protocol)

kafkaplus_unit_test(storage_manager_test unit/storage_manager_test.cpp)
target_link_libraries(storage_manager_test PRIVATE refbroker::storage kafka::protocol)

# Crash test: a child appends until it is SIGKILLed; the parent reopens and checks every
# acknowledged batch. Label "crash".
add_executable(storage_crash_test crash/storage_crash_test.cpp)
target_include_directories(storage_crash_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(storage_crash_test PRIVATE refbroker::storage kafka::protocol GTest::gtest_main Threads::Threads)
gtest_discover_tests(storage_crash_test PROPERTIES LABELS crash DISCOVERY_TIMEOUT 30)

# Append throughput (not a test): storage_bench [total MiB] [message bytes] [messages per batch]
add_executable(storage_bench unit/storage_bench_test.cpp)
target_include_directories(storage_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/unit)
target_link_libraries(storage_bench PRIVATE refbroker::storage kafka::protocol)
