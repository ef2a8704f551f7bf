// ConsumerProtocol payload codecs (golden bytes, round trips, truncation, newer versions) and
// the range / roundrobin / cooperative-sticky assignors (exact layouts, stickiness, KIP-429
// withholding, randomized invariants with fixed seeds).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "assignor.h"

using namespace kafka::client;
using Bytes = std::vector<uint8_t>;
using Layout = std::map<std::string, std::vector<TopicPartitionRef>>;

namespace kafka::client {
void PrintTo(const TopicPartitionRef& p, std::ostream* os) { *os << p.topic << "-" << p.partition; }
}  // namespace kafka::client

namespace {

TopicPartitionRef tp(std::string topic, int32_t partition) { return {std::move(topic), partition}; }

// ---- codec ---------------------------------------------------------------------------------

// Captured from kafka-python 2.0.2 (ConsumerProtocolMemberMetadata, v0): topics
// ["orders", "audit"], null user data.
const Bytes kSubscriptionV0 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72,
                               0x73, 0x00, 0x05, 0x61, 0x75, 0x64, 0x69, 0x74, 0xff, 0xff, 0xff, 0xff};
// kafka-python: topics ["t"], user data 01 02.
const Bytes kSubscriptionV0UserData = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
                                       0x74, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02};
// By hand from ConsumerProtocolSubscription.json: version 1, topics ["t"], null user data,
// owned [{t, [0, 1]}].
const Bytes kSubscriptionV1 = {0x00, 0x01,                                // version
                               0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,  // topics
                               0xff, 0xff, 0xff, 0xff,                    // user data: null
                               0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,  // owned: 1 topic "t"
                               0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
// Version 3: topics ["t"], null user data, owned [{t, [2]}], generation 7, rack "r1".
const Bytes kSubscriptionV3 = {0x00, 0x03,                                // version
                               0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,  // topics
                               0xff, 0xff, 0xff, 0xff,                    // user data: null
                               0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74,  // owned
                               0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                               0x00, 0x00, 0x00, 0x07,   // generation
                               0x00, 0x02, 0x72, 0x31};  // rack
// kafka-python (ConsumerProtocolMemberAssignment, v0): [{audit, [1]}, {orders, [0, 2]}], null
// user data.
const Bytes kAssignmentV0 = {0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x05, 0x61, 0x75, 0x64, 0x69, 0x74, 0x00, 0x00,
                             0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x73, 0x00,
                             0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff, 0xff, 0xff, 0xff};
// By hand: version 3, [{t, [5]}], user data AB.
const Bytes kAssignmentV3 = {0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                             0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0xab};

TEST(ConsumerProtocol, SubscriptionV0GoldenBytes) {
  MemberSubscription s;
  s.topics = {"orders", "audit"};
  EXPECT_EQ(encode_subscription(s, 0), kSubscriptionV0);
  auto d = decode_subscription(kSubscriptionV0);
  EXPECT_EQ(d.topics, s.topics);
  EXPECT_TRUE(d.user_data.empty());
  EXPECT_TRUE(d.owned.empty());
  EXPECT_EQ(d.generation, -1);
  EXPECT_FALSE(d.rack);

  MemberSubscription u;
  u.topics = {"t"};
  u.user_data = {1, 2};
  EXPECT_EQ(encode_subscription(u, 0), kSubscriptionV0UserData);
  EXPECT_EQ(decode_subscription(kSubscriptionV0UserData).user_data, u.user_data);
}

TEST(ConsumerProtocol, SubscriptionV0DropsNewerFields) {
  MemberSubscription s;
  s.topics = {"orders", "audit"};
  s.owned = {tp("orders", 1)};
  s.generation = 4;
  s.rack = "r";
  EXPECT_EQ(encode_subscription(s, 0), kSubscriptionV0);
}

TEST(ConsumerProtocol, SubscriptionV1GoldenBytes) {
  MemberSubscription s;
  s.topics = {"t"};
  s.owned = {tp("t", 1), tp("t", 0)};  // grouped and sorted on the wire
  s.generation = 9;                    // not in v1
  EXPECT_EQ(encode_subscription(s, 1), kSubscriptionV1);
  auto d = decode_subscription(kSubscriptionV1);
  EXPECT_EQ(d.owned, (std::vector<TopicPartitionRef>{tp("t", 0), tp("t", 1)}));
  EXPECT_EQ(d.generation, -1);
}

TEST(ConsumerProtocol, SubscriptionV3GoldenBytes) {
  MemberSubscription s;
  s.topics = {"t"};
  s.owned = {tp("t", 2)};
  s.generation = 7;
  s.rack = "r1";
  EXPECT_EQ(encode_subscription(s, 3), kSubscriptionV3);
  auto d = decode_subscription(kSubscriptionV3);
  EXPECT_EQ(d.topics, s.topics);
  EXPECT_EQ(d.owned, s.owned);
  EXPECT_EQ(d.generation, 7);
  EXPECT_EQ(d.rack, std::optional<std::string>("r1"));

  s.rack.reset();
  auto null_rack = encode_subscription(s, 3);
  Bytes expected(kSubscriptionV3.begin(), kSubscriptionV3.end() - 4);
  expected.insert(expected.end(), {0xff, 0xff});
  EXPECT_EQ(null_rack, expected);
  EXPECT_FALSE(decode_subscription(null_rack).rack);
}

TEST(ConsumerProtocol, AssignmentGoldenBytes) {
  MemberAssignment a;
  a.partitions = {tp("orders", 2), tp("audit", 1), tp("orders", 0)};
  EXPECT_EQ(encode_assignment(a, 0), kAssignmentV0);
  auto d = decode_assignment(kAssignmentV0);
  EXPECT_EQ(d.partitions, (std::vector<TopicPartitionRef>{tp("audit", 1), tp("orders", 0), tp("orders", 2)}));
  EXPECT_TRUE(d.user_data.empty());

  Bytes v1 = kAssignmentV0;
  v1[1] = 1;  // v1 has the same fields as v0
  EXPECT_EQ(encode_assignment(a, 1), v1);

  MemberAssignment b;
  b.partitions = {tp("t", 5)};
  b.user_data = {0xab};
  EXPECT_EQ(encode_assignment(b, 3), kAssignmentV3);
  auto e = decode_assignment(kAssignmentV3);
  EXPECT_EQ(e.partitions, b.partitions);
  EXPECT_EQ(e.user_data, b.user_data);
}

TEST(ConsumerProtocol, RoundTripsEveryVersion) {
  MemberSubscription s;
  s.topics = {"a", "b", "c"};
  s.user_data = {0, 1, 2, 3, 4};
  s.owned = {tp("a", 0), tp("a", 3), tp("c", 1)};
  s.generation = 42;
  s.rack = "rack-1";
  MemberAssignment a;
  a.partitions = {tp("a", 1), tp("b", 0), tp("b", 7)};
  a.user_data = {9, 8};
  for (int16_t v = 0; v <= 3; ++v) {
    auto d = decode_subscription(encode_subscription(s, v));
    EXPECT_EQ(d.topics, s.topics) << v;
    EXPECT_EQ(d.user_data, s.user_data) << v;
    EXPECT_EQ(d.owned, v >= 1 ? s.owned : std::vector<TopicPartitionRef>{}) << v;
    EXPECT_EQ(d.generation, v >= 2 ? 42 : -1) << v;
    EXPECT_EQ(d.rack, v >= 3 ? s.rack : std::nullopt) << v;
    auto e = decode_assignment(encode_assignment(a, v));
    EXPECT_EQ(e.partitions, a.partitions) << v;
    EXPECT_EQ(e.user_data, a.user_data) << v;
  }
  EXPECT_THROW(encode_subscription(s, 4), kafka::proto::ProtocolError);
  EXPECT_THROW(encode_assignment(a, -1), kafka::proto::ProtocolError);
}

TEST(ConsumerProtocol, TruncatedInputIsRejected) {
  for (const Bytes* full : {&kSubscriptionV0, &kSubscriptionV0UserData, &kSubscriptionV1, &kSubscriptionV3}) {
    for (size_t n = 0; n < full->size(); ++n) {
      Bytes prefix(full->begin(), full->begin() + n);
      EXPECT_THROW(decode_subscription(prefix), kafka::proto::ProtocolError) << n;
    }
  }
  for (const Bytes* full : {&kAssignmentV0, &kAssignmentV3}) {
    for (size_t n = 1; n < full->size(); ++n) {  // zero bytes mean "no assignment"
      Bytes prefix(full->begin(), full->begin() + n);
      EXPECT_THROW(decode_assignment(prefix), kafka::proto::ProtocolError) << n;
    }
  }
  EXPECT_TRUE(decode_assignment({}).partitions.empty());
  // A negative array length or version is malformed too.
  Bytes negative_topics = {0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  EXPECT_THROW(decode_subscription(negative_topics), kafka::proto::ProtocolError);
  Bytes negative_version = kSubscriptionV0;
  negative_version[0] = 0x80;
  EXPECT_THROW(decode_subscription(negative_version), kafka::proto::ProtocolError);
}

TEST(ConsumerProtocol, NewerVersionsParseAsOursAndIgnoreAppendedFields) {
  Bytes v4 = kSubscriptionV3;
  v4[1] = 4;
  v4.insert(v4.end(), {0x00, 0x00, 0x00, 0x2a, 0x01});  // fields a future version appends
  auto d = decode_subscription(v4);
  EXPECT_EQ(d.topics, std::vector<std::string>{"t"});
  EXPECT_EQ(d.owned, std::vector<TopicPartitionRef>{tp("t", 2)});
  EXPECT_EQ(d.generation, 7);
  EXPECT_EQ(d.rack, std::optional<std::string>("r1"));

  Bytes a9 = kAssignmentV3;
  a9[1] = 9;
  a9.push_back(0x77);
  auto e = decode_assignment(a9);
  EXPECT_EQ(e.partitions, std::vector<TopicPartitionRef>{tp("t", 5)});
  EXPECT_EQ(e.user_data, Bytes{0xab});

  // A newer version still has to carry every field we know.
  Bytes short_v4(kSubscriptionV3.begin(), kSubscriptionV3.end() - 2);
  short_v4[1] = 4;
  EXPECT_THROW(decode_subscription(short_v4), kafka::proto::ProtocolError);
}

TEST(ConsumerProtocol, GenerationFromOlderClientsUserData) {
  MemberSubscription s;
  s.generation = 5;
  EXPECT_EQ(subscription_generation(s), 5);
  s.generation = -1;
  EXPECT_EQ(subscription_generation(s), -1);
  s.user_data = {0x00, 0x00, 0x01, 0x02};  // Java cooperative-sticky: int32 generation
  EXPECT_EQ(subscription_generation(s), 258);
  // librdkafka sticky: [{t, [0]}] then generation 3.
  s.user_data = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x74, 0x00, 0x00, 0x00, 0x01,
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03};
  EXPECT_EQ(subscription_generation(s), 3);
  s.user_data = {1, 2, 3, 4, 5, 6};  // something else
  EXPECT_EQ(subscription_generation(s), -1);
}

// ---- assignors: helpers ----------------------------------------------------------------------

GroupMember member(std::string id, std::vector<std::string> topics, std::vector<TopicPartitionRef> owned = {},
                   int32_t generation = -1, std::optional<std::string> instance = std::nullopt) {
  GroupMember m;
  m.member_id = std::move(id);
  m.instance_id = std::move(instance);
  m.subscription.topics = std::move(topics);
  m.subscription.owned = std::move(owned);
  m.subscription.generation = generation;
  return m;
}

Layout run(std::string_view assignor, const std::vector<GroupMember>& members,
           const std::map<std::string, int32_t>& counts) {
  auto a = make_assignor(assignor);
  EXPECT_TRUE(a);
  auto result = a->assign(members, counts);
  Layout out;
  for (auto& [id, assignment] : result) out[id] = assignment.partitions;
  EXPECT_EQ(out.size(), members.size());
  for (const auto& m : members) EXPECT_TRUE(out.count(m.member_id)) << m.member_id;
  return out;
}

bool subscribes(const GroupMember& m, const std::string& topic) {
  return std::count(m.subscription.topics.begin(), m.subscription.topics.end(), topic) > 0;
}

// Every partition of a topic someone subscribes to, sorted.
std::set<TopicPartitionRef> subscribed_partitions(const std::vector<GroupMember>& members,
                                                  const std::map<std::string, int32_t>& counts) {
  std::set<TopicPartitionRef> all;
  for (const auto& m : members)
    for (const auto& t : m.subscription.topics)
      if (counts.count(t))
        for (int32_t p = 0; p < counts.at(t); ++p) all.insert({t, p});
  return all;
}

// No partition twice, only existing partitions of topics the member subscribes to. With
// `complete`, every subscribed partition is assigned.
void expect_valid(const std::vector<GroupMember>& members, const std::map<std::string, int32_t>& counts,
                  const Layout& layout, bool complete) {
  std::set<TopicPartitionRef> seen;
  for (const auto& m : members) {
    for (const auto& p : layout.at(m.member_id)) {
      EXPECT_TRUE(seen.insert(p).second) << p.topic << "-" << p.partition << " assigned twice";
      EXPECT_TRUE(subscribes(m, p.topic)) << m.member_id << " got unsubscribed " << p.topic;
      ASSERT_TRUE(counts.count(p.topic));
      EXPECT_LT(p.partition, counts.at(p.topic));
    }
  }
  if (complete) {
    EXPECT_EQ(seen, subscribed_partitions(members, counts));
  }
}

// No member could take a partition from a member holding two or more than it (the sticky
// assignors' notion of balance; with equal subscriptions: counts differ by at most one).
void expect_balanced(const std::vector<GroupMember>& members, const Layout& layout) {
  std::map<std::string, size_t> count;
  for (auto& [id, parts] : layout) count[id] = parts.size();
  for (const auto& taker : members)
    for (const auto& giver : members)
      for (const auto& p : layout.at(giver.member_id))
        if (subscribes(taker, p.topic)) {
          EXPECT_LE(count[giver.member_id], count[taker.member_id] + 1)
              << giver.member_id << " holds " << count[giver.member_id] << ", " << taker.member_id << " only "
              << count[taker.member_id];
        }
}

// ---- range / roundrobin ----------------------------------------------------------------------

TEST(RangeAssignor, ThreeMembersTwoTopics) {
  std::map<std::string, int32_t> counts{{"t0", 3}, {"t1", 3}};
  auto l = run("range", {member("c2", {"t0", "t1"}), member("c0", {"t0", "t1"}), member("c1", {"t0", "t1"})}, counts);
  EXPECT_EQ(l["c0"], (std::vector{tp("t0", 0), tp("t1", 0)}));
  EXPECT_EQ(l["c1"], (std::vector{tp("t0", 1), tp("t1", 1)}));
  EXPECT_EQ(l["c2"], (std::vector{tp("t0", 2), tp("t1", 2)}));
}

TEST(RangeAssignor, UnevenRangesFavourTheFirstMembers) {
  std::map<std::string, int32_t> counts{{"t0", 3}, {"t1", 3}};
  auto l = run("range", {member("c0", {"t0", "t1"}), member("c1", {"t0", "t1"})}, counts);
  EXPECT_EQ(l["c0"], (std::vector{tp("t0", 0), tp("t0", 1), tp("t1", 0), tp("t1", 1)}));
  EXPECT_EQ(l["c1"], (std::vector{tp("t0", 2), tp("t1", 2)}));

  auto seven = run("range", {member("a", {"t"}), member("b", {"t"}), member("c", {"t"})}, {{"t", 7}});
  EXPECT_EQ(seven["a"], (std::vector{tp("t", 0), tp("t", 1), tp("t", 2)}));
  EXPECT_EQ(seven["b"], (std::vector{tp("t", 3), tp("t", 4)}));
  EXPECT_EQ(seven["c"], (std::vector{tp("t", 5), tp("t", 6)}));
}

TEST(RangeAssignor, PerTopicSubscribersAndMissingTopics) {
  std::map<std::string, int32_t> counts{{"t0", 2}, {"t1", 2}};
  auto l = run("range", {member("a", {"t0"}), member("b", {"t0", "t1", "missing"}), member("c", {})}, counts);
  EXPECT_EQ(l["a"], (std::vector{tp("t0", 0)}));
  EXPECT_EQ(l["b"], (std::vector{tp("t0", 1), tp("t1", 0), tp("t1", 1)}));
  EXPECT_TRUE(l["c"].empty());
  // More members than partitions: the last ones get nothing.
  auto m = run("range", {member("a", {"t0"}), member("b", {"t0"}), member("c", {"t0"})}, counts);
  EXPECT_EQ(m["a"], (std::vector{tp("t0", 0)}));
  EXPECT_EQ(m["b"], (std::vector{tp("t0", 1)}));
  EXPECT_TRUE(m["c"].empty());
}

TEST(RangeAssignor, StaticMembersSortByInstanceIdFirst) {
  std::map<std::string, int32_t> counts{{"t", 3}};
  auto l = run("range",
               {member("m-1", {"t"}, {}, -1, "zeta"), member("m-2", {"t"}, {}, -1, "alpha"), member("m-0", {"t"})},
               counts);
  EXPECT_EQ(l["m-2"], (std::vector{tp("t", 0)}));  // instance "alpha"
  EXPECT_EQ(l["m-1"], (std::vector{tp("t", 1)}));  // instance "zeta"
  EXPECT_EQ(l["m-0"], (std::vector{tp("t", 2)}));  // dynamic members after static ones
}

TEST(RoundRobinAssignor, ThreeMembersTwoTopics) {
  std::map<std::string, int32_t> counts{{"t0", 3}, {"t1", 3}};
  auto l = run("roundrobin", {member("c1", {"t0", "t1"}), member("c0", {"t0", "t1"}), member("c2", {"t0", "t1"})},
               counts);
  EXPECT_EQ(l["c0"], (std::vector{tp("t0", 0), tp("t1", 0)}));
  EXPECT_EQ(l["c1"], (std::vector{tp("t0", 1), tp("t1", 1)}));
  EXPECT_EQ(l["c2"], (std::vector{tp("t0", 2), tp("t1", 2)}));
  auto two = run("roundrobin", {member("c0", {"t0", "t1"}), member("c1", {"t0", "t1"})}, counts);
  EXPECT_EQ(two["c0"], (std::vector{tp("t0", 0), tp("t0", 2), tp("t1", 1)}));
  EXPECT_EQ(two["c1"], (std::vector{tp("t0", 1), tp("t1", 0), tp("t1", 2)}));
}

TEST(RoundRobinAssignor, SkipsMembersNotSubscribed) {
  // The RoundRobinAssignor javadoc example: C0 [t0], C1 [t0, t1], C2 [t0, t1, t2].
  std::map<std::string, int32_t> counts{{"t0", 1}, {"t1", 2}, {"t2", 3}};
  auto l = run("roundrobin",
               {member("C0", {"t0"}), member("C1", {"t0", "t1"}), member("C2", {"t0", "t1", "t2"})}, counts);
  EXPECT_EQ(l["C0"], (std::vector{tp("t0", 0)}));
  EXPECT_EQ(l["C1"], (std::vector{tp("t1", 0)}));
  EXPECT_EQ(l["C2"], (std::vector{tp("t1", 1), tp("t2", 0), tp("t2", 1), tp("t2", 2)}));
}

TEST(RoundRobinAssignor, StaticMembersSortByInstanceIdFirst) {
  auto l = run("roundrobin",
               {member("m-1", {"t"}, {}, -1, "zeta"), member("m-2", {"t"}, {}, -1, "alpha"), member("m-0", {"t"})},
               {{"t", 4}});
  EXPECT_EQ(l["m-2"], (std::vector{tp("t", 0), tp("t", 3)}));
  EXPECT_EQ(l["m-1"], (std::vector{tp("t", 1)}));
  EXPECT_EQ(l["m-0"], (std::vector{tp("t", 2)}));
}

TEST(Assignors, NamesAndProtocols) {
  EXPECT_EQ(make_assignor("range")->name(), "range");
  EXPECT_EQ(make_assignor("range")->protocol(), AssignorProtocol::Eager);
  EXPECT_EQ(make_assignor("roundrobin")->name(), "roundrobin");
  EXPECT_EQ(make_assignor("roundrobin")->protocol(), AssignorProtocol::Eager);
  EXPECT_EQ(make_assignor("cooperative-sticky")->name(), "cooperative-sticky");
  EXPECT_EQ(make_assignor("cooperative-sticky")->protocol(), AssignorProtocol::Cooperative);
  EXPECT_FALSE(make_assignor("sticky"));
  EXPECT_FALSE(make_assignor(""));
}

TEST(Assignors, EmptyGroupAndNoTopics) {
  for (auto name : {"range", "roundrobin", "cooperative-sticky"}) {
    EXPECT_TRUE(make_assignor(name)->assign({}, {{"t", 3}}).empty()) << name;
    auto l = run(name, {member("a", {"gone"}), member("b", {})}, {{"t", 3}});
    EXPECT_TRUE(l["a"].empty()) << name;
    EXPECT_TRUE(l["b"].empty()) << name;
  }
}

// ---- cooperative-sticky ----------------------------------------------------------------------

// One group round: each member reports what it owns (the previous result) with the generation.
std::vector<GroupMember> with_owned(std::vector<GroupMember> members, const Layout& previous, int32_t generation) {
  for (auto& m : members) {
    auto it = previous.find(m.member_id);
    m.subscription.owned = it == previous.end() ? std::vector<TopicPartitionRef>{} : it->second;
    m.subscription.generation = generation;
  }
  return members;
}

// Partitions members owned that they no longer have.
size_t count_revoked(const std::vector<GroupMember>& members, const Layout& result) {
  size_t revoked = 0;
  for (const auto& m : members) {
    std::set<TopicPartitionRef> now(result.at(m.member_id).begin(), result.at(m.member_id).end());
    for (const auto& p : m.subscription.owned) revoked += now.count(p) ? 0 : 1;
  }
  return revoked;
}

// KIP-429: nothing is given to a member while another member still claims it.
void expect_no_handover_in_one_generation(const std::vector<GroupMember>& members, const Layout& result) {
  for (const auto& m : members)
    for (const auto& p : result.at(m.member_id))
      for (const auto& other : members) {
        if (other.member_id == m.member_id) continue;
        const auto& owned = other.subscription.owned;
        EXPECT_EQ(std::count(owned.begin(), owned.end(), p), 0)
            << p.topic << "-" << p.partition << " given to " << m.member_id << " while " << other.member_id
            << " still owns it";
      }
}

TEST(CooperativeStickyAssignor, FreshGroupIsBalancedAndComplete) {
  std::map<std::string, int32_t> counts{{"t0", 3}, {"t1", 3}};
  std::vector<GroupMember> members{member("a", {"t0", "t1"}), member("b", {"t0", "t1"}), member("c", {"t0", "t1"})};
  auto l = run("cooperative-sticky", members, counts);
  expect_valid(members, counts, l, true);
  for (auto& [id, parts] : l) EXPECT_EQ(parts.size(), 2u) << id;
}

TEST(CooperativeStickyAssignor, JoinMovesOnlyWhatBalanceNeedsAndWithholdsIt) {
  std::map<std::string, int32_t> counts{{"t", 6}};
  std::vector<GroupMember> three{member("a", {"t"}), member("b", {"t"}), member("c", {"t"})};
  auto gen1 = run("cooperative-sticky", three, counts);

  auto four = three;
  four.push_back(member("d", {"t"}));
  auto join = with_owned(four, gen1, 1);
  auto gen2 = run("cooperative-sticky", join, counts);
  // 6 over 4 members is 2,2,1,1: one partition leaves its owner; d gets it only next generation.
  EXPECT_EQ(count_revoked(join, gen2), 1u);
  EXPECT_TRUE(gen2["d"].empty());
  expect_no_handover_in_one_generation(join, gen2);
  expect_valid(four, counts, gen2, false);
  size_t assigned = 0;
  for (auto& [id, parts] : gen2) assigned += parts.size();
  EXPECT_EQ(assigned, 5u);

  // The follow-up rebalance only adds the withheld partition.
  auto follow = with_owned(four, gen2, 2);
  auto gen3 = run("cooperative-sticky", follow, counts);
  EXPECT_EQ(count_revoked(follow, gen3), 0u);
  EXPECT_EQ(gen3["d"].size(), 1u);
  expect_valid(four, counts, gen3, true);
  expect_balanced(four, gen3);
}

TEST(CooperativeStickyAssignor, LeaveRevokesNothingFromTheRemainingMembers) {
  std::map<std::string, int32_t> counts{{"t0", 4}, {"t1", 5}};
  std::vector<GroupMember> three{member("a", {"t0", "t1"}), member("b", {"t0", "t1"}), member("c", {"t0", "t1"})};
  auto gen1 = run("cooperative-sticky", three, counts);
  std::vector<GroupMember> two{three[0], three[2]};  // b leaves (or crashes)
  auto leave = with_owned(two, gen1, 1);
  auto gen2 = run("cooperative-sticky", leave, counts);
  EXPECT_EQ(count_revoked(leave, gen2), 0u);
  expect_valid(two, counts, gen2, true);  // b's partitions are handed over at once: no one claims them
  expect_balanced(two, gen2);
  for (const auto& m : leave)
    for (const auto& p : m.subscription.owned)
      EXPECT_EQ(std::count(gen2[m.member_id].begin(), gen2[m.member_id].end(), p), 1);
}

TEST(CooperativeStickyAssignor, HighestGenerationClaimWins) {
  std::map<std::string, int32_t> counts{{"t", 2}};
  // b claims t-0 from a stale generation: a's newer claim counts, b gets t-1 and nothing is
  // withheld from a.
  std::vector<GroupMember> members{member("a", {"t"}, {tp("t", 0)}, 5), member("b", {"t"}, {tp("t", 0)}, 3)};
  auto l = run("cooperative-sticky", members, counts);
  EXPECT_EQ(l["a"], (std::vector{tp("t", 0)}));
  EXPECT_EQ(l["b"], (std::vector{tp("t", 1)}));

  // Same claim with the generations swapped.
  std::vector<GroupMember> swapped{member("a", {"t"}, {tp("t", 0)}, 3), member("b", {"t"}, {tp("t", 0)}, 5)};
  auto s = run("cooperative-sticky", swapped, counts);
  EXPECT_EQ(s["b"], (std::vector{tp("t", 0)}));
  EXPECT_EQ(s["a"], (std::vector{tp("t", 1)}));
}

TEST(CooperativeStickyAssignor, GenerationFromUserDataWhenTheSubscriptionHasNone) {
  // Subscription v1 members (no GenerationId field): librdkafka-style user data says a is in
  // generation 2 and b in generation 6, so b's claim on t-0 wins.
  std::map<std::string, int32_t> counts{{"t", 2}};
  auto a = member("a", {"t"}, {tp("t", 0)});
  auto b = member("b", {"t"}, {tp("t", 0)});
  a.subscription.user_data = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};  // no partitions, generation 2
  b.subscription.user_data = {0x00, 0x00, 0x00, 0x06};                          // Java: generation 6
  auto l = run("cooperative-sticky", {a, b}, counts);
  EXPECT_EQ(l["b"], (std::vector{tp("t", 0)}));
  EXPECT_EQ(l["a"], (std::vector{tp("t", 1)}));
}

TEST(CooperativeStickyAssignor, SameGenerationDoubleClaimIsWithheldFromEveryone) {
  std::map<std::string, int32_t> counts{{"t", 4}};
  std::vector<GroupMember> members{member("a", {"t"}, {tp("t", 0), tp("t", 1)}, 4),
                                   member("b", {"t"}, {tp("t", 0), tp("t", 2)}, 4)};
  auto l = run("cooperative-sticky", members, counts);
  for (auto& [id, parts] : l) EXPECT_EQ(std::count(parts.begin(), parts.end(), tp("t", 0)), 0) << id;
  EXPECT_EQ(std::count(l["a"].begin(), l["a"].end(), tp("t", 1)), 1);
  EXPECT_EQ(std::count(l["b"].begin(), l["b"].end(), tp("t", 2)), 1);
  expect_valid(members, counts, l, false);
}

TEST(CooperativeStickyAssignor, UnsubscribedTopicIsRevokedBeforeReassignment) {
  std::map<std::string, int32_t> counts{{"t0", 2}, {"t1", 2}};
  // a dropped t1 from its subscription but still owns t1-0 and t1-1.
  std::vector<GroupMember> members{member("a", {"t0"}, {tp("t0", 0), tp("t1", 0), tp("t1", 1)}, 2),
                                   member("b", {"t0", "t1"}, {tp("t0", 1)}, 2)};
  // Only a can take t0 and only b can take t1, so balance puts all of t0 on a and t1 on b; t0-1
  // and t1 are withheld while their owners (b, a) still claim them.
  auto l = run("cooperative-sticky", members, counts);
  EXPECT_EQ(l["a"], (std::vector{tp("t0", 0)}));
  EXPECT_TRUE(l["b"].empty());
  auto next = with_owned(members, l, 3);
  auto l2 = run("cooperative-sticky", next, counts);
  EXPECT_EQ(l2["a"], (std::vector{tp("t0", 0), tp("t0", 1)}));
  EXPECT_EQ(l2["b"], (std::vector{tp("t1", 0), tp("t1", 1)}));
}

TEST(CooperativeStickyAssignor, DeletedTopicsAndPartitionsAreDropped) {
  std::map<std::string, int32_t> counts{{"t", 2}};  // "gone" deleted, t shrank from 4 to 2
  std::vector<GroupMember> members{member("a", {"t", "gone"}, {tp("gone", 0), tp("t", 0), tp("t", 3)}, 1),
                                   member("b", {"t", "gone"}, {tp("t", 1), tp("t", 2)}, 1)};
  auto l = run("cooperative-sticky", members, counts);
  EXPECT_EQ(l["a"], (std::vector{tp("t", 0)}));
  EXPECT_EQ(l["b"], (std::vector{tp("t", 1)}));
}

TEST(CooperativeStickyAssignor, DifferentSubscriptionsBalanceWhereTheyCan) {
  std::map<std::string, int32_t> counts{{"t0", 6}, {"t1", 2}};
  std::vector<GroupMember> members{member("a", {"t0"}), member("b", {"t0", "t1"}), member("c", {"t1"})};
  auto l = run("cooperative-sticky", members, counts);
  expect_valid(members, counts, l, true);
  expect_balanced(members, l);
  EXPECT_EQ(l["a"].size() + l["b"].size() + l["c"].size(), 8u);
  EXPECT_LE(l["a"].size(), 4u);
  EXPECT_GE(l["a"].size(), 3u);
}

// ---- randomized properties -------------------------------------------------------------------

struct RandomGroup {
  std::mt19937 rng;
  std::map<std::string, int32_t> counts;
  std::vector<GroupMember> members;
  int next_member = 0;

  explicit RandomGroup(uint32_t seed) : rng(seed) {}
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  std::vector<std::string> random_subscription(bool all) {
    std::vector<std::string> topics;
    for (auto& [t, n] : counts)
      if (all || uniform(0, 1)) topics.push_back(t);
    if (topics.empty()) topics.push_back(counts.begin()->first);
    return topics;
  }
  void add_member(bool equal) { members.push_back(member("m" + std::to_string(next_member++), random_subscription(equal))); }
};

// Rounds of the group protocol until nothing is withheld; returns the number of rounds.
int settle(std::vector<GroupMember>& members, const std::map<std::string, int32_t>& counts, Layout& layout,
           int32_t& generation) {
  for (int round = 1; round <= 4; ++round) {
    auto input = with_owned(members, layout, generation++);
    layout = run("cooperative-sticky", input, counts);
    expect_valid(input, counts, layout, false);
    expect_no_handover_in_one_generation(input, layout);
    std::set<TopicPartitionRef> assigned;
    for (auto& [id, parts] : layout) assigned.insert(parts.begin(), parts.end());
    if (assigned == subscribed_partitions(input, counts)) return round;
  }
  ADD_FAILURE() << "did not settle in 4 rounds";
  return 0;
}

// Java's minimum for equal subscriptions: the members owning the most keep up to the ceiling
// quota (for as many members as the remainder allows), everyone else up to the floor quota.
size_t minimum_revocations(std::vector<size_t> owned, size_t partitions) {
  std::sort(owned.rbegin(), owned.rend());
  size_t n = owned.size(), floor_quota = partitions / n, with_extra = partitions % n, moves = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t quota = floor_quota + (i < with_extra ? 1 : 0);
    if (owned[i] > quota) moves += owned[i] - quota;
  }
  return moves;
}

TEST(CooperativeStickyAssignor, RandomGroupsEqualSubscriptions) {
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomGroup g(seed);
    int topics = g.uniform(1, 4);
    for (int t = 0; t < topics; ++t) g.counts["t" + std::to_string(t)] = g.uniform(1, 12);
    for (int i = g.uniform(1, 6); i > 0; --i) g.add_member(true);
    Layout layout;
    int32_t generation = 1;
    ASSERT_EQ(settle(g.members, g.counts, layout, generation), 1);  // nothing owned yet
    expect_balanced(g.members, layout);
    for (int change = 0; change < 8; ++change) {
      if (g.members.size() > 1 && g.uniform(0, 1)) {
        g.members.erase(g.members.begin() + g.uniform(0, static_cast<int>(g.members.size()) - 1));
      } else {
        g.add_member(true);
      }
      auto input = with_owned(g.members, layout, generation);
      auto result = run("cooperative-sticky", input, g.counts);
      std::vector<size_t> owned;
      for (const auto& m : input) owned.push_back(m.subscription.owned.size());
      size_t total = subscribed_partitions(input, g.counts).size();
      EXPECT_EQ(count_revoked(input, result), minimum_revocations(owned, total)) << "change " << change;
      int rounds = settle(g.members, g.counts, layout, generation);
      EXPECT_LE(rounds, 2);
      expect_valid(g.members, g.counts, layout, true);
      expect_balanced(g.members, layout);
    }
  }
}

TEST(CooperativeStickyAssignor, RandomGroupsMixedSubscriptionsAndTopicChanges) {
  for (uint32_t seed = 1000; seed < 1150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomGroup g(seed);
    int topics = g.uniform(1, 5);
    for (int t = 0; t < topics; ++t) g.counts["t" + std::to_string(t)] = g.uniform(1, 10);
    for (int i = g.uniform(1, 7); i > 0; --i) g.add_member(false);
    Layout layout;
    int32_t generation = 1;
    settle(g.members, g.counts, layout, generation);
    for (int change = 0; change < 8; ++change) {
      switch (g.uniform(0, 4)) {
        case 0: g.add_member(false); break;
        case 1:
          if (g.members.size() > 1) g.members.erase(g.members.begin() + g.uniform(0, static_cast<int>(g.members.size()) - 1));
          break;
        case 2: g.members[g.uniform(0, static_cast<int>(g.members.size()) - 1)].subscription.topics = g.random_subscription(false); break;
        case 3: g.counts["t" + std::to_string(g.uniform(0, topics - 1))] = g.uniform(1, 10); break;  // grow or shrink
        case 4:
          if (g.counts.size() > 1) g.counts.erase(std::next(g.counts.begin(), g.uniform(0, static_cast<int>(g.counts.size()) - 1)));
          break;
      }
      settle(g.members, g.counts, layout, generation);
      expect_valid(g.members, g.counts, layout, true);
      expect_balanced(g.members, layout);
    }
  }
}

TEST(EagerAssignors, RandomGroupsAssignEveryPartitionOnce) {
  for (auto name : {"range", "roundrobin"}) {
    for (uint32_t seed = 1; seed <= 200; ++seed) {
      SCOPED_TRACE(std::string(name) + " seed " + std::to_string(seed));
      RandomGroup g(seed);
      int topics = g.uniform(1, 5);
      for (int t = 0; t < topics; ++t) g.counts["t" + std::to_string(t)] = g.uniform(1, 16);
      bool equal = g.uniform(0, 1);
      for (int i = g.uniform(1, 8); i > 0; --i) g.add_member(equal);
      auto l = run(name, g.members, g.counts);
      expect_valid(g.members, g.counts, l, true);
      if (equal) {
        size_t total = subscribed_partitions(g.members, g.counts).size(), lo = total, hi = 0;
        for (auto& [id, parts] : l) lo = std::min(lo, parts.size()), hi = std::max(hi, parts.size());
        if (std::string(name) == "roundrobin") {
          EXPECT_LE(hi - lo, 1u);
        } else {
          EXPECT_LE(hi - lo, static_cast<size_t>(topics));  // range: at most one extra per topic
        }
      }
    }
  }
}

}  // namespace
