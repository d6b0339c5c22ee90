/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the bounded byte queues between the stages of a link.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "emu-ring.h"

#include <string.h>

void
emu_ring_init (EmuRing *r, gsize cap)
{
  r->data = g_malloc (cap);
  r->cap = cap;
  r->head = r->len = 0;
}

void
emu_ring_free (EmuRing *r)
{
  g_free (r->data);
  r->data = NULL;
}

guint8 *
emu_ring_tail (EmuRing *r, gsize *n)
{
  gsize tail = (r->head + r->len) % r->cap;

  *n = MIN (r->cap - tail, r->cap - r->len);
  return r->data + tail;
}

const guint8 *
emu_ring_peek (const EmuRing *r, gsize *n)
{
  *n = MIN (r->len, r->cap - r->head);
  return r->data + r->head;
}

void
emu_ring_consume (EmuRing *r, gsize n)
{
  r->head = (r->head + n) % r->cap;
  r->len -= n;
  /* An empty queue starts again at the front, so that the next read can
   * fill all of it at once. */
  if (r->len == 0)
    r->head = 0;
}

/* Returns how many of the @n bytes fitted. */
gsize
emu_ring_push (EmuRing *r, const guint8 *buf, gsize n)
{
  gsize done = 0;

  while (done < n && emu_ring_space (r) > 0) {
    gsize c;
    guint8 *p = emu_ring_tail (r, &c);

    c = MIN (c, n - done);
    memcpy (p, buf + done, c);
    r->len += c;
    done += c;
  }
  return done;
}
