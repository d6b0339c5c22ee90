/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host-sender: sends files as native-framed frames, the way firmware would.
 *
 * Copyright (C) 2026 gst-serial developers
 */

/*
 * A plain C99 + POSIX program that uses nothing but the framing module
 * (gst/serial/framing/serialframe.h), so that it reads like the main loop of
 * a microcontroller's firmware: no GLib, no GStreamer, no heap, one fixed
 * buffer.  It writes the stream a serialsink would write:
 *
 *   0x00                      the initial delimiter
 *   CAPS                      before the first frame, on a change, and again
 *                             every --caps-interval of line time, in the
 *                             compact form when that is shorter
 *   DATA DATA ...             one packet per file, seq 0, 1, 2, ..., times
 *                             predicted from the previous frame
 *   EOS EOS EOS               three copies with the same seq
 *
 *   host-sender --port /dev/ttyUSB0 --baud 921600 frame-*.jpg
 *   gst-launch-1.0 serialsrc port=/dev/ttyUSB1 baud-rate=921600 ! jpegdec \
 *       ! autovideosink
 *
 * Each file is one frame.  The caps of a JPEG file are read from its SOF
 * marker (image/jpeg with width and height); --caps sets them for anything
 * else.  Without --port the stream goes to standard output.
 *
 * Memory: no buffer holds a frame.  The payload goes from the file in
 * 512-byte pieces into the streaming encoder (sf_stream, 448 bytes), and the
 * wire comes out of it through a 256-byte buffer into write(); a camera's
 * firmware does the same from the camera's frame buffer.  So frames of any
 * size go out (serialsrc takes up to its max-frame-size, 4 MiB by default).
 */

#define _POSIX_C_SOURCE 200809L

#include "serialframe.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Size of the pieces read from the file into the encoder. */
#define HS_CHUNK 512
/* Size of the pieces of wire polled from the encoder and written: a UART
 * driver's transmit buffer, say. */
#define HS_OUT 256
/* A damaged EOS would leave the receiver waiting for ever; serialsink sends
 * three copies and so do we (docs/protocol.md, section 9.4). */
#define HS_EOS_COPIES 3
/* Bits of an 8N1 character on the line: start, 8 data, stop. */
#define HS_CHAR_BITS 10

static uint8_t chunk[HS_CHUNK];
static uint8_t wire[HS_OUT];
/* The compact form of the caps (docs/protocol.md, section 9.2). */
static uint8_t caps_compact[SF_CAPS_COMPACT_MAX];

typedef struct {
  const char *port; /* NULL: standard output */
  unsigned long baud;
  unsigned long count; /* 0: one frame per file */
  const char *caps;    /* NULL: from each JPEG */
  unsigned long caps_interval_ms;
  unsigned long fps;
  int eos;
  char **files;
  int n_files;
} hs_options;

typedef struct {
  int fd;
  int need_delimiter;
  uint32_t seq;
  sf_stream stream; /* the packet going out */
  sf_frame_ref ref; /* the frames sent, that the next one's times refer to */
  int caps_before;  /* the last packet was CAPS: the next frame's times go
                     * whole, for a receiver that starts with these caps */
  uint64_t wire_since_caps; /* bytes written since the last CAPS packet */
  uint64_t caps_interval_bytes;
  char caps_sent[SF_CAPS_MAX + 1];
  /* what went out, printed at the end */
  uint64_t frames, payload_bytes, caps_packets, eos_packets, wire_bytes;
} hs_sender;

static void
usage (FILE *out)
{
  fprintf (out,
      "usage: host-sender [OPTIONS] FILE...\n"
      "Sends each FILE as one native-framed frame, then EOS.\n"
      "  --port PATH         tty (or file) to write to; default: stdout\n"
      "  --baud N            baud rate, 8N1 (default 115200)\n"
      "  --count N           send N frames, cycling through the files\n"
      "  --caps STRING       caps to announce (default: image/jpeg with the\n"
      "                      JPEG's size, else application/octet-stream)\n"
      "  --caps-interval MS  repeat the caps every MS ms of line time\n"
      "                      (default 1000; 0: at start and on change)\n"
      "  --fps N             PTS n/N s, duration 1/N s (default 10)\n"
      "  --no-eos            end without EOS packets\n");
}

static int
parse_ulong (const char *s, unsigned long *out)
{
  char *end;

  errno = 0;
  *out = strtoul (s, &end, 10);
  return errno == 0 && end != s && *end == '\0' && s[0] != '-';
}

static int
parse_options (int argc, char **argv, hs_options *opt)
{
  int i;

  memset (opt, 0, sizeof (*opt));
  opt->baud = 115200;
  opt->caps_interval_ms = 1000;
  opt->fps = 10;
  opt->eos = 1;

  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
    const char *name = argv[i];
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    int ok = 1;

    if (strcmp (name, "--") == 0) {
      i++;
      break;
    } else if (strcmp (name, "--help") == 0) {
      usage (stdout);
      exit (0);
    } else if (strcmp (name, "--no-eos") == 0) {
      opt->eos = 0;
      continue;
    }
    if (!value) {
      fprintf (stderr, "host-sender: %s needs a value\n", name);
      return 0;
    }
    if (strcmp (name, "--port") == 0)
      opt->port = strcmp (value, "-") == 0 ? NULL : value;
    else if (strcmp (name, "--caps") == 0)
      opt->caps = value;
    else if (strcmp (name, "--baud") == 0)
      ok = parse_ulong (value, &opt->baud) && opt->baud > 0;
    else if (strcmp (name, "--count") == 0)
      ok = parse_ulong (value, &opt->count);
    else if (strcmp (name, "--caps-interval") == 0)
      ok = parse_ulong (value, &opt->caps_interval_ms);
    else if (strcmp (name, "--fps") == 0)
      ok = parse_ulong (value, &opt->fps) && opt->fps > 0;
    else {
      fprintf (stderr, "host-sender: unknown option %s\n", name);
      return 0;
    }
    if (!ok) {
      fprintf (stderr, "host-sender: bad value for %s: %s\n", name, value);
      return 0;
    }
    i++;
  }
  opt->files = argv + i;
  opt->n_files = argc - i;
  if (opt->n_files == 0) {
    usage (stderr);
    return 0;
  }
  if (opt->caps && strlen (opt->caps) > SF_CAPS_MAX) {
    fprintf (stderr, "host-sender: caps longer than %d bytes\n", SF_CAPS_MAX);
    return 0;
  }
  return 1;
}

/* --- The port ----------------------------------------------------------- */

static speed_t
baud_to_speed (unsigned long baud)
{
  switch (baud) {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    case 230400:
      return B230400;
#ifdef B460800
    case 460800:
      return B460800;
#endif
#ifdef B921600
    case 921600:
      return B921600;
#endif
#ifdef B1000000
    case 1000000:
      return B1000000;
#endif
#ifdef B2000000
    case 2000000:
      return B2000000;
#endif
#ifdef B3000000
    case 3000000:
      return B3000000;
#endif
    default:
      return B0;
  }
}

/* Raw 8N1 without flow control, the settings a UART on a microcontroller
 * has; spelled out because cfmakeraw() is not POSIX. */
static int
configure_tty (int fd, unsigned long baud)
{
  struct termios tio;
  speed_t speed = baud_to_speed (baud);

  if (speed == B0) {
    fprintf (stderr, "host-sender: baud rate %lu not supported here\n", baud);
    return 0;
  }
  if (tcgetattr (fd, &tio) < 0)
    goto failed;
  tio.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
      IXON | IXOFF | IXANY);
  tio.c_oflag &= ~OPOST;
  tio.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  tio.c_cflag &= ~(CSIZE | PARENB | CSTOPB);
#ifdef CRTSCTS
  tio.c_cflag &= ~CRTSCTS;
#endif
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (cfsetispeed (&tio, speed) < 0 || cfsetospeed (&tio, speed) < 0)
    goto failed;
  if (tcsetattr (fd, TCSANOW, &tio) < 0)
    goto failed;
  /* tcsetattr succeeds when any one setting was taken: read them back. */
  if (tcgetattr (fd, &tio) < 0)
    goto failed;
  if (cfgetospeed (&tio) != speed || (tio.c_cflag & CSIZE) != CS8) {
    fprintf (stderr, "host-sender: the port did not take %lu baud 8N1\n", baud);
    return 0;
  }
  return 1;

failed:
  fprintf (stderr, "host-sender: configuring the port: %s\n", strerror (errno));
  return 0;
}

static int
open_port (const char *path, unsigned long baud)
{
  int fd;

  if (!path)
    return STDOUT_FILENO;
  fd = open (path, O_WRONLY | O_NOCTTY);
  if (fd < 0) {
    fprintf (stderr, "host-sender: cannot open %s: %s\n", path,
        strerror (errno));
    return -1;
  }
  /* Anything but a tty (a file, a pipe) takes the bytes as they are. */
  if (isatty (fd) && !configure_tty (fd, baud)) {
    close (fd);
    return -1;
  }
  return fd;
}

static int
write_all (int fd, const uint8_t *data, size_t len)
{
  while (len > 0) {
    ssize_t n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      fprintf (stderr, "host-sender: write: %s\n",
          n < 0 ? strerror (errno) : "nothing written");
      return 0;
    }
    data += n;
    len -= (size_t) n;
  }
  return 1;
}

/* --- Caps --------------------------------------------------------------- */

static unsigned
be16 (const uint8_t *p)
{
  return (unsigned) p[0] << 8 | p[1];
}

/* Width and height from a JPEG's start-of-frame marker, walking the marker
 * segments from the start of the file. */
static int
jpeg_size (FILE *f, unsigned *width, unsigned *height)
{
  uint8_t m[9];

  if (fread (m, 1, 2, f) != 2 || m[0] != 0xFF || m[1] != 0xD8)
    return 0;
  for (;;) {
    unsigned len;

    if (fread (m, 1, 4, f) != 4 || m[0] != 0xFF)
      return 0;
    /* Fill bytes: 0xFF may repeat before a marker. */
    while (m[1] == 0xFF) {
      memmove (m + 1, m + 2, 2);
      if (fread (m + 3, 1, 1, f) != 1)
        return 0;
    }
    len = be16 (m + 2);
    if (len < 2)
      return 0;
    /* SOF0-SOF15, except DHT (C4), JPG (C8) and DAC (CC). */
    if (m[1] >= 0xC0 && m[1] <= 0xCF && m[1] != 0xC4 && m[1] != 0xC8 &&
        m[1] != 0xCC) {
      if (fread (m + 4, 1, 5, f) != 5)
        return 0;
      *height = be16 (m + 5);
      *width = be16 (m + 7);
      return *width > 0 && *height > 0;
    }
    if (m[1] == 0xDA || fseek (f, (long) len - 2, SEEK_CUR) != 0)
      return 0;
  }
}

/* The caps of one frame into @caps (SF_CAPS_MAX + 1 bytes). */
static void
frame_caps (const hs_options *opt, FILE *f, char *caps)
{
  unsigned width, height;

  if (opt->caps) {
    strcpy (caps, opt->caps);
    return;
  }
  if (jpeg_size (f, &width, &height))
    snprintf (caps, SF_CAPS_MAX + 1,
        "image/jpeg, width=(int)%u, height=(int)%u, "
        "framerate=(fraction)%lu/1",
        width, height, opt->fps);
  else
    strcpy (caps, "application/octet-stream");
  rewind (f);
}

/* --- Packets ----------------------------------------------------------- */

static int
framing_failed (sf_result r)
{
  fprintf (stderr, "host-sender: framing failed: %s\n", sf_result_name (r));
  return 0;
}

/* Writes out what the encoder has ready, HS_OUT bytes at a time.  Returns
 * what the last poll said (SF_OK, SF_STREAM_DONE, or an error), or
 * SF_ERR_STATE when writing failed. */
static sf_result
drain (hs_sender *s)
{
  sf_result r;
  size_t n;

  do {
    r = sf_stream_poll (&s->stream, wire, sizeof (wire), &n);
    if (n > 0 && !write_all (s->fd, wire, n))
      return SF_ERR_STATE;
    s->wire_bytes += n;
    s->wire_since_caps += n;
  } while (r == SF_STREAM_MORE);
  return r;
}

/* Starts a packet, behind the initial delimiter when it is the first one.
 * Version 2 (sf_header_init's) needs no length in advance. */
static int
begin_packet (hs_sender *s, const sf_header *hdr, const sf_frame_ref *ref)
{
  unsigned options = s->need_delimiter ? SF_OPT_INITIAL_DELIMITER : 0;
  sf_result r = sf_stream_begin (&s->stream, SF_MODE_NATIVE, options, hdr, ref);

  s->need_delimiter = 0;
  return r == SF_OK || framing_failed (r);
}

/* Feeds payload bytes through the encoder and out to the port: the
 * encoder takes what fits in its state, the rest after a drain. */
static int
send_payload (hs_sender *s, const uint8_t *data, size_t len)
{
  sf_result r = SF_OK;
  size_t n;

  while (len > 0 && r >= 0) {
    r = sf_stream_sink (&s->stream, data, len, &n);
    data += n;
    len -= n;
    if (r >= 0)
      r = drain (s);
  }
  return r >= 0 || (r != SF_ERR_STATE && framing_failed (r));
}

/* The CRC, the last COBS block and the delimiter go out. */
static int
finish_packet (hs_sender *s)
{
  sf_result r = sf_stream_finish (&s->stream);

  if (r == SF_STREAM_MORE)
    r = drain (s);
  if (r == SF_STREAM_DONE)
    return 1;
  return r != SF_ERR_STATE && framing_failed (r);
}

/* Caps go in the compact form when that is shorter, as serialsink sends
 * them; the caps string itself is kept to tell a change. */
static int
send_caps (hs_sender *s, const char *caps)
{
  const uint8_t *payload = (const uint8_t *) caps;
  size_t len = strlen (caps), compact_len = 0;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.seq = s->seq; /* the seq of the next DATA packet */
  if (sf_caps_compact (caps, len, caps_compact, sizeof (caps_compact),
          &compact_len) == SF_OK &&
      compact_len < len) {
    hdr.caps_compact = 1;
    payload = caps_compact;
    len = compact_len;
  }
  if (!begin_packet (s, &hdr, NULL) || !send_payload (s, payload, len) ||
      !finish_packet (s))
    return 0;
  s->wire_since_caps = 0;
  strcpy (s->caps_sent, caps);
  s->caps_before = 1;
  s->caps_packets++;
  return 1;
}

/* As serialsink: at start, on a change, and when --caps-interval of line
 * time has passed, counted in bytes the line carries in that time. */
static int
caps_due (const hs_sender *s, const char *caps)
{
  if (strcmp (caps, s->caps_sent) != 0)
    return 1;
  return s->caps_interval_bytes > 0 &&
      s->wire_since_caps >= s->caps_interval_bytes;
}

static uint64_t
wall_clock_ns (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_REALTIME, &ts) < 0)
    return SF_TIME_NONE;
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* One DATA packet: the file goes through the encoder a chunk at a time,
 * never held whole, and no packet-sized buffer exists either.  The times
 * refer to the previous frame (a steady stream's header is then the 4
 * bytes of lead, fields and seq, plus the sender time), except right after
 * caps. */
static int
send_frame (hs_sender *s, const hs_options *opt, FILE *f, const char *name)
{
  uint64_t frame_ns = 1000000000u / opt->fps, size = 0;
  sf_header hdr;
  size_t n;

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.seq = s->seq;
  hdr.pts = s->frames * frame_ns;
  hdr.duration = frame_ns;
  hdr.sender_time = wall_clock_ns ();

  if (!begin_packet (s, &hdr, s->caps_before ? NULL : &s->ref))
    return 0;
  while ((n = fread (chunk, 1, sizeof (chunk), f)) > 0) {
    if (!send_payload (s, chunk, n))
      return 0;
    size += n;
  }
  /* Cut short, the packet never gets its delimiter: the receiver drops
   * what arrived when the next packet's delimiter comes. */
  if (ferror (f)) {
    fprintf (stderr, "host-sender: reading %s: %s\n", name, strerror (errno));
    return 0;
  }
  if (!finish_packet (s))
    return 0;
  sf_frame_ref_update (&s->ref, &hdr);
  s->caps_before = 0;
  s->seq++;
  s->frames++;
  s->payload_bytes += size;
  return 1;
}

static int
send_eos (hs_sender *s)
{
  sf_header hdr;
  int i;

  sf_header_init (&hdr, SF_TYPE_EOS);
  hdr.seq = s->seq;
  for (i = 0; i < HS_EOS_COPIES; i++) {
    if (!begin_packet (s, &hdr, NULL) || !finish_packet (s))
      return 0;
    s->eos_packets++;
  }
  return 1;
}

static int
send_file (hs_sender *s, const hs_options *opt, const char *name)
{
  char caps[SF_CAPS_MAX + 1];
  FILE *f = fopen (name, "rb");
  int ok;

  if (!f) {
    fprintf (stderr, "host-sender: cannot open %s: %s\n", name,
        strerror (errno));
    return 0;
  }
  frame_caps (opt, f, caps);
  ok = !caps_due (s, caps) || send_caps (s, caps);
  ok = ok && send_frame (s, opt, f, name);
  fclose (f);
  return ok;
}

int
main (int argc, char **argv)
{
  hs_options opt;
  hs_sender s;
  unsigned long i, count;
  int ok = 1;

  if (!parse_options (argc, argv, &opt))
    return 2;

  memset (&s, 0, sizeof (s));
  s.need_delimiter = 1;
  sf_frame_ref_init (&s.ref);
  s.caps_interval_bytes =
      (uint64_t) opt.baud * opt.caps_interval_ms / (HS_CHAR_BITS * 1000u);
  s.fd = open_port (opt.port, opt.baud);
  if (s.fd < 0)
    return 1;

  count = opt.count ? opt.count : (unsigned long) opt.n_files;
  for (i = 0; ok && i < count; i++)
    ok = send_file (&s, &opt, opt.files[i % (unsigned long) opt.n_files]);
  if (ok && opt.eos)
    ok = send_eos (&s);
  /* Return only when the driver has sent everything out. */
  if (isatty (s.fd))
    tcdrain (s.fd);
  if (s.fd != STDOUT_FILENO)
    close (s.fd);

  fprintf (stderr,
      "host-sender: %" PRIu64 " frames, %" PRIu64 " payload bytes, %" PRIu64
      " caps packets, %" PRIu64 " eos packets, %" PRIu64 " wire bytes\n",
      s.frames, s.payload_bytes, s.caps_packets, s.eos_packets, s.wire_bytes);
  return ok ? 0 : 1;
}
