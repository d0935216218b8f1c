"""Whose sphere a neighbour is in: Russia's, China's or the West's (D5, E4, D6; fidelity §d).

A neighbour's orientation has two dimensions: its position between Russia and the West (UN
voting alignment, ``state.alignment``) and whose sphere it is in. The second is
``state.sphere``, shaped ``(members, actors, channels, poles)`` with the channels
:data:`CHANNELS` (trade, arms, security, investment) and the poles :data:`POLES` (Russia,
China, West); each channel's row sums to 1 for a neighbour and is 0 for outside powers.
Mechanisms push it through ``state.sphere_push`` (same shape, a yearly flow); the ``sphere``
mechanism moves every channel towards a target and adds the push. :func:`initial_sphere`
gives the starting shares from the scenario's data; :func:`sphere_shares` the per-pole
summary (weights :data:`SPHERE_WEIGHTS`, the named assumption ``sphere_weights``). The outcomes
are the three poles' combined shares and Russia's share in each channel
(:data:`CHANNEL_OUTCOMES`).
Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip, count_true, mean_of_two
from multipolar.model.mechanisms.base import Mechanism, Outcome, Param, StateVar, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext

CHANNELS = ("trade", "arms", "security", "investment")
POLES = ("russia", "china", "west")
TRADE, ARMS, SECURITY, INVESTMENT = range(4)
RUSSIA, CHINA, WEST = range(3)

WEIGHT_PARAMS = (
    Param("weight_trade", 0.4, "weight of the trade channel in a pole's share of the sphere "
          "(named assumption sphere_weights; a per-run value: its nominal)", "share",
          (0.0, 1.0)),
    Param("weight_arms", 0.2, "weight of the arms channel in a pole's share of the sphere",
          "share", (0.0, 1.0)),
    Param("weight_security", 0.25, "weight of the security channel in a pole's share of the "
          "sphere", "share", (0.0, 1.0)),
    Param("weight_investment", 0.15, "weight of the investment channel in a pole's share of "
          "the sphere", "share", (0.0, 1.0)),
)
"""Weights of the channels (in :data:`CHANNELS` order) in a pole's share of the sphere. A named
assumption (``sphere_weights``): no seed weighs the channels; the nearest passage is
``D5_structural_power`` (control of security, finances and ideas)."""

START_PARAMS = (
    Param("start_trade_west", 0.5, "the West's starting trade share per unit of trade with "
          "neither Russia nor China (the data have no EU total)", "share", (0.0, 1.0)),
    Param("start_arms_ally", 0.9, "Russia's starting arms share in members of Russia-led "
          "formats", "share", (0.0, 1.0)),
    Param("start_arms_russia", 0.6, "Russia's starting arms share in other neighbours outside "
          "West-led formats", "share", (0.0, 1.0)),
    Param("start_arms_china", 0.1, "China's starting arms share outside West-led formats",
          "share", (0.0, 1.0)),
    Param("start_arms_west_bloc", 0.05, "Russia's starting arms share in members of West-led "
          "formats (China's is 0)", "share", (0.0, 1.0)),
    Param("start_security_russia", 0.7, "weight of Russia-led memberships in Russia's starting "
          "security share", "-", (0.0, 5.0)),
    Param("start_security_bases", 0.3, "weight of Russian bases in Russia's starting security "
          "share", "-", (0.0, 5.0)),
    Param("start_security_china", 0.1, "weight of China-led memberships in China's starting "
          "security share", "-", (0.0, 5.0)),
    Param("start_security_west", 0.8, "weight of West-led memberships in the West's starting "
          "security share", "-", (0.0, 5.0)),
)
"""The starting shares of :func:`initial_sphere` (fidelity §d; per-run values: their
nominals)."""


def _defaults(params: tuple[Param, ...]) -> dict[str, float]:
    return {p.name: p.default for p in params}


def channel_weights(q: Mapping[str, float] | None = None) -> np.ndarray:
    """The channels' weights, float32, from ``q`` (nominal values; default: the declared)."""
    q = q if q is not None else _defaults(WEIGHT_PARAMS)
    return np.array([q["weight_" + c] for c in CHANNELS], dtype=np.float32)


SPHERE_WEIGHTS = channel_weights()
"""The declared weights of the channels (:data:`WEIGHT_PARAMS`)."""

_FLOOR = 1e-3  # no pole's target is exactly zero, so a renormalised row always exists


def _normalise(v: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Rows over the last axis rescaled to sum to 1 (rows of zeros stay zero).

    The three poles are summed explicitly, in the order NumPy's reduction uses, so the result
    is bit-identical to ``v.sum(axis=-1)``; a reduction over an axis of length 3 is several
    times slower, and this runs four times a year over ``(members, actors, 4, 3)``. For the
    same reason each pole is divided on its own (a strided run over every member-actor-channel)
    instead of dividing by a sum broadcast over a last axis of length 3: the same divisions,
    bit for bit, about twice as fast. ``out`` (float32, ``v`` itself allowed: each number is
    read before it is overwritten) receives the result instead of a new array.
    """
    if v.shape[-1] != 3:
        s = v.sum(axis=-1, keepdims=True)
        s = np.where(s > 0, np.maximum(s, np.float32(1e-12)), np.float32(np.inf))
        if out is None:
            return np.asarray(v / s, dtype=np.float32)
        return np.divide(v, s, out=out)
    a, b, c = v[..., 0], v[..., 1], v[..., 2]
    s = a + b
    s += c
    # a row of zeros (sum 0; or NaN) divided by infinity stays zero, without a mask over rows;
    # a select rather than a masked assignment, and none where every row has a positive sum
    # (the targets, which are floored)
    pos = s > 0
    np.maximum(s, np.float32(1e-12), out=s)
    if not pos.all():
        s = np.where(pos, s, np.float32(np.inf))
    if out is None:
        out = np.empty_like(v, dtype=np.float32)  # in ``v``'s layout (see :func:`_planes`)
    np.divide(a, s, out=out[..., 0])
    np.divide(b, s, out=out[..., 1])
    np.divide(c, s, out=out[..., 2])
    return out


def sphere_shares(sphere: np.ndarray, weights: np.ndarray = SPHERE_WEIGHTS) -> np.ndarray:
    """Per-pole share of the sphere, ``(..., poles)``: the channel-weighted sum."""
    return np.einsum("...cp,c->...p", sphere, weights).astype(np.float32)


def _shares_outcome(sphere: np.ndarray, q: Mapping[str, float]) -> np.ndarray:
    return sphere_shares(sphere, channel_weights(q))


def _russia_channels(sphere: np.ndarray, q: Mapping[str, float]) -> np.ndarray:
    """Russia's share in each channel, ``(..., channels)`` (a view: nothing is copied)."""
    return sphere[..., RUSSIA]


CHANNEL_OUTCOMES = {c: f"sphere_russia_{c}" for c in CHANNELS}
"""Russia's share of each channel of a neighbour's sphere: channel -> per-actor outcome.

Only Russia's: the combined shares (``sphere_russia``/``_china``/``_west``) carry the three
poles, and China's and the West's shares per channel would triple what the outcomes cost each
chunk (memory, the stored columns and the summary's histograms) for the question the summary
answers, how far a state is in Russia's sphere by each channel."""


def initial_sphere(trade_russia: np.ndarray, trade_china: np.ndarray, russia_member: np.ndarray,
                   west_member: np.ndarray, china_member: np.ndarray, base: np.ndarray,
                   patronage: np.ndarray, neighbours: np.ndarray,
                   q: Mapping[str, float] | None = None) -> np.ndarray:
    """Starting shares ``(actors, channels, poles)`` from the first year's data (fidelity §d).

    Trade: the observed Russia and China trade shares; the West gets ``start_trade_west`` of
    the rest (the data have no EU total; others are left out). Arms: ``start_arms_ally``
    Russia in Russia-led alliances, ``start_arms_russia`` otherwise, ``start_arms_china``
    China, the rest West; members of West-led formats ``start_arms_west_bloc`` Russia, none
    China, the rest West. Security: memberships and Russian bases as weights
    (``start_security_*``; equal shares without any). Investment: Russia the mean of the
    patronage tie and the trade share, China the China trade share, the West the rest. All
    arguments are ``(actors,)``; the memberships are shares of each pole's formats (0-1);
    ``q`` the nominal values of :data:`START_PARAMS` (default: the declared ones).
    """
    q = q if q is not None else _defaults(START_PARAMS)
    n_a = trade_russia.shape[0]
    out = np.zeros((n_a, len(CHANNELS), len(POLES)), dtype=np.float32)
    tr, tc = clip(trade_russia, 0, 1), clip(trade_china, 0, 1)
    out[:, TRADE] = np.stack([tr, tc, q["start_trade_west"] * np.maximum(1.0 - tr - tc, 0.0)],
                             axis=1)
    west_bloc = west_member > 0
    arms_r = np.where(west_bloc, q["start_arms_west_bloc"],
                      np.where(russia_member > 0, q["start_arms_ally"], q["start_arms_russia"]))
    arms_c = np.where(west_bloc, 0.0, q["start_arms_china"])
    out[:, ARMS] = np.stack([arms_r, arms_c, np.maximum(1.0 - arms_r - arms_c, 0.0)], axis=1)
    sec = np.stack([q["start_security_russia"] * russia_member
                    + q["start_security_bases"] * base,
                    q["start_security_china"] * china_member,
                    q["start_security_west"] * west_member], axis=1)
    out[:, SECURITY] = np.where(sec.sum(axis=1, keepdims=True) > 0, sec, 1.0 / len(POLES))
    inv_r = mean_of_two(clip(patronage, 0, 1), tr)
    out[:, INVESTMENT] = np.stack([inv_r, tc, np.maximum(1.0 - inv_r - tc, 0.0)], axis=1)
    out = _normalise(out + _FLOOR)
    return out * neighbours[:, None, None].astype(np.float32)


def reference(model: Any, nb: np.ndarray, q: Mapping[str, float] | None = None) -> np.ndarray:
    """The sphere's starting shares ``(actors, channels, poles)`` from the first year's data.

    ``model`` is the compiled model, ``nb`` the neighbours' mask.
    """
    n_a = len(model.actors)
    obs = model.obs

    def first(name: str) -> np.ndarray:
        arr = obs.get(name + "_first", np.full(n_a, np.nan))
        return np.where(np.isfinite(arr), arr, 0.0)

    hist0 = np.maximum(model.member_hist[0], 0).astype(np.float32)

    def share(pole: int) -> np.ndarray:
        cols = np.flatnonzero(model.inst_pole == pole)
        return hist0[:, cols].mean(axis=1) if cols.size else np.zeros(n_a)

    return initial_sphere(first("trade_share_russia"), first("trade_share_china"),
                          share(0), share(1), share(2),  # the formats' pole codes
                          model.static.get("russian_base", np.zeros(n_a)), model.patronage, nb,
                          q)


@register
class Sphere(Mechanism):
    """Each channel of a neighbour's sphere moves towards the poles' present weights (§d).

    Targets per pole (before the other mechanisms' push is added and the row renormalised):
    *trade*: Russia its first-year share times capacity (at most 1.5; Russia's crisis cut
    trade inside the EAEU, ``B1_eaeu_trade_2015``) and times 1 + half its share of Russia-led
    formats, China the China trade share, the West its first-year share plus West-led
    memberships and the EU's offer to eligible states; *arms*: Russia its Russia-led
    memberships less half the coercion it applies, China half the China share, the West its
    West-led memberships; *security*: Russia's formats and bases, the West's formats;
    *investment*: Russia its subsidies (no business-expansion channel is built), China the
    China share, the West the EU offer to eligible states. The region is open competition among
    several powers
    (``E4_open_competition``); Moscow and Brussels both seek control of security and finance
    (``D5_structural_power``); Moscow tries to keep China out (``D6_presence``).
    """

    name = "sphere"
    theory = ("D5", "D6", "E4")
    evidence = ("E4_open_competition", "D5_structural_power", "D6_presence",
                "B1_eaeu_trade_2015")
    params = (
        Param("adjustment", 0.15, "share of the way each channel moves to its target a year",
              "share per year", (0.0, 1.0)),
        Param("capacity_cap", 1.5, "capacity above which Russia's trade share grows no more",
              "capacity", (0.0, 10.0)),
        Param("membership_gain", 0.5, "weight of a pole's formats joined in its trade and "
              "security targets", "share per membership share", (0.0, 5.0)),
        Param("offer_weight", 0.2, "weight of the EU's offer in the West's trade and "
              "investment targets", "share per offer unit", (0.0, 5.0)),
        Param("arms_coercion", 0.5, "fall of Russia's arms target per unit of coercion",
              "share per coercion unit", (0.0, 1.0)),
        Param("arms_china", 0.5, "China's arms target per unit of China trade share",
              "share per share", (0.0, 5.0)),
        *WEIGHT_PARAMS, *START_PARAMS,
    )
    reads = ("capacity", "china_share", "membership", "subsidy", "coercion", "sphere_push")
    writes = ("sphere",)
    context = ("sphere_reference", "russia_institutions", "west_institutions",
               "eu_eligibility", "neighbours")
    levers = ("eu_offer",)
    state = (StateVar("sphere", "each channel's shares of the poles", (0.0, 1.0),
                      dims=(len(CHANNELS), len(POLES))),
             StateVar("sphere_push", "this year's pushes on the sphere's targets",
                      flow=True, dims=(len(CHANNELS), len(POLES))))
    outcomes = (*(Outcome(f"sphere_{pole}", "sphere", derive=_shares_outcome, index=k)
                  for k, pole in enumerate(POLES)),
                *(Outcome(name, "sphere", derive=_russia_channels, index=k)
                  for k, name in enumerate(CHANNEL_OUTCOMES.values())))
    provides = {"sphere_reference": "(actors, channels, poles) float32: the sphere's starting "
                                    "shares (initial_sphere)"}

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """The sphere starts at its reference shares; the push at zero (both :func:`_planes`)."""
        out = _planes(init.shape(var), var.dtype)
        if var.name == "sphere":
            out[...] = init.items["sphere_reference"]
        return out

    @classmethod
    def provide(cls, init: StartContext) -> dict[str, Any]:
        """The sphere's starting shares from the first year's data."""
        return {"sphere_reference": reference(init.model, init.neighbours,
                                              {q.name: init.nominal(cls, q.name)
                                               for q in START_PARAMS})}

    def step(self, st: State, cx: StepContext) -> None:
        """Move every channel towards its target plus this year's push, then renormalise."""
        p = cx.p
        ref = cx.sphere_reference  # (actors, 4, 3)
        rus = _member_share(st.membership, cx.russia_institutions)
        west = _member_share(st.membership, cx.west_institutions)
        cap = np.minimum(st.capacity, p.member("capacity_cap"))[:, None]
        chn = st.china_share
        offer = cx.lever("eu_offer") * cx.eu_eligibility
        # every cell is set below; in the state's layout (:func:`_planes`)
        target = np.empty_like(st.sphere, dtype=np.float32)
        gain, ow = p["membership_gain"], p["offer_weight"]
        target[..., TRADE, RUSSIA] = ref[:, TRADE, RUSSIA] * cap * (1.0 + gain * rus)
        target[..., TRADE, CHINA] = chn
        target[..., TRADE, WEST] = ref[:, TRADE, WEST] + gain * west + ow * offer
        target[..., ARMS, RUSSIA] = ref[:, ARMS, RUSSIA] * (
            1.0 - p["arms_coercion"] * clip(st.coercion, 0, 1))
        target[..., ARMS, CHINA] = p["arms_china"] * chn + ref[:, ARMS, CHINA]
        target[..., ARMS, WEST] = ref[:, ARMS, WEST] + west
        target[..., SECURITY, :] = ref[:, SECURITY, :]
        target[..., SECURITY, RUSSIA] += gain * rus
        target[..., SECURITY, WEST] += gain * west
        target[..., INVESTMENT, RUSSIA] = ref[:, INVESTMENT, RUSSIA] + np.minimum(st.subsidy, 1)
        target[..., INVESTMENT, CHINA] = chn
        target[..., INVESTMENT, WEST] = ref[:, INVESTMENT, WEST] + ow * offer
        # the same operations as ``_normalise(max(_normalise(target + floor) + push, floor))``
        # and ``_normalise(max(sphere + adjustment * (target - sphere), 0)) * neighbours``,
        # written into the arrays they make where the type stays float32 (bit-identical,
        # fewer arrays of (members, actors, 4, 3) made and freed each year)
        target += _FLOOR
        _normalise(target, out=target)
        target += st.sphere_push
        np.maximum(target, _FLOOR, out=target)
        _normalise(target, out=target)
        adj = _by_member(p.member("adjustment"))
        np.subtract(target, st.sphere, out=target)
        if np.result_type(target, adj) == np.float32:
            np.multiply(adj, target, out=target)
            np.add(st.sphere, target, out=target)
            new = _normalise(np.maximum(target, 0.0, out=target), out=target)
        else:  # a float64 adjustment keeps the step in float64 until the last division
            new = _normalise(np.maximum(st.sphere + adj * target, 0.0))
        planes = _plane_rows(new)
        if planes is None:
            new *= cx.neighbours[None, :, None, None]
        else:  # plane by plane: one long run per plane rather than one per member
            planes *= self._tiled(cx.neighbours, new.shape[0])
        st.sphere = new

    _tiled_of: tuple[np.ndarray, int, np.ndarray] | None = None

    def _tiled(self, row: np.ndarray, n: int) -> np.ndarray:
        """``row`` (actors,) repeated for ``n`` members, ``(n * actors,)``; kept for the run."""
        if self._tiled_of is not None:
            row_was, n_was, kept = self._tiled_of
            if row_was is row and n_was == n:
                return kept
        tiled = np.tile(np.asarray(row, dtype=np.float32), n)
        tiled.flags.writeable = False
        self._tiled_of = (row, n, tiled)
        return tiled


def _planes(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Zeros shaped ``(members, actors, channels, poles)``, stored channel-pole plane by plane.

    A view of a ``(channels, poles, members, actors)`` buffer: every channel-pole cell of
    every member-actor is one contiguous plane, so the step's per-pole arithmetic and the
    other mechanisms' pushes on one channel and pole run over contiguous memory instead of
    every twelfth number. Elementwise operations give the same numbers in any layout (only
    the order in which memory is visited changes), so the results are bit-identical.
    """
    n, a, c, q = shape
    return np.zeros((c, q, n, a), dtype=dtype).transpose(2, 3, 0, 1)


def _plane_rows(v: np.ndarray) -> np.ndarray | None:
    """``(members, actors, channels, poles)`` ``v`` as ``(planes, members * actors)``.

    A view of :func:`_planes`' buffer (None when ``v`` is not stored plane by plane): an
    elementwise operation with a row repeated for every member then runs over each plane at
    once (the same numbers).
    """
    b = v.transpose(2, 3, 0, 1)
    if not b.flags.c_contiguous:
        return None
    return b.reshape(b.shape[0] * b.shape[1], b.shape[2] * b.shape[3])


def _by_member(v: Any) -> Any:
    """A parameter shaped to combine with ``(members, actors, channels, poles)`` arrays."""
    return v if np.ndim(v) == 0 else np.reshape(np.asarray(v, dtype=np.float32), (-1, 1, 1, 1))


def _member_share(membership: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Share of the formats ``cols`` each member-actor belongs to, ``(members, actors)``."""
    if not cols.size:
        return np.zeros(membership.shape[1:], dtype=np.float32)
    return (count_true(membership[cols]) / cols.size).astype(np.float32)
