"""Doctest namespace for the package's docstrings: ``atlas`` is the default workspace."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def _default_atlas():
    import geoatlas

    return geoatlas.open()


@pytest.fixture(autouse=True)
def _doctest_atlas(request, doctest_namespace):
    """Give docstring examples ``atlas`` (loaded once) where they use it."""
    if "atlas" in getattr(getattr(request.node, "dtest", None), "globs", {}):
        return
    if request.node.__class__.__name__ == "DoctestItem":
        doctest_namespace["atlas"] = request.getfixturevalue("_default_atlas")
