/* The audio of one `ript call`: frames out, recording in. */
#include <stdlib.h>
#include <string.h>

#include "call_audio.h"
#include "options.h"
#include "ript/codec.h"

enum {
  /* How long the playout buffer waits for a missing frame: a chunk sent
   * again after a broken connection (up to the replay window) still finds
   * its place in the recording. */
  AUDIO_PLAYOUT_DELAY_MS = RIPT_MEDIA_REPLAY_WINDOW_DEFAULT_MS + 1000,
  /* Frames the playout buffer holds: the delay at 10 ms frames, and more. */
  AUDIO_PLAYOUT_CAPACITY = 1024,
  /* Longest pause in the timestamps filled with noise or silence; a longer
   * jump is a new timeline (a server that restarted its clock). */
  AUDIO_PAUSE_MAX_MS = 60000,
  /* Frame duration assumed before any frame was decoded. */
  AUDIO_DEFAULT_FRAME_MS = 20,
};

/* What a frame in the playout buffer is: its first byte. */
enum { AUDIO_TAG_MEDIA = 0, AUDIO_TAG_CN = 1, AUDIO_TAG_OTHER = 2 };

/* The first stream of a directive; |ok| when there is one ript codes. */
typedef struct audio_stream {
  int ok;
  ript_audio_stream s;
} audio_stream;

struct ript_cli_audio {
  /* sending */
  audio_stream tx;
  ript_audio_encoder *enc;
  const ript_audio_format *fmt;
  int16_t *signal; /* at the encoder's format; NULL: silence */
  size_t signal_frames;
  int16_t *pcm;    /* one frame */
  ript_vad vad;
  ript_dtmf_sender dtmf;
  int started;
  int64_t start_ms;
  uint64_t next_frame;
  uint8_t packet[RIPT_AUDIO_MAX_PACKET];
  /* receiving */
  audio_stream rx;
  ript_audio_decoder *dec;
  ript_jitter *jb;
  int16_t *out;    /* one decoded frame */
  size_t out_room; /* frames of room in |out| */
  uint8_t tagged[1 + RIPT_AUDIO_MAX_PACKET];
  ript_dtmf_receiver dtmf_rx;
  char heard[RIPT_CLI_MAX_DTMF + 1];
  size_t nheard;
  int record;
  ript_buf rec;       /* int16 samples */
  int64_t rx_next_ts; /* where the last released audio ended; -1: none */
  unsigned rx_frame_ms;
  int in_cn;
  uint8_t cn_level;
  ript_cn_generator noise;
  ript_cli_audio_stats st;
};

/* ---- set-up ---- */

static int audio_stream_parse(audio_stream *st, const char *text,
                              const char *which, char *errbuf,
                              size_t errlen) {
  int rv = ript_audio_stream_parse(&st->s, text, NULL);
  st->ok = rv == 0;
  if (rv == 0 || rv == RIPT_ERR_NO_COMMON_MEDIA)
    return 0; /* a direction with no stream: checked by the caller */
  snprintf(errbuf, errlen, "the %s directive \"%s\" %s", which, text,
           rv == RIPT_ERR_RANGE ? "names a codec ript cannot code (it has "
                                  "opus, PCMU and PCMA)"
           : rv == RIPT_ERR_NOMEM ? "could not be read: out of memory"
                                  : "does not parse");
  return -1;
}

/* The signal to send, converted to the encoder's format. */
static int audio_signal(ript_cli_audio *a, const ript_wav *play) {
  if (!play || !play->frames)
    return 0;
  return ript_resample(&a->signal, &a->signal_frames, play->samples,
                       play->frames, play->rate, play->channels,
                       a->fmt->rate, a->fmt->channels, NULL);
}

static int audio_tx_new(ript_cli_audio *a, const ript_wav *play) {
  int rv = ript_audio_encoder_new(&a->enc, &a->tx.s.cfg, NULL);
  if (rv != 0)
    return rv;
  a->fmt = ript_audio_encoder_format(a->enc);
  a->pcm = calloc(a->fmt->frame_size * a->fmt->channels, sizeof(int16_t));
  if (!a->pcm)
    return RIPT_ERR_NOMEM;
  ript_vad_config vc = {a->fmt->frame_ms, 0, 0, 0};
  ript_dtmf_sender_config dc = {0, 0, a->fmt->frame_ms, 0};
  if ((rv = ript_vad_init(&a->vad, &vc)) != 0 ||
      (rv = ript_dtmf_sender_init(&a->dtmf, &dc)) != 0)
    return rv;
  a->st.tx_codec = a->tx.s.codec;
  a->st.tx_rate = a->fmt->rate;
  a->st.tx_channels = a->fmt->channels;
  return audio_signal(a, play);
}

static int audio_rx_new(ript_cli_audio *a) {
  ript_dtmf_receiver_init(&a->dtmf_rx);
  ript_cn_generator_init(&a->noise, 0x52495054u);
  a->rx_next_ts = -1;
  a->rx_frame_ms = AUDIO_DEFAULT_FRAME_MS;
  if (!a->rx.ok)
    return 0;
  ript_jitter_config jc = {AUDIO_PLAYOUT_DELAY_MS, 0, AUDIO_PLAYOUT_CAPACITY,
                           sizeof(a->tagged)};
  int rv = ript_audio_decoder_new(&a->dec, &a->rx.s.cfg, NULL);
  if (rv == 0)
    rv = ript_jitter_new(&a->jb, &jc, NULL);
  if (rv != 0)
    return rv;
  const ript_audio_format *f = ript_audio_decoder_format(a->dec);
  a->out_room = ript_audio_decoder_max_frames(a->dec);
  a->out = malloc(a->out_room * f->channels * sizeof(int16_t));
  a->st.rx_codec = a->rx.s.codec;
  a->st.rx_rate = f->rate;
  a->st.rx_channels = f->channels;
  return a->out ? 0 : RIPT_ERR_NOMEM;
}

int ript_cli_audio_new(ript_cli_audio **pa, const ript_cli_audio_config *cfg,
                       char *errbuf, size_t errlen) {
  ript_cli_audio *a = calloc(1, sizeof(*a));
  *pa = NULL;
  if (!a) {
    snprintf(errbuf, errlen, "out of memory");
    return -1;
  }
  ript_buf_init(&a->rec, NULL);
  a->record = cfg->record;
  if (audio_stream_parse(&a->tx, cfg->client_directives, "client", errbuf,
                         errlen) != 0 ||
      audio_stream_parse(&a->rx, cfg->server_directives, "server", errbuf,
                         errlen) != 0) {
    ript_cli_audio_del(a);
    return -1;
  }
  if (!a->tx.ok) {
    snprintf(errbuf, errlen, "the call lets ript send nothing (client "
                             "directive \"%s\")",
             cfg->client_directives ? cfg->client_directives : "");
    ript_cli_audio_del(a);
    return -1;
  }
  if (audio_tx_new(a, cfg->play) != 0 || audio_rx_new(a) != 0) {
    snprintf(errbuf, errlen, "cannot set up the audio: out of memory");
    ript_cli_audio_del(a);
    return -1;
  }
  *pa = a;
  return 0;
}

void ript_cli_audio_del(ript_cli_audio *a) {
  if (!a)
    return;
  ript_audio_encoder_del(a->enc);
  ript_audio_decoder_del(a->dec);
  ript_jitter_del(a->jb);
  ript_free(NULL, a->signal);
  free(a->pcm);
  free(a->out);
  ript_buf_free(&a->rec);
  free(a);
}

void ript_cli_audio_tx_stream(const ript_cli_audio *a, uint8_t *source,
                              uint8_t *sink) {
  *source = a->tx.s.source;
  *sink = a->tx.s.sink;
}

/* ---- sending ---- */

void ript_cli_audio_start(ript_cli_audio *a, int64_t wall_ms) {
  if (a->started)
    return;
  a->started = 1;
  a->start_ms = wall_ms;
}

int ript_cli_audio_started(const ript_cli_audio *a) { return a->started; }

int ript_cli_audio_dtmf(ript_cli_audio *a, const char *digits) {
  if (!a->tx.s.telephone_event)
    return RIPT_ERR_MISMATCH;
  return ript_dtmf_sender_push(&a->dtmf, digits, strlen(digits));
}

static void audio_frame_init(const ript_cli_audio *a, ript_media_frame *f,
                             uint32_t pt, int64_t ts, size_t len) {
  memset(f, 0, sizeof(*f));
  f->source = a->tx.s.source;
  f->sink = a->tx.s.sink;
  f->payload_type = pt;
  f->timestamp = (uint64_t)ts;
  f->media = a->packet;
  f->media_len = len;
}

static int audio_dtmf_frame(ript_cli_audio *a, const ript_dtmf_packet *pkt,
                            ript_media_frame *f) {
  ript_ssize n = ript_dtmf_encode(&pkt->event, a->packet, sizeof(a->packet));
  if (n <= 0)
    return 0;
  audio_frame_init(a, f, RIPT_PT_TELEPHONE_EVENT, pkt->timestamp_ms,
                   (size_t)n);
  ++a->st.dtmf_sent;
  return 1;
}

/* Frame |k| of the signal (silence beyond it) into a->pcm. */
static void audio_take(ript_cli_audio *a, uint64_t k) {
  size_t ch = a->fmt->channels, n = a->fmt->frame_size * ch;
  size_t at = (size_t)k * a->fmt->frame_size * ch;
  size_t have = a->signal && at < a->signal_frames * ch
                    ? a->signal_frames * ch - at
                    : 0;
  if (have > n)
    have = n;
  if (have)
    memcpy(a->pcm, a->signal + at, have * sizeof(int16_t));
  memset(a->pcm + have, 0, (n - have) * sizeof(int16_t));
}

/* Frame |k| as media, as CN, or as nothing (returns 0). */
static int audio_frame(ript_cli_audio *a, uint64_t k, ript_media_frame *f) {
  size_t n = a->fmt->frame_size * a->fmt->channels;
  int64_t ts = a->start_ms + (int64_t)k * a->fmt->frame_ms;
  audio_take(a, k);
  uint8_t level = ript_cn_level(a->pcm, n);
  int what = a->tx.s.cn ? ript_vad_process(&a->vad, a->pcm, n, &level)
                      : RIPT_VAD_MEDIA;
  if (what == RIPT_VAD_SILENT) {
    ++a->st.silent;
    return 0;
  }
  if (what == RIPT_VAD_CN) {
    ript_cn_payload cn = {level, 0, {0}};
    ript_ssize len = ript_cn_encode(&cn, a->packet, sizeof(a->packet));
    audio_frame_init(a, f, RIPT_PT_CN, ts, len > 0 ? (size_t)len : 0);
    ++a->st.cn_sent;
    return len > 0;
  }
  ript_ssize len = ript_audio_encode(a->enc, a->pcm, a->fmt->frame_size,
                                     a->packet, sizeof(a->packet));
  if (len <= 0)
    return 0;
  audio_frame_init(a, f, a->fmt->payload_type, ts, (size_t)len);
  f->flags = RIPT_MEDIA_FRAME_FLAG_LEVEL;
  f->level = level;
  ++a->st.media_sent;
  return 1;
}

int ript_cli_audio_next(ript_cli_audio *a, int64_t wall_ms,
                        ript_media_frame *frame) {
  if (!a->started)
    return 0;
  ript_dtmf_packet pkt;
  if (a->tx.s.telephone_event && ript_dtmf_sender_poll(&a->dtmf, wall_ms, &pkt) == 1 &&
      audio_dtmf_frame(a, &pkt, frame))
    return 1;
  while (a->start_ms + (int64_t)a->next_frame * a->fmt->frame_ms <= wall_ms)
    if (audio_frame(a, a->next_frame++, frame))
      return 1;
  return 0;
}

/* ---- receiving ---- */

static void audio_heard(ript_cli_audio *a, const ript_media_frame *f) {
  ript_dtmf_event ev;
  char key;
  if (ript_dtmf_decode(&ev, f->media, f->media_len, NULL) == 0 &&
      ript_dtmf_receiver_push(&a->dtmf_rx, (int64_t)f->timestamp, &ev) == 1 &&
      (key = ript_dtmf_digit(ev.event)) && a->nheard + 1 < sizeof(a->heard))
    a->heard[a->nheard++] = key;
}

void ript_cli_audio_receive(ript_cli_audio *a, const ript_media_frame *f,
                            int64_t wall_ms) {
  if (!a->rx.ok || f->source != a->rx.s.source || f->sink != a->rx.s.sink ||
      f->media_len > RIPT_AUDIO_MAX_PACKET)
    return;
  uint8_t tag = f->payload_type == a->rx.s.cfg.payload_type ? AUDIO_TAG_MEDIA
                : f->payload_type == RIPT_PT_CN           ? AUDIO_TAG_CN
                                                          : AUDIO_TAG_OTHER;
  if (f->payload_type == RIPT_PT_TELEPHONE_EVENT)
    audio_heard(a, f);
  /* Auxiliary payloads share the stream's sequence numbers: they go in too,
   * or the playout buffer would take theirs for lost audio. */
  size_t len = tag == AUDIO_TAG_OTHER ? 0 : f->media_len;
  /* A new server instance numbers anew: what is held still plays. */
  if (f->flags & RIPT_MEDIA_FRAME_FLAG_RENUMBERED)
    ript_jitter_renumber(a->jb, f->sequence);
  a->tagged[0] = tag;
  if (len)
    memcpy(a->tagged + 1, f->media, len);
  ript_jitter_push(a->jb, f->sequence, (int64_t)f->timestamp, a->tagged,
                   1 + len, wall_ms);
}

/* Keeps |frames| frames of |pcm| in the recording, up to its limit. */
static void audio_keep(ript_cli_audio *a, const int16_t *pcm, size_t frames) {
  size_t ch = a->st.rx_channels;
  size_t most = (size_t)RIPT_CLI_AUDIO_RECORD_MAX_S * a->st.rx_rate * ch *
                sizeof(int16_t);
  size_t bytes = frames * ch * sizeof(int16_t);
  a->st.recorded += frames;
  if (a->record && a->rec.len + bytes <= most)
    ript_buf_append(&a->rec, pcm, bytes);
}

/* A pause of |ms| in the received timestamps: the last CN's noise, or
 * silence, in pieces of one decoded frame. */
static void audio_pause(ript_cli_audio *a, int64_t ms) {
  size_t frames = (size_t)ms * a->st.rx_rate / 1000, ch = a->st.rx_channels;
  while (frames) {
    size_t n = frames < a->out_room ? frames : a->out_room;
    if (a->in_cn)
      ript_cn_generate(&a->noise, a->cn_level, a->out, n * ch);
    else
      memset(a->out, 0, n * ch * sizeof(int16_t));
    audio_keep(a, a->out, n);
    frames -= n;
  }
}

/* Decodes |data| (NULL: conceals a lost frame) starting at |ts|. */
static void audio_decode(ript_cli_audio *a, const uint8_t *data, size_t len,
                         int64_t ts) {
  ript_ssize n = ript_audio_decode(a->dec, data, len, a->out, a->out_room);
  if (n <= 0)
    return;
  audio_keep(a, a->out, (size_t)n);
  a->rx_frame_ms = (unsigned)((size_t)n * 1000 / a->st.rx_rate);
  a->rx_next_ts = ts + a->rx_frame_ms;
  a->in_cn = 0;
}

static void audio_release(ript_cli_audio *a, const ript_jitter_frame *f) {
  if (!f->data) {
    ++a->st.concealed;
    audio_decode(a, NULL, 0, f->timestamp_ms);
    return;
  }
  uint8_t tag = f->data[0];
  if (tag == AUDIO_TAG_OTHER)
    return;
  int64_t pause = a->rx_next_ts < 0 ? 0 : f->timestamp_ms - a->rx_next_ts;
  if (pause >= (int64_t)a->rx_frame_ms && pause <= AUDIO_PAUSE_MAX_MS)
    audio_pause(a, pause);
  if (tag == AUDIO_TAG_MEDIA) {
    audio_decode(a, f->data + 1, f->len - 1, f->timestamp_ms);
    return;
  }
  ript_cn_payload cn;
  ++a->st.cn_received;
  if (ript_cn_decode(&cn, f->data + 1, f->len - 1, NULL) == 0) {
    a->in_cn = 1;
    a->cn_level = cn.level;
    a->rx_next_ts = f->timestamp_ms;
  }
}

void ript_cli_audio_play(ript_cli_audio *a, int64_t wall_ms) {
  ript_jitter_frame f;
  while (a->jb && ript_jitter_pop(a->jb, wall_ms, &f) > 0)
    audio_release(a, &f);
}

void ript_cli_audio_flush(ript_cli_audio *a) {
  ript_cli_audio_play(a, INT64_MAX);
}

const char *ript_cli_audio_heard(const ript_cli_audio *a) {
  return a->heard;
}

void ript_cli_audio_get_stats(const ript_cli_audio *a,
                              ript_cli_audio_stats *st) {
  *st = a->st;
  if (a->jb) {
    ript_jitter_stats js;
    ript_jitter_get_stats(a->jb, &js);
    st->late = js.late;
  }
}

int ript_cli_audio_write(const ript_cli_audio *a, ript_buf *out) {
  if (!a->rx.ok)
    return RIPT_ERR_RANGE;
  size_t frames = a->rec.len / sizeof(int16_t) / a->st.rx_channels;
  return ript_wav_write(out, (const int16_t *)(const void *)a->rec.data,
                        frames, a->st.rx_channels, a->st.rx_rate);
}
