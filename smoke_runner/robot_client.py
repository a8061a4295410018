"""``robot`` (and ``pabot``) started from the run's fork server (``smoke_runner/forkserver.py``).

pabot starts this script (``--command python -S robot_client.py --end-command``) where it would
start ``robot``, and the runner starts it with ``--pabot`` first where it would start ``pabot``. It
hands its arguments, working folder, environment and standard streams to the fork server, whose
copy of itself runs ``robot`` (or pabot) with Robot Framework and the suites' libraries already
imported, forwards the signals it gets (pabot's Ctrl-C and terminate, the runner's SIGINT) to that
process, and exits with its exit code. When no fork server answers (none was started, or it ended)
it becomes a plain ``python -m robot`` (``python -m pabot.pabot``) with the same arguments: never a
run that does not happen.

Standard library only, and nothing of this package: it starts with ``python -S`` in a few ms
(nor ``json``, ``re`` or ``contextlib``: the request is NUL-separated text, ``encode_request``).
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
import time
from types import FrameType

#: The fork server's socket (set by the runner for pabot and inherited from it).
SOCKET_VARIABLE = "SMOKE_ROBOT_FORKSERVER"
CONNECT_WAIT = 15.0  # seconds to wait for a fork server that is still starting (importing)
PID_WAIT = 120.0  # seconds to wait for the server to start the process (it imports the libraries first)
#: pabot's Ctrl-C and terminate, and the hang-ups of a terminal (where the platform has them: this
#: module is imported on Windows too, where it is never started)
FORWARDED = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT") if hasattr(signal, name))
NO_STATUS = 255  # the robot process ended without reporting an exit code (killed)


#: A first argument that asks for another program than ``robot ARGS``: ``pabot ARGS``, or
#: ``python -c CODE ARGS`` (the runner's warm robotdashboard).
PROGRAM_FLAGS = {"--pabot": "pabot", "--python": "python"}
#: What a program is when there is no server: this interpreter with these arguments first.
PLAIN = {"robot": ["-m", "robot"], "pabot": ["-m", "pabot.pabot"], "python": []}


def _plain(program: str, args: list[str]) -> None:
    """Replace this process with ``python -m robot ARGS``, ``python -m pabot.pabot ARGS`` or
    ``python ARGS`` (the interpreter that runs this script)."""
    os.execv(sys.executable, [sys.executable, *PLAIN[program], *args])  # noqa: S606


def _connect(path: str) -> socket.socket | None:
    """The connection to the fork server at ``path``, waiting while it starts; None if none answers."""
    deadline = time.monotonic() + CONNECT_WAIT
    while True:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(path)
            return client
        except (FileNotFoundError, ConnectionRefusedError):
            client.close()
            if time.monotonic() > deadline or not _server_may_start(path):
                return None
            time.sleep(0.02)
        except OSError:
            client.close()
            return None


def _server_may_start(path: str) -> bool:
    """A fork server for ``path`` may still bind it: its folder exists and names a living process."""
    folder = os.path.dirname(path)
    pid_file = os.path.join(folder, "forkserver.pid")
    try:
        with open(pid_file, encoding="ascii") as handle:
            os.kill(int(handle.read().strip()), 0)
    except FileNotFoundError:
        return os.path.isdir(folder)  # written just before the server starts importing
    except (OSError, ValueError):
        return False
    return True


def encode_request(program: str, args: list[str], cwd: str, env: dict[str, str]) -> bytes:
    """The request as the server reads it (``decode_request``): its length, then program, folder,
    argument count, the arguments and the ``NAME=VALUE`` environment, NUL-separated (no argument,
    folder or environment entry can hold a NUL; undecodable bytes travel as they came)."""
    fields = [program, cwd, str(len(args)), *args, *(f"{name}={value}" for name, value in env.items())]
    body = "\0".join(fields).encode("utf-8", "surrogateescape")
    return struct.pack("!I", len(body)) + body


def decode_request(body: bytes) -> dict[str, object]:
    """``encode_request``'s body as ``{"program", "cwd", "args", "env"}``; ValueError when malformed."""
    fields = body.decode("utf-8", "surrogateescape").split("\0")
    if len(fields) < 3 or not fields[2].isdigit() or len(fields) < 3 + int(fields[2]):
        raise ValueError("not a request of robot_client")
    count = int(fields[2])
    entries = [entry.partition("=") for entry in fields[3 + count :]]
    if any(not separator for _name, separator, _value in entries):
        raise ValueError("an environment entry without '='")
    env = {name: value for name, _separator, value in entries}
    return {"program": fields[0], "cwd": fields[1], "args": fields[3 : 3 + count], "env": env}


def _request(program: str, args: list[str]) -> bytes:
    return encode_request(program, args, os.getcwd(), dict(os.environ))


class _Forwarder:
    """Passes the signals this client gets on to its process. One that comes before the process
    is known ends the client at once (128 + the signal, as for a process killed before it ran): the
    server's process, should it still be started, finds its client gone and stops itself."""

    def __init__(self) -> None:
        self.pid: int | None = None

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if self.pid is None:
            raise SystemExit(128 + signum)
        try:  # noqa: SIM105 - contextlib.suppress would cost this script's start an import
            os.kill(self.pid, signum)
        except ProcessLookupError:
            pass


def _exit_code(connection: socket.socket, received: bytes) -> int | None:
    """The exit code of the ``exit N`` line that the process (or the server, once it reaped it)
    sends; None when the connection ends without one."""
    while True:
        for line in received.decode("ascii", errors="replace").splitlines(keepends=True):
            if line.startswith("exit ") and line.endswith("\n"):
                return int(line.split()[1])
        chunk = connection.recv(4096)
        if not chunk:
            return None
        received += chunk


def main(argv: list[str]) -> int:
    program = PROGRAM_FLAGS.get(argv[0], "robot") if argv else "robot"
    args = argv[1:] if program != "robot" else argv
    path = os.environ.get(SOCKET_VARIABLE, "")
    connection = _connect(path) if path else None
    if connection is None:
        _plain(program, args)
    assert connection is not None
    forward = _Forwarder()
    for signum in FORWARDED:
        signal.signal(signum, forward)
    with connection:
        socket.send_fds(connection, [_request(program, args)], [0, 1, 2])
        received = b""
        connection.settimeout(PID_WAIT)
        while b"\n" not in received:  # the process's pid comes first
            try:
                chunk = connection.recv(64)
            except TimeoutError:
                chunk = b""
            if not chunk:  # the server refused, lost or never started it: run it here, never not at all
                connection.close()
                _plain(program, args)
            received += chunk
        connection.settimeout(None)  # the program runs as long as it runs (pabot and the runner bound it)
        first, _, rest = received.partition(b"\n")
        forward.pid = int(first.split()[1])
        code = _exit_code(connection, rest)
    if code is None:
        sys.stderr.write(f"robot_client: {program} process {forward.pid} ended without an exit code\n")
        return NO_STATUS
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
