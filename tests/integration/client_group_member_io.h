// The line protocol between client_group_test and its member processes (one consumer group
// member per process, so the test can SIGKILL one). Two programs speak it: client_group_member
// (our ConsumerCore) and client_group_member_api (librdkafka's C API, linked to the real
// librdkafka or to our facade).
//
// Arguments: --broker H:P --group G --topic T --strategy S [--session-timeout-ms N]
//            [--commit-every N] [--print-values 1] [--client-id ID]
// stdin:     "close\n" (or EOF) = close the consumer gracefully and exit.
// stdout, one event per line; <ns> is CLOCK_MONOTONIC in nanoseconds (one clock for every process
// on the machine, so the test can order events across members); <parts> is "0,3,5" or "-":
//   ready                       subscribed
//   unsupported <reason>        the consumer cannot run a group yet (the test skips)
//   assign <ns> <parts>         rebalance callback entered: partitions being assigned
//   revoke <ns> <parts>         rebalance callback entered: partitions being revoked
//   revoked <ns> <parts>        revoke done: offsets committed; the unassign call follows
//   owned <ns> <parts>          the whole assignment after each change
//   msg <partition> <offset> [<hex value>]   a consumed message (the value with --print-values 1)
//   commit <ns> <p=o,...>       a synchronous commit succeeded
//   commitfail <ns> <p=o,...> <error>   it failed (those messages may be consumed again)
//   error <text>                an error event or failed call
//   closed <ns>                 close() returned
#pragma once

#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>

namespace member_io {

struct Options {
  std::string broker, group, topic = "orders", strategy = "range";
  int session_timeout_ms = 3000;
  int commit_every = 10;
  bool print_values = false;
  std::string client_id;
};

inline Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--broker") o.broker = v;
    else if (a == "--group") o.group = v;
    else if (a == "--topic") o.topic = v;
    else if (a == "--strategy") o.strategy = v;
    else if (a == "--session-timeout-ms") o.session_timeout_ms = std::stoi(v);
    else if (a == "--commit-every") o.commit_every = std::stoi(v);
    else if (a == "--print-values") o.print_values = v == "1";
    else if (a == "--client-id") o.client_id = v;
  }
  return o;
}

inline int64_t monotonic_ns() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// One write per line, flushed at once: the test reads events as they happen.
inline void emit(const std::string& line) {
  std::string l = line + "\n";
  std::fwrite(l.data(), 1, l.size(), stdout);
  std::fflush(stdout);
}
inline void emit_timed(const std::string& kind, const std::string& rest = "") {
  emit(kind + " " + std::to_string(monotonic_ns()) + (rest.empty() ? "" : " " + rest));
}

inline std::string hex(const uint8_t* data, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

inline std::string format_parts(const std::set<int32_t>& parts) {
  if (parts.empty()) return "-";
  std::string s;
  for (int32_t p : parts) s += (s.empty() ? "" : ",") + std::to_string(p);
  return s;
}

inline std::string format_offsets(const std::map<int32_t, int64_t>& offsets) {
  std::string s;
  for (auto& [p, o] : offsets) s += (s.empty() ? "" : ",") + std::to_string(p) + "=" + std::to_string(o);
  return s.empty() ? "-" : s;
}

// True once stdin says "close" or reaches EOF (the test died): never blocks.
inline bool close_requested() {
  static bool requested = false;
  static std::string pending;
  while (!requested) {
    pollfd p{0, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    char buf[256];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n <= 0) {
      requested = true;
      break;
    }
    pending.append(buf, static_cast<size_t>(n));
    if (pending.find("close") != std::string::npos) requested = true;
  }
  return requested;
}

// Offsets consumed but not yet committed, per partition, and the bookkeeping both members share.
struct Progress {
  std::set<int32_t> owned;
  std::map<int32_t, int64_t> next_offset;  // consumed up to here
  std::map<int32_t, int64_t> committed;
  int uncommitted = 0;

  void consumed(int32_t partition, int64_t offset) {
    next_offset[partition] = offset + 1;
    ++uncommitted;
  }
  // What to commit for `partitions` (only what moved on since the last commit).
  std::map<int32_t, int64_t> to_commit(const std::set<int32_t>& partitions) const {
    std::map<int32_t, int64_t> out;
    for (int32_t p : partitions) {
      auto it = next_offset.find(p);
      if (it == next_offset.end()) continue;
      auto c = committed.find(p);
      if (c == committed.end() || c->second < it->second) out[p] = it->second;
    }
    return out;
  }
  void commit_failed(const std::map<int32_t, int64_t>& offsets, const std::string& error) {
    emit_timed("commitfail", format_offsets(offsets) + " " + error);
  }
  void committed_ok(const std::map<int32_t, int64_t>& offsets) {
    for (auto& [p, o] : offsets) committed[p] = o;
    uncommitted = 0;
    emit_timed("commit", format_offsets(offsets));
  }
  // A partition that comes back later starts from the committed offset, not from here.
  void forget(const std::set<int32_t>& partitions) {
    for (int32_t p : partitions) {
      next_offset.erase(p);
      committed.erase(p);
    }
  }
};

}  // namespace member_io
