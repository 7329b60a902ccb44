r"""Characters no workspace text may carry: control characters and bidi overrides.

Every text cell of every layer, table, dropped-in file and recipe is scanned by
``geoatlas check``. Rejected:

- NUL and the other C0 controls (U+0000-U+001F), DEL (U+007F) and the C1 controls
  (U+0080-U+009F): they truncate GeoPackage strings, corrupt SVG/XML and hide text.
  Tab and line breaks are allowed in free-text columns (``notes``, ``description``, ...)
  only, where a pasted paragraph may carry them.
- The bidirectional embedding, override and isolate controls U+202A-U+202E and
  U+2066-U+2069: they reverse neighbouring text (``file\u202egpj.exe``) in every viewer.

Examples
--------
>>> bad_characters("Mes Aynak") is None
True
>>> bad_characters("evil\x00name")
'NUL (U+0000) at character 5'
>>> bad_characters("abc\u202eFED")
'bidi control RIGHT-TO-LEFT OVERRIDE (U+202E) at character 4'
>>> bad_characters("two\nlines", free_text=True) is None
True
>>> bad_characters("two\nlines")
'control character U+000A at character 4'
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["BAD_TEXT_RE", "BIDI_CONTROLS", "bad_characters", "first_bad_line"]

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""Bidi embedding (LRE, RLE, PDF), override (LRO, RLO) and isolate (LRI, RLI, FSI, PDI)."""

BAD_TEXT_RE = f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]"
"""Regex character class of every suspect character (for vectorised pre-screening)."""
_ANY_BAD = re.compile(BAD_TEXT_RE)
_FREE_TEXT_OK = "\t\n\r"


def bad_characters(text: str, free_text: bool = False) -> str | None:
    """Describe the first forbidden character of ``text``, or return None if it is clean.

    Parameters
    ----------
    text : str
        A cell, field name or recipe string.
    free_text : bool
        Allow tab, line feed and carriage return (free-text columns).

    Returns
    -------
    str or None
        e.g. ``'NUL (U+0000) at character 5'`` (1-based position).
    """
    for m in _ANY_BAD.finditer(text):
        ch = m.group()
        if free_text and ch in _FREE_TEXT_OK:
            continue
        where = f"at character {m.start() + 1}"
        code = f"U+{ord(ch):04X}"
        if ch == "\x00":
            return f"NUL ({code}) {where}"
        if ch in BIDI_CONTROLS:
            return f"bidi control {unicodedata.name(ch)} ({code}) {where}"
        return f"control character {code} {where}"
    return None


def first_bad_line(text: str, free_text: bool = True) -> tuple[int, str] | None:
    r"""The 1-based line and description of the first forbidden character of a file.

    >>> first_bad_line('title = "ok"\nsubtitle = "x\u202ey"\n')
    (2, 'bidi control RIGHT-TO-LEFT OVERRIDE (U+202E) at character 14')
    """
    for number, line in enumerate(text.split("\n"), start=1):
        message = bad_characters(line.rstrip("\r"), free_text=free_text)
        if message:
            return number, message
    return None
