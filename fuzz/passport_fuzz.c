/*
 * PASSporT parser. On success the claims are serialised again in the
 * canonical RFC 8225 form with the same signature; that token must parse
 * to the same claims and serialise to the same bytes. Every parsed token
 * also goes through verification against the worked example's
 * certificate, and through the dest check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64url.h"
#include "ript/stir.h"
#include "stir_internal.h"

/* docs/PROTOCOL.md appendix A.5, example=stir-leaf-cert. */
static const char leaf_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBqTCCAU+gAwIBAgIGFAhVUQABMAoGCCqGSM49BAMCMB8xHTAbBgNVBAMTFFJJ\n"
    "UFQgRXhhbXBsZSBTVElSIENBMB4XDTIwMDEwMTAwMDAwMFoXDTMwMDEwMTAwMDAw\n"
    "MFowFzEVMBMGA1UEAxMMKzE0MDg1NTUxMDAwMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
    "AQcDQgAEqUCx9k5Jm5dIe/+DyfLxxVQ/6tpOgnoatJXyfOsDZ4VZUfTsxvIP6qFj\n"
    "PcwFC62YrfhkVCoO2TP5IDQK+HBKoaN/MH0wDAYDVR0TAQH/BAIwADAOBgNVHQ8B\n"
    "Af8EBAMCB4AwHQYDVR0OBBYEFFGQFTmtMXWufmQOktbahEYraL5yMB8GA1UdIwQY\n"
    "MBaAFBSdFFnwUAmh9mjqb0r8Gj5rVXiVMB0GCCsGAQUFBwEaBBEwD6INFgsxNDA4\n"
    "NTU1MTAwMDAKBggqhkjOPQQDAgNIADBFAiA3q2VOg2GZ4lfhZlqr0bZblGTMwN6O\n"
    "A+VgRAWHowQTnAIhAI8UN1mxLpwQX53DsaW9p1aiA+aBim3TzdQVa5sAXWFd\n"
    "-----END CERTIFICATE-----\n";

static ript_stir_cert *passport_cert(void) {
  static ript_stir_cert *cert; /* the harness's, kept for the whole run */
  if (!cert &&
      ript_stir_cert_parse(&cert, (const uint8_t *)leaf_pem,
                           sizeof(leaf_pem) - 1, NULL, NULL) != 0)
    abort();
  return cert;
}

static int passport_same(const ript_stir_passport *a,
                         const ript_stir_passport *b) {
  if (strcmp(a->orig, b->orig) != 0 || strcmp(a->x5u, b->x5u) != 0 ||
      a->iat != b->iat || a->ndest != b->ndest ||
      memcmp(a->signature, b->signature, sizeof(a->signature)) != 0)
    return 0;
  for (size_t i = 0; i < a->ndest; ++i)
    if (a->dest[i].type != b->dest[i].type ||
        strcmp(a->dest[i].value, b->dest[i].value) != 0)
      return 0;
  return 1;
}

/* The canonical token for |pp|'s claims and signature. */
static void passport_reencode(const ript_stir_passport *pp, ript_buf *out) {
  if (ript_stir_passport_encode_input(out, pp->orig, pp->dest, pp->ndest,
                                      pp->iat, pp->x5u) != 0 ||
      ript_buf_append(out, ".", 1) != 0 ||
      ript_base64url_encode(out, pp->signature, sizeof(pp->signature)) != 0)
    abort();
}

static void passport_check_round_trip(const ript_stir_passport *pp) {
  ript_buf once, twice;
  ript_stir_passport again;
  ript_buf_init(&once, NULL);
  ript_buf_init(&twice, NULL);
  ript_stir_passport_init(&again, NULL);
  passport_reencode(pp, &once);
  if (ript_stir_passport_parse(&again, (const char *)once.data, once.len,
                               NULL) != 0 ||
      !passport_same(pp, &again))
    abort();
  passport_reencode(&again, &twice);
  if (once.len != twice.len || memcmp(once.data, twice.data, once.len) != 0)
    abort();
  ript_stir_passport_free(&again);
  ript_buf_free(&twice);
  ript_buf_free(&once);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ript_stir_passport pp;
  ript_parse_error err = {0, NULL};
  ript_stir_passport_init(&pp, NULL);
  int rv = ript_stir_passport_parse(&pp, (const char *)data, size, &err);
  if (rv == 0) {
    passport_check_round_trip(&pp);
    rv = ript_stir_passport_verify(&pp, passport_cert(), pp.iat, 60);
    if (rv != 0 && rv != RIPT_ERR_SIGNATURE && rv != RIPT_ERR_NOT_COVERED)
      abort();
    rv = ript_stir_passport_check_dest(&pp, "+14089529999");
    if (rv != 0 && rv != RIPT_ERR_MISMATCH)
      abort();
  } else if (rv != RIPT_ERR_PARSE || !err.expected || err.offset > size ||
             pp.orig) {
    abort();
  }
  ript_stir_passport_free(&pp);
  return 0;
}
