/*
 * ript/stir.h - STIR caller ID for RIPT: telephone numbers, TNAuthList
 * (RFC 8226), P-256 keys, certificates and CSRs, a trust store, and
 * PASSporTs (RFC 8225) signed with ES256.
 *
 * How RIPT uses these (draft-rosenberg-dispatch-ript §8.6, §9.7, §9.8):
 *   client: ript_stir_key_generate -> ript_stir_csr_create for the number
 *           it calls from -> POST to the TG's /certs -> keeps the returned
 *           certificate and, per call, ript_stir_passport_sign.
 *   server: ript_stir_csr_parse -> decides what it grants ->
 *           ript_stir_cert_issue; per call ript_stir_passport_parse ->
 *           fetch/lookup the certificate named by x5u ->
 *           ript_stir_trust_verify -> ript_stir_passport_verify ->
 *           ript_stir_passport_check_dest.
 *
 * Sans-I/O: nothing here reads the clock, the network or files; times are
 * int64_t Unix seconds passed in by the caller. Crypto is GnuTLS (its RNG
 * generates keys); GnuTLS, libtasn1 and jansson allocate their own internal
 * memory, so a ript_mem only governs what libript allocates itself.
 *
 * Thread-safety: no function keeps global state. Objects are not
 * synchronised: calls on distinct objects may run in parallel, calls on one
 * object (even read-only ones) need the caller's locking.
 */
#ifndef RIPT_STIR_H
#define RIPT_STIR_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/error.h"
#include "ript/mem.h"

/* ------------------------------------------------------------------------
 * Telephone numbers
 *
 * Two spellings of one E.164 number: "+14085551000" (what RIPT's JSON and
 * certificate subjects carry) and "14085551000", the canonical form of
 * RFC 8224 §8.3 that PASSporT "tn" claims and TNAuthList entries carry.
 * Both are accepted only in exactly that shape: 1 to 15 ASCII digits, with
 * no separators, spaces or other characters.
 * ---------------------------------------------------------------------- */

/* Maximum digits in an E.164 number. */
#define RIPT_STIR_TN_MAX 15
/* Buffer sizes that always suffice for the two spellings (with the NUL). */
#define RIPT_STIR_TN_BUFLEN (RIPT_STIR_TN_MAX + 1)
#define RIPT_STIR_E164_BUFLEN (RIPT_STIR_TN_MAX + 2)

/*
 * Writes the canonical digits of |e164| ("+" then 1-15 digits) to |out| as
 * a NUL-terminated string. Returns the number of digits, RIPT_ERR_PARSE if
 * |e164| has another shape, RIPT_ERR_NOBUF if |outlen| cannot hold the
 * digits and the NUL, RIPT_ERR_INVALID_ARGUMENT for NULL pointers.
 */
ript_ssize ript_stir_tn_from_e164(const char *e164, char *out, size_t outlen);

/*
 * The inverse: writes "+" and |digits| (1-15 digits) to |out|. Returns the
 * length written (without the NUL), RIPT_ERR_PARSE, RIPT_ERR_NOBUF or
 * RIPT_ERR_INVALID_ARGUMENT as above.
 */
ript_ssize ript_stir_tn_to_e164(const char *digits, char *out, size_t outlen);

/* ------------------------------------------------------------------------
 * TNAuthList (RFC 8226 §9, id-pe-TNAuthList 1.3.6.1.5.5.7.1.26)
 *
 * The list of what a certificate has authority over: service provider
 * codes (SPCs), ranges of numbers and single numbers. The struct is the
 * caller's (init/free); the entries are owned by it.
 * ---------------------------------------------------------------------- */

/* The OID of the TNAuthList certificate extension. */
#define RIPT_STIR_TNAUTH_OID "1.3.6.1.5.5.7.1.26"

typedef enum ript_stir_tnentry_type {
  RIPT_STIR_TNENTRY_SPC = 0,   /* spc [0] ServiceProviderCode */
  RIPT_STIR_TNENTRY_RANGE = 1, /* range [1] TelephoneNumberRange */
  RIPT_STIR_TNENTRY_ONE = 2    /* one [2] TelephoneNumber */
} ript_stir_tnentry_type;

typedef struct ript_stir_tnentry {
  ript_stir_tnentry_type type;
  /* SPC: the code (printable ASCII). RANGE: the first number. ONE: the
   * number. Numbers are 1-15 characters of "0123456789#*". */
  char *value;
  /* RANGE only: how many numbers, >= 2. Zero for the other types. */
  uint64_t count;
} ript_stir_tnentry;

typedef struct ript_stir_tnauth {
  ript_stir_tnentry *entries;
  size_t len;
  size_t cap;
  const ript_mem *mem;
} ript_stir_tnauth;

/* Initialises an empty list that allocates with |mem| (NULL: default). */
void ript_stir_tnauth_init(ript_stir_tnauth *list, const ript_mem *mem);

/* Frees every entry; the list is empty and may be reused. */
void ript_stir_tnauth_free(ript_stir_tnauth *list);

/*
 * Append one entry (the string is copied). ript_stir_tnauth_add_spc takes
 * 1 or more printable ASCII characters (0x20-0x7e); _add_range and _add_one
 * take 1-15 characters of "0123456789#*", and _add_range a |count| >= 2.
 * Return 0, RIPT_ERR_INVALID_ARGUMENT for a value outside those rules (the
 * list is unchanged), or RIPT_ERR_NOMEM (list unchanged).
 */
int ript_stir_tnauth_add_spc(ript_stir_tnauth *list, const char *spc);
int ript_stir_tnauth_add_range(ript_stir_tnauth *list, const char *start,
                               uint64_t count);
int ript_stir_tnauth_add_one(ript_stir_tnauth *list, const char *tn);

/*
 * Appends the DER encoding of |list| (a TNAuthorizationList: the value of
 * the certificate extension, without the extension wrapper) to |out|.
 * Returns 0, RIPT_ERR_INVALID_ARGUMENT for an empty list, RIPT_ERR_NOMEM,
 * or RIPT_ERR_CRYPTO if libtasn1 fails.
 */
int ript_stir_tnauth_encode(const ript_stir_tnauth *list, ript_buf *out);

/*
 * Parses a DER TNAuthorizationList, replacing the contents of the
 * initialised |list|. Strict: the input must be exactly one canonical DER
 * value with no trailing bytes, at least one entry, numbers of 1-15
 * characters of "0123456789#*", SPCs of printable ASCII, range counts from
 * 2 to 2^64-1, and no fields beyond those of RFC 8226. Returns 0,
 * RIPT_ERR_PARSE (|err| names the offending element and its offset where
 * known; |list| is left empty), RIPT_ERR_NOMEM (|list| empty),
 * RIPT_ERR_CRYPTO if libtasn1 fails, or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_tnauth_parse(ript_stir_tnauth *list, const uint8_t *der,
                           size_t len, ript_parse_error *err);

/*
 * Whether |list| gives authority over the number |tn| (canonical digits,
 * 1-15 of them). A ONE entry covers an equal number; a RANGE covers the
 * numbers of the same length as its start from start to start+count-1
 * (decimal); SPC entries cover no number, because RIPT needs authority
 * over the number itself. Returns 1 (covered), 0 (not covered), or
 * RIPT_ERR_INVALID_ARGUMENT if |tn| is not canonical digits.
 */
int ript_stir_tnauth_covers(const ript_stir_tnauth *list, const char *tn);

/* ------------------------------------------------------------------------
 * Keys, certificates, CSRs: opaque handles around GnuTLS objects.
 * ---------------------------------------------------------------------- */

/* Output encodings for the export functions. */
typedef enum ript_stir_format {
  RIPT_STIR_FORMAT_PEM = 0,
  RIPT_STIR_FORMAT_DER = 1
} ript_stir_format;

typedef struct ript_stir_key ript_stir_key;
typedef struct ript_stir_cert ript_stir_cert;
typedef struct ript_stir_csr ript_stir_csr;
typedef struct ript_stir_trust ript_stir_trust;

/*
 * Generates a new ECDSA P-256 key pair with GnuTLS's random generator and
 * stores a new handle in |*pkey| (free with ript_stir_key_del). Returns 0,
 * RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_key_generate(ript_stir_key **pkey, const ript_mem *mem);

/*
 * Imports a private key from PEM ("PRIVATE KEY" PKCS#8 or "EC PRIVATE KEY")
 * or DER. Only unencrypted ECDSA P-256 keys are accepted. Returns 0,
 * RIPT_ERR_PARSE (|err|->expected says what was wrong; offset 0),
 * RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_key_parse(ript_stir_key **pkey, const uint8_t *data, size_t len,
                        const ript_mem *mem, ript_parse_error *err);

/* Appends the private key as unencrypted PKCS#8 ("-----BEGIN PRIVATE
 * KEY-----" for PEM). Returns 0, RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO or
 * RIPT_ERR_INVALID_ARGUMENT. */
int ript_stir_key_export(const ript_stir_key *key, ript_stir_format format,
                         ript_buf *out);

/* Appends the public key as a SubjectPublicKeyInfo ("PUBLIC KEY"). Returns
 * as ript_stir_key_export. */
int ript_stir_key_export_public(const ript_stir_key *key,
                                ript_stir_format format, ript_buf *out);

/* Frees the key. NULL is a no-op. */
void ript_stir_key_del(ript_stir_key *key);

/*
 * Imports one X.509 certificate: PEM (the first "CERTIFICATE" block) or
 * DER. A TNAuthList extension, when present, is parsed strictly (as
 * ript_stir_tnauth_parse) at import. Returns 0, RIPT_ERR_PARSE (offset 0,
 * |err|->expected says what was wrong), RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO or
 * RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_cert_parse(ript_stir_cert **pcert, const uint8_t *data,
                         size_t len, const ript_mem *mem,
                         ript_parse_error *err);

/* Appends the certificate as PEM or DER. Returns 0, RIPT_ERR_NOMEM,
 * RIPT_ERR_CRYPTO or RIPT_ERR_INVALID_ARGUMENT. */
int ript_stir_cert_export(const ript_stir_cert *cert, ript_stir_format format,
                          ript_buf *out);

/* The certificate's TNAuthList, or NULL if it has none. Valid until the
 * certificate is freed. */
const ript_stir_tnauth *ript_stir_cert_tnauth(const ript_stir_cert *cert);

/* notBefore and notAfter as Unix seconds. |cert| must not be NULL. */
int64_t ript_stir_cert_not_before(const ript_stir_cert *cert);
int64_t ript_stir_cert_not_after(const ript_stir_cert *cert);

/*
 * What a certificate is issued with: a serial number (1-20 big-endian
 * bytes, first byte 0x01-0x7f so the number is positive and minimally
 * encoded) and the validity period in Unix seconds, not_before <=
 * not_after. All fields are read during the call only.
 */
typedef struct ript_stir_cert_terms {
  const uint8_t *serial;
  size_t serial_len;
  int64_t not_before;
  int64_t not_after;
} ript_stir_cert_terms;

/*
 * Creates a self-signed STIR CA certificate for |key| (for development
 * servers and tests): subject and issuer CN=|common_name|, basicConstraints
 * CA:TRUE (critical), keyUsage keyCertSign+cRLSign (critical), a subject
 * key identifier, and, if |tnauth| is not NULL, a TNAuthList extension
 * (non-critical) holding it. Signed ECDSA-SHA256. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, empty name, bad terms, an
 * empty |tnauth|), RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int ript_stir_cert_create_ca(ript_stir_cert **pcert, const ript_stir_key *key,
                             const char *common_name,
                             const ript_stir_tnauth *tnauth,
                             const ript_stir_cert_terms *terms,
                             const ript_mem *mem);

/*
 * Issues an end-entity STIR certificate for the key in |csr|, signed by
 * |ca| / |ca_key| with ECDSA-SHA256: X.509 v3, subject CN = the number the
 * CSR requested in E.164 ("+1..."; no other subject attribute of the CSR is
 * copied), the CSR's public key, TNAuthList = |grant| (non-critical; the
 * server passes what it decided to grant, never the request as such),
 * basicConstraints CA:FALSE (critical), keyUsage digitalSignature
 * (critical), subject and authority key identifiers. Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, empty |grant|, bad terms, |ca|
 * not a CA, or |ca_key| not the key of |ca|), RIPT_ERR_NOMEM or
 * RIPT_ERR_CRYPTO.
 */
int ript_stir_cert_issue(ript_stir_cert **pcert, const ript_stir_csr *csr,
                         const ript_stir_tnauth *grant,
                         const ript_stir_cert *ca, const ript_stir_key *ca_key,
                         const ript_stir_cert_terms *terms,
                         const ript_mem *mem);

/* Frees the certificate. NULL is a no-op. */
void ript_stir_cert_del(ript_stir_cert *cert);

/*
 * Creates a PKCS#10 request, signed by |key| (ECDSA-SHA256), for a
 * certificate valid for the single number |e164| ("+" and 1-15 digits):
 * subject CN=|e164| and a requested TNAuthList extension holding exactly
 * that number as a "one" entry. Appends it to |out| in |format|. Returns
 * 0, RIPT_ERR_INVALID_ARGUMENT (NULL pointers or |e164| not E.164),
 * RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int ript_stir_csr_create(const ript_stir_key *key, const char *e164,
                         ript_stir_format format, ript_buf *out);

/*
 * Parses a CSR (PEM "CERTIFICATE REQUEST" or DER) as RIPT's /certs
 * resource receives it, and checks it describes a certificate for exactly
 * one number. Returns 0 and a new handle in |*pcsr|, or:
 *   RIPT_ERR_PARSE with |err|->expected set (offset 0) when the bytes are
 *     not a CSR, its key is not ECDSA P-256, it requests no TNAuthList,
 *     its TNAuthList is malformed, holds more than one entry or an entry
 *     that is not a single E.164 number (a range or an SPC), or its subject
 *     CN is missing or differs from that number in E.164 form;
 *   RIPT_ERR_SIGNATURE when its self-signature does not verify;
 *   RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO, RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_csr_parse(ript_stir_csr **pcsr, const uint8_t *data, size_t len,
                        const ript_mem *mem, ript_parse_error *err);

/* The requested number, canonical digits. Valid until the CSR is freed. */
const char *ript_stir_csr_tn(const ript_stir_csr *csr);

/* Frees the CSR. NULL is a no-op. */
void ript_stir_csr_del(ript_stir_csr *csr);

/* ------------------------------------------------------------------------
 * Trust store: the CA certificates a verifier accepts.
 * ---------------------------------------------------------------------- */

/* Creates an empty trust store. Returns 0, RIPT_ERR_NOMEM,
 * RIPT_ERR_CRYPTO or RIPT_ERR_INVALID_ARGUMENT. */
int ript_stir_trust_new(ript_stir_trust **ptrust, const ript_mem *mem);

/* Frees the store. NULL is a no-op. */
void ript_stir_trust_del(ript_stir_trust *trust);

/* Adds a copy of |ca|, which must be a CA certificate (basicConstraints
 * CA:TRUE). Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL or not a CA),
 * RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO. */
int ript_stir_trust_add_ca(ript_stir_trust *trust, const ript_stir_cert *ca);

/*
 * Adds every certificate of a PEM bundle (one or more "CERTIFICATE"
 * blocks). All or nothing: returns 0, or RIPT_ERR_PARSE (offset 0; no
 * certificate, a malformed one, or one that is not a CA) leaving the store
 * unchanged, RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO, RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_trust_add_pem(ript_stir_trust *trust, const uint8_t *pem,
                            size_t len, ript_parse_error *err);

/*
 * Verifies that |leaf| chains to a CA of the store through |intermediates|
 * (|nintermediates| certificates, at most 16, issuer of the leaf first; may
 * be NULL/0)
 * and that every certificate involved - the leaf, each intermediate and
 * the trust anchor reached - is within its validity period at |now| (Unix
 * seconds; notBefore <= now <= notAfter). The clock is never read. Returns
 * 0, RIPT_ERR_UNTRUSTED (no path to a trusted CA, a bad certificate
 * signature, an intermediate that is not a CA, or a certificate not valid
 * at |now|), RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO or RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_trust_verify(const ript_stir_trust *trust,
                           const ript_stir_cert *leaf,
                           const ript_stir_cert *const *intermediates,
                           size_t nintermediates, int64_t now);

/* ------------------------------------------------------------------------
 * PASSporT (RFC 8225), compact JWS with ES256.
 *
 * Header:  {"alg":"ES256","typ":"passport","x5u":"<certificate URL>"}
 * Payload: {"dest":{"tn":["14089529999"]},"iat":1582000000,
 *           "orig":{"tn":"14085551000"}}
 * both in the RFC 8225 §9 form (keys in lexicographic order, no
 * whitespace). A RIPT destination (§9.8) is either an E.164 number
 * ("+14089529999", carried as dest "tn" in canonical digits) or
 * "<user>@<domain>" (a private-trunk number or an email address, carried
 * as dest "uri" "sip:<user>@<domain>").
 * ---------------------------------------------------------------------- */

/* The iat window the draft's callers use, in seconds. */
#define RIPT_STIR_PASSPORT_MAX_AGE 60

typedef enum ript_stir_dest_type {
  RIPT_STIR_DEST_TN = 0, /* "tn": canonical digits */
  RIPT_STIR_DEST_URI = 1 /* "uri": a URI, e.g. "sip:1234@corp.example" */
} ript_stir_dest_type;

typedef struct ript_stir_dest {
  ript_stir_dest_type type;
  char *value;
} ript_stir_dest;

/*
 * A parsed (not yet verified) PASSporT. The caller owns the struct
 * (init/free); the fields are read-only results of
 * ript_stir_passport_parse and stay valid until the next parse or free.
 */
typedef struct ript_stir_passport {
  char *orig;           /* orig "tn": canonical digits */
  ript_stir_dest *dest; /* dest "tn" entries first, then "uri" entries */
  size_t ndest;         /* >= 1 */
  int64_t iat;          /* >= 0 */
  char *x5u;            /* URL of the signer's certificate */
  /* Internal: what the signature covers, and the signature. */
  char *signing_input;
  size_t signing_input_len;
  uint8_t signature[64]; /* JWS ES256: r || s, 32 bytes each */
  const ript_mem *mem;
} ript_stir_passport;

/* Initialises an empty PASSporT that allocates with |mem| (NULL: default). */
void ript_stir_passport_init(ript_stir_passport *pp, const ript_mem *mem);

/* Frees the claims; the struct is empty and may be reused. */
void ript_stir_passport_free(ript_stir_passport *pp);

/*
 * Signs a PASSporT for a call from |orig_e164| ("+" and 1-15 digits) to
 * the RIPT |destination| (see above) issued at |iat| (Unix seconds, >= 0),
 * naming the signer's certificate URL |x5u| (non-empty), with |key|. The
 * ECDSA signature is deterministic (RFC 6979), so equal inputs give equal
 * tokens. Appends the compact JWS to |out| (nothing on failure). Returns
 * 0, RIPT_ERR_INVALID_ARGUMENT (NULL pointers, malformed numbers or
 * destination, negative iat, an x5u that is empty or holds anything but
 * printable ASCII without spaces), RIPT_ERR_NOMEM or RIPT_ERR_CRYPTO.
 */
int ript_stir_passport_sign(const char *orig_e164, const char *destination,
                            int64_t iat, const char *x5u,
                            const ript_stir_key *key, ript_buf *out);

/*
 * Parses a compact JWS PASSporT without checking its signature, so a
 * server can first look at x5u to find the certificate. Replaces the
 * contents of the initialised |pp|. Refuses (RIPT_ERR_PARSE, |err| gives
 * the offset in |jws| of the part at fault and what was expected there):
 * anything but three base64url parts (unpadded, canonical); a header that
 * is not a JSON object (duplicate keys are refused everywhere) or whose
 * "alg" is not "ES256", whose "typ" is present and not "passport", that
 * has a "ppt" (RFC 8225 §8 extensions such as "shaken" carry claims RIPT
 * cannot check) or a "crit" member, or no non-empty string "x5u"; a payload
 * that is not a JSON object with an integer "iat" >= 0, an "orig" object
 * with a "tn" of canonical digits (orig "uri" is refused: RIPT needs a
 * number a certificate can cover), and a "dest" object whose "tn" and/or
 * "uri" arrays hold at least one identity in total ("tn": canonical
 * digits; "uri": strings); a signature that is not 64 bytes. Unknown
 * other header and payload members are ignored. Returns 0, RIPT_ERR_PARSE
 * (|pp| left empty), RIPT_ERR_NOMEM (|pp| empty) or
 * RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_stir_passport_parse(ript_stir_passport *pp, const char *jws,
                             size_t len, ript_parse_error *err);

/*
 * Verifies a parsed PASSporT against the signer's certificate |cert| (the
 * one x5u names; checking that it is trusted is ript_stir_trust_verify's
 * job) at |now|, in this order:
 *   RIPT_ERR_SIGNATURE   the certificate's key is not ECDSA P-256, or the
 *                        ES256 signature does not verify;
 *   RIPT_ERR_STALE       |now - iat| > |max_age_s| (too old or too far in
 *                        the future; RIPT uses RIPT_STIR_PASSPORT_MAX_AGE);
 *   RIPT_ERR_NOT_COVERED the certificate has no TNAuthList, or it does not
 *                        cover orig (ript_stir_tnauth_covers).
 * Returns 0 when all hold, those codes, RIPT_ERR_NOMEM, RIPT_ERR_CRYPTO,
 * or RIPT_ERR_INVALID_ARGUMENT (NULL pointers, an unparsed |pp|, negative
 * |max_age_s|).
 */
int ript_stir_passport_verify(const ript_stir_passport *pp,
                              const ript_stir_cert *cert, int64_t now,
                              int64_t max_age_s);

/*
 * Checks that the PASSporT's dest is exactly the RIPT |destination| of the
 * call request: a single identity, equal to it in the form
 * ript_stir_passport_sign writes. Returns 0, RIPT_ERR_MISMATCH, or
 * RIPT_ERR_INVALID_ARGUMENT (NULL pointers, malformed |destination|).
 */
int ript_stir_passport_check_dest(const ript_stir_passport *pp,
                                  const char *destination);

#endif /* RIPT_STIR_H */
