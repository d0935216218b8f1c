"""Versioned data sets: the bundled reference data and the user's imported updates.

:mod:`~multipolar.datasets.store` keeps named versions in a user data directory (platformdirs;
``MULTIPOLAR_DATA_DIR`` overrides it) and resolves a data file of the active version (the
``--data`` option or ``MULTIPOLAR_DATA``; default the newest import, else the bundled set).
:mod:`~multipolar.datasets.importers` reads the sources' published formats (UN Digital Library
votes, Voeten ideal points, V-Dem, Brent, dated events), checks them and derives the model's
tables exactly as the bundled ones were built; :mod:`~multipolar.datasets.publish` writes rows
back out in those formats (the round-trip test uses it).
"""
