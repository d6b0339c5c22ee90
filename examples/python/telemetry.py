#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""telemetry.py: telemetry messages from and to Python over a serial link
that carries video at the same time.

A program's own messages (position, battery, commands: here JSON objects
with a sequence number) go through appsrc and appsink on channel 1 of the
link, while video goes on channel 0 of the same port:

  send PORT:
    videotestsrc ! ... ! jpegenc ! serialsink port=PORT channel=0 priority=0
    appsrc ! serialsink port=PORT channel=1 priority=1
    (both serialsinks: link-rate=--link-rate, the link's whole rate)
  receive PORT:
    serialsrc port=PORT channel=0 ! jpegdec ! videoconvert ! SINK
    serialsrc port=PORT channel=1 ! appsink

Each message pushed into appsrc travels as one packet, checked by its CRC,
and comes out of appsink as one buffer holding exactly its bytes: no
delimiters or lengths to add, no partial reads to reassemble, as a program
writing to a serial port with pyserial would need. The two serialsinks
share the port; the telemetry has the higher priority, so a message waits
at most one piece (100 ms of the line) behind a video frame instead of the
whole frame. Every message arrives: the default drop-policy, auto, drops
only stale pictures and sound (video/, image/, audio/ caps) to keep them
fresh, never data such as these application/x-telemetry messages (a
command must not be dropped).

The sender prints each message it sends, the receiver each it receives,
with its age (true only when both ends' clocks agree) and any gap in the
sequence numbers; both end at the sender's EOS (after --messages, or at
Ctrl-C on the sender), which crosses the link on each channel.

  test: starts serial-link-emu ($SERIAL_LINK_EMU, else serial-link-emu on
    PATH, else the one in build/) and runs both ends over it, each with its
    own pipeline in this process, both serialsinks paced at --link-rate as
    on a radio. Checks: every message arrives, in order, byte for byte;
    video frames arrive too, every one the sender sent; no packet lost or
    damaged; both ends end on EOS; and a receiver given a port that does
    not exist prints the error and exits with status 1. Prints the
    messages' age on arrival (information only), then "ok: ..." and exits
    with 0, or "FAIL: ..." and exits with 1.

Usage:

  telemetry.py send /dev/ttyUSB0 --baud 57600
  telemetry.py receive /dev/ttyUSB0 --baud 57600 --sink autovideosink
  telemetry.py test

Rates: a telemetry radio at 57600 baud carries about 5 KB/s over the air
(a SiK radio at its default 64 kbit/s): --link-rate, set on both
serialsinks. The elements of one port pace against one model of the line,
which every element's bytes keep busy, at the lowest rate any of them
paces at: so both get the radio's whole rate, not a share each (a share of
1000 on the messages' sink would slow the video to 1000 bytes/s too).
--link-rate 0 paces at the baud rate, and not at all on pseudo-terminals
(see examples/pipelines/video-telemetry.sh).

Errors on the bus (a port that does not exist or is busy, a missing
element) are printed with the element, the message, the domain and code,
and the debug detail, and the program exits with status 1.

The plugin: installed, or GST_PLUGIN_PATH=$PWD/build/gst/serial.
"""

import argparse
import json
import math
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import GLib, Gst  # noqa: E402

TELEMETRY_CAPS = "application/x-telemetry,format=json"
DEFAULT_SOURCE = "videotestsrc is-live=true pattern=ball"
DEFAULT_LINK_RATE = 5000
TEST_DEADLINE = 20  # seconds for the whole test; meson's timeout is 60
TEST_MIN_FRAMES = 3


def print_gerror(tag, what, msg, err, debug):
    """An error or warning from the bus, whole, on stderr."""
    print("[%s] %s from %s: %s" % (tag, what, msg.src.get_name(),
                                   err.message), file=sys.stderr)
    print("[%s]   domain %s, code %d" % (tag, err.domain, err.code),
          file=sys.stderr)
    print("[%s]   debug: %s" % (tag, debug or "(none)"), file=sys.stderr)


class End:
    """One end's pipeline and its bus: errors end the program (status 1),
    EOS ends this end."""

    def __init__(self, app, tag, description):
        self.app = app
        self.tag = tag
        self.finishing = False
        self.done = False
        # GLib.Error on a missing element or a link that cannot be made.
        self.pipeline = Gst.parse_launch(description)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_bus)

    def serial(self, name, args):
        element = self.pipeline.get_by_name(name)
        element.set_property("port", args.port)
        element.set_property("baud-rate", args.baud)
        return element

    def start(self):
        """Opens the ports: a missing or busy one fails here, its error on
        the bus."""
        if (self.pipeline.set_state(Gst.State.PLAYING) ==
                Gst.StateChangeReturn.FAILURE):
            msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg:
                print_gerror(self.tag, "ERROR", msg, *msg.parse_error())
            else:
                print("[%s] could not start the pipeline" % self.tag,
                      file=sys.stderr)
            return False
        return True

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()

    def on_bus(self, bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            print_gerror(self.tag, "ERROR", msg, *msg.parse_error())
            self.app.quit(1)
        elif msg.type == Gst.MessageType.WARNING:
            print_gerror(self.tag, "warning", msg, *msg.parse_warning())
        elif msg.type == Gst.MessageType.EOS:
            self.done = True
            self.on_eos()
            self.app.end_done()

    def finish(self):
        """Ends the stream cleanly: EOS from the sources to the sinks."""
        if not self.finishing and not self.done:
            self.finishing = True
            self.pipeline.send_event(Gst.Event.new_eos())

    def on_eos(self):
        pass


class Sender(End):
    """Video on channel 0 and the messages, pushed into appsrc, on
    channel 1 of one port."""

    def __init__(self, app, args, end_after=True):
        super().__init__(app, "tx", (
            # Channel 0: the video.
            "%s ! videoconvert ! videoscale ! videorate drop-only=true "
            "! video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 "
            "! jpegenc quality=%d qos=true "
            "! serialsink name=video channel=0 priority=0 "
            # Channel 1: the messages. format=time, is-live and
            # do-timestamp: each message is stamped with the time it was
            # pushed, as a live source's buffers are. The caps are required
            # (serialsink refuses buffers without caps) and travel to the
            # receiver; being data (application/...), they also keep the
            # default drop-policy from dropping any message. async=false: the
            # pipeline would otherwise start playing only once the first
            # message arrived, holding the video.
            "appsrc name=messages format=time is-live=true do-timestamp=true "
            "caps=%s "
            "! serialsink name=telemetry channel=1 priority=1 "
            "async=false" %
            (args.source, args.width, args.height, args.fps, args.quality,
             TELEMETRY_CAPS)))
        # The same link rate on both: one line, modelled once for the two.
        self.video = self.serial("video", args)
        self.video.set_property("link-rate", args.link_rate)
        self.telemetry = self.serial("telemetry", args)
        self.telemetry.set_property("link-rate", args.link_rate)
        self.appsrc = self.pipeline.get_by_name("messages")
        self.args = args
        self.end_after = end_after
        self.sent = []
        self.timer = None
        self.video_frames = 0

    def start(self):
        if not super().start():
            return False
        print("[tx] sending video on channel 0 and messages on channel 1 of "
              "%s (%d baud)" % (self.args.port, self.args.baud))
        self.timer = GLib.timeout_add(max(1, round(1000 / self.args.rate)),
                                      self.push)
        return True

    def message(self, seq):
        """A made-up vehicle flying circles: what an autopilot reports."""
        t = seq / self.args.rate
        return {
            "seq": seq,
            "time": round(time.time(), 3),
            "lat": round(52.52 + 0.0005 * math.sin(t / 10), 6),
            "lon": round(13.405 + 0.0008 * math.cos(t / 10), 6),
            "alt": round(100 + 5 * math.sin(t / 7), 1),
            "battery": max(0, 100 - seq // 100),
        }

    def push(self):
        if self.finishing:
            self.timer = None
            return False
        seq = len(self.sent)
        data = json.dumps(self.message(seq), separators=(",", ":")).encode()
        # One message, one buffer: it comes out of the receiver's appsink
        # as one buffer too.
        ret = self.appsrc.emit("push-buffer", Gst.Buffer.new_wrapped(data))
        if ret != Gst.FlowReturn.OK:
            # Flushing (stopping) or an error, which the bus reports.
            self.timer = None
            return False
        self.sent.append(data)
        if not self.args.quiet:
            print("[tx] %s" % data.decode())
        if len(self.sent) == self.args.messages:
            # All sent: the end of the stream, unless the test ends it.
            if self.end_after:
                self.finish()
            self.timer = None
            return False
        return True

    def finish(self):
        """EOS on both channels: appsrc's after the messages it still holds
        (end-of-stream queues it behind them), the video source's at once.
        Each crosses the link to the receiver."""
        if self.finishing or self.done:
            return
        self.finishing = True
        self.appsrc.emit("end-of-stream")
        for element in self.pipeline.iterate_sources():
            if element != self.appsrc:
                element.send_event(Gst.Event.new_eos())

    def on_eos(self):
        s = self.video.get_property("link-stats")
        self.video_frames = s.get_value("frames-sent")
        rate = s.get_value("line-rate")
        print("[tx] done: sent %d messages and %d video frames (%d "
              "dropped to keep the picture fresh), %s" %
              (len(self.sent), self.video_frames,
               s.get_value("frames-dropped"),
               "paced at %.0f bytes/s" % rate if rate > 0 else "not paced"))


class Receiver(End):
    """Video from channel 0 to a sink, messages from channel 1 out of
    appsink, from one port."""

    def __init__(self, app, args, quiet=False):
        super().__init__(app, "rx", (
            "serialsrc name=video channel=0 ! jpegdec name=dec "
            "! videoconvert ! %s "
            # sync=false: hand each message over as soon as it arrived.
            # async=false: the video may start before the first message.
            "serialsrc name=telemetry channel=1 "
            "! appsink name=messages emit-signals=true sync=false "
            "async=false" % args.sink))
        self.args = args
        self.quiet = quiet
        self.video = self.serial("video", args)
        self.telemetry = self.serial("telemetry", args)
        self.inbox = queue.SimpleQueue()
        self.messages = []
        self.ages = []
        self.next_seq = None
        self.missing = 0
        self.frames = 0
        self.size = None
        self.pipeline.get_by_name("messages").connect("new-sample",
                                                      self.on_sample)
        dec = self.pipeline.get_by_name("dec").get_static_pad("src")
        dec.add_probe(Gst.PadProbeType.BUFFER, self.on_frame)

    def start(self):
        if not super().start():
            return False
        print("[rx] listening on %s (%d baud)" % (self.args.port,
                                                  self.args.baud))
        return True

    def on_sample(self, appsink):
        """A message, in the streaming thread: one buffer, one message. It
        is read in the main loop's thread, in order."""
        sample = appsink.emit("pull-sample")
        buf = sample.get_buffer()
        self.inbox.put((buf.extract_dup(0, buf.get_size()), sample.get_caps()))
        GLib.idle_add(self.read_inbox)
        return Gst.FlowReturn.OK

    def read_inbox(self):
        while True:
            try:
                data, caps = self.inbox.get_nowait()
            except queue.Empty:
                break
            self.on_message(data, caps)
        self.app.progress()
        return False

    def on_message(self, data, caps):
        if not self.messages:
            print("[rx] messages: %s" % caps.to_string())
        self.messages.append(data)
        try:
            msg = json.loads(data)
            seq = msg["seq"]
        except (ValueError, KeyError, TypeError):
            print("[rx] not a message: %r" % data)
            return
        if self.next_seq is not None and seq > self.next_seq:
            # A gap: the link lost packets the sender did not repair.
            print("[rx] messages %d to %d missing" % (self.next_seq, seq - 1))
            self.missing += seq - self.next_seq
        elif self.next_seq is not None and seq < self.next_seq:
            print("[rx] message %d again, or out of order" % seq)
        self.next_seq = max(seq + 1, self.next_seq or 0)
        age = time.time() - msg.get("time", 0)
        self.ages.append(age)
        if not self.quiet:
            print("[rx] #%d lat %.6f lon %.6f alt %.1f m battery %d %% "
                  "(%.2f s old)" % (seq, msg.get("lat", 0), msg.get("lon", 0),
                                    msg.get("alt", 0), msg.get("battery", 0),
                                    age))

    def on_frame(self, pad, info):
        """Counts decoded video frames, in the streaming thread."""
        self.frames += 1
        if self.size is None:
            s = pad.get_current_caps().get_structure(0)
            self.size = (s.get_value("width"), s.get_value("height"))
            GLib.idle_add(print, "[rx] receiving %dx%d video" % self.size)
        GLib.idle_add(self.app.progress)
        return Gst.PadProbeReturn.OK

    def damage(self):
        """Packets the link lost or damaged, on either channel."""
        total = 0
        for element in (self.video, self.telemetry):
            s = element.get_property("link-stats")
            total += sum(s.get_value(f) for f in (
                "lost-frames", "check-failures", "malformed"))
        return total

    def on_eos(self):
        # Messages that came before the EOS but are not read yet.
        self.read_inbox()
        w, h = self.size or (0, 0)
        print("[rx] done: received %d messages (%d missing) and %d video "
              "frames of %dx%d" % (len(self.messages), self.missing,
                                   self.frames, w, h))
        if self.ages:
            ages = sorted(self.ages)
            print("[rx] messages' age on arrival: %.0f ms fastest, %.0f ms "
                  "median, %.0f ms slowest (true only when both ends' "
                  "clocks agree)" % (1000 * ages[0],
                                     1000 * ages[len(ages) // 2],
                                     1000 * ages[-1]))


class App:
    """The main loop, with one end or (test) both."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.ends = []
        self.status = 0

    def quit(self, status):
        self.status = max(self.status, status)
        self.loop.quit()

    def end_done(self):
        if all(end.done for end in self.ends):
            self.loop.quit()

    def progress(self):
        return False

    def on_interrupt(self):
        """First Ctrl-C: end the stream (the sender's EOS reaches the
        receiver); the second: quit."""
        ending = [end for end in self.ends if not end.finishing and
                  not end.done]
        if not ending:
            print("interrupted", file=sys.stderr)
            self.quit(1)
            return True
        print("interrupted: ending the stream")
        for end in ending:
            end.finish()
        return True

    def run(self, ends):
        self.ends = ends
        for end in ends:
            if not end.start():
                return 1
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum,
                                 self.on_interrupt)
        self.loop.run()
        return self.status

    def stop(self):
        for end in self.ends:
            end.stop()


class TestApp(App):
    """Both ends over serial-link-emu; the sender is told to end once the
    receiver has every message and some video frames."""

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.tx = None
        self.rx = None
        self.failure = None

    def progress(self):
        if (not self.tx.finishing and
                len(self.rx.messages) >= self.args.messages and
                self.rx.frames >= TEST_MIN_FRAMES):
            self.tx.finish()
        return False

    def on_deadline(self):
        self.failure = "not done within %d s: %d of %d messages sent, %d " \
            "received, %d video frames" % (
                TEST_DEADLINE, len(self.tx.sent), self.args.messages,
                len(self.rx.messages), self.rx.frames)
        self.quit(1)
        return False

    def check(self):
        tx, rx, n = self.tx, self.rx, self.args.messages
        if len(tx.sent) != n:
            return "sent %d messages, not %d" % (len(tx.sent), n)
        if rx.messages != tx.sent:
            for i, (a, b) in enumerate(zip(tx.sent, rx.messages)):
                if a != b:
                    return "message %d: sent %r, received %r" % (i, a, b)
            return "sent %d messages, received %d" % (n, len(rx.messages))
        if rx.frames < TEST_MIN_FRAMES:
            return "%d video frames decoded, not at least %d" % (
                rx.frames, TEST_MIN_FRAMES)
        if rx.frames != tx.video_frames:
            return "the sender sent %d video frames, %d were decoded" % (
                tx.video_frames, rx.frames)
        if rx.size != (self.args.width, self.args.height):
            return "video of %s, not %dx%d" % (
                rx.size, self.args.width, self.args.height)
        if rx.damage():
            return "%d packets lost or damaged on a clean link" % rx.damage()
        return None


def find_emulator():
    emu = os.environ.get("SERIAL_LINK_EMU") or shutil.which("serial-link-emu")
    if emu:
        return emu
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "..", "build", "tools", "serial-link-emu",
                        "serial-link-emu")


def check_error_exit(directory):
    """A receiver on a port that does not exist: the error printed whole,
    exit status 1."""
    absent = os.path.join(directory, "absent")
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "receive", absent],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        timeout=TEST_DEADLINE)
    if proc.returncode != 1:
        return "a receiver on a missing port exited with %d, not 1" % \
            proc.returncode
    if ("[rx] ERROR from " not in proc.stderr or absent not in proc.stderr or
            "domain gst-resource-error-quark" not in proc.stderr):
        return "a receiver on a missing port did not print the error: %r" % \
            proc.stderr
    return None


def run_test(args):
    """Both ends over the emulator, then the error case."""
    with tempfile.TemporaryDirectory(prefix="gst-serial-telemetry-") as tmp:
        a, b = os.path.join(tmp, "ttyA"), os.path.join(tmp, "ttyB")
        emu = subprocess.Popen(
            [find_emulator(), "--baud", str(args.baud), "--link-a", a,
             "--link-b", b, "--exit-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            # Printed once both ends can be opened.
            ready = emu.stdout.readline()
            if not ready.startswith("READY "):
                print("FAIL: the link emulator did not start")
                return 1
            print("link: %s <-> %s at %d baud, serialsinks at link-rate %d" %
                  (a, b, args.baud, args.link_rate))
            app = TestApp(args)
            rx_args = argparse.Namespace(**vars(args))
            rx_args.port = b
            tx_args = argparse.Namespace(**vars(args))
            tx_args.port = a
            try:
                app.rx = Receiver(app, rx_args, quiet=args.quiet)
                app.tx = Sender(app, tx_args, end_after=False)
            except GLib.Error as e:
                print("FAIL: cannot build the pipelines: %s" % e.message)
                return 1
            GLib.timeout_add_seconds(TEST_DEADLINE, app.on_deadline)
            try:
                status = app.run([app.rx, app.tx])
            finally:
                app.stop()
            failure = app.failure
            if status != 0 and not failure:
                failure = "an error on the bus (above)"
            failure = failure or app.check() or check_error_exit(tmp)
        finally:
            emu.stdin.close()
            emu.wait()
        if failure:
            print("FAIL: %s" % failure)
            return 1
        print("ok: %d messages in order, byte for byte, and %d video frames "
              "of %dx%d, over one link; a missing port gives exit status 1" %
              (args.messages, app.rx.frames, args.width, args.height))
        return 0


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Telemetry messages through appsrc and appsink on "
        "channel 1 of a serial link, video on channel 0.")
    sub = p.add_subparsers(dest="mode", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--baud", type=int, default=57600,
                        help="baud rate, the same on both ends "
                        "(default 57600, a telemetry radio's)")
    common.add_argument("--quiet", action="store_true",
                        help="do not print every message")
    sending = argparse.ArgumentParser(add_help=False)
    sending.add_argument("--rate", type=float, metavar="HZ",
                         help="messages a second (default 10; test: 20)")
    sending.add_argument("--width", type=int, default=160)
    sending.add_argument("--height", type=int, default=120)
    sending.add_argument("--fps", type=int, default=2,
                         help="video frames a second (default 2)")
    sending.add_argument("--quality", type=int, default=30,
                         help="JPEG quality (default 30)")
    sending.add_argument("--source", default=DEFAULT_SOURCE,
                         metavar="FRAGMENT", help="video source (default "
                         "\"%s\"; a camera: \"v4l2src\")" % DEFAULT_SOURCE)
    sending.add_argument("--link-rate", type=int, default=DEFAULT_LINK_RATE,
                         metavar="BYTES_PER_S",
                         help="bytes a second the link carries, set on both "
                         "serialsinks (one line, shared by the streams); 0: "
                         "pace at the baud rate (default %d, a SiK radio's)" %
                         DEFAULT_LINK_RATE)
    receiving = argparse.ArgumentParser(add_help=False)
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        default_sink = "autovideosink sync=false"
    else:
        default_sink = "fakesink"
    receiving.add_argument("--sink", default=default_sink,
                           metavar="FRAGMENT", help="where the video goes "
                           "(default \"%s\")" % default_sink)

    s = sub.add_parser("send", parents=[common, sending],
                       help="send video and messages")
    s.add_argument("port")
    s.add_argument("--messages", type=int, default=-1, metavar="N",
                   help="send N messages, then end (default: until Ctrl-C)")
    r = sub.add_parser("receive", parents=[common, receiving],
                       help="receive video and messages")
    r.add_argument("port")
    t = sub.add_parser("test", parents=[common, sending],
                       help="both ends over the link emulator, checked")
    t.add_argument("--messages", type=int, default=30, metavar="N",
                   help="messages to send (default 30)")
    t.set_defaults(sink="fakesink")
    args = p.parse_args(argv)

    if args.mode != "receive":
        if args.rate is None:
            args.rate = 20 if args.mode == "test" else 10
        if args.link_rate < 0:
            p.error("--link-rate must not be negative")
        if args.rate <= 0 or min(args.width, args.height, args.fps) <= 0:
            p.error("--rate, --width, --height and --fps must be positive")
        if args.mode == "test" and args.messages <= 0:
            p.error("--messages must be positive")
    return args


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)
    Gst.init(None)
    args = parse_args(argv[1:])
    if args.mode == "test":
        return run_test(args)

    app = App()
    try:
        if args.mode == "send":
            end = Sender(app, args)
        else:
            end = Receiver(app, args, quiet=args.quiet)
    except GLib.Error as e:
        print("cannot build the pipeline: %s" % e.message, file=sys.stderr)
        return 1
    try:
        return app.run([end])
    finally:
        app.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
