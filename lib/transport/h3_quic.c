/*
 * The ngtcp2 callbacks of an HTTP/3 connection (ript_h3_quic_callbacks):
 * randomness, connection IDs and their reset tokens, a Stateless Reset
 * received, the handshake and its keys, stream data in (to nghttp3) and
 * acknowledged, stream ends, resets and credit, and HTTP datagrams in.
 */
#include "h3_reset.h"
#include "h3_stream.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "varint.h"

static void quic_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
  (void)ctx;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, dest, len) != 0)
    memset(dest, 0, len);
}

/* A server with a stateless reset key derives the token from it (so does
 * a later process with the key); a client's are random. */
static int quic_get_new_cid(ngtcp2_conn *qc, ngtcp2_cid *cid, uint8_t *token,
                            size_t cidlen, void *user_data) {
  ript_h3_conn *c = user_data;
  const ript_http_server_config *cfg = c->limits;
  (void)qc;
  if (gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, cidlen) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  cid->datalen = cidlen;
  if (ript_h3_reset_token(token, cfg ? cfg->stateless_reset_key : NULL,
                          cfg ? cfg->stateless_reset_key_len : 0, cid) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return ript_h3_conn_add_cid(c, cid) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

static int quic_remove_cid(ngtcp2_conn *qc, const ngtcp2_cid *cid,
                           void *user_data) {
  (void)qc;
  ript_h3_conn_remove_cid(user_data, cid);
  return 0;
}

/* Client: the server no longer knows the connection; ngtcp2 drains it,
 * and the connection is reported lost, not closed cleanly. */
static int quic_recv_stateless_reset(ngtcp2_conn *qc,
                                     const ngtcp2_pkt_stateless_reset *sr,
                                     void *user_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)sr;
  c->stateless_reset = 1;
  return 0;
}

static int quic_handshake_completed(ngtcp2_conn *qc, void *user_data) {
  ript_h3_conn *c = user_data;
  gnutls_datum_t alpn;
  (void)qc;
  if (gnutls_alpn_get_selected_protocol(c->tls, &alpn) != 0 || alpn.size != 2 ||
      memcmp(alpn.data, "h3", 2) != 0) {
    c->tls_failed = 1;
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  c->handshake_done = 1;
  ript_h3_conn_schedule(c);
  return 0;
}

static int quic_recv_key(ngtcp2_conn *qc, ngtcp2_encryption_level level,
                         void *user_data) {
  (void)qc;
  if (level != NGTCP2_ENCRYPTION_LEVEL_1RTT)
    return 0;
  return ript_h3_http_setup(user_data) == 0 ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
}

static int quic_recv_stream_data(ngtcp2_conn *qc, uint32_t flags, int64_t id,
                                 uint64_t offset, const uint8_t *data,
                                 size_t len, void *user_data,
                                 void *stream_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)offset, (void)stream_data;
  if (!c->h3) {
    ript_h3_conn_extend(c, id, len);
    return 0;
  }
  nghttp3_ssize n = nghttp3_conn_read_stream(
      c->h3, id, data, len, (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0);
  if (n < 0) {
    ript_h3_conn_set_app_error(c, (int)n);
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  ript_h3_conn_extend(c, id, (uint64_t)n);
  return 0;
}

static int quic_acked_stream_data_offset(ngtcp2_conn *qc, int64_t id,
                                         uint64_t offset, uint64_t len,
                                         void *user_data, void *stream_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)offset, (void)stream_data;
  if (c->h3 && nghttp3_conn_add_ack_offset(c->h3, id, len) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return 0;
}

static int quic_stream_close(ngtcp2_conn *qc, uint32_t flags, int64_t id,
                             uint64_t code, void *user_data,
                             void *stream_data) {
  ript_h3_conn *c = user_data;
  (void)stream_data;
  if (!(flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET))
    code = NGHTTP3_H3_NO_ERROR;
  if (c->h3) {
    int rv = nghttp3_conn_close_stream(c->h3, id, code);
    if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND) {
      ript_h3_conn_set_app_error(c, rv);
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
static void quic_count_cancel(ript_h3_conn *c, int64_t id, ript_h3_stream *st) {
  if (!c->limits || !ngtcp2_is_bidi_stream(id) || (st && st->cancelled))
    return;
  if (st)
    st->cancelled = 1;
  if (c->ccerr_set || ript_http_reset_spend(c->server, c->limits, &c->resets,
                                            uv_now(c->timer.loop)) == 0)
    return;
  ngtcp2_ccerr_set_application_error(&c->ccerr, NGHTTP3_H3_EXCESSIVE_LOAD, NULL,
                                     0);
  c->ccerr_set = 1;
  ript_h3_conn_schedule(c);
}

/* The peer reset the stream or asked us to stop: the exchange is over. A
 * request a draining server rejected was never processed: the client may
 * send it again (RIPT_ERR_HTTP_CLOSED, as HTTP/2's REFUSED_STREAM). */
static int quic_peer_reset(ript_h3_conn *c, int64_t id, uint64_t code) {
  if (c->h3 && nghttp3_conn_shutdown_stream_read(c->h3, id) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  ript_h3_stream *st = ript_h3_stream_find(c, id);
  quic_count_cancel(c, id, st);
  if (code == NGHTTP3_H3_NO_ERROR || !st || !st->ex)
    return 0;
  int rejected = !c->is_server && code == NGHTTP3_H3_REQUEST_REJECTED;
  ript_h3_stream_emit_close(st, rejected ? RIPT_ERR_HTTP_CLOSED
                                         : RIPT_ERR_HTTP_RESET);
  st->reset_code = NGHTTP3_H3_REQUEST_CANCELLED;
  ript_h3_stream_mark(st, RIPT_H3_ACT_RESET);
  return 0;
}

static int quic_stream_reset(ngtcp2_conn *qc, int64_t id, uint64_t final_size,
                             uint64_t code, void *user_data,
                             void *stream_data) {
  (void)qc, (void)final_size, (void)stream_data;
  return quic_peer_reset(user_data, id, code);
}

static int quic_stream_stop_sending(ngtcp2_conn *qc, int64_t id, uint64_t code,
                                    void *user_data, void *stream_data) {
  (void)qc, (void)stream_data;
  return quic_peer_reset(user_data, id, code);
}

static int quic_extend_max_local_streams_bidi(ngtcp2_conn *qc,
                                              uint64_t max_streams,
                                              void *user_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)max_streams;
  c->streams_unblocked = 1;
  ript_h3_conn_schedule(c);
  return 0;
}

static int quic_extend_max_remote_streams_bidi(ngtcp2_conn *qc,
                                               uint64_t max_streams,
                                               void *user_data) {
  ript_h3_conn *c = user_data;
  (void)qc;
  if (c->h3)
    nghttp3_conn_set_max_client_streams_bidi(c->h3, max_streams);
  return 0;
}

static int quic_extend_max_stream_data(ngtcp2_conn *qc, int64_t id,
                                       uint64_t max_data, void *user_data,
                                       void *stream_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)max_data, (void)stream_data;
  if (c->h3 && nghttp3_conn_unblock_stream(c->h3, id) != 0)
    return NGTCP2_ERR_CALLBACK_FAILURE;
  return 0;
}

/* RFC 9297 §2.1: the payload starts with the quarter stream ID of the
 * request stream; unknown or closed streams' datagrams are dropped. */
static int quic_recv_datagram(ngtcp2_conn *qc, uint32_t flags,
                              const uint8_t *data, size_t len,
                              void *user_data) {
  ript_h3_conn *c = user_data;
  (void)qc, (void)flags;
  uint64_t qsid;
  ript_ssize n = ript_varint_read(data, len, &qsid);
  if (n < 0 || qsid > ((uint64_t)INT64_MAX >> 2))
    return 0;
  ript_h3_stream *st = ript_h3_stream_find(c, (int64_t)(qsid * 4));
  if (st && ript_h3_stream_is_connect(st))
    ript_http_exchange_emit_datagram(st->ex, data + n, len - (size_t)n);
  return 0;
}

void ript_h3_quic_callbacks(ngtcp2_callbacks *cb, int is_server) {
  memset(cb, 0, sizeof(*cb));
  if (is_server) {
    cb->recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    cb->recv_tx_key = quic_recv_key;
    cb->extend_max_remote_streams_bidi = quic_extend_max_remote_streams_bidi;
  } else {
    cb->client_initial = ngtcp2_crypto_client_initial_cb;
    cb->recv_retry = ngtcp2_crypto_recv_retry_cb;
    cb->recv_rx_key = quic_recv_key;
    cb->extend_max_local_streams_bidi = quic_extend_max_local_streams_bidi;
    cb->recv_stateless_reset = quic_recv_stateless_reset;
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
  cb->handshake_completed = quic_handshake_completed;
  cb->recv_stream_data = quic_recv_stream_data;
  cb->acked_stream_data_offset = quic_acked_stream_data_offset;
  cb->stream_close = quic_stream_close;
  cb->stream_reset = quic_stream_reset;
  cb->stream_stop_sending = quic_stream_stop_sending;
  cb->extend_max_stream_data = quic_extend_max_stream_data;
  cb->recv_datagram = quic_recv_datagram;
  cb->rand = quic_rand;
  cb->get_new_connection_id = quic_get_new_cid;
  cb->remove_connection_id = quic_remove_cid;
}
