"""The dask engine: near, nearest and summarize on data bigger than one machine's memory.

The features asked about (millions of points, say) are a dask-geopandas GeoDataFrame
split into partitions: a GeoParquet file or folder read lazily, or an in-memory frame cut
into spatially compact partitions along a Hilbert curve. Each partition is queried on a
dask.distributed worker with the in-memory engine (:mod:`geoatlas.query`) against the
counterparts (rail lines, areas: small enough to send to every worker), after dropping
the counterparts that lie too far from the partition's bounding box to matter. The
partial results are then put together exactly as the in-memory engine orders them, so
the answer is the same: the same rows, the same distances, the same order (sums and means
of non-integer values can differ in the last bit, as the additions are grouped
differently).

Which cluster
-------------
By default a :class:`dask.distributed.LocalCluster` is started on first use (one worker
per core, one thread each, :data:`MEMORY_LIMIT` of memory per worker) and kept for the
session. To use a cluster of several machines, start a scheduler and workers there::

    dask scheduler                           # on the head node: tcp://head:8786
    dask worker tcp://head:8786 --nthreads 1 --memory-limit 8GB   # on every node

(every worker needs geoatlas and the ``scale`` extra installed, and must be able to read
the GeoParquet path, e.g. on a shared file system or object store), then pass
``client="tcp://head:8786"`` (or a :class:`dask.distributed.Client`), or set the
environment variable ``GEOATLAS_DASK_SCHEDULER=tcp://head:8786``.

Examples
--------
>>> from geoatlas.engines import dask as dask_engine              # doctest: +SKIP
>>> hits = dask_engine.near("occurrences.parquet", rail, km=5)    # doctest: +SKIP
>>> dask_engine.near("big/*.parquet", rail, km=5, out="hits/")    # doctest: +SKIP
PosixPath('hits')
"""

from __future__ import annotations

import atexit
import math
import os
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import QueryError
from ..filter_sides import split_filters, warn_deprecated
from ..geometry import KM_PER_DEG_LAT, KM_PER_DEG_LON
from .memory import id_rank

__all__ = [
    "MEMORY_LIMIT",
    "PARTITION_ROWS",
    "SCHEDULER_ENV",
    "get_client",
    "near",
    "nearest",
    "partitions",
    "query_check",
    "summarize",
]


MEMORY_LIMIT = "2GB"
"""Memory limit of each worker of the default LocalCluster."""
PARTITION_ROWS = 250_000
"""Rows per partition when an in-memory frame is split."""
SCHEDULER_ENV = "GEOATLAS_DASK_SCHEDULER"
_POS = "_geoatlas_pos"
_LIST_SEP = "\ue000"  # stands in for ';' inside list values while partial lists travel
_MARGIN_KM = 2.0
_clients: dict[str, object] = {}


# -- the cluster -------------------------------------------------------------------------
def get_client(client=None):
    """A dask.distributed Client for ``client``.

    That is ``client`` itself when it is a Client, one connected to it when it is a
    scheduler address, else the default LocalCluster's (``$GEOATLAS_DASK_SCHEDULER``
    names a scheduler to use instead).
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise QueryError("engine='dask' needs the scale extra: pip install 'geoatlas[scale]'"
                         ) from exc
    if client is not None and not isinstance(client, str):
        return client
    address = client or os.environ.get(SCHEDULER_ENV)
    key = address or "local"
    existing = _clients.get(key)
    if existing is not None and existing.status == "running":
        return existing
    if address:
        made = Client(address)
    else:
        cluster = LocalCluster(n_workers=max(1, min(os.cpu_count() or 1, 4)),
                               threads_per_worker=1, memory_limit=MEMORY_LIMIT,
                               dashboard_address=None)
        made = Client(cluster)
        atexit.register(_close, made)
    _clients[key] = made
    return made


def _close(client) -> None:
    try:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()
    except Exception:
        pass


# -- inputs ------------------------------------------------------------------------------
def partitions(gdf, atlas=None, npartitions: int | None = None):
    """The features as a dask-geopandas GeoDataFrame with a global position column.

    ``gdf`` is a dask-geopandas GeoDataFrame, a GeoParquet file, folder or glob (read
    lazily, one partition per row group: write big files with row groups of about
    100,000 rows, ``to_parquet(..., row_group_size=100_000)``), or anything
    :func:`geoatlas.query.layer_frame` resolves (a GeoDataFrame, a layer name with
    ``atlas``); an in-memory frame is sorted along a Hilbert curve and cut into
    ``npartitions`` spatially compact pieces (default: :data:`PARTITION_ROWS` rows each,
    and at least two per worker when a query runs it).
    """
    return _inputs(gdf, atlas, npartitions)[0]


def _inputs(gdf, atlas, npartitions, min_parts: int = 1):
    """``(partitions, dtype of the ids to restore or None)``."""
    import dask

    with dask.config.set({"dataframe.convert-string": False}):  # keep pandas' own strings
        return _partitions(gdf, atlas, npartitions, min_parts)


def _partitions(gdf, atlas, npartitions, min_parts):
    import dask_geopandas

    from .. import resolve

    if isinstance(gdf, dask_geopandas.GeoDataFrame):
        ddf = gdf
    elif isinstance(gdf, (str, Path)) and _is_parquet(gdf, atlas):
        ddf = dask_geopandas.read_parquet(str(gdf), split_row_groups=True)
    else:
        frame = resolve.layer_frame(gdf, atlas)
        frame = frame.assign(**{_POS: np.arange(len(frame), dtype=np.int64)})
        if len(frame) > 1:
            ok = frame.geometry.notna() & ~frame.geometry.is_empty
            key = np.full(len(frame), np.iinfo(np.int64).max)
            if ok.any():
                key[ok.to_numpy()] = frame[ok].hilbert_distance(
                    total_bounds=frame[ok].total_bounds).to_numpy()
            frame = frame.iloc[np.argsort(key, kind="stable")]
        n = npartitions or max(min_parts, math.ceil(len(frame) / PARTITION_ROWS))
        n = max(1, min(n, len(frame)))
        ddf = dask_geopandas.from_geopandas(frame, npartitions=n, sort=False)
        return ddf, frame.index.dtype  # dask may turn the ids into str: they are restored
    if npartitions:
        ddf = ddf.repartition(npartitions=npartitions)
    return ddf, None


def _is_parquet(spec, atlas) -> bool:
    text = str(spec)
    if atlas is not None and text.split(":")[0] in getattr(atlas, "layers", []):
        return False
    return text.endswith(".parquet") or "*" in text or Path(text).is_dir()


def _with_pos(part: gpd.GeoDataFrame, number: int) -> gpd.GeoDataFrame:
    if _POS in part:
        return part
    pos = (np.int64(number) << np.int64(32)) + np.arange(len(part), dtype=np.int64)
    return part.assign(**{_POS: pos})


def _pad_box(bounds, km: float) -> tuple[float, float, float, float]:
    """Lon/lat box around ``bounds`` sure to hold everything within ``km`` of it."""
    pad = km + _MARGIN_KM
    dlat = pad / KM_PER_DEG_LAT
    reach = min(max(abs(bounds[1] - dlat), abs(bounds[3] + dlat)), 89.9)
    dlon = min(pad / (KM_PER_DEG_LON * math.cos(math.radians(reach))), 360.0)
    return bounds[0] - dlon, bounds[1] - dlat, bounds[2] + dlon, bounds[3] + dlat


def _near_targets(part, target, km: float | None):
    """The counterparts that can matter to a partition (all of them without a radius)."""
    if km is None or not len(part) or not len(target):
        return target
    box = _pad_box(part.total_bounds, float(km))
    if box[0] < -180 or box[2] > 180:
        return target
    return target.cx[box[0]:box[2], box[1]:box[3]]


# -- the tasks run on workers --------------------------------------------------------------
# dask runs one task per worker thread: the compiled engine uses just that thread
def _run_near(part, number, target, km, sides, out):
    from .. import pointjoin, resolve
    from . import memory

    part = resolve.apply_where(_with_pos(part, number), sides.subjects, sides.subjects_label,
                               values=False)
    with pointjoin.threads(1):
        res = memory.near(resolve.in_4326(part),
                          resolve.in_4326(_near_targets(part, target, km)), km)
    return _finish(res, number, out)


def _run_nearest(part, number, target, k, max_km, sides, out):
    from .. import pointjoin, resolve
    from . import memory

    part = resolve.apply_where(_with_pos(part, number), sides.subjects, sides.subjects_label,
                               values=False)
    with pointjoin.threads(1):
        res = memory.nearest(resolve.in_4326(part),
                             resolve.in_4326(_near_targets(part, target, max_km)), k, max_km)
    return _finish(res, number, out)


def _finish(res, number, out):
    if out is None:
        return res
    path = Path(out) / f"part-{number:05d}.parquet"
    res.drop(columns=[_POS]).to_parquet(path)
    return len(res)


def _run_summarize(part, number, areas, stats, where):
    from .. import resolve
    from . import memory

    part = resolve.in_4326(resolve.apply_where(part, where, "where", values=False))
    extra = {}
    for func, col in stats:
        if func == "mean":
            extra[f"_nn_{col}"] = pd.to_numeric(part[col], errors="coerce").notna().astype(float)
        if func == "list":
            extra[f"_l_{col}"] = part[col].map(
                lambda v: v.replace(";", _LIST_SEP) if isinstance(v, str) else v)
    part = part.assign(**extra)
    partial = []
    for func, col in stats:
        if func == "count":
            partial.append("count")
        elif func == "mean":
            partial += [f"sum:{col}", f"sum:_nn_{col}"]
        elif func == "list":
            partial.append(f"list:_l_{col}")
        else:
            partial.append(f"{func}:{col}")
    res = memory.summarize(part, areas, list(dict.fromkeys(partial)))
    return pd.DataFrame(res.drop(columns=res.geometry.name)[
        [c for c in res.columns if c not in areas.columns]])


# -- running -------------------------------------------------------------------------------
def _map(ddf, func, client, *args):
    """Run ``func(partition, number, *args)`` on every partition.

    Frames in ``args`` are sent to every worker once, not once per task.
    """
    import dask

    with dask.config.set({"dataframe.convert-string": False}):
        parts = ddf.to_delayed()
    args = tuple(client.scatter(a, broadcast=True, hash=False)
                 if isinstance(a, pd.DataFrame) else a for a in args)
    tasks = [dask.delayed(func)(p, i, *args) for i, p in enumerate(parts)]
    futures = client.compute(tasks)
    return client.gather(futures)


def _workers(client) -> int:
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except Exception:  # any client that cannot say: assume one worker
        return 1


def _prepare_out(out) -> Path | None:
    if out is None:
        return None
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    return path


def query_check(ddf, expression: str | None, what: str) -> None:
    """Raise the :class:`QueryError` a bad filter would raise, before any work is sent.

    Syntax, fields and kinds are checked on the frame's empty ``_meta``; values are not
    (no partition holds them all), so a filter on a value no row has selects nothing.
    """
    from .. import resolve

    resolve.apply_where(ddf._meta, expression, what, values=False)


def _target(to, atlas, where):
    from .. import resolve

    return resolve.prepared(to, atlas, where, "to")


def _concat(frames, ddf, dtype) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames) if frames else ddf._meta.iloc[:0]
    if dtype is not None and out.index.dtype != dtype:
        out.index = out.index.astype(dtype)
    return out


def near(gdf, to, km: float, where: str | None = None, filter: str | None = None,
         atlas=None, *, to_where: str | None = None, client=None,
         npartitions: int | None = None, out=None):
    """:func:`geoatlas.query.near` on a dask cluster, partition by partition.

    Parameters
    ----------
    gdf : GeoDataFrame, str or dask_geopandas.GeoDataFrame
        The features asked about: also a GeoParquet path, folder or glob, read lazily.
    to, km, where, filter, atlas, to_where
        As for :func:`geoatlas.query.near`.
    client : dask.distributed.Client or str, optional
        A client or scheduler address (default: see the module description).
    npartitions : int, optional
        Re-partition the features first.
    out : str or pathlib.Path, optional
        Write each partition's result as ``part-NNNNN.parquet`` into this folder on the
        workers (for results too big to gather) and return the folder.

    Returns
    -------
    GeoDataFrame or pathlib.Path
        The same rows, distances and order as :func:`geoatlas.query.near`.
    """
    sides = split_filters("near", where, to_where, filter)
    warn_deprecated(sides)
    if km is None or not np.isfinite(km) or km < 0:
        raise QueryError(f"km must be a distance >= 0, not {km!r}")
    target = _target(to, atlas, sides.counterparts)
    client = get_client(client)
    ddf, dtype = _inputs(gdf, atlas, npartitions, 2 * _workers(client))
    query_check(ddf, sides.subjects, sides.subjects_label)
    path = _prepare_out(out)
    results = _map(ddf, _run_near, client, target, float(km), sides,
                   None if path is None else str(path))
    if path is not None:
        return path
    res = _concat(results, ddf, dtype)
    order = np.lexsort((id_rank(res.index), res["distance_km"].to_numpy()))
    return res.iloc[order].drop(columns=[_POS], errors="ignore")


def nearest(gdf, to, k: int = 1, max_km: float | None = None, where: str | None = None,
            filter: str | None = None, atlas=None, *, to_where: str | None = None,
            client=None, npartitions: int | None = None, out=None):
    """:func:`geoatlas.query.nearest` on a dask cluster, partition by partition.

    Parameters are those of :func:`geoatlas.query.nearest` plus ``client``,
    ``npartitions`` and ``out`` (see :func:`near`). The result has the rows of
    :func:`geoatlas.query.nearest` in its order: that of ``gdf``, then rank.
    """
    sides = split_filters("nearest", where, to_where, filter)
    warn_deprecated(sides)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise QueryError(f"k must be a whole number >= 1, not {k!r}")
    if max_km is not None and (not np.isfinite(max_km) or max_km < 0):
        raise QueryError(f"max_km must be a distance >= 0, not {max_km!r}")
    target = _target(to, atlas, sides.counterparts)
    client = get_client(client)
    ddf, dtype = _inputs(gdf, atlas, npartitions, 2 * _workers(client))
    query_check(ddf, sides.subjects, sides.subjects_label)
    path = _prepare_out(out)
    results = _map(ddf, _run_nearest, client, target, int(k),
                   None if max_km is None else float(max_km), sides,
                   None if path is None else str(path))
    if path is not None:
        return path
    res = _concat(results, ddf, dtype)
    if not len(res):
        return res.drop(columns=[_POS], errors="ignore")
    order = np.lexsort((res["rank"].to_numpy(), res[_POS].to_numpy()))
    return res.iloc[order].drop(columns=[_POS])


def summarize(gdf, by, stats: Sequence[str] | str | None = None, where: str | None = None,
              atlas=None, *, client=None, npartitions: int | None = None) -> gpd.GeoDataFrame:
    """:func:`geoatlas.query.summarize` on a dask cluster, partition by partition.

    Each partition is summarized per area; counts and sums are added up, minima and
    maxima compared, means recomputed from partial sums and counts, and lists merged --
    the areas, columns and values of :func:`geoatlas.query.summarize`.
    """
    from .. import resolve
    from . import memory

    areas = resolve.area_frame(by, atlas)
    client = get_client(client)
    ddf, _ = _inputs(gdf, atlas, npartitions, 2 * _workers(client))
    fields = [c for c in ddf.columns if c not in (ddf.geometry.name, _POS)]
    spec = [(func, col) for func, col, _ in memory.parse_stats(stats, fields)]
    query_check(ddf, where, "where")
    memory.summarize(resolve.in_4326(ddf._meta.drop(columns=[_POS], errors="ignore")), areas,
                     [f"{f}:{c}" if c else f for f, c in spec])  # the errors, at once
    parts = _map(ddf, _run_summarize, client, areas, spec, where)
    out = areas.copy()
    for func, col in spec:
        if func == "count":
            out["count"] = sum(p["count"].to_numpy() for p in parts).astype(int)
            continue
        name = f"{func}_{col}"
        if func in ("sum", "mean"):
            sums = pd.concat([p[f"sum_{col}"] for p in parts], axis=1)
            total = sums.sum(axis=1, min_count=1).to_numpy()
            if func == "sum":
                out[name] = total
            else:
                n = pd.concat([p[f"sum__nn_{col}"] for p in parts], axis=1).sum(axis=1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[name] = np.where(n.to_numpy() > 0, total / n.to_numpy(), np.nan)
        elif func in ("min", "max"):
            vals = pd.concat([p[name] for p in parts], axis=1)
            out[name] = (vals.min(axis=1) if func == "min" else vals.max(axis=1)).to_numpy()
        else:  # list
            merged = []
            for i in range(len(areas)):
                items = set()
                for p in parts:
                    cell = p[f"list__l_{col}"].iloc[i]
                    items.update(s for s in str(cell).split(";") if s)
                merged.append(";".join(sorted(s.replace(_LIST_SEP, ";") for s in items)))
            out[name] = merged
    return out
