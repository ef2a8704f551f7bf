# eos/: the exactly-once sink framework. Contract tests run one suite per backend:
# SQLite (label unit) and MariaDB through SOCI and through Connector/C++ (label integration; each
# ctest entry starts one private MariaDB server via tests/support/mariadb_server.py).
if(NOT TARGET eos::eos)
  return()
endif()

kafkaplus_unit_test(eos_sql_render_test eos/sql_render_test.cpp)
target_link_libraries(eos_sql_render_test PRIVATE eos::eos)

if(TARGET eos::mysqlcppconn)
  add_executable(eos_contract_test eos/contract_test.cpp)
  target_link_libraries(eos_contract_test PRIVATE eos::eos eos::mysqlcppconn GTest::gtest_main Threads::Threads)
  target_include_directories(eos_contract_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
  target_compile_definitions(eos_contract_test PRIVATE
    KAFKAPLUS_MARIADB_SERVER_SCRIPT="${CMAKE_CURRENT_SOURCE_DIR}/support/mariadb_server.py"
    KAFKAPLUS_SQL_DIR="${PROJECT_SOURCE_DIR}/sql")
  gtest_discover_tests(eos_contract_test TEST_FILTER "Sqlite/*"
                       PROPERTIES LABELS unit DISCOVERY_TIMEOUT 30)
  foreach(backend SociMariaDb ConnectorMariaDb)
    add_test(NAME eos_contract_${backend} COMMAND eos_contract_test --gtest_filter=${backend}/*)
    set_tests_properties(eos_contract_${backend} PROPERTIES LABELS integration TIMEOUT 300)
  endforeach()
endif()
