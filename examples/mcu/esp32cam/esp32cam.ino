// SPDX-License-Identifier: LGPL-2.1-or-later
// esp32cam: JPEG frames from an ESP32-CAM (AI-Thinker) to serialsrc over a
// UART, in gst-serial's native framing.
//
// Copyright (C) 2026 gst-serial developers
//
// The camera makes JPEG frames; each one goes out as one native packet
// (version 2: header, payload, CRC-32C, COBS, 0x00 delimiter) and the caps,
// in their compact form, go out once a second, so a receiver started at any
// time locks on within a second and needs no capsfilter:
//
//   gst-launch-1.0 serialsrc port=/dev/ttyUSB0 baud-rate=921600 ! jpegdec ! autovideosink
//
// A camera runs for ever, so there is no EOS; stop the receiver with Ctrl-C.
//
// Framing module: copy gst/serial/framing/*.{c,h} into this folder
// (copy-framing.sh does that); the Arduino builder compiles the .c files of
// the sketch folder with the sketch.  See examples/mcu/README.md.
//
// Wiring (UART0, the pins the board is flashed through):
//   ESP32-CAM U0TXD (GPIO1) -> adapter RXD
//   ESP32-CAM U0RXD (GPIO3) <- adapter TXD (only needed for flashing)
//   ESP32-CAM GND           -- adapter GND
//   5 V from a supply that gives 500 mA or more to the 5V pin.
// The ESP32 is a 3.3 V part and its pins are not 5 V tolerant: use an
// adapter with 3.3 V logic levels (or its 3.3 V jumper setting).
//
// Arduino IDE: board "AI Thinker ESP32-CAM", Tools > Core Debug Level
// "None" (log lines on UART0 would land between packets and cost frames).

#include "esp_camera.h"
#include "esp_log.h"
#include "serialframe.h"

#include <stdio.h>
#include <string.h>

// --- Settings -------------------------------------------------------------

// 921600 baud carries about 92 KB/s: some 9 QVGA frames a second at
// quality 12.  The receiver's baud-rate must be the same.
#define LINK_BAUD 921600
// 1: frames on UART2 (TX on GPIO14) instead of UART0, leaving UART0 to the
// boot and log messages.  GPIO14 and GPIO13 are SD card pins: no SD card.
#define LINK_ON_UART2 0
#define UART2_TX_PIN 14
#define UART2_RX_PIN 13

#define FRAME_SIZE FRAMESIZE_QVGA // 320x240
#define JPEG_QUALITY 12           // 0-63, lower is better and bigger
#define CAPS_INTERVAL_MS 1000
// The encoded packet goes to the UART in pieces of this many bytes.
#define WIRE_CHUNK 256

// AI-Thinker ESP32-CAM camera pins (OV2640).
#define PWDN_GPIO_NUM 32
#define RESET_GPIO_NUM -1
#define XCLK_GPIO_NUM 0
#define SIOD_GPIO_NUM 26
#define SIOC_GPIO_NUM 27
#define Y9_GPIO_NUM 35
#define Y8_GPIO_NUM 34
#define Y7_GPIO_NUM 39
#define Y6_GPIO_NUM 36
#define Y5_GPIO_NUM 21
#define Y4_GPIO_NUM 19
#define Y3_GPIO_NUM 18
#define Y2_GPIO_NUM 5
#define VSYNC_GPIO_NUM 25
#define HREF_GPIO_NUM 23
#define PCLK_GPIO_NUM 22

#if LINK_ON_UART2
#define LINK Serial2
#else
#define LINK Serial
#endif

// --- State ----------------------------------------------------------------

// No buffer holds a frame or a packet.  The frame stays in the camera's
// frame buffer, the streaming encoder (448 bytes) reads it from there a COBS
// block at a time, and the wire goes to the UART through wire[]; so a frame
// of any size goes out, and the camera's second frame buffer is all the
// extra memory streaming needs.
static sf_stream stream;
static uint8_t wire[WIRE_CHUNK];
static uint32_t next_seq;
static unsigned long caps_sent_at;
static char caps_sent[128];
static uint8_t caps_compact[sizeof (caps_sent)];
static bool camera_ok;

// --- Framing --------------------------------------------------------------

// Writes what the encoder has ready to the UART.  Serial.write() blocks
// while the UART's buffer is full, so the frame goes out at line speed.
static sf_result
drain (void)
{
  sf_result r;
  size_t n;

  do {
    r = sf_stream_poll (&stream, wire, sizeof (wire), &n);
    if (n > 0)
      LINK.write (wire, n);
  } while (r == SF_STREAM_MORE);
  return r;
}

// Streams one packet: the payload goes into the encoder straight from where
// it lies, as much as the encoder's state takes, and out to the UART before
// the rest.  The encoder's errors are sticky, so the loop needs one test.
static bool
send_packet (const sf_header *hdr, const void *payload, size_t len)
{
  const uint8_t *p = (const uint8_t *) payload;
  sf_result r = sf_stream_begin (&stream, SF_MODE_NATIVE, 0, hdr, NULL);
  size_t n;

  while (r >= 0 && len > 0) {
    r = sf_stream_sink (&stream, p, len, &n);
    p += n;
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

// The caps in their compact form when that is shorter (68 bytes of string
// become 6 or so), as serialsink sends them.
static void
send_caps (const char *caps)
{
  const void *payload = caps;
  size_t len = strlen (caps), compact_len = 0;
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_CAPS);
  hdr.seq = next_seq; // CAPS carry the seq of the next DATA packet
  if (sf_caps_compact (caps, len, caps_compact, sizeof (caps_compact),
          &compact_len) == SF_OK &&
      compact_len < len) {
    hdr.caps_compact = 1;
    payload = caps_compact;
    len = compact_len;
  }
  if (send_packet (&hdr, payload, len)) {
    strcpy (caps_sent, caps);
    caps_sent_at = millis ();
  }
}

// Caps before the first frame, on a size change and once a second.
static void
send_caps_if_due (size_t width, size_t height)
{
  char caps[sizeof (caps_sent)];

  snprintf (caps, sizeof (caps),
      "image/jpeg, width=(int)%u, height=(int)%u, framerate=(fraction)0/1",
      (unsigned) width, (unsigned) height);
  if (strcmp (caps, caps_sent) != 0 ||
      millis () - caps_sent_at >= CAPS_INTERVAL_MS)
    send_caps (caps);
}

static void
send_frame (const camera_fb_t *fb)
{
  sf_header hdr;

  sf_header_init (&hdr, SF_TYPE_DATA);
  hdr.seq = next_seq;
  // Capture time since boot: serialsrc keeps only PTS - DTS and stamps
  // frames on arrival.  No wall clock without NTP: sender_time stays NONE.
  hdr.pts = (uint64_t) fb->timestamp.tv_sec * 1000000000u +
      (uint64_t) fb->timestamp.tv_usec * 1000u;
  // Straight from the camera's frame buffer to the UART.
  if (send_packet (&hdr, fb->buf, fb->len))
    next_seq++;
}

// --- Camera ---------------------------------------------------------------

static bool
camera_init (void)
{
  camera_config_t config;

  memset (&config, 0, sizeof (config));
  config.pin_pwdn = PWDN_GPIO_NUM;
  config.pin_reset = RESET_GPIO_NUM;
  config.pin_xclk = XCLK_GPIO_NUM;
  config.pin_sccb_sda = SIOD_GPIO_NUM;
  config.pin_sccb_scl = SIOC_GPIO_NUM;
  config.pin_d7 = Y9_GPIO_NUM;
  config.pin_d6 = Y8_GPIO_NUM;
  config.pin_d5 = Y7_GPIO_NUM;
  config.pin_d4 = Y6_GPIO_NUM;
  config.pin_d3 = Y5_GPIO_NUM;
  config.pin_d2 = Y4_GPIO_NUM;
  config.pin_d1 = Y3_GPIO_NUM;
  config.pin_d0 = Y2_GPIO_NUM;
  config.pin_vsync = VSYNC_GPIO_NUM;
  config.pin_href = HREF_GPIO_NUM;
  config.pin_pclk = PCLK_GPIO_NUM;
  config.xclk_freq_hz = 20000000;
  config.ledc_timer = LEDC_TIMER_0;
  config.ledc_channel = LEDC_CHANNEL_0;
  config.pixel_format = PIXFORMAT_JPEG;
  config.frame_size = FRAME_SIZE;
  config.jpeg_quality = JPEG_QUALITY;
  // Two buffers and the latest frame: the camera fills one while the other
  // is on the line, and a frame that waited is never sent stale.
  config.fb_count = psramFound () ? 2 : 1;
  config.fb_location = psramFound () ? CAMERA_FB_IN_PSRAM : CAMERA_FB_IN_DRAM;
  config.grab_mode = CAMERA_GRAB_LATEST;
  return esp_camera_init (&config) == ESP_OK;
}

// --- Arduino --------------------------------------------------------------

void
setup ()
{
  uint8_t delimiter = SF_DELIMITER;

  // Text on the line would cost the packet it lands in.
  esp_log_level_set ("*", ESP_LOG_NONE);
#if LINK_ON_UART2
  Serial2.begin (LINK_BAUD, SERIAL_8N1, UART2_RX_PIN, UART2_TX_PIN);
#else
  Serial.begin (LINK_BAUD);
#endif
  LINK.setDebugOutput (false);
  camera_ok = camera_init ();
  // The initial delimiter: the receiver drops the boot messages it may
  // have caught and starts at the first packet.
  LINK.write (&delimiter, 1);
}

void
loop ()
{
  camera_fb_t *fb;

  if (!camera_ok) {
    // Nothing to send; a receiver sees no caps and waits.
    delay (1000);
    return;
  }
  fb = esp_camera_fb_get ();
  if (!fb)
    return;
  if (fb->format == PIXFORMAT_JPEG) {
    send_caps_if_due (fb->width, fb->height);
    send_frame (fb);
  }
  esp_camera_fb_return (fb);
}
