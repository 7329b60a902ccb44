r"""QGIS expressions and map tips built from untrusted names and values.

Everything a workspace holds (field names of a dropped-in layer, category values,
labels) is text from strangers. It reaches a QGIS expression only through the quoting
functions here, and map-tip HTML only through :func:`map_tip`:

- a field is referenced as ``"name"`` (embedded ``"`` doubled) when the name is plain,
  else as ``attribute('…')`` with a string literal that cannot end early;
- a string literal doubles ``'`` and escapes ``\\``, newlines and tabs as QGIS's own
  ``QgsExpression.quotedString`` does;
- inside a map tip nothing emitted contains ``%`` (a ``%`` in a name is spelled
  ``char(37)``), so no name can close the ``[% … %]`` block, and ``[`` in the literal
  HTML around the blocks is written ``&#91;`` so no text can open one;
- each value is HTML-escaped by the expression itself (a ``replace()`` chain over
  ``& < > " '``), so QGIS shows it as text.

Examples
--------
>>> field('name')
'"name"'
>>> field('a"b')
'"a""b"'
>>> field('50%] x')
"attribute('50' || char(37) || '] x')"
>>> literal("it's")
"'it''s'"
"""

from __future__ import annotations

import html
import re

from ...citations import UNQUOTED_HINT

__all__ = [
    "HTML_ESCAPES",
    "field",
    "html_text",
    "literal",
    "map_tip",
    "template_text",
    "tip_literal",
]


HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;"))
"""What :func:`html_text` replaces, in this order (``&`` first)."""
_PLAIN = re.compile(r"^[^\\%\x00-\x1f\x7f]+$")


def literal(value) -> str:
    r"""A QGIS expression literal: ``NULL``, a number, or a quoted string.

    Examples
    --------
    >>> literal(None), literal(2.5)
    ('NULL', '2.5')
    >>> print(literal("a\\b" + chr(10)))
    'a\\b\n'
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return f"{round(value, 4):g}"
    text = str(value).replace("'", "''").replace("\\", "\\\\")
    text = text.replace("\n", "\\n").replace("\t", "\\t")
    return "'" + text + "'"


def tip_literal(value: str) -> str:
    """A string literal with no ``%`` in its source text (spelled ``char(37)``)."""
    parts = str(value).split("%")
    return " || char(37) || ".join(literal(p) for p in parts)


def field(name: str) -> str:
    """A reference to field ``name`` that evaluates to its value, whatever the name.

    Plain names are double-quoted (``"`` doubled); names with a backslash, ``%`` or a
    control character are read with ``attribute(…)``, whose argument is a
    string literal without ``%``.
    """
    name = str(name)
    if _PLAIN.match(name):
        return '"' + name.replace('"', '""') + '"'
    return f"attribute({tip_literal(name)})"


def html_text(expression: str) -> str:
    """An expression giving the HTML-escaped text of ``expression`` ('' for NULL).

    Examples
    --------
    >>> html_text('"name"').count("replace(")
    5
    """
    out = f"coalesce(to_string({expression}), '')"
    for char, entity in HTML_ESCAPES:
        out = f"replace({out}, {literal(char)}, {literal(entity)})"
    return out


def template_text(text: str) -> str:
    """Literal HTML text of a map tip: escaped, and unable to open a ``[%`` block.

    Examples
    --------
    >>> template_text("a [% 1 %] <b>")
    'a &#91;&#37; 1 &#37;] &lt;b&gt;'
    """
    return html.escape(str(text)).replace("[", "&#91;").replace("%", "&#37;")


UNQUOTED_TIP = UNQUOTED_HINT
"""The tooltip of a map tip's *unquoted* line (the ids of the sources cited unquoted)."""


def map_tip(fields, labels=None, unquoted: str | None = None) -> str:
    """The map-tip template of a layer: the first field bold, then ``label: value`` lines.

    Parameters
    ----------
    fields : sequence of str
        Field names, in order (untrusted).
    labels : mapping, optional
        Field name -> the label people read (default: the name, ``_`` as spaces).
    unquoted : str, optional
        The field listing the sources cited without a supporting quote
        (``unquoted_sources``); when given, the tip ends with an *unquoted* line shown
        only for features where that field is not empty.

    Returns
    -------
    str
        A QGIS map-tip template whose only expressions are the escaped field values.

    Examples
    --------
    >>> map_tip(["name", "kind"])[:20]
    '<b>[% replace(replac'
    """
    labels = labels or {}
    lines = []
    for i, f in enumerate(fields):
        block = f"[% {html_text(field(f))} %]"
        if i == 0:
            lines.append(f"<b>{block}</b>")
        else:
            label = labels.get(f) or str(f).replace("_", " ")
            lines.append(f"{template_text(label)}: {block}")
    tip = "<br>".join(lines)
    if unquoted:
        ref = field(unquoted)
        opening = f'<br><i title="{html.escape(UNQUOTED_TIP)}">unquoted: '
        mark = f"{tip_literal(opening)} || {html_text(ref)} || {tip_literal('</i>')}"
        tip += f"[% CASE WHEN coalesce({ref}, '') <> '' THEN {mark} ELSE '' END %]"
    return tip
