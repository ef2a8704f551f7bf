// Placeholder so the facades can build against producer.h while the engine lands.
#include "producer.h"
#include "partitioner.h"

namespace kafka::client {

struct ProducerCore::Impl {};
struct DeliveryReport::Source {};

const std::string& DeliveryReport::error_string() const {
  if (errstr_.empty()) errstr_ = err_str(err_);
  return errstr_;
}
NullableBytes DeliveryReport::key() const { return std::nullopt; }
NullableBytes DeliveryReport::value() const { return std::nullopt; }
RecordHeaders DeliveryReport::headers() const { return {}; }

std::unique_ptr<ProducerCore> ProducerCore::create(const Properties&, ProducerCallbacks, std::string& errstr) {
  errstr = "producer core not implemented yet";
  return nullptr;
}
ProducerCore::ProducerCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProducerCore::~ProducerCore() = default;
const std::string& ProducerCore::name() const { static std::string n = "rdkafka#producer-0"; return n; }
Topic* ProducerCore::topic(const std::string&, const Properties*, std::string& errstr, PartitionerFn, void*) {
  errstr = "not implemented";
  return nullptr;
}
const std::string& ProducerCore::topic_name(const Topic*) { static std::string n; return n; }
int ProducerCore::produce(const Message&, bool) { return err(LocalErr::NOT_IMPLEMENTED); }
int ProducerCore::poll(int) { return 0; }
int ProducerCore::flush(int) { return 0; }
int ProducerCore::purge(int) { return 0; }
int ProducerCore::outq_len() const { return 0; }
int ProducerCore::fatal_error(std::string&) const { return 0; }
int ProducerCore::metadata(bool, const std::string*, ClusterMetadata&, int) { return err(LocalErr::NOT_IMPLEMENTED); }
int ProducerCore::query_watermark_offsets(const std::string&, int32_t, int64_t&, int64_t&, int) {
  return err(LocalErr::NOT_IMPLEMENTED);
}
int ProducerCore::offsets_for_times(std::vector<TopicPartitionOffset>&, int) { return err(LocalErr::NOT_IMPLEMENTED); }
int32_t ProducerCore::partition_count(const std::string&) const { return -1; }
bool ProducerCore::partition_available(const std::string&, int32_t) const { return false; }
int32_t ProducerCore::controller_id(int) { return -1; }
std::string ProducerCore::cluster_id(int) { return {}; }
ProducerStats ProducerCore::stats() const { return {}; }
int32_t ProducerCore::builtin_partition(std::string_view name, const void* key, size_t keylen, int32_t n) {
  auto k = parse_partitioner(name);
  if (!k || n <= 0) return -1;
  return partition_for(*k, key, keylen, n);
}

}  // namespace kafka::client
