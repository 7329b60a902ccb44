"""One way to write a file: to a temporary name beside it, then an atomic rename.

A reader never sees half a file, and a failed write (full disk, an exception while
rendering, Ctrl-C) leaves the old file, or nothing, never a fragment. Every writer of
single files uses :func:`staged` or :func:`write_text`; whole builds stage a folder
(:mod:`geoatlas.build`).

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text(folder / "a.txt", "hello").read_text()
'hello'
>>> try:
...     with staged(folder / "b.txt") as tmp:
...         _ = tmp.write_text("half")
...         raise RuntimeError("failed while writing")
... except RuntimeError:
...     pass
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

__all__ = ["file_mode", "staged", "staged_new", "write_text"]


def file_mode() -> int:
    """The mode a new file gets under the current umask (0644 under umask 022).

    >>> old = os.umask(0o022); mode = file_mode(); _ = os.umask(old); oct(mode)
    '0o644'
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def staged(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto ``path`` when the block ends cleanly.

    The temporary file gets the mode a new file would (mkstemp's is 0600). On any
    exception it is removed and ``path`` is left as it was.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staged_new(path: str | Path, sidecars: Sequence[str] = ()) -> Iterator[Path]:
    """A path not yet existing, in a private folder beside ``path``, then moved onto it.

    The move happens when the block ends cleanly. For writers that must create the
    file themselves (GDAL drivers refuse an existing empty file, SQLite keeps journals
    beside it). With ``sidecars`` (suffixes such as a
    Shapefile's ``.shp``, ``.dbf``, ...), each one written is moved instead. On any
    exception the folder and all in it are removed and ``path`` is left as it was.

    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with staged_new(target) as tmp:
    ...     tmp.exists()
    ...     _ = tmp.write_text("whole")
    False
    >>> sorted(p.name for p in target.parent.iterdir()), target.read_text()
    (['a.txt'], 'whole')
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    with tempfile.TemporaryDirectory(prefix=f".{path.stem}-", dir=folder) as tmp:
        new = Path(tmp) / path.name
        yield new
        for suffix in sidecars:
            part = new.with_suffix(suffix)
            if part.exists():
                os.replace(part, path.with_suffix(suffix))
        if not sidecars:
            os.replace(new, path)


def write_text(path: str | Path, text: str, encoding: str = "utf-8",
               durable: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (newlines as given); return the path.

    ``durable`` flushes the text to disk before the rename, for files that must survive
    a power cut whole (the build's commit journal).
    """
    path = Path(path)
    with staged(path) as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    return path
