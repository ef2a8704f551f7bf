#include "tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace kafka::client {
namespace {

std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

struct TlsSetupError {
  std::string what;
};

void check(int rc, const char* property) {
  if (rc != 1) throw TlsSetupError{std::string(property) + " failed: " + openssl_errors()};
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int password_cb(char* buf, int size, int, void* userdata) {
  const auto* pw = static_cast<const std::string*>(userdata);
  int n = static_cast<int>(std::min<size_t>(pw->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pw->data(), static_cast<size_t>(n));
  return n;
}

// PEM objects from memory (ssl.*.pem properties).
BIO* mem_bio(const std::string& pem) { return BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())); }

}  // namespace

TlsContext::TlsContext(const SecurityConfig& sec)
    : key_password_(sec.key_password),
      ctx_(asio::ssl::context::tls_client),
      verify_certificate_(sec.verify_certificate),
      verify_hostname_(sec.verify_hostname) {
  SSL_CTX* ctx = ctx_.native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (!sec.cipher_suites.empty()) check(SSL_CTX_set_cipher_list(ctx, sec.cipher_suites.c_str()), "ssl.cipher.suites");
  if (!sec.curves_list.empty())
    check(static_cast<int>(SSL_CTX_set1_curves_list(ctx, sec.curves_list.c_str())), "ssl.curves.list");
  if (!sec.sigalgs_list.empty())
    check(static_cast<int>(SSL_CTX_set1_sigalgs_list(ctx, sec.sigalgs_list.c_str())), "ssl.sigalgs.list");

  // Trust: ssl.ca.pem, else ssl.ca.location (file or hashed directory), else the system store.
  if (!sec.ca_pem.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    BIO* bio = mem_bio(sec.ca_pem);
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      if (X509_STORE_add_cert(store, cert) == 1) ++added;
      X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();  // the loop ends with a "no start line" error
    if (added == 0) throw TlsSetupError{"ssl.ca.pem failed: no certificate could be read"};
  } else if (sec.ca_location == "probe") {
    // As librdkafka: the usual bundle files and directories of Linux/BSD distributions.
    static const char* const files[] = {"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                        "/etc/ssl/ca-bundle.pem", "/etc/pki/tls/cacert.pem", "/etc/ssl/cert.pem",
                                        "/usr/local/etc/openssl/cert.pem"};
    static const char* const dirs[] = {"/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/openssl/certs"};
    bool loaded = false;
    for (const char* f : files)
      if (::access(f, R_OK) == 0 && SSL_CTX_load_verify_locations(ctx, f, nullptr) == 1) loaded = true;
    for (const char* d : dirs)
      if (is_directory(d) && SSL_CTX_load_verify_locations(ctx, nullptr, d) == 1) loaded = true;
    ERR_clear_error();
    if (!loaded) check(SSL_CTX_set_default_verify_paths(ctx), "ssl.ca.location (probe)");
  } else if (!sec.ca_location.empty()) {
    if (is_directory(sec.ca_location))
      check(SSL_CTX_load_verify_locations(ctx, nullptr, sec.ca_location.c_str()), "ssl.ca.location");
    else
      check(SSL_CTX_load_verify_locations(ctx, sec.ca_location.c_str(), nullptr), "ssl.ca.location");
  } else {
    check(SSL_CTX_set_default_verify_paths(ctx), "ssl.ca.location (system default)");
  }
  if (!sec.crl_location.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (!lookup || X509_load_crl_file(lookup, sec.crl_location.c_str(), X509_FILETYPE_PEM) <= 0)
      throw TlsSetupError{"ssl.crl.location failed: " + openssl_errors()};
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }

  // Client certificate and key (for brokers with ssl.client.auth).
  // Always set (empty without ssl.key.password), so an encrypted key never makes OpenSSL prompt
  // on the terminal. Through Asio: its context owns (and deletes) the callback's user data.
  ctx_.set_password_callback([pw = sec.key_password](size_t, asio::ssl::context::password_purpose) { return pw; });
  if (!sec.certificate_pem.empty()) {
    BIO* bio = mem_bio(sec.certificate_pem);
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!cert) throw TlsSetupError{"ssl.certificate.pem failed: " + openssl_errors()};
    int rc = SSL_CTX_use_certificate(ctx, cert);
    X509_free(cert);
    check(rc, "ssl.certificate.pem");
  } else if (!sec.certificate_location.empty()) {
    check(SSL_CTX_use_certificate_chain_file(ctx, sec.certificate_location.c_str()), "ssl.certificate.location");
  }
  if (!sec.key_pem.empty()) {
    BIO* bio = mem_bio(sec.key_pem);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, password_cb, const_cast<std::string*>(&key_password_));
    BIO_free(bio);
    if (!key) throw TlsSetupError{"ssl.key.pem failed: " + openssl_errors()};
    int rc = SSL_CTX_use_PrivateKey(ctx, key);
    EVP_PKEY_free(key);
    check(rc, "ssl.key.pem");
  } else if (!sec.key_location.empty()) {
    check(SSL_CTX_use_PrivateKey_file(ctx, sec.key_location.c_str(), SSL_FILETYPE_PEM), "ssl.key.location");
  }
  bool has_cert = !sec.certificate_pem.empty() || !sec.certificate_location.empty();
  bool has_key = !sec.key_pem.empty() || !sec.key_location.empty();
  if (has_cert && has_key) check(SSL_CTX_check_private_key(ctx), "ssl.key.location (does not match the certificate)");

  SSL_CTX_set_verify(ctx, verify_certificate_ ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
}

std::shared_ptr<TlsContext> make_tls_context(const SecurityConfig& sec, std::string& errstr) {
  try {
    return std::make_shared<TlsContext>(sec);
  } catch (const TlsSetupError& e) {
    errstr = e.what;
  } catch (const std::exception& e) {
    errstr = std::string("SSL context setup failed: ") + e.what();
  }
  return nullptr;
}

void tls_prepare_connection(TlsContext& tls, SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  (void)asio::ip::make_address(host, ec);
  bool is_ip = !ec;
  if (!is_ip) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (tls.verify_certificate() && tls.verify_hostname()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (is_ip) X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
}

std::string tls_handshake_error(const boost::system::error_code& ec, SSL* ssl) {
  std::string out = "SSL handshake failed: " + ec.message();
  long verify = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (verify != X509_V_OK) {
    out += std::string(": ") + X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
      out += ": the broker certificate does not name this host (see ssl.endpoint.identification.algorithm)";
    else if (verify == X509_V_ERR_CERT_HAS_EXPIRED || verify == X509_V_ERR_CERT_NOT_YET_VALID)
      out += ": the broker certificate is outside its validity period";
    else
      out += ": broker certificate could not be verified, verify that ssl.ca.location is correctly configured or "
             "root CA certificates are installed (install ca-certificates package)";
  } else if (ec.message().find("unexpected message") != std::string::npos ||
             ec.message().find("alert") != std::string::npos) {
    out += ": client SSL authentication might be required (see ssl.key.location and ssl.certificate.location and "
           "consult the broker logs for more information)";
  }
  return out;
}

}  // namespace kafka::client
