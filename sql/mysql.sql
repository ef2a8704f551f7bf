-- Exactly-once sink schema for MySQL / MariaDB (InnoDB). See sql/README.md.
-- The framework creates the first two tables itself (eos::OffsetStore::create_schema); this file
-- is the same DDL for DBAs who create schemas by hand.

-- One row per (group, topic, partition): the NEXT offset to read, as Kafka commits it.
CREATE TABLE IF NOT EXISTS eos_offsets (
  group_id     VARCHAR(255) NOT NULL,
  topic        VARCHAR(249) NOT NULL,
  partition_id INT NOT NULL,
  next_offset  BIGINT NULL,                          -- NULL: nothing applied yet (auto.offset.reset)
  owner_epoch  BIGINT NOT NULL DEFAULT 0,            -- raised by every claim; fences older owners
  owner_id     VARCHAR(255) NOT NULL DEFAULT '',     -- who claimed last (for people, not for fencing)
  commit_count BIGINT NOT NULL DEFAULT 0,            -- raised by every batch commit
  updated_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (group_id, topic, partition_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Records that failed the handler poison_max_attempts times; written with their offset, in one
-- transaction, so a dead letter is also exactly once.
CREATE TABLE IF NOT EXISTS eos_dead_letters (
  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  group_id         VARCHAR(255) NOT NULL,
  topic            VARCHAR(249) NOT NULL,
  partition_id     INT NOT NULL,
  record_offset    BIGINT NOT NULL,
  record_timestamp BIGINT NULL,
  record_key       LONGBLOB NULL,
  record_value     LONGBLOB NULL,
  error_message    TEXT NOT NULL,
  attempts         INT NOT NULL,
  created_at       TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY dead_letter_record (group_id, topic, partition_id, record_offset)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Example sink table (the demo and examples/ write here). Deliberately no unique key on the
-- source coordinates: exactly-once comes from the offsets, and a duplicate would stay visible.
CREATE TABLE IF NOT EXISTS sink_events (
  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  topic            VARCHAR(249) NOT NULL,
  partition_id     INT NOT NULL,
  record_offset    BIGINT NOT NULL,
  record_key       VARBINARY(1024) NULL,
  record_value     MEDIUMBLOB NULL,
  record_timestamp BIGINT NULL,
  KEY sink_events_source (topic, partition_id, record_offset)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
