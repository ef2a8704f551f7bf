// The librdkafka-compatible API end to end against an in-process refbroker: the C++ producer
// surface (Topic objects, partitioner callbacks, every produce overload, headers, timestamps,
// delivery-report fields, events and statistics, metadata, watermarks, purge) and the C-only
// pieces (legacy dr_cb, C partitioner with partition_available, produce_batch, log callback).
// Links libkafkaplus.so like an application.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "broker.h"

namespace {

class BrokerEnv {
 public:
  BrokerEnv() {
    dir_ = std::filesystem::temp_directory_path() /
           ("kafkaplus-facade-api-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::remove_all(dir_);
    refbroker::BrokerOptions o;
    o.data_dir = dir_;
    o.config["num.partitions"] = "3";
    broker_ = std::make_unique<refbroker::Broker>(o);
    broker_->start();
  }
  ~BrokerEnv() {
    broker_->stop();
    std::filesystem::remove_all(dir_);
  }
  std::string bootstrap() const { return broker_->bootstrap(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<refbroker::Broker> broker_;
};

struct Delivered {
  RdKafka::ErrorCode err;
  std::string errstr, topic_name, key, value;
  bool has_key;
  RdKafka::Topic* topic;
  int32_t partition;
  int64_t offset, latency;
  RdKafka::MessageTimestamp ts;
  void* opaque;
  RdKafka::Message::Status status;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Recorder : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    Delivered d{m.err(), m.errstr(), m.topic_name(), "", "", m.key() != nullptr, m.topic(), m.partition(),
                m.offset(), m.latency(), m.timestamp(), m.msg_opaque(), m.status(), {}};
    if (m.key()) d.key = *m.key();
    EXPECT_EQ(m.key_len(), d.key.size());
    if (m.payload()) d.value.assign(static_cast<const char*>(m.payload()), m.len());
    if (RdKafka::Headers* h = m.headers())
      for (const auto& x : h->get_all())
        d.headers.emplace_back(x.key(), x.value() ? std::string(x.value_string(), x.value_size()) : "<null>");
    drs.push_back(std::move(d));
  }
  void event_cb(RdKafka::Event& e) override {
    std::lock_guard lk(mu);
    if (e.type() == RdKafka::Event::EVENT_STATS) stats++;
    if (e.type() == RdKafka::Event::EVENT_ERROR) errors.push_back(e.str());
    if (e.type() == RdKafka::Event::EVENT_LOG) logs++;
  }
  std::vector<Delivered> drs;
  std::mutex mu;
  int stats = 0, logs = 0;
  std::vector<std::string> errors;
};

class FixedPartitioner : public RdKafka::PartitionerCb {
 public:
  int32_t partitioner_cb(const RdKafka::Topic* topic, const std::string* key, int32_t partition_cnt,
                         void* msg_opaque) override {
    calls++;
    seen_topic = topic ? topic->name() : "<null>";
    seen_cnt = partition_cnt;
    return key && *key == "to-two" ? 2 : 1;
  }
  std::atomic<int> calls{0};
  std::string seen_topic;
  int32_t seen_cnt = 0;
};

std::unique_ptr<RdKafka::Conf> global_conf(const std::string& bootstrap, Recorder& rec) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  EXPECT_EQ(conf->set("bootstrap.servers", bootstrap, err), RdKafka::Conf::CONF_OK) << err;
  EXPECT_EQ(conf->set("linger.ms", "2", err), RdKafka::Conf::CONF_OK) << err;
  EXPECT_EQ(conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&rec), err), RdKafka::Conf::CONF_OK) << err;
  EXPECT_EQ(conf->set("event_cb", static_cast<RdKafka::EventCb*>(&rec), err), RdKafka::Conf::CONF_OK) << err;
  return conf;
}

TEST(FacadeApi, CppProducerSurface) {
  BrokerEnv env;
  Recorder rec;
  auto conf = global_conf(env.bootstrap(), rec);
  std::string err;
  ASSERT_EQ(conf->set("statistics.interval.ms", "100", err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(p) << err;
  EXPECT_NE(p->name().find("#producer-"), std::string::npos) << p->name();
  EXPECT_EQ(p->memberid(), "");

  FixedPartitioner part;
  std::unique_ptr<RdKafka::Conf> tconf(RdKafka::Conf::create(RdKafka::Conf::CONF_TOPIC));
  ASSERT_EQ(tconf->set("partitioner_cb", &part, err), RdKafka::Conf::CONF_OK) << err;
  ASSERT_EQ(tconf->set("acks", "all", err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(p.get(), "api-cpp", tconf.get(), err));
  ASSERT_TRUE(topic) << err;
  EXPECT_EQ(topic->name(), "api-cpp");

  int o1 = 1, o2 = 2, o3 = 3, o4 = 4;
  std::string key = "to-two";
  char v1[] = "v-one";
  ASSERT_EQ(p->produce(topic.get(), RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY, v1, 5, &key, &o1),
            RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(p->produce(topic.get(), 0, RdKafka::Producer::RK_MSG_COPY, v1, 5, "kp", 2, &o2), RdKafka::ERR_NO_ERROR);
  std::vector<char> payload{'v', 'e', 'c'}, vkey{'k'};
  ASSERT_EQ(p->produce(topic.get(), RdKafka::Topic::PARTITION_UA, &payload, &vkey, &o3), RdKafka::ERR_NO_ERROR);

  RdKafka::Headers* hdrs = RdKafka::Headers::create();
  hdrs->add("trace", "abc");
  hdrs->add("empty", nullptr, 0);
  const int64_t ts = 1600000000123LL;
  static char borrowed[] = "borrowed";  // no copy flag: must stay valid until its report
  ASSERT_EQ(p->produce("api-named", 1, 0, borrowed, 8, "nk", 2, ts, hdrs, &o4), RdKafka::ERR_NO_ERROR);
  // hdrs now belongs to the message.

  ASSERT_EQ(p->flush(10000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(p->outq_len(), 0);
  ASSERT_EQ(rec.drs.size(), 4u);
  std::map<void*, const Delivered*> by;
  for (const auto& d : rec.drs) {
    EXPECT_EQ(d.err, RdKafka::ERR_NO_ERROR) << d.errstr;
    EXPECT_EQ(d.errstr, "");
    EXPECT_GE(d.offset, 0);
    EXPECT_GE(d.latency, 0);
    EXPECT_EQ(d.status, RdKafka::Message::MSG_STATUS_PERSISTED);
    by[d.opaque] = &d;
  }
  ASSERT_EQ(by.size(), 4u);
  EXPECT_EQ(by[&o1]->partition, 2);  // chosen by the C++ partitioner
  EXPECT_EQ(by[&o1]->key, "to-two");
  EXPECT_EQ(by[&o1]->value, "v-one");
  EXPECT_EQ(by[&o1]->topic, topic.get());
  EXPECT_EQ(by[&o1]->topic_name, "api-cpp");
  EXPECT_EQ(by[&o2]->partition, 0);  // explicit partition: no partitioner
  EXPECT_EQ(by[&o2]->key, "kp");
  EXPECT_EQ(by[&o3]->partition, 1);
  EXPECT_EQ(by[&o3]->value, "vec");
  EXPECT_EQ(by[&o3]->key, "k");
  EXPECT_GE(part.calls.load(), 2);
  EXPECT_EQ(part.seen_topic, "api-cpp");
  EXPECT_EQ(part.seen_cnt, 3);
  const Delivered& n = *by[&o4];
  EXPECT_EQ(n.topic_name, "api-named");
  EXPECT_EQ(n.topic, nullptr);  // produced by name: no Topic object
  EXPECT_EQ(n.partition, 1);
  EXPECT_EQ(n.value, "borrowed");
  EXPECT_EQ(n.ts.type, RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME);
  EXPECT_EQ(n.ts.timestamp, ts);
  ASSERT_EQ(n.headers.size(), 2u);
  EXPECT_EQ(n.headers[0], (std::pair<std::string, std::string>{"trace", "abc"}));
  EXPECT_EQ(n.headers[1], (std::pair<std::string, std::string>{"empty", "<null>"}));

  // Metadata and watermarks.
  RdKafka::Metadata* md = nullptr;
  ASSERT_EQ(p->metadata(false, topic.get(), &md, 5000), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(md->topics()->size(), 1u);
  EXPECT_EQ((*md->topics())[0]->topic(), "api-cpp");
  EXPECT_EQ((*md->topics())[0]->partitions()->size(), 3u);
  ASSERT_EQ(md->brokers()->size(), 1u);
  EXPECT_GT((*md->brokers())[0]->port(), 0);
  delete md;
  int64_t low = -1, high = -1;
  ASSERT_EQ(p->query_watermark_offsets("api-cpp", 2, &low, &high, 5000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 1);

  // Offsets by timestamp: the named message carries ts; a later timestamp finds the end.
  std::vector<RdKafka::TopicPartition*> tps{RdKafka::TopicPartition::create("api-named", 1, ts),
                                            RdKafka::TopicPartition::create("api-named", 1, ts + 1)};
  ASSERT_EQ(p->offsetsForTimes(tps, 5000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(tps[0]->err(), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(tps[0]->offset(), n.offset);
  EXPECT_EQ(tps[1]->offset(), -1);  // no message at or after ts + 1
  RdKafka::TopicPartition::destroy(tps);
  EXPECT_TRUE(tps.empty());
  EXPECT_FALSE(p->clusterid(5000).empty());

  // Errors: an explicit partition that does not exist, fatal state.
  EXPECT_EQ(p->produce(topic.get(), 7, RdKafka::Producer::RK_MSG_COPY, v1, 5, nullptr, 0, nullptr),
            RdKafka::ERR__UNKNOWN_PARTITION);
  std::string fatal;
  EXPECT_EQ(p->fatal_error(fatal), RdKafka::ERR_NO_ERROR);

  // Purge: queued messages come back with ERR__PURGE_QUEUE.
  rec.drs.clear();
  std::unique_ptr<RdKafka::Conf> slow(RdKafka::Conf::create(RdKafka::Conf::CONF_TOPIC));
  for (int i = 0; i < 3; i++)
    ASSERT_EQ(p->produce("api-purge", 0, RdKafka::Producer::RK_MSG_COPY, v1, 5, nullptr, 0, 0, nullptr),
              RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(p->purge(RdKafka::Producer::PURGE_QUEUE), RdKafka::ERR_NO_ERROR);
  for (int i = 0; i < 50 && rec.drs.size() < 3; i++) p->poll(100);
  ASSERT_EQ(rec.drs.size(), 3u);
  for (const auto& d : rec.drs) {
    EXPECT_TRUE(d.err == RdKafka::ERR__PURGE_QUEUE || d.err == RdKafka::ERR_NO_ERROR) << RdKafka::err2str(d.err);
    if (d.err) {
      EXPECT_EQ(d.errstr, "Local: Purged in queue");
    }
  }

  // Statistics reached the event callback.
  for (int i = 0; i < 30; i++) {
    {
      std::lock_guard lk(rec.mu);
      if (rec.stats > 0) break;
    }
    p->poll(50);
  }
  std::lock_guard lk(rec.mu);
  EXPECT_GT(rec.stats, 0);
  EXPECT_TRUE(rec.errors.empty()) << rec.errors.front();
}

// ---- C API pieces ----

struct CState {
  std::atomic<int> partitioner_calls{0};
  std::atomic<int> available_seen{0};
  std::vector<std::tuple<int, int32_t, int64_t, void*>> legacy;  // err, partition, len, msg_opaque
  std::atomic<int> logs{0};
};

int32_t my_partitioner(const rd_kafka_topic_t* rkt, const void* key, size_t keylen, int32_t cnt, void* rkt_opaque,
                       void* msg_opaque) {
  auto* st = static_cast<CState*>(rkt_opaque);
  st->partitioner_calls++;
  if (rd_kafka_topic_partition_available(rkt, 0)) st->available_seen++;
  return rd_kafka_msg_partitioner_murmur2(rkt, key, keylen, cnt, rkt_opaque, msg_opaque);
}

void legacy_dr(rd_kafka_t* rk, void* payload, size_t len, rd_kafka_resp_err_t err, void* opaque, void* msg_opaque) {
  static_cast<CState*>(opaque)->legacy.emplace_back(err, 0, static_cast<int64_t>(len), msg_opaque);
}

void count_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  static_cast<CState*>(rd_kafka_opaque(rk))->logs++;
}

TEST(FacadeApi, CApiPieces) {
  BrokerEnv env;
  CState st;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", env.bootstrap().c_str(), err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "log_level", "7", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "debug", "all", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_dr_cb(conf, legacy_dr);
  rd_kafka_conf_set_log_cb(conf, count_log);
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  EXPECT_EQ(rd_kafka_opaque(rk), &st);
  EXPECT_EQ(rd_kafka_memberid(rk), nullptr);

  rd_kafka_topic_conf_t* tconf = rd_kafka_topic_conf_new();
  rd_kafka_topic_conf_set_partitioner_cb(tconf, my_partitioner);
  rd_kafka_topic_conf_set_opaque(tconf, &st);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "api-c", tconf);
  ASSERT_NE(rkt, nullptr);
  EXPECT_EQ(rd_kafka_topic_opaque(rkt), &st);

  // Warm the metadata so the partitioner runs in produce().
  const rd_kafka_metadata_t* md = nullptr;
  ASSERT_EQ(rd_kafka_metadata(rk, 0, rkt, &md, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(md->topic_cnt, 1);
  EXPECT_STREQ(md->topics[0].topic, "api-c");
  EXPECT_EQ(md->topics[0].partition_cnt, 3);
  rd_kafka_metadata_destroy(md);

  int markers[4];
  rd_kafka_message_t batch[4] = {};
  for (int i = 0; i < 4; i++) {
    batch[i].payload = const_cast<char*>("batch");
    batch[i].len = 5;
    batch[i].key = const_cast<char*>("bk");
    batch[i].key_len = 2;
    batch[i]._private = &markers[i];
    batch[i].partition = i == 3 ? 42 : i;  // the last one has no such partition
  }
  EXPECT_EQ(rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_PARTITION, batch, 4),
            3);
  EXPECT_EQ(batch[3].err, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
  EXPECT_EQ(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>("x"), 1, "key", 3,
                             nullptr),
            0);
  EXPECT_GE(st.partitioner_calls.load(), 1);
  EXPECT_EQ(st.partitioner_calls.load(), st.available_seen.load());

  // Too large for message.max.bytes.
  std::string big(2000000, 'x');
  EXPECT_EQ(rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, big.data(), big.size(), nullptr, 0, nullptr), -1);
  EXPECT_EQ(rd_kafka_last_error(), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);

  ASSERT_EQ(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(st.legacy.size(), 4u);
  for (auto& [e, p, len, op] : st.legacy) {
    EXPECT_EQ(e, 0);
    EXPECT_TRUE(len == 5 || len == 1);
  }
  int64_t lo, hi, total = 0;
  for (int p = 0; p < 3; p++) {
    ASSERT_EQ(rd_kafka_query_watermark_offsets(rk, "api-c", p, &lo, &hi, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
    total += hi - lo;
  }
  EXPECT_EQ(total, 4);
  EXPECT_GE(rd_kafka_controllerid(rk, 5000), 0);
  EXPECT_GT(st.logs.load(), 0);  // debug=all at log_level 7 reaches the log callback
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  EXPECT_EQ(rd_kafka_wait_destroyed(1000), 0);
}

}  // namespace
