#!/usr/bin/env bash
# Runs every benchmark of gst-serial and prints its figures, each with its
# ratio to the baseline measured in the same run:
#   - the framing codec (MB/s, wire overhead),
#   - the link emulator's pacing accuracy,
#   - serialsink/serialsrc over the emulator: line efficiency (5 line rates
#     x 4 JPEG frame sizes, and the caps' cost), how long a receiver that
#     joins mid-stream waits for its first frame, frames through noisy
#     lines (bit errors, lost radio packets) with and without parity, how
#     soon a key frame follows a loss (live H.264), latency under
#     overload (60 s against the naive pipeline, and a plot of it; again
#     with bit errors on the line), raw
#     speed (1 GiB against fdsink/fdsrc), 16 links in one process, and a
#     60-second flood of random bytes into serialsrc.
#
#   scripts/bench.sh [OUTPUT_DIR]    (default build/bench)
#
# Writes OUTPUT_DIR/results.txt, latency.csv, latency.png, noise.csv and
# noise.png. Takes about half an hour. Installs what it needs (gnuplot for the plot).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:-$GST_SERIAL_BUILD/bench}

ensure_packages "${BUILD_PACKAGES[@]}" gnuplot-nox
build_plugin
use_uninstalled_plugin
mkdir -p "$out"

emu="$GST_SERIAL_BUILD/tools/serial-link-emu/serial-link-emu"
link="$GST_SERIAL_BUILD/tests/benchmarks/bench-link"
noise="$GST_SERIAL_BUILD/tests/benchmarks/bench-noise"

status=0
# The block runs in a subshell (it is piped to tee): it exits with its
# status, which pipefail makes the pipeline's.
if ! {
  echo "gst-serial benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(uname -sr)"
  echo
  "$GST_SERIAL_BUILD/tests/benchmarks/bench-framing"
  echo
  "$GST_SERIAL_BUILD/tests/emulator/bench-emu-pacing" "$emu"
  echo
  "$link" --emu "$emu" efficiency || status=1
  echo
  "$link" --emu "$emu" join || status=1
  echo
  "$noise" --emu "$emu" --csv "$out/noise.csv" matrix || status=1
  echo
  "$noise" --emu "$emu" targets || status=1
  echo
  "$noise" --emu "$emu" keyframe || status=1
  echo
  "$link" --emu "$emu" --csv "$out/latency.csv" latency || status=1
  echo
  "$link" --emu "$emu" --ber 1e-5 latency || status=1
  echo
  "$link" --emu "$emu" speed || status=1
  echo
  "$link" --emu "$emu" many || status=1
  echo
  "$link" --emu "$emu" flood || status=1
  echo
  "$link" unlock || status=1
  exit $status
} 2> >(grep -v '^serial-link-emu:' >&2) | tee "$out/results.txt"; then
  status=1
fi

# End-to-end latency over time: gst-serial against the naive pipeline.
gnuplot <<PLOT
set terminal pngcairo size 900,500 font "sans,10"
set output "$out/latency.png"
set datafile separator ","
set title "End-to-end latency, 640x480 JPEG at 30 fps over 115200 baud"
set xlabel "time since the first frame (s)"
set ylabel "latency (s)"
set key top left
set grid
plot "< grep '^gst-serial,' $out/latency.csv" using 2:3 with points pt 7 ps 0.5 title "gst-serial (native framing, pacing, drop-policy=auto)", \
     "< grep '^naive,' $out/latency.csv" using 2:3 with points pt 7 ps 0.5 title "naive (jpegenc ! filesink on the port)"
PLOT
# Frames delivered intact, and goodput, against the line's bit error
# rate, per protection (noise.csv: fault,ber,packet_loss,fec,feedback,
# intact,sent,corrupted,goodput,unprotected,protection).
gnuplot <<PLOT
set terminal pngcairo size 900,800 font "sans,10"
set output "$out/noise.png"
set datafile separator ","
set multiplot layout 2,1 title "JPEG frames of about 35 KiB over a line with bit errors, 3 Mbaud"
set xlabel "bit error rate"
set logscale x
set format x "10^{%L}"
set xrange [1e-6:3e-3]
set yrange [0:105]
set key right center
set grid
rows(p) = "< awk -F, '/^BER/ && \$11 == \"" . p . "\"' $out/noise.csv"
names = "none|fec 15 %|fec 25 %|retransmit|both 15 %"
titles = "no protection (one way)|fec-percentage=15 (one way)|fec-percentage=25 (one way)|retransmission (two way, the defaults)|fec-percentage=15 and retransmission"
name(i) = system("echo '" . names . "' | cut -d'|' -f" . i)
label(i) = system("echo '" . titles . "' | cut -d'|' -f" . i)
set ylabel "frames intact (%)"
plot for [i=1:5] rows(name(i)) using 2:(100 * \$6 / \$7) with linespoints \
       title label(i), \
     rows("none") using 2:(100 * \$10) with lines dashtype 2 \
       title "no protection, theory: e^{-BER x bits}"
set ylabel "goodput (% of the line)"
set key right top
plot for [i=1:5] rows(name(i)) using 2:(100 * \$9) with linespoints \
       title label(i)
unset multiplot
PLOT
echo "Results in $out/results.txt, plots in $out/latency.png, $out/noise.png"
exit $status
