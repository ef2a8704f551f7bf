// Status / Result<T>: a Kafka error code plus a human message, or a value. Storage operations that
// a request can legitimately fail (offset out of range, message too large, disk error) return
// these instead of throwing, so broker handlers can map them straight into responses.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "kafka/protocol/errors.h"

namespace refbroker::storage {

struct [[nodiscard]] Status {
  kafka::Error error = kafka::Error::NONE;
  std::string message;

  bool ok() const noexcept { return error == kafka::Error::NONE; }
  explicit operator bool() const noexcept { return ok(); }

  static Status success() { return {}; }
  static Status fail(kafka::Error e, std::string msg = {}) { return {e, std::move(msg)}; }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = Status::fail(kafka::Error::UNKNOWN_SERVER_ERROR, "Result without value");
  }

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  kafka::Error error() const noexcept { return status_.error; }
  const Status& status() const noexcept { return status_; }
  const std::string& message() const noexcept { return status_.message; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace refbroker::storage
