/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: the payloads of control packets (docs/protocol.md, section
 * 8.2), checked byte by byte so that the streaming encoders need not hold
 * them, and the REPORT and NACK payloads written and read. */

#include "sf-private.h"

/* REPORT: last_seq, delay, packets, damaged, wire_bytes, lost, repaired. */
#define REPORT_FIELDS 7

/* The writers build a payload in SF_CONTROL_PAYLOAD_MAX bytes: a NACK's
 * frag_count takes 3 bytes at most and each pair 6, a REPORT's varints
 * 10 each. */
typedef char sf_nack_fits[(3 + 6 * SF_NACK_RANGES_MAX <= SF_CONTROL_PAYLOAD_MAX)
        ? 1
        : -1];
typedef char sf_report_fits
    [(REPORT_FIELDS * SF_VARINT_MAX <= SF_CONTROL_PAYLOAD_MAX) ? 1 : -1];

/* SKIP, KEY_REQUEST and CAPS_REQUEST say everything with their type and
 * seq. */
static int
has_payload (uint8_t type)
{
  return type == SF_TYPE_REPORT || type == SF_TYPE_NACK;
}

void
sf_control_check_init (sf_control_check *ck, uint8_t type)
{
  memset (ck, 0, sizeof (*ck));
  ck->type = type;
}

/* NACK: frag_count, then (first, count) pairs that ascend without
 * overlapping and stay within frag_count; none when frag_count is 0. */
static int
check_nack_varint (sf_control_check *ck, unsigned i, uint32_t v)
{
  if (i == 0) {
    if (v > UINT16_MAX)
      return SF_ERR_MALFORMED;
    ck->frag_count = (uint16_t) v;
  } else if (i % 2) {
    if (v < ck->end || v >= ck->frag_count)
      return SF_ERR_MALFORMED;
    ck->first = (uint16_t) v;
  } else {
    if (v == 0 || v > (uint32_t) (ck->frag_count - ck->first))
      return SF_ERR_MALFORMED;
    ck->end = (uint16_t) (ck->first + v);
  }
  return 1;
}

/* The rules of the varint just read, the i-th of the payload. */
static int
check_varint (sf_control_check *ck, uint32_t v)
{
  unsigned i = ck->count;

  /* It stops at 255: a NACK has fewer varints, the rest of a REPORT no
   * rules. */
  if (ck->count < UINT8_MAX)
    ck->count++;
  if (ck->type == SF_TYPE_NACK)
    return check_nack_varint (ck, i, v);
  return i == 0 && v > SF_SEQ_MASK ? SF_ERR_MALFORMED : 1;
}

/* Takes one payload byte: 1 when it ends a varint that passes the rules,
 * 0 when the varint goes on, or an error. */
static int
take_byte (sf_control_check *ck, uint8_t b)
{
  uint32_t v;

  if (!has_payload (ck->type))
    return SF_ERR_LENGTH;
  if (ck->type == SF_TYPE_NACK) {
    if (ck->size == SF_CONTROL_PAYLOAD_MAX)
      return SF_ERR_LENGTH;
    ck->size++;
  }
  /* The tenth byte holds bit 63 only (section 2). */
  if (ck->bytes == SF_VARINT_MAX - 1 && b > 1)
    return SF_ERR_MALFORMED;
  /* No rule looks past 16 bits: what the first 28 do not hold saturates. */
  if (ck->bytes < 4)
    ck->value |= (uint32_t) (b & 0x7F) << (7 * ck->bytes);
  else if (b & 0x7F)
    ck->value = UINT32_MAX;
  ck->bytes++;
  if (b & 0x80)
    return 0;
  v = ck->value;
  ck->value = 0;
  ck->bytes = 0;
  return check_varint (ck, v);
}

sf_result
sf_control_check_feed (sf_control_check *ck, const uint8_t *p, size_t len)
{
  size_t i;
  int r;

  if (!sf_type_is_control (ck->type))
    return SF_OK;
  for (i = 0; i < len; i++) {
    r = take_byte (ck, p[i]);
    if (r < 0)
      return (sf_result) r;
  }
  return SF_OK;
}

sf_result
sf_control_check_end (const sf_control_check *ck)
{
  if (ck->bytes)
    return SF_ERR_MALFORMED; /* a varint cut short */
  switch (ck->type) {
    case SF_TYPE_REPORT:
      return ck->count >= REPORT_FIELDS ? SF_OK : SF_ERR_MALFORMED;
    case SF_TYPE_NACK:
      /* frag_count and whole pairs, at least one unless frag_count is 0
       * (a pair after a frag_count of 0 failed as it came). */
      return ck->count % 2 && (ck->frag_count == 0 || ck->count > 1)
          ? SF_OK
          : SF_ERR_MALFORMED;
    default:
      return SF_OK;
  }
}

sf_result
sf_control_check_payload (uint8_t type, const uint8_t *p, size_t len)
{
  sf_control_check ck;
  sf_result r;

  sf_control_check_init (&ck, type);
  r = sf_control_check_feed (&ck, p, len);
  return r == SF_OK ? sf_control_check_end (&ck) : r;
}

/* The caller gave the payload: what does not parse is a bad argument. */
static sf_result
as_argument (sf_result r)
{
  return r == SF_ERR_MALFORMED ? SF_ERR_ARG : r;
}

sf_result
sf_control_check_write (sf_control_check *ck, const uint8_t *p, size_t len)
{
  return as_argument (sf_control_check_feed (ck, p, len));
}

sf_result
sf_control_check_write_end (const sf_control_check *ck)
{
  return as_argument (sf_control_check_end (ck));
}

/* --- Writing ----------------------------------------------------------- */

/* Hands over a payload written in buf, if it is one a receiver takes: the
 * rules are those of the receiver, not a second copy of them. */
static sf_result
put_payload (uint8_t type, const uint8_t *buf, size_t n, uint8_t *out,
    size_t out_size, size_t *len)
{
  if (sf_control_check_payload (type, buf, n) != SF_OK)
    return SF_ERR_ARG;
  if (n > out_size)
    return SF_ERR_OUTPUT_FULL;
  memcpy (out, buf, n);
  *len = n;
  return SF_OK;
}

sf_result
sf_report_write (const sf_report *r, uint8_t *out, size_t out_size, size_t *len)
{
  uint8_t buf[SF_CONTROL_PAYLOAD_MAX];
  size_t n = 0;

  if (!len)
    return SF_ERR_ARG;
  *len = 0;
  if (!r || !out)
    return SF_ERR_ARG;
  n += sf_varint_put (buf + n, r->last_seq);
  n += sf_varint_put (buf + n, r->delay_us);
  n += sf_varint_put (buf + n, r->packets);
  n += sf_varint_put (buf + n, r->damaged);
  n += sf_varint_put (buf + n, r->wire_bytes);
  n += sf_varint_put (buf + n, r->lost);
  n += sf_varint_put (buf + n, r->repaired);
  return put_payload (SF_TYPE_REPORT, buf, n, out, out_size, len);
}

sf_result
sf_nack_write (const sf_nack *n, uint8_t *out, size_t out_size, size_t *len)
{
  uint8_t buf[SF_CONTROL_PAYLOAD_MAX];
  size_t used = 0, i;

  if (!len)
    return SF_ERR_ARG;
  *len = 0;
  if (!n || !out || n->n_ranges > SF_NACK_RANGES_MAX)
    return SF_ERR_ARG;
  used += sf_varint_put (buf + used, n->frag_count);
  for (i = 0; i < n->n_ranges; i++) {
    used += sf_varint_put (buf + used, n->ranges[i].first);
    used += sf_varint_put (buf + used, n->ranges[i].count);
  }
  return put_payload (SF_TYPE_NACK, buf, used, out, out_size, len);
}

/* --- Reading ----------------------------------------------------------- */

/* The payloads are checked first: then every varint reads. */
static uint64_t
next_varint (const uint8_t *payload, size_t len, size_t *pos)
{
  uint64_t v = 0;

  *pos += sf_varint_get (payload + *pos, len - *pos, &v);
  return v;
}

sf_result
sf_report_read (const uint8_t *payload, size_t len, sf_report *r)
{
  size_t pos = 0;

  if (!r || (!payload && len))
    return SF_ERR_ARG;
  memset (r, 0, sizeof (*r));
  if (sf_control_check_payload (SF_TYPE_REPORT, payload, len) != SF_OK)
    return SF_ERR_MALFORMED;
  r->last_seq = (uint16_t) next_varint (payload, len, &pos);
  r->delay_us = next_varint (payload, len, &pos);
  r->packets = next_varint (payload, len, &pos);
  r->damaged = next_varint (payload, len, &pos);
  r->wire_bytes = next_varint (payload, len, &pos);
  r->lost = next_varint (payload, len, &pos);
  r->repaired = next_varint (payload, len, &pos);
  return SF_OK;
}

sf_result
sf_nack_read (const uint8_t *payload, size_t len, sf_nack *n)
{
  size_t pos = 0;
  sf_range range;

  if (!n || (!payload && len))
    return SF_ERR_ARG;
  memset (n, 0, sizeof (*n));
  if (sf_control_check_payload (SF_TYPE_NACK, payload, len) != SF_OK)
    return SF_ERR_MALFORMED;
  n->frag_count = (uint16_t) next_varint (payload, len, &pos);
  while (pos < len) {
    range.first = (uint16_t) next_varint (payload, len, &pos);
    range.count = (uint16_t) next_varint (payload, len, &pos);
    if (n->n_ranges < SF_NACK_RANGES_MAX)
      n->ranges[n->n_ranges++] = range;
  }
  return SF_OK;
}
