"""Type stubs of the Rust extension (crates/perfuse-py/src)."""

from typing import Dict, Optional, Tuple, Union

__version__: str

Value = Union[str, int, float, bool]
Observation = Optional[Union[float, str]]

class Simulation:
    """One patient on the bypass circuit, stepped by the caller (5 ms model steps)."""

    def __init__(
        self,
        patient: Dict[str, Value],
        circuit: Optional[Dict[str, Value]] = None,
        seed: int = 0,
    ) -> None:
        """``[patient]`` and ``[circuit]`` keys of a scenario file (docs/scenarios.md), with
        their units in their names (``weight_kg``, ``prime_ml``). ``circuit=None`` is
        ``{"prime_ml": 1500}``. Raises ValueError naming the key, value and range."""
    @property
    def time_s(self) -> float:
        """Simulated time, s."""
    def step(self, seconds: float) -> None:
        """Advances by ``seconds`` of simulated time (GIL released)."""
    def apply(self, action: Dict[str, Value]) -> Optional[str]:
        """An ``[[events]]`` action now, e.g. ``{"action": "set-flow", "flow_l_min": 4.5}``.
        None if it took effect, ``"warning: …"`` or ``"ignored: …"`` otherwise."""
    def observe(self) -> Dict[str, Observation]:
        """The data-dictionary columns now (``map_mmhg``, ``do2i_ml_min_m2``, …); None where
        a value does not apply."""
    def snapshot(self) -> bytes:
        """The state: set-up and action journal (TOML text), portable across processes."""
    def restore(self, snapshot: bytes) -> None:
        """Returns to a snapshot's moment by deterministic replay (GIL released)."""

def run_scenario_csv(text: str, file: str, every_ms: int = 10000, seed: Optional[int] = None) -> str: ...
def cohort_files(spec_text: str, spec_file: str, base_dir: str) -> Dict[str, str]: ...
def cohort_patients(spec_text: str, spec_file: str, files: Dict[str, str]) -> int: ...
def cohort_headers() -> Tuple[str, str]: ...
def cohort_rows(
    spec_text: str, spec_file: str, files: Dict[str, str], start: int, end: int
) -> Tuple[str, str]: ...
