"""``WondeApi``: HTTP to one school's Wonde API — token, regional host, paging, retries, deadlines.

- Auth: ``Authorization: Bearer <token>`` (wonde-api.md §1.2). The token is never logged: logs carry
  method, path and status only.
- Host: the school record on ``erp.wonde.base_url`` names the school's regional host
  (``region.domain``); every later call goes there (§1.1).
- Paging: follow ``meta.pagination.next`` (an absolute URL) while ``more``; a missing block means one page
  (§2.2). Items are de-duplicated on ``id`` across pages.
- Errors: 401 → ``MisAuthError``; 403 → ``MisPermissionError``; 404 → ``MisNotFound``; 422 and other 4xx →
  ``MisRejected`` with Wonde's own explanation; 429 and 502/503/504, connection failures and read time-outs
  on GETs are retried with back-off honouring ``Retry-After`` up to ``max_retry_after`` (longer: the run
  ends with ``MisThrottled`` and is rescheduled). A POST that times out after sending raises
  ``MisOutcomeUnknown``: it may have been queued, and is never sent again blindly.
- Every request has an overall deadline (a server that trickles its answer is cut off).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from imlate_tui.erp.isams.deadline import DeadlineTransport, set_deadline
from imlate_tui.erp.isams.retry import RetryableFailure, RetryPolicy, parse_retry_after
from imlate_tui.erp.mis import (MisAuthError, MisBadResponse, MisNotFound, MisOutcomeUnknown, MisPermissionError,
                                MisRejected, MisThrottled, MisUnavailable)

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 502, 503, 504})
NOT_PROCESSED = frozenset({429, 503})  # a POST answered with these was not taken: safe to send again


class WondeApi:
    def __init__(self, base_url: str, token: str, school_id: str, *, timeout: float = 10.0,
                 deadline: float | None = None, max_retries: int = 4, max_retry_after: float = 120.0,
                 before_request: Callable[[], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, transport: httpx.BaseTransport | None = None,
                 base_delay: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self.school_id = school_id
        self.deadline = deadline if deadline is not None else 3 * timeout
        self._policy = RetryPolicy(max_retries=max_retries, base_delay=base_delay, max_retry_after=max_retry_after)
        self._before_request = before_request
        self._sleep, self._rng = sleep, rng or random.Random()
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), transport=transport or DeadlineTransport(),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                     "User-Agent": "imlate-tui"},
            follow_redirects=False, event_hooks={"request": [self._note_start]})
        self._root: str | None = None
        self._school: dict[str, Any] | None = None

    def close(self) -> None:
        self._http.close()

    # -- the school and its host -------------------------------------------------------------------

    def school(self) -> dict[str, Any]:
        """The school record (read once), which names the regional host every later call goes to."""
        if self._school is None:
            record = self._data(self.get(f"{self.base_url}/v1.0/schools/{self.school_id}"), "the school record")
            domain = (record.get("region") or {}).get("domain")
            scheme = urlsplit(self.base_url).scheme or "https"
            self._root = f"{scheme}://{domain}/v1.0" if domain else f"{self.base_url}/v1.0"
            self._school = record
        return self._school

    def school_url(self, path: str) -> str:
        self.school()
        return f"{self._root}/schools/{self.school_id}{path}"

    def root_url(self, path: str) -> str:
        self.school()
        return f"{self._root}{path}"

    # -- requests ----------------------------------------------------------------------------------

    def get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._json(self._retrying("GET", url, params=params), url)

    def pages(self, url: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, following ``meta.pagination.next``; duplicates across pages dropped."""
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            body = self.get(next_url, params)
            params = None  # the next link carries the query
            items = body.get("data")
            if not isinstance(items, list):
                raise MisBadResponse(f"Wonde sent a list without data ({urlsplit(next_url).path})")
            for item in items:
                key = item.get("id") if isinstance(item, dict) else None
                if key is not None and key in seen:
                    continue
                if key is not None:
                    seen.add(key)
                yield item
            pagination = (body.get("meta") or {}).get("pagination") or {}
            next_url = pagination.get("next") if pagination.get("more") else None

    def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._json(self._retrying("POST", url, json_body=body), url)

    def _data(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        data = body.get("data")
        if not isinstance(data, dict):
            raise MisBadResponse(f"Wonde sent {what} without data")
        return data

    def _json(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise MisBadResponse(f"Wonde sent a response that is not valid JSON, perhaps cut off "
                                 f"({urlsplit(url).path}, HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise MisBadResponse(f"Wonde sent an unexpected answer ({urlsplit(url).path})")
        return body

    def _retrying(self, method: str, url: str, *, params: dict | None = None,
                  json_body: dict | None = None) -> httpx.Response:
        what = f"{method} {urlsplit(url).path}"
        retry_number = 0
        while True:
            try:
                return self._attempt(method, url, what, params, json_body)
            except RetryableFailure as failure:
                if failure.retry_after is not None and failure.retry_after > self._policy.max_retry_after:
                    raise MisThrottled(f"Wonde asked to wait {failure.retry_after:.0f} s before {what}, more than "
                                       f"{self._policy.max_retry_after:.0f} s; it will be tried again after that",
                                       failure.retry_after) from failure
                if retry_number >= self._policy.max_retries:
                    error = MisUnavailable(f"Wonde did not answer {what} after {retry_number + 1} attempts "
                                           f"(last: {failure.reason}); it will be tried again later")
                    error.retry_after = failure.retry_after
                    raise error from failure
                wait = self._policy.delay(retry_number, failure.retry_after, self._rng)
                log.warning("Wonde %s failed (%s); retry %d of %d in %.2f s", what, failure.reason,
                            retry_number + 1, self._policy.max_retries, wait)
                self._sleep(wait)
                retry_number += 1

    def _attempt(self, method: str, url: str, what: str, params: dict | None,
                 json_body: dict | None) -> httpx.Response:
        try:
            response = self._http.request(method, url, params=params, json=json_body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise RetryableFailure(f"connection failed ({type(exc).__name__})") from exc  # nothing was sent
        except httpx.TransportError as exc:
            if method != "GET":
                raise MisOutcomeUnknown(f"Wonde did not answer {what} ({type(exc).__name__}); it may have been "
                                        "queued, so it is not sent again blindly") from exc
            raise RetryableFailure(f"no answer ({type(exc).__name__})") from exc
        status = response.status_code
        log.debug("Wonde %s -> %d", what, status)
        if 200 <= status < 300:
            return response
        said = _message(response)
        if status in RETRYABLE and (method == "GET" or status in NOT_PROCESSED):
            raise RetryableFailure(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if status == 401:
            raise MisAuthError(f"Wonde refused the token ({what}, HTTP 401): check IMLATE_ERP__WONDE__TOKEN "
                               "and that the school still approves the app")
        if status == 403:
            raise MisPermissionError(f"Wonde refused {what} (HTTP 403){said}: the school must approve this "
                                     "permission for the app in Wonde")
        if status == 404:
            raise MisNotFound(f"Wonde has no such record ({what}, HTTP 404)")
        if 400 <= status < 500:
            raise MisRejected(f"Wonde rejected {what} (HTTP {status}){said}")
        if method != "GET":
            raise MisOutcomeUnknown(f"Wonde failed on {what} (HTTP {status}){said}; it may have been queued, "
                                    "so it is not sent again blindly")
        raise MisUnavailable(f"Wonde failed on {what} (HTTP {status}){said}; try again later")

    def _note_start(self, request: httpx.Request) -> None:
        if self._before_request is not None:
            self._before_request()  # the request budget: may refuse before anything is sent
        set_deadline(self.deadline)


def _message(response: httpx.Response) -> str:
    """Wonde's own explanation (a 422's field errors flattened), never a token."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body["message"])] if body.get("message") else []
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {' '.join(map(str, texts)) if isinstance(texts, list) else texts}"
                  for field, texts in errors.items()]
    return (": " + "; ".join(parts)) if parts else ""
