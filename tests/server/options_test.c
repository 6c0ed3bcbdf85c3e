/* riptd's command line. */
#include <string.h>

#include "options.h"
#include "testutil.h"

static int parse(riptd_options *opt, char *err, size_t errlen, ...) {
  char *argv[16] = {"riptd"};
  int argc = 1;
  va_list ap;
  va_start(ap, errlen);
  for (char *a; (a = va_arg(ap, char *)) != NULL;)
    argv[argc++] = a;
  va_end(ap);
  err[0] = '\0';
  return riptd_options_parse(opt, argc, argv, err, errlen);
}

static void test_good(void **state) {
  (void)state;
  riptd_options opt;
  char err[256];
  assert_int_equal(parse(&opt, err, sizeof(err), "--config", "r.json", NULL),
                   0);
  assert_string_equal(opt.config, "r.json");
  assert_false(opt.dev);
  assert_null(opt.listen);
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--state=/tmp/s",
                         "--listen", "[::1]:0", NULL),
                   0);
  assert_true(opt.dev);
  assert_string_equal(opt.state, "/tmp/s");
  assert_string_equal(opt.listen, "[::1]:0");
  assert_int_equal(parse(&opt, err, sizeof(err), "--config=x.json",
                         "--listen=127.0.0.1:4433", NULL),
                   0);
  assert_string_equal(opt.config, "x.json");
  assert_false(opt.durable);
  assert_null(opt.node_id);
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--durable",
                         "--node-id", "node-2", NULL),
                   0);
  assert_true(opt.durable);
  assert_string_equal(opt.node_id, "node-2");
  assert_int_equal(parse(&opt, err, sizeof(err), "--config", "x.json",
                         "--node-id=n.3", NULL),
                   0);
  assert_string_equal(opt.node_id, "n.3");
  assert_int_equal(parse(&opt, err, sizeof(err), "--help", NULL), 0);
  assert_true(opt.help);
  assert_int_equal(parse(&opt, err, sizeof(err), "-h", NULL), 0);
  assert_true(opt.help);
  assert_int_equal(parse(&opt, err, sizeof(err), "--version", NULL), 0);
  assert_true(opt.version);
  assert_non_null(strstr(riptd_options_usage(), "--dev"));
}

static void test_bad(void **state) {
  (void)state;
  riptd_options opt;
  char err[256];
  assert_int_equal(parse(&opt, err, sizeof(err), NULL), -1);
  assert_string_equal(err, "give --config FILE, or --dev");
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--config", "x",
                         NULL),
                   -1);
  assert_string_equal(err, "--dev and --config exclude each other");
  assert_int_equal(parse(&opt, err, sizeof(err), "--config", "x", "--state",
                         "d", NULL),
                   -1);
  assert_string_equal(err, "--state belongs to --dev");
  assert_int_equal(
      parse(&opt, err, sizeof(err), "--config", "x", "--durable", NULL), -1);
  assert_string_equal(err, "--durable belongs to --dev");
  assert_int_equal(
      parse(&opt, err, sizeof(err), "--dev", "--node-id", "a b", NULL), -1);
  assert_string_equal(err, "--node-id a b: expected 1 to 64 of A-Z a-z 0-9 "
                           "- . _ ~ (not \".\" or \"..\")");
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--node-id", NULL),
                   -1);
  assert_string_equal(err, "--node-id needs a value");
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--listen",
                         "localhost:80", NULL),
                   -1);
  assert_string_equal(err, "--listen localhost:80: expected ADDRESS:PORT or "
                           "[IPv6]:PORT with a numeric address and a port "
                           "from 0 to 65535");
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--state", NULL),
                   -1);
  assert_string_equal(err, "--state needs a value");
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "--devx", NULL),
                   -1);
  assert_string_equal(err, "unknown argument --devx");
  assert_int_equal(parse(&opt, err, sizeof(err), "--configx=1", NULL), -1);
  assert_string_equal(err, "unknown argument --configx=1");
  assert_int_equal(parse(&opt, err, sizeof(err), "config.json", NULL), -1);
  assert_string_equal(err, "unknown argument config.json");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good),
      cmocka_unit_test(test_bad),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
