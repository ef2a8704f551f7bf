// kctl delete-records: DeleteRecords at each partition's leader, from --topic/--partition/
// --before-offset or kafka-delete-records.sh's --offset-json-file, printing the new low watermarks.
#include <cctype>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cluster.h"

namespace kctl {
namespace {

using kafka::client::AdminResult;
using kafka::client::TopicPartitionOffset;

// Just enough JSON for {"partitions": [{"topic": "t", "partition": 0, "offset": 5}, ...],
// "version": 1}: objects, arrays, strings, integers; other values are skipped.
class OffsetJson {
 public:
  explicit OffsetJson(std::string text) : s_(std::move(text)) {}

  std::vector<TopicPartitionOffset> parse() {
    std::vector<TopicPartitionOffset> out;
    bool seen = false;
    object([&](const std::string& key) {
      if (key != "partitions") return skip_value();
      seen = true;
      array([&] {
        TopicPartitionOffset o;
        bool t = false, p = false, off = false;
        object([&](const std::string& k) {
          if (k == "topic") o.topic = string(), t = true;
          else if (k == "partition") o.partition = static_cast<int32_t>(integer()), p = true;
          else if (k == "offset") o.offset = integer(), off = true;
          else skip_value();
        });
        if (!t || !p || !off) error("each partition needs \"topic\", \"partition\" and \"offset\"");
        out.push_back(o);
      });
    });
    ws();
    if (i_ != s_.size()) error("trailing characters");
    if (!seen) error("no \"partitions\" array");
    return out;
  }

 private:
  [[noreturn]] void error(const std::string& what) {
    throw UsageError("--offset-json-file: " + what + " (at byte " + std::to_string(i_) + ")");
  }
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    ws();
    if (i_ >= s_.size() || s_[i_] != c) error(std::string("expected '") + c + "'");
    ++i_;
  }
  bool peek(char c) {
    ws();
    return i_ < s_.size() && s_[i_] == c;
  }
  template <class F> void object(F&& member) {
    expect('{');
    if (peek('}')) return void(++i_);
    for (;;) {
      std::string k = string();
      expect(':');
      member(k);
      if (peek(',')) {
        ++i_;
        continue;
      }
      return expect('}');
    }
  }
  template <class F> void array(F&& element) {
    expect('[');
    if (peek(']')) return void(++i_);
    for (;;) {
      element();
      if (peek(',')) {
        ++i_;
        continue;
      }
      return expect(']');
    }
  }
  std::string string() {
    expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
      out += s_[i_++];
    }
    expect('"');
    return out;
  }
  int64_t integer() {
    ws();
    size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    auto v = parse_int(s_.substr(start, i_ - start));
    if (!v) error("expected an integer");
    return *v;
  }
  void skip_value() {
    ws();
    if (peek('{')) return object([&](const std::string&) { skip_value(); });
    if (peek('[')) return array([&] { skip_value(); });
    if (peek('"')) return void(string());
    while (i_ < s_.size() && !std::strchr(",}] \t\r\n", s_[i_])) ++i_;
  }

  std::string s_;
  size_t i_ = 0;
};

int run_delete_records(const Args& args) {
  std::vector<TopicPartitionOffset> parts;
  if (auto file = args.get("offset-json-file")) {
    if (args.has("topic") || args.has("partition") || args.has("before-offset"))
      throw UsageError("--offset-json-file replaces --topic/--partition/--before-offset");
    std::ifstream in(*file);
    if (!in) throw CommandError("cannot read " + *file);
    std::stringstream ss;
    ss << in.rdbuf();
    parts = OffsetJson(ss.str()).parse();
    if (parts.empty()) throw UsageError("--offset-json-file lists no partitions");
  } else {
    TopicPartitionOffset o;
    o.topic = args.required("topic");
    o.partition = static_cast<int32_t>(args.get_int("partition", 0, 0, INT32_MAX));
    if (!args.has("partition")) throw UsageError("--partition is required");
    o.offset = args.get_int("before-offset", 0, -1, INT64_MAX);
    if (!args.has("before-offset")) throw UsageError("--before-offset is required");
    parts.push_back(o);
  }
  for (auto& p : parts)
    if (p.offset < -1 || p.partition < 0) throw UsageError("bad partition or offset for " + p.topic);

  Deadline d(args.timeout_ms());
  auto admin = connect_admin(args);
  std::cout << "Executing records delete operation\n";
  if (AdminResult r = admin->delete_records(parts, d.left_ms())) fail("cannot delete records", r);
  std::cout << "Records delete operation completed:\n";
  int rc = 0;
  for (auto& p : parts) {
    std::cout << "partition: " << p.topic << "-" << p.partition;
    if (p.err) {
      std::cout << "\terror: " << AdminResult{p.err, ""}.describe() << "\n";
      rc = 1;
    } else {
      std::cout << "\tlow_watermark: " << p.offset << "\n";
    }
  }
  return rc;
}

}  // namespace

KCTL_REGISTER(CommandSpec{
    "delete-records",
    "delete records before an offset (kafka-delete-records)",
    "--topic T --partition P --before-offset N | --offset-json-file F",
    {
        {"topic", "T", "the topic"},
        {"partition", "P", "the partition"},
        {"before-offset", "N", "delete every record before offset N (-1: up to the high watermark)"},
        {"offset-json-file", "F", "{\"partitions\":[{\"topic\":T,\"partition\":P,\"offset\":N},...],\"version\":1}"},
    },
    true,
    &run_delete_records,
});

}  // namespace kctl
