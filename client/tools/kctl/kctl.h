// kctl: one command-line tool with subcommands, in the spirit of Kafka's bin/ tools
// (kafka-topics, kafka-console-producer, kafka-consumer-groups, ...), talking to any cluster
// through our own client.
//
// Each subcommand lives in its own .cpp file and registers a CommandSpec with a static
// KCTL_REGISTER(...) — main.cpp dispatches by name, parses options against the spec and prints
// help, so adding a subcommand needs no edit elsewhere.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kctl {

// Bad command line: main prints the message and the subcommand's usage, exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A failure to report (cluster error, unreadable file, ...): main prints "kctl NAME: message",
// exits 1.
struct CommandError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;       // without the leading "--"
  std::string value;      // placeholder for help ("N", "FILE"); empty: a flag without a value
  std::string help;
  bool repeatable = false;
};

class Args;

struct CommandSpec {
  std::string name;     // "topics", "perf produce", "dump-log"
  std::string summary;  // one line for `kctl help`
  std::string usage;    // synopsis line(s) after "usage: kctl NAME "
  std::vector<OptionSpec> options;
  // Adds --bootstrap-server, --command-config and --timeout-ms.
  bool talks_to_cluster = true;
  int (*run)(const Args& args) = nullptr;  // returns the exit code
};

// Parsed options of one subcommand: "--name value", "--name=value", flags, positional words.
class Args {
 public:
  Args(const CommandSpec& spec, const std::vector<std::string>& words);  // throws UsageError

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // Last value given for `name`.
  std::optional<std::string> get(const std::string& name) const;
  std::string get_or(const std::string& name, const std::string& def) const;
  // Every value of a repeatable option, in order.
  std::vector<std::string> all(const std::string& name) const;
  // Integer option; throws UsageError naming the option on a malformed value or one outside
  // [min, max].
  int64_t get_int(const std::string& name, int64_t def, int64_t min = INT64_MIN, int64_t max = INT64_MAX) const;
  // Requires the option; throws UsageError("--name is required").
  std::string required(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  const CommandSpec& spec() const { return *spec_; }

  // --timeout-ms (default 30000): every cluster call must finish or fail within it.
  int timeout_ms() const;
  // Client properties, librdkafka names: the --command-config file's entries, then
  // bootstrap.servers from --bootstrap-server (required for cluster commands).
  std::vector<std::pair<std::string, std::string>> client_properties() const;

 private:
  const CommandSpec* spec_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Java .properties syntax as Kafka's tools read it: "key=value" or "key: value", '#' and '!'
// comments, surrounding spaces trimmed. Throws CommandError when unreadable or malformed.
std::vector<std::pair<std::string, std::string>> read_properties_file(const std::string& path);

bool register_command(CommandSpec spec);
const std::vector<CommandSpec>& commands();

}  // namespace kctl

#define KCTL_CONCAT2(a, b) a##b
#define KCTL_CONCAT(a, b) KCTL_CONCAT2(a, b)
// Registers a CommandSpec at static initialisation (kctl's sources are compiled into the
// executable itself, so nothing is dropped by the linker).
#define KCTL_REGISTER(...) \
  static const bool KCTL_CONCAT(kctl_registered_, __LINE__) = ::kctl::register_command(__VA_ARGS__)
