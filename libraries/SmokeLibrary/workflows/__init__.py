"""Keywords of the workflows suite (owned by the workflows suite's authors)."""


class WorkflowKeywords:
    """Workflow keywords: path verification, webhook receiver, test identities."""
