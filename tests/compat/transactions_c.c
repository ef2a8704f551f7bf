/* A librdkafka-style C consume-transform-produce loop (exactly-once, KIP-447): a read_committed
 * group consumer reads an input topic, a transactional producer writes one output message per
 * input message and commits the consumer's positions with rd_kafka_send_offsets_to_transaction()
 * in the same transaction.  Built unchanged against kafkaplus and against librdkafka.
 *
 *   compat_transactions_c <brokers> <topic> <count>
 *
 * It produces <count> input messages to "<topic>-in", aborts one transaction of junk on
 * "<topic>-out", transforms everything in transactions of 50, then reads "<topic>-out" with
 * read_committed and checks every input message arrived exactly once and no junk is visible,
 * and that the group's committed offsets add up to <count>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

static void die(const char *what, const char *why) {
  fprintf(stderr, "FAIL: %s: %s\n", what, why);
  exit(1);
}

static void check_error(const char *what, rd_kafka_error_t *error) {
  if (!error) return;
  fprintf(stderr, "FAIL: %s: %s (fatal %d, retriable %d, abort %d)\n", what, rd_kafka_error_string(error),
          rd_kafka_error_is_fatal(error), rd_kafka_error_is_retriable(error),
          rd_kafka_error_txn_requires_abort(error));
  rd_kafka_error_destroy(error);
  exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) die(name, errstr);
}

static rd_kafka_t *new_handle(rd_kafka_type_t type, rd_kafka_conf_t *conf) {
  char errstr[512];
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (!rk) die("rd_kafka_new", errstr);
  return rk;
}

static void produce_input(const char *brokers, const char *topic, int count) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk;
  int i;
  char value[64];
  set(conf, "bootstrap.servers", brokers);
  rk = new_handle(RD_KAFKA_PRODUCER, conf);
  for (i = 0; i < count; i++) {
    snprintf(value, sizeof(value), "in-%d", i);
    if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(value, strlen(value)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
      die("producev", "input");
  }
  if (rd_kafka_flush(rk, 30000)) die("flush", "input");
  rd_kafka_destroy(rk);
}

/* The consumer's current positions, to commit with the transaction. */
static rd_kafka_topic_partition_list_t *positions(rd_kafka_t *consumer) {
  rd_kafka_topic_partition_list_t *offsets;
  rd_kafka_resp_err_t err = rd_kafka_assignment(consumer, &offsets);
  if (err) die("assignment", rd_kafka_err2str(err));
  err = rd_kafka_position(consumer, offsets);
  if (err) die("position", rd_kafka_err2str(err));
  return offsets;
}

/* Back to the last committed offsets after an aborted transaction. */
static void rewind_consumer(rd_kafka_t *consumer) {
  rd_kafka_topic_partition_list_t *offsets;
  rd_kafka_resp_err_t err = rd_kafka_assignment(consumer, &offsets);
  int i;
  if (err) die("assignment", rd_kafka_err2str(err));
  if (offsets->cnt > 0) {
    err = rd_kafka_committed(consumer, offsets, 10000);
    if (err) die("committed", rd_kafka_err2str(err));
    for (i = 0; i < offsets->cnt; i++)
      if (offsets->elems[i].offset < 0) offsets->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    check_error("seek_partitions", rd_kafka_seek_partitions(consumer, offsets, 10000));
  }
  rd_kafka_topic_partition_list_destroy(offsets);
}

/* Commits the transaction with the consumer's positions; on an abortable error aborts it and
 * rewinds.  Returns 1 when committed. */
static int commit_with_offsets(rd_kafka_t *producer, rd_kafka_t *consumer) {
  rd_kafka_topic_partition_list_t *offsets = positions(consumer);
  rd_kafka_consumer_group_metadata_t *cgmd = rd_kafka_consumer_group_metadata(consumer);
  rd_kafka_error_t *error = rd_kafka_send_offsets_to_transaction(producer, offsets, cgmd, -1);
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  rd_kafka_topic_partition_list_destroy(offsets);
  if (!error) {
    for (;;) {
      error = rd_kafka_commit_transaction(producer, 30000);
      if (error && rd_kafka_error_is_retriable(error)) {
        rd_kafka_error_destroy(error);
        continue;
      }
      break;
    }
  }
  if (!error) return 1;
  if (rd_kafka_error_txn_requires_abort(error)) {
    fprintf(stderr, "%% transaction failed, aborting: %s\n", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    check_error("abort_transaction", rd_kafka_abort_transaction(producer, -1));
    rewind_consumer(consumer);
    return 0;
  }
  check_error("commit", error);
  return 0;
}

int main(int argc, char **argv) {
  const char *brokers, *base;
  char in_topic[256], out_topic[256], group[300], txn_id[300], value[64];
  int count, i, seen_total = 0, in_txn = 0, consumed = 0, committed_consumed = 0;
  rd_kafka_conf_t *conf;
  rd_kafka_t *producer, *consumer, *reader;
  rd_kafka_topic_partition_list_t *subscription, *committed;
  char *seen;
  time_t deadline;
  int64_t committed_sum = 0;

  if (argc < 4) {
    fprintf(stderr, "usage: %s <brokers> <topic> <count>\n", argv[0]);
    return 2;
  }
  brokers = argv[1];
  base = argv[2];
  count = atoi(argv[3]);
  snprintf(in_topic, sizeof(in_topic), "%s-in", base);
  snprintf(out_topic, sizeof(out_topic), "%s-out", base);
  snprintf(group, sizeof(group), "%s-group", base);
  snprintf(txn_id, sizeof(txn_id), "%s-transformer", base);

  produce_input(brokers, in_topic, count);

  conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", brokers);
  set(conf, "transactional.id", txn_id);
  producer = new_handle(RD_KAFKA_PRODUCER, conf);
  check_error("init_transactions", rd_kafka_init_transactions(producer, 30000));

  /* A transaction of junk, aborted: read_committed readers must never see it. */
  check_error("begin_transaction", rd_kafka_begin_transaction(producer));
  for (i = 0; i < 10; i++) {
    snprintf(value, sizeof(value), "junk-%d", i);
    if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(out_topic), RD_KAFKA_V_VALUE(value, strlen(value)),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END))
      die("producev", "junk");
  }
  rd_kafka_flush(producer, 10000);
  check_error("abort_transaction", rd_kafka_abort_transaction(producer, 30000));

  conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", brokers);
  set(conf, "group.id", group);
  set(conf, "enable.auto.commit", "false");
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "isolation.level", "read_committed");
  consumer = new_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(consumer);
  subscription = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subscription, in_topic, RD_KAFKA_PARTITION_UA);
  if (rd_kafka_subscribe(consumer, subscription)) die("subscribe", in_topic);
  rd_kafka_topic_partition_list_destroy(subscription);

  deadline = time(NULL) + 60;
  while (committed_consumed < count && time(NULL) < deadline) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 100);
    if (msg && !msg->err) {
      if (!in_txn) {
        check_error("begin_transaction", rd_kafka_begin_transaction(producer));
        in_txn = 1;
      }
      snprintf(value, sizeof(value), "out-%.*s", (int)msg->len, (const char *)msg->payload);
      if (rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(out_topic), RD_KAFKA_V_KEY(msg->key, msg->key_len),
                            RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_END))
        die("producev", "output");
      consumed++;
    }
    if (msg) rd_kafka_message_destroy(msg);
    if (in_txn && (consumed - committed_consumed >= 50 || (consumed == count && consumed > committed_consumed))) {
      if (commit_with_offsets(producer, consumer)) committed_consumed = consumed;
      else consumed = committed_consumed;
      in_txn = 0;
    }
  }
  if (committed_consumed < count) die("transform", "did not finish in time");

  committed = positions(consumer);
  if (rd_kafka_committed(consumer, committed, 10000)) die("committed", "group offsets");
  for (i = 0; i < committed->cnt; i++)
    if (committed->elems[i].offset > 0) committed_sum += committed->elems[i].offset;
  rd_kafka_topic_partition_list_destroy(committed);
  if (committed_sum != count) {
    fprintf(stderr, "FAIL: committed offsets add up to %lld, want %d\n", (long long)committed_sum, count);
    return 1;
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  rd_kafka_destroy(producer);

  /* The exactly-once check. */
  conf = rd_kafka_conf_new();
  set(conf, "bootstrap.servers", brokers);
  set(conf, "group.id", "compat-transactions-reader");
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "isolation.level", "read_committed");
  reader = new_handle(RD_KAFKA_CONSUMER, conf);
  rd_kafka_poll_set_consumer(reader);
  subscription = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subscription, out_topic, RD_KAFKA_PARTITION_UA);
  if (rd_kafka_subscribe(reader, subscription)) die("subscribe", out_topic);
  rd_kafka_topic_partition_list_destroy(subscription);
  seen = calloc((size_t)count, 1);
  deadline = time(NULL) + 30;
  while (time(NULL) < deadline) {
    rd_kafka_message_t *msg = rd_kafka_consumer_poll(reader, 100);
    if (!msg) {
      if (seen_total >= count) break; /* idle after everything arrived */
      continue;
    }
    if (!msg->err) {
      int n = -1;
      if (msg->len > 7 && !memcmp(msg->payload, "out-in-", 7)) {
        char buf[32];
        size_t len = msg->len - 7 < sizeof(buf) - 1 ? msg->len - 7 : sizeof(buf) - 1;
        memcpy(buf, (const char *)msg->payload + 7, len);
        buf[len] = 0;
        n = atoi(buf);
      }
      if (n < 0 || n >= count) {
        fprintf(stderr, "FAIL: unexpected output message %.*s\n", (int)msg->len, (const char *)msg->payload);
        return 1;
      }
      if (seen[n]++) {
        fprintf(stderr, "FAIL: duplicate output for in-%d\n", n);
        return 1;
      }
      seen_total++;
    }
    rd_kafka_message_destroy(msg);
  }
  rd_kafka_consumer_close(reader);
  rd_kafka_destroy(reader);
  if (seen_total != count) {
    fprintf(stderr, "FAIL: %d of %d outputs seen\n", seen_total, count);
    return 1;
  }
  free(seen);
  printf("OK: %d messages transformed exactly once\n", count);
  return 0;
}
