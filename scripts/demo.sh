#!/usr/bin/env bash
# Streams a live test video through serialsink over an emulated serial link
# (tools/serial-link-emu: two pseudo-terminals carrying bytes at a real
# UART's pace) into serialsrc, and shows it in a window when a display
# exists. It prints both ends' link statistics every second as it goes, and
# writes the received frames and a summary (frames, bytes, frame rate) to a
# folder it names. The native framing carries the caps and the end of the
# stream, so the receiver needs no capsfilter and stops by itself.
#
#   scripts/demo.sh [--no-setup] [SECONDS] [BAUD]   (default 10 s at 115200)
#
# Installs the Debian packages it needs when they are missing (lib.sh's
# BUILD_PACKAGES) and builds the plugin; --no-setup skips both and uses what
# is built in $GST_SERIAL_BUILD (the test suite runs it so, suite "demo").
# When an end fails, the demo prints its errors (the message and the
# element) as they come, stops the other end and exits non-zero saying what
# to do; the folder keeps both ends' whole output (sender.log,
# receiver.log). It exits non-zero only with a message.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

me=${0##*/}
# Whatever fails under set -e says so, and so do signals: nothing ends
# silently.
trap 'echo "$me: \"$BASH_COMMAND\" failed (exit status $?, line $LINENO)" >&2' ERR
trap 'echo "$me: interrupted; both ends stopped" >&2; exit 130' INT
trap 'echo "$me: terminated; both ends stopped" >&2; exit 143' TERM

usage() {
  echo "usage: $me [--no-setup] [SECONDS] [BAUD]" >&2
  exit 2
}
setup=1
if [ "${1:-}" = --no-setup ]; then
  setup=0
  shift
fi
seconds=${1:-10}
baud=${2:-115200}
case $seconds$baud in '' | *[!0-9]*) usage ;; esac
fps=15

if [ "$setup" -eq 1 ]; then
  ensure_packages "${BUILD_PACKAGES[@]}"
  build_plugin
fi
use_uninstalled_plugin
emulator="$GST_SERIAL_BUILD/tools/serial-link-emu/serial-link-emu"
if [ ! -x "$emulator" ] ||
  [ ! -f "$GST_SERIAL_BUILD/gst/serial/libgstserial.so" ]; then
  echo "$me: the plugin or the link emulator is not built in" \
    "$GST_SERIAL_BUILD: run $me without --no-setup, or build first" >&2
  exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-demo.XXXXXX")
link="$out/link"
mkdir -p "$link" "$out/frames"

declare -A pid=() status=()
emulator_pid=
filters=()
cleanup() {
  local p
  for p in "${pid[@]}" "${filters[@]}" $emulator_pid; do
    kill "$p" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# A null-modem cable in software, paced like a real UART.
"$emulator" --baud "$baud" --link-a "$link/ttyA" --link-b "$link/ttyB" \
  > "$out/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 50); do
  grep -q '^READY' "$out/emulator.log" 2>/dev/null && break
  sleep 0.1
done
grep -q '^READY' "$out/emulator.log" || {
  echo "$me: the link emulator did not start:" >&2
  cat "$out/emulator.log" >&2
  exit 1
}

# Prints, from gst-launch-1.0 -m's output, the link-stats messages a line
# each, and the errors and warnings (the element and the message) prefixed
# with the end they come from ($1).
show_output() {
  # -W interactive: mawk (Debian's awk) flushes each line as it comes.
  awk -W interactive -v end="$1" '
  /-link-stats, / {
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
    next
  }
  /^(ERROR|WARNING): / { print end ": " $0 }'
}

# Events: "END STATUS" when an end has stopped. Opened for reading and
# writing, so that neither side of the pipe waits for the other to open it.
mkfifo "$out/events"
exec {events}<>"$out/events"

# start_end END COMMAND...: runs COMMAND in the background, its whole output
# into $out/END.log and, through show_output, onto the terminal; writes
# "END STATUS" to the events when it stops. kill ${pid[END]} stops it.
start_end() {
  local end=$1
  shift
  mkfifo "$out/$end.out"
  tee "$out/$end.log" < "$out/$end.out" | show_output "$end" &
  filters+=("$!")
  (
    stopped=
    "$@" > "$out/$end.out" 2>&1 &
    child=$!
    trap 'stopped=1; kill "$child" 2>/dev/null' TERM
    rc=0
    wait "$child" || rc=$?
    # A TERM interrupts the wait: the next one gives the child's status.
    if [ -n "$stopped" ]; then
      rc=0
      wait "$child" || rc=$?
    fi
    echo "$end $rc" >&"$events"
  ) &
  pid[$end]=$!
}

# explain END STATUS: says why END failed and what to do.
explain() {
  local end=$1 rc=$2 log="$out/$1.log" element packages
  element=$(sed -n 's/.*erroneous pipeline: no element "\([^"]*\)".*/\1/p' \
    "$log" | head -n 1)
  if [ "$rc" -eq 124 ]; then
    echo "$me: the $end did not end within $((seconds + 30)) s and was" \
      "stopped; its output is in $log."
  elif [ -n "$element" ]; then
    echo "$me: the $end failed: GStreamer has no element \"$element\"."
    case $element in
      serial*)
        echo "  It is gst-serial's own: the plugin was not found in" \
          "$GST_SERIAL_BUILD/gst/serial; run $me without --no-setup to" \
          "build it." ;;
      *)
        packages=$(packages_providing_element "$element" | paste -sd ' ')
        if [ -n "$packages" ]; then
          echo "  Debian's package $packages provides it: install it" \
            "(sudo apt-get install $packages)."
          if printf '%s\n' "${BUILD_PACKAGES[@]}" | grep -qxF "$packages"
          then
            [ "$setup" -eq 1 ] || echo "  Without --no-setup the demo" \
              "installs it: it is in scripts/lib.sh's BUILD_PACKAGES."
          else
            echo "  The demo installs scripts/lib.sh's BUILD_PACKAGES," \
              "which lacks it: add it there."
          fi
        else
          echo "  No Debian package in the package index lists it" \
            "(sudo apt-get update refreshes the index); install the" \
            "GStreamer plugin that has it (gst-inspect-1.0 $element" \
            "tells whether GStreamer finds it)."
        fi ;;
    esac
  else
    echo "$me: the $end failed (gst-launch-1.0 exit status $rc) with the" \
      "errors above; docs/troubleshooting.md goes through the usual ones."
  fi
  echo "  Both ends' whole output: $out/sender.log, $out/receiver.log"
}

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  show="videoconvert ! autovideosink sync=false"
else
  show="fakesink"
fi

echo "Receiving on $link/ttyB, frames go to $out/frames"
# shellcheck disable=SC2086 # $show: several words
start_end receiver timeout $((seconds + 30)) gst-launch-1.0 -m \
  serialsrc port="$link/ttyB" baud-rate="$baud" stats-interval=1000 \
  ! jpegparse ! tee name=t \
  t. ! queue ! multifilesink location="$out/frames/frame-%05d.jpg" \
  t. ! queue ! jpegdec ! $show

echo "Sending ${seconds}s of 320x240 test video at $fps fps on $link/ttyA," \
  "$baud baud"
start=$(date +%s.%N)
start_end sender timeout $((seconds + 30)) gst-launch-1.0 -m -e \
  videotestsrc is-live=true num-buffers=$((seconds * fps)) pattern=ball \
  ! video/x-raw,width=320,height=240,framerate=$fps/1 \
  ! timeoverlay ! jpegenc quality=60 \
  ! serialsink port="$link/ttyA" baud-rate="$baud" pacing=on \
  stats-interval=1000

# The sender's EOS travels over the link and ends the receiver. When an end
# fails, the other is stopped: it would wait for a stream that never comes.
failed=
while [ ${#status[@]} -lt 2 ]; do
  read -r -u "$events" end rc
  status[$end]=$rc
  [ "$end" = sender ] && end_time=$(date +%s.%N)
  if [ "$rc" -ne 0 ] && [ -z "$failed" ]; then
    failed=$end
    for other in sender receiver; do
      [ -n "${status[$other]:-}" ] || kill "${pid[$other]}" 2>/dev/null || true
    done
  fi
done
wait "${pid[@]}"
pid=()
# The output filters end with their ends: wait for their last lines.
wait "${filters[@]}"
if [ -n "$failed" ]; then
  explain "$failed" "${status[$failed]}" >&2
  exit 1
fi

frames=$(find "$out/frames" -name 'frame-*.jpg' | wc -l)
bytes=$(find "$out/frames" -name 'frame-*.jpg' -printf '%s\n' |
  awk '{ s += $1 } END { print s + 0 }')
rate=$(awk -v f="$frames" -v a="$start" -v b="$end_time" \
  'BEGIN { printf "%.1f", (b > a) ? f / (b - a) : 0 }')
{
  echo "frames received: $frames of $((seconds * fps)) captured (when the line"
  echo "                 carries fewer, stale frames are dropped whole)"
  echo "bytes received:  $bytes"
  echo "frame rate:      $rate fps"
} | tee "$out/summary.txt"
echo "Frames and summary in $out"
if [ "$frames" -eq 0 ]; then
  echo "$me: no frame arrived although both ends ended without error;" \
    "their whole output is in $out/sender.log and $out/receiver.log" >&2
  exit 1
fi
