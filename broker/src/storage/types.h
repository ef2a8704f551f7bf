// Small value types of the storage API.
#pragma once

#include <cstdint>

namespace refbroker::storage {

// A (timestamp, offset) pair; {-1, -1} means "none" (as ListOffsets answers).
struct TimestampOffset {
  int64_t timestamp = -1;
  int64_t offset = -1;
  bool operator==(const TimestampOffset&) const = default;
};

}  // namespace refbroker::storage
