# refbroker tests: in-process broker, exercised by Debian's librdkafka as a peer client.
pkg_check_modules(RDKAFKA IMPORTED_TARGET rdkafka)
if(RDKAFKA_FOUND)
  add_executable(broker_idempotence_peer_test broker/idempotence_peer_test.cpp)
  target_include_directories(broker_idempotence_peer_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(broker_idempotence_peer_test PRIVATE refbroker::core PkgConfig::RDKAFKA GTest::gtest_main)
  gtest_discover_tests(broker_idempotence_peer_test PROPERTIES LABELS peer DISCOVERY_TIMEOUT 30)
endif()
if(RDKAFKA_FOUND)
  add_executable(broker_groups_peer_test broker/groups_peer_test.cpp)
  target_include_directories(broker_groups_peer_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(broker_groups_peer_test PRIVATE refbroker::core PkgConfig::RDKAFKA GTest::gtest_main)
  gtest_discover_tests(broker_groups_peer_test PROPERTIES LABELS peer DISCOVERY_TIMEOUT 30)
endif()
# The group coordinator by raw requests (our protocol library), no third-party client.
add_executable(broker_groups_coordinator_test broker/groups_coordinator_test.cpp)
target_include_directories(broker_groups_coordinator_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broker_groups_coordinator_test PRIVATE refbroker::core GTest::gtest_main)
gtest_discover_tests(broker_groups_coordinator_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
# The transaction coordinator by raw requests.
add_executable(broker_transactions_test broker/transactions_test.cpp)
target_include_directories(broker_transactions_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broker_transactions_test PRIVATE refbroker::core GTest::gtest_main)
gtest_discover_tests(broker_transactions_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
if(RDKAFKA_FOUND)
  add_executable(broker_transactions_peer_test broker/transactions_peer_test.cpp)
  target_include_directories(broker_transactions_peer_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(broker_transactions_peer_test PRIVATE refbroker::core PkgConfig::RDKAFKA GTest::gtest_main)
  gtest_discover_tests(broker_transactions_peer_test PROPERTIES LABELS peer DISCOVERY_TIMEOUT 30)
endif()
# The in-process broker survives peers hanging up mid-Fetch (sendfile and SIGPIPE).
add_executable(broker_server_sigpipe_test broker/server_sigpipe_test.cpp)
target_include_directories(broker_server_sigpipe_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broker_server_sigpipe_test PRIVATE refbroker::core GTest::gtest_main)
gtest_discover_tests(broker_server_sigpipe_test PROPERTIES LABELS integration DISCOVERY_TIMEOUT 30)
# Listener parsing, the SASL state machine and the ACL matcher, in process.
add_executable(broker_security_unit_test broker/security_unit_test.cpp)
target_link_libraries(broker_security_unit_test PRIVATE refbroker::core GTest::gtest_main Threads::Threads)
gtest_discover_tests(broker_security_unit_test TEST_PREFIX "broker_security." PROPERTIES LABELS unit
                     DISCOVERY_TIMEOUT 30)
# The in-process broker with several listeners: ports per listener, Metadata per listener, SASL
# gating over raw requests, startup errors for bad security configuration.
add_executable(broker_listeners_test broker/listeners_test.cpp)
target_include_directories(broker_listeners_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broker_listeners_test PRIVATE refbroker::core GTest::gtest_main)
gtest_discover_tests(broker_listeners_test TEST_PREFIX "broker_listeners." PROPERTIES LABELS integration
                     DISCOVERY_TIMEOUT 30)
