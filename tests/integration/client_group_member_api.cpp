// One consumer group member written against librdkafka's C API, driven by client_group_test
// through the line protocol of client_group_member_io.h. Built against Debian's librdkafka
// (client_group_member_rdkafka: the reference behaviour the test's expectations are checked
// against) and against our facade (client_group_member_facade).
#include <librdkafka/rdkafka.h>

#include <cstring>
#include <string>

#include "client_group_member_io.h"

using namespace member_io;

namespace {

Options options;
Progress progress;

std::set<int32_t> partitions_of(const rd_kafka_topic_partition_list_t* list) {
  std::set<int32_t> out;
  for (int i = 0; i < list->cnt; ++i) out.insert(list->elems[i].partition);
  return out;
}

bool commit(rd_kafka_t* rk, const std::set<int32_t>& partitions) {
  auto offsets = progress.to_commit(partitions);
  if (offsets.empty()) return true;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (auto& [p, o] : offsets) rd_kafka_topic_partition_list_add(list, options.topic.c_str(), p)->offset = o;
  rd_kafka_resp_err_t rc = rd_kafka_commit(rk, list, 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (rc) {
    progress.commit_failed(offsets, rd_kafka_err2name(rc));
    return false;
  }
  progress.committed_ok(offsets);
  return true;
}

void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions, void*) {
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  auto parts = partitions_of(partitions);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    emit_timed("assign", format_parts(parts));
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions)) {
        emit(std::string("error assign ") + rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else if (rd_kafka_resp_err_t rc = rd_kafka_assign(rk, partitions)) {
      emit(std::string("error assign ") + rd_kafka_err2name(rc));
    }
    if (!cooperative) progress.owned.clear();
    progress.owned.insert(parts.begin(), parts.end());
  } else {
    emit_timed("revoke", format_parts(parts));
    if (!rd_kafka_assignment_lost(rk)) commit(rk, parts);
    // Done with these partitions. Stamped before the unassign call because that call is the
    // hand-over itself: librdkafka may rejoin (and others get the partitions) before it returns.
    emit_timed("revoked", format_parts(parts));
    if (cooperative) {
      if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions)) {
        emit(std::string("error unassign ") + rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    for (int32_t p : parts) progress.owned.erase(p);
    progress.forget(parts);
  }
  emit_timed("owned", format_parts(progress.owned));
}

}  // namespace

int main(int argc, char** argv) {
  options = parse_options(argc, argv);
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const char* k, const std::string& v) {
    if (rd_kafka_conf_set(conf, k, v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      emit(std::string("error conf ") + k + ": " + errstr);
  };
  set("bootstrap.servers", options.broker);
  set("group.id", options.group);
  set("partition.assignment.strategy", options.strategy);
  set("session.timeout.ms", std::to_string(options.session_timeout_ms));
  set("heartbeat.interval.ms", "250");
  set("max.poll.interval.ms", "30000");
  set("enable.auto.commit", "false");
  set("auto.offset.reset", "earliest");
  rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    emit(std::string("unsupported create: ") + errstr);
    return 0;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t rc = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (rc == RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED) {
    emit(std::string("unsupported subscribe: ") + rd_kafka_err2name(rc));
    return 0;
  }
  if (rc) {
    emit(std::string("error subscribe ") + rd_kafka_err2name(rc));
    return 1;
  }
  emit("ready");
  while (!close_requested()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) {
      if (progress.uncommitted > 0) commit(rk, progress.owned);
      continue;
    }
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) emit(std::string("error consume ") + rd_kafka_err2name(m->err));
    } else {
      emit("msg " + std::to_string(m->partition) + " " + std::to_string(m->offset));
      progress.consumed(m->partition, m->offset);
    }
    rd_kafka_message_destroy(m);
    if (progress.uncommitted >= options.commit_every) commit(rk, progress.owned);
  }
  rc = rd_kafka_consumer_close(rk);  // the revoke callback runs in here
  if (rc) emit(std::string("error close ") + rd_kafka_err2name(rc));
  emit_timed("closed");
  rd_kafka_destroy(rk);
  return 0;
}
