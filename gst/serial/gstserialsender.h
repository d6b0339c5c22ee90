/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's sender thread, which sends the newest frame
 * while upstream goes on.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_SENDER_H__
#define __GST_SERIAL_SENDER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef GstFlowReturn (
    *GstSerialSendFunc) (GstBuffer *buffer, gpointer user_data);
typedef void (*GstSerialIdleFunc) (gpointer user_data);

/**
 * GstSerialSender:
 *
 * A thread that sends the frames handed to it, one at a time. A frame
 * handed over while it is idle goes as soon as it can; while a frame is on
 * its way there is room for one more, which a newer one replaces. It sends
 * only while the element plays; a flush or a stop abandons the frame being
 * sent. All fields are private and guarded by @lock.
 */
typedef struct {
  GThread *thread;
  GThread *running; /* the thread, as it knows itself */
  GMutex lock;
  GCond cond;
  GstSerialSendFunc send;
  GstSerialIdleFunc idle; /* called now and then while nothing is to go */
  GstClockTime idle_interval;
  gpointer user_data;

  GstBuffer *first;    /* the frame to send next, taken when idle */
  GstBuffer *next;     /* behind a frame being sent; newer ones replace it */
  gboolean sending;    /* a frame is being sent */
  gboolean idling;     /* the idle function runs (and counts as sending) */
  gboolean playing;    /* the element's target state is PLAYING */
  gboolean unlocked;   /* between unlock() and unlock_stop() */
  gboolean noticed;    /* the frame being sent saw the unlock */
  gboolean held;       /* the frame being sent waits to go on */
  gboolean stopping;   /* the thread is to end */
  guint flushes;       /* flushes and stops so far */
  guint frame_flushes; /* flushes when the frame being sent was taken */
  GstFlowReturn last;  /* the last send's error, for the streaming thread */
} GstSerialSender;

void gst_serial_sender_init (GstSerialSender *sender, GstSerialSendFunc send,
    gpointer user_data);
void gst_serial_sender_clear (GstSerialSender *sender);
void gst_serial_sender_set_idle (GstSerialSender *sender,
    GstSerialIdleFunc idle, GstClockTime interval);
gboolean gst_serial_sender_start (GstSerialSender *sender, const gchar *name);
void gst_serial_sender_stop (GstSerialSender *sender);

GstFlowReturn gst_serial_sender_offer (GstSerialSender *sender,
    GstBuffer *buffer, gboolean *behind, GstBuffer **replaced);
gboolean gst_serial_sender_has_next (GstSerialSender *sender);
GstFlowReturn gst_serial_sender_wait_idle (GstSerialSender *sender);

void gst_serial_sender_set_playing (GstSerialSender *sender, gboolean playing);
void gst_serial_sender_unlock (GstSerialSender *sender);
void gst_serial_sender_wait_noticed (GstSerialSender *sender);
void gst_serial_sender_unlock_stop (GstSerialSender *sender);
void gst_serial_sender_flush (GstSerialSender *sender);

gboolean gst_serial_sender_in_thread (GstSerialSender *sender);
GstFlowReturn gst_serial_sender_interrupted (GstSerialSender *sender);

G_END_DECLS

#endif /* __GST_SERIAL_SENDER_H__ */
