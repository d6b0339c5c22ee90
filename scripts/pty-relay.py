#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A pseudo-terminal that outlives the program writing to it.

    scripts/pty-relay.py SOCKET LINK SECONDS

Listens on the Unix socket SOCKET, makes a pseudo-terminal (raw, no echo),
symlinks its device at LINK and prints "READY /dev/pts/N". The first client
of SOCKET (QEMU's "-chardev socket,path=SOCKET") is relayed to the terminal
and back; while the terminal is full, up to 256 KiB more wait here, then
the relay stops reading the client. When the client ends, what it wrote
stays readable: the relay keeps the terminal until a receiver has opened
and closed it (inotify tells), or SECONDS have passed since the start.

Why: a terminal's bytes are lost when its master side closes, and QEMU's
own "-chardev pty" closes it when QEMU exits, which a firmware does as soon
as its last byte is in the UART, sometimes before the receiver has read
the last ones. The relay also holds the device open from the start, so
nothing written before a receiver opens LINK is lost (and once the relay
stops reading, the UART, and the emulated CPU, wait).

Exit status: 0 once the client has ended and the receiver has closed the
terminal, 124 when SECONDS ran out first, 2 on bad arguments.
"""

import ctypes
import os
import select
import socket
import struct
import sys
import time
import tty

# Bytes held here beyond what the terminal holds (about 20 KiB), so that a
# firmware's whole run fits before a receiver opens the link.
HOLD = 256 * 1024


def fail_usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def make_terminal(link):
    master, slave = os.openpty()
    tty.setraw(slave)
    name = os.ttyname(slave)
    tmp = link + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(name, tmp)
    os.replace(tmp, link)
    os.set_blocking(master, False)
    return master, slave, name


def relay(client, master, opens, deadline):
    """Both ways until the client ends; bytes to the terminal wait here
    while it is full, up to HOLD. Returns False when the deadline passes
    first."""
    pending = b""
    client_open = True
    while client_open or pending:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        readers = [master, opens.fd]
        if client_open and len(pending) < HOLD:
            readers.append(client)
        writers = [master] if pending else []
        readable, writable, _ = select.select(readers, writers, [], left)
        if opens.fd in readable:
            opens.read()
        if client in readable:
            try:
                data = client.recv(4096)
            except ConnectionResetError:
                # It ended with bytes from the receiver still unread.
                data = b""
            if data:
                pending += data
            else:
                client_open = False
        if master in writable and pending:
            pending = pending[os.write(master, pending):]
        if master in readable:
            try:
                data = os.read(master, 4096)
            except BlockingIOError:
                data = b""
            if data and client_open:
                try:
                    client.sendall(data)
                except (BrokenPipeError, ConnectionResetError):
                    client_open = False
    return True


class Opens:
    """Counts the opens and closes of the terminal by other processes, with
    inotify (made after our own open)."""

    IN_OPEN = 0x20
    IN_CLOSE = 0x08 | 0x10  # IN_CLOSE_WRITE | IN_CLOSE_NOWRITE

    def __init__(self, name):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0 or libc.inotify_add_watch(
                self.fd, name.encode(), self.IN_OPEN | self.IN_CLOSE) < 0:
            raise OSError(ctypes.get_errno(), "inotify on %s" % name)
        self.opened = 0
        self.closed = 0

    def read(self):
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return
        off = 0
        while off < len(data):
            _, mask, _, size = struct.unpack_from("iIII", data, off)
            off += 16 + size
            self.opened += bool(mask & self.IN_OPEN)
            self.closed += bool(mask & self.IN_CLOSE)

    def receiver_done(self):
        """Somebody opened the terminal, and everybody closed it."""
        return self.opened > 0 and self.opened == self.closed


def wait_for_receiver(opens, master, deadline):
    while not opens.receiver_done():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        readable, _, _ = select.select([opens.fd, master], [], [], left)
        if opens.fd in readable:
            opens.read()
        if master in readable:
            # What the receiver writes back goes nowhere now.
            try:
                os.read(master, 4096)
            except OSError:
                pass
    return True


def main():
    if len(sys.argv) != 4 or not sys.argv[3].isdigit():
        fail_usage()
    path, link, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    deadline = time.monotonic() + seconds

    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    # Our own end stays open to the last: a terminal nobody holds open
    # drops what is written to it.
    master, slave, name = make_terminal(link)
    opens = Opens(name)
    print("READY %s" % name, flush=True)

    ok = False
    readable, _, _ = select.select([server], [], [], seconds)
    if readable:
        client, _ = server.accept()
        server.close()
        ok = relay(client, master, opens, deadline)
        client.close()
    if ok:
        ok = wait_for_receiver(opens, master, deadline)
    if os.path.islink(link) and os.readlink(link) == name:
        os.unlink(link)
    sys.exit(0 if ok else 124)


if __name__ == "__main__":
    main()
