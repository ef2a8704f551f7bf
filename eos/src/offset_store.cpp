#include "eos/offset_store.h"

#include <algorithm>

namespace eos {

std::string to_string(const TopicPartition& tp) { return tp.topic + "[" + std::to_string(tp.partition) + "]"; }

std::string offset_tables_ddl(Dialect dialect, const OffsetStoreOptions& options) {
  SqlRenderer renderer{dialect, false};
  const std::string offsets = renderer.identifier(options.table);
  const std::string dead = renderer.identifier(options.dead_letter_table);
  if (dialect == Dialect::mysql) {
    // utf8mb4_bin: topic names are case-sensitive in Kafka.
    return "CREATE TABLE IF NOT EXISTS " + offsets +
           " (\n"
           "  group_id     VARCHAR(255) NOT NULL,\n"
           "  topic        VARCHAR(249) NOT NULL,\n"
           "  partition_id INT NOT NULL,\n"
           "  next_offset  BIGINT NULL,\n"
           "  owner_epoch  BIGINT NOT NULL DEFAULT 0,\n"
           "  owner_id     VARCHAR(255) NOT NULL DEFAULT '',\n"
           "  commit_count BIGINT NOT NULL DEFAULT 0,\n"
           "  updated_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n"
           "  PRIMARY KEY (group_id, topic, partition_id)\n"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
           "CREATE TABLE IF NOT EXISTS " +
           dead +
           " (\n"
           "  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
           "  group_id         VARCHAR(255) NOT NULL,\n"
           "  topic            VARCHAR(249) NOT NULL,\n"
           "  partition_id     INT NOT NULL,\n"
           "  record_offset    BIGINT NOT NULL,\n"
           "  record_timestamp BIGINT NULL,\n"
           "  record_key       LONGBLOB NULL,\n"
           "  record_value     LONGBLOB NULL,\n"
           "  error_message    TEXT NOT NULL,\n"
           "  attempts         INT NOT NULL,\n"
           "  created_at       TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n"
           "  UNIQUE KEY dead_letter_record (group_id, topic, partition_id, record_offset)\n"
           ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n";
  }
  return "CREATE TABLE IF NOT EXISTS " + offsets +
         " (\n"
         "  group_id     TEXT NOT NULL,\n"
         "  topic        TEXT NOT NULL,\n"
         "  partition_id INTEGER NOT NULL,\n"
         "  next_offset  BIGINT,\n"
         "  owner_epoch  BIGINT NOT NULL DEFAULT 0,\n"
         "  owner_id     TEXT NOT NULL DEFAULT '',\n"
         "  commit_count BIGINT NOT NULL DEFAULT 0,\n"
         "  updated_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
         "  PRIMARY KEY (group_id, topic, partition_id)\n"
         ") WITHOUT ROWID;\n"
         "CREATE TABLE IF NOT EXISTS " +
         dead +
         " (\n"
         "  id               INTEGER PRIMARY KEY,\n"
         "  group_id         TEXT NOT NULL,\n"
         "  topic            TEXT NOT NULL,\n"
         "  partition_id     INTEGER NOT NULL,\n"
         "  record_offset    BIGINT NOT NULL,\n"
         "  record_timestamp BIGINT,\n"
         "  record_key       BLOB,\n"
         "  record_value     BLOB,\n"
         "  error_message    TEXT NOT NULL,\n"
         "  attempts         INTEGER NOT NULL,\n"
         "  created_at       TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
         "  UNIQUE (group_id, topic, partition_id, record_offset)\n"
         ");\n";
}

OffsetStore::OffsetStore(std::string group_id, std::string owner_id, OffsetStoreOptions options)
    : group_id_(std::move(group_id)), owner_id_(std::move(owner_id)), options_(std::move(options)) {}

void OffsetStore::create_schema(SqlSession& session) const {
  session.execute_script(offset_tables_ddl(session.dialect(), options_));
}

std::string OffsetStore::where_partitions(const SqlRenderer& r, std::span<const TopicPartition> partitions) const {
  // Grouped by topic so each disjunct is an index range on the primary key.
  std::map<std::string_view, std::vector<std::int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  std::string out = "group_id = ";
  r.append(out, group_id_);
  out += " AND (";
  bool first_topic = true;
  for (auto& [topic, ids] : by_topic) {
    std::sort(ids.begin(), ids.end());
    if (!first_topic) out += " OR ";
    first_topic = false;
    out += "(topic = ";
    r.append(out, topic);
    out += " AND partition_id IN (";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i) out += ',';
      r.append(out, static_cast<std::int64_t>(ids[i]));
    }
    out += "))";
  }
  out += ')';
  return out;
}

std::vector<StoredOffset> OffsetStore::read(SqlSession& session, std::span<const TopicPartition> partitions) const {
  std::vector<StoredOffset> result;
  if (partitions.empty()) return result;
  auto r = session.renderer();
  SqlRows rows = session.query_sql("SELECT topic, partition_id, next_offset, owner_epoch, commit_count, owner_id FROM " +
                                   r.identifier(options_.table) + " WHERE " + where_partitions(r, partitions) +
                                   " ORDER BY topic, partition_id");
  result.reserve(rows.size());
  for (auto& row : rows) {
    StoredOffset stored;
    stored.tp.topic = as_string(row.at(0));
    stored.tp.partition = static_cast<std::int32_t>(as_int(row.at(1)));
    stored.next_offset = as_optional_int(row.at(2));
    stored.owner_epoch = as_int(row.at(3));
    stored.commit_count = as_int(row.at(4));
    stored.owner_id = as_string(row.at(5));
    result.push_back(std::move(stored));
  }
  return result;
}

std::vector<StoredOffset> OffsetStore::claim(SqlSession& session, std::span<const TopicPartition> partitions) {
  if (partitions.empty()) return {};
  auto r = session.renderer();
  // Sorted, so that two owners claiming overlapping sets lock rows in the same order.
  std::vector<TopicPartition> sorted(partitions.begin(), partitions.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string upsert = "INSERT INTO " + r.identifier(options_.table) +
                       " (group_id, topic, partition_id, next_offset, owner_epoch, owner_id, commit_count) VALUES ";
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i) upsert += ',';
    upsert += '(';
    r.append(upsert, group_id_);
    upsert += ',';
    r.append(upsert, sorted[i].topic);
    upsert += ',';
    r.append(upsert, static_cast<std::int64_t>(sorted[i].partition));
    upsert += ",NULL,1,";
    r.append(upsert, owner_id_);
    upsert += ",0)";
  }
  if (r.dialect == Dialect::mysql) {
    upsert += " ON DUPLICATE KEY UPDATE owner_epoch = owner_epoch + 1, owner_id = VALUES(owner_id)";
  } else {
    upsert += " ON CONFLICT (group_id, topic, partition_id) DO UPDATE SET owner_epoch = owner_epoch + 1, "
              "owner_id = excluded.owner_id";
  }
  std::vector<StoredOffset> stored;
  session.begin();
  try {
    session.execute_sql(upsert);
    stored = read(session, sorted);
    session.commit();
  } catch (...) {
    session.rollback();
    throw;
  }
  for (const auto& s : stored) owned_[s.tp] = PartitionOwnership{s.owner_epoch, s.next_offset, s.commit_count};
  return stored;
}

bool OffsetStore::advance(SqlSession& session, const TopicPartition& tp, std::int64_t new_next_offset) const {
  auto it = owned_.find(tp);
  if (it == owned_.end()) return false;
  const PartitionOwnership& own = it->second;
  auto r = session.renderer();
  std::string sql = "UPDATE " + r.identifier(options_.table) + " SET next_offset = ";
  r.append(sql, new_next_offset);
  sql += ", commit_count = commit_count + 1, updated_at = CURRENT_TIMESTAMP WHERE group_id = ";
  r.append(sql, group_id_);
  sql += " AND topic = ";
  r.append(sql, tp.topic);
  sql += " AND partition_id = ";
  r.append(sql, static_cast<std::int64_t>(tp.partition));
  sql += " AND owner_epoch = ";
  r.append(sql, own.owner_epoch);
  sql += " AND commit_count = ";
  r.append(sql, own.commit_count);
  // commit_count changes with every commit, so the row always changes and MySQL's "affected
  // rows" (changed rows, not matched rows) is 1 exactly when the compare-and-set matched.
  sql += r.dialect == Dialect::mysql ? " AND next_offset <=> " : " AND next_offset IS ";
  r.append(sql, own.next_offset);
  return session.execute_sql(sql) == 1;
}

void OffsetStore::committed(const TopicPartition& tp, std::int64_t new_next_offset) {
  auto it = owned_.find(tp);
  if (it == owned_.end()) return;
  it->second.next_offset = new_next_offset;
  ++it->second.commit_count;
}

OffsetStore::CommitOutcome OffsetStore::resolve_commit(SqlSession& session,
                                                       const std::map<TopicPartition, std::int64_t>& intended) {
  std::vector<TopicPartition> partitions;
  for (const auto& [tp, next] : intended) partitions.push_back(tp);
  auto rows = read(session, partitions);
  std::map<TopicPartition, StoredOffset> by_tp;
  for (auto& row : rows) by_tp[row.tp] = row;
  // All rows of one transaction commit together, so they agree; anything else is a foreign owner.
  int committed_rows = 0, untouched_rows = 0;
  for (const auto& [tp, next] : intended) {
    auto own = owned_.find(tp);
    auto row = by_tp.find(tp);
    if (own == owned_.end() || row == by_tp.end() || row->second.owner_epoch != own->second.owner_epoch)
      return CommitOutcome::fenced;
    if (row->second.commit_count == own->second.commit_count + 1 && row->second.next_offset == next)
      ++committed_rows;
    else if (row->second.commit_count == own->second.commit_count && row->second.next_offset == own->second.next_offset)
      ++untouched_rows;
    else
      return CommitOutcome::fenced;
  }
  if (committed_rows && untouched_rows) return CommitOutcome::fenced;  // impossible unless someone else wrote
  if (committed_rows) {
    for (const auto& [tp, next] : intended) committed(tp, next);
    return CommitOutcome::committed;
  }
  return CommitOutcome::not_committed;
}

void OffsetStore::release(const TopicPartition& tp) { owned_.erase(tp); }
void OffsetStore::release_all() { owned_.clear(); }

const PartitionOwnership* OffsetStore::ownership(const TopicPartition& tp) const {
  auto it = owned_.find(tp);
  return it == owned_.end() ? nullptr : &it->second;
}

std::vector<TopicPartition> OffsetStore::owned() const {
  std::vector<TopicPartition> result;
  for (const auto& [tp, own] : owned_) result.push_back(tp);
  return result;
}

}  // namespace eos
