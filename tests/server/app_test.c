/*
 * riptd's startup: what riptd_app_new loads and refuses (one line each),
 * the authority URIs are built with, and the state directory of --dev.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "dev.h"
#include "ript/stir.h"
#include "testutil.h"

static char dir[64];
static uv_loop_t loop; /* the stores' */

/* Frees |app| and lets its store close. */
static void app_del(riptd_app *app) {
  riptd_app_del(app);
  uv_run(&loop, UV_RUN_DEFAULT);
}

static void on_store_closed(void *data) { ++*(int *)data; }

static void path_of(char *out, size_t len, const char *name) {
  snprintf(out, len, "%s/%s", dir, name);
}

static void write_file(const char *name, const void *data, size_t len) {
  char path[128];
  path_of(path, sizeof(path), name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static void write_buf(const char *name, ript_buf *b) {
  write_file(name, b->data, b->len);
  ript_buf_reset(b);
}

/* ca.pem + ca-key.pem, other-key.pem (an unrelated key), leaf.pem (a
 * certificate that is no CA) and junk.pem. */
static int group_setup(void **state) {
  (void)state;
  strcpy(dir, "/tmp/riptd-app-XXXXXX");
  if (!mkdtemp(dir) || uv_loop_init(&loop) != 0)
    return -1;
  static const uint8_t serial[] = {0x01};
  int64_t now = time(NULL);
  ript_stir_cert_terms terms = {serial, 1, now - 3600, now + 86400};
  ript_stir_key *key = NULL, *other = NULL;
  ript_stir_cert *ca = NULL, *leaf = NULL;
  ript_stir_csr *csr = NULL;
  ript_stir_tnauth grant;
  ript_stir_tnauth_init(&grant, NULL);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  assert_int_equal(ript_stir_key_generate(&other, NULL), 0);
  assert_int_equal(
      ript_stir_cert_create_ca(&ca, key, "app test CA", NULL, &terms, NULL), 0);
  assert_int_equal(ript_stir_csr_create(other, "+15550100000",
                                        RIPT_STIR_FORMAT_DER, &b),
                   0);
  assert_int_equal(ript_stir_csr_parse(&csr, b.data, b.len, NULL, NULL), 0);
  ript_buf_reset(&b);
  assert_int_equal(ript_stir_tnauth_add_one(&grant, "15550100000"), 0);
  assert_int_equal(
      ript_stir_cert_issue(&leaf, csr, &grant, ca, key, &terms, NULL), 0);
  assert_int_equal(ript_stir_cert_export(ca, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_buf("ca.pem", &b);
  assert_int_equal(ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_buf("ca-key.pem", &b);
  assert_int_equal(ript_stir_key_export(other, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_buf("other-key.pem", &b);
  assert_int_equal(ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_PEM, &b), 0);
  write_buf("leaf.pem", &b);
  write_file("junk.pem", "junk\n", 5);
  write_file("tls.pem", "x", 1);
  write_file("tone.wav", "RIFF", 4);
  ript_buf_free(&b);
  ript_stir_tnauth_free(&grant);
  ript_stir_csr_del(csr);
  ript_stir_cert_del(leaf);
  ript_stir_cert_del(ca);
  ript_stir_key_del(other);
  ript_stir_key_del(key);
  return 0;
}

static void remove_tree(const char *path) {
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
  assert_int_equal(system(cmd), 0);
}

static int group_teardown(void **state) {
  (void)state;
  remove_tree(dir);
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop);
}

/* The "store" member try_app writes (JSON text), or NULL for none. */
static const char *store_member;

/* A configuration in |dir| with these members, loaded and handed to
 * riptd_app_new; returns its result and the error line. */
static int try_app(const char *listen, const char *authority,
                   const char *tls_cert, const char *ca_cert,
                   const char *ca_key, const char *trust,
                   const char *play_file, const char *record_file,
                   char *err, size_t errlen, riptd_app **papp,
                   riptd_config *cfg) {
  char json[2048];
  char extra[512] = "";
  size_t n = 0;
  if (authority)
    n = (size_t)snprintf(extra, sizeof(extra), "\"authority\": \"%s\",",
                         authority);
  if (store_member)
    snprintf(extra + n, sizeof(extra) - n, "\"store\": %s,", store_member);
  snprintf(json, sizeof(json),
           "{\"listen\": \"%s\", %s"
           "\"tls\": {\"cert\": \"%s\", \"key\": \"tls.pem\"},"
           "\"stir\": {\"ca-cert\": \"%s\", \"ca-key\": \"%s\", "
           "\"trust\": [\"%s\"]},"
           "\"customers\": [{\"name\": \"c\", \"tokens\": "
           "[\"0123456789abcdef\"], \"numbers\": [\"+1*\"], \"tgs\": "
           "[\"t\"]}],"
           "\"tgs\": [{\"name\": \"t\", \"routes\": ["
           "{\"match\": \"+1\", \"action\": \"echo\"},"
           "{\"match\": \"+2\", \"action\": \"play\", \"file\": \"%s\"},"
           "{\"match\": \"+3\", \"action\": \"record\", \"file\": \"%s\"}]}]}",
           listen, extra, tls_cert, ca_cert, ca_key, trust, play_file,
           record_file);
  write_file("riptd.json", json, strlen(json));
  char path[128];
  path_of(path, sizeof(path), "riptd.json");
  assert_int_equal(riptd_config_load(cfg, path, err, errlen), 0);
  int rv = riptd_app_new(papp, cfg, &loop, err, errlen);
  return rv;
}

typedef struct app_case {
  const char *tls_cert, *ca_cert, *ca_key, *trust, *play, *record;
  const char *message; /* @ is the directory */
} app_case;

/* |message| with every '@' replaced by the directory. */
static void subst_dir(char *out, size_t len, const char *message) {
  size_t n = 0;
  for (const char *p = message; *p && n + 1 < len; ++p) {
    if (*p != '@') {
      out[n++] = *p;
      continue;
    }
    for (const char *d = dir; *d && n + 1 < len; ++d)
      out[n++] = *d;
  }
  out[n] = '\0';
}

static void test_errors(void **state) {
  (void)state;
  static const app_case cases[] = {
      {"nope.pem", "ca.pem", "ca-key.pem", "ca.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.tls.cert: cannot read @/nope.pem: No such file or "
       "directory"},
      {"tls.pem", "ca.pem", "ca-key.pem", "ca.pem", "none.wav", "rec.wav",
       "@/riptd.json: $.tgs[0].routes[1].file: cannot read @/none.wav: No "
       "such file or directory"},
      {"tls.pem", "ca.pem", "ca-key.pem", "ca.pem", "tone.wav",
       "nodir/rec.wav",
       "@/riptd.json: $.tgs[0].routes[2].file: cannot write to directory "
       "@/nodir: No such file or directory"},
      {"tls.pem", "none.pem", "ca-key.pem", "ca.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir.ca-cert: cannot read @/none.pem: No such file "
       "or directory"},
      {"tls.pem", "junk.pem", "ca-key.pem", "ca.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir.ca-cert: @/junk.pem is not a certificate: "
       "CERT_EXPECTED"},
      {"tls.pem", "ca.pem", "junk.pem", "ca.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir.ca-key: @/junk.pem is not an ECDSA P-256 key: "
       "KEY_EXPECTED"},
      {"tls.pem", "ca.pem", "other-key.pem", "ca.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir: @/ca.pem is not a CA certificate, or "
       "@/other-key.pem is not its key"},
      {"tls.pem", "leaf.pem", "other-key.pem", "ca.pem", "tone.wav",
       "rec.wav",
       "@/riptd.json: $.stir: @/leaf.pem is not a CA certificate, or "
       "@/other-key.pem is not its key"},
      {"tls.pem", "ca.pem", "ca-key.pem", "leaf.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir.trust[0]: @/leaf.pem is not a PEM bundle of "
       "CA certificates: TRUST_EXPECTED"},
      {"tls.pem", "ca.pem", "ca-key.pem", "gone.pem", "tone.wav", "rec.wav",
       "@/riptd.json: $.stir.trust[0]: cannot read @/gone.pem: No such "
       "file or directory"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    const app_case *c = &cases[i];
    char err[1024], want[1024];
    riptd_config cfg;
    riptd_app *app = NULL;
    int rv = try_app("127.0.0.1:0", NULL, c->tls_cert, c->ca_cert, c->ca_key,
                     c->trust, c->play, c->record, err, sizeof(err), &app,
                     &cfg);
    subst_dir(want, sizeof(want), c->message);
    /* The parsers' own "expected" texts are theirs to word. */
    char *marker = strstr(want, "_EXPECTED");
    if (marker) {
      while (marker > want && marker[-1] != ' ')
        --marker;
      *marker = '\0';
    }
    if (rv != -1 || strncmp(err, want, strlen(want)) != 0 ||
        (!marker && strcmp(err, want) != 0))
      fail_msg("case %zu: %d \"%s\", want \"%s\"", i, rv, err, want);
    assert_null(app);
    riptd_config_free(&cfg);
  }
}

static void expect_authority(const char *listen, const char *authority,
                             const char *want) {
  char err[1024];
  riptd_config cfg;
  riptd_app *app = NULL;
  if (try_app(listen, authority, "tls.pem", "ca.pem", "ca-key.pem", "ca.pem",
              "tone.wav", "rec.wav", err, sizeof(err), &app, &cfg) != 0)
    fail_msg("%s", err);
  assert_int_equal(riptd_app_set_port(app, 4433), 0);
  assert_string_equal(app->authority, want);
  char root[128];
  snprintf(root, sizeof(root), "https://%s/.well-known/ript", want);
  assert_string_equal(app->root, root);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(riptd_app_tg_uri(app, "t", "calls", "x", &b), 0);
  snprintf(root, sizeof(root), "https://%s/.well-known/ript/providertgs/t/"
                               "calls/x",
           want);
  assert_string_equal((const char *)b.data, root);
  ript_buf_free(&b);
  app_del(app);
  riptd_config_free(&cfg);
}

static void test_authority(void **state) {
  (void)state;
  expect_authority("127.0.0.1:0", NULL, "127.0.0.1:4433");
  expect_authority("[::1]:0", NULL, "[::1]:4433");
  expect_authority("0.0.0.0:443", NULL, "127.0.0.1:4433");
  expect_authority("[::]:443", NULL, "[::1]:4433");
  expect_authority("10.1.2.3:443", NULL, "10.1.2.3:4433");
  expect_authority("[::]:443", "ript.example.com", "ript.example.com");
  expect_authority("[::]:443", "ript.example.com:8443",
                   "ript.example.com:8443");
  riptd_app_del(NULL);
}

/* The store the configuration names, with the node id as the owner. */
static void test_store(void **state) {
  (void)state;
  char err[1024];
  riptd_config cfg;
  riptd_app *app = NULL, *other = NULL;
  store_member = NULL; /* memory, and a random node id each time */
  if (try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem", "ca-key.pem", "ca.pem",
              "tone.wav", "rec.wav", err, sizeof(err), &app, &cfg) != 0)
    fail_msg("%s", err);
  assert_string_equal(app->store->ops->name, "memory");
  assert_int_equal(strlen(app->node_id), 16);
  assert_string_equal(app->store->cfg.node_id, app->node_id);
  assert_int_equal(app->store->cfg.lease_ms, 10000);
  assert_int_equal(app->store->cfg.orphan_grace_ms, cfg.no_byway_timeout_ms);
  assert_int_equal(riptd_app_new(&other, &cfg, &loop, err, sizeof(err)), 0);
  assert_string_not_equal(other->node_id, app->node_id);
  app_del(other);
  app_del(app);
  riptd_config_free(&cfg);
  store_member = "{\"type\": \"sqlite\", \"path\": \"state.db\", "
                 "\"node-id\": \"n1\", \"lease-ms\": 5000}";
  if (try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem", "ca-key.pem", "ca.pem",
              "tone.wav", "rec.wav", err, sizeof(err), &app, &cfg) != 0)
    fail_msg("%s", err);
  assert_string_equal(app->store->ops->name, "sqlite");
  assert_string_equal(app->node_id, "n1");
  assert_int_equal(app->store->cfg.lease_ms, 5000);
  char db[128];
  path_of(db, sizeof(db), "state.db");
  assert_int_equal(access(db, F_OK), 0);
  /* Closed once nothing uses it; the app goes later. */
  int closed = 0;
  riptd_app_close_store(app, on_store_closed, &closed);
  assert_null(app->store);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(closed, 1);
  app_del(app);
  riptd_config_free(&cfg);
  /* A file that cannot be the store is a configuration error. */
  store_member = "{\"type\": \"sqlite\", \"path\": \"junk.pem\"}";
  assert_int_equal(try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem",
                           "ca-key.pem", "ca.pem", "tone.wav", "rec.wav", err,
                           sizeof(err), &app, &cfg),
                   -1);
  char want[1024];
  subst_dir(want, sizeof(want),
            "@/riptd.json: $.store.path: @/junk.pem: file is not a "
            "database");
  assert_string_equal(err, want);
  riptd_config_free(&cfg);
  store_member = NULL;
}

/* A record route may name a directory: recordings are DIR/UUID.wav. */
static void test_record_dir(void **state) {
  (void)state;
  char err[1024];
  riptd_config cfg;
  riptd_app *app = NULL;
  if (try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem", "ca-key.pem",
              "ca.pem", "tone.wav", ".", err, sizeof(err), &app, &cfg) != 0)
    fail_msg("%s", err);
  app_del(app);
  riptd_config_free(&cfg);
}

/* The HTTP/3 stateless reset key is HKDF-SHA256 of the TLS key file
 * (no salt, info "ript quic stateless reset"): the same file gives the same
 * key in every process, and every version of riptd must agree on it, or
 * the nodes of a cluster could not answer for one another. */
static void test_reset_key(void **state) {
  (void)state;
  /* Of the one-byte file "x" (computed with Python's hmac module). */
  static const uint8_t of_x[32] = {
      0xe9, 0x47, 0x8b, 0x0e, 0x93, 0xe1, 0x58, 0xac, 0x6b, 0x1f, 0x20,
      0xb3, 0x58, 0xeb, 0x43, 0xf6, 0xfc, 0x20, 0xdd, 0xb9, 0xf3, 0x02,
      0xdf, 0x08, 0x0f, 0x6c, 0xa3, 0xfd, 0x48, 0xc5, 0x3f, 0xae};
  char err[1024];
  riptd_config cfg, cfg2;
  riptd_app *app = NULL, *again = NULL;
  if (try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem", "ca-key.pem",
              "ca.pem", "tone.wav", "rec.wav", err, sizeof(err), &app,
              &cfg) != 0)
    fail_msg("%s", err);
  assert_memory_equal(app->reset_key, of_x, sizeof(of_x));
  /* Another TLS key, another reset key. */
  write_file("tls.pem", "y", 1);
  if (try_app("127.0.0.1:0", NULL, "tls.pem", "ca.pem", "ca-key.pem",
              "ca.pem", "tone.wav", "rec.wav", err, sizeof(err), &again,
              &cfg2) != 0)
    fail_msg("%s", err);
  write_file("tls.pem", "x", 1);
  assert_memory_not_equal(again->reset_key, of_x, sizeof(of_x));
  app_del(again);
  app_del(app);
  riptd_config_free(&cfg2);
  riptd_config_free(&cfg);
}

/* ---- --dev ---- */

static json_t *load_json(const char *state_dir, const char *name) {
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", state_dir, name);
  json_t *j = json_load_file(path, 0, NULL);
  assert_non_null(j);
  return j;
}

static void test_dev(void **state) {
  (void)state;
  char state_dir[128], config[256], err[1024], token[128];
  snprintf(state_dir, sizeof(state_dir), "%s/dev", dir);
  assert_int_equal(riptd_dev_prepare(state_dir, "127.0.0.1:0", 0, 0, config,
                                     sizeof(config), err, sizeof(err)),
                   0);
  char want[256];
  snprintf(want, sizeof(want), "%s/riptd.json", state_dir);
  assert_string_equal(config, want);
  riptd_config cfg;
  riptd_app *app = NULL;
  if (riptd_config_load(&cfg, config, err, sizeof(err)) != 0 ||
      riptd_app_new(&app, &cfg, &loop, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  assert_int_equal(cfg.ncustomers, 1);
  assert_string_equal(cfg.customers[0].name, "dev");
  assert_int_equal(strlen(cfg.customers[0].tokens[0]), 64);
  snprintf(token, sizeof(token), "%s", cfg.customers[0].tokens[0]);
  assert_int_equal(cfg.ntgs, 1);
  assert_true(cfg.tgs[0].origins);
  assert_int_equal(cfg.tgs[0].nroutes, 7);
  assert_int_equal(cfg.ring_timeout_ms, 3000); /* noanswer rings briefly */
  /* The STIR CA vouches for the numbers the dev customer calls from. */
  const ript_stir_tnauth *tn = ript_stir_cert_tnauth(app->stir_ca);
  assert_non_null(tn);
  assert_int_equal(ript_stir_tnauth_covers(tn, "15550100009"), 1);
  assert_int_equal(ript_stir_tnauth_covers(tn, "15550100010"), 0);
  assert_int_equal(riptd_app_set_port(app, 5555), 0);
  assert_int_equal(riptd_dev_info(state_dir, app, err, sizeof(err)), 0);
  json_t *info = load_json(state_dir, "dev.json");
  assert_string_equal(json_string_value(json_object_get(info, "root")),
                      "https://127.0.0.1:5555/.well-known/ript");
  assert_string_equal(json_string_value(json_object_get(info, "tg")),
                      "https://127.0.0.1:5555/.well-known/ript/providertgs/"
                      "main");
  assert_string_equal(json_string_value(json_object_get(info, "token")),
                      token);
  const char *cacert = json_string_value(json_object_get(info, "cacert"));
  assert_non_null(cacert);
  assert_int_equal(cacert[0], '/');
  assert_int_equal(access(cacert, R_OK), 0);
  assert_int_equal(access(json_string_value(json_object_get(info,
                                                            "stircacert")),
                          R_OK),
                   0);
  json_t *numbers = json_object_get(info, "numbers");
  assert_int_equal(json_object_size(numbers), 7);
  assert_string_equal(json_string_value(json_object_get(numbers, "echo")),
                      "+15550101001");
  assert_string_equal(json_string_value(json_object_get(numbers, "noanswer")),
                      "+15550101007");
  json_t *from = json_object_get(info, "from");
  assert_int_equal(json_array_size(from), 10);
  assert_string_equal(json_string_value(json_array_get(from, 9)),
                      "+15550100009");
  json_decref(info);
  /* The store is in memory, owned by the node of the state directory. */
  assert_int_equal(cfg.store.kind, RIPTD_STORE_MEMORY);
  char node[256];
  snprintf(node, sizeof(node), "%s/node-id", state_dir);
  size_t node_len = 0;
  char *node_file = ript_test_read_file(node, &node_len);
  assert_int_equal(node_len, 65);
  node_file[64] = '\0';
  assert_string_equal(cfg.store.node_id, node_file);
  assert_string_equal(app->node_id, node_file);
  /* The tone: a 44-byte header and 2 s of 16-bit samples at 8 kHz. */
  char wav[256];
  snprintf(wav, sizeof(wav), "%s/tone.wav", state_dir);
  size_t len = 0;
  char *bytes = ript_test_read_file(wav, &len);
  assert_int_equal(len, 44 + 32000);
  assert_memory_equal(bytes, "RIFF", 4);
  assert_memory_equal(bytes + 8, "WAVEfmt ", 8);
  assert_memory_equal(bytes + 36, "data", 4);
  assert_int_equal((uint8_t)bytes[24] | (uint8_t)bytes[25] << 8, 8000);
  free(bytes);
  app_del(app);
  riptd_config_free(&cfg);
  /* A restart keeps the token, the CAs and the node id, and writes
   * dev.json anew; --durable keeps the store in riptd.db. */
  assert_int_equal(riptd_dev_prepare(state_dir, "[::1]:0", 0, 1, config,
                                     sizeof(config), err, sizeof(err)),
                   0);
  snprintf(want, sizeof(want), "%s/dev.json", state_dir);
  assert_int_not_equal(access(want, F_OK), 0);
  assert_int_equal(riptd_config_load(&cfg, config, err, sizeof(err)), 0);
  assert_string_equal(cfg.customers[0].tokens[0], token);
  assert_string_equal(cfg.listen_address, "::1");
  assert_string_equal(cfg.store.node_id, node_file);
  assert_int_equal(cfg.store.kind, RIPTD_STORE_SQLITE);
  snprintf(want, sizeof(want), "%s/riptd.db", state_dir);
  assert_string_equal(cfg.store.path, want);
  free(node_file);
  riptd_config_free(&cfg);
}

static void test_dev_errors(void **state) {
  (void)state;
  char config[256], err[1024], path[128];
  path_of(path, sizeof(path), "tone.wav/dev");
  assert_int_equal(riptd_dev_prepare(path, "127.0.0.1:0", 0, 0, config,
                                     sizeof(config), err, sizeof(err)),
                   -1);
  char want[256];
  snprintf(want, sizeof(want), "%s: cannot create the state directory: Not "
                               "a directory",
           path);
  assert_string_equal(err, want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors), cmocka_unit_test(test_authority),
      cmocka_unit_test(test_store),  cmocka_unit_test(test_record_dir),
      cmocka_unit_test(test_reset_key),
      cmocka_unit_test(test_dev),    cmocka_unit_test(test_dev_errors),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
