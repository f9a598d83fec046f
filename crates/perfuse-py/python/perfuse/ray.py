"""Virtual cohorts on a Ray cluster: the cohort split into shards, one Ray task each.

Each task calls the same Rust code as :func:`perfuse.run_cohort` on its range of patients
(patient *i* depends only on the cohort seed and *i*), and the parts are joined in patient
order, so the result is identical to a local run. The spec and the texts of the files it
names travel with the tasks: workers need ``perfuse`` installed, not the files.

    import perfuse.ray
    tables = perfuse.ray.run_cohort("cohorts/flow-index-elderly-anaemic.toml",
                                    address="auto", shards=32)
"""

from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import perfuse
from perfuse import PathOrText


def _rows(
    text: str, name: str, files: Dict[str, str], start: int, end: int, threads: int
) -> Tuple[str, str]:
    # Rayon's pool starts on first use in this worker process: size it to the task's CPUs
    # rather than every core of the node.
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
    # Imported on the worker: the spec is parsed and checked again there.
    import perfuse._native as native

    return native.cohort_rows(text, name, files, start, end)


def run_cohort(
    spec_path_or_text: PathOrText,
    address: Optional[str] = None,
    shards: Optional[int] = None,
    patients: Optional[int] = None,
    format: str = "pandas",
    num_cpus_per_shard: int = 1,
) -> Dict[str, object]:
    """Runs a cohort as ``shards`` Ray tasks and returns what :func:`perfuse.run_cohort`
    returns (``{"patients": …, "summary": …}``), identical to a local run.

    ``address``: a running cluster (``"auto"`` after ``ray start --head``, or
    ``"ray://host:10001"``); ``None`` uses the already initialised Ray or starts a local one.
    ``shards``: the number of tasks (default: the cluster's CPUs). Each task runs its patients
    in parallel on the ``num_cpus_per_shard`` CPUs Ray reserves for it (default 1).
    """
    import ray

    spec = perfuse.read_cohort(spec_path_or_text)
    count = perfuse._patients(spec, patients)
    if not ray.is_initialized():
        ray.init(address=address)
    if shards is None:
        shards = max(1, int(ray.cluster_resources().get("CPU", 1)))
    if not (isinstance(shards, int) and 1 <= shards):
        raise ValueError(f"shards {shards!r}: must be a whole number ≥ 1")
    if not (isinstance(num_cpus_per_shard, int) and 1 <= num_cpus_per_shard):
        raise ValueError(f"num_cpus_per_shard {num_cpus_per_shard!r}: must be a whole number ≥ 1")
    task = ray.remote(num_cpus=num_cpus_per_shard)(_rows)
    ranges = [perfuse.shard_range(count, (i, shards)) for i in range(shards)]
    futures = [
        task.remote(spec.text, spec.name, spec.files, r.start, r.stop, num_cpus_per_shard)
        for r in ranges
        if r
    ]
    return perfuse.tables(ray.get(futures), format)
