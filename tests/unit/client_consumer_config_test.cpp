// ConsumerConfig: librdkafka's names, defaults and aliases, and precise errors for bad values.
#include <gtest/gtest.h>

#include "config.h"

using namespace kafka::client;

TEST(ConsumerConfig, DefaultsAreLibrdkafkas) {
  ConsumerConfig c;
  std::string errstr;
  ASSERT_TRUE(parse_consumer_config({}, c, errstr)) << errstr;
  EXPECT_EQ(c.session_timeout_ms, 45000);
  EXPECT_EQ(c.heartbeat_interval_ms, 3000);
  EXPECT_EQ(c.max_poll_interval_ms, 300000);
  EXPECT_EQ(c.assignment_strategies, (std::vector<std::string>{"range", "roundrobin"}));
  EXPECT_TRUE(c.enable_auto_commit);
  EXPECT_EQ(c.auto_commit_interval_ms, 5000);
  EXPECT_TRUE(c.enable_auto_offset_store);
  EXPECT_EQ(c.auto_offset_reset, OffsetReset::Latest);
  EXPECT_FALSE(c.enable_partition_eof);
  EXPECT_FALSE(c.check_crcs);
  EXPECT_EQ(c.queued_min_messages, 100000);
  EXPECT_EQ(c.queued_max_messages_kbytes, 65536);
  EXPECT_EQ(c.fetch_min_bytes, 1);
  EXPECT_EQ(c.fetch_wait_max_ms, 500);
  EXPECT_EQ(c.fetch_max_bytes, 52428800);
  EXPECT_EQ(c.max_partition_fetch_bytes, 1048576);
  EXPECT_EQ(c.fetch_error_backoff_ms, 500);
  EXPECT_EQ(c.isolation_level, 1);
  EXPECT_FALSE(c.allow_auto_create_topics);
  EXPECT_EQ(c.group_protocol_type, "consumer");
  EXPECT_FALSE(c.group_instance_id);
}

TEST(ConsumerConfig, ValuesAndAliases) {
  ConsumerConfig c;
  std::string errstr;
  ASSERT_TRUE(parse_consumer_config({{"group.id", "g"},
                                     {"group.instance.id", "i"},
                                     {"auto.offset.reset", "smallest"},
                                     {"partition.assignment.strategy", "cooperative-sticky"},
                                     {"fetch.message.max.bytes", "4096"},
                                     {"isolation.level", "read_uncommitted"},
                                     {"enable.partition.eof", "true"}},
                                    c, errstr))
      << errstr;
  EXPECT_EQ(c.group_id, "g");
  EXPECT_EQ(c.group_instance_id, std::optional<std::string>("i"));
  EXPECT_EQ(c.auto_offset_reset, OffsetReset::Earliest);
  EXPECT_EQ(c.assignment_strategies, std::vector<std::string>{"cooperative-sticky"});
  EXPECT_EQ(c.max_partition_fetch_bytes, 4096);
  EXPECT_EQ(c.isolation_level, 0);
  EXPECT_TRUE(c.enable_partition_eof);
  for (const char* v : {"beginning", "earliest"}) {
    ConsumerConfig x;
    ASSERT_TRUE(parse_consumer_config({{"auto.offset.reset", v}}, x, errstr));
    EXPECT_EQ(x.auto_offset_reset, OffsetReset::Earliest);
  }
  for (const char* v : {"largest", "latest", "end"}) {
    ConsumerConfig x;
    ASSERT_TRUE(parse_consumer_config({{"auto.offset.reset", v}}, x, errstr));
    EXPECT_EQ(x.auto_offset_reset, OffsetReset::Latest);
  }
  ConsumerConfig e;
  ASSERT_TRUE(parse_consumer_config({{"auto.offset.reset", "error"}}, e, errstr));
  EXPECT_EQ(e.auto_offset_reset, OffsetReset::Error);
}

TEST(ConsumerConfig, BadValuesNameTheProperty) {
  const std::vector<std::pair<Properties, std::string>> cases = {
      {{{"auto.offset.reset", "never"}}, "auto.offset.reset"},
      {{{"session.timeout.ms", "0"}}, "session.timeout.ms"},
      {{{"max.poll.interval.ms", "x"}}, "max.poll.interval.ms"},
      {{{"partition.assignment.strategy", ""}}, "partition.assignment.strategy"},
      {{{"partition.assignment.strategy", "roundrobin,cooperative-sticky"}}, "partition.assignment.strategy"},
      {{{"enable.auto.offset.store", "2"}}, "enable.auto.offset.store"},
      {{{"queued.max.messages.kbytes", "0"}}, "queued.max.messages.kbytes"},
      {{{"fetch.max.bytes", "1000"}}, "fetch.max.bytes"},
      {{{"group.protocol.type", ""}}, "group.protocol.type"},
  };
  for (auto& [props, name] : cases) {
    ConsumerConfig c;
    std::string errstr;
    EXPECT_FALSE(parse_consumer_config(props, c, errstr)) << name;
    EXPECT_NE(errstr.find(name), std::string::npos) << errstr;
  }
}
