#!/usr/bin/env bash
# serial-to-rtp.sh: a gateway that receives video from a serial port and
# sends it on the network as RTP over UDP, so that any machine on the
# network (or several, with multicast) can watch a camera that only has a
# serial link: a robot or drone behind a telemetry radio, a board on a
# UART. serial-rtsp-server.py does the same as an RTSP server.
#
#   serialsrc ! rtpjpegpay ! udpsink           (CODEC=jpeg, the default)
#   serialsrc ! h264parse ! rtph264pay ! udpsink        (CODEC=h264)
#
# The video on the line is untouched: no decoding, no encoding, so the
# gateway can be a small board. It is what camera-to-serial.sh (JPEG) or
# h264-camera-to-serial.sh (H.264) sends on the other end.
#
# Needs: a serial port wired to the sender's, and a network.
#
# Run:
#   PORT=/dev/ttyUSB1 HOST=192.168.1.20 examples/pipelines/serial-to-rtp.sh
# It ends with the sender's EOS (FORWARD_EOS=false keeps it running for the
# sender's next stream), or on Ctrl-C.
#
# Parameters (environment variables, default in brackets):
#   PORT         serial port [/dev/ttyUSB0]
#   BAUD         baud rate, the same on both ends [921600]
#   CODEC        jpeg or h264, as the sender sends [jpeg]
#   HOST         where to send the RTP packets [127.0.0.1]; a multicast
#                group such as 239.255.12.42 reaches every receiver that
#                joins it
#   UDP_PORT     the UDP port [5000]
#   FORWARD_EOS  end when the sender ends [true]
#
# Receive with (on HOST, or anywhere for a multicast group, using
# udpsrc address=GROUP port=...):
#
#   CODEC=jpeg:
#   gst-launch-1.0 udpsrc port=5000 \
#       caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26" \
#       ! rtpjitterbuffer latency=100 ! rtpjpegdepay ! jpegdec \
#       ! videoconvert ! autovideosink sync=false
#
#   CODEC=h264:
#   gst-launch-1.0 udpsrc port=5000 \
#       caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96" \
#       ! rtpjitterbuffer latency=100 ! rtph264depay ! h264parse ! avdec_h264 \
#       ! videoconvert ! autovideosink sync=false
#
# RTP over UDP has no set-up: the caps above say what the packets carry.
# The jitter buffer puts packets back in order and waits up to 100 ms for
# late ones; on a LAN it can go.
#
# The plugin: installed (meson install -C build), or from the build tree
# when run inside `meson devenv -C build` or with GST_SERIAL_BUILD=build.
set -eu

PORT=${PORT:-/dev/ttyUSB0}
BAUD=${BAUD:-921600}
CODEC=${CODEC:-jpeg}
HOST=${HOST:-127.0.0.1}
UDP_PORT=${UDP_PORT:-5000}
FORWARD_EOS=${FORWARD_EOS:-true}

if [ -n "${GST_SERIAL_BUILD:-}" ]; then
  export GST_PLUGIN_PATH_1_0="$GST_SERIAL_BUILD/gst/serial${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
fi
gst-inspect-1.0 serialsrc >/dev/null 2>&1 || {
  echo "$0: GStreamer has no serialsrc: install gst-serial, run inside" \
    "'meson devenv -C build', or set GST_SERIAL_BUILD=path/to/build" >&2
  exit 1
}

case $CODEC in
  # rtpjpegpay: splits each JPEG into RTP packets (RFC 2435), payload
  # type 26, the static one for JPEG.
  jpeg)
    payloader=(rtpjpegpay)
    ;;
  # h264parse puts SPS/PPS in front of each key frame and rtph264pay
  # (RFC 6184, dynamic payload type 96) sends them with every key frame
  # too, config-interval=-1: with no session set-up, that is how a
  # receiver that starts at any time learns them.
  h264)
    payloader=(h264parse config-interval=-1 ! rtph264pay pt=96
      config-interval=-1)
    ;;
  *)
    echo "$0: CODEC must be jpeg or h264, not '$CODEC'" >&2
    exit 1
    ;;
esac

pipeline=(
  # The caps (image/jpeg or video/x-h264, the size) come from the wire,
  # for H.264 right before every key frame.
  serialsrc port="$PORT" baud-rate="$BAUD" forward-eos="$FORWARD_EOS"
  ! "${payloader[@]}"
  # sync=false: send each packet as soon as its frame has arrived; the
  # serial line already sets the pace.
  ! udpsink host="$HOST" port="$UDP_PORT" sync=false
)
# -e: Ctrl-C ends the stream cleanly.
echo "+ gst-launch-1.0 -e ${pipeline[*]}" >&2
exec gst-launch-1.0 -e "${pipeline[@]}"
