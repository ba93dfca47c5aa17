"""``IsamsClient``: the typed iSAMS REST calls the product uses, over httpx + authlib.

Every call has a time-out per socket operation and an overall deadline per request (``deadline``: a
server trickling bytes is cut off). GETs are retried with back-off on 429/502/503/504, deadlock 500s,
connection errors and time-outs; a PUT is retried only when iSAMS cannot have applied it (a status that
says so, or no connection made): after a time-out or a dropped connection its outcome is unknown and
``IsamsOutcomeUnknown`` tells the caller to read the register before sending again. A ``Retry-After``
is honoured up to ``max_retry_after`` seconds; a longer one ends the call at once (``IsamsThrottled``)
so the job can reschedule. A 401 gets exactly one fresh token and one more try. ``before_request`` runs
before every HTTP request (the token's too): the request budget counts there and may refuse. Logs
carry method, path, status and duration only: never tokens, secrets or bodies.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from pydantic import BaseModel, ValidationError

from .auth import TOKEN_PATH, TokenKeeper
from .deadline import DeadlineTransport, set_deadline
from .errors import (IsamsAuthError, IsamsBadResponse, IsamsInvalidRequest, IsamsNotFound, IsamsOutcomeUnknown,
                     IsamsPermissionError, IsamsUnavailable)
from .models import (AbsenceCode, Division, PresentCode, RegistrationPeriod, RegistrationStatus,
                     RegistrationUpdate, StaffRoll, Student, StudentPhoto, StudentRoll, YearGroup,
                     describe_validation_error)
from .retry import (RetryableFailure, RetryPolicy, call_with_retries, is_retryable_status,
                    parse_retry_after)
from .roll import walk_employee_pages, walk_student_pages

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class _TokenRejected(Exception):
    """The API said 401 to our token."""


class IsamsClient:
    """One school's iSAMS REST API. Use as a context manager, or call ``close()``.

    ``timezone`` is ``erp.timezone``: offset-less datetimes from iSAMS are read in it and
    datetimes we send are formatted in it. ``sleep``, ``clock`` and ``rng`` are seams for tests.
    Not thread-safe (the token cache has no lock): use one client per job run or thread.
    """

    def __init__(self, base_url: str, client_id: str, client_secret: str, *, timezone: ZoneInfo,
                 scope: str | None = None, timeout: float = 10.0, max_retries: int = 4,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None,
                 token_margin: float = 60.0, page_size: int = 500,
                 base_delay: float = 0.5, max_delay: float = 8.0, deadline: float | None = None,
                 max_retry_after: float = 120.0, before_request: Callable[[], None] | None = None) -> None:
        base = base_url.rstrip("/")
        self.timezone = timezone
        self.page_size = page_size
        self.deadline = deadline if deadline is not None else 3 * timeout
        self._before_request = before_request
        self._policy = RetryPolicy(max_retries=max_retries, base_delay=base_delay, max_delay=max_delay,
                                   max_retry_after=max_retry_after)
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._http = OAuth2Client(
            client_id=client_id, client_secret=client_secret, scope=scope,
            token_endpoint=base + TOKEN_PATH, grant_type="client_credentials",
            token_endpoint_auth_method="client_secret_post", leeway=0,
            base_url=base, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport if transport is not None else DeadlineTransport(), follow_redirects=False,
            event_hooks={"request": [self._note_start], "response": [self._log_response]})
        self._tokens = TokenKeeper(self._http, scope=scope, margin=token_margin, clock=clock,
                                   retrying=self._retrying)

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> IsamsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- students --------------------------------------------------------------------------

    def list_students(self, page_size: int | None = None) -> StudentRoll:
        """Every student on the roll: all pages, de-duplicated on ``id`` (see ``StudentRoll``)."""
        def fetch_page(page: int, size: int) -> Any:
            return self._get_json("/api/students", params={"page": page, "pageSize": size})

        return walk_student_pages(fetch_page, page_size or self.page_size, self._model_context())

    def get_student(self, school_id: str) -> Student:
        path = f"/api/students/{_segment(school_id)}"
        return self._parse(Student, self._get_json(path), path)

    def get_current_photo(self, school_id: str) -> StudentPhoto | None:
        """The student's current photo, or None when iSAMS has none (404)."""
        path = f"/api/students/{_segment(school_id)}/photos/current"
        try:
            response = self._request("GET", path, accept="*/*")
        except IsamsNotFound:
            return None
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not content_type.startswith("image/") or not response.content:
            raise IsamsBadResponse(f"iSAMS sent a photo that is not an image "
                                   f"(GET {path}, Content-Type {content_type or 'missing'})")
        return StudentPhoto(content=response.content, content_type=content_type)

    # -- staff -----------------------------------------------------------------------------

    def list_employees(self, page_size: int | None = None) -> StaffRoll:
        """Every employee in HR: all pages, de-duplicated on ``id`` (see ``StaffRoll``).

        Needs the REST API client's Human Resources permission (403 → ``IsamsPermissionError``).
        """
        def fetch_page(page: int, size: int) -> Any:
            return self._get_json("/api/humanresources/employees", params={"page": page, "pageSize": size})

        return walk_employee_pages(fetch_page, page_size or self.page_size, self._model_context())

    # -- school structure --------------------------------------------------------------------

    def list_year_groups(self) -> list[YearGroup]:
        return self._get_list("/api/school/yeargroups", "yearGroups", YearGroup)

    def list_divisions(self, nc_year: int) -> list[Division]:
        """The divisions of the year group with this NC year (e.g. 9 → Lower School)."""
        return self._get_list(f"/api/school/yeargroups/{int(nc_year)}/divisions", "divisions", Division)

    # -- registration ------------------------------------------------------------------------

    def list_registration_periods(self, division_id: int) -> list[RegistrationPeriod]:
        """Today's registers for a division (iSAMS's today). Their ids are valid for today only.

        A period that cannot be read (a null start, say) is left out with a logged reason; the others
        are returned, so one bad lesson does not stop writeback and absence marking for the day.
        """
        return self._get_list("/api/registration/periods", "registrationPeriods", RegistrationPeriod,
                              params={"divisionId": int(division_id)}, skip_bad=True)

    def get_registration_status(self, period_id: int, school_id: str) -> RegistrationStatus:
        path = _register_path(period_id, school_id)
        return self._parse(RegistrationStatus, self._get_json(path), path)

    def put_registration_status(self, period_id: int, school_id: str, update: RegistrationUpdate) -> None:
        """Write one student's mark in one register; success is HTTP 200, the body is not read.

        The body is the full desired state of the row, so sending it twice gives the same result:
        that is why this PUT is retried on the same conditions as a GET (429, 502-504, deadlock,
        connection errors, time-outs). A 400 is raised at once as ``IsamsInvalidRequest``.
        """
        self._request("PUT", _register_path(period_id, school_id), json_body=update.to_body(self.timezone))

    def call_bound(self) -> float:
        """The longest one call can take: every attempt to its deadline, every wait at its longest."""
        attempts = self._policy.max_retries + 1
        return 2 * attempts * self.deadline + self._policy.max_retries * max(self._policy.max_retry_after,
                                                                            self._policy.max_delay)

    def list_absence_codes(self) -> list[AbsenceCode]:
        return self._get_list("/api/registration/absencecodes", "absenceCodes", AbsenceCode)

    def list_present_codes(self) -> list[PresentCode]:
        return self._get_list("/api/registration/presentcodes", "presentCodes", PresentCode)

    # -- plumbing ------------------------------------------------------------------------------

    def _model_context(self) -> dict[str, Any]:
        return {"timezone": self.timezone}

    def _parse(self, model: type[M], data: Any, path: str) -> M:
        try:
            return model.model_validate(data, context=self._model_context())
        except ValidationError as exc:
            raise IsamsBadResponse(f"iSAMS sent an unexpected {model.__name__} (GET {path}): "
                                   f"{describe_validation_error(exc)}") from None

    def _get_list(self, path: str, key: str, model: type[M], params: dict | None = None,
                  skip_bad: bool = False) -> list[M]:
        data = self._get_json(path, params=params)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise IsamsBadResponse(f"iSAMS sent no {key!r} list (GET {path})")
        if not skip_bad:
            return [self._parse(model, item, path) for item in items]
        parsed = []
        for index, item in enumerate(items):
            try:
                parsed.append(self._parse(model, item, path))
            except IsamsBadResponse as exc:
                record_id = item.get("id") if isinstance(item, dict) else None
                log.warning("iSAMS %s item %d (id %s) refused: %s", key, index, record_id, exc)
        return parsed

    def _get_json(self, path: str, params: dict | None = None) -> Any:
        response = self._request("GET", path, params=params)
        try:
            return response.json()
        except ValueError:
            raise IsamsBadResponse(f"iSAMS sent a response that is not valid JSON, perhaps cut off "
                                   f"(GET {path}, HTTP {response.status_code}, "
                                   f"{len(response.content)} bytes)") from None

    def _retrying(self, attempt: Callable[[], Any], what: str) -> Any:
        return call_with_retries(attempt, what=what, policy=self._policy, sleep=self._sleep, rng=self._rng)

    def _request(self, method: str, path: str, *, params: dict | None = None,
                 json_body: dict | None = None, accept: str = "application/json") -> httpx.Response:
        what = f"{method} {path}"

        def attempt() -> httpx.Response:
            return self._attempt(method, path, params, json_body, accept)

        try:
            return self._retrying(attempt, what)
        except _TokenRejected:
            # Revoked, expired early, or clock skew: one fresh token, one more try, never a loop.
            self._tokens.invalidate()
        try:
            return self._retrying(attempt, what)
        except _TokenRejected:
            raise IsamsAuthError(f"iSAMS refused a freshly issued token ({what}, HTTP 401); "
                                 "check the REST API client in iSAMS's API Services Manager") from None

    def _attempt(self, method: str, path: str, params: dict | None, json_body: dict | None,
                 accept: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self._tokens.access_token()}", "Accept": accept}
        try:
            response = self._http.request(method, path, params=params, json=json_body,
                                          headers=headers, withhold_token=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RetryableFailure(f"connection failed ({type(exc).__name__})") from exc   # nothing was sent
        except httpx.TransportError as exc:
            kind = "time-out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
            if method != "GET":
                raise IsamsOutcomeUnknown(f"iSAMS did not answer {method} {path} ({kind}, {type(exc).__name__}); "
                                          "it may have been applied: the register is read again before "
                                          "it is sent again") from exc
            raise RetryableFailure(f"{kind} ({type(exc).__name__})") from exc
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 401:
            raise _TokenRejected()
        message, model_state = _error_details(response)
        if is_retryable_status(status, message):
            raise RetryableFailure(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        raise _error_for(status, f"{method} {path}", message, model_state)

    def _note_start(self, request: httpx.Request) -> None:
        if self._before_request is not None:
            self._before_request()   # the request budget: may refuse (MisBudgetExhausted) before anything is sent
        set_deadline(self.deadline)
        request.extensions["imlate_started"] = self._clock()

    def _log_response(self, response: httpx.Response) -> None:
        request = response.request
        started = request.extensions.get("imlate_started", self._clock())
        log.debug("iSAMS %s %s -> %d in %.0f ms", request.method, request.url.path,
                  response.status_code, (self._clock() - started) * 1000)


def _segment(school_id: str) -> str:
    return quote(str(school_id), safe="")


def _register_path(period_id: int, school_id: str) -> str:
    return f"/api/registration/register/{int(period_id)}/students/{_segment(school_id)}"


def _error_details(response: httpx.Response) -> tuple[str | None, str | None]:
    """iSAMS's ``message`` and a flattened ``modelState`` from an ASP.NET error body, if any."""
    try:
        data = response.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    message = data.get("message") or data.get("Message")
    state = data.get("modelState") or data.get("ModelState")
    state_text = None
    if isinstance(state, dict):
        state_text = "; ".join(f"{field}: {' '.join(map(str, errs)) if isinstance(errs, list) else errs}"
                               for field, errs in state.items())
    return (str(message) if message else None), state_text


def _error_for(status: int, what: str, message: str | None, model_state: str | None) -> Exception:
    said = f": {message}" if message else ""
    if status == 403:
        return IsamsPermissionError(
            f"iSAMS refused {what} (HTTP 403){said}; give the REST API client this module's permission "
            "in iSAMS Control Panel → API Services Manager → REST API Clients")
    if status == 404:
        return IsamsNotFound(f"iSAMS has no such record ({what}, HTTP 404)")
    if 400 <= status < 500:
        detail = f"{said}" + (f" [{model_state}]" if model_state else "")
        return IsamsInvalidRequest(f"iSAMS rejected {what} (HTTP {status}){detail}", status=status,
                                   isams_message=message, model_state=model_state)
    return IsamsUnavailable(f"iSAMS failed on {what} (HTTP {status}){said}; try again later")
