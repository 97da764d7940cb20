"""Reading a JSON API answer, with the ways it can be unusable spelt out (shared by the JSON sources)."""

from __future__ import annotations

import json

from etl.sources.errors import SourceError


class JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as written; messages show it bare, as in the answer."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)


def decode_json(source: str, content: bytes, url: str) -> object:
    """Bytes to JSON; an empty body, an HTML error page, non-UTF-8 or truncated JSON is a SourceError.

    Numbers with a fraction or an exponent stay their JSON text (:class:`JsonNumber`): a float would turn
    ``1e-20000`` into 0.0 and cut long numbers to 17 digits, silently; the parsers read values from text.
    """
    try:
        text = content.decode("utf-8-sig") if content else ""
    except UnicodeDecodeError as exc:
        raise SourceError(source, url, f"answer is not UTF-8: {exc}") from exc
    head = text.lstrip()[:1]
    if not head:
        raise SourceError(source, url, "answered an empty body")
    if head == "<":
        raise SourceError(source, url, "answered an HTML page instead of JSON: " + " ".join(text.split())[:120])
    try:
        return json.loads(text, parse_float=JsonNumber)
    except json.JSONDecodeError as exc:
        raise SourceError(
            source, url, f"invalid or truncated JSON at char {exc.pos} of {len(text)}: {exc.msg}"
        ) from exc
