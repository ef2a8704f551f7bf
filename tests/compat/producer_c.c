/* A typical librdkafka C producer, written against <librdkafka/rdkafka.h> the way librdkafka
 * users write it. Built unchanged against kafkaplus; the test passes when every message gets a
 * successful delivery report with an offset.
 *
 *   compat_producer_c <brokers> <topic> <count>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

struct stats {
  int delivered;
  int failed;
  int64_t max_offset;
};

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage, void *opaque) {
  struct stats *st = (struct stats *)opaque;
  if (rkmessage->err) {
    fprintf(stderr, "%% Message delivery failed: %s\n", rd_kafka_err2str(rkmessage->err));
    st->failed++;
    return;
  }
  if (rkmessage->offset < 0 || rkmessage->_private != (void *)st) {
    fprintf(stderr, "%% Bad delivery report: offset %lld\n", (long long)rkmessage->offset);
    st->failed++;
    return;
  }
  if (rkmessage->offset > st->max_offset) st->max_offset = rkmessage->offset;
  st->delivered++;
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  fprintf(stderr, "%% Error: %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

int main(int argc, char **argv) {
  rd_kafka_t *rk;
  rd_kafka_conf_t *conf;
  char errstr[512];
  const char *brokers, *topic;
  int count, i;
  struct stats st = {0, 0, -1};
  rd_kafka_resp_err_t err;

  if (argc != 4) {
    fprintf(stderr, "%% Usage: %s <broker> <topic> <count>\n", argv[0]);
    return 1;
  }
  brokers = argv[1];
  topic = argv[2];
  count = atoi(argv[3]);

  conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  if (rd_kafka_conf_set(conf, "compression.codec", "lz4", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", errstr);
    return 1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rd_kafka_conf_set_opaque(conf, &st);

  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "%% Failed to create new producer: %s\n", errstr);
    return 1;
  }

  for (i = 0; i < count; i++) {
    char buf[64];
    char key[16];
    size_t len;
    snprintf(buf, sizeof(buf), "message %d", i);
    snprintf(key, sizeof(key), "k%d", i % 7);
    len = strlen(buf);
  retry:
    err = rd_kafka_producev(
        /* Producer handle */
        rk,
        /* Topic name */
        RD_KAFKA_V_TOPIC(topic),
        /* Any partition */
        RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
        /* Make a copy of the payload. */
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        /* Message value and length */
        RD_KAFKA_V_VALUE(buf, len),
        /* Key */
        RD_KAFKA_V_KEY(key, strlen(key)),
        /* A header */
        RD_KAFKA_V_HEADER("seq", buf + 8, -1),
        /* Per-Message opaque, provided in delivery report callback as msg_opaque. */
        RD_KAFKA_V_OPAQUE(&st),
        /* End sentinel */
        RD_KAFKA_V_END);
    if (err) {
      fprintf(stderr, "%% Failed to produce to topic %s: %s\n", topic, rd_kafka_err2str(err));
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 1000 /*block for max 1000ms*/);
        goto retry;
      }
      return 1;
    }
    rd_kafka_poll(rk, 0 /*non-blocking*/);
  }

  fprintf(stderr, "%% Flushing final messages..\n");
  rd_kafka_flush(rk, 10 * 1000 /* wait for max 10 seconds */);

  if (rd_kafka_outq_len(rk) > 0) fprintf(stderr, "%% %d message(s) were not delivered\n", rd_kafka_outq_len(rk));

  rd_kafka_destroy(rk);

  fprintf(stderr, "%% delivered %d, failed %d, max offset %lld\n", st.delivered, st.failed, (long long)st.max_offset);
  return st.delivered == count && st.failed == 0 && st.max_offset >= 0 ? 0 : 1;
}
