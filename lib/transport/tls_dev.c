/* Development certificates for `riptd --dev` and the tests: a CA and a
 * server certificate for loopback, made with GnuTLS and kept on disk. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "http_internal.h"

enum { DEV_VALID_DAYS = 3650 };

static int dev_write(const char *dir, const char *name,
                     const gnutls_datum_t *pem) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return RIPT_ERR_INVALID_ARGUMENT;
  size_t n = fwrite(pem->data, 1, pem->size, f);
  return fclose(f) == 0 && n == pem->size ? 0 : RIPT_ERR_INVALID_ARGUMENT;
}

static int dev_exists(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return access(path, R_OK) == 0;
}

static int dev_read(const char *dir, const char *name, gnutls_datum_t *out) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return gnutls_load_file(path, out) == 0 ? 0 : RIPT_ERR_HTTP_TLS;
}

static int dev_key_new(gnutls_x509_privkey_t *key) {
  if (gnutls_x509_privkey_init(key) < 0)
    return RIPT_ERR_HTTP_TLS;
  if (gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
                                   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                                   0) < 0) {
    gnutls_x509_privkey_deinit(*key);
    return RIPT_ERR_HTTP_TLS;
  }
  return 0;
}

/* Fields common to both certificates. */
static int dev_crt_base(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key,
                        const char *cn, unsigned serial) {
  time_t now = time(NULL);
  unsigned char serial_bytes[4] = {(unsigned char)(serial >> 24),
                                   (unsigned char)(serial >> 16),
                                   (unsigned char)(serial >> 8),
                                   (unsigned char)serial};
  if (gnutls_x509_crt_set_version(crt, 3) < 0 ||
      gnutls_x509_crt_set_key(crt, key) < 0 ||
      gnutls_x509_crt_set_serial(crt, serial_bytes, sizeof(serial_bytes)) < 0 ||
      gnutls_x509_crt_set_activation_time(crt, now - 3600) < 0 ||
      gnutls_x509_crt_set_expiration_time(
          crt, now + (time_t)DEV_VALID_DAYS * 86400) < 0 ||
      gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                    (unsigned)strlen(cn)) < 0)
    return RIPT_ERR_HTTP_TLS;
  return 0;
}

static int dev_add_san(gnutls_x509_crt_t crt, const char *host) {
  unsigned char ip[16];
  if (inet_pton(AF_INET, host, ip) == 1)
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip,
                                                4, GNUTLS_FSAN_APPEND);
  if (inet_pton(AF_INET6, host, ip) == 1)
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip,
                                                16, GNUTLS_FSAN_APPEND);
  return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
                                              (unsigned)strlen(host),
                                              GNUTLS_FSAN_APPEND);
}

static int dev_export(const char *dir, const char *crt_name,
                      gnutls_x509_crt_t crt, const char *key_name,
                      gnutls_x509_privkey_t key) {
  gnutls_datum_t pem = {NULL, 0};
  int rv = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem) < 0
               ? RIPT_ERR_HTTP_TLS
               : dev_write(dir, crt_name, &pem);
  gnutls_free(pem.data);
  if (rv != 0)
    return rv;
  pem.data = NULL;
  rv = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &pem) < 0
           ? RIPT_ERR_HTTP_TLS
           : dev_write(dir, key_name, &pem);
  gnutls_free(pem.data);
  return rv;
}

static int dev_make_ca(const char *dir) {
  gnutls_x509_privkey_t key;
  gnutls_x509_crt_t crt;
  int rv = dev_key_new(&key);
  if (rv != 0)
    return rv;
  if (gnutls_x509_crt_init(&crt) < 0) {
    gnutls_x509_privkey_deinit(key);
    return RIPT_ERR_HTTP_TLS;
  }
  rv = dev_crt_base(crt, key, "ript development CA", 1);
  if (rv == 0 && (gnutls_x509_crt_set_basic_constraints(crt, 1, 0) < 0 ||
                  gnutls_x509_crt_set_key_usage(
                      crt, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN) < 0 ||
                  gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0))
    rv = RIPT_ERR_HTTP_TLS;
  if (rv == 0)
    rv = dev_export(dir, "ca.pem", crt, "ca-key.pem", key);
  gnutls_x509_crt_deinit(crt);
  gnutls_x509_privkey_deinit(key);
  return rv;
}

static int dev_load_ca(const char *dir, gnutls_x509_crt_t *crt,
                       gnutls_x509_privkey_t *key) {
  gnutls_datum_t crt_pem = {NULL, 0}, key_pem = {NULL, 0};
  int rv = dev_read(dir, "ca.pem", &crt_pem);
  if (rv == 0)
    rv = dev_read(dir, "ca-key.pem", &key_pem);
  if (rv == 0 && (gnutls_x509_crt_init(crt) < 0))
    rv = RIPT_ERR_HTTP_TLS;
  if (rv == 0 && gnutls_x509_privkey_init(key) < 0) {
    gnutls_x509_crt_deinit(*crt);
    rv = RIPT_ERR_HTTP_TLS;
  }
  if (rv == 0 &&
      (gnutls_x509_crt_import(*crt, &crt_pem, GNUTLS_X509_FMT_PEM) < 0 ||
       gnutls_x509_privkey_import(*key, &key_pem, GNUTLS_X509_FMT_PEM) < 0)) {
    gnutls_x509_crt_deinit(*crt);
    gnutls_x509_privkey_deinit(*key);
    rv = RIPT_ERR_HTTP_TLS;
  }
  gnutls_free(crt_pem.data);
  gnutls_free(key_pem.data);
  return rv;
}

static int dev_make_server(const char *dir, const char *const *hosts,
                           size_t nhosts) {
  gnutls_x509_crt_t ca, crt;
  gnutls_x509_privkey_t ca_key, key;
  int rv = dev_load_ca(dir, &ca, &ca_key);
  if (rv != 0)
    return rv;
  rv = dev_key_new(&key);
  if (rv == 0 && gnutls_x509_crt_init(&crt) < 0) {
    gnutls_x509_privkey_deinit(key);
    rv = RIPT_ERR_HTTP_TLS;
  }
  if (rv == 0) {
    static const char *const loopback[] = {"localhost", "127.0.0.1", "::1"};
    rv = dev_crt_base(crt, key, "localhost", (unsigned)time(NULL));
    for (size_t i = 0; rv == 0 && i < 3 + nhosts; ++i)
      if (dev_add_san(crt, i < 3 ? loopback[i] : hosts[i - 3]) < 0)
        rv = RIPT_ERR_HTTP_TLS;
    if (rv == 0 &&
        (gnutls_x509_crt_set_basic_constraints(crt, 0, -1) < 0 ||
         gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) < 0 ||
         gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
                                             0) < 0 ||
         gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0) < 0))
      rv = RIPT_ERR_HTTP_TLS;
    if (rv == 0)
      rv = dev_export(dir, "server.pem", crt, "server-key.pem", key);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
  }
  gnutls_x509_crt_deinit(ca);
  gnutls_x509_privkey_deinit(ca_key);
  return rv;
}

int ript_tls_dev_certs(const char *dir, const char *const *hosts,
                       size_t nhosts) {
  if (!dir || (nhosts && !hosts))
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = 0;
  if (!dev_exists(dir, "ca.pem") || !dev_exists(dir, "ca-key.pem"))
    rv = dev_make_ca(dir);
  if (rv == 0 &&
      (!dev_exists(dir, "server.pem") || !dev_exists(dir, "server-key.pem")))
    rv = dev_make_server(dir, hosts, nhosts);
  return rv;
}
