/*
 * ript/ript.h - everything libript offers, in one include.
 *
 * The protocol core (sans-I/O; see docs/ARCHITECTURE.md):
 *   error.h      error codes, parse-error positions
 *   mem.h        custom allocators       buf.h   growable byte buffers
 *   codec.h      codec registry, payload types, advertisement parameters
 *   advert.h     advertisements and directives (parse, print, build)
 *   negotiate.h  directives from two advertisements
 *   chunk.h      media and control chunks, AEAD, sequence truncation
 *   media.h      a call's media session: send, ack, receive, replay, stats
 *   event.h      signaling events, byway writer and incremental parser
 *   call.h       the server's call state machine
 *   doc.h        the JSON resource documents
 *   dest.h       destination normalization and pattern lists
 *   uri.h        RIPT URIs, well-known URIs, call UUIDs
 *   stir.h       PASSporT, RFC 8226 certificates, TNAuthList, trust
 * Separate libraries with their own headers: the transport binding (libuv,
 * HTTP/3 and HTTP/2), ript/http.h; the audio toolkit (codecs, WAV, DTMF,
 * comfort noise), ript/audio.h.
 */
#ifndef RIPT_RIPT_H
#define RIPT_RIPT_H

#include "ript/error.h"
#include "ript/mem.h"
#include "ript/buf.h"
#include "ript/codec.h"
#include "ript/advert.h"
#include "ript/negotiate.h"
#include "ript/chunk.h"
#include "ript/media.h"
#include "ript/event.h"
#include "ript/call.h"
#include "ript/doc.h"
#include "ript/dest.h"
#include "ript/uri.h"
#include "ript/stir.h"

#endif /* RIPT_RIPT_H */
