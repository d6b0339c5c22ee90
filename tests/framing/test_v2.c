/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The version 2 header (docs/protocol.md, sections 2 to 11): varints,
 * fields, frames referred to, extensions, what receivers drop, and the
 * 16-bit sequence numbers. */

#include "sftest.h"

#define SEC UINT64_C (1000000000)
#define FPS30 UINT64_C (33333333)

/* Decodes a header from a heap block of exactly n bytes, so that a read
 * past the end shows under valgrind or ASan. */
static sf_result
decode (const uint8_t *in, size_t n, const sf_frame_ref *ref, sf_header *hdr)
{
  uint8_t *copy = sft_xmalloc (n);
  sf_result r;

  memcpy (copy, in, n);
  r = sf_header_decode (copy, n, ref, hdr);
  free (copy);
  return r;
}

static size_t
encode (const sf_header *hdr, const sf_frame_ref *ref, uint8_t *out)
{
  size_t len = 0;

  CHECK (sf_header_encode (hdr, ref, out, SF_HEADER_MAX, &len) == SF_OK);
  return len;
}

static int
same_fields (const sf_header *a, const sf_header *b)
{
  return a->version == b->version && a->type == b->type &&
      a->flags == b->flags && (a->seq & 0xFFFF) == (b->seq & 0xFFFF) &&
      a->pts == b->pts && a->dts == b->dts && a->duration == b->duration &&
      a->sender_time == b->sender_time && a->stream == b->stream &&
      a->frag_index == b->frag_index && a->frag_count == b->frag_count &&
      a->parity_count == b->parity_count && a->last_size == b->last_size &&
      a->caps_compact == b->caps_compact && a->unresolved == b->unresolved;
}

static size_t
varint_size (uint64_t v)
{
  size_t n = 1;

  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

static size_t
varint_put (uint8_t *p, uint64_t v)
{
  size_t n = 0;

  while (v >= 0x80) {
    p[n++] = (uint8_t) (v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t) v;
  return n;
}

/* --- Varints (section 2), through the PTS field ----------------------- */

/* A DATA header with an absolute PTS written as the given varint bytes. */
static size_t
pts_header (const uint8_t *varint, size_t n, uint8_t *out)
{
  static const uint8_t head[] = { 0x02, 0x02, 0x05, 0x00 };

  memcpy (out, head, sizeof (head));
  memcpy (out + sizeof (head), varint, n);
  return sizeof (head) + n;
}

static void
test_varint_sizes (void)
{
  uint8_t out[SF_HEADER_MAX];
  sf_header hdr, got;
  size_t len;
  unsigned k;

  for (k = 0; k <= 9; k++) {
    uint64_t edges[2], v;
    int e;

    edges[0] = k ? (UINT64_C (1) << (7 * k)) - 1 : 0;
    edges[1] = k < 9 ? UINT64_C (1) << (7 * k) : SF_TIME_NONE - 1;
    for (e = 0; e < 2; e++) {
      v = edges[e];
      sf_header_init (&hdr, SF_TYPE_DATA);
      hdr.pts = v;
      len = encode (&hdr, NULL, out);
      CHECK_MSG (len == 4 + varint_size (v), "pts %" PRIu64 ": %zu bytes", v,
          len);
      CHECK (decode (out, len, NULL, &got) == SF_OK && got.pts == v &&
          got.header_len == len);
    }
  }
  /* 127 is 7F, 128 is 80 01, 300 AC 02 (section 2). */
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.pts = 300;
  len = encode (&hdr, NULL, out);
  CHECK (len == 6 && out[4] == 0xAC && out[5] == 0x02);
  hdr.pts = SEC;
  len = encode (&hdr, NULL, out);
  CHECK (len == 9 && !memcmp (out + 4, "\x80\x94\xeb\xdc\x03", 5));
}

static void
test_varint_decoding (void)
{
  uint8_t varint[12], h[SF_HEADER_MAX];
  sf_header got;
  size_t n, len;

  /* Longer forms are read: 5 in 1 to 10 bytes. */
  for (n = 1; n <= 10; n++) {
    memset (varint, 0x80, n);
    varint[0] = 0x85;
    varint[n - 1] = n == 1 ? 0x05 : 0x00;
    len = pts_header (varint, n, h);
    CHECK_MSG (decode (h, len, NULL, &got) == SF_OK && got.pts == 5 &&
            got.header_len == len,
        "5 in %zu bytes", n);
  }
  /* Eleven bytes are too many, even for the value 0. */
  memset (varint, 0x80, 10);
  varint[10] = 0x00;
  len = pts_header (varint, 11, h);
  CHECK (decode (h, len, NULL, &got) == SF_ERR_MALFORMED);
  /* The tenth byte holds bit 63 only. */
  memset (varint, 0xFF, 9);
  varint[9] = 0x01;
  len = pts_header (varint, 10, h);
  CHECK (decode (h, len, NULL, &got) == SF_ERR_MALFORMED); /* 2^64 - 1 */
  varint[0] = 0xFE;
  len = pts_header (varint, 10, h);
  CHECK (decode (h, len, NULL, &got) == SF_OK && got.pts == SF_TIME_NONE - 1);
  varint[9] = 0x02;
  len = pts_header (varint, 10, h);
  CHECK (decode (h, len, NULL, &got) == SF_ERR_MALFORMED);
  /* Cut short anywhere. */
  memset (varint, 0x80, 10);
  varint[9] = 0x01;
  for (n = 1; n <= 10; n++) {
    len = pts_header (varint, n, h);
    CHECK_MSG (decode (h, len - (n == 10), NULL, &got) == SF_ERR_MALFORMED,
        "cut after %zu bytes", n);
  }
}

/* Fields have ranges: flags 16 bits, fragments 1 to 65535, streams (the
 * codec's choice, section 10 gives none) 32 bits. */
static void
test_varint_ranges (void)
{
  static const uint8_t flags[] = { 0x02, 0x01, 0, 0, 0x80, 0x80, 0x04 };
  static const uint8_t frag[] = { 0x12, 0x00, 0, 0, 0, 0x80, 0x80, 0x04 };
  static const uint8_t stream[] = { 0x02, 0x80, 0x01, 0, 0, 0x80, 0x80, 0x80,
    0x80, 0x10 };
  uint8_t h[16];
  sf_header got;

  CHECK (decode (flags, sizeof (flags), NULL, &got) == SF_ERR_MALFORMED);
  memcpy (h, flags, sizeof (flags));
  h[6] = 0x03;
  CHECK (
      decode (h, sizeof (flags), NULL, &got) == SF_OK && got.flags == 0xC000);
  CHECK (decode (frag, sizeof (frag), NULL, &got) == SF_ERR_MALFORMED);
  CHECK (decode (stream, sizeof (stream), NULL, &got) == SF_ERR_MALFORMED);
  memcpy (h, stream, sizeof (stream));
  memset (h + 5, 0xFF, 4);
  h[9] = 0x0F;
  CHECK (decode (h, sizeof (stream), NULL, &got) == SF_OK &&
      got.stream == UINT32_MAX);
}

/* --- Every type and optional field ----------------------------------- */

static void
set_optional (sf_header *hdr, unsigned mask, unsigned variant)
{
  if (mask & 1)
    hdr->stream = variant ? UINT32_MAX : 1;
  if (mask & 2)
    hdr->flags = variant ? SF_FLAGS_DEFINED : SF_FLAG_DELTA_UNIT;
  if (mask & 4)
    hdr->pts = variant ? SF_TIME_NONE - 1 : 5 * SEC;
  if (mask & 8) {
    /* the same as the PTS, before it, after it, or alone */
    static const int64_t offsets[] = { 0, -66666666, 33333333 };
    hdr->dts = hdr->pts == SF_TIME_NONE
        ? 7
        : hdr->pts + (uint64_t) offsets[variant % 3];
    if (hdr->pts == SF_TIME_NONE - 1 && variant % 3 == 2)
      hdr->dts = 0;
  }
  if (mask & 16)
    hdr->duration = variant ? 0 : FPS30;
  if (mask & 32)
    hdr->sender_time = variant ? 0 : UINT64_C (1700000000123456789);
}

/* What a receiver reads of a header it was sent: CAPS and EOS have no
 * flags and no times. */
static sf_header
expected (const sf_header *sent)
{
  sf_header want = *sent;

  if (sent->type == SF_TYPE_CAPS || sent->type == SF_TYPE_EOS) {
    want.flags = 0;
    want.pts = want.dts = want.duration = SF_TIME_NONE;
  }
  if (sent->type != SF_TYPE_FRAGMENT && sent->type != SF_TYPE_PARITY)
    want.frag_index = want.frag_count = 0;
  if (sent->type != SF_TYPE_PARITY) {
    want.parity_count = 0;
    want.last_size = 0;
  }
  if (sent->type != SF_TYPE_CAPS)
    want.caps_compact = 0;
  return want;
}

static void
test_fields_round_trip (void)
{
  static const uint8_t types[] = { SF_TYPE_DATA, SF_TYPE_FRAGMENT, SF_TYPE_CAPS,
    SF_TYPE_EOS, SF_TYPE_PARITY };
  uint8_t out[SF_HEADER_MAX];
  unsigned t, mask, variant, bad = 0, cases = 0;
  size_t len, longest = 0;
  sf_header hdr, got, want;

  for (t = 0; t < sizeof (types); t++) {
    for (mask = 0; mask < 64; mask++) {
      for (variant = 0; variant < 3; variant++) {
        sf_header_init (&hdr, types[t]);
        hdr.seq = 0xFFFF - variant;
        if (types[t] == SF_TYPE_FRAGMENT || types[t] == SF_TYPE_PARITY)
          hdr.frag_count = (uint16_t) (65535 - variant);
        hdr.frag_index = hdr.frag_count ? hdr.frag_count - 1 - variant : 0;
        if (types[t] == SF_TYPE_PARITY) {
          /* 512 blocks of 128 data and 128 parity pieces at most. */
          hdr.parity_count = (uint16_t) (65535 - variant);
          hdr.last_size = variant ? UINT32_MAX : 1;
        }
        hdr.caps_compact = types[t] == SF_TYPE_CAPS && variant;
        set_optional (&hdr, mask, variant);
        len = encode (&hdr, NULL, out);
        want = expected (&hdr);
        if (decode (out, len, NULL, &got) != SF_OK ||
            !same_fields (&got, &want) || got.header_len != len ||
            got.payload_len != 0)
          bad++;
        if (len > longest)
          longest = len;
        cases++;
      }
    }
  }
  CHECK_MSG (bad == 0, "%u of %u headers differ", bad, cases);
  /* The encoder writes no extension: its largest header is far below
   * the limit. */
  CHECK (longest < SF_HEADER_MAX / 2);
}

/* Whole packets: the header, the payload up to the CRC. */
static void
test_packets (void)
{
  uint8_t wire[SF_NATIVE_ENCODED_MAX (64)], pkt[sizeof (wire)];
  const uint8_t *payload;
  sf_header hdr, got;
  size_t w, n;

  sf_header_init (&hdr, SF_TYPE_FRAGMENT);
  hdr.frag_count = 9;
  hdr.frag_index = 8;
  set_optional (&hdr, 63, 1);
  CHECK (
      sf_encode_native (&hdr, "piece", 5, 0, wire, sizeof (wire), &w) == SF_OK);
  CHECK (sf_cobs_decode (wire, w - 1, pkt, sizeof (pkt), &n) == SF_OK);
  CHECK (sf_native_parse (pkt, n, NULL, &got, &payload) == SF_OK);
  hdr.payload_len = 5;
  CHECK (same_fields (&got, &hdr) && got.payload_len == 5 &&
      payload == pkt + got.header_len && !memcmp (payload, "piece", 5));
  CHECK (n == got.header_len + 5u + SF_CRC_SIZE);
  pkt[n - 1] ^= 0x80;
  CHECK (sf_native_parse (pkt, n, NULL, &got, &payload) == SF_ERR_CRC);
  CHECK (sf_native_parse (pkt, 7, NULL, &got, &payload) == SF_ERR_LENGTH);
  CHECK (sf_native_parse (NULL, n, NULL, &got, &payload) == SF_ERR_ARG);
}

/* --- Frames referred to (sections 6 and 7) ---------------------------- */

static void
frame_header (sf_header *hdr, uint8_t type, uint32_t seq, uint64_t pts,
    uint64_t duration)
{
  sf_header_init (hdr, type);
  hdr->seq = seq;
  hdr->pts = pts;
  hdr->duration = duration;
}

/* The sender's choice with two frames remembered, and the receiver's
 * reading with the same two. */
static void
test_frame_ref (void)
{
  uint8_t out[SF_HEADER_MAX];
  sf_frame_ref ref;
  sf_header a, b, c, got;
  size_t len;

  sf_frame_ref_init (&ref);
  CHECK (!ref.frame[0].valid && !ref.frame[1].valid);
  frame_header (&a, SF_TYPE_DATA, 10, SEC, FPS30);
  frame_header (&b, SF_TYPE_DATA, 11, SEC + FPS30, FPS30);
  sf_frame_ref_update (&ref, &a);
  sf_frame_ref_update (&ref, &b);
  CHECK (ref.frame[0].seq == 11 && ref.frame[1].seq == 10);

  /* Frame 12 follows 11: PTS predicted, duration the same. */
  frame_header (&c, SF_TYPE_DATA, 12, SEC + 2 * FPS30, FPS30);
  len = encode (&c, &ref, out);
  CHECK (len == 4 && out[1] == 0x44);
  CHECK (decode (out, len, &ref, &got) == SF_OK && same_fields (&got, &c));
  /* Frame 11 again (a repeat) refers to 10, the older of the two. */
  len = encode (&b, &ref, out);
  CHECK (len == 4 && decode (out, len, &ref, &got) == SF_OK &&
      same_fields (&got, &b));
  /* Frame 13 has no previous frame here: absolute. */
  c.seq = 13;
  CHECK (encode (&c, &ref, out) > 4);
  /* CAPS and EOS are no frames. */
  sf_header_init (&c, SF_TYPE_CAPS);
  c.seq = 12;
  sf_frame_ref_update (&ref, &c);
  c.type = SF_TYPE_EOS;
  sf_frame_ref_update (&ref, &c);
  CHECK (ref.frame[0].seq == 11 && ref.frame[1].seq == 10);
  /* A version 1 frame comes from another sender: everything is
   * forgotten. */
  frame_header (&c, SF_TYPE_DATA, 12, SEC + 2 * FPS30, FPS30);
  c.version = SF_VERSION_1;
  sf_frame_ref_update (&ref, &c);
  CHECK (!ref.frame[0].valid && !ref.frame[1].valid);
  sf_frame_ref_update (NULL, &c);
  sf_frame_ref_update (&ref, NULL);
  sf_frame_ref_init (NULL);
}

/* Every fragment of frame s refers to frame s - 1, also after the first
 * fragment of s has been remembered. */
static void
test_fragments_ref (void)
{
  uint8_t out[3][SF_HEADER_MAX];
  sf_frame_ref tx, rx;
  sf_header prev, frag, got;
  size_t len[3], i;

  sf_frame_ref_init (&tx);
  sf_frame_ref_init (&rx);
  frame_header (&prev, SF_TYPE_DATA, 0xFFFF, 3 * SEC, FPS30);
  sf_frame_ref_update (&tx, &prev);
  sf_frame_ref_update (&rx, &prev);
  for (i = 0; i < 3; i++) {
    frame_header (&frag, SF_TYPE_FRAGMENT, 0, 3 * SEC + FPS30, FPS30);
    frag.dts = 3 * SEC;
    frag.frag_index = (uint16_t) i;
    frag.frag_count = 3;
    len[i] = encode (&frag, &tx, out[i]);
    sf_frame_ref_update (&tx, &frag);
    /* The same header for every fragment but the index. */
    CHECK_EQ_U64 (len[i], 4 + 1 + 1 + 4);
    CHECK (i == 0 || !memcmp (out[i], out[0], 4));
    CHECK (decode (out[i], len[i], &rx, &got) == SF_OK &&
        same_fields (&got, &frag));
    sf_frame_ref_update (&rx, &got);
    /* The frame is remembered once, its predecessor kept. */
    CHECK (rx.frame[0].seq == 0 && rx.frame[1].seq == 0xFFFF);
  }
  /* Frame 1 refers to frame 0, whose times came with its fragments. */
  frame_header (&frag, SF_TYPE_DATA, 1, 3 * SEC + 2 * FPS30, FPS30);
  len[0] = encode (&frag, &tx, out[0]);
  CHECK (len[0] == 4 && decode (out[0], len[0], &rx, &got) == SF_OK &&
      same_fields (&got, &frag));
}

/* References are per stream (section 10). */
static void
test_streams_ref (void)
{
  uint8_t out[SF_HEADER_MAX];
  sf_frame_ref ref;
  sf_header a, b, got;
  size_t len;

  sf_frame_ref_init (&ref);
  frame_header (&a, SF_TYPE_DATA, 5, SEC, FPS30);
  a.stream = 1;
  frame_header (&b, SF_TYPE_DATA, 9, 2 * SEC, 40000000);
  sf_frame_ref_update (&ref, &a);
  sf_frame_ref_update (&ref, &b);
  frame_header (&a, SF_TYPE_DATA, 6, SEC + FPS30, FPS30);
  a.stream = 1;
  len = encode (&a, &ref, out);
  CHECK (decode (out, len, &ref, &got) == SF_OK && same_fields (&got, &a));
  /* Stream 2 has no frame 5: the same packet would be unresolved. */
  a.stream = 2;
  len = encode (&a, &ref, out);
  CHECK (len == 4 + 5 + 4 + 2);
  frame_header (&b, SF_TYPE_DATA, 10, 2 * SEC + 40000000, 40000000);
  len = encode (&b, &ref, out);
  CHECK (len == 4 && decode (out, len, &ref, &got) == SF_OK &&
      same_fields (&got, &b));
}

/* A receiver without the previous frame takes the times that refer to it
 * as unknown, never as wrong ones. */
static void
test_unresolved (void)
{
  uint8_t out[SF_HEADER_MAX];
  sf_frame_ref tx, rx;
  sf_header prev, hdr, got;
  size_t len;

  sf_frame_ref_init (&tx);
  frame_header (&prev, SF_TYPE_DATA, 20, SEC, FPS30);
  sf_frame_ref_update (&tx, &prev);
  /* PTS predicted, DTS the same, duration the same. */
  frame_header (&hdr, SF_TYPE_DATA, 21, SEC + FPS30, FPS30);
  hdr.dts = hdr.pts;
  hdr.sender_time = 42;
  len = encode (&hdr, &tx, out);
  CHECK (len == 4 + 1 + 8);
  CHECK (decode (out, len, NULL, &got) == SF_OK);
  CHECK (got.pts == SF_TIME_NONE && got.dts == SF_TIME_NONE &&
      got.duration == SF_TIME_NONE && got.sender_time == 42);
  CHECK (got.unresolved == (SF_UNRESOLVED_PTS | SF_UNRESOLVED_DURATION));
  /* Holding another frame (s - 2) is the same as holding none. */
  sf_frame_ref_init (&rx);
  prev.seq = 19;
  sf_frame_ref_update (&rx, &prev);
  CHECK (decode (out, len, &rx, &got) == SF_OK &&
      got.unresolved == (SF_UNRESOLVED_PTS | SF_UNRESOLVED_DURATION));
  /* A previous frame without a duration predicts nothing, but its PTS
   * resolves a difference. */
  sf_frame_ref_init (&rx);
  frame_header (&prev, SF_TYPE_DATA, 20, SEC, SF_TIME_NONE);
  sf_frame_ref_update (&rx, &prev);
  CHECK (decode (out, len, &rx, &got) == SF_OK &&
      got.unresolved == (SF_UNRESOLVED_PTS | SF_UNRESOLVED_DURATION));
  frame_header (&hdr, SF_TYPE_DATA, 21, SEC - FPS30, SF_TIME_NONE);
  hdr.dts = SEC - 3 * FPS30;
  len = encode (&hdr, &tx, out);
  CHECK ((out[1] & 0x06) == 0x06);
  CHECK (decode (out, len, &rx, &got) == SF_OK && same_fields (&got, &hdr));
  /* Without it the DTS, given as PTS minus, goes with the PTS. */
  CHECK (decode (out, len, NULL, &got) == SF_OK &&
      got.unresolved == SF_UNRESOLVED_PTS && got.dts == SF_TIME_NONE);
  /* An absolute DTS stays known. */
  hdr.dts = SEC + 5 * FPS30;
  len = encode (&hdr, &tx, out);
  CHECK (decode (out, len, NULL, &got) == SF_OK &&
      got.unresolved == SF_UNRESOLVED_PTS && got.dts == hdr.dts);
}

/* Through the decoder: a lost packet costs the times of the frames that
 * refer to it, until one carries absolute values. */
static void
test_loss (void)
{
  uint8_t wire[6][SF_NATIVE_ENCODED_MAX (4)],
      buf[SF_NATIVE_DECODE_BUFFER_SIZE (4)];
  size_t len[6], i, used;
  const sf_packet *pkt;
  sf_frame_ref tx;
  sf_encoder enc;
  sf_decoder dec;
  sf_header hdr;

  sf_frame_ref_init (&tx);
  for (i = 0; i < 6; i++) {
    frame_header (&hdr, SF_TYPE_DATA, (uint32_t) i, i * FPS30, FPS30);
    /* Frame 4 is a key frame: absolute values. */
    CHECK (sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, 0, &hdr,
               i == 4 ? NULL : &tx, wire[i], sizeof (wire[i])) == SF_OK);
    CHECK (sf_encoder_write (&enc, "data", 4) == SF_OK);
    CHECK (sf_encoder_finish (&enc, &len[i]) == SF_OK);
    sf_frame_ref_update (&tx, &hdr);
  }
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, SF_OPT_START_SYNCED, buf,
             sizeof (buf)) == SF_OK);
  for (i = 0; i < 6; i++) {
    if (i == 2)
      continue; /* lost */
    CHECK (sf_decoder_feed (&dec, wire[i], len[i], &used) == SF_DEC_PACKET);
    pkt = sf_decoder_packet (&dec);
    if (!CHECK (pkt != NULL))
      continue;
    if (i == 3) {
      CHECK (pkt->header.pts == SF_TIME_NONE &&
          pkt->header.duration == SF_TIME_NONE && pkt->header.unresolved);
    } else {
      CHECK_MSG (pkt->header.pts == i * FPS30 &&
              pkt->header.duration == FPS30 && !pkt->header.unresolved,
          "frame %zu", i);
    }
  }
  /* A resync forgets the frames. */
  sf_decoder_resync (&dec);
  CHECK (sf_decoder_feed (&dec, (const uint8_t *) "", 1, &used) ==
      SF_DEC_NEED_MORE);
  CHECK (sf_decoder_feed (&dec, wire[1], len[1], &used) == SF_DEC_PACKET &&
      sf_decoder_packet (&dec)->header.unresolved);
}

/* Two streams interleaved on one link, each sender with its own reference:
 * a receiver of stream 7 resolves every frame of it, however many frames of
 * stream 0 come between (they pushed its frames out of the two it
 * remembers: stream 7's times came out unknown). */
static void
test_decoder_stream (void)
{
  uint8_t wire[12][SF_NATIVE_ENCODED_MAX (4)],
      buf[SF_NATIVE_DECODE_BUFFER_SIZE (4)];
  size_t len[12], i, used;
  const sf_packet *pkt;
  sf_frame_ref tx[2];
  sf_encoder enc;
  sf_decoder dec;
  sf_header hdr;

  sf_frame_ref_init (&tx[0]);
  sf_frame_ref_init (&tx[1]);
  /* 7, 0, 0, 7, 0, 0, ...: stream 7's frame i / 3. */
  for (i = 0; i < 12; i++) {
    int seven = i % 3 == 0;
    uint32_t seq = (uint32_t) (seven ? i / 3 : i);

    frame_header (&hdr, SF_TYPE_DATA, seq, seq * FPS30, FPS30);
    hdr.stream = seven ? 7 : 0;
    CHECK (sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, 0, &hdr, &tx[seven],
               wire[i], sizeof (wire[i])) == SF_OK);
    CHECK (sf_encoder_write (&enc, "data", 4) == SF_OK);
    CHECK (sf_encoder_finish (&enc, &len[i]) == SF_OK);
    sf_frame_ref_update (&tx[seven], &hdr);
  }
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, SF_OPT_START_SYNCED, buf,
             sizeof (buf)) == SF_OK);
  CHECK (dec.stream == SF_DECODER_ALL_STREAMS);
  sf_decoder_set_stream (&dec, 7);
  for (i = 0; i < 12; i++) {
    CHECK (sf_decoder_feed (&dec, wire[i], len[i], &used) == SF_DEC_PACKET);
    pkt = sf_decoder_packet (&dec);
    if (!CHECK (pkt != NULL) || pkt->header.stream != 7)
      continue;
    CHECK_MSG (pkt->header.pts == (i / 3) * FPS30 &&
            pkt->header.duration == FPS30 && !pkt->header.unresolved,
        "stream 7, frame %zu", i / 3);
  }
  /* A resync keeps the stream. */
  sf_decoder_resync (&dec);
  CHECK (dec.stream == 7);
}

/* --- Extensions (section 10) ------------------------------------------ */

/* A DATA header with the extension bytes ext (L and records) and a
 * one-byte payload. */
static size_t
ext_header (const uint8_t *ext, size_t n, uint8_t *out)
{
  static const uint8_t head[] = { 0x02, 0x80, 0x04, 0x01, 0x00 };

  memcpy (out, head, sizeof (head));
  memcpy (out + sizeof (head), ext, n);
  out[sizeof (head) + n] = 'p';
  return sizeof (head) + n + 1;
}

static sf_result
decode_ext (const char *ext, size_t n, sf_header *got)
{
  uint8_t h[SF_HEADER_MAX + 16];
  size_t len = ext_header ((const uint8_t *) ext, n, h);

  return decode (h, len, NULL, got);
}

static void
test_extensions (void)
{
  uint8_t h[SF_HEADER_MAX + 16], ext[SF_HEADER_MAX];
  sf_header got;
  unsigned tag, bad = 0;
  size_t len, n;

  /* Every tag without bit 7 is skipped, every tag with it refused. */
  for (tag = 0; tag < 256; tag++) {
    uint8_t rec[] = { 4, (uint8_t) tag, 2, 0xAB, 0xCD };
    sf_result r;

    len = ext_header (rec, sizeof (rec), h);
    r = decode (h, len, NULL, &got);
    if (tag & 0x80 ? r != SF_ERR_UNSUPPORTED
                   : r != SF_OK || got.header_len != len - 1 ||
                got.payload_len != 1 || got.seq != 1)
      bad++;
  }
  CHECK_MSG (bad == 0, "%u tags misread", bad);
  CHECK (decode_ext ("\x00", 1, &got) == SF_OK && got.header_len == 6);
  CHECK (decode_ext ("\x05\x01\x00\x7f\x01\x00", 6, &got) == SF_OK);
  /* A critical record after a skipped one. */
  CHECK (
      decode_ext ("\x05\x01\x00\x80\x01\x00", 6, &got) == SF_ERR_UNSUPPORTED);
  /* Records that do not fill L exactly. */
  CHECK (decode_ext ("\x03\x01\x02\xaa\xbb", 5, &got) == SF_ERR_MALFORMED);
  CHECK (decode_ext ("\x05\x01\x02\xaa\xbb", 5, &got) == SF_ERR_MALFORMED);
  CHECK (decode_ext ("\x01\x01", 2, &got) == SF_ERR_MALFORMED);
  CHECK (decode_ext ("\x02\x01\x80", 3, &got) == SF_ERR_MALFORMED);
  /* L past the end of the packet: no byte after it is read. */
  CHECK (decode (h, ext_header ((const uint8_t *) "\x01", 1, h) - 1, NULL,
             &got) == SF_ERR_MALFORMED);
  CHECK (decode (h, ext_header ((const uint8_t *) "\x7f", 1, h), NULL, &got) ==
      SF_ERR_MALFORMED);
  /* A header of 128 bytes is the longest: L takes the rest of it. */
  n = SF_HEADER_MAX - 5 - 1;
  ext[0] = (uint8_t) n;
  ext[1] = 0x01;
  ext[2] = (uint8_t) (n - 2);
  memset (ext + 3, 0xEE, n - 1);
  len = ext_header (ext, n + 1, h);
  CHECK (
      decode (h, len, NULL, &got) == SF_OK && got.header_len == SF_HEADER_MAX);
  ext[0]++;
  ext[2]++;
  len = ext_header (ext, n + 2, h);
  CHECK (decode (h, len, NULL, &got) == SF_ERR_MALFORMED);
}

/* --- What receivers drop (section 16) --------------------------------- */

static sf_result
decode4 (uint8_t lead, uint8_t fields, uint8_t b2, uint8_t b3)
{
  uint8_t h[4];
  sf_header got;

  h[0] = lead;
  h[1] = fields;
  h[2] = b2;
  h[3] = b3;
  return decode (h, sizeof (h), NULL, &got);
}

static void
test_drop_reasons (void)
{
  unsigned bit, t, bad = 0;

  CHECK (decode4 (0x02, 0, 0, 0) == SF_OK);
  CHECK (decode4 (0x03, 0, 0, 0) == SF_ERR_VERSION);
  CHECK (decode4 (0x00, 0, 0, 0) == SF_ERR_VERSION);
  CHECK (decode4 (0x11, 0, 0, 0) == SF_ERR_VERSION);
  /* Reserved types, before their header: MORE set, seq cut short. */
  for (t = SF_TYPE_PARITY + 1; t < 16; t++)
    bad += !sft_is_control (t) &&
        decode4 ((uint8_t) (0x02 | t << 4), 0x80, 0, 0) != SF_ERR_TYPE;
  CHECK_MSG (bad == 0, "%u reserved types accepted", bad);
  /* Reserved bits of more, of CAPS and EOS fields, DURATION 3. */
  for (bit = 3; bit < 8; bit++)
    CHECK (
        decode4 (0x02, 0x80, (uint8_t) (1u << bit), 0) == SF_ERR_UNSUPPORTED);
  for (bit = 1; bit < 7; bit++)
    CHECK (decode4 (0x22, (uint8_t) (1u << bit), 0, 0) == SF_ERR_UNSUPPORTED);
  for (bit = 0; bit < 7; bit++)
    CHECK (decode4 (0x32, (uint8_t) (1u << bit), 0, 0) == SF_ERR_UNSUPPORTED);
  CHECK (decode4 (0x02, 0x60, 0, 0) == SF_ERR_UNSUPPORTED);
  CHECK (decode4 (0x12, 0x60, 0, 0) == SF_ERR_UNSUPPORTED);
  CHECK (decode4 (0x22, 0x01, 0, 0) == SF_OK);
  /* Not parsing. */
  CHECK (decode4 (0x02, 0x80, 0x00, 0) == SF_ERR_MALFORMED);
  CHECK (decode4 (0x02, 0x02, 0, 0) == SF_ERR_MALFORMED);
  CHECK (decode4 (0x12, 0, 0, 0) == SF_ERR_MALFORMED);
  {
    static const uint8_t index_3_of_3[] = { 0x12, 0, 0, 0, 3, 3 };
    static const uint8_t count_0[] = { 0x12, 0, 0, 0, 0, 0 };
    static const uint8_t dts_before_0[] = { 0x02, 0x12, 0, 0, 5, 6 };
    static const uint8_t dts_no_pts[] = { 0x02, 0x10, 0, 0, 0 };
    static const uint8_t dts_5_of_5[] = { 0x02, 0x12, 0, 0, 5, 5 };
    sf_header got;

    CHECK (decode (index_3_of_3, 6, NULL, &got) == SF_ERR_MALFORMED);
    CHECK (decode (count_0, 6, NULL, &got) == SF_ERR_MALFORMED);
    CHECK (decode (dts_before_0, 6, NULL, &got) == SF_ERR_MALFORMED);
    CHECK (decode (dts_no_pts, 5, NULL, &got) == SF_ERR_MALFORMED);
    CHECK (decode (dts_5_of_5, 6, NULL, &got) == SF_OK && got.dts == 0);
    CHECK (decode (dts_5_of_5, 3, NULL, &got) == SF_ERR_LENGTH);
    CHECK (sf_header_decode (NULL, 4, NULL, &got) == SF_ERR_ARG);
  }
}

/* The type rules on the payload, in whole packets. */
static void
test_payload_rules (void)
{
  uint8_t pkt[SF_CAPS_MAX + 16];
  const uint8_t *payload;
  sf_header got;
  uint32_t crc;
  struct {
    const char *header;
    size_t header_len, payload_len;
    sf_result want;
  } cases[] = {
    { "\x12\x00\x00\x00\x00\x02", 6, 0, SF_ERR_LENGTH }, /* empty piece */
    { "\x12\x00\x00\x00\x00\x02", 6, 1, SF_OK },
    /* PARITY p 0 of 1, n 1, last piece 2 bytes: the payload holds it */
    { "\x42\x00\x00\x00\x00\x01\x01\x02", 8, 2, SF_OK },
    { "\x42\x00\x00\x00\x00\x01\x01\x02", 8, 3, SF_OK },
    { "\x42\x00\x00\x00\x00\x01\x01\x02", 8, 1, SF_ERR_LENGTH },
    { "\x42\x00\x00\x00\x00\x01\x01\x02", 8, 0, SF_ERR_LENGTH },
    { "\x32\x00\x00\x00", 4, 1, SF_ERR_LENGTH },    /* EOS payload */
    { "\x22\x00\x00\x00", 4, 3, SF_ERR_MALFORMED }, /* NUL, plain */
    { "\x22\x01\x00\x00", 4, 3, SF_OK },            /* 00, compact */
    { "\x22\x00\x00\x00", 4, SF_CAPS_MAX + 1, SF_ERR_LENGTH },
    { "\x22\x01\x00\x00", 4, SF_CAPS_MAX + 1, SF_ERR_LENGTH },
  };
  size_t i, n;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    memcpy (pkt, cases[i].header, cases[i].header_len);
    memset (pkt + cases[i].header_len, 'c', cases[i].payload_len);
    if (cases[i].payload_len == 3)
      memcpy (pkt + cases[i].header_len, "\xfe\x01\x00", 3);
    n = cases[i].header_len + cases[i].payload_len;
    crc = sf_crc32c (0, pkt, n);
    pkt[n] = (uint8_t) crc;
    pkt[n + 1] = (uint8_t) (crc >> 8);
    pkt[n + 2] = (uint8_t) (crc >> 16);
    pkt[n + 3] = (uint8_t) (crc >> 24);
    CHECK_MSG (sf_native_parse (pkt, n + 4, NULL, &got, &payload) ==
            cases[i].want,
        "case %zu", i);
  }
}

/* The numbers of a PARITY header (section 8.1): what is out of range is
 * malformed, and the encoder refuses to write it. */
static void
test_parity_numbers (void)
{
  struct {
    uint32_t index, n, m, last;
    int valid;
  } cases[] = {
    { 0, 1, 1, 1, 1 }, { 0, 0, 1, 1, 0 }, /* no data pieces */
    { 0, 1, 0, 1, 0 },                    /* no parity pieces */
    { 1, 1, 1, 1, 0 },                    /* p >= M */
    { 0, 1, 1, 0, 0 },                    /* an empty last piece */
    { 127, 128, 128, 9, 1 },              /* one block of 256 */
    { 0, 128, 129, 9, 0 },                /* one block of 257 */
    { 2, 129, 4, 9, 1 },                  /* two blocks of 65 + 2 and 64 + 2 */
    { 2, 129, 382, 9, 1 },                /* block 0: 65 + 191 */
    { 2, 129, 383, 9, 0 },                /* block 0: 65 + 192 */
    { 0, 256, 256, 9, 1 },                /* two blocks of 128 + 128 */
    { 0, 256, 257, 9, 0 },                /* block 0: 128 + 129 */
  };
  uint8_t h[SF_HEADER_MAX];
  sf_header hdr, got;
  size_t i, len;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    sf_header_init (&hdr, SF_TYPE_PARITY);
    hdr.frag_index = (uint16_t) cases[i].index;
    hdr.frag_count = (uint16_t) cases[i].n;
    hdr.parity_count = (uint16_t) cases[i].m;
    hdr.last_size = cases[i].last;
    CHECK_MSG ((sf_header_encode (&hdr, NULL, h, sizeof (h), &len) == SF_OK) ==
            cases[i].valid,
        "case %zu encodes", i);
    /* The same numbers written by hand. */
    len = 0;
    h[len++] = 0x42;
    h[len++] = 0;
    h[len++] = 0;
    h[len++] = 0;
    len += varint_put (h + len, cases[i].index);
    len += varint_put (h + len, cases[i].n);
    len += varint_put (h + len, cases[i].m);
    len += varint_put (h + len, cases[i].last);
    CHECK_MSG (decode (h, len, NULL, &got) ==
            (cases[i].valid ? SF_OK : SF_ERR_MALFORMED),
        "case %zu decodes", i);
  }
}

/* --- Sequence numbers (section 11) ------------------------------------ */

static void
test_seq_tracker (void)
{
  sf_seq_tracker t;
  unsigned i;

  sf_seq_tracker_init (&t);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_CAPS, 0xFFFE) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 0xFFFE) == 0);
  /* 16 bits wrap. */
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 0xFFFF) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 0x0000) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 0x0003) == 2);
  /* The fragments of a frame count once, whichever arrive. */
  for (i = 0; i < 3; i++)
    CHECK (sft_seq_update (&t, 2, SF_TYPE_FRAGMENT, 4) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_FRAGMENT, 5) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_FRAGMENT, 5) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_FRAGMENT, 7) == 1);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 8) == 0);
  CHECK (t.lost == 3 && t.restarts == 0);
  /* CAPS and EOS carry the next frame's number. */
  CHECK (sft_seq_update (&t, 2, SF_TYPE_EOS, 9) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_EOS, 9) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 9) == 0);
  /* 2^15 - 1 ahead is a loss; 2^15 ahead, or behind, a restart. */
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 10 + 0x7FFF) == 0x7FFF);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA,
             (10 + 0x7FFF + 1 + 0x8000) & 0xFFFF) == 0);
  CHECK (t.restarts == 1);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 10) == 0);
  CHECK (t.restarts == 2);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 10) == 0);
  CHECK (t.restarts == 3 && t.lost == 3 + 0x7FFF);
  /* A change of version is a new sender, whatever the numbers say. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 500) == 0);
  CHECK (t.restarts == 4);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 503) == 2);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 504) == 0);
  CHECK (t.restarts == 5 && t.lost == 3 + 0x7FFF + 2);
  /* Reserved types are not counted. */
  CHECK (sft_seq_update (&t, 2, 6, 600) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 505) == 0);
  /* Parity follows its frame, whole or in fragments, with its number; a
   * frame whose data was lost is not lost while its parity comes. */
  CHECK (sft_seq_update (&t, 2, SF_TYPE_PARITY, 505) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_PARITY, 505) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_PARITY, 506) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_FRAGMENT, 507) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_PARITY, 507) == 0);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_PARITY, 509) == 1);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 510) == 0);
  CHECK (t.lost == 3 + 0x7FFF + 2 + 1);
}

int
main (void)
{
  test_varint_sizes ();
  test_varint_decoding ();
  test_varint_ranges ();
  test_fields_round_trip ();
  test_packets ();
  test_frame_ref ();
  test_fragments_ref ();
  test_parity_numbers ();
  test_streams_ref ();
  test_unresolved ();
  test_loss ();
  test_decoder_stream ();
  test_extensions ();
  test_drop_reasons ();
  test_payload_rules ();
  test_seq_tracker ();
  return sft_summary ();
}
