#!/usr/bin/env bash
# Streams a live test video through serialsink over a virtual serial link
# (a pseudo-terminal pair made by socat) into serialsrc, and shows it in a
# window when a display exists. Either way the received frames and a summary
# (frames, bytes, frame rate) are written to a folder it
# names. The native framing carries the caps and the end of the stream, so
# the receiver needs no capsfilter and stops by itself.
#
#   scripts/demo.sh [SECONDS]        (default 10)
#
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

seconds=${1:-10}
fps=15
baud=921600

ensure_packages "${BUILD_PACKAGES[@]}" socat
build_plugin
use_uninstalled_plugin

out=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-demo.XXXXXX")
link="$out/link"
mkdir -p "$link" "$out/frames"

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# A null-modem cable in software: bytes written to ttyA come out of ttyB.
socat pty,raw,echo=0,link="$link/ttyA" pty,raw,echo=0,link="$link/ttyB" &
pids+=("$!")
for _ in $(seq 50); do
  [ -e "$link/ttyA" ] && [ -e "$link/ttyB" ] && break
  sleep 0.1
done
[ -e "$link/ttyB" ] || { echo "socat did not create the link" >&2; exit 1; }
# Holding ttyA open keeps socat from tearing the link down when the sender
# closes it, so the receiver gets every byte and then a clean stop.
exec 3<>"$link/ttyA"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  show="videoconvert ! autovideosink sync=false"
else
  show="fakesink"
fi

echo "Receiving on $link/ttyB, frames go to $out/frames"
timeout $((seconds + 30)) gst-launch-1.0 -q serialsrc port="$link/ttyB" \
  baud-rate=$baud \
  ! jpegparse ! tee name=t \
  t. ! queue ! multifilesink location="$out/frames/frame-%05d.jpg" \
  t. ! queue ! jpegdec ! $show &  # $show is several words on purpose
receiver=$!
pids+=("$receiver")

echo "Sending ${seconds}s of 320x240 test video at $fps fps on $link/ttyA"
start=$(date +%s.%N)
gst-launch-1.0 -q -e videotestsrc is-live=true num-buffers=$((seconds * fps)) \
  pattern=ball ! video/x-raw,width=320,height=240,framerate=$fps/1 \
  ! timeoverlay ! jpegenc quality=60 \
  ! serialsink port="$link/ttyA" baud-rate=$baud
end=$(date +%s.%N)

# The sender's EOS travels over the link and ends the receiver.
wait "$receiver"
exec 3>&-

frames=$(find "$out/frames" -name 'frame-*.jpg' | wc -l)
bytes=$(find "$out/frames" -name 'frame-*.jpg' -printf '%s\n' |
  awk '{ s += $1 } END { print s + 0 }')
rate=$(awk -v f="$frames" -v a="$start" -v b="$end" \
  'BEGIN { printf "%.1f", (b > a) ? f / (b - a) : 0 }')
{
  echo "frames received: $frames (sent: $((seconds * fps)))"
  echo "bytes received:  $bytes"
  echo "frame rate:      $rate fps"
} | tee "$out/summary.txt"
echo "Frames and summary in $out"
