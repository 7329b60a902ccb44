"""Shared fixtures: the repository's workspace, and a small copyable fixture workspace.

``tests/fixtures/mini`` is invented data (see its README) small enough to reason about;
tests that break a file work on a copy in ``tmp_path``.

No test writes into the repository's ``out/`` (what ``make run`` built): tests build into
temporary folders, and screenshots kept for people go to ``out/test-screenshots/`` only.
:func:`_repo_out_untouched` checksums ``out/`` before and after the session and fails the
run if anything else in it changed.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

import geoatlas

# scripts run by other interpreters (PyQGIS on /usr/bin/python3), not test modules
collect_ignore = ["qgis_probe.py", "qgis_edit.py"]

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"
HOSTILE = REPO / "tests" / "fixtures" / "hostile"
OUT = REPO / "out"
SCREENSHOTS = OUT / "test-screenshots"


def tree_digest(folder: Path, skip: Path | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` of every file (and link) under ``folder``, except ``skip``."""
    found: dict[str, str] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        if skip is not None and (path == skip or skip in path.parents):
            continue
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = "link:" + str(path.readlink())
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        elif path.is_dir():
            found[rel] = "dir"
    return found


@pytest.fixture(scope="session", autouse=True)
def _repo_out_untouched():
    """Fail the session if any test wrote into ``out/`` outside ``out/test-screenshots/``."""
    before = tree_digest(OUT, skip=SCREENSHOTS)
    yield
    after = tree_digest(OUT, skip=SCREENSHOTS)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"tests changed the repository's out/: {changed[:10]}"


@pytest.fixture(scope="session")
def atlas() -> geoatlas.Atlas:
    """The default (repository) workspace, loaded once."""
    return geoatlas.open(REPO)


@pytest.fixture(scope="session")
def mini() -> geoatlas.Atlas:
    """The mini fixture workspace, loaded once (read-only)."""
    return geoatlas.open(MINI)


@pytest.fixture
def mini_copy(tmp_path) -> Path:
    """A writable copy of the mini workspace (the basemap is copied, not linked)."""
    dest = tmp_path / "ws"
    shutil.copytree(MINI, dest, symlinks=False)
    return dest


@pytest.fixture(scope="session")
def out_dir() -> Path:
    """``out/test-screenshots/``: where tests keep screenshots for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
