// Round-trip tests for every request and response in AllRequests, at every declared version.
//
// The filler (protocol_filler.h) gives every field present in the version a deterministic
// non-default value. The message is encoded, decoded and re-encoded; the two encodings must be
// equal and the decoder must consume exactly the bytes written. Every strict prefix of the
// encoding must be rejected with ProtocolError. A second pass leaves every field that may be null
// in that version null (and tagged fields absent) to cover the null encodings.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kafka/protocol/messages.h"
#include "protocol_filler.h"

using namespace kafka::proto;
using kafka::proto::test_support::Mode;
using kafka::proto::test_support::make_filled;

namespace {

// Counts the top-level fields that are on the wire in a version.
struct PresentCounter {
  Context c;
  int count = 0;
  template <class F> void operator()(const char*, const F&, FieldSpec s) {
    if (s.present(c.version) && (s.tag < 0 || c.flexible)) ++count;
  }
};

template <class M> void check_round_trip(int16_t version, Mode mode) {
  SCOPED_TRACE(mode == Mode::Full ? "all fields set" : "nullable fields null");
  M m = make_filled<M>(version, mode);
  std::vector<uint8_t> first = encode_body(m, version);
  if (mode == Mode::Full) {
    PresentCounter pc{context_for<M>(version)};
    M::fields(pc, m);
    if (pc.count > 0) {
      EXPECT_NE(first, encode_body(M{}, version)) << "filler left the defaults";
    }
  }

  Reader r(first);
  M back = decode_body<M>(r, version);
  EXPECT_TRUE(r.empty()) << r.remaining() << " bytes left after decoding";
  std::vector<uint8_t> second = encode_body(back, version);
  ASSERT_EQ(first, second);

  // Every strict prefix must be rejected cleanly. Sample long encodings.
  size_t step = first.size() > 4096 ? first.size() / 1024 : 1;
  for (size_t len = 0; len < first.size(); len += step) {
    std::vector<uint8_t> prefix(first.begin(), first.begin() + static_cast<ptrdiff_t>(len));
    EXPECT_THROW(decode_body<M>(prefix, version), ProtocolError) << "prefix of " << len << "/" << first.size();
  }
}

struct Case {
  ApiKey key;
  int16_t version;
  bool response;
};

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for_each_type(AllRequests{}, [&](auto* p) {
    using Req = std::remove_pointer_t<decltype(p)>;
    using Resp = typename Req::Response;
    static_assert(Req::api_key == Resp::api_key);
    static_assert(Req::min_version == Resp::min_version && Req::max_version == Resp::max_version);
    static_assert(Req::flexible_from == Resp::flexible_from);
    for (int16_t v = Req::min_version; v <= Req::max_version; ++v) {
      out.push_back({Req::api_key, v, false});
      out.push_back({Req::api_key, v, true});
    }
  });
  return out;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(api_name(info.param.key)) + (info.param.response ? "Response" : "Request") + "_v" +
         std::to_string(info.param.version);
}

class RoundTrip : public testing::TestWithParam<Case> {};

TEST_P(RoundTrip, EncodeDecodeReencode) {
  const Case& c = GetParam();
  bool known = visit_request_type(c.key, [&](auto* p) {
    using Req = std::remove_pointer_t<decltype(p)>;
    if (c.response) {
      check_round_trip<typename Req::Response>(c.version, Mode::Full);
      check_round_trip<typename Req::Response>(c.version, Mode::Nulls);
    } else {
      check_round_trip<Req>(c.version, Mode::Full);
      check_round_trip<Req>(c.version, Mode::Nulls);
    }
  });
  ASSERT_TRUE(known);
}

INSTANTIATE_TEST_SUITE_P(AllApis, RoundTrip, testing::ValuesIn(all_cases()), case_name);

TEST(Messages, VisitRequestTypeAndFlexibleTable) {
  int visited = 0;
  for_each_type(AllRequests{}, [&](auto* p) {
    using Req = std::remove_pointer_t<decltype(p)>;
    ApiKey seen{};
    EXPECT_TRUE(visit_request_type(Req::api_key, [&](auto* q) {
      seen = std::remove_pointer_t<decltype(q)>::api_key;
    }));
    EXPECT_EQ(seen, Req::api_key);
    EXPECT_EQ(flexible_from(Req::api_key), Req::flexible_from);
    ++visited;
  });
  EXPECT_GE(visited, 2);
  EXPECT_FALSE(visit_request_type(static_cast<ApiKey>(999), [](auto*) { FAIL(); }));
  EXPECT_FALSE(visit_request_type(static_cast<ApiKey>(-1), [](auto*) { FAIL(); }));
}

TEST(Messages, SpecDefaults) {
  FetchRequest::FetchPartition fp;
  EXPECT_EQ(fp.current_leader_epoch, -1);
  EXPECT_EQ(fp.log_start_offset, -1);
  EXPECT_EQ(FetchRequest{}.max_bytes, 0x7fffffff);
  EXPECT_EQ(FetchRequest{}.replica_id, -1);
  EXPECT_EQ(MetadataResponse{}.cluster_authorized_operations, INT32_MIN);
  EXPECT_TRUE(MetadataRequest{}.allow_auto_topic_creation);
  // Nullable without "default": "null" starts engaged and empty, like Kafka's generated code.
  ASSERT_TRUE(MetadataRequest{}.topics.has_value());
  EXPECT_TRUE(MetadataRequest{}.topics->empty());
  EXPECT_FALSE(ProduceRequest{}.transactional_id.has_value());
  EXPECT_EQ(CreateTopicsRequest{}.timeout_ms, 60000);
  ProduceResponse::PartitionProduceResponse pr;
  EXPECT_EQ(pr.log_append_time_ms, -1);
  EXPECT_EQ(pr.log_start_offset, -1);
}

TEST(Messages, NullableFieldBeforeItsNullableVersionIsSentEmpty) {
  MetadataRequest m;
  m.topics.reset();  // null = all topics, but only expressible from v1
  auto v0 = encode_body(m, 0);
  EXPECT_EQ(v0, (std::vector<uint8_t>{0, 0, 0, 0}));
  auto v1 = encode_body(m, 1);
  EXPECT_EQ(v1, (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(decode_body<MetadataRequest>(v1, 1).topics.has_value());
  // v9: compact null array, AllowAutoTopicCreation, IncludeCluster/TopicAuthorizedOperations, tags.
  auto v9 = encode_body(m, 9);
  EXPECT_EQ(v9, (std::vector<uint8_t>{0, 1, 0, 0, 0}));
}

TEST(Messages, HostileArrayCountIsRejectedWithoutHugeAllocation) {
  // FetchRequest v4: replica_id, max_wait, min_bytes, max_bytes, isolation, topics count = 2^31-1.
  std::vector<uint8_t> b{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0x7f, 0xff, 0xff, 0xff};
  EXPECT_THROW(decode_body<FetchRequest>(b, 4), ProtocolError);
  // A count that fits the frame but whose elements run out is rejected as truncated.
  std::vector<uint8_t> c{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 8, 0, 1, 'a'};
  EXPECT_THROW(decode_body<FetchRequest>(c, 4), ProtocolError);
}

}  // namespace
