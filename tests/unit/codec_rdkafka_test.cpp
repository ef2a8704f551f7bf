// Cross-implementation check against librdkafka, through its in-process mock cluster:
//  - batches from our builder, sent in a hand-made Produce v3, must be consumed by librdkafka
//    (with check.crcs) with every codec — in particular our snappy-java framing and LZ4 frames;
//  - batches librdkafka produces with every codec (raw snappy, its LZ4 and zstd settings),
//    fetched with a hand-made Fetch v4, must pass validate_batch and decode in RecordBatchView.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "kafka/protocol/record_batch.h"
#include "kafka/protocol/wire.h"

namespace {

using namespace kafka;
using Buf = std::vector<uint8_t>;

constexpr Compression kAll[] = {Compression::None, Compression::Gzip, Compression::Snappy,
                                Compression::Lz4, Compression::Zstd};

// A blocking Kafka connection speaking request header v1 / response header v0.
class RawConn {
 public:
  explicit RawConn(const std::string& hostport) {
    auto colon = hostport.rfind(':');
    std::string host = hostport.substr(0, colon), port = hostport.substr(colon + 1);
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return;
    for (addrinfo* a = res; a; a = a->ai_next) {
      fd_ = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd_ >= 0 && ::connect(fd_, a->ai_addr, a->ai_addrlen) == 0) break;
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }
    freeaddrinfo(res);
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Sends one request; returns the response body (after the correlation id).
  Buf call(int16_t api_key, int16_t version, const Buf& body) {
    proto::Writer w;
    w.i32(0);
    w.i16(api_key);
    w.i16(version);
    w.i32(++corr_);
    w.string("codec-test", false);
    w.raw(body);
    w.patch_i32(0, static_cast<int32_t>(w.size() - 4));
    send_all(w.buffer());
    Buf len = recv_n(4);
    if (len.size() != 4) return {};
    size_t n = proto::Reader(len).u32();
    Buf resp = recv_n(n);
    proto::Reader r(resp);
    EXPECT_EQ(r.i32(), corr_);
    return Buf(resp.begin() + 4, resp.end());
  }

 private:
  void send_all(const Buf& b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t k = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (k <= 0) return;
      off += static_cast<size_t>(k);
    }
  }
  Buf recv_n(size_t n) {
    Buf b(n);
    size_t off = 0;
    while (off < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return {};
      ssize_t k = ::recv(fd_, b.data() + off, n - off, 0);
      if (k <= 0) return {};
      off += static_cast<size_t>(k);
    }
    return b;
  }
  int fd_ = -1;
  int32_t corr_ = 0;
};

struct Msg {
  int64_t ts;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

std::vector<Msg> messages(int n) {
  std::vector<Msg> v;
  for (int i = 0; i < n; ++i) {
    Msg m;
    m.ts = 1700000000000 + i;
    if (i % 5 != 1) m.key = "key-" + std::to_string(i % 13);
    if (i % 7 == 3) m.value = std::nullopt;
    else if (i % 7 == 4) m.value = "";
    else m.value = "value " + std::to_string(i) + " " + std::string(100 + i % 50, 'a' + i % 26);
    if (i % 3 == 0) m.headers = {{"h1", "x" + std::to_string(i)}, {"h2", std::nullopt}};
    v.push_back(std::move(m));
  }
  return v;
}

NullableBytes nb(const std::optional<std::string>& s) {
  return s ? NullableBytes(as_bytes(*s)) : std::nullopt;
}

std::optional<std::string> str_of(const void* p, size_t n) {
  if (!p) return std::nullopt;
  return std::string(static_cast<const char*>(p), n);
}

class RdKafkaMock : public ::testing::Test {
 protected:
  void SetUp() override {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    ASSERT_NE(rk_, nullptr) << err;
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    ASSERT_NE(mc_, nullptr);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc_);
  }
  void TearDown() override {
    if (mc_) rd_kafka_mock_cluster_destroy(mc_);
    if (rk_) rd_kafka_destroy(rk_);
  }

  rd_kafka_t* client(rd_kafka_type_t type, std::vector<std::pair<std::string, std::string>> props) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    props.insert(props.begin(), {{"bootstrap.servers", bootstrap_}, {"log_level", "0"}});
    for (auto& [k, v] : props)
      EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err), RD_KAFKA_CONF_OK) << k;
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    EXPECT_NE(rk, nullptr) << err;
    return rk;
  }

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  std::string bootstrap_;
};

TEST_F(RdKafkaMock, LibrdkafkaConsumesOurBatches) {
  auto msgs = messages(300);
  for (auto codec : kAll) {
    std::string topic = "ours-" + std::string(compression_name(codec));
    ASSERT_EQ(rd_kafka_mock_topic_create(mc_, topic.c_str(), 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

    // Two batches, so offsets continue across them.
    RawConn conn(bootstrap_);
    ASSERT_TRUE(conn.ok()) << bootstrap_;
    for (int part = 0; part < 2; ++part) {
      RecordBatchBuilder b;
      for (size_t i = part * 150; i < (part + 1) * 150u; ++i) {
        std::vector<RecordHeader> hs;
        for (auto& [k, v] : msgs[i].headers) hs.push_back({k, nb(v)});
        b.append(msgs[i].ts, nb(msgs[i].key), nb(msgs[i].value), hs);
      }
      ByteView batch = b.finish(codec);
      proto::Writer w;
      w.i16(-1);  // transactional id: null
      w.i16(1);   // acks
      w.i32(5000);
      w.i32(1);
      w.string(topic, false);
      w.i32(1);
      w.i32(0);  // partition
      w.bytes(batch, false);
      Buf resp = conn.call(0, 3, w.buffer());
      ASSERT_FALSE(resp.empty());
      proto::Reader r(resp);
      ASSERT_EQ(r.i32(), 1);
      EXPECT_EQ(r.string(false), topic);
      ASSERT_EQ(r.i32(), 1);
      EXPECT_EQ(r.i32(), 0);
      EXPECT_EQ(r.i16(), 0) << "produce error, codec " << compression_name(codec);
      EXPECT_EQ(r.i64(), part * 150);
    }

    rd_kafka_t* c = client(RD_KAFKA_CONSUMER, {{"group.id", "g"}, {"enable.auto.commit", "false"},
                                               {"check.crcs", "true"}});
    rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    ASSERT_EQ(rd_kafka_assign(c, tp), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(tp);
    size_t got = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got < msgs.size() && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
      if (!m) continue;
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
          ADD_FAILURE() << compression_name(codec) << ": " << rd_kafka_message_errstr(m);
        rd_kafka_message_destroy(m);
        continue;
      }
      ASSERT_EQ(m->offset, static_cast<int64_t>(got));
      const Msg& want = msgs[got];
      EXPECT_EQ(str_of(m->key, m->key_len).has_value(), want.key.has_value()) << got;
      if (want.key) {
        EXPECT_EQ(std::string(static_cast<const char*>(m->key), m->key_len), *want.key);
      }
      EXPECT_EQ(m->payload == nullptr, !want.value.has_value()) << got;
      if (want.value && m->payload) {
        EXPECT_EQ(std::string(static_cast<const char*>(m->payload), m->len), *want.value);
      }
      rd_kafka_timestamp_type_t tstype;
      EXPECT_EQ(rd_kafka_message_timestamp(m, &tstype), want.ts);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ASSERT_EQ(rd_kafka_header_cnt(hdrs), want.headers.size());
        for (size_t j = 0; j < want.headers.size(); ++j) {
          const char* name;
          const void* val;
          size_t size;
          ASSERT_EQ(rd_kafka_header_get_all(hdrs, j, &name, &val, &size), RD_KAFKA_RESP_ERR_NO_ERROR);
          EXPECT_EQ(name, want.headers[j].first);
          EXPECT_EQ(str_of(val, size), want.headers[j].second);
        }
      } else {
        EXPECT_TRUE(want.headers.empty()) << got;
      }
      rd_kafka_message_destroy(m);
      ++got;
    }
    EXPECT_EQ(got, msgs.size()) << compression_name(codec);
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
  }
}

TEST_F(RdKafkaMock, WeDecodeLibrdkafkaBatches) {
  auto msgs = messages(400);
  for (auto codec : kAll) {
    std::string topic = "theirs-" + std::string(compression_name(codec));
    ASSERT_EQ(rd_kafka_mock_topic_create(mc_, topic.c_str(), 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_t* p = client(RD_KAFKA_PRODUCER, {{"compression.codec", std::string(compression_name(codec))},
                                               {"linger.ms", "100"},
                                               {"enable.idempotence", "true"}});
    for (const Msg& m : msgs) {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(m.headers.size());
      for (auto& [k, v] : m.headers)
        rd_kafka_header_add(hdrs, k.c_str(), -1, v ? v->data() : nullptr, v ? static_cast<ssize_t>(v->size()) : 0);
      const void* key = m.key ? m.key->data() : nullptr;
      size_t key_len = m.key ? m.key->size() : 0;
      void* value = m.value ? const_cast<char*>(m.value->data()) : nullptr;
      size_t value_len = m.value ? m.value->size() : 0;
      rd_kafka_resp_err_t err = rd_kafka_producev(
          p, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(value, value_len),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(m.ts),
          RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(p, 20000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);

    // Fetch v4 everything from offset 0 and decode it ourselves.
    RawConn conn(bootstrap_);
    ASSERT_TRUE(conn.ok());
    size_t got = 0, batches = 0;
    int64_t next = 0;
    while (got < msgs.size()) {
      proto::Writer w;
      w.i32(-1);       // replica id
      w.i32(100);      // max wait
      w.i32(1);        // min bytes
      w.i32(1 << 20);  // max bytes
      w.i8(0);         // isolation level
      w.i32(1);
      w.string(topic, false);
      w.i32(1);
      w.i32(0);
      w.i64(next);
      w.i32(1 << 20);
      Buf resp = conn.call(1, 4, w.buffer());
      ASSERT_FALSE(resp.empty());
      proto::Reader r(resp);
      r.i32();  // throttle
      ASSERT_EQ(r.i32(), 1);
      r.string(false);
      ASSERT_EQ(r.i32(), 1);
      r.i32();
      ASSERT_EQ(r.i16(), 0);
      r.i64();  // high watermark
      r.i64();  // last stable offset
      int32_t aborted = r.i32();
      for (int32_t i = 0; i < aborted; ++i) r.skip(16);
      auto records = r.bytes(false);
      ASSERT_TRUE(records);
      ASSERT_FALSE(records->empty());
      BatchSplitter split(*records);
      for (ByteView batch : split) {
        ++batches;
        auto v = validate_batch(batch);
        ASSERT_TRUE(v) << compression_name(codec) << ": " << v.reason;
        RecordBatchView view(batch);
        EXPECT_EQ(view.compression(), codec);
        EXPECT_GE(view.header().producer_id, 0);
        for (const Record& rec : view) {
          ASSERT_LT(got, msgs.size());
          const Msg& want = msgs[got];
          EXPECT_EQ(rec.offset, static_cast<int64_t>(got));
          EXPECT_EQ(rec.timestamp, want.ts);
          EXPECT_EQ(rec.key ? std::optional<std::string>(std::string(as_string(*rec.key))) : std::nullopt,
                    want.key) << got;
          EXPECT_EQ(rec.value ? std::optional<std::string>(std::string(as_string(*rec.value))) : std::nullopt,
                    want.value) << got;
          ASSERT_EQ(rec.headers.size(), want.headers.size());
          size_t j = 0;
          for (const RecordHeader& h : rec.headers) {
            EXPECT_EQ(h.key, want.headers[j].first);
            EXPECT_EQ(h.value ? std::optional<std::string>(std::string(as_string(*h.value))) : std::nullopt,
                      want.headers[j].second);
            ++j;
          }
          ++got;
        }
        next = view.last_offset() + 1;
      }
      EXPECT_EQ(split.error(), Error::NONE);
    }
    EXPECT_EQ(got, msgs.size()) << compression_name(codec);
    EXPECT_GE(batches, 1u);
  }
}

}  // namespace
