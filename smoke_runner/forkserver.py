"""A fork server for pabot and the robot processes it starts (Linux): each is a copy of a process
that has Robot Framework, pabot and the suites' libraries already imported.

A cold ``robot`` process spends about 0.6 s of CPU before its suite starts: starting Python,
importing Robot Framework (0.3 s), RequestsLibrary with requests and JSONLibrary with jsonschema
(0.25 s); a cold ``pabot`` imports Robot Framework too. With two suites (and a re-run) that was paid
three to five times per run, most of it on the critical path. The runner starts this server once
per run, first thing (``python -m smoke_runner``): it imports Robot Framework and requests, which it
needs itself, and forks the server (``serving(..., fork=True)``), which imports pabot, opens its
socket (a Unix socket in a private temporary folder), then imports the libraries. The runner starts
``smoke_runner/robot_client.py --pabot`` instead of ``pabot``, and pabot starts the client instead
of ``robot`` (``--command ... --end-command``); the client hands its arguments, working folder,
environment and standard streams to the server, which forks a process that becomes that run (pabot
at once, robot once the libraries are imported).

What the process gets is what a cold one would: the client's arguments, working folder,
environment (``os.environ``) and stdin/stdout/stderr, its own session (as pabot's ``setsid``),
default signal handlers, a fresh random seed (``random`` reseeds after a fork), and Robot Framework
in its just-imported state (nothing has run in the server). Only modules are shared.

Nothing outlives the run:
* the server dies with the runner (parent-death signal) and its processes with the server;
* they carry the run's guard token in ``/proc/PID/environ`` (the server was started with it);
* the client forwards the signals it gets (pabot's SIGTERM for a robot process, the runner's SIGINT
  for pabot) to its process, and exits with its exit code (a signal before the process started
  ends the client at once);
* a process whose client ends (killed) stops itself as its client would have been stopped (robot:
  SIGTERM, pabot: SIGINT), then is killed after ``ORPHAN_GRACE`` seconds;
* ``stop`` (SIGTERM) makes the server SIGKILL whatever process is left, reap it and exit.

Where there is no fork (Windows), no ``prctl`` (macOS) or a socket path would be too long, or
with ``SMOKE_FORKSERVER=0``, the runner does not start the server and pabot and robot start as usual.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from smoke_runner import robot_client
from smoke_runner.guard import die_with_parent, forget_guard, remove_after_run, supported

#: Imported by the runner before it forks the server (``serving(..., fork=True)``): the runner
#: needs them too, so the two processes share them instead of importing them twice.
SHARED_MODULES = ("robot", "robot.run", "requests")
#: Imported first (what pabot's process needs), then the socket is open: pabot can start.
FIRST_MODULES = ("robot", "robot.run", "pabot.pabot")
#: Imported next, before any robot process is started (what each suite's process imports).
WARM_MODULES = (
    "robot.libraries.BuiltIn",
    "robot.libraries.Collections",
    "robot.running.namespace",
    "robot.running.suiterunner",
    "robot.running.arguments.typeinfoparser",
    "RequestsLibrary",
    "JSONLibrary",
    "http.server",
    "netrc",
    "secrets",
)
#: Imported next by path, as the suites' ``Library    ../libraries/SmokeLibrary/`` imports it (the folder
#: on ``sys.path`` for the import only): Robot Framework reuses a module imported from the same
#: folder, and imports afresh one of that name from another. Only modules that read nothing of the
#: environment when they are imported (the server's environment is not the robot process's).
WARM_BY_PATH = (("libraries", "SmokeLibrary"),)
#: Then Robot Framework's import cache is filled: the suites' resource files parsed, BuiltIn's and
#: Collections' keywords created (``warm_imports``), as each robot process would do it again.
PROGRAMS = ("robot", "pabot", "python")  # python: ``python -c CODE ARGS`` (the warm robotdashboard)
#: ``SMOKE_FORKSERVER=0`` (or false, no, off): no fork server, cold pabot and robot processes.
SWITCH_VARIABLE = "SMOKE_FORKSERVER"
SWITCHED_OFF = ("0", "false", "no", "off")
REQUEST_WAIT = 5.0  # seconds a connected client has to send its request
ORPHAN_GRACE = 10.0  # seconds a robot process whose client died gets for its graceful stop
SOCKET_NAME = "robot.sock"
FOLDER_PREFIX = "smoke-forkserver-"
PID_NAME = "forkserver.pid"
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux
_PR_SET_PDEATHSIG = 1
_PR_SET_NAME = 15


def available(folder: Path) -> bool:
    """Whether a fork server can serve from ``folder`` on this machine."""
    return supported() and hasattr(socket, "send_fds") and len(str(folder / SOCKET_NAME)) <= _MAX_SOCKET_PATH


def client_command(python: str, program: str = "robot") -> list[str]:
    """What pabot starts instead of ``robot`` (``--command ... --end-command``); with
    ``program="pabot"`` what the runner starts instead of ``pabot``, with ``"python"`` instead of
    ``python`` (followed by ``-c CODE ARGS``)."""
    command = [python, "-S", str(Path(robot_client.__file__).resolve())]
    flags = {name: flag for flag, name in robot_client.PROGRAM_FLAGS.items()}
    return [*command, flags[program]] if program in flags else command


@contextlib.contextmanager
def serving(python: str, fork: bool = False) -> Iterator[dict[str, str]]:
    """Run a fork server while the block runs; yields the environment variables that lead pabot's
    clients to it (empty when it is not available). Started early, it imports while the runner
    checks the target (and starts the demo API); its socket is in a private temporary folder.

    ``fork``: this process is the runner's own (``python -m smoke_runner``, single-threaded so far):
    it imports ``SHARED_MODULES``, which it needs itself, and forks the server, which then has them
    too. Otherwise (an in-process runner, the tests) the server is a new ``python -m
    smoke_runner.forkserver`` and imports everything itself."""
    if not supported() or os.environ.get(SWITCH_VARIABLE, "").strip().lower() in SWITCHED_OFF:
        yield {}
        return
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    remove_after_run(folder)
    try:
        if not available(folder):
            yield {}
            return
        socket_path = folder / SOCKET_NAME
        process = _fork_server(socket_path) if fork else _start_server(python, socket_path)
        (folder / PID_NAME).write_text(str(process.pid), encoding="ascii")
        try:
            yield {robot_client.SOCKET_VARIABLE: str(socket_path)}
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def reused_or_serving(served: dict[str, str] | None, python: str) -> Iterator[dict[str, str]]:
    """``served`` (a fork server started by the caller's caller) when given, else a new one."""
    if served is not None:
        yield served
        return
    with serving(python) as started:
        yield started


def _start_server(python: str, socket_path: Path) -> subprocess.Popen[Any]:
    """The server as a new process: ``python -m smoke_runner.forkserver SOCKET``."""
    return subprocess.Popen(  # noqa: S603 - this interpreter, this module
        [python, "-m", "smoke_runner.forkserver", str(socket_path)],
        cwd=str(Path(__file__).resolve().parent.parent),  # where ``-m smoke_runner.forkserver`` is found
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # a Ctrl-C of the terminal is the runner's to pass on, gracefully
        preexec_fn=die_with_parent(),  # prctl only: no locks taken
    )


class ForkedServer:
    """The server forked from the runner (``_fork_server``), stopped like a ``subprocess.Popen``."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Its exit code once it has ended (it is reaped then), else None."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: it has ended
                pid, status = self.pid, 255 << 8
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for its end (``subprocess.TimeoutExpired`` after ``timeout`` seconds)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"fork server {self.pid}", timeout or 0.0)
            time.sleep(0.01)
        return code

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        if self.poll() is None:  # not reaped yet: the pid is still its own
            os.kill(self.pid, signum)


def _fork_server(socket_path: Path) -> ForkedServer:
    """Import ``SHARED_MODULES`` here, then fork the server (``main``) from this process. The child
    is what ``_start_server`` starts: its own session, stdin and stdout on /dev/null, stderr kept,
    dead when the runner dies, no other file of the runner open (the guard's pipe among them)."""
    for name in SHARED_MODULES:
        _import(name)
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        stream.flush()
    runner = os.getpid()
    pid = os.fork()
    if pid:
        return ForkedServer(pid)
    code = 1
    try:
        os.setsid()  # a Ctrl-C of the terminal is the runner's to pass on, gracefully
        _set_parent_death_signal_and_name("forkserver")
        if os.getppid() != runner:  # the runner died before the parent-death signal was set
            os._exit(code)
        forget_guard()
        _close_files_but_stdio()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.close(devnull)
        code = main([str(socket_path)])
    except BaseException:  # noqa: BLE001 - reported on stderr, then exit
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        os._exit(code)


def _close_files_but_stdio() -> None:
    """Close every file descriptor above stderr (as ``subprocess`` does for a new process)."""
    for name in os.listdir("/proc/self/fd"):
        if int(name) > 2:
            with contextlib.suppress(OSError):  # among them the folder listing's own, already closed
                os.close(int(name))


def stop(process: subprocess.Popen[Any] | ForkedServer) -> None:
    """End the server: SIGTERM (it kills any robot process left and reaps them), SIGKILL after 5 s."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the server process ---------------------------------------------------------------------------


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """One request (``robot_client.encode_request``: program, args, cwd, env) and the client's
    stdin, stdout and stderr."""
    data, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, 3)
    try:
        while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
            chunk = connection.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the client closed the connection mid-request")
            data += chunk
        request: dict[str, Any] = robot_client.decode_request(data[4 : 4 + struct.unpack("!I", data[:4])[0]])
        if request.get("program") not in PROGRAMS or len(fds) != 3:
            raise ValueError(f"not a request this server runs: {request.get('program')!r}")
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def _set_parent_death_signal_and_name(name: str) -> None:
    """Die with the server; be named ``name`` in ``ps`` and ``/proc/PID/comm`` (the command line
    stays the server's)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(_PR_SET_NAME, name.encode(), 0, 0, 0)


def _process_name(program: str, args: list[str]) -> str:
    """``robot``, ``pabot``, or for ``python -c CODE SCRIPT ...`` the script's name (``robotdashboard``)."""
    return Path(args[2]).name[:15] if program == "python" and len(args) > 2 else program


def _run_program(program: str, args: list[str]) -> int:
    """``robot ARGS``, ``pabot ARGS`` or ``python -c CODE ARGS``, as their scripts (or Python) run
    them, with the exit code they give."""
    if program == "python":
        if len(args) < 2 or args[0] != "-c":
            raise ValueError("python runs only -c CODE [ARGS] here")
        sys.argv = ["-c", *args[2:]]
        sys.path[0] = ""  # as for python -c: the working folder
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})  # noqa: S102 - our own code
        return 0
    if program == "pabot":
        from pabot.pabot import main_program  # imported (warm) before the fork

        return int(main_program(args))
    from robot.run import run_cli  # imported (warm) before the fork

    return int(run_cli(args, exit=False))


def _become(program: str, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """In the forked child: take on the client's streams, folder and environment, run ``program``,
    report its exit code and exit (never returns)."""
    code = robot_client.NO_STATUS
    try:
        os.setsid()
        _set_parent_death_signal_and_name(_process_name(program, request["args"]))
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [os.path.join(os.path.dirname(sys.executable), program), *request["args"]]
        sys.path[0] = os.path.dirname(sys.argv[0])  # as for the program's script: not this package's folder
        if _client_gone(connection):  # it gave up waiting and runs the program itself: never twice
            os._exit(robot_client.NO_STATUS)
        finished = threading.Event()
        threading.Thread(target=_stop_when_orphaned, args=(program, connection, finished), daemon=True).start()
        connection.sendall(f"pid {os.getpid()}\n".encode())
        code = _run_program(program, request["args"])
        finished.set()
        atexit._run_exitfuncs()  # what the program's interpreter would do at its end
    except SystemExit as ended:
        code = ended.code if isinstance(ended.code, int) else (0 if ended.code is None else 1)
    except BaseException as error:  # noqa: BLE001 - reported to the client's stderr, then exit
        with contextlib.suppress(Exception):
            sys.stderr.write(f"{program} process failed: {error!r}\n")
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            connection.sendall(f"exit {code}\n".encode())
        os._exit(code if 0 <= code <= 255 else robot_client.NO_STATUS)


def _client_gone(connection: socket.socket) -> bool:
    """Whether the client has closed its end (it sends nothing after its request)."""
    connection.setblocking(False)
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        connection.setblocking(True)


def _stop_when_orphaned(program: str, connection: socket.socket, finished: threading.Event) -> None:
    """The client sends nothing after its request: end-of-file means it is gone (killed). Then this
    process stops as its client would have been stopped: Robot's graceful stop (SIGTERM) or pabot's
    (SIGINT, which stops its robot processes), SIGKILL ``ORPHAN_GRACE`` seconds later."""
    with contextlib.suppress(OSError):
        while connection.recv(64):
            pass
    if finished.is_set():
        return
    os.kill(os.getpid(), signal.SIGINT if program == "pabot" else signal.SIGTERM)
    time.sleep(ORPHAN_GRACE)
    os.kill(os.getpid(), signal.SIGKILL)


class _Server:
    """Accepts requests on the socket and forks a process for each. Until ``ready`` (the robot
    processes' libraries imported) only pabot is started: robot requests wait."""

    def __init__(self, socket_path: str) -> None:
        self.children: dict[int, socket.socket] = {}  # pid -> its client's connection
        self.stopping = False
        self.ready = False
        self.waiting: list[tuple[socket.socket, dict[str, Any], list[int]]] = []
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(socket_path)
        self.listener.listen(16)
        self.wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)  # SIGTERM wakes the wait at once
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.selector.register(self.wake_read, selectors.EVENT_READ)

    def poll(self, timeout: float) -> None:
        """Serve what arrived within ``timeout`` seconds; reap the children that ended."""
        for key, _events in self.selector.select(timeout=timeout):
            if key.fileobj is self.listener and not self.stopping:
                self._accept()
            elif key.fileobj == self.wake_read:
                os.read(self.wake_read, 512)
        self._reap()

    def become_ready(self) -> None:
        """Start the robot processes that were asked for while the libraries were imported."""
        self.ready = True
        while self.waiting and not self.stopping:  # stopped meanwhile: they are closed, never started
            self._fork(*self.waiting.pop(0))

    def serve(self) -> None:
        """Serve until SIGTERM."""
        while not self.stopping:
            self.poll(0.5)
        self._end()

    def _accept(self) -> None:
        connection, _ = self.listener.accept()
        connection.settimeout(REQUEST_WAIT)  # a client that connects and sends nothing does not hold up the rest
        try:
            request, fds = _receive(connection)
        except (OSError, ValueError):
            connection.close()
            return
        connection.settimeout(None)
        if self.ready or request["program"] == "pabot":
            self._fork(connection, request, fds)
        else:
            self.waiting.append((connection, request, fds))

    def _fork(self, connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        pid = os.fork()
        if pid == 0:
            signal.set_wakeup_fd(-1)
            self.selector.close()
            self.listener.close()
            self._close_others(connection)
            _become(request["program"], connection, request, fds)
        self.children[pid] = connection  # kept: the exit status goes to the client when it is reaped
        for fd in fds:  # pabot's pipes reach end-of-file only when every holder closed them
            os.close(fd)

    def _close_others(self, own: socket.socket) -> None:
        """In a child: close what belongs to the other requests (their connections, and the pipes
        of the waiting ones), so that each pipe reaches end-of-file when its own process ends."""
        for other in self.children.values():
            other.close()
        for connection, _request, fds in self.waiting:
            if connection is not own:
                connection.close()
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)

    def _reap(self) -> None:
        """Reap the children that ended and tell each one's client its exit status (the child tells
        it first when it ends normally; this covers ``os._exit`` and signals: 128 + the signal)."""
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 255 << 8
            if done:
                self._report(pid, status)

    def _report(self, pid: int, status: int) -> None:
        code = os.waitstatus_to_exitcode(status)
        connection = self.children.pop(pid)
        with contextlib.suppress(OSError):
            connection.sendall(f"exit {code if code >= 0 else 128 - code}\n".encode())
        connection.close()

    def _end(self) -> None:
        for connection, _request, fds in self.waiting:
            connection.close()
            for fd in fds:
                os.close(fd)
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.children):  # waited for: their CPU time counts as the run's
            try:
                _pid, status = os.waitpid(pid, 0)
            except ChildProcessError:
                status = 255 << 8
            self._report(pid, status)
        self.listener.close()


def _import(name: str) -> None:
    with contextlib.suppress(ImportError):
        __import__(name)


def _import_by_path(folder: str, name: str) -> None:
    """Import ``name`` from the repository's ``folder`` as Robot Framework imports a library by path."""
    path = str(Path(__file__).resolve().parent.parent / folder)
    sys.path.insert(0, path)
    try:
        _import(name)
    finally:
        sys.path.remove(path)


def _warm_imports() -> None:
    """Put ``warm_imports.WarmImporter`` in Robot Framework's place, filled with this repository's
    resource files and Robot's stateless libraries."""
    from smoke_runner import warm_imports  # imports Robot Framework: only in the server

    warm_imports.install(Path(__file__).resolve().parent.parent)


def main(argv: list[str]) -> int:
    """``python -m smoke_runner.forkserver SOCKET``: import Robot Framework and pabot, listen, then
    import the robot processes' libraries (serving pabot meanwhile) and serve until SIGTERM."""
    socket_path = argv[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in FIRST_MODULES:
        _import(name)
    server = _Server(socket_path)

    def end(_signum: int, _frame: object) -> None:
        server.stopping = True

    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)  # wakes the wait: a child to reap
    warm: list[tuple[Callable[..., None], tuple[str, ...]]] = [(_import, (name,)) for name in WARM_MODULES]
    warm += [(_import_by_path, entry) for entry in WARM_BY_PATH] + [(_warm_imports, ())]
    for load, args in warm:  # pabot may start meanwhile: it gets to its robot processes sooner
        server.poll(0)
        if server.stopping:  # the run ended (a usage error, a failed preflight): import no further
            break
        load(*args)
    server.become_ready()
    server.serve()
    with contextlib.suppress(OSError):
        os.unlink(socket_path)
    return 0


if __name__ == "__main__":
    # os._exit: every child is reaped; Python's teardown of what was imported only costs time
    os._exit(main(sys.argv[1:]))
