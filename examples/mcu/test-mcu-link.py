#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs a firmware-style sender into serialsrc over a virtual serial link.

The sender (host-sender, or the ESP32-CAM sketch built against host stubs)
writes native-framed JPEG frames; this driver makes the link, receives with

    serialsrc port=... ! tee ! appsink            (the payloads)
                             ! jpegdec ! appsink  (decoded, caps from the wire)

and checks that every payload is byte-identical to the file it came from,
that the count is exact, that the caps came from the wire, that the frames
decode, and (when the sender sends one) that EOS ends the receiver.

The link is two pseudo-terminals and a relay between their masters, as
`socat pty pty` makes, but held here so that nothing closes the receiving
side before serialsrc has read everything.  --mode tty: the sender opens
the first pty's slave path itself and configures it with termios.  --mode
stdout: the sender writes to standard output, a pipe, relayed the same way.

Exit status: 0 passed, 1 failed.
"""

import argparse
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import threading
import tty

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

WIDTH, HEIGHT = 160, 120
TIMEOUT = 30  # seconds; every wait is bounded by this


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def make_jpegs(folder, n):
    """n different JPEG frames from videotestsrc, one file each."""
    pattern = os.path.join(folder, "frame-%02d.jpg")
    pipeline = Gst.parse_launch(
        "videotestsrc pattern=ball num-buffers=%d "
        "! video/x-raw,width=%d,height=%d,framerate=10/1 "
        "! jpegenc quality=60 ! multifilesink location=%s"
        % (n, WIDTH, HEIGHT, pattern))
    pipeline.set_state(Gst.State.PLAYING)
    msg = pipeline.get_bus().timed_pop_filtered(
        TIMEOUT * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipeline.set_state(Gst.State.NULL)
    if msg is None or msg.type != Gst.MessageType.EOS:
        fail("could not make the test JPEGs")
    files = [pattern % i for i in range(n)]
    for f in files:
        if not os.path.getsize(f):
            fail("empty test JPEG " + f)
    return files


class Pty:
    """A pseudo-terminal in raw mode; both ends stay open until close()."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        # Raw at once: bytes the relay writes before serialsrc configures
        # the port must not be echoed or edited.
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def close(self):
        os.close(self.master)
        os.close(self.slave)


class Relay(threading.Thread):
    """Copies from one descriptor into a pty master until told how many
    bytes to expect (tty mode) or until end of file (stdout mode)."""

    def __init__(self, src, dst):
        super().__init__(daemon=True)
        self.src, self.dst = src, dst
        self.copied = 0
        self.data = bytearray()  # everything relayed, for check_wire()
        self.expected = None  # set when the sender has reported its total
        self.error = None
        self.lock = threading.Condition()

    def expect(self, total):
        with self.lock:
            self.expected = total
            self.lock.notify_all()

    def done(self):
        with self.lock:
            return self.expected is not None and self.copied >= self.expected

    def run(self):
        try:
            while not self.done():
                # The timeout only lets the loop see expect(); it is not
                # what decides that the copy is complete.
                ready, _, _ = select.select([self.src], [], [], 0.1)
                if not ready:
                    continue
                data = os.read(self.src, 65536)
                if not data:
                    self.expect(self.copied)
                    break
                view = memoryview(data)
                while view:
                    n = os.write(self.dst, view)
                    view = view[n:]
                with self.lock:
                    self.copied += len(data)
                    self.data += data
        except OSError as e:
            self.error = e


def cobs_decode(block):
    out = bytearray()
    i = 0
    while i < len(block):
        code = block[i]
        out += block[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(block):
            out.append(0)
    return bytes(out)


def crc32c(data):
    """CRC-32C, reflected, init and xorout 0xFFFFFFFF (section 3.1)."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def caps_table():
    """The compact caps table (code -> text), read from the spec itself,
    docs/protocol.md section 9.2, so that this check shares nothing with
    the C code."""
    spec = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "..", "..", "docs", "protocol.md")
    table = {}
    with open(spec, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\| `([89A-E][0-9A-F])` \| `(.*)` \|$", line)
            if m:
                table[int(m.group(1), 16)] = m.group(2)
    if len(table) != 0xEA - 0x80:
        fail("%d entries in the spec's compact caps table" % len(table))
    return table


def caps_expand(data, table):
    out, i = [], 0
    while i < len(data):
        c = data[i]
        if 0 < c < 0x80:
            out.append(chr(c))
        elif c in table:
            out.append(table[c])
        elif c == 0xFE:
            n = data[i + 1]
            out.append(data[i + 2:i + 2 + n].hex())
            i += 1 + n
        elif c == 0xFF:
            out.append(bytes([data[i + 1]]).decode("latin-1"))
            i += 1
        else:
            fail("compact caps: code %02x" % c)
        i += 1
    return "".join(out)


def parse_v2(pkt):
    """Type, seq and payload of a version 2 packet (docs/protocol.md,
    sections 3 to 5), the header walked field by field."""
    pos = 0

    def varint():
        nonlocal pos
        v, shift = 0, 0
        while True:
            b = pkt[pos]
            pos += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    lead, fields = pkt[0], pkt[1]
    ptype, pos = lead >> 4, 2
    more = 0
    if fields & 0x80:
        more, pos = pkt[2], 3
    seq = struct.unpack_from("<H", pkt, pos)[0]
    pos += 2
    if more & 1:
        varint()  # stream
    if ptype == 1:
        varint(), varint()  # frag_index, frag_count
    if ptype in (0, 1):
        if fields & 1:
            varint()  # flags
        if (fields >> 1) & 3 in (1, 3):
            varint()  # pts
        if (fields >> 3) & 3 in (2, 3):
            varint()  # dts
        if (fields >> 5) & 3 == 1:
            varint()  # duration
    if more & 2:
        pos += 8  # sender_time
    if more & 4:
        pos += varint()  # extensions
    return ptype, seq, fields, pkt[pos:-4]


def check_wire(data, args):
    """Reads the stream as a protocol analyser would (docs/protocol.md) and
    checks its structure: the initial delimiter, version 2 packets, the
    packet types in order, the sequence numbers, the caps (compact when that
    is shorter) repeated exactly as the sender's rule says
    (--caps-every-bytes: after that many bytes of line; --caps-every: every
    that many frames) and the EOS copies.  Returns the caps count."""
    if not data or data[0] != 0:
        fail("the stream does not start with the initial delimiter")
    packets = data[1:].split(b"\0")
    if packets[-1] != b"":
        fail("the stream does not end with a delimiter")
    table = caps_table()
    seq, caps, since_caps, since_before, eos = 0, 0, 0, 0, []
    caps_before = False  # the packet before this one was CAPS
    for i, wire in enumerate(packets[:-1]):
        pkt = cobs_decode(wire)
        if len(pkt) < 8 or pkt[0] & 0x0F != 2:
            fail("packet %d: not a version 2 native packet" % i)
        if crc32c(pkt[:-4]) != struct.unpack_from("<I", pkt, len(pkt) - 4)[0]:
            fail("packet %d: CRC-32C mismatch" % i)
        ptype, pseq, fields, payload = parse_v2(pkt)
        if pseq != seq & 0xFFFF:
            fail("packet %d (type %d): seq %d, expected %d"
                 % (i, ptype, pseq, seq))
        if eos and ptype != 3:
            fail("packet %d: type %d after EOS" % (i, ptype))
        if ptype == 2:
            text = caps_expand(payload, table) if fields & 1 \
                else payload.decode()
            if text != args.caps:
                fail("packet %d: caps %r, expected %r" % (i, text, args.caps))
            if not fields & 1 or len(payload) >= len(text):
                fail("packet %d: caps not in the compact form" % i)
            caps += 1
            caps_before, since_before, since_caps = True, since_caps, 0
            continue
        if ptype == 0:
            # The sender's rule, applied to what was on the line before the
            # caps (if any) went out.
            line = since_before if caps_before else since_caps
            due = seq == 0 or \
                (args.caps_every_bytes and line >= args.caps_every_bytes) or \
                (args.caps_every and seq % args.caps_every == 0)
            if due != caps_before:
                fail("frame %d: caps %s, %s" % (
                    seq, "due" if due else "not due",
                    "sent" if caps_before else "not sent"))
            seq += 1
        elif ptype == 3:
            if payload:
                fail("packet %d: EOS with a payload" % i)
            eos.append(i)
        else:
            fail("packet %d: type %d" % (i, ptype))
        caps_before = False
        since_caps += len(wire) + 1
    if seq != args.frames:
        fail("%d frames on the wire, expected %d" % (seq, args.frames))
    if len(eos) != args.eos:
        fail("%d EOS packets on the wire, expected %d" % (len(eos), args.eos))
    return caps


def make_receiver(port):
    pipeline = Gst.parse_launch(
        "serialsrc name=src port=%s baud-rate=115200 ! tee name=t "
        "t. ! queue ! appsink name=raw sync=false "
        "t. ! queue ! jpegdec ! appsink name=dec sync=false" % port)
    received = {"raw": [], "dec": []}
    lock = threading.Condition()

    def on_sample(sink, name):
        sample = sink.emit("pull-sample")
        with lock:
            received[name].append(sample)
            lock.notify_all()
        return Gst.FlowReturn.OK

    for name in ("raw", "dec"):
        sink = pipeline.get_by_name(name)
        sink.set_property("emit-signals", True)
        sink.connect("new-sample", on_sample, name)
    return pipeline, received, lock


def wait_for_frames(pipeline, received, lock, n, expect_eos):
    """Waits for EOS (or for n frames through both branches when the sender
    sends none); fails on an error message or the timeout."""
    bus = pipeline.get_bus()
    types = Gst.MessageType.EOS | Gst.MessageType.ERROR
    if expect_eos:
        msg = bus.timed_pop_filtered(TIMEOUT * Gst.SECOND, types)
        if msg is None:
            fail("no EOS from the receiver within %d s" % TIMEOUT)
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            fail("receiver error: %s (%s)" % (err.message, dbg))
        return
    with lock:
        ok = lock.wait_for(
            lambda: len(received["raw"]) >= n and len(received["dec"]) >= n,
            TIMEOUT)
    msg = bus.pop_filtered(types)
    if msg is not None:
        fail("unexpected %s from the receiver" % msg.type.first_value_nick)
    if not ok:
        fail("only %d of %d frames within %d s"
             % (len(received["raw"]), n, TIMEOUT))


def check_stats(pipeline, n):
    stats = pipeline.get_by_name("src").get_property("link-stats")
    want = {"frames-received": n, "check-failures": 0, "lost-frames": 0,
            "bytes-skipped": 0, "malformed": 0, "caps-rejected": 0,
            "frames-without-caps": 0}
    for field, value in want.items():
        got = stats.get_value(field)
        if got != value:
            fail("link-stats %s = %s, expected %s" % (field, got, value))
    return stats


def check_frames(received, sent, caps):
    raw, dec = received["raw"], received["dec"]
    if len(raw) != len(sent):
        fail("received %d frames, sent %d" % (len(raw), len(sent)))
    if len(dec) != len(sent):
        fail("decoded %d frames, sent %d" % (len(dec), len(sent)))
    want_caps = Gst.Caps.from_string(caps)
    for i, (sample, path) in enumerate(zip(raw, sent)):
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        data = bytes(info.data)
        buf.unmap(info)
        with open(path, "rb") as f:
            if data != f.read():
                fail("frame %d differs from %s" % (i, path))
        if not sample.get_caps().is_equal(want_caps):
            fail("frame %d caps %s, expected %s"
                 % (i, sample.get_caps().to_string(), caps))
    for i, sample in enumerate(dec):
        s = sample.get_caps().get_structure(0)
        size = (s.get_value("width"), s.get_value("height"))
        if s.get_name() != "video/x-raw" or size != (WIDTH, HEIGHT):
            fail("decoded frame %d: %s" % (i, sample.get_caps().to_string()))


def run(args):
    with tempfile.TemporaryDirectory(prefix="mcu-link-") as tmp:
        files = make_jpegs(tmp, args.files)
        sent = [files[i % len(files)] for i in range(args.frames)]
        rx_pty = Pty()
        tx_pty = Pty() if args.mode == "tty" else None

        pipeline, received, lock = make_receiver(rx_pty.path)
        # PAUSED opens the port; the sender starts once it is open, so
        # nothing reaches the pty before serialsrc listens.
        if pipeline.set_state(Gst.State.PLAYING) == \
                Gst.StateChangeReturn.FAILURE:
            fail("the receiver did not start")

        env = dict(os.environ)
        env["ESP32CAM_STUB_FRAMES"] = os.pathsep.join(files)
        env["ESP32CAM_STUB_LOOPS"] = str(args.frames)
        cmd = [args.sender] + args.sender_args
        errlog = open(os.path.join(tmp, "sender.log"), "w+b")
        if args.mode == "tty":
            cmd += ["--port", tx_pty.path, "--baud", "115200",
                    "--count", str(args.frames)] + files
            proc = subprocess.Popen(cmd, env=env, stderr=errlog)
            relay = Relay(tx_pty.master, rx_pty.master)
        else:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                    stderr=errlog)
            relay = Relay(proc.stdout.fileno(), rx_pty.master)
        relay.start()
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            fail("the sender did not finish within %d s" % TIMEOUT)
        errlog.seek(0)
        err = errlog.read()
        errlog.close()
        err = err.decode(errors="replace")
        sys.stderr.write(err)
        if proc.returncode != 0:
            fail("the sender exited with %d" % proc.returncode)
        if args.mode == "tty":
            # The sender's summary gives the byte count the relay waits for.
            m = re.search(r"(\d+) frames, \d+ payload bytes, (\d+) caps "
                          r"packets, (\d+) eos packets, (\d+) wire bytes", err)
            if not m:
                fail("no summary from the sender")
            frames, caps_packets, eos, wire = map(int, m.groups())
            if frames != args.frames or eos != args.eos:
                fail("sender reports %d frames, %d EOS" % (frames, eos))
            relay.expect(wire)
        relay.join(TIMEOUT)
        if relay.is_alive() or relay.error:
            fail("relay: %s" % (relay.error or "did not finish"))
        wire_caps = check_wire(bytes(relay.data), args)
        if args.mode == "tty" and wire_caps != caps_packets:
            fail("%d caps packets on the wire, the sender counted %d"
                 % (wire_caps, caps_packets))

        wait_for_frames(pipeline, received, lock, args.frames, args.eos > 0)
        stats = check_stats(pipeline, args.frames)
        pipeline.set_state(Gst.State.NULL)
        check_frames(received, sent, args.caps)
        rx_pty.close()
        if tx_pty:
            tx_pty.close()
        print("PASS: %d frames byte-identical, decoded %dx%d, caps %s "
              "(%d caps packets), %d EOS, %d wire bytes sent, %d received"
              % (args.frames, WIDTH, HEIGHT, args.caps, wire_caps, args.eos,
                 len(relay.data), stats.get_value("wire-bytes")), flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sender", required=True, help="the sender program")
    p.add_argument("--mode", choices=("tty", "stdout"), default="tty")
    p.add_argument("--files", type=int, default=5,
                   help="different JPEGs to make")
    p.add_argument("--frames", type=int, default=30, help="frames to send")
    p.add_argument("--caps", required=True,
                   help="caps the frames must arrive with")
    p.add_argument("--caps-every-bytes", type=int, default=0,
                   help="the sender repeats the caps after this many bytes")
    p.add_argument("--caps-every", type=int, default=0,
                   help="the sender repeats the caps every this many frames")
    p.add_argument("--eos", type=int, default=3,
                   help="EOS packets the sender sends")
    p.add_argument("sender_args", nargs="*",
                   help="more arguments for the sender (after --)")
    args = p.parse_args()
    Gst.init(None)
    run(args)


if __name__ == "__main__":
    main()
