// Producer throughput: our core vs librdkafka, same in-process refbroker (or an external broker
// with --broker host:port), same settings (acks=1 by default, 100-byte values, no keys).
//
//   client_producer_bench [--messages N] [--size B] [--acks A] [--rounds R] [--broker host:port]
//                         [--compression codec] [--linger ms]
//
// Each round runs ours then librdkafka on fresh topics; msgs/s counts produce() of the first
// message to the last delivery report (flush).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "broker.h"
#include "producer.h"

namespace {

struct Opts {
  long messages = 2'000'000;
  size_t size = 100;
  std::string acks = "1";
  int rounds = 2;
  std::string broker;
  std::string compression = "none";
  std::string linger = "5";
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double run_ours(const Opts& o, const std::string& bootstrap, const std::string& topic) {
  using namespace kafka::client;
  long delivered = 0, failed = 0;
  ProducerCallbacks cb;
  cb.delivery = [&](DeliveryReport& r) { (r.error() ? failed : delivered)++; };
  std::string errstr;
  auto p = ProducerCore::create({{"bootstrap.servers", bootstrap},
                                 {"acks", o.acks},
                                 {"linger.ms", o.linger},
                                 {"compression.type", o.compression}},
                                cb, errstr);
  if (!p) {
    std::fprintf(stderr, "ours: %s\n", errstr.c_str());
    return 0;
  }
  // Warm up: metadata and connection.
  ClusterMetadata md;
  p->metadata(false, &topic, md, 10000);
  std::string value(o.size, 'x');
  Message m;
  m.topic = topic;
  m.value = kafka::as_bytes(value);
  double t0 = now_s();
  for (long i = 0; i < o.messages; ++i) {
    while (p->produce(m) == err(LocalErr::QUEUE_FULL)) p->poll(1);
    if ((i & 1023) == 0) p->poll(0);
  }
  p->flush(-1);
  double t1 = now_s();
  if (failed || delivered != o.messages)
    std::fprintf(stderr, "ours: delivered %ld failed %ld of %ld\n", delivered, failed, o.messages);
  return static_cast<double>(o.messages) / (t1 - t0);
}

double run_rdkafka(const Opts& o, const std::string& bootstrap, const std::string& topic) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      std::fprintf(stderr, "rdkafka conf %s: %s\n", k, errstr);
  };
  set("bootstrap.servers", bootstrap);
  set("acks", o.acks);
  set("linger.ms", o.linger);
  set("compression.type", o.compression);
  static long delivered, failed;
  delivered = failed = 0;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    (m->err ? failed : delivered)++;
  });
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "rdkafka: %s\n", errstr);
    return 0;
  }
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_metadata(rk, 0, rkt, &md, 10000);
  if (md) rd_kafka_metadata_destroy(md);
  std::string value(o.size, 'x');
  double t0 = now_s();
  for (long i = 0; i < o.messages; ++i) {
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(), value.size(), nullptr, 0,
                            nullptr) == -1) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, -1);
  double t1 = now_s();
  if (failed || delivered != o.messages)
    std::fprintf(stderr, "rdkafka: delivered %ld failed %ld of %ld\n", delivered, failed, o.messages);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return static_cast<double>(o.messages) / (t1 - t0);
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--messages") o.messages = std::stol(v);
    else if (a == "--size") o.size = std::stoul(v);
    else if (a == "--acks") o.acks = v;
    else if (a == "--rounds") o.rounds = std::stoi(v);
    else if (a == "--broker") o.broker = v;
    else if (a == "--compression") o.compression = v;
    else if (a == "--linger") o.linger = v;
  }
  std::unique_ptr<refbroker::Broker> broker;
  std::filesystem::path dir;
  std::string bootstrap = o.broker;
  if (bootstrap.empty()) {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() / ("client-bench-" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
    refbroker::BrokerOptions bo;
    bo.data_dir = dir;
    broker = std::make_unique<refbroker::Broker>(bo);
    broker->start();
    bootstrap = broker->bootstrap();
  }
  std::printf("producer bench: %ld x %zu-byte messages, acks=%s, linger.ms=%s, compression=%s, broker %s\n",
              o.messages, o.size, o.acks.c_str(), o.linger.c_str(), o.compression.c_str(), bootstrap.c_str());
  double best_ours = 0, best_rd = 0;
  for (int r = 0; r < o.rounds; ++r) {
    double a = run_ours(o, bootstrap, "bench-ours-" + std::to_string(r));
    double b = run_rdkafka(o, bootstrap, "bench-rdkafka-" + std::to_string(r));
    std::printf("round %d: kafkaplus %.0f msgs/s, librdkafka %.0f msgs/s, ratio %.2fx\n", r, a, b, b > 0 ? a / b : 0);
    std::fflush(stdout);
    best_ours = std::max(best_ours, a);
    best_rd = std::max(best_rd, b);
  }
  std::printf("best: kafkaplus %.0f msgs/s, librdkafka %.0f msgs/s, ratio %.2fx\n", best_ours, best_rd,
              best_rd > 0 ? best_ours / best_rd : 0);
  if (broker) {
    broker->stop();
    broker.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
