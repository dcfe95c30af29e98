"""The strategy base class: traits on the class, parameters stored by the constructor.

A strategy sees an :class:`~detente.simulate.observation.Observation` and answers
three questions each period: what to propose (:meth:`Strategy.propose`), whether to
accept a proposal (:meth:`Strategy.respond`), and which of its own moves to reverse
(:meth:`Strategy.renege`). The engine works on a private copy of the strategy per
run, injects a random generator as ``self.rng`` and calls :meth:`Strategy.setup`
once before the first period, so a strategy may keep per-run state on ``self``.

Examples
--------
>>> class Passive(Strategy):
...     name = "passive"
...     description = "Never proposes, never accepts."
>>> Passive().get_params()
{}
>>> Passive().respond(None, Proposal())  # doctest: +SKIP
False
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Hashable
from functools import lru_cache
from typing import Any, ClassVar, cast

import numpy as np

from detente.model.errors import Problem, ScenarioError

from ..observation import Observation, Proposal, Verdict

__all__ = ["Proposal", "Strategy", "StrategyError", "pure_key"]

_ATOMS = (str, int, float, bool, type(None))


class StrategyError(ScenarioError):
    """A strategy was misconfigured or did something the rules do not allow."""

    @classmethod
    def of(cls, strategy: str, message: str) -> StrategyError:
        return cls([Problem(f"strategy {strategy}", None, None, "", message)])


class Strategy:
    """Base class of every negotiation strategy.

    Subclasses declare their traits as class attributes and take their parameters as
    keyword arguments of ``__init__``, stored under the same names (so that
    :meth:`get_params` and :meth:`clone` work, scikit-learn style).

    Attributes
    ----------
    name : str
        The registry name.
    description : str
        One line for people.
    reference : str
        Where the strategy comes from.
    simultaneous : bool
        If true, every party proposes in every round while this strategy plays
        (simultaneous offers) instead of taking turns.
    pure : bool
        A promise that :meth:`propose` depends only on the parameters, the party's view of
        the values and ``obs.me``, ``obs.settled`` and ``obs.agenda`` (not on the history,
        the period, trust, the talks, which settled moves are in force, nor ``self.rng``).
        The engine then remembers its proposals per state for every run on the same tables.
        A subclass that overrides :meth:`propose` is not pure unless it declares so itself.
    answer : {"in-kind", "all", "none"} or None
        How it answers another party's reversal or detected breach, declared to the others
        (they read it as ``Observation.answers`` when they weigh a breach): ``"in-kind"``, one
        own move of about the same value per move taken; ``"all"``, every reversible own move
        (snap-back); ``"none"``. ``None`` (the default): ``"none"`` if it never reneges, else
        ``"in-kind"``.
    rng : numpy.random.Generator
        Injected by the engine for each run; use it for any random choice.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    reference: ClassVar[str] = ""
    simultaneous: ClassVar[bool] = False
    pure: ClassVar[bool] = False
    answer: ClassVar[str | None] = None

    @classmethod
    def declared_answer(cls) -> str:
        """:attr:`answer`, or what it is taken to be when not declared."""
        if cls.answer is not None:
            return cls.answer
        return "none" if cls.renege is Strategy.renege else "in-kind"

    @property
    def rng(self) -> np.random.Generator:
        """The run's random generator, made on first use from the seed the engine drew for this strategy."""
        state = self.__dict__
        gen = state.get("_rng")
        if gen is None:
            seed = state.get("_rng_seed")
            if seed is None:
                raise AttributeError("rng: the engine gives a strategy its generator at the start of a run")
            gen = state["_rng"] = np.random.default_rng(seed)
        return gen

    @rng.setter
    def rng(self, value: np.random.Generator) -> None:
        self.__dict__["_rng"] = value

    def seed_rng(self, seed: int) -> None:
        """Give this strategy the generator ``numpy.random.default_rng(seed)`` (made when first used)."""
        self.__dict__.pop("_rng", None)
        self.__dict__["_rng_seed"] = seed

    def __deepcopy__(self, memo: dict[int, Any]) -> Strategy:
        """A deep copy (the engine gives each run its own); an object of atoms is copied directly.

        The common case, a strategy holding only numbers and text, is copied without the
        generic machinery (about 4 against 1 us); anything else goes through ``copy.deepcopy``.
        """
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        state = self.__dict__
        if all(type(v) in _ATOMS for v in state.values()):
            new.__dict__.update(state)
        else:
            new.__dict__.update(copy.deepcopy(state, memo))
        return new

    # ----- configuration -------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters and their current values."""
        out = {}
        for pname, param in inspect.signature(type(self).__init__).parameters.items():
            if pname == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if not hasattr(self, pname):
                raise StrategyError.of(
                    self.label, f"parameter {pname!r} is not stored on the object under the same name"
                )
            out[pname] = getattr(self, pname)
        return out

    def clone(self) -> Strategy:
        """A fresh, unused copy with the same parameters."""
        return type(self)(**self.get_params())

    def validate(self) -> None:
        """Check the parameters; raise :class:`StrategyError` if one is out of range."""

    def checked(self) -> None:
        """:meth:`validate`, with a parameter of the wrong type also reported as a :class:`StrategyError`."""
        try:
            self.validate()
        except (TypeError, ValueError) as exc:
            params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            raise StrategyError.of(self.label, f"a parameter has the wrong type ({params}): {exc}") from exc

    @property
    def label(self) -> str:
        return self.name or type(self).__name__

    def __repr__(self) -> str:
        try:
            params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        except StrategyError:
            params = "..."
        return f"{type(self).__name__}({params})"

    def _check(self, ok: bool, message: str) -> None:
        if not ok:
            raise StrategyError.of(self.label, message)

    # ----- decisions -----------------------------------------------------
    def setup(self, obs: Observation) -> None:
        """Called once per run before the first period (prepare per-run state here)."""

    def propose(self, obs: Observation) -> Proposal | None:
        """The offer to make when it is this party's turn, or ``None`` to pass."""
        return None

    def respond(self, obs: Observation, proposal: Proposal) -> bool | Verdict:
        """Whether to accept ``proposal`` (made by ``proposal.by``): a bool, or a :class:`Verdict` that says why."""
        return False

    def renege(self, obs: Observation) -> frozenset[str]:
        """Own moves to reverse now (in force and reversible, or still pending)."""
        return frozenset()

    def renege_triggers(self) -> frozenset[str] | None:
        """The kinds of trace entries of other parties after which :meth:`renege` may reverse something.

        ``None`` (the default): :meth:`renege` is called every period. A strategy that only ever
        answers what the others did (say ``{"reverse", "detect"}``) may return those kinds; the
        engine then calls :meth:`renege` only in a period in which at least one such entry
        (made by another party and visible to this one) has been added since its last call.
        Declare it only if :meth:`renege` returns nothing and changes nothing otherwise: the
        engine skips the calls to save time, and the run must be the same as without skipping.
        """
        return None


def _declarer(cls: type, name: str) -> type:
    """The class of ``cls``'s MRO that defines ``name``."""
    return next(k for k in cls.__mro__ if name in k.__dict__)


@lru_cache(maxsize=256)
def _pure_params(cls: type[Strategy]) -> tuple[str, ...] | None:
    """The parameter names of a pure strategy class, or ``None`` if its proposals are not pure."""
    if not cls.pure or not issubclass(_declarer(cls, "pure"), _declarer(cls, "propose")):
        return None  # propose() is overridden below the class that declared it pure
    params = inspect.signature(cls.__init__).parameters.values()
    return tuple(
        p.name for p in params if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )


def pure_key(strategy: Strategy) -> tuple[object, ...] | None:
    """``(class, parameter values)`` for a pure strategy with hashable parameters, else ``None``.

    >>> class Fixed(Strategy):
    ...     name, pure = "fixed", True
    ...     def __init__(self, level: float = 1.0) -> None:
    ...         self.level = level
    >>> from detente.simulate.strategies import make_strategy
    >>> pure_key(Fixed(0.1))[1:], pure_key(make_strategy("grit"))
    ((0.1,), None)
    """
    names = _pure_params(cast(Hashable, type(strategy)))  # a class hashes by identity (mypy cannot tell)
    if names is None:
        return None
    key = (type(strategy), *(getattr(strategy, n) for n in names))
    try:
        hash(key)
    except TypeError:
        return None
    return key
