/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Codec round trips: many lengths, extreme contents, 8 MiB, random chunks. */

#include "sftest.h"

static const sf_mode modes[] = { SF_MODE_NATIVE, SF_MODE_COBS, SF_MODE_SLIP };
static const unsigned option_sets[] = { 0, SF_OPT_XONXOFF };
/* The version of the native packets the round trips send. */
static uint8_t native_version = SF_VERSION;

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
          (pkt->header.version != native_version ||
              pkt->header.seq != e->first_seq + e->next ||
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
      hdr.version = native_version;
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
          st->unknown_type + st->unsupported + st->oversize,
      0);
  free (buf);
  free (stream);
}

/* Every length from 0 to 1024 in each of the first n_modes modes. */
static void
test_all_lengths (uint64_t *rng, size_t n_modes)
{
  enum {
    N = 1025
  };
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
  for (m = 0; m < n_modes; m++)
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
  enum {
    N = sizeof (sizes) / sizeof (sizes[0])
  };
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

/* --- Version 2 streams ----------------------------------------------- */

#define N_STREAMS 3
#define MAX_FRAME 300
/* Fragments of a frame, at most. */
#define MAX_PIECES 8

/* What a sender keeps per stream. */
typedef struct {
  uint16_t next_seq;
  uint64_t pts;
  uint64_t duration;
  sf_frame_ref ref;
} tx_stream;

/* A packet as it was sent. */
typedef struct {
  sf_header hdr;
  uint8_t payload[MAX_FRAME];
  size_t len;
  int lost;
} sent;

typedef struct {
  sent *packets;
  size_t count;
  size_t next;
  unsigned mismatches;
  unsigned resolved;   /* frames whose times all came through */
  unsigned unresolved; /* frames with a time the receiver could not know */
} v2_ctx;

static uint64_t
rand_time (uint64_t *rng)
{
  switch (sft_rand (rng) % 3) {
    case 0:
      return sft_rand (rng) % 1000;
    case 1:
      return sft_rand (rng) % (UINT64_C (1) << 40);
    default:
      return SF_TIME_NONE - 1 - sft_rand (rng) % 1000;
  }
}

/* Steady streams, B-frames, changes of duration, jumps and no times. */
static void
frame_times (uint64_t *rng, tx_stream *st, sf_header *h)
{
  unsigned pattern = (unsigned) (sft_rand (rng) % 8);

  if (sft_rand (rng) % 20 == 0)
    st->duration = sft_rand (rng) % 4 ? 1 + sft_rand (rng) % 100000000 : 0;
  if (pattern < 4 || st->pts >= SF_TIME_NONE / 2) {
    h->pts = st->pts;
    h->dts = pattern % 2 ? h->pts : SF_TIME_NONE;
    h->duration = st->duration;
    st->pts = st->pts < SF_TIME_NONE / 2 ? st->pts + st->duration : 0;
  } else if (pattern == 4) {
    h->pts = st->pts > 2 * st->duration ? st->pts - 2 * st->duration : st->pts;
    h->dts = h->pts / 2;
    h->duration = st->duration;
  } else if (pattern == 5) {
    h->pts = rand_time (rng);
    h->dts = sft_rand (rng) % 2 ? rand_time (rng) : SF_TIME_NONE;
    h->duration = sft_rand (rng) % 2 ? rand_time (rng) : SF_TIME_NONE;
  } else if (pattern == 6) {
    h->dts = sft_rand (rng) % 2 ? rand_time (rng) : SF_TIME_NONE;
    h->duration = 0;
  }
  if (sft_rand (rng) % 3 == 0)
    h->sender_time = sft_rand (rng) % 2 ? sft_rand (rng) : 0;
}

static void
add_packet (v2_ctx *c, const sf_header *hdr, const uint8_t *payload, size_t len)
{
  sent *p = &c->packets[c->count++];

  p->hdr = *hdr;
  p->hdr.payload_len = (uint32_t) len;
  if (len)
    memcpy (p->payload, payload, len);
  p->len = len;
  p->lost = 0;
}

/* A frame: DATA, or 2 to MAX_PIECES FRAGMENTs of F bytes and a last one
 * of 1 to F. */
static void
add_frame (v2_ctx *c, uint64_t *rng, uint32_t stream, tx_stream *st)
{
  uint8_t payload[MAX_FRAME];
  size_t len = (size_t) (sft_rand (rng) % MAX_FRAME), f, i, n;
  sf_header h;

  sf_header_init (&h, SF_TYPE_DATA);
  h.stream = stream;
  h.seq = st->next_seq++;
  h.flags = (uint16_t) (sft_rand (rng) & SF_FLAGS_DEFINED);
  frame_times (rng, st, &h);
  sft_fill_random (rng, payload, len);
  if (len < 2 || sft_rand (rng) % 3) {
    add_packet (c, &h, payload, len);
    return;
  }
  f = (len + MAX_PIECES - 1) / MAX_PIECES;
  f += (size_t) (sft_rand (rng) % (len - f));
  h.type = SF_TYPE_FRAGMENT;
  h.frag_count = (uint16_t) ((len + f - 1) / f);
  for (i = 0; i < h.frag_count; i++) {
    n = i + 1 < h.frag_count ? f : len - i * f;
    h.frag_index = (uint16_t) i;
    add_packet (c, &h, payload + i * f, n);
  }
}

static void
add_caps (v2_ctx *c, uint64_t *rng, uint32_t stream, const tx_stream *st)
{
  static const char caps[] =
      "video/x-h264, stream-format=(string)avc, codec_data=(buffer)"
      "0164001fffe1001967640028acd940780227e5c04400000300040000030";
  uint8_t compact[sizeof (caps)];
  size_t len = 0;
  sf_header h;

  sf_header_init (&h, SF_TYPE_CAPS);
  h.stream = stream;
  h.seq = st->next_seq;
  h.caps_compact = sft_rand (rng) % 2;
  if (h.caps_compact) {
    CHECK (sf_caps_compact (caps, sizeof (caps) - 1, compact, sizeof (compact),
               &len) == SF_OK);
    add_packet (c, &h, compact, len);
  } else {
    add_packet (c, &h, (const uint8_t *) caps, sizeof (caps) - 1);
  }
}

/* Another sender, of version 1. */
static void
add_v1 (v2_ctx *c, uint64_t *rng)
{
  sf_header h;

  sf_header_init (&h, SF_TYPE_DATA);
  h.version = SF_VERSION_1;
  h.seq = (uint32_t) sft_rand (rng);
  h.pts = rand_time (rng);
  add_packet (c, &h, (const uint8_t *) "v1", 2);
}

static void
make_v2_packets (v2_ctx *c, uint64_t *rng, size_t frames, uint32_t streams,
    int mixed)
{
  tx_stream st[N_STREAMS];
  uint32_t s, i;
  sf_header h;

  for (s = 0; s < N_STREAMS; s++) {
    st[s].next_seq = (uint16_t) (0xFFF0 + 7 * s);
    st[s].pts = s * 1000;
    st[s].duration = 33333333;
  }
  for (i = 0; i < frames; i++) {
    s = (uint32_t) (sft_rand (rng) % streams);
    switch (sft_rand (rng) % 20) {
      case 0:
        add_caps (c, rng, s, &st[s]);
        break;
      case 1:
        sf_header_init (&h, SF_TYPE_EOS);
        h.stream = s;
        h.seq = st[s].next_seq;
        add_packet (c, &h, NULL, 0);
        break;
      case 2:
        if (mixed) {
          add_v1 (c, rng);
          break;
        }
        /* fall through */
      default:
        add_frame (c, rng, s, &st[s]);
        break;
    }
  }
}

/* Encodes what was sent, each stream's frames referring to the previous
 * one, and drops packets at random. */
static size_t
encode_v2_packets (v2_ctx *c, uint64_t *rng, unsigned loss, uint8_t *wire,
    size_t size)
{
  sf_frame_ref refs[N_STREAMS];
  size_t pos = 0, i, w;
  sf_encoder enc;
  sf_result r;

  for (i = 0; i < N_STREAMS; i++)
    sf_frame_ref_init (&refs[i]);
  wire[pos++] = 0;
  for (i = 0; i < c->count; i++) {
    sent *p = &c->packets[i];
    sf_frame_ref *ref = &refs[p->hdr.stream];

    r = sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, 0, &p->hdr, ref, wire + pos,
        size - pos);
    if (r == SF_OK)
      r = sf_encoder_write (&enc, p->payload, p->len);
    if (r == SF_OK)
      r = sf_encoder_finish (&enc, &w);
    if (!CHECK_MSG (r == SF_OK, "packet %zu: %s", i, sf_result_name (r)))
      continue;
    if (p->hdr.version == SF_VERSION)
      sf_frame_ref_update (ref, &p->hdr);
    p->lost = loss && sft_rand (rng) % loss == 0;
    if (!p->lost)
      pos += w;
  }
  return pos;
}

/* A time the receiver reads is the one sent, or none when it says it
 * could not know it. */
static int
time_ok (uint64_t got, uint64_t want, int unknown)
{
  return got == want || (unknown && got == SF_TIME_NONE);
}

static void
on_v2_packet (const sf_packet *pkt, void *user)
{
  v2_ctx *c = user;
  const sf_header *got = &pkt->header, *want;
  int pts_unknown, dur_unknown;

  while (c->next < c->count && c->packets[c->next].lost)
    c->next++;
  if (c->next >= c->count) {
    c->mismatches++;
    return;
  }
  want = &c->packets[c->next].hdr;
  pts_unknown = (got->unresolved & SF_UNRESOLVED_PTS) != 0;
  dur_unknown = (got->unresolved & SF_UNRESOLVED_DURATION) != 0;
  if (got->version != want->version || got->type != want->type ||
      got->flags != want->flags || got->seq != want->seq ||
      got->stream != want->stream || got->frag_index != want->frag_index ||
      got->frag_count != want->frag_count ||
      got->caps_compact != want->caps_compact ||
      got->sender_time != want->sender_time ||
      pkt->payload_len != c->packets[c->next].len ||
      memcmp (pkt->payload, c->packets[c->next].payload, pkt->payload_len) ||
      !time_ok (got->pts, want->pts, pts_unknown) ||
      !time_ok (got->dts, want->dts, pts_unknown) ||
      !time_ok (got->duration, want->duration, dur_unknown))
    c->mismatches++;
  if (got->type == SF_TYPE_DATA || got->type == SF_TYPE_FRAGMENT) {
    if (got->unresolved)
      c->unresolved++;
    else
      c->resolved++;
  }
  c->next++;
}

static void
v2_streams (uint64_t *rng, uint32_t streams, int mixed, unsigned loss,
    v2_ctx *c)
{
  size_t frames = 3000, max_packets = frames * MAX_PIECES;
  size_t size = max_packets * SF_NATIVE_ENCODED_MAX (MAX_FRAME / 4);
  uint8_t *wire = sft_xmalloc (size);
  uint8_t buf[SF_NATIVE_DECODE_BUFFER_SIZE (MAX_FRAME)];
  size_t len;
  sf_decoder dec;

  memset (c, 0, sizeof (*c));
  c->packets = sft_xmalloc (max_packets * sizeof (sent));
  make_v2_packets (c, rng, frames, streams, mixed);
  CHECK (c->count <= max_packets);
  len = encode_v2_packets (c, rng, loss, wire, size);
  CHECK (sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, sizeof (buf)) == SF_OK);
  sft_decode_stream (&dec, wire, len, rng, 500, on_v2_packet, c);
  while (c->next < c->count && c->packets[c->next].lost)
    c->next++;
  CHECK_MSG (c->mismatches == 0 && c->next == c->count,
      "%u streams%s, loss 1/%u: %u mismatches, %zu of %zu packets", streams,
      mixed ? " and version 1" : "", loss, c->mismatches, c->next, c->count);
  CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->crc_errors +
          sf_decoder_get_stats (&dec)->malformed,
      0);
  free (c->packets);
  free (wire);
}

/* Version 2 packets of every type through one decoder: what refers to a
 * frame the receiver holds comes back exactly; what refers to one it
 * lacks (lost, another sender in between) comes back as unknown, never as
 * a wrong time.  The decoder's sf_frame_ref holds the last two frames of
 * any stream, not of each (docs/protocol.md, section 7), so fragments of
 * two interleaved streams may also lose theirs. */
static void
test_v2_streams (uint64_t *rng)
{
  v2_ctx c;

  v2_streams (rng, 1, 0, 0, &c);
  CHECK_MSG (c.unresolved == 0, "%u frames unresolved", c.unresolved);
  v2_streams (rng, 2, 0, 0, &c);
  CHECK_MSG (c.resolved > c.unresolved, "%u resolved, %u not", c.resolved,
      c.unresolved);
  v2_streams (rng, 1, 0, 20, &c);
  CHECK (c.unresolved > 10 && c.resolved > 10 * c.unresolved);
  v2_streams (rng, 1, 1, 0, &c);
  CHECK (c.unresolved > 10);
  v2_streams (rng, N_STREAMS, 1, 10, &c);
  CHECK (c.unresolved > 10 && c.resolved > c.unresolved);
}

int
main (void)
{
  uint64_t rng = 0x5EED;

  test_all_lengths (&rng, 3);
  test_extremes (&rng);
  test_incremental (&rng);
  test_large (&rng);
  test_v2_streams (&rng);
  /* Version 1 still decodes. */
  native_version = SF_VERSION_1;
  test_all_lengths (&rng, 1);
  native_version = SF_VERSION;
  /* The table CRC must round-trip as well as the hardware one. */
  if (sf_crc32c_select (SF_CRC32C_PORTABLE) == SF_OK) {
    test_extremes (&rng);
    sf_crc32c_select (SF_CRC32C_AUTO);
  }
  return sft_summary ();
}
