/*
 * client/output.h - what `ript` prints: each command's result as text for
 * people or, with --json, as one JSON document (two-space indentation,
 * members in the order given here, a final newline), and failures.
 *
 * Text the server chose (names, descriptions, reasons) has its control
 * characters replaced by '?' in text output; JSON output escapes them.
 * Every function appends to |out| and returns 0 or RIPT_ERR_NOMEM.
 */
#ifndef RIPT_CLI_OUTPUT_H
#define RIPT_CLI_OUTPUT_H

#include <stdint.h>

#include "ript/buf.h"
#include "ript/client.h"
#include "ript/doc.h"
#include "ript/media.h"
#include "state.h"

/* |t| (Unix seconds) as "2026-11-22T00:47:56Z". */
void ript_cli_rfc3339(int64_t t, char out[32]);

/* The exit status for a failed operation's code (options.h). */
int ript_cli_exit_code(int code);

/*
 * The caller IDs a TG vouches for: the TNAuthList of the certificate in
 * its "origins" (PEM). Text: entries joined by ", ", each "+NUMBER",
 * "+FIRST to +LAST (N numbers)" (a range of numbers with '#' or '*': "N
 * numbers from START") or "SPC CODE"; "none" without origins,
 * "(not a certificate ript can read)" and "(a certificate without
 * TNAuthList)" for the two ways it can be unusable.
 */
int ript_cli_origins_text(const char *origins_pem, ript_buf *out);

/*
 * discover. Text: per TG a "TG URI" line, then indented "name",
 * "description", "destinations", "origins", "retry-backoff",
 * "media-timeout" and "advertisement" lines (absent ones left out).
 * JSON: {"tgs": [{"uri", "name", "description", "destinations",
 * "origins", "retry-backoff", "media-timeout", "advertisement"}]}, where
 * absent strings are null, "destinations" defaults to "*", and "origins"
 * is null or a list of {"first", "last", "count"} (one number: first =
 * last, count 1) and {"spc"} objects.
 */
int ript_cli_print_tgs(ript_buf *out, int json, const ript_doc_tg_list *list,
                       const ript_doc_tg *tgs);

/* handler add. Text: "handler ID registered at URI". JSON: the handler
 * description ({"uri", "handler-id", "advertisement"}). */
int ript_cli_print_handler(ript_buf *out, int json,
                           const ript_doc_handler *h);

/* handler list. Text: one "ID URI ADVERTISEMENT" line per handler, or "no
 * handlers on TG". JSON: {"tg", "handlers": [description...]}. */
int ript_cli_print_handlers(ript_buf *out, int json, const char *tg,
                            const ript_doc_handler_list *list);

/* handler rm. Text: "handler removed: URI". JSON: {"removed": URI}. */
int ript_cli_print_removed(ript_buf *out, int json, const char *uri);

/* cert. Text: "certificate for NUMBER, valid from T1 to T2" then "x5u URL"
 * and "key PATH" lines. JSON: {"number", "tg", "x5u", "not-before",
 * "not-after", "key", "chain", "key-created"}. */
int ript_cli_print_cert(ript_buf *out, int json,
                        const ript_cli_cert_record *rec, const char *key_path,
                        const char *chain_path, int key_created);

/* What `ript call` reports at the end. */
typedef struct ript_cli_call_summary {
  const char *uri;       /* the call, or NULL when none was created */
  const char *final;     /* the terminal event ("end", "declined", ...) */
  const char *reason;    /* its reason, or NULL */
  int ended_by_us;       /* the final end answers ours */
  const char *transport; /* "h3" or "h2" */
  const char *media;     /* "datagram" or "byway" */
  const char *codec_sent, *codec_received; /* NULL: no such stream */
  uint32_t rate_sent, rate_received;       /* Hz */
  double duration_s;       /* from the answer (else the start) to the end */
  double answered_after_s; /* < 0: never answered */
  uint64_t sent, acked, replayed, cn_sent, dtmf_sent;
  uint64_t received, lost, duplicates, early, concealed;
  int64_t longest_gap_ms; /* between two chunks received */
  uint64_t rtt_samples;
  double rtt_ms; /* smoothed */
  int64_t rtt_min_ms, rtt_max_ms;
  double jitter_ms;
  uint64_t migrations, media_panics, pings, pongs;
  const char *dtmf_heard; /* "" when none */
  const char *recording;  /* the --record file, or NULL */
  double recorded_s;
  int encrypted;          /* a media key was given */
  uint16_t key_id;        /* its ID */
  uint64_t undecryptable; /* media chunks that could not be decrypted */
} ript_cli_call_summary;

/*
 * call, as it goes: one event per line, "+SECONDS EVENT" and ": REASON"
 * when there is one, SECONDS since the call started with 3 decimals.
 */
int ript_cli_print_call_event(ript_buf *out, double at_s, const char *name,
                              const char *reason);

/*
 * The one line that says why media could not be decrypted, from the
 * first such chunk (|m|'s undecryptable_*), for a call that has a media
 * key (|have_key|, its ID |id|) or not. Never more than |len| - 1 bytes.
 */
void ript_cli_describe_undecryptable(char *buf, size_t len,
                                     const ript_media_stats *m, int have_key,
                                     unsigned id);

/*
 * call, at the end. Text: "call URI: FINAL[: REASON] (ended by ript|the
 * server)", then indented lines: transport, codecs, duration, chunks
 * sent, chunks received (with the loss in percent), round trip,
 * jitter, "encryption" (with a media key, or when media could not be
 * decrypted), signaling (migrations, media-panics, pings, pongs), "DTMF
 * heard" and "recording" when there are. JSON: {"call", "final",
 * "reason", "ended-by" ("ript" or "server"), "transport", "media",
 * "codecs": {"sent", "received"} (null for no stream), "duration-s",
 * "answered-after-s" (null: never), "chunks": {"sent", "acknowledged",
 * "replayed", "comfort-noise", "dtmf", "received", "lost", "loss"
 * (a fraction), "duplicates", "early", "concealed", "undecryptable",
 * "longest-gap-ms"},
 * "rtt-ms":
 * {"smoothed", "min", "max", "samples"} (null values without samples),
 * "jitter-ms", "migrations", "media-panics", "pings", "pongs",
 * "dtmf-heard", "recording" (null without), "recorded-s", "media-key"
 * (its ID, null without)}.
 */
int ript_cli_print_call_summary(ript_buf *out, int json,
                                const ript_cli_call_summary *s);

/* A failure with --json, on stdout: {"error": {"exit", "message",
 * "status", "error", "reason"}}, the last three only when the server sent
 * them. */
int ript_cli_print_failure(ript_buf *out, int exit_code, const char *message,
                           const ript_client_result *res);

#endif /* RIPT_CLI_OUTPUT_H */
