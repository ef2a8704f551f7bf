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

# eos::TransactionalProcessor (Kafka to Kafka, exactly once) against an in-process refbroker.
if(TARGET eos::sink AND TARGET refbroker::core)
  add_executable(eos_processor_test eos/processor_test.cpp)
  target_link_libraries(eos_processor_test PRIVATE eos::sink refbroker::core GTest::gtest_main Threads::Threads)
  target_include_directories(eos_processor_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  # The crash scenario runs processors as processes of their own (eos_processor_child) and kills one.
  add_executable(eos_processor_child eos/processor_child.cpp)
  target_link_libraries(eos_processor_child PRIVATE eos::sink)
  add_dependencies(eos_processor_test eos_processor_child)
  target_compile_definitions(eos_processor_test PRIVATE EOS_PROCESSOR_CHILD="$<TARGET_FILE:eos_processor_child>")
  gtest_discover_tests(eos_processor_test TEST_PREFIX eos_processor. TEST_FILTER "ProcessorTest.*"
                       PROPERTIES LABELS integration TIMEOUT 300 DISCOVERY_TIMEOUT 30)
  add_test(NAME eos_processor.crash COMMAND eos_processor_test --gtest_filter=ProcessorCrash.*)
  set_tests_properties(eos_processor.crash PROPERTIES LABELS crash TIMEOUT 300)
endif()

# Crash matrix of the sink (examples/eos_sink) against refbroker: kill -9 before/after COMMIT and
# mid-batch, random kill -9, a rebalance with three instances, a SIGSTOPped zombie, a poison record,
# and for MariaDB a server restart and lock conflicts (also with the LOAD DATA bulk path). Short in
# CI (label crash); the soak repeats it.
if(TARGET eos_sink AND TARGET refbroker)
  set(EOS_CRASH_ARGS ${CMAKE_CURRENT_SOURCE_DIR}/eos/sink_crash_test.py
      --refbroker $<TARGET_FILE:refbroker> --eos-sink $<TARGET_FILE:eos_sink>)
  foreach(backend sqlite mariadb)
    add_test(NAME eos_sink_crash_${backend} COMMAND /usr/bin/python3 -B ${EOS_CRASH_ARGS} --backend ${backend})
    set_tests_properties(eos_sink_crash_${backend} PROPERTIES LABELS crash TIMEOUT 600)
    add_test(NAME eos_sink_soak_${backend}
             COMMAND /usr/bin/python3 -B ${EOS_CRASH_ARGS} --backend ${backend} --trials 30 --records 50000)
    set_tests_properties(eos_sink_soak_${backend} PROPERTIES LABELS soak TIMEOUT 36000)
  endforeach()
  add_test(NAME eos_sink_crash_connector
           COMMAND /usr/bin/python3 -B ${EOS_CRASH_ARGS} --backend mariadb --connector
                   --scenarios crash_before_commit,crash_after_commit,zombie,mariadb_restart)
  set_tests_properties(eos_sink_crash_connector PROPERTIES LABELS crash TIMEOUT 600)
  # The bulk path (LOAD DATA LOCAL streamed from memory inside the batch transaction).
  add_test(NAME eos_sink_crash_mariadb_load_data
           COMMAND /usr/bin/python3 -B ${EOS_CRASH_ARGS} --backend mariadb --sink-args "--insert-method load_data"
                   --scenarios crash_before_commit,crash_after_commit,crash_mid_batch,zombie,poison,lock_conflict,mariadb_restart)
  set_tests_properties(eos_sink_crash_mariadb_load_data PROPERTIES LABELS crash TIMEOUT 600)
endif()

# Benchmarks (not ctest tests): tests/bench/eos_db_bench.cpp (naive / multi-row / LOAD DATA /
# framework into one database) and tests/bench/eos_sink_bench.py (end to end from refbroker).
add_executable(eos_db_bench bench/eos_db_bench.cpp)
target_link_libraries(eos_db_bench PRIVATE eos::eos)
