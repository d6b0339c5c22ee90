/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu tests: the emulator as a black box, through its ptys.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Usage: test-emu-link PATH-TO-serial-link-emu
 */

#include "emutest.h"

#include <glib/gstdio.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB (1024 * 1024)

static gchar *tmpdir;

static guint8 *
random_bytes (guint64 seed, gsize len)
{
  guint8 *buf = g_malloc (len);

  emutest_fill_random (seed, buf, len);
  return buf;
}

static gboolean
bytes_equal (const GByteArray *got, const guint8 *want, gsize len)
{
  return got->len == len && memcmp (got->data, want, len) == 0;
}

/* TRUE if @sub is @seq with some bytes left out. */
static gboolean
is_subsequence (const guint8 *sub, gsize sub_len, const guint8 *seq,
    gsize seq_len)
{
  gsize i = 0, j;

  for (j = 0; j < seq_len && i < sub_len; j++) {
    if (sub[i] == seq[j])
      i++;
  }
  return i == sub_len;
}

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Sends "drain", keeps reading @reader while the emulator empties the
 * direction, and returns the counters printed with DRAINED. */
static GHashTable *
drain (Emu *emu, const gchar *dir, guint64 taken, Chan *chans, guint n)
{
  gchar *cmd = g_strdup_printf ("drain %s %" G_GUINT64_FORMAT, dir, taken);
  gchar *line = NULL;
  GHashTable *counters = NULL;

  CHECK (emu_send (emu, cmd));
  g_free (cmd);
  CHECK (emutest_pump (emu, chans, n, "DRAINED", &line));
  g_free (line);
  line = emu_wait_line (emu, "COUNTERS ");
  CHECK (line != NULL);
  if (line)
    counters = emutest_parse_counters (line);
  g_free (line);
  return counters;
}

/* 1. Unpaced, both directions at once, byte-exact, exact counters. */
static void
test_unpaced_duplex (void)
{
  const gsize a2b_len = 4 * MIB, b2a_len = MIB;
  guint8 *a2b = random_bytes (1, a2b_len), *b2a = random_bytes (2, b2a_len);
  Emu *emu = emu_start ("--baud", "0", NULL);
  Chan chans[2] = { 0 };
  GHashTable *counters;

  CHECK (emu->a && emu->b);
  chans[0].fd = emutest_open_port (emu->a);
  chans[1].fd = emutest_open_port (emu->b);
  CHECK (chans[0].fd >= 0 && chans[1].fd >= 0);
  chans[0].wdata = a2b;
  chans[0].wlen = a2b_len;
  chans[0].rdata = g_byte_array_new ();
  chans[0].rwant = b2a_len;
  chans[1].wdata = b2a;
  chans[1].wlen = b2a_len;
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = a2b_len;

  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (bytes_equal (chans[1].rdata, a2b, a2b_len));
  CHECK (bytes_equal (chans[0].rdata, b2a, b2a_len));

  counters = emu_stop (emu, SIGTERM);
  CHECK_EQ (emutest_counter (counters, "a2b_bytes"), a2b_len);
  CHECK_EQ (emutest_counter (counters, "a2b_delivered"), a2b_len);
  CHECK_EQ (emutest_counter (counters, "b2a_bytes"), b2a_len);
  CHECK_EQ (emutest_counter (counters, "b2a_delivered"), b2a_len);
  CHECK_EQ (emutest_counter (counters, "a2b_queued"), 0);
  CHECK_EQ (emutest_counter (counters, "b2a_queued"), 0);

  if (counters)
    g_hash_table_unref (counters);
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[0].rdata);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (a2b);
  g_free (b2a);
}

/* What a run through the emulator carried each way. */
typedef struct {
  GByteArray *a2b, *b2a; /* what B and A received */
  GHashTable *counters;  /* printed once both directions were drained */
} Run;

static void
run_clear (Run *run)
{
  g_byte_array_unref (run->a2b);
  g_byte_array_unref (run->b2a);
  if (run->counters)
    g_hash_table_unref (run->counters);
}

/* Carries @a2b from A to B and, at the same time, @b2a from B to A,
 * unpaced, with the given fault options; reads all that each direction
 * delivered once both are drained. */
static void
duplex_run (const gchar *const *fault_args, const guint8 *a2b, gsize a2b_len,
    const guint8 *b2a, gsize b2a_len, Run *run)
{
  GPtrArray *args = g_ptr_array_new ();
  Chan chans[2] = { 0 };
  GHashTable *c;
  Emu *emu;
  guint i;

  g_ptr_array_add (args, "--baud");
  g_ptr_array_add (args, "0");
  g_ptr_array_add (args, "--control");
  for (i = 0; fault_args[i]; i++)
    g_ptr_array_add (args, (gpointer) fault_args[i]);
  g_ptr_array_add (args, NULL);
  emu = emu_startv ((const gchar *const *) args->pdata);
  g_ptr_array_free (args, TRUE);
  CHECK (emu->a && emu->b);

  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = a2b;
  chans[0].wlen = a2b_len;
  chans[0].rdata = g_byte_array_new ();
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].wdata = b2a;
  chans[1].wlen = b2a_len;
  chans[1].rdata = g_byte_array_new ();
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));

  /* Once both directions are drained, the counters say how much each side
   * gets. */
  c = drain (emu, "a2b", a2b_len, chans, 2);
  if (c)
    g_hash_table_unref (c);
  run->counters = drain (emu, "b2a", b2a_len, chans, 2);
  chans[1].rwant = (gsize) emutest_counter (run->counters, "a2b_delivered");
  chans[0].rwant = (gsize) emutest_counter (run->counters, "b2a_delivered");
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK_EQ (chans[1].rdata->len, chans[1].rwant);
  CHECK_EQ (chans[0].rdata->len, chans[0].rwant);

  c = emu_stop (emu, SIGTERM);
  CHECK (c != NULL);
  if (c)
    g_hash_table_unref (c);
  run->a2b = chans[1].rdata;
  run->b2a = chans[0].rdata;
  close (chans[0].fd);
  close (chans[1].fd);
  emu_free (emu);
}

/* Carries @in from A to B unpaced with the given fault options; with
 * @reverse, sends other bytes from B to A at the same time. Returns what B
 * received and the counters. */
static GByteArray *
faulty_run (const gchar *const *fault_args, const guint8 *in, gsize len,
    gboolean reverse, GHashTable **counters)
{
  const gsize back_len = reverse ? 256 * 1024 : 0;
  guint8 *back = random_bytes (99, back_len);
  Run run;

  duplex_run (fault_args, in, len, back, back_len, &run);
  g_byte_array_unref (run.b2a);
  g_free (back);
  *counters = run.counters;
  return run.a2b;
}

static guint64
popcount_xor (const guint8 *a, const guint8 *b, gsize len)
{
  guint64 bits = 0;
  gsize i;

  for (i = 0; i < len; i++)
    bits += (guint64) __builtin_popcount (a[i] ^ b[i]);
  return bits;
}

/* 2. Same seed and input give the same output, whatever the other
 * direction carries; another seed gives another output; counters add up. */
static void
test_determinism (void)
{
  const gchar *const seed7[] = { "--seed", "7", "--bit-error-rate", "1e-3",
    "--byte-loss-rate", "1e-3", NULL };
  const gchar *const seed8[] = { "--seed", "8", "--bit-error-rate", "1e-3",
    "--byte-loss-rate", "1e-3", NULL };
  const gsize len = MIB;
  guint8 *in = random_bytes (3, len);
  GHashTable *c1, *c2, *c3;
  GByteArray *o1, *o2, *o3;

  o1 = faulty_run (seed7, in, len, FALSE, &c1);
  o2 = faulty_run (seed7, in, len, TRUE, &c2);
  o3 = faulty_run (seed8, in, len, FALSE, &c3);

  CHECK (o1->len == o2->len && memcmp (o1->data, o2->data, o1->len) == 0);
  CHECK (o1->len != o3->len || memcmp (o1->data, o3->data, o1->len) != 0);
  CHECK (o1->len < len);
  CHECK_EQ (emutest_counter (c1, "a2b_bits_flipped"),
      emutest_counter (c2, "a2b_bits_flipped"));
  CHECK_EQ (emutest_counter (c1, "a2b_bytes_dropped"),
      emutest_counter (c2, "a2b_bytes_dropped"));
  CHECK_EQ (emutest_counter (c1, "a2b_bytes"), len);
  CHECK_EQ (o1->len + emutest_counter (c1, "a2b_bytes_dropped"), len);
  CHECK_EQ (o3->len + emutest_counter (c3, "a2b_bytes_dropped"), len);
  CHECK (emutest_counter (c1, "a2b_bits_flipped") > 0);

  g_hash_table_unref (c1);
  g_hash_table_unref (c2);
  g_hash_table_unref (c3);
  g_byte_array_unref (o1);
  g_byte_array_unref (o2);
  g_byte_array_unref (o3);
  g_free (in);
}

/* 2b. Bit errors alone: same length, and the differing bits are exactly
 * the flipped bits counted. */
static void
test_bit_errors_exact (void)
{
  const gchar *const args[] = { "--seed", "7", "--bit-error-rate", "1e-3",
    NULL };
  const gsize len = MIB;
  guint8 *in = random_bytes (3, len);
  GHashTable *c;
  GByteArray *out = faulty_run (args, in, len, FALSE, &c);
  guint64 flipped = emutest_counter (c, "a2b_bits_flipped");

  CHECK_EQ (out->len, len);
  if (out->len == len)
    CHECK_EQ (popcount_xor (in, out->data, len), flipped);
  /* 8 Mbit at 1e-3: the fixed seed gives a fixed count near 8389. */
  CHECK (flipped > 8000 && flipped < 8800);
  CHECK_EQ (emutest_counter (c, "a2b_bytes_dropped"), 0);

  g_hash_table_unref (c);
  g_byte_array_unref (out);
  g_free (in);
}

/* 2c. Byte loss alone: the output is the input with bytes left out, as
 * many as counted. */
static void
test_byte_loss_exact (void)
{
  const gchar *const args[] = { "--seed", "11", "--byte-loss-rate", "1e-3",
    NULL };
  const gsize len = MIB;
  guint8 *in = random_bytes (4, len);
  GHashTable *c;
  GByteArray *out = faulty_run (args, in, len, FALSE, &c);

  CHECK (out->len < len);
  CHECK_EQ (emutest_counter (c, "a2b_bytes_dropped"), len - out->len);
  CHECK (is_subsequence (out->data, out->len, in, len));
  CHECK_EQ (emutest_counter (c, "a2b_bits_flipped"), 0);

  g_hash_table_unref (c);
  g_byte_array_unref (out);
  g_free (in);
}

/* 2d. Bursts overwrite whole bytes: same length, differences only where
 * bursts overwrote bytes. */
static void
test_bursts (void)
{
  const gchar *const args[] = { "--seed", "5", "--burst-rate", "1e-4",
    "--burst-length", "8", NULL };
  const gsize len = MIB;
  guint8 *in = random_bytes (5, len);
  GHashTable *c;
  GByteArray *out = faulty_run (args, in, len, FALSE, &c);
  guint64 corrupted = emutest_counter (c, "a2b_bytes_corrupted");
  guint64 bursts = emutest_counter (c, "a2b_bursts");
  guint64 differ = 0;
  gsize i;

  CHECK_EQ (out->len, len);
  for (i = 0; i < MIN (out->len, len); i++)
    differ += in[i] != out->data[i];
  CHECK (bursts > 0);
  CHECK (corrupted <= bursts * 8 && corrupted + 8 > bursts * 8);
  /* A random byte equals the one it replaces once in 256. */
  CHECK (differ <= corrupted && differ * 256 > corrupted * 240);

  g_hash_table_unref (c);
  g_byte_array_unref (out);
  g_free (in);
}

/* What --seed 7 with bit errors at 1e-3, lost bytes at 1e-3 and bursts at
 * 1e-4 makes of random_bytes (3, MIB) from A to B and of
 * random_bytes (4, MIB / 4) from B to A. */
static const gchar pinned_a2b[] =
    "44a4f58ac9ec3d3b5a5411e2e7e987a28ed050607b50f0a9ed77e1736a54d616";
static const gchar pinned_b2a[] =
    "85e9d7704efed7e584db9a80e473f6d8f6c73956b05b8b02febce05b18164c5e";

/* 2e. The options for both directions give, in each direction, the results
 * their seed gave when this test was written. */
static void
test_both_directions_pinned (void)
{
  const gchar *const args[] = { "--seed", "7", "--bit-error-rate", "1e-3",
    "--byte-loss-rate", "1e-3", "--burst-rate", "1e-4", NULL };
  guint8 *a2b = random_bytes (3, MIB), *b2a = random_bytes (4, MIB / 4);
  Run run;

  duplex_run (args, a2b, MIB, b2a, MIB / 4, &run);
  CHECK (emutest_sha256_is (run.a2b->data, run.a2b->len, pinned_a2b));
  CHECK (emutest_sha256_is (run.b2a->data, run.b2a->len, pinned_b2a));
  CHECK_EQ (emutest_counter (run.counters, "a2b_bits_flipped"), 8403);
  CHECK_EQ (emutest_counter (run.counters, "a2b_bytes_dropped"), 1054);
  CHECK_EQ (emutest_counter (run.counters, "a2b_bursts"), 107);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bits_flipped"), 2135);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bytes_dropped"), 258);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bursts"), 27);

  run_clear (&run);
  g_free (a2b);
  g_free (b2a);
}

/* Checks that @got is @in with whole packets of @packet_size bytes left
 * out, as the counters of direction @dir say. */
static void
check_packets_lost (const guint8 *in, gsize len, const GByteArray *got,
    gsize packet_size, GHashTable *c, const gchar *dir)
{
  gchar *lost = g_strconcat (dir, "_packets_lost", NULL);
  gchar *dropped = g_strconcat (dir, "_packet_bytes_dropped", NULL);
  guint64 packets, bytes;

  CHECK (emutest_packets_left_out (in, len, got->data, got->len, packet_size,
      &packets, &bytes));
  CHECK (packets > 0);
  CHECK_EQ (emutest_counter (c, lost), packets);
  CHECK_EQ (emutest_counter (c, dropped), bytes);
  g_free (lost);
  g_free (dropped);
}

/* 2f. Radio packet loss takes whole packets of 252 bytes in both
 * directions, by position: the emulator, whatever the sizes of the reads
 * and writes, loses the packets the model loses for the same seed and
 * direction (test-emu-models). */
static void
test_packet_loss (void)
{
  const gchar *const args[] = { "--seed", "3", "--packet-loss", "0.05", NULL };
  const gchar *const small[] = { "--seed", "4", "--packet-loss", "0.1",
    "--packet-size", "100", NULL };
  guint8 *a2b = random_bytes (7, MIB), *b2a = random_bytes (13, MIB / 4);
  Run run;

  duplex_run (args, a2b, MIB, b2a, MIB / 4, &run);
  check_packets_lost (a2b, MIB, run.a2b, 252, run.counters, "a2b");
  check_packets_lost (b2a, MIB / 4, run.b2a, 252, run.counters, "b2a");
  CHECK_EQ (emutest_counter (run.counters, "a2b_packets_lost"), 207);
  CHECK_EQ (emutest_counter (run.counters, "a2b_bytes_dropped"), 0);
  CHECK_EQ (emutest_counter (run.counters, "a2b_bits_flipped"), 0);
  run_clear (&run);

  duplex_run (small, a2b, MIB, b2a, 0, &run);
  check_packets_lost (a2b, MIB, run.a2b, 100, run.counters, "a2b");
  CHECK_EQ (run.b2a->len, 0);
  run_clear (&run);

  g_free (a2b);
  g_free (b2a);
}

/* 2g. --faults-a2b and --faults-b2a set the faults of one direction, over
 * the options for both wherever they stand on the line; what they do not
 * set, and the other direction, keep what the options for both say, with
 * the same results byte for byte. */
static void
test_faults_per_direction (void)
{
  const gchar *const forward_only[] = { "--seed", "7", "--faults-a2b",
    "bit-error-rate=1e-3", NULL };
  const gchar *const reverse_off[] = { "--seed", "7", "--faults-b2a",
    "bit-error-rate=0", "--bit-error-rate", "1e-3", NULL };
  const gchar *const reverse_packets[] = { "--seed", "7", "--faults-b2a",
    "packet-loss=0.05", "--bit-error-rate", "1e-3", "--byte-loss-rate", "1e-3",
    "--burst-rate", "1e-4", "--faults-b2a", "packet-size=100", NULL };
  const gchar *const each_its_own[] = { "--seed", "7", "--faults-a2b",
    "bit-error-rate=1e-3,byte-loss-rate=1e-3,burst-rate=1e-4", "--faults-b2a",
    "bit-error-rate=1e-3,byte-loss-rate=1e-3,burst-rate=1e-4", NULL };
  guint8 *a2b = random_bytes (3, MIB), *b2a = random_bytes (4, MIB / 4);
  GByteArray *forward;
  guint64 flipped;
  Run run;

  /* Bit errors from A to B only. */
  duplex_run (forward_only, a2b, MIB, b2a, MIB / 4, &run);
  flipped = emutest_counter (run.counters, "a2b_bits_flipped");
  CHECK (flipped > 0);
  CHECK_EQ (run.a2b->len, MIB);
  if (run.a2b->len == MIB)
    CHECK_EQ (popcount_xor (a2b, run.a2b->data, MIB), flipped);
  CHECK (bytes_equal (run.b2a, b2a, MIB / 4));
  CHECK_EQ (emutest_counter (run.counters, "b2a_bits_flipped"), 0);
  forward = g_byte_array_ref (run.a2b);
  run_clear (&run);

  /* The same, as bit errors both ways but none from B to A. */
  duplex_run (reverse_off, a2b, MIB, b2a, MIB / 4, &run);
  CHECK (bytes_equal (run.a2b, forward->data, forward->len));
  CHECK (bytes_equal (run.b2a, b2a, MIB / 4));
  CHECK_EQ (emutest_counter (run.counters, "a2b_bits_flipped"), flipped);
  run_clear (&run);
  g_byte_array_unref (forward);

  /* Lost packets of 100 bytes from B to A on top of the faults for both,
   * which draw what they drew without them. */
  duplex_run (reverse_packets, a2b, MIB, b2a, MIB / 4, &run);
  CHECK (emutest_sha256_is (run.a2b->data, run.a2b->len, pinned_a2b));
  CHECK_EQ (emutest_counter (run.counters, "a2b_packets_lost"), 0);
  CHECK (emutest_counter (run.counters, "b2a_packets_lost") > 0);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bits_flipped"), 2135);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bytes_dropped"), 258);
  CHECK_EQ (emutest_counter (run.counters, "b2a_bursts"), 27);
  CHECK_EQ (run.b2a->len + emutest_counter (run.counters, "b2a_bytes_dropped") +
          emutest_counter (run.counters, "b2a_packet_bytes_dropped"),
      MIB / 4);
  run_clear (&run);

  duplex_run (each_its_own, a2b, MIB, b2a, MIB / 4, &run);
  CHECK (emutest_sha256_is (run.a2b->data, run.a2b->len, pinned_a2b));
  CHECK (emutest_sha256_is (run.b2a->data, run.b2a->len, pinned_b2a));
  run_clear (&run);

  g_free (a2b);
  g_free (b2a);
}

/* 2h. Fault settings out of range, unknown or malformed are refused before
 * READY, with status 2. */
static void
test_bad_fault_options (void)
{
  const gchar *const bad[][3] = {
    { "--packet-loss", "1.5", NULL },
    { "--packet-size", "0", NULL },
    { "--burst-length", "x", NULL },
    { "--faults-a2b", "packet-loss=2", NULL },
    { "--faults-b2a", "packet-size=0", NULL },
    { "--faults-b2a", "seed=3", NULL },
    { "--faults-a2b", "bit-error-rate", NULL },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    Emu *emu = emu_startv (bad[i]);

    CHECK (emu->a == NULL);
    CHECK (emu_wait_exit (emu) && WIFEXITED (emu->wait_status) &&
        WEXITSTATUS (emu->wait_status) == 2);
    emu_free (emu);
  }
}

static void
paced_transfer (const gchar *const *args, gsize len)
{
  guint8 *in = random_bytes (6, len);
  Emu *emu = emu_startv (args);
  Chan chans[2] = { 0 };
  GHashTable *counters;

  CHECK (emu->a && emu->b);
  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = in;
  chans[0].wlen = len;
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = len;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (bytes_equal (chans[1].rdata, in, len));

  counters = emu_stop (emu, SIGTERM);
  CHECK_EQ (emutest_counter (counters, "a2b_delivered"), len);
  if (counters)
    g_hash_table_unref (counters);
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
}

/* 3. Paced lines deliver everything, byte-exact. */
static void
test_paced (void)
{
  const gchar *const fast[] = { "--baud", "921600", NULL };
  const gchar *const eight_e2[] = { "--baud", "230400", "--parity", "even",
    "--stop-bits", "2", "--fifo", "64", NULL };

  /* At 3 Mbaud the loop sleeps for microseconds, where a sleep computed
   * from two readings of the clock once went negative and ppoll() failed
   * with EINVAL, ending the link. */
  const gchar *const three_mbaud[] = { "--baud", "3000000", NULL };

  paced_transfer (fast, 20000);
  paced_transfer (eight_e2, 5000);
  paced_transfer (three_mbaud, 600000);
}

/* 3b. Seven data bits carry only the low seven bits of each byte. */
static void
test_seven_data_bits (void)
{
  const gsize len = 4096;
  guint8 *in = random_bytes (8, len);
  Emu *emu = emu_start ("--baud", "0", "--data-bits", "7", NULL);
  Chan chans[2] = { 0 };
  gboolean masked = TRUE;
  gsize i;

  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = in;
  chans[0].wlen = len;
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = len;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK_EQ (chans[1].rdata->len, len);
  for (i = 0; i < MIN (len, chans[1].rdata->len); i++)
    masked &= chans[1].rdata->data[i] == (in[i] & 0x7f);
  CHECK (masked);

  g_hash_table_unref (emu_stop (emu, SIGTERM));
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
}

/* 3c. The user's program may close and reopen its port: bytes sent while
 * it was closed wait for it, and nothing hangs up. */
static void
test_reopen (void)
{
  guint8 *in = random_bytes (9, 3000);
  Emu *emu = emu_start ("--baud", "0", NULL);
  Chan chans[2] = { 0 };

  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = in;
  chans[0].wlen = 1000;
  CHECK (emutest_pump (emu, chans, 1, NULL, NULL));
  close (chans[0].fd);

  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = 1000;
  CHECK (emutest_pump (emu, &chans[1], 1, NULL, NULL));
  close (chans[1].fd);

  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = in + 1000;
  chans[0].wlen = 2000;
  chans[0].wdone = 0;
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rwant = 3000;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (!chans[0].hup && !chans[1].hup);
  CHECK (bytes_equal (chans[1].rdata, in, 3000));

  g_hash_table_unref (emu_stop (emu, SIGTERM));
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
}

/* 4. SIGUSR1 unplugs side A: its reader sees a hang-up and its symlink goes;
 * SIGUSR2 brings it back under the same symlink, and data flows again. */
static void
test_unplug_signals (void)
{
  gchar *link_a = tmp_path ("sig-a"), *link_b = tmp_path ("sig-b");
  guint8 *in = random_bytes (10, 6000);
  Emu *emu = emu_start ("--baud", "0", "--link-a", link_a, "--link-b", link_b,
      "--unplug-down", "manual", NULL);
  Chan chans[2] = { 0 };
  gchar *line, *target;
  struct stat st;

  chans[0].fd = emutest_open_port (link_a);
  chans[0].rdata = g_byte_array_new ();
  chans[0].rwant = 1000;
  chans[1].fd = emutest_open_port (link_b);
  chans[1].wdata = in;
  chans[1].wlen = 1000;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (bytes_equal (chans[0].rdata, in, 1000));

  kill (emu->pid, SIGUSR1);
  line = emu_wait_line (emu, "UNPLUGGED ");
  CHECK (g_strcmp0 (line, "UNPLUGGED a") == 0);
  g_free (line);
  chans[0].want_hup = TRUE;
  CHECK (emutest_pump (emu, chans, 1, NULL, NULL));
  CHECK (chans[0].hup);
  CHECK_EQ (chans[0].rdata->len, 1000);
  CHECK (lstat (link_a, &st) < 0);
  close (chans[0].fd);
  g_byte_array_unref (chans[0].rdata);

  kill (emu->pid, SIGUSR2);
  line = emu_wait_line (emu, "REPLUGGED ");
  CHECK (line && g_str_has_prefix (line, "REPLUGGED a=/dev/pts/"));
  target = g_file_read_link (link_a, NULL);
  CHECK (
      line && target && strcmp (line + strlen ("REPLUGGED a="), target) == 0);
  g_free (line);
  g_free (target);

  memset (&chans[0], 0, sizeof (chans[0]));
  chans[0].fd = emutest_open_port (link_a);
  chans[0].rdata = g_byte_array_new ();
  chans[0].rwant = 5000;
  chans[0].wdata = in;
  chans[0].wlen = 700;
  chans[1].wdata = in + 1000;
  chans[1].wlen = 5000;
  chans[1].wdone = 0;
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = 700;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (bytes_equal (chans[0].rdata, in + 1000, 5000));
  CHECK (bytes_equal (chans[1].rdata, in, 700));
  g_byte_array_unref (chans[0].rdata);

  {
    GHashTable *c = emu_stop (emu, SIGTERM);

    CHECK_EQ (emutest_counter (c, "b2a_delivered"), 6000);
    CHECK_EQ (emutest_counter (c, "a2b_delivered"), 700);
    CHECK_EQ (emutest_counter (c, "a_unplugs"), 1);
    CHECK_EQ (emutest_counter (c, "b2a_unplug_dropped"), 0);
    if (c)
      g_hash_table_unref (c);
  }
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
  g_free (link_a);
  g_free (link_b);
}

/* 4b. --unplug-after-bytes: exactly N bytes leave side A, then it goes;
 * its writer sees the hang-up; the replugged side carries data again. */
static void
test_unplug_after_bytes (void)
{
  gchar *link_a = tmp_path ("bytes-a");
  guint8 *in = random_bytes (11, 10000);
  Emu *emu = emu_start ("--baud", "0", "--link-a", link_a,
      "--unplug-after-bytes", "3000", "--unplug-down", "0", NULL);
  Chan chans[2] = { 0 };
  gchar *line, *target;
  GHashTable *c;

  chans[0].fd = emutest_open_port (link_a);
  chans[0].wdata = in;
  chans[0].wlen = 10000;
  chans[0].want_hup = TRUE;
  chans[0].rdata = g_byte_array_new ();
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rdata = g_byte_array_new ();
  chans[1].rwant = 3000;
  CHECK (emutest_pump (emu, chans, 2, "REPLUGGED ", &line));
  CHECK (chans[0].hup);
  CHECK (bytes_equal (chans[1].rdata, in, 3000));
  CHECK (line && g_str_has_prefix (line, "REPLUGGED a=/dev/pts/"));
  target = g_file_read_link (link_a, NULL);
  CHECK (
      line && target && strcmp (line + strlen ("REPLUGGED a="), target) == 0);
  g_free (line);
  g_free (target);
  close (chans[0].fd);
  g_byte_array_unref (chans[0].rdata);

  memset (&chans[0], 0, sizeof (chans[0]));
  chans[0].fd = emutest_open_port (link_a);
  chans[0].wdata = in + 5000;
  chans[0].wlen = 100;
  chans[1].rwant = 3100;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  CHECK (chans[1].rdata->len == 3100 &&
      memcmp (chans[1].rdata->data + 3000, in + 5000, 100) == 0);

  c = emu_stop (emu, SIGTERM);
  CHECK_EQ (emutest_counter (c, "a2b_bytes"), 3100);
  CHECK_EQ (emutest_counter (c, "a2b_delivered"), 3100);
  CHECK_EQ (emutest_counter (c, "a_unplugs"), 1);
  if (c)
    g_hash_table_unref (c);
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
  g_free (link_a);
}

/* 5. A radio slower than its UART drops what overflows its buffer, and
 * counts exactly what it dropped. */
static void
radio_overflow (const gchar *baud, const gchar *rate, const gchar *buffer,
    gsize len)
{
  guint8 *in = random_bytes (12, len);
  Emu *emu = emu_start ("--baud", baud, "--rate-limit", rate, "--buffer",
      buffer, "--control", NULL);
  Chan chans[2] = { 0 };
  GHashTable *c;
  guint64 delivered;

  chans[0].fd = emutest_open_port (emu->a);
  chans[0].wdata = in;
  chans[0].wlen = len;
  chans[1].fd = emutest_open_port (emu->b);
  chans[1].rdata = g_byte_array_new ();
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));
  c = drain (emu, "a2b", len, chans, 2);
  delivered = emutest_counter (c, "a2b_delivered");
  chans[1].rwant = (gsize) delivered;
  CHECK (emutest_pump (emu, chans, 2, NULL, NULL));

  CHECK_EQ (chans[1].rdata->len, delivered);
  CHECK_EQ (emutest_counter (c, "a2b_bytes"), len);
  CHECK_EQ (emutest_counter (c, "a2b_overflow_dropped"), len - delivered);
  CHECK (delivered >= g_ascii_strtoull (buffer, NULL, 10) && delivered < len);
  CHECK (is_subsequence (chans[1].rdata->data, chans[1].rdata->len, in, len));

  g_hash_table_unref (c);
  g_hash_table_unref (emu_stop (emu, SIGTERM));
  close (chans[0].fd);
  close (chans[1].fd);
  g_byte_array_unref (chans[1].rdata);
  emu_free (emu);
  g_free (in);
}

static void
test_radio_overflow (void)
{
  radio_overflow ("0", "20000", "1024", 65536);
  radio_overflow ("921600", "10000", "512", 16384);
}

/* 5b. Without --buffer the radio holds the writer back instead. */
static void
test_radio_lossless (void)
{
  const gchar *const args[] = { "--baud", "0", "--rate-limit", "100000", NULL };

  paced_transfer (args, 30000);
}

/* 6. SIGTERM: symlinks removed, counters printed, exit status 0; a stale
 * symlink is replaced, a regular file is not. */
static void
test_clean_exit (void)
{
  gchar *link_a = tmp_path ("exit-a"), *link_b = tmp_path ("exit-b");
  gchar *target;
  GHashTable *c;
  struct stat st;
  Emu *emu;

  CHECK (symlink ("/nonexistent/stale", link_a) == 0);
  emu = emu_start ("--link-a", link_a, "--link-b", link_b, NULL);
  CHECK (emu->a && emu->b);
  target = g_file_read_link (link_a, NULL);
  CHECK (g_strcmp0 (target, emu->a) == 0);
  g_free (target);
  target = g_file_read_link (link_b, NULL);
  CHECK (g_strcmp0 (target, emu->b) == 0);
  g_free (target);

  c = emu_stop (emu, SIGTERM);
  CHECK (c != NULL);
  CHECK_EQ (emutest_counter (c, "a2b_bytes"), 0);
  CHECK (emu->reaped && WIFEXITED (emu->wait_status) &&
      WEXITSTATUS (emu->wait_status) == 0);
  CHECK (lstat (link_a, &st) < 0 && lstat (link_b, &st) < 0);
  if (c)
    g_hash_table_unref (c);
  emu_free (emu);

  /* The end of standard input ends it too, when asked to. */
  emu = emu_start ("--link-a", link_a, "--exit-on-stdin-eof", NULL);
  CHECK (emu->a != NULL);
  close (emu->in_fd);
  emu->in_fd = -1;
  target = emu_wait_line (emu, "COUNTERS ");
  CHECK (target != NULL);
  g_free (target);
  CHECK (emu_wait_exit (emu) && WIFEXITED (emu->wait_status) &&
      WEXITSTATUS (emu->wait_status) == 0);
  CHECK (lstat (link_a, &st) < 0);
  emu_free (emu);

  CHECK (g_file_set_contents (link_b, "not a link", -1, NULL));
  emu = emu_start ("--link-b", link_b, NULL);
  CHECK (emu->a == NULL);
  CHECK (emu_wait_exit (emu) && WIFEXITED (emu->wait_status) &&
      WEXITSTATUS (emu->wait_status) != 0);
  CHECK (g_file_test (link_b, G_FILE_TEST_IS_REGULAR));
  g_unlink (link_b);
  emu_free (emu);

  g_free (link_a);
  g_free (link_b);
}

int
main (int argc, char **argv)
{
  int status;

  if (argc != 2) {
    g_printerr ("usage: %s PATH-TO-serial-link-emu\n", argv[0]);
    return 2;
  }
  emutest_emulator = argv[1];
  tmpdir = g_dir_make_tmp ("emu-test-XXXXXX", NULL);
  g_assert (tmpdir);

  emutest_run_case ("unpaced_duplex", test_unpaced_duplex);
  emutest_run_case ("determinism", test_determinism);
  emutest_run_case ("bit_errors_exact", test_bit_errors_exact);
  emutest_run_case ("byte_loss_exact", test_byte_loss_exact);
  emutest_run_case ("bursts", test_bursts);
  emutest_run_case ("both_directions_pinned", test_both_directions_pinned);
  emutest_run_case ("packet_loss", test_packet_loss);
  emutest_run_case ("faults_per_direction", test_faults_per_direction);
  emutest_run_case ("bad_fault_options", test_bad_fault_options);
  emutest_run_case ("paced", test_paced);
  emutest_run_case ("seven_data_bits", test_seven_data_bits);
  emutest_run_case ("reopen", test_reopen);
  emutest_run_case ("unplug_signals", test_unplug_signals);
  emutest_run_case ("unplug_after_bytes", test_unplug_after_bytes);
  emutest_run_case ("radio_overflow", test_radio_overflow);
  emutest_run_case ("radio_lossless", test_radio_lossless);
  emutest_run_case ("clean_exit", test_clean_exit);

  status = emutest_summary ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
