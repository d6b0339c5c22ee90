#!/usr/bin/env bash
# Boots the Cortex-M3 firmware of examples/mcu/cortex-m (JPEG frames from
# flash through the framing module's streaming encoder) in qemu-system-arm,
# machine lm3s6965evb, with its UART0 on a pseudo-terminal symlinked at
# PTY_LINK, so that
#
#   gst-launch-1.0 serialsrc port=PTY_LINK ! jpegdec ! autovideosink
#
# receives the frames. Stops when the firmware ends (after its frames and
# EOS) or after SECONDS (default 60), and exits with the firmware's status
# (0: everything went out; 124: the time ran out).
#
#   scripts/mcu-run.sh PTY_LINK [SECONDS]
#
# Builds the firmware first when needed (make in examples/mcu/cortex-m,
# into $GST_SERIAL_BUILD/mcu-cortex-m); MCU_FIRMWARE=FILE runs that ELF
# instead. Installs what it needs from Debian's packages (MCU_PACKAGES in
# scripts/lib.sh). Prints "mcu-run: PTY_LINK -> /dev/pts/N" once the link
# is there. The firmware starts then, and nothing it writes is lost before a
# receiver opens the link: this script holds the terminal open, so the bytes
# wait in it, and the UART waits while it is full. See examples/mcu/README.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
case "$1" in -h | --help) usage ;; esac
link=$1
seconds=${2:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage
if [ -e "$link" ] && [ ! -L "$link" ]; then
  echo "mcu-run: $link exists and is not a symbolic link; give another path" >&2
  exit 2
fi

ensure_packages "${MCU_PACKAGES[@]}"

firmware=${MCU_FIRMWARE:-}
if [ -z "$firmware" ]; then
  out=$GST_SERIAL_BUILD/mcu-cortex-m
  make -s -f "$GST_SERIAL_ROOT/examples/mcu/cortex-m/Makefile" O="$out" >&2
  firmware=$out/firmware.elf
fi
[ -f "$firmware" ] || { echo "mcu-run: no firmware at $firmware" >&2; exit 1; }

tmp=$(mktemp -d)
qemu_pid=
# timeout passes SIGTERM on to QEMU.
cleanup() {
  if [ -n "$qemu_pid" ]; then
    kill "$qemu_pid" 2>/dev/null || true
  fi
  if [ -L "$link" ] && [ "$(readlink "$link")" = "${pts:-}" ]; then
    rm -f "$link"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
pts=

# Paused (-S) until the terminal is open here: QEMU drops what the UART
# writes to a pseudo-terminal nobody has open. The monitor reads a FIFO.
mkfifo "$tmp/monitor"
timeout -k 2 "$seconds" qemu-system-arm -M lm3s6965evb -display none -S \
  -chardev pty,id=uart0 -serial chardev:uart0 \
  -semihosting-config enable=on,target=native \
  -monitor stdio -kernel "$firmware" \
  <"$tmp/monitor" >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!
exec 4>"$tmp/monitor"

for _ in $(seq 100); do
  pts=$(sed -n 's/.*char device redirected to \(\/dev\/pts\/[0-9]*\).*/\1/p' \
    "$tmp/qemu.log" | head -n 1)
  [ -n "$pts" ] || ! kill -0 "$qemu_pid" 2>/dev/null && break
  sleep 0.1
done
if [ -z "$pts" ]; then
  echo "mcu-run: QEMU did not start:" >&2
  cat "$tmp/qemu.log" >&2
  exit 1
fi

# Held open, raw, for as long as QEMU runs.
exec 5<>"$pts"
stty -F "$pts" raw -echo
ln -sfn "$pts" "$link"
echo "mcu-run: $link -> $pts"
echo cont >&4

status=0
wait "$qemu_pid" || status=$?
qemu_pid=
# What the firmware said through semihosting (its stack use).
grep -o 'firmware:.*' "$tmp/qemu.log" >&2 || true
if [ "$status" -eq 124 ]; then
  echo "mcu-run: stopped after $seconds s" >&2
elif [ "$status" -ne 0 ]; then
  echo "mcu-run: the firmware ended with status $status" >&2
  grep -v 'firmware:\|^(qemu)\|^QEMU .* monitor' "$tmp/qemu.log" >&2 || true
fi
exit "$status"
