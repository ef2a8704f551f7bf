// DeleteTopics (20): v1-v6, by name (topic IDs are not supported: UNKNOWN_TOPIC_ID).
#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;
using kafka::Error;

boost::asio::awaitable<void> handle_delete_topics(RequestContext& ctx);
extern const HandlerInfo kDeleteTopicsHandler{proto::ApiKey::DeleteTopics, 1, 6, &handle_delete_topics};

boost::asio::awaitable<void> handle_delete_topics(RequestContext& ctx) {
  auto req = ctx.decode<proto::DeleteTopicsRequest>();
  std::vector<std::optional<std::string>> names(req.topic_names.begin(), req.topic_names.end());
  for (auto& t : req.topics) names.push_back(t.name);
  proto::DeleteTopicsResponse resp;
  for (auto& name : names) {
    auto& r = resp.responses.emplace_back();
    r.name = name;
    if (!name) {
      r.error_code = kafka::code(Error::UNKNOWN_TOPIC_ID);
      continue;
    }
    if (!ctx.authorized(AclOperation::Delete, ResourceType::Topic, *name)) {
      r.error_code = kafka::code(Error::TOPIC_AUTHORIZATION_FAILED);
      continue;
    }
    auto result = ctx.broker.delete_topic(*name);
    r.error_code = kafka::code(result.error);
    if (!result.message.empty()) r.error_message = result.message;
  }
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
