/* Where `ript` gets its server, token and CA from. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ript/client.h"
#include "ript/uri.h"
#include "setup.h"

enum { SETUP_TOKEN_FILE_MAX = 4096 };

static void setup_wipe(char *secret) {
  if (secret) {
    memset(secret, 0, strlen(secret));
    free(secret);
  }
}

void ript_cli_setup_free(ript_cli_setup *s) {
  free(s->root);
  setup_wipe(s->token);
  free(s->token_endpoint);
  free(s->client_id);
  setup_wipe(s->client_secret);
  setup_wipe(s->refresh_token);
  free(s->cacert);
  free(s->state_dir);
  memset(s, 0, sizeof(*s));
}

/* The values of a dev.json; |*root| etc. are NULL when absent. */
typedef struct setup_dev {
  json_t *doc;
  const char *path;
  const char *root, *token, *cacert;
} setup_dev;

static int setup_dev_member(setup_dev *d, const char *name, const char **out,
                            char *errbuf, size_t errlen) {
  json_t *v = json_object_get(d->doc, name);
  if (!v)
    return 0;
  if (!json_is_string(v) || json_string_length(v) == 0) {
    snprintf(errbuf, errlen, "--dev %s: \"%s\" is not a non-empty string",
             d->path, name);
    return -1;
  }
  *out = json_string_value(v);
  return 0;
}

/* Reads the dev.json --dev names (a directory means DIR/dev.json). */
static int setup_dev_load(setup_dev *d, const char *arg, char *path,
                          size_t pathlen, char *errbuf, size_t errlen) {
  struct stat st;
  int is_dir = stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
  if (snprintf(path, pathlen, is_dir ? "%s/dev.json" : "%s", arg) >=
      (int)pathlen) {
    snprintf(errbuf, errlen, "--dev: the path is too long");
    return -1;
  }
  d->path = path;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errbuf, errlen, "--dev %s: %s", path, strerror(errno));
    return -1;
  }
  json_error_t jerr;
  d->doc = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
  fclose(f);
  if (!d->doc) {
    snprintf(errbuf, errlen, "--dev %s: not JSON: %s", path, jerr.text);
    return -1;
  }
  if (!json_is_object(d->doc)) {
    snprintf(errbuf, errlen, "--dev %s: not a riptd dev.json", path);
    return -1;
  }
  if (setup_dev_member(d, "root", &d->root, errbuf, errlen) != 0 ||
      setup_dev_member(d, "token", &d->token, errbuf, errlen) != 0 ||
      setup_dev_member(d, "cacert", &d->cacert, errbuf, errlen) != 0)
    return -1;
  return 0;
}

/* The secret in |path| (given with |option|), white space around it
 * removed. */
static char *setup_secret_file(const char *option, const char *path,
                               char *errbuf, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errbuf, errlen, "%s %s: %s", option, path, strerror(errno));
    return NULL;
  }
  /* One byte more than a token may have tells a file that is too long;
   * the last stays NUL. */
  char *buf = calloc(1, SETUP_TOKEN_FILE_MAX + 2);
  size_t n = buf ? fread(buf, 1, SETUP_TOKEN_FILE_MAX + 1, f) : 0;
  int bad = !buf || ferror(f) || n > SETUP_TOKEN_FILE_MAX;
  fclose(f);
  if (bad) {
    snprintf(errbuf, errlen, "%s %s: %s", option, path,
             !buf ? "out of memory" : "cannot read it, or it is too long");
    setup_wipe(buf);
    return NULL;
  }
  size_t start = strspn(buf, " \t\r\n");
  while (n > start && strchr(" \t\r\n", buf[n - 1]))
    buf[--n] = '\0';
  memmove(buf, buf + start, n - start + 1);
  return buf;
}

static int setup_root(ript_cli_setup *s, const ript_cli_options *opt,
                      const setup_dev *d, char *errbuf, size_t errlen) {
  if (opt->authority) {
    ript_buf root;
    ript_buf_init(&root, NULL);
    if (ript_uri_root(opt->authority, &root) == 0)
      s->root = strdup((const char *)root.data);
    ript_buf_free(&root);
  } else if (opt->root || d->root) {
    const char *root = opt->root ? opt->root : d->root;
    if (!opt->root &&
        ript_uri_parse(root, strlen(root), 0, NULL, NULL) != 0) {
      snprintf(errbuf, errlen, "--dev %s: \"root\" is not an https URL",
               d->path);
      return -1;
    }
    s->root = strdup(root);
  } else {
    snprintf(errbuf, errlen,
             "no server: give --root URL, --authority HOST[:PORT] or --dev "
             "FILE");
    return -1;
  }
  if (!s->root)
    snprintf(errbuf, errlen, "out of memory");
  return s->root ? 0 : -1;
}

static int setup_token(ript_cli_setup *s, const ript_cli_options *opt,
                       const setup_dev *d, const char *env_token,
                       char *errbuf, size_t errlen) {
  const char *from = "--token";
  if (ript_cli_options_oauth(opt))
    return 0;
  if (opt->token_file) {
    from = "--token-file";
    if (!(s->token = setup_secret_file("--token-file", opt->token_file,
                                       errbuf, errlen)))
      return -1;
  } else {
    const char *t = opt->token ? opt->token : d->token ? d->token : env_token;
    from = opt->token ? "--token" : d->token ? "--dev" : "RIPT_TOKEN";
    if (!t || !t[0])
      return 0;
    if (!(s->token = strdup(t))) {
      snprintf(errbuf, errlen, "out of memory");
      return -1;
    }
  }
  if (ript_client_token_ok(s->token))
    return 0;
  snprintf(errbuf, errlen,
           "the token from %s is not a bearer token (RFC 6750: letters, "
           "digits and -._~+/, then any '=')",
           from);
  return -1;
}

static int setup_paths(ript_cli_setup *s, const ript_cli_options *opt,
                       const setup_dev *d, const char *home, char *errbuf,
                       size_t errlen) {
  const char *cacert = opt->cacert ? opt->cacert : d->cacert;
  int ok = !cacert || (s->cacert = strdup(cacert)) != NULL;
  if (ok && opt->state)
    ok = (s->state_dir = strdup(opt->state)) != NULL;
  else if (ok && home && home[0] && asprintf(&s->state_dir, "%s/.ript", home) < 0)
    ok = 0, s->state_dir = NULL;
  if (!ok)
    snprintf(errbuf, errlen, "out of memory");
  return ok ? 0 : -1;
}

/* The token endpoint: --token-endpoint, else dev.json's, else NULL. */
static int setup_endpoint(ript_cli_setup *s, const ript_cli_options *opt,
                          const setup_dev *d, char *errbuf, size_t errlen) {
  const char *ep = opt->token_endpoint;
  json_t *o = json_object_get(d->doc, "oauth");
  if (!ep && o)
    ep = json_string_value(json_object_get(o, "token_endpoint"));
  if (!ep)
    return 0;
  if (ript_uri_parse(ep, strlen(ep), 0, NULL, NULL) != 0) {
    snprintf(errbuf, errlen, "--dev %s: the token endpoint is not an https "
                             "URL", d->path);
    return -1;
  }
  if (!(s->token_endpoint = strdup(ep))) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int ript_cli_setup_load(ript_cli_setup *s, const ript_cli_options *opt,
                        const char *env_token, const char *home, char *errbuf,
                        size_t errlen) {
  memset(s, 0, sizeof(*s));
  setup_dev d;
  memset(&d, 0, sizeof(d));
  char path[4096];
  int rv = opt->dev ? setup_dev_load(&d, opt->dev, path, sizeof(path), errbuf,
                                     errlen)
                    : 0;
  if (rv == 0)
    rv = setup_root(s, opt, &d, errbuf, errlen);
  if (rv == 0)
    rv = setup_token(s, opt, &d, env_token, errbuf, errlen);
  if (rv == 0)
    rv = setup_paths(s, opt, &d, home, errbuf, errlen);
  if (rv == 0 && ript_cli_options_oauth(opt))
    rv = setup_endpoint(s, opt, &d, errbuf, errlen);
  json_decref(d.doc);
  if (rv != 0)
    ript_cli_setup_free(s);
  return rv;
}

static int setup_copy_secret(char **out, const char *value, char *errbuf,
                             size_t errlen) {
  if (!value || !value[0])
    return 0;
  if (!(*out = strdup(value))) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int ript_cli_setup_oauth(ript_cli_setup *s, const ript_cli_options *opt,
                         const char *env_secret, const char *env_refresh,
                         char *errbuf, size_t errlen) {
  s->oauth = 1;
  if (opt->client_id &&
      setup_copy_secret(&s->client_id, opt->client_id, errbuf, errlen) != 0)
    return -1;
  if (opt->client_secret_file) {
    if (!(s->client_secret = setup_secret_file(
              "--client-secret-file", opt->client_secret_file, errbuf,
              errlen)))
      return -1;
  } else if (opt->client_id &&
             setup_copy_secret(&s->client_secret, env_secret, errbuf,
                               errlen) != 0) {
    return -1;
  }
  if (opt->refresh_token_file) {
    if (!(s->refresh_token = setup_secret_file(
              "--refresh-token-file", opt->refresh_token_file, errbuf,
              errlen)))
      return -1;
  } else if (!s->client_secret &&
             setup_copy_secret(&s->refresh_token, env_refresh, errbuf,
                               errlen) != 0) {
    return -1;
  }
  if (s->client_id && !s->client_secret && !s->refresh_token) {
    snprintf(errbuf, errlen,
             "--client-id %s needs its secret: --client-secret-file FILE "
             "or RIPT_CLIENT_SECRET",
             s->client_id);
    return -1;
  }
  if (!s->client_id && !s->refresh_token) {
    snprintf(errbuf, errlen,
             "OAuth needs --client-id (and its secret) or a refresh token "
             "(--refresh-token-file FILE or RIPT_REFRESH_TOKEN)");
    return -1;
  }
  return 0;
}
