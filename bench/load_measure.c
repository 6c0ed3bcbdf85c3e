/* ript-load's measurements: latency histograms, quantiles, clocks, and
 * another process's CPU time and resident memory from /proc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

void load_hist_add(load_hist *h, int64_t ms) {
  int64_t at = ms + LOAD_HIST_NEG;
  at = at < 0 ? 0 : at >= (int64_t)LOAD_HIST_MS ? LOAD_HIST_MS - 1 : at;
  h->bins[at]++;
  if (!h->count || ms < h->min)
    h->min = ms;
  if (!h->count || ms > h->max)
    h->max = ms;
  h->count++;
}

int load_hist_quantile(const load_hist *h, double q, int64_t *value) {
  if (!h->count)
    return -1;
  /* The rank of the sample: at least 1, at most count. */
  uint64_t rank = (uint64_t)(q * (double)h->count + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > h->count)
    rank = h->count;
  uint64_t seen = 0;
  *value = h->max;
  for (uint32_t i = 0; i < LOAD_HIST_MS; ++i) {
    seen += h->bins[i];
    if (seen >= rank) {
      *value = (int64_t)i - LOAD_HIST_NEG;
      break;
    }
  }
  /* The end bins also hold what lay beyond them. */
  if (*value < h->min)
    *value = h->min;
  if (*value > h->max)
    *value = h->max;
  return 0;
}

static int measure_cmp(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

double load_quantile_us(int64_t *v, size_t n, double q) {
  if (!n)
    return -1;
  qsort(v, n, sizeof(*v), measure_cmp);
  size_t rank = (size_t)(q * (double)n + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return (double)v[rank - 1];
}

int64_t load_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first line of /proc/PID/NAME into |buf|; -1 if unreadable. */
static int measure_read(pid_t pid, const char *name, char *buf, size_t len) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  size_t n = fread(buf, 1, len - 1, f);
  fclose(f);
  buf[n] = '\0';
  return n ? 0 : -1;
}

double load_proc_cpu_s(pid_t pid) {
  char buf[4096];
  if (measure_read(pid, "stat", buf, sizeof(buf)) != 0)
    return -1;
  /* The command name may hold spaces and parentheses: fields are counted
   * from the last ')'; utime and stime are fields 14 and 15 of the line,
   * the 12th and 13th after the name. */
  const char *p = strrchr(buf, ')');
  if (!p)
    return -1;
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 1,
             " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
             &utime, &stime) != 2)
    return -1;
  long tck = sysconf(_SC_CLK_TCK);
  return tck > 0 ? (double)(utime + stime) / (double)tck : -1;
}

long load_proc_rss_kib(pid_t pid) {
  char buf[8192];
  if (measure_read(pid, "status", buf, sizeof(buf)) != 0)
    return -1;
  const char *p = strstr(buf, "\nVmRSS:");
  long kib = -1;
  if (!p || sscanf(p + 7, " %ld kB", &kib) != 1)
    return -1;
  return kib;
}

double load_self_cpu_s(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return -1;
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
