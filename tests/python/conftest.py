# SPDX-License-Identifier: MIT
"""The python tier's fixtures: real grabberd processes on private sockets in
temp dirs, the built module on sys.path, and TAP output.

Every test result is written as a TAP line ("ok - name" / "not ok - name")
to $GRAB_TAP (tests/python/run.sh prints it); a skipped test is a "# skip"
note there, never an "ok"."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
GRABBERD = os.path.join(BUILD, "grabberd")
GRAB_CAPTURE = os.path.join(BUILD, "grab-capture")
sys.path.insert(0, os.path.join(BUILD, "python"))

import grab  # noqa: E402  (the module just built, not an installed one)

assert os.path.dirname(grab.__file__) == os.path.join(BUILD, "python"), grab.__file__

# The format tests' geometry, and the formats in the public header.
FMT_W, FMT_H = 160, 120


def header_formats():
    """{fourcc: macro name} of every GRAB_PIXFMT_* in grab.h."""
    with open(os.path.join(ROOT, "client-lib/include/grab/grab.h")) as f:
        text = f.read()
    return {int(v, 16): n for n, v in
            re.findall(r"#define GRAB_PIXFMT_(\w+)\s+0x([0-9a-fA-F]+)u", text)}


def format_names():
    """Every format's canonical name, from the header's fourccs."""
    by_fourcc = {v: k for k, v in grab.formats().items()}
    names = []
    for fourcc, macro in sorted(header_formats().items(), key=lambda kv: kv[1]):
        names.append(by_fourcc.get(fourcc, macro))
    return names


def stream_section(name, source="test:", width=FMT_W, height=FMT_H,
                   fmt="YUYV", fps=30, slots=16):
    return (f"[stream {name}]\nsource = {source}\nwidth = {width}\n"
            f"height = {height}\nformat = {fmt}\nfps = {fps}\nslots = {slots}\n")


class Daemon:
    """A grabberd on a private socket in its own temp dir."""

    def __init__(self, sections, linger_ms=300):
        self.dir = tempfile.mkdtemp(prefix="grab-python.")
        self.sock = os.path.join(self.dir, "grabberd.sock")
        self.conf = os.path.join(self.dir, "grabberd.conf")
        self.log = os.path.join(self.dir, "grabberd.log")
        with open(self.conf, "w") as f:
            f.write(f"[grabberd]\nsocket = {self.sock}\nlinger_ms = {linger_ms}\n")
            f.write("".join(sections))
        self.proc = None

    def start(self, timeout=10):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen([GRABBERD, "-c", self.conf],
                                     stderr=logf, stdin=subprocess.DEVNULL)
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if os.path.exists(self.sock) and "serving on" in self.read_log():
                return self
            time.sleep(0.02)
        raise RuntimeError("grabberd did not start:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def check_config(section):
    """None if grabberd --check-config accepts a config of @section, else
    what it said."""
    d = tempfile.mkdtemp(prefix="grab-python-check.")
    try:
        conf = os.path.join(d, "c.conf")
        with open(conf, "w") as f:
            f.write(f"[grabberd]\nsocket = {d}/s.sock\n" + section)
        r = subprocess.run([GRABBERD, "--check-config", "-c", conf],
                           capture_output=True, text=True, timeout=30)
        return None if r.returncode == 0 else (r.stdout + r.stderr).strip()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def fmt_stream(name):
    return "fmt-" + re.sub(r"[^a-z0-9]", "", name.lower())


# Streams of the shared daemon: name -> section.  Test sources run only
# while someone watches, so the idle ones cost nothing.
SHARED = {
    "big": stream_section("big", width=1920, height=1080, fps=60, slots=8),
    "fast": stream_section("fast", width=64, height=48, fmt="GREY", fps=1000, slots=16),
    "slow": stream_section("slow", fps=1, slots=4),
    "lap": stream_section("lap", fps=10, slots=4),
    "vga": stream_section("vga", width=320, height=240, fps=30, slots=8),
    "broken": stream_section("broken", source="v4l2:/dev/grab-python-no-such-camera"),
}


@pytest.fixture(scope="session")
def formats_accepted():
    """{format name: None if grabberd takes it, else its refusal}."""
    return {n: check_config(stream_section(fmt_stream(n), fmt=n))
            for n in format_names()}


@pytest.fixture(scope="session")
def daemon(formats_accepted):
    sections = list(SHARED.values())
    for name, refusal in formats_accepted.items():
        if refusal is None:
            sections.append(stream_section(fmt_stream(name), fmt=name))
    d = Daemon(sections).start()
    yield d
    d.cleanup()


@pytest.fixture
def private_daemon():
    made = []

    def make(sections):
        d = Daemon(sections)
        made.append(d)
        return d
    yield make
    for d in made:
        d.cleanup()


# ---- TAP -------------------------------------------------------------------

_tap = None


def _tap_write(line):
    global _tap
    if _tap is None:
        _tap = open(os.environ.get("GRAB_TAP", "/dev/stderr"), "a", buffering=1)
    _tap.write(line + "\n")


def _tap_name(report):
    return report.nodeid.split("::", 1)[-1]


def pytest_runtest_logreport(report):
    name = _tap_name(report)
    if report.failed:
        _tap_write(f"not ok - python: {name} ({report.when})")
        for line in str(report.longrepr).splitlines()[-25:]:
            _tap_write("#   " + line)
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        _tap_write(f"# skip: python: {name}: {str(reason).replace('Skipped: ', '', 1)}")
    elif report.when == "call":
        _tap_write(f"ok - python: {name}")
    for title, text in report.sections:
        if report.when == "call" and "stdout" in title:
            for line in text.splitlines():
                if line.startswith("# "):
                    _tap_write(line)
