/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: reproducible line faults (bit errors, lost bytes, bursts,
 * lost radio packets).
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <glib.h>

/* xoshiro256**: fast, and its sequence is fixed by its seed on every
 * platform, which GRand does not promise across GLib versions. */
typedef struct {
  guint64 s[4];
} EmuRng;

void emu_rng_seed (EmuRng *rng, guint64 seed, guint64 stream);
guint64 emu_rng_next (EmuRng *rng);

#define EMU_FAULTS_NEVER G_MAXUINT64

/* Bytes per air packet of a SiK telemetry radio carrying MAVLink. */
#define EMU_FAULTS_DEFAULT_PACKET_SIZE 252

/* The faults asked for one direction; a probability of 0 turns a kind
 * off. */
typedef struct {
  gdouble bit_error_rate; /* that a data bit flips */
  gdouble byte_loss_rate; /* that a byte is lost */
  gdouble burst_rate;     /* that a burst of noise starts at a byte */
  guint burst_length;     /* bytes a burst overwrites */
  gdouble packet_loss;    /* that an air packet is lost with all its bytes */
  guint packet_size;      /* bytes per air packet; 0: the default */
} EmuFaultSettings;

/* The faults of one direction. Each kind of fault draws from its own random
 * stream and is a function of the position of a byte (or bit) in the
 * direction's sequence only, so the result does not depend on how the bytes
 * were split into chunks, nor on the other kinds of fault, nor on the other
 * direction. */
typedef struct {
  guint data_bits;
  guint8 mask;

  gdouble bit_log, loss_log, burst_log, packet_log; /* log1p (-probability) */
  gdouble bit_p, loss_p, burst_p, packet_p;
  guint burst_length;
  guint packet_size;

  EmuRng bit_rng, loss_rng, burst_rng, packet_rng;
  guint64 bit_skip;    /* good bits before the next flip */
  guint64 loss_skip;   /* kept bytes before the next loss */
  guint64 burst_skip;  /* bytes before the next burst starts */
  guint burst_left;    /* bytes still to overwrite */
  guint64 packet_skip; /* bytes before the next lost packet starts */
  guint packet_left;   /* bytes of the lost packet still to come */

  guint64 bits_flipped;
  guint64 bytes_dropped;
  guint64 bytes_corrupted;
  guint64 bursts;
  guint64 packets_lost;
  guint64 packet_bytes_dropped; /* bytes of lost packets not lost before */
} EmuFaults;

void emu_faults_init (EmuFaults *f, guint64 seed, guint direction,
    guint data_bits, const EmuFaultSettings *settings);
gsize emu_faults_apply (EmuFaults *f, guint8 *buf, gsize len);

#endif /* EMU_FAULTS_H */
