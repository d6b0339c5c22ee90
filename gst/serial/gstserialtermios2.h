/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: arbitrary baud rates through Linux's termios2 interface.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef __GST_SERIAL_TERMIOS2_H__
#define __GST_SERIAL_TERMIOS2_H__

/* These live in a file of their own because <asm/termbits.h>, which defines
 * struct termios2, cannot be included together with glibc's <termios.h>.
 * Both return 0 on success and -1 with errno set on failure. */
int gst_serial_termios2_set_speed (int fd, unsigned int rate);
int gst_serial_termios2_get_speed (int fd, unsigned int *rate);

#endif /* __GST_SERIAL_TERMIOS2_H__ */
