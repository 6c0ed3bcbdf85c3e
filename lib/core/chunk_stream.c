/*
 * Sequence number and timestamp truncation: which length a sender uses
 * (ript_chunk_stream_tx) and how a receiver recovers the full value
 * (ript_chunk_stream_rx). The scheme is QUIC's packet number encoding
 * (RFC 9000, section 17.1 and appendix A) generalised from 1..4 to 1..8
 * bytes and to the whole 64-bit space.
 */
#include <string.h>

#include "ript/chunk.h"

void ript_chunk_stream_tx_init(ript_chunk_stream_tx *tx) {
  memset(tx, 0, sizeof(*tx));
}

void ript_chunk_stream_tx_on_ack(ript_chunk_stream_tx *tx,
                                 const ript_chunk_ack *ack) {
  if (!tx->acked || ack->sequence > tx->largest_acked_sequence)
    tx->largest_acked_sequence = ack->sequence;
  if (!tx->acked || ack->timestamp > tx->largest_acked_timestamp)
    tx->largest_acked_timestamp = ack->timestamp;
  tx->acked = true;
}

/*
 * The fewest bytes L (1..7) such that a receiver whose largest value is at
 * least |largest_acked| can tell |value| apart: the distance must stay below
 * half the 2^(8L) window. A value below the largest acked one (a
 * retransmission) would not be covered by that guarantee, so it goes full.
 */
static uint8_t stream_truncated_len(uint64_t value, uint64_t largest_acked) {
  if (value < largest_acked)
    return 8;
  uint64_t distance = value - largest_acked;
  for (uint8_t len = 1; len < 8; ++len)
    if (distance < UINT64_C(1) << (8 * len - 1))
      return len;
  return 8;
}

/*
 * Chunks of one stream travel on parallel requests or datagrams and arrive
 * reordered, and after a migration the unacknowledged ones are replayed
 * behind newer ones (up to 5 s of them). 1 byte tolerates only 127 chunks
 * or 128 ms of that; 2 bytes tolerate 32767 chunks or 32 s. So neither
 * value is ever sent shorter than 2 bytes.
 */
enum { STREAM_MIN_LEN = 2 };

void ript_chunk_stream_tx_prepare(const ript_chunk_stream_tx *tx,
                                  ript_chunk *chunk) {
  if (!tx->acked || chunk->reference || chunk->kind != RIPT_CHUNK_KIND_MEDIA) {
    chunk->sequence_len = 8;
    chunk->timestamp_len = 8;
    return;
  }
  chunk->sequence_len =
      stream_truncated_len(chunk->sequence, tx->largest_acked_sequence);
  chunk->timestamp_len =
      stream_truncated_len(chunk->timestamp, tx->largest_acked_timestamp);
  if (chunk->sequence_len < STREAM_MIN_LEN)
    chunk->sequence_len = STREAM_MIN_LEN;
  if (chunk->timestamp_len < STREAM_MIN_LEN)
    chunk->timestamp_len = STREAM_MIN_LEN;
}

void ript_chunk_stream_rx_init(ript_chunk_stream_rx *rx) {
  memset(rx, 0, sizeof(*rx));
}

/*
 * RFC 9000 appendix A.3 for |len| bytes: of the values whose low 8*len bits
 * are |truncated|, the one closest to |expected|. The candidate in
 * |expected|'s window is moved one window up or down when that is closer,
 * unless the move would leave the 64-bit space.
 */
static uint64_t stream_expand(uint64_t expected, uint64_t truncated,
                              uint8_t len) {
  uint64_t win = UINT64_C(1) << (8 * len);
  uint64_t hwin = win / 2;
  uint64_t mask = win - 1;
  uint64_t candidate = (expected & ~mask) | truncated;
  if (expected >= hwin && candidate <= expected - hwin &&
      candidate <= UINT64_MAX - win)
    return candidate + win;
  if (expected <= UINT64_MAX - hwin && candidate > expected + hwin &&
      candidate >= win)
    return candidate - win;
  return candidate;
}

int ript_chunk_stream_rx_expand(const ript_chunk_stream_rx *rx,
                                ript_chunk *chunk) {
  if (!(chunk->flags & RIPT_CHUNK_FLAG_PARSED))
    return RIPT_ERR_INVALID_ARGUMENT;
  if (chunk->flags & RIPT_CHUNK_FLAG_EXPANDED)
    return 0;
  bool truncated = chunk->sequence_len < 8 || chunk->timestamp_len < 8;
  if (truncated && !rx->valid)
    return RIPT_ERR_RANGE;
  if (chunk->sequence_len < 8) {
    /* The next sequence number is the likeliest; saturate at the top. */
    uint64_t expected = rx->largest_sequence == UINT64_MAX
                            ? UINT64_MAX
                            : rx->largest_sequence + 1;
    chunk->sequence =
        stream_expand(expected, chunk->sequence, chunk->sequence_len);
  }
  if (chunk->timestamp_len < 8)
    chunk->timestamp = stream_expand(rx->largest_timestamp, chunk->timestamp,
                                     chunk->timestamp_len);
  chunk->flags |= RIPT_CHUNK_FLAG_EXPANDED;
  return 0;
}

int ript_chunk_stream_rx_update(ript_chunk_stream_rx *rx,
                                const ript_chunk *chunk) {
  if (!(chunk->flags & RIPT_CHUNK_FLAG_OPENED) ||
      chunk->kind != RIPT_CHUNK_KIND_MEDIA)
    return RIPT_ERR_INVALID_ARGUMENT;
  if (!rx->valid || chunk->sequence > rx->largest_sequence)
    rx->largest_sequence = chunk->sequence;
  if (!rx->valid || chunk->timestamp > rx->largest_timestamp)
    rx->largest_timestamp = chunk->timestamp;
  rx->valid = true;
  return 0;
}
