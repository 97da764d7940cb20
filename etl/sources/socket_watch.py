"""Cut a request's sockets when its deadline passes, wherever the request is blocked.

A socket timeout bounds one ``recv``; a server that sends a byte now and then (status line, headers or
body) never trips it, and a buffered read of a body chunk waits for the whole chunk. So while a request
runs under :func:`cut_at`, the connections it uses register their sockets, and a timer shuts them down
at the deadline: the blocked read returns at once, and ``etl.sources.http`` reports the deadline, never
a body cut short. Connections register through the pool classes a :class:`WatchedAdapter` installs.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class Watch:
    """The sockets of one request attempt, and whether its deadline cut them."""

    def __init__(self) -> None:
        self.fired = False
        self._sockets: list[Any] = []
        self._lock = threading.Lock()

    def add(self, sock: Any) -> None:
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            _shut(sock)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: Any) -> None:
    """Shut the OS socket (under TLS too), so a ``recv`` blocked in another thread returns now."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, TypeError, ValueError):  # already closed, or not a plain/TLS socket
        pass


_current: ContextVar[Watch | None] = ContextVar("sdg_socket_watch", default=None)


@contextmanager
def cut_at(seconds: float) -> Iterator[Watch]:
    """Within the block, sockets the request uses are shut down ``seconds`` from now."""
    watch = Watch()
    timer = threading.Timer(max(seconds, 0.0), watch.fire)
    timer.daemon = True
    token = _current.set(watch)
    timer.start()
    try:
        yield watch
    finally:
        timer.cancel()
        _current.reset(token)


def _register(sock: Any) -> None:
    watch = _current.get()
    if watch is not None and sock is not None:
        watch.add(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:  # the socket is open once the request is sent
        _register(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _register(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


POOL_CLASSES = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """A requests adapter whose connections can be cut by :func:`cut_at` (direct or through an HTTP proxy)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is ProxyManager:  # SOCKS managers keep their own pools (socket timeouts only)
            manager.pool_classes_by_scheme = POOL_CLASSES
        return manager
