/*
 * bench/load.h - the parts of ript-load, the load generator
 * (docs/BENCHMARKS.md): its options (load_options.c), its measurements
 * (load_measure.c) and its report (load_report.c); ript_load.c runs the
 * calls.
 */
#ifndef RIPT_BENCH_LOAD_H
#define RIPT_BENCH_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ript/client_call.h"
#include "ript/http.h"

/* Exit statuses. */
enum {
  LOAD_EXIT_OK = 0,     /* every call went as it should */
  LOAD_EXIT_FATAL = 1,  /* nothing measured: setup failed */
  LOAD_EXIT_USAGE = 2,  /* bad command line */
  LOAD_EXIT_FAILED = 3, /* measured, but some calls failed */
};

/* Bounds of the options: everything the run does is bounded by them. */
#define LOAD_CALLS_MAX 20000u
#define LOAD_RAMP_MAX 10000.0
#define LOAD_HOLD_MAX 3600.0
#define LOAD_CONNECTIONS_MAX 256u

typedef struct load_options {
  /* Where riptd is: --dev-json, or --root/--token/--cacert; each of
   * those, --tg, --from and --to overrides what dev.json says. */
  const char *dev_json;
  const char *root, *token, *cacert, *tg, *from, *to;
  unsigned calls;       /* --calls N */
  double ramp;          /* --ramp: call setups started per second */
  double hold_s;        /* --hold: seconds all calls are held after the ramp */
  ript_http_version version;   /* --transport */
  ript_client_media_mode media; /* --media */
  int opus;             /* --codec opus (else PCMU) */
  unsigned connections; /* --connections; 0: as many as the calls need */
  unsigned byways;      /* --byways: reverse media byways per call */
  unsigned ping_ms;     /* --ping-ms; 0: the client library's default */
  unsigned give_up_ms;  /* --give-up-ms; 0: the client library's default */
  pid_t riptd_pid;      /* --riptd-pid; 0: riptd's CPU and memory unread */
  int json;             /* --json */
  int help;
} load_options;

/* What the run uses, options and dev.json combined (owned strings). */
typedef struct load_target {
  char *root, *token, *cacert, *tg, *from, *to;
} load_target;

/* Parses |argv|; -1 with one line in |err| on a bad command line. */
int load_options_parse(load_options *opt, int argc, char **argv, char *err,
                       size_t errlen);
const char *load_usage(void);

/* Fills |t| from |opt| and the dev.json it names; -1 with one line in
 * |err| when something needed is missing or unreadable. */
int load_target_resolve(load_target *t, const load_options *opt, char *err,
                        size_t errlen);
void load_target_free(load_target *t);

/* ---- measurements (load_measure.c) ---- */

/* Milliseconds from -LOAD_HIST_NEG to LOAD_HIST_MS - LOAD_HIST_NEG - 1 in
 * 1 ms bins; values beyond count in the first or last bin. A chunk's
 * delay can be negative: its timestamp is the sender's choice (riptd
 * stamps echoed frames one frame after the previous one), not when it
 * was sent. */
#define LOAD_HIST_MS 61000u
#define LOAD_HIST_NEG 1000

typedef struct load_hist {
  uint64_t bins[LOAD_HIST_MS];
  uint64_t count;
  int64_t min, max;
} load_hist;

void load_hist_add(load_hist *h, int64_t ms);
/* The smallest value with at least |q| (0..1) of the samples at or below
 * it (|*value|); 0, or -1 when there are none. */
int load_hist_quantile(const load_hist *h, double q, int64_t *value);

/* The |q| quantile of |n| microsecond samples (sorted in place); -1 for
 * none. */
double load_quantile_us(int64_t *v, size_t n, double q);

/* Unix time in milliseconds (the clock chunk timestamps use). */
int64_t load_wall_ms(void);

/* CPU time (user + system) of process |pid| in seconds, from
 * /proc/PID/stat; -1 if unreadable. */
double load_proc_cpu_s(pid_t pid);
/* Resident memory of process |pid| in KiB (VmRSS of /proc/PID/status);
 * -1 if unreadable. */
long load_proc_rss_kib(pid_t pid);
/* This process's CPU time in seconds. */
double load_self_cpu_s(void);

/* ---- the figures of a run (load_report.c) ---- */

#define LOAD_ERROR_SAMPLES 5

typedef struct load_result {
  const load_options *opt;
  unsigned connections;
  const char *codec;
  /* calls */
  unsigned started, described, answered, ok, failed;
  char *errors[LOAD_ERROR_SAMPLES]; /* the first distinct failures */
  size_t nerrors;
  int timed_out; /* the run's guard fired */
  /* setup: POST to 201, and to "answered", microseconds per call */
  int64_t *setup_us, *answer_us;
  size_t nsetup, nanswer;
  double ramp_s; /* first POST to last 201 */
  /* media */
  uint64_t sent, acked, tx_lost, received, expected, rx_lost, duplicates;
  uint64_t late_ticks; /* sends the generator itself made late (>100 ms) */
  uint64_t migrations, panics, byways_refused, pings, pongs;
  double rtt_sum_ms; /* sum of each call's smoothed RTT */
  unsigned rtt_calls;
  load_hist *delay_steady, *delay_all;
  /* the steady window: every call up, before the end of the hold */
  double window_s;
  double riptd_cpu_s, self_cpu_s; /* in the window; < 0 unknown */
  long rss_base_kib, rss_full_kib; /* < 0 unknown */
} load_result;

/* Keeps the first LOAD_ERROR_SAMPLES distinct failure lines (copied). */
void load_result_error(load_result *r, const char *line);
void load_result_free(load_result *r);

/* Prints |r| on stdout: one JSON object (--json) or lines for people.
 * Returns 0 or -1 (out of memory). */
int load_report(const load_result *r);

#endif /* RIPT_BENCH_LOAD_H */
