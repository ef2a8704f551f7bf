#include "storage/flusher.h"

namespace refbroker::storage::detail {

Flusher& Flusher::instance() {
  static Flusher f;
  return f;
}

bool Flusher::post(std::function<void()> job) {
  std::lock_guard lk(mu_);
  if (stop_) return false;
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  jobs_.push_back(std::move(job));
  ++posted_;
  cv_.notify_one();
  return true;
}

void Flusher::drain() {
  std::unique_lock lk(mu_);
  uint64_t target = posted_;
  idle_cv_.wait(lk, [&] { return done_ >= target || stop_; });
}

void Flusher::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, queue done
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lk.unlock();
    try {
      job();
    } catch (...) {
    }
    lk.lock();
    ++done_;
    idle_cv_.notify_all();
  }
}

Flusher::~Flusher() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();  // finishes the queued jobs first
}

}  // namespace refbroker::storage::detail
