#include <gtest/gtest.h>

#include "kafka/protocol/errors.h"
#include "kafka/protocol/messages.h"

using namespace kafka::proto;

TEST(Wire, VarintZigzagRoundTrip) {
  for (int64_t v : std::initializer_list<int64_t>{0, 1, -1, 63, -64, 64, 300, -300, (1LL << 31) - 1, -(1LL << 31),
                    INT64_MAX, INT64_MIN}) {
    Writer w;
    w.varlong(v);
    Reader r(w.buffer());
    EXPECT_EQ(r.varlong(), v);
    EXPECT_TRUE(r.empty());
  }
  Writer w;
  w.varint(-1);
  w.varint(150);
  ASSERT_EQ(w.buffer(), (std::vector<uint8_t>{0x01, 0xac, 0x02}));
}

TEST(Wire, TruncatedInputThrows) {
  std::vector<uint8_t> b{0x00, 0x05, 'a'};
  Reader r(b);
  EXPECT_THROW(r.string(false), ProtocolError);
  std::vector<uint8_t> v{0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  Reader r2(v);
  EXPECT_THROW(r2.uvarint(), ProtocolError);
}

TEST(Schema, ApiVersionsResponseGoldenV3) {
  ApiVersionsResponse m;
  m.api_keys.push_back({18, 0, 4});
  m.throttle_time_ms = 0;
  auto bytes = encode_body(m, 3);
  // error_code, compact array(1+1), key 18, min 0, max 4, tags, throttle, tags
  std::vector<uint8_t> golden{0, 0, 2, 0, 18, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(bytes, golden);
  auto back = decode_body<ApiVersionsResponse>(bytes, 3);
  ASSERT_EQ(back.api_keys.size(), 1u);
  EXPECT_EQ(back.api_keys[0].max_version, 4);
}

TEST(Schema, TaggedFieldsRoundTripAndUnknownSkipped) {
  ApiVersionsResponse m;
  m.supported_features.emplace();
  m.supported_features->push_back({"transaction.version", 0, 1});
  m.finalized_features_epoch = 7;
  auto bytes = encode_body(m, 3);
  auto back = decode_body<ApiVersionsResponse>(bytes, 3);
  ASSERT_TRUE(back.supported_features);
  EXPECT_EQ(back.supported_features->at(0).name, "transaction.version");
  EXPECT_EQ(back.finalized_features_epoch, 7);
  EXPECT_FALSE(back.finalized_features);
  // v2 has no tagged fields at all.
  auto v2 = decode_body<ApiVersionsResponse>(encode_body(m, 2), 2);
  EXPECT_FALSE(v2.supported_features);
}

TEST(Schema, RequestHeaderV2ClientIdIsNotCompact) {
  auto frame = encode_request(ApiVersionsRequest{}, 3, 42, std::string("kcat"));
  Reader r(std::span<const uint8_t>(frame).subspan(4));
  auto h = decode_request_header(r);
  EXPECT_EQ(h.api_key, ApiKey::ApiVersions);
  EXPECT_EQ(h.api_version, 3);
  EXPECT_EQ(h.correlation_id, 42);
  EXPECT_EQ(h.client_id, "kcat");
  EXPECT_EQ(frame[4 + 8], 0);  // int16 length high byte: not a uvarint
  EXPECT_EQ(frame[4 + 9], 4);
}

TEST(Errors, CategoryNamesCodes) {
  std::error_code ec = kafka::Error::NOT_LEADER_OR_FOLLOWER;
  EXPECT_EQ(ec.value(), 6);
  EXPECT_STREQ(ec.category().name(), "kafka");
  EXPECT_NE(ec.message().find("NOT_LEADER_OR_FOLLOWER"), std::string::npos);
  EXPECT_TRUE(kafka::is_retriable(kafka::Error::NOT_LEADER_OR_FOLLOWER));
  EXPECT_FALSE(kafka::is_retriable(kafka::Error::MESSAGE_TOO_LARGE));
}
