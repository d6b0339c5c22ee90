/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: serialsink's sender thread, which sends the newest frame
 * while upstream goes on.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstserialsender.h"

/* Why a thread: a live source blocked while the line carries a frame
 * renders the frames it owes once let go, and the line idles meanwhile
 * (about a tenth of a slow line). With the sending here, the streaming
 * thread keeps taking frames, and the newest is ready when the line is
 * free.
 *
 * How it stops: the element's unlock() makes the port's waits return
 * FLUSHING, which the send function hands to
 * gst_serial_sender_interrupted(). A pause (unlock() and unlock_stop() in
 * quick succession) must not slip past a frame being written between two
 * waits, so unlock_stop() first waits until that frame noticed it
 * (gst_serial_sender_wait_noticed()), with the port still flushing. */

/* Waits for something to do; returns TRUE when, playing and with nothing
 * to send, the idle interval passed. Call with the lock. */
static gboolean
gst_serial_sender_wait (GstSerialSender *sender)
{
  gint64 end;

  if (sender->idle == NULL || !sender->playing || sender->unlocked) {
    g_cond_wait (&sender->cond, &sender->lock);
    return FALSE;
  }
  end = g_get_monotonic_time () + sender->idle_interval / GST_USECOND;
  return !g_cond_wait_until (&sender->cond, &sender->lock, end);
}

/* The idle function, as if it were a frame being sent: a pause or stop
 * interrupts it the same way. Call with the lock. */
static void
gst_serial_sender_idle (GstSerialSender *sender)
{
  if (sender->stopping || sender->unlocked || !sender->playing ||
      sender->first || sender->next)
    return;
  sender->sending = TRUE;
  sender->idling = TRUE;
  sender->frame_flushes = sender->flushes;
  g_mutex_unlock (&sender->lock);

  sender->idle (sender->user_data);

  g_mutex_lock (&sender->lock);
  sender->idling = FALSE;
  sender->sending = FALSE;
  sender->noticed = TRUE;
  g_cond_broadcast (&sender->cond);
}

static gpointer
gst_serial_sender_loop (gpointer data)
{
  GstSerialSender *sender = data;
  GstBuffer *buffer;
  GstFlowReturn ret;

  g_mutex_lock (&sender->lock);
  sender->running = g_thread_self ();
  for (;;) {
    while (!sender->stopping &&
        ((sender->first == NULL && sender->next == NULL) || !sender->playing ||
            sender->unlocked)) {
      if (gst_serial_sender_wait (sender))
        gst_serial_sender_idle (sender);
    }
    if (sender->stopping)
      break;
    if (sender->first) {
      buffer = sender->first;
      sender->first = NULL;
    } else {
      buffer = sender->next;
      sender->next = NULL;
    }
    sender->sending = TRUE;
    sender->frame_flushes = sender->flushes;
    g_mutex_unlock (&sender->lock);

    ret = sender->send (buffer, sender->user_data);
    gst_buffer_unref (buffer);

    g_mutex_lock (&sender->lock);
    sender->sending = FALSE;
    sender->noticed = TRUE;
    if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING)
      sender->last = ret;
    g_cond_broadcast (&sender->cond);
  }
  sender->running = NULL;
  g_mutex_unlock (&sender->lock);
  return NULL;
}

/**
 * gst_serial_sender_init:
 * @send: sends one frame, in the sender's thread
 *
 * Sets up a sender; its thread starts with gst_serial_sender_start().
 */
void
gst_serial_sender_init (GstSerialSender *sender, GstSerialSendFunc send,
    gpointer user_data)
{
  g_mutex_init (&sender->lock);
  g_cond_init (&sender->cond);
  sender->thread = sender->running = NULL;
  sender->send = send;
  sender->idle = NULL;
  sender->idle_interval = 0;
  sender->user_data = user_data;
  sender->first = sender->next = NULL;
  sender->sending = sender->playing = sender->unlocked = FALSE;
  sender->idling = FALSE;
  sender->held = FALSE;
  sender->noticed = TRUE;
  sender->stopping = FALSE;
  sender->flushes = sender->frame_flushes = 0;
  sender->last = GST_FLOW_OK;
}

void
gst_serial_sender_clear (GstSerialSender *sender)
{
  g_assert (sender->thread == NULL);
  gst_clear_buffer (&sender->first);
  gst_clear_buffer (&sender->next);
  g_mutex_clear (&sender->lock);
  g_cond_clear (&sender->cond);
}

/**
 * gst_serial_sender_set_idle:
 * @idle: called in the sender's thread every @interval while it plays with
 *     nothing to send; it may write, and is interrupted as a frame is
 *
 * Call before gst_serial_sender_start().
 */
void
gst_serial_sender_set_idle (GstSerialSender *sender, GstSerialIdleFunc idle,
    GstClockTime interval)
{
  sender->idle = idle;
  sender->idle_interval = interval;
}

/**
 * gst_serial_sender_start:
 *
 * Starts the thread. Returns FALSE when it could not be created.
 */
gboolean
gst_serial_sender_start (GstSerialSender *sender, const gchar *name)
{
  g_mutex_lock (&sender->lock);
  sender->stopping = FALSE;
  sender->unlocked = FALSE;
  sender->noticed = TRUE;
  sender->last = GST_FLOW_OK;
  g_mutex_unlock (&sender->lock);

  sender->thread =
      g_thread_try_new (name, gst_serial_sender_loop, sender, NULL);
  return sender->thread != NULL;
}

/**
 * gst_serial_sender_stop:
 *
 * Ends the thread and forgets the next frame. The port's waits must be
 * flushing, so that a frame being sent is given up at once.
 */
void
gst_serial_sender_stop (GstSerialSender *sender)
{
  g_mutex_lock (&sender->lock);
  sender->stopping = TRUE;
  sender->flushes++;
  gst_clear_buffer (&sender->first);
  gst_clear_buffer (&sender->next);
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);

  if (sender->thread)
    g_thread_join (sender->thread);
  sender->thread = NULL;
}

/**
 * gst_serial_sender_offer:
 * @buffer: (transfer none): the frame
 * @behind: (out): whether it waits behind a frame on its way
 * @replaced: (out) (transfer full): the frame it replaces, which was
 *   waiting behind that one and will not be sent, or NULL
 *
 * Hands @buffer over to be sent. Returns the error of an earlier send
 * (posted then), or OK.
 */
GstFlowReturn
gst_serial_sender_offer (GstSerialSender *sender, GstBuffer *buffer,
    gboolean *behind, GstBuffer **replaced)
{
  GstFlowReturn ret;

  g_mutex_lock (&sender->lock);
  ret = sender->last;
  *replaced = NULL;
  *behind = sender->sending || sender->first != NULL;
  if (ret != GST_FLOW_OK) {
    /* The error was posted; nothing more goes. */
  } else if (*behind) {
    *replaced = sender->next;
    sender->next = gst_buffer_ref (buffer);
  } else {
    sender->first = gst_buffer_ref (buffer);
  }
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);
  return ret;
}

/**
 * gst_serial_sender_has_next:
 *
 * Whether a frame waits behind the one on its way.
 */
gboolean
gst_serial_sender_has_next (GstSerialSender *sender)
{
  gboolean has;

  g_mutex_lock (&sender->lock);
  has = sender->next != NULL;
  g_mutex_unlock (&sender->lock);
  return has;
}

/**
 * gst_serial_sender_wait_idle:
 *
 * For the streaming thread, before it writes to the port itself: waits
 * until the sender has sent everything. Returns OK then, or the error of a
 * send; FLUSHING when unlock() came first (a pause, a flush or a stop), for
 * the caller to wait as after any interrupted wait and to call this again.
 */
GstFlowReturn
gst_serial_sender_wait_idle (GstSerialSender *sender)
{
  GstFlowReturn ret;

  g_mutex_lock (&sender->lock);
  while ((sender->first || sender->next || sender->sending) &&
      !sender->unlocked && !sender->stopping)
    g_cond_wait (&sender->cond, &sender->lock);
  if (sender->first || sender->next || sender->sending)
    ret = GST_FLOW_FLUSHING;
  else
    ret = sender->last;
  g_mutex_unlock (&sender->lock);
  return ret;
}

/**
 * gst_serial_sender_set_playing:
 *
 * Frames are sent only while the element plays; call on the way to
 * PLAYING, and before PLAYING to PAUSED.
 */
void
gst_serial_sender_set_playing (GstSerialSender *sender, gboolean playing)
{
  g_mutex_lock (&sender->lock);
  sender->playing = playing;
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);
}

/**
 * gst_serial_sender_unlock:
 *
 * From the element's unlock(), with the port's waits flushing.
 */
void
gst_serial_sender_unlock (GstSerialSender *sender)
{
  g_mutex_lock (&sender->lock);
  sender->unlocked = TRUE;
  sender->noticed = !sender->sending || sender->held;
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);
}

/**
 * gst_serial_sender_wait_noticed:
 *
 * From the element's unlock_stop(), before the port's waits stop
 * flushing: waits until the frame being sent saw the unlock (at its next
 * wait on the port, or its end).
 */
void
gst_serial_sender_wait_noticed (GstSerialSender *sender)
{
  g_mutex_lock (&sender->lock);
  while (!sender->noticed && !sender->stopping)
    g_cond_wait (&sender->cond, &sender->lock);
  g_mutex_unlock (&sender->lock);
}

/**
 * gst_serial_sender_unlock_stop:
 *
 * From the element's unlock_stop(), once the port's waits no longer
 * flush: the sender may go on.
 */
void
gst_serial_sender_unlock_stop (GstSerialSender *sender)
{
  g_mutex_lock (&sender->lock);
  sender->unlocked = FALSE;
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);
}

/**
 * gst_serial_sender_flush:
 *
 * A flush: the next frame is forgotten and the frame being sent given up.
 * Call before the element's unlock().
 */
void
gst_serial_sender_flush (GstSerialSender *sender)
{
  g_mutex_lock (&sender->lock);
  sender->flushes++;
  gst_clear_buffer (&sender->first);
  gst_clear_buffer (&sender->next);
  g_cond_broadcast (&sender->cond);
  g_mutex_unlock (&sender->lock);
}

/**
 * gst_serial_sender_in_thread:
 *
 * Whether the caller runs in the sender's thread.
 */
gboolean
gst_serial_sender_in_thread (GstSerialSender *sender)
{
  GThread *self = g_thread_self ();
  gboolean in;

  g_mutex_lock (&sender->lock);
  in = sender->running == self;
  g_mutex_unlock (&sender->lock);
  return in;
}

/**
 * gst_serial_sender_interrupted:
 *
 * In the sender's thread, after unlock() interrupted a wait on the port:
 * waits until the element plays again (a pause) and returns OK, to go on
 * where the wait stopped, or returns FLUSHING (a flush or a stop) to give
 * the frame up.
 */
GstFlowReturn
gst_serial_sender_interrupted (GstSerialSender *sender)
{
  GstFlowReturn ret;

  g_mutex_lock (&sender->lock);
  sender->noticed = TRUE;
  /* The idle function gives up at once: it may hold what the streaming
   * thread needs to get past a pause or a stop. */
  if (sender->idling) {
    g_cond_broadcast (&sender->cond);
    g_mutex_unlock (&sender->lock);
    return GST_FLOW_FLUSHING;
  }
  sender->held = TRUE;
  g_cond_broadcast (&sender->cond);
  while (!sender->stopping && sender->frame_flushes == sender->flushes &&
      (sender->unlocked || !sender->playing))
    g_cond_wait (&sender->cond, &sender->lock);
  sender->held = FALSE;
  ret = sender->stopping || sender->frame_flushes != sender->flushes
      ? GST_FLOW_FLUSHING
      : GST_FLOW_OK;
  g_mutex_unlock (&sender->lock);
  return ret;
}
