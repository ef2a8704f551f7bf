// SaslHandshake (17): v0-v1. Picks the mechanism; v0 is followed by raw SASL tokens, v1 by
// SaslAuthenticate requests. Allowed again on an authenticated connection (KIP-368
// re-authentication). Answered UNSUPPORTED_SASL_MECHANISM with the enabled list otherwise, and
// ILLEGAL_SASL_STATE on a listener without SASL.
#include "handlers/registry.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_sasl_handshake(RequestContext& ctx);
extern const HandlerInfo kSaslHandshakeHandler{proto::ApiKey::SaslHandshake, 0, 1, &handle_sasl_handshake};

boost::asio::awaitable<void> handle_sasl_handshake(RequestContext& ctx) {
  auto req = ctx.decode<proto::SaslHandshakeRequest>();
  auto r = ctx.session->sasl.handshake(req.mechanism, ctx.version());
  proto::SaslHandshakeResponse resp;
  resp.error_code = kafka::code(r.error);
  resp.mechanisms = r.mechanisms;
  ctx.reply(resp);
  // An unsupported mechanism or out-of-order handshake before authentication ends the
  // connection, as Kafka does (the client learns the enabled mechanisms first).
  if (r.error != kafka::Error::NONE && !ctx.session->sasl.authenticated()) ctx.close_after = true;
  co_return;
}

}  // namespace refbroker
