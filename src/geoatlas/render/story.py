"""Story maps: a recipe's ``[[chapters]]`` as one offline HTML page, text beside the map.

The page is assembled here as plain strings, never through a template engine: every
piece of recipe or data text goes through :mod:`geoatlas.htmlsafe` (chapter text through
:func:`markdown`, a tiny renderer that escapes first and then recognises a small subset).
The map is the web map's own: its runtime and assets (:func:`inline_head`) and its
spec (:func:`~geoatlas.render.webspec.map_spec`), so the story draws every layer exactly
as the web map does. A small script (``assets/geoatlas-story.js``) watches which chapter
is in view and flies the map to that chapter's view, shows its layers and sets its date.

On a wide screen the text scrolls in a column beside the map; on a phone the map sits at
the top and the text scrolls under it. Each chapter lists the sources it rests on
(title, publisher, date) and the data rows (``table:id``) that carry them.

Examples
--------
>>> print(markdown("Hello **<b>world</b>**"))
<p>Hello <strong>&lt;b&gt;world&lt;/b&gt;</strong></p>
>>> print(markdown("[docs](https://example.org/?a=1&b=2)"))
<p><a href="https://example.org/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">docs</a></p>
>>> print(markdown("[x](javascript:alert(1))"))
<p>[x](javascript:alert(1))</p>
"""

from __future__ import annotations

import html as _html
import re
from importlib import resources
from pathlib import Path

from .. import htmlsafe
from .offline import inline_head
from .prepare import PreparedLayer, extent, prepare
from .webspec import map_spec

__all__ = ["chapter_specs", "markdown", "story_html", "write"]


_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EM = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])")
_CODE = re.compile(r"&#96;(.+?)&#96;")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^()\s]+)\)")


def _inline(text: str) -> str:
    """Escape ``text``, then turn the subset's inline marks into tags."""
    out = htmlsafe.text(text)

    def link(m: re.Match) -> str:
        url = _html.unescape(m.group(2))
        if not htmlsafe.is_http_url(url):
            return m.group(0)
        return (f'<a href="{htmlsafe.text(url)}" rel="noopener noreferrer" '
                f'target="_blank">{m.group(1)}</a>')

    out = _CODE.sub(r"<code>\1</code>", out)
    out = _LINK.sub(link, out)
    out = _STRONG.sub(r"<strong>\1</strong>", out)
    return _EM.sub(r"<em>\1</em>", out)


def markdown(text: str) -> str:
    r"""Render a small Markdown subset to HTML, escaping everything else.

    Paragraphs (blank lines), ``- `` lists, ``**bold**``, ``*italic*``, backtick code
    and ``[links](https://...)`` (http and https only). Anything else, HTML included,
    shows as text.

    >>> markdown("- one\n- *two*")
    '<ul><li>one</li><li><em>two</em></li></ul>'
    """
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    out = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines()]
        if all(line.startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line[2:].strip())}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(lines))}</p>")
    return "\n".join(out)


def _date_text(date) -> str:
    return f"{date.day} {date.strftime('%B')} {date.year}"


def chapter_specs(atlas, recipe, layers: list[PreparedLayer]) -> list[dict]:
    """What the story script needs per chapter: view, layer keys, date (JSON-able)."""
    keys: dict[str, list[str]] = {}  # webspec.map_spec names recipe layers L0, L1, ...
    for i, prepared in enumerate(layers):
        keys.setdefault(prepared.spec.layer, []).append(f"L{i}")
    out = []
    for n, ch in enumerate(recipe.chapters):
        view: dict = {}
        if ch.features:
            boxes = [atlas[name].loc[[ident]].total_bounds for name, ident in ch.features]
            minx = min(b[0] for b in boxes)
            miny = min(b[1] for b in boxes)
            maxx = max(b[2] for b in boxes)
            maxy = max(b[3] for b in boxes)
            view["bounds"] = [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]
            if ch.zoom:
                view["max_zoom"] = ch.zoom
        else:
            view["center"] = [ch.center[1], ch.center[0]]
            view["zoom"] = ch.zoom
        date = ch.as_of or recipe.as_of
        out.append({
            "n": n,
            "view": view,
            "layers": sorted(k for name in ch.layers for k in keys.get(name, [])),
            "when": date.isoformat() if date else None,
            "date_text": f"As of {_date_text(date)}" if date else "Latest known status",
        })
    return out


def _sources_html(atlas, ch) -> str:
    rows = []
    table = atlas["sources"].set_index("id", drop=False)
    for sid in ch.sources:
        src = table.loc[sid]
        parts = [f'<cite>{htmlsafe.text(src["title"])}</cite>']
        if src.get("publisher"):
            parts.append(htmlsafe.text(src["publisher"]))
        if src.get("published"):
            parts.append(htmlsafe.text(src["published"]))
        link = htmlsafe.link(src["url"], "link") if htmlsafe.is_http_url(src.get("url")) else ""
        rows.append(f'<li data-source="{htmlsafe.text(sid)}">{", ".join(parts)}'
                    f'{" " + link if link else ""}</li>')
    data = ", ".join(f"<code>{htmlsafe.text(name)}:{htmlsafe.text(ident)}</code>"
                     for name, ident in ch.rows)
    return (f'<div class="ga-chapter-sources"><h3>Sources</h3><ol>{"".join(rows)}</ol>'
            f'<p class="ga-chapter-rows">Data rows: {data}</p></div>')


def story_html(atlas, recipe, layers: list[PreparedLayer] | None = None) -> str:
    """The story page of ``recipe`` as one HTML string (deterministic)."""
    layers = layers if layers is not None else prepare(atlas, recipe)
    spec = map_spec(atlas, recipe, layers)
    spec["header_html"] = ""  # the title is in the text column
    minx, miny, maxx, maxy = extent(layers, recipe)
    chapters = chapter_specs(atlas, recipe, layers)
    data = {"map": spec, "chapters": chapters,
            "start": [[miny, minx], [maxy, maxx]]}
    sections = []
    for ch, cs in zip(recipe.chapters, chapters):
        sections.append(
            f'<section class="ga-chapter" id="chapter-{cs["n"] + 1}" data-chapter="{cs["n"]}">'
            f'<h2>{htmlsafe.text(ch.title)}</h2>'
            f'<p class="ga-chapter-date">{htmlsafe.text(cs["date_text"])}</p>'
            f"{markdown(ch.text)}{_sources_html(atlas, ch)}</section>")
    intro = [f"<h1>{htmlsafe.text(recipe.title)}</h1>"]
    if recipe.subtitle:
        intro.append(f'<p class="ga-story-subtitle">{htmlsafe.text(recipe.subtitle)}</p>')
    if recipe.description:
        intro.append(markdown(recipe.description))
    intro.append('<p class="ga-story-hint">Scroll: the map follows the story.</p>')
    assets = resources.files("geoatlas") / "assets"
    css = (assets / "geoatlas-story.css").read_text(encoding="utf-8")
    js = (assets / "geoatlas-story.js").read_text(encoding="utf-8")
    credits = htmlsafe.text(recipe.credits or "Basemap: Natural Earth")
    css, js = css.replace("</", "<\\/"), js.replace("</", "<\\/")  # cannot close their tags
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{htmlsafe.text(recipe.title)}</title>",
        inline_head(),
        f"<style>{css}</style>",
        "</head>",
        '<body class="ga-story">',
        '<div id="ga-story-map" class="ga-story-map" role="region" aria-label="Map"></div>',
        '<main class="ga-story-text">',
        f'<header class="ga-story-intro">{"".join(intro)}</header>',
        *sections,
        f'<footer class="ga-story-footer"><p>{credits}</p></footer>',
        "</main>",
        f'<script type="application/json" id="ga-story-data">{htmlsafe.script_json(data)}'
        "</script>",
        f"<script>{js}</script>",
        "</body>",
        "</html>",
        "",
    ])


def write(atlas, recipe, layers, folder: Path, **options) -> list[Path]:
    """Write ``<name>.html``: the story page of a recipe with chapters."""
    path = Path(folder) / f"{recipe.name}.html"
    path.write_bytes(story_html(atlas, recipe, layers).encode("utf-8"))
    return [path]
