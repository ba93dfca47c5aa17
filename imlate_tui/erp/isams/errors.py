"""The few kinds of iSAMS failure a caller can act on; each is also the provider-neutral ``Mis*`` error
(``imlate_tui.erp.mis``) the services catch.

Every error's message is a sentence a school's IT lead can act on; none carries a token, a
secret or a response body with personal data.
"""

from __future__ import annotations

from imlate_tui.erp.mis import (MisAuthError, MisBadResponse, MisError, MisNotFound, MisOutcomeUnknown,
                                MisPermissionError, MisRejected, MisThrottled, MisUnavailable)


class IsamsError(MisError):
    """Base class: anything that went wrong talking to iSAMS."""


class IsamsAuthError(IsamsError, MisAuthError):
    """iSAMS refused our credentials or our token (fix the client id/secret or the scope)."""


class IsamsPermissionError(IsamsError, MisPermissionError):
    """The REST API client lacks a module permission (HTTP 403)."""


class IsamsNotFound(IsamsError, MisNotFound):
    """The thing asked for does not exist (HTTP 404): a student, a period from another day, ..."""


class IsamsInvalidRequest(IsamsError, MisRejected):
    """iSAMS rejected what we sent (HTTP 400 and other 4xx); retrying the same request cannot help.

    ``isams_message`` and ``model_state`` carry iSAMS's own explanation (ASP.NET's
    ``message`` and ``modelState``), which never contains personal data we did not send.
    """

    def __init__(self, text: str, *, status: int, isams_message: str | None = None,
                 model_state: str | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.isams_message = isams_message
        self.model_state = model_state


class IsamsUnavailable(IsamsError, MisUnavailable):
    """iSAMS is unreachable, overloaded or failing (retries are exhausted); try again later."""


class IsamsBadResponse(IsamsError, MisBadResponse):
    """iSAMS answered with something we cannot read: not JSON, truncated, or the wrong shape."""


class IsamsOutcomeUnknown(IsamsUnavailable, MisOutcomeUnknown):
    """A PUT was sent and no answer came: read the register before sending it again."""


class IsamsThrottled(IsamsUnavailable, MisThrottled):
    """iSAMS asked us to wait (Retry-After) longer than we will hold a job for; ``retry_after`` seconds."""
