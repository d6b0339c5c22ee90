#!/usr/bin/env bash
# loopback-emulator.sh: JPEG video through a serial link that needs no
# hardware. It starts serial-link-emu (tools/serial-link-emu,
# docs/emulator.md), which makes two pseudo-terminals joined like two ports
# by a null-modem cable and carries the bytes between them at a real UART's
# pace, then sends test video into one end and shows what comes out of the
# other:
#
#   videotestsrc ! jpegenc ! serialsink port=ttyA      (sender)
#   serialsrc port=ttyB ! jpegdec ! autovideosink      (receiver)
#
# At 115200 baud (11.5 KB/s) the line carries about five of the ten
# 320x240 frames (2 KB each) the source makes a second: serialsink drops
# the stale ones whole, so what is shown stays current. The emulator is stopped on exit,
# however the script ends.
#
# Needs: nothing but this project; a display to see the video (without one
# the frames go to a fakesink).
#
# Run:
#   examples/pipelines/loopback-emulator.sh
#   BAUD=921600 WIDTH=640 HEIGHT=480 examples/pipelines/loopback-emulator.sh
# From a build tree: inside `meson devenv -C build`, or with
# GST_SERIAL_BUILD=build (the plugin and the emulator are taken from there).
#
# Parameters (environment variables, default in brackets):
#   BAUD         line rate the emulator carries [115200]
#   WIDTH, HEIGHT, FPS   test picture size and rate [320, 240, 10]
#   QUALITY      JPEG quality [50]
#   NUM_BUFFERS  frames the source makes, -1: until Ctrl-C [100]
#   SOURCE       the sender's source
#                [videotestsrc is-live=true pattern=ball num-buffers=NUM_BUFFERS]
#   VIDEOSINK    where the received frames go [autovideosink sync=false with
#                a display, fakesink without]
#   SERIAL_LINK_EMU  the emulator [GST_SERIAL_BUILD's, else serial-link-emu
#                on PATH, else build/ in this repository's]
set -eu

BAUD=${BAUD:-115200}
WIDTH=${WIDTH:-320}
HEIGHT=${HEIGHT:-240}
FPS=${FPS:-10}
QUALITY=${QUALITY:-50}
NUM_BUFFERS=${NUM_BUFFERS:-100}
SOURCE=${SOURCE:-videotestsrc is-live=true pattern=ball num-buffers=$NUM_BUFFERS}
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  VIDEOSINK=${VIDEOSINK:-autovideosink sync=false}
else
  VIDEOSINK=${VIDEOSINK:-fakesink}
fi

if [ -n "${GST_SERIAL_BUILD:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
gst-inspect-1.0 serialsink >/dev/null 2>&1 || {
  echo "$0: GStreamer has no serialsink: install gst-serial, run inside" \
    "'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build" >&2
  exit 1
}
if [ -z "${SERIAL_LINK_EMU:-}" ]; then
  # Installed, or on PATH inside `meson devenv`; else the build/ next to
  # this repository.
  SERIAL_LINK_EMU=$(command -v serial-link-emu ||
    echo "$(dirname "$0")/../../build/tools/serial-link-emu/serial-link-emu")
  if [ -n "${GST_SERIAL_BUILD:-}" ]; then
    SERIAL_LINK_EMU=$GST_SERIAL_BUILD/tools/serial-link-emu/serial-link-emu
  fi
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-loopback.XXXXXX")
emu_pid=
receiver_pid=
cleanup() {
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
  if [ -n "$emu_pid" ]; then
    # SIGTERM: the emulator removes its links and prints what it carried.
    kill "$emu_pid" 2>/dev/null
    wait "$emu_pid" 2>/dev/null
    grep '^COUNTERS' <&"$emu_out" >&2 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

# The emulator prints "READY a=/dev/pts/N b=/dev/pts/M" once both ends can
# be opened; read that line instead of guessing how long it takes.
coproc emu { exec "$SERIAL_LINK_EMU" --baud "$BAUD" \
  --link-a "$dir/ttyA" --link-b "$dir/ttyB"; }
# shellcheck disable=SC2154 # emu_PID: set by coproc
emu_pid=$emu_PID
# Keep our own copy: bash closes the coprocess's descriptors when it ends.
exec {emu_out}<&"${emu[0]}"
ready=
read -r -t 10 ready <&"$emu_out" || true
case $ready in
  READY*) echo "serial link: $dir/ttyA <-> $dir/ttyB at $BAUD baud" >&2 ;;
  *)
    echo "$0: the link emulator ($SERIAL_LINK_EMU) did not start" >&2
    exit 1
    ;;
esac

set -f # SOURCE and VIDEOSINK hold several words: split them, no globbing
# shellcheck disable=SC2206
receiver=(
  # Live source; the caps (image/jpeg, size) come from the wire. The
  # emulator holds both ends open, so nothing is lost whichever pipeline
  # opens its port first.
  serialsrc port="$dir/ttyB" baud-rate="$BAUD"
  ! jpegdec ! videoconvert
  ! $VIDEOSINK
)
# shellcheck disable=SC2206
sender=(
  $SOURCE
  ! "video/x-raw,format=I420,width=$WIDTH,height=$HEIGHT,framerate=$FPS/1"
  ! jpegenc quality="$QUALITY" qos=true
  # pacing=on: a pseudo-terminal's baud rate is fiction, so serialsink does
  # not pace it by default; here the emulator carries BAUD, and the sink,
  # pacing at the same rate, knows when the line is free and drops stale
  # frames instead of queueing them in the emulator (its queue holds a
  # megabyte: a minute and a half of video at 115200 baud).
  ! serialsink port="$dir/ttyA" baud-rate="$BAUD" pacing=on
)

echo "+ gst-launch-1.0 -e ${receiver[*]} &" >&2
gst-launch-1.0 -e "${receiver[@]}" &
receiver_pid=$!
echo "+ gst-launch-1.0 -e ${sender[*]}" >&2
# Ctrl-C reaches the sender, which sends EOS (-e); EOS crosses the line and
# ends the receiver.
gst-launch-1.0 -e "${sender[@]}"
wait "$receiver_pid"
receiver_pid=
