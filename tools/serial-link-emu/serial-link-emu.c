/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serial-link-emu: two pseudo-terminals joined as a paced, faulty UART link.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Each side is a pty pair: the user's program opens the slave (or a symlink
 * to it) as if it were /dev/ttyUSB0, and the emulator carries what it reads
 * from one master to the other master at the pace of the configured line,
 * with reproducible faults, an optional radio bottleneck and unplugging.
 *
 * One thread and one ppoll() loop carry both directions. A direction is a
 * chain of stages, each a bounded queue:
 *
 *   source master -> line (UART pacing, faults) -> [radio buffer (air rate)]
 *     -> out -> destination master
 *
 * A full queue stops the stage before it, down to the source master, which
 * is then not read, so the writer is held back as by a real UART; bytes are
 * only lost where the fault model or the radio buffer says so.
 */

#include "emu-control.h"
#include "serial-link-emu.h"

#include <glib.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BAUD 115200
#define DEFAULT_DATA_BITS 8
#define DEFAULT_STOP_BITS 1
#define DEFAULT_FIFO 16
#define DEFAULT_SEED 1
#define DEFAULT_BURST_LENGTH 8
#define DEFAULT_QUEUE (1024 * 1024)
#define DEFAULT_UNPLUG_DOWN_S 1.0

/* Reads per readiness event, so that a fast writer on one side cannot keep
 * the loop away from the other side for long. */
#define MAX_READS_PER_EVENT 16

/* ------------------------------------------------------------------------ */
/* Options */

static gchar *opt_link[2];
static gint64 opt_baud = DEFAULT_BAUD;
static gint opt_data_bits = DEFAULT_DATA_BITS;
static gchar *opt_parity;
static gint opt_stop_bits = DEFAULT_STOP_BITS;
static gint opt_fifo = DEFAULT_FIFO;
static gint64 opt_queue = DEFAULT_QUEUE;
static gint64 opt_rate_limit;
static gint64 opt_buffer;
static gchar *opt_seed;
static EmuFaultSettings opt_faults = {
  .burst_length = DEFAULT_BURST_LENGTH,
  .packet_size = EMU_FAULTS_DEFAULT_PACKET_SIZE,
};
static gchar **opt_direction_faults[2];
static gchar *opt_unplug_after;
static gint64 opt_unplug_after_bytes;
static gchar *opt_unplug_side;
static gchar *opt_unplug_down;
static gboolean opt_unplug_repeat;
static gboolean opt_exit_on_stdin_eof;
static gboolean opt_control;
static gdouble opt_stats_interval;

static const GOptionEntry link_entries[] = {
  { "link-a", 0, 0, G_OPTION_ARG_FILENAME, &opt_link[0],
      "Keep a symlink to side A's device at PATH (replaces a stale symlink; "
      "removed on exit)",
      "PATH" },
  { "link-b", 0, 0, G_OPTION_ARG_FILENAME, &opt_link[1],
      "Keep a symlink to side B's device at PATH", "PATH" },
  { "baud", 0, 0, G_OPTION_ARG_INT64, &opt_baud,
      "Line rate in bits per second; 0 carries bytes unpaced (default 115200)",
      "N" },
  { "data-bits", 0, 0, G_OPTION_ARG_INT, &opt_data_bits,
      "Data bits per character, 5 to 8 (default 8)", "N" },
  { "parity", 0, 0, G_OPTION_ARG_STRING, &opt_parity,
      "none, odd, even, mark or space (default none)", "PARITY" },
  { "stop-bits", 0, 0, G_OPTION_ARG_INT, &opt_stop_bits, "1 or 2 (default 1)",
      "N" },
  { "fifo", 0, 0, G_OPTION_ARG_INT, &opt_fifo,
      "Receiver FIFO size: the largest burst handed over at once "
      "(default 16)",
      "BYTES" },
  { "queue", 0, 0, G_OPTION_ARG_INT64, &opt_queue,
      "Bytes held per direction and stage before the writer is held back "
      "(default 1048576)",
      "BYTES" },
  { NULL }
};

static const GOptionEntry radio_entries[] = {
  { "rate-limit", 0, 0, G_OPTION_ARG_INT64, &opt_rate_limit,
      "Air rate of a radio behind the UART, in bytes per second",
      "BYTES_PER_S" },
  { "buffer", 0, 0, G_OPTION_ARG_INT64, &opt_buffer,
      "Radio buffer; bytes that find it full are dropped "
      "(default: unlimited, lossless)",
      "BYTES" },
  { NULL }
};

/* The fault settings: each is an option for both directions and a KEY of
 * --faults-a2b and --faults-b2a, for one. */
static const struct {
  const gchar *name;
  gsize offset;     /* in EmuFaultSettings */
  gboolean is_size; /* bytes, a guint from 1; else a probability */
  const gchar *help;
} fault_settings[] = {
  { "bit-error-rate", G_STRUCT_OFFSET (EmuFaultSettings, bit_error_rate), FALSE,
      "Probability that a data bit flips" },
  { "byte-loss-rate", G_STRUCT_OFFSET (EmuFaultSettings, byte_loss_rate), FALSE,
      "Probability that a byte is lost" },
  { "burst-rate", G_STRUCT_OFFSET (EmuFaultSettings, burst_rate), FALSE,
      "Probability that a burst of noise starts at a byte" },
  { "burst-length", G_STRUCT_OFFSET (EmuFaultSettings, burst_length), TRUE,
      "Bytes overwritten with random values by a burst (default 8)" },
  { "packet-loss", G_STRUCT_OFFSET (EmuFaultSettings, packet_loss), FALSE,
      "Probability that a radio's air packet is lost with all its bytes" },
  { "packet-size", G_STRUCT_OFFSET (EmuFaultSettings, packet_size), TRUE,
      "Bytes per air packet, cut from the byte stream by position "
      "(default 252)" },
};

static const GOptionEntry seed_entries[] = {
  { "seed", 0, 0, G_OPTION_ARG_STRING, &opt_seed,
      "Seed of the fault model (default 1)", "N" },
  { NULL }
};

static const GOptionEntry direction_fault_entries[] = {
  { "faults-a2b", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_direction_faults[0],
      "Faults from A to B only: KEY is one of the options above, without "
      "its dashes (--seed aside), and overrides it in that direction; may "
      "be repeated",
      "KEY=VALUE,..." },
  { "faults-b2a", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_direction_faults[1],
      "Faults from B to A only, likewise", "KEY=VALUE,..." },
  { NULL }
};

static const GOptionEntry unplug_entries[] = {
  { "unplug-after", 0, 0, G_OPTION_ARG_STRING, &opt_unplug_after,
      "Unplug a side SECONDS after start, for DOWN seconds", "SECONDS[,DOWN]" },
  { "unplug-after-bytes", 0, 0, G_OPTION_ARG_INT64, &opt_unplug_after_bytes,
      "Unplug a side once N bytes have passed it (sent plus received)", "N" },
  { "unplug-side", 0, 0, G_OPTION_ARG_STRING, &opt_unplug_side,
      "Side that unplugs: a or b (default a)", "SIDE" },
  { "unplug-down", 0, 0, G_OPTION_ARG_STRING, &opt_unplug_down,
      "How long a side stays unplugged, or 'manual': until SIGUSR2 or the "
      "replug command (default 1)",
      "SECONDS" },
  { "unplug-repeat", 0, 0, G_OPTION_ARG_NONE, &opt_unplug_repeat,
      "Unplug again SECONDS after each replug (with --unplug-after)", NULL },
  { NULL }
};

static const GOptionEntry main_entries[] = {
  { "control", 0, 0, G_OPTION_ARG_NONE, &opt_control,
      "Read commands from standard input (see below)", NULL },
  { "exit-on-stdin-eof", 0, 0, G_OPTION_ARG_NONE, &opt_exit_on_stdin_eof,
      "Exit when standard input reaches its end", NULL },
  { "stats-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_stats_interval,
      "Print the COUNTERS line to standard error every SECONDS", "SECONDS" },
  { NULL }
};

static const gchar description[] =
    "Creates two pseudo-terminals, sides A and B, and carries the bytes\n"
    "written to one to the other as a UART link would: paced at\n"
    "baud / (start + data + parity + stop bits) bytes per second in each\n"
    "direction, with reproducible bit errors, lost bytes, noise bursts and\n"
    "lost radio packets, an optional radio bottleneck, and unplugging.\n"
    "\n"
    "Standard output, one line per event, flushed at once:\n"
    "  READY a=/dev/pts/N b=/dev/pts/M      both sides can be opened\n"
    "  UNPLUGGED a                          side A's device is gone\n"
    "  REPLUGGED a=/dev/pts/K               side A is back, as a new device\n"
    "  DRAINED a2b                          reply to the drain command\n"
    "  COUNTERS a2b_bytes=... b2a_...       on exit, and on request\n"
    "\n"
    "Signals: SIGTERM, SIGINT and SIGHUP end it cleanly; SIGUSR1 unplugs\n"
    "the --unplug-side side now, SIGUSR2 plugs it back now.\n"
    "\n"
    "Faults apply to both directions alike unless --faults-a2b or\n"
    "--faults-b2a say otherwise for one. For example, bit errors from A to\n"
    "B only, and 2 % of the air packets lost from B to A only:\n"
    "  --faults-a2b bit-error-rate=1e-5 --faults-b2a packet-loss=0.02\n"
    "\n"
    "Commands on standard input with --control, one per line:\n"
    "  unplug [a|b]    replug [a|b]    stats    quit\n"
    "  drain a2b|b2a N   print DRAINED and COUNTERS once N bytes have been\n"
    "                    taken in that direction and none is still queued\n"
    "\n"
    "See docs/emulator.md in gst-serial for the model and examples.\n";

/* ------------------------------------------------------------------------ */
/* Time and output */

gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static gint64
seconds_to_ns (gdouble s)
{
  return (gint64) (s * (gdouble) NS_PER_S + 0.5);
}

/* Event lines are read by tests and scripts through a pipe, so each goes
 * out whole and at once. */
void
emit (const gchar *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vfprintf (stdout, fmt, ap);
  va_end (ap);
  fputc ('\n', stdout);
  fflush (stdout);
}

static guint64
direction_queued (const Direction *d)
{
  return d->line.len + d->air_buf.len + d->out.len;
}

void
print_counters (Emu *emu, FILE *out)
{
  guint i;

  fputs ("COUNTERS", out);
  for (i = 0; i < 2; i++) {
    Direction *d = &emu->dirs[i];
    const gchar *n = d->name;

    fprintf (out,
        " %s_bytes=%" G_GUINT64_FORMAT " %s_delivered=%" G_GUINT64_FORMAT
        " %s_bits_flipped=%" G_GUINT64_FORMAT
        " %s_bytes_dropped=%" G_GUINT64_FORMAT
        " %s_bytes_corrupted=%" G_GUINT64_FORMAT " %s_bursts=%" G_GUINT64_FORMAT
        " %s_packets_lost=%" G_GUINT64_FORMAT
        " %s_packet_bytes_dropped=%" G_GUINT64_FORMAT
        " %s_overflow_dropped=%" G_GUINT64_FORMAT
        " %s_unplug_dropped=%" G_GUINT64_FORMAT " %s_queued=%" G_GUINT64_FORMAT,
        n, d->bytes, n, d->delivered, n, d->faults.bits_flipped, n,
        d->faults.bytes_dropped, n, d->faults.bytes_corrupted, n,
        d->faults.bursts, n, d->faults.packets_lost, n,
        d->faults.packet_bytes_dropped, n, d->overflow_dropped, n,
        d->unplug_dropped, n, direction_queued (d));
  }
  fprintf (out,
      " a_unplugs=%" G_GUINT64_FORMAT " b_unplugs=%" G_GUINT64_FORMAT "\n",
      emu->sides[0].unplugs, emu->sides[1].unplugs);
  fflush (out);
}

static void
print_summary (Emu *emu)
{
  guint i;

  for (i = 0; i < 2; i++) {
    Direction *d = &emu->dirs[i];

    printf ("%c -> %c: %" G_GUINT64_FORMAT " bytes taken, %" G_GUINT64_FORMAT
            " delivered, %" G_GUINT64_FORMAT " still queued\n",
        d->src->name, d->dst->name, d->bytes, d->delivered,
        direction_queued (d));
    printf ("        faults: %" G_GUINT64_FORMAT
            " bits flipped, %" G_GUINT64_FORMAT
            " bytes lost, %" G_GUINT64_FORMAT
            " bytes overwritten in %" G_GUINT64_FORMAT
            " bursts, %" G_GUINT64_FORMAT " bytes lost in %" G_GUINT64_FORMAT
            " air packets\n",
        d->faults.bits_flipped, d->faults.bytes_dropped,
        d->faults.bytes_corrupted, d->faults.bursts,
        d->faults.packet_bytes_dropped, d->faults.packets_lost);
    printf ("        dropped: %" G_GUINT64_FORMAT
            " on radio buffer overflow, %" G_GUINT64_FORMAT
            " while unplugged\n",
        d->overflow_dropped, d->unplug_dropped);
  }
  fflush (stdout);
}

/* ------------------------------------------------------------------------ */
/* Carrying bytes */

static gboolean
read_side (Emu *emu, EmuSide *s, GError **error)
{
  Direction *d = direction_from (emu, s);
  guint reads;

  for (reads = 0; reads < MAX_READS_PER_EVENT; reads++) {
    gsize n;
    guint8 *p = emu_ring_tail (&d->line, &n);
    guint64 budget = emu_side_budget (emu, s);
    gssize r;

    n = (gsize) MIN ((guint64) n, budget);
    if (n == 0)
      break;
    r = read (s->master, p, n);
    if (r > 0) {
      d->line.len += (gsize) r;
      d->bytes += (guint64) r;
      s->through += (guint64) r;
      s->hangups = 0;
      emu_pacer_enter (&d->uart, (guint64) r, now_ns ());
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno == EAGAIN)
      break;
    if (!emu_side_recover (s, error))
      return FALSE;
    break;
  }
  return TRUE;
}

static gsize
write_out (Emu *emu, Direction *d, GError **error)
{
  EmuSide *s = d->dst;
  gsize total = 0;

  while (d->out.len > 0 && s->master >= 0) {
    gsize n;
    const guint8 *p = emu_ring_peek (&d->out, &n);
    guint64 budget = emu_side_budget (emu, s);
    gssize r;

    n = (gsize) MIN ((guint64) n, budget);
    if (n == 0)
      break;
    r = write (s->master, p, n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        break;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "writing to side %c: %s", s->name, g_strerror (errno));
      break;
    }
    emu_ring_consume (&d->out, (gsize) r);
    d->delivered += (guint64) r;
    s->through += (guint64) r;
    total += (gsize) r;
  }
  return total;
}

/* Hands bytes that crossed the whole link to the destination's queue. */
static void
deliver (Direction *d, const guint8 *buf, gsize n)
{
  if (d->dst->master < 0) {
    d->unplug_dropped += n;
    return;
  }
  /* The pacer was given the room, and faults only ever remove bytes. */
  if (G_UNLIKELY (emu_ring_push (&d->out, buf, n) != n))
    g_error ("delivery queue of %s overran", d->name);
}

static void
cross_line (Emu *emu, Direction *d, guint64 n, gint64 now)
{
  while (n > 0) {
    gsize c, m;
    const guint8 *p = emu_ring_peek (&d->line, &c);

    c = (gsize) MIN ((guint64) MIN (c, (gsize) CHUNK), n);
    memcpy (emu->scratch, p, c);
    emu_ring_consume (&d->line, c);
    n -= c;

    m = emu_faults_apply (&d->faults, emu->scratch, c);
    if (d->radio) {
      gsize pushed = emu_ring_push (&d->air_buf, emu->scratch, m);

      d->overflow_dropped += m - pushed;
      emu_pacer_enter (&d->air, pushed, now);
    } else {
      deliver (d, emu->scratch, m);
    }
  }
}

static void
cross_air (Emu *emu, Direction *d, guint64 n)
{
  while (n > 0) {
    gsize c;
    const guint8 *p = emu_ring_peek (&d->air_buf, &c);

    c = (gsize) MIN ((guint64) c, n);
    deliver (d, p, c);
    emu_ring_consume (&d->air_buf, c);
    n -= c;
  }
}

/* Moves what is due through every stage of a direction and returns when to
 * look again. */
static gint64
direction_run (Emu *emu, Direction *d, gint64 now, GError **error)
{
  gint64 wake_line, wake_air = NEVER;
  gboolean dst_down = d->dst->master < 0;
  guint64 moved;

  do {
    guint64 room, n;

    if (d->radio)
      room = d->radio_drops ? UNLIMITED : emu_ring_space (&d->air_buf);
    else
      room = dst_down ? UNLIMITED : emu_ring_space (&d->out);
    n = emu_pacer_take (&d->uart, now, room, &wake_line);
    cross_line (emu, d, n, now);
    moved = n;

    if (d->radio) {
      room = dst_down ? UNLIMITED : emu_ring_space (&d->out);
      n = emu_pacer_take (&d->air, now, room, &wake_air);
      cross_air (emu, d, n);
      moved += n;
    }

    moved += write_out (emu, d, error);
    if (*error)
      return NEVER;
    /* New room may let a stage that was held back go on. */
  } while (moved > 0 && (d->uart.stalled || d->air.stalled));
  return MIN (wake_line, wake_air);
}

/* ------------------------------------------------------------------------ */
/* Main loop */

static void
check_events (Emu *emu, gint64 now, GError **error)
{
  guint i;

  if (emu->unplug_at <= now) {
    emu->unplug_at = NEVER;
    emu_side_unplug (emu, emu->unplug_side, now);
  }
  if (emu->replug_at <= now &&
      !emu_side_replug (emu, emu->unplug_side, now, error))
    return;
  if (emu->unplug_after_bytes > 0 && !emu->bytes_unplug_done &&
      emu->unplug_side->through >= emu->unplug_after_bytes) {
    emu->bytes_unplug_done = TRUE;
    emu_side_unplug (emu, emu->unplug_side, now);
  }
  if (emu->stats_at <= now) {
    print_counters (emu, stderr);
    emu->stats_at = now + seconds_to_ns (opt_stats_interval);
  }
  for (i = 0; i < 2; i++) {
    Direction *d = &emu->dirs[i];

    if (d->drain_wait && d->bytes >= d->drain_target &&
        direction_queued (d) == 0) {
      d->drain_wait = FALSE;
      emit ("DRAINED %s", d->name);
      print_counters (emu, stdout);
    }
  }
}

typedef enum {
  WATCH_SIGNALS,
  WATCH_STDIN,
  WATCH_MASTER,
  WATCH_KEEPER
} Watch;

/* Fills @pfd with what the loop waits for; at most 6 entries. */
static guint
watch_fds (Emu *emu, struct pollfd *pfd, Watch *watch, EmuSide **side)
{
  guint i, n = 0;

  pfd[n].fd = emu->sigfd;
  pfd[n].events = POLLIN;
  watch[n++] = WATCH_SIGNALS;
  if (emu->watch_stdin) {
    pfd[n].fd = STDIN_FILENO;
    pfd[n].events = POLLIN;
    watch[n++] = WATCH_STDIN;
  }
  for (i = 0; i < 2; i++) {
    EmuSide *s = &emu->sides[i];
    gshort events = 0;

    if (s->master < 0)
      continue;
    /* No events asked: only a hang-up of the slave is reported. */
    pfd[n].fd = s->keeper;
    pfd[n].events = 0;
    side[n] = s;
    watch[n++] = WATCH_KEEPER;

    if (emu_side_budget (emu, s) == 0)
      continue;
    if (emu_ring_space (&direction_from (emu, s)->line) > 0)
      events |= POLLIN;
    if (direction_to (emu, s)->out.len > 0)
      events |= POLLOUT;
    if (events == 0)
      continue;
    pfd[n].fd = s->master;
    pfd[n].events = events;
    side[n] = s;
    watch[n++] = WATCH_MASTER;
  }
  return n;
}

static gboolean
run (Emu *emu, GError **error)
{
  while (emu->running) {
    struct pollfd pfd[6];
    Watch watch[6];
    EmuSide *side[6] = { NULL };
    struct timespec ts;
    gint64 now = now_ns (), wake = NEVER;
    guint i, n;
    gint r;

    for (i = 0; i < 2; i++) {
      wake = MIN (wake, direction_run (emu, &emu->dirs[i], now, error));
      if (*error)
        return FALSE;
    }
    check_events (emu, now, error);
    if (*error)
      return FALSE;
    if (!emu->running)
      break;

    n = watch_fds (emu, pfd, watch, side);
    /* Sleep until the next byte is due or the next timed event; never
     * spin while idle. */
    wake =
        MIN (wake, MIN (emu->unplug_at, MIN (emu->replug_at, emu->stats_at)));
    if (wake != NEVER) {
      /* One reading of the clock: MAX () evaluates its arguments twice,
       * and a second, later reading can be negative (EINVAL). */
      gint64 dt = wake - now_ns ();

      dt = MAX (dt, 0);

      ts.tv_sec = dt / NS_PER_S;
      ts.tv_nsec = dt % NS_PER_S;
    }
    r = ppoll (pfd, n, wake != NEVER ? &ts : NULL, NULL);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
          "ppoll: %s", g_strerror (errno));
      return FALSE;
    }

    for (i = 0; i < n; i++) {
      gboolean ok = TRUE;

      if (!pfd[i].revents)
        continue;
      /* A signal or command handled before may have unplugged a side. */
      if (side[i] && side[i]->master < 0)
        continue;
      switch (watch[i]) {
        case WATCH_SIGNALS:
          ok = emu_control_read_signals (emu, error);
          break;
        case WATCH_STDIN:
          ok = emu_control_read_stdin (emu, error);
          break;
        case WATCH_KEEPER:
          /* A fresh keeper is not hung up, so this cannot loop. */
          if (side[i]->keeper == pfd[i].fd) {
            side[i]->hangups = 0;
            ok = emu_side_recover (side[i], error);
          }
          break;
        case WATCH_MASTER:
          /* Writes happen in direction_run() at the top of the loop. */
          if (side[i]->master == pfd[i].fd &&
              (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
            ok = read_side (emu, side[i], error);
          break;
      }
      if (!ok)
        return FALSE;
    }
  }
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Setup */

static gboolean
parse_unplug (Emu *emu, GError **error)
{
  gdouble after = -1, down = DEFAULT_UNPLUG_DOWN_S;
  gchar *end;

  emu->unplug_side = &emu->sides[0];
  emu->unplug_side = emu_control_parse_side (emu, opt_unplug_side);
  if (!emu->unplug_side) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "--unplug-side must be a or b");
    return FALSE;
  }

  if (opt_unplug_down) {
    if (strcmp (opt_unplug_down, "manual") == 0) {
      down = -1;
    } else {
      down = g_ascii_strtod (opt_unplug_down, &end);
      if (*end || down < 0)
        goto bad_down;
    }
  }
  if (opt_unplug_after) {
    after = g_ascii_strtod (opt_unplug_after, &end);
    if (end == opt_unplug_after || after < 0)
      goto bad_after;
    if (*end == ',') {
      gchar *d = end + 1;

      down = g_ascii_strtod (d, &end);
      if (end == d || down < 0)
        goto bad_after;
    }
    if (*end)
      goto bad_after;
  }
  emu->unplug_after_ns = after < 0 ? -1 : seconds_to_ns (after);
  emu->unplug_down_ns = down < 0 ? -1 : seconds_to_ns (down);
  emu->unplug_repeat = opt_unplug_repeat;
  emu->unplug_after_bytes = (guint64) opt_unplug_after_bytes;
  return TRUE;

  /* ERRORS */
bad_down:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "--unplug-down takes seconds or 'manual', not '%s'", opt_unplug_down);
  return FALSE;
bad_after:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "--unplug-after takes SECONDS[,DOWN_SECONDS], not '%s'",
      opt_unplug_after);
  return FALSE;
}

/* Sets the fault setting @name of @s from @value; errors start with
 * @where, "--" for an option of its own. */
static gboolean
set_fault (EmuFaultSettings *s, const gchar *where, const gchar *name,
    const gchar *value, GError **error)
{
  GString *names;
  gpointer field;
  guint64 n;
  gdouble p;
  gchar *end;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fault_settings); i++) {
    if (strcmp (name, fault_settings[i].name) == 0)
      break;
  }
  if (i == G_N_ELEMENTS (fault_settings))
    goto unknown;
  field = G_STRUCT_MEMBER_P (s, fault_settings[i].offset);
  if (fault_settings[i].is_size) {
    if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &n, NULL))
      goto bad_count;
    *(guint *) field = (guint) n;
  } else {
    p = g_ascii_strtod (value, &end);
    if (end == value || *end || !(p >= 0.0 && p <= 1.0))
      goto bad_probability;
    *(gdouble *) field = p;
  }
  return TRUE;

  /* ERRORS */
unknown:
  names = g_string_new (NULL);
  for (i = 0; i < G_N_ELEMENTS (fault_settings); i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
        fault_settings[i].name);
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s'%s' is not a fault setting (%s)", where, name, names->str);
  g_string_free (names, TRUE);
  return FALSE;
bad_count:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s%s must be a whole number, at least 1, not '%s'", where, name, value);
  return FALSE;
bad_probability:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
      "%s%s must be a probability between 0 and 1, not '%s'", where, name,
      value);
  return FALSE;
}

/* An option for both directions: OPTION_NAME is "--" and a setting. */
static gboolean
parse_fault_option (const gchar *option_name, const gchar *value, gpointer data,
    GError **error)
{
  return set_fault (&opt_faults, "--", option_name + 2, value, error);
}

static void
add_fault_entries (GOptionGroup *group)
{
  GOptionEntry entries[G_N_ELEMENTS (fault_settings) + 1] = { { NULL } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (fault_settings); i++) {
    entries[i].long_name = fault_settings[i].name;
    entries[i].arg = G_OPTION_ARG_CALLBACK;
    entries[i].arg_data = parse_fault_option;
    entries[i].description = fault_settings[i].help;
    entries[i].arg_description = fault_settings[i].is_size ? "N" : "P";
  }
  g_option_group_add_entries (group, seed_entries);
  g_option_group_add_entries (group, entries);
  g_option_group_add_entries (group, direction_fault_entries);
}

/* The faults of direction @index: those of both directions, then what each
 * KEY=VALUE of its option says, in order. */
static gboolean
direction_faults (guint index, EmuFaultSettings *s, GError **error)
{
  const gchar *const option = index == 0 ? "--faults-a2b" : "--faults-b2a";
  gchar *where = g_strconcat (option, ": ", NULL);
  gchar **arg;
  gboolean ok = TRUE;

  *s = opt_faults;
  for (arg = opt_direction_faults[index]; ok && arg && *arg; arg++) {
    gchar **pairs = g_strsplit (*arg, ",", -1);
    gchar **pair;

    for (pair = pairs; ok && *pair; pair++) {
      gchar *eq = strchr (*pair, '=');

      if (eq) {
        *eq = '\0';
        ok = set_fault (s, where, *pair, eq + 1, error);
      } else {
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
            "%s takes KEY=VALUE,..., not '%s'", option, *arg);
        ok = FALSE;
      }
    }
    g_strfreev (pairs);
  }
  g_free (where);
  return ok;
}

static gboolean
check_options (guint *parity_bits, guint64 *seed, EmuFaultSettings faults[2],
    GError **error)
{
  const gchar *const parities[] = { "none", "odd", "even", "mark", "space" };
  guint i;

#define BAD(...)                                                               \
  do {                                                                         \
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,              \
        __VA_ARGS__);                                                          \
    return FALSE;                                                              \
  } while (0)

  if (opt_baud < 0 || (guint64) opt_baud > EMU_PACER_MAX_BITS_PER_S)
    BAD ("--baud must be 0 to %" G_GUINT64_FORMAT, EMU_PACER_MAX_BITS_PER_S);
  if (opt_data_bits < 5 || opt_data_bits > 8)
    BAD ("--data-bits must be 5 to 8");
  if (opt_stop_bits != 1 && opt_stop_bits != 2)
    BAD ("--stop-bits must be 1 or 2");
  *parity_bits = 1;
  for (i = 0; i < G_N_ELEMENTS (parities); i++) {
    if (!opt_parity || g_ascii_strcasecmp (opt_parity, parities[i]) == 0) {
      *parity_bits = i == 0 ? 0 : 1;
      break;
    }
  }
  if (i == G_N_ELEMENTS (parities))
    BAD ("--parity must be none, odd, even, mark or space");
  if (opt_fifo < 1)
    BAD ("--fifo must be at least 1");
  if (opt_queue < 1 || opt_queue > G_MAXINT32)
    BAD ("--queue must be 1 to %d", G_MAXINT32);
  if (opt_rate_limit < 0 || (guint64) opt_rate_limit > EMU_PACER_MAX_BITS_PER_S)
    BAD ("--rate-limit must be 1 to %" G_GUINT64_FORMAT,
        EMU_PACER_MAX_BITS_PER_S);
  if (opt_buffer < 0 || opt_buffer > G_MAXINT32)
    BAD ("--buffer must be 1 to %d", G_MAXINT32);
  if (opt_buffer > 0 && opt_rate_limit == 0)
    BAD ("--buffer needs --rate-limit");
  if (opt_unplug_after_bytes < 0)
    BAD ("--unplug-after-bytes must not be negative");
  if (opt_stats_interval < 0)
    BAD ("--stats-interval must not be negative");
  *seed = DEFAULT_SEED;
  if (opt_seed &&
      !g_ascii_string_to_unsigned (opt_seed, 10, 0, G_MAXUINT64, seed, NULL))
    BAD ("--seed must be an unsigned 64-bit number");
#undef BAD

  return direction_faults (0, &faults[0], error) &&
      direction_faults (1, &faults[1], error);
}

static void
direction_init (Direction *d, const gchar *name, EmuSide *src, EmuSide *dst,
    guint index, guint64 seed, guint bits_per_byte,
    const EmuFaultSettings *faults)
{
  memset (d, 0, sizeof (*d));
  d->name = name;
  d->src = src;
  d->dst = dst;
  emu_ring_init (&d->line, (gsize) opt_queue);
  emu_ring_init (&d->out, (gsize) opt_queue);
  emu_pacer_init (&d->uart, (guint64) opt_baud, bits_per_byte,
      (guint) opt_fifo);
  if (opt_rate_limit > 0) {
    d->radio = TRUE;
    d->radio_drops = opt_buffer > 0;
    emu_ring_init (&d->air_buf,
        (gsize) (opt_buffer > 0 ? opt_buffer : opt_queue));
    /* The air rate is in bytes, so a "bit" here is a byte. */
    emu_pacer_init (&d->air, (guint64) opt_rate_limit, 1, (guint) opt_fifo);
  }
  emu_faults_init (&d->faults, seed, index, (guint) opt_data_bits, faults);
}

static void
cleanup (Emu *emu)
{
  guint i;

  for (i = 0; i < 2; i++) {
    emu_side_link_remove (&emu->sides[i]);
    emu_side_close (&emu->sides[i]);
    g_free (emu->sides[i].slave_path);
    emu_ring_free (&emu->dirs[i].line);
    emu_ring_free (&emu->dirs[i].air_buf);
    emu_ring_free (&emu->dirs[i].out);
  }
  if (emu->sigfd >= 0)
    close (emu->sigfd);
  g_string_free (emu->stdin_line, TRUE);
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx;
  GOptionGroup *group;
  GError *error = NULL;
  Emu *emu;
  guint parity_bits, bits_per_byte, i;
  guint64 seed;
  EmuFaultSettings faults[2];
  gint64 now;
  gboolean ok;

  ctx = g_option_context_new ("- emulate a serial link between two ptys");
  g_option_context_add_main_entries (ctx, link_entries, NULL);
  group = g_option_group_new ("radio",
      "Radio bottleneck:", "Show the radio options", NULL, NULL);
  g_option_group_add_entries (group, radio_entries);
  g_option_context_add_group (ctx, group);
  group = g_option_group_new ("faults",
      "Faults, in both directions unless --faults-a2b or --faults-b2a "
      "say otherwise:",
      "Show the fault options", NULL, NULL);
  add_fault_entries (group);
  g_option_context_add_group (ctx, group);
  group = g_option_group_new ("unplug",
      "Unplugging:", "Show the unplug options", NULL, NULL);
  g_option_group_add_entries (group, unplug_entries);
  g_option_context_add_group (ctx, group);
  g_option_context_add_main_entries (ctx, main_entries, NULL);
  g_option_context_set_description (ctx, description);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) ||
      !check_options (&parity_bits, &seed, faults, &error))
    goto usage;
  if (argc > 1) {
    g_set_error (&error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
        "unexpected argument '%s'", argv[1]);
    goto usage;
  }

  emu = g_new0 (Emu, 1);
  emu->sigfd = -1;
  emu->stdin_line = g_string_new (NULL);
  emu->running = TRUE;
  emu->control = opt_control;
  emu->exit_on_stdin_eof = opt_exit_on_stdin_eof;
  emu->watch_stdin = opt_control || opt_exit_on_stdin_eof;
  emu->unplug_at = emu->replug_at = emu->stats_at = NEVER;
  for (i = 0; i < 2; i++) {
    emu->sides[i].name = (gchar) ('a' + i);
    emu->sides[i].link = opt_link[i];
    emu->sides[i].master = emu->sides[i].keeper = -1;
  }
  bits_per_byte =
      1 + (guint) opt_data_bits + parity_bits + (guint) opt_stop_bits;
  direction_init (&emu->dirs[0], "a2b", &emu->sides[0], &emu->sides[1], 0, seed,
      bits_per_byte, &faults[0]);
  direction_init (&emu->dirs[1], "b2a", &emu->sides[1], &emu->sides[0], 1, seed,
      bits_per_byte, &faults[1]);
  if (!parse_unplug (emu, &error)) {
    cleanup (emu);
    g_free (emu);
    goto usage;
  }

  /* The default timer slack (50 us) is longer than a 16-byte FIFO takes at
   * 3 Mbaud; releases would come late and in bigger bursts. */
  prctl (PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

  emu->sigfd = emu_control_setup_signals (&error);
  ok = emu->sigfd >= 0;
  for (i = 0; ok && i < 2; i++)
    ok = emu_side_open (&emu->sides[i], &error) &&
        emu_side_link_set (&emu->sides[i], &error);
  if (ok) {
    now = now_ns ();
    if (emu->unplug_after_ns >= 0)
      emu->unplug_at = now + emu->unplug_after_ns;
    if (opt_stats_interval > 0)
      emu->stats_at = now + seconds_to_ns (opt_stats_interval);

    if (opt_baud > 0)
      g_printerr ("serial-link-emu: a=%s b=%s, %" G_GINT64_FORMAT
                  " baud, %u bits per character: %.1f bytes/s each way\n",
          emu->sides[0].slave_path, emu->sides[1].slave_path, opt_baud,
          bits_per_byte, (gdouble) opt_baud / bits_per_byte);
    emit ("READY a=%s b=%s", emu->sides[0].slave_path,
        emu->sides[1].slave_path);
    ok = run (emu, &error);
  }

  if (ok) {
    print_counters (emu, stdout);
    print_summary (emu);
  } else {
    g_printerr ("serial-link-emu: %s\n", error->message);
    g_clear_error (&error);
  }
  cleanup (emu);
  g_free (emu);
  g_option_context_free (ctx);
  return ok ? 0 : 1;

  /* ERRORS */
usage:
  g_printerr ("serial-link-emu: %s\nTry --help.\n", error->message);
  g_clear_error (&error);
  g_option_context_free (ctx);
  return 2;
}
