"""Contract and behaviour of ``russia_standing`` and of the two scales ``alignment`` keeps.

The contract's hand-made state has Russia (actor 0) at 0 and the US (not an actor) at 2.5 on
the data's scale, in a year after the record, with a use of force this year (``breach`` 1,
``contract.make_state``).
"""

from __future__ import annotations

import numpy as np

from multipolar.model.mechanisms import alignment, standing
from tests.model.mechanisms.contract import MechanismContract, Situation

S = Situation
QUIET = {"param.russia_noise": 0.0, "param.us_noise": 0.0, "param.russia_drift": 0.0,
         "param.us_drift": 0.0}
NO_FORCE = {"state.breach": 0.0}  # no use of force this year (use_of_force writes it)
BELOW = {"state.ideal_point": lambda x: x - 3.0}  # the Assembly's centre below Russia
ABOVE = {"state.ideal_point": lambda x: x + 3.0}  # ... and above it
ASSEMBLY = {"param.from_assembly": 1.0}  # the hypothesis isolation_from_the_assembly
OTHERS = np.s_[:, 1:]


class TestRussiaStanding(MechanismContract):
    mechanism = standing.RussiaStanding
    behaviour = (
        S("a breach isolates Russia from the West: 002 'could isolate the nation and derail "
          "its modernization'", "russia_position", -1, QUIET, {**QUIET, **NO_FORCE}),
        S("... a step, not an exit: 002 'can no longer be completely isolated from the West'",
          "russia_position", +1, {**QUIET, "param.isolation": 0.3},
          {**QUIET, "param.isolation": 0.6}),
        S("Russia turning from the West moves every other state away from it on the relative "
          "scale", "alignment", +1, QUIET, {**QUIET, **NO_FORCE}, OTHERS),
        S("the others' own votes need not move: their ideal points stay", "ideal_point", 0,
          QUIET),
        S("read as isolation from the Assembly: away from its centre, below Russia",
          "russia_position", +1, {**QUIET, **BELOW, **ASSEMBLY},
          {**QUIET, **BELOW, **ASSEMBLY, **NO_FORCE}),
        S("... or above it", "russia_position", -1, {**QUIET, **ABOVE, **ASSEMBLY},
          {**QUIET, **ABOVE, **ASSEMBLY, **NO_FORCE}),
        S("no use of force, no drift, no noise: the poles stay", "russia_position", 0,
          {**QUIET, **NO_FORCE}),
        S("in an observed year the record holds the poles", "russia_position", 0,
          {"observed": True}),
    )

    def test_relative_positions_are_derived_from_the_ideal_points(self) -> None:
        before, after = self.run_in({})
        r, u = after.russia_position[:, None], after.us_position[:, None]
        want = (after.ideal_point - r) / (u - r)
        assert np.allclose(after.alignment[:, 1:], want[:, 1:], atol=1e-5)
        assert np.allclose(after.alignment[:, 0], 0.0)  # Russia's column: 0 by definition
        assert (after.russia_position != before.russia_position).all()  # the noise moved it

    def test_russia_like_states_move_most(self) -> None:
        """The further a state from the US, the larger its relative move when Russia moves."""
        _, moved = self.run_in(QUIET)
        _, still = self.run_in({**QUIET, **NO_FORCE})
        shift = np.abs(moved.alignment - still.alignment)[:, 1:]
        dist = (moved.us_position[:, None] - moved.ideal_point)[:, 1:]
        for m in range(shift.shape[0]):
            order = np.argsort(dist[m])
            assert (np.diff(shift[m][order]) > 0).all()

    def test_the_us_stays_above_russia(self) -> None:
        _, after = self.run_in({**QUIET, "param.russia_drift": 3.0})
        assert (after.us_position - after.russia_position >= 0.5 - 1e-6).all()


class TestAlignmentScales:
    """``alignment`` converts targets when the poles have moved, and not otherwise."""

    case = type("Case", (MechanismContract,), {"mechanism": alignment.Alignment})()
    quiet = {"param.noise": 0.0, "param.common_noise": 0.0, "state.alignment_jump": 0.0}

    def test_unmoved_poles_leave_the_relative_model_as_it_was(self) -> None:
        _, after = self.case.run_in(self.quiet)
        x = after.alignment
        want = after.russia_position[:, None] + x * (after.us_position - after.russia_position
                                                     )[:, None]
        assert np.allclose(after.ideal_point, want, atol=1e-5)

    def test_a_target_stays_put_on_the_data_scale_when_russia_moves(self) -> None:
        """At its target a state stays where it was on the data's scale, Russia moved or not.

        Its alignment is its target in the reference units (Russia 0, US 2.5); Russia then
        moves to 0.5: the state's ideal point does not follow, its relative position does.
        """
        at = {**self.quiet, "state.alignment": 0.4, "state.target_shift": 0.4,
              "param.base": 0.0, "param.democracy_effect": 0.0,
              "state.ideal_point": 0.4 * 2.5}
        _, still = self.case.run_in(at)
        moved_in = {**at, "state.russia_position": 0.5,
                    "state.alignment": (1.0 - 0.5) / (2.5 - 0.5)}
        _, moved = self.case.run_in(moved_in)
        assert np.allclose(still.ideal_point[:, 1:], 1.0, atol=1e-5)
        assert np.allclose(moved.ideal_point[:, 1:], 1.0, atol=1e-5)
        assert np.allclose(moved.alignment[:, 1:], 0.25, atol=1e-5)
