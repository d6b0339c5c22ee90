/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial tests: virtual serial links made of pseudo-terminals.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __TEST_UTIL_H__
#define __TEST_UTIL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* One pseudo-terminal: the element opens @path (the slave side), the test
 * reads and writes @master. */
typedef struct {
  int master;
  int slave;
  gchar path[64];
} TestPty;

void test_pty_open (TestPty *pty);
void test_pty_close_master (TestPty *pty);
void test_pty_close (TestPty *pty);

/* Copies everything from one descriptor to another in a thread, like a
 * null-modem cable between two ptys. */
typedef struct _TestRelay TestRelay;

TestRelay *test_relay_start (int from_fd, int to_fd);
guint64 test_relay_stop (TestRelay *relay);

/* A relay into memory: reads @from_fd as it becomes readable. */
TestRelay *test_collector_start (int from_fd);
/* Waits until @size bytes were collected; valid until test_relay_stop(). */
GByteArray *test_collector_wait (TestRelay *relay, gsize size);

/* Waits until @fd is readable; blocks without a timeout (the test's own
 * timeout catches a hang). */
void test_wait_readable (int fd);

/* Reads exactly @size bytes from @fd. */
void test_read_exactly (int fd, guint8 *data, gsize size);

guint8 *test_random_bytes (gsize size, guint32 seed);

/* Pops the first error from @bus, waiting for it, and checks its domain and
 * code. Returns the error message text. */
gchar *test_expect_error (GstBus *bus, GQuark domain, gint code);

/* Counts the error messages of @domain left on @bus without waiting. */
guint test_count_errors (GstBus *bus, GQuark domain);

/* What an appsink received: every buffer, in order. */
typedef struct {
  GMutex lock;
  GCond cond;
  GPtrArray *buffers; /* GstBuffer */
  GByteArray *bytes;  /* all buffers' bytes, concatenated */
  GstCaps *caps;      /* the last caps seen */
  gboolean eos;
} TestReceived;

/* serialsrc port=@port framing=@framing ! appsink, collecting into @r. */
GstElement *test_make_receiver (const gchar *port, const gchar *framing,
    TestReceived *r);
/* Collects what @appsink receives into @r. */
void test_received_attach (GstElement *appsink, TestReceived *r);
void test_received_wait_bytes (TestReceived *r, gsize n);
void test_received_wait_buffers (TestReceived *r, guint n);
void test_received_wait_eos (TestReceived *r);
void test_received_clear (TestReceived *r);

/* appsrc ! serialsink port=@port framing=@framing; appsrc blocks when
 * 256 KiB are queued. */
GstElement *test_make_sender (const gchar *port, const gchar *framing,
    GstElement **appsrc);

/* The link-stats of the element @name in @bin, and one counter of them. */
GstStructure *test_link_stats (GstElement *bin, const gchar *name);
guint64 test_stat (const GstStructure *stats, const gchar *field);
/* Waits until counter @field of @name's link-stats reaches @min; fails
 * when it has not after 10 s (a hang detector). */
void test_wait_stat (GstElement *bin, const gchar *name, const gchar *field,
    guint64 min);

/* tools/serial-link-emu with --control, sides at test_emu_a() and
 * test_emu_b(); @options are further arguments (NULL: --baud 0). */
typedef struct _TestEmu TestEmu;

TestEmu *test_emu_start (const gchar *const *options);
const gchar *test_emu_a (TestEmu *emu);
const gchar *test_emu_b (TestEmu *emu);
void test_emu_command (TestEmu *emu, const gchar *command);
void test_emu_expect (TestEmu *emu, const gchar *prefix);
void test_emu_read_line (TestEmu *emu, const gchar *prefix, gchar **line);
void test_emu_stop (TestEmu *emu);

/* gst_element_set_state() that fails the test, naming the element and the
 * state, when it has not returned after TEST_HANG_SECONDS seconds (default
 * 10; the environment variable of that name raises it for valgrind). A hang
 * detector, not a timing check: a state change that returns at all returns
 * in milliseconds. */
GstStateChangeReturn test_set_state (GstElement *element, GstState state);

/* Waits for the element message @name on @bus, counting the warnings
 * passed on the way (all must be GST_RESOURCE_ERROR); fails on an error. */
guint test_wait_element_message (GstBus *bus, const gchar *name);

/* Whether this run cannot load @factory's plugin: scripts/valgrind.sh lists
 * such factories in TEST_SKIP_ELEMENTS (comma-separated) when valgrind
 * cannot run their libraries on this machine's CPU. Prints why. */
gboolean test_skip_element (const gchar *factory);

/* The streaming thread of a pipeline, as its last stream-status message
 * names it from inside that thread. */
typedef struct {
  GMutex lock;
  GCond cond;
  gint tid; /* 0 until a thread entered its loop */
} TestStreamThread;

/* Records in @st each streaming thread @pipe starts (a sync handler on its
 * bus that drops the stream-status messages). */
void test_stream_thread_watch (TestStreamThread *st, GstElement *pipe);
/* Waits until that thread sits in poll(), where the elements wait for the
 * port, as /proc/self/task/TID/syscall tells, and forgets it; fails when
 * it is not there after 10 s. */
void test_stream_thread_wait_poll (TestStreamThread *st);
/* Whether that thread sits in poll() now. */
gboolean test_stream_thread_in_poll (TestStreamThread *st);
/* Whether the thread named @name (as g_thread_new() names it, 15
 * characters at most) sits in poll() now, as the elements do when they
 * wait for the port. */
gboolean test_thread_in_poll (const gchar *name);

/* How many descriptors this process has open (/proc/self/fd). */
guint test_count_fds (void);

/* GST_CHECK_MAIN, except that a failed run ends at once when the tests run
 * in the test process itself (CK_FORK=no, as under valgrind): the failed
 * test's pipelines still play, and gst_deinit() at exit would wait for
 * their threads for ever, turning one failure into a hang. */
#define TEST_CHECK_MAIN(name)                                                  \
  int main (int argc, char **argv)                                             \
  {                                                                            \
    Suite *s;                                                                  \
                                                                               \
    gst_check_init (&argc, &argv);                                             \
    s = name##_suite ();                                                       \
    return test_check_exit (gst_check_run_suite (s, #name, __FILE__));         \
  }

/* Returns @failed; when tests failed in this process, ends it instead,
 * without the exit handlers. */
gint test_check_exit (gint failed);

G_END_DECLS

#endif /* __TEST_UTIL_H__ */
