"""The ground: modules every other part may use and that import nothing else of the package.

* :mod:`~multipolar.core.errors`: :class:`~multipolar.core.errors.MultipolarError`, the one
  error type users see (with file, place and fix);
* :mod:`~multipolar.core.seeding` and :mod:`~multipolar.core.rng`: seeds and the counter
  random number generator keyed by member and stream;
* :mod:`~multipolar.core.jsonutil`: plain JSON out of NumPy values;
* :mod:`~multipolar.core.labels`: the words shown for the alignment scale and the seeds;
* :mod:`~multipolar.core.textformat`: how results are written as text.

Nothing here imports another ``multipolar`` package (``make lint-imports`` checks it), so the
sub-modules are not imported by this ``__init__``: importing one costs only that one.
"""
