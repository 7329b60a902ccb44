"""Raster products: GeoTIFFs that read back with the promised CRS, transform and nodata,
geodesically right distances, densities that integrate to the count, a georeferenced map;
every product a valid Cloud-Optimized GeoTIFF (rio-cogeo), with the mode the umask gives
and a QGIS style beside it from the style spec.

The GeoTIFFs are written to a temporary folder.
"""

from __future__ import annotations

import itertools
import os
import stat
import struct

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from pyproj import CRS, Geod, Transformer

from geoatlas import surfaces
from geoatlas.cli import cli
from geoatlas.recipe import load_recipe
from geoatlas.render.mapframe import map_frame
from geoatlas.render.prepare import prepare
from geoatlas.render.static.geotiff import map_extent, map_geotiff

GEOD = Geod(ellps="WGS84")
RES_KM = 5.0


@pytest.fixture(scope="module")
def raster_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("raster")


@pytest.fixture(scope="module")
def distance(atlas, raster_dir):
    extent, crs = map_extent(atlas, load_recipe(atlas, "afghanistan-minerals"))
    surface = surfaces.distance_surface(atlas, "rail", resolution_km=RES_KM, extent=extent,
                                        crs=crs)
    return surface, surface.write(raster_dir / "distance-to-rail.tif")


def _crs(src) -> CRS:
    return CRS.from_wkt(src.crs.to_wkt())


def _densified_rail(atlas, step_km: float = 0.25) -> np.ndarray:
    """Every rail line as lon/lat points at most ``step_km`` apart along geodesics."""
    pts = []
    for geom in atlas.rail.geometry.dropna():
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            coords = np.asarray(part.coords)
            for (lon1, lat1), (lon2, lat2) in itertools.pairwise(coords):
                _, _, d = GEOD.inv(lon1, lat1, lon2, lat2)
                n = int(d / 1000 / step_km)
                pts.append((lon1, lat1))
                pts.extend(GEOD.npts(lon1, lat1, lon2, lat2, n) if n else [])
            pts.append(tuple(coords[-1]))
    return np.array(pts)


def test_distance_reads_back_as_promised(atlas, distance):
    surface, path = distance
    with rasterio.open(path) as src:
        assert _crs(src).equals(surface.crs)
        assert _crs(src).is_projected
        assert src.transform == surface.transform
        assert src.transform.a == RES_KM * 1000 and src.transform.e == -RES_KM * 1000
        assert src.nodata == surfaces.NODATA
        assert src.dtypes == ("float32",)
        assert src.descriptions[0].startswith("geodesic distance to the nearest rail")
        assert src.units == ("km",)
        assert src.compression.name.lower() == "deflate"
        assert src.block_shapes == [(256, 256)]
        assert src.tags()["product"] == "distance"
        data = src.read(1)
        # the grid covers the map extent, in the map's CRS, with whole cells
        extent, crs = map_extent(atlas, load_recipe(atlas, "afghanistan-minerals"))
        assert _crs(src).equals(crs)
        xmin, ymin, xmax, ymax = Transformer.from_crs(4326, crs, always_xy=True) \
            .transform_bounds(*extent, densify_pts=101)
        b = src.bounds
        assert b.left <= xmin < b.left + src.res[0] and b.right - src.res[0] < xmax <= b.right
        assert b.bottom <= ymin < b.bottom + src.res[1] and b.top - src.res[1] < ymax <= b.top
    assert np.isfinite(data).all() and (data >= 0).all()
    assert np.array_equal(data, surface.data[0])


def test_distance_is_zero_at_a_rail_node(atlas, distance):
    _surface, path = distance
    places = atlas.places
    node = atlas.rail["nodes"].iloc[0].split(";")[0].strip()
    lon, lat = places.loc[node, "lon"], places.loc[node, "lat"]
    with rasterio.open(path) as src:
        x, y = Transformer.from_crs(4326, _crs(src), always_xy=True).transform(lon, lat)
        row, col = src.index(x, y)
        value = src.read(1)[row, col]
    assert value <= RES_KM * np.sqrt(2) / 2 + 0.01  # at most half a cell diagonal


def test_distance_100_km_from_rail_matches_geod(atlas, distance):
    _surface, path = distance
    with rasterio.open(path) as src:
        data = src.read(1)
        to_ll = Transformer.from_crs(_crs(src), 4326, always_xy=True)
        rows, cols = np.nonzero(np.abs(data - 100) < RES_KM / 2)
        assert len(rows), "no cell ~100 km from rail"
        i = len(rows) // 2  # a deterministic choice
        x, y = src.xy(rows[i], cols[i])  # the cell centre
    lon, lat = to_ll.transform(x, y)
    rail = _densified_rail(atlas)
    _, _, metres = GEOD.inv(np.full(len(rail), lon), np.full(len(rail), lat),
                            rail[:, 0], rail[:, 1])
    truth_km = metres.min() / 1000
    assert 90 < truth_km < 110
    assert abs(data[rows[i], cols[i]] - truth_km) <= RES_KM


def test_distance_respects_where(atlas):
    all_rail = surfaces.distance_surface(atlas, "rail", resolution_km=25)
    some = surfaces.distance_surface(atlas, "rail", where="status == 'operating'",
                                     resolution_km=25)
    assert some.data.shape == all_rail.data.shape
    assert (some.data >= all_rail.data - 1e-3).all()  # fewer targets: never closer
    assert some.data.mean() > all_rail.data.mean()


@pytest.mark.parametrize("weight", [None, "contract_value_usd"])
def test_density_integrates_to_the_count(atlas, raster_dir, weight):
    surface = surfaces.density_surface(atlas, "deposits", weight=weight, bandwidth_km=40,
                                       resolution_km=RES_KM)
    name = f"density-{weight or 'count'}.tif"
    path = surface.write(raster_dir / name)
    with rasterio.open(path) as src:
        assert _crs(src).equals(surface.crs)
        assert src.transform == surface.transform
        assert src.nodata == surfaces.NODATA
        cell_km2 = abs(src.transform.a * src.transform.e) / 1e6
        total = float(src.read(1).astype(np.float64).sum() * cell_km2)
        assert "kernel density of deposits" in src.descriptions[0]
    expected = (len(atlas.deposits) if weight is None
                else float(atlas.deposits[weight].fillna(0).sum()))
    assert expected > 0
    assert total == pytest.approx(expected, rel=0.02)


def test_map_geotiff_bounds_equal_the_map_extent(atlas, raster_dir):
    recipe = load_recipe(atlas, "afghanistan-minerals")
    surface = map_geotiff(atlas, recipe, dpi=60)
    path = surface.write(raster_dir / "afghanistan-minerals.tif")
    frame = map_frame(prepare(atlas, recipe), recipe)
    with rasterio.open(path) as src:
        crs = _crs(src)
        assert crs.equals(frame.crs) and crs.is_projected
        assert src.count == 4
        assert [c.name for c in src.colorinterp] == ["red", "green", "blue", "alpha"]
        bounds = tuple(src.bounds)
        rgba = src.read()
    expected = Transformer.from_crs(4326, crs, always_xy=True).transform_bounds(
        *recipe.extent, densify_pts=101)
    assert bounds == pytest.approx(expected, abs=1.0)  # metres
    assert rgba[3].min() == 255  # opaque
    assert len(np.unique(rgba[:3].reshape(3, -1), axis=1).T) > 20  # not blank


def test_cli_raster_products(mini_copy, tmp_path):
    runner = CliRunner()
    out = tmp_path / "d.tif"
    result = runner.invoke(cli, ["raster", str(mini_copy), "distance", "--to", "rail",
                                 "--resolution-km", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: ")
    with rasterio.open(out) as src:
        assert src.nodata == surfaces.NODATA and src.units == ("km",)
    again = runner.invoke(cli, ["raster", str(mini_copy), "distance", "--to", "rail",
                                "--out", str(out)])
    assert again.exit_code == 1 and "--overwrite" in again.output
    dens = runner.invoke(cli, ["raster", str(mini_copy), "density", "--bandwidth-km", "30",
                               "--resolution-km", "10", "--out", str(tmp_path / "k.tif")])
    assert dens.exit_code == 0, dens.output
    bad = runner.invoke(cli, ["raster", str(mini_copy), "density", "--weight", "nope",
                              "--out", str(tmp_path / "x.tif")])
    assert bad.exit_code == 1 and "unknown field 'nope'" in bad.output
    assert not (tmp_path / "x.tif").exists()
    name = load_recipe_name(mini_copy)
    on_map = runner.invoke(cli, ["raster", str(mini_copy), "distance", "--to", "rail",
                                 "--map", name, "--out", str(tmp_path / "dm.tif")])
    assert on_map.exit_code == 0, on_map.output
    img = runner.invoke(cli, ["raster", str(mini_copy), "map", "--map", name, "--dpi", "40",
                              "--out", str(tmp_path / "m.tif")])
    assert img.exit_code == 0, img.output
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def load_recipe_name(root) -> str:
    return sorted(p.stem for p in (root / "maps").glob("*.toml"))[0]


@pytest.fixture(scope="module")
def products(atlas, tmp_path_factory):
    """Every product, written under umask 022 (restored afterwards)."""
    folder = tmp_path_factory.mktemp("cog")
    extent, crs = map_extent(atlas, load_recipe(atlas, "afghanistan-minerals"))
    made = {
        # 2 km cells: a grid wider than two tiles, so overviews are required
        "distance": surfaces.distance_surface(atlas, "rail", resolution_km=2.0, extent=extent,
                                              crs=crs),
        "density": surfaces.density_surface(atlas, "deposits", bandwidth_km=50,
                                            resolution_km=10),
        "map": map_geotiff(atlas, load_recipe(atlas, "afghanistan-minerals"), dpi=80),
    }
    old = os.umask(0o022)
    try:
        paths = {k: r.write(folder / f"{k}.tif") for k, r in made.items()}
    finally:
        os.umask(old)
    return made, paths


def _ifd_offset(path) -> int:
    head = path.read_bytes()[:16]
    order = "<" if head[:2] == b"II" else ">"
    magic = struct.unpack(order + "H", head[2:4])[0]
    if magic == 43:  # BigTIFF
        return struct.unpack(order + "Q", head[8:16])[0]
    return struct.unpack(order + "I", head[4:8])[0]


@pytest.mark.parametrize("kind", ["distance", "density", "map"])
def test_every_product_is_a_valid_cog(products, kind):
    from rio_cogeo.cogeo import cog_validate

    _, paths = products
    path = paths[kind]
    valid, errors, warnings = cog_validate(str(path), strict=True)
    assert valid and errors == [] and warnings == [], (errors, warnings)
    with rasterio.open(path) as src:
        assert src.block_shapes[0] == (256, 256)  # internal tiling
        if max(src.width, src.height) > 256:
            assert src.overviews(1), "a raster wider than a tile needs overviews"
        assert src.tags()["product"] == kind  # metadata survives the COG copy
    assert _ifd_offset(path) < 1024, "the first image directory must lead the file"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_distance_grid_has_overviews(products):
    _, paths = products
    with rasterio.open(paths["distance"]) as src:
        assert src.width > 512
        assert src.overviews(1)[0] == 2


def test_file_mode_follows_the_umask(atlas, tmp_path):
    surface = surfaces.density_surface(atlas, "deposits", bandwidth_km=80, resolution_km=40)
    old = os.umask(0o027)
    try:
        path = surface.write(tmp_path / "k.tif")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert stat.S_IMODE(path.with_suffix(".qml").stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", ["distance", "density"])
def test_qml_beside_each_product_uses_the_style_spec_ramp(products, kind):
    from xml.etree import ElementTree as ET

    from geoatlas.style import RASTER_RAMPS

    made, paths = products
    qml = paths[kind].with_suffix(".qml")
    assert stat.S_IMODE(qml.stat().st_mode) == 0o644
    root = ET.parse(qml).getroot()
    renderer = root.find("pipe/rasterrenderer")
    assert renderer.get("type") == "singlebandpseudocolor" and renderer.get("band") == "1"
    items = root.findall(".//colorrampshader/item")
    want = ["#{:02x}{:02x}{:02x}".format(*c) for c in RASTER_RAMPS[kind]]
    assert [i.get("color") for i in items] == want
    band = made[kind].data[0]
    valid = band[band != surfaces.NODATA]
    values = [float(i.get("value")) for i in items]
    assert values[0] == 0  # as the web overlay and the QGIS project: 0 to the 98th pct
    assert values[-1] == pytest.approx(float(np.percentile(valid, 98)), rel=1e-5)
    assert values == sorted(values)
    assert not paths["map"].with_suffix(".qml").exists()  # RGBA needs no style
