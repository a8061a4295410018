"""Reading Markdown files the way a reader does: fenced code blocks, links and images."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


@dataclass
class CodeBlock:
    """A fenced code block: its info string (``bash``, ``robotframework``...) and its text."""

    info: str
    text: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""


def code_blocks(path: Path) -> list[CodeBlock]:
    """Every fenced code block of the Markdown file ``path``, in order."""
    return [CodeBlock(info.strip(), body) for info, body in _FENCE.findall(path.read_text(encoding="utf-8"))]


def without_code(text: str) -> str:
    """``text`` without fenced code blocks and inline code (links in code are not links)."""
    text = _FENCE.sub("", text)
    return re.sub(r"`[^`\n]*`", "", text)


def relative_links(path: Path) -> list[str]:
    """Targets of the links and images of ``path`` that point into the repository."""
    targets = _LINK.findall(without_code(path.read_text(encoding="utf-8")))
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.IGNORECASE) and not t.startswith("#")]


def anchors(path: Path) -> set[str]:
    """GitHub-style anchors of the headings of ``path``."""
    found = set()
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower()).replace(" ", "-")
        found.add(slug)
    return found
