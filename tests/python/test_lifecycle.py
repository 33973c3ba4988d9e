# SPDX-License-Identifier: MIT
"""Errors, overwritten frames, daemon restarts and threads."""
import errno
import gc
import os
import signal
import socket
import threading
import time

import pytest

import grab
from conftest import SHARED, stream_section


def test_no_daemon(tmp_path):
    with pytest.raises(grab.NoDaemon) as e:
        grab.connect(socket=str(tmp_path / "nobody.sock"))
    assert e.value.errno == errno.ENOENT and isinstance(e.value, OSError)
    assert "not running" in str(e.value)
    # A socket file nobody listens on.
    path = str(tmp_path / "dead.sock")
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sk.bind(path)
    sk.close()
    with pytest.raises(grab.NoDaemon) as e:
        grab.connect(socket=path)
    assert e.value.errno == errno.ECONNREFUSED
    print(f"# {e.value}")


def test_no_stream(daemon):
    with pytest.raises(grab.NoStream) as e:
        grab.connect("no-such-stream", socket=daemon.sock)
    assert e.value.errno == errno.ENOENT
    assert "no-such-stream" in str(e.value)


def test_source_failed_gives_the_daemons_reason(daemon):
    with grab.connect("broken", socket=daemon.sock) as s:
        with pytest.raises(grab.SourceFailed) as e:
            s.next(timeout=3)
        assert "grab-python-no-such-camera" in str(e.value), str(e.value)
        print(f"# {e.value}")
        assert s.stats()["state"] == "failed"


def test_bad_arguments():
    with pytest.raises(ValueError):
        grab.connect(socket="/x" * 100)
    with pytest.raises(TypeError):
        grab.connect(socket=3)


def test_intact_turns_false_when_lapped(daemon):
    """A frame held while the producer goes round the ring (4 slots) is no
    longer intact, and copy() refuses it."""
    slots = 4
    with grab.connect("lap", socket=daemon.sock) as s:
        held = s.next(timeout=5)
        assert held.intact()
        good = held.copy()
        deadline = time.monotonic() + 15
        newest = held.sequence
        while newest <= held.sequence + slots and time.monotonic() < deadline:
            f = s.next(timeout=1)
            if f is not None:
                newest = f.sequence
                f.release()
        assert newest > held.sequence + slots, "the producer did not lap the frame in time"
        assert not held.intact()
        with pytest.raises(grab.Overwritten) as e:
            held.copy()
        print(f"# {e.value}")
        assert good.shape == held.array.shape


def test_iteration_goes_on_across_a_daemon_restart(private_daemon):
    d = private_daemon([stream_section("default", fps=30, slots=8)]).start()
    seen = []

    def restart():
        d.stop()
        time.sleep(0.3)
        d.start()
    timer = None
    def too_long(*a):
        raise TimeoutError("iteration stopped at the restart")
    old = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(30)
    try:
        with grab.connect(socket=d.sock) as s:
            for f in s:
                seen.append((s.generation, f.sequence))
                f.release()
                if len(seen) == 5:
                    timer = threading.Timer(0, restart)
                    timer.start()
                if s.generation >= 2 and sum(1 for g, _ in seen if g >= 2) >= 5:
                    break
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        if timer:
            timer.join()
    after = [q for g, q in seen if g >= 2]
    print(f"# {len(seen)} frames, {len(after)} after the restart (sequences restart at {after[0]})")
    assert after == sorted(after)


def test_a_signal_interrupts_a_wait(daemon):
    """KeyboardInterrupt (here: an exception from a SIGALRM handler) comes
    out of a wait with no timeout."""
    def boom(*a):
        raise InterruptedError("alarm")
    old = signal.signal(signal.SIGALRM, boom)
    try:
        with grab.connect("broken", socket=daemon.sock) as s:
            signal.setitimer(signal.ITIMER_REAL, 0.3)
            t0 = time.monotonic()
            with pytest.raises(InterruptedError):
                s.next()
            assert time.monotonic() - t0 < 5
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_another_thread_runs_while_one_waits(daemon):
    """The GIL is released while waiting: a counting thread makes progress
    during a 0.5 s wait for a frame of a 1 fps stream."""
    with grab.connect("slow", socket=daemon.sock) as s:
        assert s.next(timeout=5) is not None
        count = [0]
        stop = threading.Event()

        def spin():
            while not stop.is_set():
                count[0] += 1
        t = threading.Thread(target=spin)
        t.start()
        time.sleep(0.05)
        c0, t0 = count[0], time.monotonic()
        s.next(timeout=0.5)
        c1, waited = count[0], time.monotonic() - t0
        stop.set()
        t.join()
    print(f"# the other thread counted {c1 - c0} while this one waited {waited:.2f} s")
    assert waited >= 0.2
    assert c1 - c0 > 10000


def test_arrays_dropped_in_another_thread_while_waiting(private_daemon):
    """An array whose last reference goes in another thread while this one
    waits (holding the handle) gives its frame back: afterwards MAX_HELD
    frames can be held again."""
    d = private_daemon([stream_section("default", fps=30, slots=16)]).start()
    with grab.connect(socket=d.sock) as s:
        arrays = []
        for _ in range(grab.MAX_HELD - 1):
            f = s.next(timeout=5)
            arrays.append(f.array)
            f.release()
        os.kill(d.proc.pid, signal.SIGUSR1)     # stall the test source
        time.sleep(0.1)
        while True:                             # frames already sent
            f = s.next(timeout=0)
            if f is None:
                break
            f.release()
        waiting = threading.Event()
        dropped = []

        def drop():
            waiting.wait(5)
            time.sleep(0.2)
            arrays.clear()
            gc.collect()
            dropped.append(time.monotonic())
        t = threading.Thread(target=drop)
        t.start()
        waiting.set()
        t0 = time.monotonic()
        assert s.next(timeout=1.0) is None      # waits, holding the handle
        t1 = time.monotonic()
        t.join()
        assert dropped and t0 < dropped[0] < t1, "the arrays were not dropped during the wait"
        os.kill(d.proc.pid, signal.SIGUSR1)     # resume
        held = []
        for _ in range(grab.MAX_HELD):
            f = s.next(timeout=5)
            assert f is not None
            held.append(f)
        assert len(held) == grab.MAX_HELD


def test_one_stream_used_by_two_threads_does_not_crash(daemon):
    """Documented as one stream per thread; sharing one is serialised, not a
    crash."""
    errors = []
    with grab.connect("fast", socket=daemon.sock) as s:
        def reader():
            try:
                for _ in range(300):
                    f = s.next(timeout=5)
                    a = f.array
                    a.sum()
                    del a
                    f.release()
            except Exception as e:      # noqa: BLE001
                errors.append(e)
        ts = [threading.Thread(target=reader) for _ in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
    assert not errors, errors
