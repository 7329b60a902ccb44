"""What every QGIS module shares: versions, units, ids, the table record, XML output."""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from pyproj import CRS

from ..._atomic import staged
from ..prepare import PreparedLayer

__all__ = [
    "DOCTYPE",
    "PX_MM",
    "QGIS_VERSION",
    "WKB",
    "GpkgTable",
    "layer_id",
    "mm",
    "num",
    "option_map",
    "recipe_theme_name",
    "serialize",
    "srs",
    "write_qgz",
]


QGIS_VERSION = "3.22.16-Białowieża"
"""The QGIS version the files are written for (and tested with)."""
PX_MM = 25.4 / 96
"""Style sizes are CSS pixels (1/96 in); QGIS symbols here use millimetres."""
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
WKB = {
    "point": ("Point", "Point"),
    "line": ("Line", "LineString"),
    "polygon": ("Polygon", "MultiPolygon"),
}


@dataclass(frozen=True)
class GpkgTable:
    """One feature or attribute table written to the GeoPackage.

    ``kind`` says what it is: ``"recipe"`` (a recipe layer, ``layer`` set),
    ``"table"`` (contracts, events, sources, trade), ``"basemap"`` (the countries
    under every project) or ``"history"`` (one row per status period, for the
    temporal controller). ``source`` is the workspace layer or table it comes from.
    """

    table: str
    title: str
    geometry_column: str | None
    wkb_type: str  # OGR name: Point, LineString, MultiPolygon, ... or NoGeometry
    layer: PreparedLayer | None = None
    qml: str | None = None
    kind: str = "recipe"
    source: str = ""
    geometry: str | None = None  # point | line | polygon for spatial tables
    abstract: str = ""
    fields: tuple[str, ...] = ()
    frame: object = field(default=None, compare=False, repr=False)  # attribute rows

    @property
    def spatial(self) -> bool:
        """Whether the table has a geometry column."""
        return self.geometry_column is not None


def layer_id(table: str) -> str:
    """The project id of a GeoPackage table's layer.

    QGIS 3.22 discards an id of 10 characters or fewer (and makes up a random one), so
    every id gets a prefix.

    Examples
    --------
    >>> layer_id("rail")
    'geoatlas_rail'
    """
    return f"geoatlas_{table}"


def mm(px: float) -> float:
    """CSS pixels to millimetres, rounded.

    Examples
    --------
    >>> mm(96)
    25.4
    """
    return round(px * PX_MM, 4)


def num(x: float) -> str:
    """A number as short text.

    Examples
    --------
    >>> num(2.50000001), num(3.0)
    ('2.5', '3')
    """
    return f"{round(x, 4):g}"


def serialize(root: ET.Element) -> str:
    """A QGIS XML document (DOCTYPE, indented, trailing newline)."""
    ET.indent(root, space=" ")
    return DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"


def option_map(parent: ET.Element, values: dict, name: str | None = None) -> ET.Element:
    """Write ``values`` as QGIS's ``<Option type="Map">`` (nested dicts and lists too).

    Examples
    --------
    >>> el = ET.Element("config")
    >>> _ = option_map(el, {"IsMultiline": False, "map": [{"A": "a"}]})
    >>> ET.tostring(el, encoding="unicode")[:60]
    '<config><Option type="Map"><Option name="IsMultiline" value='
    """
    attrs = {"type": "Map"}
    if name is not None:
        attrs = {"name": name, "type": "Map"}
    el = ET.SubElement(parent, "Option", attrs)
    for key, value in values.items():
        _option(el, key, value)
    return el


def _option(parent: ET.Element, key, value) -> None:
    named = {} if key is None else {"name": str(key)}
    if isinstance(value, dict):
        option_map(parent, value, None if key is None else str(key))
    elif isinstance(value, list):
        lst = ET.SubElement(parent, "Option", {**named, "type": "List"})
        for item in value:
            _option(lst, None, item)
    elif isinstance(value, bool):
        ET.SubElement(parent, "Option", {**named, "value": "true" if value else "false",
                                         "type": "bool"})
    elif isinstance(value, int):
        ET.SubElement(parent, "Option", {**named, "value": str(value), "type": "int"})
    elif isinstance(value, float):
        ET.SubElement(parent, "Option", {**named, "value": repr(value), "type": "double"})
    else:
        ET.SubElement(parent, "Option", {**named, "value": str(value), "type": "QString"})


def srs(crs: CRS, description: str | None = None) -> ET.Element:
    """A full ``<spatialrefsys>``: QGIS ignores a bare authid for a custom CRS."""
    el = ET.Element("spatialrefsys")
    epsg = crs.to_epsg(min_confidence=100)
    geographic = crs.is_geographic
    with warnings.catch_warnings():  # "you may lose information": the WKT carries it all
        warnings.simplefilter("ignore", UserWarning)
        proj4 = (crs if epsg is None else CRS.from_epsg(epsg)).to_proj4()
    fields = [
        ("wkt", crs.to_wkt()),
        ("proj4", proj4.replace(" +type=crs", "")),
        ("srsid", "3452" if epsg == 4326 else "0"),
        ("srid", str(epsg or 0)),
        ("authid", f"EPSG:{epsg}" if epsg else ""),
        ("description", description or crs.name),
        ("projectionacronym", "longlat" if geographic else _proj_acronym(proj4)),
        ("ellipsoidacronym", "EPSG:7030"),
        ("geographicflag", "true" if geographic else "false"),
    ]
    for tag, text in fields:
        ET.SubElement(el, tag).text = text
    return el


def _proj_acronym(proj4: str) -> str:
    for part in proj4.split():
        if part.startswith("+proj="):
            return part.split("=", 1)[1]
    return ""


def recipe_theme_name(recipe) -> str:
    """The name of the recipe's own map theme (dated when the recipe has ``as_of``)."""
    if recipe.as_of:
        return f"{recipe.title} (as of {recipe.as_of})"
    return recipe.title


def write_qgz(path: str | Path, member: str, document: str) -> Path:
    """Write a ``.qgz``: one deflated ``member`` (the ``.qgs``), byte-for-byte reproducibly.

    A fixed timestamp and mode, so the same project gives the same bytes; written
    atomically (:func:`geoatlas._atomic.staged`).

    >>> import pathlib, tempfile
    >>> p = write_qgz(pathlib.Path(tempfile.mkdtemp()) / "m.qgz", "m.qgs", "<qgis/>")
    >>> zipfile.ZipFile(p).read("m.qgs")
    b'<qgis/>'
    """
    path = Path(path)
    info = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    with staged(path) as tmp, zipfile.ZipFile(tmp, "w") as zf:
        zf.writestr(info, document.encode("utf-8"))
    return path
