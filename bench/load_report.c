/* ript-load's results: one JSON object, or a few lines for people. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "load.h"

void load_result_error(load_result *r, const char *line) {
  for (size_t i = 0; i < r->nerrors; ++i)
    if (strcmp(r->errors[i], line) == 0)
      return;
  if (r->nerrors < LOAD_ERROR_SAMPLES) {
    char *copy = strdup(line);
    if (copy)
      r->errors[r->nerrors++] = copy;
  }
}

void load_result_free(load_result *r) {
  for (size_t i = 0; i < r->nerrors; ++i)
    free(r->errors[i]);
  free(r->setup_us);
  free(r->answer_us);
  free(r->delay_steady);
  free(r->delay_all);
  memset(r, 0, sizeof(*r));
}

/* A value, or JSON null when it is unknown (negative). */
static json_t *report_real(double v) { return v < 0 ? json_null() : json_real(v); }

static double report_pct(uint64_t part, uint64_t whole) {
  return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* Quantiles of microsecond samples as milliseconds. */
static json_t *report_us(int64_t *v, size_t n) {
  double p50 = load_quantile_us(v, n, 0.50), p99 = load_quantile_us(v, n, 0.99);
  double max = load_quantile_us(v, n, 1.0);
  return json_pack("{s:o, s:o, s:o, s:I}", "p50", report_real(p50 / 1000.0),
                   "p99", report_real(p99 / 1000.0), "max",
                   report_real(max / 1000.0), "samples", (json_int_t)n);
}

/* A quantile of |h|, or JSON null without samples. */
static json_t *report_q(const load_hist *h, double q) {
  int64_t v = 0;
  return load_hist_quantile(h, q, &v) == 0 ? json_integer(v) : json_null();
}

static json_t *report_hist(const load_hist *h) {
  return json_pack("{s:o, s:o, s:o, s:o, s:I}", "min",
                   h->count ? json_integer(h->min) : json_null(), "p50",
                   report_q(h, 0.50), "p99", report_q(h, 0.99), "max",
                   h->count ? json_integer(h->max) : json_null(), "samples",
                   (json_int_t)h->count);
}

static json_t *report_riptd(const load_result *r) {
  if (!r->opt->riptd_pid)
    return json_null();
  double cpu = r->riptd_cpu_s >= 0 && r->window_s > 0
                   ? 100.0 * r->riptd_cpu_s / r->window_s
                   : -1;
  double per_call = r->rss_base_kib >= 0 && r->rss_full_kib >= 0 &&
                            r->answered
                        ? (double)(r->rss_full_kib - r->rss_base_kib) /
                              (double)r->answered
                        : -1;
  return json_pack("{s:i, s:o, s:o, s:I, s:I, s:o}", "pid",
                   (int)r->opt->riptd_pid, "cpu_pct", report_real(cpu),
                   "cpu_s", report_real(r->riptd_cpu_s), "rss_base_kib",
                   (json_int_t)r->rss_base_kib, "rss_full_kib",
                   (json_int_t)r->rss_full_kib, "kib_per_call",
                   report_real(per_call));
}

static json_t *report_errors(const load_result *r) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < r->nerrors; ++i)
    json_array_append_new(a, json_string(r->errors[i]));
  return a;
}

static json_t *report_media(const load_result *r) {
  uint64_t lost = r->tx_lost + r->rx_lost, of = r->sent + r->expected;
  return json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:o, s:I}",
      "sent", (json_int_t)r->sent, "acked",
      (json_int_t)r->acked, "unacked", (json_int_t)r->tx_lost,
      "received", (json_int_t)r->received, "expected",
      (json_int_t)r->expected, "lost", (json_int_t)r->rx_lost,
      "duplicates", (json_int_t)r->duplicates, "loss_pct",
      report_pct(lost, of), "tx_loss_pct", report_pct(r->tx_lost, r->sent),
      "rx_loss_pct", report_pct(r->rx_lost, r->expected), "srtt_avg_ms",
      report_real(r->rtt_calls ? r->rtt_sum_ms / r->rtt_calls : -1),
      "late_sends", (json_int_t)r->late_ticks);
}

static json_t *report_json(const load_result *r) {
  const load_options *o = r->opt;
  json_t *doc = json_pack(
      "{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f,"
      " s:I, s:I, s:I, s:I, s:I, s:b, s:o,"
      " s:o, s:o, s:f,"
      " s:o, s:o, s:o,"
      " s:I, s:I, s:I, s:I, s:I,"
      " s:f, s:o, s:o}",
      "transport", o->version == RIPT_HTTP_3 ? "h3" : "h2", "media",
      o->media == RIPT_CLIENT_MEDIA_DATAGRAM ? "datagram" : "byway", "codec",
      r->codec, "calls", (json_int_t)o->calls, "connections",
      (json_int_t)r->connections, "byways", (json_int_t)o->byways, "ramp",
      o->ramp, "hold_s", o->hold_s,
      "started", (json_int_t)r->started, "described",
      (json_int_t)r->described, "answered", (json_int_t)r->answered,
      "ok", (json_int_t)r->ok, "errors", (json_int_t)r->failed, "timed_out",
      r->timed_out, "error_samples", report_errors(r),
      "setup_ms", report_us(r->setup_us, r->nsetup), "answer_ms",
      report_us(r->answer_us, r->nanswer), "setups_per_s",
      r->ramp_s > 0 ? (double)r->nsetup / r->ramp_s : 0.0,
      "chunks", report_media(r), "latency_ms", report_hist(r->delay_steady),
      "latency_all_ms", report_hist(r->delay_all),
      "migrations", (json_int_t)r->migrations, "media_panics",
      (json_int_t)r->panics, "byways_refused", (json_int_t)r->byways_refused,
      "pings_sent", (json_int_t)r->pings, "pongs_received",
      (json_int_t)r->pongs,
      "window_s", r->window_s, "riptd", report_riptd(r), "load_cpu_pct",
      report_real(r->self_cpu_s >= 0 && r->window_s > 0
                      ? 100.0 * r->self_cpu_s / r->window_s
                      : -1));
  return doc;
}

/* A number of the report as text: "-" when unknown (null or negative). */
typedef struct report_num {
  char s[32];
} report_num;

static report_num num(json_t *obj, const char *key, int prec) {
  report_num n;
  json_t *v = json_object_get(obj, key);
  double d = json_number_value(v);
  if (!json_is_number(v) || d < 0)
    snprintf(n.s, sizeof(n.s), "-");
  else if (json_is_integer(v))
    snprintf(n.s, sizeof(n.s), "%lld", (long long)json_integer_value(v));
  else
    snprintf(n.s, sizeof(n.s), "%.*f", prec, d);
  return n;
}

/* A number that may be negative: "-" only when it is null. */
static report_num snum(json_t *obj, const char *key) {
  report_num n;
  json_t *v = json_object_get(obj, key);
  if (json_is_integer(v))
    snprintf(n.s, sizeof(n.s), "%lld", (long long)json_integer_value(v));
  else
    snprintf(n.s, sizeof(n.s), "-");
  return n;
}

static const char *str(json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s ? s : "-";
}

/* The figures for people, from the JSON document (one source of truth). */
static void report_text(json_t *d) {
  json_t *m = json_object_get(d, "chunks"), *rd = json_object_get(d, "riptd");
  json_t *s = json_object_get(d, "setup_ms"), *a = json_object_get(d, "answer_ms");
  json_t *l = json_object_get(d, "latency_ms");
  printf("ript-load: %s calls over %s %s (%s), %s connections, ramp %s/s, "
         "hold %s s\n",
         num(d, "calls", 0).s, str(d, "transport"), str(d, "media"),
         str(d, "codec"), num(d, "connections", 0).s, num(d, "ramp", 1).s,
         num(d, "hold_s", 1).s);
  printf("  calls: %s started, %s set up, %s answered, %s ok, %s failed%s\n",
         num(d, "started", 0).s, num(d, "described", 0).s,
         num(d, "answered", 0).s, num(d, "ok", 0).s, num(d, "errors", 0).s,
         json_is_true(json_object_get(d, "timed_out")) ? " (timed out)" : "");
  printf("  setup: POST to 201 p50 %s ms, p99 %s ms; to answered p50 %s ms, "
         "p99 %s ms; %s setups/s\n",
         num(s, "p50", 1).s, num(s, "p99", 1).s, num(a, "p50", 1).s,
         num(a, "p99", 1).s, num(d, "setups_per_s", 1).s);
  printf("  chunks: %s sent, %s acknowledged, %s received; loss %s%% (sent "
         "unacknowledged %s%%, received missing %s%%)\n",
         num(m, "sent", 0).s, num(m, "acked", 0).s, num(m, "received", 0).s,
         num(m, "loss_pct", 3).s, num(m, "tx_loss_pct", 3).s,
         num(m, "rx_loss_pct", 3).s);
  printf("  one-way latency over the steady %s s: min %s ms, p50 %s ms, p99 "
         "%s ms, max %s ms; migrations %s, media-panics %s\n",
         num(d, "window_s", 1).s, snum(l, "min").s, snum(l, "p50").s,
         snum(l, "p99").s, snum(l, "max").s, num(d, "migrations", 0).s,
         num(d, "media_panics", 0).s);
  if (json_is_object(rd))
    printf("  riptd: CPU %s%%; resident %s KiB before, %s KiB at full load: "
           "%s KiB per call\n",
           num(rd, "cpu_pct", 1).s, num(rd, "rss_base_kib", 0).s,
           num(rd, "rss_full_kib", 0).s, num(rd, "kib_per_call", 1).s);
  printf("  ript-load CPU %s%%\n", num(d, "load_cpu_pct", 1).s);
  json_t *e = json_object_get(d, "error_samples");
  for (size_t i = 0; i < json_array_size(e); ++i)
    printf("  failure: %s\n", json_string_value(json_array_get(e, i)));
}

int load_report(const load_result *r) {
  json_t *doc = report_json(r);
  if (!doc)
    return -1;
  int rv = 0;
  if (r->opt->json) {
    rv = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
  } else {
    report_text(doc);
  }
  json_decref(doc);
  fflush(stdout);
  return rv == 0 ? 0 : -1;
}
