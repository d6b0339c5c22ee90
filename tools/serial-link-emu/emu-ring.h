/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: the bounded byte queues between the stages of a link.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMU_RING_H
#define EMU_RING_H

#include <glib.h>

/* A queue of at most @cap bytes, allocated once: that a stage finds it full
 * is what holds the stage before it back, down to the writer.
 *
 * emu_ring_tail() and emu_ring_peek() hand out the longest run that does not
 * wrap, so that read() and write() go straight into and out of the queue; a
 * caller that filled the tail adds what it wrote to @len itself. */
typedef struct {
  guint8 *data;
  gsize cap, head, len;
} EmuRing;

void emu_ring_init (EmuRing *r, gsize cap);
void emu_ring_free (EmuRing *r);
guint8 *emu_ring_tail (EmuRing *r, gsize *n);
const guint8 *emu_ring_peek (const EmuRing *r, gsize *n);
void emu_ring_consume (EmuRing *r, gsize n);
gsize emu_ring_push (EmuRing *r, const guint8 *buf, gsize n);

static inline gsize
emu_ring_space (const EmuRing *r)
{
  return r->cap - r->len;
}

#endif /* EMU_RING_H */
