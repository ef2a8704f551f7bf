#include "errors_local.h"

#include <string_view>

namespace kafka::client {
namespace {

struct LocalInfo {
  int code;
  const char* name;
  const char* text;
};

// Texts in the spirit of librdkafka's rd_kafka_err2str (our own wording where it differs).
constexpr LocalInfo kLocal[] = {
    {-200, "_BEGIN", "Local: Begin"},
    {-199, "_BAD_MSG", "Local: Bad message format"},
    {-198, "_BAD_COMPRESSION", "Local: Invalid compressed data"},
    {-197, "_DESTROY", "Local: Broker handle destroyed"},
    {-196, "_FAIL", "Local: Communication failure with broker"},
    {-195, "_TRANSPORT", "Local: Broker transport failure"},
    {-194, "_CRIT_SYS_RESOURCE", "Local: Critical system resource failure"},
    {-193, "_RESOLVE", "Local: Host resolution failure"},
    {-192, "_MSG_TIMED_OUT", "Local: Message timed out"},
    {-191, "_PARTITION_EOF", "Broker: No more messages"},
    {-190, "_UNKNOWN_PARTITION", "Local: Unknown partition"},
    {-189, "_FS", "Local: File or filesystem error"},
    {-188, "_UNKNOWN_TOPIC", "Local: Unknown topic"},
    {-187, "_ALL_BROKERS_DOWN", "Local: All broker connections are down"},
    {-186, "_INVALID_ARG", "Local: Invalid argument or configuration"},
    {-185, "_TIMED_OUT", "Local: Timed out"},
    {-184, "_QUEUE_FULL", "Local: Queue full"},
    {-183, "_ISR_INSUFF", "Local: ISR count insufficient"},
    {-182, "_NODE_UPDATE", "Local: Broker node update"},
    {-181, "_SSL", "Local: SSL error"},
    {-180, "_WAIT_COORD", "Local: Waiting for coordinator"},
    {-179, "_UNKNOWN_GROUP", "Local: Unknown group"},
    {-178, "_IN_PROGRESS", "Local: Operation in progress"},
    {-177, "_PREV_IN_PROGRESS", "Local: Previous operation in progress"},
    {-176, "_EXISTING_SUBSCRIPTION", "Local: Existing subscription"},
    {-175, "_ASSIGN_PARTITIONS", "Local: Assign partitions"},
    {-174, "_REVOKE_PARTITIONS", "Local: Revoke partitions"},
    {-173, "_CONFLICT", "Local: Conflicting use"},
    {-172, "_STATE", "Local: Erroneous state"},
    {-171, "_UNKNOWN_PROTOCOL", "Local: Unknown protocol"},
    {-170, "_NOT_IMPLEMENTED", "Local: Not implemented"},
    {-169, "_AUTHENTICATION", "Local: Authentication failure"},
    {-168, "_NO_OFFSET", "Local: No offset stored"},
    {-167, "_OUTDATED", "Local: Outdated"},
    {-166, "_TIMED_OUT_QUEUE", "Local: Timed out in queue"},
    {-165, "_UNSUPPORTED_FEATURE", "Local: Required feature not supported by broker"},
    {-164, "_WAIT_CACHE", "Local: Awaiting cache update"},
    {-163, "_INTR", "Local: Operation interrupted"},
    {-162, "_KEY_SERIALIZATION", "Local: Key serialization error"},
    {-161, "_VALUE_SERIALIZATION", "Local: Value serialization error"},
    {-160, "_KEY_DESERIALIZATION", "Local: Key deserialization error"},
    {-159, "_VALUE_DESERIALIZATION", "Local: Value deserialization error"},
    {-158, "_PARTIAL", "Local: Partial response"},
    {-157, "_READ_ONLY", "Local: Read-only object"},
    {-156, "_NOENT", "Local: No such entry"},
    {-155, "_UNDERFLOW", "Local: Read underflow"},
    {-154, "_INVALID_TYPE", "Local: Invalid type"},
    {-153, "_RETRY", "Local: Retry operation"},
    {-152, "_PURGE_QUEUE", "Local: Purged in queue"},
    {-151, "_PURGE_INFLIGHT", "Local: Purged in flight"},
    {-150, "_FATAL", "Local: Fatal error"},
    {-149, "_INCONSISTENT", "Local: Inconsistent state"},
    {-148, "_GAPLESS_GUARANTEE", "Local: Gap-less ordering would not be guaranteed if proceeding"},
    {-147, "_MAX_POLL_EXCEEDED", "Local: Maximum application poll interval (max.poll.interval.ms) exceeded"},
    {-146, "_UNKNOWN_BROKER", "Local: Unknown broker"},
    {-145, "_NOT_CONFIGURED", "Local: Functionality not configured"},
    {-144, "_FENCED", "Local: This instance has been fenced by a newer instance"},
    {-143, "_APPLICATION", "Local: Application generated error"},
    {-142, "_ASSIGNMENT_LOST", "Local: Group partition assignment lost"},
    {-141, "_NOOP", "Local: No operation performed"},
    {-140, "_AUTO_OFFSET_RESET", "Local: No offset to automatically reset to"},
    {-100, "_END", "Local: End"},
};

const LocalInfo* find_local(int code) {
  for (const auto& l : kLocal)
    if (l.code == code) return &l;
  return nullptr;
}

}  // namespace

std::string err_name(int code) {
  if (code == 0) return "NO_ERROR";
  if (auto* l = find_local(code)) return l->name;
  if (code == 10) return "MSG_SIZE_TOO_LARGE";  // librdkafka's name for MESSAGE_TOO_LARGE
  if (code == 3) return "UNKNOWN_TOPIC_OR_PART";
  return std::string(kafka::error_name(static_cast<kafka::Error>(code)));
}

std::string err_str(int code) {
  if (code == 0) return "Success";
  if (auto* l = find_local(code)) return l->text;
  if (code < -100) return "Local: Unknown error " + std::to_string(code);
  return "Broker: " + std::string(kafka::error_message(static_cast<kafka::Error>(code)));
}

}  // namespace kafka::client
