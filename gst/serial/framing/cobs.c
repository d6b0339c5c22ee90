/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* COBS encoding and decoding, plus the byte-stuffing helpers of the codec. */

#include "sf-private.h"

void
sf_cobs_enc_init (sf_cobs_enc *c, uint8_t *dst, size_t dst_size, size_t start)
{
  c->dst = dst;
  c->dst_size = dst_size;
  c->code_pos = start;
  c->pos = start + 1;
  c->code = 1;
  c->after_full = 0;
}

/* Runs of non-zero bytes are found with memchr and copied with memcpy:
 * with random data a block is ~255 bytes, so the per-byte cost is that of
 * the two library routines. */
sf_result
sf_cobs_enc_update (sf_cobs_enc *c, const uint8_t *src, size_t len)
{
  while (len) {
    size_t room = (size_t) (0xFF - c->code);
    size_t want = len < room ? len : room;
    const uint8_t *z = memchr (src, 0, want);
    size_t run = z ? (size_t) (z - src) : want;

    if (run) {
      if (c->pos > c->dst_size || c->dst_size - c->pos < run)
        return SF_ERR_OUTPUT_FULL;
      memcpy (c->dst + c->pos, src, run);
      c->pos += run;
      c->code += (uint8_t) run;
      src += run;
      len -= run;
    }
    if (z) {
      src++;
      len--;
    } else if (c->code != 0xFF) {
      continue;
    }
    /* A zero or a full block closes the block.  The next code byte is
     * reserved now and dropped again in finish if nothing follows a full
     * block, so the output never ends in a superfluous 0x01. */
    if (c->code_pos >= c->dst_size)
      return SF_ERR_OUTPUT_FULL;
    c->dst[c->code_pos] = c->code;
    c->after_full = !z;
    c->code_pos = c->pos++;
    c->code = 1;
  }
  return SF_OK;
}

sf_result
sf_cobs_enc_finish (sf_cobs_enc *c)
{
  if (c->code == 1 && c->after_full) {
    c->pos--;
    return SF_OK;
  }
  if (c->code_pos >= c->dst_size || c->pos > c->dst_size)
    return SF_ERR_OUTPUT_FULL;
  c->dst[c->code_pos] = c->code;
  return SF_OK;
}

sf_result
sf_cobs_encode (const void *src, size_t len, uint8_t *dst, size_t dst_size,
    size_t *written)
{
  sf_cobs_enc c;
  sf_result r;

  if (!written || !dst || (!src && len))
    return SF_ERR_ARG;
  *written = 0;
  sf_cobs_enc_init (&c, dst, dst_size, 0);
  r = sf_cobs_enc_update (&c, (const uint8_t *) src, len);
  if (r == SF_OK)
    r = sf_cobs_enc_finish (&c);
  if (r == SF_OK)
    *written = c.pos;
  return r;
}

sf_result
sf_cobs_decode (const uint8_t *src, size_t len, uint8_t *dst, size_t dst_size,
    size_t *written)
{
  size_t in = 0, out = 0;
  int zero_pending = 0;

  if (!written || (!src && len) || (!dst && dst_size))
    return SF_ERR_ARG;
  *written = 0;
  if (len == 0)
    return SF_ERR_MALFORMED;
  while (in < len) {
    uint8_t code = src[in++];
    size_t n = (size_t) code - 1;

    if (code == 0)
      return SF_ERR_MALFORMED;
    if (zero_pending) {
      if (out >= dst_size)
        return SF_ERR_OUTPUT_FULL;
      dst[out++] = 0;
    }
    if (n > len - in || memchr (src + in, 0, n))
      return SF_ERR_MALFORMED;
    if (n > dst_size - out)
      return SF_ERR_OUTPUT_FULL;
    memcpy (dst + out, src + in, n);
    in += n;
    out += n;
    zero_pending = code != 0xFF;
  }
  *written = out;
  return SF_OK;
}

sf_result
sf_slip_escape (const uint8_t *src, size_t len, uint8_t *dst, size_t dst_size,
    size_t *pos)
{
  size_t o = *pos;
  size_t i = 0;

  while (i < len) {
    size_t run = 0;

    while (i + run < len && src[i + run] != SF_SLIP_END &&
        src[i + run] != SF_SLIP_ESC)
      run++;
    if (o > dst_size || dst_size - o < run)
      return SF_ERR_OUTPUT_FULL;
    memcpy (dst + o, src + i, run);
    o += run;
    i += run;
    if (i < len) {
      if (dst_size - o < 2)
        return SF_ERR_OUTPUT_FULL;
      dst[o++] = SF_SLIP_ESC;
      dst[o++] = src[i++] == SF_SLIP_END ? SF_SLIP_ESC_END : SF_SLIP_ESC_ESC;
    }
  }
  *pos = o;
  return SF_OK;
}

/* Escaping happens after framing, in place: count first, then move the
 * bytes backwards so each is read before it is overwritten. */
sf_result
sf_xonxoff_escape_in_place (uint8_t *dst, size_t dst_size, size_t start,
    size_t *end)
{
  size_t extra = 0, i, o;

  for (i = start; i < *end; i++)
    extra += (size_t) sf_xonxoff_special (dst[i]);
  if (extra == 0)
    return SF_OK;
  if (dst_size - *end < extra)
    return SF_ERR_OUTPUT_FULL;
  o = *end + extra;
  for (i = *end; i > start;) {
    uint8_t b = dst[--i];

    if (sf_xonxoff_special (b)) {
      dst[--o] = b ^ SF_XESC_XOR;
      dst[--o] = SF_XESC;
    } else {
      dst[--o] = b;
    }
  }
  *end += extra;
  return SF_OK;
}
