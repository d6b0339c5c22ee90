#!/usr/bin/env bash
# Runs a command as if the Debian package holding a GStreamer element were
# not installed: GStreamer's system plugin folder is replaced by a folder of
# links to its plugins but the one with the element, with a registry of its
# own.
#
#   without-element.sh ELEMENT COMMAND [ARG...]   (e.g. timeoverlay)
#
# The tests of suites "packaging" and "demo" use it to check that a missing
# package is caught and named, without uninstalling anything.
set -euo pipefail

element=${1:?usage: $0 ELEMENT COMMAND [ARG...]}
shift
system=$(pkg-config --variable=pluginsdir gstreamer-1.0)
plugin=$(gst-inspect-1.0 "$element" 2>/dev/null |
  sed -n 's/^ *Filename  *//p') || true
if [ -z "$plugin" ]; then
  echo "$0: $element is not installed: nothing to hide" >&2
elif [ "$(dirname "$(realpath "$plugin")")" != "$(realpath "$system")" ]; then
  echo "$0: $element is in $plugin, not in $system" >&2
  exit 1
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-without-element.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/plugins"
for file in "$system"/*.so; do
  [ "${file##*/}" = "${plugin##*/}" ] || ln -s "$file" "$work/plugins/"
done
rc=0
GST_PLUGIN_SYSTEM_PATH_1_0="$work/plugins" \
  GST_REGISTRY_1_0="$work/registry.bin" "$@" || rc=$?
exit "$rc"
