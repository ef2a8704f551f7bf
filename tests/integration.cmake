# Integration tests: real refbroker processes on ephemeral ports, driven by Python (Debian's
# /usr/bin/python3, which has python3-confluent-kafka and python3-kafka) and kcat.
# Labels: integration (our code only), peer (third-party clients), crash (restart / kill -9).
# Each script starts its own brokers in fresh temporary data dirs; the binary comes in as --refbroker.
if(NOT TARGET refbroker)
  return()
endif()

set(KAFKAPLUS_IT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/integration)

function(kafkaplus_integration_test name script labels timeout)
  add_test(NAME ${name}
           COMMAND /usr/bin/python3 -B ${KAFKAPLUS_IT_DIR}/${script} --refbroker $<TARGET_FILE:refbroker>
           WORKING_DIRECTORY ${KAFKAPLUS_IT_DIR})
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${timeout}
                       ENVIRONMENT "PYTHONUNBUFFERED=1;PYTHONDONTWRITEBYTECODE=1")
endfunction()

kafkaplus_integration_test(it_startup test_startup.py integration 60)
kafkaplus_integration_test(it_bad_input test_bad_input.py integration 60)
kafkaplus_integration_test(it_kcat test_kcat.py peer 240)
foreach(script test_confluent.py test_kafka_python.py test_groups_peers.py test_transactions.py)
  if(EXISTS ${KAFKAPLUS_IT_DIR}/${script})
    string(REGEX REPLACE "^test_(.*)\\.py$" "it_\\1" name ${script})
    kafkaplus_integration_test(${name} ${script} peer 180)
  endif()
endforeach()
if(EXISTS ${KAFKAPLUS_IT_DIR}/test_crash.py)
  kafkaplus_integration_test(it_crash test_crash.py crash 180)
endif()
# Our own consumer joins the third-party clients' mixed group (client_group_member, built by
# tests/client.cmake).
if(TEST it_groups_peers AND TARGET client_group_member)
  set_property(TEST it_groups_peers APPEND PROPERTY ENVIRONMENT
               "KAFKAPLUS_GROUP_MEMBER=$<TARGET_FILE:client_group_member>")
endif()
# kctl against refbroker (the kctl binary comes in as $KCTL): dump-log, perf and the cluster
# subcommands (topics, produce, consume, groups, offsets, delete-records, configs).
if(TARGET kctl)
  foreach(script test_kctl_dump_log.py test_kctl_perf.py test_kctl_cluster.py)
    if(EXISTS ${KAFKAPLUS_IT_DIR}/${script})
      string(REGEX REPLACE "^test_(.*)\\.py$" "it_\\1" name ${script})
      kafkaplus_integration_test(${name} ${script} integration 120)
      set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT "KCTL=$<TARGET_FILE:kctl>")
    endif()
  endforeach()
  # kctl groups on a group of kcat consumers (a third-party client: label peer).
  kafkaplus_integration_test(it_kctl_peers test_kctl_peers.py peer 60)
  set_property(TEST it_kctl_peers APPEND PROPERTY ENVIRONMENT "KCTL=$<TARGET_FILE:kctl>")
endif()
# Listeners, TLS and SASL (kcat and confluent_kafka over SSL, SASL_PLAINTEXT, SASL_SSL); certificates
# from tests/support/gen_certs.sh.
kafkaplus_integration_test(it_security test_security.py peer 180)
