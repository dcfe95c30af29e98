"""Negotiation strategies: one registry, and :func:`make_strategy` to build one by name.

A strategy is named by its registry name, by a dotted path to a class
(``"package.module:ClassName"`` or ``"package.module.ClassName"``), or by the name
of an entry point in the group ``detente.strategies`` (see docs/strategies.md).

Examples
--------
>>> sorted(REGISTRY)[:3]
['big-deal', 'boulware', 'conceder']
>>> make_strategy("grit", patience=2)
Grit(step=0.5, patience=2, tolerance=0.2, min_trust=0.0, opportunistic=False, margin=0.5)
>>> make_strategy("tit-for-tatt")
Traceback (most recent call last):
...
detente.simulate.strategies.base.StrategyError: strategy tit-for-tatt: unknown strategy; did you mean 'tit-for-tat'? ...
"""

from __future__ import annotations

import ast
import difflib
import importlib
import inspect
from importlib.metadata import entry_points
from typing import Any

from .base import Proposal, Strategy, StrategyError
from .pressure import BigDeal, Hardliner, MaximumPressure
from .reciprocity import FreezeForFreeze, Grit, TitForTat
from .stepwise import StepByStep
from .time_based import Boulware, Conceder

__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Proposal",
    "Strategy",
    "StrategyError",
    "describe",
    "make_strategy",
    "parse_spec",
]

ENTRY_POINT_GROUP = "detente.strategies"

REGISTRY: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        MaximumPressure,
        BigDeal,
        StepByStep,
        TitForTat,
        Grit,
        FreezeForFreeze,
        Boulware,
        Conceder,
        Hardliner,
    )
}


def _load_class(spec: str) -> type[Strategy]:
    if ":" in spec:
        module_name, _, attr = spec.partition(":")
    else:
        module_name, _, attr = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise StrategyError.of(spec, f"cannot import module {module_name!r}: {exc}") from exc
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise StrategyError.of(spec, f"module {module_name!r} has no attribute {attr!r}")
        obj = getattr(obj, part)
    return _as_strategy_class(spec, obj)


def _as_strategy_class(spec: str, obj: object) -> type[Strategy]:
    if not (inspect.isclass(obj) and issubclass(obj, Strategy)):
        raise StrategyError.of(spec, f"{obj!r} is not a subclass of detente.simulate.strategies.Strategy")
    return obj


def _entry_point(name: str) -> type[Strategy] | None:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return _as_strategy_class(name, ep.load())
    return None


def strategy_class(spec: str) -> type[Strategy]:
    """The class a spec names (registry, entry point, or dotted path)."""
    if spec in REGISTRY:
        return REGISTRY[spec]
    found = _entry_point(spec)
    if found is not None:
        return found
    if "." in spec or ":" in spec:
        return _load_class(spec)
    known = sorted(REGISTRY) + sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    close = difflib.get_close_matches(spec, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise StrategyError.of(
        spec, f"unknown strategy; {hint}known: {', '.join(known)} (or a dotted path 'package.module:Class')"
    )


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name(key=value, ...)"`` into the name and its parameters (Python literals).

    >>> parse_spec("grit(patience=2, step=1.0)")
    ('grit', {'patience': 2, 'step': 1.0})
    >>> parse_spec("tit-for-tat")
    ('tit-for-tat', {})
    """
    spec = spec.strip()
    if "(" not in spec and ")" not in spec:
        return spec, {}
    hint = "expected name(key=value, ...) with Python literals, e.g. grit(patience=2, step=1.0)"
    if not spec.endswith(")") or "(" not in spec:
        raise StrategyError.of(spec, f"unbalanced parentheses; {hint}")
    name, _, rest = spec.partition("(")
    try:
        call = ast.parse(f"f({rest}", mode="eval").body
    except SyntaxError as exc:
        raise StrategyError.of(spec, f"cannot read the parameters ({exc.msg}); {hint}") from exc
    if not isinstance(call, ast.Call) or call.args or any(k.arg is None for k in call.keywords):
        raise StrategyError.of(spec, f"only key=value parameters are allowed; {hint}")
    params: dict[str, Any] = {}
    for kw in call.keywords:
        try:
            params[str(kw.arg)] = ast.literal_eval(kw.value)
        except ValueError as exc:
            text = ast.get_source_segment(f"f({rest}", kw.value) or "?"
            raise StrategyError.of(
                spec, f"{kw.arg}={text}: not a Python literal (quote strings, use True/False); {hint}"
            ) from exc
    return name.strip(), params


_SIGNATURES: dict[type[Strategy], inspect.Signature] = {}


def _signature(cls: type[Strategy]) -> inspect.Signature:
    """``inspect.signature(cls.__init__)``, remembered (a Monte Carlo run makes strategies per replicate)."""
    sig = _SIGNATURES.get(cls)
    if sig is None:
        sig = _SIGNATURES[cls] = inspect.signature(cls.__init__)
    return sig


def make_strategy(spec: str, **params: Any) -> Strategy:
    """A configured strategy from a registry name, an entry point or a dotted path.

    Parameters
    ----------
    spec : str
        ``"tit-for-tat"``, ``"mypkg.mymodule:MyStrategy"``, ``"mypkg.mymodule.MyStrategy"``,
        or an entry point name in the group ``detente.strategies``; any of these may carry
        parameters as ``"name(key=value, ...)"`` with Python literals as values, so that a
        configured strategy fits in one string (``"tit-for-tat(opportunistic=True)"``).
    **params
        The strategy's parameters (they override those written in ``spec``).

    Raises
    ------
    StrategyError
        (a :class:`~detente.model.errors.ScenarioError`) for an unknown name (with a "did you
        mean"), an unknown parameter, or a parameter out of range.
    """
    spec, written = parse_spec(spec)
    params = {**written, **params}
    cls = strategy_class(spec)
    sig = _signature(cls)
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    names = [n for n in sig.parameters if n != "self"]
    for key in params:
        if key not in names and not accepts_any:
            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(names) or "none"
            raise StrategyError.of(spec, f"no parameter {key!r}{hint} (parameters: {known})")
    try:
        strategy = cls(**params)
    except (TypeError, ValueError) as exc:
        raise StrategyError.of(spec, f"cannot be built with {params!r}: {exc}") from exc
    strategy.checked()
    return strategy


def describe() -> list[dict[str, str]]:
    """Name, description and reference of every registered strategy."""
    return [{"name": n, "description": c.description, "reference": c.reference} for n, c in REGISTRY.items()]
