"""Streaming summaries: one mergeable partial per chunk, folded into the run's summary.

Every chunk is reduced, where it was simulated, to a :class:`Partial`: the sums behind the
means the summary shows (membership shares, ``MEAN_OUTCOMES``) and, for the quantiles it shows
(``alignment`` per actor and year, every core outcome per year), either

* the raw values (``exact`` mode, runs of at most ``EXACT_LIMIT`` members): the quantiles are
  then NumPy's linear percentiles of all members, the same numbers as summarising in memory; or
* a fixed-width histogram (``histogram`` mode, bigger runs). Bin ``i`` of an outcome holds the
  values in ``[i*w, (i+1)*w)``, with ``w`` a power of two, so histograms of different widths
  merge *exactly* by adding counts after coarsening the finer one (``i >> k``). The final width
  of an outcome is ``W = 2**ceil(log2(range / BINS))`` with ``range`` the outcome's max - min
  over all members, whatever the chunking or executor. **Error bound**: every quantile is
  within ``W`` (< 2 * range / ``BINS``) of the exact linear percentile; the summary names the
  method (``quantile_method``) and the bound per outcome (``quantile_error``).

Partials are summed in any order and give the same summary (counts and float64 sums only), so
summarising N members costs one pass over them while they are simulated; nothing the output
does not show is computed. Depends on NumPy; PyArrow only for zstd (de)compression.
"""

from __future__ import annotations

import io
import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from multipolar.model.summary import (
    SPHERE_CHANNELS,
    SPHERE_POLES,
    has_data_scale,
    percentiles,
    poles_entry,
    sphere_entry,
)

EXACT_LIMIT = 5_000
BINS = 4096
BLOCK_VALUES = 1 << 18
"""Values binned at a time by :meth:`Hist.of` (a block of groups; the result is the same)."""
QUANTILE_KEYS = ("p05", "p25", "median", "p75", "p95")
QUANTILE_PERCENTS = (5.0, 25.0, 50.0, 75.0, 95.0)
MEAN_OUTCOMES = ("china_share", "subsidy", "coercion", "conflict", "integration")
ACTOR_QUANTILED = ("alignment", "ideal_point", *SPHERE_POLES.values(),
                   *SPHERE_CHANNELS.values())
"""Per-actor outcomes whose quantiles the summary shows (the sphere shares feed ``sphere``,
Russia's share per channel ``sphere_channels``; ``ideal_point`` only where the scenario has the
data's scale, :func:`multipolar.model.summary.has_data_scale`)."""
_MIN_WIDTH_EXP = -40


def width_exponent(lo: float, hi: float) -> int:
    """Return ``e`` with bin width ``2**e``: the smallest power of two >= (hi - lo) / BINS."""
    span = float(hi) - float(lo)
    if not span > 0 or not math.isfinite(span):
        return _MIN_WIDTH_EXP
    return max(_MIN_WIDTH_EXP, math.ceil(math.log2(span / BINS)))


@dataclass
class Hist:
    """Counts per group of one outcome on the grid ``[i * 2**exp, (i + 1) * 2**exp)``.

    Each group keeps only the bins from its own lowest to its highest occupied one, and the
    groups' runs of bins lie one after another in the flat array ``counts``: group ``g``
    holds bins ``lo[g] .. hi[g]`` at ``counts[start[g] : start[g] + hi[g] - lo[g] + 1]``. A
    group's spread is usually a small part of the outcome's whole range (in the world model a
    state's alignment across members covers about a third of the 193 states' range, a
    neighbourhood state's a fifth), so this holds several times fewer bins than one grid over
    the whole range for every group. ``lo`` and ``hi`` are the bins of each group's extreme
    values, so the arrays are the same whatever the chunking or the order of merges.
    ``vmin``/``vmax`` are the exact extremes over all groups (they fix the final width).
    """

    exp: int
    lo: np.ndarray
    hi: np.ndarray
    counts: np.ndarray
    vmin: float
    vmax: float
    owned: bool = field(default=False, compare=False, repr=False)
    """True for a histogram a merge made: nothing else holds its arrays."""

    @property
    def members(self) -> int:
        """How many values each group holds (the members summarised)."""
        return int(self.counts[:self.hi[0] - self.lo[0] + 1].sum()) if self.lo.size else 0

    @property
    def start(self) -> np.ndarray:
        """Where each group's run of bins starts in ``counts``."""
        return _starts(self.hi - self.lo + 1)

    @staticmethod
    def of(values: np.ndarray) -> Hist:
        """Histogram of ``values`` shaped ``(members, groups...)`` at the width their range needs.

        Groups are the trailing axes, flattened in C order. The values are counted group by
        group, ``BLOCK_VALUES`` at a time, which keeps ``bincount``'s writes within a small,
        cache-resident run of bins.
        """
        v = np.asarray(values)
        if any(st == 0 and n > 1 for st, n in zip(v.strides, v.shape, strict=True)):
            return Hist._of_broadcast(v)
        if v.dtype != np.float64:
            v = v.astype(np.float32, copy=False)
        gmin, gmax = v.min(axis=0), v.max(axis=0)
        vmin, vmax = float(gmin.min()), float(gmax.max())
        exp = width_exponent(vmin, vmax)
        # each group's lowest and highest bin: floor is monotone, so they are the bins of the
        # group's extremes (and the scaling by a power of two is exact)
        lo = np.floor(np.ldexp(gmin, -exp)).astype(np.int64).reshape(-1)
        hi = np.floor(np.ldexp(gmax, -exp)).astype(np.int64).reshape(-1)
        start = _starts(hi - lo + 1)
        total = int(start[-1] + hi[-1] - lo[-1] + 1)
        # group-major (each group's members together) and in blocks of groups whose bins fit
        # in cache: the counting then writes within one small run at a time, and no
        # temporary is large enough to be mapped fresh from the kernel for every chunk
        n, groups = v.shape[0], lo.size
        by_group = np.ascontiguousarray(np.moveaxis(v, 0, -1)).reshape(groups, n)
        wide = total >= 2**31 or max(abs(int(lo.min())), abs(int(hi.max()))) >= 2**30
        counts = np.empty(total, dtype=np.int64 if n >= 2**31 else np.int32)
        step = max(1, BLOCK_VALUES // max(n, 1))
        for g0 in range(0, groups, step):
            g1 = min(groups, g0 + step)
            first, last = int(start[g0]), int(start[g1 - 1] + hi[g1 - 1] - lo[g1 - 1] + 1)
            scaled = np.ldexp(by_group[g0:g1], -exp)  # exact: a power of two
            np.floor(scaled, out=scaled)
            idx = scaled.astype(np.int64 if wide else np.int32)
            idx += (start[g0:g1] - lo[g0:g1] - first)[:, None].astype(idx.dtype)
            counts[first:last] = np.bincount(idx.ravel(), minlength=last - first)
        return Hist(exp, lo, hi, counts, vmin, vmax)

    @staticmethod
    def _of_broadcast(v: np.ndarray) -> Hist:
        """:meth:`of` for a broadcast view: the values are binned once, not once per copy.

        Outcomes that no switched-on mechanism changes come as read-only views that repeat
        one array along the members or the years (stride 0). The histogram of the repeated
        values is the histogram of one copy, with each count times the members repeated and
        each group's run of bins repeated for the groups that share it.
        """
        keep = tuple(slice(0, 1) if st == 0 else slice(None)
                     for st, n in zip(v.strides, v.shape, strict=True))
        one = Hist.of(np.ascontiguousarray(v[keep]))
        counts = one.counts * (v.shape[0] if v.strides[0] == 0 else 1)
        rshape, gshape = v[keep].shape[1:], v.shape[1:]
        rid = np.broadcast_to(np.arange(int(np.prod(rshape))).reshape(rshape),
                              gshape).reshape(-1)
        lo, hi = one.lo[rid], one.hi[rid]
        width = hi - lo + 1
        start = _starts(width)
        src = np.repeat(one.start[rid] - start, width) + np.arange(int(width.sum()))
        return Hist(one.exp, lo, hi, counts[src], one.vmin, one.vmax)

    def coarsen(self, exp: int) -> Hist:
        """Return this histogram at the (not finer) width ``2**exp``: exact, bins are only added."""
        k = exp - self.exp
        if k <= 0:
            return self
        lo, hi = self.lo >> k, self.hi >> k
        width = self.hi - self.lo + 1
        group = np.repeat(np.arange(lo.size), width)
        bins = np.arange(self.counts.size) - np.repeat(self.start, width) + self.lo[group]
        # fine bin b falls in coarse bin b >> k
        target = (bins >> k) - lo[group] + _starts(hi - lo + 1)[group]
        counts = np.bincount(target, weights=self.counts,
                             minlength=int((hi - lo + 1).sum()))
        return Hist(exp, lo, hi, counts.astype(np.int64), self.vmin, self.vmax)

    def merge(self, other: Hist) -> Hist:
        """Sum of two histograms of the same groups (at the coarser width, then re-fitted).

        A histogram that a merge made (the running total of a run's chunks) takes ``other``
        in place when ``other``'s bins lie within its runs, as they mostly do once a few
        chunks have set each group's extremes; the histograms merged in are never changed.
        """
        exp = max(self.exp, other.exp, width_exponent(min(self.vmin, other.vmin),
                                                      max(self.vmax, other.vmax)))
        a, b = self.coarsen(exp), other.coarsen(exp)
        vmin, vmax = min(self.vmin, other.vmin), max(self.vmax, other.vmax)
        if (a is self and self.owned and (b.lo >= a.lo).all() and (b.hi <= a.hi).all()
                and (self.counts.dtype == np.int64 or self.members + b.members < 2**31)):
            _add_runs(self.counts, self.start, self.lo, b)
            self.vmin, self.vmax = vmin, vmax
            return self
        lo, hi = np.minimum(a.lo, b.lo), np.maximum(a.hi, b.hi)
        start = _starts(hi - lo + 1)
        members = a.members + b.members
        out = np.zeros(int(start[-1] + hi[-1] - lo[-1] + 1),
                       dtype=np.int32 if members < 2**31 else np.int64)
        for h in (a, b):
            _add_runs(out, start, lo, h)
        return Hist(exp, lo, hi, out, vmin, vmax, owned=True)

    def final(self) -> Hist:
        """At the run's final width ``2**ceil(log2(range / BINS))`` (chunking-independent)."""
        return self.coarsen(width_exponent(self.vmin, self.vmax))

    @property
    def width(self) -> float:
        """The bin width (also the error bound of the quantiles read off this histogram)."""
        return math.ldexp(1.0, self.exp)

    def quantiles(self) -> np.ndarray:
        """``(groups, 5)`` quantiles, NumPy's linear method on order statistics read off bins.

        Order statistic ``r`` lies in the bin where the cumulative count first exceeds ``r``
        and is placed inside it, so it is within one bin width of its true value; so is the
        quantile interpolated between two of them.
        """
        h = self.final()
        w = h.width
        cum = np.cumsum(h.counts)
        start = h.start
        base = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0)  # counts before group g
        total = h.members
        pos = [p / 100.0 * (total - 1) for p in QUANTILE_PERCENTS]
        ranks = np.array(sorted({r for x in pos for r in (math.floor(x),
                                                          min(math.floor(x) + 1, total - 1))}))
        # the bin of order statistic r of group g: the first whose cumulative count exceeds it
        at = np.searchsorted(cum, base[:, None] + ranks[None, :], side="right")
        before = np.where(at > start[:, None], cum[np.maximum(at - 1, 0)], base[:, None]) \
            - base[:, None]
        cnt = h.counts[at]
        frac = np.clip((ranks[None, :] - before + 0.5) / np.maximum(cnt, 1), 0.0, 1.0)
        stat = (h.lo[:, None] + (at - start[:, None]) + frac) * w  # (groups, ranks)
        col = {int(r): i for i, r in enumerate(ranks)}
        out = np.empty((h.lo.size, len(pos)))
        for j, x in enumerate(pos):
            k = math.floor(x)
            lo_v, hi_v = stat[:, col[k]], stat[:, col[min(k + 1, total - 1)]]
            out[:, j] = np.minimum(np.maximum(lo_v + (x - k) * (hi_v - lo_v), h.vmin), h.vmax)
        return out


def _add_runs(out: np.ndarray, start: np.ndarray, lo: np.ndarray, h: Hist) -> None:
    """Add ``h``'s runs of bins into ``out``, laid out by ``start`` and ``lo`` (covering h's)."""
    shift = start + (h.lo - lo) - h.start  # each run moves as a block
    if not shift.any():
        out[:h.counts.size] += h.counts
        return
    width = h.hi - h.lo + 1
    if h.counts.size >= 32 * width.size:  # long runs: one slice each beats a gather
        dest = (h.start + shift).tolist()
        for g, (s, n) in enumerate(zip(h.start.tolist(), width.tolist(), strict=True)):
            out[dest[g]:dest[g] + n] += h.counts[s:s + n]
        return
    out[np.arange(h.counts.size) + np.repeat(shift, width)] += h.counts


def _starts(width: np.ndarray) -> np.ndarray:
    """Offsets of consecutive runs of the given widths."""
    start = np.zeros(width.size, dtype=np.int64)
    np.cumsum(width[:-1], out=start[1:])
    return start


@dataclass
class Partial:
    """The summary of some members: exact values or histograms, plus the sums behind means."""

    mode: str
    n: int
    years: list[int]
    actors: list[str]
    institutions: list[str]
    core_names: list[str]
    memb: np.ndarray                      # (T, A, I) counts
    sums: dict[str, np.ndarray]           # MEAN_OUTCOMES present: (T, A) float64 sums
    values: dict[str, list[tuple[int, np.ndarray]]] = field(default_factory=dict)
    hists: dict[str, Hist] = field(default_factory=dict)
    const: set[str] = field(default_factory=set)
    """Exact series the same in every year (the engine records them once: a broadcast view);
    their values are kept for the first year only, ``(actors, members)``."""

    # ----------------------------------------------------------------------- building
    @staticmethod
    def of_chunk(res: Any, mode: str) -> Partial:
        """Reduce one ``ChunkResult`` (``mode``: ``exact`` or ``histogram``)."""
        n, _t, _a = int(res.stop - res.start), len(res.years), len(res.actors)
        # counts over members: summing contiguous rows of a member-last copy is faster than
        # reducing the (strided) member axis in place
        mem = np.asarray(res.memberships, dtype=np.int8)
        memb = np.ascontiguousarray(np.moveaxis(mem, 0, -1)).sum(axis=-1, dtype=np.int64)
        sums = {k: np.einsum("nta->ta", np.asarray(res.actor_outcomes[k], dtype=np.float32),
                             dtype=np.float64)
                for k in MEAN_OUTCOMES if k in res.actor_outcomes}
        p = Partial(mode, n, [int(y) for y in res.years], list(res.actors),
                    list(res.institutions), list(res.core_outcomes), memb, sums)
        scale = has_data_scale(res.core_outcomes)  # the same for every chunk of a run
        series = {f"a:{k}": np.asarray(res.actor_outcomes[k], dtype=np.float32)
                  for k in ACTOR_QUANTILED if k in res.actor_outcomes
                  and (k != "ideal_point" or scale)}
        series.update({f"c:{k}": np.asarray(v, dtype=np.float32)
                       for k, v in res.core_outcomes.items()})
        for key, arr in series.items():
            if mode == "exact":
                if key.startswith("a:") and arr.ndim == 3 and arr.strides[1] == 0:
                    p.const.add(key)  # one year holds them all
                    arr = arr[:, :1]
                # group-major ``(groups, members)``: the engine's buffers are year-major, so
                # this is a transpose within each year, and the quantiles need no other copy
                p.values[key] = [(int(res.start),
                                  np.ascontiguousarray(np.moveaxis(arr, 0, -1)).reshape(-1, n))]
            else:
                p.hists[key] = Hist.of(arr)
        return p

    def merge(self, other: Partial) -> Partial:
        """Fold ``other`` (a disjoint set of members) into this partial; return it."""
        if other.mode != self.mode:
            raise ValueError(f"cannot merge a {other.mode} partial into a {self.mode} one")
        self.n += other.n
        self.memb = self.memb + other.memb
        for k in self.sums:
            self.sums[k] = self.sums[k] + other.sums[k]
        for k in (self.const ^ other.const) & (set(self.values) | set(other.values)):
            self._expand(k)
            other._expand(k)
        for k, parts in other.values.items():
            self.values.setdefault(k, []).extend(parts)
        for k, h in other.hists.items():
            self.hists[k] = self.hists[k].merge(h) if k in self.hists else h
        return self

    def _expand(self, key: str) -> None:
        """Keep ``key``'s values for every year (a constant series merged with a varying one)."""
        if key in self.const:
            t_n = len(self.years)
            self.values[key] = [(s, np.tile(v, (t_n, 1))) for s, v in self.values[key]]
            self.const.discard(key)

    # ----------------------------------------------------------------------- reading
    def _quantiles(self, key: str) -> tuple[np.ndarray, float]:
        """``(groups, 5)`` quantiles of series ``key`` and their error bound (0 when exact)."""
        if self.mode == "exact":
            parts = [v for _, v in sorted(self.values[key], key=lambda x: x[0])]
            # values are kept group-major (rows contiguous); the concatenation is our own copy,
            # sorted in place by ``percentiles``
            arr = np.concatenate(parts, axis=1)
            if key in self.const:  # the first year's quantiles hold for every year
                q = percentiles(arr, list(QUANTILE_PERCENTS), axis=1, owned=True).T
                return np.tile(q, (len(self.years), 1)), 0.0
            return percentiles(arr, list(QUANTILE_PERCENTS), axis=1, owned=True).T, 0.0
        h = self.hists[key]
        return h.quantiles(), h.final().width

    def summary(self) -> dict[str, Any]:
        """The run summary (same keys as :func:`multipolar.model.summary.summarise`)."""
        years, actors, t_n, a_n = self.years, self.actors, len(self.years), len(self.actors)
        out: dict[str, Any] = {"members": self.n, "years": years, "actors": actors,
                               "institutions": self.institutions}
        errors: dict[str, float] = {}
        for name in ACTOR_QUANTILED:
            key = f"a:{name}"
            if key not in self.values and key not in self.hists:
                continue
            q, err = self._quantiles(key)
            q = q.reshape(t_n, a_n, len(QUANTILE_KEYS))
            errors[name] = err
            out[name] = {a: {str(y): {k: round(float(q[ti, j, i]), 6)
                                      for i, k in enumerate(QUANTILE_KEYS)}
                             for ti, y in enumerate(years)} for j, a in enumerate(actors)}

        for entry, names in (("sphere", SPHERE_POLES), ("sphere_channels", SPHERE_CHANNELS)):
            if all(c in out for c in names.values()):
                out[entry] = sphere_entry({k: out.pop(c) for k, c in names.items()})
            for c in names.values():
                out.pop(c, None)
        share = self.memb / max(self.n, 1)
        out["memberships"] = {a: {inst: {str(y): round(float(share[ti, j, k]), 4)
                                         for ti, y in enumerate(years)}
                                  for k, inst in enumerate(self.institutions)}
                              for j, a in enumerate(actors)}
        out["russia"] = {}
        for name in self.core_names:
            q, err = self._quantiles(f"c:{name}")
            errors[name] = err
            out["russia"][name] = {str(y): {k: round(float(q[ti, i]), 6)
                                            for i, k in enumerate(QUANTILE_KEYS)}
                                   for ti, y in enumerate(years)}
        poles = poles_entry(out["russia"])
        if poles is not None:
            out["poles"] = poles
        out["means"] = {name: {a: {str(y): round(float(s[ti, j] / max(self.n, 1)), 6)
                                   for ti, y in enumerate(years)} for j, a in enumerate(actors)}
                        for name, s in self.sums.items()}
        out["quantile_method"] = "exact" if self.mode == "exact" else f"histogram-{BINS}"
        if self.mode != "exact":
            out["quantile_error"] = errors
        return out

    # ----------------------------------------------------------------------- bytes
    def to_bytes(self) -> bytes:
        """Serialise as a NumPy ``.npz``, zstd-compressed for histograms only.

        Counts compress well; exact float32 values barely do, so they are left raw. Layout:
        8 bytes little-endian raw length (0 = not compressed), then the payload.
        """
        # lazy: keeps start-up fast (loads pyarrow)
        import pyarrow as pa

        meta = {"mode": self.mode, "n": self.n, "years": self.years, "actors": self.actors,
                "institutions": self.institutions, "core_names": self.core_names,
                "layout": "groups-members", "const": sorted(self.const),
                "sums": list(self.sums), "values": {k: [s for s, _ in v]
                                                    for k, v in self.values.items()},
                "hists": {k: [h.exp, None, h.vmin, h.vmax] for k, h in self.hists.items()}}
        arrays: dict[str, np.ndarray] = {"memb": self.memb}
        arrays.update({f"sum/{k}": v for k, v in self.sums.items()})
        for k, parts in self.values.items():
            arrays.update({f"val/{k}/{i}": v for i, (_, v) in enumerate(parts)})
        for k, h in self.hists.items():
            top = int(h.counts.max()) if h.counts.size else 0
            dtype = np.uint16 if top < 1 << 16 else np.uint32 if top < 1 << 32 else np.int64
            arrays[f"hist/{k}"] = h.counts.astype(dtype)
            arrays[f"hlo/{k}"] = h.lo
            arrays[f"hhi/{k}"] = h.hi
        buf = io.BytesIO()
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        np.savez(buf, **arrays)  # type: ignore[arg-type]
        raw = buf.getvalue()
        if self.mode == "exact":
            return struct.pack("<Q", 0) + raw
        return struct.pack("<Q", len(raw)) + pa.compress(raw, codec="zstd", asbytes=True)

    @staticmethod
    def from_bytes(data: bytes) -> Partial:
        """Inverse of :meth:`to_bytes`."""
        # lazy: keeps start-up fast (loads pyarrow)
        import pyarrow as pa

        (size,) = struct.unpack("<Q", data[:8])
        raw = (data[8:] if size == 0 else
               pa.decompress(data[8:], decompressed_size=size, codec="zstd", asbytes=True))
        z = np.load(io.BytesIO(raw))
        meta = json.loads(bytes(z["__meta__"]).decode())
        p = Partial(meta["mode"], int(meta["n"]), meta["years"], meta["actors"],
                    meta["institutions"], meta["core_names"], z["memb"].astype(np.int64),
                    {k: z[f"sum/{k}"] for k in meta["sums"]})
        # partials written before values were kept group-major hold ``(members, groups)``
        old = meta.get("layout") != "groups-members"
        p.const = set(meta.get("const", []))
        for k, starts in meta["values"].items():
            p.values[k] = [(int(s), np.ascontiguousarray(z[f"val/{k}/{i}"].T) if old
                            else z[f"val/{k}/{i}"]) for i, s in enumerate(starts)]
        for k, (exp, lo, vmin, vmax) in meta["hists"].items():
            p.hists[k] = _hist_from(z, k, int(exp), lo, float(vmin), float(vmax))
        return p


def _hist_from(z: Any, key: str, exp: int, lo: int | None, vmin: float, vmax: float) -> Hist:
    """A histogram read back from a partial's ``.npz``.

    Also one written before bins were kept per group (one ``(groups, bins)`` grid from ``lo``
    for every group): each row is cut to the bins its group occupies.
    """
    counts = z[f"hist/{key}"].astype(np.int64)
    if lo is None:
        return Hist(exp, z[f"hlo/{key}"].astype(np.int64), z[f"hhi/{key}"].astype(np.int64),
                    counts, vmin, vmax)
    occupied = counts != 0
    first = occupied.argmax(axis=1)
    last = counts.shape[1] - 1 - occupied[:, ::-1].argmax(axis=1)
    cols = np.arange(counts.shape[1])[None, :]
    inside = (cols >= first[:, None]) & (cols <= last[:, None])
    return Hist(exp, lo + first, lo + last, counts[inside], vmin, vmax)


def summary_mode(members: int, exact_limit: int | None = None) -> str:
    """``exact`` up to ``exact_limit`` (default ``EXACT_LIMIT``) members, ``histogram`` above."""
    return "exact" if members <= (EXACT_LIMIT if exact_limit is None else exact_limit) \
        else "histogram"
