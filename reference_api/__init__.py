"""Lattice reference API: the service the smoke suite checks by default.

Start it with ``python -m reference_api --host 127.0.0.1 --port 8000`` from the repository root.
"""

__version__ = "1.0.0"
