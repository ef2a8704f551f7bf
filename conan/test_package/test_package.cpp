// A consumer of the kafkaplus package: starts an in-process refbroker, produces with the C API,
// reads back with the C++ API and, with eos, writes a row into SQLite. Exit status 0 on success.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <refbroker/broker.h>
#ifdef KAFKAPLUS_TEST_EOS
#include <eos/sink.h>
#endif

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>

int main() {
  auto dir = std::filesystem::temp_directory_path() / ("kafkaplus-test-package-" + std::to_string(::getpid()));
  refbroker::Broker broker(refbroker::BrokerOptions{.data_dir = dir / "data"});
  broker.start();
  const std::string bootstrap = broker.bootstrap();

  // C API: one record.
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr, sizeof errstr);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!producer) return std::cerr << "rd_kafka_new: " << errstr << "\n", 1;
  const char value[] = "hello from the package";
  rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("test_package"), RD_KAFKA_V_VALUE(const_cast<char*>(value), sizeof value - 1),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  bool flushed = rd_kafka_flush(producer, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_destroy(producer);
  if (!flushed) return std::cerr << "flush failed\n", 1;

  // C++ API: read it back.
  std::string err;
  std::unique_ptr<RdKafka::Conf> cconf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  cconf->set("bootstrap.servers", bootstrap, err);
  cconf->set("group.id", "test_package", err);
  cconf->set("auto.offset.reset", "earliest", err);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(cconf.get(), err));
  if (!consumer) return std::cerr << "KafkaConsumer::create: " << err << "\n", 1;
  consumer->subscribe({"test_package"});
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (got.empty() && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(200));
    if (message->err() == RdKafka::ERR_NO_ERROR) got.assign(static_cast<const char*>(message->payload()), message->len());
  }
  consumer->close();
  consumer.reset();  // before the broker goes
  if (got != value) return std::cerr << "consumed '" << got << "'\n", 1;

#ifdef KAFKAPLUS_TEST_EOS
  auto session = eos::open_session("sqlite:" + (dir / "eos.db").string());
  session->execute_sql("CREATE TABLE t (v TEXT)");
  session->execute("INSERT INTO t VALUES (?)", {std::string(got)});
  if (eos::as_int(session->query("SELECT COUNT(*) FROM t").at(0).at(0)) != 1) return std::cerr << "eos: no row\n", 1;
#endif
  broker.stop();
  std::filesystem::remove_all(dir);
  std::cout << "kafkaplus test_package: " << RdKafka::version_str() << " round trip through refbroker " << bootstrap
            << ": OK\n";
  return 0;
}
