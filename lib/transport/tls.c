/* TLS credentials shared by both HTTP versions, and what a client session
 * of either needs (SNI, verification of the server); each backend sets up
 * the rest of its sessions (ALPN, priorities). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http_internal.h"

int ript_tls_server_credentials(gnutls_certificate_credentials_t *cred,
                                const char *cert_file, const char *key_file) {
  if (!cert_file || !key_file)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (gnutls_certificate_allocate_credentials(cred) != GNUTLS_E_SUCCESS)
    return RIPT_ERR_NOMEM;
  if (gnutls_certificate_set_x509_key_file(*cred, cert_file, key_file,
                                           GNUTLS_X509_FMT_PEM) < 0) {
    gnutls_certificate_free_credentials(*cred);
    return RIPT_ERR_HTTP_TLS;
  }
  return 0;
}

int ript_tls_client_credentials(gnutls_certificate_credentials_t *cred,
                                const char *ca_file) {
  if (gnutls_certificate_allocate_credentials(cred) != GNUTLS_E_SUCCESS)
    return RIPT_ERR_NOMEM;
  /* A machine without a system store still works with ca_file alone. */
  (void)gnutls_certificate_set_x509_system_trust(*cred);
  if (ca_file && gnutls_certificate_set_x509_trust_file(
                     *cred, ca_file, GNUTLS_X509_FMT_PEM) <= 0) {
    gnutls_certificate_free_credentials(*cred);
    return RIPT_ERR_HTTP_TLS;
  }
  return 0;
}

static int tls_host_is_ip(const char *host) {
  uint8_t addr[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host, addr) == 1 ||
         inet_pton(AF_INET6, host, addr) == 1;
}

int ript_tls_client_verify(gnutls_session_t tls, const char *host) {
  /* SNI carries names only (RFC 6066 §3); verification covers both. */
  if (!tls_host_is_ip(host)) {
    int rv = gnutls_server_name_set(tls, GNUTLS_NAME_DNS, host, strlen(host));
    if (rv != 0)
      return rv == GNUTLS_E_MEMORY_ERROR ? RIPT_ERR_NOMEM : RIPT_ERR_HTTP_TLS;
  }
  gnutls_session_set_verify_cert(tls, host, 0);
  return 0;
}
