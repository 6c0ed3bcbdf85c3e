/*
 * STIR certificates (draft §8.6, §9.7): a CSR for one number to
 * {tg}/certs, the issued chain checked against what was asked for; and the
 * caller-ID key kept in a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "client_internal.h"
#include "ript/uri.h"
#include "ript_mem.h"

enum { CERTS_KEY_FILE_MAX = 65536 };

typedef struct cert_op {
  ript_client *client;
  ript_client_cert_cb cb;
  void *user_data;
  char e164[RIPT_STIR_E164_BUFLEN];
  char tn[RIPT_STIR_TN_BUFLEN];
  ript_buf spki; /* the key's public half (DER), to recognise the leaf */
} cert_op;

/* The leaf's SubjectPublicKeyInfo (DER) into |out|. */
static int certs_leaf_spki(const ript_stir_cert *leaf, ript_buf *out) {
  ript_buf der;
  ript_buf_init(&der, out->mem);
  int rv = ript_stir_cert_export(leaf, RIPT_STIR_FORMAT_DER, &der);
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t pub = NULL;
  gnutls_datum_t in = {der.data, (unsigned)der.len}, spki = {NULL, 0};
  if (rv == 0 && (gnutls_x509_crt_init(&crt) < 0 ||
                  gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER) < 0 ||
                  gnutls_pubkey_init(&pub) < 0 ||
                  gnutls_pubkey_import_x509(pub, crt, 0) < 0 ||
                  gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &spki) < 0))
    rv = RIPT_ERR_CRYPTO;
  if (rv == 0)
    rv = ript_buf_append(out, spki.data, spki.size);
  gnutls_free(spki.data);
  if (pub)
    gnutls_pubkey_deinit(pub);
  if (crt)
    gnutls_x509_crt_deinit(crt);
  ript_buf_free(&der);
  return rv;
}

/* Whether the leaf is what was asked for: our key, our number. */
static void certs_check_leaf(cert_op *op, const ript_stir_cert *leaf,
                             ript_client_result *res) {
  ript_buf spki;
  ript_buf_init(&spki, op->client->mem);
  int rv = certs_leaf_spki(leaf, &spki);
  if (rv != 0) {
    res->code = rv;
  } else if (spki.len != op->spki.len ||
             memcmp(spki.data, op->spki.data, spki.len) != 0) {
    res->code = RIPT_ERR_MISMATCH;
    res->what = "the issued certificate is not for the key of the CSR";
  } else if (!ript_stir_cert_tnauth(leaf) ||
             ript_stir_tnauth_covers(ript_stir_cert_tnauth(leaf), op->tn) !=
                 1) {
    res->code = RIPT_ERR_MISMATCH;
    res->what = "the issued certificate's TNAuthList does not cover the "
                "number asked for";
  }
  ript_buf_free(&spki);
}

/* Reads the 201: Location (the x5u) and the chain's leaf. */
static ript_stir_cert *certs_read(cert_op *op, const ript_client_req *req,
                                  ript_client_result *res) {
  ript_parse_error perr = {0, NULL};
  if (!req->location) {
    ript_client_result_unusable(res, RIPT_ERR_PARSE, "Location header", NULL);
    return NULL;
  }
  int rv = ript_uri_parse(req->location, strlen(req->location), 0, NULL,
                          &perr);
  if (rv != 0) {
    ript_client_result_unusable(res, rv, "Location header", &perr);
    return NULL;
  }
  ript_stir_cert *leaf = NULL;
  rv = req->body.len ? ript_stir_cert_parse(&leaf, req->body.data,
                                            req->body.len, op->client->mem,
                                            &perr)
                     : RIPT_ERR_PARSE;
  if (rv == RIPT_ERR_PARSE)
    ript_client_result_unusable(res, rv, "certificate chain",
                                req->body.len ? &perr : NULL);
  else if (rv != 0)
    res->code = rv;
  else
    certs_check_leaf(op, leaf, res);
  return leaf;
}

static void certs_free(cert_op *op) {
  ript_buf_free(&op->spki);
  ript_mem_free(op->client->mem, op);
}

static int certs_on_done(ript_client_req *req) {
  cert_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  ript_stir_cert *leaf = res.code == 0 ? certs_read(op, req, &res) : NULL;
  ript_client_cert cert = {op->e164, req->location,
                           (const char *)req->body.data, req->body.len, leaf};
  op->cb(op->client, &res, res.code == 0 ? &cert : NULL, op->user_data);
  ript_stir_cert_del(leaf);
  certs_free(op);
  return 0;
}

/* The CSR and the request carrying it. */
static int certs_send(cert_op *op, const char *tg_uri,
                      const ript_stir_key *key) {
  ript_buf url, csr;
  ript_buf_init(&url, op->client->mem);
  ript_buf_init(&csr, op->client->mem);
  int rv = ript_uri_join(tg_uri, "certs", &url);
  if (rv == 0)
    rv = ript_stir_key_export_public(key, RIPT_STIR_FORMAT_DER, &op->spki);
  if (rv == 0)
    rv = ript_stir_csr_create(key, op->e164, RIPT_STIR_FORMAT_PEM, &csr);
  if (rv == 0) {
    ript_client_req_spec spec = {"POST",
                                 (const char *)url.data,
                                 "application/pkcs10",
                                 csr.data,
                                 csr.len,
                                 "application/pem-certificate-chain",
                                 0,
                                 NULL};
    rv = ript_client_req_start(op->client, &spec, certs_on_done, op, NULL);
  }
  ript_buf_free(&url);
  ript_buf_free(&csr);
  return rv;
}

int ript_client_cert_request(ript_client *client, const char *tg_uri,
                             const char *e164, const ript_stir_key *key,
                             ript_client_cert_cb cb, void *user_data) {
  if (!client || !e164 || !key || !cb || !ript_client_uri_ok(tg_uri))
    return RIPT_ERR_INVALID_ARGUMENT;
  cert_op *op = ript_mem_calloc(client->mem, 1, sizeof(*op));
  if (!op)
    return RIPT_ERR_NOMEM;
  op->client = client;
  op->cb = cb;
  op->user_data = user_data;
  ript_buf_init(&op->spki, client->mem);
  int rv = ript_stir_tn_from_e164(e164, op->tn, sizeof(op->tn)) < 0
               ? RIPT_ERR_INVALID_ARGUMENT
               : 0;
  if (rv == 0) {
    memcpy(op->e164, e164, strlen(e164) + 1);
    rv = certs_send(op, tg_uri, key);
  }
  if (rv != 0)
    certs_free(op);
  return rv;
}

/* ---- the key file ---- */

/* Reads the whole of a small file. Returns 0, RIPT_ERR_INVALID_ARGUMENT
 * (errno set; ENOENT when it does not exist) or RIPT_ERR_NOMEM. */
static int certs_read_file(const char *path, ript_buf *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return RIPT_ERR_INVALID_ARGUMENT;
  int rv = 0;
  uint8_t chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      rv = n < 0 ? RIPT_ERR_INVALID_ARGUMENT : 0;
      break;
    }
    if (out->len + (size_t)n > CERTS_KEY_FILE_MAX) {
      errno = EFBIG;
      rv = RIPT_ERR_INVALID_ARGUMENT;
      break;
    }
    if ((rv = ript_buf_append(out, chunk, (size_t)n)) != 0)
      break;
  }
  int saved = errno;
  close(fd);
  errno = saved;
  return rv;
}

static int certs_load_key(const char *path, ript_stir_key **pkey,
                          ript_parse_error *err, const ript_mem *mem) {
  ript_buf pem;
  ript_buf_init(&pem, mem);
  int rv = certs_read_file(path, &pem);
  if (rv == 0)
    rv = pem.len ? ript_stir_key_parse(pkey, pem.data, pem.len, mem, err)
                 : RIPT_ERR_PARSE;
  if (rv == RIPT_ERR_PARSE && pem.len == 0 && err)
    *err = (ript_parse_error){0, "a P-256 private key (the file is empty)"};
  int saved = errno;
  if (pem.data)
    memset(pem.data, 0, pem.len); /* no key material left in freed memory */
  ript_buf_free(&pem);
  errno = saved;
  return rv;
}

/* Writes all of |data| to |fd|. */
static int certs_write_all(int fd, const uint8_t *data, size_t len) {
  while (len) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Writes |pem| to a fresh temporary file (mode 0600) next to |path| and
 * links it there, which fails with EEXIST rather than replace a file. */
static int certs_store_key(const char *path, const ript_buf *pem,
                           const ript_mem *mem) {
  ript_buf tmp;
  ript_buf_init(&tmp, mem);
  int rv = ript_buf_printf(&tmp, "%s.XXXXXX", path);
  if (rv != 0)
    return rv;
  char *name = (char *)tmp.data;
  int fd = mkostemp(name, O_CLOEXEC);
  rv = fd < 0 ? RIPT_ERR_INVALID_ARGUMENT : 0;
  if (rv == 0 && (fchmod(fd, S_IRUSR | S_IWUSR) != 0 ||
                  certs_write_all(fd, pem->data, pem->len) != 0 ||
                  fsync(fd) != 0))
    rv = RIPT_ERR_INVALID_ARGUMENT;
  int saved = errno;
  if (fd >= 0 && close(fd) != 0 && rv == 0) {
    saved = errno;
    rv = RIPT_ERR_INVALID_ARGUMENT;
  }
  if (rv == 0 && link(name, path) != 0) {
    saved = errno;
    rv = RIPT_ERR_INVALID_ARGUMENT;
  }
  if (fd >= 0)
    unlink(name);
  ript_buf_free(&tmp);
  errno = saved;
  return rv;
}

int ript_client_key_load(const char *path, ript_stir_key **pkey,
                         ript_parse_error *err, const ript_mem *mem) {
  if (!path || !pkey)
    return RIPT_ERR_INVALID_ARGUMENT;
  return certs_load_key(path, pkey, err, mem);
}

int ript_client_key_save(const ript_stir_key *key, const char *path,
                         const ript_mem *mem) {
  if (!key || !path)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_buf pem;
  ript_buf_init(&pem, mem);
  int rv = ript_stir_key_export(key, RIPT_STIR_FORMAT_PEM, &pem);
  if (rv == 0)
    rv = certs_store_key(path, &pem, mem);
  int saved = errno;
  if (pem.data)
    memset(pem.data, 0, pem.len);
  ript_buf_free(&pem);
  errno = saved;
  return rv;
}
