# refbroker tests: in-process broker, exercised by Debian's librdkafka as a peer client.
pkg_check_modules(RDKAFKA IMPORTED_TARGET rdkafka)
if(RDKAFKA_FOUND)
  add_executable(broker_idempotence_peer_test broker/idempotence_peer_test.cpp)
  target_include_directories(broker_idempotence_peer_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(broker_idempotence_peer_test PRIVATE refbroker::core PkgConfig::RDKAFKA GTest::gtest_main)
  gtest_discover_tests(broker_idempotence_peer_test PROPERTIES LABELS peer DISCOVERY_TIMEOUT 30)
endif()
