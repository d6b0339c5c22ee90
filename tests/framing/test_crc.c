/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CRC-32C: known answers on both implementations, hardware equals tables. */

#include "sftest.h"

static void
check_known_answers (const char *impl)
{
  uint8_t zeros[32], ones[32], ascending[32];
  const char *check = "123456789";
  uint32_t crc;
  int i;

  for (i = 0; i < 32; i++) {
    zeros[i] = 0;
    ones[i] = 0xFF;
    ascending[i] = (uint8_t) i;
  }

  /* The check value of the CRC catalogue, then RFC 3720 B.4. */
  crc = sf_crc32c (0, check, 9);
  CHECK_MSG (crc == 0xE3069283u, "%s: %08x", impl, crc);
  CHECK (sf_crc32c (0, zeros, 32) == 0x8A9136AAu);
  CHECK (sf_crc32c (0, ones, 32) == 0x62A8AB43u);
  CHECK (sf_crc32c (0, ascending, 32) == 0x46DD794Eu);
  CHECK (sf_crc32c (0, check, 0) == 0);
  /* Chaining: feeding in two parts gives the one-shot value. */
  CHECK (sf_crc32c (sf_crc32c (0, check, 4), check + 4, 5) == 0xE3069283u);
  CHECK (sf_crc32c (0x12345678u, NULL, 0) == 0x12345678u);
}

/* The packets of the worked examples (docs/protocol.md, section 18), up
 * to their CRC. */
static void
check_examples (const char *impl)
{
  static const uint8_t v2[] = { 0x02, 0xa3, 0x02, 0x07, 0x00, 0x21, 0x80, 0x94,
    0xeb, 0xdc, 0x03, 0xd5, 0xc0, 0xf2, 0x0f, 0x15, 0xcd, 0x85, 0x3d, 0xfe,
    0x9c, 0x97, 0x17, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xc0, 0xff, 0xee };
  static const uint8_t v2_next[] = { 0x02, 0x44, 0x08, 0x00, 0xde, 0xad, 0xbe,
    0xef, 0x00, 0xc0, 0xff, 0xee };
  static const uint8_t v1[] = { 0x01, 0x01, 0x21, 0x00, 0x07, 0x00, 0x00, 0x00,
    0x00, 0xca, 0x9a, 0x3b, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0x55, 0xa0, 0xfc, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x15, 0xcd, 0x85, 0x3d, 0xfe, 0x9c, 0x97, 0x17, 0x08, 0x00, 0x00, 0x00,
    0xde, 0xad, 0xbe, 0xef, 0x00, 0xc0, 0xff, 0xee };
  uint32_t crc;

  crc = sf_crc32c (0, v2, sizeof (v2));
  CHECK_MSG (crc == 0xD6C07CEEu, "%s: %08x", impl, crc);
  crc = sf_crc32c (0, v2_next, sizeof (v2_next));
  CHECK_MSG (crc == 0xE5162302u, "%s: %08x", impl, crc);
  crc = sf_crc32c (0, v1, sizeof (v1));
  CHECK_MSG (crc == 0x7A045EDCu, "%s: %08x", impl, crc);
}

int
main (void)
{
  uint64_t rng = 0xC5C5C5C5u;
  uint8_t *data;
  size_t size = 1 << 16, i;
  int have_hw;
  unsigned mismatches = 0;

  CHECK (sf_crc32c_portable (0, "123456789", 9) == 0xE3069283u);

  CHECK (sf_crc32c_select (SF_CRC32C_PORTABLE) == SF_OK);
  CHECK (sf_crc32c_active () == SF_CRC32C_PORTABLE);
  check_known_answers ("portable");
  check_examples ("portable");

  have_hw = sf_crc32c_select (SF_CRC32C_HW) == SF_OK;
  if (have_hw) {
    CHECK (sf_crc32c_active () == SF_CRC32C_HW);
    check_known_answers ("hw");
    check_examples ("hw");
  } else {
    printf ("hardware CRC-32C not available: comparing portable only\n");
  }
  CHECK (sf_crc32c_select ((sf_crc32c_impl) 42) == SF_ERR_ARG);
  CHECK (sf_crc32c_select (SF_CRC32C_AUTO) == SF_OK);
  CHECK (sf_crc32c_active () != SF_CRC32C_AUTO);
  printf ("CRC-32C in use: %s\n", sf_crc32c_impl_name (sf_crc32c_active ()));

  /* Every alignment and length mix, both against the portable path and
   * against a chained computation split at a random point. */
  data = sft_xmalloc (size + 64);
  sft_fill_random (&rng, data, size + 64);
  for (i = 0; i < 4000; i++) {
    size_t off = (size_t) (sft_rand (&rng) % 64);
    size_t len = i < 300 ? i : (size_t) (sft_rand (&rng) % size);
    size_t split = len ? (size_t) (sft_rand (&rng) % len) : 0;
    uint32_t seed = (uint32_t) sft_rand (&rng);
    uint32_t want = sf_crc32c_portable (seed, data + off, len);
    uint32_t got = sf_crc32c (seed, data + off, len);
    uint32_t chained = sf_crc32c (sf_crc32c (seed, data + off, split),
        data + off + split, len - split);

    if (got != want || chained != want)
      mismatches++;
  }
  CHECK_MSG (mismatches == 0, "%u mismatches", mismatches);
  free (data);
  return sft_summary ();
}
