/*
 * server/recorder.h - a WAV file written as a call goes, off the loop
 * (docs/PROTOCOL.md decision 71).
 *
 * The PCM handed in is kept in memory and written in batches of about a
 * second with libuv's file operations (uv_fs_*, run on its thread pool);
 * after every batch the header is rewritten with the new size, so the file
 * is a valid WAV file at all times. It is written under a temporary name
 * beside its final one: DIR/UUID.wav.part when the route's file is a
 * directory (final name DIR/UUID.wav), else FILE.UUID.part (final name
 * FILE), and renamed into place when the recording is finished, so a file
 * under its final name is complete.
 *
 * A temporary file that already exists (the call was being recorded by a
 * riptd that was killed, or that gave the call up) is continued: its
 * format is kept (what is handed in is converted into it) and the gap is
 * filled with silence up to where the PCM handed in belongs, so the
 * recording keeps the call's time.
 *
 * The loop never waits for the disk: when the writes fall more than
 * RIPTD_RECORDER_BUFFER_MS behind, what is handed in meanwhile is dropped
 * and written as silence in its place (the recording keeps its time),
 * counted, and said on stderr. A recording keeps at most RIPTD_RECORDER_MAX_S
 * seconds.
 *
 * Everything runs on the loop's thread.
 */
#ifndef RIPTD_RECORDER_H
#define RIPTD_RECORDER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "ript/mem.h"

enum {
  /* A batch is written once this much audio waits. */
  RIPTD_RECORDER_BATCH_MS = 1000,
  /* What waits beyond this while a batch is being written is dropped. */
  RIPTD_RECORDER_BUFFER_MS = 10000,
  RIPTD_RECORDER_MAX_S = 3600,
};

typedef struct riptd_recorder riptd_recorder;

typedef struct riptd_recorder_config {
  uv_loop_t *loop;
  const ript_mem *mem; /* NULL: the default; must outlive the recorder */
  const char *file;    /* the route's file or directory (copied) */
  const char *uuid;    /* the call's, in names and messages (copied) */
  uint32_t rate;       /* of the PCM handed in: 16-bit, interleaved */
  unsigned channels;   /* 1 or 2 */
  int64_t at_ms;       /* where in the recording the first PCM belongs */
  /* Called on the loop once the recorder is closed and its file written
   * (or given up), after the recorder was freed; never from inside a
   * recorder function. */
  void (*done)(void *data);
  void *data;
} riptd_recorder_config;

/* Starts a recorder for |cfg| and stores it in |*prec|; the file is opened
 * (or continued) in the background, and a failure to open it is said on
 * stderr. Returns 0, RIPT_ERR_INVALID_ARGUMENT (a format out of range) or
 * RIPT_ERR_NOMEM; |done| is called only after a success. */
int riptd_recorder_open(riptd_recorder **prec,
                        const riptd_recorder_config *cfg);

/* Appends |frames| frames of |pcm| (copied). */
void riptd_recorder_write(riptd_recorder *rec, const int16_t *pcm,
                          size_t frames);

/* No more PCM comes: what waits is written, the file closed and, with
 * |finish|, renamed into place (without: left under its temporary name for
 * the riptd that continues the call). The recorder frees itself and then
 * calls |done|. */
void riptd_recorder_close(riptd_recorder *rec, int finish);

#endif /* RIPTD_RECORDER_H */
