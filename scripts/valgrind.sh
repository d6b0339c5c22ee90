#!/usr/bin/env bash
# Runs the gst-check suite under valgrind memcheck with GStreamer's leak
# tracer: any memory error, any definite leak (tests/valgrind.supp lists the
# few process-lifetime allocations of GLib and GStreamer themselves) and any
# GstObject or GstMiniObject still alive at exit fails the run.
#
#   scripts/valgrind.sh [TEST...]      (default: every test of suite check)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}" valgrind
build_plugin

# CK_FORK=no keeps each test program in one process, which valgrind follows
# and which gst-check deinitialises at exit, when the leak tracer reports.
# After a failure the program ends at once (TEST_CHECK_MAIN in
# tests/check/testutil.h): the failed test's pipelines still play.
export CK_FORK=no GST_TRACERS=leaks G_SLICE=always-malloc
# valgrind cannot run every library on every CPU: libhwy (loaded by
# gstreamer1.0-libav's plugin) executes RDTSCP unconditionally, and where the
# hypervisor hides RDTSCP from CPUID valgrind stops it with SIGILL. Such
# decoders are listed in TEST_SKIP_ELEMENTS, and the test cases that need
# them say they were skipped here; they run in the plain and sanitizer runs.
TEST_SKIP_ELEMENTS=
if ! (valgrind --quiet gst-inspect-1.0 avdec_h264) >/dev/null 2>&1; then
  echo "valgrind.sh: valgrind cannot load avdec_h264 on this CPU; the test" \
    "cases that need it are skipped under valgrind"
  TEST_SKIP_ELEMENTS=avdec_h264
fi
export TEST_SKIP_ELEMENTS
# The tests' hang detector (test_set_state) allows for valgrind's pace.
export TEST_HANG_SECONDS="${TEST_HANG_SECONDS:-120}"
# memcheck keeps freed blocks (20 MB of them) before reusing them, so a
# process's RSS says nothing of its own allocations here.
export TEST_MEMCHECK=1
export GST_DEBUG="${GST_DEBUG:-GST_TRACER:7}"
# The state-change torture (serialtorture) runs 100 steps per framing here, with no
# gdb backtraces of valgrind's own threads; scripts/stress.sh runs it long.
export SERIAL_TORTURE_STEPS="${SERIAL_TORTURE_STEPS:-100}" SERIAL_TORTURE_GDB=0
meson test -C "$GST_SERIAL_BUILD" --suite check --print-errorlogs \
  --num-processes 1 --timeout-multiplier 10 \
  --wrapper "$GST_SERIAL_ROOT/scripts/valgrind-wrap.sh" "$@"
