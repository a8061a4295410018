"""What GitLab shows of a JUnit file (``artifacts:reports:junit``), as a small model.

GitLab's parser is ``Gitlab::Ci::Parsers::Test::Junit`` (gitlab-org/gitlab,
lib/gitlab/ci/parsers/test/junit.rb). It turns the XML into a Hash with ActiveSupport's
``XMLConverter`` on Nokogiri (lib/gitlab/xml_converter.rb), the way ``Hash.from_xml`` does, and
builds one ``Gitlab::Ci::Reports::TestCase`` per ``<testcase>``; ``TestCaseEntity``
(app/serializers/test_case_entity.rb) hands status, name, classname, file, execution_time,
system_output and attachment_url to the pipeline's Tests tab and the merge request widget
(app/assets/javascripts/ci/pipeline_details/test_reports/test_suite_table.vue: columns Suite =
classname, Name, Filename = file, Status, Duration; test_case_details.vue: "System output" in a
code block, "Attachment" as a link). Line numbers below are those of junit.rb at the version
``tests/consumers/README.md`` names. This model runs in CI, where GitLab's source is not at hand; on
a machine with the source, ``test_gitlab_junit.py`` runs GitLab's own parser (``gitlab/``) and proves
that it gives exactly what this model gives.

- Status (create_test_case, lines 65-95): ``failed`` if the test case has a ``<failure>`` child,
  else ``error`` for ``<error>``, else ``skipped`` for ``<skipped>``, else ``success``. Any other
  child (``<flakyFailure>``, ``<rerunFailure>``, ``<system-out>``, ...) leaves it ``success``.
- system_output: for ``failed``/``error`` the element's value, then ``"System Out:\\n\\n" + <system-out>``
  and ``"System Err:\\n\\n" + <system-err>`` when present, joined by blank lines; for ``skipped`` the
  ``<skipped>`` element's value; for ``success`` nothing at all.
- An element's value (ActiveSupport::XMLConverter): its text when the text is not blank
  (attributes are then dropped, so ``message=`` is lost when there is text); ``None`` for an empty
  element without attributes; else a Hash of its attributes (``<skipped message="x"/>`` gives
  ``{"message" => "x"}``).
- file, classname, name: the ``<testcase>`` attributes of those names; execution_time: ``time``.
- attachment (lines 72, 76 and 102-107): the first ``[[ATTACHMENT|path]]`` in ``<system-out>`` of a
  failed or errored test case, a path in the job's artifacts.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ATTACHMENT = re.compile(r"\[\[ATTACHMENT\|(?P<path>[^\[\]|]+?)\]\]")
#: ``type`` attributes that ActiveSupport typecasts or refuses; the model does not cover them.
_TYPED = frozenset(
    {"symbol", "yaml", "date", "datetime", "dateTime", "integer", "float", "decimal", "double", "boolean"}
    | {"string", "base64Binary", "file", "array"}
)
_CONTENT = "__content__"
#: The job's test suite name (GitLab: the job's name); a ``<testsuite>`` without a name gets it. The
#: Ruby harness gives its stub job the same name.
JOB_SUITE = "smoke"


@dataclass(frozen=True)
class GitlabCase:
    """One test case as GitLab shows it."""

    suite_name: str
    status: str
    name: str | None
    classname: str | None
    file: str | None
    execution_time: float
    system_output: str | dict[str, Any] | None
    attachment: str | None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (dict, list)):
        return not value
    return False


def _node_hash(element: ET.Element) -> dict[str, Any]:
    """Nokogiri's ``Node#to_hash`` as ActiveSupport's xml_mini/nokogiri.rb defines it."""
    node: dict[str, Any] = {}
    texts = [element.text] if element.text is not None else []
    for child in element:
        key = child.tag.replace("-", "_")
        value = _node_hash(child)
        if key not in node:
            node[key] = value
        elif isinstance(node[key], list):
            node[key].append(value)
        else:
            node[key] = [node[key], value]
        if child.tail is not None:
            texts.append(child.tail)
    if texts:
        node[_CONTENT] = "".join(texts)
    if len(node) > 1 and _blank(node.get(_CONTENT)):
        node.pop(_CONTENT, None)
    node.update({name.replace("-", "_"): value for name, value in element.attrib.items()})
    return node


def _value(node: Any) -> Any:
    """ActiveSupport's ``XMLConverter#deep_to_h`` for the parts JUnit files use."""
    if isinstance(node, list):
        values = [_value(item) for item in node]
        return values if len(values) > 1 else values[0]
    if isinstance(node, str):
        return node
    if node.get("type") in _TYPED:
        raise NotImplementedError(f"the model does not typecast type={node['type']!r}")
    content = node.get(_CONTENT)
    if content is not None and (len(node) == 1 or not _blank(content)):
        return content
    if _blank(node):
        return None
    if "type" in node and len(node) == 1:
        return None
    return {key: _value(value) for key, value in node.items()}


def _output(value: Any, system_out: str | None, system_err: str | None) -> Any:
    parts = [part for part in (value, system_out, system_err) if part is not None]
    if not all(isinstance(part, str) for part in parts):
        raise NotImplementedError(f"the model does not join non-text outputs: {parts!r}")
    return "\n\n".join(parts)


def _case(data: dict[str, Any], suite_name: str) -> GitlabCase:
    system_out = f"System Out:\n\n{data['system_out'] or ''}" if "system_out" in data else None
    system_err = f"System Err:\n\n{data['system_err'] or ''}" if "system_err" in data else None
    attachment = None
    if "failure" in data or "error" in data:
        status = "failed" if "failure" in data else "error"
        output = _output(data["failure" if status == "failed" else "error"], system_out, system_err)
        match = ATTACHMENT.search(data["system_out"]) if isinstance(data.get("system_out"), str) else None
        attachment = match["path"] if match else None
    elif "skipped" in data:
        status, output = "skipped", data["skipped"]
    else:
        status, output = "success", None
    return GitlabCase(
        suite_name=suite_name,
        status=status,
        name=data.get("name"),
        classname=data.get("classname"),
        file=data.get("file"),
        execution_time=float(data.get("time") or 0),
        system_output=output,
        attachment=attachment,
    )


def read_text(xml: str) -> list[GitlabCase]:
    """GitLab's test cases of one JUnit document: ``<testsuites>`` or ``<testsuite>`` at the top,
    test suites nested at any depth (junit.rb all_cases/each_case, lines 38-62)."""
    root = ET.fromstring(xml)  # noqa: S314 - the project's own artifacts and GitLab's test data
    cases: list[GitlabCase] = []

    def collect(suite: ET.Element) -> None:
        for case in suite.findall("testcase"):
            data = _value(_node_hash(case))
            if data is not None:
                cases.append(_case(data, suite.get("name") or JOB_SUITE))
        for child in suite.findall("testsuite"):
            collect(child)

    if root.tag in ("testsuites", "testsuite"):
        collect(root)
    return cases


def read(path: Path) -> list[GitlabCase]:
    """GitLab's test cases of the JUnit file at ``path``."""
    return read_text(path.read_text(encoding="utf-8"))
