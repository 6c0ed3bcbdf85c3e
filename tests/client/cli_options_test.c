/* The ript command line: words, options, values, and every refusal. */
#include <stdlib.h>
#include <string.h>

#include "cli_test.h"
#include "options.h"

static int parse(ript_cli_options *opt, char *err, size_t errlen, ...) {
  char *argv[24] = {"ript"};
  int argc = 1;
  va_list ap;
  va_start(ap, errlen);
  for (char *a; (a = va_arg(ap, char *)) != NULL;)
    argv[argc++] = a;
  va_end(ap);
  err[0] = '\0';
  return ript_cli_options_parse(opt, argc, argv, err, errlen);
}

/* Expects a refusal with exactly |want| as the message. */
#define REFUSED(want, ...)                                                    \
  do {                                                                        \
    assert_int_equal(parse(&opt, err, sizeof(err), __VA_ARGS__, NULL), -1);   \
    assert_string_equal(err, want);                                           \
  } while (0)

static void test_commands(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  assert_int_equal(parse(&opt, err, sizeof(err), "--dev", "d", "discover",
                         NULL),
                   0);
  assert_ptr_equal(opt.command, cli_test_row("discover"));
  assert_string_equal(opt.dev, "d");
  assert_int_equal(opt.version, RIPT_HTTP_3);
  assert_int_equal(opt.timeout_s, RIPT_CLI_DEFAULT_TIMEOUT_S);
  assert_false(opt.json);
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "add", NULL), 0);
  assert_ptr_equal(opt.command, cli_test_row("handler add"));
  assert_null(opt.id);
  assert_null(opt.advertisement);
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "list", NULL), 0);
  assert_ptr_equal(opt.command, cli_test_row("handler list"));
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "rm", "phone",
                         NULL),
                   0);
  assert_ptr_equal(opt.command, cli_test_row("handler rm"));
  assert_string_equal(opt.target, "phone");
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "rm",
                         "https://a.example/tg/handlers/x", NULL),
                   0);
  assert_string_equal(opt.target, "https://a.example/tg/handlers/x");
  /* "--" ends the options: an id may then start with '-'. */
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "rm", "--",
                         "-phone", NULL),
                   0);
  assert_string_equal(opt.target, "-phone");
  assert_int_equal(parse(&opt, err, sizeof(err), "cert", "--from",
                         "+1 (555) 010-0000", NULL),
                   0);
  assert_ptr_equal(opt.command, cli_test_row("cert"));
  assert_string_equal(opt.from, "+15550100000");
}

static void test_options_anywhere(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  assert_int_equal(
      parse(&opt, err, sizeof(err), "handler", "--json", "add",
            "--transport=h2", "--id", "desk.phone-1", "--advertisement",
            "1 in: PCMU;", "--root", "https://r.example/.well-known/ript",
            "--token-file", "/t", "--cacert=/ca.pem", "--state", "/s",
            "--tg", "https://r.example/tg", "--timeout", "30", NULL),
      0);
  assert_ptr_equal(opt.command, cli_test_row("handler add"));
  assert_true(opt.json);
  assert_int_equal(opt.version, RIPT_HTTP_2);
  assert_string_equal(opt.id, "desk.phone-1");
  assert_string_equal(opt.advertisement, "1 in: PCMU;");
  assert_string_equal(opt.root, "https://r.example/.well-known/ript");
  assert_string_equal(opt.token_file, "/t");
  assert_string_equal(opt.cacert, "/ca.pem");
  assert_string_equal(opt.state, "/s");
  assert_string_equal(opt.tg, "https://r.example/tg");
  assert_int_equal(opt.timeout_s, 30);
  assert_int_equal(parse(&opt, err, sizeof(err), "--authority",
                         "[::1]:4433", "--token", "abc", "--transport", "h3",
                         "discover", NULL),
                   0);
  assert_string_equal(opt.authority, "[::1]:4433");
  assert_string_equal(opt.token, "abc");
  assert_int_equal(opt.version, RIPT_HTTP_3);
}

static void test_help_and_version(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  assert_int_equal(parse(&opt, err, sizeof(err), "--help", NULL), 0);
  assert_true(opt.help);
  assert_null(opt.command);
  /* --help skips the checks of values: "ript cert -h" needs no --from. */
  assert_int_equal(parse(&opt, err, sizeof(err), "cert", "-h", NULL), 0);
  assert_ptr_equal(opt.command, cli_test_row("cert"));
  assert_true(opt.help);
  assert_int_equal(parse(&opt, err, sizeof(err), "handler", "--help", NULL),
                   0);
  assert_ptr_equal(opt.command, cli_test_row("handler"));
  assert_int_equal(parse(&opt, err, sizeof(err), "--version", NULL), 0);
  assert_true(opt.show_version);
  /* Unknown words are still refused. */
  REFUSED("unknown command 'dial'", "dial", "--help");

  char *main_help = cli_test_printed(ript_cli_help, NULL);
  assert_non_null(strstr(main_help, "Exit status:"));
  assert_non_null(strstr(main_help, "  1  the server refused"));
  assert_non_null(strstr(main_help, "  2  bad arguments"));
  assert_non_null(strstr(main_help, "  3  the server cannot be reached"));
  assert_non_null(strstr(main_help, "  4  a local problem"));
  assert_non_null(strstr(main_help, "RIPT_TOKEN"));
  assert_non_null(strstr(cli_test_row("handler rm")->help,
                         RIPT_CLI_DEFAULT_ADVERTISEMENT));
  assert_non_null(strstr(cli_test_row("cert")->help, "0600"));
  assert_non_null(strstr(cli_test_row("discover")->help, "TNAuthList"));
  assert_non_null(strstr(cli_test_row("call")->help, "--cut-at SECONDS"));
  assert_non_null(strstr(main_help, "  call --from N --to D"));
  free(main_help);
  /* ript's usage (NULL) and every command's. */
  for (size_t i = 0; i <= ript_cli_ncommands; ++i) {
    char *u = cli_test_printed(
        ript_cli_usage, i < ript_cli_ncommands ? &ript_cli_commands[i] : NULL);
    assert_int_equal(strncmp(u, "usage: ript [OPTIONS] ", 22), 0);
    assert_ptr_equal(strchr(u, '\n'), u + strlen(u) - 1); /* one line */
    free(u);
  }
}

static void test_refused_words(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  REFUSED("give a command: discover, handler, cert or call", "--json");
  REFUSED("unknown command 'disco'", "disco");
  REFUSED("ript handler needs add, list or rm", "handler");
  REFUSED("unknown handler command 'del' (add, list, rm)", "handler", "del");
  REFUSED("ript handler rm needs a handler id or URI", "handler", "rm");
  REFUSED("unexpected argument 'x'", "discover", "x");
  REFUSED("unexpected argument 'y'", "handler", "rm", "x", "y");
  REFUSED("unexpected argument 'a'", "discover", "a", "b", "c", "d", "e");
  REFUSED("ript cert needs --from NUMBER", "cert");
}

static void test_refused_options(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  REFUSED("unknown option '--tokn'", "--tokn=SECRET", "discover");
  assert_null(strstr(err, "SECRET"));
  REFUSED("unknown option '-x'", "discover", "-x");
  REFUSED("--root needs a value", "discover", "--root");
  REFUSED("--token needs a value", "discover", "--token");
  /* The first problem wins; the command is still known for the usage. */
  REFUSED("unknown option '--bad'", "--bad", "cert", "--from");
  assert_ptr_equal(opt.command, cli_test_row("cert"));
  REFUSED("--from is not an option of this command", "discover", "--from",
          "+15550100000");
  REFUSED("--tg is not an option of this command", "discover", "--tg",
          "https://a/tg");
  REFUSED("--id is not an option of this command", "handler", "list", "--id",
          "x");
  REFUSED("--advertisement is not an option of this command", "cert",
          "--from", "+1555", "--advertisement", "1 in: PCMU;");
  REFUSED("--root and --authority exclude each other", "discover", "--root",
          "https://a/", "--authority", "a");
  REFUSED("--token and --token-file exclude each other", "discover",
          "--token", "t", "--token-file", "f");
  REFUSED("--token is empty", "discover", "--token=");
  REFUSED("--token gives a fixed token; --client-id, --refresh-token-file "
          "and --token-endpoint get tokens from the server: use one way",
          "discover", "--token", "t", "--client-id", "pbx");
  REFUSED("--token-file gives a fixed token; --client-id, "
          "--refresh-token-file and --token-endpoint get tokens from the "
          "server: use one way",
          "discover", "--token-file", "f", "--refresh-token-file", "r");
  REFUSED("--client-secret-file needs --client-id", "discover",
          "--client-secret-file", "s");
  REFUSED("--token-endpoint 'http://as/token' is not an https URL: at byte "
          "4 expected \"https://\"",
          "discover", "--token-endpoint", "http://as/token");
}

static void test_refused_values(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  REFUSED("--transport 'h1': expected h3 or h2", "discover", "--transport",
          "h1");
  REFUSED("--timeout '0': expected whole seconds from 1 to 3600", "discover",
          "--timeout", "0");
  REFUSED("--timeout '3601': expected whole seconds from 1 to 3600",
          "discover", "--timeout", "3601");
  REFUSED("--timeout '5s': expected whole seconds from 1 to 3600",
          "discover", "--timeout", "5s");
  REFUSED("--timeout '-1': expected whole seconds from 1 to 3600", "discover",
          "--timeout=-1");
  REFUSED("--root 'http://a/' is not an https URL: at byte 4 expected "
          "\"https://\"",
          "discover", "--root", "http://a/");
  REFUSED("--root 'https://a/?q' is not an https URL: at byte 10 expected "
          "no query or fragment in a RIPT URI",
          "discover", "--root", "https://a/?q");
  REFUSED("--tg 'https://u@a/' is not an https URL: at byte 9 expected an "
          "authority without userinfo",
          "handler", "list", "--tg", "https://u@a/");
  REFUSED("--authority 'a b': expected HOST or HOST:PORT (an IPv6 address "
          "in brackets)",
          "discover", "--authority", "a b");
  REFUSED("--authority 'a:99999': expected HOST or HOST:PORT (an IPv6 "
          "address in brackets)",
          "discover", "--authority", "a:99999");
  REFUSED("--id 'a b': expected 1 to 128 of A-Z a-z 0-9 . _ ~ -", "handler",
          "add", "--id", "a b");
  REFUSED("--advertisement is not an advertisement: at byte 0 expected "
          "stream id",
          "handler", "add", "--advertisement", "");
  REFUSED("--advertisement is not an advertisement: at byte 0 expected "
          "stream id 1..255",
          "handler", "add", "--advertisement", "0 in: opus;");
  REFUSED("'a/b' is neither a handler URI nor a handler id (1 to 128 of A-Z "
          "a-z 0-9 . _ ~ -)",
          "handler", "rm", "a/b");
  REFUSED("handler 'https://a b/' is not an https URL: at byte 9 expected a "
          "host character",
          "handler", "rm", "https://a b/");
  REFUSED("--from '+1555x': expected an E.164 number such as +15550100000",
          "cert", "--from", "+1555x");
  REFUSED("--from 'alice@example.com': expected an E.164 number such as "
          "+15550100000",
          "cert", "--from", "alice@example.com");
  REFUSED("--from '+1234567890123456': expected an E.164 number such as "
          "+15550100000",
          "cert", "--from", "+1234567890123456");
  assert_string_equal(opt.from, "");
}

static void test_call(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  assert_int_equal(parse(&opt, err, sizeof(err), "call", "--from",
                         "+1 555 010 0000", "--to", "+1-555-010-1001", NULL),
                   0);
  assert_ptr_equal(opt.command, cli_test_row("call"));
  assert_string_equal(opt.from, "+15550100000");
  assert_string_equal(opt.to, "+15550101001");
  assert_null(opt.play);
  assert_null(opt.record);
  assert_null(opt.codec);
  assert_null(opt.dtmf);
  assert_int_equal(opt.duration_ms, 0);
  assert_int_equal(opt.cut_at_ms, 0);
  assert_int_equal(opt.media, RIPT_CLIENT_MEDIA_AUTO);
  assert_int_equal(
      parse(&opt, err, sizeof(err), "--transport", "h3", "call", "--from",
            "+15550100000", "--to", "Alice@Example.COM", "--play", "in.wav",
            "--record=out.wav", "--duration", "2.5", "--codec", "pcmu",
            "--media", "datagram", "--dtmf", "0123456789*#ABCDabcd",
            "--cut-at", ".25", "--tg", "https://a/tg", "--json", NULL),
      0);
  assert_string_equal(opt.to, "Alice@example.com");
  assert_string_equal(opt.play, "in.wav");
  assert_string_equal(opt.record, "out.wav");
  assert_int_equal(opt.duration_ms, 2500);
  assert_int_equal(opt.cut_at_ms, 250);
  assert_string_equal(opt.codec, "PCMU");
  assert_int_equal(opt.media, RIPT_CLIENT_MEDIA_DATAGRAM);
  assert_string_equal(opt.dtmf, "0123456789*#ABCDabcd");
  assert_string_equal(opt.tg, "https://a/tg");
  assert_true(opt.json);
  assert_int_equal(parse(&opt, err, sizeof(err), "call", "--from", "+1555",
                         "--to", "+1556", "--codec", "OPUS", "--media",
                         "byway", "--transport", "h2", "--duration", "86400",
                         NULL),
                   0);
  assert_string_equal(opt.codec, "opus");
  assert_int_equal(opt.media, RIPT_CLIENT_MEDIA_BYWAY);
  assert_int_equal(opt.duration_ms, 86400000);
  assert_null(opt.media_key);
  assert_null(opt.media_key_file);
  assert_int_equal(parse(&opt, err, sizeof(err), "call", "--from", "+1555",
                         "--to", "+1556", "--media-key",
                         "7:AAECAwQFBgcICQoLDA0ODw", NULL),
                   0);
  assert_string_equal(opt.media_key, "7:AAECAwQFBgcICQoLDA0ODw");
  assert_int_equal(parse(&opt, err, sizeof(err), "call", "--from", "+1555",
                         "--to", "+1556", "--media-key-file", "k.txt", NULL),
                   0);
  assert_string_equal(opt.media_key_file, "k.txt");
  assert_int_equal(parse(&opt, err, sizeof(err), "call", "--help", NULL), 0);
  assert_true(opt.help);
}

static void test_call_refused(void **state) {
  (void)state;
  ript_cli_options opt;
  char err[512];
  const char *c[] = {"call", "--from", "+15550100000", "--to", "+15550101001"};
#define CALL_REFUSED(want, ...)                                               \
  REFUSED(want, c[0], c[1], c[2], c[3], c[4], __VA_ARGS__)
  REFUSED("ript call needs --from NUMBER and --to DESTINATION", "call");
  REFUSED("ript call needs --from NUMBER and --to DESTINATION", "call",
          "--from", "+15550100000");
  REFUSED("ript call needs --from NUMBER and --to DESTINATION", "call",
          "--to", "+15550100000");
  REFUSED("--to 'a b' is not a destination (an E.164 number or user@domain): "
          "at byte 0",
          "call", "--from", "+15550100000", "--to", "a b");
  REFUSED("--to '+1555x' is not a destination (an E.164 number or "
          "user@domain): at byte 5",
          "call", "--from", "+15550100000", "--to", "+1555x");
  assert_string_equal(opt.to, "");
  REFUSED("--from 'bob@example.com': expected an E.164 number such as "
          "+15550100000",
          "call", "--from", "bob@example.com", "--to", "+15550100000");
  CALL_REFUSED("--duration '0': expected seconds from 0.001 to 86400",
               "--duration", "0");
  CALL_REFUSED("--duration '0.0004': expected seconds from 0.001 to 86400",
               "--duration", "0.0004");
  CALL_REFUSED("--duration '86401': expected seconds from 0.001 to 86400",
               "--duration", "86401");
  CALL_REFUSED("--duration '-1': expected seconds from 0.001 to 86400",
               "--duration=-1");
  CALL_REFUSED("--duration '10s': expected seconds from 0.001 to 86400",
               "--duration", "10s");
  CALL_REFUSED("--duration 'nan': expected seconds from 0.001 to 86400",
               "--duration", "nan");
  CALL_REFUSED("--cut-at '1e9': expected seconds from 0.001 to 86400",
               "--cut-at", "1e9");
  CALL_REFUSED("--codec 'G722': expected opus, PCMU or PCMA", "--codec",
               "G722");
  CALL_REFUSED("--media 'datagrams': expected datagram or byway", "--media",
               "datagrams");
  CALL_REFUSED("--media datagram needs HTTP/3 (--transport h3)", "--media",
               "datagram", "--transport", "h2");
  CALL_REFUSED("--dtmf: 'x' is not a key (0-9, *, #, A-D)", "--dtmf", "12x");
  CALL_REFUSED("--dtmf: expected 1 to 64 keys", "--dtmf", "");
  CALL_REFUSED("--dtmf: expected 1 to 64 keys", "--dtmf",
               "01234567890123456789012345678901234567890123456789012345678901"
               "234");
  CALL_REFUSED("--play needs a value", "--play");
  CALL_REFUSED("--media-key: at character 0 expected a decimal key ID",
               "--media-key", "");
  CALL_REFUSED("--media-key: at character 1 expected ':' after the key ID",
               "--media-key", "7");
  CALL_REFUSED("--media-key: at character 0 expected an ID of at most 65535",
               "--media-key", "65536:000102030405060708090a0b0c0d0e0f");
  CALL_REFUSED("--media-key: at character 2 expected a secret of 32 or 64 "
               "hex digits or 22 or 43 base64url characters",
               "--media-key", "7:0001");
  CALL_REFUSED("--media-key: at character 33 expected a hex digit",
               "--media-key", "7:000102030405060708090a0b0c0d0e0g");
  CALL_REFUSED("--media-key and --media-key-file exclude each other",
               "--media-key", "7:000102030405060708090a0b0c0d0e0f",
               "--media-key-file", "k");
  CALL_REFUSED("--media-key-file needs a value", "--media-key-file");
  REFUSED("--media-key is not an option of this command", "discover",
          "--media-key", "7:000102030405060708090a0b0c0d0e0f");
  CALL_REFUSED("--id is not an option of this command", "--id", "x");
#undef CALL_REFUSED
  REFUSED("--play is not an option of this command", "discover", "--play",
          "a.wav");
  REFUSED("--to is not an option of this command", "cert", "--from",
          "+15550100000", "--to", "+15550100001");
  REFUSED("--codec is not an option of this command", "handler", "list",
          "--codec", "PCMU");
  REFUSED("--cut-at is not an option of this command", "discover",
          "--cut-at", "1");
}

static void test_handler_ids(void **state) {
  (void)state;
  char id[130];
  memset(id, 'a', 128);
  id[128] = '\0';
  assert_true(ript_cli_handler_id_ok(id));
  id[128] = 'a';
  id[129] = '\0';
  assert_false(ript_cli_handler_id_ok(id));
  assert_true(ript_cli_handler_id_ok("A-z.0_9~"));
  assert_false(ript_cli_handler_id_ok(""));
  assert_false(ript_cli_handler_id_ok("a:b"));
  assert_false(ript_cli_handler_id_ok("caf\xc3\xa9"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_commands),
      cmocka_unit_test(test_options_anywhere),
      cmocka_unit_test(test_help_and_version),
      cmocka_unit_test(test_refused_words),
      cmocka_unit_test(test_refused_options),
      cmocka_unit_test(test_refused_values),
      cmocka_unit_test(test_call),
      cmocka_unit_test(test_call_refused),
      cmocka_unit_test(test_handler_ids),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
