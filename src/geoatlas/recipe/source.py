r"""A recipe's TOML source: reading it, and the line of every key for the messages.

Every problem of a recipe is reported as ``maps/NAME.toml:LINE: ...``, but ``tomllib``
forgets where a key was written; :func:`key_lines` finds the line of every key and table
header from the text, and :class:`Problems` collects the problems of one recipe, each at
the line of its key (else of the nearest table above it), to raise them all at once in
file order. :func:`read` turns unreadable files and TOML syntax errors into the same
kind of problem.

Examples
--------
>>> errs = Problems("maps/m.toml", "title = 't'\n[static]\ndpi = 9\n")
>>> errs.add(("static", "dpi"), "[static] dpi must be ...")
>>> errs.add(("static", "size"), "[static] size must be ...")
>>> [str(p) for p in errs.items]
['maps/m.toml:3: [static] dpi must be ...', 'maps/m.toml:2: [static] size must be ...']
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from ..errors import Problem, RecipeError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Problems", "error", "key_lines", "read"]


def read(path: Path) -> tuple[str, dict]:
    """The text of the recipe at ``path`` and its TOML data.

    Raises
    ------
    RecipeError
        Not UTF-8, unreadable or not valid TOML, as one problem at its line.
    """
    shown = f"maps/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error([Problem(shown, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
                     ) from None
    except OSError as exc:
        raise error([Problem(shown, f"cannot be read: {exc.strerror or exc}")]) from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        col = f" (column {m.group(2)})" if m else ""
        raise error([Problem(shown, f"not valid TOML: {msg}{col}", line=line)]) from None


def error(problems: list[Problem]) -> RecipeError:
    """One :class:`RecipeError` listing ``problems``, one per line."""
    return RecipeError("\n".join(str(p) for p in problems), problems)


# -- where each key is written -------------------------------------------------------------
_KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY_LINE = re.compile(rf"^\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*\]\]?")


def _key_parts(dotted: str) -> list[str]:
    return [p.strip().strip("\"'") for p in re.findall(_KEY, dotted)]


def key_lines(text: str) -> dict[tuple, int]:
    r"""Line of every key and table header of a TOML text, by its path in the data.

    Arrays of tables count from 0: the ``where`` of the second ``[[layers]]`` is
    ``("layers", 1, "where")``. Lines inside multi-line strings and arrays are skipped.

    >>> lines = key_lines("title = 't'\n[[layers]]\nlayer = 'a'\n[[layers]]\n"
    ...                   "where = '''x\ny = 1'''\n[layers.style]\ncolor = 'red'\n")
    >>> lines[("title",)], lines[("layers", 1, "where")], lines[("layers", 1, "style", "color")]
    (1, 5, 8)
    >>> ("y",) in lines
    False
    """
    out: dict[tuple, int] = {}
    counts: dict[tuple, int] = {}
    table: tuple = ()
    in_string: str | None = None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if in_string is not None:
            if in_string in line:
                in_string = None
            continue
        if depth == 0:
            m = _HEADER.match(line)
            if m:
                names = _key_parts(m.group(2))
                path: list = []
                for i, part in enumerate(names):
                    path.append(part)
                    key = tuple(p for p in path if isinstance(p, str))
                    last = i == len(names) - 1
                    if last and m.group(1) == "[[":
                        counts[key] = counts.get(key, 0) + 1
                        path.append(counts[key] - 1)
                    elif key in counts:
                        path.append(counts[key] - 1)
                table = tuple(path)
                out.setdefault(table, number)
                continue
            m = _KEY_LINE.match(line)
            if m:
                out.setdefault((*table, *_key_parts(m.group(1))), number)
        rest = _strip_strings(line)
        for quote in ('"""', "\'\'\'"):
            if rest.count(quote) % 2:
                in_string = quote
        depth = max(0, depth + rest.count("[") + rest.count("{")
                    - rest.count("]") - rest.count("}"))
    return out


def _strip_strings(line: str) -> str:
    """``line`` without one-line strings and comments (multi-line quotes kept)."""
    line = re.sub(r'"""|\'\'\'', lambda m: "\0" * 3 if m.group() == '"""' else "\1" * 3, line)
    line = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'', "", line)
    line = line.split("#", 1)[0]
    return line.replace("\0" * 3, '"""').replace("\1" * 3, "\'\'\'")


class Problems:
    """Problems of one recipe, each at the line of the key it is about."""

    def __init__(self, shown: str, text: str | None):
        self.shown = shown
        self.lines = key_lines(text) if text else {}
        self.items: list[Problem] = []

    def add(self, path: tuple, message: str) -> None:
        """Record ``message`` at the line of the key ``path`` (a path in the data)."""
        line = None
        for n in range(len(path), 0, -1):  # the key, else the nearest table above it
            line = self.lines.get(tuple(path[:n]))
            if line is not None:
                break
        self.items.append(Problem(self.shown, message, line=line))

    def raise_any(self) -> None:
        """Raise a :class:`RecipeError` of every problem, in file order, if there is one."""
        self.items.sort(key=lambda p: p.line or 0)  # in file order (stable)
        if self.items:
            raise error(self.items)
