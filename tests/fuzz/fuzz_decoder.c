/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the framing decoder (all modes), the encoder and
 * compact caps. */

/*
 * Input layout:
 *   byte 0: bits 0-1 mode (0 native, 1 cobs, 2 slip, 3 native started
 *           synced), bit 2 xon-xoff, bits 3-5 decoder buffer size index
 *   byte 1: seed of the chunking
 *   rest:   the byte stream fed to the decoder; native streams may mix
 *           version 1 and version 2 packets
 * The stream is also used as a payload for encode/decode round trips (its
 * first bytes as the fields of a version 2 header), and as compact caps
 * and as a caps string.  Invariant failures abort, which libFuzzer reports
 * as a crash.
 */

#include "serialframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUND_TRIP 8192

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf (stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,    \
          #cond);                                                              \
      abort ();                                                                \
    }                                                                          \
  } while (0)

static const size_t buf_sizes[8] = { SF_NATIVE_OVERHEAD, SF_NATIVE_OVERHEAD + 1,
  64, 100, 255, 300, 1024, 4096 + SF_NATIVE_OVERHEAD };

static uint8_t dec_buf[4096 + SF_NATIVE_OVERHEAD];
static uint8_t wire[SF_ENCODED_MAX_ANY (MAX_ROUND_TRIP)];
static uint8_t rt_buf[SF_NATIVE_DECODE_BUFFER_SIZE (MAX_ROUND_TRIP)];

static int
is_frame (const sf_header *h)
{
  return h->type == SF_TYPE_DATA || h->type == SF_TYPE_FRAGMENT ||
      h->type == SF_TYPE_PARITY;
}

static int
is_control (const sf_header *h)
{
  return h->type == SF_TYPE_SKIP ||
      (h->type >= SF_TYPE_REPORT && h->type <= SF_TYPE_CAPS_REQUEST);
}

/* A REPORT reads, and what it says writes and reads back the same, in no
 * more bytes (varints a later revision appends are dropped). */
static void
check_report (const sf_packet *pkt)
{
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  sf_report r, back;
  size_t len;

  REQUIRE (sf_report_read (pkt->payload, pkt->payload_len, &r) == SF_OK);
  REQUIRE (sf_report_write (&r, out, sizeof (out), &len) == SF_OK);
  REQUIRE (len >= 7 && len <= pkt->payload_len);
  REQUIRE (sf_report_read (out, len, &back) == SF_OK);
  REQUIRE (back.last_seq == r.last_seq && back.delay_us == r.delay_us &&
      back.packets == r.packets && back.damaged == r.damaged &&
      back.wire_bytes == r.wire_bytes && back.lost == r.lost &&
      back.repaired == r.repaired);
}

/* A NACK of at most 128 bytes: ranges ascending, apart, within frag_count,
 * none for a whole frame; what it says writes and reads back the same. */
static void
check_nack (const sf_packet *pkt)
{
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  sf_nack n, back;
  uint32_t end = 0;
  size_t len, i;

  REQUIRE (pkt->payload_len <= SF_CONTROL_PAYLOAD_MAX);
  REQUIRE (sf_nack_read (pkt->payload, pkt->payload_len, &n) == SF_OK);
  REQUIRE (n.n_ranges <= SF_NACK_RANGES_MAX);
  REQUIRE ((n.frag_count == 0) == (n.n_ranges == 0));
  for (i = 0; i < n.n_ranges; i++) {
    REQUIRE (n.ranges[i].first >= end && n.ranges[i].count > 0);
    end = (uint32_t) n.ranges[i].first + n.ranges[i].count;
    REQUIRE (end <= n.frag_count);
  }
  REQUIRE (sf_nack_write (&n, out, sizeof (out), &len) == SF_OK);
  REQUIRE (len <= pkt->payload_len);
  REQUIRE (sf_nack_read (out, len, &back) == SF_OK);
  REQUIRE (back.frag_count == n.frag_count && back.n_ranges == n.n_ranges &&
      memcmp (back.ranges, n.ranges, n.n_ranges * sizeof (sf_range)) == 0);
}

/* Control packets (section 8.2): version 2, no frame fields, their
 * payload rules. */
static void
check_control (const sf_packet *pkt)
{
  const sf_header *h = &pkt->header;

  REQUIRE (h->version == SF_VERSION);
  REQUIRE (h->flags == 0 && h->pts == SF_TIME_NONE && h->dts == SF_TIME_NONE &&
      h->duration == SF_TIME_NONE && h->frag_index == 0 && h->frag_count == 0 &&
      !h->caps_compact);
  if (h->type == SF_TYPE_REPORT)
    check_report (pkt);
  else if (h->type == SF_TYPE_NACK)
    check_nack (pkt);
  else
    REQUIRE (pkt->payload_len == 0);
}

/* What every delivered native packet satisfies (docs/protocol.md, sections
 * 4 to 12). */
static void
check_native_header (const sf_packet *pkt)
{
  const sf_header *h = &pkt->header;

  REQUIRE (h->version == SF_VERSION || h->version == SF_VERSION_1);
  REQUIRE (h->type == SF_TYPE_DATA || h->type == SF_TYPE_CAPS ||
      h->type == SF_TYPE_EOS ||
      ((h->type == SF_TYPE_FRAGMENT || h->type == SF_TYPE_PARITY ||
           is_control (h)) &&
          h->version == SF_VERSION));
  REQUIRE (pkt->payload_len == h->payload_len);
  if (h->version == SF_VERSION_1) {
    REQUIRE (h->header_len == SF_V1_HEADER_SIZE && h->unresolved == 0);
    REQUIRE (h->stream == 0 && h->frag_count == 0 && !h->caps_compact &&
        h->parity_count == 0 && h->last_size == 0);
  } else {
    REQUIRE (h->header_len >= 4 && h->header_len <= SF_HEADER_MAX);
    REQUIRE (h->seq <= 0xFFFF);
  }
  if (h->type == SF_TYPE_FRAGMENT)
    REQUIRE (h->frag_count > 0 && h->frag_index < h->frag_count &&
        pkt->payload_len > 0);
  if (h->type == SF_TYPE_PARITY)
    REQUIRE (sf_fec_layout_valid (h->frag_count, h->parity_count) &&
        h->frag_index < h->parity_count && h->last_size > 0 &&
        h->last_size <= pkt->payload_len);
  if (h->type != SF_TYPE_PARITY)
    REQUIRE (h->parity_count == 0 && h->last_size == 0);
  if (h->type == SF_TYPE_CAPS)
    REQUIRE (pkt->payload_len <= SF_CAPS_MAX &&
        (h->caps_compact || !memchr (pkt->payload, 0, pkt->payload_len)));
  if (h->type == SF_TYPE_EOS)
    REQUIRE (pkt->payload_len == 0);
  if (is_control (h))
    check_control (pkt);
  if (!is_frame (h))
    REQUIRE (h->flags == 0 || h->version == SF_VERSION_1);
  if (!is_frame (h) || h->version == SF_VERSION_1)
    REQUIRE (h->unresolved == 0);
  /* A time that refers to a frame the receiver lacks is none. */
  if (h->unresolved & SF_UNRESOLVED_PTS)
    REQUIRE (h->pts == SF_TIME_NONE);
  if (h->unresolved & SF_UNRESOLVED_DURATION)
    REQUIRE (h->duration == SF_TIME_NONE);
  REQUIRE (
      (h->unresolved & ~(SF_UNRESOLVED_PTS | SF_UNRESOLVED_DURATION)) == 0);
}

static int
same_header (const sf_header *a, const sf_header *b)
{
  return a->version == b->version && a->type == b->type &&
      a->flags == b->flags && a->seq == b->seq && a->pts == b->pts &&
      a->dts == b->dts && a->duration == b->duration &&
      a->sender_time == b->sender_time && a->payload_len == b->payload_len &&
      a->stream == b->stream && a->frag_index == b->frag_index &&
      a->frag_count == b->frag_count && a->parity_count == b->parity_count &&
      a->last_size == b->last_size && a->caps_compact == b->caps_compact &&
      a->unresolved == b->unresolved;
}

/* A delivered native packet must be exactly what an encoder would have
 * been able to send: re-encode it (with absolute times) and parse the
 * result. */
static void
check_native_packet (const sf_packet *pkt)
{
  size_t w;
  sf_header h, back;
  const uint8_t *payload;

  check_native_header (pkt);
  h = pkt->header;
  /* Reserved flag bits are ignored by receivers but refused by senders;
   * unknown times go as none. */
  h.flags &= SF_FLAGS_DEFINED;
  h.unresolved = 0;
  REQUIRE (sf_encode_native (&h, pkt->payload, pkt->payload_len, 0, wire,
               sizeof (wire), &w) == SF_OK);
  REQUIRE (w >= 2 && wire[w - 1] == 0);
  REQUIRE (sf_cobs_decode (wire, w - 1, rt_buf, sizeof (rt_buf), &w) == SF_OK);
  REQUIRE (sf_native_parse (rt_buf, w, NULL, &back, &payload) == SF_OK);
  h.header_len = back.header_len;
  REQUIRE (same_header (&back, &h));
  REQUIRE (memcmp (payload, pkt->payload, pkt->payload_len) == 0);
}

/* Every delimiter after the hunt ends one counted packet. */
static uint64_t
delimiters_counted (sf_mode mode, unsigned opts, const uint8_t *stream,
    size_t len)
{
  uint8_t delim = mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
  uint64_t n = 0;
  size_t i;

  for (i = 0; i < len; i++)
    n += stream[i] == delim;
  if (mode == SF_MODE_NATIVE && !(opts & SF_OPT_START_SYNCED) && n)
    n--;
  return n;
}

static void
fuzz_decoder (sf_mode mode, unsigned opts, size_t buf_size, uint32_t seed,
    const uint8_t *stream, size_t len)
{
  sf_decoder dec;
  const sf_dec_stats *st;
  size_t off = 0;
  uint64_t delivered = 0, payload_bytes = 0, counted;

  REQUIRE (sf_decoder_init (&dec, mode, opts, dec_buf, buf_size) == SF_OK);
  while (off < len) {
    size_t chunk, used;
    sf_result r;

    /* xorshift32: the seed byte steers the chunk sizes. */
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    chunk = 1 + seed % (1 + (seed >> 24) % 64);
    if (chunk > len - off)
      chunk = len - off;
    r = sf_decoder_feed (&dec, stream + off, chunk, &used);
    REQUIRE (used <= chunk);
    if (r == SF_DEC_PACKET) {
      const sf_packet *pkt = sf_decoder_packet (&dec);

      REQUIRE (pkt != NULL && used > 0);
      REQUIRE (pkt->payload_len <= buf_size);
      REQUIRE (pkt->payload_len == 0 ||
          (pkt->payload >= dec_buf &&
              pkt->payload + pkt->payload_len <= dec_buf + buf_size));
      if (mode == SF_MODE_NATIVE)
        check_native_packet (pkt);
      delivered++;
      payload_bytes += pkt->payload_len;
    } else {
      REQUIRE (r == SF_DEC_NEED_MORE);
      REQUIRE (used == chunk);
      REQUIRE (sf_decoder_packet (&dec) == NULL);
    }
    REQUIRE ((unsigned) sf_decoder_state (&dec) < SF_DEC_STATE_COUNT);
    off += used;
  }
  st = sf_decoder_get_stats (&dec);
  REQUIRE (st->packets == delivered);
  REQUIRE (st->payload_bytes == payload_bytes);
  REQUIRE (st->wire_bytes == len);
  /* Each delimiter is counted once, in exactly one counter; a packet
   * being discarded was counted when it was found bad, before its
   * delimiter. */
  counted = st->packets + st->empty + st->crc_errors + st->bad_version +
      st->malformed + st->unknown_type + st->unsupported + st->oversize;
  REQUIRE (counted ==
      delimiters_counted (mode, opts, stream, len) +
          (sf_decoder_state (&dec) == SF_DEC_STATE_DISCARD));
  REQUIRE (st->skipped_bytes <= len);
  sf_decoder_resync (&dec);
  REQUIRE (sf_decoder_state (&dec) == SF_DEC_STATE_HUNT);
}

/* Whatever the bytes, encoding them and decoding the result gives them
 * back. */
static void
fuzz_round_trip (sf_mode mode, unsigned opts, const uint8_t *payload,
    size_t len)
{
  sf_decoder dec;
  sf_header hdr;
  size_t w = 0, d, used, off = 0;
  sf_result r;
  int got = 0;

  if (len > MAX_ROUND_TRIP)
    len = MAX_ROUND_TRIP;
  d = 1;
  wire[0] = mode == SF_MODE_SLIP ? SF_SLIP_END : 0;
  if (mode == SF_MODE_NATIVE) {
    sf_header_init (&hdr, SF_TYPE_DATA);
    /* Both versions, as the length says. */
    hdr.version = len % 2 ? SF_VERSION_1 : SF_VERSION;
    hdr.seq = (uint32_t) len & 0xFFFF;
    r = sf_encode_native (&hdr, payload, len, opts, wire + 1, sizeof (wire) - 1,
        &w);
  } else if (mode == SF_MODE_COBS) {
    r = sf_encode_cobs (payload, len, opts, wire + 1, sizeof (wire) - 1, &w);
  } else {
    r = sf_encode_slip (payload, len, opts, wire + 1, sizeof (wire) - 1, &w);
  }
  REQUIRE (r == SF_OK);
  REQUIRE (w <= sf_encoded_max (mode, opts, len));
  REQUIRE (sf_decoder_init (&dec, mode, opts, rt_buf,
               sf_decode_buffer_size (mode, MAX_ROUND_TRIP)) == SF_OK);
  while (off < w + d) {
    r = sf_decoder_feed (&dec, wire + off, w + d - off, &used);
    off += used;
    if (r == SF_DEC_PACKET) {
      const sf_packet *pkt = sf_decoder_packet (&dec);
      REQUIRE (!got);
      REQUIRE (pkt->payload_len == len);
      REQUIRE (memcmp (pkt->payload, payload, len) == 0);
      got = 1;
    }
  }
  /* SLIP has no way to send an empty packet. */
  REQUIRE (got == !(mode == SF_MODE_SLIP && len == 0));
  REQUIRE (sf_decoder_get_stats (&dec)->malformed == 0);
}

/* --- Version 2 headers, with a previous frame ----------------------- */

static uint64_t
get_le64 (const uint8_t *p)
{
  uint64_t v = 0;
  int i;

  for (i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* A time from 9 input bytes: none, small, or any time. */
static uint64_t
fuzz_time (const uint8_t *p)
{
  uint64_t v = get_le64 (p + 1);

  switch (p[0] % 4) {
    case 0:
      return SF_TIME_NONE;
    case 1:
      return v % 100000;
    case 2:
      return v % (UINT64_C (1) << 40);
    default:
      return v == SF_TIME_NONE ? 0 : v;
  }
}

#define PARAMS 64

/* The previous frame and a frame (or a caps or EOS packet) of one stream
 * from the first PARAMS input bytes; the payload is the rest. */
static void
fuzz_headers (const uint8_t *p, sf_header *prev, sf_header *h)
{
  static const uint8_t types[4] = { SF_TYPE_DATA, SF_TYPE_FRAGMENT,
    SF_TYPE_CAPS, SF_TYPE_EOS };

  sf_header_init (prev, SF_TYPE_DATA);
  sf_header_init (h, types[p[0] % 4]);
  h->stream = p[1] < 128 ? 0 : (uint32_t) get_le64 (p + 2);
  prev->stream = h->stream;
  h->seq = (uint32_t) (p[10] | p[11] << 8);
  prev->seq = (h->seq + 0xFFFF) & 0xFFFF;
  h->flags = (uint16_t) ((p[12] | p[13] << 8) & SF_FLAGS_DEFINED);
  prev->pts = fuzz_time (p + 14);
  prev->duration = fuzz_time (p + 23);
  /* Often exactly what the previous frame predicts. */
  h->pts = p[32] % 2 && prev->pts != SF_TIME_NONE &&
          prev->duration != SF_TIME_NONE &&
          prev->duration < SF_TIME_NONE - 1 - prev->pts
      ? prev->pts + prev->duration
      : fuzz_time (p + 32);
  h->dts = p[41] % 3 == 0 ? h->pts : fuzz_time (p + 41);
  h->duration = p[50] % 2 ? prev->duration : fuzz_time (p + 50);
  h->sender_time = p[59] % 2 ? SF_TIME_NONE : get_le64 (p + 56);
  h->frag_count = (uint16_t) (1 + p[60] % 8);
  h->frag_index = (uint16_t) (p[61] % h->frag_count);
  h->caps_compact = p[62] % 2;
}

static void
encode_ref (const sf_header *h, const sf_frame_ref *ref, const uint8_t *payload,
    size_t len, uint8_t *dst, size_t size, size_t *written)
{
  sf_encoder enc;

  REQUIRE (sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, 0, h, ref, dst, size) ==
      SF_OK);
  REQUIRE (sf_encoder_write (&enc, payload, len) == SF_OK);
  REQUIRE (sf_encoder_finish (&enc, written) == SF_OK);
}

/* The frame comes back exactly when the receiver holds the previous one;
 * otherwise its times are the ones sent or none, flagged. */
static void
check_round_trip_header (const sf_header *got, const sf_header *sent,
    int holds_previous)
{
  sf_header want = *sent;
  int pts_unknown = (got->unresolved & SF_UNRESOLVED_PTS) != 0;

  if (!is_frame (sent)) {
    want.flags = 0;
    want.pts = want.dts = want.duration = SF_TIME_NONE;
  }
  if (sent->type != SF_TYPE_FRAGMENT)
    want.frag_index = want.frag_count = 0;
  if (sent->type != SF_TYPE_CAPS)
    want.caps_compact = 0;
  want.seq &= 0xFFFF;
  REQUIRE (!holds_previous || got->unresolved == 0);
  if (pts_unknown) {
    want.pts = SF_TIME_NONE;
    if (got->dts == SF_TIME_NONE)
      want.dts = SF_TIME_NONE;
  }
  if (got->unresolved & SF_UNRESOLVED_DURATION)
    want.duration = SF_TIME_NONE;
  want.unresolved = got->unresolved;
  want.header_len = got->header_len;
  REQUIRE (same_header (got, &want));
}

/* Encodes the previous frame (absolute), maybe a version 1 packet of
 * another sender, and the frame referring to the previous one; decodes
 * them with one decoder. */
static void
fuzz_v2_round_trip (const uint8_t *data, size_t size, int v1_between)
{
  /* Buffers of its own: check_native_packet uses wire and rt_buf. */
  static uint8_t payload[SF_CAPS_MAX];
  static uint8_t v2_wire[3 * SF_NATIVE_ENCODED_MAX (SF_CAPS_MAX)];
  static uint8_t v2_buf[SF_NATIVE_DECODE_BUFFER_SIZE (SF_CAPS_MAX)];
  sf_header prev, h, v1;
  sf_frame_ref tx;
  sf_decoder dec;
  size_t len, w, pos = 0, off = 0, used, n = 0;
  sf_header got[3];

  if (size < PARAMS)
    return;
  fuzz_headers (data, &prev, &h);
  len = size - PARAMS;
  if (len > SF_CAPS_MAX)
    len = SF_CAPS_MAX;
  memcpy (payload, data + PARAMS, len);
  if (h.type == SF_TYPE_EOS)
    len = 0;
  if (h.type == SF_TYPE_FRAGMENT && len == 0)
    payload[len++] = 'f';
  if (h.type == SF_TYPE_CAPS && !h.caps_compact) {
    for (w = 0; w < len; w++)
      payload[w] = payload[w] ? payload[w] : 'c';
  }
  h.payload_len = (uint32_t) len;
  sf_frame_ref_init (&tx);
  encode_ref (&prev, &tx, NULL, 0, v2_wire, sizeof (v2_wire), &w);
  pos += w;
  sf_frame_ref_update (&tx, &prev);
  if (v1_between) {
    sf_header_init (&v1, SF_TYPE_EOS);
    v1.version = SF_VERSION_1;
    encode_ref (&v1, NULL, NULL, 0, v2_wire + pos, sizeof (v2_wire) - pos, &w);
    pos += w;
  }
  encode_ref (&h, &tx, payload, len, v2_wire + pos, sizeof (v2_wire) - pos, &w);
  pos += w;

  REQUIRE (sf_decoder_init (&dec, SF_MODE_NATIVE, SF_OPT_START_SYNCED, v2_buf,
               sizeof (v2_buf)) == SF_OK);
  while (off < pos) {
    if (sf_decoder_feed (&dec, v2_wire + off, pos - off, &used) ==
        SF_DEC_PACKET) {
      const sf_packet *pkt = sf_decoder_packet (&dec);

      REQUIRE (n < 3);
      check_native_packet (pkt);
      got[n] = pkt->header;
      /* The frame's payload, while the decoder still holds it. */
      if (off + used == pos)
        REQUIRE (pkt->payload_len == len &&
            memcmp (pkt->payload, payload, len) == 0);
      n++;
    }
    off += used;
  }
  REQUIRE (n == 2u + (v1_between != 0));
  check_round_trip_header (&got[0], &prev, 1);
  check_round_trip_header (&got[n - 1], &h, !v1_between);
  REQUIRE (sf_decoder_get_stats (&dec)->packets == n);
}

/* --- Compact caps ----------------------------------------------------- */

static void
fuzz_caps (const uint8_t *data, size_t len)
{
  static char s[SF_CAPS_MAX], back[SF_CAPS_MAX];
  static uint8_t compact[2 * SF_CAPS_MAX];
  size_t n, w, m;

  /* Whatever expands is a string without NUL that round-trips. */
  if (sf_caps_expand (data, len, s, sizeof (s), &n) == SF_OK) {
    REQUIRE (memchr (s, 0, n) == NULL);
    REQUIRE (sf_caps_compact (s, n, compact, sizeof (compact), &w) == SF_OK);
    REQUIRE (sf_caps_expand (compact, w, back, sizeof (back), &m) == SF_OK);
    REQUIRE (m == n && memcmp (back, s, n) == 0);
  }
  /* Any string without NUL compacts and expands back. */
  if (len <= SF_CAPS_MAX && !memchr (data, 0, len)) {
    REQUIRE (sf_caps_compact ((const char *) data, len, compact,
                 sizeof (compact), &w) == SF_OK);
    REQUIRE (sf_caps_expand (compact, w, back, sizeof (back), &m) == SF_OK);
    REQUIRE (m == len && memcmp (back, data, len) == 0);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const sf_mode modes[4] = { SF_MODE_NATIVE, SF_MODE_COBS, SF_MODE_SLIP,
    SF_MODE_NATIVE };
  sf_mode mode;
  unsigned opts = 0;
  size_t buf_size, w;

  if (size < 2)
    return 0;
  mode = modes[data[0] & 3];
  if ((data[0] & 3) == 3)
    opts |= SF_OPT_START_SYNCED;
  if (data[0] & 4)
    opts |= SF_OPT_XONXOFF;
  buf_size = buf_sizes[(data[0] >> 3) & 7];

  fuzz_decoder (mode, opts, buf_size, 0x9E3779B9u ^ data[1], data + 2,
      size - 2);
  fuzz_round_trip (mode, opts & SF_OPT_XONXOFF, data + 2, size - 2);
  fuzz_v2_round_trip (data + 2, size - 2, data[1] & 1);
  fuzz_caps (data + 2, size - 2);
  /* The one-shot COBS decoder must not trip over anything either. */
  (void) sf_cobs_decode (data + 2, size - 2, rt_buf, sizeof (rt_buf), &w);
  return 0;
}
