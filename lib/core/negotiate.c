#include <string.h>

#include "ript/negotiate.h"

/* Mandatory to implement (draft §9.6), in the order chosen when neither
 * side lists one of them. */
static const char *const negotiate_mti[] = {"opus", "PCMU", "PCMA"};

#define NEGOTIATE_MTI_COUNT (sizeof(negotiate_mti) / sizeof(negotiate_mti[0]))

/* The entries of |adv| with direction |dir|, indexed by id. */
static void negotiate_index(const ript_advert *adv, ript_advert_dir dir,
                            const ript_advert_entry *by_id[256]) {
  memset(by_id, 0, 256 * sizeof(by_id[0]));
  for (size_t i = 0; i < adv->nentries; ++i)
    if (adv->entries[i].dir == dir)
      by_id[adv->entries[i].id] = &adv->entries[i];
}

static int negotiate_is_mti(const char *name) {
  const ript_codec_info *info = ript_codec_find(name, strlen(name));
  for (size_t i = 0; info && i < NEGOTIATE_MTI_COUNT; ++i)
    if (strcmp(info->name, negotiate_mti[i]) == 0)
      return 1;
  return 0;
}

static int negotiate_is_main(const ript_advert_codec *c) {
  return !c->info || !(c->info->flags & RIPT_CODEC_FLAG_AUXILIARY);
}

/* Whether |e| supports main codec |name|: listed (|*codec| is then the
 * listed codec) or implicitly as an MTI codec of an audio entry (|*codec|
 * NULL: default parameters). */
static int negotiate_supports(const ript_advert_entry *e, const char *name,
                              const ript_advert_codec **codec) {
  *codec = ript_advert_find_codec(e, name);
  if (*codec)
    return negotiate_is_main(*codec);
  return ript_advert_entry_media(e) == RIPT_CODEC_MEDIA_AUDIO &&
         negotiate_is_mti(name);
}

/* A main codec both support, in the sink's preference order. */
typedef struct negotiate_choice {
  const char *name;
  const ript_advert_codec *source; /* NULL: implicit, default parameters */
  const ript_advert_codec *sink;
} negotiate_choice;

static int negotiate_choose(const ript_advert_entry *source,
                            const ript_advert_entry *sink,
                            negotiate_choice *choice) {
  ript_codec_media ms = ript_advert_entry_media(source);
  ript_codec_media mk = ript_advert_entry_media(sink);
  if (ms != RIPT_CODEC_MEDIA_UNKNOWN && mk != RIPT_CODEC_MEDIA_UNKNOWN &&
      ms != mk)
    return 0;
  for (size_t i = 0; i < sink->ncodecs; ++i) {
    const ript_advert_codec *c = &sink->codecs[i];
    if (negotiate_is_main(c) &&
        negotiate_supports(source, c->name, &choice->source)) {
      choice->name = c->name;
      choice->sink = c;
      return 1;
    }
  }
  if (mk != RIPT_CODEC_MEDIA_AUDIO)
    return 0;
  /* Left: the MTI codecs the sink supports only implicitly (one it lists
   * would have matched above), among which it has no preference. One the
   * source lists wins, in the source's order, so a G.711-only gateway is
   * not made to encode opus for no reason. */
  choice->sink = NULL;
  for (size_t i = 0; i < source->ncodecs; ++i) {
    const ript_advert_codec *c = &source->codecs[i];
    if (negotiate_is_mti(c->name)) {
      choice->name = c->name;
      choice->source = c;
      return 1;
    }
  }
  for (size_t i = 0; i < NEGOTIATE_MTI_COUNT; ++i) {
    if (negotiate_supports(source, negotiate_mti[i], &choice->source)) {
      choice->name = negotiate_mti[i];
      return 1;
    }
  }
  return 0;
}

/* Sets one parameter of the directive's codec from both sides' values. */
static int negotiate_param(ript_advert *dir, size_t entry, size_t codec,
                           const char *name, const ript_advert_codec *source,
                           const ript_advert_codec *sink) {
  const ript_codec_param_info *info = ript_codec_param_find(name, strlen(name));
  int64_t def = info ? info->def : 0;
  int64_t a = ript_advert_param_value(source, name);
  int64_t b = ript_advert_param_value(sink, name);
  int64_t v;
  if (info && (info->flags & RIPT_CODEC_PARAM_FLAG_COMBINE_MAX))
    v = a > b ? a : b;
  else
    v = a < b ? a : b;
  return v == def ? 0 : ript_advert_set_param(dir, entry, codec, name, v);
}

/* Adds codec |name| to the directive's entry with the combined parameters
 * of every parameter either side gives. */
static int negotiate_codec(ript_advert *dir, size_t entry, const char *name,
                           const ript_advert_codec *source,
                           const ript_advert_codec *sink) {
  int codec = ript_advert_add_codec(dir, entry, name);
  if (codec < 0)
    return codec;
  const ript_advert_codec *sides[2] = {source, sink};
  for (size_t s = 0; s < 2; ++s) {
    for (size_t i = 0; sides[s] && i < sides[s]->nparams; ++i) {
      int rv = negotiate_param(dir, entry, (size_t)codec,
                               sides[s]->params[i].name, source, sink);
      if (rv != 0)
        return rv;
    }
  }
  return 0;
}

/* Emits the stream |source| -> |sink|: main codec, then the auxiliary
 * codecs both list, in the sink's order. */
static int negotiate_stream(ript_advert *dir, const ript_advert_entry *source,
                            const ript_advert_entry *sink,
                            const negotiate_choice *choice) {
  int entry = ript_advert_add_stream(dir, source->id, sink->id);
  if (entry < 0)
    return entry;
  int rv = negotiate_codec(dir, (size_t)entry, choice->name, choice->source,
                           choice->sink);
  for (size_t i = 0; rv == 0 && i < sink->ncodecs; ++i) {
    const ript_advert_codec *aux = &sink->codecs[i];
    const ript_advert_codec *peer = ript_advert_find_codec(source, aux->name);
    if (!negotiate_is_main(aux) && peer)
      rv = negotiate_codec(dir, (size_t)entry, aux->name, peer, aux);
  }
  return rv;
}

static int negotiate_fill(ript_advert *dir, const ript_advert *sender,
                          const ript_advert *receiver) {
  const ript_advert_entry *sources[256], *sinks[256];
  negotiate_index(sender, RIPT_ADVERT_DIR_OUT, sources);
  negotiate_index(receiver, RIPT_ADVERT_DIR_IN, sinks);
  for (size_t s = 1; s < 256; ++s) {
    for (size_t k = 1; sources[s] && k < 256; ++k) {
      negotiate_choice choice;
      if (!sinks[k] || !negotiate_choose(sources[s], sinks[k], &choice))
        continue;
      int rv = negotiate_stream(dir, sources[s], sinks[k], &choice);
      if (rv != 0)
        return rv;
      sinks[k] = NULL; /* used in this directive */
      break;
    }
  }
  return 0;
}

int ript_negotiate_directive(const ript_advert *sender,
                             const ript_advert *receiver,
                             ript_advert **pdirective, const ript_mem *mem) {
  if (!sender || !receiver || !pdirective ||
      sender->kind != RIPT_ADVERT_KIND_ADVERTISEMENT ||
      receiver->kind != RIPT_ADVERT_KIND_ADVERTISEMENT)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_advert *dir;
  int rv = ript_advert_new(&dir, RIPT_ADVERT_KIND_DIRECTIVE, mem);
  if (rv != 0)
    return rv;
  rv = negotiate_fill(dir, sender, receiver);
  if (rv != 0) {
    ript_advert_del(dir);
    return rv;
  }
  *pdirective = dir;
  return 0;
}

int ript_negotiate_call(const ript_advert *client, const ript_advert *server,
                        ript_advert **pclient_directive,
                        ript_advert **pserver_directive, const ript_mem *mem) {
  if (!pclient_directive || !pserver_directive)
    return RIPT_ERR_INVALID_ARGUMENT;
  ript_advert *cd, *sd;
  int rv = ript_negotiate_directive(client, server, &cd, mem);
  if (rv != 0)
    return rv;
  rv = ript_negotiate_directive(server, client, &sd, mem);
  if (rv != 0) {
    ript_advert_del(cd);
    return rv;
  }
  if (cd->nentries == 0 && sd->nentries == 0) {
    ript_advert_del(cd);
    ript_advert_del(sd);
    return RIPT_ERR_NO_COMMON_MEDIA;
  }
  *pclient_directive = cd;
  *pserver_directive = sd;
  return 0;
}
