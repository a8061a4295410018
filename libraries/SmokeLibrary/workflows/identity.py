"""Test identities of a run: unique throwaway emails and a registry that the teardown empties."""

from __future__ import annotations

import secrets
import threading
import uuid
from dataclasses import dataclass, replace
from typing import Any

from robot.api import logger
from robot.api.deco import keyword
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from ..masking import register_secret

EMAIL_PREFIX = "smoketest-"
EMAIL_DOMAIN = "example.com"


def current_run_id() -> str:
    """The run id ``${RUN_ID}`` (variables/environment.py, from ``SMOKE_RUN_ID``); '' outside a run."""
    try:
        return str(BuiltIn().get_variable_value("${RUN_ID}", ""))
    except RobotNotRunningError:
        return ""


def throwaway_email(prefix: str = EMAIL_PREFIX, domain: str = EMAIL_DOMAIN, run_id: str | None = None) -> str:
    """A new ``<prefix><run id>-<random>@<domain>`` address that no other run can produce.

    The run id (default: the current run's) lets an operator find what a stopped run left behind;
    the 64 random bits make every address unique within the run.
    """
    run = current_run_id() if run_id is None else run_id
    return f"{prefix}{run + '-' if run else ''}{uuid.uuid4().hex[:16]}@{domain}"


def throwaway_password() -> str:
    """A random password, long enough for any password policy (letters, digits, symbols)."""
    return f"Tw-{secrets.token_urlsafe(18)}!9a"


@dataclass(frozen=True)
class TestIdentity:
    """An email and its password (a ``Secret``) that this run registered or tried to register, the
    access token (a ``Secret``) of its last login in the run, if it logged in, the user's id as its
    registration answered it, and what the user created: (the operation that deletes it, its id)."""

    __test__ = False  # not a pytest test class

    email: str
    password: Secret
    token: Secret | None = None
    user_id: str | None = None
    objects: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.email

    @property
    def described(self) -> str:
        """``id 17: smoketest-...@example.com`` (the id when known): how a user left behind is reported."""
        return f"id {self.user_id}: {self.email}" if self.user_id is not None else f"id unknown: {self.email}"


class IdentityRegistry:
    """The identities a run created, in creation order; thread-safe and duplicate-free."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[TestIdentity] = []
        self._sessions: dict[str, str] = {}

    def remember(self, email: str, password: Secret) -> TestIdentity:
        with self._lock:
            for item in self._items:
                if item.email == email:
                    return item
            identity = TestIdentity(email, password)
            self._items.append(identity)
            return identity

    def remember_token(self, email: str, token: Secret) -> bool:
        """Keep ``token`` with the identity of ``email``; False when no such identity is remembered."""
        with self._lock:
            for number, item in enumerate(self._items):
                if item.email == email:
                    self._items[number] = replace(item, token=token)
                    return True
            return False

    def update(self, email: str, **changes: Any) -> bool:
        """Change the identity of ``email`` (``user_id=``...); False when no such identity is remembered."""
        with self._lock:
            for number, item in enumerate(self._items):
                if item.email == email:
                    self._items[number] = replace(item, **changes)
                    return True
            return False

    def remember_session(self, alias: str, email: str) -> None:
        """Session ``alias`` acts as ``email`` from now on."""
        with self._lock:
            self._sessions[alias] = email

    def add_objects(self, alias: str, operation: str, ids: list[str]) -> str | None:
        """Remember ``ids`` (deleted by ``operation``) as created by the identity of session ``alias``;
        returns its email, or None when the session is no identity of the run."""
        with self._lock:
            email = self._sessions.get(alias)
            for number, item in enumerate(self._items):
                if item.email == email:
                    added = tuple((operation, str(object_id)) for object_id in ids)
                    self._items[number] = replace(item, objects=item.objects + added)
                    return email
            return None

    def drop_objects(self, ids: list[str]) -> None:
        """Forget ``ids`` (deleted by the test that created them), whoever created them."""
        gone = {str(object_id) for object_id in ids}
        with self._lock:
            self._items = [
                replace(item, objects=tuple(entry for entry in item.objects if entry[1] not in gone))
                for item in self._items
            ]

    def all(self) -> list[TestIdentity]:
        with self._lock:
            return list(self._items)

    def forget(self, email: str) -> None:
        with self._lock:
            self._items = [item for item in self._items if item.email != email]


class IdentityKeywords:
    """Keywords that make throwaway identities and remember them for `Remove Test Data`."""

    @property
    def identities(self) -> IdentityRegistry:
        """The run's registry, created on first use (SmokeLibrary does not call mixin initialisers)."""
        registry = self.__dict__.get("_identity_registry")
        if registry is None:
            registry = self.__dict__["_identity_registry"] = IdentityRegistry()
        return registry

    @keyword("Unique Throwaway Email")
    def unique_throwaway_email(self) -> str:
        """Returns a new ``smoketest-<run id>-<random>@example.com`` address (run id: ``${RUN_ID}``).

        | ${email} =    Unique Throwaway Email
        """
        return throwaway_email()

    @keyword("Throwaway Password")
    def throwaway_password(self) -> Secret:
        """Returns a new random password as a ``Secret`` (registered for masking).

        | ${password} =    Throwaway Password
        """
        value = throwaway_password()
        register_secret(value)
        return Secret(value)

    @keyword("Remember Test Identity")
    def remember_test_identity(self, email: str, password: Secret) -> TestIdentity:
        """Records ``email`` and ``password`` so that the suite teardown deletes that user.

        Call it *before* registering: a registration that times out may still have created the user.

        | Remember Test Identity    ${email}    ${password}
        """
        register_secret(password.value)
        identity = self.identities.remember(email, password)
        logger.info(f"Test identity {email} will be removed by the suite teardown")
        return identity

    @keyword("Remember Token Of Test Identity")
    def remember_token_of_test_identity(self, email: str, token: Secret) -> None:
        """Keeps ``token`` (a ``Secret``, from a login of ``email``) for the suite teardown, which
        deletes the user with it instead of logging in once more.

        Nothing is kept for an email that `Remember Test Identity` did not record (a user this run
        did not create is never deleted).

        | Remember Token Of Test Identity    ${email}    ${token}
        """
        register_secret(token.value)
        if self.identities.remember_token(email, token):
            logger.info(f"The suite teardown deletes {email} with the token of this login")

    @keyword("Remember User Id Of Test Identity")
    def remember_user_id_of_test_identity(self, email: str, user_id: Any) -> None:
        """Keeps ``user_id`` (as the registration answered it) with the identity of ``email``: an
        administrator deletes the user by it, and a user left behind is reported by it.

        | Remember User Id Of Test Identity    ${email}    ${id}
        """
        self.identities.update(email, user_id=str(user_id))

    @keyword("Remember Session Of Test Identity")
    def remember_session_of_test_identity(self, alias: str, email: str) -> None:
        """Records that session ``alias`` acts as the test identity ``email`` (what it creates is that user's).

        | Remember Session Of Test Identity    ${OWNER_SESSION}    ${TEST_EMAIL}
        """
        self.identities.remember_session(alias, email)

    @keyword("Remember Created Objects")
    def remember_created_objects(self, session: str, operation: str, *ids: Any) -> None:
        """Records ``ids``, created in ``session``, and ``operation``, the profile's operation that deletes
        one of them (``{id}`` in its path): the cleanup deletes them when it cannot delete their user.

        | Remember Created Objects    ${OWNER_SESSION}    delete_lattice    ${id}
        """
        owner = self.identities.add_objects(session, operation, [str(object_id) for object_id in ids])
        if owner is None:
            logger.info(f"Session {session} is no test identity of the run: {len(ids)} object(s) not remembered")

    @keyword("Forget Created Objects")
    def forget_created_objects(self, *ids: Any) -> None:
        """Forgets ``ids``: the test that created them deleted them.

        | Forget Created Objects    @{ids}
        """
        self.identities.drop_objects([str(object_id) for object_id in ids])

    @keyword("Test Identities Of This Run")
    def test_identities_of_this_run(self) -> list[TestIdentity]:
        """Returns every identity remembered by `Remember Test Identity`, oldest first.

        Each item has ``email``, ``password`` (a ``Secret``), ``token`` (the ``Secret`` of its
        last login in the run, or None), ``user_id`` (or None) and ``objects`` (what it created:
        pairs of the deleting operation and the id).

        | ${identities} =    Test Identities Of This Run
        """
        return self.identities.all()

    @keyword("Test Identity Of")
    def test_identity_of(self, email: str) -> TestIdentity:
        """Returns the remembered identity of ``email``; fails when the run did not remember it.

        | ${identity} =    Test Identity Of    ${email}
        """
        for identity in self.identities.all():
            if identity.email == email:
                return identity
        raise AssertionError(f"{email} is no test identity of this run (register it with Register New User)")

    @keyword("Forget Test Identity")
    def forget_test_identity(self, email: str) -> None:
        """Removes ``email`` from the registry once its user has been deleted.

        | Forget Test Identity    ${identity.email}
        """
        self.identities.forget(email)
