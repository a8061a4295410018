"""Entry point: ``python -m smoke_runner [options] [robot options]`` (``run_smoke.sh`` runs it).

The Python version is checked first, before anything an older Python could not import.
"""

import sys

from smoke_runner.preflight.python_version import unsupported_python


def main() -> int:
    """Check the Python version, then run the command line (``smoke_runner.cli.main``)."""
    problem = unsupported_python()
    if problem:
        sys.stderr.write(f"ERROR: {problem} (exit code 2)\n")
        return 2
    from smoke_runner.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(main())
