#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Test vectors for the framing codec, from an implementation independent of
# the C one (written from docs/protocol.md).  Writes tests/framing/vectors/
# and seeds tests/fuzz/corpus/decoder/.  Run from anywhere; the output is
# committed, so the tests never need Python.
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
VEC_DIR = os.path.join(HERE, "vectors")
CORPUS_DIR = os.path.join(HERE, "..", "fuzz", "corpus", "decoder")

NONE = 0xFFFFFFFFFFFFFFFF
DATA, CAPS, EOS, FRAG = 1, 2, 3, 4


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


def xonxoff(data):
    out = bytearray()
    for b in data:
        if b in (0x11, 0x13, 0x7D):
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
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


def header(version=1, type_=DATA, flags=0, seq=0, pts=NONE, dts=NONE,
           duration=NONE, sender_time=NONE, payload_len=0):
    return struct.pack("<BBHIQQQQI", version, type_, flags, seq, pts, dts,
                       duration, sender_time, payload_len)


def native_raw(payload, **h):
    h.setdefault("payload_len", len(payload))
    body = header(**h) + payload
    return body + struct.pack("<I", crc32c(body))


def native(payload, xon=False, **h):
    enc = cobs(native_raw(payload, **h)) + b"\x00"
    return xonxoff(enc) if xon else enc


def nz(n, start=1):
    # n non-zero bytes cycling 1..255
    return bytes(((start - 1 + i) % 255) + 1 for i in range(n))


def fmt_time(t):
    return "none" if t == NONE else str(t)


vectors = {"native": [], "cobs": [], "slip": []}


def add_native(name, payload, xon=False, comment=None, **h):
    fields = dict(version=1, type_=DATA, flags=0, seq=0, pts=NONE, dts=NONE,
                  duration=NONE, sender_time=NONE)
    fields.update(h)
    rec = [("name", name)]
    if comment:
        rec.insert(0, ("#", comment))
    rec += [("mode", "native"), ("options", "xonxoff" if xon else "none"),
            ("type", "0x%02x" % fields["type_"]),
            ("flags", "0x%04x" % fields["flags"]), ("seq", str(fields["seq"])),
            ("pts", fmt_time(fields["pts"])), ("dts", fmt_time(fields["dts"])),
            ("duration", fmt_time(fields["duration"])),
            ("sender_time", fmt_time(fields["sender_time"])),
            ("payload", payload.hex()),
            ("encoded", native(payload, xon=xon, **fields).hex())]
    vectors["native"].append(rec)


def add_reject(name, encoded, expect, comment):
    vectors["native"].append([("#", comment), ("name", name),
                              ("mode", "native"), ("options", "none"),
                              ("expect", expect), ("encoded", encoded.hex())])


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
    vectors[mode].append(rec)


EXAMPLE = dict(type_=DATA, flags=0x0021, seq=7, pts=1000000000, dts=NONE,
               duration=33333333, sender_time=1700000000123456789)
EXAMPLE_PAYLOAD = bytes.fromhex("deadbeef00c0ffee")

add_native("native-example", EXAMPLE_PAYLOAD,
           comment="The worked example of docs/protocol.md", **EXAMPLE)
add_native("native-data-empty", b"", seq=0)
add_native("native-eos", b"", type_=EOS, seq=42, sender_time=1700000001000000000)
add_native("native-caps", b"video/x-raw,format=GRAY8,width=4,height=4,framerate=30/1",
           type_=CAPS, seq=42)
add_native("native-flags-seq-wrap", b"\x01", flags=0x0FFF, seq=0xFFFFFFFF,
           pts=0, dts=0, duration=0, sender_time=0)
add_native("native-zeros-256", bytes(256), seq=1, pts=33333333)
add_native("native-ff-256", b"\xff" * 256, seq=2)
for n in (253, 254, 255, 256):
    add_native("native-run-%d" % n, nz(n), seq=n,
               comment="%d non-zero payload bytes: the payload starts a new "
               "COBS block" % n)
add_native("native-xonxoff", b"\x11\x13\x7d\x00\x31\x33\x5d\x20",
           xon=True, seq=0x7D1311, pts=0x1113, flags=0x0011,
           comment="xon-xoff escaping of header, payload, CRC and COBS codes")
add_native("native-xonxoff-plain", b"\x11\x13\x7d\x00", xon=False,
           seq=0x7D1311, comment="the same kind of payload without escaping")
rng = random.Random(20240601)
add_native("native-random-1024", bytes(rng.randrange(256) for _ in range(1024)),
           seq=1000, pts=1000 * 33333333, dts=1000 * 33333333,
           duration=33333333, sender_time=1700000000000000000,
           flags=0x0001)

good = native_raw(EXAMPLE_PAYLOAD, **EXAMPLE)
bad = bytearray(good)
bad[45] ^= 0x01
add_reject("native-reject-crc", cobs(bytes(bad)) + b"\x00", "crc_errors",
           "the example with payload bit 8 flipped")
add_reject("native-reject-version", native(b"", version=2), "bad_version",
           "version 2 with a valid CRC")
add_reject("native-reject-length", native(b"abc", payload_len=4), "malformed",
           "payload length field says 4, packet carries 3")
add_reject("native-reject-type", native(b"frag", type_=FRAG), "unknown_type",
           "reserved DATA_FRAGMENT type, valid CRC")
add_reject("native-reject-eos-payload", native(b"x", type_=EOS), "malformed",
           "EOS must not carry payload")
add_reject("native-reject-caps-nul", native(b"a\x00b", type_=CAPS), "malformed",
           "CAPS string with a NUL")
add_reject("native-reject-short", cobs(bytes(range(1, 11))) + b"\x00",
           "malformed", "shorter than header and CRC")
add_reject("native-reject-truncated", b"\x30\x01\x02\x00", "malformed",
           "COBS block announces 47 bytes, a delimiter comes after 2")

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
vectors["slip"].append([("#", "invalid SLIP escape: ESC followed by 0x41"),
                        ("name", "slip-reject-escape"), ("mode", "slip"),
                        ("options", "none"), ("expect", "malformed"),
                        ("encoded", "c001db4102c0")])

os.makedirs(VEC_DIR, exist_ok=True)
for mode, recs in vectors.items():
    with open(os.path.join(VEC_DIR, mode + ".txt"), "w") as f:
        f.write("# serialframe %s test vectors, generated by gen-vectors.py.\n"
                % mode)
        f.write("# Records are separated by blank lines; 'key: value'.  "
                "'encoded' is one packet as\n# the encoder writes it (native: "
                "without the sender's initial delimiter).\n# A record with "
                "'expect' must be dropped and counted in that counter.\n")
        for rec in recs:
            f.write("\n")
            for k, v in rec:
                f.write("# %s\n" % v if k == "#" else "%s: %s\n" % (k, v))

# Fuzz corpus: byte 0 selects mode/options/buffer size, byte 1 the chunking
# seed, the rest is the stream (see tests/fuzz/fuzz_decoder.c).
os.makedirs(CORPUS_DIR, exist_ok=True)
for old in os.listdir(CORPUS_DIR):
    os.remove(os.path.join(CORPUS_DIR, old))
MODE_BITS = {"native": 0, "cobs": 1, "slip": 2}
count = 0
for mode, recs in vectors.items():
    for rec in recs:
        d = dict(rec)
        cfg = MODE_BITS[mode] | (4 if d["options"] == "xonxoff" else 0)
        cfg |= (count % 8) << 3
        stream = bytes.fromhex(d["encoded"])
        if mode == "native":
            stream = b"\x00" + stream
        with open(os.path.join(CORPUS_DIR, d["name"]), "wb") as f:
            f.write(bytes([cfg, count & 0xFF]) + stream + stream)
        count += 1
