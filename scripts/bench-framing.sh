#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds and runs the framing codec benchmark without meson.
# Usage: scripts/bench-framing.sh [SECONDS_PER_FIGURE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${TMPDIR:-/tmp}/gst-serial-bench-framing
cc -std=c99 -O2 -g -D_GNU_SOURCE -I"$repo/gst/serial/framing" \
  "$repo/tests/benchmarks/bench_framing.c" "$repo"/gst/serial/framing/*.c \
  -o "$out"
exec "$out" "$@"
