/*
 * stir_tool - drives libript's STIR code for tests/interop/stir_interop.sh,
 * which checks its output with verifiers we did not write (OpenSSL, jose).
 *
 *   stir_tool make DIR E164 DEST NOW
 *       A CA, a key and CSR for E164, the certificate issued from that CSR
 *       (valid NOW-3600 .. NOW+86400), and a PASSporT from E164 to DEST
 *       with iat NOW. Writes into DIR: ca.key ca.pem leaf.key leaf.csr
 *       leaf.pem pub.pem passport.jws input.txt (the JWS signing input)
 *       sig.der (its ES256 signature converted to DER for openssl dgst).
 *   stir_tool verify CA.PEM LEAF.PEM JWS-FILE DEST NOW
 *       Our verifier on someone else's token: trust chain, signature,
 *       iat window (60 s), TNAuthList coverage, dest.
 *   stir_tool csr CSR-FILE
 *       Our CSR parser on someone else's request; prints the number.
 * Exit status 0 on success, 1 with a message on stderr otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ript/stir.h"

static int tool_fail(const char *what, int rv, const ript_parse_error *err) {
  fprintf(stderr, "stir_tool: %s: %s", what, ript_strerror(rv));
  if (rv == RIPT_ERR_PARSE && err && err->expected)
    fprintf(stderr, " (expected %s at offset %zu)", err->expected,
            err->offset);
  fputc('\n', stderr);
  return 1;
}

static int tool_write(const char *dir, const char *name, const void *data,
                      size_t len) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "stir_tool: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}

static uint8_t *tool_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "stir_tool: cannot open %s: %s\n", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16;
  uint8_t *data = malloc(cap);
  *len = data ? fread(data, 1, cap, f) : 0;
  fclose(f);
  return data;
}

/* The JWS ES256 signature r || s as DER ECDSA-Sig-Value, for openssl. */
static size_t tool_der_int(uint8_t *out, const uint8_t *v) {
  size_t skip = 0;
  while (skip < 31 && v[skip] == 0)
    ++skip;
  size_t pad = (v[skip] & 0x80) ? 1 : 0;
  out[0] = 0x02;
  out[1] = (uint8_t)(32 - skip + pad);
  out[2] = 0;
  memcpy(out + 2 + pad, v + skip, 32 - skip);
  return 2 + pad + 32 - skip;
}

static int tool_write_sig_der(const char *dir, const uint8_t rs[64]) {
  uint8_t der[72];
  size_t n = 2;
  n += tool_der_int(der + n, rs);
  n += tool_der_int(der + n, rs + 32);
  der[0] = 0x30;
  der[1] = (uint8_t)(n - 2);
  return tool_write(dir, "sig.der", der, n);
}

static int tool_write_buf(const char *dir, const char *name, ript_buf *b) {
  int rv = tool_write(dir, name, b->data, b->len);
  ript_buf_reset(b);
  return rv;
}

typedef struct tool_state {
  ript_stir_key *ca_key, *leaf_key;
  ript_stir_cert *ca, *leaf;
  ript_stir_csr *csr;
  ript_stir_tnauth grant;
  ript_stir_passport pp;
  ript_buf b;
} tool_state;

static int tool_make_certs(tool_state *st, const char *dir, const char *e164,
                           int64_t now) {
  static const uint8_t ca_serial[] = {0x01};
  static const uint8_t leaf_serial[] = {0x10, 0x00, 0x01};
  ript_stir_cert_terms ca_terms = {ca_serial, sizeof(ca_serial), now - 3600,
                                   now + 30 * 86400};
  ript_stir_cert_terms leaf_terms = {leaf_serial, sizeof(leaf_serial),
                                     now - 3600, now + 86400};
  ript_parse_error err = {0, NULL};
  int rv;
  if ((rv = ript_stir_key_generate(&st->ca_key, NULL)) != 0 ||
      (rv = ript_stir_key_generate(&st->leaf_key, NULL)) != 0)
    return tool_fail("key generation", rv, NULL);
  if ((rv = ript_stir_cert_create_ca(&st->ca, st->ca_key, "RIPT interop CA",
                                     NULL, &ca_terms, NULL)) != 0)
    return tool_fail("CA", rv, NULL);
  if ((rv = ript_stir_csr_create(st->leaf_key, e164, RIPT_STIR_FORMAT_PEM,
                                 &st->b)) != 0)
    return tool_fail("CSR", rv, NULL);
  if ((rv = ript_stir_csr_parse(&st->csr, st->b.data, st->b.len, NULL,
                                &err)) != 0)
    return tool_fail("CSR parse", rv, &err);
  if (tool_write_buf(dir, "leaf.csr", &st->b))
    return 1;
  if ((rv = ript_stir_tnauth_add_one(&st->grant, ript_stir_csr_tn(st->csr))) ||
      (rv = ript_stir_cert_issue(&st->leaf, st->csr, &st->grant, st->ca,
                                 st->ca_key, &leaf_terms, NULL)) != 0)
    return tool_fail("issue", rv, NULL);
  if (ript_stir_key_export(st->ca_key, RIPT_STIR_FORMAT_PEM, &st->b) ||
      tool_write_buf(dir, "ca.key", &st->b) ||
      ript_stir_key_export(st->leaf_key, RIPT_STIR_FORMAT_PEM, &st->b) ||
      tool_write_buf(dir, "leaf.key", &st->b) ||
      ript_stir_key_export_public(st->leaf_key, RIPT_STIR_FORMAT_PEM,
                                  &st->b) ||
      tool_write_buf(dir, "pub.pem", &st->b) ||
      ript_stir_cert_export(st->ca, RIPT_STIR_FORMAT_PEM, &st->b) ||
      tool_write_buf(dir, "ca.pem", &st->b) ||
      ript_stir_cert_export(st->leaf, RIPT_STIR_FORMAT_PEM, &st->b) ||
      tool_write_buf(dir, "leaf.pem", &st->b))
    return tool_fail("export", RIPT_ERR_CRYPTO, NULL);
  return 0;
}

static int tool_make_passport(tool_state *st, const char *dir,
                              const char *e164, const char *dest,
                              int64_t now) {
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_passport_sign(e164, dest, now,
                                   "https://ript.example/certs/leaf.pem",
                                   st->leaf_key, &st->b);
  if (rv != 0)
    return tool_fail("sign", rv, NULL);
  if ((rv = ript_stir_passport_parse(&st->pp, (const char *)st->b.data,
                                     st->b.len, &err)) != 0)
    return tool_fail("passport parse", rv, &err);
  if ((rv = ript_stir_passport_verify(&st->pp, st->leaf, now,
                                      RIPT_STIR_PASSPORT_MAX_AGE)) != 0)
    return tool_fail("passport verify", rv, NULL);
  if (tool_write_buf(dir, "passport.jws", &st->b) ||
      tool_write(dir, "input.txt", st->pp.signing_input,
                 st->pp.signing_input_len) ||
      tool_write_sig_der(dir, st->pp.signature))
    return 1;
  return 0;
}

static int tool_make(const char *dir, const char *e164, const char *dest,
                     int64_t now) {
  tool_state st;
  memset(&st, 0, sizeof(st));
  ript_stir_tnauth_init(&st.grant, NULL);
  ript_stir_passport_init(&st.pp, NULL);
  ript_buf_init(&st.b, NULL);
  int rv = tool_make_certs(&st, dir, e164, now);
  if (rv == 0)
    rv = tool_make_passport(&st, dir, e164, dest, now);
  ript_buf_free(&st.b);
  ript_stir_passport_free(&st.pp);
  ript_stir_tnauth_free(&st.grant);
  ript_stir_csr_del(st.csr);
  ript_stir_cert_del(st.leaf);
  ript_stir_cert_del(st.ca);
  ript_stir_key_del(st.leaf_key);
  ript_stir_key_del(st.ca_key);
  return rv;
}

static int tool_verify_loaded(ript_stir_cert *ca, ript_stir_cert *leaf,
                              const uint8_t *jws, size_t jwslen,
                              const char *dest, int64_t now) {
  ript_stir_trust *trust = NULL;
  ript_stir_passport pp;
  ript_parse_error err = {0, NULL};
  ript_stir_passport_init(&pp, NULL);
  while (jwslen > 0 && (jws[jwslen - 1] == '\n' || jws[jwslen - 1] == '\r'))
    --jwslen;
  int rv = ript_stir_trust_new(&trust, NULL);
  if (rv == 0)
    rv = ript_stir_trust_add_ca(trust, ca);
  if (rv == 0 && (rv = ript_stir_trust_verify(trust, leaf, NULL, 0, now)) != 0)
    tool_fail("trust", rv, NULL);
  else if (rv == 0 && (rv = ript_stir_passport_parse(&pp, (const char *)jws,
                                                     jwslen, &err)) != 0)
    tool_fail("passport parse", rv, &err);
  else if (rv == 0 && (rv = ript_stir_passport_verify(
                           &pp, leaf, now, RIPT_STIR_PASSPORT_MAX_AGE)) != 0)
    tool_fail("passport verify", rv, NULL);
  else if (rv == 0 && (rv = ript_stir_passport_check_dest(&pp, dest)) != 0)
    tool_fail("dest", rv, NULL);
  if (rv == 0)
    printf("verified: orig %s iat %lld x5u %s\n", pp.orig, (long long)pp.iat,
           pp.x5u);
  ript_stir_passport_free(&pp);
  ript_stir_trust_del(trust);
  return rv == 0 ? 0 : 1;
}

static int tool_verify(const char *ca_path, const char *leaf_path,
                       const char *jws_path, const char *dest, int64_t now) {
  size_t calen = 0, leaflen = 0, jwslen = 0;
  uint8_t *ca_pem = tool_read(ca_path, &calen);
  uint8_t *leaf_pem = tool_read(leaf_path, &leaflen);
  uint8_t *jws = tool_read(jws_path, &jwslen);
  ript_stir_cert *ca = NULL, *leaf = NULL;
  ript_parse_error err = {0, NULL};
  int rv = 1;
  if (!ca_pem || !leaf_pem || !jws)
    rv = 1;
  else if ((rv = ript_stir_cert_parse(&ca, ca_pem, calen, NULL, &err)) != 0)
    rv = tool_fail("CA certificate", rv, &err);
  else if ((rv = ript_stir_cert_parse(&leaf, leaf_pem, leaflen, NULL, &err)))
    rv = tool_fail("leaf certificate", rv, &err);
  else
    rv = tool_verify_loaded(ca, leaf, jws, jwslen, dest, now);
  ript_stir_cert_del(leaf);
  ript_stir_cert_del(ca);
  free(jws);
  free(leaf_pem);
  free(ca_pem);
  return rv;
}

static int tool_csr(const char *path) {
  size_t len = 0;
  uint8_t *data = tool_read(path, &len);
  if (!data)
    return 1;
  ript_stir_csr *csr = NULL;
  ript_parse_error err = {0, NULL};
  int rv = ript_stir_csr_parse(&csr, data, len, NULL, &err);
  free(data);
  if (rv != 0)
    return tool_fail("CSR", rv, &err);
  printf("csr for %s\n", ript_stir_csr_tn(csr));
  ript_stir_csr_del(csr);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "make") == 0)
    return tool_make(argv[2], argv[3], argv[4], strtoll(argv[5], NULL, 10));
  if (argc == 7 && strcmp(argv[1], "verify") == 0)
    return tool_verify(argv[2], argv[3], argv[4], argv[5],
                       strtoll(argv[6], NULL, 10));
  if (argc == 3 && strcmp(argv[1], "csr") == 0)
    return tool_csr(argv[2]);
  fprintf(stderr, "usage: stir_tool make DIR E164 DEST NOW\n"
                  "       stir_tool verify CA.PEM LEAF.PEM JWS DEST NOW\n"
                  "       stir_tool csr CSR\n");
  return 2;
}
