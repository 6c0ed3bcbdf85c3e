/*
 * ript-attack, QUIC connection flood: |count| client Initials, each from a
 * socket of its own (so a source port of its own), never followed up. A
 * server that keeps state for each until its handshake times out can be
 * exhausted this way; riptd answers with Retry packets instead once too
 * many handshakes are under way. Counts what came back.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "attack.h"

typedef struct quic_one {
  ngtcp2_crypto_conn_ref ref;
  ngtcp2_conn *qc;
} quic_one;

static ngtcp2_conn *quic_get_conn(ngtcp2_crypto_conn_ref *ref) {
  return ((quic_one *)ref->user_data)->qc;
}

static void quic_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx) {
  (void)ctx;
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, dest, len);
}

static int quic_new_cid(ngtcp2_conn *qc, ngtcp2_cid *cid, uint8_t *token,
                        size_t len, void *user_data) {
  (void)qc, (void)user_data;
  cid->datalen = len;
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, cid->data, len);
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, token, NGTCP2_STATELESS_RESET_TOKENLEN);
  return 0;
}

/* Writes one Initial for a fresh connection from |local| to |remote|. */
static ngtcp2_ssize quic_initial(gnutls_certificate_credentials_t cred,
                                 const struct sockaddr_in *local,
                                 const struct sockaddr_in *remote,
                                 uint8_t *out, size_t outlen) {
  static const gnutls_datum_t alpn = {(unsigned char *)"h3", 2};
  ngtcp2_callbacks cb = {
      .client_initial = ngtcp2_crypto_client_initial_cb,
      .recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
      .encrypt = ngtcp2_crypto_encrypt_cb,
      .decrypt = ngtcp2_crypto_decrypt_cb,
      .hp_mask = ngtcp2_crypto_hp_mask_cb,
      .recv_retry = ngtcp2_crypto_recv_retry_cb,
      .rand = quic_rand,
      .get_new_connection_id = quic_new_cid,
      .update_key = ngtcp2_crypto_update_key_cb,
      .delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
      .delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
      .get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
      .version_negotiation = ngtcp2_crypto_version_negotiation_cb,
  };
  ngtcp2_cid dcid = {.datalen = 16}, scid = {.datalen = 16};
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, dcid.datalen);
  (void)gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, scid.datalen);
  ngtcp2_settings settings;
  ngtcp2_settings_default(&settings);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  settings.initial_ts = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  ngtcp2_transport_params params;
  ngtcp2_transport_params_default(&params);
  params.initial_max_streams_uni = 3;
  params.initial_max_data = 1 << 20;
  ngtcp2_path path = {{(ngtcp2_sockaddr *)(uintptr_t)local, sizeof(*local)},
                      {(ngtcp2_sockaddr *)(uintptr_t)remote, sizeof(*remote)},
                      NULL};
  quic_one one = {{quic_get_conn, NULL}, NULL};
  one.ref.user_data = &one;
  gnutls_session_t tls = NULL;
  ngtcp2_ssize n = -1;
  if (ngtcp2_conn_client_new(&one.qc, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
                             &cb, &settings, &params, NULL, &one) != 0)
    return -1;
  if (gnutls_init(&tls, GNUTLS_CLIENT) == 0 &&
      ngtcp2_crypto_gnutls_configure_client_session(tls) == 0 &&
      gnutls_priority_set_direct(
          tls, "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE",
          NULL) == 0 &&
      gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, cred) == 0 &&
      gnutls_alpn_set_protocols(tls, &alpn, 1, 0) == 0) {
    gnutls_session_set_ptr(tls, &one.ref);
    gnutls_server_name_set(tls, GNUTLS_NAME_DNS, "localhost", 9);
    ngtcp2_conn_set_tls_native_handle(one.qc, tls);
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    n = ngtcp2_conn_write_pkt(one.qc, &ps.path, NULL, out, outlen,
                              settings.initial_ts);
  }
  ngtcp2_conn_del(one.qc);
  if (tls)
    gnutls_deinit(tls);
  return n;
}

/* A Retry (QUIC v1 long header, type 3), or anything else. */
static int quic_is_retry(const uint8_t *p, size_t n) {
  return n > 5 && (p[0] & 0x80) && ((p[0] >> 4) & 0x03) == 3;
}

int attack_quic_flood(const attack_opts *o) {
  size_t max = o->count > 4000 ? 4000 : o->count;
  int *fds = calloc(max, sizeof(*fds));
  gnutls_certificate_credentials_t cred;
  gnutls_certificate_allocate_credentials(&cred);
  struct sockaddr_in remote = {.sin_family = AF_INET, .sin_port = htons(o->port)};
  remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t sent = 0;
  uint8_t pkt[1500];
  for (; sent < max; ++sent) {
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((unsigned)(t.tv_sec - t0.tv_sec) >= o->seconds)
      break;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in local = {.sin_family = AF_INET};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(local);
    if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0 ||
        getsockname(fd, (struct sockaddr *)&local, &len) != 0) {
      if (fd >= 0)
        close(fd);
      break;
    }
    fds[sent] = fd;
    ngtcp2_ssize n = quic_initial(cred, &local, &remote, pkt, sizeof(pkt));
    if (n > 0)
      (void)sendto(fd, pkt, (size_t)n, 0, (struct sockaddr *)&remote,
                   sizeof(remote));
  }
  usleep(500 * 1000); /* let the last answers arrive */
  size_t retries = 0, other = 0;
  for (size_t i = 0; i < sent; ++i) {
    ssize_t n;
    int got_retry = 0, got_other = 0;
    while ((n = recv(fds[i], pkt, sizeof(pkt), 0)) > 0) {
      if (quic_is_retry(pkt, (size_t)n))
        got_retry = 1;
      else
        got_other = 1;
    }
    retries += (size_t)got_retry;
    other += (size_t)got_other;
    close(fds[i]);
  }
  free(fds);
  gnutls_certificate_free_credentials(cred);
  printf("quic flood: %zu Initials from %zu ports, %zu answered with a Retry, "
         "%zu with a handshake\n",
         sent, sent, retries, other);
  return retries > 0 ? 0 : 1;
}
