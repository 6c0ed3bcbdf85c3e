/*
 * The conversation (ript/conversation.h), for both roles, with fake time:
 * acknowledgements beside a chunk and alone (datagram, body, never on a
 * held GET), packing into a budget exactly, the backlog and its replay
 * (a server's at once, a client's after its first new chunk or the wait),
 * media-panic once per outage and not in a migration, forwarded chunks,
 * events kept and the announcement, ping and pong, renegotiation, the
 * client's migration timers, deadlines, figures, a client and a server
 * wired to each other, and every allocation failing in turn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/codec.h"
#include "ript/conversation.h"
#include "testutil.h"

/* 2020-02-10T00:00:00Z in ms. */
#define T0 INT64_C(1581292800000)

static const char call_uri[] = "https://ript.example.com/tgs/tg1/calls/"
                               "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";

static const uint8_t pcmu[160] = {0xd5};

/* ---- helpers ------------------------------------------------------------- */

static ript_media_stream mk_stream(uint64_t initial) {
  ript_media_stream st;
  memset(&st, 0, sizeof(st));
  st.source = st.sink = 1;
  st.payload_type = RIPT_PT_PCMU;
  st.initial_sequence = initial;
  return st;
}

static const ript_media_stream tx_stream = {1, 1, RIPT_PT_PCMU, {0}, 0, 1000};
static const ript_media_stream rx_stream = {1, 1, RIPT_PT_PCMU, {0}, 0, 0};

static void mk_config(ript_conv_config *c, ript_media_role role) {
  ript_conv_config_init(c);
  c->media.role = role;
  c->media.tx_streams = &tx_stream;
  c->media.ntx_streams = 1;
  c->media.rx_streams = &rx_stream;
  c->media.nrx_streams = 1;
}

/* A server's announcement of a new call. */
static void announce(ript_conv *conv, ript_event_type type, int64_t at) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = at;
  ev.call = call_uri;
  assert_int_equal(ript_conv_set_announcement(conv, &ev), 0);
}

static ript_conv *mk_conv_with(const ript_conv_config *c, int64_t now,
                               const ript_mem *mem) {
  ript_conv *conv = NULL;
  assert_int_equal(ript_conv_new(&conv, c, now, mem), 0);
  assert_non_null(conv);
  if (c->media.role == RIPT_MEDIA_ROLE_SERVER)
    announce(conv, RIPT_EVENT_PROCEEDING, now);
  return conv;
}

static ript_conv *mk_conv(ript_media_role role, int64_t now) {
  ript_conv_config c;
  mk_config(&c, role);
  return mk_conv_with(&c, now, NULL);
}

static ript_media_role other(ript_media_role role) {
  return role == RIPT_MEDIA_ROLE_CLIENT ? RIPT_MEDIA_ROLE_SERVER
                                        : RIPT_MEDIA_ROLE_CLIENT;
}

/* The peer: a bare media session of the other role. */
static ript_media_session *mk_peer(ript_media_role role, int64_t now) {
  ript_media_stream tx = mk_stream(5000);
  ript_media_config c;
  ript_media_config_init(&c);
  c.role = role;
  c.tx_streams = &tx;
  c.ntx_streams = 1;
  c.rx_streams = &rx_stream;
  c.nrx_streams = 1;
  ript_media_session *s = NULL;
  assert_int_equal(ript_media_session_new(&s, &c, now, NULL), 0);
  return s;
}

static ript_media_frame mk_frame(int64_t now) {
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = f.sink = 1;
  f.payload_type = RIPT_PT_PCMU;
  f.timestamp = (uint64_t)now;
  f.media = pcmu;
  f.media_len = sizeof(pcmu);
  return f;
}

static void send_frame(ript_conv *conv, int64_t now) {
  ript_media_frame f = mk_frame(now);
  assert_int_equal(ript_conv_send(conv, &f, now), 0);
}

/* The peer sends |n| chunks; |conv| receives them (|n| acks owed). */
static void receive_from(ript_conv *conv, ript_media_session *peer, int n,
                         int64_t now) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  for (int i = 0; i < n; ++i) {
    ript_media_frame f = mk_frame(now);
    assert_true(ript_media_send(peer, &f, now, &b, NULL) > 0);
  }
  assert_int_equal(ript_conv_receive(conv, b.data, b.len, now, NULL, NULL), n);
  ript_buf_free(&b);
}

/* What a body or datagram holds: media chunks (their sequence numbers, in
 * order) and acknowledgements. */
typedef struct parsed {
  size_t media, acks;
  uint64_t seq[64];
} parsed;

static parsed parse(const ript_buf *b, size_t from) {
  parsed p;
  memset(&p, 0, sizeof(p));
  uint8_t *copy = malloc(b->len - from + 1);
  assert_non_null(copy);
  if (b->len > from)
    memcpy(copy, b->data + from, b->len - from);
  for (size_t off = 0; off < b->len - from;) {
    ript_chunk c;
    ript_ssize n = ript_chunk_parse(&c, copy + off, b->len - from - off, NULL);
    assert_true(n > 0);
    if (c.kind == RIPT_CHUNK_KIND_MEDIA) {
      assert_true(p.media < 64);
      p.seq[p.media++] = c.sequence;
    } else {
      assert_int_equal(c.control_type, RIPT_CHUNK_CONTROL_ACK);
      ++p.acks;
    }
    off += (size_t)n;
  }
  free(copy);
  return p;
}

/* One write into a fresh buffer, parsed. */
static parsed write_one(ript_conv *conv, int64_t now, size_t max,
                        ript_ssize *n) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  *n = ript_conv_write(conv, now, &b, max);
  assert_true(*n < 0 || (size_t)*n == b.len);
  assert_true(*n < 0 || (size_t)*n <= max);
  parsed p = parse(&b, 0);
  ript_buf_free(&b);
  return p;
}

/* The length of one acknowledgement: all of ours have the same. */
static size_t ack_len(ript_media_role role) {
  ript_conv *conv = mk_conv(role, T0);
  ript_media_session *peer = mk_peer(other(role), T0);
  receive_from(conv, peer, 1, T0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_ssize n = ript_conv_write_acks(conv, T0, &b, SIZE_MAX);
  assert_true(n > 0);
  ript_buf_free(&b);
  ript_media_session_del(peer);
  ript_conv_del(conv);
  return (size_t)n;
}

/* The length of one of our media chunks before any acknowledgement. */
static size_t chunk_len(ript_media_role role) {
  ript_conv *conv = mk_conv(role, T0);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
  send_frame(conv, T0);
  ript_ssize n;
  parsed p = write_one(conv, T0, SIZE_MAX, &n);
  assert_int_equal(p.media, 1);
  ript_conv_del(conv);
  return (size_t)n;
}

static ript_conv_stats stats_of(const ript_conv *conv) {
  ript_conv_stats st;
  assert_int_equal(ript_conv_get_stats(conv, &st), 0);
  return st;
}

static ript_media_stats media_stats_of(const ript_conv *conv) {
  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(ript_conv_media(conv), &st), 0);
  return st;
}

/* Takes the next event; its type, or UNKNOWN when none is due. */
static ript_event_type take(ript_conv *conv, int64_t now, char *nonce,
                            size_t nonce_size) {
  ript_event ev;
  ript_event_init(&ev);
  int rv = ript_conv_take_event(conv, now, &ev);
  assert_true(rv == 0 || rv == 1);
  if (rv == 0)
    return RIPT_EVENT_UNKNOWN;
  ript_event_type t = ev.type;
  if (nonce)
    snprintf(nonce, nonce_size, "%s", ev.nonce ? ev.nonce : "");
  ript_event_free(&ev);
  return t;
}

static const ript_media_role roles[] = {RIPT_MEDIA_ROLE_CLIENT,
                                        RIPT_MEDIA_ROLE_SERVER};

/* ---- configuration ------------------------------------------------------- */

static void test_config_and_new(void **state) {
  (void)state;
  ript_conv_config c;
  memset(&c, 0xa5, sizeof(c));
  ript_conv_config_init(&c);
  assert_int_equal(c.ack_delay_ms, 20);
  assert_int_equal(c.replay_wait_ms, 60);
  assert_int_equal(c.ping_interval_ms, 5000);
  assert_int_equal(c.events_keep_ms, 5000);
  assert_int_equal(c.events_keep_max, 32);
  assert_int_equal(c.media.role, RIPT_MEDIA_ROLE_CLIENT);
  assert_int_equal(c.media.replay_window_ms, 5000);

  ript_conv *conv = (ript_conv *)&c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  assert_int_equal(ript_conv_new(NULL, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_new(&conv, NULL, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  c.ack_delay_ms = 0;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  c.replay_wait_ms = -1;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  c.ping_interval_ms = -1;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER);
  c.events_keep_ms = 0;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER);
  c.events_keep_max = 0;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* The session's own checks. */
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  c.media.replay_window_ms = 0;
  assert_int_equal(ript_conv_new(&conv, &c, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  assert_int_equal(ript_conv_new(&conv, &c, -1, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  /* What a role ignores is not checked. */
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER);
  c.replay_wait_ms = -1;
  c.ping_interval_ms = -1;
  conv = mk_conv_with(&c, T0, NULL);
  assert_non_null(ript_conv_media(conv));
  assert_null(ript_conv_media(NULL));
  ript_conv_del(conv);
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  c.events_keep_ms = 0;
  c.events_keep_max = 0;
  conv = mk_conv_with(&c, T0, NULL);
  ript_conv_del(conv);
  ript_conv_del(NULL);
}

static void test_arguments(void **state) {
  (void)state;
  ript_conv *client = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_conv *server = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_media_frame f = mk_frame(T0);
  ript_event ev;
  ript_event_init(&ev);
  ript_event_writer w;
  ript_event_writer_init(&w);
  uint8_t byte = 0;
  assert_int_equal(ript_conv_set_path(NULL, RIPT_CONV_PATH_NONE, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_path(client, RIPT_CONV_PATH_HELD, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_path(server, RIPT_CONV_PATH_BODY, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_path(client, (ript_conv_path)9, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_path(client, RIPT_CONV_PATH_BODY, -1),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_send(NULL, &f, T0), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_send(client, NULL, T0), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_send(client, &f, -1), RIPT_ERR_INVALID_ARGUMENT);
  f.source = 9; /* not in the directive */
  assert_int_equal(ript_conv_send(client, &f, T0), RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_forward(NULL, &byte, 1, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_forward(server, NULL, 1, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_forward(server, &byte, 0, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_write(NULL, T0, &b, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_write(client, T0, NULL, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_write(client, -1, &b, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_write_acks(NULL, T0, &b, 100),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_receive(NULL, &byte, 1, T0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_receive(client, NULL, 1, T0, NULL, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_announcement(client, &ev),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_set_announcement(server, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_open_events(client, T0, &w, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_open_events(server, T0, NULL, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_send_event(server, NULL, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  ev.type = (ript_event_type)99;
  assert_int_equal(ript_conv_send_event(client, &ev, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_event_received(NULL, &ev, T0),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_take_event(client, T0, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_get_stats(NULL, &(ript_conv_stats){0}),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_get_stats(client, NULL),
                   RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(ript_conv_check(NULL, T0), 0);
  assert_int_equal(ript_conv_next_deadline(NULL), INT64_MAX);
  ript_conv_set_signal(NULL, 1, T0);
  ript_conv_migrate(NULL, T0);
  /* A server without an announcement cannot open a reverse byway. */
  ript_conv_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER);
  ript_conv *bare = NULL;
  assert_int_equal(ript_conv_new(&bare, &c, T0, NULL), 0);
  assert_int_equal(ript_conv_open_events(bare, T0, &w, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_conv_del(bare);
  ript_buf_free(&b);
  ript_conv_del(client);
  ript_conv_del(server);
}

/* ---- acknowledgements ---------------------------------------------------- */

static void test_acks_ride_chunk(void **state) {
  (void)state;
  for (size_t r = 0; r < 2; ++r) {
    static const ript_conv_path paths[2][2] = {
        {RIPT_CONV_PATH_DATAGRAM, RIPT_CONV_PATH_BODY},
        {RIPT_CONV_PATH_DATAGRAM, RIPT_CONV_PATH_HELD}};
    for (size_t p = 0; p < 2; ++p) {
      ript_conv *conv = mk_conv(roles[r], T0);
      ript_media_session *peer = mk_peer(other(roles[r]), T0);
      assert_int_equal(ript_conv_set_path(conv, paths[r][p], T0), 0);
      receive_from(conv, peer, 3, T0);
      send_frame(conv, T0 + 5);
      ript_ssize n;
      parsed got = write_one(conv, T0 + 5, 1100, &n);
      assert_int_equal(got.media, 1);
      assert_int_equal(got.acks, 3);
      assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 0);
      /* Nothing is left: not even after the delay. */
      got = write_one(conv, T0 + 100, 1100, &n);
      assert_int_equal(n, 0);
      assert_int_equal(ript_conv_next_deadline(conv) > T0 + 100, 1);
      ript_media_session_del(peer);
      ript_conv_del(conv);
    }
  }
}

/* Acks alone after ack_delay_ms on datagrams and client bodies; never on a
 * server's held GETs, whose acks go in the answers to PUTs. */
static void test_acks_alone_after_delay(void **state) {
  (void)state;
  struct {
    ript_media_role role;
    ript_conv_path path;
    int alone;
  } cases[] = {{RIPT_MEDIA_ROLE_CLIENT, RIPT_CONV_PATH_DATAGRAM, 1},
               {RIPT_MEDIA_ROLE_CLIENT, RIPT_CONV_PATH_BODY, 1},
               {RIPT_MEDIA_ROLE_SERVER, RIPT_CONV_PATH_DATAGRAM, 1},
               {RIPT_MEDIA_ROLE_SERVER, RIPT_CONV_PATH_HELD, 0}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    ript_conv *conv = mk_conv(cases[i].role, T0);
    ript_media_session *peer = mk_peer(other(cases[i].role), T0);
    assert_int_equal(ript_conv_set_path(conv, cases[i].path, T0), 0);
    ript_conv_set_signal(conv, 1, T0);
    receive_from(conv, peer, 2, T0 + 100);
    /* A second arrival does not move the deadline. */
    receive_from(conv, peer, 1, T0 + 110);
    ript_ssize n;
    write_one(conv, T0 + 119, 1100, &n);
    assert_int_equal(n, 0);
    assert_int_equal(ript_conv_check(conv, T0 + 119), 0);
    if (cases[i].alone) {
      assert_int_equal(ript_conv_next_deadline(conv), T0 + 120);
      assert_int_equal(ript_conv_check(conv, T0 + 120), RIPT_CONV_FLAG_WRITE);
      assert_true(ript_conv_next_deadline(conv) > T0 + 120);
      parsed got = write_one(conv, T0 + 120, 1100, &n);
      assert_int_equal(got.media, 0);
      assert_int_equal(got.acks, 3);
    } else {
      /* Only the session's receive timer (a server ignores it). */
      assert_int_equal(ript_conv_next_deadline(conv), T0 + 5110);
      assert_int_equal(ript_conv_check(conv, T0 + 10000), 0);
      write_one(conv, T0 + 10000, 1100, &n);
      assert_int_equal(n, 0);
      /* The answer to a PUT carries them. */
      ript_buf b;
      ript_buf_init(&b, NULL);
      n = ript_conv_write_acks(conv, T0 + 10000, &b, SIZE_MAX);
      assert_true(n > 0);
      assert_int_equal(parse(&b, 0).acks, 3);
      ript_buf_free(&b);
    }
    assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 0);
    assert_true(ript_conv_next_deadline(conv) > T0 + 120);
    ript_media_session_del(peer);
    ript_conv_del(conv);
  }
  /* No path: nothing leaves, however long. */
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_media_session *peer = mk_peer(RIPT_MEDIA_ROLE_SERVER, T0);
  receive_from(conv, peer, 1, T0);
  ript_ssize n;
  write_one(conv, T0 + 1000, 1100, &n);
  assert_int_equal(n, 0);
  assert_int_equal(ript_conv_check(conv, T0 + 1000), 0);
  /* The path comes back long after the delay: they go at once. */
  assert_int_equal(ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 1000),
                   0);
  parsed got = write_one(conv, T0 + 1000, 1100, &n);
  assert_int_equal(got.acks, 1);
  ript_media_session_del(peer);
  ript_conv_del(conv);
}

/* The budget is kept exactly: with a chunk, beside it, and alone. */
static void test_packing_exact(void **state) {
  (void)state;
  for (size_t r = 0; r < 2; ++r) {
    size_t alen = ack_len(roles[r]), clen = chunk_len(roles[r]);
    for (size_t k = 0; k <= 4; ++k) {
      for (int minus = 0; minus <= 1; ++minus) {
        ript_conv *conv = mk_conv(roles[r], T0);
        ript_media_session *peer = mk_peer(other(roles[r]), T0);
        ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
        receive_from(conv, peer, 6, T0);
        send_frame(conv, T0);
        size_t max = clen + k * alen - (size_t)minus;
        ript_ssize n;
        parsed got = write_one(conv, T0, max, &n);
        if (k == 0 && minus) {
          /* Not even the chunk fits: it stays. */
          assert_int_equal(n, RIPT_ERR_NOBUF);
          assert_int_equal(got.media, 0);
          got = write_one(conv, T0, clen, &n);
          assert_int_equal(got.media, 1);
          assert_int_equal((size_t)n, clen);
        } else {
          assert_int_equal(got.media, 1);
          assert_int_equal(got.acks, k - (size_t)minus);
          assert_int_equal((size_t)n, clen + (k - (size_t)minus) * alen);
        }
        /* Alone, after the delay, in the same way. */
        size_t left = ript_media_pending_acks(ript_conv_media(conv));
        got = write_one(conv, T0 + 20, 2 * alen - 1, &n);
        assert_int_equal(got.acks, left ? 1 : 0);
        got = write_one(conv, T0 + 20, alen - 1, &n);
        assert_int_equal(n, 0);
        ript_media_session_del(peer);
        ript_conv_del(conv);
      }
    }
  }
}

/* ---- the backlog --------------------------------------------------------- */

/* A server replays at once when a carrier returns, oldest first; chunks
 * sent during the replay follow it. */
static void test_server_backlog(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_signal(conv, 1, T0);
  for (int i = 0; i < 3; ++i)
    send_frame(conv, T0 + 20 * i);
  ript_ssize n;
  write_one(conv, T0 + 60, 1100, &n);
  assert_int_equal(n, 0); /* no path */
  assert_int_equal(media_stats_of(conv).unacked, 3);
  assert_int_equal(ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 60), 0);
  assert_int_equal(ript_conv_check(conv, T0 + 60), RIPT_CONV_FLAG_WRITE);
  parsed got = write_one(conv, T0 + 60, SIZE_MAX, &n);
  assert_int_equal(got.media, 1);
  assert_int_equal(got.seq[0], 1000);
  send_frame(conv, T0 + 61); /* 1003, during the replay */
  got = write_one(conv, T0 + 62, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1001);
  got = write_one(conv, T0 + 62, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1002);
  got = write_one(conv, T0 + 62, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1003);
  write_one(conv, T0 + 62, SIZE_MAX, &n);
  assert_int_equal(n, 0);
  ript_conv_stats st = stats_of(conv);
  assert_int_equal(st.replays, 1);
  assert_int_equal(st.media_panics, 1);
  assert_int_equal(media_stats_of(conv).replayed, 3);

  /* The GETs run out in the middle of a replay: what is sent meanwhile is
   * kept and replayed after the rest. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 100);
  send_frame(conv, T0 + 100); /* 1004 */
  send_frame(conv, T0 + 120); /* 1005 */
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 130);
  got = write_one(conv, T0 + 130, SIZE_MAX, &n);
  assert_int_equal(got.media, 1);
  uint64_t first = got.seq[0];
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 131);
  send_frame(conv, T0 + 140); /* 1006 */
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 150);
  uint64_t seen[16];
  size_t nseen = 0;
  for (;;) {
    got = write_one(conv, T0 + 150, SIZE_MAX, &n);
    if (n == 0)
      break;
    assert_int_equal(got.media, 1);
    seen[nseen++] = got.seq[0];
    assert_true(nseen < 16);
  }
  /* With 1006 kept, every chunk not yet acknowledged is marked again
   * (nothing was acknowledged here), oldest first. */
  assert_int_equal(first, 1000);
  assert_int_equal(nseen, 7);
  for (size_t i = 0; i < nseen; ++i)
    assert_int_equal(seen[i], 1000 + i);
  /* Cut short without new chunks, a replay carries on where it was. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 160);
  send_frame(conv, T0 + 160); /* 1007 */
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 170);
  got = write_one(conv, T0 + 170, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1000);
  got = write_one(conv, T0 + 170, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1001);
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 171);
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 180);
  got = write_one(conv, T0 + 180, SIZE_MAX, &n);
  assert_int_equal(got.seq[0], 1002);
  ript_conv_del(conv);
}

/* A client replays at once before it ever migrated; after a migration it
 * waits for its first new chunk, or replay_wait_ms. */
static void test_client_backlog(void **state) {
  (void)state;
  for (int wait = 0; wait <= 1; ++wait) {
    ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
    send_frame(conv, T0);      /* 1000: early, before any path */
    send_frame(conv, T0 + 20); /* 1001 */
    ript_conv_set_path(conv, RIPT_CONV_PATH_BODY, T0 + 30);
    ript_ssize n;
    parsed got = write_one(conv, T0 + 30, 65536, &n);
    assert_int_equal(got.seq[0], 1000);
    got = write_one(conv, T0 + 30, 65536, &n);
    assert_int_equal(got.seq[0], 1001);
    write_one(conv, T0 + 30, 65536, &n);
    assert_int_equal(n, 0);

    ript_conv_migrate(conv, T0 + 40);
    send_frame(conv, T0 + 40); /* 1002, while migrating */
    ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 50);
    /* Nothing before the first new chunk ... */
    write_one(conv, T0 + 50, 1100, &n);
    assert_int_equal(n, 0);
    assert_int_equal(ript_conv_check(conv, T0 + 50), 0);
    assert_int_equal(ript_conv_next_deadline(conv), T0 + 110);
    if (wait) {
      /* ... or the wait. */
      write_one(conv, T0 + 109, 1100, &n);
      assert_int_equal(n, 0);
      assert_int_equal(ript_conv_check(conv, T0 + 110), RIPT_CONV_FLAG_WRITE);
      assert_true(ript_conv_next_deadline(conv) > T0 + 110);
      uint64_t want[] = {1000, 1001, 1002};
      for (size_t i = 0; i < 3; ++i) {
        got = write_one(conv, T0 + 110, 1100, &n);
        assert_int_equal(got.media, 1);
        assert_int_equal(got.seq[0], want[i]);
      }
    } else {
      send_frame(conv, T0 + 60); /* 1003: the first new chunk */
      send_frame(conv, T0 + 61); /* 1004 */
      uint64_t want[] = {1003, 1000, 1001, 1002, 1004};
      for (size_t i = 0; i < 5; ++i) {
        got = write_one(conv, T0 + 62, 1100, &n);
        assert_int_equal(got.media, 1);
        assert_int_equal(got.seq[0], want[i]);
      }
    }
    write_one(conv, T0 + 200, 1100, &n);
    assert_int_equal(n, 0);
    assert_int_equal(stats_of(conv).replays, 2);
    assert_int_equal(stats_of(conv).media_panics, 0);
    ript_conv_del(conv);
  }
}

/* A replayed chunk that does not fit stays, as a new one does. */
static void test_replay_nobuf(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  send_frame(conv, T0);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
  ript_ssize n;
  write_one(conv, T0, 10, &n);
  assert_int_equal(n, RIPT_ERR_NOBUF);
  parsed got = write_one(conv, T0, 1100, &n);
  assert_int_equal(got.media, 1);
  assert_int_equal(got.seq[0], 1000);
  ript_conv_del(conv);
}

static void test_media_panic(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_signal(conv, 1, T0);
  /* One per outage, however many chunks. */
  for (int i = 0; i < 5; ++i)
    send_frame(conv, T0 + 20 * i);
  assert_int_equal(take(conv, T0 + 100, NULL, 0), RIPT_EVENT_MEDIA_PANIC);
  assert_int_equal(take(conv, T0 + 100, NULL, 0), RIPT_EVENT_UNKNOWN);
  /* A carrier that carries only part of the backlog: still the same
   * outage. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 100);
  ript_ssize n;
  write_one(conv, T0 + 100, SIZE_MAX, &n);
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 101);
  send_frame(conv, T0 + 120);
  assert_int_equal(take(conv, T0 + 120, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 130);
  while (write_one(conv, T0 + 130, SIZE_MAX, &n).media)
    ;
  /* The outage is over; the next one has its own. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 140);
  send_frame(conv, T0 + 140);
  assert_int_equal(take(conv, T0 + 140, NULL, 0), RIPT_EVENT_MEDIA_PANIC);
  assert_int_equal(stats_of(conv).media_panics, 2);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 150);
  while (write_one(conv, T0 + 150, SIZE_MAX, &n).media)
    ;
  /* A chunk waiting when the carrier goes is kept, and panics. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 160);
  send_frame(conv, T0 + 160);
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 161);
  assert_int_equal(take(conv, T0 + 161, NULL, 0), RIPT_EVENT_MEDIA_PANIC);
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 170);
  while (write_one(conv, T0 + 170, SIZE_MAX, &n).media)
    ;

  /* A migration riptd asked for: no media-panic, and every chunk not yet
   * acknowledged goes again on the first new carrier. */
  uint64_t before = media_stats_of(conv).replayed;
  ript_conv_migrate(conv, T0 + 200);
  ript_conv_set_signal(conv, 0, T0 + 200);
  send_frame(conv, T0 + 200);
  send_frame(conv, T0 + 220);
  assert_int_equal(stats_of(conv).media_panics, 3);
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_conv_open_events(conv, T0 + 230, &w, &b), 0);
  assert_null(strstr((const char *)b.data, "media-panic"));
  ript_buf_free(&b);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 240);
  size_t replayed = 0;
  while (write_one(conv, T0 + 240, SIZE_MAX, &n).media)
    ++replayed;
  ript_media_stats ms = media_stats_of(conv);
  assert_int_equal(replayed, ms.unacked);
  assert_int_equal(ms.replayed - before, ms.unacked);
  /* After the migration's replay, outages panic again. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 300);
  send_frame(conv, T0 + 300);
  assert_int_equal(take(conv, T0 + 300, NULL, 0), RIPT_EVENT_MEDIA_PANIC);
  /* A client never says media-panic. */
  ript_conv *client = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_conv_set_signal(client, 1, T0);
  send_frame(client, T0);
  assert_int_equal(take(client, T0, NULL, 0), RIPT_EVENT_UNKNOWN);
  assert_int_equal(stats_of(client).media_panics, 0);
  ript_conv_del(client);
  ript_conv_del(conv);
}

/* ---- forwarded chunks ---------------------------------------------------- */

static void test_forward(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_media_session *peer = mk_peer(RIPT_MEDIA_ROLE_CLIENT, T0);
  static const uint8_t other_call[] = {0x01, 0x02, 0x03, 0x04, 0x05};
  /* No path: dropped. */
  assert_int_equal(ript_conv_forward(conv, other_call, 5, T0), RIPT_ERR_NOBUF);
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0);
  receive_from(conv, peer, 1, T0);
  assert_int_equal(ript_conv_forward(conv, other_call, 5, T0), 0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  /* Written exactly as it is, with the acks beside it. */
  ript_ssize n = ript_conv_write(conv, T0, &b, SIZE_MAX);
  assert_true(n > 5);
  assert_memory_equal(b.data, other_call, 5);
  assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 0);
  ript_buf_reset(&b);
  assert_int_equal(ript_conv_forward(conv, other_call, 5, T0), 0);
  assert_int_equal(ript_conv_write(conv, T0, &b, 4), RIPT_ERR_NOBUF);
  /* Waiting when the carrier goes: dropped, never replayed. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 10);
  /* And dropped while a backlog waits. */
  send_frame(conv, T0 + 20);
  ript_conv_set_path(conv, RIPT_CONV_PATH_HELD, T0 + 30);
  assert_int_equal(ript_conv_forward(conv, other_call, 5, T0 + 30),
                   RIPT_ERR_NOBUF);
  parsed got = write_one(conv, T0 + 30, SIZE_MAX, &n);
  assert_int_equal(got.media, 1);
  write_one(conv, T0 + 30, SIZE_MAX, &n);
  assert_int_equal(n, 0);
  assert_int_equal(media_stats_of(conv).replayed, 1);
  ript_conv_stats st = stats_of(conv);
  assert_int_equal(st.forwarded, 1);
  assert_int_equal(st.forward_dropped, 3);
  ript_buf_free(&b);
  ript_media_session_del(peer);
  ript_conv_del(conv);
}

/* ---- events -------------------------------------------------------------- */

/* The events of a reverse byway's body, in order. */
typedef struct body_events {
  size_t n;
  ript_event_type type[64];
  int64_t at[64];
  char nonce[64][16];
} body_events;

static int on_body_event(const ript_event *ev, void *user_data) {
  body_events *be = user_data;
  assert_true(be->n < 64);
  be->type[be->n] = ev->type;
  be->at[be->n] = ev->timestamp_ms;
  snprintf(be->nonce[be->n], sizeof(be->nonce[0]), "%s",
           ev->nonce ? ev->nonce : "");
  ++be->n;
  return 0;
}

static body_events open_byway(ript_conv *conv, int64_t now) {
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_conv_open_events(conv, now, &w, &b), 0);
  assert_int_equal(b.data[0], '[');
  body_events be;
  memset(&be, 0, sizeof(be));
  ript_event_parser *p = NULL;
  assert_int_equal(ript_event_parser_new(&p, on_body_event, &be, NULL, NULL),
                   0);
  assert_int_equal(ript_event_parser_feed(p, b.data, b.len, NULL), 0);
  ript_event_parser_del(p);
  ript_buf_free(&b);
  return be;
}

static void send_event(ript_conv *conv, ript_event_type type, int64_t now,
                       const char *nonce) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.name = type == RIPT_EVENT_UNKNOWN ? "x-transfer" : NULL;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = now;
  ev.call = call_uri;
  ev.nonce = nonce;
  assert_int_equal(ript_conv_send_event(conv, &ev, now), 0);
}

static void test_events_kept(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  /* While no reverse byway is open: state events are not kept (the
   * announcement carries the latest), the others are. */
  send_event(conv, RIPT_EVENT_ALERTING, T0 + 100, NULL);
  announce(conv, RIPT_EVENT_ALERTING, T0 + 100);
  send_event(conv, RIPT_EVENT_PONG, T0 + 200, "a");
  send_event(conv, RIPT_EVENT_UNKNOWN, T0 + 300, NULL);
  send_event(conv, RIPT_EVENT_ANSWERED, T0 + 400, NULL);
  announce(conv, RIPT_EVENT_ANSWERED, T0 + 400);
  assert_int_equal(take(conv, T0 + 500, NULL, 0), RIPT_EVENT_UNKNOWN);
  body_events be = open_byway(conv, T0 + 5200);
  assert_int_equal(be.n, 3);
  assert_int_equal(be.type[0], RIPT_EVENT_ANSWERED);
  assert_int_equal(be.at[0], T0 + 400);
  assert_int_equal(be.type[1], RIPT_EVENT_PONG); /* exactly 5000 ms old */
  assert_string_equal(be.nonce[1], "a");
  assert_int_equal(be.type[2], RIPT_EVENT_UNKNOWN);
  /* Kept events go to the first new byway only. */
  be = open_byway(conv, T0 + 5300);
  assert_int_equal(be.n, 1);
  assert_int_equal(be.type[0], RIPT_EVENT_ANSWERED);
  /* While a byway is open, events are taken, state events too. */
  send_event(conv, RIPT_EVENT_PONG, T0 + 5400, "b");
  assert_int_equal(ript_conv_check(conv, T0 + 5400), RIPT_CONV_FLAG_WRITE);
  char nonce[16];
  assert_int_equal(take(conv, T0 + 5400, nonce, sizeof(nonce)),
                   RIPT_EVENT_PONG);
  assert_string_equal(nonce, "b");
  assert_int_equal(take(conv, T0 + 5400, NULL, 0), RIPT_EVENT_UNKNOWN);
  send_event(conv, RIPT_EVENT_END, T0 + 5500, NULL);
  assert_int_equal(take(conv, T0 + 5500, NULL, 0), RIPT_EVENT_END);

  /* The signal goes down with events not taken: the non-state ones are
   * kept. */
  send_event(conv, RIPT_EVENT_MIGRATE, T0 + 6000, NULL);
  send_event(conv, RIPT_EVENT_DECLINED, T0 + 6000, NULL);
  ript_conv_set_signal(conv, 0, T0 + 6000);
  assert_int_equal(take(conv, T0 + 6000, NULL, 0), RIPT_EVENT_UNKNOWN);
  /* Aged out: the deadline, then gone. */
  assert_int_equal(ript_conv_next_deadline(conv), T0 + 11001);
  assert_int_equal(ript_conv_check(conv, T0 + 11000), 0);
  assert_int_equal(ript_conv_check(conv, T0 + 11001), 0);
  assert_int_equal(ript_conv_next_deadline(conv), INT64_MAX);
  be = open_byway(conv, T0 + 11001);
  assert_int_equal(be.n, 1);

  /* At most 32, the oldest give way. */
  ript_conv_set_signal(conv, 0, T0 + 12000);
  char n[16];
  for (int i = 0; i < 40; ++i) {
    snprintf(n, sizeof(n), "n%d", i);
    send_event(conv, RIPT_EVENT_PONG, T0 + 12000 + i, n);
  }
  be = open_byway(conv, T0 + 13000);
  assert_int_equal(be.n, 33);
  assert_string_equal(be.nonce[1], "n8");
  assert_string_equal(be.nonce[32], "n39");
  ript_conv_stats st = stats_of(conv);
  assert_int_equal(st.events_kept, 2 + 1 + 40);
  assert_int_equal(st.events_dropped, 1 + 8);
  ript_conv_del(conv);
}

static void test_events_config_limits(void **state) {
  (void)state;
  ript_conv_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_SERVER);
  c.events_keep_max = 2;
  c.events_keep_ms = 100;
  ript_conv *conv = mk_conv_with(&c, T0, NULL);
  send_event(conv, RIPT_EVENT_PONG, T0, "1");
  send_event(conv, RIPT_EVENT_PONG, T0 + 50, "2");
  send_event(conv, RIPT_EVENT_PONG, T0 + 60, "3");
  body_events be = open_byway(conv, T0 + 155);
  assert_int_equal(be.n, 2);
  assert_string_equal(be.nonce[1], "3");
  ript_conv_del(conv);
}

/* A client's events are handed out as they are queued, byway or not. */
static void test_client_events(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_event ev;
  ript_event_init(&ev);
  ev.type = RIPT_EVENT_END;
  ev.direction = RIPT_EVENT_DIR_C2S;
  ev.timestamp_ms = T0;
  ev.call = call_uri;
  ev.reason = "bye";
  assert_int_equal(ript_conv_send_event(conv, &ev, T0), 0);
  assert_int_equal(ript_conv_check(conv, T0), RIPT_CONV_FLAG_WRITE);
  ript_event got;
  assert_int_equal(ript_conv_take_event(conv, T0, &got), 1);
  assert_true(ript_event_equal(&got, &ev));
  ript_event_free(&got);
  /* A client has no reverse byway to open. */
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_conv_open_events(conv, T0, &w, &b),
                   RIPT_ERR_INVALID_ARGUMENT);
  ript_buf_free(&b);
  ript_conv_del(conv);
}

static void test_ping(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  /* Never while the signal is down. */
  assert_int_equal(ript_conv_next_deadline(conv), INT64_MAX);
  assert_int_equal(ript_conv_check(conv, T0 + 20000), 0);
  assert_int_equal(take(conv, T0 + 20000, NULL, 0), RIPT_EVENT_UNKNOWN);
  /* Up: the first is already due (5 s after the start). */
  ript_conv_set_signal(conv, 1, T0 + 20000);
  assert_int_equal(ript_conv_next_deadline(conv), T0 + 5000);
  assert_int_equal(ript_conv_check(conv, T0 + 20000), RIPT_CONV_FLAG_WRITE);
  assert_true(ript_conv_next_deadline(conv) > T0 + 20000);
  ript_event ev;
  ript_event_init(&ev);
  assert_int_equal(ript_conv_take_event(conv, T0 + 20000, &ev), 1);
  assert_int_equal(ev.type, RIPT_EVENT_PING);
  assert_int_equal(ev.direction, RIPT_EVENT_DIR_C2S);
  assert_int_equal(ev.timestamp_ms, T0 + 20000);
  assert_string_equal(ev.nonce, "p1");
  assert_null(ev.call); /* the binding names the call */
  ev.call = call_uri;
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_int_equal(ript_event_write(&ev, &b), 0);
  ript_buf_free(&b);
  ript_event_free(&ev);
  /* Every interval from then on. */
  assert_int_equal(ript_conv_next_deadline(conv), T0 + 25000);
  assert_int_equal(ript_conv_check(conv, T0 + 24999), 0);
  assert_int_equal(take(conv, T0 + 24999, NULL, 0), RIPT_EVENT_UNKNOWN);
  char nonce[16];
  assert_int_equal(take(conv, T0 + 25000, nonce, sizeof(nonce)),
                   RIPT_EVENT_PING);
  assert_string_equal(nonce, "p2");
  /* Down again: none. */
  ript_conv_set_signal(conv, 0, T0 + 26000);
  assert_int_equal(ript_conv_check(conv, T0 + 31000), 0);
  assert_int_equal(take(conv, T0 + 31000, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_set_signal(conv, 1, T0 + 31000);
  assert_int_equal(take(conv, T0 + 31000, nonce, sizeof(nonce)),
                   RIPT_EVENT_PING);
  assert_string_equal(nonce, "p3");
  /* After `end`, none. */
  ript_event end;
  ript_event_init(&end);
  end.type = RIPT_EVENT_END;
  end.direction = RIPT_EVENT_DIR_C2S;
  end.timestamp_ms = T0 + 32000;
  end.call = call_uri;
  assert_int_equal(ript_conv_send_event(conv, &end, T0 + 32000), 0);
  assert_int_equal(take(conv, T0 + 40000, NULL, 0), RIPT_EVENT_END);
  assert_int_equal(take(conv, T0 + 40000, NULL, 0), RIPT_EVENT_UNKNOWN);
  assert_int_equal(ript_conv_next_deadline(conv), INT64_MAX);
  assert_int_equal(stats_of(conv).pings, 3);
  ript_conv_del(conv);

  /* No pings at all with an interval of 0; a server never pings. */
  ript_conv_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  c.ping_interval_ms = 0;
  conv = mk_conv_with(&c, T0, NULL);
  ript_conv_set_signal(conv, 1, T0);
  assert_int_equal(take(conv, T0 + 60000, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_del(conv);
  conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_signal(conv, 1, T0);
  assert_int_equal(take(conv, T0 + 60000, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_del(conv);
}

static void test_pong(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_event ping;
  ript_event_init(&ping);
  ping.type = RIPT_EVENT_PING;
  ping.direction = RIPT_EVENT_DIR_C2S;
  ping.timestamp_ms = T0;
  ping.call = call_uri;
  ping.nonce = "n-17";
  ript_conv_set_signal(conv, 1, T0);
  assert_int_equal(ript_conv_event_received(conv, &ping, T0 + 1), 0);
  ript_event ev;
  assert_int_equal(ript_conv_take_event(conv, T0 + 1, &ev), 1);
  assert_int_equal(ev.type, RIPT_EVENT_PONG);
  assert_int_equal(ev.direction, RIPT_EVENT_DIR_S2C);
  assert_int_equal(ev.timestamp_ms, T0 + 1);
  assert_string_equal(ev.nonce, "n-17");
  assert_string_equal(ev.call, call_uri);
  ript_event_free(&ev);
  /* With no reverse byway open the pong is kept for the next. */
  ript_conv_set_signal(conv, 0, T0 + 2);
  assert_int_equal(ript_conv_event_received(conv, &ping, T0 + 3), 0);
  body_events be = open_byway(conv, T0 + 4);
  assert_int_equal(be.n, 2);
  assert_int_equal(be.type[1], RIPT_EVENT_PONG);
  assert_string_equal(be.nonce[1], "n-17");
  /* Other events ask for nothing. */
  ping.type = RIPT_EVENT_END;
  assert_int_equal(ript_conv_event_received(conv, &ping, T0 + 5), 0);
  assert_int_equal(take(conv, T0 + 5, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_stats st = stats_of(conv);
  assert_int_equal(st.pings, 2);
  assert_int_equal(st.pongs, 2);
  ript_conv_del(conv);

  /* A client counts pongs and media-panics. */
  conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_event in;
  ript_event_init(&in);
  in.direction = RIPT_EVENT_DIR_S2C;
  in.call = call_uri;
  in.type = RIPT_EVENT_PONG;
  assert_int_equal(ript_conv_event_received(conv, &in, T0), 0);
  in.type = RIPT_EVENT_MEDIA_PANIC;
  assert_int_equal(ript_conv_event_received(conv, &in, T0), 0);
  assert_int_equal(ript_conv_event_received(conv, &in, T0), 0);
  in.type = RIPT_EVENT_PING; /* not a client's business */
  assert_int_equal(ript_conv_event_received(conv, &in, T0), 0);
  st = stats_of(conv);
  assert_int_equal(st.pongs, 1);
  assert_int_equal(st.media_panics, 2);
  assert_int_equal(take(conv, T0, NULL, 0), RIPT_EVENT_UNKNOWN);
  ript_conv_del(conv);
}

/* ---- renegotiation and the client's timers ------------------------------- */

static void test_renegotiate(void **state) {
  (void)state;
  for (size_t r = 0; r < 2; ++r) {
    ript_conv_config c;
    mk_config(&c, roles[r]);
    ript_conv *conv = mk_conv_with(&c, T0, NULL);
    ript_media_session *peer = mk_peer(other(roles[r]), T0);
    send_frame(conv, T0); /* the backlog */
    ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
    send_frame(conv, T0 + 20); /* waiting */
    static const uint8_t fwd[] = {9, 9, 9};
    if (roles[r] == RIPT_MEDIA_ROLE_SERVER)
      ript_conv_set_signal(conv, 0, T0);
    receive_from(conv, peer, 2, T0 + 20);
    /* A bad configuration, and the wrong role: the old session stays. */
    ript_media_config bad = c.media;
    bad.replay_window_ms = 0;
    const ript_media_session *old = ript_conv_media(conv);
    assert_int_equal(ript_conv_renegotiate(conv, &bad, T0 + 30),
                     RIPT_ERR_INVALID_ARGUMENT);
    bad = c.media;
    bad.role = other(roles[r]);
    assert_int_equal(ript_conv_renegotiate(conv, &bad, T0 + 30),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_int_equal(ript_conv_renegotiate(conv, NULL, T0 + 30),
                     RIPT_ERR_INVALID_ARGUMENT);
    assert_ptr_equal(ript_conv_media(conv), old);
    assert_int_equal(ript_media_pending_acks(old), 2);
    /* Done: nothing of the old session goes any more. */
    assert_int_equal(ript_conv_renegotiate(conv, &c.media, T0 + 30), 0);
    assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 0);
    ript_ssize n;
    write_one(conv, T0 + 100, 1100, &n);
    assert_int_equal(n, 0);
    /* The path stays: new media goes at once. */
    send_frame(conv, T0 + 110);
    parsed got = write_one(conv, T0 + 110, 1100, &n);
    assert_int_equal(got.media, 1);
    assert_int_equal(got.seq[0], 1000);
    if (roles[r] == RIPT_MEDIA_ROLE_SERVER) {
      /* A forwarded chunk waiting is dropped too. */
      assert_int_equal(ript_conv_forward(conv, fwd, 3, T0 + 120), 0);
      assert_int_equal(ript_conv_renegotiate(conv, &c.media, T0 + 130), 0);
      assert_int_equal(stats_of(conv).forward_dropped, 1);
    }
    ript_media_session_del(peer);
    ript_conv_del(conv);
  }
}

typedef struct reentry {
  ript_conv *conv;
  const ript_media_config *media;
  int sent, renegotiate, receive;
} reentry;

static void on_frame_reenter(const ript_media_frame *f, void *user_data) {
  reentry *re = user_data;
  (void)f;
  ript_media_frame out = mk_frame(T0);
  re->sent = ript_conv_send(re->conv, &out, T0);
  re->renegotiate = ript_conv_renegotiate(re->conv, re->media, T0);
  uint8_t byte = 0;
  re->receive = ript_conv_receive(re->conv, &byte, 1, T0, NULL, NULL);
}

static void test_receive_callback(void **state) {
  (void)state;
  ript_conv_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  ript_conv *conv = mk_conv_with(&c, T0, NULL);
  ript_media_session *peer = mk_peer(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  ript_media_frame f = mk_frame(T0);
  assert_true(ript_media_send(peer, &f, T0, &b, NULL) > 0);
  reentry re = {conv, &c.media, 1, 1, 1};
  assert_int_equal(
      ript_conv_receive(conv, b.data, b.len, T0, on_frame_reenter, &re), 1);
  assert_int_equal(re.sent, 0);
  assert_int_equal(re.renegotiate, RIPT_ERR_INVALID_ARGUMENT);
  assert_int_equal(re.receive, RIPT_ERR_INVALID_ARGUMENT);
  ript_ssize n;
  parsed got = write_one(conv, T0, 1100, &n);
  assert_int_equal(got.media, 1);
  assert_int_equal(got.acks, 1);
  ript_buf_free(&b);
  ript_media_session_del(peer);
  ript_conv_del(conv);
}

/* §9.14 timers: a client is told to migrate only while it has a path;
 * timers that ran out with none say nothing about the next. A server is
 * never told. */
static void test_migration_timers(void **state) {
  (void)state;
  ript_conv *conv = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0);
  send_frame(conv, T0);
  ript_ssize n;
  write_one(conv, T0, 1100, &n);
  assert_int_equal(ript_conv_next_deadline(conv), T0 + 1000);
  assert_int_equal(ript_conv_check(conv, T0 + 999), 0);
  assert_int_equal(ript_conv_check(conv, T0 + 1000), RIPT_CONV_FLAG_MIGRATE);
  ript_conv_migrate(conv, T0 + 1000);
  /* With no path: no timers, no deadline of the session's. */
  send_frame(conv, T0 + 1020);
  assert_int_equal(ript_conv_next_deadline(conv), INT64_MAX);
  assert_int_equal(ript_conv_check(conv, T0 + 4000), 0);
  /* The path back: the timer that ran out meanwhile is not reported. */
  ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 4000);
  assert_int_equal(ript_conv_check(conv, T0 + 4000) & RIPT_CONV_FLAG_MIGRATE,
                   0);
  ript_conv_del(conv);

  ript_conv *server = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_path(server, RIPT_CONV_PATH_DATAGRAM, T0);
  send_frame(server, T0);
  write_one(server, T0, 1100, &n);
  assert_int_equal(ript_conv_next_deadline(server), T0 + 1000);
  assert_int_equal(ript_conv_check(server, T0 + 1000), 0);
  assert_true(ript_conv_next_deadline(server) > T0 + 1000);
  ript_conv_del(server);
}

/* ---- both ends wired ----------------------------------------------------- */

typedef struct counted {
  size_t n;
  uint64_t last;
  int in_order;
} counted;

static void on_count(const ript_media_frame *f, void *user_data) {
  counted *c = user_data;
  ++c->n;
  c->last = f->sequence;
}

/* Writes everything due from |from| and delivers it to |to|. */
static void pump(ript_conv *from, ript_conv *to, int64_t now, size_t max,
                 counted *seen) {
  for (;;) {
    ript_buf b;
    ript_buf_init(&b, NULL);
    ript_ssize n = ript_conv_write(from, now, &b, max);
    assert_true(n >= 0 && (size_t)n <= max);
    if (n > 0)
      assert_true(ript_conv_receive(to, b.data, b.len, now, on_count, seen) >=
                  0);
    ript_buf_free(&b);
    if (n == 0)
      break;
  }
}

/* A call of 10 s, 20 ms frames each way on datagrams, with a break of
 * 2 s in the middle (the client migrates): every frame arrives exactly
 * once, and everything is acknowledged in the end. */
static void test_wired(void **state) {
  (void)state;
  ript_conv *client = mk_conv(RIPT_MEDIA_ROLE_CLIENT, T0);
  ript_conv *server = mk_conv(RIPT_MEDIA_ROLE_SERVER, T0);
  ript_conv_set_path(client, RIPT_CONV_PATH_DATAGRAM, T0);
  ript_conv_set_path(server, RIPT_CONV_PATH_DATAGRAM, T0);
  counted at_server = {0}, at_client = {0};
  size_t frames = 0;
  for (int64_t t = T0; t < T0 + 10000; t += 5) {
    int64_t ms = t - T0;
    if (ms == 4000) {
      ript_conv_set_path(server, RIPT_CONV_PATH_NONE, t);
      ript_conv_migrate(client, t);
    }
    if (ms == 6000) {
      ript_conv_set_path(server, RIPT_CONV_PATH_DATAGRAM, t);
      ript_conv_set_path(client, RIPT_CONV_PATH_DATAGRAM, t);
    }
    if (ms % 20 == 0) {
      send_frame(client, t);
      send_frame(server, t);
      ++frames;
    }
    ript_conv_check(client, t);
    ript_conv_check(server, t);
    if (ms < 4000 || ms >= 6000) {
      pump(client, server, t, 1100, &at_server);
      pump(server, client, t, 1100, &at_client);
    }
  }
  for (int64_t t = T0 + 10000; t <= T0 + 10100; t += 5) {
    ript_conv_check(client, t);
    ript_conv_check(server, t);
    pump(client, server, t, 1100, &at_server);
    pump(server, client, t, 1100, &at_client);
  }
  assert_int_equal(at_server.n, frames);
  assert_int_equal(at_client.n, frames);
  assert_int_equal(media_stats_of(client).unacked, 0);
  assert_int_equal(media_stats_of(server).unacked, 0);
  assert_int_equal(media_stats_of(client).expired, 0);
  assert_int_equal(stats_of(server).media_panics, 1);
  ript_conv_del(client);
  ript_conv_del(server);
}

/* ---- out of memory ------------------------------------------------------- */

static void test_oom_new(void **state) {
  (void)state;
  for (size_t r = 0; r < 2; ++r) {
    ript_conv_config c;
    mk_config(&c, roles[r]);
    long fail;
    for (fail = 0;; ++fail) {
      ript_test_failmem fm;
      ript_test_failmem_init(&fm, fail);
      ript_conv *conv = NULL;
      int rv = ript_conv_new(&conv, &c, T0, &fm.mem);
      if (rv == 0) {
        ript_conv_del(conv);
        break;
      }
      assert_int_equal(rv, RIPT_ERR_NOMEM);
      assert_null(conv);
    }
    assert_int_equal(fail, 2);
  }
}

/* Runs |op| with every allocation failing in turn until it succeeds; each
 * failure must be RIPT_ERR_NOMEM. Returns how many failed. */
#define OOM_LOOP(fm, op)                                                       \
  do {                                                                         \
    for (long k_ = 0;; ++k_) {                                                 \
      (fm).fail_after = (fm).allocs + k_;                                      \
      long rv_ = (long)(op);                                                   \
      if (rv_ >= 0)                                                            \
        break;                                                                 \
      assert_int_equal(rv_, RIPT_ERR_NOMEM);                                   \
      assert_true(k_ < 32);                                                    \
    }                                                                          \
    (fm).fail_after = -1;                                                      \
  } while (0)

static int oom_send(ript_conv *conv, int64_t now) {
  ript_media_frame f = mk_frame(now);
  return ript_conv_send(conv, &f, now);
}

static int oom_event(ript_conv *conv, ript_event_type type, int64_t now) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = type;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = now;
  ev.call = call_uri;
  ev.nonce = "x";
  return ript_conv_send_event(conv, &ev, now);
}

static int oom_announce(ript_conv *conv, int64_t now) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = RIPT_EVENT_ANSWERED;
  ev.direction = RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = now;
  ev.call = call_uri;
  return ript_conv_set_announcement(conv, &ev);
}

static int oom_ping(ript_conv *conv, int64_t now) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = RIPT_EVENT_PING;
  ev.direction = RIPT_EVENT_DIR_C2S;
  ev.timestamp_ms = now;
  ev.call = call_uri;
  ev.nonce = "y";
  return ript_conv_event_received(conv, &ev, now);
}

static int oom_open(ript_conv *conv, int64_t now, const ript_mem *mem) {
  ript_event_writer w;
  ript_event_writer_init(&w);
  ript_buf b;
  ript_buf_init(&b, mem);
  int rv = ript_conv_open_events(conv, now, &w, &b);
  assert_true(rv == 0 || b.len == 0);
  ript_buf_free(&b);
  return rv;
}

static ript_ssize oom_write(ript_conv *conv, int64_t now, const ript_mem *mem,
                            size_t *media) {
  ript_buf b;
  ript_buf_init(&b, mem);
  ript_ssize n = ript_conv_write(conv, now, &b, 1100);
  assert_true(n < 0 ? b.len == 0 : (size_t)n == b.len);
  if (n > 0)
    *media += parse(&b, 0).media;
  ript_buf_free(&b);
  return n;
}

static int oom_take(ript_conv *conv, int64_t now) {
  ript_event ev;
  ript_event_init(&ev);
  int rv = ript_conv_take_event(conv, now, &ev);
  ript_event_free(&ev);
  return rv;
}

static void test_oom_operations(void **state) {
  (void)state;
  for (size_t r = 0; r < 2; ++r) {
    ript_test_failmem fm;
    ript_test_failmem_init(&fm, -1);
    ript_conv_config c;
    mk_config(&c, roles[r]);
    bool server = roles[r] == RIPT_MEDIA_ROLE_SERVER;
    ript_conv *conv = mk_conv_with(&c, T0, &fm.mem);
    ript_media_session *peer = mk_peer(other(roles[r]), T0);
    /* Kept while no path. A server's media-panic may fail where the
     * chunk is kept: the next chunk tries again, until one is made. */
    long k;
    for (k = 0; server && stats_of(conv).media_panics == 0; ++k) {
      fm.fail_after = fm.allocs + k;
      int rv = oom_send(conv, T0);
      assert_true(rv == 0 || rv == RIPT_ERR_NOMEM);
      assert_true(k < 32);
    }
    fm.fail_after = -1;
    assert_true(!server || k > 3);
    OOM_LOOP(fm, oom_send(conv, T0 + 20));
    /* Queued on a path. */
    ript_conv_set_path(conv, RIPT_CONV_PATH_DATAGRAM, T0 + 30);
    OOM_LOOP(fm, oom_send(conv, T0 + 40));
    /* Receive never fails for memory: an ack that cannot be owed is
     * dropped. */
    for (int i = 0; i < 2; ++i) {
      ript_buf in;
      ript_buf_init(&in, NULL);
      ript_media_frame f = mk_frame(T0 + 40);
      assert_true(ript_media_send(peer, &f, T0 + 40, &in, NULL) > 0);
      fm.fail_after = i == 0 ? fm.allocs : -1;
      assert_int_equal(
          ript_conv_receive(conv, in.data, in.len, T0 + 40, NULL, NULL), 1);
      fm.fail_after = -1;
      ript_buf_free(&in);
    }
    assert_int_equal(media_stats_of(conv).acks_dropped, 1);
    assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 1);
    /* Write everything out: the backlog, the new chunk, the acks (alone
     * once their delay is up, if they could not ride). */
    size_t media = 0;
    for (;;) {
      ript_ssize n = 0;
      OOM_LOOP(fm, n = oom_write(conv, T0 + 60, &fm.mem, &media));
      if (n == 0)
        break;
    }
    assert_int_equal(media, media_stats_of(conv).sent);
    assert_int_equal(ript_media_pending_acks(ript_conv_media(conv)), 0);
    /* Forwarding. */
    static const uint8_t fwd[] = {1, 2, 3};
    OOM_LOOP(fm, ript_conv_forward(conv, fwd, 3, T0 + 50));
    ript_conv_set_path(conv, RIPT_CONV_PATH_NONE, T0 + 60);
    /* Events. */
    if (server) {
      OOM_LOOP(fm, oom_announce(conv, T0 + 60));
      OOM_LOOP(fm, oom_event(conv, RIPT_EVENT_PONG, T0 + 60));
      OOM_LOOP(fm, oom_ping(conv, T0 + 61));
      OOM_LOOP(fm, oom_open(conv, T0 + 62, &fm.mem));
      OOM_LOOP(fm, oom_event(conv, RIPT_EVENT_MIGRATE, T0 + 63));
      for (int i = 0; i < 10; ++i)
        OOM_LOOP(fm, oom_event(conv, RIPT_EVENT_PONG, T0 + 64));
      ript_conv_set_signal(conv, 0, T0 + 65);
      OOM_LOOP(fm, oom_open(conv, T0 + 66, &fm.mem));
    } else {
      OOM_LOOP(fm, oom_event(conv, RIPT_EVENT_END, T0 + 60));
      ript_conv_set_signal(conv, 1, T0 + 60);
    }
    ript_conv_stats st = stats_of(conv);
    if (server) {
      assert_int_equal(st.media_panics, 1);
      assert_true(st.events_kept >= 3);
    }
    /* Take hands over what was queued and allocates nothing. */
    if (server) {
      OOM_LOOP(fm, oom_event(conv, RIPT_EVENT_PONG, T0 + 70));
      OOM_LOOP(fm, oom_ping(conv, T0 + 70));
    }
    fm.fail_after = fm.allocs;
    assert_int_equal(oom_take(conv, T0 + 70), 1);
    assert_int_equal(oom_take(conv, T0 + 70), server ? 1 : 0);
    assert_int_equal(oom_take(conv, T0 + 70), 0);
    fm.fail_after = -1;
    ript_conv_del(conv);
    ript_media_session_del(peer);
  }
  ript_test_failmem fm;
  ript_test_failmem_init(&fm, -1);
  ript_conv_config c;
  mk_config(&c, RIPT_MEDIA_ROLE_CLIENT);
  ript_conv *conv = mk_conv_with(&c, T0, &fm.mem);
  ript_conv_set_signal(conv, 1, T0);
  int taken = 0;
  OOM_LOOP(fm, taken = oom_take(conv, T0 + 5000));
  assert_int_equal(taken, 1);
  assert_int_equal(stats_of(conv).pings, 1);
  /* A renegotiation that fails for memory keeps the old session. */
  const ript_media_session *old = ript_conv_media(conv);
  fm.fail_after = fm.allocs;
  assert_int_equal(ript_conv_renegotiate(conv, &c.media, T0 + 5000),
                   RIPT_ERR_NOMEM);
  fm.fail_after = -1;
  assert_ptr_equal(ript_conv_media(conv), old);
  ript_conv_del(conv);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_config_and_new),
      cmocka_unit_test(test_arguments),
      cmocka_unit_test(test_acks_ride_chunk),
      cmocka_unit_test(test_acks_alone_after_delay),
      cmocka_unit_test(test_packing_exact),
      cmocka_unit_test(test_server_backlog),
      cmocka_unit_test(test_client_backlog),
      cmocka_unit_test(test_replay_nobuf),
      cmocka_unit_test(test_media_panic),
      cmocka_unit_test(test_forward),
      cmocka_unit_test(test_events_kept),
      cmocka_unit_test(test_events_config_limits),
      cmocka_unit_test(test_client_events),
      cmocka_unit_test(test_ping),
      cmocka_unit_test(test_pong),
      cmocka_unit_test(test_renegotiate),
      cmocka_unit_test(test_receive_callback),
      cmocka_unit_test(test_migration_timers),
      cmocka_unit_test(test_wired),
      cmocka_unit_test(test_oom_new),
      cmocka_unit_test(test_oom_operations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
