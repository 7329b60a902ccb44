"""The web map's popups: each feature read like a briefing, as escaped HTML.

A :class:`PopupContext` holds what every popup of a map looks up (contracts, events,
sources and their quotes, country names, status histories) and builds each popup: a
title, a summary line, the other fields, the contracts and events as one dated list, the
numbered sources with the sentences they are quoted for, the notes folded. Every value
goes through :mod:`geoatlas.htmlsafe`; only the recipe's link fields become links, and
only http(s) ones. It also keeps which documents were cited, for the page's sources panel.

Examples
--------
>>> contract_value_text({"value_min_usd": 1e9, "value_max_usd": 3e9,
...                      "value_meaning": "total investment", "value_year": 2008.0})
'$1 bn–$3 bn (total investment; 2008 USD)'
"""

from __future__ import annotations

import math

import pandas as pd

from .. import htmlsafe
from ..citations import UNQUOTED_COLUMN, UNQUOTED_HINT
from ..schema import field_label, split_list
from ..style import QUALITY_TEXT
from .prepare import PreparedLayer
from .webformat import is_missing, money, text_value

__all__ = ["UNQUOTED_TITLE", "PopupContext", "contract_value_text"]


UNQUOTED_TITLE = htmlsafe.text(UNQUOTED_HINT)
"""The tooltip of a popup's "unquoted" mark on a source."""
_SUMMARY_FIELDS = ("commodities", "kind", "modes")


class PopupContext:
    """Lookups shared by every popup of a map: contracts, events, sources, countries."""

    def __init__(self, atlas, recipe):
        self.recipe = recipe
        self.contracts = atlas["contracts"]
        self.events = atlas["events"]
        self.sources = atlas["sources"].set_index("id", drop=False)
        self.histories = atlas.catalog.histories
        countries = atlas["countries"] if "countries" in atlas.layers else None
        self.country_names = ({str(k): str(v) for k, v in zip(countries["iso3"],
                                                               countries["name"])}
                              if countries is not None else {})
        self.cited: dict[str, None] = {}
        # (table, row id, source id) -> the sentence that citation rests on
        cites = atlas["citations"] if "citations" in atlas.tables else None
        self.quotes = ({} if cites is None else {
            (str(t), str(r), str(s)): str(q)
            for t, r, s, q in zip(cites["table"], cites["row_id"], cites["source_id"],
                                  cites["quote"])
            if isinstance(q, str) and q.strip()})

    # values ------------------------------------------------------------------------------
    def text_value(self, layer: str, field: str, value) -> str:
        """One attribute value as plain text (see :func:`text_value`)."""
        return text_value(layer, field, value, self.country_names)

    def value(self, layer: str, field: str, value) -> str:
        """One attribute value as escaped HTML (links only for declared link fields)."""
        if field in self.recipe.link_fields and not is_missing(value):
            return htmlsafe.link(str(value))
        return htmlsafe.bdi(self.text_value(layer, field, value))

    # histories -----------------------------------------------------------------------------
    def histories_of(self, layer: str, frame) -> dict[str, list]:
        """``{id: [[date or None, status], ...]}`` of the features that have a history.

        Deposits follow their contracts: the status of a deposit is that of its most
        recently changed contract (as in :mod:`geoatlas.joins`), so its history is the
        merged, date-ordered transitions of its contracts.
        """
        own = self.histories.get(layer, {})
        out = {k: [[t.date.isoformat() if t.date else None, t.status] for t in h]
               for k, h in own.items()}
        if layer == "deposits" and "contract_ids" in frame:
            contracts = self.histories.get("contracts", {})
            for ident, ids in frame["contract_ids"].items():
                merged = [t for cid in split_list(ids) for t in contracts.get(cid, [])]
                if not merged or str(ident) in out:
                    continue
                dated = sorted((t for t in merged if t.date), key=lambda t: t.date)
                undated = [t for t in merged if not t.date]
                out[str(ident)] = ([[t.date.isoformat(), t.status] for t in dated]
                                   + [[None, t.status] for t in undated])
        return out

    # the popup ----------------------------------------------------------------------------
    def popup(self, prepared: PreparedLayer, ident, row, hist: dict | None = None) -> str:
        """A feature's popup, read like a briefing.

        A title; one summary line (what it is, the status as of the chosen date, the
        location quality); the contracts and events as one dated list; the sources as
        titles (linked when they have an http(s) URL); the notes folded.
        """
        spec = prepared.spec
        layer = spec.layer
        name = row.get("name", ident)
        ident = str(ident)
        contract_ids = split_list(row.get("contract_ids", "") or "") if spec.contracts else []
        contracts = [c for cid in contract_ids
                     for _, c in self.contracts[self.contracts["id"] == cid].iterrows()]
        events = self._events(layer, ident, contract_ids)
        numbers, citing = self._numbered_sources(layer, ident, row, contracts, events)
        self.cited.update(dict.fromkeys(numbers))

        out = [f'<div class="ga-popup"><h3>{htmlsafe.bdi(name)}</h3>']
        out += self._summary_html(spec, ident, row, hist)
        out += self._table_html(spec, row, contracts)
        out += self._dated_html(contracts, events, numbers)
        if numbers:
            out.append('<h4>Sources</h4><ol class="ga-sources">')
            out += [f"<li>{self.source_html(sid)}{self._support(sid, citing)}</li>"
                    for sid in numbers]
            out.append("</ol>")
        notes = row.get("notes")
        if "notes" in spec.popup and not is_missing(notes):
            shown = self.value(layer, "notes", notes)
            out.append(f'<details class="ga-notes"><summary>Notes</summary><p>{shown}</p>'
                       "</details>")
        out.append("</div>")
        return "".join(out)

    def _numbered_sources(self, layer: str, ident: str, row, contracts: list,
                          events: pd.DataFrame) -> tuple[dict, list]:
        """The popup's sources numbered in order of first citation, and who cites them.

        The feature's own sources come first, then its contracts', then its events'.
        ``citing`` lists ``(table, id, source_ids, unquoted_sources)`` per row (see
        :meth:`_support`).
        """
        source_ids = split_list(row.get("source_ids", "") or "")
        for c in contracts:
            source_ids += split_list(c["source_ids"])
        for e in events.itertuples(index=False):
            source_ids += split_list(e.source_ids)
        numbers = {sid: k + 1 for k, sid in enumerate(dict.fromkeys(source_ids))}
        citing = [(layer, ident, row.get("source_ids"), row.get(UNQUOTED_COLUMN))]
        citing += [("contracts", str(c["id"]), c["source_ids"], c.get(UNQUOTED_COLUMN))
                   for c in contracts]
        citing += [("events", str(e["id"]), e["source_ids"], e.get(UNQUOTED_COLUMN))
                   for _, e in events.iterrows()]
        return numbers, citing

    def _summary_html(self, spec, ident: str, row, hist: dict | None) -> list[str]:
        """The summary line: what the feature is, its status (as of a date), its quality."""
        layer = spec.layer
        summary = []
        for field in _SUMMARY_FIELDS:
            if field in spec.popup and field in row:
                shown = self.value(layer, field, row.get(field))
                if shown:
                    summary.append(f'<span class="ga-what">{shown}</span>')
                break
        if hist is None:
            hist = self.histories_of(layer, row.to_frame().T) if spec.timeline else {}
        if ident in hist:
            summary.append(self._status_span(hist[ident], row.get("status")))
        elif "status" in spec.popup and not is_missing(row.get("status")):
            summary.append(f'<span class="ga-status">{self.value(layer, "status", row["status"])}'
                           "</span>")
        quality = row.get("location_quality")
        if quality in QUALITY_TEXT:
            summary.append(f'<span class="ga-q ga-q-{quality}">{QUALITY_TEXT[quality]}</span>')
        return ['<p class="ga-summary">' + " · ".join(summary) + "</p>"] if summary else []

    def _table_html(self, spec, row, contracts: list) -> list[str]:
        """The popup fields not in the summary, as a table of label and value."""
        layer = spec.layer
        rows = []
        skip = {"name", "status", "location_quality", "notes", *_SUMMARY_FIELDS[:1]}
        summary_field = next((f for f in _SUMMARY_FIELDS if f in spec.popup and f in row), None)
        for field in spec.popup:
            if field in skip or field == summary_field or field not in row:
                continue
            if field == "companies" and contracts:
                continue  # the dated list below names them with their contracts
            shown = self.value(layer, field, row.get(field))
            if shown:
                rows.append(f"<tr><th>{htmlsafe.text(field_label(field, layer))}</th>"
                            f"<td>{shown}</td></tr>")
        return ["<table>" + "".join(rows) + "</table>"] if rows else []

    def _dated_html(self, contracts: list, events: pd.DataFrame, numbers: dict) -> list[str]:
        """Contracts and events as one list, by date (undated last), each with its citations."""
        dated = [(self._contract_date(c), "c", self._contract(c, numbers)) for c in contracts]
        for e in events.itertuples(index=False):
            text = f"{htmlsafe.bdi(e.description)}{self._cite(e.source_ids, numbers)}"
            dated.append((e.date or "", "e", text))
        if not dated:
            return []
        dated.sort(key=lambda t: (t[0] or "9999", t[1]))
        out = ["<h4>Contracts and events</h4><ul class=\"ga-dated\">"]
        for when, _, text in dated:
            out.append(f'<li><span class="ga-date">{htmlsafe.text(when or "undated")}'
                       f"</span> {text}</li>")
        out.append("</ul>")
        return out

    def _status_span(self, history: list, fallback) -> str:
        shown = htmlsafe.text((fallback or "").replace("_", " "))
        status = htmlsafe.text(fallback or "none")
        return (f'<span class="ga-status" data-h="{htmlsafe.attr_json(history)}" '
                f'data-status="{status}">{shown}</span>'
                '<span class="ga-asof"></span>')

    def _contract_date(self, c) -> str:
        awarded = c.get("awarded")
        return "" if is_missing(awarded) else str(awarded)[:10]

    def _contract(self, c, numbers: dict) -> str:
        parts = [f"<b>{htmlsafe.bdi(c['company'])}</b>"]
        if not is_missing(c.get("company_country")):
            where = self.text_value("contracts", "company_country", c["company_country"])
            parts.append(f" ({htmlsafe.bdi(where)})")
        figure = contract_value_text(c)
        if figure:
            parts.append(f": {htmlsafe.bdi(figure)}")
        h = self.histories.get("contracts", {}).get(c["id"], [])
        data = [[t.date.isoformat() if t.date else None, t.status] for t in h]
        parts.append(f"; status {self._status_span(data, c.get('status'))}")
        parts.append(self._cite(c["source_ids"], numbers))
        return "".join(parts)

    def _events(self, layer: str, ident: str, contract_ids: list[str]) -> pd.DataFrame:
        ev = self.events
        mask = (ev["subject_layer"] == layer) & (ev["subject_id"] == ident)
        if contract_ids:
            mask |= (ev["subject_layer"] == "contracts") & ev["subject_id"].isin(contract_ids)
        sel = ev[mask]
        order = sel["date"].fillna("").map(lambda d: d or "9999")
        return sel.assign(_o=order).sort_values("_o", kind="stable")

    def _cite(self, source_ids: str, numbers: dict) -> str:
        ids = [numbers[s] for s in split_list(source_ids or "") if s in numbers]
        if not ids:
            return ""
        return f' <sup class="ga-cite">[{", ".join(map(str, ids))}]</sup>'

    def _support(self, sid: str, citing: list) -> str:
        """How a popup's source is backed: its quotes (folded), or an "unquoted" mark.

        ``citing`` lists ``(table, id, source_ids, unquoted_sources)`` of the rows of the
        popup. A source is marked unquoted when every row that cites it does so without a
        supporting sentence (per the ``unquoted_sources`` column); otherwise the quoted
        sentences are shown, escaped and isolated, in a folded ``details``.
        """
        rows = [(t, r, u) for t, r, ids, u in citing if sid in split_list(ids or "")]
        quotes = list(dict.fromkeys(self.quotes[(t, r, sid)] for t, r, _ in rows
                                    if (t, r, sid) in self.quotes))
        if quotes:
            shown = "</li><li>".join(f"“{htmlsafe.bdi(q)}”" for q in quotes)
            return (f' <details class="ga-quote"><summary>quote</summary>'
                    f"<ul><li>{shown}</li></ul></details>")
        if rows and all(isinstance(u, str) and sid in split_list(u) for _, _, u in rows):
            return f' <span class="ga-unquoted" title="{UNQUOTED_TITLE}">unquoted</span>'
        return ""

    # sources --------------------------------------------------------------------------------
    def source_html(self, sid: str, full: bool = False) -> str:
        """A cited document: its title (a link when it has an http(s) URL), publisher, date.

        Never its file name: a reader cannot open ``000_0ef2….txt``. ``full`` adds the
        author and the URL written out (the sources panel).
        """
        if sid not in self.sources.index:
            return htmlsafe.bdi(sid)
        s = self.sources.loc[sid]
        url = s.get("url")
        title = (htmlsafe.link(str(url), str(s["title"])) if htmlsafe.is_http_url(url)
                 else f"<b>{htmlsafe.bdi(s['title'])}</b>")
        meta = [htmlsafe.bdi(s[c]) for c in (("author",) if full else ()) + ("publisher",)
                if not is_missing(s.get(c))]
        published = s.get("published")
        meta.append(htmlsafe.text(published) if not is_missing(published) else "undated")
        out = f"{title} — {', '.join(meta)}"
        if full and htmlsafe.is_http_url(url):
            out += f' <span class="ga-url">{htmlsafe.link(str(url))}</span>'
        return out

    def cited_sources(self) -> pd.DataFrame:
        """The rows of ``sources`` cited by the popups built so far (all when none yet)."""
        ids = [s for s in self.cited if s in self.sources.index]
        return self.sources.loc[ids] if ids else self.sources.iloc[0:0]

    def sources_panel_html(self) -> str:
        """Every document cited on the map, in full, for the in-page sources panel."""
        table = self.cited_sources()
        order = sorted(table.index, key=lambda s: (str(table.loc[s, "title"]).casefold(), s))
        items = "".join(f'<li id="ga-src-{htmlsafe.text(s)}">{self.source_html(s, full=True)}'
                        "</li>" for s in order)
        return (f"<h2>Sources</h2><p>{len(order)} documents are cited on this map.</p>"
                f"<ol>{items}</ol>")


def contract_value_text(c) -> str:
    """A contract's figure with its meaning, e.g. ``'$3 bn (total investment, 2008)'``."""
    def num(key):
        v = c.get(key)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    value, lo, hi = num("value_usd"), num("value_min_usd"), num("value_max_usd")
    if value is not None:
        text = money(value)
    elif lo is not None and hi is not None:
        text = f"{money(lo)}–{money(hi)}"
    elif lo is not None or hi is not None:
        text = money(lo if lo is not None else hi)
    else:
        return ""
    extra = [str(c.get("value_meaning") or "")]
    year = num("value_year")
    if year is not None:
        extra.append(f"{int(year)} USD")
    extra = [e for e in extra if e]
    return f"{text} ({'; '.join(extra)})" if extra else text
