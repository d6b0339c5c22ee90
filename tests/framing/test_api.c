/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* API contract: argument checks, output bounds, header fields, helpers. */

#include "sftest.h"

/* The version 1 layout, which receivers still read. */
static void
test_header (void)
{
  sf_header a, b;
  uint8_t raw[SF_V1_HEADER_SIZE + 1];

  CHECK (sf_header_init (NULL, SF_TYPE_DATA) == SF_ERR_ARG);
  CHECK (sf_header_init (&a, SF_TYPE_CAPS) == SF_OK);
  CHECK (a.version == SF_VERSION && a.type == SF_TYPE_CAPS);
  CHECK (a.pts == SF_TIME_NONE && a.dts == SF_TIME_NONE &&
      a.duration == SF_TIME_NONE && a.sender_time == SF_TIME_NONE);
  CHECK (a.flags == 0 && a.seq == 0 && a.payload_len == 0);
  CHECK (a.stream == 0 && a.frag_index == 0 && a.frag_count == 0 &&
      a.caps_compact == 0 && a.unresolved == 0 && a.header_len == 0);

  a.version = SF_VERSION_1;
  a.type = SF_TYPE_DATA;
  a.flags = 0x0A5A;
  a.seq = 0x01020304u;
  a.pts = UINT64_C (0x1112131415161718);
  a.dts = UINT64_C (0x2122232425262728);
  a.duration = UINT64_C (0x3132333435363738);
  a.sender_time = UINT64_C (0x4142434445464748);
  a.payload_len = 0x51525354u;
  CHECK (sf_header_pack (&a, raw, SF_V1_HEADER_SIZE - 1) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_header_pack (NULL, raw, sizeof (raw)) == SF_ERR_ARG);
  CHECK (sf_header_pack (&a, NULL, sizeof (raw)) == SF_ERR_ARG);
  raw[SF_V1_HEADER_SIZE] = 0xEE;
  CHECK (sf_header_pack (&a, raw, sizeof (raw)) == SF_OK);
  CHECK (raw[SF_V1_HEADER_SIZE] == 0xEE);
  /* Little-endian at the documented offsets. */
  CHECK (raw[0] == 1 && raw[1] == 1 && raw[2] == 0x5A && raw[3] == 0x0A);
  CHECK (raw[4] == 0x04 && raw[7] == 0x01);
  CHECK (raw[8] == 0x18 && raw[15] == 0x11);
  CHECK (raw[16] == 0x28 && raw[23] == 0x21);
  CHECK (raw[24] == 0x38 && raw[31] == 0x31);
  CHECK (raw[32] == 0x48 && raw[39] == 0x41);
  CHECK (raw[40] == 0x54 && raw[43] == 0x51);

  memset (&b, 0, sizeof (b));
  CHECK (sf_header_unpack (raw, SF_V1_HEADER_SIZE - 1, &b) == SF_ERR_LENGTH);
  CHECK (sf_header_unpack (raw, SF_V1_HEADER_SIZE, &b) == SF_OK);
  a.header_len = SF_V1_HEADER_SIZE;
  CHECK (memcmp (&a, &b, sizeof (a)) == 0);
  raw[0] = 2;
  CHECK (sf_header_unpack (raw, SF_V1_HEADER_SIZE, &b) == SF_ERR_VERSION);
  CHECK (b.version == 2 && b.seq == a.seq);
  CHECK (sf_header_unpack (NULL, SF_V1_HEADER_SIZE, &b) == SF_ERR_ARG);

  /* Version 1 numbers its types from 1; the host from 0. */
  raw[0] = 1;
  a.type = SF_TYPE_EOS;
  CHECK (sf_header_pack (&a, raw, sizeof (raw)) == SF_OK && raw[1] == 3);
  a.type = SF_TYPE_CAPS;
  CHECK (sf_header_pack (&a, raw, sizeof (raw)) == SF_OK && raw[1] == 2);
  CHECK (sf_header_unpack (raw, SF_V1_HEADER_SIZE, &b) == SF_OK &&
      b.type == SF_TYPE_CAPS);
  a.type = 7;
  CHECK (sf_header_pack (&a, raw, sizeof (raw)) == SF_ERR_TYPE);
  /* Reserved version 1 types are read as no host type at all. */
  raw[1] = 4;
  CHECK (sf_header_unpack (raw, SF_V1_HEADER_SIZE, &b) == SF_OK &&
      b.type != SF_TYPE_DATA && b.type != SF_TYPE_FRAGMENT &&
      b.type != SF_TYPE_CAPS && b.type != SF_TYPE_EOS);
}

static sf_result
encode (const sf_header *hdr, const void *payload, size_t len)
{
  static uint8_t out[SF_NATIVE_ENCODED_MAX (SF_CAPS_MAX + 1)];
  size_t w = 123;
  sf_result r = sf_encode_native (hdr, payload, len, 0, out, sizeof (out), &w);

  /* Nothing is written on an error. */
  CHECK ((r == SF_OK) == (w > 0));
  return r;
}

static void
test_encoder_args (void)
{
  uint8_t out[SF_NATIVE_ENCODED_MAX (16)];
  size_t w = 123;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) == SF_OK);
  /* A 4-byte header, the payload and the CRC, COBS and the delimiter. */
  CHECK (w == 4 + 3 + SF_CRC_SIZE + 2);
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), NULL) ==
      SF_ERR_ARG);
  CHECK (sf_encode_native (NULL, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_ARG);
  CHECK (w == 0);
  CHECK (
      sf_encode_native (&hdr, NULL, 3, 0, out, sizeof (out), &w) == SF_ERR_ARG);
  CHECK (sf_encode_native (&hdr, NULL, 0, 0, out, sizeof (out), &w) == SF_OK);
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, NULL, sizeof (out), &w) ==
      SF_ERR_ARG);

  CHECK (sf_encode_cobs (NULL, 1, 0, out, sizeof (out), &w) == SF_ERR_ARG);
  CHECK (sf_encode_slip ("a", 1, 0, NULL, 4, &w) == SF_ERR_ARG);
  CHECK (sf_write_delimiter (SF_MODE_RAW, out, 1, &w) == SF_ERR_MODE);
  CHECK (sf_write_delimiter (SF_MODE_NATIVE, out, 0, &w) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_write_delimiter (SF_MODE_SLIP, out, 1, &w) == SF_OK);
  CHECK (w == 1 && out[0] == SF_SLIP_END);
  CHECK (sf_write_delimiter (SF_MODE_COBS, out, 1, &w) == SF_OK);
  CHECK (w == 1 && out[0] == 0);
}

/* What senders must not send (docs/protocol.md, sections 4 to 9). */
static void
test_encoder_rules (void)
{
  static char caps[SF_CAPS_MAX + 1];
  sf_header hdr;
  uint8_t t;

  memset (caps, 'c', sizeof (caps));
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.version = 3;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_VERSION);
  hdr.version = 0;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_VERSION);
  hdr.version = SF_VERSION;
  hdr.flags = 0x8000;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_ARG);
  hdr.flags = SF_FLAGS_DEFINED;
  CHECK (encode (&hdr, "abc", 3) == SF_OK);
  /* Reserved types; control packets are test_control.c's. */
  for (t = SF_TYPE_PARITY + 1; t <= SF_TYPE_MAX + 1; t++) {
    hdr.type = t;
    if (!sft_is_control (t))
      CHECK_MSG (encode (&hdr, "abc", 3) == SF_ERR_TYPE, "type %u", t);
  }

  hdr.type = SF_TYPE_EOS;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_LENGTH);
  CHECK (encode (&hdr, NULL, 0) == SF_OK);

  /* CAPS: at most 4096 bytes, plain or compact; a plain one without NUL,
   * a compact one may carry 00 in a hex run. */
  hdr.type = SF_TYPE_CAPS;
  CHECK (encode (&hdr, "a\0c", 3) == SF_ERR_ARG);
  CHECK (encode (&hdr, "abc", 3) == SF_OK);
  CHECK (encode (&hdr, caps, SF_CAPS_MAX) == SF_OK);
  CHECK (encode (&hdr, caps, SF_CAPS_MAX + 1) == SF_ERR_LENGTH);
  hdr.caps_compact = 1;
  CHECK (encode (&hdr, "\xfe\x01\x00", 3) == SF_OK);
  CHECK (encode (&hdr, caps, SF_CAPS_MAX) == SF_OK);
  CHECK (encode (&hdr, caps, SF_CAPS_MAX + 1) == SF_ERR_LENGTH);

  /* FRAGMENT: one piece, never empty, of a frame of 1 to 65535 pieces. */
  hdr.type = SF_TYPE_FRAGMENT;
  hdr.frag_count = 0;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_ARG);
  hdr.frag_count = 2;
  hdr.frag_index = 2;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_ARG);
  hdr.frag_index = 1;
  CHECK (encode (&hdr, "abc", 3) == SF_OK);
  CHECK (encode (&hdr, NULL, 0) == SF_ERR_LENGTH);

  /* Version 1 has neither fragments nor compact caps. */
  hdr.version = SF_VERSION_1;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_TYPE);
  hdr.type = SF_TYPE_CAPS;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_ARG);
  hdr.caps_compact = 0;
  CHECK (encode (&hdr, "abc", 3) == SF_OK);
  CHECK (encode (&hdr, caps, SF_CAPS_MAX + 1) == SF_ERR_LENGTH);
  hdr.type = SF_TYPE_EOS;
  CHECK (encode (&hdr, "abc", 3) == SF_ERR_LENGTH);
}

/* Every encoder fails cleanly with any buffer shorter than its output and
 * never writes past the size it was given. */
static void
test_output_bounds (void)
{
  /* Native three times: the smallest version 2 header, the largest, and
   * version 1. */
  static const sf_mode modes[] = { SF_MODE_NATIVE, SF_MODE_NATIVE,
    SF_MODE_NATIVE, SF_MODE_COBS, SF_MODE_SLIP };
  uint8_t payload[600];
  uint8_t out[SF_ENCODED_MAX_ANY (600) + 16];
  uint64_t rng = 3;
  size_t m, o, size, need, w, bad = 0, lens[] = { 0, 1, 254, 600 }, l;
  sf_header hdrs[5];

  sft_fill_random (&rng, payload, sizeof (payload));
  memset (payload + 300, 0x11, 40);
  memset (payload + 400, 0xC0, 40);
  for (m = 0; m < 5; m++)
    sf_header_init (&hdrs[m], SF_TYPE_DATA);
  hdrs[1].stream = UINT32_MAX;
  hdrs[1].flags = SF_FLAGS_DEFINED;
  hdrs[1].pts = SF_TIME_NONE - 1;
  hdrs[1].dts = 1;
  hdrs[1].duration = SF_TIME_NONE - 1;
  hdrs[1].sender_time = 0x1111111111111111u;
  hdrs[2] = hdrs[1];
  hdrs[2].version = SF_VERSION_1;
  for (m = 0; m < 5; m++) {
    for (o = 0; o < 2; o++) {
      for (l = 0; l < 4; l++) {
        unsigned opts = o ? SF_OPT_XONXOFF : 0;
        sf_result r;

#define ENCODE(sz)                                                             \
  (modes[m] == SF_MODE_NATIVE                                                  \
          ? sf_encode_native (&hdrs[m], payload, lens[l], opts, out, (sz), &w) \
          : modes[m] == SF_MODE_COBS                                           \
          ? sf_encode_cobs (payload, lens[l], opts, out, (sz), &w)             \
          : sf_encode_slip (payload, lens[l], opts, out, (sz), &w))
        r = ENCODE (sizeof (out));
        CHECK (r == SF_OK);
        need = w;
        CHECK (need <= sf_encoded_max (modes[m], opts, lens[l]));
        for (size = 0; size < need; size++) {
          memset (out, 0x5A, sizeof (out));
          r = ENCODE (size);
          if (r != SF_ERR_OUTPUT_FULL || w != 0 || out[size] != 0x5A)
            bad++;
        }
        r = ENCODE (need);
        if (r != SF_OK || w != need)
          bad++;
#undef ENCODE
      }
    }
  }
  CHECK_MSG (bad == 0, "%zu bound violations", bad);
}

static void
test_incremental_rules (void)
{
  static char caps[SF_CAPS_MAX + 1];
  static uint8_t out[SF_NATIVE_ENCODED_MAX (SF_CAPS_MAX + 1)];
  sf_encoder enc;
  sf_header hdr;
  size_t w;

  /* Version 1 announces the payload's length: it must be kept. */
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.version = SF_VERSION_1;
  hdr.payload_len = 4;
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "ab", 2) == SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_ERR_LENGTH);
  /* Errors are sticky. */
  CHECK (sf_encoder_write (&enc, "cd", 2) == SF_ERR_LENGTH);

  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "abcde", 5) == SF_ERR_LENGTH);

  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "ab", 2) == SF_OK);
  CHECK (sf_encoder_write (&enc, NULL, 0) == SF_OK);
  CHECK (sf_encoder_write (&enc, "cd", 2) == SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_ERR_STATE);
  CHECK (sf_encoder_write (&enc, "x", 1) == SF_ERR_STATE);

  CHECK (sf_encoder_begin (&enc, SF_MODE_RAW, 0, NULL, out, sizeof (out)) ==
      SF_ERR_MODE);
  CHECK (sf_encoder_write (&enc, "x", 1) == SF_ERR_MODE);
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, NULL, out, sizeof (out)) ==
      SF_ERR_ARG);
  CHECK (sf_encoder_begin (NULL, SF_MODE_COBS, 0, NULL, out, 4) == SF_ERR_ARG);
  hdr.type = SF_TYPE_CAPS;
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "a\0", 2) == SF_ERR_ARG);

  /* Version 2 has no length field: payload_len is not looked at. */
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.payload_len = 4;
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "abcdefgh", 8) == SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_OK);
  /* Type rules as the bytes come: an EOS takes none, a fragment at least
   * one, caps at most 4096 in any number of pieces. */
  hdr.type = SF_TYPE_EOS;
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "x", 1) == SF_ERR_LENGTH);
  hdr.type = SF_TYPE_FRAGMENT;
  hdr.frag_count = 3;
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_ERR_LENGTH);
  hdr.type = SF_TYPE_CAPS;
  hdr.caps_compact = 1;
  memset (caps, 'c', sizeof (caps));
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "\xfe\x01\x00", 3) == SF_OK);
  CHECK (sf_encoder_write (&enc, caps, SF_CAPS_MAX - 3) == SF_OK);
  CHECK (sf_encoder_write (&enc, caps, 1) == SF_ERR_LENGTH);
}

static void
test_cobs_helpers (void)
{
  uint8_t out[16];
  size_t w;

  CHECK (sf_cobs_decode ((const uint8_t *) "\x03\x11\x22\x02\x33", 5, out,
             sizeof (out), &w) == SF_OK);
  CHECK (w == 4 && !memcmp (out, "\x11\x22\x00\x33", 4));
  CHECK (sf_cobs_decode ((const uint8_t *) "\x03\x11\x00", 3, out, sizeof (out),
             &w) == SF_ERR_MALFORMED);
  CHECK (sf_cobs_decode ((const uint8_t *) "\x05\x11", 2, out, sizeof (out),
             &w) == SF_ERR_MALFORMED);
  CHECK (sf_cobs_decode ((const uint8_t *) "\x00", 1, out, sizeof (out), &w) ==
      SF_ERR_MALFORMED);
  CHECK (sf_cobs_decode ((const uint8_t *) "", 0, out, sizeof (out), &w) ==
      SF_ERR_MALFORMED);
  CHECK (sf_cobs_decode ((const uint8_t *) "\x03\x11\x22\x02\x33", 5, out, 3,
             &w) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_cobs_decode ((const uint8_t *) "\x01", 1, out, 0, &w) == SF_OK);
  CHECK (w == 0);
  CHECK (sf_cobs_encode ("", 0, out, 0, &w) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_cobs_encode ("", 0, out, 1, &w) == SF_OK && w == 1 && out[0] == 1);
}

static void
test_decoder_api (void)
{
  uint8_t buf[SF_NATIVE_OVERHEAD + 40], wire[SF_NATIVE_ENCODED_MAX (40)];
  sf_decoder dec;
  sf_header hdr;
  size_t used, w;
  sf_result r;
  const sf_packet *pkt;

  CHECK (sf_decoder_init (NULL, SF_MODE_NATIVE, 0, buf, sizeof (buf)) ==
      SF_ERR_ARG);
  CHECK (
      sf_decoder_init (&dec, SF_MODE_RAW, 0, buf, sizeof (buf)) == SF_ERR_MODE);
  CHECK (
      sf_decoder_init (&dec, (sf_mode) 9, 0, buf, sizeof (buf)) == SF_ERR_ARG);
  /* The smallest version 2 packet is 8 bytes. */
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, 7) == SF_ERR_ARG);
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, 8) == SF_OK);
  CHECK (sf_decoder_init (&dec, SF_MODE_COBS, 0, NULL, 4) == SF_ERR_ARG);
  CHECK (sf_decoder_init (&dec, SF_MODE_COBS,
             SF_OPT_START_SYNCED | SF_OPT_START_HUNTING, buf,
             sizeof (buf)) == SF_ERR_ARG);
  CHECK (sf_decoder_feed (&dec, buf, 1, &used) == SF_ERR_ARG);

  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, sizeof (buf)) == SF_OK);
  CHECK (sf_decoder_state (&dec) == SF_DEC_STATE_HUNT);
  CHECK (!strcmp (sf_dec_state_name (sf_decoder_state (&dec)), "hunt"));
  CHECK (sf_decoder_feed (&dec, NULL, 1, &used) == SF_ERR_ARG);
  CHECK (sf_decoder_feed (&dec, buf, 1, NULL) == SF_ERR_ARG);
  CHECK (sf_decoder_feed (&dec, NULL, 0, &used) == SF_DEC_NEED_MORE);
  CHECK (sf_decoder_packet (&dec) == NULL);

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.seq = 77;
  memset (buf, 'p', 40);
  CHECK (sf_encode_native (&hdr, buf, 40, 0, wire, sizeof (wire), &w) == SF_OK);
  /* Two packets in one chunk: the first comes back with consumed short. */
  {
    uint8_t two[2 * sizeof (wire) + 1];
    two[0] = 0;
    memcpy (two + 1, wire, w);
    memcpy (two + 1 + w, wire, w);
    r = sf_decoder_feed (&dec, two, 1 + 2 * w, &used);
    CHECK (r == SF_DEC_PACKET && used == 1 + w);
    pkt = sf_decoder_packet (&dec);
    CHECK (pkt && pkt->header.type == SF_TYPE_DATA && pkt->header.seq == 77 &&
        pkt->payload_len == 40 && pkt->header.header_len == 4);
    r = sf_decoder_feed (&dec, two + used, 1 + 2 * w - used, &used);
    CHECK (r == SF_DEC_PACKET && used == w);
    CHECK (sf_decoder_get_stats (&dec)->packets == 2);
    sf_decoder_reset_stats (&dec);
    CHECK (sf_decoder_get_stats (&dec)->packets == 0);
  }

  /* Swapping buffers: between packets, and in the middle of one. */
  {
    uint8_t other[sizeof (buf)], small[SF_NATIVE_OVERHEAD];
    uint8_t stream[1 + sizeof (wire)];

    CHECK (
        sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, sizeof (buf)) == SF_OK);
    stream[0] = 0;
    memcpy (stream + 1, wire, w);
    CHECK (sf_decoder_feed (&dec, stream, 20, &used) == SF_DEC_NEED_MORE);
    CHECK (sf_decoder_set_buffer (&dec, small, 7) == SF_ERR_ARG);
    CHECK (sf_decoder_set_buffer (&dec, small, 10) == SF_ERR_OUTPUT_FULL);
    CHECK (sf_decoder_set_buffer (&dec, other, sizeof (other)) == SF_OK);
    CHECK (sf_decoder_feed (&dec, stream + 20, w + 1 - 20, &used) ==
        SF_DEC_PACKET);
    pkt = sf_decoder_packet (&dec);
    CHECK (pkt && pkt->header.seq == 77);
    CHECK (
        pkt && pkt->payload >= other && pkt->payload < other + sizeof (other));
    CHECK (sf_decoder_set_buffer (&dec, small, sizeof (small)) == SF_OK);
    CHECK (sf_decoder_packet (&dec) == NULL);
    CHECK (sf_decoder_feed (&dec, wire, w, &used) == SF_DEC_PACKET);
    CHECK (sf_decoder_get_stats (&dec)->packets == 2);
    CHECK (sf_decoder_feed (&dec, wire, 30, &used) == SF_DEC_NEED_MORE);
    CHECK (sf_decoder_set_buffer (&dec, other, 48) == SF_OK);
    CHECK (sf_decoder_set_buffer (NULL, other, 48) == SF_ERR_ARG);
  }

  /* The start options. */
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, SF_OPT_START_SYNCED, buf,
             sizeof (buf)) == SF_OK);
  CHECK (sf_decoder_feed (&dec, wire, w, &used) == SF_DEC_PACKET);
  CHECK (sf_decoder_init (&dec, SF_MODE_COBS, SF_OPT_START_HUNTING, buf,
             sizeof (buf)) == SF_OK);
  CHECK (sf_decoder_state (&dec) == SF_DEC_STATE_HUNT);
  CHECK (sf_decoder_init (&dec, SF_MODE_SLIP, 0, buf, sizeof (buf)) == SF_OK);
  CHECK (sf_decoder_state (&dec) == SF_DEC_STATE_SLIP_DATA);
}

/* Version 1: 32-bit frame numbers. */
static void
test_seq_tracker (void)
{
  sf_seq_tracker t;

  sf_seq_tracker_init (&t);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_CAPS, 10) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 10) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 11) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 14) == 2);
  /* CAPS carries the next DATA seq without advancing it. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_CAPS, 15) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 15) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_EOS, 18) == 2);
  CHECK (t.lost == 4);
  /* Far behind: a restart. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 0xFFFFFFFFu) == 0);
  CHECK (t.restarts == 1);
  /* Wrap-around. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 1) == 1);
  /* A restarted sender. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 0) == 0);
  CHECK (t.restarts == 2 && t.lost == 5);
  /* 2^31 - 1 ahead is a loss, 2^31 a restart. */
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 0x80000000u) == 0x7FFFFFFFu);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 0x00000001u) == 0);
  CHECK (t.restarts == 3);
  /* Unknown types are ignored. */
  CHECK (sft_seq_update (&t, 1, 0x40, 1000) == 0);
  CHECK (sft_seq_update (&t, 1, SF_TYPE_DATA, 2) == 0);
  CHECK (sf_seq_tracker_update (NULL, NULL) == 0);
}

static void
test_names_and_sizes (void)
{
  CHECK (!strcmp (sf_result_name (SF_DEC_PACKET), "packet"));
  CHECK (!strcmp (sf_result_name (SF_ERR_CRC), "crc-mismatch"));
  CHECK (!strcmp (sf_result_name ((sf_result) 99), "unknown"));
  CHECK (!strcmp (sf_mode_name (SF_MODE_SLIP), "slip"));
  CHECK (!strcmp (sf_result_name (SF_ERR_UNSUPPORTED), "unsupported"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_DATA), "DATA"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_FRAGMENT), "FRAGMENT"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_CAPS), "CAPS"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_EOS), "EOS"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_NACK), "NACK"));
  CHECK (!strcmp (sf_type_name (0xC), "CONTROL"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_PARITY), "PARITY"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_SKIP), "SKIP"));
  CHECK (!strcmp (sf_type_name (0x6), "RESERVED"));
  CHECK (!strcmp (sf_type_name (0xF), "RESERVED"));
  CHECK (!strcmp (sf_type_name (0x99), "RESERVED"));
  CHECK (!strcmp (sf_dec_state_name (SF_DEC_STATE_COUNT), "unknown"));
  CHECK (!strcmp (sf_dec_state_names[SF_DEC_STATE_DISCARD], "discard"));

  CHECK (SF_COBS_MAX (0) == 1);
  CHECK (SF_COBS_MAX (254) == 256);
  CHECK (SF_NATIVE_ENCODED_MAX (0) == SF_NATIVE_OVERHEAD + 2);
  CHECK (sf_encoded_max (SF_MODE_RAW, 0, 10) == 0);
  CHECK (sf_encoded_max (SF_MODE_NATIVE, 0, SIZE_MAX) == 0);
  CHECK (sf_encoded_max (SF_MODE_SLIP, SF_OPT_XONXOFF, 10) == 22);
  CHECK (sf_decode_buffer_size (SF_MODE_NATIVE, 100) == 100 + 128 + 4);
  CHECK (sf_decode_buffer_size (SF_MODE_SLIP, 100) == 100);
  CHECK (sf_decode_buffer_size (SF_MODE_RAW, 100) == 0);
  CHECK (sf_decode_buffer_size (SF_MODE_NATIVE, SIZE_MAX) == 0);
}

/* After sf_decoder_restart () the next byte starts a packet: a packet with
 * no delimiter before it is delivered, a tail of one is counted, never
 * delivered. */
static void
test_decoder_restart (void)
{
  uint8_t wire[256], buf[256];
  const uint8_t *data;
  size_t len = 0, consumed, left;
  sf_decoder dec;
  sf_header hdr;
  sf_result r = SF_DEC_NEED_MORE;

  sf_header_init (&hdr, SF_TYPE_DATA);
  CHECK (sf_encode_native (&hdr, "restart", 7, 0, wire, sizeof (wire), &len) ==
      SF_OK);
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, sizeof (buf)) == SF_OK);

  /* Half a packet, then the link restarts with a whole packet. */
  CHECK (sf_decoder_feed (&dec, wire, len / 2, &consumed) == SF_DEC_NEED_MORE);
  sf_decoder_restart (&dec);
  data = wire;
  left = len;
  while (left > 0 &&
      (r = sf_decoder_feed (&dec, data, left, &consumed)) != SF_DEC_PACKET) {
    data += consumed;
    left -= consumed;
  }
  CHECK (r == SF_DEC_PACKET);
  CHECK (sf_decoder_packet (&dec)->payload_len == 7);
  CHECK (memcmp (sf_decoder_packet (&dec)->payload, "restart", 7) == 0);

  /* A restart that lands on a packet's tail: counted, not delivered. */
  sf_decoder_restart (&dec);
  CHECK (sf_decoder_feed (&dec, wire + len / 2, len - len / 2, &consumed) ==
      SF_DEC_NEED_MORE);
  CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->packets, 1);
  CHECK (sf_decoder_get_stats (&dec)->crc_errors +
          sf_decoder_get_stats (&dec)->malformed ==
      1);
}

int
main (void)
{
  test_header ();
  test_encoder_args ();
  test_encoder_rules ();
  test_output_bounds ();
  test_incremental_rules ();
  test_cobs_helpers ();
  test_decoder_api ();
  test_decoder_restart ();
  test_seq_tracker ();
  test_names_and_sizes ();
  return sft_summary ();
}
