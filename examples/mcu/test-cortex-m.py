#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Boots the Cortex-M3 firmware in QEMU and checks what serialsrc receives.

scripts/mcu-run.sh runs the firmware (examples/mcu/cortex-m) in
qemu-system-arm with its UART on a pseudo-terminal; this driver receives
with

    serialsrc port=LINK ! tee ! appsink            (the payloads)
                            ! jpegdec ! appsink    (decoded, caps from the wire)

and checks that every frame is byte-identical to the JPEG in flash it came
from (cortex-m/frames/, cycled), that the count is exact, that the caps came
from the wire, that the frames decode, that EOS ends the stream, and that
the firmware ended by itself with status 0.  The checks are those of
test-mcu-link.py, shared with the host senders' tests.

With --late-receiver the receiver opens the link only after QEMU has
ended: every byte must still be there (mcu-run.sh's terminal outlives QEMU).

Exit status: 0 passed, 1 failed.
"""

import argparse
import importlib.util
import os
import select
import subprocess
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMES = [os.path.join(HERE, "cortex-m", "frames", "frame-%d.jpg" % i)
          for i in range(3)]
CAPS = "image/jpeg, width=(int)160, height=(int)120, framerate=(fraction)10/1"


def load_link_checks():
    spec = importlib.util.spec_from_file_location(
        "mcu_link", os.path.join(HERE, "test-mcu-link.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stop(proc):
    """SIGTERM: mcu-run.sh stops QEMU and removes the link."""
    proc.terminate()
    proc.wait()


def wait_for_link(proc, timeout):
    """The line mcu-run.sh prints once the link is there."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    if not line.startswith("mcu-run: "):
        stop(proc)
        return None
    return line.strip()


def wait_for_end(proc, timeout, link):
    """The line mcu-run.sh prints once QEMU has ended."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    line = proc.stdout.readline() if ready else ""
    print(line.strip(), flush=True)
    if line.strip() != "mcu-run: the firmware ended with status 0":
        stop(proc)
        link.fail("the firmware did not end by itself before the receiver "
                  "opened the link")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", required=True, help="scripts/mcu-run.sh")
    p.add_argument("--firmware", required=True, help="the firmware ELF")
    p.add_argument("--frames", type=int, default=12,
                   help="frames the firmware sends")
    p.add_argument("--late-receiver", action="store_true",
                   help="open the link only once the firmware has ended")
    args = p.parse_args()
    Gst.init(None)
    link = load_link_checks()
    timeout = link.TIMEOUT

    with tempfile.TemporaryDirectory(prefix="mcu-qemu-") as tmp:
        port = os.path.join(tmp, "uart0")
        env = dict(os.environ, MCU_FIRMWARE=args.firmware)
        log = open(os.path.join(tmp, "mcu-run.log"), "w+")
        proc = subprocess.Popen([args.run, port, str(2 * timeout)], env=env,
                                stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            said = wait_for_link(proc, timeout)
            if said is None:
                log.seek(0)
                sys.stderr.write(log.read())
                link.fail("mcu-run.sh did not make the link within %d s"
                          % timeout)
            print(said, flush=True)
            if args.late_receiver:
                wait_for_end(proc, timeout, link)

            pipeline, received, lock = link.make_receiver(port)
            if pipeline.set_state(Gst.State.PLAYING) == \
                    Gst.StateChangeReturn.FAILURE:
                stop(proc)
                link.fail("the receiver did not start")
            link.wait_for_frames(pipeline, received, lock, args.frames, True)
            stats = link.check_stats(pipeline, args.frames)
            pipeline.set_state(Gst.State.NULL)

            try:
                status = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop(proc)
                link.fail("the firmware did not end within %d s" % timeout)
            log.seek(0)
            said = log.read()
            log.close()
            sys.stderr.write(said)
            if status != 0:
                link.fail("mcu-run.sh exited with %d" % status)
            if "firmware: stack used" not in said:
                link.fail("the firmware did not report its stack use")
        finally:
            # A failed check exits: QEMU and the link go too.
            if proc.poll() is None:
                stop(proc)

        sent = [FRAMES[i % len(FRAMES)] for i in range(args.frames)]
        link.check_frames(received, sent, CAPS)
        print("PASS: %d frames from the Cortex-M3 byte-identical, decoded "
              "160x120, caps %s, EOS, %d wire bytes received"
              % (args.frames, CAPS, stats.get_value("wire-bytes")),
              flush=True)


if __name__ == "__main__":
    main()
