"""Label placement on the print map: greedy by priority, never overlapping, grouped.

Candidates (:mod:`.candidates`) are placed best first, each at the first of its
positions where it overlaps no label, symbol or piece of furniture placed before.
Point features whose symbols touch form a group labelled once, by its biggest member,
with a count (``Mes Aynak (+2)``); a point whose label finds no room joins the nearest
labelled group of its layer the same way, and only when even that does not fit is it
dropped. Places are marked afterwards (:mod:`.places`): capitals always, other places
only where their name was placed.

Examples
--------
>>> grouped_text("Mes Aynak", 2), grouped_text("Kabul", 0)
('Mes Aynak (+2)', 'Kabul')
>>> label_style("place")["fontweight"], label_style("point")["zorder"]
('bold', 62)
"""

from __future__ import annotations

import numpy as np

from ...style import PRINT_HALOS, PRINT_LABELS
from .candidates import Candidate, label_candidates
from .layers import DrawnPoint
from .places import draw_places, place_marks
from .text import halo

__all__ = ["POINT_OFFSETS", "draw_labels", "group_crowded", "grouped_text",
           "label_and_mark_places", "label_style"]

POINT_OFFSETS = (  # (dx, dy) in units of (radius + gap), ha, va
    ((1, 0), "left", "center"),
    ((-1, 0), "right", "center"),
    ((0, 1), "center", "bottom"),
    ((0, -1), "center", "top"),
    ((0.75, 0.75), "left", "bottom"),
    ((0.75, -0.75), "left", "top"),
    ((-0.75, 0.75), "right", "bottom"),
    ((-0.75, -0.75), "right", "top"),
)
"""Where a point's label is tried around its symbol, best first."""
JOIN_WITHIN_PT = 60
"""A point whose label finds no room joins a labelled group of its layer this close."""
_ZORDER = {"country": 40, "province": 41, "polygon": 60, "line": 61, "place": 63}


def label_and_mark_places(ax, atlas, recipe, layers, view, points, blockers, renderer):
    """Place every label, then mark the capitals and the places that were named."""
    marks = place_marks(atlas, recipe, layers, view)
    capitals = [DrawnPoint(q.x, q.y, q.radius_pt, "places", q.ident)
                for q in marks if q.capital]
    counts = draw_labels(ax, atlas, recipe, layers, view, points + capitals, blockers,
                         renderer, marks={q.ident: q for q in marks})
    draw_places(ax, [q for q in marks if q.capital or q.ident in ax.placed_places])
    return counts


def group_crowded(cands: list[Candidate], ax, gap_pt: float = 3.0) -> dict:
    """Group point candidates whose symbols touch: the biggest of each group is its head.

    Returns ``{head key: [member keys]}`` for every head (members may be empty).
    """
    scale = ax.figure.dpi / 72.0
    heads: list[tuple[Candidate, np.ndarray]] = []
    groups: dict = {}
    for c in cands:
        if c.kind != "point":
            continue
        xy = ax.transData.transform((c.x, c.y))
        home = None
        for h, hxy in heads:
            if h.own[0] == c.own[0] and (np.hypot(*(xy - hxy))
                                         < (h.radius_pt + c.radius_pt + gap_pt) * scale):
                home = h
                break
        if home is None:
            heads.append((c, xy))
            groups[c.own] = []
        else:
            groups[home.own].append(c.own)
    return groups


def grouped_text(text: str, n: int) -> str:
    """A label standing for ``n`` more features than its own: ``Mes Aynak (+2)``."""
    return f"{text} (+{n})" if n else text


def label_style(kind: str) -> dict:
    """Text properties of a label of ``kind`` (:data:`geoatlas.style.PRINT_LABELS`)."""
    style = PRINT_LABELS[kind if kind in _ZORDER else "feature"]
    return {**style, "zorder": _ZORDER.get(kind, 62)}


def draw_labels(ax, atlas, recipe, layers, frame, points, blockers, renderer, marks=None):
    """Place labels greedily by priority, never overlapping; group what crowds.

    Point features whose symbols touch form a group labelled once, by its biggest
    member, with a count (``Mes Aynak (+2)``); a point whose label finds no free place
    joins the nearest labelled group of its layer within 60 pt the same way, and only
    when even that does not fit is it dropped. The groups are kept on the axes as
    ``ax.label_groups`` (``{(layer, id): [(layer, id), ...]}``). Returns
    ``(placed, dropped)``.

    ``marks`` are places drawn only when named (not obstacles in advance): a place is
    named only where neither its dot nor its label covers a label placed before it;
    the ids of those named are kept as ``ax.placed_places``.
    """
    marks = marks or {}
    ax.placed_places = set()
    cands = label_candidates(atlas, recipe, layers, frame)
    cands.sort(key=lambda c: (-c.priority, c.kind == "country", c.text))
    placer = _Placer(ax, cands, points, blockers, renderer)
    for c in cands:
        placer.place(c, marks)
    placer.join_failed()
    return placer.finish(cands)


def _options(c: Candidate) -> list[tuple]:
    """Offsets in points and alignments to try for a label, best first."""
    if c.kind in ("point", "place"):
        return [(dx * (c.radius_pt + 2), dy * (c.radius_pt + 2), ha, va)
                for (dx, dy), ha, va in POINT_OFFSETS]
    if c.kind == "line":
        off = c.radius_pt + 2.5
        return [(0, off, "center", "bottom"), (0, -off, "center", "top"),
                (0, 0, "center", "center")]
    return [(0, 0, "center", "center")]


class _Placer:
    """One greedy pass: the boxes taken, the symbols to keep clear, groups and counts."""

    def __init__(self, ax, cands, points, blockers, renderer):
        from matplotlib.transforms import Bbox

        self.ax, self.fig, self.renderer = ax, ax.figure, renderer
        self.axes_box = ax.get_window_extent(renderer).padded(-2)
        self.scale = scale = self.fig.dpi / 72.0
        pts_disp = ax.transData.transform([(q.x, q.y) for q in points]) if points else (
            np.empty((0, 2)))
        self.obstacles = [Bbox.from_extents(x - q.radius_pt * scale, y - q.radius_pt * scale,
                                            x + q.radius_pt * scale, y + q.radius_pt * scale)
                          for (x, y), q in zip(pts_disp, points)]
        self.owners = [(q.layer, q.ident) for q in points]
        self.groups = group_crowded(cands, ax)
        self.member_of = {m: h for h, ms in self.groups.items() for m in ms}
        self.placed: list = list(blockers)
        self.boxes: dict = {}  # own key -> (text artist, index in placed, candidate)
        self.done: set[tuple[str, str] | str] = set()
        self.failed: list[Candidate] = []
        self.n_placed = self.dropped = 0

    def free(self, bb, own, skip=None) -> bool:
        """Whether ``bb`` lies inside the map and clear of every other label and symbol."""
        return (self.axes_box.contains(bb.x0, bb.y0) and self.axes_box.contains(bb.x1, bb.y1)
                and not any(bb.overlaps(o) for i, o in enumerate(self.placed) if i != skip)
                and not any(bb.overlaps(o) for o, w in zip(self.obstacles, self.owners)
                            if w != own and self.member_of.get(w) != own
                            and w not in self.groups.get(own, ())))

    def place(self, c: Candidate, marks: dict) -> None:
        """Place one candidate, or note why not (dropped, failed point, next line position)."""
        key = c.own if c.own is not None else f"{c.kind}:{c.text}"
        if key in self.done or key in self.member_of:
            return
        dot = None
        if c.kind == "place" and c.own[1] in marks and not marks[c.own[1]].capital:
            dot = self._dot(c)
            if any(dot.overlaps(o) for o in self.placed):
                self.done.add(key)
                return  # an unnamed town dot tells nothing: leave the place out
        ok = self._first_free(c, grouped_text(c.text, len(self.groups.get(c.own, ()))))
        if c.kind == "line" and ok is None:
            return  # try the next position along the line
        self.done.add(key)
        if ok is None:
            if c.kind == "point":
                self.failed.append(c)
            elif c.kind not in ("country", "province"):
                self.dropped += 1
            return
        ok.set_gid(f"label:{c.own[0]}:{c.own[1]}" if c.own else f"label:{c.kind}")
        if dot is not None:
            self.placed.append(dot)
        if c.kind == "place":
            self.ax.placed_places.add(c.own[1])
        if c.own is not None:
            self.boxes[c.own] = (ok, len(self.placed) - 1, c)
        self.n_placed += 1

    def _dot(self, c: Candidate):
        """The display box of a place's dot (drawn only if its name is placed)."""
        from matplotlib.transforms import Bbox

        x, y = self.ax.transData.transform((c.x, c.y))
        r = c.radius_pt * self.scale + 1
        return Bbox.from_extents(x - r, y - r, x + r, y + r)

    def _first_free(self, c: Candidate, text: str):
        """The label drawn at its first free position (its box taken), else None."""
        from matplotlib.transforms import offset_copy

        style = label_style(c.kind)
        for dx, dy, ha, va in _options(c):
            trans = offset_copy(self.ax.transData, fig=self.fig, x=dx, y=dy, units="points")
            t = self.ax.text(c.x, c.y, text, transform=trans, ha=ha, va=va, **style)
            bb = t.get_window_extent(self.renderer).padded(1.5)
            if self.free(bb, c.own):
                self.placed.append(bb)
                return t
            t.remove()
        return None

    def join_failed(self) -> None:
        """Each point left without a label joins the nearest labelled group of its layer."""
        for c in self.failed:
            if not self._join(c):
                self.dropped += 1 + len(self.groups.pop(c.own, []))

    def _join(self, c: Candidate) -> bool:
        xy = self.ax.transData.transform((c.x, c.y))
        near = sorted((np.hypot(*(self.ax.transData.transform((h.x, h.y)) - xy)), own)
                      for own, (_, _, h) in self.boxes.items() if own[0] == c.own[0])
        for dist, own in near:
            if dist > JOIN_WITHIN_PT * self.scale:
                break
            t, idx, h = self.boxes[own]
            members = self.groups.setdefault(own, [])
            t.set_text(grouped_text(h.text, len(members) + 1 + len(self.groups.get(c.own, ()))))
            bb = t.get_window_extent(self.renderer).padded(1.5)
            if self.free(bb, own, skip=idx):
                members.append(c.own)
                members.extend(self.groups.pop(c.own, []))
                self.placed[idx] = bb
                return True
            t.set_text(grouped_text(h.text, len(members)))
        return False

    def finish(self, cands) -> tuple[int, int]:
        """Halo every label, keep the groups on the axes; ``(placed, dropped)``."""
        for t, _, c in self.boxes.values():
            halo(t, width=PRINT_HALOS["label"] if c.kind != "country" else PRINT_HALOS["country"])
        for t in [t for t in self.ax.texts if t.get_gid() in ("label:country", "label:polygon")]:
            halo(t, width=PRINT_HALOS["country"])
        self.ax.label_groups = {k: v for k, v in self.groups.items() if k in self.boxes}
        # a line whose every position failed counts as dropped once
        lines = {c.own for c in cands if c.kind == "line"}
        return self.n_placed, self.dropped + len([k for k in lines if k not in self.done])
