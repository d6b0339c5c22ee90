/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe streaming decoder: an explicit state machine over any chunks. */

#include "sf-private.h"

const char *const sf_dec_state_names[SF_DEC_STATE_COUNT] = {
  "hunt",
  "cobs-code",
  "cobs-data",
  "slip-data",
  "slip-esc",
  "discard",
};

static uint8_t
delimiter (const sf_decoder *dec)
{
  return dec->mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
}

static sf_dec_state
packet_start_state (const sf_decoder *dec)
{
  return dec->mode == SF_MODE_SLIP ? SF_DEC_STATE_SLIP_DATA
                                   : SF_DEC_STATE_COBS_CODE;
}

/* The bytes of one feed call as the state functions see them. */
typedef struct {
  const uint8_t *p;
  const uint8_t *end;
  int packet; /* set when a packet was delivered: stop here */
} sf_input;

static sf_dec_state
packet_begin (sf_decoder *dec)
{
  dec->len = 0;
  dec->pkt_wire = 0;
  dec->block_left = 0;
  dec->zero_pending = 0;
  dec->in_packet = 0;
  return packet_start_state (dec);
}

/* The packet in progress will not be delivered: count it once now and
 * ignore the rest of it up to its delimiter. */
static sf_dec_state
drop (uint64_t *counter)
{
  (*counter)++;
  return SF_DEC_STATE_DISCARD;
}

/* On the delimiter of a packet already counted as dropped. */
static sf_dec_state
dropped_packet_end (sf_decoder *dec)
{
  dec->stats.skipped_bytes += dec->pkt_wire;
  return packet_begin (dec);
}

/* A native packet that failed its checks, in the counter of its reason. */
static void
count_rejected (sf_dec_stats *st, sf_result r)
{
  switch (r) {
    case SF_ERR_CRC:
      st->crc_errors++;
      break;
    case SF_ERR_VERSION:
      st->bad_version++;
      break;
    case SF_ERR_TYPE:
      st->unknown_type++;
      break;
    case SF_ERR_UNSUPPORTED:
      st->unsupported++;
      break;
    default:
      st->malformed++;
      break;
  }
}

/* On the delimiter of a packet being decoded: validate, deliver or count. */
static sf_dec_state
packet_end (sf_decoder *dec, sf_input *in)
{
  sf_dec_stats *st = &dec->stats;
  sf_packet *pkt = &dec->packet;
  sf_result r;

  if (!dec->in_packet) {
    /* Back-to-back delimiters are normal (initial delimiter, idle fill,
     * SLIP's leading END); stray flow-control bytes may sit in between. */
    st->empty++;
    st->skipped_bytes += dec->pkt_wire;
    return packet_begin (dec);
  }

  memset (&pkt->header, 0, sizeof (pkt->header));
  if (dec->mode != SF_MODE_NATIVE) {
    pkt->payload = dec->buf;
    pkt->payload_len = dec->len;
  } else {
    r = sf_native_parse (dec->buf, dec->len, &dec->ref, &pkt->header,
        &pkt->payload);
    if (r != SF_OK) {
      count_rejected (st, r);
      return dropped_packet_end (dec);
    }
    pkt->payload_len = pkt->header.payload_len;
    /* Only the receiver's own stream: others interleaved would push its
     * frames out of the two remembered. */
    if (dec->stream == SF_DECODER_ALL_STREAMS ||
        pkt->header.stream == dec->stream)
      sf_frame_ref_update (&dec->ref, &pkt->header);
  }
  st->packets++;
  st->payload_bytes += pkt->payload_len;
  dec->has_packet = 1;
  in->packet = 1;
  return packet_begin (dec);
}

/* Consumes up to and including the next delimiter; reports whether it
 * was found.  memchr makes skipping as fast as the library can scan. */
static int
skip_to_delimiter (sf_decoder *dec, sf_input *in, size_t *count)
{
  size_t n = (size_t) (in->end - in->p);
  const uint8_t *d = memchr (in->p, delimiter (dec), n);
  size_t used = d ? (size_t) (d - in->p) : n;

  *count += used;
  in->p += used + (d != NULL);
  return d != NULL;
}

static sf_dec_state
st_hunt (sf_decoder *dec, sf_input *in)
{
  size_t n = 0;
  int found = skip_to_delimiter (dec, in, &n);

  dec->stats.skipped_bytes += n;
  return found ? packet_begin (dec) : SF_DEC_STATE_HUNT;
}

static sf_dec_state
st_discard (sf_decoder *dec, sf_input *in)
{
  if (skip_to_delimiter (dec, in, &dec->pkt_wire))
    return dropped_packet_end (dec);
  return SF_DEC_STATE_DISCARD;
}

static sf_dec_state
st_cobs_code (sf_decoder *dec, sf_input *in)
{
  uint8_t b = *in->p++;

  if (b == SF_DELIMITER)
    return packet_end (dec, in);
  dec->pkt_wire++;
  dec->in_packet = 1;
  if (dec->zero_pending) {
    if (dec->len >= dec->buf_size)
      return drop (&dec->stats.oversize);
    dec->buf[dec->len++] = 0;
  }
  dec->block_left = (unsigned) b - 1;
  /* A full block (0xFF) is not followed by an implied zero. */
  dec->zero_pending = b != 0xFF;
  return dec->block_left ? SF_DEC_STATE_COBS_DATA : SF_DEC_STATE_COBS_CODE;
}

static sf_dec_state
st_cobs_data (sf_decoder *dec, sf_input *in)
{
  size_t n = (size_t) (in->end - in->p);
  const uint8_t *z;

  if (n > dec->block_left)
    n = dec->block_left;
  /* One memchr checks the whole run for a delimiter: a zero here means
   * the block was cut short, the packet is truncated. */
  z = memchr (in->p, SF_DELIMITER, n);
  if (z) {
    dec->pkt_wire += (size_t) (z - in->p);
    in->p = z + 1;
    dec->stats.malformed++;
    return dropped_packet_end (dec);
  }
  if (n > dec->buf_size - dec->len)
    return drop (&dec->stats.oversize);
  memcpy (dec->buf + dec->len, in->p, n);
  dec->len += n;
  dec->pkt_wire += n;
  dec->block_left -= (unsigned) n;
  in->p += n;
  return dec->block_left ? SF_DEC_STATE_COBS_DATA : SF_DEC_STATE_COBS_CODE;
}

static sf_dec_state
st_slip_data (sf_decoder *dec, sf_input *in)
{
  size_t n = 0;
  uint8_t b;

  while (
      in->p + n < in->end && in->p[n] != SF_SLIP_END && in->p[n] != SF_SLIP_ESC)
    n++;
  if (n) {
    if (n > dec->buf_size - dec->len)
      return drop (&dec->stats.oversize);
    memcpy (dec->buf + dec->len, in->p, n);
    dec->len += n;
    dec->pkt_wire += n;
    dec->in_packet = 1;
    in->p += n;
  }
  if (in->p == in->end)
    return SF_DEC_STATE_SLIP_DATA;
  b = *in->p++;
  if (b == SF_SLIP_END)
    return packet_end (dec, in);
  dec->pkt_wire++;
  dec->in_packet = 1;
  return SF_DEC_STATE_SLIP_ESC;
}

static sf_dec_state
st_slip_esc (sf_decoder *dec, sf_input *in)
{
  uint8_t b = *in->p++;

  if (b == SF_SLIP_END) {
    /* An escape cut by END: the END still ends the packet. */
    dec->stats.malformed++;
    return dropped_packet_end (dec);
  }
  dec->pkt_wire++;
  /* RFC 1055 would keep the byte; a framing without a check is better off
   * dropping a packet it knows to be damaged. */
  if (b != SF_SLIP_ESC_END && b != SF_SLIP_ESC_ESC)
    return drop (&dec->stats.malformed);
  if (dec->len >= dec->buf_size)
    return drop (&dec->stats.oversize);
  dec->buf[dec->len++] = b == SF_SLIP_ESC_END ? SF_SLIP_END : SF_SLIP_ESC;
  return SF_DEC_STATE_SLIP_DATA;
}

static sf_result
feed_plain (sf_decoder *dec, const uint8_t *data, size_t len, size_t *consumed)
{
  sf_input in;

  in.p = data;
  in.end = data + len;
  in.packet = 0;
  while (in.p < in.end && !in.packet) {
    switch (dec->state) {
      case SF_DEC_STATE_HUNT:
        dec->state = st_hunt (dec, &in);
        break;
      case SF_DEC_STATE_COBS_CODE:
        dec->state = st_cobs_code (dec, &in);
        break;
      case SF_DEC_STATE_COBS_DATA:
        dec->state = st_cobs_data (dec, &in);
        break;
      case SF_DEC_STATE_SLIP_DATA:
        dec->state = st_slip_data (dec, &in);
        break;
      case SF_DEC_STATE_SLIP_ESC:
        dec->state = st_slip_esc (dec, &in);
        break;
      case SF_DEC_STATE_DISCARD:
        dec->state = st_discard (dec, &in);
        break;
      default:
        *consumed = (size_t) (in.p - data);
        return SF_ERR_STATE;
    }
  }
  *consumed = (size_t) (in.p - data);
  return in.packet ? SF_DEC_PACKET : SF_DEC_NEED_MORE;
}

/* Wire bytes that never reach the framing layer (escape prefixes, stray
 * XON/XOFF) still belong to the packet around them. */
static void
count_extra (sf_decoder *dec, int is_escape)
{
  if (dec->state == SF_DEC_STATE_HUNT) {
    dec->stats.skipped_bytes++;
    return;
  }
  dec->pkt_wire++;
  if (is_escape)
    dec->in_packet = 1;
}

static void
bad_escape (sf_decoder *dec)
{
  if (dec->state != SF_DEC_STATE_HUNT && dec->state != SF_DEC_STATE_DISCARD)
    dec->state = drop (&dec->stats.malformed);
}

/* xon-xoff mode: undo the escaping, then hand runs of plain bytes to the
 * framing layer in bulk. */
static sf_result
feed_escaped (sf_decoder *dec, const uint8_t *data, size_t len,
    size_t *consumed)
{
  size_t i = 0, n, used;
  sf_result r;
  uint8_t b;

  while (i < len) {
    b = data[i];
    if (b == SF_XON || b == SF_XOFF) {
      /* Flow-control bytes that slipped through the tty are not data; the
       * peer may send them at any moment, even inside an escape. */
      count_extra (dec, 0);
      i++;
      continue;
    }
    if (dec->escaped) {
      dec->escaped = 0;
      if (b == delimiter (dec)) {
        /* Escape cut by a delimiter: the packet is lost, the delimiter
         * still counts as one. */
        bad_escape (dec);
      } else if (b == (SF_XON ^ SF_XESC_XOR) || b == (SF_XOFF ^ SF_XESC_XOR) ||
          b == (SF_XESC ^ SF_XESC_XOR)) {
        b ^= SF_XESC_XOR;
        r = feed_plain (dec, &b, 1, &used);
        i++;
        if (r != SF_DEC_NEED_MORE)
          goto out;
        continue;
      } else {
        /* Only the three escaped values exist; anything else (notably an
         * escaped 0x20, which would forge a delimiter) is damage. */
        bad_escape (dec);
        count_extra (dec, 0);
        i++;
        continue;
      }
    } else if (b == SF_XESC) {
      dec->escaped = 1;
      count_extra (dec, 1);
      i++;
      continue;
    }
    n = 1;
    while (i + n < len && !sf_xonxoff_special (data[i + n]))
      n++;
    r = feed_plain (dec, data + i, n, &used);
    i += used;
    if (r != SF_DEC_NEED_MORE)
      goto out;
  }
  *consumed = i;
  return SF_DEC_NEED_MORE;

out:
  *consumed = i;
  return r;
}

sf_result
sf_decoder_init (sf_decoder *dec, sf_mode mode, unsigned options, uint8_t *buf,
    size_t buf_size)
{
  int hunt;

  if (!dec)
    return SF_ERR_ARG;
  memset (dec, 0, sizeof (*dec));
  if (mode == SF_MODE_RAW)
    return SF_ERR_MODE;
  if (mode != SF_MODE_NATIVE && mode != SF_MODE_COBS && mode != SF_MODE_SLIP)
    return SF_ERR_ARG;
  if (!buf || buf_size == 0)
    return SF_ERR_ARG;
  if (mode == SF_MODE_NATIVE && buf_size < SF_V2_HEADER_MIN + SF_CRC_SIZE)
    return SF_ERR_ARG;
  if ((options & SF_OPT_START_SYNCED) && (options & SF_OPT_START_HUNTING))
    return SF_ERR_ARG;

  dec->mode = mode;
  dec->options = options;
  dec->stream = SF_DECODER_ALL_STREAMS;
  dec->buf = buf;
  dec->buf_size = buf_size;
  dec->state = packet_begin (dec);
  /* A native sender always starts with a delimiter, so hunting loses
   * nothing and a receiver opened mid-stream never sees half a packet.
   * cobs and slip senders make no such promise. */
  hunt = mode == SF_MODE_NATIVE;
  if (options & SF_OPT_START_SYNCED)
    hunt = 0;
  if (options & SF_OPT_START_HUNTING)
    hunt = 1;
  if (hunt)
    dec->state = SF_DEC_STATE_HUNT;
  return SF_OK;
}

sf_result
sf_decoder_feed (sf_decoder *dec, const uint8_t *data, size_t len,
    size_t *consumed)
{
  sf_result r;
  size_t used = 0;

  if (!consumed)
    return SF_ERR_ARG;
  *consumed = 0;
  if (!dec || !dec->buf || (!data && len))
    return SF_ERR_ARG;
  dec->has_packet = 0;
  if (len == 0)
    return SF_DEC_NEED_MORE;
  if (dec->options & SF_OPT_XONXOFF)
    r = feed_escaped (dec, data, len, &used);
  else
    r = feed_plain (dec, data, len, &used);
  dec->stats.wire_bytes += used;
  *consumed = used;
  return r;
}

sf_result
sf_decoder_set_buffer (sf_decoder *dec, uint8_t *buf, size_t buf_size)
{
  if (!dec || !dec->buf || !buf || buf_size == 0)
    return SF_ERR_ARG;
  if (dec->mode == SF_MODE_NATIVE && buf_size < SF_V2_HEADER_MIN + SF_CRC_SIZE)
    return SF_ERR_ARG;
  if (dec->len > buf_size)
    return SF_ERR_OUTPUT_FULL;
  /* Only a packet in progress needs carrying over; right after a
   * delivered packet there is none. */
  if (dec->len)
    memmove (buf, dec->buf, dec->len);
  dec->buf = buf;
  dec->buf_size = buf_size;
  dec->has_packet = 0;
  return SF_OK;
}

const sf_packet *
sf_decoder_packet (const sf_decoder *dec)
{
  if (!dec || !dec->has_packet)
    return NULL;
  return &dec->packet;
}

const sf_dec_stats *
sf_decoder_get_stats (const sf_decoder *dec)
{
  return dec ? &dec->stats : NULL;
}

void
sf_decoder_reset_stats (sf_decoder *dec)
{
  if (dec)
    memset (&dec->stats, 0, sizeof (dec->stats));
}

void
sf_decoder_set_stream (sf_decoder *dec, uint32_t stream)
{
  if (dec)
    dec->stream = stream;
}

void
sf_decoder_resync (sf_decoder *dec)
{
  if (!dec || !dec->buf)
    return;
  if (dec->state != SF_DEC_STATE_HUNT)
    dec->stats.skipped_bytes += dec->pkt_wire;
  packet_begin (dec);
  dec->escaped = 0;
  dec->has_packet = 0;
  dec->state = SF_DEC_STATE_HUNT;
  /* What comes next may be another stream, or the same after a gap. */
  sf_frame_ref_init (&dec->ref);
}

void
sf_decoder_restart (sf_decoder *dec)
{
  if (!dec || !dec->buf)
    return;
  sf_decoder_resync (dec);
  /* A fresh link has no partial packet before its first byte. */
  dec->state = packet_start_state (dec);
}

sf_dec_state
sf_decoder_state (const sf_decoder *dec)
{
  return dec ? dec->state : SF_DEC_STATE_HUNT;
}

const char *
sf_dec_state_name (sf_dec_state state)
{
  if ((unsigned) state >= SF_DEC_STATE_COUNT)
    return "unknown";
  return sf_dec_state_names[state];
}
