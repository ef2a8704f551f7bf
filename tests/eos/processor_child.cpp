// A TransactionalProcessor in a process of its own, for eos_processor_test's crash scenario:
//
//   eos_processor_child BOOTSTRAP TRANSACTIONAL_ID [HOLD_AFTER]
//
// Upper-cases topic "in" into topic "out" (group "proc") until SIGTERM. With HOLD_AFTER = N the
// transform of the N-th input record waits until the output produced so far in the open
// transaction has reached the broker, prints "holding" and blocks: the test kills the process with
// SIGKILL in the middle of that transaction.
#include <eos/processor.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

namespace {

eos::TransactionalProcessor* running = nullptr;
void on_signal(int) {
  if (running) running->stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: eos_processor_child BOOTSTRAP TRANSACTIONAL_ID [HOLD_AFTER]\n";
    return 2;
  }
  long hold_after = argc > 3 ? std::stol(argv[3]) : 0;
  eos::ProcessorConfig cfg;
  cfg.brokers = argv[1];
  cfg.input_topics = {"in"};
  cfg.group_id = "proc";
  cfg.transactional_id = argv[2];
  cfg.batch_max_records = 37;
  cfg.batch_max_time = std::chrono::milliseconds(50);
  cfg.consumer_properties = {{"session.timeout.ms", "1500"}, {"heartbeat.interval.ms", "300"}};
  cfg.log = [](const std::string& line) { std::cerr << "eos_processor_child: " << line << std::endl; };
  long seen = 0;
  eos::TransactionalProcessor proc(cfg, [&](const RdKafka::Message& in, eos::Emit& out) {
    if (hold_after > 0 && ++seen == hold_after) {
      // linger.ms is 5 ms: the output emitted so far in this transaction is on the broker well
      // before this, uncommitted.
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      std::cout << "holding" << std::endl;
      for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    std::string v(static_cast<const char*>(in.payload()), in.len());
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
    out("out", -1, in.key() ? std::optional<std::string>(*in.key()) : std::nullopt, v);
  });
  running = &proc;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  std::string error = proc.run();
  running = nullptr;
  auto m = proc.metrics();
  std::cout << "records_in " << m.records_in << " records_out " << m.records_out << " committed "
            << m.transactions_committed << " aborted " << m.transactions_aborted << std::endl;
  if (!error.empty()) {
    std::cerr << "eos_processor_child: " << error << std::endl;
    return 1;
  }
  return 0;
}
