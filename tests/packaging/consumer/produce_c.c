/* The C API half of package_user: produces `count` records (key kN, value vN) with librdkafka's C
 * API from the installed <librdkafka/rdkafka.h>, compiled as C. Returns how many were delivered,
 * or -1 with a message on stderr. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

#include "produce_c.h"

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
  (void)rk;
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++*(int *)opaque;
  else fprintf(stderr, "produce_c: delivery failed: %s\n", rd_kafka_err2str(message->err));
}

int produce_c(const char *bootstrap, const char *topic, int count) {
  char errstr[512];
  int delivered = 0;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "produce_c: %s\n", errstr);
    rd_kafka_conf_destroy(conf);
    return -1;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, &delivered);
  rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!producer) {
    fprintf(stderr, "produce_c: rd_kafka_new: %s\n", errstr);
    return -1;
  }
  for (int i = 0; i < count; ++i) {
    char key[32], value[32];
    snprintf(key, sizeof key, "k%d", i);
    snprintf(value, sizeof value, "v%d", i);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
        RD_KAFKA_V_VALUE(value, strlen(value)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err) {
      fprintf(stderr, "produce_c: producev: %s\n", rd_kafka_err2str(err));
      break;
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_resp_err_t err = rd_kafka_flush(producer, 30000);
  if (err) fprintf(stderr, "produce_c: flush: %s\n", rd_kafka_err2str(err));
  rd_kafka_destroy(producer);
  return delivered;
}
