// POSIX file helpers for the storage engine (internal). They throw std::system_error on failure;
// the public API catches and turns that into KAFKA_STORAGE_ERROR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace refbroker::storage::io {

[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(int err, const std::string& what);

// An fd owned by a shared_ptr (the representation kafka::proto::FileSlice uses): closed when the
// last holder lets go, so readers keep a segment's data alive after it is unlinked.
std::shared_ptr<const int> share_fd(int fd);

int open_file(const std::filesystem::path& p, int flags, int mode = 0644);
uint64_t file_size(int fd);
// Reads up to n bytes at off; returns the count (short only at end of file).
size_t pread_full(int fd, void* buf, size_t n, uint64_t off);
void pwrite_full(int fd, const void* buf, size_t n, uint64_t off);
void truncate_fd(int fd, uint64_t size);
void fdatasync_fd(int fd);
void fsync_dir(const std::filesystem::path& dir);

// Writes `content` to `p` via a temp file + rename (+ fsync of file and directory when durable).
void write_file_atomic(const std::filesystem::path& p, std::string_view content, bool durable);
std::optional<std::string> read_small_file(const std::filesystem::path& p);
// Creates an empty file (fsyncing the directory when durable).
void touch(const std::filesystem::path& p, bool durable);
// unlink(); returns false if the file did not exist.
bool unlink_if_exists(const std::filesystem::path& p);

// A read-only or read-write shared mapping of (a prefix of) a file. Unmapped on destruction.
struct Mapping {
  uint8_t* data = nullptr;
  size_t bytes = 0;
  Mapping() = default;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
};
std::shared_ptr<Mapping> map_file(int fd, size_t bytes, bool writable);

}  // namespace refbroker::storage::io
