"""Where a run records what the profile made of it, in ``output.xml``, for the runner to read.

One channel per finding, each readable with Robot Framework's result API (``ExecutionResult``);
:func:`.findings.read_findings` reads them all. Every suite of the run records its own:

========================  =========================================================================
suite metadata            value
========================  =========================================================================
``Profile``               the profile's name (``PROFILE_NAME``)
``Cleanup``               the cleanup strategy and its outcome, one line:
                          ``strategy self: 3 throwaway users removed``
``Users Left Behind``     one item per throwaway user the run could not remove:
                          ``- id 17: smoketest-...@example.com``
``Cleanup Problems``      one item per cleanup that could not happen, and why
``Loosened Policies``     one item per policy looser than its safe default
``Waivers``               one item per waiver of the profile: ``- TEST NAME: reason``
========================  =========================================================================

Lists are written ``- item`` per line (Robot shows them as lists in log.html). A metadata item
that would be empty is not set at all.

A test that runs *narrowed* (it went without a capability its ``without:`` tag names) gets the tags
``narrowed`` and ``narrowed:CAPABILITY`` (one per capability) at run time; its ``without:CAPABILITY ->
WHAT`` tag says what was left out. A passing narrowed test's message also says it.

Pure module of the standard library only: SmokeLibrary loads it by its path.
"""

from __future__ import annotations

from collections.abc import Iterable

PROFILE = "Profile"
CLEANUP = "Cleanup"
USERS_LEFT_BEHIND = "Users Left Behind"
CLEANUP_PROBLEMS = "Cleanup Problems"
LOOSENED_POLICIES = "Loosened Policies"
WAIVERS = "Waivers"
ITEM_PREFIX = "- "


def as_items(items: Iterable[str]) -> str:
    """``items`` as a metadata value: ``- item`` per line, each item on one line."""
    return "\n".join(ITEM_PREFIX + " ".join(str(item).split()) for item in items)


def items_of(value: str) -> list[str]:
    """The items of a metadata value written by :func:`as_items`."""
    return [line[len(ITEM_PREFIX) :].strip() for line in str(value).splitlines() if line.startswith(ITEM_PREFIX)]
