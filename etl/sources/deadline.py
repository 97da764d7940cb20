"""Time budgets for talking to sources, so that no server can hold a series (and its worker) for ever.

Socket timeouts bound one read, not a request: a server that trickles a byte every few seconds never
trips them. So every request gets a total budget (``SDG_REQUEST_DEADLINE``, 60 s) covering connect,
headers, every byte of the body, retries and their waits, and every series a budget for all its requests
together (``SDG_SERIES_DEADLINE``, 300 s)::

    with deadline.series_deadline():          # seconds from the settings, or series_deadline(30)
        for fetched in source.fetch(series):  # each request gets min(its own budget, what the series has left)
            ...

The series budget lives in a context variable, so the source clients need no extra argument, and
nested or concurrent series (threads, asyncio tasks) each see their own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from etl import config
from etl.sources.errors import DeadlineExceeded


@dataclass(frozen=True)
class Budget:
    """A point on the monotonic clock by which something must be done, and how it was set (for messages)."""

    expires: float
    seconds: float
    #: what set it, as said in the error: "request deadline" / "series deadline"
    kind: str
    setting: str

    def remaining(self) -> float:
        return self.expires - time.monotonic()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def describe(self) -> str:
        return f"the {self.kind} of {self.seconds:g} s ({self.setting})"

    def exceeded(self, source: str, url: str, what: str = "no complete answer") -> DeadlineExceeded:
        """The error to raise: names the URL (via SourceError) and the deadline."""
        return DeadlineExceeded(source, url, f"{what} within {self.describe()}")


_series_budget: ContextVar[Budget | None] = ContextVar("sdg_series_budget", default=None)


@contextmanager
def series_deadline(seconds: float | None = None) -> Iterator[Budget]:
    """Every request made inside shares ``seconds`` (default ``SDG_SERIES_DEADLINE``) from now.

    Nested, the tighter budget wins. A request that would outlive it raises :class:`DeadlineExceeded`
    naming its URL and this deadline.
    """
    seconds = config.series_deadline() if seconds is None else float(seconds)
    budget = Budget(time.monotonic() + seconds, seconds, "series deadline", "SDG_SERIES_DEADLINE")
    outer = _series_budget.get()
    token = _series_budget.set(budget if outer is None or budget.expires < outer.expires else outer)
    try:
        yield budget
    finally:
        _series_budget.reset(token)


def current_series_budget() -> Budget | None:
    return _series_budget.get()


def request_budget(seconds: float | None = None) -> Budget:
    """The budget of a request starting now: its own (default ``SDG_REQUEST_DEADLINE``) or, when
    tighter, what is left of the series' budget."""
    seconds = config.request_deadline() if seconds is None else float(seconds)
    own = Budget(time.monotonic() + seconds, seconds, "request deadline", "SDG_REQUEST_DEADLINE")
    series = _series_budget.get()
    return series if series is not None and series.expires < own.expires else own
