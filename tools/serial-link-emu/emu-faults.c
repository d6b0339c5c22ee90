/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: reproducible line faults (bit errors, lost bytes, bursts,
 * lost radio packets).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emu-faults.h"

#include <math.h>
#include <string.h>

/* The streams of a direction: stream direction * N_STREAMS + kind. */
enum {
  STREAM_BITS,
  STREAM_LOSS,
  STREAM_BURST,
  N_STREAMS
};

/* Kinds of fault added later are numbered apart, stream kind + direction,
 * so that the streams above, and the results a seed gives them, stay as
 * they were. */
#define STREAM_PACKET (G_GUINT64_CONSTANT (1) << 32)

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void
emu_rng_seed (EmuRng *rng, guint64 seed, guint64 stream)
{
  /* Mixing the stream number through splitmix64 first keeps neighbouring
   * streams (and neighbouring seeds) uncorrelated. */
  guint64 sm = seed ^ (stream * G_GUINT64_CONSTANT (0xD1B54A32D192ED03));
  guint i;

  sm = splitmix64 (&sm);
  for (i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&sm);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

guint64
emu_rng_next (EmuRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* The number of successes before the next failure of a Bernoulli process:
 * one draw per fault instead of one per bit or byte. */
static guint64
geometric (EmuRng *rng, gdouble p, gdouble log_q)
{
  gdouble u, k;

  if (p <= 0.0)
    return EMU_FAULTS_NEVER;
  if (p >= 1.0)
    return 0;
  /* u in (0, 1], so that log (u) is finite. */
  u = (gdouble) ((emu_rng_next (rng) >> 11) + 1) * 0x1.0p-53;
  k = floor (log (u) / log_q);
  if (k >= 0x1.0p63)
    return EMU_FAULTS_NEVER;
  return (guint64) k;
}

/* log (1 - p), for the probabilities that geometric() draws from. */
static gdouble
log_q (gdouble p)
{
  return (p > 0.0 && p < 1.0) ? log1p (-p) : 0.0;
}

static inline void
skip_advance (guint64 *skip, guint64 n)
{
  if (*skip != EMU_FAULTS_NEVER)
    *skip -= n;
}

/* Bytes from the start of a packet to the start of the next lost one: one
 * draw per lost packet, of the whole packets kept before it. */
static guint64
packet_gap (EmuFaults *f)
{
  guint64 kept = geometric (&f->packet_rng, f->packet_p, f->packet_log);

  if (kept > (EMU_FAULTS_NEVER - 1) / f->packet_size)
    return EMU_FAULTS_NEVER;
  return kept * f->packet_size;
}

void
emu_faults_init (EmuFaults *f, guint64 seed, guint direction, guint data_bits,
    const EmuFaultSettings *settings)
{
  guint64 base = (guint64) direction * N_STREAMS;

  memset (f, 0, sizeof (*f));
  f->data_bits = CLAMP (data_bits, 5, 8);
  f->mask = (guint8) ((1u << f->data_bits) - 1);
  f->bit_p = settings->bit_error_rate;
  f->loss_p = settings->byte_loss_rate;
  f->burst_p = settings->burst_rate;
  f->burst_length = MAX (settings->burst_length, 1);
  f->bit_log = log_q (f->bit_p);
  f->loss_log = log_q (f->loss_p);
  f->burst_log = log_q (f->burst_p);
  f->packet_p = settings->packet_loss;
  f->packet_log = log_q (f->packet_p);
  f->packet_size = settings->packet_size > 0 ? settings->packet_size
                                             : EMU_FAULTS_DEFAULT_PACKET_SIZE;

  emu_rng_seed (&f->bit_rng, seed, base + STREAM_BITS);
  emu_rng_seed (&f->loss_rng, seed, base + STREAM_LOSS);
  emu_rng_seed (&f->burst_rng, seed, base + STREAM_BURST);
  emu_rng_seed (&f->packet_rng, seed, STREAM_PACKET + direction);
  f->bit_skip = geometric (&f->bit_rng, f->bit_p, f->bit_log);
  f->loss_skip = geometric (&f->loss_rng, f->loss_p, f->loss_log);
  f->burst_skip = geometric (&f->burst_rng, f->burst_p, f->burst_log);
  f->packet_skip = packet_gap (f);
}

static void
apply_bursts (EmuFaults *f, guint8 *buf, gsize len)
{
  gsize i = 0;

  while (i < len) {
    if (f->burst_left > 0) {
      gsize n = MIN ((gsize) f->burst_left, len - i);
      gsize j;

      for (j = 0; j < n; j++)
        buf[i + j] = (guint8) (emu_rng_next (&f->burst_rng) >> 56) & f->mask;
      f->burst_left -= n;
      f->bytes_corrupted += n;
      i += n;
      if (f->burst_left == 0)
        f->burst_skip = geometric (&f->burst_rng, f->burst_p, f->burst_log);
      continue;
    }
    if (f->burst_skip >= len - i) {
      skip_advance (&f->burst_skip, len - i);
      return;
    }
    i += f->burst_skip;
    f->burst_skip = 0;
    f->burst_left = f->burst_length;
    f->bursts++;
  }
}

static void
apply_bit_errors (EmuFaults *f, guint8 *buf, gsize len)
{
  guint64 nbits = (guint64) len * f->data_bits;
  guint64 pos = f->bit_skip;

  if (f->bit_skip == EMU_FAULTS_NEVER)
    return;
  /* Only the data bits are on the wire, so only they can flip: start,
   * parity and stop bits are not modelled. */
  while (pos < nbits) {
    buf[pos / f->data_bits] ^= (guint8) (1u << (pos % f->data_bits));
    f->bits_flipped++;
    f->bit_skip = geometric (&f->bit_rng, f->bit_p, f->bit_log);
    if (f->bit_skip == EMU_FAULTS_NEVER)
      return;
    pos += 1 + f->bit_skip;
  }
  f->bit_skip = pos - nbits;
}

/* Byte loss over the @len bytes at @src: the bytes kept are moved to @dst
 * (at or before @src), or only counted with @dst NULL, when their packet is
 * lost anyway. Returns how many are kept. */
static gsize
apply_loss (EmuFaults *f, guint8 *dst, const guint8 *src, gsize len)
{
  gsize i = 0, out = 0;

  while (i < len) {
    gsize keep = (gsize) MIN (f->loss_skip, (guint64) (len - i));

    if (dst && dst + out != src + i)
      memmove (dst + out, src + i, keep);
    out += keep;
    i += keep;
    skip_advance (&f->loss_skip, keep);
    if (i == len)
      break;
    i++;
    f->bytes_dropped++;
    f->loss_skip = geometric (&f->loss_rng, f->loss_p, f->loss_log);
  }
  return out;
}

/* Lost bytes, then lost air packets, both by position in the direction:
 * the packets are the consecutive runs of packet_size bytes from the first
 * byte, whatever byte loss removed. A byte lost alone counts there; the
 * rest of a lost packet counts here. Bytes of a packet that is not lost go
 * on at once, none is held back until its packet is complete. Returns how
 * many bytes are left, moved to the start of @buf. */
static gsize
apply_losses (EmuFaults *f, guint8 *buf, gsize len)
{
  gsize i = 0, out = 0;

  while (i < len) {
    gsize n;

    if (f->packet_left > 0) {
      n = MIN ((gsize) f->packet_left, len - i);
      f->packet_bytes_dropped += apply_loss (f, NULL, buf + i, n);
      f->packet_left -= n;
      i += n;
      if (f->packet_left == 0)
        f->packet_skip = packet_gap (f);
    } else if (f->packet_skip == 0) {
      f->packet_left = f->packet_size;
      f->packets_lost++;
    } else {
      n = (gsize) MIN (f->packet_skip, (guint64) (len - i));
      out += apply_loss (f, buf + out, buf + i, n);
      skip_advance (&f->packet_skip, n);
      i += n;
    }
  }
  return out;
}

/* Passes @len bytes, in line order, through the faults, in place: a burst
 * overwrites bytes, then single bits flip, then bytes are lost, then whole
 * air packets (a lost byte may have been corrupted first; its flipped bits
 * still count). Returns how many bytes are left. */
gsize
emu_faults_apply (EmuFaults *f, guint8 *buf, gsize len)
{
  gsize i;

  /* A UART set to fewer data bits does not transmit the upper ones. */
  if (f->mask != 0xff) {
    for (i = 0; i < len; i++)
      buf[i] &= f->mask;
  }
  apply_bursts (f, buf, len);
  apply_bit_errors (f, buf, len);
  return apply_losses (f, buf, len);
}
