/* The SQLite store: one database file in WAL mode, which the riptd
 * processes of one machine may share. Operations run one batch at a time on
 * libuv's thread pool, on the store's own connection, so the loop never
 * waits for the disk or for another process's lock; their callbacks run on
 * the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "store_backend.h"

enum {
  SQL_SCHEMA_VERSION = 1,          /* PRAGMA user_version */
  SQL_APPLICATION_ID = 0x72697074, /* PRAGMA application_id: "ript" */
  /* Expired calls are deleted at every call_add and this often besides. */
  SQL_PURGE_MS = 10000,
};

static const char sql_tables[] =
    "CREATE TABLE handlers ("
    " customer TEXT NOT NULL, tg TEXT NOT NULL, id TEXT NOT NULL,"
    " advertisement TEXT,"
    " PRIMARY KEY (customer, tg, id)) WITHOUT ROWID;"
    "CREATE TABLE calls ("
    " uuid TEXT PRIMARY KEY NOT NULL, customer TEXT NOT NULL,"
    " tg TEXT NOT NULL, handler_id TEXT, from_tn TEXT, to_dest TEXT,"
    " client_directives TEXT, server_directives TEXT, route INTEGER,"
    " state TEXT NOT NULL, created_ms INTEGER, state_ms INTEGER,"
    " state_reason TEXT, version INTEGER NOT NULL, owner TEXT,"
    " owner_uri TEXT, lease_until_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL, leg TEXT,"
    /* ript_call_state_is_terminal(state), for the count of live calls */
    " terminal INTEGER NOT NULL);"
    "CREATE INDEX calls_live ON calls (customer) WHERE terminal = 0;"
    "CREATE INDEX calls_expiry ON calls (expires_ms) WHERE expires_ms > 0;"
    "CREATE TABLE certs ("
    " url TEXT PRIMARY KEY NOT NULL, tg TEXT, customer TEXT, tn TEXT,"
    " chain_pem TEXT);";

/* A call's columns, in the order of the ?N of sql_bind_call. */
#define SQL_CALL_COLUMNS                                                       \
  "uuid, customer, tg, handler_id, from_tn, to_dest, client_directives, "      \
  "server_directives, route, state, created_ms, state_ms, state_reason, "      \
  "version, owner, owner_uri, lease_until_ms, expires_ms, leg"
#define SQL_UNEXPIRED "(expires_ms = 0 OR expires_ms > ?21)"

enum {
  ST_BEGIN,
  ST_COMMIT,
  ST_ROLLBACK,
  ST_H_COUNT,
  ST_H_INSERT,
  ST_H_UPDATE,
  ST_H_GET,
  ST_H_DELETE,
  ST_H_LIST,
  ST_C_COUNT,
  ST_C_PURGE,
  ST_C_INSERT,
  ST_C_GET,
  ST_C_UPDATE,
  ST_C_DELETE,
  ST_T_INSERT,
  ST_T_GET,
  ST_COUNT
};

static const char *const sql_statements[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_H_COUNT] = "SELECT count(*) FROM handlers WHERE customer = ?1",
    [ST_H_INSERT] = "INSERT INTO handlers (customer, tg, id, advertisement) "
                    "VALUES (?1, ?2, ?3, ?4)",
    [ST_H_UPDATE] = "UPDATE handlers SET advertisement = ?4 WHERE "
                    "customer = ?1 AND tg = ?2 AND id = ?3",
    [ST_H_GET] = "SELECT customer, tg, id, advertisement FROM handlers "
                 "WHERE customer = ?1 AND tg = ?2 AND id = ?3",
    [ST_H_DELETE] = "DELETE FROM handlers WHERE customer = ?1 AND tg = ?2 "
                    "AND id = ?3",
    [ST_H_LIST] = "SELECT customer, tg, id, advertisement FROM handlers "
                  "WHERE customer = ?1 AND tg = ?2 ORDER BY id",
    [ST_C_COUNT] =
        "SELECT count(*) FROM calls WHERE customer = ?2 AND "
        "terminal = 0 AND lease_until_ms + ?22 >= ?21 AND " SQL_UNEXPIRED,
    [ST_C_PURGE] = "DELETE FROM calls WHERE expires_ms > 0 AND "
                   "expires_ms <= ?21",
    [ST_C_INSERT] = "INSERT INTO calls (" SQL_CALL_COLUMNS ", terminal) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                    "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    [ST_C_GET] = "SELECT " SQL_CALL_COLUMNS " FROM calls WHERE uuid = ?1 "
                 "AND " SQL_UNEXPIRED,
    /* Compare-and-set; customer (?2), tg (?3) and created_ms (?11) never
     * change. */
    [ST_C_UPDATE] = "UPDATE calls SET handler_id = ?4, from_tn = ?5, "
                    "to_dest = ?6, client_directives = ?7, "
                    "server_directives = ?8, route = ?9, state = ?10, "
                    "state_ms = ?12, state_reason = ?13, version = ?14 + 1, "
                    "owner = ?15, owner_uri = ?16, lease_until_ms = ?17, "
                    "expires_ms = ?18, leg = ?19, terminal = ?20 "
                    "WHERE uuid = ?1 AND version = ?14 AND " SQL_UNEXPIRED,
    [ST_C_DELETE] = "DELETE FROM calls WHERE uuid = ?1",
    [ST_T_INSERT] = "INSERT INTO certs (url, tg, customer, tn, chain_pem) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_T_GET] = "SELECT url, tg, customer, tn, chain_pem FROM certs WHERE "
                 "url = ?1",
};

typedef struct store_sql {
  riptd_store_queue q; /* first: the queue functions' |impl| */
  uv_loop_t *loop;
  sqlite3 *db;
  sqlite3_stmt *st[ST_COUNT];
  int64_t grace;
  /* The batch on the thread pool, and what waits. */
  uv_work_t work;
  int working; /* from uv_queue_work to the end of sql_after */
  riptd_store_op *batch;
  int64_t batch_purge; /* > 0: first delete what expired then */
  riptd_store_op *head, **tail;
  uv_timer_t purge;
  int64_t purge_at; /* > 0: the timer asked for a purge at this time */
  /* What went wrong on the thread (logged on the loop), or "". */
  char failure[256];
  void (*on_closed)(void *);
  void *on_closed_data;
} store_sql;

/* ---- results ---- */

/* 0, or the store's code for a failed SQLite call (the message kept for
 * the log). Everything but a full memory or a taken key means the
 * database cannot be used now: locked beyond the busy timeout, an I/O
 * error, a full disk, a damaged file. */
static int sql_rv(store_sql *s, int rc) {
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_ROW:
  case SQLITE_DONE:
    return 0;
  case SQLITE_NOMEM:
    return RIPT_ERR_NOMEM;
  case SQLITE_CONSTRAINT:
    return RIPTD_STORE_EXISTS;
  default:
    snprintf(s->failure, sizeof(s->failure), "%s", sqlite3_errmsg(s->db));
    return RIPTD_STORE_UNAVAILABLE;
  }
}

/* Runs a statement that returns no row (or whose rows do not matter). */
static int sql_exec(store_sql *s, int which) {
  sqlite3_stmt *st = s->st[which];
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    ;
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return sql_rv(s, rc);
}

/* The one integer a count returns. */
static int sql_count(store_sql *s, int which, int64_t *out) {
  sqlite3_stmt *st = s->st[which];
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return sql_rv(s, rc == SQLITE_ROW ? SQLITE_OK : rc);
}

static void sql_text(sqlite3_stmt *st, int i, const char *v) {
  if (v)
    sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(st, i);
}

/* Column |i| as a new string (NULL for SQL NULL); nonzero when out of
 * memory. */
static int sql_column(sqlite3_stmt *st, int i, char **out) {
  const unsigned char *v = sqlite3_column_text(st, i);
  *out = NULL;
  if (!v)
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : RIPT_ERR_NOMEM;
  return (*out = strdup((const char *)v)) ? 0 : RIPT_ERR_NOMEM;
}

/* The statement's transaction ends with |rv|: COMMIT after success,
 * ROLLBACK otherwise. */
static int sql_end(store_sql *s, int rv) {
  if (rv != 0) {
    sql_exec(s, ST_ROLLBACK);
    return rv;
  }
  rv = sql_exec(s, ST_COMMIT);
  if (rv != 0)
    sql_exec(s, ST_ROLLBACK);
  return rv;
}

/* ---- handlers ---- */

static void sql_bind_handler(sqlite3_stmt *st, const riptd_handler_rec *h) {
  sql_text(st, 1, h->customer);
  sql_text(st, 2, h->tg);
  sql_text(st, 3, h->id);
  sql_text(st, 4, h->advertisement);
}

static int sql_handler_add(store_sql *s, riptd_store_op *op) {
  int64_t n = 0;
  int rv = sql_exec(s, ST_BEGIN);
  if (rv != 0)
    return rv;
  sql_text(s->st[ST_H_COUNT], 1, op->handler.customer);
  rv = sql_count(s, ST_H_COUNT, &n);
  if (rv == 0 && n >= op->limit)
    rv = RIPTD_STORE_LIMIT;
  if (rv == 0) {
    sql_bind_handler(s->st[ST_H_INSERT], &op->handler);
    rv = sql_exec(s, ST_H_INSERT);
  }
  return sql_end(s, rv);
}

static int sql_handler_replace(store_sql *s, riptd_store_op *op) {
  sql_bind_handler(s->st[ST_H_UPDATE], &op->handler);
  int rv = sql_exec(s, ST_H_UPDATE);
  return rv == 0 && sqlite3_changes(s->db) == 0 ? RIPTD_STORE_NOT_FOUND : rv;
}

static int sql_handler_remove(store_sql *s, riptd_store_op *op) {
  sql_bind_handler(s->st[ST_H_DELETE], &op->handler);
  int rv = sql_exec(s, ST_H_DELETE);
  return rv == 0 && sqlite3_changes(s->db) == 0 ? RIPTD_STORE_NOT_FOUND : rv;
}

/* The handlers a query returns, as the op's result. */
static int sql_handler_rows(store_sql *s, int which, riptd_store_op *op) {
  sqlite3_stmt *st = s->st[which];
  size_t cap = 0;
  int rc, rv = 0;
  while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (op->nhandlers == cap) {
      size_t n = cap ? 2 * cap : 4;
      riptd_handler_rec *more = realloc(op->handlers, n * sizeof(*more));
      if (!more) {
        rv = RIPT_ERR_NOMEM;
        break;
      }
      op->handlers = more;
      cap = n;
    }
    riptd_handler_rec *h = &op->handlers[op->nhandlers++];
    memset(h, 0, sizeof(*h));
    if (sql_column(st, 0, &h->customer) || sql_column(st, 1, &h->tg) ||
        sql_column(st, 2, &h->id) || sql_column(st, 3, &h->advertisement))
      rv = RIPT_ERR_NOMEM;
  }
  if (rv == 0)
    rv = sql_rv(s, rc);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rv;
}

static int sql_handler_get(store_sql *s, riptd_store_op *op) {
  sql_bind_handler(s->st[ST_H_GET], &op->handler);
  int rv = sql_handler_rows(s, ST_H_GET, op);
  return rv == 0 && op->nhandlers == 0 ? RIPTD_STORE_NOT_FOUND : rv;
}

static int sql_handler_list(store_sql *s, riptd_store_op *op) {
  sql_text(s->st[ST_H_LIST], 1, op->handler.customer);
  sql_text(s->st[ST_H_LIST], 2, op->handler.tg);
  return sql_handler_rows(s, ST_H_LIST, op);
}

/* ---- calls ---- */

static void sql_bind_call(sqlite3_stmt *st, const riptd_call_rec *c) {
  sql_text(st, 1, c->uuid);
  sql_text(st, 2, c->customer);
  sql_text(st, 3, c->tg);
  sql_text(st, 4, c->handler_id);
  sql_text(st, 5, c->from);
  sql_text(st, 6, c->to);
  sql_text(st, 7, c->client_directives);
  sql_text(st, 8, c->server_directives);
  sqlite3_bind_int64(st, 9, (int64_t)c->route);
  sql_text(st, 10, ript_call_state_name(c->state));
  sqlite3_bind_int64(st, 11, c->created_ms);
  sqlite3_bind_int64(st, 12, c->state_ms);
  sql_text(st, 13, c->state_reason);
  sqlite3_bind_int64(st, 14, (int64_t)c->version);
  sql_text(st, 15, c->owner);
  sql_text(st, 16, c->owner_uri);
  sqlite3_bind_int64(st, 17, c->lease_until_ms);
  sqlite3_bind_int64(st, 18, c->expires_ms);
  sql_text(st, 19, c->leg);
  sqlite3_bind_int(st, 20, ript_call_state_is_terminal(c->state));
}

/* The call row of |st| into |c|. */
static int sql_call_row(sqlite3_stmt *st, riptd_call_rec *c) {
  const unsigned char *uuid = sqlite3_column_text(st, 0);
  const unsigned char *state = sqlite3_column_text(st, 9);
  memset(c, 0, sizeof(*c));
  if (!uuid || !state)
    return RIPT_ERR_NOMEM;
  snprintf(c->uuid, sizeof(c->uuid), "%s", (const char *)uuid);
  /* A state this riptd does not know can accept nothing: ended. */
  if (ript_call_state_from_name((const char *)state,
                                strlen((const char *)state), &c->state) != 0)
    c->state = RIPT_CALL_ENDED;
  c->route = (size_t)sqlite3_column_int64(st, 8);
  c->created_ms = sqlite3_column_int64(st, 10);
  c->state_ms = sqlite3_column_int64(st, 11);
  c->version = (uint64_t)sqlite3_column_int64(st, 13);
  c->lease_until_ms = sqlite3_column_int64(st, 16);
  c->expires_ms = sqlite3_column_int64(st, 17);
  if (sql_column(st, 1, &c->customer) || sql_column(st, 2, &c->tg) ||
      sql_column(st, 3, &c->handler_id) || sql_column(st, 4, &c->from) ||
      sql_column(st, 5, &c->to) || sql_column(st, 6, &c->client_directives) ||
      sql_column(st, 7, &c->server_directives) ||
      sql_column(st, 12, &c->state_reason) || sql_column(st, 14, &c->owner) ||
      sql_column(st, 15, &c->owner_uri) || sql_column(st, 18, &c->leg)) {
    riptd_call_rec_free(c);
    return RIPT_ERR_NOMEM;
  }
  return 0;
}

/* The unexpired call |uuid| at |now| into the op's result:
 * 0, RIPTD_STORE_NOT_FOUND, or an error. */
static int sql_call_read(store_sql *s, const char *uuid, int64_t now,
                         riptd_store_op *op) {
  sqlite3_stmt *st = s->st[ST_C_GET];
  sql_text(st, 1, uuid);
  sqlite3_bind_int64(st, 21, now);
  int rc = sqlite3_step(st), rv;
  if (rc == SQLITE_ROW) {
    riptd_call_rec_free(&op->call_out);
    rv = sql_call_row(st, &op->call_out);
    op->has_call = rv == 0;
  } else {
    rv = rc == SQLITE_DONE ? RIPTD_STORE_NOT_FOUND : sql_rv(s, rc);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rv;
}

static int sql_purge(store_sql *s, int64_t now) {
  sqlite3_bind_int64(s->st[ST_C_PURGE], 21, now);
  return sql_exec(s, ST_C_PURGE);
}

static int sql_call_add(store_sql *s, riptd_store_op *op) {
  int64_t n = 0;
  sqlite3_stmt *count = s->st[ST_C_COUNT];
  int rv = sql_exec(s, ST_BEGIN);
  if (rv != 0)
    return rv;
  /* What expired goes first: also an old record under this UUID. */
  rv = sql_purge(s, op->now);
  if (rv == 0) {
    sql_text(count, 2, op->call.customer);
    sqlite3_bind_int64(count, 21, op->now);
    sqlite3_bind_int64(count, 22, s->grace);
    rv = sql_count(s, ST_C_COUNT, &n);
  }
  if (rv == 0 && n >= op->limit)
    rv = RIPTD_STORE_LIMIT;
  op->call.version = 1;
  if (rv == 0) {
    sql_bind_call(s->st[ST_C_INSERT], &op->call);
    rv = sql_exec(s, ST_C_INSERT);
  }
  if ((rv = sql_end(s, rv)) != 0)
    return rv;
  /* The record the callback gets is the op's copy as stored. */
  op->call_out = op->call;
  memset(&op->call, 0, sizeof(op->call));
  op->has_call = 1;
  return 0;
}

static int sql_call_get(store_sql *s, riptd_store_op *op) {
  return sql_call_read(s, op->call.uuid, op->now, op);
}

static int sql_call_update(store_sql *s, riptd_store_op *op) {
  sqlite3_stmt *st = s->st[ST_C_UPDATE];
  int rv = sql_exec(s, ST_BEGIN);
  if (rv != 0)
    return rv;
  sql_bind_call(st, &op->call);
  sqlite3_bind_int64(st, 21, op->now);
  rv = sql_exec(s, ST_C_UPDATE);
  int changed = rv == 0 && sqlite3_changes(s->db) == 1;
  /* Either way the record as it is now: the stored one, or the one that
   * won. */
  if (rv == 0)
    rv = sql_call_read(s, op->call.uuid, op->now, op);
  if (rv == 0 && !changed)
    rv = RIPTD_STORE_CONFLICT;
  int end = sql_end(s, rv == RIPTD_STORE_CONFLICT ? 0 : rv);
  return end != 0 ? end : rv;
}

static int sql_call_remove(store_sql *s, riptd_store_op *op) {
  sql_text(s->st[ST_C_DELETE], 1, op->call.uuid);
  int rv = sql_exec(s, ST_C_DELETE);
  return rv == 0 && sqlite3_changes(s->db) == 0 ? RIPTD_STORE_NOT_FOUND : rv;
}

/* ---- certificates ---- */

static int sql_cert_add(store_sql *s, riptd_store_op *op) {
  sqlite3_stmt *st = s->st[ST_T_INSERT];
  sql_text(st, 1, op->cert.url);
  sql_text(st, 2, op->cert.tg);
  sql_text(st, 3, op->cert.customer);
  sql_text(st, 4, op->cert.tn);
  sql_text(st, 5, op->cert.chain_pem);
  return sql_exec(s, ST_T_INSERT);
}

static int sql_cert_get(store_sql *s, riptd_store_op *op) {
  sqlite3_stmt *st = s->st[ST_T_GET];
  riptd_cert_rec *c = &op->cert_out;
  sql_text(st, 1, op->cert.url);
  int rc = sqlite3_step(st), rv;
  if (rc == SQLITE_ROW) {
    rv = sql_column(st, 0, &c->url) || sql_column(st, 1, &c->tg) ||
                 sql_column(st, 2, &c->customer) || sql_column(st, 3, &c->tn) ||
                 sql_column(st, 4, &c->chain_pem)
             ? RIPT_ERR_NOMEM
             : 0;
    op->has_cert = rv == 0;
  } else {
    rv = rc == SQLITE_DONE ? RIPTD_STORE_NOT_FOUND : sql_rv(s, rc);
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return rv;
}

/* ---- the batches ---- */

static int sql_run(store_sql *s, riptd_store_op *op) {
  switch (op->kind) {
  case RIPTD_STORE_OP_HANDLER_ADD:
    return sql_handler_add(s, op);
  case RIPTD_STORE_OP_HANDLER_REPLACE:
    return sql_handler_replace(s, op);
  case RIPTD_STORE_OP_HANDLER_GET:
    return sql_handler_get(s, op);
  case RIPTD_STORE_OP_HANDLER_REMOVE:
    return sql_handler_remove(s, op);
  case RIPTD_STORE_OP_HANDLER_LIST:
    return sql_handler_list(s, op);
  case RIPTD_STORE_OP_CALL_ADD:
    return sql_call_add(s, op);
  case RIPTD_STORE_OP_CALL_GET:
    return sql_call_get(s, op);
  case RIPTD_STORE_OP_CALL_UPDATE:
    return sql_call_update(s, op);
  case RIPTD_STORE_OP_CALL_REMOVE:
    return sql_call_remove(s, op);
  case RIPTD_STORE_OP_CERT_ADD:
    return sql_cert_add(s, op);
  case RIPTD_STORE_OP_CERT_GET:
    return sql_cert_get(s, op);
  }
  return RIPT_ERR_INVALID_ARGUMENT;
}

/* On the thread pool: the batch, in order. */
static void sql_work(uv_work_t *work) {
  store_sql *s = work->data;
  if (s->batch_purge > 0)
    sql_purge(s, s->batch_purge);
  for (riptd_store_op *op = s->batch; op; op = op->next)
    if (op->run)
      op->rv = sql_run(s, op);
}

static void sql_after(uv_work_t *work, int status);

static void sql_purge_closed(uv_handle_t *handle) {
  store_sql *s = handle->data;
  void (*cb)(void *) = s->on_closed;
  void *data = s->on_closed_data;
  for (int i = 0; i < ST_COUNT; ++i)
    sqlite3_finalize(s->st[i]);
  sqlite3_close(s->db);
  free(s);
  cb(data);
}

/* Starts the next batch if none runs: what waits, and a purge the timer
 * asked for. Closes once nothing is left. */
static void sql_next(store_sql *s) {
  if (s->working)
    return;
  if (!s->head && !s->purge_at) {
    if (s->q.closing)
      uv_close((uv_handle_t *)&s->purge, sql_purge_closed);
    return;
  }
  s->batch = s->head;
  s->head = NULL;
  s->tail = &s->head;
  s->batch_purge = s->purge_at;
  s->purge_at = 0;
  s->working = 1;
  s->work.data = s;
  uv_queue_work(s->loop, &s->work, sql_work, sql_after);
}

static void sql_after(uv_work_t *work, int status) {
  store_sql *s = work->data;
  riptd_store_op *op = s->batch;
  (void)status; /* never cancelled */
  if (s->failure[0]) {
    fprintf(stderr, "riptd: the store's database: %s\n", s->failure);
    s->failure[0] = '\0';
  }
  /* What the callbacks submit waits for the next batch. */
  s->batch = NULL;
  while (op) {
    riptd_store_op *next = op->next;
    riptd_store_queue_complete(&s->q, op);
    op = next;
  }
  s->working = 0;
  sql_next(s);
}

static void sql_submit(riptd_store_queue *q, riptd_store_op *op) {
  store_sql *s = (store_sql *)q;
  op->next = NULL;
  *s->tail = op;
  s->tail = &op->next;
  sql_next(s);
}

static void sql_on_purge(uv_timer_t *timer) {
  store_sql *s = timer->data;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  s->purge_at = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  sql_next(s);
}

static void sql_close(void *impl, void (*cb)(void *), void *data) {
  store_sql *s = impl;
  s->q.closing = 1;
  s->on_closed = cb;
  s->on_closed_data = data;
  s->purge_at = 0;
  uv_timer_stop(&s->purge);
  sql_next(s);
}

static const riptd_store_ops sql_ops =
    RIPTD_STORE_QUEUE_OPS("sqlite", sql_close);

/* ---- opening ---- */

typedef struct sql_open_err {
  const char *path;
  char *buf;
  size_t len;
} sql_open_err;

/* "PATH: WHAT" or "PATH: WHAT: DETAIL" (|detail| NULL: none). */
static int sql_fail(sql_open_err *e, const char *what, const char *detail) {
  snprintf(e->buf, e->len, "%s: %s%s%s", e->path, what, detail ? ": " : "",
           detail ? detail : "");
  return -1;
}

static int sql_pragma_int(sqlite3 *db, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    *out = sqlite3_column_int64(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

/* What the file holds: the counts of its objects, its user_version and
 * application_id. */
static int sql_identify(sqlite3 *db, int64_t *objects, int64_t *version,
                        int64_t *app) {
  int rc = sql_pragma_int(db, "SELECT count(*) FROM sqlite_master", objects);
  if (rc == SQLITE_OK)
    rc = sql_pragma_int(db, "PRAGMA user_version", version);
  if (rc == SQLITE_OK)
    rc = sql_pragma_int(db, "PRAGMA application_id", app);
  return rc;
}

/* Refuses a database that is another program's or of a schema version
 * this riptd does not know; creates the schema in an empty one, inside a
 * write transaction, so two processes opening a new file agree. */
static int sql_schema(sqlite3 *db, int create, sql_open_err *e) {
  int64_t objects = 0, version = 0, app = 0;
  int rc = create ? sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)
                  : SQLITE_OK;
  if (rc == SQLITE_OK)
    rc = sql_identify(db, &objects, &version, &app);
  if (rc != SQLITE_OK)
    sql_fail(e, sqlite3_errmsg(db), NULL);
  else if ((objects || version) && app != SQL_APPLICATION_ID)
    rc = sql_fail(e, "is another program's database, not riptd's", NULL);
  else if ((objects || version) && version != SQL_SCHEMA_VERSION) {
    char what[96];
    snprintf(what, sizeof(what), "has schema version %lld; this riptd knows %d",
             (long long)version, SQL_SCHEMA_VERSION);
    rc = sql_fail(e, what, NULL);
  }
  if (!create || rc != SQLITE_OK) {
    if (create)
      sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : -1;
  }
  char stamp[96];
  snprintf(stamp, sizeof(stamp),
           "PRAGMA application_id = %d; PRAGMA user_version = %d",
           SQL_APPLICATION_ID, SQL_SCHEMA_VERSION);
  if (!objects &&
      ((rc = sqlite3_exec(db, sql_tables, NULL, NULL, NULL)) != SQLITE_OK ||
       (rc = sqlite3_exec(db, stamp, NULL, NULL, NULL)) != SQLITE_OK))
    sql_fail(e, "cannot create riptd's tables", sqlite3_errmsg(db));
  else if ((rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
    sql_fail(e, "cannot write", sqlite3_errmsg(db));
  if (rc != SQLITE_OK)
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : -1;
}

/* Write-ahead logging, which lets readers and one writer of several
 * processes work at once; with synchronous=NORMAL a commit survives a
 * crash of the process. */
static int sql_wal(sqlite3 *db, sql_open_err *e) {
  sqlite3_stmt *st = NULL;
  const unsigned char *mode = NULL;
  int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    mode = sqlite3_column_text(st, 0);
  int wal = mode && strcmp((const char *)mode, "wal") == 0;
  if (rc != SQLITE_ROW)
    sql_fail(e, sqlite3_errmsg(db), NULL);
  else if (!wal)
    sql_fail(e, "cannot use write-ahead logging: journal mode",
             mode ? (const char *)mode : "unknown");
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW || !wal)
    return -1;
  if (sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
      SQLITE_OK)
    return sql_fail(e, sqlite3_errmsg(db), NULL);
  return 0;
}

static int sql_open_db(store_sql *s, const char *path, int64_t timeout_ms,
                       sql_open_err *e) {
  int rc = sqlite3_open_v2(
      path, &s->db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return sql_fail(e, "cannot open",
                    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
  sqlite3_busy_timeout(s->db,
                       timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
  /* Another program's file is left as it was found. */
  if (sql_schema(s->db, 0, e) != 0 || sql_wal(s->db, e) != 0 ||
      sql_schema(s->db, 1, e) != 0)
    return -1;
  for (int i = 0; i < ST_COUNT; ++i)
    if (sqlite3_prepare_v3(s->db, sql_statements[i], -1,
                           SQLITE_PREPARE_PERSISTENT, &s->st[i],
                           NULL) != SQLITE_OK)
      return sql_fail(e, "cannot prepare riptd's statements",
                      sqlite3_errmsg(s->db));
  return 0;
}

int riptd_store_sqlite_new(riptd_store **pstore, uv_loop_t *loop,
                           const riptd_store_config *cfg, const char *path,
                           char *errbuf, size_t errlen) {
  sql_open_err e = {path ? path : "(no file)", errbuf, errlen};
  riptd_store *store = NULL;
  if (errlen)
    errbuf[0] = '\0';
  int rv = path ? riptd_store_create(&store, &sql_ops, loop, cfg)
                : RIPT_ERR_INVALID_ARGUMENT;
  if (rv != 0)
    return sql_fail(&e,
                    rv == RIPT_ERR_NOMEM
                        ? "out of memory"
                        : "a store needs a node id and a lease",
                    NULL);
  store_sql *s = calloc(1, sizeof(*s));
  if (!s || !sqlite3_threadsafe()) {
    riptd_store_destroy(store);
    free(s);
    return sql_fail(
        &e, s ? "SQLite was built without threads" : "out of memory", NULL);
  }
  if (sql_open_db(s, path, store->cfg.timeout_ms, &e) != 0) {
    for (int i = 0; i < ST_COUNT; ++i)
      sqlite3_finalize(s->st[i]);
    sqlite3_close(s->db);
    free(s);
    riptd_store_destroy(store);
    return -1;
  }
  riptd_store_queue_init(&s->q, sql_submit);
  s->loop = loop;
  s->grace = cfg->orphan_grace_ms;
  s->tail = &s->head;
  uv_timer_init(loop, &s->purge);
  s->purge.data = s;
  uv_timer_start(&s->purge, sql_on_purge, SQL_PURGE_MS, SQL_PURGE_MS);
  uv_unref((uv_handle_t *)&s->purge);
  store->impl = s;
  *pstore = store;
  return 0;
}
