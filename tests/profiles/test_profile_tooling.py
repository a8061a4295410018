"""smoke_runner/profiles: the safe loader, the schema, capabilities, policies, the check, the draft and
the findings of a run, without a run of the suites (but against the dialects' real OpenAPI documents)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from reference_api.app import DIALECT_ROUTES
from smoke_runner.profiles import (
    FULL,
    NARROWED,
    NOT_OFFERED,
    ProfileError,
    applicability_table,
    check_profile,
    declared_tests,
    draft_profile,
    load_yaml_text,
    read_findings,
    read_openapi_document,
)
from smoke_runner.profiles.__main__ import main
from smoke_runner.profiles.capabilities import (
    SKIPS,
    DeclarationError,
    Declarations,
    applicability_of,
    capability_gap,
    declarations_of,
    is_target_capability,
)
from smoke_runner.profiles.channels import as_items, items_of
from smoke_runner.profiles.policies import csp_allowed_sources, effective_policies, loosened_policies
from smoke_runner.profiles.schema_file import policy_defaults
from tests.support.robot_run import run_suite
from tests.support.server import ReferenceApi

REPO_ROOT = Path(__file__).resolve().parents[2]
PROFILES = REPO_ROOT / "variables" / "profiles"
CONTRACT = PROFILES / "contract.yaml"
SUITES = REPO_ROOT / "suites"
DIALECTS = sorted(DIALECT_ROUTES)


def contract_text() -> str:
    return CONTRACT.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the safe loader ------------------------------------------------------------------------------
LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdefgh", "bcdefghi")]
)


def test_a_500_byte_billion_laughs_is_refused_at_once_naming_the_line() -> None:
    assert len(LAUGHS.encode()) < 600
    started = time.monotonic()
    with pytest.raises(ProfileError, match=r"the profile line \d+: expands to more than 200,000 values"):
        load_yaml_text(LAUGHS)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PROFILE_NAME: x\n1: one\n", "line 2: the key '1' is not a string"),
        ("A: 1\nA: 2\n", "line 2: the key 'A' is given twice in one mapping (first on line 1)"),
        ("A: !!python/name:os.system\n", "line 1: the tag tag:yaml.org,2002:python/name:os.system is not allowed"),
        ("A: 2024-01-01\n", "line 1: the tag tag:yaml.org,2002:timestamp is not allowed"),
        ("a: &a [*a]\n", "line 1: an alias refers to a value that contains it"),
        ("A: [" * 50 + "]" * 50 + "\n", "nested deeper than 40 levels"),
        ("A: {b: [1, 2\n", "not valid YAML"),
        ("x: " + " ".join(f"*a{n}" for n in range(200)), "line 1"),
    ],
)
def test_untrusted_yaml_is_refused_in_one_line_naming_the_line(text: str, expected: str) -> None:
    with pytest.raises(ProfileError) as refused:
        load_yaml_text(text)
    assert expected in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_profile_larger_than_one_megabyte_is_refused_without_being_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, "A: " + "x" * 1_100_000 + "\n")
    with pytest.raises(ProfileError, match="larger than 1,000,000 bytes"):
        check_profile(path)


def test_the_loader_keeps_the_line_of_every_key() -> None:
    loaded = load_yaml_text("A: 1\nOPERATIONS:\n  login:\n    success: [200]\n")
    assert loaded.data == {"A": 1, "OPERATIONS": {"login": {"success": [200]}}}
    assert loaded.line_of(("OPERATIONS", "login", "success")) == 4
    assert loaded.line_of(("OPERATIONS", "login", "success", 0)) == 4


# -- the schema -----------------------------------------------------------------------------------
def test_a_typo_or_a_wrong_type_is_a_problem_naming_the_key_and_the_line(tmp_path: Path) -> None:
    text = contract_text().replace(
        "    success: [200]\n    fields: [$.access_token", "    sucess: [200]\n    fields: [$.access_token"
    )
    text = text.replace("REQUEST_COUNTER: http_requests_total", "REQUEST_COUNTER: [http_requests_total]")
    path = write(tmp_path, text)
    check = check_profile(path)
    assert not check.ok
    lines = text.splitlines()
    typo = next(number for number, line in enumerate(lines, 1) if "sucess" in line)
    counter = next(number for number, line in enumerate(lines, 1) if line.startswith("REQUEST_COUNTER"))
    problems = "\n".join(check.problems)
    assert f"{path} line {typo}: OPERATIONS.login.sucess: not a key a profile may have here (a typo?)" in problems
    login = next(number for number, line in enumerate(lines, 1) if line == "  login:")
    assert f"{path} line {login}: OPERATIONS.login: lacks the required key 'success'" in problems
    assert f"{path} line {counter}: REQUEST_COUNTER: is list ['http_requests_total'], expected string" in problems


@pytest.mark.parametrize(
    "path", ["http://127.1:8000/auth/login", "//evil.example/auth", "auth/login", "/auth//login", "/auth?x=1", "/a b"]
)
def test_operation_paths_must_be_relative_to_the_target(tmp_path: Path, path: str) -> None:
    text = contract_text().replace("path: /api/v1/auth/login", f"path: {path!r}".replace("'", '"'))
    check = check_profile(write(tmp_path, text))
    assert any(
        "OPERATIONS.login.path: is" in problem and "a path must be relative to the target" in problem
        for problem in check.problems
    ), check.problems


def test_a_waiver_needs_a_reason_and_a_security_test(tmp_path: Path) -> None:
    text = contract_text().replace(
        "WAIVERS: []",
        "WAIVERS:\n  - {test: User Login Flow, reason: we log in elsewhere entirely}\n"
        "  - {test: No Such Test, reason: it does not exist anyway here}\n"
        "  - {test: CORS Headers Are Configured, reason: short}",
    )
    problems = "\n".join(check_profile(write(tmp_path, text)).problems)
    assert "WAIVERS[2].reason: 'short' is too short" in problems
    text = text.replace("reason: short", "reason: the front end is served from the same origin")
    problems = "\n".join(check_profile(write(tmp_path, text)).problems)
    assert "WAIVERS: 'No Such Test' is no test of the suites" in problems
    assert "WAIVERS: 'User Login Flow' is not a security test" not in problems  # it is one
    check = check_profile(
        write(tmp_path, text.replace("  - {test: No Such Test, reason: it does not exist anyway here}\n", ""))
    )
    assert check.ok, check.render()
    assert check.waivers[1] == ("CORS Headers Are Configured", "the front end is served from the same origin")


# -- capabilities and applicability ---------------------------------------------------------------
def profile_with(**changes: Any) -> dict[str, Any]:
    profile: dict[str, Any] = yaml.safe_load(contract_text())
    for key, value in changes.items():
        if key in profile["OPERATIONS"]:
            profile["OPERATIONS"][key] = value
        else:
            profile[key] = value
    return profile


def test_declarations_are_read_from_tags_and_a_malformed_one_is_named() -> None:
    declared = declarations_of(["auth", "needs:login", "without:usage.paths -> the path counter", "guards:x"])
    assert declared == Declarations(("login",), (("usage.paths", "the path counter"),))
    assert declared.left_out_without("usage.paths") == "the path counter"
    with pytest.raises(DeclarationError, match="write without:CAPABILITY -> what the test then leaves out"):
        declarations_of(["without:usage"])


def test_each_kind_of_capability_is_judged_from_the_profile() -> None:
    lean = profile_with(
        read_lattice={"offered": False},
        usage={"method": "GET", "path": "/usage", "success": [200], "read": {"requests": "$.calls"}},
        HEALTH_COMPONENTS={"database": {"names": ["db"]}},
        CLEANUP={"strategy": "created-only"},
    )
    assert capability_gap(lean, "login") is None
    assert capability_gap(lean, "read_lattice") == (
        "operation 'read_lattice' is not offered by this deployment (profile contract)"
    )
    assert capability_gap(lean, "usage.requests") is None
    assert capability_gap(lean, "usage.paths") == "operation 'usage' reads no 'paths' (profile contract)"
    assert capability_gap(lean, "health:database") is None
    assert capability_gap(lean, "health:cache") == (
        "the health component 'cache' is not part of this deployment (profile contract)"
    )
    assert capability_gap(lean, "user-deletion") == "cleanup strategy created-only deletes no user (profile contract)"
    admin = profile_with(CLEANUP={"strategy": "admin"})
    assert "admin_delete_user' is not offered" in str(capability_gap(admin, "user-deletion"))
    admin["OPERATIONS"]["admin_delete_user"] = {"method": "DELETE", "path": "/admin/users/{id}", "success": [204]}
    assert capability_gap(admin, "user-deletion") is None
    assert "SMOKE_ADMIN_TOKEN is not set" in str(capability_gap(admin, "user-deletion", admin_token=False))


def test_a_derived_value_counts_as_read() -> None:
    derived = profile_with(
        find_path={
            "method": "POST",
            "path": "/p/{id}",
            "success": [200],
            "read": {"path": "$.path"},
            "transform": {"found": "derived", "distance": "derived", "path": "vertex-indices"},
        }
    )
    assert capability_gap(derived, "find_path.found") is None
    assert capability_gap(derived, "find_path.distance") is None


def test_a_missing_need_blanks_a_test_and_a_missing_extra_narrows_it() -> None:
    declared = Declarations(("create_lattice",), (("read_lattice", "reading it by id"), ("usage", "the counts")))
    profile = profile_with(read_lattice={"offered": False})
    narrowed = applicability_of(profile, declared)
    assert narrowed.status == NARROWED
    assert narrowed.describe() == (
        "runs narrowed: reading it by id left out "
        "(operation 'read_lattice' is not offered by this deployment (profile contract))"
    )
    blank = applicability_of(profile_with(create_lattice={"offered": False}), declared)
    assert blank.status == NOT_OFFERED and "create_lattice" in blank.reason
    assert applicability_of(profile_with(), declared).status == FULL


def test_every_test_of_the_suites_declares_readable_needs_and_known_capabilities() -> None:
    tests = declared_tests()
    assert len(tests) >= 21
    operations = set(yaml.safe_load(contract_text())["OPERATIONS"])
    for test in tests:
        for capability in [*test.declarations.needs, *(name for name, _ in test.declarations.without)]:
            base = capability.split(".")[0]
            known = capability.startswith("health:") or capability == "user-deletion" or base in operations
            assert known or is_target_capability(capability), (test.name, capability)


HTTPS_ONLY = "runs only over https://; this target is plain HTTP: skips"


def test_a_test_that_needs_https_skips_on_a_plain_http_target_and_says_so() -> None:
    needs_https = Declarations(("https", "login"))
    assert capability_gap(profile_with(), "https") is None  # the target is not known
    assert capability_gap(profile_with(), "https", target_url="HTTPS://api.example.com") is None
    plain = applicability_of(profile_with(), needs_https, target_url="http://127.0.0.1:8000")
    assert (plain.status, plain.describe()) == (SKIPS, HTTPS_ONLY)
    assert applicability_of(profile_with(), needs_https, target_url="https://api.example.com").describe() == FULL
    unknown = applicability_of(profile_with(), needs_https)
    assert unknown.status == FULL
    assert unknown.describe() == "runs fully (over https:// only: skips on a plain-HTTP target)"
    gone = applicability_of(profile_with(login={"offered": False}), needs_https, target_url="https://api.example.com")
    assert gone.status == NOT_OFFERED


def test_the_table_says_which_tests_skip_on_a_plain_http_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    over_https = [test.name for test in declared_tests() if "https" in test.declarations.needs]
    assert over_https == ["SSL Certificate Is Valid For HTTPS"]
    plain = check_profile(CONTRACT, target_url="http://127.0.0.1:8000")
    assert plain.ok, plain.render()
    rows = {row.test.name: row for row in plain.tests}
    assert rows["SSL Certificate Is Valid For HTTPS"].applicability.describe() == HTTPS_ONLY
    assert not rows["SSL Certificate Is Valid For HTTPS"].leaves_out_security  # the profile leaves nothing out
    assert not any("SSL" in note for note in plain.notes), plain.notes
    rendered = plain.render()
    assert re.search(rf"\n  health +SSL Certificate Is Valid For HTTPS +{re.escape(HTTPS_ONLY)}\n", rendered), rendered
    assert "not offered, 1 skip on this target" in rendered
    over_tls = check_profile(CONTRACT, target_url="https://api.example.com").render()
    assert HTTPS_ONLY not in over_tls and "skip on this target" not in over_tls
    assert "over https:// only: skips on a plain-HTTP target" in check_profile(CONTRACT).render()
    assert main(["check", str(CONTRACT), "--target", "http://127.0.0.1:8000"]) == 0
    assert HTTPS_ONLY in capsys.readouterr().out


def _called_by_test(suite: Path) -> dict[str, set[str]]:
    """The keywords each test of ``suite`` calls itself, as Robot normalises names."""
    from robot.api.parsing import ModelVisitor, get_model

    calls: dict[str, set[str]] = {}

    class Calls(ModelVisitor):  # type: ignore[misc]
        current = ""

        def visit_TestCase(self, node: Any) -> None:  # noqa: N802 - Robot's visitor protocol
            self.current = str(node.name)
            calls[self.current] = set()
            self.generic_visit(node)

        def visit_KeywordCall(self, node: Any) -> None:  # noqa: N802 - Robot's visitor protocol
            if self.current and node.keyword:
                calls[self.current].add(re.sub(r"[\s_]", "", str(node.keyword)).lower())

    Calls().visit(get_model(suite))
    return calls


def test_a_test_declares_needs_https_exactly_when_it_skips_on_plain_http() -> None:
    """The table's "skips on this target" comes from the tag; the run's skip from the keyword: they agree."""
    calls = {
        name: keywords for suite in sorted(SUITES.glob("*.robot")) for name, keywords in _called_by_test(suite).items()
    }
    skipping = {name for name, keywords in calls.items() if "targetshouldusehttpsorskip" in keywords}
    declared = {test.name for test in declared_tests() if "https" in test.declarations.needs}
    assert skipping and skipping == declared


def test_the_classic_profile_leaves_only_the_webhook_flow_out() -> None:
    rows = applicability_table(yaml.safe_load((PROFILES / "classic.yaml").read_text(encoding="utf-8")))
    statuses = {row.test.name: row.applicability.status for row in rows}
    assert [name for name, status in statuses.items() if status != FULL] == ["Webhook Registration Flow"]


# -- policies -------------------------------------------------------------------------------------
def test_policies_keep_their_safe_defaults_and_every_loosening_is_named() -> None:
    defaults = policy_defaults()
    assert effective_policies({}, defaults) == defaults
    assert loosened_policies({}, defaults) == []
    given = {
        "security_headers": {
            "Strict-Transport-Security": "recommended",
            "X-Frame-Options": "off",
            "X-Extra": "required",
        },
        "csp_allowances": [{"paths": ["/docs"], "directive": "script-src", "sources": ["'unsafe-inline'"]}],
        "cache_control": "unchecked",
        "hsts_min_max_age": 60,
        "reason": "a staging deployment",
    }
    effective = effective_policies(given, defaults)
    assert effective["security_headers"]["X-Content-Type-Options"] == "required"
    assert effective["security_headers"]["X-Extra"] == "required"
    assert loosened_policies(given, defaults) == [
        "X-Frame-Options is off (safe default: required) (reason: a staging deployment)",
        "Strict-Transport-Security is recommended (safe default: required) (reason: a staging deployment)",
        "Content-Security-Policy may allow 'unsafe-inline' in script-src on /docs (reason: a staging deployment)",
        "Cache-Control of authenticated answers: unchecked (safe default: no-store) (reason: a staging deployment)",
        "Strict-Transport-Security min_max_age is 60 s (safe default: 15768000 s) (reason: a staging deployment)",
    ]
    assert csp_allowed_sources(given["csp_allowances"], "/docs") == {"script-src": {"'unsafe-inline'"}}
    assert csp_allowed_sources(given["csp_allowances"], "/health") == {}


# -- the check and the draft against the dialects' OpenAPI documents -------------------------------
@pytest.fixture(scope="module", params=DIALECTS)
def dialect_document(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, dict[str, Any]]]:
    dialect = str(request.param)
    with ReferenceApi(env={"LATTICE_DIALECT": dialect}) as api:
        url = f"{api.base_url}/openapi.json"
        yield dialect, url, requests.get(url, timeout=10).json()


def test_the_check_compares_each_dialects_profile_with_its_openapi_document(
    dialect_document: tuple[str, str, dict[str, Any]],
) -> None:
    dialect, url, _ = dialect_document
    check = check_profile(PROFILES / f"{dialect}.yaml", url)
    assert check.ok, check.render()
    assert check.operations and all(row.state != "MISSING from the document" for row in check.operations)
    rendered = check.render()
    assert f"Operations compared with {url}:" in rendered
    assert "Tests: " in rendered and "Webhook Registration Flow" in rendered


def test_the_default_profile_fits_the_contract_and_names_each_operation_another_dialect_lacks(
    dialect_document: tuple[str, str, dict[str, Any]],
) -> None:
    dialect, url, _ = dialect_document
    check = check_profile(CONTRACT, url)
    if dialect == "contract":
        assert check.ok, check.render()
        return
    assert not check.ok
    assert "OPERATIONS.register: POST /api/v1/auth/register is not in the OpenAPI document" in "\n".join(check.problems)


def committed_probe(dialect: str) -> str:
    return str(yaml.safe_load((PROFILES / f"{dialect}.yaml").read_text(encoding="utf-8"))["RATE_LIMIT_PROBE_PATH"])


def test_the_check_names_a_rate_limit_probe_the_document_lacks_as_the_run_would(
    dialect_document: tuple[str, str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The probe is requested only if the document lists it (Request Should Be Documented): the check
    judges it with the same function, before any run."""
    dialect, url, _ = dialect_document
    ours = committed_probe(dialect)
    absent = "/billing/plans" if dialect == "contract" else "/api/v1/plans"
    text = (PROFILES / f"{dialect}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"RATE_LIMIT_PROBE_PATH: {ours}\n", f"RATE_LIMIT_PROBE_PATH: {absent}\n")
    if "RATE_LIMIT_PROBE_PATH" not in text:  # the default profile's value is inherited
        text += f"RATE_LIMIT_PROBE_PATH: {absent}\n"
    profile = write(tmp_path, text, f"{dialect}.yaml")
    check = check_profile(profile, url)
    assert not check.ok
    problem = next(problem for problem in check.problems if problem.startswith("RATE_LIMIT_PROBE_PATH"))
    assert problem.startswith(
        f"RATE_LIMIT_PROBE_PATH: GET {absent} is not in the OpenAPI document, so 'Rate Limiting Is Enforced' "
        "would fail; its GET routes without a path parameter: "
    ), problem
    assert f"GET {ours}" in problem and "GET /health" not in problem and "GET /metrics" not in problem
    assert problem.endswith("(point it at one that needs no login and is rate limited)")
    assert len(check.problems) == 1, check.problems  # the operations are still documented
    assert any(
        row.name == "RATE_LIMIT_PROBE_PATH" and row.state == "MISSING from the document" for row in check.operations
    )
    assert re.search(rf"\n  RATE_LIMIT_PROBE_PATH +GET {absent} +MISSING from the document\n", check.render())
    assert main(["check", str(profile), "--openapi", url]) == 2
    assert f"PROBLEM RATE_LIMIT_PROBE_PATH: GET {absent} is not in the OpenAPI document" in capsys.readouterr().err
    documented = check_profile(PROFILES / f"{dialect}.yaml", url)
    assert any(row.name == "RATE_LIMIT_PROBE_PATH" and row.state == "documented" for row in documented.operations)


def test_the_suites_request_only_the_profile_paths_the_check_compares() -> None:
    """Every `Request Should Be Documented    METHOD    ${KEY}` of resources/ and suites/ is one of
    DOCUMENTED_PROFILE_PATHS (and each of those is requested), naming a test of the suites."""
    from robot.api.parsing import ModelVisitor, get_model, get_resource_model

    from smoke_runner.profiles.openapi import DOCUMENTED_PROFILE_PATHS

    found: set[tuple[str, str]] = set()

    class Calls(ModelVisitor):  # type: ignore[misc]
        def visit_KeywordCall(self, node: Any) -> None:  # noqa: N802 - Robot's visitor protocol
            if node.keyword and re.sub(r"[\s_]", "", str(node.keyword)).lower() == "requestshouldbedocumented":
                method, path = node.args[:2]
                found.add((re.fullmatch(r"\$\{(\w+)\}", path).group(1), method.upper()))  # type: ignore[union-attr]

    for path in [*sorted((REPO_ROOT / "resources").glob("*.resource")), *sorted(SUITES.glob("*.robot"))]:
        Calls().visit(get_resource_model(path) if path.suffix == ".resource" else get_model(path))
    assert found == {(key, method) for key, (method, _) in DOCUMENTED_PROFILE_PATHS.items()}
    names = {test.name for test in declared_tests()}
    assert all(test in names for _, test in DOCUMENTED_PROFILE_PATHS.values())


def drafted_requests(text: str) -> dict[str, tuple[str, str]]:
    operations = load_yaml_text(text).data["OPERATIONS"]
    return {
        name: (operation["method"], operation["path"])
        for name, operation in operations.items()
        if isinstance(operation, dict) and operation.get("method") not in (None, "TODO")
    }


def test_a_draft_from_each_dialects_document_matches_what_its_profile_maps(
    dialect_document: tuple[str, str, dict[str, Any]], tmp_path: Path
) -> None:
    dialect, _, document = dialect_document
    text = draft_profile(document, openapi_path="/openapi.json")
    drafted = drafted_requests(text)
    committed = yaml.safe_load((PROFILES / f"{dialect}.yaml").read_text(encoding="utf-8"))["OPERATIONS"]
    offered = {name: (op["method"], op["path"]) for name, op in committed.items() if op.get("offered", True)}
    wrong = {name: (drafted[name], offered.get(name)) for name in drafted if drafted[name] != offered.get(name)}
    assert not wrong, wrong
    assert len(drafted) >= len(offered) - 2, (sorted(set(offered) - set(drafted)), text)
    for name in set(offered) - set(drafted):
        assert f"  {name}: {{method: TODO" in text, name  # what it could not match is marked, with candidates
    draft = write(tmp_path, text, "draft.yaml")
    check = check_profile(draft)  # a draft is YAML the check reads; its TODOs are named problems
    assert all("TODO" in problem or "HEALTH" in problem or "is" in problem for problem in check.problems)


def test_a_draft_probes_the_rate_limit_on_a_get_its_document_lists(
    dialect_document: tuple[str, str, dict[str, Any]], tmp_path: Path
) -> None:
    dialect, url, document = dialect_document
    text = draft_profile(document, openapi_path="/openapi.json")
    assert load_yaml_text(text).data["RATE_LIMIT_PROBE_PATH"] == committed_probe(dialect)
    assert f"RATE_LIMIT_PROBE_PATH: {committed_probe(dialect)}  # TODO: check that it needs no login" in text
    check = check_profile(write(tmp_path, text, "draft.yaml"), url)
    assert not [problem for problem in check.problems if "RATE_LIMIT_PROBE_PATH" in problem], check.problems


def test_the_command_line_checks_and_drafts(
    dialect_document: tuple[str, str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dialect, url, _ = dialect_document
    assert main(["check", str(PROFILES / f"{dialect}.yaml"), "--openapi", url]) == 0
    assert f"Profile {dialect}" in capsys.readouterr().out
    out = tmp_path / "drafted.yaml"
    assert main(["draft", "--openapi", url, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# A profile drafted from the OpenAPI document")
    assert main(["draft", "--openapi", url, "--out", str(out)]) == 2  # never overwritten
    assert "exists already" in capsys.readouterr().err


def test_the_command_line_refuses_a_broken_profile_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(write(tmp_path, "A: 1\n1: 2\n"))]) == 2
    assert capsys.readouterr().err.strip().endswith("line 2: the key '1' is not a string (quote it, or fix a typo)")


def test_an_openapi_document_is_read_from_a_file_and_must_be_one(tmp_path: Path) -> None:
    assert read_openapi_document(
        str(write(tmp_path, "openapi: 3.1.0\npaths:\n  /x:\n    get:\n      responses:\n        200: {}\n"))
    )
    with pytest.raises(ProfileError, match="not an OpenAPI document"):
        read_openapi_document(str(write(tmp_path, '{"title": "no paths"}', "other.json")))


# -- the channels of a run ------------------------------------------------------------------------
FINDINGS_SUITE = """\
*** Test Cases ***
Narrowed Test
    [Tags]    without:read_lattice -> reading it by id
    Set Suite Metadata    Profile    lean
    Set Suite Metadata    Users Left Behind    {left}
    Set Suite Metadata    Loosened Policies    {loosened}
    Set Suite Metadata    Cleanup    strategy created-only: 0 throwaway users removed; 2 left behind
    Set Tags    narrowed    narrowed:read_lattice

Full Test
    No Operation
"""


def test_the_findings_of_a_run_are_read_from_its_output(tmp_path: Path) -> None:
    left = as_items(["id 17: smoketest-a@example.com", "id 18: smoketest-b@example.com"]).replace("\n", "\\n")
    loosened = as_items(["Cache-Control of authenticated answers: unchecked"]).replace("\n", "\\n")
    suite = write(tmp_path, FINDINGS_SUITE.format(left=left, loosened=loosened), "findings.robot")
    run = run_suite(suite, "http://127.0.0.1:9", tmp_path / "out", timeout=60)
    findings = read_findings(run.output_dir / "output.xml")
    assert findings.profiles == ["lean"]
    assert findings.users_left_behind == ["id 17: smoketest-a@example.com", "id 18: smoketest-b@example.com"]
    assert findings.loosened_policies == ["Cache-Control of authenticated answers: unchecked"]
    assert [item.describe() for item in findings.narrowed] == ["Narrowed Test: reading it by id left out"]
    assert findings.cleanup == ["Findings: strategy created-only: 0 throwaway users removed; 2 left behind"]
    assert items_of(as_items(["a  b", "c"])) == ["a b", "c"]


# -- a draft from a document with schemas (as FastAPI publishes them) -------------------------------
def _body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required or list(properties)}
    return {"content": {"application/json": {"schema": schema}}}


def _answer(code: int, properties: dict[str, Any]) -> dict[str, Any]:
    return {str(code): {"description": "ok", **_body(properties)}}


STRING, INTEGER = {"type": "string"}, {"type": "integer"}
CELL = {"type": "array", "items": INTEGER}
INVALID = {
    "422": {
        "description": "invalid",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}},
    }
}
SCHEMA_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Grid Service", "version": "1"},
    "paths": {
        "/healthz": {"get": {"operationId": "health", "responses": _answer(200, {"status": STRING})}},
        "/v2/auth/register": {
            "post": {
                "operationId": "register_user",
                "requestBody": _body({"email": STRING, "password": STRING, "nickname": STRING}),
                "responses": {**_answer(201, {"id": INTEGER, "email": STRING}), **INVALID},
            }
        },
        "/v2/auth/token": {
            "post": {
                "operationId": "login_for_token",
                "requestBody": _body({"email": STRING, "password": STRING}),
                "responses": _answer(200, {"access_token": STRING, "token_type": STRING, "expires_in": INTEGER}),
            }
        },
        "/v2/users/me": {
            "get": {"operationId": "read_me", "responses": _answer(200, {"id": INTEGER, "email": STRING})}
        },
        "/v2/admin/users/{user_id}": {"delete": {"operationId": "admin_delete_user", "responses": {"204": {}}}},
        "/v2/grids": {
            "post": {
                "operationId": "create_grid",
                "requestBody": _body({"name": STRING, "rank": INTEGER, "edge": INTEGER, "blocked": {"type": "array"}}),
                "responses": {**_answer(201, {"id": INTEGER, "name": STRING}), **INVALID},
            },
            "get": {
                "operationId": "list_grids",
                "responses": _answer(200, {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Grid"}}}),
            },
        },
        "/v2/grids/{grid_id}/shortest-path": {
            "post": {
                "operationId": "shortest_path",
                "requestBody": _body({"start": CELL, "end": CELL}),
                "responses": _answer(
                    200, {"path": {"type": "array", "items": INTEGER}, "distance": {"type": "number"}}
                ),
            }
        },
        "/v2/usage": {
            "get": {
                "operationId": "usage",
                "responses": _answer(200, {"api_calls": INTEGER, "lattices_created": INTEGER}),
            }
        },
    },
    "components": {
        "schemas": {
            "Grid": {"allOf": [{"type": "object", "properties": {"id": INTEGER}}, {"properties": {"name": STRING}}]},
            "HTTPValidationError": {
                "type": "object",
                "properties": {"detail": {"type": "array", "items": {"type": "object", "properties": {"msg": STRING}}}},
            },
        }
    },
}


def test_a_draft_fills_bodies_reads_statuses_and_transforms_from_the_documents_schemas() -> None:
    profile = load_yaml_text(draft_profile(SCHEMA_DOCUMENT)).data
    operations = profile["OPERATIONS"]
    assert profile["PROFILE_NAME"] == "grid-service"
    assert profile["HEALTH_PATH"] == "/healthz"
    assert profile["UNKNOWN_PATH"] == "/v2/smoke-test-no-such-resource"
    assert profile["ERROR_FORMAT"] == "json"
    assert profile["ERROR_MESSAGE_JSONPATH"] == ["$.detail", "$.detail[*].msg"]
    assert profile["CLEANUP"] == {"strategy": "admin"}
    assert operations["register"] == {
        "method": "POST",
        "path": "/v2/auth/register",
        "body": {"email": "{email}", "password": "{password}", "nickname": "TODO"},
        "success": [201],
        "duplicate": "TODO",
        "invalid": [422],
        "read": {"id": "$.id", "email": "$.email"},
    }
    assert operations["login"]["path"] == "/v2/auth/token"
    assert operations["login"]["read"] == {
        "token": "$.access_token",
        "token_type": "$.token_type",
        "lifetime": "$.expires_in",
    }
    assert operations["admin_delete_user"] == {"method": "DELETE", "path": "/v2/admin/users/{id}", "success": [204]}
    assert operations["create_lattice"]["body"] == {
        "name": "{name}",
        "rank": "{rank}",
        "edge": "{edge}",
        "blocked": "{blocked}",
    }
    assert operations["list_lattices"]["read"] == {"ids": "$.items[*].id"}
    assert operations["find_path"]["path"] == "/v2/grids/{id}/shortest-path"
    assert operations["find_path"]["body"] == {"start": "{start}", "end": "{end}"}
    assert operations["find_path"]["read"] == {"path": "$.path", "distance": "$.distance"}
    assert operations["find_path"]["transform"] == {"path": "vertex-indices", "found": "derived"}
    assert operations["usage"]["read"] == {"requests": "$.api_calls", "lattices": "$.lattices_created"}
    assert operations["create_webhook"] == {"offered": False}


NARROWING_SUITE = """\
*** Settings ***
Resource    {resources}/http.resource


*** Test Cases ***
Declared Narrowing
    [Tags]    without:read_lattice -> reading it by id
    ${{narrowed}} =    Narrowed Without    read_lattice
    Should Be True    ${{narrowed}}

Undeclared Narrowing
    ${{narrowed}} =    Narrowed Without    read_lattice

Nothing Left Out
    [Tags]    without:register -> the registration
    ${{narrowed}} =    Narrowed Without    register
    Should Not Be True    ${{narrowed}}
"""


def test_a_test_runs_narrowed_only_as_it_declares(tmp_path: Path) -> None:
    suite = write(tmp_path, NARROWING_SUITE.format(resources=REPO_ROOT / "resources"), "narrowing.robot")
    run = run_suite(
        suite, "http://127.0.0.1:9", tmp_path / "out", extra_args=["--variablefile", str(PROFILES / "lean.yaml")]
    )
    assert run.status("Declared Narrowing") == "PASS", run.stdout
    assert run.message("Declared Narrowing") == (
        "Narrowed: reading it by id left out "
        "(operation 'read_lattice' is not offered by this deployment (profile lean))."
    )
    assert run.status("Undeclared Narrowing") == "FAIL"
    assert run.message("Undeclared Narrowing") == (
        "Test 'Undeclared Narrowing' would leave out what needs read_lattice (operation 'read_lattice' is not "
        "offered by this deployment (profile lean)), but declares no 'without:read_lattice -> ...' tag: "
        "a test is narrowed only as it declares"
    )
    assert run.status("Nothing Left Out") == "PASS" and run.message("Nothing Left Out") == ""
    findings = read_findings(run.output_dir / "output.xml")
    assert [(item.name, item.left_out) for item in findings.narrowed] == [
        ("Declared Narrowing", (("read_lattice", "reading it by id"),))
    ]


def _get(**operation: Any) -> dict[str, Any]:
    return {"get": {"responses": {"200": {"description": "ok"}}, **operation}}


def drafted_probe(paths: dict[str, Any], **document: Any) -> tuple[str, str]:
    """The drafted RATE_LIMIT_PROBE_PATH of a document with ``paths``: its value, and its line."""
    text = draft_profile({"openapi": "3.1.0", "info": {"title": "t"}, "paths": paths, **document})
    line = next(line for line in text.splitlines() if line.startswith("RATE_LIMIT_PROBE_PATH:"))
    return str(load_yaml_text(text).data["RATE_LIMIT_PROBE_PATH"]), line


def test_a_drafted_probe_needs_no_login_no_parameter_and_is_never_the_health_report_if_aught_else_fits() -> None:
    login = [{"bearer": []}]
    paths = {
        "/health": _get(),
        "/metrics": _get(),
        "/v1/plans": _get(security=login),  # needs a login, as the document says
        "/v1/pricing": _get(responses={"200": {"description": "ok"}, "401": {"description": "no"}}),
        "/v1/status/{region}": _get(),  # a path parameter
        "/v1/info": _get(parameters=[{"name": "lang", "in": "query", "required": True}]),  # a required parameter
        "/v1/version": _get(),
        "/v1/accounts": _get(),
    }
    assert drafted_probe(paths)[0] == "/v1/version"
    assert (
        drafted_probe({"/healthz": _get(), "/status": _get(), "/about": _get()})[0] == "/about"
    )  # /status: health-like
    # a document that asks for a login everywhere: only an operation that lifts it (security: []) fits
    catalog = {**paths, "/v1/catalog": _get(security=[])}
    del catalog["/v1/version"]
    assert drafted_probe(catalog, security=login)[0] == "/v1/catalog"
    # no cheap name, no operation known to need no login: a TODO naming the candidates
    value, line = drafted_probe({"/health": _get(), "/v1/accounts": _get(), "/v1/users/me": _get()})
    assert value == "TODO"
    assert line.endswith("(the document does not say which; one of: GET /v1/accounts, GET /v1/users/me)")
    # nothing but the health report and the metrics: a TODO, never the health report
    value, line = drafted_probe({"/health": _get(), "/metrics": _get(), "/items/{id}": _get()})
    assert value == "TODO" and "needs no login besides the health report and the metrics" in line


def test_a_drafted_probe_left_todo_is_a_problem_of_the_check(tmp_path: Path) -> None:
    text = draft_profile(SCHEMA_DOCUMENT)  # /v2/users/me, /v2/grids, /v2/usage: none known to need no login
    assert "RATE_LIMIT_PROBE_PATH: TODO  # TODO: a GET that needs no login and is rate limited" in text
    problems = check_profile(write(tmp_path, text, "draft.yaml")).problems
    assert any("RATE_LIMIT_PROBE_PATH" in problem for problem in problems), problems
