"""Slack-compatible webhook alert for every verdict except PROCEED."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from smoke_runner.decide.verdict import ACTIONS, Decision, Verdict, percent
from smoke_runner.domain.redaction import redact, split_credentials

ALERT_TIMEOUT = 5.0
MAX_LISTED_FAILURES = 10
EMOJI = {
    Verdict.MONITOR: ":large_green_circle:",
    Verdict.INVESTIGATE: ":large_yellow_circle:",
    Verdict.ROLLBACK: ":red_circle:",
    Verdict.PROCEED: ":white_check_mark:",
}
COLOURS = {
    Verdict.MONITOR: "#2eb886",
    Verdict.INVESTIGATE: "#daa038",
    Verdict.ROLLBACK: "#a30200",
    Verdict.PROCEED: "#2eb886",
}


def build_message(
    decision: Decision, target: str, run_name: str, counts: dict[str, int], flaky: list[str]
) -> dict[str, object]:
    """The JSON body: ``text`` (fallback), ``blocks`` and a coloured ``attachments`` entry."""
    verdict = decision.verdict
    headline = f"{EMOJI[verdict]} Smoke tests: {verdict.name} - {ACTIONS[verdict]}"
    lines = [
        f"*Target:* {target}",
        f"*Run:* {run_name}",
        f"*Reason:* {decision.reason}",
        f"*Tests:* {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
        f"{counts.get('skipped', 0)} skipped, {len(flaky)} flaky; workflow pass rate "
        f"{percent(decision.workflow_pass_rate)}",
    ]
    failures = [
        f"• {test.suite} / {test.name}: {_first_line(test.message)}" for test in decision.failing[:MAX_LISTED_FAILURES]
    ]
    if len(decision.failing) > MAX_LISTED_FAILURES:
        failures.append(f"… and {len(decision.failing) - MAX_LISTED_FAILURES} more")
    if flaky:
        lines.append("*Flaky:* " + ", ".join(flaky))
    body = "\n".join(lines + (["*Failing tests:*", *failures] if failures else []))
    body = redact(body)
    headline = redact(headline)
    return {
        "text": f"{headline}\n{body}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}},
        ],
        "attachments": [{"color": COLOURS[verdict], "fallback": headline, "text": body[:2900]}],
    }


def _first_line(message: str, limit: int = 200) -> str:
    lines = message.strip().splitlines()
    return lines[0][:limit] if lines else ""


def send_alert(url: str, message: dict[str, object], timeout: float = ALERT_TIMEOUT) -> str | None:
    """POST ``message`` as JSON to ``url``; return an error text, or None on a 2xx answer.
    Credentials in ``url`` (``https://user:pw@host/...``) are sent as HTTP Basic auth."""
    data = json.dumps(message).encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "smoke-runner"}
    try:
        url, credentials = split_credentials(url)
    except ValueError as error:
        return redact(f"invalid webhook URL: {error}")
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode("utf-8")).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    request = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user's URL
            if not 200 <= response.status < 300:
                return f"webhook answered HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"webhook answered HTTP {error.code}"
    except Exception as error:  # noqa: BLE001 - a broken webhook is a warning, never a lost verdict
        text = " ".join(str(getattr(error, "reason", error)).split())[:200]
        return redact(text or type(error).__name__)
    return None
