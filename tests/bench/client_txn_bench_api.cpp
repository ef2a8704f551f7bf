// One transactional producer run through librdkafka's C API, for client_txn_bench: built twice,
// against the real librdkafka (client_txn_bench_api_rdkafka) and against our facade
// (client_txn_bench_api_facade). Produces N messages in transactions of `--per-txn` messages
// (begin, produce, commit_transaction) and prints msgs/s (init_transactions excluded; first
// begin_transaction to the last commit) on its last line.
//
//   client_txn_bench_api --broker host:port --topic T [--messages N] [--size B] [--per-txn K]
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool ok(rd_kafka_error_t* e, const char* what) {
  if (!e) return true;
  std::fprintf(stderr, "%s: %s\n", what, rd_kafka_error_string(e));
  rd_kafka_error_destroy(e);
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker, topic = "bench";
  long messages = 1000000, per_txn = 1000;
  size_t size = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--broker") broker = v;
    else if (a == "--topic") topic = v;
    else if (a == "--messages") messages = std::stol(v);
    else if (a == "--size") size = std::stoul(v);
    else if (a == "--per-txn") per_txn = std::stol(v);
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      std::fprintf(stderr, "conf %s: %s\n", k, errstr);
  };
  set("bootstrap.servers", broker);
  set("transactional.id", "bench-" + topic);
  set("linger.ms", "5");
  static long delivered, failed;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    (m->err ? failed : delivered)++;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    std::printf("0\n");
    return 1;
  }
  if (!ok(rd_kafka_init_transactions(rk, 30000), "init_transactions")) {
    std::printf("0\n");
    return 1;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const struct rd_kafka_metadata* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && md) rd_kafka_metadata_destroy(md);
  std::string value(size, 'x');
  long txns = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < messages;) {
    if (!ok(rd_kafka_begin_transaction(rk), "begin_transaction")) break;
    long end = std::min(messages, i + per_txn);
    for (; i < end; ++i) {
      while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(), value.size(), nullptr, 0,
                              nullptr) == -1) {
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        rd_kafka_poll(rk, 1);
      }
      if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
    }
    if (!ok(rd_kafka_commit_transaction(rk, -1), "commit_transaction")) break;
    ++txns;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed || delivered != messages)
    std::fprintf(stderr, "%s: delivered %ld failed %ld of %ld\n", rd_kafka_version_str(), delivered, failed, messages);
  std::fprintf(stderr, "%s: %ld transactions, %.1f transactions/s\n", argv[0], txns, txns / secs);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  std::printf("%.0f\n", delivered == messages ? static_cast<double>(messages) / secs : 0.0);
  return 0;
}
