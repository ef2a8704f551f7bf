// package_user: what a user of the installed kafkaplus package writes, built twice by
// tests/packaging/install_package_test.sh (find_package and pkg-config). It
//   1. starts an in-process refbroker (kafkaplus::refbroker) that fails the first Produce request
//      (its fault injector), or uses --bootstrap HOST:PORT,
//   2. produces N records with the C API (produce_c.c), which retries past the fault,
//   3. reads them back with the C++ API (RdKafka::KafkaConsumer),
//   4. sinks them exactly once into SQLite with eos::Sink,
// and exits 0 only when every count and every value matches.
//   package_user --data-dir DIR [--bootstrap HOST:PORT] [--records N]
#include <eos/sink.h>
#include <librdkafka/rdkafkacpp.h>
#include <refbroker/broker.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "produce_c.h"

namespace {

int fail(const std::string& why) {
  std::cerr << "package_user: FAIL: " << why << std::endl;
  return 1;
}

// Reads `count` records from the beginning of `topic` with the C++ API; returns the distinct
// values seen (all must be vN for N < count).
std::set<std::string> consume_cpp(const std::string& bootstrap, const std::string& topic, int count,
                                  std::string& error) {
  std::set<std::string> values;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (auto [name, value] : {std::pair{"bootstrap.servers", bootstrap}, {"group.id", std::string("package-user-cpp")},
                             {"auto.offset.reset", std::string("earliest")}}) {
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      error = "conf " + std::string(name) + ": " + err;
      return values;
    }
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) {
    error = "KafkaConsumer::create: " + err;
    return values;
  }
  if (auto e = consumer->subscribe({topic}); e != RdKafka::ERR_NO_ERROR) {
    error = "subscribe: " + RdKafka::err2str(e);
    return values;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (static_cast<int>(values.size()) < count && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(200));
    if (message->err() == RdKafka::ERR_NO_ERROR)
      values.insert(std::string(static_cast<const char*>(message->payload()), message->len()));
    else if (message->err() != RdKafka::ERR__TIMED_OUT && message->err() != RdKafka::ERR__PARTITION_EOF)
      std::cerr << "package_user: consume: " << message->errstr() << std::endl;
  }
  consumer->close();
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path data_dir;
  std::string bootstrap;
  int count = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string option = argv[i];
    if (option == "--data-dir") data_dir = argv[i + 1];
    else if (option == "--bootstrap") bootstrap = argv[i + 1];
    else if (option == "--records") count = std::atoi(argv[i + 1]);
    else return fail("unknown option " + option);
  }
  if (data_dir.empty() || count <= 0) return fail("usage: package_user --data-dir DIR [--bootstrap HOST:PORT] [--records N]");
  std::filesystem::create_directories(data_dir);

  // 1. The broker: in-process unless one is given.
  std::unique_ptr<refbroker::Broker> broker;
  std::string where = "external refbroker";
  if (bootstrap.empty()) {
    broker = std::make_unique<refbroker::Broker>(refbroker::BrokerOptions{.data_dir = data_dir / "broker"});
    broker->start();
    bootstrap = broker->bootstrap();
    where = "in-process refbroker";
    broker->faults().add({.api = kafka::proto::ApiKey::Produce,
                          .action = refbroker::FaultAction::Error,
                          .error = kafka::Error::NOT_LEADER_OR_FOLLOWER,
                          .times = 1});
  }
  const std::string topic = "package-user";

  // 2. C API producer.
  int delivered = produce_c(bootstrap.c_str(), topic.c_str(), count);
  if (delivered != count) return fail("C API delivered " + std::to_string(delivered) + " of " + std::to_string(count));
  if (broker) {
    if (broker->faults().injected() != 1)
      return fail("fault injector: " + std::to_string(broker->faults().injected()) + " faults injected, expected 1");
    where += " (1 Produce failed with " + std::string(kafka::error_name(kafka::Error::NOT_LEADER_OR_FOLLOWER)) + ")";
  }

  // 3. C++ API consumer.
  std::string error;
  auto values = consume_cpp(bootstrap, topic, count, error);
  if (!error.empty()) return fail(error);
  if (static_cast<int>(values.size()) != count)
    return fail("C++ API consumed " + std::to_string(values.size()) + " distinct values of " + std::to_string(count));
  for (int i = 0; i < count; ++i)
    if (!values.count("v" + std::to_string(i))) return fail("value v" + std::to_string(i) + " not consumed");

  // 4. eos::Sink into SQLite, then the rows are counted.
  eos::SinkConfig config;
  config.brokers = bootstrap;
  config.topics = {topic};
  config.group_id = "package-user-sink";
  config.database_url = "sqlite:" + (data_dir / "sink.db").string();
  config.log = [](const std::string&) {};
  auto session = eos::open_session(config.database_url);
  session->execute_sql("CREATE TABLE IF NOT EXISTS records (topic TEXT, partition_id INTEGER, record_offset BIGINT,"
                       " record_value TEXT, PRIMARY KEY (topic, partition_id, record_offset))");
  auto handler = eos::map_rows("records", {"topic", "partition_id", "record_offset", "record_value"},
                               [](const eos::Record& r) {
                                 return std::tuple{std::string(r.topic), r.partition, r.offset,
                                                   std::string(r.value.value_or(""))};
                               });
  eos::Sink sink(config, std::move(session), handler);
  std::string sink_error;
  std::thread runner([&] { sink_error = sink.run(); });
  // The sink has no "caught up" event: its metrics say how many records are committed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (sink.metrics().records < static_cast<std::uint64_t>(count) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  sink.stop();
  runner.join();
  if (!sink_error.empty()) return fail("eos::Sink: " + sink_error);
  auto rows = eos::open_session(config.database_url)
                  ->query("SELECT COUNT(*), COUNT(DISTINCT record_value) FROM records WHERE record_value LIKE 'v%'");
  std::int64_t total = eos::as_int(rows.at(0).at(0)), distinct = eos::as_int(rows.at(0).at(1));
  if (total != count || distinct != count)
    return fail("SQLite has " + std::to_string(total) + " rows (" + std::to_string(distinct) + " distinct) of " +
                std::to_string(count));

  if (broker) broker->stop();
  std::cout << "package_user: " << where << " " << bootstrap << ": C API produced " << delivered
            << ", C++ API consumed " << values.size() << ", eos::Sink wrote " << total << " rows to SQLite: OK"
            << std::endl;
  return 0;
}
