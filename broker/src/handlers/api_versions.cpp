// ApiVersions (18): v0-v4. An unsupported version is answered in v0 format with
// UNSUPPORTED_VERSION and our ranges (KIP-511), so clients retry with a version we speak.
#include "handlers/registry.h"

namespace refbroker {

kafka::proto::ApiVersionsResponse api_versions_table() {
  kafka::proto::ApiVersionsResponse resp;
  for (const auto& h : handlers()) {
    resp.api_keys.push_back({static_cast<int16_t>(h.key), h.min_version, h.max_version});
  }
  return resp;
}

boost::asio::awaitable<void> handle_api_versions(RequestContext& ctx);
extern const HandlerInfo kApiVersionsHandler{kafka::proto::ApiKey::ApiVersions, 0, 4, &handle_api_versions};

boost::asio::awaitable<void> handle_api_versions(RequestContext& ctx) {
  auto resp = api_versions_table();
  if (ctx.version() > kApiVersionsHandler.max_version) {
    resp.error_code = kafka::code(kafka::Error::UNSUPPORTED_VERSION);
    kafka::proto::encode_response(ctx.out, resp, 0, ctx.header.correlation_id);
    co_return;
  }
  // The request body (client software name/version) is informational; parse it to reject garbage.
  (void)ctx.decode<kafka::proto::ApiVersionsRequest>();
  ctx.reply(resp);
  co_return;
}

}  // namespace refbroker
