"""What may get a label on the print map, and how urgently (its priority).

Candidates come from the recipe's ``[static] labels`` layers, the places ranked by
:mod:`.places`, province names on a map that shows provinces, and country names (never
disputed or special areas). Their priorities order them: the labelled lines (the map's
subject), capitals, the labelled points by symbol size, other places, provinces, then
countries by area. A line offers several positions along itself, the middle first;
:mod:`.labels` places them.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely

from ...style import short_label
from ..mapframe import MapFrame, labelled_countries
from ..prepare import PreparedLayer
from .basemap import countries_near
from .places import LINE_PRIORITY, ranked_places
from .project import line_parts, project
from .symbols import PT_PER_PX, line_width

__all__ = ["LINE_POSITIONS", "Candidate", "label_candidates"]

LINE_POSITIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88)
"""Where along a line its label is tried (fractions of its length), best first."""


@dataclass
class Candidate:
    """A label to place: map coordinates, text, the radius it must clear, its priority.

    ``kind`` is point | line | polygon | place | province | country; ``own`` the
    ``(layer, id)`` of the feature labelled (``None`` for names of no feature).
    """

    x: float
    y: float
    text: str
    radius_pt: float
    priority: float
    kind: str  # point | line | polygon | country
    own: tuple[str, str] | None


def _label_field(p: PreparedLayer) -> str | None:
    for name in (p.spec.label, p.spec.style.label, "name"):
        if name and name in p.frame:
            return name
    return None


def label_candidates(atlas, recipe, layers, frame: MapFrame) -> list[Candidate]:
    """Everything that may get a label, with its priority (higher is placed first).

    In order: the recipe's ``[static] labels`` layers (points by symbol size, lines),
    then places by rank (capitals, then the recipe's places), then province names on a
    map that shows provinces, then country names (never disputed or special areas).
    """
    wanted = set(recipe.static.labels)
    out: list[Candidate] = []
    for p in layers:
        if p.name not in wanted or not len(p.frame):
            continue
        field_name = _label_field(p)
        if field_name is None:
            continue
        out += _layer_candidates(p, field_name, frame)
    view = shapely.box(*frame.bounds)
    for q in ranked_places(atlas, recipe, layers, frame):
        out.append(Candidate(q.x, q.y, q.text, q.radius_pt, q.priority, "place",
                             ("places", q.ident)))
    out += _province_candidates(layers, frame, view)
    # country names: context, lowest priority; disputed and special areas stay unnamed
    if "countries" in atlas.layers:
        out += _country_candidates(atlas, frame, view)
    return out


def _layer_candidates(p: PreparedLayer, field_name: str, frame: MapFrame) -> list[Candidate]:
    """A recipe layer's labels: at each point, along each line, inside each area."""
    out: list[Candidate] = []
    geoms = project(p.frame, frame, pad=0.0)
    for ident, geom, sym, text in zip(p.frame.index, geoms, p.symbols, p.frame[field_name]):
        if geom is None or geom.is_empty or not isinstance(text, str) or not text.strip():
            continue
        text = short_label(text)
        kind = geom.geom_type
        if kind == "Point":
            out.append(Candidate(geom.x, geom.y, text, sym.radius * PT_PER_PX,
                                 sym.radius, "point", (p.name, str(ident))))
        elif "LineString" in kind:
            parts = line_parts(geom)
            line = max((shapely.LineString(c) for c in parts if len(c) > 1),
                       key=lambda g: g.length, default=None)
            if line is None:
                continue
            for f in LINE_POSITIONS:
                pt = line.interpolate(f, normalized=True)
                out.append(Candidate(pt.x, pt.y, text, line_width(sym) / 2,
                                     LINE_PRIORITY - abs(f - 0.5), "line",
                                     (p.name, str(ident))))
        elif "Polygon" in kind:
            pt = geom.representative_point()
            out.append(Candidate(pt.x, pt.y, text, 0, 1, "polygon", None))
    return out


def _province_candidates(layers, frame: MapFrame, view) -> list[Candidate]:
    """Province names on a map that shows provinces, bigger provinces first."""
    prov = next((p for p in layers if p.name == "provinces" and p.spec.visible
                 and len(p.frame)), None)
    if prov is None or "name" not in prov.frame:
        return []
    out: list[Candidate] = []
    area = view.area
    for ident, geom, name in zip(prov.frame.index, project(prov.frame, frame, pad=0.0),
                                 prov.frame["name"]):
        if geom is None or geom.is_empty or not isinstance(name, str) or not name.strip():
            continue
        part = shapely.make_valid(geom).intersection(view)
        if part.is_empty or part.area < area * 0.002:
            continue
        pt = part.representative_point()
        out.append(Candidate(pt.x, pt.y, short_label(name), 0, -0.5 + part.area / area,
                             "province", ("provinces", str(ident))))
    return out


def _country_candidates(atlas, frame: MapFrame, view) -> list[Candidate]:
    """Country names in capitals, bigger countries first; never disputed or special areas."""
    out: list[Candidate] = []
    area = view.area
    countries = countries_near(atlas, frame)
    named = labelled_countries(countries)
    geoms = project(countries, frame, pad=0.0)
    for name, geom, ok in zip(countries["name"], geoms, named):
        if not ok or geom is None or geom.is_empty or not isinstance(name, str):
            continue
        part = shapely.make_valid(geom).intersection(view)
        if part.is_empty or part.area < area * 0.015:
            continue
        pt = part.representative_point()
        out.append(Candidate(pt.x, pt.y, name.upper(), 0, -1 + part.area / area,
                             "country", None))
    return out
