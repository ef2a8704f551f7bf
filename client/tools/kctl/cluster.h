// Helpers shared by kctl's cluster subcommands (topics, groups, offsets, configs, ...): the admin
// handle from the command line, one deadline for the whole command, error reporting and the
// small value syntaxes (k=v, partition lists).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin.h"
#include "kctl.h"

namespace kctl {

// The AdminClient on --bootstrap-server and --command-config; CommandError on bad properties.
std::unique_ptr<kafka::client::AdminClient> connect_admin(const Args& args);

// --timeout-ms is the budget of the whole command; each cluster call gets what is left.
class Deadline {
 public:
  explicit Deadline(int timeout_ms)
      : end_(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)) {}
  int left_ms() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end_ - std::chrono::steady_clock::now()).count();
    return static_cast<int>(std::max<int64_t>(1, left));
  }

 private:
  std::chrono::steady_clock::time_point end_;
};

// Throws CommandError("what: NAME: message").
[[noreturn]] void fail(const std::string& what, const kafka::client::AdminResult& r);

// "key=value" (the value may be empty, the key not); UsageError naming --option otherwise.
std::pair<std::string, std::string> split_kv(const std::string& s, const std::string& option);
// "0,2,5" -> {0, 2, 5}; UsageError naming --option on anything else.
std::vector<int32_t> parse_partitions(const std::string& s, const std::string& option);
// A whole decimal integer, or nullopt.
std::optional<int64_t> parse_int(const std::string& s);

}  // namespace kctl
