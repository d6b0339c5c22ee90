#!/usr/bin/env bash
# Boots the Cortex-M3 firmware of examples/mcu/cortex-m (JPEG frames from
# flash through the framing module's streaming encoder) in qemu-system-arm,
# machine lm3s6965evb, with its UART0 on a pseudo-terminal symlinked at
# PTY_LINK, so that
#
#   gst-launch-1.0 serialsrc port=PTY_LINK ! jpegdec ! autovideosink
#
# receives the frames. Stops once the firmware has ended (after its frames
# and EOS) and the receiver has closed the link, or after SECONDS (default
# 60), and exits with the firmware's status (0: everything went out; 124:
# the time ran out).
#
#   scripts/mcu-run.sh PTY_LINK [SECONDS]
#
# Builds the firmware first when needed (make in examples/mcu/cortex-m,
# into $GST_SERIAL_BUILD/mcu-cortex-m); MCU_FIRMWARE=FILE runs that ELF
# instead. Installs what it needs from Debian's packages (MCU_PACKAGES in
# scripts/lib.sh). Prints "mcu-run: PTY_LINK -> /dev/pts/N" once the link
# is there; the firmware starts then; "mcu-run: the firmware ended with
# status N" when QEMU has ended. The terminal is scripts/pty-relay.py's,
# not QEMU's, so nothing is lost: bytes written before a receiver opens the
# link wait in it (the UART waits while it is full), and the last ones stay
# until a receiver has opened and closed the link, after QEMU has ended. See
# examples/mcu/README.md.
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
relay_pid=
# timeout passes SIGTERM on to QEMU.
cleanup() {
  for pid in $qemu_pid $relay_pid; do
    kill "$pid" 2>/dev/null || true
  done
  if [ -L "$link" ] && [ "$(readlink "$link")" = "${pts:-}" ]; then
    rm -f "$link"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
pts=

# The terminal is the relay's, not QEMU's: QEMU closes its own when it
# exits, right after the firmware's last byte, and a terminal's unread bytes
# go with it. The relay keeps it until the receiver has closed it.
/usr/bin/python3 "$GST_SERIAL_ROOT/scripts/pty-relay.py" "$tmp/uart0.sock" \
  "$link" "$seconds" >"$tmp/relay.out" &
relay_pid=$!
for _ in $(seq 100); do
  pts=$(sed -n 's/^READY \(\/dev\/pts\/[0-9]*\)$/\1/p' "$tmp/relay.out")
  [ -n "$pts" ] || ! kill -0 "$relay_pid" 2>/dev/null && break
  sleep 0.1
done
if [ -z "$pts" ]; then
  echo "mcu-run: the terminal relay did not start" >&2
  exit 1
fi
echo "mcu-run: $link -> $pts"

timeout -k 2 "$seconds" qemu-system-arm -M lm3s6965evb -display none \
  -chardev socket,id=uart0,path="$tmp/uart0.sock" -serial chardev:uart0 \
  -semihosting-config enable=on,target=native \
  -monitor none -kernel "$firmware" >"$tmp/qemu.log" 2>&1 &
qemu_pid=$!

status=0
wait "$qemu_pid" || status=$?
qemu_pid=
echo "mcu-run: the firmware ended with status $status"
# Until a receiver has had the last bytes and closed the link.
if [ "$status" -eq 0 ]; then
  wait "$relay_pid" || status=$?
  relay_pid=
fi
# What the firmware said through semihosting (its stack use).
grep -o 'firmware:.*' "$tmp/qemu.log" >&2 || true
if [ "$status" -eq 124 ]; then
  echo "mcu-run: stopped after $seconds s" >&2
elif [ "$status" -ne 0 ]; then
  grep -v 'firmware:' "$tmp/qemu.log" >&2 || true
fi
exit "$status"
