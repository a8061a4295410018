"""Robot Framework's import cache, filled once in the fork server for every robot process it forks.

Each robot process parses the suites' resource files (``resources/``, ``variables/``) and creates
the keywords of Robot's libraries BuiltIn and Collections: about 0.15 s of CPU per process, in
the workflows suite's process on the gate's critical path. Robot Framework keeps both in one
process-wide cache (``robot.running.namespace.IMPORTER``) that it empties at the start of a run.
The fork server puts a ``WarmImporter`` in its place, filled before any robot process is forked:
its ``reset`` empties the cache as Robot's does and puts back what the server made, so a forked
robot process finds it as the second suite of one robot process finds it.

Kept is only what does not depend on the process:
- a resource file's parsed model: its variables are set when it is imported, in the robot process,
  with that process's variables and environment; ``${CURDIR}`` is the file's folder either way;
- the keywords of BuiltIn and Collections, which take no arguments and hold no state (GLOBAL scope:
  one instance per robot process, made in the server).

A resource file that changed after it was parsed is parsed again (its modification time, size or
inode differ). One that Robot warns about or fails to parse is left to each process, which
reports its problems where it always has (its console, output.xml, log.html). What is kept was
parsed in English, which is part of every language set: a file that parses cleanly in English
holds nothing of another language (another language's headers and settings are errors in
English), so ``--language`` would parse it the same. When Robot's internals are not what this
module expects (another version), the server installs nothing: each process imports as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from robot.output import LOGGER
from robot.running import namespace
from robot.running.builder import ResourceFileBuilder
from robot.running.importer import Importer

#: The repository's folders whose ``*.resource`` files are parsed in the server.
WARM_FOLDERS = ("resources", "variables")
#: Robot's libraries whose keywords are created in the server: no arguments, no state.
WARM_LIBRARIES = ("BuiltIn", "Collections")

Signature = tuple[int, int, int]


def signature(path: str) -> Signature | None:
    """(modification time, size, inode) of ``path``; None when it is gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino


class WarmImporter(Importer):  # type: ignore[misc]  # Robot Framework is untyped
    """Robot's ``Importer`` whose ``reset`` keeps what the fork server parsed and created."""

    def __init__(self) -> None:
        super().__init__()
        self.warm_resources: list[tuple[str, Signature | None, Any]] = []
        self.warm_libraries: list[tuple[tuple[str, list[Any], dict[str, Any]], Any]] = []

    def warm(self, resources: Iterable[Path], libraries: Iterable[str]) -> None:
        """Parse ``resources`` and create the keywords of ``libraries`` (names, no arguments).

        Robot's messages go to its message cache only (a forked robot process relays them to its
        own logs, as it relays the messages of its own start). A resource file whose parsing
        warns or fails is not kept, and its messages are dropped: each robot process parses it
        itself and reports its problems where it always has."""
        messages = LOGGER._message_cache  # noqa: SLF001 - Robot keeps no other record of them
        with LOGGER.cache_only:
            for path in resources:
                before, first = signature(str(path)), len(messages)
                resource = ResourceFileBuilder().build(str(path))
                if any(message.level in ("WARN", "ERROR") for message in messages[first:]):
                    del messages[first:]
                    continue
                self._resource_cache[str(path)] = resource
                self.warm_resources.append((str(path), before, resource))
            for name in libraries:
                library = self.import_library(name, (), None, None)
                self.warm_libraries.append(((name, library.init.positional, library.init.named), library))

    def reset(self) -> None:
        """Empty the cache as Robot Framework does at the start of a run, then put back what was
        made in the server and is still valid (a resource file unchanged since it was parsed)."""
        Importer.__init__(self)
        for path, before, resource in self.warm_resources:
            if before is not None and signature(path) == before:
                self._resource_cache[path] = resource
        for key, library in self.warm_libraries:
            self._library_cache[key] = library


def resource_files(root: Path) -> list[Path]:
    """The ``*.resource`` files in ``WARM_FOLDERS`` of ``root`` (the repository)."""
    return sorted(path for folder in WARM_FOLDERS for path in (root / folder).glob("*.resource"))


def install(root: Path) -> WarmImporter | None:
    """Fill a ``WarmImporter`` with ``root``'s resource files and ``WARM_LIBRARIES`` and put it in
    Robot's place; None (Robot's importer left as it is) when anything of it fails."""
    importer = WarmImporter()
    try:
        importer.warm(resource_files(root), WARM_LIBRARIES)
        importer.reset()  # Robot's internals are as expected: the cache takes the entries back
    except Exception:  # noqa: BLE001 - another Robot version: the robot processes import as before
        return None
    namespace.IMPORTER = importer
    return importer
