"""The style spec's palettes: far apart (also for colour-blind readers), complete, human.

Guards: every commodity and status of the vocabulary has its own colour; every pair of
commodity colours differs by CIEDE2000 >= 10; legend wording is never a raw id or a
snake_case field name; one basemap palette serves every renderer.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
import pytest

from geoatlas import schema, style
from geoatlas.colour import delta_e2000, hex_to_lab, min_pair_distance, simulate

# The vocabulary agreed for this release: today's 15 plus these 8 (the data branch adds
# them to schema.COMMODITIES; the palette must cover them whether or not it has landed).
NEW_COMMODITIES = ("silver", "zinc", "lead", "molybdenum", "tungsten", "antimony", "tin",
                   "nickel")
COMMODITIES = tuple(dict.fromkeys((*schema.COMMODITIES, *NEW_COMMODITIES)))
STATUSES = tuple(dict.fromkeys((*schema.STATUSES, "superseded")))
RAW = re.compile(r"^[a-z0-9]+([_-][a-z0-9]+)+$")  # snake_case or kebab-case id


def test_sharma_reference_pairs():
    # Sharma, Wu & Dalal (2005), table 1: pairs 1, 7, 17, 25, 34
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
             ((50, 0, 0), (50, -1, 2), 2.3669),
             ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
             ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082)]
    for a, b, want in pairs:
        assert delta_e2000(a, b) == pytest.approx(want, abs=1e-4)
        assert delta_e2000(b, a) == pytest.approx(want, abs=1e-4)


@pytest.mark.parametrize("name", COMMODITIES)
def test_every_commodity_has_a_valid_colour(name):
    color = style.COMMODITY_COLORS[name]
    assert re.fullmatch(r"#[0-9a-f]{6}", color)


def test_commodity_colours_are_far_apart():
    colors = {n: style.COMMODITY_COLORS[n] for n in COMMODITIES}
    assert len(set(colors.values())) == len(colors)
    worst, pair = min_pair_distance(colors)
    assert worst >= 10, f"{pair} differ by ΔE00 {worst:.1f} only"


@pytest.mark.parametrize("cvd", ["deuteranopia", "protanopia"])
def test_commodity_colours_stay_apart_for_colour_blind_readers(cvd):
    colors = {n: style.COMMODITY_COLORS[n] for n in COMMODITIES}
    worst, pair = min_pair_distance(colors, cvd)
    assert worst >= 7, f"{pair} differ by ΔE00 {worst:.1f} only with {cvd}"
    # the simulation is not the identity: greens and reds move
    assert simulate("#1a9641", cvd) != "#1a9641"


def test_commodity_colours_read_on_the_land():
    for land in (style.BASEMAP["focus"], style.BASEMAP["neighbour"]):
        for name in COMMODITIES:
            d = delta_e2000(hex_to_lab(style.COMMODITY_COLORS[name]), hex_to_lab(land))
            assert d >= 10, (name, land, d)


def test_every_status_has_its_own_swatch():
    swatches = {(style.STATUS_COLORS[s], style.STATUS_DASHES[s]) for s in STATUSES}
    assert len(swatches) == len(STATUSES)
    worst, pair = min_pair_distance({s: style.STATUS_COLORS[s] for s in STATUSES})
    assert worst >= 10, f"{pair} differ by ΔE00 {worst:.1f} only"
    assert style.STATUS_COLORS["planned"] != style.STATUS_COLORS["announced"]


def test_rail_legend_one_entry_per_status_with_colour_and_dash():
    s = style.LayerStyle.from_dict("rail", "line", {"color_by": "status", "dash_by": "status"})
    frame = pd.DataFrame({"status": list(STATUSES)})
    entries = s.legend(frame)
    assert len(entries) == len(STATUSES)  # no second list of dash groups
    by_label = {e.label: e.symbol for e in entries}
    planned, announced = by_label["planned"], by_label["announced"]
    assert planned.color != announced.color
    assert by_label["under construction"].dash == style.STATUS_DASHES["under_construction"]
    for e in entries:
        assert not RAW.match(e.label), e.label


def test_legend_labels_are_human():
    deposits = style.LayerStyle.from_dict("deposits", "point", {
        "color_by": "primary_commodity", "size_by": "contract_value_usd",
        "size_classes": [0, 1e9]})
    frame = pd.DataFrame({"primary_commodity": list(COMMODITIES),
                          "contract_value_usd": [None] * len(COMMODITIES)})
    labels = [e.label for e in deposits.legend(frame)]
    assert "lapis lazuli" in labels and "rare earths" in labels
    assert "no contract value given" in labels
    for label in labels:
        assert not RAW.match(label), label
        assert "_" not in label and " usd" not in label.lower(), label
    corridors = style.LayerStyle.from_dict("corridors", "line", {"color_by": "id",
                                                                   "dash_by": "status"})
    frame = pd.DataFrame({"id": ["lapis-lazuli", "cpec"], "status": ["signed", "operating"],
                          "name": ["Lapis Lazuli corridor", "China-Pakistan Corridor"]})
    labels = [e.label for e in corridors.legend(frame)]
    assert sorted(labels[:2]) == ["China-Pakistan Corridor", "Lapis Lazuli corridor"]
    assert not any(RAW.match(x) for x in labels)


def test_one_basemap_palette_for_every_renderer():
    from geoatlas.render.static import symbols

    assert symbols.SEA == style.BASEMAP["sea"] and symbols.LAND == style.BASEMAP["land"]
    for key in ("sea", "land", "focus", "neighbour", "lakes", "rivers", "border", "label",
                "halo"):
        assert re.fullmatch(r"#[0-9a-f]{6}", style.BASEMAP[key]), key
    # the web map's assets hold no basemap colour of their own
    from importlib.resources import files

    js = files("geoatlas").joinpath("assets/geoatlas.js").read_text()
    css = files("geoatlas").joinpath("assets/geoatlas.css").read_text()
    for old in ("#9a9a9a", "#f7f5ef", "#c9c3b4", "#dfe8ee"):
        assert old not in js and old not in css
    assert style.BASEMAP["focus"] != style.BASEMAP["neighbour"]
    assert all(delta_e2000(hex_to_lab(style.BASEMAP["sea"]), hex_to_lab(style.BASEMAP[k]))
               >= 5 for k in ("focus", "neighbour"))


def test_no_two_statuses_share_a_legend_label():
    labels = [style.human_label(s, "status") for s in STATUSES]
    assert len(set(labels)) == len(labels)
    assert all(a != b for a, b in itertools.combinations(labels, 2))
