"""The accession and exit hazards of every open format at once are each format's own.

``institutions._hazards`` computes the hazards over every open format's eligible columns side
by side; here they are compared, byte for byte, with the formulas applied one format at a
time (``join_logit``, ``exit_logit``, the red lines and the conflict barrier), with the
hazards' parameters fixed (plain floats) and drawn per member (float32 columns), in a
projected year of the flagship scenario and with a format in its founding year.
"""

from __future__ import annotations

import numpy as np
import pytest

from multipolar.core import rng
from multipolar.model.api import compile_model
from multipolar.model.engine import _member_params, _Run
from multipolar.model.mechanisms._maths import logistic
from multipolar.model.mechanisms.institutions import (
    Institutions,
    _Format,
    _hazards,
    exit_logit,
    join_logit,
    lean,
)
from multipolar.model.state import State, StepContext
from multipolar.scenario import load_scenario

N = 23


def _one_format(st: State, cx: StepContext, f: _Format, before: np.ndarray, open_: list[bool]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Format ``f``'s hazards on its eligible columns, as computed one format at a time."""
    p, k, cols = cx.p, f.k, f.cols
    lean_ = lean(st.alignment[:, cols], f.pole == 1)
    depth = before[[j for j in f.same if open_[j]]][:, :, cols].sum(axis=0)
    logit = join_logit(p, f.pole, lean_, depth, float(cx.institution_founding[k]),
                       cx.attractiveness[:, k:k + 1])
    red = cx.red_line_scope[cols, k]
    if red.any():
        logit = logit - st.red_line_hold[:, cols] * red[None, :]
    p_join = logistic(logit)
    if f.conflict:
        p_join = p_join * (1.0 - st.accession_barrier[:, cols])
    return p_join, logistic(exit_logit(p, f.pole, lean_, depth))


@pytest.mark.parametrize("drawn", [False, True])
def test_the_formats_hazards_at_once_are_each_formats_own(drawn: bool) -> None:
    model = compile_model(load_scenario("russia-neighbourhood"), start=1992, end=2030)
    keys = rng.member_keys(5, 0, N)
    g = np.random.default_rng(3)
    given: dict[str, np.ndarray] = {}
    if drawn:  # per-member values: float32 (members, 1) columns in the mechanism's view
        for name, lo, hi in (("join_base_east", -5, -1), ("join_base_west", -6, -2),
                             ("join_lean", 2, 9), ("join_depth", -1, 1),
                             ("join_founding", 1, 5), ("exit_base_east", -6, -2),
                             ("exit_lean", 1, 5), ("exit_depth", -0.5, 0.5)):
            given[f"institutions.{name}"] = g.uniform(lo, hi, N)
    run = _Run(model, _member_params(model, keys, given), keys)
    run.initialise()
    t = int(np.searchsorted(model.years, model.observed_until)) + 2  # a projected year
    for year in range(1, t + 1):
        run.advance(year)
    i = [name for name, _ in run.steps].index("institutions")
    mech, cx = run.steps[i][1], run.contexts[i]
    assert isinstance(mech, Institutions) and not cx.observed
    st = run.st
    st.alignment = g.uniform(-0.5, 1.0, st.alignment.shape).astype(np.float32)
    before = g.random(st.membership.shape) < 0.4
    plan = mech._plan(cx)
    for founding in (cx.institution_founding, np.arange(len(plan.formats)) == 1):
        cx._items["institution_founding"] = founding
        open_ = cx.institution_open.tolist()
        lay = plan.layout(open_)
        own = before.transpose(1, 0, 2)[:, lay.formats, lay.actors]
        p_join, p_exit = _hazards(st, cx, lay, before, own)
        assert p_join.dtype == p_exit.dtype == np.float64
        for f in lay.live:
            want_join, want_exit = _one_format(st, cx, f, before, open_)
            c = lay.columns[f.k]
            assert np.ascontiguousarray(p_join[:, c]).tobytes() == want_join.tobytes(), f.k
            assert np.ascontiguousarray(p_exit[:, c]).tobytes() == want_exit.tobytes(), f.k
