// AdminClient: each admin request is an AdminCall, a Query on the engine's I/O thread that
// resolves its target broker (any, the controller, a node, the group coordinator), sends one
// request and lets its handler decide: done, retry after the backoff, or find the target again.
// Requests spanning several brokers (ListGroups, DeleteRecords, ListOffsets) are several calls
// run side by side from the application thread.
#include "admin.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "assignor.h"
#include "kafka/protocol/messages/create_partitions.h"
#include "kafka/protocol/messages/create_topics.h"
#include "kafka/protocol/messages/delete_groups.h"
#include "kafka/protocol/messages/delete_records.h"
#include "kafka/protocol/messages/delete_topics.h"
#include "kafka/protocol/messages/describe_configs.h"
#include "kafka/protocol/messages/describe_groups.h"
#include "kafka/protocol/messages/find_coordinator.h"
#include "kafka/protocol/messages/list_groups.h"
#include "kafka/protocol/messages/list_offsets.h"
#include "kafka/protocol/messages/metadata.h"
#include "kafka/protocol/messages/offset_commit.h"
#include "kafka/protocol/messages/offset_fetch.h"
#include "config.h"
#include "queries.h"

namespace kafka::client {

namespace {

using Span = std::span<const uint8_t>;

bool is_kafka_retriable(int code) { return code > 0 && is_retriable(static_cast<Error>(code)); }

bool coordinator_moved(int code) {
  return code == err(Error::NOT_COORDINATOR) || code == err(Error::COORDINATOR_NOT_AVAILABLE);
}

// Kafka's Uuid.toString(): base64url without padding.
std::string uuid_text(const proto::Uuid& u) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  bool zero = std::all_of(u.begin(), u.end(), [](uint8_t b) { return b == 0; });
  if (zero) return {};
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : u) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

}  // namespace

std::string AdminResult::name() const {
  if (code > 0 || code == -1) return std::string(error_name(static_cast<Error>(code)));
  return err_name(code);
}

std::string AdminResult::describe() const {
  return name() + ": " + (message.empty() ? (code > 0 ? std::string(error_message(static_cast<Error>(code)))
                                                      : err_str(code))
                                          : message);
}

// ---- AdminCall ----------------------------------------------------------------------------------

struct AdminClient::State {
  std::unique_ptr<ProducerCore::Impl> impl;
  std::mutex mu;
  std::string last_conn_error;  // the engine's last connection failure, for timeout messages
  std::string conn_error() {
    std::lock_guard lk(mu);
    return last_conn_error;
  }
};

namespace {

struct AdminCall : Query {
  enum class To { Any, Controller, Node, Coordinator };
  enum class Next { Done, Retry, Reroute };
  To to = To::Any;
  int32_t node = -1;     // To::Node
  std::string group;     // To::Coordinator
  proto::ApiKey api{};
  int16_t min_version = 0, max_version = 0;
  std::function<void(Frame&, int16_t)> encode;
  // On the I/O thread with the response; may set last_err/last_msg before Retry/Reroute, or
  // finish_with() for a final error.
  std::function<Next(Span, int16_t, AdminCall&)> handle;

  int last_err = 0;
  std::string last_msg;
  int final_err = 0;
  std::string final_msg;
  int32_t answered_by = -1;

  bool busy = false;
  bool need_metadata = false;
  int32_t coordinator = -1;
  int64_t retry_at_us = 0;
  int64_t backoff_us = 100'000;
  std::weak_ptr<Query> self;

  void finish_with(int e, std::string msg) {
    final_err = e;
    final_msg = std::move(msg);
  }

  void step(ProducerCore::Impl& impl, int64_t now) override;

 private:
  void retry(int64_t now, int e, std::string msg) {
    last_err = e;
    last_msg = std::move(msg);
    retry_at_us = now + backoff_us;
  }
  int64_t request_timeout(ProducerCore::Impl& impl, int64_t now) const {
    return std::clamp<int64_t>(deadline_us - now, 1000, impl.cfg.socket_timeout_ms * 1000);
  }
  // The start of every response callback: the call, unless it is gone or over.
  static std::shared_ptr<AdminCall> resume(const std::weak_ptr<Query>& weak) {
    auto q = std::static_pointer_cast<AdminCall>(weak.lock());
    if (!q || q->finished) return nullptr;
    q->busy = false;
    return q;
  }
  // Wrong credentials or certificates end the call, with the connection's reason (OpenSSL's or the
  // broker's): it is still set during the response callback.
  bool ended_by_security_error(int e, BrokerConn& c) {
    if (!is_security_error(e)) return false;
    finish_with(e, c.name() + ": " + c.last_error_reason());
    finish(0);
    return true;
  }
  void send_metadata(ProducerCore::Impl& impl, BrokerConn* c, int64_t now);
  void send_find_coordinator(ProducerCore::Impl& impl, BrokerConn* c, int64_t now);
  void send_request(ProducerCore::Impl& impl, BrokerConn* c, int64_t now);
};

void AdminCall::step(ProducerCore::Impl& impl, int64_t now) {
  if (finished) return;
  if (self.expired())
    for (auto& q : impl.queries)
      if (q.get() == this) self = q;
  if (now >= deadline_us) {
    final_err = last_err ? last_err : err(LocalErr::TIMED_OUT);
    final_msg = last_msg;
    return finish(err(LocalErr::TIMED_OUT));
  }
  if (busy || now < retry_at_us) return;
  BrokerConn* any = impl.any_conn(true);
  if (!any) return retry(now, err(LocalErr::TRANSPORT), "no broker to ask");
  // Wrong credentials or certificates will not fix themselves before the deadline: say so now.
  if (any->state() == BrokerConn::State::Down && is_security_error(any->last_error())) {
    finish_with(any->last_error(), any->last_error_reason());
    return finish(0);
  }
  if (need_metadata) return send_metadata(impl, any, now);
  BrokerConn* c = nullptr;
  switch (to) {
    case To::Any:
      c = any;
      break;
    case To::Node:
      c = impl.conn_for(node);
      if (!c) return send_metadata(impl, any, now);
      break;
    case To::Controller:
      c = impl.controller_id >= 0 ? impl.conn_for(impl.controller_id) : nullptr;
      if (!c) return send_metadata(impl, any, now);
      break;
    case To::Coordinator:
      if (coordinator < 0) return send_find_coordinator(impl, any, now);
      c = impl.conn_for(coordinator);
      if (!c) return send_metadata(impl, any, now);
      break;
  }
  send_request(impl, c, now);
}

void AdminCall::send_metadata(ProducerCore::Impl& impl, BrokerConn* c, int64_t now) {
  std::vector<std::string> none;
  auto r = make_metadata_request(&none, false, request_timeout(impl, now));
  busy = true;
  auto weak = self;
  r->done = [&impl, weak, c](int e, Span frame, int16_t v) {
    auto q = resume(weak);
    if (!q) return;
    int64_t t = mono_us();
    if (q->ended_by_security_error(e, *c)) return;
    if (e) return q->retry(t, e, "Metadata: " + err_str(e)), void();
    try {
      MetadataView md = parse_metadata(frame, v);
      bool known = true;
      if (q->to == To::Node) known = std::any_of(md.brokers.begin(), md.brokers.end(), [&](auto& b) { return b.id == q->node; });
      if (q->to == To::Controller) known = md.controller_id >= 0;
      q->need_metadata = false;
      impl.apply_metadata(md);  // adds broker connections (steps queries, maybe this one)
      if (!known) {
        q->retry(t, err(Error::BROKER_NOT_AVAILABLE),
                 q->to == To::Node ? "broker " + std::to_string(q->node) + " is not in the cluster's metadata"
                                   : "the cluster has no controller");
        return;
      }
    } catch (const std::exception& ex) {
      return q->retry(t, err(LocalErr::BAD_MSG), std::string("malformed Metadata response: ") + ex.what()), void();
    }
    q->step(impl, t);
  };
  c->send(std::move(r));
}

void AdminCall::send_find_coordinator(ProducerCore::Impl& impl, BrokerConn* c, int64_t now) {
  auto r = std::make_unique<Request>();
  r->api = proto::ApiKey::FindCoordinator;
  r->min_version = 0;
  r->max_version = 4;
  r->timeout_us = request_timeout(impl, now);
  std::string key = group;
  r->encode = [key](Frame& f, int16_t v) {
    proto::FindCoordinatorRequest req;
    req.key_type = 0;
    if (v >= 4) req.coordinator_keys = {key};
    else req.key = key;
    proto::encode_body(f.w(), req, v);
  };
  busy = true;
  auto weak = self;
  r->done = [&impl, weak, c](int e, Span frame, int16_t v) {
    auto q = resume(weak);
    if (!q) return;
    int64_t t = mono_us();
    if (q->ended_by_security_error(e, *c)) return;
    if (e) return q->retry(t, e, "FindCoordinator: " + err_str(e)), void();
    int32_t node = -1, port = 0;
    std::string host, msg;
    int ec = 0;
    try {
      auto resp = proto::decode_response<proto::FindCoordinatorResponse>(frame, v);
      if (v >= 4) {
        if (resp.coordinators.empty()) throw std::runtime_error("no coordinator in the response");
        auto& co = resp.coordinators[0];
        ec = co.error_code, node = co.node_id, host = co.host, port = co.port;
        if (co.error_message) msg = *co.error_message;
      } else {
        ec = resp.error_code, node = resp.node_id, host = resp.host, port = resp.port;
        if (resp.error_message) msg = *resp.error_message;
      }
    } catch (const std::exception& ex) {
      return q->retry(t, err(LocalErr::BAD_MSG), std::string("malformed FindCoordinator response: ") + ex.what()),
             void();
    }
    if (ec) {
      if (is_kafka_retriable(ec) || coordinator_moved(ec)) return q->retry(t, ec, msg), void();
      q->finish_with(ec, msg);
      return q->finish(0);
    }
    if (!impl.conn_for(node))
      impl.brokers.emplace(node, std::make_unique<BrokerConn>(impl.io, impl, impl.conn_settings, node, host,
                                                              static_cast<uint16_t>(port)));
    q->coordinator = node;
    q->step(impl, t);
  };
  c->send(std::move(r));
}

void AdminCall::send_request(ProducerCore::Impl& impl, BrokerConn* c, int64_t now) {
  auto r = std::make_unique<Request>();
  r->api = api;
  r->min_version = min_version;
  r->max_version = max_version;
  r->timeout_us = request_timeout(impl, now);
  r->encode = encode;
  busy = true;
  auto weak = self;
  int32_t target = c->id();
  r->done = [&impl, weak, target, c](int e, Span frame, int16_t v) {
    auto q = resume(weak);
    if (!q) return;
    int64_t t = mono_us();
    if (q->ended_by_security_error(e, *c)) return;
    if (e == err(LocalErr::UNSUPPORTED_FEATURE)) {
      q->finish_with(e, "the broker does not support " + std::string(proto::api_name(q->api)) + " v" +
                            std::to_string(q->min_version) + "-" + std::to_string(q->max_version));
      return q->finish(0);
    }
    if (e) {
      // A broken connection: the controller or coordinator may have moved too.
      if (q->to == To::Controller) q->need_metadata = true;
      if (q->to == To::Coordinator) q->coordinator = -1;
      return q->retry(t, e, std::string(proto::api_name(q->api)) + ": " + err_str(e)), void();
    }
    q->answered_by = target;
    Next n;
    try {
      n = q->handle(frame, v, *q);
    } catch (const std::exception& ex) {
      q->finish_with(err(LocalErr::BAD_MSG), "malformed " + std::string(proto::api_name(q->api)) +
                                                 " response: " + ex.what());
      return q->finish(0);
    }
    if (n == Next::Done) return q->finish(0);
    if (n == Next::Reroute) {
      if (q->to == To::Controller || q->to == To::Node) q->need_metadata = true;
      if (q->to == To::Coordinator) q->coordinator = -1;
    }
    q->retry_at_us = t + q->backoff_us;
  };
  c->send(std::move(r));
}

}  // namespace

// ---- AdminClient --------------------------------------------------------------------------------

namespace {

// Runs the calls side by side; each gives up at `deadline_us`. Returns the first call's error
// (a timeout naming the last error seen, or a final error set by a handler), else 0.
AdminResult run_calls(AdminClient::State& s, const std::vector<std::shared_ptr<AdminCall>>& calls,
                      int64_t deadline_us) {
  ProducerCore::Impl& impl = *s.impl;
  for (auto& c : calls) {
    c->deadline_us = deadline_us;
    c->backoff_us = std::max<int64_t>(1000, impl.cfg.retry_backoff_ms * 1000);
  }
  asio::post(impl.io, [&impl, calls] {
    for (auto& c : calls) impl.queries.push_back(c);
    for (auto& c : calls) c->step(impl, mono_us());
  });
  AdminResult out;
  for (auto& c : calls) {
    int64_t left_ms = std::max<int64_t>(0, (deadline_us - mono_us()) / 1000);
    int rc = c->waiter->wait(static_cast<int>(left_ms + 1000));
    if (out) continue;
    if (rc == err(LocalErr::TIMED_OUT)) {
      int e = c->final_err ? c->final_err : err(LocalErr::TIMED_OUT);
      std::string why = c->final_msg;
      if (e == err(LocalErr::TRANSPORT) || e == err(LocalErr::TIMED_OUT) || e == err(LocalErr::ALL_BROKERS_DOWN)) {
        // The connection's own failure says more than the request's local error.
        std::string ce = s.conn_error();
        if (!ce.empty()) {
          e = err(LocalErr::TIMED_OUT);
          why = "last connection error: " + ce;
        }
      }
      out = {err(LocalErr::TIMED_OUT), "timed out waiting for the cluster" + (why.empty() ? "" : " (" +
                                       (e != err(LocalErr::TIMED_OUT) ? AdminResult{e, ""}.name() + ": " : "") +
                                       why + ")")};
    } else if (c->final_err) {
      out = {c->final_err, c->final_msg};
      // A TLS or SASL failure: the connection's reason (OpenSSL's or the broker's) says why.
      if (is_security_error(out.code) && out.message.empty()) out.message = s.conn_error();
    }
  }
  return out;
}

int64_t deadline_after(int timeout_ms) { return mono_us() + int64_t{std::max(timeout_ms, 1)} * 1000; }
int ms_left(int64_t deadline_us) { return static_cast<int>(std::max<int64_t>(0, (deadline_us - mono_us()) / 1000)); }

std::shared_ptr<AdminCall> make_call(AdminCall::To to, proto::ApiKey api, int16_t min_v, int16_t max_v) {
  auto c = std::make_shared<AdminCall>();
  c->to = to;
  c->api = api;
  c->min_version = min_v;
  c->max_version = max_v;
  return c;
}

// Optional string to std::string.
std::string str(const std::optional<std::string>& s) { return s ? *s : std::string(); }

// A coordinator that moved (ask where it is now) or is still loading (ask again later): the
// call's next step; nullopt when `ec` is an answer.
std::optional<AdminCall::Next> coordinator_not_ready(int ec, AdminCall& call) {
  if (!coordinator_moved(ec) && ec != err(Error::COORDINATOR_LOAD_IN_PROGRESS)) return std::nullopt;
  call.last_err = ec;
  return coordinator_moved(ec) ? AdminCall::Next::Reroute : AdminCall::Next::Retry;
}

// A controller request's per-topic results into `out`, in the order of `names` (`name_of` reads a
// result's topic name). NOT_CONTROLLER on any topic sends the whole call to the new controller.
template <class Results, class NameOf>
AdminCall::Next take_topic_results(const Results& results, const std::vector<std::string>& names,
                                   std::vector<AdminResult>& out, AdminCall& call, NameOf name_of) {
  for (auto& t : results) {
    if (t.error_code == err(Error::NOT_CONTROLLER)) {
      call.last_err = t.error_code;
      call.last_msg = str(t.error_message);
      return AdminCall::Next::Reroute;
    }
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == name_of(t)) out[i] = {t.error_code, t.error_code ? str(t.error_message) : ""};
  }
  return AdminCall::Next::Done;
}

// A call to `group`'s coordinator whose request is about that group alone (`name_group` puts the
// name into the request).
template <class Request, class NameGroup>
std::shared_ptr<AdminCall> group_call(proto::ApiKey api, int16_t min_v, int16_t max_v, const std::string& group,
                                      NameGroup name_group) {
  auto c = make_call(AdminCall::To::Coordinator, api, min_v, max_v);
  c->group = group;
  c->encode = [group, name_group](Frame& f, int16_t v) {
    Request req;
    name_group(req, group);
    proto::encode_body(f.w(), req, v);
  };
  return c;
}

// A request's entry for topic `name`, appended when it has none yet (requests group partitions by topic).
template <class Topics>
auto& topic_entry(Topics& topics, const std::string& name) {
  auto it = std::find_if(topics.begin(), topics.end(), [&](auto& t) { return t.name == name; });
  if (it != topics.end()) return *it;
  auto& added = topics.emplace_back();
  added.name = name;
  return added;
}


}  // namespace

AdminClient::AdminClient(std::unique_ptr<State> s) : s_(std::move(s)) {}
AdminClient::~AdminClient() {
  if (s_ && s_->impl) s_->impl->stop();
}

std::unique_ptr<AdminClient> AdminClient::create(const Properties& props, std::string& errstr) {
  ProducerConfig cfg;
  Properties p = props;
  p["enable.idempotence"] = "false";  // an admin handle never produces
  p.erase("transactional.id");
  if (!parse_producer_config(p, cfg, errstr)) return nullptr;
  if (cfg.bootstrap.empty()) {
    errstr = "bootstrap.servers is empty";
    return nullptr;
  }
  cfg.allow_auto_create_topics = false;
  auto s = std::make_unique<State>();
  State* raw = s.get();
  ProducerCallbacks cb;
  Properties::const_iterator dbg = props.find("debug");
  bool debug = dbg != props.end() && !dbg->second.empty();
  cb.log = [raw, debug](int level, const std::string& fac, const std::string& msg) {
    if (level <= 3) {
      std::lock_guard lk(raw->mu);
      // Without the facade's "[thrd:...]: " prefix.
      size_t cut = msg.rfind("[thrd:", 0) == 0 ? msg.find("]: ") : std::string::npos;
      raw->last_conn_error = cut == std::string::npos ? msg : msg.substr(cut + 3);
    }
    if (debug) std::fprintf(stderr, "%%%d|%s| %s\n", level, fac.c_str(), msg.c_str());
  };
  s->impl = std::make_unique<ProducerCore::Impl>(std::move(cfg), std::move(cb), "admin");
  s->impl->start();
  return std::unique_ptr<AdminClient>(new AdminClient(std::move(s)));
}

AdminResult AdminClient::metadata(const std::vector<std::string>* topics, AdminMetadata& out, int timeout_ms) {
  auto c = make_call(AdminCall::To::Any, proto::ApiKey::Metadata, 0, 12);
  std::optional<std::vector<std::string>> names;
  if (topics) names = *topics;
  auto req = make_metadata_request(topics, false, 0);
  c->encode = req->encode;
  auto result = std::make_shared<AdminMetadata>();
  ProducerCore::Impl& impl = *s_->impl;
  c->handle = [result, &impl](Span frame, int16_t v, AdminCall&) {
    auto resp = proto::decode_response<proto::MetadataResponse>(frame, v);
    AdminMetadata md;
    for (auto& b : resp.brokers) md.brokers.push_back({b.node_id, b.host, b.port});
    md.controller_id = resp.controller_id;
    md.cluster_id = str(resp.cluster_id);
    for (auto& t : resp.topics) {
      AdminTopic at;
      at.name = str(t.name);
      at.topic_id = uuid_text(t.topic_id);
      at.internal = t.is_internal;
      at.err = t.error_code;
      for (auto& p : t.partitions)
        at.partitions.push_back({p.partition_index, p.error_code, p.leader_id, p.replica_nodes, p.isr_nodes});
      std::sort(at.partitions.begin(), at.partitions.end(), [](auto& a, auto& b) { return a.id < b.id; });
      md.topics.push_back(std::move(at));
    }
    std::sort(md.topics.begin(), md.topics.end(), [](auto& a, auto& b) { return a.name < b.name; });
    *result = std::move(md);
    impl.apply_metadata(parse_metadata(frame, v));
    return AdminCall::Next::Done;
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  if (!r) out = std::move(*result);
  return r;
}

AdminResult AdminClient::create_topics(const std::vector<AdminNewTopic>& topics, std::vector<AdminResult>& results,
                                       int timeout_ms, bool validate_only) {
  auto c = make_call(AdminCall::To::Controller, proto::ApiKey::CreateTopics, 2, 7);
  int32_t tmo = timeout_ms;
  c->encode = [topics, tmo, validate_only](Frame& f, int16_t v) {
    proto::CreateTopicsRequest req;
    for (auto& t : topics) {
      auto& ct = req.topics.emplace_back();
      ct.name = t.name;
      ct.num_partitions = t.partitions;
      ct.replication_factor = t.replication_factor;
      for (auto& [k, val] : t.configs) ct.configs.push_back({k, val});
    }
    req.timeout_ms = tmo;
    req.validate_only = validate_only;
    proto::encode_body(f.w(), req, v);
  };
  auto res = std::make_shared<std::vector<AdminResult>>(topics.size());
  std::vector<std::string> names;
  for (auto& t : topics) names.push_back(t.name);
  c->handle = [res, names](Span frame, int16_t v, AdminCall& call) {
    auto resp = proto::decode_response<proto::CreateTopicsResponse>(frame, v);
    return take_topic_results(resp.topics, names, *res, call, [](auto& t) { return t.name; });
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  results = *res;
  return r;
}

AdminResult AdminClient::delete_topics(const std::vector<std::string>& topics, std::vector<AdminResult>& results,
                                       int timeout_ms) {
  auto c = make_call(AdminCall::To::Controller, proto::ApiKey::DeleteTopics, 1, 6);
  int32_t tmo = timeout_ms;
  c->encode = [topics, tmo](Frame& f, int16_t v) {
    proto::DeleteTopicsRequest req;
    if (v >= 6)
      for (auto& t : topics) req.topics.push_back({t, {}});
    else
      req.topic_names = topics;
    req.timeout_ms = tmo;
    proto::encode_body(f.w(), req, v);
  };
  auto res = std::make_shared<std::vector<AdminResult>>(topics.size());
  c->handle = [res, topics](Span frame, int16_t v, AdminCall& call) {
    auto resp = proto::decode_response<proto::DeleteTopicsResponse>(frame, v);
    return take_topic_results(resp.responses, topics, *res, call, [](auto& t) { return str(t.name); });
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  results = *res;
  return r;
}

AdminResult AdminClient::create_partitions(const std::vector<std::pair<std::string, int32_t>>& counts,
                                           std::vector<AdminResult>& results, int timeout_ms, bool validate_only) {
  auto c = make_call(AdminCall::To::Controller, proto::ApiKey::CreatePartitions, 0, 3);
  int32_t tmo = timeout_ms;
  c->encode = [counts, tmo, validate_only](Frame& f, int16_t v) {
    proto::CreatePartitionsRequest req;
    for (auto& [name, n] : counts) {
      auto& t = req.topics.emplace_back();
      t.name = name;
      t.count = n;
      t.assignments.reset();
    }
    req.timeout_ms = tmo;
    req.validate_only = validate_only;
    proto::encode_body(f.w(), req, v);
  };
  auto res = std::make_shared<std::vector<AdminResult>>(counts.size());
  std::vector<std::string> names;
  for (auto& [name, n] : counts) names.push_back(name);
  c->handle = [res, names](Span frame, int16_t v, AdminCall& call) {
    auto resp = proto::decode_response<proto::CreatePartitionsResponse>(frame, v);
    return take_topic_results(resp.results, names, *res, call, [](auto& t) { return t.name; });
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  results = *res;
  return r;
}

AdminResult AdminClient::describe_configs(std::vector<AdminConfigResource>& resources, int timeout_ms) {
  // Topic resources go to any broker in one request; each broker resource to that broker.
  std::vector<std::shared_ptr<AdminCall>> calls;
  std::vector<std::vector<size_t>> members;
  auto add_call = [&](AdminCall::To to, int32_t node, std::vector<size_t> idx) {
    auto c = make_call(to, proto::ApiKey::DescribeConfigs, 1, 4);
    c->node = node;
    std::vector<std::pair<int8_t, std::string>> res;
    for (size_t i : idx) res.emplace_back(resources[i].type, resources[i].name);
    c->encode = [res](Frame& f, int16_t v) {
      proto::DescribeConfigsRequest req;
      for (auto& [type, name] : res) {
        auto& r = req.resources.emplace_back();
        r.resource_type = type;
        r.resource_name = name;
        r.configuration_keys.reset();
      }
      proto::encode_body(f.w(), req, v);
    };
    calls.push_back(c);
    members.push_back(std::move(idx));
  };
  std::vector<size_t> topic_idx;
  for (size_t i = 0; i < resources.size(); ++i) {
    if (resources[i].type == AdminConfigResource::kBroker) {
      int32_t id = -1;
      try {
        size_t used = 0;
        id = std::stoi(resources[i].name, &used);
        if (used != resources[i].name.size()) id = -1;
      } catch (const std::exception&) {
      }
      if (id < 0) {
        resources[i].result = {err(LocalErr::INVALID_ARG), "broker name must be a broker id, got '" + resources[i].name + "'"};
        continue;
      }
      add_call(AdminCall::To::Node, id, {i});
    } else {
      topic_idx.push_back(i);
    }
  }
  if (!topic_idx.empty()) add_call(AdminCall::To::Any, -1, topic_idx);
  auto out = std::make_shared<std::vector<AdminConfigResource>>(resources);
  for (size_t k = 0; k < calls.size(); ++k) {
    std::vector<size_t> idx = members[k];
    calls[k]->handle = [out, idx](Span frame, int16_t v, AdminCall&) {
      auto resp = proto::decode_response<proto::DescribeConfigsResponse>(frame, v);
      for (auto& r : resp.results)
        for (size_t i : idx) {
          auto& res = (*out)[i];
          if (res.type != r.resource_type || res.name != r.resource_name) continue;
          res.result = {r.error_code, r.error_code ? str(r.error_message) : ""};
          res.entries.clear();
          for (auto& c : r.configs) {
            AdminConfigEntry e;
            e.name = c.name;
            e.value = c.value;
            e.source = v == 0 ? (c.is_default ? 5 : -1) : c.config_source;
            e.read_only = c.read_only;
            e.is_default = v == 0 ? c.is_default : c.config_source == 5;
            e.sensitive = c.is_sensitive;
            res.entries.push_back(std::move(e));
          }
          std::sort(res.entries.begin(), res.entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
        }
      return AdminCall::Next::Done;
    };
  }
  AdminResult r = run_calls(*s_, calls, deadline_after(timeout_ms));
  for (size_t k = 0; k < calls.size(); ++k)
    for (size_t i : members[k]) resources[i] = (*out)[i];
  return r;
}

namespace {

// Leader-routed per-partition requests (DeleteRecords, ListOffsets): metadata, one call per
// leader, partitions with leader errors asked again after fresh metadata until the deadline.
using PartitionSender = std::function<std::shared_ptr<AdminCall>(
    int32_t leader, std::vector<size_t> idx, std::shared_ptr<std::vector<TopicPartitionOffset>> items,
    std::shared_ptr<std::vector<bool>> retry)>;

AdminResult run_per_leader(AdminClient& admin, AdminClient::State& s, std::vector<TopicPartitionOffset>& parts,
                           int timeout_ms, const PartitionSender& make) {
  int64_t deadline = deadline_after(timeout_ms);
  auto items = std::make_shared<std::vector<TopicPartitionOffset>>(parts);
  std::vector<size_t> pending(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) pending[i] = i;
  AdminResult last;
  while (!pending.empty()) {
    std::vector<std::string> topics;
    for (size_t i : pending)
      if (std::find(topics.begin(), topics.end(), (*items)[i].topic) == topics.end()) topics.push_back((*items)[i].topic);
    AdminMetadata md;
    if (AdminResult r = admin.metadata(&topics, md, std::max(1, ms_left(deadline)))) {
      parts = *items;
      return r;
    }
    std::map<int32_t, std::vector<size_t>> by_leader;
    std::vector<size_t> again;
    for (size_t i : pending) {
      auto& it = (*items)[i];
      const AdminTopic* t = nullptr;
      for (auto& x : md.topics)
        if (x.name == it.topic) t = &x;
      if (!t || t->err == err(Error::UNKNOWN_TOPIC_OR_PARTITION) ||
          (t->err && !is_kafka_retriable(t->err) && t->err != err(Error::LEADER_NOT_AVAILABLE))) {
        it.err = t ? t->err : err(Error::UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      const PartitionMetadata* p = nullptr;
      for (auto& x : t->partitions)
        if (x.id == it.partition) p = &x;
      if (!t->err && !p) {
        it.err = err(Error::UNKNOWN_TOPIC_OR_PARTITION);
        continue;
      }
      if (!p || p->leader < 0) {
        it.err = err(Error::LEADER_NOT_AVAILABLE);
        again.push_back(i);
        continue;
      }
      by_leader[p->leader].push_back(i);
    }
    auto retry = std::make_shared<std::vector<bool>>(items->size(), false);
    std::vector<std::shared_ptr<AdminCall>> calls;
    for (auto& [leader, idx] : by_leader) calls.push_back(make(leader, idx, items, retry));
    if (!calls.empty()) {
      if (AdminResult r = run_calls(s, calls, deadline)) {
        parts = *items;
        return r;
      }
    }
    for (size_t i = 0; i < retry->size(); ++i)
      if ((*retry)[i]) again.push_back(i);
    pending = again;
    if (pending.empty()) break;
    if (mono_us() >= deadline) {
      parts = *items;
      int e = (*items)[pending[0]].err;
      return {err(LocalErr::TIMED_OUT), "timed out waiting for partition leaders (last error " +
                                            AdminResult{e, ""}.name() + ")"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(s.impl->cfg.retry_backoff_ms, ms_left(deadline))));
  }
  parts = *items;
  return last;
}

bool leader_moved(int code) {
  switch (static_cast<Error>(code)) {
    case Error::NOT_LEADER_OR_FOLLOWER:
    case Error::LEADER_NOT_AVAILABLE:
    case Error::FENCED_LEADER_EPOCH:
    case Error::UNKNOWN_LEADER_EPOCH:
    case Error::REPLICA_NOT_AVAILABLE:
    case Error::BROKER_NOT_AVAILABLE:
    case Error::KAFKA_STORAGE_ERROR:
    case Error::NETWORK_EXCEPTION:
    case Error::REQUEST_TIMED_OUT:
    case Error::OFFSET_NOT_AVAILABLE:
      return true;
    default:
      return false;
  }
}

// Takes the asked partitions' answers from a per-leader response (`offset_of` picks the answer's
// offset field); a partition whose leader moved, or that the response lacks, is asked again.
template <class Topics, class OffsetOf>
void take_partition_answers(const Topics& topics, const std::vector<size_t>& idx,
                            std::vector<TopicPartitionOffset>& items, std::vector<bool>& retry, OffsetOf offset_of) {
  for (size_t i : idx) {
    auto& it = items[i];
    bool found = false;
    for (auto& t : topics)
      if (t.name == it.topic)
        for (auto& p : t.partitions)
          if (p.partition_index == it.partition) {
            found = true;
            it.err = p.error_code;
            if (!p.error_code) it.offset = offset_of(p);
            else if (leader_moved(p.error_code)) retry[i] = true;
          }
    if (!found) retry[i] = true;
  }
}

}  // namespace

AdminResult AdminClient::delete_records(std::vector<TopicPartitionOffset>& partitions, int timeout_ms) {
  int32_t tmo = timeout_ms;
  return run_per_leader(*this, *s_, partitions, timeout_ms,
                        [tmo](int32_t leader, std::vector<size_t> idx, auto items, auto retry) {
    auto c = make_call(AdminCall::To::Node, proto::ApiKey::DeleteRecords, 0, 2);
    c->node = leader;
    std::vector<TopicPartitionOffset> asked;
    for (size_t i : idx) asked.push_back((*items)[i]);
    c->encode = [asked, tmo](Frame& f, int16_t v) {
      proto::DeleteRecordsRequest req;
      for (auto& a : asked) topic_entry(req.topics, a.topic).partitions.push_back({a.partition, a.offset});
      req.timeout_ms = tmo;
      proto::encode_body(f.w(), req, v);
    };
    c->handle = [idx, items, retry](Span frame, int16_t v, AdminCall&) {
      auto resp = proto::decode_response<proto::DeleteRecordsResponse>(frame, v);
      take_partition_answers(resp.topics, idx, *items, *retry, [](auto& p) { return p.low_watermark; });
      return AdminCall::Next::Done;
    };
    return c;
  });
}

AdminResult AdminClient::list_offsets(std::vector<TopicPartitionOffset>& partitions, int isolation, int timeout_ms) {
  return run_per_leader(*this, *s_, partitions, timeout_ms,
                        [isolation](int32_t leader, std::vector<size_t> idx, auto items, auto retry) {
    auto c = make_call(AdminCall::To::Node, proto::ApiKey::ListOffsets, 1, 7);
    c->node = leader;
    std::vector<TopicPartitionOffset> asked;
    for (size_t i : idx) asked.push_back((*items)[i]);
    c->encode = [asked, isolation](Frame& f, int16_t v) {
      proto::ListOffsetsRequest req;
      req.replica_id = -1;
      req.isolation_level = static_cast<int8_t>(isolation);
      for (auto& a : asked) {
        proto::ListOffsetsRequest::ListOffsetsPartition p;
        p.partition_index = a.partition;
        p.timestamp = a.offset;
        p.max_num_offsets = 1;
        topic_entry(req.topics, a.topic).partitions.push_back(p);
      }
      proto::encode_body(f.w(), req, v);
    };
    c->handle = [idx, items, retry](Span frame, int16_t v, AdminCall&) {
      auto resp = proto::decode_response<proto::ListOffsetsResponse>(frame, v);
      take_partition_answers(resp.topics, idx, *items, *retry, [](auto& p) { return p.offset; });
      return AdminCall::Next::Done;
    };
    return c;
  });
}

AdminResult AdminClient::list_groups(std::vector<AdminGroupListing>& out, int timeout_ms) {
  int64_t deadline = deadline_after(timeout_ms);
  AdminMetadata md;
  std::vector<std::string> none;  // brokers only
  if (AdminResult r = metadata(&none, md, timeout_ms)) return r;
  auto res = std::make_shared<std::map<std::string, AdminGroupListing>>();
  std::vector<std::shared_ptr<AdminCall>> calls;
  for (auto& b : md.brokers) {
    auto c = make_call(AdminCall::To::Node, proto::ApiKey::ListGroups, 0, 4);
    c->node = b.id;
    c->encode = [](Frame& f, int16_t v) { proto::encode_body(f.w(), proto::ListGroupsRequest{}, v); };
    c->handle = [res](Span frame, int16_t v, AdminCall& call) {
      auto resp = proto::decode_response<proto::ListGroupsResponse>(frame, v);
      if (resp.error_code) {
        if (is_kafka_retriable(resp.error_code) || coordinator_moved(resp.error_code)) {
          call.last_err = resp.error_code;
          return AdminCall::Next::Retry;
        }
        call.finish_with(resp.error_code, "");
        return AdminCall::Next::Done;
      }
      for (auto& g : resp.groups) (*res)[g.group_id] = {g.group_id, g.protocol_type, g.group_state};
      return AdminCall::Next::Done;
    };
    calls.push_back(c);
  }
  AdminResult r = run_calls(*s_, calls, deadline);
  out.clear();
  for (auto& [k, g] : *res) out.push_back(g);
  return r;
}

AdminResult AdminClient::describe_groups(const std::vector<std::string>& groups, std::vector<AdminGroup>& out,
                                         int timeout_ms) {
  auto res = std::make_shared<std::vector<AdminGroup>>(groups.size());
  std::vector<std::shared_ptr<AdminCall>> calls;
  for (size_t i = 0; i < groups.size(); ++i) {
    (*res)[i].group_id = groups[i];
    auto c = group_call<proto::DescribeGroupsRequest>(proto::ApiKey::DescribeGroups, 0, 5, groups[i],
                                                      [](auto& req, const std::string& g) { req.groups = {g}; });
    c->handle = [res, i](Span frame, int16_t v, AdminCall& call) {
      auto resp = proto::decode_response<proto::DescribeGroupsResponse>(frame, v);
      if (resp.groups.empty()) throw std::runtime_error("no group in the response");
      auto& dg = resp.groups[0];
      if (auto next = coordinator_not_ready(dg.error_code, call)) return *next;
      AdminGroup& out = (*res)[i];
      out.result = {dg.error_code, ""};
      out.state = dg.group_state;
      out.protocol_type = dg.protocol_type;
      out.protocol = dg.protocol_data;
      out.coordinator = call.answered_by;
      for (auto& m : dg.members) {
        AdminGroupMember am;
        am.member_id = m.member_id;
        am.group_instance_id = m.group_instance_id;
        am.client_id = m.client_id;
        am.client_host = m.client_host;
        if (dg.protocol_type == "consumer" && !m.member_assignment.data.empty()) {
          try {
            MemberAssignment a = decode_assignment(m.member_assignment.data);
            for (auto& tp : a.partitions) am.assignment.emplace_back(tp.topic, tp.partition);
          } catch (const std::exception&) {
            // Not the consumer protocol's encoding: show the member without partitions.
          }
        }
        out.members.push_back(std::move(am));
      }
      return AdminCall::Next::Done;
    };
    calls.push_back(c);
  }
  AdminResult r = run_calls(*s_, calls, deadline_after(timeout_ms));
  out = *res;
  return r;
}

AdminResult AdminClient::delete_groups(const std::vector<std::string>& groups, std::vector<AdminResult>& results,
                                       int timeout_ms) {
  auto res = std::make_shared<std::vector<AdminResult>>(groups.size());
  std::vector<std::shared_ptr<AdminCall>> calls;
  for (size_t i = 0; i < groups.size(); ++i) {
    auto c = group_call<proto::DeleteGroupsRequest>(proto::ApiKey::DeleteGroups, 0, 2, groups[i],
                                                    [](auto& req, const std::string& g) { req.groups_names = {g}; });
    c->handle = [res, i](Span frame, int16_t v, AdminCall& call) {
      auto resp = proto::decode_response<proto::DeleteGroupsResponse>(frame, v);
      if (resp.results.empty()) throw std::runtime_error("no group in the response");
      int ec = resp.results[0].error_code;
      if (auto next = coordinator_not_ready(ec, call)) return *next;
      (*res)[i] = {ec, ""};
      return AdminCall::Next::Done;
    };
    calls.push_back(c);
  }
  AdminResult r = run_calls(*s_, calls, deadline_after(timeout_ms));
  results = *res;
  return r;
}

AdminResult AdminClient::list_group_offsets(const std::string& group, std::vector<TopicPartitionOffset>& out,
                                            int timeout_ms) {
  auto c = group_call<proto::OffsetFetchRequest>(proto::ApiKey::OffsetFetch, 2, 7, group,
                                                 [](auto& req, const std::string& g) {
                                                   req.group_id = g;
                                                   req.topics.reset();  // all topics (v2+)
                                                 });
  auto res = std::make_shared<std::vector<TopicPartitionOffset>>();
  c->handle = [res](Span frame, int16_t v, AdminCall& call) {
    auto resp = proto::decode_response<proto::OffsetFetchResponse>(frame, v);
    int ec = resp.error_code;
    if (auto next = coordinator_not_ready(ec, call)) return *next;
    if (ec) {
      call.finish_with(ec, "");
      return AdminCall::Next::Done;
    }
    res->clear();
    for (auto& t : resp.topics)
      for (auto& p : t.partitions) {
        TopicPartitionOffset o;
        o.topic = t.name;
        o.partition = p.partition_index;
        o.offset = p.committed_offset;
        o.err = p.error_code;
        o.metadata = str(p.metadata);
        o.leader_epoch = p.committed_leader_epoch;
        res->push_back(std::move(o));
      }
    std::sort(res->begin(), res->end(),
              [](auto& a, auto& b) { return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition); });
    return AdminCall::Next::Done;
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  out = *res;
  return r;
}

AdminResult AdminClient::alter_group_offsets(const std::string& group, std::vector<TopicPartitionOffset>& offsets,
                                             int timeout_ms) {
  std::vector<TopicPartitionOffset> asked = offsets;
  auto c = group_call<proto::OffsetCommitRequest>(
      proto::ApiKey::OffsetCommit, 2, 8, group, [asked](auto& req, const std::string& g) {
        req.group_id = g;
        req.generation_id_or_member_epoch = -1;
        req.member_id = "";
        for (auto& a : asked) {
          proto::OffsetCommitRequest::OffsetCommitRequestPartition p;
          p.partition_index = a.partition;
          p.committed_offset = a.offset;
          p.committed_leader_epoch = -1;
          p.committed_metadata = a.metadata;
          topic_entry(req.topics, a.topic).partitions.push_back(p);
        }
      });
  auto res = std::make_shared<std::vector<TopicPartitionOffset>>(offsets);
  c->handle = [res](Span frame, int16_t v, AdminCall& call) {
    auto resp = proto::decode_response<proto::OffsetCommitResponse>(frame, v);
    for (auto& t : resp.topics)
      for (auto& p : t.partitions) {
        if (auto next = coordinator_not_ready(p.error_code, call)) return *next;
        for (auto& o : *res)
          if (o.topic == t.name && o.partition == p.partition_index) o.err = p.error_code;
      }
    return AdminCall::Next::Done;
  };
  AdminResult r = run_calls(*s_, {c}, deadline_after(timeout_ms));
  offsets = *res;
  return r;
}

}  // namespace kafka::client
