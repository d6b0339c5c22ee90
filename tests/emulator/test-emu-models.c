/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu tests: the pacing schedule and the fault model, alone.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Time here is simulated: the tests call the pacer with chosen instants, so
 * they check the schedule exactly, without clocks or sleeps.
 */

#include "emutest.h"
#include "emu-faults.h"
#include "emu-pacer.h"

#include <stdio.h>
#include <string.h>

#define NS 1000000000LL

/* done_time and done_count are exact inverses: the byte is not done 1 ns
 * before its time, and is done at it. */
static void
test_pacer_inverse (void)
{
  const guint64 rates[] = { 300, 9600, 115200, 921600, 3000000, 12000000,
    1000000000 };
  const guint bits[] = { 7, 10, 11, 12 };
  guint r, b;
  guint64 count;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    for (b = 0; b < G_N_ELEMENTS (bits); b++) {
      EmuPacer p;
      gboolean ok = TRUE;

      emu_pacer_init (&p, rates[r], bits[b], 16);
      /* 2^34 bytes: 22 years at 300 baud, well within 63-bit ns. */
      emu_pacer_enter (&p, G_GUINT64_CONSTANT (1) << 34, 12345);
      for (count = 1; count < (G_GUINT64_CONSTANT (1) << 34);
           count = count * 3 + 7) {
        gint64 t = emu_pacer_done_time (&p, count);

        ok &= emu_pacer_done_count (&p, t) >= count;
        ok &= emu_pacer_done_count (&p, t - 1) < count;
      }
      CHECK (ok);
    }
  }
}

/* Released in FIFO-sized groups at their exact times, never early, and
 * after ten million bytes the last one is due exactly when the total says:
 * no drift from adding up per-chunk durations. */
static void
test_pacer_no_drift (void)
{
  const guint64 total = 10000000;
  EmuPacer p;
  gint64 now = 1000, wake;
  guint64 released = 0, n;
  gboolean groups_ok = TRUE, never_early = TRUE;

  emu_pacer_init (&p, 115200, 10, 16);
  emu_pacer_enter (&p, total, now);
  while (released < total) {
    n = emu_pacer_take (&p, now, G_MAXUINT64, &wake);
    released += n;
    /* Nothing is done at the start; then exactly a FIFO each time. */
    groups_ok &= n == 16 || (n == 0 && released == 0);
    never_early &= released * 10 * NS <= (guint64) (now - 1000) * 115200;
    if (released < total)
      now = wake;
  }
  CHECK (groups_ok);
  CHECK (never_early);
  /* 10^8 bits at 115200 bit/s: 868.055555556 s, rounded up to the ns. */
  CHECK_EQ (now - 1000, 868055555556LL);
}

/* Bytes that find the line idle start their own busy period; a receiver
 * that held the line back does not get a burst when it makes room. */
static void
test_pacer_idle_and_stall (void)
{
  EmuPacer p;
  gint64 wake;

  emu_pacer_init (&p, 8000, 8, 4); /* 1000 bytes/s: 1 ms a byte */
  emu_pacer_enter (&p, 2, 0);
  CHECK_EQ (emu_pacer_take (&p, 0, 100, &wake), 0);
  CHECK_EQ (wake, 2 * NS / 1000);
  CHECK_EQ (emu_pacer_take (&p, wake, 100, &wake), 2);
  CHECK_EQ (wake, EMU_PACER_NEVER);

  /* Idle for a second: the next byte still takes its full 1 ms. */
  emu_pacer_enter (&p, 1, NS);
  CHECK_EQ (emu_pacer_take (&p, NS + NS / 1000 - 1, 100, &wake), 0);
  CHECK_EQ (wake, NS + NS / 1000);
  CHECK_EQ (emu_pacer_take (&p, wake, 100, &wake), 1);

  /* 100 bytes queued, room for 2 after 10 ms: held back. */
  emu_pacer_enter (&p, 100, 2 * NS);
  CHECK_EQ (emu_pacer_take (&p, 2 * NS + NS / 100, 2, &wake), 2);
  CHECK (p.stalled);
  CHECK_EQ (wake, EMU_PACER_NEVER);
  /* Room again a second later: the line resumes, no 1000-byte burst. */
  CHECK_EQ (emu_pacer_take (&p, 3 * NS, 100, &wake), 0);
  CHECK_EQ (wake, 3 * NS + 4 * NS / 1000);
  CHECK_EQ (emu_pacer_take (&p, wake, 100, &wake), 4);
}

static void
test_pacer_unpaced (void)
{
  EmuPacer p;
  gint64 wake;

  emu_pacer_init (&p, 0, 10, 16);
  emu_pacer_enter (&p, 1000, 5);
  CHECK_EQ (emu_pacer_take (&p, 5, 300, &wake), 300);
  CHECK (p.stalled);
  CHECK_EQ (emu_pacer_take (&p, 5, 10000, &wake), 700);
  CHECK (!p.stalled);
  CHECK_EQ (wake, EMU_PACER_NEVER);
}

/* Bit errors, lost bytes and bursts of 8 bytes. */
static const EmuFaultSettings all_kinds = {
  .bit_error_rate = 1e-3,
  .byte_loss_rate = 1e-3,
  .burst_rate = 1e-4,
  .burst_length = 8,
};

/* And lost air packets of 100 bytes. */
static const EmuFaultSettings every_kind = {
  .bit_error_rate = 1e-3,
  .byte_loss_rate = 1e-3,
  .burst_rate = 1e-4,
  .burst_length = 8,
  .packet_loss = 0.02,
  .packet_size = 100,
};

/* TRUE if two runs gave the same bytes; says how they differ if not. */
static gboolean
same_bytes (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  if (a_len != b_len) {
    g_printerr ("%" G_GSIZE_FORMAT " bytes against %" G_GSIZE_FORMAT "\n",
        a_len, b_len);
    return FALSE;
  }
  return memcmp (a, b, a_len) == 0;
}

/* Runs @len bytes through faults in chunks of pseudo-random sizes (or all
 * at once with @chunk_seed 0) and returns the output length. */
static gsize
faults_run (EmuFaults *f, guint8 *buf, gsize len, guint64 chunk_seed)
{
  gsize in = 0, out = 0;

  while (in < len) {
    gsize n = len - in;

    if (chunk_seed) {
      guint8 r[2];

      emutest_fill_random (chunk_seed++, r, 2);
      n = MIN (n, (gsize) (r[0] | (r[1] << 8)) % 5000 + 1);
    }
    /* Compacting in place is safe: output never outruns input. */
    memmove (buf + out, buf + in, n);
    out += emu_faults_apply (f, buf + out, n);
    in += n;
  }
  return out;
}

/* The output and counters do not depend on how the bytes were chunked. */
static void
test_faults_chunking (void)
{
  const gsize len = 1 << 20;
  guint8 *in = g_malloc (len), *one = g_malloc (len), *many = g_malloc (len);
  EmuFaults f1, f2;
  gsize n1, n2;

  emutest_fill_random (1, in, len);
  memcpy (one, in, len);
  memcpy (many, in, len);
  emu_faults_init (&f1, 42, 0, 8, &every_kind);
  emu_faults_init (&f2, 42, 0, 8, &every_kind);
  n1 = faults_run (&f1, one, len, 0);
  n2 = faults_run (&f2, many, len, 77);

  CHECK (same_bytes (one, n1, many, n2));
  CHECK_EQ (f1.bits_flipped, f2.bits_flipped);
  CHECK_EQ (f1.bytes_dropped, f2.bytes_dropped);
  CHECK_EQ (f1.bytes_corrupted, f2.bytes_corrupted);
  CHECK_EQ (f1.packets_lost, f2.packets_lost);
  CHECK_EQ (f1.packet_bytes_dropped, f2.packet_bytes_dropped);
  CHECK_EQ (n1 + f1.bytes_dropped + f1.packet_bytes_dropped, len);
  CHECK (f1.bits_flipped > 0 && f1.bytes_dropped > 0 && f1.bursts > 0 &&
      f1.packets_lost > 0);

  g_free (in);
  g_free (one);
  g_free (many);
}

/* Each kind of fault has its own stream: bit errors then losses give the
 * same result as the two applied one after the other by separate runs. */
static void
test_faults_independent (void)
{
  const gsize len = 1 << 20;
  guint8 *both = g_malloc (len), *bits = g_malloc (len);
  const EmuFaultSettings bits_and_loss = { .bit_error_rate = 1e-3,
    .byte_loss_rate = 1e-3 };
  const EmuFaultSettings bits_only = { .bit_error_rate = 1e-3 };
  const EmuFaultSettings loss_only = { .byte_loss_rate = 1e-3 };
  EmuFaults fb, fbits, floss, fother;
  gsize nb, nl;

  emutest_fill_random (2, both, len);
  memcpy (bits, both, len);
  emu_faults_init (&fb, 9, 0, 8, &bits_and_loss);
  emu_faults_init (&fbits, 9, 0, 8, &bits_only);
  emu_faults_init (&floss, 9, 0, 8, &loss_only);
  nb = faults_run (&fb, both, len, 3);
  faults_run (&fbits, bits, len, 4);
  nl = faults_run (&floss, bits, len, 5);

  CHECK (same_bytes (both, nb, bits, nl));
  CHECK_EQ (fb.bits_flipped, fbits.bits_flipped);
  CHECK_EQ (fb.bytes_dropped, floss.bytes_dropped);

  /* The other direction draws other faults from the same seed. */
  emu_faults_init (&fother, 9, 1, 8, &bits_only);
  CHECK (fother.bit_skip != fbits.bit_skip ||
      fother.bit_rng.s[0] != fbits.bit_rng.s[0]);

  g_free (both);
  g_free (bits);
}

/* Rates come out as asked (the seed is fixed, so the counts are too), and
 * the extremes behave. */
static void
test_faults_rates (void)
{
  const gsize len = 1 << 20;
  guint8 *buf = g_malloc (len), *copy = g_malloc (len);
  EmuFaults f;
  gsize n;

  emutest_fill_random (3, buf, len);
  memcpy (copy, buf, len);
  emu_faults_init (&f, 1, 0, 8,
      &(EmuFaultSettings){ .bit_error_rate = 1e-4, .byte_loss_rate = 1e-2 });
  n = emu_faults_apply (&f, buf, len);
  /* 838.9 flips and 10485.8 losses expected; within 5 %. */
  CHECK (f.bits_flipped > 797 && f.bits_flipped < 881);
  CHECK (f.bytes_dropped > 9961 && f.bytes_dropped < 11010);
  CHECK_EQ (n + f.bytes_dropped, len);

  memcpy (buf, copy, len);
  emu_faults_init (&f, 1, 0, 8, &(EmuFaultSettings){ 0 });
  CHECK_EQ (emu_faults_apply (&f, buf, len), len);
  CHECK (memcmp (buf, copy, len) == 0);

  emu_faults_init (&f, 1, 0, 8, &(EmuFaultSettings){ .bit_error_rate = 1 });
  CHECK_EQ (emu_faults_apply (&f, buf, 1000), 1000);
  CHECK_EQ (f.bits_flipped, 8000);
  CHECK_EQ (buf[0] ^ copy[0], 0xff);
  CHECK_EQ (buf[999] ^ copy[999], 0xff);

  emu_faults_init (&f, 1, 0, 8, &(EmuFaultSettings){ .byte_loss_rate = 1 });
  CHECK_EQ (emu_faults_apply (&f, buf, 1000), 0);

  /* Seven data bits: the eighth is not carried, nor flipped. */
  memcpy (buf, copy, len);
  emu_faults_init (&f, 1, 0, 7, &(EmuFaultSettings){ .bit_error_rate = 1 });
  CHECK_EQ (emu_faults_apply (&f, buf, 100), 100);
  CHECK_EQ (f.bits_flipped, 700);
  CHECK_EQ (buf[5] ^ (copy[5] & 0x7f), 0x7f);

  g_free (buf);
  g_free (copy);
}

/* Feeds @len bytes to a fault model one at a time and tells, for each,
 * whether it came out of the very call it went into: which positions the
 * faults keep, and that none is held back for later. */
static gboolean *
kept_positions (EmuFaults *f, guint64 seed, guint direction,
    const EmuFaultSettings *settings, gsize len)
{
  gboolean *kept = g_new (gboolean, len);
  gsize i;

  emu_faults_init (f, seed, direction, 8, settings);
  for (i = 0; i < len; i++) {
    guint8 byte = (guint8) i;

    kept[i] = emu_faults_apply (f, &byte, 1) == 1;
  }
  return kept;
}

/* Copies the bytes of @in at the positions @kept to @out; returns how
 * many. */
static gsize
keep_only (const guint8 *in, const gboolean *kept, gsize len, guint8 *out)
{
  gsize i, n = 0;

  for (i = 0; i < len; i++) {
    if (kept[i])
      out[n++] = in[i];
  }
  return n;
}

/* A lost air packet takes the 252 bytes at its position from the first
 * byte, all of them, whatever the chunks the bytes come in (see
 * faults_chunking too); the other bytes go on at once. */
static void
test_packets_by_position (void)
{
  const EmuFaultSettings radio = { .packet_loss = 0.05 };
  const gsize len = 1 << 20;
  guint8 *in = g_malloc (len), *one = g_malloc (len), *want = g_malloc (len);
  EmuFaults f1, fb;
  guint64 packets, bytes;
  gboolean *kept, whole = TRUE;
  gsize n1, i;

  emutest_fill_random (7, in, len);
  memcpy (one, in, len);
  emu_faults_init (&f1, 3, 0, 8, &radio);
  n1 = emu_faults_apply (&f1, one, len);

  CHECK_EQ (f1.packet_size, EMU_FAULTS_DEFAULT_PACKET_SIZE);
  CHECK (emutest_packets_left_out (in, len, one, n1, 252, &packets, &bytes));
  CHECK_EQ (f1.packets_lost, packets);
  CHECK_EQ (f1.packet_bytes_dropped, bytes);
  CHECK_EQ (n1 + bytes, len);
  /* 4161 packets, 208 lost expected: the seed gives these. */
  CHECK_EQ (f1.packets_lost, 207);
  CHECK_EQ (f1.bits_flipped + f1.bytes_dropped + f1.bursts, 0);

  /* One byte at a time: the same packets are lost, and each byte of the
   * others comes out as soon as it goes in. */
  kept = kept_positions (&fb, 3, 0, &radio, len);
  for (i = 0; i < len; i++)
    whole &= kept[i] == kept[i - i % 252];
  CHECK (whole);
  CHECK (same_bytes (one, n1, want, keep_only (in, kept, len, want)));
  CHECK_EQ (fb.packets_lost, f1.packets_lost);
  CHECK_EQ (fb.packet_bytes_dropped, f1.packet_bytes_dropped);

  g_free (kept);
  g_free (in);
  g_free (one);
  g_free (want);
}

/* Packet loss draws from a stream of its own: with every kind of fault at
 * once, the bytes that come out are those that bursts and bit errors alone
 * give, at the positions that byte loss alone and packet loss alone both
 * keep; each kind counts what it counts alone. The other direction loses
 * other packets. */
static void
test_packets_independent (void)
{
  const EmuFaultSettings noise = { .bit_error_rate = 1e-3,
    .burst_rate = 1e-4,
    .burst_length = 8 };
  const EmuFaultSettings loss_only = { .byte_loss_rate = 1e-3 };
  const EmuFaultSettings packets_only = { .packet_loss = 0.02,
    .packet_size = 100 };
  const gsize len = 1 << 20;
  guint8 *all = g_malloc (len), *noisy = g_malloc (len);
  guint8 *want = g_malloc (len);
  gboolean *by_loss, *by_packets, *other;
  EmuFaults fall, fnoise, floss, fpackets, fother;
  guint64 packet_bytes = 0;
  gsize n, nwant, i;

  emutest_fill_random (8, all, len);
  memcpy (noisy, all, len);
  emu_faults_init (&fall, 5, 0, 8, &every_kind);
  emu_faults_init (&fnoise, 5, 0, 8, &noise);
  n = faults_run (&fall, all, len, 12);
  faults_run (&fnoise, noisy, len, 0);
  by_loss = kept_positions (&floss, 5, 0, &loss_only, len);
  by_packets = kept_positions (&fpackets, 5, 0, &packets_only, len);
  for (i = 0; i < len; i++) {
    packet_bytes += by_loss[i] && !by_packets[i];
    by_loss[i] &= by_packets[i];
  }
  nwant = keep_only (noisy, by_loss, len, want);

  CHECK (same_bytes (all, n, want, nwant));
  CHECK_EQ (fall.bits_flipped, fnoise.bits_flipped);
  CHECK_EQ (fall.bursts, fnoise.bursts);
  CHECK_EQ (fall.bytes_dropped, floss.bytes_dropped);
  CHECK_EQ (fall.packets_lost, fpackets.packets_lost);
  CHECK_EQ (fall.packet_bytes_dropped, packet_bytes);
  CHECK_EQ (n + fall.bytes_dropped + fall.packet_bytes_dropped, len);
  CHECK (fall.bytes_dropped > 0 && fall.packets_lost > 0);

  other = kept_positions (&fother, 5, 1, &packets_only, len);
  CHECK (fother.packets_lost > 0);
  CHECK (memcmp (other, by_packets, len * sizeof (gboolean)) != 0);

  g_free (by_loss);
  g_free (by_packets);
  g_free (other);
  g_free (all);
  g_free (noisy);
  g_free (want);
}

/* Over many packets the share lost comes close to the probability; the
 * extremes and a packet longer than the input behave. */
static void
test_packets_rates (void)
{
  const EmuFaultSettings two_percent = { .packet_loss = 0.02 };
  const EmuFaultSettings half = { .packet_loss = 0.5, .packet_size = 1 };
  const gsize len = 1 << 16;
  guint8 *buf = g_malloc (len), *copy = g_malloc (len);
  EmuFaults f;
  guint64 out = 0;
  guint i;

  emutest_fill_random (9, copy, len);
  /* 2^24 bytes: 66577 packets of 252 bytes, 1331.5 lost expected; the
   * seed gives a fixed count, within 10 % of it. */
  emu_faults_init (&f, 1, 0, 8, &two_percent);
  for (i = 0; i < 256; i++) {
    memcpy (buf, copy, len);
    out += emu_faults_apply (&f, buf, len);
  }
  CHECK (f.packets_lost > 1198 && f.packets_lost < 1465);
  CHECK_EQ (out + f.packet_bytes_dropped, (guint64) len * 256);
  CHECK_EQ (f.packet_bytes_dropped, f.packets_lost * 252);

  /* One-byte packets at 0.5: 32768 expected, within 2 %. */
  memcpy (buf, copy, len);
  emu_faults_init (&f, 1, 1, 8, &half);
  CHECK_EQ (emu_faults_apply (&f, buf, len) + f.packets_lost, len);
  CHECK (f.packets_lost > 32113 && f.packets_lost < 33424);

  memcpy (buf, copy, len);
  emu_faults_init (&f, 1, 0, 8, &(EmuFaultSettings){ .packet_loss = 1 });
  CHECK_EQ (emu_faults_apply (&f, buf, 1000), 0);
  CHECK_EQ (f.packets_lost, 4);
  CHECK_EQ (f.packet_bytes_dropped, 1000);

  emu_faults_init (&f, 1, 0, 8,
      &(EmuFaultSettings){ .packet_loss = 1, .packet_size = 5000 });
  CHECK_EQ (emu_faults_apply (&f, buf, 1000), 0);
  CHECK_EQ (emu_faults_apply (&f, buf, 1000), 0);
  CHECK_EQ (f.packets_lost, 1);
  CHECK_EQ (f.packet_bytes_dropped, 2000);

  emu_faults_init (&f, 1, 0, 8,
      &(EmuFaultSettings){ .packet_loss = 0, .packet_size = 1 });
  CHECK_EQ (emu_faults_apply (&f, buf, len), len);
  CHECK (memcmp (buf, copy, len) == 0);
  CHECK_EQ (f.packets_lost, 0);

  g_free (buf);
  g_free (copy);
}

/* The streams of the fault kinds are fixed: a seed gives the results it
 * gave when they were written, in both directions, so that seeded tests and
 * scripts elsewhere keep their meaning. */
static void
test_faults_pinned (void)
{
  const gchar *const want[] = {
    "f850bed6261429cefdf907814bdc278a828a32c119cf53ba0440b0905862daac",
    "9ce95aea1d63a1a440da6221a426aee785518f5fc29020b72a48a1f36c2fb233",
  };
  const guint64 counts[][5] = {
    { 1047529, 8211, 1047, 736, 92 },
    { 1047520, 8641, 1056, 784, 98 },
  };
  const gsize len = 1 << 20;
  guint8 *buf = g_malloc (len);
  guint d;

  for (d = 0; d < 2; d++) {
    EmuFaults f;
    gsize n;

    emutest_fill_random (6, buf, len);
    emu_faults_init (&f, 42, d, 8, &all_kinds);
    n = faults_run (&f, buf, len, 10 + d);
    CHECK_EQ (n, counts[d][0]);
    CHECK_EQ (f.bits_flipped, counts[d][1]);
    CHECK_EQ (f.bytes_dropped, counts[d][2]);
    CHECK_EQ (f.bytes_corrupted, counts[d][3]);
    CHECK_EQ (f.bursts, counts[d][4]);
    CHECK (emutest_sha256_is (buf, n, want[d]));
  }
  g_free (buf);
}

int
main (void)
{
  emutest_run_case ("pacer_inverse", test_pacer_inverse);
  emutest_run_case ("pacer_no_drift", test_pacer_no_drift);
  emutest_run_case ("pacer_idle_and_stall", test_pacer_idle_and_stall);
  emutest_run_case ("pacer_unpaced", test_pacer_unpaced);
  emutest_run_case ("faults_chunking", test_faults_chunking);
  emutest_run_case ("faults_independent", test_faults_independent);
  emutest_run_case ("faults_rates", test_faults_rates);
  emutest_run_case ("faults_pinned", test_faults_pinned);
  emutest_run_case ("packets_by_position", test_packets_by_position);
  emutest_run_case ("packets_independent", test_packets_independent);
  emutest_run_case ("packets_rates", test_packets_rates);
  return emutest_summary ();
}
