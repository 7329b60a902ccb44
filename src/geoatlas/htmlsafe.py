r"""The one place where data becomes HTML or script text. Every renderer uses it.

Attribute values from the data are never trusted: :func:`text` escapes them for HTML,
:func:`link` makes a link only of an ``http(s)`` URL, and :func:`script_json` embeds data
in a ``<script>`` so that nothing in it can close the script or open a new tag.

Examples
--------
>>> text('<img src=x onerror=alert(1)>')
'&lt;img src=x onerror=alert(1)&gt;'
>>> text("`${x}` {{ y }}")
'&#96;&#36;&#123;x&#125;&#96; &#123;&#123; y &#125;&#125;'
>>> link("javascript:alert(1)", "click")
'javascript:alert(1)'
>>> link("https://example.org/?a=1&b=2", "ex")  # doctest: +NORMALIZE_WHITESPACE
'<a href="https://example.org/?a=1&amp;b=2" target="_blank"
   rel="noopener noreferrer"><bdi>ex</bdi></a>'
>>> script_json({"name": "</script><script>alert(1)</script>"})
'{"name":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}'
"""

from __future__ import annotations

import html
import json
import math
import re

_EXTRA = str.maketrans({"`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"})
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def text(value) -> str:
    """Escape any value for use as HTML text or a quoted attribute value.

    Besides ``& < > " '`` it escapes backticks, ``$`` and braces, so that no template
    engine (JavaScript template strings, Jinja) downstream can interpret the data.
    ``None`` and NaN become the empty string.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)


def bdi(value) -> str:
    """Escaped text isolated from its neighbours' direction: ``<bdi>text</bdi>``.

    Every data text shown on a web page goes through this (or is put in a ``bdi``
    element by the runtime), so a right-to-left override (U+202E) in one value cannot
    reverse the text around it.

    >>> bdi("evil\u202etxt.exe")
    '<bdi>evil\u202etxt.exe</bdi>'
    """
    shown = text(value)
    return f"<bdi>{shown}</bdi>" if shown else ""


def is_http_url(value) -> bool:
    """True for an absolute ``http://`` or ``https://`` URL with no spaces or quotes."""
    return isinstance(value, str) and bool(_URL_RE.match(value.strip()))


def link(url, label=None) -> str:
    """An ``<a>`` for an http(s) URL; anything else is returned as escaped text."""
    if not is_http_url(url):
        return text(url)
    shown = bdi(label if label is not None else url)
    return (f'<a href="{text(url.strip())}" target="_blank" rel="noopener noreferrer">'
            f"{shown}</a>")


def script_json(data) -> str:
    """JSON that is safe inside ``<script>``: ``< > &`` and line separators escaped.

    Keys are sorted and separators compact, so the same data gives the same bytes.
    """
    out = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                     allow_nan=False)
    return (out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def attr_json(data) -> str:
    """JSON for an HTML attribute value (double-quoted), escaped like :func:`text`."""
    return text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
