# Findmysqlcppconn: MySQL Connector/C++ (the legacy JDBC-style API, <cppconn/driver.h>, as in
# Debian's libmysqlcppconn-dev) as the imported target mysqlcppconn::mysqlcppconn. Installed with
# kafkaplus's CMake package, whose mysqlcppconn component needs it.
find_path(MYSQLCPPCONN_INCLUDE_DIR cppconn/driver.h)
find_library(MYSQLCPPCONN_LIBRARY mysqlcppconn)
mark_as_advanced(MYSQLCPPCONN_INCLUDE_DIR MYSQLCPPCONN_LIBRARY)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(mysqlcppconn REQUIRED_VARS MYSQLCPPCONN_LIBRARY MYSQLCPPCONN_INCLUDE_DIR)
if(mysqlcppconn_FOUND AND NOT TARGET mysqlcppconn::mysqlcppconn)
  add_library(mysqlcppconn::mysqlcppconn UNKNOWN IMPORTED)
  set_target_properties(mysqlcppconn::mysqlcppconn PROPERTIES
    IMPORTED_LOCATION "${MYSQLCPPCONN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${MYSQLCPPCONN_INCLUDE_DIR}")
endif()
