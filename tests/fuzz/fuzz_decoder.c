/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the framing decoder (all modes) and encoder. */

/*
 * Input layout:
 *   byte 0: bits 0-1 mode (0 native, 1 cobs, 2 slip, 3 native started
 *           synced), bit 2 xon-xoff, bits 3-5 decoder buffer size index
 *   byte 1: seed of the chunking
 *   rest:   the byte stream fed to the decoder
 * The stream is also used as a payload for an encode/decode round trip.
 * Invariant failures abort, which libFuzzer reports as a crash.
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

/* A delivered native packet must be exactly what an encoder would have
 * been able to send: re-encode it and parse the result. */
static void
check_native_packet (const sf_packet *pkt)
{
  size_t w;
  sf_header h;
  const uint8_t *payload;

  REQUIRE (pkt->header.version == SF_VERSION);
  REQUIRE (pkt->header.type == SF_TYPE_DATA ||
      pkt->header.type == SF_TYPE_CAPS || pkt->header.type == SF_TYPE_EOS);
  REQUIRE (pkt->payload_len == pkt->header.payload_len);
  if (pkt->header.type == SF_TYPE_CAPS)
    REQUIRE (pkt->payload_len <= SF_CAPS_MAX &&
        !memchr (pkt->payload, 0, pkt->payload_len));
  if (pkt->header.type == SF_TYPE_EOS)
    REQUIRE (pkt->payload_len == 0);
  h = pkt->header;
  /* Reserved flag bits are ignored by receivers but refused by senders. */
  h.flags &= SF_FLAGS_DEFINED;
  REQUIRE (sf_encode_native (&h, pkt->payload, pkt->payload_len, 0, wire,
               sizeof (wire), &w) == SF_OK);
  REQUIRE (w >= 2 && wire[w - 1] == 0);
  REQUIRE (sf_cobs_decode (wire, w - 1, rt_buf, sizeof (rt_buf), &w) == SF_OK);
  REQUIRE (sf_native_parse (rt_buf, w, &h, &payload) == SF_OK);
  REQUIRE (h.payload_len == pkt->payload_len);
  REQUIRE (memcmp (payload, pkt->payload, pkt->payload_len) == 0);
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
  /* Each counted piece ends in a delimiter, and takes at least one byte. */
  counted = st->packets + st->empty + st->crc_errors + st->bad_version +
      st->malformed + st->unknown_type + st->oversize;
  REQUIRE (counted <= len);
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
    hdr.seq = (uint32_t) len;
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
  /* The one-shot COBS decoder must not trip over anything either. */
  (void) sf_cobs_decode (data + 2, size - 2, rt_buf, sizeof (rt_buf), &w);
  return 0;
}
