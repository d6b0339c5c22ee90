#!/usr/bin/env bash
# Streams a live test video through serialsink over an emulated serial link
# (tools/serial-link-emu: two pseudo-terminals carrying bytes at a real
# UART's pace) into serialsrc, and shows it in a window when a display
# exists. It prints both ends' link statistics every second as it goes, and
# writes the received frames and a summary (frames, bytes, frame rate) to a
# folder it names. The native framing carries the caps and the end of the
# stream, so the receiver needs no capsfilter and stops by itself.
#
#   scripts/demo.sh [SECONDS] [BAUD]      (default 10 s at 115200 baud)
#
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

seconds=${1:-10}
baud=${2:-115200}
fps=15

ensure_packages "${BUILD_PACKAGES[@]}"
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

# A null-modem cable in software, paced like a real UART.
"$GST_SERIAL_BUILD/tools/serial-link-emu/serial-link-emu" --baud "$baud" \
  --link-a "$link/ttyA" --link-b "$link/ttyB" > "$out/emulator.log" 2>&1 &
pids+=("$!")
for _ in $(seq 50); do
  grep -q '^READY' "$out/emulator.log" 2>/dev/null && break
  sleep 0.1
done
grep -q '^READY' "$out/emulator.log" || {
  echo "the link emulator did not start" >&2
  exit 1
}

# Prints the link-stats messages of gst-launch-1.0 -m, a line each.
show_stats() {
  # -W interactive: mawk (Debian's awk) flushes each line as it comes.
  awk -W interactive '/-link-stats, / {
    line = $0; sub(/.*serial/, "serial", line); gsub(/\([a-z0-9]+\)/, "", line)
    gsub(/;$/, "", line); n = split(line, f, ", ")
    out = f[1] ":"
    for (i = 2; i <= n; i++) {
      split(f[i], kv, "=")
      if (kv[1] ~ /frames|check-failures|lost|utilisation|payload-rate/)
        out = out sprintf(" %s=%s", kv[1],
            kv[2] ~ /\./ ? sprintf("%.2f", kv[2]) : kv[2])
    }
    print out
  }'
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  show="videoconvert ! autovideosink sync=false"
else
  show="fakesink"
fi

echo "Receiving on $link/ttyB, frames go to $out/frames"
timeout $((seconds + 30)) gst-launch-1.0 -m serialsrc port="$link/ttyB" \
  baud-rate="$baud" stats-interval=1000 \
  ! jpegparse ! tee name=t \
  t. ! queue ! multifilesink location="$out/frames/frame-%05d.jpg" \
  t. ! queue ! jpegdec ! $show 2>&1 | show_stats &  # $show: several words
receiver=$!
pids+=("$receiver")

echo "Sending ${seconds}s of 320x240 test video at $fps fps on $link/ttyA," \
  "$baud baud"
start=$(date +%s.%N)
gst-launch-1.0 -m -e videotestsrc is-live=true \
  num-buffers=$((seconds * fps)) pattern=ball \
  ! video/x-raw,width=320,height=240,framerate=$fps/1 \
  ! timeoverlay ! jpegenc quality=60 \
  ! serialsink port="$link/ttyA" baud-rate="$baud" pacing=on \
  stats-interval=1000 2>&1 | show_stats
end=$(date +%s.%N)

# The sender's EOS travels over the link and ends the receiver.
wait "$receiver"

frames=$(find "$out/frames" -name 'frame-*.jpg' | wc -l)
bytes=$(find "$out/frames" -name 'frame-*.jpg' -printf '%s\n' |
  awk '{ s += $1 } END { print s + 0 }')
rate=$(awk -v f="$frames" -v a="$start" -v b="$end" \
  'BEGIN { printf "%.1f", (b > a) ? f / (b - a) : 0 }')
{
  echo "frames received: $frames of $((seconds * fps)) captured (when the line"
  echo "                 carries fewer, stale frames are dropped whole)"
  echo "bytes received:  $bytes"
  echo "frame rate:      $rate fps"
} | tee "$out/summary.txt"
echo "Frames and summary in $out"
