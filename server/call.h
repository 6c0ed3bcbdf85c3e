/*
 * server/call.h - a live call: the one module that orchestrates what
 * happens to a call after POST {tg}/calls created it (docs/PROTOCOL.md
 * §8-§10), on this riptd node.
 *
 * A call holds its state (ript/call.h decides which event is legal), its
 * byways (byway.h), its conversation (ript/conversation.h: what goes out on
 * which carrier, what is kept, pongs, media-panic), its action (action.h:
 * echo, play, record, ...) and its record in the store (store.h), which it
 * keeps current with compare-and-set writes and whose lease it renews while
 * it runs the call. The leaves report through callbacks and never call into
 * the call; the call calls down into them.
 *
 * No clock and no timer of its own: every entry point takes `now` (Unix ms
 * on riptd's clock, which never goes back), or, inside callbacks of the
 * leaves, asks the env's clock, which the binding reads once per loop turn.
 * The binding (live.c) arms one timer per call for riptd_call_deadline and
 * calls riptd_call_run then; tests drive the same functions with fake time
 * and fake exchanges.
 *
 * Thread-safety: none; everything runs on riptd's one loop.
 */
#ifndef RIPTD_CALL_H
#define RIPTD_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "app.h"
#include "byway.h"
#include "ript/buf.h"
#include "store.h"

typedef struct riptd_call riptd_call;

/* What every call of a riptd process shares; owned by the live calls. */
typedef struct riptd_call_env {
  riptd_app *app;      /* configuration, URIs, randomness, the store */
  riptd_action_env *actions;
  riptd_byway_limits limits;
  /* The clock (Unix ms) for callbacks that come with no `now`. */
  int64_t (*now)(void *clock);
  void *clock;
  /* Scratch space for one call at a time: events, media chunks. */
  ript_buf out, chunks;
} riptd_call_env;

/* What a call tells the binding that holds it. */
typedef struct riptd_call_host {
  void *data;
  /* The call's deadline may now be earlier than the one armed. */
  void (*schedule)(void *data, riptd_call *call);
  /* The call is over on this node (ended and its last byway answered, or
   * given up to another node): forget it and riptd_call_free it, later:
   * this is called from inside the call's own functions. */
  void (*done)(void *data, riptd_call *call);
  /* The call's memory is gone (riptd_call_free waits for the store write
   * in flight); may be NULL. */
  void (*freed)(void *data);
} riptd_call_host;

/*
 * A live call for the stored record |rec|, owned by this node (the store
 * says so already): a new call (proceeding, created now) or one taken over
 * (any state: the action resumes where the state says). |env| is borrowed
 * for the call's life, |host| copied. The caller arms the call's timer for
 * riptd_call_deadline once it holds the call. Returns 0, RIPT_ERR_NOMEM, or
 * the error of a directive or of the action.
 */
int riptd_call_new(riptd_call **pcall, riptd_call_env *env,
                   const riptd_call_host *host, const riptd_call_rec *rec,
                   int64_t now);

/* Frees the call (after host->done, or at once at the very end); store
 * writes in flight finish first. NULL is a no-op. */
void riptd_call_free(riptd_call *call);

const char *riptd_call_uuid(const riptd_call *call);
/* Whether |customer| may use this call on TG |tg| (its own, on its TG). */
int riptd_call_belongs(const riptd_call *call, const char *customer,
                       const char *tg);

/*
 * Takes over the byway request |ex| of |type|. |body| (|len| bytes, |ended|
 * when complete) is what arrived while the request waited for the call to
 * be found. A call that no longer takes byways answers 404, one at its
 * limit 429 (docs/PROTOCOL.md §8, §10.5, §12).
 */
void riptd_call_take(riptd_call *call, ript_http_exchange *ex,
                     riptd_byway_type type, const uint8_t *body, size_t len,
                     int ended, int64_t now);

/*
 * The call's directives changed (POST {call} stored |rec|): the media
 * moves to them at once and the action starts its media again (decision
 * 72). Returns 0 (also for an ended call), or the error of a directive,
 * the call then unchanged.
 */
int riptd_call_renegotiate(riptd_call *call, const riptd_call_rec *rec,
                           int64_t now);

/*
 * Asks the client to migrate (§9.13; SIGUSR1): `migrate` without "uri",
 * then every reverse signaling byway ends and the media byways and sessions
 * open now are not used (decision 78). Returns 1, or 0 (nothing done) for a
 * call that has ended or has no reverse signaling byway open.
 */
int riptd_call_migrate(riptd_call *call, int64_t now);

/* Does what is due at |now|. */
void riptd_call_run(riptd_call *call, int64_t now);
/* When riptd_call_run next has something to do, or INT64_MAX. */
int64_t riptd_call_deadline(const riptd_call *call);

/* riptd is shutting down: the call ends ("riptd is shutting down") and
 * host->done follows once its record is written. */
void riptd_call_shutdown(riptd_call *call, int64_t now);

#endif /* RIPTD_CALL_H */
