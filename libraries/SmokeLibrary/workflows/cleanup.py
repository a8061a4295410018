"""What the cleanup of a suite achieved, recorded in the suite's metadata where the runner reads it.

A cleanup that cannot happen is a finding of its own, never a failure of the tests that ran: the
suite's metadata ``Cleanup`` (the strategy and its outcome), ``Users Left Behind`` (each throwaway
user the run could not remove, by id) and ``Cleanup Problems`` (why) say it; the channels are
described in ``smoke_runner/profiles/channels.py``. The admin token of the cleanup strategy
``admin`` comes from the environment only and is masked like every secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn

from ..masking import register_secret
from ..profile_core import capabilities, channels
from .identity import TestIdentity


@dataclass
class CleanupReport:
    """The cleanup outcome of one suite so far."""

    strategy: str
    removed: int = 0
    objects_removed: int = 0
    left_behind: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """``strategy self: 3 throwaway users removed; 1 left behind``."""
        text = f"strategy {self.strategy}: {self.removed} throwaway user{'s' if self.removed != 1 else ''} removed"
        if self.objects_removed:
            text += f"; {self.objects_removed} object(s) they created removed"
        if self.left_behind:
            text += f"; {len(self.left_behind)} left behind"
        if self.problems:
            text += f"; {len(self.problems)} problem(s)"
        return text


class CleanupKeywords:
    """Keywords that record a suite's cleanup, and give the admin token of the strategy ``admin``."""

    def _report(self, strategy: str) -> CleanupReport:
        builtin = BuiltIn()
        suite = str(builtin.get_variable_value("${SUITE NAME}", ""))
        reports: dict[str, CleanupReport] = self.__dict__.setdefault("_cleanup_reports", {})
        report = reports.get(suite)
        if report is None:
            report = reports[suite] = CleanupReport(str(strategy))
        return report

    def _publish(self, report: CleanupReport) -> None:
        builtin = BuiltIn()
        builtin.set_suite_metadata(channels.CLEANUP, report.summary())
        if report.left_behind:
            builtin.set_suite_metadata(channels.USERS_LEFT_BEHIND, channels.as_items(report.left_behind))
        if report.problems:
            builtin.set_suite_metadata(channels.CLEANUP_PROBLEMS, channels.as_items(report.problems))

    @keyword("Record Removed Test User")
    def record_removed_test_user(self, strategy: str, identity: TestIdentity) -> None:
        """Records that the cleanup (strategy ``strategy``) removed the user of ``identity``.

        | Record Removed Test User    ${CLEANUP}[strategy]    ${identity}
        """
        report = self._report(strategy)
        report.removed += 1
        self._publish(report)

    @keyword("Record Removed Objects")
    def record_removed_objects(self, strategy: str, count: int) -> None:
        """Records that the cleanup removed ``count`` objects the run created (their user stays).

        | Record Removed Objects    ${CLEANUP}[strategy]    ${removed}
        """
        report = self._report(strategy)
        report.objects_removed += int(count)
        self._publish(report)

    @keyword("Record Test User Left Behind")
    def record_test_user_left_behind(self, strategy: str, identity: TestIdentity, problem: str = "") -> None:
        """Records that the user of ``identity`` stays on the target (``problem`` says why, when it is one).

        The user is listed by id in the suite's metadata ``Users Left Behind`` and logged as a
        warning: an operator can remove it.

        | Record Test User Left Behind    ${CLEANUP}[strategy]    ${identity}    ${problem}
        """
        report = self._report(strategy)
        report.left_behind.append(identity.described)
        if problem:
            report.problems.append(" ".join(str(problem).split()))
        logger.warn(
            f"Throwaway user left behind on the target ({identity.described}): {problem or 'strategy ' + strategy}"
        )
        self._publish(report)

    @keyword("Record Cleanup Problem")
    def record_cleanup_problem(self, strategy: str, problem: str) -> None:
        """Records a cleanup that could not happen, and why (``problem``), without failing anything.

        | Record Cleanup Problem    ${CLEANUP}[strategy]    lattice 17 could not be deleted: ...
        """
        report = self._report(strategy)
        report.problems.append(" ".join(str(problem).split()))
        logger.warn(f"Cleanup: {problem}")
        self._publish(report)

    @keyword("Admin Token From Environment")
    def admin_token_from_environment(self) -> Secret | None:
        """Returns the admin token of the cleanup strategy ``admin`` (a ``Secret``, masked in every
        artifact), from the environment variable ``SMOKE_ADMIN_TOKEN`` only; ``None`` when it is not set.

        | ${token} =    Admin Token From Environment
        """
        value = os.environ.get(capabilities.ADMIN_TOKEN_VARIABLE, "").strip()
        if not value:
            return None
        register_secret(value)
        return Secret(value)
