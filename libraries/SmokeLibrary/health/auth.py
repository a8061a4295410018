"""Made-up credentials for probing the authentication endpoint without a real account."""

from __future__ import annotations

import secrets
import uuid

from robot.api.deco import keyword
from robot.api.types import Secret

from ..masking import register_secret


class AuthProbeKeywords:
    """Keywords that probe authentication without touching real accounts."""

    @keyword("Credentials Of A Nonexistent User")
    def credentials_of_a_nonexistent_user(self) -> tuple[str, Secret]:
        """Returns the email ``smoketest-nobody-<uuid>@example.com`` and a random password (a ``Secret``) of nobody.

        The password is a fresh random secret, masked in every artifact. The profile's login
        template turns them into a request body.

        | ${email} | ${password} = | Credentials Of A Nonexistent User |
        """
        email = f"smoketest-nobody-{uuid.uuid4()}@example.com"
        password = secrets.token_urlsafe(18)
        register_secret(password)
        return email, Secret(password)
