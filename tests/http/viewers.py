#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""MJPEG viewers for the http tier: N concurrent connections to one URL in
one process, each parsed strictly (HTTP/1.1 status and headers, chunked
transfer coding, multipart parts with Content-Length and X-Frame-Sequence,
each part a whole JPEG from SOI to EOI).

  viewers.py URL --viewers N [--window S] [--stall S --pid PID --state URL]

Phases, all printed as one JSON object on stdout:
  connect  every viewer gets its first frame (or "first_frame_timeout")
  pre      every viewer reads for S seconds: frames per viewer
  stall    (with --stall) viewer 0 stops reading for S seconds while the
           others go on: their frames, the daemon's VmRSS at the start and
           its peak, and the daemon's /state view of viewer 0
  resume   viewer 0 reads again: seconds until it gets a frame at least
           as new as the stream's newest when it resumed
"""
import argparse
import json
import selectors
import socket
import sys
import time
import urllib.parse
import urllib.request


class Viewer:
    def __init__(self, host, port, target, rcvbuf=None):
        self.sock = socket.create_connection((host, port), timeout=10)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
                           "User-Agent: grab-http-tier\r\n\r\n"
                           % (target, host, port)).encode())
        self.sock.setblocking(False)
        self.raw = bytearray()      # bytes as received
        self.body = bytearray()     # de-chunked body
        self.headers_done = False
        self.chunked = False
        self.chunk_left = 0         # bytes left in the current chunk
        self.chunk_crlf = False     # expecting the CRLF after a chunk
        self.boundary = None
        self.frames = 0
        self.bytes = 0
        self.last_seq = None
        self.seqs = []
        self.error = None
        self.closed = False

    def fail(self, why):
        if not self.error:
            self.error = why

    def read(self):
        try:
            data = self.sock.recv(262144)
        except BlockingIOError:
            return
        except OSError as e:
            self.fail("recv: %s" % e)
            self.closed = True
            return
        if not data:
            self.closed = True
            return
        self.raw += data
        self.parse()

    def parse(self):
        if not self.headers_done:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                if len(self.raw) > 16384:
                    self.fail("response headers too long")
                return
            head = self.raw[:end].decode("latin-1").split("\r\n")
            del self.raw[:end + 4]
            self.headers_done = True
            if not head[0].startswith("HTTP/1.1 200 "):
                self.fail("status line: %r" % head[0])
                return
            hdr = {}
            for line in head[1:]:
                k, _, v = line.partition(":")
                hdr[k.strip().lower()] = v.strip()
            ctype = hdr.get("content-type", "")
            if not ctype.startswith("multipart/x-mixed-replace"):
                self.fail("content-type: %r" % ctype)
                return
            for p in ctype.split(";")[1:]:
                k, _, v = p.strip().partition("=")
                if k == "boundary":
                    self.boundary = v.strip('"').encode()
            if not self.boundary:
                self.fail("no boundary in %r" % ctype)
                return
            self.chunked = hdr.get("transfer-encoding", "").lower() == "chunked"
        self.dechunk()
        self.parts()

    def dechunk(self):
        if not self.chunked:
            self.body += self.raw
            self.raw.clear()
            return
        while self.raw:
            if self.chunk_crlf:
                if len(self.raw) < 2:
                    return
                if self.raw[:2] != b"\r\n":
                    self.fail("chunk not followed by CRLF")
                    return
                del self.raw[:2]
                self.chunk_crlf = False
            if self.chunk_left == 0:
                end = self.raw.find(b"\r\n")
                if end < 0:
                    return
                try:
                    self.chunk_left = int(self.raw[:end].split(b";")[0], 16)
                except ValueError:
                    self.fail("bad chunk size %r" % bytes(self.raw[:end]))
                    return
                del self.raw[:end + 2]
                if self.chunk_left == 0:
                    self.closed = True
                    return
            n = min(self.chunk_left, len(self.raw))
            self.body += self.raw[:n]
            del self.raw[:n]
            self.chunk_left -= n
            if self.chunk_left == 0:
                self.chunk_crlf = True

    def parts(self):
        delim = b"--" + self.boundary + b"\r\n"
        while True:
            if len(self.body) < len(delim):
                return
            if not self.body.startswith(delim):
                self.fail("part does not start with the boundary: %r"
                          % bytes(self.body[:40]))
                self.body.clear()
                return
            end = self.body.find(b"\r\n\r\n")
            if end < 0:
                return
            hdr = {}
            for line in self.body[len(delim):end].decode("latin-1").split("\r\n"):
                k, _, v = line.partition(":")
                hdr[k.strip().lower()] = v.strip()
            try:
                n = int(hdr["content-length"])
            except (KeyError, ValueError):
                self.fail("part without a Content-Length: %r" % hdr)
                self.body.clear()
                return
            start = end + 4
            if len(self.body) < start + n + 2:
                return
            jpeg = self.body[start:start + n]
            if jpeg[:2] != b"\xff\xd8" or jpeg[-2:] != b"\xff\xd9":
                self.fail("part is not a whole JPEG (SOI/EOI)")
            if hdr.get("content-type") != "image/jpeg":
                self.fail("part content-type %r" % hdr.get("content-type"))
            if self.body[start + n:start + n + 2] != b"\r\n":
                self.fail("part not followed by CRLF")
            seq = int(hdr.get("x-frame-sequence", "-1"))
            if self.last_seq is not None and seq <= self.last_seq:
                self.fail("sequence went from %d to %d" % (self.last_seq, seq))
            self.last_seq = seq
            self.frames += 1
            self.bytes += n
            del self.body[:start + n + 2]


def vm_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def run(sel, viewers, seconds, paused=(), on_tick=None):
    """Read every viewer but the paused ones for @seconds."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        for key, _ in sel.select(timeout=min(left, 0.05)):
            v = key.data
            if v in paused:
                continue
            v.read()
            if v.closed:
                sel.unregister(v.sock)
        if on_tick:
            on_tick()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--viewers", type=int, default=1)
    ap.add_argument("--window", type=float, default=2.0)
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--state", default="")
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.url)
    target = u.path + ("?" + u.query if u.query else "")
    out = {}
    vs = [Viewer(u.hostname, u.port, target, rcvbuf=65536 if i == 0 and a.stall else None)
          for i in range(a.viewers)]
    sel = selectors.DefaultSelector()
    for v in vs:
        sel.register(v.sock, selectors.EVENT_READ, v)

    # connect: everyone's first frame within 15 s
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(v.frames == 0 and not v.error for v in vs):
        run(sel, vs, 0.1)
    out["connect_frames"] = [v.frames for v in vs]

    base = [v.frames for v in vs]
    run(sel, vs, a.window)
    out["pre"] = [v.frames - b for v, b in zip(vs, base)]

    if a.stall:
        stalled = vs[0]
        rss0 = vm_rss_kib(a.pid)
        peak = [rss0]
        base = [v.frames for v in vs]

        def tick():
            peak[0] = max(peak[0], vm_rss_kib(a.pid))
        run(sel, vs, a.stall, paused=(stalled,), on_tick=tick)
        out["stall"] = [v.frames - b for v, b in zip(vs, base)]
        out["rss_start_kib"] = rss0
        out["rss_peak_kib"] = peak[0]
        st = get_json(a.state)
        me = None
        for s in st["streams"]:
            for c in s["clients"]:
                if c["kind"] == "mjpeg" and c["peer"].endswith(":%d" % stalled.sock.getsockname()[1]):
                    me = c
                    out["stream_newest"] = s["frames"]
                    out["jpeg_last_bytes"] = s["jpeg"]["last_bytes"]
                    out["sizeimage"] = s["format"]["sizeimage"]
        out["stalled_state"] = me
        # resume: how long until viewer 0 has a frame as new as the newest now
        newest = max(v.last_seq for v in vs[1:]) if len(vs) > 1 else 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 15 and (stalled.last_seq or 0) < newest and not stalled.error:
            run(sel, vs, 0.05)
        out["resume_s"] = round(time.monotonic() - t0, 3)
        out["resume_caught_up"] = (stalled.last_seq or 0) >= newest

    out["errors"] = [v.error for v in vs if v.error]
    out["closed"] = sum(1 for v in vs if v.closed)
    print(json.dumps(out))
    for v in vs:
        v.sock.close()


if __name__ == "__main__":
    sys.exit(main())
