#!/bin/sh
# Copies the framing module (gst/serial/framing) into this sketch folder,
# where the Arduino builder compiles its .c files along with the sketch.
# Run it again after updating the repository.  Usage: copy-framing.sh [DIR]
# copies into DIR instead (another sketch's folder).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
framing="$here/../../../gst/serial/framing"
dest=${1:-$here}
for f in serialframe.h sf-private.h crc32c-table.h serialframe.c cobs.c \
    crc32c.c header.c caps.c stream.c decoder.c; do
  cp "$framing/$f" "$dest/$f"
done
echo "framing module copied into $dest"
