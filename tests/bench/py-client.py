# SPDX-License-Identifier: MIT
"""A grabberd client for the benchmarks in Python (the module `grab`): the
twin of lat-client.c, with the same signals and RESULT line
(bench-client.h): SIGUSR1 starts measuring, SIGUSR2 prints RESULT and
exits.

    py-client.py SOCKET [STREAM]

Per frame it does what a Python application does first: takes the frame
and its NumPy view (frame.array, no copy), then releases it; like
lat-client it does not read the pixels (what an application then does
with them costs the same whatever brought them)."""
import os
import signal
import sys
import time

measuring = False
stop = False


def on_signal(sig, _):
    global measuring, stop
    if sig == signal.SIGUSR1:
        measuring = True
    else:
        stop = True


def main():
    s = grab.connect(sys.argv[2] if len(sys.argv) > 2 else None, socket=sys.argv[1])
    lat, ts = [], []
    missed = gaps = 0
    first = last = None
    while not stop:
        f = s.next(timeout=0.5)
        if f is None:
            continue
        a = f.array
        if measuring:
            now = time.monotonic_ns()
            lat.append(min(max(now - f.timestamp_ns, 0), 4000000000))
            ts.append(f.timestamp_ns)
            if first is None:
                first = f.sequence
            else:
                missed += f.missed
                gaps += max(0, f.sequence - last - 1)
            last = f.sequence
        del a
        f.release()
    d = os.environ.get("BENCH_LAT_DIR")
    if d and lat:
        with open(os.path.join(d, "%d.lat" % os.getpid()), "w") as out:
            out.writelines("%d %d\n" % x for x in zip(ts, lat))
    lat.sort()

    def pct(p):
        return lat[int(p * (len(lat) - 1) + 0.5)] / 1000.0 if lat else 0.0
    print("RESULT client=python pid=%d frames=%d missed=%d gaps=%d first=%d last=%d "
          "p50_us=%.1f p99_us=%.1f max_us=%.1f"
          % (os.getpid(), len(lat), missed, gaps, first or 0, last or 0,
             pct(0.5), pct(0.99), pct(1.0)), flush=True)


if __name__ == "__main__":
    # Before the slow imports (NumPy): SIGUSR1's default action kills.
    for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM):
        signal.signal(sig, on_signal)
    import grab
    main()
