// A consume-transform-produce process for client_txn_kill_test, on the engines directly: it
// fences any earlier instance (init_transactions), then reads every partition of the input
// topic from the group's committed offsets (read_committed), writes "out-<value>" to the output
// topic and commits its positions with send_offsets_to_transaction, every `batch` messages (or
// when idle), forever — the test kills it with SIGKILL at random points.
//
//   client_txn_transformer <bootstrap> <in-topic> <partitions> <out-topic> <group> <txn-id> <batch>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

#include "consumer.h"
#include "producer.h"

using namespace kafka::client;

namespace {

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "transformer: %s\n", what.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 8) die("usage: bootstrap in partitions out group txn-id batch");
  std::signal(SIGPIPE, SIG_IGN);
  std::string bootstrap = argv[1], in = argv[2], out = argv[4], group = argv[5], txn_id = argv[6];
  int partitions = std::atoi(argv[3]);
  size_t batch = static_cast<size_t>(std::atoi(argv[7]));

  std::string errstr;
  auto producer = ProducerCore::create(
      {{"bootstrap.servers", bootstrap}, {"transactional.id", txn_id}, {"linger.ms", "2"}}, {}, errstr);
  if (!producer) die(errstr);
  // First fence the previous instance: its open transaction (output and offsets) is aborted
  // before we read the committed offsets.
  for (;;) {
    auto e = producer->init_transactions(30000);
    if (!e) break;
    if (!e.retriable) die("init_transactions: " + e.reason);
  }
  auto consumer = ConsumerCore::create({{"bootstrap.servers", bootstrap},
                                        {"group.id", group},
                                        {"isolation.level", "read_committed"},
                                        {"auto.offset.reset", "earliest"},
                                        {"enable.auto.commit", "false"}},
                                       {}, errstr);
  if (!consumer) die(errstr);
  TopicPartitionList assignment;
  for (int32_t p = 0; p < partitions; ++p) {
    TopicPartitionOffset t;
    t.topic = in;
    t.partition = p;
    t.offset = kOffsetInvalid;  // the committed offset
    assignment.push_back(t);
  }
  if (consumer->assign(assignment) != 0) die("assign");
  TxnGroupMetadata gm;
  gm.group_id = group;

  std::map<int32_t, int64_t> next;  // next offset per input partition in this transaction
  size_t in_txn = 0;
  bool open = false;
  auto rewind = [&] {
    // After an abort: continue from the committed offsets again.
    next.clear();
    if (consumer->assign({}) != 0 || consumer->assign(assignment) != 0) die("re-assign");
  };
  for (;;) {
    auto m = consumer->consume(50);
    if (m && !m->error()) {
      if (!open) {
        if (auto e = producer->begin_transaction()) die("begin_transaction: " + e.reason);
        open = true;
      }
      std::string value = "out-" + (m->value() ? std::string(kafka::as_string(*m->value())) : std::string());
      Message o;
      o.topic = out;
      o.key = m->key();
      o.value = kafka::as_bytes(value);
      if (int rc = producer->produce(o, true)) die("produce: " + err_name(rc));
      next[m->partition()] = m->offset() + 1;
      ++in_txn;
    }
    if (open && (in_txn >= batch || !m)) {
      std::vector<TopicPartitionOffset> offsets;
      for (auto& [p, off] : next) {
        TopicPartitionOffset t;
        t.topic = in;
        t.partition = p;
        t.offset = off;
        offsets.push_back(t);
      }
      TxnError e = producer->send_offsets_to_transaction(offsets, gm, 30000);
      while (!e) {
        e = producer->commit_transaction(30000);
        if (!e || !e.retriable) break;
      }
      if (e.fatal) die("fatal: " + e.reason);
      if (e) {
        std::fprintf(stderr, "transformer: aborting: %s\n", e.reason.c_str());
        if (auto a = producer->abort_transaction(30000)) die("abort_transaction: " + a.reason);
        rewind();
      }
      open = false;
      in_txn = 0;
    }
  }
}
