#!/usr/bin/env bash
# serial-to-display.sh: shows the JPEG frames that camera-to-serial.sh (or
# any serialsink sending JPEG) sends over a serial port.
#
#   serialsrc ! jpegdec ! videoconvert ! autovideosink
#
# Needs: a serial port wired to the sender's, and a display (any sink
# autovideosink finds: X11, Wayland, KMS).
#
# Run:
#   PORT=/dev/ttyUSB1 BAUD=921600 examples/pipelines/serial-to-display.sh
# It can start before or after the sender: it locks on at the next packet
# and knows the format from the caps the sender repeats every second. It
# ends when the sender's EOS arrives (Ctrl-C on the sender), or on Ctrl-C.
#
# Parameters (environment variables, default in brackets):
#   PORT       serial port [/dev/ttyUSB0]
#   BAUD       baud rate, the same on both ends [921600]
#   VIDEOSINK  where the decoded frames go [autovideosink sync=false];
#              without a display: VIDEOSINK=fakesink, or
#              VIDEOSINK="multifilesink location=frame-%05d.raw"
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-921600}
VIDEOSINK=${VIDEOSINK:-autovideosink sync=false}

if [ -n "${GST_SERIAL_BUILD:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
gst-inspect-1.0 serialsrc >/dev/null 2>&1 || {
  echo "$0: GStreamer has no serialsrc: install gst-serial, run inside" \
    "'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build" >&2
  exit 1
}

# VIDEOSINK holds several words: split at spaces on purpose, no globbing.
set -f
# shellcheck disable=SC2206
pipeline=(
  # A live source: it timestamps each frame when it arrives, and outputs
  # image/jpeg with the sender's caps (size, frame rate) from the wire.
  # Damaged packets are dropped, never delivered, so jpegdec sees whole
  # JPEGs only. (A sender writing raw JPEG bytes, as a pyserial loop or an
  # ESP32-CAM sketch does, needs framing=raw ! jpegparse instead.)
  serialsrc port="$PORT" baud-rate="$BAUD"
  ! jpegdec
  ! videoconvert
  # sync=false: show each frame as soon as it is decoded; the line's pace,
  # not the clock, is what limits the frame rate here.
  ! $VIDEOSINK
)
# -e: Ctrl-C lets the sink finish cleanly.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
