/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up code for a Cortex-M3: the vector table, and a reset handler that
 * sets up C's memory (.data from flash, .bss zeroed) and runs main().
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "board.h"

#include <stdint.h>

/* From the linker script. */
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _sstack, _estack;

#define STACK_PAINT 0xA5A5A5A5u

int main (void);
void Reset_Handler (void);
void SysTick_Handler (void);

/* A fault or an unexpected interrupt: under QEMU, exit with a failure
 * rather than hang the test. */
static void
Default_Handler (void)
{
  board_exit (2);
}

/* The core's 16 exceptions; no peripheral interrupt is enabled. */
__attribute__ ((section (".vectors"), used)) static void (*const vectors[16]) (
    void) = {
  (void (*) (void)) & _estack, /* initial stack pointer */
  Reset_Handler,
  Default_Handler, /* NMI */
  Default_Handler, /* HardFault */
  Default_Handler, /* MemManage */
  Default_Handler, /* BusFault */
  Default_Handler, /* UsageFault */
  0,
  0,
  0,
  0,               /* reserved */
  Default_Handler, /* SVCall */
  Default_Handler, /* DebugMonitor */
  0,               /* reserved */
  Default_Handler, /* PendSV */
  SysTick_Handler,
};

/* The stack below this function's frame gets a pattern, so that what main()
 * used can be told at its end: the stack the firmware reserves is then a
 * measured figure, not a guess. */
static void
paint_stack (void)
{
  uint32_t *p = &_sstack, *sp;

  __asm__ volatile("mov %0, sp" : "=r"(sp));
  while (p < sp - 16)
    *p++ = STACK_PAINT;
}

static uint32_t
stack_used (void)
{
  const uint32_t *p = &_sstack;

  while (p < &_estack && *p == STACK_PAINT)
    p++;
  return (uint32_t) (&_estack - p) * 4;
}

/* "firmware: stack used N of M bytes" through board_log(). */
static void
log_stack (void)
{
  static const char head[] = "firmware: stack used ";
  char line[64], *q = line;
  uint32_t values[2], v, div;
  int i;

  values[0] = stack_used ();
  values[1] = (uint32_t) (&_estack - &_sstack) * 4;
  for (i = 0; head[i]; i++)
    *q++ = head[i];
  for (i = 0; i < 2; i++) {
    v = values[i];
    for (div = 1; v / div >= 10; div *= 10)
      ;
    for (; div > 0; div /= 10)
      *q++ = (char) ('0' + v / div % 10);
    if (i == 0)
      for (const char *of = " of "; *of; of++)
        *q++ = *of;
  }
  for (const char *tail = " bytes\n"; *tail; tail++)
    *q++ = *tail;
  *q = '\0';
  board_log (line);
}

void
Reset_Handler (void)
{
  uint32_t *src = &_sidata, *dst;
  int status;

  for (dst = &_sdata; dst < &_edata;)
    *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;)
    *dst++ = 0;
  paint_stack ();
  status = main ();
  log_stack ();
  board_exit (status);
}
