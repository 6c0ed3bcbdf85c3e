/*
 * ript-core-tour: runs real data through each layer of libript's protocol
 * core and prints what a call's bytes look like there: negotiation, caller
 * ID, the signaling byway and the call state, and media chunks. `make demo`
 * runs it until riptd and ript can place a real call.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ript/ript.h"

#define TOUR_CALL_URI                                                         \
  "https://ript.example.com/.well-known/ript/providertgs/main/calls/"         \
  "6f1d0c2a-9a83-4a3e-8f6e-2b5d8c1e4a77"

static int tour_fail(const char *what, int rv) {
  fprintf(stderr, "ript-core-tour: %s: %s\n", what, ript_strerror(rv));
  return 1;
}

static void tour_hex(const char *label, const uint8_t *data, size_t len) {
  printf("   %s (%zu bytes):", label, len);
  for (size_t i = 0; i < len; ++i)
    printf("%s%02x", i % 24 == 0 ? "\n     " : " ", data[i]);
  printf("\n");
}

/* ---- 1. negotiation ---- */

static int tour_print_directive(const char *label, const ript_advert *dir) {
  ript_buf text;
  ript_buf_init(&text, NULL);
  int rv = ript_advert_print(dir, &text);
  if (rv == 0)
    printf("   %-18s %s\n", label, text.len ? (const char *)text.data : "(none)");
  ript_buf_free(&text);
  return rv;
}

static int tour_negotiate(void) {
  static const char client_text[] =
      "1 in: opus; PCMU; PCMA; telephone-event;\n"
      "2 out: opus; PCMU; PCMA; telephone-event;";
  static const char server_text[] =
      "1 in: PCMU; opus,ptime=20; telephone-event; CN; "
      "1 out: opus,sr=16000; PCMU; telephone-event; CN;";
  printf("1. Negotiation (draft 8.7, 9.8): the server compares advertisements\n");
  printf("   client handler:    %s\n", "1 in: opus; PCMU; PCMA; telephone-event; "
                                       "2 out: opus; PCMU; PCMA; telephone-event;");
  printf("   server:            %s\n", server_text);
  ript_advert *client = NULL, *server = NULL, *cdir = NULL, *sdir = NULL;
  ript_parse_error err;
  int rv = ript_advert_parse(&client, client_text, strlen(client_text),
                             RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL);
  if (rv == 0)
    rv = ript_advert_parse(&server, server_text, strlen(server_text),
                           RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL);
  if (rv == 0)
    rv = ript_negotiate_call(client, server, &cdir, &sdir, NULL);
  if (rv == 0)
    rv = tour_print_directive("client directive:", cdir);
  if (rv == 0)
    rv = tour_print_directive("server directive:", sdir);
  ript_advert_del(client);
  ript_advert_del(server);
  ript_advert_del(cdir);
  ript_advert_del(sdir);
  static const char bad[] = "1 in opus;";
  if (rv == 0 && ript_advert_parse(&client, bad, strlen(bad),
                                   RIPT_ADVERT_KIND_ADVERTISEMENT, &err, NULL) ==
                     RIPT_ERR_PARSE)
    printf("   \"%s\" is refused at byte %zu: expected %s\n", bad, err.offset,
           err.expected);
  return rv == 0 ? 0 : tour_fail("negotiation", rv);
}

/* ---- 2. caller ID ---- */

typedef struct tour_stir {
  ript_stir_key *ca_key, *key;
  ript_stir_cert *ca, *cert;
  ript_stir_csr *csr;
  ript_stir_trust *trust;
  ript_stir_tnauth grant;
  ript_stir_passport pp;
  ript_buf buf;
} tour_stir;

static void tour_stir_free(tour_stir *s) {
  ript_stir_key_del(s->ca_key);
  ript_stir_key_del(s->key);
  ript_stir_cert_del(s->ca);
  ript_stir_cert_del(s->cert);
  ript_stir_csr_del(s->csr);
  ript_stir_trust_del(s->trust);
  ript_stir_tnauth_free(&s->grant);
  ript_stir_passport_free(&s->pp);
  ript_buf_free(&s->buf);
}

/* The provider's STIR CA issues the customer a certificate for its number. */
static int tour_stir_enroll(tour_stir *s, int64_t now) {
  static const uint8_t serial[] = {0x01, 0x02};
  ript_stir_cert_terms terms = {serial, sizeof(serial), now - 60,
                                now + 86400};
  int rv = ript_stir_key_generate(&s->ca_key, NULL);
  if (rv == 0)
    rv = ript_stir_cert_create_ca(&s->ca, s->ca_key, "Example STIR CA", NULL,
                                  &terms, NULL);
  if (rv == 0)
    rv = ript_stir_key_generate(&s->key, NULL);
  if (rv == 0)
    rv = ript_stir_csr_create(s->key, "+14085551000", RIPT_STIR_FORMAT_DER,
                              &s->buf);
  if (rv == 0)
    rv = ript_stir_csr_parse(&s->csr, s->buf.data, s->buf.len, NULL, NULL);
  if (rv == 0)
    rv = ript_stir_tnauth_add_one(&s->grant, "14085551000");
  if (rv == 0)
    rv = ript_stir_cert_issue(&s->cert, s->csr, &s->grant, s->ca, s->ca_key,
                              &terms, NULL);
  if (rv == 0)
    rv = ript_stir_trust_new(&s->trust, NULL);
  if (rv == 0)
    rv = ript_stir_trust_add_ca(s->trust, s->ca);
  if (rv == 0)
    printf("   CSR for %s (%zu bytes DER) -> certificate with TNAuthList "
           "{one: 14085551000}\n",
           ript_stir_csr_tn(s->csr), s->buf.len);
  return rv;
}

static int tour_stir_call(tour_stir *s, int64_t now) {
  ript_buf_reset(&s->buf);
  int rv = ript_stir_passport_sign(
      "+14085551000", "+14089529999", now,
      "https://ript.example.com/.well-known/ript/providertgs/main/certs/0102",
      s->key, &s->buf);
  if (rv != 0)
    return rv;
  printf("   PASSporT: %.72s...\n", (const char *)s->buf.data);
  rv = ript_stir_passport_parse(&s->pp, (const char *)s->buf.data, s->buf.len,
                                NULL);
  if (rv == 0)
    rv = ript_stir_trust_verify(s->trust, s->cert, NULL, 0, now);
  if (rv == 0)
    rv = ript_stir_passport_verify(&s->pp, s->cert, now,
                                   RIPT_STIR_PASSPORT_MAX_AGE);
  if (rv == 0)
    rv = ript_stir_passport_check_dest(&s->pp, "+14089529999");
  if (rv != 0)
    return rv;
  printf("   verified: certificate chains to the CA, signature good, iat "
         "fresh, orig covered, dest matches\n");
  printf("   the same PASSporT 61 s later: %s\n",
         ript_strerror(ript_stir_passport_verify(
             &s->pp, s->cert, now + 61, RIPT_STIR_PASSPORT_MAX_AGE)));
  printf("   used for a call to +19005550100: %s\n",
         ript_strerror(ript_stir_passport_check_dest(&s->pp, "+19005550100")));
  return 0;
}

static int tour_caller_id(int64_t now) {
  printf("\n2. Caller ID (draft 8.6, 9.7, 9.8; RFC 8225, RFC 8226)\n");
  tour_stir s;
  memset(&s, 0, sizeof(s));
  ript_stir_tnauth_init(&s.grant, NULL);
  ript_stir_passport_init(&s.pp, NULL);
  ript_buf_init(&s.buf, NULL);
  int rv = tour_stir_enroll(&s, now);
  if (rv == 0)
    rv = tour_stir_call(&s, now);
  tour_stir_free(&s);
  return rv == 0 ? 0 : tour_fail("caller ID", rv);
}

/* ---- 3. signaling ---- */

static int tour_write_events(ript_buf *body, int64_t now) {
  static const ript_event_type types[] = {
      RIPT_EVENT_PROCEEDING, RIPT_EVENT_ALERTING, RIPT_EVENT_ANSWERED};
  ript_event_writer w;
  ript_event_writer_init(&w);
  int rv = ript_event_writer_open(&w, body);
  ript_call_state state = RIPT_CALL_PROCEEDING;
  for (size_t i = 0; rv == 0 && i < 3; ++i) {
    ript_event ev;
    ript_event_init(&ev);
    ev.type = types[i];
    ev.direction = RIPT_EVENT_DIR_S2C;
    ev.timestamp_ms = now * 1000 + (int64_t)i * 1500;
    ev.call = TOUR_CALL_URI;
    rv = ript_call_apply(state, ev.type, ev.direction, &state);
    if (rv == 0)
      rv = ript_event_writer_write(&w, &ev, body);
  }
  return rv;
}

static int tour_on_event(const ript_event *ev, void *user_data) {
  (void)user_data;
  printf("   client read: %s\n", ript_event_type_name(ev->type));
  return 0;
}

static int tour_signaling(int64_t now) {
  printf("\n3. Signaling byway (draft 9.9, 9.10): GET {call}/events body\n");
  ript_buf body;
  ript_buf_init(&body, NULL);
  int rv = tour_write_events(&body, now);
  if (rv == 0)
    printf("%s", (const char *)body.data);
  ript_event_parser *parser = NULL;
  if (rv == 0)
    rv = ript_event_parser_new(&parser, tour_on_event, NULL, NULL, NULL);
  /* Byte by byte, as a slow network might deliver it. */
  for (size_t i = 0; rv == 0 && i < body.len; ++i)
    rv = ript_event_parser_feed(parser, body.data + i, 1, NULL);
  ript_event_parser_del(parser);
  ript_buf_free(&body);
  ript_call_state next;
  if (rv == 0)
    printf("   a client sending \"answered\": %s\n",
           ript_strerror(ript_call_apply(RIPT_CALL_ALERTING,
                                         RIPT_EVENT_ANSWERED,
                                         RIPT_EVENT_DIR_C2S, &next)));
  return rv == 0 ? 0 : tour_fail("signaling", rv);
}

/* ---- 4. media ---- */

static int tour_send(ript_chunk_stream_tx *tx, uint64_t seq, int64_t ts,
                     const uint8_t *pcm, const ript_chunk_key *key,
                     uint8_t *out, size_t outlen) {
  ript_chunk c;
  ript_chunk_init(&c);
  c.source = 2;
  c.sink = 1;
  c.sequence = seq;
  c.timestamp = (uint64_t)ts;
  c.payload_type = 0; /* PCMU */
  c.media = pcm;
  c.media_len = 160;
  ript_chunk_stream_tx_prepare(tx, &c);
  return (int)ript_chunk_encode(out, outlen, &c, key);
}

static int tour_receive(ript_chunk_stream_rx *rx, uint8_t *data, size_t len,
                        const ript_chunk_key *key, ript_chunk *c) {
  ript_ssize n = ript_chunk_parse(c, data, len, NULL);
  if (n < 0)
    return (int)n;
  int rv = ript_chunk_stream_rx_expand(rx, c);
  if (rv == 0)
    rv = ript_chunk_open(c, key, 1, NULL);
  if (rv == 0)
    rv = ript_chunk_stream_rx_update(rx, c);
  return rv;
}

static int tour_media(int64_t now) {
  printf("\n4. Media (draft 9.11): 20 ms of PCMU, AES-128-GCM, key id 1\n");
  static const uint8_t master[] = "shared out of band";
  uint8_t pcm[160], wire[512], ackbuf[128];
  memset(pcm, 0xff, sizeof(pcm)); /* PCMU silence */
  ript_chunk_key key;
  ript_chunk_stream_tx tx;
  ript_chunk_stream_rx rx;
  ript_chunk_stream_tx_init(&tx);
  ript_chunk_stream_rx_init(&rx);
  int rv = ript_chunk_key_derive(&key, 1, RIPT_CHUNK_CIPHER_AES128_GCM, master,
                                 sizeof(master) - 1, 16);
  if (rv != 0)
    return tour_fail("media key", rv);
  int64_t t0 = now * 1000;
  int n = tour_send(&tx, 1000, t0, pcm, &key, wire, sizeof(wire));
  ript_chunk got, ack;
  if (n > 0) {
    tour_hex("first chunk, full sequence and timestamp", wire, (size_t)n);
    rv = tour_receive(&rx, wire, (size_t)n, &key, &got);
  }
  if (n > 0 && rv == 0)
    rv = ript_chunk_fill_ack(&ack, &got, RIPT_CHUNK_DIR_C2S, 1, t0 + 25);
  ript_ssize an = rv == 0 ? ript_chunk_encode(ackbuf, sizeof(ackbuf), &ack,
                                              NULL)
                          : 0;
  if (n > 0 && rv == 0 && an > 0) {
    printf("   receiver: sequence %llu, %zu bytes of media, authentic; "
           "ack chunk %zd bytes\n",
           (unsigned long long)got.sequence, got.media_len, an);
    ript_chunk_stream_tx_on_ack(&tx, &ack.ack);
    n = tour_send(&tx, 1001, t0 + 20, pcm, &key, wire, sizeof(wire));
  }
  if (n > 0 && rv == 0 && an > 0) {
    printf("   after the ack, the next chunk truncates: %d bytes\n", n);
    wire[5] ^= 0x01; /* flip one envelope bit in transit */
    printf("   the same chunk with one bit flipped: %s\n",
           ript_strerror(tour_receive(&rx, wire, (size_t)n, &key, &got)));
  }
  ript_chunk_key_free(&key);
  if (n < 0)
    rv = n;
  else if (an < 0)
    rv = (int)an;
  return rv == 0 ? 0 : tour_fail("media", rv);
}

int main(void) {
  int64_t now = (int64_t)time(NULL);
  printf("ript core tour: a call's bytes at each layer of libript "
         "(no network yet)\n\n");
  int failed = tour_negotiate() || tour_caller_id(now) ||
               tour_signaling(now) || tour_media(now);
  if (!failed)
    printf("\nNext: riptd and ript place this call over HTTP/3 with real "
           "audio (make demo will).\n");
  return failed;
}
