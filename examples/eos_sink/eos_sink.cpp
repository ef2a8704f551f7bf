// eos_sink: a Kafka topic into a SQL table, exactly once.
//
//   eos_sink --brokers 127.0.0.1:9092 --topic events --group sink
//            [--database sqlite:sink.db | --database mysql://user:pw@host:3306/db] [--connector]
//            [--table sink_events] [--batch-records N] [--batch-bytes N] [--batch-ms N]
//            [--scope per_poll|per_partition] [--auto-offset-reset earliest|latest]
//            [--below-log-start stop|reset] [--poison dead_letter|stop] [--poison-value TEXT]
//            [--exit-when-idle SECONDS] [--metrics-interval SECONDS] [--instance-id ID]
//            [--lock-wait-timeout SECONDS] [--handler-delay-ms N]
//            [--insert-method insert|load_data] [--rows-per-statement N] [--pipeline true|false]
//            [-X consumer.property=value] [--config FILE]
//
// --config FILE reads the same options as `name = value` lines (without the dashes; # comments).
// Each record becomes one row (topic, partition_id, record_offset, record_key, record_value,
// record_timestamp) of the table, created if missing (see sql/). SIGINT/SIGTERM stop cleanly.
// --insert-method load_data sends each batch's rows as LOAD DATA LOCAL INFILE streamed from memory
// (MySQL/MariaDB through SOCI; INSERTs elsewhere), --rows-per-statement sizes the multi-row INSERTs,
// --pipeline false applies batches on the consuming thread (default: on a DB thread, overlapped).
// --exit-when-idle stops the sink once records have been applied and none came for that long.
// --handler-delay-ms slows every batch down (for tests that act mid-run). --poison-value TEXT makes records with exactly that value fail the handler (to exercise the
// dead-letter path). EOS_SINK_CRASH=before_commit:N|after_commit:N|mid_batch:N (environment)
// kills the process with SIGKILL at that point of the N-th batch, for the crash tests.
#include <eos/mysql_connector.h>
#include <eos/sink.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace {

eos::Sink* running_sink = nullptr;
void on_signal(int) {
  if (running_sink) running_sink->stop();
}

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "eos_sink: " << problem << "\n(see the comment at the top of examples/eos_sink/eos_sink.cpp)\n";
  std::exit(2);
}

struct Options {
  eos::SinkConfig sink;
  std::string table = "sink_events";
  bool connector = false;
  double exit_when_idle = 0;
  double metrics_interval = 0;
  std::optional<std::string> poison_value;
  int handler_delay_ms = 0;
  eos::InsertOptions insert;
};

void apply(Options& o, const std::string& name, const std::string& value) {
  auto number = [&] {
    try {
      return std::stoll(value);
    } catch (...) {
      usage("--" + name + " needs a number");
    }
  };
  if (name == "brokers") o.sink.brokers = value;
  else if (name == "topic") o.sink.topics.push_back(value);
  else if (name == "group") o.sink.group_id = value;
  else if (name == "database") o.sink.database_url = value;
  else if (name == "connector") o.connector = value != "false";
  else if (name == "table") o.table = value;
  else if (name == "batch-records") o.sink.batch_max_records = number();
  else if (name == "batch-bytes") o.sink.batch_max_bytes = number();
  else if (name == "batch-ms") o.sink.batch_max_time = std::chrono::milliseconds(number());
  else if (name == "scope")
    o.sink.scope = value == "per_partition" ? eos::BatchScope::per_partition : eos::BatchScope::per_poll;
  else if (name == "auto-offset-reset") o.sink.auto_offset_reset = value;
  else if (name == "below-log-start")
    o.sink.below_log_start = value == "reset" ? eos::BelowLogStartPolicy::reset_to_log_start : eos::BelowLogStartPolicy::stop;
  else if (name == "poison")
    o.sink.executor.poison_policy = value == "stop" ? eos::PoisonPolicy::stop : eos::PoisonPolicy::dead_letter;
  else if (name == "poison-value") o.poison_value = value;
  else if (name == "exit-when-idle") o.exit_when_idle = std::stod(value);
  else if (name == "metrics-interval") o.metrics_interval = std::stod(value);
  else if (name == "instance-id") o.sink.instance_id = value;
  else if (name == "lock-wait-timeout") o.sink.session.lock_wait_timeout_seconds = static_cast<int>(number());
  else if (name == "handler-delay-ms") o.handler_delay_ms = static_cast<int>(number());
  else if (name == "insert-method") {
    if (value != "insert" && value != "load_data") usage("--insert-method is insert or load_data");
    o.insert.method = value == "load_data" ? eos::InsertOptions::Method::load_data : eos::InsertOptions::Method::insert;
  } else if (name == "rows-per-statement") o.insert.rows_per_statement = number();
  else if (name == "pipeline") o.sink.pipeline = value != "false";
  else if (name == "X") {
    auto eq = value.find('=');
    if (eq == std::string::npos) usage("-X needs property=value");
    o.sink.consumer_properties[value.substr(0, eq)] = value.substr(eq + 1);
  } else usage("unknown option " + name);
}

void read_config_file(Options& o, const std::string& path) {
  std::ifstream file(path);
  if (!file) usage("cannot read " + path);
  std::string line;
  while (std::getline(file, line)) {
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t\r") + 1);
      return s;
    };
    std::string name = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (name == "X" || name.find('.') != std::string::npos) {
      // Consumer properties may be given directly: session.timeout.ms = 6000
      apply(o, "X", name == "X" ? value : name + "=" + value);
    } else {
      apply(o, name, value);
    }
  }
}

std::string create_table_sql(eos::Dialect dialect, const std::string& table) {
  eos::SqlRenderer r{dialect, false};
  if (dialect == eos::Dialect::mysql)
    return "CREATE TABLE IF NOT EXISTS " + r.identifier(table) +
           " (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, topic VARCHAR(249) NOT NULL, partition_id INT NOT NULL,"
           " record_offset BIGINT NOT NULL, record_key VARBINARY(1024) NULL, record_value MEDIUMBLOB NULL,"
           " record_timestamp BIGINT NULL, KEY source_record (topic, partition_id, record_offset))"
           " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  return "CREATE TABLE IF NOT EXISTS " + r.identifier(table) +
         " (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, record_offset BIGINT NOT NULL,"
         " record_key BLOB, record_value BLOB, record_timestamp BIGINT)";
}

// Test hook: SIGKILL at a chosen point of the N-th batch (EOS_SINK_CRASH=point:N).
class CrashingSession : public eos::SqlSession {
 public:
  CrashingSession(std::unique_ptr<eos::SqlSession> inner, std::string point, int batch)
      : inner_(std::move(inner)), point_(std::move(point)), crash_batch_(batch) {}
  eos::SqlRenderer renderer() const override { return inner_->renderer(); }
  std::string backend_name() const override { return inner_->backend_name(); }
  void begin() override {
    ++batches_;
    inner_->begin();
  }
  void commit() override {
    if (batches_ == crash_batch_ && point_ == "before_commit") die();
    inner_->commit();
    if (batches_ == crash_batch_ && point_ == "after_commit") die();
  }
  void rollback() noexcept override { inner_->rollback(); }
  std::int64_t execute_sql(const std::string& sql) override {
    if (batches_ == crash_batch_ && point_ == "mid_batch" && sql.starts_with("INSERT")) die();
    return inner_->execute_sql(sql);
  }
  eos::SqlRows query_sql(const std::string& sql) override { return inner_->query_sql(sql); }
  void reconnect() override { inner_->reconnect(); }
  bool supports_load_local() const override { return inner_->supports_load_local(); }
  LoadResult load_local(const std::string& sql, std::string_view data) override {
    if (batches_ == crash_batch_ && point_ == "mid_batch") die();
    return inner_->load_local(sql, data);
  }

 private:
  [[noreturn]] void die() {
    std::cerr << "eos_sink: EOS_SINK_CRASH " << point_ << " at batch " << batches_ << std::endl;
    ::kill(::getpid(), SIGKILL);
    std::abort();
  }
  std::unique_ptr<eos::SqlSession> inner_;
  std::string point_;
  int crash_batch_;
  int batches_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  o.sink.group_id = "eos-sink";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--connector") {
      o.connector = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") usage("help");
    std::string name = arg == "-X" ? "X" : arg.starts_with("--") ? arg.substr(2) : "";
    if (name.empty() || i + 1 >= argc) usage("bad argument " + arg);
    if (name == "config")
      read_config_file(o, argv[++i]);
    else
      apply(o, name, argv[++i]);
  }
  if (o.sink.brokers.empty() || o.sink.topics.empty()) usage("--brokers and --topic are required");

  try {
    // The database may still be starting (or down): keep trying for a minute.
    std::unique_ptr<eos::SqlSession> session;
    for (int attempt = 0;; ++attempt) {
      try {
        session = o.connector ? eos::open_connector_session(o.sink.database_url, o.sink.session)
                              : eos::open_session(o.sink.database_url, o.sink.session);
        session->execute_sql(create_table_sql(session->dialect(), o.table));
        break;
      } catch (const eos::SqlError& e) {
        if (e.kind() != eos::SqlErrorKind::connection_lost || attempt >= 120) throw;
        if (attempt == 0) std::cerr << "eos_sink: waiting for the database: " << e.what() << std::endl;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
    if (const char* crash = std::getenv("EOS_SINK_CRASH")) {
      std::string spec = crash;
      auto colon = spec.find(':');
      session = std::make_unique<CrashingSession>(std::move(session), spec.substr(0, colon),
                                                  colon == std::string::npos ? 1 : std::stoi(spec.substr(colon + 1)));
    }
    auto poison = o.poison_value;
    auto to_row = eos::map_rows(
        o.table, {"topic", "partition_id", "record_offset", "record_key", "record_value", "record_timestamp"},
        [](const eos::Record& r) {
          return std::tuple{r.topic, r.partition, r.offset,
                            r.key ? std::optional<eos::BlobView>(eos::BlobView{*r.key}) : std::nullopt,
                            r.value ? std::optional<eos::BlobView>(eos::BlobView{*r.value}) : std::nullopt,
                            r.timestamp >= 0 ? std::optional<std::int64_t>(r.timestamp) : std::nullopt};
        },
        o.insert);
    int delay_ms = o.handler_delay_ms;
    eos::BatchHandler handler = [to_row, poison, delay_ms](std::span<const eos::Record> records, eos::Transaction& tx) {
      if (poison)
        for (std::size_t i = 0; i < records.size(); ++i)
          if (records[i].value == *poison) throw eos::RecordError(i, "poison record (value " + *poison + ")");
      to_row(records, tx);
      tx.flush();
      if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    };

    std::atomic<std::int64_t> last_records{-1};
    eos::Sink sink(o.sink, std::move(session), handler);
    running_sink = &sink;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::atomic<bool> done{false};
    // Watches progress: metrics lines and the idle exit.
    std::thread watcher([&] {
      auto last_change = std::chrono::steady_clock::now();
      auto last_print = last_change;
      auto previous = sink.metrics();
      while (!done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto now = std::chrono::steady_clock::now();
        auto m = sink.metrics();
        if (static_cast<std::int64_t>(m.records + m.dead_letters) != last_records) {
          last_records = m.records + m.dead_letters;
          last_change = now;
        }
        if (last_records <= 0) last_change = now;  // idle counts only once something was applied
        if (o.metrics_interval > 0 && now - last_print >= std::chrono::duration<double>(o.metrics_interval)) {
          auto rates = eos::rates_between(previous, m);
          std::cerr << "eos_sink: records " << m.records << " (" << static_cast<long>(rates.records_per_second)
                    << "/s) rows/s " << static_cast<long>(rates.rows_per_second) << " batches " << m.batches
                    << " commit p50/p99 " << m.commit_latency_p50_ms << "/" << m.commit_latency_p99_ms << " ms"
                    << " retries " << m.transient_retries << " reconnects " << m.reconnects << " dead letters "
                    << m.dead_letters << std::endl;
          previous = m;
          last_print = now;
        }
        if (o.exit_when_idle > 0 && now - last_change >= std::chrono::duration<double>(o.exit_when_idle)) {
          sink.stop();
          break;
        }
      }
    });
    std::string error = sink.run();
    done = true;
    watcher.join();
    running_sink = nullptr;
    auto m = sink.metrics();
    std::cout << "records " << m.records << " rows " << m.rows << " batches " << m.batches << " dead_letters "
              << m.dead_letters << " retries " << m.transient_retries << " reconnects " << m.reconnects << std::endl;
    if (!error.empty()) {
      std::cerr << "eos_sink: stopped: " << error << std::endl;
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "eos_sink: " << e.what() << std::endl;
    return 1;
  }
}
