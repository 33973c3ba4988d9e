# SPDX-License-Identifier: MIT
"""grab: frames from grabberd (or a /dev/grabN device) as zero-copy,
read-only NumPy arrays.  Type stub of the C extension module."""
from types import TracebackType
from typing import Iterator, Optional, Tuple, Union
import os

import numpy as np
import numpy.typing as npt

__version__: str
MAX_HELD: int
DEFAULT_SOCKET: str

class Error(OSError):
    """Base of grab's errors; .errno is what libgrab returned."""
class NoDaemon(Error):
    """grabberd is not running, does not answer, or went away."""
class NoStream(Error):
    """No stream of that name (or no such grab device)."""
class SourceFailed(Error):
    """The stream's source failed; the message has the daemon's reason."""
class TooManyFrames(Error):
    """MAX_HELD frames are held (by Frames or by arrays of them)."""
class Overwritten(Error):
    """The frame was overwritten while it was copied."""

class Frame:
    sequence: int
    timestamp_ns: int
    missed: int
    width: int
    height: int
    fourcc: int
    bytesperline: int
    format: str
    bytes: int
    released: bool
    @property
    def array(self) -> npt.NDArray[Union[np.uint8, np.uint16]]:
        """Read-only view of the ring, shaped by format (no copy)."""
    @property
    def planes(self) -> Tuple[npt.NDArray[Union[np.uint8, np.uint16]], ...]:
        """Read-only views of each plane."""
    def intact(self) -> bool: ...
    def copy(self) -> npt.NDArray[Union[np.uint8, np.uint16]]: ...
    def release(self) -> None: ...
    def __enter__(self) -> "Frame": ...
    def __exit__(self, exc_type: Optional[type], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None: ...
    def __array__(self, dtype: Optional[npt.DTypeLike] = None) -> np.ndarray: ...

class Stream:
    missed: int
    generation: int
    closed: bool
    name: str
    def next(self, timeout: Optional[float] = None) -> Optional[Frame]: ...
    def latest(self, timeout: Optional[float] = None) -> Optional[Frame]: ...
    def rewind(self, n: int) -> int: ...
    def info(self) -> dict: ...
    def stats(self) -> dict: ...
    def fileno(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Stream": ...
    def __exit__(self, exc_type: Optional[type], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None: ...
    def __iter__(self) -> Iterator[Frame]: ...
    def __next__(self) -> Frame: ...

def connect(stream: Optional[str] = None,
            socket: Optional[Union[str, bytes, os.PathLike]] = None) -> Stream: ...
def open_device(path: Union[str, bytes, os.PathLike]) -> Stream: ...
def formats() -> dict: ...
