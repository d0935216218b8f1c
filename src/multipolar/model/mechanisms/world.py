"""Russia's global instruments and the other states' answers (seed 002): the world mechanisms.

The world scenario (``russia-world``) shares the neighbourhood's mechanisms where the idea is
the same (``alignment``, ``resource_rents``, ``kindred_regimes``, ``patronage_networks``) and
adds only what is global:

* Russia's instruments far from home: ``arms_and_energy`` (arms deliveries and energy trade tie
  recipients), ``distant_military_presence`` (bases, advisers and contractors) and
  ``chosen_bargains`` (deals with selected states that dilute US weight); weakening others
  (eroding good governance abroad) is the shared ``patronage_networks``, not a copy;
* the others' answers: ``western_normative_pull`` (the West's rules draw democracies and its
  allies away from Russia), ``interference_backlash`` (democracies reached by Russia's
  networks turn away: the attraction-assertion dilemma worldwide), ``china_backing`` (a rival
  hypothesis, 0 by default) and ``sovereignty_norm`` (the named assumption that states outside
  the blocs hedge towards the middle).

Like the neighbourhood's, each adds a shift to ``state.target_shift`` of the states it applies
to (negative: towards Russia; alignment 0 votes like Russia, 1 like the US). How every state
answers a dated use of force is the shared ``use_of_force`` mechanism's. Depends on NumPy
and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import carried_forward, clip
from multipolar.model.mechanisms.base import Mechanism, Param, Yearly, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


ARMS_LEVER = "russia_arms_deliveries"
"""Lever scaling Russia's arms deliveries (1 = as recorded, carried forward after the data)."""


def scaled_arms_share(share: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """Russia's share of arms imports when its deliveries are ``scale`` times those recorded.

    The other suppliers' deliveries stay as they were: ``k s / (1 - s + k s)``. A state that
    buys no Russian arms keeps a share of 0, so the lever reaches Russia's arms clients only.
    """
    if scale is None:
        return share
    k = np.asarray(scale, dtype=np.float64)
    s = share.astype(np.float64)
    den = 1.0 - s + k * s
    return np.where(den > 0, k * s / np.where(den > 0, den, 1.0), 0.0).astype(share.dtype)


def arms_share(model: Any, window: int) -> np.ndarray:
    """``(years, actors)``: the Russian share of arms imports over the last ``window`` years.

    Years with a known total only; carried forward after the data (zeros without data); then
    scaled by the lever :data:`ARMS_LEVER` where the scenario sets it.
    """
    shape = (model.n_years, len(model.actors))
    obs = model.obs
    frm, tot = obs.get("arms_from_russia"), obs.get("arms_total")
    share = np.zeros(shape, dtype=np.float32)
    if frm is not None and tot is not None:
        known = np.isfinite(tot)
        a = np.cumsum(np.where(known, np.nan_to_num(frm, nan=0.0), 0.0), axis=0)
        b = np.cumsum(np.where(known, tot, 0.0), axis=0)
        a[window:] -= a[:-window].copy()
        b[window:] -= b[:-window].copy()
        raw = np.where(b > 0, a / np.maximum(b, 1e-12), 0.0)
        share = carried_forward(np.where(known, clip(raw, 0.0, 1.0), np.nan), shape)
    return scaled_arms_share(share, model.levers.get(ARMS_LEVER))


def world_series(model: Any) -> dict[str, np.ndarray]:
    """Yearly world context rows ``(years, actors)`` (zeros where the scenario has no data).

    The Russian share of a state's arms imports over the last ``arms_window`` observed years
    (the declared default, or the model's nominal value) and its trade shares with Russia and
    China, each carried forward after its data (the coalition forecast reads them).
    """
    shape = (model.n_years, len(model.actors))
    spec = model.params.get("arms_and_energy.arms_window")
    window = spec.nominal if spec is not None else ArmsAndEnergy.defaults()["arms_window"]
    return {"_arms_share_russia": arms_share(model, round(window)),
            "_trade_share_russia": carried_forward(model.obs.get("trade_share_russia"), shape),
            "_china_trade_share": carried_forward(model.obs.get("trade_share_china"), shape)}


@register
class ArmsAndEnergy(Mechanism):
    """Arms deliveries and energy trade tie recipients to Moscow (C1, B1; seed 002, 001).

    The alignment target of a state moves towards Russia by ``arms_effect`` times the Russian
    share of its arms imports plus ``trade_effect`` times its trade share with Russia, scaled by
    Russia's capacity (the energy windfall paid for the reach; counted up to ``capacity_cap``).
    The Russian share of arms imports is summed over the last ``arms_window`` observed years
    (deliveries are lumpy) and carried forward after the data.
    """

    name = "arms_and_energy"
    theory = ("C1", "B1")
    evidence = ("W_I_energy_corruption", "W_I_fuel_energy", "W_I_windfall")
    params = (
        Param("arms_effect", 0.3, "pull towards Russia of a state that buys all its arms from "
              "Russia, at capacity 1", "alignment units", (0.0, 2.0),
              search={"pooled": (0.02, 1.5)}),
        Param("trade_effect", 0.5, "pull towards Russia per unit of trade share with Russia, at "
              "capacity 1", "alignment units per trade share", (0.0, 5.0),
              search={"pooled": (0.02, 3.0)}),
        Param("capacity_cap", 2.0, "capacity above which arms and energy deals reach no "
              "further", "capacity", (0.0, 10.0)),
        Param("arms_window", 5.0, "years of arms deliveries summed for a state's Russian share "
              "of arms imports (a per-run value: its nominal, rounded)", "years", (1.0, 20.0)),
    )
    reads = ("capacity",)
    writes = ("target_shift",)
    context = ("arms_share_russia", "trade_share_russia", "neighbours")
    provides = {"arms_share_russia": "(actors,) float32: Russian share of the state's arms "
                                     "imports over the last arms_window observed years "
                                     "(carried forward)"}

    @classmethod
    def provide(cls, init: StartContext) -> dict[str, Any]:
        """The Russian share of each state's arms imports, year by year."""
        return {"arms_share_russia": Yearly(arms_share(init.model,
                                                       round(init.nominal(cls, "arms_window"))))}

    def step(self, st: State, cx: StepContext) -> None:
        """Add the arms and energy pull to the target shift."""
        p = cx.p
        cap = clip(st.capacity, 0.0, p.member("capacity_cap"))[:, None]
        tie = p["arms_effect"] * cx.arms_share_russia + \
            p["trade_effect"] * cx.trade_share_russia
        st.target_shift -= tie * cap * cx.neighbours


@register
class DistantMilitaryPresence(Mechanism):
    """Bases, advisers and contractors far from home bind host governments (C2; seed 002).

    A host's alignment target moves towards Russia by ``presence_effect`` times Russia's
    presence there (the scenario's ``russian_presence``: Syria, Libya, the Central African
    Republic, Sudan, Venezuela). The presence is mostly a show of force (warplanes and ships for
    bluffing), so it binds the host and no one else.
    """

    name = "distant_military_presence"
    theory = ("C2",)
    evidence = ("W_I_syria", "W_I_venezuela", "W_I_africa", "W_I_middle_east", "W_I_bluffing")
    params = (
        Param("presence_effect", 0.5, "pull towards Russia of a host with full presence",
              "alignment units", (0.0, 2.0)),
    )
    writes = ("target_shift",)
    context = ("russian_presence", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the pull of presence to the hosts' target shift."""
        st.target_shift -= cx.p["presence_effect"] * cx.russian_presence * cx.neighbours


@register
class ChosenBargains(Mechanism):
    """Deals with chosen states dilute US weight; the partners bargain in turn (A4, D3; 002).

    A chosen partner (the scenario's ``bargain_partner``: India and Brazil, the new powers
    Lavrov names, ``W_R_new_powers``; Serbia, which has drawn closer to Moscow,
    ``W_B_close_partners``) is pulled towards Russia by ``bargain_strength`` times the weight of
    the multipolar aim.
    The partner sells its weight: it moves only ``1 - hedge`` of that way, keeping its own
    room between Russia and the West (partners play on Russia's quarrel with the West).
    """

    name = "chosen_bargains"
    theory = ("A4", "D3")
    evidence = ("W_A_dilute", "W_R_new_powers", "W_R_play_west", "W_B_close_partners")
    params = (
        Param("bargain_strength", 0.4, "pull towards Russia of a bargain at full weight of the "
              "multipolar aim", "alignment units", (0.0, 2.0)),
        Param("hedge", 0.5, "share of the pull a partner keeps back to bargain with both sides",
              "share", (0.0, 1.0)),
    )
    writes = ("target_shift",)
    context = ("bargain_partner", "neighbours")
    shared = ("aims.multipolar_order",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the bargains' pull to the partners' target shift."""
        p = cx.p
        pull = p["bargain_strength"] * p["aims.multipolar_order"] * (1.0 - p["hedge"])
        st.target_shift -= pull * cx.bargain_partner * cx.neighbours


@register
class WesternNormativePull(Mechanism):
    """The West's rules draw democracies and its allies away from Russia (D1, D5, D7; 002).

    Two normative systems stand against each other: rules, openness and law against power over
    law. A state's alignment target moves away from Russia by ``effect`` times ``pull`` times
    its ``western_pull`` (high for the West, its allies and EU candidates) times its democracy
    raised to ``democracy_exponent``: the rules attract those who live by them.

    How states answer a breach of those rules (a use of force) is the shared ``use_of_force``
    mechanism's, fitted on 2008 and 2014: this term reads no events, so a switched-off
    ``use_of_force`` leaves no answer anywhere.
    """

    name = "western_normative_pull"
    theory = ("D1", "D5", "D7")
    evidence = ("W_R_normative_standoff", "W_R_law_power", "W_R_liberal_alliances")
    params = (
        Param("pull", 1.0, "weight of the West's normative pull (perspectives differ)", "-",
              (0.0, 3.0)),
        Param("effect", 0.35, "shift away from Russia of a full democracy under full pull",
              "alignment units", (0.0, 2.0),
              search={"pooled": (0.05, 1.5)}),
        Param("democracy_exponent", 1.0, "convexity of the pull in democracy", "-",
              (0.0, 10.0)),
    )
    reads = ("democracy",)
    writes = ("target_shift",)
    context = ("western_pull", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the West's pull to the target shift."""
        p = cx.p
        dem = clip(st.democracy, 0.0, 1.0) ** p["democracy_exponent"]
        st.target_shift += p["effect"] * p["pull"] * cx.western_pull * dem * cx.neighbours


@register
class InterferenceBacklash(Mechanism):
    """Russia's interference pushes the democracies it touches away (D1, C4; 002, 001).

    The attraction-assertion dilemma, worldwide: where Moscow's networks reach (the state's
    ``patronage_tie``, the reach of ``patronage_networks``), meddling, subversion and the
    2016 coup attempt in Montenegro make Russia look like a state imposing itself on the world
    (002, ``W_I_meddling``, ``W_I_montenegro``); transparent democracies are what such a regime
    fears and fights (``W_R_democracy_threat``), and they answer by turning away. A state's
    alignment target moves away from Russia by ``backlash`` times the tie times its democracy,
    scaled like the networks by Russia's capacity (up to ``capacity_cap``). The same ties pull
    autocracies towards Russia (``patronage_networks``), so the net effect of interference
    changes sign with the regime.
    """

    name = "interference_backlash"
    theory = ("D1", "C4")
    evidence = ("W_I_meddling", "W_I_montenegro", "W_R_democracy_threat")
    params = (
        Param("backlash", 0.05, "shift away from Russia of a full democracy fully reached by "
              "Russia's networks, at capacity 1", "alignment units", (0.0, 2.0),
              search={"pooled": (0.0, 2.0)}),
        Param("capacity_cap", 2.0, "capacity above which interference reaches no further",
              "capacity", (0.0, 10.0)),
    )
    reads = ("democracy", "capacity")
    writes = ("target_shift",)
    context = ("patronage", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the democracies' push away from Russia's interference to the target shift."""
        p = cx.p
        cap = clip(st.capacity, 0.0, p.member("capacity_cap"))[:, None]
        dem = clip(st.democracy, 0.0, 1.0)
        st.target_shift += p["backlash"] * cx.patronage * dem * cap * cx.neighbours


@register
class ChinaBacking(Mechanism):
    """Rival to the seeds: trade with China gives cover to vote with Russia (hypothesis).

    No passage says that states trading with China vote with Russia. Seed 004 says Moscow
    seeks China's backing on the big global questions (``W_R_china_enlist``: China's own
    stance) and works to keep China's presence out of the post-Soviet space
    (``W_R_china_limit``), which the neighbourhood's ``china_pull`` carries as a drain on
    Russia's sphere with no effect on votes. So ``cover`` is 0 by default, and the world's
    hypothesis ``china_votes_with_russia`` (the neighbourhood's rival of the same name) sets
    it to the pooled fit's value: a state's alignment target moves towards Russia by
    ``cover`` times its trade share with China, relative to ``full_share``. A negative cover
    (trade with China drawing states away from Russia) is within the fit's bounds.
    """

    name = "china_backing"
    theory = ("D6",)
    evidence = ("W_R_china_enlist", "W_R_china_limit")
    params = (
        Param("cover", 0.0, "pull towards Russia of a state whose trade share with China is "
              "full_share (0: the seeds' default; the hypothesis china_votes_with_russia sets "
              "it)", "alignment units", (-2.0, 2.0),
              search={"pooled": (-1.0, 1.0)}, hypothesis="china_votes_with_russia"),
        Param("full_share", 0.3, "trade share with China that gives the full cover",
              "trade share", (0.01, 1.0)),
    )
    writes = ("target_shift",)
    context = ("china_trade_share", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add China's cover to the target shift."""
        p = cx.p
        share = np.minimum(cx.china_trade_share / p["full_share"], 1.0)
        st.target_shift -= p["cover"] * share * cx.neighbours


@register
class SovereigntyNorm(Mechanism):
    """Named assumption ``hedging_outside_the_blocs``: states outside the blocs hedge (A4).

    Moscow pitches an order of sovereign states, each balancing its own interests and its
    partners' (002, ``W_R_sovereignty``), where rising powers cannot be held back and need not
    side with the West (``W_R_cannot_contain``). The passages are Moscow's pitch; none says how
    other states answer it. That states outside the West's pull hedge towards the middle is an
    assumption of this model, kept because the pooled fit needs a level for the Global South,
    and switchable: the hypothesis ``no_hedging`` sets ``strength`` to 0. A state the West's
    pull does not hold (``1 - western_pull``) has its alignment target drawn part of the way
    (``strength``) towards ``centre``.
    """

    name = "sovereignty_norm"
    theory = ("A4",)
    evidence = ("W_R_sovereignty", "W_R_cannot_contain", "W_R_post_west")
    params = (
        Param("strength", 0.3, "share of the distance to the centre added to the target of a "
              "state with no Western pull", "share", (0.0, 1.0),
              search={"pooled": (0.02, 1.0)}),
        Param("centre", 0.3, "the middle ground towards which hedging states lean",
              "alignment", (-1.0, 1.0)),
    )
    reads = ("alignment",)
    writes = ("target_shift",)
    context = ("western_pull", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the hedge towards the centre to the target shift."""
        p = cx.p
        free = (1.0 - cx.western_pull) * cx.neighbours
        st.target_shift += p["strength"] * free * (p["centre"] - st.alignment)
