/* The client object: configuration, its HTTP client, and closing. */
#include <string.h>

#include "client_internal.h"
#include "ript/uri.h"
#include "ript_mem.h"

int ript_client_uri_ok(const char *uri) {
  return uri && ript_uri_parse(uri, strlen(uri), 0, NULL, NULL) == 0;
}

int ript_client_token_ok(const char *token) {
  if (!token)
    return 0;
  size_t i = 0;
  while (token[i] && (strchr("-._~+/", token[i]) ||
                      (token[i] >= 'A' && token[i] <= 'Z') ||
                      (token[i] >= 'a' && token[i] <= 'z') ||
                      (token[i] >= '0' && token[i] <= '9')))
    ++i;
  if (i == 0)
    return 0;
  while (token[i] == '=')
    ++i;
  return token[i] == '\0';
}

static int client_check_config(const ript_client_config *cfg) {
  if (cfg->version != RIPT_HTTP_3 && cfg->version != RIPT_HTTP_2)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (cfg->root && !ript_client_uri_ok(cfg->root))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (cfg->token && !ript_client_token_ok(cfg->token))
    return RIPT_ERR_INVALID_ARGUMENT;
  return 0;
}

int ript_client_set_token(ript_client *client, const char *token) {
  if (!client || (token && !ript_client_token_ok(token)))
    return RIPT_ERR_INVALID_ARGUMENT;
  char *auth = NULL;
  if (token) {
    size_t len = strlen("Bearer ") + strlen(token);
    if (!(auth = ript_mem_malloc(client->mem, len + 1)))
      return RIPT_ERR_NOMEM;
    memcpy(auth, "Bearer ", strlen("Bearer "));
    memcpy(auth + strlen("Bearer "), token, strlen(token) + 1);
  }
  if (client->authorization) {
    memset(client->authorization, 0, strlen(client->authorization));
    ript_mem_free(client->mem, client->authorization);
  }
  client->authorization = auth;
  return 0;
}

/* Copies the strings of |cfg| into |client|. */
static int client_copy_config(ript_client *client,
                              const ript_client_config *cfg) {
  const ript_mem *mem = client->mem;
  if (cfg->root && !(client->root = ript_mem_strdup(mem, cfg->root)))
    return RIPT_ERR_NOMEM;
  return ript_client_set_token(client, cfg->token);
}

static void client_free_config(ript_client *client) {
  const ript_mem *mem = client->mem;
  ript_mem_free(mem, client->root);
  ript_mem_free(mem, client->providertgs);
  ript_client_set_token(client, NULL); /* wipes the token */
}

int ript_client_new(ript_client **pclient, uv_loop_t *loop,
                    const ript_client_config *cfg, const ript_mem *mem) {
  if (!pclient || !loop || !cfg)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = client_check_config(cfg);
  if (rv != 0)
    return rv;
  ript_client *client = ript_mem_calloc(mem, 1, sizeof(*client));
  if (!client)
    return RIPT_ERR_NOMEM;
  client->loop = loop;
  client->mem = mem;
  client->version = cfg->version;
  client->timeout_ms =
      cfg->timeout_ms ? cfg->timeout_ms : RIPT_CLIENT_DEFAULT_TIMEOUT_MS;
  rv = client_copy_config(client, cfg);
  if (rv == 0) {
    ript_http_client_config hcfg;
    memset(&hcfg, 0, sizeof(hcfg));
    hcfg.version = cfg->version;
    hcfg.ca_file = cfg->ca_file;
    hcfg.max_connect_attempts = cfg->connect_attempts;
    hcfg.retry_backoff_ms = cfg->retry_backoff_ms;
    rv = ript_http_client_new(&client->http, loop, &hcfg);
  }
  if (rv != 0) {
    client_free_config(client);
    ript_mem_free(mem, client);
    return rv;
  }
  *pclient = client;
  return 0;
}

void ript_client_maybe_free(ript_client *client) {
  if (!client->closing || !client->http_closed || client->live_reqs)
    return;
  void (*on_closed)(void *) = client->on_closed;
  void *data = client->on_closed_data;
  client_free_config(client);
  ript_mem_free(client->mem, client);
  if (on_closed)
    on_closed(data);
}

static void client_on_http_closed(void *user_data) {
  ript_client *client = user_data;
  client->http_closed = 1;
  ript_client_maybe_free(client);
}

void ript_client_close(ript_client *client, void (*on_closed)(void *user_data),
                       void *user_data) {
  if (!client || client->closing)
    return;
  client->closing = 1;
  ript_client_oauth_close(client);
  client->on_closed = on_closed;
  client->on_closed_data = user_data;
  ript_http_client_close(client->http, client_on_http_closed, client);
}

void ript_client_cut(ript_client *client, uint64_t down_ms) {
  if (client && !client->closing)
    ript_http_client_cut(client->http, down_ms);
}
