/*
 * Bootstrap and discovery (draft §8.1-§8.3, §9.1-§9.3): the root document,
 * the TG list it points to, and each TG's description.
 */
#include <string.h>

#include "client_internal.h"
#include "ript_mem.h"

typedef enum { TGS_ROOT, TGS_LIST, TGS_DISCOVER, TGS_ONE } tgs_kind;

struct tgs_op;

/* One TG description being fetched by discovery. */
typedef struct tgs_slot {
  struct tgs_op *op;
  ript_client_req *req; /* kept until the operation reports */
  int code;        /* a failure that needs no request to explain it */
  int parsed;      /* how parsing the description went: */
  ript_parse_error perr;
} tgs_slot;

/* The caller's callback; |kind| says which member. */
typedef union tgs_cb {
  ript_client_root_cb root;
  ript_client_tg_list_cb list;
  ript_client_discover_cb discover;
  ript_client_tg_cb one;
} tgs_cb;

typedef struct tgs_op {
  ript_client *client;
  tgs_kind kind;
  tgs_cb cb;
  void *user_data;
  char *tg_uri; /* TGS_ONE */
  ript_doc_tg_list list;
  ript_doc_tg *tgs;
  tgs_slot *slots;
  size_t pending;
} tgs_op;

static void tgs_free(tgs_op *op) {
  const ript_mem *mem = op->client->mem;
  for (size_t i = 0; op->tgs && i < op->list.ntgs; ++i)
    ript_doc_tg_free(&op->tgs[i]);
  for (size_t i = 0; op->slots && i < op->list.ntgs; ++i)
    if (op->slots[i].req)
      ript_client_req_release(op->slots[i].req);
  ript_doc_tg_list_free(&op->list);
  ript_mem_free(mem, op->tgs);
  ript_mem_free(mem, op->slots);
  ript_mem_free(mem, op->tg_uri);
  ript_mem_free(mem, op);
}

/* Calls the caller back (documents only on success) and ends |op|. */
static void tgs_report(tgs_op *op, const ript_client_result *res,
                       const void *doc) {
  ript_client *client = op->client;
  const void *d = res->code == 0 ? doc : NULL;
  switch (op->kind) {
  case TGS_ROOT:
    op->cb.root(client, res, d, op->user_data);
    break;
  case TGS_LIST:
    op->cb.list(client, res, d, op->user_data);
    break;
  case TGS_DISCOVER:
    op->cb.discover(client, res, d ? &op->list : NULL, d ? op->tgs : NULL,
                    op->user_data);
    break;
  case TGS_ONE:
    op->cb.one(client, res, d, op->user_data);
    break;
  }
  tgs_free(op);
}

/* Reports a failure to start the request METHOD URL. */
static void tgs_report_local(tgs_op *op, int code, const char *url) {
  ript_client_result res;
  ript_client_result_local(&res, code, "GET", url);
  tgs_report(op, &res, NULL);
}

static int tgs_get(tgs_op *op, const char *url, ript_client_req_done_fn done,
                   void *ctx, int no_token) {
  ript_client_req_spec spec = {"GET", url, NULL, NULL, 0, NULL, no_token, NULL};
  return ript_client_req_start(op->client, &spec, done, ctx, NULL);
}

/* ---- one TG description ---- */

static int tgs_on_one(ript_client_req *req) {
  tgs_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  ript_doc_tg tg;
  ript_doc_tg_init(&tg);
  ript_parse_error perr = {0, NULL};
  int rv = res.code == 0 ? ript_doc_tg_parse(&tg, (const char *)req->body.data,
                                             req->body.len, 0, &perr,
                                             op->client->mem)
                         : 0;
  if (rv != 0)
    ript_client_result_unusable(&res, rv, "TG description", &perr);
  tgs_report(op, &res, &tg);
  ript_doc_tg_free(&tg);
  return 0;
}

/* ---- discovery: every TG of the list ---- */

/* Reports the first failure in list order, or success. */
static void tgs_discovered(tgs_op *op) {
  ript_client_result res;
  for (size_t i = 0; i < op->list.ntgs; ++i) {
    tgs_slot *s = &op->slots[i];
    if (s->req)
      ript_client_req_result(s->req, &res);
    else
      ript_client_result_local(&res, s->code, "GET", op->list.tgs[i].uri);
    if (s->parsed != 0)
      ript_client_result_unusable(&res, s->parsed, "TG description", &s->perr);
    if (res.code != 0 || i + 1 == op->list.ntgs) {
      tgs_report(op, &res, op);
      return;
    }
  }
}

static int tgs_on_described(ript_client_req *req) {
  tgs_slot *s = req->op;
  tgs_op *op = s->op;
  size_t i = (size_t)(s - op->slots);
  s->req = req;
  s->code = req->code;
  if (req->code == 0)
    s->parsed = ript_doc_tg_parse(&op->tgs[i], (const char *)req->body.data,
                                  req->body.len, 0, &s->perr,
                                  op->client->mem);
  if (--op->pending == 0)
    tgs_discovered(op);
  return 1;
}

static void tgs_describe_all(tgs_op *op) {
  const ript_mem *mem = op->client->mem;
  size_t n = op->list.ntgs;
  op->tgs = ript_mem_calloc(mem, n, sizeof(*op->tgs));
  op->slots = ript_mem_calloc(mem, n, sizeof(*op->slots));
  if (!op->tgs || !op->slots) {
    tgs_report_local(op, RIPT_ERR_NOMEM, op->list.tgs[0].uri);
    return;
  }
  op->pending = n + 1; /* held while starting, so no report comes early */
  for (size_t i = 0; i < n; ++i) {
    ript_doc_tg_init(&op->tgs[i]);
    op->slots[i].op = op;
    op->slots[i].code = tgs_get(op, op->list.tgs[i].uri, tgs_on_described,
                                &op->slots[i], 0);
    if (op->slots[i].code != 0)
      --op->pending;
  }
  if (--op->pending == 0)
    tgs_discovered(op);
}

/* ---- the TG list and the root document ---- */

static int tgs_on_list(ript_client_req *req) {
  tgs_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  ript_parse_error perr = {0, NULL};
  int rv = res.code == 0 ? ript_doc_tg_list_parse(
                               &op->list, (const char *)req->body.data,
                               req->body.len, 0, &perr, op->client->mem)
                         : 0;
  if (rv != 0)
    ript_client_result_unusable(&res, rv, "TG list", &perr);
  if (res.code != 0 || op->kind == TGS_LIST)
    tgs_report(op, &res, &op->list);
  else
    tgs_describe_all(op);
  return 0;
}

static void tgs_fetch_list(tgs_op *op) {
  int rv = tgs_get(op, op->client->providertgs, tgs_on_list, op, 0);
  if (rv != 0)
    tgs_report_local(op, rv, op->client->providertgs);
}

/* Keeps the root document's "providertgs" for later operations. */
static int tgs_remember(ript_client *client, const ript_doc_root *root) {
  char *copy = ript_mem_strdup(client->mem, root->providertgs);
  if (!copy)
    return RIPT_ERR_NOMEM;
  ript_mem_free(client->mem, client->providertgs);
  client->providertgs = copy;
  return 0;
}

static int tgs_on_root(ript_client_req *req) {
  tgs_op *op = req->op;
  ript_client_result res;
  ript_client_req_result(req, &res);
  ript_doc_root root;
  ript_doc_root_init(&root);
  ript_parse_error perr = {0, NULL};
  int rv = res.code == 0 ? ript_doc_root_parse(&root,
                                               (const char *)req->body.data,
                                               req->body.len, 0, &perr,
                                               op->client->mem)
                         : 0;
  if (rv != 0)
    ript_client_result_unusable(&res, rv, "root document", &perr);
  if (res.code == 0)
    res.code = tgs_remember(op->client, &root);
  if (res.code != 0 || op->kind == TGS_ROOT)
    tgs_report(op, &res, &root);
  else
    tgs_fetch_list(op);
  ript_doc_root_free(&root);
  return 0;
}

/* ---- starting ---- */

static int tgs_start(ript_client *client, tgs_kind kind, tgs_cb cb,
                     void *user_data, const char *tg_uri) {
  if (!client)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (kind == TGS_ONE ? !ript_client_uri_ok(tg_uri) : !client->root)
    return RIPT_ERR_INVALID_ARGUMENT;
  tgs_op *op = ript_mem_calloc(client->mem, 1, sizeof(*op));
  if (!op)
    return RIPT_ERR_NOMEM;
  op->client = client;
  op->kind = kind;
  op->cb = cb;
  op->user_data = user_data;
  ript_doc_tg_list_init(&op->list);
  int rv;
  if (kind == TGS_ONE) {
    op->tg_uri = ript_mem_strdup(client->mem, tg_uri);
    rv = op->tg_uri ? tgs_get(op, op->tg_uri, tgs_on_one, op, 0)
                    : RIPT_ERR_NOMEM;
  } else if (kind != TGS_ROOT && client->providertgs) {
    rv = tgs_get(op, client->providertgs, tgs_on_list, op, 0);
  } else {
    rv = tgs_get(op, client->root, tgs_on_root, op, 1);
  }
  if (rv != 0)
    tgs_free(op);
  return rv;
}

int ript_client_bootstrap(ript_client *client, ript_client_root_cb cb,
                          void *user_data) {
  tgs_cb u = {.root = cb};
  return cb ? tgs_start(client, TGS_ROOT, u, user_data, NULL)
            : RIPT_ERR_INVALID_ARGUMENT;
}

int ript_client_tg_list(ript_client *client, ript_client_tg_list_cb cb,
                        void *user_data) {
  tgs_cb u = {.list = cb};
  return cb ? tgs_start(client, TGS_LIST, u, user_data, NULL)
            : RIPT_ERR_INVALID_ARGUMENT;
}

int ript_client_discover(ript_client *client, ript_client_discover_cb cb,
                         void *user_data) {
  tgs_cb u = {.discover = cb};
  return cb ? tgs_start(client, TGS_DISCOVER, u, user_data, NULL)
            : RIPT_ERR_INVALID_ARGUMENT;
}

int ript_client_tg_get(ript_client *client, const char *tg_uri,
                       ript_client_tg_cb cb, void *user_data) {
  tgs_cb u = {.one = cb};
  return cb ? tgs_start(client, TGS_ONE, u, user_data, tg_uri)
            : RIPT_ERR_INVALID_ARGUMENT;
}
