/* What ript prints: text and JSON of every command, origins, failures. */
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "output.h"
#include "ript/stir.h"
#include "testutil.h"

/* Appends with |fn|, checks the result is exactly |want|, empties |b|. */
#define EXPECT(b, want, call)                                                 \
  do {                                                                        \
    ript_buf_reset(b);                                                        \
    assert_int_equal((call), 0);                                              \
    assert_string_equal((const char *)(b)->data, want);                       \
  } while (0)

static void test_times_and_exit_codes(void **state) {
  (void)state;
  char t[32];
  ript_cli_rfc3339(1582000000, t);
  assert_string_equal(t, "2020-02-18T04:26:40Z");
  ript_cli_rfc3339(0, t);
  assert_string_equal(t, "1970-01-01T00:00:00Z");
  assert_int_equal(ript_cli_exit_code(0), RIPT_CLI_EXIT_OK);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_HTTP_STATUS),
                   RIPT_CLI_EXIT_REFUSED);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_PARSE), RIPT_CLI_EXIT_REFUSED);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_LIMIT), RIPT_CLI_EXIT_REFUSED);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_MISMATCH),
                   RIPT_CLI_EXIT_REFUSED);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_HTTP_CLOSED),
                   RIPT_CLI_EXIT_NETWORK);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_HTTP_TLS),
                   RIPT_CLI_EXIT_NETWORK);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_HTTP_RESET),
                   RIPT_CLI_EXIT_NETWORK);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_NOMEM), RIPT_CLI_EXIT_LOCAL);
  assert_int_equal(ript_cli_exit_code(RIPT_ERR_CRYPTO), RIPT_CLI_EXIT_LOCAL);
}

/* A self-signed certificate carrying |list|, as PEM (malloc'd). */
static char *cert_with(const ript_stir_tnauth *list) {
  ript_stir_key *key = NULL;
  ript_stir_cert *cert = NULL;
  assert_int_equal(ript_stir_key_generate(&key, NULL), 0);
  const uint8_t serial[] = {1};
  ript_stir_cert_terms terms = {serial, 1, 1577836800, 2208988800};
  assert_int_equal(
      ript_stir_cert_create_ca(&cert, key, "Test CA", list, &terms, NULL), 0);
  ript_buf pem;
  ript_buf_init(&pem, NULL);
  assert_int_equal(ript_stir_cert_export(cert, RIPT_STIR_FORMAT_PEM, &pem),
                   0);
  ript_stir_cert_del(cert);
  ript_stir_key_del(key);
  return (char *)pem.data;
}

static void test_origins(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  EXPECT(&b, "none", ript_cli_origins_text(NULL, &b));
  EXPECT(&b, "(not a certificate ript can read)",
         ript_cli_origins_text("-----BEGIN CERTIFICATE-----\nAAAA\n", &b));
  char *ca = ript_test_example("stir-ca-cert", NULL);
  EXPECT(&b, "(a certificate without TNAuthList)",
         ript_cli_origins_text(ca, &b));
  free(ca);
  char *leaf = ript_test_example("stir-leaf-cert", NULL);
  EXPECT(&b, "+14085551000", ript_cli_origins_text(leaf, &b));
  free(leaf);

  ript_stir_tnauth list;
  ript_stir_tnauth_init(&list, NULL);
  assert_int_equal(ript_stir_tnauth_add_range(&list, "15550100000", 10), 0);
  assert_int_equal(ript_stir_tnauth_add_spc(&list, "709J"), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&list, "95", 20), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&list, "999999999999999",
                                              UINT64_MAX),
                   0);
  assert_int_equal(ript_stir_tnauth_add_one(&list, "1#2"), 0);
  assert_int_equal(ript_stir_tnauth_add_range(&list, "1*0", 3), 0);
  char *pem = cert_with(&list);
  ript_stir_tnauth_free(&list);
  /* A range never leaves the numbers of its start's length. */
  EXPECT(&b,
         "+15550100000 to +15550100009 (10 numbers), SPC 709J, +95 to +99 "
         "(20 numbers), +999999999999999 to +999999999999999 "
         "(18446744073709551615 numbers), 1#2, 3 numbers from 1*0",
         ript_cli_origins_text(pem, &b));
  ript_buf_free(&b);

  ript_doc_tg_entry entry = {"https://a/tg", NULL, NULL};
  ript_doc_tg tg;
  ript_doc_tg_init(&tg);
  tg.uri = "https://a/tg";
  tg.origins = pem;
  ript_doc_tg_list tgl = {&entry, 1, {NULL, NULL}};
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_cli_print_tgs(&b, 1, &tgl, &tg), 0);
  assert_non_null(strstr((const char *)b.data,
                         "      \"origins\": [\n"
                         "        {\n"
                         "          \"first\": \"+15550100000\",\n"
                         "          \"last\": \"+15550100009\",\n"
                         "          \"count\": 10\n"
                         "        },\n"
                         "        {\n"
                         "          \"spc\": \"709J\"\n"
                         "        },\n"));
  assert_non_null(strstr((const char *)b.data,
                         "          \"first\": \"1#2\",\n"
                         "          \"last\": \"1#2\",\n"
                         "          \"count\": 1\n"));
  assert_non_null(strstr((const char *)b.data,
                         "          \"first\": \"1*0\",\n"
                         "          \"last\": \"?\",\n"
                         "          \"count\": 3\n"));
  ript_buf_free(&b);
  free(pem);
}

static void test_tgs(void **state) {
  (void)state;
  ript_doc_tg_entry entries[2] = {
      {"https://a/tgs/main", "main", "from the list"},
      {"https://a/tgs/intl", "intl", "international"}};
  ript_doc_tg_list list = {entries, 2, {NULL, NULL}};
  ript_doc_tg tgs[2];
  ript_doc_tg_init(&tgs[0]);
  ript_doc_tg_init(&tgs[1]);
  tgs[0].uri = "https://a/tgs/main";
  tgs[0].description = "main\x1b[31m TG";
  tgs[0].destinations = "+1*, !+1900*";
  tgs[0].advertisement = "1 in: opus;";
  tgs[1].uri = "https://a/tgs/intl";
  tgs[1].retry_backoff_ms = 4000;
  ript_buf b;
  ript_buf_init(&b, NULL);
  EXPECT(&b,
         "TG https://a/tgs/main\n"
         "  name           main\n"
         "  description    main?[31m TG\n"
         "  destinations   +1*, !+1900*\n"
         "  origins        none\n"
         "  retry-backoff  2000 ms\n"
         "  media-timeout  5000 ms\n"
         "  advertisement  1 in: opus;\n"
         "TG https://a/tgs/intl\n"
         "  name           intl\n"
         "  description    international\n"
         "  destinations   *\n"
         "  origins        none\n"
         "  retry-backoff  4000 ms\n"
         "  media-timeout  5000 ms\n",
         ript_cli_print_tgs(&b, 0, &list, tgs));
  EXPECT(&b,
         "{\n"
         "  \"tgs\": [\n"
         "    {\n"
         "      \"uri\": \"https://a/tgs/main\",\n"
         "      \"name\": \"main\",\n"
         "      \"description\": \"main\\u001B[31m TG\",\n"
         "      \"destinations\": \"+1*, !+1900*\",\n"
         "      \"origins\": null,\n"
         "      \"retry-backoff\": 2000,\n"
         "      \"media-timeout\": 5000,\n"
         "      \"advertisement\": \"1 in: opus;\"\n"
         "    },\n"
         "    {\n"
         "      \"uri\": \"https://a/tgs/intl\",\n"
         "      \"name\": \"intl\",\n"
         "      \"description\": \"international\",\n"
         "      \"destinations\": \"*\",\n"
         "      \"origins\": null,\n"
         "      \"retry-backoff\": 4000,\n"
         "      \"media-timeout\": 5000,\n"
         "      \"advertisement\": null\n"
         "    }\n"
         "  ]\n"
         "}\n",
         ript_cli_print_tgs(&b, 1, &list, tgs));
  ript_buf_free(&b);
}

static void test_handlers(void **state) {
  (void)state;
  ript_doc_handler h[2];
  ript_doc_handler_init(&h[0]);
  ript_doc_handler_init(&h[1]);
  h[0].uri = "https://a/tg/handlers/phone";
  h[0].handler_id = "phone";
  h[0].advertisement = "1 in: PCMU;";
  h[1].uri = "https://a/tg/handlers/tv";
  h[1].handler_id = "tv";
  h[1].advertisement = "1 in: H264;";
  ript_buf b;
  ript_buf_init(&b, NULL);
  EXPECT(&b, "handler phone registered at https://a/tg/handlers/phone\n",
         ript_cli_print_handler(&b, 0, &h[0]));
  EXPECT(&b,
         "{\n"
         "  \"uri\": \"https://a/tg/handlers/phone\",\n"
         "  \"handler-id\": \"phone\",\n"
         "  \"advertisement\": \"1 in: PCMU;\"\n"
         "}\n",
         ript_cli_print_handler(&b, 1, &h[0]));
  ript_doc_handler_list list = {h, 2, {NULL, NULL}};
  EXPECT(&b,
         "phone https://a/tg/handlers/phone 1 in: PCMU;\n"
         "tv https://a/tg/handlers/tv 1 in: H264;\n",
         ript_cli_print_handlers(&b, 0, "https://a/tg", &list));
  EXPECT(&b,
         "{\n"
         "  \"tg\": \"https://a/tg\",\n"
         "  \"handlers\": [\n"
         "    {\n"
         "      \"uri\": \"https://a/tg/handlers/phone\",\n"
         "      \"handler-id\": \"phone\",\n"
         "      \"advertisement\": \"1 in: PCMU;\"\n"
         "    },\n"
         "    {\n"
         "      \"uri\": \"https://a/tg/handlers/tv\",\n"
         "      \"handler-id\": \"tv\",\n"
         "      \"advertisement\": \"1 in: H264;\"\n"
         "    }\n"
         "  ]\n"
         "}\n",
         ript_cli_print_handlers(&b, 1, "https://a/tg", &list));
  list.nhandlers = 0;
  EXPECT(&b, "no handlers on TG https://a/tg\n",
         ript_cli_print_handlers(&b, 0, "https://a/tg", &list));
  EXPECT(&b, "{\n  \"tg\": \"https://a/tg\",\n  \"handlers\": []\n}\n",
         ript_cli_print_handlers(&b, 1, "https://a/tg", &list));
  EXPECT(&b, "handler removed: https://a/tg/handlers/tv\n",
         ript_cli_print_removed(&b, 0, "https://a/tg/handlers/tv"));
  EXPECT(&b, "{\n  \"removed\": \"https://a/tg/handlers/tv\"\n}\n",
         ript_cli_print_removed(&b, 1, "https://a/tg/handlers/tv"));
  ript_buf_free(&b);
}

static void test_cert_and_failure(void **state) {
  (void)state;
  ript_cli_cert_record rec = {"+15550100000", "https://a/tg",
                              "https://a/tg/certs/0a", "PEM", 3,
                              1582000000, 1582086400};
  ript_buf b;
  ript_buf_init(&b, NULL);
  EXPECT(&b,
         "certificate for +15550100000, valid from 2020-02-18T04:26:40Z to "
         "2020-02-19T04:26:40Z\n"
         "  x5u            https://a/tg/certs/0a\n"
         "  key            /s/+15550100000.key (new)\n",
         ript_cli_print_cert(&b, 0, &rec, "/s/+15550100000.key",
                             "/s/+15550100000.pem", 1));
  EXPECT(&b,
         "{\n"
         "  \"number\": \"+15550100000\",\n"
         "  \"tg\": \"https://a/tg\",\n"
         "  \"x5u\": \"https://a/tg/certs/0a\",\n"
         "  \"not-before\": \"2020-02-18T04:26:40Z\",\n"
         "  \"not-after\": \"2020-02-19T04:26:40Z\",\n"
         "  \"key\": \"/s/+15550100000.key\",\n"
         "  \"chain\": \"/s/+15550100000.pem\",\n"
         "  \"key-created\": false\n"
         "}\n",
         ript_cli_print_cert(&b, 1, &rec, "/s/+15550100000.key",
                             "/s/+15550100000.pem", 0));
  ript_client_result res;
  memset(&res, 0, sizeof(res));
  res.code = RIPT_ERR_HTTP_STATUS;
  res.status = 403;
  res.error = "number-not-allowed";
  res.reason = "no";
  EXPECT(&b,
         "{\n"
         "  \"error\": {\n"
         "    \"exit\": 1,\n"
         "    \"message\": \"POST x: 403\",\n"
         "    \"status\": 403,\n"
         "    \"error\": \"number-not-allowed\",\n"
         "    \"reason\": \"no\"\n"
         "  }\n"
         "}\n",
         ript_cli_print_failure(&b, 1, "POST x: 403", &res));
  EXPECT(&b,
         "{\n"
         "  \"error\": {\n"
         "    \"exit\": 3,\n"
         "    \"message\": \"cannot reach\"\n"
         "  }\n"
         "}\n",
         ript_cli_print_failure(&b, 3, "cannot reach", NULL));
  ript_buf_free(&b);
}

static void test_call(void **state) {
  (void)state;
  ript_buf b;
  ript_buf_init(&b, NULL);
  EXPECT(&b, "+0.512 s  answered\n",
         ript_cli_print_call_event(&b, 0.5124, "answered", NULL));
  EXPECT(&b, "+12.000 s  end: bye?now\n",
         ript_cli_print_call_event(&b, 12, "end", "bye\nnow"));
  ript_cli_call_summary s = {.uri = "https://a/tg/calls/1",
                             .final = "end",
                             .reason = "done",
                             .ended_by_us = 1,
                             .transport = "h3",
                             .media = "datagram",
                             .codec_sent = "opus",
                             .codec_received = "PCMU",
                             .rate_sent = 48000,
                             .rate_received = 8000,
                             .duration_s = 10.4567,
                             .answered_after_s = 0.5,
                             .sent = 500,
                             .acked = 499,
                             .replayed = 3,
                             .cn_sent = 2,
                             .dtmf_sent = 21,
                             .received = 496,
                             .lost = 4,
                             .duplicates = 1,
                             .early = 12,
                             .concealed = 4,
                             .longest_gap_ms = 2750,
                             .rtt_samples = 500,
                             .rtt_ms = 2.25,
                             .rtt_min_ms = 1,
                             .rtt_max_ms = 9,
                             .jitter_ms = 0.75,
                             .migrations = 1,
                             .pings = 1,
                             .pongs = 1,
                             .dtmf_heard = "159#",
                             .recording = "/r/out.wav",
                             .recorded_s = 10.25};
  EXPECT(&b,
         "call https://a/tg/calls/1: end: done (ended by ript)\n"
         "  transport        HTTP/3, datagrams\n"
         "  codecs           opus 48000 Hz out, PCMU 8000 Hz in\n"
         "  duration         10.46 s, answered after 0.50 s\n"
         "  chunks sent      500, acknowledged 499, replayed 3, comfort noise "
         "2, DTMF 21\n"
         "  chunks received  496, lost 4 (0.8%), duplicates 1, before the "
         "answer 12, concealed 4, longest gap 2750 ms\n"
         "  round trip       2.2 ms (min 1 ms, max 9 ms, 500 samples)\n"
         "  jitter           0.8 ms\n"
         "  migrations       1, media-panics 0, pings 1, pongs 1\n"
         "  DTMF heard       159#\n"
         "  recording        /r/out.wav (10.25 s)\n",
         ript_cli_print_call_summary(&b, 0, &s));
  EXPECT(&b,
         "{\n"
         "  \"call\": \"https://a/tg/calls/1\",\n"
         "  \"final\": \"end\",\n"
         "  \"reason\": \"done\",\n"
         "  \"ended-by\": \"ript\",\n"
         "  \"transport\": \"h3\",\n"
         "  \"media\": \"datagram\",\n"
         "  \"codecs\": {\n"
         "    \"sent\": \"opus\",\n"
         "    \"received\": \"PCMU\"\n"
         "  },\n"
         "  \"duration-s\": 10.457,\n"
         "  \"answered-after-s\": 0.5,\n"
         "  \"chunks\": {\n"
         "    \"sent\": 500,\n"
         "    \"acknowledged\": 499,\n"
         "    \"replayed\": 3,\n"
         "    \"comfort-noise\": 2,\n"
         "    \"dtmf\": 21,\n"
         "    \"received\": 496,\n"
         "    \"lost\": 4,\n"
         "    \"loss\": 0.008,\n"
         "    \"duplicates\": 1,\n"
         "    \"early\": 12,\n"
         "    \"concealed\": 4,\n"
         "    \"undecryptable\": 0,\n"
         "    \"longest-gap-ms\": 2750\n"
         "  },\n"
         "  \"rtt-ms\": {\n"
         "    \"smoothed\": 2.25,\n"
         "    \"min\": 1,\n"
         "    \"max\": 9,\n"
         "    \"samples\": 500\n"
         "  },\n"
         "  \"jitter-ms\": 0.75,\n"
         "  \"migrations\": 1,\n"
         "  \"media-panics\": 0,\n"
         "  \"pings\": 1,\n"
         "  \"pongs\": 1,\n"
         "  \"dtmf-heard\": \"159#\",\n"
         "  \"recording\": \"/r/out.wav\",\n"
         "  \"recorded-s\": 10.25,\n"
         "  \"media-key\": null\n"
         "}\n",
         ript_cli_print_call_summary(&b, 1, &s));
  /* Never answered, nothing measured, nothing received, no stream in,
   * ended by the server over HTTP/2. */
  ript_cli_call_summary t = {.transport = "h2",
                             .media = "byway",
                             .codec_sent = "PCMA",
                             .rate_sent = 8000,
                             .duration_s = 3,
                             .answered_after_s = -1,
                             .dtmf_heard = ""};
  EXPECT(&b,
         "call (none): over (ended by the server)\n"
         "  transport        HTTP/2, media byways\n"
         "  codecs           PCMA 8000 Hz out, nothing in\n"
         "  duration         3.00 s, not answered\n"
         "  chunks sent      0, acknowledged 0, replayed 0, comfort noise 0, "
         "DTMF 0\n"
         "  chunks received  0, lost 0 (0.0%), duplicates 0, before the "
         "answer 0, concealed 0, longest gap 0 ms\n"
         "  round trip       not measured\n"
         "  jitter           0.0 ms\n"
         "  migrations       0, media-panics 0, pings 0, pongs 0\n",
         ript_cli_print_call_summary(&b, 0, &t));
  /* With a media key, and without one but with undecryptable media. */
  t.encrypted = 1;
  t.key_id = 7;
  t.undecryptable = 25;
  ript_buf_reset(&b);
  assert_int_equal(ript_cli_print_call_summary(&b, 0, &t), 0);
  assert_non_null(strstr((const char *)b.data,
                         "\n  encryption       end to end, key 7, "
                         "undecryptable 25\n"));
  ript_buf_reset(&b);
  assert_int_equal(ript_cli_print_call_summary(&b, 1, &t), 0);
  assert_non_null(strstr((const char *)b.data, "\"undecryptable\": 25,\n"));
  assert_non_null(strstr((const char *)b.data, "\"media-key\": 7\n"));
  t.encrypted = 0;
  ript_buf_reset(&b);
  assert_int_equal(ript_cli_print_call_summary(&b, 0, &t), 0);
  assert_non_null(strstr((const char *)b.data,
                         "\n  encryption       none, undecryptable 25\n"));
  t.undecryptable = 0;
  ript_buf_reset(&b);
  assert_int_equal(ript_cli_print_call_summary(&b, 1, &t), 0);
  const char *j = (const char *)b.data;
  assert_non_null(strstr(j, "\"call\": null,\n"));
  assert_non_null(strstr(j, "\"ended-by\": \"server\",\n"));
  assert_non_null(strstr(j, "\"received\": null\n"));
  assert_non_null(strstr(j, "\"answered-after-s\": null,\n"));
  assert_non_null(strstr(j, "\"smoothed\": null,\n"));
  assert_non_null(strstr(j, "\"recording\": null,\n"));
  ript_buf_free(&b);
}

static void test_undecryptable(void **state) {
  (void)state;
  char why[256];
  ript_media_stats m;
  memset(&m, 0, sizeof(m));
  m.undecryptable = 3;
  ript_cli_describe_undecryptable(why, sizeof(why), &m, 1, 7);
  assert_string_equal(why, "media from the far end is not encrypted, but "
                           "--media-key was given: it is dropped");
  m.undecryptable_keyed = true;
  m.undecryptable_key_id = 0x00081234u;
  m.undecryptable_reason = RIPT_MEDIA_FAIL_UNKNOWN_KEY;
  ript_cli_describe_undecryptable(why, sizeof(why), &m, 0, 0);
  assert_string_equal(why, "media from the far end is encrypted with key 8 "
                           "(key id 0x00081234) — give that key with "
                           "--media-key");
  ript_cli_describe_undecryptable(why, sizeof(why), &m, 1, 7);
  assert_string_equal(why, "media from the far end cannot be decrypted: "
                           "unknown key id 0x00081234 (key 8, ours is 7) — "
                           "check --media-key");
  m.undecryptable_key_id = 0x00071234u;
  m.undecryptable_reason = RIPT_MEDIA_FAIL_DECRYPT;
  ript_cli_describe_undecryptable(why, sizeof(why), &m, 1, 7);
  assert_string_equal(why, "media from the far end cannot be decrypted: key "
                           "7 does not authenticate it (a different "
                           "secret?) — check --media-key");
  char tiny[8];
  ript_cli_describe_undecryptable(tiny, sizeof(tiny), &m, 1, 7);
  assert_string_equal(tiny, "media f");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_times_and_exit_codes),
      cmocka_unit_test(test_origins),
      cmocka_unit_test(test_tgs),
      cmocka_unit_test(test_handlers),
      cmocka_unit_test(test_cert_and_failure),
      cmocka_unit_test(test_call),
      cmocka_unit_test(test_undecryptable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
