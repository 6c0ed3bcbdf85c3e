/*
 * ript_itool - small jobs for the integration tests, done with libript and
 * jansson so the scripts need no other JSON or JWS tool.
 *
 *   ript_itool json FILE KEY...
 *       Prints the value at KEY... (object members, or array indexes) of
 *       the JSON document FILE ("-" reads stdin): a string as is, anything
 *       else as compact JSON.
 *   ript_itool passport KEY.pem ORIG DEST IAT X5U
 *       Prints the compact PASSporT (ES256) from ORIG to DEST issued at IAT
 *       (Unix seconds) naming the certificate URL X5U, signed with the
 *       private key in KEY.pem (PKCS#8 or SEC1, as openssl writes it).
 * Exit status 0, or 1 with a message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ript/stir.h"

static int itool_fail(const char *what, const char *arg) {
  fprintf(stderr, "ript_itool: %s %s\n", what, arg ? arg : "");
  return 1;
}

static int itool_json(const char *file, char **keys, int nkeys) {
  json_error_t jerr;
  json_t *root = strcmp(file, "-") == 0 ? json_loadf(stdin, 0, &jerr)
                                        : json_load_file(file, 0, &jerr);
  if (!root)
    return itool_fail("not JSON:", jerr.text);
  json_t *v = root;
  for (int i = 0; v && i < nkeys; ++i) {
    if (json_is_array(v))
      v = json_array_get(v, strtoul(keys[i], NULL, 10));
    else
      v = json_object_get(v, keys[i]);
  }
  int rv = 0;
  if (!v) {
    rv = itool_fail("no value at", nkeys ? keys[nkeys - 1] : "the root");
  } else if (json_is_string(v)) {
    printf("%s\n", json_string_value(v));
  } else {
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    printf("%s\n", text ? text : "");
    free(text);
  }
  json_decref(root);
  return rv;
}

static int itool_read(const char *path, ript_buf *out) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return itool_fail("cannot open", path);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    ript_buf_append(out, chunk, n);
  fclose(f);
  return 0;
}

static int itool_passport(const char *key_file, const char *orig,
                          const char *dest, const char *iat,
                          const char *x5u) {
  ript_buf pem, jws;
  ript_buf_init(&pem, NULL);
  ript_buf_init(&jws, NULL);
  ript_stir_key *key = NULL;
  ript_parse_error err = {0, NULL};
  int rv = itool_read(key_file, &pem);
  if (rv == 0 && ript_stir_key_parse(&key, pem.data, pem.len, NULL, &err))
    rv = itool_fail("not a P-256 key:", err.expected);
  if (rv == 0 && ript_stir_passport_sign(orig, dest, strtoll(iat, NULL, 10),
                                         x5u, key, &jws) != 0)
    rv = itool_fail("cannot sign for", orig);
  if (rv == 0)
    printf("%s\n", (const char *)jws.data);
  ript_stir_key_del(key);
  ript_buf_free(&pem);
  ript_buf_free(&jws);
  return rv;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "json") == 0)
    return itool_json(argv[2], argv + 3, argc - 3);
  if (argc == 7 && strcmp(argv[1], "passport") == 0)
    return itool_passport(argv[2], argv[3], argv[4], argv[5], argv[6]);
  fprintf(stderr, "usage: ript_itool json FILE KEY...\n"
                  "       ript_itool passport KEY.pem ORIG DEST IAT X5U\n");
  return 2;
}
