// What every API handler sees, and the table of handlers. Each API lives in its own file under
// handlers/, declaring its version range next to its code; ApiVersions answers from this table.
#pragma once

#include "asio.h"
#include <optional>
#include <span>
#include <vector>

#include "acl.h"
#include "faults.h"
#include "kafka/protocol/messages.h"
#include "listeners.h"
#include "sasl.h"

namespace refbroker {

class BrokerState;

// One connection's security context: the listener it came through and who it authenticated as.
struct ClientSession {
  ClientSession(const ListenerSpec& l, const SaslListenerConfig* sasl_config, std::string principal)
      : listener(l), sasl(sasl_config, std::move(principal)) {}
  const ListenerSpec& listener;
  SaslSession sasl;
};

struct RequestContext {
  BrokerState& broker;
  kafka::proto::RequestHeader header;
  std::span<const uint8_t> body;  // valid until the handler returns
  kafka::proto::Writer& out;      // the response frame, size prefix included
  std::optional<FaultRule> fault;
  bool respond = true;            // false: no response (Produce with acks=0)
  bool close_after = false;       // close the connection after this request
  std::string client_host;        // peer address, for DescribeGroups
  ClientSession* session = nullptr;  // never null while serving a connection

  const std::string& principal() const { return session->sasl.principal(); }
  // What Metadata and FindCoordinator tell this client: its own listener's advertised address.
  const std::string& advertised_host() const { return session->listener.advertised_host; }
  int32_t advertised_port() const {
    return session->listener.advertised_port ? session->listener.advertised_port : session->listener.port;
  }
  // Kafka's authorizer check for this connection's principal and host.
  bool authorized(AclOperation op, ResourceType type, std::string_view name) const;
  // Whether the principal may do `op` on some resource of the type (Kafka's authorizeByResourceType).
  bool authorized_any(AclOperation op, ResourceType type) const;

  int16_t version() const { return header.api_version; }

  template <class Req> Req decode() const { return kafka::proto::decode_body<Req>(body, header.api_version); }
  template <class Resp> void reply(const Resp& r) {
    kafka::proto::encode_response(out, r, header.api_version, header.correlation_id);
  }
  // Whether an injected fault of this action applies to this request.
  bool fault_is(FaultAction a) const { return fault && fault->action == a; }
};

using HandlerFn = boost::asio::awaitable<void> (*)(RequestContext&);

struct HandlerInfo {
  kafka::proto::ApiKey key;
  int16_t min_version;
  int16_t max_version;
  HandlerFn fn;
  bool may_wait = false;  // long-polls: pending responses are flushed before it runs
};

// All handlers, sorted by key.
const std::vector<HandlerInfo>& handlers();
const HandlerInfo* find_handler(kafka::proto::ApiKey key);

}  // namespace refbroker
