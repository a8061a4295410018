"""Proof runs: a reference API broken as the suites' ``guards:`` tags say, and the check of the result.

See :mod:`tests.support.suite_model` for the declarations. A proof run starts one reference API
with the proofs' faults and mutations, runs the guarded test(s) and checks each failed with every
declared part of its message. Several proofs share one run: :mod:`tests.support.proof_groups`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping

from reference_api.app import DIALECT_ROUTES
from reference_api.faults import HTTPS_ONLY_FAULTS, NOT_IN_DIALECT
from tests.support.robot_run import RobotRun
from tests.support.server import ReferenceApi
from tests.support.suite_model import Proof, ProofCase, ProofRun, SuiteTest


def proof_api(proofs: Iterable[Proof], env: Mapping[str, str] | None = None) -> ReferenceApi:
    """A reference API (not started yet) with the faults and mutations of ``proofs``.

    An HTTPS-only fault (``reference_api.faults.HTTPS_ONLY_FAULTS``) makes it serve HTTPS.
    """
    proofs = tuple(proofs)
    faults = [p.spec for p in proofs if p.kind == "fault"]
    mutations = [p.spec for p in proofs if p.kind == "mutate"]
    if any(p.kind == "stand-in" for p in proofs):
        raise ValueError(f"stand-in proofs are run by their own tests, not a reference API: {proofs}")
    extra = dict(env or {})
    if mutations:
        extra["LATTICE_MUTATIONS"] = ";".join(mutations)
    return ReferenceApi(faults=faults, env=extra, tls=serves_https(proofs))


def serves_https(proofs: Iterable[Proof]) -> bool:
    """Whether a proof run of ``proofs`` needs the reference API to serve HTTPS."""
    return any(p.kind == "fault" and p.spec in HTTPS_ONLY_FAULTS for p in proofs)


def proof_env(api: ReferenceApi) -> dict[str, str]:
    """The environment a suite needs to trust ``api`` (its CA when it serves HTTPS)."""
    return {"CA_BUNDLE": str(api.ca_bundle)} if api.ca_bundle else {}


def proof_problems(run: RobotRun, test: SuiteTest, proof: Proof) -> list[str]:
    """What is wrong with ``run`` as a proof that ``proof`` breaks ``test`` (empty: it is a proof)."""
    if test.name not in run.tests:
        return [f"{test.name!r} did not run; tests were {sorted(run.tests)}"]
    outcome = run.tests[test.name]
    if outcome.status != "FAIL":
        return [f"{test.name!r} is {outcome.status}, not FAIL, although guards:{proof.label} is on"]
    return [
        f"{test.name!r} failed without {text!r} (declared by guards:{proof.label} -> {text}): {outcome.message}"
        for text in proof.expects
        if text not in outcome.message
    ]


def proof_run_problems(run: RobotRun, proof_run: ProofRun) -> list[str]:
    """What is wrong with ``run`` as the proof that ``proof_run``'s proof breaks each of its tests."""
    return [problem for case in proof_run.cases for problem in proof_problems(run, case.test, case.proof)]


def describe(run: RobotRun) -> str:
    """Each test's status and message, and the end of the console output (for assertion messages)."""
    lines = [f"{outcome.status} {name}: {outcome.message[:400]}" for name, outcome in run.tests.items()]
    return "\n".join(lines) + "\n" + run.stdout[-2000:]


# -- proofs on the reference API's other dialects ------------------------------------------------
def _served_paths(dialect: str) -> list[str]:
    """The paths the reference API serves in ``dialect`` (path parameters as ``x``)."""
    paths = [route.path for module in DIALECT_ROUTES[dialect] for route in module.router.routes]
    return [re.sub(r"\{[^}]*\}", "x", path) for path in [*paths, "/openapi.json"]]


def not_applicable(case: ProofCase, dialect: str) -> str | None:
    """Why ``case`` cannot be run against ``dialect`` over plain HTTP, or None when it can.

    Declared in the reference API: faults that change nothing there (``NOT_IN_DIALECT``), faults
    only visible over HTTPS (``HTTPS_ONLY_FAULTS``), and mutations of paths the dialect does not serve.
    """
    proof = case.proof
    if proof.kind == "stand-in":
        return f"stand-in:{proof.spec} is run by its own test"
    if proof.kind == "fault":
        if proof.spec in NOT_IN_DIALECT.get(dialect, {}):
            return NOT_IN_DIALECT[dialect][proof.spec]
        if proof.spec in HTTPS_ONLY_FAULTS:
            return f"{proof.spec} shows only over HTTPS"
        return None
    pattern = proof.spec.rpartition(":")[0].split(None, 1)[1]
    if not any(fnmatch.fnmatchcase(path, pattern) for path in _served_paths(dialect)):
        return f"the {dialect} dialect serves no path {pattern}"
    return None
