/* The hash map of the whole tree (ript/map.h): SipHash-2-4 over a caller's
 * seed, chains of intrusive nodes, a bucket array that doubles. */
#include <string.h>

#include "ript/error.h"
#include "ript/map.h"
#include "ript_mem.h"

/* ---- SipHash-2-4 (Aumasson, Bernstein: "SipHash: a fast short-input
 * PRF", 2012) ---- */

static uint64_t map_rotl(uint64_t x, unsigned b) {
  return (x << b) | (x >> (64 - b));
}

static uint64_t map_le64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

static void map_sipround(uint64_t v[4]) {
  v[0] += v[1];
  v[1] = map_rotl(v[1], 13) ^ v[0];
  v[0] = map_rotl(v[0], 32);
  v[2] += v[3];
  v[3] = map_rotl(v[3], 16) ^ v[2];
  v[0] += v[3];
  v[3] = map_rotl(v[3], 21) ^ v[0];
  v[2] += v[1];
  v[1] = map_rotl(v[1], 17) ^ v[2];
  v[2] = map_rotl(v[2], 32);
}

static void map_absorb(uint64_t v[4], uint64_t m) {
  v[3] ^= m;
  map_sipround(v);
  map_sipround(v);
  v[0] ^= m;
}

uint64_t ript_siphash(const uint8_t key[16], const void *data, size_t len) {
  const uint8_t *p = data;
  uint64_t k0 = map_le64(key), k1 = map_le64(key + 8);
  uint64_t v[4] = {k0 ^ UINT64_C(0x736f6d6570736575),
                   k1 ^ UINT64_C(0x646f72616e646f6d),
                   k0 ^ UINT64_C(0x6c7967656e657261),
                   k1 ^ UINT64_C(0x7465646279746573)};
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8)
    map_absorb(v, map_le64(p + i));
  uint64_t last = (uint64_t)len << 56;
  for (size_t i = 0; i < len % 8; ++i)
    last |= (uint64_t)p[whole + i] << (8 * i);
  map_absorb(v, last);
  v[2] ^= 0xff;
  for (int i = 0; i < 4; ++i)
    map_sipround(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- the map ---- */

void ript_map_init(ript_map *map, const uint8_t seed[16], const ript_mem *mem) {
  memset(map, 0, sizeof(*map));
  memcpy(map->seed, seed, sizeof(map->seed));
  map->mem = mem;
}

void ript_map_free(ript_map *map) {
  ript_mem_free(map->mem, map->buckets);
  map->buckets = NULL;
  map->nbuckets = map->count = 0;
}

static size_t map_index(const ript_map *map, uint64_t hash) {
  return (size_t)hash & (map->nbuckets - 1);
}

static int map_grow(ript_map *map) {
  size_t n = map->nbuckets ? map->nbuckets * 2 : 16;
  ript_map_node **b = ript_mem_calloc(map->mem, n, sizeof(*b));
  if (!b)
    return RIPT_ERR_NOMEM;
  for (size_t i = 0; i < map->nbuckets; ++i) {
    for (ript_map_node *e = map->buckets[i], *next; e; e = next) {
      next = e->next;
      size_t at = (size_t)e->hash & (n - 1);
      e->next = b[at];
      b[at] = e;
    }
  }
  ript_mem_free(map->mem, map->buckets);
  map->buckets = b;
  map->nbuckets = n;
  return 0;
}

int ript_map_insert(ript_map *map, ript_map_node *node, const void *key,
                    size_t keylen) {
  if (!map || !node || (!key && keylen))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (map->count >= map->nbuckets && map_grow(map) != 0)
    return RIPT_ERR_NOMEM;
  node->key = key;
  node->keylen = keylen;
  node->hash = ript_siphash(map->seed, key, keylen);
  ript_map_node **bucket = &map->buckets[map_index(map, node->hash)];
  node->next = *bucket;
  *bucket = node;
  ++map->count;
  return 0;
}

ript_map_node *ript_map_find(const ript_map *map, const void *key,
                             size_t keylen) {
  if (!map->nbuckets)
    return NULL;
  uint64_t hash = ript_siphash(map->seed, key, keylen);
  for (ript_map_node *e = map->buckets[map_index(map, hash)]; e; e = e->next)
    if (e->hash == hash && e->keylen == keylen &&
        (keylen == 0 || memcmp(e->key, key, keylen) == 0))
      return e;
  return NULL;
}

void ript_map_remove(ript_map *map, ript_map_node *node) {
  if (!map->nbuckets)
    return;
  ript_map_node **slot = &map->buckets[map_index(map, node->hash)];
  while (*slot && *slot != node)
    slot = &(*slot)->next;
  if (!*slot)
    return;
  *slot = node->next;
  node->next = NULL;
  --map->count;
}

/* The first node of a bucket at or after |from|, or NULL. */
static ript_map_node *map_scan(const ript_map *map, size_t from) {
  for (size_t i = from; i < map->nbuckets; ++i)
    if (map->buckets[i])
      return map->buckets[i];
  return NULL;
}

ript_map_node *ript_map_first(const ript_map *map) {
  return map_scan(map, 0);
}

ript_map_node *ript_map_next(const ript_map *map, const ript_map_node *node) {
  return node->next ? node->next
                    : map_scan(map, map_index(map, node->hash) + 1);
}
