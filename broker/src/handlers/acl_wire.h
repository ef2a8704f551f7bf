// Wire codes of the ACL APIs to AclBinding / AclFilter, with the reason when invalid.
#pragma once

#include <optional>
#include <string>

#include "acl.h"
#include "kafka/protocol/errors.h"

namespace refbroker {

// Why an ACL API refuses a request whatever it asks, with Kafka's message: there is no authorizer,
// or the principal lacks the cluster permission (`cluster_authorized()`, asked only with an
// authorizer). nullopt: the request may proceed.
struct AclApiRefusal {
  kafka::Error error;
  const char* message;
};

template <class ClusterAuthorized>
std::optional<AclApiRefusal> acl_api_refusal(bool authorizer_enabled, ClusterAuthorized&& cluster_authorized) {
  if (!authorizer_enabled) return AclApiRefusal{kafka::Error::SECURITY_DISABLED, "No Authorizer is configured."};
  if (!cluster_authorized()) return AclApiRefusal{kafka::Error::CLUSTER_AUTHORIZATION_FAILED, "Authorization failed."};
  return std::nullopt;
}

inline std::optional<AclBinding> binding_from_wire(int8_t type, const std::string& name, int8_t pattern,
                                                   const std::string& principal, const std::string& host,
                                                   int8_t operation, int8_t permission, std::string& why) {
  AclBinding b;
  if (type < int8_t(ResourceType::Topic) || type > int8_t(ResourceType::TransactionalId))
    return why = "Invalid resource type " + std::to_string(type), std::nullopt;
  if (pattern != int8_t(PatternType::Literal) && pattern != int8_t(PatternType::Prefixed))
    return why = "Invalid pattern type " + std::to_string(pattern) + " (literal or prefixed)", std::nullopt;
  if (operation < int8_t(AclOperation::All) || operation > int8_t(AclOperation::IdempotentWrite))
    return why = "Invalid operation " + std::to_string(operation), std::nullopt;
  if (permission != int8_t(AclPermission::Allow) && permission != int8_t(AclPermission::Deny))
    return why = "Invalid permission type " + std::to_string(permission), std::nullopt;
  auto colon = principal.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == principal.size())
    return why = "Invalid principal '" + principal + "' (expected TYPE:NAME)", std::nullopt;
  if (name.empty()) return why = "Resource name must not be empty", std::nullopt;
  if (type == int8_t(ResourceType::Cluster) && name != kClusterName)
    return why = "The cluster resource is named " + std::string(kClusterName), std::nullopt;
  b.resource_type = ResourceType(type);
  b.resource_name = name;
  b.pattern_type = PatternType(pattern);
  b.principal = principal;
  b.host = host.empty() ? "*" : host;
  b.operation = AclOperation(operation);
  b.permission = AclPermission(permission);
  return b;
}

inline std::optional<AclFilter> filter_from_wire(int8_t type, const std::optional<std::string>& name, int8_t pattern,
                                                 const std::optional<std::string>& principal,
                                                 const std::optional<std::string>& host, int8_t operation,
                                                 int8_t permission, std::string& why) {
  AclFilter f;
  if (type < int8_t(ResourceType::Any) || type > int8_t(ResourceType::TransactionalId))
    return why = "Invalid resource type filter " + std::to_string(type), std::nullopt;
  if (pattern < int8_t(PatternType::Any) || pattern > int8_t(PatternType::Prefixed))
    return why = "Invalid pattern type filter " + std::to_string(pattern), std::nullopt;
  if (operation < int8_t(AclOperation::Any) || operation > int8_t(AclOperation::IdempotentWrite))
    return why = "Invalid operation filter " + std::to_string(operation), std::nullopt;
  if (permission < int8_t(AclPermission::Any) || permission > int8_t(AclPermission::Allow))
    return why = "Invalid permission type filter " + std::to_string(permission), std::nullopt;
  f.resource_type = ResourceType(type);
  f.resource_name = name;
  f.pattern_type = PatternType(pattern);
  f.principal = principal;
  f.host = host;
  f.operation = AclOperation(operation);
  f.permission = AclPermission(permission);
  return f;
}

}  // namespace refbroker
