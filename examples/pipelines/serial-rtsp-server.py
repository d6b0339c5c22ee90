#!/usr/bin/python3
"""serial-rtsp-server.py: an RTSP server that serves the video arriving on
a serial port, so that any RTSP client (VLC, ffplay, gst-launch-1.0
rtspsrc, a video management system) can watch a camera whose only link is
a serial line: a robot or drone behind a telemetry radio, a board on a
UART. serial-to-rtp.sh does the same with plain RTP over UDP.

    ( serialsrc port=... ! rtpjpegpay name=pay0 )                 CODEC=jpeg
    ( serialsrc port=... ! h264parse ! rtph264pay name=pay0 )     CODEC=h264

The video on the line is served as it is, without decoding or encoding, so
the gateway can be a small board. It is what camera-to-serial.sh (JPEG) or
h264-camera-to-serial.sh (H.264) sends on the other end.

Needs: a serial port wired to the sender's, a network, and for Python
python3-gi, gir1.2-gstreamer-1.0 and gir1.2-gst-rtsp-server-1.0 (Debian).

Run:
    PORT=/dev/ttyUSB1 examples/pipelines/serial-rtsp-server.py
It prints "READY rtsp://ADDRESS:RTSP_PORT/serial" once it listens; then
watch with, for example:
    gst-launch-1.0 rtspsrc location=rtsp://GATEWAY:8554/serial latency=100 \\
        ! rtpjpegdepay ! jpegdec ! videoconvert ! autovideosink
    gst-launch-1.0 rtspsrc location=rtsp://GATEWAY:8554/serial latency=100 \\
        ! rtph264depay ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
    ffplay -rtsp_transport tcp rtsp://GATEWAY:8554/serial
Ctrl-C (or SIGTERM) stops it.

The serial port is opened when the first client asks for the stream, and
closed when the last one leaves. serialsink and serialsrc lock their port
(flock and TIOCEXCL), so only one pipeline can read it at a time: the media
factory is therefore shared, and every client watches the same pipeline,
the same stream. An unshared factory would build a pipeline per client, and
every client after the first would fail with "port busy".

The server outlives the sender: serialsrc ignores the sender's EOS
(forward-eos=false) and waits for its next stream, so restarting the camera
end does not need restarting the gateway.

Parameters (environment variables, default in brackets):
    PORT       serial port [/dev/ttyUSB0]
    BAUD       baud rate, the same on both ends [921600]
    CODEC      jpeg or h264, as the sender sends [jpeg]
    ADDRESS    address to listen on [0.0.0.0: every interface]
    RTSP_PORT  TCP port to listen on [8554]; 0 picks a free one, which the
               READY line names
    MOUNT      path of the stream [/serial]

The plugin: installed (meson install -C build), or from the build tree when
run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
"""

import os
import signal
import sys

# Before Gst.init(), which reads the plugin path.
if os.environ.get("GST_SERIAL_BUILD"):
    plugin_dir = os.path.join(os.environ["GST_SERIAL_BUILD"], "gst", "serial")
    old = os.environ.get("GST_PLUGIN_PATH_1_0")
    os.environ["GST_PLUGIN_PATH_1_0"] = plugin_dir + (":" + old if old else "")

import gi  # noqa: E402

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

# Per codec: what follows serialsrc, ending in a payloader named pay0, which is how the media factory finds
# the stream to serve.
CODECS = {
    # RFC 2435, static payload type 26.
    "jpeg": "rtpjpegpay name=pay0",
    # RFC 6184, dynamic payload type 96. The SDP carries SPS/PPS for
    # clients that start with it; config-interval=-1 also sends them with
    # every key frame, for clients that join later or lose packets.
    "h264": "h264parse config-interval=-1"
    " ! rtph264pay name=pay0 pt=96 config-interval=-1",
}


def main():
    port = os.environ.get("PORT", "/dev/ttyUSB0")
    baud = int(os.environ.get("BAUD", "921600"))
    codec = os.environ.get("CODEC", "jpeg")
    address = os.environ.get("ADDRESS", "0.0.0.0")
    rtsp_port = int(os.environ.get("RTSP_PORT", "8554"))
    mount = os.environ.get("MOUNT", "/serial")

    if codec not in CODECS:
        sys.exit(f"{sys.argv[0]}: CODEC must be jpeg or h264, not '{codec}'")
    Gst.init(None)
    if not Gst.ElementFactory.find("serialsrc"):
        sys.exit(
            f"{sys.argv[0]}: GStreamer has no serialsrc: install gst-serial, run"
            " inside 'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build"
        )
    if not os.path.exists(port):
        # Not fatal: a USB adapter may be plugged in before the first client.
        print(f"warning: {port} does not exist (yet)", file=sys.stderr)

    # The caps (image/jpeg or video/x-h264, size, rate) come from the wire:
    # the server answers a client's DESCRIBE once the first caps packet
    # arrived (the sender repeats them every second, and for H.264 before
    # every key frame). forward-eos=false: see
    # the top of this file. The parentheses make one bin of it, as the
    # factory wants.
    launch = (
        f'( serialsrc port="{port}" baud-rate={baud} forward-eos=false'
        f" ! {CODECS[codec]} )"
    )
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    # One pipeline, hence one open of the port, for all clients.
    factory.set_shared(True)

    server = GstRtspServer.RTSPServer()
    server.set_address(address)
    server.set_service(str(rtsp_port))
    server.get_mount_points().add_factory(mount, factory)
    server.connect(
        "client-connected",
        lambda _server, client: print(
            "client connected from",
            client.get_connection().get_ip(),
            file=sys.stderr,
            flush=True,
        ),
    )
    if server.attach(None) == 0:
        sys.exit(f"{sys.argv[0]}: cannot listen on {address}:{rtsp_port}")

    loop = GLib.MainLoop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)

    print("+", launch, file=sys.stderr)
    # One line that scripts can wait for, with the port really bound.
    print(f"READY rtsp://{address}:{server.get_bound_port()}{mount}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
