"""The workspace file ``geoatlas.toml``: a workspace's name, vocabularies and defaults.

It is optional. Without it a workspace uses the packaged vocabularies and defaults; with
it a workspace adds commodities (with their colours) and statuses of its own, and sets
its output folder and the CRS of its static maps. ``geoatlas check`` validates it with
everything else, every problem at once.

.. code-block:: toml

    name = "Andes copper"

    [vocabularies.commodities]      # extra commodities and their colours
    scandium = "#5b8c5a"

    [vocabularies.statuses]         # extra statuses (colour optional: "" for the default)
    paused = "#8d8d8d"

    [defaults]
    out = "out"                     # output folder, inside the workspace
    static_crs = "EPSG:32719"       # CRS of the static maps, unless a recipe sets one

Examples
--------
>>> cfg, problems = parse({"name": "Andes", "vocabularies": {"commodities":
...                        {"scandium": "#5b8c5a"}}})
>>> cfg.name, cfg.commodities, problems
('Andes', {'scandium': '#5b8c5a'}, [])
>>> parse({"nmae": "x"})[1][0].message
"unknown key 'nmae' (did you mean 'name'?); allowed: name, description, vocabularies, defaults"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import tomllib

from .errors import Problem, did_you_mean

__all__ = ["CONFIG_FILE", "WorkspaceConfig", "parse", "read_config"]

CONFIG_FILE = "geoatlas.toml"
TOP_KEYS = {
    "name": "the workspace's name (titles, README)",
    "description": "one paragraph about the workspace",
    "vocabularies": "extra commodities and statuses: [vocabularies.commodities] name = colour",
    "defaults": "out (output folder), static_crs (EPSG code of static maps)",
}
VOCABULARY_KEYS = ("commodities", "statuses")
DEFAULT_KEYS = ("out", "static_crs")
_WORD_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_CRS_RE = re.compile(r"^(EPSG|ESRI):\d{4,6}$")


@dataclass(frozen=True)
class WorkspaceConfig:
    """What ``geoatlas.toml`` declares (empty when there is no such file)."""

    name: str | None = None
    description: str = ""
    commodities: dict[str, str] = field(default_factory=dict)
    """Extra commodities -> colour (``#rrggbb``)."""
    statuses: dict[str, str] = field(default_factory=dict)
    """Extra statuses -> colour (``""``: the renderers' default for unknown statuses)."""
    out: str | None = None
    static_crs: str | None = None

    def vocabularies(self) -> dict[str, tuple[str, ...]]:
        """The extra words per vocabulary, for :func:`geoatlas.schema.workspace_vocabularies`."""
        return {"commodities": tuple(self.commodities), "statuses": tuple(self.statuses)}

    def palette(self, color_by: str | None) -> dict[str, str]:
        """The colours this workspace declares for a ``color_by`` field.

        >>> WorkspaceConfig(commodities={"scandium": "#5b8c5a"}).palette("primary_commodity")
        {'scandium': '#5b8c5a'}
        """
        if color_by in ("primary_commodity", "commodity"):
            return dict(self.commodities)
        if color_by == "status":
            return {k: v for k, v in self.statuses.items() if v}
        return {}


def read_config(root: str | Path) -> tuple[WorkspaceConfig, list[Problem]]:
    """Read ``root/geoatlas.toml``; return the config and its problems (never raises)."""
    path = Path(root) / CONFIG_FILE
    if not path.is_file():
        return WorkspaceConfig(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return WorkspaceConfig(), [Problem(CONFIG_FILE, f"not valid TOML: {exc}")]
    return parse(data)


def _unknown(data: dict, allowed, where: str, problems: list[Problem]) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed, n=1, quote=True)
            problems.append(Problem(CONFIG_FILE, f"{where}unknown key '{key}'{hint}; "
                                                 f"allowed: {', '.join(allowed)}"))


def _words(value, where: str, needs_color: bool, problems: list[Problem]) -> dict[str, str]:
    """A vocabulary table ``{word = "#colour"}`` (or a list of words) as a dict."""
    if isinstance(value, list):
        value = {str(v): "" for v in value}
    if not isinstance(value, dict):
        problems.append(Problem(CONFIG_FILE, f"{where} must be a table of name = \"#rrggbb\""))
        return {}
    out = {}
    for word, color in value.items():
        if not _WORD_RE.match(str(word)):
            problems.append(Problem(CONFIG_FILE, f"{where}: '{word}' is not a lowercase "
                                                 "snake_case word (e.g. rare_earths)"))
            continue
        color = "" if color is None else color
        if not isinstance(color, str) or (color and not _COLOR_RE.match(color)):
            problems.append(Problem(CONFIG_FILE, f"{where}.{word}: colour {color!r} is not "
                                                 "#rrggbb (e.g. \"#5b8c5a\")"))
            continue
        if needs_color and not color:
            problems.append(Problem(CONFIG_FILE, f"{where}.{word}: give its colour, e.g. "
                                                 f"{word} = \"#5b8c5a\""))
            continue
        out[str(word)] = color.lower()
    return out


def parse(data: dict) -> tuple[WorkspaceConfig, list[Problem]]:
    """Validate the TOML data of ``geoatlas.toml``; every problem at once."""
    problems: list[Problem] = []
    _unknown(data, TOP_KEYS, "", problems)
    name = data.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        problems.append(Problem(CONFIG_FILE, "'name' must be a non-empty string"))
        name = None
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(CONFIG_FILE, "'description' must be a string"))
        description = ""
    vocab = data.get("vocabularies", {})
    commodities: dict[str, str] = {}
    statuses: dict[str, str] = {}
    if not isinstance(vocab, dict):
        problems.append(Problem(CONFIG_FILE, "[vocabularies] must be a table"))
    else:
        _unknown(vocab, VOCABULARY_KEYS, "[vocabularies]: ", problems)
        if "commodities" in vocab:
            commodities = _words(vocab["commodities"], "vocabularies.commodities", True,
                                 problems)
        if "statuses" in vocab:
            statuses = _words(vocab["statuses"], "vocabularies.statuses", False, problems)
    defaults = data.get("defaults", {})
    out = crs = None
    if not isinstance(defaults, dict):
        problems.append(Problem(CONFIG_FILE, "[defaults] must be a table"))
    else:
        _unknown(defaults, DEFAULT_KEYS, "[defaults]: ", problems)
        out = defaults.get("out")
        if out is not None:
            parts = PurePosixPath(str(out)).parts if isinstance(out, str) else ("..",)
            if (not isinstance(out, str) or not out.strip() or str(out).startswith(("/", "~"))
                    or "\\" in out or ".." in parts or re.match(r"^[A-Za-z]:", out)):
                problems.append(Problem(CONFIG_FILE, f"defaults.out = {out!r}: give a folder "
                                                     "inside the workspace, e.g. \"out\""))
                out = None
        crs = defaults.get("static_crs")
        if crs is not None:
            from .geometry import projected_crs_problem  # pyproj only when a CRS is given

            crs = str(crs).upper()
            if not _CRS_RE.match(crs) or projected_crs_problem(crs):
                problems.append(Problem(CONFIG_FILE, f"defaults.static_crs = "
                                                     f"{defaults['static_crs']!r}: give a known "
                                                     "projected CRS code such as \"EPSG:32719\""))
                crs = None
    config = WorkspaceConfig(name=name.strip() if name else None, description=description,
                             commodities=commodities, statuses=statuses, out=out,
                             static_crs=crs)
    return config, problems
