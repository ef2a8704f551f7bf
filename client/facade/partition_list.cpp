// rd_kafka_topic_partition_t / rd_kafka_topic_partition_list_t: librdkafka's public C layout
// (a plain growable array the application may read and write directly), and the conversions
// to and from the consumer core's TopicPartitionOffset vectors.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "internal.h"
#include "producer.h"

namespace kafkaplus::facade {
namespace {

// What _private points to: fields librdkafka 2.0.2's struct has no room for.
struct PartitionPrivate {
  int32_t leader_epoch = -1;
};

PartitionPrivate* private_of(const rd_kafka_topic_partition_t* p) {
  return static_cast<PartitionPrivate*>(p->_private);
}

// Frees what an element owns (not the element itself).
void clear_element(rd_kafka_topic_partition_t* p) {
  std::free(p->topic);
  std::free(p->metadata);
  delete private_of(p);
  *p = rd_kafka_topic_partition_t{};
}

void reserve(rd_kafka_topic_partition_list_t* list, int size) {
  if (size <= list->size) return;
  int grown = std::max(size, list->size * 2);
  auto* elems = static_cast<rd_kafka_topic_partition_t*>(
      std::realloc(list->elems, sizeof(rd_kafka_topic_partition_t) * static_cast<size_t>(grown)));
  if (!elems) std::abort();
  std::memset(elems + list->size, 0, sizeof(rd_kafka_topic_partition_t) * static_cast<size_t>(grown - list->size));
  list->elems = elems;
  list->size = grown;
}

rd_kafka_topic_partition_t* append(rd_kafka_topic_partition_list_t* list, const char* topic, int32_t partition) {
  reserve(list, list->cnt + 1);
  rd_kafka_topic_partition_t* p = &list->elems[list->cnt++];
  *p = rd_kafka_topic_partition_t{};
  p->topic = strdup(topic ? topic : "");
  p->partition = partition;
  p->offset = RD_KAFKA_OFFSET_INVALID;
  return p;
}

void set_metadata(rd_kafka_topic_partition_t* p, const void* data, size_t size) {
  std::free(p->metadata);
  p->metadata = nullptr;
  p->metadata_size = 0;
  if (!data) return;
  p->metadata = std::malloc(size ? size : 1);
  if (size) std::memcpy(p->metadata, data, size);
  p->metadata_size = size;
}

int find_index(const rd_kafka_topic_partition_list_t* list, const char* topic, int32_t partition) {
  for (int i = 0; i < list->cnt; i++)
    if (list->elems[i].partition == partition && std::strcmp(list->elems[i].topic, topic) == 0) return i;
  return -1;
}

void copy_from_core(rd_kafka_topic_partition_t* p, const kafka::client::TopicPartitionOffset& c) {
  p->offset = c.offset;
  p->err = static_cast<rd_kafka_resp_err_t>(c.err);
  if (!c.metadata.empty() || p->metadata) set_metadata(p, c.metadata.data(), c.metadata.size());
  if (c.leader_epoch >= 0 || private_of(p)) rd_kafka_topic_partition_set_leader_epoch(p, c.leader_epoch);
}

}  // namespace

CoreTopicPartitions to_core(const rd_kafka_topic_partition_list_t* list) {
  CoreTopicPartitions out;
  if (!list) return out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    kafka::client::TopicPartitionOffset& c = out.emplace_back();
    c.topic = p.topic ? p.topic : "";
    c.partition = p.partition;
    c.offset = p.offset;
    c.err = p.err;
    if (p.metadata) c.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
    c.leader_epoch = rd_kafka_topic_partition_get_leader_epoch(&p);
  }
  return out;
}

void update_from_core(rd_kafka_topic_partition_list_t* list, const CoreTopicPartitions& core) {
  if (!list) return;
  if (core.size() == static_cast<size_t>(list->cnt)) {
    bool same_order = true;
    for (int i = 0; i < list->cnt && same_order; i++)
      same_order = list->elems[i].partition == core[i].partition && core[i].topic == list->elems[i].topic;
    if (same_order) {
      for (int i = 0; i < list->cnt; i++) copy_from_core(&list->elems[i], core[i]);
      return;
    }
  }
  for (const auto& c : core) {
    int i = find_index(list, c.topic.c_str(), c.partition);
    if (i >= 0) copy_from_core(&list->elems[i], c);
  }
}

rd_kafka_topic_partition_list_t* from_core(const CoreTopicPartitions& core) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(core.size()));
  for (const auto& c : core) copy_from_core(append(list, c.topic.c_str(), c.partition), c);
  return list;
}

}  // namespace kafkaplus::facade

using namespace kafkaplus::facade;

extern "C" {

void rd_kafka_topic_partition_destroy(rd_kafka_topic_partition_t* rktpar) {
  if (!rktpar) return;
  clear_element(rktpar);
  std::free(rktpar);
}

void rd_kafka_topic_partition_set_leader_epoch(rd_kafka_topic_partition_t* rktpar, int32_t leader_epoch) {
  if (!rktpar->_private) rktpar->_private = new PartitionPrivate();
  private_of(rktpar)->leader_epoch = leader_epoch;
}

int32_t rd_kafka_topic_partition_get_leader_epoch(const rd_kafka_topic_partition_t* rktpar) {
  const PartitionPrivate* p = private_of(rktpar);
  return p ? p->leader_epoch : -1;
}

rd_kafka_topic_partition_list_t* rd_kafka_topic_partition_list_new(int size) {
  auto* list = static_cast<rd_kafka_topic_partition_list_t*>(std::calloc(1, sizeof(rd_kafka_topic_partition_list_t)));
  reserve(list, std::max(size, 1));
  return list;
}

void rd_kafka_topic_partition_list_destroy(rd_kafka_topic_partition_list_t* rkparlist) {
  if (!rkparlist) return;
  for (int i = 0; i < rkparlist->cnt; i++) clear_element(&rkparlist->elems[i]);
  std::free(rkparlist->elems);
  std::free(rkparlist);
}

rd_kafka_topic_partition_t* rd_kafka_topic_partition_list_add(rd_kafka_topic_partition_list_t* rktparlist,
                                                              const char* topic, int32_t partition) {
  return append(rktparlist, topic, partition);
}

void rd_kafka_topic_partition_list_add_range(rd_kafka_topic_partition_list_t* rktparlist, const char* topic,
                                             int32_t start, int32_t stop) {
  for (int32_t p = start; p <= stop; p++) append(rktparlist, topic, p);
}

int rd_kafka_topic_partition_list_del_by_idx(rd_kafka_topic_partition_list_t* rktparlist, int idx) {
  if (idx < 0 || idx >= rktparlist->cnt) return 0;
  clear_element(&rktparlist->elems[idx]);
  std::memmove(&rktparlist->elems[idx], &rktparlist->elems[idx + 1],
               sizeof(rd_kafka_topic_partition_t) * static_cast<size_t>(rktparlist->cnt - idx - 1));
  rktparlist->cnt--;
  rktparlist->elems[rktparlist->cnt] = rd_kafka_topic_partition_t{};
  return 1;
}

int rd_kafka_topic_partition_list_del(rd_kafka_topic_partition_list_t* rktparlist, const char* topic,
                                      int32_t partition) {
  return rd_kafka_topic_partition_list_del_by_idx(rktparlist, find_index(rktparlist, topic, partition));
}

rd_kafka_topic_partition_list_t* rd_kafka_topic_partition_list_copy(const rd_kafka_topic_partition_list_t* src) {
  rd_kafka_topic_partition_list_t* dst = rd_kafka_topic_partition_list_new(src->cnt);
  for (int i = 0; i < src->cnt; i++) {
    const rd_kafka_topic_partition_t& s = src->elems[i];
    rd_kafka_topic_partition_t* d = append(dst, s.topic, s.partition);
    d->offset = s.offset;
    d->opaque = s.opaque;
    d->err = s.err;
    set_metadata(d, s.metadata, s.metadata_size);
    if (s._private) rd_kafka_topic_partition_set_leader_epoch(d, rd_kafka_topic_partition_get_leader_epoch(&s));
  }
  return dst;
}

rd_kafka_resp_err_t rd_kafka_topic_partition_list_set_offset(rd_kafka_topic_partition_list_t* rktparlist,
                                                             const char* topic, int32_t partition, int64_t offset) {
  int i = find_index(rktparlist, topic, partition);
  if (i < 0) return RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
  rktparlist->elems[i].offset = offset;
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_topic_partition_t* rd_kafka_topic_partition_list_find(const rd_kafka_topic_partition_list_t* rktparlist,
                                                               const char* topic, int32_t partition) {
  int i = find_index(rktparlist, topic, partition);
  return i < 0 ? nullptr : &rktparlist->elems[i];
}

void rd_kafka_topic_partition_list_sort(rd_kafka_topic_partition_list_t* rktparlist,
                                        int (*cmp)(const void* a, const void* b, void* cmp_opaque),
                                        void* cmp_opaque) {
  auto* begin = rktparlist->elems;
  auto* end = begin + rktparlist->cnt;
  if (cmp) {
    std::stable_sort(begin, end, [&](const rd_kafka_topic_partition_t& a, const rd_kafka_topic_partition_t& b) {
      return cmp(&a, &b, cmp_opaque) < 0;
    });
  } else {
    std::stable_sort(begin, end, [](const rd_kafka_topic_partition_t& a, const rd_kafka_topic_partition_t& b) {
      int c = std::strcmp(a.topic, b.topic);
      return c != 0 ? c < 0 : a.partition < b.partition;
    });
  }
}

}  // extern "C"
