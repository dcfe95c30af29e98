"""detente: analyse and plan step-by-step negotiations.

The Python API. The command line is a thin layer over these functions; every analysis
returns a typed result object with ``to_json()`` (a JSON-ready dict, the ``--json``
document of the matching command), ``to_frame()`` (a pandas DataFrame of its main table)
and a compact table when shown in Jupyter. Importing ``detente`` is light: each function
imports what it needs when first used. See docs/python-api.md.

The Monte Carlo simulator is ``detente.monte_carlo`` (``detente.simulate`` is the
subpackage that holds it, and the name cannot mean both); for the same reason the HTML
report is written by ``detente.write_report`` (``detente.report`` is its subpackage).

Examples
--------
>>> import detente
>>> s = detente.load("korea-2019")
>>> s.party_ids
('USA', 'DPRK')
>>> deals = detente.analyse_deals(s)
>>> deals.has_agreement, len(deals.to_frame()) == len(deals.frontier)
(True, True)
"""

from __future__ import annotations

from importlib import import_module as _import_module
from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version
from typing import TYPE_CHECKING

try:
    __version__ = _version("detente")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from detente.analysis.deals import analyse_deals
    from detente.analysis.roadmap import check as check_roadmap
    from detente.analysis.roadmap_instance import PlanResult
    from detente.analysis.stability import StabilityResult
    from detente.model.conflict import Conflict
    from detente.model.errors import AnalysisError, DetenteError, ScenarioError
    from detente.model.scenario import Scenario
    from detente.scenarios import builtin_names
    from detente.simulate.compare import compare, tournament
    from detente.simulate.montecarlo import simulate as monte_carlo
    from detente.studies.answer import answer
    from detente.studies.backtest import backtest
    from detente.studies.metrics import parse_metric
    from detente.studies.sensitivity import sensitivity

__all__ = [
    "AnalysisError",
    "Conflict",
    "DetenteError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "analyse_deals",
    "answer",
    "backtest",
    "builtin_names",
    "check_roadmap",
    "compare",
    "load",
    "load_conflict",
    "monte_carlo",
    "parse_metric",
    "plan",
    "sensitivity",
    "stability",
    "tournament",
    "write_report",
]

_LAZY: dict[str, tuple[str, str]] = {
    "AnalysisError": ("detente.model.errors", "AnalysisError"),
    "Conflict": ("detente.model.conflict", "Conflict"),
    "DetenteError": ("detente.model.errors", "DetenteError"),
    "Scenario": ("detente.model.scenario", "Scenario"),
    "ScenarioError": ("detente.model.errors", "ScenarioError"),
    "analyse_deals": ("detente.analysis.deals", "analyse_deals"),
    "answer": ("detente.studies.answer", "answer"),
    "backtest": ("detente.studies.backtest", "backtest"),
    "builtin_names": ("detente.scenarios", "builtin_names"),
    "check_roadmap": ("detente.analysis.roadmap", "check"),
    "compare": ("detente.simulate.compare", "compare"),
    "parse_metric": ("detente.studies.metrics", "parse_metric"),
    "sensitivity": ("detente.studies.sensitivity", "sensitivity"),
    "monte_carlo": ("detente.simulate.montecarlo", "simulate"),
    "tournament": ("detente.simulate.compare", "tournament"),
}


def __getattr__(name: str) -> Any:
    """Import an exported function or class on first use (PEP 562)."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'detente' has no attribute {name!r}") from None
    value = getattr(_import_module(module), attr)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    """The public names only (``__all__``): no helper or imported module shows in ``dir(detente)``."""
    return sorted(__all__)


def load(name_or_path: str | Path) -> Scenario:
    """A scenario from a built-in name (``detente.builtin_names("scenario")``) or a YAML/JSON file.

    Raises
    ------
    ScenarioError
        When there is no such file or built-in, or the file is not a valid scenario
        (each problem names the file, line, column and field).

    Examples
    --------
    >>> s = load("korea-2019")
    >>> s.id, len(s.moves) > 0
    ('korea-2019', True)
    """
    # lazy, like every import here: pydantic and numpy would add 0.15 s to `import detente` (0.03 s)
    from detente.model.load import load_scenario
    from detente.scenarios import resolve

    return load_scenario(resolve(str(name_or_path)))


def load_conflict(name_or_path: str | Path) -> Conflict:
    """A GMCR conflict from a built-in name (``detente.builtin_names("conflict")``) or a YAML/JSON file.

    Examples
    --------
    >>> from detente.scenarios import builtin_names
    >>> c = load_conflict(builtin_names("conflict")[0])
    >>> c.n_states == 2 ** c.n_options
    True
    """
    # lazy: 0.15 s (see load)
    from detente.model.conflict import load_conflict as _load_conflict
    from detente.scenarios import resolve

    return _load_conflict(resolve(str(name_or_path)))


def stability(
    source: Scenario | Conflict,
    concepts: Sequence[str] | None = None,
    *,
    options: Sequence[str] | None = None,
    max_options: int = 16,
) -> StabilityResult:
    """GMCR stability of every state of a conflict, or of the conflict a scenario implies.

    A scenario becomes a conflict by :func:`detente.analysis.stability_scenario.conflict_from_scenario`
    (``options``, ``max_options``: which moves become options); what was chosen is kept under
    ``"derived_from"`` in ``to_json()``, as ``detente stability --json`` prints it. ``concepts``
    defaults to those the conflict's size allows (``nash``, ``gmr``, ``smr``, ``seq``, ...).

    Examples
    --------
    >>> from detente.model.conflict import Conflict
    >>> r = stability(Conflict.example())
    >>> r.equilibria("nash")
    ['YY']
    """
    # lazy: 0.17 s (see load)
    from detente.analysis.stability import StabilityResult, analyse, default_concepts, parse_concepts
    from detente.analysis.stability_scenario import conflict_from_scenario
    from detente.model.errors import AnalysisError
    from detente.model.scenario import Scenario

    extra: dict[str, Any] = {}
    if isinstance(source, Scenario):
        derived = conflict_from_scenario(source, options, max_options=max_options)
        conflict = derived.conflict
        extra["derived_from"] = derived.to_json()
    elif options is not None:
        raise AnalysisError("options apply to scenarios; a conflict declares its own options")
    else:
        conflict = source
    wanted = parse_concepts(list(concepts)) if concepts is not None else default_concepts(conflict)
    result = analyse(conflict, wanted)
    return StabilityResult(result.conflict, result.concepts, result.stable, extra)


def plan(
    scenario: Scenario,
    target: str | Iterable[str] = "auto",
    *,
    tolerance: float = 0.0,
    objective: str = "fewest-stages",
    max_stages: int | None = None,
    time_limit: float = 30.0,
) -> PlanResult:
    """A roadmap of balanced, self-enforcing stages for ``target``, or why there is none.

    ``target`` is what ``detente plan --target`` takes, with the same default: ``"auto"``
    (the Nash package; every move when the deal-space analysis is not available), a
    solution name (``"nash"``, ``"ks"``), ``"all"``, or move ids as a list (``["a", "b"]``)
    or one string (``"a,b"``). The rest is :func:`detente.analysis.roadmap.plan`.

    Examples
    --------
    >>> s = load("korea-2019")
    >>> plan(s).status, plan(s, "ks").status
    ('infeasible', 'optimal')
    >>> len(plan(s, "ks").stages), plan(s, ["usa-end-of-war"]).feasible  # USA gives, gets nothing
    (2, False)
    """
    # lazy: ortools and scipy, 0.5 s (see load)
    from detente.analysis.roadmap import plan as _plan

    return _plan(
        scenario,
        target,
        tolerance=tolerance,
        objective=objective,
        max_stages=max_stages,
        time_limit=time_limit,
    )


def write_report(
    scenario: Scenario,
    path: str | Path | None = None,
    *,
    seed: int = 0,
    quick: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Write the self-contained HTML report of ``scenario`` (as ``detente report``); its path.

    (Not ``detente.report``: that is the subpackage that builds the report, and, as with
    ``monte_carlo``, the name cannot mean both.)

    ``path`` defaults to ``detente-report-<id>.html`` in the working directory; ``options``
    are per-section settings (``{"simulate": {"strategies": [...], "runs": 50}}``, see
    docs/report.md). In a notebook, ``IPython.display.IFrame(str(path), 900, 600)`` shows it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "korea.html"
    >>> opts = {"simulate": {"strategies": ["grit", "tit-for-tat"], "runs": 2}, "roadmap": {"time_limit": 5.0}}
    >>> write_report(load("korea-2019"), out, quick=True, options=opts) == out  # doctest: +SKIP
    True
    """
    # lazy: matplotlib and scipy, 0.25-0.65 s (see load); pathlib here keeps `Path` out of dir(detente)
    from pathlib import Path

    from detente.report import ReportInputs, build_report
    from detente.report.reproduce import scenario_yaml

    out = Path(path) if path is not None else Path(f"detente-report-{scenario.id}.html")
    inputs = ReportInputs(
        scenario,
        seed=seed,
        quick=quick,
        options=dict(options or {}),
        source_text=scenario_yaml(scenario),
        source_name=f"{scenario.id}.yaml",
    )
    return Path(build_report(inputs).write(out))


del annotations, TYPE_CHECKING
