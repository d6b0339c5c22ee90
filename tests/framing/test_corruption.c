/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Damaged streams: nothing damaged is delivered, everything else is, and
 * the counters say exactly what was dropped. */

#include "sftest.h"

#define N_PACKETS 10
#define MAX_WIRE (SF_ENCODED_MAX_ANY (4096) + 64)
/* The shortest packet a receiver takes for one (section 16, step 4):
 * shorter ones are malformed, longer ones fail their CRC. */
#define MIN_PACKET 8

/* A reference stream: the initial delimiter, then packets P0..P9 whose
 * payloads identify them (seq = index), all of one version. */
typedef struct {
  uint8_t version;
  uint8_t payload[N_PACKETS][2048];
  size_t payload_len[N_PACKETS];
  size_t packet_len[N_PACKETS]; /* decoded: header, payload and CRC */
  uint8_t wire[N_PACKETS][MAX_WIRE];
  size_t wire_len[N_PACKETS];
} packets;

typedef struct {
  uint8_t *data;
  size_t len;
  size_t size;
} stream;

typedef struct {
  const packets *ref;
  unsigned delivered[N_PACKETS];
  unsigned foreign; /* delivered packets that match no reference packet */
  unsigned order_errors;
  int last;
} seen;

static packets ref;
static uint8_t decode_buf[SF_NATIVE_DECODE_BUFFER_SIZE (1 << 16)];

static void
stream_init (stream *s, size_t size)
{
  s->data = sft_xmalloc (size);
  s->len = 0;
  s->size = size;
}

static void
stream_add (stream *s, const void *data, size_t len)
{
  if (s->len + len > s->size) {
    fprintf (stderr, "test stream too small\n");
    exit (2);
  }
  memcpy (s->data + s->len, data, len);
  s->len += len;
}

static void
stream_add_byte (stream *s, uint8_t b)
{
  stream_add (s, &b, 1);
}

static void
make_packets (uint8_t version, unsigned options, uint64_t *rng)
{
  uint8_t header[SF_HEADER_MAX];
  size_t i, header_len;
  sf_header hdr;

  ref.version = version;
  for (i = 0; i < N_PACKETS; i++) {
    ref.payload_len[i] = 100 + 190 * i;
    sft_fill_random (rng, ref.payload[i], ref.payload_len[i]);
    ref.payload[i][7] = 0;
    ref.payload[i][0] = (uint8_t) i;
    sf_header_init (&hdr, SF_TYPE_DATA);
    hdr.version = version;
    hdr.seq = (uint32_t) i;
    hdr.pts = i * 40000000u;
    hdr.flags = i ? SF_FLAG_DELTA_UNIT : SF_FLAG_HEADER;
    hdr.payload_len = (uint32_t) ref.payload_len[i];
    CHECK (sf_encode_native (&hdr, ref.payload[i], ref.payload_len[i], options,
               ref.wire[i], MAX_WIRE, &ref.wire_len[i]) == SF_OK);
    CHECK (sf_header_encode (&hdr, NULL, header, sizeof (header),
               &header_len) == SF_OK);
    ref.packet_len[i] = header_len + ref.payload_len[i] + SF_CRC_SIZE;
  }
}

static void
on_packet (const sf_packet *pkt, void *user)
{
  seen *s = user;
  uint32_t i = pkt->header.seq;

  if (i >= N_PACKETS || pkt->header.version != s->ref->version ||
      pkt->payload_len != s->ref->payload_len[i] ||
      memcmp (pkt->payload, s->ref->payload[i], pkt->payload_len) != 0 ||
      pkt->header.pts != i * 40000000u) {
    s->foreign++;
    return;
  }
  if ((int) i <= s->last)
    s->order_errors++;
  s->last = (int) i;
  s->delivered[i]++;
}

static uint64_t
errors (const sf_dec_stats *st)
{
  return st->crc_errors + st->bad_version + st->malformed + st->unknown_type +
      st->unsupported + st->oversize;
}

/* Decodes s three ways (whole, byte by byte, random chunks); all three must
 * agree.  Returns the stats and deliveries of the last. */
static void
decode (const stream *s, unsigned options, size_t bufsize, seen *out,
    sf_dec_stats *stats)
{
  static uint64_t rng = 99;
  sf_dec_stats first;
  int way;

  for (way = 0; way < 3; way++) {
    sf_decoder dec;

    memset (out, 0, sizeof (*out));
    out->ref = &ref;
    out->last = -1;
    CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, options, decode_buf,
               bufsize) == SF_OK);
    sft_decode_stream (&dec, s->data, s->len, way ? &rng : NULL,
        way == 1 ? 1 : 97, on_packet, out);
    *stats = *sf_decoder_get_stats (&dec);
    CHECK_EQ_U64 (stats->wire_bytes, s->len);
    CHECK_EQ_U64 (out->foreign, 0);
    CHECK_EQ_U64 (out->order_errors, 0);
    if (way == 0)
      first = *stats;
    else
      CHECK (memcmp (&first, stats, sizeof (first)) == 0);
  }
}

/* Every packet but those in the mask was delivered exactly once. */
static void
check_delivered (const seen *s, unsigned lost_mask, const char *what)
{
  int i;

  for (i = 0; i < N_PACKETS; i++) {
    unsigned want = !(lost_mask & (1u << i));
    CHECK_MSG (s->delivered[i] == want, "%s: P%d delivered %u times", what, i,
        s->delivered[i]);
  }
}

static void
build (stream *s, unsigned skip_mask)
{
  int i;

  s->len = 0;
  stream_add_byte (s, 0);
  for (i = 0; i < N_PACKETS; i++)
    if (!(skip_mask & (1u << i)))
      stream_add (s, ref.wire[i], ref.wire_len[i]);
}

/* How a lone damaged piece (without its delimiter) will be counted:
 * invalid COBS or shorter than any packet is malformed, otherwise the CRC
 * fails. */
static uint64_t *
expected_counter (sf_dec_stats *want, const uint8_t *piece, size_t len)
{
  static uint8_t tmp[sizeof (decode_buf)];
  size_t n;

  if (sf_cobs_decode (piece, len, tmp, sizeof (tmp), &n) != SF_OK ||
      n < MIN_PACKET)
    return &want->malformed;
  return &want->crc_errors;
}

static void
check_stats (const sf_dec_stats *got, const sf_dec_stats *want,
    const char *what)
{
  CHECK_MSG (got->packets == want->packets,
      "%s: packets %" PRIu64 " != %" PRIu64, what, got->packets, want->packets);
  CHECK_MSG (got->crc_errors == want->crc_errors &&
          got->malformed == want->malformed &&
          got->bad_version == want->bad_version &&
          got->unknown_type == want->unknown_type &&
          got->unsupported == want->unsupported &&
          got->oversize == want->oversize,
      "%s (version %u): crc %" PRIu64 "/%" PRIu64 " malformed %" PRIu64
      "/%" PRIu64 " version %" PRIu64 "/%" PRIu64 " type %" PRIu64 "/%" PRIu64
      " unsupported %" PRIu64 "/%" PRIu64 " oversize %" PRIu64 "/%" PRIu64,
      what, ref.version, got->crc_errors, want->crc_errors, got->malformed,
      want->malformed, got->bad_version, want->bad_version, got->unknown_type,
      want->unknown_type, got->unsupported, want->unsupported, got->oversize,
      want->oversize);
  CHECK_MSG (got->skipped_bytes == want->skipped_bytes,
      "%s: skipped %" PRIu64 " != %" PRIu64, what, got->skipped_bytes,
      want->skipped_bytes);
  CHECK_MSG (got->empty == want->empty, "%s: empty %" PRIu64 " != %" PRIu64,
      what, got->empty, want->empty);
}

static void
test_clean (stream *s)
{
  sf_dec_stats st, want;
  seen sn;
  size_t i, payload = 0;

  build (s, 0);
  decode (s, 0, sizeof (decode_buf), &sn, &st);
  check_delivered (&sn, 0, "clean");
  memset (&want, 0, sizeof (want));
  want.packets = N_PACKETS;
  check_stats (&st, &want, "clean");
  for (i = 0; i < N_PACKETS; i++)
    payload += ref.payload_len[i];
  CHECK_EQ_U64 (st.payload_bytes, payload);
}

/* A single flipped bit anywhere in a small packet is never delivered. */
static void
test_bit_flips (stream *s)
{
  uint8_t small[SF_NATIVE_ENCODED_MAX (8)], flipped[sizeof (small)];
  static const uint8_t payload[8] = { 0xde, 0xad, 0xbe, 0xef, 0, 0xc0, 0xff,
    0xee };
  size_t len, bit, i, zeros;
  unsigned bad = 0;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.version = ref.version;
  hdr.seq = 1000;
  CHECK (sf_encode_native (&hdr, payload, sizeof (payload), 0, small,
             sizeof (small), &len) == SF_OK);
  for (bit = 0; bit < 8 * len; bit++) {
    sf_dec_stats st;
    seen sn;
    int delim_flip = bit / 8 == len - 1;
    uint64_t segments;

    memcpy (flipped, small, len);
    flipped[bit / 8] ^= (uint8_t) (1u << (bit % 8));
    s->len = 0;
    stream_add_byte (s, 0);
    stream_add (s, flipped, len);
    for (i = 0; i < 3; i++)
      stream_add (s, ref.wire[i], ref.wire_len[i]);
    decode (s, 0, sizeof (decode_buf), &sn, &st);
    /* A flipped delimiter merges the packet with P0; nothing else is
     * lost.  The damaged packet itself (seq 1000) would be "foreign". */
    check_delivered (&sn, delim_flip ? 0x3F9 : 0x3F8, "bit flip");
    /* Every delimiter after the first ends exactly one counted piece. */
    zeros = 0;
    for (i = 1; i < s->len; i++)
      zeros += s->data[i] == 0;
    segments = st.packets + st.empty + errors (&st);
    if (segments != zeros || errors (&st) == 0 ||
        st.packets != (uint64_t) (3 - delim_flip))
      bad++;
  }
  CHECK_MSG (bad == 0, "%u bit flips miscounted", bad);
}

/* Bytes lost from the end of a packet, its delimiter kept. */
static void
test_truncated (stream *s)
{
  size_t k, len3 = ref.wire_len[3];
  unsigned lost = 1u << 3;

  for (k = 1; k < len3 - 1; k++) {
    sf_dec_stats st, want;
    seen sn;
    size_t piece = len3 - 1 - k;

    s->len = 0;
    build (s, ~0u);
    stream_add (s, ref.wire[0], ref.wire_len[0]);
    stream_add (s, ref.wire[1], ref.wire_len[1]);
    stream_add (s, ref.wire[2], ref.wire_len[2]);
    stream_add (s, ref.wire[3], piece);
    stream_add_byte (s, 0);
    stream_add (s, ref.wire[4], ref.wire_len[4]);
    decode (s, 0, sizeof (decode_buf), &sn, &st);
    check_delivered (&sn, lost | 0x3E0, "truncated");
    memset (&want, 0, sizeof (want));
    want.packets = 4;
    (*expected_counter (&want, ref.wire[3], piece))++;
    want.skipped_bytes = piece;
    check_stats (&st, &want, "truncated");
  }

  /* The stream ends inside a packet: nothing counted until resync. */
  {
    sf_decoder dec;
    seen sn;
    const sf_dec_stats *st;

    build (s, 0);
    s->len -= 10;
    memset (&sn, 0, sizeof (sn));
    sn.ref = &ref;
    sn.last = -1;
    sf_decoder_init (&dec, SF_MODE_NATIVE, 0, decode_buf, sizeof (decode_buf));
    sft_decode_stream (&dec, s->data, s->len, NULL, 0, on_packet, &sn);
    st = sf_decoder_get_stats (&dec);
    check_delivered (&sn, 1u << 9, "cut stream");
    CHECK_EQ_U64 (st->packets, 9);
    CHECK_EQ_U64 (errors (st), 0);
    CHECK_EQ_U64 (st->skipped_bytes, 0);
    sf_decoder_resync (&dec);
    CHECK_EQ_U64 (st->skipped_bytes, ref.wire_len[9] - 10);
    CHECK (sf_decoder_state (&dec) == SF_DEC_STATE_HUNT);
  }
}

/* Bytes lost from the middle of a packet. */
static void
test_lost_bytes (stream *s)
{
  size_t at, n, len5 = ref.wire_len[5];
  uint8_t piece[MAX_WIRE];
  unsigned cases = 0;

  for (at = 0; at + 1 < len5; at += 37) {
    for (n = 1; n <= 64 && at + n < len5; n *= 2) {
      sf_dec_stats st, want;
      seen sn;
      size_t piece_len = len5 - 1 - n;

      memcpy (piece, ref.wire[5], at);
      memcpy (piece + at, ref.wire[5] + at + n, len5 - 1 - at - n);
      build (s, 0x3E0);
      stream_add (s, piece, piece_len);
      stream_add_byte (s, 0);
      stream_add (s, ref.wire[6], ref.wire_len[6]);
      decode (s, 0, sizeof (decode_buf), &sn, &st);
      check_delivered (&sn, 0x3A0, "lost bytes");
      memset (&want, 0, sizeof (want));
      want.packets = 6;
      (*expected_counter (&want, piece, piece_len))++;
      want.skipped_bytes = piece_len;
      check_stats (&st, &want, "lost bytes");
      cases++;
    }
  }
  CHECK (cases > 50);
}

static void
test_garbage (stream *s, uint64_t *rng)
{
  uint8_t junk[64];
  sf_dec_stats st, want;
  seen sn;
  size_t i;

  for (i = 0; i < sizeof (junk); i++)
    junk[i] = (uint8_t) (1 + sft_rand (rng) % 255);

  s->len = 0;
  stream_add_byte (s, 0);
  for (i = 0; i < N_PACKETS; i++) {
    stream_add (s, ref.wire[i], ref.wire_len[i]);
    if (i == 2) {
      /* Line noise that ends in a zero costs only itself. */
      stream_add (s, junk, 30);
      stream_add_byte (s, 0);
    }
    if (i == 4) {
      /* Idle delimiters. */
      stream_add (s, "\0\0\0", 3);
    }
    if (i == 6) {
      /* Noise without a zero sticks to the next packet: P7 is lost. */
      stream_add (s, junk, 20);
    }
  }
  decode (s, 0, sizeof (decode_buf), &sn, &st);
  check_delivered (&sn, 1u << 7, "garbage");
  memset (&want, 0, sizeof (want));
  want.packets = N_PACKETS - 1;
  (*expected_counter (&want, junk, 30))++;
  {
    uint8_t merged[MAX_WIRE + 20];
    memcpy (merged, junk, 20);
    memcpy (merged + 20, ref.wire[7], ref.wire_len[7] - 1);
    (*expected_counter (&want, merged, 20 + ref.wire_len[7] - 1))++;
  }
  want.skipped_bytes = 30 + 20 + ref.wire_len[7] - 1;
  want.empty = 3;
  check_stats (&st, &want, "garbage");
}

/* A lost delimiter merges two packets into one that fails its CRC. */
static void
test_merged (stream *s)
{
  sf_dec_stats st, want;
  seen sn;
  int i;

  s->len = 0;
  stream_add_byte (s, 0);
  for (i = 0; i < N_PACKETS; i++)
    stream_add (s, ref.wire[i], ref.wire_len[i] - (i == 1));
  decode (s, 0, sizeof (decode_buf), &sn, &st);
  check_delivered (&sn, 0x6, "merged");
  memset (&want, 0, sizeof (want));
  want.packets = N_PACKETS - 2;
  want.crc_errors = 1;
  want.skipped_bytes = ref.wire_len[1] - 1 + ref.wire_len[2] - 1;
  check_stats (&st, &want, "merged");
}

/* A receiver that starts at any byte of P0 loses P0 only, and counts the
 * bytes it skipped, not an error. */
static void
test_mid_start (stream *s)
{
  size_t off, len0 = ref.wire_len[0];
  unsigned bad = 0;

  build (s, 0);
  for (off = 1; off <= len0; off++) {
    stream tail;
    sf_dec_stats st, want;
    seen sn;

    tail.data = s->data + off;
    tail.len = s->len - off;
    tail.size = tail.len;
    decode (&tail, 0, sizeof (decode_buf), &sn, &st);
    memset (&want, 0, sizeof (want));
    want.packets = N_PACKETS - 1;
    want.skipped_bytes = len0 - off;
    if (sn.delivered[0] || st.packets != want.packets || errors (&st) ||
        st.skipped_bytes != want.skipped_bytes || st.empty)
      bad++;
  }
  CHECK_MSG (bad == 0, "%u start offsets miscounted", bad);
}

/* A packet longer than the decoder buffer is dropped; how much longer its
 * header makes it depends on the version. */
static void
test_oversize (stream *s)
{
  size_t buf_size = 1000, i;
  sf_dec_stats st, want;
  unsigned lost = 0;
  seen sn;

  build (s, 0);
  memset (&want, 0, sizeof (want));
  for (i = 0; i < N_PACKETS; i++) {
    if (ref.packet_len[i] > buf_size) {
      lost |= 1u << i;
      want.oversize++;
      want.skipped_bytes += ref.wire_len[i] - 1;
    } else {
      want.packets++;
    }
  }
  decode (s, 0, buf_size, &sn, &st);
  check_delivered (&sn, lost, "oversize");
  check_stats (&st, &want, "oversize");
  CHECK (want.oversize == 5);

  /* Exactly the largest packet fits, and always does in a buffer sized for
   * its payload. */
  decode (s, 0, ref.packet_len[9], &sn, &st);
  check_delivered (&sn, 0, "largest fits");
  decode (s, 0, SF_NATIVE_DECODE_BUFFER_SIZE (ref.payload_len[9]), &sn, &st);
  check_delivered (&sn, 0, "sized for the payload");
  decode (s, 0, ref.packet_len[9] - 1, &sn, &st);
  check_delivered (&sn, 1u << 9, "one byte short");
  CHECK_EQ_U64 (st.oversize, 1);
}

/* Hand-built packets with a valid CRC but wrong contents: the header
 * bytes as given, the payload, the CRC, COBS and the delimiter. */
static size_t
craft (const uint8_t *header, size_t header_len, const void *payload,
    size_t len, uint8_t *out)
{
  uint8_t raw[SF_NATIVE_OVERHEAD + 64];
  uint32_t crc;
  size_t n;

  memcpy (raw, header, header_len);
  memcpy (raw + header_len, payload, len);
  n = header_len + len;
  crc = sf_crc32c (0, raw, n);
  raw[n] = (uint8_t) crc;
  raw[n + 1] = (uint8_t) (crc >> 8);
  raw[n + 2] = (uint8_t) (crc >> 16);
  raw[n + 3] = (uint8_t) (crc >> 24);
  CHECK (sf_cobs_encode (raw, n + 4, out, MAX_WIRE, &n) == SF_OK);
  out[n++] = 0;
  return n;
}

/* A version 1 header, any version and type byte, any length field. */
static size_t
craft_v1 (uint8_t version, uint8_t wire_type, uint32_t claimed_len,
    const void *payload, size_t len, uint8_t *out)
{
  uint8_t raw[SF_V1_HEADER_SIZE];
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.version = SF_VERSION_1;
  hdr.payload_len = claimed_len;
  CHECK (sf_header_pack (&hdr, raw, sizeof (raw)) == SF_OK);
  raw[0] = version;
  raw[1] = wire_type;
  return craft (raw, sizeof (raw), payload, len, out);
}

typedef struct {
  const char *header;
  size_t header_len;
  const char *payload;
  size_t payload_len;
  int counter; /* 0 bad version, 1 unknown type, 2 unsupported, 3 malformed */
} bad_packet;

/* Version 2 packets a receiver drops, one of each kind. */
static const bad_packet bad_v2[] = {
  { "\x03\x00\x00\x00", 4, "abc", 3, 0 },     /* version 3 */
  { "\x11\x00\x00\x00", 4, "abc", 3, 0 },     /* version 1 with a type */
  { "\x62\x00\x00\x00", 4, "abc", 3, 1 },     /* reserved type 6 */
  { "\xc2\x80\x00\x00", 4, "", 0, 1 },        /* type 12, MORE, 1-byte seq */
  { "\x02\x80\x10\x00\x00", 5, "abc", 3, 2 }, /* more bit 4 */
  { "\x02\x60\x00\x00", 4, "abc", 3, 2 },     /* DURATION encoding 3 */
  { "\x22\x04\x00\x00", 4, "abc", 3, 2 },     /* CAPS fields bit 2 */
  { "\x02\x80\x04\x00\x00\x02\x90\x00", 8, "abc", 3, 2 }, /* critical */
  { "\x02\x02\x00\x00\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 15, "abc",
      3, 3 },                                     /* an 11-byte varint */
  { "\x12\x00\x00\x00\x02\x02", 6, "abc", 3, 3 }, /* fragment 2 of 2 */
  { "\x32\x00\x00\x00", 4, "abc", 3, 3 },         /* EOS payload */
  { "\x22\x00\x00\x00", 4, "a\0b", 3, 3 },        /* NUL in plain caps */
  { "\x82\x01\x00\x00", 4, "1234567", 7, 2 },     /* REPORT fields bit 0 */
  { "\x52\x00\x00\x00", 4, "abc", 3, 3 },         /* SKIP with a payload */
  { "\x92\x00\x00\x00", 4, "\x04\x00\x02\x01\x01", 5, 3 }, /* NACK overlap */
};

static void
add_bad_v2 (stream *s, sf_dec_stats *want)
{
  uint64_t *counters[4];
  uint8_t pkt[MAX_WIRE];
  size_t i, n;

  counters[0] = &want->bad_version;
  counters[1] = &want->unknown_type;
  counters[2] = &want->unsupported;
  counters[3] = &want->malformed;
  for (i = 0; i < sizeof (bad_v2) / sizeof (bad_v2[0]); i++) {
    n = craft ((const uint8_t *) bad_v2[i].header, bad_v2[i].header_len,
        bad_v2[i].payload, bad_v2[i].payload_len, pkt);
    stream_add (s, pkt, n);
    want->skipped_bytes += n - 1;
    (*counters[bad_v2[i].counter])++;
  }
}

static void
add_bad_v1 (stream *s, sf_dec_stats *want)
{
  uint8_t pkt[MAX_WIRE];
  size_t n;

#define ADD(counter, call)                                                     \
  do {                                                                         \
    n = call;                                                                  \
    stream_add (s, pkt, n);                                                    \
    want->skipped_bytes += n - 1;                                              \
    want->counter++;                                                           \
  } while (0)
  ADD (bad_version, craft_v1 (3, 1, 3, "abc", 3, pkt));
  ADD (bad_version, craft_v1 (0, 1, 3, "abc", 3, pkt));
  ADD (unknown_type, craft_v1 (1, 4, 3, "abc", 3, pkt));
  ADD (unknown_type, craft_v1 (1, 0x42, 0, "", 0, pkt));
  ADD (unknown_type, craft_v1 (1, 0, 9, "abc", 3, pkt));
  ADD (malformed, craft_v1 (1, 1, 2, "abc", 3, pkt));
  ADD (malformed, craft_v1 (1, 3, 1, "a", 1, pkt));
  ADD (malformed, craft_v1 (1, 2, 3, "a\0b", 3, pkt));
#undef ADD
}

/* Damaged headers of both versions amid the reference packets: each is
 * counted under its reason and costs only itself. */
static void
test_bad_headers (stream *s)
{
  sf_dec_stats st, want;
  char caps[SF_CAPS_MAX + 2];
  size_t n;
  sf_header hdr;
  seen sn;

  memset (&want, 0, sizeof (want));
  s->len = 0;
  stream_add_byte (s, 0);
  stream_add (s, ref.wire[0], ref.wire_len[0]);
  add_bad_v1 (s, &want);
  stream_add (s, ref.wire[1], ref.wire_len[1]);
  add_bad_v2 (s, &want);
  stream_add (s, ref.wire[2], ref.wire_len[2]);
  decode (s, 0, sizeof (decode_buf), &sn, &st);
  check_delivered (&sn, 0x3F8, "bad headers");
  want.packets = 3;
  check_stats (&st, &want, "bad headers");
  CHECK (want.bad_version == 4 && want.unknown_type == 5 &&
      want.unsupported == 5 && want.malformed == 9);

  /* CAPS at the size limit passes, one byte more does not. */
  memset (caps, 'c', sizeof (caps));
  sf_header_init (&hdr, SF_TYPE_CAPS);
  {
    static uint8_t big[SF_NATIVE_ENCODED_MAX (SF_CAPS_MAX + 1)];
    CHECK (sf_encode_native (&hdr, caps, SF_CAPS_MAX, 0, big, sizeof (big),
               &n) == SF_OK);
    CHECK (sf_encode_native (&hdr, caps, SF_CAPS_MAX + 1, 0, big, sizeof (big),
               &n) == SF_ERR_LENGTH);
  }
}

/* xon-xoff mode: stray XON/XOFF anywhere are ignored; a bad escape costs
 * its packet only. */
static void
test_xonxoff (stream *s, uint64_t *rng)
{
  sf_dec_stats st, want;
  seen sn;
  size_t i, j, stray = 0;
  unsigned k;

  make_packets (ref.version, SF_OPT_XONXOFF, rng);
  s->len = 0;
  stream_add_byte (s, 0);
  for (i = 0; i < N_PACKETS; i++) {
    for (j = 0; j < ref.wire_len[i]; j++) {
      CHECK (ref.wire[i][j] != SF_XON && ref.wire[i][j] != SF_XOFF);
      if (sft_rand (rng) % 50 == 0) {
        stream_add_byte (s, sft_rand (rng) & 1 ? SF_XON : SF_XOFF);
        stray++;
      }
      stream_add_byte (s, ref.wire[i][j]);
    }
  }
  decode (s, SF_OPT_XONXOFF, sizeof (decode_buf), &sn, &st);
  check_delivered (&sn, 0, "stray xon/xoff");
  memset (&want, 0, sizeof (want));
  want.packets = N_PACKETS;
  check_stats (&st, &want, "stray xon/xoff");
  CHECK (stray > 20);

  /* Escapes in P3 replaced by invalid ones, or cut by the delimiter. */
  for (k = 0; k < 3; k++) {
    static const uint8_t bad_follow[] = { 0x41, 0x20, 0x00 };
    size_t cut = 0;

    build (s, 0);
    for (i = 1 + ref.wire_len[0] + ref.wire_len[1] + ref.wire_len[2];; i++) {
      if (s->data[i] == SF_XESC)
        break;
    }
    if (bad_follow[k] == 0) {
      /* Drop everything after the escape byte up to the delimiter. */
      size_t end = 1 + ref.wire_len[0] + ref.wire_len[1] + ref.wire_len[2] +
          ref.wire_len[3] - 1;
      cut = end - (i + 1);
      memmove (s->data + i + 1, s->data + end, s->len - end);
      s->len -= cut;
    } else {
      s->data[i + 1] = bad_follow[k];
    }
    decode (s, SF_OPT_XONXOFF, sizeof (decode_buf), &sn, &st);
    check_delivered (&sn, 1u << 3, "bad escape");
    memset (&want, 0, sizeof (want));
    want.packets = N_PACKETS - 1;
    want.malformed = 1;
    want.skipped_bytes = ref.wire_len[3] - 1 - cut;
    check_stats (&st, &want, "bad escape");
  }
  make_packets (ref.version, 0, rng);
}

/* cobs and slip framings: no check, but framing errors are still caught. */
static void
test_simple_framings (uint64_t *rng)
{
  uint8_t payload[300], wire[4][SF_SLIP_ENCODED_MAX (300)], buf[300];
  size_t wlen[4], i;
  sf_decoder dec;
  stream s;
  seen sn;
  const sf_dec_stats *st;
  int slip;

  (void) sn;
  for (slip = 0; slip < 2; slip++) {
    sf_mode mode = slip ? SF_MODE_SLIP : SF_MODE_COBS;
    size_t delivered = 0, n;

    for (i = 0; i < 4; i++) {
      sft_fill_random (rng, payload, sizeof (payload));
      payload[5] = slip ? SF_SLIP_END : 0;
      n = i == 2 ? 300 : 100;
      CHECK ((slip ? sf_encode_slip : sf_encode_cobs) (payload, n, 0, wire[i],
                 sizeof (wire[i]), &wlen[i]) == SF_OK);
    }
    stream_init (&s, 4096);
    /* P0, noise, P1 (oversize for a 200-byte buffer: P2), P3. */
    stream_add (&s, wire[0], wlen[0]);
    if (slip) {
      stream_add (&s, "\xdb\x41\x01\x02\xc0", 5); /* bad escape */
    } else {
      stream_add (&s, "\x05\x01\x00", 3); /* block cut by a delimiter */
    }
    stream_add (&s, wire[1], wlen[1]);
    stream_add (&s, wire[2], wlen[2]);
    stream_add (&s, wire[3], wlen[3]);
    CHECK (sf_decoder_init (&dec, mode, 0, buf, 200) == SF_OK);
    delivered = sft_decode_stream (&dec, s.data, s.len, rng, 13, NULL, NULL);
    st = sf_decoder_get_stats (&dec);
    CHECK_EQ_U64 (delivered, 3);
    CHECK_EQ_U64 (st->packets, 3);
    CHECK_EQ_U64 (st->payload_bytes, 300);
    CHECK_EQ_U64 (st->malformed, 1);
    CHECK_EQ_U64 (st->oversize, 1);
    CHECK_EQ_U64 (st->empty, slip ? 4 : 0);
    CHECK_EQ_U64 (st->skipped_bytes,
        (slip ? 4 : 2) + wlen[2] - 1 - (slip ? 1 : 0));
    CHECK_EQ_U64 (st->wire_bytes, s.len);
    free (s.data);
  }
}

int
main (void)
{
  static const uint8_t versions[] = { SF_VERSION, SF_VERSION_1 };
  uint64_t rng = 0xBADC0DE;
  stream s;
  size_t v;

  stream_init (&s, N_PACKETS * MAX_WIRE + 4096);
  /* Receivers read both versions: the same damage to either costs the
   * same. */
  for (v = 0; v < 2; v++) {
    make_packets (versions[v], 0, &rng);
    test_clean (&s);
    test_bit_flips (&s);
    test_truncated (&s);
    test_lost_bytes (&s);
    test_garbage (&s, &rng);
    test_merged (&s);
    test_mid_start (&s);
    test_oversize (&s);
    test_bad_headers (&s);
    test_xonxoff (&s, &rng);
  }
  test_simple_framings (&rng);
  free (s.data);
  return sft_summary ();
}
