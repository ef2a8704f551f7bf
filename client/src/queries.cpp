#include "queries.h"

#include <map>

#include "kafka/protocol/messages/list_offsets.h"
#include "kafka/protocol/messages/metadata.h"

namespace kafka::client {

std::unique_ptr<Request> make_metadata_request(const std::vector<std::string>* topics, bool allow_auto_create,
                                               int64_t timeout_us) {
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::Metadata;
  r->min_version = 0;
  r->max_version = 12;
  r->timeout_us = timeout_us;
  std::optional<std::vector<std::string>> names;
  if (topics) names = *topics;
  r->encode = [names, allow_auto_create](Frame& f, int16_t v) {
    proto::MetadataRequest req;
    if (!names) {
      req.topics.reset();  // all topics (v0: an empty list)
    } else {
      req.topics.emplace();
      for (auto& n : *names) {
        proto::MetadataRequest::MetadataRequestTopic t;
        t.name = n;
        req.topics->push_back(std::move(t));
      }
    }
    req.allow_auto_topic_creation = allow_auto_create;
    proto::encode_body(f.w(), req, v);
  };
  return r;
}

MetadataView parse_metadata(std::span<const uint8_t> frame, int16_t version) {
  auto resp = proto::decode_response<proto::MetadataResponse>(frame, version);
  MetadataView md;
  for (auto& b : resp.brokers) md.brokers.push_back({b.node_id, b.host, b.port});
  md.controller_id = resp.controller_id;
  if (resp.cluster_id) md.cluster_id = *resp.cluster_id;
  for (auto& t : resp.topics) {
    MetadataView::Topic mt;
    mt.name = t.name ? *t.name : std::string();
    mt.err = t.error_code;
    for (auto& p : t.partitions)
      mt.partitions.push_back({p.partition_index, p.error_code, p.leader_id, p.leader_epoch, p.replica_nodes, p.isr_nodes});
    md.topics.push_back(std::move(mt));
  }
  return md;
}

// ---- MetadataQuery ------------------------------------------------------------------------------

namespace {
// The security error (_SSL, _AUTHENTICATION) every known connection went down with, or 0 if any
// connection is up, connecting, or failed for another reason.
int all_down_with_security_error(ProducerCore::Impl& impl) {
  int found = 0;
  auto check = [&](const BrokerConn& c) {
    if (c.state() != BrokerConn::State::Down || !is_security_error(c.last_error())) return false;
    found = c.last_error();
    return true;
  };
  for (auto& c : impl.bootstrap)
    if (!check(*c)) return 0;
  for (auto& [id, c] : impl.brokers)
    if (!check(*c)) return 0;
  return found;
}
}  // namespace

void MetadataQuery::step(ProducerCore::Impl& impl, int64_t now) {
  if (finished) return;
  if (now >= deadline_us) return finish(err(LocalErr::TIMED_OUT));
  if (sent || now < retry_at_us) return;
  BrokerConn* c = impl.any_conn(true);
  if (!c) {
    retry_at_us = now + 100'000;
    return;
  }
  // Wrong credentials or certificates will not fix themselves before the timeout: say so now.
  if (int e = all_down_with_security_error(impl)) return finish(e);
  std::vector<std::string> names;
  const std::vector<std::string>* list = nullptr;
  if (!all_topics && !topic.empty()) {
    // Asking about a topic makes it known (as rd_kafka_metadata() on a topic handle), so the
    // answer fills its partitions and produce() can skip the unassigned queue.
    bool created = false;
    impl.get_topic(topic, nullptr, nullptr, {}, nullptr, &created);
    if (created) impl.sync_topics();
  }
  if (!all_topics) {
    if (!topic.empty()) names.push_back(topic);
    else
      for (TopicState* t : impl.known_topics) names.push_back(t->name);
    list = &names;
  }
  auto r = make_metadata_request(list, impl.cfg.allow_auto_create_topics,
                                 std::min<int64_t>(deadline_us - now, impl.cfg.socket_timeout_ms * 1000));
  sent = true;
  int32_t broker_id = c->id();
  std::string broker_name = c->name();
  // The query is kept alive by impl.queries until finished; capture a weak reference to it.
  std::weak_ptr<Query> weak;
  for (auto& q : impl.queries)
    if (q.get() == this) weak = q;
  r->done = [&impl, weak, broker_id, broker_name](int e, std::span<const uint8_t> frame, int16_t v) {
    auto q = std::static_pointer_cast<MetadataQuery>(weak.lock());
    if (!q || q->finished) return;
    q->sent = false;
    if (is_security_error(e)) return q->finish(e);
    if (e) {
      q->retry_at_us = mono_us() + 100'000;
      return;
    }
    try {
      MetadataView md = parse_metadata(frame, v);
      md.all_topics = q->all_topics;
      ClusterMetadata& out = q->result;
      for (auto& b : md.brokers) out.brokers.push_back({b.id, b.host, b.port});
      for (auto& t : md.topics) {
        TopicMetadata tm;
        tm.topic = t.name;
        tm.err = t.err;
        for (auto& p : t.partitions) tm.partitions.push_back({p.id, p.err, p.leader, p.replicas, p.isrs});
        out.topics.push_back(std::move(tm));
      }
      out.orig_broker_id = broker_id;
      out.orig_broker_name = broker_name;
      out.controller_id = md.controller_id;
      out.cluster_id = md.cluster_id;
      q->finish(0);
      impl.apply_metadata(md);
    } catch (const std::exception&) {
      q->retry_at_us = mono_us() + 100'000;
    }
  };
  c->send(std::move(r));
}

// ---- OffsetsQuery -------------------------------------------------------------------------------

void OffsetsQuery::step(ProducerCore::Impl& impl, int64_t now) {
  if (finished) return;
  bool all_done = true;
  for (auto& e : entries) all_done &= e.done;
  if (all_done) return finish(0);
  if (now >= deadline_us) return finish(err(LocalErr::TIMED_OUT));
  if (now < retry_at_us) return;

  std::weak_ptr<Query> weak;
  for (auto& q : impl.queries)
    if (q.get() == this) weak = q;

  // Group what can be asked now by leader; a (topic, partition) appears once per request.
  struct Group {
    BrokerConn* conn;
    std::vector<size_t> idx;
  };
  std::vector<Group> groups;
  bool need_md = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto& e = entries[i];
    if (e.done || e.inflight) continue;
    bool created = false;
    TopicState* t = impl.get_topic(e.topic, nullptr, nullptr, {}, nullptr, &created);
    if (!t) {
      e.err = err(LocalErr::INVALID_ARG);
      e.done = true;
      continue;
    }
    if (created) impl.sync_topics();
    int st = t->status.load();
    if (st == static_cast<int>(TopicStatus::NotExists)) {
      e.err = static_cast<int>(Error::UNKNOWN_TOPIC_OR_PARTITION);
      e.done = true;
      continue;
    }
    if (st == static_cast<int>(TopicStatus::Error)) {
      e.err = t->error.load();
      e.done = true;
      continue;
    }
    int32_t cnt = t->part_cnt.load();
    if (cnt <= 0) {
      need_md = true;
      continue;
    }
    if (e.partition < 0 || e.partition >= cnt) {
      e.err = err(LocalErr::UNKNOWN_PARTITION);
      e.done = true;
      continue;
    }
    PartitionState* p = t->storage[e.partition].get();
    BrokerConn* c = p->leader >= 0 ? impl.conn_for(p->leader) : nullptr;
    if (!c) {
      need_md = true;
      continue;
    }
    Group* g = nullptr;
    for (auto& gr : groups) {
      if (gr.conn != c) continue;
      bool dup = false;
      for (size_t j : gr.idx) dup |= entries[j].topic == e.topic && entries[j].partition == e.partition;
      if (!dup) {
        g = &gr;
        break;
      }
    }
    if (!g) {
      groups.push_back({c, {}});
      g = &groups.back();
    }
    g->idx.push_back(i);
  }
  if (need_md) impl.request_metadata("offsets query", true);
  all_done = true;
  for (auto& e : entries) all_done &= e.done;
  if (all_done) return finish(0);

  int isolation = impl.cfg.isolation_level;
  for (auto& g : groups) {
    std::vector<size_t> idx = g.idx;
    std::vector<std::tuple<std::string, int32_t, int64_t>> parts;
    for (size_t i : idx) {
      entries[i].inflight = true;
      parts.emplace_back(entries[i].topic, entries[i].partition, entries[i].timestamp);
    }
    auto r = std::make_unique<Request>();
    r->api = proto::ApiKey::ListOffsets;
    r->min_version = 0;
    r->max_version = 7;
    r->timeout_us = std::max<int64_t>(1000, std::min<int64_t>(deadline_us - now, impl.cfg.socket_timeout_ms * 1000));
    r->encode = [parts, isolation](Frame& f, int16_t v) {
      proto::ListOffsetsRequest req;
      req.replica_id = -1;
      req.isolation_level = static_cast<int8_t>(isolation);
      for (auto& [topic, partition, ts] : parts) {
        proto::ListOffsetsRequest::ListOffsetsTopic* t = nullptr;
        for (auto& x : req.topics)
          if (x.name == topic) t = &x;
        if (!t) {
          req.topics.emplace_back();
          t = &req.topics.back();
          t->name = topic;
        }
        proto::ListOffsetsRequest::ListOffsetsPartition p;
        p.partition_index = partition;
        p.timestamp = ts;
        p.max_num_offsets = 1;
        t->partitions.push_back(p);
      }
      proto::encode_body(f.w(), req, v);
    };
    r->done = [&impl, weak, idx](int e, std::span<const uint8_t> frame, int16_t v) {
      auto q = std::static_pointer_cast<OffsetsQuery>(weak.lock());
      if (!q || q->finished) return;
      for (size_t i : idx) q->entries[i].inflight = false;
      if (is_security_error(e)) return q->finish(e);
      if (e) {
        q->retry_at_us = mono_us() + 100'000;
        return;
      }
      proto::ListOffsetsResponse resp;
      try {
        resp = proto::decode_response<proto::ListOffsetsResponse>(frame, v);
      } catch (const std::exception&) {
        q->retry_at_us = mono_us() + 100'000;
        return;
      }
      bool refresh = false;
      for (size_t i : idx) {
        auto& en = q->entries[i];
        const proto::ListOffsetsResponse::ListOffsetsPartitionResponse* pr = nullptr;
        for (auto& t : resp.topics)
          if (t.name == en.topic)
            for (auto& p : t.partitions)
              if (p.partition_index == en.partition) pr = &p;
        if (!pr) continue;  // asked again next step
        int ec = pr->error_code;
        if (ec == 0) {
          en.offset = v == 0 ? (pr->old_style_offsets.empty() ? -1 : pr->old_style_offsets[0]) : pr->offset;
          en.done = true;
        } else if (is_retriable(static_cast<Error>(ec))) {
          refresh = true;
        } else {
          en.err = ec;
          en.done = true;
        }
      }
      if (refresh) {
        q->retry_at_us = mono_us() + 100'000;
        impl.request_metadata("offsets query", true);
      }
      q->step(impl, mono_us());
    };
    g.conn->send(std::move(r));
  }
}

int query_metadata(ProducerCore::Impl& impl, bool all_topics, const std::string* only_topic, ClusterMetadata& out,
                   int timeout_ms) {
  auto q = std::make_shared<MetadataQuery>();
  q->all_topics = all_topics;
  if (only_topic) q->topic = *only_topic;
  return run_query(impl, q, timeout_ms, [&] { out = std::move(q->result); });
}

int query_watermark_offsets(ProducerCore::Impl& impl, const std::string& topic, int32_t partition, int64_t& low,
                            int64_t& high, int timeout_ms) {
  auto q = std::make_shared<OffsetsQuery>();
  q->entries.push_back({topic, partition, -2});
  q->entries.push_back({topic, partition, -1});
  int rc = run_query(impl, q, timeout_ms, [] {});
  if (rc) return rc;
  if (q->entries[0].err) return q->entries[0].err;
  if (q->entries[1].err) return q->entries[1].err;
  low = q->entries[0].offset;
  high = q->entries[1].offset;
  return 0;
}

int query_offsets_for_times(ProducerCore::Impl& impl, std::vector<TopicPartitionOffset>& offsets,
                            int timeout_ms) {
  if (offsets.empty()) return err(LocalErr::INVALID_ARG);
  auto q = std::make_shared<OffsetsQuery>();
  for (auto& o : offsets) q->entries.push_back({o.topic, o.partition, o.offset});
  int rc = run_query(impl, q, timeout_ms, [] {});
  if (rc) return rc;
  for (size_t i = 0; i < offsets.size(); ++i) {
    offsets[i].offset = q->entries[i].offset;
    offsets[i].err = q->entries[i].err;
  }
  return 0;
}

int32_t query_controller_id(ProducerCore::Impl& impl, int timeout_ms) {
  ClusterMetadata md;
  if (query_metadata(impl, false, nullptr, md, timeout_ms)) return -1;
  return md.controller_id;
}

std::string query_cluster_id(ProducerCore::Impl& impl, int timeout_ms) {
  ClusterMetadata md;
  if (query_metadata(impl, false, nullptr, md, timeout_ms)) return {};
  return md.cluster_id;
}

}  // namespace kafka::client
