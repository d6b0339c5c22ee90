#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""seed_sender.py: the pyserial + OpenCV sender of "Serial communication for
video streaming using Python", made runnable without a camera.

The loop is the article's, unchanged in what goes on the wire:

    ser = serial.Serial(port, baud)
    while ...:
        frame = <next frame>
        ser.write(cv2.imencode('.jpg', frame)[1].tobytes())

Each JPEG is written raw, back to back, with no pacing, no length, no
delimiter and no check. Frames come from a synthetic generator (a moving
gradient with the frame number), or from a camera with --camera N
(cv2.VideoCapture, as in the article).

What receives it with gst-serial:

    serialsrc port=... framing=raw ! jpegparse ! jpegdec ! ...

(seed_receiver.py). framing=raw because that is what the loop puts on the
wire; jpegparse because nothing on the wire says where a frame ends:
serialsrc hands over whatever bytes have arrived, a piece of one JPEG or the
end of one and the start of the next, and jpegparse finds the frames again
by their markers (SOI 0xFFD8 starts one, EOI 0xFFD9 ends it). Over a
pseudo-terminal nothing is lost, so every frame arrives and jpegparse splits
them all. On a real line it works as long as no byte is lost or damaged:
a corrupted byte passes unnoticed into the decoder, a lost EOI merges two
frames into garbage, and a receiver started mid-frame must skip to the next
SOI. Nothing tells the receiver the frame size or rate either.

The upgrade: --native keeps the same OpenCV loop but hands each JPEG to a
GStreamer pipeline instead of the port, `appsrc ! serialsink`, so that the
wire carries serialsink's native framing: the one line that changes is
`ser.write(jpeg)`, which becomes `appsrc.emit("push-buffer", ...)` (see
NativeLink below). Each frame then travels as one packet with a CRC-32C
(a damaged frame is dropped and counted, never decoded), a sequence number
(lost frames are counted), timestamps and the caps (the receiver knows it
is 320x240 JPEG without being told), and an EOS at the end, so the receiver
is simply `serialsrc ! jpegdec` and stops by itself. On a slow line
serialsink also paces and drops stale frames whole, keeping the picture
fresh, where the raw loop queues seconds of video in the driver.

Usage:

    seed_sender.py --port /dev/ttyUSB0 --baud 921600            # raw, forever
    seed_sender.py --port /tmp/ttyA --frames 30 --width 320 --height 240
    seed_sender.py --port /dev/ttyUSB0 --camera 0 --native
"""

import argparse
import sys
import time

import cv2
import numpy as np
import serial


def synthetic_frames(width, height, count):
    """A camera without a camera: a moving gradient and the frame number, so
    every frame differs (and compresses like a picture, not like a flat
    colour)."""
    x = np.arange(width, dtype=np.uint16)[None, :]
    y = np.arange(height, dtype=np.uint16)[:, None]
    i = 0
    while count < 0 or i < count:
        frame = np.empty((height, width, 3), np.uint8)
        frame[..., 0] = (x + 4 * i) % 256
        frame[..., 1] = (y + 2 * i) % 256
        frame[..., 2] = (x + y + i) % 256
        cv2.putText(frame, "%d" % i, (8, height // 2),
                    cv2.FONT_HERSHEY_SIMPLEX, max(height / 120.0, 0.5),
                    (255, 255, 255), 2)
        yield frame
        i += 1


def camera_frames(index, width, height, count):
    """The article's capture: cv2.VideoCapture, scaled to the frame size."""
    cap = cv2.VideoCapture(index)
    if not cap.isOpened():
        sys.exit("cannot open camera %d" % index)
    try:
        i = 0
        while count < 0 or i < count:
            ok, frame = cap.read()
            if not ok:
                break
            yield cv2.resize(frame, (width, height))
            i += 1
    finally:
        cap.release()


class RawLink:
    """The article's link: pyserial, JPEG bytes written as they are."""

    def __init__(self, args):
        self.ser = serial.Serial(args.port, args.baud)

    def send(self, jpeg, index):
        self.ser.write(jpeg)

    def close(self):
        # Wait until the driver has sent everything, then let go of the port.
        self.ser.flush()
        self.ser.close()


class NativeLink:
    """The same frames through `appsrc ! serialsink`: native framing."""

    def __init__(self, args):
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        self.Gst = Gst
        Gst.init(None)
        self.duration = Gst.SECOND // args.fps
        # block=true: push-buffer waits while the line is busy instead of
        # queueing frames without bound. The caps travel to the receiver.
        self.pipeline = Gst.parse_launch(
            "appsrc name=src format=time block=true "
            "caps=image/jpeg,width=%d,height=%d,framerate=%d/1 "
            "! serialsink name=sink" % (args.width, args.height, args.fps))
        sink = self.pipeline.get_by_name("sink")
        sink.set_property("port", args.port)
        sink.set_property("baud-rate", args.baud)
        self.appsrc = self.pipeline.get_by_name("src")
        if (self.pipeline.set_state(Gst.State.PLAYING) ==
                Gst.StateChangeReturn.FAILURE):
            self.fail()

    def send(self, jpeg, index):
        buf = self.Gst.Buffer.new_wrapped(jpeg)
        buf.pts = index * self.duration
        buf.duration = self.duration
        # The one line that replaces ser.write(jpeg):
        if self.appsrc.emit("push-buffer", buf) != self.Gst.FlowReturn.OK:
            self.fail()

    def close(self):
        # EOS goes over the wire too; serialsink reports it once the driver
        # has sent everything.
        Gst = self.Gst
        self.appsrc.emit("end-of-stream")
        msg = self.pipeline.get_bus().timed_pop_filtered(
            Gst.CLOCK_TIME_NONE, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        self.pipeline.set_state(Gst.State.NULL)
        if msg.type == Gst.MessageType.ERROR:
            self.fail(msg)

    def fail(self, msg=None):
        Gst = self.Gst
        if msg is None:
            msg = self.pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
        self.pipeline.set_state(Gst.State.NULL)
        if msg is None:
            sys.exit("serialsink failed")
        err, debug = msg.parse_error()
        sys.exit("ERROR from %s: %s\n  domain %s, code %d\n  debug: %s" %
                 (msg.src.get_name(), err.message, err.domain, err.code,
                  debug))


def parse_args():
    p = argparse.ArgumentParser(
        description="The seed article's pyserial + OpenCV JPEG sender.")
    p.add_argument("--port", required=True, help="serial port to write to")
    p.add_argument("--baud", type=int, default=115200,
                   help="baud rate (default 115200)")
    p.add_argument("--frames", type=int, default=-1,
                   help="frames to send (default: until Ctrl-C)")
    p.add_argument("--width", type=int, default=320)
    p.add_argument("--height", type=int, default=240)
    p.add_argument("--quality", type=int, default=50,
                   help="JPEG quality (default 50)")
    p.add_argument("--fps", type=int, default=0,
                   help="frames per second; 0, the default, writes back to "
                   "back as the article does (with --native: 10)")
    p.add_argument("--camera", type=int, metavar="N",
                   help="capture from camera N instead of synthetic frames")
    p.add_argument("--native", action="store_true",
                   help="send through appsrc ! serialsink (native framing) "
                   "instead of pyserial")
    return p.parse_args()


def main():
    args = parse_args()
    if args.camera is not None:
        frames = camera_frames(args.camera, args.width, args.height,
                               args.frames)
    else:
        frames = synthetic_frames(args.width, args.height, args.frames)
    if args.native and args.fps <= 0:
        args.fps = 10
    link = NativeLink(args) if args.native else RawLink(args)

    sent = nbytes = 0
    start = time.monotonic()
    try:
        for frame in frames:
            jpeg = cv2.imencode(".jpg", frame,
                                [cv2.IMWRITE_JPEG_QUALITY, args.quality])[1]
            jpeg = jpeg.tobytes()
            link.send(jpeg, sent)
            sent += 1
            nbytes += len(jpeg)
            if args.fps > 0 and not args.native:
                time.sleep(max(start + sent / args.fps - time.monotonic(), 0))
    except KeyboardInterrupt:
        pass
    link.close()
    print("sent %d frames, %d bytes" % (sent, nbytes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
