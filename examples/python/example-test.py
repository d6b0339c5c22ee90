#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs an example over an emulated serial link and checks what it printed.

The link is serial-link-emu ($SERIAL_LINK_EMU) with --baud 0: two
pseudo-terminals joined without pacing or faults. The emulator rather than
socat because it holds its own descriptor on each pty: a program closing
its end (a sender that is done) does not hang up the other end, so every
byte sent reaches the receiver, and its COUNTERS line says how many bytes
crossed, to compare with what the examples report.

  example-test.py monitor --frames N --width W --height H [--separate]
      -- APP [ARGS...]
    APP is serial-link-monitor (C or Python). One process with both ports
    (a loopback), or with --separate a receiver process then a sender
    process. Checks: exit status 0, the summary line (N sent, N received,
    N decoded at WxH, nothing dropped, lost or damaged, no reconnects), the
    wire bytes of both ends equal to the emulator's count, and at least one
    link-stats line from each end.

  example-test.py error -- APP [ARGS...]
    serial-link-monitor with a receive port that does not exist: exit
    status 1, the error on stderr with its domain, code and debug detail,
    no summary.

  example-test.py seed --frames N --width W --height H [--native]
      --sender SCRIPT --receiver SCRIPT
    The seed article's pyserial + OpenCV sender into a serialsrc receiver.
    Checks: exit statuses 0, N frames decoded at WxH, and the bytes the
    sender wrote equal to the bytes the emulator carried and serialsrc read.

Nothing is waited for by sleeping: each step waits for a line a process
prints, with a deadline, and a process that overruns it is killed.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

PYTHON = "/usr/bin/python3"
DEADLINE = 45.0  # seconds for a whole test; meson's timeout is 60
EOS_COPIES = 3
EOS_PACKET_BYTES = 10


class TestFailure(Exception):
    pass


class Process:
    """A child whose output lines are collected by threads as they come."""

    def __init__(self, name, argv, stdin=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.out = []
        self.err = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(self.argv, stdin=stdin,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        self.readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout,
                                                      self.out)),
            threading.Thread(target=self._read, args=(self.proc.stderr,
                                                      self.err)),
        ]
        for t in self.readers:
            t.start()

    def _read(self, stream, lines):
        for line in stream:
            with self.cond:
                lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, pattern, deadline):
        """Returns the first stdout match of @pattern, waiting for it."""
        regex = re.compile(pattern)
        with self.cond:
            while True:
                for line in self.out:
                    m = regex.search(line)
                    if m:
                        return m
                if self.proc.poll() is not None and not any(
                        t.is_alive() for t in self.readers):
                    raise TestFailure(
                        "%s ended (status %s) without printing /%s/" %
                        (self.name, self.proc.returncode, pattern))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure("%s did not print /%s/ in time" %
                                      (self.name, pattern))
                self.cond.wait(min(left, 0.5))

    def finish(self, deadline):
        """Waits for the exit and returns the status; kills on overrun."""
        try:
            rc = self.proc.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("%s did not end in time" % self.name)
        for t in self.readers:
            t.join()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for t in self.readers:
            t.join()

    def dump(self):
        print("---- %s: %s" % (self.name, " ".join(self.argv)))
        for line in self.out:
            print("  out| " + line)
        for line in self.err:
            print("  err| " + line)


class Emulator(Process):
    """serial-link-emu with sides A and B as symlinks in @directory."""

    def __init__(self, directory):
        self.a = os.path.join(directory, "ttyA")
        self.b = os.path.join(directory, "ttyB")
        emu = os.environ.get("SERIAL_LINK_EMU")
        if not emu:
            raise TestFailure("SERIAL_LINK_EMU is not set")
        super().__init__("serial-link-emu", [
            emu, "--baud", "0", "--link-a", self.a, "--link-b", self.b,
            "--exit-on-stdin-eof"
        ], stdin=subprocess.PIPE)

    def stop(self, deadline):
        """Ends the emulator; returns its counters as a dict."""
        self.proc.stdin.close()
        rc = self.finish(deadline)
        if rc != 0:
            raise TestFailure("serial-link-emu exited with %d" % rc)
        m = self.wait_line(r"^COUNTERS (.*)$", deadline)
        return {k: int(v) for k, v in
                (kv.split("=") for kv in m.group(1).split())}


def expect(condition, message):
    if not condition:
        raise TestFailure(message)


SUMMARY = re.compile(
    r"^summary: "
    r"(?:sent (?P<sent>\d+) frames, (?P<dropped>\d+) dropped, "
    r"(?P<tx_wire>\d+) wire bytes; )?"
    r"(?:received (?P<received>\d+) frames, (?P<lost>\d+) lost, "
    r"(?P<damaged>\d+) damaged, (?P<rx_wire>\d+) wire bytes; "
    r"decoded (?P<decoded>\d+) frames of (?P<width>\d+)x(?P<height>\d+); )?"
    r"(?P<reconnects>\d+) reconnects$")


def summary_of(proc, deadline):
    return proc.wait_line(SUMMARY.pattern, deadline).groupdict()


def count_lines(proc, pattern):
    regex = re.compile(pattern)
    return sum(1 for line in proc.out if regex.search(line))


def run_monitor(args, emu, procs, deadline):
    n, w, h = args.frames, args.width, args.height
    common = list(args.command) + ["--width", w, "--height", h]
    if args.separate:
        rx = Process("receiver", common + ["--receive-port", emu.b])
        procs.append(rx)
        rx.wait_line(r"^\[rx\] listening", deadline)
        tx = Process("sender", common + ["--send-port", emu.a,
                                         "--num-buffers", n])
        procs.append(tx)
        expect(tx.finish(deadline) == 0, "the sender failed")
        expect(rx.finish(deadline) == 0, "the receiver failed")
        tx_sum, rx_sum = summary_of(tx, deadline), summary_of(rx, deadline)
    else:
        tx = rx = Process("loopback", common + [
            "--send-port", emu.a, "--receive-port", emu.b, "--num-buffers", n
        ])
        procs.append(tx)
        expect(tx.finish(deadline) == 0, "the loopback failed")
        tx_sum = rx_sum = summary_of(tx, deadline)

    counters = emu.stop(deadline)
    expect(int(tx_sum["sent"]) == n, "sent %s frames, not %d" %
           (tx_sum["sent"], n))
    expect(int(tx_sum["dropped"]) == 0, "the sender dropped frames")
    expect(int(rx_sum["received"]) == n, "received %s frames, not %d" %
           (rx_sum["received"], n))
    expect(int(rx_sum["lost"]) == 0 and int(rx_sum["damaged"]) == 0,
           "frames lost or damaged on a perfect link")
    expect(int(rx_sum["decoded"]) == n, "decoded %s frames, not %d" %
           (rx_sum["decoded"], n))
    expect((int(rx_sum["width"]), int(rx_sum["height"])) == (w, h),
           "decoded %sx%s, not %dx%d" % (rx_sum["width"], rx_sum["height"],
                                         w, h))
    expect(int(tx_sum["reconnects"]) + int(rx_sum["reconnects"]) == 0,
           "reconnects on a link that stayed up")
    wire = int(tx_sum["tx_wire"])
    # serialsink sends its EOS packet three times in case one is damaged;
    # serialsrc stops reading at the first, so the last two copies are
    # delivered to its port but never read (docs/protocol.md, sections 3,
    # 9.4 and 13: an EOS packet is 8 bytes, 9 after COBS, 10 with the 0x00).
    unread = (EOS_COPIES - 1) * EOS_PACKET_BYTES
    expect(wire == counters["a2b_bytes"] == counters["a2b_delivered"] ==
           int(rx_sum["rx_wire"]) + unread,
           "wire bytes: sender %d, emulator %d taken / %d delivered, "
           "receiver %s + %d unread EOS copies" %
           (wire, counters["a2b_bytes"], counters["a2b_delivered"],
            rx_sum["rx_wire"], unread))
    # The final lines come from the link-stats property at EOS, so these
    # hold however short the run was; periodic lines are a bonus.
    expect(count_lines(tx, r"^\[tx\] (final: )?sent \d+ frames") >= 1,
           "no link-stats line from the sender")
    expect(count_lines(rx, r"^\[rx\] (final: )?received \d+ frames") >= 1,
           "no link-stats line from the receiver")
    print("ok: %d frames of %dx%d, %d wire bytes, %d+%d periodic stats lines"
          % (n, w, h, wire, count_lines(tx, r"^\[tx\] sent"),
             count_lines(rx, r"^\[rx\] received")))


def run_seed(args, emu, procs, deadline):
    n, w, h = args.frames, args.width, args.height
    rx_argv = [PYTHON, args.receiver, "--port", emu.b]
    tx_argv = [PYTHON, args.sender, "--port", emu.a, "--frames", n,
               "--width", w, "--height", h]
    if args.native:
        # The native stream carries its own EOS: no count needed.
        rx_argv += ["--framing", "native"]
        tx_argv += ["--native"]
    else:
        # Raw bytes have no end: the receiver stops after N frames.
        rx_argv += ["--num-buffers", n]
    rx = Process("receiver", rx_argv)
    procs.append(rx)
    rx.wait_line(r"^\[rx\] listening", deadline)
    tx = Process("sender", tx_argv)
    procs.append(tx)
    expect(tx.finish(deadline) == 0, "the sender failed")
    expect(rx.finish(deadline) == 0, "the receiver failed")
    counters = emu.stop(deadline)

    sent = tx.wait_line(r"^sent (\d+) frames, (\d+) bytes", deadline)
    got = rx.wait_line(r"^decoded (\d+) frames of (\d+)x(\d+), "
                       r"(\d+) bytes from the wire", deadline)
    expect(int(sent.group(1)) == n, "the sender sent %s frames" %
           sent.group(1))
    expect(int(got.group(1)) == n, "decoded %s frames, not %d" %
           (got.group(1), n))
    expect((int(got.group(2)), int(got.group(3))) == (w, h),
           "decoded %sx%s, not %dx%d" % (got.group(2), got.group(3), w, h))
    # Native: the EOS copies after the first are delivered but not read.
    unread = (EOS_COPIES - 1) * EOS_PACKET_BYTES if args.native else 0
    expect(int(got.group(4)) + unread == counters["a2b_delivered"] ==
           counters["a2b_bytes"],
           "receiver read %s bytes (+ %d unread), emulator carried %d" %
           (got.group(4), unread, counters["a2b_delivered"]))
    if not args.native:
        # Raw: the wire carries exactly the JPEG bytes the loop wrote.
        expect(int(sent.group(2)) == counters["a2b_bytes"],
               "sender wrote %s bytes, emulator carried %d" %
               (sent.group(2), counters["a2b_bytes"]))
    print("ok: %d frames of %dx%d, %s JPEG bytes, %d wire bytes" %
          (n, w, h, sent.group(2), counters["a2b_bytes"]))


def run_error(args, procs, directory, deadline):
    """A port that does not exist: exit status 1 and the error printed with
    its domain, code (GST_RESOURCE_ERROR_NOT_FOUND is 3) and debug detail."""
    absent = os.path.join(directory, "absent")
    app = Process("monitor", list(args.command) + ["--receive-port", absent])
    procs.append(app)
    rc = app.finish(deadline)
    expect(rc == 1, "exit status %d, not 1" % rc)
    err = "\n".join(app.err)
    expect(re.search(r"^\[rx\] ERROR from rx: Serial port %s does not exist"
                     % re.escape(absent), err, re.M),
           "no error message naming the port")
    expect(re.search(r"^\[rx\]   domain gst-resource-error-quark, code 3$",
                     err, re.M), "no error domain and code")
    expect(re.search(r"^\[rx\]   debug: .+", err, re.M),
           "no debug detail")
    expect(not any(line.startswith("summary:") for line in app.out),
           "a summary after an error")
    print("ok: error reported, exit status 1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("error")
    p.add_argument("command", nargs=argparse.REMAINDER)
    for name in ("monitor", "seed"):
        p = sub.add_parser(name)
        p.add_argument("--frames", type=int, required=True)
        p.add_argument("--width", type=int, required=True)
        p.add_argument("--height", type=int, required=True)
        if name == "monitor":
            p.add_argument("--separate", action="store_true")
            p.add_argument("command", nargs=argparse.REMAINDER)
        else:
            p.add_argument("--native", action="store_true")
            p.add_argument("--sender", required=True)
            p.add_argument("--receiver", required=True)
    args = parser.parse_args()
    if args.mode in ("monitor", "error"):
        if args.command[:1] == ["--"]:
            args.command = args.command[1:]
        if not args.command:
            parser.error("%s needs -- APP [ARGS...]" % args.mode)

    deadline = time.monotonic() + DEADLINE
    procs = []
    with tempfile.TemporaryDirectory(prefix="gst-serial-example-") as tmp:
        try:
            if args.mode == "error":
                run_error(args, procs, tmp, deadline)
            else:
                emu = Emulator(tmp)
                procs.append(emu)
                emu.wait_line(r"^READY ", deadline)
                if args.mode == "monitor":
                    run_monitor(args, emu, procs, deadline)
                else:
                    run_seed(args, emu, procs, deadline)
        except TestFailure as e:
            for p in procs:
                p.kill()
                p.dump()
            print("FAIL: %s" % e)
            return 1
        finally:
            for p in procs:
                p.kill()
    for p in procs:
        p.dump()
    return 0


if __name__ == "__main__":
    sys.exit(main())
