/*
 * riptd's configuration parser: a complete file read back field by field,
 * the defaults, the shipped example, and every error with its exact line.
 *
 * JSON in this file is written with ' for " (json_q swaps them back) so the
 * cases stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ript/advert.h"
#include "testutil.h"

/* The members every valid file needs, in ' notation. */
#define TLS "'tls':{'cert':'tls.pem','key':'tls-key.pem'}"
#define STIR "'stir':{'ca-cert':'ca.pem','ca-key':'ca-key.pem'}"
#define TOKEN "0123456789abcdef"
#define CUSTOMERS                                                             \
  "'customers':[{'name':'acme','tokens':['" TOKEN "'],"                       \
  "'numbers':['+15550100000'],'tgs':['main']}]"
#define TGS "'tgs':[{'name':'main'}]"
#define BASE TLS "," STIR "," CUSTOMERS "," TGS

static char *json_q(const char *s) {
  char *out = strdup(s);
  assert_non_null(out);
  for (char *p = out; *p; ++p)
    if (*p == '\'')
      *p = '"';
  return out;
}

static int parse_q(riptd_config *cfg, const char *path, const char *q,
                   char *err, size_t errlen) {
  char *json = json_q(q);
  int rv = riptd_config_parse(cfg, path, json, strlen(json), err, errlen);
  free(json);
  return rv;
}

/* ---- a valid file ---- */

static const char full[] =
    "{'_comment':'everything','listen':'[::1]:8443',"
    "'authority':'ript.example.com',"
    "'tls':{'cert':'tls.pem','key':'/abs/tls-key.pem'},"
    "'stir':{'ca-cert':'ca.pem','ca-key':'ca-key.pem',"
    "'trust':['ca.pem','other.pem'],'cert-lifetime-s':3600},"
    "'oauth':{'audience':'https://ript.example.com/.well-known/ript',"
    "'call-scope':'call','admin-scope':'admin','jwks-refresh-s':60,"
    "'metadata':{'issuer':'https://auth.example.com','_note':'dropped',"
    "'token_endpoint':'https://auth.example.com/token'},"
    "'issuers':[{'issuer':'https://auth.example.com','jwks-file':'jwks.json',"
    "'customer-claim':'tenant','skew-s':30,'legacy-typ':true},"
    "{'issuer':'https://idp.example','jwks-uri':'https://idp.example/keys',"
    "'jwks-cacert':'idp-ca.pem'}],"
    "'server':{'key':'as-key.pem','issuer':'https://ript.example.com',"
    "'token-lifetime-s':600,'token-requests-per-second':5,'clients':[{'id':'"
    "pbx1','secret':"
    "'s3cr3t-s3cr3t-s3cr3t','customer':'globex','scope':'call',"
    "'refresh-tokens':['rt-0123456789abcdef']},{'id':'ops','secret':"
    "'0123456789abcdef','customer':'acme'}]}},"
    "'advertisement':'1 in: opus;',"
    "'timers':{'no-byway-timeout-ms':10000,'ring-timeout-ms':3000,"
    "'ended-call-keep-ms':2000,'_c':0},"
    "'limits':{'document-max-bytes':4096,'calls-per-customer':5,"
    "'media-byways-per-call':25},"
    "'transport-limits':{'max-streams':500,'stream-window':65536,"
    "'connection-window':1048576,'reset-burst':0},"
    "'store':{'type':'sqlite','path':'state/riptd.db','node-id':'node-a',"
    "'lease-ms':5000},"
    "'customers':[{'name':'acme','tokens':['" TOKEN "','abcdefghijklmnop=='],"
    "'numbers':['+15550100000','+1555020*'],'tgs':['lab','main']},"
    "{'name':'globex','tokens':['ZZZZZZZZZZZZZZZZ'],'numbers':['+44*'],"
    "'tgs':['main']}],"
    "'tgs':[{'name':'main','description':'Main TG',"
    "'destinations':'+1*, !+1900*','retry-backoff-ms':4000,"
    "'media-timeout-ms':7000,'origins':true,'routes':["
    "{'match':'+15550101001','action':'echo'},"
    "{'match':'+15550101002','action':'play','file':'tone.wav'},"
    "{'match':'+15550101003','action':'record','file':'/tmp/rec.wav'},"
    "{'match':'+1555010100*','action':'conference'},"
    "{'match':'+15550101010','action':'decline'},"
    "{'match':'+15550101011','action':'fail'},"
    "{'match':'*','action':'noanswer'}]},"
    "{'name':'lab'}]}";

static void test_full(void **state) {
  (void)state;
  riptd_config cfg;
  char err[512];
  assert_int_equal(parse_q(&cfg, "/etc/riptd/riptd.json", full, err,
                           sizeof(err)),
                   0);
  assert_string_equal(cfg.path, "/etc/riptd/riptd.json");
  assert_string_equal(cfg.listen_address, "::1");
  assert_int_equal(cfg.listen_port, 8443);
  assert_string_equal(cfg.authority, "ript.example.com");
  assert_string_equal(cfg.tls_cert, "/etc/riptd/tls.pem");
  assert_string_equal(cfg.tls_key, "/abs/tls-key.pem");
  assert_string_equal(cfg.stir_ca_cert, "/etc/riptd/ca.pem");
  assert_string_equal(cfg.stir_ca_key, "/etc/riptd/ca-key.pem");
  assert_int_equal(cfg.nstir_trust, 2);
  assert_string_equal(cfg.stir_trust[1], "/etc/riptd/other.pem");
  assert_int_equal(cfg.cert_lifetime_s, 3600);
  const riptd_oauth_conf *o = &cfg.oauth;
  assert_string_equal(o->metadata,
                      "{\n  \"issuer\": \"https://auth.example.com\",\n"
                      "  \"token_endpoint\": "
                      "\"https://auth.example.com/token\"\n}");
  assert_string_equal(o->audience, "https://ript.example.com/.well-known/ript");
  assert_string_equal(o->call_scope, "call");
  assert_string_equal(o->admin_scope, "admin");
  assert_int_equal(o->jwks_refresh_s, 60);
  assert_int_equal(o->nissuers, 2);
  assert_string_equal(o->issuers[0].jwks_file, "/etc/riptd/jwks.json");
  assert_null(o->issuers[0].jwks_uri);
  assert_string_equal(o->issuers[0].customer_claim, "tenant");
  assert_int_equal(o->issuers[0].skew_s, 30);
  assert_true(o->issuers[0].legacy_typ);
  assert_string_equal(o->issuers[1].jwks_uri, "https://idp.example/keys");
  assert_string_equal(o->issuers[1].jwks_cacert, "/etc/riptd/idp-ca.pem");
  assert_string_equal(o->issuers[1].customer_claim, "sub");
  assert_int_equal(o->issuers[1].skew_s, 60);
  assert_false(o->issuers[1].legacy_typ);
  assert_string_equal(o->server_key, "/etc/riptd/as-key.pem");
  assert_string_equal(o->server_issuer, "https://ript.example.com");
  assert_int_equal(o->token_lifetime_s, 600);
  assert_int_equal(o->token_requests_per_second, 5);
  assert_int_equal(o->nclients, 2);
  assert_string_equal(o->clients[0].id, "pbx1");
  assert_int_equal(o->clients[0].customer, 1);
  assert_string_equal(o->clients[0].scope, "call");
  assert_int_equal(o->clients[0].nrefresh_tokens, 1);
  assert_string_equal(o->clients[1].scope, "call admin");
  assert_int_equal(o->clients[1].nrefresh_tokens, 0);
  assert_string_equal(cfg.advertisement, "1 in: opus;");
  assert_int_equal(cfg.no_byway_timeout_ms, 10000);
  assert_int_equal(cfg.ring_timeout_ms, 3000);
  assert_int_equal(cfg.ended_call_keep_ms, 2000);
  assert_int_equal(cfg.document_max_bytes, 4096);
  assert_int_equal(cfg.limits.calls_per_customer, 5);
  assert_int_equal(cfg.limits.media_gets_per_call, 25);
  assert_int_equal(cfg.limits.handlers_per_customer,
                   RIPTD_DEFAULT_HANDLERS_PER_CUSTOMER);
  assert_int_equal(cfg.transport.max_streams, 500);
  assert_int_equal(cfg.transport.stream_window, 65536);
  assert_int_equal(cfg.transport.connection_window, 1048576);
  assert_int_equal(cfg.transport.reset_burst, 0);
  assert_int_equal(cfg.store.kind, RIPTD_STORE_SQLITE);
  assert_string_equal(cfg.store.path, "/etc/riptd/state/riptd.db");
  assert_string_equal(cfg.store.node_id, "node-a");
  assert_int_equal(cfg.store.lease_ms, 5000);
  assert_int_equal(cfg.ncustomers, 2);
  const riptd_customer *cu = &cfg.customers[0];
  assert_string_equal(cu->name, "acme");
  assert_int_equal(cu->ntokens, 2);
  assert_string_equal(cu->tokens[1], "abcdefghijklmnop==");
  assert_string_equal(cu->numbers_text, "+15550100000, +1555020*");
  assert_int_equal(ript_dest_list_match(cu->numbers, "+15550200123", 12,
                                        NULL),
                   1);
  assert_int_equal(
      ript_dest_list_match(cu->numbers, "+15550100001", 12, NULL), 0);
  assert_int_equal(cu->ntgs, 2);
  assert_int_equal(cu->tgs[0], 1);
  assert_int_equal(cu->tgs[1], 0);
  assert_int_equal(cfg.ntgs, 2);
  const riptd_tg_conf *tg = riptd_config_tg(&cfg, "main");
  assert_ptr_equal(tg, &cfg.tgs[0]);
  assert_string_equal(tg->description, "Main TG");
  assert_string_equal(tg->destinations, "+1*, !+1900*");
  assert_int_equal(tg->retry_backoff_ms, 4000);
  assert_int_equal(tg->media_timeout_ms, 7000);
  assert_true(tg->origins);
  assert_int_equal(tg->nroutes, 7);
  for (size_t i = 0; i < 7; ++i)
    assert_int_equal(tg->routes[i].action, (riptd_action_kind)i);
  assert_string_equal(tg->routes[1].file, "/etc/riptd/tone.wav");
  assert_string_equal(tg->routes[2].file, "/tmp/rec.wav");
  assert_null(tg->routes[0].file);
  /* The first matching route wins. */
  assert_ptr_equal(riptd_config_route(tg, "+15550101003"), &tg->routes[2]);
  assert_ptr_equal(riptd_config_route(tg, "+15550101004"), &tg->routes[3]);
  assert_ptr_equal(riptd_config_route(tg, "+4420"), &tg->routes[6]);
  const riptd_tg_conf *lab = riptd_config_tg(&cfg, "lab");
  assert_null(lab->description);
  assert_string_equal(lab->destinations, "*");
  assert_int_equal(lab->retry_backoff_ms, 2000);
  assert_int_equal(lab->media_timeout_ms, 5000);
  assert_false(lab->origins);
  assert_int_equal(lab->nroutes, 0);
  assert_null(riptd_config_route(lab, "+15550101001"));
  assert_null(riptd_config_tg(&cfg, "nope"));
  riptd_config_free(&cfg);
}

static void test_defaults(void **state) {
  (void)state;
  riptd_config cfg;
  char err[512];
  assert_int_equal(parse_q(&cfg, "riptd.json", "{" BASE "}", err,
                           sizeof(err)),
                   0);
  assert_string_equal(cfg.listen_address, "127.0.0.1");
  assert_int_equal(cfg.listen_port, 4433);
  assert_null(cfg.authority);
  assert_string_equal(cfg.tls_cert, "tls.pem"); /* no directory part */
  assert_int_equal(cfg.nstir_trust, 1);
  assert_string_equal(cfg.stir_trust[0], "ca.pem");
  assert_int_equal(cfg.cert_lifetime_s, RIPTD_DEFAULT_CERT_LIFETIME_S);
  assert_null(cfg.oauth.metadata);
  assert_int_equal(cfg.oauth.nissuers, 0);
  assert_null(cfg.oauth.server_key);
  assert_string_equal(cfg.oauth.call_scope, RIPTD_DEFAULT_CALL_SCOPE);
  assert_string_equal(cfg.oauth.admin_scope, RIPTD_DEFAULT_ADMIN_SCOPE);
  assert_string_equal(cfg.advertisement, RIPTD_DEFAULT_ADVERTISEMENT);
  assert_int_equal(cfg.no_byway_timeout_ms,
                   RIPTD_DEFAULT_NO_BYWAY_TIMEOUT_MS);
  assert_int_equal(cfg.ring_timeout_ms, RIPTD_DEFAULT_RING_TIMEOUT_MS);
  assert_int_equal(cfg.ended_call_keep_ms, RIPTD_DEFAULT_ENDED_CALL_KEEP_MS);
  assert_int_equal(cfg.document_max_bytes, RIPTD_DEFAULT_DOCUMENT_MAX_BYTES);
  assert_int_equal(cfg.store.kind, RIPTD_STORE_MEMORY);
  assert_null(cfg.store.path);
  assert_null(cfg.store.node_id);
  assert_int_equal(cfg.store.lease_ms, RIPTD_DEFAULT_LEASE_MS);
  riptd_config_free(&cfg);
  /* A memory store may be named, with a node id. */
  assert_int_equal(parse_q(&cfg, "riptd.json",
                           "{" BASE ",'store':{'type':'memory',"
                           "'node-id':'n1'}}",
                           err, sizeof(err)),
                   0);
  assert_int_equal(cfg.store.kind, RIPTD_STORE_MEMORY);
  assert_string_equal(cfg.store.node_id, "n1");
  riptd_config_free(&cfg);
  /* A file in the root directory resolves relative names there. */
  assert_int_equal(parse_q(&cfg, "/riptd.json", "{" BASE "}", err,
                           sizeof(err)),
                   0);
  assert_string_equal(cfg.tls_cert, "/tls.pem");
  riptd_config_free(&cfg);
}

static void test_example(void **state) {
  (void)state;
  riptd_config cfg;
  char err[512];
  int rv = riptd_config_load(&cfg, RIPT_SOURCE_DIR "/server/riptd.example.json",
                             err, sizeof(err));
  if (rv != 0)
    fail_msg("%s", err);
  assert_int_equal(cfg.ncustomers, 2);
  assert_int_equal(cfg.ntgs, 2);
  assert_int_equal(cfg.tgs[0].nroutes, 6);
  assert_string_equal(cfg.tgs[0].routes[1].file,
                      RIPT_SOURCE_DIR "/server/sounds/welcome.wav");
  assert_false(cfg.tgs[0].routes[0].has_media_key);
  const riptd_route *lab = &cfg.tgs[1].routes[0];
  assert_true(lab->has_media_key);
  assert_int_equal(lab->media_key.id, 1);
  assert_int_equal(lab->media_key.secret_len, 32);
  riptd_config_free(&cfg);
}

static void test_load_errors(void **state) {
  (void)state;
  riptd_config cfg;
  char err[512];
  assert_int_equal(riptd_config_load(&cfg, "/nonexistent/riptd.json", err,
                                     sizeof(err)),
                   -1);
  assert_string_equal(err, "/nonexistent/riptd.json: cannot read: No such "
                           "file or directory");
  char dir[] = "/tmp/riptd-config-XXXXXX";
  assert_non_null(mkdtemp(dir));
  assert_int_equal(riptd_config_load(&cfg, dir, err, sizeof(err)), -1);
  assert_non_null(strstr(err, ": cannot read: Is a directory"));
  rmdir(dir);
}

static void test_split_listen(void **state) {
  (void)state;
  char addr[64];
  uint16_t port = 1;
  assert_int_equal(riptd_config_split_listen("127.0.0.1:0", addr,
                                             sizeof(addr), &port),
                   0);
  assert_string_equal(addr, "127.0.0.1");
  assert_int_equal(port, 0);
  assert_int_equal(riptd_config_split_listen("[::1]:65535", addr,
                                             sizeof(addr), &port),
                   0);
  assert_string_equal(addr, "::1");
  assert_int_equal(port, 65535);
  static const char *const bad[] = {
      "localhost:80", "127.0.0.1", "127.0.0.1:",   "127.0.0.1:65536",
      "::1:80",       "[::1]80",   "[127.0.0.1]:1", "[]:1",
      "1.2.3.4:1x",   ":80",       "1.2.3.4:123456"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i)
    assert_int_equal(
        riptd_config_split_listen(bad[i], addr, sizeof(addr), &port), -1);
  assert_int_equal(riptd_config_split_listen("[::1]:1", addr, 3, &port), -1);
}

static void test_action_names(void **state) {
  (void)state;
  assert_string_equal(riptd_action_name(RIPTD_ACTION_ECHO), "echo");
  assert_string_equal(riptd_action_name(RIPTD_ACTION_NOANSWER), "noanswer");
  assert_null(riptd_action_name((riptd_action_kind)7));
}

/* ---- every error, with its line ---- */

typedef struct bad_case {
  const char *json; /* ' for " */
  const char *message;
} bad_case;

#define F "cfg.json: "
#define NAME_RULE                                                             \
  "expected 1 to 64 of A-Z a-z 0-9 - . _ ~ (not \".\" or \"..\")"
#define LISTEN_RULE                                                           \
  "expected ADDRESS:PORT or [IPv6]:PORT with a numeric address and a port "   \
  "from 0 to 65535"
#define UNKNOWN "unknown member (names starting with \"_\" are comments)"
#define NUMBER_RULE                                                           \
  "expected an E.164 number (\"+\" and 1 to 15 digits) or a prefix of one "   \
  "ending in \"*\""
#define TOKEN_RULE                                                            \
  "a bearer token is 1*(A-Z a-z 0-9 - . _ ~ + /) *\"=\" (RFC 6750 b64token)"
#define ACTIONS                                                               \
  "expected one of echo, play, record, conference, decline, fail, noanswer"
#define ONE_CUSTOMER(body)                                                    \
  "{" TLS "," STIR "," TGS ",'customers':[" body "]}"
#define ONE_TG(body) "{" TLS "," STIR "," CUSTOMERS ",'tgs':[" body "]}"
#define CUST_WITH(members)                                                    \
  "{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1555*'],"               \
  "'tgs':['main']" members "}"

static const bad_case bad_cases[] = {
    /* shape */
    {"[]", F "$: expected a JSON object"},
    {"{" BASE ",'bogus':1}", F "$.bogus: " UNKNOWN},
    {"{" BASE ",'a b\\n':1}", F "$[\"a b?\"]: " UNKNOWN},
    {"{" STIR "," CUSTOMERS "," TGS "}", F "$: missing member \"tls\""},
    {"{" TLS "," CUSTOMERS "," TGS "}", F "$: missing member \"stir\""},
    {"{" TLS "," STIR "," TGS "}", F "$: missing member \"customers\""},
    {"{" TLS "," STIR "," CUSTOMERS "}", F "$: missing member \"tgs\""},
    /* listen, authority */
    {"{" BASE ",'listen':'localhost:80'}", F "$.listen: " LISTEN_RULE},
    {"{" BASE ",'listen':'[::1]:70000'}", F "$.listen: " LISTEN_RULE},
    {"{" BASE ",'listen':80}", F "$.listen: expected a string"},
    {"{" BASE ",'listen':''}", F "$.listen: must not be empty"},
    {"{" BASE ",'authority':'https://ript.example'}",
     F "$.authority: expected HOST or HOST:PORT (no scheme, no path)"},
    {"{" BASE ",'authority':'ript.example/x'}",
     F "$.authority: expected HOST or HOST:PORT (no scheme, no path)"},
    /* tls */
    {"{" STIR "," CUSTOMERS "," TGS ",'tls':1}", F "$.tls: expected an object"},
    {"{" STIR "," CUSTOMERS "," TGS ",'tls':{'cert':'c'}}",
     F "$.tls: missing member \"key\""},
    {"{" STIR "," CUSTOMERS "," TGS ",'tls':{'cert':'c','key':'k','x':1}}",
     F "$.tls.x: " UNKNOWN},
    {"{" STIR "," CUSTOMERS "," TGS ",'tls':{'cert':[],'key':'k'}}",
     F "$.tls.cert: expected a string"},
    /* stir */
    {"{" TLS "," CUSTOMERS "," TGS ",'stir':{'ca-cert':'c'}}",
     F "$.stir: missing member \"ca-key\""},
    {"{" TLS "," CUSTOMERS "," TGS ",'stir':{'ca-key':'c'}}",
     F "$.stir: missing member \"ca-cert\""},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','trust':[]}}",
     F "$.stir.trust: expected at least 1 element"},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','trust':'c'}}",
     F "$.stir.trust: expected an array"},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','trust':['a',2]}}",
     F "$.stir.trust[1]: expected a string"},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','cert-lifetime-s':59}}",
     F "$.stir.cert-lifetime-s: expected an integer from 60 to 315360000"},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','cert-lifetime-s':1.5}}",
     F "$.stir.cert-lifetime-s: expected an integer from 60 to 315360000"},
    {"{" TLS "," CUSTOMERS "," TGS
     ",'stir':{'ca-cert':'c','ca-key':'k','lifetime':1}}",
     F "$.stir.lifetime: " UNKNOWN},
    /* oauth */
    {"{" BASE ",'oauth':[]}", F "$.oauth: expected an object"},
    {"{" BASE ",'oauth':{'issuer':'https://a.example'}}",
     F "$.oauth.issuer: " UNKNOWN},
    {"{" BASE ",'oauth':{'metadata':{}}}",
     F "$.oauth.metadata: missing member \"issuer\""},
    {"{" BASE ",'oauth':{'metadata':{'issuer':'http://auth.example'}}}",
     F "$.oauth.metadata.issuer: expected an https URI"},
    {"{" BASE ",'oauth':{'audience':'ript'}}",
     F "$.oauth.audience: expected an https URI"},
    {"{" BASE ",'oauth':{'call-scope':'a b'}}",
     F "$.oauth.call-scope: expected one RFC 6749 scope token (no spaces)"},
    {"{" BASE ",'oauth':{'call-scope':'x','admin-scope':'x'}}",
     F "$.oauth: \"call-scope\" and \"admin-scope\" must differ"},
    {"{" BASE ",'oauth':{'jwks-refresh-s':9}}",
     F "$.oauth.jwks-refresh-s: expected an integer from 10 to 86400"},
    {"{" BASE ",'oauth':{'issuers':[]}}",
     F "$.oauth.issuers: expected at least 1 element"},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example'}]}}",
     F "$.oauth.issuers[0]: expected exactly one of \"jwks-file\" and "
       "\"jwks-uri\""},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example',"
     "'jwks-file':'k','jwks-uri':'https://a.example/k'}]}}",
     F "$.oauth.issuers[0]: expected exactly one of \"jwks-file\" and "
       "\"jwks-uri\""},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example',"
     "'jwks-file':'k','jwks-cacert':'ca.pem'}]}}",
     F "$.oauth.issuers[0]: \"jwks-cacert\" only goes with \"jwks-uri\""},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example',"
     "'jwks-file':'k','skew-s':601}]}}",
     F "$.oauth.issuers[0].skew-s: expected an integer from 0 to 600"},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example',"
     "'jwks-file':'k'},{'issuer':'https://a.example','jwks-file':'j'}]}}",
     F "$.oauth.issuers[1].issuer: issuer \"https://a.example\" is already "
       "listed"},
    {"{" BASE ",'oauth':{'server':{'clients':[]}}}",
     F "$.oauth.server: missing member \"key\""},
    {"{" BASE ",'oauth':{'server':{'key':'k'}}}",
     F "$.oauth.server: missing member \"clients\""},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'0123456789abcdef','customer':'nobody'}]}}}",
     F "$.oauth.server.clients[0].customer: no customer has this name"},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'short','customer':'acme'}]}}}",
     F "$.oauth.server.clients[0].secret: a client secret needs at least 16 "
       "characters"},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'0123456789abcdef','customer':'acme','scope':'ript all'}]}}}",
     F "$.oauth.server.clients[0].scope: expected \"ript\" and/or "
       "\"ript-admin\", separated by one space"},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'0123456789abcdef','customer':'acme','scope':'ript '}]}}}",
     F "$.oauth.server.clients[0].scope: expected \"ript\" and/or "
       "\"ript-admin\", separated by one space"},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'0123456789abcdef','customer':'acme'},{'id':'c',"
     "'secret':'0123456789abcdef','customer':'acme'}]}}}",
     F "$.oauth.server.clients[1].id: client \"c\" is already defined"},
    {"{" BASE ",'oauth':{'server':{'key':'k','clients':[{'id':'c',"
     "'secret':'0123456789abcdef','customer':'acme','refresh-tokens':"
     "['0123456789abcdef','0123456789abcdef']}]}}}",
     F "$.oauth.server.clients[0].refresh-tokens[1]: this refresh token is "
       "already listed"},
    {"{" BASE ",'oauth':{'server':{'key':'k','token-lifetime-s':4,"
     "'clients':[]}}}",
     F "$.oauth.server.token-lifetime-s: expected an integer from 5 to "
       "86400"},
    {"{" BASE ",'oauth':{'issuers':[{'issuer':'https://a.example',"
     "'jwks-file':'k'}],'server':{'key':'k','issuer':'https://a.example',"
     "'clients':[{'id':'c','secret':'0123456789abcdef','customer':'acme'}]}}}",
     F "$.oauth.server.issuer: \"https://a.example\" is also in "
       "$.oauth.issuers"},
    /* store */
    {"{" BASE ",'store':{'type':'redis'}}",
     F "$.store.type: expected \"memory\" or \"sqlite\""},
    {"{" BASE ",'store':{'type':'sqlite'}}",
     F "$.store: missing member \"path\""},
    {"{" BASE ",'store':{'path':'x.db'}}",
     F "$.store.path: only the sqlite store takes a path"},
    {"{" BASE ",'store':{'type':'sqlite','path':''}}",
     F "$.store.path: must not be empty"},
    {"{" BASE ",'store':{'node-id':'a/b'}}",
     F "$.store.node-id: expected 1 to 64 of A-Z a-z 0-9 - . _ ~ (not "
       "\".\" or \"..\")"},
    {"{" BASE ",'store':{'lease-ms':999}}",
     F "$.store.lease-ms: expected an integer from 1000 to 3600000"},
    {"{" BASE ",'store':{'ttl':1}}",
     F "$.store.ttl: unknown member (names starting with \"_\" are "
       "comments)"},
    {"{" BASE ",'store':'memory'}", F "$.store: expected an object"},
    /* limits */
    {"{" BASE ",'limits':{'media-byways-per-call':19}}",
     F "$.limits.media-byways-per-call: expected an integer from 20 to 1000"},
    {"{" BASE ",'limits':{'calls-per-customer':0}}",
     F "$.limits.calls-per-customer: expected an integer from 1 to 1000000"},
    {"{" BASE ",'transport-limits':{'stream-window':-1}}",
     F "$.transport-limits.stream-window: expected an integer from 0 to "
       "2147483647"},
    /* advertisement */
    {"{" BASE ",'advertisement':'1 in opus;'}",
     F "$.advertisement: not a valid advertisement: at byte 5 expected "
       "ADVERT_EXPECTED"},
    {"{" BASE ",'advertisement':true}", F "$.advertisement: expected a string"},
    /* timers, limits */
    {"{" BASE ",'timers':{'no-byway-timeout-ms':999}}",
     F "$.timers.no-byway-timeout-ms: expected an integer from 1000 to "
       "3600000"},
    {"{" BASE ",'timers':{'ring-timeout-ms':3600001}}",
     F "$.timers.ring-timeout-ms: expected an integer from 1000 to "
       "3600000"},
    {"{" BASE ",'timers':{'ended-call-keep-ms':999}}",
     F "$.timers.ended-call-keep-ms: expected an integer from 1000 to "
       "86400000"},
    {"{" BASE ",'timers':{'byway':1}}", F "$.timers.byway: " UNKNOWN},
    {"{" BASE ",'timers':1}", F "$.timers: expected an object"},
    {"{" BASE ",'limits':{'document-max-bytes':1023}}",
     F "$.limits.document-max-bytes: expected an integer from 1024 to "
       "16777216"},
    {"{" BASE ",'limits':{'documents':1}}", F "$.limits.documents: " UNKNOWN},
    {"{" BASE ",'limits':'x'}", F "$.limits: expected an object"},
    /* tgs */
    {"{" TLS "," STIR "," CUSTOMERS ",'tgs':[]}",
     F "$.tgs: expected at least 1 element"},
    {"{" TLS "," STIR "," CUSTOMERS ",'tgs':{}}", F "$.tgs: expected an array"},
    {ONE_TG("1"), F "$.tgs[0]: expected an object"},
    {ONE_TG("{}"), F "$.tgs[0]: missing member \"name\""},
    {ONE_TG("{'name':'a/b'}"), F "$.tgs[0].name: " NAME_RULE},
    {ONE_TG("{'name':'..'}"), F "$.tgs[0].name: " NAME_RULE},
    {ONE_TG("{'name':'.'}"), F "$.tgs[0].name: " NAME_RULE},
    {ONE_TG(
         "{'name':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaa'}"),
     F "$.tgs[0].name: " NAME_RULE},
    {ONE_TG("{'name':'main'},{'name':'main'}"),
     F "$.tgs[1].name: TG \"main\" is already defined"},
    {ONE_TG("{'name':'main','size':1}"), F "$.tgs[0].size: " UNKNOWN},
    {ONE_TG("{'name':'main','description':''}"),
     F "$.tgs[0].description: must not be empty"},
    {ONE_TG("{'name':'main','destinations':'+1**'}"),
     F "$.tgs[0].destinations: not a destination pattern list: at byte 3 "
       "expected DEST_EXPECTED"},
    {ONE_TG("{'name':'main','retry-backoff-ms':1999}"),
     F "$.tgs[0].retry-backoff-ms: expected an integer from 2000 to "
       "86400000"},
    {ONE_TG("{'name':'main','media-timeout-ms':0}"),
     F "$.tgs[0].media-timeout-ms: expected an integer from 1 to 3600000"},
    {ONE_TG("{'name':'main','origins':'yes'}"),
     F "$.tgs[0].origins: expected true or false"},
    {ONE_TG("{'name':'main','routes':{}}"),
     F "$.tgs[0].routes: expected an array"},
    {ONE_TG("{'name':'main','routes':['echo']}"),
     F "$.tgs[0].routes[0]: expected an object"},
    {ONE_TG("{'name':'main','routes':[{'action':'echo'}]}"),
     F "$.tgs[0].routes[0]: missing member \"match\""},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*'}]}"),
     F "$.tgs[0].routes[0]: missing member \"action\""},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'echo'},"
            "{'match':'+1*','action':'ring'}]}"),
     F "$.tgs[0].routes[1].action: " ACTIONS},
    {ONE_TG("{'name':'main','routes':[{'match':'1*','action':'echo'}]}"),
     F "$.tgs[0].routes[0].match: not a destination pattern list: at byte 0 "
       "expected MATCH_EXPECTED"},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'play'}]}"),
     F "$.tgs[0].routes[0]: missing member \"file\""},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'record',"
            "'file':3}]}"),
     F "$.tgs[0].routes[0].file: expected a string"},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'echo',"
            "'file':'x.wav'}]}"),
     F "$.tgs[0].routes[0].file: only the play and record actions take a "
       "file"},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'echo',"
            "'reason':'x'}]}"),
     F "$.tgs[0].routes[0].reason: " UNKNOWN},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'echo',"
            "'media-key':7}]}"),
     F "$.tgs[0].routes[0].media-key: expected a string"},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'echo',"
            "'media-key':'7:00112233'}]}"),
     F "$.tgs[0].routes[0].media-key: not a media key (ID:SECRET): at "
       "character 2 expected a secret of 32 or 64 hex digits or 22 or 43 "
       "base64url characters"},
    {ONE_TG("{'name':'main','routes':[{'match':'+1*','action':'conference',"
            "'media-key':'65536:000102030405060708090a0b0c0d0e0f'}]}"),
     F "$.tgs[0].routes[0].media-key: not a media key (ID:SECRET): at "
       "character 0 expected an ID of at most 65535"},
    /* customers */
    {"{" TLS "," STIR "," TGS ",'customers':[]}",
     F "$.customers: expected at least 1 element"},
    {ONE_CUSTOMER("[]"), F "$.customers[0]: expected an object"},
    {ONE_CUSTOMER("{'tokens':['" TOKEN "']}"),
     F "$.customers[0]: missing member \"name\""},
    {ONE_CUSTOMER("{'name':'a b'}"), F "$.customers[0].name: " NAME_RULE},
    {ONE_CUSTOMER(CUST_WITH(",'x':1")), F "$.customers[0].x: " UNKNOWN},
    {ONE_CUSTOMER("{'name':'acme','tokens':[],'numbers':['+1'],"
                  "'tgs':['main']}"),
     F "$.customers[0].tokens: expected at least 1 element"},
    {ONE_CUSTOMER("{'name':'acme','tokens':[7]}"),
     F "$.customers[0].tokens[0]: expected a string"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['0123456789 abcdef']}"),
     F "$.customers[0].tokens[0]: " TOKEN_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['0123456789abcdef=x']}"),
     F "$.customers[0].tokens[0]: " TOKEN_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "','short']}"),
     F "$.customers[0].tokens[1]: a bearer token needs at least 16 "
       "characters"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "','" TOKEN "']}"),
     F "$.customers[0].tokens[1]: this token is already a token of customer "
       "\"acme\""},
    {ONE_CUSTOMER(CUST_WITH("") ",{'name':'globex','tokens':['" TOKEN "']}"),
     F "$.customers[1].tokens[0]: this token is already a token of customer "
       "\"acme\""},
    {ONE_CUSTOMER(CUST_WITH("") ",{'name':'acme'}"),
     F "$.customers[1].name: customer \"acme\" is already defined"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'tgs':['main']}"),
     F "$.customers[0]: missing member \"numbers\""},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':[]}"),
     F "$.customers[0].numbers: expected at least 1 element"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],"
                  "'numbers':['+1555','15550100000']}"),
     F "$.customers[0].numbers[1]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+0*']}"),
     F "$.customers[0].numbers[0]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+*']}"),
     F "$.customers[0].numbers[0]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],"
                  "'numbers':['+15*5']}"),
     F "$.customers[0].numbers[0]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],"
                  "'numbers':['+1234567890123456']}"),
     F "$.customers[0].numbers[0]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],"
                  "'numbers':[15550100000]}"),
     F "$.customers[0].numbers[0]: " NUMBER_RULE},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1']}"),
     F "$.customers[0]: missing member \"tgs\""},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1'],"
                  "'tgs':[]}"),
     F "$.customers[0].tgs: expected at least 1 element"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1'],"
                  "'tgs':['main','lab']}"),
     F "$.customers[0].tgs[1]: no TG is named \"lab\" in $.tgs"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1'],"
                  "'tgs':[1]}"),
     F "$.customers[0].tgs[0]: expected the name of a TG"},
    {ONE_CUSTOMER("{'name':'acme','tokens':['" TOKEN "'],'numbers':['+1'],"
                  "'tgs':['main','main']}"),
     F "$.customers[0].tgs[1]: TG \"main\" is listed twice"},
};

/* Fills the parser's own "expected" texts into a case's message. */
static char *expected_message(const char *message) {
  static const struct {
    const char *marker, *input;
    int is_advert;
  } fills[] = {{"ADVERT_EXPECTED", "1 in opus;", 1},
               {"DEST_EXPECTED", "+1**", 0},
               {"MATCH_EXPECTED", "1*", 0}};
  char *out = strdup(message);
  assert_non_null(out);
  for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]); ++i) {
    char *at = strstr(out, fills[i].marker);
    if (!at)
      continue;
    ript_parse_error err = {0, NULL};
    if (fills[i].is_advert) {
      ript_advert *adv = NULL;
      assert_int_not_equal(ript_advert_parse(&adv, fills[i].input,
                                             strlen(fills[i].input),
                                             RIPT_ADVERT_KIND_ADVERTISEMENT,
                                             &err, NULL),
                           0);
    } else {
      assert_int_not_equal(ript_dest_list_validate(fills[i].input,
                                                   strlen(fills[i].input),
                                                   &err),
                           0);
    }
    size_t need = strlen(out) + strlen(err.expected) + 1;
    char *filled = malloc(need);
    assert_non_null(filled);
    snprintf(filled, need, "%.*s%s", (int)(at - out), out, err.expected);
    free(out);
    out = filled;
  }
  return out;
}

static void test_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); ++i) {
    riptd_config cfg;
    char err[512] = "";
    int rv = parse_q(&cfg, "cfg.json", bad_cases[i].json, err, sizeof(err));
    char *want = expected_message(bad_cases[i].message);
    if (rv != -1 || strcmp(err, want) != 0)
      fail_msg("case %zu: got %d \"%s\", want \"%s\"", i, rv, err, want);
    free(want);
    /* A failed parse leaves nothing behind. */
    assert_null(cfg.path);
    assert_int_equal(cfg.ntgs, 0);
  }
}

static void test_invalid_json(void **state) {
  (void)state;
  riptd_config cfg;
  char err[512];
  assert_int_equal(parse_q(&cfg, "cfg.json", "{'tls':", err, sizeof(err)),
                   -1);
  assert_string_equal(err, "cfg.json: line 1, column 7: invalid JSON: "
                           "unexpected token near end of file");
  assert_int_equal(
      parse_q(&cfg, "cfg.json", "{\n 'tls':1,\n 'tls':2}", err, sizeof(err)),
      -1);
  assert_string_equal(err, "cfg.json: line 3, column 6: invalid JSON: "
                           "duplicate object key near '\"tls\"'");
}

/* A message is one line, even for a huge unknown key. */
static void test_long_key(void **state) {
  (void)state;
  char q[2048];
  char key[1200];
  memset(key, 'k', sizeof(key) - 1);
  key[sizeof(key) - 1] = '\0';
  snprintf(q, sizeof(q), "{" BASE ",'%s':1}", key);
  riptd_config cfg;
  char err[256];
  assert_int_equal(parse_q(&cfg, "cfg.json", q, err, sizeof(err)), -1);
  assert_int_equal(strncmp(err, "cfg.json: $.kkkk", 16), 0);
  assert_null(strchr(err, '\n'));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full),        cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_example),     cmocka_unit_test(test_load_errors),
      cmocka_unit_test(test_split_listen), cmocka_unit_test(test_action_names),
      cmocka_unit_test(test_errors),      cmocka_unit_test(test_invalid_json),
      cmocka_unit_test(test_long_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
