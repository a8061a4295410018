"""The fork server (``smoke_runner/forkserver.py``) runs each of pabot's robot processes as a copy of
a process with Robot Framework already imported. What pabot sees must be what a plain ``robot``
gives: the same exit code, output, working folder and environment; its signals reach the robot
process; a robot process whose client is killed stops; stopping the server leaves nothing behind;
without a server the client is a plain ``robot``."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from robot.api import ExecutionResult

from smoke_runner import forkserver, robot_client

pytestmark = pytest.mark.skipif(not forkserver.supported(), reason="Linux: fork, prctl and /proc")

SUITE = """\
*** Settings ***
Library    OperatingSystem

*** Test Cases ***
Environment And Folder Reach The Robot Process
    [Documentation]    The client's environment and working folder are the robot process's.
    Should Be Equal    %{FORK_MARK}    from-the-client
    Should Be Equal    ${{os.getcwd()}}    %{EXPECTED_CWD}
    Create File    %{PID_FILE}    ${{str(os.getpid())}} ${{str(os.getppid())}}
Failing Test Sets The Exit Code
    [Documentation]    Fails: the exit code says 1 failed test.
    Should Be Equal    ${1}    ${2}
"""

SLEEPS = """\
*** Settings ***
Library    OperatingSystem

*** Test Cases ***
Sleeps Until Stopped
    [Documentation]    Stands for a long test that is stopped from outside.
    Create File    %{PID_FILE}    ${{str(os.getpid())}}
    Sleep    60 s
"""


@pytest.fixture
def server() -> Iterator[dict[str, str]]:
    with forkserver.serving(sys.executable) as served:
        assert served, "the fork server should be available on Linux"
        yield served


def _client(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*forkserver.client_command(sys.executable), *args],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _suite(folder: Path, text: str) -> Path:
    path = folder / "suite.robot"
    path.write_text(text, encoding="utf-8")
    return path


def _wait_for(path: Path, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} was not written within {seconds} s"
        time.sleep(0.05)
    return path.read_text()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_forked_robot_run_gets_the_clients_folder_environment_streams_and_exit_code(
    server: dict[str, str], tmp_path: Path
) -> None:
    suite = _suite(tmp_path, SUITE)
    pid_file = tmp_path / "pids"
    env = {**server, "FORK_MARK": "from-the-client", "EXPECTED_CWD": str(tmp_path), "PID_FILE": str(pid_file)}
    client = _client(["--outputdir", "out", "--log", "NONE", "--report", "NONE", suite.name], tmp_path, env)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 1, (stdout, stderr)  # one failed test, as robot says it
    assert "2 tests, 1 passed, 1 failed" in stdout
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))  # relative --outputdir: the client's folder
    assert [test.status for test in result.suite.tests] == ["PASS", "FAIL"], result.suite.tests[0].message
    robot_pid, parent = (int(value) for value in pid_file.read_text().split())
    assert robot_pid != client.pid
    server_pid = int(Path(server[robot_client.SOCKET_VARIABLE]).with_name(forkserver.PID_NAME).read_text())
    assert parent == server_pid  # forked from the server, not started by the client


def test_a_passing_run_exits_0_through_the_client(server: dict[str, str], tmp_path: Path) -> None:
    suite = _suite(tmp_path, SUITE.split("Failing Test")[0])
    env = {**server, "FORK_MARK": "from-the-client", "EXPECTED_CWD": str(tmp_path), "PID_FILE": str(tmp_path / "p")}
    client = _client(["--output", "NONE", "--log", "NONE", "--report", "NONE", suite.name], tmp_path, env)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 0, (stdout, stderr)


def test_signals_sent_to_the_client_reach_the_robot_process(server: dict[str, str], tmp_path: Path) -> None:
    suite = _suite(tmp_path, SLEEPS)
    pid_file = tmp_path / "pid"
    client = _client(["--outputdir", "out", suite.name], tmp_path, {**server, "PID_FILE": str(pid_file)})
    robot_pid = int(_wait_for(pid_file))
    client.send_signal(signal.SIGTERM)  # what pabot's termination sends
    stdout, _ = client.communicate(timeout=30)
    assert client.returncode != 0
    assert "Execution terminated by signal" in stdout  # Robot's graceful stop, with its output written
    assert ExecutionResult(str(tmp_path / "out" / "output.xml")).suite.tests[0].status == "FAIL"
    assert _gone_within(robot_pid, 10)


def test_a_robot_process_whose_client_is_killed_stops(server: dict[str, str], tmp_path: Path) -> None:
    suite = _suite(tmp_path, SLEEPS)
    pid_file = tmp_path / "pid"
    client = _client(["--outputdir", "out", suite.name], tmp_path, {**server, "PID_FILE": str(pid_file)})
    robot_pid = int(_wait_for(pid_file))
    client.kill()
    client.wait()
    assert _gone_within(robot_pid, forkserver.ORPHAN_GRACE + 5)


def test_stopping_the_server_ends_its_robot_processes_at_once(tmp_path: Path) -> None:
    suite = _suite(tmp_path, SLEEPS)
    pid_file = tmp_path / "pid"
    with forkserver.serving(sys.executable) as served:
        client = _client(["--outputdir", "out", suite.name], tmp_path, {**served, "PID_FILE": str(pid_file)})
        robot_pid = int(_wait_for(pid_file))
        folder = Path(served[robot_client.SOCKET_VARIABLE]).parent
        started = time.monotonic()
    assert time.monotonic() - started < 5
    assert _gone_within(robot_pid, 2)
    assert not folder.exists()  # the socket's private folder is removed
    client.communicate(timeout=30)
    assert client.returncode == 128 + signal.SIGKILL  # killed, as a shell reports it (told by the server)


def test_without_a_server_the_client_is_a_plain_robot(tmp_path: Path) -> None:
    suite = _suite(tmp_path, SUITE.split("Failing Test")[0])
    env = {"FORK_MARK": "from-the-client", "EXPECTED_CWD": str(tmp_path), "PID_FILE": str(tmp_path / "pids")}
    client = _client(["--output", "NONE", "--report", "NONE", "--log", "NONE", suite.name], tmp_path, env)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 0, (stdout, stderr)
    robot_pid, _parent = (int(value) for value in (tmp_path / "pids").read_text().split())
    assert robot_pid == client.pid  # the client became robot (exec)


def test_a_server_that_died_is_not_waited_for(tmp_path: Path) -> None:
    folder = tmp_path / "fs"
    folder.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (folder / forkserver.PID_NAME).write_text(dead.stdout.strip())
    suite = _suite(tmp_path, SUITE.split("Failing Test")[0])
    env = {
        robot_client.SOCKET_VARIABLE: str(folder / forkserver.SOCKET_NAME),
        "FORK_MARK": "from-the-client",
        "EXPECTED_CWD": str(tmp_path),
        "PID_FILE": str(tmp_path / "pids"),
    }
    started = time.monotonic()
    client = _client(["--output", "NONE", "--report", "NONE", "--log", "NONE", suite.name], tmp_path, env)
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 0, (stdout, stderr)
    assert time.monotonic() - started < robot_client.CONNECT_WAIT  # a plain robot at once, not after the wait


def test_pabot_and_its_robot_processes_all_come_from_the_server(server: dict[str, str], tmp_path: Path) -> None:
    suite = _suite(tmp_path, SUITE)
    pid_file = tmp_path / "pids"
    env = {**server, "FORK_MARK": "from-the-client", "EXPECTED_CWD": str(tmp_path), "PID_FILE": str(pid_file)}
    command = forkserver.client_command(sys.executable, "pabot")[-1:]  # --pabot
    robot = forkserver.client_command(sys.executable)
    args = [*command, "--processes", "1", "--command", *robot, "--end-command", "--outputdir", "out", suite.name]
    client = _client(args, tmp_path, env)
    stdout, stderr = client.communicate(timeout=180)
    assert client.returncode == 1, (stdout, stderr)  # pabot's exit code: one failed test
    assert "2 tests, 1 passed, 1 failed" in stdout
    result = ExecutionResult(str(tmp_path / "out" / "output.xml"))  # pabot's own merge
    assert [test.status for test in result.suite.tests] == ["PASS", "FAIL"]
    _robot_pid, parent = (int(value) for value in pid_file.read_text().split())
    server_pid = int(Path(server[robot_client.SOCKET_VARIABLE]).with_name(forkserver.PID_NAME).read_text())
    assert parent == server_pid


def test_a_client_stopped_before_its_process_started_ends_at_once(tmp_path: Path) -> None:
    """pabot's terminate (or the runner's Ctrl-C) before the server started the process: the client
    does not wait for it (up to PID_WAIT), it ends as a process killed before it ran."""
    folder = tmp_path / "fs"
    folder.mkdir()
    (folder / forkserver.PID_NAME).write_text(str(os.getpid()))  # a living "server" that never answers
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(folder / forkserver.SOCKET_NAME))
        listener.listen(1)
        client = _client(["--version"], tmp_path, {robot_client.SOCKET_VARIABLE: str(folder / forkserver.SOCKET_NAME)})
        connection, _ = listener.accept()
        with connection:
            connection.recv(1 << 16)  # the request arrived: the client now waits for the process's pid
            client.send_signal(signal.SIGTERM)
            client.communicate(timeout=10)
    assert client.returncode == 128 + signal.SIGTERM


def test_a_request_whose_client_already_left_is_not_run(server: dict[str, str], tmp_path: Path) -> None:
    """A client that gave up waiting runs the program itself: the server must not run it a second time."""
    suite = _suite(tmp_path, SLEEPS)
    env = {**os.environ, "PID_FILE": str(tmp_path / "pid")}
    request = robot_client.encode_request("robot", ["--outputdir", "out", suite.name], str(tmp_path), env)
    assert robot_client.decode_request(request[4:])["args"] == ["--outputdir", "out", suite.name]
    _wait_for_socket(Path(server[robot_client.SOCKET_VARIABLE]))
    with open(os.devnull, "rb+") as null, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as gone:
        gone.connect(server[robot_client.SOCKET_VARIABLE])
        socket.send_fds(gone, [request], [null.fileno()] * 3)
    time.sleep(3)  # a robot started now would be stopped (its client is gone) and still write its output
    assert not (tmp_path / "out").exists()


def _wait_for_socket(path: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"the fork server did not open {path} within {seconds} s"
        time.sleep(0.05)


@pytest.mark.parametrize("value", ["0", "false", "Off"])
def test_smoke_forkserver_0_turns_the_server_off(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(forkserver.SWITCH_VARIABLE, value)
    with forkserver.serving(sys.executable) as served:
        assert served == {}  # pabot and robot start cold, as without fork (ExecutionPlan.forkserver empty)


def test_a_request_travels_whole_and_a_malformed_one_is_refused() -> None:
    env = {"EMPTY": "", "WITH_EQUALS": "a=b=c", "UNDECODABLE": os.fsdecode(b"\xff\xfe"), "UNICODE": "ä€"}
    for args in ([], ["--variable", "NAME:a=b", ""], ["--test", "Ä Test"]):
        request = robot_client.encode_request("robot", args, "/tmp", env)
        assert struct.unpack("!I", request[:4])[0] == len(request) - 4
        assert robot_client.decode_request(request[4:]) == {"program": "robot", "cwd": "/tmp", "args": args, "env": env}
    for malformed in (
        b"",
        b"robot\0/tmp",
        b"robot\0/tmp\0two\0a",
        b"robot\0/tmp\x003\0a",
        b"robot\0/tmp\x000\0NO_EQUALS",
    ):
        with pytest.raises(ValueError):
            robot_client.decode_request(malformed)


FORKED = """
import json, os, subprocess, sys
from pathlib import Path
from smoke_runner import forkserver, robot_client

held, kept = os.pipe()  # like the guard's pipe: the server must not hold it
os.set_inheritable(kept, False)
with forkserver.serving(sys.executable, fork=True) as served:
    socket_path = Path(served[robot_client.SOCKET_VARIABLE])
    server = int(socket_path.with_name(forkserver.PID_NAME).read_text())
    run = subprocess.run(
        [*forkserver.client_command(sys.executable), "--output", "NONE", "--report", "NONE", sys.argv[1]],
        env={**os.environ, **served},
        capture_output=True,
        text=True,
        timeout=120,
    )
    stat = Path(f"/proc/{server}/stat").read_text().rsplit(")", 1)[1].split()
    descriptors = [os.readlink(f"/proc/{server}/fd/{fd}") for fd in os.listdir(f"/proc/{server}/fd")]
    comm = Path(f"/proc/{server}/comm").read_text().strip()
print(json.dumps({
    "runner": os.getpid(), "server": server, "parent": int(stat[1]), "session": int(stat[3]), "code": run.returncode,
    "pipe": os.readlink(f"/proc/self/fd/{kept}"), "descriptors": descriptors, "comm": comm,
    "robot_parent": Path(sys.argv[2]).read_text().split()[1], "alive_after": Path(f"/proc/{server}").exists(),
}))
"""


def test_the_runner_forks_its_server_which_holds_none_of_its_files(tmp_path: Path) -> None:
    """``python -m smoke_runner`` forks the server (``serving(..., fork=True)``) after importing what
    both need: the server is the runner's child in a session of its own, holds none of the runner's
    files (the guard's pipe among them: the guard must see the runner's end), runs the robot
    processes, and is gone (reaped) when the block ends."""
    suite = _suite(tmp_path, SUITE.split("Failing Test")[0])
    pid_file = tmp_path / "pids"
    script = tmp_path / "forked.py"
    script.write_text(FORKED, encoding="utf-8")
    env = {**os.environ, "FORK_MARK": "from-the-client", "EXPECTED_CWD": str(tmp_path), "PID_FILE": str(pid_file)}
    env["PYTHONPATH"] = str(Path(forkserver.__file__).resolve().parent.parent)
    ran = subprocess.run(
        [sys.executable, str(script), str(suite), str(pid_file)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0
    assert seen["parent"] == seen["runner"] and seen["session"] == seen["server"]  # setsid: its own session
    assert seen["comm"] == "forkserver"
    assert seen["pipe"] not in seen["descriptors"], seen["descriptors"]
    assert int(seen["robot_parent"]) == seen["server"]
    assert not seen["alive_after"]


PRE_IMPORTED = """\
*** Test Cases ***
SmokeLibrary Comes Imported And Robot Framework Reuses It
    [Documentation]    The server imported it from the repository's libraries folder, as the suites import it.
    ${before} =    Evaluate    id(sys.modules['SmokeLibrary'])    modules=sys
    Import Library    %{LIBRARIES}/SmokeLibrary/
    ${after} =    Evaluate    id(sys.modules['SmokeLibrary'])    modules=sys
    Should Be Equal    ${before}    ${after}
"""


def test_the_suites_library_comes_imported_and_is_reused(server: dict[str, str], tmp_path: Path) -> None:
    suite = _suite(tmp_path, PRE_IMPORTED)
    libraries = Path(forkserver.__file__).resolve().parent.parent / "libraries"
    client = _client(
        ["--output", "NONE", "--report", "NONE", "--log", "NONE", suite.name],
        tmp_path,
        {**server, "LIBRARIES": str(libraries)},
    )
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 0, (stdout, stderr)


PARSED_ONCE = """\
*** Settings ***
Library     Collections
Resource    %{REPOSITORY}/variables/api.resource

*** Test Cases ***
The Profile Is Loaded
    [Documentation]    The resource file the server parsed still sets its variables in this process.
    Should Be Equal    ${ANONYMOUS_SESSION}    anonymous
    Dictionary Should Contain Key    ${OPERATIONS}    login
"""


def test_robot_processes_find_the_suites_resource_files_parsed_by_the_server(
    server: dict[str, str], tmp_path: Path
) -> None:
    suite = _suite(tmp_path, PARSED_ONCE)
    repository = Path(forkserver.__file__).resolve().parent.parent
    syslog = tmp_path / "syslog.txt"
    client = _client(
        ["--output", "NONE", "--report", "NONE", "--log", "NONE", suite.name],
        tmp_path,
        {**server, "REPOSITORY": str(repository), "ROBOT_SYSLOG_FILE": str(syslog)},
    )
    stdout, stderr = client.communicate(timeout=120)
    assert client.returncode == 0, (stdout, stderr)
    log = syslog.read_text(encoding="utf-8")
    assert f"Found resource file '{repository / 'variables' / 'api.resource'}' from cache." in log
    assert "Found library 'BuiltIn' with arguments [ ] from cache." in log
    assert "Found library 'Collections' with arguments [ ] from cache." in log
