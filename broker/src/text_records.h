// The text record format of refbroker's small append-only stores (group offsets and metadata,
// transaction state): one record per line, space-separated tokens, ending in " x" so that a line
// torn by a crash is recognised. Strings are written as "_" + hex (an empty string stays a token),
// null as "-".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace refbroker::text_records {

std::string hex(std::string_view s);
bool unhex(std::string_view s, std::string& out);

inline std::string tok(std::string_view s) { return "_" + hex(s); }
inline std::string tok(const std::optional<std::string>& s) { return s ? tok(std::string_view(*s)) : std::string("-"); }
bool untok(const std::string& t, std::string& out);
bool untok(const std::string& t, std::optional<std::string>& out);
bool parse_int(const std::string& t, int64_t& out);
template <class Int> bool parse_int(const std::string& t, Int& out) {
  int64_t v = 0;
  if (!parse_int(t, v)) return false;
  out = static_cast<Int>(v);
  return true;
}

// Appends to the file (created if needed) with write(2): on return the bytes are in the OS, so
// they survive kill -9. Throws std::system_error.
void append(const std::filesystem::path& file, std::string_view records);

// Reads complete records (lines ending in " x\n") as token lists, calling `apply` for each until
// it returns false (a record it cannot parse). Everything from the first torn or rejected line
// on is cut off the file, so later appends start on a clean line. Returns the records read.
size_t replay(const std::filesystem::path& file, const std::function<bool(const std::vector<std::string>&)>& apply);

}  // namespace refbroker::text_records
