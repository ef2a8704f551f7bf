// The consumer half of the librdkafka-compatible facades without a broker: topic partition
// lists, consumer configuration and callbacks (C and C++), instance creation checks, group
// metadata serialization, and the consumer calls' answers on handles that can't serve them.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using List = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

TEST(FacadePartitionList, AddFindDelete) {
  List l(rd_kafka_topic_partition_list_new(0));
  ASSERT_NE(l, nullptr);
  EXPECT_EQ(l->cnt, 0);
  rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(l.get(), "a", 3);
  EXPECT_STREQ(p->topic, "a");
  EXPECT_EQ(p->partition, 3);
  EXPECT_EQ(p->offset, RD_KAFKA_OFFSET_INVALID);
  EXPECT_EQ(p->err, RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(p->metadata, nullptr);
  EXPECT_EQ(p->opaque, nullptr);
  rd_kafka_topic_partition_list_add_range(l.get(), "b", 0, 9);  // grows past the initial size
  ASSERT_EQ(l->cnt, 11);
  EXPECT_GE(l->size, 11);
  EXPECT_EQ(l->elems[10].partition, 9);
  EXPECT_STREQ(l->elems[10].topic, "b");

  EXPECT_EQ(rd_kafka_topic_partition_list_find(l.get(), "b", 4), &l->elems[5]);
  EXPECT_EQ(rd_kafka_topic_partition_list_find(l.get(), "b", 10), nullptr);
  EXPECT_EQ(rd_kafka_topic_partition_list_find(l.get(), "c", 0), nullptr);

  EXPECT_EQ(rd_kafka_topic_partition_list_set_offset(l.get(), "b", 4, 42), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_topic_partition_list_find(l.get(), "b", 4)->offset, 42);
  EXPECT_EQ(rd_kafka_topic_partition_list_set_offset(l.get(), "x", 4, 42), RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);

  EXPECT_EQ(rd_kafka_topic_partition_list_del(l.get(), "b", 4), 1);
  EXPECT_EQ(rd_kafka_topic_partition_list_del(l.get(), "b", 4), 0);
  EXPECT_EQ(l->cnt, 10);
  EXPECT_EQ(rd_kafka_topic_partition_list_find(l.get(), "b", 5), &l->elems[5]);
  EXPECT_EQ(rd_kafka_topic_partition_list_del_by_idx(l.get(), 0), 1);
  EXPECT_STREQ(l->elems[0].topic, "b");
  EXPECT_EQ(l->elems[0].partition, 0);
  EXPECT_EQ(rd_kafka_topic_partition_list_del_by_idx(l.get(), 9), 0);
  EXPECT_EQ(rd_kafka_topic_partition_list_del_by_idx(l.get(), -1), 0);
  EXPECT_EQ(l->cnt, 9);
}

TEST(FacadePartitionList, CopyKeepsEverything) {
  List l(rd_kafka_topic_partition_list_new(2));
  rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(l.get(), "t", 1);
  p->offset = 17;
  p->metadata = strdup("meta");  // applications may set metadata themselves (malloc'ed)
  p->metadata_size = 4;
  int marker = 0;
  p->opaque = &marker;
  p->err = RD_KAFKA_RESP_ERR__STATE;
  rd_kafka_topic_partition_set_leader_epoch(p, 7);
  rd_kafka_topic_partition_list_add(l.get(), "u", 0);

  List c(rd_kafka_topic_partition_list_copy(l.get()));
  ASSERT_EQ(c->cnt, 2);
  EXPECT_NE(c->elems[0].topic, l->elems[0].topic);
  EXPECT_STREQ(c->elems[0].topic, "t");
  EXPECT_EQ(c->elems[0].offset, 17);
  ASSERT_EQ(c->elems[0].metadata_size, 4u);
  EXPECT_NE(c->elems[0].metadata, p->metadata);
  EXPECT_EQ(std::memcmp(c->elems[0].metadata, "meta", 4), 0);
  EXPECT_EQ(c->elems[0].opaque, &marker);
  EXPECT_EQ(c->elems[0].err, RD_KAFKA_RESP_ERR__STATE);
  EXPECT_EQ(rd_kafka_topic_partition_get_leader_epoch(&c->elems[0]), 7);
  EXPECT_EQ(rd_kafka_topic_partition_get_leader_epoch(&c->elems[1]), -1);
}

TEST(FacadePartitionList, SortDefaultAndCustom) {
  List l(rd_kafka_topic_partition_list_new(4));
  rd_kafka_topic_partition_list_add(l.get(), "b", 1);
  rd_kafka_topic_partition_list_add(l.get(), "a", 2);
  rd_kafka_topic_partition_list_add(l.get(), "b", 0);
  rd_kafka_topic_partition_list_add(l.get(), "a", 0);
  rd_kafka_topic_partition_list_sort(l.get(), nullptr, nullptr);
  std::string order;
  for (int i = 0; i < l->cnt; i++) order += std::string(l->elems[i].topic) + std::to_string(l->elems[i].partition);
  EXPECT_EQ(order, "a0a2b0b1");

  int calls = 0;
  rd_kafka_topic_partition_list_sort(
      l.get(),
      [](const void* a, const void* b, void* opaque) {
        ++*static_cast<int*>(opaque);
        auto* x = static_cast<const rd_kafka_topic_partition_t*>(a);
        auto* y = static_cast<const rd_kafka_topic_partition_t*>(b);
        return y->partition - x->partition;  // partition descending
      },
      &calls);
  EXPECT_GT(calls, 0);
  EXPECT_EQ(l->elems[0].partition, 2);
  EXPECT_EQ(l->elems[3].partition, 0);
}

TEST(FacadeConsumerConf, CallbackSettersShowInConf) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char buf[64];
  size_t sz = sizeof buf;
  EXPECT_NE(rd_kafka_conf_get(conf, "rebalance_cb", buf, &sz), RD_KAFKA_CONF_OK);
  rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*,
                                          void*) {});
  rd_kafka_conf_set_offset_commit_cb(conf, [](rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*,
                                              void*) {});
  rd_kafka_conf_set_consume_cb(conf, [](rd_kafka_message_t*, void*) {});
  for (const char* name : {"rebalance_cb", "offset_commit_cb", "consume_cb"}) {
    sz = sizeof buf;
    EXPECT_EQ(rd_kafka_conf_get(conf, name, buf, &sz), RD_KAFKA_CONF_OK) << name;
  }
  // Copies keep them; filtering drops them.
  rd_kafka_conf_t* dup = rd_kafka_conf_dup(conf);
  sz = sizeof buf;
  EXPECT_EQ(rd_kafka_conf_get(dup, "rebalance_cb", buf, &sz), RD_KAFKA_CONF_OK);
  const char* filter[] = {"rebalance_cb"};
  rd_kafka_conf_t* filtered = rd_kafka_conf_dup_filter(conf, 1, filter);
  sz = sizeof buf;
  EXPECT_NE(rd_kafka_conf_get(filtered, "rebalance_cb", buf, &sz), RD_KAFKA_CONF_OK);
  // Pointer properties can't be set as strings.
  char err[256];
  EXPECT_EQ(rd_kafka_conf_set(conf, "rebalance_cb", "x", err, sizeof err), RD_KAFKA_CONF_INVALID);
  rd_kafka_conf_destroy(filtered);
  rd_kafka_conf_destroy(dup);
  rd_kafka_conf_destroy(conf);
}

class Rebalancer : public RdKafka::RebalanceCb {
 public:
  void rebalance_cb(RdKafka::KafkaConsumer*, RdKafka::ErrorCode, std::vector<RdKafka::TopicPartition*>&) override {}
};
class Committer : public RdKafka::OffsetCommitCb {
 public:
  void offset_commit_cb(RdKafka::ErrorCode, std::vector<RdKafka::TopicPartition*>&) override {}
};
class Consumer : public RdKafka::ConsumeCb {
 public:
  void consume_cb(RdKafka::Message&, void*) override {}
};

TEST(FacadeConsumerConf, CppCallbacks) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::unique_ptr<RdKafka::Conf> tconf(RdKafka::Conf::create(RdKafka::Conf::CONF_TOPIC));
  Rebalancer rb;
  Committer oc;
  Consumer cc;
  std::string err;
  EXPECT_EQ(conf->set("rebalance_cb", &rb, err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("offset_commit_cb", &oc, err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("consume_cb", &cc, err), RdKafka::Conf::CONF_OK);
  RdKafka::RebalanceCb* got_rb = nullptr;
  RdKafka::OffsetCommitCb* got_oc = nullptr;
  EXPECT_EQ(conf->get(got_rb), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->get(got_oc), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(got_rb, &rb);
  EXPECT_EQ(got_oc, &oc);

  EXPECT_EQ(conf->set("offset_commit_cb", &rb, err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Invalid value type, expected RdKafka::RebalanceCb");
  EXPECT_EQ(tconf->set("rebalance_cb", &rb, err), RdKafka::Conf::CONF_INVALID);
  EXPECT_EQ(err, "Requires RdKafka::Conf::CONF_GLOBAL object");
  EXPECT_EQ(tconf->get(got_rb), RdKafka::Conf::CONF_INVALID);
  std::string v;
  EXPECT_EQ(conf->get("rebalance_cb", v), RdKafka::Conf::CONF_INVALID);

  // Consumer properties are accepted.
  EXPECT_EQ(conf->set("group.id", "g", err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("partition.assignment.strategy", "cooperative-sticky", err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("auto.offset.reset", "earliest", err), RdKafka::Conf::CONF_OK);
  EXPECT_EQ(conf->set("enable.auto.commit", "false", err), RdKafka::Conf::CONF_OK);
}

TEST(FacadeCppTopicPartition, Fields) {
  std::unique_ptr<RdKafka::TopicPartition> tp(RdKafka::TopicPartition::create("t", 2));
  EXPECT_EQ(tp->topic(), "t");
  EXPECT_EQ(tp->partition(), 2);
  EXPECT_EQ(tp->offset(), RdKafka::Topic::OFFSET_INVALID);
  EXPECT_EQ(tp->err(), RdKafka::ERR_NO_ERROR);
  EXPECT_EQ(tp->get_leader_epoch(), -1);
  tp->set_offset(5);
  tp->set_leader_epoch(3);
  EXPECT_EQ(tp->offset(), 5);
  EXPECT_EQ(tp->get_leader_epoch(), 3);
  std::vector<RdKafka::TopicPartition*> v{RdKafka::TopicPartition::create("a", 0, RdKafka::Topic::OFFSET_BEGINNING),
                                          RdKafka::TopicPartition::create("a", 1)};
  EXPECT_EQ(v[0]->offset(), -2);
  RdKafka::TopicPartition::destroy(v);
  EXPECT_TRUE(v.empty());
}

TEST(FacadeConsumerInstance, CreateChecks) {
  char err[512];
  // Consumer-side cross-property checks, with librdkafka's texts.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "session.timeout.ms", "60000", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "max.poll.interval.ms", "30000", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`max.poll.interval.ms`must be >= `session.timeout.ms`");
  rd_kafka_conf_destroy(conf);

  conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "fetch.max.bytes", "5000", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`fetch.max.bytes` must be >= `message.max.bytes`");
  rd_kafka_conf_destroy(conf);

  conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "receive.message.max.bytes", "1000", err, sizeof err), RD_KAFKA_CONF_OK);
  EXPECT_EQ(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), nullptr);
  EXPECT_STREQ(err, "`receive.message.max.bytes` must be >= `fetch.max.bytes` + 512");
  rd_kafka_conf_destroy(conf);

  // The C++ consumer needs a group.
  std::unique_ptr<RdKafka::Conf> cconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string errstr;
  EXPECT_EQ(RdKafka::KafkaConsumer::create(cconf.get(), errstr), nullptr);
  EXPECT_EQ(errstr, "\"group.id\" must be configured");
  std::unique_ptr<RdKafka::Conf> tconf(RdKafka::Conf::create(RdKafka::Conf::CONF_TOPIC));
  EXPECT_EQ(RdKafka::KafkaConsumer::create(tconf.get(), errstr), nullptr);
  EXPECT_EQ(errstr, "Requires RdKafka::Conf::CONF_GLOBAL object");
}

TEST(FacadeConsumerInstance, ConsumerHandleBasics) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "group.id", "unit-group", err, sizeof err), RD_KAFKA_CONF_OK);
  ASSERT_EQ(rd_kafka_conf_set(conf, "client.id", "unit", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  EXPECT_EQ(rd_kafka_type(rk), RD_KAFKA_CONSUMER);
  EXPECT_EQ(std::string(rd_kafka_name(rk)).rfind("unit#consumer-", 0), 0u) << rd_kafka_name(rk);
  EXPECT_EQ(rd_kafka_poll_set_consumer(rk), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(rd_kafka_outq_len(rk), 0);
  EXPECT_EQ(rd_kafka_flush(rk, 0), RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED);
  char* member = rd_kafka_memberid(rk);
  EXPECT_NE(member, nullptr);
  rd_kafka_mem_free(rk, member);
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "some-topic", nullptr);
  ASSERT_NE(rkt, nullptr);
  EXPECT_STREQ(rd_kafka_topic_name(rkt), "some-topic");
  EXPECT_EQ(rd_kafka_produce(rkt, 0, RD_KAFKA_MSG_F_COPY, const_cast<char*>("x"), 1, nullptr, 0, nullptr), -1);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk);
  ASSERT_NE(md, nullptr);
  rd_kafka_consumer_group_metadata_destroy(md);
  rd_kafka_destroy(rk);
}

TEST(FacadeConsumerInstance, ConsumerCallsOnAProducer) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  EXPECT_EQ(rd_kafka_type(rk), RD_KAFKA_PRODUCER);
  EXPECT_EQ(rd_kafka_memberid(rk), nullptr);
  List topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), "t", RD_KAFKA_PARTITION_UA);
  EXPECT_EQ(rd_kafka_subscribe(rk, topics.get()), RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  EXPECT_EQ(rd_kafka_assign(rk, topics.get()), RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  EXPECT_EQ(rd_kafka_commit(rk, nullptr, 0), RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  EXPECT_EQ(rd_kafka_poll_set_consumer(rk), RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  EXPECT_EQ(rd_kafka_rebalance_protocol(rk), nullptr);
  EXPECT_EQ(rd_kafka_consumer_group_metadata(rk), nullptr);
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 0);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->err, RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  EXPECT_STREQ(rd_kafka_message_errstr(m), rd_kafka_err2str(RD_KAFKA_RESP_ERR__UNKNOWN_GROUP));
  rd_kafka_timestamp_type_t tstype;
  EXPECT_EQ(rd_kafka_message_timestamp(m, &tstype), -1);
  EXPECT_EQ(tstype, RD_KAFKA_TIMESTAMP_NOT_AVAILABLE);
  EXPECT_EQ(rd_kafka_message_leader_epoch(m), -1);
  rd_kafka_headers_t* hdrs = nullptr;
  EXPECT_EQ(rd_kafka_message_headers(m, &hdrs), RD_KAFKA_RESP_ERR__NOENT);
  rd_kafka_message_destroy(m);
  rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, topics.get());
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__UNKNOWN_GROUP);
  rd_kafka_error_destroy(e);
  rd_kafka_destroy(rk);
}

std::vector<std::string> g_logs;

TEST(FacadeConsumerInstance, WarnsAboutTheOtherClientTypesProperties) {
  char err[512];
  for (rd_kafka_type_t type : {RD_KAFKA_CONSUMER, RD_KAFKA_PRODUCER}) {
    g_logs.clear();
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err), RD_KAFKA_CONF_OK);
    ASSERT_EQ(rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int level, const char* fac, const char* buf) {
      if (std::string(fac) == "CONFWARN" && level == 4) g_logs.push_back(buf);
    });
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
    ASSERT_EQ(g_logs.size(), 1u);
    EXPECT_EQ(g_logs[0], type == RD_KAFKA_CONSUMER
                             ? "Configuration property enable.idempotence is a producer property and will be "
                               "ignored by this consumer instance"
                             : "Configuration property enable.auto.commit is a consumer property and will be "
                               "ignored by this producer instance");
    rd_kafka_destroy(rk);
  }
}

TEST(FacadeGroupMetadata, WriteReadRoundTrip) {
  rd_kafka_consumer_group_metadata_t* md =
      rd_kafka_consumer_group_metadata_new_with_genid("group", 12, "member-1", "instance-a");
  ASSERT_NE(md, nullptr);
  void* buf = nullptr;
  size_t size = 0;
  ASSERT_EQ(rd_kafka_consumer_group_metadata_write(md, &buf, &size), nullptr);
  rd_kafka_consumer_group_metadata_t* back = nullptr;
  ASSERT_EQ(rd_kafka_consumer_group_metadata_read(&back, buf, size), nullptr);
  ASSERT_NE(back, nullptr);
  void* buf2 = nullptr;
  size_t size2 = 0;
  ASSERT_EQ(rd_kafka_consumer_group_metadata_write(back, &buf2, &size2), nullptr);
  ASSERT_EQ(size, size2);
  EXPECT_EQ(std::memcmp(buf, buf2, size), 0);
  // Truncated or foreign input is refused.
  rd_kafka_consumer_group_metadata_t* bad = nullptr;
  rd_kafka_error_t* e = rd_kafka_consumer_group_metadata_read(&bad, buf, size - 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__BAD_MSG);
  rd_kafka_error_destroy(e);
  e = rd_kafka_consumer_group_metadata_read(&bad, "nonsense", 8);
  ASSERT_NE(e, nullptr);
  rd_kafka_error_destroy(e);
  rd_kafka_mem_free(nullptr, buf);
  rd_kafka_mem_free(nullptr, buf2);
  rd_kafka_consumer_group_metadata_destroy(back);
  rd_kafka_consumer_group_metadata_destroy(md);

  rd_kafka_consumer_group_metadata_t* plain = rd_kafka_consumer_group_metadata_new("g");
  ASSERT_NE(plain, nullptr);
  rd_kafka_consumer_group_metadata_destroy(plain);
}

}  // namespace
