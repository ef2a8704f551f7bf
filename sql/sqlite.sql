-- Exactly-once sink schema for SQLite (the embedded default). See sql/README.md.
-- The framework creates the first two tables itself (eos::OffsetStore::create_schema).

-- One row per (group, topic, partition): the NEXT offset to read, as Kafka commits it.
CREATE TABLE IF NOT EXISTS eos_offsets (
  group_id     TEXT NOT NULL,
  topic        TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  next_offset  BIGINT,                               -- NULL: nothing applied yet (auto.offset.reset)
  owner_epoch  BIGINT NOT NULL DEFAULT 0,            -- raised by every claim; fences older owners
  owner_id     TEXT NOT NULL DEFAULT '',
  commit_count BIGINT NOT NULL DEFAULT 0,            -- raised by every batch commit
  updated_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (group_id, topic, partition_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS eos_dead_letters (
  id               INTEGER PRIMARY KEY,
  group_id         TEXT NOT NULL,
  topic            TEXT NOT NULL,
  partition_id     INTEGER NOT NULL,
  record_offset    BIGINT NOT NULL,
  record_timestamp BIGINT,
  record_key       BLOB,
  record_value     BLOB,
  error_message    TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  created_at       TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (group_id, topic, partition_id, record_offset)
);

-- Example sink table; no unique key on the source coordinates, so a duplicate would stay visible.
CREATE TABLE IF NOT EXISTS sink_events (
  id               INTEGER PRIMARY KEY,
  topic            TEXT NOT NULL,
  partition_id     INTEGER NOT NULL,
  record_offset    BIGINT NOT NULL,
  record_key       BLOB,
  record_value     BLOB,
  record_timestamp BIGINT
);
CREATE INDEX IF NOT EXISTS sink_events_source ON sink_events (topic, partition_id, record_offset);
