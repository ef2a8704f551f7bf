// Consumer offsets kept in the database, next to the results they belong to.
//
// One row per (group_id, topic, partition_id) holds next_offset, the offset of the NEXT record to
// read (Kafka's committed-offset convention: after applying offset 41, next_offset is 42; NULL
// means nothing applied yet), and owner_epoch, raised by every claim of the partition. A batch
// advances next_offset with a compare-and-set on (owner_epoch, next_offset, commit_count) inside the
// batch's own transaction: an owner that lost the partition (a zombie) matches no row and its
// transaction is rolled back, never committed.
#pragma once

#include "eos/sql.h"

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace eos {

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};
std::string to_string(const TopicPartition& tp);

// What this owner knows about a partition it holds: the values it expects in the row.
struct PartitionOwnership {
  std::int64_t owner_epoch = 0;
  std::optional<std::int64_t> next_offset;  // nullopt: no offset stored yet (auto.offset.reset)
  std::int64_t commit_count = 0;
};

struct StoredOffset {
  TopicPartition tp;
  std::optional<std::int64_t> next_offset;
  std::int64_t owner_epoch = 0;
  std::int64_t commit_count = 0;
  std::string owner_id;
};

struct OffsetStoreOptions {
  std::string table = "eos_offsets";
  std::string dead_letter_table = "eos_dead_letters";
};

class OffsetStore {
 public:
  OffsetStore(std::string group_id, std::string owner_id, OffsetStoreOptions options = {});

  const std::string& group_id() const { return group_id_; }
  const std::string& owner_id() const { return owner_id_; }
  const OffsetStoreOptions& options() const { return options_; }

  // CREATE TABLE IF NOT EXISTS for the offset and dead-letter tables (the same DDL as sql/).
  void create_schema(SqlSession& session) const;

  // Claims partitions in one transaction of its own: creates missing rows, raises owner_epoch of
  // every row (which fences any earlier owner) and reads all of them back in one query. Remembers
  // the ownership. Throws SqlError (transient ones are worth retrying).
  std::vector<StoredOffset> claim(SqlSession& session, std::span<const TopicPartition> partitions);

  // Reads the rows of these partitions in one query (inside or outside a transaction).
  std::vector<StoredOffset> read(SqlSession& session, std::span<const TopicPartition> partitions) const;

  // Inside the batch transaction: compare-and-set the row to new_next_offset. False when the row
  // is not as this owner left it (fenced): the caller must roll back.
  bool advance(SqlSession& session, const TopicPartition& tp, std::int64_t new_next_offset) const;
  // After COMMIT succeeded: the new expected state.
  void committed(const TopicPartition& tp, std::int64_t new_next_offset);

  // After a connection was lost during COMMIT: re-reads the rows and tells what happened.
  enum class CommitOutcome { committed, not_committed, fenced };
  CommitOutcome resolve_commit(SqlSession& session, const std::map<TopicPartition, std::int64_t>& intended);

  void release(const TopicPartition& tp);
  void release_all();
  const PartitionOwnership* ownership(const TopicPartition& tp) const;
  std::vector<TopicPartition> owned() const;

  // Renders "group_id = ? AND ((topic = ? AND partition_id IN (...)) OR ...)" for these partitions.
  std::string where_partitions(const SqlRenderer& renderer, std::span<const TopicPartition> partitions) const;

 private:
  std::string group_id_;
  std::string owner_id_;
  OffsetStoreOptions options_;
  std::map<TopicPartition, PartitionOwnership> owned_;
};

// DDL text of the offset and dead-letter tables for a dialect (what sql/*.sql contain).
std::string offset_tables_ddl(Dialect dialect, const OffsetStoreOptions& options = {});

}  // namespace eos
