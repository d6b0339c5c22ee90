/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* API contract: argument checks, output bounds, header fields, helpers. */

#include "sftest.h"

static void
test_header (void)
{
  sf_header a, b;
  uint8_t raw[SF_HEADER_SIZE + 1];

  CHECK (sf_header_init (NULL, SF_TYPE_DATA) == SF_ERR_ARG);
  CHECK (sf_header_init (&a, SF_TYPE_CAPS) == SF_OK);
  CHECK (a.version == SF_VERSION && a.type == SF_TYPE_CAPS);
  CHECK (a.pts == SF_TIME_NONE && a.dts == SF_TIME_NONE &&
      a.duration == SF_TIME_NONE && a.sender_time == SF_TIME_NONE);
  CHECK (a.flags == 0 && a.seq == 0 && a.payload_len == 0);

  a.type = SF_TYPE_DATA;
  a.flags = 0x0A5A;
  a.seq = 0x01020304u;
  a.pts = UINT64_C (0x1112131415161718);
  a.dts = UINT64_C (0x2122232425262728);
  a.duration = UINT64_C (0x3132333435363738);
  a.sender_time = UINT64_C (0x4142434445464748);
  a.payload_len = 0x51525354u;
  CHECK (sf_header_pack (&a, raw, SF_HEADER_SIZE - 1) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_header_pack (NULL, raw, sizeof (raw)) == SF_ERR_ARG);
  CHECK (sf_header_pack (&a, NULL, sizeof (raw)) == SF_ERR_ARG);
  raw[SF_HEADER_SIZE] = 0xEE;
  CHECK (sf_header_pack (&a, raw, sizeof (raw)) == SF_OK);
  CHECK (raw[SF_HEADER_SIZE] == 0xEE);
  /* Little-endian at the documented offsets. */
  CHECK (raw[0] == 1 && raw[1] == 1 && raw[2] == 0x5A && raw[3] == 0x0A);
  CHECK (raw[4] == 0x04 && raw[7] == 0x01);
  CHECK (raw[8] == 0x18 && raw[15] == 0x11);
  CHECK (raw[16] == 0x28 && raw[23] == 0x21);
  CHECK (raw[24] == 0x38 && raw[31] == 0x31);
  CHECK (raw[32] == 0x48 && raw[39] == 0x41);
  CHECK (raw[40] == 0x54 && raw[43] == 0x51);

  memset (&b, 0, sizeof (b));
  CHECK (sf_header_unpack (raw, SF_HEADER_SIZE - 1, &b) == SF_ERR_LENGTH);
  CHECK (sf_header_unpack (raw, SF_HEADER_SIZE, &b) == SF_OK);
  CHECK (memcmp (&a, &b, sizeof (a)) == 0);
  raw[0] = 2;
  CHECK (sf_header_unpack (raw, SF_HEADER_SIZE, &b) == SF_ERR_VERSION);
  CHECK (b.version == 2 && b.seq == a.seq);
  CHECK (sf_header_unpack (NULL, SF_HEADER_SIZE, &b) == SF_ERR_ARG);
}

static void
test_encoder_rules (void)
{
  uint8_t out[SF_NATIVE_ENCODED_MAX (16)];
  size_t w = 123;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) == SF_OK);
  CHECK (w > 3 + SF_NATIVE_OVERHEAD);
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
  hdr.version = 2;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_VERSION);
  hdr.version = SF_VERSION;
  hdr.flags = 0x8000;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_ARG);
  hdr.flags = SF_FLAGS_DEFINED;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) == SF_OK);
  hdr.type = SF_TYPE_DATA_FRAGMENT;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_TYPE);
  hdr.type = 0;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_TYPE);
  hdr.type = SF_TYPE_EOS;
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_LENGTH);
  CHECK (sf_encode_native (&hdr, NULL, 0, 0, out, sizeof (out), &w) == SF_OK);
  hdr.type = SF_TYPE_CAPS;
  CHECK (sf_encode_native (&hdr, "a\0c", 3, 0, out, sizeof (out), &w) ==
      SF_ERR_ARG);
  CHECK (sf_encode_native (&hdr, "abc", 3, 0, out, sizeof (out), &w) == SF_OK);

  CHECK (sf_encode_cobs (NULL, 1, 0, out, sizeof (out), &w) == SF_ERR_ARG);
  CHECK (sf_encode_slip ("a", 1, 0, NULL, 4, &w) == SF_ERR_ARG);
  CHECK (sf_write_delimiter (SF_MODE_RAW, out, 1, &w) == SF_ERR_MODE);
  CHECK (sf_write_delimiter (SF_MODE_NATIVE, out, 0, &w) == SF_ERR_OUTPUT_FULL);
  CHECK (sf_write_delimiter (SF_MODE_SLIP, out, 1, &w) == SF_OK);
  CHECK (w == 1 && out[0] == SF_SLIP_END);
  CHECK (sf_write_delimiter (SF_MODE_COBS, out, 1, &w) == SF_OK);
  CHECK (w == 1 && out[0] == 0);
}

/* Every encoder fails cleanly with any buffer shorter than its output and
 * never writes past the size it was given. */
static void
test_output_bounds (void)
{
  static const sf_mode modes[] = { SF_MODE_NATIVE, SF_MODE_COBS, SF_MODE_SLIP };
  uint8_t payload[600];
  uint8_t out[SF_ENCODED_MAX_ANY (600) + 16];
  uint64_t rng = 3;
  size_t m, o, size, need, w, bad = 0, lens[] = { 0, 1, 254, 600 }, l;
  sf_header hdr;

  sft_fill_random (&rng, payload, sizeof (payload));
  memset (payload + 300, 0x11, 40);
  memset (payload + 400, 0xC0, 40);
  sf_header_init (&hdr, SF_TYPE_DATA);
  for (m = 0; m < 3; m++) {
    for (o = 0; o < 2; o++) {
      for (l = 0; l < 4; l++) {
        unsigned opts = o ? SF_OPT_XONXOFF : 0;
        sf_result r;

#define ENCODE(sz)                                                             \
  (modes[m] == SF_MODE_NATIVE                                                  \
          ? sf_encode_native (&hdr, payload, lens[l], opts, out, (sz), &w)     \
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
  uint8_t out[SF_NATIVE_ENCODED_MAX (16)];
  sf_encoder enc;
  sf_header hdr;
  size_t w;

  sf_header_init (&hdr, SF_TYPE_DATA);
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
  uint8_t buf[SF_NATIVE_OVERHEAD + 8], wire[SF_NATIVE_ENCODED_MAX (8)];
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
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf,
             SF_NATIVE_OVERHEAD - 1) == SF_ERR_ARG);
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

  sf_header_init (&hdr, SF_TYPE_EOS);
  hdr.seq = 77;
  CHECK (sf_encode_native (&hdr, NULL, 0, 0, wire, sizeof (wire), &w) == SF_OK);
  /* Two packets in one chunk: the first comes back with consumed short. */
  {
    uint8_t two[2 * sizeof (wire) + 1];
    two[0] = 0;
    memcpy (two + 1, wire, w);
    memcpy (two + 1 + w, wire, w);
    r = sf_decoder_feed (&dec, two, 1 + 2 * w, &used);
    CHECK (r == SF_DEC_PACKET && used == 1 + w);
    pkt = sf_decoder_packet (&dec);
    CHECK (pkt && pkt->header.type == SF_TYPE_EOS && pkt->header.seq == 77 &&
        pkt->payload_len == 0);
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
    CHECK (sf_decoder_set_buffer (&dec, small, 10) == SF_ERR_ARG);
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

static void
test_seq_tracker (void)
{
  sf_seq_tracker t;

  sf_seq_tracker_init (&t);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_CAPS, 10) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 10) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 11) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 14) == 2);
  /* CAPS carries the next DATA seq without advancing it. */
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_CAPS, 15) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 15) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_EOS, 18) == 2);
  CHECK (t.lost == 4);
  /* Wrap-around. */
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 0xFFFFFFFFu) == 0);
  CHECK (t.restarts == 1);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 1) == 1);
  /* A restarted sender. */
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 0) == 0);
  CHECK (t.restarts == 2 && t.lost == 5);
  /* Unknown types are ignored. */
  CHECK (sf_seq_tracker_update (&t, 0x40, 1000) == 0);
  CHECK (sf_seq_tracker_update (&t, SF_TYPE_DATA, 1) == 0);
}

static void
test_names_and_sizes (void)
{
  CHECK (!strcmp (sf_result_name (SF_DEC_PACKET), "packet"));
  CHECK (!strcmp (sf_result_name (SF_ERR_CRC), "crc-mismatch"));
  CHECK (!strcmp (sf_result_name ((sf_result) 99), "unknown"));
  CHECK (!strcmp (sf_mode_name (SF_MODE_SLIP), "slip"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_CAPS), "CAPS"));
  CHECK (!strcmp (sf_type_name (0x41), "CONTROL"));
  CHECK (!strcmp (sf_type_name (0x99), "RESERVED"));
  CHECK (!strcmp (sf_dec_state_name (SF_DEC_STATE_COUNT), "unknown"));
  CHECK (!strcmp (sf_dec_state_names[SF_DEC_STATE_DISCARD], "discard"));

  CHECK (SF_COBS_MAX (0) == 1);
  CHECK (SF_COBS_MAX (254) == 256);
  CHECK (SF_NATIVE_ENCODED_MAX (0) == SF_NATIVE_OVERHEAD + 2);
  CHECK (sf_encoded_max (SF_MODE_RAW, 0, 10) == 0);
  CHECK (sf_encoded_max (SF_MODE_NATIVE, 0, SIZE_MAX) == 0);
  CHECK (sf_encoded_max (SF_MODE_SLIP, SF_OPT_XONXOFF, 10) == 22);
  CHECK (sf_decode_buffer_size (SF_MODE_NATIVE, 100) == 148);
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
