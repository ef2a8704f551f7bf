// Wakes long-polling fetches when data is appended. A fetch subscribes with its connection's
// strand; notify_all() posts a timer cancel to each subscriber's strand, which (being serialised
// with the fetch coroutine) can never be lost between "check for data" and "start waiting".
#pragma once

#include "asio.h"
#include <memory>
#include <mutex>
#include <vector>

namespace refbroker {

class AppendNotifier {
 public:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor ex) : timer(std::move(ex)) {}
    boost::asio::steady_timer timer;
  };

  std::shared_ptr<Waiter> subscribe(boost::asio::any_io_executor ex) {
    auto w = std::make_shared<Waiter>(std::move(ex));
    std::lock_guard lock(mu_);
    waiters_.push_back(w);
    return w;
  }
  void unsubscribe(const std::shared_ptr<Waiter>& w) {
    std::lock_guard lock(mu_);
    std::erase(waiters_, w);
  }
  void notify_all() {
    std::lock_guard lock(mu_);
    for (auto& w : waiters_) boost::asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  }

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace refbroker
