// Example: a librdkafka-style C++ producer, built against kafkaplus.
//
//   producer_cpp <brokers> <topic> [message ...]
//
// Produces each message given on the command line, or else each line read from stdin, and
// prints one delivery report per message. Build it as you would a librdkafka program:
//   c++ -std=c++11 producer.cpp $(pkg-config --cflags --libs rdkafka++)
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

static volatile sig_atomic_t run = 1;
static void sigterm(int) { run = 0; }

class DeliveryReport : public RdKafka::DeliveryReportCb {
 public:
  int failures = 0;
  void dr_cb(RdKafka::Message &message) {
    if (message.err()) {
      failures++;
      std::cerr << "% Delivery failed: " << message.errstr() << std::endl;
    } else {
      std::cout << "% Delivered " << message.len() << " bytes to " << message.topic_name() << " ["
                << message.partition() << "] at offset " << message.offset() << " (" << message.latency() / 1000
                << " ms)" << std::endl;
    }
  }
};

class Events : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event &event) {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        std::cerr << "% Error " << RdKafka::err2str(event.err()) << ": " << event.str()
                  << (event.fatal() ? " (fatal)" : "") << std::endl;
        if (event.fatal()) run = 0;
        break;
      case RdKafka::Event::EVENT_LOG:
        std::cerr << "% Log " << event.severity() << " " << event.fac() << ": " << event.str() << std::endl;
        break;
      default: break;
    }
  }
};

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr << "Usage: " << argv[0] << " <brokers> <topic> [message ...]" << std::endl;
    return 1;
  }
  std::string brokers = argv[1], topic = argv[2], errstr;

  RdKafka::Conf *conf = RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL);
  DeliveryReport dr;
  Events events;
  if (conf->set("bootstrap.servers", brokers, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("dr_cb", &dr, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", &events, errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << errstr << std::endl;
    return 1;
  }
  RdKafka::Producer *producer = RdKafka::Producer::create(conf, errstr);
  delete conf;
  if (!producer) {
    std::cerr << "Failed to create producer: " << errstr << std::endl;
    return 1;
  }
  signal(SIGINT, sigterm);
  signal(SIGTERM, sigterm);

  std::vector<std::string> messages(argv + 3, argv + argc);
  size_t next = 0;
  std::string line;
  while (run) {
    if (argc > 3) {
      if (next == messages.size()) break;
      line = messages[next++];
    } else if (!std::getline(std::cin, line)) {
      break;
    }
    RdKafka::ErrorCode err;
    while ((err = producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                    const_cast<char *>(line.data()), line.size(), NULL, 0, 0, NULL, NULL)) ==
           RdKafka::ERR__QUEUE_FULL)
      producer->poll(100);  // the queue is full: serve delivery reports, then retry
    if (err) std::cerr << "% Produce failed: " << RdKafka::err2str(err) << std::endl;
    producer->poll(0);
  }

  producer->flush(10 * 1000);
  int left = producer->outq_len();
  if (left > 0) std::cerr << "% " << left << " message(s) were not delivered" << std::endl;
  int failures = dr.failures;
  delete producer;
  return left == 0 && failures == 0 ? 0 : 1;
}
