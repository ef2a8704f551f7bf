// rd_kafka_producev / rd_kafka_produceva argument parsing and their error paths. The producer
// points at a port nobody listens on, so messages stay queued; purging them hands every parsed
// field back through delivery reports.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>
#include <vector>

namespace {

struct Dr {
  rd_kafka_resp_err_t err;
  std::string topic;
  int32_t partition;
  std::string key, value;
  bool key_null, value_null;
  void* opaque;
  std::vector<std::pair<std::string, std::string>> headers;
};

void dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* out = static_cast<std::vector<Dr>*>(opaque);
  Dr d{m->err, rd_kafka_topic_name(m->rkt), m->partition, "", "", m->key == nullptr, m->payload == nullptr,
       m->_private, {}};
  if (m->key) d.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) d.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* n;
    const void* v;
    size_t sz;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &n, &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
      d.headers.emplace_back(n, v ? std::string(static_cast<const char*>(v), sz) : "<null>");
  }
  out->push_back(std::move(d));
}

class FacadeProducev : public ::testing::Test {
 protected:
  void SetUp() override {
    char err[512];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    ASSERT_EQ(rd_kafka_conf_set(c, "bootstrap.servers", "127.0.0.1:1", err, sizeof err), RD_KAFKA_CONF_OK);
    ASSERT_EQ(rd_kafka_conf_set(c, "log_level", "0", err, sizeof err), RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(c, dr_msg_cb);
    rd_kafka_conf_set_error_cb(c, [](rd_kafka_t*, int, const char*, void*) {});  // expected: refused
    rd_kafka_conf_set_opaque(c, &drs);
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    ASSERT_NE(rk, nullptr) << err;
  }
  void TearDown() override {
    if (rk) rd_kafka_destroy(rk);
  }
  // Purges everything queued and collects the delivery reports.
  void purge_and_collect(size_t expect) {
    ASSERT_EQ(rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < 50 && drs.size() < expect; i++) rd_kafka_poll(rk, 100);
    rd_kafka_poll(rk, 50);  // nothing more may arrive
    ASSERT_EQ(drs.size(), expect);
  }
  rd_kafka_t* rk = nullptr;
  std::vector<Dr> drs;
};

TEST_F(FacadeProducev, AllVtypes) {
  int marker = 0;
  char value[] = "value-bytes";
  ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("vt"), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
                              RD_KAFKA_V_VALUE(value, 5), RD_KAFKA_V_KEY("key", 3), RD_KAFKA_V_OPAQUE(&marker),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(1700000000000LL),
                              RD_KAFKA_V_HEADER("h1", "a", 1), RD_KAFKA_V_HEADER("h2", nullptr, -1),
                              RD_KAFKA_V_HEADER("h1", "bc", -1), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  // By topic object and with an application-owned header list (taken over on success).
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "vt2", nullptr);
  ASSERT_NE(rkt, nullptr);
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(1);
  rd_kafka_header_add(hdrs, "x", -1, "y", -1);
  ASSERT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  // outq_len() also counts pending events (connection errors here), as in librdkafka.
  EXPECT_GE(rd_kafka_outq_len(rk), 2);

  purge_and_collect(2);
  const Dr* a = drs[0].topic == "vt" ? &drs[0] : &drs[1];
  const Dr* b = drs[0].topic == "vt" ? &drs[1] : &drs[0];
  EXPECT_EQ(a->err, RD_KAFKA_RESP_ERR__PURGE_QUEUE);
  EXPECT_EQ(a->opaque, &marker);
  EXPECT_EQ(a->key, "key");
  EXPECT_EQ(a->value, "value");
  ASSERT_EQ(a->headers.size(), 3u);
  EXPECT_EQ(a->headers[0], (std::pair<std::string, std::string>{"h1", "a"}));
  EXPECT_EQ(a->headers[1], (std::pair<std::string, std::string>{"h2", "<null>"}));
  EXPECT_EQ(a->headers[2], (std::pair<std::string, std::string>{"h1", "bc"}));
  EXPECT_EQ(b->topic, "vt2");
  EXPECT_TRUE(b->key_null);
  EXPECT_TRUE(b->value_null);
  ASSERT_EQ(b->headers.size(), 1u);
  EXPECT_EQ(b->headers[0], (std::pair<std::string, std::string>{"x", "y"}));
  rd_kafka_topic_destroy(rkt);
}

TEST_F(FacadeProducev, Errors) {
  // No topic.
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_END), RD_KAFKA_RESP_ERR__INVALID_ARG);
  // Empty topic name.
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(""), RD_KAFKA_V_END), RD_KAFKA_RESP_ERR__INVALID_ARG);
  // HEADER and HEADERS don't mix, in either order; the application keeps its list.
  rd_kafka_headers_t* hdrs = rd_kafka_headers_new(1);
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_HEADER("a", "b", 1), RD_KAFKA_V_HEADERS(hdrs),
                              RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR__CONFLICT);
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_HEADER("a", "b", 1),
                              RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR__CONFLICT);
  rd_kafka_headers_destroy(hdrs);
  // An unknown tag stops parsing.
  EXPECT_EQ(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC("t"), static_cast<rd_kafka_vtype_t>(99), RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR__INVALID_ARG);
  purge_and_collect(0);  // nothing was enqueued

  rd_kafka_vu_t vus[2];
  vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[0].u.cstr = "t";
  vus[1].vtype = static_cast<rd_kafka_vtype_t>(77);
  rd_kafka_error_t* e = rd_kafka_produceva(rk, vus, 2);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(rd_kafka_error_code(e), RD_KAFKA_RESP_ERR__INVALID_ARG);
  EXPECT_STREQ(rd_kafka_error_string(e), "Unsupported VTYPE 77");
  rd_kafka_error_destroy(e);
  e = rd_kafka_produceva(rk, vus, 0);
  ASSERT_NE(e, nullptr);
  EXPECT_STREQ(rd_kafka_error_string(e), "Topic name or object required");
  rd_kafka_error_destroy(e);
}

TEST_F(FacadeProducev, ProduceVaAndLegacyProduce) {
  int o1 = 0, o2 = 0;
  rd_kafka_vu_t vus[4];
  vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
  vus[0].u.cstr = "va";
  vus[1].vtype = RD_KAFKA_VTYPE_VALUE;
  vus[1].u.mem.ptr = const_cast<char*>("payload");
  vus[1].u.mem.size = 7;
  vus[2].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vus[2].u.ptr = &o1;
  vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vus[3].u.i = RD_KAFKA_MSG_F_COPY;
  EXPECT_EQ(rd_kafka_produceva(rk, vus, 4), nullptr);

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, "legacy", nullptr);
  ASSERT_NE(rkt, nullptr);
  EXPECT_STREQ(rd_kafka_topic_name(rkt), "legacy");
  EXPECT_EQ(rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, const_cast<char*>("p"), 1, "k", 1, &o2),
            0);
  EXPECT_GE(rd_kafka_outq_len(rk), 2);
  purge_and_collect(2);
  for (const Dr& d : drs) {
    if (d.topic == "va") {
      EXPECT_EQ(d.opaque, &o1);
      EXPECT_EQ(d.value, "payload");
      EXPECT_TRUE(d.key_null);
    } else {
      EXPECT_EQ(d.topic, "legacy");
      EXPECT_EQ(d.opaque, &o2);
      EXPECT_EQ(d.key, "k");
    }
  }
  rd_kafka_topic_destroy(rkt);
}

}  // namespace
