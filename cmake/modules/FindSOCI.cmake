# FindSOCI: SOCI's core and backends as SOCI::soci_core, SOCI::soci_sqlite3 and SOCI::soci_mysql,
# the target names of SOCI's own CMake package (4.0+) and of Conan's soci package.
#
#   find_package(SOCI REQUIRED COMPONENTS core sqlite3 mysql)
#
# SOCI's own package is tried first. Debian's libsoci-dev ships none, so then the headers and
# libraries are found directly. The backends carry their database's client library (SQLite3,
# MariaDB/MySQL Connector/C): their public headers include it. Installed with kafkaplus's CMake
# package, whose eos component needs it.
if(NOT SOCI_FIND_COMPONENTS)
  set(SOCI_FIND_COMPONENTS core)
endif()

find_package(SOCI CONFIG QUIET)
if(SOCI_FOUND)
  # SOCI's own package names static builds soci_<x>_static: give them the common names.
  foreach(_soci_component IN LISTS SOCI_FIND_COMPONENTS)
    set(SOCI_${_soci_component}_FOUND FALSE)
    if(TARGET SOCI::soci_${_soci_component})
      set(SOCI_${_soci_component}_FOUND TRUE)
    elseif(TARGET SOCI::soci_${_soci_component}_static)
      add_library(SOCI::soci_${_soci_component} INTERFACE IMPORTED)
      set_target_properties(SOCI::soci_${_soci_component} PROPERTIES
        INTERFACE_LINK_LIBRARIES SOCI::soci_${_soci_component}_static)
      set(SOCI_${_soci_component}_FOUND TRUE)
    endif()
  endforeach()
  include(FindPackageHandleStandardArgs)
  find_package_handle_standard_args(SOCI HANDLE_COMPONENTS CONFIG_MODE)
  return()
endif()

find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY soci_core)
mark_as_advanced(SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY)
set(SOCI_core_FOUND FALSE)
if(SOCI_INCLUDE_DIR AND SOCI_CORE_LIBRARY)
  set(SOCI_core_FOUND TRUE)
  if(NOT TARGET SOCI::soci_core)
    add_library(SOCI::soci_core UNKNOWN IMPORTED)
    set_target_properties(SOCI::soci_core PROPERTIES
      IMPORTED_LOCATION "${SOCI_CORE_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${SOCI_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
  endif()
endif()

foreach(_soci_component IN LISTS SOCI_FIND_COMPONENTS)
  if(_soci_component STREQUAL "core")
    continue()
  endif()
  set(SOCI_${_soci_component}_FOUND FALSE)
  string(TOUPPER "${_soci_component}" _soci_upper)
  find_library(SOCI_${_soci_upper}_LIBRARY soci_${_soci_component})
  mark_as_advanced(SOCI_${_soci_upper}_LIBRARY)
  if(NOT SOCI_core_FOUND OR NOT SOCI_${_soci_upper}_LIBRARY)
    continue()
  endif()
  # The database client library the backend's headers include.
  set(_soci_client "")
  if(_soci_component STREQUAL "sqlite3")
    find_package(SQLite3 QUIET)
    if(NOT SQLite3_FOUND)
      continue()
    endif()
    set(_soci_client SQLite::SQLite3)
  elseif(_soci_component STREQUAL "mysql")
    find_path(SOCI_MYSQL_CLIENT_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb mysql)
    find_library(SOCI_MYSQL_CLIENT_LIBRARY NAMES mariadb mysqlclient)
    mark_as_advanced(SOCI_MYSQL_CLIENT_INCLUDE_DIR SOCI_MYSQL_CLIENT_LIBRARY)
    if(NOT SOCI_MYSQL_CLIENT_INCLUDE_DIR OR NOT SOCI_MYSQL_CLIENT_LIBRARY)
      continue()
    endif()
    if(NOT TARGET SOCI::mysql_client)
      add_library(SOCI::mysql_client UNKNOWN IMPORTED)
      set_target_properties(SOCI::mysql_client PROPERTIES
        IMPORTED_LOCATION "${SOCI_MYSQL_CLIENT_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${SOCI_MYSQL_CLIENT_INCLUDE_DIR}")
    endif()
    set(_soci_client SOCI::mysql_client)
  endif()
  set(SOCI_${_soci_component}_FOUND TRUE)
  if(NOT TARGET SOCI::soci_${_soci_component})
    add_library(SOCI::soci_${_soci_component} UNKNOWN IMPORTED)
    set_target_properties(SOCI::soci_${_soci_component} PROPERTIES
      IMPORTED_LOCATION "${SOCI_${_soci_upper}_LIBRARY}"
      INTERFACE_LINK_LIBRARIES "SOCI::soci_core;${_soci_client}")
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY HANDLE_COMPONENTS)
