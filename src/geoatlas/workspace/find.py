"""Find a workspace: the folder holding ``geo/``, ``layers/`` and ``maps/``.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> is_workspace(Path(tempfile.mkdtemp()))
False
"""

from __future__ import annotations

from pathlib import Path

from ..errors import WorkspaceError

__all__ = ["BASEMAP", "REPO_ROOT", "WORKSPACE_DIRS", "find_workspace", "is_workspace"]

WORKSPACE_DIRS = ("geo", "layers", "maps")
BASEMAP = "geo/basemap.gpkg"
REPO_ROOT = Path(__file__).resolve().parents[3]
"""The source checkout this package runs from (a workspace itself, the default one)."""


def is_workspace(path: Path) -> bool:
    """True if ``path`` holds ``geo/``, ``layers/`` and ``maps/``."""
    return all((path / d).is_dir() for d in WORKSPACE_DIRS)


def find_workspace(path: str | Path | None = None) -> Path:
    """Resolve the workspace folder.

    With ``path``: that folder (it must be a workspace). Without: the nearest folder at
    or above the current directory that is a workspace, else the geoatlas repository
    root (the default workspace of a source checkout).
    """
    if path is not None:
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise WorkspaceError(f"{root}: no such folder")
        missing = [d for d in WORKSPACE_DIRS if not (root / d).is_dir()]
        if missing:
            raise WorkspaceError(
                f"{root} is not a geoatlas workspace: missing folder(s) "
                f"{', '.join(m + '/' for m in missing)} (a workspace holds geo/, layers/, maps/; "
                "`geoatlas init DIR` creates one)"
            )
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if is_workspace(candidate):
            return candidate
    if is_workspace(REPO_ROOT):
        return REPO_ROOT
    raise WorkspaceError(
        f"no workspace at or above {here}; pass a folder holding geo/, layers/ and maps/"
    )
