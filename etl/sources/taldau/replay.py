"""Which sample file answers a Taldau request (for the local replay server).

Only digits and commas from the request reach a file name, so no request can name a file outside ``root``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

_API = re.compile(r"^/(?:ru|kk|en)/Api/(GetIndexData|GetPeriodList|GetSegmentList|GetIndexAttributes)(?:/(\d+))?$")
_NUMBERS = re.compile(r"^[0-9,]+$")


def resolve(root: Path, path: str, query: str) -> Path | None:
    """``GetIndexData/<i>?period=<p>&dics=<a,b>`` -> ``GetIndexData/<i>-p<p>-d<a_b>.json``;
    ``GetSegmentList``/``GetIndexAttributes?indexId=<i>&periodId=<p>`` -> ``<method>/<i>-p<p>.json``;
    ``GetPeriodList?indexId=<i>`` -> ``GetPeriodList/<i>.json``.
    """
    match = _API.match(path)
    if not match:
        return None
    method, index = match.groups()
    params = {k: v[0] for k, v in parse_qs(query).items()}
    if any(not _NUMBERS.match(v) for v in params.values()):
        return None
    if method == "GetIndexData":
        if not index or "period" not in params or "dics" not in params:
            return None
        name = f"{index}-p{params['period']}-d{params['dics'].replace(',', '_')}.json"
    elif method == "GetPeriodList":
        name = f"{params.get('indexId', '')}.json"
    else:
        name = f"{params.get('indexId', '')}-p{params.get('periodId', '')}.json"
    candidate = root / method / name
    return candidate if candidate.is_file() else None
