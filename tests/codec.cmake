# CRC-32C, compression codecs and the RecordBatch v2 codec (client/protocol).
foreach(t codec_crc32c_test codec_compression_test)
  kafkaplus_unit_test(${t} unit/${t}.cpp)
  target_link_libraries(${t} PRIVATE kafka::protocol)
endforeach()
