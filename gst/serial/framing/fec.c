/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: forward error correction across a frame's pieces, a
 * systematic Reed-Solomon erasure code over GF(2^8) with a Cauchy matrix
 * (docs/protocol.md, section 8.1).  Table-driven and portable: at serial
 * rates a byte at a time is fast enough, and firmware takes the file as
 * it is. */

#include "sf-private.h"

#include "gf256-table.h"

uint8_t
sf_gf_mul (uint8_t a, uint8_t b)
{
  if (a == 0 || b == 0)
    return 0;
  return gf256_exp[gf256_log[a] + gf256_log[b]];
}

uint8_t
sf_gf_inv (uint8_t a)
{
  if (a == 0)
    return 0;
  return gf256_exp[255 - gf256_log[a]];
}

void
sf_gf_mul_add (uint8_t *dst, const uint8_t *src, size_t len, uint8_t c)
{
  uint8_t row[256];
  size_t i;
  int x;

  if (c == 0)
    return;
  if (c == 1) {
    for (i = 0; i < len; i++)
      dst[i] ^= src[i];
    return;
  }
  /* One product per possible byte, then one lookup per byte. */
  row[0] = 0;
  for (x = 1; x < 256; x++)
    row[x] = gf256_exp[gf256_log[c] + gf256_log[x]];
  for (i = 0; i < len; i++)
    dst[i] ^= row[src[i]];
}

uint8_t
sf_fec_coef (uint32_t k, uint32_t r, uint32_t c)
{
  return sf_gf_inv ((uint8_t) ((k + r) ^ c));
}

uint32_t
sf_fec_blocks (uint32_t n)
{
  return (n + SF_FEC_BLOCK_DATA_MAX - 1) / SF_FEC_BLOCK_DATA_MAX;
}

uint32_t
sf_fec_block_pieces (uint32_t count, uint32_t blocks, uint32_t j)
{
  if (blocks == 0 || j >= count)
    return 0;
  return (count - j + blocks - 1) / blocks;
}

int
sf_fec_layout_valid (uint32_t n, uint32_t m)
{
  uint32_t b;

  if (n == 0 || m == 0 || n > UINT16_MAX || m > UINT16_MAX)
    return 0;
  b = sf_fec_blocks (n);
  /* Block 0 is the largest of each kind. */
  return sf_fec_block_pieces (n, b, 0) + sf_fec_block_pieces (m, b, 0) <=
      SF_FEC_BLOCK_MAX;
}

uint32_t
sf_fec_parity_count (uint32_t n, unsigned percent)
{
  uint32_t m, b;

  if (n == 0 || percent == 0)
    return 0;
  if (percent > 100)
    percent = 100;
  m = (uint32_t) (((uint64_t) n * percent + 99) / 100);
  b = sf_fec_blocks (n);
  return m < b ? b : m;
}

sf_result
sf_fec_parity_add (uint32_t n, uint32_t m, uint32_t p, uint32_t i,
    const uint8_t *data, size_t len, uint8_t *parity)
{
  uint32_t b;

  if (!sf_fec_layout_valid (n, m) || p >= m || i >= n ||
      (len > 0 && (!data || !parity)))
    return SF_ERR_ARG;
  b = sf_fec_blocks (n);
  if (p % b != i % b)
    return SF_OK;
  sf_gf_mul_add (parity, data, len,
      sf_fec_coef (sf_fec_block_pieces (n, b, i % b), p / b, i / b));
  return SF_OK;
}

static void
swap_rows (uint8_t *m, uint32_t e, uint32_t a, uint32_t b)
{
  uint32_t j;
  uint8_t t;

  for (j = 0; j < e; j++) {
    t = m[a * e + j];
    m[a * e + j] = m[b * e + j];
    m[b * e + j] = t;
  }
}

/* Inverts the e x e matrix a (row-major) into inv by Gauss-Jordan
 * elimination; a is destroyed.  0 if it is singular, which a square
 * piece of a Cauchy matrix never is. */
static int
invert (uint8_t *a, uint8_t *inv, uint32_t e)
{
  uint32_t row, col, pivot, j;
  uint8_t f;

  memset (inv, 0, (size_t) e * e);
  for (j = 0; j < e; j++)
    inv[j * e + j] = 1;
  for (col = 0; col < e; col++) {
    for (pivot = col; pivot < e && a[pivot * e + col] == 0; pivot++) {
    }
    if (pivot == e)
      return 0;
    if (pivot != col) {
      swap_rows (a, e, col, pivot);
      swap_rows (inv, e, col, pivot);
    }
    f = sf_gf_inv (a[col * e + col]);
    for (j = 0; j < e; j++) {
      a[col * e + j] = sf_gf_mul (a[col * e + j], f);
      inv[col * e + j] = sf_gf_mul (inv[col * e + j], f);
    }
    for (row = 0; row < e; row++) {
      f = a[row * e + col];
      if (row == col || f == 0)
        continue;
      for (j = 0; j < e; j++) {
        a[row * e + j] ^= sf_gf_mul (f, a[col * e + j]);
        inv[row * e + j] ^= sf_gf_mul (f, inv[col * e + j]);
      }
    }
  }
  return 1;
}

/* With rows[q] the parity rows used and cols[u] the missing columns, the
 * parity pieces less the known data's share equal a * missing, a[q][u] =
 * coef (rows[q], cols[u]).  So missing piece u is the sum over q of
 * inv[u][q] times (parity row q plus the known data's share): each parity
 * piece and each known data piece once, with a coefficient of its own. */
static void
rebuild (uint32_t k, const uint8_t *const *data, const uint8_t *const *parity,
    const uint8_t *rows, const uint8_t *inv, uint32_t e, uint32_t u,
    uint8_t *out, size_t F)
{
  uint32_t q, c;
  uint8_t d;

  memset (out, 0, F);
  for (q = 0; q < e; q++)
    sf_gf_mul_add (out, parity[rows[q]], F, inv[u * e + q]);
  for (c = 0; c < k; c++) {
    if (!data[c])
      continue;
    d = 0;
    for (q = 0; q < e; q++)
      d ^= sf_gf_mul (inv[u * e + q], sf_fec_coef (k, rows[q], c));
    sf_gf_mul_add (out, data[c], F, d);
  }
}

sf_result
sf_fec_recover_block (uint32_t k, uint32_t m, const uint8_t *const *data,
    const uint8_t *const *parity, uint8_t *const *out, size_t F, uint8_t *work)
{
  uint8_t cols[SF_FEC_BLOCK_DATA_MAX], rows[SF_FEC_BLOCK_DATA_MAX];
  uint8_t *a = work, *inv;
  uint32_t e = 0, q = 0, c, r, u;

  if (k == 0 || k > SF_FEC_BLOCK_DATA_MAX || k + m > SF_FEC_BLOCK_MAX ||
      !data || !work || (m > 0 && !parity))
    return SF_ERR_ARG;
  for (c = 0; c < k; c++)
    if (!data[c]) {
      if (!out || !out[c])
        return SF_ERR_ARG;
      cols[e++] = (uint8_t) c;
    }
  for (r = 0; r < m && q < e; r++)
    if (parity[r])
      rows[q++] = (uint8_t) r;
  if (q < e)
    return SF_ERR_LENGTH;
  if (e == 0)
    return SF_OK;

  inv = work + (size_t) e * e;
  for (q = 0; q < e; q++)
    for (u = 0; u < e; u++)
      a[q * e + u] = sf_fec_coef (k, rows[q], cols[u]);
  if (!invert (a, inv, e))
    return SF_ERR_ARG;
  for (u = 0; u < e; u++)
    rebuild (k, data, parity, rows, inv, e, u, out[cols[u]], F);
  return SF_OK;
}
