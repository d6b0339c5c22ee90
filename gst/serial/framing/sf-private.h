/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe internals shared between the codec's source files. */

#ifndef SF_PRIVATE_H
#define SF_PRIVATE_H

#include "serialframe.h"

#include <string.h>

/* Version 1 type numbers (docs/protocol.md, section 12). */
#define SF_V1_TYPE_DATA 0x01
#define SF_V1_TYPE_CAPS 0x02
#define SF_V1_TYPE_EOS 0x03
#define SF_V1_TYPE_DATA_FRAGMENT 0x04
/* A host type no packet has: a version 1 type that is reserved. */
#define SF_TYPE_INVALID 0xFF

/* Packets that carry a frame's fields (flags, times): a whole frame, or a
 * piece of one, data or parity. */
static inline int
sf_type_is_frame (uint8_t type)
{
  return type == SF_TYPE_DATA || type == SF_TYPE_FRAGMENT ||
      type == SF_TYPE_PARITY;
}

/* The fewest payload bytes a version 2 packet of hdr's type may carry: a
 * fragment at least one byte of its frame, a parity piece at least the
 * frame's last piece. */
static inline uint32_t
sf_least_payload (const sf_header *hdr)
{
  if (hdr->type == SF_TYPE_FRAGMENT)
    return 1;
  return hdr->type == SF_TYPE_PARITY ? hdr->last_size : 0;
}

/* A piece of a frame other than its DATA packet: the frame's number is
 * not new. */
static inline int
sf_type_is_piece (uint8_t type)
{
  return type == SF_TYPE_FRAGMENT || type == SF_TYPE_PARITY;
}

/* Control packets (section 8.2): no frame fields, a payload of varints. */
static inline int
sf_type_is_control (uint8_t type)
{
  return type == SF_TYPE_SKIP ||
      (type >= SF_TYPE_REPORT && type <= SF_TYPE_CAPS_REQUEST);
}

/* The payload rules of section 8.2 on a control packet of type (other
 * types pass), fed in pieces: SF_ERR_LENGTH for a payload on a type that
 * has none or a NACK over SF_CONTROL_PAYLOAD_MAX bytes, SF_ERR_MALFORMED
 * for a varint that breaks them, and at the end for a payload cut short. */
void sf_control_check_init (sf_control_check *ck, uint8_t type);
sf_result sf_control_check_feed (sf_control_check *ck, const uint8_t *p,
    size_t len);
sf_result sf_control_check_end (const sf_control_check *ck);
/* The same on a whole payload, for receivers. */
sf_result sf_control_check_payload (uint8_t type, const uint8_t *p, size_t len);
/* The same for encoders, whose caller gave the payload: SF_ERR_ARG for
 * what a receiver finds malformed. */
sf_result sf_control_check_write (sf_control_check *ck, const uint8_t *p,
    size_t len);
sf_result sf_control_check_write_end (const sf_control_check *ck);

/* Version 2 header bits (docs/protocol.md, section 5). */
#define SF_V2_HEADER_MIN 4 /* lead, fields, seq */
#define SF_SEQ_MASK 0xFFFFu
/* fields byte of DATA and FRAGMENT */
#define SF_V2_FLAGS 0x01
#define SF_V2_PTS_MASK 0x06
#define SF_V2_PTS_ABSOLUTE 0x02
#define SF_V2_PTS_PREDICTED 0x04
#define SF_V2_PTS_DELTA 0x06
#define SF_V2_DTS_MASK 0x18
#define SF_V2_DTS_SAME 0x08
#define SF_V2_DTS_BEFORE 0x10
#define SF_V2_DTS_ABSOLUTE 0x18
#define SF_V2_DUR_MASK 0x60
#define SF_V2_DUR_VALUE 0x20
#define SF_V2_DUR_SAME 0x40
#define SF_V2_DUR_RESERVED 0x60
/* fields byte of CAPS and EOS */
#define SF_V2_CAPS_COMPACT 0x01
#define SF_V2_CAPS_RESERVED 0x7E
#define SF_V2_EOS_RESERVED 0x7F
/* fields byte of control packets: only MORE is defined (section 8.2) */
#define SF_V2_CONTROL_RESERVED 0x7F
/* fields byte of every type: a second byte follows */
#define SF_V2_MORE 0x80
/* the second byte */
#define SF_V2_MORE_STREAM 0x01
#define SF_V2_MORE_SENDER_TIME 0x02
#define SF_V2_MORE_EXTENSIONS 0x04
#define SF_V2_MORE_RESERVED 0xF8
/* extension tag: a receiver must understand it or drop the packet */
#define SF_V2_EXT_CRITICAL 0x80

/* Field offsets of the version 1 header (docs/protocol.md, section 12). */
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

/* Unsigned LEB128: 7 bits a byte, least significant first, the high bit
 * set on every byte but the last.  At most 10 bytes for 64 bits. */
#define SF_VARINT_MAX 10

static inline size_t
sf_varint_size (uint64_t v)
{
  size_t n = 1;

  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* Writes v at p, which has room for SF_VARINT_MAX bytes. */
static inline size_t
sf_varint_put (uint8_t *p, uint64_t v)
{
  size_t n = 0;

  while (v >= 0x80) {
    p[n++] = (uint8_t) (v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t) v;
  return n;
}

/* Reads a varint from the len bytes at p: its size, or 0 when it is cut
 * short or does not fit 64 bits. */
static inline size_t
sf_varint_get (const uint8_t *p, size_t len, uint64_t *v)
{
  uint64_t value = 0;
  size_t i;

  for (i = 0; i < len && i < SF_VARINT_MAX; i++) {
    /* The tenth byte holds bit 63 only. */
    if (i == SF_VARINT_MAX - 1 && p[i] > 1)
      return 0;
    value |= (uint64_t) (p[i] & 0x7F) << (7 * i);
    if (!(p[i] & 0x80)) {
      *v = value;
      return i + 1;
    }
  }
  return 0;
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

/* Checks what a native header announces before its payload (the rules
 * every encoder shares) and writes it into out, SF_HEADER_MAX bytes. */
sf_result sf_pack_native_header (const sf_header *hdr, const sf_frame_ref *ref,
    uint8_t *out, size_t *len);

/* Appends SLIP-escaped bytes at *pos. */
sf_result sf_slip_escape (const uint8_t *src, size_t len, uint8_t *dst,
    size_t dst_size, size_t *pos);

/* Applies xon-xoff escaping in place to dst[start, *end), growing it. */
sf_result sf_xonxoff_escape_in_place (uint8_t *dst, size_t dst_size,
    size_t start, size_t *end);

#endif /* SF_PRIVATE_H */
