#!/usr/bin/env bash
# Checks that check-elements.py fails, naming the element and the package,
# on the two mistakes it guards against (meson tests in suite "packaging"):
#
#   test-check-elements.sh not-installed CHECKER PLUGIN
#       the demo's timeoverlay with its plugin (libgstpango.so, Debian's
#       gstreamer1.0-x) not installed;
#   test-check-elements.sh not-listed CHECKER PLUGIN
#       gstreamer1.0-x installed but left out of scripts/lib.sh's lists.
set -euo pipefail

case_name=${1:?usage: $0 not-installed|not-listed CHECKER PLUGIN}
checker=${2:?}
plugin=${3:?}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-check-elements.XXXXXX")
trap 'rm -rf "$work"' EXIT

# expect_failure TEXT...: the checker failed and its output has every TEXT.
expect_failure() {
  local text
  cat "$work/out"
  if [ "$rc" -eq 0 ]; then
    echo "FAIL ($case_name): the check passed"
    exit 1
  fi
  for text in "$@"; do
    grep -qF -- "$text" "$work/out" || {
      echo "FAIL ($case_name): the check's output lacks '$text'"
      exit 1
    }
  done
  echo "PASS ($case_name): exit status $rc"
}

rc=0
case $case_name in
  not-installed)
    "$here/without-element.sh" timeoverlay /usr/bin/python3 "$checker" \
      --plugin "$plugin" --source-root "$root" >"$work/out" 2>&1 || rc=$?
    expect_failure "FAIL timeoverlay: no such element in GStreamer's" \
      "Debian's gstreamer1.0-x provides it" "used at scripts/demo.sh:"
    ;;
  not-listed)
    sed 's/\bgstreamer1\.0-x\b//' "$root/scripts/lib.sh" >"$work/lib.sh"
    if grep -q 'gstreamer1\.0-x\b' "$work/lib.sh"; then
      echo "FAIL ($case_name): gstreamer1.0-x is still in the copy of lib.sh"
      exit 1
    fi
    /usr/bin/python3 "$checker" --plugin "$plugin" --source-root "$root" \
      --lib-sh "$work/lib.sh" >"$work/out" 2>&1 || rc=$?
    expect_failure "FAIL timeoverlay: its plugin libgstpango.so is in" \
      "Debian package gstreamer1.0-x, which scripts/demo.sh does not install" \
      "used at scripts/demo.sh:"
    ;;
  *)
    echo "$0: unknown case '$case_name'" >&2
    exit 2
    ;;
esac
