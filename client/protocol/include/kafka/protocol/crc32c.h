// CRC-32C (Castagnoli), as used by RecordBatch v2. Uses SSE4.2 when the CPU has it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kafka {

// Extends `crc` (0 to start) over data[0..n).
uint32_t crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace kafka
