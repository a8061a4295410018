"""What one run is asked to do (``Options``): built by the command line (``cli``), carried out by
the pipeline (``pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from smoke_runner import REPO_ROOT

SUITE_NAMES = ("health", "workflows")
#: Tests being retired carry this tag for one release (the seed's "Removing Deprecated Tests"):
#: they are not run unless asked for with --include deprecated, and a run without them is not partial.
DEPRECATED_TAG = "deprecated"
#: The reference API's dialects --demo can start (reference_api/README.md, "Dialects").
DEMO_DIALECTS = ("contract", "classic", "lean")


@dataclass
class Options:
    """Parsed command line."""

    demo: bool = False
    dialect: str = "contract"  # the demo API's dialect (--dialect, only with --demo)
    suites: list[str] = field(default_factory=lambda: list(SUITE_NAMES))
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    processes: int = 2
    variablefiles: list[str] = field(default_factory=list)  # checked, resolved ``path[:arg...]``
    tests: list[str] = field(default_factory=list)  # --test/--task patterns
    dryrun: bool = False
    rerun: bool = True
    results_dir: Path = REPO_ROOT / "results"
    passthrough: list[str] = field(default_factory=list)  # other allowed robot options, canonical
    listeners: list[str] = field(default_factory=list)  # allowed --listener values, checked (configure/passthrough.py)
    junit_flavour: str = "strict"  # the JUnit files' flavour: strict or gitlab (publish/junit.py)
    # watching deployments over time (docs/monitoring.md)
    environment: str | None = None  # --environment / $SMOKE_ENVIRONMENT (None: derived from the target)
    dashboard: bool = False  # --dashboard: update results/dashboard.html (also in canary mode, once it exists)
    every: float | None = None  # canary mode: seconds between run starts
    metrics_listen: tuple[str, int] | None = None  # canary: where /metrics is served
    keep: int | None = None  # canary: run folders kept
    # the API profile, without running the suites (docs/point-the-gate-at-your-api.md)
    check_profile: bool = False  # --check-profile: validate it, compare it with the target, print the table
    draft_profile: Path | None = None  # --draft-profile FILE: write a starting profile from the target's document
