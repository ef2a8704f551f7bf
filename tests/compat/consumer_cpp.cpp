// A typical librdkafka C++ high-level consumer, written against <librdkafka/rdkafkacpp.h> the way
// librdkafka users write it (EventCb, a RebalanceCb for both the eager and the cooperative
// protocol, subscribe, a consume loop, commitSync). Built unchanged against kafkaplus and against
// librdkafka.
//
//   compat_consumer_cpp <brokers> <topic> <count> [partition.assignment.strategy]
//
// It first produces <count> messages (key, value and a header derived from a sequence number),
// then consumes them in a fresh group and checks every one arrived once with the right content,
// commits, checks the committed offsets equal the high watermarks, and finally checks that a
// second consumer of the same group resumes after the commit (gets nothing).
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

static int errors_seen = 0;

class ExampleEventCb : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event &event) {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        std::cerr << "ERROR (" << RdKafka::err2str(event.err()) << "): " << event.str() << std::endl;
        if (event.fatal()) exit(1);
        errors_seen++;
        break;
      case RdKafka::Event::EVENT_STATS:
        std::cerr << "\"STATS\": " << event.str() << std::endl;
        break;
      case RdKafka::Event::EVENT_LOG:
        fprintf(stderr, "LOG-%i-%s: %s\n", event.severity(), event.fac().c_str(), event.str().c_str());
        break;
      default:
        std::cerr << "EVENT " << event.type() << " (" << RdKafka::err2str(event.err()) << "): " << event.str()
                  << std::endl;
        break;
    }
  }
};

class ExampleRebalanceCb : public RdKafka::RebalanceCb {
 public:
  int assigned_now;
  int rebalances;
  bool failed;
  ExampleRebalanceCb() : assigned_now(0), rebalances(0), failed(false) {}

  static void part_list_print(const std::vector<RdKafka::TopicPartition *> &partitions) {
    for (unsigned int i = 0; i < partitions.size(); i++)
      std::cerr << partitions[i]->topic() << "[" << partitions[i]->partition() << "], ";
    std::cerr << "\n";
  }

  void rebalance_cb(RdKafka::KafkaConsumer *consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition *> &partitions) {
    std::cerr << "RebalanceCb: " << RdKafka::err2str(err) << ": ";
    part_list_print(partitions);
    rebalances++;

    RdKafka::Error *error = NULL;
    RdKafka::ErrorCode ret_err = RdKafka::ERR_NO_ERROR;

    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (consumer->rebalance_protocol() == "COOPERATIVE")
        error = consumer->incremental_assign(partitions);
      else
        ret_err = consumer->assign(partitions);
      assigned_now += (int)partitions.size();
    } else {
      if (consumer->rebalance_protocol() == "COOPERATIVE") {
        error = consumer->incremental_unassign(partitions);
        assigned_now -= (int)partitions.size();
      } else {
        ret_err = consumer->unassign();
        assigned_now = 0;
      }
    }

    if (error) {
      std::cerr << "incremental assign failed: " << error->str() << "\n";
      delete error;
      failed = true;
    } else if (ret_err) {
      std::cerr << "assign failed: " << RdKafka::err2str(ret_err) << "\n";
      failed = true;
    }
  }
};

static bool produce_all(const std::string &brokers, const std::string &topic, int count) {
  std::string errstr;
  RdKafka::Conf *conf = RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL);
  conf->set("bootstrap.servers", brokers, errstr);
  RdKafka::Producer *producer = RdKafka::Producer::create(conf, errstr);
  delete conf;
  if (!producer) {
    std::cerr << "Failed to create producer: " << errstr << std::endl;
    return false;
  }
  for (int i = 0; i < count; i++) {
    std::ostringstream value, key, seq;
    value << "message-" << i;
    key << "key-" << i;
    seq << i;
    RdKafka::Headers *headers = RdKafka::Headers::create();
    headers->add("seq", seq.str());
    std::string v = value.str(), k = key.str();
    RdKafka::ErrorCode err =
        producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                          const_cast<char *>(v.c_str()), v.size(), k.c_str(), k.size(), 0, headers, NULL);
    if (err) {
      delete headers;
      std::cerr << "produce failed: " << RdKafka::err2str(err) << std::endl;
      delete producer;
      return false;
    }
    producer->poll(0);
  }
  RdKafka::ErrorCode ferr = producer->flush(15000);
  delete producer;
  return ferr == RdKafka::ERR_NO_ERROR;
}

static RdKafka::KafkaConsumer *make_consumer(const std::string &brokers, const std::string &group,
                                             const std::string &strategy, ExampleEventCb *event_cb,
                                             ExampleRebalanceCb *rebalance_cb) {
  std::string errstr;
  RdKafka::Conf *conf = RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL);
  if (conf->set("bootstrap.servers", brokers, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("group.id", group, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("auto.offset.reset", "earliest", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("enable.auto.commit", "false", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("session.timeout.ms", "6000", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", event_cb, errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("rebalance_cb", rebalance_cb, errstr) != RdKafka::Conf::CONF_OK ||
      (!strategy.empty() &&
       conf->set("partition.assignment.strategy", strategy, errstr) != RdKafka::Conf::CONF_OK)) {
    std::cerr << errstr << std::endl;
    exit(1);
  }
  RdKafka::KafkaConsumer *consumer = RdKafka::KafkaConsumer::create(conf, errstr);
  delete conf;
  if (!consumer) {
    std::cerr << "Failed to create consumer: " << errstr << std::endl;
    exit(1);
  }
  return consumer;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    std::cerr << "Usage: " << argv[0] << " <brokers> <topic> <count> [strategy]\n";
    exit(1);
  }
  std::string brokers = argv[1];
  std::string topic = argv[2];
  int count = atoi(argv[3]);
  std::string strategy = argc > 4 ? argv[4] : "";
  std::string group = topic + "-group";

  if (!produce_all(brokers, topic, count)) return 1;

  ExampleEventCb event_cb;
  ExampleRebalanceCb rebalance_cb;
  RdKafka::KafkaConsumer *consumer = make_consumer(brokers, group, strategy, &event_cb, &rebalance_cb);
  std::cerr << "% Created consumer " << consumer->name() << std::endl;

  std::vector<std::string> topics;
  topics.push_back(topic);
  RdKafka::ErrorCode err = consumer->subscribe(topics);
  if (err) {
    std::cerr << "Failed to subscribe: " << RdKafka::err2str(err) << std::endl;
    exit(1);
  }
  std::vector<std::string> subscribed;
  consumer->subscription(subscribed);
  if (subscribed.size() != 1 || subscribed[0] != topic) {
    std::cerr << "Unexpected subscription" << std::endl;
    return 1;
  }

  std::set<int> seen;
  int bad = 0, duplicates = 0;
  time_t deadline = time(NULL) + 60;
  while ((int)seen.size() < count && time(NULL) < deadline) {
    RdKafka::Message *msg = consumer->consume(1000);
    switch (msg->err()) {
      case RdKafka::ERR__TIMED_OUT:
        break;
      case RdKafka::ERR_NO_ERROR: {
        std::string value(static_cast<const char *>(msg->payload()), msg->len());
        int seq = atoi(value.c_str() + 8);
        std::ostringstream key, sseq;
        key << "key-" << seq;
        sseq << seq;
        bool ok = value.compare(0, 8, "message-") == 0 && msg->key() && *msg->key() == key.str() &&
                  msg->key_len() == key.str().size() && msg->topic_name() == topic && msg->offset() >= 0 &&
                  msg->partition() >= 0 &&
                  msg->timestamp().type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_CREATE_TIME &&
                  msg->timestamp().timestamp > 0;
        RdKafka::Headers *headers = msg->headers();
        if (!headers) {
          ok = false;
        } else {
          std::vector<RdKafka::Headers::Header> hdrs = headers->get("seq");
          ok = ok && hdrs.size() == 1 && std::string(hdrs[0].value_string(), hdrs[0].value_size()) == sseq.str();
        }
        if (!ok) {
          std::cerr << "Bad message at " << msg->partition() << "/" << msg->offset() << ": " << value << std::endl;
          bad++;
        }
        if (!seen.insert(seq).second) duplicates++;
        break;
      }
      default:
        std::cerr << "Consume failed: " << msg->errstr() << std::endl;
        bad++;
        break;
    }
    delete msg;
  }
  std::cerr << "% consumed " << seen.size() << " distinct messages, " << bad << " bad, " << duplicates
            << " duplicates, protocol " << consumer->rebalance_protocol() << std::endl;

  err = consumer->commitSync();
  if (err) {
    std::cerr << "commitSync failed: " << RdKafka::err2str(err) << std::endl;
    bad++;
  }

  // Committed offsets are where the log ends.
  std::vector<RdKafka::TopicPartition *> assignment;
  consumer->assignment(assignment);
  err = consumer->committed(assignment, 10000);
  int64_t committed_total = 0;
  for (unsigned int i = 0; i < assignment.size(); i++) {
    int64_t low = -1, high = -1;
    consumer->query_watermark_offsets(topic, assignment[i]->partition(), &low, &high, 5000);
    if (assignment[i]->offset() != high) {
      std::cerr << "partition " << assignment[i]->partition() << " committed " << assignment[i]->offset()
                << ", high watermark " << high << std::endl;
      bad++;
    }
    if (assignment[i]->offset() > 0) committed_total += assignment[i]->offset();
  }
  std::vector<RdKafka::TopicPartition *> positions;
  consumer->assignment(positions);
  consumer->position(positions);
  for (unsigned int i = 0; i < positions.size(); i++)
    if (positions[i]->offset() != assignment[i]->offset()) bad++;
  RdKafka::TopicPartition::destroy(positions);
  RdKafka::TopicPartition::destroy(assignment);
  std::cerr << "% committed " << committed_total << " (" << RdKafka::err2str(err) << ")" << std::endl;
  if (err || committed_total != count) bad++;

  RdKafka::ConsumerGroupMetadata *cgmd = consumer->groupMetadata();
  if (!cgmd) bad++;
  delete cgmd;
  if (consumer->memberid().empty()) bad++;

  consumer->close();
  if (!consumer->closed()) bad++;
  delete consumer;
  if (rebalance_cb.failed || rebalance_cb.assigned_now != 0) {
    std::cerr << "rebalance callback failed or left " << rebalance_cb.assigned_now << " assigned" << std::endl;
    bad++;
  }

  // A second member of the group starts from the committed offsets: nothing left to read.
  ExampleRebalanceCb rebalance_cb2;
  consumer = make_consumer(brokers, group, strategy, &event_cb, &rebalance_cb2);
  consumer->subscribe(topics);
  int redelivered = 0;
  time_t assigned_at = 0;
  deadline = time(NULL) + 30;
  while (time(NULL) < deadline) {
    RdKafka::Message *msg = consumer->consume(500);
    if (msg->err() == RdKafka::ERR_NO_ERROR) redelivered++;
    delete msg;
    if (rebalance_cb2.assigned_now > 0 && !assigned_at) assigned_at = time(NULL);
    if (assigned_at && time(NULL) >= assigned_at + 2) break;
  }
  consumer->close();
  delete consumer;
  std::cerr << "% second consumer: assigned " << (assigned_at ? "yes" : "no") << ", " << redelivered
            << " redelivered" << std::endl;
  if (!assigned_at || redelivered) bad++;

  RdKafka::wait_destroyed(5000);
  return (int)seen.size() == count && bad == 0 && duplicates == 0 ? 0 : 1;
}
