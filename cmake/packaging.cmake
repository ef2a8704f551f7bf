# Install and export rules for everything a user links or runs, and the package metadata:
#
#   component     targets (namespace kafkaplus::)    files under the prefix P
#   client        kafkaplus                         lib/libkafkaplus.so, include/librdkafka/  (client/facade/facade.cmake)
#   eos           eos, eos_sink                     lib/libkafkaplus-eos{,-sink}.a, include/eos/
#   mysqlcppconn  eos_mysqlcppconn                  lib/libkafkaplus-eos-mysqlcppconn.a
#   refbroker     refbroker, refbroker_server       lib/libkafkaplus-refbroker.so, include/kafkaplus/, bin/refbroker
#   kctl          kctl                              bin/kctl
#
# plus lib/cmake/kafkaplus/ (config, version, one targets file per component, modules/Find*.cmake)
# and lib/pkgconfig/{rdkafka,rdkafka++,kafkaplus,kafkaplus-eos-core,kafkaplus-eos,
# kafkaplus-eos-mysqlcppconn,kafkaplus-refbroker}.pc (kafkaplus-eos = the sink: eos-core + client). The same names in the build tree (ALIAS targets below), so a project
# that adds kafkaplus with add_subdirectory() links the same kafkaplus::* targets.
# conan/conanfile.py declares the same components; tests/packaging/conan_consistency.py checks it.
include(CMakePackageConfigHelpers)
set(KAFKAPLUS_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kafkaplus)
set(KAFKAPLUS_INSTALLED_COMPONENTS client)

# "-L<dir> -l<name>" for the libraries behind imported targets (recursively), for the .pc files of
# the static eos archives: their users link the dependencies themselves. Each library comes after
# everything that needs it (depth first, last occurrence kept), as static linking wants.
function(_kafkaplus_pc_walk out item)
  set(flags ${${out}})
  if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(item ${CMAKE_MATCH_1})
  endif()
  if(TARGET ${item})
    get_target_property(type ${item} TYPE)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(location ${item} IMPORTED_LOCATION)
      if(NOT location)
        get_target_property(location ${item} IMPORTED_LOCATION_RELEASE)
      endif()
      if(location)
        _kafkaplus_pc_walk(flags ${location})
      endif()
    endif()
    get_target_property(deps ${item} INTERFACE_LINK_LIBRARIES)
    foreach(dep IN LISTS deps)
      _kafkaplus_pc_walk(flags ${dep})
    endforeach()
  elseif(item MATCHES "^/.*/lib([^/]+)\\.(so|a)(\\.[0-9.]*)?$")
    get_filename_component(dir ${item} DIRECTORY)
    if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
      list(APPEND flags "-L${dir}")
    endif()
    list(APPEND flags "-l${CMAKE_MATCH_1}")
  elseif(item MATCHES "^-")
    list(APPEND flags ${item})
  elseif(item)
    list(APPEND flags "-l${item}")
  endif()
  set(${out} ${flags} PARENT_SCOPE)
endfunction()
function(kafkaplus_pc_link_flags out)
  set(flags "")
  foreach(item IN LISTS ARGN)
    _kafkaplus_pc_walk(flags ${item})
  endforeach()
  list(REVERSE flags)
  list(REMOVE_DUPLICATES flags)
  list(REVERSE flags)
  list(JOIN flags " " flags)
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()

# ---- eos ----------------------------------------------------------------------------------------
if(TARGET eos)
  set_target_properties(eos PROPERTIES OUTPUT_NAME kafkaplus-eos EXPORT_NAME eos)
  add_library(kafkaplus::eos ALIAS eos)
  set(_kp_eos_targets eos)
  # eos::sink goes with the package only when it is built on this project's client.
  if(TARGET eos_kafka_sink)
    get_target_property(_kp_sink_links eos_kafka_sink LINK_LIBRARIES)
    if("kafkaplus::kafkaplus" IN_LIST _kp_sink_links)
      set_target_properties(eos_kafka_sink PROPERTIES OUTPUT_NAME kafkaplus-eos-sink EXPORT_NAME eos_sink)
      add_library(kafkaplus::eos_sink ALIAS eos_kafka_sink)
      list(PREPEND _kp_eos_targets eos_kafka_sink)
    endif()
  endif()
  install(TARGETS ${_kp_eos_targets} EXPORT kafkaplus-eos-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT kafkaplus-eos-targets NAMESPACE kafkaplus:: DESTINATION ${KAFKAPLUS_CMAKE_DIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/eos/include/eos DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          FILES_MATCHING PATTERN "*.h" PATTERN "mysql_connector.h" EXCLUDE)
  # Found again here: imported targets are visible only in the directory that found them.
  find_package(SOCI MODULE QUIET COMPONENTS core sqlite3 mysql)
  find_package(SQLite3 QUIET)
  kafkaplus_pc_link_flags(_kp_eos_dep_flags SOCI::soci_mysql SOCI::soci_sqlite3 SOCI::soci_core SQLite::SQLite3
                          ${CMAKE_DL_LIBS} Threads::Threads)
  set(KAFKAPLUS_EOS_CORE_PC_LIBS "-lkafkaplus-eos ${_kp_eos_dep_flags} -pthread")
  list(APPEND KAFKAPLUS_INSTALLED_COMPONENTS eos)

  if(TARGET eos_mysqlcppconn)
    set_target_properties(eos_mysqlcppconn PROPERTIES OUTPUT_NAME kafkaplus-eos-mysqlcppconn
                                                      EXPORT_NAME eos_mysqlcppconn)
    add_library(kafkaplus::eos_mysqlcppconn ALIAS eos_mysqlcppconn)
    install(TARGETS eos_mysqlcppconn EXPORT kafkaplus-mysqlcppconn-targets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
            INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
    install(EXPORT kafkaplus-mysqlcppconn-targets NAMESPACE kafkaplus:: DESTINATION ${KAFKAPLUS_CMAKE_DIR})
    install(FILES ${PROJECT_SOURCE_DIR}/eos/include/eos/mysql_connector.h
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eos)
    find_package(mysqlcppconn MODULE QUIET)
    kafkaplus_pc_link_flags(_kp_connector_flags mysqlcppconn::mysqlcppconn)
    set(KAFKAPLUS_MYSQLCPPCONN_PC_LIBS "-lkafkaplus-eos-mysqlcppconn ${_kp_connector_flags}")
    list(APPEND KAFKAPLUS_INSTALLED_COMPONENTS mysqlcppconn)
  endif()
endif()

# ---- refbroker ----------------------------------------------------------------------------------
# The executable is installed by broker/CMakeLists.txt; the package config imports it as
# kafkaplus::refbroker_server. The embedding header's closure (broker.h -> faults.h -> these
# protocol headers) has no Boost/Asio; tests/packaging/install_package_test.sh checks.
if(TARGET refbroker_embedded)
  install(TARGETS refbroker_embedded EXPORT kafkaplus-refbroker-targets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT kafkaplus-refbroker-targets NAMESPACE kafkaplus:: DESTINATION ${KAFKAPLUS_CMAKE_DIR})
  install(FILES ${PROJECT_SOURCE_DIR}/broker/src/broker.h ${PROJECT_SOURCE_DIR}/broker/src/faults.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kafkaplus/refbroker)
  set(_kp_protocol_include ${PROJECT_SOURCE_DIR}/client/protocol/include/kafka/protocol)
  install(FILES ${_kp_protocol_include}/errors.h ${_kp_protocol_include}/protocol.h
                ${_kp_protocol_include}/schema.h ${_kp_protocol_include}/wire.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kafkaplus/kafka/protocol)
  list(APPEND KAFKAPLUS_INSTALLED_COMPONENTS refbroker)
endif()
if(TARGET kctl)
  list(APPEND KAFKAPLUS_INSTALLED_COMPONENTS kctl)
endif()

# ---- CMake package ------------------------------------------------------------------------------
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/kafkaplus-config.cmake.in
  ${PROJECT_BINARY_DIR}/kafkaplus-config.cmake
  INSTALL_DESTINATION ${KAFKAPLUS_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kafkaplus-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kafkaplus-config.cmake ${PROJECT_BINARY_DIR}/kafkaplus-config-version.cmake
        DESTINATION ${KAFKAPLUS_CMAKE_DIR})
install(FILES ${CMAKE_CURRENT_LIST_DIR}/modules/FindSOCI.cmake ${CMAKE_CURRENT_LIST_DIR}/modules/Findmysqlcppconn.cmake
        DESTINATION ${KAFKAPLUS_CMAKE_DIR}/modules)

# ---- pkg-config ---------------------------------------------------------------------------------
# The .pc files locate the prefix relative to themselves, so the install tree can be moved
# (cmake --install --prefix DIR works without reconfiguring).
set(KAFKAPLUS_PC_PREFIX "\${pcfiledir}")
string(REPLACE "/" ";" _kp_libdir_parts "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
foreach(_part IN LISTS _kp_libdir_parts)
  string(APPEND KAFKAPLUS_PC_PREFIX "/..")
endforeach()
set(_kp_pc_files rdkafka rdkafka++ kafkaplus)
if("eos" IN_LIST KAFKAPLUS_INSTALLED_COMPONENTS)
  list(APPEND _kp_pc_files kafkaplus-eos-core)
  if(TARGET kafkaplus::eos_sink)
    list(APPEND _kp_pc_files kafkaplus-eos)
  endif()
endif()
if("mysqlcppconn" IN_LIST KAFKAPLUS_INSTALLED_COMPONENTS)
  list(APPEND _kp_pc_files kafkaplus-eos-mysqlcppconn)
endif()
if("refbroker" IN_LIST KAFKAPLUS_INSTALLED_COMPONENTS)
  list(APPEND _kp_pc_files kafkaplus-refbroker)
endif()
foreach(pc IN LISTS _kp_pc_files)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/pkgconfig/${pc}.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
