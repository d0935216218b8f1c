"""Read the sources' published formats, check them, and add their rows to a data set's tables.

One function per KIND of ``multipolar data import``. Each reads the file, reports every problem it
finds as a located :class:`~multipolar.core.errors.InputError` (file, line, column, the value, the
fix), keeps only the years after the data set's last year of that series (earlier rows are
compared with what is there and counted, never changed), refuses a gap unless allowed, and
recomputes the derived columns exactly as the bundled tables were built:

* ``rel_pos_ru0_us1`` = (state - Russia) / (US - Russia) on the unrounded ideal points, rounded
  to 4 places; ``dist_to_russia`` / ``dist_to_us`` = absolute distances rounded to 4 places;
  ideal points stored rounded to 4 places (the panel keeps the published value);
* ``agree_russia/us/china`` = share of the year's roll calls on which both states cast a
  recorded vote and cast the same one (4 places); ``n_votes`` = recorded votes cast;
  ``unga_agreement.csv`` and the panel's ``unga_n_votes`` count the roll calls shared with
  Russia (and the US);
* ``brent_usd_per_barrel`` = mean of the daily prices of a year (2 places), ``trading_days``
  their number.

Depends on pandas (and on pandas' Stata reader for ``.dta`` ideal points).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from multipolar.core.errors import InputError, Problem
from multipolar.datasets.codes import NOT_STATES, CodeMap
from multipolar.datasets.tables import Tables, last_years, update_in_unga

VOTES = {"Y": 1, "A": 2, "N": 3, "": 0, "NV": 0}
"""Published vote codes -> the data's codes (1 yes, 2 abstain, 3 no; 0 not recorded)."""
MIN_TRADING_DAYS = 240
"""A year of daily Brent prices with fewer days is taken as incomplete (the last one is left
out; the first one, e.g. a series starting in May, is kept)."""
MAX_PROBLEMS = 20
"""Problems listed in one error before the rest are counted."""

UNDL_ALIASES = {
    "id": ("undl_id", "id", "record_id", "rcid"),
    "code": ("ms_codes", "ms_code", "member_state_code", "country_code", "iso3", "iso3c"),
    "name": ("ms_names", "ms_name", "member_state", "country", "country_name"),
    "vote": ("ms_votes", "ms_vote", "vote"),
    "symbol": ("resolutions", "resolution", "symbol", "unres", "resolution_symbol"),
    "title": ("title", "resolution_title"),
    "date": ("date", "vote_date"),
}
"""Column names of the UN Digital Library's voting data in its releases (canonical -> names)."""
IDEAL_ALIASES = {
    "ccode": ("ccode", "cowcode"), "iso3": ("iso3c", "iso3"),
    "name": ("countryname", "country_name", "country"), "year": ("year",),
    "session": ("session",), "ideal": ("idealpointfp", "idealpoint", "ideal_point"),
    "idealall": ("idealpointall",), "nvotes": ("nvotesfp", "nvotes"),
}
VDEM_ALIASES = {
    "code": ("country_text_id", "iso3", "iso3c"), "name": ("country_name", "country"),
    "year": ("year",), "v2x_polyarchy": ("v2x_polyarchy",), "v2x_libdem": ("v2x_libdem",),
    "v2x_regime": ("v2x_regime",),
}
OIL_ALIASES = {
    "when": ("date", "year", "day", "period"),
    "price": ("price", "brent", "brent_usd_per_barrel", "value",
              "europe_brent_spot_price_fob_dollars_per_barrel"),
    "days": ("trading_days",),
}
EVENT_KINDS = ("use_of_force", "revolution", "elite_transition", "accession", "exit")
"""Event kinds (those of the scenario language's ``events``)."""


def fmt(x: float) -> str:
    """A number as the bundled CSVs write it ('' for NaN)."""
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else repr(float(x))


def _key(col: str) -> str:
    return re.sub(r"[\s\-]+", "_", col.strip().lower())


def _columns(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Canonical -> the file's column name, for those present."""
    keyed = {_key(c): c for c in header}
    out = {}
    for canon, names in aliases.items():
        for n in names:
            if n in keyed:
                out[canon] = keyed[n]
                break
    return out


def _need(found: dict[str, str], need: list[str | tuple[str, ...]], header: list[str],
          aliases: dict[str, tuple[str, ...]], file: str) -> None:
    missing = []
    for n in need:
        alts = n if isinstance(n, tuple) else (n,)
        if not any(a in found for a in alts):
            missing.append(" or ".join("/".join(aliases[a]) for a in alts))
    if missing:
        raise InputError(f"missing column(s): {'; '.join(missing)}", file=file, line=1,
                         fix=f"the file's columns are: {', '.join(header)}; give a file in "
                             "the source's published layout (see docs/how-to/update-data.md)")


def read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) of a CSV; a short or long row is a located error."""
    if not path.is_file():
        raise InputError("file not found", file=str(path), fix="give the path of the file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("the file is empty", file=str(path), fix="give the full file") from None
    rows = []
    problems = []
    try:
        for fields in reader:
            line = reader.line_num
            if not fields:
                continue
            if len(fields) != len(header):
                problems.append(Problem(
                    f"row has {len(fields)} fields, the header {len(header)}", file=str(path),
                    line=line, fix="the file looks truncated or damaged: download it again"))
                continue
            rows.append((line, dict(zip(header, fields, strict=True))))
    except csv.Error as exc:
        problems.append(Problem(f"unreadable CSV ({exc})", file=str(path), line=reader.line_num,
                                fix="the file looks truncated (an unclosed quote?): download "
                                    "it again"))
    if problems:
        _raise(problems, "the file is not a complete CSV")
    return header, rows


def _raise(problems: list[Problem], title: str) -> None:
    if problems:
        extra = len(problems) - MAX_PROBLEMS
        shown = problems[:MAX_PROBLEMS]
        if extra > 0:
            shown.append(Problem(f"... and {extra} more problems of the same kinds"))
        raise InputError(problems=shown, title=title)


def _gap(kind: str, last: int | None, first_new: int, allow_gap: bool, file: str) -> None:
    if last is not None and first_new > last + 1 and not allow_gap:
        raise InputError(
            f"{kind}: the data end in {last} and the file's new rows start in {first_new} "
            f"(years {last + 1}-{first_new - 1} would be missing)", file=file,
            fix="import the missing years first, or pass --allow-gap")


def _nothing_new(kind: str, last: int | None, file: str) -> InputError:
    return InputError(f"{kind}: nothing after {last} in the file (the data set has those "
                      "years already)", file=file,
                      fix="give a newer release of the source")


# --------------------------------------------------------------------------- unga-votes
def _session(symbol: str, date: dt.date) -> int:
    m = re.search(r"(?:^|/)(?:RES/)?(\d{1,3})/", symbol.strip())
    if m:
        return int(m.group(1))
    return date.year - 1945 if date.month >= 9 else date.year - 1946


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def import_unga_votes(t: Tables, path: Path, allow_gap: bool = False,
                      kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """Add the roll calls of a UN Digital Library voting CSV dated after the data's last one.

    ``kinds`` maps a resolution symbol to a coalition kind (``multipolar.votes.records.KINDS``)
    where its title does not say it.
    """
    file = str(path)
    header, rows = read_rows(path)
    cm = CodeMap(t.countries)
    found = _columns(header, UNDL_ALIASES)
    long = "vote" in found
    if not long:  # a wide layout: one row per resolution, one column per state
        state_cols = {c: cm.iso3(code=c, name=c) for c in header
                      if _key(c) not in {n for ns in UNDL_ALIASES.values() for n in ns}}
        mapped = {c: i for c, i in state_cols.items() if i}
        if len(mapped) < 10:
            _need(found, ["vote"], header, UNDL_ALIASES, file)
        _need(found, ["date", ("id", "symbol")], header, UNDL_ALIASES, file)
        unmapped = [c for c, i in state_cols.items() if not i]
        if unmapped:
            raise InputError(f"column(s) {', '.join(unmapped[:8])} are not states", file=file,
                             line=1, fix="name state columns by ISO3 code or English name")
        long_rows = []
        for line, r in rows:
            for col, iso3 in mapped.items():
                long_rows.append((line, {**r, "__code": iso3, "__vote": r[col], "__col": col}))
    else:
        _need(found, ["date", ("id", "symbol"), ("code", "name")], header, UNDL_ALIASES, file)
        long_rows = [(line, {**r, "__vote": r[found["vote"]], "__col": found["vote"]})
                     for line, r in rows]
    problems: list[Problem] = []
    calls: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, r in long_rows:
        date = _parse_date(r[found["date"]])
        key = r[found["id"]].strip() if "id" in found else ""
        sym = r[found["symbol"]].strip() if "symbol" in found else ""
        key = key or f"{sym}@{r[found['date']].strip()}"
        if date is None:
            problems.append(Problem(f"date '{r[found['date']]}' is not YYYY-MM-DD", file=file,
                                    line=line, field=found["date"],
                                    fix="write the date of the vote as YYYY-MM-DD"))
            continue
        vote = r["__vote"].strip().upper()
        if vote not in VOTES:
            problems.append(Problem(f"vote '{r['__vote']}' is not Y, N, A or blank", file=file,
                                    line=line, field=r["__col"],
                                    fix="write Y (yes), N (no), A (abstain) or leave it empty "
                                        "for a member that did not vote"))
            continue
        iso = r.get("__code") or cm.iso3(code=r.get(found.get("code", ""), ""),
                                          name=r.get(found.get("name", ""), ""))
        if iso is None:
            val = r.get(found.get("code", ""), "") or r.get(found.get("name", ""), "")
            problems.append(Problem(f"member state '{val}' is not a known state", file=file,
                                    line=line, field=found.get("code") or found.get("name"),
                                    fix="write its ISO 3166 alpha-3 code (e.g. RUS, USA, GEO) "
                                        "or its English name"))
            continue
        if (key, iso) in seen:
            problems.append(Problem(f"{iso} voted twice on {key} (also line {seen[key, iso]})",
                                    file=file, line=line,
                                    fix="remove the duplicate row"))
            continue
        seen[key, iso] = line
        c = calls.setdefault(key, {"date": date, "symbol": sym, "line": line, "votes": {},
                                   "title": r.get(found.get("title", ""), "")})
        if c["date"] != date:
            problems.append(Problem(f"roll call {key} has two dates ({c['date']}, {date})",
                                    file=file, line=line, field=found["date"],
                                    fix=f"one date per roll call (first seen on line "
                                        f"{c['line']})"))
            continue
        if VOTES[vote]:
            c["votes"][iso] = VOTES[vote]
    _raise(problems, f"{file}: cannot import these votes")
    if not calls:
        raise InputError("no roll calls in the file", file=file, fix="give the full file")
    rc = t.rollcalls
    rc_date = pd.to_datetime(rc["date"]).dt.date
    has_votes = rc["rcid"].isin(t.votes["rcid"])
    last_date = rc_date[has_votes].max() if has_votes.any() else None
    last_year = last_date.year if last_date is not None else None
    # adoptions without a recorded vote (every member blank) are no roll calls
    unrecorded = [k for k, c in calls.items() if not c["votes"]]
    calls = {k: c for k, c in calls.items() if c["votes"]}
    new = {k: c for k, c in calls.items() if last_date is None or c["date"] > last_date}
    old = {k: c for k, c in calls.items() if k not in new}
    same = differ = 0
    by_sym = {(str(s).replace("A/RES/", "R/"), d): int(i) for s, d, i in
              zip(rc["unres"].fillna(""), rc_date, rc["rcid"], strict=True)}
    for c in old.values():
        hit = by_sym.get((c["symbol"].replace("A/RES/", "R/"), c["date"]))
        if hit is None:
            continue
        got = t.votes[t.votes["rcid"] == hit]
        if dict(zip(got["iso3"], got["vote"].astype(int), strict=True)) == c["votes"]:
            same += 1
        else:
            differ += 1
    if not new:
        raise _nothing_new("unga-votes", last_year, file)
    years = sorted({c["date"].year for c in new.values()})
    _gap("unga-votes", last_year, years[0], allow_gap, file)
    used = set(int(x) for x in rc["rcid"])
    nxt = max(used | {0}) + 1
    rc_rows, v_rows = [], []
    kinds = kinds or {}
    for key, c in sorted(new.items(), key=lambda kv: (kv[1]["date"], kv[1]["line"])):
        try:
            rcid = int(key)
        except ValueError:
            rcid = -1
        if rcid <= 0 or rcid in used:
            rcid = nxt
        used.add(rcid)
        nxt = max(nxt, rcid + 1)
        title = c["title"]
        row = {"rcid": rcid, "session": _session(c["symbol"], c["date"]),
               "date": c["date"].isoformat(), "unres": c["symbol"] or None,
               "short": title or None, "descr": title or None}
        for f in ("importantvote", "amend", "para", "me", "nu", "di", "hr", "co", "ec"):
            row[f] = np.nan
        if "kind" in rc.columns or kinds:
            row["kind"] = kinds.get(c["symbol"])
        rc_rows.append(row)
        v_rows += [{"rcid": rcid, "iso3": iso, "vote": v} for iso, v in c["votes"].items()]
    new_rc = pd.DataFrame(rc_rows)
    if "kind" in new_rc.columns and "kind" not in rc.columns:
        rc = rc.assign(kind=None)
    t.rollcalls = pd.concat([rc, new_rc], ignore_index=True)
    t.votes = pd.concat([t.votes, pd.DataFrame(v_rows)], ignore_index=True)
    derive_votes(t, years)
    t.changed |= {"global/unga_rollcalls.parquet", "global/unga_votes.parquet",
                  "global/country_year.parquet", "unga_agreement.csv", "actor_year_panel.csv"}
    return {"rows": len(long_rows), "roll_calls": len(new), "votes": len(v_rows),
            "years": [years[0], years[-1]], "earlier_roll_calls_skipped": len(old),
            "without_recorded_votes_skipped": len(unrecorded),
            "earlier_same": same, "earlier_differing": differ}


def _ensure_cy_rows(t: Tables, keys: set[tuple[str, int]]) -> None:
    have = set(zip(t.cy["iso3"].astype(str), t.cy["year"].astype(int), strict=True))
    missing = sorted(keys - have)
    if not missing:
        return
    ccode = dict(zip(t.countries["iso3"].astype(str), t.countries["ccode"], strict=True))
    add = pd.DataFrame({"iso3": [k[0] for k in missing],
                        "ccode": [int(ccode[k[0]]) for k in missing],
                        "year": [k[1] for k in missing]})
    add["n_votes"] = 0
    add["in_unga_data"] = 0
    cy = pd.concat([t.cy, add], ignore_index=True)
    t.cy = cy.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True)


def _panel_iso(t: Tables) -> dict[str, str]:
    """Panel country name -> ISO3."""
    return {r["country"]: r["iso3c"] for r in t.panel.rows}


def _ensure_panel_rows(t: Tables, years: list[int]) -> None:
    actors: dict[str, dict[str, str]] = {}
    for r in t.panel.rows:
        actors.setdefault(r["country"], r)
    have = {(r["country"], int(float(r["year"]))) for r in t.panel.rows}
    added = False
    for name, r0 in actors.items():
        for y in years:
            if (name, y) not in have:
                row = dict.fromkeys(t.panel.cols, "")
                row.update(country=name, ccode=r0["ccode"], iso3c=r0["iso3c"], year=str(y))
                t.panel.rows.append(row)
                added = True
    if added:
        order = {n: i for i, n in enumerate(actors)}
        t.panel.rows.sort(key=lambda r: (order[r["country"]], int(float(r["year"]))))


def _agree_shares(v: pd.DataFrame, ref: str) -> pd.DataFrame:
    r = v.loc[v["iso3"] == ref, ["rcid", "vote"]].rename(columns={"vote": "rv"})
    m = v.merge(r, on="rcid")
    g = m.assign(s=(m["vote"] == m["rv"])).groupby(["iso3", "year"])["s"]
    return pd.DataFrame({"share": g.mean().round(4), "n": g.size()})


def derive_votes(t: Tables, years: list[int]) -> None:
    """Recompute the vote-derived columns of ``years`` from the roll calls."""
    rc = t.rollcalls.assign(year=pd.to_datetime(t.rollcalls["date"]).dt.year)
    v = t.votes.merge(rc[["rcid", "year"]], on="rcid")
    v = v[v["year"].isin(years)].assign(iso3=lambda d: d["iso3"].astype(str))
    n = v.groupby(["iso3", "year"]).size()
    _ensure_cy_rows(t, {(str(i), int(y)) for i, y in n.index})
    shares = {ref: _agree_shares(v, ref) for ref in ("RUS", "USA", "CHN")}
    cy = t.cy
    idx = pd.MultiIndex.from_arrays([cy["iso3"].astype(str), cy["year"].astype(int)])
    sel = cy["year"].isin(years).to_numpy()
    cy.loc[sel, "n_votes"] = n.reindex(idx[sel]).fillna(0).astype("int64").to_numpy()
    for col, ref in (("agree_russia", "RUS"), ("agree_us", "USA"), ("agree_china", "CHN")):
        vals = shares[ref]["share"].reindex(idx[sel]).astype("float32").to_numpy()
        cy.loc[sel, col] = vals
    update_in_unga(t, min(years))
    t.cy = cy
    # unga_agreement.csv and the panel: the post-Soviet states, roll calls shared with Russia/US
    iso_of = _panel_iso(t)
    names = sorted({r["country"] for r in t.agree.rows})
    t.agree.rows = [r for r in t.agree.rows if int(float(r["year"])) not in years]
    ru, us = shares["RUS"], shares["USA"]
    for name in names:
        iso = iso_of[name]
        for y in years:
            if (iso, y) not in ru.index and (iso, y) not in us.index:
                continue
            a = _pair(ru, iso, y)
            b = _pair(us, iso, y)
            t.agree.rows.append({"country": name, "year": str(y), "agreement_ru": fmt(a[0]),
                                 "agreement_us": fmt(b[0]), "n_votes_ru": fmt(a[1]),
                                 "n_votes_us": fmt(b[1])})
    t.agree.rows.sort(key=lambda r: (r["country"], int(float(r["year"]))))
    _ensure_panel_rows(t, years)
    for r in t.panel.rows:
        y = int(float(r["year"]))
        if y in years and r["country"] in names and (r["iso3c"], y) in ru.index:
            share, cnt = _pair(ru, r["iso3c"], y)
            r["unga_n_votes"], r["unga_agree_ru"] = fmt(cnt), fmt(share)


def _pair(shares: pd.DataFrame, iso: str, year: int) -> tuple[float, float]:
    """(share, count) of a state-year (NaN, NaN if it shared no roll call)."""
    if (iso, year) not in shares.index:
        return math.nan, math.nan
    return (float(shares["share"].loc[(iso, year)]),
            float(shares["n"].loc[(iso, year)]))


# --------------------------------------------------------------------------- country-year files
def _read_frame(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Rows of a CSV, or of a Stata file (values as text; row numbers from 1)."""
    if path.suffix.lower() == ".dta":
        if not path.is_file():
            raise InputError("file not found", file=str(path), fix="give the path of the file")
        try:
            df = pd.read_stata(path, convert_categoricals=False)
        except Exception as exc:  # pandas raises several kinds for a damaged file
            raise InputError(f"cannot read the Stata file ({exc})", file=str(path),
                             fix="the file looks truncated or damaged: download it again"
                             ) from None
        cols = [str(c) for c in df.columns]
        out = []
        for i, rec in enumerate(df.itertuples(index=False), start=1):
            out.append((i, {c: ("" if pd.isna(x) else (str(int(x)) if isinstance(x, float)
                                                       and c in ("ccode", "year", "session")
                                                       else (repr(float(x)) if isinstance(
                                                           x, (float, np.floating)) else str(x))))
                            for c, x in zip(cols, rec, strict=True)}))
        return cols, out
    return read_rows(path)


def _num(text: str, file: str, line: int, col: str, problems: list[Problem]) -> float:
    s = text.strip()
    if s in ("", "NA", "nan", "."):
        return math.nan
    try:
        return float(s)
    except ValueError:
        problems.append(Problem(f"'{text}' is not a number", file=file, line=line, field=col,
                                fix="write a number, or leave the cell empty"))
        return math.nan


def _state_years(rows: list[tuple[int, dict[str, str]]], found: dict[str, str], cm: CodeMap,
                 file: str, problems: list[Problem], skipped: list[str]
                 ) -> list[tuple[int, str, int, dict[str, str]]]:
    """(line, iso3, year, row) of each usable row.

    Unmapped states, bad, duplicate or backward years are added to ``problems``, located.
    """
    out = []
    last_of: dict[str, tuple[int, int]] = {}
    for line, r in rows:
        ytext = r.get(found.get("year", ""), "") if "year" in found else ""
        if not ytext and "session" in found:
            ytext = str(int(float(r[found["session"]])) + 1945) if r[found["session"]] else ""
        try:
            year = int(float(ytext))
        except ValueError:
            problems.append(Problem(f"year '{ytext}' is not a year", file=file, line=line,
                                    field=found.get("year", "year"), fix="write the year"))
            continue
        code = r.get(found.get("iso3", found.get("code", "")), "")
        if code.strip().upper() in NOT_STATES:
            skipped.append(code)
            continue
        iso = cm.iso3(code=code, name=r.get(found.get("name", ""), ""),
                      ccode=r.get(found.get("ccode", ""), ""))
        if iso is None:
            val = code or r.get(found.get("ccode", ""), "") or r.get(found.get("name", ""), "")
            if not val.strip():  # a state that no longer exists has no ISO3 in Voeten's file
                skipped.append(r.get(found.get("name", ""), "?"))
                continue
            problems.append(Problem(
                f"state '{val}' is not a known state", file=file, line=line,
                field=found.get("iso3") or found.get("code") or found.get("ccode"),
                fix="write its ISO 3166 alpha-3 code or COW code (e.g. RUS / 365), or its "
                    "English name"))
            continue
        prev = last_of.get(iso)
        if prev is not None and year == prev[0]:
            problems.append(Problem(f"{iso} {year} appears twice (also line {prev[1]})",
                                    file=file, line=line, fix="remove the duplicate row"))
            continue
        if prev is not None and year < prev[0]:
            problems.append(Problem(f"year goes backwards for {iso}: {year} after {prev[0]} "
                                    f"(line {prev[1]})", file=file, line=line,
                                    field=found.get("year", "year"),
                                    fix="sort each state's rows by year; check the year"))
            continue
        last_of[iso] = (year, line)
        out.append((line, iso, year, r))
    return out


def import_idealpoints(t: Tables, path: Path, allow_gap: bool = False) -> dict[str, Any]:
    """Add the ideal points (Voeten's file, CSV or Stata) of the years after the data's last."""
    file = str(path)
    header, rows = _read_frame(path)
    found = _columns(header, IDEAL_ALIASES)
    _need(found, [("year", "session"), ("iso3", "ccode", "name"), "ideal"], header,
          IDEAL_ALIASES, file)
    cm = CodeMap(t.countries)
    problems: list[Problem] = []
    skipped: list[str] = []
    recs = []
    for line, iso, year, r in _state_years(rows, found, cm, file, problems, skipped):
        ip = _num(r[found["ideal"]], file, line, found["ideal"], problems)
        recs.append({"iso3": iso, "year": year, "ip": ip, "ip_text": r[found["ideal"]].strip(),
                     "all": _num(r.get(found.get("idealall", ""), ""), file, line,
                                 found.get("idealall", ""), problems),
                     "nv": _num(r.get(found.get("nvotes", ""), ""), file, line,
                                found.get("nvotes", ""), problems), "line": line})
    _raise(problems, f"{file}: cannot import these ideal points")
    f = pd.DataFrame(recs)
    f = f[f["ip"].notna()]
    last = last_years(t)["idealpoints"]
    new = f[f["year"] > (last if last is not None else -1)]
    if new.empty:
        raise _nothing_new("idealpoints", last, file)
    years = sorted(int(y) for y in new["year"].unique())
    _gap("idealpoints", last, years[0], allow_gap, file)
    ru = new[new["iso3"] == "RUS"].set_index("year")["ip"]
    us = new[new["iso3"] == "USA"].set_index("year")["ip"]
    for y in years:
        if y not in ru.index or y not in us.index:
            who = "Russia" if y not in ru.index else "the United States"
            raise InputError(f"no ideal point for {who} in {y}: the relative position "
                             "needs both Russia's and the US's", file=file,
                             fix="give the complete file of that year")
    old = f[f["year"] <= (last if last is not None else -1)]
    cy_old = t.cy.set_index(["iso3", "year"])["idealpoint"]
    keys = list(zip(old["iso3"], old["year"], strict=True))
    prev = cy_old.reindex(keys).to_numpy()
    differ = int(np.sum(~np.isclose(prev, old["ip"].round(4).to_numpy(), atol=5e-5,
                                    equal_nan=True)))
    new = new.assign(ru=new["year"].map(ru), us=new["year"].map(us))
    new = new.assign(rel=((new["ip"] - new["ru"]) / (new["us"] - new["ru"])).round(4),
                     d_ru=(new["ip"] - new["ru"]).abs().round(4),
                     d_us=(new["us"] - new["ip"]).abs().round(4))
    _ensure_cy_rows(t, set(zip(new["iso3"], new["year"].astype(int), strict=True)))
    cy = t.cy
    pos = pd.Series(range(len(cy)), index=pd.MultiIndex.from_arrays(
        [cy["iso3"].astype(str), cy["year"].astype(int)]))
    at = pos.reindex(list(zip(new["iso3"], new["year"].astype(int), strict=True))).to_numpy()
    ip_col = int(cy.columns.get_loc("idealpoint"))  # type: ignore[arg-type]
    rel_col = int(cy.columns.get_loc("rel_pos_ru0_us1"))  # type: ignore[arg-type]
    cy.iloc[at, ip_col] = new["ip"].round(4).astype("float32").to_numpy()
    cy.iloc[at, rel_col] = new["rel"].astype("float32").to_numpy()
    t.cy = cy
    update_in_unga(t, years[0])
    # unga_idealpoints.csv (its 18 states) and the panel
    by = {(str(i), int(y)): r for i, y, r in zip(new["iso3"], new["year"],
                                                 new.to_dict("records"), strict=True)}
    names: dict[str, str | None] = {}
    for r in t.ideal.rows:
        names.setdefault(r["country"], cm.cow.get(int(float(r["ccode"]))))
    t.ideal.rows = [r for r in t.ideal.rows if int(float(r["year"])) not in years]
    for name, state in names.items():
        for y in years:
            rec = by.get((str(state), y))
            if rec is None:
                continue
            t.ideal.rows.append({
                "country": name, "ccode": str(cm.ccode_of[str(state)]), "year": str(y),
                "idealpointfp": fmt(round(rec["ip"], 4)), "idealpointall": fmt(
                    round(rec["all"], 4)), "nvotesfp": fmt(rec["nv"]),
                "ru_idealpointfp": fmt(round(rec["ru"], 4)),
                "us_idealpointfp": fmt(round(rec["us"], 4)), "dist_to_russia": fmt(rec["d_ru"]),
                "dist_to_us": fmt(rec["d_us"]), "rel_pos_ru0_us1": fmt(rec["rel"])})
    t.ideal.rows.sort(key=lambda r: (r["country"], int(float(r["year"]))))
    _ensure_panel_rows(t, years)
    for r in t.panel.rows:
        rec = by.get((r["iso3c"], int(float(r["year"]))))
        if rec is not None:
            r["idealpointfp"] = rec["ip_text"] if _is_plain(rec["ip_text"]) else fmt(rec["ip"])
            r["dist_to_russia"], r["dist_to_us"] = fmt(rec["d_ru"]), fmt(rec["d_us"])
            r["rel_pos_ru0_us1"] = fmt(rec["rel"])
    t.changed |= {"global/country_year.parquet", "unga_idealpoints.csv", "actor_year_panel.csv"}
    return {"rows": len(rows), "state_years": len(new), "years": [years[0], years[-1]],
            "earlier_rows_skipped": len(old), "earlier_differing": differ,
            "not_states_skipped": len(skipped)}


def _is_plain(text: str) -> bool:
    try:
        return fmt(float(text)) == text
    except ValueError:
        return False


VDEM_TABLES = ("both", "panel", "global")
"""Which tables a V-Dem import fills (the bundled panel and global table come from two V-Dem
releases, v15 and v14; an import normally brings one release into both)."""


def import_vdem(t: Tables, path: Path, allow_gap: bool = False,
                tables: str = "both") -> dict[str, Any]:
    """Add V-Dem's democracy indices (country-year CSV) of the years after the data's last.

    ``tables``: ``both`` (default), ``panel`` (``actor_year_panel.csv`` only) or ``global``
    (``country_year`` only).
    """
    file = str(path)
    if tables not in VDEM_TABLES:
        raise InputError(f"--tables '{tables}' unknown", field="--tables",
                         fix=f"one of {', '.join(VDEM_TABLES)}")
    header, rows = read_rows(path)
    found = _columns(header, VDEM_ALIASES)
    _need(found, ["year", ("code", "name"), "v2x_polyarchy"], header, VDEM_ALIASES, file)
    cm = CodeMap(t.countries)
    problems: list[Problem] = []
    skipped: list[str] = []
    recs = []
    for line, iso, year, r in _state_years(rows, found, cm, file, problems, skipped):
        vals = {c: _num(r.get(found.get(c, ""), ""), file, line, found.get(c, c), problems)
                for c in ("v2x_polyarchy", "v2x_libdem", "v2x_regime")}
        for c in ("v2x_polyarchy", "v2x_libdem"):
            if not math.isnan(vals[c]) and not 0 <= vals[c] <= 1:
                problems.append(Problem(f"{c} {vals[c]} outside 0-1", file=file, line=line,
                                        field=found.get(c), fix="V-Dem indices lie in 0-1"))
        if not math.isnan(vals["v2x_regime"]) and vals["v2x_regime"] not in (0, 1, 2, 3):
            problems.append(Problem(f"v2x_regime {vals['v2x_regime']} not 0-3", file=file,
                                    line=line, field=found.get("v2x_regime"),
                                    fix="0 closed autocracy ... 3 liberal democracy"))
        recs.append({"iso3": iso, "year": year, **vals})
    _raise(problems, f"{file}: cannot import these V-Dem rows")
    ly = last_years(t)
    last = {"both": ly["vdem"], "panel": ly["vdem-panel"], "global": ly["vdem-global"]}[tables]
    f = pd.DataFrame(recs)
    new = f[f["year"] > (last if last is not None else -1)]
    new = new[new["v2x_polyarchy"].notna()]
    if new.empty:
        raise _nothing_new("vdem", last, file)
    years = sorted(int(y) for y in new["year"].unique())
    _gap("vdem", last, years[0], allow_gap, file)
    keys = [(i, int(y)) for i, y in zip(new["iso3"], new["year"], strict=True)]
    filled = 0
    if tables in ("both", "global"):
        have = set(zip(t.cy["iso3"].astype(str), t.cy["year"].astype(int), strict=True))
        # V-Dem rows only fill state-years the data hold or continue (V-Dem covers non-members)
        _ensure_cy_rows(t, {k for k in keys if k in have or (k[0], k[1] - 1) in have})
        cy = t.cy
        pos = pd.Series(range(len(cy)), index=pd.MultiIndex.from_arrays(
            [cy["iso3"].astype(str), cy["year"].astype(int)]))
        at = pos.reindex(keys)
        ok = at.notna().to_numpy()
        col = int(cy.columns.get_loc("v2x_polyarchy"))  # type: ignore[arg-type]
        cy.iloc[at[ok].astype(int).to_numpy(), col] = (
            new["v2x_polyarchy"].to_numpy()[ok].astype("float32"))
        t.cy = cy
        filled = int(ok.sum())
        t.changed.add("global/country_year.parquet")
    if tables in ("both", "panel"):
        by = {k: r for k, r in zip(keys, new.to_dict("records"), strict=True)}
        _ensure_panel_rows(t, years)
        for r in t.panel.rows:
            rec = by.get((r["iso3c"], int(float(r["year"]))))
            if rec is not None:
                for c in ("v2x_polyarchy", "v2x_libdem", "v2x_regime"):
                    r[c] = fmt(rec[c])
                filled += tables == "panel"
        t.changed.add("actor_year_panel.csv")
    return {"rows": len(rows), "state_years": filled, "years": [years[0], years[-1]],
            "tables": tables, "not_states_skipped": len(skipped)}


# --------------------------------------------------------------------------- oil
def import_oil(t: Tables, path: Path, allow_gap: bool = False) -> dict[str, Any]:
    """Add Brent prices (annual, or daily averaged by year) of the years after the data's last."""
    file = str(path)
    header, rows = read_rows(path)
    found = _columns(header, OIL_ALIASES)
    if "price" not in found:  # e.g. the EIA's long column title
        cand = [c for c in header if "brent" in c.lower() or "price" in c.lower()]
        if cand:
            found["price"] = cand[0]
    _need(found, ["when", "price"], header, OIL_ALIASES, file)
    problems: list[Problem] = []
    per_year: dict[int, list[float]] = defaultdict(list)
    given_days: dict[int, str] = {}
    prev: tuple[str, int] | None = None
    for line, r in rows:
        when = r[found["when"]].strip()
        d = _parse_date(when) if len(when) > 4 else None
        try:
            year = d.year if d is not None else int(float(when))
        except ValueError:
            problems.append(Problem(f"'{when}' is neither a date nor a year", file=file,
                                    line=line, field=found["when"],
                                    fix="write YYYY-MM-DD (daily) or YYYY (annual)"))
            continue
        key = d.isoformat() if d is not None else str(year)
        if prev is not None and key <= prev[0]:
            problems.append(Problem(f"{'date' if d else 'year'} {key} does not follow "
                                    f"{prev[0]} (line {prev[1]})", file=file, line=line,
                                    field=found["when"],
                                    fix="one row per day or year, in time order, no duplicates"))
            continue
        prev = (key, line)
        p = _num(r[found["price"]], file, line, found["price"], problems)
        if not math.isnan(p):
            if p <= 0:
                problems.append(Problem(f"price {p} is not positive", file=file, line=line,
                                        field=found["price"], fix="USD per barrel, > 0"))
                continue
            per_year[year].append(p)
            if "days" in found:
                given_days[year] = r[found["days"]].strip()
    _raise(problems, f"{file}: cannot import these prices")
    daily = any(len(v) > 1 for v in per_year.values())
    years = sorted(per_year)
    note = ""
    if daily and years and len(per_year[years[-1]]) < MIN_TRADING_DAYS:
        note = f"{years[-1]} left out: {len(per_year[years[-1]])} trading days (incomplete)"
        years = years[:-1]
    last = last_years(t)["oil"]
    new = [y for y in years if last is None or y > last]
    if not new:
        raise _nothing_new("oil", last, file)
    _gap("oil", last, new[0], allow_gap, file)
    for y in new:
        vals = per_year[y]
        price = round(sum(vals) / len(vals), 2) if daily else vals[0]
        days = str(len(vals)) if daily else given_days.get(y, "")
        t.brent.rows.append({"year": str(y), "brent_usd_per_barrel": fmt(price),
                             "trading_days": days})
    t.changed.add("brent_annual.csv")
    return {"rows": len(rows), "daily": daily, "years": [new[0], new[-1]], "note": note}


# --------------------------------------------------------------------------- events
def import_events(t: Tables, path: Path, allow_gap: bool = False) -> dict[str, Any]:
    """Add dated events (memberships, uses of force, regime changes), each with its source.

    Kinds are those of the scenario language (``accession``, ``exit``, ``use_of_force``,
    ``revolution``, ``elite_transition``); ``membership`` (with ``status: joined`` or ``left``)
    and ``regime_change`` (with ``type: revolution`` or ``elite_transition``) are accepted too.
    """
    del allow_gap  # events are dated singly; gaps mean nothing
    file = str(path)
    if not path.is_file():
        raise InputError("file not found", file=file, fix="give the path of the YAML file")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML ({getattr(exc, 'problem', exc)})", file=file,
                         line=mark.line + 1 if mark else None,
                         fix="check the indentation and quoting near that line") from None
    items = doc.get("events") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise InputError("expected a list 'events:'", file=file,
                         fix="events: [{date: 2015-01-02, kind: accession, target: ARM, "
                             "institution: EAEU, source: ...}]")
    cm = CodeMap(t.countries)
    problems: list[Problem] = []
    out = []
    have = {(str(e["date"]), e["kind"], e["target"], e.get("institution")) for e in t.events}
    for i, e in enumerate(items):
        where = f"events[{i}]"
        if not isinstance(e, dict):
            problems.append(Problem("not a mapping", file=file, field=where,
                                    fix="each event has date, kind, target, source"))
            continue
        d = e.get("date")
        date = d if isinstance(d, dt.date) else _parse_date(str(d or ""))
        if date is None:
            problems.append(Problem(f"date '{d}' is not YYYY-MM-DD", file=file,
                                    field=f"{where}.date", fix="write the date as YYYY-MM-DD"))
            continue
        kind = str(e.get("kind", ""))
        if kind == "membership":
            kind = {"joined": "accession", "left": "exit"}.get(str(e.get("status")), "?")
        elif kind == "regime_change":
            kind = str(e.get("type", "?"))
        if kind not in EVENT_KINDS:
            problems.append(Problem(f"kind '{e.get('kind')}' (status/type '"
                                    f"{e.get('status', e.get('type', ''))}') unknown",
                                    file=file, field=f"{where}.kind",
                                    fix=f"one of {', '.join(EVENT_KINDS)}; or membership with "
                                        "status joined/left; or regime_change with type "
                                        "revolution/elite_transition"))
            continue
        who = str(e.get("target", e.get("state", "")))
        iso = cm.iso3(code=who, name=who)
        if iso is None:
            problems.append(Problem(f"target '{who}' is not a known state", file=file,
                                    field=f"{where}.target",
                                    fix="write its ISO3 code (e.g. ARM) or English name; for "
                                        "use_of_force the state force was used against"))
            continue
        src = str(e.get("source", "") or "").strip()
        if not src:
            problems.append(Problem("no source", file=file, field=f"{where}.source",
                                    fix="name the public source of the event (document, URL)"))
            continue
        rec: dict[str, Any] = {"date": date.isoformat(), "kind": kind, "target": iso}
        inst = str(e.get("institution", "") or "").strip()
        if kind in ("accession", "exit") and not inst:
            problems.append(Problem(f"an {kind} needs an institution", file=file,
                                    field=f"{where}.institution",
                                    fix="name it as the scenarios do, e.g. EAEU, CSTO, NATO, EU"))
            continue
        if kind in ("accession", "exit"):
            rec["institution"] = inst
        if e.get("description"):
            rec["description"] = str(e["description"])
        rec["source"] = src
        k = (rec["date"], kind, iso, rec.get("institution"))
        if k in have:
            problems.append(Problem(f"{kind} of {iso} on {rec['date']} is there already",
                                    file=file, field=where, fix="remove the duplicate"))
            continue
        have.add(k)
        out.append(rec)
    _raise(problems, f"{file}: cannot import these events")
    if not out:
        raise InputError("no events in the file", file=file, fix="list at least one event")
    t.events = sorted(t.events + out, key=lambda e: (e["date"], e["kind"], e["target"]))
    t.changed.add("events.yaml")
    years = sorted(int(e["date"][:4]) for e in out)
    return {"events": len(out), "years": [years[0], years[-1]]}


IMPORTERS = {"unga-votes": import_unga_votes, "idealpoints": import_idealpoints,
             "vdem": import_vdem, "oil": import_oil, "events": import_events}
"""KIND -> importer."""
