"""Time budgets for the steps of a flow, and the throughput they reached."""

from __future__ import annotations

import time
from datetime import timedelta

from robot.api import logger
from robot.api.deco import keyword


def throughput(operations: int, seconds: float) -> float:
    """Operations per second (a duration of zero counts as one microsecond)."""
    return operations / max(seconds, 1e-6)


def budget_report(step: str, operations: int, seconds: float, budget: float) -> str:
    """One line: what ran, how long it took, the rate and the budget."""
    return (
        f"{step}: {operations} operation{'s' if operations != 1 else ''} in {seconds:.3f} s "
        f"({throughput(operations, seconds):.1f} ops/s), budget {budget:g} s"
    )


class StepTimers:
    """Start times of named steps (monotonic clock)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def start(self, step: str) -> None:
        self._started[step] = time.perf_counter()

    def elapsed(self, step: str) -> float:
        if step not in self._started:
            raise AssertionError(f"Step '{step}' was never started: call 'Start Step Timer    {step}' first")
        return time.perf_counter() - self._started.pop(step)


class TimingKeywords:
    """Keywords that hold the steps of a flow to a time budget and log their throughput."""

    @property
    def _timers(self) -> StepTimers:
        timers = self.__dict__.get("_step_timers")
        if timers is None:
            timers = self.__dict__["_step_timers"] = StepTimers()
        return timers

    @keyword("Start Step Timer")
    def start_step_timer(self, step: str) -> None:
        """Starts timing the flow step ``step``; `Step Should Have Finished Within Budget` stops it.

        | Start Step Timer    Bulk-create 50 lattices
        """
        self._timers.start(step)

    @keyword("Step Should Have Finished Within Budget")
    def step_should_have_finished_within_budget(self, step: str, budget: timedelta, operations: int = 1) -> float:
        """Fails when more than ``budget`` passed since `Start Step Timer` for ``step``; logs ops/second.

        ``operations`` is how many items the step handled (e.g. the lattices of one bulk call).
        Returns the elapsed seconds.

        | Start Step Timer    Bulk-create 50 lattices
        | ${response} =    Post As    ${OWNER_SESSION}    ${BULK_CREATE_PATH}    ${body}
        | Step Should Have Finished Within Budget    Bulk-create 50 lattices    5 seconds    50
        """
        elapsed = self._timers.elapsed(step)
        limit = budget.total_seconds()
        report = budget_report(step, int(operations), elapsed, limit)
        if elapsed > limit:
            raise AssertionError(f"Step '{step}' took {elapsed:.2f} s, over its time budget of {limit:g} s ({report})")
        logger.info(report)
        return elapsed
