/* Internal to libript's STIR module: the handle structs shared by
 * stirkey.c, stircert.c and passport.c, and helpers between them. */
#ifndef RIPT_CORE_STIR_INTERNAL_H
#define RIPT_CORE_STIR_INTERNAL_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ript/stir.h"

struct ript_stir_key {
  const ript_mem *mem;
  gnutls_x509_privkey_t x509;
  gnutls_privkey_t priv; /* wraps |x509| without owning it */
};

struct ript_stir_cert {
  const ript_mem *mem;
  gnutls_x509_crt_t crt;
  int has_tnauth;
  ript_stir_tnauth tnauth;
};

struct ript_stir_csr {
  const ript_mem *mem;
  gnutls_x509_crq_t crq;
  char tn[RIPT_STIR_TN_BUFLEN];
};

/* Fills |err| (may be NULL) and returns RIPT_ERR_PARSE. */
int ript_stir_parse_fail(ript_parse_error *err, size_t offset,
                         const char *expected);

/* Nonzero if |s| is 1-15 ASCII digits. */
int ript_stir_is_digits(const char *s);

/* Maps a GnuTLS error code to RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO. */
int ript_stir_gnutls_error(int gnutls_rv);

/* Appends a gnutls_datum_t (then frees it with gnutls_free). */
int ript_stir_buf_take_datum(ript_buf *out, gnutls_datum_t *d);

/* Nonzero if |pub| is an ECDSA key on P-256. */
int ript_stir_pubkey_is_p256(gnutls_pubkey_t pub);

/* PEM if |data| holds a "-----BEGIN" line, else DER. */
gnutls_x509_crt_fmt_t ript_stir_guess_format(const uint8_t *data, size_t len);

/* The GnuTLS format constant for a RIPT one (already validated). */
gnutls_x509_crt_fmt_t ript_stir_gnutls_format(ript_stir_format format);

/*
 * Appends the JWS signing input of a PASSporT with these claims:
 * base64url(header) "." base64url(payload), both serialised as RFC 8225 §9
 * requires. |orig| is canonical digits. Returns 0 or RIPT_ERR_NOMEM
 * (|out| as before). Used by signing and by the passport fuzz target.
 */
int ript_stir_passport_encode_input(ript_buf *out, const char *orig,
                                    const ript_stir_dest *dest, size_t ndest,
                                    int64_t iat, const char *x5u);

#endif /* RIPT_CORE_STIR_INTERNAL_H */
