// kctl entry point: finds the subcommand (one word, or two for "perf produce"), parses its
// options and runs it. Exit codes: 0 success, 1 command failure, 2 usage error.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <iostream>

#include "kctl.h"

namespace {

void print_help(std::ostream& out) {
  out << "usage: kctl COMMAND [options]   (kctl COMMAND --help for its options)\n\ncommands:\n";
  for (const auto& c : kctl::commands()) {
    std::string name = c.name;
    name.resize(std::max<size_t>(name.size(), 16), ' ');
    out << "  " << name << "  " << c.summary << "\n";
  }
}

void print_usage(const kctl::CommandSpec& c, std::ostream& out) {
  out << "usage: kctl " << c.name << " " << c.usage << "\n" << c.summary << "\n\noptions:\n";
  auto line = [&](const kctl::OptionSpec& o) {
    std::string head = "--" + o.name + (o.value.empty() ? "" : " " + o.value);
    head.resize(std::max<size_t>(head.size(), 34), ' ');
    out << "  " << head << "  " << o.help << (o.repeatable ? " (repeatable)" : "") << "\n";
  };
  for (const auto& o : c.options) line(o);
  if (c.talks_to_cluster) {
    line({"bootstrap-server", "HOST:PORT[,HOST:PORT...]", "brokers to bootstrap from"});
    line({"command-config", "FILE", "client properties file (librdkafka names, e.g. security.protocol)"});
    line({"timeout-ms", "MS", "give up on the cluster after this long (default 30000)"});
  }
  line({"help", "", "show this help"});
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "help" || words[0] == "--help" || words[0] == "-h") {
    if (words.size() >= 2 && words[0] == "help") words.erase(words.begin());  // kctl help topics
    else {
      print_help(words.empty() ? std::cerr : std::cout);
      return words.empty() ? 2 : 0;
    }
    words.push_back("--help");
  }
  const kctl::CommandSpec* cmd = nullptr;
  size_t consumed = 0;
  for (const auto& c : kctl::commands()) {
    // Longest match: "perf produce" before a hypothetical "perf".
    size_t n = std::count(c.name.begin(), c.name.end(), ' ') + 1;
    if (n > words.size() || (cmd && n <= consumed)) continue;
    std::string joined;
    for (size_t i = 0; i < n; ++i) joined += (i ? " " : "") + words[i];
    if (joined == c.name) cmd = &c, consumed = n;
  }
  if (!cmd) {
    std::cerr << "kctl: unknown command '" << words[0] << "'\n\n";
    print_help(std::cerr);
    return 2;
  }
  words.erase(words.begin(), words.begin() + static_cast<long>(consumed));
  if (std::find(words.begin(), words.end(), "--help") != words.end() ||
      std::find(words.begin(), words.end(), "-h") != words.end()) {
    print_usage(*cmd, std::cout);
    return 0;
  }
  try {
    kctl::Args args(*cmd, words);
    if (cmd->talks_to_cluster && !args.has("bootstrap-server"))
      throw kctl::UsageError("--bootstrap-server is required");
    int rc = cmd->run(args);
    std::fflush(stdout);
    return rc;
  } catch (const kctl::UsageError& e) {
    std::cerr << "kctl " << cmd->name << ": " << e.what() << "\n\n";
    print_usage(*cmd, std::cerr);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kctl " << cmd->name << ": " << e.what() << "\n";
    return 1;
  }
}
