#!/usr/bin/env bash
# video-telemetry.sh: video and telemetry over one telemetry radio. On the
# vehicle it sends the camera's picture and the autopilot's telemetry through
# the same serial port, as two streams (channels) of one link; on the ground
# it shows the video and hands the telemetry, datagram for datagram, to a
# ground station over UDP, as if the autopilot were on the ground network.
#
#   send:    v4l2src ! ... ! jpegenc ! serialsink channel=0 priority=0
#            udpsrc port=14550 ! serialsink channel=1 priority=1  (same port)
#            (both sinks: link-rate=LINK_RATE, the radio's whole rate)
#   receive: serialsrc channel=0 ! jpegdec ! autovideosink
#            serialsrc channel=1 ! udpsink port=14551             (same port)
#
# The telemetry is whatever arrives on the vehicle's UDP port 14550, the
# MAVLink convention: point the autopilot's UDP output there (mavlink-router,
# MAVProxy --out=udp:127.0.0.1:14550, ArduPilot SITL). Each datagram travels
# as one packet, checked by its CRC, and leaves the ground end as one
# datagram, so MAVLink, MSP or any other protocol passes unchanged.
#
# Needs: a pair of telemetry radios (SiK/3DR, RFD900) or any serial link,
# one end per computer; on the vehicle a V4L2 camera (/dev/video0), on the
# ground a display (any sink autovideosink finds). Without hardware, the
# tests run both ends over the link emulator (run-example-tests.sh).
#
# Run:
#   vehicle: PORT=/dev/ttyUSB0 examples/pipelines/video-telemetry.sh send
#   ground:  PORT=/dev/ttyUSB0 examples/pipelines/video-telemetry.sh receive
#   without a camera: video-telemetry.sh send --test   (videotestsrc)
# Either end can start first. Ctrl-C on the vehicle sends EOS on both
# channels, which crosses the radio and stops the ground end too.
#
# Baud rate and link rate: a SiK radio talks to its computer at 57600 baud
# (its SERIAL_SPEED, the default), which is BAUD here, on both ends. But it
# carries fewer bytes over the air than its UART takes: at the default
# AIR_SPEED of 64 kbit/s, shared by both directions and the radio's own
# framing, about 5 KB/s, and it silently drops what overflows its buffer.
# So serialsink must pace at what the air carries, LINK_RATE (bytes per
# second; 5000 for a 64 kbit/s air rate, lower if the ground end reports
# lost frames), and both serialsinks get the same LINK_RATE: the whole
# radio's rate, not a share each. The elements of one port pace against
# ONE model of the line: the video's bytes and the telemetry's (and the
# port's serialsrc control packets, if any) all keep that one line busy, so
# each sink knows when the radio is free whoever wrote last, and the live
# video drops stale frames when telemetry took the air. The model runs at
# the lowest rate any of the port's elements paces at: a telemetry sink
# given a "share" of 1000 would slow the whole line, video included, to
# 1000 bytes/s. (Setting LINK_RATE on one of the sinks and leaving the
# other unpaced would model the line the same way; here both have it.)
# LINK_RATE=0 paces at the baud rate (a UART with nothing slower behind
# it), and not at all on pseudo-terminals, whose baud rate is fiction. Set
# the radios' MAVLINK parameter to 0 (raw data): with MAVLink framing on, a
# radio looks for MAVLink packets in the byte stream and may insert its own
# RADIO_STATUS messages, and the stream is serialsink's packets now.
#
# Why the telemetry has the higher priority: it is small and urgent
# (attitude, position, a command to land), while a video frame takes a
# good part of a second of the radio (a 2 KB frame: 0.4 s at 5000 bytes/s)
# and is replaced by the next one anyway. On a shared port a frame longer
# than 100 ms of the line (500 bytes at 5000 bytes/s) goes in pieces, and
# between two pieces the waiting serialsink of the highest priority writes
# first: a telemetry datagram waits at most one piece behind a video frame,
# about 100 ms, then its own time on the line (10 ms for 50 bytes), instead
# of the whole frame. Nothing of the telemetry is dropped: with the default
# drop-policy, auto, serialsink drops only stale pictures and sound (video/,
# image/, audio/ caps) to keep them fresh, never a data stream such as this
# one's application/x-telemetry, so every datagram arrives, in order
# (MAVLink counts them, and a command dropped is a command lost).
#
# Parameters (environment variables, default in brackets):
#   PORT        serial port [/dev/ttyUSB0]
#   BAUD        the radio's serial speed, the same on both ends [57600]
#   LINK_RATE   bytes per second the radios carry, set on both serialsinks
#               (one line, shared by the streams); 0: pace at the baud rate
#               [5000] (send only)
#   DEVICE      camera [/dev/video0]
#   WIDTH, HEIGHT, FPS   picture size and rate sent [160, 120, 2]
#   QUALITY     JPEG quality, 1-100 [30]
#   SOURCE      the video source [v4l2src device=$DEVICE; with --test
#               videotestsrc is-live=true pattern=ball]
#   TELEMETRY_IN_PORT   UDP port the vehicle end takes telemetry from [14550]
#   TELEMETRY_HOST, TELEMETRY_OUT_PORT   where the ground end sends it
#               [127.0.0.1, 14551]; QGroundControl and Mission Planner
#               listen on 14550
#   VIDEOSINK   where the ground end's video goes [autovideosink sync=false];
#               without a display: VIDEOSINK=fakesink
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

usage() {
  echo "usage: $0 send [--test] | receive   (settings: see the comments)" >&2
  exit 2
}
mode=${1:-}
case $mode in
  send | receive) shift ;;
  *) usage ;;
esac
test_source=
for arg in "$@"; do
  case $arg in
    --test) [ "$mode" = send ] || usage; test_source=1 ;;
    *) usage ;;
  esac
done

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-57600}
LINK_RATE=${LINK_RATE:-5000}
DEVICE=${DEVICE:-/dev/video0}
WIDTH=${WIDTH:-160}
HEIGHT=${HEIGHT:-120}
FPS=${FPS:-2}
QUALITY=${QUALITY:-30}
if [ -n "$test_source" ]; then
  SOURCE=${SOURCE:-videotestsrc is-live=true pattern=ball}
else
  SOURCE=${SOURCE:-v4l2src device=$DEVICE}
fi
TELEMETRY_IN_PORT=${TELEMETRY_IN_PORT:-14550}
TELEMETRY_HOST=${TELEMETRY_HOST:-127.0.0.1}
TELEMETRY_OUT_PORT=${TELEMETRY_OUT_PORT:-14551}
VIDEOSINK=${VIDEOSINK:-autovideosink sync=false}

if [ -n "${TELEMETRY_RATE:-}" ]; then
  # Earlier versions split LINK_RATE into shares; a share now slows the
  # whole line (see "Baud rate and link rate" above).
  echo "$0: TELEMETRY_RATE is no longer used: both streams pace at" \
    "LINK_RATE ($LINK_RATE), the radio's whole rate" >&2
fi

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
if [ "$mode" = send ]; then
  # shellcheck disable=SC2206
  pipeline=(
    # Channel 0: the video, as camera-to-serial.sh sends it.
    $SOURCE
    ! videoconvert ! videoscale ! videorate drop-only=true
    ! "video/x-raw,format=I420,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
    # qos=true: skip encoding the frames serialsink says it would drop.
    ! jpegenc quality="$QUALITY" qos=true
    ! serialsink port="$PORT" baud-rate="$BAUD" link-rate="$LINK_RATE"
      channel=0 priority=0

    # Channel 1: the telemetry, on the same port in the same pipeline: the
    # two serialsinks share it, and take turns on the line packet by packet
    # (by piece for long frames), the telemetry first. The same link-rate:
    # one line, modelled once for both. The caps only label the stream for
    # the receiver (and, being data, keep drop-policy=auto from dropping
    # any): the datagrams are not looked into.
    udpsrc port="$TELEMETRY_IN_PORT" caps=application/x-telemetry
    ! serialsink port="$PORT" baud-rate="$BAUD" link-rate="$LINK_RATE"
      channel=1 priority=1
      # async=false: a pipeline plays only once each sink has its first
      # buffer (prerolled) unless the sink says otherwise; the telemetry
      # may come long after the first video frame, which would wait for it.
      async=false
  )
else
  # shellcheck disable=SC2206
  pipeline=(
    # Channel 0: the video. The caps (image/jpeg, size) come from the wire.
    serialsrc port="$PORT" baud-rate="$BAUD" channel=0
    ! jpegdec ! videoconvert
    ! $VIDEOSINK

    # Channel 1: the telemetry, from the same port: each serialsrc outputs
    # its channel's packets and skips the other's. Each datagram that
    # crossed the radio intact leaves as the datagram that went in.
    serialsrc port="$PORT" baud-rate="$BAUD" channel=1
    # sync=false: send each datagram as soon as it arrived. async=false, as
    # on the vehicle: the video may start before any telemetry arrives.
    ! udpsink host="$TELEMETRY_HOST" port="$TELEMETRY_OUT_PORT" sync=false
      async=false
  )
fi
# -e: Ctrl-C sends EOS, on each channel, so the other end learns that both
# streams ended.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
