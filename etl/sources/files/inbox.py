"""The inbox folder responsible bodies drop their reports into, read as raw bytes (the files' "client").

File names come only from listing the folder, are matched against the series' glob, and are never
built from anything inside a file. Hidden names (``.x``, Excel's ``~$x`` lock files), symlinks and
sub-folders are not read: a symlink could point outside the inbox. Nothing is moved or deleted, so a
rejected file stays where its sender put it.
"""

from __future__ import annotations

import fnmatch
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from etl import config
from etl.sources.errors import SourceError
from etl.sources.http import Fetched

log = logging.getLogger(__name__)

SOURCE = "files"
INBOX_ENV = "SDG_FILES_INBOX"
CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    ".csv": "text/csv",
}


def _root(location: str | Path | None) -> Path:
    if location is None:
        return config.files_inbox()
    text = str(location)
    if text.startswith("file://"):
        text = text.removeprefix("file://")
    elif "://" in text:
        raise ValueError(f"files inbox must be a local folder or file:// URL, got {text!r} (object stores: not yet)")
    return Path(text)


def safe_name(name: str) -> bool:
    """A plain file name: no folder parts, not hidden, not an Excel lock file."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith((".", "~$")) and name != ".."


class Inbox:
    """List and read the files of one submitter; ``location`` is a folder path or ``file://`` URL."""

    def __init__(self, location: str | Path | None = None) -> None:
        self.root = _root(location).resolve()

    def names(self, pattern: str) -> list[str]:
        """Regular files directly in the inbox whose names match ``pattern``, sorted by name."""
        if not self.root.is_dir():
            raise SourceError(SOURCE, self.root.as_uri(), f"inbox folder does not exist (set {INBOX_ENV})")
        names = []
        with os.scandir(self.root) as entries:
            for entry in entries:
                if not fnmatch.fnmatchcase(entry.name, pattern):
                    continue
                if not safe_name(entry.name) or not entry.is_file(follow_symlinks=False):
                    log.warning("files: %s in %s is not a plain regular file; ignored", entry.name, self.root)
                    continue
                names.append(entry.name)
        return sorted(names)

    def read(self, name: str, submitter: str) -> Fetched:
        """The exact bytes of one listed file, as a snapshot-able answer."""
        if not safe_name(name):
            raise ValueError(f"not a plain file name: {name!r}")
        path = self.root / name
        try:
            content = path.read_bytes()
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError as exc:
            raise SourceError(SOURCE, path.as_uri(), f"cannot read the file: {exc}") from exc
        return Fetched(
            url=path.as_uri(),
            params={"submitter": submitter, "file": name, "modified": modified.isoformat()},
            status=200,
            content=content,
            content_type=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        )
