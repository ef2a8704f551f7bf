#include "acl.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace refbroker {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether a binding's pattern covers the resource name.
bool pattern_matches(const AclBinding& b, std::string_view name) {
  if (b.pattern_type == PatternType::Prefixed) return name.substr(0, b.resource_name.size()) == b.resource_name;
  return b.resource_name == "*" || b.resource_name == name;
}

// Operations an ACL for `granted` also allows (Kafka's implied operations, for allow ACLs).
bool allow_implies(AclOperation granted, AclOperation wanted) {
  if (granted == AclOperation::All || granted == wanted) return true;
  if (wanted == AclOperation::Describe)
    return granted == AclOperation::Read || granted == AclOperation::Write || granted == AclOperation::Delete ||
           granted == AclOperation::Alter;
  if (wanted == AclOperation::DescribeConfigs) return granted == AclOperation::AlterConfigs;
  return false;
}

}  // namespace

const char* resource_type_name(ResourceType t) {
  switch (t) {
    case ResourceType::Topic: return "topic";
    case ResourceType::Group: return "group";
    case ResourceType::Cluster: return "cluster";
    case ResourceType::TransactionalId: return "transactional-id";
    default: return "any";
  }
}

const char* operation_name(AclOperation o) {
  switch (o) {
    case AclOperation::All: return "All";
    case AclOperation::Read: return "Read";
    case AclOperation::Write: return "Write";
    case AclOperation::Create: return "Create";
    case AclOperation::Delete: return "Delete";
    case AclOperation::Alter: return "Alter";
    case AclOperation::Describe: return "Describe";
    case AclOperation::ClusterAction: return "ClusterAction";
    case AclOperation::DescribeConfigs: return "DescribeConfigs";
    case AclOperation::AlterConfigs: return "AlterConfigs";
    case AclOperation::IdempotentWrite: return "IdempotentWrite";
    default: return "Any";
  }
}

AclBinding parse_acl(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::vector<std::string> f;
  for (std::string w; in >> w;) f.push_back(w);
  auto bad = [&](const std::string& why) {
    return ConfigError("Invalid ACL '" + std::string(text) + "': " + why +
                       " (expected: allow|deny PRINCIPAL OPERATION RESOURCE-TYPE literal|prefixed NAME [HOST])");
  };
  if (f.size() < 6 || f.size() > 7) throw bad("wrong number of fields");
  AclBinding b;
  auto perm = lower(f[0]);
  if (perm == "allow") b.permission = AclPermission::Allow;
  else if (perm == "deny") b.permission = AclPermission::Deny;
  else throw bad("permission must be allow or deny");
  if (f[1].find(':') == std::string::npos || f[1].front() == ':' || f[1].back() == ':')
    throw bad("the principal must be TYPE:NAME, e.g. User:alice or User:*");
  b.principal = f[1];
  auto op = lower(f[2]);
  bool found = false;
  for (int v = int(AclOperation::All); v <= int(AclOperation::IdempotentWrite); ++v)
    if (lower(operation_name(AclOperation(v))) == op) b.operation = AclOperation(v), found = true;
  if (!found) throw bad("unknown operation " + f[2]);
  auto type = lower(f[3]);
  if (type == "topic") b.resource_type = ResourceType::Topic;
  else if (type == "group") b.resource_type = ResourceType::Group;
  else if (type == "cluster") b.resource_type = ResourceType::Cluster;
  else if (type == "transactional-id" || type == "transactionalid") b.resource_type = ResourceType::TransactionalId;
  else throw bad("unknown resource type " + f[3]);
  auto pattern = lower(f[4]);
  if (pattern == "literal") b.pattern_type = PatternType::Literal;
  else if (pattern == "prefixed") b.pattern_type = PatternType::Prefixed;
  else throw bad("pattern must be literal or prefixed");
  b.resource_name = f[5];
  if (b.pattern_type == PatternType::Prefixed && b.resource_name == "*")
    throw bad("a prefixed pattern cannot be '*' (use literal *)");
  if (f.size() == 7) b.host = f[6];
  return b;
}

bool AclFilter::matches(const AclBinding& b) const {
  if (resource_type != ResourceType::Any && resource_type != b.resource_type) return false;
  if (principal && *principal != b.principal) return false;
  if (host && *host != b.host) return false;
  if (operation != AclOperation::Any && operation != b.operation) return false;
  if (permission != AclPermission::Any && permission != b.permission) return false;
  switch (pattern_type) {
    case PatternType::Any:
      return !resource_name || *resource_name == b.resource_name;
    case PatternType::Match:
      return !resource_name || pattern_matches(b, *resource_name);
    default:
      return pattern_type == b.pattern_type && (!resource_name || *resource_name == b.resource_name);
  }
}

Authorizer::Authorizer(const BrokerConfig& config) {
  enabled_ = !config.get_string("authorizer.class.name", "").empty();
  allow_if_no_acl_ = config.get_bool("allow.everyone.if.no.acl.found", false);
  std::string supers = config.get_string("super.users", "");
  size_t pos = 0;
  while (pos <= supers.size()) {
    auto semi = supers.find(';', pos);
    if (semi == std::string::npos) semi = supers.size();
    auto item = supers.substr(pos, semi - pos);
    auto b = item.find_first_not_of(" \t");
    if (b != std::string::npos) super_users_.insert(item.substr(b, item.find_last_not_of(" \t") - b + 1));
    pos = semi + 1;
  }
  const std::string prefix = "refbroker.acl.";
  for (auto& [k, v] : config.values())
    if (k.rfind(prefix, 0) == 0) acls_.push_back(parse_acl(v));
}

Authorizer::Authorizer(bool enabled, std::vector<AclBinding> acls, std::set<std::string> super_users,
                       bool allow_if_no_acl)
    : enabled_(enabled), allow_if_no_acl_(allow_if_no_acl), super_users_(std::move(super_users)), acls_(std::move(acls)) {}

bool Authorizer::authorize(const std::string& principal, const std::string& host, AclOperation op, ResourceType type,
                           std::string_view name) const {
  if (!enabled_ || super_users_.count(principal)) return true;
  std::shared_lock lock(mu_);
  bool any_acl = false, allowed = false;
  auto colon = principal.find(':');
  std::string wildcard_principal = principal.substr(0, colon == std::string::npos ? 0 : colon) + ":*";
  for (auto& b : acls_) {
    if (b.resource_type != type || !pattern_matches(b, name)) continue;
    any_acl = true;
    if (b.principal != principal && b.principal != wildcard_principal) continue;
    if (b.host != "*" && b.host != host) continue;
    if (b.permission == AclPermission::Deny) {
      // Deny wins; a deny of All or of the operation itself (deny Read does not deny Describe).
      if (b.operation == AclOperation::All || b.operation == op) return false;
    } else if (allow_implies(b.operation, op)) {
      allowed = true;
    }
  }
  if (!any_acl) return allow_if_no_acl_;
  return allowed;
}

bool Authorizer::authorize_any(const std::string& principal, const std::string& host, AclOperation op,
                               ResourceType type) const {
  if (!enabled_ || super_users_.count(principal)) return true;
  std::shared_lock lock(mu_);
  auto colon = principal.find(':');
  std::string wildcard_principal = principal.substr(0, colon == std::string::npos ? 0 : colon) + ":*";
  bool any_acl = false, allowed = false;
  for (auto& b : acls_) {
    if (b.resource_type != type) continue;
    any_acl = true;
    if (b.principal != principal && b.principal != wildcard_principal) continue;
    if (b.host != "*" && b.host != host) continue;
    if (b.permission == AclPermission::Deny) {
      if (b.pattern_type == PatternType::Literal && b.resource_name == "*" &&
          (b.operation == AclOperation::All || b.operation == op))
        return false;
    } else if (allow_implies(b.operation, op)) {
      allowed = true;
    }
  }
  return any_acl ? allowed : allow_if_no_acl_;
}

void Authorizer::add(const AclBinding& b) {
  std::unique_lock lock(mu_);
  if (std::find(acls_.begin(), acls_.end(), b) == acls_.end()) acls_.push_back(b);
}

std::vector<AclBinding> Authorizer::describe(const AclFilter& f) const {
  std::shared_lock lock(mu_);
  std::vector<AclBinding> out;
  for (auto& b : acls_)
    if (f.matches(b)) out.push_back(b);
  return out;
}

std::vector<AclBinding> Authorizer::remove(const AclFilter& f) {
  std::unique_lock lock(mu_);
  std::vector<AclBinding> removed;
  std::erase_if(acls_, [&](const AclBinding& b) {
    if (!f.matches(b)) return false;
    removed.push_back(b);
    return true;
  });
  return removed;
}

}  // namespace refbroker
