/*
 * riptd - the RIPT server: riptd's resources over HTTP/3 and HTTP/2 on one
 * port, on libript's core and transport. Exit status: 0 after SIGINT or
 * SIGTERM, 2 for a usage or configuration error, 1 for anything else.
 * SIGUSR1 asks every live call to migrate (§9.13) and goes on serving.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "app.h"
#include "config.h"
#include "dev.h"
#include "front.h"
#include "jwks_fetch.h"
#include "options.h"

enum { EXIT_USAGE = 2 };

typedef struct riptd_main {
  uv_loop_t loop;
  uv_signal_t sigint, sigterm, sigusr1;
  riptd_app *app;
  riptd_front *front;
  riptd_jwks_fetch *jwks;
  int closing;
} riptd_main;

/* The live calls have ended: what they and the requests wrote lands, then
 * the store closes. */
static void main_front_closed(void *data) {
  riptd_main *m = data;
  if (m->app)
    riptd_app_close_store(m->app, NULL, NULL);
}

/* Closes the signal handles, the server and then the store; the loop then
 * ends. */
static void main_stop(riptd_main *m) {
  if (m->closing)
    return;
  m->closing = 1;
  uv_close((uv_handle_t *)&m->sigint, NULL);
  uv_close((uv_handle_t *)&m->sigterm, NULL);
  uv_close((uv_handle_t *)&m->sigusr1, NULL);
  if (m->front)
    riptd_front_close(m->front, main_front_closed, m);
  else
    main_front_closed(m);
  riptd_jwks_fetch_close(m->jwks);
}

static void main_on_signal(uv_signal_t *handle, int signum) {
  (void)signum;
  main_stop(handle->data);
}

/* SIGUSR1, "rebalance": the clients re-open their byways without session
 * cookies, so a load balancer in front can spread them anew. */
static void main_on_migrate(uv_signal_t *handle, int signum) {
  riptd_main *m = handle->data;
  (void)signum;
  if (m->closing || !m->front)
    return;
  size_t n = riptd_front_migrate(m->front);
  printf("riptd: SIGUSR1: asked %zu live call%s to migrate\n", n,
         n == 1 ? "" : "s");
  fflush(stdout);
}

static int main_signals(riptd_main *m) {
  uv_signal_t *sig[] = {&m->sigint, &m->sigterm, &m->sigusr1};
  for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); ++i) {
    if (uv_signal_init(&m->loop, sig[i]) != 0) {
      while (i > 0)
        uv_close((uv_handle_t *)sig[--i], NULL);
      return -1;
    }
    sig[i]->data = m;
  }
  if (uv_signal_start(&m->sigint, main_on_signal, SIGINT) != 0 ||
      uv_signal_start(&m->sigterm, main_on_signal, SIGTERM) != 0 ||
      uv_signal_start(&m->sigusr1, main_on_migrate, SIGUSR1) != 0) {
    main_stop(m);
    return -1;
  }
  return 0;
}

/* Loads the configuration (generating it first with --dev). */
static int main_config(const riptd_options *opt, riptd_config *cfg) {
  char err[1024], path[PATH_MAX];
  const char *file = opt->config;
  if (opt->dev) {
    const char *state = opt->state ? opt->state : RIPTD_DEFAULT_STATE;
    if (riptd_dev_prepare(state,
                          opt->listen ? opt->listen : RIPTD_DEFAULT_LISTEN,
                          opt->token_lifetime_s, opt->durable, path,
                          sizeof(path), err, sizeof(err)) != 0) {
      fprintf(stderr, "riptd: %s\n", err);
      return EXIT_FAILURE;
    }
    file = path;
  }
  if (riptd_config_load(cfg, file, err, sizeof(err)) != 0) {
    fprintf(stderr, "riptd: %s\n", err);
    return EXIT_USAGE;
  }
  if (opt->listen) {
    char addr[64];
    riptd_config_split_listen(opt->listen, addr, sizeof(addr),
                              &cfg->listen_port);
    char *copy = strdup(addr);
    if (!copy) {
      fprintf(stderr, "riptd: out of memory\n");
      return EXIT_FAILURE;
    }
    free(cfg->listen_address);
    cfg->listen_address = copy;
  }
  if (opt->node_id) {
    char *copy = strdup(opt->node_id);
    if (!copy) {
      fprintf(stderr, "riptd: out of memory\n");
      return EXIT_FAILURE;
    }
    free(cfg->store.node_id);
    cfg->store.node_id = copy;
  }
  return 0;
}

static int main_listen(riptd_main *m, riptd_app *app) {
  const riptd_config *cfg = app->cfg;
  int rv = riptd_front_new(&m->front, &m->loop, app);
  if (rv == RIPT_ERR_HTTP_TLS) {
    fprintf(stderr, "riptd: %s: $.tls: cannot use %s with key %s\n",
            cfg->path, cfg->tls_cert, cfg->tls_key);
    return EXIT_USAGE;
  }
  if (rv == RIPT_ERR_HTTP_CLOSED) {
    fprintf(stderr, "riptd: cannot listen on %s port %u: the port is taken "
                    "or the address is not one of this host's\n",
            cfg->listen_address, cfg->listen_port);
    return EXIT_FAILURE;
  }
  if (rv != 0) {
    fprintf(stderr, "riptd: cannot listen on %s port %u: %s\n",
            cfg->listen_address, cfg->listen_port, ript_strerror(rv));
    return EXIT_FAILURE;
  }
  if (riptd_app_set_port(app, riptd_front_port(m->front)) != 0) {
    fprintf(stderr, "riptd: out of memory\n");
    return EXIT_FAILURE;
  }
  rv = riptd_jwks_fetch_new(&m->jwks, &m->loop, app->oauth, cfg);
  if (rv != 0)
    return rv == RIPT_ERR_HTTP_TLS ? EXIT_USAGE : EXIT_FAILURE;
  return 0;
}

/* Loads everything, listens, announces itself, and serves until a signal.
 * Signals are handled from the start, so one that comes during start-up
 * stops riptd cleanly as soon as the loop runs. */
static int main_serve(riptd_main *m, const riptd_options *opt,
                      riptd_config *cfg, riptd_app **papp) {
  char err[1024];
  int rv = main_config(opt, cfg);
  if (rv == 0 && riptd_app_new(papp, cfg, &m->loop, err, sizeof(err)) != 0) {
    fprintf(stderr, "riptd: %s\n", err);
    rv = EXIT_USAGE;
  }
  m->app = *papp;
  if (rv == 0)
    rv = main_listen(m, *papp);
  if (rv == 0 && opt->dev &&
      riptd_dev_info(opt->state ? opt->state : RIPTD_DEFAULT_STATE, *papp,
                     err, sizeof(err)) != 0) {
    fprintf(stderr, "riptd: %s\n", err);
    rv = EXIT_FAILURE;
  }
  if (rv != 0) {
    main_stop(m);
    uv_run(&m->loop, UV_RUN_DEFAULT); /* lets closing handles finish */
    return rv;
  }
  printf("riptd: listening on %s port %u (HTTP/3 and HTTP/2), root %s",
         cfg->listen_address, riptd_front_port(m->front), (*papp)->root);
  if (opt->dev)
    printf(", dev.json at %s/dev.json",
           opt->state ? opt->state : RIPTD_DEFAULT_STATE);
  printf("\n");
  fflush(stdout);
  uv_run(&m->loop, UV_RUN_DEFAULT);
  return 0;
}

int main(int argc, char **argv) {
  riptd_options opt;
  char err[1024];
  if (riptd_options_parse(&opt, argc, argv, err, sizeof(err)) != 0) {
    fprintf(stderr, "riptd: %s\n%s", err, riptd_options_usage());
    return EXIT_USAGE;
  }
  if (opt.help || opt.version) {
    fputs(opt.help ? riptd_options_usage() : "riptd 0.1.0\n", stdout);
    return 0;
  }
  riptd_main m;
  memset(&m, 0, sizeof(m));
  if (uv_loop_init(&m.loop) != 0) {
    fprintf(stderr, "riptd: cannot start the event loop\n");
    return EXIT_FAILURE;
  }
  riptd_config cfg;
  memset(&cfg, 0, sizeof(cfg));
  riptd_app *app = NULL;
  int rv;
  if (main_signals(&m) != 0) {
    fprintf(stderr, "riptd: cannot handle signals\n");
    uv_run(&m.loop, UV_RUN_DEFAULT);
    rv = EXIT_FAILURE;
  } else {
    rv = main_serve(&m, &opt, &cfg, &app);
  }
  if (uv_loop_close(&m.loop) != 0)
    fprintf(stderr, "riptd: handles left open at exit\n");
  riptd_app_del(app);
  riptd_config_free(&cfg);
  return rv;
}
