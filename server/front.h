/*
 * server/front.h - riptd on ript_http_server: HTTP/3 and HTTP/2 on one
 * port. Collects each request's body (up to the configured document limit;
 * 413 beyond), hands the complete request to the router, and sends the
 * response. Holds no state of its own beyond the requests in flight.
 */
#ifndef RIPTD_FRONT_H
#define RIPTD_FRONT_H

#include <stdint.h>

#include <uv.h>

#include "app.h"

typedef struct riptd_front riptd_front;

/*
 * Starts listening on the configuration's address and port with its TLS
 * certificate and key. Returns 0, or the error of ript_http_server_new
 * (RIPT_ERR_HTTP_TLS: certificate or key unusable; RIPT_ERR_HTTP_CLOSED:
 * cannot bind; RIPT_ERR_NOMEM; RIPT_ERR_INVALID_ARGUMENT).
 */
int riptd_front_new(riptd_front **pfront, uv_loop_t *loop, riptd_app *app);

/* The port actually listened on. */
uint16_t riptd_front_port(const riptd_front *front);

/* Asks every live call to migrate (riptd_live_migrate); returns how many. */
size_t riptd_front_migrate(riptd_front *front);

/* Closes the server (open exchanges end), frees the front once every
 * handle is closed, then calls |on_closed| (may be NULL). */
void riptd_front_close(riptd_front *front, void (*on_closed)(void *),
                       void *user_data);

#endif /* RIPTD_FRONT_H */
