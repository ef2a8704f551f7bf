#include "state.h"

#include <fstream>
#include <iostream>
#include <random>

#include "handler.h"
#include "storage/log_manager.h"
#include "kafka/protocol/record_batch.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

namespace {

// A stable cluster id, kept in <data-dir>/meta.properties like Kafka's.
std::string load_or_create_cluster_id(const std::filesystem::path& dir) {
  auto path = dir / "meta.properties";
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("cluster.id=", 0) == 0) return line.substr(11);
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string id;
  for (int i = 0; i < 22; ++i) id += alphabet[rd() % 64];
  auto tmp = path;
  tmp += ".tmp";
  std::ofstream(tmp) << "version=1\ncluster.id=" << id << "\n";
  std::filesystem::rename(tmp, path);
  return id;
}

}  // namespace

BrokerState::BrokerState(const BrokerOptions& options) {
  for (auto& [k, v] : options.config) config_.set(k, v);
  node_id_ = static_cast<int32_t>(config_.get_int("node.id", config_.get_int("broker.id", 1, 0, INT32_MAX), 0, INT32_MAX));
  socket_request_max_bytes_ = config_.get_int("socket.request.max.bytes", 104857600, 1, INT32_MAX);
  network_threads_ = static_cast<int>(config_.get_int("num.network.threads", 1, 1, 64));
  housekeeping_interval_ms_ = config_.get_int("log.retention.check.interval.ms", 300000, 1, INT64_MAX);
  auto_create_topics_ = config_.get_bool("auto.create.topics.enable", true);
  default_partitions_ = static_cast<int32_t>(config_.get_int("num.partitions", 1, 1, 1000000));
  verbose_ = config_.get_bool("refbroker.verbose", false);
  listeners_ = parse_listeners(config_, options.host, options.port);
  for (auto& l : listeners_)
    if (uses_sasl(l.protocol)) sasl_configs_[l.name] = std::make_unique<SaslListenerConfig>(load_sasl_config(config_, l));
  authorizer_ = std::make_unique<Authorizer>(config_);

  storage::ConfigMap props(config_.values().begin(), config_.values().end());
  auto defaults = storage::LogConfig::from_broker_configs(props);
  if (!defaults) throw ConfigError(defaults.message());
  default_log_config_ = *defaults;

  if (options.data_dir.empty()) throw ConfigError("a data directory is required");
  std::filesystem::create_directories(options.data_dir);
  cluster_id_ = load_or_create_cluster_id(options.data_dir);
  auto logs = storage::LogManager::open({options.data_dir, default_log_config_});
  if (!logs) throw std::runtime_error("cannot open data dir " + options.data_dir.string() + ": " + logs.message());
  logs_ = std::move(*logs);
  producers_ = std::make_unique<ProducerStates>(options.data_dir.string());
  GroupConfig group_config;
  group_config.min_session_timeout_ms =
      static_cast<int32_t>(config_.get_int("group.min.session.timeout.ms", 6000, 0, INT32_MAX));
  group_config.max_session_timeout_ms =
      static_cast<int32_t>(config_.get_int("group.max.session.timeout.ms", 1800000, 0, INT32_MAX));
  group_config.initial_rebalance_delay_ms =
      static_cast<int32_t>(config_.get_int("group.initial.rebalance.delay.ms", 0, 0, INT32_MAX));
  group_config.max_metadata_bytes = static_cast<int32_t>(config_.get_int("offset.metadata.max.bytes", 4096, 0, INT32_MAX));
  group_config.max_size = static_cast<int32_t>(config_.get_int("group.max.size", INT32_MAX, 1, INT32_MAX));
  group_config.offsets_retention_ms = config_.get_int("offsets.retention.minutes", 7 * 24 * 60, 1, INT32_MAX) * 60000;
  // Not a Kafka key: a retention below a minute, for tests of offset expiry.
  group_config.offsets_retention_ms =
      config_.get_int("refbroker.offsets.retention.ms", group_config.offsets_retention_ms, 1, INT64_MAX);
  group_config.offsets_retention_check_interval_ms =
      config_.get_int("offsets.retention.check.interval.ms", 600000, 1, INT64_MAX);
  groups_ = std::make_unique<GroupCoordinator>(options.data_dir, group_config);

  txn::TxnConfig txn_config;
  txn_config.max_timeout_ms = static_cast<int32_t>(config_.get_int("transaction.max.timeout.ms", 900000, 1, INT32_MAX));
  txn_config.abort_check_interval_ms =
      config_.get_int("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000, 1, INT64_MAX);
  txn_config.id_expiration_ms = config_.get_int("transactional.id.expiration.ms", 604800000, 1, INT32_MAX);
  txn_config.id_expiration_check_interval_ms =
      config_.get_int("transactional.id.expiration.check.interval.ms", 3600000, 1, INT32_MAX);
  txn_config.crash_after_prepare = config_.get_bool("refbroker.txn.test.crash.after.prepare", false);
  txn::TxnHooks hooks;
  hooks.write_marker = [this](const std::string& topic, int32_t partition, int64_t pid, int16_t epoch, bool commit) {
    write_txn_marker(topic, partition, pid, epoch, commit);
  };
  hooks.complete_offsets = [this](const std::string& group, int64_t pid, bool commit) {
    groups_->complete_txn(group, pid, commit);
  };
  hooks.allocate_producer_id = [this] { return producers_->allocate_producer_id(); };
  transactions_ = std::make_unique<txn::TransactionCoordinator>(options.data_dir, txn_config, std::move(hooks));
}

void BrokerState::write_txn_marker(const std::string& topic, int32_t partition, int64_t producer_id, int16_t epoch,
                                   bool commit) {
  auto tp = this->partition(topic, partition);
  if (!tp.log) return;  // deleted since it joined the transaction: nothing to mark
  auto state = producers_->partition(topic, partition);
  {
    std::lock_guard lock(state->mutex());
    state->ensure_loaded(*tp.log);
    int64_t log_end = tp.log->log_end_offset();
    if (!commit) state->record_abort(producer_id, log_end, log_end);
    auto marker = kafka::make_control_batch(commit ? kafka::ControlType::Commit : kafka::ControlType::Abort, producer_id,
                                            epoch, 0, storage::wall_clock_ms());
    auto r = tp.log->append(std::span<uint8_t>(marker.data(), marker.size()));
    if (!r) throw std::runtime_error("cannot write a transaction marker to " + topic + "-" + std::to_string(partition) +
                                     ": " + r.message());
    kafka::BatchHeader h;
    kafka::BatchHeader::parse(std::span<const uint8_t>(marker.data(), marker.size()), h);
    state->record(h, r->base_offset);
  }
  notifier_.notify_all();
}

BrokerState::~BrokerState() { shutdown(); }

void BrokerState::set_advertised(const std::string& host, uint16_t port) {
  advertised_host_ = config_.get_string("advertised.host.name", host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host);
  advertised_port_ = port;
}

void BrokerState::set_bound_port(size_t listener, uint16_t port) {
  auto& l = listeners_.at(listener);
  l.port = port;
  if (listener == 0) set_advertised(l.advertised_host, l.advertised_port ? static_cast<uint16_t>(l.advertised_port) : port);
}

const SaslListenerConfig* BrokerState::sasl_config(const std::string& listener) const {
  auto it = sasl_configs_.find(listener);
  return it == sasl_configs_.end() ? nullptr : it->second.get();
}

bool RequestContext::authorized(AclOperation op, ResourceType type, std::string_view name) const {
  const Authorizer& a = broker.authorizer();
  if (!a.enabled()) return true;
  std::string host = client_host.size() > 1 && client_host[0] == '/' ? client_host.substr(1) : client_host;
  bool ok = a.authorize(principal(), host, op, type, name);
  if (!ok && broker.verbose())
    std::cerr << "refbroker: denied " << principal() << " " << operation_name(op) << " on " << resource_type_name(type)
              << " " << name << "\n";
  return ok;
}

bool RequestContext::authorized_any(AclOperation op, ResourceType type) const {
  const Authorizer& a = broker.authorizer();
  if (!a.enabled()) return true;
  std::string host = client_host.size() > 1 && client_host[0] == '/' ? client_host.substr(1) : client_host;
  return a.authorize_any(principal(), host, op, type);
}

TopicPartitionLog BrokerState::partition(std::string_view topic, int32_t partition) {
  auto log = logs_->partition(topic, partition);
  if (!log) return {nullptr, Error::UNKNOWN_TOPIC_OR_PARTITION};
  return {std::move(log), Error::NONE};
}

std::optional<int32_t> BrokerState::partition_count(std::string_view topic) {
  auto t = logs_->topic(topic);
  if (!t) return std::nullopt;
  return t->partitions;
}

std::optional<std::array<uint8_t, 16>> BrokerState::topic_id(std::string_view topic) {
  auto t = logs_->topic(topic);
  if (!t) return std::nullopt;
  return t->topic_id;
}

std::vector<std::string> BrokerState::topic_names() {
  std::vector<std::string> names;
  for (auto& t : logs_->topics()) names.push_back(t.name);
  return names;
}

std::optional<storage::LogConfig> BrokerState::topic_config(std::string_view topic) {
  auto t = logs_->topic(topic);
  if (!t) return std::nullopt;
  return t->config;
}

BrokerState::TopicResult BrokerState::create_topic(const std::string& name, int32_t partitions, int16_t replication_factor,
                                                   const storage::ConfigMap& configs, bool validate_only) {
  if (replication_factor != -1 && replication_factor != 1) {
    if (replication_factor < 1) return {Error::INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0."};
    return {Error::INVALID_REPLICATION_FACTOR,
            "Replication factor: " + std::to_string(replication_factor) + " larger than available brokers: 1."};
  }
  if (partitions == 0 || partitions < -1) return {Error::INVALID_PARTITIONS, "Number of partitions must be larger than 0."};
  auto r = logs_->create_topic(name, partitions == -1 ? default_partitions_ : partitions, configs, validate_only);
  if (!r) return {r.error(), r.message()};
  return {};
}

BrokerState::TopicResult BrokerState::delete_topic(const std::string& name) {
  auto s = logs_->delete_topic(name);
  if (s.ok()) {
    producers_->forget_topic(name);
    groups_->forget_topic(name);
  }
  return {s.error, s.message};
}

BrokerState::TopicResult BrokerState::create_partitions(const std::string& name, int32_t total, bool validate_only) {
  auto r = logs_->create_partitions(name, total, validate_only);
  if (!r) return {r.error(), r.message()};
  return {};
}

bool BrokerState::answer_error(RequestContext& ctx) {
  auto err = kafka::code(ctx.fault->error);
  try {
    if (ctx.header.api_key == proto::ApiKey::Produce) {
      auto req = ctx.decode<proto::ProduceRequest>();
      proto::ProduceResponse resp;
      for (auto& t : req.topic_data) {
        auto& rt = resp.responses.emplace_back();
        rt.name = t.name;
        for (auto& p : t.partition_data) {
          auto& rp = rt.partition_responses.emplace_back();
          rp.index = p.index;
          rp.error_code = err;
          rp.base_offset = -1;
        }
      }
      ctx.reply(resp);
      return true;
    }
    if (ctx.header.api_key == proto::ApiKey::Fetch) {
      auto req = ctx.decode<proto::FetchRequest>();
      proto::FetchResponse resp;
      for (auto& t : req.topics) {
        auto& rt = resp.responses.emplace_back();
        rt.topic = t.topic;
        for (auto& p : t.partitions) {
          auto& rp = rt.partitions.emplace_back();
          rp.partition_index = p.partition;
          rp.error_code = err;
          rp.high_watermark = -1;
        }
      }
      ctx.reply(resp);
      return true;
    }
    if (ctx.header.api_key == proto::ApiKey::Metadata) {
      auto req = ctx.decode<proto::MetadataRequest>();
      proto::MetadataResponse resp;
      resp.brokers.push_back({node_id_, advertised_host_, advertised_port_, std::nullopt});
      resp.controller_id = node_id_;
      if (req.topics)
        for (auto& t : *req.topics) {
          auto& rt = resp.topics.emplace_back();
          rt.name = t.name;
          rt.error_code = err;
        }
      ctx.reply(resp);
      return true;
    }
    // Admin and group APIs (clients' retry and rerouting tests): the error on every item.
    switch (ctx.header.api_key) {
      case proto::ApiKey::CreateTopics: {
        auto req = ctx.decode<proto::CreateTopicsRequest>();
        proto::CreateTopicsResponse resp;
        for (auto& t : req.topics) {
          auto& r = resp.topics.emplace_back();
          r.name = t.name;
          r.error_code = err;
        }
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::DeleteRecords: {
        auto req = ctx.decode<proto::DeleteRecordsRequest>();
        proto::DeleteRecordsResponse resp;
        for (auto& t : req.topics) {
          auto& rt = resp.topics.emplace_back();
          rt.name = t.name;
          for (auto& p : t.partitions) rt.partitions.push_back({p.partition_index, -1, err});
        }
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::DescribeGroups: {
        auto req = ctx.decode<proto::DescribeGroupsRequest>();
        proto::DescribeGroupsResponse resp;
        for (auto& g : req.groups) {
          auto& r = resp.groups.emplace_back();
          r.group_id = g;
          r.error_code = err;
        }
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::ListGroups: {
        proto::ListGroupsResponse resp;
        resp.error_code = err;
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::OffsetFetch: {
        auto req = ctx.decode<proto::OffsetFetchRequest>();
        proto::OffsetFetchResponse resp;
        if (ctx.version() >= 8) {
          for (auto& g : req.groups) {
            auto& r = resp.groups.emplace_back();
            r.group_id = g.group_id;
            r.error_code = err;
          }
        } else {
          resp.error_code = err;
        }
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::AddPartitionsToTxn: {
        // Transactions (exactly-once tests): every partition refused, e.g. an abortable error.
        auto req = ctx.decode<proto::AddPartitionsToTxnRequest>();
        proto::AddPartitionsToTxnResponse resp;
        auto answer = [&](const std::vector<proto::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic>& topics) {
          std::vector<proto::AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult> results;
          for (auto& t : topics) {
            auto& r = results.emplace_back();
            r.name = t.name;
            for (int32_t p : t.partitions) r.results_by_partition.push_back({p, err});
          }
          return results;
        };
        if (ctx.version() >= 4) {
          for (auto& txn : req.transactions) resp.results_by_transaction.push_back({txn.transactional_id, answer(txn.topics)});
        } else {
          resp.results_by_topic_v3_and_below = answer(req.v3_and_below_topics);
        }
        ctx.reply(resp);
        return true;
      }
      case proto::ApiKey::OffsetCommit: {
        auto req = ctx.decode<proto::OffsetCommitRequest>();
        proto::OffsetCommitResponse resp;
        for (auto& t : req.topics) {
          auto& rt = resp.topics.emplace_back();
          rt.name = t.name;
          for (auto& p : t.partitions) rt.partitions.push_back({p.partition_index, err});
        }
        ctx.reply(resp);
        return true;
      }
      default:
        break;
    }
  } catch (const proto::ProtocolError&) {
  }
  return false;
}

void BrokerState::housekeeping() {
  if (logs_) logs_->run_retention();
}

void BrokerState::shutdown() {
  if (logs_) {
    logs_->close();
    logs_.reset();
  }
}

}  // namespace refbroker
