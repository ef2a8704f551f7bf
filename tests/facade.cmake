# librdkafka-compatible facades (client/include/librdkafka, client/facade).

# Unit tests: in-process, no broker.
foreach(t facade_conf_test facade_errors_test facade_headers_test facade_producev_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::client)
endforeach()

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
endif()
