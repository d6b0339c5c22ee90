#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""serial_link_monitor.py: streams video over a serial link, prints its health.

The Python twin of examples/c/serial-link-monitor.c, with PyGObject: the
same options, the same pipelines, the same output. It uses serialsink and
serialsrc through the GStreamer registry like any other element (install the
plugin or point GST_PLUGIN_PATH at the build):

  sender:   SOURCE ! videoconvert ! videoscale ! videorate
              ! video/x-raw,width=W,height=H,framerate=FPS/1
              ! jpegenc ! serialsink port=SEND_PORT
  receiver: serialsrc port=RECEIVE_PORT ! jpegdec ! videoconvert ! SINK

and prints one line per bus message that says something about the link:
the periodic link-stats structures (serialsink-link-stats,
serialsrc-link-stats, every --stats-interval ms), serial-port-lost and
serial-port-restored (--reconnect), QoS (serialsink dropping a stale frame),
warnings, errors (to stderr, with domain, code and debug detail; exit status
1) and EOS.

Usage:

  serial_link_monitor.py --send-port /dev/ttyUSB0 --baud-rate 921600
  serial_link_monitor.py --receive-port /dev/ttyUSB1 --baud-rate 921600 \\
      --sink autovideosink
  serial_link_monitor.py --send-port /tmp/ttyA --receive-port /tmp/ttyB \\
      --num-buffers 300          # a loopback, e.g. over serial-link-emu

With both ports it is a loopback: the receiver starts first, and it ends when
both pipelines have seen EOS (the sender's EOS travels over the wire).
Ctrl-C ends the stream cleanly; a second Ctrl-C quits. At every EOS the
element's link-stats property is printed as a "final" line, so there is one
whatever the stats interval, and then a summary line for scripts:

  summary: sent 30 frames, 0 dropped, 263743 wire bytes; received 30 frames,
  0 lost, 0 damaged, 263643 wire bytes; decoded 30 frames of 320x240;
  0 reconnects

(on one line).
"""

import argparse
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import GLib, Gst  # noqa: E402

DEFAULT_SOURCE = "videotestsrc is-live=true"
DEFAULT_SINK = "fakesink"


def format_size(n):
    """'11.5 kB', as the C version prints it."""
    if n < 1000:
        return "%.0f B" % n
    if n < 1000 * 1000:
        return "%.1f kB" % (n / 1000)
    return "%.2f MB" % (n / (1000 * 1000))


def format_rate(n):
    return format_size(n) + "/s"


def damaged(s):
    """Packets that arrived but could not be delivered: the link damaged
    them."""
    return sum(s.get_value(f) for f in ("check-failures", "malformed",
                                         "oversize-frames", "bad-version"))


class Endpoint:
    """One pipeline and the serial element in it ("tx" or "rx")."""

    def __init__(self, monitor, tag, description, port, args):
        self.monitor = monitor
        self.tag = tag
        self.eos_sent = False
        self.done = False
        self.reconnects = 0
        self.lost_at = None
        self.qos_messages = 0
        self.final_stats = None
        self.started_at = None
        print("[%s] %s (port %s, %d baud)" % (tag, description, port,
                                               args.baud_rate))
        # GLib.Error on a missing element or a link that cannot be made.
        self.pipeline = Gst.parse_launch(description)
        self.serial = self.pipeline.get_by_name(tag)
        self.serial.set_property("port", port)
        self.serial.set_property("baud-rate", args.baud_rate)
        self.serial.set_property("stats-interval", args.stats_interval)
        self.serial.set_property("reconnect", args.reconnect)

    def start(self):
        """Starts the pipeline; the port opens here, so a missing or busy
        port fails now, its error already on the bus."""
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        if (self.pipeline.set_state(Gst.State.PLAYING) ==
                Gst.StateChangeReturn.FAILURE):
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg:
                self.on_message(bus, msg)
            else:
                print("[%s] could not start the pipeline" % self.tag,
                      file=sys.stderr)
            return False
        self.started_at = time.monotonic()
        print("[%s] %s" % (self.tag,
                           "sending" if self.tag == "tx" else "listening"))
        return True

    def finish(self):
        """Ends the stream cleanly: the sender's EOS also travels over the
        wire."""
        if self.eos_sent or self.done:
            return
        self.eos_sent = True
        self.pipeline.send_event(Gst.Event.new_eos())

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()

    # Printing

    def traffic(self, s, final):
        """The rates of the last second or so while running; the totals and
        the time at the end (a short run has no rates yet)."""
        if final:
            return "%s payload, %s wire in %.1f s" % (
                format_size(s.get_value("payload-bytes")),
                format_size(s.get_value("wire-bytes")),
                time.monotonic() - self.started_at)
        return "%s payload, %s wire" % (
            format_rate(s.get_value("payload-rate")),
            format_rate(s.get_value("wire-rate")))

    def print_stats(self, s, final=False):
        label = "final: " if final else ""
        if self.tag == "tx":
            line = "[tx] %ssent %d frames, %d dropped | %s" % (
                label, s.get_value("frames-sent"),
                s.get_value("frames-dropped"), self.traffic(s, final))
            line_rate = s.get_value("line-rate")
            # A pseudo-terminal's or USB CDC port's baud rate is fiction:
            # the sink does not pace there, there is no line to compare.
            if line_rate <= 0:
                line += " | not paced"
            elif final:
                line += " | %s line" % format_rate(line_rate)
            else:
                line += " | utilisation %.0f %% of a %s line | %s in " \
                    "flight" % (100.0 * s.get_value("utilisation"),
                                format_rate(line_rate),
                                format_size(s.get_value("bytes-in-flight")))
        else:
            line = "[rx] %sreceived %d frames, %d lost, %d damaged | %s | " \
                "%s skipped" % (label, s.get_value("frames-received"),
                                s.get_value("lost-frames"), damaged(s),
                                self.traffic(s, final),
                                format_size(s.get_value("bytes-skipped")))
            if damaged(s) > 0:
                line += " (CRC %d, malformed %d, oversize %d)" % (
                    s.get_value("check-failures"), s.get_value("malformed"),
                    s.get_value("oversize-frames"))
        print(line)

    def print_gerror(self, what, msg, err, debug):
        print("[%s] %s from %s: %s" % (self.tag, what, msg.src.get_name(),
                                       err.message), file=sys.stderr)
        print("[%s]   domain %s, code %d" % (self.tag, err.domain, err.code),
              file=sys.stderr)
        print("[%s]   debug: %s" % (self.tag, debug or "(none)"),
              file=sys.stderr)

    # The bus

    def on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            self.on_element(msg.get_structure())
        elif t == Gst.MessageType.QOS:
            self.on_qos(msg)
        elif t == Gst.MessageType.WARNING:
            self.print_gerror("warning", msg, *msg.parse_warning())
        elif t == Gst.MessageType.ERROR:
            self.print_gerror("ERROR", msg, *msg.parse_error())
            self.monitor.quit(1)
        elif t == Gst.MessageType.EOS:
            self.on_eos()
        return True

    def on_element(self, s):
        name = s.get_name()
        if name in ("serialsink-link-stats", "serialsrc-link-stats"):
            self.print_stats(s)
        elif name == "serial-port-lost":
            self.lost_at = time.monotonic()
            print("[%s] port %s lost, reopening it when it is back" %
                  (self.tag, s.get_value("port")))
        elif name == "serial-port-restored":
            down = time.monotonic() - self.lost_at if self.lost_at else 0.0
            self.lost_at = None
            self.reconnects += 1
            print("[%s] port %s restored after %.1f s (reconnect %d)" %
                  (self.tag, s.get_value("port"), down, self.reconnects))

    def on_qos(self, msg):
        # serialsink posts QoS for every stale frame it drops, a display
        # sink for every late frame: say so once, the stats count them.
        self.qos_messages += 1
        if self.qos_messages > 1:
            return
        _, processed, _ = msg.parse_qos_stats()
        print("[%s] QoS: %s dropped a frame that would have been late, after "
              "%d processed (the link or the sink is too slow for the frame "
              "rate; the stats lines count the drops)" %
              (self.tag, msg.src.get_name(), processed))

    def on_eos(self):
        self.done = True
        # The property is there after the last periodic message, whatever
        # the interval: the final line never depends on timing.
        self.final_stats = self.serial.get_property("link-stats")
        self.print_stats(self.final_stats, final=True)
        self.monitor.check_done()


class Monitor:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.tx = None
        self.rx = None
        self.decoded = 0
        self.width = self.height = 0
        self.exit_status = 0

    def build_sender(self):
        a = self.args
        description = (
            "%s ! videoconvert ! videoscale ! videorate "
            "! video/x-raw,width=%d,height=%d,framerate=%d/1 "
            "! jpegenc quality=%d ! serialsink name=tx" %
            (a.source, a.width, a.height, a.fps, a.quality))
        self.tx = Endpoint(self, "tx", description, a.send_port, a)
        if a.link_rate > 0:
            self.tx.serial.set_property("link-rate", a.link_rate)
        if a.num_buffers < 0:
            return True
        sources = 0
        for element in self.tx.pipeline.iterate_sources():
            if element.find_property("num-buffers"):
                element.set_property("num-buffers", a.num_buffers)
                sources += 1
        if sources == 0:
            print("[tx] --num-buffers: the source has no num-buffers "
                  "property", file=sys.stderr)
        return sources > 0

    def build_receiver(self):
        description = ("serialsrc name=rx ! jpegdec name=dec ! videoconvert "
                       "! %s" % self.args.sink)
        self.rx = Endpoint(self, "rx", description, self.args.receive_port,
                           self.args)
        pad = self.rx.pipeline.get_by_name("dec").get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.BUFFER, self.on_decoded)
        return True

    def on_decoded(self, pad, info):
        """Counts the decoded frames, in the streaming thread."""
        self.decoded += 1
        if self.decoded == 1:
            s = pad.get_current_caps().get_structure(0)
            self.width = s.get_value("width")
            self.height = s.get_value("height")
            print("[rx] receiving %dx%d video" % (self.width, self.height))
        # Receiving alone, --num-buffers counts what arrives; end from the
        # main loop, not from the streaming thread being counted.
        if self.tx is None and self.decoded == self.args.num_buffers:
            GLib.idle_add(self.rx.finish)
        return Gst.PadProbeReturn.OK

    def check_done(self):
        if all(ep.done for ep in (self.tx, self.rx) if ep):
            self.quit(0)

    def quit(self, status):
        self.exit_status = max(self.exit_status, status)
        self.loop.quit()

    def on_interrupt(self):
        """First Ctrl-C: finish the stream (sender first, so that its EOS
        reaches the receiver); once everything was asked to finish: quit."""
        for ep in (self.tx, self.rx):
            if ep and not ep.eos_sent and not ep.done:
                print("interrupted: ending the stream")
                ep.finish()
                return True
        print("interrupted", file=sys.stderr)
        self.quit(1)
        return True

    def summary(self):
        line = "summary: "
        if self.tx and self.tx.final_stats:
            s = self.tx.final_stats
            line += "sent %d frames, %d dropped, %d wire bytes; " % (
                s.get_value("frames-sent"), s.get_value("frames-dropped"),
                s.get_value("wire-bytes"))
        if self.rx and self.rx.final_stats:
            s = self.rx.final_stats
            line += ("received %d frames, %d lost, %d damaged, %d wire bytes; "
                     "decoded %d frames of %dx%d; " % (
                         s.get_value("frames-received"),
                         s.get_value("lost-frames"), damaged(s),
                         s.get_value("wire-bytes"), self.decoded, self.width,
                         self.height))
        reconnects = sum(ep.reconnects for ep in (self.tx, self.rx) if ep)
        print(line + "%d reconnects" % reconnects)

    def run(self):
        # The receiver first, so that it listens before the first byte.
        try:
            if self.args.receive_port and not (self.build_receiver() and
                                               self.rx.start()):
                return 1
            if self.args.send_port and not (self.build_sender() and
                                            self.tx.start()):
                return 1
        except GLib.Error as e:
            print("cannot build the pipeline: %s" % e.message, file=sys.stderr)
            print("  domain %s, code %d" % (e.domain, e.code), file=sys.stderr)
            return 1

        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum,
                                 self.on_interrupt)
        self.loop.run()
        if self.exit_status == 0:
            self.summary()
        return self.exit_status

    def stop(self):
        for ep in (self.tx, self.rx):
            if ep:
                ep.stop()


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Stream video over a serial link and print its health.")
    p.add_argument("-s", "--send-port", metavar="PATH",
                   help="send video to this serial port")
    p.add_argument("-r", "--receive-port", metavar="PATH",
                   help="receive video from this serial port (with "
                   "--send-port: a loopback)")
    p.add_argument("-b", "--baud-rate", type=int, default=115200, metavar="N",
                   help="bits per second on both ports (default 115200)")
    p.add_argument("-n", "--num-buffers", type=int, default=-1, metavar="N",
                   help="frames to send, then EOS; receiver only: frames to "
                   "receive (default: until Ctrl-C)")
    p.add_argument("--width", type=int, default=320, metavar="PIXELS")
    p.add_argument("--height", type=int, default=240, metavar="PIXELS")
    p.add_argument("--fps", type=int, default=10, metavar="N")
    p.add_argument("-q", "--quality", type=int, default=50, metavar="N",
                   help="JPEG quality, 0 to 100 (default 50)")
    p.add_argument("--source", default=DEFAULT_SOURCE, metavar="FRAGMENT",
                   help="video source, a pipeline fragment (default \"%s\"; "
                   "a camera: \"v4l2src device=/dev/video0\")" %
                   DEFAULT_SOURCE)
    p.add_argument("--sink", default=DEFAULT_SINK, metavar="FRAGMENT",
                   help="where received video goes (default \"%s\"; to "
                   "watch it: \"autovideosink\")" % DEFAULT_SINK)
    p.add_argument("-i", "--stats-interval", type=int, default=1000,
                   metavar="MS", help="print link statistics every MS "
                   "milliseconds, 0: only at the end (default 1000)")
    p.add_argument("--link-rate", type=int, default=0, metavar="BYTES_PER_S",
                   help="bytes per second the link really carries (a radio, "
                   "or a pseudo-terminal to pace): the sender paces at it")
    p.add_argument("--reconnect", action="store_true",
                   help="keep running when a port goes away and reopen it "
                   "when it is back")
    args = p.parse_args(argv)
    if not args.send_port and not args.receive_port:
        p.error("give --send-port, --receive-port or both")
    if min(args.width, args.height, args.fps) <= 0 or \
            min(args.stats_interval, args.link_rate) < 0:
        p.error("--width, --height and --fps must be positive, "
                "--stats-interval and --link-rate not negative")
    return args


def main(argv):
    # Lines reach a pipe (a log, a test) as they are printed.
    sys.stdout.reconfigure(line_buffering=True)
    # Gst.init() takes the GStreamer options (--gst-debug=...) out of argv.
    args = parse_args(Gst.init(argv)[1:])
    monitor = Monitor(args)
    try:
        return monitor.run()
    finally:
        monitor.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
