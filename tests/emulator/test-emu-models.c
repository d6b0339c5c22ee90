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
  emu_faults_init (&f1, 42, 0, 8, &all_kinds);
  emu_faults_init (&f2, 42, 0, 8, &all_kinds);
  n1 = faults_run (&f1, one, len, 0);
  n2 = faults_run (&f2, many, len, 77);

  CHECK_EQ (n1, n2);
  CHECK (n1 == n2 && memcmp (one, many, n1) == 0);
  CHECK_EQ (f1.bits_flipped, f2.bits_flipped);
  CHECK_EQ (f1.bytes_dropped, f2.bytes_dropped);
  CHECK_EQ (f1.bytes_corrupted, f2.bytes_corrupted);
  CHECK_EQ (n1 + f1.bytes_dropped, len);
  CHECK (f1.bits_flipped > 0 && f1.bytes_dropped > 0 && f1.bursts > 0);

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

  CHECK_EQ (nb, nl);
  CHECK (nb == nl && memcmp (both, bits, nb) == 0);
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
  return emutest_summary ();
}
