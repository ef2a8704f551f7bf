/* Example: a librdkafka-style C producer, built against kafkaplus.
 *
 *   producer_c <brokers> <topic> [message ...]
 *
 * Produces each message given on the command line, or else each line read from stdin, and
 * prints one delivery report per message. Build it as you would a librdkafka program:
 *   cc producer.c $(pkg-config --cflags --libs rdkafka)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

static volatile sig_atomic_t run = 1;
static int failures = 0;

static void stop(int sig) { run = 0; }

static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *rkmessage, void *opaque) {
  if (rkmessage->err) {
    failures++;
    fprintf(stderr, "%% Delivery failed: %s\n", rd_kafka_err2str(rkmessage->err));
  } else {
    printf("%% Delivered %zu bytes to %s [%d] at offset %lld\n", rkmessage->len, rd_kafka_topic_name(rkmessage->rkt),
           (int)rkmessage->partition, (long long)rkmessage->offset);
  }
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  fprintf(stderr, "%% Error %s: %s\n", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
  if (err == RD_KAFKA_RESP_ERR__FATAL) run = 0;
}

static int produce(rd_kafka_t *rk, const char *topic, const char *buf, size_t len) {
  rd_kafka_resp_err_t err;
  while ((err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                  RD_KAFKA_V_VALUE((void *)buf, len), RD_KAFKA_V_END)) ==
         RD_KAFKA_RESP_ERR__QUEUE_FULL)
    rd_kafka_poll(rk, 100); /* queue full: serve delivery reports, then retry */
  if (err) {
    fprintf(stderr, "%% Produce failed: %s\n", rd_kafka_err2str(err));
    return -1;
  }
  rd_kafka_poll(rk, 0);
  return 0;
}

int main(int argc, char **argv) {
  char errstr[512], line[4096];
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  int i, left;

  if (argc < 3) {
    fprintf(stderr, "Usage: %s <brokers> <topic> [message ...]\n", argv[0]);
    return 1;
  }
  conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "%s\n", errstr);
    rd_kafka_conf_destroy(conf);
    return 1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "Failed to create producer: %s\n", errstr);
    rd_kafka_conf_destroy(conf);
    return 1;
  }
  signal(SIGINT, stop);
  signal(SIGTERM, stop);

  if (argc > 3) {
    for (i = 3; i < argc && run; i++) produce(rk, argv[2], argv[i], strlen(argv[i]));
  } else {
    while (run && fgets(line, sizeof(line), stdin)) {
      size_t len = strlen(line);
      if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
      produce(rk, argv[2], line, len);
    }
  }

  rd_kafka_flush(rk, 10 * 1000);
  left = rd_kafka_outq_len(rk);
  if (left > 0) fprintf(stderr, "%% %d message(s) were not delivered\n", left);
  rd_kafka_destroy(rk);
  return left == 0 && failures == 0 ? 0 : 1;
}
