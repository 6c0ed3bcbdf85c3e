/* Where ript gets its server, token and CA (setup.c), and what it keeps in
 * its state directory (state.c). Files live in a fresh temporary directory. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "options.h"
#include "setup.h"
#include "state.h"
#include "testutil.h"

static const char dev_token[] = "c23eafa703f490346e32e45815306c89";

typedef struct fixture {
  char dir[64];
  char path[256];
} fixture;

static int fixture_setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  snprintf(f->dir, sizeof(f->dir), "/tmp/ript-cli-XXXXXX");
  if (!f || !mkdtemp(f->dir))
    return -1;
  *state = f;
  return 0;
}

static int remove_one(const char *path, const struct stat *sb, int flag,
                      struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

static int fixture_teardown(void **state) {
  fixture *f = *state;
  int rv = nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return rv;
}

/* f->path = DIR/NAME, holding |text| when it is not NULL. */
static const char *fixture_file(fixture *f, const char *name,
                                const char *text) {
  snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, name);
  if (text) {
    FILE *out = fopen(f->path, "wb");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
  }
  return f->path;
}

static void write_dev(fixture *f) {
  char json[512];
  snprintf(json, sizeof(json),
           "{\"root\": \"https://127.0.0.1:4433/.well-known/ript\", "
           "\"tg\": \"https://127.0.0.1:4433/.well-known/ript/providertgs/"
           "main\", \"token\": \"%s\", \"cacert\": \"/dev/ca.pem\"}",
           dev_token);
  fixture_file(f, "dev.json", json);
}

static void options_for(ript_cli_options *opt) {
  memset(opt, 0, sizeof(*opt));
  opt->command = ript_cli_command_find(NULL, "discover");
  opt->version = RIPT_HTTP_3;
}

/* ---- setup ---- */

static void test_setup_from_dev(void **state) {
  fixture *f = *state;
  write_dev(f);
  ript_cli_options opt;
  options_for(&opt);
  opt.dev = f->dir; /* the directory holding dev.json */
  ript_cli_setup s;
  char err[512];
  assert_int_equal(ript_cli_setup_load(&s, &opt, "ENVTOKEN", "/home/u", err,
                                       sizeof(err)),
                   0);
  assert_string_equal(s.root, "https://127.0.0.1:4433/.well-known/ript");
  assert_string_equal(s.token, dev_token); /* --dev wins over RIPT_TOKEN */
  assert_string_equal(s.cacert, "/dev/ca.pem");
  assert_string_equal(s.state_dir, "/home/u/.ript");
  ript_cli_setup_free(&s);
  assert_null(s.token);

  /* The command line wins over dev.json; --dev may name the file. */
  opt.dev = fixture_file(f, "dev.json", NULL);
  opt.authority = "ript.example.com";
  opt.token = "cli-token";
  opt.cacert = "/my/ca.pem";
  opt.state = "/state";
  assert_int_equal(
      ript_cli_setup_load(&s, &opt, NULL, NULL, err, sizeof(err)), 0);
  assert_string_equal(s.root, "https://ript.example.com/.well-known/ript");
  assert_string_equal(s.token, "cli-token");
  assert_string_equal(s.cacert, "/my/ca.pem");
  assert_string_equal(s.state_dir, "/state");
  ript_cli_setup_free(&s);
}

static void test_setup_oauth(void **state) {
  fixture *f = *state;
  fixture_file(f, "dev.json",
               "{\"root\": \"https://127.0.0.1:4433/.well-known/ript\", "
               "\"token\": \"static-token\", \"oauth\": {"
               "\"token_endpoint\": \"https://127.0.0.1:4433/oauth/token\"}}");
  ript_cli_options opt;
  options_for(&opt);
  opt.dev = f->dir;
  opt.client_id = "pbx";
  opt.client_secret_file = fixture_file(f, "secret", " s3cret \n");
  ript_cli_setup s;
  char err[512];
  assert_int_equal(
      ript_cli_setup_load(&s, &opt, "env-token", NULL, err, sizeof(err)), 0);
  assert_null(s.token); /* neither dev.json's nor RIPT_TOKEN */
  assert_string_equal(s.token_endpoint, "https://127.0.0.1:4433/oauth/token");
  assert_int_equal(ript_cli_setup_oauth(&s, &opt, "env-secret", "env-refresh",
                                        err, sizeof(err)),
                   0);
  assert_true(s.oauth);
  assert_string_equal(s.client_id, "pbx");
  assert_string_equal(s.client_secret, "s3cret");
  assert_null(s.refresh_token); /* the client authenticates instead */
  ript_cli_setup_free(&s);
  /* The secret from the environment; no secret at all is refused. */
  opt.client_secret_file = NULL;
  opt.token_endpoint = "https://as.example/token";
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   0);
  assert_string_equal(s.token_endpoint, "https://as.example/token");
  assert_int_equal(ript_cli_setup_oauth(&s, &opt, "env-secret", NULL, err,
                                        sizeof(err)),
                   0);
  assert_string_equal(s.client_secret, "env-secret");
  ript_cli_setup_free(&s);
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   0);
  assert_int_equal(
      ript_cli_setup_oauth(&s, &opt, NULL, NULL, err, sizeof(err)), -1);
  assert_string_equal(err, "--client-id pbx needs its secret: "
                           "--client-secret-file FILE or RIPT_CLIENT_SECRET");
  ript_cli_setup_free(&s);
  /* A refresh token alone. */
  opt.client_id = NULL;
  opt.refresh_token_file = fixture_file(f, "refresh", "rt-1\n");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   0);
  assert_int_equal(
      ript_cli_setup_oauth(&s, &opt, NULL, NULL, err, sizeof(err)), 0);
  assert_string_equal(s.refresh_token, "rt-1");
  assert_null(s.client_id);
  ript_cli_setup_free(&s);
  opt.refresh_token_file = fixture_file(f, "missing-dir/x", NULL);
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   0);
  assert_int_equal(
      ript_cli_setup_oauth(&s, &opt, NULL, NULL, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "--refresh-token-file "));
  ript_cli_setup_free(&s);
}

static void test_setup_token_sources(void **state) {
  fixture *f = *state;
  ript_cli_options opt;
  options_for(&opt);
  opt.root = "https://r.example/.well-known/ript";
  ript_cli_setup s;
  char err[512];
  assert_int_equal(
      ript_cli_setup_load(&s, &opt, "env-token==", NULL, err, sizeof(err)), 0);
  assert_string_equal(s.token, "env-token==");
  assert_null(s.cacert);
  assert_null(s.state_dir); /* neither --state nor HOME */
  ript_cli_setup_free(&s);
  assert_int_equal(ript_cli_setup_load(&s, &opt, "", "", err, sizeof(err)),
                   0);
  assert_null(s.token);
  ript_cli_setup_free(&s);

  opt.token_file = fixture_file(f, "token", "\n  a.B-c_~+/9==\r\n\n");
  assert_int_equal(
      ript_cli_setup_load(&s, &opt, "env", NULL, err, sizeof(err)), 0);
  assert_string_equal(s.token, "a.B-c_~+/9==");
  ript_cli_setup_free(&s);
}

static void test_setup_refusals(void **state) {
  fixture *f = *state;
  ript_cli_options opt;
  options_for(&opt);
  ript_cli_setup s;
  char err[512];
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_string_equal(err, "no server: give --root URL, --authority "
                           "HOST[:PORT] or --dev FILE");
  assert_null(s.root);

  char want[512];
  opt.dev = fixture_file(f, "missing.json", NULL);
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  snprintf(want, sizeof(want), "--dev %s: No such file or directory",
           f->path);
  assert_string_equal(err, want);
  opt.dev = fixture_file(f, "bad.json", "{\"root\": ");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "bad.json: not JSON: "));
  opt.dev = fixture_file(f, "arr.json", "[]");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "arr.json: not a riptd dev.json"));
  opt.dev = fixture_file(f, "num.json", "{\"root\": 1}");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "num.json: \"root\" is not a non-empty string"));
  opt.dev = fixture_file(f, "http.json", "{\"root\": \"http://a/\"}");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "http.json: \"root\" is not an https URL"));

  /* Tokens of the wrong form are refused without being shown. */
  options_for(&opt);
  opt.root = "https://r.example/";
  opt.token = "sec ret";
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_string_equal(err, "the token from --token is not a bearer token "
                           "(RFC 6750: letters, digits and -._~+/, then any "
                           "'=')");
  opt.token = NULL;
  assert_int_equal(ript_cli_setup_load(&s, &opt, "sec\r\nX-Evil: 1", NULL,
                                       err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "from RIPT_TOKEN is not a bearer token"));
  assert_null(strstr(err, "Evil"));
  opt.token_file = fixture_file(f, "tok2", "line1\nline2\n");
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "from --token-file is not a bearer token"));
  assert_null(strstr(err, "line"));
  opt.token_file = fixture_file(f, "nothing", NULL);
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  snprintf(want, sizeof(want), "--token-file %s: No such file or directory",
           f->path);
  assert_string_equal(err, want);
  char big[5000];
  memset(big, 'a', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  opt.token_file = fixture_file(f, "big", big);
  assert_int_equal(ript_cli_setup_load(&s, &opt, NULL, NULL, err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "cannot read it, or it is too long"));
}

/* ---- state ---- */

static json_t *load(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  json_t *doc = json_load_file(path, 0, NULL);
  assert_non_null(doc);
  return doc;
}

static void test_state_authority(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(ript_cli_state_authority(
                       "https://127.0.0.1:4433/.well-known/ript", out,
                       sizeof(out)),
                   0);
  assert_string_equal(out, "127.0.0.1_4433");
  assert_int_equal(ript_cli_state_authority(
                       "https://[::1]:4433/.well-known/ript", out,
                       sizeof(out)),
                   0);
  assert_string_equal(out, "___1__4433");
  assert_int_equal(
      ript_cli_state_authority("https://Ript.Example-1.com/x", out, 19), 0);
  assert_string_equal(out, "Ript.Example-1.com");
  assert_int_equal(
      ript_cli_state_authority("https://Ript.Example-1.com/x", out, 18), -1);
  assert_int_equal(ript_cli_state_authority("ftp://a/", out, sizeof(out)),
                   -1);
  assert_int_equal(ript_cli_state_authority(NULL, out, sizeof(out)), -1);
}

static void test_state_dirs_and_device_id(void **state) {
  fixture *f = *state;
  ript_cli_state st;
  char err[512], id[RIPT_CLI_DEVICE_ID_LEN + 1], again[sizeof(id)];
  const char *dir = fixture_file(f, "state", NULL);
  assert_int_equal(ript_cli_state_open(&st, dir,
                                       "https://a.example:8443/r", err,
                                       sizeof(err)),
                   0);
  struct stat sb;
  assert_int_equal(stat(st.server_dir, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_non_null(strstr(st.server_dir, "/state/a.example_8443"));
  char *p = ript_cli_state_path(&st, "x.key");
  assert_non_null(strstr(p, "/state/a.example_8443/x.key"));
  free(p);

  assert_int_equal(ript_cli_state_device_id(&st, id, err, sizeof(err)), 0);
  assert_int_equal(strlen(id), RIPT_CLI_DEVICE_ID_LEN);
  assert_int_equal(strncmp(id, "ript-", 5), 0);
  assert_int_equal(strspn(id + 5, "0123456789abcdef"), 16);
  assert_int_equal(ript_cli_state_device_id(&st, again, err, sizeof(err)), 0);
  assert_string_equal(id, again);
  char path[512];
  snprintf(path, sizeof(path), "%s/device-id", dir);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  FILE *out = fopen(path, "wb");
  fputs("garbage", out);
  fclose(out);
  assert_int_equal(ript_cli_state_device_id(&st, again, err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "does not hold a device id; remove it"));
  ript_cli_state_close(&st);

  /* A file where the directory should be. */
  const char *file = fixture_file(f, "afile", "x");
  char sub[300];
  snprintf(sub, sizeof(sub), "%s/sub", file);
  assert_int_equal(ript_cli_state_open(&st, file, "https://a/", err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "afile: Not a directory"));
  assert_int_equal(ript_cli_state_open(&st, sub, "https://a/", err,
                                       sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "Not a directory"));
  assert_int_equal(ript_cli_state_open(&st, dir, "nope", err, sizeof(err)),
                   -1);
  assert_string_equal(err, "the root URI has no usable authority");
}

static void test_state_handlers(void **state) {
  fixture *f = *state;
  ript_cli_state st;
  char err[512];
  const char *tg1 = "https://a/tg1", *tg2 = "https://a/tg2";
  assert_int_equal(ript_cli_state_open(&st, fixture_file(f, "s", NULL),
                                       "https://a/", err, sizeof(err)),
                   0);
  char *uri = (char *)1;
  /* Nothing remembered yet: no file needed. */
  assert_int_equal(ript_cli_state_handler_find(&st, NULL, "phone", &uri, err,
                                               sizeof(err)),
                   0);
  assert_null(uri);
  assert_int_equal(ript_cli_state_handler_put(&st, tg1, "phone",
                                              "https://a/tg1/h/phone", err,
                                              sizeof(err)),
                   0);
  assert_int_equal(ript_cli_state_handler_put(&st, tg2, "phone",
                                              "https://a/tg2/h/phone", err,
                                              sizeof(err)),
                   0);
  /* Putting the same URI again replaces its entry. */
  assert_int_equal(ript_cli_state_handler_put(&st, tg1, "phone",
                                              "https://a/tg1/h/phone", err,
                                              sizeof(err)),
                   0);
  json_t *doc = load(st.server_dir, "handlers.json");
  assert_int_equal(json_array_size(json_object_get(doc, "handlers")), 2);
  json_decref(doc);
  assert_int_equal(ript_cli_state_handler_find(&st, tg2, "phone", &uri, err,
                                               sizeof(err)),
                   0);
  assert_string_equal(uri, "https://a/tg2/h/phone");
  free(uri);
  assert_int_equal(ript_cli_state_handler_find(&st, NULL, "phone", &uri, err,
                                               sizeof(err)),
                   0);
  assert_non_null(uri);
  free(uri);
  assert_int_equal(ript_cli_state_handler_find(&st, tg1, "tv", &uri, err,
                                               sizeof(err)),
                   0);
  assert_null(uri);
  assert_int_equal(ript_cli_state_handler_drop(&st, "https://a/tg2/h/phone",
                                               err, sizeof(err)),
                   0);
  assert_int_equal(ript_cli_state_handler_drop(&st, "https://a/unknown", err,
                                               sizeof(err)),
                   0);
  assert_int_equal(ript_cli_state_handler_find(&st, tg2, "phone", &uri, err,
                                               sizeof(err)),
                   0);
  assert_null(uri);
  doc = load(st.server_dir, "handlers.json");
  json_t *e = json_array_get(json_object_get(doc, "handlers"), 0);
  assert_string_equal(json_string_value(json_object_get(e, "tg")), tg1);
  assert_string_equal(json_string_value(json_object_get(e, "handler-id")),
                      "phone");
  json_decref(doc);

  /* A damaged file is reported, never silently replaced. */
  char path[512];
  snprintf(path, sizeof(path), "%s/handlers.json", st.server_dir);
  FILE *out = fopen(path, "wb");
  fputs("{\"handlers\": 3}", out);
  fclose(out);
  assert_int_equal(ript_cli_state_handler_put(&st, tg1, "x", "https://a/x",
                                              err, sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "has no \"handlers\" array; remove it"));
  out = fopen(path, "wb");
  fputs("{", out);
  fclose(out);
  assert_int_equal(ript_cli_state_handler_find(&st, tg1, "x", &uri, err,
                                               sizeof(err)),
                   -1);
  assert_non_null(strstr(err, "is not JSON"));
  ript_cli_state_close(&st);
}

static void test_state_cert(void **state) {
  fixture *f = *state;
  ript_cli_state st;
  char err[512];
  assert_int_equal(ript_cli_state_open(&st, fixture_file(f, "c", NULL),
                                       "https://a/", err, sizeof(err)),
                   0);
  const char chain[] = "-----BEGIN CERTIFICATE-----\n...\n";
  ript_cli_cert_record rec = {"+15550100000", "https://a/tg",
                              "https://a/tg/certs/01", chain,
                              sizeof(chain) - 1, 1577836800, 1893456000};
  assert_int_equal(ript_cli_state_cert_save(&st, &rec, err, sizeof(err)), 0);
  json_t *doc = load(st.server_dir, "+15550100000.json");
  const char *keys[][2] = {{"number", "+15550100000"},
                           {"tg", "https://a/tg"},
                           {"x5u", "https://a/tg/certs/01"},
                           {"not-before", "2020-01-01T00:00:00Z"},
                           {"not-after", "2030-01-01T00:00:00Z"}};
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); ++i)
    assert_string_equal(json_string_value(json_object_get(doc, keys[i][0])),
                        keys[i][1]);
  assert_non_null(strstr(json_string_value(json_object_get(doc, "key")),
                         "/+15550100000.key"));
  json_decref(doc);
  char path[512];
  snprintf(path, sizeof(path), "%s/+15550100000.pem", st.server_dir);
  size_t len;
  char *text = ript_test_read_file(path, &len);
  assert_int_equal(len, sizeof(chain) - 1);
  assert_memory_equal(text, chain, len);
  free(text);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);

  /* Found again for the TG that issued it while valid long enough. */
  char *x5u = NULL;
  assert_int_equal(ript_cli_state_cert_find(&st, "+15550100000",
                                            "https://a/tg", 1893456000, &x5u,
                                            err, sizeof(err)),
                   0);
  assert_string_equal(x5u, "https://a/tg/certs/01");
  free(x5u);
  const struct {
    const char *e164, *tg;
    int64_t until;
  } none[] = {{"+15550100000", "https://a/other", 0},
              {"+15550100000", "https://a/tg", 1893456001},
              {"+15550100009", "https://a/tg", 0}};
  for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); ++i) {
    x5u = (char *)"unchanged";
    assert_int_equal(ript_cli_state_cert_find(&st, none[i].e164, none[i].tg,
                                              none[i].until, &x5u, err,
                                              sizeof(err)),
                     0);
    assert_null(x5u);
  }
  /* A record that is not JSON, and one without a usable not-after. */
  fixture_file(f, "c/a/+15550100002.json", "{");
  assert_int_equal(ript_cli_state_cert_find(&st, "+15550100002",
                                            "https://a/tg", 0, &x5u, err,
                                            sizeof(err)),
                   -1);
  assert_null(x5u);
  assert_non_null(strstr(err, "+15550100002.json is not JSON"));
  fixture_file(f, "c/a/+15550100003.json",
               "{\"tg\": \"https://a/tg\", \"x5u\": \"https://a/x\", "
               "\"not-after\": \"2030-01-01\"}");
  assert_int_equal(ript_cli_state_cert_find(&st, "+15550100003",
                                            "https://a/tg", 0, &x5u, err,
                                            sizeof(err)),
                   0);
  assert_null(x5u);

  /* A directory in the way of the file. */
  snprintf(path, sizeof(path), "%s/+15550100001.pem", st.server_dir);
  assert_int_equal(mkdir(path, 0700), 0);
  rec.e164 = "+15550100001";
  assert_int_equal(ript_cli_state_cert_save(&st, &rec, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "+15550100001.pem: Is a directory"));
  ript_cli_state_close(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_setup_from_dev, fixture_setup,
                                      fixture_teardown),
      cmocka_unit_test_setup_teardown(test_setup_oauth, fixture_setup,
                                      fixture_teardown),
      cmocka_unit_test_setup_teardown(test_setup_token_sources, fixture_setup,
                                      fixture_teardown),
      cmocka_unit_test_setup_teardown(test_setup_refusals, fixture_setup,
                                      fixture_teardown),
      cmocka_unit_test(test_state_authority),
      cmocka_unit_test_setup_teardown(test_state_dirs_and_device_id,
                                      fixture_setup, fixture_teardown),
      cmocka_unit_test_setup_teardown(test_state_handlers, fixture_setup,
                                      fixture_teardown),
      cmocka_unit_test_setup_teardown(test_state_cert, fixture_setup,
                                      fixture_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
