"""Runs the consumers' own parsers (the "full" tier, tests/consumers/README.md).

The Jenkins Robot Framework plugin's parser is compiled from a copy of its source (a checkout or a
bare git directory named by ``JENKINS_ROBOT_PLUGIN_SOURCE``) against the stubs in ``jenkins/stubs``
with the JDK's ``javac``; GitLab's JUnit parser is loaded from a checkout named by ``GITLAB_SOURCE``
into Ruby with Debian's ruby-activesupport and ruby-nokogiri. Nothing of either project is kept in
this repository: the sources are read where the developer put them, at test time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
JENKINS_STUBS = HERE / "jenkins" / "stubs"
JENKINS_HARNESS = HERE / "jenkins" / "harness" / "smokeharness" / "RobotPluginView.java"
GITLAB_HARNESS = HERE / "gitlab" / "gitlab_view.rb"
#: The plugin's files the harness compiles: the parser, the model classes it fills, the e-mail token.
JENKINS_FILES = tuple(
    f"src/main/java/hudson/plugins/robot/{name}.java"
    for name in (
        "RobotParser",
        "model/RobotTestObject",
        "model/RobotSuiteResult",
        "model/RobotCaseResult",
        "model/RobotResult",
        "model/RobotResultStatistics",
        "model/RobotCaseComparator",
        "tokens/RobotFailedCasesTokenMacro",
    )
)
#: GitLab's files the Ruby harness loads.
GITLAB_FILES = (
    "lib/gitlab/ci/parsers/parser_error.rb",
    "lib/gitlab/xml_converter.rb",
    "lib/gitlab/ci/reports/test_case.rb",
    "lib/gitlab/ci/reports/test_suite.rb",
    "lib/gitlab/ci/reports/test_report.rb",
    "lib/gitlab/ci/parsers/test/junit.rb",
)
TIMEOUT = 180


@dataclass(frozen=True)
class Source:
    """A consumer's source: a work tree, or a bare git directory read at HEAD."""

    path: Path
    bare: bool

    def read(self, relative: str) -> str:
        if not self.bare:
            return (self.path / relative).read_text(encoding="utf-8")
        return _git(self.path, "show", f"HEAD:{relative}")

    def revision(self) -> str:
        try:
            return _git(self.path, "rev-parse", "HEAD").strip() if self.bare or (self.path / ".git").exists() else "?"
        except subprocess.CalledProcessError:
            return "?"


def _git(git_dir: Path, *args: str) -> str:
    flag = [f"--git-dir={git_dir}"] if (git_dir / "HEAD").is_file() else ["-C", str(git_dir)]
    return subprocess.run(  # noqa: S603
        ["git", *flag, *args],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def _source(variable: str, files: tuple[str, ...], how: str) -> Source:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} is not set: {how} (tests/consumers/README.md)")
    path = Path(value).expanduser()
    bare = (path / "HEAD").is_file() and (path / "objects").is_dir()
    source = Source(path, bare)
    missing = []
    for relative in files:
        try:
            source.read(relative)
        except (OSError, subprocess.CalledProcessError):
            missing.append(relative)
    if missing:
        pytest.fail(f"{variable}={path} lacks {', '.join(missing)}")
    return source


def jenkins_plugin_source() -> Source:
    """jenkinsci/robot-plugin, from ``JENKINS_ROBOT_PLUGIN_SOURCE`` (else the test is skipped)."""
    return _source(
        "JENKINS_ROBOT_PLUGIN_SOURCE",
        JENKINS_FILES,
        "point it at a checkout of https://github.com/jenkinsci/robot-plugin",
    )


def gitlab_source() -> Source:
    """gitlab-org/gitlab, from ``GITLAB_SOURCE`` (else the test is skipped)."""
    return _source(
        "GITLAB_SOURCE",
        GITLAB_FILES,
        "point it at a checkout of https://gitlab.com/gitlab-org/gitlab (a sparse one with lib/gitlab is enough)",
    )


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


def compile_jenkins_harness(source: Source, build: Path) -> Path:
    """Compile the plugin's parser, model and token with the stubs and the harness; the classes folder."""
    javac = _tool("javac", "default-jdk-headless")
    sources = build / "src"
    for relative in JENKINS_FILES:
        target = sources / relative.removeprefix("src/main/java/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read(relative), encoding="utf-8")
    classes = build / "classes"
    result = subprocess.run(  # noqa: S603
        [
            javac,
            "-nowarn",
            "-encoding",
            "UTF-8",
            "-d",
            str(classes),
            "-sourcepath",
            str(JENKINS_STUBS),
            *[str(path) for path in sorted(sources.rglob("*.java"))],
            str(JENKINS_HARNESS),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"javac failed on the plugin's sources with the stubs:\n{result.stderr[-4000:]}"
    return classes


def run_jenkins_harness(classes: Path, output_xml: Path) -> list[dict[str, Any]]:
    """The plugin's view of ``output_xml``: the harness's JSON lines."""
    java = _tool("java", "default-jre-headless")
    result = subprocess.run(  # noqa: S603
        [java, "-cp", str(classes), "smokeharness.RobotPluginView", str(output_xml.parent), output_xml.name],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"the plugin's parser failed on {output_xml}:\n{result.stderr[-4000:]}"
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def run_gitlab_harness(source: Source, junit_files: list[Path], work: Path) -> list[dict[str, Any]]:
    """GitLab's view of one job's JUnit files: the harness's JSON lines."""
    ruby = _tool("ruby", "ruby")
    probe = subprocess.run(  # noqa: S603
        [ruby, "-e", "require 'active_support'; require 'nokogiri'"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("Ruby lacks ActiveSupport or Nokogiri (Debian packages ruby-activesupport, ruby-nokogiri)")
    checkout = work / "gitlab"
    for relative in GITLAB_FILES:
        target = checkout / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read(relative), encoding="utf-8")
    result = subprocess.run(  # noqa: S603
        [ruby, str(GITLAB_HARNESS), str(checkout), *[str(path) for path in junit_files]],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"GitLab's parser failed:\n{result.stderr[-4000:]}"
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    suites = [line for line in lines if line["kind"] == "suite"]
    assert all(suite["suite_error"] is None for suite in suites), suites
    return [line for line in lines if line["kind"] == "case"]
