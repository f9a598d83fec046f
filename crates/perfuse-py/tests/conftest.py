"""Shared fixtures: the repository root and the `perfuse` binary the CLI comparisons run."""

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parent / "data"


def _binary():
    """PERFUSE_BIN, else the cargo build's (CARGO_TARGET_DIR or target/), else PATH."""
    if os.environ.get("PERFUSE_BIN"):
        return Path(os.environ["PERFUSE_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for profile in ("debug", "release"):
        candidate = target / profile / "perfuse"
        if candidate.is_file():
            return candidate
    found = shutil.which("perfuse")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def perfuse_bin():
    binary = _binary()
    if binary is None or not binary.is_file():
        message = "no perfuse binary: run `cargo build -p perfuse-cli` or set PERFUSE_BIN"
        # In CI a missing binary is a failure, never a skip.
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary
