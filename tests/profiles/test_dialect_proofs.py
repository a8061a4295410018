"""The declared proofs on the reference API's other dialects, each run with its profile (issues 10 and 21).

Every proof the suites declare (``guards:`` tags) that applies to a dialect makes the tests guarding
it fail there too, with a message naming the real problem: the declared parts, or in lean the words
of ``tests/profiles/_dialect.py`` (``LEAN_MESSAGES``); in lean a test that runs narrowed may leave a
fault to another test guarding it. A proof that cannot apply is left out for the reason the
reference API declares (``reference_api.faults.NOT_IN_DIALECT``, HTTPS-only faults, mutations of
paths the dialect does not serve) or the dialect's own (``Dialect.not_here``).

The proofs run in groups (``tests/support/proof_groups.py``; a proof its group's run does not prove
is run alone and judged there): in the default tier one proof of every test (the default contract's
proofs, ``tests/health`` and ``tests/workflows``, run all of theirs in every tier), in the full tier
all of them. Last, the acceptance check of issue 21: a broken lean API fails naming the cause.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.profiles._dialect import CLASSIC, KEEPS_DELETED_USERS, LEAN, Dialect
from tests.support.proof_groups import ProofSession, every_test_once
from tests.support.suite_model import Proof, ProofCase, ProofRun, parse_proof, suite_test_named

pytestmark = pytest.mark.suites

DIALECTS = {dialect.name: dialect for dialect in (CLASSIC, LEAN)}


def proof_params(dialect: Dialect) -> list[object]:
    """``(dialect, proof run)`` for every proof that applies to ``dialect``; the quick ones by default."""
    runs = dialect.applicable_runs()
    quick = every_test_once(runs, KEEPS_DELETED_USERS)
    return [
        pytest.param(
            dialect.name, run, id=f"{dialect.name}-{run.id}", marks=() if run.id in quick else pytest.mark.full
        )
        for run in runs
    ]


@pytest.fixture(scope="module")
def proofs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ProofSession]:
    """The selected proofs of each dialect, grouped (run when a test first asks for a group)."""
    return {name: dialect.proof_session(request, tmp_path_factory) for name, dialect in DIALECTS.items()}


@pytest.mark.parametrize(("dialect", "proof_run"), [param for d in DIALECTS.values() for param in proof_params(d)])
def test_proof_of_each_test_on_another_dialect(
    dialect: str, proof_run: ProofRun, proofs: dict[str, ProofSession], record_property: Callable[[str, object], None]
) -> None:
    proofs[dialect].prove(proof_run, record_property)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_proof_a_dialect_cannot_run_says_why(dialect: str) -> None:
    skipped = DIALECTS[dialect].not_applicable_runs()
    assert skipped and all(skipped.values()), skipped
    assert "hsts_short" in skipped and "login_500" not in skipped, skipped  # over plain HTTP; both have a login


def test_what_each_dialect_lacks_is_left_out_and_nothing_else() -> None:
    classic, lean = CLASSIC.not_applicable_runs(), LEAN.not_applicable_runs()
    assert "webhook_unsigned" in classic and "tenant_leak_count" in classic and "tenant_leak" not in classic
    assert "tenant_leak" in lean and "tenant_leak_listing" not in lean
    assert "mutate:GET /health:remove-field=checks.database" in lean


# -- the acceptance check of issue 21 --------------------------------------------------------------
ACCEPTANCE = [
    ("health_pass_with_failed_check", "API Server Is Running And Responding", "the report contradicts itself"),
    ("login_500", "Authentication Endpoint Is Accessible", "answered 500"),
    ("tenant_leak_listing", "Authenticated API Access Flow", "Tenant isolation broken in the listing"),
    ("missing_security_headers", "Security Headers Are Present", "X-Content-Type-Options is missing"),
    ("mutate:GET /health:delay=2000", "Response Times Meet SLA", "exceeds 500 ms"),
]


def acceptance_run(defect: str, test: str, cause: str) -> ProofRun:
    """The proof run of ``defect`` on ``test`` in lean: the declared one (run with the other proofs),
    else one of its own that must give ``cause``."""
    for proof_run in LEAN.applicable_runs():
        if proof_run.proof.label == defect and test in proof_run.test_names:
            return proof_run
    kind, spec, _ = parse_proof(f"guards:{defect}")
    return ProofRun((ProofCase(suite_test_named(test), Proof(kind, spec, (cause,))),))


@pytest.mark.parametrize(
    ("dialect", "proof_run", "test", "cause"),
    [pytest.param("lean", acceptance_run(*item), item[1], item[2], id=item[0]) for item in ACCEPTANCE],
)
def test_a_broken_lean_api_fails_naming_the_cause(
    dialect: str, proof_run: ProofRun, test: str, cause: str, proofs: dict[str, ProofSession]
) -> None:
    verdict = proofs[dialect].verdict(proof_run)
    assert verdict.proven, verdict.explain()
    message = verdict.attempts[-1].run.message(test)
    assert cause in message, message
