/*
 * Fuzz target for the conversation (ript/conversation.h): one server and
 * one client conversation, driven by the input as a program of operations
 * on either of them. The first byte picks the setup:
 *   bit 0  wired: what one writes is what the other receives (otherwise
 *          what each receives is bytes of the input);
 *   bit 1  sealed media: both ends seal (AES-128-GCM, ids 1 and 2) and
 *          accept the other's key;
 *   bit 2  small limits: 3 events kept for 50 ms, a replay window of
 *          200 ms, 4 acknowledgements owed at most.
 * Then each operation is one byte (which, and on which end: bit 7) and its
 * arguments: sends, arrivals, path changes, migrations, writes with any
 * budget, events in and out, reverse byways opened, forwarded chunks,
 * renegotiations, and clock steps forward (never back).
 *
 * Invariants checked: a write never appends more than its budget, appends
 * exactly what it returns (nothing on an error), and nothing without a
 * path; after ript_conv_check(now) the next deadline is later than now;
 * wired, nothing is delivered that was not sent (the receiver counts no
 * more media than the sender sent, and nothing fails to parse or open);
 * the figures add up; everything is freed (the sanitizers' leak check).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/codec.h"
#include "ript/conversation.h"

#define CHECK(x)                                                               \
  do {                                                                         \
    if (!(x))                                                                  \
      __builtin_trap();                                                        \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 INT64_C(1581292800000)

static const char call_uri[] = "https://ript.example.com/tgs/tg1/calls/"
                               "3f2b8c4e-9a1d-4b7e-8c5f-1e2d3c4b5a69";

/* Set up once; GnuTLS contexts stay reachable for the process's life. */
static const ript_chunk_key *fuzz_keys(void) {
  static ript_chunk_key keys[2]; /* client id 1, server id 2 */
  static int ready;
  static const char master[] = "ript example master secret";
  if (!ready) {
    for (int i = 0; i < 2; ++i)
      CHECK(ript_chunk_key_derive(
                &keys[i], (uint32_t)i + 1, RIPT_CHUNK_CIPHER_AES128_GCM,
                (const uint8_t *)master, strlen(master), 16) == 0);
    ready = 1;
  }
  return keys;
}

/* The input, read as a program. */
typedef struct reader {
  const uint8_t *p, *end;
} reader;

static uint8_t rd_u8(reader *r) { return r->p < r->end ? *r->p++ : 0; }

static uint16_t rd_u16(reader *r) {
  uint16_t hi = rd_u8(r);
  return (uint16_t)(hi << 8 | rd_u8(r));
}

/* Up to |max| bytes of the input (fewer at its end). */
static const uint8_t *rd_bytes(reader *r, size_t max, size_t *len) {
  size_t left = (size_t)(r->end - r->p);
  *len = max < left ? max : left;
  const uint8_t *b = r->p;
  r->p += *len;
  return b;
}

typedef struct fuzz {
  ript_conv *conv[2]; /* 0 client, 1 server */
  ript_conv_config cfg[2];
  ript_media_stream tx[2], rx[2];
  ript_conv_path path[2];    /* as last set */
  ript_media_session *third; /* another call's sender, for forwarding */
  bool wired;
  int64_t now;
  uint64_t sent_media[2]; /* media chunks each end wrote to the other */
} fuzz;

static void fuzz_config(fuzz *f, int side, uint8_t mode) {
  ript_conv_config *c = &f->cfg[side];
  ript_conv_config_init(c);
  c->media.role = side ? RIPT_MEDIA_ROLE_SERVER : RIPT_MEDIA_ROLE_CLIENT;
  f->tx[side] = (ript_media_stream){1, 1, RIPT_PT_PCMU, {0}, 0, 1000};
  f->rx[side] = (ript_media_stream){1, 1, RIPT_PT_PCMU, {0}, 0, 0};
  c->media.tx_streams = &f->tx[side];
  c->media.ntx_streams = 1;
  c->media.rx_streams = &f->rx[side];
  c->media.nrx_streams = 1;
  if (mode & 2) {
    c->media.tx_key = &fuzz_keys()[side];
    c->media.rx_keys = &fuzz_keys()[!side];
    c->media.nrx_keys = 1;
  }
  if (mode & 4) {
    c->events_keep_max = 3;
    c->events_keep_ms = 50;
    c->media.replay_window_ms = 200;
    c->media.max_pending_acks = 4;
  }
}

static void fuzz_frame_cb(const ript_media_frame *frame, void *user_data) {
  (void)user_data;
  CHECK(frame->source == 1 && frame->sink == 1 &&
        frame->payload_type == RIPT_PT_PCMU);
}

static uint64_t fuzz_received(const ript_conv *conv) {
  ript_media_stats st;
  CHECK(ript_media_get_stats(ript_conv_media(conv), &st) == 0);
  return st.received + st.duplicates;
}

/* Counts the media chunks in what |side| wrote (NULL cipher or not, the
 * envelope says the kind). */
static uint64_t fuzz_count_media(const uint8_t *b, size_t len) {
  uint64_t n = 0;
  uint8_t *copy = malloc(len ? len : 1);
  CHECK(copy);
  memcpy(copy, b, len);
  for (size_t off = 0; off < len;) {
    ript_chunk c;
    ript_ssize k = ript_chunk_parse(&c, copy + off, len - off, NULL);
    if (k <= 0)
      break; /* a forwarded chunk may be anything */
    n += c.kind == RIPT_CHUNK_KIND_MEDIA;
    off += (size_t)k;
  }
  free(copy);
  return n;
}

/* Hands what |side| wrote to the other end, wired. */
static void fuzz_deliver(fuzz *f, int side, ript_buf *b, size_t from) {
  if (!f->wired || b->len == from)
    return;
  f->sent_media[side] += fuzz_count_media(b->data + from, b->len - from);
  int n = ript_conv_receive(f->conv[!side], b->data + from, b->len - from,
                            f->now, fuzz_frame_cb, NULL);
  CHECK(n >= 0);
}

static void fuzz_write(fuzz *f, int side, size_t max, bool acks_only) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  /* Something already in the buffer: the write appends after it. */
  CHECK(ript_buf_append(&b, "x", 1) == 0);
  ript_conv_path path = f->path[side];
  ript_ssize n = acks_only
                     ? ript_conv_write_acks(f->conv[side], f->now, &b, max)
                     : ript_conv_write(f->conv[side], f->now, &b, max);
  if (n < 0) {
    CHECK(n == RIPT_ERR_NOBUF && b.len == 1);
  } else {
    CHECK(b.len == 1 + (size_t)n && (size_t)n <= max);
    CHECK(acks_only || path != RIPT_CONV_PATH_NONE || n == 0);
  }
  fuzz_deliver(f, side, &b, 1);
  ript_buf_free(&b);
}

static ript_media_frame fuzz_frame(fuzz *f, uint8_t len) {
  static const uint8_t media[255] = {0xd5};
  ript_media_frame fr;
  memset(&fr, 0, sizeof(fr));
  fr.source = fr.sink = 1;
  fr.payload_type = RIPT_PT_PCMU;
  fr.timestamp = (uint64_t)f->now;
  fr.media = media;
  fr.media_len = len;
  return fr;
}

static void fuzz_send(fuzz *f, int side, reader *r) {
  ript_media_frame fr = fuzz_frame(f, rd_u8(r));
  int rv = ript_conv_send(f->conv[side], &fr, f->now);
  CHECK(rv == 0 || rv == RIPT_ERR_NOMEM);
}

static void fuzz_set_path(fuzz *f, int side, reader *r) {
  ript_conv_path p = (ript_conv_path)(rd_u8(r) % 5);
  int rv = ript_conv_set_path(f->conv[side], p, f->now);
  bool ok = p == RIPT_CONV_PATH_NONE || p == RIPT_CONV_PATH_DATAGRAM ||
            (side == 0 && p == RIPT_CONV_PATH_BODY) ||
            (side == 1 && p == RIPT_CONV_PATH_HELD);
  CHECK(rv == (ok ? 0 : RIPT_ERR_INVALID_ARGUMENT));
  if (ok)
    f->path[side] = p;
}

static void fuzz_receive(fuzz *f, int side, reader *r) {
  if (f->wired)
    return; /* only what the other end wrote arrives */
  size_t len;
  const uint8_t *b = rd_bytes(r, rd_u8(r), &len);
  uint8_t copy[256];
  memcpy(copy, b, len);
  CHECK(ript_conv_receive(f->conv[side], copy, len, f->now, fuzz_frame_cb,
                          NULL) >= 0);
}

/* Another call's chunk for the server to forward: input bytes, or (wired)
 * a real chunk of another sender on the same stream. */
static void fuzz_forward(fuzz *f, reader *r) {
  ript_buf b;
  ript_buf_init(&b, NULL);
  if (f->wired) {
    ript_media_frame fr = fuzz_frame(f, rd_u8(r));
    CHECK(ript_media_send(f->third, &fr, f->now, &b, NULL) > 0);
  } else {
    size_t len;
    const uint8_t *bytes = rd_bytes(r, rd_u8(r), &len);
    CHECK(ript_buf_append(&b, bytes, len) == 0);
  }
  int rv = ript_conv_forward(f->conv[1], b.data, b.len, f->now);
  CHECK(rv == 0 || rv == RIPT_ERR_NOBUF ||
        (b.len == 0 && rv == RIPT_ERR_INVALID_ARGUMENT));
  ript_buf_free(&b);
}

static void fuzz_event_out(fuzz *f, int side, reader *r) {
  ript_event ev;
  ript_event_init(&ev);
  ev.type = (ript_event_type)(rd_u8(r) % RIPT_EVENT_TYPE_COUNT);
  ev.name = ev.type == RIPT_EVENT_UNKNOWN ? "x-transfer" : NULL;
  ev.direction = side ? RIPT_EVENT_DIR_S2C : RIPT_EVENT_DIR_C2S;
  ev.timestamp_ms = f->now;
  ev.call = call_uri;
  CHECK(ript_conv_send_event(f->conv[side], &ev, f->now) == 0);
}

static void fuzz_event_in(fuzz *f, int side, reader *r) {
  static const ript_event_type types[] = {
      RIPT_EVENT_PING, RIPT_EVENT_PONG, RIPT_EVENT_MEDIA_PANIC, RIPT_EVENT_END};
  ript_event ev;
  ript_event_init(&ev);
  ev.type = types[rd_u8(r) % 4];
  ev.direction = side ? RIPT_EVENT_DIR_C2S : RIPT_EVENT_DIR_S2C;
  ev.timestamp_ms = f->now;
  ev.call = call_uri;
  ev.nonce = ev.type == RIPT_EVENT_PING ? "n" : NULL;
  CHECK(ript_conv_event_received(f->conv[side], &ev, f->now) == 0);
}

static void fuzz_signal_take(fuzz *f, int side) {
  for (int i = 0; i < 64; ++i) {
    ript_event ev;
    ript_event_init(&ev);
    int rv = ript_conv_take_event(f->conv[side], f->now, &ev);
    CHECK(rv == 0 || rv == 1);
    if (rv == 0)
      break;
    ript_event_free(&ev);
  }
}

/* Takes what is due; a server's reverse byway opens or the signal moves. */
static void fuzz_signal(fuzz *f, int side, reader *r) {
  uint8_t op = rd_u8(r) % 4;
  ript_conv *conv = f->conv[side];
  if (op == 0) {
    ript_event_writer w;
    ript_event_writer_init(&w);
    ript_buf b;
    ript_buf_init(&b, NULL);
    int rv = ript_conv_open_events(conv, f->now, &w, &b);
    CHECK(side ? rv == 0 && b.len > 0 && b.data[0] == '['
               : rv == RIPT_ERR_INVALID_ARGUMENT && b.len == 0);
    ript_buf_free(&b);
    return;
  }
  if (op == 1) {
    ript_conv_set_signal(conv, rd_u8(r) & 1, f->now);
    return;
  }
  fuzz_signal_take(f, side);
}

static void fuzz_renegotiate(fuzz *f, int side) {
  CHECK(ript_conv_renegotiate(f->conv[side], &f->cfg[side].media, f->now) == 0);
}

static void fuzz_check(fuzz *f, int side) {
  unsigned flags = ript_conv_check(f->conv[side], f->now);
  CHECK((flags & ~(RIPT_CONV_FLAG_MIGRATE | RIPT_CONV_FLAG_WRITE)) == 0);
  CHECK(side == 0 || !(flags & RIPT_CONV_FLAG_MIGRATE));
  CHECK(ript_conv_next_deadline(f->conv[side]) > f->now);
}

/* The clock steps forward: a little, or far. */
static void fuzz_step(fuzz *f, reader *r) {
  uint8_t v = rd_u8(r);
  f->now += v < 200 ? v : (int64_t)(v - 199) * 1000;
}

static void fuzz_invariants(const fuzz *f) {
  for (int side = 0; side < 2; ++side) {
    ript_conv_stats st;
    CHECK(ript_conv_get_stats(f->conv[side], &st) == 0);
    CHECK(st.events_dropped <= st.events_kept);
    if (side == 0)
      CHECK(st.events_kept == 0 && st.forwarded == 0);
    if (f->wired)
      CHECK(fuzz_received(f->conv[!side]) <= f->sent_media[side]);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t mode = data[0];
  reader r = {data + 1, data + size};
  fuzz f;
  memset(&f, 0, sizeof(f));
  f.wired = mode & 1;
  f.now = T0;
  for (int side = 0; side < 2; ++side) {
    fuzz_config(&f, side, mode);
    CHECK(ript_conv_new(&f.conv[side], &f.cfg[side], f.now, NULL) == 0);
  }
  ript_event ann;
  ript_event_init(&ann);
  ann.type = RIPT_EVENT_PROCEEDING;
  ann.direction = RIPT_EVENT_DIR_S2C;
  ann.timestamp_ms = f.now;
  ann.call = call_uri;
  CHECK(ript_conv_set_announcement(f.conv[1], &ann) == 0);
  ript_media_stream third = {1, 1, RIPT_PT_PCMU, {0}, 0, 50000};
  ript_media_config tc = f.cfg[1].media;
  tc.tx_streams = &third;
  CHECK(ript_media_session_new(&f.third, &tc, f.now, NULL) == 0);
  while (r.p < r.end) {
    uint8_t op = rd_u8(&r);
    int side = op >> 7;
    switch (op & 0x0f) {
    case 0:
    case 1:
      fuzz_send(&f, side, &r);
      break;
    case 2:
      fuzz_set_path(&f, side, &r);
      break;
    case 3:
      ript_conv_migrate(f.conv[side], f.now);
      f.path[side] = RIPT_CONV_PATH_NONE;
      break;
    case 4:
    case 5:
    case 6: {
      uint16_t v = rd_u16(&r);
      fuzz_write(&f, side, v == 0xffff ? SIZE_MAX : v, (op & 0x0f) == 6);
      break;
    }
    case 7:
      fuzz_receive(&f, side, &r);
      break;
    case 8:
      fuzz_step(&f, &r);
      break;
    case 9:
      fuzz_check(&f, side);
      break;
    case 10:
      fuzz_event_out(&f, side, &r);
      break;
    case 11:
      fuzz_event_in(&f, side, &r);
      break;
    case 12:
      fuzz_signal(&f, side, &r);
      break;
    case 13:
      fuzz_forward(&f, &r);
      break;
    case 14:
      fuzz_renegotiate(&f, side);
      break;
    default:
      /* A binding's turn: check, then write and take what is due. */
      fuzz_check(&f, side);
      for (int i = 0; i < 8; ++i)
        fuzz_write(&f, side,
                   f.path[side] == RIPT_CONV_PATH_DATAGRAM ? 1100 : 65536,
                   false);
      fuzz_signal_take(&f, side);
      break;
    }
    fuzz_invariants(&f);
  }
  ript_media_session_del(f.third);
  ript_conv_del(f.conv[0]);
  ript_conv_del(f.conv[1]);
  return 0;
}
