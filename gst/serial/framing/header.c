/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: the native header, both versions, and the frames that
 * version 2 fields refer to (docs/protocol.md, sections 3 to 8). */

#include "sf-private.h"

/* --- Version 1 --------------------------------------------------------- */

/* Version 1 numbers its types from 1; version 2 (and the host) from 0. */
static int
v1_wire_type (uint8_t type)
{
  switch (type) {
    case SF_TYPE_DATA:
      return SF_V1_TYPE_DATA;
    case SF_TYPE_CAPS:
      return SF_V1_TYPE_CAPS;
    case SF_TYPE_EOS:
      return SF_V1_TYPE_EOS;
    case SF_TYPE_FRAGMENT:
      return SF_V1_TYPE_DATA_FRAGMENT;
    default:
      return -1;
  }
}

static uint8_t
v1_host_type (uint8_t wire)
{
  switch (wire) {
    case SF_V1_TYPE_DATA:
      return SF_TYPE_DATA;
    case SF_V1_TYPE_CAPS:
      return SF_TYPE_CAPS;
    case SF_V1_TYPE_EOS:
      return SF_TYPE_EOS;
    default:
      /* Reserved in version 1, DATA_FRAGMENT included: never delivered. */
      return SF_TYPE_INVALID;
  }
}

sf_result
sf_header_pack (const sf_header *hdr, uint8_t *out, size_t out_size)
{
  int type;

  if (!hdr || !out)
    return SF_ERR_ARG;
  if (out_size < SF_V1_HEADER_SIZE)
    return SF_ERR_OUTPUT_FULL;
  type = v1_wire_type (hdr->type);
  if (type < 0)
    return SF_ERR_TYPE;
  out[SF_OFF_VERSION] = hdr->version;
  out[SF_OFF_TYPE] = (uint8_t) type;
  sf_put_le16 (out + SF_OFF_FLAGS, hdr->flags);
  sf_put_le32 (out + SF_OFF_SEQ, hdr->seq);
  sf_put_le64 (out + SF_OFF_PTS, hdr->pts);
  sf_put_le64 (out + SF_OFF_DTS, hdr->dts);
  sf_put_le64 (out + SF_OFF_DURATION, hdr->duration);
  sf_put_le64 (out + SF_OFF_SENDER_TIME, hdr->sender_time);
  sf_put_le32 (out + SF_OFF_PAYLOAD_LEN, hdr->payload_len);
  return SF_OK;
}

sf_result
sf_header_unpack (const uint8_t *in, size_t in_size, sf_header *hdr)
{
  if (!in || !hdr)
    return SF_ERR_ARG;
  if (in_size < SF_V1_HEADER_SIZE)
    return SF_ERR_LENGTH;
  memset (hdr, 0, sizeof (*hdr));
  hdr->version = in[SF_OFF_VERSION];
  hdr->type = v1_host_type (in[SF_OFF_TYPE]);
  hdr->flags = sf_get_le16 (in + SF_OFF_FLAGS);
  hdr->seq = sf_get_le32 (in + SF_OFF_SEQ);
  hdr->pts = sf_get_le64 (in + SF_OFF_PTS);
  hdr->dts = sf_get_le64 (in + SF_OFF_DTS);
  hdr->duration = sf_get_le64 (in + SF_OFF_DURATION);
  hdr->sender_time = sf_get_le64 (in + SF_OFF_SENDER_TIME);
  hdr->payload_len = sf_get_le32 (in + SF_OFF_PAYLOAD_LEN);
  hdr->header_len = SF_V1_HEADER_SIZE;
  return hdr->version == SF_VERSION_1 ? SF_OK : SF_ERR_VERSION;
}

/* --- Frames referred to ------------------------------------------------ */

void
sf_frame_ref_init (sf_frame_ref *ref)
{
  if (ref)
    memset (ref, 0, sizeof (*ref));
}

void
sf_frame_ref_update (sf_frame_ref *ref, const sf_header *hdr)
{
  if (!ref || !hdr)
    return;
  /* A version 1 packet comes from another sender (section 12): its frames
   * are nobody's previous frame, and neither are those before it. */
  if (hdr->version != SF_VERSION) {
    sf_frame_ref_init (ref);
    return;
  }
  if (!sf_type_is_frame (hdr->type))
    return;
  /* Every piece of a frame carries the frame's fields: remember the
   * frame once, so that the one before it stays known. */
  if (ref->frame[0].valid && ref->frame[0].seq == hdr->seq &&
      ref->frame[0].stream == hdr->stream)
    return;
  /* A repair of an older frame (section 8.3) is not the previous frame of
   * the frames that follow; one far older comes from a restarted sender. */
  if (ref->frame[0].valid && ref->frame[0].stream == hdr->stream &&
      ((ref->frame[0].seq - hdr->seq) & SF_SEQ_MASK) <= SF_REF_REPAIR_WINDOW)
    return;
  ref->frame[1] = ref->frame[0];
  ref->frame[0].valid = 1;
  ref->frame[0].stream = hdr->stream;
  ref->frame[0].seq = hdr->seq;
  ref->frame[0].pts = hdr->pts;
  ref->frame[0].duration = hdr->duration;
}

/* The frame before frame seq of stream, when remembered. */
static int
previous_frame (const sf_frame_ref *ref, uint32_t stream, uint32_t seq,
    uint64_t *pts, uint64_t *duration)
{
  int i;

  if (!ref)
    return 0;
  for (i = 0; i < 2; i++) {
    if (ref->frame[i].valid && ref->frame[i].stream == stream &&
        ((ref->frame[i].seq + 1) & SF_SEQ_MASK) == (seq & SF_SEQ_MASK)) {
      *pts = ref->frame[i].pts;
      *duration = ref->frame[i].duration;
      return 1;
    }
  }
  return 0;
}

/* --- Version 2: writing ------------------------------------------------ */

static uint64_t
zigzag (int64_t v)
{
  return ((uint64_t) v << 1) ^ (uint64_t) (v >> 63);
}

static int64_t
unzigzag (uint64_t v)
{
  return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

/* The header's fields as they go on the wire: which encoding each uses,
 * and the value written for it. */
typedef struct {
  uint8_t fields;
  uint8_t more;
  uint64_t pts;
  uint64_t dts;
  uint64_t duration;
} v2_plan;

/* The previous frame's PTS plus its duration, when both are known and the
 * sum is a time (a duration of 0 predicts the same PTS). */
static int
predict_pts (uint64_t prev_pts, uint64_t prev_dur, uint64_t *pts)
{
  if (prev_pts == SF_TIME_NONE || prev_dur == SF_TIME_NONE ||
      prev_dur > SF_TIME_NONE - 1 - prev_pts)
    return 0;
  *pts = prev_pts + prev_dur;
  return 1;
}

/* pts - prev as a signed 64-bit value, which zigzag takes, if it is one. */
static int
pts_difference (uint64_t pts, uint64_t prev, int64_t *delta)
{
  if (pts >= prev) {
    if (pts - prev > (uint64_t) INT64_MAX)
      return 0;
    *delta = (int64_t) (pts - prev);
  } else {
    if (prev - pts - 1 > (uint64_t) INT64_MAX)
      return 0;
    *delta = -(int64_t) (prev - pts - 1) - 1;
  }
  return 1;
}

/* The PTS from the previous frame's when that is shorter: the same as
 * its PTS plus its duration (nothing to write), or a difference to it. */
static void
plan_pts (v2_plan *p, const sf_header *hdr, int have_prev, uint64_t prev_pts,
    uint64_t prev_dur)
{
  uint64_t predicted;
  int64_t delta;

  if (hdr->pts == SF_TIME_NONE)
    return;
  p->fields |= SF_V2_PTS_ABSOLUTE;
  p->pts = hdr->pts;
  if (!have_prev || prev_pts == SF_TIME_NONE)
    return;
  if (predict_pts (prev_pts, prev_dur, &predicted) && predicted == hdr->pts) {
    p->fields = (uint8_t) ((p->fields & ~SF_V2_PTS_MASK) | SF_V2_PTS_PREDICTED);
    return;
  }
  if (pts_difference (hdr->pts, prev_pts, &delta) &&
      sf_varint_size (zigzag (delta)) < sf_varint_size (hdr->pts)) {
    p->fields = (uint8_t) ((p->fields & ~SF_V2_PTS_MASK) | SF_V2_PTS_DELTA);
    p->pts = zigzag (delta);
  }
}

static void
plan_dts (v2_plan *p, const sf_header *hdr)
{
  if (hdr->dts == SF_TIME_NONE)
    return;
  if (hdr->pts != SF_TIME_NONE && hdr->dts == hdr->pts) {
    p->fields |= SF_V2_DTS_SAME;
  } else if (hdr->pts != SF_TIME_NONE && hdr->dts < hdr->pts &&
      sf_varint_size (hdr->pts - hdr->dts) < sf_varint_size (hdr->dts)) {
    /* As for the PTS, the shorter of the two; absolute on a tie. */
    p->fields |= SF_V2_DTS_BEFORE;
    p->dts = hdr->pts - hdr->dts;
  } else {
    p->fields |= SF_V2_DTS_ABSOLUTE;
    p->dts = hdr->dts;
  }
}

static void
plan_duration (v2_plan *p, const sf_header *hdr, int have_prev,
    uint64_t prev_dur)
{
  if (hdr->duration == SF_TIME_NONE)
    return;
  if (have_prev && prev_dur == hdr->duration) {
    p->fields |= SF_V2_DUR_SAME;
  } else {
    p->fields |= SF_V2_DUR_VALUE;
    p->duration = hdr->duration;
  }
}

/* The piece numbers of a FRAGMENT or PARITY header (sections 8 and 8.1);
 * the size of the last piece is checked against the payload later. */
static int
pieces_valid (const sf_header *hdr)
{
  switch (hdr->type) {
    case SF_TYPE_FRAGMENT:
      return hdr->frag_count > 0 && hdr->frag_index < hdr->frag_count;
    case SF_TYPE_PARITY:
      return hdr->frag_count > 0 && hdr->parity_count > 0 &&
          hdr->frag_index < hdr->parity_count && hdr->last_size > 0 &&
          sf_fec_layout_valid (hdr->frag_count, hdr->parity_count);
    default:
      return 1;
  }
}

static sf_result
plan_v2 (v2_plan *p, const sf_header *hdr, const sf_frame_ref *ref)
{
  uint64_t prev_pts = SF_TIME_NONE, prev_dur = SF_TIME_NONE;
  int have_prev;

  memset (p, 0, sizeof (*p));
  if (hdr->stream)
    p->more |= SF_V2_MORE_STREAM;
  if (hdr->sender_time != SF_TIME_NONE)
    p->more |= SF_V2_MORE_SENDER_TIME;
  switch (hdr->type) {
    case SF_TYPE_DATA:
    case SF_TYPE_FRAGMENT:
    case SF_TYPE_PARITY:
      if (!pieces_valid (hdr))
        return SF_ERR_ARG;
      if (hdr->flags & ~SF_FLAGS_DEFINED)
        return SF_ERR_ARG;
      if (hdr->flags)
        p->fields |= SF_V2_FLAGS;
      have_prev =
          previous_frame (ref, hdr->stream, hdr->seq, &prev_pts, &prev_dur);
      plan_pts (p, hdr, have_prev, prev_pts, prev_dur);
      plan_dts (p, hdr);
      plan_duration (p, hdr, have_prev, prev_dur);
      break;
    case SF_TYPE_CAPS:
      if (hdr->caps_compact)
        p->fields |= SF_V2_CAPS_COMPACT;
      break;
    case SF_TYPE_EOS:
      break;
    default:
      /* Control packets have the common fields only (section 8.2). */
      if (!sf_type_is_control (hdr->type))
        return SF_ERR_TYPE;
      break;
  }
  if (p->more)
    p->fields |= SF_V2_MORE;
  return SF_OK;
}

static sf_result
encode_v2 (const sf_header *hdr, const sf_frame_ref *ref, uint8_t *out,
    size_t out_size, size_t *len)
{
  uint8_t buf[SF_HEADER_MAX];
  size_t pos = 0;
  v2_plan p;
  sf_result r = plan_v2 (&p, hdr, ref);

  if (r != SF_OK)
    return r;
  /* Every field fits: the largest version 2 header the encoder writes is
   * below SF_HEADER_MAX (no extensions are written). */
  buf[pos++] = (uint8_t) (SF_VERSION | (hdr->type << 4));
  buf[pos++] = p.fields;
  if (p.fields & SF_V2_MORE)
    buf[pos++] = p.more;
  sf_put_le16 (buf + pos, (uint16_t) hdr->seq);
  pos += 2;
  if (p.more & SF_V2_MORE_STREAM)
    pos += sf_varint_put (buf + pos, hdr->stream);
  if (sf_type_is_piece (hdr->type)) {
    pos += sf_varint_put (buf + pos, hdr->frag_index);
    pos += sf_varint_put (buf + pos, hdr->frag_count);
  }
  if (hdr->type == SF_TYPE_PARITY) {
    pos += sf_varint_put (buf + pos, hdr->parity_count);
    pos += sf_varint_put (buf + pos, hdr->last_size);
  }
  if (sf_type_is_frame (hdr->type)) {
    /* The bits mean other things in CAPS and EOS. */
    if (p.fields & SF_V2_FLAGS)
      pos += sf_varint_put (buf + pos, hdr->flags);
    if ((p.fields & SF_V2_PTS_MASK) == SF_V2_PTS_ABSOLUTE ||
        (p.fields & SF_V2_PTS_MASK) == SF_V2_PTS_DELTA)
      pos += sf_varint_put (buf + pos, p.pts);
    if ((p.fields & SF_V2_DTS_MASK) == SF_V2_DTS_BEFORE ||
        (p.fields & SF_V2_DTS_MASK) == SF_V2_DTS_ABSOLUTE)
      pos += sf_varint_put (buf + pos, p.dts);
    if ((p.fields & SF_V2_DUR_MASK) == SF_V2_DUR_VALUE)
      pos += sf_varint_put (buf + pos, p.duration);
  }
  if (p.more & SF_V2_MORE_SENDER_TIME) {
    sf_put_le64 (buf + pos, hdr->sender_time);
    pos += 8;
  }
  if (pos > out_size)
    return SF_ERR_OUTPUT_FULL;
  memcpy (out, buf, pos);
  *len = pos;
  return SF_OK;
}

sf_result
sf_header_encode (const sf_header *hdr, const sf_frame_ref *ref, uint8_t *out,
    size_t out_size, size_t *len)
{
  sf_result r;

  if (!len)
    return SF_ERR_ARG;
  *len = 0;
  if (!hdr || !out)
    return SF_ERR_ARG;
  if (hdr->type > SF_TYPE_MAX)
    return SF_ERR_TYPE;
  if (hdr->version == SF_VERSION_1) {
    r = sf_header_pack (hdr, out, out_size);
    if (r == SF_OK)
      *len = SF_V1_HEADER_SIZE;
    return r;
  }
  if (hdr->version != SF_VERSION)
    return SF_ERR_VERSION;
  return encode_v2 (hdr, ref, out, out_size, len);
}

/* --- Version 2: reading ------------------------------------------------ */

typedef struct {
  const uint8_t *p;
  size_t len;
  size_t pos;
  sf_result error;
} v2_reader;

static uint64_t
read_varint (v2_reader *rd, uint64_t max)
{
  uint64_t v = 0;
  size_t used = sf_varint_get (rd->p + rd->pos, rd->len - rd->pos, &v);

  if (used == 0 || v > max) {
    rd->error = SF_ERR_MALFORMED;
    return 0;
  }
  rd->pos += used;
  return v;
}

static uint64_t
read_time (v2_reader *rd)
{
  /* All ones is NONE, which a present field cannot be. */
  return read_varint (rd, SF_TIME_NONE - 1);
}

/* Extension records: a tag, a length and that many bytes each. Unknown
 * tags are skipped, unless their high bit says a receiver must understand
 * them; none is defined yet. */
static void
read_extensions (v2_reader *rd)
{
  uint64_t total = read_varint (rd, rd->len - rd->pos);
  size_t end;
  uint64_t len;
  uint8_t tag;

  /* The bound above counts the length's own bytes: the records must fit
   * in what follows them, or the loop reads past the packet. */
  if (rd->error == SF_OK && total > rd->len - rd->pos)
    rd->error = SF_ERR_MALFORMED;
  end = rd->pos + (size_t) total;
  while (rd->error == SF_OK && rd->pos < end) {
    tag = rd->p[rd->pos++];
    len = read_varint (rd, end - rd->pos);
    if (rd->error != SF_OK)
      return;
    if (tag & SF_V2_EXT_CRITICAL) {
      rd->error = SF_ERR_UNSUPPORTED;
      return;
    }
    rd->pos += (size_t) len;
  }
  if (rd->error == SF_OK && rd->pos != end)
    rd->error = SF_ERR_MALFORMED;
}

/* Sets the times of a DATA or FRAGMENT header, resolving those that refer
 * to the previous frame. */
static void
read_times (v2_reader *rd, uint8_t fields, const sf_frame_ref *ref,
    sf_header *hdr)
{
  uint64_t prev_pts = SF_TIME_NONE, prev_dur = SF_TIME_NONE, v;
  int have_prev =
      previous_frame (ref, hdr->stream, hdr->seq, &prev_pts, &prev_dur);
  int64_t delta;

  switch (fields & SF_V2_PTS_MASK) {
    case SF_V2_PTS_ABSOLUTE:
      hdr->pts = read_time (rd);
      break;
    case SF_V2_PTS_PREDICTED:
      if (!have_prev || !predict_pts (prev_pts, prev_dur, &hdr->pts))
        hdr->unresolved |= SF_UNRESOLVED_PTS;
      break;
    case SF_V2_PTS_DELTA:
      delta = unzigzag (read_varint (rd, UINT64_MAX));
      if (have_prev && prev_pts != SF_TIME_NONE &&
          (delta >= 0 ? SF_TIME_NONE - 1 - prev_pts >= (uint64_t) delta
                      : prev_pts >= (uint64_t) 0 - (uint64_t) delta))
        hdr->pts = prev_pts + (uint64_t) delta;
      else
        hdr->unresolved |= SF_UNRESOLVED_PTS;
      break;
  }
  switch (fields & SF_V2_DTS_MASK) {
    case SF_V2_DTS_SAME:
      hdr->dts = hdr->pts;
      break;
    case SF_V2_DTS_BEFORE:
      v = read_time (rd);
      if (hdr->pts != SF_TIME_NONE && v <= hdr->pts)
        hdr->dts = hdr->pts - v;
      else if (!(hdr->unresolved & SF_UNRESOLVED_PTS))
        rd->error = SF_ERR_MALFORMED;
      break;
    case SF_V2_DTS_ABSOLUTE:
      hdr->dts = read_time (rd);
      break;
  }
  switch (fields & SF_V2_DUR_MASK) {
    case SF_V2_DUR_VALUE:
      hdr->duration = read_time (rd);
      break;
    case SF_V2_DUR_SAME:
      if (have_prev && prev_dur != SF_TIME_NONE)
        hdr->duration = prev_dur;
      else
        hdr->unresolved |= SF_UNRESOLVED_DURATION;
      break;
  }
}

static void
read_frame_fields (v2_reader *rd, uint8_t fields, const sf_frame_ref *ref,
    sf_header *hdr)
{
  if (sf_type_is_piece (hdr->type)) {
    hdr->frag_index = (uint16_t) read_varint (rd, UINT16_MAX);
    hdr->frag_count = (uint16_t) read_varint (rd, UINT16_MAX);
  }
  if (hdr->type == SF_TYPE_PARITY) {
    hdr->parity_count = (uint16_t) read_varint (rd, UINT16_MAX);
    hdr->last_size = (uint32_t) read_varint (rd, UINT32_MAX);
  }
  if (rd->error == SF_OK && !pieces_valid (hdr))
    rd->error = SF_ERR_MALFORMED;
  if (fields & SF_V2_FLAGS)
    hdr->flags = (uint16_t) read_varint (rd, UINT16_MAX);
  if (rd->error == SF_OK)
    read_times (rd, fields, ref, hdr);
}

/* What the type and the fields byte tell before anything is parsed: a
 * later revision may lay out the rest differently, so an unknown type or
 * a reserved bit or encoding wins over a header that does not parse
 * (section 16, steps 7 to 9). */
static sf_result
check_fields (uint8_t type, uint8_t fields)
{
  switch (type) {
    case SF_TYPE_DATA:
    case SF_TYPE_FRAGMENT:
    case SF_TYPE_PARITY:
      return (fields & SF_V2_DUR_MASK) == SF_V2_DUR_RESERVED
          ? SF_ERR_UNSUPPORTED
          : SF_OK;
    case SF_TYPE_CAPS:
      return fields & SF_V2_CAPS_RESERVED ? SF_ERR_UNSUPPORTED : SF_OK;
    case SF_TYPE_EOS:
      return fields & SF_V2_EOS_RESERVED ? SF_ERR_UNSUPPORTED : SF_OK;
    default:
      if (!sf_type_is_control (type))
        return SF_ERR_TYPE;
      return fields & SF_V2_CONTROL_RESERVED ? SF_ERR_UNSUPPORTED : SF_OK;
  }
}

static sf_result
decode_v2 (const uint8_t *in, size_t in_size, const sf_frame_ref *ref,
    sf_header *hdr)
{
  v2_reader rd = { in, in_size, 2, SF_OK };
  uint8_t fields = in[1], more = 0;
  sf_result r = check_fields (hdr->type, fields);

  if (r != SF_OK)
    return r;
  if (fields & SF_V2_MORE) {
    if (rd.pos >= in_size)
      return SF_ERR_MALFORMED;
    more = in[rd.pos++];
    if (more & SF_V2_MORE_RESERVED)
      return SF_ERR_UNSUPPORTED;
  }
  if (rd.pos + 2 > in_size)
    return SF_ERR_MALFORMED;
  hdr->seq = sf_get_le16 (in + rd.pos);
  rd.pos += 2;
  if (hdr->type == SF_TYPE_CAPS)
    hdr->caps_compact = (fields & SF_V2_CAPS_COMPACT) != 0;
  if (more & SF_V2_MORE_STREAM)
    hdr->stream = (uint32_t) read_varint (&rd, UINT32_MAX);
  if (rd.error == SF_OK && sf_type_is_frame (hdr->type))
    read_frame_fields (&rd, fields, ref, hdr);
  if (rd.error == SF_OK && (more & SF_V2_MORE_SENDER_TIME)) {
    if (rd.pos + 8 > in_size)
      return SF_ERR_MALFORMED;
    hdr->sender_time = sf_get_le64 (in + rd.pos);
    rd.pos += 8;
  }
  if (rd.error == SF_OK && (more & SF_V2_MORE_EXTENSIONS))
    read_extensions (&rd);
  if (rd.error != SF_OK)
    return rd.error;
  if (rd.pos > SF_HEADER_MAX)
    return SF_ERR_MALFORMED;
  hdr->header_len = (uint16_t) rd.pos;
  hdr->payload_len = (uint32_t) (in_size - rd.pos);
  return SF_OK;
}

sf_result
sf_header_decode (const uint8_t *in, size_t in_size, const sf_frame_ref *ref,
    sf_header *hdr)
{
  sf_result r;

  if (!in || !hdr)
    return SF_ERR_ARG;
  if (in_size < 1)
    return SF_ERR_LENGTH;
  if (in[0] == SF_VERSION_1) {
    r = sf_header_unpack (in, in_size, hdr);
    if (r != SF_OK)
      return r;
    /* A reserved type before a length that does not match (section 16). */
    if (hdr->type == SF_TYPE_INVALID)
      return SF_ERR_TYPE;
    if (hdr->payload_len != in_size - SF_V1_HEADER_SIZE)
      return SF_ERR_LENGTH;
    return SF_OK;
  }
  sf_header_init (hdr, (uint8_t) (in[0] >> 4));
  hdr->version = in[0] & 0x0F;
  if (hdr->version != SF_VERSION)
    return SF_ERR_VERSION;
  if (in_size < SF_V2_HEADER_MIN)
    return SF_ERR_LENGTH;
  return decode_v2 (in, in_size, ref, hdr);
}

/* --- Whole packets ----------------------------------------------------- */

/* The rules each type sets on its payload. */
static sf_result
check_payload (const sf_header *hdr, const uint8_t *payload)
{
  switch (hdr->type) {
    case SF_TYPE_DATA:
      return SF_OK;
    case SF_TYPE_FRAGMENT:
      return hdr->payload_len > 0 ? SF_OK : SF_ERR_LENGTH;
    case SF_TYPE_PARITY:
      /* The payload is F bytes, and the last piece at most as long. */
      return hdr->payload_len > 0 && hdr->last_size <= hdr->payload_len
          ? SF_OK
          : SF_ERR_LENGTH;
    case SF_TYPE_CAPS:
      if (hdr->payload_len > SF_CAPS_MAX)
        return SF_ERR_LENGTH;
      /* A string holds no NUL.  Its compact form carries codec_data bytes
       * as they are (section 9.2), 00 included; sf_caps_expand() checks
       * it. */
      if (!hdr->caps_compact && memchr (payload, 0, hdr->payload_len))
        return SF_ERR_MALFORMED;
      return SF_OK;
    case SF_TYPE_EOS:
      return hdr->payload_len == 0 ? SF_OK : SF_ERR_LENGTH;
    default:
      /* Varints, or nothing (section 8.2). */
      if (!sf_type_is_control (hdr->type))
        return SF_ERR_TYPE;
      return sf_control_check_payload (hdr->type, payload, hdr->payload_len);
  }
}

sf_result
sf_native_parse (const uint8_t *pkt, size_t len, const sf_frame_ref *ref,
    sf_header *hdr, const uint8_t **payload)
{
  size_t body;
  sf_result r;

  if (!pkt || !hdr || !payload)
    return SF_ERR_ARG;
  if (len < SF_V2_HEADER_MIN + SF_CRC_SIZE)
    return SF_ERR_LENGTH;
  body = len - SF_CRC_SIZE;
  /* The CRC comes first: every version keeps the version in byte 0 and
   * the CRC-32C last, so a failing CRC means damage, not a new version. */
  if (sf_crc32c (0, pkt, body) != sf_get_le32 (pkt + body))
    return SF_ERR_CRC;
  r = sf_header_decode (pkt, body, ref, hdr);
  if (r != SF_OK)
    return r;
  r = check_payload (hdr, pkt + hdr->header_len);
  if (r != SF_OK)
    return r;
  *payload = pkt + hdr->header_len;
  return SF_OK;
}
