"""The operations of the Lattice API, shared by every dialect.

Each function takes a request's context (:class:`reference_api.deps.Ctx`), carries the faults of its
operation and raises :class:`reference_api.problems.ProblemError` when it refuses; the dialects'
route modules only translate the request into these terms and the result into their answer.
"""
