/*
 * server/store.h - where riptd keeps handlers, calls and issued STIR
 * certificates: an asynchronous, conditional store with call ownership.
 *
 * Every record lives behind this interface and never inside a connection
 * object, so a call outlives the connection that created it, a riptd that
 * restarts finds its calls again (with a durable backend), and several riptd
 * processes can share one store. Backends: memory (store_mem.c, the default
 * of `riptd --dev`), SQLite (store_sqlite.c: one file, WAL, shareable by the
 * processes of one machine); a networked database later, behind the same
 * operations, without touching any resource.
 *
 * Asynchronous. Every operation completes through its callback, never from
 * inside the call that started it (the memory backend completes on the next
 * loop turn, SQLite on libuv's thread pool), so a slow database never blocks
 * the loop that carries every call's media. Callbacks run on the loop's
 * thread. A record handed to a callback is valid only during the callback
 * (copy what you keep: riptd_call_rec_copy).
 *
 * Conditional. Nothing is read-then-written: call state changes are
 * compare-and-set on the record's version (riptd_store_call_update), and the
 * per-customer limits are one atomic add-if-under-limit
 * (riptd_store_handler_add, riptd_store_call_add).
 *
 * Ownership. A live call has an owner, the id of the riptd node that runs
 * it (riptd_store_config.node_id), and a lease until which that node holds
 * it; the owner renews the lease (an update) well before it runs out. A node
 * that receives a byway for a call it does not hold takes it over with a
 * compare-and-set only when the lease has expired or the owner is this
 * node's own id (an earlier life of the node); otherwise it sends the client
 * to the owner (docs/PROTOCOL.md §8, decision 82).
 *
 * Time to live. A record with |expires_ms| > 0 disappears at that time: an
 * ended call's record 5 minutes after its end (decision 10), a live call's
 * at lease_until_ms + the orphan grace (so no record outlives its purpose
 * when the node that owned it dies). An operation given a |now| at or after
 * a record's |expires_ms| no longer sees it; the backend reclaims the room
 * itself (memory: when an operation meets the record, and in a sweep at a
 * call_add at most once a second of its |now|; SQLite: at every call_add
 * and on a timer).
 *
 * Results: 0 or a negative code: the RIPTD_STORE_* below, RIPT_ERR_NOMEM,
 * RIPT_ERR_INVALID_ARGUMENT. RIPTD_STORE_UNAVAILABLE means the backend cannot
 * be used now (unreachable, locked beyond its timeout, an I/O error): the
 * resource answers 503 with Retry-After, and calls in progress go on with
 * what the node holds.
 *
 * Thread-safety: none; riptd runs one loop on one thread. A store may be
 * closed (riptd_store_close) with operations in flight: their callbacks run
 * before the close completes, those started before the close with their
 * results (a durable backend's last writes land), those started from such a
 * callback after it with RIPTD_STORE_UNAVAILABLE. Nothing else may start an
 * operation once the close began.
 */
#ifndef RIPTD_STORE_H
#define RIPTD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ript/call.h"
#include "ript/uri.h"

/* A record with that key is already stored. */
#define RIPTD_STORE_EXISTS -1001
/* No record with that key (or it expired). */
#define RIPTD_STORE_NOT_FOUND -1002
/* Compare-and-set: the record's version is not the one given (someone else
 * changed it first); the callback gets the current record. */
#define RIPTD_STORE_CONFLICT -1003
/* Add-if-under-limit: the customer is at its limit. */
#define RIPTD_STORE_LIMIT -1004
/* The backend cannot be used now; try again later. */
#define RIPTD_STORE_UNAVAILABLE -1005

/* A registered handler. Keyed by (customer, tg, id): a handler URI is
 * resolved within the customer whose token the request carries. */
typedef struct riptd_handler_rec {
  char *customer;
  char *tg;
  char *id; /* the handler-id */
  char *advertisement;
} riptd_handler_rec;

/* A call. Keyed by its UUID. Holds everything another riptd process needs
 * to run the call on. */
typedef struct riptd_call_rec {
  char uuid[RIPT_URI_UUID_LEN + 1];
  char *customer;
  char *tg;
  char *handler_id;
  char *from; /* E.164, the PASSporT's orig */
  char *to;   /* the normalized destination */
  char *client_directives; /* "" when the client sends nothing */
  char *server_directives; /* "" when the server sends nothing */
  size_t route;            /* index of the TG's route that answers it */
  ript_call_state state;
  int64_t created_ms; /* Unix ms */
  /* The event that entered |state|, as first sent: its timestamp and its
   * reason (NULL: none). A new reverse signaling byway announces it. */
  int64_t state_ms;
  char *state_reason;
  /* Set by the store: 1 when added, one more at every update. */
  uint64_t version;
  /* The node that runs the call (NULL: none), the call URI as that node
   * serves it (where a client is sent), and until when it holds the call. */
  char *owner;
  char *owner_uri;
  int64_t lease_until_ms;
  /* When the record disappears (Unix ms); 0: never by itself. */
  int64_t expires_ms;
  /* The downstream leg of a relayed call (a later issue), as JSON text;
   * NULL: none. Stored and returned as it is. */
  char *leg;
} riptd_call_rec;

/* A certificate riptd's STIR CA issued. Keyed by its URL (the PASSporT's
 * x5u names it). */
typedef struct riptd_cert_rec {
  char *url;
  char *tg;
  char *customer;
  char *tn;        /* the number it covers, E.164 */
  char *chain_pem; /* the leaf then the CA, PEM */
} riptd_cert_rec;

/* Frees the strings of a record (a copy, or one the caller built with
 * malloc'd strings) and zeroes it. NULL is a no-op. */
void riptd_handler_rec_free(riptd_handler_rec *rec);
void riptd_call_rec_free(riptd_call_rec *rec);
void riptd_cert_rec_free(riptd_cert_rec *rec);

/* Deep copies: 0 or RIPT_ERR_NOMEM (|dst| zeroed then). */
int riptd_handler_rec_copy(riptd_handler_rec *dst,
                           const riptd_handler_rec *src);
int riptd_call_rec_copy(riptd_call_rec *dst, const riptd_call_rec *src);
int riptd_cert_rec_copy(riptd_cert_rec *dst, const riptd_cert_rec *src);

/* Whether |rec| counts towards its customer's calls at |now|: not expired,
 * not in a terminal state, and its lease not run out by more than
 * |grace_ms| (now <= lease_until_ms + grace_ms: a call whose owner died and
 * that nobody took over is over). */
int riptd_call_rec_is_live(const riptd_call_rec *rec, int64_t now,
                           int64_t grace_ms);

/* ---- completions ---- */

/* |rv|: 0 or an error above. */
typedef void (*riptd_store_done_cb)(void *data, int rv);
/* |rec|: the record (0, and RIPTD_STORE_CONFLICT: the current one), else
 * NULL. */
typedef void (*riptd_store_call_cb)(void *data, int rv,
                                    const riptd_call_rec *rec);
typedef void (*riptd_store_handler_cb)(void *data, int rv,
                                       const riptd_handler_rec *rec);
/* Every handler of (customer, tg), sorted by id (|n| may be 0). */
typedef void (*riptd_store_handlers_cb)(void *data, int rv,
                                        const riptd_handler_rec *recs,
                                        size_t n);
typedef void (*riptd_store_cert_cb)(void *data, int rv,
                                    const riptd_cert_rec *rec);

/* ---- backends ---- */

/* The operations a backend implements (|impl| is its state); each must call
 * its callback exactly once, later, on the loop's thread, and copy what it
 * keeps of its arguments before it returns. */
typedef struct riptd_store_ops {
  const char *name; /* "memory", "sqlite" */
  void (*handler_add)(void *impl, const riptd_handler_rec *rec, int64_t limit,
                      riptd_store_done_cb cb, void *data);
  void (*handler_replace)(void *impl, const riptd_handler_rec *rec,
                          riptd_store_done_cb cb, void *data);
  void (*handler_get)(void *impl, const char *customer, const char *tg,
                      const char *id, riptd_store_handler_cb cb, void *data);
  void (*handler_remove)(void *impl, const char *customer, const char *tg,
                         const char *id, riptd_store_done_cb cb, void *data);
  void (*handler_list)(void *impl, const char *customer, const char *tg,
                       riptd_store_handlers_cb cb, void *data);
  void (*call_add)(void *impl, const riptd_call_rec *rec, int64_t limit,
                   int64_t now, riptd_store_call_cb cb, void *data);
  void (*call_get)(void *impl, const char *uuid, int64_t now,
                   riptd_store_call_cb cb, void *data);
  void (*call_update)(void *impl, const riptd_call_rec *rec, int64_t now,
                      riptd_store_call_cb cb, void *data);
  void (*call_remove)(void *impl, const char *uuid, riptd_store_done_cb cb,
                      void *data);
  void (*cert_add)(void *impl, const riptd_cert_rec *rec,
                   riptd_store_done_cb cb, void *data);
  void (*cert_get)(void *impl, const char *url, riptd_store_cert_cb cb,
                   void *data);
  /* Completes every operation in flight as riptd_store_close says (and
   * RIPTD_STORE_UNAVAILABLE where one could not finish), frees |impl|,
   * then calls |cb|. */
  void (*close)(void *impl, void (*cb)(void *data), void *data);
} riptd_store_ops;

typedef struct riptd_store_config {
  /* This node's id: the owner written into the calls it runs. Unique per
   * riptd process sharing a store, and the same across restarts of one. */
  const char *node_id;
  /* A live call's lease (> 0), and how long after the lease ran out a
   * call still counts as live (the clients' no-byway timeout, >= 0). */
  int64_t lease_ms;
  int64_t orphan_grace_ms;
  /* How long an operation waits for a backend another process holds busy
   * (SQLite: its busy timeout) before it is RIPTD_STORE_UNAVAILABLE;
   * 0: RIPTD_STORE_DEFAULT_TIMEOUT_MS. */
  int64_t timeout_ms;
} riptd_store_config;

#define RIPTD_STORE_DEFAULT_TIMEOUT_MS 2000

/* Renews the lease of |rec|, a live call's record, from |now|:
 * lease_until_ms = now + lease_ms, and an expiry that outlives it by the
 * clients' no-byway timeout (orphan_grace_ms) and |keep_ms|, the time an
 * ended call is kept (docs/PROTOCOL.md decision 82). */
void riptd_call_rec_renew(riptd_call_rec *rec, const riptd_store_config *cfg,
                          int64_t keep_ms, int64_t now);

typedef struct riptd_store {
  const riptd_store_ops *ops;
  void *impl;
  uv_loop_t *loop;
  riptd_store_config cfg; /* strings owned */
  /* private: riptd_store_close's callback */
  void (*on_closed)(void *data);
  void *on_closed_data;
} riptd_store;

/* A new in-memory store on |loop|. Returns 0, RIPT_ERR_NOMEM or
 * RIPT_ERR_INVALID_ARGUMENT (no node id, lease_ms <= 0, a negative grace
 * or timeout). */
int riptd_store_mem_new(riptd_store **pstore, uv_loop_t *loop,
                        const riptd_store_config *cfg);

/* A store in the SQLite database file |path| (created when missing; WAL;
 * other processes of this machine may open it too). Returns 0, or -1 with
 * one line in |errbuf| naming the problem (the file cannot be opened or
 * created, is not a database, is another program's, or has a schema
 * version this riptd does not know; a configuration riptd_store_mem_new
 * refuses). */
int riptd_store_sqlite_new(riptd_store **pstore, uv_loop_t *loop,
                           const riptd_store_config *cfg, const char *path,
                           char *errbuf, size_t errlen);

/* Closes |store| (see riptd_store_ops.close) and frees it, then calls |cb|
 * (may be NULL). NULL |store| calls |cb| at once. */
void riptd_store_close(riptd_store *store, void (*cb)(void *data), void *data);

/* Makes |rec| this node's with a fresh lease from |now|: owner = the
 * store's node id (borrowed: valid while the store is open), then
 * riptd_call_rec_renew. The owner_uri and the rest are the caller's. */
void riptd_store_call_lease(const riptd_store *s, riptd_call_rec *rec,
                            int64_t keep_ms, int64_t now);

/* ---- operations (records are copied when the operation starts) ----
 *
 * Keys (customer, tg and id of a handler; uuid, customer and tg of a call;
 * url of a certificate) must be given: RIPT_ERR_INVALID_ARGUMENT. */

/* Adds a handler if its customer has fewer than |limit| on all TGs: 0,
 * RIPTD_STORE_LIMIT (checked first), RIPTD_STORE_EXISTS. */
void riptd_store_handler_add(riptd_store *s, const riptd_handler_rec *rec,
                             int64_t limit, riptd_store_done_cb cb, void *data);
/* Replaces an existing handler: 0, RIPTD_STORE_NOT_FOUND. */
void riptd_store_handler_replace(riptd_store *s, const riptd_handler_rec *rec,
                                 riptd_store_done_cb cb, void *data);
/* 0 with the record, or RIPTD_STORE_NOT_FOUND. */
void riptd_store_handler_get(riptd_store *s, const char *customer,
                             const char *tg, const char *id,
                             riptd_store_handler_cb cb, void *data);
/* 0 or RIPTD_STORE_NOT_FOUND. */
void riptd_store_handler_remove(riptd_store *s, const char *customer,
                                const char *tg, const char *id,
                                riptd_store_done_cb cb, void *data);
/* 0 with the handlers (none: |n| 0). */
void riptd_store_handler_list(riptd_store *s, const char *customer,
                              const char *tg, riptd_store_handlers_cb cb,
                              void *data);

/* Adds a call (|rec->version| ignored; stored as 1) if its customer has
 * fewer than |limit| live calls (riptd_call_rec_is_live at |now|): 0 with
 * the stored record, RIPTD_STORE_LIMIT (checked first), RIPTD_STORE_EXISTS
 * (an expired record under the UUID is no longer there). */
void riptd_store_call_add(riptd_store *s, const riptd_call_rec *rec,
                          int64_t limit, int64_t now, riptd_store_call_cb cb,
                          void *data);
/* 0 with the record, or RIPTD_STORE_NOT_FOUND (also when it expired). */
void riptd_store_call_get(riptd_store *s, const char *uuid, int64_t now,
                          riptd_store_call_cb cb, void *data);
/* Compare-and-set: stores |rec| with version |rec->version| + 1 if the
 * stored record still has |rec->version|: 0 with the stored record;
 * RIPTD_STORE_CONFLICT with the current one; RIPTD_STORE_NOT_FOUND (also
 * when it expired at |now|). The uuid, customer, tg and created_ms of a
 * call never change: the stored ones are kept, whatever |rec| says. */
void riptd_store_call_update(riptd_store *s, const riptd_call_rec *rec,
                             int64_t now, riptd_store_call_cb cb, void *data);
/* 0 or RIPTD_STORE_NOT_FOUND. Takes no time: a record that expired but is
 * still stored is removed (0). */
void riptd_store_call_remove(riptd_store *s, const char *uuid,
                             riptd_store_done_cb cb, void *data);

/* Certificates by URL: add (RIPTD_STORE_EXISTS), get
 * (RIPTD_STORE_NOT_FOUND). */
void riptd_store_cert_add(riptd_store *s, const riptd_cert_rec *rec,
                          riptd_store_done_cb cb, void *data);
void riptd_store_cert_get(riptd_store *s, const char *url,
                          riptd_store_cert_cb cb, void *data);

#endif /* RIPTD_STORE_H */
