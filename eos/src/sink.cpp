#include "eos/sink.h"

#include <librdkafka/rdkafkacpp.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

namespace eos {
namespace {

std::string default_instance_id() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

struct PartitionListDeleter {
  void operator()(std::vector<RdKafka::TopicPartition*>* list) const {
    RdKafka::TopicPartition::destroy(*list);
    delete list;
  }
};
using PartitionList = std::unique_ptr<std::vector<RdKafka::TopicPartition*>, PartitionListDeleter>;

PartitionList make_list(const std::vector<TopicPartition>& tps) {
  PartitionList list(new std::vector<RdKafka::TopicPartition*>);
  for (const auto& tp : tps) list->push_back(RdKafka::TopicPartition::create(tp.topic, tp.partition));
  return list;
}

// The batch clock: CLOCK_MONOTONIC_COARSE (a few ms resolution) is a memory read, while the
// precise clock showed up in profiles of the per-message loop. Same epoch as steady_clock.
std::chrono::steady_clock::time_point coarse_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

}  // namespace

class Sink::Impl : public RdKafka::RebalanceCb {
 public:
  Impl(SinkConfig config, std::unique_ptr<SqlSession> session, BatchHandler handler)
      : config_(std::move(config)), session_(std::move(session)) {
    if (config_.instance_id.empty()) config_.instance_id = default_instance_id();
    if (!config_.log) config_.log = [](const std::string& line) { std::cerr << "eos-sink: " << line << std::endl; };
    if (config_.auto_offset_reset != "earliest" && config_.auto_offset_reset != "latest")
      throw std::invalid_argument("auto_offset_reset must be earliest or latest");
    store_ = std::make_unique<OffsetStore>(config_.group_id, config_.instance_id, config_.offset_store);
    if (config_.create_schema) store_->create_schema(*session_);
    executor_ = std::make_unique<BatchExecutor>(*session_, *store_, std::move(handler), config_.executor);
    create_consumer();
    if (config_.pipeline) worker_ = std::thread([this] { work(); });
  }

  ~Impl() override {
    if (worker_.joinable()) {
      {
        std::lock_guard lock(worker_mutex_);
        worker_exit_ = true;
      }
      worker_cv_.notify_all();
      worker_.join();
    }
    if (consumer_) {
      consumer_->close();
      consumer_.reset();
    }
  }

  std::string run() {
    RdKafka::ErrorCode err = consumer_->subscribe(config_.topics);
    if (err != RdKafka::ERR_NO_ERROR) return "subscribe failed: " + RdKafka::err2str(err);
    while (!stop_requested_.load() && fatal_error_.empty()) {
      if (in_flight_done()) complete_in_flight();  // react to its outcome (fenced, unavailable) early
      auto now = coarse_now();
      if (!pending_claim_.empty() && now >= next_database_retry_) retry_pending_claim();
      if (database_paused_ && now >= next_database_retry_) flush();
      int timeout_ms = 100;
      if (!batch_.empty() && !database_paused_) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(batch_deadline_ - now).count();
        timeout_ms = static_cast<int>(std::clamp<long long>(left, 0, 100));
      }
      std::unique_ptr<RdKafka::Message> message(consumer_->consume(timeout_ms));
      handle(std::move(message));
      if (!database_paused_ && !batch_.empty() &&
          (batch_.size() >= config_.batch_max_records || batch_bytes_ >= config_.batch_max_bytes ||
           coarse_now() >= batch_deadline_))
        dispatch();
    }
    complete_in_flight();
    if (fatal_error_.empty()) flush();  // finish the batch in hand before leaving the group
    consumer_->close();  // revokes the assignment through rebalance_cb
    consumer_.reset();
    return fatal_error_;
  }

  void stop() { stop_requested_.store(true); }
  MetricsSnapshot metrics() const { return executor_->metrics().snapshot(); }
  SqlSession& session() { return *session_; }

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      on_assign(consumer, partitions, cooperative);
    } else {
      on_revoke(consumer, partitions, cooperative);
    }
  }

 private:
  void create_consumer() {
    std::string error;
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    auto set = [&](const std::string& name, const std::string& value) {
      if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK)
        throw std::invalid_argument("consumer property " + name + ": " + error);
    };
    for (const auto& [name, value] : config_.consumer_properties) {
      if ((name == "enable.auto.commit" || name == "enable.auto.offset.store") && value != "false")
        throw std::invalid_argument(name + " must stay false: the offsets live in the database");
      set(name, value);
    }
    set("bootstrap.servers", config_.brokers);
    set("group.id", config_.group_id);
    set("enable.auto.commit", "false");
    set("enable.auto.offset.store", "false");
    set("enable.partition.eof", "false");
    set("auto.offset.reset", config_.auto_offset_reset);
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(this), error) != RdKafka::Conf::CONF_OK)
      throw std::invalid_argument("rebalance_cb: " + error);
    consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer_) throw std::runtime_error("cannot create consumer: " + error);
  }

  static std::vector<TopicPartition> to_tps(const std::vector<RdKafka::TopicPartition*>& partitions) {
    std::vector<TopicPartition> tps;
    for (auto* p : partitions) tps.push_back({p->topic(), p->partition()});
    return tps;
  }

  // Claims partitions and sets each one's start offset: the stored next offset, or
  // auto_offset_reset where no row exists; stored offsets below the log start follow the policy.
  bool claim_and_position(const std::vector<RdKafka::TopicPartition*>& partitions) {
    auto claimed = executor_->claim(to_tps(partitions));
    if (!claimed) return false;
    std::map<TopicPartition, std::optional<std::int64_t>> next;
    for (const auto& s : *claimed) {
      next[s.tp] = s.next_offset;
      accepting_.insert(s.tp);
    }
    for (auto* p : partitions) {
      TopicPartition tp{p->topic(), p->partition()};
      std::optional<std::int64_t> stored = next[tp];
      last_added_.erase(tp);
      if (!stored) {
        p->set_offset(config_.auto_offset_reset == "earliest" ? RdKafka::Topic::OFFSET_BEGINNING
                                                              : RdKafka::Topic::OFFSET_END);
        continue;
      }
      p->set_offset(*stored);
      std::int64_t low = 0, high = 0;
      if (consumer_->query_watermark_offsets(p->topic(), p->partition(), &low, &high, 5000) ==
              RdKafka::ERR_NO_ERROR &&
          *stored < low)
        below_log_start(p, *stored, low);
    }
    return true;
  }

  void below_log_start(RdKafka::TopicPartition* p, std::int64_t stored, std::int64_t low) {
    std::string what = to_string(TopicPartition{p->topic(), p->partition()}) + ": stored next offset " +
                       std::to_string(stored) + " is below the log start offset " + std::to_string(low) + " (" +
                       std::to_string(low - stored) + " records deleted before they were applied)";
    if (config_.below_log_start == BelowLogStartPolicy::stop) {
      fatal_error_ = what + "; stopping (policy: stop)";
      return;
    }
    config_.log(what + "; continuing from the log start (policy: reset_to_log_start)");
    p->set_offset(low);
  }

  void on_assign(RdKafka::KafkaConsumer* consumer, std::vector<RdKafka::TopicPartition*>& partitions,
                 bool cooperative) {
    complete_in_flight();  // the session is the DB thread's until then
    bool claimed = claim_and_position(partitions);
    if (cooperative)
      delete consumer->incremental_assign(partitions);
    else
      consumer->assign(partitions);
    if (!claimed) {
      // The database is down: hold the partitions paused until the claim succeeds.
      config_.log("database unavailable at assignment; partitions paused until it is back");
      consumer->pause(partitions);
      for (const auto& tp : to_tps(partitions)) pending_claim_.insert(tp);
      next_database_retry_ = std::chrono::steady_clock::now() + config_.database_retry_interval;
    }
  }

  void retry_pending_claim() {
    complete_in_flight();
    std::vector<TopicPartition> tps(pending_claim_.begin(), pending_claim_.end());
    auto list = make_list(tps);
    if (!claim_and_position(*list)) {
      next_database_retry_ = std::chrono::steady_clock::now() + config_.database_retry_interval;
      return;
    }
    pending_claim_.clear();
    // Start them over at the claimed offsets.
    for (auto* p : *list) {
      RdKafka::ErrorCode err = consumer_->seek(*p, 5000);
      if (err != RdKafka::ERR_NO_ERROR) config_.log("seek " + p->topic() + ": " + RdKafka::err2str(err));
    }
    if (!database_paused_) consumer_->resume(*list);
  }

  void on_revoke(RdKafka::KafkaConsumer* consumer, std::vector<RdKafka::TopicPartition*>& partitions,
                 bool cooperative) {
    auto tps = to_tps(partitions);
    std::set<TopicPartition> revoked(tps.begin(), tps.end());
    if (consumer->assignment_lost()) {
      // The batch on the DB thread may hold records of the lost partitions: it rolls back instead
      // of committing (if it has not committed yet); its records come back into batch_ and the
      // lost partitions' ones are dropped below.
      if (in_flight_) abandon_.store(true);
      complete_in_flight();
      // Lost (session timeout): another member may own them already; nothing of theirs commits.
      config_.log("assignment lost: dropping " + std::to_string(count_records(revoked)) + " uncommitted records");
    } else if (fatal_error_.empty()) {
      // Revoked in good order: finish the batch on the DB thread and the batch in hand while the
      // partitions are still ours.
      flush();
    } else {
      complete_in_flight();
    }
    drop_records(revoked);
    for (const auto& tp : tps) {
      store_->release(tp);
      accepting_.erase(tp);
      pending_claim_.erase(tp);
      last_added_.erase(tp);
      executor_->metrics().erase_lag(to_string(tp));
    }
    if (cooperative)
      delete consumer->incremental_unassign(partitions);
    else
      consumer->unassign();
  }

  void handle(std::unique_ptr<RdKafka::Message> message) {
    switch (message->err()) {
      case RdKafka::ERR_NO_ERROR:
        break;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        return;
      case RdKafka::ERR__AUTO_OFFSET_RESET:
      case RdKafka::ERR_OFFSET_OUT_OF_RANGE:
        if (config_.below_log_start == BelowLogStartPolicy::stop)
          fatal_error_ = "offset out of range: " + message->errstr();
        else
          config_.log("offset out of range: " + message->errstr());
        return;
      case RdKafka::ERR__FATAL:
        fatal_error_ = "consumer fatal error: " + message->errstr();
        return;
      default:
        config_.log("consumer: " + message->errstr());
        return;
    }
    TopicPartition tp{message->topic_name(), message->partition()};
    // Not (or no longer) ours: fenced or claim pending. (accepting_ mirrors the offset store's
    // ownership for this thread; the store belongs to the DB thread while a batch is in flight.)
    if (!accepting_.count(tp)) return;
    auto last = last_added_.find(tp);
    if (last != last_added_.end() && message->offset() <= last->second) return;  // re-fetched after a seek
    last_added_[tp] = message->offset();
    if (batch_.empty()) batch_deadline_ = coarse_now() + config_.batch_max_time;
    batch_bytes_ += message->len() + message->key_len();
    auto topic = topics_.insert(tp.topic).first;
    Record record;
    record.topic = *topic;
    record.partition = tp.partition;
    record.offset = message->offset();
    if (message->key_pointer()) record.key = std::string_view(static_cast<const char*>(message->key_pointer()), message->key_len());
    if (message->payload()) record.value = std::string_view(static_cast<const char*>(message->payload()), message->len());
    RdKafka::MessageTimestamp ts = message->timestamp();
    record.timestamp = ts.type == RdKafka::MessageTimestamp::MSG_TIMESTAMP_NOT_AVAILABLE ? -1 : ts.timestamp;
    record.source = message.get();
    batch_.push_back(record);
    messages_.push_back(std::move(message));
  }

  std::size_t count_records(const std::set<TopicPartition>& tps) const {
    return std::count_if(batch_.begin(), batch_.end(), [&](const Record& r) {
      return tps.count(TopicPartition{std::string(r.topic), r.partition}) > 0;
    });
  }

  // Removes the records (and their messages) of these partitions from the batch in hand.
  void drop_records(const std::set<TopicPartition>& tps) {
    std::vector<Record> keep_records;
    std::vector<std::unique_ptr<RdKafka::Message>> keep_messages;
    batch_bytes_ = 0;
    for (std::size_t i = 0; i < batch_.size(); ++i) {
      if (tps.count(TopicPartition{std::string(batch_[i].topic), batch_[i].partition})) continue;
      batch_bytes_ += messages_[i]->len() + messages_[i]->key_len();
      keep_records.push_back(batch_[i]);
      keep_messages.push_back(std::move(messages_[i]));
    }
    batch_ = std::move(keep_records);
    messages_ = std::move(keep_messages);
  }

  void clear_batch() {
    batch_.clear();
    messages_.clear();
    batch_bytes_ = 0;
  }

  BatchResult run_batch(const std::vector<Record>& batch) {
    if (config_.scope == BatchScope::per_poll) return executor_->run(batch, &abandon_);
    // Per partition: records grouped by partition, in arrival (= offset) order within each.
    std::map<TopicPartition, std::vector<Record>> groups;
    for (const auto& r : batch) groups[TopicPartition{std::string(r.topic), r.partition}].push_back(r);
    BatchResult total;
    for (auto& [tp, records] : groups) {
      BatchResult one = executor_->run(records, &abandon_);
      total.committed_records += one.committed_records;
      total.dead_lettered += one.dead_lettered;
      total.skipped_records += one.skipped_records;
      total.fenced.insert(total.fenced.end(), one.fenced.begin(), one.fenced.end());
      if (one.status == BatchStatus::unavailable || one.status == BatchStatus::stopped) {
        total.status = one.status;
        total.error = one.error;
        return total;
      }
    }
    return total;
  }

  // Applies the batch in hand now and waits for the outcome (after the one on the DB thread).
  void flush() {
    complete_in_flight();
    if (batch_.empty()) {
      if (database_paused_) resume_after_database();
      return;
    }
    submit();
    complete_in_flight();
  }

  // The batch in hand is closed: hand it to the DB thread and go on consuming the next one. With
  // a batch still in flight, wait for it first (one batch in flight: the next batch's consuming
  // and decoding overlap this one's SQL and COMMIT, and memory stays bounded by two batches).
  void dispatch() {
    if (!config_.pipeline) return flush();
    complete_in_flight();
    if (database_paused_ || !fatal_error_.empty() || batch_.empty()) return;
    submit();
  }

  void submit() {
    auto job = std::make_unique<InFlight>();
    job->records = std::move(batch_);
    job->messages = std::move(messages_);
    job->bytes = batch_bytes_;
    clear_batch();
    // The next batch fills without reallocating (the moved-from vectors have no capacity).
    std::size_t expected = std::min<std::size_t>(config_.batch_max_records, 1 << 17);
    batch_.reserve(expected);
    messages_.reserve(expected);
    abandon_.store(false);
    if (!worker_.joinable()) {  // no pipeline: run it here
      in_flight_ = std::move(job);
      try {
        in_flight_->result = run_batch(in_flight_->records);
      } catch (...) {
        in_flight_->error = std::current_exception();
      }
      in_flight_->done = true;
      in_flight_finished_.store(true, std::memory_order_release);
      return;
    }
    {
      std::lock_guard lock(worker_mutex_);
      in_flight_ = std::move(job);
      worker_job_ = in_flight_.get();
    }
    worker_cv_.notify_all();
  }

  bool in_flight_done() const { return in_flight_ && in_flight_finished_.load(std::memory_order_acquire); }

  // Waits for the batch on the DB thread and acts on its outcome; afterwards this thread may use
  // the session, the offset store and the executor again.
  void complete_in_flight() {
    if (!in_flight_) return;
    {
      std::unique_lock lock(worker_mutex_);
      worker_cv_.wait(lock, [&] { return in_flight_->done; });
    }
    std::unique_ptr<InFlight> job = std::move(in_flight_);
    in_flight_finished_.store(false, std::memory_order_relaxed);
    abandon_.store(false);
    if (job->error) std::rethrow_exception(job->error);
    const BatchResult& result = job->result;
    switch (result.status) {
      case BatchStatus::committed:
      case BatchStatus::fenced:
        if (!result.fenced.empty()) {
          // Another member claimed these: stop fetching them until the rebalance takes them away.
          config_.log("fenced on " + std::to_string(result.fenced.size()) + " partition(s); a newer owner holds them");
          auto list = make_list(result.fenced);
          consumer_->pause(*list);
        }
        for (const auto& tp : result.fenced) accepting_.erase(tp);
        update_lag();
        if (database_paused_) resume_after_database();
        break;
      case BatchStatus::unavailable:
        // Nothing more committed: its records go back in front of the batch in hand (they precede
        // them in every partition) and are applied again later; already applied ones are skipped.
        job->records.insert(job->records.end(), batch_.begin(), batch_.end());
        batch_ = std::move(job->records);
        for (auto& message : messages_) job->messages.push_back(std::move(message));
        messages_ = std::move(job->messages);
        batch_bytes_ += job->bytes;
        if (job->abandoned) break;  // rolled back for a lost assignment, not a database problem
        if (!database_paused_) {
          config_.log("database unavailable (" + result.error + "); pausing consumption, batch kept");
          pause_all();
          database_paused_ = true;
        }
        next_database_retry_ = std::chrono::steady_clock::now() + config_.database_retry_interval;
        break;
      case BatchStatus::stopped:
        fatal_error_ = result.error;
        break;
    }
  }

  // The DB thread: runs one batch at a time through the executor.
  void work() {
    std::unique_lock lock(worker_mutex_);
    for (;;) {
      worker_cv_.wait(lock, [&] { return worker_exit_ || worker_job_; });
      if (!worker_job_) return;  // exit, but only once a submitted batch has its outcome
      InFlight* job = worker_job_;
      worker_job_ = nullptr;
      lock.unlock();
      BatchResult result;
      std::exception_ptr error;
      try {
        result = run_batch(job->records);
      } catch (...) {
        error = std::current_exception();  // rethrown by complete_in_flight() on the run() thread
      }
      bool abandoned = result.status == BatchStatus::unavailable && abandon_.load();
      lock.lock();
      job->result = std::move(result);
      job->error = error;
      job->abandoned = abandoned;
      job->done = true;
      in_flight_finished_.store(true, std::memory_order_release);
      worker_cv_.notify_all();
    }
  }

  void pause_all() {
    std::vector<RdKafka::TopicPartition*> assigned;
    consumer_->assignment(assigned);
    consumer_->pause(assigned);
    RdKafka::TopicPartition::destroy(assigned);
  }

  void resume_after_database() {
    database_paused_ = false;
    config_.log("database back; resuming consumption");
    std::vector<TopicPartition> owned;
    for (const auto& tp : store_->owned())
      if (!pending_claim_.count(tp)) owned.push_back(tp);
    auto list = make_list(owned);
    consumer_->resume(*list);
  }

  void update_lag() {
    for (const auto& tp : store_->owned()) {
      const PartitionOwnership* own = store_->ownership(tp);
      if (!own || !own->next_offset) continue;
      std::int64_t low = 0, high = 0;
      if (consumer_->get_watermark_offsets(tp.topic, tp.partition, &low, &high) == RdKafka::ERR_NO_ERROR && high >= 0)
        executor_->metrics().set_lag(to_string(tp), std::max<std::int64_t>(0, high - *own->next_offset));
    }
  }

  SinkConfig config_;
  std::unique_ptr<SqlSession> session_;
  std::unique_ptr<OffsetStore> store_;
  std::unique_ptr<BatchExecutor> executor_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::atomic<bool> stop_requested_{false};
  std::string fatal_error_;

  std::vector<Record> batch_;
  std::vector<std::unique_ptr<RdKafka::Message>> messages_;
  std::size_t batch_bytes_ = 0;
  std::chrono::steady_clock::time_point batch_deadline_;
  std::set<std::string, std::less<>> topics_;  // stable storage for Record::topic
  std::map<TopicPartition, std::int64_t> last_added_;
  std::set<TopicPartition> accepting_;  // claimed and not fenced: records of these are batched

  bool database_paused_ = false;
  std::set<TopicPartition> pending_claim_;
  std::chrono::steady_clock::time_point next_database_retry_;

  // The pipeline: at most one batch on the DB thread. While in_flight_ is set, only the DB thread
  // touches the session, the offset store and the executor; this thread waits for it
  // (complete_in_flight) before it claims, releases or applies anything itself.
  struct InFlight {
    std::vector<Record> records;
    std::vector<std::unique_ptr<RdKafka::Message>> messages;
    std::size_t bytes = 0;
    BatchResult result;
    std::exception_ptr error;  // what run_batch() threw
    bool done = false;       // guarded by worker_mutex_
    bool abandoned = false;  // rolled back because the assignment was lost
  };
  std::unique_ptr<InFlight> in_flight_;
  std::atomic<bool> abandon_{false};  // the in-flight batch must not commit (assignment lost)
  std::atomic<bool> in_flight_finished_{false};  // = in_flight_->done, read without the mutex
  std::thread worker_;
  std::mutex worker_mutex_;
  std::condition_variable worker_cv_;
  InFlight* worker_job_ = nullptr;
  bool worker_exit_ = false;
};

Sink::Sink(SinkConfig config, BatchHandler handler)
    : Sink(config, open_session(config.database_url, config.session), std::move(handler)) {}

Sink::Sink(SinkConfig config, std::unique_ptr<SqlSession> session, BatchHandler handler)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(session), std::move(handler))) {}

Sink::~Sink() = default;
std::string Sink::run() { return impl_->run(); }
void Sink::stop() { impl_->stop(); }
MetricsSnapshot Sink::metrics() const { return impl_->metrics(); }
SqlSession& Sink::session() { return impl_->session(); }

}  // namespace eos
