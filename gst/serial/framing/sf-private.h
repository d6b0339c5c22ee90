/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe internals shared between the codec's source files. */

#ifndef SF_PRIVATE_H
#define SF_PRIVATE_H

#include "serialframe.h"

#include <string.h>

/* Field offsets of the native header (docs/protocol.md). */
#define SF_OFF_VERSION 0
#define SF_OFF_TYPE 1
#define SF_OFF_FLAGS 2
#define SF_OFF_SEQ 4
#define SF_OFF_PTS 8
#define SF_OFF_DTS 16
#define SF_OFF_DURATION 24
#define SF_OFF_SENDER_TIME 32
#define SF_OFF_PAYLOAD_LEN 40

static inline void
sf_put_le16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
}

static inline void
sf_put_le32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) v;
  p[1] = (uint8_t) (v >> 8);
  p[2] = (uint8_t) (v >> 16);
  p[3] = (uint8_t) (v >> 24);
}

static inline void
sf_put_le64 (uint8_t *p, uint64_t v)
{
  sf_put_le32 (p, (uint32_t) v);
  sf_put_le32 (p + 4, (uint32_t) (v >> 32));
}

static inline uint16_t
sf_get_le16 (const uint8_t *p)
{
  return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t
sf_get_le32 (const uint8_t *p)
{
  return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) |
      ((uint32_t) p[3] << 24);
}

static inline uint64_t
sf_get_le64 (const uint8_t *p)
{
  return (uint64_t) sf_get_le32 (p) | ((uint64_t) sf_get_le32 (p + 4) << 32);
}

static inline int
sf_xonxoff_special (uint8_t b)
{
  return b == SF_XON || b == SF_XOFF || b == SF_XESC;
}

/* Streaming COBS encoder core, writing into one contiguous buffer.  The
 * code byte of the open block is written when the block closes, so no
 * block has to be buffered. */
typedef struct {
  uint8_t *dst;
  size_t dst_size;
  size_t pos;
  size_t code_pos;
  uint8_t code;
  uint8_t after_full;
} sf_cobs_enc;

void sf_cobs_enc_init (sf_cobs_enc *c, uint8_t *dst, size_t dst_size,
    size_t start);
sf_result sf_cobs_enc_update (sf_cobs_enc *c, const uint8_t *src, size_t len);
sf_result sf_cobs_enc_finish (sf_cobs_enc *c);

/* Appends SLIP-escaped bytes at *pos. */
sf_result sf_slip_escape (const uint8_t *src, size_t len, uint8_t *dst,
    size_t dst_size, size_t *pos);

/* Applies xon-xoff escaping in place to dst[start, *end), growing it. */
sf_result sf_xonxoff_escape_in_place (uint8_t *dst, size_t dst_size,
    size_t start, size_t *end);

#endif /* SF_PRIVATE_H */
