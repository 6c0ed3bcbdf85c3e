/* Fetching the JWK Sets of jwks-uri issuers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwks_fetch.h"
#include "ript/buf.h"
#include "ript/http.h"

enum { FETCH_BODY_MAX = 1 << 20, FETCH_TIMEOUT_MS = 10000 };

typedef struct fetch_issuer {
  riptd_jwks_fetch *f;
  size_t index;               /* in riptd_oauth's issuers */
  const riptd_issuer_conf *conf;
  ript_http_client *http;
  uv_timer_t timer;
  ript_http_exchange *ex;     /* the GET in flight, or NULL */
  ript_buf body;
  int status;
  int too_large;
  uint64_t last_ms;           /* when the last GET started */
} fetch_issuer;

struct riptd_jwks_fetch {
  uv_loop_t *loop;
  riptd_oauth *oauth;
  const riptd_config *cfg;
  fetch_issuer *issuers;
  size_t n;
  size_t open_handles;
  int closing;
};

static void fetch_log(const fetch_issuer *fi, const char *what) {
  fprintf(stderr, "riptd: $.oauth.issuers[%zu]: %s: %s\n", fi->index,
          fi->conf->jwks_uri, what);
}

static void fetch_on_response(ript_http_exchange *ex, void *user_data) {
  fetch_issuer *fi = user_data;
  fi->status = ript_http_exchange_status(ex);
}

static void fetch_on_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  fetch_issuer *fi = user_data;
  if (fi->too_large)
    return;
  if (len > FETCH_BODY_MAX - fi->body.len ||
      ript_buf_append(&fi->body, data, len) != 0) {
    fi->too_large = 1;
    ript_http_exchange_reset(ex);
  }
}

static void fetch_schedule(fetch_issuer *fi, uint64_t in_ms);

static void fetch_on_close(ript_http_exchange *ex, int error,
                           void *user_data) {
  fetch_issuer *fi = user_data;
  (void)ex;
  fi->ex = NULL;
  if (fi->f->closing)
    return;
  char line[512];
  if (fi->too_large) {
    fetch_log(fi, "the key set is larger than 1 MiB or memory ran out");
  } else if (error) {
    snprintf(line, sizeof(line), "fetching the key set failed: %s",
             ript_strerror(error));
    fetch_log(fi, line);
  } else if (fi->status != 200) {
    snprintf(line, sizeof(line), "fetching the key set: status %d",
             fi->status);
    fetch_log(fi, line);
  } else if (riptd_oauth_set_keys(fi->f->oauth, fi->index,
                                  (const char *)fi->body.data, fi->body.len,
                                  line, sizeof(line)) != 0) {
    fetch_log(fi, line);
  }
  ript_buf_reset(&fi->body);
  fetch_schedule(fi, (uint64_t)fi->f->cfg->oauth.jwks_refresh_s * 1000);
}

static void fetch_start(fetch_issuer *fi) {
  if (fi->ex || fi->f->closing)
    return;
  static const ript_http_header accept[] = {
      {"accept", "application/jwk-set+json, application/json"},
      {"user-agent", "riptd/0.1.0"}};
  ript_http_request req = {"GET", fi->conf->jwks_uri, NULL, accept, 2,
                           RIPT_HTTP_FLAG_END | RIPT_HTTP_FLAG_NO_COOKIES};
  ript_http_exchange_callbacks cbs = {fetch_on_response, fetch_on_body, NULL,
                                      NULL, fetch_on_close};
  fi->status = 0;
  fi->too_large = 0;
  fi->last_ms = uv_now(fi->f->loop);
  int rv = ript_http_client_request(fi->http, &req, &cbs, fi, &fi->ex);
  if (rv != 0) {
    fi->ex = NULL;
    fetch_log(fi, ript_strerror(rv));
    fetch_schedule(fi, (uint64_t)fi->f->cfg->oauth.jwks_refresh_s * 1000);
  }
}

static void fetch_on_timer(uv_timer_t *timer) { fetch_start(timer->data); }

static void fetch_schedule(fetch_issuer *fi, uint64_t in_ms) {
  uv_timer_start(&fi->timer, fetch_on_timer, in_ms, 0);
}

/* A token named a kid issuer |index| lacks: fetch again, not too often. */
static void fetch_on_unknown_key(void *data, size_t index) {
  riptd_jwks_fetch *f = data;
  for (size_t i = 0; i < f->n; ++i) {
    fetch_issuer *fi = &f->issuers[i];
    if (fi->index != index || fi->ex)
      continue;
    uint64_t since = uv_now(f->loop) - fi->last_ms;
    fetch_schedule(fi, since >= RIPTD_OAUTH_RELOAD_MIN_MS
                           ? 0
                           : RIPTD_OAUTH_RELOAD_MIN_MS - since);
  }
}

static int fetch_issuer_init(riptd_jwks_fetch *f, fetch_issuer *fi,
                             size_t index, const riptd_issuer_conf *conf) {
  fi->f = f;
  fi->index = index;
  fi->conf = conf;
  ript_buf_init(&fi->body, NULL);
  ript_http_client_config hc;
  memset(&hc, 0, sizeof(hc));
  hc.version = RIPT_HTTP_2;
  hc.ca_file = conf->jwks_cacert;
  int rv = ript_http_client_new(&fi->http, f->loop, &hc);
  if (rv != 0) {
    fetch_log(fi, rv == RIPT_ERR_HTTP_TLS ? "cannot load jwks-cacert"
                                          : ript_strerror(rv));
    return rv;
  }
  uv_timer_init(f->loop, &fi->timer);
  fi->timer.data = fi;
  f->open_handles += 2;
  fetch_schedule(fi, 0);
  return 0;
}

int riptd_jwks_fetch_new(riptd_jwks_fetch **pf, uv_loop_t *loop,
                         riptd_oauth *o, const riptd_config *cfg) {
  riptd_jwks_fetch *f = calloc(1, sizeof(*f));
  size_t n = 0;
  for (size_t i = 0; i < riptd_oauth_nissuers(o); ++i)
    n += riptd_oauth_issuer_conf(o, i)->jwks_uri != NULL;
  if (!f || !(f->issuers = calloc(n + 1, sizeof(*f->issuers)))) {
    free(f);
    return RIPT_ERR_NOMEM;
  }
  f->loop = loop;
  f->oauth = o;
  f->cfg = cfg;
  int rv = 0;
  for (size_t i = 0; rv == 0 && i < riptd_oauth_nissuers(o); ++i) {
    const riptd_issuer_conf *conf = riptd_oauth_issuer_conf(o, i);
    if (conf->jwks_uri)
      rv = fetch_issuer_init(f, &f->issuers[f->n++], i, conf);
  }
  riptd_oauth_on_unknown_key(o, fetch_on_unknown_key, f);
  *pf = f;
  if (rv != 0) {
    --f->n; /* the one that failed holds no handle */
    riptd_jwks_fetch_close(f);
    *pf = NULL;
  }
  return rv;
}

static void fetch_maybe_free(riptd_jwks_fetch *f) {
  if (f->open_handles)
    return;
  for (size_t i = 0; i < f->n; ++i)
    ript_buf_free(&f->issuers[i].body);
  free(f->issuers);
  free(f);
}

static void fetch_on_http_closed(void *user_data) {
  riptd_jwks_fetch *f = user_data;
  --f->open_handles;
  fetch_maybe_free(f);
}

static void fetch_on_timer_closed(uv_handle_t *handle) {
  fetch_issuer *fi = handle->data;
  riptd_jwks_fetch *f = fi->f;
  --f->open_handles;
  fetch_maybe_free(f);
}

void riptd_jwks_fetch_close(riptd_jwks_fetch *f) {
  if (!f || f->closing)
    return;
  f->closing = 1;
  riptd_oauth_on_unknown_key(f->oauth, NULL, NULL);
  size_t n = f->n;
  if (n == 0) {
    fetch_maybe_free(f);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    fetch_issuer *fi = &f->issuers[i];
    uv_close((uv_handle_t *)&fi->timer, fetch_on_timer_closed);
    ript_http_client_close(fi->http, fetch_on_http_closed, f);
  }
}
