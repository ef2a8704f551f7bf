// The consumer side of <librdkafka/rdkafkacpp.h> has librdkafka 2.0.2's exact signatures: each
// line binds a member (or static) function to a pointer of the type librdkafka declares, so
// this file compiles only when the header matches. Built against our header and against the
// real one (facade_cpp_signatures / facade_cpp_signatures_librdkafka).
#include <librdkafka/rdkafkacpp.h>

#include <cstdio>
#include <string>
#include <vector>

using namespace RdKafka;
typedef std::vector<TopicPartition *> Parts;

int main() {
  // KafkaConsumer
  KafkaConsumer *(*create)(const Conf *, std::string &) = &KafkaConsumer::create;
  ErrorCode (KafkaConsumer::*assignment)(Parts &) = &KafkaConsumer::assignment;
  ErrorCode (KafkaConsumer::*subscription)(std::vector<std::string> &) = &KafkaConsumer::subscription;
  ErrorCode (KafkaConsumer::*subscribe)(const std::vector<std::string> &) = &KafkaConsumer::subscribe;
  ErrorCode (KafkaConsumer::*unsubscribe)() = &KafkaConsumer::unsubscribe;
  ErrorCode (KafkaConsumer::*assign)(const Parts &) = &KafkaConsumer::assign;
  ErrorCode (KafkaConsumer::*unassign)() = &KafkaConsumer::unassign;
  Message *(KafkaConsumer::*consume)(int) = &KafkaConsumer::consume;
  ErrorCode (KafkaConsumer::*commit_sync)() = &KafkaConsumer::commitSync;
  ErrorCode (KafkaConsumer::*commit_async)() = &KafkaConsumer::commitAsync;
  ErrorCode (KafkaConsumer::*commit_sync_msg)(Message *) = &KafkaConsumer::commitSync;
  ErrorCode (KafkaConsumer::*commit_async_msg)(Message *) = &KafkaConsumer::commitAsync;
  ErrorCode (KafkaConsumer::*commit_sync_parts)(Parts &) = &KafkaConsumer::commitSync;
  ErrorCode (KafkaConsumer::*commit_async_parts)(const Parts &) = &KafkaConsumer::commitAsync;
  ErrorCode (KafkaConsumer::*commit_sync_cb)(OffsetCommitCb *) = &KafkaConsumer::commitSync;
  ErrorCode (KafkaConsumer::*commit_sync_parts_cb)(Parts &, OffsetCommitCb *) = &KafkaConsumer::commitSync;
  ErrorCode (KafkaConsumer::*committed)(Parts &, int) = &KafkaConsumer::committed;
  ErrorCode (KafkaConsumer::*position)(Parts &) = &KafkaConsumer::position;
  ErrorCode (KafkaConsumer::*close)() = &KafkaConsumer::close;
  ErrorCode (KafkaConsumer::*seek)(const TopicPartition &, int) = &KafkaConsumer::seek;
  ErrorCode (KafkaConsumer::*offsets_store)(Parts &) = &KafkaConsumer::offsets_store;
  ConsumerGroupMetadata *(KafkaConsumer::*group_metadata)() = &KafkaConsumer::groupMetadata;
  bool (KafkaConsumer::*assignment_lost)() = &KafkaConsumer::assignment_lost;
  std::string (KafkaConsumer::*rebalance_protocol)() = &KafkaConsumer::rebalance_protocol;
  Error *(KafkaConsumer::*incremental_assign)(const Parts &) = &KafkaConsumer::incremental_assign;
  Error *(KafkaConsumer::*incremental_unassign)(const Parts &) = &KafkaConsumer::incremental_unassign;
  bool (KafkaConsumer::*closed)() = &KafkaConsumer::closed;

  // The legacy Consumer
  Consumer *(*legacy_create)(const Conf *, std::string &) = &Consumer::create;
  ErrorCode (Consumer::*legacy_start)(Topic *, int32_t, int64_t) = &Consumer::start;
  ErrorCode (Consumer::*legacy_stop)(Topic *, int32_t) = &Consumer::stop;
  ErrorCode (Consumer::*legacy_seek)(Topic *, int32_t, int64_t, int) = &Consumer::seek;
  Message *(Consumer::*legacy_consume)(Topic *, int32_t, int) = &Consumer::consume;
  int (Consumer::*legacy_consume_cb)(Topic *, int32_t, int, ConsumeCb *, void *) = &Consumer::consume_callback;
  int64_t (*offset_tail)(int64_t) = &Consumer::OffsetTail;

  // Handle members a consumer uses
  ErrorCode (Handle::*pause)(Parts &) = &Handle::pause;
  ErrorCode (Handle::*resume)(Parts &) = &Handle::resume;
  ErrorCode (Handle::*get_watermarks)(const std::string &, int32_t, int64_t *, int64_t *) =
      &Handle::get_watermark_offsets;
  ErrorCode (Handle::*query_watermarks)(const std::string &, int32_t, int64_t *, int64_t *, int) =
      &Handle::query_watermark_offsets;
  ErrorCode (Handle::*offsets_for_times)(Parts &, int) = &Handle::offsetsForTimes;
  std::string (Handle::*memberid)() const = &Handle::memberid;

  // TopicPartition
  TopicPartition *(*tp_create)(const std::string &, int) = &TopicPartition::create;
  TopicPartition *(*tp_create_offset)(const std::string &, int, int64_t) = &TopicPartition::create;
  void (*tp_destroy)(Parts &) = &TopicPartition::destroy;
  const std::string &(TopicPartition::*tp_topic)() const = &TopicPartition::topic;
  int (TopicPartition::*tp_partition)() const = &TopicPartition::partition;
  int64_t (TopicPartition::*tp_offset)() const = &TopicPartition::offset;
  void (TopicPartition::*tp_set_offset)(int64_t) = &TopicPartition::set_offset;
  ErrorCode (TopicPartition::*tp_err)() const = &TopicPartition::err;

  // Callbacks
  void (RebalanceCb::*rebalance)(KafkaConsumer *, ErrorCode, Parts &) = &RebalanceCb::rebalance_cb;
  void (OffsetCommitCb::*offset_commit)(ErrorCode, Parts &) = &OffsetCommitCb::offset_commit_cb;
  void (ConsumeCb::*consume_cb)(Message &, void *) = &ConsumeCb::consume_cb;

  // Conf
  Conf::ConfResult (Conf::*set_rebalance)(const std::string &, RebalanceCb *, std::string &) = &Conf::set;
  Conf::ConfResult (Conf::*set_commit)(const std::string &, OffsetCommitCb *, std::string &) = &Conf::set;
  Conf::ConfResult (Conf::*set_consume)(const std::string &, ConsumeCb *, std::string &) = &Conf::set;
  Conf::ConfResult (Conf::*get_rebalance)(RebalanceCb *&) const = &Conf::get;
  Conf::ConfResult (Conf::*get_commit)(OffsetCommitCb *&) const = &Conf::get;

  // Message (consumer view)
  const std::string *(Message::*key)() const = &Message::key;
  MessageTimestamp (Message::*timestamp)() const = &Message::timestamp;
  Headers *(Message::*headers)() = &Message::headers;
  Headers *(Message::*headers_err)(ErrorCode *) = &Message::headers;

  const void *all[] = {&create, &assignment, &subscription, &subscribe, &unsubscribe, &assign, &unassign,
                       &consume, &commit_sync, &commit_async, &commit_sync_msg, &commit_async_msg,
                       &commit_sync_parts, &commit_async_parts, &commit_sync_cb, &commit_sync_parts_cb,
                       &committed, &position, &close, &seek, &offsets_store, &group_metadata,
                       &assignment_lost, &rebalance_protocol, &incremental_assign, &incremental_unassign,
                       &closed, &pause, &resume, &get_watermarks, &query_watermarks, &offsets_for_times,
                       &memberid, &tp_create, &tp_create_offset, &tp_destroy, &tp_topic, &tp_partition,
                       &tp_offset, &tp_set_offset, &tp_err, &rebalance, &offset_commit, &consume_cb,
                       &set_rebalance, &set_commit, &set_consume, &get_rebalance, &get_commit, &key,
                       &timestamp, &headers, &headers_err, &legacy_create, &legacy_start, &legacy_stop,
                       &legacy_seek, &legacy_consume, &legacy_consume_cb, &offset_tail};
  std::printf("%zu consumer signatures match\n", sizeof all / sizeof all[0]);
  return 0;
}
