/* riptd's application state: what the configuration names, loaded and
 * checked once at startup. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "app.h"
#include "ript_prog.h"

typedef struct app_err {
  const riptd_config *cfg;
  char *buf;
  size_t len;
} app_err;

static int app_fail(app_err *e, const char *jpath, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int app_fail(app_err *e, const char *jpath, const char *fmt, ...) {
  int n = snprintf(e->buf, e->len, "%s: %s: ", e->cfg->path, jpath);
  if (n >= 0 && (size_t)n < e->len) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int app_read(app_err *e, const char *jpath, const char *file,
                    ript_buf *out) {
  int rv = ript_file_read(file, SIZE_MAX, out);
  if (rv != 0)
    return app_fail(e, jpath, "cannot read %s: %s", file,
                    rv == RIPT_ERR_NOMEM ? "out of memory" : strerror(errno));
  return 0;
}

static int app_readable(app_err *e, const char *jpath, const char *file) {
  return access(file, R_OK) == 0
             ? 0
             : app_fail(e, jpath, "cannot read %s: %s", file,
                        strerror(errno));
}

/* The directory a record file will be written to must be writable: the
 * file's own when it names a directory (recordings are DIR/UUID.wav). */
static int app_writable_dir(app_err *e, const char *jpath, const char *file) {
  struct stat st;
  if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
    return access(file, W_OK) == 0
               ? 0
               : app_fail(e, jpath, "cannot write to directory %s: %s", file,
                          strerror(errno));
  const char *slash = strrchr(file, '/');
  char dir[4096];
  size_t n = slash ? (size_t)(slash - file) : 1;
  if (n == 0)
    n = 1; /* "/file" lives in "/" */
  if (n >= sizeof(dir))
    return app_fail(e, jpath, "the file name is too long");
  memcpy(dir, slash ? file : ".", n);
  dir[n] = '\0';
  return access(dir, W_OK) == 0
             ? 0
             : app_fail(e, jpath, "cannot write to directory %s: %s", dir,
                        strerror(errno));
}

static int app_load_ca(riptd_app *app, app_err *e) {
  const riptd_config *cfg = app->cfg;
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_parse_error perr = {0, NULL};
  int rv = app_read(e, "$.stir.ca-cert", cfg->stir_ca_cert, &b);
  if (rv == 0 && ript_stir_cert_parse(&app->stir_ca, b.data, b.len, NULL,
                                      &perr) != 0)
    rv = app_fail(e, "$.stir.ca-cert", "%s is not a certificate: %s",
                  cfg->stir_ca_cert, perr.expected ? perr.expected : "");
  if (rv == 0) {
    app->stir_ca_pem = (char *)b.data; /* kept as given, for "origins" */
    ript_buf_init(&b, NULL);
    rv = app_read(e, "$.stir.ca-key", cfg->stir_ca_key, &b);
  }
  if (rv == 0 && ript_stir_key_parse(&app->stir_ca_key, b.data, b.len, NULL,
                                     &perr) != 0)
    rv = app_fail(e, "$.stir.ca-key", "%s is not an ECDSA P-256 key: %s",
                  cfg->stir_ca_key, perr.expected ? perr.expected : "");
  ript_buf_free(&b);
  return rv;
}

/* A trial issue proves the CA certificate is a CA and the key is its own,
 * so a mismatch shows at startup rather than at the first /certs. */
static int app_check_ca(riptd_app *app, app_err *e) {
  static const uint8_t serial[] = {0x01};
  ript_stir_key *key = NULL;
  ript_stir_csr *csr = NULL;
  ript_stir_cert *cert = NULL;
  ript_stir_tnauth grant;
  ript_buf b;
  ript_stir_tnauth_init(&grant, NULL);
  ript_buf_init(&b, NULL);
  int64_t nb = ript_stir_cert_not_before(app->stir_ca);
  ript_stir_cert_terms terms = {serial, sizeof(serial), nb, nb};
  int rv = ript_stir_key_generate(&key, NULL);
  if (rv == 0)
    rv = ript_stir_csr_create(key, "+10", RIPT_STIR_FORMAT_DER, &b);
  if (rv == 0)
    rv = ript_stir_csr_parse(&csr, b.data, b.len, NULL, NULL);
  if (rv == 0)
    rv = ript_stir_tnauth_add_one(&grant, "10");
  if (rv == 0)
    rv = ript_stir_cert_issue(&cert, csr, &grant, app->stir_ca,
                              app->stir_ca_key, &terms, NULL);
  ript_stir_cert_del(cert);
  ript_stir_csr_del(csr);
  ript_stir_key_del(key);
  ript_stir_tnauth_free(&grant);
  ript_buf_free(&b);
  if (rv == RIPT_ERR_INVALID_ARGUMENT)
    return app_fail(e, "$.stir", "%s is not a CA certificate, or %s is not "
                                 "its key",
                    app->cfg->stir_ca_cert, app->cfg->stir_ca_key);
  return rv == 0 ? 0
                 : app_fail(e, "$.stir", "cannot issue with the CA: %s",
                            ript_strerror(rv));
}

static int app_load_trust(riptd_app *app, app_err *e) {
  const riptd_config *cfg = app->cfg;
  if (ript_stir_trust_new(&app->trust, NULL) != 0)
    return app_fail(e, "$.stir.trust", "out of memory");
  for (size_t i = 0; i < cfg->nstir_trust; ++i) {
    char jpath[64];
    snprintf(jpath, sizeof(jpath), "$.stir.trust[%zu]", i);
    ript_buf b;
    ript_buf_init(&b, NULL);
    ript_parse_error perr = {0, NULL};
    int rv = app_read(e, jpath, cfg->stir_trust[i], &b);
    if (rv == 0 &&
        ript_stir_trust_add_pem(app->trust, b.data, b.len, &perr) != 0)
      rv = app_fail(e, jpath, "%s is not a PEM bundle of CA certificates: %s",
                    cfg->stir_trust[i], perr.expected ? perr.expected : "");
    ript_buf_free(&b);
    if (rv != 0)
      return rv;
  }
  return 0;
}

static int app_check_files(const riptd_config *cfg, app_err *e) {
  if (app_readable(e, "$.tls.cert", cfg->tls_cert) != 0 ||
      app_readable(e, "$.tls.key", cfg->tls_key) != 0)
    return -1;
  for (size_t i = 0; i < cfg->ntgs; ++i) {
    for (size_t j = 0; j < cfg->tgs[i].nroutes; ++j) {
      const riptd_route *route = &cfg->tgs[i].routes[j];
      char jpath[96];
      snprintf(jpath, sizeof(jpath), "$.tgs[%zu].routes[%zu].file", i, j);
      if (route->action == RIPTD_ACTION_PLAY &&
          app_readable(e, jpath, route->file) != 0)
        return -1;
      if (route->action == RIPTD_ACTION_RECORD &&
          app_writable_dir(e, jpath, route->file) != 0)
        return -1;
    }
  }
  return 0;
}

/* The HTTP/3 stateless reset key, from the TLS key file (app.h). HKDF
 * with a label of its own: the reset key reveals nothing of the TLS key,
 * and a change of TLS key changes it. */
static int app_reset_key(riptd_app *app, app_err *e) {
  static const char label[] = "ript quic stateless reset";
  ript_buf b;
  ript_buf_init(&b, NULL);
  int rv = app_read(e, "$.tls.key", app->cfg->tls_key, &b);
  if (rv != 0)
    return rv;
  uint8_t prk[32];
  gnutls_datum_t ikm = {b.data, (unsigned)b.len};
  gnutls_datum_t nosalt = {NULL, 0};
  gnutls_datum_t prkd = {prk, sizeof(prk)};
  gnutls_datum_t info = {(unsigned char *)(uintptr_t)label,
                         sizeof(label) - 1};
  if (b.len > UINT_MAX ||
      gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &nosalt, prk) != 0 ||
      gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &prkd, &info, app->reset_key,
                         sizeof(app->reset_key)) != 0)
    rv = app_fail(e, "$.tls.key", "cannot derive the QUIC stateless reset "
                                  "key from %s",
                  app->cfg->tls_key);
  gnutls_memset(prk, 0, sizeof(prk));
  if (b.data)
    gnutls_memset(b.data, 0, b.len);
  ript_buf_free(&b);
  return rv;
}

/* The node id: the configured one, else a random one for this run. */
static int app_node_id(riptd_app *app, app_err *e) {
  const char *conf = app->cfg->store.node_id;
  uint8_t raw[8];
  char hex[2 * sizeof(raw) + 1];
  if (!conf) {
    if (riptd_app_random(raw, sizeof(raw)) != 0)
      return app_fail(e, "$.store.node-id", "no random bytes");
    for (size_t i = 0; i < sizeof(raw); ++i)
      snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    conf = hex;
  }
  return (app->node_id = strdup(conf)) ? 0 : app_fail(e, "$", "out of memory");
}

/* The store the configuration names, on |loop|. */
static int app_store(riptd_app *app, uv_loop_t *loop, app_err *e) {
  const riptd_config *cfg = app->cfg;
  riptd_store_config scfg = {app->node_id, cfg->store.lease_ms,
                             cfg->no_byway_timeout_ms, 0};
  char err[512];
  if (cfg->store.kind == RIPTD_STORE_MEMORY)
    return riptd_store_mem_new(&app->store, loop, &scfg) == 0
               ? 0
               : app_fail(e, "$", "out of memory");
  if (riptd_store_sqlite_new(&app->store, loop, &scfg, cfg->store.path, err,
                             sizeof(err)) != 0)
    return app_fail(e, "$.store.path", "%s", err);
  return 0;
}

int riptd_app_new(riptd_app **papp, const riptd_config *cfg, uv_loop_t *loop,
                  char *errbuf, size_t errlen) {
  app_err e = {cfg, errbuf, errlen};
  riptd_app *app = calloc(1, sizeof(*app));
  if (!app)
    return app_fail(&e, "$", "out of memory");
  app->cfg = cfg;
  int rv = app_check_files(cfg, &e);
  if (rv == 0)
    rv = app_reset_key(app, &e);
  if (rv == 0)
    rv = app_load_ca(app, &e);
  if (rv == 0)
    rv = app_check_ca(app, &e);
  if (rv == 0)
    rv = app_load_trust(app, &e);
  if (rv == 0 && ript_advert_parse(&app->advert, cfg->advertisement,
                                   strlen(cfg->advertisement),
                                   RIPT_ADVERT_KIND_ADVERTISEMENT, NULL,
                                   NULL) != 0)
    rv = app_fail(&e, "$.advertisement", "cannot be parsed");
  if (rv == 0)
    rv = riptd_oauth_new(&app->oauth, cfg, errbuf, errlen);
  if (rv == 0 &&
      (!(app->rates = calloc(cfg->ncustomers + 1, sizeof(*app->rates))) ||
       !(app->token_rates = calloc(cfg->oauth.nclients + 1,
                                   sizeof(*app->token_rates)))))
    rv = app_fail(&e, "$", "out of memory");
  if (rv == 0)
    rv = app_node_id(app, &e);
  if (rv == 0)
    rv = app_store(app, loop, &e);
  if (rv != 0) {
    riptd_app_del(app);
    return -1;
  }
  *papp = app;
  return 0;
}

void riptd_app_close_store(riptd_app *app, void (*cb)(void *data), void *data) {
  riptd_store *store = app->store;
  app->store = NULL;
  riptd_store_close(store, cb, data);
}

void riptd_app_del(riptd_app *app) {
  if (!app)
    return;
  riptd_app_close_store(app, NULL, NULL);
  free(app->node_id);
  riptd_oauth_del(app->oauth);
  free(app->rates);
  free(app->token_rates);
  ript_stir_cert_del(app->stir_ca);
  ript_stir_key_del(app->stir_ca_key);
  free(app->stir_ca_pem);
  ript_stir_trust_del(app->trust);
  ript_advert_del(app->advert);
  gnutls_memset(app->reset_key, 0, sizeof(app->reset_key));
  free(app->authority);
  free(app->root);
  free(app);
}

int riptd_app_set_port(riptd_app *app, uint16_t port) {
  ript_buf auth, root;
  ript_buf_init(&auth, NULL);
  ript_buf_init(&root, NULL);
  const char *addr = app->cfg->listen_address;
  int rv;
  if (app->cfg->authority)
    rv = ript_buf_append_str(&auth, app->cfg->authority);
  else if (strchr(addr, ':'))
    rv = ript_buf_printf(&auth, "[%s]:%u",
                         strcmp(addr, "::") == 0 ? "::1" : addr, port);
  else
    rv = ript_buf_printf(&auth, "%s:%u",
                         strcmp(addr, "0.0.0.0") == 0 ? "127.0.0.1" : addr,
                         port);
  if (rv == 0)
    rv = ript_uri_root((const char *)auth.data, &root);
  if (rv != 0) {
    ript_buf_free(&auth);
    ript_buf_free(&root);
    return rv;
  }
  free(app->authority);
  free(app->root);
  app->authority = (char *)auth.data;
  app->root = (char *)root.data;
  return riptd_oauth_set_uris(app->oauth, app->authority, app->root);
}

int riptd_app_tg_uri(const riptd_app *app, const char *tg, const char *rest,
                     const char *id, ript_buf *out) {
  return ript_buf_printf(out, "%s/providertgs/%s%s%s%s%s", app->root, tg,
                         rest ? "/" : "", rest ? rest : "", id ? "/" : "",
                         id ? id : "");
}

int riptd_app_random(void *out, size_t len) {
  return gnutls_rnd(GNUTLS_RND_RANDOM, out, len) == 0 ? 0 : RIPT_ERR_CRYPTO;
}
