/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Forward error correction (docs/protocol.md, section 8.1): the field's
 * arithmetic against a slow independent multiply, the layout of blocks,
 * and every data piece rebuilt from any enough pieces. */

#include "sftest.h"

/* Carry-less multiply modulo 0x11D, a bit at a time. */
static uint8_t
slow_mul (uint8_t a, uint8_t b)
{
  unsigned x = a, r = 0;

  while (b) {
    if (b & 1)
      r ^= x;
    b >>= 1;
    x <<= 1;
    if (x & 0x100)
      x ^= 0x11D;
  }
  return (uint8_t) r;
}

static void
test_field (void)
{
  unsigned a, b, bad = 0, x = 1, order = 0;
  uint8_t src[256], dst[256];

  for (a = 0; a < 256; a++)
    for (b = 0; b < 256; b++)
      bad += sf_gf_mul ((uint8_t) a, (uint8_t) b) !=
          slow_mul ((uint8_t) a, (uint8_t) b);
  CHECK_MSG (bad == 0, "%u products differ", bad);
  for (a = 1; a < 256; a++)
    bad += slow_mul ((uint8_t) a, sf_gf_inv ((uint8_t) a)) != 1;
  CHECK_MSG (bad == 0, "%u inverses wrong", bad);
  CHECK (sf_gf_inv (1) == 1 && sf_gf_inv (0) == 0);
  /* 0x02 generates the multiplicative group. */
  do {
    x = slow_mul ((uint8_t) x, 2);
    order++;
  } while (x != 1);
  CHECK (order == 255);

  for (a = 0; a < 256; a++)
    src[a] = (uint8_t) a;
  for (b = 0; b < 256; b++) {
    memset (dst, 0x5A, sizeof (dst));
    sf_gf_mul_add (dst, src, sizeof (src), (uint8_t) b);
    for (a = 0; a < 256; a++)
      bad += dst[a] != (0x5A ^ slow_mul ((uint8_t) a, (uint8_t) b));
  }
  CHECK_MSG (bad == 0, "%u bytes of mul_add wrong", bad);
  CHECK (sf_fec_coef (1, 0, 0) == 1);
  CHECK (slow_mul (sf_fec_coef (5, 2, 3), (5 + 2) ^ 3) == 1);
}

static void
test_layout (void)
{
  CHECK (sf_fec_blocks (1) == 1 && sf_fec_blocks (128) == 1);
  CHECK (sf_fec_blocks (129) == 2 && sf_fec_blocks (300) == 3);
  /* 300 pieces over 3 blocks: 100 each; 7 parity pieces: 3, 2, 2. */
  CHECK (sf_fec_block_pieces (300, 3, 0) == 100);
  CHECK (sf_fec_block_pieces (300, 3, 2) == 100);
  CHECK (sf_fec_block_pieces (7, 3, 0) == 3);
  CHECK (
      sf_fec_block_pieces (7, 3, 1) == 2 && sf_fec_block_pieces (7, 3, 2) == 2);
  CHECK (sf_fec_block_pieces (2, 3, 2) == 0);
  CHECK (sf_fec_block_pieces (129, 2, 0) == 65 &&
      sf_fec_block_pieces (129, 2, 1) == 64);

  CHECK (sf_fec_parity_count (150, 0) == 0 && sf_fec_parity_count (0, 5) == 0);
  CHECK (sf_fec_parity_count (1, 1) == 1);
  CHECK (sf_fec_parity_count (150, 15) == 23);
  CHECK (sf_fec_parity_count (100, 15) == 15);
  /* At least one per block. */
  CHECK (sf_fec_parity_count (300, 1) == 3);
  CHECK (sf_fec_parity_count (300, 100) == 300);
  CHECK (sf_fec_parity_count (300, 250) == 300);
  CHECK (sf_fec_parity_count (65535, 100) == 65535);
  CHECK (sf_fec_layout_valid (65535, 65535));

  CHECK (sf_fec_layout_valid (128, 128) && !sf_fec_layout_valid (128, 129));
  CHECK (!sf_fec_layout_valid (0, 1) && !sf_fec_layout_valid (1, 0));
  CHECK (!sf_fec_layout_valid (65536, 1));
}

/* A frame of n pieces of F bytes (the last of last bytes, padded), and
 * its m parity pieces made the way a sender without the frame in memory
 * would: each data piece added to every parity piece as it goes. */
typedef struct {
  uint32_t n, m;
  size_t F;
  uint8_t *data;   /* n * F, zero-padded */
  uint8_t *parity; /* m * F */
} Frame;

static void
frame_make (Frame *f, uint64_t *rng, uint32_t n, uint32_t m, size_t F,
    size_t last)
{
  uint32_t i, p;

  f->n = n;
  f->m = m;
  f->F = F;
  f->data = sft_xmalloc (n * F);
  f->parity = sft_xmalloc (m * F);
  memset (f->data, 0, n * F);
  memset (f->parity, 0, m * F);
  sft_fill_random (rng, f->data, (n - 1) * F + last);
  for (i = 0; i < n; i++)
    for (p = 0; p < m; p++)
      CHECK (sf_fec_parity_add (n, m, p, i, f->data + i * F,
                 i == n - 1 ? last : F, f->parity + p * F) == SF_OK);
}

static void
frame_clear (Frame *f)
{
  free (f->data);
  free (f->parity);
}

/* Loses the pieces of block j marked in lost (data columns first, then
 * parity rows) and rebuilds them; the result, or -1 when the rebuilt
 * pieces differ. */
static int
lose_and_rebuild (const Frame *f, uint32_t j, const uint8_t *lost)
{
  const uint8_t *data[SF_FEC_BLOCK_DATA_MAX], *parity[SF_FEC_BLOCK_MAX];
  uint8_t *out[SF_FEC_BLOCK_DATA_MAX];
  uint32_t b = sf_fec_blocks (f->n), c, r;
  uint32_t k = sf_fec_block_pieces (f->n, b, j);
  uint32_t m = sf_fec_block_pieces (f->m, b, j);
  static uint8_t work[SF_FEC_WORK_SIZE];
  int ret, same = 1;

  for (c = 0; c < k; c++) {
    data[c] = lost[c] ? NULL : f->data + (c * b + j) * f->F;
    out[c] = lost[c] ? sft_xmalloc (f->F) : NULL;
  }
  for (r = 0; r < m; r++)
    parity[r] = lost[k + r] ? NULL : f->parity + (r * b + j) * f->F;
  ret = sf_fec_recover_block (k, m, data, parity, out, f->F, work);
  for (c = 0; c < k; c++) {
    if (out[c] && ret == SF_OK)
      same &= !memcmp (out[c], f->data + (c * b + j) * f->F, f->F);
    free (out[c]);
  }
  return same ? ret : -1;
}

/* Every pattern of up to m lost pieces of a block of 4 + 3. */
static void
test_every_pattern (void)
{
  uint64_t rng = 7;
  uint8_t lost[7];
  unsigned mask, i, count, bad = 0, short_ = 0;
  Frame f;

  frame_make (&f, &rng, 4, 3, 33, 20);
  for (mask = 0; mask < 128; mask++) {
    for (i = 0, count = 0; i < 7; i++) {
      lost[i] = (mask >> i) & 1;
      count += lost[i];
    }
    if (count <= 3)
      bad += lose_and_rebuild (&f, 0, lost) != SF_OK;
    else if (mask & 0xF)
      short_ += lose_and_rebuild (&f, 0, lost) == SF_ERR_LENGTH;
  }
  CHECK_MSG (bad == 0, "%u patterns not rebuilt", bad);
  /* Patterns of 4 or more losses of 7 pieces: 64, data always among them. */
  CHECK_EQ_U64 (short_, 64);
  frame_clear (&f);
}

/* Random losses of as many pieces as each block can take, in frames of
 * one to three blocks; one more is too many. */
static void
test_random_losses (void)
{
  static const struct {
    uint32_t n, m;
    size_t F, last;
  } frames[] = {
    { 1, 1, 17, 17 },
    { 1, 3, 5, 5 },
    { 2, 1, 16, 1 },
    { 10, 3, 240, 100 },
    { 128, 128, 8, 3 },
    { 129, 20, 12, 12 },
    { 300, 45, 6, 2 },
    { 150, 23, 24, 7 },
  };
  uint8_t lost[SF_FEC_BLOCK_MAX];
  uint64_t rng = 99;
  unsigned t, round, bad = 0, not_short = 0;
  uint32_t b, j, k, m, i, want;
  Frame f;

  for (t = 0; t < sizeof (frames) / sizeof (frames[0]); t++) {
    frame_make (&f, &rng, frames[t].n, frames[t].m, frames[t].F,
        frames[t].last);
    b = sf_fec_blocks (f.n);
    for (round = 0; round < 20; round++) {
      j = (uint32_t) (sft_rand (&rng) % b);
      k = sf_fec_block_pieces (f.n, b, j);
      m = sf_fec_block_pieces (f.m, b, j);
      /* m losses, then m + 1 with a data piece among them. */
      want = round % 2 ? m + 1 : m;
      if (want > k + m)
        continue;
      memset (lost, 0, sizeof (lost));
      lost[sft_rand (&rng) % k] = 1;
      for (i = 1; i < want;) {
        uint32_t x = (uint32_t) (sft_rand (&rng) % (k + m));

        if (!lost[x]) {
          lost[x] = 1;
          i++;
        }
      }
      if (round % 2)
        not_short += lose_and_rebuild (&f, j, lost) != SF_ERR_LENGTH;
      else
        bad += lose_and_rebuild (&f, j, lost) != SF_OK;
    }
    frame_clear (&f);
  }
  CHECK_MSG (bad == 0, "%u blocks not rebuilt", bad);
  CHECK_MSG (not_short == 0, "%u blocks rebuilt from too few", not_short);
}

/* The first parity piece of a one-piece frame is a copy of it. */
static void
test_one_piece (void)
{
  uint8_t parity[5] = { 0 };

  CHECK (sf_fec_parity_add (1, 1, 0, 0, (const uint8_t *) "abcde", 5, parity) ==
      SF_OK);
  CHECK (!memcmp (parity, "abcde", 5));
}

static void
test_arguments (void)
{
  static uint8_t work[SF_FEC_WORK_SIZE];
  const uint8_t *data[2] = { NULL, NULL };
  uint8_t piece[4] = { 0 }, *out[2] = { piece, NULL };

  CHECK (sf_fec_parity_add (0, 1, 0, 0, piece, 4, piece) == SF_ERR_ARG);
  CHECK (sf_fec_parity_add (2, 1, 1, 0, piece, 4, piece) == SF_ERR_ARG);
  CHECK (sf_fec_parity_add (2, 1, 0, 2, piece, 4, piece) == SF_ERR_ARG);
  CHECK (sf_fec_parity_add (128, 129, 0, 0, piece, 4, piece) == SF_ERR_ARG);
  /* Another block: nothing added. */
  CHECK (sf_fec_parity_add (129, 2, 1, 0, piece, 4, piece) == SF_OK);
  CHECK (!memcmp (piece, "\0\0\0\0", 4));
  CHECK (sf_fec_recover_block (0, 1, data, data, out, 4, work) == SF_ERR_ARG);
  CHECK (sf_fec_recover_block (129, 1, data, data, out, 4, work) == SF_ERR_ARG);
  CHECK (
      sf_fec_recover_block (128, 129, data, data, out, 4, work) == SF_ERR_ARG);
  /* A missing column needs somewhere to go. */
  CHECK (sf_fec_recover_block (2, 2, data, data, out, 4, work) == SF_ERR_ARG);
}

/* --- tests/framing/vectors/fec.txt, from gen-vectors.py ---------------- */

typedef struct {
  char name[128];
  uint32_t n, F, last, M, blocks;
  uint8_t *frame, *parity;
  size_t frame_len, parity_len;
  char lost_data[4096], lost_parity[4096];
  int recoverable; /* -1: no loss given */
} FecVector;

static uint8_t *
parse_hex_list (const char *s, size_t *len)
{
  uint8_t *out = sft_xmalloc (strlen (s) / 2 + 1);
  unsigned byte;

  *len = 0;
  while (*s) {
    if (*s == ',') {
      s++;
      continue;
    }
    if (sscanf (s, "%2x", &byte) != 1)
      break;
    out[(*len)++] = (uint8_t) byte;
    s += 2;
  }
  return out;
}

/* Marks the numbers of a comma-separated list (or "none") in flags. */
static void
mark_list (const char *s, uint8_t *flags, uint32_t count)
{
  char *end;
  unsigned long v;

  if (!strcmp (s, "none"))
    return;
  while (*s) {
    v = strtoul (s, &end, 10);
    if (end == s)
      break;
    if (v < count)
      flags[v] = 1;
    s = *end == ',' ? end + 1 : end;
  }
}

/* Parity from the frame, as a sender makes it, and the frame rebuilt from
 * what the record leaves after its losses. */
static void
check_fec_vector (const FecVector *v)
{
  static uint8_t work[SF_FEC_WORK_SIZE];
  uint8_t *data = sft_xmalloc ((size_t) v->n * v->F);
  uint8_t *parity = sft_xmalloc ((size_t) v->M * v->F);
  uint8_t *lost = sft_xmalloc (v->n), *lost_p = sft_xmalloc (v->M);
  uint32_t b = sf_fec_blocks (v->n), i, p, j, c, r, k, m;
  int rebuilt = 1;

  CHECK_MSG (b == v->blocks, "%s: %u blocks", v->name, b);
  CHECK_MSG (v->frame_len == (size_t) (v->n - 1) * v->F + v->last &&
          v->parity_len == (size_t) v->M * v->F,
      "%s: sizes", v->name);
  memset (data, 0, (size_t) v->n * v->F);
  memcpy (data, v->frame, v->frame_len);
  memset (parity, 0, (size_t) v->M * v->F);
  for (i = 0; i < v->n; i++)
    for (p = 0; p < v->M; p++)
      sf_fec_parity_add (v->n, v->M, p, i, data + (size_t) i * v->F,
          i == v->n - 1 ? v->last : v->F, parity + (size_t) p * v->F);
  CHECK_MSG (!memcmp (parity, v->parity, v->parity_len), "%s: parity differs",
      v->name);

  if (v->recoverable >= 0) {
    memset (lost, 0, v->n);
    memset (lost_p, 0, v->M);
    mark_list (v->lost_data, lost, v->n);
    mark_list (v->lost_parity, lost_p, v->M);
    for (i = 0; i < v->n; i++)
      if (lost[i])
        memset (data + (size_t) i * v->F, 0xA5, v->F);
    for (j = 0; j < b; j++) {
      const uint8_t *din[SF_FEC_BLOCK_DATA_MAX], *pin[SF_FEC_BLOCK_MAX];
      uint8_t *out[SF_FEC_BLOCK_DATA_MAX];

      k = sf_fec_block_pieces (v->n, b, j);
      m = sf_fec_block_pieces (v->M, b, j);
      for (c = 0; c < k; c++) {
        out[c] = data + (size_t) (c * b + j) * v->F;
        din[c] = lost[c * b + j] ? NULL : out[c];
      }
      for (r = 0; r < m; r++)
        pin[r] =
            lost_p[r * b + j] ? NULL : v->parity + (size_t) (r * b + j) * v->F;
      if (sf_fec_recover_block (k, m, din, pin, out, v->F, work) != SF_OK)
        rebuilt = 0;
    }
    CHECK_MSG (rebuilt == v->recoverable, "%s: rebuilt %d", v->name, rebuilt);
    if (rebuilt)
      CHECK_MSG (!memcmp (data, v->frame, v->frame_len), "%s: rebuilt differs",
          v->name);
  }
  free (data);
  free (parity);
  free (lost);
  free (lost_p);
}

static void
set_fec_field (FecVector *v, const char *key, const char *value)
{
  if (!strcmp (key, "name"))
    snprintf (v->name, sizeof (v->name), "%s", value);
  else if (!strcmp (key, "n"))
    v->n = (uint32_t) strtoul (value, NULL, 10);
  else if (!strcmp (key, "F"))
    v->F = (uint32_t) strtoul (value, NULL, 10);
  else if (!strcmp (key, "last_size"))
    v->last = (uint32_t) strtoul (value, NULL, 10);
  else if (!strcmp (key, "M"))
    v->M = (uint32_t) strtoul (value, NULL, 10);
  else if (!strcmp (key, "blocks"))
    v->blocks = (uint32_t) strtoul (value, NULL, 10);
  else if (!strcmp (key, "frame"))
    v->frame = parse_hex_list (value, &v->frame_len);
  else if (!strcmp (key, "parity"))
    v->parity = parse_hex_list (value, &v->parity_len);
  else if (!strcmp (key, "lost_data"))
    snprintf (v->lost_data, sizeof (v->lost_data), "%s", value);
  else if (!strcmp (key, "lost_parity"))
    snprintf (v->lost_parity, sizeof (v->lost_parity), "%s", value);
  else if (!strcmp (key, "recoverable"))
    v->recoverable = !strcmp (value, "yes");
}

static void
fec_vector_end (FecVector *v, unsigned *count)
{
  if (v->name[0]) {
    check_fec_vector (v);
    (*count)++;
  }
  free (v->frame);
  free (v->parity);
  memset (v, 0, sizeof (*v));
  v->recoverable = -1;
}

static void
test_vectors (const char *dir)
{
  static char line[1 << 20];
  char path[4096], *colon;
  FecVector v;
  unsigned count = 0;
  FILE *f;

  snprintf (path, sizeof (path), "%s/fec.txt", dir);
  f = fopen (path, "r");
  CHECK_MSG (f != NULL, "cannot open %s", path);
  if (!f)
    return;
  memset (&v, 0, sizeof (v));
  v.recoverable = -1;
  while (fgets (line, sizeof (line), f)) {
    line[strcspn (line, "\r\n")] = 0;
    if (line[0] == '#')
      continue;
    if (line[0] == 0) {
      fec_vector_end (&v, &count);
      continue;
    }
    colon = strstr (line, ": ");
    if (!colon)
      continue;
    *colon = 0;
    set_fec_field (&v, line, colon + 2);
  }
  fec_vector_end (&v, &count);
  fclose (f);
  printf ("%u fec vectors checked\n", count);
  CHECK (count >= 50);
}

int
main (int argc, char **argv)
{
  test_field ();
  test_layout ();
  test_one_piece ();
  test_every_pattern ();
  test_random_losses ();
  test_arguments ();
  if (argc > 1)
    test_vectors (argv[1]);
  return sft_summary ();
}
