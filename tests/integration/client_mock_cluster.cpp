// Launcher for librdkafka's in-process mock cluster (rdkafka_mock.h), used by the client core's
// tests as a second, independent broker implementation. It links the real librdkafka and nothing
// of ours (our library defines the same rd_kafka_* symbols), so tests run it as a child process.
//
//   client_mock_cluster [brokers] [topic:partitions ...]
//
// Prints the bootstrap string on the first line, then obeys line commands on stdin, answering
// "ok" or "error <text>" to each, until "quit" or end of input:
//   leader <topic> <partition> <broker>     move a partition's leader
//   down <broker> | up <broker>             take a broker down / bring it back
//   error <apikey> <code> [<code> ...]      push request errors (rd_kafka_mock_push_request_errors)
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  int brokers = argc > 1 ? std::atoi(argv[1]) : 3;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    std::fprintf(stderr, "rd_kafka_new: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    std::fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
    return 1;
  }
  for (int i = 2; i < argc; ++i) {
    std::string spec = argv[i];
    auto colon = spec.rfind(':');
    std::string topic = spec.substr(0, colon);
    int parts = colon == std::string::npos ? 1 : std::atoi(spec.c_str() + colon + 1);
    rd_kafka_mock_topic_create(mc, topic.c_str(), parts, 1);
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
  std::fflush(stdout);

  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (cmd == "quit") break;
    if (cmd == "leader") {
      std::string topic;
      int32_t partition, broker;
      in >> topic >> partition >> broker;
      err = rd_kafka_mock_partition_set_leader(mc, topic.c_str(), partition, broker);
    } else if (cmd == "down" || cmd == "up") {
      int32_t broker;
      in >> broker;
      err = cmd == "down" ? rd_kafka_mock_broker_set_down(mc, broker) : rd_kafka_mock_broker_set_up(mc, broker);
    } else if (cmd == "error") {
      int apikey;
      in >> apikey;
      std::vector<rd_kafka_resp_err_t> errs;
      int code;
      while (in >> code) errs.push_back(static_cast<rd_kafka_resp_err_t>(code));
      rd_kafka_mock_push_request_errors_array(mc, static_cast<int16_t>(apikey), errs.size(), errs.data());
    } else if (!cmd.empty()) {
      std::printf("error unknown command\n");
      std::fflush(stdout);
      continue;
    }
    if (err) std::printf("error %s\n", rd_kafka_err2str(err));
    else std::printf("ok\n");
    std::fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
