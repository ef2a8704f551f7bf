// Message headers: rd_kafka_headers_t and RdKafka::Headers.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstring>
#include <memory>
#include <string>

namespace {

TEST(FacadeHeaders, CApi) {
  rd_kafka_headers_t* h = rd_kafka_headers_new(2);
  EXPECT_EQ(rd_kafka_header_cnt(h), 0u);
  ASSERT_EQ(rd_kafka_header_add(h, "a", -1, "one", -1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_header_add(h, "bxx", 1, "two\0two", 7), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_header_add(h, "a", -1, nullptr, 5), RD_KAFKA_RESP_ERR_NO_ERROR);  // null value
  ASSERT_EQ(rd_kafka_header_add(h, "a", -1, "three", 5), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_header_cnt(h), 4u);

  const void* v;
  size_t sz;
  ASSERT_EQ(rd_kafka_header_get_last(h, "a", &v, &sz), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(std::string(static_cast<const char*>(v), sz), "three");
  ASSERT_EQ(rd_kafka_header_get(h, 1, "a", &v, &sz), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(v, nullptr);
  EXPECT_EQ(sz, 0u);
  ASSERT_EQ(rd_kafka_header_get(h, 0, "b", &v, &sz), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(sz, 7u);
  EXPECT_EQ(std::memcmp(v, "two\0two", 7), 0);
  EXPECT_EQ(static_cast<const char*>(v)[7], '\0');  // values are NUL-terminated
  EXPECT_EQ(rd_kafka_header_get(h, 3, "a", &v, &sz), RD_KAFKA_RESP_ERR__NOENT);
  EXPECT_EQ(rd_kafka_header_get_last(h, "zz", &v, &sz), RD_KAFKA_RESP_ERR__NOENT);

  const char* name;
  ASSERT_EQ(rd_kafka_header_get_all(h, 1, &name, &v, &sz), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_STREQ(name, "b");
  EXPECT_EQ(rd_kafka_header_get_all(h, 4, &name, &v, &sz), RD_KAFKA_RESP_ERR__NOENT);

  rd_kafka_headers_t* copy = rd_kafka_headers_copy(h);
  EXPECT_EQ(rd_kafka_header_remove(h, "a"), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_header_cnt(h), 1u);
  EXPECT_EQ(rd_kafka_header_remove(h, "a"), RD_KAFKA_RESP_ERR__NOENT);
  EXPECT_EQ(rd_kafka_header_cnt(copy), 4u);
  rd_kafka_headers_destroy(copy);
  rd_kafka_headers_destroy(h);
}

TEST(FacadeHeaders, CppApi) {
  std::unique_ptr<RdKafka::Headers> h(RdKafka::Headers::create());
  EXPECT_EQ(h->size(), 0u);
  EXPECT_EQ(h->add("k1", "v1"), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(h->add("k2", "bin\0ary", 7), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(h->add(RdKafka::Headers::Header("k1", "v1b", 3)), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(h->add("null", nullptr, 0), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(h->size(), 4u);

  auto k1 = h->get("k1");
  ASSERT_EQ(k1.size(), 2u);
  EXPECT_EQ(k1[0].key(), "k1");
  EXPECT_STREQ(k1[0].value_string(), "v1");
  EXPECT_STREQ(k1[1].value_string(), "v1b");

  RdKafka::Headers::Header last = h->get_last("k1");
  EXPECT_EQ(last.err(), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(std::string(last.value_string(), last.value_size()), "v1b");
  RdKafka::Headers::Header missing = h->get_last("nope");
  EXPECT_EQ(missing.err(), RdKafka::ERR__NOENT);
  EXPECT_EQ(missing.value(), nullptr);

  RdKafka::Headers::Header n = h->get_last("null");
  EXPECT_EQ(n.value(), nullptr);
  EXPECT_EQ(n.value_size(), 0u);

  auto all = h->get_all();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[1].key(), "k2");
  EXPECT_EQ(all[1].value_size(), 7u);
  RdKafka::Headers::Header copy = all[1];  // copies keep their own value
  all.clear();
  EXPECT_EQ(std::memcmp(copy.value(), "bin\0ary", 7), 0);

  EXPECT_EQ(h->remove("k1"), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(h->remove("k1"), RdKafka::ERR__NOENT);
  EXPECT_EQ(h->size(), 2u);

  std::vector<RdKafka::Headers::Header> init{{"x", "1", 1}, {"y", "22", 2}};
  std::unique_ptr<RdKafka::Headers> h2(RdKafka::Headers::create(init));
  EXPECT_EQ(h2->size(), 2u);
  EXPECT_STREQ(h2->get_last("y").value_string(), "22");
}

}  // namespace
