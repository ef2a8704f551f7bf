// A typical librdkafka C++ producer, written against <librdkafka/rdkafkacpp.h> the way librdkafka
// users write it. Built unchanged against kafkaplus; the test passes when every message gets a
// successful delivery report with an offset.
//
//   compat_producer_cpp <brokers> <topic> <count>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include <librdkafka/rdkafkacpp.h>

class ExampleDeliveryReportCb : public RdKafka::DeliveryReportCb {
 public:
  int delivered = 0;
  int failed = 0;
  std::map<int32_t, std::set<int64_t> > offsets;

  void dr_cb(RdKafka::Message &message) {
    if (message.err()) {
      std::cerr << "% Message delivery failed: " << message.errstr() << std::endl;
      failed++;
      return;
    }
    if (message.offset() < 0 || message.partition() < 0) {
      std::cerr << "% Delivered without offset: " << message.offset() << std::endl;
      failed++;
      return;
    }
    if (!offsets[message.partition()].insert(message.offset()).second) {
      std::cerr << "% Duplicate offset " << message.offset() << std::endl;
      failed++;
      return;
    }
    if (message.status() != RdKafka::Message::MSG_STATUS_PERSISTED) failed++;
    if (message.topic_name().empty() || message.len() == 0) failed++;
    delivered++;
  }
};

class ExampleEventCb : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event &event) {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        std::cerr << "ERROR (" << RdKafka::err2str(event.err()) << "): " << event.str() << std::endl;
        if (event.fatal()) exit(1);
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

int main(int argc, char **argv) {
  if (argc != 4) {
    std::cerr << "Usage: " << argv[0] << " <brokers> <topic> <count>\n";
    exit(1);
  }
  std::string brokers = argv[1];
  std::string topic = argv[2];
  int count = atoi(argv[3]);

  RdKafka::Conf *conf = RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL);
  std::string errstr;

  if (conf->set("bootstrap.servers", brokers, errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << errstr << std::endl;
    exit(1);
  }
  if (conf->set("linger.ms", "5", errstr) != RdKafka::Conf::CONF_OK ||
      conf->set("acks", "all", errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << errstr << std::endl;
    exit(1);
  }

  ExampleDeliveryReportCb ex_dr_cb;
  if (conf->set("dr_cb", &ex_dr_cb, errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << errstr << std::endl;
    exit(1);
  }
  ExampleEventCb ex_event_cb;
  if (conf->set("event_cb", &ex_event_cb, errstr) != RdKafka::Conf::CONF_OK) {
    std::cerr << errstr << std::endl;
    exit(1);
  }

  RdKafka::Producer *producer = RdKafka::Producer::create(conf, errstr);
  if (!producer) {
    std::cerr << "Failed to create producer: " << errstr << std::endl;
    exit(1);
  }
  delete conf;
  std::cerr << "% Created producer " << producer->name() << std::endl;

  for (int i = 0; i < count; i++) {
    std::string line = "message " + std::to_string(i);
  retry:
    RdKafka::ErrorCode err = producer->produce(
        /* Topic name */
        topic,
        /* Any Partition: the builtin partitioner will be used to assign the message to a topic based
         * on the message key, or random partition if the key is not set. */
        RdKafka::Topic::PARTITION_UA,
        /* Make a copy of the value */
        RdKafka::Producer::RK_MSG_COPY /* Copy payload */,
        /* Value */
        const_cast<char *>(line.c_str()), line.size(),
        /* Key */
        NULL, 0,
        /* Timestamp (defaults to current time) */
        0,
        /* Message headers, if any */
        NULL,
        /* Per-message opaque value passed to delivery report */
        NULL);
    if (err != RdKafka::ERR_NO_ERROR) {
      std::cerr << "% Failed to produce to topic " << topic << ": " << RdKafka::err2str(err) << std::endl;
      if (err == RdKafka::ERR__QUEUE_FULL) {
        producer->poll(1000 /*block for max 1000ms*/);
        goto retry;
      }
      exit(1);
    }
    producer->poll(0);
  }

  std::cerr << "% Flushing final messages..." << std::endl;
  producer->flush(10 * 1000 /* wait for max 10 seconds */);

  if (producer->outq_len() > 0)
    std::cerr << "% " << producer->outq_len() << " message(s) were not delivered" << std::endl;

  /* Cross-check: the high watermarks of the topic's partitions add up to what was produced. */
  int64_t total = 0;
  RdKafka::ErrorCode werr = RdKafka::ERR__UNKNOWN_TOPIC;
  RdKafka::Metadata *metadata = NULL;
  if (producer->metadata(true, NULL, &metadata, 5000) == RdKafka::ERR_NO_ERROR) {
    RdKafka::Metadata::TopicMetadataIterator it;
    for (it = metadata->topics()->begin(); it != metadata->topics()->end(); ++it) {
      if ((*it)->topic() != topic) continue;
      werr = RdKafka::ERR_NO_ERROR;
      RdKafka::TopicMetadata::PartitionMetadataIterator pit;
      for (pit = (*it)->partitions()->begin(); pit != (*it)->partitions()->end(); ++pit) {
        int64_t low = -1, high = -1;
        RdKafka::ErrorCode e = producer->query_watermark_offsets(topic, (*pit)->id(), &low, &high, 5000);
        if (e) werr = e;
        else total += high - low;
      }
    }
    std::cerr << "% " << metadata->brokers()->size() << " broker(s), " << metadata->topics()->size()
              << " topic(s)" << std::endl;
    delete metadata;
  }

  int delivered = ex_dr_cb.delivered, failed = ex_dr_cb.failed;
  delete producer;

  std::cerr << "% delivered " << delivered << ", failed " << failed << ", messages in topic " << total << " ("
            << RdKafka::err2str(werr) << ")" << std::endl;
  if (delivered != count || failed != 0) return 1;
  if (werr != RdKafka::ERR_NO_ERROR || total != count) return 1;
  return 0;
}
