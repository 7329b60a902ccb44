"""Build recipes into ``out/``: all files of all maps staged together, then swapped in.

How a build writes (the choice, and why):

1. It takes ``out/.geoatlas.lock`` (``flock``): a second build into the same folder fails
   at once with a clear message, or waits for the first with ``wait=True`` (``--wait``).
2. It finishes what a killed build left: a commit journal is rolled forward (step 5) and
   stale staging folders ``out/.geoatlas-staging-*`` are removed.
3. Every renderer of every map writes into ONE staging folder inside ``out/`` (same file
   system, so the final moves are renames), ``out/.geoatlas-staging-XXXX/<map>/``.
4. Only when every map has been rendered is the set committed. A failure or a kill up
   to here leaves the previous outputs exactly as they were.
5. Commit: the list of moves is written to the journal ``out/.geoatlas-commit.json``
   (written to a temporary name, flushed and renamed: it exists whole or not at all);
   then each file is renamed into place; then the journal and staging folder go. A kill
   during those renames (a few microseconds) leaves the journal, and the next build,
   under the lock, completes the renames before doing anything else: a map's files are
   always the old set or the new set once any build has started.

Map names and every output path are confined to ``out/``: a map name is a plain recipe
name (no ``/``, ``..`` or absolute path), a target that is a symbolic link is refused,
and every target is checked to resolve inside the output folder.

Examples
--------
>>> import geoatlas
>>> paths = build(geoatlas.open(), ["afghanistan-minerals"], "out")   # doctest: +SKIP
>>> sorted(p.suffix for p in paths)                                  # doctest: +SKIP
['.gpkg', '.html', '.pdf', '.png', '.qgz', '.svg']
>>> check_map_name("../../escape", ["mini"])
Traceback (most recent call last):
...
geoatlas.errors.RecipeError: map name '../../escape' is not a plain recipe name (no '/', \
'..' or absolute path); recipes: mini
"""

from __future__ import annotations

import errno
import importlib
import importlib.util
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ._atomic import write_text
from .errors import GeoatlasError, OutputError, RecipeError
from .formats import OUTPUTS
from .origin import write_origin
from .recipe import load_recipe, recipe_names
from .render.prepare import prepare

__all__ = [
    "JOURNAL_NAME",
    "LOCK_NAME",
    "MAP_NAME_RE",
    "STAGING_PREFIX",
    "STORY",
    "OutputLock",
    "available_outputs",
    "build",
    "check_map_name",
    "output_folder",
    "recover",
]


log = logging.getLogger(__name__)

LOCK_NAME = ".geoatlas.lock"
STAGING_PREFIX = ".geoatlas-staging-"
JOURNAL_NAME = ".geoatlas-commit.json"
MAP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*", re.ASCII)


STORY = {
    "web": "geoatlas.render.story",
    "static": "geoatlas.render.static.chapters:write_chapters",
    "qgis": "geoatlas.render.qgis:write_story",
}
"""Renderers of a recipe with ``[[chapters]]``: the story page, a page and a QGIS map theme
per chapter (``module`` or ``module:function``; the default function is ``write``)."""


def _writer(kind: str, recipe):
    spec = STORY[kind] if getattr(recipe, "chapters", ()) else OUTPUTS[kind]
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function or "write")


def available_outputs() -> list[str]:
    """The output kinds whose renderer module is installed in this version."""
    out = []
    for kind, module in OUTPUTS.items():
        if importlib.util.find_spec(module) is not None:
            out.append(kind)
    return out


def check_map_name(name: str, known: Sequence[str]) -> str:
    """Return ``name`` if it is a plain recipe name of ``known``; raise otherwise.

    A map name becomes file names in ``out/``; it may not carry a folder, ``..`` or an
    absolute path, whatever ``maps/`` holds.
    """
    if (not isinstance(name, str) or not MAP_NAME_RE.fullmatch(name) or ".." in name):
        raise RecipeError(f"map name {name!r} is not a plain recipe name (no '/', '..' or "
                          f"absolute path); recipes: {', '.join(known) or 'none'}")
    return name


def build(
    atlas,
    names: Sequence[str] | None = None,
    out: str | Path = "out",
    outputs: Sequence[str] | None = None,
    wait: bool = False,
    progress: Callable[..., None] | None = None,
    **options,
) -> list[Path]:
    """Build recipes ``names`` (default: all) into ``out``; return the written paths.

    ``outputs`` picks renderers (default: every available one); ``wait`` waits for
    another build holding the output folder instead of failing; ``options`` go to the
    renderers that accept them (e.g. ``formats=("png",)``, ``dpi=300``). ``progress``,
    when given, is called as ``progress("step", recipe=, output=, done=, total=)`` before
    each renderer runs and ``progress("written", path=)`` for each output it wrote (into
    staging; everything moves into ``out`` when all succeeded).
    """
    report = progress or (lambda event, **info: None)
    known = recipe_names(atlas.root)
    names = list(names) if names else known
    for name in names:
        check_map_name(name, known)
    if not names:
        raise RecipeError("maps/: no recipes to build; add maps/NAME.toml")
    outputs = list(outputs) if outputs else available_outputs()
    unknown = [o for o in outputs if o not in OUTPUTS]
    if unknown:
        raise OutputError(f"unknown output(s) {', '.join(unknown)}; known: {', '.join(OUTPUTS)}")
    recipes = [load_recipe(atlas, n) for n in names]  # validate all before writing anything
    folder = output_folder(out)
    with OutputLock(folder, wait=wait):
        recover(folder, known)
        staging = Path(_os_call(tempfile.mkdtemp, folder, prefix=STAGING_PREFIX, dir=folder))
        try:
            moves: list[tuple[Path, Path]] = []
            step, total = 0, len(recipes) * len(outputs)
            for recipe in recipes:
                started = time.perf_counter()
                layers = prepare(atlas, recipe)
                here = staging / recipe.name
                _os_call(here.mkdir, here)
                produced: list[Path] = []
                for kind in outputs:
                    report("step", recipe=recipe.name, output=kind, done=step, total=total)
                    step += 1
                    try:
                        made = _writer(kind, recipe)(atlas, recipe, layers, here, **options)
                        produced += made
                    except Exception as exc:
                        err = _as_output_error(exc, here)
                        if err is exc:
                            if not isinstance(exc, GeoatlasError):
                                exc.add_note(f"while building maps/{recipe.name}.toml ({kind})")
                            raise
                        raise err from exc
                    for path in made:
                        report("written", path=_target(folder, here, Path(path)),
                               staged=Path(path))
                for path in produced:  # what `geoatlas import` needs to bring QGIS edits back
                    if Path(path).suffix == ".gpkg":
                        write_origin(atlas, recipe, layers, Path(path))
                for path in produced:
                    moves.append((Path(path), _target(folder, here, Path(path))))
                log.info("built %s in %.1f s", recipe.name, time.perf_counter() - started)
            _commit(folder, staging, moves)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [target for _, target in moves]


def output_folder(out: str | Path) -> Path:
    """Create (if needed) and resolve the output folder; refuse a file in its place."""
    path = Path(out).expanduser()
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is not a folder; pass --out FOLDER")
    _os_call(path.mkdir, path, parents=True, exist_ok=True)
    return path.resolve()


def _target(folder: Path, staging: Path, path: Path) -> Path:
    """Where staged ``path`` goes in ``folder``; refuse anything that would leave it."""
    try:
        rel = path.resolve().relative_to(staging.resolve())
    except ValueError:
        raise OutputError(f"a renderer wrote {path} outside its staging folder") from None
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"output name {str(rel)!r} would leave {folder}")
    target = folder / rel
    if target.is_symlink():
        raise OutputError(f"{target} is a symbolic link (to {os.readlink(target)}); geoatlas "
                          "never writes through links in the output folder: remove it")
    parent = target.parent.resolve()
    if parent != folder and folder not in parent.parents:
        raise OutputError(f"{target} resolves outside the output folder {folder} "
                          "(a symbolic link on the way?): remove the link")
    return target


# -- commit and recovery -------------------------------------------------------------------
def _commit(folder: Path, staging: Path, moves: list[tuple[Path, Path]]) -> None:
    """Rename every staged file into place, journalled so a kill can be rolled forward."""
    journal = folder / JOURNAL_NAME
    record = {"staging": staging.name,
              "moves": [[str(src.relative_to(staging)), str(dst.relative_to(folder))]
                        for src, dst in moves]}
    _os_call(write_text, journal, journal, json.dumps(record, indent=1), durable=True)
    _roll_forward(folder, record)
    _os_call(journal.unlink, journal)


def _roll_forward(folder: Path, record: dict) -> None:
    staging = folder / record["staging"]
    trash = staging / ".replaced"
    for src_rel, dst_rel in record["moves"]:
        src, dst = staging / src_rel, folder / dst_rel
        if not src.exists() and not src.is_symlink():
            continue  # moved before the kill
        _os_call(dst.parent.mkdir, dst.parent, parents=True, exist_ok=True)
        if src.is_dir() and dst.is_dir() and not dst.is_symlink():
            _os_call(trash.mkdir, trash, exist_ok=True)
            _os_call(os.replace, dst, dst, trash / f"{len(list(trash.iterdir()))}")
        _os_call(os.replace, dst, src, dst)
    _fsync_dir(folder)


def recover(folder: Path, names: Sequence[str] = ()) -> None:
    """Finish a killed build's commit, then remove stale staging folders (hold the lock).

    Staging folders of older geoatlas versions (``.<map>-XXXXXXXX``) are removed too.
    """
    journal = folder / JOURNAL_NAME
    if journal.is_file() and not journal.is_symlink():
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            ok = _valid_record(record)
        except (OSError, ValueError):
            ok = False
        if ok:
            log.warning("completing the commit of a build that was interrupted")
            _roll_forward(folder, record)
        _os_call(journal.unlink, journal)
    legacy = re.compile(r"\.(" + "|".join(re.escape(n) for n in names) + r")-[a-z0-9_]{8}") \
        if names else None
    for entry in folder.iterdir():
        stale = entry.name.startswith(STAGING_PREFIX) or (
            legacy is not None and legacy.fullmatch(entry.name))
        if stale and entry.is_dir() and not entry.is_symlink():
            log.info("removing %s, left by an interrupted build", entry.name)
            shutil.rmtree(entry, ignore_errors=True)


def _valid_record(record) -> bool:
    """A journal names a staging folder of ours and plain relative paths only."""
    if not isinstance(record, dict) or not isinstance(record.get("moves"), list):
        return False
    staging = record.get("staging")
    if not isinstance(staging, str) or not staging.startswith(STAGING_PREFIX) or "/" in staging:
        return False
    for move in record["moves"]:
        if not (isinstance(move, list) and len(move) == 2 and all(isinstance(m, str)
                                                                   for m in move)):
            return False
        for part in move:
            p = Path(part)
            if p.is_absolute() or ".." in p.parts or not p.parts:
                return False
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- lock ----------------------------------------------------------------------------------
class OutputLock:
    """An exclusive ``flock`` on ``<folder>/.geoatlas.lock`` for the length of a build.

    The file holds the holder's pid for the message a second build prints, and is
    removed on release (a waiter that then finds it gone, or replaced, locks afresh), so
    a finished build leaves nothing behind. ``wait=True`` blocks until the holder is done.
    """

    def __init__(self, folder: Path, wait: bool = False):
        self.path = folder / LOCK_NAME
        self.wait = wait
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        while not self._try_once():
            pass
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def _try_once(self) -> bool:
        import fcntl

        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OutputError(f"{self.path} is a symbolic link; remove it") from None
            raise _output_error(self.path, exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            if not self.wait:
                os.close(fd)
                raise OutputError(
                    f"{self.path.parent} is being written by another geoatlas build"
                    f"{f' (pid {holder})' if holder else ''}; wait for it to finish, "
                    "or pass --wait to queue behind it") from None
            log.warning("waiting for the build%s writing to %s",
                        f" (pid {holder})" if holder else "", self.path.parent)
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(self.path, follow_symlinks=False).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the previous holder removed it while we waited: lock the new one
            os.close(fd)
            return False
        self.fd = fd
        return True

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            try:
                os.unlink(self.path)  # still under the lock: waiters see it gone and retry
            except OSError:
                pass
            os.close(self.fd)  # closing releases the flock
            self.fd = None


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


# -- OS errors as messages -----------------------------------------------------------------
_HINTS = {
    errno.ENOSPC: "the disk is full: free some space and build again",
    errno.EDQUOT: "the disk quota is exhausted: free some space and build again",
    errno.EACCES: "permission denied: make the folder writable or pass --out FOLDER",
    errno.EPERM: "operation not permitted: make the folder writable or pass --out FOLDER",
    errno.EROFS: "the file system is read-only: pass --out FOLDER on a writable one",
}


def _output_error(path: Path, exc: OSError) -> OutputError:
    hint = _HINTS.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"cannot write {path}: {hint}; the previous outputs are untouched")


_IO_TEXT = {
    errno.ENOSPC: ("No space left on device", "database or disk is full"),
    errno.EDQUOT: ("Disk quota exceeded",),
    errno.EACCES: ("Permission denied", "attempt to write a readonly database"),
    errno.EROFS: ("Read-only file system",),
}


def _as_output_error(exc: Exception, folder: Path) -> Exception:
    """An I/O failure inside a renderer as an :class:`OutputError`; others unchanged.

    GDAL and SQLite report a full disk as their own exception types, with the OS text
    in the message; that text is what identifies them.
    """
    if isinstance(exc, GeoatlasError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _HINTS:
        return _output_error(Path(exc.filename or folder), exc)
    text = str(exc)
    for code, needles in _IO_TEXT.items():
        if any(n in text for n in needles):
            return _output_error(folder, OSError(code, os.strerror(code)))
    return exc


def _os_call(func, path, *args, **kwargs):
    """Call ``func`` and turn an ``OSError`` into an :class:`OutputError` about ``path``."""
    try:
        return func(*args, **kwargs) if args or kwargs else func()
    except OutputError:
        raise
    except OSError as exc:
        raise _output_error(Path(path), exc) from exc
