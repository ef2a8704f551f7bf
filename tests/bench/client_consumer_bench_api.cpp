// One consumer run through librdkafka's C API, for client_consumer_bench: built against the real
// librdkafka (client_consumer_bench_api_rdkafka) and against our facade
// (client_consumer_bench_api_facade). Assigns partitions 0..P-1 of the topic from the beginning
// (no group protocol, no commits), or with --subscribe joins group G and subscribes, and consumes
// N messages.
//
//   client_consumer_bench_api --broker host:port --topic T --messages N [--partitions P]
//                             [--subscribe --group G] [--set key=value ...]
//
// Last stdout line: "<messages> <value bytes> <seconds> <peak RSS kB>"; seconds run from
// assign() (or subscribe()) to the N-th message.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace {

long peak_rss_kb() {
  long hwm_kb = 0;
  if (FILE* st = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, st))
      if (std::sscanf(line, "VmHWM: %ld kB", &hwm_kb) == 1) break;
    std::fclose(st);
  }
  return hwm_kb;
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker, topic = "bench", group = "bench-api";
  long messages = 1000000;
  int partitions = 1;
  bool subscribe = false;
  std::vector<std::pair<std::string, std::string>> extra;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--subscribe") {
      subscribe = true;
      continue;
    }
    if (i + 1 >= argc) break;
    std::string v = argv[++i];
    if (a == "--broker") broker = v;
    else if (a == "--topic") topic = v;
    else if (a == "--messages") messages = std::stol(v);
    else if (a == "--partitions") partitions = std::stoi(v);
    else if (a == "--group") group = v;
    else if (a == "--set" && v.find('=') != std::string::npos)
      extra.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      std::fprintf(stderr, "conf %s: %s\n", k, errstr);
  };
  set("bootstrap.servers", broker);
  set("group.id", group);
  set("enable.auto.commit", "false");
  set("auto.offset.reset", "earliest");
  for (auto& [k, v] : extra) set(k.c_str(), v);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    std::printf("0 0 0 0\n");
    return 1;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  if (subscribe) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), RD_KAFKA_PARTITION_UA);
  } else {
    for (int p = 0; p < partitions; ++p)
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  auto t0 = std::chrono::steady_clock::now();
  if (subscribe) rd_kafka_subscribe(rk, parts);
  else rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  long got = 0, bytes = 0, errors = 0;
  while (got < messages) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 1000);
    if (!m) continue;
    if (!m->err) {
      ++got;
      bytes += static_cast<long>(m->len);
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && errors++ < 5) {
      std::fprintf(stderr, "consume error: %s\n", rd_kafka_message_errstr(m));
    }
    rd_kafka_message_destroy(m);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long rss = peak_rss_kb();
  std::fprintf(stderr, "%s (%s): %ld messages, %ld value bytes\n", argv[0], rd_kafka_version_str(), got, bytes);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf("%ld %ld %.6f %ld\n", got, bytes, secs, rss);
  return 0;
}
