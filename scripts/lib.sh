# shellcheck shell=bash disable=SC2034
# Shared by the scripts in this folder: installing what is missing from
# Debian's packages and building with meson. Source it; do not run it.

GST_SERIAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GST_SERIAL_BUILD=${GST_SERIAL_BUILD:-$GST_SERIAL_ROOT/build}

# What building and testing the plugin, and the demo, need on Debian 12.
# The meson test "elements-packaged" (suite "packaging") fails when a
# pipeline of scripts/, examples/ or tests/ uses an element whose package is
# not in the lists of the script that installs for it: libgstreamer1.0-0
# holds the core elements (queue, tee, fakesink, filesrc...), the demo's
# timeoverlay is in gstreamer1.0-x (the pango plugin). gdb prints the
# threads' backtraces when the torture test (serialtorture) hangs or crashes.
BUILD_PACKAGES=(
  meson ninja-build gcc g++ pkg-config
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libserialport-dev
  gstreamer1.0-tools libgstreamer1.0-0 gstreamer1.0-plugins-base
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-x
  clang libclang-rt-14-dev
  gdb
)

# What the examples and their tests need (examples/, tests/examples): the
# Python bindings and the seed-style sender's pyserial and OpenCV for
# /usr/bin/python3, and gst-rtsp-server for the network gateway.
EXAMPLE_PACKAGES=(
  python3-gi python3-gst-1.0 gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  python3-serial python3-opencv python3-numpy
  libgstrtspserver-1.0-dev gir1.2-gst-rtsp-server-1.0 socat
  gstreamer1.0-plugins-base-apps
)

# What the Cortex-M firmware (examples/mcu/cortex-m) and scripts/mcu-run.sh
# need: the bare-metal cross compiler, newlib for memcpy and the like, and
# QEMU's Arm machines (lm3s6965evb).
MCU_PACKAGES=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)

# What the guest tests need (scripts/guest-run.sh, docs/hil.md): QEMU, a
# static busybox for the initramfs, and kmod to resolve the dependencies of
# the guest kernel's modules; xz-utils to unpack the guest kernel; udev,
# which the guest runs (not this machine) to name its USB-serial adapters in
# /dev/serial/by-id.
HIL_PACKAGES=(qemu-system-x86 busybox-static kmod xz-utils udev)

# Installs the named Debian packages that are not installed yet.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
        grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0

  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "Missing packages: ${missing[*]}; run as root or install sudo." >&2
      return 1
    }
    sudo=sudo
  fi
  echo "Installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
}

# Prints the Debian packages that provide GStreamer element $1, from the
# Gstreamer-Elements field of the package index (installed or not).
packages_providing_element() {
  apt-cache dumpavail 2>/dev/null | awk -v element="$1" '
    /^Package: / { package = $2 }
    /^Gstreamer-Elements: / {
      n = split(substr($0, 21), names, /, */)
      for (i = 1; i <= n; i++) if (names[i] == element) print package
    }' | sort -u
}

# Configures (or reconfigures) and builds $GST_SERIAL_BUILD with the given
# meson options, quietly unless it fails.
build_plugin() {
  local log rc=0
  log=$(mktemp)
  if [ -f "$GST_SERIAL_BUILD/build.ninja" ]; then
    meson configure "$GST_SERIAL_BUILD" "$@" >"$log" 2>&1 || rc=$?
  else
    meson setup "$GST_SERIAL_BUILD" "$GST_SERIAL_ROOT" "$@" >"$log" 2>&1 ||
      rc=$?
  fi
  [ "$rc" -ne 0 ] || ninja -C "$GST_SERIAL_BUILD" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    cat "$log" >&2
    echo "Building in $GST_SERIAL_BUILD failed (see above)." >&2
  fi
  rm -f "$log"
  return "$rc"
}

# Lets gst-launch-1.0 and gst-inspect-1.0 find the uninstalled plugin.
use_uninstalled_plugin() {
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
}
