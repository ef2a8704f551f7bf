// eos::TransactionalProcessor: consume -> transform -> produce + send_offsets_to_transaction ->
// commit, on the public RdKafka C++ API. See eos/processor.h.
#include "eos/processor.h"

#include <atomic>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace eos {

namespace {

struct Fatal : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void set(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string errstr;
  if (conf->set(name, value, errstr) != RdKafka::Conf::CONF_OK) throw Fatal(name + ": " + errstr);
}

using Clock = std::chrono::steady_clock;

}  // namespace

class TransactionalProcessor::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(ProcessorConfig config, Transform transform) : cfg_(std::move(config)), transform_(std::move(transform)) {
    if (!cfg_.log) cfg_.log = [](const std::string& s) { std::cerr << "eos processor: " << s << std::endl; };
  }

  std::string run() {
    std::string error;
    try {
      setup();
      loop();
      if (fatal_.empty()) commit();
    } catch (const Fatal& e) {
      if (fatal_.empty()) fatal_ = e.what();
    } catch (const std::exception& e) {
      fatal_ = std::string("transform: ") + e.what();
    }
    error = fatal_;
    if (!error.empty()) {
      cfg_.log(error);
      // A fatal producer cannot abort; otherwise (e.g. the transform threw) give the transaction back.
      if (producer_ && in_txn_ && !producer_fatal_) delete producer_->abort_transaction(5000);
      in_txn_ = false;
    }
    if (consumer_) {
      closing_ = true;
      consumer_->close();
    }
    consumer_.reset();
    producer_.reset();
    return error;
  }

  void stop() { stop_ = true; }

  ProcessorMetrics metrics() const {
    std::lock_guard<std::mutex> lock(mu_);
    return metrics_;
  }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      consumer->assign(partitions);
      return;
    }
    // The positions of the partitions leaving us are still ours to commit.
    if (fatal_.empty() && !closing_) {
      try {
        commit();
      } catch (const Fatal& e) {
        fatal_ = e.what();
      }
    }
    consumer->unassign();
  }

 private:
  void setup() {
    std::string errstr;
    std::unique_ptr<RdKafka::Conf> pconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(pconf.get(), "bootstrap.servers", cfg_.brokers);
    for (const auto& [k, v] : cfg_.producer_properties) set(pconf.get(), k, v);
    set(pconf.get(), "transactional.id", cfg_.transactional_id);
    producer_.reset(RdKafka::Producer::create(pconf.get(), errstr));
    if (!producer_) throw Fatal("producer: " + errstr);
    // Fences earlier instances with the same transactional.id and finishes their transaction.
    for (;;) {
      std::unique_ptr<RdKafka::Error> e(producer_->init_transactions(cfg_.init_transactions_timeout_ms));
      if (!e) break;
      if (e->is_retriable() && !stop_) continue;
      throw Fatal("init_transactions: " + e->str());
    }

    std::unique_ptr<RdKafka::Conf> cconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    set(cconf.get(), "bootstrap.servers", cfg_.brokers);
    set(cconf.get(), "auto.offset.reset", cfg_.auto_offset_reset);
    for (const auto& [k, v] : cfg_.consumer_properties) set(cconf.get(), k, v);
    set(cconf.get(), "group.id", cfg_.group_id);
    set(cconf.get(), "enable.auto.commit", "false");
    set(cconf.get(), "isolation.level", "read_committed");
    if (cconf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), errstr) != RdKafka::Conf::CONF_OK)
      throw Fatal("rebalance_cb: " + errstr);
    consumer_.reset(RdKafka::KafkaConsumer::create(cconf.get(), errstr));
    if (!consumer_) throw Fatal("consumer: " + errstr);
    if (RdKafka::ErrorCode err = consumer_->subscribe(cfg_.input_topics))
      throw Fatal("subscribe: " + RdKafka::err2str(err));
  }

  void loop() {
    while (!stop_ && fatal_.empty()) {
      auto deadline = Clock::now() + cfg_.batch_max_time;
      while (!stop_ && fatal_.empty() && pending_in_ < cfg_.batch_max_records) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) break;
        std::unique_ptr<RdKafka::Message> msg(consumer_->consume(static_cast<int>(left)));
        if (!msg) continue;
        if (msg->err() == RdKafka::ERR_NO_ERROR) {
          process(*msg);
        } else if (msg->err() != RdKafka::ERR__TIMED_OUT && msg->err() != RdKafka::ERR__PARTITION_EOF) {
          cfg_.log("consumer: " + msg->errstr());
        }
      }
      if (fatal_.empty()) commit();
    }
  }

  // Throws Fatal on a fatal error; returns true when the transaction must be aborted.
  bool check(RdKafka::Error* error, const char* what) {
    if (!error) return false;
    std::unique_ptr<RdKafka::Error> e(error);
    if (e->is_fatal()) {
      producer_fatal_ = true;
      throw Fatal(std::string(what) + ": fatal: " + e->str());
    }
    if (e->txn_requires_abort()) {
      cfg_.log(std::string(what) + ": " + e->str() + ": aborting the transaction");
      return true;
    }
    throw Fatal(std::string(what) + ": " + e->str());
  }

  void process(const RdKafka::Message& msg) {
    if (!in_txn_) {
      check(producer_->begin_transaction(), "begin_transaction");
      in_txn_ = true;
      abort_ = false;
    }
    ++pending_in_;
    if (abort_) return;  // the batch is aborted at commit(); its input is read again
    emit_.clear();
    transform_(msg, emit_);
    for (const OutputRecord& r : emit_.records()) {
      if (!produce(r)) {
        abort_ = true;
        return;
      }
      ++pending_out_;
    }
    producer_->poll(0);
  }

  // False when the transaction must be aborted.
  bool produce(const OutputRecord& r) {
    RdKafka::Headers* headers = nullptr;
    if (!r.headers.empty()) {
      headers = RdKafka::Headers::create();
      for (const auto& [k, v] : r.headers) headers->add(RdKafka::Headers::Header(k, v.data(), v.size()));
    }
    for (;;) {
      RdKafka::ErrorCode err = producer_->produce(
          r.topic, r.partition < 0 ? RdKafka::Topic::PARTITION_UA : r.partition, RdKafka::Producer::RK_MSG_COPY,
          r.value ? const_cast<char*>(r.value->data()) : nullptr, r.value ? r.value->size() : 0,
          r.key ? r.key->data() : nullptr, r.key ? r.key->size() : 0, 0, headers, nullptr);
      if (err == RdKafka::ERR_NO_ERROR) return true;  // the producer owns the headers now
      if (err == RdKafka::ERR__QUEUE_FULL) {
        producer_->poll(10);
        continue;
      }
      delete headers;
      if (err == RdKafka::ERR__FENCED || err == RdKafka::ERR__FATAL) {
        producer_fatal_ = true;
        throw Fatal("produce: fatal: " + RdKafka::err2str(err));
      }
      cfg_.log("produce to " + r.topic + ": " + RdKafka::err2str(err) + ": aborting the transaction");
      return false;
    }
  }

  // Commits the open transaction with the consumer's positions; aborts and rewinds on an
  // abortable error. Throws Fatal.
  void commit() {
    if (!in_txn_) return;
    bool abort = abort_;
    if (!abort) {
      std::vector<RdKafka::TopicPartition*> offsets;
      consumer_->assignment(offsets);
      consumer_->position(offsets);
      std::unique_ptr<RdKafka::ConsumerGroupMetadata> gm(consumer_->groupMetadata());
      try {
        for (;;) {
          RdKafka::Error* e = producer_->send_offsets_to_transaction(offsets, gm.get(), -1);
          if (e && e->is_retriable() && !e->txn_requires_abort()) {
            delete e;
            continue;
          }
          abort = check(e, "send_offsets_to_transaction");
          break;
        }
      } catch (...) {
        RdKafka::TopicPartition::destroy(offsets);
        throw;
      }
      RdKafka::TopicPartition::destroy(offsets);
    }
    while (!abort) {
      RdKafka::Error* e = producer_->commit_transaction(-1);
      if (e && e->is_retriable() && !e->txn_requires_abort()) {
        delete e;
        continue;
      }
      abort = check(e, "commit_transaction");
      if (!abort) {
        in_txn_ = false;
        std::lock_guard<std::mutex> lock(mu_);
        metrics_.records_in += pending_in_;
        metrics_.records_out += pending_out_;
        ++metrics_.transactions_committed;
        pending_in_ = pending_out_ = 0;
        return;
      }
    }
    for (;;) {
      RdKafka::Error* e = producer_->abort_transaction(-1);
      if (e && e->is_retriable()) {
        delete e;
        continue;
      }
      if (e) {
        std::unique_ptr<RdKafka::Error> owned(e);
        if (e->is_fatal()) producer_fatal_ = true;
        throw Fatal("abort_transaction: " + e->str());
      }
      break;
    }
    in_txn_ = false;
    abort_ = false;
    pending_in_ = pending_out_ = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++metrics_.transactions_aborted;
    }
    rewind();
  }

  // Back to the committed offsets: what the aborted transaction consumed is consumed again.
  void rewind() {
    std::vector<RdKafka::TopicPartition*> parts;
    consumer_->assignment(parts);
    if (RdKafka::ErrorCode err = consumer_->committed(parts, 10000)) {
      RdKafka::TopicPartition::destroy(parts);
      throw Fatal("rewind: committed: " + RdKafka::err2str(err));
    }
    for (auto* p : parts) {
      if (p->offset() < 0)
        p->set_offset(cfg_.auto_offset_reset == "latest" ? RdKafka::Topic::OFFSET_END : RdKafka::Topic::OFFSET_BEGINNING);
      if (RdKafka::ErrorCode err = consumer_->seek(*p, 10000)) {
        std::string what = p->topic() + "[" + std::to_string(p->partition()) + "]: " + RdKafka::err2str(err);
        RdKafka::TopicPartition::destroy(parts);
        throw Fatal("rewind: seek " + what);
      }
    }
    RdKafka::TopicPartition::destroy(parts);
  }

  ProcessorConfig cfg_;
  Transform transform_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  Emit emit_;
  std::atomic<bool> stop_{false};
  bool closing_ = false;
  bool in_txn_ = false;
  bool abort_ = false;
  bool producer_fatal_ = false;
  std::size_t pending_in_ = 0;
  std::size_t pending_out_ = 0;
  std::string fatal_;
  mutable std::mutex mu_;
  ProcessorMetrics metrics_;
};

TransactionalProcessor::TransactionalProcessor(ProcessorConfig config, Transform transform)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(transform))) {}
TransactionalProcessor::~TransactionalProcessor() = default;
std::string TransactionalProcessor::run() { return impl_->run(); }
void TransactionalProcessor::stop() { impl_->stop(); }
ProcessorMetrics TransactionalProcessor::metrics() const { return impl_->metrics(); }

}  // namespace eos
