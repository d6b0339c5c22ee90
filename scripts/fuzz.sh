#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzzes the framing decoder with libFuzzer for SECONDS (default 30).
#
# Usage: scripts/fuzz.sh [SECONDS]
# Builds with clang outside the project's build directories
# (FUZZ_BUILD_DIR, default ${TMPDIR:-/tmp}/gst-serial-fuzz), runs over a copy
# of tests/fuzz/corpus/decoder so the committed corpus stays small, and exits
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

echo "fuzz.sh: building $build/fuzz_decoder with $(clang --version | head -n1)"
clang -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$repo/gst/serial/framing" \
  "$repo/tests/fuzz/fuzz_decoder.c" "$repo"/gst/serial/framing/*.c \
  -o "$build/fuzz_decoder"

rm -rf "$build/corpus"
cp -r "$repo/tests/fuzz/corpus/decoder" "$build/corpus"
mkdir -p "$build/artifacts"

echo "fuzz.sh: fuzzing for $seconds s over $(find "$build/corpus" -type f | wc -l) seed inputs"
start=$(date +%s)
set +e
"$build/fuzz_decoder" -max_total_time="$seconds" -print_final_stats=1 \
  -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$build/artifacts/" "$build/corpus" > "$build/fuzz.log" 2>&1
status=$?
set -e
elapsed=$(( $(date +%s) - start ))

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz.log" | tail -n1)
tail -n 15 "$build/fuzz.log" | grep -v '^stat::' || true
echo "fuzz.sh: ${execs:-?} executions in ${elapsed} s, exit status $status"
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: FAILED; log $build/fuzz.log, reproducer(s):" >&2
  ls "$build"/artifacts/ >&2 || true
  exit "$status"
fi
echo "fuzz.sh: no crash"
