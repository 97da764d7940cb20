"""Errors that name the source, the URL and the reason, so a failed series is diagnosable from the log."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A source answered something unusable (HTTP error, HTML page, broken JSON, changed schema).

    Deterministic unless said otherwise: the same answer parses the same way, so a wrong shape, a parse
    error or a 4xx fails at once. Only ``etl.sources.http`` marks what may pass on a later try (transport
    failures, timeouts, deadlines, 5xx, 408, 429) ``retryable=True``.
    """

    def __init__(self, source: str, url: str, reason: str, retryable: bool = False) -> None:
        super().__init__(f"{source}: {url}: {reason}")
        self.source = source
        self.url = url
        self.reason = reason
        #: True only when asking again later can help: schedulers fail the rest at once, without retries
        self.retryable = retryable

    def add_context(self, label: str) -> None:
        """Put ``label`` (e.g. "page 3 of 5") before the reason, keeping the class and retryability."""
        self.reason = f"{label}: {self.reason}"
        self.args = (f"{self.source}: {self.url}: {self.reason}",)


class DeadlineExceeded(SourceError):
    """A request or a series ran out of its time budget (a trickling or silent server): worth a later try."""

    def __init__(self, source: str, url: str, reason: str) -> None:
        super().__init__(source, url, reason, retryable=True)


class BadValueError(SourceError):
    """A value no warehouse column can hold (non-finite, out of range, control characters): an error of the series.

    The same bytes always fail the same way, so it is never retried. ``reason`` names the row (line or index)
    and the field; ``series`` is added to the message when the parser knows it (the URL names it otherwise).
    """

    def __init__(self, source: str, url: str, reason: str, series: str | None = None) -> None:
        super().__init__(source, url, f"series {series}: {reason}" if series else reason, retryable=False)
        self.series = series
