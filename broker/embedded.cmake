# The embeddable refbroker as a shared library for users' integration tests:
#
#   refbroker_embedded (kafkaplus::refbroker)   libkafkaplus-refbroker.so: refbroker_core linked
#       whole, exporting only refbroker::* and kafka::'s error helpers (version script
#       refbroker.map), so Boost.Asio, the storage engine and the protocol code stay inside and a
#       program may also load libkafkaplus.so (its own private copy of the protocol code).
#
# Public headers (installed by cmake/packaging.cmake under include/kafkaplus/): broker.h (pimpl,
# no Asio), faults.h and the kafka/protocol headers those include.
set(REFBROKER_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/refbroker.map)
add_library(refbroker_embedded SHARED ${PROJECT_SOURCE_DIR}/client/facade/shared_stub.c)
add_library(kafkaplus::refbroker ALIAS refbroker_embedded)
set_target_properties(refbroker_embedded PROPERTIES
  OUTPUT_NAME kafkaplus-refbroker
  EXPORT_NAME refbroker
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}
  LINKER_LANGUAGE CXX
  LINK_DEPENDS ${REFBROKER_EXPORTS_MAP})
target_link_libraries(refbroker_embedded PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,refbroker_core>")
# The kafka::Error helpers declared by the installed headers are pulled in from the protocol
# archive even though the broker itself does not call them (Itanium-mangled names).
target_link_options(refbroker_embedded PRIVATE "LINKER:--version-script=${REFBROKER_EXPORTS_MAP}"
                    "LINKER:--no-undefined"
                    "LINKER:--undefined=_ZN5kafka10error_nameENS_5ErrorE"
                    "LINKER:--undefined=_ZN5kafka13error_messageENS_5ErrorE"
                    "LINKER:--undefined=_ZN5kafka12is_retriableENS_5ErrorE"
                    "LINKER:--undefined=_ZN5kafka14kafka_categoryEv")
target_compile_features(refbroker_embedded INTERFACE cxx_std_20)
target_include_directories(refbroker_embedded INTERFACE
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/src>
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/client/protocol/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/kafkaplus>)
