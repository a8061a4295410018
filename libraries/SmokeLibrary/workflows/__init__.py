"""Keywords of the workflows suite (owned by the workflows suite's authors).

``WorkflowKeywords`` combines small keyword classes, one per concern:

* :mod:`.paths` - verify pathfinding results with the library's own breadth-first search;
* :mod:`.tokens` - forge tampered, unsigned and malformed bearer tokens (as ``Secret``);
* :mod:`.identity` - unique throwaway identities and the registry the suite teardown empties;
* :mod:`.cleanup` - what the cleanup achieved (users left behind, problems), in the suite's metadata;
* :mod:`.webhook_receiver` - a local receiver that checks webhook signatures (HMAC-SHA256);
* :mod:`.timing` - time budgets and ops/second for the steps of a flow;
* :mod:`.payloads` - bulk payloads with unique names;
* :mod:`.checks` - body checks whose failures say exactly what differs;
* :mod:`.shapes` - the profile's transforms: rank and edge, vertex indices, derived found and distance.
"""

from __future__ import annotations

from .checks import CheckKeywords
from .cleanup import CleanupKeywords
from .identity import IdentityKeywords
from .paths import PathKeywords
from .payloads import PayloadKeywords
from .shapes import ShapeKeywords
from .timing import TimingKeywords
from .tokens import TokenKeywords
from .webhook_receiver import WebhookReceiverKeywords


class WorkflowKeywords(
    CheckKeywords,
    CleanupKeywords,
    IdentityKeywords,
    PathKeywords,
    PayloadKeywords,
    ShapeKeywords,
    TimingKeywords,
    TokenKeywords,
    WebhookReceiverKeywords,
):
    """Workflow keywords: path verification, webhook receiver, test identities."""
