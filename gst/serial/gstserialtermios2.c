/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gst-serial: arbitrary baud rates through Linux's termios2 interface.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "gstserialtermios2.h"

#include <errno.h>
#include <sys/ioctl.h>

#ifdef __linux__
#include <asm/termbits.h>

int
gst_serial_termios2_set_speed (int fd, unsigned int rate)
{
  struct termios2 t2;

  if (ioctl (fd, TCGETS2, &t2) < 0)
    return -1;

  /* BOTHER takes the rate from c_ispeed/c_ospeed instead of a Bnnn code, so
   * standard and non-standard rates go the same way. Clearing CIBAUD makes
   * the input rate follow the output rate. */
  t2.c_cflag &= ~(CBAUD | (CBAUD << IBSHIFT));
  t2.c_cflag |= BOTHER;
  t2.c_ispeed = rate;
  t2.c_ospeed = rate;

  return ioctl (fd, TCSETS2, &t2);
}

int
gst_serial_termios2_get_speed (int fd, unsigned int *rate)
{
  struct termios2 t2;

  /* The kernel writes the rate the driver really applied into c_ospeed, so
   * this tells whether a requested rate took. */
  if (ioctl (fd, TCGETS2, &t2) < 0)
    return -1;

  *rate = t2.c_ospeed;
  return 0;
}

#else /* !__linux__ */

int
gst_serial_termios2_set_speed (int fd, unsigned int rate)
{
  errno = ENOTSUP;
  return -1;
}

int
gst_serial_termios2_get_speed (int fd, unsigned int *rate)
{
  errno = ENOTSUP;
  return -1;
}

#endif
