// Rendering of literals, placeholders and multi-row INSERT statements (no database).
#include <gtest/gtest.h>

#include "eos/executor.h"
#include "eos/sql.h"

#include <cmath>
#include <limits>

namespace {

using eos::Dialect;
using eos::SqlRenderer;
using eos::SqlValue;

std::string literal(const SqlRenderer& r, const SqlValue& v) {
  std::string out;
  r.append(out, v);
  return out;
}

TEST(SqlRender, StringsDoubleQuotesAndEscapeBackslashesOnlyWhereTheServerDoes) {
  SqlRenderer mysql{Dialect::mysql, true};
  SqlRenderer mysql_no_backslash{Dialect::mysql, false};
  SqlRenderer sqlite{Dialect::sqlite, false};
  EXPECT_EQ(literal(mysql, std::string("it's")), "'it''s'");
  EXPECT_EQ(literal(mysql, std::string("a\\b")), "'a\\\\b'");
  EXPECT_EQ(literal(mysql_no_backslash, std::string("a\\b")), "'a\\b'");
  EXPECT_EQ(literal(sqlite, std::string("a\\'b")), "'a\\''b'");
  EXPECT_EQ(literal(mysql, std::string("x\\")), "'x\\\\'");  // a trailing backslash cannot eat the quote
  EXPECT_EQ(literal(mysql, std::string("a\0b", 3)), "'a\\0b'");
}

TEST(SqlRender, NumbersNullsAndBlobs) {
  SqlRenderer r{Dialect::mysql, true};
  EXPECT_EQ(literal(r, std::int64_t{std::numeric_limits<std::int64_t>::min()}), "-9223372036854775808");
  EXPECT_EQ(literal(r, SqlValue{}), "NULL");
  EXPECT_EQ(literal(r, 2.5), "2.5");
  EXPECT_EQ(literal(r, 3.0), "3.0");
  EXPECT_EQ(literal(r, eos::Blob{std::string("\x00\xff'", 3)}), std::string("_binary'\\0\xff'''"));
  EXPECT_EQ(literal(r, eos::Blob{}), "_binary''");
  SqlRenderer sqlite{Dialect::sqlite, false};
  EXPECT_EQ(literal(sqlite, eos::Blob{std::string("\x00\xff\x10", 3)}), "X'00FF10'");
  EXPECT_EQ(literal(sqlite, eos::Blob{}), "X''");
  EXPECT_THROW(literal(r, std::nan("")), std::invalid_argument);
  std::string out;
  r.append(out, std::optional<int>{});
  r.append(out, std::optional<int>{7});
  r.append(out, std::uint64_t{18446744073709551615ull});
  EXPECT_EQ(out, "NULL718446744073709551615");
}

TEST(SqlRender, PlaceholdersSkipQuotesAndComments) {
  SqlRenderer r{Dialect::mysql, true};
  std::vector<SqlValue> params{std::int64_t{1}, std::string("?'")};
  EXPECT_EQ(r.render("SELECT '?', `a?`, \"?\" /* ? */ -- ?\n, ?, ?", params),
            "SELECT '?', `a?`, \"?\" /* ? */ -- ?\n, 1, '?'''");
  EXPECT_EQ(r.render("SELECT 'it''s ?', ?", std::vector<SqlValue>{std::int64_t{2}}), "SELECT 'it''s ?', 2");
  EXPECT_EQ(r.render("SELECT 'a\\'?', ?", std::vector<SqlValue>{std::int64_t{3}}), "SELECT 'a\\'?', 3");
  EXPECT_THROW(r.render("SELECT ?, ?", std::vector<SqlValue>{std::int64_t{1}}), std::invalid_argument);
  EXPECT_THROW(r.render("SELECT 1", std::vector<SqlValue>{std::int64_t{1}}), std::invalid_argument);
}

TEST(SqlRender, Identifiers) {
  EXPECT_EQ((SqlRenderer{Dialect::mysql, true}.identifier("we`ird")), "`we``ird`");
  EXPECT_EQ((SqlRenderer{Dialect::sqlite, false}.identifier("we\"ird")), "\"we\"\"ird\"");
}

// A session that records statements instead of running them.
class RecordingSession : public eos::SqlSession {
 public:
  explicit RecordingSession(Dialect d) : dialect_(d) {}
  eos::SqlRenderer renderer() const override { return {dialect_, dialect_ == Dialect::mysql}; }
  std::string backend_name() const override { return "recording"; }
  void begin() override {}
  void commit() override {}
  void rollback() noexcept override {}
  std::int64_t execute_sql(const std::string& sql) override {
    statements.push_back(sql);
    return 1;
  }
  eos::SqlRows query_sql(const std::string&) override { return {}; }
  void reconnect() override {}
  std::vector<std::string> statements;

 private:
  Dialect dialect_;
};

TEST(MultiRowInsert, OneStatementPerChunk) {
  RecordingSession session(Dialect::mysql);
  eos::InsertOptions options;
  options.rows_per_statement = 1000;
  eos::MultiRowInsert insert(session, "sink", {"id", "name", "note"}, options);
  for (int i = 0; i < 2500; ++i) insert.add_row(i, std::string("n") + std::to_string(i), std::optional<std::string>{});
  EXPECT_EQ(session.statements.size(), 2u);
  EXPECT_EQ(insert.pending_rows(), 500u);
  insert.flush();
  ASSERT_EQ(session.statements.size(), 3u);
  EXPECT_EQ(insert.rows_written(), 2500);
  EXPECT_TRUE(session.statements[0].starts_with("INSERT INTO `sink` (`id`,`name`,`note`) VALUES (0,'n0',NULL),(1,'n1',NULL)"));
  EXPECT_TRUE(session.statements[2].ends_with("(2499,'n2499',NULL)"));
  EXPECT_THROW(insert.add_row(1, 2), std::invalid_argument);
}

TEST(MultiRowInsert, ChunksByBytesToo) {
  RecordingSession session(Dialect::sqlite);
  eos::InsertOptions options;
  options.max_statement_bytes = 1000;
  eos::MultiRowInsert insert(session, "t", {"v"}, options);
  for (int i = 0; i < 10; ++i) insert.add_row(std::string(300, 'x'));
  insert.flush();
  EXPECT_GE(session.statements.size(), 3u);
  for (const auto& s : session.statements) EXPECT_LT(s.size(), 1400u);
}

TEST(MultiRowInsert, OnDuplicateClausesPerDialect) {
  eos::InsertOptions update;
  update.on_duplicate = eos::InsertOptions::OnDuplicate::update;
  update.update_columns = {"v"};
  update.conflict_columns = {"k"};
  RecordingSession mysql(Dialect::mysql), sqlite(Dialect::sqlite);
  eos::MultiRowInsert a(mysql, "t", {"k", "v"}, update), b(sqlite, "t", {"k", "v"}, update);
  a.add_row(1, 2);
  b.add_row(1, 2);
  EXPECT_EQ(a.pending_statement(), "INSERT INTO `t` (`k`,`v`) VALUES (1,2) ON DUPLICATE KEY UPDATE `v`=VALUES(`v`)");
  EXPECT_EQ(b.pending_statement(),
            "INSERT INTO \"t\" (\"k\",\"v\") VALUES (1,2) ON CONFLICT (\"k\") DO UPDATE SET \"v\"=excluded.\"v\"");
  eos::InsertOptions ignore;
  ignore.on_duplicate = eos::InsertOptions::OnDuplicate::ignore;
  eos::MultiRowInsert c(sqlite, "t", {"k"}, ignore);
  c.add_row(1);
  EXPECT_EQ(c.pending_statement(), "INSERT OR IGNORE INTO \"t\" (\"k\") VALUES (1)");
}

TEST(MysqlUrl, Parses) {
  auto u = eos::parse_mysql_url("mysql://app:s3cret@db.local:3307/shop?socket=/tmp/x.sock");
  EXPECT_EQ(u.user, "app");
  EXPECT_EQ(u.password, "s3cret");
  EXPECT_EQ(u.host, "db.local");
  EXPECT_EQ(u.port, 3307);
  EXPECT_EQ(u.database, "shop");
  EXPECT_EQ(u.socket, "/tmp/x.sock");
  auto d = eos::parse_mysql_url("mariadb://127.0.0.1/eos");
  EXPECT_EQ(d.user, "root");
  EXPECT_EQ(d.port, 3306);
  EXPECT_THROW(eos::parse_mysql_url("mysql://host"), std::invalid_argument);
}

TEST(ErrorClassification, RetryCategories) {
  using K = eos::SqlErrorKind;
  EXPECT_EQ(eos::classify_mysql_error(1213), K::transient);
  EXPECT_EQ(eos::classify_mysql_error(1205), K::transient);
  EXPECT_EQ(eos::classify_mysql_error(2006), K::connection_lost);
  EXPECT_EQ(eos::classify_mysql_error(2013), K::connection_lost);
  EXPECT_EQ(eos::classify_mysql_error(1062), K::constraint);
  EXPECT_EQ(eos::classify_mysql_error(1406), K::data);
  EXPECT_EQ(eos::classify_mysql_error(1146), K::other);
  EXPECT_EQ(eos::classify_sqlite_error(5), K::transient);
  EXPECT_EQ(eos::classify_sqlite_error(5 | (1 << 8)), K::transient);  // SQLITE_BUSY_RECOVERY
  EXPECT_EQ(eos::classify_sqlite_error(6), K::transient);
  EXPECT_EQ(eos::classify_sqlite_error(19), K::constraint);
}

TEST(Metrics, QuantilesAndRates) {
  eos::Metrics m;
  auto first = m.snapshot();
  for (int i = 0; i < 99; ++i) m.add_committed(10, 20, std::chrono::microseconds(1000));
  m.add_committed(10, 20, std::chrono::milliseconds(300));
  auto s = m.snapshot();
  EXPECT_EQ(s.records, 1000u);
  EXPECT_EQ(s.rows, 2000u);
  EXPECT_EQ(s.batches, 100u);
  EXPECT_LE(s.commit_latency_p50_ms, 2.1);
  EXPECT_GE(s.commit_latency_p50_ms, 1.0);
  EXPECT_DOUBLE_EQ(s.commit_latency_max_ms, 300.0);
  s.taken_at = first.taken_at + std::chrono::seconds(2);
  EXPECT_DOUBLE_EQ(eos::rates_between(first, s).records_per_second, 500.0);
}

}  // namespace
