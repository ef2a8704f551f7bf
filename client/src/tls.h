// TLS for broker connections: the client-wide OpenSSL context (CA store, client certificate,
// ciphers) and per-connection setup (SNI, host name verification). Included only by the .cpp
// files that speak TLS, so Asio's SSL headers and OpenSSL stay out of the core's headers.
#pragma once

#include <boost/asio/ssl.hpp>

#include <string>

#include "config.h"
#include "io.h"

namespace kafka::client {

class TlsContext {
 public:
  explicit TlsContext(const SecurityConfig& sec);
  asio::ssl::context& ctx() { return ctx_; }
  bool verify_certificate() const { return verify_certificate_; }
  bool verify_hostname() const { return verify_hostname_; }

 private:
  std::string key_password_;  // read by OpenSSL's password callback while the key loads
  asio::ssl::context ctx_;
  bool verify_certificate_, verify_hostname_;
};

// Configures one connection's SSL object for `host`: SNI (names only, not IP literals) and, with
// ssl.endpoint.identification.algorithm=https, the name or IP the certificate's SAN must match.
void tls_prepare_connection(TlsContext& tls, SSL* ssl, const std::string& host);

// A readable reason for a failed handshake: OpenSSL's error and, for verification failures, the
// certificate problem ("certificate has expired", "hostname mismatch", ...) and a hint.
std::string tls_handshake_error(const boost::system::error_code& ec, SSL* ssl);

}  // namespace kafka::client
