// Error codes, names and descriptions of the librdkafka-compatible facades.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <set>
#include <string>

namespace {

TEST(FacadeErrors, Version) {
  EXPECT_EQ(RD_KAFKA_VERSION, 0x020002ff);
  EXPECT_EQ(rd_kafka_version(), RD_KAFKA_VERSION);
  EXPECT_STREQ(rd_kafka_version_str(), "2.0.2");
  EXPECT_EQ(RdKafka::version(), RD_KAFKA_VERSION);
  EXPECT_EQ(RdKafka::version_str(), "2.0.2");
  EXPECT_EQ(RdKafka::get_debug_contexts(), RD_KAFKA_DEBUG_CONTEXTS);
}

TEST(FacadeErrors, NumericValues) {
  EXPECT_EQ(RD_KAFKA_RESP_ERR__BEGIN, -200);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, -192);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__QUEUE_FULL, -184);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__PURGE_QUEUE, -152);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__FATAL, -150);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET, -140);
  EXPECT_EQ(RD_KAFKA_RESP_ERR__END, -100);
  EXPECT_EQ(RD_KAFKA_RESP_ERR_UNKNOWN, -1);
  EXPECT_EQ(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, 10);
  EXPECT_EQ(RD_KAFKA_RESP_ERR_NOT_COORDINATOR_FOR_GROUP, 16);
  EXPECT_EQ(RD_KAFKA_RESP_ERR_PRINCIPAL_DESERIALIZATION_FAILURE, 97);
  EXPECT_EQ(RD_KAFKA_RESP_ERR_END_ALL, 98);
  EXPECT_EQ(static_cast<int>(RdKafka::ERR__QUEUE_FULL), RD_KAFKA_RESP_ERR__QUEUE_FULL);
  EXPECT_EQ(static_cast<int>(RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED), 29);
  EXPECT_EQ(RD_KAFKA_PARTITION_UA, -1);
  EXPECT_EQ(RdKafka::Topic::PARTITION_UA, -1);
  EXPECT_EQ(RD_KAFKA_OFFSET_BEGINNING, -2);
  EXPECT_EQ(RD_KAFKA_OFFSET_END, -1);
  EXPECT_EQ(RD_KAFKA_OFFSET_STORED, -1000);
  EXPECT_EQ(RD_KAFKA_OFFSET_INVALID, -1001);
  EXPECT_EQ(RD_KAFKA_OFFSET_TAIL(5), -2005);
  EXPECT_EQ(RdKafka::Topic::OFFSET_INVALID, -1001);
  EXPECT_EQ(RD_KAFKA_MSG_F_FREE, 1);
  EXPECT_EQ(RD_KAFKA_MSG_F_COPY, 2);
  EXPECT_EQ(RD_KAFKA_MSG_F_BLOCK, 4);
  EXPECT_EQ(RD_KAFKA_MSG_F_PARTITION, 8);
  EXPECT_EQ(RdKafka::Producer::RK_MSG_FREE, 1);
  EXPECT_EQ(RdKafka::Producer::RK_MSG_COPY, 2);
  EXPECT_EQ(RdKafka::Producer::RK_MSG_BLOCK, 4);
  EXPECT_EQ(RD_KAFKA_PURGE_F_QUEUE, 1);
  EXPECT_EQ(RD_KAFKA_PURGE_F_INFLIGHT, 2);
  EXPECT_EQ(RD_KAFKA_PURGE_F_NON_BLOCKING, 4);
  EXPECT_EQ(RdKafka::Producer::PURGE_INFLIGHT, 2);
  EXPECT_EQ(RD_KAFKA_VTYPE_END, 0);
  EXPECT_EQ(RD_KAFKA_VTYPE_HEADERS, 10);
  EXPECT_EQ(RdKafka::Event::EVENT_SEVERITY_DEBUG, 7);
  EXPECT_EQ(RD_KAFKA_CONF_UNKNOWN, -2);
  EXPECT_EQ(RdKafka::Conf::CONF_INVALID, -1);
  EXPECT_EQ(RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME, 2);
  EXPECT_EQ(RD_KAFKA_MSG_STATUS_PERSISTED, 2);
}

TEST(FacadeErrors, Strings) {
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR_NO_ERROR), "Success");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), "Local: Message timed out");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__QUEUE_FULL), "Local: Queue full");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__TIMED_OUT), "Local: Timed out");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC), "Local: Unknown topic");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__PARTITION_EOF), "Broker: No more messages");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR__PURGE_QUEUE), "Local: Purged in queue");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN), "Unknown broker error");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), "Broker: Message size too large");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), "Broker: Not leader for partition");
  EXPECT_STREQ(rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), "Broker: Unknown topic or partition");
  EXPECT_STREQ(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(-50)), "Err--50?");
  EXPECT_STREQ(rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(500)), "Err-500?");
  EXPECT_EQ(RdKafka::err2str(RdKafka::ERR__FATAL), "Local: Fatal error");

  EXPECT_STREQ(rd_kafka_err2name(RD_KAFKA_RESP_ERR_NO_ERROR), "NO_ERROR");
  EXPECT_STREQ(rd_kafka_err2name(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), "_MSG_TIMED_OUT");
  EXPECT_STREQ(rd_kafka_err2name(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), "MSG_SIZE_TOO_LARGE");
  EXPECT_STREQ(rd_kafka_err2name(RD_KAFKA_RESP_ERR_UNKNOWN), "UNKNOWN");
  EXPECT_STREQ(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(500)), "ERR_500?");
}

TEST(FacadeErrors, DescTableCoversEveryCode) {
  const rd_kafka_err_desc* descs = nullptr;
  size_t cnt = 0;
  rd_kafka_get_err_descs(&descs, &cnt);
  ASSERT_EQ(cnt, static_cast<size_t>(RD_KAFKA_RESP_ERR_END_ALL - RD_KAFKA_RESP_ERR__BEGIN));
  std::set<std::string> names;
  int described = 0;
  for (size_t i = 0; i < cnt; i++) {
    EXPECT_EQ(descs[i].code, static_cast<int>(i) + RD_KAFKA_RESP_ERR__BEGIN);
    if (!descs[i].desc) continue;
    described++;
    EXPECT_TRUE(names.insert(descs[i].name).second) << descs[i].name;
    EXPECT_STREQ(rd_kafka_err2str(descs[i].code), descs[i].desc);
    EXPECT_STREQ(rd_kafka_err2name(descs[i].code), descs[i].name);
  }
  // 60 local errors (-199..-140) and 99 broker errors (-1..97).
  EXPECT_EQ(described, 60 + 99);
}

TEST(FacadeErrors, ErrorObjects) {
  rd_kafka_error_t* e = rd_kafka_error_new(RD_KAFKA_RESP_ERR__INVALID_ARG, "bad %s", "thing");
  EXPECT_EQ(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
  EXPECT_STREQ(rd_kafka_error_name(e), "_INVALID_ARG");
  EXPECT_STREQ(rd_kafka_error_string(e), "bad thing");
  EXPECT_FALSE(rd_kafka_error_is_fatal(e));
  rd_kafka_error_destroy(e);

  std::unique_ptr<RdKafka::Error> ce(RdKafka::Error::create(RdKafka::ERR__TIMED_OUT, nullptr));
  EXPECT_EQ(ce->code(), RdKafka::ERR__TIMED_OUT);
  EXPECT_EQ(ce->name(), "_TIMED_OUT");
  EXPECT_EQ(ce->str(), "Local: Timed out");
}

}  // namespace
