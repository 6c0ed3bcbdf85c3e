/*
 * Fuzzes the playout buffer with a script of pushes, pops, clock steps and
 * resets. Checked: released sequence numbers only grow, modulo 2^64 (until
 * a reset), frames carry what was pushed for their number,
 * ript_jitter_next agrees with ript_jitter_pop, and the statistics count
 * what came out.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ript/jitter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct jitter_script {
  const uint8_t *data;
  size_t size, pos;
} jitter_script;

static unsigned script_byte(jitter_script *s) {
  return s->pos < s->size ? s->data[s->pos++] : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  jitter_script s = {data, size, 0};
  ript_jitter_config cfg = {script_byte(&s), script_byte(&s) % 64,
                            script_byte(&s) % 40, 16};
  ript_jitter *jb;
  if (ript_jitter_new(&jb, &cfg, NULL) != 0)
    abort();
  int64_t now = 0, ts = 0;
  /* Near 0, so that scripts wrap around 2^64 too. */
  uint64_t seq = 1000, last_out = 0;
  int have_out = 0;
  uint64_t outputs = 0;
  uint8_t payload[16];
  while (s.pos < s.size) {
    unsigned op = script_byte(&s);
    switch (op % 4) {
    case 0: { /* push: sequence and timestamp steps, payload length */
      seq += (uint64_t)(int64_t)(int8_t)script_byte(&s);
      ts += (int8_t)script_byte(&s);
      size_t len = script_byte(&s) % 20;
      for (size_t i = 0; i < sizeof(payload); ++i)
        payload[i] = (uint8_t)seq;
      int rv = ript_jitter_push(jb, seq, ts, payload, len, now);
      if (len > 16 ? rv != RIPT_ERR_LIMIT
                   : rv != RIPT_JITTER_QUEUED && rv != RIPT_JITTER_LATE &&
                         rv != RIPT_JITTER_DUPLICATE)
        abort();
      break;
    }
    case 1: { /* pop everything due */
      ript_jitter_frame f;
      int64_t next = ript_jitter_next(jb);
      int rv = ript_jitter_pop(jb, now, &f);
      if ((rv == RIPT_JITTER_NONE) != (next > now))
        abort();
      while (rv != RIPT_JITTER_NONE) {
        if ((rv == RIPT_JITTER_FRAME && f.len > 0 &&
             f.data[0] != (uint8_t)f.sequence) ||
            (rv == RIPT_JITTER_GAP && f.data) ||
            (have_out && f.sequence - last_out - 1 >= (uint64_t)1 << 63))
          abort();
        last_out = f.sequence;
        have_out = 1;
        ++outputs;
        rv = ript_jitter_pop(jb, now, &f);
      }
      break;
    }
    case 2: /* the clock moves on */
      now += script_byte(&s);
      break;
    default:
      if (op == 0xFF) {
        ript_jitter_reset(jb);
        have_out = 0;
      }
      break;
    }
  }
  ript_jitter_stats st;
  ript_jitter_get_stats(jb, &st);
  if (st.played + st.concealed != outputs || st.played > st.received)
    abort();
  ript_jitter_del(jb);
  return 0;
}
