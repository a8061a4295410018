"""The generic profile keywords: templates, OpenAPI comparison and error formats."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from robot.api import SkipExecution
from robot.api.types import Secret

from libraries.SmokeLibrary.masking import mask_text
from libraries.SmokeLibrary.profiles import (
    ProfileKeywords,
    fill_path,
    fill_template,
    openapi_operations,
    path_shape,
)

pytestmark = pytest.mark.unit


def answer(status: int, text: str, content_type: str) -> SimpleNamespace:
    request = SimpleNamespace(method="GET", url="http://api/x", body=None, headers={})
    response = SimpleNamespace(
        status_code=status,
        text=text,
        url="http://api/x",
        request=request,
        headers={"Content-Type": content_type},
        content=text.encode(),
    )
    response.json = lambda: __import__("json").loads(text)
    return response


def test_a_whole_placeholder_takes_the_raw_value_and_an_embedded_one_its_text() -> None:
    template = {"cells": "{cells}", "label": "Smoke {email}", "nested": [{"to": "{end}"}], "fixed": 3}
    filled = fill_template(template, {"cells": [[0, 1]], "email": "a@example.com", "end": [4, 0]})
    assert filled == {"cells": [[0, 1]], "label": "Smoke a@example.com", "nested": [{"to": [4, 0]}], "fixed": 3}
    assert template["cells"] == "{cells}"


def test_a_placeholder_without_a_value_is_named() -> None:
    with pytest.raises(AssertionError, match=r"needs a value for \{display_name\}, but only email were given"):
        fill_template({"name": "{display_name}"}, {"email": "x"})


def test_path_values_are_url_quoted() -> None:
    assert fill_path("/grids/{id}/route", {"id": "a/b c"}) == "/grids/a%2Fb%20c/route"


def test_a_secret_value_fills_the_body_and_is_masked_in_its_printed_form() -> None:
    password = "Pw-very-distinctive-123"
    request = ProfileKeywords().request_for_operation(
        {"method": "post", "path": "/auth/signup", "body": {"email": "{email}", "password": "{password}"}},
        email="a@example.com",
        password=Secret(password),
    )
    assert request.method == "POST" and request.path == "/auth/signup"
    assert request.body["password"] == password
    assert password not in repr(request.body) and password not in mask_text(f"sent {password}")


def test_openapi_paths_compare_by_shape_not_by_parameter_names() -> None:
    document = {
        "openapi": "3.1.0",
        "paths": {"/grids/{grid_id}/route": {"post": {}, "parameters": []}, "/grids": {"get": {}, "post": {}}},
    }
    assert openapi_operations(document) == {("POST", "/grids/{}/route"), ("GET", "/grids"), ("POST", "/grids")}
    assert path_shape("/grids/{id}/") == "/grids/{}"


def test_operations_missing_from_the_document_fail_with_not_offered_by_this_api() -> None:
    keywords = ProfileKeywords()
    document = {"paths": {"/grids": {"post": {}}}}
    operations = {
        "create": {"method": "POST", "path": "/grids"},
        "route": {"method": "POST", "path": "/grids/{id}/route"},
        "hooks": {"offered": False},
    }
    assert keywords.compare_operations_with_openapi_document(document, operations) == ["POST /grids/{id}/route"]
    keywords.operation_should_be_documented(operations["create"])
    with pytest.raises(AssertionError) as failure:
        keywords.operation_should_be_documented(operations["route"])
    assert str(failure.value) == (
        "POST /grids/{id}/route is not offered by this API (its OpenAPI document has no such operation)"
    )
    keywords.forget_openapi_document("404")
    keywords.operation_should_be_documented(operations["route"])


def test_a_document_without_paths_is_not_an_openapi_document() -> None:
    with pytest.raises(AssertionError, match="no 'paths' object"):
        openapi_operations({"detail": "Not Found"})


def test_offered_operations_and_their_secret_locations() -> None:
    keywords = ProfileKeywords()
    operations = {
        "login": {"read": {"token": "$.session.token"}},
        "hooks": {"offered": False, "read": {"secret": "$.secret"}},
        "list": {"read": {"secret": ["$.items[*].secret", "$.items[*].key"]}},
    }
    assert keywords.operation_is_offered(operations["login"]) and not keywords.operation_is_offered(operations["hooks"])
    assert keywords.read_locations_named(operations, "token", "secret") == [
        "$.session.token",
        "$.items[*].secret",
        "$.items[*].key",
    ]


def test_problem_json_errors_are_strict() -> None:
    keywords = ProfileKeywords()
    good = answer(
        404, '{"type": "about:blank", "title": "Not Found", "status": 404, "detail": "x"}', "application/problem+json"
    )
    keywords.response_should_be_an_error_in_format(good, "problem+json", "$.detail", 404)
    with pytest.raises(AssertionError, match="Expected HTTP 400"):
        keywords.response_should_be_an_error_in_format(good, "problem+json", "$.detail", 400)
    with pytest.raises(AssertionError, match="application/problem\\+json"):
        keywords.response_should_be_an_error_in_format(
            answer(404, '{"error": {"message": "x"}}', "application/json"), "problem+json", "$.detail", 404
        )
    with pytest.raises(AssertionError, match="'status' is 500 but the HTTP status is 404"):
        keywords.response_should_be_an_error_in_format(
            answer(404, '{"type": "t", "title": "t", "status": 500, "detail": "d"}', "application/problem+json"),
            "problem+json",
            "$.detail",
        )


def test_json_errors_need_their_message_where_the_profile_says() -> None:
    keywords = ProfileKeywords()
    keywords.response_should_be_an_error_in_format(
        answer(400, '{"error": {"code": "bad", "message": "Plan unknown"}}', "application/json"),
        "json",
        "$.error.message",
        400,
    )
    with pytest.raises(AssertionError, match=r"Expected an error message at \$.error.message"):
        keywords.response_should_be_an_error_in_format(
            answer(400, '{"error": {"code": "bad"}}', "application/json"), "json", "$.error.message", 400
        )
    with pytest.raises(AssertionError, match="Expected an error status"):
        keywords.response_should_be_an_error_in_format(
            answer(200, '{"error": {"message": "x"}}', "application/json"), "json", "$.error.message"
        )
    with pytest.raises(AssertionError, match="Unknown error format 'xml'"):
        keywords.response_should_be_an_error_in_format(answer(400, "{}", "application/json"), "xml", "$.m", 400)


def test_values_should_be_present_names_what_is_missing_and_never_values() -> None:
    keywords = ProfileKeywords()
    keywords.values_should_be_present("Log in", {"session": {"token": "t", "expires_in": 5}}, "$.session.token")
    with pytest.raises(AssertionError) as failure:
        keywords.values_should_be_present("Log in", {"session": {"token": "tok-value"}}, "$.session.expires_in")
    assert "holds nothing at $.session.expires_in" in str(failure.value)
    assert "tok-value" not in str(failure.value)


def test_an_answer_without_an_openapi_document_only_notes_its_absence() -> None:
    keywords = ProfileKeywords()
    operations = {"route": {"method": "POST", "path": "/grids/{id}/route"}}
    for status, text, content_type in (
        (404, '{"detail": "Not Found"}', "application/json"),
        (200, "<html>Welcome</html>", "text/html"),
        (200, '{"paths": []}', "application/json"),
    ):
        assert keywords.compare_operations_with_openapi_answer(answer(status, text, content_type), operations) == []
        keywords.operation_should_be_documented(operations["route"])
    document = answer(200, '{"openapi": "3.1.0", "paths": {"/grids": {"post": {}}}}', "application/json")
    assert keywords.compare_operations_with_openapi_answer(document, operations) == ["POST /grids/{id}/route"]


OPERATIONS = {
    "create": {
        "method": "POST",
        "path": "/grids",
        "body": {"name": "{name}"},
        "success": [201],
        "invalid": [400, 422],
        "fields": ["$.id", "$.name"],
        "read": {"id": "$.id", "total": "$.total", "ids": "$.items[*].id", "item": "$.items[?(@.id == '{id}')]"},
    },
    "hidden": {"method": "GET", "path": "/hidden", "offered": False},
}


def test_an_offered_operation_of_the_profile_is_mapped_offered_and_documented() -> None:
    keywords = ProfileKeywords()
    assert keywords.offered_operation_of_profile(OPERATIONS, "custom", "create") is OPERATIONS["create"]
    with pytest.raises(AssertionError, match=r"Profile custom does not map the operation 'route' \(add it"):
        keywords.offered_operation_of_profile(OPERATIONS, "custom", "route")
    with pytest.raises(SkipExecution, match=r"Operation 'hidden' is not offered by this deployment \(profile custom\)"):
        keywords.offered_operation_of_profile(OPERATIONS, "custom", "hidden")
    keywords.compare_operations_with_openapi_document({"paths": {"/other": {"post": {}}}}, OPERATIONS)
    with pytest.raises(AssertionError, match="POST /grids is not offered by this API"):
        keywords.request_for_offered_operation(OPERATIONS, "custom", "create", name="g")


def test_the_request_of_an_offered_operation_is_filled_from_the_values() -> None:
    request = ProfileKeywords().request_for_offered_operation(OPERATIONS, "custom", "create", name="grid 1")
    assert (request.method, request.path, request.body) == ("POST", "/grids", {"name": "grid 1"})


def test_a_successful_answer_needs_a_success_status_and_every_field() -> None:
    keywords = ProfileKeywords()
    body = keywords.body_of_successful_answer(
        "Create", OPERATIONS, "custom", "create", answer(201, '{"id": "7", "name": "g"}', "application/json")
    )
    assert body == {"id": "7", "name": "g"}
    with pytest.raises(AssertionError, match=r"Step 'Create': expected HTTP 201, but GET http://api/x answered 500"):
        keywords.body_of_successful_answer("Create", OPERATIONS, "custom", "create", answer(500, "{}", "text/plain"))
    with pytest.raises(AssertionError) as failure:
        keywords.body_of_successful_answer(
            "Create", OPERATIONS, "custom", "create", answer(201, '{"id": "secret-id-value"}', "application/json")
        )
    assert "Step 'Create': the answer holds nothing at $.name; its keys: id" in str(failure.value)
    assert "secret-id-value" not in str(failure.value)
    with pytest.raises(AssertionError, match="Expected a JSON body, but GET http://api/x answered 201"):
        keywords.body_of_successful_answer("Create", OPERATIONS, "custom", "create", answer(201, "<html>", "text/html"))
    empty = answer(201, "", "application/json")
    assert keywords.body_of_successful_answer("Create", OPERATIONS, "custom", "create", empty) is None


def test_a_refusal_needs_one_of_the_kinds_statuses_and_an_error_answer() -> None:
    keywords = ProfileKeywords()

    def refusal(response: SimpleNamespace, location: str = "$.error.message") -> None:
        keywords.answer_should_be_a_refusal_of_kind(
            "Bad", OPERATIONS, "custom", "create", "invalid", response, "json", location
        )

    error = '{"error": {"message": "bad name"}}'
    refusal(answer(422, error, "application/json"))
    with pytest.raises(
        AssertionError, match=r"Step 'Bad': expected HTTP 400 or 422, but GET http://api/x answered 201"
    ):
        refusal(answer(201, "{}", "application/json"), "$.m")
    with pytest.raises(AssertionError, match=r"Expected an error message at \$.error.message"):
        refusal(answer(400, "{}", "application/json"))
    with pytest.raises(AssertionError, match="Profile custom gives no 'duplicate' statuses for the operation 'create'"):
        keywords.answer_should_be_a_refusal_of_kind(
            "Bad", OPERATIONS, "custom", "create", "duplicate", answer(409, error, "application/json"), "json", "$.m"
        )


def test_values_are_read_where_the_profile_says_and_a_missing_one_is_named() -> None:
    keywords = ProfileKeywords()
    listing = {"items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}], "total": 2}
    assert keywords.values_at_read_location(listing, OPERATIONS, "create", "ids") == ["a", "b"]
    assert keywords.value_at_read_location(listing, OPERATIONS, "create", "item", id="b") == {"id": "b", "n": 2}
    assert keywords.values_at_read_locations(listing, OPERATIONS, "create", "ids", "total") == {"ids": "a", "total": 2}
    assert keywords.ids_and_total_of_listing(listing, OPERATIONS, "create") == (["a", "b"], 2)
    bare = {"create": {**OPERATIONS["create"], "read": {"ids": "$[*].id"}}}
    assert keywords.ids_and_total_of_listing([{"id": "a"}], bare, "create") == (["a"], 1)
    with pytest.raises(AssertionError) as failure:
        keywords.value_at_read_location({"name": "hidden-value"}, OPERATIONS, "create", "id")
    assert "Step 'Read id of create': the answer holds nothing at $.id; its keys: name" in str(failure.value)
    assert "hidden-value" not in str(failure.value)
    with pytest.raises(
        AssertionError, match=r"operation 'create' reads no 'owner' \(add it under OPERATIONS.create.read\)"
    ):
        keywords.value_at_read_location(listing, OPERATIONS, "create", "owner")


def test_each_jsonpath_expression_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from libraries.SmokeLibrary import masking

    parsed: list[str] = []
    real = masking.parse_jsonpath
    monkeypatch.setattr(masking, "parse_jsonpath", lambda text: parsed.append(text) or real(text))
    masking._compiled_location.cache_clear()
    for _ in range(5):
        ProfileKeywords().values_at_read_location({"items": [{"id": 1}]}, OPERATIONS, "create", "ids")
    assert parsed == ["$.items[*].id"]


def test_fastapi_errors_are_read_as_a_text_or_a_list_of_messages() -> None:
    keywords = ProfileKeywords()
    locations = ["$.detail", "$.detail[*].msg"]
    keywords.response_should_be_an_error_in_format(
        answer(404, '{"detail": "Not Found"}', "application/json"), "json", locations, 404
    )
    validation = '{"detail": [{"loc": ["body", "email"], "msg": "value is not a valid email", "type": "value_error"}]}'
    keywords.response_should_be_an_error_in_format(answer(422, validation, "application/json"), "json", locations, 422)
    keywords.response_should_be_an_error_in_format(
        answer(422, '{"detail": ["a text", "another"]}', "application/json"), "json", "$.detail", 422
    )
    with pytest.raises(AssertionError, match=r"Expected an error message at \$.detail or \$.detail\[\*\].msg"):
        keywords.response_should_be_an_error_in_format(
            answer(422, '{"detail": [{"loc": []}]}', "application/json"), "json", locations, 422
        )


def test_plain_text_errors_need_a_text_body() -> None:
    keywords = ProfileKeywords()
    keywords.response_should_be_an_error_in_format(answer(404, "no such page", "text/plain"), "text", "$.x", 404)
    with pytest.raises(AssertionError, match="Expected a plain-text error message"):
        keywords.response_should_be_an_error_in_format(answer(404, "  ", "text/plain"), "text", "$.x", 404)
    with pytest.raises(AssertionError, match="Expected a plain-text error message"):
        keywords.response_should_be_an_error_in_format(
            answer(404, '{"detail": "x"}', "application/json"), "text", "", 404
        )
    with pytest.raises(AssertionError, match="ERROR_FORMAT is problem\\+json, json or text"):
        keywords.response_should_be_an_error_in_format(answer(404, "x", "text/plain"), "xml", "", 404)


def test_the_library_judges_capabilities_as_the_runner_does() -> None:
    """SmokeLibrary loads the runner's pure modules by their paths: one judgement, two callers."""
    from libraries.SmokeLibrary.profile_core import capabilities, openapi
    from smoke_runner.profiles import capabilities as runner_capabilities
    from smoke_runner.profiles import openapi as runner_openapi

    assert capabilities.__file__ == runner_capabilities.__file__
    assert openapi.__file__ == runner_openapi.__file__
    profile = {"PROFILE_NAME": "p", "OPERATIONS": {"usage": {"read": {"requests": "$.calls"}}}}
    assert (
        ProfileKeywords().capability_gap_of_profile(profile, "usage.paths")
        == (capabilities.capability_gap(profile, "usage.paths"))
        == "operation 'usage' reads no 'paths' (profile p)"
    )


def test_the_library_and_the_check_judge_the_rate_limit_probe_alike() -> None:
    """`Request Should Be Documented    GET    ${RATE_LIMIT_PROBE_PATH}` at run time and --check-profile
    before it ask one function of the shared module: a probe the document lacks fails both."""
    from libraries.SmokeLibrary.profile_core import openapi

    document = {"paths": {"/info": {"get": {}}, "/plans/{plan_id}": {"get": {}}, "/usage": {"post": {}}}}
    documented = openapi_operations(document)
    keywords = ProfileKeywords()
    keywords.compare_operations_with_openapi_document(document, {})
    for path, listed in (("/info", True), ("/info?lang=en", True), ("/api/v1/plans", False), ("/usage", False)):
        assert openapi.is_documented("GET", path, documented) is listed, path
        (row,) = openapi.compare_profile_paths({"RATE_LIMIT_PROBE_PATH": path}, documented)
        assert row.state == (openapi.DOCUMENTED if listed else openapi.MISSING), path
        if listed:
            keywords.request_should_be_documented("GET", path)
            continue
        with pytest.raises(AssertionError) as failure:
            keywords.request_should_be_documented("GET", path)
        assert str(failure.value) == openapi.not_documented_message("GET", path)
        assert openapi.profile_path_problem(row, documented).startswith(
            f"RATE_LIMIT_PROBE_PATH: GET {path} is not in the OpenAPI document, so 'Rate Limiting Is Enforced' "
            "would fail; its GET routes without a path parameter: GET /info "
        )
