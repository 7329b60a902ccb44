"""The shareable web map: one self-contained, offline, deterministic HTML file.

No template engine ever sees data. The page is put together here from three kinds of
text: our own fixed markup, data escaped by :mod:`geoatlas.htmlsafe` (popups, legends,
the sources panel: the one HTML boundary), and the map's spec
(:func:`geoatlas.render.webspec.map_spec`) as JSON in a
``<script type="application/json">`` block (:func:`geoatlas.htmlsafe.script_json`),
which the runtime (``assets/geoatlas.js``, inlined by :mod:`geoatlas.render.offline`)
reads with ``JSON.parse`` and shows with ``textContent``. Folium and branca are not used
to write the page. Before writing, :func:`geoatlas.render.websize.check_size` holds the
page to the recipe's ``max_html_mb``.

Examples
--------
>>> page = page_html({"title": "{{ 7*7 }}", "layers": []}, "{{ 7*7 }}")
>>> '"title":"{{ 7*7 }}"' in page, "<title>&#123;&#123; 7*7 &#125;&#125;</title>" in page
(True, True)
>>> import geoatlas
>>> m = geoatlas.open().map("afghanistan-minerals")     # doctest: +SKIP
>>> m.save("minerals.html")                             # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from .. import htmlsafe
from .offline import inline_head
from .prepare import PreparedLayer, prepare
from .websize import check_size
from .webspec import map_spec

__all__ = ["MAP_ID", "SPEC_ID", "WebMap", "make_map", "page_html", "render_html", "write"]


MAP_ID = "geoatlas"
SPEC_ID = "ga-spec"


# -- the page ----------------------------------------------------------------------------
class WebMap:
    """A built web map: its HTML page and the spec inside it.

    Displays inline in Jupyter (an ``<iframe srcdoc>``) and saves as one file.
    """

    def __init__(self, html: str, spec: dict):
        self.html = html
        self.spec = spec

    def render(self) -> str:
        """The page as one string."""
        return self.html

    def save(self, path) -> Path:
        """Write the page to ``path`` (UTF-8); return the path."""
        path = Path(path)
        path.write_bytes(self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{htmlsafe.text(self.html)}" style="width:100%;height:600px;'
                f'border:0" sandbox="allow-scripts allow-popups"></iframe>')


def page_html(spec: dict, title: str) -> str:
    """The whole page: fixed markup, inlined assets, and ``spec`` as JSON data.

    ``title`` goes through :func:`geoatlas.htmlsafe.text`; ``spec`` through
    :func:`geoatlas.htmlsafe.script_json`. Nothing is rendered by a template engine.
    """
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{htmlsafe.text(title)}</title>\n{inline_head()}\n</head>\n<body>\n"
        f'<div id="{MAP_ID}" class="ga-map"></div>\n'
        f'<script type="application/json" id="{SPEC_ID}">{htmlsafe.script_json(spec)}</script>\n'
        f'<script>GeoAtlas.start("{MAP_ID}", "{SPEC_ID}");</script>\n</body>\n</html>\n'
    )


def make_map(atlas, recipe, layers: list[PreparedLayer] | None = None) -> WebMap:
    """Build the web map of ``recipe`` (it displays inline in Jupyter)."""
    layers = layers if layers is not None else prepare(atlas, recipe)
    spec = map_spec(atlas, recipe, layers)
    return WebMap(page_html(spec, recipe.title), spec)


def render_html(atlas, recipe, layers: list[PreparedLayer] | None = None) -> str:
    """The map as one HTML string (deterministic: same input, same bytes)."""
    return make_map(atlas, recipe, layers).html


def write(atlas, recipe, layers, folder: Path, **options) -> list[Path]:
    """Write ``<name>.html`` into ``folder``; return its path.

    Logs the bytes of every layer and enforces the recipe's ``max_html_mb``
    (:func:`geoatlas.render.websize.check_size` raises, explaining what would fit).
    """
    path = Path(folder) / f"{recipe.name}.html"
    layers = layers if layers is not None else prepare(atlas, recipe)
    m = make_map(atlas, recipe, layers)
    data = m.html.encode("utf-8")
    check_size(recipe, layers, m.spec, len(data), atlas)
    path.write_bytes(data)
    return [path]
