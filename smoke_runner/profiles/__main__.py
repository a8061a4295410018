"""``python -m smoke_runner.profiles check PROFILE [--openapi URL_OR_FILE] [--target URL]`` and
``python -m smoke_runner.profiles draft --openapi URL_OR_FILE --out FILE``.

Exit status: 0 the profile is usable (``check``) or the draft is written (``draft``); 2 the profile
or the document cannot be used (one line on stderr per problem).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .capabilities import ADMIN_TOKEN_VARIABLE
from .check import check_profile
from .documents import read_openapi_document
from .draft import draft_profile
from .loader import ProfileError

USAGE_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m smoke_runner.profiles", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate a profile and show the applicability of every test")
    check.add_argument("profile", help="the profile (variables/profiles/NAME.yaml)")
    check.add_argument("--openapi", help="the target's OpenAPI document: an http(s) URL or a file")
    check.add_argument("--ca-bundle", help="CA bundle to verify an https --openapi URL (default: certifi's)")
    check.add_argument(
        "--target", help="the target's base URL (BASE_URL): on a plain http:// one, tests that need https:// skip"
    )
    draft = commands.add_parser("draft", help="write a starting profile from an OpenAPI document")
    draft.add_argument("--openapi", required=True, help="the API's OpenAPI document: an http(s) URL or a file")
    draft.add_argument("--out", required=True, help="where to write the drafted profile (refused if it exists)")
    draft.add_argument("--name", help="the profile's name (default: from the document's title)")
    draft.add_argument("--ca-bundle", help="CA bundle to verify an https --openapi URL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    arguments = _parser().parse_args(argv)
    verify: bool | str = arguments.ca_bundle or True
    try:
        if arguments.command == "check":
            check = check_profile(
                arguments.profile,
                arguments.openapi,
                admin_token=bool(os.environ.get(ADMIN_TOKEN_VARIABLE)),
                verify=verify,
                target_url=arguments.target,
            )
            (sys.stdout if check.ok else sys.stderr).write(check.render())
            return 0 if check.ok else USAGE_ERROR
        out = Path(arguments.out)
        if out.exists():
            sys.stderr.write(f"{out} exists already: the draft is written to a new file only\n")
            return USAGE_ERROR
        document = read_openapi_document(arguments.openapi, verify=verify)
        address = urlsplit(arguments.openapi)
        openapi_path = address.path if address.scheme in ("http", "https") and address.path else None
        out.write_text(draft_profile(document, arguments.name, openapi_path), encoding="utf-8")
        sys.stdout.write(f"Drafted {out}: check every TODO, then: python -m smoke_runner.profiles check {out}\n")
        return 0
    except ProfileError as error:
        sys.stderr.write(f"{error}\n")
        return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
