// Fault injection for tests (in the spirit of kfake's ControlKey): fail, delay or drop
// requests of one API, the Nth one or every Kth, a bounded number of times.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "kafka/protocol/errors.h"
#include "kafka/protocol/protocol.h"

namespace refbroker {

enum class FaultAction {
  Error,             // answer with `error` without doing the work
  ErrorAfterWork,    // do the work (e.g. append), then answer with `error`: the client retries a success
  DropConnection,    // close the connection without doing the work
  DropAfterWork,     // do the work, then close without answering: the ack is lost
  Delay,             // hold the response for delay_ms
};

struct FaultRule {
  kafka::proto::ApiKey api = kafka::proto::ApiKey::Produce;
  FaultAction action = FaultAction::Error;
  kafka::Error error = kafka::Error::NOT_LEADER_OR_FOLLOWER;
  int64_t delay_ms = 0;
  int64_t skip = 0;    // let this many matching requests pass first
  int64_t every = 1;   // then hit every Nth matching request
  int64_t times = 1;   // at most this many hits; -1: unlimited
};

class FaultInjector {
 public:
  void add(FaultRule rule) {
    std::lock_guard lock(mu_);
    rules_.push_back({rule, 0, 0});
  }
  void clear() {
    std::lock_guard lock(mu_);
    rules_.clear();
  }
  // Total faults injected so far.
  int64_t injected() const {
    std::lock_guard lock(mu_);
    return injected_;
  }
  // Called once per request: returns the fault to apply, if any.
  std::optional<FaultRule> next(kafka::proto::ApiKey api) {
    std::lock_guard lock(mu_);
    if (rules_.empty()) return std::nullopt;
    for (auto& r : rules_) {
      if (r.rule.api != api) continue;
      int64_t seen = r.seen++;
      if (seen < r.rule.skip) continue;
      if (r.rule.times >= 0 && r.hits >= r.rule.times) continue;
      if ((seen - r.rule.skip) % (r.rule.every > 0 ? r.rule.every : 1) != 0) continue;
      ++r.hits;
      ++injected_;
      return r.rule;
    }
    return std::nullopt;
  }

 private:
  struct Active {
    FaultRule rule;
    int64_t seen;
    int64_t hits;
  };
  mutable std::mutex mu_;
  std::vector<Active> rules_;
  int64_t injected_ = 0;
};

}  // namespace refbroker
