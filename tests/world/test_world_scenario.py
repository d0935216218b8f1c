"""The bundled russia-world scenario: 193 generated actors, cited mechanisms, resolving citations."""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from multipolar.evidence import Corpus, check_scenario
from multipolar.scenario import Citation, load_scenario

SEEDS = Path(os.environ.get("MULTIPOLAR_CORPUS") or "/work/shared/seeds")
CITATIONS = Path(str(resources.files("multipolar") / "scenarios" / "russia-world"
                     / "citations.yaml"))
WORD = re.compile(r"[a-z0-9]+")


def test_scenario_generates_every_member_with_group_defaults():
    sc = load_scenario("russia-world").scenario
    assert len(sc.actors) == 193
    by = {a.id: a for a in sc.actors}
    assert by["RUS"].role == "core" and by["CHN"].role == "great_power"
    assert by["DEU"].region == "west" and by["ARM"].region == "post_soviet"
    pull = by["DEU"].attributes["western_pull"]
    assert getattr(pull, "value", None) == 0.9  # the West's group default
    assert getattr(by["NGA"].attributes["western_pull"], "value", None) == 0.3  # set default
    assert by["SYR"].attributes["russian_presence"] == 1.0  # per-actor override
    for m in ("arms_and_energy", "patronage_networks", "kindred_regimes",
              "distant_military_presence", "chosen_bargains", "use_of_force",
              "western_normative_pull", "china_backing", "sovereignty_norm", "alignment",
              "resource_rents", "russia_standing"):
        assert sc.mechanisms[m].evidence, m
    assert set(sc.hypotheses) == {"strategic", "opportunist", "china_votes_with_russia",
                                  "no_hedging", "no_isolation_after_force",
                                  "isolation_from_the_assembly"}
    # seed 002 lists the Baltic states apart from the CIS: EU and NATO members, near Russia
    for baltic in ("EST", "LVA", "LTU"):
        assert by[baltic].region == "west"
        assert by[baltic].attributes["near_russia"] == 1.0
    presence = by["LBY"].attributes["russian_presence"]  # no passage puts Russians in Libya
    assert getattr(presence, "value", presence) == 0.0
    assert [(e.target, e.year) for e in sc.events] == [("GEO", 2008), ("UKR", 2014)]
    assert all(e.evidence and "source:" in (e.description or "") for e in sc.events)


def test_citations_are_new_short_and_own_words():
    lib = {k: Citation.model_validate(v)
           for k, v in yaml.safe_load(CITATIONS.read_text(encoding="utf-8")).items()}
    assert len(lib) >= 40
    assert all(k.startswith("W_") for k in lib)
    assert sum(c.doc.startswith("002") for c in lib.values()) >= 40
    for cid, c in lib.items():
        assert len(WORD.findall(c.locator.lower())) <= 12, cid
        assert WORD.findall(c.locator.lower()) != WORD.findall(c.claim.lower()), cid


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed folder at {SEEDS}")
def test_every_citation_resolves_and_claims_do_not_copy():
    sc = load_scenario("russia-world").scenario
    rep = check_scenario(sc, Corpus.from_dir(SEEDS))
    assert rep.missing == []
    assert rep.citations >= 40
    seeds = [WORD.findall(p.read_text(encoding="utf-8").lower().replace("-\n", ""))
             for p in SEEDS.glob("*.txt")]
    shingles = {" ".join(w[i:i + 10]) for w in seeds for i in range(len(w) - 9)}
    for cid, c in sc.citations.items():
        words = WORD.findall(c.claim.lower())
        assert not any(" ".join(words[i:i + 10]) in shingles for i in range(len(words) - 9)), cid


def test_perspectives_and_hypotheses_apply():
    def value(ld, mech, param):
        return ld.scenario.mechanisms[mech].params[param].value

    # perspectives sit at the ends of the fitted ranges (uniform 0.5-1.5: quantiles 0.1, 0.9)
    base = load_scenario("russia-world").scenario.mechanisms["western_normative_pull"]
    assert (base.params["pull"].low, base.params["pull"].high) == (0.5, 1.5)
    assert value(load_scenario("russia-world", perspective="kremlin"),
                 "western_normative_pull", "pull") == pytest.approx(0.6)
    assert value(load_scenario("russia-world", perspective="western"),
                 "western_normative_pull", "pull") == pytest.approx(1.4)
    assert value(load_scenario("russia-world", hypothesis="opportunist"),
                 "chosen_bargains", "bargain_strength") == 0.2
    assert value(load_scenario("russia-world", hypothesis="strategic"),
                 "chosen_bargains", "bargain_strength") == 0.6
