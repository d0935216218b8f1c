"""The simulation model: a scenario compiled to arrays, simulated member by member.

* :mod:`~multipolar.model.api`: the contract every executor and workflow uses
  (``compile_model``, ``simulate``, ``summarise``);
* :mod:`~multipolar.model.compile`: the compiler (a loaded scenario -> a ``CompiledModel``);
* :mod:`~multipolar.model.engine`: the vectorised engine that steps the members year by year;
* :mod:`~multipolar.model.mechanisms`: the mechanisms, each citing the seed passage it encodes;
* :mod:`~multipolar.model.state`: the state the mechanisms read and write;
* :mod:`~multipolar.model.summary`: a batch of members reduced to per actor-year quantiles.

The model knows no executor, store, screen or workflow (``make lint-imports`` checks it).
Nothing is imported here, so importing one sub-module costs only that one.
"""
