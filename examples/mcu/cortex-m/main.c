/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JPEG frames from flash to serialsrc over a UART, in gst-serial's native
 * framing (version 2), on a bare-metal Cortex-M3: no RTOS, no heap.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * The frames are JPEG files linked into flash (frames.S). Each goes out as
 * one DATA packet, timed by the 1 ms tick: PTS is the tick when it went,
 * MCU_FRAME_MS apart. The caps go before the first frame and once a second
 * of ticks, in their compact form; after MCU_FRAME_COUNT frames, three EOS
 * packets, and the program ends. Receive with
 *
 *   gst-launch-1.0 serialsrc port=/dev/ttyUSB0 baud-rate=115200 ! jpegdec \
 *       ! autovideosink
 *
 * No frame is copied into RAM: the streaming encoder (sf_stream) reads the
 * frame from flash as far as its state has room, and the wire comes out
 * of it through wire[] into the UART's FIFO. What RAM this takes is printed
 * by the build (make) and documented in examples/mcu/README.md.
 */

#include "board.h"
#include "serialframe.h"

#include <string.h>

#ifndef MCU_BAUD
#define MCU_BAUD 115200
#endif
/* Frames sent, cycling through those in flash. */
#ifndef MCU_FRAME_COUNT
#define MCU_FRAME_COUNT 12
#endif
#define MCU_FRAME_MS 100
#define MCU_CAPS_INTERVAL_MS 1000
#define MCU_EOS_COPIES 3
#define MCU_CAPS                                                               \
  "image/jpeg, width=(int)160, height=(int)120, framerate=(fraction)10/1"

typedef struct {
  const uint8_t *data;
  uint32_t size;
} mcu_frame;

/* frames.S */
extern const mcu_frame mcu_frames[];
extern const uint32_t mcu_n_frames;

static sf_stream stream;
/* Any size will do: the encoder hands out what fits. */
static uint8_t wire[32];
/* The compact form of MCU_CAPS is 6 bytes (docs/protocol.md, 9.2). */
static uint8_t caps_compact[32];
static size_t caps_compact_len;
static uint32_t next_seq;
static int need_delimiter = 1;

/* Writes what the encoder has ready to the UART. */
static sf_result
drain (void)
{
  sf_result r;
  size_t n;

  do {
    r = sf_stream_poll (&stream, wire, sizeof (wire), &n);
    uart_write (wire, n);
  } while (r == SF_STREAM_MORE);
  return r;
}

/* One packet: the payload goes into the encoder from where it lies, as
 * much as its state takes, and out to the UART before the rest. The
 * encoder's errors are sticky: one test at the end. */
static int
send_packet (const sf_header *hdr, const uint8_t *payload, size_t len)
{
  unsigned options = need_delimiter ? SF_OPT_INITIAL_DELIMITER : 0;
  sf_result r = sf_stream_begin (&stream, SF_MODE_NATIVE, options, hdr, NULL);
  size_t n;

  need_delimiter = 0;
  while (r >= 0 && len > 0) {
    r = sf_stream_sink (&stream, payload, len, &n);
    payload += n;
    len -= n;
    if (r >= 0)
      r = drain ();
  }
  if (r >= 0)
    r = sf_stream_finish (&stream);
  if (r == SF_STREAM_MORE)
    r = drain ();
  return r == SF_STREAM_DONE;
}

static int
send_caps (void)
{
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.seq = next_seq; /* CAPS carry the seq of the next DATA packet */
  if (caps_compact_len > 0) {
    hdr.caps_compact = 1;
    return send_packet (&hdr, caps_compact, caps_compact_len);
  }
  return send_packet (&hdr, (const uint8_t *) MCU_CAPS, strlen (MCU_CAPS));
}

static int
send_frame (const mcu_frame *frame, uint32_t now_ms)
{
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.seq = next_seq;
  hdr.pts = (uint64_t) now_ms * 1000000u;
  hdr.duration = (uint64_t) MCU_FRAME_MS * 1000000u;
  if (!send_packet (&hdr, frame->data, frame->size))
    return 0;
  next_seq++;
  return 1;
}

static int
send_eos (void)
{
  sf_header hdr;
  int i;

  sf_header_init (&hdr, SF_TYPE_EOS);
  hdr.seq = next_seq;
  /* A damaged EOS would leave the receiver waiting: three copies, as
   * serialsink sends. */
  for (i = 0; i < MCU_EOS_COPIES; i++)
    if (!send_packet (&hdr, NULL, 0))
      return 0;
  return 1;
}

static void
wait_until (uint32_t due_ms)
{
  while ((int32_t) (board_ticks_ms () - due_ms) < 0)
    board_idle ();
}

int
main (void)
{
  uint32_t i, start, caps_at = 0;
  int ok = 1;

  board_init (MCU_BAUD);
  if (sf_caps_compact (MCU_CAPS, strlen (MCU_CAPS), caps_compact,
          sizeof (caps_compact), &caps_compact_len) != SF_OK ||
      caps_compact_len >= strlen (MCU_CAPS))
    caps_compact_len = 0;

  start = board_ticks_ms ();
  for (i = 0; ok && i < MCU_FRAME_COUNT; i++) {
    uint32_t due = start + i * MCU_FRAME_MS;

    wait_until (due);
    if (i == 0 || due - caps_at >= MCU_CAPS_INTERVAL_MS) {
      ok = send_caps ();
      caps_at = due;
    }
    ok = ok && send_frame (&mcu_frames[i % mcu_n_frames], due);
  }
  ok = ok && send_eos ();
  uart_flush ();
  return ok ? 0 : 1;
}
