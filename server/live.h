/*
 * server/live.h - riptd's live calls: what happens to a call after
 * POST {tg}/calls created it (docs/PROTOCOL.md §8-§10).
 *
 * The store (store.h) keeps a call's record; the live calls keep what
 * cannot be stored: the signaling and media byways open on it, its media
 * session, its timer and the behaviour of its route (echo, play, record,
 * conference, decline, fail, noanswer). A call lives here, not in a
 * connection, so a client that loses its connection opens new byways on
 * the same call URI and the call goes on.
 *
 * Everything runs on one libuv loop: each call has one uv_timer, armed for
 * its earliest deadline; nothing here uses a thread.
 */
#ifndef RIPTD_LIVE_H
#define RIPTD_LIVE_H

#include <uv.h>

#include "app.h"
#include "router.h"

typedef struct riptd_live riptd_live;

/*
 * Creates the live calls of |app| on |loop| and hooks them into the app
 * (app->on_call), so that every call POST {tg}/calls stores starts here.
 * Returns 0 or RIPT_ERR_NOMEM.
 */
int riptd_live_new(riptd_live **plive, uv_loop_t *loop, riptd_app *app);

/*
 * Takes over the exchange of a byway request the router accepted
 * (riptd_router_byway): installs its callbacks and answers it now or
 * later. A call this riptd does not hold, or that is not |byway|'s
 * customer's on its TG, answers 404 "there is no call"; a call that no
 * longer takes byways answers 404 too.
 */
void riptd_live_take(riptd_live *live, ript_http_exchange *ex,
                     const riptd_byway *byway);

/*
 * Asks every call still going to migrate (riptd_call_migrate: `migrate`
 * without a "uri", on SIGUSR1), so that its client opens new byways
 * without session cookies and a load balancer can place them anew.
 * Returns how many calls were asked (those with a reverse signaling byway
 * open).
 */
size_t riptd_live_migrate(riptd_live *live);

/*
 * Ends every call still going (reason "riptd is shutting down"; recordings
 * are written), closes every handle, frees |live| and then calls
 * |on_closed| (may be NULL). Call it after the HTTP server has closed, so
 * that no exchange is open any more.
 */
void riptd_live_close(riptd_live *live, void (*on_closed)(void *),
                      void *user_data);

#endif /* RIPTD_LIVE_H */
