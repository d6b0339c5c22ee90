/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny test harness for the framing tests: checks, counts, a fixed PRNG. */

#ifndef SFTEST_H
#define SFTEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serialframe.h"

static unsigned sft_passed, sft_failed;

/* Failures print where they happened and carry on, so one run shows all
 * that is wrong. */
#define CHECK(cond) sft_check ((cond) != 0, #cond, __FILE__, __LINE__, NULL)
#define CHECK_MSG(cond, ...)                                                   \
  sft_checkf ((cond) != 0, #cond, __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_EQ_U64(a, b)                                                     \
  do {                                                                         \
    uint64_t sft_a_ = (uint64_t) (a), sft_b_ = (uint64_t) (b);                 \
    CHECK_MSG (sft_a_ == sft_b_, "%s = %" PRIu64 ", expected %" PRIu64, #a,    \
        sft_a_, sft_b_);                                                       \
  } while (0)

static inline int
sft_check (int ok, const char *expr, const char *file, int line,
    const char *msg)
{
  if (ok) {
    sft_passed++;
    return 1;
  }
  sft_failed++;
  if (sft_failed <= 50)
    fprintf (stderr, "FAIL %s:%d: %s%s%s\n", file, line, expr, msg ? ": " : "",
        msg ? msg : "");
  return 0;
}

static inline int sft_checkf (int ok, const char *expr, const char *file,
    int line, const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));

static inline int
sft_checkf (int ok, const char *expr, const char *file, int line,
    const char *fmt, ...)
{
  char msg[512];
  va_list ap;

  if (ok)
    return sft_check (1, expr, file, line, NULL);
  va_start (ap, fmt);
  vsnprintf (msg, sizeof (msg), fmt, ap);
  va_end (ap);
  return sft_check (0, expr, file, line, msg);
}

static inline int
sft_summary (void)
{
  /* Counts checks, not test cases: the suite summary counts this program
   * as one test. */
  printf ("%u checks passed, %u failed\n", sft_passed, sft_failed);
  return sft_failed ? 1 : 0;
}

/* splitmix64: fixed seeds make every run test the same data. */
static inline uint64_t
sft_rand (uint64_t *state)
{
  uint64_t z = (*state += UINT64_C (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * UINT64_C (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline void
sft_fill_random (uint64_t *state, uint8_t *buf, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    buf[i] = (uint8_t) sft_rand (state);
}

static inline void *
sft_xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);

  if (!p) {
    fprintf (stderr, "out of memory\n");
    exit (2);
  }
  return p;
}

/* Feeds a whole stream to dec in chunks of 1..max_chunk bytes (random
 * sizes from *rng, or all at once when rng is NULL) and calls cb for every
 * packet.  Checks the feed contract on the way. */
typedef void (*sft_packet_cb) (const sf_packet *pkt, void *user);

static inline size_t
sft_decode_stream (sf_decoder *dec, const uint8_t *data, size_t len,
    uint64_t *rng, size_t max_chunk, sft_packet_cb cb, void *user)
{
  size_t off = 0, packets = 0;
  int contract_ok = 1;

  while (off < len) {
    size_t chunk = len - off;

    if (rng && max_chunk) {
      size_t want = 1 + (size_t) (sft_rand (rng) % max_chunk);
      if (want < chunk)
        chunk = want;
    }
    while (chunk) {
      size_t used = 0;
      sf_result r = sf_decoder_feed (dec, data + off, chunk, &used);

      if (r == SF_DEC_PACKET) {
        const sf_packet *pkt = sf_decoder_packet (dec);
        if (!pkt || used == 0 || used > chunk)
          contract_ok = 0;
        else if (cb)
          cb (pkt, user);
        packets++;
      } else if (r != SF_DEC_NEED_MORE || used != chunk ||
          sf_decoder_packet (dec) != NULL) {
        contract_ok = 0;
        used = chunk;
      }
      off += used;
      chunk -= used;
    }
  }
  CHECK (contract_ok);
  return packets;
}

/* The control packets of docs/protocol.md, section 8.2; test_control.c
 * tests them, the other tests the reserved types around them. */
static inline int
sft_is_control (unsigned type)
{
  return type == SF_TYPE_SKIP ||
      (type >= SF_TYPE_REPORT && type <= SF_TYPE_CAPS_REQUEST);
}

static inline int
sft_same_report (const sf_report *a, const sf_report *b)
{
  return a->last_seq == b->last_seq && a->delay_us == b->delay_us &&
      a->packets == b->packets && a->damaged == b->damaged &&
      a->wire_bytes == b->wire_bytes && a->lost == b->lost &&
      a->repaired == b->repaired;
}

/* sf_seq_tracker_update () for a packet of this version, type and seq. */
static inline uint32_t
sft_seq_update (sf_seq_tracker *t, uint8_t version, uint8_t type, uint32_t seq)
{
  sf_header hdr;

  sf_header_init (&hdr, type);
  hdr.version = version;
  hdr.seq = seq;
  return sf_seq_tracker_update (t, &hdr);
}

#endif /* SFTEST_H */
