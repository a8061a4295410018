"""Made-up credentials for probing the authentication endpoint without a real account."""

from __future__ import annotations

import secrets
import uuid

from robot.api.deco import keyword

from ..masking import MaskedDict, register_secret


class AuthProbeKeywords:
    """Keywords that probe authentication without touching real accounts."""

    @keyword("Credentials Of A Nonexistent User")
    def credentials_of_a_nonexistent_user(self) -> MaskedDict:
        """Returns a login body for a random ``smoketest-nobody-<uuid>@example.com`` with a random password.

        The password is a fresh random secret, masked in every artifact.

        | ${credentials} = | Credentials Of A Nonexistent User |
        | ${response} = | Post Anonymously | ${LOGIN_PATH} | ${credentials} |
        """
        email = f"smoketest-nobody-{uuid.uuid4()}@example.com"
        password = secrets.token_urlsafe(18)
        register_secret(password)
        return MaskedDict(email=email, password=password)
