// Golden request frames shared by protocol_golden_test.cpp and the request decoder fuzz target
// (as seeds). Captured with tests/tools/capture_frames.py from librdkafka 2.0.2 (kcat) and
// kafka-python 2.0.2; the Produce v3 frame is laid out by hand. Each frame is the request body
// after the 4-byte size: header, then message.
#pragma once

#include <cstdint>

namespace kafka::proto::golden {

// kcat -b 127.0.0.1:PORT -L: librdkafka's first request, ApiVersions v3 (request header v2).
inline constexpr uint8_t kRdkafkaApiVersionsV3[] = {
    0x00, 0x12,                                      // api_key 18
    0x00, 0x03,                                      // api_version 3
    0x00, 0x00, 0x00, 0x01,                          // correlation_id 1
    0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a',   // client_id: int16 length, never compact
    0x00,                                            // header tagged fields
    0x0b, 'l', 'i', 'b', 'r', 'd', 'k', 'a', 'f', 'k', 'a',  // ClientSoftwareName, compact
    0x06, '2', '.', '0', '.', '2',                   // ClientSoftwareVersion, compact
    0x00,                                            // body tagged fields
};

// After our minimal ApiVersions reply (Metadata 0-12), kcat -L sends Metadata v4 for brokers only.
inline constexpr uint8_t kRdkafkaMetadataV4Brokers[] = {
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,  // Metadata v4, correlation_id 2
    0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a',   // client_id
    0x00, 0x00, 0x00, 0x00,                          // Topics: empty array (not null)
    0x00,                                            // AllowAutoTopicCreation false
};

// kcat -L -t golden-topic: Metadata v4 for one topic.
inline constexpr uint8_t kRdkafkaMetadataV4Topic[] = {
    0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,  // Metadata v4, correlation_id 2
    0x00, 0x07, 'r', 'd', 'k', 'a', 'f', 'k', 'a',   // client_id
    0x00, 0x00, 0x00, 0x01,                          // Topics: 1
    0x00, 0x0c, 'g', 'o', 'l', 'd', 'e', 'n', '-', 't', 'o', 'p', 'i', 'c',
    0x01,                                            // AllowAutoTopicCreation true
};

// kafka-python 2.0.2 (KafkaConsumer bootstrap): its first request is ApiVersions v0, empty body.
inline constexpr uint8_t kKafkaPythonApiVersionsV0[] = {
    0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // ApiVersions v0, correlation_id 1
    0x00, 0x12, 'k', 'a', 'f', 'k', 'a', '-', 'p', 'y', 't', 'h', 'o', 'n', '-', '2', '.', '0', '.', '2',
};

// A RecordBatch v2 holding one record (key null, value "hello"), CRC-32C over attributes..end.
inline constexpr uint8_t kOneRecordBatch[] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // baseOffset 0
    0x00, 0x00, 0x00, 0x3d,                          // batchLength 61
    0xff, 0xff, 0xff, 0xff,                          // partitionLeaderEpoch -1
    0x02,                                            // magic 2
    0xe6, 0x41, 0xa4, 0x4b,                          // crc
    0x00, 0x00,                                      // attributes
    0x00, 0x00, 0x00, 0x00,                          // lastOffsetDelta 0
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // baseTimestamp 1700000000000
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00,  // maxTimestamp
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // producerId -1
    0xff, 0xff,                                      // producerEpoch -1
    0xff, 0xff, 0xff, 0xff,                          // baseSequence -1
    0x00, 0x00, 0x00, 0x01,                          // records count 1
    0x16,                                            // record length 11 (zigzag varint)
    0x00, 0x00, 0x00,                                // attributes, timestampDelta 0, offsetDelta 0
    0x01,                                            // keyLength -1
    0x0a, 'h', 'e', 'l', 'l', 'o',                   // valueLength 5, value
    0x00,                                            // headers count 0
};

// Produce v3 (request header v1), built by hand from ProduceRequest.json: TransactionalId (3+,
// nullable string), Acks, TimeoutMs, TopicData [Name, PartitionData [Index, Records]].
inline constexpr uint8_t kProduceV3Head[] = {
    0x00, 0x00,                                      // api_key 0
    0x00, 0x03,                                      // api_version 3
    0x00, 0x00, 0x00, 0x07,                          // correlation_id 7
    0x00, 0x06, 'g', 'o', 'l', 'd', 'e', 'n',        // client_id "golden"
    0xff, 0xff,                                      // TransactionalId null
    0xff, 0xff,                                      // Acks -1
    0x00, 0x00, 0x05, 0xdc,                          // TimeoutMs 1500
    0x00, 0x00, 0x00, 0x01,                          // TopicData: 1 topic
    0x00, 0x01, 't',                                 //   Name "t"
    0x00, 0x00, 0x00, 0x01,                          //   PartitionData: 1 partition
    0x00, 0x00, 0x00, 0x02,                          //     Index 2
    0x00, 0x00, 0x00, 0x49,                          //     Records: int32 length 73, then the batch
};

}  // namespace kafka::proto::golden
