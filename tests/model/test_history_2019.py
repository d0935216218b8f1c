"""The flagship follows the record up to its last observed year (2019), in every member.

Memberships after 2014 come from the scenario's institution histories (the COW data end in
2014); democracy follows V-Dem; the conflicts of 2014 are in place. After 2019 the model takes
over, but an institution that no longer exists (EurAsEC) takes nobody in.
"""

from __future__ import annotations

import numpy as np

from multipolar.data import column_by_actor_year

from .conftest import compiled, run


def _member(res, actor: str, inst: str, year: int) -> np.ndarray:
    t = list(res.years).index(year)
    return res.memberships[:, t, res.actors.index(actor), res.institutions.index(inst)]


def test_the_flagship_observes_until_2019() -> None:
    assert compiled().observed_until == 2019


def test_memberships_follow_the_record_until_2019() -> None:
    res = run()
    every = {  # (actor, institution, year): member in every ensemble member?
        ("Armenia", "EAEU", 2015): True, ("Kyrgyzstan", "EAEU", 2015): True,
        ("Belarus", "EAEU", 2019): True, ("Tajikistan", "EAEU", 2019): False,
        ("Armenia", "EAEU", 2014): False, ("Kazakhstan", "EurAsEC", 2014): True,
        ("Kazakhstan", "EurAsEC", 2015): False, ("Ukraine", "CIS", 2017): True,
        ("Ukraine", "CIS", 2018): False, ("Georgia", "CIS", 2009): False,
        ("Ukraine", "EU_association", 2016): True, ("Moldova", "EU_association", 2014): True,
        ("Ukraine", "EU", 2019): False, ("Latvia", "EU", 2004): True,
        ("Latvia", "EU", 2003): False, ("Lithuania", "NATO", 2019): True,
        ("Turkmenistan", "CSTO", 2019): False, ("Uzbekistan", "CSTO", 2013): False,
    }
    for (actor, inst, year), want in every.items():
        got = _member(res, actor, inst, year)
        assert (got.all() if want else not got.any()), (actor, inst, year)


def test_democracy_follows_v_dem_until_2019() -> None:
    res = run()
    vdem = column_by_actor_year("actor_year_panel.csv", "v2x_polyarchy")
    j = res.actors.index("Armenia")
    for year in (2017, 2018, 2019):
        t = list(res.years).index(year)
        assert np.allclose(res.actor_outcomes["democracy"][:, t, j], vdem["Armenia"][year],
                           atol=1e-6)


def test_the_2014_conflict_is_in_place_and_eurasec_takes_nobody_after_it_ended() -> None:
    model = compiled()
    t = list(model.years).index(2019)
    assert model.frozen[t, model.actors.index("Ukraine")] == 1.0
    res = run()
    k = res.institutions.index("EurAsEC")
    after = np.array(res.years) > 2014
    assert not res.memberships[:, after, :, k].any()
