// One contract for every SqlSession backend: SQLite (SOCI), MariaDB through SOCI and MariaDB
// through MySQL Connector/C++. The MariaDB suites start a private server (tests/support).
#include <gtest/gtest.h>

#include "eos/executor.h"
#include "eos/mysql_connector.h"
#include "eos/offset_store.h"
#include "eos/sql.h"
#include "mariadb_server.h"

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <future>
#include <set>
#include <thread>

namespace {

using namespace std::chrono_literals;
using eos::Dialect;
using eos::Record;
using eos::SqlSession;
using eos::TopicPartition;

testing_support::MariaDbServer& mariadb() {
  static auto server = std::make_unique<testing_support::MariaDbServer>();
  return *server;
}

struct Backend {
  std::string name;
  bool mysql;
  // Opens a session on the named database of this test.
  std::function<std::unique_ptr<SqlSession>(const std::string& database, const eos::SessionOptions&)> open;
};
void PrintTo(const Backend& backend, std::ostream* out) { *out << backend.name; }

std::string sqlite_path(const std::string& database) {
  return (std::filesystem::temp_directory_path() / ("eos-contract-" + database + ".db")).string();
}

Backend sqlite_backend() {
  return {"Sqlite", false, [](const std::string& database, const eos::SessionOptions& options) {
            return eos::open_session("sqlite:" + sqlite_path(database), options);
          }};
}
Backend soci_mariadb_backend() {
  return {"SociMariaDb", true, [](const std::string& database, const eos::SessionOptions& options) {
            return eos::open_session(mariadb().url(database), options);
          }};
}
Backend connector_mariadb_backend() {
  return {"ConnectorMariaDb", true, [](const std::string& database, const eos::SessionOptions& options) {
            return eos::open_connector_session(mariadb().url(database), options);
          }};
}

// Forwards to a real session; injects faults around COMMIT.
class FaultySession : public SqlSession {
 public:
  explicit FaultySession(std::unique_ptr<SqlSession> inner) : inner_(std::move(inner)) {}
  enum class CommitFault { none, reply_lost, request_lost };
  CommitFault next_commit_fault = CommitFault::none;
  std::function<void(SqlSession& inner)> before_commit;  // one-shot

  eos::SqlRenderer renderer() const override { return inner_->renderer(); }
  std::string backend_name() const override { return inner_->backend_name(); }
  void begin() override { inner_->begin(); }
  void commit() override {
    if (auto hook = std::exchange(before_commit, nullptr)) hook(*inner_);
    switch (std::exchange(next_commit_fault, CommitFault::none)) {
      case CommitFault::none:
        inner_->commit();
        return;
      case CommitFault::reply_lost:  // the server committed; the client never heard back
        inner_->commit();
        throw eos::SqlError(eos::SqlErrorKind::connection_lost, 2013, "injected: lost reply to COMMIT");
      case CommitFault::request_lost:  // the COMMIT never arrived; the server rolls back
        inner_->rollback();
        throw eos::SqlError(eos::SqlErrorKind::connection_lost, 2013, "injected: lost COMMIT");
    }
  }
  void rollback() noexcept override { inner_->rollback(); }
  std::int64_t execute_sql(const std::string& sql) override { return inner_->execute_sql(sql); }
  eos::SqlRows query_sql(const std::string& sql) override { return inner_->query_sql(sql); }
  void reconnect() override {
    ++reconnects;
    inner_->reconnect();
  }
  int reconnects = 0;
  SqlSession& inner() { return *inner_; }

 private:
  std::unique_ptr<SqlSession> inner_;
};

class EosContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    database_ = "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (backend().mysql) {
      mariadb().create_database(database_);
    } else {
      std::filesystem::remove(sqlite_path(database_));
    }
    admin_ = open();
    eos::OffsetStore("setup", "setup").create_schema(*admin_);
    if (mysql()) {
      admin_->execute_sql(
          "CREATE TABLE events (id BIGINT AUTO_INCREMENT PRIMARY KEY, topic VARCHAR(249) NOT NULL, "
          "partition_id INT NOT NULL, record_offset BIGINT NOT NULL, payload TEXT) ENGINE=InnoDB");
    } else {
      admin_->execute_sql(
          "CREATE TABLE events (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, partition_id INTEGER NOT NULL, "
          "record_offset BIGINT NOT NULL, payload TEXT)");
    }
  }
  void TearDown() override {
    admin_.reset();
    if (backend().mysql) {
      try {
        mariadb().sql("DROP DATABASE IF EXISTS `" + database_ + "`");
      } catch (...) {
      }
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(sqlite_path(database_) + suffix);
    }
  }

  const Backend& backend() const { return GetParam(); }
  bool mysql() const { return backend().mysql; }
  std::unique_ptr<SqlSession> open(eos::SessionOptions options = {}) { return backend().open(database_, options); }

  // Records of one partition whose payloads this fixture owns.
  std::vector<Record> records(const std::string& topic, int partition, std::int64_t from, int count,
                              const std::string& payload_prefix = "v") {
    std::vector<Record> out;
    for (int i = 0; i < count; ++i) {
      payloads_.push_back(payload_prefix + std::to_string(from + i));
      topics_.push_back(topic);
      Record r;
      r.topic = topics_.back();
      r.partition = partition;
      r.offset = from + i;
      r.value = payloads_.back();
      r.key = payloads_.back();
      r.timestamp = 1700000000000 + from + i;
      out.push_back(r);
    }
    return out;
  }

  static eos::BatchHandler events_handler() {
    return eos::map_rows("events", {"topic", "partition_id", "record_offset", "payload"}, [](const Record& r) {
      return std::tuple{r.topic, r.partition, r.offset, r.value.value_or("")};
    });
  }

  std::int64_t scalar(const std::string& sql) {
    auto rows = admin_->query_sql(sql);
    return rows.empty() || eos::is_null(rows[0][0]) ? -1 : eos::as_int(rows[0][0]);
  }
  std::int64_t event_count() { return scalar("SELECT COUNT(*) FROM events"); }
  std::int64_t duplicate_count() {
    return scalar(
        "SELECT COUNT(*) FROM (SELECT topic, partition_id, record_offset, COUNT(*) AS c FROM events "
        "GROUP BY topic, partition_id, record_offset HAVING COUNT(*) > 1) d");
  }
  std::optional<std::int64_t> stored_next(const std::string& group, const TopicPartition& tp) {
    auto rows = admin_->query("SELECT next_offset FROM eos_offsets WHERE group_id = ? AND topic = ? AND partition_id = ?",
                              {group, tp.topic, std::int64_t{tp.partition}});
    if (rows.empty()) return std::nullopt;
    return eos::as_optional_int(rows[0][0]);
  }

  eos::ExecutorOptions fast_options() {
    eos::ExecutorOptions o;
    o.retry_backoff_initial = 1ms;
    o.retry_backoff_max = 50ms;
    o.reconnect_backoff_initial = 20ms;
    o.reconnect_backoff_max = 200ms;
    o.reconnect_window = 1s;
    return o;
  }

  std::string database_;
  std::unique_ptr<SqlSession> admin_;
  std::deque<std::string> payloads_, topics_;
};

TEST_P(EosContract, BulkInsertRoundTripsNastyValuesInMultiRowStatements) {
  if (mysql()) {
    admin_->execute_sql(
        "CREATE TABLE nasty (id INT PRIMARY KEY, s TEXT, b LONGBLOB, i BIGINT, d DOUBLE) "
        "DEFAULT CHARSET=utf8mb4");
  } else {
    admin_->execute_sql("CREATE TABLE nasty (id INTEGER PRIMARY KEY, s TEXT, b BLOB, i BIGINT, d DOUBLE)");
  }
  std::vector<std::string> strings = {"plain", "it's", "back\\slash", "trailing\\", "\\'", "''", "?", ":name",
                                      "-- comment", "/* c */", "line\nbreak\ttab\r", "ünïcødé ✓ 😀", "\"dq\"", "`bt`",
                                      "\x1a", ""};
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  auto session = open();
  eos::InsertOptions options;
  options.rows_per_statement = 1000;
  eos::MultiRowInsert insert(*session, "nasty", {"id", "s", "b", "i", "d"}, options);
  session->begin();
  const int rows = 2500;
  for (int id = 0; id < rows; ++id) {
    const std::string& s = strings[id % strings.size()];
    std::optional<std::int64_t> i;
    if (id % 3) i = id % 2 ? std::numeric_limits<std::int64_t>::max() - id : std::numeric_limits<std::int64_t>::min() + id;
    insert.add_row(id, s, eos::BlobView{all_bytes}, i, id / 7.0);
  }
  insert.flush();
  session->commit();
  EXPECT_EQ(insert.statements_executed(), 3);  // 1000 + 1000 + 500: one statement per chunk
  EXPECT_EQ(insert.rows_written(), rows);
  auto back = admin_->query_sql("SELECT id, s, b, i, d FROM nasty ORDER BY id");
  ASSERT_EQ(back.size(), static_cast<std::size_t>(rows));
  for (int id = 0; id < rows; ++id) {
    const auto& row = back[id];
    ASSERT_EQ(eos::as_int(row[0]), id);
    EXPECT_EQ(eos::as_string(row[1]), strings[id % strings.size()]) << "row " << id;
    EXPECT_EQ(eos::as_string(row[2]), all_bytes) << "row " << id;
    if (id % 3) {
      EXPECT_EQ(eos::as_int(row[3]),
                id % 2 ? std::numeric_limits<std::int64_t>::max() - id : std::numeric_limits<std::int64_t>::min() + id);
    } else {
      EXPECT_TRUE(eos::is_null(row[3]));
    }
    EXPECT_DOUBLE_EQ(std::get<double>(row[4]), id / 7.0);
  }
}

// InsertOptions::Method::load_data: LOAD DATA LOCAL streamed from memory where the session has it
// (SOCI on MariaDB), multi-row INSERTs elsewhere; the same bytes come back either way.
TEST_P(EosContract, LoadDataRoundTripsNastyValuesInsideTheTransaction) {
  if (mysql()) {
    admin_->execute_sql("CREATE TABLE nasty (id INT PRIMARY KEY, s TEXT, b LONGBLOB, i BIGINT, d DOUBLE) "
                        "DEFAULT CHARSET=utf8mb4");
  } else {
    admin_->execute_sql("CREATE TABLE nasty (id INTEGER PRIMARY KEY, s TEXT, b BLOB, i BIGINT, d DOUBLE)");
  }
  std::vector<std::string> strings = {"plain", "tab\there", "new\nline", "back\\slash", "\\N", "\\", "it's",
                                      "ünïcødé ✓ 😀", "cr\r", ""};
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  auto session = open();
  eos::InsertOptions options;
  options.method = eos::InsertOptions::Method::load_data;
  options.max_load_bytes = 200000;
  eos::MultiRowInsert insert(*session, "nasty", {"id", "s", "b", "i", "d"}, options);
  EXPECT_EQ(insert.loading(), session->supports_load_local());
  EXPECT_EQ(session->supports_load_local(), backend().name == std::string("SociMariaDb"));
  session->begin();
  const int rows = 1500;
  for (int id = 0; id < rows; ++id) {
    std::optional<std::int64_t> i;
    if (id % 3) i = id % 2 ? std::numeric_limits<std::int64_t>::max() - id : std::numeric_limits<std::int64_t>::min() + id;
    insert.add_row(id, strings[id % strings.size()], eos::BlobView{all_bytes}, i, id / 7.0);
  }
  insert.flush();
  if (insert.loading()) EXPECT_EQ(insert.statements_executed(), 3);  // ~470,000 bytes in chunks of >= 200,000
  EXPECT_EQ(insert.rows_written(), rows);
  session->rollback();  // transactional: nothing stays
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM nasty"), 0);
  session->begin();
  for (int id = 0; id < rows; ++id) {
    std::optional<std::int64_t> i;
    if (id % 3) i = id % 2 ? std::numeric_limits<std::int64_t>::max() - id : std::numeric_limits<std::int64_t>::min() + id;
    insert.add_row(id, strings[id % strings.size()], eos::BlobView{all_bytes}, i, id / 7.0);
  }
  insert.flush();
  session->commit();
  auto back = admin_->query_sql("SELECT id, s, b, i, d FROM nasty ORDER BY id");
  ASSERT_EQ(back.size(), static_cast<std::size_t>(rows));
  for (int id = 0; id < rows; ++id) {
    const auto& row = back[id];
    ASSERT_EQ(eos::as_int(row[0]), id);
    EXPECT_EQ(eos::as_string(row[1]), strings[id % strings.size()]) << "row " << id;
    EXPECT_EQ(eos::as_string(row[2]), all_bytes) << "row " << id;
    if (id % 3) {
      EXPECT_EQ(eos::as_int(row[3]),
                id % 2 ? std::numeric_limits<std::int64_t>::max() - id : std::numeric_limits<std::int64_t>::min() + id);
    } else {
      EXPECT_TRUE(eos::is_null(row[3])) << "row " << id;
    }
    EXPECT_DOUBLE_EQ(std::get<double>(row[4]), id / 7.0);
  }
}

// LOAD DATA LOCAL turns duplicate keys and bad values into warnings; they fail the chunk like
// the INSERT would, so the executor's poison handling works the same for both methods.
TEST_P(EosContract, LoadDataFailsOnDuplicatesAndBadValuesLikeInserts) {
  if (mysql()) {
    admin_->execute_sql("CREATE TABLE small (id INT PRIMARY KEY, code VARCHAR(3) NOT NULL) ENGINE=InnoDB");
  } else {
    admin_->execute_sql("CREATE TABLE small (id INTEGER PRIMARY KEY, code TEXT NOT NULL CHECK (length(code) <= 3))");
  }
  auto session = open();
  eos::InsertOptions options;
  options.method = eos::InsertOptions::Method::load_data;
  {
    eos::MultiRowInsert insert(*session, "small", {"id", "code"}, options);
    session->begin();
    insert.add_row(1, "a");
    insert.add_row(1, "b");
    try {
      insert.flush();
      FAIL() << "duplicate key accepted";
    } catch (const eos::SqlError& e) {
      EXPECT_EQ(e.kind(), eos::SqlErrorKind::constraint) << e.what();
    }
    session->rollback();
  }
  if (mysql()) {  // SQLite's CHECK is a constraint error, MariaDB's too long value a data error
    eos::MultiRowInsert insert(*session, "small", {"id", "code"}, options);
    session->begin();
    insert.add_row(2, "toolong");
    try {
      insert.flush();
      FAIL() << "truncated value accepted";
    } catch (const eos::SqlError& e) {
      EXPECT_EQ(e.kind(), eos::SqlErrorKind::data) << e.what();
    }
    session->rollback();
  }
  options.on_duplicate = eos::InsertOptions::OnDuplicate::ignore;
  eos::MultiRowInsert ignoring(*session, "small", {"id", "code"}, options);
  session->begin();
  ignoring.add_row(3, "c");
  ignoring.add_row(3, "d");
  ignoring.flush();
  session->commit();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM small"), 1);
  // Through the executor: a handler whose chunk fails is retried, then its record dead-lettered.
  eos::OffsetStore store("g", "a");
  eos::ExecutorOptions o = fast_options();
  o.poison_max_attempts = 2;
  eos::BatchExecutor executor(*session, store,
                              eos::map_rows("small", {"id", "code"},
                                            [](const Record& r) { return std::tuple{r.offset, r.value.value_or("")}; },
                                            [] {
                                              eos::InsertOptions load;
                                              load.method = eos::InsertOptions::Method::load_data;
                                              return load;
                                            }()),
                              o);
  TopicPartition tp{"codes", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("codes", 0, 10, 3, "x");  // ids 10, 11, 12 with codes x10, x11, x12
  admin_->execute_sql("INSERT INTO small (id, code) VALUES (12, 'old')");  // record 12 collides
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.committed_records, 2u);
  EXPECT_EQ(result.dead_lettered, 1u);
  EXPECT_EQ(stored_next("g", tp), 13);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM eos_dead_letters WHERE record_offset = 12"), 1);
}

TEST_P(EosContract, ParametersAreBoundAsLiterals) {
  auto rows = admin_->query("SELECT ?, ?, ?, ?", {std::int64_t{-5}, std::string("a'b\\c?"), eos::SqlValue{}, 1.5});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(eos::as_int(rows[0][0]), -5);
  EXPECT_EQ(eos::as_string(rows[0][1]), "a'b\\c?");
  EXPECT_TRUE(eos::is_null(rows[0][2]));
}

TEST_P(EosContract, ClaimCreatesMissingRowsAndRaisesEpochsInOneQuery) {
  auto session = open();
  eos::OffsetStore store("g", "owner-1");
  std::vector<TopicPartition> tps{{"orders", 0}, {"orders", 2}, {"users", 1}};
  auto first = store.claim(*session, tps);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& s : first) {
    EXPECT_FALSE(s.next_offset.has_value()) << "no offset stored yet: start from auto.offset.reset";
    EXPECT_EQ(s.owner_epoch, 1);
    EXPECT_EQ(s.owner_id, "owner-1");
  }
  eos::OffsetStore other("g", "owner-2");
  auto second = other.claim(*session, std::vector<TopicPartition>{{"orders", 2}, {"orders", 3}});
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].tp, (TopicPartition{"orders", 2}));
  EXPECT_EQ(second[0].owner_epoch, 2);
  EXPECT_EQ(second[1].owner_epoch, 1);
  // Another group is independent.
  eos::OffsetStore group2("g2", "owner-3");
  EXPECT_EQ(group2.claim(*session, std::vector<TopicPartition>{{"orders", 2}})[0].owner_epoch, 1);
}

TEST_P(EosContract, BatchCommitsRowsAndNextOffsetTogether) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(*session, store, events_handler(), fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("orders", 0, 0, 10);
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.committed_records, 10u);
  EXPECT_EQ(stored_next("g", tp), 10) << "next offset to read = last applied + 1";
  // Redelivery of what was applied is skipped, not applied twice.
  auto again = executor.run(batch);
  EXPECT_EQ(again.status, eos::BatchStatus::committed);
  EXPECT_EQ(again.skipped_records, 10u);
  auto overlap = records("orders", 0, 5, 10);
  EXPECT_EQ(executor.run(overlap).committed_records, 5u);
  EXPECT_EQ(event_count(), 15);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 15);
  auto m = executor.metrics().snapshot();
  EXPECT_EQ(m.records, 15u);
  EXPECT_EQ(m.rows, 15u);
  EXPECT_EQ(m.batches, 2u);
  // A new owner resumes from the stored offset.
  eos::OffsetStore next_owner("g", "b");
  auto claimed = next_owner.claim(*session, std::vector{tp});
  EXPECT_EQ(claimed[0].next_offset, 15);
}

// The sink's DB thread runs a batch while the consuming thread learns that the assignment is lost:
// the abandon flag, set mid-transaction, makes the transaction roll back instead of committing.
TEST_P(EosContract, AbandonedBatchRollsBackInsteadOfCommitting) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  std::atomic<bool> abandon{false};
  auto rows = events_handler();
  eos::BatchExecutor executor(*session, store,
                              [&](std::span<const Record> records, eos::Transaction& tx) {
                                rows(records, tx);
                                tx.flush();
                                abandon = true;  // as if the rebalance callback fired now
                              },
                              fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("orders", 0, 0, 10);
  auto result = executor.run(batch, &abandon);
  EXPECT_EQ(result.status, eos::BatchStatus::unavailable);
  EXPECT_NE(result.error.find("abandoned"), std::string::npos) << result.error;
  EXPECT_EQ(result.committed_records, 0u);
  EXPECT_EQ(event_count(), 0) << "the rows rolled back with the offsets";
  EXPECT_FALSE(stored_next("g", tp).has_value());
  // Already set before the run: nothing is even tried.
  result = executor.run(batch, &abandon);
  EXPECT_EQ(result.status, eos::BatchStatus::unavailable);
  // The same records again without the flag (the partition is still ours here): exactly once.
  result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(event_count(), 10);
  EXPECT_EQ(stored_next("g", tp), 10);
}

TEST_P(EosContract, ZombieWithOlderEpochCannotCommit) {
  auto session_a = open();
  auto session_b = open();
  eos::OffsetStore store_a("g", "a"), store_b("g", "b");
  eos::BatchExecutor a(*session_a, store_a, events_handler(), fast_options());
  eos::BatchExecutor b(*session_b, store_b, events_handler(), fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(a.claim(std::vector{tp}));
  ASSERT_EQ(a.run(records("orders", 0, 0, 5)).status, eos::BatchStatus::committed);
  // b takes the partition over (a was paused past its session timeout); a comes back.
  ASSERT_TRUE(b.claim(std::vector{tp}));
  auto zombie = a.run(records("orders", 0, 5, 5));
  EXPECT_EQ(zombie.status, eos::BatchStatus::fenced);
  EXPECT_EQ(zombie.fenced, std::vector{tp});
  EXPECT_EQ(event_count(), 5) << "the zombie's rows were rolled back";
  EXPECT_EQ(b.run(records("orders", 0, 5, 5)).status, eos::BatchStatus::committed);
  EXPECT_EQ(event_count(), 10);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 10);
  EXPECT_GE(a.metrics().snapshot().fenced, 1u);
  // The zombie stays fenced for later batches too.
  EXPECT_EQ(a.run(records("orders", 0, 10, 1)).status, eos::BatchStatus::fenced);
}

TEST_P(EosContract, ZombieFencedWhileItsTransactionIsOpen) {
  if (!mysql()) GTEST_SKIP() << "SQLite has one writer: a claim cannot overlap an open batch";
  auto session_a = open();
  auto session_b = open();
  eos::OffsetStore store_a("g", "a"), store_b("g", "b");
  TopicPartition tp{"orders", 0};
  bool claimed_midway = false;
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    events_handler()(batch, tx);
    if (!claimed_midway) {  // the new owner claims while a's rows are written but not committed
      claimed_midway = true;
      store_b.claim(*session_b, std::vector{tp});
    }
  };
  eos::BatchExecutor a(*session_a, store_a, handler, fast_options());
  ASSERT_TRUE(a.claim(std::vector{tp}));
  auto result = a.run(records("orders", 0, 0, 5));
  EXPECT_EQ(result.status, eos::BatchStatus::fenced);
  EXPECT_EQ(event_count(), 0);
  EXPECT_EQ(stored_next("g", tp), std::nullopt);
}

TEST_P(EosContract, ConcurrentClaimsGetDistinctEpochs) {
  std::vector<TopicPartition> tps{{"t", 0}, {"t", 1}, {"t", 2}};
  constexpr int kClaimsPerOwner = 15;
  std::mutex mutex;
  std::map<TopicPartition, std::set<std::int64_t>> epochs;
  std::atomic<int> total{0};
  auto owner = [&](const std::string& name) {
    auto session = open();
    eos::OffsetStore store("g", name);
    eos::BatchExecutor executor(*session, store, events_handler(), fast_options());
    for (int i = 0; i < kClaimsPerOwner; ++i) {
      auto claimed = executor.claim(tps);
      ASSERT_TRUE(claimed.has_value());
      std::lock_guard lock(mutex);
      for (const auto& s : *claimed) EXPECT_TRUE(epochs[s.tp].insert(s.owner_epoch).second) << "epoch reused";
      ++total;
    }
  };
  std::thread first(owner, "x"), second(owner, "y");
  first.join();
  second.join();
  EXPECT_EQ(total, 2 * kClaimsPerOwner);
  for (const auto& tp : tps) {
    ASSERT_EQ(epochs[tp].size(), static_cast<std::size_t>(2 * kClaimsPerOwner));
    EXPECT_EQ(*epochs[tp].rbegin(), 2 * kClaimsPerOwner);
  }
}

TEST_P(EosContract, LockConflictIsRolledBackAndRetried) {
  eos::SessionOptions options;
  options.lock_wait_timeout_seconds = 1;
  options.sqlite_busy_timeout = 50ms;
  auto session = open(options);
  auto blocker = open();
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    events_handler()(batch, tx);
    tx.flush();  // rows written first: a retry without ROLLBACK would leave them twice
    if (mysql()) tx.execute("UPDATE counters SET v = v + 1 WHERE id = 1");
  };
  eos::OffsetStore store("g", "a");
  auto options_fast = fast_options();
  options_fast.retry_backoff_initial = 20ms;
  options_fast.retry_backoff_max = 100ms;
  eos::BatchExecutor executor(*session, store, handler, options_fast);
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  std::promise<void> holding;
  std::thread other;
  if (mysql()) {
    admin_->execute_sql("CREATE TABLE counters (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
    admin_->execute_sql("INSERT INTO counters VALUES (1, 0)");
    other = std::thread([&] {
      blocker->begin();
      blocker->execute_sql("UPDATE counters SET v = v + 100 WHERE id = 1");
      holding.set_value();
      std::this_thread::sleep_for(1600ms);  // past the 1 s lock wait timeout: one 1205 at least
      blocker->commit();
    });
  } else {
    other = std::thread([&] {
      blocker->begin();  // BEGIN IMMEDIATE: holds SQLite's write lock
      blocker->execute_sql("INSERT INTO events (topic, partition_id, record_offset) VALUES ('other', 0, 0)");
      holding.set_value();
      std::this_thread::sleep_for(400ms);
      blocker->commit();
    });
  }
  holding.get_future().wait();
  auto result = executor.run(records("orders", 0, 0, 20));
  other.join();
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_GE(executor.metrics().snapshot().transient_retries, 1u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM events WHERE topic = 'orders'"), 20);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 20);
  if (mysql()) {
    EXPECT_EQ(scalar("SELECT v FROM counters WHERE id = 1"), 101);
  }
}

TEST_P(EosContract, DeadlockIsRolledBackAndRetried) {
  if (!mysql()) GTEST_SKIP() << "SQLite takes the write lock at BEGIN IMMEDIATE: no deadlocks";
  admin_->execute_sql("CREATE TABLE counters (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB");
  admin_->execute_sql("CREATE TABLE ballast (id INT AUTO_INCREMENT PRIMARY KEY, v INT) ENGINE=InnoDB");
  admin_->execute_sql("INSERT INTO counters VALUES (1, 0), (2, 0)");
  auto session = open();
  auto rival = open();
  std::promise<void> rival_holds_2, handler_holds_1;
  auto handler_holds_1_future = handler_holds_1.get_future();
  std::atomic<bool> rival_error{false};
  std::thread rival_thread([&] {
    try {
      rival->begin();
      // Heavier than the batch, so InnoDB picks the batch as the deadlock victim.
      std::string ballast = "INSERT INTO ballast (v) VALUES (0)";
      for (int i = 0; i < 300; ++i) ballast += ",(0)";
      rival->execute_sql(ballast);
      rival->execute_sql("UPDATE counters SET v = v + 10 WHERE id = 2");
      rival_holds_2.set_value();
      handler_holds_1_future.wait();
      std::this_thread::sleep_for(300ms);  // the batch is now waiting for row 2
      rival->execute_sql("UPDATE counters SET v = v + 10 WHERE id = 1");  // closes the cycle
      rival->commit();
    } catch (const std::exception& e) {
      rival_error = true;
      rival->rollback();
    }
  });
  rival_holds_2.get_future().wait();
  int calls = 0;
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    events_handler()(batch, tx);
    tx.execute("UPDATE counters SET v = v + 1 WHERE id = 1");
    if (calls++ == 0) handler_holds_1.set_value();
    tx.execute("UPDATE counters SET v = v + 1 WHERE id = 2");
  };
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(*session, store, handler, fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto result = executor.run(records("orders", 0, 0, 20));
  rival_thread.join();
  ASSERT_FALSE(rival_error) << "InnoDB chose the rival as the victim";
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_GE(executor.metrics().snapshot().transient_retries, 1u);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(event_count(), 20);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(scalar("SELECT SUM(v) FROM counters"), 22);
  EXPECT_EQ(stored_next("g", tp), 20);
}

TEST_P(EosContract, CommitWhoseReplyWasLostIsResolvedAsCommitted) {
  FaultySession session(open());
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(session, store, events_handler(), fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  session.next_commit_fault = FaultySession::CommitFault::reply_lost;
  auto batch = records("orders", 0, 0, 10);
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.skipped_records, 10u) << "re-reading the offset row showed the commit happened";
  EXPECT_EQ(event_count(), 10);
  EXPECT_EQ(session.reconnects, 1);
  EXPECT_EQ(executor.metrics().snapshot().commit_unknown, 1u);
  EXPECT_EQ(executor.run(records("orders", 0, 10, 5)).committed_records, 5u);
  EXPECT_EQ(event_count(), 15);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 15);
}

TEST_P(EosContract, CommitThatNeverArrivedIsResolvedAndRetried) {
  FaultySession session(open());
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(session, store, events_handler(), fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  session.next_commit_fault = FaultySession::CommitFault::request_lost;
  auto result = executor.run(records("orders", 0, 0, 10));
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.committed_records, 10u);
  EXPECT_EQ(event_count(), 10);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 10);
}

TEST_P(EosContract, ConnectionKilledBeforeCommitIsReconnectedAndRetried) {
  if (!mysql()) GTEST_SKIP() << "needs a server to kill the connection";
  FaultySession session(open());
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(session, store, events_handler(), fast_options());
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  session.before_commit = [&](SqlSession& inner) {
    auto id = eos::as_int(inner.query_sql("SELECT CONNECTION_ID()")[0][0]);
    admin_->execute_sql("KILL CONNECTION " + std::to_string(id));
  };
  auto result = executor.run(records("orders", 0, 0, 10));
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_GE(session.reconnects, 1);
  EXPECT_EQ(executor.metrics().snapshot().commit_unknown, 1u);
  EXPECT_EQ(event_count(), 10);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), 10);
}

TEST_P(EosContract, PoisonRecordIsDeadLetteredWithItsOffset) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  int handler_calls = 0;
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    ++handler_calls;
    for (const auto& r : batch)
      if (r.value == "poison") throw std::runtime_error("cannot parse record");
    events_handler()(batch, tx);
  };
  auto options = fast_options();
  options.poison_max_attempts = 3;
  eos::BatchExecutor executor(*session, store, handler, options);
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("orders", 0, 0, 10);
  batch[4].value = "poison";
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.dead_lettered, 1u);
  EXPECT_EQ(result.committed_records, 9u);
  EXPECT_EQ(event_count(), 9);
  EXPECT_EQ(stored_next("g", tp), 10);
  auto dead = admin_->query_sql("SELECT topic, partition_id, record_offset, record_value, error_message, attempts "
                                "FROM eos_dead_letters");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(eos::as_int(dead[0][2]), 4);
  EXPECT_EQ(eos::as_string(dead[0][3]), "poison");
  EXPECT_EQ(eos::as_string(dead[0][4]), "cannot parse record");
  EXPECT_EQ(eos::as_int(dead[0][5]), 3);
  EXPECT_EQ(executor.metrics().snapshot().dead_letters, 1u);
  // Bounded: 3 whole-batch attempts, then one record per transaction (3 attempts for the poison).
  EXPECT_EQ(handler_calls, 3 + 9 + 3);
}

TEST_P(EosContract, RecordErrorNamesTheCulpritDirectly) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  int handler_calls = 0;
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    ++handler_calls;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (batch[i].value == "poison") throw eos::RecordError(i, "bad record");
    events_handler()(batch, tx);
  };
  auto options = fast_options();
  options.poison_max_attempts = 2;
  eos::BatchExecutor executor(*session, store, handler, options);
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("orders", 0, 100, 10);
  batch[7].value = "poison";
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::committed) << result.error;
  EXPECT_EQ(result.dead_lettered, 1u);
  EXPECT_EQ(handler_calls, 2 + 1 + 1);  // 2 failures, then the 7 before it, then the 2 after it
  EXPECT_EQ(event_count(), 9);
  EXPECT_EQ(scalar("SELECT record_offset FROM eos_dead_letters"), 107);
  EXPECT_EQ(stored_next("g", tp), 110);
}

TEST_P(EosContract, PoisonRecordStopsUnderStopPolicy) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  auto handler = [&](std::span<const Record> batch, eos::Transaction& tx) {
    for (const auto& r : batch)
      if (r.value == "poison") throw std::runtime_error("cannot parse record");
    events_handler()(batch, tx);
  };
  auto options = fast_options();
  options.poison_policy = eos::PoisonPolicy::stop;
  eos::BatchExecutor executor(*session, store, handler, options);
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  auto batch = records("orders", 0, 0, 10);
  batch[4].value = "poison";
  auto result = executor.run(batch);
  EXPECT_EQ(result.status, eos::BatchStatus::stopped);
  EXPECT_NE(result.error.find("orders[0]@4"), std::string::npos) << result.error;
  EXPECT_EQ(event_count(), 4) << "the records before the poison are applied";
  EXPECT_EQ(stored_next("g", tp), 4) << "and the poison record is the next to read";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM eos_dead_letters"), 0);
}

TEST_P(EosContract, SeveralPartitionsInOneTransaction) {
  auto session = open();
  eos::OffsetStore store("g", "a");
  eos::BatchExecutor executor(*session, store, events_handler(), fast_options());
  std::vector<TopicPartition> tps{{"orders", 0}, {"orders", 1}, {"users", 0}};
  ASSERT_TRUE(executor.claim(tps));
  std::vector<Record> batch;
  for (const auto& tp : tps) {
    auto part = records(tp.topic, tp.partition, 50, 7);
    batch.insert(batch.end(), part.begin(), part.end());
  }
  EXPECT_EQ(executor.run(batch).committed_records, 21u);
  for (const auto& tp : tps) EXPECT_EQ(stored_next("g", tp), 57);
  // One partition lost to another owner: the rest of the batch still commits.
  eos::OffsetStore thief("g", "b");
  thief.claim(*session, std::vector<TopicPartition>{{"users", 0}});
  std::vector<Record> next;
  for (const auto& tp : tps) {
    auto part = records(tp.topic, tp.partition, 57, 3);
    next.insert(next.end(), part.begin(), part.end());
  }
  auto result = executor.run(next);
  EXPECT_EQ(result.status, eos::BatchStatus::committed);
  EXPECT_EQ(result.committed_records, 6u);
  EXPECT_EQ(result.fenced, (std::vector<TopicPartition>{{"users", 0}}));
  EXPECT_EQ(stored_next("g", {"users", 0}), 57);
  EXPECT_EQ(stored_next("g", {"orders", 1}), 60);
  EXPECT_EQ(event_count(), 27);
}

TEST_P(EosContract, ServerRestartMidRunReconnects) {
  if (!mysql()) GTEST_SKIP() << "embedded SQLite has no server to restart";
  auto session = open();
  eos::OffsetStore store("g", "a");
  auto options = fast_options();
  options.reconnect_window = 300ms;
  eos::BatchExecutor executor(*session, store, events_handler(), options);
  TopicPartition tp{"orders", 0};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  std::int64_t offset = 0;
  auto run_until_committed = [&](std::vector<Record> batch) {
    for (int tries = 0; tries < 200; ++tries) {
      auto result = executor.run(batch);
      if (result.status == eos::BatchStatus::committed) return true;
      EXPECT_EQ(result.status, eos::BatchStatus::unavailable) << result.error;
      std::this_thread::sleep_for(50ms);  // the sink would poll (paused) here
    }
    return false;
  };
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(run_until_committed(records("orders", 0, offset, 100)));
    offset += 100;
    if (round == 0) mariadb().restart();  // clean shutdown and start on the same data dir
    if (round == 1) mariadb().kill();     // crash; InnoDB recovers on the next start
    if (round == 1) {
      // Down: the batch is kept and reported unavailable, never dropped.
      auto down = executor.run(records("orders", 0, offset, 100));
      EXPECT_EQ(down.status, eos::BatchStatus::unavailable);
      mariadb().start();
      ASSERT_TRUE(run_until_committed(records("orders", 0, offset, 100)));
      offset += 100;
    }
  }
  admin_->reconnect();
  EXPECT_EQ(event_count(), offset);
  EXPECT_EQ(duplicate_count(), 0);
  EXPECT_EQ(stored_next("g", tp), offset);
  EXPECT_GE(executor.metrics().snapshot().reconnects, 2u);
}

TEST_P(EosContract, SqlDirectorySchemaWorksWithTheFramework) {
  admin_->execute_sql("DROP TABLE eos_offsets");
  admin_->execute_sql("DROP TABLE eos_dead_letters");
  std::ifstream file(std::string(KAFKAPLUS_SQL_DIR) + (mysql() ? "/mysql.sql" : "/sqlite.sql"));
  ASSERT_TRUE(file) << "sql/ file missing";
  std::stringstream script;
  script << file.rdbuf();
  admin_->execute_script(script.str());
  admin_->execute_script(script.str());  // idempotent
  auto session = open();
  eos::OffsetStore store("g", "a");
  store.create_schema(*session);  // same tables: a no-op
  auto handler = eos::map_rows(
      "sink_events", {"topic", "partition_id", "record_offset", "record_key", "record_value", "record_timestamp"},
      [](const Record& r) {
        return std::tuple{r.topic, r.partition, r.offset, eos::BlobView{r.key.value_or("")},
                          eos::BlobView{r.value.value_or("")}, r.timestamp};
      });
  eos::BatchExecutor executor(*session, store, handler, fast_options());
  TopicPartition tp{"orders", 3};
  ASSERT_TRUE(executor.claim(std::vector{tp}));
  EXPECT_EQ(executor.run(records("orders", 3, 0, 25)).committed_records, 25u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sink_events"), 25);
  EXPECT_EQ(stored_next("g", tp), 25);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, EosContract, ::testing::Values(sqlite_backend()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(SociMariaDb, EosContract, ::testing::Values(soci_mariadb_backend()),
                         [](const auto& info) { return info.param.name; });
INSTANTIATE_TEST_SUITE_P(ConnectorMariaDb, EosContract, ::testing::Values(connector_mariadb_backend()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
