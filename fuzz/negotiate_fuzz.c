/*
 * Fuzzes negotiation. The input is split at its first '|' (a byte the
 * grammar never allows) into the client's and the server's advertisement;
 * without one, the input negotiates with itself. Every directive must name
 * real sources and sinks, never start with an auxiliary codec, and print as
 * text that parses as a directive and prints the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ript/negotiate.h"

/* Checks |dir| for media from |sender| to |receiver|. */
static void negotiate_fuzz_check(const ript_advert *dir,
                                 const ript_advert *sender,
                                 const ript_advert *receiver) {
  for (size_t i = 0; i < dir->nentries; ++i) {
    const ript_advert_entry *e = &dir->entries[i];
    if (e->ncodecs == 0 ||
        !ript_advert_find_entry(sender, e->id, RIPT_ADVERT_DIR_OUT) ||
        !ript_advert_find_entry(receiver, e->sink, RIPT_ADVERT_DIR_IN))
      abort();
    const ript_codec_info *first = e->codecs[0].info;
    if (first && (first->flags & RIPT_CODEC_FLAG_AUXILIARY))
      abort();
  }
  if (dir->nentries == 0)
    return;
  ript_buf once, twice;
  ript_buf_init(&once, NULL);
  ript_buf_init(&twice, NULL);
  ript_advert *again;
  if (ript_advert_print(dir, &once) != 0 ||
      ript_advert_parse(&again, (const char *)once.data, once.len,
                        RIPT_ADVERT_KIND_DIRECTIVE, NULL, NULL) != 0)
    abort();
  if (ript_advert_print(again, &twice) != 0 || twice.len != once.len ||
      memcmp(once.data, twice.data, once.len) != 0)
    abort();
  ript_advert_del(again);
  ript_buf_free(&once);
  ript_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *bar = size ? memchr(data, '|', size) : NULL;
  size_t client_len = bar ? (size_t)(bar - data) : size;
  const uint8_t *server = bar ? bar + 1 : data;
  size_t server_len = bar ? size - client_len - 1 : size;
  ript_advert *c = NULL, *s = NULL, *cd, *sd;
  if (ript_advert_parse(&c, (const char *)data, client_len,
                        RIPT_ADVERT_KIND_ADVERTISEMENT, NULL, NULL) == 0 &&
      ript_advert_parse(&s, (const char *)server, server_len,
                        RIPT_ADVERT_KIND_ADVERTISEMENT, NULL, NULL) == 0) {
    int rv = ript_negotiate_call(c, s, &cd, &sd, NULL);
    if (rv == 0) {
      negotiate_fuzz_check(cd, c, s);
      negotiate_fuzz_check(sd, s, c);
      ript_advert_del(cd);
      ript_advert_del(sd);
    } else if (rv != RIPT_ERR_NO_COMMON_MEDIA && rv != RIPT_ERR_LIMIT) {
      abort();
    }
  }
  ript_advert_del(c);
  ript_advert_del(s);
  return 0;
}
