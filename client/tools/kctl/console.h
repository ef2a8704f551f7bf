// Shared by kctl produce and consume (the console clients on the public librdkafka-compatible
// C API): building an rd_kafka_conf_t from the command line, Kafka error names, Kafka's
// console-tool property syntax.
#pragma once

#include <map>
#include <string>

#include "kctl.h"
#include "librdkafka/rdkafka.h"

namespace kctl {

// Kafka's name for broker errors ("NOT_LEADER_OR_FOLLOWER"), librdkafka's for local ones
// ("_MSG_TIMED_OUT").
std::string kafka_error_name(int code);
// "NAME: description".
std::string kafka_error_text(int code);

// rd_kafka_conf_t from --command-config, --bootstrap-server and then `extra` (in that order, so
// later entries win). A property the library refuses is a UsageError naming `origin`.
rd_kafka_conf_t* make_conf(const Args& args, const std::vector<std::pair<std::string, std::string>>& extra);
void conf_set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, const std::string& origin);

// --property/--formatter-property style "k=v" options gathered into a map (later wins).
std::map<std::string, std::string> property_map(const Args& args, const std::vector<std::string>& options);
// "true"/"false" (Kafka's tools accept only these); UsageError otherwise.
bool property_bool(const std::map<std::string, std::string>& props, const std::string& key, bool def);
// The property's text, or `def` when it is not given.
std::string property_or(const std::map<std::string, std::string>& props, const std::string& key, const std::string& def);

}  // namespace kctl
