# shellcheck shell=bash
# The HIL guest: a Debian kernel under QEMU with three 16550A UARTs (four
# and an FTDI USB-serial adapter with the usb feature), booting into this
# machine's own root file system. Sourced by scripts/guest-run.sh and
# tests/hil/run-tests.sh after scripts/lib.sh; see docs/hil.md.
#
# Everything downloaded or generated is cached under $HIL_DIR (in the build
# directory): the kernel package unpacked, the initramfs and the GStreamer
# registry.

HIL_DIR=${HIL_DIR:-$GST_SERIAL_BUILD/hil}
HIL_SRC=$GST_SERIAL_ROOT/tests/hil

# The USB-serial adapter of the usb feature: its QEMU device id and USB
# serial number, and the name udev gives it.
HIL_USB_ID=hil-usb
HIL_USB_SERIAL=HIL0001
HIL_USB_PORT=/dev/serial/by-id/usb-QEMU_QEMU_USB_SERIAL_${HIL_USB_SERIAL}-if00-port0

# The modules the initramfs needs to mount the root file system, in the
# order modprobe would load them with their dependencies.
HIL_INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

# The versioned package behind linux-image-amd64, e.g.
# linux-image-6.1.0-56-amd64.
hil_kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# What hil_prepare_kernel unpacks: the kernel image and the modules the
# guest loads (the whole package unpacks to about 400 MB). Changing the list
# unpacks the kernel again.
HIL_KERNEL_FILES=(
  './boot/vmlinuz-*' './lib/modules/*/modules.*'
  './lib/modules/*/kernel/drivers/virtio/*'
  './lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/fs/9p/*'
  './lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*'
  './lib/modules/*/kernel/fs/overlayfs/*'
  './lib/modules/*/kernel/drivers/media/*'
  # The USB-serial adapter: xHCI, ftdi_sio; the monitor's virtio port.
  './lib/modules/*/kernel/drivers/usb/common/*'
  './lib/modules/*/kernel/drivers/usb/core/*'
  './lib/modules/*/kernel/drivers/usb/host/xhci-*'
  './lib/modules/*/kernel/drivers/usb/serial/usbserial.ko'
  './lib/modules/*/kernel/drivers/usb/serial/ftdi_sio.ko'
  './lib/modules/*/kernel/drivers/char/virtio_console.ko'
)

# Unpacks Debian's generic kernel (it has 9p and vivid; the cloud kernel has
# neither) into $HIL_DIR/kernel without installing it on this machine.
# Sets HIL_KVER and HIL_KROOT.
hil_prepare_kernel() {
  local pkg deb tmp files
  files=$(printf '%s\n' "${HIL_KERNEL_FILES[@]}" | sha1sum | cut -c 1-12)
  if [ -f "$HIL_DIR/kernel/version" ] &&
      [ "$(cat "$HIL_DIR/kernel/files" 2>/dev/null)" = "$files" ]; then
    HIL_KVER=$(cat "$HIL_DIR/kernel/version")
    HIL_KROOT=$HIL_DIR/kernel/root
    return 0
  fi

  pkg=${HIL_KERNEL_PACKAGE:-}
  if [ -z "$pkg" ]; then
    pkg=$(hil_kernel_package)
  fi
  # Package lists that are missing or older than the archive: refresh them
  # once where we may.
  if { [ -z "$pkg" ] || ! apt-cache show "$pkg" >/dev/null 2>&1; } &&
      [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    pkg=${HIL_KERNEL_PACKAGE:-$(hil_kernel_package)}
  fi
  if [ -z "$pkg" ]; then
    echo "hil: cannot tell which kernel linux-image-amd64 is;" \
      "set HIL_KERNEL_PACKAGE=linux-image-<version>-amd64" >&2
    return 1
  fi

  echo "hil: downloading $pkg"
  rm -rf "$HIL_DIR/kernel"
  tmp=$HIL_DIR/kernel.tmp
  rm -rf "$tmp"
  mkdir -p "$tmp/deb"
  # apt-get download works without root; it warns when its sandbox user
  # cannot write to the folder, which is harmless here.
  if ! (cd "$tmp/deb" && apt-get download "$pkg" >download.log 2>&1); then
    cat "$tmp/deb/download.log" >&2
    echo "hil: apt-get download $pkg failed (apt-get update may help)" >&2
    return 1
  fi
  deb=$(echo "$tmp"/deb/*.deb)
  mkdir -p "$tmp/root"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/root" --wildcards \
    "${HIL_KERNEL_FILES[@]}"
  HIL_KVER=$(basename "$(echo "$tmp"/root/lib/modules/*)")
  depmod -b "$tmp/root" "$HIL_KVER"
  hil_extract_vmlinux "$tmp/root/boot/vmlinuz-$HIL_KVER" "$tmp/root/boot/vmlinux"
  rm -rf "$tmp/deb"
  echo "$HIL_KVER" >"$tmp/version"
  echo "$files" >"$tmp/files"
  mv "$tmp" "$HIL_DIR/kernel"
  HIL_KROOT=$HIL_DIR/kernel/root
}

# Unpacks the ELF kernel from the xz-compressed bzImage: QEMU boots it
# directly (PVH), which spares the guest 3 s of decompressing on an emulated
# CPU at every boot. Without it, hil_run falls back to the bzImage.
hil_extract_vmlinux() {
  local offset
  offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1)
  [ -n "$offset" ] || return 0
  tail -c +$((offset + 1)) "$1" | xz -dcq --single-stream >"$2.tmp" || true
  if [ "$(head -c 4 "$2.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
    mv "$2.tmp" "$2"
  else
    rm -f "$2.tmp"
  fi
}

# Builds the initramfs: static busybox, /init and the modules to mount the
# root, named after the kernel and the contents of tests/hil/init so that a
# changed /init gets a new one. Sets HIL_INITRD.
hil_prepare_initramfs() {
  local stage mod rel list=() hash
  hash=$(sha1sum "$HIL_SRC/init" | cut -c 1-12)
  HIL_INITRD=$HIL_DIR/initramfs-$HIL_KVER-$hash.cpio
  [ -f "$HIL_INITRD" ] && return 0
  rm -f "$HIL_DIR"/initramfs-*.cpio

  stage=$HIL_DIR/initramfs.tmp
  rm -rf "$stage"
  mkdir -p "$stage"/{bin,dev,proc,sys}
  cp /bin/busybox "$stage/bin/busybox"
  cp "$HIL_SRC/init" "$stage/init"
  chmod 755 "$stage/init"

  for mod in "${HIL_INITRAMFS_MODULES[@]}"; do
    while read -r _ mod; do
      rel=${mod#"$HIL_KROOT"}
      case " ${list[*]-} " in *" $rel "*) continue ;; esac
      list+=("$rel")
      mkdir -p "$stage$(dirname "$rel")"
      cp "$mod" "$stage$rel"
    done < <(modprobe -d "$HIL_KROOT" -S "$HIL_KVER" --show-depends "$mod" |
      grep '^insmod ')
  done
  printf '%s\n' "${list[@]}" >"$stage/modules.list"

  # Uncompressed: unpacking is faster than gunzip on an emulated CPU.
  (cd "$stage" && find . | LC_ALL=C sort | busybox cpio -o -H newc \
    2>/dev/null) >"$HIL_INITRD.tmp"
  mv "$HIL_INITRD.tmp" "$HIL_INITRD"
  rm -rf "$stage"
}

# The GStreamer registry, made here once: building it in the guest takes
# seconds of emulated CPU at every boot.
hil_prepare_registry() {
  use_uninstalled_plugin
  export GST_REGISTRY_1_0=${GST_REGISTRY_1_0:-$HIL_DIR/registry.bin}
  gst-inspect-1.0 >/dev/null 2>&1
}

hil_prepare() {
  mkdir -p "$HIL_DIR"
  # Two runs at once must not unpack the kernel into the same folder.
  exec {HIL_LOCK}>"$HIL_DIR/.lock"
  flock "$HIL_LOCK"
  hil_prepare_kernel
  hil_prepare_initramfs
  flock -u "$HIL_LOCK"
  hil_prepare_registry
}

# KVM only where it really works: a /dev/kvm whose CPU has no vmx or svm
# (a nested variant) hangs a stock kernel, so TCG there. HIL_ACCEL=tcg or
# kvm overrides.
hil_accel_args() {
  local accel=${HIL_ACCEL:-auto}
  if [ "$accel" = auto ]; then
    accel=tcg
    if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
        grep -qwE 'vmx|svm' /proc/cpuinfo; then
      accel=kvm
    fi
  fi
  case "$accel" in
    kvm) echo "-accel kvm -cpu host" ;;
    *) echo "-accel tcg -cpu max" ;;
  esac
}

# Single-quotes a word for sh.
hil_quote() {
  printf "'%s'" "${1//\'/\'\\\'\'}"
}

# Writes the script the guest's /init runs: the environment, the features
# (a comma-separated list of camera and usb), the working folder and the
# command.
hil_write_script() {
  local script=$1 features=,$2, var word
  shift 2
  {
    echo "export HOME=/root"
    while IFS= read -r var; do
      case "$var" in
        PATH | LANG | LC_* | GST_* | G_* | CK_* | ORC_*)
          echo "export $var=$(hil_quote "${!var}")"
          ;;
      esac
    done < <(compgen -e)
    while [ "$1" != -- ]; do
      echo "export $(hil_quote "$1")"
      shift
    done
    shift
    echo "export HIL_GUEST=1"
    echo "cd $(hil_quote "$PWD") || exit 125"
    if [[ $features == *,camera,* ]]; then
      # One capture node only: vivid's other nodes are not needed.
      echo "modprobe -d $(hil_quote "$HIL_KROOT") vivid n_devs=1" \
        "node_types=0x1 || exit 125"
    fi
    if [[ $features == *,usb,* ]]; then
      hil_write_usb_setup
    fi
    printf 'exec'
    for word in "$@"; do
      printf ' %s' "$(hil_quote "$word")"
    done
    echo
  } >"$script"
}

# The usb feature's part of the guest script: udev (this machine's, which
# the guest shares) to name the adapter in /dev/serial/by-id as on any
# desktop, then the modules of the xHCI controller, of the FTDI adapter and
# of the monitor's virtio port; the command starts once udev has made the
# adapter's link. The unpacked kernel's modules are put at /lib/modules (in
# the overlay), where modprobe and udev look for them.
hil_write_usb_setup() {
  echo "mkdir -p /lib/modules/$HIL_KVER"
  echo "mount --bind $(hil_quote "$HIL_KROOT/lib/modules/$HIL_KVER")" \
    "/lib/modules/$HIL_KVER || exit 125"
  echo "/lib/systemd/systemd-udevd --daemon || exit 125"
  echo "modprobe -a xhci_pci ftdi_sio virtio_console || exit 125"
  echo "udevadm wait --timeout=60 $HIL_USB_PORT" \
    "/dev/virtio-ports/org.qemu.monitor || exit 125"
}

# The usb feature's devices (QEMU options, one a word). An FTDI USB-serial
# adapter (QEMU's usb-serial) on an xHCI controller, wired to ttyS3 (a
# 16550A at 0x2e8 with an IRQ of its own) the way ttyS1 and ttyS2 are wired
# to each other. QEMU's monitor (QMP) is wired into the guest as the virtio
# port org.qemu.monitor, so that the guest can unplug and plug the adapter
# (device_del and device_add; docs/hil.md has the device's properties).
# QEMU's usb-serial blocks the whole emulator while ttyS3 has not taken what
# the guest wrote to the adapter: see docs/hil.md before sending fast.
hil_usb_qemu_args() {
  local features=,$1, sock=$2
  [[ $features == *,usb,* ]] || return 0
  echo "-device qemu-xhci,id=xhci" \
    "-chardev socket,id=usb,path=$sock/usb,server=on,wait=off" \
    "-device usb-serial,id=$HIL_USB_ID,bus=xhci.0,chardev=usb,serial=$HIL_USB_SERIAL" \
    "-chardev socket,id=link3,path=$sock/usb" \
    "-device isa-serial,chardev=link3,index=3,irq=7" \
    "-device virtio-serial-pci,id=vser" \
    "-chardev socket,id=qmp,path=$sock/qmp,server=on,wait=off" \
    "-mon chardev=qmp,mode=control" \
    "-chardev socket,id=qmp-guest,path=$sock/qmp" \
    "-device virtserialport,bus=vser.0,chardev=qmp-guest,name=org.qemu.monitor"
}

# hil_run FEATURES TIMEOUT CONSOLE_COPY [NAME=VALUE...] -- COMMAND [ARG...]
# FEATURES: comma-separated, camera and usb, or empty.
hil_run() {
  local features=$1 timeout=$2 console_copy=$3 run sock status qemu_pid kernel
  shift 3
  kernel=$HIL_KROOT/boot/vmlinux
  [ -f "$kernel" ] || kernel=$HIL_KROOT/boot/vmlinuz-$HIL_KVER
  run=$(mktemp -d "$HIL_DIR/run.XXXXXX")
  # The socket gets a short path of its own: unix socket paths are limited
  # to 107 bytes, build folders are not.
  sock=$(mktemp -d /tmp/hil-link.XXXXXX)
  # shellcheck disable=SC2064
  trap "rm -rf '$run' '$sock'" EXIT
  hil_write_script "$run/cmd.sh" "$features" "$@"
  : >"$run/console.log"

  # ttyS0: the console, into a file. ttyS1 and ttyS2: wired to each other
  # through a unix socket (server on one, client on the other); ttyS2 gets
  # an IRQ of its own. QEMU moves the bytes as fast as the guest takes them,
  # whatever the baud rate, and does not carry RTS/CTS or DTR/DSR.
  # shellcheck disable=SC2046
  timeout -k 5 "$timeout" qemu-system-x86_64 $(hil_accel_args) \
    -m 1024 -smp "${HIL_SMP:-2}" -nodefaults -no-user-config -display none -no-reboot \
    -kernel "$kernel" -initrd "$HIL_INITRD" \
    -append "console=ttyS0 loglevel=1 panic=-1 rdinit=/init hil.cmd=$run/cmd.sh" \
    -fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
    -chardev file,id=con,path="$run/console.log" \
    -device isa-serial,chardev=con,index=0 \
    -chardev socket,id=link1,path="$sock/link",server=on,wait=off \
    -device isa-serial,chardev=link1,index=1 \
    -chardev socket,id=link2,path="$sock/link" \
    -device isa-serial,chardev=link2,index=2,irq=5 \
    $(hil_usb_qemu_args "$features" "$sock") \
    </dev/null >"$run/qemu.log" 2>&1 &
  qemu_pid=$!

  # The command's output: the console between the markers /init prints.
  tail -n +1 -s 0.2 -f --pid="$qemu_pid" "$run/console.log" |
    awk '/@@HIL-EXIT/ { exit } on { sub(/\r$/, ""); print; fflush() }
         /@@HIL-START@@/ { on = 1 }'

  status=0
  wait "$qemu_pid" || status=$?
  [ -z "$console_copy" ] || cp "$run/console.log" "$console_copy"
  if [ "$status" -eq 124 ]; then
    echo "hil: the guest did not finish within $timeout s" >&2
    status=124
  elif status=$(sed -n 's/.*@@HIL-EXIT \([0-9]*\)@@.*/\1/p' \
      "$run/console.log") && [ -n "$status" ] && [ "$status" != 125 ]; then
    :
  else
    echo "hil: the guest stopped without an exit status; its console:" >&2
    tr -d '\r' <"$run/console.log" | tail -n 40 >&2
    cat "$run/qemu.log" >&2
    status=125
  fi
  rm -rf "$run" "$sock"
  trap - EXIT
  return "$status"
}
