"""The curated default dataset: real values, every fact cited, disagreements kept."""

from __future__ import annotations

import re

import pytest
import shapely

from geoatlas.geodesic import distance_to_km
from geoatlas.schema import split_list
from tests.clients import need
from tests.conftest import REPO

SHARED_SOURCES = REPO.parent / "shared" / "sources"


def test_default_workspace_checks_clean(atlas):
    assert atlas.check() == []


def test_required_content_is_there(atlas):
    afg = atlas.provinces[atlas.provinces["iso3"] == "AFG"]
    assert len(afg) == 34
    assert len(atlas.places) >= 40
    assert len(atlas.deposits) >= 20
    for ident in ["mes-aynak", "hajigak", "amu-darya-oil-blocks", "sar-e-sang"]:
        assert ident in atlas.deposits.index
    for ident in ["lapis-lazuli", "cpec"]:
        assert ident in atlas.corridors.index
    for place in ["kabul", "mazar-e-sharif", "hairatan", "termez", "herat", "torghundi",
                  "serhetabat", "aqina", "andkhoy", "khaf", "kandahar", "torkham", "peshawar",
                  "islamabad", "gwadar", "kashgar", "ashgabat", "turkmenbashi", "baku",
                  "tbilisi", "kars", "istanbul", "almaty", "tashkent", "nantong"]:
        assert place in atlas.places.index, place


def test_mes_aynak_lies_in_logar(atlas):
    mes = atlas.deposits.loc["mes-aynak"]
    logar = atlas.provinces[(atlas.provinces["iso3"] == "AFG")
                            & (atlas.provinces["name"] == "Logar")].geometry.iloc[0]
    assert mes["province"] == "Logar"
    assert logar.contains(mes.geometry)


def test_hairatan_mazar_link_touches_both_places(atlas):
    link = atlas.rail[atlas.rail["nodes"] == "hairatan;mazar-e-sharif"].iloc[0]
    for place in ("hairatan", "mazar-e-sharif"):
        assert distance_to_km(atlas.places.loc[place].geometry, link.geometry) < 0.01
    assert link["location_quality"] == "schematic"


def test_every_row_cites_a_resolvable_source(atlas):
    sources = set(atlas.sources["id"])
    for name in [*atlas.layers, *atlas.tables]:
        frame = atlas[name]
        if "source_ids" not in frame or name in ("countries", "provinces"):
            continue
        for ident, cell in zip(frame["id"], frame["source_ids"]):
            ids = split_list(cell)
            assert ids, f"{name} {ident} cites nothing"
            assert set(ids) <= sources, f"{name} {ident}: {set(ids) - sources}"


def test_shared_documents_exist_where_cited():
    import csv

    with (REPO / "layers" / "sources.csv").open(encoding="utf-8") as fh:
        files = [row["file"] for row in csv.DictReader(fh) if row["file"]]
    assert len(files) == 5
    if not SHARED_SOURCES.is_dir():
        need("../shared/sources is not beside this checkout")
    for name in files:
        assert (SHARED_SOURCES / name).is_file(), name


def test_efsas_trade_table_round_trips_exactly(atlas):
    """Every figure of EFSAS Figure 2, as printed, is in trade.csv, and nothing else is."""
    doc = SHARED_SOURCES / "000_0ef2029a8a1ec4c5.txt"
    if not doc.is_file():
        need("the EFSAS paper is not in ../shared/sources")
    text = doc.read_text(encoding="utf-8")
    block = text[text.index("**Figure 2"):text.index("Source: China Briefing (2023)")]
    lines = [ln.split("\t") for ln in block.splitlines() if "\t" in ln]
    periods = [re.sub(r"</?b>", "", c) for c in lines[0][1:]]
    printed = {}
    label_of = {}
    for cells in lines[1:]:
        label = cells[0]
        if label == "China's share":
            label = label_of["last"] + " / China's share"
        else:
            label_of["last"] = label
        for period, value in zip(periods, cells[1:]):
            printed[(label, period)] = value
    assert len(printed) == 20
    trade = atlas.trade[atlas.trade["id"].str.startswith("efsas-fig2-")]
    stored = {}
    for row in trade.itertuples():
        total = "imports" if "imports" in row.measure else "exports"
        label = f"Afghanistan's total {total}"
        if row.partner == "CHN":
            label += " / China's share"
        stored[(label, row.period)] = row.as_printed
        value = float(row.as_printed.replace(",", "").rstrip("%"))
        assert row.value == pytest.approx(value)
    assert stored == printed


def test_disagreeing_sources_are_both_kept(atlas):
    ev = atlas.events
    lapis = ev[(ev["subject_id"] == "lapis-lazuli") & (ev["kind"] == "agreement")]
    by_source = {row.source_ids.split(";")[0]: row.date for row in lapis.itertuples()}
    assert by_source["efsas-2023"] == "2016"
    assert by_source["idd-2023-azerbaijan"].startswith("2017-11")


def test_capeic_contract_signed_then_terminated(atlas):
    c = atlas.contracts.set_index("id").loc["amu-darya-capeic-2023"]
    assert c["status"] == "terminated"
    assert atlas.as_of("2024-01-01").contracts.set_index("id").loc[
        "amu-darya-capeic-2023", "status"] == "signed"
    assert atlas.as_of("2025-07-01").contracts.set_index("id").loc[
        "amu-darya-capeic-2023", "status"] == "terminated"
    assert "amu-darya-capeic-2023" not in set(atlas.as_of("2020-01-01").contracts["id"])


def test_imprecise_geometry_is_marked(atlas):
    assert set(atlas.rail["location_quality"]) == {"schematic"}
    assert set(atlas.corridors["location_quality"]) == {"schematic"}
    assert (atlas.deposits["location_quality"] != "exact").all() or \
        atlas.deposits.loc[atlas.deposits["location_quality"] == "exact", "coord_source"].ne(
            "").all()


def test_points_sit_inside_their_country(atlas):
    countries = atlas.countries
    for layer in ("places", "deposits"):
        frame = atlas[layer]
        for ident, row in frame.iterrows():
            shape = countries.loc[row["country"]].geometry
            assert distance_to_km(row.geometry, shape) <= 5, (layer, ident)


def test_belt_is_a_valid_polygon_inside_afghanistan(atlas):
    belt = atlas.belts.iloc[0].geometry
    assert belt.is_valid and belt.geom_type in ("Polygon", "MultiPolygon")
    afg = atlas.countries.loc["AFG"].geometry
    inside = shapely.area(shapely.intersection(belt, afg)) / shapely.area(belt)
    assert inside > 0.95


# -- citations that prove themselves ----------------------------------------------------

SHARED_DOCS = {"efsas-2023", "ksg-2024-rail", "ariana-2025-khalilzad",
               "news-oil-deal-termination", "idd-2023-azerbaijan"}


def test_every_claim_on_a_shared_document_carries_its_quote(atlas):
    """Each (row, shared document) citation has a non-empty quote in citations.csv."""
    cites = atlas.citations
    quoted = {(t, r, s) for t, r, s, q in zip(cites["table"], cites["row_id"],
                                              cites["source_id"], cites["quote"]) if q}
    missing = []
    for name in ("places", "deposits", "belts", "rail", "corridors", "pipelines",
                 "contracts", "events", "trade"):
        frame = atlas[name]
        for ident, cell in zip(frame["id"], frame["source_ids"]):
            for sid in split_list(cell):
                if sid in SHARED_DOCS and (name, ident, sid) not in quoted:
                    missing.append(f"{name}/{ident}/{sid}")
    assert missing == []


def test_unquoted_citations_are_marked_in_the_joined_frames(atlas):
    dep = atlas.deposits
    assert "unquoted_sources" in dep.columns
    # a quoted shared document never shows as unquoted; a reference without a quote does
    assert not dep["unquoted_sources"].str.contains("efsas-2023").any()
    assert dep["unquoted_sources"].str.len().gt(0).any()


@pytest.fixture
def quoting_workspace(mini_copy):
    """The mini workspace with one document under sources/ and two quotes from it."""
    (mini_copy / "sources").mkdir()
    (mini_copy / "sources" / "doc.txt").write_text(
        "Intro.\nThe hill is rich in \u201ccopper\u201d \u2013 and some\ngold.\n", encoding="utf-8")
    src = mini_copy / "layers" / "sources.csv"
    src.write_text(src.read_text(encoding="utf-8")
                   + "doc,A document,tests,,2024,year,doc.txt,,analysis,\n", encoding="utf-8")
    dep = mini_copy / "layers" / "deposits.csv"
    text = dep.read_text(encoding="utf-8")
    dep.write_text(text.replace(",fixture-doc,\n", ",fixture-doc;doc,\n", 1), encoding="utf-8")
    (mini_copy / "layers" / "citations.csv").write_text(
        "table,row_id,source_id,quote,notes\n"
        "deposits,copper-hill,fixture-doc,,\n"
        'deposits,copper-hill,doc,"rich in ""copper"" - and SOME gold",\n', encoding="utf-8")
    return mini_copy


def test_quotes_are_checked_against_the_document(quoting_workspace):
    from click.testing import CliRunner

    from geoatlas.cli import cli
    from geoatlas.workspace import validate

    ws = quoting_workspace
    assert [str(p) for p in validate(ws)[1]] == []  # curly quotes, dash, case, line break
    cites = ws / "layers" / "citations.csv"
    cites.write_text(cites.read_text(encoding="utf-8").replace("SOME gold", "much gold"),
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(ws)])
    assert result.exit_code != 0
    assert "layers/citations.csv:3: quote for deposits row 'copper-hill' not found in " \
           "doc.txt (source 'doc')" in result.output, result.output
    assert "Traceback" not in result.output


# -- places, neighbours, pipelines, statuses ----------------------------------------------

MOVED = ["sar-e-sang", "khanneshin", "hajigak", "balkhab-copper", "coal-balkhab",
         "shaida-copper", "ghazni-lithium", "saindak"]


def test_deposits_with_a_published_position_are_not_at_a_centroid(atlas):
    dep = atlas.deposits
    moved = [d for d in MOVED if d != "khanneshin"]  # no stored reference gives its position
    assert (dep.loc[moved, "location_quality"] == "approximate").all()
    assert (dep.loc[moved, "coord_source"] != "natural-earth-10m").all()
    # the references used for positions are cited by the row itself
    for ident in moved:
        assert dep.loc[ident, "coord_source"] in split_list(dep.loc[ident, "source_ids"]) \
            or dep.loc[ident, "coord_source"] == "geonames", ident


def test_at_least_twenty_neighbour_deposits_each_with_operator_and_status(atlas):
    dep = atlas.deposits
    before = {"saindak", "taldybulak-levoberezhny", "jilau-taror", "irkol"}
    new = dep[(dep["country"] != "AFG") & ~dep.index.isin(before)]
    assert len(new) >= 20
    assert set(new["country"]) >= {"KAZ", "UZB", "KGZ", "TJK", "TKM", "PAK", "IRN"}
    assert (new["n_contracts"] > 0).all(), list(new.index[new["n_contracts"] == 0])
    assert new["status"].notna().all() and (new["companies"] != "").all()
    refs = set(atlas.sources.loc[atlas.sources["kind"].isin(["reference", "news", "dataset"]),
                                 "id"])
    for ident, cell in zip(new.index, new["source_ids"]):
        assert set(split_list(cell)) & refs, ident


def test_pipelines_are_lines_with_status_and_cited(atlas):
    pipes = atlas.pipelines
    assert {"beyneu-bozoy-shymkent", "tapi"} <= set(pipes.index)
    assert set(pipes.geom_type) == {"LineString"}
    assert pipes.loc["tapi", "status"] == "under_construction"
    assert pipes.loc["beyneu-bozoy-shymkent", "status"] == "operating"
    assert (pipes["location_quality"] == "schematic").all()
    # the Kazakh pipeline is drawn inside Kazakhstan (and the Baikonur lease within it)
    line = pipes.loc["beyneu-bozoy-shymkent"].geometry
    kaz = shapely.union(atlas.countries.loc["KAZ"].geometry, atlas.countries.loc["KAB"].geometry)
    assert shapely.length(shapely.difference(line, kaz.buffer(0.05))) == pytest.approx(0, abs=1e-6)


def test_stale_statuses_are_superseded_by_dated_events(atlas):
    contracts = atlas.contracts.set_index("id")
    assert contracts.loc["amu-darya-cnpc-2011", "status"] == "superseded"
    assert atlas.as_of("2022-12-31").contracts.set_index("id").loc[
        "amu-darya-cnpc-2011", "status"] == "signed"
    assert contracts.loc["hajigak-afisco", "status"] == "signed"
    for rid in ("trans-afghan-mazar-kabul", "trans-afghan-kabul-torkham",
                "trans-afghan-torkham-peshawar"):
        assert atlas.rail.loc[rid, "status"] == "superseded"
    assert atlas.rail.loc["trans-afghan-mazar-logar", "status"] == "planned"


def test_country_events_have_a_capital_to_stand_on(atlas):
    ev = atlas.events
    isos = set(ev.loc[ev["subject_layer"] == "countries", "subject_id"])
    assert {"CHN", "KAZ", "UZB", "RUS", "QAT", "KGZ", "AZE", "AFG"} <= isos
    capitals = atlas.places[atlas.places["kind"] == "capital"]
    counts = capitals["country"].value_counts()
    for iso in isos:
        assert counts.get(iso) == 1, iso
    for place in ("doha", "beijing", "beyneu"):
        assert place in atlas.places.index
