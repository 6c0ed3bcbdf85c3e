/*
 * The UDP endpoint of the HTTP/3 backend: one socket, the packets it sends
 * in one batch per loop turn, and the turn itself.
 *
 * Re-entrancy. ngtcp2 and nghttp3 must not be called from inside their own
 * callbacks, yet the application may act from any callback. So whatever
 * must call them is a task scheduled on the endpoint; the endpoint runs its
 * tasks once per loop turn (a uv_prepare handle, run just before libuv
 * polls), outside any library call, then sends the batch the tasks filled.
 * A connection's flush is such a task (h3_conn.h).
 *
 * The endpoint also holds what every connection on it shares: the pool of
 * body chunks (h3_body.h) and, on a server, the map from connection ID to
 * connection.
 */
#ifndef RIPT_H3_ENDPOINT_H
#define RIPT_H3_ENDPOINT_H

#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "ript/map.h"
#include "ript/pool.h"

enum {
  /* Largest UDP payload we send or advertise that we receive. */
  RIPT_H3_MAX_PKT = 1500,
  /* Packets one endpoint batches before a sendmmsg(2). */
  RIPT_H3_SERVER_BATCH = 64,
  RIPT_H3_CLIENT_BATCH = 16,
};

/* Work to run at the endpoint's next turn. */
typedef struct ript_h3_task {
  struct ript_h3_task *next;
  void (*run)(struct ript_h3_task *task);
  unsigned queued : 1;
  unsigned retired : 1; /* never scheduled again (its owner is going) */
} ript_h3_task;

typedef struct ript_h3_batch ript_h3_batch;
typedef struct ript_h3_endpoint ript_h3_endpoint;

struct ript_h3_endpoint {
  uv_udp_t udp; /* .data is the owner (listener or client connection) */
  uv_prepare_t prepare;
  uv_idle_t idle;
  int gso;             /* UDP_SEGMENT works on this socket */
  int connected;       /* client: the socket has a fixed peer */
  int closed;          /* handles are closing */
  size_t parked;       /* uv_udp_send requests in flight after EAGAIN */
  ript_h3_task *tasks; /* to run this turn */
  ript_h3_task *tasks_tail;
  ript_h3_batch *batch;
  ript_pool chunks; /* the body chunks of every connection here */
  ript_map *cids;   /* server: connection ID -> ript_h3_cid */
  /* Called at the end of every turn, after the batch went out. */
  void (*after_run)(ript_h3_endpoint *ep);
};

/* Zeroes |ep|, allocates the send batch for |npkts| packets and starts the
 * chunk pool, which keeps up to |keep| free chunks of each size. Returns 0
 * or RIPT_ERR_NOMEM. */
int ript_h3_endpoint_alloc(ript_h3_endpoint *ep, size_t npkts, size_t keep);
/* Initialises the handles and adopts the bound (and for a client,
 * connected) socket |fd|; the handles need ript_h3_endpoint_close even on
 * failure. Returns 0 or RIPT_ERR_HTTP_CLOSED. */
int ript_h3_endpoint_start(ript_h3_endpoint *ep, uv_loop_t *loop, int fd,
                           int use_mmsg, uv_alloc_cb alloc_cb,
                           uv_udp_recv_cb recv_cb);
/* Makes the next turn run even with no task scheduled. */
void ript_h3_endpoint_kick(ript_h3_endpoint *ep);
/* Runs |task| at the next turn (once, however often it is scheduled before
 * it runs; never once it is retired). */
void ript_h3_endpoint_schedule(ript_h3_endpoint *ep, ript_h3_task *task);
/* Room for one packet of up to RIPT_H3_MAX_PKT bytes (sends the batch first
 * if it is full). */
uint8_t *ript_h3_endpoint_slot(ript_h3_endpoint *ep);
/* Queues the |len| bytes just written at ript_h3_endpoint_slot() for
 * |addr|. */
void ript_h3_endpoint_add(ript_h3_endpoint *ep, size_t len,
                          const struct sockaddr *addr, socklen_t addrlen);
/* Closes the three handles; |cb| runs once for each. */
void ript_h3_endpoint_close(ript_h3_endpoint *ep, uv_close_cb cb);
/* Frees the batch and the pool's free chunks: after the handles closed and
 * every chunk went back. */
void ript_h3_endpoint_free(ript_h3_endpoint *ep);

/* Creates a non-blocking UDP socket with large buffers; -1 on failure. */
int ript_h3_udp_socket(int family);
socklen_t ript_h3_addrlen(const struct sockaddr *addr);

#endif /* RIPT_H3_ENDPOINT_H */
