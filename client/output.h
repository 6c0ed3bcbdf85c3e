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

/* A failure with --json, on stdout: {"error": {"exit", "message",
 * "status", "error", "reason"}}, the last three only when the server sent
 * them. */
int ript_cli_print_failure(ript_buf *out, int exit_code, const char *message,
                           const ript_client_result *res);

#endif /* RIPT_CLI_OUTPUT_H */
