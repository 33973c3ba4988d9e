#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""grab benchmarks: grabberd and its peers side by side in one run.

Run by tests/bench/run.sh (make bench), which builds and installs what is
needed first.  Every scenario runs BENCH_REPEATS times (default 3),
interleaved so that drift on the machine spreads over all of them, for
BENCH_SECS seconds of measurement each (default 3) after BENCH_WARMUP
seconds of warm-up (default 1).  Prints a table and the goals, writes
into $BENCH_OUT (default build/bench): results.json, table.txt,
latency-cdf.png, latency-cdf-all.png (each scenario's CDF over its floor's)
and cpu-vs-clients.png/.svg.  A missed goal is printed as "NOT MET"; only a
scenario that cannot run at all makes it fail.

Every goal is a ratio to a reference measured in the same run: the floor
(floor_of(): bare 32-byte notifications to as many processes, at the same
rate, over as many streams), a peer, or another of our readers.

How each figure is measured:
  latency   the clients record CLOCK_MONOTONIC minus the producer's timestamp
            of the frame (taken when its pixels are complete) the moment they
            hold the frame: for grabberd, when grab_next_frame() returns the
            pointer; for the copying peers, when the last byte is copied in.
            Pooled over all clients of a run: p50, p99, max.
  CPU       /proc/PID/task/*/schedstat (ns on CPU, every thread) of the
            server and of each client, sampled at the start and end of the
            measurement.  server us/frame divides the server's by the frames
            produced; client us/frame divides the clients' by the frames
            delivered; total us/frame divides everything by the frames
            delivered.
  missed    frames the clients lost while measuring (their sequence gaps), in
            % of the frames produced for them; each grabberd client also
            reports what it was told it missed, which must equal its gaps.
  fps made  frames the source produced per second (the ring's sequence
            numbers stay contiguous when the source drops frames).
  RSS       VmRSS of the server at the end (the ring pages it touched count).
"""
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
BIN = os.path.join(BUILD, "tests", "bench")
OUT = os.path.join(ROOT, os.environ.get("BENCH_OUT", os.path.join(BUILD, "bench")))
SECS = float(os.environ.get("BENCH_SECS", "3"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1"))
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))
FPS = 60
PHASE = 0.5	# isolation: seconds per stalled / healthy phase

SIZES = {"QVGA": (320, 240), "VGA": (640, 480), "1080p": (1920, 1080),
         "4K": (3840, 2160), "-": (16, 16)}


def log(msg):
    print(msg, flush=True)


# --- process accounting ----------------------------------------------------

def cpu_ns(pid):
    """Nanoseconds on CPU of every thread of @pid (None if it is gone)."""
    total, seen = 0, False
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
                seen = True
        except (OSError, ValueError, IndexError):
            pass
    return total if seen else None


def rss_kb(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "RssAnon", "RssShmem"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    raise RuntimeError("timed out waiting for " + what)


def stop(proc, sig=signal.SIGTERM, timeout=5):
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- servers and clients of each kind ----------------------------------------

class Run:
    """One run of one scenario configuration."""

    def __init__(self, cfg, tmp):
        self.cfg = cfg
        self.tmp = tmp
        self.server = None
        self.clients = []
        self.stalled = None
        self.extra_servers = []
        self.files = []

    def spawn(self, argv, name, env=None):
        out = open(os.path.join(self.tmp, name), "w+")
        self.files.append(out)
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                             env=env, cwd=self.tmp)
        p.outfile = out.name
        return p

    def start_server(self):
        c = self.cfg
        w, h = c["width"], c["height"]
        kind = c["kind"]
        fps = c["fps"]
        if kind in ("grab", "grab-c+py", "grab-dma", "grabsrc", "grabsrc-zc"):
            # BENCH_GRABBERD / BENCH_GRABBERD_DMA: another build to compare
            # (a prototype measured against the floor of its own run).
            daemon = os.environ.get("BENCH_GRABBERD", os.path.join(BUILD, "grabberd")) \
                if kind != "grab-dma" else \
                os.environ.get("BENCH_GRABBERD_DMA", os.path.join(BIN, "grabberd-dma"))
            self.sock = os.path.join(self.tmp, "grabberd.sock")
            # HTTP as shipped (on), on a free port, with no viewer: the
            # JPEG encoder only runs while someone watches.  Several
            # streams: one --stream NAME and its settings each.
            argv = [daemon, "-q", "-s", self.sock, "--http", "127.0.0.1:0"]
            if c["streams"] > 1:
                # (the command line sets one stream: the others from a file)
                conf = os.path.join(self.tmp, "grabberd.conf")
                with open(conf, "w") as f:
                    f.write("[grabberd]\nlinger_ms = 2000\n")
                    for i in range(c["streams"]):
                        f.write("[stream s%d]\nsource = test:\nwidth = %d\nheight = %d\n"
                                "format = %s\nfps = %d\nslots = 8\n\n"
                                % (i, w, h, c["format"], fps))
                argv += ["-c", conf]
            else:
                argv += ["--width", str(w), "--height", str(h), "--format", c["format"],
                         "--fps", str(fps), "--slots", "8"]
            self.server = self.spawn(argv, "server.log")
            wait_for(lambda: os.path.exists(self.sock), 5, "grabberd's socket")
        elif kind in ("copy", "copy-dma", "notify"):
            # The floor with several streams: one notify server per stream,
            # their CPU added up (see measure()).
            self.socks = [os.path.join(self.tmp, "copy%d.sock" % i)
                          for i in range(c["streams"] if kind == "notify" else 1)]
            self.sock = self.socks[0]
            for i, sock in enumerate(self.socks):
                p = self.spawn([os.path.join(BIN, "copy-server"),
                                "notify" if kind == "notify" else "socket",
                                sock, str(w), str(h), str(fps)] +
                               (["dma"] if kind == "copy-dma" else []),
                               "server%d.log" % i)
                if i:
                    self.extra_servers.append(p)
                else:
                    self.server = p
            for sock in self.socks:
                wait_for(lambda: os.path.exists(sock), 5, "copy-server's socket")
        elif kind == "memsink":
            self.sock = "/grab-bench-%d" % os.getpid()
            self.server = self.spawn([os.path.join(BIN, "copy-server"), "memsink",
                                      self.sock, str(w), str(h), str(fps)],
                                     "server.log")
            wait_for(lambda: os.path.exists("/dev/shm" + self.sock), 5,
                     "the memsink")
        elif kind == "gst":
            self.sock = os.path.join(self.tmp, "gst.sock")
            self.server = self.spawn(
                ["gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
                 self.gst_caps(), "!", "shmsink", "socket-path=" + self.sock,
                 "wait-for-connection=false", "sync=true",
                 "shm-size=%d" % (w * h * 2 * 16)], "server.log")
            wait_for(lambda: os.path.exists(self.sock), 10, "gst shmsink's socket")
        else:
            raise ValueError(kind)

    def gst_caps(self):
        c = self.cfg
        return "video/x-raw,format=YUY2,width=%d,height=%d,framerate=%d/1" % (
            c["width"], c["height"], c["fps"])

    def client_argv(self, i=0):
        kind = self.cfg["kind"]
        streams = self.cfg["streams"]
        if kind in ("grab", "grab-dma") or (kind == "grab-c+py" and i % 2 == 0):
            return [os.path.join(BIN, "lat-client"), self.sock] + (
                ["s%d" % (i % streams)] if streams > 1 else [])
        if kind == "grab-c+py":
            # The Python twin of lat-client on Debian's python3 and the
            # module just built, beside it on the same stream.
            return ["/usr/bin/python3", os.path.join(ROOT, "tests/bench/py-client.py"),
                    self.sock]
        if kind in ("copy", "copy-dma", "memsink", "notify"):
            mode = {"copy-dma": "socket", "copy": "socket"}.get(kind, kind)
            return [os.path.join(BIN, "copy-client"), mode,
                    self.socks[i % len(self.socks)] if kind != "memsink" else self.sock]
        # GStreamer readers, counted alike by fpsdisplaysink: shmsrc on
        # GStreamer's shm peer, or grabsrc on grabberd (copying each frame
        # into a pool buffer, or wrapping the ring with zero-copy=true).
        sink = ["!", "fpsdisplaysink", "video-sink=fakesink", "text-overlay=false",
                "sync=false", "fps-update-interval=100"]
        if kind in ("grabsrc", "grabsrc-zc"):
            return ["gst-launch-1.0", "-v", "grabsrc", "socket=" + self.sock,
                    "zero-copy=%s" % ("true" if kind == "grabsrc-zc" else "false")] + sink
        return ["gst-launch-1.0", "-v", "shmsrc", "socket-path=" + self.sock,
                "is-live=true", "!", self.gst_caps()] + sink

    def start_clients(self):
        env = dict(os.environ)
        self.latdir = os.path.join(self.tmp, "lat")
        os.makedirs(self.latdir, exist_ok=True)
        env["BENCH_LAT_DIR"] = self.latdir
        env.update(gst_env())
        env["PYTHONPATH"] = os.path.join(BUILD, "python")
        for i in range(self.cfg["clients"]):
            self.clients.append(self.spawn(self.client_argv(i), "client%d.log" % i, env))
        if self.cfg.get("stalled"):
            # One more client, stopped once it is attached: the healthy ones
            # must not notice.
            self.stalled = self.spawn(self.client_argv(), "stalled.log", env)

    def gst_rendered(self, p):
        """Frames a gst reader rendered so far (fpsdisplaysink's counter)."""
        n = 0
        try:
            with open(p.outfile, errors="replace") as f:
                for m in re.finditer(r"rendered: (\d+)", f.read()):
                    n = int(m.group(1))
        except OSError:
            pass
        return n

    def measure(self):
        c = self.cfg
        self.start_server()
        self.start_clients()
        # (Python readers first import NumPy: not to be measured.)
        time.sleep(0.3 + 0.02 * c["clients"] + WARMUP +
                   (1.5 if c["kind"] == "grab-c+py" else 0))
        for p in self.clients + [self.server] + self.extra_servers:
            if p.poll() is not None:
                raise RuntimeError("%s exited early:\n%s" % (
                    p.args[0], open(p.outfile).read()[-2000:]))
        gst = c["kind"] in ("gst", "grabsrc", "grabsrc-zc")
        procs = [self.server] + self.clients + self.extra_servers
        ncl = len(self.clients)
        cpu0 = [cpu_ns(p.pid) for p in procs]
        rend0 = [self.gst_rendered(p) for p in self.clients] if gst else None
        t0 = time.monotonic()
        if not gst:
            for p in self.clients:
                p.send_signal(signal.SIGUSR1)
        phases = []
        if self.stalled:
            # Isolation: the extra client alternates between stalled
            # (SIGSTOP) and healthy every PHASE s, so both conditions see
            # the same drift of the machine; the first 100 ms of each phase
            # (the resumed client draining) are left out.
            n = max(2, int(round(SECS / PHASE)))
            for i in range(n):
                stalled = i % 2 == 0
                self.stalled.send_signal(signal.SIGSTOP if stalled else signal.SIGCONT)
                a = time.monotonic_ns()
                time.sleep(SECS / n)
                phases.append((a + 100000000, time.monotonic_ns(), stalled))
            self.stalled.send_signal(signal.SIGCONT)
        else:
            time.sleep(SECS)
        cpu1 = [cpu_ns(p.pid) for p in procs]
        t1 = time.monotonic()
        rss = rss_kb(self.server.pid)
        if gst:
            # Both counters lag by up to the 100 ms print interval alike.
            rend1 = [self.gst_rendered(p) for p in self.clients]
            for p in self.clients:
                stop(p, signal.SIGINT)
        else:
            for p in self.clients:
                p.send_signal(signal.SIGUSR2)
            for p in self.clients:
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if self.stalled:
            self.stalled.kill()
            self.stalled.wait()
        stop(self.server)
        for p in self.extra_servers:
            stop(p)
        if None in cpu0 or None in cpu1:
            raise RuntimeError("a process exited while measured")
        window = t1 - t0
        # The server: the first process and any further ones (the floor's
        # one server per stream).
        server_cpu = sum(cpu1[i] - cpu0[i] for i in [0] + list(range(ncl + 1, len(procs)))) / 1e9
        client_cpu = sum(b - a for a, b in zip(cpu0[1:ncl + 1], cpu1[1:ncl + 1])) / 1e9
        r = {"window_s": round(window, 3), "server_cpu_s": server_cpu,
             "clients_cpu_s": client_cpu,
             "server_rss_mb": round(rss.get("VmRSS", 0) / 1024, 1),
             "server_rss_anon_mb": round(rss.get("RssAnon", 0) / 1024, 1)}
        if gst:
            delivered = sum(b - a for a, b in zip(rend0, rend1))
            produced = max([b - a for a, b in zip(rend0, rend1)] + [0])
            r.update(frames_delivered=delivered, frames_produced=produced,
                     missed=max(0, produced * len(self.clients) - delivered))
            lats = []
        else:
            res = []
            for p in self.clients:
                text = open(p.outfile).read()
                m = re.search(r"^RESULT (.*)$", text, re.M)
                if not m:
                    raise RuntimeError("%s gave no RESULT:\n%s" % (p.args[0], text[-2000:]))
                res.append(dict(kv.split("=", 1) for kv in m.group(1).split()))
            got = [x for x in res if int(x["frames"]) > 0]
            delivered = sum(int(x["frames"]) for x in res)
            # Frames produced: per stream (sequences are per stream), summed.
            produced = 0
            nstreams = c["streams"]
            for s in range(nstreams):
                mine = [x for i, x in enumerate(res) if i % nstreams == s and int(x["frames"]) > 0]
                if mine:
                    produced += (max(int(x["last"]) for x in mine) -
                                 min(int(x["first"]) for x in mine) + 1)
            # missed: what the clients were told they lost; gaps: what the
            # sequence numbers show (the floor is told nothing: its gaps).
            told = sum(int(x["missed"]) for x in res)
            gaps = sum(int(x.get("gaps", x["missed"])) for x in res)
            r.update(frames_delivered=delivered, frames_produced=produced,
                     missed=told, gaps=gaps, missed_told_ok=(told == gaps),
                     clients_missing=sum(1 for x in res if int(x.get("gaps", x["missed"]))))
            # Each client's own CPU per frame (for readers side by side).
            each = [(b - a) / 1e3 / max(int(x["frames"]), 1)
                    for a, b, x in zip(cpu0[1:ncl + 1], cpu1[1:ncl + 1], res)]
            r["client_us_per_frame_each"] = each
            if c["kind"] == "grab-c+py" and len(each) >= 2 and each[0] > 0:
                r["py_over_c"] = each[1] / each[0]
            samples = []
            for path in glob.glob(os.path.join(self.latdir, "*.lat")):
                with open(path) as f:
                    for line in f:
                        ts, _, lat = line.partition(" ")
                        if lat.strip():
                            samples.append((int(ts), int(lat)))
            lats = sorted(x[1] for x in samples)
            for stalled, key in ((True, "lat_p99_us_stalled"), (False, "lat_p99_us_healthy")):
                sel = sorted(lat for ts, lat in samples
                             if any(a <= ts < b and st == stalled for a, b, st in phases))
                if sel:
                    r[key] = pct(sel, 0.99)
            if "lat_p99_us_stalled" in r and "lat_p99_us_healthy" in r:
                r["isolation_ratio"] = r["lat_p99_us_stalled"] / r["lat_p99_us_healthy"]
        if lats:
            r.update(lat_p50_us=pct(lats, 0.5), lat_p99_us=pct(lats, 0.99),
                     lat_max_us=lats[-1] / 1000.0)
        prod = max(r["frames_produced"], 1)
        deliv = max(r["frames_delivered"], 1)
        r["server_us_per_frame"] = server_cpu * 1e6 / prod
        r["fps_produced"] = r["frames_produced"] / window
        r["client_us_per_frame"] = client_cpu * 1e6 / deliv
        r["total_us_per_frame"] = (server_cpu + client_cpu) * 1e6 / deliv
        r["cpu_pct"] = 100.0 * (server_cpu + client_cpu) / window
        # Each stream's frames go to clients / streams clients.
        r["missed_pct"] = 100.0 * r.get("gaps", r["missed"]) / max(
            prod * c["clients"] / c["streams"], 1)
        r["fps_per_client"] = r["frames_delivered"] / max(c["clients"], 1) / window
        return r, lats

    def cleanup(self):
        for p in self.clients + [self.server, self.stalled] + self.extra_servers:
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
        for f in self.files:
            f.close()


def gst_env():
    """grabsrc from the build tree, with a registry of this run's own
    (built once, before any measurement)."""
    env = {"GST_PLUGIN_PATH": os.path.join(BUILD, "gst"),
           "GST_REGISTRY": os.path.join(OUT, "gst-registry.bin")}
    if not getattr(gst_env, "ready", False):
        os.makedirs(OUT, exist_ok=True)
        subprocess.run(["gst-inspect-1.0", "grabsrc"], env=dict(os.environ, **env),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        gst_env.ready = True
    return env


# --- the scenarios -----------------------------------------------------------

def pct(sorted_ns, p):
    """Percentile @p of sorted nanoseconds, in microseconds."""
    return sorted_ns[min(len(sorted_ns) - 1, int(p * (len(sorted_ns) - 1) + 0.5))] / 1000.0


def cfg(name, group, kind, size, clients, stalled=False, note="", fps=FPS,
        fmt="YUYV", streams=1):
    w, h = SIZES[size]
    return {"name": name, "group": group, "kind": kind, "size": size,
            "width": w, "height": h, "fps": fps, "format": fmt,
            "clients": clients, "streams": streams, "stalled": stalled, "note": note}


def floor_of(c):
    """The floor scenario measured beside @c: bare notifications to as many
    processes, at the same rate, over as many streams (None: no floor)."""
    if c["kind"] == "notify":
        return None
    return ("floor-1k-" if c["fps"] == 1000 else "floor-") + (
        "%dx%d" % (c["streams"], c["clients"] // c["streams"]) if c["streams"] > 1
        else str(c["clients"]))


HF = 1000	# the high frame rate: grabberd's configuration allows at most 1000 fps


FLOOR = "floor: 32-byte notification, no frame"
CONFIGS = [
    cfg("floor-1", FLOOR, "notify", "-", 1),
    cfg("floor-4", FLOOR, "notify", "-", 4),
    cfg("floor-16", FLOOR, "notify", "-", 16),
    cfg("floor-64", FLOOR, "notify", "-", 64),
    cfg("floor-256", FLOOR, "notify", "-", 256),
    cfg("floor-8x8", FLOOR + ", 8 streams x 8", "notify", "-", 64, streams=8),
    cfg("floor-1k-1", FLOOR + ", 1000 fps", "notify", "-", 1, fps=HF),
    cfg("floor-1k-4", FLOOR + ", 1000 fps", "notify", "-", 4, fps=HF),
    cfg("floor-1k-16", FLOOR + ", 1000 fps", "notify", "-", 16, fps=HF),
    cfg("grab-1080p-1", "fan-out", "grab", "1080p", 1),
    cfg("grab-1080p-4", "fan-out", "grab", "1080p", 4),
    cfg("grab-1080p-16", "fan-out", "grab", "1080p", 16),
    cfg("grab-1080p-64", "fan-out", "grab", "1080p", 64),
    cfg("grab-VGA-16", "frame size", "grab", "VGA", 16),
    cfg("grab-4K-16", "frame size", "grab", "4K", 16),
    cfg("dma-VGA-16", "frame size (DMA stand-in)", "grab-dma", "VGA", 16),
    cfg("dma-1080p-16", "frame size (DMA stand-in)", "grab-dma", "1080p", 16),
    cfg("dma-4K-16", "frame size (DMA stand-in)", "grab-dma", "4K", 16),
    cfg("copy-1080p-16", "copy baseline", "copy", "1080p", 16),
    cfg("copy-4K-16", "copy baseline", "copy", "4K", 16),
    cfg("copy-dma-4K-16", "copy baseline (DMA stand-in)", "copy-dma", "4K", 16),
    cfg("memsink-1080p-16", "copy baseline", "memsink", "1080p", 16),
    cfg("gst-1080p-1", "GStreamer shm", "gst", "1080p", 1),
    cfg("gst-1080p-16", "GStreamer shm", "gst", "1080p", 16),
    cfg("grabsrc-1080p-1", "GStreamer grabsrc (copy)", "grabsrc", "1080p", 1),
    cfg("grabsrc-1080p-16", "GStreamer grabsrc (copy)", "grabsrc", "1080p", 16),
    cfg("grabsrc-zc-1080p-1", "GStreamer grabsrc (zero-copy=true)", "grabsrc-zc", "1080p", 1),
    cfg("grabsrc-zc-1080p-16", "GStreamer grabsrc (zero-copy=true)", "grabsrc-zc", "1080p", 16),
    cfg("grab-1080p-16+stalled", "isolation", "grab", "1080p", 16, stalled=True),
    cfg("c+py-1080p", "a C and a Python reader side by side (the module grab)",
        "grab-c+py", "1080p", 2),
    # Many clients of one stream, and many streams (DMA stand-in: delivery
    # only, as the floor).
    cfg("dma-VGA-1", "many clients (DMA stand-in, VGA 60 fps)", "grab-dma", "VGA", 1),
    cfg("dma-VGA-64", "many clients (DMA stand-in, VGA 60 fps)", "grab-dma", "VGA", 64),
    cfg("dma-VGA-256", "many clients (DMA stand-in, VGA 60 fps)", "grab-dma", "VGA", 256),
    cfg("dma-VGA-8x8", "many clients (DMA stand-in, VGA 60 fps)", "grab-dma", "VGA", 64,
        streams=8),
    # Machine-vision rates: GREY at 1000 fps (DMA stand-in), and once with
    # the test source writing every pixel.
    cfg("hf-VGA-1", "1000 fps GREY (DMA stand-in)", "grab-dma", "VGA", 1, fps=HF, fmt="GREY"),
    cfg("hf-VGA-4", "1000 fps GREY (DMA stand-in)", "grab-dma", "VGA", 4, fps=HF, fmt="GREY"),
    cfg("hf-VGA-16", "1000 fps GREY (DMA stand-in)", "grab-dma", "VGA", 16, fps=HF, fmt="GREY"),
    cfg("hf-QVGA-1", "1000 fps GREY (DMA stand-in)", "grab-dma", "QVGA", 1, fps=HF, fmt="GREY"),
    cfg("hf-QVGA-4", "1000 fps GREY (DMA stand-in)", "grab-dma", "QVGA", 4, fps=HF, fmt="GREY"),
    cfg("hf-QVGA-16", "1000 fps GREY (DMA stand-in)", "grab-dma", "QVGA", 16, fps=HF, fmt="GREY"),
    cfg("hf-test-QVGA-16", "1000 fps GREY (test source)", "grab", "QVGA", 16, fps=HF, fmt="GREY"),
]


def http_per_frame(http):
    """From http.sh's table: the daemon's CPU per JPEG frame served to a
    viewer, 1 viewer and 16 (median over the runs), in us."""
    one, many = [], []
    for text in http.get("outputs", []):
        for line in text.splitlines():
            m = re.match(r"grabberd, (\d+) viewers?\s+([0-9.]+)\s+([0-9.]+)", line)
            if m and float(m.group(3)) > 0:
                n, cpu, jps = int(m.group(1)), float(m.group(2)), float(m.group(3))
                (one if n == 1 else many).append(cpu * 1e4 / (jps * n))
    return agg(one)[0], agg(many)[0]


def readers_table(runs, http, rtsp, med):
    """Every kind of reader, one line each: what one delivered frame costs
    the reader (us of CPU), over the floor's client and over the C reader."""
    def each(name, i):
        vals = [r["client_us_per_frame_each"][i] for r in runs.get(name, [])
                if len(r.get("client_us_per_frame_each") or []) > i]
        return agg(vals)[0]
    floor = med("floor-1", "client_us_per_frame")
    c = med("grab-1080p-1", "client_us_per_frame")
    h1, h16 = http_per_frame(http)
    rows = [
        ("floor client (32-byte recv)", "floor-1", floor),
        ("C reader (libgrab, lat-client)", "grab-1080p-1", c),
        ("C reader, beside a Python one", "c+py-1080p", each("c+py-1080p", 0)),
        ("Python reader (grab, NumPy view)", "c+py-1080p", each("c+py-1080p", 1)),
        ("GStreamer grabsrc (copy)", "grabsrc-1080p-1", med("grabsrc-1080p-1", "client_us_per_frame")),
        ("GStreamer grabsrc zero-copy=true", "grabsrc-zc-1080p-1", med("grabsrc-zc-1080p-1", "client_us_per_frame")),
        ("GStreamer shmsrc (on shmsink)", "gst-1080p-1", med("gst-1080p-1", "client_us_per_frame")),
        ("copying socket reader (mjpg-streamer)", "copy-1080p-16", med("copy-1080p-16", "client_us_per_frame")),
        ("memsink polling reader (uStreamer)", "memsink-1080p-16", med("memsink-1080p-16", "client_us_per_frame")),
        ("HTTP MJPEG viewer, 1 (daemon's CPU)", "http.sh 1080p30", h1),
        ("HTTP MJPEG viewer, 1 of 16 (daemon's)", "http.sh 1080p30", h16),
        ("grab-rtsp H.264, 1 viewer (its CPU)", "1080p30", rtsp.get("us_per_frame")),
    ]
    out = ["every kind of reader: CPU per delivered frame (1080p YUYV; medians of this run)",
           "%-40s %-20s %12s %12s %12s" % ("reader", "scenario", "us/frame", "/ floor", "/ C reader")]
    out.append("-" * len(out[1]))
    for what, where, v in rows:
        out.append("%-40s %-20s %12s %12s %12s" % (
            what, where, "-" if v is None else "%.1f" % v,
            "-" if v is None or not floor else "%.2f" % (v / floor),
            "-" if v is None or not c else "%.2f" % (v / c)))
    return out


def fmt_num(v):
    return "-" if v is None else "%.0f" % v


def agg(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None, None
    return statistics.median(values), min(values), max(values)


def fmt_cell(runs, key, digits=0):
    med, lo, hi = agg([r.get(key) for r in runs])
    if med is None:
        return "-"
    s = "%.*f" % (digits, med)
    if len(runs) > 1 and med:
        s += "±%d%%" % round(50.0 * (hi - lo) / med)
    return s


def machine():
    info = {"nproc": os.cpu_count(), "kernel": os.uname().release}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "CPU(s)", "Hypervisor vendor"):
                info[k.strip()] = v.strip()
    except OSError:
        pass
    return info


def http_scenario():
    """tests/bench/http.sh (the HTTP engineer's), when it is in the tree: two
    grabberds side by side, 1 and 16 MJPEG viewers; it prints its own table
    and a line 'CPU ratio 16 / 1 viewers: R.RRx'.  Run REPEATS times."""
    script = os.path.join(ROOT, "tests", "bench", "http.sh")
    if not os.path.exists(script):
        log("HTTP: scenario not available yet (tests/bench/http.sh is not in this tree)")
        return {"available": False}
    secs = max(5, int(SECS))
    ratios, outputs = [], []
    for rep in range(REPEATS):
        log("HTTP: tests/bench/http.sh %d, run %d/%d" % (secs, rep + 1, REPEATS))
        try:
            p = subprocess.run(["bash", script, str(secs)], capture_output=True,
                               text=True, cwd=ROOT, timeout=120)
        except subprocess.TimeoutExpired:
            log("  timed out")
            continue
        outputs.append(p.stdout + p.stderr)
        m = re.search(r"CPU ratio 16 / 1 viewers: ([0-9.]+)x", p.stdout)
        if p.returncode == 0 and m:
            ratios.append(float(m.group(1)))
        for line in (p.stdout + p.stderr).splitlines():
            log("  " + line)
    med, lo, hi = agg(ratios)
    return {"available": True, "seconds": secs, "ratios": ratios,
            "ratio_median": med, "ratio_min": lo, "ratio_max": hi,
            "outputs": outputs}


def rtsp_scenario():
    """grab-rtsp's CPU per frame served: grabberd at 1080p30 YUYV, grab-rtsp
    (videoconvert, x264enc ultrafast zero-latency), one viewer (ffmpeg over
    TCP, copying the H.264 to nowhere) for max(10, BENCH_SECS) s.  CPU from
    grab-rtsp's schedstat over the viewer's frames (its 'frame=' count)."""
    secs = max(10, int(SECS))
    tmp = tempfile.mkdtemp(prefix="grab-bench-rtsp-")
    sock = os.path.join(tmp, "grabberd.sock")
    procs = []
    out = {"available": True, "seconds": secs}
    try:
        log("grab-rtsp: 1080p30 H.264, 1 viewer, %d s" % secs)
        procs.append(subprocess.Popen(
            [os.path.join(BUILD, "grabberd"), "-q", "-s", sock, "--no-http",
             "--width", "1920", "--height", "1080", "--format", "YUYV",
             "--fps", "30", "--slots", "8"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_for(lambda: os.path.exists(sock), 5, "grabberd's socket")
        rlog = open(os.path.join(tmp, "rtsp.out"), "w+")
        rtsp = subprocess.Popen([os.path.join(BUILD, "grab-rtsp"), "-l", "127.0.0.1:0",
                                 "-s", sock], stdout=rlog, stderr=subprocess.STDOUT,
                                env=dict(os.environ, **gst_env()))
        procs.append(rtsp)

        def port():
            rlog.seek(0)
            m = re.search(r"rtsp://127\.0\.0\.1:(\d+)/", rlog.read())
            return m.group(1) if m else None
        wait_for(port, 10, "grab-rtsp's port")
        # Warm-up: the viewer connects, the pipeline starts; then measure
        # over a fixed window of the viewer's run.
        view = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-rtsp_transport", "tcp", "-i",
             "rtsp://127.0.0.1:%s/default" % port(), "-t", str(secs + 3),
             "-c", "copy", "-f", "null", "-"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(view)
        time.sleep(2)
        c0, t0 = cpu_ns(rtsp.pid), time.monotonic()
        time.sleep(secs)
        c1, t1 = cpu_ns(rtsp.pid), time.monotonic()
        _, err = view.communicate(timeout=60)
        frames = [int(x) for x in re.findall(r"frame=\s*(\d+)", err)]
        total = frames[-1] if frames else 0
        window = t1 - t0
        # The viewer's frames in the window: its mean rate over its run.
        served = total * window / (secs + 3) if total else 0
        out.update(frames_viewer=total, window_s=round(window, 2),
                   cpu_s=(c1 - c0) / 1e9 if c0 is not None and c1 is not None else None)
        if out["cpu_s"] is not None and served:
            out["us_per_frame"] = out["cpu_s"] * 1e6 / served
            out["cpu_pct"] = 100.0 * out["cpu_s"] / window
            out["fps"] = served / window
        log("  grab-rtsp: %s us/frame, %.0f%% of a core, viewer got %d frames (%.1f fps)"
            % ("%.0f" % out["us_per_frame"] if "us_per_frame" in out else "-",
               out.get("cpu_pct") or 0, total, out.get("fps") or 0))
    except Exception as e:	# reported, never fatal
        log("  grab-rtsp: could not run: %s" % e)
        out["error"] = str(e)
    finally:
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def run_vm_bench(script, secs, timeout):
    """Run a VM benchmark script (tests/bench/*-vm.sh SECONDS), log what it
    printed, and return (its CompletedProcess, its BENCH lines by name), or
    (None, {}) if it timed out."""
    try:
        p = subprocess.run(["bash", os.path.join(ROOT, "tests", "bench", script), str(secs)],
                           capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        log("  timed out")
        return None, {}
    for line in (p.stdout + p.stderr).splitlines():
        if not line.startswith(("build-image", "Creating")):
            log("  " + line)
    runs = {}
    for line in p.stdout.splitlines():
        if line.startswith("BENCH "):
            kv = dict(f.split("=", 1) for f in line.split()[1:])
            runs[kv["name"]] = {k: (int(v) if v.isdigit() else v) for k, v in kv.items()}
    return p, runs


def vm_debs():
    """Build the Debian packages that the VM scenarios install once for all
    of them (make deb takes minutes): tests/system/vm.sh takes them from
    GRAB_VM_DEBS.  Returns the build directory to remove, or None (each
    script then builds its own)."""
    d = tempfile.mkdtemp(prefix="grab-bench-debs-")
    log("VM scenarios: make deb, once for all of them")
    p = subprocess.run(["nice", "-n", "10", "make", "-s", "-C", ROOT, "deb", "BUILD=" + d],
                       capture_output=True, text=True)
    if p.returncode != 0:
        log("  make deb failed; each VM scenario builds its own:\n  " +
            "\n  ".join((p.stdout + p.stderr).splitlines()[-10:]))
        shutil.rmtree(d, ignore_errors=True)
        return None
    os.environ["GRAB_VM_DEBS"] = os.path.join(d, "deb")
    return d


def ustreamer_scenario():
    """Scenario 7: tests/bench/ustreamer-vm.sh boots the system-test VM and
    runs uStreamer (raw memsink, 4 ustreamer-dump readers) and grabberd (4
    libgrab readers) one after the other on the kernel's vivid camera.  One
    run: it takes a VM boot.  Under emulation only the ratio means anything.
    BENCH_USTREAMER=0 leaves it out."""
    if os.environ.get("BENCH_USTREAMER", "1") == "0":
        log("uStreamer: left out (BENCH_USTREAMER=0)")
        return {"available": False}
    secs = max(10, int(SECS) * 3)
    log("uStreamer vs grabberd on vivid, in the system-test VM (%d s each)" % secs)
    p, runs = run_vm_bench("ustreamer-vm.sh", secs, 600)
    if p is None:
        return {"available": True, "ratio": None}
    m = re.search(r"ustreamer / grabberd: ([0-9.]+)x", p.stdout)
    return {"available": True, "seconds": secs, "runs": runs,
            "ratio": float(m.group(1)) if p.returncode == 0 and m else None}


def mjpeg_scenario():
    """tests/bench/mjpeg-vm.sh boots the system-test VM: two v4l2loopback
    cameras of the same size and rate, one MJPEG and one YUYV, each under its
    own grabberd with 4 MJPEG viewers, side by side; the daemons' CPU per
    frame.  One run (a VM boot).  Under emulation only the ratio means
    anything.  BENCH_MJPEG=0 leaves it out."""
    if os.environ.get("BENCH_MJPEG", "1") == "0":
        log("MJPEG camera: left out (BENCH_MJPEG=0)")
        return {"available": False}
    secs = max(10, int(SECS) * 5)
    log("MJPEG camera against a YUYV camera, HTTP viewers, in the system-test VM (%d s)" % secs)
    p, runs = run_vm_bench("mjpeg-vm.sh", secs, 900)
    if p is None:
        return {"available": True, "ratio": None}
    m = re.search(r"MJPEG / YUYV camera: ([0-9.]+)x", p.stdout)
    e = re.search(r"encodes per frame MJPEG camera: ([0-9.]+)", p.stdout)
    ok = p.returncode == 0
    return {"available": True, "seconds": secs, "runs": runs,
            "ratio": float(m.group(1)) if ok and m else None,
            "encodes_per_frame": float(e.group(1)) if ok and e else None}


def write_cdf(series):
    dat = os.path.join(OUT, "latency-cdf.dat")
    png = os.path.join(OUT, "latency-cdf.png")
    plots = []
    with open(dat, "w") as f:
        idx = 0
        for title, lats in series:
            if not lats:
                continue
            lats = sorted(lats)	# the runs' latencies, pooled
            n = len(lats)
            step = max(1, n // 2000)
            f.write("# %s\n" % title)
            for i in list(range(0, n, step)) + [n - 1]:
                f.write("%.3f %.6f\n" % (max(lats[i], 1) / 1000.0, (i + 1) / n))
            f.write("\n\n")
            plots.append("'%s' index %d with lines lw 2 title '%s'" % (dat, idx, title))
            idx += 1
    if not plots:
        log("latency CDF: no latencies measured")
        return None
    if not shutil.which("gnuplot"):
        log("latency CDF: gnuplot missing, data in " + dat)
        return None
    script = "\n".join([
        "set terminal pngcairo size 1000,600 noenhanced" if gp_has("pngcairo") else
        "set terminal png size 1000,600 noenhanced",
        "set output '%s'" % png,
        "set title 'Delivery latency, 1080p60 YUYV: publish -> client holds the frame'",
        "set logscale x", "set xlabel 'latency (us, log scale)'",
        "set ylabel 'fraction of frames'", "set yrange [0:1]", "set grid",
        "set key right bottom",
        "plot " + ", \\\n  ".join(plots), ""])
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode:
        log("latency CDF: gnuplot failed: " + p.stderr.strip())
        return None
    return png


def gnuplot(script, what):
    if not shutil.which("gnuplot"):
        log("%s: gnuplot missing" % what)
        return False
    p = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if p.returncode:
        log("%s: gnuplot failed: %s" % (what, p.stderr.strip()))
        return False
    return True


def terminal(size):
    return ("set terminal pngcairo size %s noenhanced" if gp_has("pngcairo") else
            "set terminal png size %s noenhanced") % size


def write_cdf_all(configs, lats):
    """Every scenario that records latencies, each in its own panel with its
    floor's CDF (same clients, rate and streams, same run) on the same axes."""
    dat = os.path.join(OUT, "latency-cdf-all.dat")
    png = os.path.join(OUT, "latency-cdf-all.png")
    names = [c["name"] for c in configs if lats.get(c["name"]) and floor_of(c)
             and lats.get(floor_of(c))]
    if not names:
        return None
    idx = {}
    with open(dat, "w") as f:
        for name in sorted(set(names) | {floor_of(c) for c in configs if c["name"] in names}):
            ls = sorted(lats[name])
            n = len(ls)
            step = max(1, n // 500)
            f.write("# %s\n" % name)
            for i in list(range(0, n, step)) + [n - 1]:
                f.write("%.3f %.6f\n" % (max(ls[i], 1) / 1000.0, (i + 1) / n))
            f.write("\n\n")
            idx[name] = len(idx)
    cols = 4
    rows = (len(names) + cols - 1) // cols
    lines = [terminal("1400,%d" % (260 * rows)), "set output '%s'" % png,
             "set multiplot layout %d,%d title 'Delivery latency CDF of every scenario (red) over its floor (grey): x latency in us, log scale; y fraction of frames'" % (rows, cols),
             "set logscale x", "set xrange [1:100000]", "set yrange [0:1]", "set grid",
             "set key right bottom font ',8'", "set tics font ',8'"]
    by = {c["name"]: c for c in configs}
    for name in names:
        fl = floor_of(by[name])
        lines += ["set title '%s' font ',10'" % name,
                  "plot '%s' index %d with lines lw 2 lc rgb '#999999' title '%s', "
                  "'%s' index %d with lines lw 2 lc rgb '#cc0000' title '%s'"
                  % (dat, idx[fl], fl, dat, idx[name], name)]
    lines += ["unset multiplot", ""]
    return png if gnuplot("\n".join(lines), "latency CDF (all)") else None


def write_cpu_vs_n(runs):
    """The daemon's CPU per frame against the number of clients of one
    stream, with the floor server's beside it (median, bars: min-max), and
    8 streams x 8 clients as single points at 64."""
    dat = os.path.join(OUT, "cpu-vs-clients.dat")
    rows = []
    for n in (1, 16, 64, 256):
        g = agg([r.get("server_us_per_frame") for r in runs.get("dma-VGA-%d" % n, [])])
        f = agg([r.get("server_us_per_frame") for r in runs.get("floor-%d" % n, [])])
        if g[0] is not None and f[0] is not None:
            rows.append((n, g, f))
    if not rows:
        return None
    with open(dat, "w") as out:
        out.write("# N grabberd(med min max) floor(med min max)\n")
        for n, g, f in rows:
            out.write("%d %.3f %.3f %.3f %.3f %.3f %.3f\n" % ((n,) + g + f))
        out.write("\n\n")
        g = agg([r.get("server_us_per_frame") for r in runs.get("dma-VGA-8x8", [])])
        f = agg([r.get("server_us_per_frame") for r in runs.get("floor-8x8", [])])
        if g[0] is not None and f[0] is not None:
            out.write("64 %.3f %.3f %.3f %.3f %.3f %.3f\n" % (g + f))
    pics = []
    for ext, term in (("png", terminal("900,560")), ("svg", "set terminal svg size 900,560 noenhanced")):
        path = os.path.join(OUT, "cpu-vs-clients." + ext)
        script = "\n".join([
            term, "set output '%s'" % path,
            "set title \"Daemon CPU per frame against clients of one stream (VGA 60 fps, DMA stand-in) and the floor server's\"",
            "set logscale x 2", "set xrange [0.7:400]", "set xlabel 'clients (N)'",
            "set ylabel 'server CPU per frame (us)'", "set yrange [0:*]", "set grid",
            "set key left top",
            "plot '{0}' index 0 using 1:2:3:4 with yerrorlines lw 2 lc rgb '#cc0000' title 'grabberd (one stream)', "
            "'{0}' index 0 using 1:5:6:7 with yerrorlines lw 2 lc rgb '#666666' title 'floor: bare notifications', "
            "'{0}' index 1 using 1:2:3:4 with yerrorbars pt 7 ps 1.5 lc rgb '#cc0000' title 'grabberd, 8 streams x 8', "
            "'{0}' index 1 using 1:5:6:7 with yerrorbars pt 5 ps 1.5 lc rgb '#666666' title 'floor, 8 streams x 8'".format(dat),
            ""])
        if gnuplot(script, "CPU against clients"):
            pics.append(path)
    return pics


def gp_has(term):
    p = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return term in (p.stdout + p.stderr)


def raise_fd_limit():
    """256 clients and more: the daemon holds a socket and a few fds per
    client; every process started inherits the raised limit."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    only = os.environ.get("BENCH_ONLY")
    nofile = raise_fd_limit()
    configs = [c for c in CONFIGS if not only or re.search(only, c["name"])]
    os.makedirs(OUT, exist_ok=True)
    start = time.monotonic()
    log("grab benchmarks: %d scenarios x %d runs, %.0f s each after %.0f s warm-up, %s"
        % (len(configs), REPEATS, SECS, WARMUP,
           "; ".join("%s: %s" % kv for kv in machine().items())))
    runs = {c["name"]: [] for c in configs}
    lats = {c["name"]: [] for c in configs}
    errors = []
    for rep in range(REPEATS):
        for c in configs:
            tmp = tempfile.mkdtemp(prefix="grab-bench-")
            run = Run(c, tmp)
            try:
                r, l = run.measure()
                runs[c["name"]].append(r)
                lats[c["name"]].extend(l)
                log("  run %d/%d %-24s p99 %8s us  server %7.1f us/frame  total %8.1f us/frame  missed %.1f%%"
                    % (rep + 1, REPEATS, c["name"],
                       "%.0f" % r["lat_p99_us"] if "lat_p99_us" in r else "-",
                       r["server_us_per_frame"], r["total_us_per_frame"], r["missed_pct"]))
            except Exception as e:	# one broken scenario must not hide the others
                errors.append("%s run %d: %s" % (c["name"], rep + 1, e))
                log("  run %d/%d %-24s FAILED: %s" % (rep + 1, REPEATS, c["name"], e))
            finally:
                run.cleanup()
                shutil.rmtree(tmp, ignore_errors=True)

    def wanted(name):
        return not only or re.search(only, name)

    off = {"available": False}
    http = http_scenario() if wanted("http") else off
    rtsp = rtsp_scenario() if wanted("grab-rtsp") else off
    debs = vm_debs() if (wanted("ustreamer") and os.environ.get("BENCH_USTREAMER", "1") != "0") or \
        (wanted("mjpeg-camera") and os.environ.get("BENCH_MJPEG", "1") != "0") else None
    try:
        ustreamer = ustreamer_scenario() if wanted("ustreamer") else off
        mjpeg = mjpeg_scenario() if wanted("mjpeg-camera") else off
    finally:
        if debs:
            shutil.rmtree(debs, ignore_errors=True)
            os.environ.pop("GRAB_VM_DEBS", None)

    # The table.
    cols = [("lat p50 us", "lat_p50_us", 0), ("lat p99 us", "lat_p99_us", 0),
            ("lat max us", "lat_max_us", 0), ("server us/fr", "server_us_per_frame", 1),
            ("client us/fr", "client_us_per_frame", 1), ("total us/fr", "total_us_per_frame", 1),
            ("CPU %", "cpu_pct", 1), ("missed %", "missed_pct", 2),
            ("fps/client", "fps_per_client", 1), ("RSS MB", "server_rss_mb", 0)]
    head = "%-24s %-8s %4s " % ("scenario", "size", "cli") + " ".join("%12s" % h for h, _, _ in cols)
    lines = [head, "-" * len(head)]
    group = None
    for c in configs:
        if c["group"] != group:
            group = c["group"]
            lines.append("[%s]" % group)
        rs = runs[c["name"]]
        cli = "%d%s" % (c["clients"], "+1" if c["stalled"] else "")
        lines.append("%-24s %-8s %4s " % (c["name"], c["size"], cli) +
                     " ".join("%12s" % fmt_cell(rs, k, d) for _, k, d in cols))
    log("")
    log("median of %d runs, ±: half the spread (max-min) in %% of the median" % REPEATS)
    for line in lines:
        log(line)

    # The goals.
    def med(name, key):
        return agg([r.get(key) for r in runs.get(name, [])])[0]

    goals = []
    by_name = {c["name"]: c for c in configs}

    def goal(text, value, target, met, unit=""):
        goals.append({"goal": text, "measured": value, "target": target,
                      "met": bool(met) if value is not None and target is not None else None})

    def ratio(a, b):
        return a / b if a is not None and b else None

    def vs_floor(name, key):
        """@name's median @key over its floor's, both from this run."""
        c = by_name.get(name)
        f = floor_of(c) if c else None
        return ratio(med(name, key), med(f, key)) if f in by_name else None

    p99_16 = med("grab-1080p-16", "lat_p99_us")
    r = vs_floor("grab-1080p-16", "lat_p99_us")
    goal("p99 delivery latency, 16 clients x 1080p60, at most 1.5x the floor's (16 bare notifications; grabberd / floor)",
         r, 1.5, r is not None and r <= 1.5)
    # The machine-vision rates: 1000 fps GREY, DMA stand-in, 1/4/16 clients.
    for name in [c["name"] for c in configs if c["name"].startswith("hf-") and c["kind"] == "grab-dma"]:
        n = by_name[name]["clients"]
        r = vs_floor(name, "server_us_per_frame")
        goal("%s: daemon CPU per frame at most 1.5x the floor server's, %d client(s) (grabberd / floor)"
             % (name, n), r, 1.5, r is not None and r <= 1.5)
        r = vs_floor(name, "fps_produced")
        goal("%s: frames made per second at least 0.95x the floor server's (%s / %s fps)"
             % (name, fmt_num(med(name, "fps_produced")),
                fmt_num(med(floor_of(by_name[name]), "fps_produced"))),
             r, 0.95, r is not None and r >= 0.95)
        r = vs_floor(name, "client_us_per_frame")
        goal("%s: a client's CPU per frame at most 1.2x the floor client's (lat-client / floor)"
             % name, r, 1.2, r is not None and r <= 1.2)
        g, f = med(name, "missed_pct"), med(floor_of(by_name[name]), "missed_pct")
        goal("%s: clients miss no more than the floor's clients, within 0.1 point (missed %%: %s / floor %s)"
             % (name, "-" if g is None else "%.2f" % g, "-" if f is None else "%.2f" % f),
             g, f, g is not None and f is not None and g <= f + 0.1)
    r = vs_floor("hf-test-QVGA-16", "server_us_per_frame")
    goal("  for information: the same with the test source writing every pixel, QVGA x 16 (grabberd / floor)",
         r, None, None)
    # Every loss told: what grabberd's clients were told they missed equals
    # what their sequence numbers show, in every run of every scenario.
    told = [(name, r.get("missed"), r.get("gaps")) for name, rs in runs.items()
            if by_name[name]["kind"] in ("grab", "grab-dma", "grab-c+py") for r in rs
            if "gaps" in r]
    bad = [x for x in told if x[1] != x[2]]
    goal("every frame a grabberd client lost was told to it (runs where told == sequence gaps: %d of %d; frames lost in all: %d)"
         % (len(told) - len(bad), len(told), sum(x[2] for x in told)),
         float(len(told) - len(bad)), float(len(told)), bool(told) and not bad)
    # Many clients of one stream, many streams.
    for name in ("dma-VGA-1", "dma-VGA-16", "dma-VGA-64", "dma-VGA-256", "dma-VGA-8x8"):
        if name not in by_name:
            continue
        r = vs_floor(name, "server_us_per_frame")
        goal("%s: daemon CPU per frame at most 1.5x the floor server's, %s (grabberd / floor)"
             % (name, "8 streams x 8 clients" if by_name[name]["streams"] > 1
                else "%d client(s)" % by_name[name]["clients"]),
             r, 1.5, r is not None and r <= 1.5)
    ms99 = med("memsink-1080p-16", "lat_p99_us")
    r = ms99 / p99_16 if ms99 and p99_16 else None
    goal("p99 at most 1/10 of the uStreamer-style polling reader's (their p99 / ours)",
         r, 10, r is not None and r >= 10)
    v, k = med("dma-VGA-16", "server_us_per_frame"), med("dma-4K-16", "server_us_per_frame")
    r = k / v if v and k else None
    goal("daemon CPU per frame at 4K within 1.2x of VGA (4K / VGA, DMA stand-in)",
         r, 1.2, r is not None and r <= 1.2)
    v, k = med("grab-VGA-16", "server_us_per_frame"), med("grab-4K-16", "server_us_per_frame")
    r2 = k / v if v and k else None
    goal("  the same with the test source filling the pattern (4K / VGA, for information)",
         r2, None, None)
    g, cp = med("dma-4K-16", "total_us_per_frame"), med("copy-dma-4K-16", "total_us_per_frame")
    r = cp / g if g and cp else None
    goal("4K x 16 clients: at least 50x less total CPU per delivered frame than the copy baseline (copy / grab, DMA stand-in both)",
         r, 50, r is not None and r >= 50)
    g, cp = med("grab-4K-16", "total_us_per_frame"), med("copy-4K-16", "total_us_per_frame")
    r = cp / g if g and cp else None
    goal("  the same with both filling the test pattern (copy / grab, for information)",
         r, None, None)
    a, b = med("grab-1080p-16+stalled", "lat_p99_us_healthy"), med("grab-1080p-16+stalled", "lat_p99_us_stalled")
    r = med("grab-1080p-16+stalled", "isolation_ratio")
    goal("healthy clients' p99 moves at most 10%% with one stalled client (stalled / healthy phases, %s / %s us)"
         % ("%.0f" % b if b else "-", "%.0f" % a if a else "-"),
         r, 1.1, r is not None and r <= 1.1)
    for n in ("1", "16"):
        g, sh = med("grabsrc-1080p-" + n,
                    "client_us_per_frame"), med("gst-1080p-" + n, "client_us_per_frame")
        r = g / sh if g and sh else None
        goal("  for information: grabsrc (copy) reader CPU per frame over shmsrc's, %s reader(s), 1080p60 (grabsrc / shmsrc)" % n,
             r, None, None)
        z = med("grabsrc-zc-1080p-" + n, "client_us_per_frame")
        r = g / z if g and z else None
        goal("  for information: grabsrc copy over zero-copy=true, reader CPU per frame, %s reader(s), 1080p60 (copy / wrap)" % n,
             r, None, None)
    r = rtsp.get("us_per_frame")
    goal("  for information: grab-rtsp CPU per frame served, 1080p30 H.264, 1 viewer (us/frame; %s)"
         % ("%.0f%% of a core" % rtsp["cpu_pct"] if rtsp.get("cpu_pct") is not None else "not measured"),
         r, None, None)
    r = med("c+py-1080p", "py_over_c")
    each = [x.get("client_us_per_frame_each") for x in runs.get("c+py-1080p", [])]
    each = [e for e in each if e and len(e) >= 2]
    detail = " (C %.0f, Python %.0f us/frame)" % (
        agg([e[0] for e in each])[0], agg([e[1] for e in each])[0]) if each else ""
    goal("Python reader's CPU per frame at most 2x the C reader's, side by side on one 1080p60 stream (frame + its NumPy view; py / C)"
         + detail, r, 2, r is not None and r <= 2)
    r = http.get("ratio_median")
    goal("HTTP: daemon CPU with 16 MJPEG viewers at most 1.3x that of 1 (16 / 1, 1080p30, median)"
         + ("" if http.get("available") else " [scenario not available yet]"),
         r, 1.3, r is not None and r <= 1.3)
    r = ustreamer.get("ratio")
    goal("  for information: uStreamer's CPU per delivered frame over grabberd's, same vivid camera, 4 readers each (in the VM)"
         + ("" if ustreamer.get("available") else " [left out]"), r, None, None)
    r = mjpeg.get("ratio")
    goal("HTTP: daemon CPU per frame, MJPEG viewers of an MJPEG camera at most 0.25x that of a YUYV camera of the same size (MJPEG / YUYV, 640x480 15 fps, in the VM)"
         + ("" if mjpeg.get("available") else " [left out]"), r, 0.25, r is not None and r <= 0.25)
    r = mjpeg.get("encodes_per_frame")
    goal("HTTP: JPEG encodes per frame of the MJPEG camera: none (its bytes as they came)"
         + ("" if mjpeg.get("available") else " [left out]"), r, 0.0, r is not None and r == 0)
    readers = readers_table(runs, http, rtsp, med)
    for line in readers:
        log(line)
    lines += [""] + readers

    log("")
    log("goals (ratios from this run):")
    for gl in goals:
        state = ("info" if gl["target"] is None else "n/a") if gl["met"] is None else \
            ("met" if gl["met"] else "NOT MET")
        val = "-" if gl["measured"] is None else "%.2f" % gl["measured"]
        log("  %-118s %8s  %s" % (gl["goal"], val, state))

    os.makedirs(OUT, exist_ok=True)
    pics = [write_cdf_all(configs, lats)] + (write_cpu_vs_n(runs) or [])
    png = write_cdf([
        ("floor: bare notification, 16 clients", lats.get("floor-16")),
        ("grabberd, 1 client", lats.get("grab-1080p-1")),
        ("grabberd, 16 clients", lats.get("grab-1080p-16")),
        ("grabberd, 64 clients", lats.get("grab-1080p-64")),
        ("grabberd, 16 + 1 stalled", lats.get("grab-1080p-16+stalled")),
        ("copy over socket, 16 clients", lats.get("copy-1080p-16")),
        ("memsink polling reader, 16 clients", lats.get("memsink-1080p-16")),
    ])
    wall = time.monotonic() - start
    result = {
        "machine": machine(),
        "parameters": {"seconds": SECS, "warmup": WARMUP, "repeats": REPEATS, "fps": FPS},
        "scenarios": [dict(c, runs=runs[c["name"]],
                           median={k: agg([r.get(k) for r in runs[c["name"]]])[0]
                                   for _, k, _ in cols},
                           spread={k: agg([r.get(k) for r in runs[c["name"]]])[1:]
                                   for _, k, _ in cols})
                      for c in configs],
        "http": http,
        "rtsp": rtsp,
        "ustreamer": ustreamer,
        "mjpeg_camera": mjpeg,
        "goals": goals,
        "errors": errors,
        "wall_s": round(wall, 1),
    }
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(OUT, "table.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    log("")
    pics = [x for x in [png] + pics if x]
    log("wrote %s/results.json, %s/table.txt%s; %.0f s" % (
        OUT, OUT, "".join(", " + x for x in pics), wall))
    if errors:
        log("scenarios that could not run:")
        for e in errors:
            log("  " + e.splitlines()[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
