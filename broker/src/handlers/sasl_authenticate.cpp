// SaslAuthenticate (36): v0-v2. One SASL token each way (PLAIN: one round, SCRAM: two). Failures
// answer SASL_AUTHENTICATION_FAILED with the reason and close the connection; v1+ tells the
// session lifetime (connections.max.reauth.ms, KIP-368).
#include <iostream>

#include "handlers/registry.h"
#include "state.h"

namespace refbroker {

namespace proto = kafka::proto;

boost::asio::awaitable<void> handle_sasl_authenticate(RequestContext& ctx);
extern const HandlerInfo kSaslAuthenticateHandler{proto::ApiKey::SaslAuthenticate, 0, 2, &handle_sasl_authenticate};

boost::asio::awaitable<void> handle_sasl_authenticate(RequestContext& ctx) {
  auto req = ctx.decode<proto::SaslAuthenticateRequest>();
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
  auto r = ctx.session->sasl.authenticate(req.auth_bytes.str(), now.count());
  proto::SaslAuthenticateResponse resp;
  resp.error_code = kafka::code(r.error);
  if (r.error != kafka::Error::NONE) {
    resp.error_message = r.message;
    if (ctx.broker.verbose())
      std::cerr << "refbroker: SASL authentication failed on listener " << ctx.session->listener.name << ": "
                << r.message << "\n";
  } else {
    resp.error_message.reset();
  }
  resp.auth_bytes = proto::Bytes(std::string_view(r.response));
  resp.session_lifetime_ms = r.session_lifetime_ms;
  ctx.reply(resp);
  if (r.close) ctx.close_after = true;
  co_return;
}

}  // namespace refbroker
