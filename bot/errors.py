"""Domain errors. Services raise them; the handler layer turns each into a friendly reply."""

from __future__ import annotations


class DomainError(Exception):
    """An expected refusal, shown to the user as the catalog text ``key``."""

    key = "errors.generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        super().__init__(key or self.key)
        self.key = key or self.key
        self.params = params


class NotAllowed(DomainError):
    """The actor's role does not permit the action; the attempt is audit-logged with the
    record it was aimed at (``target_type``, ``target_id``; "community" when the action is
    about no one record)."""

    key = "errors.not_allowed"

    def __init__(
        self,
        action: str,
        *,
        target_type: str = "community",
        target_id: object = None,
        **params: object,
    ) -> None:
        super().__init__(self.key, **params)
        self.action = action
        self.target_type = target_type
        self.target_id = target_id


class AdminsOnly(NotAllowed):
    """Something only administrators may do (roles, invites)."""

    key = "errors.admins_only"


class NotFound(DomainError):
    key = "errors.not_found"


class InvalidInput(DomainError):
    """Bad input at a step: the user is asked again."""

    key = "errors.invalid_input"


class StaleButton(DomainError):
    """A press on an outdated message: harmless, answered."""

    key = "errors.stale_button"


class NotAsked(NotAllowed):
    """A press on a call-out that did not reach the presser (they were never sent it, and it
    was not posted in the group they pressed in), or that they may not answer now (paused):
    audit-logged like any refusal, and answered like an out-of-date button, so that it reveals
    nothing about the call-out."""

    key = StaleButton.key


class Paused(NotAllowed):
    """A press on a call-out that reached the presser, who has paused call-outs since:
    audit-logged like any refusal, and answered with why and how to come back (/resume)."""

    key = "callouts.toast.paused"


class NotRegistered(DomainError):
    key = "errors.not_registered"
