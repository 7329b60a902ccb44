"""``geoatlas raster [WORKSPACE] PRODUCT [options] --out PATH``: GeoTIFF products.

Products: ``distance`` (km to the nearest feature of a layer), ``density`` (kernel
density of deposits, optionally weighted) and ``map`` (a recipe's static map as a
georeferenced image). rasterio and matplotlib load only when a product is made.

Examples
--------
>>> from click.testing import CliRunner
>>> "distance" in CliRunner().invoke(raster, ["--help"]).output
True
"""

from __future__ import annotations

from pathlib import Path

import click

from .options import as_of_opt, overwrite_opt, where_opt, workspace_opt

__all__ = ["density", "distance", "map_", "raster"]


class _WorkspaceGroup(click.Group):
    """A group taking an optional WORKSPACE before the product name.

    ``geoatlas raster distance ...`` and ``geoatlas raster ./ws distance ...`` both work:
    a first argument that is not a product name is the workspace.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        takes_value = {"-w", "--workspace"}
        for i, arg in enumerate(args):
            if arg.startswith("-") or (i and args[i - 1] in takes_value):
                continue
            if arg not in self.commands:
                ctx.meta["geoatlas.workspace"] = args.pop(i)
            break
        return super().parse_args(ctx, args)


def _atlas(ctx: click.Context, as_of: str | None):
    from ..atlas import open as open_atlas

    return open_atlas(ctx.meta.get("geoatlas.workspace"), as_of=as_of)


def _grid(atlas, extent, map_name):
    """``(extent, crs)`` from --extent or --map (not both); ``(None, None)`` by default."""
    if extent and map_name:
        raise click.UsageError("give --extent or --map, not both")
    if map_name:
        from ..recipe import load_recipe
        from ..render.geotiff import map_extent

        return map_extent(atlas, load_recipe(atlas, map_name))
    return (tuple(extent) if extent else None), None


def _finish(surface, out: str, overwrite: bool) -> None:
    from ..surfaces import describe

    path = surface.write(Path(out), overwrite=overwrite)
    style = path.with_suffix(".qml")
    extra = f" (QGIS style: {style.name})" if not surface.rgba and style.exists() else ""
    click.echo(f"wrote {path}: {describe(surface)}{extra}")


_out = click.option("--out", required=True, type=click.Path(dir_okay=False),
                    help="GeoTIFF to write.")
_overwrite = overwrite_opt
_as_of = as_of_opt
_resolution = click.option("--resolution-km", type=click.FloatRange(min=0, min_open=True),
                           default=5.0, show_default=True, help="Cell size in km.")
_extent = click.option("--extent", nargs=4, type=float, default=None,
                       metavar="MINLON MINLAT MAXLON MAXLAT",
                       help="Area to cover (default: the workspace's features).")
_map_extent = click.option("--map", "map_name", default=None, metavar="NAME",
                           help="Cover the extent of maps/NAME.toml, in its CRS.")
_where = where_opt()


def _surface_options(func):
    """The options of every surface product: filter, grid, date and output."""
    for option in reversed([_where, _resolution, _extent, _map_extent, _as_of, _out,
                            _overwrite]):
        func = option(func)
    return func


@click.group(cls=_WorkspaceGroup, subcommand_metavar="[WORKSPACE] PRODUCT [ARGS]...",
             context_settings={"help_option_names": ["-h", "--help"]})
@workspace_opt
@click.pass_context
def raster(ctx: click.Context, workspace: str | None) -> None:
    """Write a GeoTIFF product of WORKSPACE (default: the current one).

    The grid is in a Lambert conformal conic fitted to the extent, with square cells;
    files are tiled, deflate-compressed, carry their CRS, nodata and band
    descriptions, and are written atomically.
    """
    given = ctx.meta.get("geoatlas.workspace")
    if workspace and given and Path(workspace) != Path(given):
        raise click.UsageError(f"two workspaces given: '{given}' and -w '{workspace}'; give one")
    if workspace:
        ctx.meta["geoatlas.workspace"] = workspace


@raster.command()
@click.option("--to", "layer", required=True, metavar="LAYER",
              help="Layer to measure to, e.g. rail or corridors.")
@_surface_options
@click.pass_context
def distance(ctx, layer, where, resolution_km, extent, map_name, as_of, out,
             overwrite) -> None:
    """Geodesic distance in km from every cell to the nearest feature of a layer."""
    from ..surfaces import distance_surface

    atlas = _atlas(ctx, as_of)
    extent, crs = _grid(atlas, extent, map_name)
    surface = distance_surface(atlas, layer, where=where, resolution_km=resolution_km,
                               extent=extent, crs=crs)
    _finish(surface, out, overwrite)


@raster.command()
@click.option("--layer", default="deposits", show_default=True, help="Layer to count.")
@click.option("--weight", default=None, metavar="FIELD",
              help="Numeric field to weight by, e.g. contract_value_usd.")
@click.option("--bandwidth-km", type=click.FloatRange(min=0, min_open=True), default=50.0,
              show_default=True, help="Standard deviation of the Gaussian kernel.")
@_surface_options
@click.pass_context
def density(ctx, layer, weight, bandwidth_km, where, resolution_km, extent, map_name, as_of,
            out, overwrite) -> None:
    """Kernel density of a layer's features (per km²), optionally weighted."""
    from ..surfaces import density_surface

    atlas = _atlas(ctx, as_of)
    extent, crs = _grid(atlas, extent, map_name)
    surface = density_surface(atlas, layer, weight=weight, bandwidth_km=bandwidth_km,
                              resolution_km=resolution_km, extent=extent, where=where,
                              crs=crs)
    _finish(surface, out, overwrite)


@raster.command("map")
@click.option("--map", "name", required=True, metavar="NAME", help="Recipe (maps/NAME.toml).")
@click.option("--dpi", type=click.IntRange(30, 1200), default=None,
              help="Pixels per inch (default: the recipe's [static] dpi).")
@click.option("--width-in", type=click.FloatRange(min=1, max=60), default=8.0,
              show_default=True, help="Print width of the image in inches.")
@_out
@_overwrite
@click.pass_context
def map_(ctx, name, dpi, width_in, out, overwrite) -> None:
    """A recipe's static map as a georeferenced RGBA GeoTIFF (bounds = map extent)."""
    from ..recipe import load_recipe
    from ..render.geotiff import map_geotiff

    atlas = _atlas(ctx, None)
    surface = map_geotiff(atlas, load_recipe(atlas, name), dpi=dpi, width_in=width_in)
    _finish(surface, out, overwrite)
