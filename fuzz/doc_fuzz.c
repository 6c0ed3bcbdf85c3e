/*
 * Fuzzes the RIPT document parsers. The first byte picks the document (and
 * role), the rest is the JSON. Whatever parses must be writable, and
 * write -> parse -> write must give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/doc.h"

enum kind {
  K_TG_LIST,
  K_TG,
  K_CTG_REQUEST,
  K_CTG_RESPONSE,
  K_HANDLER_REQUEST,
  K_HANDLER_RESPONSE,
  K_HANDLER_LIST,
  K_CALL_REQUEST,
  K_CALL,
  K_ERROR,
  K_ROOT,
  K_TOKEN,
  K_OAUTH_META,
  K_COUNT
};

typedef union any_doc {
  ript_doc_tg_list tg_list;
  ript_doc_tg tg;
  ript_doc_consumer_tg ctg;
  ript_doc_handler handler;
  ript_doc_handler_list handler_list;
  ript_doc_call_request call_request;
  ript_doc_call call;
  ript_doc_error error;
  ript_doc_root root;
  ript_doc_token token;
  ript_doc_oauth_meta meta;
} any_doc;

static ript_doc_role fuzz_role(enum kind k) {
  return (k == K_CTG_REQUEST || k == K_HANDLER_REQUEST) ? RIPT_DOC_REQUEST
                                                        : RIPT_DOC_RESPONSE;
}

static int fuzz_parse(enum kind k, any_doc *d, const char *json, size_t len) {
  ript_parse_error err;
  switch (k) {
  case K_TG_LIST:
    return ript_doc_tg_list_parse(&d->tg_list, json, len, 0, &err, NULL);
  case K_TG:
    return ript_doc_tg_parse(&d->tg, json, len, 0, &err, NULL);
  case K_CTG_REQUEST:
  case K_CTG_RESPONSE:
    return ript_doc_consumer_tg_parse(&d->ctg, json, len, 0, fuzz_role(k),
                                      &err, NULL);
  case K_HANDLER_REQUEST:
  case K_HANDLER_RESPONSE:
    return ript_doc_handler_parse(&d->handler, json, len, 0, fuzz_role(k),
                                  &err, NULL);
  case K_HANDLER_LIST:
    return ript_doc_handler_list_parse(&d->handler_list, json, len, 0, &err,
                                       NULL);
  case K_CALL_REQUEST:
    return ript_doc_call_request_parse(&d->call_request, json, len, 0, &err,
                                       NULL);
  case K_CALL:
    return ript_doc_call_parse(&d->call, json, len, 0, &err, NULL);
  case K_ROOT:
    return ript_doc_root_parse(&d->root, json, len, 0, &err, NULL);
  case K_TOKEN:
    return ript_doc_token_parse(&d->token, json, len, 0, &err, NULL);
  case K_OAUTH_META:
    return ript_doc_oauth_meta_parse(&d->meta, json, len, 0, &err, NULL);
  default:
    return ript_doc_error_parse(&d->error, json, len, 0, &err, NULL);
  }
}

static int fuzz_write(enum kind k, const any_doc *d, ript_buf *out) {
  switch (k) {
  case K_TG_LIST:
    return ript_doc_tg_list_write(&d->tg_list, out);
  case K_TG:
    return ript_doc_tg_write(&d->tg, out);
  case K_CTG_REQUEST:
  case K_CTG_RESPONSE:
    return ript_doc_consumer_tg_write(&d->ctg, fuzz_role(k), out);
  case K_HANDLER_REQUEST:
  case K_HANDLER_RESPONSE:
    return ript_doc_handler_write(&d->handler, fuzz_role(k), out);
  case K_HANDLER_LIST:
    return ript_doc_handler_list_write(&d->handler_list, out);
  case K_CALL_REQUEST:
    return ript_doc_call_request_write(&d->call_request, out);
  case K_CALL:
    return ript_doc_call_write(&d->call, out);
  case K_ROOT:
    return ript_doc_root_write(&d->root, out);
  case K_TOKEN:
    return ript_doc_token_write(&d->token, out);
  case K_OAUTH_META:
    return ript_doc_oauth_meta_write(&d->meta, out);
  default:
    return ript_doc_error_write(&d->error, out);
  }
}

static void fuzz_free(enum kind k, any_doc *d) {
  switch (k) {
  case K_TG_LIST:
    ript_doc_tg_list_free(&d->tg_list);
    break;
  case K_TG:
    ript_doc_tg_free(&d->tg);
    break;
  case K_CTG_REQUEST:
  case K_CTG_RESPONSE:
    ript_doc_consumer_tg_free(&d->ctg);
    break;
  case K_HANDLER_REQUEST:
  case K_HANDLER_RESPONSE:
    ript_doc_handler_free(&d->handler);
    break;
  case K_HANDLER_LIST:
    ript_doc_handler_list_free(&d->handler_list);
    break;
  case K_CALL_REQUEST:
    ript_doc_call_request_free(&d->call_request);
    break;
  case K_CALL:
    ript_doc_call_free(&d->call);
    break;
  case K_ROOT:
    ript_doc_root_free(&d->root);
    break;
  case K_TOKEN:
    ript_doc_token_free(&d->token);
    break;
  case K_OAUTH_META:
    ript_doc_oauth_meta_free(&d->meta);
    break;
  default:
    ript_doc_error_free(&d->error);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  enum kind k = (enum kind)(data[0] % K_COUNT);
  any_doc d;
  if (fuzz_parse(k, &d, (const char *)data + 1, size - 1) != 0)
    return 0;
  ript_buf first, second;
  ript_buf_init(&first, NULL);
  ript_buf_init(&second, NULL);
  if (fuzz_write(k, &d, &first) != 0)
    abort(); /* a parsed document must be writable */
  fuzz_free(k, &d);
  if (fuzz_parse(k, &d, (const char *)first.data, first.len) != 0)
    abort(); /* and what was written must parse */
  if (fuzz_write(k, &d, &second) != 0 || second.len != first.len ||
      memcmp(first.data, second.data, first.len) != 0)
    abort();
  fuzz_free(k, &d);
  ript_buf_free(&first);
  ript_buf_free(&second);
  return 0;
}
