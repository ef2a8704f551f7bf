// The consumer half of the librdkafka-compatible API end to end against an in-process refbroker:
// manual assignment with logical and absolute offsets, message fields, positions, seek,
// pause/resume, watermarks, commits in every form and their callbacks, offsets_store, partition
// EOF events, two cooperative group members, and the C API's consume_cb / message accessors.
// Uses only librdkafka 2.0.2's API, so the same source also runs against the real librdkafka
// (facade_consumer_test_librdkafka) as a check of the expectations themselves.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker.h"

namespace {

using Clock = std::chrono::steady_clock;

class BrokerEnv {
 public:
  BrokerEnv() {
    dir_ = std::filesystem::temp_directory_path() /
           ("kafkaplus-facade-consumer-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
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

constexpr int64_t kTimestamp = 1700000000000LL;

// Produces count messages to topic/partition: value "<tag>-<i>", key "k<i>", header seq=i,
// timestamp kTimestamp + i.
void produce(const std::string& bootstrap, const std::string& topic, int32_t partition, int count,
             const std::string& tag = "v") {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  ASSERT_EQ(conf->set("bootstrap.servers", bootstrap, err), RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  ASSERT_TRUE(p) << err;
  for (int i = 0; i < count; i++) {
    std::string v = tag + "-" + std::to_string(i), k = "k" + std::to_string(i);
    RdKafka::Headers* h = RdKafka::Headers::create();
    h->add("seq", std::to_string(i));
    ASSERT_EQ(p->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, v.data(), v.size(), k.data(), k.size(),
                         kTimestamp + i, h, nullptr),
              RdKafka::ERR_NO_ERROR);
  }
  ASSERT_EQ(p->flush(10000), RdKafka::ERR_NO_ERROR);
}

std::unique_ptr<RdKafka::Conf> consumer_conf(const std::string& bootstrap, const std::string& group,
                                             std::map<std::string, std::string> extra = {}) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  extra.emplace("bootstrap.servers", bootstrap);
  extra.emplace("group.id", group);
  extra.emplace("auto.offset.reset", "earliest");
  extra.emplace("session.timeout.ms", "6000");
  for (const auto& [k, v] : extra) EXPECT_EQ(conf->set(k, v, err), RdKafka::Conf::CONF_OK) << k << ": " << err;
  return conf;
}

std::unique_ptr<RdKafka::KafkaConsumer> make_consumer(RdKafka::Conf* conf) {
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf, err));
  EXPECT_TRUE(c) << err;
  return c;
}

struct Got {
  std::string topic, key, value, seq;
  int32_t partition;
  int64_t offset, timestamp;
};

// Consumes until want messages arrived or timeout_ms passed; other events are ignored.
std::vector<Got> consume_n(RdKafka::KafkaConsumer* c, size_t want, int timeout_ms = 15000) {
  std::vector<Got> out;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (out.size() < want && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    Got g{m->topic_name(), m->key() ? *m->key() : "<null>",
          std::string(static_cast<const char*>(m->payload()), m->len()), "", m->partition(), m->offset(),
          m->timestamp().timestamp};
    if (RdKafka::Headers* h = m->headers()) {
      RdKafka::Headers::Header last = h->get_last("seq");
      if (last.err() == RdKafka::ERR_NO_ERROR) g.seq.assign(last.value_string(), last.value_size());
    }
    out.push_back(g);
  }
  return out;
}

RdKafka::ErrorCode assign(RdKafka::KafkaConsumer* c, std::vector<std::tuple<std::string, int32_t, int64_t>> parts) {
  std::vector<RdKafka::TopicPartition*> v;
  for (const auto& [t, p, o] : parts) v.push_back(RdKafka::TopicPartition::create(t, p, o));
  RdKafka::ErrorCode err = c->assign(v);
  RdKafka::TopicPartition::destroy(v);
  return err;
}

TEST(FacadeConsumer, ManualAssignFieldsPositionsSeek) {
  BrokerEnv env;
  produce(env.bootstrap(), "ma", 0, 5);
  produce(env.bootstrap(), "ma", 1, 4, "w");
  auto conf = consumer_conf(env.bootstrap(), "ma-group", {{"enable.auto.commit", "false"}});
  auto c = make_consumer(conf.get());
  ASSERT_TRUE(c);
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(c.get(), "ma", nullptr, err));
  ASSERT_TRUE(topic) << err;

  ASSERT_EQ(assign(c.get(), {{"ma", 0, RdKafka::Topic::OFFSET_BEGINNING}, {"ma", 1, 2}}), RdKafka::ERR_NO_ERROR);
  std::vector<RdKafka::TopicPartition*> assigned;
  ASSERT_EQ(c->assignment(assigned), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(assigned.size(), 2u);
  RdKafka::TopicPartition::destroy(assigned);

  // Message fields, checked on the first message straight from consume().
  std::map<int32_t, std::set<int64_t>> offsets;
  {
    std::unique_ptr<RdKafka::Message> m;
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      m.reset(c->consume(200));
      if (m->err() == RdKafka::ERR_NO_ERROR) break;
      EXPECT_EQ(m->err(), RdKafka::ERR__TIMED_OUT) << m->errstr();
    }
    ASSERT_EQ(m->err(), RdKafka::ERR_NO_ERROR);
    EXPECT_EQ(m->errstr(), "");
    EXPECT_EQ(m->topic_name(), "ma");
    EXPECT_EQ(m->topic(), topic.get());  // the application's Topic object for that name
    ASSERT_NE(m->c_ptr(), nullptr);
    EXPECT_STREQ(rd_kafka_topic_name(m->c_ptr()->rkt), "ma");
    EXPECT_EQ(m->c_ptr()->offset, m->offset());
    ASSERT_TRUE(m->key());
    EXPECT_EQ(m->key_len(), m->key()->size());
    EXPECT_EQ(m->key_pointer(), m->c_ptr()->key);
    int i = std::stoi(m->key()->substr(1));
    EXPECT_EQ(m->offset(), i);  // one producer per partition: offset == sequence number
    EXPECT_EQ(m->timestamp().type, RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME);
    EXPECT_EQ(m->timestamp().timestamp, kTimestamp + i);
    RdKafka::ErrorCode herr = RdKafka::ERR__FAIL;
    RdKafka::Headers* h = m->headers(&herr);
    ASSERT_TRUE(h);
    EXPECT_EQ(herr, RdKafka::ERR_NO_ERROR);
    EXPECT_EQ(h->size(), 1u);
    EXPECT_EQ(m->headers(), h);  // the same object on each call
    offsets[m->partition()].insert(m->offset());
  }
  std::vector<Got> rest = consume_n(c.get(), 6);
  ASSERT_EQ(rest.size(), 6u);  // 5 + (4 - 2) - the first one
  for (const auto& g : rest) {
    offsets[g.partition].insert(g.offset);
    EXPECT_EQ(g.value, (g.partition == 0 ? "v-" : "w-") + g.seq);
    EXPECT_EQ(g.key, "k" + g.seq);
  }
  EXPECT_EQ(offsets[1], (std::set<int64_t>{2, 3}));

  std::vector<RdKafka::TopicPartition*> pos{RdKafka::TopicPartition::create("ma", 0),
                                            RdKafka::TopicPartition::create("ma", 1)};
  ASSERT_EQ(c->position(pos), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(pos[0]->offset(), 5);
  EXPECT_EQ(pos[1]->offset(), 4);
  RdKafka::TopicPartition::destroy(pos);

  int64_t low = -1, high = -1;
  ASSERT_EQ(c->get_watermark_offsets("ma", 0, &low, &high), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(high, 5);
  ASSERT_EQ(c->query_watermark_offsets("ma", 1, &low, &high, 5000), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(low, 0);
  EXPECT_EQ(high, 4);

  // Seek back on partition 0: the next message from it is offset 1.
  std::unique_ptr<RdKafka::TopicPartition> to(RdKafka::TopicPartition::create("ma", 0, 1));
  ASSERT_EQ(c->seek(*to, 5000), RdKafka::ERR_NO_ERROR);
  std::vector<Got> again = consume_n(c.get(), 4);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_EQ(again[0].partition, 0);
  EXPECT_EQ(again[0].offset, 1);
  EXPECT_EQ(again[3].offset, 4);

  ASSERT_EQ(c->unassign(), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(c->assignment(assigned), RdKafka::ERR_NO_ERROR);
  EXPECT_TRUE(assigned.empty());
  EXPECT_EQ(c->close(), RdKafka::ERR_NO_ERROR);
}

TEST(FacadeConsumer, PauseResume) {
  BrokerEnv env;
  produce(env.bootstrap(), "pr", 0, 2);
  auto conf = consumer_conf(env.bootstrap(), "pr-group", {{"enable.auto.commit", "false"}});
  auto c = make_consumer(conf.get());
  ASSERT_EQ(assign(c.get(), {{"pr", 0, RdKafka::Topic::OFFSET_BEGINNING}}), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(consume_n(c.get(), 2).size(), 2u);
  std::vector<RdKafka::TopicPartition*> parts{RdKafka::TopicPartition::create("pr", 0)};
  ASSERT_EQ(c->pause(parts), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(parts[0]->err(), RdKafka::ERR_NO_ERROR);
  produce(env.bootstrap(), "pr", 0, 3, "late");
  EXPECT_EQ(consume_n(c.get(), 1, 1500).size(), 0u);  // paused: nothing comes
  ASSERT_EQ(c->resume(parts), RdKafka::ERR_NO_ERROR);
  std::vector<Got> got = consume_n(c.get(), 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].offset, 2);
  EXPECT_EQ(got[0].value, "late-0");
  RdKafka::TopicPartition::destroy(parts);
  c->close();
}

class CommitRecorder : public RdKafka::OffsetCommitCb {
 public:
  void offset_commit_cb(RdKafka::ErrorCode err, std::vector<RdKafka::TopicPartition*>& offsets) override {
    calls++;
    last_err = err;
    last.clear();
    for (auto* tp : offsets) last[tp->partition()] = tp->offset();
  }
  int calls = 0;
  RdKafka::ErrorCode last_err = RdKafka::ERR__FAIL;
  std::map<int32_t, int64_t> last;
};

std::map<int32_t, int64_t> committed(RdKafka::KafkaConsumer* c, const std::string& topic, int partitions) {
  std::vector<RdKafka::TopicPartition*> v;
  for (int p = 0; p < partitions; p++) v.push_back(RdKafka::TopicPartition::create(topic, p));
  EXPECT_EQ(c->committed(v, 5000), RdKafka::ERR_NO_ERROR);
  std::map<int32_t, int64_t> out;
  for (auto* tp : v) out[tp->partition()] = tp->offset();
  RdKafka::TopicPartition::destroy(v);
  return out;
}

TEST(FacadeConsumer, CommitsStoresAndCallbacks) {
  BrokerEnv env;
  produce(env.bootstrap(), "cm", 0, 6);
  produce(env.bootstrap(), "cm", 1, 6);
  CommitRecorder global_cb;
  auto conf = consumer_conf(env.bootstrap(), "cm-group",
                            {{"enable.auto.commit", "false"}, {"enable.auto.offset.store", "false"}});
  std::string err;
  ASSERT_EQ(conf->set("offset_commit_cb", &global_cb, err), RdKafka::Conf::CONF_OK);
  auto c = make_consumer(conf.get());
  ASSERT_EQ(assign(c.get(), {{"cm", 0, RdKafka::Topic::OFFSET_BEGINNING}, {"cm", 1, RdKafka::Topic::OFFSET_BEGINNING}}),
            RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(consume_n(c.get(), 12).size(), 12u);

  // Nothing stored yet (automatic store is off).
  EXPECT_EQ(c->commitSync(), RdKafka::ERR__NO_OFFSET);

  // offsets_store, then a commit of the stored offsets.
  std::vector<RdKafka::TopicPartition*> store{RdKafka::TopicPartition::create("cm", 0, 3),
                                              RdKafka::TopicPartition::create("cm", 1, 4)};
  ASSERT_EQ(c->offsets_store(store), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(store[0]->err(), RdKafka::ERR_NO_ERROR);
  RdKafka::TopicPartition::destroy(store);
  ASSERT_EQ(c->commitSync(), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(committed(c.get(), "cm", 2), (std::map<int32_t, int64_t>{{0, 3}, {1, 4}}));

  // Explicit offsets, synchronously: per-partition results in the vector.
  std::vector<RdKafka::TopicPartition*> explicit_offsets{RdKafka::TopicPartition::create("cm", 0, 5)};
  ASSERT_EQ(c->commitSync(explicit_offsets), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(explicit_offsets[0]->err(), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(explicit_offsets[0]->offset(), 5);
  EXPECT_EQ(committed(c.get(), "cm", 2)[0], 5);

  // With a per-call callback: called before commitSync returns.
  CommitRecorder call_cb;
  explicit_offsets[0]->set_offset(6);
  ASSERT_EQ(c->commitSync(explicit_offsets, &call_cb), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(call_cb.calls, 1);
  EXPECT_EQ(call_cb.last_err, RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(call_cb.last[0], 6);
  RdKafka::TopicPartition::destroy(explicit_offsets);

  // Asynchronously: the result reaches the configured callback from consume(). (Whether the
  // synchronous commits above queue callbacks too differs: librdkafka 2.0.2 does not, kafkaplus
  // does; wait for the one of this commit.)
  std::vector<RdKafka::TopicPartition*> async_offsets{RdKafka::TopicPartition::create("cm", 1, 5)};
  ASSERT_EQ(c->commitAsync(async_offsets), RdKafka::ERR_NO_ERROR);
  RdKafka::TopicPartition::destroy(async_offsets);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!(global_cb.last.size() == 1 && global_cb.last.count(1)) && Clock::now() < deadline) delete c->consume(100);
  ASSERT_EQ(global_cb.last.size(), 1u);
  EXPECT_EQ(global_cb.last_err, RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(global_cb.last[1], 5);
  EXPECT_EQ(committed(c.get(), "cm", 2)[1], 5);
  c->close();
}

TEST(FacadeConsumer, CommitMessageWithAutoStore) {
  BrokerEnv env;
  produce(env.bootstrap(), "cmsg", 2, 3);
  auto conf = consumer_conf(env.bootstrap(), "cmsg-group", {{"enable.auto.commit", "false"}});
  auto c = make_consumer(conf.get());
  ASSERT_EQ(assign(c.get(), {{"cmsg", 2, RdKafka::Topic::OFFSET_BEGINNING}}), RdKafka::ERR_NO_ERROR);
  std::unique_ptr<RdKafka::Message> m;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    m.reset(c->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) break;
  }
  ASSERT_EQ(m->err(), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(m->offset(), 0);
  ASSERT_EQ(c->commitSync(m.get()), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(committed(c.get(), "cmsg", 3)[2], 1);
  // Explicit stores are refused while the automatic store is on.
  std::vector<RdKafka::TopicPartition*> store{RdKafka::TopicPartition::create("cmsg", 2, 1)};
  EXPECT_EQ(c->offsets_store(store), RdKafka::ERR__INVALID_ARG);
  RdKafka::TopicPartition::destroy(store);
  // commitSync() commits what consume() handed out (auto store).
  ASSERT_EQ(consume_n(c.get(), 2).size(), 2u);
  CommitRecorder call_cb;
  ASSERT_EQ(c->commitSync(&call_cb), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(call_cb.calls, 1);
  EXPECT_EQ(committed(c.get(), "cmsg", 3)[2], 3);
  c->close();
}

TEST(FacadeConsumer, PartitionEof) {
  BrokerEnv env;
  produce(env.bootstrap(), "eof", 0, 2);
  auto conf = consumer_conf(env.bootstrap(), "eof-group", {{"enable.partition.eof", "true"}});
  auto c = make_consumer(conf.get());
  ASSERT_EQ(assign(c.get(), {{"eof", 0, RdKafka::Topic::OFFSET_BEGINNING}}), RdKafka::ERR_NO_ERROR);
  int msgs = 0;
  bool eof = false;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!eof && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() == RdKafka::ERR_NO_ERROR) msgs++;
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      eof = true;
      EXPECT_EQ(m->topic_name(), "eof");
      EXPECT_EQ(m->partition(), 0);
      EXPECT_EQ(m->offset(), 2);
      EXPECT_FALSE(m->errstr().empty());
    }
  }
  EXPECT_TRUE(eof);
  EXPECT_EQ(msgs, 2);
  c->close();
}

class Member : public RdKafka::RebalanceCb {
 public:
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    protocol = consumer->rebalance_protocol();
    EXPECT_EQ(protocol, "COOPERATIVE");
    RdKafka::Error* e = err == RdKafka::ERR__ASSIGN_PARTITIONS ? consumer->incremental_assign(partitions)
                                                                : consumer->incremental_unassign(partitions);
    EXPECT_EQ(e, nullptr) << (e ? e->str() : "");
    delete e;
    for (auto* tp : partitions) {
      if (err == RdKafka::ERR__ASSIGN_PARTITIONS) owned.insert(tp->partition());
      else owned.erase(tp->partition());
    }
    if (err == RdKafka::ERR__REVOKE_PARTITIONS) revokes++;
  }
  std::set<int32_t> owned;
  int revokes = 0;
  std::string protocol;
};

TEST(FacadeConsumer, TwoCooperativeMembersShareTheTopic) {
  BrokerEnv env;
  for (int p = 0; p < 3; p++) produce(env.bootstrap(), "coop", p, 10);
  Member cb1, cb2;
  auto conf1 = consumer_conf(env.bootstrap(), "coop-group", {{"partition.assignment.strategy", "cooperative-sticky"}});
  auto conf2 = consumer_conf(env.bootstrap(), "coop-group", {{"partition.assignment.strategy", "cooperative-sticky"}});
  std::string err;
  ASSERT_EQ(conf1->set("rebalance_cb", &cb1, err), RdKafka::Conf::CONF_OK);
  ASSERT_EQ(conf2->set("rebalance_cb", &cb2, err), RdKafka::Conf::CONF_OK);
  auto c1 = make_consumer(conf1.get());
  ASSERT_EQ(c1->subscribe({"coop"}), RdKafka::ERR_NO_ERROR);
  std::vector<Got> got = consume_n(c1.get(), 30);
  ASSERT_EQ(got.size(), 30u);
  EXPECT_EQ(cb1.owned.size(), 3u);
  EXPECT_FALSE(c1->memberid().empty());
  EXPECT_EQ(c1->commitSync(), RdKafka::ERR_NO_ERROR);

  // A second member joins: the first gives up some partitions without stopping the others.
  auto c2 = make_consumer(conf2.get());
  ASSERT_EQ(c2->subscribe({"coop"}), RdKafka::ERR_NO_ERROR);
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while ((cb2.owned.empty() || cb1.owned.size() + cb2.owned.size() != 3) && Clock::now() < deadline) {
    delete c1->consume(100);
    delete c2->consume(100);
  }
  EXPECT_EQ(cb1.owned.size() + cb2.owned.size(), 3u);
  EXPECT_FALSE(cb2.owned.empty());
  EXPECT_GE(cb1.revokes, 1);
  EXPECT_FALSE(c1->assignment_lost());
  for (int32_t p : cb1.owned) EXPECT_EQ(cb2.owned.count(p), 0u);

  // New messages go to whoever owns their partition; nothing already committed comes again.
  for (int p = 0; p < 3; p++) produce(env.bootstrap(), "coop", p, 2, "new");
  std::vector<Got> later;
  deadline = Clock::now() + std::chrono::seconds(15);
  while (later.size() < 6 && Clock::now() < deadline) {
    for (auto* c : {c1.get(), c2.get()}) {
      std::unique_ptr<RdKafka::Message> m(c->consume(100));
      if (m->err() == RdKafka::ERR_NO_ERROR) {
        later.push_back({m->topic_name(), "", std::string(static_cast<const char*>(m->payload()), m->len()), "",
                         m->partition(), m->offset(), 0});
        const Member& owner = c == c1.get() ? cb1 : cb2;
        EXPECT_EQ(owner.owned.count(m->partition()), 1u);
      }
    }
  }
  ASSERT_EQ(later.size(), 6u);
  for (const auto& g : later) EXPECT_EQ(g.value.rfind("new-", 0), 0u) << g.value;

  std::unique_ptr<RdKafka::ConsumerGroupMetadata> md(c2->groupMetadata());
  EXPECT_TRUE(md);
  c2->close();
  c1->close();
  EXPECT_TRUE(cb1.owned.empty());
  EXPECT_TRUE(cb2.owned.empty());
  EXPECT_TRUE(c1->closed());
}

class CountingConsumeCb : public RdKafka::ConsumeCb {
 public:
  void consume_cb(RdKafka::Message& m, void* opaque) override {
    if (m.err() != RdKafka::ERR_NO_ERROR) return;
    values.insert(std::string(static_cast<const char*>(m.payload()), m.len()));
    topics.insert(m.topic_name());
  }
  std::set<std::string> values, topics;
};

TEST(FacadeConsumer, CppConsumeCallbackServedByPoll) {
  BrokerEnv env;
  produce(env.bootstrap(), "ccpp", 0, 3);
  CountingConsumeCb cb;
  auto conf = consumer_conf(env.bootstrap(), "ccpp-group");
  std::string err;
  ASSERT_EQ(conf->set("consume_cb", &cb, err), RdKafka::Conf::CONF_OK) << err;
  auto c = make_consumer(conf.get());
  ASSERT_EQ(assign(c.get(), {{"ccpp", 0, RdKafka::Topic::OFFSET_BEGINNING}}), RdKafka::ERR_NO_ERROR);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (cb.values.size() < 3 && Clock::now() < deadline) c->poll(200);
  EXPECT_EQ(cb.values, (std::set<std::string>{"v-0", "v-1", "v-2"}));
  EXPECT_EQ(cb.topics, (std::set<std::string>{"ccpp"}));
  c->close();
}

TEST(FacadeConsumer, DeleteWithoutCloseSkipsTheCallbacks) {
  BrokerEnv env;
  produce(env.bootstrap(), "noclose", 0, 2);
  for (const char* strategy : {"range", "cooperative-sticky"}) {
    Member cb;  // expects COOPERATIVE: only used for the cooperative round
    struct Eager : RdKafka::RebalanceCb {
      void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                        std::vector<RdKafka::TopicPartition*>& parts) override {
        calls++;
        if (err == RdKafka::ERR__ASSIGN_PARTITIONS) c->assign(parts);
        else c->unassign();
      }
      int calls = 0;
    } eager;
    bool coop = std::string(strategy) == "cooperative-sticky";
    auto conf = consumer_conf(env.bootstrap(), std::string("noclose-") + strategy,
                              {{"partition.assignment.strategy", strategy}});
    std::string err;
    ASSERT_EQ(conf->set("rebalance_cb", coop ? static_cast<RdKafka::RebalanceCb*>(&cb) : &eager, err),
              RdKafka::Conf::CONF_OK);
    auto c = make_consumer(conf.get());
    ASSERT_EQ(c->subscribe({"noclose"}), RdKafka::ERR_NO_ERROR);
    ASSERT_EQ(consume_n(c.get(), 2).size(), 2u) << strategy;
    int calls = coop ? static_cast<int>(cb.owned.size()) : eager.calls;
    c.reset();  // no close(): the revoke must not reach the deleted consumer's callback
    EXPECT_EQ(coop ? static_cast<int>(cb.owned.size()) : eager.calls, calls) << strategy;
  }
}

class StatsAndErrors : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& e) override {
    if (e.type() == RdKafka::Event::EVENT_STATS && e.str().find("\"type\"") != std::string::npos) stats++;
    if (e.type() == RdKafka::Event::EVENT_ERROR) errors++;
  }
  int stats = 0, errors = 0;
};

TEST(FacadeConsumer, StatisticsEventsAndMissingTopicErrors) {
  BrokerEnv env;
  produce(env.bootstrap(), "present", 0, 1);
  StatsAndErrors events;
  auto conf = consumer_conf(env.bootstrap(), "stats-group", {{"statistics.interval.ms", "100"}});
  std::string err;
  ASSERT_EQ(conf->set("event_cb", &events, err), RdKafka::Conf::CONF_OK) << err;
  auto c = make_consumer(conf.get());
  ASSERT_EQ(c->subscribe({"present", "absent-topic"}), RdKafka::ERR_NO_ERROR);
  bool missing_reported = false;
  int messages = 0;
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while ((!missing_reported || messages < 1 || events.stats < 2) && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() == RdKafka::ERR_NO_ERROR) messages++;
    if (m->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART) {
      missing_reported = true;
      EXPECT_EQ(m->topic_name(), "absent-topic");
      EXPECT_FALSE(m->errstr().empty());
    }
  }
  EXPECT_TRUE(missing_reported);
  EXPECT_EQ(messages, 1);
  EXPECT_GE(events.stats, 2);
  c->close();
}

// ---- the legacy simple consumer ----

class OffsetsCb : public RdKafka::ConsumeCb {
 public:
  void consume_cb(RdKafka::Message& m, void* opaque) override {
    EXPECT_EQ(opaque, this);
    if (m.err() == RdKafka::ERR_NO_ERROR) offsets.push_back(m.offset());
  }
  std::vector<int64_t> offsets;
};

TEST(FacadeConsumer, LegacyCppConsumerPerPartition) {
  BrokerEnv env;
  produce(env.bootstrap(), "legacy", 0, 3);
  produce(env.bootstrap(), "legacy", 1, 4, "w");
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  ASSERT_EQ(conf->set("bootstrap.servers", env.bootstrap(), err), RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::Consumer> c(RdKafka::Consumer::create(conf.get(), err));
  ASSERT_TRUE(c) << err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(c.get(), "legacy", nullptr, err));
  ASSERT_TRUE(topic) << err;
  EXPECT_EQ(RdKafka::Consumer::OffsetTail(2), -2002);
  ASSERT_EQ(c->start(topic.get(), 1, RdKafka::Consumer::OffsetTail(2)), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(c->start(topic.get(), 0, RdKafka::Topic::OFFSET_BEGINNING), RdKafka::ERR_NO_ERROR);

  auto next = [&](int32_t partition) -> std::pair<int64_t, std::string> {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      std::unique_ptr<RdKafka::Message> m(c->consume(topic.get(), partition, 500));
      if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
      EXPECT_EQ(m->err(), RdKafka::ERR_NO_ERROR) << m->errstr();
      EXPECT_EQ(m->partition(), partition);
      EXPECT_EQ(m->topic(), topic.get());
      return {m->offset(), std::string(static_cast<const char*>(m->payload()), m->len())};
    }
    return {-1, ""};
  };
  EXPECT_EQ(next(1), (std::pair<int64_t, std::string>{2, "w-2"}));
  EXPECT_EQ(next(1), (std::pair<int64_t, std::string>{3, "w-3"}));
  std::unique_ptr<RdKafka::Message> none(c->consume(topic.get(), 1, 300));
  EXPECT_EQ(none->err(), RdKafka::ERR__TIMED_OUT);
  for (int i = 0; i < 3; i++) EXPECT_EQ(next(0).first, i);

  ASSERT_EQ(c->seek(topic.get(), 0, 1, 5000), RdKafka::ERR_NO_ERROR);
  OffsetsCb cb;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (cb.offsets.size() < 2 && Clock::now() < deadline) {
    int n = c->consume_callback(topic.get(), 0, 500, &cb, &cb);
    EXPECT_GE(n, 0);
  }
  EXPECT_EQ(cb.offsets, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c->stop(topic.get(), 0), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(c->stop(topic.get(), 1), RdKafka::ERR_NO_ERROR);
}

TEST(FacadeConsumer, LegacyCBatch) {
  BrokerEnv env;
  produce(env.bootstrap(), "lbatch", 2, 5);
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", env.bootstrap().c_str(), errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "lbatch", nullptr);
  ASSERT_EQ(rd_kafka_consume_start(rkt, 2, 1), 0);
  std::vector<int64_t> offsets;
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (offsets.size() < 4 && Clock::now() < deadline) {
    rd_kafka_message_t* msgs[10];
    ssize_t n = rd_kafka_consume_batch(rkt, 2, 500, msgs, 10);
    ASSERT_GE(n, 0);
    for (ssize_t i = 0; i < n; i++) {
      if (!msgs[i]->err) offsets.push_back(msgs[i]->offset);
      rd_kafka_message_destroy(msgs[i]);
    }
  }
  EXPECT_EQ(offsets, (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(rd_kafka_consume(rkt, 2, 200), nullptr);
  EXPECT_EQ(rd_kafka_last_error(), RD_KAFKA_RESP_ERR__TIMED_OUT);
  EXPECT_EQ(rd_kafka_consume_stop(rkt, 2), 0);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
}

// ---- the C API ----

struct CState {
  int consumed = 0;
  int bad = 0;
  std::string topic;
};

TEST(FacadeConsumer, CConsumeCallbackAndAccessors) {
  BrokerEnv env;
  produce(env.bootstrap(), "ccb", 1, 4);
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", env.bootstrap().c_str(), errstr, sizeof errstr),
            RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "group.id", "ccb-group", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr), RD_KAFKA_CONF_OK);
  CState st;
  st.topic = "ccb";
  rd_kafka_conf_set_opaque(conf, &st);
  rd_kafka_conf_set_consume_cb(conf, [](rd_kafka_message_t* m, void* opaque) {
    auto* s = static_cast<CState*>(opaque);
    if (m->err) return;
    s->consumed++;
    std::string value(static_cast<const char*>(m->payload), m->len);
    std::string key(static_cast<const char*>(m->key), m->key_len);
    if (value != "v-" + std::to_string(m->offset) || key != "k" + std::to_string(m->offset)) s->bad++;
    if (s->topic != rd_kafka_topic_name(m->rkt) || m->partition != 1) s->bad++;
    rd_kafka_timestamp_type_t tstype;
    if (rd_kafka_message_timestamp(m, &tstype) != kTimestamp + m->offset || tstype != RD_KAFKA_TIMESTAMP_CREATE_TIME)
      s->bad++;
    rd_kafka_headers_t* hdrs = nullptr;
    const void* val = nullptr;
    size_t size = 0;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        rd_kafka_header_get_last(hdrs, "seq", &val, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        std::string(static_cast<const char*>(val), size) != std::to_string(m->offset))
      s->bad++;
    if (rd_kafka_message_errstr(m) != nullptr) s->bad++;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  EXPECT_EQ(rd_kafka_type(rk), RD_KAFKA_CONSUMER);
  ASSERT_EQ(rd_kafka_poll_set_consumer(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, "ccb", RD_KAFKA_PARTITION_UA);
  ASSERT_EQ(rd_kafka_subscribe(rk, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
  rd_kafka_topic_partition_list_t* sub = nullptr;
  ASSERT_EQ(rd_kafka_subscription(rk, &sub), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(sub->cnt, 1);
  EXPECT_STREQ(sub->elems[0].topic, "ccb");
  rd_kafka_topic_partition_list_destroy(sub);

  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (st.consumed < 4 && Clock::now() < deadline) rd_kafka_poll(rk, 200);
  EXPECT_EQ(st.consumed, 4);
  EXPECT_EQ(st.bad, 0);

  // Explicit commit of a position and read-back.
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, "ccb", 1)->offset = 3;
  ASSERT_EQ(rd_kafka_commit(rk, offsets, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_set_offset(offsets, "ccb", 1, RD_KAFKA_OFFSET_INVALID);
  ASSERT_EQ(rd_kafka_committed(rk, offsets, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(offsets->elems[0].offset, 3);
  EXPECT_EQ(offsets->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_position(rk, offsets), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(offsets->elems[0].offset, 4);
  rd_kafka_topic_partition_list_destroy(offsets);

  rd_kafka_topic_partition_list_t* assignment = nullptr;
  ASSERT_EQ(rd_kafka_assignment(rk, &assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(assignment->cnt, 3);
  rd_kafka_topic_partition_list_destroy(assignment);
  char* member = rd_kafka_memberid(rk);
  ASSERT_NE(member, nullptr);
  EXPECT_GT(std::strlen(member), 0u);
  rd_kafka_mem_free(rk, member);

  EXPECT_EQ(rd_kafka_consumer_close(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_consumer_closed(rk), 1);
  rd_kafka_destroy(rk);
}

TEST(FacadeConsumer, CLegacySeekAndOffsetStore) {
  BrokerEnv env;
  produce(env.bootstrap(), "leg", 0, 5);
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", env.bootstrap().c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "group.id", "leg-group", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, "leg", 0)->offset = RD_KAFKA_OFFSET_TAIL(2);
  ASSERT_EQ(rd_kafka_assign(rk, parts), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(parts);

  std::vector<int64_t> seen;
  auto next = [&](int timeout_ms) -> int64_t {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
      if (!m) continue;
      int64_t off = m->err ? -100 : m->offset;
      rd_kafka_message_destroy(m);
      if (off >= 0) return off;
    }
    return -1;
  };
  EXPECT_EQ(next(10000), 3);  // OFFSET_TAIL(2): the last two
  EXPECT_EQ(next(5000), 4);

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "leg", nullptr);
  ASSERT_NE(rkt, nullptr);
  ASSERT_EQ(rd_kafka_seek(rkt, 0, 1, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(next(5000), 1);
  // The legacy store keeps offset + 1.
  ASSERT_EQ(rd_kafka_offset_store(rkt, 0, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_commit(rk, nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_t* c = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(c, "leg", 0);
  ASSERT_EQ(rd_kafka_committed(rk, c, 5000), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(c->elems[0].offset, 2);
  rd_kafka_topic_partition_list_destroy(c);

  rd_kafka_topic_partition_list_t* sp = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(sp, "leg", 0)->offset = 4;
  rd_kafka_error_t* e = rd_kafka_seek_partitions(rk, sp, 5000);
  EXPECT_EQ(e, nullptr);
  if (e) rd_kafka_error_destroy(e);
  rd_kafka_topic_partition_list_destroy(sp);
  EXPECT_EQ(next(5000), 4);

  rd_kafka_topic_destroy(rkt);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

}  // namespace
