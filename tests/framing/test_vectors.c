/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks the codec both ways against the vectors in tests/framing/vectors. */

#include "sftest.h"

#include <ctype.h>
#include <errno.h>

#define MAX_FIELD 8

typedef struct {
  char key[32];
  char *value;
} field;

typedef struct {
  char name[64];
  sf_mode mode;
  unsigned options;
  sf_header hdr;
  uint8_t *payload;
  size_t payload_len;
  int has_payload;
  uint8_t *encoded;
  size_t encoded_len;
  char expect[32];
} vector;

static size_t n_vectors;

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

static void
set_field (vector *v, const char *key, const char *value)
{
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
  } else if (!strcmp (key, "type")) {
    v->hdr.type = (uint8_t) parse_u64 (value);
  } else if (!strcmp (key, "flags")) {
    v->hdr.flags = (uint16_t) parse_u64 (value);
  } else if (!strcmp (key, "seq")) {
    v->hdr.seq = (uint32_t) parse_u64 (value);
  } else if (!strcmp (key, "pts")) {
    v->hdr.pts = parse_u64 (value);
  } else if (!strcmp (key, "dts")) {
    v->hdr.dts = parse_u64 (value);
  } else if (!strcmp (key, "duration")) {
    v->hdr.duration = parse_u64 (value);
  } else if (!strcmp (key, "sender_time")) {
    v->hdr.sender_time = parse_u64 (value);
  } else if (!strcmp (key, "payload")) {
    v->has_payload = parse_hex (value, &v->payload, &v->payload_len);
    CHECK_MSG (v->has_payload, "%s: bad payload hex", v->name);
    v->hdr.payload_len = (uint32_t) v->payload_len;
  } else if (!strcmp (key, "encoded")) {
    CHECK_MSG (parse_hex (value, &v->encoded, &v->encoded_len),
        "%s: bad encoded hex", v->name);
  } else if (!strcmp (key, "expect")) {
    snprintf (v->expect, sizeof (v->expect), "%s", value);
  } else {
    CHECK_MSG (0, "unknown key %s", key);
  }
}

static int
headers_equal (const sf_header *a, const sf_header *b)
{
  return a->version == b->version && a->type == b->type &&
      a->flags == b->flags && a->seq == b->seq && a->pts == b->pts &&
      a->dts == b->dts && a->duration == b->duration &&
      a->sender_time == b->sender_time && a->payload_len == b->payload_len;
}

static sf_result
encode (const vector *v, uint8_t *dst, size_t size, size_t *written)
{
  switch (v->mode) {
    case SF_MODE_NATIVE:
      return sf_encode_native (&v->hdr, v->payload, v->payload_len, v->options,
          dst, size, written);
    case SF_MODE_COBS:
      return sf_encode_cobs (v->payload, v->payload_len, v->options, dst, size,
          written);
    default:
      return sf_encode_slip (v->payload, v->payload_len, v->options, dst, size,
          written);
  }
}

static void
check_encode (const vector *v)
{
  size_t max = sf_encoded_max (v->mode, v->options, v->payload_len);
  uint8_t *dst = sft_xmalloc (max);
  sf_encoder enc;
  size_t written = 0, i;
  sf_iovec iov[3];
  sf_result r;

  CHECK_MSG (v->encoded_len <= max, "%s: worst case %zu < %zu", v->name, max,
      v->encoded_len);
  r = encode (v, dst, max, &written);
  CHECK_MSG (r == SF_OK && written == v->encoded_len &&
          !memcmp (dst, v->encoded, written),
      "%s: encoding differs (%s, %zu bytes)", v->name, sf_result_name (r),
      written);

  /* An exactly sized buffer is enough. */
  r = encode (v, dst, v->encoded_len, &written);
  CHECK_MSG (r == SF_OK && written == v->encoded_len, "%s: exact size",
      v->name);

  /* Scattered and byte-by-byte payloads give the same bytes. */
  memset (dst, 0xAA, max);
  if (v->mode == SF_MODE_NATIVE) {
    iov[0].data = v->payload;
    iov[0].len = v->payload_len / 3;
    iov[1].data = v->payload + iov[0].len;
    iov[1].len = v->payload_len / 2;
    iov[2].data = v->payload + iov[0].len + iov[1].len;
    iov[2].len = v->payload_len - iov[0].len - iov[1].len;
    r = sf_encode_native_iov (&v->hdr, iov, 3, v->options, dst, max, &written);
    CHECK_MSG (r == SF_OK && written == v->encoded_len &&
            !memcmp (dst, v->encoded, written),
        "%s: iov encoding differs", v->name);
  }
  memset (dst, 0xAA, max);
  r = sf_encoder_begin (&enc, v->mode, v->options, &v->hdr, dst, max);
  for (i = 0; r == SF_OK && i < v->payload_len; i++)
    r = sf_encoder_write (&enc, v->payload + i, 1);
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, &written);
  CHECK_MSG (r == SF_OK && written == v->encoded_len &&
          !memcmp (dst, v->encoded, written),
      "%s: incremental encoding differs", v->name);

  /* Plain COBS one-shot helpers agree with the framing. */
  if (v->mode == SF_MODE_COBS && !v->options) {
    uint8_t *out = sft_xmalloc (v->payload_len);
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
  free (dst);
}

typedef struct {
  const vector *v;
  unsigned matches;
  unsigned others;
} match_ctx;

static void
on_packet (const sf_packet *pkt, void *user)
{
  match_ctx *m = user;
  const vector *v = m->v;

  if (pkt->payload_len == v->payload_len &&
      !memcmp (pkt->payload, v->payload, v->payload_len) &&
      (v->mode != SF_MODE_NATIVE || headers_equal (&pkt->header, &v->hdr)))
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
  if (!strcmp (name, "oversize"))
    return st->oversize;
  return UINT64_MAX;
}

static uint64_t
errors (const sf_dec_stats *st)
{
  return st->crc_errors + st->bad_version + st->malformed + st->unknown_type +
      st->oversize;
}

static void
check_decode (const vector *v)
{
  size_t max_payload = v->payload_len > 8192 ? v->payload_len : 8192;
  size_t bufsize = sf_decode_buffer_size (v->mode, max_payload);
  uint8_t *buf = sft_xmalloc (bufsize);
  uint8_t *stream = sft_xmalloc (v->encoded_len + 1);
  size_t stream_len = 0, chunk, delimiters = 0, i;
  uint8_t delim = v->mode == SF_MODE_SLIP ? SF_SLIP_END : 0;
  uint64_t rng = 7;
  sf_decoder dec;
  match_ctx m;

  /* A native receiver hunts for the sender's initial delimiter. */
  if (v->mode == SF_MODE_NATIVE)
    stream[stream_len++] = 0;
  memcpy (stream + stream_len, v->encoded, v->encoded_len);
  stream_len += v->encoded_len;
  for (i = 0; i < v->encoded_len; i++)
    delimiters += v->encoded[i] == delim;

  for (chunk = 0; chunk < 4; chunk++) {
    const sf_dec_stats *st;

    CHECK (sf_decoder_init (&dec, v->mode, v->options, buf, bufsize) == SF_OK);
    memset (&m, 0, sizeof (m));
    m.v = v;
    /* all at once, byte by byte, random small chunks, random larger */
    sft_decode_stream (&dec, stream, stream_len, chunk ? &rng : NULL,
        chunk == 1       ? 1
            : chunk == 2 ? 7
                         : 300,
        on_packet, &m);
    st = sf_decoder_get_stats (&dec);
    CHECK_EQ_U64 (st->wire_bytes, stream_len);
    if (v->expect[0]) {
      CHECK_MSG (m.matches + m.others == 0 && st->packets == 0,
          "%s: rejected packet delivered", v->name);
      CHECK_MSG (counter_by_name (st, v->expect) == 1 && errors (st) == 1,
          "%s: expected one %s", v->name, v->expect);
      CHECK_EQ_U64 (st->skipped_bytes, v->encoded_len - delimiters);
    } else {
      CHECK_MSG (m.matches == 1 && m.others == 0 && st->packets == 1,
          "%s: decode (chunking %zu): %u matches, %u others", v->name, chunk,
          m.matches, m.others);
      CHECK_EQ_U64 (errors (st), 0);
      CHECK_EQ_U64 (st->payload_bytes, v->payload_len);
      CHECK_EQ_U64 (st->skipped_bytes, 0);
      CHECK_EQ_U64 (st->empty,
          v->mode == SF_MODE_SLIP &&
              !(v->options & SF_OPT_SLIP_NO_LEADING_END));
    }
  }
  free (buf);
  free (stream);
}

static void
run_vector (vector *v)
{
  n_vectors++;
  if (!v->expect[0]) {
    CHECK_MSG (v->has_payload, "%s: no payload", v->name);
    check_encode (v);
  }
  check_decode (v);
}

static void
free_vector (vector *v)
{
  free (v->payload);
  free (v->encoded);
}

static void
run_file (const char *path)
{
  FILE *f = fopen (path, "r");
  static char line[1 << 16];
  vector v;
  int open = 0;

  if (!CHECK_MSG (f != NULL, "%s: %s", path, strerror (errno)))
    return;
  memset (&v, 0, sizeof (v));
  while (1) {
    char *got = fgets (line, sizeof (line), f);
    char *colon;
    size_t n;

    if (!got || line[0] == '\n') {
      if (open) {
        run_vector (&v);
        free_vector (&v);
        memset (&v, 0, sizeof (v));
        open = 0;
      }
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
    if (!open) {
      sf_header_init (&v.hdr, SF_TYPE_DATA);
      open = 1;
    }
    set_field (&v, line, colon + 1 + (colon[1] == ' '));
  }
  fclose (f);
}

int
main (int argc, char **argv)
{
  const char *dir = argc > 1 ? argv[1] : "tests/framing/vectors";
  static const char *files[] = { "native.txt", "cobs.txt", "slip.txt" };
  char path[4096];
  int pass, i;

  /* Both CRC implementations must reproduce the vectors. */
  for (pass = 0; pass < 2; pass++) {
    if (sf_crc32c_select (pass ? SF_CRC32C_PORTABLE : SF_CRC32C_AUTO) != SF_OK)
      continue;
    for (i = 0; i < 3; i++) {
      snprintf (path, sizeof (path), "%s/%s", dir, files[i]);
      run_file (path);
    }
  }
  sf_crc32c_select (SF_CRC32C_AUTO);
  printf ("%zu vectors checked\n", n_vectors);
  CHECK (n_vectors >= 40);
  return sft_summary ();
}
