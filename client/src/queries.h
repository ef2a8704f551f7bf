// Blocking cluster queries for application threads (metadata, ListOffsets), run as small state
// machines on the I/O thread: each step() sends what it can, waits for metadata or retries
// after errors, until done or past its deadline.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "producer_impl.h"

namespace kafka::client {

struct Query {
  std::shared_ptr<Waiter> waiter = std::make_shared<Waiter>();
  int64_t deadline_us = INT64_MAX;
  bool finished = false;
  // Optional completion on the I/O thread (queries run without a waiting application thread).
  std::function<void(int err)> on_done;
  virtual ~Query() = default;
  // Advances the query on the I/O thread; calls finish() when done.
  virtual void step(ProducerCore::Impl& impl, int64_t now) = 0;
  void finish(int e) {
    if (finished) return;
    finished = true;
    waiter->complete(e);
    if (on_done) on_done(e);
  }
};

struct MetadataQuery : Query {
  bool all_topics = false;
  std::string topic;
  ClusterMetadata result;
  bool sent = false;
  int64_t retry_at_us = 0;
  void step(ProducerCore::Impl& impl, int64_t now) override;
};

struct OffsetsQuery : Query {
  struct Entry {
    std::string topic;
    int32_t partition = 0;
    int64_t timestamp = -1;  // -2 earliest, -1 latest, else a timestamp
    int64_t offset = -1;
    int err = 0;
    bool done = false;
    bool inflight = false;
    Entry(std::string t, int32_t p, int64_t ts) : topic(std::move(t)), partition(p), timestamp(ts) {}
  };
  std::vector<Entry> entries;
  int64_t retry_at_us = 0;
  void step(ProducerCore::Impl& impl, int64_t now) override;
};

// Runs `q` on the I/O thread and waits up to timeout_ms (-1: forever). On success calls
// on_ok() (the query's results are then safe to read) and returns 0; else the error.
template <class F>
int run_query(ProducerCore::Impl& impl, std::shared_ptr<Query> q, int timeout_ms, F&& on_ok) {
  q->deadline_us = timeout_ms < 0 ? INT64_MAX : mono_us() + int64_t{timeout_ms} * 1000;
  asio::post(impl.io, [&impl, q] {
    impl.queries.push_back(q);
    q->step(impl, mono_us());
  });
  // The I/O thread finishes the query at its deadline; the extra margin only guards a stalled
  // I/O thread.
  int rc = q->waiter->wait(timeout_ms < 0 ? -1 : timeout_ms + 1000);
  if (rc == 0) on_ok();
  return rc;
}

// The blocking cluster queries both cores offer (ProducerCore and ConsumerCore run on the same
// engine): metadata, low/high watermarks, offsets by timestamp, controller and cluster ids.
int query_metadata(ProducerCore::Impl& impl, bool all_topics, const std::string* only_topic, ClusterMetadata& out,
                   int timeout_ms);
int query_watermark_offsets(ProducerCore::Impl& impl, const std::string& topic, int32_t partition, int64_t& low,
                            int64_t& high, int timeout_ms);
int query_offsets_for_times(ProducerCore::Impl& impl, std::vector<TopicPartitionOffset>& offsets, int timeout_ms);
int32_t query_controller_id(ProducerCore::Impl& impl, int timeout_ms);
std::string query_cluster_id(ProducerCore::Impl& impl, int timeout_ms);

// Metadata request/response helpers shared by the refresh logic and the queries.
std::unique_ptr<Request> make_metadata_request(const std::vector<std::string>* topics, bool allow_auto_create,
                                               int64_t timeout_us);
// Decodes a Metadata response at `version`; throws on malformed input.
MetadataView parse_metadata(std::span<const uint8_t> frame, int16_t version);

}  // namespace kafka::client
