// State shared by all connections: configuration, the logs, fault hooks, fetch wake-ups.
// Handlers reach it through RequestContext::broker.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acl.h"
#include "broker.h"
#include "config.h"
#include "listeners.h"
#include "sasl.h"
#include "faults.h"
#include "notifier.h"
#include "producer_state.h"
#include "groups.h"
#include "storage/log_config.h"
#include "storage/partition_log.h"
#include "txn/transaction_coordinator.h"

namespace refbroker {

struct RequestContext;
namespace storage {
class LogManager;
}

struct TopicPartitionLog {
  std::shared_ptr<storage::PartitionLog> log;
  kafka::Error error = kafka::Error::NONE;  // UNKNOWN_TOPIC_OR_PARTITION when absent
};

class BrokerState {
 public:
  explicit BrokerState(const BrokerOptions& options);
  ~BrokerState();

  // ---- configuration
  const BrokerConfig& config() const { return config_; }
  int32_t node_id() const { return node_id_; }
  const std::string& cluster_id() const { return cluster_id_; }
  const std::string& advertised_host() const { return advertised_host_; }
  int32_t advertised_port() const { return advertised_port_; }
  void set_advertised(const std::string& host, uint16_t port);
  // Listeners in configuration order; the server fills in bound ports (set_bound_port).
  const std::vector<ListenerSpec>& listeners() const { return listeners_; }
  void set_bound_port(size_t listener, uint16_t port);
  // The SASL setup of a SASL listener, null for others.
  const SaslListenerConfig* sasl_config(const std::string& listener) const;
  const Authorizer& authorizer() const { return *authorizer_; }
  Authorizer& authorizer() { return *authorizer_; }
  int64_t socket_request_max_bytes() const { return socket_request_max_bytes_; }
  int network_threads() const { return network_threads_; }
  int64_t housekeeping_interval_ms() const { return housekeeping_interval_ms_; }
  bool verbose() const { return verbose_; }
  bool auto_create_topics() const { return auto_create_topics_; }
  int32_t default_partitions() const { return default_partitions_; }

  // ---- topics and logs
  TopicPartitionLog partition(std::string_view topic, int32_t partition);
  // Partition count, or nullopt if the topic does not exist.
  std::optional<int32_t> partition_count(std::string_view topic);
  // The topic's id (kafka::proto::Uuid), nullopt for an unknown topic.
  std::optional<std::array<uint8_t, 16>> topic_id(std::string_view topic);
  std::vector<std::string> topic_names();
  struct TopicResult {
    kafka::Error error = kafka::Error::NONE;
    std::string message;
  };
  // partitions <= 0 means num.partitions; replication factor -1 or 1 (a single broker).
  TopicResult create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                           const storage::ConfigMap& configs, bool validate_only);
  TopicResult delete_topic(const std::string& name);
  TopicResult create_partitions(const std::string& name, int32_t total, bool validate_only);
  // Effective topic config (defaults + overrides), or nullopt if the topic does not exist.
  std::optional<storage::LogConfig> topic_config(std::string_view topic);
  const storage::LogConfig& default_log_config() const { return default_log_config_; }

  // ---- runtime
  FaultInjector& faults() { return faults_; }
  AppendNotifier& notifier() { return notifier_; }
  ProducerStates& producers() { return *producers_; }
  GroupCoordinator& groups() { return *groups_; }
  txn::TransactionCoordinator& transactions() { return *transactions_; }
  // Appends a transaction's COMMIT/ABORT marker to a partition (recording an abort in the
  // partition's aborted-transaction index first) and wakes fetchers.
  void write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id, int16_t epoch, bool commit);
  // Writes an error response for an injected fault; false if this API has no error answer.
  bool answer_error(RequestContext& ctx);
  void housekeeping();
  void shutdown();

 private:
  BrokerConfig config_;
  std::vector<ListenerSpec> listeners_;
  std::map<std::string, std::unique_ptr<SaslListenerConfig>> sasl_configs_;
  std::unique_ptr<Authorizer> authorizer_;
  int32_t node_id_ = 1;
  std::string cluster_id_;
  std::string advertised_host_;
  int32_t advertised_port_ = 0;
  int64_t socket_request_max_bytes_ = 104857600;
  int network_threads_ = 1;
  int64_t housekeeping_interval_ms_ = 300000;
  bool verbose_ = false;
  bool auto_create_topics_ = true;
  int32_t default_partitions_ = 1;
  storage::LogConfig default_log_config_;
  std::unique_ptr<storage::LogManager> logs_;
  FaultInjector faults_;
  AppendNotifier notifier_;
  std::unique_ptr<ProducerStates> producers_;
  std::unique_ptr<GroupCoordinator> groups_;
  std::unique_ptr<txn::TransactionCoordinator> transactions_;
};

}  // namespace refbroker
