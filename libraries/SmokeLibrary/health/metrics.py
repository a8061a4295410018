"""Prometheus and OpenMetrics exposition: content type, complete parse, families and counters.

Parsing is done by ``prometheus_client`` (text format 0.0.4) or its OpenMetrics parser; the
generators are consumed completely, so a syntax error anywhere in the body fails the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import requests
from robot.api import logger
from robot.api.deco import keyword

from ._common import as_list, describe

if TYPE_CHECKING:  # prometheus_client is imported where a body is parsed: the workflows suite never needs it
    from prometheus_client.metrics_core import Metric

PROMETHEUS_TEXT = "text/plain"
OPENMETRICS_TEXT = "application/openmetrics-text"
ACCEPTED_CONTENT_TYPES = f"{PROMETHEUS_TEXT}; version=0.0.4 or {OPENMETRICS_TEXT}"
# The suffixes a family's samples may carry (counters, histograms, summaries, OpenMetrics).
SAMPLE_SUFFIXES = ("", "_total", "_bucket", "_count", "_sum", "_created", "_gcount", "_gsum", "_info")


def parse_exposition(text: str, content_type: str) -> list[Metric]:
    """Parse a complete exposition; raises ``ValueError`` for a wrong content type or bad syntax."""
    from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
    from prometheus_client.parser import text_string_to_metric_families as parse_prometheus_text

    media = content_type.split(";")[0].strip().lower()
    if media == OPENMETRICS_TEXT:
        return list(parse_openmetrics(text))  # type: ignore[no-untyped-call]
    if media == PROMETHEUS_TEXT:
        return list(parse_prometheus_text(text))
    raise ValueError(f"Content-Type {content_type or 'missing'} is not {ACCEPTED_CONTENT_TYPES}")


def family_names(families: Iterable[Metric]) -> set[str]:
    """Every name a family can be asked for: its own name and the names of its samples."""
    names: set[str] = set()
    for family in families:
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        if family.type == "counter":
            names.add(f"{family.name}_total")
    return names


def sample_total(families: Iterable[Metric], name: str, labels: Mapping[str, str] | None = None) -> float | None:
    """Sum of the samples called ``name`` whose labels include ``labels`` (0 for a declared family
    without such samples; None when the family is absent)."""
    wanted = {str(key): str(value) for key, value in (labels or {}).items()}
    found = False
    total = 0.0
    for family in families:
        if family.name == name or (family.type == "counter" and f"{family.name}_total" == name):
            found = True  # a family without samples yet (no labelled child was touched) totals 0
        for sample in family.samples:
            if sample.name == name or (
                family.type == "counter" and family.name == name and sample.name.endswith("_total")
            ):
                found = True
                if all(sample.labels.get(key) == value for key, value in wanted.items()):
                    total += sample.value
    return total if found else None


def families_of(response: requests.Response) -> list[Metric]:
    """The metric families of a ``/metrics`` response, or an ``AssertionError`` saying why not."""
    content_type = response.headers.get("Content-Type", "")
    try:
        families = parse_exposition(response.text, content_type)
    except ValueError as error:
        raise AssertionError(f"Expected a parseable Prometheus exposition, but {error}: {describe(response)}") from None
    if not families:
        raise AssertionError(f"Expected metric families, but the exposition is empty: {describe(response)}")
    return families


class MetricsKeywords:
    """Keywords that judge a Prometheus ``/metrics`` endpoint."""

    @keyword("Metrics Response Should Be Valid Exposition")
    def metrics_response_should_be_valid_exposition(self, response: requests.Response) -> None:
        """Fails unless ``response`` is HTTP 200 Prometheus text (0.0.4) or OpenMetrics that parses completely.

        The whole body is parsed with ``prometheus_client``; a syntax error anywhere fails.

        | ${response} = | Get Anonymously | ${METRICS_PATH} |
        | Metrics Response Should Be Valid Exposition | ${response} |
        """
        if response.status_code != 200:
            raise AssertionError(f"Expected HTTP 200 from the metrics endpoint, but {describe(response)}")
        families = families_of(response)
        samples = sum(len(family.samples) for family in families)
        logger.info(
            f"{response.url} exposes {len(families)} metric families with {samples} samples "
            f"({response.headers.get('Content-Type')})."
        )

    @keyword("Metrics Should Have Families")
    def metrics_should_have_families(self, response: requests.Response, names: str | list[str]) -> None:
        """Fails unless every family in ``names`` is exposed (by family or sample name) in the
        ``/metrics`` ``response``.

        | Metrics Should Have Families | ${response} | ${REQUIRED_METRIC_FAMILIES} |
        """
        present = family_names(families_of(response))
        missing = [name for name in as_list(names) if name not in present]
        if missing:
            raise AssertionError(
                f"Expected metric families {', '.join(as_list(names))}, but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} missing from {response.url}"
            )

    @keyword("Metric Total Of")
    def metric_total_of(self, response: requests.Response, name: str, **labels: str) -> float:
        """Returns the sum of the samples called ``name`` in a ``/metrics`` response, over every label
        set or only those with ``labels``.

        | ${before} = | Metric Total Of | ${response} | http_requests_total |
        | ${before} = | Metric Total Of | ${response} | http_requests_total | path=/health |
        """
        total = sample_total(families_of(response), name, labels)
        if total is None:
            raise AssertionError(f"Expected samples of '{name}', but {response.url} exposes none")
        selection = "".join(f" {key}={value}" for key, value in labels.items())
        logger.info(f"{name}{selection} totals {total:g} at {response.url}")
        return total

    @keyword("Metric Total Should Have Grown")
    def metric_total_should_have_grown(
        self, response: requests.Response, name: str, before: float, **labels: str
    ) -> None:
        """Fails unless the sum of ``name`` (only samples with ``labels``, if given) in ``response``
        is greater than ``before``.

        | Metric Total Should Have Grown | ${response} | http_requests_total | ${before} | path=/health |
        """
        after = self.metric_total_of(response, name, **labels)
        if after <= float(before):
            selection = "".join(f" {key}={value}" for key, value in labels.items())
            raise AssertionError(
                f"Expected '{name}' to grow{' for' + selection if selection else ''} after a request was made, "
                f"but it stayed at {after:g} "
                f"(before: {float(before):g}) at {response.url}"
            )
