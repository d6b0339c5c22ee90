/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The streaming encoder: the one-shot encoders' bytes for every input and
 * every way of cutting input and output, the same errors, a round trip
 * through sf_decoder, and a state of fixed small size. */

#include "sftest.h"

#define POLL_MAX 1024

/* What a packet is encoded with. */
typedef struct {
  sf_mode mode;
  unsigned options;
  const sf_header *hdr; /* native */
  const sf_frame_ref *ref;
} stream_cfg;

/* How the payload goes in and the wire comes out: pieces of max_sink bytes
 * (0: all at once) and polls of max_poll bytes, or of 1 to that many when
 * random; lazy polls once after each sink instead of until drained, so
 * that sink meets a state with output pending. */
typedef struct {
  size_t max_sink;
  size_t max_poll;
  int random;
  int lazy;
} chunking;

static const chunking chunkings[] = {
  { 0, POLL_MAX, 0, 0 },
  { 1, 1, 0, 0 },
  { 0, 1, 0, 0 },
  { 1, POLL_MAX, 0, 1 },
  { 256, 256, 0, 0 },
  { 700, 300, 1, 0 },
  { 600, 64, 1, 1 },
  { 3, 2, 1, 1 },
};
#define N_CHUNKINGS (sizeof (chunkings) / sizeof (chunkings[0]))

/* Broken promises of the API (a poll that overfills, a MORE with room
 * left...): counted, checked once per test. */
static unsigned contract_errors;
/* Packets encoded both ways and compared, for the summary. */
static unsigned long compared;

static size_t
pick (uint64_t *rng, size_t max, int random)
{
  if (!random || max <= 1)
    return max;
  return 1 + (size_t) (sft_rand (rng) % max);
}

/* One poll, appended to out; checks what poll promises. */
static sf_result
poll_once (sf_stream *s, const chunking *ch, uint64_t *rng, uint8_t *out,
    size_t out_size, size_t *pos)
{
  uint8_t buf[POLL_MAX];
  size_t want = pick (rng, ch->max_poll, ch->random), w = SIZE_MAX;
  sf_result r = sf_stream_poll (s, buf, want, &w);

  if (r < 0)
    return r;
  if (w > want || (r == SF_STREAM_MORE && w != want) ||
      (r != SF_OK && r != SF_STREAM_MORE && r != SF_STREAM_DONE) ||
      w > out_size - *pos) {
    contract_errors++;
    return SF_ERR_STATE;
  }
  memcpy (out + *pos, buf, w);
  *pos += w;
  return r;
}

static sf_result
poll_drained (sf_stream *s, const chunking *ch, uint64_t *rng, uint8_t *out,
    size_t out_size, size_t *pos)
{
  sf_result r;

  do
    r = poll_once (s, ch, rng, out, out_size, pos);
  while (r == SF_STREAM_MORE);
  return r;
}

/* Encodes one packet through sf_stream, cut as ch says. */
static sf_result
stream_encode (const stream_cfg *c, const uint8_t *payload, size_t len,
    const chunking *ch, uint64_t *rng, uint8_t *out, size_t out_size,
    size_t *written)
{
  size_t off = 0, pos = 0;
  sf_stream s;
  sf_result r;

  *written = 0;
  r = sf_stream_begin (&s, c->mode, c->options, c->hdr, c->ref);
  while (r >= 0 && off < len) {
    size_t want = ch->max_sink ? pick (rng, ch->max_sink, ch->random) : len;
    size_t n = SIZE_MAX;

    if (want > len - off)
      want = len - off;
    r = sf_stream_sink (&s, payload + off, want, &n);
    if (r < 0)
      break;
    if (r != SF_OK || n > want) {
      contract_errors++;
      return SF_ERR_STATE;
    }
    off += n;
    /* Polling once may leave output pending; a sink that took nothing
     * needs the state emptied to make progress. */
    if (ch->lazy && n > 0)
      r = poll_once (&s, ch, rng, out, out_size, &pos);
    else
      r = poll_drained (&s, ch, rng, out, out_size, &pos);
  }
  if (r >= 0) {
    r = sf_stream_finish (&s);
    if (r != SF_STREAM_MORE && r != SF_STREAM_DONE && r >= 0)
      contract_errors++;
  }
  if (r == SF_STREAM_MORE)
    r = poll_drained (&s, ch, rng, out, out_size, &pos);
  if (r < 0)
    return r;
  /* Done means done: nothing more from poll or finish. */
  if (r != SF_STREAM_DONE || sf_stream_finish (&s) != SF_STREAM_DONE ||
      poll_once (&s, ch, rng, out, out_size, &pos) != SF_STREAM_DONE) {
    contract_errors++;
    return SF_ERR_STATE;
  }
  *written = pos;
  return SF_OK;
}

/* The same packet from the one-shot encoders. */
static sf_result
oneshot_encode (const stream_cfg *c, const uint8_t *payload, size_t len,
    uint8_t *out, size_t out_size, size_t *written)
{
  unsigned opts = c->options & ~SF_OPT_INITIAL_DELIMITER;
  size_t pos = 0, w = 0;
  sf_encoder enc;
  sf_result r;

  *written = 0;
  if (c->options & SF_OPT_INITIAL_DELIMITER)
    sf_write_delimiter (c->mode, out, out_size, &pos);
  switch (c->mode) {
    case SF_MODE_NATIVE:
      if (!c->ref) {
        r = sf_encode_native (c->hdr, payload, len, opts, out + pos,
            out_size - pos, &w);
        break;
      }
      r = sf_encoder_begin_ref (&enc, c->mode, opts, c->hdr, c->ref, out + pos,
          out_size - pos);
      if (r == SF_OK)
        r = sf_encoder_write (&enc, payload, len);
      if (r == SF_OK)
        r = sf_encoder_finish (&enc, &w);
      break;
    case SF_MODE_COBS:
      r = sf_encode_cobs (payload, len, opts, out + pos, out_size - pos, &w);
      break;
    default:
      r = sf_encode_slip (payload, len, opts, out + pos, out_size - pos, &w);
      break;
  }
  if (r == SF_OK)
    *written = pos + w;
  return r;
}

static const char *
cfg_name (const stream_cfg *c, char *buf, size_t size)
{
  snprintf (buf, size, "%s%s%s%s%s", sf_mode_name (c->mode),
      c->options & SF_OPT_XONXOFF ? "+xonxoff" : "",
      c->options & SF_OPT_SLIP_NO_LEADING_END ? "+no-leading-end" : "",
      c->options & SF_OPT_INITIAL_DELIMITER ? "+delimiter" : "",
      c->hdr ? (c->hdr->version == SF_VERSION_1 ? " v1" : " v2") : "");
  return buf;
}

/* Encodes with every chunking and compares with the one-shot result:
 * returns the mismatches. */
static unsigned
compare_all (const stream_cfg *c, const uint8_t *payload, size_t len,
    uint64_t *rng, const char *what)
{
  size_t max = sf_encoded_max (SF_MODE_NATIVE, SF_OPT_XONXOFF, len) + 2;
  uint8_t *a = sft_xmalloc (max), *b = sft_xmalloc (max);
  unsigned mismatches = 0;
  size_t wa, wb, k;
  sf_result ra, rb;
  char name[96];

  ra = oneshot_encode (c, payload, len, a, max, &wa);
  for (k = 0; k < N_CHUNKINGS; k++) {
    /* One byte at a time over 64 KiB once per configuration is plenty. */
    if (len > 8192 && chunkings[k].max_poll < 8 && rng && (*rng & 3))
      continue;
    rb = stream_encode (c, payload, len, &chunkings[k], rng, b, max, &wb);
    compared++;
    if (ra != rb || (ra == SF_OK && (wa != wb || memcmp (a, b, wa) != 0))) {
      if (mismatches++ == 0)
        CHECK_MSG (0,
            "%s, %s, %zu bytes, chunking %zu: one-shot %s %zu bytes, "
            "stream %s %zu bytes",
            cfg_name (c, name, sizeof (name)), what, len, k,
            sf_result_name (ra), wa, sf_result_name (rb), wb);
    }
  }
  free (a);
  free (b);
  return mismatches;
}

/* --- Equality with the one-shot encoders ------------------------------- */

static const unsigned native_options[] = { 0, SF_OPT_XONXOFF,
  SF_OPT_INITIAL_DELIMITER, SF_OPT_XONXOFF | SF_OPT_INITIAL_DELIMITER };
static const unsigned cobs_options[] = { 0, SF_OPT_XONXOFF,
  SF_OPT_INITIAL_DELIMITER };
static const unsigned slip_options[] = { 0, SF_OPT_XONXOFF,
  SF_OPT_SLIP_NO_LEADING_END, SF_OPT_SLIP_NO_LEADING_END | SF_OPT_XONXOFF,
  SF_OPT_INITIAL_DELIMITER };

typedef enum {
  FILL_ZEROS,
  FILL_FF,
  FILL_RANDOM,
  FILL_SPARSE_ZEROS, /* random, a zero every 1 to 300 bytes */
  FILL_SPECIAL,      /* only bytes that COBS, SLIP or xon-xoff treat */
  FILL_BLOCK_ZEROS,  /* non-zero, a zero right where blocks end */
  FILL_COUNT
} fill_kind;

static const char *const fill_names[FILL_COUNT] = { "zeros", "0xFF", "random",
  "sparse zeros", "special bytes", "zeros at block ends" };

static void
fill (fill_kind kind, uint64_t *rng, uint8_t *p, size_t len)
{
  static const uint8_t special[] = { 0x00, 0x11, 0x13, 0x7D, 0xC0, 0xDB, 0xDC,
    0xDD };
  size_t i;

  switch (kind) {
    case FILL_ZEROS:
      memset (p, 0, len);
      break;
    case FILL_FF:
      memset (p, 0xFF, len);
      break;
    case FILL_RANDOM:
      sft_fill_random (rng, p, len);
      break;
    case FILL_SPARSE_ZEROS:
      for (i = 0; i < len; i++)
        p[i] = sft_rand (rng) % 150 ? (uint8_t) (1 + sft_rand (rng) % 255) : 0;
      break;
    case FILL_SPECIAL:
      for (i = 0; i < len; i++)
        p[i] = special[sft_rand (rng) % sizeof (special)];
      break;
    default:
      /* With a 4-byte header, block i of the packet ends at payload byte
       * 254 * (i + 1) - 4 (and one later after a zero). */
      for (i = 0; i < len; i++)
        p[i] = (i + 4) % 254 == 0 || (i + 4) % 255 == 0 ? 0 : 0x41;
      break;
  }
}

static void
test_equal_sizes (uint64_t *rng)
{
  static const size_t sizes[] = { 0, 1, 2, 3, 4, 100, 245, 246, 249, 250, 251,
    252, 253, 254, 255, 256, 257, 258, 259, 260, 380, 381, 382, 383, 384, 385,
    500, 503, 504, 505, 507, 508, 509, 510, 511, 512, 762, 763, 764, 1000, 4096,
    30 * 1024, 65536 };
  size_t nsizes = sizeof (sizes) / sizeof (sizes[0]);
  uint8_t *payload = sft_xmalloc (65536);
  unsigned mismatches = 0, packets = 0;
  sf_header hdr;
  size_t i, f, o;

  sf_header_init (&hdr, SF_TYPE_DATA);
  for (i = 0; i < nsizes; i++) {
    for (f = 0; f < FILL_COUNT; f++) {
      fill ((fill_kind) f, rng, payload, sizes[i]);
      for (o = 0; o < sizeof (native_options) / sizeof (unsigned); o++) {
        stream_cfg c = { SF_MODE_NATIVE, native_options[o], &hdr, NULL };
        mismatches += compare_all (&c, payload, sizes[i], rng, fill_names[f]);
        packets++;
      }
      for (o = 0; o < sizeof (cobs_options) / sizeof (unsigned); o++) {
        stream_cfg c = { SF_MODE_COBS, cobs_options[o], NULL, NULL };
        mismatches += compare_all (&c, payload, sizes[i], rng, fill_names[f]);
        packets++;
      }
      for (o = 0; o < sizeof (slip_options) / sizeof (unsigned); o++) {
        stream_cfg c = { SF_MODE_SLIP, slip_options[o], NULL, NULL };
        mismatches += compare_all (&c, payload, sizes[i], rng, fill_names[f]);
        packets++;
      }
    }
  }
  CHECK_MSG (mismatches == 0, "%u of %u packets differ", mismatches, packets);
  free (payload);
}

/* Every length up to three blocks, random cuts. */
static void
test_equal_all_lengths (uint64_t *rng)
{
  uint8_t payload[1100];
  unsigned mismatches = 0;
  sf_header hdr;
  size_t len, m;

  sf_header_init (&hdr, SF_TYPE_DATA);
  for (len = 0; len <= sizeof (payload); len++) {
    fill (len % 2 ? FILL_SPARSE_ZEROS : FILL_RANDOM, rng, payload, len);
    for (m = 0; m < 3; m++) {
      static const sf_mode modes[] = { SF_MODE_NATIVE, SF_MODE_COBS,
        SF_MODE_SLIP };
      stream_cfg c = { modes[m], len % 3 ? 0 : SF_OPT_XONXOFF, &hdr, NULL };
      mismatches += compare_all (&c, payload, len, rng, "all lengths");
    }
  }
  CHECK_MSG (mismatches == 0, "%u mismatches", mismatches);
}

/* Headers of every type and both versions, and fields referring to the
 * previous frame. */
static void
test_equal_headers (uint64_t *rng)
{
  static const char caps[] = "image/jpeg, width=(int)320, height=(int)240, "
                             "framerate=(fraction)0/1";
  uint8_t compact[SF_CAPS_COMPACT_MAX], payload[3000];
  size_t compact_len = 0, i, o, sz;
  unsigned mismatches = 0;
  sf_frame_ref ref;
  sf_header h[12], prev;

  CHECK (sf_caps_compact (caps, strlen (caps), compact, sizeof (compact),
             &compact_len) == SF_OK);
  for (i = 0; i < 12; i++)
    sf_header_init (&h[i], SF_TYPE_DATA);
  /* 1: every field, the longest version 2 header the encoder writes */
  h[1].flags = SF_FLAG_DELTA_UNIT | SF_FLAG_MARKER;
  h[1].seq = 0xFFFF;
  h[1].pts = UINT64_C (0xFFFFFFFFFFFFFFFE);
  h[1].dts = 12345;
  h[1].duration = UINT64_C (0x7FFFFFFFFFFFFFFF);
  h[1].sender_time = UINT64_C (1700000000123456789);
  h[1].stream = UINT32_MAX;
  /* 2: fragment */
  h[2].type = SF_TYPE_FRAGMENT;
  h[2].frag_index = 300;
  h[2].frag_count = 65535;
  h[2].seq = 7;
  /* 3, 4: caps, plain and compact */
  h[3].type = SF_TYPE_CAPS;
  h[4].type = SF_TYPE_CAPS;
  h[4].caps_compact = 1;
  /* 5: EOS */
  h[5].type = SF_TYPE_EOS;
  /* 6-8: version 1 DATA, CAPS, EOS */
  for (i = 6; i <= 8; i++) {
    h[i].version = SF_VERSION_1;
    h[i].seq = 0xDEADBEEF;
    h[i].pts = 1000000000;
    h[i].sender_time = 0;
  }
  h[7].type = SF_TYPE_CAPS;
  h[8].type = SF_TYPE_EOS;
  /* 9: predicted PTS and the same duration as the previous frame */
  sf_header_init (&prev, SF_TYPE_DATA);
  prev.seq = 41;
  prev.pts = 1000;
  prev.duration = 33;
  sf_frame_ref_init (&ref);
  sf_frame_ref_update (&ref, &prev);
  h[9].seq = 42;
  h[9].pts = 1033;
  h[9].duration = 33;
  /* 10: a PTS difference (B-frame order), DTS before it */
  h[10].seq = 42;
  h[10].pts = 900;
  h[10].dts = 800;
  /* 11: a header whose CRC-32C and sender time hold zeros */
  h[11].sender_time = 0;
  h[11].seq = 0;

  fill (FILL_SPARSE_ZEROS, rng, payload, sizeof (payload));
  for (i = 0; i < 12; i++) {
    for (o = 0; o < 2; o++) {
      static const size_t sizes[] = { 0, 1, 200, 250, 254, 255, 3000 };
      for (sz = 0; sz < sizeof (sizes) / sizeof (sizes[0]); sz++) {
        stream_cfg c = { SF_MODE_NATIVE, o ? SF_OPT_XONXOFF : 0, &h[i],
          i >= 9 ? &ref : NULL };
        const uint8_t *p = payload;
        size_t len = sizes[sz];

        if (h[i].type == SF_TYPE_EOS)
          len = 0;
        if (h[i].type == SF_TYPE_FRAGMENT && len == 0)
          len = 1;
        if (h[i].type == SF_TYPE_CAPS) {
          p = h[i].caps_compact ? compact : (const uint8_t *) caps;
          len = h[i].caps_compact ? compact_len : strlen (caps);
        }
        h[i].payload_len = (uint32_t) len;
        mismatches += compare_all (&c, p, len, rng, sf_type_name (h[i].type));
      }
    }
  }
  CHECK_MSG (mismatches == 0, "%u mismatches", mismatches);
}

/* --- Errors ------------------------------------------------------------ */

/* Both encoders refuse the packet with the same error. */
static void
check_refused (const sf_header *hdr, const void *payload, size_t len,
    sf_result expect, const char *what)
{
  stream_cfg c = { SF_MODE_NATIVE, 0, hdr, NULL };
  uint8_t out[SF_NATIVE_ENCODED_MAX (5000)];
  uint64_t rng = 1;
  size_t k, w;

  CHECK_MSG (oneshot_encode (&c, payload, len, out, sizeof (out), &w) == expect,
      "one-shot, %s", what);
  for (k = 0; k < N_CHUNKINGS; k++) {
    sf_result r = stream_encode (&c, payload, len, &chunkings[k], &rng, out,
        sizeof (out), &w);
    CHECK_MSG (r == expect, "%s, chunking %zu: %s, expected %s", what, k,
        sf_result_name (r), sf_result_name (expect));
  }
}

static void
test_errors_match (void)
{
  static uint8_t big[5000];
  sf_header h;

  memset (big, 'a', sizeof (big));
  sf_header_init (&h, SF_TYPE_EOS);
  check_refused (&h, "x", 1, SF_ERR_LENGTH, "EOS with a payload");
  sf_header_init (&h, SF_TYPE_CAPS);
  check_refused (&h, "a\0b", 3, SF_ERR_ARG, "CAPS with a NUL");
  check_refused (&h, big, SF_CAPS_MAX + 1, SF_ERR_LENGTH, "CAPS too long");
  check_refused (&h, big, SF_CAPS_MAX, SF_OK, "CAPS of SF_CAPS_MAX bytes");
  /* The compact form carries codec_data as it is, 00 bytes included. */
  h.caps_compact = 1;
  check_refused (&h, "\xfe\x01\x00", 3, SF_OK, "compact CAPS with a 00");
  h.caps_compact = 0;
  sf_header_init (&h, SF_TYPE_FRAGMENT);
  h.frag_count = 2;
  check_refused (&h, "", 0, SF_ERR_LENGTH, "empty FRAGMENT");
  h.frag_index = 2;
  check_refused (&h, "x", 1, SF_ERR_ARG, "frag_index >= frag_count");
  h.frag_count = 0;
  h.frag_index = 0;
  check_refused (&h, "x", 1, SF_ERR_ARG, "frag_count 0");
  sf_header_init (&h, SF_TYPE_DATA);
  h.version = 3;
  check_refused (&h, "x", 1, SF_ERR_VERSION, "version 3");
  h.version = SF_VERSION;
  h.type = 6;
  check_refused (&h, "x", 1, SF_ERR_TYPE, "reserved type");
  h.type = SF_TYPE_DATA;
  h.flags = 0x8000;
  check_refused (&h, "x", 1, SF_ERR_ARG, "undefined flag");
  /* Version 1 checks the announced length. */
  sf_header_init (&h, SF_TYPE_FRAGMENT);
  h.version = SF_VERSION_1;
  h.frag_count = 1;
  check_refused (&h, "x", 1, SF_ERR_TYPE, "version 1 FRAGMENT");
  sf_header_init (&h, SF_TYPE_CAPS);
  h.version = SF_VERSION_1;
  h.caps_compact = 1;
  check_refused (&h, "x", 1, SF_ERR_ARG, "version 1 compact caps");
}

/* Control packets (section 8.2): the same bytes and the same refusals as
 * the one-shot encoder, however the payload is cut; sf_stream_sink()
 * checks the bytes it does not take yet as well. */
static void
test_control (uint64_t *rng)
{
  static const struct {
    uint8_t type;
    const char *payload;
    size_t len;
    sf_result want;
    const char *what;
  } cases[] = {
    { SF_TYPE_SKIP, "", 0, SF_OK, "SKIP" },
    { SF_TYPE_SKIP, "x", 1, SF_ERR_LENGTH, "SKIP with a payload" },
    { SF_TYPE_KEY_REQUEST, "x", 1, SF_ERR_LENGTH, "KEY_REQUEST, payload" },
    { SF_TYPE_CAPS_REQUEST, "", 0, SF_OK, "CAPS_REQUEST" },
    { SF_TYPE_REPORT, "\x07\xdc\x0b\xe8\x07\x03\xc0\xc4\x07\x02\x01", 11, SF_OK,
        "REPORT" },
    { SF_TYPE_REPORT, "\x07\xdc\x0b\xe8\x07\x03\xc0\xc4\x07\x02", 10,
        SF_ERR_ARG, "REPORT of six varints" },
    { SF_TYPE_REPORT, "\x80\x80\x04\0\0\0\0\0\0", 9, SF_ERR_ARG,
        "REPORT, last_seq 65536" },
    { SF_TYPE_NACK, "\x00", 1, SF_OK, "NACK of a whole frame" },
    { SF_TYPE_NACK, "\x05\x00\x02\x03\x02", 5, SF_OK, "NACK" },
    { SF_TYPE_NACK, "\x05\x00\x02\x03\x03", 5, SF_ERR_ARG,
        "NACK past frag_count" },
    { SF_TYPE_NACK, "\x05\x00\x02\x01", 4, SF_ERR_ARG, "NACK cut short" },
  };
  uint8_t nack[SF_CONTROL_PAYLOAD_MAX + 2];
  unsigned mismatches = 0;
  stream_cfg c = { SF_MODE_NATIVE, 0, NULL, NULL };
  sf_header h;
  size_t i;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    sf_header_init (&h, cases[i].type);
    h.seq = 0x1234;
    c.hdr = &h;
    check_refused (&h, cases[i].payload, cases[i].len, cases[i].want,
        cases[i].what);
    mismatches += compare_all (&c, (const uint8_t *) cases[i].payload,
        cases[i].len, rng, cases[i].what);
  }
  /* frag_count 1000 and 63 ranges: 128 bytes, then 129. */
  sf_header_init (&h, SF_TYPE_NACK);
  nack[0] = 0xE8;
  nack[1] = 0x07;
  for (i = 0; i < 63; i++) {
    nack[2 + 2 * i] = (uint8_t) (2 * i);
    nack[3 + 2 * i] = 1;
  }
  check_refused (&h, nack, 128, SF_OK, "NACK of 128 bytes");
  nack[128] = 0x7F;
  nack[129] = 1;
  check_refused (&h, nack, 130, SF_ERR_LENGTH, "NACK of 130 bytes");
  CHECK_MSG (mismatches == 0, "%u mismatches", mismatches);
}

/* Version 1 with a payload_len that does not match what comes. */
static void
test_errors_v1_length (void)
{
  uint8_t payload[600], out[64];
  sf_stream s;
  sf_header h;
  size_t n, w;
  sf_result r;

  memset (payload, 0x55, sizeof (payload));
  sf_header_init (&h, SF_TYPE_DATA);
  h.version = SF_VERSION_1;
  h.payload_len = 500;
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  /* More than announced: refused before anything is taken. */
  CHECK (sf_stream_sink (&s, payload, 501, &n) == SF_ERR_LENGTH && n == 0);
  CHECK (sf_stream_poll (&s, out, sizeof (out), &w) == SF_ERR_LENGTH);
  CHECK (sf_stream_finish (&s) == SF_ERR_LENGTH);

  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  r = SF_OK;
  for (n = 0; r >= 0 && n < 499;) {
    size_t k;
    r = sf_stream_sink (&s, payload, 499 - n, &k);
    n += k;
    do
      r = sf_stream_poll (&s, out, sizeof (out), &w);
    while (r == SF_STREAM_MORE);
  }
  CHECK (r == SF_OK);
  CHECK (sf_stream_finish (&s) == SF_ERR_LENGTH);

  h.payload_len = 5000;
  h.type = SF_TYPE_CAPS;
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_ERR_LENGTH);
  CHECK (sf_stream_sink (&s, payload, 1, &n) == SF_ERR_LENGTH);
  h.payload_len = 1;
  h.type = SF_TYPE_EOS;
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_ERR_LENGTH);
}

/* Arguments, order of calls, sticky errors. */
static void
test_errors_api (void)
{
  uint8_t out[600], data[600];
  sf_stream s;
  sf_header h;
  size_t n, w;

  memset (data, 0x42, sizeof (data));
  sf_header_init (&h, SF_TYPE_DATA);
  CHECK (sf_stream_begin (NULL, SF_MODE_NATIVE, 0, &h, NULL) == SF_ERR_ARG);
  CHECK (sf_stream_sink (NULL, data, 1, &n) == SF_ERR_ARG);
  CHECK (sf_stream_poll (NULL, out, 1, &w) == SF_ERR_ARG);
  CHECK (sf_stream_finish (NULL) == SF_ERR_ARG);
  CHECK (sf_stream_begin (&s, SF_MODE_RAW, 0, NULL, NULL) == SF_ERR_MODE);
  CHECK (sf_stream_sink (&s, data, 1, &n) == SF_ERR_MODE && n == 0);
  CHECK (sf_stream_poll (&s, out, sizeof (out), &w) == SF_ERR_MODE && w == 0);
  CHECK (sf_stream_finish (&s) == SF_ERR_MODE);
  CHECK (sf_stream_begin (&s, (sf_mode) 99, 0, NULL, NULL) == SF_ERR_MODE);
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, NULL, NULL) == SF_ERR_ARG);
  CHECK (sf_stream_finish (&s) == SF_ERR_ARG);

  /* Bad arguments spoil the packet: the bytes would not be the ones
   * asked for. */
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_sink (&s, NULL, 1, &n) == SF_ERR_ARG);
  CHECK (sf_stream_sink (&s, data, 1, &n) == SF_ERR_ARG);
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_sink (&s, data, 1, NULL) == SF_ERR_ARG);
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_poll (&s, out, 0, &w) == SF_ERR_ARG);
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_poll (&s, NULL, 10, &w) == SF_ERR_ARG);
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_poll (&s, out, 10, NULL) == SF_ERR_ARG);
  CHECK (sf_stream_finish (&s) == SF_ERR_ARG);

  /* An empty sink is fine, even without data. */
  CHECK (sf_stream_begin (&s, SF_MODE_NATIVE, 0, &h, NULL) == SF_OK);
  CHECK (sf_stream_sink (&s, NULL, 0, &n) == SF_OK && n == 0);

  /* A full state takes nothing until polled, and says so without error. */
  CHECK (sf_stream_sink (&s, data, sizeof (data), &n) == SF_OK);
  CHECK (n > 0 && n < sizeof (data));
  CHECK (
      sf_stream_sink (&s, data + n, sizeof (data) - n, &w) == SF_OK && w == 0);
  CHECK (sf_stream_poll (&s, out, sizeof (out), &w) == SF_OK && w > n);
  CHECK (
      sf_stream_sink (&s, data + n, sizeof (data) - n, &w) == SF_OK && w > 0);

  /* No payload after finish. */
  CHECK (sf_stream_finish (&s) == SF_STREAM_MORE);
  CHECK (sf_stream_finish (&s) == SF_STREAM_MORE);
  CHECK (sf_stream_sink (&s, data, 1, &n) == SF_ERR_STATE);
  CHECK (sf_stream_poll (&s, out, sizeof (out), &w) == SF_ERR_STATE);
  CHECK (sf_stream_finish (&s) == SF_ERR_STATE);

  /* After DONE: DONE again, nothing written; begin starts afresh. */
  CHECK (sf_stream_begin (&s, SF_MODE_COBS, 0, NULL, NULL) == SF_OK);
  CHECK (sf_stream_finish (&s) == SF_STREAM_MORE);
  CHECK (sf_stream_poll (&s, out, 1, &w) == SF_STREAM_MORE && w == 1 &&
      out[0] == 0x01);
  CHECK (sf_stream_poll (&s, out, 1, &w) == SF_STREAM_DONE && w == 1 &&
      out[0] == 0x00);
  CHECK (sf_stream_poll (&s, out, 1, &w) == SF_STREAM_DONE && w == 0);
  CHECK (sf_stream_finish (&s) == SF_STREAM_DONE);
  CHECK (sf_stream_begin (&s, SF_MODE_SLIP, 0, NULL, NULL) == SF_OK);
  CHECK (sf_stream_sink (&s, "\xC0", 1, &n) == SF_OK && n == 1);
  CHECK (sf_stream_finish (&s) == SF_STREAM_MORE);
  CHECK (sf_stream_poll (&s, out, sizeof (out), &w) == SF_STREAM_DONE);
  CHECK (w == 4 && memcmp (out, "\xC0\xDB\xDC\xC0", 4) == 0);
}

/* --- Round trip -------------------------------------------------------- */

typedef struct {
  const uint8_t *payload;
  const size_t *lens;
  const sf_header *hdrs;
  size_t count, next;
  unsigned mismatches;
} expect_ctx;

static void
on_packet (const sf_packet *pkt, void *user)
{
  expect_ctx *e = user;
  const sf_header *h;

  if (e->next >= e->count) {
    e->mismatches++;
    return;
  }
  h = &e->hdrs[e->next];
  if (pkt->payload_len != e->lens[e->next] ||
      memcmp (pkt->payload, e->payload, pkt->payload_len) != 0 ||
      pkt->header.type != h->type || pkt->header.seq != h->seq ||
      pkt->header.pts != h->pts || pkt->header.dts != h->dts ||
      pkt->header.duration != h->duration || pkt->header.flags != h->flags ||
      pkt->header.unresolved != 0)
    e->mismatches++;
  e->next++;
}

/* A stream of packets from sf_stream, as a sender writes it (the initial
 * delimiter with the first), times predicted from the previous frame,
 * decoded in random pieces. */
static void
test_round_trip (uint64_t *rng)
{
  enum {
    N = 40,
    MAX = 20000
  };
  static sf_header hdrs[N];
  static size_t lens[N];
  uint8_t *payload = sft_xmalloc (MAX), *wire, *buf;
  size_t total = 0, pos = 0, i, o, bufsize;
  sf_frame_ref ref;
  sf_decoder dec;
  expect_ctx e;

  fill (FILL_SPARSE_ZEROS, rng, payload, MAX);
  for (i = 0; i < N; i++) {
    lens[i] = i == 0 ? 0 : (size_t) (sft_rand (rng) % MAX);
    total += sf_encoded_max (SF_MODE_NATIVE, SF_OPT_XONXOFF, lens[i]) + 1;
  }
  wire = sft_xmalloc (total);
  bufsize = SF_NATIVE_DECODE_BUFFER_SIZE (MAX);
  buf = sft_xmalloc (bufsize);
  for (o = 0; o < 2; o++) {
    unsigned options = o ? SF_OPT_XONXOFF : 0;

    sf_frame_ref_init (&ref);
    pos = 0;
    for (i = 0; i < N; i++) {
      stream_cfg c = { SF_MODE_NATIVE, options, &hdrs[i], &ref };
      size_t w = 0;

      sf_header_init (&hdrs[i], SF_TYPE_DATA);
      hdrs[i].seq = (uint32_t) (65530 + i) & 0xFFFF;
      hdrs[i].pts = 1000000 + (uint64_t) i * 33333333;
      hdrs[i].dts = i % 3 ? hdrs[i].pts : hdrs[i].pts - 1000;
      hdrs[i].duration = 33333333;
      hdrs[i].flags = (uint16_t) (i % 5 ? SF_FLAG_DELTA_UNIT : 0);
      if (i == 0)
        c.options |= SF_OPT_INITIAL_DELIMITER;
      CHECK (stream_encode (&c, payload, lens[i], &chunkings[i % N_CHUNKINGS],
                 rng, wire + pos, total - pos, &w) == SF_OK);
      pos += w;
      sf_frame_ref_update (&ref, &hdrs[i]);
    }
    CHECK (
        sf_decoder_init (&dec, SF_MODE_NATIVE, options, buf, bufsize) == SF_OK);
    memset (&e, 0, sizeof (e));
    e.payload = payload;
    e.lens = lens;
    e.hdrs = hdrs;
    e.count = N;
    sft_decode_stream (&dec, wire, pos, rng, 3000, on_packet, &e);
    CHECK_MSG (e.mismatches == 0 && e.next == N, "%u mismatches, %zu of %d",
        e.mismatches, e.next, N);
    CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->packets, N);
    CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->skipped_bytes, 0);
    CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->wire_bytes, pos);
  }
  free (payload);
  free (wire);
  free (buf);
}

/* --- Size -------------------------------------------------------------- */

static void
test_size (void)
{
  printf ("sizeof (sf_stream) = %zu bytes\n", sizeof (sf_stream));
  CHECK (sizeof (sf_stream) <= 512);
  /* The header comment promises a state a few hundred bytes small and no
   * more than the buffer and a few fields. */
  CHECK (sizeof (sf_stream) <= SF_STREAM_BUFFER_SIZE + 64);
}

int
main (void)
{
  uint64_t rng = 0x57AE;

  test_size ();
  test_equal_sizes (&rng);
  test_equal_all_lengths (&rng);
  test_equal_headers (&rng);
  test_errors_match ();
  test_control (&rng);
  test_errors_v1_length ();
  test_errors_api ();
  test_round_trip (&rng);
  /* The table CRC must give the same bytes as the hardware one. */
  if (sf_crc32c_select (SF_CRC32C_PORTABLE) == SF_OK) {
    test_equal_headers (&rng);
    test_round_trip (&rng);
    sf_crc32c_select (SF_CRC32C_AUTO);
  }
  CHECK_MSG (contract_errors == 0, "%u broken promises", contract_errors);
  printf ("%lu packets encoded by sf_stream and compared\n", compared);
  return sft_summary ();
}
