"""Inline every web asset so that a map is one HTML file that works with no network.

Leaflet comes from the XStatic-Leaflet wheel; the Leaflet plugins from
``geoatlas/assets/vendor/<plugin>/`` (copied from their npm packages with their licences,
versions in :data:`VENDORED`); our own runtime and styles from ``geoatlas/assets``. Images
the CSS refers to become ``data:`` URIs.

Examples
--------
>>> head = inline_head()
>>> "https://cdn" in head, "L.Map" in head or "Leaflet" in head
(False, True)
"""

from __future__ import annotations

import base64
import functools
import re
from importlib import resources
from pathlib import Path

VENDORED = {
    # plugin folder: (npm package, version, licence, files inlined in this order)
    "leaflet-hash": ("leaflet-hash", "0.2.1", "MIT", ("leaflet-hash.js",)),
    "leaflet-minimap": ("leaflet-minimap", "3.6.1", "BSD-2-Clause",
                        ("Control.MiniMap.min.css", "Control.MiniMap.min.js")),
    "leaflet-polylinemeasure": ("leaflet.polylinemeasure", "3.0.0", "BSD-2-Clause",
                                ("Leaflet.PolylineMeasure.css", "Leaflet.PolylineMeasure.js")),
}
"""The Leaflet plugins inlined into every map (see the README's list of versions)."""
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def _leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def _strip_sourcemap(js: str) -> str:
    return re.sub(r"//# sourceMappingURL=\S+\s*$", "", js.rstrip()) + "\n"


def _inline_images(css: str, base: Path) -> str:
    def repl(m: re.Match) -> str:
        ref = m.group(1).strip("'\"")
        file = base / ref
        if ref.startswith(("data:", "#")) or not file.exists():
            return m.group(0)
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        return f"url(data:{_MIME.get(file.suffix, 'image/png')};base64,{data})"

    return re.sub(r"url\(([^)]*)\)", repl, css)


def _safe_in_tag(text: str, tag: str) -> str:
    """Make sure asset text cannot close its own ``<script>``/``<style>`` element."""
    return re.sub(rf"</{tag}", rf"<\\/{tag}", text, flags=re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def inline_head() -> str:
    """``<style>`` and ``<script>`` elements with Leaflet and the geoatlas runtime."""
    base = _leaflet_dir()
    leaflet_css = _inline_images((base / "leaflet.css").read_text(encoding="utf-8"), base)
    leaflet_js = _strip_sourcemap((base / "leaflet.js").read_text(encoding="utf-8"))
    assets = resources.files("geoatlas") / "assets"
    css, js = [leaflet_css], [leaflet_js]
    for folder, (_, _, _, files) in VENDORED.items():
        base_dir = Path(str(assets / "vendor" / folder))
        for name in files:
            text = (base_dir / name).read_text(encoding="utf-8")
            if name.endswith(".css"):
                css.append(_inline_images(text, base_dir))
            else:
                js.append(_strip_sourcemap(text))
    css.append((assets / "geoatlas.css").read_text(encoding="utf-8"))
    js.append((assets / "geoatlas.js").read_text(encoding="utf-8"))
    js.append((assets / "geoatlas-compact.js").read_text(encoding="utf-8"))  # big layers
    return "\n".join([*(f"<style>{_safe_in_tag(c, 'style')}</style>" for c in css),
                      *(f"<script>{_safe_in_tag(j, 'script')}</script>" for j in js)])
