/*
 * server/config.h - riptd's configuration file (JSON, read with jansson).
 *
 * server/riptd.example.json is a complete example and
 * server/riptd.example.md documents every member. Parsing checks the
 * structure and every value (patterns, advertisement, numbers, tokens,
 * cross-references); it reads no other file: the certificates and keys the
 * configuration names are loaded by riptd_app_new (app.h).
 *
 * Errors are one line: "FILE: $.json.path: what is wrong", written to the
 * caller's buffer. Relative file names in the configuration are resolved
 * against the directory of the configuration file.
 */
#ifndef RIPTD_CONFIG_H
#define RIPTD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "ript/dest.h"
#include "ript/mediakey.h"

/* What answers a call, chosen by destination (the TG's routes). */
typedef enum riptd_action_kind {
  RIPTD_ACTION_ECHO = 0,   /* sends back what it receives */
  RIPTD_ACTION_PLAY,       /* plays a WAV file in a loop */
  RIPTD_ACTION_RECORD,     /* records to a WAV file */
  RIPTD_ACTION_CONFERENCE, /* every call to the number hears the others */
  RIPTD_ACTION_DECLINE,    /* the call is declined */
  RIPTD_ACTION_FAIL,       /* the call fails */
  RIPTD_ACTION_NOANSWER    /* the call is never answered */
} riptd_action_kind;

/* The action's name in the configuration ("echo", ...), or NULL. */
const char *riptd_action_name(riptd_action_kind kind);

typedef struct riptd_route {
  char *match;               /* a destination pattern list (ript/dest.h) */
  ript_dest_list *dest;      /* |match|, parsed */
  riptd_action_kind action;
  char *file;                /* play and record: the WAV file; else NULL */
  /* "media-key": the end-to-end media key of calls to these numbers
   * (docs/PROTOCOL.md §10.2), or has_media_key 0 */
  int has_media_key;
  ript_mediakey media_key;
} riptd_route;

typedef struct riptd_tg_conf {
  char *name; /* a URI path segment: 1..64 of [A-Za-z0-9._~-] */
  char *description;         /* NULL when absent */
  char *destinations;        /* pattern list; "*" when absent */
  ript_dest_list *dest;
  int64_t retry_backoff_ms;  /* >= 2000 */
  int64_t media_timeout_ms;  /* > 0 */
  int origins;               /* nonzero: the TG is an authentication service */
  riptd_route *routes;
  size_t nroutes;
} riptd_tg_conf;

typedef struct riptd_customer {
  char *name;
  char **tokens; /* static bearer tokens (RFC 6750 b64token, >= 16
                    characters); may be none when OAuth names it */
  size_t ntokens;
  char *numbers_text;    /* the numbers as one pattern list */
  ript_dest_list *numbers; /* what it may use as caller ID */
  size_t *tgs;           /* indexes into riptd_config.tgs */
  size_t ntgs;
} riptd_customer;

/* An authorization server whose JWT access tokens riptd accepts. */
typedef struct riptd_issuer_conf {
  char *issuer;          /* "iss", an https URI */
  char *jwks_file;       /* its JWK Set: a file ... */
  char *jwks_uri;        /* ... or an https URI (exactly one is set) */
  char *jwks_cacert;     /* an extra CA (PEM file) for |jwks_uri|, or NULL */
  char *customer_claim;  /* the claim naming the customer */
  int64_t skew_s;        /* leeway on exp and nbf */
  int legacy_typ;        /* also tokens without typ "at+jwt" */
} riptd_issuer_conf;

/* A client of riptd's own authorization server. */
typedef struct riptd_client_conf {
  char *id, *secret;     /* client_id and client_secret */
  size_t customer;       /* index into riptd_config.customers */
  char *scope;           /* what its tokens may hold, space-separated */
  char **refresh_tokens; /* long-lived refresh tokens given out of band */
  size_t nrefresh_tokens;
} riptd_client_conf;

/* OAuth 2.0: whose tokens riptd accepts and, optionally, riptd as a small
 * authorization server itself (client credentials, refresh tokens). */
typedef struct riptd_oauth_conf {
  char *audience;         /* "aud" tokens must hold; NULL: the root URI */
  char *call_scope;       /* to see TGs and place calls */
  char *admin_scope;      /* to provision handlers and certificates */
  int64_t jwks_refresh_s; /* how often a jwks-uri is fetched again */
  char *metadata;         /* RFC 8414 JSON text served, or NULL */
  riptd_issuer_conf *issuers;
  size_t nissuers;
  char *server_key;       /* the built-in server's P-256 key (PEM file);
                             NULL: no built-in authorization server */
  char *server_issuer;    /* its "iss"; NULL: https://AUTHORITY */
  int64_t token_lifetime_s;
  int64_t token_requests_per_second; /* per client (and one budget for
                                        all unauthenticated requests) */
  riptd_client_conf *clients;
  size_t nclients;
} riptd_oauth_conf;

/* "transport-limits": the HTTP server's limits on hostile peers; 0 leaves
 * the transport's default (ript/http.h, ript_http_server_config). */
typedef struct riptd_transport_limits {
  int64_t idle_timeout_ms;
  int64_t max_streams;
  int64_t stream_window, connection_window;
  int64_t reset_burst, reset_rate;
  int64_t max_header_bytes, max_header_fields;
  int64_t header_timeout_ms, body_timeout_ms;
  int64_t max_connections, max_connections_per_address;
  int64_t max_handshakes, max_handshakes_per_address;
} riptd_transport_limits;

/* "limits": what one customer and one call may hold (docs/SECURITY.md). */
typedef struct riptd_limits {
  int64_t calls_per_customer;    /* calls not ended; POST {tg}/calls: 429 */
  int64_t handlers_per_customer; /* over all its TGs; POST handlers: 429 */
  int64_t requests_per_second;   /* per customer, non-byway requests; a
                                    burst of twice that; 429 + Retry-After */
  int64_t media_gets_per_call;   /* open reverse media byways: 429 */
  int64_t events_byways_per_call; /* open signaling byways each way: 429 */
  int64_t media_put_max_bytes;   /* a media PUT body: 413 */
  int64_t event_stream_max_bytes; /* one events PUT body: 413 */
  int64_t json_max_depth;        /* a JSON request body nests: 400 */
} riptd_limits;

/* "store": where handlers, calls and certificates are kept (store.h). */
typedef enum riptd_store_kind {
  RIPTD_STORE_MEMORY = 0, /* gone when riptd exits */
  RIPTD_STORE_SQLITE      /* one database file, shareable on one machine */
} riptd_store_kind;

typedef struct riptd_store_conf {
  riptd_store_kind kind;
  char *path;       /* sqlite: the database file (resolved); else NULL */
  char *node_id;    /* this riptd's id as the owner of its calls; NULL: a
                       random one made at every start */
  int64_t lease_ms; /* how long a live call is held without renewal */
} riptd_store_conf;

typedef struct riptd_config {
  char *path;            /* the configuration file, as given */
  char *listen_address;  /* numeric, without brackets */
  uint16_t listen_port;  /* 0: any free port */
  char *authority;       /* NULL: derived from the listen address and port */
  char *tls_cert, *tls_key;
  char *stir_ca_cert, *stir_ca_key;
  char **stir_trust;     /* PEM bundles of trust anchors; [ca-cert] default */
  size_t nstir_trust;
  int64_t cert_lifetime_s;
  char *advertisement;   /* the server's own advertisement */
  riptd_oauth_conf oauth;
  int64_t no_byway_timeout_ms;
  int64_t ring_timeout_ms; /* noanswer: how long the call rings */
  int64_t ended_call_keep_ms; /* GET {call} of an ended call, then 404 */
  size_t document_max_bytes;
  riptd_limits limits;
  riptd_transport_limits transport;
  riptd_store_conf store;
  riptd_customer *customers;
  size_t ncustomers;
  riptd_tg_conf *tgs;
  size_t ntgs;
} riptd_config;

/* Defaults. */
#define RIPTD_DEFAULT_LISTEN "127.0.0.1:4433"
#define RIPTD_DEFAULT_ADVERTISEMENT                                            \
  "1 in: opus; PCMU; PCMA; telephone-event; CN; "                             \
  "1 out: opus; PCMU; PCMA; telephone-event; CN;"
#define RIPTD_DEFAULT_CERT_LIFETIME_S 86400
#define RIPTD_DEFAULT_NO_BYWAY_TIMEOUT_MS 30000
#define RIPTD_DEFAULT_RING_TIMEOUT_MS 30000
#define RIPTD_DEFAULT_ENDED_CALL_KEEP_MS 300000 /* PROTOCOL.md decision 10 */
#define RIPTD_DEFAULT_DOCUMENT_MAX_BYTES 65536
#define RIPTD_DEFAULT_CALLS_PER_CUSTOMER 1000
#define RIPTD_DEFAULT_HANDLERS_PER_CUSTOMER 100
#define RIPTD_DEFAULT_REQUESTS_PER_SECOND 1000
#define RIPTD_DEFAULT_MEDIA_GETS_PER_CALL 30 /* draft §9.9's 20, and room */
#define RIPTD_DEFAULT_EVENTS_BYWAYS_PER_CALL 10
#define RIPTD_DEFAULT_MEDIA_PUT_MAX_BYTES 65536
#define RIPTD_DEFAULT_EVENT_STREAM_MAX_BYTES 1048576
#define RIPTD_DEFAULT_JSON_MAX_DEPTH 16 /* also the most: RIPT_DOC_MAX_DEPTH */
#define RIPTD_DEFAULT_CALL_SCOPE "ript"
#define RIPTD_DEFAULT_ADMIN_SCOPE "ript-admin"
#define RIPTD_DEFAULT_JWKS_REFRESH_S 300
#define RIPTD_DEFAULT_TOKEN_LIFETIME_S 3600
#define RIPTD_DEFAULT_TOKEN_REQUESTS_PER_SECOND 10
#define RIPTD_DEFAULT_LEASE_MS 10000

/*
 * Parses the |len| bytes of |json| as the configuration in file |path|
 * (used in messages and to resolve relative file names) into |cfg|.
 * Returns 0, or -1 with one line (no newline) in |errbuf|; |cfg| is then
 * empty. Free a parsed |cfg| with riptd_config_free.
 */
int riptd_config_parse(riptd_config *cfg, const char *path, const char *json,
                       size_t len, char *errbuf, size_t errlen);

/* Reads the file |path| and parses it as above. */
int riptd_config_load(riptd_config *cfg, const char *path, char *errbuf,
                      size_t errlen);

/* Frees everything in |cfg| and zeroes it. */
void riptd_config_free(riptd_config *cfg);

/*
 * Splits "ADDR:PORT" or "[IPv6]:PORT" (numeric addresses only) into
 * |addr| (without brackets, |addrlen| bytes with the NUL) and |*port|.
 * Returns 0 or -1.
 */
int riptd_config_split_listen(const char *text, char *addr, size_t addrlen,
                              uint16_t *port);

/* Nonzero if |s| is a name riptd takes for a TG, a customer or a node:
 * 1 to 64 of A-Z a-z 0-9 - . _ ~, not "." or "..". */
int riptd_config_is_name(const char *s);

/* The customer named |name|, or NULL. */
const riptd_customer *riptd_config_customer(const riptd_config *cfg,
                                            const char *name);

/* The TG named |name|, or NULL. */
const riptd_tg_conf *riptd_config_tg(const riptd_config *cfg,
                                     const char *name);

/* The route of |tg| that matches the normalized destination |dest| (the
 * first that does), or NULL. */
const riptd_route *riptd_config_route(const riptd_tg_conf *tg,
                                      const char *dest);

#endif /* RIPTD_CONFIG_H */
