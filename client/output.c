/* What `ript` prints, as text or JSON. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "options.h"
#include "output.h"
#include "ript/stir.h"

void ript_cli_rfc3339(int64_t t, char out[32]) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm) ||
      strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf(out, 32, "%" PRId64, t);
}

int ript_cli_exit_code(int code) {
  switch (code) {
  case 0:
    return RIPT_CLI_EXIT_OK;
  case RIPT_ERR_HTTP_STATUS:
  case RIPT_ERR_PARSE:
  case RIPT_ERR_LIMIT:
  case RIPT_ERR_MISMATCH:
    return RIPT_CLI_EXIT_REFUSED;
  case RIPT_ERR_HTTP_CLOSED:
  case RIPT_ERR_HTTP_TLS:
  case RIPT_ERR_HTTP_RESET:
    return RIPT_CLI_EXIT_NETWORK;
  default:
    return RIPT_CLI_EXIT_LOCAL;
  }
}

/* ---- helpers ---- */

/* Appends "  LABEL VALUE\n" for a present value. */
static int output_line(ript_buf *out, const char *label, const char *value) {
  if (!value)
    return 0;
  int rv = ript_buf_printf(out, "  %-15s", label);
  if (rv == 0)
    rv = ript_buf_append_printable(out, value);
  if (rv == 0)
    rv = ript_buf_append_str(out, "\n");
  return rv;
}

/* Appends |doc| (consumed) as indented JSON and a newline. */
static int output_json(ript_buf *out, json_t *doc) {
  char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                          JSON_REAL_PRECISION(12))
                   : NULL;
  json_decref(doc);
  if (!text)
    return RIPT_ERR_NOMEM;
  int rv = ript_buf_append_str(out, text);
  if (rv == 0)
    rv = ript_buf_append_str(out, "\n");
  free(text);
  return rv;
}

/* A string or JSON null for NULL. */
static json_t *output_str(const char *s) {
  return s ? json_string(s) : json_null();
}

/* ---- origins ---- */

/* An entry's number in E.164 when it is digits only, else as written. */
static void output_number(const char *value, char out[32]) {
  if (ript_stir_tn_to_e164(value, out, 32) < 0)
    snprintf(out, 32, "%s", value);
}

/* The last number of a range of |count| from |start| (digits only):
 * start + count - 1 within the numbers of start's length. */
static int output_range_last(const char *start, uint64_t count,
                             char out[32]) {
  size_t len = strlen(start);
  if (len == 0 || len > RIPT_STIR_TN_MAX ||
      strspn(start, "0123456789") != len)
    return -1;
  uint64_t first = strtoull(start, NULL, 10), max = 1;
  for (size_t i = 0; i < len; ++i)
    max *= 10;
  uint64_t last = count - 1 > max - 1 - first ? max - 1 : first + count - 1;
  char digits[32];
  snprintf(digits, sizeof(digits), "%0*" PRIu64, (int)len, last);
  output_number(digits, out);
  return 0;
}

static int output_entry_text(ript_buf *out, const ript_stir_tnentry *e) {
  char first[32], last[32];
  if (e->type == RIPT_STIR_TNENTRY_SPC)
    return ript_buf_printf(out, "SPC %s", e->value);
  output_number(e->value, first);
  if (e->type == RIPT_STIR_TNENTRY_ONE)
    return ript_buf_append_str(out, first);
  if (output_range_last(e->value, e->count, last) != 0)
    return ript_buf_printf(out, "%" PRIu64 " numbers from %s", e->count,
                           first);
  return ript_buf_printf(out, "%s to %s (%" PRIu64 " numbers)", first, last,
                         e->count);
}

static json_t *output_entry_json(const ript_stir_tnentry *e) {
  char first[32], last[32];
  if (e->type == RIPT_STIR_TNENTRY_SPC)
    return json_pack("{s:s}", "spc", e->value);
  output_number(e->value, first);
  uint64_t count = e->type == RIPT_STIR_TNENTRY_ONE ? 1 : e->count;
  if (e->type == RIPT_STIR_TNENTRY_ONE)
    memcpy(last, first, sizeof(last));
  else if (output_range_last(e->value, e->count, last) != 0)
    snprintf(last, sizeof(last), "?");
  return json_pack("{s:s, s:s, s:I}", "first", first, "last", last, "count",
                   (json_int_t)count);
}

/* The origins certificate's TNAuthList: 0 and |*cert| set, 1 when there is
 * no certificate, 2 when it cannot be read, 3 without TNAuthList. */
static int output_origins_cert(const char *pem, ript_stir_cert **cert) {
  *cert = NULL;
  if (!pem)
    return 1;
  int rv = ript_stir_cert_parse(cert, (const uint8_t *)pem, strlen(pem),
                                NULL, NULL);
  if (rv == RIPT_ERR_NOMEM)
    return -1;
  if (rv != 0)
    return 2;
  return ript_stir_cert_tnauth(*cert) ? 0 : 3;
}

int ript_cli_origins_text(const char *origins_pem, ript_buf *out) {
  static const char *const why[] = {
      NULL, "none", "(not a certificate ript can read)",
      "(a certificate without TNAuthList)"};
  ript_stir_cert *cert;
  int kind = output_origins_cert(origins_pem, &cert);
  if (kind < 0)
    return RIPT_ERR_NOMEM;
  int rv = kind ? ript_buf_append_str(out, why[kind]) : 0;
  const ript_stir_tnauth *list = kind ? NULL : ript_stir_cert_tnauth(cert);
  for (size_t i = 0; rv == 0 && list && i < list->len; ++i) {
    if (i)
      rv = ript_buf_append_str(out, ", ");
    if (rv == 0)
      rv = output_entry_text(out, &list->entries[i]);
  }
  ript_stir_cert_del(cert);
  return rv;
}

/* null, or the list of entries. */
static json_t *output_origins_json(const char *origins_pem, int *nomem) {
  ript_stir_cert *cert;
  int kind = output_origins_cert(origins_pem, &cert);
  *nomem = kind < 0;
  if (kind != 0) {
    ript_stir_cert_del(cert);
    return json_null();
  }
  const ript_stir_tnauth *list = ript_stir_cert_tnauth(cert);
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < list->len; ++i)
    if (json_array_append_new(arr, output_entry_json(&list->entries[i])))
      *nomem = 1;
  ript_stir_cert_del(cert);
  *nomem |= !arr;
  return arr;
}

/* ---- discover ---- */

static int output_tg_text(ript_buf *out, const ript_doc_tg_entry *entry,
                          const ript_doc_tg *tg) {
  char ms[2][32];
  snprintf(ms[0], sizeof(ms[0]), "%" PRId64 " ms", tg->retry_backoff_ms);
  snprintf(ms[1], sizeof(ms[1]), "%" PRId64 " ms", tg->media_timeout_ms);
  ript_buf origins;
  ript_buf_init(&origins, NULL);
  int rv = ript_cli_origins_text(tg->origins, &origins);
  if (rv == 0)
    rv = ript_buf_append_str(out, "TG ");
  if (rv == 0)
    rv = ript_buf_append_printable(out, tg->uri ? tg->uri : entry->uri);
  if (rv == 0)
    rv = ript_buf_append_str(out, "\n");
  const char *lines[][2] = {
      {"name", tg->name ? tg->name : entry->name},
      {"description", tg->description ? tg->description : entry->description},
      {"destinations", tg->destinations ? tg->destinations : "*"},
      {"origins", (const char *)origins.data},
      {"retry-backoff", ms[0]},
      {"media-timeout", ms[1]},
      {"advertisement", tg->advertisement}};
  for (size_t i = 0; rv == 0 && i < sizeof(lines) / sizeof(lines[0]); ++i)
    rv = output_line(out, lines[i][0], lines[i][1]);
  ript_buf_free(&origins);
  return rv;
}

static json_t *output_tg_json(const ript_doc_tg_entry *entry,
                              const ript_doc_tg *tg, int *nomem) {
  json_t *origins = output_origins_json(tg->origins, nomem);
  return json_pack(
      "{s:s, s:o, s:o, s:s, s:o, s:I, s:I, s:o}", "uri",
      tg->uri ? tg->uri : entry->uri, "name",
      output_str(tg->name ? tg->name : entry->name), "description",
      output_str(tg->description ? tg->description : entry->description),
      "destinations", tg->destinations ? tg->destinations : "*", "origins",
      origins, "retry-backoff", (json_int_t)tg->retry_backoff_ms,
      "media-timeout", (json_int_t)tg->media_timeout_ms, "advertisement",
      output_str(tg->advertisement));
}

int ript_cli_print_tgs(ript_buf *out, int json, const ript_doc_tg_list *list,
                       const ript_doc_tg *tgs) {
  if (!json) {
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < list->ntgs; ++i)
      rv = output_tg_text(out, &list->tgs[i], &tgs[i]);
    return rv;
  }
  json_t *arr = json_array();
  int nomem = !arr;
  for (size_t i = 0; !nomem && i < list->ntgs; ++i)
    nomem = json_array_append_new(arr, output_tg_json(&list->tgs[i], &tgs[i],
                                                      &nomem)) != 0 ||
            nomem;
  if (nomem) {
    json_decref(arr);
    return RIPT_ERR_NOMEM;
  }
  return output_json(out, json_pack("{s:o}", "tgs", arr));
}

/* ---- handlers ---- */

static json_t *output_handler_json(const ript_doc_handler *h) {
  return json_pack("{s:s, s:s, s:s}", "uri", h->uri, "handler-id",
                   h->handler_id, "advertisement", h->advertisement);
}

int ript_cli_print_handler(ript_buf *out, int json,
                           const ript_doc_handler *h) {
  if (json)
    return output_json(out, output_handler_json(h));
  int rv = ript_buf_printf(out, "handler %s registered at ", h->handler_id);
  if (rv == 0)
    rv = ript_buf_append_printable(out, h->uri);
  if (rv == 0)
    rv = ript_buf_append_str(out, "\n");
  return rv;
}

static int output_handlers_text(ript_buf *out, const char *tg,
                                const ript_doc_handler_list *list) {
  if (list->nhandlers == 0) {
    int rv = ript_buf_append_str(out, "no handlers on TG ");
    if (rv == 0)
      rv = ript_buf_append_printable(out, tg);
    return rv ? rv : ript_buf_append_str(out, "\n");
  }
  int rv = 0;
  for (size_t i = 0; rv == 0 && i < list->nhandlers; ++i) {
    const ript_doc_handler *h = &list->handlers[i];
    rv = ript_buf_printf(out, "%s ", h->handler_id);
    if (rv == 0)
      rv = ript_buf_append_printable(out, h->uri);
    if (rv == 0)
      rv = ript_buf_append_str(out, " ");
    if (rv == 0)
      rv = ript_buf_append_printable(out, h->advertisement);
    if (rv == 0)
      rv = ript_buf_append_str(out, "\n");
  }
  return rv;
}

int ript_cli_print_handlers(ript_buf *out, int json, const char *tg,
                            const ript_doc_handler_list *list) {
  if (!json)
    return output_handlers_text(out, tg, list);
  json_t *arr = json_array();
  int nomem = !arr;
  for (size_t i = 0; !nomem && i < list->nhandlers; ++i)
    nomem =
        json_array_append_new(arr, output_handler_json(&list->handlers[i]));
  if (nomem) {
    json_decref(arr);
    return RIPT_ERR_NOMEM;
  }
  return output_json(out, json_pack("{s:s, s:o}", "tg", tg, "handlers", arr));
}

int ript_cli_print_removed(ript_buf *out, int json, const char *uri) {
  if (json)
    return output_json(out, json_pack("{s:s}", "removed", uri));
  int rv = ript_buf_append_str(out, "handler removed: ");
  if (rv == 0)
    rv = ript_buf_append_printable(out, uri);
  return rv ? rv : ript_buf_append_str(out, "\n");
}

/* ---- certificates ---- */

int ript_cli_print_cert(ript_buf *out, int json,
                        const ript_cli_cert_record *rec, const char *key_path,
                        const char *chain_path, int key_created) {
  char nb[32], na[32];
  ript_cli_rfc3339(rec->not_before, nb);
  ript_cli_rfc3339(rec->not_after, na);
  if (json)
    return output_json(
        out, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "number",
                       rec->e164, "tg", rec->tg, "x5u", rec->x5u,
                       "not-before", nb, "not-after", na, "key", key_path,
                       "chain", chain_path, "key-created", key_created));
  int rv = ript_buf_printf(out, "certificate for %s, valid from %s to %s\n",
                           rec->e164, nb, na);
  if (rv == 0)
    rv = output_line(out, "x5u", rec->x5u);
  if (rv == 0)
    rv = ript_buf_printf(out, "  %-15s%s%s\n", "key", key_path,
                         key_created ? " (new)" : "");
  return rv;
}

/* ---- calls ---- */

int ript_cli_print_call_event(ript_buf *out, double at_s, const char *name,
                              const char *reason) {
  int rv = ript_buf_printf(out, "+%.3f s  ", at_s);
  if (rv == 0)
    rv = ript_buf_append_printable(out, name);
  if (rv == 0 && reason && reason[0]) {
    rv = ript_buf_append_str(out, ": ");
    if (rv == 0)
      rv = ript_buf_append_printable(out, reason);
  }
  return rv ? rv : ript_buf_append_str(out, "\n");
}

/* lost / (received + lost), 0 when nothing was expected. */
static double output_loss(const ript_cli_call_summary *s) {
  uint64_t expected = s->received + s->lost;
  return expected ? (double)s->lost / (double)expected : 0.0;
}

static int output_codec_text(ript_buf *out, const char *codec, uint32_t rate,
                             const char *way) {
  if (!codec)
    return ript_buf_printf(out, "nothing %s", way);
  return ript_buf_printf(out, "%s %u Hz %s", codec, (unsigned)rate, way);
}

static int output_call_head(ript_buf *out, const ript_cli_call_summary *s) {
  int rv = ript_buf_append_str(out, "call ");
  if (rv == 0)
    rv = ript_buf_append_printable(out, s->uri ? s->uri : "(none)");
  if (rv == 0)
    rv = ript_buf_append_str(out, ": ");
  if (rv == 0)
    rv = ript_buf_append_printable(out, s->final ? s->final : "over");
  if (rv == 0 && s->reason && s->reason[0]) {
    rv = ript_buf_append_str(out, ": ");
    if (rv == 0)
      rv = ript_buf_append_printable(out, s->reason);
  }
  if (rv == 0)
    rv = ript_buf_printf(out, " (ended by %s)\n",
                         s->ended_by_us ? "ript" : "the server");
  return rv;
}

static int output_call_media(ript_buf *out, const ript_cli_call_summary *s) {
  int rv = ript_buf_printf(out, "  %-17s%s, %s\n", "transport",
                           strcmp(s->transport, "h2") == 0 ? "HTTP/2"
                                                           : "HTTP/3",
                           strcmp(s->media, "datagram") == 0 ? "datagrams"
                                                             : "media byways");
  if (rv == 0)
    rv = ript_buf_printf(out, "  %-17s", "codecs");
  if (rv == 0)
    rv = output_codec_text(out, s->codec_sent, s->rate_sent, "out");
  if (rv == 0)
    rv = ript_buf_append_str(out, ", ");
  if (rv == 0)
    rv = output_codec_text(out, s->codec_received, s->rate_received, "in");
  if (rv == 0)
    rv = ript_buf_printf(out, "\n  %-17s%.2f s", "duration", s->duration_s);
  if (rv == 0 && s->answered_after_s >= 0)
    rv = ript_buf_printf(out, ", answered after %.2f s",
                         s->answered_after_s);
  else if (rv == 0)
    rv = ript_buf_append_str(out, ", not answered");
  return rv ? rv : ript_buf_append_str(out, "\n");
}

static int output_call_chunks(ript_buf *out, const ript_cli_call_summary *s) {
  int rv = ript_buf_printf(
      out,
      "  %-17s%" PRIu64 ", acknowledged %" PRIu64 ", replayed %" PRIu64
      ", comfort noise %" PRIu64 ", DTMF %" PRIu64 "\n",
      "chunks sent", s->sent, s->acked, s->replayed, s->cn_sent,
      s->dtmf_sent);
  if (rv == 0)
    rv = ript_buf_printf(out,
                         "  %-17s%" PRIu64 ", lost %" PRIu64
                         " (%.1f%%), duplicates %" PRIu64
                         ", before the answer %" PRIu64
                         ", concealed %" PRIu64 ", longest gap %" PRId64
                         " ms\n",
                         "chunks received", s->received, s->lost,
                         100.0 * output_loss(s), s->duplicates, s->early,
                         s->concealed, s->longest_gap_ms);
  if (rv == 0 && s->rtt_samples)
    rv = ript_buf_printf(out,
                         "  %-17s%.1f ms (min %" PRId64 " ms, max %" PRId64
                         " ms, %" PRIu64 " samples)\n",
                         "round trip", s->rtt_ms, s->rtt_min_ms,
                         s->rtt_max_ms, s->rtt_samples);
  else if (rv == 0)
    rv = ript_buf_printf(out, "  %-17snot measured\n", "round trip");
  if (rv == 0)
    rv = ript_buf_printf(out, "  %-17s%.1f ms\n", "jitter", s->jitter_ms);
  if (rv == 0 && s->encrypted)
    rv = ript_buf_printf(out,
                         "  %-17send to end, key %u, undecryptable %" PRIu64
                         "\n",
                         "encryption", (unsigned)s->key_id, s->undecryptable);
  else if (rv == 0 && s->undecryptable)
    rv = ript_buf_printf(out, "  %-17snone, undecryptable %" PRIu64 "\n",
                         "encryption", s->undecryptable);
  return rv;
}

void ript_cli_describe_undecryptable(char *buf, size_t len,
                                     const ript_media_stats *m, int have_key,
                                     unsigned id) {
  unsigned their = (unsigned)(m->undecryptable_key_id >> 16);
  if (!m->undecryptable_keyed)
    snprintf(buf, len,
             "media from the far end is not encrypted, but --media-key was "
             "given: it is dropped");
  else if (!have_key)
    snprintf(buf, len,
             "media from the far end is encrypted with key %u (key id "
             "0x%08x) — give that key with --media-key",
             their, (unsigned)m->undecryptable_key_id);
  else if (m->undecryptable_reason == RIPT_MEDIA_FAIL_UNKNOWN_KEY)
    snprintf(buf, len,
             "media from the far end cannot be decrypted: unknown key id "
             "0x%08x (key %u, ours is %u) — check --media-key",
             (unsigned)m->undecryptable_key_id, their, id);
  else
    snprintf(buf, len,
             "media from the far end cannot be decrypted: key %u does not "
             "authenticate it (a different secret?) — check --media-key",
             their);
}

static int output_call_text(ript_buf *out, const ript_cli_call_summary *s) {
  int rv = output_call_head(out, s);
  if (rv == 0)
    rv = output_call_media(out, s);
  if (rv == 0)
    rv = output_call_chunks(out, s);
  if (rv == 0)
    rv = ript_buf_printf(out,
                         "  %-17s%" PRIu64 ", media-panics %" PRIu64
                         ", pings %" PRIu64 ", pongs %" PRIu64 "\n",
                         "migrations", s->migrations, s->media_panics,
                         s->pings, s->pongs);
  if (rv == 0 && s->dtmf_heard && s->dtmf_heard[0])
    rv = ript_buf_printf(out, "  %-17s%s\n", "DTMF heard", s->dtmf_heard);
  if (rv == 0 && s->recording)
    rv = ript_buf_printf(out, "  %-17s%s (%.2f s)\n", "recording",
                         s->recording, s->recorded_s);
  return rv;
}

/* |v| rounded to 3 decimals: figures, not noise. */
static json_t *output_real(double v) {
  return json_real(round(v * 1000.0) / 1000.0);
}

static json_t *output_call_chunks_json(const ript_cli_call_summary *s) {
  return json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I}",
      "sent",
      (json_int_t)s->sent, "acknowledged", (json_int_t)s->acked, "replayed",
      (json_int_t)s->replayed, "comfort-noise", (json_int_t)s->cn_sent,
      "dtmf", (json_int_t)s->dtmf_sent, "received", (json_int_t)s->received,
      "lost", (json_int_t)s->lost, "loss", output_real(output_loss(s)),
      "duplicates", (json_int_t)s->duplicates, "early", (json_int_t)s->early,
      "concealed", (json_int_t)s->concealed, "undecryptable",
      (json_int_t)s->undecryptable, "longest-gap-ms",
      (json_int_t)s->longest_gap_ms);
}

static json_t *output_call_rtt_json(const ript_cli_call_summary *s) {
  int have = s->rtt_samples > 0;
  return json_pack("{s:o, s:o, s:o, s:I}", "smoothed",
                   have ? output_real(s->rtt_ms) : json_null(), "min",
                   have ? json_integer(s->rtt_min_ms) : json_null(), "max",
                   have ? json_integer(s->rtt_max_ms) : json_null(),
                   "samples", (json_int_t)s->rtt_samples);
}

static json_t *output_call_json(const ript_cli_call_summary *s) {
  return json_pack(
      "{s:o, s:o, s:o, s:s, s:s, s:s, s:{s:o, s:o}, s:o, s:o, s:o, s:o, "
      "s:o, s:I, s:I, s:I, s:I, s:s, s:o, s:o, s:o}",
      "call", output_str(s->uri), "final", output_str(s->final), "reason",
      output_str(s->reason), "ended-by", s->ended_by_us ? "ript" : "server",
      "transport", s->transport, "media", s->media, "codecs", "sent",
      output_str(s->codec_sent), "received", output_str(s->codec_received),
      "duration-s", output_real(s->duration_s), "answered-after-s",
      s->answered_after_s >= 0 ? output_real(s->answered_after_s)
                               : json_null(),
      "chunks", output_call_chunks_json(s), "rtt-ms", output_call_rtt_json(s),
      "jitter-ms", output_real(s->jitter_ms), "migrations",
      (json_int_t)s->migrations, "media-panics", (json_int_t)s->media_panics,
      "pings", (json_int_t)s->pings, "pongs", (json_int_t)s->pongs,
      "dtmf-heard", s->dtmf_heard ? s->dtmf_heard : "", "recording",
      output_str(s->recording), "recorded-s", output_real(s->recorded_s),
      "media-key", s->encrypted ? json_integer(s->key_id) : json_null());
}

int ript_cli_print_call_summary(ript_buf *out, int json,
                                const ript_cli_call_summary *s) {
  return json ? output_json(out, output_call_json(s))
              : output_call_text(out, s);
}

int ript_cli_print_failure(ript_buf *out, int exit_code, const char *message,
                           const ript_client_result *res) {
  json_t *err = json_pack("{s:i, s:s}", "exit", exit_code, "message", message);
  int nomem = !err;
  if (!nomem && res && res->status >= 300)
    nomem = json_object_set_new(err, "status", json_integer(res->status));
  if (!nomem && res && res->error)
    nomem = json_object_set_new(err, "error", json_string(res->error));
  if (!nomem && res && res->reason)
    nomem = json_object_set_new(err, "reason", json_string(res->reason));
  if (nomem) {
    json_decref(err);
    return RIPT_ERR_NOMEM;
  }
  return output_json(out, json_pack("{s:o}", "error", err));
}
