"""Errors that name the source, the URL and the reason, so a failed series is diagnosable from the log."""

from __future__ import annotations


class SourceError(RuntimeError):
    """A source answered something unusable (HTTP error, HTML page, broken JSON, changed schema)."""

    def __init__(self, source: str, url: str, reason: str, retryable: bool = True) -> None:
        super().__init__(f"{source}: {url}: {reason}")
        self.source = source
        self.url = url
        self.reason = reason
        #: False when asking again cannot help (a 4xx answer): schedulers should fail at once, not retry
        self.retryable = retryable
