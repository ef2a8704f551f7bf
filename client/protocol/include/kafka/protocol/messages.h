// Every Kafka API message we speak, declared once (one header per API under messages/), and the
// list of all request types that the ApiVersions tables, header-version lookups and the
// round-trip tests iterate over.
#pragma once

#include <tuple>

#include "kafka/protocol/protocol.h"
#include "kafka/protocol/messages/api_versions.h"

namespace kafka::proto {

template <class... T> struct TypeList {};

// Keep sorted by API key.
using AllRequests = TypeList<
    ApiVersionsRequest>;

template <class... T, class F> void for_each_type(TypeList<T...>, F&& f) {
  (f(static_cast<T*>(nullptr)), ...);
}

}  // namespace kafka::proto
