#!/usr/bin/env bash
# The meson tests "hil" and "hil-usb": boot the HIL guest once with
# FEATURES (tests/hil/hil.sh: camera, usb) and run the in-guest test program
# (hilguest) there; TIMEOUT bounds the guest (HIL_TIMEOUT overrides it).
# Skips (exit 77) when the tools are missing; scripts/test.sh installs them.
#
#   run-tests.sh FEATURES TIMEOUT COMMAND [ARG...]
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
# shellcheck source=hil.sh
. "$GST_SERIAL_ROOT/tests/hil/hil.sh"

features=$1 timeout=$2
shift 2
tools=(qemu-system-x86_64 busybox depmod modprobe xz)
[[ ,$features, != *,usb,* ]] || tools+=(udevadm)
for tool in "${tools[@]}"; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is missing; install: ${HIL_PACKAGES[*]}"
    exit 77
  fi
done

hil_prepare
start=$(date +%s)
status=0
hil_run "$features" "${HIL_TIMEOUT:-$timeout}" "" -- "$@" ||
  status=$?
echo "hil: guest run took $(($(date +%s) - start)) s, exit status $status"
exit $status
