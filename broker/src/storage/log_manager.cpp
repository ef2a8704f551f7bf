#include "storage/log_manager.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <mutex>
#include <random>
#include <sstream>

#include "storage/io.h"

namespace refbroker::storage {

using kafka::Error;
namespace fs = std::filesystem;

namespace {

Status storage_error(const std::exception& e) { return Status::fail(Error::KAFKA_STORAGE_ERROR, e.what()); }

bool legal_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

std::string collision_key(std::string_view name) {
  std::string s(name);
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

kafka::proto::Uuid random_topic_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lk(mu);
  kafka::proto::Uuid id{};
  for (;;) {
    uint64_t hi = rng(), lo = rng();
    for (int i = 0; i < 8; ++i) {
      id[static_cast<size_t>(i)] = static_cast<uint8_t>(hi >> (56 - 8 * i));
      id[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(lo >> (56 - 8 * i));
    }
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);  // version 4, like java.util.UUID
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
    // Kafka never hands out the zero / metadata ids, nor ids whose base64 starts with '-'.
    bool reserved = std::all_of(id.begin(), id.end(), [](uint8_t b) { return b == 0; }) ||
                    (std::all_of(id.begin(), id.end() - 1, [](uint8_t b) { return b == 0; }) && id[15] == 1);
    if (!reserved && (id[0] >> 2) != 62) return id;
  }
}

std::string to_hex(const kafka::proto::Uuid& id) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (uint8_t b : id) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

bool from_hex(std::string_view s, kafka::proto::Uuid& id) {
  if (s.size() != 32) return false;
  for (size_t i = 0; i < 16; ++i) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data() + 2 * i, s.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != s.data() + 2 * i + 2) return false;
    id[i] = static_cast<uint8_t>(v);
  }
  return true;
}

std::string meta_text(const TopicInfo& info) {
  std::string s = "version=1\ntopic_id=" + to_hex(info.topic_id) + "\npartitions=" + std::to_string(info.partitions) + "\n";
  for (auto& [k, v] : info.overrides) s += "config." + k + "=" + v + "\n";
  return s;
}

// "<topic>-<partition>" -> (topic, partition)
bool parse_partition_dir(const std::string& name, std::string& topic, int32_t& p) {
  size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) return false;
  auto [ptr, ec] = std::from_chars(name.data() + dash + 1, name.data() + name.size(), p);
  if (ec != std::errc() || ptr != name.data() + name.size() || p < 0) return false;
  topic = name.substr(0, dash);
  return LogManager::validate_topic_name(topic).ok();
}

// Only directories holding nothing but log files are removed as orphans.
bool looks_like_partition_dir(const fs::path& dir) {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    auto ext = e.path().extension().string();
    if (n == PartitionLog::kCheckpointFile || n == PartitionLog::kCleanShutdownFile) continue;
    if (ext == ".log" || ext == ".index" || ext == ".timeindex" || ext == ".tmp" || ext == ".deleted" ||
        ext == ".txnindex" || ext == ".snapshot")
      continue;
    return false;
  }
  return !ec;
}

}  // namespace

Status LogManager::validate_topic_name(std::string_view name) {
  auto bad = [&](std::string why) { return Status::fail(Error::INVALID_TOPIC_EXCEPTION, "Topic name is invalid: " + why); };
  if (name.empty()) return bad("the empty string is not allowed");
  if (name == ".") return bad("'.' is not allowed");
  if (name == "..") return bad("'..' is not allowed");
  if (name.size() > kMaxTopicNameLength)
    return bad("the length of '" + std::string(name) + "' is longer than the max allowed length " +
               std::to_string(kMaxTopicNameLength));
  if (!std::all_of(name.begin(), name.end(), legal_char))
    return bad("'" + std::string(name) + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
  return {};
}

Result<std::unique_ptr<LogManager>> LogManager::open(Options options, int64_t now_ms) {
  std::unique_ptr<LogManager> m(new LogManager(std::move(options)));
  try {
    m->load(now_ms);
  } catch (const std::exception& e) {
    return storage_error(e);
  }
  return m;
}

LogManager::~LogManager() { close(); }

fs::path LogManager::partition_dir(std::string_view topic, int32_t p) const {
  return options_.data_dir / (std::string(topic) + "-" + std::to_string(p));
}

Result<std::shared_ptr<PartitionLog>> LogManager::open_partition(const TopicInfo& info, int32_t p, int64_t now_ms,
                                                                 bool fresh) const {
  auto dir = partition_dir(info.name, p);
  if (fresh) {  // leftovers of a deleted topic with this name must not be adopted
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return PartitionLog::open(dir, info.config, now_ms);
}

void LogManager::write_meta(const TopicInfo& info) const {
  io::write_file_atomic(options_.data_dir / kMetaDir / info.name, meta_text(info), options_.defaults.fsync);
}

void LogManager::load(int64_t now_ms) {
  const fs::path& dir = options_.data_dir;
  fs::create_directories(dir / kMetaDir);
  lock_fd_ = io::open_file(dir / ".lock", O_RDWR | O_CREAT);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw std::runtime_error("data directory " + dir.string() + " is in use by another log manager");
  }
  // Every segment keeps its .log open: ask for the hard limit of file descriptors.
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }

  for (auto& e : fs::directory_iterator(dir / kMetaDir)) {
    std::string name = e.path().filename().string();
    if (e.path().extension() == ".tmp") {
      io::unlink_if_exists(e.path());
      continue;
    }
    if (!validate_topic_name(name).ok()) continue;
    auto text = io::read_small_file(e.path());
    if (!text) continue;
    auto corrupt = [&] { return std::runtime_error("corrupt topic metadata file " + e.path().string()); };
    TopicInfo info;
    info.name = name;
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "topic_id") from_hex(value, info.topic_id);
      else if (key == "partitions") {
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), info.partitions);
        if (ec != std::errc() || p != value.data() + value.size()) throw corrupt();
      }
      else if (key.rfind("config.", 0) == 0) info.overrides[key.substr(7)] = value;
    }
    if (info.partitions <= 0) throw corrupt();  // never silently: its directories would look orphaned
    // Overrides that no longer validate (e.g. after an upgrade) are dropped, not fatal.
    for (auto it = info.overrides.begin(); it != info.overrides.end();) {
      if (LogConfig::from_topic_configs({{it->first, it->second}}, options_.defaults).ok()) ++it;
      else it = info.overrides.erase(it);
    }
    info.config = *LogConfig::from_topic_configs(info.overrides, options_.defaults);
    Topic t;
    t.info = info;
    for (int32_t p = 0; p < info.partitions; ++p) {
      auto log = open_partition(info, p, now_ms, false);
      if (!log) throw std::runtime_error("opening " + partition_dir(name, p).string() + ": " + log.message());
      t.logs.push_back(std::move(*log));
    }
    topics_.emplace(name, std::move(t));
  }

  // Partition directories of deleted topics (a crash during deletion) or half-created partitions.
  for (auto& e : fs::directory_iterator(dir)) {
    if (!e.is_directory()) continue;
    std::string name = e.path().filename().string(), topic;
    int32_t p;
    if (name == kMetaDir || !parse_partition_dir(name, topic, p)) continue;
    auto it = topics_.find(topic);
    if (it != topics_.end() && p < it->second.info.partitions) continue;
    if (looks_like_partition_dir(e.path())) fs::remove_all(e.path());
  }
}

Result<TopicInfo> LogManager::create_topic(std::string_view name, int32_t partitions, const ConfigMap& overrides,
                                           bool validate_only) {
  if (auto st = validate_topic_name(name); !st) return st;
  if (partitions <= 0)
    return Status::fail(Error::INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value.");
  auto cfg = LogConfig::from_topic_configs(overrides, options_.defaults);
  if (!cfg) return cfg.status();

  std::unique_lock lk(mu_);
  if (lock_fd_ < 0) return Status::fail(Error::KAFKA_STORAGE_ERROR, "log manager is closed");
  if (topics_.count(name)) return Status::fail(Error::TOPIC_ALREADY_EXISTS, "Topic '" + std::string(name) + "' already exists.");
  std::string key = collision_key(name);
  for (auto& [other, t] : topics_)
    if (collision_key(other) == key)
      return Status::fail(Error::INVALID_TOPIC_EXCEPTION,
                          "Topic '" + std::string(name) + "' collides with existing topic: " + other);

  TopicInfo info;
  info.name = std::string(name);
  info.topic_id = random_topic_id();
  info.partitions = partitions;
  info.overrides = overrides;
  info.config = std::move(*cfg);
  // Store the normalized values.
  for (auto& [k, v] : info.overrides) v = *info.config.get(k);
  if (validate_only) return info;

  Topic t;
  t.info = info;
  auto now = wall_clock_ms();
  auto undo = [&] {
    for (auto& l : t.logs) (void)l->remove();
  };
  for (int32_t p = 0; p < partitions; ++p) {
    auto log = open_partition(info, p, now, true);
    if (!log) {
      undo();
      return log.status();
    }
    t.logs.push_back(std::move(*log));
  }
  try {
    write_meta(info);  // the commit point
  } catch (const std::exception& e) {
    undo();
    return storage_error(e);
  }
  topics_.emplace(info.name, std::move(t));
  return info;
}

Status LogManager::delete_topic(std::string_view name) {
  std::unique_lock lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end())
    return Status::fail(Error::UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
  try {
    io::unlink_if_exists(options_.data_dir / kMetaDir / it->first);
    if (options_.defaults.fsync) io::fsync_dir(options_.data_dir / kMetaDir);
  } catch (const std::exception& e) {
    return storage_error(e);
  }
  Status result;
  for (auto& log : it->second.logs)
    if (auto st = log->remove(); !st && result.ok()) result = st;  // leftovers go at the next start
  topics_.erase(it);
  return result;
}

Result<TopicInfo> LogManager::create_partitions(std::string_view name, int32_t total, bool validate_only) {
  std::unique_lock lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end())
    return Status::fail(Error::UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
  Topic& t = it->second;
  int32_t current = t.info.partitions;
  if (total == current)
    return Status::fail(Error::INVALID_PARTITIONS, "Topic already has " + std::to_string(current) + " partitions.");
  if (total < current)
    return Status::fail(Error::INVALID_PARTITIONS, "Topic currently has " + std::to_string(current) +
                                                        " partitions, which is higher than the requested " +
                                                        std::to_string(total) + ".");
  TopicInfo info = t.info;
  info.partitions = total;
  if (validate_only) return info;
  std::vector<std::shared_ptr<PartitionLog>> added;
  auto now = wall_clock_ms();
  for (int32_t p = current; p < total; ++p) {
    auto log = open_partition(info, p, now, true);
    if (!log) {
      for (auto& l : added) (void)l->remove();
      return log.status();
    }
    added.push_back(std::move(*log));
  }
  try {
    write_meta(info);
  } catch (const std::exception& e) {
    for (auto& l : added) (void)l->remove();
    return storage_error(e);
  }
  t.info = info;
  for (auto& l : added) t.logs.push_back(std::move(l));
  return info;
}

Result<TopicInfo> LogManager::alter_topic_config(std::string_view name, const ConfigMap& overrides, bool validate_only) {
  auto cfg = LogConfig::from_topic_configs(overrides, options_.defaults);
  if (!cfg) return cfg.status();
  std::unique_lock lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end())
    return Status::fail(Error::UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
  TopicInfo info = it->second.info;
  info.overrides = overrides;
  info.config = std::move(*cfg);
  for (auto& [k, v] : info.overrides) v = *info.config.get(k);
  if (validate_only) return info;
  try {
    write_meta(info);
  } catch (const std::exception& e) {
    return storage_error(e);
  }
  it->second.info = info;
  for (auto& log : it->second.logs) log->set_config(info.config);
  return info;
}

std::optional<TopicInfo> LogManager::topic(std::string_view name) const {
  std::shared_lock lk(mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) return std::nullopt;
  return it->second.info;
}

std::vector<TopicInfo> LogManager::topics() const {
  std::shared_lock lk(mu_);
  std::vector<TopicInfo> out;
  out.reserve(topics_.size());
  for (auto& [n, t] : topics_) out.push_back(t.info);
  return out;
}

std::shared_ptr<PartitionLog> LogManager::partition(std::string_view topic, int32_t partition) const {
  std::shared_lock lk(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end() || partition < 0 || static_cast<size_t>(partition) >= it->second.logs.size()) return nullptr;
  return it->second.logs[static_cast<size_t>(partition)];
}

std::vector<std::shared_ptr<PartitionLog>> LogManager::partitions(std::string_view topic) const {
  std::shared_lock lk(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return {};
  return it->second.logs;
}

int LogManager::run_retention(int64_t now_ms) {
  std::vector<std::shared_ptr<PartitionLog>> logs;
  {
    std::shared_lock lk(mu_);
    for (auto& [n, t] : topics_) logs.insert(logs.end(), t.logs.begin(), t.logs.end());
  }
  int deleted = 0;
  for (auto& l : logs)
    if (auto r = l->apply_retention(now_ms)) deleted += *r;
  return deleted;
}

Status LogManager::flush_all() {
  std::vector<std::shared_ptr<PartitionLog>> logs;
  {
    std::shared_lock lk(mu_);
    for (auto& [n, t] : topics_) logs.insert(logs.end(), t.logs.begin(), t.logs.end());
  }
  Status result;
  for (auto& l : logs)
    if (auto st = l->flush(); !st && result.ok()) result = st;
  return result;
}

void LogManager::close() {
  std::unique_lock lk(mu_);
  // Two file-system syncs for all partitions instead of several fsyncs per partition: data,
  // indexes and checkpoints first, then the clean-shutdown markers.
  for (auto& [n, t] : topics_)
    for (auto& l : t.logs) l->prepare_close();
  bool sync = options_.defaults.fsync && lock_fd_ >= 0 && !topics_.empty();
  if (sync) ::syncfs(lock_fd_);
  for (auto& [n, t] : topics_)
    for (auto& l : t.logs) l->finish_close();
  if (sync) ::syncfs(lock_fd_);
  topics_.clear();
  if (lock_fd_ >= 0) {
    ::close(lock_fd_);  // releases the flock
    lock_fd_ = -1;
  }
}

}  // namespace refbroker::storage
