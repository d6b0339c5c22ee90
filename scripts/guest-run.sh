#!/usr/bin/env bash
# Runs one command in a throw-away Linux guest under QEMU whose serial ports
# are emulated 16550A UARTs (ttyS1 and ttyS2 wired to each other) and which
# can have a vivid test camera (/dev/video0). The guest sees this machine's
# root file system read-only under a tmpfs overlay, so it runs the binaries
# just built. Prints the command's output and exits with its exit status.
#
#   scripts/guest-run.sh [options] -- COMMAND [ARG...]
#
#   --camera         load the vivid camera (/dev/video0) before COMMAND
#   --usb            load the USB-serial drivers and start udev; COMMAND
#                    plugs the adapters through QEMU's monitor (docs/hil.md)
#   -e NAME=VALUE    set an environment variable in the guest (repeatable)
#   --timeout SEC    power the guest off after SEC seconds (default 600)
#   --console FILE   keep the whole console log (boot messages too) in FILE
#
# The command runs as root in the current directory, with PATH, GST_*, G_*
# and CK_* passed on, and by default with the plugin of the build directory
# and a GStreamer registry made on this machine once. See docs/hil.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

features=
timeout=600
console_copy=
guest_env=()
while [ $# -gt 0 ]; do
  case "$1" in
    --camera) features+=,camera ;;
    --usb) features+=,usb ;;
    -e) [ $# -ge 2 ] || usage; guest_env+=("$2"); shift ;;
    --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
    --console) [ $# -ge 2 ] || usage; console_copy=$2; shift ;;
    --) shift; break ;;
    -h | --help) usage ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || usage

ensure_packages "${HIL_PACKAGES[@]}"
# shellcheck source=../tests/hil/hil.sh
. "$GST_SERIAL_ROOT/tests/hil/hil.sh"

hil_prepare
hil_run "${features#,}" "$timeout" "$console_copy" "${guest_env[@]+"${guest_env[@]}"}" \
  -- "$@"
