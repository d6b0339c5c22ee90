#!/usr/bin/env bash
# Builds gst-serial with warnings as errors and runs the whole test suite,
# then libFuzzer runs, the suite again under ASan+UBSan, and the gst-check
# suite under valgrind with GStreamer's leak tracer.
# Installs the Debian packages it needs when they are missing. Ends with a
# line "N passed, M failed" and exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# HIL_PACKAGES: the guest tests (meson tests "hil" and "hil-usb",
# docs/hil.md) boot QEMU guests with real 8250 UARTs and a vivid camera, or
# an FTDI USB-serial adapter; without them they skip.
ensure_packages "${BUILD_PACKAGES[@]}" "${HIL_PACKAGES[@]}" "${MCU_PACKAGES[@]}" \
  "${EXAMPLE_PACKAGES[@]}"
build_plugin -Dwerror=true

status=0
meson test -C "$GST_SERIAL_BUILD" --print-errorlogs --num-processes 2 ||
  status=$?

# A short libFuzzer run of the framing decoder over the committed corpus.
fuzz=0
bash "$GST_SERIAL_ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}" || fuzz=$?

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer,
# leaks included. An instrumented plugin cannot be loaded by
# gst-plugin-scanner, so the registry is scanned in-process; tests/lsan.supp
# names the process-lifetime allocations of GLib and of other plugins.
asan=0
asan_build="$GST_SERIAL_ROOT/build-asan"
if [ -f "$asan_build/build.ninja" ]; then
  meson configure "$asan_build" -Dwerror=true >/dev/null
else
  meson setup "$asan_build" "$GST_SERIAL_ROOT" -Dwerror=true \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$asan_build" >/dev/null
# TEST_MEMCHECK: ASan's quarantine of freed blocks is what RSS shows here.
GST_REGISTRY_FORK=no TEST_MEMCHECK=1 \
  ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=1 \
  LSAN_OPTIONS=suppressions="$GST_SERIAL_ROOT/tests/lsan.supp":print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C "$asan_build" --print-errorlogs --num-processes 2 \
  --suite check --suite framing --suite emulator || asan=$?

# The gst-check suite under valgrind memcheck with GStreamer's leak tracer.
memcheck=0
bash "$GST_SERIAL_ROOT/scripts/valgrind.sh" || memcheck=$?

/usr/bin/python3 "$GST_SERIAL_ROOT/scripts/summarize-tests.py" \
  "$GST_SERIAL_BUILD/meson-logs/testlog.json" "fuzz=$fuzz" \
  "sanitizers=$asan" "valgrind=$memcheck" ||
  status=1
exit $status
