/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host stand-in for esp32-camera's esp_camera.h (and the parts of
 * sensor.h, driver/ledc.h and esp_err.h it brings in): only what the
 * esp32cam sketch uses, with the same names and field types as
 * esp32-camera 2.x, so that the sketch compiles against either. */

#ifndef ESP32CAM_STUB_ESP_CAMERA_H
#define ESP32CAM_STUB_ESP_CAMERA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int esp_err_t;
#define ESP_OK 0
#define ESP_FAIL -1

typedef enum {
  LEDC_TIMER_0,
  LEDC_TIMER_1
} ledc_timer_t;
typedef enum {
  LEDC_CHANNEL_0,
  LEDC_CHANNEL_1
} ledc_channel_t;

typedef enum {
  PIXFORMAT_RGB565,
  PIXFORMAT_YUV422,
  PIXFORMAT_YUV420,
  PIXFORMAT_GRAYSCALE,
  PIXFORMAT_JPEG
} pixformat_t;

typedef enum {
  FRAMESIZE_96X96,
  FRAMESIZE_QQVGA,
  FRAMESIZE_QCIF,
  FRAMESIZE_HQVGA,
  FRAMESIZE_240X240,
  FRAMESIZE_QVGA,
  FRAMESIZE_CIF,
  FRAMESIZE_HVGA,
  FRAMESIZE_VGA,
  FRAMESIZE_SVGA
} framesize_t;

typedef enum {
  CAMERA_GRAB_WHEN_EMPTY,
  CAMERA_GRAB_LATEST
} camera_grab_mode_t;

typedef enum {
  CAMERA_FB_IN_PSRAM,
  CAMERA_FB_IN_DRAM
} camera_fb_location_t;

typedef struct {
  int pin_pwdn;
  int pin_reset;
  int pin_xclk;
  int pin_sccb_sda;
  int pin_sccb_scl;
  int pin_d7;
  int pin_d6;
  int pin_d5;
  int pin_d4;
  int pin_d3;
  int pin_d2;
  int pin_d1;
  int pin_d0;
  int pin_vsync;
  int pin_href;
  int pin_pclk;
  int xclk_freq_hz;
  ledc_timer_t ledc_timer;
  ledc_channel_t ledc_channel;
  pixformat_t pixel_format;
  framesize_t frame_size;
  int jpeg_quality;
  size_t fb_count;
  camera_fb_location_t fb_location;
  camera_grab_mode_t grab_mode;
  int sccb_i2c_port;
} camera_config_t;

typedef struct {
  uint8_t *buf;
  size_t len;
  size_t width;
  size_t height;
  pixformat_t format;
  struct timeval timestamp;
} camera_fb_t;

esp_err_t esp_camera_init (const camera_config_t *config);
camera_fb_t *esp_camera_fb_get (void);
void esp_camera_fb_return (camera_fb_t *fb);

#ifdef __cplusplus
}
#endif

#endif /* ESP32CAM_STUB_ESP_CAMERA_H */
