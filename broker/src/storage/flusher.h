// One process-wide background thread that runs flush jobs (fsync of rolled segments), so an
// append that rolls a segment does not wait for a gigabyte to reach the disk (internal).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace refbroker::storage::detail {

class Flusher {
 public:
  static Flusher& instance();
  // False if the flusher is already shut down (process exit): the job will not run.
  bool post(std::function<void()> job);
  // Returns once every job posted before the call has finished.
  void drain();
  ~Flusher();

 private:
  Flusher() = default;
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> jobs_;
  uint64_t posted_ = 0, done_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace refbroker::storage::detail
