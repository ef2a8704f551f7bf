// Consume-transform-produce, exactly once, with the librdkafka C++ API (builds unchanged against
// librdkafka): a read_committed group consumer reads <in-topic>, a transactional producer writes
// each value upper-cased to <out-topic>, and the consumer's positions are committed inside the
// same transaction (send_offsets_to_transaction with the consumer's group metadata, KIP-447), so
// a crash at any point neither loses nor duplicates output for read_committed readers.
//
//   transform_cpp <brokers> <in-topic> <out-topic> <group> <transactional-id> [idle-exit-seconds]
//
// Transactions are committed every 1000 messages or after 100 ms without input; on partition
// revocation the open transaction is committed first. An abortable error aborts the
// transaction and rewinds the consumer to its committed offsets; a fatal error (fenced by a
// newer instance) ends the program. With idle-exit-seconds it stops after that long without
// input and prints how many messages it transformed.
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;

void fail(const std::string& what) {
  std::cerr << "transform_cpp: " << what << std::endl;
  std::exit(1);
}

// Handles an Error* from the transactional API: returns true when the transaction must be
// aborted, exits on a fatal error.
bool needs_abort(RdKafka::Error* error, const char* what) {
  if (!error) return false;
  std::unique_ptr<RdKafka::Error> e(error);
  if (e->is_fatal()) fail(std::string(what) + ": fatal: " + e->str());
  if (e->txn_requires_abort()) {
    std::cerr << "transform_cpp: " << what << ": " << e->str() << ": aborting the transaction" << std::endl;
    return true;
  }
  fail(std::string(what) + ": " + e->str());
  return false;
}

class Transformer : public RdKafka::RebalanceCb {
 public:
  Transformer(RdKafka::Producer* producer, std::string out_topic) : producer_(producer), out_(std::move(out_topic)) {}
  void set_consumer(RdKafka::KafkaConsumer* consumer) { consumer_ = consumer; }

  void transform(RdKafka::Message& msg) {
    if (!in_txn_) {
      if (RdKafka::Error* e = producer_->begin_transaction()) fail("begin_transaction: " + e->str());
      in_txn_ = true;
    }
    std::string value(static_cast<const char*>(msg.payload()), msg.len());
    std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::toupper(c); });
    for (;;) {
      RdKafka::ErrorCode err = producer_->produce(out_, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                                  const_cast<char*>(value.data()), value.size(),
                                                  msg.key_pointer(), msg.key_len(), 0, nullptr);
      if (err == RdKafka::ERR__QUEUE_FULL) {
        producer_->poll(10);
        continue;
      }
      if (err) fail("produce: " + RdKafka::err2str(err));
      break;
    }
    ++pending_;
    producer_->poll(0);
  }

  // Commits the open transaction with the consumer's positions; aborts and rewinds on error.
  void commit() {
    if (!in_txn_) return;
    in_txn_ = false;
    std::vector<RdKafka::TopicPartition*> offsets;
    consumer_->assignment(offsets);
    consumer_->position(offsets);
    std::unique_ptr<RdKafka::ConsumerGroupMetadata> gm(consumer_->groupMetadata());
    bool abort = needs_abort(producer_->send_offsets_to_transaction(offsets, gm.get(), -1), "send_offsets");
    RdKafka::TopicPartition::destroy(offsets);
    while (!abort) {
      RdKafka::Error* e = producer_->commit_transaction(-1);
      if (e && e->is_retriable()) {
        delete e;
        continue;
      }
      abort = needs_abort(e, "commit_transaction");
      if (!abort) {
        done_ += pending_;
        pending_ = 0;
        return;
      }
    }
    if (RdKafka::Error* e = producer_->abort_transaction(-1)) fail("abort_transaction: " + e->str());
    pending_ = 0;
    rewind();
  }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      consumer->assign(partitions);
    } else {
      commit();  // the positions of the partitions leaving us are still ours to commit
      consumer->unassign();
    }
  }

  bool in_transaction() const { return in_txn_; }
  size_t pending() const { return pending_; }
  size_t done() const { return done_; }

 private:
  // Back to the committed offsets: what the aborted transaction consumed is consumed again.
  void rewind() {
    std::vector<RdKafka::TopicPartition*> parts;
    consumer_->assignment(parts);
    if (consumer_->committed(parts, 10000) != RdKafka::ERR_NO_ERROR) fail("committed");
    for (auto* p : parts) {
      if (p->offset() < 0) p->set_offset(RdKafka::Topic::OFFSET_BEGINNING);
      consumer_->seek(*p, 10000);
    }
    RdKafka::TopicPartition::destroy(parts);
  }

  RdKafka::Producer* producer_;
  RdKafka::KafkaConsumer* consumer_ = nullptr;
  std::string out_;
  bool in_txn_ = false;
  size_t pending_ = 0;
  size_t done_ = 0;
};

void set(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string errstr;
  if (conf->set(name, value, errstr) != RdKafka::Conf::CONF_OK) fail(name + ": " + errstr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: " << argv[0] << " <brokers> <in-topic> <out-topic> <group> <transactional-id> [idle-exit-s]\n";
    return 2;
  }
  std::string brokers = argv[1], in_topic = argv[2], out_topic = argv[3], group = argv[4], txn_id = argv[5];
  int idle_exit_s = argc > 6 ? std::atoi(argv[6]) : 0;
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });

  std::string errstr;
  std::unique_ptr<RdKafka::Conf> pconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(pconf.get(), "bootstrap.servers", brokers);
  set(pconf.get(), "transactional.id", txn_id);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(pconf.get(), errstr));
  if (!producer) fail(errstr);
  // Fences an earlier instance with the same transactional.id and finishes its transaction.
  if (RdKafka::Error* e = producer->init_transactions(30000)) fail("init_transactions: " + e->str());

  Transformer transformer(producer.get(), out_topic);
  std::unique_ptr<RdKafka::Conf> cconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  set(cconf.get(), "bootstrap.servers", brokers);
  set(cconf.get(), "group.id", group);
  set(cconf.get(), "enable.auto.commit", "false");
  set(cconf.get(), "auto.offset.reset", "earliest");
  set(cconf.get(), "isolation.level", "read_committed");
  if (cconf->set("rebalance_cb", &transformer, errstr) != RdKafka::Conf::CONF_OK) fail(errstr);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cconf.get(), errstr));
  if (!consumer) fail(errstr);
  transformer.set_consumer(consumer.get());
  if (consumer->subscribe({in_topic})) fail("subscribe");

  auto last_input = std::chrono::steady_clock::now();
  while (!g_stop) {
    std::unique_ptr<RdKafka::Message> msg(consumer->consume(100));
    if (msg->err() == RdKafka::ERR_NO_ERROR) {
      transformer.transform(*msg);
      last_input = std::chrono::steady_clock::now();
      if (transformer.pending() >= 1000) transformer.commit();
      continue;
    }
    if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF)
      std::cerr << "transform_cpp: consumer: " << msg->errstr() << std::endl;
    transformer.commit();  // idle: do not keep output waiting
    if (idle_exit_s > 0 && std::chrono::steady_clock::now() - last_input > std::chrono::seconds(idle_exit_s)) break;
  }
  transformer.commit();
  consumer->close();
  std::cout << "transformed " << transformer.done() << std::endl;
  return 0;
}
