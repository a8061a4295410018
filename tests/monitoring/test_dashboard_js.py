"""robotdashboard's merged JavaScript, kept in the user's cache folder (``smoke_runner/dashboard_js.py``):
the page is the page robotdashboard makes without it, a changed installation makes a new entry, and
a cache folder that cannot be written only costs the saving."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from smoke_runner import dashboard_js
from smoke_runner.dashboard import DASHBOARD_FILE, dashboard_arguments, robotdashboard_command, update_dashboard

needs_robotdashboard = pytest.mark.skipif(robotdashboard_command() is None, reason="needs robotframework-dashboard")
OUTPUT = """\
<?xml version="1.0" encoding="UTF-8"?>
<robot generator="Robot 7.5" generated="2026-12-02T01:00:00.000000" rpa="false" schemaversion="5">
<suite id="s1" name="Smoke" source="/tmp/smoke.robot">
<test id="s1-t1" name="API Server Is Running" line="1">
<kw name="Log" owner="BuiltIn">
<msg time="2026-12-02T01:00:00.100000" level="INFO">up</msg>
<arg>up</arg>
<status status="PASS" start="2026-12-02T01:00:00.100000" elapsed="0.001"/>
</kw>
<status status="PASS" start="2026-12-02T01:00:00.050000" elapsed="0.100"/>
</test>
<status status="PASS" start="2026-12-02T01:00:00.000000" elapsed="0.200"/>
</suite>
<statistics>
<total><stat pass="1" fail="0" skip="0">All Tests</stat></total>
<tag></tag>
<suite><stat name="Smoke" id="s1" pass="1" fail="0" skip="0">Smoke</stat></suite>
</statistics>
<errors></errors>
</robot>
"""


def _output(folder: Path) -> Path:
    path = folder / "run" / "output.xml"
    path.parent.mkdir(parents=True)
    path.write_text(OUTPUT, encoding="utf-8")
    return path


def _plain_robotdashboard(output: Path, results: Path) -> str:
    """The page robotdashboard makes by itself, its own script in a process of its own."""
    command = robotdashboard_command()
    assert command is not None
    results.mkdir()
    arguments = dashboard_arguments([output], results / "dashboard.db", results / DASHBOARD_FILE)
    completed = subprocess.run(  # noqa: S603 - the installed robotdashboard, our arguments
        [command, *arguments], cwd=results, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return (results / DASHBOARD_FILE).read_text(encoding="utf-8")


@needs_robotdashboard
def test_the_page_is_the_page_robotdashboard_makes_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _output(tmp_path)
    expected = _plain_robotdashboard(output, tmp_path / "plain")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    pages, entries = [], []
    for attempt in ("writes the cache", "reads it"):
        results = tmp_path / attempt
        results.mkdir()
        page, problem = update_dashboard(results, [output])
        assert problem is None, attempt
        assert page is not None
        pages.append(page.read_text(encoding="utf-8"))
        entries.append({path.name: path.stat().st_ino for path in (tmp_path / "cache" / "smoke-gate").iterdir()})
    assert len(entries[0]) == 1  # the first update wrote the block
    assert entries[1] == entries[0]  # the second read it: not written again (a new file, a new inode)
    assert pages == [expected, expected]


def _fake_installation(folder: Path) -> tuple[SimpleNamespace, SimpleNamespace]:
    """A processor and a module as robotdashboard's: two JavaScript files and the merging code."""
    (folder / "js").mkdir(parents=True)
    for name in ("a.js", "b.js"):
        (folder / "js" / name).write_text(f"// {name}\n", encoding="utf-8")
    (folder / "dependencies.py").write_text("# merging code\n", encoding="utf-8")
    module = SimpleNamespace(__file__=str(folder / "dependencies.py"))
    processor = SimpleNamespace(admin_page=False, _gather_files=lambda _kind: ["js/a.js", "js/b.js"])
    return processor, module


def test_a_changed_file_version_or_merging_code_makes_a_new_entry(tmp_path: Path) -> None:
    processor, module = _fake_installation(tmp_path)
    first = dashboard_js._digest(processor, module, "Robotdashboard 2.5.0")
    assert dashboard_js._digest(processor, module, "Robotdashboard 2.5.0") == first
    assert dashboard_js._digest(processor, module, "Robotdashboard 2.6.0") != first
    (tmp_path / "js" / "b.js").write_text("// b.js, edited\n", encoding="utf-8")
    second = dashboard_js._digest(processor, module, "Robotdashboard 2.5.0")
    assert second != first
    os.utime(tmp_path / "dependencies.py", ns=(1, 1))
    assert dashboard_js._digest(processor, module, "Robotdashboard 2.5.0") != second


@needs_robotdashboard
def test_a_cache_folder_that_cannot_be_written_costs_only_the_saving(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    code = (
        "import sys; from pathlib import Path; from smoke_runner import dashboard_js; "
        "from robotframework_dashboard.dependencies import DependencyProcessor; "
        "plain = DependencyProcessor().get_js_block(); "
        "assert dashboard_js.remember_js_block(Path(sys.argv[1]) / 'cache'); "
        "assert DependencyProcessor().get_js_block() == plain; print(len(plain))"
    )
    completed = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code, str(blocked)],
        cwd=Path(dashboard_js.__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert int(completed.stdout) > 100_000  # robotdashboard's modules, merged
    assert blocked.is_file()


def test_without_robotdashboards_method_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    dependencies = pytest.importorskip("robotframework_dashboard.dependencies")
    monkeypatch.delattr(dependencies.DependencyProcessor, "get_js_block")
    assert dashboard_js.remember_js_block() is False
    assert not hasattr(dependencies.DependencyProcessor, "get_js_block")


def test_the_cache_folder_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert dashboard_js.cache_dir() == tmp_path / "smoke-gate"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert dashboard_js.cache_dir() == tmp_path / "home" / ".cache" / "smoke-gate"


def test_the_folder_keeps_the_most_recently_used_blocks(tmp_path: Path) -> None:
    for age in range(dashboard_js.KEEP + 3):
        path = tmp_path / f"{dashboard_js.PREFIX}{age}.html"
        path.write_text("block", encoding="utf-8")
        os.utime(path, ns=(10**18 - age, 10**18 - age))  # 0 is the most recently used
    (tmp_path / "something-else.txt").write_text("not ours", encoding="utf-8")
    dashboard_js._prune(tmp_path)
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == sorted(
        [f"{dashboard_js.PREFIX}{age}.html" for age in range(dashboard_js.KEEP)] + ["something-else.txt"]
    )


def test_without_a_home_folder_nothing_is_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    dependencies = pytest.importorskip("robotframework_dashboard.dependencies")
    original = dependencies.DependencyProcessor.get_js_block

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert dashboard_js.remember_js_block() is False
    assert dependencies.DependencyProcessor.get_js_block is original
