"""Pictures: fan charts of ensemble outcomes and the world choropleth.

* :mod:`~multipolar.figures.plots`: PNG fan charts and membership charts of a run's summary;
* :mod:`~multipolar.figures.worldmap`: the world map (PNG, or a self-contained SVG) of a value
  per state.

The report's own figures (PNG bytes for the HTML report) are in :mod:`multipolar.report.figures`.
Depends on matplotlib, NumPy and the ground (:mod:`multipolar.core`, :mod:`multipolar.data`).
"""
