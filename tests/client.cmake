# Client core tests. Unit tests need no servers; integration tests start an in-process refbroker
# (or librdkafka's mock cluster through our own launcher) and carry the "integration" label.

kafkaplus_unit_test(client_partitioner_test unit/client_partitioner_test.cpp)
target_link_libraries(client_partitioner_test PRIVATE kafka::client)
