"""What every SDMX reader returns: observations as plain text, before any mapping to the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field

TIME_DIMENSION = "TIME_PERIOD"


@dataclass(frozen=True)
class RawObs:
    #: every dimension of the observation (series and observation level, TIME_PERIOD included)
    key: dict[str, str]
    #: OBS_VALUE as published; None when the message has no value at all
    value: str | None
    #: attributes of the data set, series and observation (the nearer level wins)
    attrs: dict[str, str]


@dataclass
class Observations:
    #: the non-time dimensions in key order (the order of a REST key's dot-separated positions)
    dimensions: list[str] = field(default_factory=list)
    records: list[RawObs] = field(default_factory=list)
