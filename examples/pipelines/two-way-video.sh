#!/usr/bin/env bash
# two-way-video.sh: two-way video over one duplex serial line. Each end
# sends its camera's picture and shows the other end's, through one port;
# the same script runs on both ends.
#
#   v4l2src ! ... ! jpegenc ! serialsink port=P      (this end's camera)
#   serialsrc port=P ! jpegdec ! autovideosink       (the other end's)
#
# Both branches are in one gst-launch-1.0 pipeline, and serialsink and
# serialsrc share the port: the sink writes on its transmit line, the source
# reads its receive line. (Two programs could not share it: the first to
# open a port locks it against other programs.) The line also carries each
# serialsrc's feedback to the other end's serialsink (requests for pieces of
# damaged frames, reports), between this end's video packets; the serialsink
# on the far end reads it from the receive line its serialsrc shares. The
# elements of a port pace against one model of its transmit line: the
# serialsrc's feedback keeps it busy for the serialsink too, and waits for
# the end of a video packet that is on the line.
#
# Needs: a full-duplex serial link, one end per computer (two USB-serial
# adapters with TX and RX crossed and GND joined, or radios that carry both
# directions), and at each end a V4L2 camera (/dev/video0) and a display.
# Without hardware, the tests run both ends over the link emulator
# (run-example-tests.sh); `--test` sends videotestsrc instead of the camera.
#
# Run, on each end:
#   PORT=/dev/ttyUSB0 BAUD=921600 examples/pipelines/two-way-video.sh
#   PORT=/dev/ttyUSB0 examples/pipelines/two-way-video.sh --test
#   radios: PORT=/dev/ttyUSB0 BAUD=57600 LINK_RATE=2500 WIDTH=160 HEIGHT=120 \
#     FPS=1 QUALITY=30 examples/pipelines/two-way-video.sh
# Either end can start first. Ctrl-C sends EOS: this end's video ends, and
# so does the picture shown at the other end, which goes on sending until
# it is stopped too.
#
# Parameters (environment variables, default in brackets):
#   PORT      serial port [/dev/ttyUSB0]
#   BAUD      baud rate, the same on both ends [921600]; a UART carries it
#             each way at once
#   LINK_RATE bytes per second the link carries from this end, where it is
#             slower than BAUD (a radio's air rate); 0: the baud rate [0]
#   DEVICE    camera [/dev/video0]
#   WIDTH, HEIGHT, FPS   picture size and rate sent [320, 240, 10]
#   QUALITY   JPEG quality, 1-100 [50]
#   SOURCE    the video source [v4l2src device=$DEVICE; with --test
#             videotestsrc is-live=true pattern=ball]
#   VIDEOSINK where the other end's picture goes [autovideosink sync=false];
#             without a display: VIDEOSINK=fakesink
#
# What the line carries: as camera-to-serial.sh, in each direction: 921600
# baud is about 92 KB/s each way, 6 to 40 frames of 320x240 a second.
# serialsink paces at the baud rate on a UART (not on pseudo-terminals,
# whose baud rate is fiction), or at LINK_RATE where the link is slower
# than its UART. A telemetry radio (SiK at 57600 baud, about 5 KB/s over
# the air at its default 64 kbit/s) shares its air time between the two
# directions: with video going both ways, give each end about half,
# LINK_RATE=2500, and small pictures.
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

test_source=
for arg in "$@"; do
  case $arg in
    --test) test_source=1 ;;
    *)
      echo "usage: $0 [--test]   (settings: see the comments)" >&2
      exit 2
      ;;
  esac
done

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-921600}
DEVICE=${DEVICE:-/dev/video0}
WIDTH=${WIDTH:-320}
HEIGHT=${HEIGHT:-240}
FPS=${FPS:-10}
QUALITY=${QUALITY:-50}
if [ -n "$test_source" ]; then
  SOURCE=${SOURCE:-videotestsrc is-live=true pattern=ball}
else
  SOURCE=${SOURCE:-v4l2src device=$DEVICE}
fi
LINK_RATE=${LINK_RATE:-0}
VIDEOSINK=${VIDEOSINK:-autovideosink sync=false}

if [ -n "${GST_SERIAL_BUILD:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
gst-inspect-1.0 serialsink >/dev/null 2>&1 || {
  echo "$0: GStreamer has no serialsink: install gst-serial, run inside" \
    "'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build" >&2
  exit 1
}

# SOURCE and VIDEOSINK hold several words: split at spaces on purpose, no
# globbing.
set -f
# shellcheck disable=SC2206
pipeline=(
  # Out: this end's camera, as camera-to-serial.sh sends it.
  $SOURCE
  ! videoconvert ! videoscale ! videorate drop-only=true
  ! "video/x-raw,format=I420,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
  ! jpegenc quality="$QUALITY" qos=true
  ! serialsink port="$PORT" baud-rate="$BAUD" link-rate="$LINK_RATE"
    # async=false: a pipeline starts playing once each sink has had a first
    # buffer, unless the sink is told not to wait. The display below gets
    # its first frame only from the other end, whose pipeline waits for its
    # own display likewise, for a frame from this end: with serialsink
    # waiting for the pipeline to play before it sends, neither end would
    # ever start.
    async=false

  # In: the other end's camera, from the same port (serialsrc and
  # serialsink of one program share it). The caps come from the wire.
  serialsrc port="$PORT" baud-rate="$BAUD"
  ! jpegdec ! videoconvert
  ! $VIDEOSINK
)
# -e: Ctrl-C sends EOS, which crosses the line and ends the picture at the
# other end.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
