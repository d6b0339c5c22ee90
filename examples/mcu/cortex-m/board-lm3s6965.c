/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The board: a TI Stellaris LM3S6965 (the LM3S6965 evaluation board, and
 * QEMU's lm3s6965evb machine). Clock at 50 MHz from the 8 MHz crystal and
 * the PLL, UART0 (PA0 RX, PA1 TX: the board's USB virtual COM port) 8N1,
 * SysTick every millisecond.
 *
 * Copyright (C) 2026 gst-serial developers
 */

#include "board.h"

#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *) (addr))

/* System control */
#define SYSCTL_RIS REG (0x400FE050)
#define SYSCTL_RCC REG (0x400FE060)
#define SYSCTL_RCGC1 REG (0x400FE104)
#define SYSCTL_RCGC2 REG (0x400FE108)
#define RCC_BYPASS (1u << 11)
#define RCC_USESYSDIV (1u << 22)
#define RCC_PWRDN (1u << 13)
#define RCC_OSCSRC_MASK (3u << 4)
#define RCC_XTAL_MASK (0xFu << 6)
#define RCC_XTAL_8MHZ (0xEu << 6)
#define RCC_SYSDIV_MASK (0xFu << 23)
#define RCC_SYSDIV_4 (3u << 23) /* 200 MHz PLL / 4 = 50 MHz */
#define RIS_PLLLRIS (1u << 6)
#define SYSTEM_CLOCK 50000000u

/* GPIO port A: UART0 is on PA0 and PA1 */
#define GPIOA_AFSEL REG (0x40004420)
#define GPIOA_DEN REG (0x4000451C)

/* UART0, an ARM PrimeCell PL011 */
#define UART0_DR REG (0x4000C000)
#define UART0_FR REG (0x4000C018)
#define UART0_IBRD REG (0x4000C024)
#define UART0_FBRD REG (0x4000C028)
#define UART0_LCRH REG (0x4000C02C)
#define UART0_CTL REG (0x4000C030)
#define FR_BUSY (1u << 3)
#define FR_TXFF (1u << 5)
#define LCRH_FEN (1u << 4)
#define LCRH_WLEN_8 (3u << 5)
#define CTL_UARTEN (1u << 0)
#define CTL_TXE (1u << 8)
#define CTL_RXE (1u << 9)

/* The core's SysTick */
#define SYST_CSR REG (0xE000E010)
#define SYST_RVR REG (0xE000E014)
#define SYST_CVR REG (0xE000E018)
#define CSR_ENABLE (1u << 0)
#define CSR_TICKINT (1u << 1)
#define CSR_CLKSOURCE (1u << 2)

static volatile uint32_t ticks;

void
SysTick_Handler (void)
{
  ticks++;
}

/* 50 MHz from the PLL: the internal oscillator the chip starts on is off
 * by up to 30 %, too far for a UART. */
static void
clock_init (void)
{
  uint32_t rcc = SYSCTL_RCC;

  rcc |= RCC_BYPASS;
  rcc &= ~(RCC_USESYSDIV | RCC_OSCSRC_MASK | RCC_XTAL_MASK);
  rcc |= RCC_XTAL_8MHZ;
  SYSCTL_RCC = rcc;
  rcc &= ~RCC_PWRDN;
  SYSCTL_RCC = rcc;
  rcc = (rcc & ~RCC_SYSDIV_MASK) | RCC_SYSDIV_4 | RCC_USESYSDIV;
  SYSCTL_RCC = rcc;
  while (!(SYSCTL_RIS & RIS_PLLLRIS))
    ;
  SYSCTL_RCC = rcc & ~RCC_BYPASS;
}

/* The divisor is the clock over 16 times the baud rate, in 1/64ths,
 * rounded. */
static void
uart_init (uint32_t baud)
{
  uint32_t div64 = (4 * SYSTEM_CLOCK + baud / 2) / baud;

  SYSCTL_RCGC1 |= 1u;  /* UART0 */
  SYSCTL_RCGC2 |= 1u;  /* GPIO port A */
  (void) SYSCTL_RCGC2; /* a few cycles before the peripherals answer */
  GPIOA_AFSEL |= 0x3u;
  GPIOA_DEN |= 0x3u;
  UART0_CTL = 0;
  UART0_IBRD = div64 / 64;
  UART0_FBRD = div64 % 64;
  UART0_LCRH = LCRH_WLEN_8 | LCRH_FEN; /* 8N1, 16-byte FIFOs */
  UART0_CTL = CTL_UARTEN | CTL_TXE | CTL_RXE;
}

void
board_init (uint32_t baud)
{
  clock_init ();
  uart_init (baud);
  SYST_RVR = SYSTEM_CLOCK / 1000 - 1;
  SYST_CVR = 0;
  SYST_CSR = CSR_CLKSOURCE | CSR_TICKINT | CSR_ENABLE;
}

void
uart_write (const uint8_t *data, size_t len)
{
  while (len-- > 0) {
    while (UART0_FR & FR_TXFF)
      ;
    UART0_DR = *data++;
  }
}

void
uart_flush (void)
{
  while (UART0_FR & FR_BUSY)
    ;
}

uint32_t
board_ticks_ms (void)
{
  return ticks;
}

void
board_idle (void)
{
  __asm__ volatile("wfi");
}

#ifndef MCU_SEMIHOSTING
#define MCU_SEMIHOSTING 1
#endif

void
board_log (const char *line)
{
#if MCU_SEMIHOSTING
  /* Semihosting SYS_WRITE0 (0x04): a NUL-terminated string. */
  register uint32_t r0 __asm__("r0") = 0x04;
  register const char *r1 __asm__("r1") = line;

  __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
#else
  (void) line;
#endif
}

void
board_exit (int status)
{
#if MCU_SEMIHOSTING
  /* ARM semihosting SYS_EXIT (0x18): QEMU exits, with 0 for
   * ADP_Stopped_ApplicationExit and 1 for anything else. Without a
   * debugger or QEMU, BKPT faults: build with MCU_SEMIHOSTING=0 for a
   * board. */
  register uint32_t r0 __asm__("r0") = 0x18;
  register uint32_t r1 __asm__("r1") = status == 0 ? 0x20026 : 0x20024;

  __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
#else
  (void) status;
#endif
  for (;;)
    board_idle ();
}
