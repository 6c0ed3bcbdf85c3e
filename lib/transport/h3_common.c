/* The HTTP/3 machinery both sides share; see h3_common.h for the model. */
#include "h3_common.h"

#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

enum {
  H3_STREAM_WINDOW = 256 * 1024,
  H3_CONN_WINDOW = 1024 * 1024,
  H3_MAX_STREAM_WINDOW = 6 * 1024 * 1024,
  H3_MAX_WINDOW = 16 * 1024 * 1024,
  H3_MAX_UNI_STREAMS = 16,
  H3_SOCKET_BUFFER = 4 * 1024 * 1024,
  /* Short header, longest DCID, packet number and AEAD tag, then the
   * DATAGRAM frame type and a 2-byte length. */
  H3_DGRAM_OVERHEAD = 1 + NGTCP2_MAX_CIDLEN + 4 + 16 + 1 + 2,
  /* GSO: segments per message and bytes per message the kernel takes. */
  H3_GSO_MAX_SEGS = 64,
  H3_GSO_MAX_BYTES = 65000,
  /* Flush rounds per turn when flushing schedules more work. */
  H3_FLUSH_ROUNDS = 8,
  H3_MAX_VEC = 16,
  /* Responses a client expects at once (the server's MAX_STREAMS bounds
   * them; this only sizes nghttp3's QPACK bookkeeping). */
  H3_CLIENT_CONCURRENT = 4096,
};

#define H3_HANDSHAKE_TIMEOUT_MS 10000u

static const char h3_priority[] =
    "%DISABLE_TLS13_COMPAT_MODE:NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:"
    "+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM:-GROUP-ALL:"
    "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1";

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* ---- hash map ---- */

static uint64_t map_hash(const h3_map *map, const uint8_t *key, size_t len) {
  uint64_t h = 14695981039346656037ull ^ map->seed;
  for (size_t i = 0; i < len; ++i) {
    h ^= key[i];
    h *= 1099511628211ull;
  }
  return h ^ (h >> 29);
}

void h3_map_init(h3_map *map) {
  memset(map, 0, sizeof(*map));
  /* A keyed hash keeps peers from choosing colliding connection IDs. */
  (void)gnutls_rnd(GNUTLS_RND_NONCE, &map->seed, sizeof(map->seed));
}

static int map_grow(h3_map *map) {
  size_t n = map->nbuckets ? map->nbuckets * 2 : 16;
  h3_map_node **buckets = calloc(n, sizeof(*buckets));
  if (!buckets)
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < map->nbuckets; ++i) {
    while (map->buckets[i]) {
      h3_map_node *node = map->buckets[i];
      map->buckets[i] = node->next;
      size_t at = map_hash(map, node->key, node->keylen) & (n - 1);
      node->next = buckets[at];
      buckets[at] = node;
    }
  }
  free(map->buckets);
  map->buckets = buckets;
  map->nbuckets = n;
  return 0;
}

int h3_map_insert(h3_map *map, h3_map_node *node) {
  if (map->count >= map->nbuckets && map_grow(map) != 0)
    return RIPT_ERR_NOMEM;
  size_t at = map_hash(map, node->key, node->keylen) & (map->nbuckets - 1);
  node->next = map->buckets[at];
  map->buckets[at] = node;
  ++map->count;
  return 0;
}

h3_map_node *h3_map_find(const h3_map *map, const uint8_t *key, size_t len) {
  if (!map->nbuckets)
    return NULL;
  size_t at = map_hash(map, key, len) & (map->nbuckets - 1);
  for (h3_map_node *node = map->buckets[at]; node; node = node->next)
    if (node->keylen == len && memcmp(node->key, key, len) == 0)
      return node;
  return NULL;
}

void h3_map_remove(h3_map *map, h3_map_node *node) {
  size_t at = map_hash(map, node->key, node->keylen) & (map->nbuckets - 1);
  for (h3_map_node **p = &map->buckets[at]; *p; p = &(*p)->next) {
    if (*p == node) {
      *p = node->next;
      --map->count;
      return;
    }
  }
}

void h3_map_free(h3_map *map) {
  free(map->buckets);
  map->buckets = NULL;
  map->nbuckets = map->count = 0;
}

/* ---- body chunks ---- */

static size_t chunk_class_cap(int cls) {
  return cls ? H3_CHUNK : H3_CHUNK_SMALL;
}

/* A chunk for |need| more bytes of a body; |first| when the body is empty,
 * the only time a small chunk is worth it. */
static h3_chunk *chunk_get(h3_conn *c, size_t need, int first) {
  int cls = first && need <= H3_CHUNK_SMALL ? 0 : 1;
  if (need <= chunk_class_cap(cls) && c->pool[cls]) {
    h3_chunk *k = c->pool[cls];
    c->pool[cls] = k->next;
    --c->npool[cls];
    k->next = NULL;
    k->len = 0;
    return k;
  }
  size_t cap = need > chunk_class_cap(cls) ? need : chunk_class_cap(cls);
  h3_chunk *k = malloc(sizeof(*k) + cap);
  if (!k)
    return NULL;
  k->next = NULL;
  k->cap = cap;
  k->len = 0;
  return k;
}

static void chunk_put(h3_conn *c, h3_chunk *k) {
  for (int cls = 0; cls < 2; ++cls) {
    if (k->cap == chunk_class_cap(cls) && c->npool[cls] < H3_CHUNK_POOL) {
      k->next = c->pool[cls];
      c->pool[cls] = k;
      ++c->npool[cls];
      return;
    }
  }
  free(k);
}

/* Copies |len| bytes in, allocating at most one chunk so that a failure
 * leaves the body unchanged. */
static int body_append(h3_conn *c, h3_body *b, const uint8_t *data,
                       size_t len) {
  h3_chunk *t = b->tail;
  size_t room = t ? t->cap - t->len : 0;
  h3_chunk *k = NULL;
  if (len > room && !(k = chunk_get(c, len - room, t == NULL)))
    return RIPT_ERR_NOMEM;
  size_t n = min_size(len, room);
  if (n) {
    memcpy(t->data + t->len, data, n);
    t->len += n;
  }
  if (k) {
    memcpy(k->data, data + n, len - n);
    k->len = len - n;
    if (t)
      t->next = k;
    else
      b->head = k;
    b->tail = k;
  }
  b->written += len;
  return 0;
}

/* Points |vec| at bytes not yet given to nghttp3; they stay where they are
 * until acknowledged, as nghttp3 requires. */
static size_t body_read(h3_body *b, nghttp3_vec *vec, size_t veccnt) {
  if (!b->send) {
    b->send = b->head;
    b->send_off = 0;
  }
  size_t n = 0;
  for (h3_chunk *k = b->send; k && n < veccnt; k = k->next) {
    if (b->send_off < k->len) {
      vec[n].base = k->data + b->send_off;
      vec[n].len = k->len - b->send_off;
      b->handed += vec[n].len;
      b->send_off = k->len;
      ++n;
    }
    if (!k->next)
      break;
    b->send = k->next;
    b->send_off = 0;
  }
  return n;
}

static void body_ack(h3_conn *c, h3_body *b, uint64_t n) {
  while (n && b->head) {
    h3_chunk *h = b->head;
    size_t take = (size_t)(n < h->len - b->ack_off ? n : h->len - b->ack_off);
    b->ack_off += take;
    n -= take;
    if (b->ack_off < h->len)
      return;
    if (h->next) {
      if (b->send == h) {
        b->send = h->next;
        b->send_off = 0;
      }
      b->head = h->next;
      b->ack_off = 0;
      chunk_put(c, h);
    } else {
      /* All acknowledged: reuse the last chunk from its start. */
      if (b->send == h && b->send_off == h->len)
        h->len = b->ack_off = b->send_off = 0;
      return;
    }
  }
}

static void body_free(h3_conn *c, h3_body *b) {
  while (b->head) {
    h3_chunk *k = b->head;
    b->head = k->next;
    chunk_put(c, k);
  }
  memset(b, 0, sizeof(*b));
}

/* ---- QUIC variable-length integers (RFC 9000 §16) ---- */

static size_t varint_len(uint64_t v) {
  return v < 64 ? 1 : v < 16384 ? 2 : v < (1ull << 30) ? 4 : 8;
}

static void varint_put(uint8_t *p, uint64_t v, size_t len) {
  static const uint8_t prefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
  for (size_t i = len; i-- > 0; v >>= 8)
    p[i] = (uint8_t)v;
  p[0] |= prefix[len];
}

static size_t varint_get(const uint8_t *p, size_t avail, uint64_t *v) {
  if (!avail)
    return 0;
  size_t len = (size_t)1 << (p[0] >> 6);
  if (len > avail)
    return 0;
  uint64_t x = p[0] & 0x3f;
  for (size_t i = 1; i < len; ++i)
    x = (x << 8) | p[i];
  *v = x;
  return len;
}

/* ---- datagram queue: [u16 length][quarter stream ID + payload] ... ---- */

/* Makes room for |need| more bytes: compacts, then doubles up to
 * H3_DGRAM_QUEUE_MAX, so that a quiet connection keeps a small queue. */
static int dq_reserve(h3_dgram_queue *q, size_t need) {
  if (q->tail + need <= q->cap)
    return 0;
  if (q->head) {
    memmove(q->buf, q->buf + q->head, q->tail - q->head);
    q->tail -= q->head;
    q->head = 0;
  }
  size_t cap = q->cap ? q->cap : H3_DGRAM_QUEUE_MIN;
  while (cap < q->tail + need && cap < H3_DGRAM_QUEUE_MAX)
    cap *= 2;
  if (cap < q->tail + need)
    return RIPT_ERR_NOBUF;
  if (cap != q->cap) {
    uint8_t *buf = realloc(q->buf, cap);
    if (!buf)
      return RIPT_ERR_NOBUF;
    q->buf = buf;
    q->cap = cap;
  }
  return 0;
}

static int dq_push(h3_dgram_queue *q, uint64_t qsid, const uint8_t *data,
                   size_t len) {
  size_t plen = varint_len(qsid);
  size_t need = 2 + plen + len;
  int rv = dq_reserve(q, need);
  if (rv != 0)
    return rv;
  uint8_t *p = q->buf + q->tail;
  p[0] = (uint8_t)((plen + len) >> 8);
  p[1] = (uint8_t)(plen + len);
  varint_put(p + 2, qsid, plen);
  memcpy(p + 2 + plen, data, len);
  q->tail += need;
  return 0;
}

static int dq_peek(const h3_dgram_queue *q, ngtcp2_vec *v) {
  if (q->head == q->tail)
    return 0;
  const uint8_t *p = q->buf + q->head;
  v->base = q->buf + q->head + 2;
  v->len = ((size_t)p[0] << 8) | p[1];
  return 1;
}

static void dq_pop(h3_dgram_queue *q) {
  const uint8_t *p = q->buf + q->head;
  q->head += 2 + (((size_t)p[0] << 8) | p[1]);
  if (q->head == q->tail)
    q->head = q->tail = 0;
}

/* ---- the date header (RFC 9110 §5.6.7) ---- */

static void http_date(char out[128]) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                  "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                     "May", "Jun", "Jul", "Aug",
                                     "Sep", "Oct", "Nov", "Dec"};
  time_t now = time(NULL);
  struct tm tm;
  if (!gmtime_r(&now, &tm))
    memset(&tm, 0, sizeof(tm));
  snprintf(out, 128, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT",
           days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- the UDP endpoint and its send batch ---- */

struct h3_batch {
  size_t cap;   /* bytes in buf */
  size_t used;
  size_t nmsgs;
  size_t seg[H3_SERVER_BATCH];  /* segment size of each message */
  size_t nseg[H3_SERVER_BATCH]; /* segments in each message */
  int full[H3_SERVER_BATCH];    /* a short segment ended the message */
  struct mmsghdr msgs[H3_SERVER_BATCH];
  struct iovec iov[H3_SERVER_BATCH];
  struct sockaddr_storage addr[H3_SERVER_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } ctrl[H3_SERVER_BATCH];
  uint8_t buf[];
};

/* A packet that met a full socket buffer, handed to libuv to send later. */
typedef struct h3_parked {
  uv_udp_send_t req;
  h3_endpoint *ep;
  uint8_t data[];
} h3_parked;

socklen_t h3_addrlen(const struct sockaddr *addr) {
  return addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in);
}

int h3_udp_socket(int family) {
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  /* Bursts of a fast peer; the kernel caps these at its configured max. */
  int size = H3_SOCKET_BUFFER;
  (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  return fd;
}

int h3_ep_alloc(h3_endpoint *ep, size_t npkts) {
  memset(ep, 0, sizeof(*ep));
  ep->batch = calloc(1, sizeof(*ep->batch) + npkts * H3_MAX_PKT);
  if (!ep->batch)
    return RIPT_ERR_NOMEM;
  ep->batch->cap = npkts * H3_MAX_PKT;
  return 0;
}

void h3_ep_free(h3_endpoint *ep) {
  free(ep->batch);
  ep->batch = NULL;
}

static int ep_probe_gso(int fd) {
#ifdef UDP_SEGMENT
  int val = 0;
  socklen_t len = sizeof(val);
  return getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &val, &len) == 0;
#else
  (void)fd;
  return 0;
#endif
}

static void ep_on_prepare(uv_prepare_t *handle);
static void ep_on_idle(uv_idle_t *handle);

int h3_ep_start(h3_endpoint *ep, uv_loop_t *loop, int fd, int use_mmsg,
                uv_alloc_cb alloc_cb, uv_udp_recv_cb recv_cb) {
  uv_udp_init_ex(loop, &ep->udp,
                 AF_UNSPEC | (use_mmsg ? UV_UDP_RECVMMSG : 0u));
  uv_prepare_init(loop, &ep->prepare);
  uv_idle_init(loop, &ep->idle);
  ep->prepare.data = ep->idle.data = ep;
  if (uv_udp_open(&ep->udp, fd) != 0) {
    close(fd);
    return RIPT_ERR_HTTP_CLOSED;
  }
  ep->gso = ep_probe_gso(fd);
  struct sockaddr_storage peer;
  int peerlen = sizeof(peer);
  ep->connected =
      uv_udp_getpeername(&ep->udp, (struct sockaddr *)&peer, &peerlen) == 0;
  return uv_udp_recv_start(&ep->udp, alloc_cb, recv_cb) == 0
             ? 0
             : RIPT_ERR_HTTP_CLOSED;
}

void h3_ep_kick(h3_endpoint *ep) {
  if (ep->closed || ep->parked)
    return;
  uv_prepare_start(&ep->prepare, ep_on_prepare);
  /* An active idle handle keeps libuv from blocking in poll when work is
   * scheduled after this turn's prepare phase already ran. */
  uv_idle_start(&ep->idle, ep_on_idle);
}

static void ep_on_idle(uv_idle_t *handle) { uv_idle_stop(handle); }

static void ep_on_parked(uv_udp_send_t *req, int status) {
  h3_parked *p = (h3_parked *)req;
  h3_endpoint *ep = p->ep;
  (void)status; /* a lost packet is QUIC's to recover */
  free(p);
  /* A turn may have been skipped meanwhile (even one with no connection
   * pending, e.g. a listener waiting to close). */
  if (--ep->parked == 0)
    h3_ep_kick(ep);
}

/* The socket buffer is full: libuv sends the rest when it drains, and the
 * endpoint writes nothing new until then. */
static void ep_park(h3_endpoint *ep, size_t from) {
  h3_batch *b = ep->batch;
  for (size_t i = from; i < b->nmsgs; ++i) {
    const uint8_t *base = b->iov[i].iov_base;
    for (size_t off = 0; off < b->iov[i].iov_len; off += b->seg[i]) {
      size_t len = min_size(b->seg[i], b->iov[i].iov_len - off);
      h3_parked *p = malloc(sizeof(*p) + len);
      if (!p)
        continue;
      p->ep = ep;
      memcpy(p->data, base + off, len);
      uv_buf_t buf = uv_buf_init((char *)p->data, (unsigned)len);
      const struct sockaddr *to = b->msgs[i].msg_hdr.msg_name;
      if (uv_udp_send(&p->req, &ep->udp, &buf, 1, to, ep_on_parked) != 0) {
        free(p);
        continue;
      }
      ++ep->parked;
    }
  }
}

/* GSO failed for this message: send its packets one by one. */
static void ep_send_split(h3_endpoint *ep, int fd, size_t i) {
  h3_batch *b = ep->batch;
  const uint8_t *base = b->iov[i].iov_base;
  for (size_t off = 0; off < b->iov[i].iov_len; off += b->seg[i]) {
    size_t len = min_size(b->seg[i], b->iov[i].iov_len - off);
    (void)sendto(fd, base + off, len, 0, b->msgs[i].msg_hdr.msg_name,
                 b->msgs[i].msg_hdr.msg_namelen);
  }
}

static void ep_prepare_msgs(h3_endpoint *ep) {
  h3_batch *b = ep->batch;
  for (size_t i = 0; i < b->nmsgs; ++i) {
    struct msghdr *m = &b->msgs[i].msg_hdr;
    memset(m, 0, sizeof(*m));
    if (!ep->connected) {
      m->msg_name = &b->addr[i];
      m->msg_namelen = h3_addrlen((struct sockaddr *)&b->addr[i]);
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

static void ep_send(h3_endpoint *ep) {
  h3_batch *b = ep->batch;
  if (!b->nmsgs || ep->closed)
    goto done;
  ep_prepare_msgs(ep);
  if (ep->parked) {
    ep_park(ep, 0);
    goto done;
  }
  int fd = -1;
  uv_fileno((const uv_handle_t *)&ep->udp, &fd);
  for (size_t i = 0; i < b->nmsgs;) {
    int n = sendmmsg(fd, b->msgs + i, (unsigned)(b->nmsgs - i), 0);
    if (n > 0) {
      i += (size_t)n;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      ep_park(ep, i);
      break;
    } else if (errno == EIO && b->nseg[i] > 1) {
      ep->gso = 0; /* the device cannot segment: stop asking it to */
      ep_send_split(ep, fd, i++);
    } else if (errno != EINTR) {
      ++i; /* e.g. ICMP unreachable: the packet is lost, QUIC copes */
    }
  }
done:
  b->used = b->nmsgs = 0;
}

uint8_t *h3_ep_slot(h3_endpoint *ep) {
  h3_batch *b = ep->batch;
  if (b->cap - b->used < H3_MAX_PKT || b->nmsgs == H3_SERVER_BATCH)
    ep_send(ep);
  return b->buf + b->used;
}

void h3_ep_add(h3_endpoint *ep, size_t len, const struct sockaddr *addr,
               socklen_t addrlen) {
  h3_batch *b = ep->batch;
  uint8_t *p = b->buf + b->used;
  size_t last = b->nmsgs - 1;
  /* GSO: equal-sized packets to one peer travel as one message; a shorter
   * one may end it. */
  if (ep->gso && b->nmsgs && !b->full[last] && len <= b->seg[last] &&
      b->nseg[last] < H3_GSO_MAX_SEGS &&
      b->iov[last].iov_len + len <= H3_GSO_MAX_BYTES &&
      h3_addrlen((struct sockaddr *)&b->addr[last]) == addrlen &&
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

void h3_ep_close(h3_endpoint *ep, uv_close_cb cb) {
  ep->closed = 1;
  uv_close((uv_handle_t *)&ep->udp, cb);
  uv_close((uv_handle_t *)&ep->prepare, cb);
  uv_close((uv_handle_t *)&ep->idle, cb);
}

static void conn_flush(h3_conn *c);

/* One turn: flush every scheduled connection, send the batch. */
static void ep_on_prepare(uv_prepare_t *handle) {
  h3_endpoint *ep = handle->data;
  for (int round = 0; round < H3_FLUSH_ROUNDS && ep->pending && !ep->parked;
       ++round) {
    h3_conn *list = ep->pending;
    ep->pending = ep->pending_tail = NULL;
    while (list) {
      h3_conn *c = list;
      list = c->pending_next;
      c->pending = 0;
      conn_flush(c);
    }
  }
  ep_send(ep);
  if (ep->after_run)
    ep->after_run(ep);
  if (ep->closed)
    return;
  if (ep->pending && !ep->parked)
    uv_idle_start(&ep->idle, ep_on_idle);
  else
    uv_prepare_stop(&ep->prepare);
}

/* ---- streams ---- */

static int stream_index(h3_stream *st) {
  h3_conn *c = st->conn;
  st->node.keylen = sizeof(st->id);
  memcpy(st->node.key, &st->id, sizeof(st->id));
  st->node.value = st;
  if (h3_map_insert(&c->stream_map, &st->node) != 0)
    return RIPT_ERR_NOMEM;
  st->indexed = 1;
  return 0;
}

static h3_stream *stream_find(h3_conn *c, int64_t id) {
  h3_map_node *node = h3_map_find(&c->stream_map, (const uint8_t *)&id,
                                  sizeof(id));
  return node ? node->value : NULL;
}

static h3_stream *stream_new(h3_conn *c, int64_t id) {
  h3_stream *st = calloc(1, sizeof(*st));
  if (!st)
    return NULL;
  st->conn = c;
  st->id = id;
  if (id >= 0 && stream_index(st) != 0) {
    free(st);
    return NULL;
  }
  st->next = c->streams;
  if (c->streams)
    c->streams->prev = st;
  c->streams = st;
  return st;
}

static void stream_free(h3_stream *st) {
  h3_conn *c = st->conn;
  if (st->prev)
    st->prev->next = st->next;
  else
    c->streams = st->next;
  if (st->next)
    st->next->prev = st->prev;
  if (st->indexed)
    h3_map_remove(&c->stream_map, &st->node);
  body_free(c, &st->body);
  free(st->nv);
  free(st);
}

/* Frees |st| now, or when the dirty list lets go of it. */
static void stream_release(h3_stream *st) {
  if (st->dirty)
    st->zombie = 1;
  else
    stream_free(st);
}

static void stream_attach(h3_stream *st, ript_http_exchange *ex) {
  st->ex = ex;
  ++st->conn->nexchanges;
}

/* The exchange is over for the application: on_close, then it is freed. */
static void stream_emit_close(h3_stream *st, int error) {
  ript_http_exchange *ex = st->ex;
  if (!ex)
    return;
  st->ex = NULL;
  ex->stream = NULL;
  --st->conn->nexchanges;
  ript_http_exchange_emit_close(ex, error);
}

static void stream_push_dirty(h3_stream *st) {
  h3_conn *c = st->conn;
  st->dirty = 1;
  st->dirty_next = NULL;
  if (c->dirty_tail)
    c->dirty_tail->dirty_next = st;
  else
    c->dirty = st;
  c->dirty_tail = st;
}

static void stream_unwait(h3_stream *st) {
  h3_conn *c = st->conn;
  h3_stream *prev = NULL;
  for (h3_stream *s = c->waiting; s; prev = s, s = s->dirty_next) {
    if (s != st)
      continue;
    if (prev)
      prev->dirty_next = s->dirty_next;
    else
      c->waiting = s->dirty_next;
    if (c->waiting_tail == s)
      c->waiting_tail = prev;
    break;
  }
  st->waiting = 0;
}

/* Records |act| for the next flush. */
static void stream_mark(h3_stream *st, unsigned act) {
  st->actions |= act;
  if (st->waiting && (act & H3_ACT_RESET))
    stream_unwait(st);
  if (!st->dirty && !st->waiting)
    stream_push_dirty(st);
  h3_conn_schedule(st->conn);
}

static int stream_is_connect(const h3_stream *st) {
  const ript_http_exchange *ex = st->ex;
  return ex && ex->protocol && ex->method && strcmp(ex->method, "CONNECT") == 0;
}

/* Copies two header lists into one allocation of nghttp3_nv. */
static int stream_set_headers(h3_stream *st, const ript_http_header *first,
                              size_t nfirst, const ript_http_header *rest,
                              size_t nrest) {
  size_t n = nfirst + nrest, bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = i < nfirst ? &first[i] : &rest[i - nfirst];
    bytes += strlen(h->name) + strlen(h->value);
  }
  nghttp3_nv *nv = malloc(n * sizeof(*nv) + bytes + 1);
  if (!nv)
    return RIPT_ERR_NOMEM;
  uint8_t *p = (uint8_t *)(nv + n);
  for (size_t i = 0; i < n; ++i) {
    const ript_http_header *h = i < nfirst ? &first[i] : &rest[i - nfirst];
    nv[i].namelen = strlen(h->name);
    nv[i].valuelen = strlen(h->value);
    nv[i].name = memcpy(p, h->name, nv[i].namelen);
    p += nv[i].namelen;
    nv[i].value = memcpy(p, h->value, nv[i].valuelen);
    p += nv[i].valuelen;
    nv[i].flags = NGHTTP3_NV_FLAG_NONE;
  }
  free(st->nv);
  st->nv = nv;
  st->nnv = n;
  return 0;
}

/* ---- exchange operations (the application's side) ---- */

static int conn_datagrams_ok(const h3_conn *c) {
  if (!c->peer_datagrams || !c->qc)
    return 0;
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  return p && p->max_datagram_frame_size > 0;
}

static int ex_respond(ript_http_exchange *ex, int status,
                      const ript_http_header *headers, size_t n,
                      uint32_t flags) {
  h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->responded)
    return RIPT_ERR_HTTP_STATE;
  char code[16], date[128];
  snprintf(code, sizeof(code), "%03d", status);
  http_date(date);
  const ript_http_header first[] = {{":status", code}, {"date", date}};
  int rv = stream_set_headers(st, first, 2, headers, n);
  if (rv != 0)
    return rv;
  st->responded = 1;
  st->no_body = (flags & RIPT_HTTP_FLAG_END) != 0;
  stream_mark(st, H3_ACT_SUBMIT);
  return 0;
}

static int ex_body_check(const h3_stream *st) {
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  if (st->no_body || st->body_ended || (st->conn->is_server && !st->responded))
    return RIPT_ERR_HTTP_STATE;
  return 0;
}

static int ex_write(ript_http_exchange *ex, const void *data, size_t len) {
  h3_stream *st = ex->stream;
  int rv = ex_body_check(st);
  if (rv != 0 || len == 0)
    return rv;
  rv = body_append(st->conn, &st->body, data, len);
  if (rv == 0)
    stream_mark(st, H3_ACT_RESUME);
  return rv;
}

static size_t ex_pending(const ript_http_exchange *ex) {
  const h3_stream *st = ex->stream;
  return st ? (size_t)(st->body.written - st->body.handed) : 0;
}

static int ex_end(ript_http_exchange *ex) {
  h3_stream *st = ex->stream;
  int rv = ex_body_check(st);
  if (rv != 0)
    return rv;
  st->body_ended = 1;
  stream_mark(st, H3_ACT_RESUME);
  return 0;
}

static int ex_reset(ript_http_exchange *ex) {
  h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  st->reset_code = NGHTTP3_H3_REQUEST_CANCELLED;
  stream_mark(st, H3_ACT_RESET);
  return 0;
}

/* Largest HTTP datagram payload (quarter stream ID included) that fits in
 * one packet on the current path and in the peer's DATAGRAM frame limit. */
static size_t conn_max_datagram(const h3_conn *c) {
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  size_t frame = (size_t)(p->max_datagram_frame_size > 3
                              ? p->max_datagram_frame_size - 3
                              : 0);
  size_t path = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->qc);
  path = path > H3_DGRAM_OVERHEAD ? path - H3_DGRAM_OVERHEAD : 0;
  return min_size(frame, path);
}

static int ex_send_datagram(ript_http_exchange *ex, const void *data,
                            size_t len) {
  h3_stream *st = ex->stream;
  if (!st || st->conn->closing)
    return RIPT_ERR_HTTP_CLOSED;
  h3_conn *c = st->conn;
  if (!stream_is_connect(st) || !conn_datagrams_ok(c))
    return RIPT_ERR_HTTP_STATE;
  if (st->id < 0)
    return RIPT_ERR_NOBUF; /* the request has not left yet */
  uint64_t qsid = (uint64_t)st->id / 4;
  if (varint_len(qsid) + len > conn_max_datagram(c))
    return RIPT_ERR_NOBUF;
  int rv = dq_push(&c->dq, qsid, data, len);
  if (rv == 0)
    h3_conn_schedule(c);
  return rv;
}

static int ex_datagrams_enabled(const ript_http_exchange *ex) {
  const h3_stream *st = ex->stream;
  return st && !st->conn->closing && stream_is_connect(st) &&
         conn_datagrams_ok(st->conn);
}

/* What ex_send_datagram takes: the path's and the peer's limit, less the
 * quarter stream ID in front. */
static size_t ex_max_datagram(const ript_http_exchange *ex) {
  const h3_stream *st = ex->stream;
  if (!ex_datagrams_enabled(ex) || st->id < 0)
    return 0;
  size_t most = conn_max_datagram(st->conn);
  size_t prefix = varint_len((uint64_t)st->id / 4);
  return most > prefix ? most - prefix : 0;
}

static const ript_http_exchange_ops h3_exchange_ops = {
    ex_respond, ex_write,         ex_pending,           ex_end,
    ex_reset,   ex_send_datagram, ex_datagrams_enabled, ex_max_datagram};

int h3_conn_submit(h3_conn *c, ript_http_exchange *ex,
                   const ript_http_header *headers, size_t n,
                   uint32_t flags) {
  if (!h3_conn_usable(c))
    return RIPT_ERR_HTTP_CLOSED;
  h3_stream *st = stream_new(c, -1);
  if (!st)
    return RIPT_ERR_NOMEM;
  ript_http_header pseudo[5];
  size_t np = 0;
  pseudo[np++] = (ript_http_header){":method", ex->method};
  /* A classic CONNECT names only the authority (RFC 9114 §4.4). */
  int classic = strcmp(ex->method, "CONNECT") == 0 && !ex->protocol;
  if (!classic)
    pseudo[np++] = (ript_http_header){":scheme", "https"};
  pseudo[np++] = (ript_http_header){":authority", ex->authority};
  if (!classic)
    pseudo[np++] = (ript_http_header){":path", ex->path};
  if (ex->protocol)
    pseudo[np++] = (ript_http_header){":protocol", ex->protocol};
  if (stream_set_headers(st, pseudo, np, headers, n) != 0) {
    stream_free(st);
    return RIPT_ERR_NOMEM;
  }
  st->no_body = (flags & RIPT_HTTP_FLAG_END) != 0;
  ex->ops = &h3_exchange_ops;
  ex->stream = st;
  stream_attach(st, ex);
  stream_mark(st, H3_ACT_SUBMIT);
  return 0;
}

int h3_conn_usable(const h3_conn *c) {
  return !c->closing && !c->draining;
}

/* ---- applying recorded actions (flush time, outside library calls) ---- */

static void conn_set_app_error(h3_conn *c, int liberr) {
  if (c->ccerr_set)
    return;
  ngtcp2_ccerr_set_application_error(
      &c->ccerr, nghttp3_err_infer_quic_app_error_code(liberr), NULL, 0);
  c->ccerr_set = 1;
}

static void stream_do_reset(h3_stream *st) {
  h3_conn *c = st->conn;
  if (st->id >= 0) {
    ngtcp2_conn_shutdown_stream(c->qc, 0, st->id, st->reset_code);
    if (c->h3 && nghttp3_conn_shutdown_stream_read(c->h3, st->id) != 0)
      conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
  }
  stream_emit_close(st, RIPT_ERR_HTTP_RESET);
  /* nghttp3 frees the streams it knows about when QUIC closes them. */
  if (!st->submitted && !c->is_server)
    stream_release(st);
}

static nghttp3_ssize h3cb_read_data(nghttp3_conn *h3, int64_t id,
                                    nghttp3_vec *vec, size_t veccnt,
                                    uint32_t *pflags, void *conn_data,
                                    void *stream_data) {
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  size_t n = body_read(&st->body, vec, veccnt);
  if (st->body_ended && st->body.handed == st->body.written)
    *pflags |= NGHTTP3_DATA_FLAG_EOF;
  else if (n == 0)
    return NGHTTP3_ERR_WOULDBLOCK;
  return (nghttp3_ssize)n;
}

/* Opens the client's stream if credit allows; 1 if it must wait. */
static int stream_open(h3_stream *st) {
  h3_conn *c = st->conn;
  int64_t id;
  int rv = ngtcp2_conn_open_bidi_stream(c->qc, &id, NULL);
  if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) {
    st->waiting = 1;
    st->dirty_next = NULL;
    if (c->waiting_tail)
      c->waiting_tail->dirty_next = st;
    else
      c->waiting = st;
    c->waiting_tail = st;
    return 1;
  }
  if (rv != 0)
    return rv;
  st->id = id;
  return stream_index(st);
}

static int stream_do_submit(h3_stream *st) {
  h3_conn *c = st->conn;
  nghttp3_data_reader dr = {h3cb_read_data};
  const nghttp3_data_reader *reader = st->no_body ? NULL : &dr;
  int rv;
  if (c->is_server) {
    rv = nghttp3_conn_submit_response(c->h3, st->id, st->nv, st->nnv, reader);
  } else {
    rv = st->id < 0 ? stream_open(st) : 0;
    if (rv == 1)
      return 1;
    if (rv == 0)
      rv = nghttp3_conn_submit_request(c->h3, st->id, st->nv, st->nnv, reader,
                                       st);
  }
  free(st->nv);
  st->nv = NULL;
  if (rv == 0) {
    st->submitted = 1;
    return 0;
  }
  if (st->id >= 0)
    ngtcp2_conn_shutdown_stream(c->qc, 0, st->id, NGHTTP3_H3_INTERNAL_ERROR);
  int nomem = rv == RIPT_ERR_NOMEM || rv == NGHTTP3_ERR_NOMEM ||
              rv == NGTCP2_ERR_NOMEM;
  stream_emit_close(st, nomem ? RIPT_ERR_NOMEM : RIPT_ERR_HTTP_CLOSED);
  if (!c->is_server)
    stream_free(st);
  return -1;
}

static void stream_apply(h3_stream *st) {
  h3_conn *c = st->conn;
  unsigned act = st->actions;
  st->dirty = 0;
  if (st->zombie) {
    stream_free(st);
    return;
  }
  st->actions = 0;
  if (act & H3_ACT_RESET) {
    stream_do_reset(st);
    return;
  }
  if (act & H3_ACT_SUBMIT) {
    int rv = stream_do_submit(st);
    if (rv == 1)
      st->actions = act; /* submitted again once stream credit arrives */
    if (rv != 0)
      return;
  }
  if ((act & H3_ACT_RESUME) && st->submitted &&
      nghttp3_conn_resume_stream(c->h3, st->id) != 0)
    conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
}

/* ---- nghttp3 callbacks ---- */

static void conn_extend(h3_conn *c, int64_t id, uint64_t n) {
  ngtcp2_conn_extend_max_stream_offset(c->qc, id, n);
  ngtcp2_conn_extend_max_offset(c->qc, n);
}

static int h3cb_acked_stream_data(nghttp3_conn *h3, int64_t id, uint64_t n,
                                  void *conn_data, void *stream_data) {
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (st)
    body_ack(st->conn, &st->body, n);
  return 0;
}

static int h3cb_stream_close(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (!st)
    return 0;
  stream_emit_close(st, code == NGHTTP3_H3_NO_ERROR ? 0 : RIPT_ERR_HTTP_RESET);
  stream_release(st);
  return 0;
}

static int h3cb_recv_data(nghttp3_conn *h3, int64_t id, const uint8_t *data,
                          size_t len, void *conn_data, void *stream_data) {
  h3_stream *st = stream_data;
  (void)h3;
  /* Bytes are consumed as they are delivered (http.h): credit them now. */
  conn_extend(conn_data, id, len);
  if (st && st->ex)
    ript_http_exchange_emit_body(st->ex, data, len);
  return 0;
}

static int h3cb_deferred_consume(nghttp3_conn *h3, int64_t id, size_t n,
                                 void *conn_data, void *stream_data) {
  (void)h3, (void)stream_data;
  conn_extend(conn_data, id, n);
  return 0;
}

/* Server: a request stream's first header block makes its exchange. */
static int h3cb_begin_headers(nghttp3_conn *h3, int64_t id, void *conn_data,
                              void *stream_data) {
  h3_conn *c = conn_data;
  if (!c->is_server || stream_data)
    return 0;
  h3_stream *st = stream_new(c, id);
  ript_http_exchange *ex =
      st ? ript_http_exchange_new(&h3_exchange_ops, st, RIPT_HTTP_3, 0) : NULL;
  if (!ex || nghttp3_conn_set_stream_user_data(h3, id, st) != 0) {
    free(ex);
    if (st)
      stream_free(st);
    return NGHTTP3_ERR_CALLBACK_FAILURE;
  }
  ex->opened_ms = uv_now(c->timer.loop);
  stream_attach(st, ex);
  return 0;
}

static int h3cb_recv_header(nghttp3_conn *h3, int64_t id, int32_t token,
                            nghttp3_rcbuf *name, nghttp3_rcbuf *value,
                            uint8_t flags, void *conn_data,
                            void *stream_data) {
  h3_conn *c = conn_data;
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)token, (void)flags;
  if (!st || !st->ex || st->bad || st->interim || st->too_large)
    return 0;
  nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
  nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
  /* The limits of a request's header section: 431 once it is complete. */
  if (c->limits) {
    st->header_bytes += (uint32_t)min_size(n.len + v.len + 32, UINT32_MAX / 4);
    if (st->header_bytes > c->limits->max_header_bytes ||
        ++st->header_fields > c->limits->max_header_fields) {
      st->too_large = 1;
      return 0;
    }
  }
  const char *ns = (const char *)n.base, *vs = (const char *)v.base;
  /* Interim (1xx) responses are not reported: skip their whole block. */
  if (!c->is_server && n.len == 7 && memcmp(ns, ":status", 7) == 0 &&
      v.len && vs[0] == '1') {
    st->interim = 1;
    return 0;
  }
  int rv = n.len && ns[0] == ':'
               ? ript_http_exchange_set_pseudo(st->ex, ns, n.len, vs, v.len)
               : ript_http_exchange_add_header(st->ex, ns, n.len, vs, v.len);
  if (rv != 0)
    st->bad = 1;
  return 0;
}

static int h3cb_end_headers(nghttp3_conn *h3, int64_t id, int fin,
                            void *conn_data, void *stream_data) {
  h3_conn *c = conn_data;
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)fin;
  if (!st || !st->ex)
    return 0;
  if (st->interim) {
    st->interim = 0;
    return 0;
  }
  st->ex->headers_done = 1;
  st->ex->headers_ms = uv_now(c->timer.loop);
  if (st->too_large) {
    /* The application never sees this request. */
    ++c->stats->headers_too_large;
    if (ex_respond(st->ex, 431, NULL, 0, RIPT_HTTP_FLAG_END) != 0)
      stream_mark(st, H3_ACT_RESET);
    return 0;
  }
  if (st->bad) {
    st->reset_code = NGHTTP3_H3_MESSAGE_ERROR;
    stream_emit_close(st, RIPT_ERR_PARSE);
    stream_mark(st, H3_ACT_RESET);
    return 0;
  }
  c->side->headers_done(c, st->ex);
  return 0;
}

static int h3cb_end_stream(nghttp3_conn *h3, int64_t id, void *conn_data,
                           void *stream_data) {
  h3_stream *st = stream_data;
  (void)h3, (void)id, (void)conn_data;
  if (st && st->ex)
    ript_http_exchange_emit_body_end(st->ex);
  return 0;
}

static int h3cb_stop_sending(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  h3_conn *c = conn_data;
  (void)h3, (void)stream_data;
  return ngtcp2_conn_shutdown_stream_read(c->qc, 0, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

static int h3cb_reset_stream(nghttp3_conn *h3, int64_t id, uint64_t code,
                             void *conn_data, void *stream_data) {
  h3_conn *c = conn_data;
  (void)h3, (void)stream_data;
  return ngtcp2_conn_shutdown_stream_write(c->qc, 0, id, code) == 0
             ? 0
             : NGHTTP3_ERR_CALLBACK_FAILURE;
}

/* The peer sent GOAWAY: a client takes no new requests here. */
static int h3cb_shutdown(nghttp3_conn *h3, int64_t id, void *conn_data) {
  h3_conn *c = conn_data;
  (void)h3, (void)id;
  if (!c->is_server) {
    c->draining = 1;
    h3_conn_schedule(c);
  }
  return 0;
}

static int h3cb_recv_settings(nghttp3_conn *h3,
                              const nghttp3_settings *settings,
                              void *conn_data) {
  h3_conn *c = conn_data;
  (void)h3;
  c->peer_settings = 1;
  c->peer_datagrams = settings->h3_datagram != 0;
  h3_conn_schedule(c);
  return 0;
}

static int conn_bind_http(h3_conn *c);

static int conn_open_uni(h3_conn *c, int64_t *id) {
  return ngtcp2_conn_open_uni_stream(c->qc, id, NULL) == 0 ? 0 : -1;
}

/* Once 1-RTT keys exist: the HTTP/3 layer with its control and QPACK
 * streams, SETTINGS with h3_datagram (and extended CONNECT on a server). */
static int conn_setup_http(h3_conn *c) {
  static const nghttp3_callbacks cbs = {
      .acked_stream_data = h3cb_acked_stream_data,
      .stream_close = h3cb_stream_close,
      .recv_data = h3cb_recv_data,
      .deferred_consume = h3cb_deferred_consume,
      .begin_headers = h3cb_begin_headers,
      .recv_header = h3cb_recv_header,
      .end_headers = h3cb_end_headers,
      .end_stream = h3cb_end_stream,
      .stop_sending = h3cb_stop_sending,
      .reset_stream = h3cb_reset_stream,
      .shutdown = h3cb_shutdown,
      .recv_settings = h3cb_recv_settings,
  };
  if (c->h3)
    return 0;
  if (ngtcp2_conn_get_streams_uni_left(c->qc) < 3)
    return -1;
  nghttp3_settings s;
  nghttp3_settings_default(&s);
  s.qpack_max_dtable_capacity = 4096;
  s.qpack_blocked_streams = 100;
  s.enable_connect_protocol = (uint8_t)c->is_server;
  s.h3_datagram = 1;
  if (c->limits)
    s.max_field_section_size = c->limits->max_header_bytes;
  const nghttp3_mem *mem = nghttp3_mem_default();
  int rv = c->is_server ? nghttp3_conn_server_new(&c->h3, &cbs, &s, mem, c)
                        : nghttp3_conn_client_new(&c->h3, &cbs, &s, mem, c);
  if (rv != 0)
    return -1;
  if (conn_bind_http(c) != 0) {
    nghttp3_conn_del(c->h3);
    c->h3 = NULL;
    return -1;
  }
  return 0;
}

static int conn_bind_http(h3_conn *c) {
  /* nghttp3 sizes its QPACK decoder stream buffer from this hint: too low,
   * and a burst of requests (or responses) kills the connection. */
  size_t concurrent = H3_CLIENT_CONCURRENT;
  if (c->is_server) {
    const ngtcp2_transport_params *p =
        ngtcp2_conn_get_local_transport_params(c->qc);
    nghttp3_conn_set_max_client_streams_bidi(c->h3, p->initial_max_streams_bidi);
    concurrent = (size_t)p->initial_max_streams_bidi;
  }
  nghttp3_conn_set_max_concurrent_streams(c->h3, concurrent);
  int64_t ctrl, qenc, qdec;
  if (conn_open_uni(c, &ctrl) != 0 || conn_open_uni(c, &qenc) != 0 ||
      conn_open_uni(c, &qdec) != 0 ||
      nghttp3_conn_bind_control_stream(c->h3, ctrl) != 0 ||
      nghttp3_conn_bind_qpack_streams(c->h3, qenc, qdec) != 0)
    return -1;
  return 0;
}

/* ---- ngtcp2 callbacks ---- */

static ngtcp2_conn *conn_ref_get(ngtcp2_crypto_conn_ref *ref) {
  h3_conn *c = ref->user_data;
  return c->qc;
}

static void cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
  (void)ctx;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, dest, len) != 0)
    memset(dest, 0, len);
}

static int cb_get_new_cid(ngtcp2_conn *qc, ngtcp2_cid *cid, uint8_t *token,
                          size_t cidlen, void *user_data) {
  (void)qc;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0 ||
      gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN) !=
          0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  cid->datalen = cidlen;
  return h3_conn_add_cid(user_data, cid) == 0 ? 0
                                               : NGTCP2_ERR_CALLBACK_FAILURE;
}

static int cb_remove_cid(ngtcp2_conn *qc, const ngtcp2_cid *cid,
                         void *user_data) {
  h3_conn *c = user_data;
  (void)qc;
  for (h3_cid **p = &c->cids; *p; p = &(*p)->next) {
    h3_cid *e = *p;
    if (e->node.keylen == cid->datalen &&
        memcmp(e->node.key, cid->data, cid->datalen) == 0) {
      *p = e->next;
      h3_map_remove(c->ep->cids, &e->node);
      free(e);
      break;
    }
  }
  return 0;
}

static int cb_handshake_completed(ngtcp2_conn *qc, void *user_data) {
  h3_conn *c = user_data;
  gnutls_datum_t alpn;
  (void)qc;
  if (gnutls_alpn_get_selected_protocol(c->tls, &alpn) != 0 ||
      alpn.size != 2 || memcmp(alpn.data, "h3", 2) != 0) {
    c->tls_failed = 1;
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  c->handshake_done = 1;
  h3_conn_schedule(c);
  return 0;
}

static int cb_recv_key(ngtcp2_conn *qc, ngtcp2_encryption_level level,
                       void *user_data) {
  (void)qc;
  if (level != NGTCP2_ENCRYPTION_LEVEL_1RTT)
    return 0;
  return conn_setup_http(user_data) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

static int cb_recv_stream_data(ngtcp2_conn *qc, uint32_t flags, int64_t id,
                               uint64_t offset, const uint8_t *data,
                               size_t len, void *user_data,
                               void *stream_data) {
  h3_conn *c = user_data;
  (void)offset, (void)stream_data;
  if (!c->h3) {
    conn_extend(c, id, len);
    return 0;
  }
  nghttp3_ssize n = nghttp3_conn_read_stream(
      c->h3, id, data, len, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
  if (n < 0) {
    conn_set_app_error(c, (int)n);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  ngtcp2_conn_extend_max_stream_offset(qc, id, (uint64_t)n);
  ngtcp2_conn_extend_max_offset(qc, (uint64_t)n);
  return 0;
}

static int cb_acked_stream_data_offset(ngtcp2_conn *qc, int64_t id,
                                       uint64_t offset, uint64_t len,
                                       void *user_data, void *stream_data) {
  h3_conn *c = user_data;
  (void)qc, (void)offset, (void)stream_data;
  if (c->h3 && nghttp3_conn_add_ack_offset(c->h3, id, len) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return 0;
}

static int cb_stream_close(ngtcp2_conn *qc, uint32_t flags, int64_t id,
                           uint64_t code, void *user_data, void *stream_data) {
  h3_conn *c = user_data;
  (void)stream_data;
  if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET))
    code = NGHTTP3_H3_NO_ERROR;
  if (c->h3) {
    int rv = nghttp3_conn_close_stream(c->h3, id, code);
    if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND) {
      conn_set_app_error(c, rv);
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
  }
  /* ngtcp2 leaves stream credit to us: one closes, one more may open. */
  if (c->is_server && ngtcp2_is_bidi_stream(id) &&
      !ngtcp2_conn_is_local_stream(qc, id))
    ngtcp2_conn_extend_max_streams_bidi(qc, 1);
  return 0;
}

/* Server: a peer cancelling requests faster than its budget allows (the
 * Rapid Reset pattern) loses the connection with H3_EXCESSIVE_LOAD. A
 * request counts once, whether RESET_STREAM, STOP_SENDING or both. */
static void conn_count_cancel(h3_conn *c, int64_t id, h3_stream *st) {
  if (!c->limits || !ngtcp2_is_bidi_stream(id) || (st && st->cancelled))
    return;
  if (st)
    st->cancelled = 1;
  if (c->ccerr_set || ript_http_reset_spend(c->server, c->limits, &c->resets,
                                            uv_now(c->timer.loop)) == 0)
    return;
  ngtcp2_ccerr_set_application_error(&c->ccerr, NGHTTP3_H3_EXCESSIVE_LOAD,
                                     NULL, 0);
  c->ccerr_set = 1;
  h3_conn_schedule(c);
}

/* The peer reset the stream or asked us to stop: the exchange is over. */
static int conn_peer_reset(h3_conn *c, int64_t id, uint64_t code) {
  if (c->h3 && nghttp3_conn_shutdown_stream_read(c->h3, id) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  h3_stream *st = stream_find(c, id);
  conn_count_cancel(c, id, st);
  if (code == NGHTTP3_H3_NO_ERROR || !st || !st->ex)
    return 0;
  stream_emit_close(st, RIPT_ERR_HTTP_RESET);
  st->reset_code = NGHTTP3_H3_REQUEST_CANCELLED;
  stream_mark(st, H3_ACT_RESET);
  return 0;
}

static int cb_stream_reset(ngtcp2_conn *qc, int64_t id, uint64_t final_size,
                           uint64_t code, void *user_data,
                           void *stream_data) {
  (void)qc, (void)final_size, (void)stream_data;
  return conn_peer_reset(user_data, id, code);
}

static int cb_stream_stop_sending(ngtcp2_conn *qc, int64_t id, uint64_t code,
                                  void *user_data, void *stream_data) {
  (void)qc, (void)stream_data;
  return conn_peer_reset(user_data, id, code);
}

static int cb_extend_max_local_streams_bidi(ngtcp2_conn *qc,
                                            uint64_t max_streams,
                                            void *user_data) {
  h3_conn *c = user_data;
  (void)qc, (void)max_streams;
  c->streams_unblocked = 1;
  h3_conn_schedule(c);
  return 0;
}

static int cb_extend_max_remote_streams_bidi(ngtcp2_conn *qc,
                                             uint64_t max_streams,
                                             void *user_data) {
  h3_conn *c = user_data;
  (void)qc;
  if (c->h3)
    nghttp3_conn_set_max_client_streams_bidi(c->h3, max_streams);
  return 0;
}

static int cb_extend_max_stream_data(ngtcp2_conn *qc, int64_t id,
                                     uint64_t max_data, void *user_data,
                                     void *stream_data) {
  h3_conn *c = user_data;
  (void)qc, (void)max_data, (void)stream_data;
  if (c->h3 && nghttp3_conn_unblock_stream(c->h3, id) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return 0;
}

/* RFC 9297 §2.1: the payload starts with the quarter stream ID of the
 * request stream; unknown or closed streams' datagrams are dropped. */
static int cb_recv_datagram(ngtcp2_conn *qc, uint32_t flags,
                            const uint8_t *data, size_t len,
                            void *user_data) {
  h3_conn *c = user_data;
  (void)qc, (void)flags;
  uint64_t qsid;
  size_t n = varint_get(data, len, &qsid);
  if (!n || qsid > ((uint64_t)INT64_MAX >> 2))
    return 0;
  h3_stream *st = stream_find(c, (int64_t)(qsid * 4));
  if (st && stream_is_connect(st))
    ript_http_exchange_emit_datagram(st->ex, data + n, len - n);
  return 0;
}

void h3_conn_callbacks(ngtcp2_callbacks *cb, int is_server) {
  memset(cb, 0, sizeof(*cb));
  if (is_server) {
    cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    cb->recv_tx_key = cb_recv_key;
    cb->extend_max_remote_streams_bidi = cb_extend_max_remote_streams_bidi;
  } else {
    cb->client_initial = ngtcp2_crypto_client_initial_cb;
    cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
    cb->recv_rx_key = cb_recv_key;
    cb->extend_max_local_streams_bidi = cb_extend_max_local_streams_bidi;
  }
  cb->recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb->encrypt = ngtcp2_crypto_encrypt_cb;
  cb->decrypt = ngtcp2_crypto_decrypt_cb;
  cb->hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb->update_key = ngtcp2_crypto_update_key_cb;
  cb->delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb->delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb->get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb->version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb->handshake_completed = cb_handshake_completed;
  cb->recv_stream_data = cb_recv_stream_data;
  cb->acked_stream_data_offset = cb_acked_stream_data_offset;
  cb->stream_close = cb_stream_close;
  cb->stream_reset = cb_stream_reset;
  cb->stream_stop_sending = cb_stream_stop_sending;
  cb->extend_max_stream_data = cb_extend_max_stream_data;
  cb->recv_datagram = cb_recv_datagram;
  cb->rand = cb_rand;
  cb->get_new_connection_id = cb_get_new_cid;
  cb->remove_connection_id = cb_remove_cid;
}

/* ---- connection set-up ---- */

void h3_conn_init(h3_conn *c, h3_endpoint *ep, const h3_side *side,
                  void *owner, int is_server, uint64_t idle_ms) {
  memset(c, 0, sizeof(*c));
  c->ep = ep;
  c->side = side;
  c->owner = owner;
  c->is_server = is_server;
  c->idle_ms = idle_ms ? idle_ms : 30000;
  c->conn_ref.get_conn = conn_ref_get;
  c->conn_ref.user_data = c;
  c->locallen = sizeof(c->local);
  ngtcp2_ccerr_default(&c->ccerr);
  h3_map_init(&c->stream_map);
  c->timer.data = c;
}

/* Windows: 0 takes the defaults, which ngtcp2 may grow; a given window is
 * never grown past. */
void h3_conn_settings(const h3_conn *c, ngtcp2_settings *settings,
                      ngtcp2_transport_params *params, uint64_t max_streams,
                      uint32_t stream_window, uint32_t connection_window) {
  ngtcp2_settings_default(settings);
  settings->initial_ts = uv_hrtime();
  settings->max_window = connection_window ? connection_window : H3_MAX_WINDOW;
  settings->max_stream_window =
      stream_window ? stream_window : H3_MAX_STREAM_WINDOW;
  uint64_t hs_ms = c->idle_ms < H3_HANDSHAKE_TIMEOUT_MS
                       ? c->idle_ms
                       : H3_HANDSHAKE_TIMEOUT_MS;
  settings->handshake_timeout = hs_ms * NGTCP2_MILLISECONDS;
  ngtcp2_transport_params_default(params);
  uint64_t sw = stream_window ? stream_window : H3_STREAM_WINDOW;
  params->initial_max_stream_data_bidi_local = sw;
  params->initial_max_stream_data_bidi_remote = sw;
  params->initial_max_stream_data_uni = sw;
  params->initial_max_data = connection_window ? connection_window
                                               : H3_CONN_WINDOW;
  params->initial_max_streams_bidi = max_streams;
  params->initial_max_streams_uni = H3_MAX_UNI_STREAMS;
  params->max_idle_timeout = c->idle_ms * NGTCP2_MILLISECONDS;
  params->max_udp_payload_size = H3_MAX_PKT;
  params->max_datagram_frame_size = H3_MAX_DATAGRAM_FRAME;
}

int h3_conn_tls(h3_conn *c, unsigned flags,
                gnutls_certificate_credentials_t cred) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h3", 2};
  if (gnutls_init(&c->tls, flags | GNUTLS_NO_END_OF_EARLY_DATA) != 0) {
    c->tls = NULL;
    return RIPT_ERR_HTTP_TLS;
  }
  int rv = c->is_server ? ngtcp2_crypto_gnutls_configure_server_session(c->tls)
                        : ngtcp2_crypto_gnutls_configure_client_session(c->tls);
  if (rv != 0 || gnutls_priority_set_direct(c->tls, h3_priority, NULL) != 0 ||
      gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred) != 0 ||
      gnutls_alpn_set_protocols(c->tls, &alpn, 1, GNUTLS_ALPN_MANDATORY) != 0)
    return RIPT_ERR_HTTP_TLS;
  gnutls_session_set_ptr(c->tls, &c->conn_ref);
  return 0;
}

void h3_conn_free_quic(h3_conn *c) {
  if (c->h3)
    nghttp3_conn_del(c->h3);
  if (c->qc)
    ngtcp2_conn_del(c->qc);
  if (c->tls)
    gnutls_deinit(c->tls);
  c->h3 = NULL;
  c->qc = NULL;
  c->tls = NULL;
}

int h3_conn_add_cid(h3_conn *c, const ngtcp2_cid *cid) {
  if (!c->ep->cids)
    return 0;
  h3_cid *e = calloc(1, sizeof(*e));
  if (!e)
    return RIPT_ERR_NOMEM;
  e->node.keylen = (uint8_t)cid->datalen;
  memcpy(e->node.key, cid->data, cid->datalen);
  e->node.value = c;
  if (h3_map_insert(c->ep->cids, &e->node) != 0) {
    free(e);
    return RIPT_ERR_NOMEM;
  }
  e->next = c->cids;
  c->cids = e;
  return 0;
}

static void conn_remove_cids(h3_conn *c) {
  while (c->cids) {
    h3_cid *e = c->cids;
    c->cids = e->next;
    h3_map_remove(c->ep->cids, &e->node);
    free(e);
  }
}

/* ---- connection life ---- */

void h3_conn_schedule(h3_conn *c) {
  h3_endpoint *ep = c->ep;
  if (c->pending || c->gone)
    return;
  c->pending = 1;
  c->pending_next = NULL;
  if (ep->pending_tail)
    ep->pending_tail->pending_next = c;
  else
    ep->pending = c;
  ep->pending_tail = c;
  h3_ep_kick(ep);
}

/* What the peer's CONNECTION_CLOSE means for ript_http_client_conn_closed. */
static int conn_remote_error(h3_conn *c) {
  const ngtcp2_ccerr *e = ngtcp2_conn_get_ccerr(c->qc);
  if (e->type == NGTCP2_CCERR_TYPE_TRANSPORT &&
      (e->error_code & ~(uint64_t)0xff) == NGTCP2_CRYPTO_ERROR &&
      !c->handshake_done)
    return RIPT_ERR_HTTP_TLS;
  if ((e->type == NGTCP2_CCERR_TYPE_TRANSPORT &&
       e->error_code == NGTCP2_NO_ERROR) ||
      (e->type == NGTCP2_CCERR_TYPE_APPLICATION &&
       e->error_code == NGHTTP3_H3_NO_ERROR))
    return 0;
  return RIPT_ERR_HTTP_CLOSED;
}

/* An ngtcp2 call failed with |rv|: decide how the connection ends. */
static void conn_fail(h3_conn *c, int rv) {
  int error = RIPT_ERR_HTTP_CLOSED;
  switch (rv) {
  case NGTCP2_ERR_DRAINING:
    error = conn_remote_error(c);
    c->dead = 1;
    break;
  case NGTCP2_ERR_IDLE_CLOSE:
    error = c->handshake_done ? 0 : RIPT_ERR_HTTP_CLOSED;
    c->dead = 1;
    break;
  case NGTCP2_ERR_DROP_CONN:
  case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
    c->dead = 1;
    break;
  case NGTCP2_ERR_CRYPTO:
    if (!c->ccerr_set)
      ngtcp2_ccerr_set_tls_alert(&c->ccerr, ngtcp2_conn_get_tls_alert(c->qc),
                                 NULL, 0);
    c->ccerr_set = 1;
    error = c->handshake_done ? RIPT_ERR_HTTP_CLOSED : RIPT_ERR_HTTP_TLS;
    break;
  default:
    if (!c->ccerr_set)
      ngtcp2_ccerr_set_liberr(&c->ccerr, rv, NULL, 0);
    c->ccerr_set = 1;
    if (c->stats)
      ++c->stats->protocol_errors;
    if (c->tls_failed)
      error = RIPT_ERR_HTTP_TLS;
    break;
  }
  c->send_close = !c->dead;
  if (!c->closing)
    c->close_error = error;
  c->closing = 1;
  h3_conn_schedule(c);
}

void h3_conn_abort(h3_conn *c, int error) {
  if (!c->closing)
    c->close_error = error;
  c->closing = c->dead = 1;
  c->send_close = 0;
  h3_conn_schedule(c);
}

void h3_conn_close(h3_conn *c) {
  if (c->closing)
    return;
  c->closing = 1;
  c->send_close = 1;
  c->close_error = 0;
  h3_conn_schedule(c);
}

void h3_conn_goaway_notice(h3_conn *c) {
  c->goaway_notice = 1;
  h3_conn_schedule(c);
}

void h3_conn_recv(h3_conn *c, const struct sockaddr *addr,
                  const uint8_t *data, size_t len) {
  if (c->closing || c->gone)
    return;
  struct sockaddr_storage remote;
  socklen_t remotelen = h3_addrlen(addr);
  memcpy(&remote, addr, remotelen);
  ngtcp2_path path = {{(ngtcp2_sockaddr *)&c->local, c->locallen},
                      {(ngtcp2_sockaddr *)&remote, remotelen},
                      NULL};
  ngtcp2_pkt_info pi = {0};
  int rv = ngtcp2_conn_read_pkt(c->qc, &path, &pi, data, len, uv_hrtime());
  if (rv != 0)
    conn_fail(c, rv);
  h3_conn_schedule(c);
}

static void conn_on_timer(uv_timer_t *timer) {
  h3_conn *c = timer->data;
  if (c->closing)
    return;
  int rv = ngtcp2_conn_handle_expiry(c->qc, uv_hrtime());
  if (rv != 0)
    conn_fail(c, rv);
  h3_conn_schedule(c);
}

static void conn_arm_timer(h3_conn *c) {
  ngtcp2_tstamp expiry = ngtcp2_conn_get_expiry(c->qc);
  if (expiry == UINT64_MAX) {
    uv_timer_stop(&c->timer);
    return;
  }
  ngtcp2_tstamp now = uv_hrtime();
  uint64_t ms = expiry > now ? (expiry - now + 999999) / 1000000 : 0;
  uv_timer_start(&c->timer, conn_on_timer, ms, 0);
}

/* One packet: datagrams first (media must not wait behind bulk data), then
 * stream data nghttp3 offers, coalesced while ngtcp2 asks for more. */
static ngtcp2_ssize conn_write_pkt(h3_conn *c, ngtcp2_path *path,
                                   ngtcp2_pkt_info *pi, uint8_t *dest,
                                   size_t destlen, ngtcp2_tstamp ts) {
  for (;;) {
    ngtcp2_vec dv;
    if (!c->dgram_stalled && dq_peek(&c->dq, &dv)) {
      int accepted = 0;
      ngtcp2_ssize w = ngtcp2_conn_writev_datagram(
          c->qc, path, pi, dest, destlen, &accepted,
          NGTCP2_WRITE_DATAGRAM_FLAG_MORE, 0, &dv, 1, ts);
      if (accepted || w == NGTCP2_ERR_INVALID_ARGUMENT)
        dq_pop(&c->dq);
      if (w == NGTCP2_ERR_WRITE_MORE || w == NGTCP2_ERR_INVALID_ARGUMENT)
        continue;
      if (w == NGTCP2_ERR_INVALID_STATE) {
        c->dq.head = c->dq.tail = 0;
        continue;
      }
      if (w != 0)
        return w;
      c->dgram_stalled = 1; /* congestion-limited until the next flush */
    }
    int64_t sid = -1;
    int fin = 0;
    nghttp3_vec vec[H3_MAX_VEC];
    nghttp3_ssize nvec = 0;
    if (c->h3 && ngtcp2_conn_get_max_data_left(c->qc)) {
      nvec = nghttp3_conn_writev_stream(c->h3, &sid, &fin, vec, H3_MAX_VEC);
      if (nvec < 0) {
        conn_set_app_error(c, (int)nvec);
        return NGTCP2_ERR_CALLBACK_FAILURE;
      }
    }
    ngtcp2_ssize ndatalen = -1;
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE |
                     (fin ? NGTCP2_WRITE_STREAM_FLAG_FIN : 0);
    ngtcp2_ssize w = ngtcp2_conn_writev_stream(
        c->qc, path, pi, dest, destlen, &ndatalen, flags, sid,
        (const ngtcp2_vec *)vec, (size_t)nvec, ts);
    if (w == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
      nghttp3_conn_block_stream(c->h3, sid);
      continue;
    }
    if (w == NGTCP2_ERR_STREAM_SHUT_WR || w == NGTCP2_ERR_STREAM_NOT_FOUND) {
      nghttp3_conn_shutdown_stream_write(c->h3, sid);
      continue;
    }
    if ((w >= 0 || w == NGTCP2_ERR_WRITE_MORE) && ndatalen >= 0 && sid >= 0 &&
        nghttp3_conn_add_write_offset(c->h3, sid, (size_t)ndatalen) != 0) {
      conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    if (w != NGTCP2_ERR_WRITE_MORE)
      return w;
  }
}

/* Writes what ngtcp2's pacing allows now; the timer brings the rest. */
static int conn_write(h3_conn *c) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi;
  ngtcp2_tstamp ts = uv_hrtime();
  size_t pathmax = ngtcp2_conn_get_path_max_tx_udp_payload_size(c->qc);
  size_t maxpkts = ngtcp2_conn_get_send_quantum(c->qc) / pathmax;
  maxpkts = maxpkts < 1 ? 1 : min_size(maxpkts, H3_SERVER_BATCH);
  c->dgram_stalled = 0;
  for (size_t i = 0; i < maxpkts; ++i) {
    uint8_t *dest = h3_ep_slot(c->ep);
    ngtcp2_ssize w = conn_write_pkt(c, &ps.path, &pi, dest, H3_MAX_PKT, ts);
    if (w < 0)
      return (int)w;
    if (w == 0)
      break;
    h3_ep_add(c->ep, (size_t)w, (const struct sockaddr *)ps.path.remote.addr,
              (socklen_t)ps.path.remote.addrlen);
  }
  ngtcp2_conn_update_pkt_tx_time(c->qc, ts);
  return 0;
}

/* A server says GOAWAY first (RFC 9114 §5.2), then both CONNECTION_CLOSE. */
static void conn_send_close(h3_conn *c) {
  if (ngtcp2_conn_in_closing_period(c->qc) ||
      ngtcp2_conn_in_draining_period(c->qc))
    return;
  int graceful = !c->ccerr_set;
  if (graceful)
    ngtcp2_ccerr_set_application_error(&c->ccerr, NGHTTP3_H3_NO_ERROR, NULL,
                                       0);
  if (graceful && c->is_server && c->h3) {
    if (!c->goaway_sent)
      (void)nghttp3_conn_submit_shutdown_notice(c->h3);
    if (nghttp3_conn_shutdown(c->h3) == 0)
      (void)conn_write(c);
  }
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi;
  uint8_t *dest = h3_ep_slot(c->ep);
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
      c->qc, &ps.path, &pi, dest, H3_MAX_PKT, &c->ccerr, uv_hrtime());
  if (n > 0)
    h3_ep_add(c->ep, (size_t)n, (const struct sockaddr *)ps.path.remote.addr,
              (socklen_t)ps.path.remote.addrlen);
}

/* Ends the connection: every exchange gets RIPT_ERR_HTTP_CLOSED, the QUIC
 * state is freed, and the side releases what holds it. */
static void conn_teardown(h3_conn *c) {
  if (c->send_close && c->qc)
    conn_send_close(c);
  c->gone = 1;
  uv_timer_stop(&c->timer);
  for (h3_stream *st = c->streams; st; st = st->next)
    stream_emit_close(st, RIPT_ERR_HTTP_CLOSED);
  h3_conn_free_quic(c);
  while (c->streams)
    stream_free(c->streams);
  c->dirty = c->dirty_tail = c->waiting = c->waiting_tail = NULL;
  for (int cls = 0; cls < 2; ++cls) {
    while (c->pool[cls]) {
      h3_chunk *k = c->pool[cls];
      c->pool[cls] = k->next;
      free(k);
    }
  }
  free(c->dq.buf);
  memset(&c->dq, 0, sizeof(c->dq));
  h3_map_free(&c->stream_map);
  if (c->ep->cids)
    conn_remove_cids(c);
  if (c->side->torn_down)
    c->side->torn_down(c);
}

/* Pings while exchanges are open so that a quiet long-lived request is not
 * mistaken for an idle connection. */
static void conn_keepalive(h3_conn *c) {
  int want = c->nexchanges > 0;
  if (want == (int)c->keepalive)
    return;
  c->keepalive = (unsigned)want;
  uint64_t idle = c->idle_ms * NGTCP2_MILLISECONDS;
  const ngtcp2_transport_params *p =
      ngtcp2_conn_get_remote_transport_params(c->qc);
  if (p && p->max_idle_timeout && p->max_idle_timeout < idle)
    idle = p->max_idle_timeout;
  ngtcp2_conn_set_keep_alive_timeout(c->qc, want ? idle / 2 : UINT64_MAX);
}

/* Notifications and recorded actions, in the order they matter. */
static void conn_step(h3_conn *c) {
  if (!c->ready_reported && c->handshake_done &&
      (c->is_server || c->peer_settings)) {
    c->ready_reported = 1;
    c->side->ready(c);
  }
  if (c->goaway_notice && !c->goaway_sent && c->h3) {
    c->goaway_sent = 1;
    if (nghttp3_conn_submit_shutdown_notice(c->h3) != 0)
      conn_set_app_error(c, NGHTTP3_ERR_NOMEM);
  }
  if (c->streams_unblocked && c->waiting) {
    c->streams_unblocked = 0;
    h3_stream *w = c->waiting;
    c->waiting = c->waiting_tail = NULL;
    while (w) {
      h3_stream *next = w->dirty_next;
      w->waiting = 0;
      stream_push_dirty(w);
      w = next;
    }
  }
  while (c->dirty && !c->closing) {
    h3_stream *st = c->dirty;
    c->dirty = st->dirty_next;
    if (!c->dirty)
      c->dirty_tail = NULL;
    stream_apply(st);
  }
  if (c->ccerr_set && !c->closing) {
    c->closing = c->send_close = 1;
    c->close_error = RIPT_ERR_HTTP_CLOSED;
  }
  /* A draining client closes once its last exchange is done. */
  if (c->draining && !c->nexchanges && !c->waiting && !c->closing)
    h3_conn_close(c);
}

static void conn_flush(h3_conn *c) {
  if (c->gone)
    return;
  if (!c->closing)
    conn_step(c);
  if (!c->closing) {
    conn_keepalive(c);
    int rv = conn_write(c);
    if (rv != 0)
      conn_fail(c, rv);
  }
  if (c->closing) {
    conn_teardown(c);
    return;
  }
  conn_arm_timer(c);
}
