// ACL authorization with Kafka's rules (AclAuthorizer / StandardAuthorizer): bindings of
// principal, host, operation and allow/deny to a resource pattern (literal, prefixed, or the
// literal wildcard "*"); deny wins; Read, Write, Delete and Alter imply Describe, AlterConfigs
// implies DescribeConfigs, All matches every operation; super users pass everything; a resource
// no ACL matches is allowed only with allow.everyone.if.no.acl.found. Enum values are Kafka's wire
// codes (CreateAcls/DescribeAcls). No I/O.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"

namespace refbroker {

enum class ResourceType : int8_t { Any = 1, Topic = 2, Group = 3, Cluster = 4, TransactionalId = 5 };
enum class PatternType : int8_t { Any = 1, Match = 2, Literal = 3, Prefixed = 4 };
enum class AclOperation : int8_t {
  Any = 1,
  All = 2,
  Read = 3,
  Write = 4,
  Create = 5,
  Delete = 6,
  Alter = 7,
  Describe = 8,
  ClusterAction = 9,
  DescribeConfigs = 10,
  AlterConfigs = 11,
  IdempotentWrite = 12,
};
enum class AclPermission : int8_t { Any = 1, Deny = 2, Allow = 3 };

// The cluster resource's only name, as Kafka.
inline constexpr std::string_view kClusterName = "kafka-cluster";

struct AclBinding {
  ResourceType resource_type = ResourceType::Topic;
  std::string resource_name;
  PatternType pattern_type = PatternType::Literal;
  std::string principal;  // "User:alice", or "User:*"
  std::string host = "*";
  AclOperation operation = AclOperation::All;
  AclPermission permission = AclPermission::Allow;
  bool operator==(const AclBinding&) const = default;
};

// The filter of DescribeAcls/DeleteAcls: Any fields and empty optional strings match everything;
// PatternType::Match matches the literal, wildcard and prefixed patterns that apply to a name.
struct AclFilter {
  ResourceType resource_type = ResourceType::Any;
  std::optional<std::string> resource_name;
  PatternType pattern_type = PatternType::Any;
  std::optional<std::string> principal;
  std::optional<std::string> host;
  AclOperation operation = AclOperation::Any;
  AclPermission permission = AclPermission::Any;
  bool matches(const AclBinding& b) const;
};

const char* resource_type_name(ResourceType t);
const char* operation_name(AclOperation o);

// "allow|deny PRINCIPAL OPERATION RESOURCE-TYPE literal|prefixed NAME [HOST]", e.g.
// "allow User:alice Write topic prefixed orders-". Throws ConfigError naming the bad field.
AclBinding parse_acl(std::string_view text);

class Authorizer {
 public:
  // From authorizer.class.name (any non-empty value enables), super.users (';'-separated),
  // allow.everyone.if.no.acl.found and the refbroker.acl.<id> keys. Throws ConfigError.
  explicit Authorizer(const BrokerConfig& config);
  Authorizer(bool enabled, std::vector<AclBinding> acls, std::set<std::string> super_users = {},
             bool allow_if_no_acl = false);

  bool enabled() const { return enabled_; }
  bool authorize(const std::string& principal, const std::string& host, AclOperation op, ResourceType type,
                 std::string_view name) const;

  // Kafka's authorizeByResourceType: some allow ACL of the type grants `op` to the principal
  // (denies on the wildcard resource "*" win); with no ACL of the type, allow.everyone.if.no.acl.found.
  bool authorize_any(const std::string& principal, const std::string& host, AclOperation op, ResourceType type) const;

  // CreateAcls / DescribeAcls / DeleteAcls (in memory; config ACLs come back on restart).
  void add(const AclBinding& b);
  std::vector<AclBinding> describe(const AclFilter& f) const;
  std::vector<AclBinding> remove(const AclFilter& f);

 private:
  bool enabled_ = false;
  bool allow_if_no_acl_ = false;
  std::set<std::string> super_users_;
  mutable std::shared_mutex mu_;
  std::vector<AclBinding> acls_;
};

}  // namespace refbroker
