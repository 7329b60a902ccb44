"""Query engines beyond the in-memory one (:mod:`geoatlas.query`).

``geoatlas.engines.dask`` runs :func:`~geoatlas.query.near`,
:func:`~geoatlas.query.nearest` and :func:`~geoatlas.query.summarize` partition by
partition on a dask.distributed cluster (install the ``scale`` extra).
"""

__all__: list[str] = []
