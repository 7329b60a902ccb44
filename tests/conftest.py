"""Shared fixtures: the repository's workspace, and a small copyable fixture workspace.

``tests/fixtures/mini`` is invented data (see its README) small enough to reason about;
tests that break a file work on a copy in ``tmp_path``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import geoatlas

# scripts run by other interpreters (PyQGIS on /usr/bin/python3), not test modules
collect_ignore = ["qgis_probe.py", "qgis_edit.py"]

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "fixtures" / "mini"
OUT = REPO / "out"


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
    """``out/`` of the repository, where tests keep artefacts for people to look at."""
    OUT.mkdir(exist_ok=True)
    return OUT
