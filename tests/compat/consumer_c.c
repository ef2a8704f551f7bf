/* A typical librdkafka C high-level consumer, written against <librdkafka/rdkafka.h> the way
 * librdkafka users write it: rd_kafka_subscribe(), rd_kafka_poll_set_consumer(), a
 * rd_kafka_consumer_poll() loop, rd_kafka_commit() and rd_kafka_consumer_close().  Built
 * unchanged against kafkaplus and against librdkafka.
 *
 *   compat_consumer_c <brokers> <topic> <count> [partition.assignment.strategy]
 *
 * It first produces <count> messages ("message-N", key "key-N"), consumes them in a fresh group,
 * checks each arrived once with the right content, commits synchronously and checks the
 * committed offsets add up to <count>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

struct state {
  int rebalances;
  int assigned;
  int failed;
  int commits;
};

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *partitions,
                         void *opaque) {
  struct state *st = (struct state *)opaque;
  rd_kafka_error_t *error = NULL;
  rd_kafka_resp_err_t ret_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  const char *protocol = rd_kafka_rebalance_protocol(rk);
  int cooperative = protocol && !strcmp(protocol, "COOPERATIVE");
  int i;

  fprintf(stderr, "%% Rebalance (%s, %s):", rd_kafka_err2name(err), protocol ? protocol : "?");
  for (i = 0; i < partitions->cnt; i++)
    fprintf(stderr, " %s[%d]", partitions->elems[i].topic, (int)partitions->elems[i].partition);
  fprintf(stderr, "\n");
  st->rebalances++;

  switch (err) {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
      if (cooperative)
        error = rd_kafka_incremental_assign(rk, partitions);
      else
        ret_err = rd_kafka_assign(rk, partitions);
      st->assigned += partitions->cnt;
      break;
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
      if (cooperative) {
        error = rd_kafka_incremental_unassign(rk, partitions);
        st->assigned -= partitions->cnt;
      } else {
        ret_err = rd_kafka_assign(rk, NULL);
        st->assigned = 0;
      }
      break;
    default:
      rd_kafka_assign(rk, NULL);
      st->failed++;
      break;
  }
  if (error) {
    fprintf(stderr, "%% incremental assign failure: %s\n", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
    st->failed++;
  } else if (ret_err) {
    fprintf(stderr, "%% assign failure: %s\n", rd_kafka_err2str(ret_err));
    st->failed++;
  }
}

static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *offsets,
                             void *opaque) {
  struct state *st = (struct state *)opaque;
  if (err) fprintf(stderr, "%% Commit result: %s\n", rd_kafka_err2str(err));
  st->commits++;
}

static int produce_all(const char *brokers, const char *topic, int count) {
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_t *rk;
  int i;
  rd_kafka_resp_err_t err;
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr));
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "%% Failed to create producer: %s\n", errstr);
    return 0;
  }
  for (i = 0; i < count; i++) {
    char value[32], key[32];
    snprintf(value, sizeof(value), "message-%d", i);
    snprintf(key, sizeof(key), "key-%d", i);
    err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_END);
    if (err) {
      fprintf(stderr, "%% produce failed: %s\n", rd_kafka_err2str(err));
      rd_kafka_destroy(rk);
      return 0;
    }
    rd_kafka_poll(rk, 0);
  }
  err = rd_kafka_flush(rk, 15000);
  rd_kafka_destroy(rk);
  return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

int main(int argc, char **argv) {
  rd_kafka_t *rk;
  rd_kafka_conf_t *conf;
  rd_kafka_topic_partition_list_t *subscription, *assignment;
  char errstr[512];
  const char *brokers, *topic, *strategy;
  char group[256];
  int count, i, received = 0, bad = 0;
  char *seen;
  int64_t committed = 0;
  time_t deadline;
  struct state st = {0, 0, 0, 0};
  rd_kafka_resp_err_t err;

  if (argc < 4) {
    fprintf(stderr, "%% Usage: %s <broker> <topic> <count> [strategy]\n", argv[0]);
    return 1;
  }
  brokers = argv[1];
  topic = argv[2];
  count = atoi(argv[3]);
  strategy = argc > 4 ? argv[4] : NULL;
  snprintf(group, sizeof(group), "%s-group", topic);
  seen = (char *)calloc((size_t)count, 1);

  if (!produce_all(brokers, topic, count)) return 1;

  conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK ||
      (strategy &&
       rd_kafka_conf_set(conf, "partition.assignment.strategy", strategy, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_offset_commit_cb(conf, offset_commit_cb);
  rd_kafka_conf_set_opaque(conf, &st);

  rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "%% Failed to create new consumer: %s\n", errstr);
    return 1;
  }
  conf = NULL; /* now owned by rk */

  /* Redirect all messages from per-partition queues to the main queue so that messages can be
   * consumed with one call from all assigned partitions. */
  rd_kafka_poll_set_consumer(rk);

  subscription = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(subscription, topic, RD_KAFKA_PARTITION_UA);
  err = rd_kafka_subscribe(rk, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (err) {
    fprintf(stderr, "%% Failed to subscribe to %s: %s\n", topic, rd_kafka_err2str(err));
    rd_kafka_destroy(rk);
    return 1;
  }

  deadline = time(NULL) + 60;
  while (received < count && time(NULL) < deadline) {
    rd_kafka_message_t *rkm = rd_kafka_consumer_poll(rk, 1000);
    int seq;
    char key[32];
    if (!rkm) continue; /* timeout */
    if (rkm->err) {
      fprintf(stderr, "%% Consumer error: %s\n", rd_kafka_message_errstr(rkm));
      bad++;
      rd_kafka_message_destroy(rkm);
      continue;
    }
    seq = rkm->len > 8 ? atoi((const char *)rkm->payload + 8) : -1;
    snprintf(key, sizeof(key), "key-%d", seq);
    if (seq < 0 || seq >= count || rkm->len < 8 || memcmp(rkm->payload, "message-", 8) != 0 ||
        rkm->key_len != strlen(key) || memcmp(rkm->key, key, rkm->key_len) != 0 ||
        strcmp(rd_kafka_topic_name(rkm->rkt), topic) != 0 || rkm->offset < 0) {
      fprintf(stderr, "%% Bad message at %d/%lld\n", (int)rkm->partition, (long long)rkm->offset);
      bad++;
    } else if (seen[seq]++) {
      fprintf(stderr, "%% Duplicate message %d\n", seq);
      bad++;
    } else {
      received++;
    }
    rd_kafka_message_destroy(rkm);
  }
  fprintf(stderr, "%% received %d of %d, %d bad\n", received, count, bad);

  /* Synchronous commit of the consumed offsets. */
  err = rd_kafka_commit(rk, NULL, 0);
  if (err) {
    fprintf(stderr, "%% Commit failed: %s\n", rd_kafka_err2str(err));
    bad++;
  }
  if (rd_kafka_assignment(rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    err = rd_kafka_committed(rk, assignment, 10000);
    if (err) bad++;
    for (i = 0; i < assignment->cnt; i++)
      if (assignment->elems[i].offset > 0) committed += assignment->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(assignment);
  } else {
    bad++;
  }
  fprintf(stderr, "%% committed offsets add up to %lld, %d commit callback(s)\n", (long long)committed, st.commits);
  if (committed != count) bad++;

  err = rd_kafka_consumer_close(rk);
  if (err) bad++;
  rd_kafka_destroy(rk);
  free(seen);

  if (st.failed || st.assigned != 0 || st.rebalances < 2) {
    fprintf(stderr, "%% rebalance callback: %d rebalances, %d still assigned, %d failures\n", st.rebalances,
            st.assigned, st.failed);
    bad++;
  }
  return received == count && bad == 0 ? 0 : 1;
}
