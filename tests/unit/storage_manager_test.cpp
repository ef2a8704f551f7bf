// LogConfig parsing and LogManager: topics, partitions, configs, persistence, retention.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "storage/log_manager.h"
#include "storage_test_util.h"

using namespace refbroker::storage;
using namespace storage_test;
using kafka::Error;
namespace fs = std::filesystem;

namespace {

LogConfig test_defaults() {
  LogConfig c;
  c.segment_bytes = 8 * 1024;
  c.segment_index_bytes = 64 * 1024;
  c.fsync = false;
  return c;
}

std::unique_ptr<LogManager> open_manager(const fs::path& dir, LogConfig defaults = test_defaults()) {
  auto r = LogManager::open({dir, defaults});
  EXPECT_TRUE(r.ok()) << r.message();
  return r.ok() ? std::move(*r) : nullptr;
}

void produce(PartitionLog& log, int batches) {
  for (int i = 0; i < batches; ++i) {
    auto b = make_batch({.records = 2});
    ASSERT_TRUE(log.append(b).ok());
  }
}

}  // namespace

TEST(LogConfig, DefaultsAreKafkas) {
  LogConfig c;
  EXPECT_EQ(c.segment_bytes, 1073741824);
  EXPECT_EQ(c.segment_ms, 604800000);
  EXPECT_EQ(c.retention_ms, 604800000);
  EXPECT_EQ(c.retention_bytes, -1);
  EXPECT_EQ(c.index_interval_bytes, 4096);
  EXPECT_EQ(c.segment_index_bytes, 10485760);
  EXPECT_EQ(c.max_message_bytes, 1048588);
  EXPECT_EQ(c.cleanup_policy, "delete");
  EXPECT_TRUE(c.delete_enabled());
  EXPECT_EQ(c.get("compression.type"), "producer");
  EXPECT_EQ(c.get("min.insync.replicas"), "1");
  EXPECT_EQ(c.get("no.such.key"), std::nullopt);
  auto all = c.to_topic_configs();
  EXPECT_EQ(all.at("retention.ms"), "604800000");
  EXPECT_EQ(all.at("message.timestamp.type"), "CreateTime");
  EXPECT_EQ(all.size(), LogConfig::topic_config_names().size());
}

TEST(LogConfig, TopicOverrides) {
  auto r = LogConfig::from_topic_configs({{"retention.ms", " 1000 "},
                                          {"segment.bytes", "1048576"},
                                          {"cleanup.policy", "compact, delete"},
                                          {"message.timestamp.type", "LogAppendTime"},
                                          {"compression.type", "zstd"},
                                          {"preallocate", "TRUE"}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->retention_ms, 1000);
  EXPECT_EQ(r->segment_bytes, 1048576);
  EXPECT_TRUE(r->compact_enabled());
  EXPECT_TRUE(r->delete_enabled());
  EXPECT_EQ(r->get("cleanup.policy"), "compact,delete");
  EXPECT_EQ(r->message_timestamp_type, TimestampType::LogAppendTime);
  EXPECT_EQ(r->get("compression.type"), "zstd");
  EXPECT_EQ(r->get("preallocate"), "true");
  EXPECT_TRUE(LogConfig::from_topic_configs({{"retention.ms", "-1"}, {"retention.bytes", "-1"}}).ok());
}

TEST(LogConfig, ValidationErrorsNameTheKey) {
  auto expect_error = [](ConfigMap m, std::string_view msg) {
    auto r = LogConfig::from_topic_configs(m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error(), Error::INVALID_CONFIG);
    EXPECT_EQ(r.message(), msg);
  };
  expect_error({{"segment.bytes", "abc"}}, "Invalid value abc for configuration segment.bytes: Not a number of type INT");
  expect_error({{"segment.bytes", "3000000000"}},
               "Invalid value 3000000000 for configuration segment.bytes: Not a number of type INT");
  expect_error({{"segment.bytes", "10"}}, "Invalid value 10 for configuration segment.bytes: Value must be at least 14");
  expect_error({{"retention.ms", "-2"}}, "Invalid value -2 for configuration retention.ms: Value must be at least -1");
  expect_error({{"segment.ms", "0"}}, "Invalid value 0 for configuration segment.ms: Value must be at least 1");
  expect_error({{"cleanup.policy", "delete,shred"}},
               "Invalid value delete,shred for configuration cleanup.policy: String must be one of: compact, delete");
  expect_error({{"message.timestamp.type", "Now"}},
               "Invalid value Now for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime");
  expect_error({{"preallocate", "yes"}},
               "Invalid value yes for configuration preallocate: Expected value to be either true or false");
  expect_error({{"min.cleanable.dirty.ratio", "1.5"}},
               "Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1");
  expect_error({{"not.a.real.topic.config", "1"}}, "Unknown topic config name: not.a.real.topic.config");
}

TEST(LogConfig, BrokerProperties) {
  auto r = LogConfig::from_broker_configs({{"log.retention.hours", "1"},
                                           {"log.segment.bytes", "2048"},
                                           {"log.roll.hours", "2"},
                                           {"message.max.bytes", "5000"},
                                           {"broker.id", "7"}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r->retention_ms, 3600000);
  EXPECT_EQ(r->segment_bytes, 2048);
  EXPECT_EQ(r->segment_ms, 7200000);
  EXPECT_EQ(r->max_message_bytes, 5000);
  // ms beats minutes beats hours.
  r = LogConfig::from_broker_configs({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}, {"log.retention.ms", "5"}});
  EXPECT_EQ(r->retention_ms, 5);
  r = LogConfig::from_broker_configs({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}});
  EXPECT_EQ(r->retention_ms, 120000);
  r = LogConfig::from_broker_configs({{"log.retention.hours", "-1"}});
  EXPECT_EQ(r->retention_ms, -1);
  EXPECT_TRUE(r->fsync);
  r = LogConfig::from_broker_configs({{"refbroker.log.fsync", "false"}});
  EXPECT_FALSE(r->fsync);
  r = LogConfig::from_broker_configs({{"log.segment.bytes", "big"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.message(), "Invalid value big for configuration log.segment.bytes: Not a number of type INT");
}

TEST(LogManager, TopicNameValidation) {
  EXPECT_TRUE(LogManager::validate_topic_name("orders.v1-eu_2").ok());
  EXPECT_TRUE(LogManager::validate_topic_name(std::string(249, 'a')).ok());
  for (std::string bad : {std::string(), std::string("."), std::string(".."), std::string(250, 'a'),
                          std::string("a b"), std::string("a/b"), std::string("ü")}) {
    auto st = LogManager::validate_topic_name(bad);
    EXPECT_EQ(st.error, Error::INVALID_TOPIC_EXCEPTION) << bad;
    EXPECT_EQ(st.message.rfind("Topic name is invalid: ", 0), 0u);
  }
  EXPECT_EQ(LogManager::validate_topic_name("a b").message,
            "Topic name is invalid: 'a b' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
}

TEST(LogManager, CreateProduceRestartDelete) {
  TempDir d;
  kafka::proto::Uuid id{};
  {
    auto m = open_manager(d.path);
    auto t = m->create_topic("orders-eu.v1", 3, {{"retention.ms", "86400000"}});
    ASSERT_TRUE(t.ok()) << t.message();
    id = t->topic_id;
    EXPECT_NE(id, kafka::proto::Uuid{});
    EXPECT_EQ(t->config.retention_ms, 86400000);
    EXPECT_EQ(m->create_topic("orders-eu.v1", 1).error(), Error::TOPIC_ALREADY_EXISTS);
    EXPECT_EQ(m->create_topic("orders-eu_v1", 1).error(), Error::INVALID_TOPIC_EXCEPTION);  // collision
    EXPECT_EQ(m->create_topic("x", 0).error(), Error::INVALID_PARTITIONS);
    EXPECT_EQ(m->create_topic("x", 1, {{"retention.ms", "soon"}}).error(), Error::INVALID_CONFIG);
    EXPECT_EQ(m->create_topic("bad name", 1).error(), Error::INVALID_TOPIC_EXCEPTION);
    ASSERT_TRUE(m->create_topic("orders", 2).ok());  // a prefix of the other name
    EXPECT_TRUE(m->create_topic("dry", 1, {}, /*validate_only=*/true).ok());
    EXPECT_FALSE(m->topic("dry"));
    EXPECT_TRUE(fs::is_directory(d.path / "orders-eu.v1-2"));
    produce(*m->partition("orders-eu.v1", 1), 10);
    produce(*m->partition("orders", 1), 3);
    EXPECT_EQ(m->partition("orders-eu.v1", 3), nullptr);
    EXPECT_EQ(m->partition("nope", 0), nullptr);
  }
  {
    auto m = open_manager(d.path);
    auto names = m->topics();
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[0].name, "orders");
    EXPECT_EQ(names[1].name, "orders-eu.v1");
    EXPECT_EQ(names[1].partitions, 3);
    EXPECT_EQ(names[1].topic_id, id);
    EXPECT_EQ(names[1].overrides, (ConfigMap{{"retention.ms", "86400000"}}));
    EXPECT_EQ(names[1].config.retention_ms, 86400000);
    EXPECT_EQ(m->partition("orders-eu.v1", 1)->log_end_offset(), 20);
    EXPECT_EQ(m->partition("orders", 1)->log_end_offset(), 6);
    EXPECT_EQ(m->partition("orders", 0)->log_end_offset(), 0);

    auto held = m->partition("orders-eu.v1", 1);
    ASSERT_TRUE(m->delete_topic("orders-eu.v1").ok());
    EXPECT_EQ(m->delete_topic("orders-eu.v1").error, Error::UNKNOWN_TOPIC_OR_PARTITION);
    EXPECT_FALSE(fs::exists(d.path / "orders-eu.v1-1"));
    auto b = make_batch();
    EXPECT_EQ(held->append(b).error(), Error::UNKNOWN_TOPIC_OR_PARTITION);
    // The name can be reused at once, starting empty with a new id.
    auto again = m->create_topic("orders-eu.v1", 1);
    ASSERT_TRUE(again.ok());
    EXPECT_NE(again->topic_id, id);
    EXPECT_EQ(m->partition("orders-eu.v1", 0)->log_end_offset(), 0);
  }
  auto m = open_manager(d.path);
  EXPECT_EQ(m->topic("orders-eu.v1")->partitions, 1);
  EXPECT_EQ(m->partition("orders", 1)->log_end_offset(), 6);
}

TEST(LogManager, CreatePartitionsGrowsOnly) {
  TempDir d;
  auto m = open_manager(d.path);
  ASSERT_TRUE(m->create_topic("t", 2).ok());
  auto st = m->create_partitions("t", 2);
  EXPECT_EQ(st.error(), Error::INVALID_PARTITIONS);
  EXPECT_EQ(st.message(), "Topic already has 2 partitions.");
  EXPECT_EQ(m->create_partitions("t", 1).message(), "Topic currently has 2 partitions, which is higher than the requested 1.");
  EXPECT_EQ(m->create_partitions("u", 3).error(), Error::UNKNOWN_TOPIC_OR_PARTITION);
  auto r = m->create_partitions("t", 5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->partitions, 5);
  produce(*m->partition("t", 4), 2);
  m.reset();
  m = open_manager(d.path);
  EXPECT_EQ(m->topic("t")->partitions, 5);
  EXPECT_EQ(m->partition("t", 4)->log_end_offset(), 4);
}

TEST(LogManager, AlterConfigAppliesToLogsAndPersists) {
  TempDir d;
  auto m = open_manager(d.path);
  ASSERT_TRUE(m->create_topic("t", 1).ok());
  EXPECT_EQ(m->alter_topic_config("t", {{"segment.bytes", "x"}}).error(), Error::INVALID_CONFIG);
  auto r = m->alter_topic_config("t", {{"max.message.bytes", "200"}});
  ASSERT_TRUE(r.ok());
  auto big = make_batch({.value_size = 500});
  EXPECT_EQ(m->partition("t", 0)->append(big).error(), Error::MESSAGE_TOO_LARGE);
  m.reset();
  m = open_manager(d.path);
  EXPECT_EQ(m->topic("t")->config.max_message_bytes, 200);
  EXPECT_EQ(m->partition("t", 0)->config().max_message_bytes, 200);
}

TEST(LogManager, RunRetention) {
  TempDir d;
  auto m = open_manager(d.path);
  ASSERT_TRUE(m->create_topic("t", 2, {{"retention.bytes", "10000"}}).ok());
  produce(*m->partition("t", 0), 300);
  produce(*m->partition("t", 1), 300);
  EXPECT_GT(m->run_retention(), 0);
  EXPECT_LT(m->partition("t", 0)->size_bytes(), 10000u + 8192);
  EXPECT_GT(m->partition("t", 1)->log_start_offset(), 0);
  EXPECT_TRUE(m->flush_all().ok());
}

TEST(LogManager, RemovesOrphanPartitionDirsButNothingElse) {
  TempDir d;
  {
    auto m = open_manager(d.path);
    ASSERT_TRUE(m->create_topic("keep", 1).ok());
  }
  fs::create_directories(d.path / "ghost-0");
  std::ofstream(d.path / "ghost-0" / "00000000000000000000.log").put('x');
  fs::create_directories(d.path / "keep-7");           // beyond the partition count
  fs::create_directories(d.path / "groups-0");
  std::ofstream(d.path / "groups-0" / "state.json") << "{}";  // not ours: left alone
  fs::create_directories(d.path / "misc");
  auto m = open_manager(d.path);
  EXPECT_FALSE(fs::exists(d.path / "ghost-0"));
  EXPECT_FALSE(fs::exists(d.path / "keep-7"));
  EXPECT_TRUE(fs::exists(d.path / "groups-0" / "state.json"));
  EXPECT_TRUE(fs::exists(d.path / "misc"));
  EXPECT_TRUE(fs::exists(d.path / "keep-0"));
}

TEST(LogManager, CloseWithFsyncIsQuickAndClean) {
  TempDir d;
  LogConfig defaults;  // fsync on
  {
    auto m = open_manager(d.path, defaults);
    for (int i = 0; i < 20; ++i) {
      auto name = "t" + std::to_string(i);
      ASSERT_TRUE(m->create_topic(name, 1).ok());
      produce(*m->partition(name, 0), 5);
    }
    auto t0 = std::chrono::steady_clock::now();
    m->close();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("close of 20 partitions with fsync: %.1f ms\n", ms);
  }
  auto m = open_manager(d.path, defaults);
  EXPECT_TRUE(m->partition("t3", 0)->recovery_stats().clean_shutdown);
  EXPECT_EQ(m->partition("t3", 0)->log_end_offset(), 10);
}

TEST(LogManager, OneManagerPerDirectory) {
  TempDir d;
  auto m = open_manager(d.path);
  auto second = LogManager::open({d.path, test_defaults()});
  EXPECT_EQ(second.error(), Error::KAFKA_STORAGE_ERROR);
  m->close();
  EXPECT_TRUE(LogManager::open({d.path, test_defaults()}).ok());
}

TEST(LogManager, StartupWithManySmallTopicsIsQuick) {
  TempDir d;
  LogConfig defaults;  // Kafka's defaults (10 MiB preallocated indexes), fsync off for speed
  defaults.fsync = false;
  {
    auto m = open_manager(d.path, defaults);
    for (int i = 0; i < 50; ++i) {
      auto name = "topic-" + std::to_string(i);
      ASSERT_TRUE(m->create_topic(name, 2).ok());
      produce(*m->partition(name, 0), 20);
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  auto m = open_manager(d.path, defaults);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(m->topics().size(), 50u);
  EXPECT_EQ(m->partition("topic-7", 0)->log_end_offset(), 40);
  EXPECT_LT(ms, 500.0);
  std::printf("reopen of 50 topics / 100 partitions: %.1f ms\n", ms);
}
