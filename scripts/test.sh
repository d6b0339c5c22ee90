#!/usr/bin/env bash
# Builds gst-serial with warnings as errors and runs the whole test suite.
# Installs the Debian packages it needs when they are missing. Ends with a
# line "N passed, M failed" and exits non-zero on any failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}"
build_plugin -Dwerror=true

status=0
meson test -C "$GST_SERIAL_BUILD" --print-errorlogs --num-processes 2 ||
  status=$?

# A short libFuzzer run of the framing decoder over the committed corpus.
fuzz=0
bash "$GST_SERIAL_ROOT/scripts/fuzz.sh" "${FUZZ_SECONDS:-60}" || fuzz=$?

/usr/bin/python3 "$GST_SERIAL_ROOT/scripts/summarize-tests.py" \
  "$GST_SERIAL_BUILD/meson-logs/testlog.json" "fuzz-decoder=$fuzz" ||
  status=1
exit $status
