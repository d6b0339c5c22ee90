/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's frames, put together from their fragments.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_ASSEMBLER_H__
#define __GST_SERIAL_ASSEMBLER_H__

#include <gst/gst.h>

#include "framing/serialframe.h"

G_BEGIN_DECLS

/**
 * GstSerialAssembler:
 * @incomplete: frames given up with a fragment missing, or whose fragments
 *   did not fit together
 *
 * Collects the fragments of one frame at a time (docs/protocol.md, section
 * 8) and gives the frame once every fragment is in. A frame is never given
 * with a piece missing: when a packet of another frame comes first, the
 * frame is given up and counted.
 */
typedef struct {
  guint64 incomplete;

  /* private */
  gsize max_size;
  gboolean active;
  sf_header hdr;  /* the frame in progress, or last given: its fields,
                   * from its first fragment in */
  guint have;     /* fragments in */
  guint8 *got;    /* frag_count flags */
  gsize piece;    /* bytes of every fragment but the last, 0: not known */
  guint8 *data;   /* frag_count * piece bytes, once piece is known */
  guint8 *last;   /* the last fragment, while piece is not known */
  gsize last_len; /* its length */
  gboolean done;  /* the frame of hdr was given: its late copies are
                   * ignored */
} GstSerialAssembler;

void gst_serial_assembler_init (GstSerialAssembler *asm_, gsize max_size);
void gst_serial_assembler_clear (GstSerialAssembler *asm_);
GstBuffer *gst_serial_assembler_add (GstSerialAssembler *asm_,
    const sf_header *hdr, const guint8 *payload, gsize len);
gboolean gst_serial_assembler_give_up (GstSerialAssembler *asm_);

G_END_DECLS

#endif /* __GST_SERIAL_ASSEMBLER_H__ */
