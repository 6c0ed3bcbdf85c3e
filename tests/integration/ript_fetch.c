/*
 * ript_fetch - one HTTP request with libript's own client (ript_http_client),
 * over HTTP/3 or HTTP/2, for the integration tests (curl 7.88 here speaks no
 * HTTP/3).
 *
 *   ript_fetch [--http3|--http2] --cacert FILE [-X METHOD]
 *              [-H "name: value"]... [--data-file FILE]
 *              [--out FILE] [--head FILE] URL
 *
 * Prints the response status on stdout; writes the body to --out and the
 * response header fields ("name: value" lines) to --head. Gives up after
 * 10 s. Exit status 0 when a response arrived, 1 otherwise, 2 for usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/buf.h"
#include "ript/http.h"

enum { FETCH_MAX_HEADERS = 8, FETCH_TIMEOUT_MS = 10000 };

typedef struct fetch {
  uv_loop_t loop;
  uv_timer_t guard;
  ript_http_client *client;
  FILE *out, *head;
  int status, error, closing;
} fetch;

typedef struct fetch_args {
  ript_http_version version;
  const char *cacert, *method, *data_file, *out, *head, *url;
  ript_http_header headers[FETCH_MAX_HEADERS];
  size_t nheaders;
} fetch_args;

static void fetch_closed(void *user_data) {
  fetch *f = user_data;
  uv_close((uv_handle_t *)&f->guard, NULL);
}

static void fetch_finish(fetch *f) {
  if (f->closing)
    return;
  f->closing = 1;
  uv_timer_stop(&f->guard);
  ript_http_client_close(f->client, fetch_closed, f);
}

static void fetch_on_response(ript_http_exchange *ex, void *user_data) {
  fetch *f = user_data;
  f->status = ript_http_exchange_status(ex);
  for (size_t i = 0; f->head && i < ript_http_exchange_header_count(ex); ++i) {
    const ript_http_header *h = ript_http_exchange_header_at(ex, i);
    fprintf(f->head, "%s: %s\n", h->name, h->value);
  }
}

static void fetch_on_body(ript_http_exchange *ex, const uint8_t *data,
                          size_t len, void *user_data) {
  fetch *f = user_data;
  (void)ex;
  if (f->out)
    fwrite(data, 1, len, f->out);
}

static void fetch_on_close(ript_http_exchange *ex, int error,
                           void *user_data) {
  fetch *f = user_data;
  (void)ex;
  f->error = error;
  fetch_finish(f);
}

static void fetch_on_guard(uv_timer_t *t) {
  fetch *f = t->data;
  f->error = RIPT_ERR_HTTP_CLOSED;
  fprintf(stderr, "ript_fetch: no answer within %d ms\n", FETCH_TIMEOUT_MS);
  fetch_finish(f);
}

/* "name: value" becomes a lower-case name and a value, in place. */
static int fetch_header(fetch_args *a, char *line) {
  char *colon = strchr(line, ':');
  if (!colon || a->nheaders == FETCH_MAX_HEADERS)
    return -1;
  *colon = '\0';
  for (char *p = line; *p; ++p)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  char *value = colon + 1;
  while (*value == ' ')
    ++value;
  a->headers[a->nheaders].name = line;
  a->headers[a->nheaders++].value = value;
  return 0;
}

static int fetch_parse(fetch_args *a, int argc, char **argv) {
  memset(a, 0, sizeof(*a));
  a->version = RIPT_HTTP_3;
  a->method = "GET";
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int has_next = i + 1 < argc;
    if (strcmp(arg, "--http3") == 0)
      a->version = RIPT_HTTP_3;
    else if (strcmp(arg, "--http2") == 0)
      a->version = RIPT_HTTP_2;
    else if (strcmp(arg, "--cacert") == 0 && has_next)
      a->cacert = argv[++i];
    else if (strcmp(arg, "-X") == 0 && has_next)
      a->method = argv[++i];
    else if (strcmp(arg, "-H") == 0 && has_next) {
      if (fetch_header(a, argv[++i]) != 0)
        return -1;
    } else if (strcmp(arg, "--data-file") == 0 && has_next)
      a->data_file = argv[++i];
    else if (strcmp(arg, "--out") == 0 && has_next)
      a->out = argv[++i];
    else if (strcmp(arg, "--head") == 0 && has_next)
      a->head = argv[++i];
    else if (arg[0] != '-' && !a->url)
      a->url = arg;
    else
      return -1;
  }
  return a->url && a->cacert ? 0 : -1;
}

static int fetch_read(const char *path, ript_buf *out) {
  FILE *in = fopen(path, "rb");
  if (!in)
    return -1;
  char chunk[4096];
  size_t n;
  int rv = 0;
  while (rv == 0 && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
    rv = ript_buf_append(out, chunk, n);
  fclose(in);
  return rv;
}

static int fetch_start(fetch *f, const fetch_args *a, const ript_buf *body) {
  ript_http_client_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.version = a->version;
  cfg.ca_file = a->cacert;
  cfg.max_connect_attempts = 1;
  int rv = ript_http_client_new(&f->client, &f->loop, &cfg);
  if (rv != 0)
    return rv;
  ript_http_request req = {a->method, a->url, NULL, a->headers, a->nheaders,
                           a->data_file ? RIPT_HTTP_FLAG_NONE
                                        : RIPT_HTTP_FLAG_END};
  ript_http_exchange_callbacks cbs = {fetch_on_response, fetch_on_body, NULL,
                                      NULL, fetch_on_close};
  ript_http_exchange *ex = NULL;
  rv = ript_http_client_request(f->client, &req, &cbs, f, &ex);
  if (rv == 0 && a->data_file && body->len)
    rv = ript_http_exchange_write(ex, body->data, body->len);
  if (rv == 0 && a->data_file)
    rv = ript_http_exchange_end(ex);
  return rv;
}

int main(int argc, char **argv) {
  fetch_args a;
  if (fetch_parse(&a, argc, argv) != 0) {
    fprintf(stderr,
            "usage: ript_fetch [--http3|--http2] --cacert FILE [-X METHOD]\n"
            "                  [-H \"name: value\"]... [--data-file FILE]\n"
            "                  [--out FILE] [--head FILE] URL\n");
    return 2;
  }
  ript_buf body;
  ript_buf_init(&body, NULL);
  if (a.data_file && fetch_read(a.data_file, &body) != 0) {
    fprintf(stderr, "ript_fetch: cannot read %s\n", a.data_file);
    return 1;
  }
  fetch f;
  memset(&f, 0, sizeof(f));
  f.out = a.out ? fopen(a.out, "wb") : NULL;
  f.head = a.head ? fopen(a.head, "wb") : NULL;
  uv_loop_init(&f.loop);
  uv_timer_init(&f.loop, &f.guard);
  f.guard.data = &f;
  uv_timer_start(&f.guard, fetch_on_guard, FETCH_TIMEOUT_MS, 0);
  int rv = fetch_start(&f, &a, &body);
  if (rv != 0) {
    f.error = rv;
    if (f.client)
      fetch_finish(&f);
    else
      uv_close((uv_handle_t *)&f.guard, NULL);
  }
  uv_run(&f.loop, UV_RUN_DEFAULT);
  uv_loop_close(&f.loop);
  ript_buf_free(&body);
  if (f.out)
    fclose(f.out);
  if (f.head)
    fclose(f.head);
  if (!f.status) {
    fprintf(stderr, "ript_fetch: %s: %s\n", a.url, ript_strerror(f.error));
    return 1;
  }
  printf("%d\n", f.status);
  return 0;
}
