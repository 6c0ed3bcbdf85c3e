/*
 * Internal to the client library: one call (ript/client_call.h).
 *
 * The call owns its exchanges as call_xfer objects on one list, so that a
 * migration or the end can cancel them all. Exchange callbacks never start
 * requests or change the call's course themselves: they record what
 * happened and kick the call's timer, whose callback (call_run) does the
 * work. So nothing re-enters the HTTP client from inside its own
 * callbacks, and an exchange that fails while it is being started is
 * handled like any other.
 *
 * Every exchange carries the call's generation at the time it started;
 * a migration bumps the generation, and what an older exchange reports
 * afterwards (a late response, a close) is ignored.
 */
#ifndef RIPT_CLIENT_CALL_INTERNAL_H
#define RIPT_CLIENT_CALL_INTERNAL_H

#include "client_internal.h"
#include "ript/client_call.h"

typedef enum call_xfer_kind {
  XFER_EVENTS_GET = 0, /* the signaling byway */
  XFER_EVENTS_PUT,     /* one event sent */
  XFER_MEDIA_SESSION,  /* extended CONNECT carrying datagrams */
  XFER_MEDIA_GET,      /* a reverse media byway */
  XFER_MEDIA_PUT       /* a forward media byway */
} call_xfer_kind;

typedef struct call_xfer {
  struct call_xfer *next, *prev;
  ript_client_call *call;
  ript_http_exchange *ex;
  call_xfer_kind kind;
  unsigned gen;
  int status;
  int error;    /* the exchange's close error */
  int closed;   /* on_close came */
  ript_buf body; /* response body: media chunks, or an error document */
} call_xfer;

typedef enum call_phase {
  CALL_CREATING = 0, /* POST {tg}/calls or GET {call} under way */
  CALL_LIVE,
  CALL_ENDING,       /* end sent, waiting for the server's end */
  CALL_CLOSING       /* cancelling exchanges; on_closed comes next */
} call_phase;

struct ript_client_call {
  ript_client *client;
  const ript_mem *mem;
  ript_client_call_callbacks cbs;
  void *user_data;
  uv_timer_t timer;
  call_phase phase;
  client_req *create; /* POST {tg}/calls or GET {call}, while under way */
  /* configuration (strings owned) */
  char *tg_uri, *handler_uri, *destination, *passport;
  ript_client_media_mode media;
  unsigned byways;
  uint64_t ping_interval_ms, give_up_ms;
  int64_t media_timeout_ms;
  bool keyed; /* media_key and tx_key are set */
  ript_mediakey media_key;
  ript_chunk_key tx_key;
  /* the call */
  char *uri, *events_url, *media_url;
  int64_t started_ms;
  /* the outcome */
  int code;
  ript_event_type final;
  char *final_reason;
  int ended_by_us;
  int fail_status;
  char *fail_method, *fail_url, *fail_error, *fail_reason;
  /* exchanges */
  call_xfer *xfers;
  unsigned gen;
  call_xfer *events; /* the current signaling byway, or NULL */
  int signal_up;     /* its response headers arrived */
  ript_event_parser *parser;
  int migrate_pending;
  int64_t byway_lost_ms;  /* when the call was last without one */
  int64_t retry_at_ms;    /* when to try the signaling byway again */
  int64_t next_ping_ms;
  int64_t end_deadline_ms;
  /* media */
  ript_media_session *session;
  ript_buf scratch;  /* the chunks of one send, replay or ack flush */
  uint8_t tx_source, tx_sink;
  int use_datagrams;
  call_xfer *media_session; /* the CONNECT, or NULL */
  int media_up;      /* the media path carries chunks */
  int media_opened;  /* opened in this generation */
  unsigned gets_open;
  int replay_due;    /* replay once the next new chunk has gone */
  int64_t replay_at_ms;
  int64_t ack_flush_ms; /* acks owed must leave by then; INT64_MAX none */
  /* figures; answered_after_ms >= 0 once answered, migrations > 0 once
   * migrated (no cookies on the signaling byway from then on) */
  ript_client_call_stats stats;
};

/* Wall-clock milliseconds: the clock of chunk timestamps. */
int64_t call_now_ms(void);

/* Runs call_run from the loop as soon as possible. */
void call_kick(ript_client_call *call);

/* Ends the call with |code| (0: a terminal event was received); every
 * exchange is cancelled and on_closed follows from the loop. */
void call_finish(ript_client_call *call, int code);

/* Records the failing request for the outcome (strings copied; NULLs
 * allowed). */
void call_set_failure(ript_client_call *call, const char *method,
                      const char *url, int status, const call_xfer *xfer);

/* Exchanges (call_xfer.c). */
typedef struct call_xfer_spec {
  call_xfer_kind kind;
  const char *method;
  const char *url;
  const char *protocol;
  const char *content_type; /* with a body; NULL: none */
  const void *body;
  size_t body_len;
  int no_cookies;
} call_xfer_spec;

int call_xfer_start(ript_client_call *call, const call_xfer_spec *spec,
                    call_xfer **pxfer);
void call_xfer_cancel_all(ript_client_call *call, unsigned below_gen);
/* Frees the closed exchanges; reports them to the signaling or media
 * code first when they are current. */
void call_xfer_reap(ript_client_call *call);

/* Signaling (call_signal.c). */
int call_signal_open(ript_client_call *call);
void call_signal_closed(ript_client_call *call, call_xfer *xfer);
int call_signal_send(ript_client_call *call, ript_event_type type,
                     const char *reason, const char *nonce);
void call_signal_on_body(call_xfer *xfer, const uint8_t *data, size_t len);
void call_signal_on_response(call_xfer *xfer);

/* Media (call_media.c). */
int call_media_setup(ript_client_call *call, const ript_doc_call *desc);
void call_media_open(ript_client_call *call);
void call_media_on_response(call_xfer *xfer);
void call_media_on_datagram(call_xfer *xfer, const uint8_t *data,
                            size_t len);
void call_media_closed(ript_client_call *call, call_xfer *xfer);
void call_media_tick(ript_client_call *call, int64_t now);
int64_t call_media_deadline(const ript_client_call *call);

#endif /* RIPT_CLIENT_CALL_INTERNAL_H */
