// Example: a librdkafka-style C++ consumer that keeps its offsets outside Kafka.
//
//   consumer_offsets_store <brokers> <topic> <store-dir> [max-messages] [idle-seconds]
//
// The position of each partition lives in a small file, <store-dir>/<topic>.<partition>,
// holding the offset of the next message to process. Kafka's group management still decides
// which member reads which partition, but nothing is committed to Kafka: when partitions are
// assigned, the rebalance callback reads their files and assigns them at the stored offsets
// (or from the beginning when there is no file). After each message is processed (printed to
// stdout as "<partition> <offset> <value>"), its offset + 1 is written to the file — in a real
// application, in the same transaction as the processing result.
//
// Stops after max-messages messages (default: no limit), after idle-seconds without a message
// (default 10), or on SIGINT/SIGTERM. Build it as you would a librdkafka program:
//   c++ -std=c++11 consumer.cpp $(pkg-config --cflags --libs rdkafka++)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

static volatile sig_atomic_t run = 1;
static void sigterm(int) { run = 0; }

// One file per partition; written to a temporary name and renamed, so a crash leaves either
// the old or the new offset, never a torn file.
class OffsetStore {
 public:
  explicit OffsetStore(const std::string &dir) : dir_(dir) {}

  // The stored next offset, or RdKafka::Topic::OFFSET_BEGINNING if there is none.
  int64_t load(const std::string &topic, int32_t partition) const {
    std::ifstream in(path(topic, partition).c_str());
    long long offset;
    if (in >> offset) return offset;
    return RdKafka::Topic::OFFSET_BEGINNING;
  }

  bool save(const std::string &topic, int32_t partition, int64_t next_offset) const {
    std::string file = path(topic, partition), tmp = file + ".tmp";
    {
      std::ofstream out(tmp.c_str(), std::ios::trunc);
      out << next_offset << "\n";
      if (!out.flush()) return false;
    }
    return std::rename(tmp.c_str(), file.c_str()) == 0;
  }

 private:
  std::string path(const std::string &topic, int32_t partition) const {
    std::ostringstream p;
    p << dir_ << "/" << topic << "." << partition;
    return p.str();
  }
  std::string dir_;
};

class StoredOffsetsRebalanceCb : public RdKafka::RebalanceCb {
 public:
  explicit StoredOffsetsRebalanceCb(const OffsetStore &store) : store_(store) {}

  void rebalance_cb(RdKafka::KafkaConsumer *consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition *> &partitions) {
    bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      // Start each partition where our own store says, not at Kafka's committed offset.
      for (size_t i = 0; i < partitions.size(); i++) {
        partitions[i]->set_offset(store_.load(partitions[i]->topic(), partitions[i]->partition()));
        std::cerr << "% Assigned " << partitions[i]->topic() << " [" << partitions[i]->partition()
                  << "] from offset " << partitions[i]->offset() << std::endl;
      }
      if (cooperative) report(consumer->incremental_assign(partitions));
      else report(consumer->assign(partitions));
    } else {
      // Nothing to save here: every processed message's offset is already in the store.
      std::cerr << "% Revoked " << partitions.size() << " partition(s)"
                << (consumer->assignment_lost() ? " (lost)" : "") << std::endl;
      if (cooperative) report(consumer->incremental_unassign(partitions));
      else report(consumer->unassign());
    }
  }

 private:
  static void report(RdKafka::Error *error) {
    if (!error) return;
    std::cerr << "% Assignment failed: " << error->str() << std::endl;
    delete error;
  }
  static void report(RdKafka::ErrorCode err) {
    if (err) std::cerr << "% Assignment failed: " << RdKafka::err2str(err) << std::endl;
  }
  const OffsetStore &store_;
};

class Events : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event &event) {
    if (event.type() == RdKafka::Event::EVENT_ERROR)
      std::cerr << "% Error " << RdKafka::err2str(event.err()) << ": " << event.str() << std::endl;
    else if (event.type() == RdKafka::Event::EVENT_LOG && event.severity() <= RdKafka::Event::EVENT_SEVERITY_WARNING)
      std::cerr << "% " << event.fac() << ": " << event.str() << std::endl;
  }
};

int main(int argc, char **argv) {
  if (argc < 4) {
    std::cerr << "Usage: " << argv[0] << " <brokers> <topic> <store-dir> [max-messages] [idle-seconds]\n";
    return 1;
  }
  std::string brokers = argv[1], topic = argv[2], store_dir = argv[3];
  long max_messages = argc > 4 ? std::atol(argv[4]) : 0;
  int idle_seconds = argc > 5 ? std::atoi(argv[5]) : 10;

  OffsetStore store(store_dir);
  StoredOffsetsRebalanceCb rebalance_cb(store);
  Events events;

  std::string errstr;
  RdKafka::Conf *conf = RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL);
  if (conf->set("bootstrap.servers", brokers, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("group.id", "offsets-store-example", errstr) != RdKafka::Conf::CONF_OK ||
      // The store is the only source of positions: never commit to Kafka.
      conf->set("enable.auto.commit", "false", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("enable.auto.offset.store", "false", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("rebalance_cb", &rebalance_cb, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", &events, errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << "% " << errstr << std::endl;
    return 1;
  }
  RdKafka::KafkaConsumer *consumer = RdKafka::KafkaConsumer::create(conf, errstr);
  delete conf;
  if (!consumer) {
    std::cerr << "% Failed to create consumer: " << errstr << std::endl;
    return 1;
  }
  signal(SIGINT, sigterm);
  signal(SIGTERM, sigterm);

  std::vector<std::string> topics(1, topic);
  RdKafka::ErrorCode err = consumer->subscribe(topics);
  if (err) {
    std::cerr << "% Failed to subscribe to " << topic << ": " << RdKafka::err2str(err) << std::endl;
    delete consumer;
    return 1;
  }

  long processed = 0;
  int status = 0;
  time_t last_message = time(NULL);
  while (run && (max_messages == 0 || processed < max_messages) && time(NULL) - last_message < idle_seconds) {
    RdKafka::Message *msg = consumer->consume(500);
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      std::cout << msg->partition() << " " << msg->offset() << " "
                << std::string(static_cast<const char *>(msg->payload()), msg->len()) << std::endl;
      if (!store.save(msg->topic_name(), msg->partition(), msg->offset() + 1)) {
        std::cerr << "% Failed to store the offset in " << store_dir << std::endl;
        status = 1;
        run = 0;
      }
      processed++;
      last_message = time(NULL);
    } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
      std::cerr << "% Consume error: " << msg->errstr() << std::endl;
    }
    delete msg;
  }

  consumer->close();
  delete consumer;
  std::cerr << "% Processed " << processed << " message(s)" << std::endl;
  return status;
}
