"""Map recipes: ``maps/<name>.toml`` declares one map, validated against the atlas.

Unknown keys, layers and fields are errors whose message lists what is allowed.

A recipe looks like::

    title = "Afghanistan's mineral wealth"
    subtitle = "Deposits, belts and rail"
    extent = "fit"                       # or [min_lon, min_lat, max_lon, max_lat]
    controls = ["layers", "legend", "scale", "search", "fullscreen", "coordinates", "timeline"]

    [[layers]]
    layer = "deposits"
    group = "Minerals"
    popup = ["name", "commodities", "province"]
    [layers.style]
    color_by = "primary_commodity"
    size_by = "contract_value_usd"
    size_classes = [0, 1e9]

Examples
--------
>>> sorted(RECIPE_KEYS)[:3]
['as_of', 'basemaps', 'chapters']
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from . import where as where_language
from .errors import Problem, RecipeError, WhereError, did_you_mean
from .formats import A4_LANDSCAPE_IN, STATIC_FORMATS
from .style import ALLOWED_KEYS as STYLE_KEYS
from .style import TILES, LayerStyle
from .timeline import to_date

__all__ = [
    "BASEMAPS",
    "CONTROLS",
    "LAYER_KEYS",
    "OVERLAY_KEYS",
    "RECIPE_KEYS",
    "STATIC_KEYS",
    "LayerSpec",
    "OverlaySpec",
    "Recipe",
    "StaticSpec",
    "check_color",
    "check_recipes",
    "key_lines",
    "load_recipe",
    "parse_recipe",
    "recipe_names",
]


if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RECIPE_KEYS = {
    "title": "map title",
    "subtitle": "one line under the title",
    "description": "a paragraph shown in the map's info box",
    "credits": "attribution text (basemap, data)",
    "as_of": "ISO date: show statuses as of that date (default: latest)",
    "extent": "'fit' or [min_lon, min_lat, max_lon, max_lat]",
    "basemaps": "extra online tile layers (the offline vector basemap is always there)",
    "controls": "which controls to show",
    "link_fields": "fields whose http(s) values become links",
    "layers": "the layers, in drawing order (first = bottom)",
    "static": "options of the static PNG/SVG/PDF export",
    "max_html_mb": "fail the build if the HTML is larger than this",
    "overlays": "raster products shown as optional web-map layers ([[overlays]])",
    "chapters": "story chapters: text beside the map, each with its view and date ([[chapters]])",
}
LAYER_KEYS = {
    "layer": "layer name (required)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "where expression selecting features, e.g. \"iso3 == 'AFG'\"",
    "visible": "shown when the map opens (default true)",
    "tooltip": "fields shown on hover",
    "popup": "fields shown on click",
    "label": "field drawn as a text label",
    "contracts": "list the feature's contracts in its popup (default true)",
    "timeline": "follow the time control (default: true where statuses exist)",
    "style": "the style table",
    "compact": "compact web encoding: true/false (default: automatic above 5,000 features)",
    "simplify": "lines/polygons in compact form: tolerance in metres of the finest detail",
}
OVERLAY_KEYS = {
    "product": "distance or density",
    "layer": "the layer measured to (distance) or counted (density)",
    "title": "name in the layer control and legend",
    "group": "layer-control group",
    "where": "where expression selecting the layer's features",
    "weight": "density: numeric field weighting each feature",
    "bandwidth_km": "density: kernel bandwidth (default 50)",
    "resolution_km": "cell size (default 5)",
    "max_value": "value at the dark end of the colour ramp (default: 98th percentile)",
    "opacity": "0..1 (default 0.6)",
    "visible": "shown when the map opens (default false)",
}
STATIC_KEYS = {
    "formats": "any of png, svg, pdf",
    "dpi": "raster resolution of the PNG",
    "crs": "EPSG code of the projection (default: a Lambert conformal fitted to the extent)",
    "size": "[width, height] in inches",
    "labels": "layers whose features get text labels",
}
CONTROLS = ("layers", "legend", "scale", "search", "fullscreen", "coordinates", "timeline")
BASEMAPS = tuple(TILES)  # the online basemaps the style spec knows


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a recipe, validated."""

    layer: str
    title: str
    group: str
    where: str | None
    visible: bool
    tooltip: tuple[str, ...]
    popup: tuple[str, ...]
    label: str | None
    contracts: bool
    timeline: bool
    style: LayerStyle
    compact: bool | None = None
    simplify: float | None = None


@dataclass(frozen=True)
class OverlaySpec:
    """A raster product shown as an optional image layer of the web map."""

    product: str
    layer: str
    title: str
    group: str
    where: str | None = None
    weight: str | None = None
    bandwidth_km: float = 50.0
    resolution_km: float = 5.0
    max_value: float | None = None
    opacity: float = 0.6
    visible: bool = False


@dataclass(frozen=True)
class StaticSpec:
    """Options of the static export."""

    formats: tuple[str, ...] = STATIC_FORMATS
    dpi: int = 200
    crs: int | None = None
    size: tuple[float, float] = A4_LANDSCAPE_IN
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipe:
    """A validated map recipe."""

    name: str
    path: Path
    title: str
    subtitle: str
    description: str
    credits: str
    as_of: dt.date | None
    extent: tuple[float, float, float, float] | None
    basemaps: tuple[str, ...]
    controls: tuple[str, ...]
    link_fields: tuple[str, ...]
    layers: tuple[LayerSpec, ...]
    static: StaticSpec
    max_html_mb: float | None
    overlays: tuple[OverlaySpec, ...] = ()
    chapters: tuple = ()  # geoatlas.chapters.Chapter: a story recipe when not empty


def recipe_names(root: Path) -> list[str]:
    """Names of the recipes in ``root/maps`` (file stems, sorted)."""
    return sorted(p.stem for p in (root / "maps").glob("*.toml"))


def load_recipe(atlas, name: str) -> Recipe:
    """Read and validate ``maps/<name>.toml`` against ``atlas``'s layers and fields.

    Raises :class:`RecipeError` listing every problem as ``maps/NAME.toml:LINE: ...``.
    """
    root = atlas.root
    path = root / "maps" / f"{name}.toml"
    if not path.exists() or name not in recipe_names(root):  # never read outside maps/
        names = recipe_names(root)
        known = ", ".join(names) or "none"
        raise RecipeError(f"maps/{name}.toml: no such recipe; recipes: {known}")
    text, data = _read(path)
    return parse_recipe(data, name, path, atlas, text=text)


def check_recipes(root: Path, atlas=None) -> list[Problem]:
    """Every problem of every recipe in ``root/maps``, none raised.

    With ``atlas=None`` (the data did not load) only what needs no data is checked:
    TOML syntax, keys and the syntax of ``where`` expressions.
    """
    return _check_folder(Path(root), atlas)


def _check_folder(root: Path, atlas) -> list[Problem]:
    problems: list[Problem] = []
    for name in recipe_names(root):
        path = root / "maps" / f"{name}.toml"
        try:
            text, data = _read(path)
            if atlas is not None:
                parse_recipe(data, name, path, atlas, text=text)
            else:
                problems += sorted(_syntax_only(data, path, text), key=lambda p: p.line or 0)
        except RecipeError as exc:
            problems += exc.problems or [Problem(f"maps/{path.name}", str(exc))]
    return problems


def _read(path: Path) -> tuple[str, dict]:
    shown = f"maps/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _error([Problem(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
                     ) from None
    except OSError as exc:
        raise _error([Problem(shown, f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        col = f" (column {m.group(2)})" if m else ""
        raise _error([Problem(shown, f"not valid TOML: {msg}{col}", line=line)]) from None


def _error(problems: list[Problem]) -> RecipeError:
    return RecipeError("\n".join(str(p) for p in problems), problems)


# -- where each key is written -------------------------------------------------------------
_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY_LINE = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")


def _key_parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(_KEY, dotted)]


def key_lines(text: str) -> dict[tuple, int]:
    r"""Line of every key and table header of a TOML text, by its path in the data.

    Arrays of tables count from 0: the ``where`` of the second ``[[layers]]`` is
    ``("layers", 1, "where")``. Lines inside multi-line strings and arrays are skipped.

    >>> lines = key_lines("title = 't'\n[[layers]]\nlayer = 'a'\n[[layers]]\n"
    ...                   "where = '''x\ny = 1'''\n[layers.style]\ncolor = 'red'\n")
    >>> lines[("title",)], lines[("layers", 1, "where")], lines[("layers", 1, "style", "color")]
    (1, 5, 8)
    >>> ("y",) in lines
    False
    """
    out: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    in_string: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if in_string in line:
                in_string = None
            continue
        if depth == 0:
            m = _HEADER.match(line)
            if m:
                names = _key_parts(m.group(2))
                path: list = []
                for i, part in enumerate(names):
                    path.append(part)
                    key = tuple(p for p in path if isinstance(p, str))
                    last = i == len(names) - 1
                    if last and m.group(1) == "[[":
                        counts[key] = counts.get(key, 0) + 1
                        path.append(counts[key] - 1)
                    elif key in counts:
                        path.append(counts[key] - 1)
                table = tuple(path)
                out.setdefault(table, number)
                continue
            m = _KEY_LINE.match(line)
            if m:
                out.setdefault((*table, *_key_parts(m.group(1))), number)
        rest = _strip_strings(line)
        for quote in ('"""', "\'\'\'"):
            if rest.count(quote) % 2:
                in_string = quote
        depth = max(0, depth + rest.count("[") + rest.count("{")
                    - rest.count("]") - rest.count("}"))
    return out


def _strip_strings(line: str) -> str:
    """``line`` without one-line strings and comments (multi-line quotes kept)."""
    line = re.sub(r'"""|\'\'\'', lambda m: "\0" * 3 if m.group() == '"""' else "\1" * 3, line)
    line = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'', "", line)
    line = line.split("#", 1)[0]
    return line.replace("\0" * 3, '"""').replace("\1" * 3, "\'\'\'")


class _Problems:
    """Problems of one recipe, each at the line of the key it is about."""

    def __init__(self, shown: str, text: str | None):
        self.shown = shown
        self.lines = key_lines(text) if text else {}
        self.items: list[Problem] = []

    def add(self, path: tuple, message: str) -> None:
        line = None
        for n in range(len(path), 0, -1):  # the key, else the nearest table above it
            line = self.lines.get(tuple(path[:n]))
            if line is not None:
                break
        self.items.append(Problem(self.shown, message, line=line))

    def raise_any(self) -> None:
        self.items.sort(key=lambda p: p.line or 0)  # in file order (stable)
        if self.items:
            raise _error(self.items)


# -- validation ----------------------------------------------------------------------------
def parse_recipe(data: dict, name: str, path: Path, atlas, text: str | None = None) -> Recipe:
    """Validate a recipe's TOML data; raise :class:`RecipeError` listing every problem.

    ``text`` (the TOML source) lets each problem name its line.
    """
    errs = _Problems(f"maps/{path.name}", text)
    _unknown(data, RECIPE_KEYS, (), "", errs)
    for key in ("title", "subtitle", "description", "credits"):
        if key in data and not isinstance(data[key], str):
            errs.add((key,), f"'{key}' must be text, not {data[key]!r}")
    entries = data.get("layers")
    if not isinstance(entries, list) or not entries:
        errs.add(("layers",), "'layers' must be a non-empty array of [[layers]] tables")
        entries = []
    specs = []
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errs.add(("layers", i - 1), f"[[layers]] #{i}: must be a table")
            continue
        spec = _layer_spec(entry, ("layers", i - 1), f"[[layers]] #{i}", atlas, errs)
        if spec is not None:
            specs.append(spec)
    controls = _strings(data, "controls", CONTROLS, errs)
    for c in controls:
        if c not in CONTROLS:
            hint = did_you_mean(c, CONTROLS, n=1, quote=True)
            errs.add(("controls",), f"unknown control '{c}'{hint}; "
                                    f"allowed: {', '.join(CONTROLS)}")
    basemaps = _strings(data, "basemaps", (), errs)
    for b in basemaps:
        if b not in BASEMAPS:
            errs.add(("basemaps",), f"unknown basemap '{b}'; allowed: {', '.join(BASEMAPS)}")
    link_fields = _strings(data, "link_fields", (), errs)
    names = [e.get("layer") for e in entries if isinstance(e, dict)]
    names = [n for n in names if isinstance(n, str) and n in atlas.layers]
    known = sorted({str(c) for n in names for c in atlas[n].columns if c != "geometry"})
    for f in link_fields:
        if names and f not in known:
            errs.add(("link_fields",), f"link_fields: no layer of this map has a field '{f}'"
                                       f"{did_you_mean(f, known, n=1, quote=True)}")
    extent = data.get("extent", "fit")
    if extent == "fit":
        extent = None
    elif not (isinstance(extent, list) and len(extent) == 4
              and all(_is_number(v) for v in extent)):
        errs.add(("extent",), "'extent' must be \"fit\" or [min_lon, min_lat, max_lon, max_lat]")
        extent = None
    else:
        extent = tuple(float(v) for v in extent)
        if not (-180 <= extent[0] < extent[2] <= 180 and -90 <= extent[1] < extent[3] <= 90):
            errs.add(("extent",), f"'extent' {list(extent)} is not [min_lon, min_lat, max_lon, "
                                  "max_lat] with min < max, lon in -180..180, lat in -90..90")
            extent = None
    as_of = None
    if data.get("as_of"):
        try:
            as_of = to_date(str(data["as_of"]))
        except ValueError as exc:
            errs.add(("as_of",), f"'as_of': {exc}")
    static_data = data.get("static", {})
    if not isinstance(static_data, dict):
        errs.add(("static",), "[static] must be a table")
        static_data = {}
    if "crs" not in static_data and _workspace_config(atlas).static_crs:
        static_data = {**static_data, "crs": _workspace_config(atlas).static_crs}  # toml
    static = _static_spec(static_data, atlas, errs)
    overlays_data = data.get("overlays") or []
    if not isinstance(overlays_data, list):
        errs.add(("overlays",), "'overlays' must be an array of [[overlays]] tables")
        overlays_data = []
    overlays = tuple(o for i, entry in enumerate(overlays_data, start=1)
                     if (o := _overlay_spec(entry, ("overlays", i - 1), f"[[overlays]] #{i}",
                                            atlas, errs)))
    max_mb = data.get("max_html_mb")
    if max_mb is not None and (not _is_number(max_mb) or max_mb <= 0):
        errs.add(("max_html_mb",), f"'max_html_mb' must be a number of megabytes > 0, "
                                   f"not {max_mb!r}")
        max_mb = None
    chapters = _chapters(data, atlas, specs, errs)
    errs.raise_any()
    return Recipe(
        name=name,
        path=path,
        title=str(data.get("title", name)),
        subtitle=str(data.get("subtitle", "")),
        description=str(data.get("description", "")),
        credits=str(data.get("credits", "")),
        as_of=as_of,
        extent=extent,
        basemaps=basemaps,
        controls=controls,
        link_fields=link_fields,
        layers=tuple(specs),
        static=static,
        overlays=overlays,
        chapters=chapters,
        max_html_mb=float(max_mb) if max_mb is not None else None,
    )


def _chapters(data: dict, atlas, specs, errs: _Problems) -> tuple:
    """Story chapters (``[[chapters]]``), validated by :mod:`geoatlas.chapters`."""
    if "chapters" not in data:
        return ()
    from .chapters import parse_chapters

    return parse_chapters(data["chapters"], atlas, [s.layer for s in specs], errs.add,
                          lambda entry, keys, path, label: _unknown(entry, keys, path, label,
                                                                   errs))


def _is_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _strings(data: dict, key: str, default, errs: _Problems, path: tuple = ()) -> tuple:
    value = data.get(key, default)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    errs.add((*path, key), f"'{key}' must be an array of text values, not {value!r}")
    return ()


def _unknown(data: dict, allowed: dict, path: tuple, label: str, errs: _Problems) -> None:
    head = f"{label}: " if label else ""
    for key in data:
        if key not in allowed:
            errs.add((*path, key), f"{head}unknown key '{key}'"
                                   f"{did_you_mean(key, allowed, n=1, quote=True)}; "
                                   f"allowed: {', '.join(allowed)}")


def _check_where(text, frame, path: tuple, label: str, layer: str, errs: _Problems) -> None:
    if text is None:
        return
    if not isinstance(text, str):
        errs.add(path, f"{label}: 'where' must be text, not {text!r}")
        return
    if not text.strip():
        return
    try:
        expr = where_language.parse(text)
        if frame is not None:
            where_language.mask(expr, frame, text, vocab=where_language.vocabulary(layer))
    except WhereError as exc:
        errs.add(path, f"{label}: 'where' = {text!r}: {exc}")


def _syntax_only(data: dict, path: Path, text: str) -> list[Problem]:
    errs = _Problems(f"maps/{path.name}", text)
    _unknown(data, RECIPE_KEYS, (), "", errs)
    from .chapters import CHAPTER_KEYS

    for kind, keys in (("layers", LAYER_KEYS), ("overlays", OVERLAY_KEYS),
                       ("chapters", CHAPTER_KEYS)):
        entries = data.get(kind)
        for i, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
            if isinstance(entry, dict):
                label = f"[[{kind}]] #{i}"
                _unknown(entry, keys, (kind, i - 1), label, errs)
                _check_where(entry.get("where"), None, (kind, i - 1, "where"), label, "", errs)
    return errs.items


def _layer_spec(entry: dict, path: tuple, label: str, atlas, errs: _Problems
                ) -> LayerSpec | None:
    before = len(errs.items)
    _unknown(entry, LAYER_KEYS, path, label, errs)
    name = entry.get("layer")
    if not name:
        errs.add(path, f"{label}: 'layer' is required")
        return None
    if not isinstance(name, str) or name not in atlas.layers:
        errs.add((*path, "layer"), f"{label}: unknown layer '{name}'"
                                   f"{did_you_mean(str(name), atlas.layers, n=1, quote=True)}; "
                                   f"layers: {', '.join(atlas.layers)}")
        return None
    gdf = atlas[name]
    fields = [c for c in gdf.columns if c != "geometry"]
    label = f"{label} ({name})"

    def check_field(value, key, where=None):
        if value is not None and value not in fields:
            errs.add(where or (*path, key), f"{label}: unknown field '{value}' in '{key}'"
                                            f"{did_you_mean(str(value), fields, n=1, quote=True)}; "
                                            f"fields: {', '.join(fields)}")

    for key in ("tooltip", "popup"):
        for f in _strings(entry, key, [], errs, path):
            check_field(f, key)
    if entry.get("label") is not None and not isinstance(entry["label"], str):
        errs.add((*path, "label"), f"{label}: 'label' must be a field name")
    else:
        check_field(entry.get("label"), "label")
    style = entry.get("style", {})
    if not isinstance(style, dict):
        errs.add((*path, "style"), f"{label}: 'style' must be a table")
        style = {}
    style = dict(style)
    spath = (*path, "style")
    for key in style:
        if key not in STYLE_KEYS:
            errs.add((*spath, key), f"{label}: unknown style key '{key}'; "
                                    f"allowed: {', '.join(STYLE_KEYS)}")
    for key in ("color_by", "size_by", "dash_by", "label"):
        if style.get(key) is not None and not isinstance(style[key], str):
            errs.add((*spath, key), f"{label}: style.{key} must be a field name")
            style.pop(key)
        else:
            check_field(style.get(key), f"style.{key}", (*spath, key))
    ok = _check_style(style, spath, label, errs)
    _check_where(entry.get("where"), gdf, (*path, "where"), label, name, errs)
    geom = _geometry_kind(gdf)
    layer_style = None
    if ok:
        style_spec = {k: v for k, v in style.items() if k in STYLE_KEYS}
        declared = _workspace_config(atlas).palette(style_spec.get("color_by"))
        if declared:  # geoatlas.toml colours, under the recipe's own palette
            style_spec["palette"] = {**declared, **dict(style_spec.get("palette") or {})}
        try:
            layer_style = LayerStyle.from_dict(name, geom, style_spec)
        except (TypeError, ValueError) as exc:
            errs.add(spath, f"{label}: bad style: {exc}")
    has_status = "status" in gdf.columns and name in ("rail", "corridors", "deposits", "pipelines")
    compact = entry.get("compact")
    if compact is not None and not isinstance(compact, bool):
        errs.add((*path, "compact"), f"{label}: 'compact' must be true or false, "
                                     f"not {compact!r}")
    simplify = entry.get("simplify")
    if simplify is not None and (not _is_number(simplify) or simplify < 0):
        errs.add((*path, "simplify"), f"{label}: 'simplify' must be a distance in metres >= 0, "
                                      f"not {simplify!r}")
    for key in ("visible", "contracts", "timeline"):
        if key in entry and not isinstance(entry[key], bool):
            errs.add((*path, key), f"{label}: '{key}' must be true or false, "
                                   f"not {entry[key]!r}")
    for key in ("title", "group"):
        if key in entry and not isinstance(entry[key], str):
            errs.add((*path, key), f"{label}: '{key}' must be text, not {entry[key]!r}")
    if layer_style is None or len(errs.items) > before:
        return None
    return LayerSpec(
        layer=name,
        title=str(entry.get("title", name.replace("_", " ").capitalize())),
        group=str(entry.get("group", "Layers")),
        where=entry.get("where") or None,
        visible=bool(entry.get("visible", True)),
        tooltip=tuple(entry.get("tooltip", ["name"] if "name" in fields else [])),
        popup=tuple(entry.get("popup", [])),
        label=entry.get("label"),
        contracts=bool(entry.get("contracts", True)),
        timeline=bool(entry.get("timeline", has_status)),
        style=layer_style,
        compact=compact if isinstance(compact, bool) else None,
        simplify=float(simplify) if _is_number(simplify) else None,
    )


# -- colours and style values --------------------------------------------------------------
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def check_color(value) -> str | None:
    """Why ``value`` is not a colour every renderer draws the same, or ``None`` if it is.

    Colours are ``#rgb``, ``#rrggbb`` (with an optional alpha digit pair) or a CSS
    colour name, which the browser, matplotlib and QGIS all know.

    >>> check_color("#b87333") is None, check_color("steelblue") is None
    (True, True)
    >>> check_color("#12345g")
    "'#12345g' is not a colour: use #rrggbb or a CSS colour name"
    """
    if isinstance(value, str) and _HEX.fullmatch(value):
        return None
    if isinstance(value, str) and value.isascii() and value.isalpha():
        from matplotlib.colors import CSS4_COLORS  # the CSS names; only for a named colour

        if value.lower() in CSS4_COLORS:
            return None
        hint = did_you_mean(value.lower(), CSS4_COLORS, n=1, quote=True)
        return f"'{value}' is not a colour{hint}: use #rrggbb or a CSS colour name"
    return f"{value!r} is not a colour: use #rrggbb or a CSS colour name"


_NUMBERS = {"weight": (0, 100), "opacity": (0, 1), "fill_opacity": (0, 1), "radius": (0, 200)}


def _check_style(style: dict, path: tuple, label: str, errs: _Problems) -> bool:
    """Check the values of a style table; ``False`` if it cannot be used."""
    before = len(errs.items)
    for key in ("color", "fill"):
        if key in style and (why := check_color(style[key])):
            errs.add((*path, key), f"{label}: style.{key}: {why}")
    palette = style.get("palette", {})
    if not isinstance(palette, dict):
        errs.add((*path, "palette"), f"{label}: style.palette must be a table of "
                                     "value = colour")
    else:
        for value, colour in palette.items():
            if why := check_color(colour):
                errs.add((*path, "palette", value), f"{label}: style.palette.{value}: {why}")
    for key, (low, high) in _NUMBERS.items():
        if key in style and not (_is_number(style[key]) and low <= style[key] <= high):
            errs.add((*path, key), f"{label}: style.{key} must be a number from {low} to "
                                   f"{high}, not {style[key]!r}")
    for key in ("size_classes", "sizes"):
        if key in style and not (isinstance(style[key], list)
                                 and all(_is_number(v) for v in style[key])):
            errs.add((*path, key), f"{label}: style.{key} must be an array of numbers, "
                                   f"not {style[key]!r}")
    if "size_labels" in style and not (isinstance(style["size_labels"], list) and all(
            isinstance(v, str) for v in style["size_labels"])):
        errs.add((*path, "size_labels"), f"{label}: style.size_labels must be an array of text")
    classes = style.get("size_classes")
    if len(errs.items) == before and isinstance(classes, list):
        if classes != sorted(classes):
            errs.add((*path, "size_classes"), f"{label}: style.size_classes must ascend, "
                                              f"not {classes!r}")
        for key in ("sizes", "size_labels"):
            if key in style and len(style[key]) != len(classes):
                errs.add((*path, key), f"{label}: style.{key} needs one entry per size class "
                                       f"({len(classes)}), not {len(style[key])}")
    if "mark_quality" in style and not isinstance(style["mark_quality"], bool):
        errs.add((*path, "mark_quality"), f"{label}: style.mark_quality must be true or false")
    return len(errs.items) == before


def _overlay_spec(entry, path: tuple, label: str, atlas, errs: _Problems
                  ) -> OverlaySpec | None:
    if not isinstance(entry, dict):
        errs.add(path, f"{label}: must be a table")
        return None
    _unknown(entry, OVERLAY_KEYS, path, label, errs)
    product, layer = entry.get("product"), entry.get("layer")
    if product not in ("distance", "density"):
        errs.add((*path, "product"), f"{label}: 'product' must be distance or density, "
                                     f"not {product!r}")
        return None
    if not isinstance(layer, str) or layer not in atlas.layers:
        errs.add((*path, "layer"), f"{label}: unknown layer {layer!r}; "
                                   f"layers: {', '.join(atlas.layers)}")
        return None
    weight = entry.get("weight")
    if weight is not None and (not isinstance(weight, str)
                               or weight not in atlas[layer].columns):
        errs.add((*path, "weight"), f"{label}: unknown field {weight!r} in 'weight'")
        return None
    numbers = {k: entry[k] for k in ("bandwidth_km", "resolution_km", "max_value", "opacity")
               if k in entry}
    for key, value in numbers.items():
        if not _is_number(value) or value <= 0 or (key == "opacity" and value > 1):
            errs.add((*path, key), f"{label}: {key!r} must be a number > 0"
                                   f"{' and <= 1' if key == 'opacity' else ''}, not {value!r}")
            return None
    _check_where(entry.get("where"), atlas[layer], (*path, "where"), label, layer, errs)
    for key in ("title", "group"):
        if key in entry and not isinstance(entry[key], str):
            errs.add((*path, key), f"{label}: '{key}' must be text, not {entry[key]!r}")
    if "visible" in entry and not isinstance(entry["visible"], bool):
        errs.add((*path, "visible"), f"{label}: 'visible' must be true or false")
    default_title = (f"Distance to {layer} (km)" if product == "distance"
                     else f"Density of {layer}")
    return OverlaySpec(
        product=product, layer=layer, title=str(entry.get("title", default_title)),
        group=str(entry.get("group", "Analysis")), where=entry.get("where") or None,
        weight=weight, visible=bool(entry.get("visible", False)),
        **{k: float(v) for k, v in numbers.items()},
    )


def _static_spec(data: dict, atlas, errs: _Problems) -> StaticSpec:
    path = ("static",)
    _unknown(data, STATIC_KEYS, path, "[static]", errs)
    formats = _strings(data, "formats", STATIC_FORMATS, errs, path)
    for f in formats:
        if f not in STATIC_FORMATS:
            errs.add((*path, "formats"), f"[static] unknown format '{f}'; "
                                         "allowed: png, svg, pdf")
    labels = _strings(data, "labels", (), errs, path)
    for name in labels:
        if name not in atlas.layers:
            errs.add((*path, "labels"), f"[static] labels: unknown layer '{name}'")
    size = data.get("size", A4_LANDSCAPE_IN)
    if not (isinstance(size, (list, tuple)) and len(size) == 2
            and all(_is_number(v) and 0 < v <= 200 for v in size)):
        errs.add((*path, "size"), f"[static] size must be [width, height] in inches, "
                                  f"not {size!r}")
        size = A4_LANDSCAPE_IN
    dpi = data.get("dpi", 200)
    if not (isinstance(dpi, int) and not isinstance(dpi, bool) and 50 <= dpi <= 1200):
        errs.add((*path, "dpi"), f"[static] dpi must be a whole number from 50 to 1200, "
                                 f"not {dpi!r}")
        dpi = 200
    crs = data.get("crs")
    if crs is not None and (why := _check_crs(crs)):
        errs.add((*path, "crs"), f"[static] crs: {why}")
    return StaticSpec(formats=formats, dpi=int(dpi), crs=crs, size=tuple(size), labels=labels)


def _check_crs(code) -> str | None:
    if isinstance(code, bool) or not isinstance(code, (int, str)):
        return f"{code!r} is not an EPSG code"
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(int(code) if str(code).isdigit() else str(code))
    except CRSError:
        return f"{code!r} is not a known CRS (use an EPSG code such as 32642)"
    if not crs.is_projected:
        return f"{code} is not a projected CRS; static maps are never drawn in degrees"
    return None


def _workspace_config(atlas):
    """The atlas's ``geoatlas.toml`` settings (empty ones for a bare catalog)."""
    from .config import WorkspaceConfig

    return getattr(getattr(atlas, "catalog", None), "config", None) or WorkspaceConfig()


def _geometry_kind(gdf) -> str:
    import shapely

    ids = set(shapely.get_type_id(gdf.geometry.to_numpy()).tolist()) if len(gdf) else set()
    if ids & {3, 6}:  # Polygon, MultiPolygon
        return "polygon"
    if ids & {1, 2, 5}:  # LineString, LinearRing, MultiLineString
        return "line"
    return "point"
