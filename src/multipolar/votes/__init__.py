"""The statistical UN vote model: who condemns, abstains, sides with Russia or stays away.

Sub-modules: :mod:`~multipolar.votes.records` (the Russia-related General Assembly votes),
:mod:`~multipolar.votes.features` (state quantities as of a year),
:mod:`~multipolar.votes.votemodel` (the multinomial vote model), :mod:`~multipolar.votes.fitting`
(the honest fit up to a year), :mod:`~multipolar.votes.coalition` (the ensemble forecast) and
:mod:`~multipolar.votes.evaluate` (leave-one-vote-out scores against baselines). They read the
bundled global tables (:mod:`multipolar.data.global_tables`); the map is drawn by
:mod:`multipolar.figures.worldmap`. None of them needs the simulation engine.
"""
