"""Keywords of the workflows suite (owned by the workflows suite's authors).

``WorkflowKeywords`` combines small keyword classes, one per concern:

* :mod:`.paths` - verify pathfinding results with the library's own breadth-first search;
* :mod:`.tokens` - forge tampered, unsigned and malformed bearer tokens (as ``Secret``);
* :mod:`.identity` - unique throwaway identities and the registry the suite teardown empties;
* :mod:`.webhook_receiver` - a local receiver that checks webhook signatures (HMAC-SHA256);
* :mod:`.timing` - time budgets and ops/second for the steps of a flow;
* :mod:`.payloads` - bulk payloads with unique names;
* :mod:`.checks` - body checks whose failures say exactly what differs.
"""

from __future__ import annotations

from .checks import CheckKeywords
from .identity import IdentityKeywords
from .paths import PathKeywords
from .payloads import PayloadKeywords
from .timing import TimingKeywords
from .tokens import TokenKeywords
from .webhook_receiver import WebhookReceiverKeywords


class WorkflowKeywords(
    CheckKeywords,
    IdentityKeywords,
    PathKeywords,
    PayloadKeywords,
    TimingKeywords,
    TokenKeywords,
    WebhookReceiverKeywords,
):
    """Workflow keywords: path verification, webhook receiver, test identities."""
