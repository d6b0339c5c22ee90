/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* serialframe: wire-format codec for video over serial links. */

/*
 * Portable C99, no heap, no GLib: the same files build into the GStreamer
 * elements and into microcontroller firmware that talks to them.  The wire
 * format is specified byte by byte in docs/protocol.md.
 *
 * Framings:
 *   native  COBS(header | payload | CRC-32C) 0x00, preceded once by 0x00
 *   cobs    COBS(payload) 0x00
 *   slip    0xC0 SLIP(payload) 0xC0 (RFC 1055, leading END by default)
 *   raw     bytes as they are; the codec has nothing to do and refuses it
 *
 * Every function validates its arguments and both its input and output
 * bounds, and returns an sf_result whose error values are negative.
 */

#ifndef SERIALFRAME_H
#define SERIALFRAME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Protocol constants (docs/protocol.md). */
/* The version senders write; receivers also take SF_VERSION_1. */
#define SF_VERSION 2
#define SF_VERSION_1 1
/* Version 1 header: fixed, 44 bytes. */
#define SF_V1_HEADER_SIZE 44
/* Largest header of any version (the bytes before the payload). */
#define SF_HEADER_MAX 128
#define SF_CRC_SIZE 4
/* Bytes of a decoded native packet that are not payload, at most. */
#define SF_NATIVE_OVERHEAD (SF_HEADER_MAX + SF_CRC_SIZE)
#define SF_CAPS_MAX 4096
#define SF_TIME_NONE UINT64_C (0xFFFFFFFFFFFFFFFF)

#define SF_DELIMITER 0x00
#define SF_SLIP_END 0xC0
#define SF_SLIP_ESC 0xDB
#define SF_SLIP_ESC_END 0xDC
#define SF_SLIP_ESC_ESC 0xDD
#define SF_XON 0x11
#define SF_XOFF 0x13
#define SF_XESC 0x7D
#define SF_XESC_XOR 0x20

/* Worst-case sizes, so callers size buffers without guessing.  They do not
 * guard against size_t overflow: keep payloads below SIZE_MAX / 3. */

/* COBS of n bytes, without delimiter. */
#define SF_COBS_MAX(n) ((n) + (n) / 254 + 1)
/* One packet of the cobs framing: COBS block plus delimiter. */
#define SF_COBS_ENCODED_MAX(n) (SF_COBS_MAX (n) + 1)
/* One packet of the slip framing: leading END, escaped payload, END. */
#define SF_SLIP_ENCODED_MAX(n) (2 * (n) + 2)
/* One native packet (not counting the once-only initial delimiter). */
#define SF_NATIVE_ENCODED_MAX(n) (SF_COBS_MAX ((n) + SF_NATIVE_OVERHEAD) + 1)
/* The same with SF_OPT_XONXOFF: every COBS byte may be escaped. */
#define SF_COBS_ENCODED_MAX_XONXOFF(n) (2 * SF_COBS_MAX (n) + 1)
#define SF_SLIP_ENCODED_MAX_XONXOFF(n) SF_SLIP_ENCODED_MAX (n)
#define SF_NATIVE_ENCODED_MAX_XONXOFF(n)                                       \
  (2 * SF_COBS_MAX ((n) + SF_NATIVE_OVERHEAD) + 1)
/* Enough for any framing and any option. */
#define SF_ENCODED_MAX_ANY(n) SF_NATIVE_ENCODED_MAX_XONXOFF (n)
/* Decoder buffer for native packets carrying up to max_payload bytes. */
#define SF_NATIVE_DECODE_BUFFER_SIZE(max_payload)                              \
  ((max_payload) + SF_NATIVE_OVERHEAD)

typedef enum {
  SF_ERR_ARG = -1,          /* NULL pointer or invalid argument */
  SF_ERR_MODE = -2,         /* framing mode not handled here (raw) */
  SF_ERR_OUTPUT_FULL = -3,  /* destination buffer too small */
  SF_ERR_LENGTH = -4,       /* lengths inconsistent or out of range */
  SF_ERR_VERSION = -5,      /* protocol version not understood */
  SF_ERR_TYPE = -6,         /* packet type unknown or not allowed here */
  SF_ERR_CRC = -7,          /* CRC-32C mismatch */
  SF_ERR_MALFORMED = -8,    /* invalid COBS, SLIP or escape sequence */
  SF_ERR_STATE = -9,        /* call out of sequence */
  SF_ERR_UNSUPPORTED = -10, /* not available on this CPU or build */
  SF_OK = 0,
  SF_DEC_NEED_MORE = 1, /* input used up, no packet completed */
  SF_DEC_PACKET = 2,    /* a packet is available from sf_decoder_packet() */
  SF_STREAM_MORE = 3,   /* sf_stream: output is pending, poll again */
  SF_STREAM_DONE = 4    /* sf_stream: the whole packet has been polled */
} sf_result;

typedef enum {
  SF_MODE_NATIVE = 0,
  SF_MODE_RAW = 1,
  SF_MODE_COBS = 2,
  SF_MODE_SLIP = 3
} sf_mode;

/* Options for encoders and decoders. */
/* Escape 0x11, 0x13 and 0x7D after framing (PPP ACCM style), for lines
 * with software flow control.  Both ends must agree. */
#define SF_OPT_XONXOFF (1u << 0)
/* slip encoder: no leading END before each packet. */
#define SF_OPT_SLIP_NO_LEADING_END (1u << 1)
/* decoder: start at a packet boundary instead of hunting for the first
 * delimiter (the default in native mode). */
#define SF_OPT_START_SYNCED (1u << 2)
/* decoder: hunt for the first delimiter (default is synced in cobs/slip). */
#define SF_OPT_START_HUNTING (1u << 3)

/* Packet types: the high nibble of a version 2 packet's first byte
 * (docs/protocol.md, section 4).  Version 1 packets carry other numbers
 * (DATA 1, CAPS 2, EOS 3); the codec maps them to these. */
#define SF_TYPE_DATA 0x0     /* a whole frame */
#define SF_TYPE_FRAGMENT 0x1 /* a piece of a frame */
#define SF_TYPE_CAPS 0x2     /* the stream description */
#define SF_TYPE_EOS 0x3      /* end of stream */
#define SF_TYPE_PARITY 0x4   /* parity of a frame's pieces (section 8.1) */
/* Control packets (section 8.2): SKIP goes from sender to receiver, the
 * others from receiver to sender. */
#define SF_TYPE_SKIP 0x5 /* frames before seq will not be repaired */
/* 0x6-0x7: reserved, sender to receiver. */
/* 0x8-0xE: control packets, receiver to sender; 0xC-0xE reserved. */
#define SF_TYPE_REPORT 0x8       /* receiver report */
#define SF_TYPE_NACK 0x9         /* retransmission request */
#define SF_TYPE_KEY_REQUEST 0xA  /* key-frame request */
#define SF_TYPE_CAPS_REQUEST 0xB /* caps request */
#define SF_TYPE_CONTROL_FIRST 0x8
#define SF_TYPE_CONTROL_LAST 0xE
/* 0xF: reserved. */
#define SF_TYPE_MAX 0xF

/* Buffer flags.  Protocol values, not GStreamer's: the element maps
 * them. */
#define SF_FLAG_DELTA_UNIT (1u << 0)
#define SF_FLAG_HEADER (1u << 1)
#define SF_FLAG_DISCONT (1u << 2)
#define SF_FLAG_GAP (1u << 3)
#define SF_FLAG_DROPPABLE (1u << 4)
#define SF_FLAG_MARKER (1u << 5)
#define SF_FLAG_CORRUPTED (1u << 6)
#define SF_FLAG_DECODE_ONLY (1u << 7)
#define SF_FLAG_RESYNC (1u << 8)
#define SF_FLAG_NON_DROPPABLE (1u << 9)
#define SF_FLAG_SYNC_AFTER (1u << 10)
#define SF_FLAG_LIVE (1u << 11)
#define SF_FLAGS_DEFINED 0x0FFFu

/* Bits of sf_header.unresolved. */
#define SF_UNRESOLVED_PTS (1u << 0)
#define SF_UNRESOLVED_DURATION (1u << 1)

/* Native header, host representation, any version. */
typedef struct {
  uint8_t version;      /* SF_VERSION, or SF_VERSION_1 */
  uint8_t type;         /* SF_TYPE_* */
  uint16_t flags;       /* SF_FLAG_* (DATA and FRAGMENT) */
  uint32_t seq;         /* frame number, see docs/protocol.md: 16 bits in
                         * version 2, 32 in version 1 */
  uint64_t pts;         /* ns or SF_TIME_NONE */
  uint64_t dts;         /* ns or SF_TIME_NONE */
  uint64_t duration;    /* ns or SF_TIME_NONE */
  uint64_t sender_time; /* ns since the UNIX epoch, or SF_TIME_NONE */
  uint32_t payload_len; /* bytes of payload after the header */
  /* version 2 */
  uint32_t stream;       /* stream identifier, 0 unless several share a link */
  uint16_t frag_index;   /* FRAGMENT: 0-based index of the piece; PARITY:
                         * of the parity piece */
  uint16_t frag_count;   /* FRAGMENT, PARITY: pieces of the frame */
  uint16_t parity_count; /* PARITY: parity pieces of the frame */
  uint32_t last_size;    /* PARITY: bytes of the frame's last piece */
  uint8_t caps_compact;  /* CAPS: payload in the compact encoding (section
                         * 9.2); sf_caps_expand() restores the string */
  uint8_t unresolved;    /* decoded: SF_UNRESOLVED_* for fields that refer to
                         * a previous frame this receiver lacks; they read
                         * SF_TIME_NONE */
  uint16_t header_len;   /* decoded: bytes before the payload */
} sf_header;

/* What each end remembers of a stream's last two frames, for the version 2
 * fields that say "as the previous frame" (docs/protocol.md, section 7).
 * Senders and receivers keep one per stream. */
typedef struct {
  struct {
    uint8_t valid;
    uint32_t stream;
    uint32_t seq;
    uint64_t pts;
    uint64_t duration;
  } frame[2]; /* [0] the last frame, [1] the one before */
} sf_frame_ref;

/* One piece of a scattered payload. */
typedef struct {
  const void *data;
  size_t len;
} sf_iovec;

/* --- CRC-32C (Castagnoli), reflected, init and xorout 0xFFFFFFFF -------- */

/* zlib-style: start with crc = 0 and chain calls; the pre- and
 * post-inversion happen inside.  sf_crc32c (0, "123456789", 9) is
 * 0xE3069283. */
uint32_t sf_crc32c (uint32_t crc, const void *data, size_t len);
/* The table-driven implementation, always available. */
uint32_t sf_crc32c_portable (uint32_t crc, const void *data, size_t len);

typedef enum {
  SF_CRC32C_AUTO = 0, /* hardware if the CPU has it, else portable */
  SF_CRC32C_PORTABLE = 1,
  SF_CRC32C_HW = 2 /* SSE4.2 crc32 instruction */
} sf_crc32c_impl;

/* For tests and benchmarks: choose the implementation sf_crc32c() uses.
 * Both give identical results, so switching is harmless to concurrent
 * users.  SF_ERR_UNSUPPORTED if the hardware path is not available. */
sf_result sf_crc32c_select (sf_crc32c_impl impl);
/* The implementation in use (never SF_CRC32C_AUTO). */
sf_crc32c_impl sf_crc32c_active (void);
const char *sf_crc32c_impl_name (sf_crc32c_impl impl);

/* --- Native header ----------------------------------------------------- */

/* Version SF_VERSION, all times SF_TIME_NONE, everything else zero. */
sf_result sf_header_init (sf_header *hdr, uint8_t type);

/* Writes the header of hdr's version: version 1, SF_V1_HEADER_SIZE bytes
 * as given (ref is not used); version 2, the compact header, its fields
 * that may refer to the previous frame doing so when ref (which may be
 * NULL) holds that frame.  *len is the header's size. */
sf_result sf_header_encode (const sf_header *hdr, const sf_frame_ref *ref,
    uint8_t *out, size_t out_size, size_t *len);
/* Reads the header at the start of a packet body (the packet without its
 * CRC), either version, and sets header_len and payload_len.  Fields
 * referring to the previous frame are resolved with ref (NULL: none) or
 * marked in unresolved.  SF_ERR_VERSION for an unknown version,
 * SF_ERR_TYPE for a reserved type, SF_ERR_UNSUPPORTED for a feature this
 * receiver lacks (a reserved field bit or encoding, a critical
 * extension), SF_ERR_MALFORMED or SF_ERR_LENGTH for a header that does
 * not parse. */
sf_result sf_header_decode (const uint8_t *in, size_t in_size,
    const sf_frame_ref *ref, sf_header *hdr);

/* Version 1 layout only (SF_V1_HEADER_SIZE bytes, little-endian, fields as
 * given, type numbers as on the version 1 wire); kept for tests and
 * recordings. */
sf_result sf_header_pack (const sf_header *hdr, uint8_t *out, size_t out_size);
/* Reads a version 1 header.  Fills hdr even when it returns
 * SF_ERR_VERSION, so the caller can log what arrived. */
sf_result sf_header_unpack (const uint8_t *in, size_t in_size, sf_header *hdr);

/* Validates one decoded (un-COBSed, delimiter removed) native packet of
 * either version: CRC, version, header, type rules.  On SF_OK fills hdr
 * and points *payload into pkt.  ref as for sf_header_decode(). */
sf_result sf_native_parse (const uint8_t *pkt, size_t len,
    const sf_frame_ref *ref, sf_header *hdr, const uint8_t **payload);

/* Forgets every frame. */
void sf_frame_ref_init (sf_frame_ref *ref);
/* Frames at most this far before the last one are repairs: they do not
 * become the previous frame (docs/protocol.md, section 7). */
#define SF_REF_REPAIR_WINDOW 1024
/* Remembers the frame of a DATA, FRAGMENT or PARITY header that went
 * (sender) or
 * arrived (receiver), unless it is a repair; other types change nothing,
 * and a version 1 header (another sender) forgets every frame. */
void sf_frame_ref_update (sf_frame_ref *ref, const sf_header *hdr);

/* --- Forward error correction (docs/protocol.md, section 8.1) ---------
 * A systematic Reed-Solomon erasure code over GF(2^8): a frame of n data
 * pieces of F bytes (the last zero-padded) gets m parity pieces of F
 * bytes, dealt over interleaved blocks of at most 128 data pieces; any k
 * pieces of a block of k data pieces give them back. */

#define SF_FEC_BLOCK_DATA_MAX 128 /* data pieces per block */
#define SF_FEC_BLOCK_MAX 256      /* pieces per block, data and parity */
/* Work area of sf_fec_recover_block(). */
#define SF_FEC_WORK_SIZE (2 * SF_FEC_BLOCK_DATA_MAX * SF_FEC_BLOCK_DATA_MAX)

/* Blocks of a frame of n data pieces: ceil (n / 128). */
uint32_t sf_fec_blocks (uint32_t n);
/* Pieces of block j when count pieces are dealt over blocks blocks
 * (piece i to block i % blocks): data pieces with count = n, parity pieces
 * with count = m. */
uint32_t sf_fec_block_pieces (uint32_t count, uint32_t blocks, uint32_t j);
/* Whether n data and m parity pieces form a valid frame: both at least 1
 * and no block over SF_FEC_BLOCK_MAX pieces. */
int sf_fec_layout_valid (uint32_t n, uint32_t m);
/* The parity pieces a sender adds to n data pieces for percent (0 to
 * 100): none for 0, else ceil (n * percent / 100) and at least one per
 * block. */
uint32_t sf_fec_parity_count (uint32_t n, unsigned percent);
/* The coefficient of data column c in parity row r of a block of k data
 * pieces: inv ((k + r) XOR c).  k + r must be below 256 and c below k. */
uint8_t sf_fec_coef (uint32_t k, uint32_t r, uint32_t c);

uint8_t sf_gf_mul (uint8_t a, uint8_t b);
/* The inverse of a != 0 (0 for 0). */
uint8_t sf_gf_inv (uint8_t a);
/* dst[i] ^= c * src[i] for len bytes. */
void sf_gf_mul_add (uint8_t *dst, const uint8_t *src, size_t len, uint8_t c);

/* Adds data piece i (len bytes, at most F: the rest counts as zeros) of a
 * frame of n data and m parity pieces to parity piece p (F bytes, zeroed
 * before the first piece).  Pieces of another block add nothing, so a
 * sender may feed every data piece to every parity piece as it sends it,
 * holding only the parity: firmware without a frame-sized buffer does so.
 * SF_ERR_ARG for numbers out of range. */
sf_result sf_fec_parity_add (uint32_t n, uint32_t m, uint32_t p, uint32_t i,
    const uint8_t *data, size_t len, uint8_t *parity);

/* Rebuilds the missing data pieces of one block of k data and m parity
 * pieces, F bytes each (the frame's last piece zero-padded).  data[c] is
 * column c, or NULL when it is missing, and then out[c] receives it;
 * parity[r] is row r, or NULL.  work holds SF_FEC_WORK_SIZE bytes.
 * SF_ERR_LENGTH when fewer than k pieces are there, SF_ERR_ARG for a
 * block out of range. */
sf_result sf_fec_recover_block (uint32_t k, uint32_t m,
    const uint8_t *const *data, const uint8_t *const *parity,
    uint8_t *const *out, size_t F, uint8_t *work);

/* --- Control packets (docs/protocol.md, section 8.2) ------------------
 * SKIP, REPORT, NACK, KEY_REQUEST and CAPS_REQUEST: the common header
 * without frame fields, and a payload of varints, empty but for REPORT and
 * NACK.  The packet encoders refuse, and the decoders drop as malformed, a
 * payload that breaks the rules below; these helpers write and read the
 * two payloads that have fields. */

#define SF_CONTROL_PAYLOAD_MAX 128 /* NACK payload limit; REPORT fits too */
#define SF_NACK_RANGES_MAX 20      /* pairs that always fit in 128 bytes */

/* A receiver report: last_seq is the seq of the last intact packet of a
 * frame, delay_us the microseconds from its arrival to the report, the
 * rest counted since the receiver started. */
typedef struct {
  uint16_t last_seq;
  uint64_t delay_us, packets, damaged, wire_bytes, lost, repaired;
} sf_report;

/* count pieces from piece first. */
typedef struct {
  uint16_t first, count;
} sf_range;

/* The pieces of frame seq (the packet's) that a receiver asks for again:
 * ranges ascending, not overlapping (they may touch), within frag_count. */
typedef struct {
  uint16_t frag_count; /* 0: the whole frame, no ranges */
  uint8_t n_ranges;
  sf_range ranges[SF_NACK_RANGES_MAX];
} sf_nack;

/* Write the payload into out (out_size bytes), *len its length, in the
 * shortest varints; SF_ERR_ARG for values that break section 8.2 (a NACK:
 * ranges empty, overlapping, backwards or past frag_count, none with a
 * frag_count, some without, more than SF_NACK_RANGES_MAX),
 * SF_ERR_OUTPUT_FULL when it does not fit. */
sf_result sf_report_write (const sf_report *r, uint8_t *out, size_t out_size,
    size_t *len);
sf_result sf_nack_write (const sf_nack *n, uint8_t *out, size_t out_size,
    size_t *len);
/* Read a payload; SF_ERR_MALFORMED when it breaks section 8.2, and then
 * *r or *n is zeroed.  Varints that a later revision appends to a REPORT
 * are ignored, but must be varints: the payload is a whole number of them,
 * none cut short or over 64 bits.  A NACK's pairs fill its payload; of
 * more than SF_NACK_RANGES_MAX (up to 63 fit in 128 bytes), all are
 * checked and the first SF_NACK_RANGES_MAX kept, as a sender that repeats
 * those first hears again about the rest. */
sf_result sf_report_read (const uint8_t *payload, size_t len, sf_report *r);
sf_result sf_nack_read (const uint8_t *payload, size_t len, sf_nack *n);

/* private: the payload rules of a control packet, checked as its bytes
 * come, for encoders that take the payload in pieces. */
typedef struct {
  uint32_t value;      /* the varint being read, saturated past 28 bits */
  uint16_t frag_count; /* NACK */
  uint16_t first;      /* NACK: of the pair being read */
  uint16_t end;        /* NACK: past the last range read */
  uint8_t type;        /* SF_TYPE_*: other types have no rules here */
  uint8_t bytes;       /* of the varint being read */
  uint8_t count;       /* varints read, up to 255 */
  uint8_t size;        /* NACK: payload bytes, up to SF_CONTROL_PAYLOAD_MAX */
} sf_control_check;

/* --- Compact caps (docs/protocol.md, section 9.2) ---------------------- */

/* Bytes of the compact form of a caps string, at most. */
#define SF_CAPS_COMPACT_MAX SF_CAPS_MAX

/* Writes the compact form of the len-byte caps string (no NUL), or
 * SF_ERR_OUTPUT_FULL when it does not fit. */
sf_result sf_caps_compact (const char *caps, size_t len, uint8_t *out,
    size_t out_size, size_t *written);
/* Restores a caps string from its compact form (without a terminating
 * NUL): SF_ERR_MALFORMED for an invalid or reserved code, SF_ERR_LENGTH
 * when the string would be longer than out_size. */
sf_result sf_caps_expand (const uint8_t *in, size_t len, char *out,
    size_t out_size, size_t *written);

/* --- One-shot encoders -------------------------------------------------
 * Each writes one whole packet including its trailing delimiter into dst
 * and sets *written.  On error nothing useful is in dst and *written is 0.
 */

/* Native packet, of hdr->version (SF_VERSION, or SF_VERSION_1 for tests
 * and old firmware).  The payload length comes from len (hdr->payload_len
 * is ignored); hdr->type is DATA, FRAGMENT or PARITY (version 2), CAPS (at
 * most SF_CAPS_MAX bytes, no NUL) or EOS (no payload), or a control packet
 * (version 2; a payload as sf_report_write() and sf_nack_write() make it,
 * else none).  No field refers to a previous frame: sf_encoder_begin_ref()
 * does that. */
sf_result sf_encode_native (const sf_header *hdr, const void *payload,
    size_t len, unsigned options, uint8_t *dst, size_t dst_size,
    size_t *written);
/* Native packet from a payload in several pieces. */
sf_result sf_encode_native_iov (const sf_header *hdr, const sf_iovec *iov,
    size_t iov_count, unsigned options, uint8_t *dst, size_t dst_size,
    size_t *written);
/* cobs framing packet. */
sf_result sf_encode_cobs (const void *payload, size_t len, unsigned options,
    uint8_t *dst, size_t dst_size, size_t *written);
/* slip framing packet.  An empty payload cannot be carried by SLIP: it
 * encodes to delimiters only, which the decoder counts as empty. */
sf_result sf_encode_slip (const void *payload, size_t len, unsigned options,
    uint8_t *dst, size_t dst_size, size_t *written);
/* The delimiter a sender writes once when it starts (and may repeat at
 * any time, e.g. after an idle period): 0x00, or 0xC0 for slip. */
sf_result sf_write_delimiter (sf_mode mode, uint8_t *dst, size_t dst_size,
    size_t *written);

/* Plain COBS without delimiter, for firmware that frames by itself.
 * sf_cobs_decode refuses a zero byte in src (SF_ERR_MALFORMED). */
sf_result sf_cobs_encode (const void *src, size_t len, uint8_t *dst,
    size_t dst_size, size_t *written);
sf_result sf_cobs_decode (const uint8_t *src, size_t len, uint8_t *dst,
    size_t dst_size, size_t *written);

/* Largest encoded size of one packet for this mode and options, or 0 for
 * raw, unknown modes or overflow. */
size_t sf_encoded_max (sf_mode mode, unsigned options, size_t payload_len);
/* Decoder buffer size needed for packets of up to max_payload bytes. */
size_t sf_decode_buffer_size (sf_mode mode, size_t max_payload);

/* --- Incremental encoder ----------------------------------------------
 * For payloads that arrive in pieces.  Output goes into one contiguous
 * buffer.  A version 1 header announces the payload's length, so there
 * hdr->payload_len must give the total and sf_encoder_finish checks it;
 * version 2 has no length field.
 *
 *   sf_encoder_begin (&enc, SF_MODE_NATIVE, 0, &hdr, dst, dst_size);
 *   for each piece: sf_encoder_write (&enc, piece, piece_len);
 *   sf_encoder_finish (&enc, &written);
 *
 * Errors are sticky: after one, later calls return it again. */
typedef struct {
  /* private */
  uint8_t *dst;
  size_t dst_size;
  size_t pos;         /* next byte to write */
  size_t code_pos;    /* where the open COBS block's code byte goes */
  uint64_t remaining; /* native version 1: payload bytes still announced;
                       * version 2: the fewest the type needs */
  uint64_t payload;   /* native: payload bytes written */
  /* native control packets: section 8.2's rules on the payload so far */
  sf_control_check ctl;
  uint32_t crc;
  uint8_t mode;
  uint8_t type;       /* native packet type */
  uint8_t version;    /* native packet version */
  uint8_t compact;    /* native CAPS in the compact form: 00 bytes allowed */
  uint8_t code;       /* 1 + data bytes in the open COBS block */
  uint8_t after_full; /* the previous COBS block was a full 0xFF one */
  uint8_t open;
  unsigned options;
  sf_result error;
} sf_encoder;

sf_result sf_encoder_begin (sf_encoder *enc, sf_mode mode, unsigned options,
    const sf_header *hdr, uint8_t *dst, size_t dst_size);
/* The same, with the fields of a version 2 DATA or FRAGMENT header that
 * can refer to the previous frame in ref doing so (ref may be NULL). */
sf_result sf_encoder_begin_ref (sf_encoder *enc, sf_mode mode, unsigned options,
    const sf_header *hdr, const sf_frame_ref *ref, uint8_t *dst,
    size_t dst_size);
sf_result sf_encoder_write (sf_encoder *enc, const void *data, size_t len);
sf_result sf_encoder_finish (sf_encoder *enc, size_t *written);

/* --- Streaming decoder ------------------------------------------------- */

typedef enum {
  SF_DEC_STATE_HUNT = 0,  /* discarding bytes until a delimiter */
  SF_DEC_STATE_COBS_CODE, /* expecting a COBS code byte or a delimiter */
  SF_DEC_STATE_COBS_DATA, /* copying the data bytes of a COBS block */
  SF_DEC_STATE_SLIP_DATA, /* copying SLIP bytes */
  SF_DEC_STATE_SLIP_ESC,  /* after a SLIP ESC byte */
  SF_DEC_STATE_DISCARD,   /* dropping a bad packet up to its delimiter */
  SF_DEC_STATE_COUNT
} sf_dec_state;

/* State names for logging, indexed by sf_dec_state. */
extern const char *const sf_dec_state_names[SF_DEC_STATE_COUNT];

/* Counters, exact.  Every packet that ends at a delimiter is counted in
 * exactly one of: packets, empty, crc_errors, bad_version, malformed,
 * unknown_type, unsupported, oversize.  Every byte fed and consumed is in wire_bytes.
 */
typedef struct {
  uint64_t packets;       /* packets delivered */
  uint64_t payload_bytes; /* payload bytes delivered */
  uint64_t wire_bytes;    /* bytes consumed, delimiters and escapes too */
  uint64_t crc_errors;    /* native: CRC-32C mismatch */
  uint64_t bad_version;   /* native: CRC fine, version neither 1 nor 2 */
  uint64_t malformed;     /* too short for header and CRC, payload length
                           * not matching, CAPS too long or with NUL, EOS
                           * with payload, a control payload that breaks
                           * section 8.2, COBS block cut by a delimiter,
                           * bad SLIP escape, bad xon-xoff escape */
  uint64_t unknown_type;  /* native: valid packet of a reserved type */
  uint64_t unsupported;   /* native: valid packet using a feature this
                           * receiver lacks (a reserved field bit or
                           * encoding, an unknown critical extension) */
  uint64_t oversize;      /* longer than the decoder buffer */
  uint64_t skipped_bytes; /* wire bytes not delivered, other than
                           * delimiters: before the first delimiter while
                           * hunting, all bytes of dropped packets, stray
                           * XON/XOFF between packets */
  uint64_t empty;         /* delimiters with nothing before them (normal) */
} sf_dec_stats;

/* A delivered packet; valid until the next call on the decoder. */
typedef struct {
  sf_header header; /* native mode only, zeroed otherwise */
  const uint8_t *payload;
  size_t payload_len;
} sf_packet;

typedef struct {
  /* configuration, set by sf_decoder_init */
  uint8_t *buf;
  size_t buf_size;
  sf_mode mode;
  unsigned options;
  uint32_t stream; /* whose frames are remembered: sf_decoder_set_stream */
  /* private */
  sf_dec_state state;
  size_t len;           /* decoded bytes in buf */
  size_t pkt_wire;      /* wire bytes of the packet in progress */
  unsigned block_left;  /* COBS data bytes left in the current block */
  uint8_t zero_pending; /* a COBS zero is due before the next block */
  uint8_t in_packet;    /* bytes seen since the last delimiter */
  uint8_t escaped;      /* xon-xoff escape byte seen */
  uint8_t has_packet;   /* the last feed delivered a packet */
  sf_packet packet;
  sf_frame_ref ref; /* the frames that version 2 fields refer to */
  sf_dec_stats stats;
} sf_decoder;

/* buf holds one decoded packet: sf_decode_buffer_size (mode, max payload)
 * bytes (for native, SF_NATIVE_DECODE_BUFFER_SIZE).  Native decoders hunt
 * for the first delimiter, cobs and slip decoders start synced, unless
 * SF_OPT_START_SYNCED or SF_OPT_START_HUNTING says otherwise.  Raw mode is
 * refused with SF_ERR_MODE. */
sf_result sf_decoder_init (sf_decoder *dec, sf_mode mode, unsigned options,
    uint8_t *buf, size_t buf_size);
/* The stream (section 10) a receiver takes: only its frames then become
 * the previous frames that version 2 times refer to, so that frames of
 * other streams interleaved on the link do not push them out of the two
 * remembered. Packets of other streams are still delivered, their
 * relative times unresolved when their previous frame is not remembered.
 * SF_DECODER_ALL_STREAMS (what sf_decoder_init sets) remembers the frames
 * of every stream, for a decoder that takes them all (an analyser). Kept
 * across sf_decoder_resync(). */
#define SF_DECODER_ALL_STREAMS UINT32_MAX
void sf_decoder_set_stream (sf_decoder *dec, uint32_t stream);
/* Consumes bytes from data until a packet completes (SF_DEC_PACKET) or
 * the data is used up (SF_DEC_NEED_MORE); *consumed says how many.  Call
 * again with the rest.  Bad packets are counted and skipped, never
 * returned. */
sf_result sf_decoder_feed (sf_decoder *dec, const uint8_t *data, size_t len,
    size_t *consumed);
/* Replaces the decode buffer, e.g. with fresh memory after each delivered
 * packet so that the caller can keep the old one without copying.  The
 * bytes of a packet in progress are carried over (SF_ERR_OUTPUT_FULL if
 * they do not fit); the last delivered packet is no longer available. */
sf_result sf_decoder_set_buffer (sf_decoder *dec, uint8_t *buf,
    size_t buf_size);
/* The packet of the last SF_DEC_PACKET, or NULL. */
const sf_packet *sf_decoder_packet (const sf_decoder *dec);
const sf_dec_stats *sf_decoder_get_stats (const sf_decoder *dec);
void sf_decoder_reset_stats (sf_decoder *dec);
/* Drops any packet in progress (its bytes count as skipped) and hunts for
 * the next delimiter, e.g. after a flush or a port reopen. */
void sf_decoder_resync (sf_decoder *dec);
/* Drops any packet in progress (its bytes count as skipped) and takes the
 * next byte as the start of a packet, for a link that starts afresh (a port
 * reopened after an unplug) so that its first packet is not lost to the
 * hunt for a delimiter. A packet tail that arrives instead fails its check
 * and is counted, never delivered. */
void sf_decoder_restart (sf_decoder *dec);
sf_dec_state sf_decoder_state (const sf_decoder *dec);

/* --- Sequence accounting ---------------------------------------------- */

typedef struct {
  uint32_t expected; /* seq the next frame should carry */
  uint8_t valid;
  uint8_t version;   /* of the packets counted */
  uint64_t lost;     /* frames missing in total */
  uint64_t restarts; /* backward jumps, taken as a sender restart */
} sf_seq_tracker;

void sf_seq_tracker_init (sf_seq_tracker *t);
/* Feed every delivered native packet; returns how many frames were lost
 * just before it (no packet of them arrived).  A jump backwards (more than
 * half the number space ahead: 2^15 in version 2, 2^31 in version 1)
 * counts as a restart and loses nothing, and so does a change of
 * version. */
uint32_t sf_seq_tracker_update (sf_seq_tracker *t, const sf_header *hdr);

/* --- Names for logging ------------------------------------------------- */

const char *sf_result_name (sf_result r);
const char *sf_mode_name (sf_mode mode);
const char *sf_type_name (uint8_t type);
const char *sf_dec_state_name (sf_dec_state state);

/* --- Streaming encoder --------------------------------------------------
 * For senders that cannot hold a whole encoded packet: a microcontroller
 * streaming a camera frame to its UART.  In the style of heatshrink's
 * sink/poll/finish: the payload goes in, in pieces of any size, and the wire
 * bytes come out through a buffer of the caller's, of any size (one byte
 * will do).  The state is one sf_stream of fixed size: 448 bytes on x86-64
 * and on 32-bit CPUs that align 64-bit integers to 8 bytes (ESP32, ARM), 444
 * on i386; room for the longest header and one COBS block.  Nothing else is
 * needed, and the payload is never copied whole.  The CRC-32C is computed as
 * the payload goes through.
 *
 * The output is byte for byte what sf_encode_native(), sf_encode_cobs() and
 * sf_encode_slip() write with the same header and options, however the
 * input and output are cut; so are the errors (CAPS at most SF_CAPS_MAX
 * bytes without NUL, EOS without payload, FRAGMENT not empty, control
 * payloads as section 8.2 says).  Version 2 headers need nothing in
 * advance; a version 1 header announces the payload's length, which
 * hdr->payload_len must give.
 *
 *   sf_stream s;
 *   uint8_t out[64];
 *   size_t n, w;
 *   sf_result r;
 *
 *   r = sf_stream_begin (&s, SF_MODE_NATIVE, 0, &hdr, NULL);
 *   while (r >= 0 && len > 0) {                 (the payload, any pieces)
 *     r = sf_stream_sink (&s, data, len, &n);   (takes what fits)
 *     data += n;
 *     len -= n;
 *     do {                                      (then empty the state)
 *       r = sf_stream_poll (&s, out, sizeof (out), &w);
 *       uart_write (out, w);
 *     } while (r == SF_STREAM_MORE);
 *   }
 *   if (r >= 0)
 *     r = sf_stream_finish (&s);                (CRC, last block, 0x00)
 *   while (r == SF_STREAM_MORE) {
 *     r = sf_stream_poll (&s, out, sizeof (out), &w);
 *     uart_write (out, w);
 *   }
 *   (r is SF_STREAM_DONE: the whole packet is out; negative: an error)
 *
 * Errors are sticky: after one, every call but sf_stream_begin returns it
 * again, so a loop like the one above needs one check.  A packet abandoned
 * halfway (a new sf_stream_begin, an error) leaves a truncated packet on the
 * wire, which a native receiver drops at the next delimiter and counts (the
 * cobs and slip framings have no check to tell). */

/* sf_stream_begin option: write the delimiter a sender starts with (0x00,
 * 0xC0 in slip; see sf_write_delimiter) before the packet.  Bit 8, clear of
 * the codec's other options. */
#define SF_OPT_INITIAL_DELIMITER (1u << 8)

/* Bytes of wire kept in an sf_stream: the initial delimiter, the longest
 * header through COBS, and one whole COBS block (code byte and 254 data
 * bytes) behind them. */
#define SF_STREAM_BUFFER_SIZE (1 + SF_HEADER_MAX + 1 + 254)

typedef struct {
  /* private */
  uint8_t buf[SF_STREAM_BUFFER_SIZE];
  uint64_t payload;   /* payload bytes taken */
  uint32_t remaining; /* native version 1: payload bytes still announced;
                       * version 2: the fewest the type needs */
  uint32_t crc;       /* native: CRC-32C so far */
  uint16_t rd;        /* next byte for sf_stream_poll */
  uint16_t end;       /* end of the bytes ready for sf_stream_poll; in cobs
                       * modes also where the open block's code byte goes */
  uint16_t pos;       /* cobs modes: next data byte of the open block; pos ==
                       * end when no block is open */
  uint8_t mode;
  uint8_t type;    /* native packet type */
  uint8_t version; /* native packet version */
  uint8_t phase;
  uint8_t after_full; /* the last closed COBS block was a full 0xFF one */
  uint8_t escaped;    /* xon-xoff: the second byte of an escape, still due */
  uint8_t trailer[SF_CRC_SIZE]; /* native: the CRC, once finished */
  uint8_t trailer_pos;
  uint8_t trailer_len;
  uint8_t compact; /* native CAPS in the compact form: 00 bytes allowed */
  unsigned options;
  sf_result error;
  /* native control packets: section 8.2's rules on the payload taken */
  sf_control_check ctl;
} sf_stream;

/* Starts a packet.  mode is SF_MODE_NATIVE (hdr as for sf_encode_native(),
 * its fields that can refer to the previous frame in ref doing so, as with
 * sf_encoder_begin_ref(); ref may be NULL), SF_MODE_COBS or SF_MODE_SLIP
 * (hdr and ref unused, may be NULL).  options: SF_OPT_XONXOFF,
 * SF_OPT_SLIP_NO_LEADING_END, SF_OPT_INITIAL_DELIMITER.  The header is
 * encoded at once and waits in s for sf_stream_poll(). */
sf_result sf_stream_begin (sf_stream *s, sf_mode mode, unsigned options,
    const sf_header *hdr, const sf_frame_ref *ref);
/* Takes payload bytes, as many as fit in s before sf_stream_poll() must
 * make room: *consumed may be anything from 0 to len (0: poll first).
 * SF_OK, or an error (the payload rules of the packet's type are checked on
 * all of data and len, taken or not). */
sf_result sf_stream_sink (sf_stream *s, const void *data, size_t len,
    size_t *consumed);
/* Writes up to out_size (at least 1) wire bytes into out and sets
 * *written: SF_STREAM_MORE when out is full and more is pending (poll
 * again), SF_OK when all that is ready is out (the open COBS block waits
 * for more payload: sink more, or finish), SF_STREAM_DONE when the whole
 * packet is out (after sf_stream_finish()); s may then begin the next
 * packet. */
sf_result sf_stream_poll (sf_stream *s, uint8_t *out, size_t out_size,
    size_t *written);
/* Ends the payload: the CRC (native), the last COBS block and the
 * delimiter follow through sf_stream_poll().  SF_STREAM_MORE while bytes
 * are pending, SF_STREAM_DONE once everything was polled (it may be called
 * again), or an error (SF_ERR_LENGTH: a version 1 payload shorter than
 * announced, an empty FRAGMENT; SF_ERR_ARG: a REPORT or NACK payload cut
 * short).  sf_stream_sink() is refused after it. */
sf_result sf_stream_finish (sf_stream *s);

#ifdef __cplusplus
}
#endif

#endif /* SERIALFRAME_H */
