# SPDX-License-Identifier: MIT
"""A short life of the module for valgrind (tests/python/run.sh): connect,
frames and their arrays and planes, copies, held arrays beyond release and
close, too many frames, errors, frames given back from another thread."""
import sys
import threading

import grab

sock = sys.argv[1]
try:
    grab.connect("nope", socket=sock)
except grab.NoStream:
    pass
s = grab.connect(socket=sock)
kept = []
for i in range(40):
    f = s.next(timeout=5)
    assert f is not None
    a = f.array
    int(a.sum())
    for p in f.planes:
        int(p.max())
    try:
        f.copy()
    except grab.Overwritten:
        pass                    # valgrind is slow: the producer may lap us
    f.intact()
    if i % 10 == 0:
        kept.append(a)
    f.release()
try:
    held = [s.next(timeout=5).array for _ in range(grab.MAX_HELD)]
except grab.TooManyFrames:
    pass
held = None
t = threading.Thread(target=kept.pop)
t.start()
s.next(timeout=1)
t.join()
s.info(), s.stats(), s.missed, s.fileno()
s.close()
print(sum(int(a.sum()) for a in kept))
kept = None
print("workout done")
