"""Reading the national SDG platform's repository (Open SDG layout) for the catalogue import.

The same base as the ``opensdg`` source (``SDG_OPENSDG_URL``): a local clone or an HTTP(S) base of its raw
files. A clone is listed by its folders; over HTTP nothing can be listed, so the indicator ids come from
the ids the caller already knows (``catalogue/series/opensdg.csv``).
"""

from __future__ import annotations

import yaml

from etl.catalogue.files import CatalogueError
from etl.sources.errors import SourceError
from etl.sources.opensdg.client import INDICATOR_ID, OpenSdgClient, check_indicator_id

LANGUAGES = ("ru", "kk", "en")


class OpenSdgRepository:
    """Files of one Open SDG data repository, read as bytes or YAML."""

    def __init__(self, base: str) -> None:
        self.client = OpenSdgClient(base)

    @property
    def base(self) -> str:
        return self.client.base_url

    def read(self, relative: str) -> bytes | None:
        """The file's bytes, or None when the repository has no such file."""
        root = self.client.local_root
        if root is not None:
            path = (root / relative).resolve()
            if not path.is_relative_to(root):
                raise CatalogueError(f"{relative}: resolves outside the repository {root}")
            return path.read_bytes() if path.is_file() else None
        try:
            return self.client.http_get(relative).content
        except SourceError as exc:
            if "404" in str(exc):
                return None
            raise

    def yaml(self, relative: str) -> dict:
        """A YAML mapping (BOM tolerated); an absent file is an empty mapping, a malformed one an error."""
        content = self.read(relative)
        if content is None:
            return {}
        try:
            data = yaml.safe_load(content.decode("utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CatalogueError(f"{self.base}/{relative}: not readable YAML: {exc}") from exc
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise CatalogueError(f"{self.base}/{relative}: expected a mapping, got {type(data).__name__}")
        return data

    def indicator_ids(self, known: list[str]) -> list[str]:
        """Ids of ``indicator-config/*.yml`` in a clone; over HTTP the ``known`` ids."""
        root = self.client.local_root
        if root is None:
            return sorted({check_indicator_id(i) for i in known}, key=indicator_sort_key)
        folder = root / "indicator-config"
        if not folder.is_dir():
            raise CatalogueError(f"{root}: no indicator-config/ folder; is this an Open SDG data repository?")
        ids = [p.stem for p in folder.glob("*.yml") if INDICATOR_ID.fullmatch(p.stem)]
        return sorted(ids, key=indicator_sort_key)

    def data_ids(self, candidates: list[str]) -> list[str]:
        """Ids that have ``data/indicator_<id>.csv`` (a clone is listed; over HTTP each candidate is tried)."""
        root = self.client.local_root
        if root is not None:
            found = {p.name[len("indicator_") : -len(".csv")] for p in (root / "data").glob("indicator_*.csv")}
            return sorted((i for i in found if INDICATOR_ID.fullmatch(i)), key=indicator_sort_key)
        return [i for i in candidates if self.read(f"data/indicator_{i}.csv") is not None]

    def translations(self, name: str) -> dict[str, dict]:
        """``translations/<lang>/<name>.yml`` for every language."""
        return {lang: self.yaml(f"translations/{lang}/{name}.yml") for lang in LANGUAGES}


def indicator_sort_key(indicator_id: str) -> tuple:
    """3-2-1 before 3-10-1 before 3-a-1: numbers as numbers, letters after them."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in indicator_id.replace(".", "-").split("-"))
