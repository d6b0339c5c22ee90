/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the esp32cam sketch on the host: the camera hands out JPEG files,
 * the UART is standard output, and the clock is simulated (a 10 frames per
 * second camera), so that a run is deterministic.
 *
 *   ESP32CAM_STUB_FRAMES  JPEG files separated by ':', handed out in turn
 *   ESP32CAM_STUB_SIZE    their size, WxH (default 160x120)
 *   ESP32CAM_STUB_LOOPS   calls of loop() before exiting (default 10)
 */

#include "Arduino.h"
#include "esp_camera.h"
#include "esp_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STUB_FRAME_MS 100
#define STUB_MAX_FILES 64
#define STUB_MAX_FRAME (1024 * 1024)

HardwareSerial Serial (0);
HardwareSerial Serial2 (2);

static unsigned long now_ms;
static char *files[STUB_MAX_FILES];
static int n_files, next_file;
static camera_fb_t frame;
static bool frame_out;

HardwareSerial::HardwareSerial (int nr) : uart_nr (nr)
{
}

void
HardwareSerial::begin (unsigned long baud, uint32_t config, int8_t rxPin,
    int8_t txPin)
{
  (void) baud;
  (void) config;
  (void) rxPin;
  (void) txPin;
}

void
HardwareSerial::setDebugOutput (bool enable)
{
  (void) enable;
}

size_t
HardwareSerial::write (uint8_t c)
{
  return write (&c, 1);
}

size_t
HardwareSerial::write (const uint8_t *buffer, size_t size)
{
  (void) uart_nr;
  return fwrite (buffer, 1, size, stdout);
}

unsigned long
millis (void)
{
  return now_ms;
}

void
delay (uint32_t ms)
{
  now_ms += ms;
}

bool
psramFound (void)
{
  return true;
}

void
esp_log_level_set (const char *tag, esp_log_level_t level)
{
  (void) tag;
  (void) level;
}

esp_err_t
esp_camera_init (const camera_config_t *config)
{
  const char *list = getenv ("ESP32CAM_STUB_FRAMES");
  const char *size = getenv ("ESP32CAM_STUB_SIZE");
  unsigned w = 160, h = 120;
  char *copy, *tok;

  if (config->pixel_format != PIXFORMAT_JPEG || !list)
    return ESP_FAIL;
  if (size && sscanf (size, "%ux%u", &w, &h) != 2)
    return ESP_FAIL;
  copy = strdup (list);
  for (tok = strtok (copy, ":"); tok && n_files < STUB_MAX_FILES;
       tok = strtok (NULL, ":"))
    files[n_files++] = tok;
  frame.buf = (uint8_t *) malloc (STUB_MAX_FRAME);
  frame.width = w;
  frame.height = h;
  frame.format = PIXFORMAT_JPEG;
  return n_files > 0 && frame.buf ? ESP_OK : ESP_FAIL;
}

camera_fb_t *
esp_camera_fb_get (void)
{
  FILE *f;

  if (frame_out)
    return NULL;
  now_ms += STUB_FRAME_MS;
  f = fopen (files[next_file], "rb");
  next_file = (next_file + 1) % n_files;
  if (!f)
    return NULL;
  frame.len = fread (frame.buf, 1, STUB_MAX_FRAME, f);
  fclose (f);
  frame.timestamp.tv_sec = (time_t) (now_ms / 1000);
  frame.timestamp.tv_usec = (suseconds_t) (now_ms % 1000 * 1000);
  frame_out = true;
  return &frame;
}

void
esp_camera_fb_return (camera_fb_t *fb)
{
  if (fb == &frame)
    frame_out = false;
}

int
main (void)
{
  const char *env = getenv ("ESP32CAM_STUB_LOOPS");
  long loops = env ? strtol (env, NULL, 10) : 10;

  setup ();
  while (loops-- > 0)
    loop ();
  return fflush (stdout) == 0 ? 0 : 1;
}
