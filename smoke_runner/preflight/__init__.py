"""Step 2, preflight: the Python and its packages, and one request to the target (does it answer?);
with ``--demo``, the bundled reference API that is the target."""
