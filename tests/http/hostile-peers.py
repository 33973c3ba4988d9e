#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile HTTP peers for the http tier (tests/http/run.sh).

  hostile-peers.py flood HOST PORT N SECONDS
      open N idle connections (raising our own open-file limit first), hold
      them SECONDS, print "opened N" at once and "open K" at the end (how
      many the server had not closed)
  hostile-peers.py trickle HOST PORT SECONDS
      send a request head one byte a second; print "cut after T s" when the
      server closes the connection, or "open after T s"
"""
import resource
import socket
import sys
import time


def flood(host, port, n, secs):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, port))
        except BlockingIOError:
            pass
        socks.append(s)
    print("opened", len(socks), flush=True)
    time.sleep(secs)
    still = 0
    for s in socks:
        try:
            # Closed by the server: readable with EOF (or an error).
            s.setblocking(False)
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            still += 1
            continue
        except OSError:
            continue
    print("open", still, flush=True)


def trickle(host, port, secs):
    s = socket.create_connection((host, port))
    head = b"GET /state HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    t0 = time.time()
    for i in range(int(secs)):
        try:
            s.send(head[i:i + 1])
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                pass
            s.setblocking(True)
        except OSError:
            print("cut after %.1f s" % (time.time() - t0), flush=True)
            return
        time.sleep(1)
    print("open after %.1f s" % (time.time() - t0), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "flood":
        flood(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
    else:
        trickle(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
