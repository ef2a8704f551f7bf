# The librdkafka-compatible facades: public headers in client/include/librdkafka/, sources in
# client/facade/. Included from client/CMakeLists.txt after the kafka_client target exists.
#
#   kafka_client (kafka::client)   static libkafkaplus.a: core + facades, for in-tree tests
#   kafkaplus_shared (kafkaplus::kafkaplus)
#                                  shared libkafkaplus.so: the same code (kafka_client whole-archive
#                                  plus kafka_protocol) exporting only rd_kafka_* and RdKafka::*.
#                                  This is what gets installed, with headers, CMake package
#                                  config and pkg-config files rdkafka.pc / rdkafka++.pc.

file(GLOB KAFKAPLUS_FACADE_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.cpp)
target_sources(kafka_client PRIVATE ${KAFKAPLUS_FACADE_SOURCES})
target_include_directories(kafka_client PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:include>)

# ---- the shared library ----------------------------------------------------------------------
set(KAFKAPLUS_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/kafkaplus.map)
add_library(kafkaplus_shared SHARED ${CMAKE_CURRENT_LIST_DIR}/shared_stub.c)
add_library(kafkaplus::kafkaplus ALIAS kafkaplus_shared)
set_target_properties(kafkaplus_shared PROPERTIES
  OUTPUT_NAME kafkaplus
  EXPORT_NAME kafkaplus
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINKER_LANGUAGE CXX
  LINK_DEPENDS ${KAFKAPLUS_EXPORTS_MAP})
target_link_libraries(kafkaplus_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,kafka_client>")
target_link_options(kafkaplus_shared PRIVATE "LINKER:--version-script=${KAFKAPLUS_EXPORTS_MAP}"
                    "LINKER:--no-undefined")
target_include_directories(kafkaplus_shared INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# ---- install: headers, library, CMake package, pkg-config --------------------------------------
include(CMakePackageConfigHelpers)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/include/librdkafka/rdkafka.h
              ${CMAKE_CURRENT_SOURCE_DIR}/include/librdkafka/rdkafkacpp.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/librdkafka)
install(TARGETS kafkaplus_shared EXPORT kafkaplus-targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT kafkaplus-targets NAMESPACE kafkaplus::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafkaplus)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/kafkaplus-config.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/kafkaplus-config.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafkaplus)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kafkaplus-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kafkaplus-config.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/kafkaplus-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafkaplus)
# The .pc files locate the prefix relative to themselves, so the install tree can be moved
# (cmake --install --prefix DIR works without reconfiguring).
set(KAFKAPLUS_PC_PREFIX "\${pcfiledir}")
string(REPLACE "/" ";" _kp_libdir_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(_part IN LISTS _kp_libdir_parts)
  string(APPEND KAFKAPLUS_PC_PREFIX "/..")
endforeach()
foreach(pc rdkafka rdkafka++)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
