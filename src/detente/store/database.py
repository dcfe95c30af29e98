"""The results database: one DuckDB file holding every recorded run, its inputs and outcomes.

Layout (schema version 1)::

    detente_meta(key, value)                 app = detente-runs, schema_version = 1
    scenarios(hash, id, text)                canonical JSON of each scenario, by content hash
    runs(run_id, kind, sweep_key, status, created, finished, detente_version,
         parameters, seed, expected, summary)
    jobs(run_id, job, scenario_hash, scenario_id, description, seed, runs, columns)
    replicates(run_id, job, replicate, outcomes)   PRIMARY KEY (run_id, job, replicate)

A run is one command (``simulate``, ``compare``, ``tournament``, ``sensitivity``); it has
one or more jobs (one per strategy pair of a comparison), and each job has ``runs``
replicates whose outcome rows (``columns``) are stored one row per replicate. The
primary key makes each replicate exist at most once, whoever writes it.

Concurrency: DuckDB lets one process at a time open a file for writing, so the store
opens a connection for each operation and closes it at once; a process that finds the
file locked retries with backoff for up to ``lock_timeout`` seconds and then raises
:class:`StoreBusyError`. Safety: a file that is not a detente store (another format, a
foreign DuckDB database, a corrupt file, a newer schema) is refused with a
:class:`~detente.model.errors.ScenarioError` after a read-only look, and never written.

Examples
--------
>>> import tempfile, pathlib
>>> store = RunStore(pathlib.Path(tempfile.mkdtemp()) / "runs.duckdb")
>>> store.list_runs()
[]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import platformdirs

from detente import __version__
from detente.model.errors import DetenteError, ScenarioError
from detente.model.scenario import Scenario

__all__ = [
    "APP",
    "SCHEMA_VERSION",
    "JobRecord",
    "RunInfo",
    "RunStore",
    "StoreBusyError",
    "canonical_json",
    "default_store_path",
    "scenario_hash",
]

APP = "detente-runs"
SCHEMA_VERSION = 1
DUCKDB_MAGIC = b"DUCK"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS detente_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    "CREATE TABLE IF NOT EXISTS scenarios (hash VARCHAR PRIMARY KEY, id VARCHAR, text VARCHAR)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, sweep_key VARCHAR NOT NULL,
        status VARCHAR NOT NULL, created TIMESTAMP NOT NULL, finished TIMESTAMP,
        detente_version VARCHAR, parameters VARCHAR, seed BIGINT, expected BIGINT, summary VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS jobs (
        run_id VARCHAR, job INTEGER, scenario_hash VARCHAR, scenario_id VARCHAR,
        description VARCHAR, seed BIGINT, runs BIGINT, columns VARCHAR[],
        PRIMARY KEY (run_id, job))""",
    """CREATE TABLE IF NOT EXISTS replicates (
        run_id VARCHAR, job INTEGER, replicate BIGINT, outcomes DOUBLE[],
        PRIMARY KEY (run_id, job, replicate))""",
)


_LOCKED = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)


def _tables(con: Any) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


STALE_SECONDS = 60.0
"""A temporary store file older than this is a leftover of a killed creation."""
_LEFTOVER = re.compile(r"[0-9a-f]{8}\.tmp(\.wal)?")


def _create_schema(con: Any) -> None:
    con.execute("BEGIN TRANSACTION")
    for statement in _SCHEMA:
        con.execute(statement)
    con.execute(
        "INSERT OR IGNORE INTO detente_meta VALUES ('app', ?), ('schema_version', ?)",
        [APP, str(SCHEMA_VERSION)],
    )
    con.execute("COMMIT")


class StoreBusyError(DetenteError):
    """Another process kept the results database locked for longer than the lock timeout."""


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys: the same data always gives the same text.

    >>> canonical_json({"b": 1, "a": [1.5, None]})
    '{"a":[1.5,null],"b":1}'
    """
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True)


def scenario_text(scenario: Scenario) -> str:
    """The canonical JSON of a validated scenario (every field, defaults included)."""
    return canonical_json(scenario.model_dump(mode="json"))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of :func:`scenario_text`: equal for scenarios equal field by field.

    Comments, key order, YAML vs JSON and ``4`` vs ``4.0`` do not change it; any value does.

    >>> s = Scenario.model_validate({"detente": 1, "id": "x", "title": "X", "parties": [{"id": "A"}]})
    >>> len(scenario_hash(s)), scenario_hash(s) == scenario_hash(s.replace(title="X"))
    (64, True)
    """
    return hashlib.sha256(scenario_text(scenario).encode("utf-8")).hexdigest()


def default_store_path() -> Path:
    """``$DETENTE_STORE`` if set, else ``runs.duckdb`` in the user data directory (platformdirs).

    On Linux that is ``$XDG_DATA_HOME/detente/runs.duckdb`` (default ``~/.local/share``).
    """
    env = os.environ.get("DETENTE_STORE")
    if env:
        return Path(env).expanduser()

    return Path(platformdirs.user_data_dir("detente", appauthor=False)) / "runs.duckdb"


@dataclass(frozen=True)
class JobRecord:
    """What the store keeps about one job: its scenario, description, seed, size and columns."""

    scenario: Scenario | None
    description: Mapping[str, Any]
    seed: int
    runs: int
    columns: tuple[str, ...]


@dataclass(frozen=True)
class RunInfo:
    """One row of the ``runs`` table, plus how many replicates are stored."""

    run_id: str
    kind: str
    sweep_key: str
    status: str
    created: dt.datetime
    finished: dt.datetime | None
    detente_version: str
    parameters: dict[str, Any]
    seed: int | None
    expected: int
    stored: int
    summary: Any

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "status": self.status,
            "created": self.created.isoformat(),
            "finished": None if self.finished is None else self.finished.isoformat(),
            "detente_version": self.detente_version,
            "parameters": self.parameters,
            "seed": self.seed,
            "replicates": {"stored": self.stored, "expected": self.expected},
            "sweep_key": self.sweep_key,
        }


_RUN_COLUMNS = (
    "r.run_id, r.kind, r.sweep_key, r.status, r.created, r.finished, r.detente_version, "
    "r.parameters, r.seed, r.expected, "
    "(SELECT count(*) FROM replicates x WHERE x.run_id = r.run_id), r.summary"
)


def _run_info(row: Sequence[Any]) -> RunInfo:
    return RunInfo(
        run_id=row[0],
        kind=row[1],
        sweep_key=row[2],
        status=row[3],
        created=row[4],
        finished=row[5],
        detente_version=row[6] or "",
        parameters=json.loads(row[7]) if row[7] else {},
        seed=row[8],
        expected=int(row[9] or 0),
        stored=int(row[10]),
        summary=json.loads(row[11]) if row[11] else None,
    )


class RunStore:
    """A detente results database at ``path`` (default :func:`default_store_path`).

    The file is checked on first use and created (with its parent directory) if absent.
    Every method opens its own short connection; writes are single transactions.
    """

    def __init__(self, path: str | Path | None = None, *, lock_timeout: float = 60.0) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self.lock_timeout = float(lock_timeout)
        self._checked = False

    def __repr__(self) -> str:
        return f"RunStore({str(self.path)!r})"

    # ------------------------------------------------------------ connections
    def _refuse(self, why: str) -> ScenarioError:
        return ScenarioError.single(
            str(self.path), f"{why}; refusing to use or overwrite it (choose another file with --store)"
        )

    @contextmanager
    def _raw(self, read_only: bool) -> Iterator[Any]:

        deadline = time.monotonic() + self.lock_timeout
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.Error as exc:
                text = str(exc)
                if not _LOCKED.search(text):
                    raise self._refuse(f"not a readable DuckDB database ({text.splitlines()[0]})") from None
                if time.monotonic() >= deadline:
                    pid = re.search(r"PID (\d+)", text)
                    who = f" (process {pid.group(1)})" if pid else ""
                    raise StoreBusyError(
                        f"{self.path}: the results database is in use by another process{who}; "
                        f"waited {self.lock_timeout:g} s. Try again when it is done, or use --store "
                        "to record into another file."
                    ) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[Any]:

        if not self._checked:
            try:
                self._prepare()
            except OSError as exc:
                raise ScenarioError.single(
                    str(self.path), f"cannot create or read the results database: {exc.strerror or exc}"
                ) from None
        with self._raw(read_only) as con:
            try:
                yield con
            except duckdb.Error as exc:  # e.g. a full disk: say so, without a traceback
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise DetenteError(f"{self.path}: the results database failed: {first}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _prepare(self) -> None:
        """Check an existing file read-only (refuse foreign ones); create a new store atomically."""
        path = self.path
        self._clean_leftovers()
        if not path.exists():
            self._create()
        if path.is_dir():
            raise self._refuse("is a directory, not a results database file")
        with path.open("rb") as fh:
            head = fh.read(16)
        if not head:
            raise self._refuse("is an empty file, not a detente results database")
        if head[8:12] != DUCKDB_MAGIC:
            raise self._refuse("is not a detente results database (not a DuckDB file)")
        with self._raw(read_only=True) as con:
            empty = not _tables(con)
            if not empty:
                self._check_meta(con)
        if empty:
            # A DuckDB database holding nothing at all (made by hand, or by an older detente
            # killed while creating it): there is nothing to overwrite, so make it a store.
            with self._raw(read_only=False) as con:
                if not _tables(con):
                    _create_schema(con)
                self._check_meta(con)
        self._checked = True

    def _clean_leftovers(self) -> None:
        """Remove temporary files a creation killed part way left behind (``.NAME.<hex>.tmp``).

        Only files older than :data:`STALE_SECONDS` go: a creation in progress takes milliseconds.
        """
        folder = self.path.parent
        if not folder.is_dir():
            return
        now = time.time()
        for leftover in folder.glob(f".{glob_escape(self.path.name)}.*.tmp*"):
            if not _LEFTOVER.fullmatch(leftover.name[len(self.path.name) + 2 :]):
                continue
            try:
                if now - leftover.stat().st_mtime > STALE_SECONDS:
                    leftover.unlink()
            except OSError:  # gone already, or not ours to remove
                continue

    def _create(self) -> None:
        """Build the empty store in a temporary file, then link it into place unless one appeared."""

        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            con = duckdb.connect(str(tmp))
            try:
                _create_schema(con)
            finally:
                con.close()
            try:
                os.link(tmp, path)  # atomic and never replaces a file that exists
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
                leftover.unlink(missing_ok=True)

    def _check_meta(self, con: Any) -> None:
        tables = _tables(con)
        if "detente_meta" not in tables:
            raise self._refuse("is a DuckDB database but not a detente results store (no detente_meta table)")
        meta = dict(con.execute("SELECT key, value FROM detente_meta").fetchall())
        if meta.get("app") != APP:
            raise self._refuse(f"is not a detente results store (app is {meta.get('app')!r})")
        version = int(meta.get("schema_version", "0"))
        if version > SCHEMA_VERSION:
            raise self._refuse(
                f"was written by a newer detente (store schema {version}; this one reads {SCHEMA_VERSION})"
            )
        missing = {"scenarios", "runs", "jobs", "replicates"} - tables
        if missing:
            raise self._refuse(f"is a damaged detente store (missing tables: {', '.join(sorted(missing))})")

    # ------------------------------------------------------------------ writes
    def begin_run(
        self,
        kind: str,
        sweep_key: str,
        parameters: Mapping[str, Any],
        jobs: Sequence[JobRecord],
        *,
        seed: int | None = None,
    ) -> str:
        """Record a new run with its jobs (status ``running``); return its id."""

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        run_id = f"{now:%Y%m%d-%H%M%S}{now.microsecond // 1000:03d}-{uuid.uuid4().hex[:4]}"
        with self._transaction() as con:
            for job in jobs:
                if job.scenario is not None:
                    con.execute(
                        "INSERT OR IGNORE INTO scenarios VALUES (?, ?, ?)",
                        [scenario_hash(job.scenario), job.scenario.id, scenario_text(job.scenario)],
                    )
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, 'running', ?, NULL, ?, ?, ?, ?, NULL)",
                [
                    run_id,
                    kind,
                    sweep_key,
                    now,
                    __version__,
                    canonical_json(dict(parameters)),
                    seed,
                    sum(j.runs for j in jobs),
                ],
            )
            for k, job in enumerate(jobs):
                s = job.scenario
                con.execute(
                    "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        k,
                        None if s is None else scenario_hash(s),
                        None if s is None else s.id,
                        canonical_json(dict(job.description)),
                        job.seed,
                        job.runs,
                        list(job.columns),
                    ],
                )
        return run_id

    def write_replicates(self, run_id: str, chunks: Sequence[tuple[int, Sequence[int], np.ndarray]]) -> None:
        """Store outcome rows in one transaction: ``(job, replicate indices, rows)`` per chunk.

        A replicate already stored is left as it is (replicates are deterministic, so a
        second writer of the same replicate has the same numbers).
        """

        # One statement per number of outcome columns (usually one): the rows are handed to
        # DuckDB as numpy columns of a data frame, with no Python float per value (a statement
        # per job with list parameters cost ~2 ms each plus ~10 us a row).
        groups: dict[int, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {}
        for job, indices, rows in chunks:
            values = np.asarray(rows, dtype=float)
            if len(indices) == 0:
                continue
            values = values.reshape(len(indices), -1)
            jobs_, idx_, vals_ = groups.setdefault(values.shape[1], ([], [], []))
            jobs_.append(np.full(len(indices), int(job), dtype=np.int64))
            idx_.append(np.asarray(indices, dtype=np.int64))
            vals_.append(values)
        if not groups:
            return
        with self._transaction() as con:
            for ncols, (jobs_, idx_, vals_) in groups.items():
                values = np.vstack(vals_)
                frame = pd.DataFrame(
                    {
                        "job": np.concatenate(jobs_),
                        "replicate": np.concatenate(idx_),
                        **{f"c{k}": values[:, k] for k in range(ncols)},
                    }
                )
                # a data frame's NaN reads as NULL; outcomes are never NULL, so NULL means NaN
                items = ", ".join(f"coalesce(c{k}, 'NaN'::DOUBLE)" for k in range(ncols))
                con.register("new_replicates", frame)
                try:
                    con.execute(
                        f"INSERT OR IGNORE INTO replicates SELECT ?, job, replicate, [{items}]::DOUBLE[] "
                        "FROM new_replicates",
                        [run_id],
                    )
                finally:
                    con.unregister("new_replicates")

    def finish_run(self, run_id: str, summary: Any = None) -> None:
        """Mark a run complete (and store its summary document, if any)."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        text = None if summary is None else canonical_json(summary)
        with self._transaction() as con:
            con.execute(
                "UPDATE runs SET status = 'complete', finished = ?, summary = coalesce(?, summary) "
                "WHERE run_id = ?",
                [now, text, run_id],
            )

    # ------------------------------------------------------------------- reads
    def list_runs(
        self, kind: str | None = None, scenario: str | None = None, limit: int = 50
    ) -> list[RunInfo]:
        """Runs, newest first; optionally of one kind or touching one scenario (id or hash prefix)."""
        sql = f"SELECT {_RUN_COLUMNS} FROM runs r WHERE 1 = 1"
        args: list[Any] = []
        if kind is not None:
            sql += " AND r.kind = ?"
            args.append(kind)
        if scenario is not None:
            sql += " AND r.run_id IN (SELECT run_id FROM jobs WHERE scenario_id = ? OR starts_with(scenario_hash, ?))"
            args += [scenario, scenario]
        sql += " ORDER BY r.created DESC, r.run_id DESC LIMIT ?"
        args.append(int(limit))
        with self._connect(read_only=True) as con:
            return [_run_info(r) for r in con.execute(sql, args).fetchall()]

    def resolve(self, run_id: str) -> str:
        """The full id of the run whose id is or starts with ``run_id`` (``latest`` is the newest)."""
        with self._connect(read_only=True) as con:
            if run_id == "latest":
                rows = con.execute(
                    "SELECT run_id FROM runs ORDER BY created DESC, run_id DESC LIMIT 1"
                ).fetchall()
            else:
                rows = con.execute(
                    "SELECT run_id FROM runs WHERE starts_with(run_id, ?)", [run_id]
                ).fetchall()
        if len(rows) == 1:
            return str(rows[0][0])
        if not rows:
            raise ScenarioError.single("RUN", f"no run {run_id!r} in {self.path} (see `detente runs list`)")
        ids = ", ".join(sorted(str(r[0]) for r in rows)[:5])
        raise ScenarioError.single(
            "RUN", f"{run_id!r} matches {len(rows)} runs ({ids}...); give more of the id"
        )

    def run(self, run_id: str) -> RunInfo:
        full = self.resolve(run_id)
        with self._connect(read_only=True) as con:
            row = con.execute(f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.run_id = ?", [full]).fetchone()
        return _run_info(row)

    def find_sweep(self, sweep_key: str) -> RunInfo | None:
        """The run to resume for a sweep: the newest unfinished one, else the newest complete one."""
        with self._connect(read_only=True) as con:
            row = con.execute(
                f"SELECT {_RUN_COLUMNS} FROM runs r WHERE r.sweep_key = ? "
                "ORDER BY (r.status = 'running') DESC, r.created DESC, r.run_id DESC LIMIT 1",
                [sweep_key],
            ).fetchone()
        return None if row is None else _run_info(row)

    def jobs(self, run_id: str) -> list[dict[str, Any]]:
        """The jobs of a run: scenario id and hash, description, seed, runs, columns, stored count."""
        full = self.resolve(run_id)
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT j.job, j.scenario_id, j.scenario_hash, j.description, j.seed, j.runs, j.columns, "
                "(SELECT count(*) FROM replicates x WHERE x.run_id = j.run_id AND x.job = j.job) "
                "FROM jobs j WHERE j.run_id = ? ORDER BY j.job",
                [full],
            ).fetchall()
        return [
            {
                "job": r[0],
                "scenario": r[1],
                "scenario_hash": r[2],
                "description": json.loads(r[3]),
                "seed": r[4],
                "runs": r[5],
                "columns": list(r[6]),
                "stored": r[7],
            }
            for r in rows
        ]

    def stored_indices(self, run_id: str) -> dict[int, np.ndarray]:
        """The replicate indices already stored for each job of a run (sorted)."""
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT job, replicate FROM replicates WHERE run_id = ? ORDER BY job, replicate", [run_id]
            ).fetchall()
        out: dict[int, list[int]] = {}
        for job, rep in rows:
            out.setdefault(int(job), []).append(int(rep))
        return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}

    def outcomes(self, run_id: str) -> list[np.ndarray]:
        """The stored outcome rows of every job of a run, in replicate order (one array per job)."""
        full = self.resolve(run_id)
        with self._connect(read_only=True) as con:
            jobs = con.execute(
                "SELECT job, columns FROM jobs WHERE run_id = ? ORDER BY job", [full]
            ).fetchall()
            # every value as a row of numpy columns (no Python float per value), in order
            flat = con.execute(
                "SELECT job, generate_subscripts(outcomes, 1) AS k, unnest(outcomes) AS v "
                "FROM replicates WHERE run_id = ? ORDER BY job, replicate, k",
                [full],
            ).fetchnumpy()
        job_of = np.asarray(flat["job"], dtype=np.int64)
        values = np.asarray(flat["v"], dtype=float)
        out = []
        for j, cols in jobs:
            lo, hi = np.searchsorted(job_of, [int(j), int(j) + 1])
            out.append(values[lo:hi].reshape(-1, len(cols)))
        return out

    def scenario_text(self, digest: str) -> str | None:
        """The canonical JSON of a stored scenario, by hash."""
        with self._connect(read_only=True) as con:
            row = con.execute("SELECT text FROM scenarios WHERE hash = ?", [digest]).fetchone()
        return None if row is None else str(row[0])

    def export(self, run_id: str, path: str | Path, fmt: str | None = None) -> int:
        """Write a run's replicates, one row per replicate and one column per outcome, to Parquet or CSV.

        Columns: ``run_id``, ``job``, ``scenario``, ``seed``, ``replicate``, then every outcome
        column of the run's jobs (a job without that column gives null). ``fmt`` is
        ``parquet`` or ``csv`` (default: from the file suffix). Written atomically; returns the
        number of rows.
        """
        path = Path(path)
        fmt = (fmt or path.suffix.lstrip(".") or "parquet").lower()
        if fmt not in ("parquet", "csv"):
            raise ScenarioError.single("fmt", f"expected parquet or csv, found {fmt!r}")
        full = self.resolve(run_id)
        jobs = self.jobs(full)
        names: list[str] = []
        for job in jobs:
            names += [c for c in job["columns"] if c not in names]
        cases = []
        for n in names:
            arms = " ".join(
                f"WHEN {job['job']} THEN r.outcomes[{job['columns'].index(n) + 1}]"
                for job in jobs
                if n in job["columns"]
            )
            quoted = n.replace('"', '""')
            cases.append(f'CASE r.job {arms} ELSE NULL END AS "{quoted}"')
        select = (
            "SELECT r.run_id, r.job, j.scenario_id AS scenario, j.seed, r.replicate, "
            + ", ".join(cases)
            + " FROM replicates r JOIN jobs j ON j.run_id = r.run_id AND j.job = r.job "
            + "WHERE r.run_id = '"
            + full.replace("'", "''")
            + "' ORDER BY r.job, r.replicate"
        )
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with self._connect(read_only=True) as con:
                count = con.execute("SELECT count(*) FROM replicates WHERE run_id = ?", [full]).fetchone()[0]
                escaped = str(tmp).replace("'", "''")
                con.execute(f"COPY ({select}) TO '{escaped}' ({options})")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return int(count)
