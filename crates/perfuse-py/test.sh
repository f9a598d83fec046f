#!/usr/bin/env bash
# The Python package's tests, as the README and .ci/run run them: a venv (in the cargo target
# directory), the tools of requirements-ci.txt, the extension built into it (`maturin develop`,
# the dev profile: the simulator is optimised even there), the `perfuse` binary the tests
# compare against, then pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
root="$(cd ../.. && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
venv="${PERFUSE_PY_VENV:-$CARGO_TARGET_DIR/py-venv}"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-ci.txt
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"
maturin develop --locked --quiet
cargo build -p perfuse-cli --locked --quiet
python -m pytest -q --ignore=tests/test_fhir.py "$@"
# The FHIR R4 models need pydantic 1, which Ray refuses: their own venv, without the package.
fhir_venv="${venv}-fhir"
[ -x "$fhir_venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$fhir_venv"
"$fhir_venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-fhir.txt
"$fhir_venv/bin/python" -m pytest -q -p no:cacheprovider --noconftest tests/test_fhir.py
