"""Open SDG data repository client: the same request for a published base URL or a local clone.

``SDG_OPENSDG_URL`` is either an HTTP(S) base of the repository's raw files (requests go to
``<base>/data/indicator_<id>.csv``) or a local folder / ``file://`` URL of a clone. Either way the
client returns the raw bytes as a :class:`~etl.sources.http.Fetched` (``file://`` URL, status 200 for a
local file), so snapshots, parsing and errors are the same. Ids must match a strict pattern, so no
series id can name a path outside the base.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from etl.config import opensdg_url
from etl.sources import http
from etl.sources.errors import SourceError

SOURCE = "opensdg"
ENV_URL = "SDG_OPENSDG_URL"
#: Open SDG indicator ids: ``3-2-1``, ``1-a-2``, ``17-3-1-3`` (lower case, dash separated).
INDICATOR_ID = re.compile(r"^[0-9a-z]+(-[0-9a-z]+)+$")
CSV_TYPE = "text/csv; charset=utf-8"


def check_indicator_id(indicator_id: str) -> str:
    """The id itself when it matches :data:`INDICATOR_ID`, else ``ValueError``."""
    if not isinstance(indicator_id, str) or not INDICATOR_ID.fullmatch(indicator_id):
        raise ValueError(f"not an Open SDG indicator id (like 3-2-1): {indicator_id!r}")
    return indicator_id


class OpenSdgClient:
    """``GET <base>/data/indicator_<id>.csv`` over HTTP(S), or the same file of a local clone."""

    def __init__(
        self,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = (base_url or opensdg_url()).rstrip("/")
        self.local_root = _local_root(self.base_url)
        self.session = session or (None if self.local_root else http.make_session())
        self.timeout = timeout

    def indicator_csv(self, indicator_id: str) -> http.Fetched:
        """The raw ``data/indicator_<id>.csv`` of one indicator."""
        relative = f"data/indicator_{check_indicator_id(indicator_id)}.csv"
        if self.local_root is None:
            return self.http_get(relative)
        return _read_local(self.local_root, relative)

    def http_get(self, relative: str) -> http.Fetched:
        """``GET <base>/<relative>``; a base that is a local clone has no session and is read from disk instead."""
        if self.session is None:
            raise ValueError(f"{self.base_url} is a local folder, not read over HTTP")
        return http.get(self.session, SOURCE, f"{self.base_url}/{relative}", {}, self.timeout)


def _local_root(base: str) -> Path | None:
    """The clone's folder for a path or ``file://`` base; None for HTTP(S); ValueError otherwise."""
    parts = urlsplit(base)
    if parts.scheme in ("http", "https"):
        return None
    if parts.scheme == "file":
        return Path(unquote(parts.path)).resolve()
    if parts.scheme and len(parts.scheme) > 1:  # a one-letter "scheme" is a Windows drive
        raise ValueError(f"{ENV_URL}: unsupported URL scheme {parts.scheme!r} in {base!r}")
    return Path(base).expanduser().resolve()


def _read_local(root: Path, relative: str) -> http.Fetched:
    path = (root / relative).resolve()
    url = path.as_uri()
    if not path.is_relative_to(root):  # a symlink in the clone pointing elsewhere
        raise SourceError(SOURCE, url, f"resolves outside the repository folder {root}")
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(SOURCE, url, "no such file in the local repository") from None
    except OSError as exc:
        raise SourceError(SOURCE, url, f"cannot read the file: {exc}") from exc
    return http.Fetched(url=url, params={}, status=200, content=content, content_type=CSV_TYPE)
