/* TLS credentials shared by both HTTP versions. Sessions (ALPN, SNI,
 * verification of the peer) are set up by each backend. */
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
