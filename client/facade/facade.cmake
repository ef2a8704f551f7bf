# The librdkafka-compatible facades: public headers in client/include/librdkafka/, sources in
# client/facade/. Included from client/CMakeLists.txt after the kafka_client target exists.
#
#   kafka_client (kafka::client)   static libkafkaplus.a: core + facades, for in-tree tests
#   kafkaplus_shared (kafkaplus::kafkaplus)
#                                  shared libkafkaplus.so: the same code (kafka_client whole-archive
#                                  plus kafka_protocol) exporting only rd_kafka_* and RdKafka::*.
#                                  This is what gets installed, with headers, CMake package
#                                  config and pkg-config files rdkafka.pc / rdkafka++.pc /
#                                  kafkaplus.pc (cmake/packaging.cmake). The static archive is
#                                  not installed (client/README.md says why).

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

# ---- install: headers, library and the client's export set -------------------------------------
# The package config, its other components and every .pc file: cmake/packaging.cmake.
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/include/librdkafka/rdkafka.h
              ${CMAKE_CURRENT_SOURCE_DIR}/include/librdkafka/rdkafkacpp.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/librdkafka)
install(TARGETS kafkaplus_shared EXPORT kafkaplus-targets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT kafkaplus-targets NAMESPACE kafkaplus::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/kafkaplus)
