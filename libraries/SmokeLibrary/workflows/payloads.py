"""Request bodies that are awkward to write in Robot syntax: many numbered items from one template."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..profiles import fill_template


def unique_name(prefix: str) -> str:
    """``prefix`` plus a short random suffix, so that names of parallel runs never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def numbered_items(template: Any, count: int, values: Mapping[str, Any], numbered: str, prefix: str) -> list[Any]:
    """``count`` copies of ``template`` filled with ``values``, placeholder ``numbered`` set to ``<prefix>-NNN``."""
    return [fill_template(template, {**values, numbered: f"{prefix}-{number:03d}"}) for number in range(1, count + 1)]


class PayloadKeywords:
    """Keywords that build request bodies."""

    @keyword("Numbered Items From Template")
    def numbered_items_from_template(
        self, template: Any, count: int, values: Mapping[str, Any], numbered: str, prefix: str = "smoketest-bulk"
    ) -> list[Any]:
        """Returns ``count`` items: ``template`` filled with ``values`` and a unique
        ``<prefix>-<suffix>-NNN`` for ``numbered``.

        ``template`` is a request-body template of the profile (see `Fill Template`); ``numbered``
        is the placeholder that gets the unique, numbered value, so that names of parallel runs
        never collide.

        | ${items} =    Numbered Items From Template    ${OPERATIONS}[create_lattice][body]    50    ${LATTICE}    name
        """
        items = numbered_items(template, int(count), values, numbered, unique_name(prefix))
        logger.info(f"{count} items from the template, {numbered} numbered")
        return items

    @keyword("Numbered Items With One Invalid Item")
    def numbered_items_with_one_invalid_item(
        self,
        template: Any,
        count: int,
        values: Mapping[str, Any],
        numbered: str,
        invalid: Mapping[str, Any],
        prefix: str = "smoketest-bulk",
    ) -> list[Any]:
        """Returns the items of `Numbered Items From Template` whose middle item is ``template``
        filled with ``invalid``.

        ``count`` items of ``template`` filled with ``values``, placeholder ``numbered`` set to a
        unique ``<prefix>-<suffix>-NNN``, except the middle one.
        An all-or-nothing API must reject such a batch and create none of the valid items.

        | ${items} =    Numbered Items With One Invalid Item    ${template}    5    ${LATTICE}    name    ${INVALID}
        """
        items = numbered_items(template, int(count), values, numbered, unique_name(prefix))
        items[int(count) // 2] = fill_template(template, invalid)
        logger.info(f"{count} items from the template, item {int(count) // 2} invalid")
        return items
