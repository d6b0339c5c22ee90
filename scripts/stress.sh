#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the state-change torture test (tests/check/elements/serialtorture.c)
# long: ROUNDS rounds of STEPS steps per framing, each round with a new random
# seed, and stops at the first failure, printing how to repeat it.
#
# Usage: scripts/stress.sh [--asan] [ROUNDS]      (default 10 rounds)
#   SERIAL_TORTURE_STEPS  steps per framing and round (default 5000)
#   SERIAL_TORTURE_SEED   the first round's seed (default: random)
#   --asan                the AddressSanitizer+UBSan build (build-asan), as
#                         in scripts/test.sh
# The test's other settings (SERIAL_TORTURE_LIMIT_MS, GST_CHECKS=test_torture_raw
# for one framing, ...) pass through; docs/testing.md describes them.
set -euo pipefail

asan=0
if [ "${1:-}" = "--asan" ]; then
  asan=1
  shift
fi
rounds=${1:-10}
case $rounds in
  '' | *[!0-9]*) echo "usage: $0 [--asan] [ROUNDS]" >&2; exit 2 ;;
esac

. "$(dirname "$0")/lib.sh"
ensure_packages "${BUILD_PACKAGES[@]}"

build=$GST_SERIAL_BUILD
if [ $asan = 1 ]; then
  build=$GST_SERIAL_ROOT/build-asan
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$GST_SERIAL_ROOT" \
      -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
  fi
  ninja -C "$build" >/dev/null
  # As in scripts/test.sh: no plugin scanner for an instrumented plugin.
  export GST_REGISTRY_FORK=no
  export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=1
  export LSAN_OPTIONS=suppressions="$GST_SERIAL_ROOT/tests/lsan.supp":print_suppressions=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build_plugin
fi

export SERIAL_TORTURE_STEPS=${SERIAL_TORTURE_STEPS:-5000}
seed=${SERIAL_TORTURE_SEED:-}
for ((round = 1; round <= rounds; round++)); do
  if [ -z "$seed" ]; then
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
  fi
  echo "stress.sh: round $round of $rounds, seed $seed," \
    "$SERIAL_TORTURE_STEPS steps per framing"
  # No meson timeout: the test's own watchdog catches hangs.
  if ! SERIAL_TORTURE_SEED=$seed meson test -C "$build" --suite check \
    --timeout-multiplier 0 --print-errorlogs serialtorture; then
    echo "stress.sh: seed $seed failed; again:" >&2
    echo "  SERIAL_TORTURE_SEED=$seed SERIAL_TORTURE_STEPS=$SERIAL_TORTURE_STEPS" \
      "meson test -C $build --suite check --timeout-multiplier 0 -v serialtorture" >&2
    exit 1
  fi
  seed=
done
echo "stress.sh: $rounds rounds passed"
