"""Attribute joins: contracts onto their assets, statuses onto every subject.

:func:`join_report` is the general tool (it tells unmatched and duplicate keys);
:func:`attach` applies the workspace's standard joins in place.

Examples
--------
>>> import pandas as pd
>>> left = pd.DataFrame({"id": ["a", "b"]})
>>> right = pd.DataFrame({"asset_id": ["a", "a", "z"]})
>>> rep = join_report(left, right, "id", "asset_id")
>>> rep.unmatched_right, rep.duplicate_right
(['z'], ['a'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from . import timeline

__all__ = ["JoinReport", "attach", "contract_summary", "join_report"]


@dataclass(frozen=True)
class JoinReport:
    """Keys that did not match, or matched more than once, in a join."""

    unmatched_left: list[str]
    unmatched_right: list[str]
    duplicate_right: list[str]


def join_report(left: pd.DataFrame, right: pd.DataFrame, left_on: str, right_on: str) -> JoinReport:
    """Describe how ``right[right_on]`` matches ``left[left_on]`` before joining."""
    lk, rk = set(left[left_on].astype(str)), right[right_on].astype(str)
    return JoinReport(
        unmatched_left=sorted(lk - set(rk)),
        unmatched_right=sorted(set(rk) - lk),
        duplicate_right=sorted(set(rk[rk.duplicated()])),
    )


def contract_summary(contracts: pd.DataFrame, layer: str) -> pd.DataFrame:
    """Per asset of ``layer``: number of contracts, their ids, companies and total value.

    ``contract_value_usd`` sums the single ``value_usd`` figures only; ranges and
    per-year figures stay in the contract rows (their meaning differs too much to add).
    """
    sub = contracts[contracts["asset_layer"] == layer]
    if sub.empty:
        return pd.DataFrame(columns=["n_contracts", "contract_ids", "companies",
                                     "contract_value_usd"])
    grouped = sub.groupby("asset_id", sort=True)
    return pd.DataFrame({
        "n_contracts": grouped["id"].count(),
        "contract_ids": grouped["id"].agg(";".join),
        "companies": grouped["company"].agg(lambda s: ";".join(dict.fromkeys(s))),
        "contract_value_usd": grouped["value_usd"].sum(min_count=1),
    })


def attach(layers: dict, tables: dict, histories: dict, as_of: dt.date | None = None) -> None:
    """Join contracts and statuses onto the layers (in place).

    Deposits get ``n_contracts``, ``contract_ids``, ``companies``,
    ``contract_value_usd`` and ``status`` (that of their most recently changed
    contract). Contracts, rail and corridors get ``status``/``status_since``/``status_note``
    as of ``as_of`` (``None``: the latest known).
    """
    contracts = tables["contracts"]
    cst = timeline.statuses(histories["contracts"], contracts["id"], as_of)
    for col in cst:
        contracts[col] = cst[col].to_numpy()
    for name in ("rail", "corridors", "pipelines"):
        if name not in layers:
            continue
        gdf = layers[name]
        st = timeline.statuses(histories[name], gdf["id"], as_of)
        for col in st:
            gdf[col] = st[col].to_numpy()
    for name in ("deposits", "rail", "corridors", "pipelines"):
        if name not in layers:
            continue
        gdf = layers[name]
        summary = contract_summary(contracts, name).reindex(gdf.index)
        gdf["n_contracts"] = summary["n_contracts"].fillna(0).astype(int).to_numpy()
        gdf["contract_ids"] = summary["contract_ids"].fillna("").to_numpy()
        gdf["companies"] = summary["companies"].fillna("").to_numpy()
        gdf["contract_value_usd"] = summary["contract_value_usd"].astype(float).to_numpy()
    deposits = layers["deposits"]
    deposits["primary_commodity"] = deposits["commodities"].map(
        lambda s: s.split(";")[0].strip() if s else ""
    )
    latest = (
        contracts[(contracts["asset_layer"] == "deposits") & contracts["status"].notna()]
        .assign(_since=lambda d: d["status_since"].map(lambda v: v or dt.date.min))
        .sort_values("_since", kind="stable")
        .groupby("asset_id")["status"].last()
    )
    deposits["status"] = latest.reindex(deposits.index).to_numpy()
