// libFuzzer target for what a group leader does with bytes from other members: decode their
// ConsumerProtocolSubscription payloads (and an assignment), then run every assignor over them.
// Decoding must succeed or throw ProtocolError, never crash or allocate without bound; a decoded
// payload re-encodes stably; the assignors hand out each existing, subscribed partition at most
// once (exactly once for the eager ones) and give every member an entry.
//
// Input: byte 0 = member count (1-4) and static-member bits, bytes 1-4 = partition counts for the
// topics the members name (by order of first appearance, capped at 32), the rest split evenly
// into one subscription payload per member; the whole rest is also decoded as an assignment.
//
// Build and run (clang only):
//   CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKAFKAPLUS_FUZZ=ON
//   ninja -C build-fuzz -j2 consumer_protocol_fuzz
//   mkdir -p /tmp/cp-corpus && build-fuzz/tests/consumer_protocol_fuzz -write_seeds=/tmp/cp-corpus
//   build-fuzz/tests/consumer_protocol_fuzz -max_total_time=60 /tmp/cp-corpus
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "assignor.h"

using namespace kafka::client;

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

void check_reencodes(const MemberSubscription& s) {
  for (int16_t v = 0; v <= 3; ++v) {
    auto once = encode_subscription(s, v);
    auto again = encode_subscription(decode_subscription(once), v);
    check(once == again, "subscription re-encodes stably");
  }
}

void run_assignors(const std::vector<GroupMember>& members, const std::map<std::string, int32_t>& counts) {
  for (const char* name : {"range", "roundrobin", "cooperative-sticky"}) {
    auto assignor = make_assignor(name);
    auto result = assignor->assign(members, counts);
    check(result.size() == members.size(), "one entry per member");
    std::set<TopicPartitionRef> seen;
    for (const auto& m : members) {
      auto it = result.find(m.member_id);
      check(it != result.end(), "every member has an entry");
      const auto& topics = m.subscription.topics;
      for (const auto& tp : it->second.partitions) {
        check(seen.insert(tp).second, "no partition twice");
        auto c = counts.find(tp.topic);
        check(c != counts.end() && tp.partition >= 0 && tp.partition < c->second, "partition exists");
        check(std::find(topics.begin(), topics.end(), tp.topic) != topics.end(), "topic subscribed");
      }
    }
    if (assignor->protocol() == AssignorProtocol::Eager) {
      size_t expected = 0;
      std::set<std::string> subscribed;
      for (const auto& m : members)
        for (const auto& t : m.subscription.topics)
          if (counts.count(t) && subscribed.insert(t).second) expected += static_cast<size_t>(counts.at(t));
      check(seen.size() == expected, "eager assignors assign everything");
    }
  }
}

// Seeds: valid payloads of every version for two or three members.
std::vector<std::vector<uint8_t>> seeds() {
  std::vector<std::vector<uint8_t>> out;
  for (int16_t v = 0; v <= 3; ++v) {
    MemberSubscription a, b;
    a.topics = {"t", "u"};
    a.owned = {{"t", 0}, {"u", 1}};
    a.generation = 3;
    a.rack = "r";
    b.topics = {"t"};
    b.owned = {{"t", 0}, {"t", 2}};
    b.generation = 3;
    b.user_data = {0, 0, 0, 2};
    auto ea = encode_subscription(a, v), eb = encode_subscription(b, v);
    size_t chunk = std::max(ea.size(), eb.size());
    std::vector<uint8_t> input{static_cast<uint8_t>(1 | (v << 4)), 4, 3, 2, 1};
    ea.resize(chunk, 0);
    eb.resize(chunk, 0);
    input.insert(input.end(), ea.begin(), ea.end());
    input.insert(input.end(), eb.begin(), eb.end());
    out.push_back(input);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const size_t member_count = (data[0] & 3) + 1;
  const uint8_t static_bits = data[0] >> 4;
  std::span<const uint8_t> rest(data + 5, size - 5);

  try {
    decode_assignment(rest);
  } catch (const kafka::proto::ProtocolError&) {
  }

  std::vector<GroupMember> members;
  std::vector<std::string> topic_order;
  const size_t chunk = rest.size() / member_count;
  for (size_t i = 0; i < member_count; ++i) {
    GroupMember m;
    m.member_id = "m" + std::to_string(i);
    if (static_bits & (1u << i)) m.instance_id = "i" + std::to_string(member_count - i);
    try {
      m.subscription = decode_subscription(rest.subspan(i * chunk, chunk));
    } catch (const kafka::proto::ProtocolError&) {
      continue;  // a member whose metadata does not parse is left out, as a leader would
    }
    check_reencodes(m.subscription);
    for (const auto& t : m.subscription.topics)
      if (std::find(topic_order.begin(), topic_order.end(), t) == topic_order.end()) topic_order.push_back(t);
    members.push_back(std::move(m));
  }
  std::map<std::string, int32_t> counts;
  for (size_t t = 0; t < topic_order.size() && t < 4; ++t) counts[topic_order[t]] = data[1 + t] % 33;
  run_assignors(members, counts);
  return 0;
}

// -write_seeds=DIR: write the seed inputs and exit (libFuzzer calls this before fuzzing).
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  for (int i = 1; i < *argc; ++i) {
    std::string a = (*argv)[i];
    if (a.rfind("-write_seeds=", 0) != 0) continue;
    std::filesystem::path dir = a.substr(std::strlen("-write_seeds="));
    std::filesystem::create_directories(dir);
    int n = 0;
    for (const auto& s : seeds()) {
      std::ofstream f(dir / ("seed-" + std::to_string(n++)), std::ios::binary);
      f.write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
    }
    std::exit(0);
  }
  return 0;
}
