#include "storage/io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace refbroker::storage::io {

void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}
void throw_errno(const std::string& what) { throw_errno(errno, what); }

std::shared_ptr<const int> share_fd(int fd) {
  return std::shared_ptr<const int>(new int(fd), [](const int* p) {
    if (*p >= 0) ::close(*p);
    delete p;
  });
}

int open_file(const std::filesystem::path& p, int flags, int mode) {
  int fd;
  do {
    fd = ::open(p.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) throw_errno("open " + p.string());
  return fd;
}

uint64_t file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno("fstat");
  return static_cast<uint64_t>(st.st_size);
}

size_t pread_full(int fd, void* buf, size_t n, uint64_t off) {
  size_t done = 0;
  auto* p = static_cast<uint8_t*>(buf);
  while (done < n) {
    ssize_t r = ::pread(fd, p + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("pread");
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

void pwrite_full(int fd, const void* buf, size_t n, uint64_t off) {
  size_t done = 0;
  auto* p = static_cast<const uint8_t*>(buf);
  while (done < n) {
    ssize_t r = ::pwrite(fd, p + done, n - done, static_cast<off_t>(off + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno("pwrite");
    }
    if (r == 0) throw_errno(EIO, "pwrite wrote nothing");
    done += static_cast<size_t>(r);
  }
}

void truncate_fd(int fd, uint64_t size) {
  int r;
  do {
    r = ::ftruncate(fd, static_cast<off_t>(size));
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw_errno("ftruncate");
}

void fdatasync_fd(int fd) {
  int r;
  do {
    r = ::fdatasync(fd);
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw_errno("fdatasync");
}

void fsync_dir(const std::filesystem::path& dir) {
  int fd = open_file(dir, O_RDONLY | O_DIRECTORY);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) throw_errno(err, "fsync " + dir.string());
}

void write_file_atomic(const std::filesystem::path& p, std::string_view content, bool durable) {
  auto tmp = p;
  tmp += ".tmp";
  int fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
  try {
    pwrite_full(fd, content.data(), content.size(), 0);
    if (durable && ::fsync(fd) != 0) throw_errno("fsync " + tmp.string());
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), p.c_str()) != 0) throw_errno("rename " + tmp.string());
  if (durable) fsync_dir(p.parent_path());
}

std::optional<std::string> read_small_file(const std::filesystem::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw_errno("open " + p.string());
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      throw_errno(err, "read " + p.string());
    }
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fd);
  return out;
}

void touch(const std::filesystem::path& p, bool durable) {
  int fd = open_file(p, O_WRONLY | O_CREAT);
  ::close(fd);
  if (durable) fsync_dir(p.parent_path());
}

bool unlink_if_exists(const std::filesystem::path& p) {
  if (::unlink(p.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw_errno("unlink " + p.string());
}

Mapping::~Mapping() {
  if (data) ::munmap(data, bytes);
}

std::shared_ptr<Mapping> map_file(int fd, size_t bytes, bool writable) {
  auto m = std::make_shared<Mapping>();
  if (bytes == 0) return m;
  void* p = ::mmap(nullptr, bytes, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) throw_errno("mmap");
  m->data = static_cast<uint8_t*>(p);
  m->bytes = bytes;
  return m;
}

}  // namespace refbroker::storage::io
