"""The GMCR conflict model: decision makers, binary options, feasibility and preferences.

A state is an integer bitmask over the options: option ``k`` (in declared order) is
bit ``k``. Patterns, as users read and write them, list one character per option in
declared order: ``Y`` (taken), ``N`` (not taken), and in matching patterns ``-`` (either).

Preferences are compiled, for each decision maker, into a payoff vector over all
``2**n`` states (higher is preferred, equal is a tie); only feasible states matter.
Conflict files are read by :func:`load_conflict` / :func:`conflict_from_document`
(format in docs/formats.md) with the same located, all-at-once errors as scenarios.

Examples
--------
>>> from detente.model.source import read_text
>>> doc = read_text('''
... detente: 1
... kind: conflict
... id: pd
... title: PD
... decision_makers:
...   - {id: A, options: [a-defects]}
...   - {id: B, options: [b-defects]}
... preferences:
...   A: {prioritization: ["not b-defects", "a-defects"]}
...   B: {prioritization: ["not a-defects", "b-defects"]}
... status_quo: NN
... ''', "pd.yaml")
>>> c = conflict_from_document(doc)
>>> c.pattern(c.status_quo), [c.pattern(s) for s in c.feasible_states()]
('NN', ['NN', 'YN', 'NY', 'YY'])
>>> c.payoff[0].tolist()  # A's scores of NN, YN, NY, YY
[2.0, 3.0, 0.0, 1.0]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import Problem, ScenarioError
from .load import validate_model
from .source import Document, Locator, read_document

__all__ = [
    "MAX_OPTIONS",
    "MAX_STATEMENTS",
    "Conflict",
    "Direction",
    "Option",
    "conflict_from_document",
    "load_conflict",
    "parse_statement",
    "pattern_mask",
]

MAX_OPTIONS = 20
"""At most this many options (2**20 = 1,048,576 states)."""
MAX_STATEMENTS = 52
"""Statement weights are powers of two held exactly in a float64."""

Direction = Literal["both", "take", "drop"]
OPTION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
DM_ID = r"^[A-Za-z][A-Za-z0-9_-]*$"
RESERVED = frozenset({"and", "or", "not"})


# ---------------------------------------------------------------- compiled model
@dataclass(frozen=True)
class Option:
    """One binary option, controlled by one decision maker."""

    id: str
    dm: str
    direction: Direction = "both"
    title: str = ""

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(frozen=True, eq=False)
class Conflict:
    """A validated graph model: states are bitmasks, preferences payoff vectors.

    ``feasible`` is a boolean array over the ``2**n`` states; ``payoff[i]`` is decision
    maker ``i``'s preference score of every state (higher preferred, equal a tie).
    """

    id: str
    title: str
    dms: tuple[str, ...]
    options: tuple[Option, ...]
    feasible: np.ndarray
    payoff: np.ndarray
    status_quo: int | None = None
    description: str = ""
    source: str = ""
    dm_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.options)
        if self.feasible.shape != (1 << n,) or self.payoff.shape != (len(self.dms), 1 << n):
            raise ValueError("feasible / payoff arrays do not match the options and decision makers")
        if set(o.dm for o in self.options) - set(self.dms):
            raise ValueError("an option belongs to an unknown decision maker")
        self.feasible.flags.writeable = False  # frozen, like every model object
        self.payoff.flags.writeable = False

    # ----- sizes and look-ups ---------------------------------------------
    @property
    def n_options(self) -> int:
        return len(self.options)

    @property
    def n_states(self) -> int:
        return 1 << len(self.options)

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def dm_index(self, dm: str) -> int:
        return self.dms.index(dm)

    def dm_label(self, i: int) -> str:
        return self.dm_names[i] if self.dm_names and self.dm_names[i] else self.dms[i]

    def dm_mask(self, i: int) -> int:
        """Bitmask of the options decision maker ``i`` controls."""
        dm = self.dms[i]
        return sum(1 << k for k, o in enumerate(self.options) if o.dm == dm)

    def direction_mask(self, direction: Direction) -> int:
        return sum(1 << k for k, o in enumerate(self.options) if o.direction == direction)

    def feasible_states(self) -> np.ndarray:
        """The feasible states in increasing order (as int64)."""
        return np.flatnonzero(self.feasible).astype(np.int64)

    # ----- patterns ---------------------------------------------------------
    def pattern(self, state: int) -> str:
        """``Y``/``N`` per option in declared order.

        >>> Conflict.example().pattern(1)
        'YN'
        """
        return "".join("Y" if (int(state) >> k) & 1 else "N" for k in range(self.n_options))

    def state_of(self, pattern: str) -> int:
        """The state of a full ``Y``/``N`` pattern (raises ValueError if malformed)."""
        ones, free = pattern_mask(pattern, self.n_options)
        if free:
            raise ValueError(f"{pattern!r} has '-': expected a full pattern of Y and N")
        return ones

    def taken(self, state: int) -> list[str]:
        """Ids of the options taken in ``state``."""
        return [o.id for k, o in enumerate(self.options) if (int(state) >> k) & 1]

    def describe(self, state: int) -> str:
        """Readable: the labels of the options taken, or 'nothing taken'."""
        names = [o.label for k, o in enumerate(self.options) if (int(state) >> k) & 1]
        return ", ".join(names) if names else "(no option taken)"

    @staticmethod
    def example() -> Conflict:
        """A 2x2 Prisoner's Dilemma (options: each side defects), for examples and tests."""
        feasible = np.ones(4, dtype=bool)
        # states NN, YN, NY, YY; A controls bit 0, B bit 1
        payoff = np.array([[3.0, 4.0, 1.0, 2.0], [3.0, 1.0, 4.0, 2.0]])
        opts = (Option("a-defects", "A"), Option("b-defects", "B"))
        return Conflict("pd", "Prisoner's Dilemma", ("A", "B"), opts, feasible, payoff, status_quo=0)


def pattern_mask(pattern: str, n: int) -> tuple[int, int]:
    """``(ones, free)`` bitmasks of a pattern of Y / N / - over ``n`` options.

    >>> pattern_mask("Y-N", 3)
    (1, 2)
    """
    if not isinstance(pattern, str) or len(pattern) != n or set(pattern) - set("YN-"):
        raise ValueError(f"expected a pattern of {n} characters Y, N or -, found {pattern!r}")
    ones = sum(1 << k for k, ch in enumerate(pattern) if ch == "Y")
    free = sum(1 << k for k, ch in enumerate(pattern) if ch == "-")
    return ones, free


def _matches(pattern: str, n: int) -> np.ndarray:
    ones, free = pattern_mask(pattern, n)
    states = np.arange(1 << n, dtype=np.int64)
    return (states & ~free & ((1 << n) - 1)) == ones


# ---------------------------------------------------------------- statements
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


def parse_statement(text: str, known: dict[str, int]) -> Any:
    """Parse an option-prioritisation statement into a small tree.

    Grammar: ``expr := term ('or' term)*``, ``term := factor ('and' factor)*``,
    ``factor := 'not' factor | '(' expr ')' | option-id``. Raises ValueError.

    >>> parse_statement("a and not (b or c)", {"a": 0, "b": 1, "c": 2})
    ('and', 0, ('not', ('or', 1, 2)))
    """
    tokens = _TOKEN.findall(text)
    if "".join(tokens).replace(" ", "") != text.replace(" ", "").replace("\t", ""):
        raise ValueError(f"cannot read statement {text!r}")
    if not tokens:
        raise ValueError("empty statement; expected an option id or not/and/or over option ids")
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        return tok

    def expr() -> Any:
        node = term()
        while peek() == "or":
            take()
            node = ("or", node, term())
        return node

    def term() -> Any:
        node = factor()
        while peek() == "and":
            take()
            node = ("and", node, factor())
        return node

    def factor() -> Any:
        tok = peek()
        if tok is None:
            raise ValueError(f"statement {text!r} ends too early; expected an option id")
        take()
        if tok == "not":
            return ("not", factor())
        if tok == "(":
            node = expr()
            if peek() != ")":
                raise ValueError(f"statement {text!r}: expected ')'")
            take()
            return node
        if tok in (")", "and", "or"):
            raise ValueError(f"statement {text!r}: unexpected {tok!r}; expected an option id")
        if tok not in known:
            close = difflib.get_close_matches(tok, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "; expected one of: " + ", ".join(known)
            raise ValueError(f"unknown option {tok!r} in statement {text!r}{hint}")
        return known[tok]

    node = expr()
    if pos != len(tokens):
        raise ValueError(f"statement {text!r}: unexpected {tokens[pos]!r}")
    return node


def _evaluate(node: Any, states: np.ndarray) -> np.ndarray:
    if isinstance(node, int):
        return ((states >> node) & 1).astype(bool)
    op = node[0]
    if op == "not":
        return ~_evaluate(node[1], states)
    left, right = _evaluate(node[1], states), _evaluate(node[2], states)
    return (left & right) if op == "and" else (left | right)


# ---------------------------------------------------------------- file schema
class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OptionSpec(_Frozen):
    id: str = Field(pattern=OPTION_ID)
    direction: Direction = "both"
    title: str = ""


class DecisionMakerSpec(_Frozen):
    id: str = Field(pattern=DM_ID)
    name: str = ""
    options: tuple[OptionSpec, ...] = Field(min_length=1)

    @field_validator("options", mode="before")
    @classmethod
    def _bare_ids(cls, v: Any) -> Any:
        if isinstance(v, list | tuple):
            return [{"id": x} if isinstance(x, str) else x for x in v]
        return v


class PreferenceSpec(_Frozen):
    prioritization: tuple[str, ...] | None = None
    ranking: tuple[str | tuple[str, ...], ...] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PreferenceSpec:
        if (self.prioritization is None) == (self.ranking is None):
            raise ValueError("expected exactly one of 'prioritization' or 'ranking'")
        return self


class ConflictFile(_Frozen):
    detente: Literal[1]
    kind: Literal["conflict"]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    source: str = ""
    decision_makers: tuple[DecisionMakerSpec, ...] = Field(min_length=2)
    infeasible: tuple[str, ...] = ()
    preferences: dict[str, PreferenceSpec]
    status_quo: str | None = None


# ---------------------------------------------------------------- loading
def load_conflict(path: str | Path) -> Conflict:
    """Read and validate a conflict file (YAML or JSON)."""
    return conflict_from_document(read_document(path))


def conflict_from_document(doc: Document) -> Conflict:
    """Validate a parsed conflict document; raise ScenarioError listing every problem."""

    if not isinstance(doc.data, dict) or doc.data.get("kind") != "conflict":
        kind = doc.data.get("kind", "scenario") if isinstance(doc.data, dict) else None
        raise ScenarioError(
            [doc.locator.problem(("kind",), f"this is a {kind!r} file; expected kind: conflict")]
        )
    odd = _odd_keys(doc.data, (), doc.locator)
    if odd:
        raise ScenarioError(odd)
    spec = validate_model(ConflictFile, doc.data, doc.locator)
    return _compile(spec, doc.locator)


def _odd_keys(data: Any, path: tuple[str | int, ...], loc: Locator) -> list[Problem]:
    """Field names no conflict file can have, refused before validation (they would confuse
    the translation of validation errors, which reads '[' as a union branch)."""
    out: list[Problem] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str) or "[" in key or key.startswith("function-"):
                out.append(loc.problem((*path, str(key)), f"unknown field {str(key)!r}"))
            else:
                out.extend(_odd_keys(value, (*path, key), loc))
    elif isinstance(data, list):
        for k, value in enumerate(data):
            out.extend(_odd_keys(value, (*path, k), loc))
    return out


def _compile(spec: ConflictFile, loc: Locator) -> Conflict:
    problems: list[Problem] = []

    def add(path: tuple[str | int, ...], message: str) -> None:
        problems.append(loc.problem(path, message))

    dms: list[str] = []
    options: list[Option] = []
    seen_opt: dict[str, tuple[int, int]] = {}
    for i, dm in enumerate(spec.decision_makers):
        if dm.id in dms:
            add(("decision_makers", i, "id"), f"duplicate decision maker {dm.id!r}; expected each id once")
        dms.append(dm.id)
        for j, o in enumerate(dm.options):
            if o.id in RESERVED:
                add(("decision_makers", i, "options", j, "id"), f"{o.id!r} is a reserved word in statements")
            elif o.id in seen_opt:
                add(
                    ("decision_makers", i, "options", j, "id"),
                    f"duplicate option {o.id!r}; option ids must be unique across the conflict",
                )
            seen_opt[o.id] = (i, j)
            options.append(Option(o.id, dm.id, o.direction, o.title))
    n = len(options)
    if n > MAX_OPTIONS:
        add(("decision_makers",), f"{n} options give 2**{n} states; expected at most {MAX_OPTIONS} options")
    if problems:
        raise ScenarioError(problems)

    feasible = np.ones(1 << n, dtype=bool)
    for k, pat in enumerate(spec.infeasible):
        try:
            feasible &= ~_matches(pat, n)
        except ValueError as exc:
            add(("infeasible", k), str(exc))
    if not problems and not feasible.any():
        add(("infeasible",), "every state is infeasible; expected at least one feasible state")

    feasibility_bad = bool(problems)
    known = {o.id: k for k, o in enumerate(options)}
    payoff = np.zeros((len(dms), 1 << n))
    for key in spec.preferences:
        if key not in dms:
            close = difflib.get_close_matches(key, dms, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else "; expected one of: " + ", ".join(dms)
            add(("preferences", key), f"unknown decision maker {key!r}{hint}")
    for i, dm_id in enumerate(dms):
        pref = spec.preferences.get(dm_id)
        if pref is None:
            add(
                ("preferences",),
                f"no preferences for decision maker {dm_id!r}; expected prioritization or ranking",
            )
            continue
        if pref.prioritization is not None:
            _score_statements(pref.prioritization, known, n, payoff[i], add, ("preferences", dm_id))
        elif pref.ranking is not None and not feasibility_bad:
            _score_ranking(pref.ranking, n, feasible, payoff[i], add, ("preferences", dm_id, "ranking"))

    sq: int | None = None
    if spec.status_quo is not None:
        try:
            ones, free = pattern_mask(spec.status_quo, n)
            if free:
                add(
                    ("status_quo",),
                    f"status quo {spec.status_quo!r} has '-'; expected a full pattern of Y and N",
                )
            elif not problems and not feasible[ones]:
                add(("status_quo",), f"status quo {spec.status_quo!r} is an infeasible state")
            sq = ones
        except ValueError as exc:
            add(("status_quo",), str(exc))
    if problems:
        raise ScenarioError(problems)
    names = tuple(dm.name for dm in spec.decision_makers)
    return Conflict(
        spec.id,
        spec.title,
        tuple(dms),
        tuple(options),
        feasible,
        payoff,
        sq,
        spec.description,
        spec.source,
        names,
    )


def _score_statements(
    statements: tuple[str, ...],
    known: dict[str, int],
    n: int,
    out: np.ndarray,
    add: Any,
    path: tuple[str | int, ...],
) -> None:
    if not statements:
        add((*path, "prioritization"), "no statements; expected at least one")
        return
    if len(statements) > MAX_STATEMENTS:
        add((*path, "prioritization"), f"{len(statements)} statements; expected at most {MAX_STATEMENTS}")
        return
    states = np.arange(1 << n, dtype=np.int64)
    count = len(statements)
    for k, text in enumerate(statements):
        try:
            node = parse_statement(text, known)
        except ValueError as exc:
            add((*path, "prioritization", k), str(exc))
            continue
        out += np.where(_evaluate(node, states), float(2 ** (count - 1 - k)), 0.0)


def _score_ranking(
    ranking: tuple[str | tuple[str, ...], ...],
    n: int,
    feasible: np.ndarray,
    out: np.ndarray,
    add: Any,
    path: tuple[str | int, ...],
) -> None:
    ranked = np.full(1 << n, -1, dtype=np.int64)
    groups = len(ranking)
    bad = False
    for g, entry in enumerate(ranking):
        members: list[tuple[tuple[str | int, ...], str]] = (
            [((*path, g), entry)]
            if isinstance(entry, str)
            else [((*path, g, t), p) for t, p in enumerate(entry)]
        )
        for where, pat in members:
            try:
                hit = _matches(pat, n) & feasible
            except ValueError as exc:
                add(where, str(exc))
                bad = True
                continue
            if not hit.any():
                add(where, f"{pat!r} matches no feasible state")
                bad = True
                continue
            twice = hit & (ranked >= 0)
            if twice.any():
                first = int(np.flatnonzero(twice)[0])
                add(where, f"state {_pat(first, n)} is ranked twice; expected each feasible state once")
                bad = True
            ranked[hit & (ranked < 0)] = g
    missing = np.flatnonzero(feasible & (ranked < 0))
    if len(missing) and not bad:
        shown = ", ".join(_pat(int(s), n) for s in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        add(path, f"feasible states not ranked: {shown}{more}; expected every feasible state once")
    out[:] = np.where(ranked >= 0, groups - ranked, 0).astype(float)


def _pat(state: int, n: int) -> str:
    return "".join("Y" if (state >> k) & 1 else "N" for k in range(n))
