"""Fast checks before any test runs: the Python version, importable requirements, and one request
to the target (does it answer at all?)."""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass

from smoke_runner.configure.settings import ConfigurationError
from smoke_runner.domain.redaction import public_url, redact
from smoke_runner.preflight.python_version import unsupported_python

#: Modules the suites need (requirements.txt) and those the bundled reference API needs (--demo).
SUITE_MODULES = (
    "robot",
    "pabot",
    "RequestsLibrary",
    "JSONLibrary",
    "requests",
    "prometheus_client",
    "cryptography",
    "psutil",
    "yaml",
)
DEMO_MODULES = ("fastapi", "uvicorn", "sqlalchemy", "jwt", "argon2")


def check_python() -> None:
    """A configuration error below the supported Python version (``requires-python``)."""
    problem = unsupported_python()
    if problem:
        raise ConfigurationError(problem)


def missing_modules(demo: bool = False) -> list[str]:
    """Names of required modules that cannot be imported."""
    names = SUITE_MODULES + (DEMO_MODULES if demo else ())
    return [name for name in names if importlib.util.find_spec(name) is None]


def check_requirements(demo: bool = False) -> None:
    """A configuration error naming the requirements that are not installed."""
    missing = missing_modules(demo)
    if missing:
        files = "requirements.txt" + (" and reference_api/requirements.txt" if demo else "")
        raise ConfigurationError(
            f"Missing Python packages: {', '.join(missing)}. Install {files} into the virtual environment "
            "(run_smoke.sh / run_smoke.bat do this for you)."
        )


@dataclass
class ReachabilityResult:
    """Outcome of the reachability probe: ``error`` is None when the target answered."""

    error: str | None
    status: int | None = None
    seconds: float = 0.0


def probe_target(url: str, timeout: float, ca_bundle: str = "") -> ReachabilityResult:
    """One GET of ``url``; any HTTP status counts as an answer.

    ``timeout`` bounds the connection and the wait for the first byte; TLS is verified against
    ``ca_bundle`` when given (passed per request, so ``REQUESTS_CA_BUNDLE`` cannot override it).
    """
    import requests

    verify: bool | str = ca_bundle or True
    started = time.monotonic()

    def failed(reason: str) -> ReachabilityResult:
        return ReachabilityResult(reason, seconds=time.monotonic() - started)

    try:
        response = requests.get(url, timeout=(timeout, timeout), verify=verify, allow_redirects=False, stream=True)
        response.close()
    except requests.exceptions.SSLError as error:
        return failed(_one_line("TLS verification failed", error))
    except requests.exceptions.ConnectTimeout:
        return failed(f"no connection to {public_url(url)} within {timeout:g} s")
    except requests.exceptions.ReadTimeout:
        return failed(f"{public_url(url)} accepted the connection but sent no answer within {timeout:g} s")
    except requests.exceptions.ConnectionError as error:
        return failed(_one_line(f"cannot connect to {public_url(url)}", error))
    except (requests.exceptions.RequestException, OSError, ValueError) as error:
        return failed(_one_line(f"request to {public_url(url)} failed", error))
    return ReachabilityResult(None, response.status_code, time.monotonic() - started)


def _one_line(prefix: str, error: BaseException) -> str:
    text = str(error)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "nodename nor servname",
        "No route to host",
        "Network is unreachable",
        "certificate verify failed",
        "CERTIFICATE_VERIFY_FAILED",
        "hostname mismatch",
        "Temporary failure in name resolution",
    ):
        if marker in text:
            text = marker
            break
    else:
        text = " ".join(text.split())[:200]
    return redact(f"{prefix}: {text}")
