// eos_db_bench: rows/s into one database for the ways of writing a Kafka sink.
//
//   eos_db_bench --database URL [--records N] [--value-bytes N] [--modes naive,multirow,load_data,framework]
//
//   naive      one transaction per record: SELECT the offset row FOR UPDATE, INSERT one row,
//              UPDATE the offset, COMMIT (the usual hand-written sink)
//   multirow   multi-row INSERTs of 1,000 rows, one transaction each, no offsets
//   load_data  LOAD DATA INFILE of a TSV file (MySQL/MariaDB only; the file is on this machine)
//   framework  eos::BatchExecutor: batches of --batch records through eos::map_rows, offsets
//              compare-and-set in the same transaction (exactly once), records from memory;
//              --insert-method insert (multi-row INSERTs of --rows-per-statement rows) or
//              load_data (LOAD DATA LOCAL INFILE streamed from memory, in the transaction)
// The end-to-end figure from refbroker is tests/bench/eos_sink_bench.py.
#include <eos/executor.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string database;
  std::int64_t records = 200000;
  std::int64_t naive_records = 20000;
  std::size_t value_bytes = 64;
  std::size_t batch = 10000;
  eos::InsertOptions insert;
  std::vector<std::string> modes{"naive", "multirow", "load_data", "framework"};
};

void reset_table(eos::SqlSession& s) {
  s.execute_sql("DROP TABLE IF EXISTS bench_events");
  if (s.dialect() == eos::Dialect::mysql)
    s.execute_sql(
        "CREATE TABLE bench_events (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, topic VARCHAR(249) NOT NULL,"
        " partition_id INT NOT NULL, record_offset BIGINT NOT NULL, record_key VARBINARY(1024) NULL,"
        " record_value MEDIUMBLOB NULL, record_timestamp BIGINT NULL, KEY source_record (topic, partition_id, record_offset))"
        " ENGINE=InnoDB");
  else
    s.execute_sql(
        "CREATE TABLE bench_events (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition_id INTEGER NOT NULL,"
        " record_offset BIGINT NOT NULL, record_key BLOB, record_value BLOB, record_timestamp BIGINT)");
  eos::OffsetStore("bench", "bench").create_schema(s);
  s.execute_sql("DELETE FROM eos_offsets");
}

std::string value_of(std::int64_t i, std::size_t bytes) {
  std::string v = "value-" + std::to_string(i) + "-";
  v.resize(bytes, 'x');
  return v;
}

double report(const std::string& mode, std::int64_t rows, Clock::time_point started) {
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  double rate = rows / seconds;
  std::printf("%-22s %9lld rows %8.2f s %10.0f rows/s\n", mode.c_str(), static_cast<long long>(rows), seconds, rate);
  std::fflush(stdout);
  return rate;
}

void naive(eos::SqlSession& s, const Options& o) {
  s.execute("INSERT INTO eos_offsets (group_id, topic, partition_id, next_offset, owner_epoch, owner_id) "
            "VALUES ('bench', 'events', 0, 0, 1, 'bench')");
  auto started = Clock::now();
  for (std::int64_t i = 0; i < o.naive_records; ++i) {
    s.begin();
    auto row = s.query_sql("SELECT next_offset FROM eos_offsets WHERE group_id = 'bench' AND topic = 'events' "
                           "AND partition_id = 0" + std::string(s.dialect() == eos::Dialect::mysql ? " FOR UPDATE" : ""));
    std::int64_t next = eos::as_int(row.at(0).at(0));
    s.execute("INSERT INTO bench_events (topic, partition_id, record_offset, record_key, record_value, record_timestamp) "
              "VALUES ('events', 0, ?, ?, ?, ?)",
              {next, eos::Blob{std::to_string(i)}, eos::Blob{value_of(i, o.value_bytes)}, std::int64_t{1700000000000}});
    s.execute("UPDATE eos_offsets SET next_offset = ? WHERE group_id = 'bench' AND topic = 'events' AND partition_id = 0",
              {next + 1});
    s.commit();
  }
  report("naive", o.naive_records, started);
}

void multirow(eos::SqlSession& s, const Options& o) {
  eos::MultiRowInsert insert(s, "bench_events",
                             {"topic", "partition_id", "record_offset", "record_key", "record_value", "record_timestamp"});
  auto started = Clock::now();
  for (std::int64_t i = 0; i < o.records; i += 1000) {
    s.begin();
    for (std::int64_t j = i; j < std::min(o.records, i + 1000); ++j)
      insert.add_row("events", 0, j, eos::Blob{std::to_string(j)}, eos::Blob{value_of(j, o.value_bytes)},
                     std::int64_t{1700000000000});
    insert.flush();
    s.commit();
  }
  report("multirow", o.records, started);
}

void load_data(eos::SqlSession& s, const Options& o) {
  if (s.dialect() != eos::Dialect::mysql) {
    std::printf("load_data  (MySQL/MariaDB only)\n");
    return;
  }
  auto path = std::filesystem::temp_directory_path() / ("eos-bench-" + std::to_string(::getpid()) + ".tsv");
  auto started = Clock::now();
  {
    std::ofstream file(path);
    for (std::int64_t i = 0; i < o.records; ++i)
      file << "events\t0\t" << i << '\t' << i << '\t' << value_of(i, o.value_bytes) << "\t1700000000000\n";
  }
  s.execute("LOAD DATA INFILE ? INTO TABLE bench_events (topic, partition_id, record_offset, record_key, record_value, "
            "record_timestamp)",
            {path.string()});
  report("load_data", o.records, started);
  std::filesystem::remove(path);
}

void framework(eos::SqlSession& s, const Options& o) {
  std::vector<std::string> keys, values;
  keys.reserve(o.records);
  values.reserve(o.records);
  for (std::int64_t i = 0; i < o.records; ++i) {
    keys.push_back(std::to_string(i));
    values.push_back(value_of(i, o.value_bytes));
  }
  eos::OffsetStore store("bench", "bench");
  auto handler = eos::map_rows(
      "bench_events", {"topic", "partition_id", "record_offset", "record_key", "record_value", "record_timestamp"},
      [](const eos::Record& r) {
        return std::tuple{r.topic, r.partition, r.offset, eos::BlobView{*r.key}, eos::BlobView{*r.value}, r.timestamp};
      },
      o.insert);
  eos::BatchExecutor executor(s, store, handler);
  std::vector<eos::TopicPartition> tps{{"framework", 0}};
  executor.claim(tps);
  auto started = Clock::now();
  std::vector<eos::Record> batch;
  for (std::int64_t i = 0; i < o.records; i += static_cast<std::int64_t>(o.batch)) {
    batch.clear();
    for (std::int64_t j = i; j < std::min(o.records, i + static_cast<std::int64_t>(o.batch)); ++j) {
      eos::Record r;
      r.topic = "framework";
      r.offset = j;
      r.key = keys[j];
      r.value = values[j];
      r.timestamp = 1700000000000;
      batch.push_back(r);
    }
    auto result = executor.run(batch);
    if (result.status != eos::BatchStatus::committed) throw std::runtime_error("batch: " + result.error);
  }
  report(o.insert.method == eos::InsertOptions::Method::load_data ? "framework (load_data)" : "framework", o.records,
         started);
  auto m = executor.metrics().snapshot();
  std::printf("           commit latency p50 %.1f ms, p99 %.1f ms, max %.1f ms (batches of %zu)\n",
              m.commit_latency_p50_ms, m.commit_latency_p99_ms, m.commit_latency_max_ms, o.batch);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string name = argv[i], value = argv[i + 1];
    if (name == "--database") o.database = value;
    else if (name == "--records") o.records = std::stoll(value);
    else if (name == "--naive-records") o.naive_records = std::stoll(value);
    else if (name == "--value-bytes") o.value_bytes = std::stoul(value);
    else if (name == "--batch") o.batch = std::stoul(value);
    else if (name == "--rows-per-statement") o.insert.rows_per_statement = std::stoul(value);
    else if (name == "--insert-method") {
      if (value != "insert" && value != "load_data") {
        std::cerr << "--insert-method is insert or load_data\n";
        return 2;
      }
      o.insert.method = value == "load_data" ? eos::InsertOptions::Method::load_data : eos::InsertOptions::Method::insert;
    }
    else if (name == "--modes") {
      o.modes.clear();
      std::stringstream list(value);
      for (std::string m; std::getline(list, m, ',');) o.modes.push_back(m);
    } else {
      std::cerr << "unknown option " << name << "\n";
      return 2;
    }
  }
  if (o.database.empty()) {
    std::cerr << "usage: eos_db_bench --database URL [--records N] [--naive-records N] [--value-bytes N] [--batch N]"
                 " [--modes naive,multirow,load_data,framework] [--insert-method insert|load_data] [--rows-per-statement N]\n";
    return 2;
  }
  try {
    auto session = eos::open_session(o.database);
    std::printf("%s, %zu-byte values\n", session->backend_name().c_str(), o.value_bytes);
    for (const auto& mode : o.modes) {
      reset_table(*session);
      if (mode == "naive") naive(*session, o);
      else if (mode == "multirow") multirow(*session, o);
      else if (mode == "load_data") load_data(*session, o);
      else if (mode == "framework") framework(*session, o);
      else throw std::invalid_argument("unknown mode " + mode);
    }
  } catch (const std::exception& e) {
    std::cerr << "eos_db_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
