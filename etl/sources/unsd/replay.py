"""Which sample file answers a UN SDG API request (for the local replay server)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

DATA_PATH = "/v1/sdg/Series/Data"
#: each query parameter's whitelist; nothing else ever reaches a file name
_PARAMS = {
    "seriesCode": re.compile(r"^[A-Z][A-Z0-9_]{0,59}$"),
    "areaCode": re.compile(r"^\d{1,3}$"),
    "page": re.compile(r"^[1-9]\d{0,3}$"),
    "pageSize": re.compile(r"^[1-9]\d{0,4}$"),
}


def sample_name(series_code: str, area_code: str, page: int | str, page_size: int | str) -> str:
    """``SI_POV_NAHC-a398-p1-s20.json``: the file holding one page of one series."""
    return f"{series_code}-a{area_code}-p{page}-s{page_size}.json"


def resolve(root: Path, path: str, query: str) -> Path | None:
    """``/v1/sdg/Series/Data?seriesCode=..&areaCode=..&page=..&pageSize=..`` -> ``v1/sdg/Series/Data/<name>``.

    Each parameter must occur once and match its whitelist (letters, digits, underscore), so no request can
    name a file outside ``root``.
    """
    if path.rstrip("/") != DATA_PATH:
        return None
    params = parse_qs(query, keep_blank_values=True)
    values = {}
    for name, pattern in _PARAMS.items():
        given = params.get(name, [])
        if len(given) != 1 or not pattern.match(given[0]):
            return None
        values[name] = given[0]
    candidate = root / DATA_PATH.lstrip("/") / sample_name(*values.values())
    return candidate if candidate.is_file() else None
