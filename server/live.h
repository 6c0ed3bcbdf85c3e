/*
 * server/live.h - riptd's live calls: the binding that holds the calls this
 * node runs (call.h) on the loop, and the way in for byways
 * (docs/PROTOCOL.md §8-§10).
 *
 * It keeps the calls by UUID, gives each one timer armed for its deadline,
 * reads the clock once per loop turn for them, and starts a call when
 * POST {tg}/calls stored it (app->on_call). A byway for a call it does not
 * run is looked up in the store: a call whose owner's lease ran out, or
 * whose owner is this node's own earlier life, is taken over (compare-and-
 * set) and runs here from then on; a call another live node holds sends the
 * client there (decision 82); an ended or absent one answers 404. The
 * request's body waits meanwhile.
 *
 * Everything runs on one libuv loop; nothing here uses a thread.
 */
#ifndef RIPTD_LIVE_H
#define RIPTD_LIVE_H

#include <stddef.h>

#include <uv.h>

#include "app.h"
#include "router.h"

typedef struct riptd_live riptd_live;

/*
 * Creates the live calls of |app| on |loop| and hooks them into the app
 * (app->on_call). Returns 0 or RIPT_ERR_NOMEM.
 */
int riptd_live_new(riptd_live **plive, uv_loop_t *loop, riptd_app *app);

/*
 * Takes over the exchange of a byway request the router accepted
 * (riptd_router_byway): installs its callbacks and answers it now or
 * later.
 */
void riptd_live_take(riptd_live *live, ript_http_exchange *ex,
                     const riptd_byway_path *path);

/*
 * Asks every call still going to migrate (riptd_call_migrate: `migrate`
 * without a "uri", on SIGUSR1), so that its client opens new byways
 * without session cookies and a load balancer can place them anew.
 * Returns how many calls were asked (those with a reverse signaling byway
 * open).
 */
size_t riptd_live_migrate(riptd_live *live);

/*
 * Ends every call still going (reason "riptd is shutting down"), waits for
 * their records to be written and their recordings to be finished, closes
 * every handle, frees |live| and then calls |on_closed| (may be NULL). Call
 * it after the HTTP server has closed, so that no exchange is open any
 * more, and before the store closes.
 */
void riptd_live_close(riptd_live *live, void (*on_closed)(void *),
                      void *user_data);

#endif /* RIPTD_LIVE_H */
