/*
 * Media sessions over a simulated network: a client and a server session
 * back to back, every body a datagram that carries one media chunk and the
 * acknowledgements owed, through a network that loses, duplicates, delays
 * and reorders them, driven by a seeded PRNG so every run is the same.
 * A tap reads every datagram on delivery (it holds all keys) to know which
 * acknowledgements arrived, so the sessions' figures can be checked exactly.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ript/codec.h"
#include "ript/media.h"
#include "testutil.h"

#define TS0 INT64_C(1581292800000)
#define SIM_MAX 1024  /* chunks per side */
#define FRAME_LEN 160 /* 20 ms of PCMU */

static const char master[] = "ript example master secret";

typedef struct sim_pkt {
  struct sim_pkt *next;
  int64_t at;
  int to;
  size_t len;
  uint8_t data[];
} sim_pkt;

typedef struct sim_side {
  ript_media_session *s;
  uint64_t first_seq;           /* of this side's stream */
  uint64_t peer_first_seq;      /* of the stream it receives */
  unsigned copies[SIM_MAX];     /* own chunk i: copies the network carried */
  unsigned delivered[SIM_MAX];  /* peer chunk i: times delivered here */
  bool acked[SIM_MAX];          /* own chunk i: an ack of it arrived here */
  uint64_t ack_chunks;          /* acks that arrived here */
  uint64_t full_seq, short_seq; /* media chunks arriving here, by length */
  int64_t delay_min, delay_max; /* one-way delays of delivered frames */
  int flags;                    /* every ript_media_check result, or-ed */
} sim_side;

typedef struct sim {
  uint64_t rng;
  unsigned loss_pct, dup_pct;
  int64_t delay_min, delay_max;
  int64_t down_from, down_until; /* everything sent in between is lost */
  bool relay;                    /* through a relay without keys */
  uint64_t relayed;
  ript_chunk_key keys[2]; /* client's (id 1), server's (id 2) */
  size_t nkeys;           /* 0: the NULL cipher */
  sim_pkt *queue;         /* by delivery time, stable */
  sim_side side[2];       /* 0 client, 1 server */
} sim;

/* splitmix64 */
static uint64_t sim_rand(sim *m) {
  uint64_t z = (m->rng += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void sim_init(sim *m, uint64_t seed, unsigned loss, unsigned dup,
                     int64_t dmin, int64_t dmax) {
  memset(m, 0, sizeof(*m));
  m->rng = seed;
  m->loss_pct = loss;
  m->dup_pct = dup;
  m->delay_min = dmin;
  m->delay_max = dmax;
  m->down_from = m->down_until = -1;
  for (int i = 0; i < 2; ++i) {
    m->side[i].delay_min = INT64_MAX;
    m->side[i].delay_max = INT64_MIN;
  }
}

/* Keys per sender from one master secret: client id 1, server id 2. */
static void sim_use_keys(sim *m) {
  for (uint32_t i = 0; i < 2; ++i)
    assert_int_equal(
        ript_chunk_key_derive(&m->keys[i], i + 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                              (const uint8_t *)master, strlen(master), 16),
        0);
  m->nkeys = 2;
}

/* Both sessions: one PCMU stream 1 to 1 each way. */
static void sim_sessions(sim *m, uint64_t client_first, uint64_t server_first) {
  uint64_t first[2] = {client_first, server_first};
  for (int who = 0; who < 2; ++who) {
    ript_media_stream tx, rx;
    memset(&tx, 0, sizeof(tx));
    tx.source = tx.sink = 1;
    tx.payload_type = RIPT_PT_PCMU;
    tx.initial_sequence = first[who];
    rx = tx;
    ript_media_config c;
    ript_media_config_init(&c);
    c.role = who == 0 ? RIPT_MEDIA_ROLE_CLIENT : RIPT_MEDIA_ROLE_SERVER;
    c.tx_streams = &tx;
    c.ntx_streams = 1;
    c.rx_streams = &rx;
    c.nrx_streams = 1;
    c.initial_control_sequence = 1000 * (uint64_t)(who + 1);
    if (m->nkeys) {
      c.tx_key = &m->keys[who];
      c.rx_keys = &m->keys[1 - who];
      c.nrx_keys = 1;
    }
    assert_int_equal(ript_media_session_new(&m->side[who].s, &c, TS0, NULL), 0);
    m->side[who].first_seq = first[who];
    m->side[1 - who].peer_first_seq = first[who];
  }
}

static void sim_free(sim *m) {
  while (m->queue) {
    sim_pkt *p = m->queue;
    m->queue = p->next;
    free(p);
  }
  for (int i = 0; i < 2; ++i)
    ript_media_session_del(m->side[i].s);
  for (size_t i = 0; i < m->nkeys; ++i)
    ript_chunk_key_free(&m->keys[i]);
}

static void sim_enqueue(sim *m, int to, const ript_buf *b, int64_t at) {
  sim_pkt *p = malloc(sizeof(*p) + b->len);
  assert_non_null(p);
  p->at = at;
  p->to = to;
  p->len = b->len;
  memcpy(p->data, b->data, b->len);
  sim_pkt **q = &m->queue;
  while (*q && (*q)->at <= at)
    q = &(*q)->next;
  p->next = *q;
  *q = p;
}

/* Puts a datagram on the network at |t|; returns how many copies it
 * carries (0: lost). */
static unsigned sim_send(sim *m, int to, const ript_buf *b, int64_t t) {
  bool down = t >= m->down_from && t < m->down_until;
  unsigned copies = sim_rand(m) % 100 < m->loss_pct ? 0 : 1;
  if (copies && sim_rand(m) % 100 < m->dup_pct)
    copies = 2;
  if (down)
    copies = 0;
  for (unsigned i = 0; i < copies; ++i) {
    int64_t span = m->delay_max - m->delay_min + 1;
    int64_t delay = m->delay_min + (int64_t)(sim_rand(m) % (uint64_t)span);
    sim_enqueue(m, to, b, t + delay);
  }
  return copies;
}

/* Opens a copy of the chunk at |p| with all keys; 0 or the error. */
static int tap_open(sim *m, const uint8_t *p, size_t n, ript_chunk *c,
                    uint8_t *scratch) {
  memcpy(scratch, p, n);
  assert_int_equal(ript_chunk_parse(c, scratch, n, NULL), (ript_ssize)n);
  ript_chunk_stream_rx rx;
  ript_chunk_stream_rx_init(&rx);
  rx.valid = true; /* the tap only needs acks, which are never truncated */
  assert_int_equal(ript_chunk_stream_rx_expand(&rx, c), 0);
  return ript_chunk_open(c, m->keys, m->nkeys, NULL);
}

/* The tap and the relay: every chunk of a datagram about to be delivered. */
static void sim_inspect(sim *m, const sim_pkt *p) {
  sim_side *to = &m->side[p->to];
  uint8_t *scratch = malloc(p->len);
  assert_non_null(scratch);
  for (size_t off = 0; off < p->len;) {
    ript_chunk c;
    memcpy(scratch, p->data + off, p->len - off);
    ript_ssize n = ript_chunk_parse(&c, scratch, p->len - off, NULL);
    assert_true(n > 0);
    if (m->relay) {
      /* A relay reads the envelope (to route on source and sink) but
       * cannot open the chunk: it forwards the bytes unchanged. */
      assert_true(c.has_key_id);
      ript_chunk_stream_rx rx;
      ript_chunk_stream_rx_init(&rx);
      rx.valid = true;
      assert_int_equal(ript_chunk_stream_rx_expand(&rx, &c), 0);
      assert_int_equal(ript_chunk_open(&c, NULL, 0, NULL),
                       RIPT_ERR_UNKNOWN_KEY);
      ++m->relayed;
    }
    if (c.kind == RIPT_CHUNK_KIND_MEDIA) {
      if (c.sequence_len == 8)
        ++to->full_seq;
      else
        ++to->short_seq;
      assert_true(c.sequence_len >= 2);
    } else {
      assert_int_equal(tap_open(m, p->data + off, (size_t)n, &c, scratch), 0);
      uint64_t i = c.ack.sequence - to->first_seq;
      assert_true(i < SIM_MAX);
      to->acked[i] = true;
      ++to->ack_chunks;
    }
    off += (size_t)n;
  }
  free(scratch);
}

static void sim_on_frame(const ript_media_frame *f, void *user_data) {
  sim_side *me = user_data;
  uint64_t i = f->sequence - me->peer_first_seq;
  assert_true(i < SIM_MAX);
  ++me->delivered[i];
  /* Chunk i was sampled at +20 i ms: the timestamp expanded right. */
  assert_int_equal(f->timestamp, (uint64_t)TS0 + 20 * i);
  assert_int_equal(f->media_len, FRAME_LEN);
  assert_int_equal(f->media[0], (uint8_t)i);
  if (f->delay_ms < me->delay_min)
    me->delay_min = f->delay_ms;
  if (f->delay_ms > me->delay_max)
    me->delay_max = f->delay_ms;
}

static void sim_deliver(sim *m, int64_t t) {
  while (m->queue && m->queue->at <= t) {
    sim_pkt *p = m->queue;
    m->queue = p->next;
    sim_inspect(m, p);
    sim_side *to = &m->side[p->to];
    assert_true(ript_media_receive(to->s, p->data, p->len, TS0 + t,
                                   sim_on_frame, to) >= 0);
    free(p);
  }
}

/* Side |who| sends its chunk |i| at |t| with the acks it owes. */
static void sim_send_chunk(sim *m, int who, size_t i, int64_t t) {
  uint8_t media[FRAME_LEN];
  memset(media, (int)(i & 0xff), sizeof(media));
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = f.sink = 1;
  f.payload_type = RIPT_PT_PCMU;
  f.timestamp = (uint64_t)(TS0 + t);
  f.media = media;
  f.media_len = sizeof(media);
  ript_buf b;
  ript_buf_init(&b, NULL);
  uint64_t seq;
  assert_true(ript_media_send(m->side[who].s, &f, TS0 + t, &b, &seq) > 0);
  assert_int_equal(seq, m->side[who].first_seq + i);
  assert_true(ript_media_take_acks(m->side[who].s, TS0 + t, &b, 0) >= 0);
  m->side[who].copies[i] += sim_send(m, 1 - who, &b, t);
  ript_buf_free(&b);
}

/* After a break: every kept chunk again, one per datagram, the acks owed
 * with the first. */
static void sim_replay(sim *m, int who, int64_t t) {
  ript_media_session *s = m->side[who].s;
  ript_media_replay_start(s, TS0 + t);
  ript_buf b;
  ript_buf_init(&b, NULL);
  assert_true(ript_media_take_acks(s, TS0 + t, &b, 0) >= 0);
  while (ript_media_replay(s, TS0 + t, &b, 1) > 0) {
    sim_send(m, 1 - who, &b, t);
    ript_buf_reset(&b);
  }
  ript_buf_free(&b);
}

/* Both sides send |n| chunks, one every 20 ms from +0; the run goes on
 * until +|end| ms to let the network drain. */
static void sim_run(sim *m, size_t n, int64_t end) {
  assert_true(n <= SIM_MAX);
  for (int64_t t = 0; t <= end; ++t) {
    sim_deliver(m, t);
    if (t == m->down_until)
      for (int who = 0; who < 2; ++who)
        sim_replay(m, who, t);
    if (t % 20 == 0 && (size_t)(t / 20) < n)
      for (int who = 0; who < 2; ++who)
        sim_send_chunk(m, who, (size_t)(t / 20), t);
    for (int who = 0; who < 2; ++who)
      m->side[who].flags |= ript_media_check(m->side[who].s, TS0 + t);
  }
  assert_null(m->queue);
}

static ript_media_stats sim_stats(const sim *m, int who) {
  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(m->side[who].s, &st), 0);
  return st;
}

/* Everything |me| received of its peer's |n| chunks, exactly. */
static void check_receiving(const sim *m, int who, size_t n) {
  const sim_side *me = &m->side[who], *peer = &m->side[1 - who];
  ript_media_stats st = sim_stats(m, who);
  uint64_t distinct = 0, copies = 0, lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < n; ++i) {
    assert_int_equal(me->delivered[i], peer->copies[i] ? 1 : 0);
    if (!peer->copies[i])
      continue;
    ++distinct;
    copies += peer->copies[i];
    lo = i < lo ? i : lo;
    hi = i > hi ? i : hi;
  }
  assert_int_equal(st.received, distinct);
  assert_int_equal(st.received_bytes, distinct * FRAME_LEN);
  assert_int_equal(st.duplicates, copies - distinct);
  assert_int_equal(st.expected, hi - lo + 1);
  assert_int_equal(st.lost, hi - lo + 1 - distinct);
  /* Every copy received is owed an ack: taken, or still owed. */
  assert_int_equal(st.acks_sent + ript_media_pending_acks(me->s), copies);
  assert_int_equal(st.acks_dropped, 0);
  assert_int_equal(st.failed_total, 0);
  assert_true(me->delay_min >= m->delay_min);
  assert_true(me->delay_max <= m->delay_max);
}

/* What |me| learnt about its own |n| chunks from acks, exactly. */
static void check_sending(const sim *m, int who, size_t n) {
  const sim_side *me = &m->side[who];
  ript_media_stats st = sim_stats(m, who);
  uint64_t acked = 0;
  for (size_t i = 0; i < n; ++i)
    acked += me->acked[i];
  assert_int_equal(st.sent, n);
  assert_int_equal(st.sent_bytes, n * FRAME_LEN);
  assert_int_equal(st.acked, acked);
  assert_int_equal(st.acks_received, me->ack_chunks);
  assert_int_equal(st.acks_unmatched, me->ack_chunks - acked);
  assert_int_equal(st.sent, st.acked + st.unacked + st.expired);
  assert_int_equal(st.overflowed, 0);
}

/* ---- tests --------------------------------------------------------------- */

/* 10 s of 20 ms chunks each way, 5 % loss, 5 % duplication, 10-60 ms delay
 * (so datagrams overtake each other). */
static void test_loss_duplication_reordering(void **state) {
  (void)state;
  sim m;
  sim_init(&m, 20260218, 5, 5, 10, 60);
  sim_sessions(&m, 7000, 123456789);
  sim_run(&m, 500, 10000 + 200);
  for (int who = 0; who < 2; ++who) {
    check_receiving(&m, who, 500);
    check_sending(&m, who, 500);
    ript_media_stats st = sim_stats(&m, who);
    /* The network did what the test claims. */
    assert_true(st.lost > 10 && st.lost < 50);
    assert_true(st.duplicates > 10 && st.duplicates < 50);
    assert_int_equal(st.replayed, 0);
    /* Lost chunks and chunks whose ack was lost expired after 5 s. */
    assert_true(st.expired > 0);
    assert_int_equal(st.rtt_samples, st.acked);
    /* An ack rides the next chunk the other way, up to 20 ms later. */
    assert_true(st.rtt_min_ms >= 2 * 10);
    assert_true(st.rtt_max_ms <= 2 * 60 + 20);
    assert_true(st.srtt_ms >= 20 && st.srtt_ms <= 140);
    assert_true(st.jitter_ms > 1 && st.jitter_ms < 50);
    /* Steady media both ways: no timer fired. */
    assert_int_equal(m.side[who].flags, 0);
    assert_true(m.side[who].short_seq > 400);
  }
  sim_free(&m);
}

/* Sequence numbers from 2^16 - 200 to 2^16 + 299: 2-byte truncated values
 * wrap around 0xffff -> 0x0000 and still expand right (the frame callback
 * checks each timestamp too). */
static void test_sequence_crosses_2_16(void **state) {
  (void)state;
  sim m;
  sim_init(&m, 7, 0, 0, 10, 60);
  uint64_t first = (UINT64_C(1) << 16) - 200;
  sim_sessions(&m, first, first);
  sim_run(&m, 500, 10000 + 100);
  for (int who = 0; who < 2; ++who) {
    check_receiving(&m, who, 500);
    check_sending(&m, who, 500);
    ript_media_stats st = sim_stats(&m, who);
    assert_int_equal(st.received, 500);
    assert_int_equal(st.lost, 0);
    /* Full values until the first ack, truncated after. */
    assert_true(m.side[who].full_seq >= 1 && m.side[who].full_seq <= 5);
    assert_int_equal(m.side[who].full_seq + m.side[who].short_seq, 500);
  }
  sim_free(&m);
}

/* The network is down from +2 s to +5 s; both sides keep sending (into
 * nothing) and replay when it is back. Every chunk arrives exactly once. */
static void test_outage_then_replay(void **state) {
  (void)state;
  sim m;
  sim_init(&m, 99, 0, 0, 10, 60);
  m.down_from = 2000;
  m.down_until = 5000;
  sim_sessions(&m, 1, 1);
  sim_run(&m, 500, 10000 + 200);
  for (int who = 0; who < 2; ++who) {
    ript_media_stats st = sim_stats(&m, who);
    for (size_t i = 0; i < 500; ++i)
      assert_int_equal(m.side[who].delivered[i], 1);
    assert_int_equal(st.received, 500);
    assert_int_equal(st.expected, 500);
    assert_int_equal(st.lost, 0);
    assert_int_equal(st.failed_total, 0);
    assert_int_equal(st.expired, 0);
    /* 3 s of chunks (150) plus those in flight whose acks were lost. */
    assert_true(st.replayed >= 150 && st.replayed <= 160);
    /* The outage tripped the ack timers (1 s, then 5 s was not reached);
     * 3 s without media is below the 5 s receive timeout. */
    assert_true(m.side[who].flags & RIPT_MEDIA_FLAG_NEED_MIGRATION);
    assert_true(m.side[who].flags & RIPT_MEDIA_FLAG_ACK_TIMEOUT);
    assert_false(m.side[who].flags & RIPT_MEDIA_FLAG_RX_TIMEOUT);
    assert_false(m.side[who].flags & RIPT_MEDIA_FLAG_MEDIA_TIMEOUT);
  }
  sim_free(&m);
}

/* AES-128-GCM, a key per sender derived from one master secret, through a
 * relay that routes on the envelope and cannot open anything. */
static void test_aes_through_relay(void **state) {
  (void)state;
  sim m;
  sim_init(&m, 4242, 5, 5, 10, 60);
  sim_use_keys(&m);
  m.relay = true;
  sim_sessions(&m, 31337, 271828);
  sim_run(&m, 250, 5000 + 200);
  for (int who = 0; who < 2; ++who) {
    check_receiving(&m, who, 250);
    check_sending(&m, who, 250);
  }
  assert_true(m.relayed > 800); /* ~475 media chunks and their acks */
  sim_free(&m);
}

/* A receiver without the sender's key counts every chunk as UNKNOWN_KEY and
 * delivers nothing; one holding only its own key the same. */
static void test_aes_wrong_keyring(void **state) {
  (void)state;
  sim m;
  sim_init(&m, 1, 0, 0, 5, 5);
  sim_use_keys(&m);
  ript_media_stream st1;
  memset(&st1, 0, sizeof(st1));
  st1.source = st1.sink = 1;
  st1.payload_type = RIPT_PT_PCMU;
  st1.initial_sequence = 1;
  ript_media_config cc, sc;
  ript_media_config_init(&cc);
  cc.tx_streams = &st1;
  cc.ntx_streams = 1;
  cc.tx_key = &m.keys[0];
  ript_media_config_init(&sc);
  sc.role = RIPT_MEDIA_ROLE_SERVER;
  sc.rx_streams = &st1;
  sc.nrx_streams = 1;
  sc.rx_keys = &m.keys[1]; /* its own, not the client's */
  sc.nrx_keys = 1;
  ript_media_session *client = NULL, *server = NULL;
  assert_int_equal(ript_media_session_new(&client, &cc, 0, NULL), 0);
  assert_int_equal(ript_media_session_new(&server, &sc, 0, NULL), 0);
  ript_buf b;
  ript_buf_init(&b, NULL);
  uint8_t media[4] = {1, 2, 3, 4};
  ript_media_frame f;
  memset(&f, 0, sizeof(f));
  f.source = f.sink = 1;
  f.payload_type = RIPT_PT_PCMU;
  f.media = media;
  f.media_len = 4;
  for (int i = 0; i < 3; ++i)
    assert_true(ript_media_send(client, &f, i, &b, NULL) > 0);
  assert_int_equal(ript_media_receive(server, b.data, b.len, 5, NULL, NULL), 0);
  ript_media_stats st;
  assert_int_equal(ript_media_get_stats(server, &st), 0);
  assert_int_equal(st.failed[RIPT_MEDIA_FAIL_UNKNOWN_KEY], 3);
  assert_int_equal(st.failed_total, 3);
  assert_int_equal(st.undecryptable, 3);
  /* Acknowledged unencrypted, so the sender's queue still drains. */
  assert_int_equal(ript_media_pending_acks(server), 3);
  ript_buf_free(&b);
  ript_media_session_del(client);
  ript_media_session_del(server);
  sim_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loss_duplication_reordering),
      cmocka_unit_test(test_sequence_crosses_2_16),
      cmocka_unit_test(test_outage_then_replay),
      cmocka_unit_test(test_aes_through_relay),
      cmocka_unit_test(test_aes_wrong_keyring),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
