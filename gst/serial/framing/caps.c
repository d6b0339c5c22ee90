/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: the compact form of caps strings (docs/protocol.md, section
 * 9.2).  A fixed table of the pieces GStreamer's caps strings are made of,
 * one byte each, as HTTP/2's HPACK has a static table of common headers:
 * jpegenc's 390-byte caps (640x480) become 15 bytes, with nothing to negotiate and
 * no state to lose on a line that drops packets. */

#include "sf-private.h"

/* Code 0x80 + i stands for sf_caps_tokens[i].  The table is part of the
 * protocol: entries are never changed or reordered; new ones would need a
 * new caps encoding, since old receivers refuse codes they do not know. */
static const char *const sf_caps_tokens[] = {
  /* 0x80 media types */
  "image/jpeg", "video/x-raw", "video/x-h264", "video/x-h265", "video/x-vp8",
  "video/x-vp9", "video/x-av1", "image/png", "audio/x-raw", "audio/x-opus",
  "application/x-rtp", "video/mpegts", "application/octet-stream",
  "video/x-bayer",
  /* 0x8E fields, often with their usual value */
  ", sof-marker=(int)0", ", width=(int)", ", height=(int)",
  ", pixel-aspect-ratio=(fraction)1/1", ", pixel-aspect-ratio=(fraction)",
  ", framerate=(fraction)", ", framerate=(fraction)0/1",
  ", interlace-mode=(string)progressive", ", interlace-mode=(string)",
  ", colorimetry=(string)", ", chroma-site=(string)jpeg",
  ", chroma-site=(string)", ", multiview-mode=(string)mono",
  ", multiview-flags=(GstVideoMultiviewFlagsSet)0:ffffffff:/right-view-first"
  "/left-flipped/left-flopped/right-flipped/right-flopped/half-aspect"
  "/mixed-mono",
  ", format=(string)", ", stream-format=(string)byte-stream",
  /* 0x9E */
  ", stream-format=(string)avc", ", stream-format=(string)",
  ", alignment=(string)au", ", alignment=(string)nal", ", profile=(string)",
  ", level=(string)", ", tier=(string)main", ", codec_data=(buffer)",
  ", coded-picture-structure=(string)frame", ", chroma-format=(string)4:2:0",
  ", chroma-format=(string)", ", bit-depth-luma=(uint)8",
  ", bit-depth-chroma=(uint)8", ", bit-depth-luma=(uint)",
  ", bit-depth-chroma=(uint)", ", parsed=(boolean)true",
  /* 0xAE */
  ", rate=(int)", ", channels=(int)", ", layout=(string)interleaved",
  ", channel-mask=(bitmask)", ", media=(string)", ", clock-rate=(int)",
  ", encoding-name=(string)", ", payload=(int)", ", packetized=(boolean)true",
  ", systemstream=(boolean)true", ", mpegversion=(int)",
  /* 0xB9 values */
  "constrained-baseline", "baseline", "main", "high", "bt601", "bt709",
  /* 0xBF */
  "bt2020", "sRGB", "1:4:0:0", "I420", "NV12", "YUY2", "UYVY", "GRAY8",
  "GRAY16_LE", "RGBx", "BGRx", "RGBA", "BGRA", "RGB", "BGR", "S16LE",
  /* 0xCF */
  "F32LE", "(int)", "(string)", "(fraction)", "(boolean)", "(uint)", "(double)",
  "(buffer)", "true", "false", "/1", "30/1", "25/1", "15/1", "60/1", "1920",
  /* 0xDF */
  "1080", "1280", "720", "640", "480", "320", "240", ", ", "video/", "audio/",
  "image/",
  /* 0xEA-0xFD reserved */
};

#define N_TOKENS (sizeof (sf_caps_tokens) / sizeof (sf_caps_tokens[0]))
#define TOKEN_FIRST 0x80
#define HEX_RUN 0xFE
#define LITERAL 0xFF
/* A hex run holds at most this many bytes, twice as many digits. */
#define HEX_RUN_MAX 255

static const char hex_digits[] = "0123456789abcdef";

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* The longest token the string starts with, or -1. */
static int
longest_token (const char *s, size_t len, size_t *token_len)
{
  size_t i, n, best_len = 0;
  int best = -1;

  for (i = 0; i < N_TOKENS; i++) {
    n = strlen (sf_caps_tokens[i]);
    if (n > best_len && n <= len && memcmp (s, sf_caps_tokens[i], n) == 0) {
      best = (int) i;
      best_len = n;
    }
  }
  *token_len = best_len;
  return best;
}

/* Digits of a buffer value: pairs of lowercase hex digits. */
static size_t
hex_pairs (const char *s, size_t len)
{
  size_t n = 0;

  while (n + 1 < len && n / 2 < HEX_RUN_MAX && hex_value (s[n]) >= 0 &&
      hex_value (s[n + 1]) >= 0)
    n += 2;
  return n / 2;
}

static int
after_buffer_type (const char *caps, size_t pos)
{
  static const char tag[] = "(buffer)";

  return pos >= sizeof (tag) - 1 &&
      memcmp (caps + pos - (sizeof (tag) - 1), tag, sizeof (tag) - 1) == 0;
}

static int
put_byte (uint8_t *out, size_t out_size, size_t *pos, uint8_t b)
{
  if (*pos >= out_size)
    return 0;
  out[(*pos)++] = b;
  return 1;
}

/* A buffer's hex digits as bytes: half the size. */
static int
put_hex_run (const char *s, size_t pairs, uint8_t *out, size_t out_size,
    size_t *pos)
{
  size_t i;

  if (!put_byte (out, out_size, pos, HEX_RUN) ||
      !put_byte (out, out_size, pos, (uint8_t) pairs))
    return 0;
  for (i = 0; i < pairs; i++) {
    if (!put_byte (out, out_size, pos,
            (uint8_t) (hex_value (s[2 * i]) << 4 | hex_value (s[2 * i + 1]))))
      return 0;
  }
  return 1;
}

sf_result
sf_caps_compact (const char *caps, size_t len, uint8_t *out, size_t out_size,
    size_t *written)
{
  size_t pos = 0, i = 0, n, pairs;
  uint8_t b;
  int t;

  if (!written)
    return SF_ERR_ARG;
  *written = 0;
  if ((!caps && len) || !out)
    return SF_ERR_ARG;
  /* An empty string may come as NULL, which memchr must not get. */
  if (len && memchr (caps, 0, len))
    return SF_ERR_ARG;
  while (i < len) {
    /* A buffer value (codec_data) is hex: two digits make one byte. */
    pairs = after_buffer_type (caps, i) ? hex_pairs (caps + i, len - i) : 0;
    while (pairs) {
      if (!put_hex_run (caps + i, pairs, out, out_size, &pos))
        return SF_ERR_OUTPUT_FULL;
      i += 2 * pairs;
      pairs = hex_pairs (caps + i, len - i);
    }
    if (i == len)
      break;
    t = longest_token (caps + i, len - i, &n);
    b = (uint8_t) caps[i];
    if (t >= 0) {
      b = (uint8_t) (TOKEN_FIRST + t);
      i += n;
    } else {
      if (b >= TOKEN_FIRST && !put_byte (out, out_size, &pos, LITERAL))
        return SF_ERR_OUTPUT_FULL;
      i++;
    }
    if (!put_byte (out, out_size, &pos, b))
      return SF_ERR_OUTPUT_FULL;
  }
  *written = pos;
  return SF_OK;
}

static int
put_chars (char *out, size_t out_size, size_t *pos, const char *s, size_t n)
{
  if (n > out_size - *pos)
    return 0;
  memcpy (out + *pos, s, n);
  *pos += n;
  return 1;
}

sf_result
sf_caps_expand (const uint8_t *in, size_t len, char *out, size_t out_size,
    size_t *written)
{
  size_t i = 0, pos = 0, n, k;
  const char *token;
  char digits[2];
  uint8_t b;

  if (!written)
    return SF_ERR_ARG;
  *written = 0;
  if ((!in && len) || !out)
    return SF_ERR_ARG;
  while (i < len) {
    b = in[i++];
    if (b == 0)
      return SF_ERR_MALFORMED;
    if (b < TOKEN_FIRST) {
      if (!put_chars (out, out_size, &pos, (const char *) &b, 1))
        return SF_ERR_LENGTH;
    } else if (b == LITERAL) {
      if (i >= len || in[i] == 0)
        return SF_ERR_MALFORMED;
      if (!put_chars (out, out_size, &pos, (const char *) &in[i++], 1))
        return SF_ERR_LENGTH;
    } else if (b == HEX_RUN) {
      if (i >= len || in[i] == 0 || in[i] > len - i - 1)
        return SF_ERR_MALFORMED;
      n = in[i++];
      for (k = 0; k < n; k++, i++) {
        digits[0] = hex_digits[in[i] >> 4];
        digits[1] = hex_digits[in[i] & 0x0F];
        if (!put_chars (out, out_size, &pos, digits, 2))
          return SF_ERR_LENGTH;
      }
    } else if ((size_t) (b - TOKEN_FIRST) < N_TOKENS) {
      token = sf_caps_tokens[b - TOKEN_FIRST];
      if (!put_chars (out, out_size, &pos, token, strlen (token)))
        return SF_ERR_LENGTH;
    } else {
      /* A code reserved for a later table. */
      return SF_ERR_MALFORMED;
    }
  }
  *written = pos;
  return SF_OK;
}
