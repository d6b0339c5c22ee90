#!/usr/bin/env bash
# Runs scripts/demo.sh as the test suite's suite "demo" (meson sets
# GST_SERIAL_BUILD, GST_REGISTRY_1_0 and GST_PLUGIN_PATH_1_0):
#
#   test-demo.sh DEMO stream
#       3 s at 921600 baud on what is built: exit status 0, link
#       statistics of both ends printed, frames received, each a whole
#       JPEG, as many as the summary says;
#   test-demo.sh DEMO missing END ELEMENT PACKAGE
#       the same with ELEMENT's plugin hidden, as if PACKAGE were not
#       installed: a non-zero exit status, END's error naming ELEMENT, and
#       PACKAGE named as what to install.
set -euo pipefail

demo=${1:?usage: $0 DEMO stream|missing ...}
case_name=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-demo-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() {
  echo "----- the demo's output"
  cat "$work/out"
  echo "FAIL ($case_name): $*"
  exit 1
}

# No window, whatever the environment: the frames go to a fakesink.
run_demo() {
  rc=0
  env -u DISPLAY -u WAYLAND_DISPLAY TMPDIR="$work" "$@" "$demo" --no-setup \
    3 921600 >"$work/out" 2>&1 || rc=$?
}

case $case_name in
  stream)
    run_demo
    [ "$rc" -eq 0 ] || fail "exit status $rc"
    ! grep -q 'ERROR' "$work/out" || fail "an error was printed"
    # The sender captures 3 s of live video: its clock passes the first
    # stats-interval (1 s) before the end, on both ends.
    grep -q '^serialsink-link-stats: frames-sent=[1-9]' "$work/out" ||
      fail "no link statistics of the sender"
    grep -q '^serialsrc-link-stats: frames-received=' "$work/out" ||
      fail "no link statistics of the receiver"
    folder=$(find "$work" -mindepth 1 -maxdepth 1 -name 'gst-serial-demo.*')
    [ -f "$folder/summary.txt" ] || fail "no summary.txt"
    said=$(sed -n 's/^frames received: \([0-9]*\) of 45 .*/\1/p' \
      "$folder/summary.txt")
    [ -n "$said" ] || fail "the summary does not say 'frames received: N of 45'"
    frames=("$folder"/frames/frame-*.jpg)
    [ -e "${frames[0]}" ] || fail "no frame received"
    [ "${#frames[@]}" -eq "$said" ] ||
      fail "${#frames[@]} frames in the folder, the summary says $said"
    [ "$said" -le 45 ] || fail "$said frames received of 45 sent"
    for f in "${frames[@]}"; do
      # A whole JPEG: SOI (ff d8) first, EOI (ff d9) last.
      if [ "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" != ffd8 ] ||
        [ "$(tail -c 2 "$f" | od -An -tx1 | tr -d ' ')" != ffd9 ]; then
        fail "$f is not a whole JPEG"
      fi
    done
    echo "PASS ($case_name): $said frames of 45, each a whole JPEG"
    ;;
  missing)
    end=${3:?} element=${4:?} package=${5:?}
    run_demo "$here/../packaging/without-element.sh" "$element"
    [ "$rc" -ne 0 ] || fail "exit status 0 without $element"
    grep -qF "$end: WARNING: erroneous pipeline: no element \"$element\"" \
      "$work/out" || fail "the $end's error was not printed"
    grep -qF "the $end failed: GStreamer has no element \"$element\"" \
      "$work/out" || fail "no explanation"
    grep -qF "sudo apt-get install $package" "$work/out" ||
      fail "the package to install ($package) is not named"
    cat "$work/out"
    echo "PASS ($case_name): exit status $rc, $element and $package named"
    ;;
  *)
    echo "$0: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
