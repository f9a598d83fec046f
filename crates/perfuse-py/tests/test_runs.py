"""run_scenario and run_cohort against the `perfuse` CLI: the same bytes, the same tables."""

import io
import subprocess

import pandas as pd
import pytest

import perfuse
from conftest import DATA, REPO

SCENARIO = REPO / "scenarios" / "adult-cabg-routine.toml"
TINY = DATA / "tiny-cohort.toml"


def test_run_scenario_is_the_cli_csv(perfuse_bin, tmp_path):
    out = tmp_path / "run.csv"
    subprocess.run([perfuse_bin, "run", SCENARIO, "--csv", out, "--every", "10s"],
                   check=True, capture_output=True)
    cli = out.read_text()
    assert perfuse.run_scenario(SCENARIO, format="csv") == cli
    frame = perfuse.run_scenario(SCENARIO)
    pd.testing.assert_frame_equal(frame, pd.read_csv(io.StringIO(cli)))
    # 2 h every 10 s: 721 rows; the text of the file works as well as its path.
    assert len(frame) == 721
    assert perfuse.run_scenario(SCENARIO.read_text(), format="csv") == cli


def test_run_scenario_as_arrow():
    table = perfuse.run_scenario(SCENARIO, every_s=600, format="arrow")
    assert table.num_rows == 13 and table.column_names[0] == "time_s"


def test_a_bad_scenario_names_the_field():
    text = SCENARIO.read_text().replace("weight_kg = 80", "weight_kg = 800")
    with pytest.raises(ValueError, match=r"patient\.weight_kg: 800"):
        perfuse.run_scenario(text)


def test_run_cohort_is_the_cli_cohort(perfuse_bin, tmp_path):
    subprocess.run([perfuse_bin, "cohort", TINY, "--out", tmp_path, "--csv"],
                   check=True, capture_output=True)
    texts = perfuse.run_cohort(TINY, format="csv")
    for name in ("patients", "summary"):
        assert texts[name] == (tmp_path / f"{name}.csv").read_text(), name
    frames = perfuse.run_cohort(TINY)
    for name in ("patients", "summary"):
        pd.testing.assert_frame_equal(frames[name], pd.read_csv(tmp_path / f"{name}.csv"))
    assert len(frames["patients"]) == 6 and len(frames["summary"]) == 12
    # The empirical ages come from the table, never the zero-weight 85.
    assert set(frames["patients"]["age_years"]) <= {55, 65, 75}


def test_shards_join_to_the_whole_cohort():
    whole = perfuse.run_cohort(TINY, patients=5, format="csv")
    parts = [perfuse.run_cohort(TINY, patients=5, shard=(i, 3), format="csv") for i in range(3)]
    for name in ("patients", "summary"):
        header, *rows = whole[name].splitlines(keepends=True)
        joined = [line for part in parts for line in part[name].splitlines(keepends=True)[1:]]
        assert rows == joined, name


def test_bad_cohort_input_names_the_field(tmp_path):
    spec = TINY.read_text().replace('weights = [1, 2, 1]', 'weights = [1, -2, 1]')
    (tmp_path / "spec.toml").write_text(spec)
    for name in ("short-bypass.toml", "ages.csv"):
        (tmp_path / name).write_text((DATA / name).read_text())
    with pytest.raises(ValueError, match=r"spec\.toml:\d+: population\.bmi_kg_m2\.weights"):
        perfuse.run_cohort(tmp_path / "spec.toml")
    (tmp_path / "ages.csv").write_text("value,weight\n60,1\nsixty,1\n")
    (tmp_path / "spec.toml").write_text(TINY.read_text())
    with pytest.raises(ValueError, match=r"ages\.csv:3: population\.age_years\.file"):
        perfuse.run_cohort(tmp_path / "spec.toml")
    with pytest.raises(ValueError, match="shard"):
        perfuse.run_cohort(TINY, shard=(3, 3))
