// One consumer group member on our ConsumerCore, driven by client_group_test through the line
// protocol of client_group_member_io.h. Commits synchronously every --commit-every messages,
// when idle, and for the partitions being revoked before giving them up.
#include <memory>
#include <string>

#include "client_group_member_io.h"
#include "consumer.h"
#include "errors_local.h"

using namespace kafka::client;
using namespace member_io;

namespace {

std::set<int32_t> partitions_of(const TopicPartitionList& list) {
  std::set<int32_t> out;
  for (auto& tp : list) out.insert(tp.partition);
  return out;
}

struct Member {
  Options options;
  std::unique_ptr<ConsumerCore> consumer;
  Progress progress;

  // Synchronous commit of what moved on in `partitions`; false if the commit failed.
  bool commit(const std::set<int32_t>& partitions) {
    auto offsets = progress.to_commit(partitions);
    if (offsets.empty()) return true;
    TopicPartitionList list;
    for (auto& [p, o] : offsets) {
      TopicPartitionOffset tp;
      tp.topic = options.topic;
      tp.partition = p;
      tp.offset = o;
      list.push_back(tp);
    }
    int rc = consumer->commit(&list, false);
    if (rc != 0) {
      progress.commit_failed(offsets, err_name(rc));
      return false;
    }
    progress.committed_ok(offsets);
    return true;
  }

  void on_rebalance(int err_code, TopicPartitionList& partitions) {
    const bool cooperative = consumer->rebalance_protocol() == RebalanceProtocol::Cooperative;
    auto parts = partitions_of(partitions);
    if (err_code == err(LocalErr::ASSIGN_PARTITIONS)) {
      emit_timed("assign", format_parts(parts));
      int rc = cooperative ? consumer->incremental_assign(partitions) : consumer->assign(partitions);
      if (rc != 0) emit("error assign " + err_name(rc));
      if (!cooperative) progress.owned.clear();
      progress.owned.insert(parts.begin(), parts.end());
    } else {
      emit_timed("revoke", format_parts(parts));
      if (!consumer->assignment_lost()) commit(parts);
      // Done with these partitions. Stamped before the unassign call because that call is the
      // hand-over itself: the client may rejoin (and others get the partitions) before it returns.
      emit_timed("revoked", format_parts(parts));
      int rc = cooperative ? consumer->incremental_unassign(partitions) : consumer->assign({});
      if (rc != 0) emit("error unassign " + err_name(rc));
      for (int32_t p : parts) progress.owned.erase(p);
      progress.forget(parts);
    }
    emit_timed("owned", format_parts(progress.owned));
  }

  int run() {
    ConsumerCallbacks cb;
    cb.rebalance = [this](int e, TopicPartitionList& parts) { on_rebalance(e, parts); };
    cb.error = [](int e, const std::string& reason) { emit("error " + err_name(e) + " " + reason); };
    std::string errstr;
    Properties props{{"bootstrap.servers", options.broker},
                     {"group.id", options.group},
                     {"partition.assignment.strategy", options.strategy},
                     {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
                     {"heartbeat.interval.ms", "250"},
                     {"max.poll.interval.ms", "30000"},
                     {"enable.auto.commit", "false"},
                     {"auto.offset.reset", "earliest"}};
    if (!options.client_id.empty()) props["client.id"] = options.client_id;
    consumer = ConsumerCore::create(props, cb, errstr);
    if (!consumer) {
      emit("unsupported create: " + errstr);
      return 0;
    }
    int rc = consumer->subscribe({options.topic});
    if (rc == err(LocalErr::NOT_IMPLEMENTED)) {
      emit("unsupported subscribe: " + err_name(rc));
      return 0;
    }
    if (rc != 0) {
      emit("error subscribe " + err_name(rc));
      return 1;
    }
    emit("ready");
    while (!close_requested()) {
      auto m = consumer->consume(100);
      if (!m) {
        if (progress.uncommitted > 0) commit(progress.owned);
        continue;
      }
      if (m->error()) {
        if (m->error() != err(LocalErr::PARTITION_EOF)) emit("error consume " + err_name(m->error()));
        continue;
      }
      std::string line = "msg " + std::to_string(m->partition()) + " " + std::to_string(m->offset());
      if (options.print_values) {
        auto value = m->value();
        line += " " + (value && !value->empty() ? hex(value->data(), value->size()) : std::string("-"));
      }
      emit(line);
      progress.consumed(m->partition(), m->offset());
      if (progress.uncommitted >= options.commit_every) commit(progress.owned);
    }
    rc = consumer->close();  // the revoke callback runs in here
    if (rc != 0) emit("error close " + err_name(rc));
    emit_timed("closed");
    return 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Member m;
  m.options = parse_options(argc, argv);
  return m.run();
}
