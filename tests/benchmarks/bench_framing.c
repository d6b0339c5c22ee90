/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Framing codec benchmark: encode/decode/CRC throughput and wire overhead. */

/*
 * Prints figures, asserts nothing.  Build it optimised: the project default
 * (debugoptimized) does, and so does a plain "cc -O2" of this file with the
 * .c files of gst/serial/framing (scripts/bench-framing.sh).
 * Optional argument: seconds per measurement (default 1).
 */

#define _POSIX_C_SOURCE 200809L

#include "serialframe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAYLOAD (64 * 1024)

static double seconds_per_figure = 1.0;

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 12345;

static uint64_t
rnd (void)
{
  uint64_t z = (rng_state += UINT64_C (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * UINT64_C (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static void
fill_random (uint8_t *p, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    p[i] = (uint8_t) rnd ();
}

static void *
xmalloc (size_t n)
{
  void *p = malloc (n);

  if (!p) {
    fprintf (stderr, "out of memory\n");
    exit (1);
  }
  return p;
}

/* Keeps the compiler from dropping work whose result is unused. */
static volatile uint64_t sink;

static size_t
encode (sf_mode mode, unsigned opts, const uint8_t *payload, size_t len,
    uint8_t *out, size_t size)
{
  size_t w = 0;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  if (mode == SF_MODE_NATIVE)
    sf_encode_native (&hdr, payload, len, opts, out, size, &w);
  else if (mode == SF_MODE_COBS)
    sf_encode_cobs (payload, len, opts, out, size, &w);
  else
    sf_encode_slip (payload, len, opts, out, size, &w);
  return w;
}

static void
bench_codec (sf_mode mode, unsigned opts, const uint8_t *payload)
{
  size_t size = sf_encoded_max (mode, opts, PAYLOAD);
  size_t bufsize = sf_decode_buffer_size (mode, PAYLOAD);
  uint8_t *wire = xmalloc (size + 1), *buf = xmalloc (bufsize);
  double t0, t, enc_mbs, dec_mbs;
  uint64_t iters = 0, packets = 0;
  size_t w = 0, start = 0, used;
  sf_decoder dec;

  t0 = now ();
  do {
    w = encode (mode, opts, payload, PAYLOAD, wire + 1, size);
    sink += w;
    iters++;
  } while ((t = now () - t0) < seconds_per_figure);
  enc_mbs = (double) iters * PAYLOAD / t / 1e6;

  /* Decode the same packet over and over; the leading delimiter is only
   * needed once, for the hunting native receiver. */
  wire[0] = mode == SF_MODE_SLIP ? SF_SLIP_END : 0;
  sf_decoder_init (&dec, mode, opts, buf, bufsize);
  sf_decoder_feed (&dec, wire, 1, &used);
  start = 1;
  iters = 0;
  t0 = now ();
  do {
    size_t off = start;
    while (off < w + 1) {
      if (sf_decoder_feed (&dec, wire + off, w + 1 - off, &used) ==
          SF_DEC_PACKET)
        packets++;
      off += used;
    }
    iters++;
  } while ((t = now () - t0) < seconds_per_figure);
  dec_mbs = (double) iters * PAYLOAD / t / 1e6;
  sink += packets;

  printf ("%-7s %-8s encode %8.0f MB/s   decode %8.0f MB/s%s\n",
      sf_mode_name (mode), opts & SF_OPT_XONXOFF ? "xonxoff" : "-", enc_mbs,
      dec_mbs, packets == iters ? "" : "   (DECODE FAILED)");
  free (wire);
  free (buf);
}

/* A frame through sf_stream as firmware sends it: the payload sunk from
 * where it lies, the wire polled through a small buffer (whose bytes a
 * UART driver would take; here they are only counted). */
static size_t
stream_frame (sf_stream *s, unsigned opts, const uint8_t *payload, size_t len,
    uint8_t *out, size_t out_size)
{
  size_t off = 0, n, w, total = 0;
  sf_header hdr;
  sf_result r;

  sf_header_init (&hdr, SF_TYPE_DATA);
  r = sf_stream_begin (s, SF_MODE_NATIVE, opts, &hdr, NULL);
  while (r >= 0 && off < len) {
    r = sf_stream_sink (s, payload + off, len - off, &n);
    off += n;
    do {
      r = sf_stream_poll (s, out, out_size, &w);
      total += w;
    } while (r == SF_STREAM_MORE);
  }
  if (r >= 0)
    r = sf_stream_finish (s);
  while (r == SF_STREAM_MORE) {
    r = sf_stream_poll (s, out, out_size, &w);
    total += w;
  }
  return r == SF_STREAM_DONE ? total : 0;
}

/* The one-shot and the streaming encoder on frames of a camera's size,
 * native framing: the streaming one with a 256-byte poll buffer. */
static void
bench_stream (unsigned opts, const uint8_t *payload)
{
  enum {
    FRAME = 30 * 1024,
    POLL = 256
  };
  size_t size = sf_encoded_max (SF_MODE_NATIVE, opts, FRAME);
  uint8_t *wire = xmalloc (size), out[POLL];
  double t0, t, oneshot_mbs, stream_mbs;
  uint64_t iters = 0;
  size_t w1 = 0, w2 = 0;
  sf_stream s;

  t0 = now ();
  do {
    w1 = encode (SF_MODE_NATIVE, opts, payload, FRAME, wire, size);
    sink += w1;
    iters++;
  } while ((t = now () - t0) < seconds_per_figure);
  oneshot_mbs = (double) iters * FRAME / t / 1e6;

  iters = 0;
  t0 = now ();
  do {
    w2 = stream_frame (&s, opts, payload, FRAME, out, sizeof (out));
    sink += w2;
    iters++;
  } while ((t = now () - t0) < seconds_per_figure);
  stream_mbs = (double) iters * FRAME / t / 1e6;

  printf ("native  %-8s 30 KiB frames: one-shot %6.0f MB/s, "
          "sf_stream (%d-byte poll, %zu-byte state) %6.0f MB/s%s\n",
      opts & SF_OPT_XONXOFF ? "xonxoff" : "-", oneshot_mbs, POLL,
      sizeof (sf_stream), stream_mbs,
      w1 == w2 && w1 > 0 ? "" : "   (STREAM OUTPUT DIFFERS)");
  free (wire);
}

static void
bench_crc (sf_crc32c_impl impl, const uint8_t *data)
{
  double t0, t;
  uint64_t iters = 0;
  uint32_t crc = 0;

  if (sf_crc32c_select (impl) != SF_OK) {
    printf ("crc32c  %-8s not available on this CPU\n",
        sf_crc32c_impl_name (impl));
    return;
  }
  t0 = now ();
  do {
    crc = sf_crc32c (crc, data, PAYLOAD);
    iters++;
  } while ((t = now () - t0) < seconds_per_figure);
  sink += crc;
  printf ("crc32c  %-8s %8.0f MB/s\n", sf_crc32c_impl_name (impl),
      (double) iters * PAYLOAD / t / 1e6);
}

/* Wire bytes of one native DATA packet: version 2 with times that refer
 * to the previous frame (@absolute 0: a steady 30 fps stream, 4-byte
 * header) or written whole (the first frame, after caps), or version 1. */
static size_t
encode_native (int version, int absolute, unsigned opts, const uint8_t *payload,
    size_t len, uint8_t *out, size_t size)
{
  const uint64_t frame = 33333333;
  sf_frame_ref ref;
  sf_header hdr;
  sf_encoder enc;
  size_t w = 0;

  sf_header_init (&hdr, SF_TYPE_DATA);
  sf_frame_ref_init (&ref);
  hdr.version = (uint8_t) version;
  hdr.seq = 1000;
  hdr.pts = 1000 * frame;
  hdr.duration = frame;
  hdr.payload_len = (uint32_t) len;
  if (!absolute) {
    sf_header prev = hdr;

    prev.seq = 999;
    prev.pts = 999 * frame;
    sf_frame_ref_update (&ref, &prev);
  }
  if (sf_encoder_begin_ref (&enc, SF_MODE_NATIVE, opts, &hdr, &ref, out,
          size) == SF_OK &&
      sf_encoder_write (&enc, payload, len) == SF_OK)
    sf_encoder_finish (&enc, &w);
  return w;
}

static double
percent (size_t wire, size_t len)
{
  return 100.0 * (double) (wire - len) / (double) len;
}

static void
overhead (size_t len)
{
  uint8_t *payload = xmalloc (len);
  size_t size = sf_encoded_max (SF_MODE_NATIVE, SF_OPT_XONXOFF, len);
  uint8_t *wire = xmalloc (size);

  fill_random (payload, len);
  printf ("%8zu B random: native %.3f%% (first frame %.3f%%, xonxoff %.3f%%, "
          "version 1 %.3f%%)  cobs %.3f%%  slip %.3f%%",
      len, percent (encode_native (2, 0, 0, payload, len, wire, size), len),
      percent (encode_native (2, 1, 0, payload, len, wire, size), len),
      percent (encode_native (2, 0, SF_OPT_XONXOFF, payload, len, wire, size),
          len),
      percent (encode_native (1, 1, 0, payload, len, wire, size), len),
      percent (encode (SF_MODE_COBS, 0, payload, len, wire, size), len),
      percent (encode (SF_MODE_SLIP, 0, payload, len, wire, size), len));
  /* The worst case for native: payload without zeros. */
  memset (payload, 0xFF, len);
  printf ("  native worst %.3f%% (version 1 %.3f%%)\n",
      percent (encode_native (2, 0, 0, payload, len, wire, size), len),
      percent (encode_native (1, 1, 0, payload, len, wire, size), len));
  free (payload);
  free (wire);
}

int
main (int argc, char **argv)
{
  uint8_t *payload = xmalloc (PAYLOAD);

  if (argc > 1)
    seconds_per_figure = atof (argv[1]) > 0 ? atof (argv[1]) : 1.0;
  fill_random (payload, PAYLOAD);
  printf ("serialframe benchmark, 64 KiB random payloads, %.1f s per figure\n",
      seconds_per_figure);
  printf ("CRC-32C implementation: %s\n",
      sf_crc32c_impl_name (sf_crc32c_active ()));
  bench_codec (SF_MODE_NATIVE, 0, payload);
  bench_codec (SF_MODE_NATIVE, SF_OPT_XONXOFF, payload);
  bench_codec (SF_MODE_COBS, 0, payload);
  bench_codec (SF_MODE_SLIP, 0, payload);
  bench_stream (0, payload);
  bench_stream (SF_OPT_XONXOFF, payload);
  bench_crc (SF_CRC32C_HW, payload);
  bench_crc (SF_CRC32C_PORTABLE, payload);
  sf_crc32c_select (SF_CRC32C_PORTABLE);
  bench_codec (SF_MODE_NATIVE, 0, payload);
  bench_stream (0, payload);
  printf ("        (native above with the portable CRC)\n");
  sf_crc32c_select (SF_CRC32C_AUTO);
  printf ("wire overhead (header, CRC, COBS or SLIP, delimiter):\n");
  overhead (1024);
  overhead (30 * 1024);
  overhead (1024 * 1024);
  free (payload);
  return 0;
}
