"""The FHIR R4 bundle of the sample record, validated against the R4 (4.0.1) resource models of
fhir.resources: every element's name, type, cardinality and required children (value sets are not
checked by these models). The bundle is `perfuse record fhir`'s output for
docs/examples/case.toml (the Rust test `example_bundle_in_docs_is_current` keeps the file equal to
what the code writes), so this validates the code's bundles; the Rust tests check codes, values
and references."""

import copy
import json
from pathlib import Path

import pytest
from fhir.resources import __fhir_version__
from fhir.resources.bundle import Bundle
from pydantic import ValidationError

BUNDLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "case.fhir.json"


def load():
    return json.loads(BUNDLE.read_text())


def test_the_models_are_r4():
    assert __fhir_version__ == "4.0.1"


def test_the_sample_bundle_is_valid_r4():
    bundle = Bundle.parse_obj(load())
    kinds = sorted({entry.resource.resource_type for entry in bundle.entry})
    for kind in ["Encounter", "MedicationAdministration", "Observation", "Patient", "Procedure"]:
        assert kind in kinds


def observation_value_as_text(r):
    if r["resourceType"] == "Observation" and "valueQuantity" in r:
        r["valueQuantity"]["value"] = "seven"


@pytest.mark.parametrize(
    "break_it",
    [
        observation_value_as_text,
        lambda r: r.pop("status") if r["resourceType"] == "Procedure" else None,
        lambda r: r.update(sex="male") if r["resourceType"] == "Patient" else None,
        lambda r: r.update(status="") if r["resourceType"] == "Encounter" else None,
    ],
    ids=["a quantity's value as text", "procedure without status", "an element R4 does not have", "an empty code"],
)
def test_a_broken_bundle_is_refused(break_it):
    bundle = copy.deepcopy(load())
    for entry in bundle["entry"]:
        break_it(entry["resource"])
    with pytest.raises(ValidationError):
        Bundle.parse_obj(bundle)
