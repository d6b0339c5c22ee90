#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzzes the framing decoder, and serialsrc's whole receiving path through a
# pseudo-terminal and a GstHarness, with libFuzzer, SECONDS each (default
# 30).
#
# Usage: scripts/fuzz.sh [SECONDS]
# Builds with clang outside the project's build directories
# (FUZZ_BUILD_DIR, default ${TMPDIR:-/tmp}/gst-serial-fuzz), runs over copies
# of tests/fuzz/corpus/* so the committed corpora stay small, and exits
# non-zero on a crash.  Installs clang and libFuzzer when they are missing.
set -euo pipefail

seconds=${1:-30}
case $seconds in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"
repo=$GST_SERIAL_ROOT
build=${FUZZ_BUILD_DIR:-${TMPDIR:-/tmp}/gst-serial-fuzz}
mkdir -p "$build"

# Debian's libFuzzer is in libclang-rt-N-dev, which a --no-install-recommends
# install of clang leaves out.
ensure_packages clang
ensure_packages "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"

cflags=(-g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE)
# shellcheck disable=SC2054 # the commas belong to the option
cflags+=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
cflags+=(-I"$repo/gst/serial" -I"$repo/gst/serial/framing")

echo "fuzz.sh: building with $(clang --version | head -n1)"
clang "${cflags[@]}" "$repo/tests/fuzz/fuzz_decoder.c" \
  "$repo"/gst/serial/framing/*.c -o "$build/fuzz_decoder"
# serialsrc's whole receiving path: the plugin's sources without the plugin
# definition, the element registered statically by the target.
mapfile -t plugin_sources < <(find "$repo/gst/serial" -maxdepth 1 \
  -name '*.c' ! -name gstserial.c | sort)
# shellcheck disable=SC2046
clang "${cflags[@]}" "$repo/tests/fuzz/fuzz_serialsrc.c" \
  "${plugin_sources[@]}" "$repo"/gst/serial/framing/*.c \
  $(pkg-config --cflags --libs gstreamer-1.0 gstreamer-base-1.0 \
    gstreamer-video-1.0 gstreamer-check-1.0 libserialport) -lutil -o "$build/fuzz_serialsrc"

status=0
# Runs target $1 for $seconds over a copy of corpus $2; $3... are options.
run_target() {
  local target=$1 corpus=$2 start elapsed execs rc
  shift 2
  rm -rf "$build/corpus-$target" "$build/artifacts-$target"
  cp -r "$repo/tests/fuzz/corpus/$corpus" "$build/corpus-$target"
  mkdir -p "$build/artifacts-$target"
  echo "fuzz.sh: fuzzing $target for $seconds s over" \
    "$(find "$build/corpus-$target" -type f | wc -l) seed inputs"
  start=$(date +%s)
  rc=0
  env "${target_env[@]}" "$build/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 "$@" \
    -artifact_prefix="$build/artifacts-$target/" "$build/corpus-$target" \
    > "$build/$target.log" 2>&1 || rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
    "$build/$target.log" | tail -n1)
  echo "fuzz.sh: $target: ${execs:-?} executions in ${elapsed} s, exit status $rc"
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$build/$target.log" >&2
    echo "fuzz.sh: $target FAILED; log $build/$target.log, reproducer(s):" >&2
    ls "$build/artifacts-$target" >&2 || true
    status=1
  fi
}

target_env=()
run_target fuzz_decoder decoder -max_len=65536
# GStreamer and GLib initialise types and caches lazily and keep them for
# the life of the process, which LeakSanitizer reports; leaks are the
# sanitizer test run's job (scripts/test.sh), memory errors this one's.
target_env=(ASAN_OPTIONS=detect_leaks=0)
run_target fuzz_serialsrc serialsrc -max_len=3073
[ "$status" -eq 0 ] && echo "fuzz.sh: no crash"
exit "$status"
