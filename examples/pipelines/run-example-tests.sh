#!/usr/bin/env bash
# Runs the example pipelines in this folder without hardware and checks what
# they deliver. meson registers one test per case (suite "examples"):
#
#   run-example-tests.sh jpeg|h264|h264-late|rtp-jpeg|rtp-h264|rtsp-jpeg|
#                        rtsp-h264|play-jpeg|play-h264|loopback|
#                        video-telemetry|two-way-video
#
# jpeg, h264: the sender script (videotestsrc instead of the camera) and the
#   receiver script over a socat pseudo-terminal pair; the receiver must
#   decode exactly the frames sent, each of the right size, and end on the
#   EOS that crosses the line.
# h264-late: the H.264 receiver starts in the middle of the first key frame
#   interval; it must decode every frame from the next key frame on, and
#   nothing before it.
# rtp-jpeg, rtp-h264: sender -> socat -> serial-to-rtp.sh -> UDP on
#   localhost -> the receive line its comments give; the gateway must end
#   on the sender's EOS and the receiver decode every frame.
# rtsp-jpeg, rtsp-h264: sender -> serial-link-emu -> serial-rtsp-server.py
#   on a free port; two clients at once (one serial port, one shared
#   pipeline) and then a third, after they left, each decode frames.
# play-jpeg, play-h264: the sender script over socat into gst-play-1.0
#   serial:///.../ttyB, with nothing but the URI: playbin must find the
#   decoder from the caps on the wire, decode every frame and end on EOS.
# loopback: loopback-emulator.sh with a few frames at 115200 baud; it must
#   deliver some of them, end on EOS and leave no emulator or links behind.
# video-telemetry: both ends of video-telemetry.sh through serial-link-emu
#   at 57600 baud, the vehicle's two serialsinks paced at LINK_RATE=5000 as
#   on a radio; datagrams sent to the vehicle end's UDP port must all come
#   out of the ground end's, in order and byte for byte, while video frames
#   arrive (their latency is printed); Ctrl-C on the vehicle must end both
#   ends with EOS.
# two-way-video: two-way-video.sh on both ends of serial-link-emu at 57600
#   baud, each sending (paced at LINK_RATE=5000) and receiving through one
#   port; each end must decode exactly the frames the other sent and end on
#   EOS.
#
# Processes are waited for by the lines they print (socat's "starting data
# transfer loop", gst-launch-1.0's "Pipeline is live", the RTSP server's
# READY, udpsrc's bound port, gst-play-1.0's "Pipeline is live", the frame
# reader's "frame N", the UDP peers' LISTENING and RECEIVED), never by
# sleeping; `timeout` only keeps a broken run from hanging. Environment
# (meson sets it, see examples/meson.build): GST_PLUGIN_PATH_1_0,
# GST_REGISTRY_1_0 and SERIAL_LINK_EMU.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
case_name=${1:?usage: $0 CASE (see the comments)}
# The safety net for a single process; the cases take seconds.
limit=${LIMIT:-40}

work=$(mktemp -d "${TMPDIR:-/tmp}/gst-serial-example-test.XXXXXX")
declare -A pid fd drainer
# Until the case passed: then a failure anywhere, even in a subshell,
# prints the logs.
failed=1

cleanup() {
  local name
  for name in "${!pid[@]}"; do
    kill "${pid[$name]}" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ "$failed" -ne 0 ]; then
    for name in "$work"/*.log; do
      [ -e "$name" ] || continue
      echo "----- ${name##*/}"
      cat "$name"
    done
  fi
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL ($case_name): $*"
  exit 1
}

# spawn NAME COMMAND...: runs COMMAND with its output into a pipe that
# wait_line reads; the lines end up in $work/NAME.log.
spawn() {
  local name=$1 f
  shift
  mkfifo "$work/$name.fifo"
  timeout "$limit" "$@" >"$work/$name.fifo" 2>&1 &
  pid[$name]=$!
  exec {f}<"$work/$name.fifo"
  fd[$name]=$f
}

# wait_line NAME TEXT: reads NAME's output up to a line containing TEXT and
# prints that line; fails if NAME ends first.
wait_line() {
  local name=$1 text=$2 line
  while IFS= read -r -t "$limit" -u "${fd[$name]}" line; do
    printf '%s\n' "$line" >>"$work/$name.log"
    if [[ $line == *"$text"* ]]; then
      printf '%s\n' "$line"
      return 0
    fi
  done
  fail "$name ended (or went silent) before printing '$text'"
}

# drain NAME: from now on NAME's output goes to its log unread.
drain() {
  cat <&"${fd[$1]}" >>"$work/$1.log" &
  drainer[$1]=$!
}

# finish NAME: waits for NAME to exit, and for its log to be complete;
# fails unless it exited with 0.
finish() {
  local rc=0
  wait "${pid[$1]}" || rc=$?
  unset "pid[$1]"
  wait "${drainer[$1]}"
  [ "$rc" -eq 124 ] && fail "$1 did not end within ${limit}s"
  [ "$rc" -eq 0 ] || fail "$1 exited with status $rc"
  return 0
}

# finish_client NAME: as finish, for an rtspsrc client that ended its
# stream itself. Shutting down, rtspsrc sometimes posts an error: its PAUSE
# crosses its TEARDOWN, whose answer closes the connection ("Could not send
# message. (Received end-of-file)"). Errors only after the EOS, and only
# those, are not the server's doing.
finish_client() {
  local rc=0 log="$work/$1.log" before after errors ours
  wait "${pid[$1]}" || rc=$?
  unset "pid[$1]"
  wait "${drainer[$1]}"
  [ "$rc" -eq 0 ] && return 0
  [ "$rc" -eq 1 ] || fail "$1 exited with status $rc"
  before=$(sed -n '/^EOS received - stopping pipeline/q; /^ERROR/p' "$log")
  [ -z "$before" ] || fail "$1 failed before the end of its stream"
  after=$(sed -n '/^EOS received - stopping pipeline/,$p' "$log")
  errors=$(grep -c '^ERROR' <<<"$after" || true)
  ours=$(grep -c '^Could not send message. (Received end-of-file)' \
    <<<"$after" || true)
  if [ "$errors" -eq 0 ] || [ "$errors" -ne "$ours" ]; then
    fail "$1 failed while stopping with an unexpected error"
  fi
  echo "$1: rtspsrc's error while stopping ignored"
}

# Two pseudo-terminals joined by socat: $work/ttyA <-> $work/ttyB.
start_socat() {
  spawn socat socat -d -d pty,raw,echo=0,link="$work/ttyA" \
    pty,raw,echo=0,link="$work/ttyB"
  # Printed once both ends, and so both links, exist.
  wait_line socat "starting data transfer loop" >/dev/null
  drain socat
}

# check_frames DIR COUNT WIDTH HEIGHT: DIR holds COUNT decoded I420 frames
# (or, with COUNT "M..N", between M and N of them, "M..": at least M) of
# WIDTHxHEIGHT.
check_frames() {
  local dir=$1 want=$2 size=$(($3 * $4 * 3 / 2)) n f min max
  n=$(find "$dir" -type f | wc -l)
  case $want in
    *..*)
      min=${want%..*} max=${want#*..}
      if [ "$n" -lt "$min" ] || { [ -n "$max" ] && [ "$n" -gt "$max" ]; }; then
        fail "$dir: $n frames decoded, expected $want"
      fi ;;
    *) [ "$n" -eq "$want" ] || fail "$dir: $n frames decoded, expected $want" ;;
  esac
  for f in "$dir"/*; do
    [ "$(stat -c %s "$f")" -eq "$size" ] ||
      fail "$f: $(stat -c %s "$f") bytes, expected $size ($3x$4 I420)"
  done
  echo "$dir: $n frames of $3x$4 decoded"
}

# check_eos NAME: NAME's pipeline ended on EOS, not on an error.
check_eos() {
  grep -q '^Got EOS from element' "$work/$1.log" ||
    fail "$1 did not end on EOS"
}

# The sender script with videotestsrc in place of the camera.
N=30
W=160
H=120
sender() {
  local script=$1
  shift
  spawn sender env PORT="$work/ttyA" WIDTH=$W HEIGHT=$H FPS=30 \
    SOURCE="videotestsrc is-live=true num-buffers=$N" "$@" "$here/$script"
  drain sender
}

# jpeg / h264: camera and display scripts through socat.
test_pair() {
  local tx=$1 rx=$2
  start_socat
  mkdir "$work/frames"
  spawn receiver env PORT="$work/ttyB" \
    VIDEOSINK="multifilesink location=$work/frames/%05d.raw" "$here/$rx"
  # serialsrc has opened its port once the pipeline is live: nothing the
  # sender writes from now on can miss it.
  wait_line receiver "Pipeline is live" >/dev/null
  drain receiver
  sender "$tx"
  finish sender
  finish receiver
  check_eos receiver
  check_frames "$work/frames" "$N" "$W" "$H"
}

# h264-late: a receiver that opens the port in the middle of the stream.
test_h264_late() {
  # The emulator keeps what the sender sends until someone reads it: the
  # whole stream is sent first, then its start is thrown away, then the
  # receiver reads the rest, as if it had started late.
  spawn emu "$SERIAL_LINK_EMU" --baud 0 --link-a "$work/ttyA" \
    --link-b "$work/ttyB"
  wait_line emu READY >/dev/null
  drain emu
  # 60 frames of a moving picture, key frames at 0, 20 and 40.
  N=60
  spawn sender env PORT="$work/ttyA" WIDTH=$W HEIGHT=$H FPS=30 KEYINT=20 \
    CAPS_BUDGET=5 \
    SOURCE="videotestsrc is-live=true pattern=ball num-buffers=$N" \
    "$here/h264-camera-to-serial.sh"
  drain sender
  finish sender
  # 2000 bytes: inside the first 20 frames (6 KB; the key frame is 1.2 KB),
  # so the receiver starts after the first key frame and before the second,
  # and before the sender repeats its caps once a second (after 30 frames):
  # it must start at the second key frame, with the caps serialsink sends
  # right before key frames. (With the default caps-budget, 0.5 %, the caps
  # of this stream, about 40 bytes on the wire, go before a key frame once
  # 8 KB went since the last, so before every other key frame here: 5 %
  # lets them go before each.)
  head -c 2000 "$work/ttyB" >/dev/null
  mkdir "$work/frames"
  spawn receiver env PORT="$work/ttyB" \
    VIDEOSINK="multifilesink location=$work/frames/%05d.raw" \
    GST_DEBUG="libav:5" GST_DEBUG_NO_COLOR=1 \
    "$here/h264-serial-to-display.sh"
  drain receiver
  finish receiver
  check_eos receiver
  # libav says "Frame num gap" when frames are missing from the references.
  ! grep -q 'Frame num gap' "$work/receiver.log" ||
    fail "the decoder was given frames whose references were lost"
  check_frames "$work/frames" 40 "$W" "$H"
}

# rtp-jpeg / rtp-h264: sender -> serial -> gateway -> UDP -> receiver.
test_rtp() {
  local codec=$1 tx caps decode line udp_port
  case $codec in
    jpeg)
      tx=camera-to-serial.sh
      caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=JPEG,payload=26"
      decode=(rtpjpegdepay ! jpegdec)
      ;;
    h264)
      tx=h264-camera-to-serial.sh
      caps="application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96"
      decode=(rtph264depay ! h264parse ! avdec_h264)
      ;;
  esac
  start_socat
  mkdir "$work/frames"
  # The receive line of serial-to-rtp.sh's comments, on a port the system
  # picks (-v prints it). UDP carries no EOS, so identity ends the stream
  # when the N-th frame has been decoded: eos-after=N passes N-1 frames and
  # ends the stream at the N-th instead of passing it. N-1 frames written
  # and EOS: exactly N decoded, since the sender sent N.
  spawn udprx gst-launch-1.0 -v -e udpsrc port=0 caps="$caps" \
    ! rtpjitterbuffer latency=100 ! "${decode[@]}" ! videoconvert \
    ! identity eos-after=$N \
    ! multifilesink location="$work/frames/%05d.raw"
  line=$(wait_line udprx "udpsrc0: port = ")
  udp_port=${line##*= }
  drain udprx
  spawn gateway env PORT="$work/ttyB" CODEC="$codec" HOST=127.0.0.1 \
    UDP_PORT="$udp_port" "$here/serial-to-rtp.sh"
  wait_line gateway "Pipeline is live" >/dev/null
  drain gateway
  sender "$tx"
  finish sender
  finish gateway
  finish udprx
  check_eos gateway
  check_eos udprx
  check_frames "$work/frames" $((N - 1)) "$W" "$H"
}

# rtsp-jpeg / rtsp-h264: sender -> emulator -> RTSP server -> clients.
test_rtsp() {
  local codec=$1 url line i tx decode
  case $codec in
    jpeg)
      tx=camera-to-serial.sh
      decode=(rtpjpegdepay ! jpegdec)
      ;;
    h264)
      tx=h264-camera-to-serial.sh
      decode=(rtph264depay ! h264parse ! avdec_h264)
      ;;
  esac
  # The emulator keeps both ends open, so the sender can start before the
  # server opens the port (only when the first client asks).
  spawn emu "$SERIAL_LINK_EMU" --baud 0 --link-a "$work/ttyA" \
    --link-b "$work/ttyB"
  wait_line emu READY >/dev/null
  drain emu
  spawn server env PORT="$work/ttyB" CODEC="$codec" ADDRESS=127.0.0.1 \
    RTSP_PORT=0 /usr/bin/python3 "$here/serial-rtsp-server.py"
  line=$(wait_line server READY)
  url=${line#READY }
  drain server
  # A live stream that outlasts the test; it is stopped at the end. A key
  # frame every 10 frames: H.264 clients that join start at one.
  N=3000 sender "$tx" KEYINT=10
  for i in 1 2 3; do mkdir "$work/frames$i"; done
  # Each client writes 20 frames; the 21st ends its stream (eos-after).
  client() {
    spawn "client$1" gst-launch-1.0 -e rtspsrc location="$url" \
      protocols="$2" latency=100 ! "${decode[@]}" ! videoconvert \
      ! identity eos-after=21 \
      ! multifilesink location="$work/frames$1/%05d.raw"
    drain "client$1"
  }
  # Two at once, over TCP and UDP: a second pipeline could not open the
  # port, so both must be served by the shared one.
  client 1 tcp
  client 2 udp
  finish_client client1
  finish_client client2
  # After both left, the port was closed; a new client opens it again.
  client 3 tcp
  finish_client client3
  for i in 1 2 3; do
    check_eos "client$i"
    check_frames "$work/frames$i" 20 "$W" "$H"
  done
}

# play-jpeg / play-h264: gst-play-1.0 given the receiving port's URI only.
test_play() {
  local tx=$1
  start_socat
  mkdir "$work/frames"
  spawn player gst-play-1.0 --no-interactive \
    --videosink="multifilesink location=$work/frames/%05d.raw" \
    "serial://$work/ttyB"
  # Printed once playbin is PAUSED, that is once serialsrc has opened the
  # port.
  wait_line player "Pipeline is live" >/dev/null
  drain player
  sender "$tx"
  finish sender
  finish player
  # gst-play-1.0 reports errors and goes on to the next URI: its exit
  # status says nothing, its output does.
  ! grep -q '^ERROR' "$work/player.log" || fail "gst-play-1.0 had an error"
  grep -q '^Reached end of play list' "$work/player.log" ||
    fail "gst-play-1.0 did not reach the end of the stream"
  check_frames "$work/frames" "$N" "$W" "$H"
}

# loopback: the emulator script, start to end.
test_loopback() {
  mkdir "$work/frames" "$work/tmp"
  # NUM_BUFFERS=10 at 10 fps of 160x120: a second of video, of which the
  # 115200-baud line carries most; stale frames may be dropped.
  spawn loopback env TMPDIR="$work/tmp" NUM_BUFFERS=10 BAUD=115200 \
    WIDTH=$W HEIGHT=$H VIDEOSINK="multifilesink location=$work/frames/%05d.raw" \
    "$here/loopback-emulator.sh"
  drain loopback
  finish loopback
  grep -q '^COUNTERS ' "$work/loopback.log" ||
    fail "the emulator did not report its counters on exit"
  [ -z "$(ls -A "$work/tmp")" ] ||
    fail "loopback-emulator.sh left $(ls "$work/tmp") behind"
  ! pgrep -f "$work/tmp" >/dev/null ||
    fail "loopback-emulator.sh left the emulator running"
  check_eos loopback
  check_frames "$work/frames" 1..10 "$W" "$H"
}

# The ground station and the autopilot of the video-telemetry case, in
# Python (the datagrams are made the same way on both sides):
#   receive N TIMES: binds a UDP port on 127.0.0.1, prints "LISTENING PORT",
#     takes N datagrams and checks that each is the next one sent, byte for
#     byte; writes the time each arrived to the file TIMES and prints
#     "RECEIVED N datagrams, B bytes, in order, byte for byte", or
#     "MISMATCH ..." and exits with 1.
#   send PORT N INTERVAL TIMES: sends the N datagrams to 127.0.0.1:PORT,
#     INTERVAL seconds apart, as an autopilot streams its messages, and
#     writes the time each went to the file TIMES.
#   latency SENT RECEIVED: prints how long the datagrams took from the
#     vehicle's UDP port to the ground station's, from the two files
#     (information only: the test does not judge times).
# Times are CLOCK_MONOTONIC, one clock for all processes of the machine.
# Datagram i is shaped like a MAVLink 1 message (0xFE, payload length,
# sequence number, system, component, message id, payload, checksum) with
# 0 to 60 bytes of payload, seeded random bytes including 0x00 (the native
# framing's delimiter) and the XON/XOFF bytes.
udp_telemetry='
import random, socket, sys, time

def datagram(i):
    rng = random.Random(i)
    payload = bytes(rng.randrange(256) for _ in range(rng.randrange(61)))
    return (bytes([0xFE, len(payload), i & 0xFF, 1, 1, rng.randrange(256)])
            + payload + bytes([rng.randrange(256), rng.randrange(256)]))

def write_times(path, times):
    with open(path, "w") as f:
        f.write("".join("%.6f\n" % t for t in times))

def read_times(path):
    with open(path) as f:
        return [float(line) for line in f]

if sys.argv[1] == "latency":
    sent, received = read_times(sys.argv[2]), read_times(sys.argv[3])
    ms = sorted(1000 * (r - s) for s, r in zip(sent, received))
    print("telemetry latency over %d datagrams: %.0f ms fastest, %.0f ms "
          "median, %.0f ms slowest" % (len(ms), ms[0], ms[len(ms) // 2],
                                       ms[-1]))
    sys.exit(0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if sys.argv[1] == "send":
    port, n, interval = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    total, times, start = 0, [], time.monotonic()
    for i in range(n):
        time.sleep(max(0, start + i * interval - time.monotonic()))
        times.append(time.monotonic())
        total += s.sendto(datagram(i), ("127.0.0.1", port))
    write_times(sys.argv[5], times)
    print("SENT %d datagrams, %d bytes" % (n, total))
    sys.exit(0)
n = int(sys.argv[2])
s.bind(("127.0.0.1", 0))
print("LISTENING %d" % s.getsockname()[1], flush=True)
total, times = 0, []
for i in range(n):
    got = s.recv(65536)
    times.append(time.monotonic())
    if got != datagram(i):
        print("MISMATCH: datagram %d is %s, expected %s"
              % (i, got.hex(), datagram(i).hex()), flush=True)
        sys.exit(1)
    total += len(got)
write_times(sys.argv[3], times)
print("RECEIVED %d datagrams, %d bytes, in order, byte for byte" % (n, total))
'

# Reads a pipe of decoded I420 frames (filesink) frame by frame into
# files, printing "frame N" as each is complete: the test waits for frames
# by these lines. bash -c "$read_frames" NAME PIPE DIR FRAME_SIZE
# shellcheck disable=SC2016 # expanded by that bash, not here
read_frames='
exec <"$1"
i=0
while :; do
  f=$(printf "%s/%05d.raw" "$2" "$i")
  dd bs="$3" count=1 iflag=fullblock status=none of="$f" || exit 1
  [ -s "$f" ] || { rm -f "$f"; break; }
  i=$((i + 1))
  echo "frame $i"
done
echo "end of the video after $i frames"
'

# udp_port_of PID: the port of process PID's UDP socket, from /proc. The
# sender binds port 0, a port the system picks, so no other test or program
# can hold it; picking a free port first and passing it on would race.
udp_port_of() {
  local fd link inodes=" " hex
  for fd in /proc/"$1"/fd/*; do
    link=$(readlink "$fd") || continue
    [[ $link == "socket:["*"]" ]] && inodes+="${link//[^0-9]/} "
  done
  hex=$(awk -v inodes="$inodes" 'FNR > 1 && index(inodes, " " $10 " ") {
    split($2, a, ":"); print a[2]; exit }' /proc/net/udp /proc/net/udp6)
  [ -n "$hex" ] || fail "process $1 has no UDP socket"
  echo $((16#$hex))
}

# video-telemetry: both ends of video-telemetry.sh through the emulator at
# 57600 baud, the radio's serial speed, paced as on a radio: both
# serialsinks of the vehicle end at LINK_RATE=5000, the air rate of a SiK
# radio, one line model for the two. videotestsrc on the vehicle, the
# decoded video into a pipe on the ground, and Python as the autopilot and
# the ground station: once a video frame has arrived, N datagrams go to the
# vehicle's UDP port, 50 ms apart (an autopilot's 20 Hz stream), and all
# must come out of the ground end's, in order and byte for byte, while
# video frames go on arriving; Ctrl-C on the vehicle then ends both ends
# with EOS. The datagrams' latency is printed, not judged.
test_video_telemetry() {
  local n=40 line gcs_port launch in_port
  spawn emu "$SERIAL_LINK_EMU" --baud 57600 --link-a "$work/ttyA" \
    --link-b "$work/ttyB"
  wait_line emu READY >/dev/null
  drain emu
  spawn gcs /usr/bin/python3 -c "$udp_telemetry" receive "$n" \
    "$work/received.times"
  line=$(wait_line gcs "LISTENING ")
  gcs_port=${line#LISTENING }
  mkfifo "$work/video.fifo"
  mkdir "$work/frames"
  spawn frames bash -c "$read_frames" read-frames "$work/video.fifo" \
    "$work/frames" $((W * H * 3 / 2))
  spawn receiver env PORT="$work/ttyB" TELEMETRY_OUT_PORT="$gcs_port" \
    VIDEOSINK="filesink location=$work/video.fifo" \
    "$here/video-telemetry.sh" receive
  wait_line receiver "Pipeline is live" >/dev/null
  drain receiver
  # LINK_RATE=5000 is the script's default, set here all the same: on
  # pseudo-terminals serialsink paces only with a link rate, and both of
  # the vehicle's serialsinks get it.
  spawn sender env PORT="$work/ttyA" LINK_RATE=5000 WIDTH=$W HEIGHT=$H \
    TELEMETRY_IN_PORT=0 "$here/video-telemetry.sh" send --test
  # Live: udpsrc has bound its port.
  wait_line sender "Pipeline is live" >/dev/null
  drain sender
  # timeout's child: the script, which became gst-launch-1.0 (exec).
  launch=$(pgrep -P "${pid[sender]}") || fail "no gst-launch-1.0 under the sender"
  in_port=$(udp_port_of "$launch")
  wait_line frames "frame 1" >/dev/null
  /usr/bin/python3 -c "$udp_telemetry" send "$in_port" "$n" 0.05 \
    "$work/sent.times" || fail "could not send the datagrams"
  wait_line gcs "RECEIVED $n datagrams"
  drain gcs
  /usr/bin/python3 -c "$udp_telemetry" latency "$work/sent.times" \
    "$work/received.times"
  # The video still flows after the telemetry went through.
  wait_line frames "frame 3" >/dev/null
  drain frames
  # Ctrl-C: gst-launch-1.0 -e sends EOS on both channels. To gst-launch-1.0
  # itself, not to timeout: timeout passes a signal on twice (to its child,
  # then to its process group), and gst-launch-1.0 handles only the first
  # SIGINT; the second, if it comes after, kills it (status 130).
  kill -INT "$launch"
  finish sender
  finish receiver
  finish frames
  finish gcs
  check_eos sender
  check_eos receiver
  check_frames "$work/frames" 3.. "$W" "$H"
}

# two-way-video: two-way-video.sh on both ends of serial-link-emu at 57600
# baud, which carries 5760 bytes/s each way at once, each end's serialsink
# paced at LINK_RATE=5000 (on pseudo-terminals serialsink paces only with a
# link rate) and sharing its port's line model with the serialsrc's
# feedback; each end with its own test picture (A a ball, B a bar). Each end
# must decode exactly the frames the other sent, the other's picture, and
# end on EOS once both directions have ended. The sources are not live:
# serialsink never drops from them, so the counts are exact however loaded
# the machine is (15 frames of about 1.4 KB: some 4 s each way).
test_two_way_video() {
  local n=15 end f
  declare -A pattern=([A]=ball [B]=bar)
  spawn emu "$SERIAL_LINK_EMU" --baud 57600 --link-a "$work/ttyA" \
    --link-b "$work/ttyB"
  wait_line emu READY >/dev/null
  drain emu
  for end in A B; do
    mkdir "$work/frames$end"
    spawn "end$end" env PORT="$work/tty$end" BAUD=57600 LINK_RATE=5000 \
      WIDTH=$W HEIGHT=$H \
      SOURCE="videotestsrc num-buffers=$n pattern=${pattern[$end]}" \
      VIDEOSINK="multifilesink location=$work/frames$end/%05d.raw" \
      "$here/two-way-video.sh"
    drain "end$end"
  done
  finish endA
  finish endB
  for end in A B; do
    check_eos "end$end"
    check_frames "$work/frames$end" "$n" "$W" "$H"
  done
  # B's bar stands still, A's ball moves: A shows one picture n times.
  for f in "$work"/framesA/*; do
    cmp -s "$f" "$work/framesA/00000.raw" ||
      fail "end A did not show B's still picture"
  done
  ! cmp -s "$work/framesB/00000.raw" "$work/framesB/00001.raw" ||
    fail "end B did not show A's moving picture"
}

command -v socat >/dev/null || fail "socat is not installed"
command -v gst-play-1.0 >/dev/null ||
  fail "gst-play-1.0 is not installed (gstreamer1.0-plugins-base-apps)"
case $case_name in
  jpeg) test_pair camera-to-serial.sh serial-to-display.sh ;;
  h264) test_pair h264-camera-to-serial.sh h264-serial-to-display.sh ;;
  rtp-jpeg) test_rtp jpeg ;;
  rtp-h264) test_rtp h264 ;;
  h264-late) test_h264_late ;;
  rtsp-jpeg) test_rtsp jpeg ;;
  rtsp-h264) test_rtsp h264 ;;
  play-jpeg) test_play camera-to-serial.sh ;;
  play-h264) test_play h264-camera-to-serial.sh ;;
  loopback) test_loopback ;;
  video-telemetry) test_video_telemetry ;;
  two-way-video) test_two_way_video ;;
  *) fail "unknown case '$case_name'" ;;
esac
failed=0
echo "PASS ($case_name)"
