"""Places on the map: which to name and mark, by rank, and their marks.

Every capital in view is named (a national map always names its capital), then the
recipe's places layer, even when that layer starts hidden. Capitals are marked as
ringed dots whatever happens to their labels; other places get a dot only when their
name found room (:mod:`.labels`), because a town dot without its name tells nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...style import BASEMAP, PRINT_PLACES, short_label
from ..mapframe import MapFrame
from .project import project
from .symbols import INK

__all__ = ["LINE_PRIORITY", "PLACE_RANKS", "Place", "draw_places", "place_marks",
           "ranked_places"]


@dataclass
class Place:
    """A place to name: map coordinates, label, mark radius in pt, label priority."""

    x: float
    y: float
    text: str
    radius_pt: float
    priority: float
    ident: str
    capital: bool


PLACE_RANKS = {"capital": 20.0, "city": 2.0, "sea_port": 1.6, "dry_port": 1.5,
               "border_crossing": 1.4, "mountain_pass": 1.3, "town": 1.2, "rail_station": 1.1}
"""Label priority of places by kind. Labels are placed in priority order: the recipe's
labelled lines (:data:`LINE_PRIORITY`: the subject), capitals (20), the recipe's labelled
points (their symbol radius, 3-14), other places (1-2), then province and country names."""
LINE_PRIORITY = 25.0


def ranked_places(atlas, recipe, layers, frame: MapFrame) -> list[Place]:
    """The places to name: every capital in view, and the recipe's places layer.

    The recipe's places count even when its layer starts hidden (a reference layer the
    web map lets readers switch on); capitals come from the gazetteer whatever the
    recipe says, so a national map always names its capital.
    """
    if "places" not in atlas.layers:
        return []
    places = atlas["places"]
    keep = (places["kind"] == "capital") if "kind" in places else np.zeros(len(places), bool)
    spec = next((p for p in layers if p.name == "places"), None)
    ids = set(map(str, spec.frame.index)) if spec is not None else set()
    keep = keep | places.index.astype(str).isin(ids)
    chosen = places[keep]
    if not len(chosen):
        return []
    geoms = project(chosen, frame, pad=0.0)
    xmin, ymin, xmax, ymax = frame.bounds
    out = []
    for ident, geom, name, kind in zip(chosen.index, geoms, chosen["name"],
                                       chosen.get("kind", [""] * len(chosen))):
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            continue
        if not (xmin < geom.x < xmax and ymin < geom.y < ymax) or not isinstance(name, str):
            continue
        capital = kind == "capital"
        radius = PRINT_PLACES["capital_radius" if capital else "place_radius"]
        out.append(Place(geom.x, geom.y, short_label(name), radius,
                          PLACE_RANKS.get(str(kind), 1.0), str(ident), capital))
    return out


def place_marks(atlas, recipe, layers, frame: MapFrame) -> list[Place]:
    """The ranked places the recipe does not draw itself (its places layer may be hidden)."""
    visible = {str(i) for p in layers if p.name == "places" and p.spec.visible
               for i in p.frame.index}
    return [q for q in ranked_places(atlas, recipe, layers, frame) if q.ident not in visible]


def draw_places(ax, marks: Sequence[Place]) -> None:
    """Mark places: capitals as ringed dots, others as small dots.

    Only capitals and places whose label found room are drawn: a town dot without its
    name tells the reader nothing.
    """
    for capital in (True, False):
        group = [q for q in marks if q.capital == capital]
        if not group:
            continue
        xs, ys = [q.x for q in group], [q.y for q in group]
        if capital:
            ax.scatter(xs, ys, s=(2 * PRINT_PLACES["capital_radius"]) ** 2,
                       facecolors=BASEMAP["halo"], edgecolors=INK,
                       linewidths=PRINT_PLACES["capital_ring"], zorder=70, gid="places:capitals")
            ax.scatter(xs, ys, s=PRINT_PLACES["capital_dot"] ** 2, facecolors=INK,
                       edgecolors="none", zorder=70.1)
        else:
            ax.scatter(xs, ys, s=(2 * PRINT_PLACES["place_radius"]) ** 2, facecolors=INK,
                       edgecolors=BASEMAP["halo"], linewidths=PRINT_PLACES["place_edge"],
                       zorder=70, gid="places:others")
