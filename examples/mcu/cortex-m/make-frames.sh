#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Makes the JPEG frames the Cortex-M firmware keeps in flash (frames/), from
# videotestsrc: 160x120, three frames of the moving ball. They are checked
# in; run this only to change them (then the firmware's frames.S and the
# caps in main.c must say the same count and size).
set -eu
cd "$(dirname "$0")"
mkdir -p frames
gst-launch-1.0 -q videotestsrc pattern=ball num-buffers=3 \
  ! video/x-raw,width=160,height=120,framerate=10/1 \
  ! jpegenc quality=60 ! multifilesink location=frames/frame-%d.jpg
ls -l frames
