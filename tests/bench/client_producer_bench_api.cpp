// One producer run through librdkafka's C API, for client_producer_bench: built twice, against
// the real librdkafka (client_producer_bench_api_rdkafka) and against our facade
// (client_producer_bench_api_facade). Prints msgs/s (first produce to end of flush) last.
//
//   client_producer_bench_api --broker host:port --topic T [--messages N] [--size B] [--acks A]
//                             [--linger ms] [--compression codec] [--idempotence true|false]
//                             [--set key=value ...]   (more properties, e.g. security.protocol)
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
  std::string broker, topic = "bench", acks = "1", linger = "5", compression = "none", idempotence = "false";
  long messages = 1000000;
  size_t size = 100;
  std::vector<std::pair<std::string, std::string>> extra;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--set" && v.find('=') != std::string::npos) extra.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    if (a == "--broker") broker = v;
    else if (a == "--topic") topic = v;
    else if (a == "--messages") messages = std::stol(v);
    else if (a == "--size") size = std::stoul(v);
    else if (a == "--acks") acks = v;
    else if (a == "--linger") linger = v;
    else if (a == "--compression") compression = v;
    else if (a == "--idempotence") idempotence = v;
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      std::fprintf(stderr, "conf %s: %s\n", k, errstr);
  };
  set("bootstrap.servers", broker);
  set("acks", acks);
  set("linger.ms", linger);
  set("compression.type", compression);
  set("enable.idempotence", idempotence);
  for (auto& [k, v] : extra) set(k.c_str(), v);
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
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const struct rd_kafka_metadata* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR && md) rd_kafka_metadata_destroy(md);
  std::string value(size, 'x');
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < messages; ++i) {
    while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, value.data(), value.size(), nullptr, 0,
                            nullptr) == -1) {
      if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_flush(rk, -1);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (failed || delivered != messages)
    std::fprintf(stderr, "%s: delivered %ld failed %ld of %ld\n", rd_kafka_version_str(), delivered, failed, messages);
  // Peak resident memory of this process (the client only; the broker runs in the parent).
  long hwm_kb = 0;
  if (FILE* st = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, st))
      if (std::sscanf(line, "VmHWM: %ld kB", &hwm_kb) == 1) break;
    std::fclose(st);
  }
  std::fprintf(stderr, "%s: peak RSS %.1f MB\n", argv[0], hwm_kb / 1024.0);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  std::printf("%.0f\n", static_cast<double>(messages) / secs);
  return 0;
}
