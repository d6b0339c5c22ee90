#!/usr/bin/env bash
# h264-serial-to-display.sh: shows the H.264 video that
# h264-camera-to-serial.sh sends over a serial port.
#
#   serialsrc ! h264parse ! avdec_h264 ! videoconvert ! autovideosink
#
# Needs: a serial port wired to the sender's, and a display.
#
# Run:
#   PORT=/dev/ttyUSB1 BAUD=115200 examples/pipelines/h264-serial-to-display.sh
# It can start after the sender: the picture appears at the next key frame
# (every 2 seconds by default). It ends when the sender's EOS arrives, or
# on Ctrl-C.
#
# Parameters (environment variables, default in brackets):
#   PORT       serial port [/dev/ttyUSB0]
#   BAUD       baud rate, the same on both ends [115200]
#   VIDEOSINK  where the decoded frames go [autovideosink sync=false];
#              without a display: VIDEOSINK=fakesink
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-115200}
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
  # Outputs video/x-h264 with the sender's caps, one frame per buffer;
  # packets damaged on the line are dropped, never delivered. serialsink
  # sends the caps right before every key frame, so a receiver that starts
  # late begins at the first key frame it sees.
  serialsrc port="$PORT" baud-rate="$BAUD"
  # Decoders want a parser in front: it finds the SPS/PPS the sender
  # repeats before key frames and waits for a key frame to start.
  ! h264parse
  # thread-type=slice: frame threads would each hold back a frame.
  ! avdec_h264 thread-type=slice
  ! videoconvert
  # sync=false: show each frame as soon as it is decoded.
  ! $VIDEOSINK
)
# -e: Ctrl-C lets the sink finish cleanly.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
