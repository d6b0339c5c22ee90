/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsrc's frames, put together from their fragments and
 * repaired from their parity.
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
 * @incomplete: frames given up with a piece missing, or whose pieces did
 *   not fit together
 * @repaired: frames rebuilt from their parity
 * @pieces_repaired: data pieces rebuilt from parity
 *
 * Collects the pieces of one frame at a time: its fragments
 * (docs/protocol.md, section 8) and its parity (section 8.1). It gives the
 * frame once every data piece is in, or once enough pieces are in to
 * rebuild the missing ones. A frame is never given with a piece missing:
 * when a packet of another frame comes first, the frame is given up and
 * counted.
 */
typedef struct {
  guint64 incomplete;
  guint64 repaired;
  guint64 pieces_repaired;

  /* private */
  gsize max_size;
  gboolean active;
  sf_header hdr;  /* the frame in progress, or last given: its fields,
                     * from its first piece in */
  guint have;     /* data pieces in */
  guint8 *got;    /* frag_count flags */
  gsize piece;    /* bytes of every data piece but the last (and of each
                     * parity piece), 0: not known */
  guint8 *data;   /* frag_count * piece bytes, zeroed, once piece is known */
  guint8 *last;   /* the last data piece, while piece is not known */
  gsize last_len; /* its length, 0: not known */
  guint parity_count;
  guint have_parity;
  guint8 *parity_got;  /* parity_count flags */
  guint8 *parity;      /* parity_count * piece bytes */
  guint16 *block_have; /* pieces in, data and parity, per block */
  guint blocks_short;  /* blocks with fewer pieces than data pieces */
  gboolean done;       /* the frame of hdr was given: its late copies and
                       * its parity are ignored */
} GstSerialAssembler;

void gst_serial_assembler_init (GstSerialAssembler *asm_, gsize max_size);
void gst_serial_assembler_clear (GstSerialAssembler *asm_);
GstBuffer *gst_serial_assembler_add (GstSerialAssembler *asm_,
    const sf_header *hdr, const guint8 *payload, gsize len);
void gst_serial_assembler_whole (GstSerialAssembler *asm_,
    const sf_header *hdr);
gboolean gst_serial_assembler_give_up (GstSerialAssembler *asm_);

G_END_DECLS

#endif /* __GST_SERIAL_ASSEMBLER_H__ */
