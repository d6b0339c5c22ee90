#!/usr/bin/env bash
# h264-camera-to-serial.sh: sends a camera's picture as H.264 over a slow
# serial line (115200 baud and up). h264-serial-to-display.sh shows it.
#
#   v4l2src ! videoconvert ! videoscale ! videorate ! WIDTHxHEIGHT@FPS
#     ! x264enc (low latency, BITRATE) ! h264parse ! serialsink
#
# Needs: a V4L2 camera (/dev/video0) and a serial port wired to the
# receiver's (see camera-to-serial.sh). Without hardware, run it and the
# receiver on the two ends of tools/serial-link-emu (loopback-emulator.sh
# shows how).
#
# Run:
#   PORT=/dev/ttyUSB0 BAUD=115200 examples/pipelines/h264-camera-to-serial.sh
# Ctrl-C sends EOS, which stops the receiver too.
#
# H.264 sends mostly what changes between frames, so it carries moving
# pictures in a fraction of JPEG's bytes: at 115200 baud (11.5 KB/s, about
# one 320x240 JPEG a second) it carries 320x240 at 10 frames a second. The
# price: frames depend on earlier ones, so none may be lost. The encoder's
# bitrate therefore stays below what the line carries, and serialsink does
# not drop stale frames as it does for JPEG (drop-policy=never): after a
# dropped frame it would have to drop every frame up to the next key frame,
# since they need it to decode.
#
# Parameters (environment variables, default in brackets):
#   PORT       serial port [/dev/ttyUSB0]
#   BAUD       baud rate, the same on both ends [115200]
#   LINK_RATE  bytes/s the link really carries when that is less than the
#              UART's BAUD / 10, as with a telemetry radio's air rate [0]
#   DEVICE     camera [/dev/video0]
#   WIDTH, HEIGHT, FPS   picture size and rate sent [320, 240, 10]
#   BITRATE    encoder bitrate in kbit/s [three quarters of the line's data
#              rate: 69 at 115200 baud, 552 at 921600]; the rest is room for
#              the framing (about 10 bytes a frame, the caps once a second
#              and before key frames, within CAPS_BUDGET) and for the
#              encoder overshooting
#   KEYINT     a key frame every KEYINT frames [2 * FPS: every 2 seconds];
#              a receiver that starts late, or loses a packet, shows the
#              picture again from the next key frame on
#   CAPS_BUDGET  at most this percentage of the line for repeated caps
#              [0.5]: serialsink sends them before a key frame only when
#              that keeps them within it (every 8 KB of stream or so), so
#              with key frames closer than that a late receiver starts at a
#              later one; raise it for quicker starts
#   SOURCE     the video source, replacing the camera
#              [v4l2src device=$DEVICE]; for a test without a camera:
#              SOURCE="videotestsrc is-live=true num-buffers=100"
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-115200}
LINK_RATE=${LINK_RATE:-0}
DEVICE=${DEVICE:-/dev/video0}
WIDTH=${WIDTH:-320}
HEIGHT=${HEIGHT:-240}
FPS=${FPS:-10}
KEYINT=${KEYINT:-$((2 * FPS))}
CAPS_BUDGET=${CAPS_BUDGET:-0.5}
SOURCE=${SOURCE:-v4l2src device=$DEVICE}
# A character takes 10 bits on the line (start, 8 data, stop).
if [ "$LINK_RATE" -gt 0 ]; then
  data_bits_per_s=$((LINK_RATE * 8))
else
  data_bits_per_s=$((BAUD * 8 / 10))
fi
BITRATE=${BITRATE:-$((data_bits_per_s * 3 / 4 / 1000))}

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
  ! videoconvert ! videoscale
  # Lower the camera's rate to FPS by dropping frames, never duplicating.
  ! videorate drop-only=true
  # I420 (4:2:0): what every H.264 decoder takes (constrained baseline).
  ! "video/x-raw,format=I420,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
  # tune=zerolatency: no look-ahead, no frame held back, so each frame
  #   leaves as soon as it is captured.
  # speed-preset=ultrafast: little CPU, for small boards; at these sizes
  #   the line, not the encoder, limits the quality.
  # bitrate (kbit/s, constant bitrate by default) keeps under the line
  #   rate; vbv-buf-capacity=500 (ms) bounds how far a frame may exceed its
  #   share of it, which is how long it can hold up the frames behind it.
  # bframes=0: B-frames would be sent out of order, adding delay.
  # key-int-max: how long a late receiver waits for a picture.
  ! x264enc tune=zerolatency speed-preset=ultrafast bitrate="$BITRATE"
    vbv-buf-capacity=500 bframes=0 key-int-max="$KEYINT"
  # Byte-stream with one whole frame (access unit) per buffer: serialsink
  # sends each buffer as one packet, so a packet is a frame.
  ! "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au"
  # config-interval=-1: repeat SPS and PPS (the decoder's set-up) before
  # every key frame, so a receiver that starts late can decode.
  ! h264parse config-interval=-1
  # pacing: on a real UART serialsink hands the driver data at the line
  #   rate (set LINK_RATE for a radio); drop-policy=never: see above.
  ! serialsink port="$PORT" baud-rate="$BAUD" link-rate="$LINK_RATE"
    drop-policy=never caps-budget="$CAPS_BUDGET"
)
# -e: Ctrl-C sends EOS, so the receiver learns that the stream ended.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
