/*
 * ript/advert.h - RIPT advertisements and directives (draft §8.5, §8.7,
 * §9.6, §9.8): parser, canonical printer, builders and accessors.
 *
 * An advertisement lists a handler's media sources ("out") and sinks ("in"),
 * each with an id and the codecs it can use, in preference order:
 *
 *     1 in: opus; PCMU; PCMA; 2 out: opus,sr=16000; PCMU;
 *
 * A directive (what one side of a call sends) lists streams, each from a
 * source id of the sender to a sink id of the receiver, with the codecs to
 * use (the main codec first, then auxiliary ones such as telephone-event):
 *
 *     1 to 1: opus; telephone-event;
 *
 * Grammar (RFC 5234 ABNF; docs/PROTOCOL.md §6 has it, appendix A.1 examples):
 *
 *   advertisement = *ws adv-entry *( 1*ws adv-entry ) *ws
 *   adv-entry     = stream-id 1*ws ( "in" / "out" ) *ws ":" *ws codec-list
 *   directive     = *ws dir-entry *( 1*ws dir-entry ) *ws
 *   dir-entry     = stream-id 1*ws "to" 1*ws stream-id *ws ":" *ws codec-list
 *   stream-id     = %x31-39 *2DIGIT             ; 1..255
 *   codec-list    = codec *( *ws ";" *ws codec ) [ *ws ";" ]
 *   codec         = codec-name *( *ws "," *ws param )
 *   codec-name    = ALPHA *( ALPHA / DIGIT / "-" / "." / "_" / "+" )
 *   param         = param-name [ *ws "=" *ws value ]   ; bare name: value 1
 *   param-name    = ALPHA *( ALPHA / DIGIT / "-" / "_" )
 *   value         = [ "-" ] 1*19DIGIT          ; -(2^63-1) .. 2^63-1
 *   ws            = SP / HTAB / CR / LF
 *
 * Keywords, codec names and parameter names are case-insensitive. Besides
 * the syntax, a parser enforces: ids 1..255; no (id, direction) twice in an
 * advertisement and no (source, sink) pair twice in a directive; no codec
 * twice in an entry; no parameter twice in a codec (aliases count as their
 * target: max-res is max-width); values within the int64 range above and
 * registered parameters within their range (ript/codec.h); at most
 * RIPT_ADVERT_MAX_CODECS codecs per entry and RIPT_ADVERT_MAX_PARAMS
 * parameters per codec, so that no input makes the parser quadratic.
 *
 * Canonical form (ript_advert_print): entries in order, separated by one
 * space, as "ID in: ", "ID out: " or "SRC to SINK: "; each codec followed by
 * ";" and separated by one space; codec names in registry spelling (unknown
 * ones as given); parameters after their codec as ",name=value" with
 * registered ones in registry order, then unregistered ones alphabetically
 * (lower case); a parameter equal to its default is left out; an
 * unregistered parameter of value 1 is printed bare (",name"). Printing a
 * parsed object and parsing the output gives an object that prints the same.
 *
 * Objects: a ript_advert is allocated by the library (ript_advert_new,
 * ript_advert_parse, negotiation) and freed with ript_advert_del. Its
 * structs are public so callers can walk them, but are read-only to callers;
 * change them only through the functions below. Callers never allocate
 * these structs, so fields may be added at the end in later versions.
 *
 * Thread-safety: an object may be read from several threads at once;
 * functions that change it need exclusive access. Objects share nothing.
 */
#ifndef RIPT_ADVERT_H
#define RIPT_ADVERT_H

#include <stddef.h>
#include <stdint.h>

#include "ript/buf.h"
#include "ript/codec.h"
#include "ript/error.h"
#include "ript/mem.h"

/* Highest stream id: ids travel as 8-bit integers in media chunks. */
#define RIPT_ADVERT_MAX_ID 255u
/* At most this many codecs in one entry (RIPT_ERR_LIMIT beyond). */
#define RIPT_ADVERT_MAX_CODECS 64u
/* At most this many parameters on one codec (RIPT_ERR_LIMIT beyond). */
#define RIPT_ADVERT_MAX_PARAMS 64u

typedef enum ript_advert_kind {
  RIPT_ADVERT_KIND_ADVERTISEMENT = 0, /* entries are "ID in" / "ID out" */
  RIPT_ADVERT_KIND_DIRECTIVE = 1      /* entries are "SRC to SINK" */
} ript_advert_kind;

typedef enum ript_advert_dir {
  RIPT_ADVERT_DIR_IN = 0,  /* advertisement: a sink (receives media) */
  RIPT_ADVERT_DIR_OUT = 1, /* advertisement: a source (sends media) */
  RIPT_ADVERT_DIR_TO = 2   /* directive: a stream from source to sink */
} ript_advert_dir;

/* One parameter of a codec. */
typedef struct ript_advert_param {
  char *name;                        /* canonical spelling, lower case */
  const ript_codec_param_info *info; /* NULL when unregistered */
  int64_t value;
} ript_advert_param;

/* One codec of an entry; |params| are in canonical print order. */
typedef struct ript_advert_codec {
  char *name;                  /* registry spelling, or as given */
  const ript_codec_info *info; /* NULL when not in the codec registry */
  ript_advert_param *params;
  size_t nparams;
} ript_advert_codec;

/* One source, sink (advertisement) or stream (directive). */
typedef struct ript_advert_entry {
  uint8_t id;          /* stream id; in a directive, the sender's source */
  uint8_t sink;        /* directive: the receiver's sink; 0 otherwise */
  ript_advert_dir dir; /* IN or OUT; TO in a directive */
  ript_advert_codec *codecs; /* in preference order */
  size_t ncodecs;
} ript_advert_entry;

/* An advertisement or a directive. Fields after |nentries| are private. */
typedef struct ript_advert {
  ript_advert_kind kind;
  ript_advert_entry *entries; /* in input (or insertion) order */
  size_t nentries;
  size_t entries_cap;
  uint64_t *seen; /* bitmap of the (id, dir) or (source, sink) keys in use */
  const ript_mem *mem;
} ript_advert;

/*
 * Creates an empty object of |kind| that allocates with |mem| (NULL: the
 * default allocator, which must outlive the object). On success stores it
 * in |*padv|. Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL |padv|, bad |kind|)
 * or RIPT_ERR_NOMEM.
 */
int ript_advert_new(ript_advert **padv, ript_advert_kind kind,
                    const ript_mem *mem);

/* Frees |adv| and everything in it. NULL is a no-op. */
void ript_advert_del(ript_advert *adv);

/*
 * Parses the |len| bytes at |text| (no NUL needed; NULL only when |len| is
 * 0) as an advertisement or a directive, per |kind|, into a new object that
 * allocates with |mem|; on success stores it in |*padv| (free it with
 * ript_advert_del). On a parse or range error, |err| (may be NULL) gets the
 * byte offset and what was expected there. Returns 0 or:
 *   RIPT_ERR_PARSE   bad syntax (an empty or all-whitespace input too), a
 *                    repeated entry, codec or parameter, a leading zero in
 *                    a stream id;
 *   RIPT_ERR_RANGE   a stream id of 0 or above 255, a value outside
 *                    -(2^63-1)..2^63-1 or longer than 19 digits, a
 *                    registered parameter outside its range;
 *   RIPT_ERR_LIMIT   more than RIPT_ADVERT_MAX_CODECS codecs in an entry or
 *                    RIPT_ADVERT_MAX_PARAMS parameters on a codec;
 *   RIPT_ERR_INVALID_ARGUMENT  NULL |padv|, NULL |text| with |len| > 0, bad
 *                    |kind|;
 *   RIPT_ERR_NOMEM.
 * Nothing is stored in |*padv| on error.
 */
int ript_advert_parse(ript_advert **padv, const char *text, size_t len,
                      ript_advert_kind kind, ript_parse_error *err,
                      const ript_mem *mem);

/*
 * Appends the canonical text of |adv| to |out| (see above); an object with
 * no entries appends nothing (and the parser rejects an empty text, so a
 * caller must carry "no streams" some other way). Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument, or an entry without codecs,
 * which has no text form) or RIPT_ERR_NOMEM (|out| may then hold part of
 * the text after what it held before).
 */
int ript_advert_print(const ript_advert *adv, ript_buf *out);

/*
 * Builders. Each keeps every rule the parser enforces, so anything built
 * prints as text that parses back to an equal object. Names are
 * NUL-terminated and copied.
 */

/*
 * Appends an advertisement entry: source or sink |id| with direction |dir|
 * (IN or OUT) and no codecs yet. Returns the new entry's index, or
 * RIPT_ERR_INVALID_ARGUMENT (NULL |adv|, a directive, |dir| not IN/OUT, or
 * (|id|, |dir|) already present), RIPT_ERR_RANGE (|id| 0 or > 255) or
 * RIPT_ERR_NOMEM.
 */
int ript_advert_add_entry(ript_advert *adv, unsigned id, ript_advert_dir dir);

/*
 * Appends a directive stream from |source| to |sink| with no codecs yet.
 * Returns the new entry's index, or RIPT_ERR_INVALID_ARGUMENT (NULL |adv|,
 * an advertisement, or the pair already present), RIPT_ERR_RANGE (an id 0
 * or > 255) or RIPT_ERR_NOMEM.
 */
int ript_advert_add_stream(ript_advert *adv, unsigned source, unsigned sink);

/*
 * Appends codec |name| to entry |entry| (registered names are stored in
 * registry spelling). Returns the codec's index in the entry, or
 * RIPT_ERR_INVALID_ARGUMENT (NULL argument, no such entry, |name| not a
 * codec-name, or the codec already listed), RIPT_ERR_LIMIT (the entry has
 * RIPT_ADVERT_MAX_CODECS codecs) or RIPT_ERR_NOMEM.
 */
int ript_advert_add_codec(ript_advert *adv, size_t entry, const char *name);

/*
 * Sets parameter |name| (aliases resolved; unregistered names stored in
 * lower case) of codec |codec| of entry |entry| to |value|, replacing any
 * value it had. Returns 0, RIPT_ERR_INVALID_ARGUMENT (NULL argument, no
 * such entry or codec, |name| not a param-name), RIPT_ERR_RANGE (|value| is
 * INT64_MIN, or outside a registered parameter's range), RIPT_ERR_LIMIT
 * (a new parameter beyond RIPT_ADVERT_MAX_PARAMS) or RIPT_ERR_NOMEM.
 */
int ript_advert_set_param(ript_advert *adv, size_t entry, size_t codec,
                          const char *name, int64_t value);

/*
 * Accessors. Returned pointers are valid until |adv| is changed or freed.
 */

/* The advertisement entry (|id|, |dir|), or NULL (also for NULL |adv|). */
const ript_advert_entry *ript_advert_find_entry(const ript_advert *adv,
                                                unsigned id,
                                                ript_advert_dir dir);

/* The directive stream from |source| to |sink|, or NULL. */
const ript_advert_entry *ript_advert_find_stream(const ript_advert *adv,
                                                 unsigned source,
                                                 unsigned sink);

/* The codec named |name| (case-insensitive) in |entry|, or NULL. */
const ript_advert_codec *ript_advert_find_codec(const ript_advert_entry *entry,
                                                const char *name);

/* The parameter |name| (case-insensitive, aliases resolved) as given on
 * |codec|, or NULL when the codec does not give it. */
const ript_advert_param *ript_advert_find_param(const ript_advert_codec *codec,
                                                const char *name);

/*
 * The effective value of parameter |name| on |codec|: the value given, else
 * the registered default, else 0 (an unregistered capability is absent).
 * A NULL |codec| counts as a codec that gives no parameters (so the result
 * is the default); a NULL |name| gives 0.
 */
int64_t ript_advert_param_value(const ript_advert_codec *codec,
                                const char *name);

/* The media type of an entry: that of its first registered codec, or
 * RIPT_CODEC_MEDIA_UNKNOWN when it lists none (or |entry| is NULL). */
ript_codec_media ript_advert_entry_media(const ript_advert_entry *entry);

#endif /* RIPT_ADVERT_H */
