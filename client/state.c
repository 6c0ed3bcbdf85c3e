/* The state directory of `ript`: device id, handlers, keys, certificates. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <jansson.h>

#include "output.h"
#include "ript/dest.h"
#include "ript/uri.h"
#include "state.h"

int ript_cli_state_authority(const char *root, char *out, size_t len) {
  ript_uri_parts parts;
  if (!root ||
      ript_uri_parse(root, strlen(root), 0, &parts, NULL) != 0 ||
      parts.authority_len + 1 > len)
    return -1;
  for (size_t i = 0; i < parts.authority_len; ++i) {
    char c = root[parts.authority_off + i];
    int keep = c == '.' || c == '-' || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out[i] = keep ? c : '_';
  }
  out[parts.authority_len] = '\0';
  return 0;
}

static int state_mkdir(const char *dir, char *errbuf, size_t errlen) {
  if (mkdir(dir, S_IRWXU) == 0 || errno == EEXIST) {
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
      return 0;
    errno = ENOTDIR;
  }
  snprintf(errbuf, errlen, "state directory %s: %s", dir, strerror(errno));
  return -1;
}

int ript_cli_state_open(ript_cli_state *st, const char *dir, const char *root,
                        char *errbuf, size_t errlen) {
  memset(st, 0, sizeof(*st));
  char authority[512];
  if (ript_cli_state_authority(root, authority, sizeof(authority)) != 0) {
    snprintf(errbuf, errlen, "the root URI has no usable authority");
    return -1;
  }
  st->dir = strdup(dir);
  if (!st->dir || asprintf(&st->server_dir, "%s/%s", dir, authority) < 0) {
    st->server_dir = NULL;
    ript_cli_state_close(st);
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  if (state_mkdir(st->dir, errbuf, errlen) != 0 ||
      state_mkdir(st->server_dir, errbuf, errlen) != 0) {
    ript_cli_state_close(st);
    return -1;
  }
  return 0;
}

void ript_cli_state_close(ript_cli_state *st) {
  free(st->dir);
  free(st->server_dir);
  memset(st, 0, sizeof(*st));
}

char *ript_cli_state_path(const ript_cli_state *st, const char *name) {
  char *path = NULL;
  return asprintf(&path, "%s/%s", st->server_dir, name) < 0 ? NULL : path;
}

/* ---- files ---- */

static int state_write_fd(int fd, const void *data, size_t len) {
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    p += n;
    len -= (size_t)n;
  }
  return fsync(fd);
}

int ript_cli_state_write(const char *path, const void *data, size_t len,
                         char *errbuf, size_t errlen) {
  char *tmp = NULL;
  if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  int fd = mkostemp(tmp, O_CLOEXEC);
  int ok = fd >= 0 && fchmod(fd, S_IRUSR | S_IWUSR) == 0 &&
           state_write_fd(fd, data, len) == 0;
  if (fd >= 0 && close(fd) != 0)
    ok = 0;
  if (ok && rename(tmp, path) != 0)
    ok = 0;
  if (!ok) {
    snprintf(errbuf, errlen, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0)
      unlink(tmp);
  }
  free(tmp);
  return ok ? 0 : -1;
}

/* A JSON file, or NULL with errno ENOENT when it does not exist. */
static json_t *state_load_json(const char *path, char *errbuf,
                               size_t errlen, int *failed) {
  *failed = 0;
  json_error_t jerr;
  FILE *f = fopen(path, "rb");
  if (!f) {
    if (errno == ENOENT)
      return NULL;
    snprintf(errbuf, errlen, "cannot read %s: %s", path, strerror(errno));
    *failed = 1;
    return NULL;
  }
  json_t *doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  fclose(f);
  if (!doc) {
    snprintf(errbuf, errlen, "%s is not JSON (%s); remove it to start over",
             path, jerr.text);
    *failed = 1;
  }
  return doc;
}

static int state_save_json(const char *path, const json_t *doc, char *errbuf,
                           size_t errlen) {
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (!text) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  int rv = ript_cli_state_write(path, text, strlen(text), errbuf, errlen);
  free(text);
  return rv;
}

/* ---- device id ---- */

static int state_device_id_ok(const char *id) {
  if (strlen(id) != RIPT_CLI_DEVICE_ID_LEN || strncmp(id, "ript-", 5) != 0)
    return 0;
  return strspn(id + 5, "0123456789abcdef") == 16;
}

int ript_cli_state_device_id(const ript_cli_state *st,
                             char out[RIPT_CLI_DEVICE_ID_LEN + 1],
                             char *errbuf, size_t errlen) {
  char *path = NULL;
  if (asprintf(&path, "%s/device-id", st->dir) < 0) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  FILE *f = fopen(path, "rb");
  int rv = 0;
  if (f) {
    size_t n = fread(out, 1, RIPT_CLI_DEVICE_ID_LEN + 1, f);
    fclose(f);
    out[n <= RIPT_CLI_DEVICE_ID_LEN ? n : RIPT_CLI_DEVICE_ID_LEN] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    if (!state_device_id_ok(out)) {
      snprintf(errbuf, errlen, "%s does not hold a device id; remove it",
               path);
      rv = -1;
    }
  } else {
    uint8_t random[8];
    rv = gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof(random)) == 0 ? 0 : -1;
    if (rv != 0)
      snprintf(errbuf, errlen, "no random numbers for a device id");
    else {
      snprintf(out, RIPT_CLI_DEVICE_ID_LEN + 1, "ript-");
      for (size_t i = 0; i < sizeof(random); ++i)
        snprintf(out + 5 + 2 * i, 3, "%02x", random[i]);
      rv = ript_cli_state_write(path, out, RIPT_CLI_DEVICE_ID_LEN, errbuf,
                                errlen);
    }
  }
  free(path);
  return rv;
}

/* ---- handlers ---- */

/* handlers.json's array (a new one when the file does not exist). */
static json_t *state_handlers_load(const char *path, json_t **doc,
                                   char *errbuf, size_t errlen) {
  int failed;
  *doc = state_load_json(path, errbuf, errlen, &failed);
  if (failed)
    return NULL;
  if (!*doc)
    *doc = json_pack("{s:[]}", "handlers");
  json_t *list = *doc ? json_object_get(*doc, "handlers") : NULL;
  if (!json_is_array(list)) {
    snprintf(errbuf, errlen, *doc ? "%s has no \"handlers\" array; remove it"
                                  : "out of memory",
             path);
    json_decref(*doc);
    *doc = NULL;
    return NULL;
  }
  return list;
}

static const char *state_member(const json_t *entry, const char *name) {
  return json_string_value(json_object_get(entry, name));
}

/* Runs |edit| on handlers.json's array, then saves the file. */
static int state_handlers_edit(const ript_cli_state *st,
                               int (*edit)(json_t *list, void *arg),
                               void *arg, int save, char *errbuf,
                               size_t errlen) {
  char *path = ript_cli_state_path(st, "handlers.json");
  json_t *doc = NULL;
  json_t *list = path ? state_handlers_load(path, &doc, errbuf, errlen)
                      : NULL;
  if (!path)
    snprintf(errbuf, errlen, "out of memory");
  int rv = list ? edit(list, arg) : -1;
  if (rv < 0 && list)
    snprintf(errbuf, errlen, "out of memory");
  if (rv > 0 && save)
    rv = state_save_json(path, doc, errbuf, errlen);
  else if (rv > 0)
    rv = 0;
  json_decref(doc);
  free(path);
  return rv;
}

/* Removes every entry for |uri|; returns 1 (changed) or 0. */
static int state_drop_uri(json_t *list, void *arg) {
  const char *uri = arg;
  int changed = 0;
  for (size_t i = json_array_size(list); i-- > 0;) {
    const char *u = state_member(json_array_get(list, i), "uri");
    if (u && strcmp(u, uri) == 0) {
      json_array_remove(list, i);
      changed = 1;
    }
  }
  return changed;
}

typedef struct state_handler {
  const char *tg, *id, *uri;
  char *found;
} state_handler;

static int state_put(json_t *list, void *arg) {
  state_handler *h = arg;
  state_drop_uri(list, (void *)(uintptr_t)h->uri);
  json_t *e = json_pack("{s:s, s:s, s:s}", "uri", h->uri, "handler-id", h->id,
                        "tg", h->tg);
  return e && json_array_append_new(list, e) == 0 ? 1 : -1;
}

static int state_find(json_t *list, void *arg) {
  state_handler *h = arg;
  size_t i;
  json_t *e;
  json_array_foreach(list, i, e) {
    const char *id = state_member(e, "handler-id");
    const char *tg = state_member(e, "tg");
    const char *uri = state_member(e, "uri");
    if (id && uri && tg && strcmp(id, h->id) == 0 &&
        (!h->tg || strcmp(tg, h->tg) == 0)) {
      h->found = strdup(uri);
      return h->found ? 0 : -1;
    }
  }
  return 0;
}

int ript_cli_state_handler_put(const ript_cli_state *st, const char *tg,
                               const char *handler_id, const char *uri,
                               char *errbuf, size_t errlen) {
  state_handler h = {tg, handler_id, uri, NULL};
  return state_handlers_edit(st, state_put, &h, 1, errbuf, errlen);
}

int ript_cli_state_handler_find(const ript_cli_state *st, const char *tg,
                                const char *handler_id, char **uri,
                                char *errbuf, size_t errlen) {
  state_handler h = {tg, handler_id, NULL, NULL};
  int rv = state_handlers_edit(st, state_find, &h, 0, errbuf, errlen);
  *uri = h.found;
  return rv;
}

int ript_cli_state_handler_drop(const ript_cli_state *st, const char *uri,
                                char *errbuf, size_t errlen) {
  return state_handlers_edit(st, state_drop_uri, (void *)(uintptr_t)uri, 1,
                             errbuf, errlen);
}

/* ---- certificates ---- */

int ript_cli_state_cert_save(const ript_cli_state *st,
                             const ript_cli_cert_record *rec, char *errbuf,
                             size_t errlen) {
  char *names[3] = {NULL, NULL, NULL}; /* key, chain, record */
  const char *ext[3] = {".key", ".pem", ".json"};
  int rv = 0;
  for (int i = 0; i < 3 && rv == 0; ++i) {
    char name[64];
    snprintf(name, sizeof(name), "%s%s", rec->e164, ext[i]);
    if (!(names[i] = ript_cli_state_path(st, name)))
      rv = -1;
  }
  char nb[32], na[32];
  json_t *doc = NULL;
  if (rv == 0) {
    ript_cli_rfc3339(rec->not_before, nb);
    ript_cli_rfc3339(rec->not_after, na);
    doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "number",
                    rec->e164, "tg", rec->tg, "x5u", rec->x5u, "not-before",
                    nb, "not-after", na, "key", names[0], "chain", names[1]);
  }
  if (rv != 0 || !doc) {
    snprintf(errbuf, errlen, "out of memory");
    rv = -1;
  }
  if (rv == 0)
    rv = ript_cli_state_write(names[1], rec->chain_pem, rec->chain_len,
                              errbuf, errlen);
  if (rv == 0)
    rv = state_save_json(names[2], doc, errbuf, errlen);
  json_decref(doc);
  for (int i = 0; i < 3; ++i)
    free(names[i]);
  return rv;
}

/* An RFC 3339 time as ript_cli_rfc3339 writes it, in Unix seconds; -1 for
 * anything else. */
static int64_t state_time(const char *text) {
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  char z = 0;
  if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year,
                      &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                      &tm.tm_sec, &z) != 7 || z != 'Z')
    return -1;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (int64_t)timegm(&tm);
}

int ript_cli_state_cert_find(const ript_cli_state *st, const char *e164,
                             const char *tg, int64_t until, char **x5u,
                             char *errbuf, size_t errlen) {
  char name[RIPT_DEST_MAX_LEN + 8];
  snprintf(name, sizeof(name), "%s.json", e164);
  char *path = ript_cli_state_path(st, name);
  int failed = !path;
  json_t *doc = path ? state_load_json(path, errbuf, errlen, &failed) : NULL;
  if (!path)
    snprintf(errbuf, errlen, "out of memory");
  const char *url = state_member(doc, "x5u");
  const char *issuer = state_member(doc, "tg");
  *x5u = NULL;
  if (url && issuer && strcmp(issuer, tg) == 0 &&
      state_time(state_member(doc, "not-after")) >= until &&
      !(*x5u = strdup(url))) {
    snprintf(errbuf, errlen, "out of memory");
    failed = 1;
  }
  json_decref(doc);
  free(path);
  return failed ? -1 : 0;
}
