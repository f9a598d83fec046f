"""perfuse.ray: a cohort split into Ray tasks on a local 2-worker cluster equals the local run."""

import pytest
import ray

import perfuse
import perfuse.ray
from conftest import DATA

TINY = DATA / "tiny-cohort.toml"


@pytest.mark.ray
def test_ray_shards_equal_the_local_run():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        distributed = perfuse.ray.run_cohort(TINY, shards=3, format="csv")
    finally:
        ray.shutdown()
    assert distributed == perfuse.run_cohort(TINY, format="csv")
