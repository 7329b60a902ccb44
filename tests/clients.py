"""One place that decides what a missing client means: skip here, fail in CI.

Tests that need a real client (Chromium, PyQGIS, pdftotext, GDAL's validator, the
dask engine, the shared source documents) call :func:`need` (or one of its shortcuts)
instead of ``pytest.skip``. With ``GEOATLAS_REQUIRE_CLIENTS=1`` (as ``.ci/run`` sets;
exactly ``"1"``, parsed here only) a missing client FAILS the test, so CI can never
pass by skipping what it was meant to check.
"""

from __future__ import annotations

import importlib
import os
import shutil

import pytest

ENV = "GEOATLAS_REQUIRE_CLIENTS"


def required() -> bool:
    """True when missing clients must fail (``GEOATLAS_REQUIRE_CLIENTS=1``)."""
    return os.environ.get(ENV) == "1"


def need(reason: str) -> None:
    """Skip with ``reason`` -- or fail with it when clients are required."""
    if required():
        pytest.fail(f"{reason} ({ENV}=1: missing clients fail)")
    pytest.skip(reason)


def need_program(name: str, package: str) -> str:
    """The path of program ``name``, or skip/fail naming the ``package`` that has it."""
    path = shutil.which(name)
    if path is None:
        need(f"needs {name} (Debian package {package})")
    return path


def need_module(name: str):
    """Import and return module ``name``, or skip/fail naming it."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        need(f"needs the python package {name} ({exc})")
