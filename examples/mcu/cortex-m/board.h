/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the firmware's main loop needs from the board: a port to another
 * microcontroller provides these four and nothing else.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#ifndef MCU_BOARD_H
#define MCU_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Clocks, the UART (8N1 at @baud, transmit only) and a 1 ms tick. */
void board_init (uint32_t baud);
/* Writes @len bytes to the UART, waiting while its FIFO is full. */
void uart_write (const uint8_t *data, size_t len);
/* Waits until the UART has sent everything. */
void uart_flush (void);
/* Milliseconds since board_init(), from the tick interrupt. */
uint32_t board_ticks_ms (void);
/* Sleeps until the next interrupt. */
void board_idle (void);
/* A line for whoever runs the firmware: QEMU's standard output with
 * semihosting; nothing on a board. */
void board_log (const char *line);
/* Ends the program: under QEMU with semihosting, QEMU exits with @status;
 * on a board, the core sleeps for ever. */
void board_exit (int status) __attribute__ ((noreturn));

#endif
