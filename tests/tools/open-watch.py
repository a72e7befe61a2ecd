#!/usr/bin/env python3
"""open-watch.py: report every file opened in a folder, for tests.

    open-watch.py DIR

Prints "ready" once the inotify watch is in place, then one line per
IN_OPEN of a file in DIR: "<CLOCK_MONOTONIC ms> <name>". Lets a test see
that a daemon read a file, and when, without relying on its log.
"""
import ctypes
import os
import struct
import sys
import time

IN_OPEN = 0x20
IN_ISDIR = 0x40000000


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0 or libc.inotify_add_watch(fd, os.fsencode(sys.argv[1]), IN_OPEN) < 0:
        sys.exit("inotify: %s" % os.strerror(ctypes.get_errno()))
    print("ready", flush=True)
    while True:
        buf = os.read(fd, 65536)
        now = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1000)
        off = 0
        while off + 16 <= len(buf):
            _, mask, _, n = struct.unpack_from("iIII", buf, off)
            name = buf[off + 16:off + 16 + n].rstrip(b"\0").decode("utf-8", "replace")
            off += 16 + n
            if name and not mask & IN_ISDIR:
                print(now, name, flush=True)


if __name__ == "__main__":
    main()
