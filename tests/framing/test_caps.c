/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Compact caps (docs/protocol.md, section 9.2): every code, refused
 * inputs, random round trips and the limits. */

#include "sftest.h"

#define FIRST_CODE 0x80
#define LAST_CODE 0xE9

static const char jpeg_caps[] =
    "image/jpeg, sof-marker=(int)0, width=(int)640, height=(int)480, "
    "pixel-aspect-ratio=(fraction)1/1, framerate=(fraction)30/1, "
    "interlace-mode=(string)progressive, colorimetry=(string)bt601, "
    "chroma-site=(string)jpeg, multiview-mode=(string)mono, "
    "multiview-flags=(GstVideoMultiviewFlagsSet)0:ffffffff:/right-view-first"
    "/left-flipped/left-flopped/right-flipped/right-flopped/half-aspect"
    "/mixed-mono";

/* The table, as the codec expands it. */
static char table[LAST_CODE + 1][256];
static size_t table_len[LAST_CODE + 1];

/* Compacts and expands s; both must succeed and give s back. */
static int
round_trip (const char *s, size_t len, size_t *compact_len)
{
  static uint8_t compact[2 * SF_CAPS_MAX];
  static char back[SF_CAPS_MAX];
  size_t w = 0, n = 0;

  if (sf_caps_compact (s, len, compact, sizeof (compact), &w) != SF_OK ||
      sf_caps_expand (compact, w, back, sizeof (back), &n) != SF_OK)
    return 0;
  if (compact_len)
    *compact_len = w;
  return n == len && !memcmp (back, s, len);
}

static sf_result
expand (const char *in, size_t len, char *out, size_t *n)
{
  return sf_caps_expand ((const uint8_t *) in, len, out, SF_CAPS_MAX, n);
}

/* Every code stands for a text of its own, which the encoder writes as
 * that code alone. */
static void
test_table (void)
{
  uint8_t code[1], out[4];
  unsigned c, d, bad = 0;
  size_t w;

  for (c = FIRST_CODE; c <= LAST_CODE; c++) {
    code[0] = (uint8_t) c;
    if (sf_caps_expand (code, 1, table[c], sizeof (table[c]), &table_len[c]) !=
            SF_OK ||
        table_len[c] == 0) {
      bad++;
      continue;
    }
    if (sf_caps_compact (table[c], table_len[c], out, sizeof (out), &w) !=
            SF_OK ||
        w != 1 || out[0] != c)
      bad++;
    for (d = FIRST_CODE; d < c; d++)
      bad += table_len[d] == table_len[c] &&
          !memcmp (table[d], table[c], table_len[c]);
  }
  CHECK_MSG (bad == 0, "%u table codes wrong", bad);
  /* A few entries as section 9.2 lists them. */
  CHECK (table_len[0x80] == 10 && !memcmp (table[0x80], "image/jpeg", 10));
  CHECK (table_len[0x81] == 11 && !memcmp (table[0x81], "video/x-raw", 11));
  CHECK (table_len[0x9B] == 150 &&
      !memcmp (table[0x9B], ", multiview-flags=(GstVideoMultiviewFlagsSet)",
          45));
  CHECK (table_len[0xD6] == 8 && !memcmp (table[0xD6], "(buffer)", 8));
  CHECK (table_len[0xE6] == 2 && !memcmp (table[0xE6], ", ", 2));
  CHECK (table_len[0xE9] == 6 && !memcmp (table[0xE9], "image/", 6));
}

/* jpegenc's caps become 15 bytes (section 9.2). */
static void
test_jpeg (void)
{
  static const uint8_t want[] = { 0x80, 0x8E, 0x8F, 0xE2, 0x90, 0xE3, 0x91,
    0x93, 0xDA, 0x95, 0x97, 0xBD, 0x98, 0x9A, 0x9B };
  uint8_t out[64];
  size_t w, n;

  CHECK (sf_caps_compact (jpeg_caps, strlen (jpeg_caps), out, sizeof (out),
             &w) == SF_OK);
  CHECK (w == sizeof (want) && !memcmp (out, want, w));
  CHECK (round_trip (jpeg_caps, strlen (jpeg_caps), &n) && n == 15);
}

static void
test_codes (void)
{
  char out[SF_CAPS_MAX], in[600];
  unsigned c, bad = 0;
  size_t n, i;

  /* ASCII stands for itself, FF c for c, FE n for 2n hex digits. */
  for (c = 1; c < FIRST_CODE; c++) {
    in[0] = (char) c;
    bad += expand (in, 1, out, &n) != SF_OK || n != 1 || out[0] != (char) c;
  }
  for (c = 1; c < 256; c++) {
    in[0] = (char) 0xFF;
    in[1] = (char) c;
    bad += expand (in, 2, out, &n) != SF_OK || n != 1 || out[0] != (char) c;
  }
  CHECK_MSG (bad == 0, "%u literals wrong", bad);
  for (n = 1; n < 256; n++) {
    in[0] = (char) 0xFE;
    in[1] = (char) n;
    for (i = 0; i < n; i++)
      in[2 + i] = (char) (i * 37 + 0xA0);
    if (!CHECK (expand (in, 2 + n, out, &i) == SF_OK && i == 2 * n))
      break;
    CHECK (out[0] == 'a' && out[1] == '0' && out[2 * n - 1] >= '0');
  }
  /* Reserved, cut short, or a NUL: refused. */
  for (c = LAST_CODE + 1; c < 0xFE; c++) {
    in[0] = 'v';
    in[1] = (char) c;
    CHECK_MSG (expand (in, 2, out, &n) == SF_ERR_MALFORMED, "code %02X", c);
  }
  CHECK (expand ("\x81\x00", 2, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\x81\xff", 2, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\xff\x00", 2, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\xfe", 1, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\xfe\x00", 2, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\xfe\x03\x01\x02", 4, out, &n) == SF_ERR_MALFORMED);
  CHECK (expand ("\xfe\x02\x00\x00", 4, out, &n) == SF_OK && n == 4 &&
      !memcmp (out, "0000", 4));
  CHECK (expand ("", 0, out, &n) == SF_OK && n == 0);
}

/* The encoder's choices: the longest entry, hex after (buffer). */
static void
test_encoder_choices (void)
{
  static const struct {
    const char *caps;
    const char *compact;
    size_t compact_len;
  } cases[] = {
    { "video/x-rawx", "\x81x", 2 },
    { ", framerate=(fraction)0/1", "\x94", 1 },
    { ", framerate=(fraction)0/2", "\x93\x30/2", 4 },
    { "(buffer)0a0b", "\xd6\xfe\x02\x0a\x0b", 5 },
    { "(buffer)0a0", "\xd6\xfe\x01\x0a\x30", 5 },
    { "(buffer)0A", "\xd6\x30\x41", 3 },
    { "x0a0b", "x0a0b", 5 },
    { "caf\xc3\xa9", "caf\xff\xc3\xff\xa9", 7 },
  };
  uint8_t out[64];
  size_t i, w;

  for (i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
    CHECK_MSG (sf_caps_compact (cases[i].caps, strlen (cases[i].caps), out,
                   sizeof (out), &w) == SF_OK &&
            w == cases[i].compact_len && !memcmp (out, cases[i].compact, w),
        "case %zu: %s", i, cases[i].caps);
  }
}

static void
test_random_ascii (uint64_t *rng)
{
  static char s[SF_CAPS_MAX];
  unsigned i, bad = 0, longer = 0;
  size_t len, j, w;

  for (i = 0; i < 2000; i++) {
    len = i < 10 ? SF_CAPS_MAX - i : (size_t) (sft_rand (rng) % 600);
    for (j = 0; j < len; j++)
      s[j] = (char) (1 + sft_rand (rng) % 127);
    if (!round_trip (s, len, &w))
      bad++;
    /* No code stands for less than it takes. */
    longer += w > len;
  }
  CHECK_MSG (bad == 0, "%u ASCII strings differ", bad);
  CHECK_MSG (longer == 0, "%u ASCII strings grew", longer);
}

/* Strings made of table entries, hex runs, digits and UTF-8. */
static void
test_random_pieces (uint64_t *rng)
{
  static char s[SF_CAPS_MAX];
  static const char hex[] = "0123456789abcdefABX";
  unsigned i, bad = 0;
  size_t len, k, n, w, total = 0, compact = 0;

  for (i = 0; i < 2000; i++) {
    for (len = 0; len < 1000;) {
      unsigned c = (unsigned) (sft_rand (rng) % 8);

      if (c < 4) {
        unsigned code = FIRST_CODE + sft_rand (rng) % (LAST_CODE - 0x7F);
        memcpy (s + len, table[code], table_len[code]);
        len += table_len[code];
      } else if (c == 4) {
        memcpy (s + len, "(buffer)", 8);
        len += 8;
        n = (size_t) (sft_rand (rng) % 700);
        for (k = 0; k < n && len < SF_CAPS_MAX - 300; k++)
          s[len++] = hex[sft_rand (rng) % (i % 2 ? 16 : sizeof (hex) - 1)];
      } else if (c == 5) {
        s[len++] = (char) (0x80 + sft_rand (rng) % 0x80);
      } else {
        s[len++] = (char) (1 + sft_rand (rng) % 127);
      }
    }
    if (!round_trip (s, len, &w))
      bad++;
    total += len;
    compact += w;
  }
  CHECK_MSG (bad == 0, "%u strings differ", bad);
  CHECK (compact < total);
}

/* Whatever expands compacts to something that expands the same. */
static void
test_random_compact (uint64_t *rng)
{
  uint8_t in[64];
  static char s[SF_CAPS_MAX];
  unsigned i, expanded = 0, bad = 0;
  size_t len, j, n;

  for (i = 0; i < 20000; i++) {
    len = (size_t) (sft_rand (rng) % sizeof (in));
    for (j = 0; j < len; j++)
      in[j] = (uint8_t) sft_rand (rng);
    if (sf_caps_expand (in, len, s, sizeof (s), &n) != SF_OK)
      continue;
    expanded++;
    bad += memchr (s, 0, n) != NULL || !round_trip (s, n, NULL);
  }
  CHECK_MSG (bad == 0, "%u of %u expansions do not round-trip", bad, expanded);
  CHECK (expanded > 100);
}

static void
test_limits (void)
{
  static char s[SF_CAPS_MAX + 1], out[SF_CAPS_MAX + 1];
  static uint8_t compact[2 * SF_CAPS_MAX + 2];
  size_t len = strlen (jpeg_caps), size, w = 1, bad = 0;

  /* Every buffer short by any amount is refused, with nothing written. */
  for (size = 0; size < 15; size++)
    bad += sf_caps_compact (jpeg_caps, len, compact, size, &w) !=
            SF_ERR_OUTPUT_FULL ||
        w != 0;
  CHECK (sf_caps_compact (jpeg_caps, len, compact, 15, &w) == SF_OK);
  for (size = 0; size < len; size++)
    bad +=
        sf_caps_expand (compact, 15, out, size, &w) != SF_ERR_LENGTH || w != 0;
  CHECK_MSG (bad == 0, "%zu short buffers taken", bad);
  CHECK (sf_caps_expand (compact, 15, out, len, &w) == SF_OK && w == len);

  /* 4096 bytes expanded is the most; one more is refused. */
  memset (compact, 'a', SF_CAPS_MAX);
  CHECK (sf_caps_expand (compact, SF_CAPS_MAX, out, SF_CAPS_MAX, &w) == SF_OK &&
      w == SF_CAPS_MAX);
  compact[SF_CAPS_MAX - 1] = 0xE6;
  CHECK (sf_caps_expand (compact, SF_CAPS_MAX, out, SF_CAPS_MAX, &w) ==
      SF_ERR_LENGTH);
  /* A string beyond ASCII takes two bytes a character: 4096 of them do
   * not fit in a compact payload. */
  memset (s, 0xC3, SF_CAPS_MAX);
  CHECK (sf_caps_compact (s, SF_CAPS_MAX, compact, SF_CAPS_COMPACT_MAX, &w) ==
      SF_ERR_OUTPUT_FULL);
  CHECK (sf_caps_compact (s, SF_CAPS_MAX / 2, compact, SF_CAPS_COMPACT_MAX,
             &w) == SF_OK &&
      w == SF_CAPS_MAX);

  /* Arguments. */
  CHECK (sf_caps_compact ("a\0b", 3, compact, 8, &w) == SF_ERR_ARG);
  CHECK (sf_caps_compact (NULL, 1, compact, 8, &w) == SF_ERR_ARG);
  CHECK (sf_caps_compact ("a", 1, NULL, 8, &w) == SF_ERR_ARG);
  CHECK (sf_caps_compact ("a", 1, compact, 8, NULL) == SF_ERR_ARG);
  CHECK (sf_caps_compact (NULL, 0, compact, 8, &w) == SF_OK && w == 0);
  CHECK (sf_caps_expand (NULL, 1, out, 8, &w) == SF_ERR_ARG);
  CHECK (sf_caps_expand (compact, 1, NULL, 8, &w) == SF_ERR_ARG);
  CHECK (sf_caps_expand (compact, 1, out, 8, NULL) == SF_ERR_ARG);
}

int
main (void)
{
  uint64_t rng = 0xCA95;

  test_table ();
  test_jpeg ();
  test_codes ();
  test_encoder_choices ();
  test_random_ascii (&rng);
  test_random_pieces (&rng);
  test_random_compact (&rng);
  test_limits ();
  return sft_summary ();
}
