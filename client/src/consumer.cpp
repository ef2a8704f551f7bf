// ConsumerCore: skeleton (the engine lands in increments; see consumer.h for the contract).
#include "consumer.h"

#include <atomic>

#include "config.h"

namespace kafka::client {

namespace {
std::atomic<int> g_consumer_instance{0};
int not_implemented() { return err(LocalErr::NOT_IMPLEMENTED); }
}  // namespace

struct ConsumerMessage::Chunk {};

struct ConsumerCore::Impl {
  ConsumerConfig cfg;
  ConsumerCallbacks cb;
  std::string name;
  bool closed = false;
};

ConsumerMessage::~ConsumerMessage() = default;

const std::string& ConsumerMessage::error_string() const {
  static const std::string empty;
  return errstr_.empty() ? empty : errstr_;
}

const std::string& ConsumerMessage::topic() const {
  static const std::string empty;
  return topic_ ? *topic_ : empty;
}

std::unique_ptr<ConsumerCore> ConsumerCore::create(const Properties& props, ConsumerCallbacks callbacks,
                                                   std::string& errstr) {
  auto impl = std::make_unique<Impl>();
  if (!parse_consumer_config(props, impl->cfg, errstr)) return nullptr;
  impl->cb = std::move(callbacks);
  impl->name = impl->cfg.client_id + "#consumer-" + std::to_string(++g_consumer_instance);
  return std::unique_ptr<ConsumerCore>(new ConsumerCore(std::move(impl)));
}

ConsumerCore::ConsumerCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConsumerCore::~ConsumerCore() = default;

const std::string& ConsumerCore::name() const { return impl_->name; }
int ConsumerCore::subscribe(const std::vector<std::string>&) { return not_implemented(); }
int ConsumerCore::unsubscribe() { return not_implemented(); }
std::vector<std::string> ConsumerCore::subscription() const { return {}; }
int ConsumerCore::assign(const TopicPartitionList&) { return not_implemented(); }
int ConsumerCore::incremental_assign(const TopicPartitionList&) { return not_implemented(); }
int ConsumerCore::incremental_unassign(const TopicPartitionList&) { return not_implemented(); }
TopicPartitionList ConsumerCore::assignment() const { return {}; }
bool ConsumerCore::assignment_lost() const { return false; }
RebalanceProtocol ConsumerCore::rebalance_protocol() const { return RebalanceProtocol::None; }
ConsumerMessagePtr ConsumerCore::consume(int) { return nullptr; }
size_t ConsumerCore::consume_batch(int, size_t, std::vector<ConsumerMessagePtr>&) { return 0; }
int ConsumerCore::poll(int) { return 0; }
int ConsumerCore::seek(const std::string&, int32_t, int64_t, int) { return not_implemented(); }
int ConsumerCore::seek_partitions(TopicPartitionList&, int) { return not_implemented(); }
int ConsumerCore::position(TopicPartitionList&) const { return not_implemented(); }
int ConsumerCore::committed(TopicPartitionList&, int) { return not_implemented(); }
int ConsumerCore::commit(const TopicPartitionList*, bool) { return not_implemented(); }
int ConsumerCore::offsets_store(TopicPartitionList&) { return not_implemented(); }
int ConsumerCore::pause(TopicPartitionList&) { return not_implemented(); }
int ConsumerCore::resume(TopicPartitionList&) { return not_implemented(); }
int ConsumerCore::get_watermark_offsets(const std::string&, int32_t, int64_t&, int64_t&) const {
  return not_implemented();
}
GroupMetadata ConsumerCore::group_metadata() const { return {impl_->cfg.group_id, -1, {}, impl_->cfg.group_instance_id}; }
std::string ConsumerCore::member_id() const { return {}; }
int ConsumerCore::metadata(bool, const std::string*, ClusterMetadata&, int) { return not_implemented(); }
int ConsumerCore::query_watermark_offsets(const std::string&, int32_t, int64_t&, int64_t&, int) {
  return not_implemented();
}
int ConsumerCore::offsets_for_times(TopicPartitionList&, int) { return not_implemented(); }
int32_t ConsumerCore::controller_id(int) { return -1; }
std::string ConsumerCore::cluster_id(int) { return {}; }
int ConsumerCore::close() {
  impl_->closed = true;
  return 0;
}
bool ConsumerCore::closed() const { return impl_->closed; }
int ConsumerCore::fatal_error(std::string&) const { return 0; }
ConsumerStats ConsumerCore::stats() const { return {}; }

}  // namespace kafka::client
