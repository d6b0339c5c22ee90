/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu tests: the bounded byte queues, alone.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emutest.h"
#include "emu-ring.h"

#include <string.h>

/* The runs handed out stop at the end of the buffer, and together they give
 * back the bytes in the order they went in. */
static void
test_ring_wrap (void)
{
  const guint8 in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  EmuRing r;
  const guint8 *p;
  guint8 *t;
  gsize n;

  emu_ring_init (&r, 8);
  CHECK_EQ (emu_ring_push (&r, in, 5), 5);
  emu_ring_consume (&r, 3);

  /* Bytes 4 and 5 at offsets 3 and 4: the free space wraps after 3. */
  t = emu_ring_tail (&r, &n);
  CHECK_EQ (n, 3);
  CHECK (t == r.data + 5);
  CHECK_EQ (emu_ring_push (&r, in + 5, 6), 6);
  CHECK_EQ (emu_ring_space (&r), 0);

  p = emu_ring_peek (&r, &n);
  CHECK_EQ (n, 5);
  CHECK (memcmp (p, in + 3, 5) == 0);
  emu_ring_consume (&r, n);
  p = emu_ring_peek (&r, &n);
  CHECK_EQ (n, 3);
  CHECK (memcmp (p, in + 8, 3) == 0);
  emu_ring_free (&r);
}

/* A full queue takes what fits and no more; the writer holds the rest. */
static void
test_ring_full (void)
{
  guint8 in[10];
  EmuRing r;
  gsize n;

  emutest_fill_random (1, in, sizeof (in));
  emu_ring_init (&r, 6);
  CHECK_EQ (emu_ring_push (&r, in, 4), 4);
  CHECK_EQ (emu_ring_push (&r, in + 4, 6), 2);
  CHECK_EQ (emu_ring_push (&r, in + 6, 4), 0);
  CHECK_EQ (r.len, 6);
  emu_ring_tail (&r, &n);
  CHECK_EQ (n, 0);
  emu_ring_free (&r);
  CHECK (r.data == NULL);
}

/* Emptied, the queue starts again at its front: the next read gets all of
 * it in one run. */
static void
test_ring_empty_restarts (void)
{
  const guint8 in[5] = { 0 };
  EmuRing r;
  gsize n;

  emu_ring_init (&r, 8);
  emu_ring_push (&r, in, 5);
  emu_ring_consume (&r, 5);
  CHECK_EQ (r.head, 0);
  CHECK (emu_ring_tail (&r, &n) == r.data);
  CHECK_EQ (n, 8);
  emu_ring_free (&r);
}

/* Filled through the tail as read() does and drained in runs of other
 * sizes, across many wraps: the bytes come out as they went in. */
static void
test_ring_stream (void)
{
  const gsize len = 100000;
  guint8 *in = g_malloc (len), *out = g_malloc (len);
  gsize wrote = 0, got = 0;
  guint64 seed = 7;
  gboolean ok = TRUE;
  EmuRing r;

  emutest_fill_random (2, in, len);
  emu_ring_init (&r, 97);
  while (got < len) {
    gsize n, c;
    guint8 *t = emu_ring_tail (&r, &n);
    const guint8 *p;
    guint8 sizes[2];

    emutest_fill_random (seed++, sizes, 2);
    c = MIN (MIN (n, (gsize) sizes[0] % 40), len - wrote);
    memcpy (t, in + wrote, c);
    r.len += c;
    wrote += c;

    p = emu_ring_peek (&r, &n);
    c = MIN (n, (gsize) sizes[1] % 40);
    memcpy (out + got, p, c);
    emu_ring_consume (&r, c);
    got += c;
    ok &= r.len == wrote - got;
  }
  CHECK (ok);
  CHECK (memcmp (in, out, len) == 0);
  g_free (in);
  g_free (out);
  emu_ring_free (&r);
}

int
main (void)
{
  emutest_run_case ("ring_wrap", test_ring_wrap);
  emutest_run_case ("ring_full", test_ring_full);
  emutest_run_case ("ring_empty_restarts", test_ring_empty_restarts);
  emutest_run_case ("ring_stream", test_ring_stream);
  return emutest_summary ();
}
