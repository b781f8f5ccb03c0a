"""Deadlines and a per-address cap on the desk's connections: no client can hold the desk for the others.

uvicorn closes a connection idle after a response (timeout_keep_alive) and answers 503 past
limit_concurrency, but a connection that never completes a request is never timed out: a few hundred idle
or slow sockets from one PC on the office network would hold the whole pool. This protocol, uvicorn's own
h11 protocol with three additions, closes:

- a connection whose request headers are not complete HEADER_SECONDS after it opened or after its last
  response (slow headers: the "slowloris" pattern);
- a connection whose request body arrives slower than MIN_BODY_BYTES_PER_SECOND once BODY_GRACE_SECONDS
  have passed (a trickled upload);
- a new connection from an address that already holds MAX_CONNECTIONS_PER_ADDRESS, at once.

Behind a reverse proxy on the same machine (the guide's nginx recipe) every connection comes from the proxy
at 127.0.0.1: when the desk itself listens on loopback only, 127.0.0.1 and ::1 are not capped (the proxy
caps its clients, `limit_conn`); when it listens on the network, every address is.

Owner: desk/run.py (`serve`). Lifetime: the server process; the counts live in the one event loop's thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from kaohe.limits import (
    BODY_GRACE_SECONDS,
    HEADER_SECONDS,
    MAX_CONNECTIONS_PER_ADDRESS,
    MIN_BODY_BYTES_PER_SECOND,
)

_open: dict[str, int] = {}  # address → connections open (the event loop's thread only)
UNCAPPED: frozenset[str] = frozenset()  # set by `guard_connections` for a desk behind a local proxy
_refused: Callable[[str, str], None] | None = None  # (address, why): desk.log's line for each closed connection


def guard_connections(listening_on_loopback: bool, refused: Callable[[str, str], None] | None = None) -> type:
    """The protocol class for uvicorn.Config(http=…), with `refused(address, why)` told of every connection
    it closes (why: too-many, slow-headers, slow-body)."""
    global UNCAPPED, _refused
    UNCAPPED = frozenset({"127.0.0.1", "::1"}) if listening_on_loopback else frozenset()
    _refused = refused
    return GuardedH11


class GuardedH11(H11Protocol):
    """uvicorn's h11 protocol with header and body deadlines and a cap on connections per address."""

    _address = ""
    _counted = False
    _timer: asyncio.TimerHandle | None = None
    _cycle: Any = None
    _body_started = 0.0
    _body_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._address = self.client[0] if self.client else ""
        if self._address not in UNCAPPED and _open.get(self._address, 0) >= MAX_CONNECTIONS_PER_ADDRESS:
            self._close("too-many")
            return
        _open[self._address] = _open.get(self._address, 0) + 1
        self._counted = True
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        if self._counted:
            self._counted = False
            left = _open.get(self._address, 1) - 1
            if left > 0:
                _open[self._address] = left
            else:
                _open.pop(self._address, None)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._cycle is not None and self._cycle is self.cycle and self.cycle.more_body:
            self._body_bytes += len(data)
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._cycle:  # a request's headers are complete
            self._cycle = self.cycle
            self._cancel()
            self._body_started = self.loop.time()
            self._body_bytes = 0
            if self.cycle.more_body:  # checked from BODY_GRACE_SECONDS on, every second, until it is whole
                self._timer = self.loop.call_later(BODY_GRACE_SECONDS, self._check_body)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_headers()  # the next request's headers, if any, within the same deadline

    # ---- the timers

    def _await_headers(self) -> None:
        self._cancel()
        self._timer = self.loop.call_later(HEADER_SECONDS, self._headers_late)

    def _headers_late(self) -> None:
        self._timer = None
        if self.cycle is None or self.cycle is self._cycle:  # no request begun since the timer was set
            self._close("slow-headers")

    def _check_body(self) -> None:
        self._timer = None
        cycle = self._cycle
        if cycle is None or cycle is not self.cycle or not cycle.more_body or cycle.response_complete:
            return
        elapsed = self.loop.time() - self._body_started
        if self._body_bytes < MIN_BODY_BYTES_PER_SECOND * elapsed:
            self._close("slow-body")
            return
        self._timer = self.loop.call_later(1.0, self._check_body)

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close(self, why: str) -> None:
        self._cancel()
        if _refused is not None:
            try:
                _refused(self._address, why)
            except Exception:  # noqa: BLE001 - a log that cannot be written must not keep the socket open
                pass
        if not self.transport.is_closing():
            self.transport.close()
