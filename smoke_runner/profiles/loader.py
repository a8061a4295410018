"""A safe loader for profile YAML, which is untrusted input (a file copied from anywhere).

* PyYAML's *safe* loader only: no Python object tags (``!!python/name:``...), which fail naming the tag;
* at most :data:`MAX_BYTES` (1 MB) of text, read no further than that;
* a budget for aliases and nesting, checked on the parsed events and on the node graph *before*
  any Python object is built: a few hundred bytes of nested aliases ("billion laughs") are refused
  at once, in linear time, instead of expanding into gigabytes later (Robot Framework and the
  runner copy the values they are given);
* every mapping key is a string, and no key is given twice in one mapping (YAML says so; PyYAML
  would silently keep the last one, which hides typos);
* every error is one line: the file, the line and what is wrong (:class:`ProfileError`).

The result keeps the line of every key (:attr:`LoadedYaml.lines`), so that the schema's errors name
the line too (:mod:`.schema`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

#: The most text a profile may have.
MAX_BYTES = 1_000_000
#: The most aliases (``*name``) a document may use.
MAX_ALIASES = 100
#: The deepest nesting of collections.
MAX_DEPTH = 40
#: The most values the document may hold once every alias is expanded.
MAX_EXPANDED_NODES = 200_000

#: The tags a profile may carry: plain data (a date, binary data or a set must be quoted text).
SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
)

#: Where a value sits in a document: mapping keys and sequence indexes (Union: the alias is evaluated on Python 3.9).
KeyPath = tuple[Union[str, int], ...]


class ProfileError(ValueError):
    """A profile (or another untrusted YAML file) that cannot be used; the message is one line."""


@dataclass
class LoadedYaml:
    """A parsed document and the line (1-based) of every mapping key and sequence item, by key path."""

    data: Any
    source: str
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        for end in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def where(self, path: KeyPath) -> str:
        """``source line N`` for the key at ``path`` (just the source when no line is known)."""
        line = self.line_of(path)
        return f"{self.source} line {line}" if line else self.source


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _mark_line(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    return f" line {mark.line + 1}" if mark else ""


def read_text_bounded(path: Path, limit: int = MAX_BYTES) -> str:
    """The text of ``path`` (UTF-8), refusing a file larger than ``limit`` bytes without reading it all."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise ProfileError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(raw) > limit:
        raise ProfileError(f"{path}: larger than {limit:,} bytes; a profile is a small text file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProfileError(f"{path}: not UTF-8 text (byte {error.start})") from None


def _check_events(text: str, source: str, limits: YamlLimits) -> None:
    """Refuse too many aliases or too deep a nesting, looking only at the parser's events."""
    aliases = depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > limits.max_aliases:
                    raise ProfileError(
                        f"{source} line {line}: more than {limits.max_aliases} aliases (*name); a profile needs none"
                    )
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > limits.max_depth:
                    raise ProfileError(f"{source} line {line}: nested deeper than {limits.max_depth} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        raise ProfileError(f"{source}{_mark_line(error)}: not valid YAML: {_one_line(error.problem)}") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"{source}: not valid YAML: {_one_line(error)}") from None


@dataclass(frozen=True)
class YamlLimits:
    """The budgets of one kind of untrusted YAML (a profile by default; an OpenAPI document is larger)."""

    max_bytes: int = MAX_BYTES
    max_aliases: int = MAX_ALIASES
    max_depth: int = MAX_DEPTH
    max_expanded_nodes: int = MAX_EXPANDED_NODES
    string_keys: bool = True  # every key must be a string (a profile's; an OpenAPI document has 200: keys)


PROFILE_LIMITS = YamlLimits()


class _Walk:
    """Checks a composed node graph: tags, keys, cycles and the expanded size; records key lines."""

    def __init__(self, source: str, limits: YamlLimits) -> None:
        self.source = source
        self.limits = limits
        self.sizes: dict[int, int] = {}
        self.open: set[int] = set()
        self.lines: dict[KeyPath, int] = {}

    def fail(self, node: yaml.Node, problem: str) -> ProfileError:
        return ProfileError(f"{self.source} line {node.start_mark.line + 1}: {problem}")

    def size(self, node: yaml.Node, path: KeyPath) -> int:
        """The number of values under ``node`` with every alias expanded (memoised: linear time)."""
        if node.tag not in SAFE_TAGS:
            raise self.fail(node, f"the tag {node.tag} is not allowed (a profile is plain data)")
        key = id(node)
        if key in self.open:
            raise self.fail(node, "an alias refers to a value that contains it (a recursive structure)")
        known = self.sizes.get(key)
        if known is not None:
            return known
        self.open.add(key)
        total = 1 + sum(self.size(child, child_path) for child, child_path in self._children(node, path))
        self.open.discard(key)
        if total > self.limits.max_expanded_nodes:
            raise self.fail(
                node,
                f"expands to more than {self.limits.max_expanded_nodes:,} values (aliases of aliases); "
                "a profile is small",
            )
        self.sizes[key] = total
        return total

    def _children(self, node: yaml.Node, path: KeyPath) -> Iterator[tuple[yaml.Node, KeyPath]]:
        if isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self.lines.setdefault((*path, index), item.start_mark.line + 1)
                yield item, (*path, index)
        elif isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    yield value_node, path
                    continue
                is_text = isinstance(key_node, yaml.ScalarNode) and key_node.tag == "tag:yaml.org,2002:str"
                if not is_text and (self.limits.string_keys or not isinstance(key_node, yaml.ScalarNode)):
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                    raise self.fail(key_node, f"the key {shown!r} is not a string (quote it, or fix a typo)")
                name = str(key_node.value)
                if name in seen:
                    raise self.fail(
                        key_node, f"the key {name!r} is given twice in one mapping (first on line {seen[name]})"
                    )
                seen[name] = key_node.start_mark.line + 1
                self.lines.setdefault((*path, name), key_node.start_mark.line + 1)
                yield value_node, (*path, name)


def load_yaml_text(text: str, source: str = "the profile", limits: YamlLimits = PROFILE_LIMITS) -> LoadedYaml:
    """Parse ``text`` as untrusted YAML within ``limits``; see the module's description.

    An empty document is ``None``. Raises :class:`ProfileError` with a one-line reason.
    """
    if len(text) > limits.max_bytes or len(text.encode("utf-8", errors="replace")) > limits.max_bytes:
        raise ProfileError(f"{source}: larger than {limits.max_bytes:,} bytes; a profile is a small text file")
    _check_events(text, source, limits)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return LoadedYaml(None, source)
        walk = _Walk(source, limits)
        walk.size(node, ())
        data = loader.construct_document(node)
    except ProfileError:
        raise
    except yaml.MarkedYAMLError as error:
        raise ProfileError(f"{source}{_mark_line(error)}: {_one_line(error.problem or error)}") from None
    except yaml.YAMLError as error:
        raise ProfileError(f"{source}: not valid YAML: {_one_line(error)}") from None
    except (TypeError, ValueError, RecursionError) as error:
        raise ProfileError(f"{source}: cannot be read as data: {_one_line(error)}") from None
    finally:
        loader.dispose()
    return LoadedYaml(data, source, walk.lines)


def load_yaml_file(path: str | Path, limits: YamlLimits = PROFILE_LIMITS) -> LoadedYaml:
    """:func:`load_yaml_text` of the file at ``path`` (read no further than ``limits.max_bytes``)."""
    file = Path(path)
    return load_yaml_text(read_text_bounded(file, limits.max_bytes), str(file), limits)
