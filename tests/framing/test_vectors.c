/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks the codec both ways against the vectors in tests/framing/vectors,
 * which gen-vectors.py writes from docs/protocol.md alone. */

#include "sftest.h"

#include <ctype.h>
#include <errno.h>

/* Times the receiver cannot resolve without the previous frame. */
#define UNKNOWN_PTS (1u << 0)
#define UNKNOWN_DTS (1u << 1)
#define UNKNOWN_DURATION (1u << 2)

typedef enum {
  FILE_NATIVE,
  FILE_SIMPLE,
  FILE_CAPS
} file_kind;

typedef struct {
  char name[64];
  file_kind kind;
  sf_mode mode;
  unsigned options;
  sf_header hdr; /* as decoded by a receiver that holds the previous frame */
  uint8_t *payload;
  size_t payload_len;
  int has_payload;
  uint8_t *encoded;
  size_t encoded_len;
  char expect[32];
  int no_encode;
  int header_len; /* -1: not given */
  /* the frame the packet refers to */
  int has_previous;
  uint32_t prev_seq;
  uint64_t prev_pts;
  uint64_t prev_duration;
  unsigned unknown;
  /* what a REPORT or NACK payload says; nack_pairs counts them all, ranges
   * holds the first SF_NACK_RANGES_MAX */
  int has_report, has_nack;
  sf_report report;
  sf_nack nack;
  size_t nack_pairs;
  /* caps.txt */
  char *caps;
  size_t caps_len;
  uint8_t *compact;
  size_t compact_len;
} vector;

static size_t n_vectors, n_native, n_caps, n_control;

static int
parse_hex (const char *s, uint8_t **out, size_t *out_len)
{
  size_t n = strlen (s), i;
  uint8_t *buf;

  while (n && isspace ((unsigned char) s[n - 1]))
    n--;
  if (n % 2)
    return 0;
  buf = sft_xmalloc (n / 2);
  for (i = 0; i < n / 2; i++) {
    unsigned v;
    if (sscanf (s + 2 * i, "%2x", &v) != 1) {
      free (buf);
      return 0;
    }
    buf[i] = (uint8_t) v;
  }
  *out = buf;
  *out_len = n / 2;
  return 1;
}

static uint64_t
parse_u64 (const char *s)
{
  if (strncmp (s, "none", 4) == 0)
    return SF_TIME_NONE;
  return strtoull (s, NULL, 0);
}

static uint8_t
parse_type (const vector *v, const char *s)
{
  if (!strcmp (s, "DATA"))
    return SF_TYPE_DATA;
  if (!strcmp (s, "FRAGMENT"))
    return SF_TYPE_FRAGMENT;
  if (!strcmp (s, "PARITY"))
    return SF_TYPE_PARITY;
  if (!strcmp (s, "CAPS"))
    return SF_TYPE_CAPS;
  if (!strcmp (s, "EOS"))
    return SF_TYPE_EOS;
  if (!strcmp (s, "SKIP"))
    return SF_TYPE_SKIP;
  if (!strcmp (s, "REPORT"))
    return SF_TYPE_REPORT;
  if (!strcmp (s, "NACK"))
    return SF_TYPE_NACK;
  if (!strcmp (s, "KEY_REQUEST"))
    return SF_TYPE_KEY_REQUEST;
  if (!strcmp (s, "CAPS_REQUEST"))
    return SF_TYPE_CAPS_REQUEST;
  CHECK_MSG (0, "%s: unknown type %s", v->name, s);
  return SF_TYPE_MAX;
}

/* "seq,pts,duration" */
static void
parse_previous (vector *v, const char *s)
{
  const char *pts = strchr (s, ',');
  const char *duration = pts ? strchr (pts + 1, ',') : NULL;

  if (!CHECK_MSG (duration != NULL, "%s: bad previous %s", v->name, s))
    return;
  v->has_previous = 1;
  v->prev_seq = (uint32_t) parse_u64 (s);
  v->prev_pts = parse_u64 (pts + 1);
  v->prev_duration = parse_u64 (duration + 1);
}

static void
parse_unknown (vector *v, const char *s)
{
  v->unknown = 0;
  if (strstr (s, "pts"))
    v->unknown |= UNKNOWN_PTS;
  if (strstr (s, "dts"))
    v->unknown |= UNKNOWN_DTS;
  if (strstr (s, "duration"))
    v->unknown |= UNKNOWN_DURATION;
}

/* "last_seq,delay,packets,damaged,wire_bytes,lost,repaired" */
static void
parse_report (vector *v, const char *s)
{
  uint64_t f[7];
  char *end;
  int i;

  for (i = 0; i < 7; i++) {
    f[i] = strtoull (s, &end, 10);
    if (!CHECK_MSG (end != s && *end == (i < 6 ? ',' : '\0'),
            "%s: bad report %s", v->name, s))
      return;
    s = end + 1;
  }
  v->has_report = 1;
  v->report.last_seq = (uint16_t) f[0];
  v->report.delay_us = f[1];
  v->report.packets = f[2];
  v->report.damaged = f[3];
  v->report.wire_bytes = f[4];
  v->report.lost = f[5];
  v->report.repaired = f[6];
}

/* "frag_count", then ";first+count,first+count..." when there are pairs */
static void
parse_nack (vector *v, const char *s)
{
  unsigned long first, count;
  char *end;
  int n;

  v->nack.frag_count = (uint16_t) strtoul (s, &end, 10);
  for (s = end; *s == ';' || *s == ','; s += n) {
    if (!CHECK_MSG (sscanf (s + 1, "%lu+%lu%n", &first, &count, &n) == 2,
            "%s: bad nack pair %s", v->name, s))
      return;
    n++;
    if (v->nack.n_ranges < SF_NACK_RANGES_MAX) {
      v->nack.ranges[v->nack.n_ranges].first = (uint16_t) first;
      v->nack.ranges[v->nack.n_ranges].count = (uint16_t) count;
      v->nack.n_ranges++;
    }
    v->nack_pairs++;
  }
  CHECK_MSG (*s == '\0', "%s: bad nack %s", v->name, s);
  v->has_nack = 1;
}

/* Keys of caps.txt; 'compact' there is the compact form, not the flag. */
static int
set_caps_field (vector *v, const char *key, const char *value)
{
  if (v->kind != FILE_CAPS)
    return 0;
  if (!strcmp (key, "caps")) {
    v->caps_len = strlen (value);
    v->caps = sft_xmalloc (v->caps_len);
    memcpy (v->caps, value, v->caps_len);
  } else if (!strcmp (key, "compact")) {
    CHECK_MSG (parse_hex (value, &v->compact, &v->compact_len),
        "%s: bad compact hex", v->name);
  } else {
    return 0;
  }
  return 1;
}

static int
set_header_field (vector *v, const char *key, const char *value)
{
  sf_header *h = &v->hdr;

  if (!strcmp (key, "version"))
    h->version = (uint8_t) parse_u64 (value);
  else if (!strcmp (key, "type"))
    h->type = parse_type (v, value);
  else if (!strcmp (key, "flags"))
    h->flags = (uint16_t) parse_u64 (value);
  else if (!strcmp (key, "seq"))
    h->seq = (uint32_t) parse_u64 (value);
  else if (!strcmp (key, "stream"))
    h->stream = (uint32_t) parse_u64 (value);
  else if (!strcmp (key, "frag_index"))
    h->frag_index = (uint16_t) parse_u64 (value);
  else if (!strcmp (key, "frag_count"))
    h->frag_count = (uint16_t) parse_u64 (value);
  else if (!strcmp (key, "parity_count"))
    h->parity_count = (uint16_t) parse_u64 (value);
  else if (!strcmp (key, "last_size"))
    h->last_size = (uint32_t) parse_u64 (value);
  else if (!strcmp (key, "compact"))
    h->caps_compact = (uint8_t) parse_u64 (value);
  else if (!strcmp (key, "pts"))
    h->pts = parse_u64 (value);
  else if (!strcmp (key, "dts"))
    h->dts = parse_u64 (value);
  else if (!strcmp (key, "duration"))
    h->duration = parse_u64 (value);
  else if (!strcmp (key, "sender_time"))
    h->sender_time = parse_u64 (value);
  else
    return 0;
  return 1;
}

static void
set_field (vector *v, const char *key, const char *value)
{
  if (set_caps_field (v, key, value) || set_header_field (v, key, value))
    return;
  if (!strcmp (key, "name")) {
    snprintf (v->name, sizeof (v->name), "%s", value);
  } else if (!strcmp (key, "mode")) {
    v->mode = !strcmp (value, "native") ? SF_MODE_NATIVE
        : !strcmp (value, "cobs")       ? SF_MODE_COBS
                                        : SF_MODE_SLIP;
  } else if (!strcmp (key, "options")) {
    v->options = !strcmp (value, "xonxoff") ? SF_OPT_XONXOFF
        : !strcmp (value, "no-leading-end") ? SF_OPT_SLIP_NO_LEADING_END
                                            : 0;
  } else if (!strcmp (key, "payload")) {
    v->has_payload = parse_hex (value, &v->payload, &v->payload_len);
    CHECK_MSG (v->has_payload, "%s: bad payload hex", v->name);
    v->hdr.payload_len = (uint32_t) v->payload_len;
  } else if (!strcmp (key, "encoded")) {
    CHECK_MSG (parse_hex (value, &v->encoded, &v->encoded_len),
        "%s: bad encoded hex", v->name);
  } else if (!strcmp (key, "expect")) {
    snprintf (v->expect, sizeof (v->expect), "%s", value);
  } else if (!strcmp (key, "encode")) {
    v->no_encode = !strcmp (value, "no");
  } else if (!strcmp (key, "header_len")) {
    v->header_len = (int) parse_u64 (value);
  } else if (!strcmp (key, "previous")) {
    parse_previous (v, value);
  } else if (!strcmp (key, "unknown")) {
    parse_unknown (v, value);
  } else if (!strcmp (key, "report")) {
    parse_report (v, value);
  } else if (!strcmp (key, "nack")) {
    parse_nack (v, value);
  } else {
    CHECK_MSG (0, "%s: unknown key %s", v->name, key);
  }
}

/* --- Native packets ---------------------------------------------------- */

static int
headers_equal (const sf_header *a, const sf_header *b)
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

/* The header a receiver reads without the previous frame. */
static sf_header
header_without_previous (const vector *v)
{
  sf_header h = v->hdr;

  if (v->unknown & UNKNOWN_PTS) {
    h.pts = SF_TIME_NONE;
    h.unresolved |= SF_UNRESOLVED_PTS;
  }
  if (v->unknown & UNKNOWN_DTS)
    h.dts = SF_TIME_NONE;
  if (v->unknown & UNKNOWN_DURATION) {
    h.duration = SF_TIME_NONE;
    h.unresolved |= SF_UNRESOLVED_DURATION;
  }
  return h;
}

/* The previous frame as a header of its own, in the vector's stream. */
static void
previous_header (const vector *v, sf_header *h)
{
  sf_header_init (h, SF_TYPE_DATA);
  h->stream = v->hdr.stream;
  h->seq = v->prev_seq;
  h->pts = v->prev_pts;
  h->duration = v->prev_duration;
}

/* What the sender (or a receiver that holds it) knows of the previous
 * frame. */
static void
previous_ref (const vector *v, sf_frame_ref *ref)
{
  sf_header prev;

  sf_frame_ref_init (ref);
  if (!v->has_previous)
    return;
  previous_header (v, &prev);
  sf_frame_ref_update (ref, &prev);
}

/* The packet as the receiver sees it after xon-xoff and COBS. */
static int
unframe (const vector *v, uint8_t *pkt, size_t size, size_t *len)
{
  uint8_t *plain = sft_xmalloc (v->encoded_len);
  size_t i, n = 0;
  int ok;

  for (i = 0; i + 1 < v->encoded_len; i++) {
    if ((v->options & SF_OPT_XONXOFF) && v->encoded[i] == SF_XESC)
      plain[n++] = v->encoded[++i] ^ SF_XESC_XOR;
    else
      plain[n++] = v->encoded[i];
  }
  ok = sf_cobs_decode (plain, n, pkt, size, len) == SF_OK;
  free (plain);
  return ok;
}

static sf_result
encode_ref (const vector *v, const sf_frame_ref *ref, size_t piece,
    uint8_t *dst, size_t size, size_t *written)
{
  sf_encoder enc;
  size_t i, n;
  sf_result r;

  r = sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, v->options, &v->hdr, ref, dst,
      size);
  for (i = 0; r == SF_OK && i < v->payload_len; i += n) {
    n = v->payload_len - i < piece ? v->payload_len - i : piece;
    r = sf_encoder_write (&enc, v->payload + i, n);
  }
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, written);
  return r;
}

static int
same_bytes (const vector *v, sf_result r, const uint8_t *dst, size_t written)
{
  return r == SF_OK && written == v->encoded_len &&
      !memcmp (dst, v->encoded, written);
}

/* The one-shot encoders write no references: they match vectors that have
 * none to write. */
static void
check_encode_one_shot (const vector *v, uint8_t *dst, size_t max)
{
  size_t written = 0;
  sf_iovec iov[3];
  sf_result r;

  r = sf_encode_native (&v->hdr, v->payload, v->payload_len, v->options, dst,
      max, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: encoding differs (%s)",
      v->name, sf_result_name (r));
  iov[0].data = v->payload;
  iov[0].len = v->payload_len / 3;
  iov[1].data = v->payload + iov[0].len;
  iov[1].len = v->payload_len / 2;
  iov[2].data = v->payload + iov[0].len + iov[1].len;
  iov[2].len = v->payload_len - iov[0].len - iov[1].len;
  memset (dst, 0xAA, max);
  r = sf_encode_native_iov (&v->hdr, iov, 3, v->options, dst, max, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: iov encoding differs",
      v->name);
}

static void
check_encode_header (const vector *v, const sf_frame_ref *ref)
{
  uint8_t header[SF_HEADER_MAX], *pkt = sft_xmalloc (v->encoded_len);
  size_t len = 0, pkt_len = 0;
  sf_result r;

  r = sf_header_encode (&v->hdr, ref, header, sizeof (header), &len);
  CHECK_MSG (r == SF_OK && unframe (v, pkt, v->encoded_len, &pkt_len) &&
          len <= pkt_len && !memcmp (header, pkt, len),
      "%s: sf_header_encode (%s)", v->name, sf_result_name (r));
  if (v->header_len >= 0)
    CHECK_EQ_U64 (len, v->header_len);
  if (len)
    CHECK (sf_header_encode (&v->hdr, ref, header, len - 1, &len) ==
        SF_ERR_OUTPUT_FULL);
  free (pkt);
}

static void
check_native_encode (const vector *v)
{
  size_t max = sf_encoded_max (SF_MODE_NATIVE, v->options, v->payload_len);
  uint8_t *dst = sft_xmalloc (max);
  size_t written = 0;
  sf_frame_ref ref;
  sf_result r;

  CHECK_MSG (v->encoded_len <= max, "%s: worst case %zu < %zu", v->name, max,
      v->encoded_len);
  previous_ref (v, &ref);
  r = encode_ref (v, &ref, v->payload_len + 1, dst, max, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: encoding differs (%s)",
      v->name, sf_result_name (r));
  memset (dst, 0xAA, max);
  r = encode_ref (v, &ref, 1, dst, max, &written);
  CHECK_MSG (same_bytes (v, r, dst, written),
      "%s: byte by byte encoding differs", v->name);
  /* An exactly sized buffer is enough, one byte less is not. */
  r = encode_ref (v, &ref, 7, dst, v->encoded_len, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: exact size", v->name);
  r = encode_ref (v, &ref, 7, dst, v->encoded_len - 1, &written);
  CHECK_MSG (r == SF_ERR_OUTPUT_FULL && written == 0, "%s: one byte short",
      v->name);
  if (!v->has_previous)
    check_encode_one_shot (v, dst, max);
  check_encode_header (v, &ref);
  free (dst);
}

typedef struct {
  const sf_header *want;
  const vector *v;
  unsigned matches;
  unsigned others;
  sf_header last;
} match_ctx;

static void
on_packet (const sf_packet *pkt, void *user)
{
  match_ctx *m = user;
  const vector *v = m->v;

  m->last = pkt->header;
  if (pkt->payload_len == v->payload_len &&
      !memcmp (pkt->payload, v->payload, v->payload_len) &&
      (v->mode != SF_MODE_NATIVE ||
          (headers_equal (&pkt->header, m->want) &&
              (v->header_len < 0 ||
                  pkt->header.header_len == (unsigned) v->header_len))))
    m->matches++;
  else
    m->others++;
}

static uint64_t
counter_by_name (const sf_dec_stats *st, const char *name)
{
  if (!strcmp (name, "crc_errors"))
    return st->crc_errors;
  if (!strcmp (name, "bad_version"))
    return st->bad_version;
  if (!strcmp (name, "malformed"))
    return st->malformed;
  if (!strcmp (name, "unknown_type"))
    return st->unknown_type;
  if (!strcmp (name, "unsupported"))
    return st->unsupported;
  if (!strcmp (name, "oversize"))
    return st->oversize;
  return UINT64_MAX;
}

static uint64_t
errors (const sf_dec_stats *st)
{
  return st->crc_errors + st->bad_version + st->malformed + st->unknown_type +
      st->unsupported + st->oversize;
}

/* The sender's initial delimiter, then the previous frame (when the
 * receiver is to hold it), then the vector's packet. */
static uint8_t *
build_stream (const vector *v, int with_previous, size_t *len)
{
  size_t max = sf_encoded_max (SF_MODE_NATIVE, v->options, 0), n = 0;
  uint8_t *stream = sft_xmalloc (1 + max + v->encoded_len);
  sf_header prev;

  *len = 0;
  if (v->mode == SF_MODE_NATIVE)
    stream[(*len)++] = 0;
  if (with_previous) {
    previous_header (v, &prev);
    CHECK (sf_encode_native (&prev, NULL, 0, v->options, stream + *len, max,
               &n) == SF_OK);
    *len += n;
  }
  memcpy (stream + *len, v->encoded, v->encoded_len);
  *len += v->encoded_len;
  return stream;
}

static void
check_decoded_stats (const vector *v, const sf_dec_stats *st,
    const match_ctx *m, int with_previous, size_t chunk)
{
  size_t i, delimiters = 0;
  uint8_t delim = v->mode == SF_MODE_SLIP ? SF_SLIP_END : 0;

  for (i = 0; i < v->encoded_len; i++)
    delimiters += v->encoded[i] == delim;
  if (v->expect[0]) {
    CHECK_MSG (m->matches + m->others == (unsigned) with_previous &&
            st->packets == (uint64_t) with_previous,
        "%s: rejected packet delivered", v->name);
    CHECK_MSG (counter_by_name (st, v->expect) == 1 && errors (st) == 1,
        "%s: expected one %s", v->name, v->expect);
    CHECK_EQ_U64 (st->skipped_bytes, v->encoded_len - delimiters);
    return;
  }
  CHECK_MSG (m->matches == 1 && st->packets == 1u + with_previous,
      "%s: decode (chunking %zu): %u matches, %u others; last seq %" PRIu32
      " pts %" PRIu64 " dts %" PRIu64 " duration %" PRIu64 " unresolved %u",
      v->name, chunk, m->matches, m->others, m->last.seq, m->last.pts,
      m->last.dts, m->last.duration, m->last.unresolved);
  CHECK_EQ_U64 (errors (st), 0);
  CHECK_EQ_U64 (st->payload_bytes, v->payload_len);
  CHECK_EQ_U64 (st->skipped_bytes, 0);
  CHECK_EQ_U64 (st->empty,
      v->mode == SF_MODE_SLIP && !(v->options & SF_OPT_SLIP_NO_LEADING_END));
}

/* Through sf_decoder, whole, byte by byte and in random chunks. */
static void
check_stream_decode (const vector *v, const sf_header *want, int with_previous)
{
  size_t max_payload = v->payload_len > 8192 ? v->payload_len : 8192;
  size_t bufsize = sf_decode_buffer_size (v->mode, max_payload);
  uint8_t *buf = sft_xmalloc (bufsize);
  size_t stream_len, chunk;
  uint8_t *stream = build_stream (v, with_previous, &stream_len);
  uint64_t rng = 7;
  sf_decoder dec;
  match_ctx m;

  for (chunk = 0; chunk < 4; chunk++) {
    CHECK (sf_decoder_init (&dec, v->mode, v->options, buf, bufsize) == SF_OK);
    memset (&m, 0, sizeof (m));
    m.v = v;
    m.want = want;
    sft_decode_stream (&dec, stream, stream_len, chunk ? &rng : NULL,
        chunk == 1       ? 1
            : chunk == 2 ? 7
                         : 300,
        on_packet, &m);
    CHECK_EQ_U64 (sf_decoder_get_stats (&dec)->wire_bytes, stream_len);
    check_decoded_stats (v, sf_decoder_get_stats (&dec), &m, with_previous,
        chunk);
  }
  free (buf);
  free (stream);
}

static int
result_is (const char *expect, sf_result r)
{
  if (!strcmp (expect, "crc_errors"))
    return r == SF_ERR_CRC;
  if (!strcmp (expect, "bad_version"))
    return r == SF_ERR_VERSION;
  if (!strcmp (expect, "unknown_type"))
    return r == SF_ERR_TYPE;
  if (!strcmp (expect, "unsupported"))
    return r == SF_ERR_UNSUPPORTED;
  return r == SF_ERR_MALFORMED || r == SF_ERR_LENGTH;
}

/* sf_native_parse on the packet alone, with and without the previous frame
 * in an sf_frame_ref. */
static void
check_parse (const vector *v)
{
  size_t size = v->encoded_len, len = 0;
  uint8_t *pkt = sft_xmalloc (size);
  const uint8_t *payload = NULL;
  sf_frame_ref ref;
  sf_header h, want;
  sf_result r;

  if (!unframe (v, pkt, size, &len)) {
    /* Damage at the COBS level: nothing for the parser. */
    CHECK_MSG (v->expect[0], "%s: COBS", v->name);
    free (pkt);
    return;
  }
  previous_ref (v, &ref);
  r = sf_native_parse (pkt, len, &ref, &h, &payload);
  if (v->expect[0]) {
    CHECK_MSG (result_is (v->expect, r), "%s: parse gave %s, not %s", v->name,
        sf_result_name (r), v->expect);
  } else {
    CHECK_MSG (r == SF_OK && headers_equal (&h, &v->hdr) &&
            !memcmp (payload, v->payload, v->payload_len),
        "%s: parse (%s)", v->name, sf_result_name (r));
    want = header_without_previous (v);
    r = sf_native_parse (pkt, len, NULL, &h, &payload);
    CHECK_MSG (r == SF_OK && headers_equal (&h, &want),
        "%s: parse without the previous frame (%s)", v->name,
        sf_result_name (r));
  }
  free (pkt);
}

/* What the payload of a REPORT or NACK says, read by the helpers; and the
 * payload as they write it, unless the sender wrote it otherwise or a NACK
 * has more pairs than they hold. */
static void
check_control_payload (const vector *v)
{
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  size_t len = 0;
  sf_report report;
  sf_nack nack;
  sf_result r;

  CHECK_MSG (v->has_report == (v->hdr.type == SF_TYPE_REPORT) &&
          v->has_nack == (v->hdr.type == SF_TYPE_NACK),
      "%s: report or nack key", v->name);
  if (v->has_report) {
    n_control++;
    CHECK_MSG (sf_report_read (v->payload, v->payload_len, &report) == SF_OK &&
            sft_same_report (&report, &v->report),
        "%s: sf_report_read", v->name);
    r = sf_report_write (&v->report, out, sizeof (out), &len);
    CHECK_MSG (v->no_encode ||
            (r == SF_OK && len == v->payload_len &&
                !memcmp (out, v->payload, len)),
        "%s: sf_report_write (%s)", v->name, sf_result_name (r));
  }
  if (v->has_nack) {
    n_control++;
    memset (&nack, 0xAA, sizeof (nack));
    CHECK_MSG (sf_nack_read (v->payload, v->payload_len, &nack) == SF_OK &&
            nack.frag_count == v->nack.frag_count &&
            nack.n_ranges == v->nack.n_ranges &&
            !memcmp (nack.ranges, v->nack.ranges,
                nack.n_ranges * sizeof (sf_range)),
        "%s: sf_nack_read", v->name);
    r = sf_nack_write (&v->nack, out, sizeof (out), &len);
    CHECK_MSG (v->no_encode || v->nack_pairs > SF_NACK_RANGES_MAX ||
            (r == SF_OK && len == v->payload_len &&
                !memcmp (out, v->payload, len)),
        "%s: sf_nack_write (%s)", v->name, sf_result_name (r));
  }
}

static void
run_native (const vector *v)
{
  sf_header lacking;

  n_native++;
  if (!v->expect[0]) {
    CHECK_MSG (v->has_payload, "%s: no payload", v->name);
    if (!v->no_encode)
      check_native_encode (v);
    check_control_payload (v);
  }
  check_stream_decode (v, &v->hdr, v->has_previous);
  if (v->has_previous && !v->expect[0]) {
    lacking = header_without_previous (v);
    check_stream_decode (v, &lacking, 0);
  }
  check_parse (v);
}

/* --- cobs and slip ----------------------------------------------------- */

static sf_result
encode_simple (const vector *v, uint8_t *dst, size_t size, size_t *written)
{
  if (v->mode == SF_MODE_COBS)
    return sf_encode_cobs (v->payload, v->payload_len, v->options, dst, size,
        written);
  return sf_encode_slip (v->payload, v->payload_len, v->options, dst, size,
      written);
}

static void
check_cobs_helpers (const vector *v, uint8_t *dst, size_t max)
{
  uint8_t *out = sft_xmalloc (v->payload_len);
  size_t written = 0;
  sf_result r;

  r = sf_cobs_encode (v->payload, v->payload_len, dst, max, &written);
  CHECK_MSG (r == SF_OK && written + 1 == v->encoded_len &&
          !memcmp (dst, v->encoded, written),
      "%s: sf_cobs_encode", v->name);
  r = sf_cobs_decode (v->encoded, v->encoded_len - 1, out, v->payload_len,
      &written);
  CHECK_MSG (r == SF_OK && written == v->payload_len &&
          !memcmp (out, v->payload, written),
      "%s: sf_cobs_decode", v->name);
  free (out);
}

static void
check_simple_encode (const vector *v)
{
  size_t max = sf_encoded_max (v->mode, v->options, v->payload_len);
  uint8_t *dst = sft_xmalloc (max);
  sf_encoder enc;
  size_t written = 0, i;
  sf_result r;

  CHECK_MSG (v->encoded_len <= max, "%s: worst case %zu < %zu", v->name, max,
      v->encoded_len);
  r = encode_simple (v, dst, max, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: encoding differs (%s)",
      v->name, sf_result_name (r));
  r = encode_simple (v, dst, v->encoded_len, &written);
  CHECK_MSG (same_bytes (v, r, dst, written), "%s: exact size", v->name);
  memset (dst, 0xAA, max);
  r = sf_encoder_begin (&enc, v->mode, v->options, NULL, dst, max);
  for (i = 0; r == SF_OK && i < v->payload_len; i++)
    r = sf_encoder_write (&enc, v->payload + i, 1);
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, &written);
  CHECK_MSG (same_bytes (v, r, dst, written),
      "%s: incremental encoding differs", v->name);
  if (v->mode == SF_MODE_COBS && !v->options)
    check_cobs_helpers (v, dst, max);
  free (dst);
}

static void
run_simple (const vector *v)
{
  if (!v->expect[0]) {
    CHECK_MSG (v->has_payload, "%s: no payload", v->name);
    check_simple_encode (v);
  }
  check_stream_decode (v, &v->hdr, 0);
}

/* --- Compact caps ------------------------------------------------------ */

static void
check_caps_compact (const vector *v)
{
  uint8_t out[SF_CAPS_COMPACT_MAX];
  size_t w = 1;
  sf_result r;

  r = sf_caps_compact (v->caps, v->caps_len, out, sizeof (out), &w);
  CHECK_MSG (r == SF_OK && w == v->compact_len && !memcmp (out, v->compact, w),
      "%s: sf_caps_compact (%s, %zu bytes)", v->name, sf_result_name (r), w);
  r = sf_caps_compact (v->caps, v->caps_len, out, v->compact_len, &w);
  CHECK_MSG (r == SF_OK && w == v->compact_len, "%s: compact, exact size",
      v->name);
  if (v->compact_len) {
    r = sf_caps_compact (v->caps, v->caps_len, out, v->compact_len - 1, &w);
    CHECK_MSG (r == SF_ERR_OUTPUT_FULL && w == 0, "%s: compact, one short",
        v->name);
  }
}

static void
check_caps_expand (const vector *v)
{
  char out[SF_CAPS_MAX];
  size_t w = 1;
  sf_result r;

  r = sf_caps_expand (v->compact, v->compact_len, out, sizeof (out), &w);
  CHECK_MSG (r == SF_OK && w == v->caps_len && !memcmp (out, v->caps, w),
      "%s: sf_caps_expand (%s)", v->name, sf_result_name (r));
  r = sf_caps_expand (v->compact, v->compact_len, out, v->caps_len, &w);
  CHECK_MSG (r == SF_OK && w == v->caps_len, "%s: expand, exact size", v->name);
  if (v->caps_len) {
    r = sf_caps_expand (v->compact, v->compact_len, out, v->caps_len - 1, &w);
    CHECK_MSG (r == SF_ERR_LENGTH && w == 0, "%s: expand, one short", v->name);
  }
}

/* The compact form goes in a CAPS packet as it is, 00 bytes included. */
static void
check_caps_packet (const vector *v)
{
  size_t max = SF_NATIVE_ENCODED_MAX (SF_CAPS_MAX), n = 0, used;
  uint8_t *wire = sft_xmalloc (max + 1);
  uint8_t *buf = sft_xmalloc (SF_NATIVE_DECODE_BUFFER_SIZE (SF_CAPS_MAX));
  const sf_packet *pkt = NULL;
  sf_decoder dec;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.caps_compact = 1;
  wire[0] = 0;
  CHECK_MSG (sf_encode_native (&hdr, v->compact, v->compact_len, 0, wire + 1,
                 max, &n) == SF_OK,
      "%s: CAPS packet", v->name);
  sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf,
      SF_NATIVE_DECODE_BUFFER_SIZE (SF_CAPS_MAX));
  if (sf_decoder_feed (&dec, wire, n + 1, &used) == SF_DEC_PACKET)
    pkt = sf_decoder_packet (&dec);
  CHECK_MSG (pkt && pkt->header.caps_compact &&
          pkt->payload_len == v->compact_len &&
          !memcmp (pkt->payload, v->compact, v->compact_len),
      "%s: compact CAPS packet not delivered", v->name);
  free (wire);
  free (buf);
}

static void
run_caps (const vector *v)
{
  char out[SF_CAPS_MAX];
  size_t w;
  sf_result r;

  n_caps++;
  if (v->expect[0]) {
    r = sf_caps_expand (v->compact, v->compact_len, out, sizeof (out), &w);
    CHECK_MSG (!strcmp (v->expect, "too_long") ? r == SF_ERR_LENGTH
                                               : r == SF_ERR_MALFORMED,
        "%s: expand gave %s, not %s", v->name, sf_result_name (r), v->expect);
    return;
  }
  if (!v->no_encode)
    check_caps_compact (v);
  check_caps_expand (v);
  check_caps_packet (v);
}

/* --- Files ------------------------------------------------------------- */

static void
run_vector (vector *v)
{
  n_vectors++;
  switch (v->kind) {
    case FILE_NATIVE:
      run_native (v);
      break;
    case FILE_SIMPLE:
      run_simple (v);
      break;
    case FILE_CAPS:
      run_caps (v);
      break;
  }
}

static void
vector_clear (vector *v, file_kind kind)
{
  free (v->payload);
  free (v->encoded);
  free (v->caps);
  free (v->compact);
  memset (v, 0, sizeof (*v));
  v->kind = kind;
  v->header_len = -1;
  sf_header_init (&v->hdr, SF_TYPE_DATA);
}

static void
run_file (const char *path, file_kind kind)
{
  FILE *f = fopen (path, "r");
  static char line[1 << 16];
  vector v;
  int open = 0;

  if (!CHECK_MSG (f != NULL, "%s: %s", path, strerror (errno)))
    return;
  memset (&v, 0, sizeof (v));
  vector_clear (&v, kind);
  while (1) {
    char *got = fgets (line, sizeof (line), f);
    char *colon;
    size_t n;

    if (!got || line[0] == '\n') {
      if (open)
        run_vector (&v);
      vector_clear (&v, kind);
      open = 0;
      if (!got)
        break;
      continue;
    }
    if (line[0] == '#')
      continue;
    n = strlen (line);
    CHECK_MSG (n + 1 < sizeof (line), "%s: line too long", path);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = 0;
    colon = strchr (line, ':');
    if (!CHECK_MSG (colon != NULL, "%s: bad line %s", path, line))
      continue;
    *colon = 0;
    open = 1;
    set_field (&v, line, colon + 1 + (colon[1] == ' '));
  }
  fclose (f);
}

int
main (int argc, char **argv)
{
  static const struct {
    const char *name;
    file_kind kind;
  } files[] = {
    { "native.txt", FILE_NATIVE },
    { "native-v1.txt", FILE_NATIVE },
    { "cobs.txt", FILE_SIMPLE },
    { "slip.txt", FILE_SIMPLE },
    { "caps.txt", FILE_CAPS },
  };
  const char *dir = argc > 1 ? argv[1] : "tests/framing/vectors";
  char path[4096];
  size_t i;
  int pass;

  /* Both CRC implementations must reproduce the vectors. */
  for (pass = 0; pass < 2; pass++) {
    if (sf_crc32c_select (pass ? SF_CRC32C_PORTABLE : SF_CRC32C_AUTO) != SF_OK)
      continue;
    for (i = 0; i < sizeof (files) / sizeof (files[0]); i++) {
      snprintf (path, sizeof (path), "%s/%s", dir, files[i].name);
      run_file (path, files[i].kind);
    }
  }
  sf_crc32c_select (SF_CRC32C_AUTO);
  printf ("%zu vectors checked (%zu native, %zu caps, %zu REPORT and NACK)\n",
      n_vectors, n_native, n_caps, n_control);
  CHECK (n_native >= 2 * 220 && n_caps >= 2 * 134 && n_control >= 2 * 16);
  return sft_summary ();
}
