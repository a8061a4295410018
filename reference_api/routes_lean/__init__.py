"""The lean dialect's HTTP surface: an ordinary FastAPI + SQLite service over the core's operations.

Rank-and-size hypercubes, paths as vertex indices without ``found``, FastAPI's ``{"detail"}``
errors, an admin delete instead of a self-delete, no read-by-id, plans, subscriptions, webhooks or
bulk routes (``reference_api/README.md``, "The lean dialect").
"""
