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
inode differ), and so is one imported in another language than English (``--language`` or a
suite's ``Language:`` header), as Robot would parse it. When Robot's internals are not what this
module expects (another version), the server installs nothing: each process imports as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from robot.conf import Languages
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


def _english_only(lang: Any) -> bool:
    return [language.code for language in Languages(lang)] == ["en"]


class WarmImporter(Importer):  # type: ignore[misc]  # Robot Framework is untyped
    """Robot's ``Importer`` whose ``reset`` keeps what the fork server parsed and created."""

    def __init__(self) -> None:
        super().__init__()
        self.warm_resources: list[tuple[str, Signature | None, Any]] = []
        self.warm_libraries: list[tuple[tuple[str, list[Any], dict[str, Any]], Any]] = []

    def warm(self, resources: Iterable[Path], libraries: Iterable[str]) -> None:
        """Parse ``resources`` and create the keywords of ``libraries`` (names, no arguments)."""
        for path in resources:
            before = signature(str(path))
            resource = self.import_resource(str(path))
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

    def import_resource(self, path: str, lang: Any = None) -> Any:
        """Robot's import, but a resource file parsed in the server (in English) is parsed again
        when it is imported in another language."""
        if lang is not None and path in self._resource_cache and not _english_only(lang):
            cached = self._resource_cache[path]
            if any(cached is resource for _path, _before, resource in self.warm_resources):
                self._resource_cache[path] = ResourceFileBuilder(lang=lang).build(path)
        return super().import_resource(path, lang)


def resource_files(root: Path) -> list[Path]:
    """The ``*.resource`` files in ``WARM_FOLDERS`` of ``root`` (the repository)."""
    return sorted(path for folder in WARM_FOLDERS for path in (root / folder).glob("*.resource"))


def install(root: Path) -> WarmImporter | None:
    """Fill a ``WarmImporter`` with ``root``'s resource files and ``WARM_LIBRARIES`` and put it in
    Robot's place; None (Robot's importer left as it is) when anything of it fails."""
    importer = WarmImporter()
    try:
        with LOGGER.cache_only:  # what parsing reports (errors in a file) is relayed in each process
            importer.warm(resource_files(root), WARM_LIBRARIES)
        importer.reset()  # Robot's internals are as expected: the cache takes the entries back
    except Exception:  # noqa: BLE001 - another Robot version: the robot processes import as before
        return None
    namespace.IMPORTER = importer
    return importer
