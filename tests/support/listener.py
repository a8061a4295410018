"""A TCP listener on loopback that speaks no HTTP: it counts the connections it gets and either
closes them at once or holds them open without a word (a target that accepts and never answers).

    with listening() as listener:           # as a proxy or another origin: was anything sent?
        ...
    assert listener.connections == 0

    with listening(hold=True) as hanging:   # a hanging target
        run_suite("health", hanging.url, ...)
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Listener:
    """What a listener is reached at (``http://`` to it) and how many connections it got so far."""

    url: str
    connections: int = 0
    held: list[socket.socket] = field(default_factory=list)


@contextmanager
def listening(hold: bool = False) -> Iterator[Listener]:
    """A listener on 127.0.0.1 accepting in a thread until the block ends (then every connection it
    held is closed)."""
    server = socket.create_server(("127.0.0.1", 0), backlog=16)
    server.settimeout(0.2)
    listener = Listener(f"http://127.0.0.1:{server.getsockname()[1]}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            listener.connections += 1
            if hold:
                listener.held.append(connection)
            else:
                connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in listener.held:
            connection.close()
        server.close()
