"""Fault injection for the iSAMS simulator (isams-api.md §6.5).

A fault is a rule: a ``mode``, the requests it applies to (``route`` glob on the path, ``method``),
and how often it fires (``count`` times, or with ``probability``; neither = every time until
cleared). Modes:

=========================== ===============================================================
``status:<code>``           answer with that status and a JSON ``message`` (``status:429`` adds
                            ``Retry-After``; ``retry_after`` sets it for any status)
``status:500-html``         an IIS-style HTML 500 page (not JSON)
``lock-timeout``/``deadlock`` 500 with SQL Server's "deadlock … Rerun the transaction." message
``delay:<ms>``              wait before answering (stacks with other modes)
``delay-after:<ms>``        do the work (a PUT is applied), then wait before answering
``hold``                    wait before answering until ``faults.release()`` (at most 30 s): a
                            request stalled in flight, for as long as a test needs
``reset``                   drop the connection without an answer
``truncated-json``          200 with the JSON body cut in half
``expire-token-now``        the caller's token expires now (401, then a fresh token works)
``rotate-secret``           the token endpoint answers ``invalid_client`` (default route: token)
``paging-drift``            a student is added at the front of the roll before a page ≥ 2
``duplicate-across-pages``  a page ≥ 2 starts with the previous page's last student
``missing-across-pages``    a page ≥ 2 loses its first student
``timestamps:no-offset``    datetimes go out without offset (school-local wall time)
``no-periods-today``        ``/api/registration/periods`` returns an empty list (a holiday)
``period-ids-roll``         today's periods get new ids first (old ids then 404)
``photo-missing``           photo routes answer 404
``photo-content-type:<t>``  photos come as ``<t>`` (e.g. ``image/png``)
=========================== ===============================================================
"""

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass
from typing import Any

_SIMPLE = {"hold", "lock-timeout", "deadlock", "reset", "truncated-json", "expire-token-now", "rotate-secret",
           "paging-drift", "duplicate-across-pages", "missing-across-pages", "timestamps:no-offset",
           "no-periods-today", "period-ids-roll", "photo-missing"}
_PREFIXED = ("status:", "delay:", "delay-after:", "photo-content-type:")
PAGING_MODES = {"paging-drift", "duplicate-across-pages", "missing-across-pages"}
# Modes that replace the whole answer; the first one that fires wins.
TERMINAL_PREFIXES = ("status:", "lock-timeout", "deadlock", "reset", "rotate-secret")

_DEFAULT_ROUTES = {
    "rotate-secret": "/auth/connect/token",
    "paging-drift": "/api/students", "duplicate-across-pages": "/api/students",
    "missing-across-pages": "/api/students",
    "no-periods-today": "/api/registration/periods", "period-ids-roll": "/api/registration/periods",
    "photo-missing": "/api/students/*/photos/*",
}


@dataclass
class Fault:
    id: int
    mode: str
    route: str
    method: str = "*"
    count: int | None = None
    probability: float | None = None
    retry_after: float | None = None
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["retryAfter"] = data.pop("retry_after")
        return data


def _check_mode(mode: str, simple: frozenset[str] | set[str] = _SIMPLE) -> None:
    if mode in simple:
        return
    for prefix in _PREFIXED:
        if mode.startswith(prefix) and len(mode) > len(prefix):
            if prefix in ("status:", "delay:", "delay-after:"):
                tail = mode[len(prefix):]
                if not (tail.isdigit() or tail == "500-html"):
                    break
            return
    raise ValueError(f"unknown fault mode {mode!r}")


class FaultBook:
    """The active fault rules; safe to use from the test thread and the server threads at once."""

    def __init__(self, seed: int = 0, *, simple_modes: frozenset[str] | None = None,
                 default_route: str = "/api/*", default_routes: dict[str, str] | None = None) -> None:
        """The keyword arguments let another simulator (Wonde) use its own fault names and routes."""
        self._simple = simple_modes if simple_modes is not None else _SIMPLE
        self._default_route = default_route
        self._default_routes = _DEFAULT_ROUTES if default_routes is None else default_routes
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults: list[Fault] = []
        self._next_id = 1
        self.released = threading.Event()
        self.released.set()
        self.holding = 0
        """Requests stalled by ``hold`` (or answering after one): 0 once every held request has answered."""

    def release(self) -> None:
        """Let every request stalled by a ``hold`` fault answer."""
        self.released.set()

    def add(self, mode: str, *, route: str | None = None, method: str = "*", count: int | None = None,
            probability: float | None = None, retry_after: float | None = None) -> Fault:
        _check_mode(mode, self._simple)
        if count is not None and count < 1:
            raise ValueError("count must be at least 1")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        if retry_after is None and mode == "status:429":
            retry_after = 1
        if mode == "hold":
            self.released.clear()
        with self._lock:
            fault = Fault(self._next_id, mode, route or self._default_routes.get(mode, self._default_route),
                          method.upper(), count, probability, retry_after)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.released.set()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str, page: int | None = None) -> list[Fault]:
        """The rules that fire for this request, each used up by one (``count``)."""
        fired: list[Fault] = []
        with self._lock:
            for fault in list(self._faults):
                if fault.method not in ("*", method) or not fnmatch.fnmatchcase(path, fault.route):
                    continue
                if fault.mode in PAGING_MODES and (page is None or page < 2):
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                fired.append(fault)
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
        return fired
