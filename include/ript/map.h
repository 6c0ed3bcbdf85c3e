/*
 * ript/map.h - the hash map of the whole tree: intrusive nodes, keys of
 * bytes, and a keyed hash (SipHash-2-4) so that keys a peer or a customer
 * chooses (connection IDs, handler ids, call UUIDs, addresses) cannot be
 * aimed at one bucket.
 *
 * Intrusive: the caller embeds a ript_map_node in its own object, and the
 * key it inserts under is borrowed (it points into that object and must stay
 * unchanged while the node is in a map). The map allocates only its bucket
 * array, which doubles when the map holds as many nodes as buckets.
 *
 * Seeded: the 16-byte seed is the caller's (the core reads no randomness);
 * a program draws it at random once (riptd: GnuTLS's RNG) and may share one
 * seed between its maps.
 *
 * Thread-safety: a map must not be used by two threads at once.
 */
#ifndef RIPT_MAP_H
#define RIPT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "ript/mem.h"

/* SipHash-2-4 (Aumasson and Bernstein) of the |len| bytes at |data| under
 * the 16-byte |key|. */
uint64_t ript_siphash(const uint8_t key[16], const void *data, size_t len);

typedef struct ript_map_node {
  struct ript_map_node *next; /* private: the bucket's chain */
  uint64_t hash;              /* private */
  const void *key;            /* borrowed, set by ript_map_insert */
  size_t keylen;
} ript_map_node;

typedef struct ript_map {
  ript_map_node **buckets; /* private */
  size_t nbuckets;         /* a power of two, or 0 */
  size_t count;            /* nodes in the map */
  uint8_t seed[16];
  const ript_mem *mem;
} ript_map;

/* An empty map that hashes with |seed| (copied) and allocates with |mem|
 * (NULL: the default allocator). Allocates nothing yet. */
void ript_map_init(ript_map *map, const uint8_t seed[16], const ript_mem *mem);

/* Frees the bucket array; the nodes are their owners'. The map is empty
 * again (and usable). */
void ript_map_free(ript_map *map);

/*
 * Inserts |node| under the |keylen| bytes at |key| (borrowed). A key may
 * be inserted only once: the caller looks it up first. Returns 0, or
 * RIPT_ERR_NOMEM (growing failed; the node is not inserted) or
 * RIPT_ERR_INVALID_ARGUMENT.
 */
int ript_map_insert(ript_map *map, ript_map_node *node, const void *key,
                    size_t keylen);

/* The node under the key, or NULL. */
ript_map_node *ript_map_find(const ript_map *map, const void *key,
                             size_t keylen);

/* Takes |node| (which is in |map|) out. */
void ript_map_remove(ript_map *map, ript_map_node *node);

/* Iteration in no particular order: ript_map_first, then ript_map_next on
 * the node last returned, until NULL. To remove nodes while iterating, take
 * the next one before removing the current one; nothing else may change
 * meanwhile (no insertion, no other removal). */
ript_map_node *ript_map_first(const ript_map *map);
ript_map_node *ript_map_next(const ript_map *map, const ript_map_node *node);

/* The object a node is embedded in. */
#define RIPT_MAP_ENTRY(node, type, member)                                     \
  ((type *)(void *)((char *)(node) - offsetof(type, member)))

#endif /* RIPT_MAP_H */
