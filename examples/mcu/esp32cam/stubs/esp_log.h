/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host stand-in for ESP-IDF's esp_log.h: what the esp32cam sketch uses. */

#ifndef ESP32CAM_STUB_ESP_LOG_H
#define ESP32CAM_STUB_ESP_LOG_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  ESP_LOG_NONE,
  ESP_LOG_ERROR,
  ESP_LOG_WARN,
  ESP_LOG_INFO,
  ESP_LOG_DEBUG,
  ESP_LOG_VERBOSE
} esp_log_level_t;

void esp_log_level_set (const char *tag, esp_log_level_t level);

#ifdef __cplusplus
}
#endif

#endif /* ESP32CAM_STUB_ESP_LOG_H */
