"""SIGTERM as a clean stop: the work in progress unwinds like Ctrl-C, so its open transaction rolls back.

Python's default for SIGTERM is to die on the spot: no ``finally``, no rollback message, and whoever sent
it (a terminal, systemd, a container runtime, Airflow) learns nothing. With :func:`raise_on_sigterm`
installed, SIGTERM raises :class:`Terminated` in the main thread wherever it is (a blocked socket read, a
sleep, a query between rows), every ``with engine.begin()`` on the way out rolls back, and the command
prints one line and exits 143 (128 + SIGTERM), the code a shell shows for a process SIGTERM killed.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

#: the exit code of a process stopped by SIGTERM
EXIT_CODE = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM arrived. A BaseException, like KeyboardInterrupt, so ``except Exception`` blocks let it pass."""

    def __init__(self, message: str = "stopped by SIGTERM") -> None:
        super().__init__(message)


def raise_on_sigterm(before: Callable[[], None] | None = None) -> Any:
    """Make SIGTERM raise :class:`Terminated` in the main thread; returns the handler it replaced.

    ``before`` runs first (e.g. to note that the process is stopping). A no-op outside the main thread.
    """

    def handler(signum: int, frame: FrameType | None) -> None:
        if before is not None:
            before()
        raise Terminated()

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: signals cannot be handled here
        return None
