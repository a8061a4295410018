"""SmokeLibrary: the Python keywords of the Lattice smoke suite.

The suite is written in Robot Framework keywords (``resources/``); this library does what
keywords cannot do well: mask secrets in every artifact, inspect TLS certificates, judge header
policies, parse Prometheus text, compute latency percentiles and verify lattice paths.

Importing the library also installs its masking listener, which replaces passwords, bearer
tokens and webhook secrets with ``***`` in every log message, keyword argument and failure
message, and replaces RequestsLibrary's request/response logging with a masked, length-bounded
version.
"""

from __future__ import annotations

from robot.api.deco import library

from .health import HealthKeywords
from .http import HttpKeywords
from .masking import MaskingListener, install_requests_library_masking
from .workflows import WorkflowKeywords

__version__ = "1.0.0"


@library(scope="GLOBAL", version=__version__, listener=MaskingListener(), auto_keywords=False)
class SmokeLibrary(HttpKeywords, HealthKeywords, WorkflowKeywords):
    """Python keywords of the Lattice smoke suite (see the module documentation)."""

    def __init__(self) -> None:
        install_requests_library_masking()
