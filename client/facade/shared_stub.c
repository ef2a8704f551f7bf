/* libkafkaplus.so is built from the kafka_client archive (linked whole); CMake needs at least
 * one source file of its own for a library target. */
int kafkaplus_shared_library_marker;
