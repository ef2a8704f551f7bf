// Partition assignors and the ConsumerProtocol payload codecs (see assignor.h).
#include "assignor.h"

#include <algorithm>
#include <map>
#include <set>
#include <span>
#include <unordered_map>

#include "kafka/protocol/messages/consumer_protocol.h"

namespace kafka::client {

namespace {

using proto::ConsumerProtocolTopicPartition;

// Groups a flat partition list by topic (topics and partitions sorted) for the wire.
std::vector<ConsumerProtocolTopicPartition> group_by_topic(const std::vector<TopicPartitionRef>& flat) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : flat) by_topic[tp.topic].push_back(tp.partition);
  std::vector<ConsumerProtocolTopicPartition> out;
  out.reserve(by_topic.size());
  for (auto& [topic, parts] : by_topic) {
    std::sort(parts.begin(), parts.end());
    parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
    out.push_back({topic, std::move(parts)});
  }
  return out;
}

std::vector<TopicPartitionRef> flatten(const std::vector<ConsumerProtocolTopicPartition>& grouped) {
  std::vector<TopicPartitionRef> out;
  for (const auto& t : grouped)
    for (int32_t p : t.partitions) out.push_back({t.topic, p});
  return out;
}

std::optional<proto::Bytes> nullable_user_data(const std::vector<uint8_t>& data) {
  if (data.empty()) return std::nullopt;  // Java and librdkafka send null when there is none
  return proto::Bytes(data);
}

}  // namespace

std::vector<uint8_t> encode_subscription(const MemberSubscription& s, int16_t version) {
  proto::ConsumerProtocolSubscription m;
  m.topics = s.topics;
  m.user_data = nullable_user_data(s.user_data);
  m.owned_partitions = group_by_topic(s.owned);
  m.generation_id = s.generation;
  m.rack_id = s.rack;
  return proto::encode_versioned_payload(m, version);
}

MemberSubscription decode_subscription(std::span<const uint8_t> bytes) {
  auto m = proto::decode_versioned_payload<proto::ConsumerProtocolSubscription>(bytes);
  MemberSubscription s;
  s.topics = std::move(m.topics);
  if (m.user_data) s.user_data = std::move(m.user_data->data);
  s.owned = flatten(m.owned_partitions);
  s.generation = m.generation_id;
  s.rack = std::move(m.rack_id);
  return s;
}

std::vector<uint8_t> encode_assignment(const MemberAssignment& a, int16_t version) {
  proto::ConsumerProtocolAssignment m;
  m.assigned_partitions = group_by_topic(a.partitions);
  m.user_data = nullable_user_data(a.user_data);
  return proto::encode_versioned_payload(m, version);
}

MemberAssignment decode_assignment(std::span<const uint8_t> bytes) {
  MemberAssignment a;
  if (bytes.empty()) return a;  // a member the leader gave nothing (or a failed sync)
  auto m = proto::decode_versioned_payload<proto::ConsumerProtocolAssignment>(bytes);
  a.partitions = flatten(m.assigned_partitions);
  if (m.user_data) a.user_data = std::move(m.user_data->data);
  return a;
}

int32_t subscription_generation(const MemberSubscription& s) {
  if (s.generation >= 0) return s.generation;
  // Older subscription versions carry the generation in the user data: Java's
  // CooperativeStickyAssignor writes a bare int32; librdkafka's sticky assignors write
  // [topic partitions] followed by an int32.
  const auto& ud = s.user_data;
  if (ud.size() == 4) {
    proto::Reader r(ud);
    return r.i32();
  }
  if (ud.size() > 4) {
    try {
      proto::Reader r(ud);
      std::vector<ConsumerProtocolTopicPartition> ignored;
      proto::decode_value(r, ignored, proto::Context{0, false});
      int32_t generation = r.i32();
      if (r.empty()) return generation;
    } catch (const proto::ProtocolError&) {
    }
  }
  return -1;
}

namespace {

// Java's member order (ConsumerPartitionAssignor.MemberInfo): static members first by
// group.instance.id, then dynamic members by member id.
bool member_order(const GroupMember* a, const GroupMember* b) {
  if (a->instance_id && b->instance_id) {
    if (*a->instance_id != *b->instance_id) return *a->instance_id < *b->instance_id;
    return a->member_id < b->member_id;
  }
  if (a->instance_id) return true;
  if (b->instance_id) return false;
  return a->member_id < b->member_id;
}

std::vector<const GroupMember*> sorted_members(const std::vector<GroupMember>& members) {
  std::vector<const GroupMember*> out;
  out.reserve(members.size());
  for (const auto& m : members) out.push_back(&m);
  std::sort(out.begin(), out.end(), member_order);
  return out;
}

bool subscribes(const GroupMember& m, const std::string& topic) {
  return std::find(m.subscription.topics.begin(), m.subscription.topics.end(), topic) !=
         m.subscription.topics.end();
}

// Topics some member subscribes to that exist, sorted.
std::set<std::string> subscribed_existing_topics(const std::vector<GroupMember>& members,
                                                 const std::map<std::string, int32_t>& partition_counts) {
  std::set<std::string> topics;
  for (const auto& m : members)
    for (const auto& t : m.subscription.topics)
      if (partition_counts.count(t)) topics.insert(t);
  return topics;
}

std::map<std::string, MemberAssignment> empty_assignments(const std::vector<GroupMember>& members) {
  std::map<std::string, MemberAssignment> out;
  for (const auto& m : members) out[m.member_id];
  return out;
}

void sort_partitions(std::map<std::string, MemberAssignment>& out) {
  for (auto& [id, a] : out) std::sort(a.partitions.begin(), a.partitions.end());
}

class RangeAssignor final : public Assignor {
 public:
  std::string_view name() const override { return "range"; }
  AssignorProtocol protocol() const override { return AssignorProtocol::Eager; }

  std::map<std::string, MemberAssignment> assign(const std::vector<GroupMember>& members,
                                                 const std::map<std::string, int32_t>& partition_counts) const override {
    auto out = empty_assignments(members);
    auto order = sorted_members(members);
    for (const auto& topic : subscribed_existing_topics(members, partition_counts)) {
      std::vector<const GroupMember*> consumers;
      for (auto* m : order)
        if (subscribes(*m, topic)) consumers.push_back(m);
      const int32_t partitions = partition_counts.at(topic);
      const int32_t n = static_cast<int32_t>(consumers.size());
      const int32_t per_consumer = partitions / n;
      const int32_t with_extra = partitions % n;  // the first ones get one more
      for (int32_t i = 0; i < n; ++i) {
        int32_t start = per_consumer * i + std::min(i, with_extra);
        int32_t length = per_consumer + (i < with_extra ? 1 : 0);
        auto& dest = out[consumers[i]->member_id].partitions;
        for (int32_t p = start; p < start + length; ++p) dest.push_back({topic, p});
      }
    }
    sort_partitions(out);
    return out;
  }
};

class RoundRobinAssignor final : public Assignor {
 public:
  std::string_view name() const override { return "roundrobin"; }
  AssignorProtocol protocol() const override { return AssignorProtocol::Eager; }

  std::map<std::string, MemberAssignment> assign(const std::vector<GroupMember>& members,
                                                 const std::map<std::string, int32_t>& partition_counts) const override {
    auto out = empty_assignments(members);
    auto order = sorted_members(members);
    if (order.empty()) return out;
    size_t next = 0;  // the circular iterator over the sorted members, kept across topics
    for (const auto& topic : subscribed_existing_topics(members, partition_counts)) {
      for (int32_t p = 0; p < partition_counts.at(topic); ++p) {
        // Some member subscribes to the topic, so this stops within one lap.
        while (!subscribes(*order[next], topic)) next = (next + 1) % order.size();
        out[order[next]->member_id].partitions.push_back({topic, p});
        next = (next + 1) % order.size();
      }
    }
    sort_partitions(out);
    return out;
  }
};

// Sticky balancing with cooperative (KIP-429) hand-over. Outline:
//   1. Ownership: each member's owned partitions that still exist and that it still subscribes to
//      are candidates; when several members claim one partition, the highest generation wins and
//      a tie at that generation leaves it without a valid owner ("disputed").
//   2. Every valid owner keeps its partitions; the remaining partitions go, the most constrained
//      first (fewest subscribers), to the subscribed member with the fewest partitions.
//   3. While some member could take a partition from a member holding at least two more, move
//      one (preferring partitions the donor did not own before), so only what balance requires
//      moves. Every move lowers the sum of squared counts, so this terminates.
//   4. A partition given to a member other than its valid owner, while another member still
//      claims it (or it is disputed), is withheld this generation: the claimant revokes it and
//      the follow-up rebalance assigns it.
class CooperativeStickyAssignor final : public Assignor {
 public:
  std::string_view name() const override { return "cooperative-sticky"; }
  AssignorProtocol protocol() const override { return AssignorProtocol::Cooperative; }

  std::map<std::string, MemberAssignment> assign(const std::vector<GroupMember>& members,
                                                 const std::map<std::string, int32_t>& partition_counts) const override {
    auto out = empty_assignments(members);
    auto order = sorted_members(members);
    const size_t member_count = order.size();
    if (member_count == 0) return out;

    // Partitions are numbered densely; per topic, the members subscribed to it (member indices).
    struct TopicInfo {
      std::string name;
      int32_t first_index;
      std::vector<size_t> subscribers;
    };
    std::vector<TopicInfo> topics;
    std::unordered_map<std::string, size_t> topic_index;
    int32_t partition_total = 0;
    for (const auto& t : subscribed_existing_topics(members, partition_counts)) {
      TopicInfo info{t, partition_total, {}};
      for (size_t m = 0; m < member_count; ++m)
        if (subscribes(*order[m], t)) info.subscribers.push_back(m);
      topic_index[t] = topics.size();
      partition_total += std::max(partition_counts.at(t), 0);
      topics.push_back(std::move(info));
    }
    std::vector<size_t> topic_of(partition_total);
    for (size_t t = 0; t < topics.size(); ++t) {
      int32_t end = topics[t].first_index + partition_counts.at(topics[t].name);
      for (int32_t i = topics[t].first_index; i < end; ++i) topic_of[i] = t;
    }
    auto partition_index = [&](const TopicPartitionRef& tp) -> int32_t {
      auto it = topic_index.find(tp.topic);
      if (it == topic_index.end() || tp.partition < 0 || tp.partition >= partition_counts.at(tp.topic)) return -1;
      return topics[it->second].first_index + tp.partition;
    };

    // 1. Ownership.
    constexpr size_t kNone = static_cast<size_t>(-1);
    std::vector<size_t> valid_owner(partition_total, kNone);
    std::vector<int32_t> owner_generation(partition_total, INT32_MIN);
    std::vector<bool> disputed(partition_total, false);
    std::vector<uint32_t> claim_count(partition_total, 0);  // every claim, whatever its validity
    std::vector<std::vector<bool>> claims(member_count);
    for (size_t m = 0; m < member_count; ++m) {
      const auto& sub = order[m]->subscription;
      const int32_t generation = subscription_generation(sub);
      claims[m].assign(partition_total, false);
      for (const auto& tp : sub.owned) {
        int32_t i = partition_index(tp);
        if (i < 0 || claims[m][i]) continue;  // deleted topic/partition, or a repeated claim
        claims[m][i] = true;
        ++claim_count[i];
        if (!subscribes(*order[m], tp.topic)) continue;  // it revokes what it unsubscribed from
        if (generation > owner_generation[i]) {
          owner_generation[i] = generation;
          valid_owner[i] = m;
          disputed[i] = false;
        } else if (generation == owner_generation[i]) {
          valid_owner[i] = kNone;  // two owners in one generation: neither claim is trusted
          disputed[i] = true;
        }
      }
    }

    // 2. Keep valid ownership, then place the rest.
    std::vector<size_t> assigned_to(partition_total, kNone);
    std::vector<size_t> count(member_count, 0);
    for (int32_t i = 0; i < partition_total; ++i)
      if (valid_owner[i] != kNone) {
        assigned_to[i] = valid_owner[i];
        ++count[valid_owner[i]];
      }
    std::vector<int32_t> unplaced;
    for (int32_t i = 0; i < partition_total; ++i)
      if (assigned_to[i] == kNone) unplaced.push_back(i);
    std::stable_sort(unplaced.begin(), unplaced.end(), [&](int32_t a, int32_t b) {
      return topics[topic_of[a]].subscribers.size() < topics[topic_of[b]].subscribers.size();
    });
    auto least_loaded = [&](const std::vector<size_t>& candidates) {
      size_t best = candidates.front();
      for (size_t m : candidates)
        if (count[m] < count[best]) best = m;
      return best;
    };
    for (int32_t i : unplaced) {
      size_t m = least_loaded(topics[topic_of[i]].subscribers);
      assigned_to[i] = m;
      ++count[m];
    }

    // 3. Balance by single moves from a member to one holding at least two fewer. Each member's
    //    partitions are kept in two lists, the ones it did not own before first, so finding the
    //    partition to give away rarely scans more than a few entries.
    std::vector<std::vector<int32_t>> held_new(member_count), held_owned(member_count);
    auto hold = [&](size_t m, int32_t i) { (valid_owner[i] == m ? held_owned : held_new)[m].push_back(i); };
    for (int32_t i = 0; i < partition_total; ++i) hold(assigned_to[i], i);
    std::vector<size_t> receiver_for_topic(topics.size(), kNone);
    std::vector<uint64_t> topic_checked_at(topics.size(), 0);  // per-scan cache of receivers
    uint64_t scan = 0;
    std::vector<size_t> donors(member_count);
    for (size_t m = 0; m < member_count; ++m) donors[m] = m;
    for (;;) {
      std::stable_sort(donors.begin(), donors.end(), [&](size_t a, size_t b) {
        return count[a] != count[b] ? count[a] > count[b] : a < b;
      });
      bool moved = false;
      for (size_t donor : donors) {
        if (count[donor] < 2) break;
        ++scan;
        for (auto* list : {&held_new[donor], &held_owned[donor]}) {
          for (size_t k = 0; k < list->size(); ++k) {
            int32_t i = (*list)[k];
            size_t t = topic_of[i];
            if (topic_checked_at[t] != scan) {
              topic_checked_at[t] = scan;
              size_t r = least_loaded(topics[t].subscribers);
              receiver_for_topic[t] = count[r] + 1 < count[donor] ? r : kNone;
            }
            size_t receiver = receiver_for_topic[t];
            if (receiver == kNone) continue;
            (*list)[k] = list->back();
            list->pop_back();
            hold(receiver, i);
            assigned_to[i] = receiver;
            --count[donor];
            ++count[receiver];
            moved = true;
            break;
          }
          if (moved) break;
        }
        if (moved) break;
      }
      if (!moved) break;
    }

    // 4. Withhold partitions whose previous owner has yet to revoke them.
    for (int32_t i = 0; i < partition_total; ++i) {
      size_t m = assigned_to[i];
      if (m == valid_owner[i]) {
        // kept
      } else {
        uint32_t others = claim_count[i] - (claims[m][i] ? 1 : 0);
        if (others > 0 || disputed[i]) continue;
      }
      const auto& t = topics[topic_of[i]];
      out[order[m]->member_id].partitions.push_back({t.name, i - t.first_index});
    }
    sort_partitions(out);
    return out;
  }
};

}  // namespace

std::unique_ptr<Assignor> make_assignor(std::string_view name) {
  if (name == "range") return std::make_unique<RangeAssignor>();
  if (name == "roundrobin") return std::make_unique<RoundRobinAssignor>();
  if (name == "cooperative-sticky") return std::make_unique<CooperativeStickyAssignor>();
  return nullptr;
}

}  // namespace kafka::client
