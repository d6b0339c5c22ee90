/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: the streaming encoder, for senders that cannot hold a whole
 * encoded packet (docs/protocol.md, sections 1, 13, 15, 19, 20). */

#include "sf-private.h"

/*
 * The one-shot encoder writes a COBS code byte when its block closes, going
 * back to where the block began.  Here the block stays in s->buf until it
 * closes; only then do its bytes go out.  s->buf holds, in order:
 *
 *   [rd, end)   wire bytes ready for sf_stream_poll (closed COBS blocks,
 *               SLIP bytes, delimiters)
 *   [end]       cobs modes: the open block's code byte, written when the
 *               block closes
 *   (end, pos)  its data bytes, at most 254
 *
 * An open block always has room for 254 data bytes behind it, so no byte is
 * ever moved within buf: when a block closes too near the end for the next
 * one, the next opens at the start once poll has emptied buf.  xon-xoff
 * escaping happens as bytes leave through poll.
 */

/* A full COBS block: code 0xFF and 254 data bytes. */
#define BLOCK_DATA 254
#define BLOCK_SIZE (1 + BLOCK_DATA)
/* s->escaped when no escape is due: an escaped byte is never 0. */
#define NO_ESCAPE 0

enum {
  PHASE_PAYLOAD = 0, /* taking payload */
  PHASE_TRAILER,     /* finished: the CRC goes through COBS */
  PHASE_CLOSE,       /* the last COBS block closes */
  PHASE_DELIMITER,   /* the packet's delimiter */
  PHASE_DONE         /* everything is in buf or out */
};

/* begin COBS-encodes the header in one go: initial delimiter, header and
 * its code bytes, and room for a whole block behind them. */
typedef char sf_stream_buffer_fits_header
    [(SF_STREAM_BUFFER_SIZE >= 1 + SF_HEADER_MAX + BLOCK_SIZE) ? 1 : -1];

static sf_result
stream_fail (sf_stream *s, sf_result r)
{
  s->error = r;
  return r;
}

/* --- COBS into buf ----------------------------------------------------- */

/* Opens a block at end if a whole block fits behind it, else leaves none
 * open (pos == end) until poll has emptied buf. */
static void
open_block (sf_stream *s)
{
  s->pos = s->end + BLOCK_SIZE <= SF_STREAM_BUFFER_SIZE ? s->end + 1 : s->end;
}

/* Whether a block is open.  Once poll has emptied buf, an empty block
 * starts again at the beginning, leaving the most room for closed blocks
 * queued behind it. */
static int
block_ready (sf_stream *s)
{
  if (s->rd == s->end && s->pos <= s->end + 1) {
    s->rd = s->end = 0;
    s->pos = 1;
  }
  return s->pos > s->end;
}

static void
close_block (sf_stream *s, int full)
{
  s->buf[s->end] = (uint8_t) (s->pos - s->end);
  s->end = s->pos;
  s->after_full = (uint8_t) full;
  open_block (s);
}

/* COBS-encodes as much of src as buf takes, as sf_cobs_enc_update does:
 * runs of non-zero bytes found with memchr and copied with memcpy. */
static size_t
cobs_feed (sf_stream *s, const uint8_t *src, size_t len)
{
  size_t done = 0;

  while (done < len && block_ready (s)) {
    size_t room = BLOCK_DATA - (size_t) (s->pos - s->end - 1);
    size_t want = len - done < room ? len - done : room;
    const uint8_t *z = memchr (src + done, 0, want);
    size_t run = z ? (size_t) (z - (src + done)) : want;

    memcpy (s->buf + s->pos, src + done, run);
    s->pos = (uint16_t) (s->pos + run);
    done += run;
    /* A zero, or a full block, closes the block; the zero is not written:
     * the code byte stands for it. */
    if (z) {
      done++;
      close_block (s, 0);
    } else if (run == room) {
      close_block (s, 1);
    }
  }
  return done;
}

/* The end of the COBS data: the open block closes, except an empty one
 * right after a full block (the data ended with it: no 0x01 follows, as in
 * sf_cobs_enc_finish). */
static int
cobs_close (sf_stream *s)
{
  if (s->after_full && s->pos <= s->end + 1) {
    s->pos = s->end;
    return 1;
  }
  if (!block_ready (s))
    return 0;
  close_block (s, 0);
  s->pos = s->end;
  return 1;
}

/* --- SLIP into buf ----------------------------------------------------- */

static size_t
slip_feed (sf_stream *s, const uint8_t *src, size_t len)
{
  size_t done = 0;

  if (s->rd == s->end)
    s->rd = s->end = 0;
  while (done < len && s->end + 2 <= SF_STREAM_BUFFER_SIZE) {
    uint8_t b = src[done++];

    if (b == SF_SLIP_END || b == SF_SLIP_ESC) {
      s->buf[s->end++] = SF_SLIP_ESC;
      b = b == SF_SLIP_END ? SF_SLIP_ESC_END : SF_SLIP_ESC_ESC;
    }
    s->buf[s->end++] = b;
  }
  return done;
}

/* --- Begin ------------------------------------------------------------- */

/* The header goes into the CRC and through COBS at once: buf has room for
 * the longest one. */
static sf_result
begin_native (sf_stream *s, const sf_header *hdr, const sf_frame_ref *ref)
{
  uint8_t packed[SF_HEADER_MAX];
  size_t len = 0;
  sf_result r = sf_pack_native_header (hdr, ref, packed, &len);

  if (r != SF_OK)
    return r;
  s->type = hdr->type;
  s->compact = hdr->type == SF_TYPE_CAPS && hdr->caps_compact;
  s->version = hdr->version;
  sf_control_check_init (&s->ctl, hdr->type);
  s->remaining =
      hdr->version == SF_VERSION_1 ? hdr->payload_len : sf_least_payload (hdr);
  s->crc = sf_crc32c (0, packed, len);
  return cobs_feed (s, packed, len) == len ? SF_OK : SF_ERR_STATE;
}

sf_result
sf_stream_begin (sf_stream *s, sf_mode mode, unsigned options,
    const sf_header *hdr, const sf_frame_ref *ref)
{
  sf_result r = SF_OK;

  if (!s)
    return SF_ERR_ARG;
  memset (s, 0, sizeof (*s));
  s->mode = (uint8_t) mode;
  s->options = options;
  if (mode != SF_MODE_NATIVE && mode != SF_MODE_COBS && mode != SF_MODE_SLIP)
    return stream_fail (s, SF_ERR_MODE);
  if (options & SF_OPT_INITIAL_DELIMITER)
    s->buf[s->end++] = mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
  if (mode == SF_MODE_SLIP) {
    /* The leading END flushes whatever line noise the receiver has
     * gathered since the last packet (RFC 1055). */
    if (!(options & SF_OPT_SLIP_NO_LEADING_END))
      s->buf[s->end++] = SF_SLIP_END;
    s->pos = s->end;
    return SF_OK;
  }
  open_block (s);
  if (mode == SF_MODE_NATIVE)
    r = begin_native (s, hdr, ref);
  return r == SF_OK ? SF_OK : stream_fail (s, r);
}

/* --- Sink -------------------------------------------------------------- */

/* The payload rules of a native packet, on the bytes offered. */
static sf_result
check_payload (const sf_stream *s, const uint8_t *p, size_t len)
{
  /* A copy: sf_stream_sink() may take fewer bytes, which come again. */
  sf_control_check ctl = s->ctl;

  if (s->version == SF_VERSION_1 && len > s->remaining)
    return SF_ERR_LENGTH;
  if (s->type == SF_TYPE_EOS)
    return SF_ERR_LENGTH;
  if (s->type == SF_TYPE_CAPS) {
    if (len > SF_CAPS_MAX || s->payload > SF_CAPS_MAX - len)
      return SF_ERR_LENGTH;
    /* Caps are a string: a NUL would truncate it at the receiver. Their
     * compact form carries codec_data bytes as they are (section 9.2). */
    if (!s->compact && memchr (p, 0, len))
      return SF_ERR_ARG;
  }
  return sf_control_check_write (&ctl, p, len);
}

sf_result
sf_stream_sink (sf_stream *s, const void *data, size_t len, size_t *consumed)
{
  const uint8_t *p = (const uint8_t *) data;
  size_t n;
  sf_result r;

  if (!s)
    return SF_ERR_ARG;
  if (consumed)
    *consumed = 0;
  if (s->error != SF_OK)
    return s->error;
  if (!consumed || (!p && len))
    return stream_fail (s, SF_ERR_ARG);
  if (s->phase != PHASE_PAYLOAD)
    return stream_fail (s, SF_ERR_STATE);
  if (len == 0)
    return SF_OK;
  if (s->mode == SF_MODE_SLIP) {
    *consumed = slip_feed (s, p, len);
    return SF_OK;
  }
  if (s->mode == SF_MODE_NATIVE) {
    r = check_payload (s, p, len);
    if (r != SF_OK)
      return stream_fail (s, r);
  }
  n = cobs_feed (s, p, len);
  if (s->mode == SF_MODE_NATIVE) {
    s->crc = sf_crc32c (s->crc, p, n);
    s->remaining -= (uint32_t) (s->version == SF_VERSION_1 ? n : 0);
    /* Checked above, with the bytes not taken. */
    (void) sf_control_check_feed (&s->ctl, p, n);
  }
  s->payload += n;
  *consumed = n;
  return SF_OK;
}

/* --- Finish ------------------------------------------------------------ */

/* Moves the end of the packet into buf as far as there is room: the CRC,
 * the last block, the delimiter.  Returns whether it got anywhere. */
static int
advance_end (sf_stream *s)
{
  uint8_t phase = s->phase, trailer_pos = s->trailer_pos;

  if (s->phase == PHASE_TRAILER) {
    s->trailer_pos = (uint8_t) (s->trailer_pos +
        cobs_feed (s, s->trailer + s->trailer_pos,
            (size_t) (s->trailer_len - s->trailer_pos)));
    if (s->trailer_pos == s->trailer_len)
      s->phase = PHASE_CLOSE;
  }
  if (s->phase == PHASE_CLOSE && cobs_close (s))
    s->phase = PHASE_DELIMITER;
  if (s->phase == PHASE_DELIMITER) {
    if (s->rd == s->end)
      s->rd = s->end = 0;
    if (s->end < SF_STREAM_BUFFER_SIZE) {
      s->buf[s->end++] = s->mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
      s->pos = s->end;
      s->phase = PHASE_DONE;
    }
  }
  return s->phase != phase || s->trailer_pos != trailer_pos;
}

static int
output_pending (const sf_stream *s)
{
  return s->rd < s->end || s->escaped != NO_ESCAPE;
}

sf_result
sf_stream_finish (sf_stream *s)
{
  if (!s)
    return SF_ERR_ARG;
  if (s->error != SF_OK)
    return s->error;
  if (s->phase == PHASE_PAYLOAD) {
    if (s->mode == SF_MODE_NATIVE) {
      sf_result r = sf_control_check_write_end (&s->ctl);

      if (s->version == SF_VERSION_1 ? s->remaining != 0
                                     : s->payload < s->remaining)
        return stream_fail (s, SF_ERR_LENGTH);
      if (r != SF_OK)
        return stream_fail (s, r);
      sf_put_le32 (s->trailer, s->crc);
      s->trailer_len = SF_CRC_SIZE;
    }
    s->phase = s->mode == SF_MODE_SLIP ? PHASE_DELIMITER : PHASE_TRAILER;
    advance_end (s);
  }
  return s->phase == PHASE_DONE && !output_pending (s) ? SF_STREAM_DONE
                                                       : SF_STREAM_MORE;
}

/* --- Poll -------------------------------------------------------------- */

/* Copies ready bytes to out, escaping them for xon-xoff on the way: an
 * escape cut by the end of out finishes in the next call.  Runs of bytes
 * that need no escape go with memcpy. */
static size_t
drain (sf_stream *s, uint8_t *out, size_t size)
{
  size_t n = 0;

  if (s->escaped != NO_ESCAPE && n < size) {
    out[n++] = s->escaped;
    s->escaped = NO_ESCAPE;
  }
  while (n < size && s->rd < s->end) {
    const uint8_t *p = s->buf + s->rd;
    size_t k = (size_t) (s->end - s->rd), run = 0;
    uint8_t b;

    k = k < size - n ? k : size - n;
    if (s->options & SF_OPT_XONXOFF)
      while (run < k && !sf_xonxoff_special (p[run]))
        run++;
    else
      run = k;
    memcpy (out + n, p, run);
    n += run;
    s->rd = (uint16_t) (s->rd + run);
    if (run == k)
      continue;
    b = s->buf[s->rd++];
    out[n++] = SF_XESC;
    if (n < size)
      out[n++] = b ^ SF_XESC_XOR;
    else
      s->escaped = b ^ SF_XESC_XOR;
  }
  return n;
}

sf_result
sf_stream_poll (sf_stream *s, uint8_t *out, size_t out_size, size_t *written)
{
  size_t n = 0;

  if (!s)
    return SF_ERR_ARG;
  if (written)
    *written = 0;
  if (s->error != SF_OK)
    return s->error;
  if (!written || !out || out_size == 0)
    return stream_fail (s, SF_ERR_ARG);
  for (;;) {
    n += drain (s, out + n, out_size - n);
    if (output_pending (s) || s->phase < PHASE_TRAILER ||
        s->phase == PHASE_DONE || n == out_size)
      break;
    /* buf is empty, so the end of the packet moves on. */
    if (!advance_end (s))
      break;
  }
  *written = n;
  if (output_pending (s) ||
      (n == out_size && s->phase >= PHASE_TRAILER && s->phase != PHASE_DONE))
    return SF_STREAM_MORE;
  return s->phase == PHASE_DONE ? SF_STREAM_DONE : SF_OK;
}
