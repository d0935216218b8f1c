"""The world model: every UN member state, Russia's global instruments and the coalition forecast.

Sub-modules: :mod:`~multipolar.world.data` (bundled global tables), :mod:`~multipolar.world.votes`
(the Russia-related General Assembly votes), :mod:`~multipolar.world.features` (state quantities
as of a year), :mod:`~multipolar.world.votemodel` (the multinomial vote model),
:mod:`~multipolar.world.coalition` (the ensemble forecast), :mod:`~multipolar.world.evaluate`
(leave-one-vote-out scores against baselines) and :mod:`~multipolar.world.worldmap` (the PNG
choropleth). None of them needs the simulation engine.
"""
