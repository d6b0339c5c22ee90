#!/usr/bin/env bash
# camera-to-serial.sh: sends a camera's picture as JPEG frames over a serial
# port. serial-to-display.sh shows them on the other end of the cable.
#
#   v4l2src ! videoconvert ! videoscale ! videorate ! WIDTHxHEIGHT@FPS
#     ! jpegenc ! serialsink
#
# Needs: a V4L2 camera (/dev/video0) and a serial port wired to the
# receiver's: two USB-serial adapters with TX and RX crossed and GND joined,
# a USB-serial adapter to a board's UART, or a pair of telemetry radios.
# Without hardware, see loopback-emulator.sh.
#
# Run:
#   PORT=/dev/ttyUSB0 BAUD=921600 examples/pipelines/camera-to-serial.sh
# Ctrl-C sends EOS, which travels over the line and stops the receiver too.
#
# Parameters (environment variables, default in brackets):
#   PORT      serial port [/dev/ttyUSB0]; /dev/serial/by-id/... names survive
#             replugging
#   BAUD      baud rate, the same on both ends [921600]
#   DEVICE    camera [/dev/video0]
#   WIDTH, HEIGHT, FPS   picture size and rate sent [320, 240, 10]
#   QUALITY   JPEG quality, 1-100 [50]
#   SOURCE    the video source, replacing the camera
#             [v4l2src device=$DEVICE]; for a test without a camera:
#             SOURCE="videotestsrc is-live=true num-buffers=100"
#
# What the line carries: 921600 baud is about 92 KB/s, 115200 baud about
# 11.5 KB/s. A 320x240 JPEG at quality 50 is 2 to 15 KB depending on the
# picture (6 KB for a test card), so 921600 baud carries 6 to 40 of them a
# second, and 115200 baud one to five. When frames come faster than the line carries them, serialsink
# drops the stale ones whole (a camera is a live source), so the picture
# stays fresh instead of lagging seconds behind.
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-921600}
DEVICE=${DEVICE:-/dev/video0}
WIDTH=${WIDTH:-320}
HEIGHT=${HEIGHT:-240}
FPS=${FPS:-10}
QUALITY=${QUALITY:-50}
SOURCE=${SOURCE:-v4l2src device=$DEVICE}

if [ -n "${GST_SERIAL_BUILD:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
gst-inspect-1.0 serialsink >/dev/null 2>&1 || {
  echo "$0: GStreamer has no serialsink: install gst-serial, run inside" \
    "'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build" >&2
  exit 1
}

# SOURCE holds several words (an element and its properties): it is split
# at spaces on purpose, and globbing is off so that nothing else happens to
# it. Values with spaces inside cannot be passed this way.
set -f
# shellcheck disable=SC2206
pipeline=(
  $SOURCE
  # Take whatever format and size the camera gives.
  ! videoconvert ! videoscale
  # Lower the camera's rate to FPS by dropping frames, never by duplicating
  # them: a duplicate would cost line time and show nothing new.
  ! videorate drop-only=true
  # I420 (4:2:0 chroma): the smallest JPEGs, and the only sampling that
  # RTP's JPEG payload (serial-to-rtp.sh, serial-rtsp-server.py) carries
  # besides 4:2:2.
  ! "video/x-raw,format=I420,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
  # qos=true: skip encoding the frames serialsink says it would drop.
  ! jpegenc quality="$QUALITY" qos=true
  # Owns the port (locks it, sets 8N1 at BAUD) and sends each JPEG as one
  # packet with a CRC, with the caps, so the receiver needs no capsfilter.
  ! serialsink port="$PORT" baud-rate="$BAUD"
)
# -e: Ctrl-C sends EOS, so the receiver learns that the stream ended.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
