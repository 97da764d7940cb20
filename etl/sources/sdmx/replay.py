"""Which sample file answers an SDMX request (for the local replay server).

``/data/<flow>/<key>?format=<sdmx-ml|sdmx-json|sdmx-csv>`` → ``data/<flow>/<key><.xml|.json|.csv>``
(the server sees no headers, so the format comes from the query); ``/datastructure/<agency>/<id>/<version>``
→ ``datastructure/<agency>/<id>/<version>.xml``. Path parts are checked (no slashes, no ``.``/``..``) and
the result must lie under ``root``, so no request can name a file outside it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs

from etl.sources.sdmx.formats import FORMATS

_PART = re.compile(r"^[A-Za-z0-9_@$\-.,+*]+$")


def resolve(root: Path, path: str, query: str) -> Path | None:
    parts = path.strip("/").split("/")
    if not all(_PART.match(p) and p not in (".", "..") for p in parts):
        return None
    if len(parts) == 3 and parts[0] == "data":
        fmt = FORMATS.get((parse_qs(query).get("format") or ["sdmx-ml"])[0])
        candidate = root / "data" / parts[1] / f"{parts[2]}{fmt.suffix}" if fmt else None
    elif len(parts) == 4 and parts[0] == "datastructure":
        candidate = root / "datastructure" / parts[1] / parts[2] / f"{parts[3]}.xml"
    else:
        return None
    if candidate is None or not candidate.resolve().is_relative_to(root.resolve()):
        return None
    return candidate if candidate.is_file() else None
