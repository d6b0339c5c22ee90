#!/usr/bin/env bash
# The meson test "hil": boots the HIL guest once and runs the in-guest test
# program given as $1 (hilguest) there, with the vivid camera loaded. Skips
# (exit 77) when the tools are missing; scripts/test.sh installs them.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
# shellcheck source=hil.sh
. "$GST_SERIAL_ROOT/tests/hil/hil.sh"

for tool in qemu-system-x86_64 busybox depmod modprobe xz; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing; install: ${HIL_PACKAGES[*]}"
    exit 77
  fi
done

hil_prepare
start=$(date +%s)
status=0
hil_run 1 "${HIL_TIMEOUT:-600}" "" -- "$@" ||
  status=$?
echo "hil: guest run took $(($(date +%s) - start)) s, exit status $status"
exit $status
