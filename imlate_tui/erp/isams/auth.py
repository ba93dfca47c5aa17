"""The OAuth2 client-credentials token for iSAMS, fetched with authlib and cached.

Credentials go in the form body (``client_secret_post``), as every observed iSAMS client does
(isams-api.md §1.2). The token is kept until ``expires_in`` minus a margin by our own clock, so
authlib never refreshes behind our back and tests can move time without waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client

from .errors import IsamsAuthError, IsamsBadResponse, IsamsUnavailable
from .retry import RetryableFailure, is_retryable_status, parse_retry_after

log = logging.getLogger(__name__)

TOKEN_PATH = "/auth/connect/token"
# Used when iSAMS leaves out expires_in (OAuth2 only recommends it): short, so we re-ask soon.
_FALLBACK_LIFETIME = 300.0


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refusal(response: httpx.Response, scope: str | None) -> IsamsAuthError:
    data = _json_object(response) or {}
    error = data.get("error")
    if error == "invalid_client":
        return IsamsAuthError("iSAMS rejected the client id/secret")
    if error == "invalid_scope":
        return IsamsAuthError(f"iSAMS refused the requested scope {scope!r} (invalid_scope); "
                              "leave erp.scope empty or ask iSAMS support which scope this client has")
    if error:
        return IsamsAuthError(f"iSAMS refused the token request ({error}, HTTP {response.status_code})")
    return IsamsAuthError(f"iSAMS refused the token request (HTTP {response.status_code}); "
                          "check erp.base_url points at the school's iSAMS host")


class TokenKeeper:
    """Hands out a valid bearer token, fetching a new one when the cached one is near expiry."""

    def __init__(self, oauth: OAuth2Client, *, scope: str | None, margin: float,
                 clock: Callable[[], float],
                 retrying: Callable[[Callable[[], dict], str], dict]) -> None:
        self._oauth = oauth
        self._scope = scope
        self._margin = margin
        self._clock = clock
        self._retrying = retrying
        self._access_token: str | None = None
        self._expires_at = 0.0
        oauth.register_compliance_hook("access_token_response", self._check_response)

    def access_token(self) -> str:
        if self._access_token is None or self._clock() >= self._expires_at:
            self._fetch()
        assert self._access_token is not None
        return self._access_token

    def invalidate(self) -> None:
        """Forget the cached token (iSAMS said 401): the next call fetches a fresh one."""
        self._access_token = None

    def _fetch(self) -> None:
        token = self._retrying(self._attempt, f"POST {TOKEN_PATH}")
        lifetime = float(token.get("expires_in") or _FALLBACK_LIFETIME)
        # Renew early, but never so early that a short-lived token is renewed on every call.
        early = min(self._margin, lifetime / 2)
        self._access_token = token["access_token"]
        self._expires_at = self._clock() + lifetime - early
        log.debug("iSAMS token fetched, valid for %.0f s", lifetime)

    def _attempt(self) -> dict:
        try:
            return dict(self._oauth.fetch_token(grant_type="client_credentials"))
        except httpx.TimeoutException as exc:
            raise RetryableFailure(f"time-out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise RetryableFailure(f"connection failed ({type(exc).__name__})") from exc

    def _check_response(self, response: httpx.Response) -> httpx.Response:
        """authlib compliance hook: every non-success ends here, before authlib parses the body."""
        status = response.status_code
        data = _json_object(response)
        message = (data or {}).get("message") if data else None
        if is_retryable_status(status, message if isinstance(message, str) else None):
            raise RetryableFailure(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise IsamsUnavailable(f"the iSAMS token endpoint failed (HTTP {status}); try again later")
        if status != 200 or (data is not None and "error" in data):
            raise _refusal(response, self._scope)
        if data is None:
            raise IsamsBadResponse(f"iSAMS sent a token response that is not a JSON object "
                                   f"(POST {TOKEN_PATH}, HTTP 200)")
        if not isinstance(data.get("access_token"), str) or not data["access_token"]:
            raise IsamsBadResponse(f"iSAMS sent a token response without an access_token (POST {TOKEN_PATH})")
        token_type = data.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise IsamsBadResponse(f"iSAMS sent a token of type {token_type!r}; only Bearer is supported")
        expires_in = data.get("expires_in")
        if expires_in is not None and (isinstance(expires_in, bool) or not isinstance(expires_in, (int, float))):
            raise IsamsBadResponse(f"iSAMS sent a token response with a non-numeric expires_in (POST {TOKEN_PATH})")
        return response
