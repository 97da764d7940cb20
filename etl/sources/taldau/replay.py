"""Which sample file answers a Taldau request (for the local replay server)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

_INDEX_DATA = re.compile(r"^/(?:ru|kk|en)/Api/GetIndexData/(\d+)$")
_PARAM = re.compile(r"^[0-9,]+$")


def resolve(root: Path, path: str, query: str) -> Path | None:
    """``/ru/Api/GetIndexData/<i>?period=<p>&dics=<a,b>`` -> ``GetIndexData/<i>-p<p>-d<a_b>.json``.

    Only digits and commas reach the file name, so no request can name a file outside ``root``.
    """
    match = _INDEX_DATA.match(path)
    params = parse_qs(query)
    period = (params.get("period") or [""])[0]
    dics = (params.get("dics") or [""])[0]
    if not match or not _PARAM.match(period) or not _PARAM.match(dics):
        return None
    candidate = root / "GetIndexData" / f"{match.group(1)}-p{period}-d{dics.replace(',', '_')}.json"
    return candidate if candidate.is_file() else None
