"""Request bodies that are awkward to write in Robot syntax: bulk payloads with unique names."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from robot.api import logger
from robot.api.deco import keyword


def unique_name(prefix: str) -> str:
    """``prefix`` plus a short random suffix, so that names of parallel runs never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def bulk_payload(count: int, template: Mapping[str, Any], prefix: str) -> dict[str, list[dict[str, Any]]]:
    """``{"lattices": [...]}`` with ``count`` copies of ``template`` named ``<prefix>-<n>``."""
    lattices = []
    for number in range(1, count + 1):
        item = copy.deepcopy(dict(template))
        item["name"] = f"{prefix}-{number:03d}"
        lattices.append(item)
    return {"lattices": lattices}


class PayloadKeywords:
    """Keywords that build request bodies."""

    @keyword("Bulk Lattice Payload")
    def bulk_lattice_payload(self, count: int, template: Mapping[str, Any], prefix: str = "smoketest-bulk") -> dict[str, Any]:
        """Returns a bulk-create body with ``count`` lattices shaped like ``template``, named ``<prefix>-NNN``.

        | ${body} =    Bulk Lattice Payload    ${BULK_LATTICE_COUNT}    ${BULK_LATTICE_TEMPLATE}    ${prefix}
        """
        body = bulk_payload(int(count), template, unique_name(prefix))
        logger.info(f"Bulk payload of {count} lattices shaped {template.get('dimensions')}")
        return body

    @keyword("Bulk Lattice Payload With One Invalid Item")
    def bulk_lattice_payload_with_one_invalid_item(
        self, count: int, template: Mapping[str, Any], invalid: Mapping[str, Any], prefix: str = "smoketest-bulk"
    ) -> dict[str, Any]:
        """Returns a bulk-create body of ``count`` items whose middle item is the invalid body ``invalid``.

        The valid items are copies of ``template`` named ``prefix-<n>-<unique suffix>``.
        An all-or-nothing API must reject it and create none of the valid items.

        | ${body} =    Bulk Lattice Payload With One Invalid Item    5    ${BULK_LATTICE_TEMPLATE}    ${INVALID_LATTICE}
        """
        body = bulk_payload(int(count), template, unique_name(prefix))
        body["lattices"][int(count) // 2] = copy.deepcopy(dict(invalid))
        logger.info(f"Bulk payload of {count} lattices, item {int(count) // 2} invalid")
        return body
