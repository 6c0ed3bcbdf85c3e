/* A WAV file written as a call goes, with libuv's file operations: one
 * operation at a time, each started from the callback of the one before,
 * on the one request the recorder holds. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "recorder.h"
#include "ript/audio.h"
#include "ript_mem.h"

struct riptd_recorder {
  union {
    uv_fs_t fs;
    uv_work_t work;
  } req;
  uv_loop_t *loop;
  const ript_mem *mem;
  char *uuid, *file, *final, *part;
  uv_file fd;          /* -1: none */
  int opened;          /* opening is over (with a file or without) */
  int busy;            /* an operation is under way */
  int failed;          /* nothing more is written */
  int closing, finish;
  uint32_t in_rate;    /* the PCM handed in */
  unsigned in_channels;
  uint32_t rate;       /* the file's (set once it is open) */
  unsigned channels;
  ript_resampler *rs;  /* in to the file's format, when they differ */
  int64_t at_ms;
  int16_t *pend;       /* input waiting for the next batch */
  size_t pend_len, pend_cap, pend_max; /* frames */
  uint64_t gap;        /* file frames of silence before |pend| */
  uint64_t dropping;   /* input frames dropped after |pend| */
  uint64_t dropped;    /* input frames dropped in all */
  int16_t *conv;       /* |pend| in the file's format */
  size_t conv_cap;     /* samples */
  uint8_t *out;        /* the batch being written: little-endian PCM */
  size_t out_len, out_cap, out_done;
  uint64_t out_gap;    /* silence before it, file frames */
  uint64_t frames;     /* written, as the header says once rewritten */
  int full;            /* the hour is reached */
  uint8_t header[RIPT_WAV_HEADER_LEN];
  void (*done)(void *data);
  void *data;
};

static void rec_next(riptd_recorder *rec);

/* The file being written, or what the route names before that is known. */
static const char *rec_name(const riptd_recorder *rec) {
  return rec->part ? rec->part : rec->file;
}

static size_t rec_align(const riptd_recorder *rec) {
  return 2 * (size_t)rec->channels;
}

/* Says what went wrong once; nothing more is written. */
static void rec_fail(riptd_recorder *rec, const char *what, ssize_t err) {
  if (!rec->failed)
    fprintf(stderr, "riptd: call %s: cannot %s the recording %s: %s\n",
            rec->uuid, what, rec_name(rec), uv_strerror((int)err));
  rec->failed = 1;
}

/* The end of an operation: its result, the request cleaned up; a failure
 * is said as one to |what| (NULL: it is not one). */
static ssize_t rec_result(riptd_recorder *rec, const char *what) {
  ssize_t r = rec->req.fs.result;
  uv_fs_req_cleanup(&rec->req.fs);
  rec->busy = 0;
  if (r < 0 && what)
    rec_fail(rec, what, r);
  return r;
}

/* A operation that could not be queued completes now with its error. */
static void rec_queued(riptd_recorder *rec, int rv, uv_fs_cb cb) {
  rec->busy = 1;
  if (rv != 0) {
    rec->req.fs.result = rv;
    cb(&rec->req.fs);
  }
}

/* ---- the end ---- */

static void rec_free(riptd_recorder *rec) {
  ript_resampler_del(rec->rs);
  ript_mem_free(rec->mem, rec->pend);
  ript_mem_free(rec->mem, rec->conv);
  ript_mem_free(rec->mem, rec->out);
  ript_mem_free(rec->mem, rec->uuid);
  ript_mem_free(rec->mem, rec->file);
  ript_mem_free(rec->mem, rec->final);
  ript_mem_free(rec->mem, rec->part);
  ript_mem_free(rec->mem, rec);
}

/* Frees the recorder first: |done| may free the allocator. */
static void rec_done(riptd_recorder *rec) {
  void (*done)(void *) = rec->done;
  void *data = rec->data;
  if (rec->dropped)
    fprintf(stderr, "riptd: call %s: the recording %s lost %" PRIu64
                    " ms to a slow disk (written as silence)\n",
            rec->uuid, rec_name(rec), rec->dropped * 1000 / rec->in_rate);
  rec_free(rec);
  if (done)
    done(data);
}

static void rec_on_rename(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  rec_result(rec, "rename");
  rec_done(rec);
}

static void rec_on_close(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  rec_result(rec, NULL);
  rec->fd = -1;
  if (!rec->finish || rec->failed) {
    rec_done(rec);
    return;
  }
  rec_queued(rec,
             uv_fs_rename(rec->loop, &rec->req.fs, rec->part, rec->final,
                          rec_on_rename),
             rec_on_rename);
}

static void rec_on_nothing(uv_work_t *req) { (void)req; }

static void rec_on_deferred(uv_work_t *req, int status) {
  (void)status;
  rec_done(req->data);
}

/* Closes the file; without one (it could not be opened) |done| still
 * comes from the loop, not from inside riptd_recorder_close. */
static void rec_close_file(riptd_recorder *rec) {
  rec->busy = 1;
  if (rec->fd >= 0) {
    rec_queued(rec, uv_fs_close(rec->loop, &rec->req.fs, rec->fd, rec_on_close),
               rec_on_close);
    return;
  }
  rec->req.work.data = rec;
  if (uv_queue_work(rec->loop, &rec->req.work, rec_on_nothing,
                    rec_on_deferred) != 0)
    rec_done(rec);
}

/* ---- batches ---- */

static void rec_on_header(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  rec_result(rec, "write");
  rec_next(rec);
}

/* Rewrites the header with the frames written so far, then |cb|. */
static void rec_write_header(riptd_recorder *rec, uv_fs_cb cb) {
  ript_wav_header(rec->header, rec->frames, rec->channels, rec->rate);
  uv_buf_t buf = uv_buf_init((char *)rec->header, sizeof(rec->header));
  rec_queued(rec, uv_fs_write(rec->loop, &rec->req.fs, rec->fd, &buf, 1, 0,
                              cb),
             cb);
}

static void rec_write_out(riptd_recorder *rec);

/* The batch is in the file (silence as a hole that reads as zeros):
 * the header says so next. */
static void rec_batch_done(riptd_recorder *rec) {
  rec->frames += rec->out_gap + rec->out_len / rec_align(rec);
  rec->out_gap = 0;
  rec->out_len = rec->out_done = 0;
  rec_write_header(rec, rec_on_header);
}

static void rec_on_out(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  ssize_t r = rec_result(rec, "write");
  if (r < 0) {
    rec_next(rec);
    return;
  }
  rec->out_done += (size_t)r;
  rec_write_out(rec);
}

static void rec_on_extend(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  if (rec_result(rec, "write") < 0)
    rec_next(rec);
  else
    rec_batch_done(rec);
}

static int64_t rec_offset(const riptd_recorder *rec) {
  return (int64_t)(RIPT_WAV_HEADER_LEN +
                   (rec->frames + rec->out_gap) * rec_align(rec) +
                   rec->out_done);
}

/* Writes what is left of the batch; a batch of silence only makes the
 * file longer. */
static void rec_write_out(riptd_recorder *rec) {
  if (rec->out_done < rec->out_len) {
    uv_buf_t buf = uv_buf_init((char *)rec->out + rec->out_done,
                               (unsigned)(rec->out_len - rec->out_done));
    rec_queued(rec,
               uv_fs_write(rec->loop, &rec->req.fs, rec->fd, &buf, 1,
                           rec_offset(rec), rec_on_out),
               rec_on_out);
  } else if (rec->out_len == 0) {
    rec_queued(rec,
               uv_fs_ftruncate(rec->loop, &rec->req.fs, rec->fd,
                               rec_offset(rec), rec_on_extend),
               rec_on_extend);
  } else {
    rec_batch_done(rec);
  }
}

static int rec_reserve(riptd_recorder *rec, void **buf, size_t *cap,
                       size_t need, size_t unit) {
  if (need <= *cap)
    return 0;
  void *p = ript_mem_realloc(rec->mem, *buf, need * unit);
  if (!p)
    return RIPT_ERR_NOMEM;
  *buf = p;
  *cap = need;
  return 0;
}

/* |pend| in the file's format, or NULL (out of memory). */
static const int16_t *rec_convert(riptd_recorder *rec, size_t *frames) {
  *frames = rec->pend_len;
  if (!rec->rs)
    return rec->pend;
  size_t most = ript_resampler_out_max(rec->rs, rec->pend_len);
  if (rec_reserve(rec, (void **)&rec->conv, &rec->conv_cap,
                  most * rec->channels, sizeof(int16_t)) != 0)
    return NULL;
  ript_ssize n = ript_resampler_process(rec->rs, rec->pend, rec->pend_len,
                                        rec->conv, most);
  *frames = n > 0 ? (size_t)n : 0;
  return rec->conv;
}

/* Keeps at most RIPTD_RECORDER_MAX_S of the file's audio. */
static uint64_t rec_room(riptd_recorder *rec, uint64_t frames) {
  uint64_t max = (uint64_t)RIPTD_RECORDER_MAX_S * rec->rate;
  uint64_t used = rec->frames + rec->out_gap;
  uint64_t room = used < max ? max - used : 0;
  if (frames > room && !rec->full) {
    rec->full = 1;
    fprintf(stderr, "riptd: call %s: the recording %s is %d s long: the rest "
                    "is not kept\n",
            rec->uuid, rec_name(rec), RIPTD_RECORDER_MAX_S);
  }
  return frames < room ? frames : room;
}

/* Moves what waits into the batch: the silence before it, its PCM as
 * little-endian bytes in the file's format; what was dropped after it is
 * the silence before the next. */
static void rec_batch(riptd_recorder *rec) {
  size_t frames;
  const int16_t *pcm = rec_convert(rec, &frames);
  if (!pcm) {
    rec->dropped += rec->pend_len;
    rec->dropping += rec->pend_len;
    frames = 0;
  }
  rec->out_gap = rec_room(rec, rec->gap);
  frames = (size_t)rec_room(rec, frames);
  rec->gap = rec->dropping * rec->rate / rec->in_rate;
  rec->dropping = 0;
  rec->pend_len = 0;
  size_t n = frames * rec->channels;
  if (rec_reserve(rec, (void **)&rec->out, &rec->out_cap, 2 * n, 1) != 0) {
    rec->gap += frames; /* out of memory: silence in its place */
    n = 0;
  }
  for (size_t i = 0; i < n; ++i) {
    uint16_t v = (uint16_t)pcm[i];
    rec->out[2 * i] = (uint8_t)(v & 0xFF);
    rec->out[2 * i + 1] = (uint8_t)(v >> 8);
  }
  rec->out_len = 2 * n;
  rec->out_done = 0;
  if (rec->out_len || rec->out_gap)
    rec_write_out(rec);
  else
    rec_next(rec);
}

/* Starts what is due once nothing is under way: a batch when a second of
 * audio waits (or at the close, whatever waits), then the close. */
static void rec_next(riptd_recorder *rec) {
  if (rec->busy || !rec->opened)
    return;
  if (rec->failed) {
    rec->pend_len = 0;
    if (rec->closing)
      rec_close_file(rec);
    return;
  }
  size_t batch = (size_t)((uint64_t)RIPTD_RECORDER_BATCH_MS * rec->in_rate /
                          1000);
  int waiting = rec->pend_len || rec->gap || rec->dropping;
  if (waiting && (rec->closing || rec->pend_len >= batch))
    rec_batch(rec);
  else if (rec->closing)
    rec_close_file(rec);
}

/* ---- opening ---- */

/* The file is open at |frames| frames of its format: the gap to where
 * the PCM handed in belongs is silence. */
static void rec_opened(riptd_recorder *rec) {
  rec->opened = 1;
  if (!rec->failed &&
      (rec->in_rate != rec->rate || rec->in_channels != rec->channels)) {
    int rv = ript_resampler_new(&rec->rs, rec->in_rate, rec->in_channels,
                                rec->rate, rec->channels,
                                RIPT_RESAMPLER_QUALITY, rec->mem);
    if (rv != 0)
      rec_fail(rec, "convert the audio for", UV_ENOMEM);
  }
  uint64_t want = rec->at_ms > 0
                      ? (uint64_t)rec->at_ms * rec->rate / 1000
                      : 0;
  if (want > rec->frames)
    rec->gap += want - rec->frames;
  rec_next(rec);
}

static void rec_on_fresh_header(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  rec_result(rec, "write");
  rec_opened(rec);
}

/* A new file: the header of no audio in the format handed in. */
static void rec_fresh(riptd_recorder *rec) {
  rec->rate = rec->in_rate;
  rec->channels = rec->in_channels;
  rec->frames = 0;
  rec_write_header(rec, rec_on_fresh_header);
}

static void rec_on_truncate(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  if (rec_result(rec, "write") < 0)
    rec_opened(rec);
  else
    rec_fresh(rec);
}

/* What is not a recording of ours is overwritten. */
static void rec_restart(riptd_recorder *rec) {
  rec_queued(rec,
             uv_fs_ftruncate(rec->loop, &rec->req.fs, rec->fd, 0,
                             rec_on_truncate),
             rec_on_truncate);
}

/* A recording continued: its format, and as many frames as its size holds
 * (a batch may be in the file whose header was not yet rewritten). */
static void rec_on_read_header(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  ssize_t r = rec_result(rec, NULL);
  uint64_t frames;
  if (r == (ssize_t)sizeof(rec->header) &&
      ript_wav_header_parse(rec->header, &rec->channels, &rec->rate,
                            &frames) == 0 &&
      rec->rate >= RIPT_RESAMPLER_MIN_RATE) {
    rec->frames = (rec->frames - RIPT_WAV_HEADER_LEN) / rec_align(rec);
    rec_opened(rec);
    return;
  }
  rec_restart(rec);
}

/* |frames| holds the file's size until its header is read. */
static void rec_on_fstat(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  uint64_t size = req->statbuf.st_size;
  if (rec_result(rec, "open") < 0) {
    rec_opened(rec);
  } else if (size >= RIPT_WAV_HEADER_LEN) {
    rec->frames = size;
    uv_buf_t buf = uv_buf_init((char *)rec->header, sizeof(rec->header));
    rec_queued(rec,
               uv_fs_read(rec->loop, &rec->req.fs, rec->fd, &buf, 1, 0,
                          rec_on_read_header),
               rec_on_read_header);
  } else if (size > 0) {
    rec_restart(rec);
  } else {
    rec_fresh(rec);
  }
}

static void rec_on_open(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  ssize_t r = rec_result(rec, "open");
  if (r < 0) {
    rec_opened(rec);
    return;
  }
  rec->fd = (uv_file)r;
  rec_queued(rec, uv_fs_fstat(rec->loop, &rec->req.fs, rec->fd, rec_on_fstat),
             rec_on_fstat);
}

/* The names: DIR/UUID.wav(.part) in a directory, else FILE and
 * FILE.UUID.part. */
static int rec_names(riptd_recorder *rec, int is_dir) {
  size_t n = strlen(rec->file) + strlen(rec->uuid) + sizeof("/.wav.part");
  rec->final = ript_mem_malloc(rec->mem, n);
  rec->part = ript_mem_malloc(rec->mem, n);
  if (!rec->final || !rec->part)
    return RIPT_ERR_NOMEM;
  if (is_dir) {
    snprintf(rec->final, n, "%s/%s.wav", rec->file, rec->uuid);
    snprintf(rec->part, n, "%s.part", rec->final);
  } else {
    snprintf(rec->final, n, "%s", rec->file);
    snprintf(rec->part, n, "%s.%s.part", rec->file, rec->uuid);
  }
  return 0;
}

static void rec_on_stat(uv_fs_t *req) {
  riptd_recorder *rec = req->data;
  int is_dir = req->result == 0 && S_ISDIR(req->statbuf.st_mode);
  rec_result(rec, NULL);
  if (rec_names(rec, is_dir) != 0) {
    rec_fail(rec, "name", UV_ENOMEM);
    rec_opened(rec);
    return;
  }
  rec_queued(rec,
             uv_fs_open(rec->loop, &rec->req.fs, rec->part,
                        O_RDWR | O_CREAT | O_CLOEXEC, 0666, rec_on_open),
             rec_on_open);
}

/* ---- the interface ---- */

int riptd_recorder_open(riptd_recorder **prec,
                        const riptd_recorder_config *cfg) {
  if (!cfg->rate || cfg->rate > RIPT_WAV_MAX_RATE || cfg->channels < 1 ||
      cfg->channels > RIPT_WAV_MAX_CHANNELS)
    return RIPT_ERR_INVALID_ARGUMENT;
  const ript_mem *mem = cfg->mem ? cfg->mem : ript_mem_default();
  riptd_recorder *rec = ript_mem_calloc(mem, 1, sizeof(*rec));
  if (!rec)
    return RIPT_ERR_NOMEM;
  rec->mem = mem;
  rec->loop = cfg->loop;
  rec->fd = -1;
  rec->in_rate = cfg->rate;
  rec->in_channels = cfg->channels;
  rec->at_ms = cfg->at_ms;
  rec->pend_max = (size_t)((uint64_t)RIPTD_RECORDER_BUFFER_MS * cfg->rate /
                           1000);
  rec->done = cfg->done;
  rec->data = cfg->data;
  rec->req.fs.data = rec;
  if (!(rec->uuid = ript_mem_strdup(mem, cfg->uuid)) ||
      !(rec->file = ript_mem_strdup(mem, cfg->file))) {
    rec_free(rec);
    return RIPT_ERR_NOMEM;
  }
  rec_queued(rec, uv_fs_stat(rec->loop, &rec->req.fs, rec->file, rec_on_stat),
             rec_on_stat);
  *prec = rec;
  return 0;
}

void riptd_recorder_write(riptd_recorder *rec, const int16_t *pcm,
                          size_t frames) {
  if (rec->failed || rec->closing || rec->full || !frames)
    return;
  size_t need = rec->pend_len + frames;
  if (rec->dropping || need > rec->pend_max ||
      rec_reserve(rec, (void **)&rec->pend, &rec->pend_cap,
                  need * 2 > rec->pend_max ? rec->pend_max : need * 2,
                  rec->in_channels * sizeof(int16_t)) != 0) {
    if (!rec->dropped)
      fprintf(stderr, "riptd: call %s: the disk falls behind the recording "
                      "%s: audio is dropped (and written as silence)\n",
              rec->uuid, rec_name(rec));
    rec->dropping += frames;
    rec->dropped += frames;
    return;
  }
  memcpy(rec->pend + rec->pend_len * rec->in_channels, pcm,
         frames * rec->in_channels * sizeof(int16_t));
  rec->pend_len = need;
  rec_next(rec);
}

void riptd_recorder_close(riptd_recorder *rec, int finish) {
  if (rec->closing)
    return;
  rec->closing = 1;
  rec->finish = finish;
  rec_next(rec);
}
