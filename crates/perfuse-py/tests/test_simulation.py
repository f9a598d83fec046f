"""perfuse.Simulation: invariants while stepping, snapshots, and errors that name the field."""

import math

import pytest

import perfuse

PATIENT = {"sex": "female", "age_years": 70, "height_cm": 160, "weight_kg": 60, "hct_pct": 36}
SATURATIONS = ("sao2_pct", "svo2_pct", "rso2_pct")


def on_bypass(seed=0):
    sim = perfuse.Simulation(PATIENT, {"prime_ml": 1400}, seed=seed)
    sim.apply({"action": "heparin", "units": 24000})
    sim.step(180)
    assert sim.apply({"action": "start-bypass", "flow_l_min": 3.9}) is None
    return sim


def test_stepping_keeps_every_observation_finite_and_saturations_in_range():
    sim = on_bypass()
    sim.apply({"action": "set-water-temp", "temp_c": 32})
    for minute in range(30):
        sim.step(60)
        obs = sim.observe()
        assert obs["time_s"] == pytest.approx(180 + 60 * (minute + 1))
        assert obs["phase"] == "bypass"
        for name, value in obs.items():
            if isinstance(value, float):
                assert math.isfinite(value), name
        for name in SATURATIONS:
            assert 0 <= obs[name] <= 100, (name, obs[name])
        # On full bypass the pump delivers what was set (no ramp left after 3 min).
        if minute >= 3:
            assert obs["pump_flow_l_min"] == pytest.approx(3.9, abs=0.05)


def test_observing_is_a_pure_read():
    a, b = on_bypass(), on_bypass()
    for _ in range(10):
        a.step(30)
        a.observe()
    b.step(300)
    assert a.observe() == b.observe()


def test_snapshot_restore_gives_identical_observations():
    sim = on_bypass(seed=7)
    sim.step(600)
    sim.apply({"action": "give-fluid", "ml": 250})
    sim.step(37.5)
    snap = sim.snapshot()
    sim.apply({"action": "set-flow", "flow_l_min": 3.0})
    sim.step(300)
    expected = sim.observe()

    # Into another simulation (another patient entirely): the snapshot carries its set-up.
    other = perfuse.Simulation({"sex": "male", "age_years": 5, "height_cm": 110,
                                "weight_kg": 19, "hct_pct": 35}, {"prime_ml": 600})
    other.restore(snap)
    assert other.time_s == pytest.approx(sim.time_s - 300)
    other.apply({"action": "set-flow", "flow_l_min": 3.0})
    other.step(300)
    assert other.observe() == expected

    # And back into the original: a rewind.
    sim.restore(snap)
    sim.apply({"action": "set-flow", "flow_l_min": 3.0})
    sim.step(300)
    assert sim.observe() == expected


def test_apply_reports_ignored_and_warned_actions():
    sim = perfuse.Simulation(PATIENT)
    assert sim.apply({"action": "end-bypass"}).startswith("ignored: ")
    note = sim.apply({"action": "cardioplegia", "ml": 600})
    assert note is not None and note.startswith("warning: ")


@pytest.mark.parametrize(
    "patient, field",
    [
        ({**PATIENT, "weight_kg": 300}, "weight_kg"),
        ({**PATIENT, "hct_pct": 80}, "hct_pct"),
        ({**PATIENT, "sex": "other"}, "sex"),
        ({**PATIENT, "weight_kgs": 60}, "weight_kgs"),
        ({k: v for k, v in PATIENT.items() if k != "age_years"}, "age_years"),
        ({**PATIENT, "age_years": [70]}, "age_years"),
    ],
)
def test_a_bad_patient_raises_value_error_naming_the_field(patient, field):
    with pytest.raises(ValueError, match=field):
        perfuse.Simulation(patient)


def test_bad_circuit_and_actions_name_the_field():
    with pytest.raises(ValueError, match=r"prime_ml.*between 100 and 5000"):
        perfuse.Simulation(PATIENT, {"prime_ml": 50})
    sim = perfuse.Simulation(PATIENT)
    with pytest.raises(ValueError, match=r"flow_l_min: 20: must be between 0 and 8"):
        sim.apply({"action": "set-flow", "flow_l_min": 20})
    with pytest.raises(ValueError, match=r"action: unknown action \"go-on-pump\""):
        sim.apply({"action": "go-on-pump"})
    with pytest.raises(ValueError, match="flow"):
        sim.apply({"action": "set-flow", "flow": 4})
    with pytest.raises(ValueError, match="seconds"):
        sim.step(float("nan"))
    with pytest.raises(ValueError, match="snapshot"):
        sim.restore(b"not a snapshot")
    # A refused action leaves the simulation as it was.
    assert sim.observe()["pump_flow_l_min"] == 0
