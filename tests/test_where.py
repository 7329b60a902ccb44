"""The where language: what parses, what it selects, and that nothing else ever runs.

Issue 11 findings 2 (code in a recipe's ``where``) and 3 (code in ``query --where``)
each have a sentinel test here that fails on the pandas-query main: the hostile
strings below created their sentinel file there.
"""

from __future__ import annotations

import ast
import builtins
import datetime as dt
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geoatlas
from geoatlas import where
from geoatlas.cli import cli
from geoatlas.errors import GeoatlasError, QueryError, WhereError
from geoatlas.where import And, Compare, Field, In, IsNull, Literal, Not, Or, parse, select

SRC = Path(__file__).resolve().parents[1] / "src" / "geoatlas"


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Mes Aynak", "Hajigak", "Ainak's twin", None],
            "status": ["operating", "proposed", "operating", None],
            "km": [5.0, 80.0, np.nan, 12.0],
            "n": [1, 2, 3, 4],
            "opened": ["2020-06-30", "2011", "2017-11", None],
            "when": pd.to_datetime(["2020-01-01", "2010-05-05", None, "2015-07-01"]),
            "flag": [True, False, True, False],
            "opened on": ["x", "y", "z", "w"],
            "in": ["a", "b", "c", "d"],
            "alt": ["", "b", None, "d"],       # a blank CSV cell is an empty string
            "mixed": pd.Series(["a", 1, None, 2.5], dtype=object, index=list("abcd")),
        },
        index=pd.Index(["a", "b", "c", "d"], name="id"),
    )


def ids(df, text, **kw) -> list[str]:
    return list(select(df, text, **kw).index)


# -- the grammar -------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("km == 5", ["a"]),
    ("km != 5", ["b", "c", "d"]),          # != is not (==): true on nulls
    ("km < 12", ["a"]),
    ("km <= 12", ["a", "d"]),
    ("km > 12", ["b"]),
    ("km >= 12", ["b", "d"]),
    ("5 < km", ["b", "d"]),                # a literal on the left is turned round
    ("n > 1.5", ["b", "c", "d"]),
    ("km > -1e1", ["a", "b", "d"]),
    ("status == 'operating'", ["a", "c"]),
    ('status == "operating"', ["a", "c"]),
    ("name == 'Ainak\\'s twin'", ["c"]),    # escaped quote in a text literal
    ("name < 'I'", ["b", "c"]),             # text orders as text; null never matches
    ("status in ['proposed', 'operating']", ["a", "b", "c"]),
    ("status in ['proposed',]", ["b"]),    # trailing comma
    ("status not in ['operating']", ["b", "d"]),
    ("n in [1, 4]", ["a", "d"]),
    ("km is null", ["c"]),
    ("alt is null", ["a", "c"]),            # empty text is null too
    ("alt != 'b'", ["a", "c", "d"]),
    ("alt < 'c'", ["b"]),
    ("status is not null", ["a", "b", "c"]),
    ("flag == true", ["a", "c"]),
    ("flag != TRUE", ["b", "d"]),
    ("`opened on` == 'y'", ["b"]),          # backticks: a name with a space
    ("`in` == 'c'", ["c"]),                 # backticks: a keyword as a field name
    ("`km` > 50", ["b"]),
    ("id == 'b'", ["b"]),                   # the index, by its name
    ("when >= 2015-01-01", ["a", "d"]),     # a date literal on a datetime column
    ("when < '2011-01-01'", ["b"]),         # a text date on a datetime column
    ("opened >= 2017-11", ["a", "c"]),      # ISO text as dates; 2017-11 = 2017-11-01
    ("opened < 2012-01-01", ["b"]),         # '2011' counts from the start of the year
    ("1 == 1", ["a", "b", "c", "d"]),
    ("'x' in ['y']", []),
    ("not km > 12", ["a", "c", "d"]),
    ("km > 12 or status == 'operating'", ["a", "b", "c"]),
    ("km > 12 and status == 'proposed'", ["b"]),
    ("KM > 12 OR n == 1".replace("KM", "km"), ["a", "b"]),   # keywords in any case
    # precedence: not > and > or
    ("n == 1 or n == 2 and km > 50", ["a", "b"]),
    ("(n == 1 or n == 2) and km > 50", ["b"]),
    ("not n == 1 and n < 3", ["b"]),
    ("not (n == 1 and n < 3)", ["b", "c", "d"]),
    ("((((n == 4))))", ["d"]),
    ("  n == 4  ", ["d"]),
])
def test_each_construct_selects_what_it_says(df, text, expected):
    assert ids(df, text) == expected


def test_the_tree_is_what_was_written():
    tree = parse("not a == 1 or b in ['x'] and `c d` is not null")
    assert tree == Or((
        Not(Compare("==", Field("a", 4), Literal(1, "number", 9))),
        And((In(Field("b", 14), (Literal("x", "text", 20),)),
             IsNull(Field("c d", 29), negated=True))),
    ))
    assert parse("d > 2020-06-30").right == Literal(dt.date(2020, 6, 30), "date", 4)
    assert parse("x == 3e9").right.value == 3e9
    assert parse("x == 3000000000").right.value == 3000000000
    assert where.field_names(tree) == ["a", "b", "c d"]


def test_blank_or_none_selects_everything(df):
    assert select(df, None) is df and select(df, "  ") is df


# -- errors point at the column ----------------------------------------------------------
@pytest.mark.parametrize(("text", "column", "reason"), [
    ("status = 'x'", 8, "invalid syntax"),
    ("status == 'operating' and and km > 0", 27, "invalid syntax"),
    ("status ==", 10, "invalid syntax"),
    ("(km > 1", 8, "invalid syntax"),
    ("km > 1)", 7, "invalid syntax"),
    ("status == 'open", 11, "text opened with ' is never closed"),
    ("`status == 1", 1, "field name opened with ` is never closed"),
    ("km > 1e400", 6, "1e400 is too large a number"),
    ("km > 3_000", 6, "3_000 is not a number (write 3000000000 or 3e9)"),
    ("km > 1.2.3", 6, "1.2.3 is not a number"),
    ("km > \u0663", 6, "\u0663 is not a number"),          # an Arabic-Indic digit
    ("km > " + "9" * 5000, 6, "9999999999"),               # no int() of 5000 digits
    ("d > 2020-13-01", 5, "2020-13-01 is not a date"),
    ("km in [1, km]", 11, "a list after 'in' holds values"),
    ("km", 3, "invalid syntax"),            # a bare field is not a test
    ("km not null", 8, "invalid syntax"),    # after "not" comes "in"
])
def test_syntax_errors_point_at_the_column(text, column, reason):
    with pytest.raises(WhereError) as info:
        parse(text)
    err = info.value
    assert err.column == column
    head, shown, caret = str(err).split("\n")
    assert head.startswith(f"where expression does not parse at column {column} ({reason}")
    assert shown == "  " + text.rstrip()
    assert caret == "  " + " " * (column - 1) + "^"


def test_unknown_fields_and_values_are_named(df):
    with pytest.raises(WhereError, match=r"unknown field\(s\) stauts \(did you mean status\?\)"
                                         r".*; fields: name, status, km"):
        select(df, "km > 1 and stauts == 'operating'")
    with pytest.raises(WhereError) as info:
        select(df, "status == 'operational'")
    assert str(info.value).startswith(
        "where expression at column 11 failed: no feature has status 'operational' "
        "(did you mean 'operating'?); values of status: operating, proposed:")
    with pytest.raises(WhereError, match="no feature has status 'opreating'"):
        select(df, "status in ['proposed', 'opreating']")
    # a value of the field's vocabulary is known even where no row holds it now
    assert ids(df, "status == 'suspended'", vocab={"status": ["suspended"]}) == []
    # one part of a larger frame: no value check
    assert ids(df, "status == 'elsewhere'", values=False) == []


@pytest.mark.parametrize(("text", "message"), [
    ("status > 3", "column 10 failed: field status holds text, 3 is a number; quote text values"),
    ("km == 'five'", "failed: field km holds a number, 'five' is text"),
    ("flag == 1", "failed: field flag holds true/false, 1 is a number"),
    ("name > 2020-01-01", "field name holds text that is not an ISO date"),
    ("km == status", "field km holds a number, field status holds text"),
    ("1 == 'a'", "1 is a number, 'a' is text"),
    ("mixed < 'b'", "column 9 failed: values of different kinds"),
])
def test_kinds_must_match(df, text, message):
    with pytest.raises(WhereError, match=message):
        select(df, text)


def test_errors_are_the_package_errors():
    assert issubclass(WhereError, QueryError) and issubclass(WhereError, GeoatlasError)
    assert issubclass(WhereError, ValueError)
    assert geoatlas.WhereError is WhereError


# -- nothing else parses -----------------------------------------------------------------
HOSTILE = [
    "name.__class__.__init__.__globals__['sys'].modules['os'].system('touch {s}') == 0",
    "status.__class__.__init__.__globals__['sys'].modules['os'].system('touch {s}') == 0",
    "@os.system('touch {s}') == 0",
    "__import__('os').system('touch {s}') == 0",
    "name == open('{s}', 'w').write('x')",
    "name[0] == 'x'",
    "(lambda: __import__('os').system('touch {s}'))() == 0",
    "name == `x` + __import__('os').system('touch {s}')",
    "status == 'x'; import os; os.system('touch {s}')",
    "{{{{ 7*7 }}}} == 49",
    "name == $x$",
    "name == 'a' | km > 1",
    "name.str.len() > 0",
    "exec('import os') == 0",
    "getattr(name, '__class__') == 0",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_code_never_parses(text, tmp_path):
    sentinel = tmp_path / "sentinel"
    with pytest.raises(WhereError) as info:
        parse(text.format(s=sentinel))
    assert info.value.column is not None and "^" in str(info.value)
    assert not sentinel.exists()


def test_where_reaches_no_evaluator():
    """No eval/exec and no pandas query/eval anywhere in the package (spatial indexes,
    shapely's STRtree and geopandas' sindex, are the only ``.query`` allowed)."""
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if isinstance(f, ast.Name) and f.id in ("eval", "exec", "compile"):
                found.append(f"{path.name}:{node.lineno}: {f.id}()")
            if isinstance(f, ast.Attribute) and f.attr in ("eval", "query"):
                receiver = ast.unparse(f.value)
                spatial = (receiver.lower().endswith(("tree", "sindex"))
                           or "STRtree(" in receiver)
                if not (f.attr == "query" and spatial):
                    found.append(f"{path.name}:{node.lineno}: {receiver}.{f.attr}()")
    assert found == []


# -- hypothesis: random text parses or raises our error, and never evaluates ---------------
FRAGMENTS = st.sampled_from([
    "status", "km", "`opened on`", "mixed", "when", "opened", "flag", "id", "==", "!=", "<",
    ">=", "=", "in", "not", "and", "or", "is", "null", "(", ")", "[", "]", ",",
    "'operating'", '"x"', "3", "-2.5e3",
    "2020-01-01", "true", ".", "__class__", "@", "__import__", "(", "lambda", ":",
    "{{", "}}", "$", "\\", "'", "`", "\u202e", "\x00", "=HYPERLINK(", "<script>", ";",
])
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(FRAGMENTS, max_size=14).map(" ".join),
    st.lists(FRAGMENTS, max_size=14).map("".join),
)


def _forbidden(*args, **kwargs):
    raise AssertionError("an evaluator was called")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_random_text_parses_or_raises_our_error(df, text):
    with ExitStack() as stack:
        for target, name in ((builtins, "eval"), (builtins, "exec"), (pd, "eval"),
                             (pd.DataFrame, "query"), (pd.DataFrame, "eval")):
            stack.enter_context(mock.patch.object(target, name, _forbidden))
        try:
            tree = parse(text)
        except WhereError as exc:
            assert exc.column is None or 1 <= exc.column <= len(text) + 1
            return
        try:
            got = where.mask(tree, df, text)
        except WhereError:
            return
    assert got.dtype == bool and list(got.index) == list(df.index)


# -- the same language everywhere: recipe, CLI, API (issue 11 findings 2 and 3) -----------
PAYLOAD = "status.__class__.__init__.__globals__['sys'].modules['os'].system('touch {s}') == 0"


def test_finding_2_recipe_where_runs_nothing(mini_copy, tmp_path):
    sentinel = tmp_path / "pwned-recipe"
    recipe = mini_copy / "maps" / "mini.toml"
    text = recipe.read_text(encoding="utf-8")
    recipe.write_text(text.replace("layer = \"rail\"\n",
                                   f"layer = \"rail\"\nwhere = \"{PAYLOAD.format(s=sentinel)}\"\n",
                                   1), encoding="utf-8")
    line = recipe.read_text(encoding="utf-8").splitlines().index(
        f"where = \"{PAYLOAD.format(s=sentinel)}\"") + 1
    checked = CliRunner().invoke(cli, ["check", str(mini_copy)])
    assert checked.exit_code == 1
    assert (f"maps/mini.toml:{line}: [[layers]] #2 (rail): 'where' = "
            in checked.output), checked.output
    assert "does not parse at column 7 ('.' is not part of the where language" in checked.output
    built = CliRunner().invoke(cli, ["build", str(mini_copy), "--only", "web",
                                     "--out", str(tmp_path / "out")])
    assert built.exit_code == 1 and f"maps/mini.toml:{line}:" in built.output
    assert not sentinel.exists()
    assert not (tmp_path / "out" / "mini.html").exists()


def test_finding_3_cli_where_runs_nothing(mini_copy, tmp_path):
    sentinel = tmp_path / "pwned-cli"
    for verb in (["near", "deposits", "--to", "rail", "--km", "50", "--where"],
                 ["near", "deposits", "--to", "rail", "--km", "50", "--filter"],
                 ["near", "deposits", "--to", "rail", "--km", "50", "--to-where"],
                 ["nearest", "deposits", "--to", "rail", "--to-where", "", "--where"],
                 ["within", "deposits", "--area", "Logar", "--where"],
                 ["summarize", "deposits", "--by", "provinces", "--by-where"],
                 ["route", "copper-hill", "--to", "peshawar", "--where"]):
        r = CliRunner().invoke(cli, ["query", *verb, PAYLOAD.format(s=sentinel),
                                     "--workspace", str(mini_copy)])
        assert r.exit_code == 1, r.output
        assert "does not parse at column 7" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(cli, ["raster", str(mini_copy), "distance", "--to", "rail",
                                 "--where", PAYLOAD.format(s=sentinel),
                                 "--out", str(tmp_path / "d.tif")])
    assert r.exit_code != 0 and "does not parse" in r.output, r.output
    assert not sentinel.exists()


# where= alone on near/nearest (its old meaning) warns: hostile text goes through it too
@pytest.mark.filterwarnings("ignore::geoatlas.errors.GeoatlasDeprecationWarning")
def test_api_where_runs_nothing(mini, tmp_path):
    sentinel = tmp_path / "pwned-api"
    hostile = PAYLOAD.format(s=sentinel)
    calls = [
        lambda: mini.near("deposits", "rail", km=50, where=hostile),
        lambda: mini.near("deposits", "rail", km=50, filter=hostile),
        lambda: mini.near("deposits", "rail", km=50, to_where=hostile),
        lambda: mini.nearest("deposits", "places", where=hostile, to_where=""),
        lambda: mini.nearest("deposits", "places", where=hostile),
        lambda: mini.within("deposits", "provinces", where=hostile),
        lambda: mini.summarize("deposits", "provinces", where=hostile),
        lambda: mini.route("copper-hill", "peshawar", where=hostile),
    ]
    for call in calls:
        with pytest.raises(WhereError, match="column 7"):
            call()
    from geoatlas import surfaces

    with pytest.raises(WhereError, match="column 7"):
        surfaces.distance_surface(mini, "rail", where=hostile)
    assert not sentinel.exists()


def test_current_recipes_and_docs_strings_still_select(atlas):
    """What the shipped recipes and the docs use keeps its meaning."""
    places = atlas.places
    got = select(places, "country == 'AFG' or kind in ['border_crossing', 'dry_port']")
    expected = places[(places["country"] == "AFG")
                      | places["kind"].isin(["border_crossing", "dry_port"])]
    assert list(got.index) == list(expected.index) and len(got) > 5
    assert list(select(atlas.rail, "n_contracts > 0").index) == list(
        atlas.rail.index[atlas.rail["n_contracts"] > 0])


def test_the_docs_examples_parse():
    text = (SRC.parents[1] / "docs" / "queries.md").read_text(encoding="utf-8")
    block = text.split("### The where language", 1)[1].split("Examples:\n\n```\n", 1)[1]
    examples = block.split("```", 1)[0].strip().splitlines()
    assert len(examples) >= 6
    for example in examples:
        assert where.field_names(parse(example)), example


@pytest.mark.parametrize("text", ["name == 1 \x00", "name \u202e== 1",
                                  "name == 'a\u202eb\nc' and @x", "name\t== 'x' =="])
def test_messages_show_control_and_bidi_characters_as_spaces(text):
    with pytest.raises(WhereError) as info:
        parse(text)
    message = str(info.value)
    assert not any(c in message.split("\n", 1)[1] for c in "\x00\u202e\t")
    _head, shown, caret = message.split("\n")
    assert len(shown) == len(text.rstrip()) + 2 and caret.endswith("^")


def test_depth_and_length_are_bounded(df):
    with pytest.raises(WhereError, match="nested deeper than 64 levels"):
        parse("(" * 70 + "n == 1" + ")" * 70)
    with pytest.raises(WhereError, match="nested deeper than 64 levels"):
        parse("not " * 70 + "n == 1")
    with pytest.raises(WhereError, match="10,001 characters long; the limit is 10,000"):
        parse("n == 1" + " " * 9995)
    long = " or ".join(["n == 4"] * 1000)     # long but flat: fine
    assert ids(df, long) == ["d"]
