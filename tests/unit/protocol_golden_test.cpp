// Golden request frames (protocol_golden_frames.h): bytes captured from real clients with
// tests/tools/capture_frames.py (librdkafka 2.0.2 via kcat, kafka-python 2.0.2), plus a Produce v3
// request laid out by hand from the spec. We must decode every field and re-encode the decoded
// structs to exactly the same bytes.
#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "kafka/protocol/crc32c.h"
#include "kafka/protocol/messages.h"
#include "protocol_golden_frames.h"

using namespace kafka::proto;
using namespace kafka::proto::golden;

namespace {

std::vector<uint8_t> concat(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  std::vector<uint8_t> out(a.size() + b.size());
  std::copy(a.begin(), a.end(), out.begin());
  std::copy(b.begin(), b.end(), out.begin() + static_cast<ptrdiff_t>(a.size()));
  return out;
}

template <class Req> struct Decoded {
  RequestHeader header;
  Req body;
};

// Decodes header + body and checks the frame was consumed exactly.
template <class Req> Decoded<Req> decode_frame(std::span<const uint8_t> frame) {
  Reader r(frame);
  Decoded<Req> d;
  d.header = decode_request_header(r);
  EXPECT_EQ(d.header.api_key, Req::api_key);
  d.body = decode_body<Req>(r, d.header.api_version);
  EXPECT_TRUE(r.empty()) << r.remaining() << " trailing bytes";
  return d;
}

// Re-encodes through encode_request (size prefix included) and checks it matches the frame.
template <class Req> void expect_reencodes(const Decoded<Req>& d, std::span<const uint8_t> frame) {
  auto out = encode_request(d.body, d.header.api_version, d.header.correlation_id, d.header.client_id);
  ASSERT_EQ(out.size(), frame.size() + 4);
  EXPECT_EQ(Reader(out).i32(), static_cast<int32_t>(frame.size()));
  EXPECT_EQ(std::vector<uint8_t>(out.begin() + 4, out.end()), std::vector<uint8_t>(frame.begin(), frame.end()));
}

TEST(Golden, LibrdkafkaApiVersionsV3) {
  auto d = decode_frame<ApiVersionsRequest>(kRdkafkaApiVersionsV3);
  EXPECT_EQ(d.header.api_version, 3);
  EXPECT_EQ(d.header.correlation_id, 1);
  EXPECT_EQ(d.header.client_id, "rdkafka");
  EXPECT_EQ(d.body.client_software_name, "librdkafka");
  EXPECT_EQ(d.body.client_software_version, "2.0.2");
  expect_reencodes(d, kRdkafkaApiVersionsV3);
}

TEST(Golden, LibrdkafkaMetadataV4BrokersOnly) {
  auto d = decode_frame<MetadataRequest>(kRdkafkaMetadataV4Brokers);
  EXPECT_EQ(d.header.api_version, 4);
  EXPECT_EQ(d.header.correlation_id, 2);
  EXPECT_EQ(d.header.client_id, "rdkafka");
  ASSERT_TRUE(d.body.topics.has_value());  // empty, not null: no topics wanted
  EXPECT_TRUE(d.body.topics->empty());
  EXPECT_FALSE(d.body.allow_auto_topic_creation);
  expect_reencodes(d, kRdkafkaMetadataV4Brokers);
}

TEST(Golden, LibrdkafkaMetadataV4OneTopic) {
  auto d = decode_frame<MetadataRequest>(kRdkafkaMetadataV4Topic);
  EXPECT_EQ(d.header.client_id, "rdkafka");
  ASSERT_TRUE(d.body.topics.has_value());
  ASSERT_EQ(d.body.topics->size(), 1u);
  EXPECT_EQ(d.body.topics->at(0).name, "golden-topic");
  EXPECT_EQ(d.body.topics->at(0).topic_id, Uuid{});  // v10+ only
  EXPECT_TRUE(d.body.allow_auto_topic_creation);
  expect_reencodes(d, kRdkafkaMetadataV4Topic);
}

TEST(Golden, KafkaPythonApiVersionsV0) {
  auto d = decode_frame<ApiVersionsRequest>(kKafkaPythonApiVersionsV0);
  EXPECT_EQ(d.header.api_version, 0);
  EXPECT_EQ(d.header.correlation_id, 1);
  EXPECT_EQ(d.header.client_id, "kafka-python-2.0.2");
  EXPECT_TRUE(d.body.client_software_name.empty());
  expect_reencodes(d, kKafkaPythonApiVersionsV0);
}

TEST(Golden, HandBuiltProduceV3) {
  std::span<const uint8_t> batch(kOneRecordBatch);
  ASSERT_EQ(batch.size(), 0x49u);
  // The embedded batch is well formed: its stored CRC covers attributes..end.
  EXPECT_EQ(kafka::crc32c(batch.data() + 21, batch.size() - 21), Reader(batch.subspan(17)).u32());

  std::vector<uint8_t> frame = concat(kProduceV3Head, batch);
  auto d = decode_frame<ProduceRequest>(frame);
  EXPECT_EQ(d.header.api_version, 3);
  EXPECT_EQ(d.header.correlation_id, 7);
  EXPECT_EQ(d.header.client_id, "golden");
  EXPECT_FALSE(d.body.transactional_id.has_value());
  EXPECT_EQ(d.body.acks, -1);
  EXPECT_EQ(d.body.timeout_ms, 1500);
  ASSERT_EQ(d.body.topic_data.size(), 1u);
  EXPECT_EQ(d.body.topic_data[0].name, "t");
  ASSERT_EQ(d.body.topic_data[0].partition_data.size(), 1u);
  const auto& p = d.body.topic_data[0].partition_data[0];
  EXPECT_EQ(p.index, 2);
  EXPECT_FALSE(p.records.is_null);
  // Decoding does not copy the records: the view points into the frame.
  EXPECT_EQ(p.records.bytes().data(), frame.data() + sizeof(kProduceV3Head));
  EXPECT_EQ(std::vector<uint8_t>(p.records.bytes().begin(), p.records.bytes().end()),
            std::vector<uint8_t>(batch.begin(), batch.end()));
  expect_reencodes(d, frame);

  // Building the same request from scratch gives the same bytes.
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 1500;
  auto& topic = req.topic_data.emplace_back();
  topic.name = "t";
  auto& part = topic.partition_data.emplace_back();
  part.index = 2;
  part.records = Records::copy_of(batch);
  auto built = encode_request(req, 3, 7, std::string("golden"));
  EXPECT_EQ(std::vector<uint8_t>(built.begin() + 4, built.end()), frame);
}

TEST(Golden, ProduceV3TruncatedOrHostileIsRejected) {
  std::vector<uint8_t> frame = concat(kProduceV3Head, kOneRecordBatch);
  for (size_t len = sizeof(kProduceV3Head) - 12; len < frame.size(); ++len) {
    std::vector<uint8_t> cut(frame.begin(), frame.begin() + static_cast<ptrdiff_t>(len));
    Reader r(cut);
    auto h = decode_request_header(r);
    EXPECT_THROW(decode_body<ProduceRequest>(r, h.api_version), ProtocolError) << len;
  }
  // Records length beyond the frame.
  frame[sizeof(kProduceV3Head) - 2] = 0x7f;
  Reader r(frame);
  auto h = decode_request_header(r);
  EXPECT_THROW(decode_body<ProduceRequest>(r, h.api_version), ProtocolError);
}

}  // namespace
