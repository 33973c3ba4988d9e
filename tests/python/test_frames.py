# SPDX-License-Identifier: MIT
"""Frames as arrays: byte for byte what grab-capture writes, in every
format grabberd produces; read only; the ring's own memory."""
import numpy as np
import pytest

import grab
from conftest import FMT_H, FMT_W, fmt_stream, format_names, header_formats
from helpers import array_address, capture_alongside, read_while, ring_mapping


def expected_shapes(name, w, h):
    """(array shape, dtype, plane shapes) the README promises per format."""
    if name in ("YUYV", "UYVY"):
        return (h, w, 2), np.uint8, [(h, w, 2)]
    if name in ("RGB3", "BGR3"):
        return (h, w, 3), np.uint8, [(h, w, 3)]
    if name in ("GREY", "RGGB", "BA81", "GRBG", "GBRG"):
        return (h, w), np.uint8, [(h, w)]
    if name == "Y16":
        return (h, w), np.dtype("<u2"), [(h, w)]
    if name == "NV12":
        return (h * 3 // 2, w), np.uint8, [(h, w), (h // 2, w // 2, 2)]
    if name == "YU12":
        return (h * 3 // 2, w), np.uint8, [(h, w), (h // 2, w // 2), (h // 2, w // 2)]
    if name == "MJPG":
        return None, np.uint8, None
    raise AssertionError(f"no expected shape for format {name}: add it here and in frame.c")


def test_module_knows_every_format_of_the_header():
    """A format added to grab.h without a row in the module's table fails
    here (frame.array would be flat bytes)."""
    assert set(header_formats()) == set(grab.formats().values())
    for name in grab.formats():
        expected_shapes(name, FMT_W, FMT_H)


def accepted_stream(formats_accepted, name):
    refusal = formats_accepted[name]
    if refusal is not None:
        pytest.skip(f"grabberd --check-config refuses format {name}: {refusal}")
    return fmt_stream(name)


@pytest.mark.parametrize("name", format_names())
def test_array_equals_grab_capture_raw(daemon, formats_accepted, name, tmp_path):
    stream = accepted_stream(formats_accepted, name)
    with grab.connect(stream, socket=daemon.sock) as s:
        info = s.info()
        assert info["format"] == name
        first = s.next(timeout=5)
        assert first is not None
        shape, dtype, plane_shapes = expected_shapes(name, info["width"], info["height"])
        a = first.array
        assert a.dtype == dtype
        if shape is None:
            assert a.ndim == 1 and a.size == first.bytes
        else:
            assert a.shape == shape
            assert a.strides[0] == info["bytesperline"]
            assert [p.shape for p in first.planes] == plane_shapes
        del a
        first.release()

        def take(f):
            whole = f.array.tobytes()
            planes = b"".join(p.tobytes() for p in f.planes)
            return whole, planes
        proc = capture_alongside(stream, daemon.sock, str(tmp_path), "raw", 6)
        got, files = read_while(proc, s, take)
    same = 0
    for seq, path in files.items():
        if seq not in got:
            continue
        with open(path, "rb") as f:
            raw = f.read()
        whole, planes = got[seq]
        if shape is None:       # compressed: the frame's bytes
            assert raw[:len(whole)] == whole, f"frame {seq} differs"
        else:
            assert whole == raw, f"frame {seq}: frame.array differs from grab-capture's raw"
            assert planes == raw, f"frame {seq}: frame.planes differ from grab-capture's raw"
        same += 1
    print(f"# {name}: {same} frames equal grab-capture's raw output byte for byte")
    assert same >= 3, f"only {same} frames in common ({sorted(got)} vs {sorted(files)})"


def test_array_is_read_only(daemon):
    with grab.connect("vga", socket=daemon.sock) as s:
        f = s.next(timeout=5)
        a = f.array
        assert not a.flags.writeable
        with pytest.raises(ValueError):
            a[0, 0, 0] = 1
        with pytest.raises(ValueError):
            a.flags.writeable = True
        with pytest.raises(ValueError):
            np.copyto(a, 0)
        v = a[10:20, 5:9]
        assert not v.flags.writeable
        with pytest.raises(ValueError):
            v.flags.writeable = True
        assert memoryview(a).readonly
        assert np.asarray(f) is a
        c = f.copy()
        assert c.flags.writeable and c.flags.owndata
        c[0, 0, 0] ^= 0xff      # the copy is the caller's
        f.release()


def test_array_is_the_ring_memory(daemon):
    """No copy: the array's buffer lies in the read-only shared mapping of
    the daemon's ring (a memfd), and so do the planes."""
    with grab.connect("vga", socket=daemon.sock) as s:
        info = s.info()
        f = s.next(timeout=5)
        a = f.array
        line = ring_mapping(array_address(a))
        assert line is not None
        print("# frame.array lies in: " + line)
        perms, name = line.split()[1], line.split()[-2] if "(deleted)" in line else line.split()[-1]
        assert perms.startswith("r-") and perms.endswith("s"), line
        assert "grab-ring-vga" in name, line
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        assert hi - lo >= info["ring_size"]
        assert array_address(a) + a.nbytes <= hi
        for p in f.planes:
            assert ring_mapping(array_address(p)) == line
        f2 = s.next(timeout=5)
        assert ring_mapping(array_address(f2.array)) == line
        assert array_address(f2.array) != array_address(a)


def test_array_outlives_release_and_close(daemon):
    """An array keeps its frame, and the mapping, after release() and
    close(); the mapping goes when the last array does."""
    s = grab.connect("vga", socket=daemon.sock)
    f = s.next(timeout=5)
    a = f.array
    before = f.copy()
    addr = array_address(a)
    f.release()
    assert f.released and not f.intact()
    with pytest.raises(ValueError):
        f.array
    s.close()
    assert s.closed
    with pytest.raises(ValueError):
        s.next(0)
    assert ring_mapping(addr) is not None
    assert a.shape == before.shape and int(a.sum()) >= 0   # readable, no crash
    del a
    import gc
    gc.collect()
    assert ring_mapping(addr) is None, "the ring stayed mapped after the last array died"


def test_too_many_frames_is_an_exception(daemon):
    with grab.connect("vga", socket=daemon.sock) as s:
        arrays = []
        for _ in range(grab.MAX_HELD):
            f = s.next(timeout=5)
            arrays.append(f.array)      # the array holds the frame
            f.release()
        with pytest.raises(grab.TooManyFrames) as e:
            s.next(timeout=5)
        assert e.value.errno == 16 and isinstance(e.value, OSError)
        print(f"# {e.value}")
        arrays.pop()
        assert s.next(timeout=5) is not None


def test_frame_metadata_and_rewind(daemon):
    import time
    with grab.connect("vga", socket=daemon.sock) as s:
        f = s.next(timeout=5)
        g = s.next(timeout=5)
        assert g.sequence > f.sequence
        assert 0 < g.timestamp_ns <= time.monotonic_ns()
        assert (f.width, f.height, f.format, f.bytesperline) == (320, 240, "YUYV", 640)
        assert g.missed == g.sequence - f.sequence - 1
        f.release(), g.release()
        n = s.rewind(4)
        assert 1 <= n <= 4
        seqs = [s.next(timeout=5).sequence for _ in range(n)]
        assert seqs == sorted(seqs) and seqs[-1] <= g.sequence + n
        st = s.stats()
        assert st["state"] == "running" and st["clients"] >= 1 and st["source"] == "test:"
        assert s.info()["slots"] == 8


def test_fileno_works_with_selectors(daemon):
    import selectors
    with grab.connect("vga", socket=daemon.sock) as s:
        sel = selectors.DefaultSelector()
        sel.register(s.fileno(), selectors.EVENT_READ)
        got = None
        for _ in range(50):
            if sel.select(timeout=0.5):
                got = s.next(timeout=0)
                if got is not None:
                    break
        sel.close()
        assert got is not None
