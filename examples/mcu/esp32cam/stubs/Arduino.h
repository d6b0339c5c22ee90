/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host stand-in for the few parts of the ESP32 Arduino core that the
 * esp32cam sketch uses, so that the test suite compiles it and runs it on
 * the host (examples/mcu/meson.build).  Declarations follow the ESP32
 * Arduino core 2.x; host-stubs.cpp implements them. */

#ifndef ESP32CAM_STUB_ARDUINO_H
#define ESP32CAM_STUB_ARDUINO_H

#include <stddef.h>
#include <stdint.h>

#define SERIAL_8N1 0x800001c

class HardwareSerial {
public:
  explicit HardwareSerial (int uart_nr);
  void begin (unsigned long baud, uint32_t config = SERIAL_8N1,
      int8_t rxPin = -1, int8_t txPin = -1);
  void setDebugOutput (bool enable);
  size_t write (uint8_t c);
  size_t write (const uint8_t *buffer, size_t size);

private:
  int uart_nr;
};

extern HardwareSerial Serial;
extern HardwareSerial Serial2;

unsigned long millis (void);
void delay (uint32_t ms);
bool psramFound (void);

void setup (void);
void loop (void);

#endif /* ESP32CAM_STUB_ARDUINO_H */
