"""The public description of the mechanisms and the validation of a scenario against them.

:func:`catalogue` lists every implementation with its declarations (for the CLI's
``multipolar mechanisms --json``, the docs and the dashboard). :func:`check_mechanisms` checks a
scenario's mechanisms, implementations and parameters against the declarations, with located
errors.
Depends on :mod:`.base` and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from multipolar.core.errors import Problem, ScenarioError, suggest
from multipolar.model.mechanisms.base import MECHANISMS, SHARED_PARAMS, STREAMS, Param

if TYPE_CHECKING:
    from multipolar.scenario.loader import LoadedScenario


@dataclass(frozen=True)
class MechanismInfo:
    """Public description of a registered mechanism implementation."""

    name: str
    implementation: str
    theory: tuple[str, ...]
    evidence: tuple[str, ...]
    params: tuple[Param, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    context: tuple[str, ...]
    levers: tuple[str, ...]
    shared: tuple[str, ...]
    streams: dict[str, tuple[int, int]]
    doc: str

    @property
    def defaults(self) -> dict[str, float]:
        """``{name: default}`` of the declared parameters."""
        return {p.name: p.default for p in self.params}

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        d = asdict(self)
        d["theory"], d["evidence"] = list(self.theory), list(self.evidence)
        d["params"] = [{"name": p.name, "default": p.default, "unit": p.unit,
                        "bounds": list(p.bounds) if p.bounds else None,
                        "description": p.description} for p in self.params]
        for k in ("reads", "writes", "context", "levers", "shared"):
            d[k] = list(getattr(self, k))
        d["streams"] = {k: {"id": a, "width": w} for k, (a, w) in self.streams.items()}
        return d


def catalogue() -> list[MechanismInfo]:
    """Every registered mechanism implementation, in execution order."""
    out = []
    ranges = STREAMS.names()
    for name in MECHANISMS.order:
        for (n, impl), cls in MECHANISMS.classes.items():
            if n == name:
                out.append(MechanismInfo(
                    n, impl, cls.theory, cls.evidence, cls.params, cls.reads, cls.writes,
                    cls.context, cls.levers, cls.shared, {s: ranges[s] for s in cls.streams},
                    (cls.__doc__ or "").strip()))
    return out


def declared_params() -> dict[str, Param]:
    """Every declared parameter by its dotted path (``mechanism.name``, ``aims.name``)."""
    out: dict[str, Param] = {}
    for name in MECHANISMS.order:
        for pname, p in MECHANISMS.params(name).items():
            out[f"{name}.{pname}"] = p
    out.update(SHARED_PARAMS)
    return out


def search_ranges(fit: str, names: Iterable[str]) -> dict[str, tuple[float, float]]:
    """``{path: (low, high)}``: the range fit ``fit`` searches for each parameter of ``names``.

    Read from the declarations (:attr:`Param.search`), in the order of ``names``; a parameter
    without a declared range for that fit is an error naming it.
    """
    declared = declared_params()
    out: dict[str, tuple[float, float]] = {}
    for path in names:
        p = declared.get(path)
        if p is None or fit not in p.search:
            raise ScenarioError(f"the fit '{fit}' has no search range for '{path}'",
                                field=path, fix=f"declare search={{'{fit}': (low, high)}} on "
                                "the parameter (model/mechanisms)")
        out[path] = p.search[fit]
    return out


def check_mechanisms(enabled: dict[str, bool], impl: dict[str, str], params: dict[str, Any],
                     loaded: LoadedScenario) -> None:
    """Check the scenario's mechanisms against the registry.

    Unknown mechanisms, implementations and parameters (of mechanisms and aims) and values
    outside the declared bounds are located errors with a suggestion. The compiler then fills
    in the declared defaults and clips ranges to the bounds (:func:`clip_to_bounds`).
    """
    problems = _problems(enabled, impl, params, loaded)
    if problems:
        raise ScenarioError(problems=problems,
                            title="the scenario's mechanisms do not match the model")


def _problems(enabled: dict[str, bool], impl: dict[str, str], params: dict[str, Any],
              loaded: LoadedScenario) -> list[Problem]:
    problems: list[Problem] = []
    src = loaded.source
    order = MECHANISMS.order
    for name in enabled:
        if name not in order:
            problems.append(src.problem(("mechanisms", name), f"unknown mechanism '{name}'",
                                        suggest(name, order)))
            continue
        choices = MECHANISMS.implementations(name)
        if impl[name] != "default" and impl[name] not in choices:
            problems.append(src.problem(
                ("mechanisms", name, "implementation"),
                f"mechanism '{name}' has no implementation '{impl[name]}'",
                f"choose one of: {', '.join(choices)}"))
            continue
        allowed = sorted(MECHANISMS.params(name))
        for path in [k for k in params if k.startswith(name + ".")]:
            pname = path[len(name) + 1:]
            if pname not in allowed:
                place = ("mechanisms", name, "params", pname)
                how = "" if place in src.marks else " (written by an override: --set, a " \
                    "perspective or a hypothesis)"
                problems.append(src.problem(
                    place, f"mechanism '{name}' has no parameter '{pname}'{how}",
                    suggest(pname, allowed)))
    aims = sorted(k[len("aims."):] for k in SHARED_PARAMS if k.startswith("aims."))
    for path in [k for k in params if k.startswith("aims.")]:
        aim = path[len("aims."):]
        if aim not in aims:
            problems.append(src.problem(("aims", aim), f"the model has no aim '{aim}'",
                                        suggest(aim, aims)))
    return problems + _bound_problems(params, loaded)


def _bound_problems(params: dict[str, Any], loaded: LoadedScenario) -> list[Problem]:
    """Values outside a parameter's declared bounds.

    A fixed value, and every value of a discrete distribution, must lie within the bounds; a
    continuous distribution must be centred within them (its draws are clipped to them by
    :func:`clip_to_bounds`).
    """
    problems: list[Problem] = []
    declared = declared_params()
    for path, spec in params.items():
        p = declared.get(path)
        if p is None or p.bounds is None:
            continue
        lo, hi = p.bounds
        if spec.dist == "discrete":
            ends, what = list(spec.values), f"its values {list(spec.values)}"
        elif spec.dist is not None:
            ends, what = [spec.nominal], f"its centre {spec.nominal:g}"
        else:
            ends, what = [spec.nominal], f"the value {spec.nominal:g}"
        if all(lo <= float(v) <= hi for v in ends):
            continue
        name, pname = path.split(".", 1)
        place = ("aims", pname) if name == "aims" else ("mechanisms", name, "params", pname)
        problems.append(loaded.source.problem(
            place, f"{path}: {what} lies outside the declared bounds [{lo:g}, {hi:g}]"
            + (f" ({p.unit})" if p.unit not in ("", "-") else ""), f"give a value between "
            f"{lo:g} and {hi:g} (see `multipolar mechanisms --json` for what '{pname}' means)"))
    return problems


def clip_to_bounds(params: dict[str, Any]) -> None:
    """Clip the draws of every continuous distribution to its parameter's declared bounds.

    A calibration re-centres a range on a fitted value near a bound, which may take the
    range's end past it; the draws beyond are set to the bound.
    """
    declared = declared_params()
    for path, spec in params.items():
        p = declared.get(path)
        if p is None or p.bounds is None or spec.dist in (None, "discrete"):
            continue
        lo, hi = p.bounds
        b = spec.bounds or (lo, hi)
        params[path] = replace(spec, bounds=(max(lo, b[0]), min(hi, b[1])))
