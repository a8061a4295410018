"""SmokeLibrary: the Python keywords of the Lattice smoke suite.

The suite is written in Robot Framework keywords (``resources/``); this library does what
keywords cannot do well: mask secrets in every artifact, inspect TLS certificates, judge header
policies, parse Prometheus text, compute latency percentiles and verify lattice paths.

Importing the library also installs its masking listener, which replaces passwords, bearer
tokens and webhook secrets with ``***`` in every log message (RequestsLibrary's request and
response logging included), keyword argument and failure message.
"""

from __future__ import annotations

from robot.api.deco import library

from .health import HealthKeywords
from .http import HttpKeywords
from .masking import MaskingListener
from .profiles import ProfileKeywords
from .workflows import WorkflowKeywords

__version__ = "1.0.0"


@library(scope="GLOBAL", version=__version__, listener=MaskingListener(), auto_keywords=False)
class SmokeLibrary(HttpKeywords, ProfileKeywords, HealthKeywords, WorkflowKeywords):
    """Python keywords of the Lattice smoke suite: the checks that are hard to write in Robot.

    The suites are written with the keywords of ``resources/*.resource``; those call this library
    for what Robot keywords cannot do well. Most keywords here are checks: they fail with an
    ``AssertionError`` whose message names the request, what was expected and what came back.

    = Keyword groups =

    - *API profiles* (``profiles.py``): `Request For Offered Operation`, `Request For Operation` and
      `Fill Template` (requests from a profile's operation templates), `Body Of Successful Answer` and
      `Answer Should Be A Refusal Of Kind` (an answer judged by the operation's statuses and fields),
      `Read Location Of` (where the profile reads a value; `Values At Read Locations` reads several),
      `Compare Operations With OpenAPI Document` and `Operation Should Be Documented` (the map checked
      before testing), and
      `Response Should Be An Error In Format` (problem+json or a JSON error message).
    - *HTTP and secrets* (``http.py``): `Bearer Authentication For`,
      `Secret Field Of Response`, `Response Should Have No Value At`, `Response Status Should Be`,
      `Response Should Be Problem Details`, `Target Should Answer`, `Target Should Accept Credentials Safely`,
      `Guard Requests Of Session` (a total deadline and a size cap for every request, no redirect
      with credentials) and `Mask Values Found At` (where answers hold secrets).
    - *Health checks* (``health/``): health documents, Prometheus metrics, response-time SLA,
      security headers, CORS, rate limits, error bodies and TLS certificates.
    - *Workflows* (``workflows/``): step checks (`Step Should Answer`, `Body Should Have Fields`),
      shortest-path verification, forged tokens, test identities and their clean-up, time budgets
      and a local webhook receiver that verifies signatures.

    = Masking =

    Importing the library installs its listener: passwords, bearer tokens and webhook secrets
    are replaced with ``***`` in every log message, keyword argument and failure message before
    they reach ``output.xml``, ``log.html``, ``report.html``, xUnit or the console, in every
    spelling (URL- and form-encoded, JSON-, HTML- and XML-escaped), and so is the user part of
    URLs. RequestsLibrary logs every request and answer of a session itself; the sessions of
    `Guard Requests Of Session` register each answer's secrets (at the locations of `Mask Values
    Found At`, credential headers, cookies) before it is logged, so the listener masks them there
    too. A message longer than 4,000 characters is cut before it is masked (linear time).
    Secrets are passed around as ``Secret`` values.

    = Example =

    | ${token} =    | Secret Field Of Response | ${response} | ${TOKEN_JSONPATH} |
    | Step Should Answer | Create the lattice | ${response} | @{OPERATIONS}[create_lattice][success] |
    """

    def __init__(self) -> None:
        ProfileKeywords.__init__(self)
