/*
 * Fuzzes riptd's request layer: whole HTTP requests (method, path, header
 * fields, body) go through the router exactly as the front hands them over
 * (a byway check first, then the resource, the loop run until it answers),
 * with the transport replaced by memory. The server is riptd --dev's: its
 * configuration, STIR CA, built-in authorization server and a call in the
 * store, made once in a temporary directory.
 *
 * Input: "METHOD\nPATH\n", then "name: value\n" header lines up to an
 * empty line, then the body. In header values "$TOKEN" becomes the dev
 * customer's static token, "$JWT" an access token from the built-in
 * authorization server, "$CALL" the stored call's UUID in paths. Whatever
 * the input, the response must be a status from 200 to 599 with a body
 * whose length is consistent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "dev.h"
#include "router.h"

enum { FUZZ_MAX_HEADERS = 16, FUZZ_FIELD_MAX = 2048 };

static const char fuzz_call_uuid[] = "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";

static struct {
  char dir[64];
  riptd_config cfg;
  uv_loop_t loop; /* the store's */
  riptd_app *app;
  char jwt[1024];
  int64_t now_ms;
  int ready;
} fz;

static void fuzz_cleanup(void) {
  riptd_app_del(fz.app);
  uv_run(&fz.loop, UV_RUN_DEFAULT);
  uv_loop_close(&fz.loop);
  riptd_config_free(&fz.cfg);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz.dir);
  if (fz.dir[0] && system(cmd) != 0)
    fprintf(stderr, "request_fuzz: could not remove %s\n", fz.dir);
}

static void fuzz_done(void *data) { ++*(int *)data; }

/* Runs the loop until |*done|; nonzero when it ran out of work first. */
static int fuzz_run(const int *done) {
  while (!*done)
    if (!uv_run(&fz.loop, UV_RUN_ONCE) && !*done)
      return -1;
  return 0;
}

typedef struct fuzz_added {
  int done, rv;
} fuzz_added;

static void fuzz_call_added(void *data, int rv, const riptd_call_rec *rec) {
  fuzz_added *a = data;
  (void)rec;
  a->rv = rv;
  a->done = 1;
}

/* A call of the dev customer on TG main, so call paths find one. */
static int fuzz_store_call(void) {
  riptd_call_rec rec;
  memset(&rec, 0, sizeof(rec));
  memcpy(rec.uuid, fuzz_call_uuid, sizeof(fuzz_call_uuid));
  rec.customer = fz.cfg.customers[0].name;
  rec.tg = fz.cfg.tgs[0].name;
  rec.handler_id = "phone";
  rec.from = "+15550100000";
  rec.to = "+15550101001";
  rec.client_directives = "1 to 1: PCMU;";
  rec.server_directives = "1 to 1: PCMU;";
  rec.state = RIPT_CALL_ANSWERED;
  rec.created_ms = fz.now_ms;
  fuzz_added a = {0, 0};
  riptd_store_call_add(fz.app->store, &rec, 1, fz.now_ms, fuzz_call_added, &a);
  return fuzz_run(&a.done) == 0 ? a.rv : -1;
}

static int fuzz_init(void) {
  char err[1024], path[512];
  snprintf(fz.dir, sizeof(fz.dir), "/tmp/ript-request-fuzz-XXXXXX");
  if (!mkdtemp(fz.dir) || uv_loop_init(&fz.loop) != 0 ||
      riptd_dev_prepare(fz.dir, "127.0.0.1:4433", 0, 0, path, sizeof(path), err,
                        sizeof(err)) != 0 ||
      riptd_config_load(&fz.cfg, path, err, sizeof(err)) != 0) {
    fprintf(stderr, "request_fuzz: %s\n", err);
    return -1;
  }
  /* Every input is one request at the same instant: no rate limit. */
  fz.cfg.limits.requests_per_second = 1000000;
  ript_buf jwt;
  ript_buf_init(&jwt, NULL);
  fz.now_ms = 1795000000000;
  if (riptd_app_new(&fz.app, &fz.cfg, &fz.loop, err, sizeof(err)) != 0 ||
      riptd_app_set_port(fz.app, 4433) != 0 || fuzz_store_call() != 0 ||
      riptd_oauth_server_issue(fz.app->oauth, &fz.cfg.oauth.clients[0],
                               fz.cfg.oauth.clients[0].scope, fz.now_ms,
                               &jwt) != 0 ||
      jwt.len >= sizeof(fz.jwt)) {
    fprintf(stderr, "request_fuzz: cannot start the app\n");
    ript_buf_free(&jwt);
    return -1;
  }
  memcpy(fz.jwt, jwt.data, jwt.len);
  ript_buf_free(&jwt);
  atexit(fuzz_cleanup);
  return 0;
}

/* Copies |len| bytes of |in| to |out| with the placeholders replaced;
 * returns -1 when it does not fit. */
static int fuzz_expand(const char *in, size_t len, char *out, size_t cap) {
  static const char *const names[] = {"$TOKEN", "$JWT", "$CALL"};
  const char *values[] = {fz.cfg.customers[0].tokens[0], fz.jwt,
                          fuzz_call_uuid};
  size_t n = 0;
  for (size_t i = 0; i < len;) {
    size_t k = 0;
    while (k < 3 && (len - i < strlen(names[k]) ||
                     memcmp(in + i, names[k], strlen(names[k])) != 0))
      ++k;
    const char *piece = k < 3 ? values[k] : in + i;
    size_t plen = k < 3 ? strlen(values[k]) : 1;
    if (n + plen >= cap)
      return -1;
    memcpy(out + n, piece, plen);
    n += plen;
    i += k < 3 ? strlen(names[k]) : 1;
  }
  out[n] = '\0';
  return memchr(out, '\0', n) ? -1 : 0;
}

/* The next line of |*p| (up to |end|) expanded into |out|. */
static int fuzz_line(const char **p, const char *end, char *out) {
  const char *nl = memchr(*p, '\n', (size_t)(end - *p));
  if (!nl)
    return -1;
  int rv = fuzz_expand(*p, (size_t)(nl - *p), out, FUZZ_FIELD_MAX);
  *p = nl + 1;
  return rv;
}

typedef struct fuzz_request {
  char method[FUZZ_FIELD_MAX], path[FUZZ_FIELD_MAX];
  char names[FUZZ_MAX_HEADERS][64], values[FUZZ_MAX_HEADERS][FUZZ_FIELD_MAX];
  ript_http_header headers[FUZZ_MAX_HEADERS];
  riptd_request req;
} fuzz_request;

static int fuzz_parse(const uint8_t *data, size_t size, fuzz_request *r) {
  const char *p = (const char *)data, *end = p + size;
  if (fuzz_line(&p, end, r->method) != 0 || fuzz_line(&p, end, r->path) != 0)
    return -1;
  size_t n = 0;
  char line[FUZZ_FIELD_MAX];
  while (n < FUZZ_MAX_HEADERS && fuzz_line(&p, end, line) == 0 && line[0]) {
    char *colon = strchr(line, ':');
    if (!colon || colon == line || (size_t)(colon - line) >= 64)
      return -1;
    size_t nlen = (size_t)(colon - line);
    for (size_t i = 0; i < nlen; ++i) /* the front hands over lower case */
      r->names[n][i] =
          (char)(line[i] >= 'A' && line[i] <= 'Z' ? line[i] + 32 : line[i]);
    r->names[n][nlen] = '\0';
    snprintf(r->values[n], sizeof(r->values[n]), "%s",
             colon[1] == ' ' ? colon + 2 : colon + 1);
    r->headers[n] = (ript_http_header){r->names[n], r->values[n]};
    ++n;
  }
  r->req = (riptd_request){r->method, r->path, r->headers, n,
                           (const uint8_t *)p, (size_t)(end - p), fz.now_ms};
  return 0;
}

static void fuzz_check(const riptd_response *resp) {
  if (resp->status < 200 || resp->status > 599 ||
      (resp->body.len && !resp->body.data))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!fz.ready) {
    if (fuzz_init() != 0)
      abort();
    fz.ready = 1;
  }
  static fuzz_request r;
  if (fuzz_parse(data, size, &r) != 0)
    return 0;
  riptd_response resp;
  riptd_response_init(&resp);
  riptd_byway_path byway;
  int rv = riptd_router_byway(fz.app, &r.req, &resp, &byway);
  if (rv == RIPTD_ROUTER_ANSWERED)
    fuzz_check(&resp);
  else if (rv == RIPTD_ROUTER_NOT_BYWAY) {
    int done = 0;
    riptd_router_handle(fz.app, &r.req, &resp, fuzz_done, &done);
    if (fuzz_run(&done) != 0)
      abort(); /* an answer that never comes */
    fuzz_check(&resp);
  }
  riptd_response_free(&resp);
  return 0;
}
