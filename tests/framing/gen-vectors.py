#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test vectors for the framing codec, from an implementation independent of
# the C one: everything here is written from docs/protocol.md, and the caps
# token table is read from its section 9.2.  Writes tests/framing/vectors/
# and seeds tests/fuzz/corpus/decoder/.  Run from anywhere; the output is
# committed, so the tests never need Python.
#
# Every record is checked here before it is written: packets the sender
# writes go through this file's own receiver (section 16) and must come
# back as the frame they were made from; damaged ones must be dropped under
# the counter the record names; a frame of fec.txt must come back from its
# parity whenever section 8.1 says a receiver can rebuild it.
import os
import random
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VEC_DIR = os.path.join(HERE, "vectors")
CORPUS_DIR = os.path.join(HERE, "..", "fuzz", "corpus", "decoder")
SPEC = os.path.join(HERE, "..", "..", "docs", "protocol.md")

U64 = (1 << 64) - 1
NONE = U64  # a time that is absent (section 6)
TIME_MAX = U64 - 1
HEADER_MAX = 128
CAPS_MAX = 4096

# Host and version 2 type numbers (section 4); version 1 numbers (section
# 12).
DATA, FRAGMENT, CAPS, EOS, PARITY = 0, 1, 2, 3, 4
SKIP, REPORT, NACK, KEY_REQUEST, CAPS_REQUEST = 5, 8, 9, 10, 11
TYPE_NAMES = {DATA: "DATA", FRAGMENT: "FRAGMENT", CAPS: "CAPS", EOS: "EOS",
              PARITY: "PARITY", SKIP: "SKIP", REPORT: "REPORT", NACK: "NACK",
              KEY_REQUEST: "KEY_REQUEST", CAPS_REQUEST: "CAPS_REQUEST"}
FRAME_TYPES = (DATA, FRAGMENT, PARITY)  # the types with flags and times
# Section 8.2: the common header only, a payload of varints.
CONTROL_TYPES = (SKIP, REPORT, NACK, KEY_REQUEST, CAPS_REQUEST)
CONTROL_PAYLOAD_MAX = 128  # a NACK's
V1_WIRE = {DATA: 1, CAPS: 2, EOS: 3}
V1_FRAG = 4  # reserved in version 1

# Section 5.
F_FLAGS = 0x01
F_MORE = 0x80
M_STREAM, M_SENDER_TIME, M_EXTENSIONS = 0x01, 0x02, 0x04
PTS_NONE, PTS_ABS, PTS_PREDICTED, PTS_DIFF = 0, 1, 2, 3
DTS_NONE, DTS_SAME, DTS_BEFORE, DTS_ABS = 0, 1, 2, 3
DUR_NONE, DUR_VALUE, DUR_SAME = 0, 1, 2


class Drop(Exception):
    """A packet a receiver drops; args[0] is the counter (section 16)."""


# --- Section 3.1, 13, 15, 20 ----------------------------------------------

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def cobs(data):
    out = bytearray()
    block = bytearray()
    after_full = False
    for b in data:
        if b == 0:
            out.append(len(block) + 1)
            out += block
            block = bytearray()
            after_full = False
        else:
            block.append(b)
            if len(block) == 254:
                out.append(255)
                out += block
                block = bytearray()
                after_full = True
    # No empty block after a full one that ends the data.
    if block or not after_full:
        out.append(len(block) + 1)
        out += block
    return bytes(out)


def uncobs(data):
    out = bytearray()
    i = 0
    while i < len(data):
        code = data[i]
        block = data[i + 1:i + code]
        if code == 0 or len(block) != code - 1 or 0 in block:
            raise Drop("malformed")  # a block cut by the delimiter
        out += block
        i += code
        if code != 0xFF and i < len(data):
            out.append(0)
    return bytes(out)


def xonxoff(data):
    out = bytearray()
    for b in data:
        if b in (0x11, 0x13, 0x7D):
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    return bytes(out)


def unxonxoff(data):
    out = bytearray()
    esc = False
    for b in data:
        if b in (0x11, 0x13):
            continue
        if esc:
            if b not in (0x31, 0x33, 0x5D):
                raise Drop("malformed")
            out.append(b ^ 0x20)
            esc = False
        elif b == 0x7D:
            esc = True
        else:
            out.append(b)
    if esc:
        raise Drop("malformed")
    return bytes(out)


def slip(data, leading=True):
    out = bytearray([0xC0]) if leading else bytearray()
    for b in data:
        if b == 0xC0:
            out += b"\xdb\xdc"
        elif b == 0xDB:
            out += b"\xdb\xdd"
        else:
            out.append(b)
    out.append(0xC0)
    return bytes(out)


def frame_wire(packet, xon=False):
    """A packet (before COBS) as it goes on the line, delimiter included."""
    enc = cobs(packet) + b"\x00"
    return xonxoff(enc) if xon else enc


def with_crc(body):
    return body + struct.pack("<I", crc32c(body))


# --- Section 2 -------------------------------------------------------------

def varint(v):
    assert 0 <= v <= U64
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def zigzag(n):
    assert -(1 << 63) <= n < (1 << 63)
    return ((n << 1) ^ (n >> 63)) & U64


def unzigzag(u):
    return (u >> 1) ^ -(u & 1)


def read_varint(buf, pos, end, maximum):
    """Reads a varint in buf[pos:end]; returns (value, next position)."""
    v = 0
    for i in range(10):
        if pos + i >= end:
            raise Drop("malformed")  # runs past the header
        b = buf[pos + i]
        if i == 9 and b > 1:
            raise Drop("malformed")  # the tenth byte holds bit 63 only
        v |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if v > maximum:
                raise Drop("malformed")
            return v, pos + i + 1
    raise Drop("malformed")


# --- Version 1 (section 12) ------------------------------------------------

def v1_body(payload, type_=DATA, flags=0, seq=0, pts=NONE, dts=NONE,
            duration=NONE, sender_time=NONE, version=1, wire_type=None,
            payload_len=None):
    if wire_type is None:
        wire_type = V1_WIRE[type_]
    if payload_len is None:
        payload_len = len(payload)
    return struct.pack("<BBHIQQQQI", version, wire_type, flags, seq, pts,
                       dts, duration, sender_time, payload_len) + payload


def v1_packet(payload, **h):
    return with_crc(v1_body(payload, **h))


# --- Version 2: the sender (sections 3 to 8) ------------------------------

def frame(type_=DATA, seq=0, stream=0, flags=0, pts=NONE, dts=NONE,
          duration=NONE, sender_time=NONE, frag_index=0, frag_count=0,
          compact=0, parity_count=0, last_size=0):
    return dict(version=2, type=type_, seq=seq, stream=stream, flags=flags,
                pts=pts, dts=dts, duration=duration, sender_time=sender_time,
                frag_index=frag_index, frag_count=frag_count, compact=compact,
                parity_count=parity_count, last_size=last_size)


def held(prev, f):
    """The previous frame (seq, pts, duration) if it is f's seq - 1."""
    if prev is not None and prev[0] == (f["seq"] - 1) & 0xFFFF:
        return prev
    return None


def plan_pts(f, prev):
    """The PTS encoding of section 6 that writes fewest bytes."""
    pts = f["pts"]
    if pts == NONE:
        return PTS_NONE, None
    if prev and prev[1] != NONE and prev[2] != NONE and \
            prev[1] + prev[2] == pts:
        return PTS_PREDICTED, None
    best = (PTS_ABS, varint(pts))
    if prev and prev[1] != NONE:
        d = pts - prev[1]
        if -(1 << 63) <= d < (1 << 63) and \
                len(varint(zigzag(d))) < len(best[1]):
            best = (PTS_DIFF, varint(zigzag(d)))
    return best


def plan_dts(f):
    pts, dts = f["pts"], f["dts"]
    if dts == NONE:
        return DTS_NONE, None
    if pts != NONE and dts == pts:
        return DTS_SAME, None
    best = (DTS_ABS, varint(dts))
    if pts != NONE and dts < pts and \
            len(varint(pts - dts)) < len(best[1]):
        best = (DTS_BEFORE, varint(pts - dts))
    return best


def plan_duration(f, prev):
    dur = f["duration"]
    if dur == NONE:
        return DUR_NONE, None
    if prev and prev[2] == dur:
        return DUR_SAME, None
    return DUR_VALUE, varint(dur)


def v2_header(f, prev=None, ext=None):
    """The header the reference encoder writes for frame f (section 6's
    choice of encodings), with optional extension records."""
    prev = held(prev, f)
    t = f["type"]
    fields = more = 0
    body = b""
    if f["stream"]:
        more |= M_STREAM
    if f["sender_time"] != NONE:
        more |= M_SENDER_TIME
    if ext is not None:
        more |= M_EXTENSIONS
    if t in FRAME_TYPES:
        if t in (FRAGMENT, PARITY):
            body += varint(f["frag_index"]) + varint(f["frag_count"])
        if t == PARITY:
            body += varint(f["parity_count"]) + varint(f["last_size"])
        if f["flags"]:
            fields |= F_FLAGS
            body += varint(f["flags"])
        for shift, (enc, data) in ((1, plan_pts(f, prev)), (3, plan_dts(f)),
                                   (5, plan_duration(f, prev))):
            fields |= enc << shift
            body += data or b""
    elif t == CAPS:
        fields |= 1 if f["compact"] else 0
    if more:
        fields |= F_MORE
    out = bytes([0x02 | t << 4, fields])
    if more:
        out += bytes([more])
    out += struct.pack("<H", f["seq"])
    if f["stream"]:
        out += varint(f["stream"])
    out += body
    if f["sender_time"] != NONE:
        out += struct.pack("<Q", f["sender_time"])
    if ext is not None:
        out += varint(len(ext)) + ext
    return out


def ext_record(tag, value):
    return bytes([tag]) + varint(len(value)) + value


def padded_header(prefix, size):
    """prefix (ending before the extensions) and one record that make a
    header of size bytes."""
    for n in range(256):
        ext = ext_record(0x01, b"\xee" * n)
        header = prefix + varint(len(ext)) + ext
        if len(header) == size:
            return header
    raise ValueError(size)


# --- Forward error correction: PARITY (section 8.1) ------------------------
# Written from the formulas of section 8.1, plainly rather than fast: the
# vectors need only small frames.

GF_POLY = 0x11D  # x^8 + x^4 + x^3 + x^2 + 1
BLOCK_DATA_MAX = 128  # data pieces in a block: b = ceil(n / 128)
BLOCK_MAX = 256  # k + m


def gf_mul(a, b):
    """a * b in GF(2^8): the product of two polynomials over GF(2) (bit i
    is the coefficient of x^i), reduced modulo GF_POLY as it grows."""
    p = 0
    while b:
        if b & 1:
            p ^= a
        b >>= 1
        a <<= 1
        if a & 0x100:
            a ^= GF_POLY
    return p


# The whole multiplication table (MUL[a][b] = a * b), for the loops below.
MUL = [[gf_mul(a, b) for b in range(256)] for a in range(256)]
# The powers of 0x02, which generates the multiplicative group:
# GF_EXP[i] = 2^i for i = 0 .. 254, GF_LOG its inverse.
GF_EXP = [1]
for _ in range(254):
    GF_EXP.append(MUL[GF_EXP[-1]][2])
GF_LOG = {x: i for i, x in enumerate(GF_EXP)}


def gf_inv(a):
    """The multiplicative inverse of a != 0: 2^(255 - log a)."""
    assert a != 0
    return GF_EXP[(255 - GF_LOG[a]) % 255]


# Known facts of GF(2^8) with 0x11D, checked before anything is built on it.
assert MUL[0x80][0x02] == 0x1D  # x^8 = x^4 + x^3 + x^2 + 1
assert sorted(GF_EXP) == list(range(1, 256))  # 0x02 has order 255 ...
assert MUL[GF_EXP[254]][0x02] == 1  # ... and 2^255 = 1
assert gf_inv(1) == 1 and gf_inv(0x02) == 0x8E  # 2 * 0x8E = 0x11C ^ 0x11D
for a in range(256):
    assert MUL[a][0] == 0 and MUL[a][1] == a
    for b in range(1, 256):
        assert MUL[a][b] == MUL[b][a]
        if a:  # the tables of 0x02 agree with the plain product
            assert MUL[a][b] == GF_EXP[(GF_LOG[a] + GF_LOG[b]) % 255]
    if a:
        assert MUL[a][gf_inv(a)] == 1


def coef(k, r, c):
    """Parity row r's coefficient of data column c, in a block of k data
    pieces: inv((k + r) XOR c), k + r an integer from k to k + m - 1."""
    assert 0 <= c < k and k + r < BLOCK_MAX
    return gf_inv((k + r) ^ c)


def block_parity(data, m):
    """The m parity pieces P_0 .. P_(m-1) of a block of data pieces D_c
    (all of one size F): P_r[t] = XOR over c of coef(k, r, c) * D_c[t]."""
    k = len(data)
    assert k >= 1 and k + m <= BLOCK_MAX
    parity = []
    for r in range(m):
        p = bytearray(len(data[0]))
        for c in range(k):
            row = MUL[coef(k, r, c)]
            for t, d in enumerate(data[c]):
                p[t] ^= row[d]
        parity.append(bytes(p))
    return parity


def ceil_div(a, b):
    return -(-a // b)


def fec_blocks(n):
    """b: how many blocks a frame of n pieces is coded in."""
    return ceil_div(n, BLOCK_DATA_MAX)


def block_members(count, b, j):
    """The pieces (data pieces of a frame of count pieces, or parity pieces
    of M = count) that block j holds, in column (or row) order: piece i is
    in block i mod b, at column i div b."""
    return list(range(j, count, b))


def check_parity_numbers(n, m, p):
    """A PARITY header's numbers, as section 8.1 lists what is malformed
    (last_size is checked with the payload)."""
    if n == 0 or m == 0 or p >= m:
        raise Drop("malformed")
    b = fec_blocks(n)
    # block 0 has the most data pieces and the most parity pieces
    if ceil_div(n, b) + ceil_div(m, b) > BLOCK_MAX:
        raise Drop("malformed")


def fec_pieces(data, n, piece_size):
    """The frame's n pieces of F bytes, the last zero-padded to F."""
    assert (n - 1) * piece_size < len(data) <= n * piece_size
    return [data[i * piece_size:(i + 1) * piece_size].ljust(piece_size,
                                                             b"\x00")
            for i in range(n)]


def frame_parity(data, n, piece_size, m):
    """The frame's m parity pieces, in order of p."""
    b = fec_blocks(n)
    pieces = fec_pieces(data, n, piece_size)
    parity = [None] * m
    for j in range(b):
        cols = block_members(n, b, j)
        rows = block_members(m, b, j)
        assert len(cols) == ceil_div(n - j, b)  # k_j
        assert len(rows) == (ceil_div(m - j, b) if m > j else 0)  # m_j
        for p, piece in zip(rows, block_parity([pieces[i] for i in cols],
                                               len(rows))):
            parity[p] = piece
    return parity


def gf_solve(a, rhs):
    """Solves a x = rhs over GF(2^8) by Gauss-Jordan elimination: a is an
    e x e matrix (lists of rows), rhs e rows of bytes, one per equation.
    Returns the e rows of x."""
    e = len(a)
    a = [list(row) for row in a]
    rhs = [bytearray(row) for row in rhs]
    for col in range(e):
        pivot = next(r for r in range(col, e) if a[r][col])  # or singular
        a[col], a[pivot] = a[pivot], a[col]
        rhs[col], rhs[pivot] = rhs[pivot], rhs[col]
        scale = MUL[gf_inv(a[col][col])]
        a[col] = [scale[v] for v in a[col]]
        rhs[col] = bytearray(scale[v] for v in rhs[col])
        for r in range(e):
            if r != col and a[r][col]:
                f = MUL[a[r][col]]
                a[r] = [v ^ f[w] for v, w in zip(a[r], a[col])]
                rhs[r] = bytearray(v ^ f[w] for v, w in zip(rhs[r],
                                                            rhs[col]))
    return [bytes(row) for row in rhs]


def fec_recoverable(n, m, lost_data, lost_parity):
    """Section 8.1's rule: every block with a data piece missing has at
    least k_j of its pieces, data and parity."""
    b = fec_blocks(n)
    for j in range(b):
        cols = block_members(n, b, j)
        if not set(cols) & set(lost_data):
            continue
        held = len(set(cols) - set(lost_data)) + \
            len(set(block_members(m, b, j)) - set(lost_parity))
        if held < len(cols):
            return False
    return True


def fec_rebuild(n, piece_size, last_size, m, data, parity, last_rows=False):
    """The receiver of section 8.1: data and parity map the numbers of the
    pieces it holds to their bytes (the last data piece last_size bytes).
    Returns the frame, or None when a block lacks pieces.  With last_rows
    it solves with the block's last parity rows it holds instead of the
    first: any of them must do."""
    b = fec_blocks(n)
    data = {i: d.ljust(piece_size, b"\x00") for i, d in data.items()}
    for j in range(b):
        cols = block_members(n, b, j)
        k = len(cols)
        missing = [c for c, i in enumerate(cols) if i not in data]
        if not missing:
            continue
        rows = [r for r, p in enumerate(block_members(m, b, j))
                if p in parity]
        if len(rows) < len(missing):
            return None
        rows = rows[-len(missing):] if last_rows else rows[:len(missing)]
        # Each parity piece minus the known columns' contribution ...
        rhs = []
        for r in rows:
            y = bytearray(parity[j + r * b])
            for c, i in enumerate(cols):
                if i in data:
                    row = MUL[coef(k, r, c)]
                    for t, d in enumerate(data[i]):
                        y[t] ^= row[d]
            rhs.append(y)
        # ... is what the missing columns make of it.
        a = [[coef(k, r, c) for c in missing] for r in rows]
        for c, piece in zip(missing, gf_solve(a, rhs)):
            data[cols[c]] = piece
    whole = b"".join(data[i] for i in range(n))
    return whole[:(n - 1) * piece_size + last_size]


# --- The receiver (sections 6, 7, 12, 16) ---------------------------------

def receive(packet, prev=None):
    """Checks a decoded packet as section 16 says.  Returns (header dict,
    payload); raises Drop(counter).  prev is the frame the receiver holds,
    (stream, seq, pts, duration), or None."""
    if len(packet) < 8:
        raise Drop("malformed")
    body = packet[:-4]
    if crc32c(body) != struct.unpack("<I", packet[-4:])[0]:
        raise Drop("crc_errors")
    if body[0] == 0x01:
        return receive_v1(body)
    if body[0] & 0x0F != 2:
        raise Drop("bad_version")
    t = body[0] >> 4
    if t not in TYPE_NAMES:
        raise Drop("unknown_type")
    fields = body[1]
    # Reserved bits and encodings are visible before anything is parsed.
    if t in FRAME_TYPES and (fields >> 5) & 3 == 3:
        raise Drop("unsupported")
    if (t == CAPS and fields & 0x7E) or (t == EOS and fields & 0x7F):
        raise Drop("unsupported")
    if t in CONTROL_TYPES and fields & 0x7F:
        raise Drop("unsupported")  # only MORE is defined
    pos, more = 2, 0
    if fields & F_MORE:
        more = body[2]
        pos = 3
        if more & 0xF8:
            raise Drop("unsupported")
    if pos + 2 > len(body):
        raise Drop("malformed")
    h = frame(t, seq=struct.unpack_from("<H", body, pos)[0])
    h["unknown"] = set()
    pos += 2
    end = len(body)
    if more & M_STREAM:
        # The spec gives the stream no range; 32 bits are taken here.
        h["stream"], pos = read_varint(body, pos, end, 0xFFFFFFFF)
    if t in FRAME_TYPES:
        pos = receive_frame_fields(body, pos, fields, h, prev)
    elif t == CAPS:
        h["compact"] = fields & 1
    if more & M_SENDER_TIME:
        if pos + 8 > end:
            raise Drop("malformed")
        h["sender_time"] = struct.unpack_from("<Q", body, pos)[0]
        pos += 8
    if more & M_EXTENSIONS:
        pos = receive_extensions(body, pos)
    if pos > HEADER_MAX:
        raise Drop("malformed")
    payload = body[pos:]
    check_payload(h, payload)
    h["header_len"] = pos
    return h, payload


def receive_frame_fields(body, pos, fields, h, prev):
    end = len(body)
    if h["type"] in (FRAGMENT, PARITY):
        h["frag_index"], pos = read_varint(body, pos, end, 0xFFFF)
        h["frag_count"], pos = read_varint(body, pos, end, 0xFFFF)
    if h["type"] == FRAGMENT:
        if h["frag_count"] == 0 or h["frag_index"] >= h["frag_count"]:
            raise Drop("malformed")
    if h["type"] == PARITY:
        # The spec gives parity_count no range of its own: it numbers
        # pieces as frag_index does (p < M), so 16 bits are taken here.
        # last_size is checked against the payload (check_payload).
        h["parity_count"], pos = read_varint(body, pos, end, 0xFFFF)
        h["last_size"], pos = read_varint(body, pos, end, U64)
        check_parity_numbers(h["frag_count"], h["parity_count"],
                             h["frag_index"])
    if fields & F_FLAGS:
        h["flags"], pos = read_varint(body, pos, end, 0xFFFF)
    p = None
    if prev and prev[0] == h["stream"] and prev[1] == (h["seq"] - 1) & 0xFFFF:
        p = prev[2:]
    enc = (fields >> 1) & 3
    if enc == PTS_ABS:
        h["pts"], pos = read_varint(body, pos, end, TIME_MAX)
    elif enc == PTS_PREDICTED:
        if p and p[0] != NONE and p[1] != NONE and p[0] + p[1] <= TIME_MAX:
            h["pts"] = p[0] + p[1]
        else:
            h["unknown"].add("pts")
    elif enc == PTS_DIFF:
        u, pos = read_varint(body, pos, end, U64)
        if p and p[0] != NONE and 0 <= p[0] + unzigzag(u) <= TIME_MAX:
            h["pts"] = p[0] + unzigzag(u)
        else:
            h["unknown"].add("pts")
    enc = (fields >> 3) & 3
    if enc == DTS_SAME:
        h["dts"] = h["pts"]
        if "pts" in h["unknown"]:
            h["unknown"].add("dts")
    elif enc == DTS_BEFORE:
        v, pos = read_varint(body, pos, end, TIME_MAX)
        if "pts" in h["unknown"]:
            h["unknown"].add("dts")
        elif h["pts"] == NONE or v > h["pts"]:
            raise Drop("malformed")  # a DTS before 0
        else:
            h["dts"] = h["pts"] - v
    elif enc == DTS_ABS:
        h["dts"], pos = read_varint(body, pos, end, TIME_MAX)
    enc = (fields >> 5) & 3
    if enc == DUR_VALUE:
        h["duration"], pos = read_varint(body, pos, end, TIME_MAX)
    elif enc == DUR_SAME:
        if p and p[1] != NONE:
            h["duration"] = p[1]
        else:
            h["unknown"].add("duration")
    return pos


def receive_extensions(body, pos):
    total, pos = read_varint(body, pos, len(body), U64)
    end = pos + total
    if end > len(body):
        raise Drop("malformed")
    while pos < end:
        tag = body[pos]
        n, pos = read_varint(body, pos + 1, end, U64)
        if tag & 0x80:
            raise Drop("unsupported")  # critical, and none is known
        if pos + n > end:
            raise Drop("malformed")
        pos += n
    return pos


def check_payload(h, payload):
    t = h["type"]
    if t == FRAGMENT and not payload:
        raise Drop("malformed")
    if t == PARITY and not 0 < h["last_size"] <= len(payload):
        raise Drop("malformed")  # an empty payload fails here too
    if t == CAPS and len(payload) > CAPS_MAX:
        raise Drop("malformed")
    # The plain string has no NUL; the compact form may carry 0x00 inside
    # a hex run (section 9.2), and is checked when it is expanded.
    if t == CAPS and not h["compact"] and 0 in payload:
        raise Drop("malformed")
    if t == EOS and payload:
        raise Drop("malformed")
    if t in (SKIP, KEY_REQUEST, CAPS_REQUEST) and payload:
        raise Drop("malformed")
    if t == REPORT:
        h["report"] = read_report(payload)
    if t == NACK:
        h["nack"] = read_nack(payload)


def read_varints(payload):
    """A control payload is varints only: none may be cut short (section
    8.2 lets later revisions append varints, so they are read too)."""
    pos, values = 0, []
    while pos < len(payload):
        v, pos = read_varint(payload, pos, len(payload), U64)
        values.append(v)
    return values


def read_report(payload):
    """(last_seq, delay, packets, damaged, wire_bytes, lost, repaired)"""
    values = read_varints(payload)
    if len(values) < 7 or values[0] > 0xFFFF:
        raise Drop("malformed")
    return tuple(values[:7])


def read_nack(payload):
    """(frag_count, [(first, count), ...]): the pairs fill the payload."""
    if len(payload) > CONTROL_PAYLOAD_MAX:
        raise Drop("malformed")
    values = read_varints(payload)
    if not values or values[0] > 0xFFFF or len(values) % 2 == 0:
        raise Drop("malformed")  # no frag_count, or a pair cut short
    frag_count, rest = values[0], values[1:]
    pairs = list(zip(rest[0::2], rest[1::2]))
    if (frag_count == 0) != (not pairs):
        raise Drop("malformed")  # pairs of nothing, or none of something
    end = 0
    for first, count in pairs:
        if first < end or count == 0 or first + count > frag_count:
            raise Drop("malformed")  # backwards, overlapping, past the end
        end = first + count
    return frag_count, pairs


def report_payload(r):
    return b"".join(varint(v) for v in r)


def nack_payload(frag_count, pairs):
    return varint(frag_count) + b"".join(varint(a) + varint(b)
                                         for a, b in pairs)


def receive_v1(body):
    if len(body) < 44:
        raise Drop("malformed")
    (_, wire_type, flags, seq, pts, dts, duration, sender_time,
     payload_len) = struct.unpack_from("<BBHIQQQQI", body)
    types = {v: k for k, v in V1_WIRE.items()}
    if wire_type not in types:
        raise Drop("unknown_type")
    if payload_len != len(body) - 44:
        raise Drop("malformed")
    h = frame(types[wire_type], seq=seq, flags=flags, pts=pts, dts=dts,
              duration=duration, sender_time=sender_time)
    h.update(version=1, header_len=44, unknown=set())
    payload = body[44:]
    check_payload(h, payload)
    return h, payload


# --- Compact caps (section 9.2) -------------------------------------------

def load_caps_table():
    """The token table, as the spec lists it: code -> text."""
    with open(SPEC, encoding="utf-8") as f:
        spec = f.read()
    section = spec[spec.index("### 9.2"):spec.index("### 9.3")]
    rows = re.findall(r"^\| `([0-9A-F]{2})` \| `(.*)` \|$", section, re.M)
    table = {int(code, 16): text.encode() for code, text in rows}
    assert sorted(table) == list(range(0x80, 0xEA)), "table must be 80-E9"
    return table


CAPS_TABLE = load_caps_table()
HEX = b"0123456789abcdef"


def caps_compact(s):
    """The reference encoder's choices (section 9.2)."""
    out = bytearray()
    i = 0
    while i < len(s):
        if s[:i].endswith(b"(buffer)"):
            n = 0
            while i + 2 * n + 1 < len(s) and s[i + 2 * n] in HEX and \
                    s[i + 2 * n + 1] in HEX:
                n += 1
            while n:
                run = min(n, 255)
                out += bytes([0xFE, run]) + bytes.fromhex(
                    s[i:i + 2 * run].decode())
                i += 2 * run
                n -= run
            if i == len(s):
                break
        best = None
        for code, text in CAPS_TABLE.items():
            if s.startswith(text, i) and (best is None or
                                          len(text) > len(best[1])):
                best = (code, text)
        if best:
            out.append(best[0])
            i += len(best[1])
        else:
            if s[i] >= 0x80:
                out.append(0xFF)
            out.append(s[i])
            i += 1
    return bytes(out)


def caps_expand(c):
    out = bytearray()
    i = 0
    while i < len(c):
        b = c[i]
        i += 1
        if b == 0 or 0xEA <= b <= 0xFD:
            raise Drop("malformed")
        if b < 0x80:
            out.append(b)
        elif b <= 0xE9:
            out += CAPS_TABLE[b]
        elif b == 0xFE:
            if i >= len(c) or c[i] == 0 or i + 1 + c[i] > len(c):
                raise Drop("malformed")
            out += c[i + 1:i + 1 + c[i]].hex().encode()
            i += 1 + c[i]
        else:
            if i >= len(c) or c[i] == 0:
                raise Drop("malformed")
            out.append(c[i])
            i += 1
        if len(out) > CAPS_MAX:
            raise Drop("too_long")
    return bytes(out)


# --- Records -------------------------------------------------------------

files = {"native": [], "native-v1": [], "cobs": [], "slip": [], "caps": [],
         "fec": []}
corpus = []  # (name, config byte, stream)


def fmt_time(t):
    return "none" if t == NONE else str(t)


def header_lines(h):
    lines = [("version", str(h["version"])), ("type", TYPE_NAMES[h["type"]]),
             ("seq", str(h["seq"]))]
    if h["version"] == 2:
        lines.append(("stream", str(h["stream"])))
    if h["type"] in (FRAGMENT, PARITY):
        lines += [("frag_index", str(h["frag_index"])),
                  ("frag_count", str(h["frag_count"]))]
    if h["type"] == PARITY:
        lines += [("parity_count", str(h["parity_count"])),
                  ("last_size", str(h["last_size"]))]
    if h["type"] == CAPS and h["version"] == 2:
        lines.append(("compact", str(h["compact"])))
    lines += [("flags", "0x%04x" % h["flags"]), ("pts", fmt_time(h["pts"])),
              ("dts", fmt_time(h["dts"])),
              ("duration", fmt_time(h["duration"])),
              ("sender_time", fmt_time(h["sender_time"]))]
    return lines


def same_frame(a, b):
    keys = ("version", "type", "seq", "stream", "flags", "pts", "dts",
            "duration", "sender_time", "frag_index", "frag_count", "compact",
            "parity_count", "last_size")
    return all(a[k] == b[k] for k in keys) and \
        a.get("report") == b.get("report") and a.get("nack") == b.get("nack")


def payload_lines(h):
    """What a control payload says (section 21)."""
    if "report" in h:
        return [("report", ",".join(str(v) for v in h["report"]))]
    if "nack" in h:
        frag_count, pairs = h["nack"]
        text = str(frag_count)
        if pairs:
            text += ";" + ",".join("%d+%d" % p for p in pairs)
        return [("nack", text)]
    return []


def add_record(file, name, h, payload, packet, xon=False, comment=None,
               prev=None, encode=True):
    """A packet that is delivered.  h is the header the receiver reads when
    it holds prev (the frame (seq, pts, duration) of h's stream that the
    packet refers to); the record also says what it cannot resolve
    without it."""
    wire = frame_wire(packet, xon)
    p = (h["stream"],) + prev if prev else None
    got, got_payload = receive(
        uncobs(unxonxoff(wire[:-1]) if xon else wire[:-1]), p)
    assert same_frame(got, h) and got_payload == payload and \
        not got["unknown"], name
    rec = [("#", comment)] if comment else []
    rec += [("name", name), ("mode", "native"),
            ("options", "xonxoff" if xon else "none")]
    rec += header_lines(h)
    if prev:
        lacking, _ = receive(packet, None)
        rec.append(("previous", "%d,%s,%s" % (prev[0], fmt_time(prev[1]),
                                               fmt_time(prev[2]))))
        rec.append(("unknown", ",".join(
            k for k in ("pts", "dts", "duration")
            if k in lacking["unknown"]) or "none"))
    if not encode:
        rec.append(("encode", "no"))
    if h["version"] == 2:
        rec.append(("header_len", str(got["header_len"])))
    rec += payload_lines(h)
    rec += [("payload", payload.hex()), ("encoded", wire.hex())]
    files[file].append(rec)
    return wire


def add_v2(name, f, payload=b"", prev=None, xon=False, comment=None):
    """A packet as the reference encoder writes it."""
    packet = with_crc(v2_header(f, prev) + payload)
    return add_record("native", name, f, payload, packet, xon, comment, prev)


def add_v2_raw(name, f, header, payload=b"", prev=None, comment=None):
    """A valid packet a sender would not write this way (a longer varint,
    an extension): receivers decode it, the encoder is not compared."""
    packet = with_crc(header + payload)
    assert v2_header(f, prev) != header, name
    return add_record("native", name, f, payload, packet, comment=comment,
                      prev=prev, encode=False)


def add_v1(name, payload, xon=False, comment=None, **h):
    f = frame(**{k: v for k, v in h.items()})
    f["version"] = 1
    return add_record("native-v1", name, f, payload, v1_packet(payload, **h),
                      xon, comment)


def add_reject(file, name, wire, expect, comment, prev=None):
    try:
        p = (0,) + prev if prev else None
        receive(uncobs(wire[:-1]), p)
        got = "delivered"
    except Drop as e:
        got = e.args[0]
    assert got == expect, "%s: %s, not %s" % (name, got, expect)
    rec = [("#", comment), ("name", name), ("mode", "native"),
           ("options", "none")]
    if prev:
        rec.append(("previous", "%d,%s,%s" % (prev[0], fmt_time(prev[1]),
                                               fmt_time(prev[2]))))
    rec += [("expect", expect), ("encoded", wire.hex())]
    files[file].append(rec)
    return wire


def reject_v2(name, header, expect, comment, payload=b"", prev=None):
    return add_reject("native", name, frame_wire(with_crc(header + payload)),
                      expect, comment, prev)


def add_simple(mode, name, payload, options="none", comment=None):
    if mode == "cobs":
        enc = cobs(payload) + b"\x00"
    else:
        enc = slip(payload, leading=(options != "no-leading-end"))
    if options == "xonxoff":
        enc = xonxoff(enc)
    rec = [("name", name), ("mode", mode), ("options", options),
           ("payload", payload.hex()), ("encoded", enc.hex())]
    if comment:
        rec.insert(0, ("#", comment))
    files[mode].append(rec)


def nz(n, start=1):
    # n non-zero bytes cycling 1..255
    return bytes(((start - 1 + i) % 255) + 1 for i in range(n))


# --- Version 1 vectors: the bytes of gst-serial 0.x ------------------------

EXAMPLE = dict(type_=DATA, flags=0x0021, seq=7, pts=1000000000, dts=NONE,
               duration=33333333, sender_time=1700000000123456789)
EXAMPLE_PAYLOAD = bytes.fromhex("deadbeef00c0ffee")

add_v1("v1-example", EXAMPLE_PAYLOAD,
       comment="The version 1 worked example of docs/protocol.md, 18.2",
       **EXAMPLE)
add_v1("v1-data-empty", b"", seq=0)
add_v1("v1-eos", b"", type_=EOS, seq=42, sender_time=1700000001000000000)
add_v1("v1-caps",
       b"video/x-raw,format=GRAY8,width=4,height=4,framerate=30/1",
       type_=CAPS, seq=42)
add_v1("v1-flags-seq-wrap", b"\x01", flags=0x0FFF, seq=0xFFFFFFFF,
       pts=0, dts=0, duration=0, sender_time=0)
add_v1("v1-zeros-256", bytes(256), seq=1, pts=33333333)
add_v1("v1-ff-256", b"\xff" * 256, seq=2)
for n in (253, 254, 255, 256):
    add_v1("v1-run-%d" % n, nz(n), seq=n,
           comment="%d non-zero payload bytes: the payload starts a new "
           "COBS block" % n)
add_v1("v1-xonxoff", b"\x11\x13\x7d\x00\x31\x33\x5d\x20",
       xon=True, seq=0x7D1311, pts=0x1113, flags=0x0011,
       comment="xon-xoff escaping of header, payload, CRC and COBS codes")
add_v1("v1-xonxoff-plain", b"\x11\x13\x7d\x00", xon=False,
       seq=0x7D1311, comment="the same kind of payload without escaping")
rng = random.Random(20240601)
add_v1("v1-random-1024", bytes(rng.randrange(256) for _ in range(1024)),
       seq=1000, pts=1000 * 33333333, dts=1000 * 33333333,
       duration=33333333, sender_time=1700000000000000000,
       flags=0x0001)

good = v1_packet(EXAMPLE_PAYLOAD, **EXAMPLE)
bad = bytearray(good)
bad[45] ^= 0x01
add_reject("native-v1", "v1-reject-crc", cobs(bytes(bad)) + b"\x00",
           "crc_errors", "the example with payload bit 8 flipped")
add_reject("native-v1", "v1-reject-version",
           frame_wire(v1_packet(b"", version=3)), "bad_version",
           "a version 1 layout with version 3 and a valid CRC (a version 2 "
           "byte here would make a valid version 2 packet)")
add_reject("native-v1", "v1-reject-length",
           frame_wire(v1_packet(b"abc", payload_len=4)), "malformed",
           "payload length field says 4, packet carries 3")
add_reject("native-v1", "v1-reject-type",
           frame_wire(v1_packet(b"frag", wire_type=V1_FRAG)), "unknown_type",
           "reserved DATA_FRAGMENT type, valid CRC")
add_reject("native-v1", "v1-reject-type-length",
           frame_wire(v1_packet(b"frag", wire_type=V1_FRAG, payload_len=9)),
           "unknown_type",
           "a reserved type is told before a payload length that does not "
           "match (section 16: step 7 before step 9)")
add_reject("native-v1", "v1-reject-eos-payload",
           frame_wire(v1_packet(b"x", type_=EOS)), "malformed",
           "EOS must not carry payload")
add_reject("native-v1", "v1-reject-caps-nul",
           frame_wire(v1_packet(b"a\x00b", type_=CAPS)), "malformed",
           "CAPS string with a NUL")
add_reject("native-v1", "v1-reject-short", cobs(bytes(range(1, 11))) + b"\x00",
           "crc_errors", "10 bytes that are no packet: long enough for a "
           "version 2 header and a CRC, so the CRC decides (section 16)")
add_reject("native-v1", "v1-reject-short-header",
           frame_wire(with_crc(bytes([0x01, 0x01, 0, 0, 7, 0]))), "malformed",
           "version 1 with a valid CRC, shorter than its 44-byte header")
add_reject("native-v1", "v1-reject-truncated", b"\x30\x01\x02\x00",
           "malformed", "COBS block announces 47 bytes, a delimiter comes "
           "after 2")

# --- Version 2 vectors ----------------------------------------------------

SEC = 1000000000
FPS30 = 33333333
ST = 1700000000123456789

# The worked example of docs/protocol.md, 18.1: the version 1 example's
# frame, then the next one of a steady stream.
V2_EXAMPLE = frame(DATA, seq=7, flags=0x0021, pts=SEC, duration=FPS30,
                   sender_time=ST)
V2_NEXT = frame(DATA, seq=8, pts=SEC + FPS30, duration=FPS30)
add_v2("v2-example", V2_EXAMPLE, EXAMPLE_PAYLOAD,
       comment="The version 2 worked example of docs/protocol.md, 18.1")
add_v2("v2-example-next", V2_NEXT, EXAMPLE_PAYLOAD, prev=(7, SEC, FPS30),
       comment="The next frame of 18.1: PTS predicted, duration the same, "
       "a 4-byte header")

# Every type, every optional field.
add_v2("v2-data-empty", frame(DATA), comment="the smallest packet: 8 bytes")
add_v2("v2-data-flags", frame(DATA, seq=1, flags=0x0001), b"\x01",
       comment="flags in a 1-byte varint")
add_v2("v2-data-flags-all", frame(DATA, seq=2, flags=0x0FFF), b"\x02",
       comment="every defined flag: a 2-byte varint")
add_v2("v2-data-pts-zero", frame(DATA, seq=3, pts=0), b"\x03")
add_v2("v2-data-pts-max", frame(DATA, seq=4, pts=TIME_MAX), b"\x04",
       comment="the largest time: 2^64 - 2, a 10-byte varint")
add_v2("v2-data-pts-2e63", frame(DATA, seq=5, pts=1 << 63), b"\x05",
       comment="bit 63 alone: the tenth varint byte is 01")
add_v2("v2-data-dts-same", frame(DATA, seq=6, pts=SEC, dts=SEC), b"\x06",
       comment="DTS equal to the PTS: nothing written")
add_v2("v2-data-dts-before", frame(DATA, seq=7, pts=SEC + 2 * FPS30,
                                   dts=SEC), b"\x07",
       comment="DTS before the PTS: PTS minus a varint")
add_v2("v2-data-dts-before-absolute",
       frame(DATA, seq=8, pts=2 * FPS30, dts=0), b"\x08",
       comment="DTS before the PTS, but its absolute value is shorter "
       "(1 byte against 4): absolute")
add_v2("v2-data-dts-before-tie", frame(DATA, seq=9, pts=100, dts=50), b"\x09",
       comment="PTS minus 50 and 50 take a byte each: absolute on a tie")
add_v2("v2-data-dts-after", frame(DATA, seq=10, pts=SEC, dts=SEC + FPS30),
       b"\x0a", comment="DTS after the PTS: absolute")
add_v2("v2-data-dts-no-pts", frame(DATA, seq=11, dts=5 * SEC), b"\x0b",
       comment="a DTS without a PTS: absolute")
add_v2("v2-data-duration", frame(DATA, seq=12, duration=FPS30), b"\x0c")
add_v2("v2-data-duration-zero", frame(DATA, seq=13, duration=0), b"\x0d")
add_v2("v2-data-sender-time", frame(DATA, seq=14, sender_time=ST), b"\x0e",
       comment="sender_time alone: the more byte follows fields")
add_v2("v2-data-sender-time-zero", frame(DATA, seq=15, sender_time=0),
       b"\x0f", comment="sender_time 0 is a time, not none")
add_v2("v2-data-stream", frame(DATA, seq=16, stream=1, pts=SEC), b"\x10")
add_v2("v2-data-stream-300", frame(DATA, seq=17, stream=300), b"\x11",
       comment="stream 300: a 2-byte varint")
add_v2("v2-data-stream-max", frame(DATA, seq=18, stream=0xFFFFFFFF), b"\x12")
add_v2("v2-data-all-fields",
       frame(DATA, seq=0xBEEF, stream=7, flags=0x0821, pts=5 * SEC,
             dts=5 * SEC - 3 * FPS30, duration=FPS30, sender_time=ST),
       bytes(range(32)), comment="every field a DATA packet can have")
add_v2("v2-data-seq-max", frame(DATA, seq=0xFFFF, pts=SEC), b"\xff")
add_v2("v2-data-zeros", frame(DATA, seq=19, pts=0, duration=0), bytes(300),
       comment="zeros everywhere: COBS code bytes stand for them")
add_v2("v2-data-run-254", frame(DATA, seq=20), nz(254),
       comment="a 4-byte header, 254 non-zero bytes and the CRC: "
       "a full COBS block")
rng = random.Random(20261202)
add_v2("v2-data-random-1024",
       frame(DATA, seq=21, flags=1, pts=21 * FPS30, duration=FPS30),
       bytes(rng.randrange(256) for _ in range(1024)))

# Fields that refer to the previous frame (sections 6 and 7).
add_v2("v2-pts-predicted", frame(DATA, seq=9, pts=SEC + 2 * FPS30,
                                 duration=FPS30, flags=1),
       b"\x09", prev=(8, SEC + FPS30, FPS30),
       comment="PTS = previous PTS + previous duration: nothing written")
add_v2("v2-pts-predicted-new-duration",
       frame(DATA, seq=9, pts=SEC + 2 * FPS30, duration=FPS30 + 1),
       b"\x09", prev=(8, SEC + FPS30, FPS30),
       comment="predicted PTS, but a duration of its own")
add_v2("v2-pts-predicted-duration-zero",
       frame(DATA, seq=9, pts=SEC, duration=0), b"\x09",
       prev=(8, SEC, 0),
       comment="the previous frame lasted 0 ns: the prediction is its PTS")
add_v2("v2-pts-difference-forward",
       frame(DATA, seq=11, pts=SEC + 3 * FPS30, duration=FPS30), b"\x0b",
       prev=(10, SEC + 2 * FPS30 + 1000, FPS30),
       comment="not the prediction: zigzag(33332333) in 4 bytes beats 5")
add_v2("v2-pts-difference-backward",
       frame(DATA, seq=12, pts=SEC + FPS30, dts=SEC, duration=FPS30,
             flags=1), b"\x0c", prev=(11, SEC + 3 * FPS30, FPS30),
       comment="a B-frame: PTS behind the previous one, a negative "
       "difference; DTS as PTS minus")
add_v2("v2-pts-difference-tie", frame(DATA, seq=13, pts=50), b"\x0d",
       prev=(12, 100, NONE),
       comment="difference -50 and absolute 50 take a byte each: absolute")
add_v2("v2-pts-difference-2e62",
       frame(DATA, seq=14, pts=1 << 63), b"\x0e",
       prev=(13, (1 << 63) + (1 << 62), NONE),
       comment="difference -2^62: zigzag 2^63 - 1 in 9 bytes beats the "
       "10 bytes of 2^63")
add_v2("v2-pts-difference-over-int64",
       frame(DATA, seq=15, pts=TIME_MAX), b"\x0f", prev=(14, 0, NONE),
       comment="a difference beyond 64-bit two's complement: absolute")
add_v2("v2-duration-same", frame(DATA, seq=21, pts=7 * SEC, duration=40000000),
       b"\x15", prev=(20, NONE, 40000000),
       comment="the previous frame had no PTS: absolute PTS, same duration")
add_v2("v2-dts-same-predicted",
       frame(DATA, seq=31, pts=SEC + FPS30, dts=SEC + FPS30, duration=FPS30),
       b"\x1f", prev=(30, SEC, FPS30),
       comment="DTS the same as a predicted PTS: unknown with it")
add_v2("v2-dts-before-predicted",
       frame(DATA, seq=41, pts=SEC + FPS30, dts=SEC - FPS30, duration=FPS30,
             flags=1), b"\x29", prev=(40, SEC, FPS30),
       comment="DTS as predicted PTS minus 66666666: unknown with the PTS")
add_v2("v2-dts-absolute-predicted",
       frame(DATA, seq=51, pts=SEC + FPS30, dts=SEC + 2 * FPS30,
             duration=FPS30), b"\x33", prev=(50, SEC, FPS30),
       comment="an absolute DTS stays known when the PTS is not")
add_v2("v2-seq-wrap", frame(DATA, seq=0, pts=2 * SEC + FPS30, duration=FPS30),
       b"\x00", prev=(0xFFFF, 2 * SEC, FPS30),
       comment="seq 0 follows 65535: the previous frame is 65535")
add_v2("v2-stream-predicted",
       frame(DATA, seq=100, stream=3, pts=SEC + FPS30, duration=FPS30),
       b"\x64", prev=(99, SEC, FPS30),
       comment="references are per stream: frame 99 of stream 3")

# Fragments (section 8).
FRAG = dict(seq=60, flags=0x0021, pts=2 * SEC, duration=FPS30,
            sender_time=ST)
add_v2("v2-fragment-first", frame(FRAGMENT, frag_index=0, frag_count=3,
                                  **FRAG), nz(100),
       comment="first of three 100-byte pieces of a 250-byte frame")
add_v2("v2-fragment-middle", frame(FRAGMENT, frag_index=1, frag_count=3,
                                   **FRAG), nz(100, 101))
add_v2("v2-fragment-last", frame(FRAGMENT, frag_index=2, frag_count=3,
                                 **FRAG), nz(50, 201),
       comment="the last piece carries the rest")
FRAG = dict(seq=61, pts=2 * SEC + FPS30, duration=FPS30)
for i, pos in enumerate(("first", "middle", "last")):
    add_v2("v2-fragment-%s-predicted" % pos,
           frame(FRAGMENT, frag_index=i, frag_count=3, **FRAG),
           nz(64 if i < 2 else 1, 1 + 64 * i), prev=(60, 2 * SEC, FPS30),
           comment="every fragment of frame 61 refers to frame 60"
           if i == 0 else None)
add_v2("v2-fragment-single", frame(FRAGMENT, seq=62, frag_index=0,
                                   frag_count=1), b"\x3e",
       comment="frag_count 1 is valid on the wire (senders use DATA)")
add_v2("v2-fragment-max", frame(FRAGMENT, seq=63, frag_index=65534,
                                frag_count=65535), b"\x3f",
       comment="the last of 65535 fragments: 3-byte varints")
add_v2("v2-fragment-stream",
       frame(FRAGMENT, seq=64, stream=2, frag_index=1, frag_count=2,
             dts=SEC), b"\x40")

# PARITY (section 8.1): the parity pieces of frames 60 and 61 above, whose
# fragments are v2-fragment-*, and of the worked example's frame, sent as
# DATA.  Their payloads are the frames' real parity.
PARITY_FRAMES = {}  # name -> (frame, F, M, frame() fields, previous)


def add_parity(name, data, piece_size, m, fields, prev=None, comment=None):
    """The M PARITY packets of a frame cut in pieces of piece_size bytes
    (fields: frame()'s arguments), records name-0 .. name-(M-1)."""
    n = ceil_div(len(data), piece_size)
    last_size = len(data) - (n - 1) * piece_size
    PARITY_FRAMES[name] = (data, piece_size, m, fields, prev)
    for p, piece in enumerate(frame_parity(data, n, piece_size, m)):
        add_v2("%s-%d" % (name, p),
               frame(PARITY, frag_index=p, frag_count=n, parity_count=m,
                     last_size=last_size, **fields),
               piece, prev=prev, comment=None if p else comment)


def check_repair(name, last_rows):
    """A frame of add_parity() as the sender writes it (DATA or fragments,
    then parity), through this file's receiver, with as many data pieces
    lost in each block as it has parity: the frame comes back."""
    data, piece_size, m, fields, prev = PARITY_FRAMES[name]
    n = ceil_div(len(data), piece_size)
    b = fec_blocks(n)
    lost = set()
    for j in range(b):
        lost |= set(block_members(n, b, j)[:len(block_members(m, b, j))])
    pieces = [data[i * piece_size:(i + 1) * piece_size] for i in range(n)]
    sent = [(frame(DATA, **fields), data)] if n == 1 else \
        [(frame(FRAGMENT, frag_index=i, frag_count=n, **fields), piece)
         for i, piece in enumerate(pieces)]
    sent += [(frame(PARITY, frag_index=p, frag_count=n, parity_count=m,
                    last_size=len(pieces[-1]), **fields), piece)
             for p, piece in enumerate(frame_parity(data, n, piece_size, m))]
    held = (fields.get("stream", 0),) + prev if prev else None
    got_data, got_parity = {}, {}
    for f, payload in sent:
        h, got = receive(with_crc(v2_header(f, prev) + payload), held)
        if h["type"] == PARITY:
            got_parity[h["frag_index"]] = got
            numbers = (h["frag_count"], len(got), h["last_size"],
                       h["parity_count"])
        elif h["frag_index"] not in lost:
            got_data[h["frag_index"]] = got
    assert fec_rebuild(*numbers, got_data, got_parity, last_rows) == data, \
        name


FRAG = dict(seq=60, flags=0x0021, pts=2 * SEC, duration=FPS30,
            sender_time=ST)
add_parity("v2-parity", nz(250), 100, 2, FRAG,
           comment="the 2 parity pieces of frame 60 (v2-fragment-first, "
           "-middle, -last: 3 pieces of 100 bytes, the last of 50): the "
           "fragments' fields, then parity_count 2 and last_size 50")
FRAG = dict(seq=61, pts=2 * SEC + FPS30, duration=FPS30)
add_parity("v2-parity-predicted", nz(129), 64, 2, FRAG,
           prev=(60, 2 * SEC, FPS30),
           comment="every parity piece of frame 61 refers to frame 60, as "
           "its fragments do; its last piece is 1 byte")
add_parity("v2-parity-example", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 2,
           dict(seq=7, flags=0x0021, pts=SEC, duration=FPS30,
                sender_time=ST),
           comment="the parity of the worked example's frame (18.1), sent "
           "as DATA: n = 1, F = last_size = its length; piece 0 is a copy "
           "of the frame, piece 1 the frame times inv(2)")
add_parity("v2-parity-stream", b"telemetry", 5, 1,
           dict(seq=80, stream=5, pts=3 * SEC, dts=3 * SEC - FPS30))
add_parity("v2-parity-fewer-than-blocks", nz(300), 1, 1,
           dict(seq=81),
           comment="300 pieces in 3 blocks and 1 parity piece: a sender "
           "sends at least one per block, but M < b is not malformed")
# Numbers at their limits: headers alone, no frame behind the payload.
h = dict(seq=82)
add_v2("v2-parity-block-256", frame(PARITY, frag_index=127, frag_count=128,
                                    parity_count=128, last_size=1, **h),
       b"\x52", comment="128 data and 128 parity pieces in one block: "
       "k + m = 256, the most")
add_v2("v2-parity-block-256-interleaved",
       frame(PARITY, frag_index=381, frag_count=129, parity_count=382,
             last_size=1, **h), b"\x52",
       comment="129 pieces in 2 blocks: block 0 has 65 data and 191 parity "
       "pieces, 256")
add_v2("v2-parity-max", frame(PARITY, frag_index=65534, frag_count=65535,
                              parity_count=65535, last_size=1, **h),
       b"\x52", comment="the largest numbers (3-byte varints): 512 blocks of "
       "at most 128 data and 128 parity pieces")
add_v2("v2-parity-last-size-long",
       frame(PARITY, frag_index=0, frag_count=1, parity_count=1,
             last_size=300, **h), nz(300),
       comment="the parity of a 300-byte DATA frame: last_size in 2 bytes")
for name in PARITY_FRAMES:
    check_repair(name, False)
    check_repair(name, True)

# CAPS and EOS (section 9).
JPEG_CAPS = (b"image/jpeg, sof-marker=(int)0, width=(int)640, "
             b"height=(int)480, pixel-aspect-ratio=(fraction)1/1, "
             b"framerate=(fraction)30/1, interlace-mode=(string)progressive, "
             b"colorimetry=(string)bt601, chroma-site=(string)jpeg, "
             b"multiview-mode=(string)mono, multiview-flags=("
             b"GstVideoMultiviewFlagsSet)0:ffffffff:/right-view-first/"
             b"left-flipped/left-flopped/right-flipped/right-flopped/"
             b"half-aspect/mixed-mono")
H264_CAPS = (b"video/x-h264, stream-format=(string)avc, "
             b"alignment=(string)au, level=(string)4, "
             b"profile=(string)high, codec_data=(buffer)"
             b"01640028ffe1001b67640028acd940780227e5c04400000fa40003a983c60c"
             b"658001000568ebecb22c, width=(int)1920, height=(int)1080, "
             b"framerate=(fraction)30/1, pixel-aspect-ratio=(fraction)1/1, "
             b"chroma-format=(string)4:2:0, bit-depth-luma=(uint)8, "
             b"bit-depth-chroma=(uint)8, parsed=(boolean)true")
RAW_CAPS = (b"video/x-raw, format=(string)GRAY8, width=(int)320, "
            b"height=(int)240, framerate=(fraction)30/1")
add_v2("v2-caps-plain", frame(CAPS, seq=42), RAW_CAPS)
add_v2("v2-caps-compact-jpeg", frame(CAPS, seq=42, compact=1),
       caps_compact(JPEG_CAPS),
       comment="jpegenc's caps in 15 bytes")
add_v2("v2-caps-compact-h264", frame(CAPS, seq=43, compact=1),
       caps_compact(H264_CAPS),
       comment="compact H.264 caps: the codec_data bytes include 00, which "
       "the compact form carries as they are")
add_v2("v2-caps-stream-sender-time",
       frame(CAPS, seq=44, stream=5, sender_time=ST), RAW_CAPS)
add_v2("v2-caps-max", frame(CAPS, seq=45), b"c" * CAPS_MAX,
       comment="a 4096-byte string, the longest")
add_v2("v2-caps-empty", frame(CAPS, seq=46), b"")
add_v2("v2-eos", frame(EOS, seq=42))
add_v2("v2-eos-sender-time", frame(EOS, seq=43, sender_time=ST + SEC))
add_v2("v2-eos-stream", frame(EOS, seq=0xFFFF, stream=1))

# Control packets (section 8.2).  They came after the other records: their
# fuzz seeds come after the others' too (CONTROL_RECORDS).
CONTROL_RECORDS = set()


def control(t, seq=0, stream=0, sender_time=NONE, report=None, nack=None):
    """A control packet's header, and what its payload says."""
    f = frame(t, seq=seq, stream=stream, sender_time=sender_time)
    payload = b""
    if report is not None:
        f["report"] = tuple(report)
        payload = report_payload(report)
    if nack is not None:
        f["nack"] = (nack[0], list(nack[1]))
        payload = nack_payload(*nack)
    return f, payload


def add_control(name, f, payload, xon=False, comment=None):
    CONTROL_RECORDS.add(name)
    return add_v2(name, f, payload, xon=xon, comment=comment)


def canonical_payload(f):
    if "report" in f:
        return report_payload(f["report"])
    return nack_payload(*f["nack"]) if "nack" in f else b""


def add_control_raw(name, f, header, payload, comment):
    """A valid packet a sender writes otherwise: a header with an
    extension, or a payload in longer varints or with more of them."""
    CONTROL_RECORDS.add(name)
    assert (header, payload) != (v2_header(f), canonical_payload(f)), name
    return add_record("native", name, f, payload, with_crc(header + payload),
                      comment=comment, encode=False)


def reject_control(name, header, expect, comment, payload=b""):
    CONTROL_RECORDS.add(name)
    return reject_v2(name, header, expect, comment, payload)


REPORT_EXAMPLE = (5, 1200, 1000, 3, 123456, 2, 1)
add_control("v2-skip-stream-sender-time",
            *control(SKIP, seq=100, stream=2, sender_time=ST),
            comment="the sender no longer repairs frames before 100")
add_control("v2-report", *control(REPORT, seq=6, report=REPORT_EXAMPLE),
            comment="frames before 6 delivered or given up; the last intact "
            "packet was of frame 5, 1.2 ms ago; 1000 packets, 3 damaged, "
            "123456 bytes, 2 frames lost, 1 repaired")
add_control("v2-report-zeros", *control(REPORT, report=(0,) * 7))
add_control("v2-report-max",
            *control(REPORT, seq=0xFFFF, report=(0xFFFF,) + (U64,) * 6),
            comment="the largest values: last_seq 65535, the counters "
            "2^64 - 1 in 10-byte varints")
add_control("v2-report-stream-sender-time",
            *control(REPORT, seq=9, stream=3, sender_time=ST,
                     report=(8, 0, 1, 0, 60, 0, 0)))
f, payload = control(REPORT, seq=10, report=REPORT_EXAMPLE)
add_control_raw("v2-report-later-varints", f, v2_header(f),
                payload + varint(7) + varint(U64),
                comment="two varints of a later revision after the seven: "
                "ignored")
f, payload = control(REPORT, seq=11, report=(0xFFFF, 1, 0, 0, 0, 0, 0))
add_control_raw("v2-report-long-varints", f, v2_header(f),
                b"\xff\xff\x83\x80\x80\x80\x80\x80\x80\x00" +
                b"\x81\x00" + b"\x80\x00" * 5,
                comment="last_seq 65535 in 10 bytes, the counters in 2")
add_control("v2-nack-whole", *control(NACK, seq=9, nack=(0, [])),
            comment="frag_count 0: the receiver knows nothing of frame 9 and "
            "asks for all of it")
add_control("v2-nack", *control(NACK, seq=60, nack=(12, [(0, 2), (5, 1),
                                                         (11, 1)])),
            comment="pieces 0, 1, 5 and 11 of frame 60's 12")
add_control("v2-nack-touching",
            *control(NACK, seq=61, nack=(8, [(0, 2), (2, 3), (7, 1)])),
            comment="ranges that touch do not overlap")
add_control("v2-nack-max",
            *control(NACK, seq=0xFFFF, nack=(65535, [(0, 1), (65534, 1)])),
            comment="the first and the last of 65535 pieces")
add_control("v2-nack-20-ranges",
            *control(NACK, seq=62, nack=(65535, [(20000 + 2000 * i, 1000)
                                                 for i in range(20)])),
            comment="20 ranges of 3-byte numbers, 103 bytes")
add_control("v2-nack-128-bytes",
            *control(NACK, seq=63, nack=(200, [(2 * i, 1)
                                               for i in range(63)])),
            comment="63 ranges in 128 bytes, the longest payload; a "
            "receiver that keeps fewer keeps the first ones")
add_control("v2-nack-stream-sender-time",
            *control(NACK, seq=64, stream=4, sender_time=ST,
                     nack=(3, [(1, 1)])))
add_control("v2-nack-xonxoff", *control(NACK, seq=0x1311,
                                        nack=(0x13, [(0x11, 2)])),
            xon=True, comment="xon-xoff escaping of seq and payload")
f, payload = control(NACK, seq=65, nack=(5, [(1, 2)]))
add_control_raw("v2-nack-long-varints", f, v2_header(f),
                b"\x85\x00\x81\x80\x00\x82\x00",
                comment="frag_count 5, first 1 and count 2 in longer forms")
add_control("v2-key-request-stream", *control(KEY_REQUEST, seq=77, stream=1))
add_control("v2-caps-request-sender-time",
            *control(CAPS_REQUEST, seq=0x8000, sender_time=ST))
f, payload = control(REPORT, seq=12, report=REPORT_EXAMPLE)
add_control_raw("v2-report-extension", f,
                bytes([0x82, 0x80, 0x04, 12, 0]) + varint(3) +
                ext_record(0x01, b"\x42"), payload,
                comment="a REPORT with a non-critical extension record")

# xon-xoff (section 15) on a version 2 packet.
add_v2("v2-xonxoff", frame(DATA, seq=0x7D13, flags=0x0011, pts=0x1113),
       b"\x11\x13\x7d\x00\x31\x33\x5d\x20", xon=True,
       comment="xon-xoff escaping of header, payload, CRC and COBS codes")

# Valid packets a sender does not write this way: receivers accept them.
h = frame(DATA, seq=1, pts=1)
add_v2_raw("v2-varint-long", h, bytes([0x02, 0x02, 1, 0, 0x81, 0x80, 0x80,
                                       0x00]), b"\x01",
           comment="PTS 1 in a 4-byte varint: receivers accept longer forms")
h = frame(DATA, seq=2, pts=0)
add_v2_raw("v2-varint-10-bytes", h, bytes([0x02, 0x02, 2, 0]) +
           b"\x80" * 9 + b"\x00", b"\x02",
           comment="PTS 0 in 10 bytes, the most a varint may take")
h = frame(DATA, seq=3)
add_v2_raw("v2-more-empty", h, bytes([0x02, 0x80, 0x00, 3, 0]), b"\x03",
           comment="a more byte with no bit set")
h = frame(DATA, seq=4, pts=SEC)
add_v2_raw("v2-extension-skipped", h, bytes([0x02, 0x82, 0x04, 4, 0]) +
           varint(SEC) + varint(5) + ext_record(0x01, b"\xaa\xbb\xcc"),
           b"\x04", comment="a non-critical extension record, skipped")
h = frame(DATA, seq=5, pts=SEC, sender_time=ST)
ext = ext_record(0x7F, b"") + ext_record(0x00, b"\x00" * 3) + \
    ext_record(0x33, b"xyzab")
add_v2_raw("v2-extensions-skipped", h,
           bytes([0x02, 0x82, 0x06, 5, 0]) + varint(SEC) +
           struct.pack("<Q", ST) + varint(len(ext)) + ext, b"\x05",
           comment="three non-critical records, one empty")
h = frame(CAPS, seq=6)
add_v2_raw("v2-extensions-empty", h, bytes([0x22, 0x80, 0x04, 6, 0, 0]),
           b"caps", comment="extensions present with L = 0")
h = frame(EOS, seq=7, stream=9)
add_v2_raw("v2-extension-eos", h, bytes([0x32, 0x80, 0x05, 7, 0, 9]) +
           varint(3) + ext_record(0x10, b"\x01"),
           comment="EOS with a stream and an extension")
h = frame(DATA, seq=8)
add_v2_raw("v2-header-128", h,
           padded_header(bytes([0x02, 0x80, 0x04, 8, 0]), HEADER_MAX),
           b"\x08", comment="a 128-byte header, the longest")
h = frame(FRAGMENT, seq=9, frag_index=0, frag_count=2)
add_v2_raw("v2-fragment-long-varints", h, bytes([0x12, 0x00, 9, 0, 0x80,
                                                 0x00, 0x82, 0x80, 0x00]),
           b"\x09", comment="frag_index 0 and frag_count 2 in longer forms")
h = frame(PARITY, seq=10, frag_index=1, frag_count=2, parity_count=2,
          last_size=1)
add_v2_raw("v2-parity-long-varints", h, bytes([0x42, 0x00, 10, 0, 0x81, 0x00,
                                               0x82, 0x00, 0x82, 0x80, 0x00,
                                               0x81, 0x00]),
           b"\x0a", comment="p 1, n 2, M 2 and last_size 1 in longer forms")

# Damaged or unsupported packets: dropped and counted (section 16).
v2 = bytearray(with_crc(v2_header(V2_EXAMPLE) + EXAMPLE_PAYLOAD))
v2[25] ^= 0x01
add_reject("native", "v2-reject-crc", cobs(bytes(v2)) + b"\x00", "crc_errors",
           "the example with bit 0 of payload byte 2 flipped")
reject_v2("v2-reject-version-3", bytes([0x03, 0, 0, 0]), "bad_version",
          "low nibble 3: a later version")
reject_v2("v2-reject-version-0", bytes([0x00, 0, 0, 0]), "bad_version",
          "low nibble 0")
reject_v2("v2-reject-version-f", bytes([0xFF, 0, 0, 0]), "bad_version",
          "low nibble 15")
reject_v2("v2-reject-version-1-type", bytes([0x11, 0, 0, 0] + [0] * 40),
          "bad_version", "low nibble 1 with a type: only 0x01 is version 1")
reject_v2("v2-reject-type-4", bytes([0x42, 0, 1, 0]), "malformed",
          "type 4 was reserved; it is PARITY now (section 8.1), and this "
          "header ends before its frag_index")
# Types 5 and 8 to 11 were reserved too: these bytes, seq 1 and no payload,
# are now a SKIP, a REPORT and a NACK that lack their payload, a
# KEY_REQUEST and a CAPS_REQUEST (section 8.2).  They keep their place, so
# that their fuzz seeds keep their bytes.
CONTROL_RENAMED = {SKIP: "v2-skip", KEY_REQUEST: "v2-key-request",
                   CAPS_REQUEST: "v2-caps-request"}
for t in (5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15):
    was = "type %d was reserved; it is %s now (section 8.2)" % (
        t, TYPE_NAMES.get(t))
    if t in CONTROL_RENAMED:
        add_v2(CONTROL_RENAMED[t], frame(t, seq=1), comment=was)
    elif t in CONTROL_TYPES:
        reject_v2("v2-reject-type-%d" % t, bytes([0x02 | t << 4, 0, 1, 0]),
                  "malformed", was + ", and this one lacks its payload")
    else:
        reject_v2("v2-reject-type-%d" % t, bytes([0x02 | t << 4, 0, 1, 0]),
                  "unknown_type", "reserved type %d" % t)
reject_v2("v2-reject-type-first", bytes([0xC2, 0x80, 0x00, 0x00]),
          "unknown_type",
          "a reserved type (12) is told before its header is read: MORE "
          "set, but no seq")
reject_v2("v2-reject-more-reserved", bytes([0x02, 0x80, 0x08, 0, 0]),
          "unsupported", "more bit 3 (reserved)")
reject_v2("v2-reject-more-reserved-7", bytes([0x22, 0x80, 0x80, 0, 0]),
          "unsupported", "more bit 7 (reserved), on CAPS")
reject_v2("v2-reject-duration-3", bytes([0x02, 0x60, 0, 0]), "unsupported",
          "DURATION encoding 3 (reserved)")
reject_v2("v2-reject-duration-3-first", bytes([0x02, 0x62, 0, 0]) +
          b"\x80" * 11, "unsupported",
          "DURATION encoding 3 is told before the PTS varint (11 bytes) is "
          "read: step 8 comes before step 9")
reject_v2("v2-reject-fragment-duration-3",
          bytes([0x12, 0x60, 0, 0, 0, 1]), "unsupported",
          "DURATION encoding 3 on a FRAGMENT", payload=b"x")
for bit in (0x02, 0x40):
    reject_v2("v2-reject-caps-reserved-%02x" % bit,
              bytes([0x22, bit, 0, 0]), "unsupported",
              "CAPS fields bit 0x%02x (reserved)" % bit, payload=b"caps")
reject_v2("v2-reject-eos-reserved", bytes([0x32, 0x01, 0, 0]), "unsupported",
          "EOS fields bit 0 (reserved)")
reject_v2("v2-reject-extension-critical",
          bytes([0x02, 0x80, 0x04, 0, 0, 3]) + ext_record(0x80, b"\x01"),
          "unsupported", "a critical extension (tag 0x80) nobody knows")
reject_v2("v2-reject-extension-critical-second",
          bytes([0x02, 0x80, 0x04, 0, 0, 5]) + ext_record(0x01, b"") +
          ext_record(0xFF, b"\x01"), "unsupported",
          "a critical extension after a skipped one")
reject_v2("v2-reject-short", bytes([0x02, 0x00, 0x00]), "malformed",
          "7 bytes: shorter than a header and a CRC")
reject_v2("v2-reject-seq-cut", bytes([0x02, 0x80, 0x00, 0x00]), "malformed",
          "MORE set: the seq lacks a byte")
reject_v2("v2-reject-varint-cut", bytes([0x02, 0x02, 0, 0, 0x80, 0x80]),
          "malformed", "the PTS varint runs into the CRC")
reject_v2("v2-reject-varint-11", bytes([0x02, 0x02, 0, 0]) + b"\x80" * 10 +
          b"\x00", "malformed", "an 11-byte varint")
reject_v2("v2-reject-varint-65-bits", bytes([0x02, 0x02, 0, 0]) +
          b"\x80" * 9 + b"\x02", "malformed",
          "a tenth varint byte of 02: more than 64 bits")
reject_v2("v2-reject-pts-none", bytes([0x02, 0x02, 0, 0]) + varint(U64),
          "malformed", "a PTS varint of 2^64 - 1: over a time's range")
reject_v2("v2-reject-duration-none", bytes([0x02, 0x20, 0, 0]) + varint(U64),
          "malformed", "a duration varint of 2^64 - 1")
reject_v2("v2-reject-flags-range", bytes([0x02, 0x01, 0, 0]) +
          varint(0x10000), "malformed", "flags 65536: over 16 bits")
reject_v2("v2-reject-frag-count-range", bytes([0x12, 0, 0, 0, 0]) +
          varint(0x10000), "malformed", "frag_count 65536", payload=b"x")
reject_v2("v2-reject-frag-index", bytes([0x12, 0, 0, 0, 3, 3]), "malformed",
          "frag_index 3 of 3", payload=b"x")
reject_v2("v2-reject-frag-count-0", bytes([0x12, 0, 0, 0, 0, 0]),
          "malformed", "frag_count 0", payload=b"x")
reject_v2("v2-reject-fragment-empty", bytes([0x12, 0, 0, 0, 0, 2]),
          "malformed", "a fragment without payload")


def parity_header(p, n, m, last_size, fields=0):
    return bytes([0x42, fields, 0, 0]) + varint(p) + varint(n) + varint(m) + \
        varint(last_size)


reject_v2("v2-reject-parity-frag-count-0", parity_header(0, 0, 1, 1),
          "malformed", "PARITY of a frame of 0 pieces", payload=b"x")
reject_v2("v2-reject-parity-count-0", parity_header(0, 1, 0, 1), "malformed",
          "parity_count 0", payload=b"x")
reject_v2("v2-reject-parity-index", parity_header(2, 3, 2, 1), "malformed",
          "parity piece 2 of 2", payload=b"x")
reject_v2("v2-reject-parity-empty", parity_header(0, 1, 1, 1), "malformed",
          "a PARITY packet without payload")
reject_v2("v2-reject-parity-last-size-0", parity_header(0, 2, 1, 0),
          "malformed", "last_size 0", payload=b"abcd")
reject_v2("v2-reject-parity-last-size-over", parity_header(0, 2, 1, 5),
          "malformed", "last_size 5, larger than the 4-byte payload",
          payload=b"abcd")
reject_v2("v2-reject-parity-block-257", parity_header(0, 128, 129, 1),
          "malformed", "128 data and 129 parity pieces in one block",
          payload=b"x")
reject_v2("v2-reject-parity-block-257-interleaved",
          parity_header(0, 129, 383, 1), "malformed",
          "129 pieces in 2 blocks: block 0 has 65 data and 192 parity "
          "pieces", payload=b"x")
reject_v2("v2-reject-parity-block-257-data", parity_header(0, 1, 256, 1),
          "malformed", "a one-piece frame with 256 parity pieces",
          payload=b"x")
reject_v2("v2-reject-parity-frag-count-range",
          parity_header(0, 0x10000, 1, 1), "malformed",
          "frag_count 65536, as in a FRAGMENT", payload=b"x")
reject_v2("v2-reject-parity-count-range",
          parity_header(0, 65535, 0x10000, 1), "malformed",
          "parity_count 65536: blocks of 128 + 128 pieces, but more than "
          "frag_index can number", payload=b"x")
reject_v2("v2-reject-parity-cut", bytes([0x42, 0, 0, 0, 0, 1, 1, 0x81]),
          "malformed", "the last_size varint runs into the CRC")
reject_v2("v2-reject-parity-duration-3", parity_header(0, 1, 1, 1, 0x60),
          "unsupported", "DURATION encoding 3 on a PARITY", payload=b"x")
reject_v2("v2-reject-dts-before-0", bytes([0x02, 0x12, 0, 0, 5, 6]),
          "malformed", "PTS 5, DTS = PTS minus 6: before 0")
reject_v2("v2-reject-dts-before-no-pts", bytes([0x02, 0x10, 0, 0, 0]),
          "malformed", "DTS as PTS minus 0 without a PTS")
reject_v2("v2-reject-sender-time-cut", bytes([0x02, 0x80, 0x02, 0, 0, 1, 2]),
          "malformed", "sender_time needs 8 bytes, 2 precede the CRC")
reject_v2("v2-reject-stream-cut", bytes([0x02, 0x80, 0x01, 0, 0, 0x80]),
          "malformed", "the stream varint runs into the CRC")
reject_v2("v2-reject-extension-short",
          bytes([0x02, 0x80, 0x04, 0, 0, 3]) + ext_record(0x01, b"\x01\x02"),
          "malformed", "a record of 4 bytes in an extension length of 3",
          payload=b"payload")
reject_v2("v2-reject-extension-long",
          bytes([0x02, 0x80, 0x04, 0, 0, 5]) + ext_record(0x01, b"\x01\x02"),
          "malformed", "extension length 5 ends inside a record (tag only)",
          payload=b"\x05payload")
reject_v2("v2-reject-extension-past-end",
          bytes([0x02, 0x80, 0x04, 0, 0, 1]), "malformed",
          "extension length 1, and nothing but the CRC after it")
reject_v2("v2-reject-extension-length-cut",
          bytes([0x02, 0x80, 0x04, 0, 0, 2, 0x01, 0x80]), "malformed",
          "a record length varint cut by the end of the extensions",
          payload=b"\x00")
reject_v2("v2-reject-header-129",
          padded_header(bytes([0x02, 0x80, 0x04, 0, 0]), HEADER_MAX + 1),
          "malformed", "a 129-byte header", payload=b"\x00")
reject_v2("v2-reject-caps-nul", bytes([0x22, 0, 0, 0]), "malformed",
          "a plain CAPS string with a NUL", payload=b"video/x-raw\x00")
reject_v2("v2-reject-caps-long", bytes([0x22, 0, 0, 0]), "malformed",
          "a 4097-byte CAPS string", payload=b"c" * (CAPS_MAX + 1))
reject_v2("v2-reject-caps-compact-long", bytes([0x22, 0x01, 0, 0]),
          "malformed", "a 4097-byte compact CAPS payload",
          payload=b"\x81" * (CAPS_MAX + 1))
reject_v2("v2-reject-eos-payload", bytes([0x32, 0, 0, 0]), "malformed",
          "an EOS with a payload", payload=b"x")

# Control packets (section 8.2) a receiver drops.
for t in (SKIP, KEY_REQUEST, CAPS_REQUEST):
    name = TYPE_NAMES[t].lower().replace("_", "-")
    reject_control("v2-reject-%s-payload" % name, bytes([0x02 | t << 4, 0, 2,
                                                         0]),
                   "malformed", "a %s with a payload" % TYPE_NAMES[t],
                   payload=b"\x00")
reject_control("v2-reject-skip-seq-cut", bytes([0x52, 0x80, 0x00, 0x00]),
               "malformed", "MORE set: the seq of a SKIP lacks a byte")
REPORT_BYTES = report_payload(REPORT_EXAMPLE)
for bit in range(7):
    t = CONTROL_TYPES[bit % len(CONTROL_TYPES)]
    reject_control("v2-reject-%s-fields-%02x" % (
        TYPE_NAMES[t].lower().replace("_", "-"), 1 << bit),
        bytes([0x02 | t << 4, 1 << bit, 0, 0]), "unsupported",
        "%s fields bit %d (reserved)" % (TYPE_NAMES[t], bit),
        payload={REPORT: REPORT_BYTES, NACK: b"\x00"}.get(t, b""))
reject_control("v2-reject-report-more-reserved",
               bytes([0x82, 0x80, 0x10, 0, 0]), "unsupported",
               "more bit 4 (reserved) on a REPORT", payload=REPORT_BYTES)
reject_control("v2-reject-nack-extension-critical",
               bytes([0x92, 0x80, 0x04, 0, 0, 3]) + ext_record(0x80, b"\x01"),
               "unsupported", "a critical extension on a NACK",
               payload=b"\x00")
reject_control("v2-reject-report-6", bytes([0x82, 0, 0, 0]), "malformed",
               "a REPORT of six varints", payload=REPORT_BYTES[:-1])
reject_control("v2-reject-report-cut", bytes([0x82, 0, 0, 0]), "malformed",
               "the seventh varint of a REPORT cut short",
               payload=REPORT_BYTES[:-1] + b"\x81")
reject_control("v2-reject-report-later-cut", bytes([0x82, 0, 0, 0]),
               "malformed", "a varint after the seven cut short",
               payload=REPORT_BYTES + b"\x80")
reject_control("v2-reject-report-last-seq", bytes([0x82, 0, 0, 0]),
               "malformed", "last_seq 65536",
               payload=report_payload((0x10000,) + REPORT_EXAMPLE[1:]))
reject_control("v2-reject-report-varint-11", bytes([0x82, 0, 0, 0]),
               "malformed", "an 11-byte delay varint",
               payload=b"\x05" + b"\x80" * 10 + b"\x00" + REPORT_BYTES[3:])
reject_control("v2-reject-report-varint-65-bits", bytes([0x82, 0, 0, 0]),
               "malformed", "a tenth byte of 02: a delay over 64 bits",
               payload=b"\x05" + b"\x80" * 9 + b"\x02" + REPORT_BYTES[3:])
NACK_REJECTS = [
    ("no-pairs", nack_payload(5, []), "frag_count 5 and no pairs"),
    ("whole-pairs", nack_payload(0, [(0, 1)]), "frag_count 0 and a pair"),
    ("cut", nack_payload(5, [(1, 1)])[:-1], "the last pair lacks its count"),
    ("varint-cut", b"\x05\x01\x81", "the count varint runs into the CRC"),
    ("count-0", nack_payload(5, [(1, 0)]), "count 0"),
    ("past-end", nack_payload(5, [(3, 3)]), "pieces 3 to 5 of 5"),
    ("first-past", nack_payload(5, [(5, 1)]), "first = frag_count"),
    ("overlap", nack_payload(5, [(0, 2), (1, 1)]), "ranges that overlap"),
    ("backwards", nack_payload(5, [(3, 1), (1, 1)]), "ranges backwards"),
    ("frag-count-range", nack_payload(0x10000, [(0, 1)]),
     "frag_count 65536"),
    ("129-bytes", b"\xc8\x81\x00" + nack_payload(200, [(2 * i, 1)
                                                     for i in range(63)])[2:],
     "v2-nack-128-bytes with frag_count in 3 bytes: 129 bytes"),
]
for what, payload, comment in NACK_REJECTS:
    reject_control("v2-reject-nack-%s" % what, bytes([0x92, 0, 0, 0]),
                   "malformed", "a NACK: " + comment, payload=payload)

# --- cobs and slip framings (sections 19, 20) -----------------------------

add_simple("cobs", "cobs-empty", b"")
add_simple("cobs", "cobs-one-zero", b"\x00")
add_simple("cobs", "cobs-two-zeros", b"\x00\x00")
add_simple("cobs", "cobs-small", b"\x11\x22\x00\x33")
add_simple("cobs", "cobs-trailing-zero", b"\x11\x22\x33\x00")
add_simple("cobs", "cobs-zeros-300", bytes(300))
add_simple("cobs", "cobs-ff-300", b"\xff" * 300)
for n in (253, 254, 255, 256, 508, 509):
    add_simple("cobs", "cobs-run-%d" % n, nz(n))
add_simple("cobs", "cobs-run-254-zero", nz(254) + b"\x00",
           comment="a full block, then a zero")
add_simple("cobs", "cobs-xonxoff", b"\x11\x13\x7d\x00\x20\x5d" + nz(16, 0x10),
           "xonxoff")

add_simple("slip", "slip-small", b"hello")
add_simple("slip", "slip-specials", b"\x01\xc0\x02\xdb\x03")
add_simple("slip", "slip-all-end", b"\xc0" * 8)
add_simple("slip", "slip-all-esc", b"\xdb" * 8)
add_simple("slip", "slip-zeros", bytes(16))
add_simple("slip", "slip-ff-300", b"\xff" * 300)
add_simple("slip", "slip-esc-codes", b"\xdc\xdd\xdb\xdc\xc0\xdd")
add_simple("slip", "slip-no-leading-end", b"\x01\xc0\x02", "no-leading-end")
add_simple("slip", "slip-xonxoff", b"\x11\x13\x7d\xc0\xdb\x00", "xonxoff")
files["slip"].append([("#", "invalid SLIP escape: ESC followed by 0x41"),
                      ("name", "slip-reject-escape"), ("mode", "slip"),
                      ("options", "none"), ("expect", "malformed"),
                      ("encoded", "c001db4102c0")])

# --- Compact caps (section 9.2) -------------------------------------------


def add_caps(name, s, comment=None, compact=None):
    """s and its compact form; compact given: another valid form, which
    expands to s but is not the reference encoder's."""
    ref = caps_compact(s)
    assert caps_expand(ref) == s, name
    if compact is not None:
        assert caps_expand(compact) == s and compact != ref, name
    rec = [("#", comment)] if comment else []
    rec += [("name", name), ("caps", s.decode("utf-8"))]
    if compact is not None:
        rec += [("encode", "no"), ("compact", compact.hex())]
    else:
        rec += [("compact", ref.hex())]
    files["caps"].append(rec)
    return ref


def add_caps_reject(name, compact, expect, comment):
    try:
        caps_expand(compact)
        got = "expanded"
    except Drop as e:
        got = e.args[0]
    assert got == expect, name
    files["caps"].append([("#", comment), ("name", name),
                          ("compact", compact.hex()), ("expect", expect)])


jpeg = add_caps("caps-jpeg", JPEG_CAPS,
                "jpegenc's caps for 640x480 at 30 fps: %d bytes, 15 compact"
                % len(JPEG_CAPS))
assert len(jpeg) == 15, jpeg.hex()
add_caps("caps-h264", H264_CAPS,
         "H.264 with codec_data: hex runs, 00 bytes among them")
add_caps("caps-raw", RAW_CAPS, "raw video")
add_caps("caps-raw-i420", b"video/x-raw, format=(string)I420, "
         b"width=(int)1280, height=(int)720, interlace-mode=(string)"
         b"progressive, pixel-aspect-ratio=(fraction)1/1, chroma-site=("
         b"string)mpeg2, colorimetry=(string)bt709, framerate=(fraction)"
         b"25/1")
add_caps("caps-audio", b"audio/x-raw, format=(string)S16LE, "
         b"layout=(string)interleaved, rate=(int)48000, channels=(int)2, "
         b"channel-mask=(bitmask)0x0000000000000003")
add_caps("caps-rtp", b"application/x-rtp, media=(string)video, "
         b"clock-rate=(int)90000, encoding-name=(string)H264, "
         b"payload=(int)96")
add_caps("caps-utf8", "video/x-raw, title=(string)\"Küche ☕ 𝄞\"".encode(),
         "UTF-8 beyond ASCII: every byte from 0x80 after FF")
add_caps("caps-ascii-literals", b"text/x-raw, format=(string)utf8",
         "nothing from the table but ', ' and '(string)'")
add_caps("caps-empty", b"", "the empty string, compact or not")
add_caps("caps-buffer-odd", b"video/x-h264, codec_data=(buffer)abc",
         "an odd hex digit after a run is a character")
add_caps("caps-buffer-upper", b"video/x-h264, codec_data=(buffer)0A0b",
         "only lowercase digits make a hex run")
add_caps("caps-buffer-long", b"video/x-h265, codec_data=(buffer)" +
         bytes(range(256)).hex().encode() + b"00ff",
         "258 bytes of codec_data: runs of 255 and 3")
add_caps("caps-buffer-end", b"(buffer)", "no digits after (buffer)")
add_caps("caps-longest-match", b"video/x-rawx, framerate=(fraction)0/1",
         "the longest entry wins: 'video/x-raw', ', framerate=(fraction)0/1'")
add_caps("caps-ascii-spelled", b"video/x-raw", "ASCII codes for what the "
         "table has: valid, but not the reference encoder's choice",
         compact=b"video/x-raw")
add_caps("caps-hex-literal", b"(buffer)ff", "a hex run where the encoder "
         "writes one", compact=bytes([0xD6, 0x66, 0x66]))
add_caps("caps-ff-ascii", b"abc", "FF before an ASCII byte is valid",
         compact=b"\xffa\xffb\xffc")
add_caps("caps-max", b"a" * CAPS_MAX, "4096 bytes, the longest string")
for code in range(0x80, 0xEA):
    add_caps("caps-code-%02x" % code, CAPS_TABLE[code],
             "table code %02X" % code if code == 0x80 else None)
add_caps_reject("caps-reject-nul", b"\x81\x00", "malformed", "code 00")
for code in (0xEA, 0xF0, 0xFD):
    add_caps_reject("caps-reject-reserved-%02x" % code, bytes([0x81, code]),
                    "malformed", "reserved code %02X" % code)
add_caps_reject("caps-reject-literal-cut", b"\x81\xff", "malformed",
                "FF at the end")
add_caps_reject("caps-reject-literal-nul", b"\x81\xff\x00", "malformed",
                "FF 00: a NUL")
add_caps_reject("caps-reject-hex-cut", b"\x81\xfe", "malformed",
                "FE at the end")
add_caps_reject("caps-reject-hex-short", b"\x81\xfe\x03\x01\x02",
                "malformed", "FE announces 3 bytes, 2 follow")
add_caps_reject("caps-reject-hex-zero", b"\x81\xfe\x00", "malformed",
                "FE with n = 0")
add_caps_reject("caps-reject-too-long", b"\x9b" * 28, "too_long",
                "28 times a 150-byte entry: 4200 bytes expanded, over 4096")

# --- Forward error correction (section 8.1) -------------------------------


def fmt_list(numbers):
    return ",".join(str(i) for i in sorted(numbers)) or "none"


def add_fec(name, data, piece_size, m, lost=None, comment=None,
            encode=True):
    """A frame of len(data) bytes cut in pieces of piece_size bytes, and its
    m parity pieces; lost = (data pieces, parity pieces) a receiver lacks.
    Checked before it is written: whether the receiver of fec_rebuild()
    gets the frame back matches section 8.1's rule, with either choice of
    parity rows; a frame without losses must come back with as many data
    pieces missing in each block as the block has parity."""
    n = ceil_div(len(data), piece_size)
    last_size = len(data) - (n - 1) * piece_size
    b = fec_blocks(n)
    parity = frame_parity(data, n, piece_size, m)
    pieces = fec_pieces(data, n, piece_size)
    for j in range(b):  # coef(1, 0, 0) = 1: a block of one piece is copied
        cols, rows = block_members(n, b, j), block_members(m, b, j)
        if len(cols) == 1 and rows:
            assert parity[rows[0]] == pieces[cols[0]], name
    if lost is None:
        check = set(), set()
        for j in range(b):
            check[0].update(block_members(n, b, j)[
                :len(block_members(m, b, j))])
    else:
        check = set(lost[0]), set(lost[1])
    recoverable = fec_recoverable(n, m, *check)
    for last_rows in (False, True):
        got = fec_rebuild(n, piece_size, last_size, m,
                          {i: data[i * piece_size:(i + 1) * piece_size]
                           for i in range(n) if i not in check[0]},
                          {p: parity[p] for p in range(m)
                           if p not in check[1]}, last_rows)
        assert got == (data if recoverable else None), name
    assert lost is not None or recoverable, name
    rec = [("#", comment)] if comment else []
    rec += [("name", name), ("n", str(n)), ("F", str(piece_size)),
            ("last_size", str(last_size)), ("M", str(m)),
            ("blocks", str(b))]
    if not encode:
        rec.append(("encode", "no"))
    rec += [("frame", data.hex()),
            ("parity", ",".join(piece.hex() for piece in parity))]
    if lost is not None:
        rec += [("lost_data", fmt_list(check[0])),
                ("lost_parity", fmt_list(check[1])),
                ("recoverable", "yes" if recoverable else "no")]
    files["fec"].append(rec)


rng = random.Random(20260801)


def random_bytes(n):
    return bytes(rng.randrange(256) for _ in range(n))


# One piece: a frame sent as DATA.
add_fec("fec-data", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 1,
        comment="the worked example's frame (18.1), sent as DATA: n = 1, "
        "F its length; the one parity piece is a copy of it")
add_fec("fec-data-m3", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 3,
        comment="three parity pieces of one: the frame times inv(1), inv(2), "
        "inv(3)")
add_fec("fec-data-byte", b"\x01", 1, 4, comment="a 1-byte frame")
add_fec("fec-data-lost", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 1,
        lost=([0], []), comment="the DATA packet lost: its parity is it")
add_fec("fec-data-lost-m3", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 3,
        lost=([0], [0, 1]), comment="rebuilt from parity piece 2 alone")
add_fec("fec-data-lost-all", EXAMPLE_PAYLOAD, len(EXAMPLE_PAYLOAD), 1,
        lost=([0], [0]))

# A few pieces, several M; the last piece shorter than F.
FRAME60 = nz(250)
add_fec("fec-fragments", FRAME60, 100, 2,
        comment="frame 60 of native.txt (v2-fragment-*, v2-parity-*): 3 "
        "pieces of 100 bytes, the last 50, padded with zeros for the code")
for m in (1, 3, 4):
    add_fec("fec-fragments-m%d" % m, FRAME60, 100, m)
add_fec("fec-predicted", nz(129), 64, 2,
        comment="frame 61 of native.txt: the last piece is 1 byte")
SMALL = random_bytes(7 * 16 + 5)
add_fec("fec-small", SMALL, 16, 3,
        comment="random data: 8 pieces of 16 bytes, the last 5")
add_fec("fec-small-lost-1", SMALL, 16, 3, lost=([2], []))
add_fec("fec-small-lost-last", SMALL, 16, 3, lost=([7], []),
        comment="the short last piece rebuilt, then cut to last_size")
add_fec("fec-small-lost-3", SMALL, 16, 3, lost=([0, 4, 7], []),
        comment="as many data pieces lost as there is parity")
add_fec("fec-small-lost-3-parity-1", SMALL, 16, 3, lost=([0, 4, 7], [1]),
        comment="one piece too few")
add_fec("fec-small-lost-2-parity-1", SMALL, 16, 3, lost=([5, 6], [0]),
        comment="parity pieces 1 and 2 repair")
add_fec("fec-small-lost-parity", SMALL, 16, 3, lost=([], [0, 1, 2]),
        comment="all data in: nothing to rebuild")
add_fec("fec-small-lost-4", SMALL, 16, 3, lost=([1, 2, 3, 4], []))
ZEROS = bytes(40)
add_fec("fec-zeros", ZEROS, 8, 2, comment="zero data, zero parity")

# One block, the most: 128 data pieces, and up to k + m = 256.
BLOCK = random_bytes(127 * 16 + 9)
add_fec("fec-128-m1", BLOCK, 16, 1,
        comment="128 pieces: one block, the largest (F = 16, last 9)")
add_fec("fec-128-m13", BLOCK, 16, 13)
add_fec("fec-128-m128", BLOCK, 16, 128,
        comment="128 data and 128 parity pieces: k + m = 256, rows x = 128 "
        ".. 255")
add_fec("fec-128-m128-lost-data", BLOCK, 16, 128, lost=(range(128), []),
        comment="every data piece lost: rebuilt from parity alone")
add_fec("fec-128-m128-lost-half", BLOCK, 16, 128,
        lost=(range(0, 128, 2), range(64)),
        comment="64 data and 64 parity pieces lost: 128 left")
add_fec("fec-128-m128-lost-one-too-many", BLOCK, 16, 128,
        lost=(range(0, 128, 2), range(65)))
add_fec("fec-128-m13-burst", BLOCK, 16, 13, lost=(range(50, 63), []),
        comment="a burst of 13 consecutive pieces")
add_fec("fec-128-m13-burst-14", BLOCK, 16, 13, lost=(range(50, 64), []))

# Two and three blocks: interleaving.
TWO = random_bytes(128 * 8 + 3)
add_fec("fec-129-m2", TWO, 8, 2,
        comment="129 pieces: 2 blocks, block 0 the even pieces (65), block "
        "1 the odd ones (64); M = b = 2, one parity piece each")
add_fec("fec-129-m13", TWO, 8, 13,
        comment="parity pieces 0, 2 .. 12 for block 0 (7), 1 .. 11 for "
        "block 1 (6)")
add_fec("fec-129-m382", TWO, 8, 382,
        comment="block 0: 65 data and 191 parity pieces, 256")
add_fec("fec-129-m2-burst-2", TWO, 8, 2, lost=([64, 65], []),
        comment="2 consecutive pieces: one in each block")
add_fec("fec-129-m2-lost-2-one-block", TWO, 8, 2, lost=([64, 66], []),
        comment="2 pieces of block 0: it has 1 parity piece")
add_fec("fec-129-m13-burst-13", TWO, 8, 13, lost=(range(100, 113), []),
        comment="a burst of 13: 7 in block 0, 6 in block 1")
add_fec("fec-129-m13-burst-14", TWO, 8, 13, lost=(range(100, 114), []),
        comment="a burst of 14: 7 in each, block 1 has 6 parity pieces")
add_fec("fec-129-m13-lost-last", TWO, 8, 13, lost=([128, 127], [0]),
        comment="the short last piece (block 0) and piece 127 (block 1)")
add_fec("fec-129-m382-lost-block-0", TWO, 8, 382,
        lost=(range(0, 129, 2), range(1, 382, 2)),
        comment="all of block 0's data and block 1's parity lost")
THREE = random_bytes(301 * 4 + 3)
add_fec("fec-302-m3", THREE, 4, 3,
        comment="302 pieces: 3 blocks of 101, 101 and 100; M = b = 3")
add_fec("fec-302-m31", THREE, 4, 31,
        comment="31 parity pieces: 11 for block 0, 10 for blocks 1 and 2")
add_fec("fec-302-m31-burst-31", THREE, 4, 31, lost=(range(0, 31), []),
        comment="a burst of 31 from piece 0: 11, 10 and 10")
add_fec("fec-302-m31-burst-31-shifted", THREE, 4, 31,
        lost=(range(1, 32), []),
        comment="a burst of 31 from piece 1: 10, 11 and 10, block 1 has 10 "
        "parity pieces")
add_fec("fec-302-m31-block-1", THREE, 4, 31, lost=(range(1, 31, 3), []),
        comment="10 pieces of block 1 alone")
add_fec("fec-302-m31-block-1-one-more", THREE, 4, 31,
        lost=(range(1, 34, 3), []),
        comment="11 pieces of block 1 alone: the other blocks' parity does "
        "not help")
add_fec("fec-302-m31-block-1-parity", THREE, 4, 31,
        lost=(range(1, 25, 3), [1, 4]),
        comment="8 data and 2 parity pieces of block 1")
add_fec("fec-302-m1", THREE, 4, 1, encode=False,
        comment="M < b: no sender sends it, but a receiver still reads "
        "it: block 0 has the only parity piece, blocks 1 and 2 none")
add_fec("fec-302-m1-lost-block-0", THREE, 4, 1, lost=([300], []),
        encode=False)
add_fec("fec-302-m1-lost-block-1", THREE, 4, 1, lost=([301], []),
        encode=False, comment="block 1 has no parity")
for i, (lost_data, lost_parity) in enumerate(((16, 4), (12, 2), (28, 3),
                                              (32, 0))):
    add_fec("fec-302-m31-random-%d" % i, THREE, 4, 31,
            lost=(rng.sample(range(302), lost_data),
                  rng.sample(range(31), lost_parity)),
            comment="%d data and %d parity pieces lost at random" %
            (lost_data, lost_parity))


# --- Output ----------------------------------------------------------------

HEADERS = {
    "native": "version 2 packets (docs/protocol.md, sections 2-11)",
    "native-v1": "version 1 packets (docs/protocol.md, section 12)",
    "cobs": "the cobs framing (section 19)",
    "slip": "the slip framing (section 20)",
    "caps": "caps strings and their compact form (section 9.2)",
    "fec": "frames, their parity pieces and pieces lost (section 8.1)",
}
NOTES = {
    "native": "# 'previous: seq,pts,duration' is the frame the packet refers "
              "to, which the\n# receiver holds; 'unknown' lists the times it "
              "cannot resolve without it.\n# 'encode: no': valid, but not "
              "what the reference encoder writes.\n# 'report: last_seq,"
              "delay,packets,damaged,wire_bytes,lost,repaired' and\n# "
              "'nack: frag_count;first+count,...': what a REPORT or NACK "
              "payload says.\n",
    "caps": "# 'encode: no': a valid compact form that is not the reference "
            "encoder's.\n# 'expect': sf_caps_expand() refuses it.\n",
    "fec": "# Records are separated by blank lines; 'key: value'.  A frame "
           "of n pieces of F\n# bytes, the last of last_size, and its M "
           "parity pieces in b = blocks blocks:\n# 'frame' is its "
           "(n - 1) * F + last_size bytes in hex, 'parity' the parity\n# "
           "pieces p = 0 .. M - 1 in hex, F bytes each, separated by "
           "commas.\n# 'lost_data', 'lost_parity': the pieces a receiver "
           "lacks (numbers separated\n# by commas, or 'none'); "
           "'recoverable: yes' when it rebuilds the frame from the\n# "
           "others, 'no' when a block with a data piece missing has fewer "
           "than k_j.\n# 'encode: no': parity no sender sends (M < b), "
           "which receivers read all the same.\n",
}

os.makedirs(VEC_DIR, exist_ok=True)
for name, recs in files.items():
    with open(os.path.join(VEC_DIR, name + ".txt"), "w",
              encoding="utf-8") as f:
        f.write("# serialframe test vectors: %s.\n# Generated by "
                "tests/framing/gen-vectors.py; do not edit.\n" %
                HEADERS[name])
        if name not in ("caps", "fec"):
            f.write("# Records are separated by blank lines; 'key: value'.  "
                    "'encoded' is one packet as\n# the encoder writes it "
                    "(native: without the sender's initial delimiter).\n# A "
                    "record with 'expect' must be dropped and counted in "
                    "that counter.\n")
        f.write(NOTES.get(name, ""))
        for rec in recs:
            f.write("\n")
            for k, v in rec:
                if k == "#":
                    if v:
                        f.write("# %s\n" % v)
                else:
                    f.write("%s: %s\n" % (k, v))

# --- Fuzz corpus -----------------------------------------------------------
# Byte 0 selects mode/options/buffer size, byte 1 the chunking seed, the
# rest is the stream (see tests/fuzz/fuzz_decoder.c).
MODE_BITS = {"native": 0, "native-v1": 0, "cobs": 1, "slip": 2}
count = 0
wires = {}


def is_parity(rec):
    return "-parity-" in dict(rec)["name"]


def is_control(rec):
    return dict(rec)["name"] in CONTROL_RECORDS


def record_seeds(which):
    """One seed per record: the packet twice."""
    global count
    for file in ("native", "native-v1", "cobs", "slip"):
        for rec in filter(which, files[file]):
            d = dict(rec)
            cfg = MODE_BITS[file] | (4 if d["options"] == "xonxoff" else 0)
            cfg |= (count % 8) << 3
            stream = bytes.fromhex(d["encoded"])
            wires[d["name"]] = stream
            if file.startswith("native"):
                stream = b"\x00" + stream
            corpus.append((d["name"], bytes([cfg, count & 0xFF]) + stream +
                           stream))
            count += 1


# The PARITY records came later: they are seeded after the seeds that were
# there before them, which keep their bytes.
record_seeds(lambda rec: not is_parity(rec) and not is_control(rec))


def mixed(name, parts, cfg):
    stream = b"\x00" + b"".join(wires[p] if isinstance(p, str) else p
                                for p in parts)
    corpus.append((name, bytes([cfg, len(corpus) & 0xFF]) + stream))


BIG = 7 << 3  # the largest decoder buffer
mixed("mixed-v1-v2", ["v1-caps", "v1-example", "v2-caps-plain", "v2-example",
                      "v2-example-next", "v1-eos", "v2-eos"], BIG)
mixed("mixed-v2-fragments-v1",
      ["v2-fragment-first", "v2-fragment-middle", "v1-example",
       "v2-fragment-last", "v2-fragment-first-predicted",
       "v2-fragment-middle-predicted", "v2-fragment-last-predicted"], BIG)
mixed("mixed-rejects", ["v2-example", "v2-reject-crc", "v1-reject-type",
                        "v2-reject-duration-3", "v2-reject-type-8",
                        "v2-example-next", "v1-reject-version",
                        "v2-reject-extension-critical", "v2-eos"], BIG)
mixed("mixed-small-buffer", ["v1-random-1024", "v2-data-random-1024",
                             "v2-data-empty", "v1-data-empty"], 3 << 3)
mixed("mixed-synced", ["v2-caps-compact-h264", "v2-data-all-fields",
                       "v1-flags-seq-wrap", "v2-seq-wrap"], BIG | 3)
mixed("mixed-cut-in-oversize",
      ["v2-example", wires["v2-data-random-1024"][:500]], 3 << 3)
mixed("mixed-xonxoff", ["v1-xonxoff", "v2-xonxoff",
                        xonxoff(wires["v2-example"][:-1]) + b"\x00",
                        xonxoff(wires["v1-example"][:-1]) + b"\x00"],
      BIG | 4)
record_seeds(is_parity)
mixed("mixed-v2-parity",
      ["v2-fragment-first", "v2-fragment-last", "v2-parity-0", "v2-parity-1",
       "v2-fragment-first-predicted", "v2-reject-parity-index",
       "v2-fragment-middle-predicted", "v2-parity-predicted-1",
       "v2-parity-example-0", "v2-parity-stream-0", "v2-eos"], BIG)
record_seeds(is_control)
mixed("mixed-v2-control",
      ["v2-fragment-first", "v2-nack", "v2-fragment-last", "v2-report",
       "v2-skip-stream-sender-time", "v2-reject-nack-overlap",
       "v2-key-request", "v2-example-next", "v2-reject-report-fields-02",
       "v2-caps-request-sender-time", "v2-nack-whole", "v2-eos"], BIG)
os.makedirs(CORPUS_DIR, exist_ok=True)
for old in os.listdir(CORPUS_DIR):
    os.remove(os.path.join(CORPUS_DIR, old))
for name, data in corpus:
    with open(os.path.join(CORPUS_DIR, name), "wb") as f:
        f.write(data)

# serialsrc's fuzz corpus (tests/fuzz/fuzz_serialsrc.c): byte 0 configures
# the element (bits 0-1 framing, 0 native; bit 2 a caps filter; bits 3-4 the
# max-frame-size), the rest is the line.  Version 2 streams, and version 1
# and 2 mixed; the version 1 seeds already there stay.
SRC_CORPUS_DIR = os.path.join(HERE, "..", "fuzz", "corpus", "serialsrc")


def src_seed(name, parts, cfg=0):
    stream = b"\x00" + b"".join(wires[p] if isinstance(p, str) else p
                                for p in parts)
    with open(os.path.join(SRC_CORPUS_DIR, name), "wb") as f:
        f.write(bytes([cfg]) + stream[:3071])


os.makedirs(SRC_CORPUS_DIR, exist_ok=True)
src_seed("v2-stream", ["v2-caps-compact-jpeg", "v2-example", "v2-example-next",
                       "v2-eos"])
src_seed("v2-fragments", ["v2-caps-plain", "v2-fragment-first",
                          "v2-fragment-middle", "v2-fragment-last",
                          "v2-fragment-first-predicted", "v2-eos"])
src_seed("v2-mixed-v1", ["v1-caps", "v1-example", "v2-caps-plain",
                         "v2-example", "v2-reject-duration-3",
                         "v2-example-next", "v1-eos"])
src_seed("v2-parity", ["v2-caps-plain", "v2-fragment-first",
                       "v2-fragment-last", "v2-parity-0", "v2-parity-1",
                       "v2-fragment-first-predicted",
                       "v2-fragment-middle-predicted", "v2-parity-predicted-0",
                       "v2-parity-predicted-1", "v2-example",
                       "v2-parity-example-0", "v2-eos"])
src_seed("v2-control", ["v2-caps-plain", "v2-fragment-first", "v2-skip",
                        "v2-fragment-middle", "v2-report", "v2-fragment-last",
                        "v2-nack", "v2-key-request", "v2-example",
                        "v2-caps-request", "v2-reject-nack-overlap",
                        "v2-example-next", "v2-eos"])
src_seed("v2-filtered", ["v2-caps-compact-h264", "v2-data-all-fields",
                         "v2-seq-wrap"], 4)
