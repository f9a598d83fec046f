"""perfuse from Python: the heart-lung machine simulator, scenario runs and virtual cohorts.

The same Rust code as the ``perfuse`` command, so the same keys, units, checks and numbers:

- :class:`Simulation` — one patient on the bypass circuit, stepped, acted on and observed.
  Patient and circuit take the ``[patient]`` and ``[circuit]`` keys of a scenario file and
  actions the ``[[events]]`` vocabulary (docs/scenarios.md); observations are the
  data-dictionary columns (docs/data-dictionary.md), each name ending in its unit.
- :func:`run_scenario` — ``perfuse run FILE --csv`` as a DataFrame.
- :func:`run_cohort` — ``perfuse cohort SPEC --csv`` as DataFrames (docs/research.md);
  :mod:`perfuse.ray` runs it in shards on a Ray cluster.

Bad input raises ``ValueError`` with the Rust message: the field, the value and what is
accepted. Simulations run with the GIL released.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from perfuse._native import Simulation, __version__
from perfuse import _native

__all__ = ["Simulation", "run_scenario", "run_cohort", "read_cohort", "__version__"]

PathOrText = Union[str, "os.PathLike[str]"]


def _source(path_or_text: PathOrText, what: str) -> Tuple[str, str, Path]:
    """(text, file name for messages, directory relative paths start from).

    A path (``os.PathLike``, or a string naming an existing file) is read; any other string
    is the file's text itself, with relative paths from the current directory.
    """
    if isinstance(path_or_text, os.PathLike) or (
        "\n" not in path_or_text and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        return path.read_text(encoding="utf-8"), str(path), path.parent
    return str(path_or_text), f"<{what}>", Path.cwd()


def _every_ms(every_s: float) -> int:
    every_ms = round(every_s * 1000)
    if not every_ms > 0:
        raise ValueError(f"every_s {every_s}: must be at least 0.001 s")
    return every_ms


def run_scenario(
    path_or_text: PathOrText,
    every_s: float = 10.0,
    seed: Optional[int] = None,
    format: str = "pandas",
):
    """Runs a scenario file (a path, or its TOML text) like ``perfuse run FILE --csv``.

    One row every ``every_s`` simulated seconds (0, every, …, the end; default 10 s, the
    CLI's ``--every``), the columns of docs/data-dictionary.md with their units in their
    names; a value that does not apply then is missing (NaN/None). ``seed`` overrides the
    scenario's. ``format``: ``"pandas"`` (a DataFrame), ``"arrow"`` (a pyarrow Table) or
    ``"csv"`` (the CLI's bytes, as text).
    """
    text, name, _ = _source(path_or_text, "scenario")
    csv = _native.run_scenario_csv(text, name, _every_ms(every_s), seed)
    return _table(csv, format)


def _table(csv: str, format: str):
    if format == "csv":
        return csv
    if format == "pandas":
        import pandas as pd

        return pd.read_csv(io.StringIO(csv))
    if format == "arrow":
        import pyarrow.csv as pacsv

        return pacsv.read_csv(io.BytesIO(csv.encode()))
    raise ValueError(f'format {format!r}: expected "pandas", "arrow" or "csv"')


class CohortSpec:
    """A cohort spec with the texts of the files it names, ready to ship to other processes
    or machines (what :mod:`perfuse.ray` sends to its workers). Build with :func:`read_cohort`.
    """

    def __init__(self, text: str, name: str, files: Dict[str, str]):
        self.text = text
        self.name = name
        self.files = files
        self.patients: int = _native.cohort_patients(text, name, files)

    def rows(self, start: int, end: int) -> Tuple[str, str]:
        """CSV rows (no header) of ``patients`` and ``summary`` for patients start..end."""
        return _native.cohort_rows(self.text, self.name, self.files, start, end)


def read_cohort(spec_path_or_text: PathOrText) -> CohortSpec:
    """Reads and checks a cohort spec (docs/research.md) and the files it names (the base
    scenario, empirical CSVs), relative to the spec's directory."""
    text, name, base = _source(spec_path_or_text, "cohort")
    return CohortSpec(text, name, _native.cohort_files(text, name, str(base)))


def _patients(spec: CohortSpec, patients: Optional[int]) -> int:
    count = spec.patients if patients is None else patients
    if not 1 <= count <= 1_000_000:
        raise ValueError(f"patients {count}: must be between 1 and 1000000")
    return count


def shard_range(patients: int, shard: Tuple[int, int]) -> range:
    """Patients of shard ``(i, n)``: the i-th of n contiguous ranges (0 ≤ i < n)."""
    i, n = shard
    if not (isinstance(i, int) and isinstance(n, int) and n >= 1 and 0 <= i < n):
        raise ValueError(f"shard {shard!r}: expected (i, n) with 0 ≤ i < n")
    return range(i * patients // n, (i + 1) * patients // n)


def tables(parts, format: str = "pandas") -> Dict[str, object]:
    """Joins row parts (from :meth:`CohortSpec.rows`, in patient order) into the
    ``patients`` and ``summary`` tables."""
    patients_header, summary_header = _native.cohort_headers()
    patients = patients_header + "\n" + "".join(p for p, _ in parts)
    summary = summary_header + "\n" + "".join(s for _, s in parts)
    return {"patients": _table(patients, format), "summary": _table(summary, format)}


def run_cohort(
    spec_path_or_text: PathOrText,
    patients: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    format: str = "pandas",
) -> Dict[str, object]:
    """Runs a virtual cohort like ``perfuse cohort SPEC --csv`` on all local cores.

    ``patients`` overrides the spec's count (``--patients``); ``shard=(i, n)`` runs only the
    i-th of n contiguous ranges of patients (patient *i* is the same patient in any shard,
    so the shards' rows, in order, are the whole cohort's). Returns
    ``{"patients": …, "summary": …}``: one row per patient (the inputs as simulated), one per
    patient × arm (the metrics: nadir DO2i in mL/min/m², peak lactate in mmol/L, …), as
    DataFrames (``format="arrow"``: pyarrow Tables; ``"csv"``: the CLI's CSV text).
    """
    spec = read_cohort(spec_path_or_text)
    count = _patients(spec, patients)
    ids = shard_range(count, shard) if shard is not None else range(count)
    return tables([spec.rows(ids.start, ids.stop)], format)
