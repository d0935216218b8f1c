"""State quantities the world model carries, as of a year: the inputs of the vote model.

For each state and year, :func:`feature_panel` gives distance of its UN ideal point to Russia's
and to the US's, agreement with Russia and the US, regime type (V-Dem polyarchy), trade shares
with Russia, the US, China and the EU, the Russian and US shares of its arms imports over five
years, population and income, its participation in recorded votes, a US defence pact, and NATO,
EU, CSTO and CIS membership. Values are carried forward from the last observed year (trade ends
in 2014, alliances in 2018), and a value's **age** (years since observed) is kept so that the
coalition forecast can widen its drift for stale inputs. Every value for year ``y`` uses rows up
to ``y`` only. Depends on NumPy, pandas and :mod:`multipolar.data.global_tables`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from multipolar.data.global_tables import WorldData

CONTINUOUS = ("dist_russia", "dist_us", "agree_russia", "agree_us", "polyarchy",
              "trade_russia", "trade_us", "trade_china", "trade_eu", "arms_russia_share",
              "arms_us_share", "log_pop", "log_gdp_pc", "participation")
"""Continuous features (standardised in the vote model, drifted in the forecast)."""

BINARY = ("defpact_us", "nato", "eu", "csto", "cis")
"""Membership indicators (held fixed in the forecast)."""

BOUNDED = {"agree_russia", "agree_us", "polyarchy", "trade_russia", "trade_us", "trade_china",
           "trade_eu", "arms_russia_share", "arms_us_share", "participation"}
"""Features confined to [0, 1]."""

_SOURCE = {"agree_russia": "agree_russia", "agree_us": "agree_us", "polyarchy": "v2x_polyarchy",
           "trade_russia": "trade_share_russia", "trade_us": "trade_share_us",
           "trade_china": "trade_share_china", "trade_eu": "trade_share_eu27",
           "defpact_us": "defpact_us", "nato": "nato", "eu": "eu", "csto": "csto", "cis": "cis"}


@dataclass(frozen=True)
class Panel:
    """``values[name]`` and ``age[name]``: state x year frames (index iso3, columns years)."""

    values: dict[str, pd.DataFrame]
    age: dict[str, pd.DataFrame]

    def at(self, year: int, states: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Features and their ages for ``states`` as of ``year`` (medians fill the unknown)."""
        vals, ages = {}, {}
        for name, frame in self.values.items():
            col = frame[year] if year in frame.columns else pd.Series(np.nan, index=frame.index)
            col = col.reindex(states)
            vals[name] = col.fillna(col.median() if col.notna().any() else 0.0)
            age = self.age[name]
            a = age[year] if year in age.columns else pd.Series(np.nan, index=age.index)
            ages[name] = a.reindex(states).fillna(0.0)
        return pd.DataFrame(vals, index=states), pd.DataFrame(ages, index=states)


def _wide(cy: pd.DataFrame, column: str, years: list[int]) -> pd.DataFrame:
    w = cy.pivot_table(index="iso3", columns="year", values=column, aggfunc="first",
                       dropna=False)
    return w.reindex(columns=years).astype(float)


def _locf(w: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carry values forward along years; the age is the number of years since observed."""
    years = np.array(w.columns, dtype=float)
    seen = np.where(w.notna().to_numpy(), years[None, :], np.nan)
    last_seen = pd.DataFrame(seen, index=w.index, columns=w.columns).ffill(axis=1)
    age = pd.DataFrame(years[None, :] - last_seen.to_numpy(), index=w.index, columns=w.columns)
    return w.ffill(axis=1), age


def feature_panel(world: WorldData) -> Panel:
    """All features for every state and every year in ``world`` (nothing after its last year)."""
    cy = world.country_year.copy()
    cy["iso3"] = cy["iso3"].astype(str)
    years = sorted(int(y) for y in cy["year"].unique())
    raw: dict[str, pd.DataFrame] = {n: _wide(cy, c, years) for n, c in _SOURCE.items()}
    ip = _wide(cy, "idealpoint", years)
    for name, ref in (("dist_russia", "RUS"), ("dist_us", "USA")):
        ref_row = ip.loc[ref] if ref in ip.index else pd.Series(np.nan, index=ip.columns)
        raw[name] = (ip - ref_row).abs()
    fh = _wide(cy.assign(fh=cy["fh_status"].map({"Free": 0.8, "Partly Free": 0.45,
                                                  "Not Free": 0.15})), "fh", years)
    raw["polyarchy"] = raw["polyarchy"].fillna(fh)
    arms = {k: _wide(cy, f"arms_tiv_from_{k}", years).fillna(0.0)
            for k in ("russia", "us")}
    total = _wide(cy, "arms_tiv_total", years).fillna(0.0)
    tot5 = total.T.rolling(5, min_periods=1).sum().T
    for k, frame in arms.items():
        share = frame.T.rolling(5, min_periods=1).sum().T / tot5.where(tot5 > 0)
        share[tot5 <= 0] = 0.0
        share.loc[:, [y for y in years if y < 2000]] = np.nan
        raw[f"arms_{k}_share"] = share
    pop = _wide(cy, "pop", years)
    raw["log_pop"] = pd.DataFrame(np.log(pop.where(pop > 0)))
    raw["log_gdp_pc"] = pd.DataFrame(np.log((_wide(cy, "gdp", years) / pop).where(pop > 0)))
    nv = _wide(cy, "n_votes", years)
    raw["participation"] = nv / nv.max(axis=0)
    values, age = {}, {}
    for name in (*CONTINUOUS, *BINARY):
        values[name], age[name] = _locf(raw[name])
    return Panel(values, age)


def drift_sd(panel: Panel) -> dict[str, float]:
    """Per-year standard deviation of each continuous feature's change, pooled over states.

    Changes beyond the 1st-99th percentiles are clipped so that one re-coding does not set the
    pace for every state.
    """
    out = {}
    for name in CONTINUOUS:
        d = panel.values[name].diff(axis=1).to_numpy().ravel()
        d = d[np.isfinite(d)]
        if d.size < 10:
            out[name] = 0.0
            continue
        lo, hi = np.percentile(d, [1, 99])
        out[name] = float(np.std(np.clip(d, lo, hi)))
    return out
