/*
 * Internal to the client library: one call (ript/client_call.h).
 *
 * What the call's media and signaling decide (acknowledgements, the
 * backlog and its replay, pings) is its ript_conv's (ript/conversation.h);
 * the files here only carry its bytes: call.c runs the call, call_byway.c
 * keeps its exchanges, call_signal.c the signaling byway and the PUTs of
 * events, call_media.c the datagrams of the extended CONNECT or the PUT
 * and GET media byways.
 *
 * The call owns its exchanges as byways on one list, so that a migration
 * or the end can cancel them all. Exchange callbacks never start requests
 * or change the call's course themselves: they record what happened and
 * kick the call's timer, whose callback does the work. So nothing
 * re-enters the HTTP client from inside its own callbacks, and an exchange
 * that fails while it is being started is handled like any other.
 *
 * Every byway carries the call's generation at the time it started; a
 * migration bumps the generation, and what an older byway reports
 * afterwards (a late response, a close) is ignored.
 */
#ifndef RIPT_CLIENT_CALL_INTERNAL_H
#define RIPT_CLIENT_CALL_INTERNAL_H

#include "client_internal.h"
#include "ript/client_call.h"
#include "ript/conversation.h"

/* The kinds of a call's byways, as riptd names them (server/call.h). */
typedef enum ript_client_bw_kind {
  RIPT_CLIENT_BW_EVENTS_GET = 0, /* the reverse signaling byway */
  RIPT_CLIENT_BW_EVENTS_PUT,     /* a forward signaling byway: one event */
  RIPT_CLIENT_BW_SESSION,        /* extended CONNECT carrying datagrams */
  RIPT_CLIENT_BW_MEDIA_GET,      /* a reverse media byway */
  RIPT_CLIENT_BW_MEDIA_PUT       /* a forward media byway */
} ript_client_bw_kind;

typedef struct ript_client_bw {
  struct ript_client_bw *next, *prev;
  ript_client_call *call;
  ript_http_exchange *ex;
  ript_client_bw_kind kind;
  unsigned gen;
  int status;
  int error;     /* the exchange's close error */
  int closed;    /* on_close came */
  ript_buf body; /* response body: media chunks, or an error document */
} ript_client_bw;

typedef enum ript_client_call_phase {
  CALL_CREATING = 0, /* POST {tg}/calls or GET {call} under way */
  CALL_LIVE,
  CALL_ENDING, /* end sent, waiting for the server's end */
  CALL_CLOSING /* cancelling exchanges; on_closed comes next */
} ript_client_call_phase;

struct ript_client_call {
  ript_client *client;
  const ript_mem *mem;
  ript_client_call_callbacks cbs;
  void *user_data;
  uv_timer_t timer;
  ript_client_call_phase phase;
  ript_client_req *create; /* POST {tg}/calls or GET {call}, while under way */
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
  /* the conversation, from the call's description on */
  ript_conv *conv;
  ript_buf scratch; /* what one write of the conversation carries */
  /* byways */
  ript_client_bw *bws;
  unsigned gen;
  ript_client_bw *events; /* the current signaling byway, or NULL */
  int signal_up;          /* its response headers arrived */
  ript_event_parser *parser;
  int migrate_pending;
  int64_t byway_lost_ms; /* when the call was last without one */
  int64_t retry_at_ms;   /* when to try the signaling byway again */
  int64_t end_deadline_ms;
  /* media */
  uint8_t tx_source, tx_sink;
  int use_datagrams;
  ript_client_bw *media_session; /* the CONNECT, or NULL */
  int media_opened;              /* opened in this generation */
  unsigned gets_open;
  int64_t rx_now_ms;     /* when the body or datagram received arrived */
  int64_t last_frame_ms; /* when the last media chunk did; 0: none */
  /* figures; answered_after_ms >= 0 once answered, migrations > 0 once
   * migrated (no cookies on the signaling byway from then on) */
  ript_client_call_stats stats;
};

/* Wall-clock milliseconds: the clock of chunk timestamps and of the
 * conversation. */
int64_t ript_client_call_now_ms(void);

/* Runs the call from the loop as soon as possible. */
void ript_client_call_kick(ript_client_call *call);

/* Ends the call with |code| (0: a terminal event was received); every
 * exchange is cancelled and on_closed follows from the loop. */
void ript_client_call_finish(ript_client_call *call, int code);

/* Records the failing request for the outcome (strings copied; NULLs
 * allowed). */
void ript_client_call_set_failure(ript_client_call *call, const char *method,
                                  const char *url, int status,
                                  const ript_client_bw *bw);

/* Byways (call_byway.c). */
typedef struct ript_client_bw_spec {
  ript_client_bw_kind kind;
  const char *method;
  const char *url;
  const char *protocol;
  const char *content_type; /* with a body; NULL: none */
  const void *body;
  size_t body_len;
  int no_cookies;
} ript_client_bw_spec;

int ript_client_bw_start(ript_client_call *call,
                         const ript_client_bw_spec *spec, ript_client_bw **pbw);
void ript_client_bw_cancel_all(ript_client_call *call, unsigned below_gen);
/* Frees the closed byways; reports them to the signaling or media code
 * first when they are current. */
void ript_client_bw_reap(ript_client_call *call);

/* Signaling (call_signal.c). */
int ript_client_signal_open(ript_client_call *call);
void ript_client_signal_closed(ript_client_call *call, ript_client_bw *bw);
/* Sends, each in a PUT of its own, the events the conversation hands out
 * (the call's own and its pings). Returns 0 or the first error. */
int ript_client_signal_flush(ript_client_call *call, int64_t now);
void ript_client_signal_on_body(ript_client_bw *bw, const uint8_t *data,
                                size_t len);
void ript_client_signal_on_response(ript_client_bw *bw);

/* Media (call_media.c). */
/* Makes the call's conversation from its description. */
int ript_client_media_setup(ript_client_call *call, const ript_doc_call *desc);
void ript_client_media_open(ript_client_call *call);
/* Writes what the conversation has due on the media path. */
void ript_client_media_flush(ript_client_call *call, int64_t now);
void ript_client_media_on_response(ript_client_bw *bw);
void ript_client_media_on_datagram(ript_client_bw *bw, const uint8_t *data,
                                   size_t len);
void ript_client_media_closed(ript_client_call *call, ript_client_bw *bw);

#endif /* RIPT_CLIENT_CALL_INTERNAL_H */
