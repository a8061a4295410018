"""Target and identity of a smoke run, read from the environment (the seed's variable table).

| Environment variable          | Robot variable                   | Default                              |
| PRODUCTION_URL                | ${BASE_URL}                      | http://localhost:8000                |
| API_TIMEOUT                   | ${API_TIMEOUT} (seconds)         | 30                                   |
| TEST_EMAIL                    | ${TEST_EMAIL}                    | smoketest-<run id>-<random>@...      |
| TEST_PASSWORD                 | ${TEST_PASSWORD} (a Secret)      | SmokeTest123!@#                      |
| CA_BUNDLE                     | ${CA_BUNDLE}, ${TLS_VERIFY}      | certifi's bundle (not the OS store)  |
| REDIS_REQUIRED                | ${REDIS_REQUIRED}                | false: "not configured" is a skip    |
| ALLOW_PLAINTEXT_CREDENTIALS   | ${ALLOW_PLAINTEXT_CREDENTIALS}   | false                                |
| SMOKE_RUN_ID                  | ${RUN_ID} (in test data names)   | a new id per process                 |
| WEBHOOK_RECEIVER              | ${WEBHOOK_RECEIVER_ENABLED}      | auto: only for a target on this host |
|                               | (variables/workflows.resource)   |                                      |

A ``--variablefile`` or ``--variable`` on the command line overrides any of these.
"""

from __future__ import annotations

import os
import re
import uuid

from robot.api.types import Secret


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _run_id() -> str:
    """SMOKE_RUN_ID reduced to what fits in an email local part (a-z, 0-9, '-', at most 24), or a new id."""
    given = re.sub(r"[^a-z0-9-]+", "-", os.environ.get("SMOKE_RUN_ID", "").lower()).strip("-")[:24].strip("-")
    return given or uuid.uuid4().hex[:12]


RUN_ID = _run_id()
BASE_URL = os.environ.get("PRODUCTION_URL", "http://localhost:8000").rstrip("/")
API_TIMEOUT = float(os.environ.get("API_TIMEOUT", "30"))
TEST_EMAIL = os.environ.get("TEST_EMAIL") or f"smoketest-{RUN_ID}-{uuid.uuid4().hex[:16]}@example.com"
TEST_PASSWORD = Secret(os.environ.get("TEST_PASSWORD") or "SmokeTest123!@#")
CA_BUNDLE = os.environ.get("CA_BUNDLE", "")
TLS_VERIFY = CA_BUNDLE or True
REDIS_REQUIRED = _flag("REDIS_REQUIRED")
ALLOW_PLAINTEXT_CREDENTIALS = _flag("ALLOW_PLAINTEXT_CREDENTIALS")
