/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Codec round trips: many lengths, extreme contents, 8 MiB, random chunks. */

#include "sftest.h"

static const sf_mode modes[] = { SF_MODE_NATIVE, SF_MODE_COBS, SF_MODE_SLIP };
static const unsigned option_sets[] = { 0, SF_OPT_XONXOFF };

/* The payloads sent, in order, so delivered packets can be matched. */
typedef struct {
  const uint8_t *const *payloads;
  const size_t *lens;
  size_t count;
  size_t next;
  unsigned mismatches;
  uint32_t first_seq;
  sf_mode mode;
} expect_ctx;

static void
on_packet (const sf_packet *pkt, void *user)
{
  expect_ctx *e = user;

  /* SLIP cannot carry an empty packet, so the receiver never sees it. */
  while (e->mode == SF_MODE_SLIP && e->next < e->count && e->lens[e->next] == 0)
    e->next++;
  if (e->next >= e->count || pkt->payload_len != e->lens[e->next] ||
      memcmp (pkt->payload, e->payloads[e->next], pkt->payload_len) != 0 ||
      (e->mode == SF_MODE_NATIVE &&
          (pkt->header.seq != e->first_seq + e->next ||
              pkt->header.pts != (uint64_t) e->next * 1000 ||
              pkt->header.type != SF_TYPE_DATA)))
    e->mismatches++;
  e->next++;
}

static size_t
encode_one (sf_mode mode, unsigned options, uint32_t seq, uint64_t pts,
    const uint8_t *payload, size_t len, uint8_t *dst, size_t size)
{
  size_t written = 0;
  sf_header hdr;
  sf_result r;

  switch (mode) {
    case SF_MODE_NATIVE:
      sf_header_init (&hdr, SF_TYPE_DATA);
      hdr.seq = seq;
      hdr.pts = pts;
      r = sf_encode_native (&hdr, payload, len, options, dst, size, &written);
      break;
    case SF_MODE_COBS:
      r = sf_encode_cobs (payload, len, options, dst, size, &written);
      break;
    default:
      r = sf_encode_slip (payload, len, options, dst, size, &written);
      break;
  }
  CHECK_MSG (r == SF_OK, "%s len %zu: %s", sf_mode_name (mode), len,
      sf_result_name (r));
  CHECK (written <= sf_encoded_max (mode, options, len));
  return written;
}

/* Encodes all payloads into one stream, decodes it in random chunks and
 * checks every packet and every counter. */
static void
round_trip (sf_mode mode, unsigned options, const uint8_t *const *payloads,
    const size_t *lens, size_t count, uint64_t *rng, size_t max_chunk)
{
  size_t total = 1, max_len = 0, i, pos = 0, empties = 0, payload_bytes = 0;
  size_t zero_len = 0, delivered = count;
  uint8_t *stream, *buf;
  size_t bufsize;
  sf_decoder dec;
  expect_ctx e;
  const sf_dec_stats *st;

  for (i = 0; i < count; i++) {
    total += sf_encoded_max (mode, options, lens[i]);
    if (lens[i] > max_len)
      max_len = lens[i];
  }
  stream = sft_xmalloc (total);
  sf_write_delimiter (mode, stream, total, &pos);
  for (i = 0; i < count; i++)
    pos += encode_one (mode, options, 100 + (uint32_t) i, i * 1000, payloads[i],
        lens[i], stream + pos, total - pos);

  bufsize = sf_decode_buffer_size (mode, max_len);
  buf = sft_xmalloc (bufsize);
  CHECK (sf_decoder_init (&dec, mode, options, buf, bufsize) == SF_OK);
  memset (&e, 0, sizeof (e));
  e.payloads = payloads;
  e.lens = lens;
  e.count = count;
  e.first_seq = 100;
  e.mode = mode;
  sft_decode_stream (&dec, stream, pos, rng, max_chunk, on_packet, &e);
  st = sf_decoder_get_stats (&dec);

  for (i = 0; i < count; i++) {
    payload_bytes += lens[i];
    zero_len += lens[i] == 0;
  }
  /* cobs and slip receivers start synced, so the initial delimiter is an
   * empty packet to them (a native receiver hunts to it).  Every slip
   * packet adds one more from its leading END, and an empty slip payload
   * is nothing but delimiters. */
  if (mode == SF_MODE_COBS)
    empties = 1;
  if (mode == SF_MODE_SLIP) {
    empties = 1 + count + zero_len;
    delivered = count - zero_len;
  }
  CHECK_MSG (e.mismatches == 0 && e.next == count,
      "%s%s: %u mismatches, %zu of %zu packets", sf_mode_name (mode),
      options ? "+xonxoff" : "", e.mismatches, e.next, count);
  CHECK_EQ_U64 (st->packets, delivered);
  CHECK_EQ_U64 (st->payload_bytes, payload_bytes);
  CHECK_EQ_U64 (st->wire_bytes, pos);
  CHECK_EQ_U64 (st->empty, empties);
  CHECK_EQ_U64 (st->skipped_bytes, 0);
  CHECK_EQ_U64 (st->crc_errors + st->bad_version + st->malformed +
          st->unknown_type + st->oversize,
      0);
  free (buf);
  free (stream);
}

static void
test_all_lengths (uint64_t *rng)
{
  enum { N = 1025 };
  static uint8_t *payloads[N];
  static size_t lens[N];
  size_t m, o, i;

  for (i = 0; i < N; i++) {
    lens[i] = i;
    payloads[i] = sft_xmalloc (i);
    sft_fill_random (rng, payloads[i], i);
    /* Make zeros and the escaped bytes common enough to matter. */
    if (i % 3 == 0 && i)
      memset (payloads[i], (int) (i % 4 == 0 ? 0x00 : 0xC0), i / 5);
  }
  for (m = 0; m < 3; m++)
    for (o = 0; o < 2; o++)
      round_trip (modes[m], option_sets[o], (const uint8_t *const *) payloads,
          lens, N, rng, 2000);
  for (i = 0; i < N; i++)
    free (payloads[i]);
}

static void
test_extremes (uint64_t *rng)
{
  static const size_t sizes[] = { 1, 2, 253, 254, 255, 256, 507, 508, 509, 1000,
    4096, 65536 };
  enum { N = sizeof (sizes) / sizeof (sizes[0]) };
  uint8_t *payloads[2 * N];
  size_t lens[2 * N];
  size_t m, o, i;

  for (i = 0; i < N; i++) {
    lens[i] = lens[N + i] = sizes[i];
    payloads[i] = sft_xmalloc (sizes[i]);
    payloads[N + i] = sft_xmalloc (sizes[i]);
    memset (payloads[i], 0x00, sizes[i]);
    memset (payloads[N + i], 0xFF, sizes[i]);
  }
  for (m = 0; m < 3; m++)
    for (o = 0; o < 2; o++)
      round_trip (modes[m], option_sets[o], (const uint8_t *const *) payloads,
          lens, 2 * N, rng, 500);
  /* Payloads made only of the bytes that xon-xoff and SLIP escape. */
  for (i = 0; i < N; i++) {
    size_t j;
    for (j = 0; j < sizes[i]; j++) {
      static const uint8_t special[] = { 0x11, 0x13, 0x7D, 0xC0, 0xDB, 0x00 };
      payloads[i][j] = special[sft_rand (rng) % 6];
    }
  }
  for (m = 0; m < 3; m++)
    round_trip (modes[m], SF_OPT_XONXOFF, (const uint8_t *const *) payloads,
        lens, N, rng, 64);
  for (i = 0; i < 2 * N; i++)
    free (payloads[i]);
}

static void
test_large (uint64_t *rng)
{
  size_t len = 8u << 20;
  uint8_t *payload = sft_xmalloc (len);
  const uint8_t *payloads[1];
  size_t m, o;

  sft_fill_random (rng, payload, len);
  payloads[0] = payload;
  for (m = 0; m < 3; m++)
    for (o = 0; o < 2; o++)
      round_trip (modes[m], option_sets[o], payloads, &len, 1, rng, 65536);
  free (payload);
}

/* Incremental and scattered encoding produce the one-shot bytes. */
static void
test_incremental (uint64_t *rng)
{
  size_t len = 70000, max = SF_ENCODED_MAX_ANY (70000);
  uint8_t *payload = sft_xmalloc (len);
  uint8_t *a = sft_xmalloc (max), *b = sft_xmalloc (max);
  sf_iovec iov[16];
  size_t m, o, i, wa, wb, off;
  unsigned mismatches = 0;
  sf_header hdr;

  sft_fill_random (rng, payload, len);
  memset (payload + 1000, 0, 3000);
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.payload_len = (uint32_t) len;
  for (m = 0; m < 3; m++) {
    for (o = 0; o < 2; o++) {
      for (i = 0; i < 20; i++) {
        sf_encoder enc;
        sf_result r;

        wa = encode_one (modes[m], option_sets[o], 0, SF_TIME_NONE, payload,
            len, a, max);
        r = sf_encoder_begin (&enc, modes[m], option_sets[o], &hdr, b, max);
        for (off = 0; r == SF_OK && off < len;) {
          size_t n = 1 + (size_t) (sft_rand (rng) % 600);
          if (n > len - off)
            n = len - off;
          r = sf_encoder_write (&enc, payload + off, n);
          off += n;
        }
        if (r == SF_OK)
          r = sf_encoder_finish (&enc, &wb);
        if (r != SF_OK || wa != wb || memcmp (a, b, wa))
          mismatches++;
      }
    }
  }
  /* Scatter lists with empty pieces. */
  for (i = 0; i < 20; i++) {
    size_t k;
    off = 0;
    for (k = 0; k < 16; k++) {
      size_t n = k == 15 ? len - off : (size_t) (sft_rand (rng) % 9000);
      if (n > len - off)
        n = len - off;
      iov[k].data = payload + off;
      iov[k].len = n;
      off += n;
    }
    wa = encode_one (SF_MODE_NATIVE, 0, 0, SF_TIME_NONE, payload, len, a, max);
    if (sf_encode_native_iov (&hdr, iov, 16, 0, b, max, &wb) != SF_OK ||
        wa != wb || memcmp (a, b, wa))
      mismatches++;
  }
  CHECK_MSG (mismatches == 0, "%u mismatches", mismatches);
  free (payload);
  free (a);
  free (b);
}

int
main (void)
{
  uint64_t rng = 0x5EED;

  test_all_lengths (&rng);
  test_extremes (&rng);
  test_incremental (&rng);
  test_large (&rng);
  /* The table CRC must round-trip as well as the hardware one. */
  if (sf_crc32c_select (SF_CRC32C_PORTABLE) == SF_OK) {
    test_extremes (&rng);
    sf_crc32c_select (SF_CRC32C_AUTO);
  }
  return sft_summary ();
}
