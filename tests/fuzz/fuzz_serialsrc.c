/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for serialsrc's whole receiving path: bytes written into
 * a pseudo-terminal are read by the element, decoded, their caps parsed and
 * buffers made, pulled through a GstHarness.
 *
 * Copyright (C) 2026 gst-serial developers
 *
 * Input layout:
 *   byte 0: bits 0-1 framing (native, raw, cobs, slip), bit 2 a caps
 *           filter (caps=image/jpeg), bits 3-4 max-frame-size index
 *   rest:   the bytes on the line (at most FUZZ_MAX_INPUT)
 * Invariants (abort, which libFuzzer reports): every byte written is read
 * and accounted for in link-stats, and the element neither crashes nor
 * hangs.
 */

#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "gstserialsrc.h"

/* A pty takes a few KiB before its writer blocks; this one writes all of it
 * before the element reads. */
#define FUZZ_MAX_INPUT 3072
/* Bytes not consumed after this long are a hang. */
#define CONSUME_TIMEOUT_US (5 * G_USEC_PER_SEC)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf (stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,    \
          #cond);                                                              \
      abort ();                                                                \
    }                                                                          \
  } while (0)

static const gchar *framings[] = { "native", "raw", "cobs", "slip" };
static const guint frame_sizes[] = { 64, 256, 1024, 65536 };

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* Only this element is needed: keep other plugins out of the process. */
  g_setenv ("GST_PLUGIN_SYSTEM_PATH_1_0", "", TRUE);
  g_setenv ("GST_PLUGIN_PATH_1_0", "", TRUE);
  gst_init (NULL, NULL);
  REQUIRE (GST_ELEMENT_REGISTER (serialsrc, NULL));
  return 0;
}

/* Writes all of @data: a write may be cut short by a signal (libFuzzer's
 * timer) or by a full pty. */
static gboolean
write_all (int fd, const uint8_t *data, size_t size)
{
  while (size > 0) {
    ssize_t n = write (fd, data, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}

static guint64
wire_bytes (GstElement *src)
{
  GstStructure *stats;
  guint64 wire = 0;

  g_object_get (src, "link-stats", &stats, NULL);
  gst_structure_get_uint64 (stats, "wire-bytes", &wire);
  gst_structure_free (stats);
  return wire;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct termios t;
  GstElement *src;
  GstHarness *h;
  GstBuffer *buf;
  GstMessage *msg;
  GstBus *bus;
  gint64 deadline;
  char path[64];
  int master, slave;

  if (size < 1 || size - 1 > FUZZ_MAX_INPUT)
    return 0;

  cfmakeraw (&t);
  REQUIRE (openpty (&master, &slave, path, &t, NULL) == 0);

  src = gst_element_factory_make ("serialsrc", NULL);
  /* Keep reading after an EOS packet: the rest of the input counts too. */
  g_object_set (src, "port", path, "max-frame-size",
      frame_sizes[(data[0] >> 3) & 3], "forward-eos", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (src), "framing", framings[data[0] & 3]);
  if (data[0] & 4) {
    GstCaps *filter = gst_caps_from_string ("image/jpeg");

    g_object_set (src, "caps", filter, NULL);
    gst_caps_unref (filter);
  }
  bus = gst_bus_new ();
  gst_element_set_bus (src, bus);
  h = gst_harness_new_with_element (src, NULL, "src");
  gst_harness_play (h);

  REQUIRE (write_all (master, data + 1, size - 1));

  /* Every byte must be read and counted, in bounded time. */
  deadline = g_get_monotonic_time () + CONSUME_TIMEOUT_US;
  while (wire_bytes (src) < size - 1) {
    while ((buf = gst_harness_try_pull (h)))
      gst_buffer_unref (buf);
    /* An error the element reports ends the stream as it should. */
    if ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR)) != NULL) {
      gst_message_unref (msg);
      break;
    }
    REQUIRE (g_get_monotonic_time () < deadline);
    g_usleep (50);
  }
  REQUIRE (wire_bytes (src) <= size - 1);
  while ((buf = gst_harness_try_pull (h)))
    gst_buffer_unref (buf);

  gst_harness_teardown (h);
  gst_element_set_bus (src, NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  close (master);
  close (slave);
  return 0;
}
