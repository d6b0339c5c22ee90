/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: encoders, sequence accounting and names. */

#include "sf-private.h"

/* --- Native header ----------------------------------------------------- */

sf_result
sf_header_init (sf_header *hdr, uint8_t type)
{
  if (!hdr)
    return SF_ERR_ARG;
  memset (hdr, 0, sizeof (*hdr));
  hdr->version = SF_VERSION;
  hdr->type = type;
  hdr->pts = SF_TIME_NONE;
  hdr->dts = SF_TIME_NONE;
  hdr->duration = SF_TIME_NONE;
  hdr->sender_time = SF_TIME_NONE;
  return SF_OK;
}

/* --- Sizes ------------------------------------------------------------- */

size_t
sf_encoded_max (sf_mode mode, unsigned options, size_t payload_len)
{
  int xonxoff = (options & SF_OPT_XONXOFF) != 0;

  if (payload_len > (SIZE_MAX - 2 * SF_NATIVE_OVERHEAD - 8) / 3)
    return 0;
  switch (mode) {
    case SF_MODE_NATIVE:
      return xonxoff ? SF_NATIVE_ENCODED_MAX_XONXOFF (payload_len)
                     : SF_NATIVE_ENCODED_MAX (payload_len);
    case SF_MODE_COBS:
      return xonxoff ? SF_COBS_ENCODED_MAX_XONXOFF (payload_len)
                     : SF_COBS_ENCODED_MAX (payload_len);
    case SF_MODE_SLIP:
      return SF_SLIP_ENCODED_MAX (payload_len);
    default:
      return 0;
  }
}

size_t
sf_decode_buffer_size (sf_mode mode, size_t max_payload)
{
  switch (mode) {
    case SF_MODE_NATIVE:
      if (max_payload > SIZE_MAX - SF_NATIVE_OVERHEAD)
        return 0;
      return SF_NATIVE_DECODE_BUFFER_SIZE (max_payload);
    case SF_MODE_COBS:
    case SF_MODE_SLIP:
      return max_payload;
    default:
      return 0;
  }
}

/* --- Encoders ---------------------------------------------------------- */

static void
enc_load (const sf_encoder *enc, sf_cobs_enc *c)
{
  c->dst = enc->dst;
  c->dst_size = enc->dst_size;
  c->pos = enc->pos;
  c->code_pos = enc->code_pos;
  c->code = enc->code;
  c->after_full = enc->after_full;
}

static void
enc_store (sf_encoder *enc, const sf_cobs_enc *c)
{
  enc->pos = c->pos;
  enc->code_pos = c->code_pos;
  enc->code = c->code;
  enc->after_full = c->after_full;
}

static sf_result
enc_fail (sf_encoder *enc, sf_result r)
{
  enc->error = r;
  enc->open = 0;
  return r;
}

static sf_result
enc_cobs (sf_encoder *enc, const uint8_t *data, size_t len)
{
  sf_cobs_enc c;
  sf_result r;

  enc_load (enc, &c);
  r = sf_cobs_enc_update (&c, data, len);
  enc_store (enc, &c);
  return r;
}

/* What a header may announce before its payload is written; the payload's
 * own rules are checked as it is written and at the end. */
static sf_result
check_header (const sf_header *hdr)
{
  if (hdr->version != SF_VERSION && hdr->version != SF_VERSION_1)
    return SF_ERR_VERSION;
  if (hdr->flags & ~SF_FLAGS_DEFINED)
    return SF_ERR_ARG;
  switch (hdr->type) {
    case SF_TYPE_DATA:
      return SF_OK;
    case SF_TYPE_FRAGMENT:
    case SF_TYPE_PARITY:
      return hdr->version == SF_VERSION ? SF_OK : SF_ERR_TYPE;
    case SF_TYPE_CAPS:
      if (hdr->version == SF_VERSION_1 && hdr->caps_compact)
        return SF_ERR_ARG;
      return hdr->version == SF_VERSION || hdr->payload_len <= SF_CAPS_MAX
          ? SF_OK
          : SF_ERR_LENGTH;
    case SF_TYPE_EOS:
      return hdr->version == SF_VERSION || hdr->payload_len == 0
          ? SF_OK
          : SF_ERR_LENGTH;
    default:
      /* Version 1 has no control packets. */
      return sf_type_is_control (hdr->type) && hdr->version == SF_VERSION
          ? SF_OK
          : SF_ERR_TYPE;
  }
}

sf_result
sf_pack_native_header (const sf_header *hdr, const sf_frame_ref *ref,
    uint8_t *out, size_t *len)
{
  sf_result r;

  if (!hdr)
    return SF_ERR_ARG;
  r = check_header (hdr);
  if (r != SF_OK)
    return r;
  return sf_header_encode (hdr, ref, out, SF_HEADER_MAX, len);
}

/* The native header goes first: into the CRC and through COBS. */
static sf_result
begin_native (sf_encoder *enc, const sf_header *hdr, const sf_frame_ref *ref)
{
  uint8_t packed[SF_HEADER_MAX];
  size_t len = 0;
  sf_cobs_enc c;
  sf_result r;

  r = sf_pack_native_header (hdr, ref, packed, &len);
  if (r != SF_OK)
    return r;
  enc->remaining =
      hdr->version == SF_VERSION_1 ? hdr->payload_len : sf_least_payload (hdr);
  enc->type = hdr->type;
  enc->version = hdr->version;
  enc->compact = hdr->type == SF_TYPE_CAPS && hdr->caps_compact;
  sf_control_check_init (&enc->ctl, hdr->type);
  enc->crc = sf_crc32c (0, packed, len);
  sf_cobs_enc_init (&c, enc->dst, enc->dst_size, 0);
  enc_store (enc, &c);
  return enc_cobs (enc, packed, len);
}

sf_result
sf_encoder_begin_ref (sf_encoder *enc, sf_mode mode, unsigned options,
    const sf_header *hdr, const sf_frame_ref *ref, uint8_t *dst,
    size_t dst_size)
{
  sf_cobs_enc c;
  sf_result r;

  if (!enc)
    return SF_ERR_ARG;
  memset (enc, 0, sizeof (*enc));
  enc->error = SF_ERR_STATE;
  if (!dst)
    return enc_fail (enc, SF_ERR_ARG);
  enc->dst = dst;
  enc->dst_size = dst_size;
  enc->mode = (uint8_t) mode;
  enc->options = options;

  switch (mode) {
    case SF_MODE_NATIVE:
      r = begin_native (enc, hdr, ref);
      if (r != SF_OK)
        return enc_fail (enc, r);
      break;
    case SF_MODE_COBS:
      sf_cobs_enc_init (&c, dst, dst_size, 0);
      enc_store (enc, &c);
      break;
    case SF_MODE_SLIP:
      /* The leading END flushes whatever line noise the receiver has
       * gathered since the last packet (RFC 1055). */
      if (!(options & SF_OPT_SLIP_NO_LEADING_END)) {
        if (dst_size < 1)
          return enc_fail (enc, SF_ERR_OUTPUT_FULL);
        dst[enc->pos++] = SF_SLIP_END;
      }
      break;
    default:
      return enc_fail (enc, SF_ERR_MODE);
  }
  enc->open = 1;
  enc->error = SF_OK;
  return SF_OK;
}

sf_result
sf_encoder_begin (sf_encoder *enc, sf_mode mode, unsigned options,
    const sf_header *hdr, uint8_t *dst, size_t dst_size)
{
  return sf_encoder_begin_ref (enc, mode, options, hdr, NULL, dst, dst_size);
}

/* The payload rules of a native packet, as its bytes come. */
static sf_result
check_native_write (sf_encoder *enc, const uint8_t *p, size_t len)
{
  if (enc->version == SF_VERSION_1 && len > enc->remaining)
    return SF_ERR_LENGTH;
  if (enc->type == SF_TYPE_EOS)
    return SF_ERR_LENGTH;
  if (enc->type == SF_TYPE_CAPS) {
    if (len > SF_CAPS_MAX - enc->payload)
      return SF_ERR_LENGTH;
    /* Caps are a string: a NUL would truncate it at the receiver.  The
     * compact form may hold 00 in a hex run. */
    if (!enc->compact && memchr (p, 0, len))
      return SF_ERR_ARG;
  }
  return sf_control_check_write (&enc->ctl, p, len);
}

sf_result
sf_encoder_write (sf_encoder *enc, const void *data, size_t len)
{
  const uint8_t *p = (const uint8_t *) data;
  sf_result r;

  if (!enc)
    return SF_ERR_ARG;
  if (enc->error != SF_OK)
    return enc->error;
  if (!enc->open)
    return enc_fail (enc, SF_ERR_STATE);
  if (len == 0)
    return SF_OK;
  if (!p)
    return enc_fail (enc, SF_ERR_ARG);

  switch (enc->mode) {
    case SF_MODE_NATIVE:
      r = check_native_write (enc, p, len);
      if (r != SF_OK)
        return enc_fail (enc, r);
      if (enc->version == SF_VERSION_1)
        enc->remaining -= len;
      enc->payload += len;
      enc->crc = sf_crc32c (enc->crc, p, len);
      r = enc_cobs (enc, p, len);
      break;
    case SF_MODE_COBS:
      r = enc_cobs (enc, p, len);
      break;
    default:
      r = sf_slip_escape (p, len, enc->dst, enc->dst_size, &enc->pos);
      break;
  }
  return r == SF_OK ? SF_OK : enc_fail (enc, r);
}

sf_result
sf_encoder_finish (sf_encoder *enc, size_t *written)
{
  sf_cobs_enc c;
  sf_result r = SF_OK;
  uint8_t crc[SF_CRC_SIZE];

  if (!enc || !written)
    return SF_ERR_ARG;
  *written = 0;
  if (enc->error != SF_OK)
    return enc->error;
  if (!enc->open)
    return enc_fail (enc, SF_ERR_STATE);

  if (enc->mode == SF_MODE_NATIVE) {
    if (enc->version == SF_VERSION_1 ? enc->remaining != 0
                                     : enc->payload < enc->remaining)
      return enc_fail (enc, SF_ERR_LENGTH);
    r = sf_control_check_write_end (&enc->ctl);
    if (r != SF_OK)
      return enc_fail (enc, r);
    sf_put_le32 (crc, enc->crc);
    r = enc_cobs (enc, crc, sizeof (crc));
  }
  if (r == SF_OK && enc->mode != SF_MODE_SLIP) {
    enc_load (enc, &c);
    r = sf_cobs_enc_finish (&c);
    enc_store (enc, &c);
  }
  if (r == SF_OK && (enc->options & SF_OPT_XONXOFF))
    r = sf_xonxoff_escape_in_place (enc->dst, enc->dst_size, 0, &enc->pos);
  if (r == SF_OK && enc->pos >= enc->dst_size)
    r = SF_ERR_OUTPUT_FULL;
  if (r != SF_OK)
    return enc_fail (enc, r);
  enc->dst[enc->pos++] = enc->mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
  enc->open = 0;
  enc->error = SF_ERR_STATE;
  *written = enc->pos;
  return SF_OK;
}

sf_result
sf_encode_native_iov (const sf_header *hdr, const sf_iovec *iov,
    size_t iov_count, unsigned options, uint8_t *dst, size_t dst_size,
    size_t *written)
{
  sf_encoder enc;
  sf_header h;
  size_t total = 0, i;
  sf_result r;

  if (!written)
    return SF_ERR_ARG;
  *written = 0;
  if (!hdr || (!iov && iov_count))
    return SF_ERR_ARG;
  for (i = 0; i < iov_count; i++) {
    if (!iov[i].data && iov[i].len)
      return SF_ERR_ARG;
    if (iov[i].len > UINT32_MAX - total)
      return SF_ERR_LENGTH;
    total += iov[i].len;
  }
  h = *hdr;
  h.payload_len = (uint32_t) total;
  r = sf_encoder_begin (&enc, SF_MODE_NATIVE, options, &h, dst, dst_size);
  for (i = 0; r == SF_OK && i < iov_count; i++)
    r = sf_encoder_write (&enc, iov[i].data, iov[i].len);
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, written);
  return r;
}

sf_result
sf_encode_native (const sf_header *hdr, const void *payload, size_t len,
    unsigned options, uint8_t *dst, size_t dst_size, size_t *written)
{
  sf_iovec iov;

  iov.data = payload;
  iov.len = len;
  return sf_encode_native_iov (hdr, &iov, 1, options, dst, dst_size, written);
}

static sf_result
encode_simple (sf_mode mode, const void *payload, size_t len, unsigned options,
    uint8_t *dst, size_t dst_size, size_t *written)
{
  sf_encoder enc;
  sf_result r;

  if (!written)
    return SF_ERR_ARG;
  *written = 0;
  if (!payload && len)
    return SF_ERR_ARG;
  r = sf_encoder_begin (&enc, mode, options, NULL, dst, dst_size);
  if (r == SF_OK)
    r = sf_encoder_write (&enc, payload, len);
  if (r == SF_OK)
    r = sf_encoder_finish (&enc, written);
  return r;
}

sf_result
sf_encode_cobs (const void *payload, size_t len, unsigned options, uint8_t *dst,
    size_t dst_size, size_t *written)
{
  return encode_simple (SF_MODE_COBS, payload, len, options, dst, dst_size,
      written);
}

sf_result
sf_encode_slip (const void *payload, size_t len, unsigned options, uint8_t *dst,
    size_t dst_size, size_t *written)
{
  return encode_simple (SF_MODE_SLIP, payload, len, options, dst, dst_size,
      written);
}

sf_result
sf_write_delimiter (sf_mode mode, uint8_t *dst, size_t dst_size,
    size_t *written)
{
  if (!written)
    return SF_ERR_ARG;
  *written = 0;
  if (!dst)
    return SF_ERR_ARG;
  if (mode != SF_MODE_NATIVE && mode != SF_MODE_COBS && mode != SF_MODE_SLIP)
    return SF_ERR_MODE;
  if (dst_size < 1)
    return SF_ERR_OUTPUT_FULL;
  dst[0] = mode == SF_MODE_SLIP ? SF_SLIP_END : SF_DELIMITER;
  *written = 1;
  return SF_OK;
}

/* --- Sequence accounting ---------------------------------------------- */

void
sf_seq_tracker_init (sf_seq_tracker *t)
{
  if (t)
    memset (t, 0, sizeof (*t));
}

uint32_t
sf_seq_tracker_update (sf_seq_tracker *t, const sf_header *hdr)
{
  uint32_t mask, ahead, lost = 0;

  if (!t || !hdr ||
      (!sf_type_is_frame (hdr->type) && hdr->type != SF_TYPE_CAPS &&
          hdr->type != SF_TYPE_EOS))
    return 0;
  /* Version 2 numbers frames in 16 bits, version 1 in 32: a sender that
   * changes version is a new sender. */
  mask = hdr->version == SF_VERSION_1 ? UINT32_MAX : SF_SEQ_MASK;
  if (t->valid && t->version != hdr->version) {
    t->restarts++;
    t->valid = 0;
  }
  /* Another piece of the frame just counted. */
  if (t->valid && sf_type_is_piece (hdr->type) &&
      ((hdr->seq + 1) & mask) == t->expected)
    return 0;
  if (t->valid) {
    /* Unsigned difference: wraps correctly at the mask. */
    ahead = (hdr->seq - t->expected) & mask;
    if (ahead > mask / 2)
      t->restarts++;
    else
      lost = ahead;
  }
  t->valid = 1;
  t->version = hdr->version;
  /* Every piece of frame s carries s; the next frame is s + 1. */
  t->expected =
      sf_type_is_frame (hdr->type) ? (hdr->seq + 1) & mask : hdr->seq & mask;
  t->lost += lost;
  return lost;
}

/* --- Names ------------------------------------------------------------- */

const char *
sf_result_name (sf_result r)
{
  switch (r) {
    case SF_ERR_ARG:
      return "invalid-argument";
    case SF_ERR_MODE:
      return "unsupported-mode";
    case SF_ERR_OUTPUT_FULL:
      return "output-full";
    case SF_ERR_LENGTH:
      return "bad-length";
    case SF_ERR_VERSION:
      return "bad-version";
    case SF_ERR_TYPE:
      return "bad-type";
    case SF_ERR_CRC:
      return "crc-mismatch";
    case SF_ERR_MALFORMED:
      return "malformed";
    case SF_ERR_STATE:
      return "bad-state";
    case SF_ERR_UNSUPPORTED:
      return "unsupported";
    case SF_OK:
      return "ok";
    case SF_DEC_NEED_MORE:
      return "need-more";
    case SF_DEC_PACKET:
      return "packet";
    case SF_STREAM_MORE:
      return "stream-more";
    case SF_STREAM_DONE:
      return "stream-done";
  }
  return "unknown";
}

const char *
sf_mode_name (sf_mode mode)
{
  switch (mode) {
    case SF_MODE_NATIVE:
      return "native";
    case SF_MODE_RAW:
      return "raw";
    case SF_MODE_COBS:
      return "cobs";
    case SF_MODE_SLIP:
      return "slip";
  }
  return "unknown";
}

const char *
sf_type_name (uint8_t type)
{
  switch (type) {
    case SF_TYPE_DATA:
      return "DATA";
    case SF_TYPE_CAPS:
      return "CAPS";
    case SF_TYPE_EOS:
      return "EOS";
    case SF_TYPE_FRAGMENT:
      return "FRAGMENT";
    case SF_TYPE_PARITY:
      return "PARITY";
    case SF_TYPE_SKIP:
      return "SKIP";
    case SF_TYPE_REPORT:
      return "REPORT";
    case SF_TYPE_NACK:
      return "NACK";
    case SF_TYPE_KEY_REQUEST:
      return "KEY_REQUEST";
    case SF_TYPE_CAPS_REQUEST:
      return "CAPS_REQUEST";
  }
  if (type >= SF_TYPE_CONTROL_FIRST && type <= SF_TYPE_CONTROL_LAST)
    return "CONTROL";
  return "RESERVED";
}
