/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CRC-32C (Castagnoli): SSE4.2 instruction when present, tables otherwise. */

#include "sf-private.h"

/* -DSF_CRC32C_NO_HW builds the portable path only, as on other CPUs. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&        \
    !defined(SF_CRC32C_NO_HW)
#define SF_HAVE_SSE42_PATH 1
#include <nmmintrin.h>
#endif

/* -DSF_CRC32C_SMALL_TABLE gives small microcontrollers one 1 KiB table
 * instead of the 8 KiB slicing-by-8 set. */
#include "crc32c-table.h"
#define SF_SLICE8 (SF_CRC32C_TABLES == 8)

typedef uint32_t (*sf_crc_fn) (uint32_t crc, const uint8_t *p, size_t len);

static uint32_t
crc_portable_raw (uint32_t crc, const uint8_t *p, size_t len)
{
#if SF_SLICE8
  while (len && ((uintptr_t) p & 7)) {
    crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xFF];
    len--;
  }
  /* Loading through sf_get_le32 keeps the result independent of the host
   * byte order; compilers turn it into one load on little-endian hosts. */
  while (len >= 8) {
    uint32_t lo = crc ^ sf_get_le32 (p);
    uint32_t hi = sf_get_le32 (p + 4);
    crc = crc32c_table[7][lo & 0xFF] ^ crc32c_table[6][(lo >> 8) & 0xFF] ^
        crc32c_table[5][(lo >> 16) & 0xFF] ^ crc32c_table[4][lo >> 24] ^
        crc32c_table[3][hi & 0xFF] ^ crc32c_table[2][(hi >> 8) & 0xFF] ^
        crc32c_table[1][(hi >> 16) & 0xFF] ^ crc32c_table[0][hi >> 24];
    p += 8;
    len -= 8;
  }
#endif
  while (len--)
    crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xFF];
  return crc;
}

#ifdef SF_HAVE_SSE42_PATH
__attribute__ ((target ("sse4.2"))) static uint32_t
crc_sse42_raw (uint32_t crc, const uint8_t *p, size_t len)
{
  uint64_t c = crc;

  while (len && ((uintptr_t) p & 7)) {
    c = _mm_crc32_u8 ((uint32_t) c, *p++);
    len--;
  }
  while (len >= 8) {
    uint64_t v;

    memcpy (&v, p, 8);
    c = _mm_crc32_u64 (c, v);
    p += 8;
    len -= 8;
  }
  while (len--)
    c = _mm_crc32_u8 ((uint32_t) c, *p++);
  return (uint32_t) c;
}

static int
cpu_has_sse42 (void)
{
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("sse4.2");
}
#endif

/* The one mutable global of the codec.  Every thread that finds it unset
 * computes the same value, so a race only repeats the CPU check. */
static sf_crc_fn crc_active;

#if defined(__GNUC__) || defined(__clang__)
#define SF_LOAD_PTR(p) __atomic_load_n (&(p), __ATOMIC_ACQUIRE)
#define SF_STORE_PTR(p, v) __atomic_store_n (&(p), (v), __ATOMIC_RELEASE)
#else
#define SF_LOAD_PTR(p) (p)
#define SF_STORE_PTR(p, v) ((p) = (v))
#endif

static sf_crc_fn
crc_choose (void)
{
  sf_crc_fn fn = SF_LOAD_PTR (crc_active);

  if (fn)
    return fn;
  sf_crc32c_select (SF_CRC32C_AUTO);
  return SF_LOAD_PTR (crc_active);
}

uint32_t
sf_crc32c (uint32_t crc, const void *data, size_t len)
{
  if (!data)
    return crc;
  return ~crc_choose () (~crc, (const uint8_t *) data, len);
}

uint32_t
sf_crc32c_portable (uint32_t crc, const void *data, size_t len)
{
  if (!data)
    return crc;
  return ~crc_portable_raw (~crc, (const uint8_t *) data, len);
}

sf_result
sf_crc32c_select (sf_crc32c_impl impl)
{
  sf_crc_fn fn;

  switch (impl) {
    case SF_CRC32C_AUTO:
#ifdef SF_HAVE_SSE42_PATH
      if (cpu_has_sse42 ())
        return sf_crc32c_select (SF_CRC32C_HW);
#endif
      return sf_crc32c_select (SF_CRC32C_PORTABLE);
    case SF_CRC32C_PORTABLE:
      fn = crc_portable_raw;
      break;
    case SF_CRC32C_HW:
#ifdef SF_HAVE_SSE42_PATH
      if (!cpu_has_sse42 ())
        return SF_ERR_UNSUPPORTED;
      fn = crc_sse42_raw;
      break;
#else
      return SF_ERR_UNSUPPORTED;
#endif
    default:
      return SF_ERR_ARG;
  }
  SF_STORE_PTR (crc_active, fn);
  return SF_OK;
}

sf_crc32c_impl
sf_crc32c_active (void)
{
  return crc_choose () == crc_portable_raw ? SF_CRC32C_PORTABLE : SF_CRC32C_HW;
}

const char *
sf_crc32c_impl_name (sf_crc32c_impl impl)
{
  switch (impl) {
    case SF_CRC32C_AUTO:
      return "auto";
    case SF_CRC32C_PORTABLE:
      return "portable";
    case SF_CRC32C_HW:
      return "sse4.2";
  }
  return "unknown";
}
