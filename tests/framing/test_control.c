/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Control packets (docs/protocol.md, section 8.2): their header, the
 * REPORT and NACK payloads written and read, every malformed case, and
 * what the decoder, the sequence tracker and the frames referred to make
 * of them. */

#include "sftest.h"

#define SEC UINT64_C (1000000000)
#define ST UINT64_C (1700000000123456789)

static const uint8_t control_types[] = { SF_TYPE_SKIP, SF_TYPE_REPORT,
  SF_TYPE_NACK, SF_TYPE_KEY_REQUEST, SF_TYPE_CAPS_REQUEST };
#define N_CONTROL (sizeof (control_types) / sizeof (control_types[0]))

/* A packet of type with a 4-byte header (fields byte as given, seq 0),
 * the payload and its CRC, in a heap block of exactly its size. */
static uint8_t *
packet (uint8_t type, uint8_t fields, const void *payload, size_t len,
    size_t *n)
{
  uint8_t *pkt = sft_xmalloc (len + 8);
  uint32_t crc;

  pkt[0] = (uint8_t) (SF_VERSION | type << 4);
  pkt[1] = fields;
  pkt[2] = pkt[3] = 0;
  memcpy (pkt + 4, payload, len);
  crc = sf_crc32c (0, pkt, len + 4);
  pkt[len + 4] = (uint8_t) crc;
  pkt[len + 5] = (uint8_t) (crc >> 8);
  pkt[len + 6] = (uint8_t) (crc >> 16);
  pkt[len + 7] = (uint8_t) (crc >> 24);
  *n = len + 8;
  return pkt;
}

static sf_result
parse (uint8_t type, const void *payload, size_t len)
{
  size_t n;
  uint8_t *pkt = packet (type, 0, payload, len, &n);
  const uint8_t *got_payload;
  sf_header hdr;
  sf_result r = sf_native_parse (pkt, n, NULL, &hdr, &got_payload);

  if (r == SF_OK)
    CHECK (
        hdr.type == type && hdr.payload_len == len && got_payload == pkt + 4);
  free (pkt);
  return r;
}

/* The same payload through sf_encode_native() and byte by byte through
 * sf_encoder: both give the same result. */
static sf_result
encode (uint8_t type, const void *payload, size_t len)
{
  uint8_t out[SF_NATIVE_ENCODED_MAX (300)];
  const uint8_t *p = payload;
  sf_result one_shot, r;
  sf_encoder enc;
  sf_header hdr;
  size_t w, i;

  sf_header_init (&hdr, type);
  one_shot = sf_encode_native (&hdr, payload, len, 0, out, sizeof (out), &w);
  r = sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out));
  for (i = 0; r == SF_OK && i < len; i++)
    r = sf_encoder_write (&enc, p + i, 1);
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, &w);
  CHECK_MSG (r == one_shot, "type %u: one-shot %s, byte by byte %s", type,
      sf_result_name (one_shot), sf_result_name (r));
  return one_shot;
}

/* Reads the payload with the helper of its type. */
static sf_result
read_payload (uint8_t type, const void *payload, size_t len)
{
  sf_report report;
  sf_nack nack;
  sf_result r;

  if (type == SF_TYPE_REPORT) {
    r = sf_report_read (payload, len, &report);
    if (r != SF_OK)
      CHECK (
          report.last_seq == 0 && report.delay_us == 0 && report.repaired == 0);
    return r;
  }
  r = sf_nack_read (payload, len, &nack);
  if (r != SF_OK)
    CHECK (nack.frag_count == 0 && nack.n_ranges == 0);
  return r;
}

/* --- Payloads: valid and malformed (section 8.2) ----------------------- */

typedef struct {
  uint8_t type;
  const char *bytes;
  size_t len;
  sf_result encode; /* what the encoders say: SF_OK, SF_ERR_ARG or
                     * SF_ERR_LENGTH; the receiver drops all but SF_OK as
                     * malformed */
  const char *what;
} payload_case;

static const payload_case payload_cases[] = {
  /* SKIP, KEY_REQUEST, CAPS_REQUEST: no payload. */
  { SF_TYPE_SKIP, "", 0, SF_OK, "SKIP" },
  { SF_TYPE_SKIP, "\x00", 1, SF_ERR_LENGTH, "SKIP with a payload" },
  { SF_TYPE_KEY_REQUEST, "", 0, SF_OK, "KEY_REQUEST" },
  { SF_TYPE_KEY_REQUEST, "\x01", 1, SF_ERR_LENGTH, "KEY_REQUEST, payload" },
  { SF_TYPE_CAPS_REQUEST, "", 0, SF_OK, "CAPS_REQUEST" },
  { SF_TYPE_CAPS_REQUEST, "ab", 2, SF_ERR_LENGTH, "CAPS_REQUEST, payload" },
  /* REPORT: seven varints, last_seq within 16 bits, more ignored. */
  { SF_TYPE_REPORT, "\0\0\0\0\0\0\0", 7, SF_OK, "REPORT of zeros" },
  { SF_TYPE_REPORT, "\xff\xff\x03\0\0\0\0\0\x01", 9, SF_OK,
      "REPORT, last_seq 65535" },
  { SF_TYPE_REPORT, "\xff\xff\x83\x80\x80\x80\x80\x80\x80\x00\0\0\0\0\0\0", 16,
      SF_OK, "REPORT, last_seq 65535 in 10 bytes" },
  { SF_TYPE_REPORT, "\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\0\0\0\0\0", 16,
      SF_OK, "REPORT, delay 2^64 - 1" },
  { SF_TYPE_REPORT, "\0\0\0\0\0\0\0\x05\x81\x01", 10, SF_OK,
      "REPORT and two varints of a later revision" },
  { SF_TYPE_REPORT, "", 0, SF_ERR_ARG, "REPORT without varints" },
  { SF_TYPE_REPORT, "\x01\x02\x03\x04\x05\x06", 6, SF_ERR_ARG,
      "REPORT of six varints" },
  { SF_TYPE_REPORT, "\0\0\0\0\0\0\x80", 7, SF_ERR_ARG,
      "REPORT, the seventh varint cut short" },
  { SF_TYPE_REPORT, "\0\0\0\0\0\0\0\x05\x80", 9, SF_ERR_ARG,
      "REPORT, a varint of a later revision cut short" },
  { SF_TYPE_REPORT, "\x80\x80\x04\0\0\0\0\0\0", 9, SF_ERR_ARG,
      "REPORT, last_seq 65536" },
  { SF_TYPE_REPORT, "\x80\x80\x80\x80\x01\0\0\0\0\0\0", 11, SF_ERR_ARG,
      "REPORT, last_seq 2^28" },
  { SF_TYPE_REPORT, "\0\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02\0\0\0\0\0", 16,
      SF_ERR_ARG, "REPORT, a tenth varint byte over 1" },
  { SF_TYPE_REPORT, "\0\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00\0\0\0\0\0",
      17, SF_ERR_ARG, "REPORT, an 11-byte varint" },
  /* NACK: frag_count, then ascending pairs within it. */
  { SF_TYPE_NACK, "\x00", 1, SF_OK, "NACK of a whole frame" },
  { SF_TYPE_NACK, "\x05\x00\x05", 3, SF_OK, "NACK of every piece" },
  { SF_TYPE_NACK, "\x05\x00\x02\x02\x01\x04\x01", 7, SF_OK,
      "NACK of ranges that touch" },
  { SF_TYPE_NACK, "\xff\xff\x03\xfe\xff\x03\x01", 7, SF_OK,
      "NACK of the last of 65535 pieces" },
  { SF_TYPE_NACK, "\x85\x00\x81\x00\x82\x80\x00", 7, SF_OK,
      "NACK in longer varints" },
  { SF_TYPE_NACK, "", 0, SF_ERR_ARG, "NACK without frag_count" },
  { SF_TYPE_NACK, "\x05", 1, SF_ERR_ARG, "NACK without pairs" },
  { SF_TYPE_NACK, "\x00\x00\x01", 3, SF_ERR_ARG,
      "NACK of a whole frame with a pair" },
  { SF_TYPE_NACK, "\x05\x01", 2, SF_ERR_ARG, "NACK, a pair cut short" },
  { SF_TYPE_NACK, "\x05\x01\x01\x03", 4, SF_ERR_ARG,
      "NACK, the second pair cut short" },
  { SF_TYPE_NACK, "\x05\x01\x81", 3, SF_ERR_ARG, "NACK, a varint cut short" },
  { SF_TYPE_NACK, "\x05\x01\x00", 3, SF_ERR_ARG, "NACK, count 0" },
  { SF_TYPE_NACK, "\x05\x03\x03", 3, SF_ERR_ARG, "NACK, a range past the end" },
  { SF_TYPE_NACK, "\x05\x05\x01", 3, SF_ERR_ARG, "NACK, first = frag_count" },
  { SF_TYPE_NACK, "\x05\x00\x02\x01\x01", 5, SF_ERR_ARG, "NACK, overlap" },
  { SF_TYPE_NACK, "\x05\x01\x01\x01\x01", 5, SF_ERR_ARG,
      "NACK, a range twice" },
  { SF_TYPE_NACK, "\x05\x03\x01\x00\x01", 5, SF_ERR_ARG, "NACK, backwards" },
  { SF_TYPE_NACK, "\x80\x80\x04\x00\x01", 5, SF_ERR_ARG,
      "NACK, frag_count 65536" },
  { SF_TYPE_NACK, "\xff\xff\x03\x80\x80\x80\x80\x01\x01", 9, SF_ERR_ARG,
      "NACK, first 2^28" },
};

static void
test_payload_cases (void)
{
  size_t i;

  for (i = 0; i < sizeof (payload_cases) / sizeof (payload_cases[0]); i++) {
    const payload_case *c = &payload_cases[i];
    sf_result want_read = c->encode == SF_OK ? SF_OK : SF_ERR_MALFORMED;
    sf_result r = parse (c->type, c->bytes, c->len);

    CHECK_MSG (c->encode == SF_OK ? r == SF_OK
                                  : r == SF_ERR_MALFORMED || r == SF_ERR_LENGTH,
        "%s: parse gave %s", c->what, sf_result_name (r));
    r = encode (c->type, c->bytes, c->len);
    CHECK_MSG (r == c->encode, "%s: encode gave %s, not %s", c->what,
        sf_result_name (r), sf_result_name (c->encode));
    if (c->type == SF_TYPE_REPORT || c->type == SF_TYPE_NACK) {
      r = read_payload (c->type, c->bytes, c->len);
      CHECK_MSG (r == want_read, "%s: read gave %s", c->what,
          sf_result_name (r));
    }
  }
}

/* A NACK of 63 pairs in exactly 128 bytes (frag_count 127 in 2 bytes),
 * or one byte more (in 3). */
static size_t
long_nack (uint8_t *p, int over)
{
  size_t n = 0, i;

  p[n++] = 0xFF;
  if (over)
    p[n++] = 0x80;
  p[n++] = 0x00;
  for (i = 0; i < 63; i++) {
    p[n++] = (uint8_t) (2 * i);
    p[n++] = 1;
  }
  return n;
}

static void
test_nack_size (void)
{
  uint8_t p[SF_CONTROL_PAYLOAD_MAX + 1];
  size_t n = long_nack (p, 0), i;
  sf_nack nack;

  CHECK (n == SF_CONTROL_PAYLOAD_MAX);
  CHECK (parse (SF_TYPE_NACK, p, n) == SF_OK);
  CHECK (encode (SF_TYPE_NACK, p, n) == SF_OK);
  /* All 63 are checked, the first SF_NACK_RANGES_MAX kept. */
  CHECK (sf_nack_read (p, n, &nack) == SF_OK && nack.frag_count == 127 &&
      nack.n_ranges == SF_NACK_RANGES_MAX);
  for (i = 0; i < SF_NACK_RANGES_MAX; i++)
    CHECK (nack.ranges[i].first == 2 * i && nack.ranges[i].count == 1);
  p[n - 1] = 0;
  CHECK (sf_nack_read (p, n, &nack) == SF_ERR_MALFORMED);

  n = long_nack (p, 1);
  CHECK (n == SF_CONTROL_PAYLOAD_MAX + 1);
  CHECK (parse (SF_TYPE_NACK, p, n) == SF_ERR_LENGTH);
  CHECK (encode (SF_TYPE_NACK, p, n) == SF_ERR_LENGTH);
  CHECK (sf_nack_read (p, n, &nack) == SF_ERR_MALFORMED);
}

/* --- The helpers: writing and reading ---------------------------------- */

static void
test_report_helpers (void)
{
  static const sf_report reports[] = {
    { 0, 0, 0, 0, 0, 0, 0 },
    { 7, 1500, 1000, 3, 123456, 2, 1 },
    { 65535, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX,
        UINT64_MAX },
  };
  static const size_t lengths[] = { 7, 11, 63 };
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  sf_report back;
  size_t i, len;

  for (i = 0; i < sizeof (reports) / sizeof (reports[0]); i++) {
    CHECK (sf_report_write (&reports[i], out, sizeof (out), &len) == SF_OK);
    CHECK_EQ_U64 (len, lengths[i]);
    CHECK (sf_report_read (out, len, &back) == SF_OK &&
        sft_same_report (&back, &reports[i]));
    CHECK (parse (SF_TYPE_REPORT, out, len) == SF_OK);
    CHECK (sf_report_write (&reports[i], out, len, &len) == SF_OK);
    CHECK (sf_report_write (&reports[i], out, len - 1, &len) ==
            SF_ERR_OUTPUT_FULL &&
        len == 0);
  }
  /* The worked values, byte by byte. */
  CHECK (sf_report_write (&reports[1], out, sizeof (out), &len) == SF_OK);
  CHECK (!memcmp (out, "\x07\xdc\x0b\xe8\x07\x03\xc0\xc4\x07\x02\x01", 11));
  CHECK (sf_report_write (NULL, out, sizeof (out), &len) == SF_ERR_ARG);
  CHECK (sf_report_write (&reports[0], NULL, 7, &len) == SF_ERR_ARG);
  CHECK (sf_report_write (&reports[0], out, 7, NULL) == SF_ERR_ARG);
  CHECK (sf_report_read (out, 7, NULL) == SF_ERR_ARG);
  CHECK (sf_report_read (NULL, 7, &back) == SF_ERR_ARG);
  CHECK (sf_report_read (NULL, 0, &back) == SF_ERR_MALFORMED);
}

static int
same_nack (const sf_nack *a, const sf_nack *b)
{
  uint8_t i;

  if (a->frag_count != b->frag_count || a->n_ranges != b->n_ranges)
    return 0;
  for (i = 0; i < a->n_ranges; i++)
    if (a->ranges[i].first != b->ranges[i].first ||
        a->ranges[i].count != b->ranges[i].count)
      return 0;
  return 1;
}

/* What sf_nack_write() takes: the rules of section 8.2 on the struct. */
static void
test_nack_write_rules (void)
{
  static const struct {
    uint16_t frag_count;
    uint8_t n;
    sf_range r[3];
    sf_result want;
  } cases[] = {
    { 0, 0, { { 0, 0 } }, SF_OK }, { 5, 1, { { 0, 5 } }, SF_OK },
    { 5, 2, { { 0, 2 }, { 2, 3 } }, SF_OK },
    { 65535, 1, { { 65534, 1 } }, SF_OK },
    { 0, 1, { { 0, 1 } }, SF_ERR_ARG },           /* ranges of nothing */
    { 5, 0, { { 0, 0 } }, SF_ERR_ARG },           /* no ranges */
    { 5, 1, { { 1, 0 } }, SF_ERR_ARG },           /* count 0 */
    { 5, 1, { { 4, 2 } }, SF_ERR_ARG },           /* past frag_count */
    { 5, 1, { { 65535, 1 } }, SF_ERR_ARG },       /* far past */
    { 5, 2, { { 0, 2 }, { 1, 1 } }, SF_ERR_ARG }, /* overlap */
    { 5, 2, { { 3, 1 }, { 1, 1 } }, SF_ERR_ARG }, /* backwards */
  };
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  sf_nack nack, back;
  size_t i, len;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    memset (&nack, 0, sizeof (nack));
    nack.frag_count = cases[i].frag_count;
    nack.n_ranges = cases[i].n;
    memcpy (nack.ranges, cases[i].r, sizeof (cases[i].r));
    CHECK_MSG (sf_nack_write (&nack, out, sizeof (out), &len) == cases[i].want,
        "case %zu", i);
    if (cases[i].want != SF_OK)
      continue;
    CHECK_MSG (sf_nack_read (out, len, &back) == SF_OK &&
            same_nack (&back, &nack),
        "case %zu read back", i);
    CHECK (sf_nack_write (&nack, out, len - 1, &len) == SF_ERR_OUTPUT_FULL);
  }
  CHECK (sf_nack_write (NULL, out, sizeof (out), &len) == SF_ERR_ARG);
  CHECK (sf_nack_read (out, 1, NULL) == SF_ERR_ARG);
}

/* The most ranges, of large numbers, fit in SF_CONTROL_PAYLOAD_MAX: no
 * more are written. */
static void
test_nack_most_ranges (void)
{
  uint8_t out[SF_CONTROL_PAYLOAD_MAX];
  sf_nack nack, back;
  size_t len, i;

  memset (&nack, 0, sizeof (nack));
  nack.frag_count = 65535;
  nack.n_ranges = SF_NACK_RANGES_MAX;
  for (i = 0; i < SF_NACK_RANGES_MAX; i++) {
    nack.ranges[i].first = (uint16_t) (20000 + 2000 * i);
    nack.ranges[i].count = 1000;
  }
  CHECK (sf_nack_write (&nack, out, sizeof (out), &len) == SF_OK);
  CHECK_EQ_U64 (len, 3 + 5 * SF_NACK_RANGES_MAX);
  CHECK (sf_nack_read (out, len, &back) == SF_OK && same_nack (&back, &nack));
  CHECK (encode (SF_TYPE_NACK, out, len) == SF_OK);
  nack.n_ranges = SF_NACK_RANGES_MAX + 1;
  CHECK (sf_nack_write (&nack, out, sizeof (out), &len) == SF_ERR_ARG);
  nack.n_ranges = 255;
  CHECK (sf_nack_write (&nack, out, sizeof (out), &len) == SF_ERR_ARG);
}

/* --- The header -------------------------------------------------------- */

/* No frame fields, whatever the header struct holds; the common ones as
 * for any type. */
static void
test_header_fields (void)
{
  uint8_t out[SF_HEADER_MAX];
  sf_header hdr, got;
  size_t i, len;

  for (i = 0; i < N_CONTROL; i++) {
    sf_header_init (&hdr, control_types[i]);
    hdr.seq = 0xBEEF;
    hdr.flags = SF_FLAG_DELTA_UNIT;
    hdr.pts = SEC;
    hdr.dts = SEC;
    hdr.duration = 1;
    hdr.frag_index = 1;
    hdr.frag_count = 3;
    hdr.parity_count = 2;
    hdr.last_size = 9;
    hdr.caps_compact = 1;
    CHECK (sf_header_encode (&hdr, NULL, out, sizeof (out), &len) == SF_OK);
    CHECK_MSG (len == 4 && out[0] == (0x02 | control_types[i] << 4) &&
            out[1] == 0 && out[2] == 0xEF && out[3] == 0xBE,
        "type %u", control_types[i]);
    CHECK (sf_header_decode (out, len, NULL, &got) == SF_OK);
    CHECK (got.type == control_types[i] && got.seq == 0xBEEF &&
        got.flags == 0 && got.pts == SF_TIME_NONE && got.dts == SF_TIME_NONE &&
        got.duration == SF_TIME_NONE && got.frag_index == 0 &&
        got.frag_count == 0 && got.parity_count == 0 && got.last_size == 0 &&
        !got.caps_compact && got.unresolved == 0 && got.header_len == 4);

    hdr.stream = 300;
    hdr.sender_time = ST;
    CHECK (sf_header_encode (&hdr, NULL, out, sizeof (out), &len) == SF_OK);
    CHECK (len == 15 && out[1] == 0x80 && out[2] == 0x03 && out[5] == 0xAC &&
        out[6] == 0x02);
    CHECK (sf_header_decode (out, len, NULL, &got) == SF_OK &&
        got.stream == 300 && got.sender_time == ST && got.header_len == 15);
    /* Version 1 has no control packets. */
    hdr.version = SF_VERSION_1;
    CHECK (
        sf_header_encode (&hdr, NULL, out, sizeof (out), &len) == SF_ERR_TYPE);
    CHECK (sf_encode_native (&hdr, NULL, 0, 0, out, sizeof (out), &len) ==
        SF_ERR_TYPE);
  }
}

/* In fields only MORE is defined: a reserved bit is told before anything
 * is parsed (here the seq is cut short), and the encoders never set one.
 * The more byte and extensions are those of any type. */
static void
test_header_reserved (void)
{
  static const uint8_t ext[] = { 0x80, 0x04, 0x00, 0x00, 0x03, 0x01, 0x01,
    0xAA };
  static const uint8_t critical[] = { 0x80, 0x04, 0x00, 0x00, 0x03, 0x81, 0x01,
    0xAA };
  uint8_t h[sizeof (ext) + 1];
  unsigned bit, bad = 0;
  sf_header got;
  size_t i;

  for (i = 0; i < N_CONTROL; i++) {
    h[0] = (uint8_t) (0x02 | control_types[i] << 4);
    for (bit = 0; bit < 7; bit++) {
      h[1] = (uint8_t) (0x80 | 1u << bit);
      h[2] = h[3] = 0;
      bad += sf_header_decode (h, 4, NULL, &got) != SF_ERR_UNSUPPORTED;
    }
    h[1] = 0x80;
    h[2] = 0x08;
    bad += sf_header_decode (h, 5, NULL, &got) != SF_ERR_UNSUPPORTED;
    memcpy (h + 1, ext, sizeof (ext));
    bad += sf_header_decode (h, sizeof (h), NULL, &got) != SF_OK ||
        got.header_len != sizeof (h);
    memcpy (h + 1, critical, sizeof (critical));
    bad += sf_header_decode (h, sizeof (h), NULL, &got) != SF_ERR_UNSUPPORTED;
    /* MORE and the seq cut short: malformed, now that the type is known. */
    h[1] = 0x80;
    h[2] = 0x00;
    bad += sf_header_decode (h, 4, NULL, &got) != SF_ERR_MALFORMED;
  }
  CHECK_MSG (bad == 0, "%u control headers misread", bad);
}

/* Types 6, 7 and 12 to 15 stay reserved: neither written nor read. */
static void
test_reserved_types (void)
{
  static const uint8_t reserved[] = { 6, 7, 12, 13, 14, 15 };
  uint8_t out[SF_NATIVE_ENCODED_MAX (0)];
  sf_header hdr;
  size_t i, len, n;
  uint8_t *pkt;

  for (i = 0; i < sizeof (reserved); i++) {
    sf_header_init (&hdr, reserved[i]);
    CHECK (
        sf_header_encode (&hdr, NULL, out, sizeof (out), &len) == SF_ERR_TYPE);
    CHECK (sf_encode_native (&hdr, NULL, 0, 0, out, sizeof (out), &len) ==
        SF_ERR_TYPE);
    CHECK (parse (reserved[i], "", 0) == SF_ERR_TYPE);
    /* Even with a fields byte no control packet may have. */
    pkt = packet (reserved[i], 0x7F, "", 0, &n);
    CHECK (sf_native_parse (pkt, n, NULL, &hdr, (const uint8_t **) &pkt) ==
        SF_ERR_TYPE);
    free (pkt);
  }
  CHECK (!strcmp (sf_type_name (SF_TYPE_SKIP), "SKIP"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_REPORT), "REPORT"));
  CHECK (!strcmp (sf_type_name (SF_TYPE_CAPS_REQUEST), "CAPS_REQUEST"));
  CHECK (!strcmp (sf_type_name (7), "RESERVED"));
}

/* sf_encoder refuses a payload at the write that breaks it, or at the end
 * when it is cut short, and stays refused. */
static void
test_encoder_errors (void)
{
  uint8_t out[SF_NATIVE_ENCODED_MAX (16)];
  sf_encoder enc;
  sf_header hdr;
  size_t w;

  sf_header_init (&hdr, SF_TYPE_NACK);
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "\x05\x00\x02", 3) == SF_OK);
  CHECK (sf_encoder_write (&enc, "\x01", 1) == SF_ERR_ARG);
  CHECK (sf_encoder_write (&enc, "\x03", 1) == SF_ERR_ARG);
  CHECK (sf_encoder_finish (&enc, &w) == SF_ERR_ARG && w == 0);

  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "\x05\x00", 2) == SF_OK);
  CHECK (sf_encoder_finish (&enc, &w) == SF_ERR_ARG);

  sf_header_init (&hdr, SF_TYPE_KEY_REQUEST);
  CHECK (sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, out, sizeof (out)) ==
      SF_OK);
  CHECK (sf_encoder_write (&enc, "", 0) == SF_OK);
  CHECK (sf_encoder_write (&enc, "k", 1) == SF_ERR_LENGTH);
}

/* --- Receivers: delivered, counted, not frames (sections 7, 11, 16) ---- */

typedef struct {
  uint8_t wire[2048];
  size_t len;
} line;

static void
add (line *l, const sf_header *hdr, const sf_frame_ref *ref,
    const void *payload, size_t len)
{
  sf_encoder enc;
  size_t w = 0;

  CHECK (sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, 0, hdr, ref,
             l->wire + l->len, sizeof (l->wire) - l->len) == SF_OK &&
      sf_encoder_write (&enc, payload, len) == SF_OK &&
      sf_encoder_finish (&enc, &w) == SF_OK);
  l->len += w;
}

static void
add_control (line *l, uint8_t type, uint32_t seq, const void *payload,
    size_t len)
{
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.seq = seq;
  add (l, &hdr, NULL, payload, len);
}

/* A packet written by hand (header and payload), damaged or not. */
static void
add_raw (line *l, uint8_t type, uint8_t fields, const void *payload, size_t len,
    int damage)
{
  size_t n, w = 0;
  uint8_t *pkt = packet (type, fields, payload, len, &n);

  pkt[n - 1] ^= (uint8_t) damage;
  CHECK (sf_cobs_encode (pkt, n, l->wire + l->len, sizeof (l->wire) - l->len,
             &w) == SF_OK);
  l->len += w;
  l->wire[l->len++] = SF_DELIMITER;
  free (pkt);
}

typedef struct {
  sf_seq_tracker seq;
  unsigned packets, controls;
  sf_header last;
  uint64_t payload_bytes;
} seen;

static void
on_packet (const sf_packet *pkt, void *user)
{
  seen *s = user;

  sf_seq_tracker_update (&s->seq, &pkt->header);
  s->packets++;
  s->controls += sft_is_control (pkt->header.type);
  s->payload_bytes += pkt->payload_len;
  s->last = pkt->header;
}

/* Control packets between two frames: every one delivered, none a frame,
 * so that the second frame still refers to the first and nothing is lost;
 * damaged ones counted like any other packet. */
static void
test_decoder (void)
{
  static line l;
  static uint8_t buf[SF_NATIVE_DECODE_BUFFER_SIZE (256)];
  uint8_t report[SF_CONTROL_PAYLOAD_MAX];
  const sf_report r = { 5, 1200, 10, 1, 900, 0, 0 };
  const sf_dec_stats *st;
  size_t report_len, chunk;
  sf_frame_ref tx;
  sf_header frame;
  sf_decoder dec;
  uint64_t rng = 3;
  seen s;

  CHECK (sf_report_write (&r, report, sizeof (report), &report_len) == SF_OK);
  l.len = 0;
  l.wire[l.len++] = 0;
  sf_frame_ref_init (&tx);
  sf_header_init (&frame, SF_TYPE_DATA);
  frame.seq = 5;
  frame.pts = SEC;
  frame.duration = SEC / 30;
  add (&l, &frame, &tx, "five", 4);
  sf_frame_ref_update (&tx, &frame);
  add_control (&l, SF_TYPE_SKIP, 3, NULL, 0);
  add_control (&l, SF_TYPE_REPORT, 6, report, report_len);
  add_control (&l, SF_TYPE_NACK, 4, "\x03\x01\x02", 3);
  add_control (&l, SF_TYPE_KEY_REQUEST, 1000, NULL, 0);
  add_control (&l, SF_TYPE_CAPS_REQUEST, 6, NULL, 0);
  /* Dropped: a CRC error, malformed, unsupported, reserved. */
  add_raw (&l, SF_TYPE_SKIP, 0, "", 0, 1);
  add_raw (&l, SF_TYPE_REPORT, 0, "\x01\x02", 2, 0);
  add_raw (&l, SF_TYPE_NACK, 0x08, "\x00", 1, 0);
  add_raw (&l, 12, 0, "", 0, 0);
  frame.seq = 6;
  frame.pts = SEC + SEC / 30;
  add (&l, &frame, &tx, "six", 3);

  for (chunk = 0; chunk < 3; chunk++) {
    memset (&s, 0, sizeof (s));
    sf_seq_tracker_init (&s.seq);
    CHECK (
        sf_decoder_init (&dec, SF_MODE_NATIVE, 0, buf, sizeof (buf)) == SF_OK);
    sft_decode_stream (&dec, l.wire, l.len, chunk ? &rng : NULL,
        chunk == 1 ? 1 : 9, on_packet, &s);
    st = sf_decoder_get_stats (&dec);
    CHECK (s.packets == 7 && s.controls == 5 && st->packets == 7);
    CHECK_EQ_U64 (st->payload_bytes, 4 + report_len + 3 + 3);
    CHECK (st->crc_errors == 1 && st->malformed == 1 && st->unsupported == 1 &&
        st->unknown_type == 1);
    CHECK (st->bad_version == 0 && st->oversize == 0);
    /* Frame 6's PTS was predicted from frame 5, across the controls. */
    CHECK (s.last.seq == 6 && s.last.unresolved == 0 &&
        s.last.pts == SEC + SEC / 30);
    CHECK (s.seq.lost == 0 && s.seq.restarts == 0 && s.seq.expected == 7);
  }
}

/* The sequence tracker and the frames referred to ignore control packets,
 * whatever their seq. */
static void
test_not_frames (void)
{
  sf_frame_ref ref, before;
  sf_seq_tracker t;
  sf_header hdr;
  size_t i;

  sf_seq_tracker_init (&t);
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 10) == 0);
  for (i = 0; i < N_CONTROL; i++) {
    CHECK (sft_seq_update (&t, 2, control_types[i], 20) == 0);
    CHECK (sft_seq_update (&t, 2, control_types[i], 3) == 0);
  }
  CHECK (sft_seq_update (&t, 2, SF_TYPE_DATA, 11) == 0);
  CHECK (t.lost == 0 && t.restarts == 0 && t.expected == 12);

  sf_frame_ref_init (&ref);
  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.seq = 10;
  hdr.pts = SEC;
  sf_frame_ref_update (&ref, &hdr);
  before = ref;
  for (i = 0; i < N_CONTROL; i++) {
    sf_header_init (&hdr, control_types[i]);
    hdr.seq = 11;
    sf_frame_ref_update (&ref, &hdr);
    CHECK (!memcmp (&ref, &before, sizeof (ref)));
  }
}

int
main (void)
{
  test_payload_cases ();
  test_nack_size ();
  test_report_helpers ();
  test_nack_write_rules ();
  test_nack_most_ranges ();
  test_header_fields ();
  test_header_reserved ();
  test_reserved_types ();
  test_encoder_errors ();
  test_decoder ();
  test_not_frames ();
  return sft_summary ();
}
