#include "text_records.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

namespace refbroker::text_records {

std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

bool unhex(std::string_view s, std::string& out) {
  out.clear();
  if (s.size() % 2) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = val(s[i]), lo = val(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

bool untok(const std::string& t, std::string& out) {
  return !t.empty() && t[0] == '_' && unhex(std::string_view(t).substr(1), out);
}

bool untok(const std::string& t, std::optional<std::string>& out) {
  if (t == "-") {
    out.reset();
    return true;
  }
  std::string s;
  if (!untok(t, s)) return false;
  out = std::move(s);
  return true;
}

bool parse_int(const std::string& t, int64_t& out) {
  try {
    size_t used = 0;
    long long v = std::stoll(t, &used);
    if (used != t.size()) return false;
    out = v;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

void append(const std::filesystem::path& file, std::string_view records) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + file.string());
  const char* p = records.data();
  size_t left = records.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      throw std::system_error(err, std::generic_category(), "write " + file.string());
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::close(fd);
}

size_t replay(const std::filesystem::path& file, const std::function<bool(const std::vector<std::string>&)>& apply) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return 0;
  std::string line;
  uint64_t good_end = 0;
  size_t records = 0;
  bool torn = false;
  while (std::getline(in, line)) {
    bool complete = !in.eof();  // the line ended with '\n'
    std::istringstream ls(line);
    std::vector<std::string> t;
    for (std::string w; ls >> w;) t.push_back(std::move(w));
    if (!complete || t.empty() || t.back().back() != 'x' || !apply(t)) {
      torn = true;
      break;
    }
    ++records;
    good_end += line.size() + 1;
  }
  in.close();
  if (torn || good_end != std::filesystem::file_size(file)) std::filesystem::resize_file(file, good_end);
  return records;
}

}  // namespace refbroker::text_records
