/*
 * The HTTP/3 UDP endpoint (h3_endpoint.h): its socket, the send batch
 * (sendmmsg(2), with UDP_SEGMENT when the kernel has it), packets parked
 * with libuv when the socket buffer is full, and the once-per-turn run of
 * the tasks scheduled on it.
 */
#include "h3_endpoint.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ript/error.h"

enum {
  RIPT_H3_SOCKET_BUFFER = 4 * 1024 * 1024,
  /* GSO: segments per message and bytes per message the kernel takes. */
  RIPT_H3_GSO_MAX_SEGS = 64,
  RIPT_H3_GSO_MAX_BYTES = 65000,
  /* Rounds per turn when running tasks schedules more of them. */
  RIPT_H3_TASK_ROUNDS = 8,
};

struct ript_h3_batch {
  size_t cap; /* bytes in buf */
  size_t used;
  size_t nmsgs;
  size_t seg[RIPT_H3_SERVER_BATCH];  /* segment size of each message */
  size_t nseg[RIPT_H3_SERVER_BATCH]; /* segments in each message */
  int full[RIPT_H3_SERVER_BATCH];    /* a short segment ended the message */
  struct mmsghdr msgs[RIPT_H3_SERVER_BATCH];
  struct iovec iov[RIPT_H3_SERVER_BATCH];
  struct sockaddr_storage addr[RIPT_H3_SERVER_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctrl[RIPT_H3_SERVER_BATCH];
  uint8_t buf[];
};

/* A packet that met a full socket buffer, handed to libuv to send later. */
typedef struct endpoint_parked {
  uv_udp_send_t req;
  ript_h3_endpoint *ep;
  uint8_t data[];
} endpoint_parked;

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

socklen_t ript_h3_addrlen(const struct sockaddr *addr) {
  return addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

int ript_h3_udp_socket(int family) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  /* Bursts of a fast peer; the kernel caps these at its configured max. */
  int size = RIPT_H3_SOCKET_BUFFER;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  return fd;
}

int ript_h3_endpoint_alloc(ript_h3_endpoint *ep, size_t npkts, size_t keep) {
  memset(ep, 0, sizeof(*ep));
  ript_pool_init(&ep->chunks, keep, NULL);
  ep->batch = calloc(1, sizeof(*ep->batch) + npkts * RIPT_H3_MAX_PKT);
  if (!ep->batch)
    return RIPT_ERR_NOMEM;
  ep->batch->cap = npkts * RIPT_H3_MAX_PKT;
  return 0;
}

void ript_h3_endpoint_free(ript_h3_endpoint *ep) {
  free(ep->batch);
  ep->batch = NULL;
  ript_pool_free(&ep->chunks);
}

static int endpoint_probe_gso(int fd) {
#ifdef UDP_SEGMENT
  int val = 0;
  socklen_t len = sizeof(val);
  return getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &val, &len) == 0;
#else
  (void)fd;
  return 0;
#endif
}

static void endpoint_on_prepare(uv_prepare_t *handle);
static void endpoint_on_idle(uv_idle_t *handle);

int ript_h3_endpoint_start(ript_h3_endpoint *ep, uv_loop_t *loop, int fd,
                           int use_mmsg, uv_alloc_cb alloc_cb,
                           uv_udp_recv_cb recv_cb) {
  uv_udp_init_ex(loop, &ep->udp, AF_UNSPEC | (use_mmsg ? UV_UDP_RECVMMSG : 0u));
  uv_prepare_init(loop, &ep->prepare);
  uv_idle_init(loop, &ep->idle);
  ep->prepare.data = ep->idle.data = ep;
  if (uv_udp_open(&ep->udp, fd) != 0) {
    close(fd);
    return RIPT_ERR_HTTP_CLOSED;
  }
  ep->gso = endpoint_probe_gso(fd);
  struct sockaddr_storage peer;
  int peerlen = sizeof(peer);
  ep->connected =
      uv_udp_getpeername(&ep->udp, (struct sockaddr *)&peer, &peerlen) == 0;
  return uv_udp_recv_start(&ep->udp, alloc_cb, recv_cb) == 0
             ? 0
             : RIPT_ERR_HTTP_CLOSED;
}

void ript_h3_endpoint_kick(ript_h3_endpoint *ep) {
  if (ep->closed || ep->parked)
    return;
  uv_prepare_start(&ep->prepare, endpoint_on_prepare);
  /* An active idle handle keeps libuv from blocking in poll when work is
   * scheduled after this turn's prepare phase already ran. */
  uv_idle_start(&ep->idle, endpoint_on_idle);
}

void ript_h3_endpoint_schedule(ript_h3_endpoint *ep, ript_h3_task *task) {
  if (task->queued || task->retired)
    return;
  task->queued = 1;
  task->next = NULL;
  if (ep->tasks_tail)
    ep->tasks_tail->next = task;
  else
    ep->tasks = task;
  ep->tasks_tail = task;
  ript_h3_endpoint_kick(ep);
}

static void endpoint_on_idle(uv_idle_t *handle) { uv_idle_stop(handle); }

static void endpoint_on_parked(uv_udp_send_t *req, int status) {
  endpoint_parked *p = (endpoint_parked *)req;
  ript_h3_endpoint *ep = p->ep;
  (void)status; /* a lost packet is QUIC's to recover */
  free(p);
  /* A turn may have been skipped meanwhile (even one with no task
   * scheduled, e.g. a listener waiting to close). */
  if (--ep->parked == 0)
    ript_h3_endpoint_kick(ep);
}

/* The socket buffer is full: libuv sends the rest when it drains, and the
 * endpoint writes nothing new until then. */
static void endpoint_park(ript_h3_endpoint *ep, size_t from) {
  ript_h3_batch *b = ep->batch;
  for (size_t i = from; i < b->nmsgs; ++i) {
    const uint8_t *base = b->iov[i].iov_base;
    for (size_t off = 0; off < b->iov[i].iov_len; off += b->seg[i]) {
      size_t len = min_size(b->seg[i], b->iov[i].iov_len - off);
      endpoint_parked *p = malloc(sizeof(*p) + len);
      if (!p)
        continue;
      p->ep = ep;
      memcpy(p->data, base + off, len);
      uv_buf_t buf = uv_buf_init((char *)p->data, (unsigned)len);
      const struct sockaddr *to = b->msgs[i].msg_hdr.msg_name;
      if (uv_udp_send(&p->req, &ep->udp, &buf, 1, to, endpoint_on_parked) !=
          0) {
        free(p);
        continue;
      }
      ++ep->parked;
    }
  }
}

/* GSO failed for this message: send its packets one by one. */
static void endpoint_send_split(ript_h3_endpoint *ep, int fd, size_t i) {
  ript_h3_batch *b = ep->batch;
  const uint8_t *base = b->iov[i].iov_base;
  for (size_t off = 0; off < b->iov[i].iov_len; off += b->seg[i]) {
    size_t len = min_size(b->seg[i], b->iov[i].iov_len - off);
    (void)sendto(fd, base + off, len, 0, b->msgs[i].msg_hdr.msg_name,
                 b->msgs[i].msg_hdr.msg_namelen);
  }
}

static void endpoint_prepare_msgs(ript_h3_endpoint *ep) {
  ript_h3_batch *b = ep->batch;
  for (size_t i = 0; i < b->nmsgs; ++i) {
    struct msghdr *m = &b->msgs[i].msg_hdr;
    memset(m, 0, sizeof(*m));
    if (!ep->connected) {
      m->msg_name = &b->addr[i];
      m->msg_namelen = ript_h3_addrlen((struct sockaddr *)&b->addr[i]);
    }
    m->msg_iov = &b->iov[i];
    m->msg_iovlen = 1;
#ifdef UDP_SEGMENT
    if (b->nseg[i] > 1) {
      m->msg_control = b->ctrl[i].buf;
      m->msg_controllen = sizeof(b->ctrl[i].buf);
      struct cmsghdr *cm = CMSG_FIRSTHDR(m);
      cm->cmsg_level = IPPROTO_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      uint16_t seg = (uint16_t)b->seg[i];
      memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
    }
#endif
  }
}

static void endpoint_send(ript_h3_endpoint *ep) {
  ript_h3_batch *b = ep->batch;
  if (!b->nmsgs || ep->closed)
    goto done;
  endpoint_prepare_msgs(ep);
  if (ep->parked) {
    endpoint_park(ep, 0);
    goto done;
  }
  int fd = -1;
  uv_fileno((const uv_handle_t *)&ep->udp, &fd);
  for (size_t i = 0; i < b->nmsgs;) {
    int n = sendmmsg(fd, b->msgs + i, (unsigned)(b->nmsgs - i), 0);
    if (n > 0) {
      i += (size_t)n;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      endpoint_park(ep, i);
      break;
    } else if (errno == EIO && b->nseg[i] > 1) {
      ep->gso = 0; /* the device cannot segment: stop asking it to */
      endpoint_send_split(ep, fd, i++);
    } else if (errno != EINTR) {
      ++i; /* e.g. ICMP unreachable: the packet is lost, QUIC copes */
    }
  }
done:
  b->used = b->nmsgs = 0;
}

uint8_t *ript_h3_endpoint_slot(ript_h3_endpoint *ep) {
  ript_h3_batch *b = ep->batch;
  if (b->cap - b->used < RIPT_H3_MAX_PKT || b->nmsgs == RIPT_H3_SERVER_BATCH)
    endpoint_send(ep);
  return b->buf + b->used;
}

void ript_h3_endpoint_add(ript_h3_endpoint *ep, size_t len,
                          const struct sockaddr *addr, socklen_t addrlen) {
  ript_h3_batch *b = ep->batch;
  uint8_t *p = b->buf + b->used;
  size_t last = b->nmsgs - 1;
  /* GSO: equal-sized packets to one peer travel as one message; a shorter
   * one may end it. */
  if (ep->gso && b->nmsgs && !b->full[last] && len <= b->seg[last] &&
      b->nseg[last] < RIPT_H3_GSO_MAX_SEGS &&
      b->iov[last].iov_len + len <= RIPT_H3_GSO_MAX_BYTES &&
      ript_h3_addrlen((struct sockaddr *)&b->addr[last]) == addrlen &&
      memcmp(&b->addr[last], addr, addrlen) == 0) {
    b->iov[last].iov_len += len;
    ++b->nseg[last];
    b->full[last] = len < b->seg[last];
  } else {
    size_t i = b->nmsgs++;
    b->iov[i].iov_base = p;
    b->iov[i].iov_len = len;
    b->seg[i] = len;
    b->nseg[i] = 1;
    b->full[i] = 0;
    memcpy(&b->addr[i], addr, addrlen);
  }
  b->used += len;
}

void ript_h3_endpoint_close(ript_h3_endpoint *ep, uv_close_cb cb) {
  ep->closed = 1;
  uv_close((uv_handle_t *)&ep->udp, cb);
  uv_close((uv_handle_t *)&ep->prepare, cb);
  uv_close((uv_handle_t *)&ep->idle, cb);
}

/* One turn: run every scheduled task, send the batch. */
static void endpoint_on_prepare(uv_prepare_t *handle) {
  ript_h3_endpoint *ep = handle->data;
  for (int round = 0; round < RIPT_H3_TASK_ROUNDS && ep->tasks && !ep->parked;
       ++round) {
    ript_h3_task *list = ep->tasks;
    ep->tasks = ep->tasks_tail = NULL;
    while (list) {
      ript_h3_task *task = list;
      list = task->next;
      task->queued = 0;
      task->run(task);
    }
  }
  endpoint_send(ep);
  if (ep->after_run)
    ep->after_run(ep);
  if (ep->closed)
    return;
  if (ep->tasks && !ep->parked)
    uv_idle_start(&ep->idle, endpoint_on_idle);
  else
    uv_prepare_stop(&ep->prepare);
}
