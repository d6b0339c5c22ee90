#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""seed_receiver.py: receives what seed_sender.py (the seed article's
pyserial + OpenCV loop) writes, with serialsrc.

For the article's raw JPEG bytes (the default):

    serialsrc port=PORT framing=raw ! jpegparse ! jpegdec ! videoconvert ! SINK

The same as a gst-launch line:

    gst-launch-1.0 serialsrc port=/dev/ttyUSB1 baud-rate=921600 framing=raw \\
        ! jpegparse ! jpegdec ! videoconvert ! autovideosink

framing=raw: the wire carries the bytes as the loop wrote them, so serialsrc
must not look for packets. jpegparse: serialsrc outputs whatever has arrived
when it reads (up to blocksize bytes), which has nothing to do with where the
frames begin and end; jpegparse collects the bytes and cuts them into whole
frames at the JPEG markers (SOI starts a frame, EOI ends it), which jpegdec
needs. Without it jpegdec gets fragments and fails.

Raw bytes also have no end: nothing on the wire says the sender is done, and
a sender closing its port is invisible on a real line (over socat or
serial-link-emu the receiving pty stays open too). So the receiver stops
after --num-buffers frames, or on Ctrl-C. If the other end really goes away
(a USB adapter pulled, the pty pair torn down), serialsrc reports an error
(RESOURCE, "was disconnected"), or with reconnect=true waits for the port to
come back; and a pty that hangs up discards what its reader had not read yet.

With --framing native (seed_sender.py --native, or any serialsink) the
receiver is just `serialsrc ! jpegdec`: every packet is one whole frame with
its caps, checked by a CRC, and the sender's EOS ends the stream here too.

It prints "[rx] listening" once the port is open and, at the end,

    decoded 30 frames of 320x240, 166355 bytes from the wire

Usage:

    seed_receiver.py --port /dev/ttyUSB1 --baud 921600 --sink autovideosink
    seed_receiver.py --port /tmp/ttyB --num-buffers 30
    seed_receiver.py --port /tmp/ttyB --framing native
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GLib", "2.0")
from gi.repository import GLib, Gst  # noqa: E402

PIPELINES = {
    "raw": "serialsrc name=rx framing=raw ! jpegparse ! jpegdec name=dec "
           "! videoconvert ! %s",
    "native": "serialsrc name=rx ! jpegdec name=dec ! videoconvert ! %s",
}


class Receiver:
    def __init__(self, args):
        self.args = args
        self.loop = GLib.MainLoop()
        self.decoded = 0
        self.size = None
        self.status = 0
        self.eos_sent = False
        self.pipeline = Gst.parse_launch(PIPELINES[args.framing] % args.sink)
        self.src = self.pipeline.get_by_name("rx")
        self.src.set_property("port", args.port)
        self.src.set_property("baud-rate", args.baud)
        pad = self.pipeline.get_by_name("dec").get_static_pad("src")
        pad.add_probe(Gst.PadProbeType.BUFFER, self.on_frame)
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)

    def on_frame(self, pad, info):
        """Counts decoded frames, in the streaming thread."""
        self.decoded += 1
        if self.size is None:
            s = pad.get_current_caps().get_structure(0)
            self.size = (s.get_value("width"), s.get_value("height"))
            print("[rx] receiving %dx%d video" % self.size)
        if self.decoded == self.args.num_buffers:
            # From the main loop, not from the streaming thread counted.
            GLib.idle_add(self.finish)
        return Gst.PadProbeReturn.OK

    def finish(self):
        """EOS into the pipeline: jpegdec and the sink finish cleanly."""
        if not self.eos_sent:
            self.eos_sent = True
            self.pipeline.send_event(Gst.Event.new_eos())
        else:
            self.loop.quit()
        return False

    def on_interrupt(self):
        """First Ctrl-C: finish cleanly; second: quit."""
        self.finish()
        return True

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.EOS:
            self.loop.quit()
        elif msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
            err, debug = (msg.parse_error() if msg.type ==
                          Gst.MessageType.ERROR else msg.parse_warning())
            what = "ERROR" if msg.type == Gst.MessageType.ERROR else "warning"
            print("[rx] %s from %s: %s\n[rx]   domain %s, code %d\n"
                  "[rx]   debug: %s" % (what, msg.src.get_name(), err.message,
                                        err.domain, err.code, debug),
                  file=sys.stderr)
            if msg.type == Gst.MessageType.ERROR:
                self.status = 1
                self.loop.quit()

    def run(self):
        if (self.pipeline.set_state(Gst.State.PLAYING) ==
                Gst.StateChangeReturn.FAILURE):
            msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
            if msg:
                self.on_message(None, msg)
            return 1
        print("[rx] listening on %s (framing %s)" % (self.args.port,
                                                     self.args.framing))
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum,
                                 self.on_interrupt)
        self.loop.run()
        if self.status == 0:
            stats = self.src.get_property("link-stats")
            w, h = self.size or (0, 0)
            print("decoded %d frames of %dx%d, %d bytes from the wire" %
                  (self.decoded, w, h, stats.get_value("wire-bytes")))
        return self.status

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        self.pipeline.get_bus().remove_signal_watch()


def main(argv):
    sys.stdout.reconfigure(line_buffering=True)
    p = argparse.ArgumentParser(
        description="Receive the seed article's JPEG stream with serialsrc.")
    p.add_argument("--port", required=True, help="serial port to read")
    p.add_argument("--baud", type=int, default=115200,
                   help="baud rate (default 115200)")
    p.add_argument("--framing", choices=sorted(PIPELINES), default="raw",
                   help="raw for the article's loop (default), native for "
                   "serialsink or seed_sender.py --native")
    p.add_argument("--num-buffers", type=int, default=-1, metavar="N",
                   help="stop after N decoded frames (default: at the "
                   "sender's EOS with native framing, else on Ctrl-C)")
    p.add_argument("--sink", default="fakesink",
                   help="where the video goes (default fakesink; to watch "
                   "it: autovideosink)")
    args = p.parse_args(Gst.init(argv)[1:])
    receiver = Receiver(args)
    try:
        return receiver.run()
    finally:
        receiver.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
