/*
 * ript/negotiate.h - computing a call's directives from two advertisements
 * (draft §8.7, §9.8).
 *
 * When a call is placed, the server takes the client handler's
 * advertisement and its own, and decides what each side sends: the client
 * directive (client sources to server sinks) and the server directive
 * (server sources to client sinks). Both sides' advertisements are
 * semi-static, so the result depends on nothing else.
 *
 * One directive, for a sender S and a receiver R:
 *
 *  1. Streams. S's sources ("out") are taken in ascending id order. Each is
 *     paired with the first of R's sinks ("in"), in ascending id order, not
 *     yet used in this directive, of the same media type, that shares a main
 *     codec with it. A source that finds no such sink sends nothing. The
 *     media type of an entry is that of its first registered codec; an entry
 *     with no registered codec has no known type and matches any entry that
 *     lists one of its codecs by name.
 *
 *  2. Main codec: the sink's preference decides. It is the first main (not
 *     auxiliary) codec in the sink's list that the source also lists. All
 *     implementations must support G.711 and Opus (draft §9.6), so an audio
 *     entry that does not list opus, PCMU or PCMA supports them implicitly,
 *     with default parameters, after its listed codecs: two audio entries
 *     always match. The sink has no preference among the codecs it supports
 *     only implicitly, so there the first one the source lists wins, and if
 *     the source lists none of them either, opus, then PCMU, then PCMA.
 *
 *  3. Parameters: for every parameter either side gives on the chosen codec,
 *     the directive's value is the minimum of the source's and the sink's
 *     effective values (given or default), as every value is a maximum that
 *     both sides can handle. Parameters flagged
 *     RIPT_CODEC_PARAM_FLAG_COMBINE_MAX (cbr) take the maximum instead:
 *     either side requiring constant bit rate makes the stream CBR. Only
 *     values that differ from the default are written.
 *
 *  4. Auxiliary codecs (telephone-event, CN) follow the main codec, in the
 *     sink's order, only when both the source and the sink list them
 *     explicitly; their parameters are combined the same way.
 *
 * Thread-safety: the functions only read their inputs; several may run at
 * once on the same advertisements.
 */
#ifndef RIPT_NEGOTIATE_H
#define RIPT_NEGOTIATE_H

#include "ript/advert.h"
#include "ript/mem.h"

/*
 * Computes the directive for media from |sender| to |receiver| (both
 * advertisements) into a new directive object allocated with |mem|, stored
 * in |*pdirective| on success (free with ript_advert_del). The directive
 * may be empty (no stream both sides can carry). Returns 0,
 * RIPT_ERR_INVALID_ARGUMENT (a NULL argument, or an input that is not an
 * advertisement), RIPT_ERR_LIMIT (a chosen codec would carry more than
 * RIPT_ADVERT_MAX_PARAMS parameters, which only happens when the two sides
 * give many different unregistered parameters with negative values) or
 * RIPT_ERR_NOMEM; nothing is stored on error.
 */
int ript_negotiate_directive(const ript_advert *sender,
                             const ript_advert *receiver,
                             ript_advert **pdirective, const ript_mem *mem);

/*
 * Computes both directives of a call: |*pclient_directive| (what the client
 * sends, client sources to server sinks) and |*pserver_directive| (what the
 * server sends), both allocated with |mem|. One of them may be empty (a
 * receive-only or send-only handler). Returns 0, RIPT_ERR_NO_COMMON_MEDIA
 * when both are empty (the advertisements share no media in either
 * direction), RIPT_ERR_INVALID_ARGUMENT, RIPT_ERR_LIMIT (both as above) or
 * RIPT_ERR_NOMEM; nothing is stored on error.
 */
int ript_negotiate_call(const ript_advert *client, const ript_advert *server,
                        ript_advert **pclient_directive,
                        ript_advert **pserver_directive, const ript_mem *mem);

#endif /* RIPT_NEGOTIATE_H */
