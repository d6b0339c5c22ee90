#!/usr/bin/env bash
# Regenerates the element reference, docs/reference/, from the plugin as
# built in $GST_SERIAL_BUILD (default: build/), building it first. With
# --check it only compares, as the meson test "docs" does, and fails with a
# diff when docs/reference/ is out of date.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}" python3-gi gir1.2-gstreamer-1.0
build_plugin

mode=(--output "$GST_SERIAL_ROOT/docs/reference")
if [ "${1:-}" = "--check" ]; then
  mode=(--check "$GST_SERIAL_ROOT/docs/reference")
fi
/usr/bin/python3 "$GST_SERIAL_ROOT/scripts/gen-element-docs.py" \
  --plugin "$GST_SERIAL_BUILD/gst/serial/libgstserial.so" "${mode[@]}"
