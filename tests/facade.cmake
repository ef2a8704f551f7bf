# librdkafka-compatible facades (client/include/librdkafka, client/facade).

# Unit tests: in-process, no broker.
foreach(t facade_conf_test facade_errors_test facade_headers_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::client)
endforeach()

